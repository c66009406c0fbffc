/*
 * test_requests.c: patch and delete requests, and posts onto existing
 * regions (SPEC section 8), against hand-written bodies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Converts the multi-concept sample with args; returns the first request
 * file's text (free it) and checks the tree. */
static char *request(const char *args, const char *kind, int *objects, int *rejected)
{
    const char *d = t_dir("requests");
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof cmd, "convert tests/data/clarifai/multi.json %s -o %s/out --json",
             args, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    cJSON *j = out ? cJSON_Parse(out) : NULL;
    cJSON *c = cJSON_GetObjectItem(j, "counts");
    *objects = c ? cJSON_GetObjectItem(c, "objects_written")->valueint : -1;
    *rejected = c ? cJSON_GetObjectItem(c, "objects_rejected")->valueint : -1;
    cJSON_Delete(j);
    free(out);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out"), NULL), 0);
    char rel[128];
    snprintf(rel, sizeof rel, "out/requests/%s-annotations-000001.json", kind);
    return t_read(t_path(d, rel), NULL);
}

static void test_requests_patch_overwrite(void)
{
    int n, rej;
    /* one annotation with two concepts stays one annotation; the one
     * without an id cannot be patched */
    char *r = request("--request patch --action overwrite", "patch", &n, &rej);
    T_ASSERT_STR(r, "{\"action\":\"overwrite\",\"annotations\":[{\"id\":\"m1\",\"input_id\":\"in-1\","
                    "\"data\":{\"regions\":[{\"id\":\"reg-1\",\"region_info\":{\"bounding_box\":"
                    "{\"top_row\":0.1,\"left_col\":0.2,\"bottom_row\":0.3,\"right_col\":0.4}},"
                    "\"data\":{\"concepts\":[{\"id\":\"tree\",\"name\":\"tree\",\"value\":1},"
                    "{\"id\":\"water\",\"name\":\"water\",\"value\":0}]}}]}}]}\n");
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(rej, 1);
    free(r);
}

/* --status without --action: status updates, as the documentation shows */
static void test_requests_patch_status(void)
{
    int n, rej;
    char *r = request("--request patch --status success --user-app-id me/app", "patch", &n, &rej);
    T_ASSERT_STR(r, "{\"user_app_id\":{\"user_id\":\"me\",\"app_id\":\"app\"},\"action\":\"merge\","
                    "\"annotations\":[{\"id\":\"m1\",\"input_id\":\"in-1\",\"status\":{\"code\":"
                    "\"ANNOTATION_SUCCESS\"}}]}\n");
    free(r);
}

static void test_requests_delete_by_id(void)
{
    int n, rej;
    char *r = request("--request delete", "delete", &n, &rej);
    T_ASSERT_STR(r, "{\"input_ids\":[\"in-1\"],\"ids\":[\"m1\"]}\n");
    CU_ASSERT_EQUAL(rej, 1); /* no id: a missing_annotation_id reject */
    free(r);
}

static void test_requests_delete_all_of_inputs(void)
{
    int n, rej;
    char *r = request("--request delete --all-of-inputs", "delete", &n, &rej);
    T_ASSERT_STR(r, "{\"input_ids\":[\"in-1\",\"in-2\"]}\n");
    CU_ASSERT_EQUAL(rej, 0);
    free(r);
}

/* pairs in batches */
static void test_requests_delete_in_batches(void)
{
    int n, rej;
    char *r = request("--request delete --all-of-inputs --batch-size 1", "delete", &n, &rej);
    T_ASSERT_STR(r, "{\"input_ids\":[\"in-1\"]}\n");
    free(r);
}

static void test_requests_post_existing_region(void)
{
    int n, rej;
    char *r = request("", "post", &n, &rej);
    T_ASSERT_STR(r, "{\"annotations\":[{\"input_id\":\"in-1\",\"data\":{\"regions\":[{\"id\":"
                    "\"reg-1\",\"data\":{\"concepts\":[{\"id\":\"tree\",\"name\":\"tree\","
                    "\"value\":1},{\"id\":\"water\",\"name\":\"water\",\"value\":0}]}}]}},"
                    "{\"input_id\":\"in-2\",\"data\":{\"concepts\":[{\"id\":\"sky\",\"name\":"
                    "\"sky\",\"value\":1}]}}]}\n");
    CU_ASSERT_EQUAL(n, 2);
    free(r);
}

CU_TestInfo requests_tests[] = {
    {"test_requests_patch_overwrite", test_requests_patch_overwrite},
    {"test_requests_patch_status", test_requests_patch_status},
    {"test_requests_delete_by_id", test_requests_delete_by_id},
    {"test_requests_delete_all_of_inputs", test_requests_delete_all_of_inputs},
    {"test_requests_delete_in_batches", test_requests_delete_in_batches},
    {"test_requests_post_existing_region", test_requests_post_existing_region},
    CU_TEST_INFO_NULL,
};
