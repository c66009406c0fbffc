/*
 * coco_write.c: COCO instances JSON (annotations.json), streamed: each
 * annotation is written as it comes to a temporary file; at the end the
 * file is assembled as images (every input, with or without annotations),
 * annotations, categories. Image ids are the inputs' order from 1,
 * category ids the concepts' first-seen order from 1.
 *
 * Boxes and polygons are turned back into pixels with the exact inverse of
 * the import formulas (x = left * W, w = right * W - x); a value within
 * 1e-6 of a whole pixel is written whole. An image-level label becomes an
 * annotation without bbox (as COCO "labels" files have it).
 *
 * Each image names its Clarifai input ("clarifai_input_id") and each
 * annotation read from the app its annotation ("clarifai_annotation_id"),
 * so that the file can be read back, diffed and sent to the same app.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"

typedef struct {
    ap_output *out;
    FILE *anns;          /* the annotations array's body */
    uint64_t next_id;
    uint32_t *cat_of;    /* concept index -> category id, 0: none yet */
    size_t ncat_of, cat_cap;
    const ap_concept **cats;
    size_t ncats, cats_cap;
    ap_buf b;
} coco_w;

static int cw_accepts(const ap_context *ctx, int *needs_size)
{
    (void)ctx;
    *needs_size = 1;
    return AP_ACCEPT_BOX | AP_ACCEPT_POLYGON | AP_ACCEPT_CONCEPT;
}

static int cw_open(ap_context *ctx, ap_output *out, void *priv)
{
    coco_w *w = priv;
    w->out = out;
    w->anns = tmpfile();
    if (!w->anns)
        return ap_error(ctx, AP_EIO, "cannot create a temporary file for the annotations");
    return AP_OK;
}

static void cw_release(void *priv)
{
    coco_w *w = priv;
    if (w->anns)
        fclose(w->anns);
    free(w->cat_of);
    free(w->cats);
    ap_buf_free(&w->b);
}

static uint32_t category(ap_context *ctx, coco_w *w, const ap_concept *c)
{
    size_t k = c->index;
    if (k >= w->ncat_of) {
        if (ap_grow(&w->cat_of, &w->cat_cap, k + 1, sizeof *w->cat_of) != 0)
            return ap_error_nomem(ctx), 0;
        memset(w->cat_of + w->ncat_of, 0, (k + 1 - w->ncat_of) * sizeof *w->cat_of);
        w->ncat_of = k + 1;
    }
    if (!w->cat_of[k]) {
        if (ap_grow(&w->cats, &w->cats_cap, w->ncats + 1, sizeof *w->cats) != 0)
            return ap_error_nomem(ctx), 0;
        w->cats[w->ncats++] = c;
        w->cat_of[k] = (uint32_t)w->ncats;
    }
    return w->cat_of[k];
}

static int cw_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    coco_w *w = state;
    uint32_t cat = category(ctx, w, a->concept);
    if (!cat)
        return ctx->err;
    ap_buf *b = &w->b;
    b->len = 0;
    ap_buf_puts(b, w->next_id ? ",\n{\"id\":" : "\n{\"id\":");
    ap_buf_u64(b, ++w->next_id);
    ap_buf_puts(b, ",\"image_id\":");
    ap_buf_u64(b, (uint64_t)a->input->index + 1);
    ap_buf_puts(b, ",\"category_id\":");
    ap_buf_u64(b, cat);
    if (a->src_id) {
        ap_buf_puts(b, ",\"clarifai_annotation_id\":");
        ap_buf_json_string(b, a->src_id);
    }
    double W = (double)a->input->width, H = (double)a->input->height;
    if (a->kind == AP_REGION_BOX) {
        double x = ap_pixel(a->box.left, W, 0), y = ap_pixel(a->box.top, H, 0);
        double bw = ap_tidy(ap_pixel(a->box.right, W, 0) - x);
        double bh = ap_tidy(ap_pixel(a->box.bottom, H, 0) - y);
        ap_buf_puts(b, ",\"bbox\":[");
        ap_buf_json_number(b, x);
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, y);
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, bw);
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, bh);
        ap_buf_puts(b, "],\"area\":");
        ap_buf_json_number(b, ap_tidy(bw * bh));
        ap_buf_puts(b, ",\"iscrowd\":0,\"segmentation\":[]");
    } else if (a->kind == AP_REGION_POLYGON) {
        double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY, area = 0;
        ap_buf_puts(b, ",\"segmentation\":[[");
        for (size_t i = 0; i < a->npoints; i++) {
            double x = ap_pixel(a->points[i].col, W, 0), y = ap_pixel(a->points[i].row, H, 0);
            const ap_point *q = &a->points[(i + 1) % a->npoints];
            area += x * (q->row * H) - (q->col * W) * y;
            x0 = fmin(x0, x), y0 = fmin(y0, y), x1 = fmax(x1, x), y1 = fmax(y1, y);
            if (i)
                ap_buf_putc(b, ',');
            ap_buf_json_number(b, x);
            ap_buf_putc(b, ',');
            ap_buf_json_number(b, y);
        }
        ap_buf_puts(b, "]],\"bbox\":[");
        ap_buf_json_number(b, x0);
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, y0);
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, ap_tidy(x1 - x0));
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, ap_tidy(y1 - y0));
        ap_buf_puts(b, "],\"area\":");
        ap_buf_json_number(b, ap_tidy(fabs(area) / 2));
        ap_buf_puts(b, ",\"iscrowd\":0");
    }
    ap_buf_putc(b, '}');
    if (b->oom)
        return ap_error_nomem(ctx);
    if (fwrite(b->p, 1, b->len, w->anns) != b->len)
        return ap_error(ctx, AP_EIO, "cannot write the temporary annotations file");
    return AP_OK;
}

static int cw_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    coco_w *w = state;
    FILE *f = ap_output_create(w->out, "annotations.json");
    if (!f)
        return ctx->err;
    ap_buf *b = &w->b;
    b->len = 0;
    ap_buf_puts(b, "{\"info\":{\"description\":\"exported by annoport " AP_VERSION "\"},"
                   "\"licenses\":[],\"images\":[");
    for (size_t i = 0; i < info->ninputs; i++) {
        const ap_input *in = ap_run_input(info, i);
        ap_buf_puts(b, i ? ",\n{\"id\":" : "\n{\"id\":");
        ap_buf_u64(b, (uint64_t)in->index + 1);
        ap_buf_puts(b, ",\"file_name\":");
        ap_buf_json_string(b, in->file_name);
        ap_buf_puts(b, ",\"width\":");
        ap_buf_u64(b, (uint64_t)in->width);
        ap_buf_puts(b, ",\"height\":");
        ap_buf_u64(b, (uint64_t)in->height);
        ap_buf_puts(b, ",\"clarifai_input_id\":");
        ap_buf_json_string(b, in->id);
        ap_buf_putc(b, '}');
        if (b->len > 65536) {
            fwrite(b->p, 1, b->len, f);
            b->len = 0;
        }
    }
    ap_buf_puts(b, "],\"annotations\":[");
    fwrite(b->p, 1, b->len, f);
    b->len = 0;
    char chunk[65536];
    size_t n;
    if (fflush(w->anns) != 0 || fseek(w->anns, 0, SEEK_SET) != 0) {
        fclose(f);
        return ap_error(ctx, AP_EIO, "cannot read the temporary annotations file");
    }
    while ((n = fread(chunk, 1, sizeof chunk, w->anns)) > 0)
        fwrite(chunk, 1, n, f);
    ap_buf_puts(b, "],\"categories\":[");
    for (size_t i = 0; i < w->ncats; i++) {
        ap_buf_puts(b, i ? ",\n{\"id\":" : "\n{\"id\":");
        ap_buf_u64(b, i + 1);
        ap_buf_puts(b, ",\"name\":");
        ap_buf_json_string(b, w->cats[i]->name);
        ap_buf_puts(b, ",\"supercategory\":\"\"}");
    }
    ap_buf_puts(b, "]}\n");
    if (b->oom) {
        fclose(f);
        return ap_error_nomem(ctx);
    }
    fwrite(b->p, 1, b->len, f);
    int rc = ap_output_close(w->out, f, "annotations.json");
    return rc ? rc : ap_manifest_write(ctx, w->out, info, "coco", NULL, NULL, NULL);
}

const ap_writer ap_writer_coco = {
    .name = "coco",
    .description = "COCO instances JSON (also keypoints, labels, panoptic, stuff, results)",
    .accepts = cw_accepts,
    .priv_size = sizeof(coco_w),
    .open = cw_open,
    .annotation = cw_annotation,
    .close = cw_close,
    .release = cw_release,
};
