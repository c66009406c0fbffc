/*
 * test_samples.c: every sample through the built CLI, compared byte for
 * byte with samples/expected/ (and checked with check_requests.py).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* One sample converted (args: the convert arguments before -o) and compared
 * with samples/expected/EXPECTED: the same files, each byte for byte, then
 * checked with check_requests.py, or, for exports (which the checker does
 * not know), the manifest's invariant against rejects.jsonl. */
static void golden(const char *expected, const char *args_before_o)
{
    char out[1024], args[2048], want[512];
    snprintf(out, sizeof out, "%s/%s", t_dir("samples"), expected);
    snprintf(args, sizeof args, "convert %s -o %s --quiet", args_before_o, out);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    snprintf(want, sizeof want, "samples/expected/%s", expected);
    /* the same files, each byte for byte */
    char cmd[2200], *list = NULL, *got = NULL;
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f | sort", want);
    CU_ASSERT_EQUAL(t_sh(cmd, &list, NULL), 0);
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -type f | sort", out);
    CU_ASSERT_EQUAL(t_sh(cmd, &got, NULL), 0);
    T_ASSERT_STR(got, list ? list : "");
    for (char *f = list ? strtok(list, "\n") : NULL; f; f = strtok(NULL, "\n")) {
        char a[2048], b[2048];
        snprintf(a, sizeof a, "%s/%s", out, f + 2);
        snprintf(b, sizeof b, "%s/%s", want, f + 2);
        CU_ASSERT_TRUE(t_same_file(a, b));
    }
    free(list);
    free(got);
    if (strncmp(expected, "export-", 7) != 0) {
        CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    } else { /* the checker knows Clarifai trees; the invariant holds for all */
        cJSON *m = t_json(t_path(out, "manifest.json"));
        cJSON *c = cJSON_GetObjectItem(m, "counts");
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        int read = cJSON_GetObjectItem(c, "objects_read")->valueint;
        int rejected = cJSON_GetObjectItem(c, "objects_rejected")->valueint;
        CU_ASSERT_EQUAL(read, cJSON_GetObjectItem(c, "objects_written")->valueint +
                                  rejected +
                                  cJSON_GetObjectItem(c, "objects_filtered")->valueint);
        char *rj = t_read(t_path(out, "rejects.jsonl"), NULL);
        int lines = 0;
        for (char *p = rj; p && *p; p++)
            lines += *p == '\n';
        CU_ASSERT_EQUAL(lines, rejected);
        free(rj);
        cJSON_Delete(m);
    }
}

static void test_samples_golden_coco(void)
{
    golden("coco", "samples/coco/instances.json");
}

static void test_samples_golden_coco_both(void)
{
    golden("coco-both", "samples/coco/instances.json --geometry both --annotation-ids hash "
                        "--user-app-id me/my-app --status success --embed-model-version-id "
                        "bb186755eda04f9cbb6fe32e816be104 --batch-size 3");
}

static void test_samples_golden_voc(void)
{
    golden("voc", "samples/voc");
}

static void test_samples_golden_voc_split(void)
{
    golden("voc-split", "samples/voc --split train --voc-edges clarifai-sdk");
}

static void test_samples_golden_voc_images(void)
{
    golden("voc-images", "samples/voc --images samples/voc/JPEGImages --skip-difficult");
}

static void test_samples_golden_csv_tfod(void)
{
    golden("csv-tfod", "samples/csv/tfod.csv");
}

static void test_samples_golden_csv_automl(void)
{
    golden("csv-automl", "samples/csv/automl.csv");
}

static void test_samples_golden_csv_classification(void)
{
    golden("csv-classification", "samples/csv/classification.csv");
}

static void test_samples_golden_csv_generic(void)
{
    golden("csv-generic", "samples/csv/generic.csv --csv-dialect generic --columns "
                          "image=img,width=w,height=h,xmin=x1,ymin=y1,xmax=x2,ymax=y2,label=cls");
}

static void test_samples_golden_yolo(void)
{
    golden("yolo", "samples/yolo");
}

static void test_samples_golden_export_coco(void)
{
    golden("export-coco", "samples/expected/coco-both --to coco");
}

static void test_samples_golden_export_voc(void)
{
    golden("export-voc", "samples/expected/voc-images --to voc");
}

static void test_samples_golden_export_csv(void)
{
    golden("export-csv", "samples/expected/csv-tfod --to csv");
}

static void test_samples_golden_export_csv_automl(void)
{
    golden("export-csv-automl", "samples/expected/csv-automl --to csv --csv-dialect automl");
}

static void test_samples_golden_export_yolo(void)
{
    golden("export-yolo", "samples/clarifai/annotations-page.json --inputs "
                          "samples/clarifai/inputs-page.json --include-model-annotations "
                          "--to yolo");
}

static void test_samples_counts(void)
{
    /* what each sample is meant to show, as numbers */
    struct {
        const char *args;
        int read, written, rejected, filtered, annotations;
    } cases[] = {
        {"samples/voc", 4, 3, 1, 0, 3},                                    /* no <size> */
        {"samples/voc --images samples/voc/JPEGImages", 4, 4, 0, 0, 4},    /* header size */
        {"samples/voc --skip-difficult", 4, 2, 1, 1, 2},
        {"samples/voc --split val", 1, 0, 1, 0, 0},
        {"samples/csv/tfod.csv", 6, 4, 2, 0, 4},         /* abc, unknown size */
        {"samples/csv/automl.csv", 4, 3, 1, 0, 3},        /* 0.7..0.7: zero area */
        {"samples/csv/classification.csv", 3, 3, 0, 0, 3},
        {"samples/yolo", 6, 5, 1, 0, 5},                 /* class 7 is not named */
        {"samples/yolo --split val", 2, 2, 0, 0, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1024], *out = NULL;
        snprintf(args, sizeof args, "validate %s --json", cases[i].args);
        CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
        cJSON *j = out ? cJSON_Parse(out) : NULL;
        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        cJSON *c = cJSON_GetObjectItem(j, "counts");
        int got[5] = {cJSON_GetObjectItem(c, "objects_read")->valueint,
                      cJSON_GetObjectItem(c, "objects_written")->valueint,
                      cJSON_GetObjectItem(c, "objects_rejected")->valueint,
                      cJSON_GetObjectItem(c, "objects_filtered")->valueint,
                      cJSON_GetObjectItem(c, "annotations_written")->valueint};
        int want[5] = {cases[i].read, cases[i].written, cases[i].rejected, cases[i].filtered,
                       cases[i].annotations};
        if (memcmp(got, want, sizeof got) != 0)
            fprintf(stderr, "\n%s: got %d %d %d %d %d\n", cases[i].args, got[0], got[1],
                    got[2], got[3], got[4]);
        CU_ASSERT_EQUAL(memcmp(got, want, sizeof got), 0);
        cJSON_Delete(j);
        free(out);
    }
}

CU_TestInfo samples_tests[] = {
    {"test_samples_golden_coco", test_samples_golden_coco},
    {"test_samples_golden_coco_both", test_samples_golden_coco_both},
    {"test_samples_golden_voc", test_samples_golden_voc},
    {"test_samples_golden_voc_split", test_samples_golden_voc_split},
    {"test_samples_golden_voc_images", test_samples_golden_voc_images},
    {"test_samples_golden_csv_tfod", test_samples_golden_csv_tfod},
    {"test_samples_golden_csv_automl", test_samples_golden_csv_automl},
    {"test_samples_golden_csv_classification", test_samples_golden_csv_classification},
    {"test_samples_golden_csv_generic", test_samples_golden_csv_generic},
    {"test_samples_golden_yolo", test_samples_golden_yolo},
    {"test_samples_golden_export_coco", test_samples_golden_export_coco},
    {"test_samples_golden_export_voc", test_samples_golden_export_voc},
    {"test_samples_golden_export_csv", test_samples_golden_export_csv},
    {"test_samples_golden_export_csv_automl", test_samples_golden_export_csv_automl},
    {"test_samples_golden_export_yolo", test_samples_golden_export_yolo},
    {"test_samples_counts", test_samples_counts},
    CU_TEST_INFO_NULL,
};
