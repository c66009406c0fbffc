/*
 * test_corpus.c: every COCO, VOC, TF-OD and AutoML CSV and YOLO dataset of
 * ../shared/corpus (its INDEX.tsv),
 * through the built binary: valid ones convert (with both geometries) and
 * pass check_requests.py, and read as many objects as the index counts;
 * invalid ones fail with exit 65 and a message naming the file, or convert
 * with rejects that say why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Cases where annoport's reading differs from the index on purpose. */
static const struct {
    const char *suffix;
    const char *why;
} deviations[] = {
    /* "iscrowd" is optional, as in pycocotools and in the corpus's own valid
     * mmdetection coco_sample.json, which has no iscrowd keys */
    {"missing_ann_field_iscrowd.json", "iscrowd optional"},
    /* a Darknet list naming an image that is not shipped: its size is
     * unknown, which Clarifai's normalized boxes do not need (a pixel
     * writer rejects them as missing_image_size); the valid
     * rafaelpadilla yolo_format ships no images at all */
    {"YoloExtractorTest/missing_image_file", "image size unknown"},
    {NULL, NULL},
};

static const char *deviation(const char *path)
{
    size_t n = strlen(path);
    for (int i = 0; deviations[i].suffix; i++) {
        size_t k = strlen(deviations[i].suffix);
        if (n >= k && strcmp(path + n - k, deviations[i].suffix) == 0)
            return deviations[i].why;
    }
    return NULL;
}

/* Object counts that differ from the index's annotation counts: the index
 * counts annotations[] elements, annoport counts objects. */
static int count_differs(const char *path)
{
    return strstr(path, "coco_captions") /* captions are not objects */
           || strstr(path, "coco_panoptic") /* one object per segment */
           || (strlen(path) > 17 && !strcmp(path + strlen(path) - 17, "coco_dataset/coco"))
           || strstr(path, "/coco_utils")
           || strstr(path, "coco_evaluate"); /* folders with more files than counted */
}

static void run_case(const char *rel, const char *expect, int index_count, int *valid_ok,
                     int *invalid_ok)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/corpus/%s", t_shared(), rel);
    const char *d = t_dir("corpus_case");
    char args[4096], *out = NULL, *err = NULL;
    /* --allow-empty: a results list (no images) or a VOC set without sizes
     * rejects every object, and its output is what is checked */
    snprintf(args, sizeof args, "convert '%s' -o '%s/both' --geometry both --json --allow-empty",
             path, d);
    int rc = t_cli(args, &out, &err);
    cJSON *j = out ? cJSON_Parse(out) : NULL;
    int read = j ? cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counts"), "objects_read")->valueint
                 : -1;
    int rejected = j ? cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counts"),
                                           "objects_rejected")->valueint
                     : -1;
    cJSON_Delete(j);
    int ok;
    if (!strcmp(expect, "valid") || deviation(rel)) {
        ok = rc == 0 && t_check(t_path(d, "both"), NULL) == 0;
        if (ok && index_count >= 0 && !count_differs(rel) && read != index_count) {
            fprintf(stderr, "\n%s: read %d objects, the index says %d\n", rel, read,
                    index_count);
            ok = 0;
        }
        /* and with the default geometry */
        snprintf(args, sizeof args, "convert '%s' -o '%s/bbox' --quiet --allow-empty", path, d);
        if (ok && (t_cli(args, NULL, NULL) != 0 || t_check(t_path(d, "bbox"), NULL) != 0))
            ok = 0;
        if (ok)
            (*(strcmp(expect, "valid") ? invalid_ok : valid_ok))++;
    } else {
        if (rc == 65)
            ok = err && strstr(err, path) && strstr(err, "annoport: error: ");
        else
            ok = rc == 0 && rejected > 0 && t_check(t_path(d, "both"), NULL) == 0;
        if (ok)
            (*invalid_ok)++;
    }
    if (!ok)
        fprintf(stderr, "\ncorpus %s (%s): exit %d\n%s%s\n", rel, expect, rc, out ? out : "",
                err ? err : "");
    CU_ASSERT_TRUE(ok);
    free(out);
    free(err);
}

/* Runs every INDEX.tsv row of one format; expects the counts the corpus
 * README documents. */
static void corpus_format(const char *format, int want_valid, int want_invalid)
{
    char index[2048];
    snprintf(index, sizeof index, "%s/corpus/INDEX.tsv", t_shared());
    char *text = t_read(index, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    int valid = 0, invalid = 0, valid_ok = 0, invalid_ok = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[6] = {0};
        int n = 0;
        for (char *p = line; n < 6; n++) {
            f[n] = p;
            char *tab = strchr(p, '\t');
            if (!tab) {
                n++;
                break;
            }
            *tab = '\0';
            p = tab + 1;
        }
        if (n < 3 || strcmp(f[1], format) != 0)
            continue;
        int count = n >= 5 && *f[4] ? atoi(f[4]) : -1;
        if (!strcmp(f[2], "valid"))
            valid++;
        else
            invalid++;
        run_case(f[0], f[2], count, &valid_ok, &invalid_ok);
    }
    free(text);
    if (valid_ok != valid || invalid_ok != invalid)
        fprintf(stderr, "\ncorpus %s: %d of %d valid and %d of %d invalid as expected\n",
                format, valid_ok, valid, invalid_ok, invalid);
    CU_ASSERT_EQUAL(valid, want_valid);
    CU_ASSERT_EQUAL(invalid, want_invalid);
    CU_ASSERT_EQUAL(valid_ok, valid);
    CU_ASSERT_EQUAL(invalid_ok, invalid);
}

static void test_corpus_coco(void)
{
    corpus_format("coco", 26, 29);
}

static void test_corpus_voc(void)
{
    corpus_format("voc", 17, 15);
}

static void test_corpus_csv_tfod(void)
{
    corpus_format("csv-tfod", 3, 0);
}

static void test_corpus_csv_automl(void)
{
    corpus_format("csv-automl", 1, 0);
}

static void test_corpus_yolo(void)
{
    corpus_format("yolo", 22, 15);
}

CU_TestInfo corpus_tests[] = {
    {"test_corpus_coco", test_corpus_coco},
    {"test_corpus_voc", test_corpus_voc},
    {"test_corpus_csv_tfod", test_corpus_csv_tfod},
    {"test_corpus_csv_automl", test_corpus_csv_automl},
    {"test_corpus_yolo", test_corpus_yolo},
    CU_TEST_INFO_NULL,
};
