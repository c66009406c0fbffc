/*
 * normalize.c: the one place where source numbers become 0..1 coordinates,
 * and where boxes are checked (SPEC section 2), in this order:
 *   1. a NaN/infinite number, or an unknown image size for a pixel source;
 *   2. a coordinate outside [0, 1] by more than the tolerance is clamped
 *      (and counted); within the tolerance it is snapped silently;
 *   3. an empty or inverted box after clamping.
 * Writers apply the exact inverse of these formulas, which is here too:
 * pixels from 0..1 coordinates, written as the shortest decimal that
 * normalizes back, and VOC's edge conventions undone.
 */
#include <math.h>

#include "internal.h"

/* The tolerance in normalized units along an axis of dim pixels. For a
 * normalized source of unknown size, half a pixel of a 1000-pixel image. */
static double tolerance(double tol_px, int64_t dim)
{
    return dim > 0 ? tol_px / (double)dim : tol_px / 1000.0;
}

static double clamp01(double v, double tol, int *clamped)
{
    if (v < 0) {
        if (v < -tol)
            *clamped = 1;
        return 0;
    }
    if (v > 1) {
        if (v > 1 + tol)
            *clamped = 1;
        return 1;
    }
    return v;
}

ap_norm_result ap_normalize_box(const ap_object *obj, int64_t w, int64_t h,
                                ap_voc_edges edges, double tol_px, ap_box *out,
                                int *clamped)
{
    const double *b = obj->box;
    double x0 = b[0], y0 = b[1], x1, y1;
    if (obj->box_form == AP_BOX_XYWH) {
        x1 = b[0] + b[2];
        y1 = b[1] + b[3];
    } else {
        x1 = b[2];
        y1 = b[3];
    }
    if (!isfinite(b[0]) || !isfinite(b[1]) || !isfinite(b[2]) || !isfinite(b[3]) ||
        !isfinite(x1) || !isfinite(y1))
        return AP_NORM_NAN;

    double left, top, right, bottom;
    if (obj->units == AP_UNITS_NORMALIZED) {
        left = x0, top = y0, right = x1, bottom = y1;
    } else {
        if (w <= 0 || h <= 0)
            return AP_NORM_NO_SIZE;
        double W = (double)w, H = (double)h;
        if (obj->units == AP_UNITS_PIXEL || edges == AP_VOC_ZERO_BASED) {
            left = x0 / W, top = y0 / H, right = x1 / W, bottom = y1 / H;
        } else if (edges == AP_VOC_INCLUSIVE) {
            left = (x0 - 1) / W, top = (y0 - 1) / H, right = x1 / W, bottom = y1 / H;
        } else { /* AP_VOC_CLARIFAI_SDK */
            left = (x0 - 1) / W, top = (y0 - 1) / H;
            right = (x1 - 1) / W, bottom = (y1 - 1) / H;
        }
    }

    int moved = 0;
    double tx = tolerance(tol_px, w), ty = tolerance(tol_px, h);
    out->left = clamp01(left, tx, &moved);
    out->right = clamp01(right, tx, &moved);
    out->top = clamp01(top, ty, &moved);
    out->bottom = clamp01(bottom, ty, &moved);
    if (out->right <= out->left || out->bottom <= out->top)
        return AP_NORM_ZERO_AREA;
    *clamped = moved;
    return AP_NORM_OK;
}

ap_norm_result ap_normalize_polygon(const double *xy, size_t n, ap_units units,
                                    int64_t w, int64_t h, double tol_px,
                                    ap_point *out, int *clamped)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(xy[i]))
            return AP_NORM_NAN;
    if (units != AP_UNITS_NORMALIZED && (w <= 0 || h <= 0))
        return AP_NORM_NO_SIZE;
    if (n / 2 < 3)
        return AP_NORM_DEGENERATE;
    double W = units == AP_UNITS_NORMALIZED ? 1.0 : (double)w;
    double H = units == AP_UNITS_NORMALIZED ? 1.0 : (double)h;
    double tx = tolerance(tol_px, w), ty = tolerance(tol_px, h);
    int moved = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        out[i / 2].col = clamp01(xy[i] / W, tx, &moved);
        out[i / 2].row = clamp01(xy[i + 1] / H, ty, &moved);
    }
    *clamped = moved;
    return AP_NORM_OK;
}

/* ---- the inverse, for writers ---- */

double ap_pixel(double norm, double dim, double offset)
{
    double p = norm * dim + offset;
    double scale = 1;
    for (int k = 0; k <= 6; k++, scale *= 10) {
        double q = nearbyint(p * scale) / scale;
        if ((q - offset) / dim == norm)
            return q;
    }
    return p;
}

double ap_tidy(double v)
{
    double scale = 1;
    for (int k = 0; k <= 6; k++, scale *= 10) {
        double q = nearbyint(v * scale) / scale;
        if (fabs(q - v) <= 1e-9 * fmax(1, fabs(v)))
            return q;
    }
    return v;
}

double ap_voc_pixel(double v, double dim, int is_min, ap_voc_edges edges)
{
    int one = edges == AP_VOC_CLARIFAI_SDK || (edges == AP_VOC_INCLUSIVE && is_min);
    return ap_pixel(v, dim, one ? 1 : 0);
}
