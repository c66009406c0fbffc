/*
 * test_normalize.c: SPEC section 2 rule by rule, with numbers computed by
 * hand, and the number writer (shortest round trip).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "internal.h"

static ap_object box_obj(ap_units units, ap_box_form form, double a, double b, double c,
                         double d)
{
    ap_object o;
    memset(&o, 0, sizeof o);
    o.units = units;
    o.box_form = form;
    o.box[0] = a;
    o.box[1] = b;
    o.box[2] = c;
    o.box[3] = d;
    return o;
}

static void test_normalize_coco_box(void)
{
    ap_object o = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 100, 120, 50.5, 40);
    ap_box b;
    int cl = -1;
    CU_ASSERT_EQUAL(ap_normalize_box(&o, 640, 480, AP_VOC_INCLUSIVE, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 100.0 / 640);   /* 0.15625 */
    CU_ASSERT_EQUAL(b.top, 120.0 / 480);    /* 0.25 */
    CU_ASSERT_EQUAL(b.right, 150.5 / 640);  /* 0.23515625 */
    CU_ASSERT_EQUAL(b.bottom, 160.0 / 480);
    CU_ASSERT_EQUAL(b.left, 0.15625);
    CU_ASSERT_EQUAL(b.right, 0.23515625);
    CU_ASSERT_EQUAL(cl, 0);
}

/* xmin=71 ymin=252 xmax=216 ymax=314 in a 500x375 image */
static ap_object voc_box(void)
{
    return box_obj(AP_UNITS_VOC, AP_BOX_XYXY, 71, 252, 216, 314);
}

static void test_normalize_voc_inclusive(void)
{
    ap_object o = voc_box();
    ap_box b;
    int cl;
    CU_ASSERT_EQUAL(ap_normalize_box(&o, 500, 375, AP_VOC_INCLUSIVE, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 70.0 / 500);
    CU_ASSERT_EQUAL(b.left, 0.14);
    CU_ASSERT_EQUAL(b.top, 251.0 / 375);
    CU_ASSERT_EQUAL(b.right, 216.0 / 500);
    CU_ASSERT_EQUAL(b.right, 0.432);
    CU_ASSERT_EQUAL(b.bottom, 314.0 / 375);
}

static void test_normalize_voc_clarifai_sdk(void)
{
    ap_object o = voc_box();
    ap_box b;
    int cl;
    CU_ASSERT_EQUAL(ap_normalize_box(&o, 500, 375, AP_VOC_CLARIFAI_SDK, 0.5, &b, &cl),
                    AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 0.14);
    CU_ASSERT_EQUAL(b.right, 215.0 / 500);
    CU_ASSERT_EQUAL(b.right, 0.43);
    CU_ASSERT_EQUAL(b.bottom, 313.0 / 375);
}

static void test_normalize_voc_zero_based(void)
{
    ap_object o = voc_box();
    ap_box b;
    int cl;
    CU_ASSERT_EQUAL(ap_normalize_box(&o, 500, 375, AP_VOC_ZERO_BASED, 0.5, &b, &cl),
                    AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 71.0 / 500);
    CU_ASSERT_EQUAL(b.right, 0.432);
}

/* the SPEC's example: xmax=241, W=375 gives 0.64 under clarifai-sdk */
static void test_normalize_voc_spec_example(void)
{
    ap_box b;
    int cl;
    ap_object s = box_obj(AP_UNITS_VOC, AP_BOX_XYXY, 1, 1, 241, 10);
    CU_ASSERT_EQUAL(ap_normalize_box(&s, 375, 100, AP_VOC_CLARIFAI_SDK, 0.5, &b, &cl),
                    AP_NORM_OK);
    CU_ASSERT_EQUAL(b.right, 0.64);
    CU_ASSERT_EQUAL(ap_normalize_box(&s, 375, 100, AP_VOC_INCLUSIVE, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_DOUBLE_EQUAL(b.right, 0.642667, 1e-6);
}

/* a box from pixel 1 to pixel W covers the whole image */
static void test_normalize_voc_whole_image(void)
{
    ap_box b;
    int cl;
    ap_object full = box_obj(AP_UNITS_VOC, AP_BOX_XYXY, 1, 1, 500, 375);
    CU_ASSERT_EQUAL(ap_normalize_box(&full, 500, 375, AP_VOC_INCLUSIVE, 0.5, &b, &cl),
                    AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 0);
    CU_ASSERT_EQUAL(b.top, 0);
    CU_ASSERT_EQUAL(b.right, 1);
    CU_ASSERT_EQUAL(b.bottom, 1);
}

static void test_normalize_normalized_source(void)
{
    ap_object o = box_obj(AP_UNITS_NORMALIZED, AP_BOX_XYXY, 0.1, 0.2, 0.7, 0.9);
    ap_box b;
    int cl;
    /* no image size needed */
    CU_ASSERT_EQUAL(ap_normalize_box(&o, 0, 0, AP_VOC_INCLUSIVE, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 0.1);
    CU_ASSERT_EQUAL(b.top, 0.2);
    CU_ASSERT_EQUAL(b.right, 0.7);
    CU_ASSERT_EQUAL(b.bottom, 0.9);
}

/* rule 1: NaN or infinite */
static void test_normalize_non_finite_rejected(void)
{
    ap_box b;
    int cl;
    ap_object n = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, NAN, 1, 2, 3);
    CU_ASSERT_EQUAL(ap_normalize_box(&n, 640, 480, 0, 0.5, &b, &cl), AP_NORM_NAN);
    ap_object inf = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 1, 1, INFINITY, 3);
    CU_ASSERT_EQUAL(ap_normalize_box(&inf, 640, 480, 0, 0.5, &b, &cl), AP_NORM_NAN);
    /* x + w overflows to infinity */
    ap_object big = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 1e308, 1, 1e308, 3);
    CU_ASSERT_EQUAL(ap_normalize_box(&big, 640, 480, 0, 0.5, &b, &cl), AP_NORM_NAN);
}

/* rule 1: unknown size for a pixel source */
static void test_normalize_pixel_box_needs_size(void)
{
    ap_box b;
    int cl;
    ap_object ok = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 1, 1, 2, 3);
    CU_ASSERT_EQUAL(ap_normalize_box(&ok, 0, 480, 0, 0.5, &b, &cl), AP_NORM_NO_SIZE);
    CU_ASSERT_EQUAL(ap_normalize_box(&ok, 640, 0, 0, 0.5, &b, &cl), AP_NORM_NO_SIZE);
}

/* NaN wins over the unknown size: rule 1 is checked number first */
static void test_normalize_nan_checked_before_size(void)
{
    ap_box b;
    int cl;
    ap_object n = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, NAN, 1, 2, 3);
    CU_ASSERT_EQUAL(ap_normalize_box(&n, 0, 0, 0, 0.5, &b, &cl), AP_NORM_NAN);
}

/* rule 3: empty or inverted after clamping */
static void test_normalize_empty_after_clamp_rejected(void)
{
    ap_box b;
    int cl;
    ap_object zero = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 10, 20, 0, 30);
    CU_ASSERT_EQUAL(ap_normalize_box(&zero, 640, 480, 0, 0.5, &b, &cl), AP_NORM_ZERO_AREA);
    ap_object inv = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 10, 20, -5, 30);
    CU_ASSERT_EQUAL(ap_normalize_box(&inv, 640, 480, 0, 0.5, &b, &cl), AP_NORM_ZERO_AREA);
    /* wholly right of the image: clamped to 1..1, so empty: a reject, not a clamp */
    ap_object out = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 700, 20, 10, 30);
    CU_ASSERT_EQUAL(ap_normalize_box(&out, 640, 480, 0, 0.5, &b, &cl), AP_NORM_ZERO_AREA);
}

/* 0.3 px outside. */
static ap_object slightly_outside(void)
{
    return box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, -0.3, 700, 40, 68);
}

/* 0.3 px outside: within the default 0.5 px, snapped silently */
static void test_normalize_within_tolerance_snapped(void)
{
    ap_box b;
    int cl;
    ap_object in = slightly_outside();
    CU_ASSERT_EQUAL(ap_normalize_box(&in, 1024, 768, 0, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 0);
    CU_ASSERT_EQUAL(b.right, 39.7 / 1024);
    CU_ASSERT_EQUAL(b.bottom, 1);
    CU_ASSERT_EQUAL(cl, 0);
}

/* 0.6 px outside: clamped and counted */
static void test_normalize_past_tolerance_clamped(void)
{
    ap_box b;
    int cl;
    ap_object out = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, -0.6, 700, 40, 68);
    CU_ASSERT_EQUAL(ap_normalize_box(&out, 1024, 768, 0, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 0);
    CU_ASSERT_EQUAL(cl, 1);
}

/* exactly 0.5 px outside is within the tolerance */
static void test_normalize_tolerance_edge_within(void)
{
    ap_box b;
    int cl;
    ap_object edge = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 600, 400, 40.5, 80);
    CU_ASSERT_EQUAL(ap_normalize_box(&edge, 640, 480, 0, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(b.right, 1);
    CU_ASSERT_EQUAL(cl, 0);
}

/* the sample's cat: 20 px right and 20 px below the image */
static void test_normalize_sample_cat_clamped(void)
{
    ap_box b;
    int cl;
    ap_object cat = box_obj(AP_UNITS_PIXEL, AP_BOX_XYWH, 600, 400, 60, 100);
    CU_ASSERT_EQUAL(ap_normalize_box(&cat, 640, 480, 0, 0.5, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(b.left, 0.9375);
    CU_ASSERT_EQUAL(b.right, 1);
    CU_ASSERT_EQUAL(b.bottom, 1);
    CU_ASSERT_EQUAL(cl, 1);
}

/* tolerance 0: any step outside counts */
static void test_normalize_zero_tolerance_counts(void)
{
    ap_box b;
    int cl;
    ap_object in = slightly_outside();
    CU_ASSERT_EQUAL(ap_normalize_box(&in, 1024, 768, 0, 0.0, &b, &cl), AP_NORM_OK);
    CU_ASSERT_EQUAL(cl, 1);
}

static const double square_xy[] = {100, 120, 150.5, 120, 150.5, 160, 100, 160};

static void test_normalize_polygon(void)
{
    ap_point p[4];
    int cl = -1;
    CU_ASSERT_EQUAL(ap_normalize_polygon(square_xy, 8, AP_UNITS_PIXEL, 640, 480, 0.5, p, &cl),
                    AP_NORM_OK);
    CU_ASSERT_EQUAL(p[0].col, 0.15625);
    CU_ASSERT_EQUAL(p[0].row, 0.25);
    CU_ASSERT_EQUAL(p[1].col, 0.23515625);
    CU_ASSERT_EQUAL(p[2].row, 160.0 / 480);
    CU_ASSERT_EQUAL(cl, 0);
}

/* two points are not a polygon */
static void test_normalize_polygon_degenerate(void)
{
    ap_point p[4];
    int cl = -1;
    CU_ASSERT_EQUAL(ap_normalize_polygon(square_xy, 4, AP_UNITS_PIXEL, 640, 480, 0.5, p, &cl),
                    AP_NORM_DEGENERATE);
}

static void test_normalize_polygon_needs_size(void)
{
    ap_point p[4];
    int cl = -1;
    CU_ASSERT_EQUAL(ap_normalize_polygon(square_xy, 8, AP_UNITS_PIXEL, 0, 480, 0.5, p, &cl),
                    AP_NORM_NO_SIZE);
}

/* a point past the image is clamped and counted */
static void test_normalize_polygon_clamped(void)
{
    ap_point p[4];
    int cl = -1;
    const double far[] = {0, 0, 700, 0, 700, 100};
    CU_ASSERT_EQUAL(ap_normalize_polygon(far, 6, AP_UNITS_PIXEL, 640, 480, 0.5, p, &cl),
                    AP_NORM_OK);
    CU_ASSERT_EQUAL(p[1].col, 1);
    CU_ASSERT_EQUAL(cl, 1);
}

static void test_normalize_numbers_round_trip(void)
{
    const double v[] = {0.1, 1.0 / 3, 2.0 / 3, 0.1 + 0.2, 1e-300, 5e-324, 0.15625,
                        1.0, 160.0 / 480, 251.0 / 375, 0.23515625, 39.7 / 1024,
                        123456789.123, 0.9999999999999999};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char buf[32];
        size_t n = ap_format_double(buf, v[i]);
        CU_ASSERT_EQUAL(strlen(buf), n);
        CU_ASSERT_EQUAL(strtod(buf, NULL), v[i]);
        /* shortest: with one significant digit fewer it does not read back */
        int sig = 0, seen = 0;
        for (const char *p = buf; *p && *p != 'e'; p++) {
            if (*p >= '1' && *p <= '9')
                seen = 1;
            if (seen && *p >= '0' && *p <= '9')
                sig++;
        }
        if (sig > 1) {
            char shorter[400];
            snprintf(shorter, sizeof shorter, "%.*g", sig - 1, v[i]);
            CU_ASSERT(strtod(shorter, NULL) != v[i]);
        }
    }
}

static void test_normalize_numbers_written_shortest(void)
{
    char buf[32];
    ap_format_double(buf, 0.1);
    T_ASSERT_STR(buf, "0.1");
    ap_format_double(buf, 0.1 + 0.2);
    T_ASSERT_STR(buf, "0.30000000000000004");
    ap_format_double(buf, 1.0 / 3);
    T_ASSERT_STR(buf, "0.3333333333333333");
    ap_format_double(buf, -0.0);
    T_ASSERT_STR(buf, "0");
    ap_format_double(buf, 1.0);
    T_ASSERT_STR(buf, "1");
}

/* The integer number writer against the printf/strtod search, byte for
 * byte: pixel grids divided by image sizes (what the writers produce),
 * random doubles over the whole fast range and its edges, ties and powers
 * of two and ten. */
static int same_format(double v)
{
    char a[32], b[32];
    size_t na = ap_format_double(a, v), nb = ap_format_double_ref(b, v);
    if (na == nb && strcmp(a, b) == 0)
        return 1;
    fprintf(stderr, "format %.17g: fast \"%s\", reference \"%s\"\n", v, a, b);
    return 0;
}

static void test_normalize_fast_number_writer(void)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL, bad = 0;
    for (int w = 1; w <= 1024; w += 7) /* v / w for v on a 0.01 pixel grid */
        for (int v = 0; v <= w * 100; v += 13)
            bad += !same_format((v / 100.0) / w) + !same_format(v / 100.0);
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double u = (double)(x >> 11) / 9007199254740992.0; /* [0, 1) */
        double e = -6 + 22 * ((double)(x & 0xffff) / 65536.0);
        bad += !same_format(u * pow(10, e)) + !same_format(-u * pow(10, e));
        uint64_t bits = (x % 0x3ff0000000000000ULL) + 0x3e00000000000000ULL; /* ~1e-10..1e19 */
        double d;
        memcpy(&d, &bits, sizeof d);
        bad += !same_format(d);
    }
    const double edge[] = {1e-4, 1e-5, 9.9999999999999991e-5, 1e15, 999999999999999.9,
                           1e14, 0.5, 0.25, 0.125, 1.5, 2.5, 0.3, 0.7, 1.0 / 3, 2.0 / 3,
                           4503599627370496.0, 0.015625, 0.1 + 0.2, 0.9999999999999999,
                           0.99999999999999989, 9.5, 0.95, 123456789012345.6};
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        bad += !same_format(edge[i]);
        bad += !same_format(nextafter(edge[i], 0)) + !same_format(nextafter(edge[i], 1e300));
    }
    for (int k = -330; k < 310; k++)
        bad += !same_format(pow(10, k)) + !same_format(ldexp(1, k));
    /* over a million comparisons; their number is set by the loops above,
     * so only the mismatches are counted */
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_normalize_json_strings(void)
{
    ap_buf b = {0};
    ap_buf_json_string(&b, "a\"b\\c\n\x01 caf\xc3\xa9 bad\xff end");
    T_ASSERT_STR(b.p, "\"a\\\"b\\\\c\\n\\u0001 caf\xc3\xa9 bad\xef\xbf\xbd end\"");
    ap_buf_free(&b);
}

CU_TestInfo normalize_tests[] = {
    {"test_normalize_coco_box", test_normalize_coco_box},
    {"test_normalize_voc_inclusive", test_normalize_voc_inclusive},
    {"test_normalize_voc_clarifai_sdk", test_normalize_voc_clarifai_sdk},
    {"test_normalize_voc_zero_based", test_normalize_voc_zero_based},
    {"test_normalize_voc_spec_example", test_normalize_voc_spec_example},
    {"test_normalize_voc_whole_image", test_normalize_voc_whole_image},
    {"test_normalize_normalized_source", test_normalize_normalized_source},
    {"test_normalize_non_finite_rejected", test_normalize_non_finite_rejected},
    {"test_normalize_pixel_box_needs_size", test_normalize_pixel_box_needs_size},
    {"test_normalize_nan_checked_before_size", test_normalize_nan_checked_before_size},
    {"test_normalize_empty_after_clamp_rejected", test_normalize_empty_after_clamp_rejected},
    {"test_normalize_within_tolerance_snapped", test_normalize_within_tolerance_snapped},
    {"test_normalize_past_tolerance_clamped", test_normalize_past_tolerance_clamped},
    {"test_normalize_tolerance_edge_within", test_normalize_tolerance_edge_within},
    {"test_normalize_sample_cat_clamped", test_normalize_sample_cat_clamped},
    {"test_normalize_zero_tolerance_counts", test_normalize_zero_tolerance_counts},
    {"test_normalize_polygon", test_normalize_polygon},
    {"test_normalize_polygon_degenerate", test_normalize_polygon_degenerate},
    {"test_normalize_polygon_needs_size", test_normalize_polygon_needs_size},
    {"test_normalize_polygon_clamped", test_normalize_polygon_clamped},
    {"test_normalize_numbers_round_trip", test_normalize_numbers_round_trip},
    {"test_normalize_numbers_written_shortest", test_normalize_numbers_written_shortest},
    {"test_normalize_fast_number_writer", test_normalize_fast_number_writer},
    {"test_normalize_json_strings", test_normalize_json_strings},
    CU_TEST_INFO_NULL,
};
