/*
 * test_csv.c: the CSV reader: each dialect and its detection, byte order
 * marks, CRLF, quoting, blank lines, bad rows with their line numbers, and
 * files that are not CSV.
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
    /* without the SET column */
    CU_ASSERT_EQUAL_FATAL(run_csv("gs://b/1.jpg,Salad,0.1,0.2,,,0.5,0.6,,\n", ctx, &cap), AP_OK);
    CU_ASSERT_EQUAL(cap.n, 1);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_classification_and_generic(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(run_csv("image_name,label_name\nx.jpg,cat\ny.jpg,dog\n", ctx, &cap),
                          AP_OK);
    T_ASSERT_STR(ctx->detail, "classification dialect (detected)");
    CU_ASSERT_EQUAL(cap.n, 2);
    t_capture_free(&cap);
    /* generic, columns by number, no header, normalized */
    ctx->opt.csv_dialect = "generic";
    ctx->opt.columns = "image=1,label=6,xmin=2,ymin=3,xmax=4,ymax=5";
    ctx->opt.coords_normalized = 1;
    CU_ASSERT_EQUAL_FATAL(run_csv("p.jpg,0.1,0.2,0.3,0.4,cat\n", ctx, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "generic dialect");
    CU_ASSERT_EQUAL_FATAL(cap.n, 1);
    CU_ASSERT_EQUAL(cap.v[0].box.right, 0.3);
    t_capture_free(&cap);
    /* a header row with numbered columns is skipped */
    CU_ASSERT_EQUAL_FATAL(run_csv("path,x1,y1,x2,y2,class\np.jpg,0.1,0.2,0.3,0.4,cat\n", ctx,
                                  &cap), AP_OK);
    CU_ASSERT_EQUAL(cap.n, 1);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 1);
    t_capture_free(&cap);
    /* generic without --columns */
    ctx->opt.columns = NULL;
    CU_ASSERT_EQUAL(run_csv("a,b\n", ctx, &cap), AP_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "--columns"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_csv_not_csv(void)
{
    ap_context *ctx = t_ctx();
    t_capture cap;
    ctx->opt.from = "csv";
    CU_ASSERT_EQUAL(run_csv("just,some,words\nno,dialect,here\n", ctx, &cap), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "a.csv:1: cannot tell the CSV dialect"));
    t_capture_free(&cap);
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
    CU_ASSERT_EQUAL(run_csv("filename,width,height,class,xmin,ymin,xmax,ymax\n"
                            "a.jpg,1,1,\"unclosed,1,1,1,1\n", ctx, &cap), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "quoted field is not closed"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

CU_TestInfo csv_tests[] = {
    {"test_csv_tfod", test_csv_tfod},
    {"test_csv_bad_rows_have_lines", test_csv_bad_rows_have_lines},
    {"test_csv_automl", test_csv_automl},
    {"test_csv_classification_and_generic", test_csv_classification_and_generic},
    {"test_csv_not_csv", test_csv_not_csv},
    CU_TEST_INFO_NULL,
};
