/*
 * test_yolo.c: the YOLO reader: layouts (data.yaml with splits, Darknet's
 * obj.data and list files, labels beside images, a lone label file), names
 * (lists, maps, sparse ids, none), line forms (boxes, segments, pose),
 * what is refused or rejected and how it is said, and YOLO -> Clarifai ->
 * YOLO giving back the same numbers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void mkdirs(const char *path)
{
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
}

/* Writes text to root/rel, making its folders. */
static void put(const char *root, const char *rel, const char *text)
{
    char path[2048], dir[2048];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    mkdirs(dir);
    t_write(path, text);
}

/* A 15x10 JPEG as far as a header goes (SOI, SOF0, EOI). */
static void put_jpeg(const char *root, const char *rel)
{
    static const unsigned char jpg[] = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x0A,
                                        0x00, 0x0F, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01,
                                        0x03, 0x11, 0x01, 0xFF, 0xD9};
    put(root, rel, "");
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(jpg, 1, sizeof jpg, f);
    fclose(f);
}

/* "input concept kind left top right bottom" per annotation. */
static char *describe(const t_capture *cap)
{
    size_t size = cap->n * 160 + 1;
    char *s = calloc(1, size);
    for (size_t i = 0; i < cap->n; i++) {
        const t_ann *a = &cap->v[i];
        snprintf(s + strlen(s), size - strlen(s), "%s %s %s %.6g %.6g %.6g %.6g\n", a->input,
                 a->concept, a->kind == 1 ? "box" : a->kind == 2 ? "polygon" : "label",
                 a->box.left, a->box.top, a->box.right, a->box.bottom);
    }
    return s;
}

static char *read_tree(ap_context *ctx, const char *path, int *rc)
{
    t_capture cap;
    const char *in[1] = {path};
    *rc = t_capture_run(ctx, in, 1, &cap);
    char *s = describe(&cap);
    t_capture_free(&cap);
    return s;
}

/* An Ultralytics dataset: data.yaml naming a train and a val split. */
static const char *ultralytics(const char *name)
{
    const char *d = t_dir(name);
    put(d, "data.yaml", "# comment\npath: .\ntrain: images/train  # the training set\n"
                        "val: [images/val]\nnames:\n  0: cup\n  1: \"traffic light\"\n");
    put_jpeg(d, "images/train/a.jpg");
    put_jpeg(d, "images/val/a.jpg");
    put_jpeg(d, "images/val/b.jpg"); /* no label file: an input without objects */
    put(d, "labels/train/a.txt", "0 0.5 0.5 0.2 0.4\n");
    put(d, "labels/val/a.txt", "1 0.25 0.75 0.5 0.5\r\n\r\n");
    return d;
}

static void test_yolo_ultralytics_splits(void)
{
    const char *d = ultralytics("yolo_splits");
    ap_context *ctx = t_ctx();
    int rc;
    char *got = read_tree(ctx, d, &rc);
    CU_ASSERT_EQUAL(rc, AP_OK);
    T_ASSERT_STR(got, "train_a cup box 0.4 0.3 0.6 0.7\n"
                      "val_a traffic-light box 0 0.5 0.5 1\n");
    free(got);
    CU_ASSERT_EQUAL(ctx->counts.inputs, 3);
    ap_context_free(ctx);
}

/* --split val: that split's images only */
static void test_yolo_split_option(void)
{
    const char *d = ultralytics("yolo_split_val");
    ap_context *ctx = t_ctx();
    int rc;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "val"), AP_OK);
    char *got = read_tree(ctx, d, &rc);
    CU_ASSERT_EQUAL(rc, AP_OK);
    T_ASSERT_STR(got, "val_a traffic-light box 0 0.5 0.5 1\n");
    CU_ASSERT_EQUAL(ctx->counts.inputs, 2);
    free(got);
    ap_context_free(ctx);
}

static void test_yolo_unknown_split_refused(void)
{
    const char *d = ultralytics("yolo_split_test");
    ap_context *ctx = t_ctx();
    int rc;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "test"), AP_OK);
    char *got = read_tree(ctx, d, &rc);
    CU_ASSERT_EQUAL(rc, AP_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "--split test: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "names no such split (it has train, val)"));
    free(got);
    ap_context_free(ctx);
}

/* the image sizes come from the headers */
static void test_yolo_sizes_from_image_headers(void)
{
    const char *d = ultralytics("yolo_sizes");
    char args[1200], *out = NULL;
    snprintf(args, sizeof args, "convert '%s' --to coco -o '%s/coco' --quiet", d, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    out = t_read(t_path(d, "coco/annotations.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "\"file_name\":\"val/b.jpg\",\"width\":15,"
                                              "\"height\":10,")
                               : NULL);
    free(out);
}

/* A Darknet dataset: obj.data, obj.names and a list of images. */
static const char *darknet(const char *name)
{
    const char *d = t_dir(name);
    put(d, "obj.data", "classes = 2\ntrain = data/train.txt\nnames = data/obj.names\n"
                       "backup = backup/\n");
    put(d, "obj.names", "dog\ncat\n\n");
    put(d, "train.txt", "data/obj_train_data/1.jpg\n/home/u/darknet/data/obj_train_data/2.jpg\n");
    put(d, "obj_train_data/1.txt", "1 0.5 0.5 0.5 0.5\n");
    put(d, "obj_train_data/2.txt", "0 0.25 0.25 0.5 0.5\n");
    put_jpeg(d, "obj_train_data/1.jpg"); /* 2.jpg is not shipped: its size is unknown */
    return d;
}

static void test_yolo_darknet(void)
{
    const char *d = darknet("yolo_darknet");
    ap_context *ctx = t_ctx();
    int rc;
    char *got = read_tree(ctx, d, &rc);
    CU_ASSERT_EQUAL(rc, AP_OK);
    T_ASSERT_STR(got, "obj_train_data_1 cat box 0.25 0.25 0.75 0.75\n"
                      "obj_train_data_2 dog box 0 0 0.5 0.5\n");
    free(got);
    ap_context_free(ctx);
}

/* a listed image without its label file: Darknet reads one for each */
static void test_yolo_darknet_listed_image_without_labels(void)
{
    const char *d = darknet("yolo_darknet_no_label");
    t_write(t_path(d, "train.txt"), "data/obj_train_data/1.jpg\ndata/obj_train_data/3.jpg\n");
    put_jpeg(d, "obj_train_data/3.jpg");
    char args[1200], *err = NULL, want[2048];
    snprintf(args, sizeof args, "validate '%s'", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    snprintf(want, sizeof want, "annoport: error: %s/train.txt:2: \"obj_train_data/3.jpg\" has "
             "no label file (obj_train_data/3.txt); Darknet reads one for every listed image\n",
             d);
    T_ASSERT_STR(err, want);
    free(err);
}

/* sparse ids in a flow map; a class without a name is a reject */
static void test_yolo_names_sparse_ids(void)
{
    const char *d = t_dir("yolo_names");
    put(d, "data.yaml", "train: images\nnames: {0: 'it''s', 42: \"x\\\"y\"}\n");
    put(d, "labels/a.txt", "42 0.5 0.5 0.2 0.2\n0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n");
    put_jpeg(d, "images/a.jpg");
    ap_context *ctx = t_ctx();
    t_capture cap;
    const char *in[1] = {d};
    CU_ASSERT_EQUAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    T_ASSERT_STR(cap.v[0].name, "x\"y");
    T_ASSERT_STR(cap.v[1].name, "it's");
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 1);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* no names anywhere: the class numbers are the labels */
static void test_yolo_no_names_uses_class_numbers(void)
{
    const char *e = t_dir("yolo_no_names");
    put(e, "a.txt", "3 0.5 0.5 0.2 0.2\n");
    put_jpeg(e, "a.jpg");
    ap_context *ctx = t_ctx();
    int rc;
    char *got = read_tree(ctx, e, &rc);
    CU_ASSERT_EQUAL(rc, AP_OK);
    T_ASSERT_STR(got, "a 3 box 0.4 0.4 0.6 0.6\n");
    free(got);
    ap_context_free(ctx);
}

/* a label file given by itself finds classes.txt beside it */
static void test_yolo_lone_label_file_finds_classes(void)
{
    const char *e = t_dir("yolo_lone_file");
    put(e, "a.txt", "3 0.5 0.5 0.2 0.2\n");
    put_jpeg(e, "a.jpg");
    put(e, "classes.txt", "a\nb\nc\nd\n");
    ap_context *ctx = t_ctx();
    int rc;
    char path[1100];
    snprintf(path, sizeof path, "%s/a.txt", e);
    char *got = read_tree(ctx, path, &rc);
    CU_ASSERT_EQUAL(rc, AP_OK);
    T_ASSERT_STR(got, "a d box 0.4 0.4 0.6 0.6\n");
    free(got);
    ap_context_free(ctx);
}

/* segments and oriented boxes: polygons */
static void test_yolo_segment_and_obb_lines(void)
{
    const char *d = t_dir("yolo_forms");
    put(d, "classes.txt", "a\n");
    put(d, "labels/seg.txt", "# a comment\n0 0.1 0.1 0.4 0.1 0.4 0.5\n");
    put(d, "labels/obb.txt", "0 0.1 0.1 0.3 0.1 0.3 0.2 0.1 0.2\n");
    ap_context *ctx = t_ctx();
    t_capture cap;
    const char *in[1] = {d};
    CU_ASSERT_EQUAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    CU_ASSERT_EQUAL(cap.v[0].kind, AP_REGION_POLYGON); /* obb: four corners */
    CU_ASSERT_EQUAL(cap.v[0].npoints, 4);
    CU_ASSERT_EQUAL(cap.v[1].kind, AP_REGION_POLYGON);
    CU_ASSERT_EQUAL(cap.v[1].npoints, 3);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* pose: the box, not the keypoints (with a warning) */
static void test_yolo_pose_lines_give_boxes(void)
{
    const char *p = t_dir("yolo_pose");
    put(p, "data.yaml", "kpt_shape: [2, 3]\nnames:\n  - person\n");
    put(p, "labels/a.txt", "0 0.5 0.5 0.2 0.2 0.1 0.2 2 0.3 0.4 1\n");
    char args[1200], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "validate '%s' --json", p);
    CU_ASSERT_EQUAL(t_cli(args, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "\"objects_written\":1,") : NULL);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "keypoints (kpt_shape) are not converted") : NULL);
    free(out);
    free(err);
}

/* A data.yaml with one split and one label file (its image only when
 * with_image). */
static const char *refused_case(const char *name, int with_image)
{
    const char *d = t_dir(name);
    put(d, "data.yaml", "train: images/train\nnames: [a, b]\n");
    put(d, "labels/train/1.txt", "1 0.5 0.5\n");
    if (with_image)
        put_jpeg(d, "images/train/1.jpg");
    return d;
}

/* the split folder data.yaml names is not there */
static void test_yolo_missing_split_folder_refused(void)
{
    const char *d = refused_case("yolo_refused_split", 0);
    char args[1200], *err = NULL, want[2048];
    snprintf(args, sizeof args, "validate '%s'", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    snprintf(want, sizeof want, "annoport: error: %s/data.yaml:1: \"images/train\": no such folder "
             "or file in the dataset\n", d);
    T_ASSERT_STR(err, want);
    free(err);
}

/* a line with three fields */
static void test_yolo_short_line_refused(void)
{
    const char *d = refused_case("yolo_refused_line", 1);
    char args[1200], *err = NULL, want[2048];
    snprintf(args, sizeof args, "validate '%s'", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    snprintf(want, sizeof want, "annoport: error: %s/labels/train/1.txt:1: a YOLO label line is "
             "\"class cx cy w h\" (5 fields) or \"class x1 y1 x2 y2 x3 y3 ...\" (7 or more, an "
             "odd count); this one has 3\n", d);
    T_ASSERT_STR(err, want);
    free(err);
}

/* values that are not numbers, and an undeclared class: rejects */
static void test_yolo_bad_values_rejected(void)
{
    const char *d = refused_case("yolo_refused_values", 1);
    char args[1200], *out = NULL;
    t_write(t_path(d, "labels/train/1.txt"), "1 0.5 a 0.5 0.5\n0 0.5 0.5 0.5 0.5 0.5 x\n"
                                             "2 0.5 0.5 0.5 0.5\n1 0.5 0.5 0.5 0.5\n");
    snprintf(args, sizeof args, "convert '%s' -o '%s/out' --quiet", d, d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    free(out);
    char *rj = t_read(t_path(d, "out/rejects.jsonl"), NULL);
    size_t n = strlen(d) * 3 + 1024;
    char *w1 = malloc(n);
    snprintf(w1, n,
             "{\"source\":{\"file\":\"%s/labels/train/1.txt\",\"line\":1,\"index\":0},\"input\":"
             "\"train_1\",\"label\":\"b\",\"reason\":\"invalid_coordinate\",\"message\":\"cy is "
             "\\\"a\\\", not a number\"}\n"
             "{\"source\":{\"file\":\"%s/labels/train/1.txt\",\"line\":2,\"index\":1},\"input\":"
             "\"train_1\",\"label\":\"a\",\"reason\":\"invalid_coordinate\",\"message\":\"the y "
             "of point 3 is \\\"x\\\", not a number\"}\n"
             "{\"source\":{\"file\":\"%s/labels/train/1.txt\",\"line\":3,\"index\":2},\"input\":"
             "\"train_1\",\"label\":\"2\",\"reason\":\"unknown_category\",\"message\":\"class 2 "
             "is not one of the names in data.yaml\"}\n",
             d, d, d);
    T_ASSERT_STR(rj, w1);
    free(w1);
    free(rj);
}

/* YOLO -> Clarifai -> YOLO: every label file comes back byte for byte
 * (numbers written in their shortest form, as here; classes first-seen in
 * the same order as their ids). */
static void test_yolo_round_trip(void)
{
    const char *d = t_dir("yolo_round_trip");
    char src[1024];
    snprintf(src, sizeof src, "%s/src", d);
    put(src, "data.yaml", "names: [person, car, traffic light]\n");
    const char *files[][2] = {
        {"labels/a.txt", "0 0.195703 0.291667 0.078906 0.083333\n"
                         "1 0.5 0.4 0.6 0.4 0.6 0.6 0.5 0.65 0.4 0.6\n"},
        {"labels/b.txt", "2 0.0331875 0.0786779 0.0284219 0.0548558\n"
                         "0 0.817984 0.691791 0.0331875 0.0786779\n"
                         "1 0.123456789012345 0.5 0.0002 0.999998\n"},
        {"labels/c.txt", ""},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        put(src, files[i][0], files[i][1]);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s convert '%s' -o '%s/clarifai' --quiet && %s convert "
             "'%s/clarifai' --to yolo -o '%s/back' --quiet", t_bin(), src, d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_check(t_path(d, "clarifai"), NULL), 0);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char back[1200];
        snprintf(back, sizeof back, "%s/back/%s", d, files[i][0]);
        char *text = t_read(back, NULL);
        T_ASSERT_STR(text, files[i][1]);
        free(text);
    }
    char *classes = t_read(t_path(d, "back/classes.txt"), NULL);
    T_ASSERT_STR(classes, "person\ncar\ntraffic light\n");
    free(classes);
    /* and read back, the export gives the same annotations */
    ap_context *ctx = t_ctx();
    int rc1, rc2;
    char back[1100];
    snprintf(back, sizeof back, "%s/back", d);
    char *a = read_tree(ctx, src, &rc1), *b = read_tree(ctx, back, &rc2);
    CU_ASSERT_EQUAL(rc1, AP_OK);
    CU_ASSERT_EQUAL(rc2, AP_OK);
    T_ASSERT_STR(b, a);
    free(a);
    free(b);
    ap_context_free(ctx);
}

/* A dataset in a zip archive: the same as its folder, sizes included. */
static void test_yolo_zip(void)
{
    const char *d = t_dir("yolo_zip");
    char cmd[2048], *a = NULL, *b = NULL;
    snprintf(cmd, sizeof cmd, "%s -m zipfile -c '%s/yolo.zip' samples/yolo", t_python(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "%s convert samples/yolo --to coco -o '%s/f' --quiet && %s convert "
             "'%s/yolo.zip' --to coco -o '%s/z' --quiet", t_bin(), d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    a = t_read(t_path(d, "f/annotations.json"), NULL);
    b = t_read(t_path(d, "z/annotations.json"), NULL);
    T_ASSERT_STR(b, a ? a : "");
    CU_ASSERT_PTR_NOT_NULL(a ? strstr(a, "\"width\":800,") : NULL);
    free(a);
    free(b);
}

/* A Darknet list naming an image the dataset lacks: read, and said. */
static void test_yolo_listed_image_missing_is_said(void)
{
    char cmd[2048], *err = NULL;
    snprintf(cmd, sizeof cmd, "validate '%s/corpus/openvinotoolkit__datumaro/_from_tests/"
             "unit__data_formats__test_yolo_strict_format/YoloExtractorTest/missing_image_file'",
             t_shared());
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "missing_image_file/train.txt:1: the image "
                                             "\"data/obj_train_data/1.jpg\" is not in the "
                                             "dataset: its size is unknown") : NULL);
    free(err);
}

CU_TestInfo yolo_tests[] = {
    {"test_yolo_listed_image_missing_is_said", test_yolo_listed_image_missing_is_said},
    {"test_yolo_ultralytics_splits", test_yolo_ultralytics_splits},
    {"test_yolo_split_option", test_yolo_split_option},
    {"test_yolo_unknown_split_refused", test_yolo_unknown_split_refused},
    {"test_yolo_sizes_from_image_headers", test_yolo_sizes_from_image_headers},
    {"test_yolo_darknet", test_yolo_darknet},
    {"test_yolo_darknet_listed_image_without_labels",
     test_yolo_darknet_listed_image_without_labels},
    {"test_yolo_names_sparse_ids", test_yolo_names_sparse_ids},
    {"test_yolo_no_names_uses_class_numbers", test_yolo_no_names_uses_class_numbers},
    {"test_yolo_lone_label_file_finds_classes", test_yolo_lone_label_file_finds_classes},
    {"test_yolo_segment_and_obb_lines", test_yolo_segment_and_obb_lines},
    {"test_yolo_pose_lines_give_boxes", test_yolo_pose_lines_give_boxes},
    {"test_yolo_missing_split_folder_refused", test_yolo_missing_split_folder_refused},
    {"test_yolo_short_line_refused", test_yolo_short_line_refused},
    {"test_yolo_bad_values_rejected", test_yolo_bad_values_rejected},
    {"test_yolo_round_trip", test_yolo_round_trip},
    {"test_yolo_zip", test_yolo_zip},
    CU_TEST_INFO_NULL,
};
