/*
 * test_input.c: where inputs come from: zip archives read in place (and
 * hostile member names), folders holding several formats, image sizes from
 * JPEG and PNG headers, and the same dataset in three formats (and its
 * YOLO export, read back) giving the same annotations.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "helpers.h"
#include "internal.h"

static void make_zip(const char *path, const char *const *names, const char *const *texts,
                     int n)
{
    int err = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(za);
    for (int i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(za, texts[i], strlen(texts[i]), 0);
        CU_ASSERT_TRUE(zip_file_add(za, names[i], s, ZIP_FL_OVERWRITE) >= 0);
    }
    CU_ASSERT_EQUAL(zip_close(za), 0);
}

static void test_input_zip_in_place(void)
{
    /* the VOC sample, zipped under a top folder, with --split */
    const char *d = t_dir("input_zip");
    char zp[1024];
    snprintf(zp, sizeof zp, "%s/voc.zip", d);
    const char *names[] = {"data/Annotations/000001.xml", "data/Annotations/000003.xml",
                           "data/ImageSets/Main/train.txt", "data/readme.md"};
    char *a1 = t_read("samples/voc/Annotations/000001.xml", NULL);
    char *a3 = t_read("samples/voc/Annotations/000003.xml", NULL);
    const char *texts[] = {a1, a3, "000003\n000001\n", "not a dataset"};
    make_zip(zp, names, texts, 4);
    free(a1);
    free(a3);
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(ap_option_set(ctx, "split", "train"), AP_OK);
    const char *in[1] = {zp};
    t_capture cap;
    CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap), AP_OK);
    CU_ASSERT_EQUAL_FATAL(cap.n, 3);
    T_ASSERT_STR(cap.v[0].input, "000003"); /* the split's order */
    T_ASSERT_STR(cap.v[1].input, "000001");
    CU_ASSERT_EQUAL(cap.v[1].box.left, 70.0 / 500);
    t_capture_free(&cap);
    /* nothing was extracted beside the archive */
    CU_ASSERT_EQUAL(t_count_entries(d), 1);
    ap_context_free(ctx);
}

/* a message about a member names the archive and the member */
static void test_input_zip_member_error_names_both(void)
{
    const char *d = t_dir("input_zip_member");
    char zp[1024];
    const char *bad_names[] = {"x/a.xml"};
    const char *bad_texts[] = {"<annotation><object><name>x</name></object></annotation>"};
    snprintf(zp, sizeof zp, "%s/bad.zip", d);
    make_zip(zp, bad_names, bad_texts, 1);
    ap_context *ctx = t_ctx();
    const char *in[1] = {zp};
    t_capture cap;
    CU_ASSERT_EQUAL(t_capture_run(ctx, in, 1, &cap), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "bad.zip:x/a.xml:1: <object> \"x\" has no "
                                               "<bndbox>"));
    t_capture_free(&cap);
    ap_context_free(ctx);
}

/* A zip whose second member's name would land outside the output: refused
 * (65, the name said), nothing written anywhere. */
static void hostile_member(const char *dir, const char *name)
{
    const char *d = t_dir(dir);
    char zp[1024], args[2200], *err = NULL;
    snprintf(zp, sizeof zp, "%s/h.zip", d);
    const char *names[] = {"ok.json", name};
    const char *texts[] = {"{\"images\":[],\"annotations\":[],\"categories\":[]}", "{}"};
    make_zip(zp, names, texts, 2);
    snprintf(args, sizeof args, "convert '%s' -o '%s/out'", zp, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, name) : NULL);
    free(err);
    /* nothing written anywhere: the archive only */
    CU_ASSERT_EQUAL(t_count_entries(d), 1);
    CU_ASSERT_FALSE(t_exists(t_path(d, "../evil.json")));
}

static void test_input_zip_member_in_parent_refused(void)
{
    hostile_member("input_zip_parent", "../evil.json");
}

static void test_input_zip_member_absolute_refused(void)
{
    hostile_member("input_zip_absolute", "/abs/evil.json");
}

static void test_input_zip_member_climbing_out_refused(void)
{
    hostile_member("input_zip_climbing", "a/../../evil.json");
}

/* A CSV at the top and COCO files deeper (expected outputs). */
static const char *mixed_folder(const char *name)
{
    const char *d = t_dir(name);
    t_write(t_path(d, "a.csv"), "TRAIN,x.jpg,cat,0.1,0.1,,,0.5,0.5,,\n");
    char sub[1024];
    snprintf(sub, sizeof sub, "mkdir -p '%s/json_files'", d);
    CU_ASSERT_EQUAL(t_sh(sub, NULL, NULL), 0);
    t_write(t_path(d, "json_files/out.json"),
            "{\"images\":[],\"annotations\":[],\"categories\":[]}");
    return d;
}

/* the CSV at the top is read */
static void test_input_folder_format_at_the_top(void)
{
    const char *d = mixed_folder("input_mixed");
    ap_context *ctx = t_ctx();
    ap_result res;
    const char *in[1] = {d};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_VALIDATE, in, 1, NULL, &res), AP_OK);
    T_ASSERT_STR(res.format, "csv");
    CU_ASSERT_EQUAL(res.detected, 1);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 1);
    ap_result_free(&res);
    ap_context_free(ctx);
}

/* two formats side by side: ask for --from */
static void test_input_folder_two_formats_need_from(void)
{
    const char *d = mixed_folder("input_two_formats");
    ap_context *ctx = t_ctx();
    const char *in[1] = {d};
    t_write(t_path(d, "b.json"), "{\"images\":[],\"annotations\":[],\"categories\":[]}");
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_VALIDATE, in, 1, NULL, NULL), AP_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "--from"));
    ap_context_free(ctx);
}

static void test_input_folder_from_chooses(void)
{
    const char *d = mixed_folder("input_from_chooses");
    ap_context *ctx = t_ctx();
    const char *in[1] = {d};
    t_write(t_path(d, "b.json"), "{\"images\":[],\"annotations\":[],\"categories\":[]}");
    ctx->opt.from = "coco";
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_VALIDATE, in, 1, NULL, NULL), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 0);
    ap_context_free(ctx);
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(b, 1, n, f);
    fclose(f);
}

/* PNG: IHDR 300 x 200 */
static void test_input_png_size(void)
{
    const char *d = t_dir("input_png");
    int64_t w = 0, h = 0;
    const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                 'I', 'H', 'D', 'R', 0, 0, 0x01, 0x2c, 0, 0, 0, 0xc8, 8, 2, 0, 0,
                                 0};
    write_bytes(t_path(d, "a.png"), png, sizeof png);
    CU_ASSERT_EQUAL(ap_image_size(t_path(d, "a.png"), &w, &h), 1);
    CU_ASSERT_EQUAL(w, 300);
    CU_ASSERT_EQUAL(h, 200);
}

/* JPEG: APP0 (JFIF), then a progressive SOF2 of 640 x 480 */
static const unsigned char progressive_jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc2,
    0, 11, 8, 0x01, 0xe0, 0x02, 0x80, 1, 1, 0x11, 0, 0xff, 0xd9};

static void test_input_jpeg_size(void)
{
    const char *d = t_dir("input_jpeg");
    int64_t w = 0, h = 0;
    write_bytes(t_path(d, "b.jpg"), progressive_jpeg, sizeof progressive_jpeg);
    CU_ASSERT_EQUAL(ap_image_size(t_path(d, "b.jpg"), &w, &h), 1);
    CU_ASSERT_EQUAL(w, 640);
    CU_ASSERT_EQUAL(h, 480);
}

/* JPEG with EXIF orientation 6 (rotated 90 degrees): shown as 480 x 640 */
static const unsigned char exif_jpeg[] = {
    0xff, 0xd8, 0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0, 42, 0, 0, 0, 8,             /* big-endian TIFF, IFD0 at 8 */
    0, 1,                                    /* one entry */
    0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, /* orientation = 6 */
    0, 0, 0, 0,                              /* no next IFD */
    0xff, 0xc0, 0, 11, 8, 0x01, 0xe0, 0x02, 0x80, 1, 1, 0x11, 0, 0xff, 0xd9};

static void test_input_jpeg_exif_rotation_swaps(void)
{
    const char *d = t_dir("input_exif");
    int64_t w = 0, h = 0;
    write_bytes(t_path(d, "c.jpg"), exif_jpeg, sizeof exif_jpeg);
    CU_ASSERT_EQUAL(ap_image_size(t_path(d, "c.jpg"), &w, &h), 1);
    CU_ASSERT_EQUAL(w, 480);
    CU_ASSERT_EQUAL(h, 640);
}

/* the same with little-endian TIFF and orientation 3 (upside down): no swap */
static void test_input_jpeg_exif_upside_down_keeps(void)
{
    const char *d = t_dir("input_exif_le");
    int64_t w = 0, h = 0;
    unsigned char le[sizeof exif_jpeg];
    memcpy(le, exif_jpeg, sizeof exif_jpeg);
    memcpy(le + 12, "II\x2a\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x03\0", 20);
    write_bytes(t_path(d, "d.jpg"), le, sizeof le);
    CU_ASSERT_EQUAL(ap_image_size(t_path(d, "d.jpg"), &w, &h), 1);
    CU_ASSERT_EQUAL(w, 640);
    CU_ASSERT_EQUAL(h, 480);
}

/* not an image; a missing file; a truncated JPEG */
static void test_input_image_size_unknown(void)
{
    const char *d = t_dir("input_not_images");
    int64_t w = 0, h = 0;
    t_write(t_path(d, "e.jpg"), "hello");
    CU_ASSERT_EQUAL(ap_image_size(t_path(d, "e.jpg"), &w, &h), 0);
    CU_ASSERT_EQUAL(ap_image_size(t_path(d, "none.jpg"), &w, &h), 0);
    write_bytes(t_path(d, "f.jpg"), progressive_jpeg, 22);
    CU_ASSERT_EQUAL(ap_image_size(t_path(d, "f.jpg"), &w, &h), 0);
}

typedef struct {
    char key[200];
    double b[4];
} rec;

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    for (int i = 0; !c && i < 4; i++) { /* to 1e-9, so that formats agree on the order */
        double p = rint(x->b[i] * 1e9), q = rint(y->b[i] * 1e9);
        c = p < q ? -1 : p > q;
    }
    return c;
}

static rec *records(const t_capture *cap)
{
    rec *r = calloc(cap->n + 1, sizeof *r);
    for (size_t i = 0; i < cap->n; i++) {
        snprintf(r[i].key, sizeof r[i].key, "%s|%s", cap->v[i].input, cap->v[i].concept);
        r[i].b[0] = cap->v[i].box.left;
        r[i].b[1] = cap->v[i].box.top;
        r[i].b[2] = cap->v[i].box.right;
        r[i].b[3] = cap->v[i].box.bottom;
    }
    qsort(r, cap->n, sizeof *r, cmp_rec);
    return r;
}

static void test_input_same_data_three_formats(void)
{
    const char *d = t_dir("input_three");
    char root[1024], cmd[2048];
    snprintf(root, sizeof root, "%s/ds", d);
    snprintf(cmd, sizeof cmd, "%s '%s/tools/gen_dataset.py' --images 300 --seed 11 --format all "
             "--integer-boxes --quiet --out '%s'", t_python(), t_shared(), root);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    /* and YOLO, as annoport's own writer exports the COCO file */
    char yolo_cmd[4096];
    snprintf(yolo_cmd, sizeof yolo_cmd, "%s convert '%s/coco/instances.json' --to yolo -o "
             "'%s/yolo' --quiet", t_bin(), root, root);
    CU_ASSERT_EQUAL_FATAL(t_sh(yolo_cmd, NULL, NULL), 0);
    enum { NFMT = 4 };
    const char *sub[NFMT] = {"coco/instances.json", "voc", "csv/annotations.csv", "yolo"};
    t_capture cap[NFMT];
    ap_context *ctx = t_ctx();
    for (int i = 0; i < NFMT; i++) {
        char p[1100];
        snprintf(p, sizeof p, "%s/%s", root, sub[i]);
        const char *in[1] = {p};
        CU_ASSERT_EQUAL_FATAL(t_capture_run(ctx, in, 1, &cap[i]), AP_OK);
        CU_ASSERT_EQUAL(ctx->counts.objects_rejected, 0);
    }
    CU_ASSERT_TRUE(cap[0].n > 1000);
    CU_ASSERT_EQUAL_FATAL(cap[1].n, cap[0].n);
    CU_ASSERT_EQUAL_FATAL(cap[2].n, cap[0].n);
    CU_ASSERT_EQUAL_FATAL(cap[3].n, cap[0].n);
    rec *r[NFMT];
    for (int i = 0; i < NFMT; i++)
        r[i] = records(&cap[i]);
    size_t bad = 0;
    for (size_t k = 0; k < cap[0].n; k++)
        for (int i = 1; i < NFMT; i++) {
            int same = strcmp(r[0][k].key, r[i][k].key) == 0;
            for (int c = 0; c < 4; c++)
                same = same && fabs(r[0][k].b[c] - r[i][k].b[c]) <= 1e-12;
            if (!same && bad++ < 5)
                fprintf(stderr, "\n%s: %s %.17g,%.17g vs %s %.17g,%.17g\n", sub[i], r[0][k].key,
                        r[0][k].b[0], r[0][k].b[2], r[i][k].key, r[i][k].b[0], r[i][k].b[2]);
        }
    CU_ASSERT_EQUAL(bad, 0);
    for (int i = 0; i < NFMT; i++) {
        free(r[i]);
        t_capture_free(&cap[i]);
    }
    ap_context_free(ctx);
}

/* Past the first files of a folder, files are probed when read: a file
 * there that is not of the folder's format meets the same fate as when
 * every file was probed first. */
/* 30 VOC files, then one XML file that is not VOC. */
static const char *voc_folder_with_config(const char *dir)
{
    const char *d = t_dir(dir);
    char name[64], xml[512];
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "a%02d.xml", i);
        snprintf(xml, sizeof xml, "<annotation><filename>%d.jpg</filename><size><width>100"
                 "</width><height>50</height></size><object><name>cat</name><bndbox><xmin>1"
                 "</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>"
                 "</annotation>", i);
        t_write(t_path(d, name), xml);
    }
    t_write(t_path(d, "zz.xml"), "<config><setting>1</setting></config>");
    return d;
}

static void test_input_folder_probed_when_read(void)
{
    const char *d = voc_folder_with_config("input_lazy");
    ap_context *ctx = t_ctx();
    const char *in[1] = {d};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_VALIDATE, in, 1, NULL, NULL), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.objects_read, 30); /* zz.xml: not VOC, skipped */
    CU_ASSERT_EQUAL(ctx->counts.inputs, 30);
    ap_context_free(ctx);
}

/* the CLI says what it skipped */
static void test_input_folder_skipped_file_is_said(void)
{
    const char *d = voc_folder_with_config("input_lazy_said");
    char *err = NULL;
    char args[1200];
    snprintf(args, sizeof args, "validate '%s' --from voc", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(err), "zz.xml: skipped: not a voc file"));
    free(err);
}

/* COCO files, then a Clarifai one at the same level: which to read? */
static void test_input_folder_late_other_format_refused(void)
{
    const char *j = t_dir("input_lazy_json");
    char name[64];
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "a%02d.json", i);
        t_write(t_path(j, name), "{\"images\":[],\"annotations\":[],\"categories\":[]}");
    }
    size_t len = 0;
    char *page = t_read("samples/clarifai/annotations-page.json", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(page);
    t_write(t_path(j, "zz.json"), page);
    free(page);
    ap_context *ctx = t_ctx();
    const char *in[1] = {j};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_VALIDATE, in, 1, NULL, NULL), AP_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "holds both coco and clarifai files at the "
                                               "same level"));
    ap_context_free(ctx);
}

/* A folder read as one format says what it left of another (363 VOC files
 * below a CSV were skipped without a word). */
static void test_input_folder_says_what_it_skipped(void)
{
    const char *d = t_dir("input_skipped");
    char cmd[2048], *err = NULL, want[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/xml' && cp samples/voc/Annotations/*.xml '%s/xml/' "
             "&& cp samples/csv/automl.csv '%s/'", d, d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "validate %s --json", d);
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), 0);
    snprintf(want, sizeof want, "annoport: warning: %s: read as csv; 3 voc files deeper in it "
             "are not read (\"xml/000001.xml\", ...): give its folder to read them\n", d);
    CU_ASSERT_EQUAL(strncmp(t_str(err), want, strlen(want)), 0);
    free(err);
}

/* Text that is not UTF-8: an error naming line and byte; --encoding reads
 * it, labels and file names as written. */
static void test_input_not_utf8_is_an_error(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate tests/data/encoding/latin1.csv", NULL, &err), 65);
    T_ASSERT_STR(err, "annoport: error: tests/data/encoding/latin1.csv:2: byte 52 (0xE9) is not "
                      "UTF-8; if the file is in another encoding, give it with --encoding "
                      "(latin1, cp1252, utf-16, ...)\n");
    free(err);
}

static void test_input_encoding_option_csv(void)
{
    const char *d = t_dir("input_encoding");
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof cmd, "convert tests/data/encoding/latin1.csv --encoding latin1 -o "
             "'%s/csv' --json", d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "{\"id\":\"cafe\",\"name\":\"caf\xc3\xa9\"") : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "{\"id\":\"creme-brulee\",\"name\":\"cr\xc3\xa8me "
                                             "br\xc3\xbbl\xc3\xa9""e\"") : NULL);
    free(out);
    CU_ASSERT_EQUAL(t_check(t_path(d, "csv"), NULL), 0);
}

/* JSON too, and the file name */
static void test_input_encoding_option_json(void)
{
    const char *d = t_dir("input_encoding_json");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "convert tests/data/encoding/latin1.json --encoding ISO-8859-1 -o "
             "'%s/json' --quiet", d);
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, NULL), 0);
    char *m = t_read(t_path(d, "json/manifest.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL(m ? strstr(m, "\"file_name\":\"\xc3\xa9t\xc3\xa9.jpg\"") : NULL);
    CU_ASSERT_PTR_NOT_NULL(m ? strstr(m, "\"name\":\t\"th\xc3\xa9\"") : NULL);
    free(m);
}

/* an encoding the system does not know */
static void test_input_unknown_encoding_refused(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("validate tests/data/encoding/latin1.csv --encoding klingon", NULL,
                          &err), 64);
    T_ASSERT_STR(err, "annoport: error: --encoding klingon: not an encoding this system knows "
                      "(see iconv -l)\n");
    free(err);
}

CU_TestInfo input_tests[] = {
    {"test_input_folder_says_what_it_skipped", test_input_folder_says_what_it_skipped},
    {"test_input_not_utf8_is_an_error", test_input_not_utf8_is_an_error},
    {"test_input_encoding_option_csv", test_input_encoding_option_csv},
    {"test_input_encoding_option_json", test_input_encoding_option_json},
    {"test_input_unknown_encoding_refused", test_input_unknown_encoding_refused},
    {"test_input_zip_in_place", test_input_zip_in_place},
    {"test_input_zip_member_error_names_both", test_input_zip_member_error_names_both},
    {"test_input_zip_member_in_parent_refused", test_input_zip_member_in_parent_refused},
    {"test_input_zip_member_absolute_refused", test_input_zip_member_absolute_refused},
    {"test_input_zip_member_climbing_out_refused", test_input_zip_member_climbing_out_refused},
    {"test_input_folder_format_at_the_top", test_input_folder_format_at_the_top},
    {"test_input_folder_two_formats_need_from", test_input_folder_two_formats_need_from},
    {"test_input_folder_from_chooses", test_input_folder_from_chooses},
    {"test_input_folder_probed_when_read", test_input_folder_probed_when_read},
    {"test_input_folder_skipped_file_is_said", test_input_folder_skipped_file_is_said},
    {"test_input_folder_late_other_format_refused", test_input_folder_late_other_format_refused},
    {"test_input_png_size", test_input_png_size},
    {"test_input_jpeg_size", test_input_jpeg_size},
    {"test_input_jpeg_exif_rotation_swaps", test_input_jpeg_exif_rotation_swaps},
    {"test_input_jpeg_exif_upside_down_keeps", test_input_jpeg_exif_upside_down_keeps},
    {"test_input_image_size_unknown", test_input_image_size_unknown},
    {"test_input_same_data_three_formats", test_input_same_data_three_formats},
    CU_TEST_INFO_NULL,
};
