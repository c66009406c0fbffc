/*
 * voc_write.c: Pascal VOC, Annotations/<input id>.xml for every input (with
 * or without objects) and ImageSets/Main/default.txt, written with
 * libxml2's xmlTextWriter (so names are escaped as XML wants).
 *
 * Objects arrive in any order and are grouped by image through temporary
 * files (src/group.c). Boxes go back to VOC numbers with the inverse of the
 * --voc-edges convention in force (inclusive: xmin = left * W + 1, xmax =
 * right * W), so VOC -> Clarifai -> VOC gives back the same integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "../src/internal.h"

typedef struct {
    uint32_t concept;
    uint32_t pose;       /* 0: none, else index + 1 into poses */
    uint8_t difficult, truncated, occluded, pad;
    double box[4];       /* left, top, right, bottom */
} voc_rec;

typedef struct {
    ap_context *ctx;
    ap_output *out;
    ap_group *g;
    ap_map *pose_ids;
    char **poses;
    size_t nposes, poses_cap;
    const ap_run_info *info;
    FILE *list;
} voc_w;

static int vw_accepts(const ap_context *ctx, int *needs_size)
{
    (void)ctx;
    *needs_size = 1;
    return AP_ACCEPT_BOX;
}

static int vw_open(ap_context *ctx, ap_output *out, void *priv)
{
    voc_w *w = priv;
    w->ctx = ctx;
    w->out = out;
    w->g = ap_group_new(ctx);
    w->pose_ids = ap_map_new();
    if (!w->g || !w->pose_ids)
        return ctx->err ? ctx->err : ap_error_nomem(ctx);
    return AP_OK;
}

static void vw_release(void *priv)
{
    voc_w *w = priv;
    ap_group_free(w->g);
    ap_map_free(w->pose_ids);
    for (size_t i = 0; i < w->nposes; i++)
        free(w->poses[i]);
    free(w->poses);
}

static int vw_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    voc_w *w = state;
    voc_rec r;
    memset(&r, 0, sizeof r);
    r.concept = a->concept->index;
    r.difficult = (uint8_t)a->difficult;
    r.truncated = (uint8_t)a->truncated;
    r.occluded = (uint8_t)a->occluded;
    r.box[0] = a->box.left;
    r.box[1] = a->box.top;
    r.box[2] = a->box.right;
    r.box[3] = a->box.bottom;
    if (a->pose) {
        uintptr_t id = (uintptr_t)ap_map_get(w->pose_ids, a->pose);
        if (!id) {
            char *p = ap_strdup(a->pose);
            if (!p || ap_grow(&w->poses, &w->poses_cap, w->nposes + 1, sizeof *w->poses) != 0) {
                free(p);
                return ap_error_nomem(ctx);
            }
            w->poses[w->nposes++] = p;
            id = w->nposes;
            if (ap_map_put(w->pose_ids, p, (void *)id) != 0)
                return ap_error_nomem(ctx);
        }
        r.pose = (uint32_t)id;
    }
    return ap_group_add(w->g, a->input->index, &r, sizeof r);
}

static void text_num(xmlTextWriterPtr x, const char *name, double v)
{
    ap_buf b = {0};
    ap_buf_json_number(&b, v);
    xmlTextWriterWriteElement(x, BAD_CAST name, BAD_CAST(b.p ? b.p : "0"));
    ap_buf_free(&b);
}

static int write_image(void *user, uint32_t index, const unsigned char *recs, size_t len)
{
    voc_w *w = user;
    ap_context *ctx = w->ctx;
    const ap_input *in = ap_run_input(w->info, index);
    xmlBufferPtr xb = xmlBufferCreate();
    xmlTextWriterPtr x = xb ? xmlNewTextWriterMemory(xb, 0) : NULL;
    if (!x) {
        if (xb)
            xmlBufferFree(xb);
        return ap_error_nomem(ctx);
    }
    xmlTextWriterSetIndent(x, 1);
    xmlTextWriterSetIndentString(x, BAD_CAST "\t");
    xmlTextWriterStartDocument(x, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(x, BAD_CAST "annotation");
    xmlTextWriterWriteElement(x, BAD_CAST "filename", BAD_CAST in->file_name);
    xmlTextWriterStartElement(x, BAD_CAST "size");
    text_num(x, "width", (double)in->width);
    text_num(x, "height", (double)in->height);
    xmlTextWriterWriteElement(x, BAD_CAST "depth", BAD_CAST "3");
    xmlTextWriterEndElement(x);
    double W = (double)in->width, H = (double)in->height;
    ap_voc_edges edges = ctx->opt.voc_edges;
    for (size_t at = 0; at + 8 <= len;) {
        uint32_t head[2];
        memcpy(head, recs + at, sizeof head);
        voc_rec r;
        memcpy(&r, recs + at + 8, sizeof r);
        at += 8 + head[1];
        const ap_concept *c = w->info->concepts[r.concept];
        xmlTextWriterStartElement(x, BAD_CAST "object");
        xmlTextWriterWriteElement(x, BAD_CAST "name", BAD_CAST c->name);
        xmlTextWriterWriteElement(x, BAD_CAST "pose",
                                  BAD_CAST(r.pose ? w->poses[r.pose - 1] : "Unspecified"));
        xmlTextWriterWriteElement(x, BAD_CAST "truncated", BAD_CAST(r.truncated ? "1" : "0"));
        xmlTextWriterWriteElement(x, BAD_CAST "difficult", BAD_CAST(r.difficult ? "1" : "0"));
        if (r.occluded)
            xmlTextWriterWriteElement(x, BAD_CAST "occluded", BAD_CAST "1");
        xmlTextWriterStartElement(x, BAD_CAST "bndbox");
        text_num(x, "xmin", ap_voc_pixel(r.box[0], W, 1, edges));
        text_num(x, "ymin", ap_voc_pixel(r.box[1], H, 1, edges));
        text_num(x, "xmax", ap_voc_pixel(r.box[2], W, 0, edges));
        text_num(x, "ymax", ap_voc_pixel(r.box[3], H, 0, edges));
        xmlTextWriterEndElement(x);
        xmlTextWriterEndElement(x);
    }
    xmlTextWriterEndElement(x);
    int ok = xmlTextWriterEndDocument(x) >= 0;
    xmlFreeTextWriter(x);
    int rc = AP_OK;
    if (!ok) {
        rc = ap_error(ctx, AP_EIO, "cannot write the VOC XML of input %s", in->id);
    } else {
        char rel[512];
        snprintf(rel, sizeof rel, "Annotations/%s.xml", in->id);
        FILE *f = ap_output_create(w->out, rel);
        if (!f) {
            rc = ctx->err;
        } else {
            fwrite(xmlBufferContent(xb), 1, (size_t)xmlBufferLength(xb), f);
            rc = ap_output_close(w->out, f, rel);
        }
        fprintf(w->list, "%s\n", in->id);
    }
    xmlBufferFree(xb);
    return rc;
}

static int vw_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    voc_w *w = state;
    w->info = info;
    w->list = ap_output_create(w->out, "ImageSets/Main/default.txt");
    if (!w->list)
        return ctx->err;
    int rc = ap_group_each(w->g, info->ninputs, write_image, w);
    int rc2 = ap_output_close(w->out, w->list, "ImageSets/Main/default.txt");
    if (rc || rc2)
        return rc ? rc : rc2;
    return ap_manifest_write(ctx, w->out, info, "voc", NULL, NULL, NULL);
}

const ap_writer ap_writer_voc = {
    .name = "voc",
    .description = "Pascal VOC XML (a folder with Annotations/, a folder of .xml, one .xml)",
    .accepts = vw_accepts,
    .priv_size = sizeof(voc_w),
    .open = vw_open,
    .annotation = vw_annotation,
    .close = vw_close,
    .release = vw_release,
};
