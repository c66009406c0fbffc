/*
 * test_batch.c: chunking into requests of at most --batch-size annotations,
 * in source order, with the manifest's counts matching the files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void check_batches(int n, int bs)
{
    char name[64];
    snprintf(name, sizeof name, "batch_%d_%d", n, bs);
    const char *d = t_dir(name);
    char in[1024], out[1024];
    snprintf(in, sizeof in, "%s/in.json", d);
    snprintf(out, sizeof out, "%s/out", d);
    t_write_coco(in, n);
    ap_context *ctx = t_ctx();
    ctx->opt.batch_size = bs;
    const char *inputs[1] = {in};
    CU_ASSERT_EQUAL_FATAL(ap_run(ctx, AP_RUN_CONVERT, inputs, 1, out, NULL), AP_OK);
    int files = (n + bs - 1) / bs;
    CU_ASSERT_EQUAL(ctx->counts.requests, (uint64_t)files);
    CU_ASSERT_EQUAL(ctx->counts.annotations_written, (uint64_t)n);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, (uint64_t)n);
    CU_ASSERT_EQUAL(t_count_entries(t_path(out, "requests")), files);
    int total = 0;
    for (int i = 1; i <= files; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "requests/post-annotations-%06d.json", i);
        int k = t_request_count(t_path(out, rel));
        CU_ASSERT_EQUAL(k, i < files ? bs : n - (files - 1) * bs);
        total += k;
    }
    CU_ASSERT_EQUAL(total, n);
    /* source order: the first box of the last file is object (files-1)*bs */
    char rel[64];
    snprintf(rel, sizeof rel, "requests/post-annotations-%06d.json", files);
    cJSON *j = t_json(t_path(out, rel));
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    int first = (files - 1) * bs;
    cJSON *box = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(j, "annotations"), 0), "data"), "regions"),
            0), "region_info"), "bounding_box");
    CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(box, "left_col")->valuedouble,
                           (first % 600) / 640.0, 0);
    cJSON_Delete(j);
    char *summary = NULL;
    CU_ASSERT_EQUAL(t_check(out, &summary), 0);
    free(summary);
    ap_context_free(ctx);
}

static void test_batch_sizes(void)
{
    const int ns[] = {1, 127, 128, 129, 256};
    const int bss[] = {1, 7, 128};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        for (size_t k = 0; k < sizeof bss / sizeof bss[0]; k++) {
            /* the assertions are check_batches' own lines: name the case */
            unsigned before = CU_get_number_of_failures();
            check_batches(ns[i], bss[k]);
            if (CU_get_number_of_failures() != before)
                fprintf(stderr, "\nbatches failed for %d objects, --batch-size %d\n", ns[i],
                        bss[k]);
        }
}

static void test_batch_size_limits(void)
{
    const char *d = t_dir("batch_limits");
    const char *in = t_path(d, "in.json");
    t_write_coco(in, 3);
    ap_context *ctx = t_ctx();
    const char *inputs[1] = {in};
    ctx->opt.batch_size = 129;
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, inputs, 1, t_path(d, "o"), NULL), AP_EUSAGE);
    ctx->opt.batch_size = 0;
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, inputs, 1, t_path(d, "o"), NULL), AP_EUSAGE);
    CU_ASSERT_FALSE(t_exists(t_path(d, "o")));
    ap_context_free(ctx);
}

static void test_batch_empty_dataset(void)
{
    const char *d = t_dir("batch_empty");
    const char *in = t_path(d, "in.json");
    t_write(in, "{\"images\":[],\"annotations\":[],\"categories\":[]}");
    const char *out = t_path(d, "out");
    ap_context *ctx = t_ctx();
    const char *inputs[1] = {in};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, inputs, 1, out, NULL), AP_OK);
    CU_ASSERT_TRUE(t_exists(t_path(out, "manifest.json")));
    size_t len = 99;
    char *rj = t_read(t_path(out, "rejects.jsonl"), &len);
    CU_ASSERT_PTR_NOT_NULL(rj);
    CU_ASSERT_EQUAL(len, 0);
    free(rj);
    CU_ASSERT_FALSE(t_exists(t_path(out, "requests")));
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    ap_context_free(ctx);
}

CU_TestInfo batch_tests[] = {
    {"test_batch_sizes", test_batch_sizes},
    {"test_batch_size_limits", test_batch_size_limits},
    {"test_batch_empty_dataset", test_batch_empty_dataset},
    CU_TEST_INFO_NULL,
};
