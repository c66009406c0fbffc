/*
 * test_coco.c: the COCO reader: layouts, ids, labels, geometry, and every
 * way a file can be broken (with the position the error names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define IMG "{\"id\":1,\"file_name\":\"a.jpg\",\"width\":100,\"height\":50}"
#define CAT "{\"id\":7,\"name\":\"dog\"}"
#define ANN "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[10,5,20,10]}"

static int convert(const char *json, const char *name, ap_context *ctx, const char **outp)
{
    const char *d = t_dir(name);
    const char *in = t_path(d, "in.json");
    t_write(in, json);
    const char *out = t_path(d, "out");
    if (outp)
        *outp = out;
    const char *inputs[1] = {in};
    return ap_run(ctx, AP_RUN_CONVERT, inputs, 1, out, NULL);
}

static char *request1(const char *out)
{
    return t_read(t_path(out, "requests/post-annotations-000001.json"), NULL);
}

static void test_coco_key_order(void)
{
    ap_context *ctx = t_ctx();
    const char *o1, *o2, *o3;
    CU_ASSERT_EQUAL(convert("{\"images\":[" IMG "],\"annotations\":[" ANN "],"
                            "\"categories\":[" CAT "]}", "order1", ctx, &o1), AP_OK);
    /* annotations first: read in a second pass */
    CU_ASSERT_EQUAL(convert("{\"annotations\":[" ANN "],\"info\":{\"x\":[1,{\"y\":\"]\"}]},"
                            "\"categories\":[" CAT "],\"images\":[" IMG "]}", "order2", ctx, &o2),
                    AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 1);
    /* keys inside elements in any order */
    CU_ASSERT_EQUAL(convert("{\"categories\":[{\"name\":\"dog\",\"id\":7}],\"images\":[{\"height\":"
                            "50,\"file_name\":\"a.jpg\",\"width\":100,\"id\":1}],\"annotations\":"
                            "[{\"bbox\":[10,5,20,10],\"category_id\":7,\"image_id\":1,\"id\":1}]}",
                            "order3", ctx, &o3), AP_OK);
    char *r1 = request1(o1), *r2 = request1(o2), *r3 = request1(o3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r1);
    T_ASSERT_STR(r2, r1);
    T_ASSERT_STR(r3, r1);
    T_ASSERT_STR(r1, "{\"annotations\":[{\"input_id\":\"a\",\"data\":{\"regions\":[{"
                     "\"region_info\":{\"bounding_box\":{\"top_row\":0.1,\"left_col\":0.1,"
                     "\"bottom_row\":0.3,\"right_col\":0.3}},\"data\":{\"concepts\":[{\"id\":"
                     "\"dog\",\"name\":\"dog\",\"value\":1}]}}]}}]}\n");
    free(r1);
    free(r2);
    free(r3);
    ap_context_free(ctx);
}

static void test_coco_unicode_labels_and_odd_ids(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    /* category id 0, 2^40, negative; image id above 2^32; a unicode label,
     * written as UTF-8 and as a \u escape */
    CU_ASSERT_EQUAL(convert(
        "{\"images\":[{\"id\":20180000001,\"file_name\":\"b.jpg\",\"width\":10,\"height\":10}],"
        "\"categories\":[{\"id\":0,\"name\":\"Caf\xc3\xa9\"},{\"id\":1099511627776,"
        "\"name\":\"\\u00e9t\\u00e9 Tree\"},{\"id\":-3,\"name\":\"x\"}],"
        "\"annotations\":[{\"id\":900100374545,\"image_id\":20180000001,\"category_id\":0,"
        "\"bbox\":[0,0,5,5]},{\"id\":2,\"image_id\":20180000001,\"category_id\":1099511627776,"
        "\"bbox\":[1,1,5,5]},{\"id\":3,\"image_id\":20180000001,\"category_id\":-3,"
        "\"bbox\":[2,2,5,5]}]}", "unicode", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 3);
    char *r = request1(o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "{\"id\":\"cafe\",\"name\":\"Caf\xc3\xa9\",\"value\":1}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "{\"id\":\"ete-tree\",\"name\":\"\xc3\xa9t\xc3\xa9 Tree\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "{\"id\":\"x\",\"name\":\"x\""));
    free(r);
    ap_context_free(ctx);
}

/* --input-id id uses the 64-bit image id */
static void test_coco_input_id_from_64_bit_image_id(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    ctx->opt.input_id = AP_INPUT_ID_ID;
    CU_ASSERT_EQUAL(convert(
        "{\"images\":[{\"id\":20180000001,\"file_name\":\"b.jpg\",\"width\":10,\"height\":10}],"
        "\"categories\":[" CAT "],\"annotations\":[{\"id\":1,\"image_id\":20180000001,"
        "\"category_id\":7,\"bbox\":[0,0,5,5]}]}", "numeric_id", ctx, &o), AP_OK);
    char *r = request1(o);
    CU_ASSERT_PTR_NOT_NULL(r ? strstr(r, "\"input_id\":\"20180000001\"") : NULL);
    free(r);
    ap_context_free(ctx);
}

static void test_coco_missing_image_or_category(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    CU_ASSERT_EQUAL(convert("{\"images\":[" IMG "],\"categories\":[" CAT "],\"annotations\":["
                            "{\"id\":11,\"image_id\":2,\"category_id\":7,\"bbox\":[1,1,2,2]},\n"
                            "{\"id\":12,\"image_id\":1,\"category_id\":8,\"bbox\":[1,1,2,2]},\n"
                            ANN "]}", "missing_refs", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 3);
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 2);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 1);
    char *rj = t_read(t_path(o, "rejects.jsonl"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rj);
    char *second = strchr(rj, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(second);
    *second++ = '\0';
    cJSON *a = cJSON_Parse(rj), *b = cJSON_Parse(second);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    T_ASSERT_STR(cJSON_GetObjectItem(a, "reason")->valuestring, "unknown_image");
    CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(a, "input")));
    T_ASSERT_STR(cJSON_GetObjectItem(a, "label")->valuestring, "dog");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "source"), "index")->valueint, 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "source"), "line")->valueint, 1);
    T_ASSERT_STR(cJSON_GetObjectItem(b, "reason")->valuestring, "unknown_category");
    T_ASSERT_STR(cJSON_GetObjectItem(b, "input")->valuestring, "a");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "source"), "line")->valueint, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(cJSON_GetObjectItem(b, "message")->valuestring, "8"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(rj);
    CU_ASSERT_EQUAL(t_check(o, NULL), 0);
    ap_context_free(ctx);
}

/* --strict: the first reject fails the run, nothing written */
static void test_coco_strict_reject_fails(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    ctx->opt.strict = 1;
    CU_ASSERT_EQUAL(convert("{\"images\":[" IMG "],\"categories\":[" CAT "],\"annotations\":["
                            "{\"id\":1,\"image_id\":2,\"category_id\":7,\"bbox\":[1,1,2,2]}]}",
                            "strict", ctx, &o), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "unknown_image"));
    CU_ASSERT_FALSE(t_exists(o));
    ap_context_free(ctx);
}

static void expect_error(const char *json, const char *name, const char *where,
                         const char *what)
{
    ap_context *ctx = t_ctx();
    const char *o;
    CU_ASSERT_EQUAL(convert(json, name, ctx, &o), AP_EDATA);
    if (!strstr(ctx->errmsg, where) || !strstr(ctx->errmsg, what))
        fprintf(stderr, "\n%s: got \"%s\", want \"%s\" and \"%s\"\n", name, ctx->errmsg, where,
                what);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, where));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, what));
    CU_ASSERT_FALSE(t_exists(o));
    /* no temporary left beside the output: its folder holds the input alone */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", o);
    *strrchr(dir, '/') = '\0';
    CU_ASSERT_EQUAL(t_count_entries(dir), 1);
    ap_context_free(ctx);
}

/* Every way a file can be broken: an error naming the file and the
 * position, and nothing written (expect_error). */
static void test_coco_broken_empty_file(void)
{
    expect_error("", "empty", "in.json:1:1", "empty");
}

static void test_coco_broken_blank_file(void)
{
    expect_error("   \n  ", "blank", "in.json", "empty");
}

static void test_coco_broken_truncated_element(void)
{
    expect_error("{\"images\":[" IMG "],\"categories\":[" CAT "],\"annotations\":[" ANN
                 ",\n{\"id\":2,\"image_id\"", "truncated", "in.json:2:1", "truncated");
}

static void test_coco_broken_truncated_array(void)
{
    expect_error("{\"images\":[" IMG "],\"categories\":[" CAT "],\"annotations\":[" ANN
                 ",\n" ANN, "truncated_array", "in.json:2:", "truncated");
}

static void test_coco_broken_truncated_skipped_array(void)
{
    /* annotations before categories are skipped in the first pass: still
     * the whole array must close */
    expect_error("{\"images\":[" IMG "],\"annotations\":[" ANN ",\n{\"id\":2,\"image_id\"",
                 "truncated_skipped", "in.json:1:", "truncated");
}

static void test_coco_broken_syntax_error(void)
{
    expect_error("{\"images\":[" IMG "],\"categories\":[" CAT "],\n\"annotations\":[\n"
                 ANN ",\n{\"id\":2,\"image_id\":1,\"category_id\":7,\"bbox\":[1,2,3,4}\n]}",
                 "syntax", "in.json:4:", "invalid JSON");
}

static void test_coco_broken_trailing_data(void)
{
    expect_error("{\"images\":[" IMG "],\"annotations\":[" ANN "],\"categories\":[" CAT "]} x",
                 "trailing", "in.json:1:", "more data");
}

static void test_coco_broken_missing_comma(void)
{
    expect_error("{\"images\":[" IMG "] \"annotations\":[]}", "no_comma", "in.json:1:",
                 "expected ',' or '}'");
}

static void test_coco_broken_list_element_not_object(void)
{
    expect_error("[{\"image_id\":1,\"category_id\":1}, 2]", "list_of_numbers", "in.json",
                 "annotations[1] is not an object");
}

static void test_coco_broken_no_images(void)
{
    expect_error("{\"annotations\":[],\"categories\":[]}", "no_images", "in.json",
                 "no \"images\"");
}

static void test_coco_broken_images_not_array(void)
{
    expect_error("{\"images\":{},\"annotations\":[],\"categories\":[]}", "images_object",
                 "in.json:1:", "\"images\" must be an array");
}

static void test_coco_broken_bbox_value_string(void)
{
    expect_error("{\"images\":[" IMG "],\"annotations\":[{\"id\":1,\"image_id\":1,"
                 "\"category_id\":7,\"bbox\":[1,2,\"3\",4]}],\"categories\":[" CAT "]}",
                 "bbox_string", "in.json:1", "\"bbox\" value 3 is not a number");
}

static void test_coco_broken_no_geometry(void)
{
    expect_error("{\"images\":[" IMG "],\"annotations\":[{\"id\":1,\"image_id\":1,"
                 "\"category_id\":7,\"bbox\":[],\"segmentation\":[]}],\"categories\":[" CAT "]}",
                 "no_geometry", "in.json:1", "neither");
}

static void test_coco_broken_duplicate_image_id(void)
{
    expect_error("{\"images\":[" IMG "," IMG "],\"annotations\":[],\"categories\":[]}",
                 "dup_image", "in.json:1", "image id 1 appears twice");
}

/* null size: the box cannot be normalized (missing_image_size); null
 * segmentation and iscrowd: absent; "info": null is fine (its one object
 * is a reject: the output is wanted all the same) */
static void test_coco_null_fields(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    ctx->opt.allow_empty = 1;
    CU_ASSERT_EQUAL(convert("{\"info\":null,\"images\":[{\"id\":1,\"file_name\":\"a.jpg\","
                            "\"width\":null,\"height\":null,\"coco_url\":null}],"
                            "\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":7,"
                            "\"bbox\":[1,1,2,2],\"segmentation\":null,\"iscrowd\":null}],"
                            "\"categories\":[" CAT "],\"licenses\":null}", "nulls", ctx, &o),
                    AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 1);
    char *rj = t_read(t_path(o, "rejects.jsonl"), NULL);
    CU_ASSERT_PTR_NOT_NULL(rj ? strstr(rj, "\"reason\":\"missing_image_size\"") : NULL);
    free(rj);
    ap_context_free(ctx);
}

/* a label without geometry (COCO "labels" files): an image-level concept */
static void test_coco_null_bbox_is_image_label(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    ctx->opt.allow_empty = 1;
    CU_ASSERT_EQUAL(convert("{\"images\":[" IMG "],\"annotations\":[{\"id\":1,\"image_id\":1,"
                            "\"category_id\":7,\"bbox\":null}],\"categories\":[" CAT "]}",
                            "labels", ctx, &o), AP_OK);
    char *r = request1(o);
    T_ASSERT_STR(r, "{\"annotations\":[{\"input_id\":\"a\",\"data\":{\"concepts\":[{\"id\":"
                    "\"dog\",\"name\":\"dog\",\"value\":1}]}}]}\n");
    free(r);
    ap_context_free(ctx);
}

/* One box, one box from two polygons, a crowd RLE box, and a polygon
 * without a box. */
static const char geometry_json[] =
    "{\"images\":[" IMG "],\"categories\":[" CAT "],\"annotations\":["
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[10,5,20,10],\"segmentation\":"
    "[[10,5,30,5,30,15],[0,0,10,0,10,10,0,10]]},"
    "{\"id\":2,\"image_id\":1,\"category_id\":7,\"iscrowd\":1,\"bbox\":[0,0,4,4],"
    "\"segmentation\":{\"counts\":[0,4,46,4,4946],\"size\":[50,100]}},"
    "{\"id\":3,\"image_id\":1,\"category_id\":7,\"segmentation\":[[50,25,100,25,100,50]]}]}";

/* bbox: one box each; the third from its polygon's bounds */
static void test_coco_geometry_bbox(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    CU_ASSERT_EQUAL(convert(geometry_json, "geom_bbox", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.annotations_written, 3);
    char *r = request1(o);
    CU_ASSERT_PTR_NOT_NULL(r ? strstr(r, "{\"top_row\":0.5,\"left_col\":0.5,\"bottom_row\":1,"
                                         "\"right_col\":1}") : NULL);
    free(r);
    ap_context_free(ctx);
}

/* polygon: two parts of the first, the crowd one rejected, the third */
static void test_coco_geometry_polygon(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    ctx->opt.geometry = AP_GEOM_POLYGON;
    CU_ASSERT_EQUAL(convert(geometry_json, "geom_polygon", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 2);
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 1);
    CU_ASSERT_EQUAL(ctx->counts.annotations_written, 3);
    char *r = request1(o);
    CU_ASSERT_PTR_NOT_NULL(r ? strstr(r, "\"polygon\":{\"points\":[{\"row\":0.1,\"col\":0.1},"
                                         "{\"row\":0.1,\"col\":0.3},{\"row\":0.3,\"col\":0.3}]}")
                             : NULL);
    free(r);
    char *rj = t_read(t_path(o, "rejects.jsonl"), NULL);
    CU_ASSERT_PTR_NOT_NULL(rj ? strstr(rj, "\"reason\":\"no_polygon\"") : NULL);
    free(rj);
    CU_ASSERT_EQUAL(t_check(o, NULL), 0);
    ap_context_free(ctx);
}

/* both: box then polygons; the crowd object gives its box only */
static void test_coco_geometry_both(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    ctx->opt.geometry = AP_GEOM_BOTH;
    CU_ASSERT_EQUAL(convert(geometry_json, "geom_both", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 3);
    CU_ASSERT_EQUAL(ctx->counts.annotations_written, 6);
    CU_ASSERT_EQUAL(t_check(o, NULL), 0);
    ap_context_free(ctx);
}

static void test_coco_duplicate_annotation_id(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    CU_ASSERT_EQUAL(convert("{\"images\":[" IMG "],\"categories\":[" CAT "],\"annotations\":["
                            ANN "," ANN "]}", "dup_ann", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 1);
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 1);
    char *rj = t_read(t_path(o, "rejects.jsonl"), NULL);
    CU_ASSERT_PTR_NOT_NULL(rj ? strstr(rj, "\"reason\":\"duplicate_id\"") : NULL);
    free(rj);
    ap_context_free(ctx);
}

/* panoptic: one object per segment, no annotation id needed */
static void test_coco_panoptic_segments(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    CU_ASSERT_EQUAL(convert("{\"images\":[" IMG "],\"categories\":[" CAT ",{\"id\":8,\"name\":"
                            "\"sky\"}],\"annotations\":[{\"image_id\":1,\"file_name\":\"a.png\","
                            "\"segments_info\":[{\"id\":5,\"category_id\":7,\"bbox\":[0,0,5,5],"
                            "\"iscrowd\":0},{\"id\":6,\"category_id\":8,\"bbox\":[0,0,100,10],"
                            "\"iscrowd\":0}]}]}", "panoptic", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 2);
    ap_context_free(ctx);
}

/* captions are not objects */
static void test_coco_captions_are_not_objects(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    CU_ASSERT_EQUAL(convert("{\"images\":[" IMG "],\"categories\":[],\"annotations\":[{\"id\":1,"
                            "\"image_id\":1,\"category_id\":0,\"caption\":\"a dog\"}]}",
                            "captions", ctx, &o), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 0);
    CU_ASSERT_EQUAL(ctx->warnings, 1);
    ap_context_free(ctx);
}

/* 30,000 annotations (about 3 MB) cross the 1 MiB read window many times */
static void test_coco_many_annotations_cross_windows(void)
{
    const char *d = t_dir("coco_large");
    const char *in = t_path(d, "in.json");
    t_write_coco(in, 30000);
    ap_context *ctx = t_ctx();
    const char *inputs[1] = {in};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, inputs, 1, t_path(d, "out"), NULL), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 30000);
    CU_ASSERT_EQUAL(ctx->counts.requests, 235);
    ap_context_free(ctx);
}

/* one polygon of 200,000 points is a single element larger than the window */
static void test_coco_element_larger_than_window(void)
{
    const char *d = t_dir("coco_large_polygon");
    const char *big = t_path(d, "poly.json");
    FILE *f = fopen(big, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("{\"images\":[" IMG "],\"categories\":[" CAT "],\"annotations\":[{\"id\":1,"
          "\"image_id\":1,\"category_id\":7,\"segmentation\":[[", f);
    for (int i = 0; i < 200000; i++)
        fprintf(f, "%s%d.25,%d.5", i ? "," : "", i % 100, i % 50);
    fputs("]]}]}", f);
    fclose(f);
    ap_context *ctx = t_ctx();
    ctx->opt.geometry = AP_GEOM_POLYGON;
    const char *in2[1] = {big};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, in2, 1, t_path(d, "out2"), NULL), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.annotations_written, 1);
    ap_context_free(ctx);
}

static void test_coco_validate_and_stats(void)
{
    const char *d = t_dir("coco_validate");
    const char *in = t_path(d, "in.json");
    t_write_coco(in, 25);
    ap_context *ctx = t_ctx();
    const char *inputs[1] = {in};
    ap_result res;
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_STATS, inputs, 1, NULL, &res), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_written, 25);
    CU_ASSERT_EQUAL(ctx->counts.requests, 0);
    CU_ASSERT_EQUAL(res.nconcepts, 2);
    if (res.nconcepts == 2) { /* first seen: annotation 0 is category 5, "dog" */
        T_ASSERT_STR(res.concepts[0]->name, "dog");
        CU_ASSERT_EQUAL(res.concepts[0]->annotations, 13);
        CU_ASSERT_EQUAL(res.concepts[1]->annotations, 12);
    }
    CU_ASSERT_EQUAL(res.images_with_objects, 3);
    CU_ASSERT_EQUAL(res.max_objects_per_image, 10);
    /* box i is (10 + i) x (20 + i) pixels: below 32 x 32 up to i = 17 (COCO's
     * small), below 96 x 96 after */
    CU_ASSERT_EQUAL(res.box_small, 18);
    CU_ASSERT_EQUAL(res.box_medium, 7);
    CU_ASSERT_EQUAL(res.box_large, 0);
    CU_ASSERT_EQUAL(res.box_small + res.box_medium + res.box_large, 25);
    ap_result_free(&res);
    CU_ASSERT_EQUAL(t_count_entries(d), 1); /* validate and stats write nothing */
    ap_context_free(ctx);
}

/* Bytes that are not UTF-8 are an error naming the line and the byte, with
 * the option that reads such a file. */
static void test_coco_invalid_utf8_is_an_error(void)
{
    ap_context *ctx = t_ctx();
    const char *o;
    CU_ASSERT_EQUAL(convert("{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,"
                            "\"height\":10}],\n\"annotations\":[{\"id\":1,\"image_id\":1,"
                            "\"category_id\":1,\"bbox\":[1,1,2,2]}],\"categories\":[{\"id\":1,"
                            "\"name\":\"d\xfeog\"}]}", "utf8", ctx, &o), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "in.json:2: byte 168 (0xFE) is not UTF-8; if "
                                               "the file is in another encoding, give it with "
                                               "--encoding"));
    CU_ASSERT_FALSE(t_exists(o));
    ap_context_free(ctx);
}

/* A COCO image without a usable size: the key that looks like "width" is
 * named once, and each reject names the image's own line. */
static void test_coco_size_hints(void)
{
    const char *d = t_dir("coco_size_hint");
    t_write(t_path(d, "in.json"),
            "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"Width\":640,\"height\":480},\n"
            "{\"id\":2,\"file_name\":\"b.jpg\",\"width\":0,\"height\":480}],\n"
            "\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":1,\"bbox\":[1,2,3,4]},\n"
            "{\"id\":2,\"image_id\":2,\"category_id\":1,\"bbox\":[1,2,3,4]}],"
            "\"categories\":[{\"id\":1,\"name\":\"x\"}]}");
    char args[1024], *err = NULL, want[2048];
    snprintf(args, sizeof args, "validate %s/in.json", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 0);
    snprintf(want, sizeof want,
             "annoport: warning: %s/in.json:1: image \"a.jpg\" has no \"width\" but a \"Width\": "
             "COCO's keys are \"width\" and \"height\", so its size is unknown\n"
             "annoport: warning: %s/in.json:3: missing_image_size: the box is in pixels but the "
             "size of image \"a.jpg\" (declared at %s/in.json:1 with no width and height) is "
             "unknown\n"
             "annoport: warning: %s/in.json:4: missing_image_size: the box is in pixels but the "
             "size of image \"b.jpg\" (declared at %s/in.json:2 with no width and height) is "
             "unknown\n", d, d, d, d, d);
    CU_ASSERT_EQUAL(strncmp(t_str(err), want, strlen(want)), 0);
    free(err);
}

CU_TestInfo coco_tests[] = {
    {"test_coco_invalid_utf8_is_an_error", test_coco_invalid_utf8_is_an_error},
    {"test_coco_size_hints", test_coco_size_hints},
    {"test_coco_key_order", test_coco_key_order},
    {"test_coco_unicode_labels_and_odd_ids", test_coco_unicode_labels_and_odd_ids},
    {"test_coco_input_id_from_64_bit_image_id", test_coco_input_id_from_64_bit_image_id},
    {"test_coco_missing_image_or_category", test_coco_missing_image_or_category},
    {"test_coco_strict_reject_fails", test_coco_strict_reject_fails},
    {"test_coco_broken_empty_file", test_coco_broken_empty_file},
    {"test_coco_broken_blank_file", test_coco_broken_blank_file},
    {"test_coco_broken_truncated_element", test_coco_broken_truncated_element},
    {"test_coco_broken_truncated_array", test_coco_broken_truncated_array},
    {"test_coco_broken_truncated_skipped_array", test_coco_broken_truncated_skipped_array},
    {"test_coco_broken_syntax_error", test_coco_broken_syntax_error},
    {"test_coco_broken_trailing_data", test_coco_broken_trailing_data},
    {"test_coco_broken_missing_comma", test_coco_broken_missing_comma},
    {"test_coco_broken_list_element_not_object", test_coco_broken_list_element_not_object},
    {"test_coco_broken_no_images", test_coco_broken_no_images},
    {"test_coco_broken_images_not_array", test_coco_broken_images_not_array},
    {"test_coco_broken_bbox_value_string", test_coco_broken_bbox_value_string},
    {"test_coco_broken_no_geometry", test_coco_broken_no_geometry},
    {"test_coco_broken_duplicate_image_id", test_coco_broken_duplicate_image_id},
    {"test_coco_null_fields", test_coco_null_fields},
    {"test_coco_null_bbox_is_image_label", test_coco_null_bbox_is_image_label},
    {"test_coco_geometry_bbox", test_coco_geometry_bbox},
    {"test_coco_geometry_polygon", test_coco_geometry_polygon},
    {"test_coco_geometry_both", test_coco_geometry_both},
    {"test_coco_duplicate_annotation_id", test_coco_duplicate_annotation_id},
    {"test_coco_panoptic_segments", test_coco_panoptic_segments},
    {"test_coco_captions_are_not_objects", test_coco_captions_are_not_objects},
    {"test_coco_many_annotations_cross_windows", test_coco_many_annotations_cross_windows},
    {"test_coco_element_larger_than_window", test_coco_element_larger_than_window},
    {"test_coco_validate_and_stats", test_coco_validate_and_stats},
    CU_TEST_INFO_NULL,
};
