/*
 * yolo_write.c: YOLO (Ultralytics) labels: labels/<image path>.txt per
 * input (its file name with the extension replaced, so the label file pairs
 * with images/<file name>; the input id when the name is not a safe
 * relative path), one line per annotation: "class cx cy w h" for a box
 * (the shortest decimals that yolo_read.c turns back into the same edges),
 * "class x1 y1 x2 y2 ..." for a polygon, normalized (no image size
 * needed). classes.txt and data.yaml name the classes, numbered from 0 in
 * first-seen order. Lines are grouped by image through temporary files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"

typedef struct {
    ap_context *ctx;
    ap_output *out;
    ap_group *g;
    uint32_t *class_of;  /* concept index -> class + 1, 0: none yet */
    size_t nclass_of, class_cap;
    const ap_concept **classes;
    size_t nclasses, classes_cap;
    const ap_run_info *info;
    ap_map *paths;       /* label paths used, to refuse two images on one */
    ap_buf b;
} yolo_w;

static int yw_accepts(const ap_context *ctx, int *needs_size)
{
    (void)ctx;
    *needs_size = 0;
    return AP_ACCEPT_BOX | AP_ACCEPT_POLYGON;
}

static int yw_open(ap_context *ctx, ap_output *out, void *priv)
{
    yolo_w *w = priv;
    w->ctx = ctx;
    w->out = out;
    w->g = ap_group_new(ctx);
    w->paths = ap_map_new();
    return w->g && w->paths ? AP_OK : (ctx->err ? ctx->err : ap_error_nomem(ctx));
}

static void yw_release(void *priv)
{
    yolo_w *w = priv;
    ap_group_free(w->g);
    ap_map_free(w->paths);
    free(w->class_of);
    free(w->classes);
    ap_buf_free(&w->b);
}

static int class_of(yolo_w *w, const ap_concept *c, uint32_t *out)
{
    size_t k = c->index;
    if (k >= w->nclass_of) {
        if (ap_grow(&w->class_of, &w->class_cap, k + 1, sizeof *w->class_of) != 0)
            return ap_error_nomem(w->ctx);
        memset(w->class_of + w->nclass_of, 0, (k + 1 - w->nclass_of) * sizeof *w->class_of);
        w->nclass_of = k + 1;
    }
    if (!w->class_of[k]) {
        if (ap_grow(&w->classes, &w->classes_cap, w->nclasses + 1, sizeof *w->classes) != 0)
            return ap_error_nomem(w->ctx);
        w->classes[w->nclasses++] = c;
        w->class_of[k] = (uint32_t)w->nclasses;
    }
    *out = w->class_of[k] - 1;
    return AP_OK;
}

/* Whether YOLO's reader (yolo_read.c) turns center c and size w back into
 * exactly lo and hi. */
static int reads_back(double c, double w, double lo, double hi)
{
    return c - w / 2 == lo && c + w / 2 == hi;
}

/* The significant digits of v's shortest form. */
static int digits(double v)
{
    char t[40];
    t[ap_format_double(t, v)] = '\0';
    int n = 0, lead = 1;
    for (const char *p = t; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p < '0' || *p > '9' || (lead && *p == '0'))
            continue;
        lead = 0;
        n++;
    }
    return n;
}

/* v to p significant digits. */
static double rounded(double v, int p)
{
    char t[40];
    snprintf(t, sizeof t, "%.*e", p - 1, v);
    return strtod(t, NULL);
}

/* The center and size of the edges lo..hi as the shortest decimals that
 * the reader turns back into exactly lo and hi (so a YOLO file read and
 * written again keeps its numbers), else (l + h) / 2 and h - l. */
static void center_size(double lo, double hi, double *c, double *w)
{
    *c = (lo + hi) / 2;
    *w = hi - lo;
    int ok = reads_back(*c, *w, lo, hi);
    if (ok && digits(*c) <= 6 && digits(*w) <= 6)
        return; /* short already (a longer one may hide a shorter one) */
    for (int p = 1; p <= 17; p++) {
        double cc = rounded((lo + hi) / 2, p), ww = rounded(hi - lo, p);
        if (reads_back(cc, ww, lo, hi)) {
            /* then each as short as the other allows (0.123456789012345 and 1e-06) */
            for (int q = 1; q < p; q++)
                if (reads_back(cc, rounded(hi - lo, q), lo, hi)) {
                    ww = rounded(hi - lo, q);
                    break;
                }
            for (int q = 1; q < p; q++)
                if (reads_back(rounded((lo + hi) / 2, q), ww, lo, hi)) {
                    cc = rounded((lo + hi) / 2, q);
                    break;
                }
            *c = cc;
            *w = ww;
            return;
        }
    }
    if (ok)
        return;
    for (int i = -1; i <= 1; i++) /* the neighbours of the last digit */
        for (int k = -1; k <= 1; k++) {
            double cc = nextafter(*c, i < 0 ? -INFINITY : i > 0 ? INFINITY : *c);
            double ww = nextafter(*w, k < 0 ? -INFINITY : k > 0 ? INFINITY : *w);
            if (reads_back(cc, ww, lo, hi)) {
                *c = cc;
                *w = ww;
                return;
            }
        }
}

/* The record is the label line itself. */
static int yw_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    yolo_w *w = state;
    uint32_t cls = 0;
    int rc = class_of(w, a->concept, &cls);
    if (rc)
        return rc;
    ap_buf *b = &w->b;
    b->len = 0;
    ap_buf_u64(b, cls);
    if (a->kind == AP_REGION_BOX) {
        double v[4];
        center_size(a->box.left, a->box.right, &v[0], &v[2]);
        center_size(a->box.top, a->box.bottom, &v[1], &v[3]);
        for (int i = 0; i < 4; i++) {
            ap_buf_putc(b, ' ');
            ap_buf_json_number(b, v[i]);
        }
    } else {
        for (size_t i = 0; i < a->npoints; i++) {
            ap_buf_putc(b, ' ');
            ap_buf_json_number(b, a->points[i].col);
            ap_buf_putc(b, ' ');
            ap_buf_json_number(b, a->points[i].row);
        }
    }
    ap_buf_putc(b, '\n');
    if (b->oom)
        return ap_error_nomem(ctx);
    return ap_group_add(w->g, a->input->index, b->p, (uint32_t)b->len);
}

/* labels/<file name without extension>.txt, or labels/<input id>.txt when
 * the name is unsafe or is the id (internal.h: the reader pairs an export's
 * manifest with its label files through it). */
char *ap_yolo_label_path(const char *name, const char *id)
{
    int safe = *name && name[0] != '/' && !strstr(name, "..") && !strchr(name, '\\') &&
               !strstr(name, "//") && strcmp(name, id) != 0;
    const char *base = safe ? name : id;
    size_t n = strlen(base);
    const char *slash = strrchr(base, '/');
    const char *dot = strrchr(base, '.');
    if (safe && dot && (!slash || dot > slash + 1))
        n = (size_t)(dot - base);
    char *p = malloc(n + 16);
    if (p)
        snprintf(p, n + 16, "labels/%.*s.txt", (int)n, base);
    return p;
}

static int write_labels(void *user, uint32_t index, const unsigned char *recs, size_t len)
{
    yolo_w *w = user;
    const ap_input *in = ap_run_input(w->info, index);
    char *rel = ap_yolo_label_path(in->file_name, in->id);
    if (!rel)
        return ap_error_nomem(w->ctx);
    const ap_input *other = ap_map_get(w->paths, rel);
    if (other) {
        int rc = ap_error(w->ctx, AP_EDATA, "images \"%s\" and \"%s\" would share the label "
                          "file %s; rename one of them", other->file_name, in->file_name, rel);
        free(rel);
        return rc;
    }
    if (ap_map_put(w->paths, rel, (void *)in) != 0) {
        free(rel);
        return ap_error_nomem(w->ctx);
    }
    FILE *f = ap_output_create(w->out, rel);
    int rc = f ? AP_OK : w->ctx->err;
    for (size_t at = 0; f && at + 8 <= len;) {
        uint32_t head[2];
        memcpy(head, recs + at, sizeof head);
        fwrite(recs + at + 8, 1, head[1], f);
        at += 8 + head[1];
    }
    if (f)
        rc = ap_output_close(w->out, f, rel);
    free(rel);
    return rc;
}

static void yaml_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\x%02x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static int yw_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    yolo_w *w = state;
    w->info = info;
    int rc = ap_group_each(w->g, info->ninputs, write_labels, w);
    if (rc)
        return rc;
    FILE *f = ap_output_create(w->out, "classes.txt");
    if (!f)
        return ctx->err;
    for (size_t i = 0; i < w->nclasses; i++)
        fprintf(f, "%s\n", w->classes[i]->name);
    if ((rc = ap_output_close(w->out, f, "classes.txt")) != AP_OK)
        return rc;
    if (!(f = ap_output_create(w->out, "data.yaml")))
        return ctx->err;
    fprintf(f, "# written by annoport %s: labels/ pairs with images/ by file name\n"
               "path: .\ntrain: images\nval: images\nnc: %zu\nnames:\n",
            AP_VERSION, w->nclasses);
    for (size_t i = 0; i < w->nclasses; i++) {
        fprintf(f, "  %zu: ", i);
        yaml_string(f, w->classes[i]->name);
        fputc('\n', f);
    }
    if ((rc = ap_output_close(w->out, f, "data.yaml")) != AP_OK)
        return rc;
    return ap_manifest_write(ctx, w->out, info, "yolo", NULL, NULL, NULL);
}

const ap_writer ap_writer_yolo = {
    .name = "yolo",
    .description = "YOLO (Ultralytics, Darknet): data.yaml or obj.data, labels/, images/",
    .accepts = yw_accepts,
    .priv_size = sizeof(yolo_w),
    .open = yw_open,
    .annotation = yw_annotation,
    .close = yw_close,
    .release = yw_release,
};
