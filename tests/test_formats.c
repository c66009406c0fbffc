/*
 * test_formats.c: the tables of readers and writers (formats/formats.c)
 * and what is made from them: every list of formats a user reads (help,
 * man page, completion, `annoport formats`) equals the tables, and every
 * option a plugin declares reaches the help, the man page and the
 * completion, and lands in its block.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include <annoport/format.h>

#include "helpers.h"

/* "a, b, c" of the readers' (or writers') names, in table order. */
static void names(char *buf, size_t size, int writers, const char *sep)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0;; i++) {
        const char *name = writers ? (ap_writers[i] ? ap_writers[i]->name : NULL)
                                   : (ap_readers[i] ? ap_readers[i]->name : NULL);
        if (!name)
            break;
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? sep : "", name);
    }
}

/* The text of line starting with prefix in text, up to its end (static). */
static const char *line_of(const char *text, const char *prefix)
{
    static char line[1024];
    const char *p = strstr(text ? text : "", prefix);
    line[0] = '\0';
    if (p)
        snprintf(line, sizeof line, "%.*s", (int)strcspn(p, "\n"), p);
    return line;
}

/* Every reader reads, every writer writes, names are unique, and every
 * declared option is complete. */
static void test_formats_tables_are_complete(void)
{
    size_t nr = 0, nw = 0;
    for (const ap_reader *const *r = ap_readers; *r; r++, nr++) {
        CU_ASSERT_PTR_NOT_NULL((*r)->probe);
        CU_ASSERT_PTR_NOT_NULL((*r)->read);
        CU_ASSERT((*r)->description && *(*r)->description);
        CU_ASSERT_PTR_EQUAL(ap_reader_find((*r)->name), *r);
    }
    for (const ap_writer *const *w = ap_writers; *w; w++, nw++) {
        CU_ASSERT_PTR_NOT_NULL((*w)->open);
        CU_ASSERT_PTR_NOT_NULL((*w)->annotation);
        CU_ASSERT_PTR_NOT_NULL((*w)->close);
        CU_ASSERT((*w)->priv_size > 0);
        CU_ASSERT_PTR_EQUAL(ap_writer_find((*w)->name), *w);
    }
    CU_ASSERT_EQUAL(nr, 5);
    CU_ASSERT_EQUAL(nw, 5);
    CU_ASSERT_PTR_NULL(ap_reader_find("labelme"));
    const ap_plugin_options *po;
    int writer;
    for (size_t i = 0; (po = ap_plugin_nth(i, &writer)) != NULL; i++)
        for (const ap_option *o = po->list; o && o->name; o++) {
            CU_ASSERT(po->heading && po->size >= o->offset + sizeof(int) && po->size <= 256);
            CU_ASSERT(o->help && *o->help);
            CU_ASSERT(o->type != AP_OPT_CHOICE || o->choices);
            CU_ASSERT(o->type != AP_OPT_PARSE || o->parse);
            CU_ASSERT((o->type == AP_OPT_FLAG) == (o->arg == NULL));
        }
}

/* --from and --to in the help, `annoport formats`, the completion and the
 * man page list exactly the tables' readers and writers. */
static void test_formats_lists_equal_the_tables(void)
{
    char readers[256], writers[256], want[512];
    char *out = NULL;
    CU_ASSERT_EQUAL_FATAL(t_cli("--help", &out, NULL), 0);
    names(readers, sizeof readers, 0, ", ");
    snprintf(want, sizeof want, "  --from FORMAT                  reader: %s (default: detected)",
             readers);
    T_ASSERT_STR(line_of(out, "  --from "), want);
    names(writers, sizeof writers, 1, ", ");
    /* the first writer is the default */
    char *comma = strchr(writers, ',');
    snprintf(want, sizeof want, "  --to FORMAT                    writer: %.*s (default)%s",
             (int)(comma - writers), writers, comma);
    T_ASSERT_STR(line_of(out, "  --to "), want);
    free(out);

    CU_ASSERT_EQUAL_FATAL(t_cli("formats", &out, NULL), 0);
    size_t rows = 0;
    for (const char *p = t_str(out); (p = strchr(p, '\n')) != NULL; p++)
        rows++;
    CU_ASSERT_EQUAL(rows, 1 + 5); /* a header, then each format once */
    for (const ap_reader *const *r = ap_readers; *r; r++) {
        char row[256];
        snprintf(row, sizeof row, "\n%-10s %-6s %-6s %s\n", (*r)->name, "yes",
                 ap_writer_find((*r)->name) ? "yes" : "-", (*r)->description);
        CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), row));
    }
    free(out);

    CU_ASSERT_EQUAL_FATAL(t_cli("completion bash", &out, NULL), 0);
    names(readers, sizeof readers, 0, " ");
    snprintf(want, sizeof want, "        --from) COMPREPLY=($(compgen -W \"%s \" -- \"$cur\")); "
             "return ;;", readers);
    T_ASSERT_STR(line_of(out, "        --from)"), want);
    names(writers, sizeof writers, 1, " ");
    snprintf(want, sizeof want, "        --to) COMPREPLY=($(compgen -W \"%s \" -- \"$cur\")); "
             "return ;;", writers);
    T_ASSERT_STR(line_of(out, "        --to)"), want);
    free(out);

    /* the man page says the lists in prose: "a, b, c or d" */
    char *man = t_read("src/annoport.1", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(man);
    names(readers, sizeof readers, 0, ", ");
    char *last = strrchr(readers, ',');
    snprintf(want, sizeof want, "The reader: %.*s or%s (default: detected from the content).",
             (int)(last - readers), readers, last + 1);
    T_ASSERT_STR(line_of(man, "The reader: "), want);
    names(writers, sizeof writers, 1, ", ");
    comma = strchr(writers, ',');
    last = strrchr(writers, ',');
    snprintf(want, sizeof want, "The writer: %.*s (default)%.*s or%s.", (int)(comma - writers),
             writers, (int)(last - comma), comma, last + 1);
    T_ASSERT_STR(line_of(man, "The writer: "), want);
    free(man);
}

/* Every option a plugin declares is in the help of the commands that take
 * it, in the man page, and in the completion (with its choices). */
static void test_formats_plugin_options_everywhere(void)
{
    char *help = NULL, *comp = NULL;
    CU_ASSERT_EQUAL_FATAL(t_cli("convert --help", &help, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(t_cli("completion bash", &comp, NULL), 0);
    char *man = t_read("src/annoport.1", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(man);
    const ap_plugin_options *po;
    int writer, seen = 0;
    for (size_t i = 0; (po = ap_plugin_nth(i, &writer)) != NULL; i++) {
        char heading[128];
        snprintf(heading, sizeof heading, "\n%s:\n", po->heading);
        if (po->list && po->list->name)
            CU_ASSERT_PTR_NOT_NULL(strstr(t_str(help), heading));
        for (const ap_option *o = po->list; o && o->name; o++, seen++) {
            char want[256];
            snprintf(want, sizeof want, "--%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
            const char *at = strstr(t_str(help), heading);
            CU_ASSERT_PTR_NOT_NULL(at ? strstr(at, want) : NULL);
            snprintf(want, sizeof want, ".B%s \\-\\-", o->arg ? "I" : "");
            size_t n = strlen(want); /* the name as roff writes it: "-" is "\\-" */
            for (const char *c = o->name; *c && n + 3 < sizeof want; c++) {
                if (*c == '-')
                    want[n++] = '\\';
                want[n++] = *c;
            }
            want[n] = '\0';
            if (!strstr(t_str(man), want))
                fprintf(stderr, "\n--%s is not in annoport.1 (%s)\n", o->name, want);
            CU_ASSERT_PTR_NOT_NULL(strstr(t_str(man), want));
            snprintf(want, sizeof want, " --%s ", o->name);
            CU_ASSERT_PTR_NOT_NULL(strstr(t_str(comp), want));
            if (o->type == AP_OPT_CHOICE) {
                char words[128];
                snprintf(words, sizeof words, "        --%s) COMPREPLY=($(compgen -W \"%s",
                         o->name, o->choices);
                for (char *c = words; *c; c++)
                    if (*c == '|')
                        *c = ' ';
                CU_ASSERT_PTR_NOT_NULL(strstr(t_str(comp), words));
            }
        }
    }
    CU_ASSERT_EQUAL(seen, 14); /* csv 4 + 1, voc 2, yolo 1, clarifai 4 + 2 */
    free(help);
    free(comp);
    free(man);
}

/* A value lands in every plugin that declares the option; a wrong one is
 * a usage error that names the choices and offers the closest. */
static void test_formats_option_values(void)
{
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "automl"), AP_OK);
    const char *const *rd = ap_plugin_options_get(ctx, &ap_reader_find("csv")->options);
    const char *const *wd = ap_plugin_options_get(ctx, &ap_writer_find("csv")->options);
    T_ASSERT_STR(*rd, "automl"); /* the dialect is each block's first member */
    T_ASSERT_STR(*wd, "automl");
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "automal"), AP_EUSAGE);
    T_ASSERT_STR(ctx->errmsg, "--csv-dialect takes tfod, automl, classification or generic, "
                              "not 'automal' (did you mean 'automl'?)");
    ap_context_free(ctx);
    ctx = t_ctx();
    CU_ASSERT_EQUAL(ap_option_set(ctx, "delimiter", ";;"), AP_EUSAGE);
    T_ASSERT_STR(ctx->errmsg, "--delimiter takes one character, or tab, not ';;'");
    ap_context_free(ctx);
    ctx = t_ctx();
    CU_ASSERT_EQUAL(ap_option_set(ctx, "no-such-option", "x"), AP_EUSAGE);
    T_ASSERT_STR(ctx->errmsg, "unknown option '--no-such-option'");
    ap_context_free(ctx);
    /* on the command line: the same words */
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate samples/csv/tfod.csv --coords pixle", NULL, &err), 64);
    T_ASSERT_STR(err, "annoport: --coords takes pixel or normalized, not 'pixle' (did you mean "
                      "'pixel'?) (see 'annoport validate --help')\n");
    free(err);
}

CU_TestInfo formats_tests[] = {
    {"test_formats_tables_are_complete", test_formats_tables_are_complete},
    {"test_formats_lists_equal_the_tables", test_formats_lists_equal_the_tables},
    {"test_formats_plugin_options_everywhere", test_formats_plugin_options_everywhere},
    {"test_formats_option_values", test_formats_option_values},
    CU_TEST_INFO_NULL,
};
