/*
 * test_cli.c: the built binary: commands, options, exit codes (SPEC
 * section 5) and messages that name the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

/* s begins with prefix. */
#define T_STARTS(s, prefix) CU_ASSERT_EQUAL(strncmp(t_str(s), prefix, strlen(prefix)), 0)

/* Runs the CLI with its working folder in dir (args name inputs by absolute
 * path, as "%s" in fmt is the repository's own folder), so that what a
 * command writes beside itself lands in dir. */
static int cli_in(const char *dir, const char *fmt, char **out, char **err)
{
    char root[4096], bin[4096], args[8192], cmd[16384];
    if (!getcwd(root, sizeof root) || !realpath(t_bin(), bin))
        return -1;
    snprintf(args, sizeof args, fmt, root);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", dir, bin, args);
    return t_sh(cmd, out, err);
}

static void test_cli_version(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("--version", &out, NULL), 0);
    T_STARTS(out, "annoport " AP_VERSION " (cJSON ");
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "libxml2 ") : NULL);
    free(out);
}

static void test_cli_help(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("--help", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "annoport convert INPUT... -o OUTPUT") : NULL);
    free(out);
}

static void test_cli_formats_lists_readers(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("formats", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "coco") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "clarifai") : NULL);
    free(out);
}

static void test_cli_no_command_is_usage_error(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("", NULL, &err), 64);
    free(err);
}

static void test_cli_unknown_command_is_named(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("frobnicate x", NULL, &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "unknown command 'frobnicate'") : NULL);
    free(err);
}

static void test_cli_convert_needs_output(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json", NULL, &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "-o OUTPUT") : NULL);
    free(err);
}

static void test_cli_batch_size_zero_refused(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --batch-size 0", NULL, &err),
                    64);
    free(err);
    CU_ASSERT_FALSE(t_exists("x"));
}

static void test_cli_geometry_value_refused(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --geometry circle", NULL,
                          &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "circle") : NULL);
    free(err);
    CU_ASSERT_FALSE(t_exists("x"));
}

static void test_cli_unknown_option_is_named(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --bogus", NULL, &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "--bogus") : NULL);
    free(err);
    CU_ASSERT_FALSE(t_exists("x"));
}

static void test_cli_unknown_from_format_refused(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --from nope", NULL, &err),
                    64);
    free(err);
    CU_ASSERT_FALSE(t_exists("x"));
}

static void test_cli_convert_sample_summary(void)
{
    const char *d = t_dir("cli_convert");
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/out", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "coco input (detected)") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "objects read         6\n") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "objects rejected     1  (zero_area 1)") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "clamped              1\n") : NULL);
    T_ASSERT_STR(err, "");
    free(out);
    free(err);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out"), NULL), 0);
}

/* The same output again: refused, 73. */
static void test_cli_convert_existing_output_refused(void)
{
    const char *d = t_dir("cli_convert_again");
    char args[1024], *err = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/out", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 73);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "exists") : NULL);
    free(err);
}

/* --json (with --force over an existing output): the counts as numbers. */
static void test_cli_convert_json_counts(void)
{
    const char *d = t_dir("cli_convert_json");
    char args[1024], *out = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/out --quiet", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/out --force --json",
             d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    cJSON *j = out ? cJSON_Parse(out) : NULL;
    free(out);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *c = cJSON_GetObjectItem(j, "counts");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "objects_written")->valueint, 5);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "rejects"), "zero_area")->valueint,
                    1);
    cJSON_Delete(j);
}

/* --quiet into a zip: nothing on either stream, a whole archive. */
static void test_cli_convert_quiet_zip(void)
{
    const char *d = t_dir("cli_convert_quiet");
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/q.zip --quiet", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, &err), 0);
    T_ASSERT_STR(out, "");
    T_ASSERT_STR(err, "");
    free(out);
    free(err);
    CU_ASSERT_EQUAL(t_check(t_path(d, "q.zip"), NULL), 0);
}

static void test_cli_convert_standard_input(void)
{
    const char *d = t_dir("cli_convert_stdin");
    char args[1024];
    snprintf(args, sizeof args, "convert - --from coco -o %s/stdin --quiet "
                                "< samples/coco/instances.json", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_request_count(t_path(d, "stdin/requests/post-annotations-000001.json")), 5);
}

static void test_cli_missing_input_is_named(void)
{
    const char *d = t_dir("cli_err_missing");
    char args[1024], *err = NULL;
    snprintf(args, sizeof args, "convert %s/missing.json -o %s/out", d, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 66);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "missing.json") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

/* A malformed file: its name and line, and no output. */
static void test_cli_malformed_input_is_named_with_line(void)
{
    const char *d = t_dir("cli_err_malformed");
    char args[1024], *err = NULL;
    const char *bad = t_path(d, "bad.json");
    t_write(bad, "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.jpg\",, }\n]}");
    snprintf(args, sizeof args, "convert %s -o %s/out", bad, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    char want[1100];
    snprintf(want, sizeof want, "annoport: error: %s:2:", bad);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, want) : NULL);
    free(err);
    CU_ASSERT_FALSE(t_exists(t_path(d, "out")));
    CU_ASSERT_EQUAL(t_count_entries(d), 1);
}

/* A file no reader recognises. */
static void test_cli_unrecognised_input_is_named(void)
{
    const char *d = t_dir("cli_err_unknown");
    char args[1024], *err = NULL;
    const char *txt = t_path(d, "notes.json");
    t_write(txt, "hello");
    snprintf(args, sizeof args, "convert %s -o %s/out", txt, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "notes.json: not a dataset") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_count_entries(d), 1);
}

/* An output that cannot be created. */
static void test_cli_uncreatable_output_is_named(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o /proc/annoport-out", NULL,
                          &err), 73);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "/proc/annoport-out") : NULL);
    free(err);
}

/* validate shows rejects as warnings and writes nothing where it runs. */
static void test_cli_validate_warns_rejects(void)
{
    const char *d = t_dir("cli_validate");
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(cli_in(d, "validate %s/samples/coco/instances.json", &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "checked coco input") : NULL);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "samples/coco/instances.json:16: zero_area") : NULL);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

static void test_cli_validate_strict_fails_on_reject(void)
{
    const char *d = t_dir("cli_validate_strict");
    char *err = NULL;
    CU_ASSERT_EQUAL(cli_in(d, "validate --strict %s/samples/coco/instances.json", NULL, &err),
                    65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "zero_area") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

static void test_cli_stats_summary(void)
{
    const char *d = t_dir("cli_stats");
    char *out = NULL;
    CU_ASSERT_EQUAL(cli_in(d, "stats %s/samples/coco/instances.json", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "images                 4\n") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "images with objects    3\n") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "cafe-sign") : NULL);
    free(out);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

/* convert says where the rejects are and shows the first ones: in a
 * folder, */
static void test_cli_rejects_listed_for_folder(void)
{
    const char *d = t_dir("cli_rejects");
    char args[1024], want[2048], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/out", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, &err), 0);
    snprintf(want, sizeof want, "  output               %s/out (clarifai)\n"
             "  rejects              %s/out/rejects.jsonl; the first:\n"
             "    samples/coco/instances.json:16: zero_area: the box is empty or inverted "
             "after clamping to the image\n", d, d);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), want));
    T_ASSERT_STR(err, "");
    free(out);
    free(err);
}

/* in a zip, */
static void test_cli_rejects_listed_for_zip(void)
{
    const char *d = t_dir("cli_rejects_zip");
    char args[1024], want[2048], *out = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/out.zip", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    snprintf(want, sizeof want, "  rejects              rejects.jsonl in %s/out.zip; the first:\n"
             "    samples/coco/instances.json:16: zero_area: ", d);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), want));
    free(out);
}

/* and under --json. */
static void test_cli_rejects_listed_in_json(void)
{
    const char *d = t_dir("cli_rejects_json");
    char args[1024], want[2048], *out = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/j --json", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    snprintf(want, sizeof want, "\"rejects_file\":\"%s/j/rejects.jsonl\"", d);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), want));
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "\"first_rejects\":[\"samples/coco/instances.json:"
                                              "16: zero_area: the box is empty or inverted "
                                              "after clamping to the image\"]"));
    free(out);
}

/* The summary names the format written; only Clarifai output counts requests. */
static void test_cli_summary_names_the_format(void)
{
    const char *d = t_dir("cli_format");
    char args[1024], want[1200], *out = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json --to coco -o %s/c", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    T_STARTS(out, "annoport: converted coco input (detected) to coco\n");
    snprintf(want, sizeof want, "  clamped              1\n  output               %s/c (coco)\n",
             d);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), want));
    CU_ASSERT_PTR_NULL(strstr(t_str(out), "requests"));
    free(out);
}

static void test_cli_json_names_the_format(void)
{
    const char *d = t_dir("cli_format_json");
    char args[1024], *out = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json --to coco -o %s/j --json",
             d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "\"format\":\"coco\",\"to\":\"coco\""));
    free(out);
}

/* validate writes nothing, and its summary does not say it did. */
static void test_cli_validate_says_accepted(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("validate samples/coco/instances.json", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "  objects accepted     5\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "  annotations accepted 5\n"));
    CU_ASSERT_PTR_NULL(strstr(t_str(out), "written"));
    free(out);
}

/* --json: a usage error prints the same object as a data error. */
static void test_cli_json_usage_error(void)
{
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --json --batch-size 0", &out,
                          &err), 64);
    T_ASSERT_STR(out, "{\"ok\":false,\"exit\":64,\"format\":\"\",\"error\":\"--batch-size must be "
                      "a number from 1 to 128, not '0'\",\"counts\":{\"inputs\":0,\"objects_read\":0,"
                      "\"objects_written\":0,\"objects_rejected\":0,\"objects_filtered\":0,"
                      "\"annotations_written\":0,\"clamped\":0,\"requests\":0},\"rejects\":{},"
                      "\"first_rejects\":[],\"concepts\":[]}\n");
    T_ASSERT_STR(err, "annoport: --batch-size must be a number from 1 to 128, not '0' (see "
                      "'annoport convert --help')\n");
    free(out);
    free(err);
    CU_ASSERT_FALSE(t_exists("x"));
}

/* the keys of a data error's object, in the same order */
static void test_cli_json_data_error(void)
{
    const char *d = t_dir("cli_json_data");
    char args[1200], *out = NULL;
    t_write(t_path(d, "broken.json"), "{\"images\": [,]}");
    snprintf(args, sizeof args, "validate --json %s/broken.json", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 65);
    T_STARTS(out, "{\"ok\":false,\"exit\":65,\"format\":");
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "\"counts\":{\"inputs\":"));
    free(out);
}

/* an option validate does not take, under --json */
static void test_cli_json_option_of_another_command(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("validate x --output y --json", &out, NULL), 64);
    T_STARTS(out, "{\"ok\":false,\"exit\":64,\"format\":\"\",\"error\":");
    free(out);
    CU_ASSERT_FALSE(t_exists("y"));
}

static void test_cli_json_unknown_command(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("convrt x --json", &out, NULL), 64);
    T_STARTS(out, "{\"ok\":false,\"exit\":64,");
    free(out);
}

/* A mistyped command, option or value: the closest one is offered. */
static void test_cli_did_you_mean_command(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convrt x", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: unknown command 'convrt' (did you mean 'convert'?) (see "
                      "'annoport --help')\n");
    free(err);
}

static void test_cli_did_you_mean_option(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert x --outptu y", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: unknown option '--outptu' (did you mean '--output'?) (see "
                      "'annoport convert --help')\n");
    free(err);
    CU_ASSERT_FALSE(t_exists("y"));
}

static void test_cli_did_you_mean_value(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert x -o y --geometry box", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: --geometry takes bbox, polygon or both, not 'box' (did you "
                      "mean 'bbox'?) (see 'annoport convert --help')\n");
    free(err);
    CU_ASSERT_FALSE(t_exists("y"));
}

/* nothing close: no guess */
static void test_cli_did_you_mean_nothing_close(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert x -o y --frobnicate", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: unknown option '--frobnicate' (see 'annoport convert --help')\n");
    free(err);
    CU_ASSERT_FALSE(t_exists("y"));
}

/* An option of another command says which commands take it: one, */
static void test_cli_option_of_another_command(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("convert x -o y --match-iou 0.7", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: '--match-iou' is an option of diff, not of convert (see "
                      "'annoport convert --help')\n");
    free(err);
}

/* or two. */
static void test_cli_option_of_two_other_commands(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate x --force", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: '--force' is an option of convert and diff, not of validate "
                      "(see 'annoport validate --help')\n");
    free(err);
}

/* completion: bash or zsh (each its own script), listed in the help and
 * the man page. */
static void test_cli_completion_bash(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("completion bash", &out, NULL), 0);
    T_STARTS(out, "# bash completion for annoport");
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "complete -o filenames -F _annoport annoport\n"));
    free(out);
}

static void test_cli_completion_zsh(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("completion zsh", &out, NULL), 0);
    T_STARTS(out, "#compdef annoport\n# zsh completion for annoport "
                            "(written by annoport completion zsh)\nautoload -U +X bashcompinit "
                            "&& bashcompinit\n");
    free(out);
}

/* zsh reads it, when zsh is there */
static void test_cli_completion_zsh_sources(void)
{
    const char *d = t_dir("cli_zsh");
    char args[1200];
    snprintf(args, sizeof args, "completion zsh > '%s/annoport.zsh' && { ! command -v zsh "
             ">/dev/null || zsh -fc \"source '%s/annoport.zsh'\"; }", d, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
}

static void test_cli_completion_other_shell_refused(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("completion fish", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: completion takes bash or zsh, not 'fish' (see 'annoport "
                      "--help')\n");
    free(err);
}

static void test_cli_completion_in_help_and_man_page(void)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(t_cli("--help", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "annoport completion bash|zsh "));
    free(out);
    char *man = t_read("src/annoport.1", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(man), ".B annoport completion\n.BR bash | zsh\n"));
    free(man);
}

/* On a terminal the bar is on by default, redrawn in place: the phases,
 * each with its final numbers, then the line is cleared. */
static void test_cli_progress_on_a_terminal(void)
{
    const char *d = t_dir("cli_tty");
    char cmd[2048], *tty = NULL;
    snprintf(cmd, sizeof cmd, "%s convert samples/coco/instances.json -o '%s/out'", t_bin(), d);
    CU_ASSERT_EQUAL(t_sh_tty(cmd, &tty), 0);
    /* the sample's annotations come before its categories: read twice */
    const char *want[] = {
        "\rreading [                    ]   0%, 0 objects, ",
        "\rreading [####################] 100%, 0 objects, ",
        "\rreading again (second pass) [##########          ]  50%, 0 objects, ",
        "\rreading again (second pass) [####################] 100%, 6 objects, ",
        "\rwriting, 5 objects, "};
    const char *at = t_str(tty);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *p = strstr(at, want[i]);
        if (!p)
            fprintf(stderr, "\nnot on the terminal (in order): %s\n", want[i] + 1);
        CU_ASSERT_PTR_NOT_NULL(p);
        at = p ? p + 1 : at;
    }
    size_t n = strlen(t_str(tty));
    CU_ASSERT(n > 4 && !strcmp(t_str(tty) + n - 4, "\r\033[K"));
    CU_ASSERT_PTR_NULL(strchr(t_str(tty), '\n')); /* the summary is on standard output */
    free(tty);
}

/* --quiet: no bar on a terminal, */
static void test_cli_progress_quiet_on_a_terminal(void)
{
    const char *d = t_dir("cli_tty_quiet");
    char cmd[2048], *tty = NULL;
    snprintf(cmd, sizeof cmd, "%s convert samples/coco/instances.json -o '%s/q' --quiet", t_bin(),
             d);
    CU_ASSERT_EQUAL(t_sh_tty(cmd, &tty), 0);
    T_ASSERT_STR(tty, "");
    free(tty);
}

/* unless --progress says otherwise. */
static void test_cli_progress_quiet_with_progress_on_a_terminal(void)
{
    const char *d = t_dir("cli_tty_quiet_progress");
    char cmd[2048], *tty = NULL;
    snprintf(cmd, sizeof cmd, "%s convert samples/coco/instances.json -o '%s/qp' --quiet "
             "--progress", t_bin(), d);
    CU_ASSERT_EQUAL(t_sh_tty(cmd, &tty), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(tty), "\rwriting, 5 objects, "));
    free(tty);
}

/* The lines of --progress when standard error is not a terminal, one line
 * per state, in order, each starting as given. */
static void expect_lines(const char *args, const char *const *want, size_t n)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 0);
    const char *p = t_str(err);
    size_t i = 0;
    for (; i < n && *p; i++) {
        int ok = strncmp(p, want[i], strlen(want[i])) == 0;
        if (!ok)
            fprintf(stderr, "\nline %zu: want %s...\n%s", i + 1, want[i], t_str(err));
        CU_ASSERT_TRUE(ok);
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : p + strlen(p);
    }
    CU_ASSERT_EQUAL(i, n);
    T_ASSERT_STR(p, "");
    free(err);
}

/* --progress into a pipe: plain lines for every phase, on every kind of
 * input and output. Not a terminal and no --progress: nothing. */
static void test_cli_progress_none_on_a_pipe(void)
{
    const char *d = t_dir("cli_pipe_none");
    char args[2048], *err = NULL;
    snprintf(args, sizeof args, "convert samples/voc -o '%s/none' --quiet", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 0);
    T_ASSERT_STR(err, "");
    free(err);
}

/* a VOC folder into a zip: the archive is a phase of its own */
static void test_cli_progress_lines_voc_into_zip(void)
{
    const char *d = t_dir("cli_pipe_voc");
    char args[2048];
    const char *voc[] = {"annoport: reading 0%, 0 objects, ", "annoport: reading 100%, 4 objects, ",
                         "annoport: writing, 3 objects, ",
                         "annoport: writing the archive 0%, 3 objects, ",
                         "annoport: writing the archive 100%, 3 objects, ",
                         "annoport: done, 4 objects read, 3 written, "};
    snprintf(args, sizeof args, "convert samples/voc -o '%s/voc.zip' --progress --quiet", d);
    expect_lines(args, voc, 6);
}

/* a CSV file, validated */
static void test_cli_progress_lines_csv_validated(void)
{
    const char *csv[] = {"annoport: reading 0%, 0 objects, ", "annoport: reading 100%, 6 objects, ",
                         "annoport: done, 6 objects read, "};
    expect_lines("validate samples/csv/tfod.csv --progress --quiet", csv, 3);
}

/* a COCO folder (annotations before categories: two passes) */
static void test_cli_progress_lines_coco_two_passes(void)
{
    const char *coco[] = {"annoport: reading 0%, 0 objects, ",
                          "annoport: reading 100%, 0 objects, ",
                          "annoport: reading again (second pass) 50%, 0 objects, ",
                          "annoport: reading again (second pass) 100%, 6 objects, ",
                          "annoport: done, 6 objects read, "};
    expect_lines("validate samples/coco --progress --quiet", coco, 5);
}

/* standard input: copied first, then read with its size known */
static void test_cli_progress_lines_standard_input(void)
{
    char size[64];
    struct stat st;
    CU_ASSERT_EQUAL_FATAL(stat("samples/csv/tfod.csv", &st), 0);
    snprintf(size, sizeof size, "annoport: copying standard input %.1f kB, 0 objects, ",
             (double)st.st_size / 1e3);
    const char *in[] = {"annoport: reading 0.0 kB, 0 objects, ",
                        "annoport: copying standard input 0.0 kB, 0 objects, ", size,
                        "annoport: reading 100%, 0 objects, ",
                        "annoport: reading 100%, 6 objects, ",
                        "annoport: done, 6 objects read, "};
    expect_lines("validate - --from csv --progress --quiet < samples/csv/tfod.csv", in, 6);
}

CU_TestInfo cli_tests[] = {
    {"test_cli_progress_on_a_terminal", test_cli_progress_on_a_terminal},
    {"test_cli_progress_quiet_on_a_terminal", test_cli_progress_quiet_on_a_terminal},
    {"test_cli_progress_quiet_with_progress_on_a_terminal",
     test_cli_progress_quiet_with_progress_on_a_terminal},
    {"test_cli_progress_none_on_a_pipe", test_cli_progress_none_on_a_pipe},
    {"test_cli_progress_lines_voc_into_zip", test_cli_progress_lines_voc_into_zip},
    {"test_cli_progress_lines_csv_validated", test_cli_progress_lines_csv_validated},
    {"test_cli_progress_lines_coco_two_passes", test_cli_progress_lines_coco_two_passes},
    {"test_cli_progress_lines_standard_input", test_cli_progress_lines_standard_input},
    {"test_cli_json_usage_error", test_cli_json_usage_error},
    {"test_cli_json_data_error", test_cli_json_data_error},
    {"test_cli_json_option_of_another_command", test_cli_json_option_of_another_command},
    {"test_cli_json_unknown_command", test_cli_json_unknown_command},
    {"test_cli_did_you_mean_command", test_cli_did_you_mean_command},
    {"test_cli_did_you_mean_option", test_cli_did_you_mean_option},
    {"test_cli_did_you_mean_value", test_cli_did_you_mean_value},
    {"test_cli_did_you_mean_nothing_close", test_cli_did_you_mean_nothing_close},
    {"test_cli_option_of_another_command", test_cli_option_of_another_command},
    {"test_cli_option_of_two_other_commands", test_cli_option_of_two_other_commands},
    {"test_cli_completion_bash", test_cli_completion_bash},
    {"test_cli_completion_zsh", test_cli_completion_zsh},
    {"test_cli_completion_zsh_sources", test_cli_completion_zsh_sources},
    {"test_cli_completion_other_shell_refused", test_cli_completion_other_shell_refused},
    {"test_cli_completion_in_help_and_man_page", test_cli_completion_in_help_and_man_page},
    {"test_cli_rejects_listed_for_folder", test_cli_rejects_listed_for_folder},
    {"test_cli_rejects_listed_for_zip", test_cli_rejects_listed_for_zip},
    {"test_cli_rejects_listed_in_json", test_cli_rejects_listed_in_json},
    {"test_cli_summary_names_the_format", test_cli_summary_names_the_format},
    {"test_cli_json_names_the_format", test_cli_json_names_the_format},
    {"test_cli_validate_says_accepted", test_cli_validate_says_accepted},
    {"test_cli_version", test_cli_version},
    {"test_cli_help", test_cli_help},
    {"test_cli_formats_lists_readers", test_cli_formats_lists_readers},
    {"test_cli_no_command_is_usage_error", test_cli_no_command_is_usage_error},
    {"test_cli_unknown_command_is_named", test_cli_unknown_command_is_named},
    {"test_cli_convert_needs_output", test_cli_convert_needs_output},
    {"test_cli_batch_size_zero_refused", test_cli_batch_size_zero_refused},
    {"test_cli_geometry_value_refused", test_cli_geometry_value_refused},
    {"test_cli_unknown_option_is_named", test_cli_unknown_option_is_named},
    {"test_cli_unknown_from_format_refused", test_cli_unknown_from_format_refused},
    {"test_cli_convert_sample_summary", test_cli_convert_sample_summary},
    {"test_cli_convert_existing_output_refused", test_cli_convert_existing_output_refused},
    {"test_cli_convert_json_counts", test_cli_convert_json_counts},
    {"test_cli_convert_quiet_zip", test_cli_convert_quiet_zip},
    {"test_cli_convert_standard_input", test_cli_convert_standard_input},
    {"test_cli_missing_input_is_named", test_cli_missing_input_is_named},
    {"test_cli_malformed_input_is_named_with_line", test_cli_malformed_input_is_named_with_line},
    {"test_cli_unrecognised_input_is_named", test_cli_unrecognised_input_is_named},
    {"test_cli_uncreatable_output_is_named", test_cli_uncreatable_output_is_named},
    {"test_cli_validate_warns_rejects", test_cli_validate_warns_rejects},
    {"test_cli_validate_strict_fails_on_reject", test_cli_validate_strict_fails_on_reject},
    {"test_cli_stats_summary", test_cli_stats_summary},
    CU_TEST_INFO_NULL,
};
