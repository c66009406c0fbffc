/*
 * test_csv.c: the CSV reader: each dialect and its detection, byte order
 * marks, CRLF, quoting, blank lines, bad rows with their line numbers, and
 * files that are not CSV; delimiters other than commas (found, or given by
 * --delimiter) with decimal commas, Clarifai's CSV template, and AutoML
 * sets and gs:// paths kept through a trip (files in tests/data/csv/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static int run_csv(const char *text, ap_context *ctx, t_capture *cap)
{
    const char *d = t_dir("csv_case");
    char in[1024];
    snprintf(in, sizeof in, "%s/a.csv", d);
    t_write(in, text);
    const char *inputs[1] = {in};
    return t_capture_run(ctx, inputs, 1, cap);
}

static void test_csv_tfod(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    /* BOM, CRLF, columns in another order, a quoted label with a comma and
     * quotes, spaces after commas, a blank line */
    CU_ASSERT_EQUAL_FATAL(run_csv("\xEF\xBB\xBF" "class,filename,xmin,ymin,xmax,ymax,width,height\r\n"
                                  "dog,a.jpg,10,20,60,70,100,200\r\n"
                                  "\r\n"
                                  "\"big \"\"red\"\", dog\", b.jpg, 0, 0, 100, 200, 100, 200\r\n",
                                  ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "tfod dialect (detected)");
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    T_ASSERT_STR(cap.v[0].input, "a");
    CU_ASSERT_EQUAL(cap.v[0].box.left, 0.1);
    CU_ASSERT_EQUAL(cap.v[0].box.top, 0.1);
    CU_ASSERT_EQUAL(cap.v[0].box.right, 0.6);
    CU_ASSERT_EQUAL(cap.v[0].box.bottom, 0.35);
    CU_ASSERT_EQUAL(cap.v[0].line, 2);
    T_ASSERT_STR(cap.v[1].name, "big \"red\", dog");
    T_ASSERT_STR(cap.v[1].concept, "big-red-dog");
    CU_ASSERT_EQUAL(cap.v[1].line, 4);
    CU_ASSERT_EQUAL(cap.v[1].box.right, 1);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_bad_rows_have_lines(void)
{
    ap_context *ctx = t_ctx();
    const char *d = t_dir("csv_bad");
    char in[1024], out[1024];
    snprintf(in, sizeof in, "%s/a.csv", d);
    snprintf(out, sizeof out, "%s/out", d);
    /* line 3 holds a quoted field spanning two lines, so line numbers after
     * it are physical lines, not rows */
    t_write(in, "filename,width,height,class,xmin,ymin,xmax,ymax\n"
                "a.jpg,100,100,dog,1,1,5,5\n"
                "b.jpg,100,100,\"two\nlines\",1,1,5,5\n"
                "c.jpg,100,100,dog,abc,1,5,5\n"
                "d.jpg,100,100,dog,1,1,5\n"
                "e.jpg,1e3x,100,dog,1,1,5,5\n"
                ",100,100,dog,1,1,5,5\n"
                "f.jpg,100,100,dog,1e999,1,5,5\n");
    const char *inputs[1] = {in};
    CU_ASSERT_EQUAL_FATAL(ap_run(ctx, AP_RUN_CONVERT, inputs, 1, out, NULL), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 7);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 2);
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 5);
    char *rj = t_read(t_path(out, "rejects.jsonl"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rj);
    const char *want[] = {
        "\"line\":5,\"index\":2},\"input\":\"c\",\"label\":\"dog\",\"reason\":\"invalid_coordinate\"",
        "\"line\":6,\"index\":3},\"input\":\"d\",\"label\":\"dog\",\"reason\":\"invalid_coordinate\"",
        "\"line\":7,\"index\":4},\"input\":null,\"label\":\"dog\",\"reason\":\"invalid_coordinate\"",
        "\"line\":8,\"index\":5},\"input\":null,\"label\":\"dog\",\"reason\":\"invalid_row\"",
        "\"line\":9,\"index\":6},\"input\":\"f\",\"label\":\"dog\",\"reason\":\"nan_coordinate\"",
    };
    for (int i = 0; i < 5; i++) {
        if (!strstr(rj, want[i]))
            fprintf(stderr, "\nmissing reject %s in\n%s\n", want[i], rj);
        CU_ASSERT_PTR_NOT_NULL(strstr(rj, want[i]));
    }
    free(rj);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    ap_context_free(ctx);
}

static void test_csv_automl(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_csv("TRAIN,gs://b/x/1.jpg,Salad,0.1,0.2,,,0.5,0.6,,\n"
                                  "TEST,gs://b/x/2.jpg,Tomato,0.2,0.1,0.6,0.1,0.6,0.5,0.2,0.5\n"
                                  "VALIDATION,gs://b/x/3.jpg,,,,,,,,,\n"
                                  "UNASSIGNED,gs://b/x/4.jpg,Leaf,,,,,,,,\n",
                                  ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "automl dialect (detected)");
    CU_ASSERT_EQUAL(ctx->counts.inputs, 4);
    CU_ASSERT_EQUAL_FATAL(cap.n, 3);
    T_ASSERT_STR(cap.v[0].input, "x_1");
    CU_ASSERT_EQUAL(cap.v[0].box.left, 0.1);
    CU_ASSERT_EQUAL(cap.v[0].box.bottom, 0.6);
    CU_ASSERT_EQUAL(cap.v[1].box.left, 0.2);  /* four vertices: min and max */
    CU_ASSERT_EQUAL(cap.v[1].box.top, 0.1);
    CU_ASSERT_EQUAL(cap.v[1].box.right, 0.6);
    CU_ASSERT_EQUAL(cap.v[1].box.bottom, 0.5);
    CU_ASSERT_EQUAL(cap.v[2].kind, AP_REGION_NONE); /* a label without a box */
    T_ASSERT_STR(cap.v[2].concept, "leaf");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* without the SET column */
static void test_csv_automl_without_set(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_csv("gs://b/1.jpg,Salad,0.1,0.2,,,0.5,0.6,,\n", ctx, &cap), AP_OK);
    CU_ASSERT_EQUAL(cap.n, 1);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_classification(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_csv("image_name,label_name\nx.jpg,cat\ny.jpg,dog\n", ctx, &cap),
                          AP_OK);
    T_ASSERT_STR(ctx->detail, "classification dialect (detected)");
    CU_ASSERT_EQUAL(cap.n, 2);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* generic, columns by number, no header, normalized */
static void test_csv_generic_columns_by_number(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "generic"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "columns",
                                  "image=1,label=6,xmin=2,ymin=3,xmax=4,ymax=5"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "coords", "normalized"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run_csv("p.jpg,0.1,0.2,0.3,0.4,cat\n", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "generic dialect");
    CU_ASSERT_EQUAL_FATAL(cap.n, 1);
    CU_ASSERT_EQUAL(cap.v[0].box.right, 0.3);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* a header row with numbered columns is skipped */
static void test_csv_generic_header_row_skipped(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "generic"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "columns",
                                  "image=1,label=6,xmin=2,ymin=3,xmax=4,ymax=5"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "coords", "normalized"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run_csv("path,x1,y1,x2,y2,class\np.jpg,0.1,0.2,0.3,0.4,cat\n", ctx,
                                  &cap), AP_OK);
    CU_ASSERT_EQUAL(cap.n, 1);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 1);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* generic without --columns */
static void test_csv_generic_needs_columns(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "generic"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "coords", "normalized"), AP_OK);
    CU_ASSERT_EQUAL(run_csv("a,b\n", ctx, &cap), AP_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "--columns"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_no_dialect(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    ctx->opt.from = "csv";
    CU_ASSERT_EQUAL(run_csv("just,some,words\nno,dialect,here\n", ctx, &cap), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "a.csv:1: cannot tell the CSV dialect"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_binary_refused(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    ctx->opt.from = "csv";
    const char *d = t_dir("csv_binary");
    char in[1024];
    snprintf(in, sizeof in, "%s/b.csv", d);
    FILE *f = fopen(in, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite("a,b\n\0\1\2", 1, 7, f);
    fclose(f);
    const char *inputs[1] = {in};
    CU_ASSERT_EQUAL(t_capture_run(ctx, inputs, 1, &cap), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "binary"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_unclosed_quote(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    ctx->opt.from = "csv";
    CU_ASSERT_EQUAL(run_csv("filename,width,height,class,xmin,ymin,xmax,ymax\n"
                            "a.jpg,1,1,\"unclosed,1,1,1,1\n", ctx, &cap), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "quoted field is not closed"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

#define CSVDATA "tests/data/csv/"

static int run_file(const char *path, ap_context *ctx, t_capture *cap)
{
    const char *inputs[1] = {path};
    return t_capture_run(ctx, inputs, 1, cap);
}

/* ---- delimiters ---- */

static void test_csv_semicolon_detected(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "semicolon.csv", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "tfod dialect (detected), semicolon-separated");
    CU_ASSERT_EQUAL(ctx->counts.inputs, 2);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    T_ASSERT_STR(cap.v[0].input, "a");
    T_ASSERT_STR(cap.v[1].name, "big;dog"); /* quoted, the delimiter inside */
    CU_ASSERT_EQUAL(cap.v[1].line, 3);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* 12,5 is 12.5 in a file that ';' separates; 1.234,5 (a thousands dot) is
 * not a number. */
static void test_csv_semicolon_decimal_comma(void)
{
    const char *d = t_dir("csv_decimal");
    char args[1024];
    snprintf(args, sizeof args, "convert " CSVDATA "semicolon.csv -o '%s/out' --quiet", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    char *req = t_read(t_path(d, "out/requests/post-annotations-000001.json"), NULL);
    T_ASSERT_STR(req, "{\"annotations\":[{\"input_id\":\"a\",\"data\":{\"regions\":[{\"region_info\":"
                      "{\"bounding_box\":{\"top_row\":0.1,\"left_col\":0.0625,\"bottom_row\":0.505,"
                      "\"right_col\":0.3}},\"data\":{\"concepts\":[{\"id\":\"dog\",\"name\":\"dog\","
                      "\"value\":1}]}}]}},{\"input_id\":\"a\",\"data\":{\"regions\":[{\"region_info\":"
                      "{\"bounding_box\":{\"top_row\":0,\"left_col\":0,\"bottom_row\":1,\"right_col\":1}},"
                      "\"data\":{\"concepts\":[{\"id\":\"bigdog\",\"name\":\"big;dog\",\"value\":1}]}}]}}]}\n");
    char *rj = t_read(t_path(d, "out/rejects.jsonl"), NULL);
    T_ASSERT_STR(rj, "{\"source\":{\"file\":\"tests/data/csv/semicolon.csv\",\"line\":4,\"index\":2},"
                     "\"input\":\"b\",\"label\":\"cat\",\"reason\":\"invalid_coordinate\",\"message\":"
                     "\"xmin is \\\"1.234,5\\\", not a number\"}\n");
    free(req);
    free(rj);
}

/* Detection takes a semicolon file for CSV (it was "not a dataset annoport
 * can read"). */
static void test_csv_semicolon_probed(void)
{
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate " CSVDATA "semicolon.csv --no-progress", &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(out), "annoport: checked csv input (detected), tfod "
                                              "dialect (detected), semicolon-separated\n"));
    T_ASSERT_STR(err, "annoport: warning: " CSVDATA "semicolon.csv:4: invalid_coordinate: "
                      "xmin is \"1.234,5\", not a number\n");
    free(out);
    free(err);
}

/* --from csv --csv-dialect tfod on a semicolon file (it was an error: no
 * TF-OD header). */
static void test_csv_semicolon_forced_dialect(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    ctx->opt.from = "csv";
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "tfod"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "semicolon.csv", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "tfod dialect, semicolon-separated");
    CU_ASSERT_EQUAL(cap.n, 2);
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 1);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* generic on a semicolon file (every row was an invalid_row). */
static void test_csv_semicolon_generic(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "generic"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "columns",
                                  "image=1,width=2,height=3,label=4,xmin=5,ymin=6,xmax=7,ymax=8"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "semicolon.csv", ctx, &cap), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 3);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 2);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    CU_ASSERT_DOUBLE_EQUAL(cap.v[0].box.left, 0.0625, 1e-12);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_tab_detected(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "tab.csv", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "classification dialect (detected), tab-separated");
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    T_ASSERT_STR(cap.v[1].input, "y");
    T_ASSERT_STR(cap.v[1].concept, "big-dog");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* A pipe-separated file with decimal commas, columns named. */
static void test_csv_pipe_detected(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    ctx->opt.from = "csv";
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "generic"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "columns",
                                  "image=path,label=label,xmin=x1,ymin=y1,xmax=x2,ymax=y2"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "coords", "normalized"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "pipe.csv", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "generic dialect, pipe-separated");
    CU_ASSERT_EQUAL_FATAL(cap.n, 1);
    CU_ASSERT_EQUAL(cap.v[0].box.left, 0.1);
    CU_ASSERT_EQUAL(cap.v[0].box.top, 0.2);
    CU_ASSERT_EQUAL(cap.v[0].box.right, 0.3);
    CU_ASSERT_EQUAL(cap.v[0].box.bottom, 0.4);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* --delimiter where the first lines cannot tell (one ';' and one ','). */
static void test_csv_delimiter_option(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "classification"), AP_OK);
    CU_ASSERT_EQUAL(ap_option_set(ctx, "delimiter", ";"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "semicolon-one-field.csv", ctx, &cap), AP_OK);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    T_ASSERT_STR(cap.v[0].input, "x");
    T_ASSERT_STR(cap.v[0].name, "cat,dog");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* a tab, spelled "tab" or "\t" */
static void test_csv_delimiter_tab_spellings(void)
{
    CU_ASSERT_EQUAL(t_cli("validate " CSVDATA "tab.csv --delimiter tab --quiet", NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_cli("validate " CSVDATA "tab.csv --delimiter '\\t' --quiet", NULL, NULL),
                    0);
}

static void test_csv_delimiter_bad_value(void)
{
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate " CSVDATA "tab.csv --delimiter ab", &out, &err), 64);
    T_ASSERT_STR(err, "annoport: --delimiter takes one character, or tab, not 'ab' (see "
                      "'annoport validate --help')\n");
    free(out);
    free(err);
}

/* Detection reads bytes: a Latin-1 label does not stop it. */
static void test_csv_probe_bytes(void)
{
    static const char text[] = "filename;width;height;class;xmin;ymin;xmax;ymax\n"
                               "a.jpg;10;10;caf\xe9;1;1;5;5\n";
    unsigned char buf[AP_PROBE_BYTES] = {0};
    memcpy(buf, text, sizeof text - 1);
    ap_probe p = {"labels.txt", buf, sizeof text - 1};
    const ap_reader *csv = ap_reader_find("csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_EQUAL(csv->probe(&p), 70);
}

/* a file of no known dialect, not named .csv, is not claimed */
static void test_csv_probe_declines_unknown_text(void)
{
    unsigned char buf[AP_PROBE_BYTES] = {0};
    ap_probe p = {"labels.txt", buf, 0};
    const ap_reader *csv = ap_reader_find("csv");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    static const char other[] = "a.jpg;10\nb.jpg;20\n";
    memcpy(buf, other, sizeof other - 1);
    p.len = sizeof other - 1;
    CU_ASSERT_EQUAL(csv->probe(&p), 0);
}

/* ---- Clarifai's CSV template ---- */

static void test_csv_clarifai_template(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "clarifai-template.csv", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "classification dialect (Clarifai template)");
    CU_ASSERT_EQUAL(ctx->counts.inputs, 3);
    CU_ASSERT_EQUAL_FATAL(cap.n, 3);
    T_ASSERT_STR(cap.v[0].input, "photo-1"); /* inputid */
    T_ASSERT_STR(cap.v[0].concept, "cat");   /* "cat, dog": two concepts */
    T_ASSERT_STR(cap.v[1].input, "photo-1");
    T_ASSERT_STR(cap.v[1].concept, "dog");
    T_ASSERT_STR(cap.v[2].input, "b");       /* no inputid: from the file name */
    T_ASSERT_STR(cap.v[2].concept, "bird");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* The template's input is the file name, a URL as it is. */
static void test_csv_clarifai_template_file_names(void)
{
    const char *d = t_dir("csv_template");
    char args[1024];
    snprintf(args, sizeof args, "convert " CSVDATA "clarifai-template.csv -o '%s/out' --quiet", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out"), NULL), 0);
    char *m = t_read(t_path(d, "out/manifest.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(m), "\n\t\t{\"id\":\"photo-1\",\"file_name\":"
                                            "\"https://127.0.0.1/img/a.jpg\",\"width\":0,"
                                            "\"height\":0},\n\t\t{\"id\":\"b\",\"file_name\":\"b.jpg\","
                                            "\"width\":0,\"height\":0},\n\t\t{\"id\":\"photo-3\","
                                            "\"file_name\":\"c.jpg\",\"width\":0,\"height\":0}\n"));
    free(m);
}

/* --csv-dialect classification on input,concepts: the header is not an
 * image (it was posted as image "input" with concept "concepts"). */
static void test_csv_classification_header_forced(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "csv-dialect", "classification"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "input-concepts.csv", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "classification dialect (Clarifai template)");
    CU_ASSERT_EQUAL(ctx->counts.inputs, 1);
    CU_ASSERT_EQUAL_FATAL(cap.n, 1);
    T_ASSERT_STR(cap.v[0].input, "a");
    T_ASSERT_STR(cap.v[0].concept, "cat");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* ---- AutoML: sets and gs:// paths ---- */

/* The ids leave out the bucket, as before. */
static void test_csv_automl_ids_without_bucket(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_file(CSVDATA "automl-sets.csv", ctx, &cap), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.inputs, 3);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    T_ASSERT_STR(cap.v[0].input, "dir_a");
    T_ASSERT_STR(cap.v[1].input, "dir_b");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* AutoML -> Clarifai requests -> AutoML gives the file back: sets and
 * gs:// paths (they came back UNASSIGNED,dir/a.jpg). */
static void test_csv_automl_trip_through_clarifai(void)
{
    const char *d = t_dir("csv_automl_trip");
    char args[1024];
    snprintf(args, sizeof args, "convert " CSVDATA "automl-sets.csv -o '%s/req' --quiet", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    snprintf(args, sizeof args, "convert '%s/req' --to csv --csv-dialect automl -o '%s/back' "
             "--quiet", d, d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT(t_same_file(CSVDATA "automl-sets.csv", t_path(d, "back/annotations.csv")));
}

static void test_csv_automl_to_automl(void)
{
    const char *d = t_dir("csv_automl_direct");
    char args[1024];
    snprintf(args, sizeof args, "convert " CSVDATA "automl-sets.csv --to csv --csv-dialect automl "
             "-o '%s/out' --quiet", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT(t_same_file(CSVDATA "automl-sets.csv", t_path(d, "out/annotations.csv")));
}

CU_TestInfo csv_tests[] = {
    {"test_csv_tfod", test_csv_tfod},
    {"test_csv_bad_rows_have_lines", test_csv_bad_rows_have_lines},
    {"test_csv_automl", test_csv_automl},
    {"test_csv_automl_without_set", test_csv_automl_without_set},
    {"test_csv_classification", test_csv_classification},
    {"test_csv_generic_columns_by_number", test_csv_generic_columns_by_number},
    {"test_csv_generic_header_row_skipped", test_csv_generic_header_row_skipped},
    {"test_csv_generic_needs_columns", test_csv_generic_needs_columns},
    {"test_csv_no_dialect", test_csv_no_dialect},
    {"test_csv_binary_refused", test_csv_binary_refused},
    {"test_csv_unclosed_quote", test_csv_unclosed_quote},
    {"test_csv_semicolon_detected", test_csv_semicolon_detected},
    {"test_csv_semicolon_decimal_comma", test_csv_semicolon_decimal_comma},
    {"test_csv_semicolon_probed", test_csv_semicolon_probed},
    {"test_csv_semicolon_forced_dialect", test_csv_semicolon_forced_dialect},
    {"test_csv_semicolon_generic", test_csv_semicolon_generic},
    {"test_csv_tab_detected", test_csv_tab_detected},
    {"test_csv_pipe_detected", test_csv_pipe_detected},
    {"test_csv_delimiter_option", test_csv_delimiter_option},
    {"test_csv_delimiter_tab_spellings", test_csv_delimiter_tab_spellings},
    {"test_csv_delimiter_bad_value", test_csv_delimiter_bad_value},
    {"test_csv_probe_bytes", test_csv_probe_bytes},
    {"test_csv_probe_declines_unknown_text", test_csv_probe_declines_unknown_text},
    {"test_csv_clarifai_template", test_csv_clarifai_template},
    {"test_csv_clarifai_template_file_names", test_csv_clarifai_template_file_names},
    {"test_csv_classification_header_forced", test_csv_classification_header_forced},
    {"test_csv_automl_ids_without_bucket", test_csv_automl_ids_without_bucket},
    {"test_csv_automl_trip_through_clarifai", test_csv_automl_trip_through_clarifai},
    {"test_csv_automl_to_automl", test_csv_automl_to_automl},
    CU_TEST_INFO_NULL,
};
