/*
 * test_cli.c: the built binary: commands, options, exit codes (SPEC
 * section 5) and messages that name the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void test_cli_usage(void)
{
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(t_cli("--version", &out, NULL), 0);
    CU_ASSERT_EQUAL(strncmp(t_str(out), "annoport " AP_VERSION " (cJSON ", 18), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "libxml2 ") : NULL);
    free(out);
    CU_ASSERT_EQUAL(t_cli("--help", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "annoport convert INPUT... -o OUTPUT") : NULL);
    free(out);
    CU_ASSERT_EQUAL(t_cli("formats", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "coco") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "clarifai") : NULL);
    free(out);
    CU_ASSERT_EQUAL(t_cli("", NULL, &err), 64);
    free(err);
    CU_ASSERT_EQUAL(t_cli("frobnicate x", NULL, &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "unknown command 'frobnicate'") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json", NULL, &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "-o OUTPUT") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --batch-size 0", NULL, &err),
                    64);
    free(err);
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --geometry circle", NULL,
                          &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "circle") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --bogus", NULL, &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "--bogus") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o x --from nope", NULL, &err),
                    64);
    free(err);
    CU_ASSERT_FALSE(t_exists("x"));
}

static void test_cli_convert_sample(void)
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
    /* the same output again: refused, 73 */
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 73);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "exists") : NULL);
    free(err);
    /* --json and --quiet */
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/out --force --json",
             d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    cJSON *j = out ? cJSON_Parse(out) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *c = cJSON_GetObjectItem(j, "counts");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "objects_written")->valueint, 5);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "rejects"), "zero_area")->valueint,
                    1);
    cJSON_Delete(j);
    free(out);
    snprintf(args, sizeof args, "convert samples/coco/instances.json -o %s/q.zip --quiet", d);
    CU_ASSERT_EQUAL(t_cli(args, &out, &err), 0);
    T_ASSERT_STR(out, "");
    T_ASSERT_STR(err, "");
    free(out);
    free(err);
    CU_ASSERT_EQUAL(t_check(t_path(d, "q.zip"), NULL), 0);
    /* standard input */
    snprintf(args, sizeof args, "convert - --from coco -o %s/stdin --quiet "
                                "< samples/coco/instances.json", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_request_count(t_path(d, "stdin/requests/post-annotations-000001.json")), 5);
}

static void test_cli_errors_name_the_file(void)
{
    const char *d = t_dir("cli_errors");
    char args[1024], *err = NULL;
    snprintf(args, sizeof args, "convert %s/missing.json -o %s/out", d, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 66);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "missing.json") : NULL);
    free(err);
    const char *bad = t_path(d, "bad.json");
    t_write(bad, "{\"images\": [\n  {\"id\": 1, \"file_name\": \"a.jpg\",, }\n]}");
    snprintf(args, sizeof args, "convert %s -o %s/out", bad, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    char want[1100];
    snprintf(want, sizeof want, "annoport: error: %s:2:", bad);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, want) : NULL);
    free(err);
    CU_ASSERT_FALSE(t_exists(t_path(d, "out")));
    /* a file no reader recognises */
    const char *txt = t_path(d, "notes.json");
    t_write(txt, "hello");
    snprintf(args, sizeof args, "convert %s -o %s/out", txt, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "notes.json: not a dataset") : NULL);
    free(err);
    /* an output that cannot be created */
    CU_ASSERT_EQUAL(t_cli("convert samples/coco/instances.json -o /proc/annoport-out", NULL,
                          &err), 73);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "/proc/annoport-out") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_count_entries(d), 2);
}

static void test_cli_validate_and_stats(void)
{
    const char *d = t_dir("cli_validate");
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate samples/coco/instances.json", &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "checked coco input") : NULL);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "samples/coco/instances.json:16: zero_area") : NULL);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(t_cli("validate --strict samples/coco/instances.json", NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "zero_area") : NULL);
    free(err);
    CU_ASSERT_EQUAL(t_cli("stats samples/coco/instances.json", &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "images                 4\n") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "images with objects    3\n") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "caf-sign") : NULL);
    free(out);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

CU_TestInfo cli_tests[] = {
    {"test_cli_usage", test_cli_usage},
    {"test_cli_convert_sample", test_cli_convert_sample},
    {"test_cli_errors_name_the_file", test_cli_errors_name_the_file},
    {"test_cli_validate_and_stats", test_cli_validate_and_stats},
    CU_TEST_INFO_NULL,
};
