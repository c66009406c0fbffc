/*
 * test_voc.c: the Pascal VOC reader: fields, layouts, conventions, broken
 * and hostile XML.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void test_voc_fields(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"samples/voc"};
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    T_ASSERT_STR(ctx->detail, "");
    CU_ASSERT_EQUAL_FATAL(cap.n, 3);
    /* 000001: the dog, in the default (inclusive) convention */
    T_ASSERT_STR(cap.v[0].input, "000001");
    T_ASSERT_STR(cap.v[0].concept, "dog");
    T_ASSERT_STR(cap.v[0].pose, "Left");
    CU_ASSERT_EQUAL(cap.v[0].box.left, 70.0 / 500);
    CU_ASSERT_EQUAL(cap.v[0].box.top, 251.0 / 375);
    CU_ASSERT_EQUAL(cap.v[0].box.right, 216.0 / 500);
    CU_ASSERT_EQUAL(cap.v[0].box.bottom, 314.0 / 375);
    CU_ASSERT_EQUAL(cap.v[0].line, 10);
    /* the person: children in another order, floats wrapped in white space */
    T_ASSERT_STR(cap.v[1].concept, "person");
    CU_ASSERT_EQUAL(cap.v[1].difficult, 1);
    T_ASSERT_STR(cap.v[1].pose, "");
    CU_ASSERT_EQUAL(cap.v[1].box.left, 7.25 / 500);
    CU_ASSERT_EQUAL(cap.v[1].box.top, 11.0 / 375);
    CU_ASSERT_EQUAL(cap.v[1].box.right, 44.0 / 500);
    CU_ASSERT_EQUAL(cap.v[1].box.bottom, 201.5 / 375);
    /* 000003: flags, and a box from pixel 1 to pixel W covering the image */
    T_ASSERT_STR(cap.v[2].name, "Traffic Light");
    T_ASSERT_STR(cap.v[2].concept, "traffic-light");
    CU_ASSERT_EQUAL(cap.v[2].truncated, 1);
    CU_ASSERT_EQUAL(cap.v[2].occluded, 1);
    CU_ASSERT_EQUAL(cap.v[2].difficult, 0);
    CU_ASSERT_EQUAL(cap.v[2].box.left, 0);
    CU_ASSERT_EQUAL(cap.v[2].box.right, 1);
    CU_ASSERT_EQUAL(cap.v[2].box.bottom, 1);
    /* 000002 has no size: rejected */
    CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 1);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* clarifai-sdk and zero-based conventions on the same file */
static void test_voc_edges_clarifai_sdk(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"samples/voc"};
    t_capture cap;
    ctx->opt.voc_edges = AP_VOC_CLARIFAI_SDK;
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL(cap.v[0].box.left, 0.14);
    CU_ASSERT_EQUAL(cap.v[0].box.right, 215.0 / 500);
    CU_ASSERT_EQUAL(cap.v[0].box.bottom, 313.0 / 375);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_voc_edges_zero_based(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"samples/voc"};
    t_capture cap;
    ctx->opt.voc_edges = AP_VOC_ZERO_BASED;
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL(cap.v[0].box.left, 71.0 / 500);
    CU_ASSERT_EQUAL(cap.v[0].box.right, 216.0 / 500);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_voc_split(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"samples/voc"};
    t_capture cap;
    /* "# images for training", a blank line, 000001, 000003 */
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "train"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.inputs, 2);
    CU_ASSERT_EQUAL(cap.n, 3);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_voc_missing_split_named(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"samples/voc"};
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "nope"), AP_OK);
    CU_ASSERT_EQUAL(t_capture_run(ctx, in, 1, &cap), AP_ENOINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "ImageSets/Main/nope.txt"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* --images: 000002's size from its JPEG header (640x480) */
static void test_voc_size_from_image_header(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"samples/voc"};
    t_capture cap;
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "val"), AP_OK);
    ctx->opt.images_dir = "samples/voc/JPEGImages";
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL_FATAL(cap.n, 1);
    CU_ASSERT_EQUAL(cap.v[0].box.left, 9.0 / 640);
    CU_ASSERT_EQUAL(cap.v[0].box.bottom, 220.0 / 480);
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static int convert_voc(const char *xml_text, ap_context *ctx, const char **outp)
{
    const char *d = t_dir("voc_case");
    char in[1024];
    snprintf(in, sizeof in, "%s/a.xml", d);
    t_write(in, xml_text);
    const char *out = t_path(d, "out");
    if (outp)
        *outp = out;
    const char *inputs[1] = {in};
    return ap_run(ctx, AP_RUN_CONVERT, inputs, 1, out, NULL);
}

static void test_voc_bndbox_missing_child(void)
{
    ap_context *ctx = t_ctx();
    const char *out;
    CU_ASSERT_EQUAL(convert_voc("<annotation>\n<object>\n<name>x</name>\n<bndbox><xmin>1</xmin>"
                                "<ymin>1</ymin><xmax>2</xmax></bndbox></object></annotation>",
                                ctx, &out), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "a.xml:4: <bndbox> has no <ymax>"));
    CU_ASSERT_FALSE(t_exists(out));
    ap_context_free(ctx);
}

static void test_voc_size_not_a_number(void)
{
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(convert_voc("<annotation>\n<size><width>ten</width></size></annotation>",
                                ctx, NULL), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "a.xml:2: <size><width>"));
    ap_context_free(ctx);
}

static void test_voc_difficult_flag_out_of_range(void)
{
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(convert_voc("<annotation>\n<object><name>x</name><difficult>2</difficult>"
                                "<bndbox/></object></annotation>", ctx, NULL), AP_EDATA);
    ap_context_free(ctx);
}

/* not well-formed: file, line and column from libxml2 */
static void test_voc_not_well_formed(void)
{
    ap_context *ctx = t_ctx();
    ctx->opt.from = "voc";
    CU_ASSERT_EQUAL(convert_voc("<annotation>\n  <object>\n</annotation>", ctx, NULL), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "a.xml:3:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "invalid XML"));
    ap_context_free(ctx);
}

static void test_voc_wrong_root_element(void)
{
    ap_context *ctx = t_ctx();
    ctx->opt.from = "voc";
    CU_ASSERT_EQUAL(convert_voc("<annotations><image/></annotations>", ctx, NULL), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "root element is <annotations>"));
    ap_context_free(ctx);
}

/* a coordinate that is not a number: a reject with its line (the only
 * object: the output is wanted all the same) */
static void test_voc_coordinate_not_a_number_rejected(void)
{
    ap_context *ctx = t_ctx();
    const char *out;
    ctx->opt.allow_empty = 1;
    CU_ASSERT_EQUAL(convert_voc("<annotation><size><width>9</width><height>9</height></size>\n"
                                "<object><name>x</name><bndbox><xmin>a</xmin><ymin>1</ymin>"
                                "<xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>",
                                ctx, &out), AP_OK);
    char *rj = t_read(t_path(out, "rejects.jsonl"), NULL);
    CU_ASSERT_PTR_NOT_NULL(rj ? strstr(rj, "\"line\":2") : NULL);
    CU_ASSERT_PTR_NOT_NULL(rj ? strstr(rj, "\"reason\":\"invalid_coordinate\"") : NULL);
    free(rj);
    ap_context_free(ctx);
}

/* an empty <annotation>: an input named after the file, no objects */
static void test_voc_empty_annotation(void)
{
    ap_context *ctx = t_ctx();
    const char *out;
    ctx->opt.allow_empty = 1;
    CU_ASSERT_EQUAL(convert_voc("<annotation></annotation>", ctx, &out), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.inputs, 1);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 0);
    ap_context_free(ctx);
}

/* an external entity naming a file beside it: never read */
static void test_voc_external_entity_not_read(void)
{
    ap_context *ctx = t_ctx();
    ctx->opt.from = "voc";
    const char *out = t_path(t_dir("voc_hostile"), "out");
    const char *xxe[1] = {"tests/data/voc/xxe.xml"};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, xxe, 1, out, NULL), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "xxe.xml:9"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "&secret;"));
    CU_ASSERT_PTR_NULL(strstr(ctx->errmsg, "ANNOPORT-SECRET"));
    CU_ASSERT_FALSE(t_exists(out));
    ap_context_free(ctx);
}

/* the same through the CLI: nothing of the file on any output */
static void test_voc_external_entity_not_read_by_cli(void)
{
    char *o = NULL, *e = NULL;
    CU_ASSERT_EQUAL(t_cli("validate --from voc tests/data/voc/xxe.xml", &o, &e), 65);
    CU_ASSERT_PTR_NULL(o ? strstr(o, "ANNOPORT-SECRET") : NULL);
    CU_ASSERT_PTR_NULL(e ? strstr(e, "ANNOPORT-SECRET") : NULL);
    free(o);
    free(e);
}

/* a billion-laughs bomb: refused by the parser */
static void test_voc_entity_bomb_refused(void)
{
    ap_context *ctx = t_ctx();
    ctx->opt.from = "voc";
    const char *out = t_path(t_dir("voc_bomb"), "out");
    const char *bomb[1] = {"tests/data/voc/bomb.xml"};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, bomb, 1, out, NULL), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "bomb.xml:"));
    CU_ASSERT_FALSE(t_exists(out));
    ap_context_free(ctx);
}

static void test_voc_probe_is_not_labelme_or_cvat(void)
{
    const char *d = t_dir("voc_probe");
    t_write(t_path(d, "labelme.xml"), "<annotation><filename>a.jpg</filename><imagesize>"
                                      "<nrows>5</nrows><ncols>10</ncols></imagesize></annotation>");
    ap_context *ctx = t_ctx();
    const char *in[1] = {t_path(d, "labelme.xml")};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_VALIDATE, in, 1, NULL, NULL), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "not a dataset annoport can read"));
    ap_context_free(ctx);
}

/* CVAT's split lists: a line is a name, spaces and all (CRLF too); a
 * per-class list's line is a name and a flag. */
static void test_voc_cvat_split_names_with_spaces(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"tests/data/voc/cvat"};
    t_capture cap;
    /* "Screenshot (573)", "Screenshot (575)" */
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "default"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.inputs, 2);
    CU_ASSERT_EQUAL(ctx->warnings, 1); /* the hint below, and no missing file */
    CU_ASSERT_EQUAL_FATAL(cap.n, 4);
    T_ASSERT_STR(cap.v[0].input, "screenshot_573");
    T_ASSERT_STR(cap.v[1].input, "screenshot_575");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

static void test_voc_cvat_per_class_split(void)
{
    ap_context *ctx = t_ctx();
    const char *in[1] = {"tests/data/voc/cvat"};
    t_capture cap;
    /* "Screenshot (574)  1", "Screenshot (573) -1" */
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "cat_default"), AP_OK);
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL_FATAL(cap.n, 2);
    T_ASSERT_STR(cap.v[0].input, "screenshot_574");
    T_ASSERT_STR(cap.v[1].input, "screenshot_573");
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* A VOC coordinate of 0 cannot be 1-based: once, the convention that fits. */
static void test_voc_zero_coordinate_hint(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate tests/data/voc/cvat --json", NULL, &err), 0);
    T_ASSERT_STR(err, "annoport: warning: tests/data/voc/cvat/Annotations/Screenshot (573).xml:12: "
                      "<xmin> is 0, below 1, where VOC counts pixels from 1 (--voc-edges "
                      "inclusive, the default); datasets whose coordinates start at 0 (CVAT and "
                      "other tools write them) read right with --voc-edges zero-based\n");
    free(err);
}

/* --voc-edges zero-based: no hint, nothing clamped */
static void test_voc_zero_based_reads_cvat(void)
{
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate tests/data/voc/cvat --json --voc-edges zero-based", &out,
                          &err), 0);
    T_ASSERT_STR(err, "");
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "\"clamped\":0") : NULL);
    free(out);
    free(err);
}

CU_TestInfo voc_tests[] = {
    {"test_voc_cvat_split_names_with_spaces", test_voc_cvat_split_names_with_spaces},
    {"test_voc_cvat_per_class_split", test_voc_cvat_per_class_split},
    {"test_voc_zero_coordinate_hint", test_voc_zero_coordinate_hint},
    {"test_voc_zero_based_reads_cvat", test_voc_zero_based_reads_cvat},
    {"test_voc_fields", test_voc_fields},
    {"test_voc_edges_clarifai_sdk", test_voc_edges_clarifai_sdk},
    {"test_voc_edges_zero_based", test_voc_edges_zero_based},
    {"test_voc_split", test_voc_split},
    {"test_voc_missing_split_named", test_voc_missing_split_named},
    {"test_voc_size_from_image_header", test_voc_size_from_image_header},
    {"test_voc_bndbox_missing_child", test_voc_bndbox_missing_child},
    {"test_voc_size_not_a_number", test_voc_size_not_a_number},
    {"test_voc_difficult_flag_out_of_range", test_voc_difficult_flag_out_of_range},
    {"test_voc_not_well_formed", test_voc_not_well_formed},
    {"test_voc_wrong_root_element", test_voc_wrong_root_element},
    {"test_voc_coordinate_not_a_number_rejected", test_voc_coordinate_not_a_number_rejected},
    {"test_voc_empty_annotation", test_voc_empty_annotation},
    {"test_voc_external_entity_not_read", test_voc_external_entity_not_read},
    {"test_voc_external_entity_not_read_by_cli", test_voc_external_entity_not_read_by_cli},
    {"test_voc_entity_bomb_refused", test_voc_entity_bomb_refused},
    {"test_voc_probe_is_not_labelme_or_cvat", test_voc_probe_is_not_labelme_or_cvat},
    CU_TEST_INFO_NULL,
};
