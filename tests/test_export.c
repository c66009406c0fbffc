/*
 * test_export.c: Clarifai JSON in (annoport's own output, list pages,
 * inputs pages) and COCO, VOC, CSV and YOLO out: round trips, the list
 * API's filters, sizes, and every writer's output read back by annoport.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static cJSON *json_out(const char *args, int *rc)
{
    char *out = NULL;
    *rc = t_cli(args, &out, NULL);
    cJSON *j = out ? cJSON_Parse(out) : NULL;
    free(out);
    return j;
}

static int count(const cJSON *j, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counts"), name);
    return v ? v->valueint : -1;
}

static void test_export_list_pages(void)
{
    const char *d = t_dir("export_pages");
    char args[2048];
    int rc;
    snprintf(args, sizeof args, "convert samples/clarifai/annotations-page.json --inputs "
             "samples/clarifai/inputs-page.json --to coco -o %s/coco --json", d);
    cJSON *j = json_out(args, &rc);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(count(j, "objects_read"), 4);
    CU_ASSERT_EQUAL(count(j, "objects_written"), 2);
    CU_ASSERT_EQUAL(count(j, "objects_filtered"), 1); /* the model's annotation */
    CU_ASSERT_EQUAL(count(j, "objects_rejected"), 1); /* "indoor" absent: no COCO for it */
    cJSON_Delete(j);
    cJSON *coco = t_json(t_path(d, "coco/annotations.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(coco);
    cJSON *img = cJSON_GetArrayItem(cJSON_GetObjectItem(coco, "images"), 0);
    T_ASSERT_STR(cJSON_GetObjectItem(img, "file_name")->valuestring, "dog.jpg");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(img, "width")->valueint, 400); /* "400", a string */
    cJSON *anns = cJSON_GetObjectItem(coco, "annotations");
    cJSON *bbox = cJSON_GetObjectItem(cJSON_GetArrayItem(anns, 0), "bbox");
    /* left 0.25, top missing (0), right 0.75, bottom 0.5 on 400 x 200 */
    CU_ASSERT_EQUAL(cJSON_GetArrayItem(bbox, 0)->valuedouble, 100);
    CU_ASSERT_EQUAL(cJSON_GetArrayItem(bbox, 1)->valuedouble, 0);
    CU_ASSERT_EQUAL(cJSON_GetArrayItem(bbox, 2)->valuedouble, 200);
    CU_ASSERT_EQUAL(cJSON_GetArrayItem(bbox, 3)->valuedouble, 100);
    cJSON *seg = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(anns, 1),
                                                        "segmentation"), 0);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(seg), 6);
    CU_ASSERT_EQUAL(cJSON_GetArrayItem(seg, 4)->valuedouble, 80); /* col 0.2 * 400 */
    CU_ASSERT_EQUAL(cJSON_GetArrayItem(seg, 5)->valuedouble, 0);  /* row missing: 0 */
    T_ASSERT_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(coco, "categories"),
                                                        0), "name")->valuestring, "Dog");
    cJSON_Delete(coco);
}

/* model annotations kept on request */
static void test_export_model_annotations_on_request(void)
{
    int rc;
    cJSON *j = json_out("validate samples/clarifai/annotations-page.json "
                        "--include-model-annotations --json", &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(count(j, "objects_filtered"), 0);
    CU_ASSERT_EQUAL(count(j, "objects_written"), 4);
    cJSON_Delete(j);
}

/* the user filter */
static void test_export_only_user_ids(void)
{
    int rc;
    cJSON *j = json_out("validate samples/clarifai/annotations-page.json --only-user-ids bob "
                        "--json", &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(count(j, "objects_written"), 1);
    CU_ASSERT_EQUAL(count(j, "objects_filtered"), 3);
    cJSON_Delete(j);
}

/* without sizes, a pixel format rejects; */
static void test_export_pixel_format_needs_sizes(void)
{
    const char *d = t_dir("export_no_sizes");
    char args[2048];
    int rc;
    snprintf(args, sizeof args, "convert samples/clarifai/annotations-page.json --to voc -o %s/voc "
             "--json --allow-empty", d);
    cJSON *j = json_out(args, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "rejects"),
                                        "missing_image_size")->valueint, 1);
    cJSON_Delete(j);
}

/* YOLO needs none */
static void test_export_yolo_needs_no_sizes(void)
{
    const char *d = t_dir("export_yolo_no_sizes");
    char args[2048];
    snprintf(args, sizeof args, "convert samples/clarifai/annotations-page.json --to yolo -o %s/yolo "
             "--quiet", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    char *lab = t_read(t_path(d, "yolo/labels/img-1.txt"), NULL);
    T_ASSERT_STR(lab, "0 0.5 0.25 0.5 0.5\n1 0.1 0.1 0.3 0.1 0.2 0\n");
    free(lab);
}

/* --sizes gives them too */
static void test_export_sizes_file(void)
{
    const char *d = t_dir("export_sizes");
    char args[2048];
    t_write(t_path(d, "sizes.csv"), "input_id,width,height\nimg-1,400,200\n");
    snprintf(args, sizeof args, "convert samples/clarifai/annotations-page.json --to voc -o %s/voc2 "
             "--sizes %s/sizes.csv --quiet", d, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    char *xml = t_read(t_path(d, "voc2/Annotations/img-1.xml"), NULL);
    CU_ASSERT_PTR_NOT_NULL(xml ? strstr(xml, "<xmin>101</xmin>") : NULL);
    CU_ASSERT_PTR_NOT_NULL(xml ? strstr(xml, "<xmax>300</xmax>") : NULL);
    CU_ASSERT_PTR_NOT_NULL(xml ? strstr(xml, "<name>Dog</name>") : NULL);
    free(xml);
}

static void test_export_ids_are_kept(void)
{
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(ap_option_set(ctx, "include-model-annotations", NULL), AP_OK);
    const char *in[1] = {"samples/clarifai/annotations-page.json"};
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL_FATAL(cap.n, 4);
    T_ASSERT_STR(cap.v[0].src_id, "a1");
    T_ASSERT_STR(cap.v[0].region_id, "r1");
    T_ASSERT_STR(cap.v[0].input, "img-1"); /* a Clarifai input id is kept as it is */
    CU_ASSERT_EQUAL(cap.v[0].box.top, 0);  /* left out: protobuf's zero */
    T_ASSERT_STR(cap.v[1].region_id, "r2");
    CU_ASSERT_EQUAL(cap.v[1].kind, AP_REGION_POLYGON);
    CU_ASSERT_EQUAL(cap.v[1].npoints, 3);
    T_ASSERT_STR(cap.v[2].concept, "outdoor");
    CU_ASSERT_EQUAL(cap.v[2].value, 1);
    T_ASSERT_STR(cap.v[3].concept, "indoor");
    CU_ASSERT_EQUAL(cap.v[3].value, 0);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* a page whose status is a failure */
static void test_export_failed_page(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate tests/data/clarifai/failed.json", NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "failed.json:") : NULL);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "Failure") : NULL);
    free(err);
}

static void test_export_truncated_page(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate --from clarifai tests/data/clarifai/truncated.json", NULL,
                          &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "truncated.json:1:") : NULL);
    free(err);
}

static void test_export_annotation_without_input_id(void)
{
    char *err = NULL;
    const char *d = t_dir("export_bad");
    t_write(t_path(d, "noid.json"), "{\"annotations\":[{\"data\":{}}]}");
    char args[1200];
    snprintf(args, sizeof args, "validate --from clarifai %s/noid.json", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "has no input_id") : NULL);
    free(err);
}

/* Boxes of a capture, compared pairwise. */
static int same_boxes(const t_capture *a, const t_capture *b, double tol)
{
    if (a->n != b->n) {
        fprintf(stderr, "\n%zu annotations against %zu\n", a->n, b->n);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        const t_ann *x = &a->v[i], *y = &b->v[i];
        if (strcmp(x->input, y->input) || strcmp(x->concept, y->concept) ||
            fabs(x->box.left - y->box.left) > tol || fabs(x->box.top - y->box.top) > tol ||
            fabs(x->box.right - y->box.right) > tol ||
            fabs(x->box.bottom - y->box.bottom) > tol) {
            fprintf(stderr, "\nannotation %zu: %s %s %.17g,%.17g,%.17g,%.17g against %s %s "
                    "%.17g,%.17g,%.17g,%.17g\n", i, x->input, x->concept, x->box.left,
                    x->box.top, x->box.right, x->box.bottom, y->input, y->concept, y->box.left,
                    y->box.top, y->box.right, y->box.bottom);
            return 0;
        }
    }
    return 1;
}

/* VOC -> Clarifai -> VOC under one --voc-edges convention. */
static void voc_round_trip(const char *edge, ap_voc_edges ev)
{
    const char *d = t_dir("export_voc");
    char args[2048], back[1024];
    snprintf(args, sizeof args, "convert samples/voc --images samples/voc/JPEGImages "
             "--voc-edges %s -o %s/clarifai --quiet", edge, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    snprintf(args, sizeof args, "convert %s/clarifai --to voc --voc-edges %s -o %s/voc "
             "--quiet", d, edge, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    /* the same integers and decimals in the XML (pose and flags have no
     * place in a Clarifai request, so they do not come back) */
    snprintf(back, sizeof back, "%s/voc/Annotations/000001.xml", d);
    char *xml = t_read(back, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(xml);
    const char *want[] = {"<xmin>71</xmin>", "<ymin>252</ymin>", "<xmax>216</xmax>",
                          "<ymax>314</ymax>", "<xmin>8.25</xmin>", "<ymax>201.5</ymax>",
                          "<filename>000001.jpg</filename>", "<width>500</width>"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(xml, want[i]))
            fprintf(stderr, "\n--voc-edges %s: no %s in\n%s\n", edge, want[i], xml);
        CU_ASSERT_PTR_NOT_NULL(strstr(xml, want[i]));
    }
    free(xml);
    /* read back: the same annotations */
    ap_context *ctx = t_ctx();
    ctx->opt.voc_edges = ev;
    ctx->opt.images_dir = "samples/voc/JPEGImages";
    t_capture a, b;
    const char *in1[1] = {"samples/voc"};
    char vp[1100];
    snprintf(vp, sizeof vp, "%s/voc", d);
    const char *in2[1] = {vp};
    CU_ASSERT_EQUAL(t_capture_run(ctx, in1, 1, &a), AP_OK);
    CU_ASSERT_EQUAL(t_capture_run(ctx, in2, 1, &b), AP_OK);
    CU_ASSERT_TRUE(same_boxes(&a, &b, 1e-15));
    t_capture_free(&a);
    t_capture_free(&b);
    ap_context_free(ctx);
}

static void test_export_voc_round_trip_inclusive(void)
{
    voc_round_trip("inclusive", AP_VOC_INCLUSIVE);
}

static void test_export_voc_round_trip_zero_based(void)
{
    voc_round_trip("zero-based", AP_VOC_ZERO_BASED);
}

static void test_export_voc_round_trip_clarifai_sdk(void)
{
    voc_round_trip("clarifai-sdk", AP_VOC_CLARIFAI_SDK);
}

static void test_export_coco_round_trip(void)
{
    const char *d = t_dir("export_coco");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s '%s/tools/gen_dataset.py' --images 150 --seed 4 --quiet "
             "--out '%s/in.json' && %s convert '%s/in.json' -o '%s/clarifai' --quiet && "
             "%s convert '%s/clarifai' --to coco -o '%s/coco' --quiet", t_python(), t_shared(),
             d, t_bin(), d, d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    cJSON *a = t_json(t_path(d, "in.json")), *b = t_json(t_path(d, "coco/annotations.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    cJSON *aa = cJSON_GetObjectItem(a, "annotations"), *ba = cJSON_GetObjectItem(b, "annotations");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(aa), cJSON_GetArraySize(ba));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(a, "images")),
                    cJSON_GetArraySize(cJSON_GetObjectItem(b, "images")));
    double worst = 0;
    for (cJSON *x = aa->child, *y = ba->child; x && y; x = x->next, y = y->next)
        for (int k = 0; k < 4; k++) {
            double dx = fabs(cJSON_GetArrayItem(cJSON_GetObjectItem(x, "bbox"), k)->valuedouble -
                             cJSON_GetArrayItem(cJSON_GetObjectItem(y, "bbox"), k)->valuedouble);
            worst = fmax(worst, dx);
        }
    CU_ASSERT(worst <= 1e-3);
    cJSON_Delete(a);
    cJSON_Delete(b);
    /* the writer's output read back by the COCO reader: the same annotations */
    ap_context *ctx = t_ctx();
    t_capture x, y;
    char p1[1100], p2[1100];
    snprintf(p1, sizeof p1, "%s/clarifai", d);
    snprintf(p2, sizeof p2, "%s/coco/annotations.json", d);
    const char *i1[1] = {p1}, *i2[1] = {p2};
    CU_ASSERT_EQUAL(t_capture_run(ctx, i1, 1, &x), AP_OK);
    CU_ASSERT_EQUAL(t_capture_run(ctx, i2, 1, &y), AP_OK);
    CU_ASSERT_TRUE(same_boxes(&x, &y, 1e-9));
    t_capture_free(&x);
    t_capture_free(&y);
    ap_context_free(ctx);
}

/* the raccoon CSV comes back byte for byte */
static void test_export_csv_round_trip(void)
{
    const char *d = t_dir("export_csv");
    char src[1024], cmd[4096];
    snprintf(src, sizeof src, "%s/corpus/datitran__raccoon_dataset/data/raccoon_labels.csv",
             t_shared());
    snprintf(cmd, sizeof cmd, "%s convert '%s' -o '%s/clarifai' --quiet && %s convert "
             "'%s/clarifai' --to csv -o '%s/csv' --quiet", t_bin(), src, d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    CU_ASSERT_TRUE(t_same_file(src, t_path(d, "csv/annotations.csv")));
}

/* a label a spreadsheet would run is defused, and read back as it was */
static void test_export_csv_formula_defused(void)
{
    const char *d = t_dir("export_csv_formula");
    char cmd[4096];
    t_write(t_path(d, "f.csv"), "filename,width,height,class,xmin,ymin,xmax,ymax\n"
                                "a.jpg,10,10,=SUM(A1),1,1,5,5\n");
    snprintf(cmd, sizeof cmd, "%s convert '%s/f.csv' -o '%s/fc' --quiet && %s convert '%s/fc' "
             "--to csv -o '%s/f2' --quiet && %s convert '%s/f2/annotations.csv' -o '%s/f3' "
             "--quiet", t_bin(), d, d, t_bin(), d, d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    char *text = t_read(t_path(d, "f2/annotations.csv"), NULL);
    CU_ASSERT_PTR_NOT_NULL(text ? strstr(text, ",\"'=SUM(A1)\",") : NULL);
    free(text);
    text = t_read(t_path(d, "f3/requests/post-annotations-000001.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL(text ? strstr(text, "\"name\":\"=SUM(A1)\"") : NULL);
    free(text);
}

/* AutoML: normalized, no sizes needed, images without objects kept, each
 * with its set and its path (a gs:// URI whole) */
static void test_export_csv_automl_round_trip(void)
{
    const char *d = t_dir("export_csv_automl");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s convert samples/csv/automl.csv -o '%s/am' --quiet && %s "
             "convert '%s/am' --to csv --csv-dialect automl -o '%s/am2' --quiet", t_bin(), d,
             t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    char *text = t_read(t_path(d, "am2/annotations.csv"), NULL);
    T_ASSERT_STR(text, "TRAIN,gs://my-bucket/salads/img1.jpg,Salad,0.1,0.2,,,0.5,0.6,,\n"
                       "TRAIN,gs://my-bucket/salads/img1.jpg,Baked Goods,0,0,,,1,1,,\n"
                       "TEST,salads/img2.jpg,Tomato,0.2,0.1,,,0.6,0.5,,\n"
                       "VALIDATION,salads/img3.jpg,,,,,,,,,\n"
                       "UNASSIGNED,salads/img4.jpg,,,,,,,,,\n");
    free(text);
}

static void test_export_yolo_by_hand(void)
{
    const char *d = t_dir("export_yolo");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s convert samples/expected/coco --to yolo -o '%s/y' --quiet",
             t_bin(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    /* the cup [100, 120, 50.5, 40] on 640 x 480: cx = 125.25 / 640, cy = 140 / 480,
     * w = 50.5 / 640, h = 40 / 480 */
    char *lab = t_read(t_path(d, "y/labels/kitchen/0001.txt"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lab);
    double c, v[4];
    CU_ASSERT_EQUAL(sscanf(lab, "%lf %lf %lf %lf %lf", &c, &v[0], &v[1], &v[2], &v[3]), 5);
    CU_ASSERT_EQUAL(c, 0);
    CU_ASSERT_DOUBLE_EQUAL(v[0], 125.25 / 640, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(v[1], 140.0 / 480, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(v[2], 50.5 / 640, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(v[3], 40.0 / 480, 1e-12);
    free(lab);
    char *classes = t_read(t_path(d, "y/classes.txt"), NULL);
    T_ASSERT_STR(classes, "cup\ncat\nCaf\xc3\xa9 sign\n");
    free(classes);
    char *yaml = t_read(t_path(d, "y/data.yaml"), NULL);
    CU_ASSERT_PTR_NOT_NULL(yaml ? strstr(yaml, "nc: 3\nnames:\n  0: \"cup\"\n") : NULL);
    free(yaml);
}

/* the image without objects has an empty label file */
static void test_export_yolo_empty_label_file(void)
{
    const char *d = t_dir("export_yolo_empty");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s convert samples/expected/coco --to yolo -o '%s/y' --quiet",
             t_bin(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    size_t len = 99;
    char *empty = t_read(t_path(d, "y/labels/empty.txt"), &len);
    CU_ASSERT_PTR_NOT_NULL(empty);
    CU_ASSERT_EQUAL(len, 0);
    free(empty);
}

/* The Python SDK's Dataset.export() layout: SPLIT/annotations/ID.json,
 * a list of the input's metadata, regions and concepts in camelCase. */
static void test_export_sdk_layout(void)
{
    const char *d = t_dir("export_sdk");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "convert tests/data/clarifai/sdk-export -o '%s/out' --quiet", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
    char *r = t_read(t_path(d, "out/requests/post-annotations-000001.json"), NULL);
    T_ASSERT_STR(r, "{\"annotations\":[{\"input_id\":\"img-7f3a\",\"data\":{\"regions\":[{"
                    "\"region_info\":{\"bounding_box\":{\"top_row\":0.1,\"left_col\":0.2,"
                    "\"bottom_row\":0.5,\"right_col\":0.6}},\"data\":{\"concepts\":[{\"id\":"
                    "\"dog\",\"name\":\"dog\",\"value\":1}]}}]}},{\"input_id\":\"img-7f3a\","
                    "\"data\":{\"regions\":[{\"region_info\":{\"polygon\":{\"points\":[{"
                    "\"row\":0.1,\"col\":0.1},{\"row\":0.2,\"col\":0.4},{\"row\":0.3,\"col\":"
                    "0.3}]}},\"data\":{\"concepts\":[{\"id\":\"cat\",\"name\":\"cat\","
                    "\"value\":1}]}}]}},{\"input_id\":\"img-7f3a\",\"data\":{\"concepts\":[{"
                    "\"id\":\"outdoor\",\"name\":\"outdoor\",\"value\":1}]}},{\"input_id\":"
                    "\"img-99\",\"data\":{\"concepts\":[{\"id\":\"indoor\",\"name\":"
                    "\"indoor\",\"value\":1}]}}]}\n");
    free(r);
    char *m = t_read(t_path(d, "out/manifest.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL(m ? strstr(m, "{\"id\":\"img-7f3a\",\"file_name\":\"dog.jpg\"") : NULL);
    free(m);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out"), NULL), 0);
}

CU_TestInfo export_tests[] = {
    {"test_export_sdk_layout", test_export_sdk_layout},
    {"test_export_list_pages", test_export_list_pages},
    {"test_export_model_annotations_on_request", test_export_model_annotations_on_request},
    {"test_export_only_user_ids", test_export_only_user_ids},
    {"test_export_pixel_format_needs_sizes", test_export_pixel_format_needs_sizes},
    {"test_export_yolo_needs_no_sizes", test_export_yolo_needs_no_sizes},
    {"test_export_sizes_file", test_export_sizes_file},
    {"test_export_ids_are_kept", test_export_ids_are_kept},
    {"test_export_failed_page", test_export_failed_page},
    {"test_export_truncated_page", test_export_truncated_page},
    {"test_export_annotation_without_input_id", test_export_annotation_without_input_id},
    {"test_export_voc_round_trip_inclusive", test_export_voc_round_trip_inclusive},
    {"test_export_voc_round_trip_zero_based", test_export_voc_round_trip_zero_based},
    {"test_export_voc_round_trip_clarifai_sdk", test_export_voc_round_trip_clarifai_sdk},
    {"test_export_coco_round_trip", test_export_coco_round_trip},
    {"test_export_csv_round_trip", test_export_csv_round_trip},
    {"test_export_csv_formula_defused", test_export_csv_formula_defused},
    {"test_export_csv_automl_round_trip", test_export_csv_automl_round_trip},
    {"test_export_yolo_by_hand", test_export_yolo_by_hand},
    {"test_export_yolo_empty_label_file", test_export_yolo_empty_label_file},
    CU_TEST_INFO_NULL,
};
