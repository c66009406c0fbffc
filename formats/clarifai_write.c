/*
 * clarifai_write.c: request bodies for POST /v2/annotations (SPEC section
 * 4): requests/post-annotations-NNNNNN.json holding 1..--batch-size
 * annotations each, in the order they arrive, and manifest.json at the end.
 *
 * Only one batch is held in memory. Field names are the API's proto names;
 * every concept carries its value; numbers are written in the shortest form
 * that reads back to the same double.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../src/internal.h"

typedef struct {
    ap_output *out;
    ap_buf body;
    size_t in_batch;
    uint32_t *sizes;    /* annotations per request file written */
    size_t nfiles, cap;
} cw_state;

static int cw_open(ap_context *ctx, ap_output *out, void **state)
{
    cw_state *st = calloc(1, sizeof *st);
    if (!st)
        return ap_error_nomem(ctx);
    st->out = out;
    *state = st;
    return AP_OK;
}

static void cw_free(void *state)
{
    cw_state *st = state;
    if (!st)
        return;
    ap_buf_free(&st->body);
    free(st->sizes);
    free(st);
}

static void file_name(char *buf, size_t n, size_t number)
{
    snprintf(buf, n, "requests/post-annotations-%06zu.json", number);
}

static int cw_flush(ap_context *ctx, cw_state *st)
{
    if (st->in_batch == 0)
        return AP_OK;
    ap_buf_puts(&st->body, "]}\n");
    if (st->body.oom)
        return ap_error_nomem(ctx);
    if (ap_grow(&st->sizes, &st->cap, st->nfiles + 1, sizeof *st->sizes) != 0)
        return ap_error_nomem(ctx);
    char name[64];
    file_name(name, sizeof name, st->nfiles + 1);
    FILE *f = ap_output_create(st->out, name);
    if (!f)
        return ctx->err;
    fwrite(st->body.p, 1, st->body.len, f);
    int rc = ap_output_close(st->out, f, name);
    if (rc)
        return rc;
    st->sizes[st->nfiles++] = (uint32_t)st->in_batch;
    ctx->counts.requests++;
    st->in_batch = 0;
    st->body.len = 0;
    return AP_OK;
}

static void put_concept(ap_buf *b, const ap_annotation *a)
{
    ap_buf_puts(b, "{\"concepts\":[{\"id\":");
    ap_buf_json_string(b, a->concept->id);
    ap_buf_puts(b, ",\"name\":");
    ap_buf_json_string(b, a->concept->name);
    ap_buf_puts(b, ",\"value\":");
    ap_buf_json_number(b, a->value);
    ap_buf_puts(b, "}]}");
}

static void put_field(ap_buf *b, const char *name, double v)
{
    ap_buf_putc(b, '"');
    ap_buf_puts(b, name);
    ap_buf_puts(b, "\":");
    ap_buf_json_number(b, v);
}

static int cw_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    cw_state *st = state;
    ap_buf *b = &st->body;
    const ap_options *o = &ctx->opt;
    if (st->in_batch == 0) {
        ap_buf_putc(b, '{');
        if (o->app_user_id && o->app_id) {
            ap_buf_puts(b, "\"user_app_id\":{\"user_id\":");
            ap_buf_json_string(b, o->app_user_id);
            ap_buf_puts(b, ",\"app_id\":");
            ap_buf_json_string(b, o->app_id);
            ap_buf_puts(b, "},");
        }
        ap_buf_puts(b, "\"annotations\":[");
    } else {
        ap_buf_putc(b, ',');
    }
    ap_buf_putc(b, '{');
    if (a->id) {
        ap_buf_puts(b, "\"id\":");
        ap_buf_json_string(b, a->id);
        ap_buf_putc(b, ',');
    }
    ap_buf_puts(b, "\"input_id\":");
    ap_buf_json_string(b, a->input->id);
    ap_buf_puts(b, ",\"data\":");
    if (a->kind == AP_REGION_NONE) {
        put_concept(b, a);
    } else {
        ap_buf_puts(b, "{\"regions\":[{\"region_info\":{");
        if (a->kind == AP_REGION_BOX) {
            ap_buf_puts(b, "\"bounding_box\":{");
            put_field(b, "top_row", a->box.top);
            ap_buf_putc(b, ',');
            put_field(b, "left_col", a->box.left);
            ap_buf_putc(b, ',');
            put_field(b, "bottom_row", a->box.bottom);
            ap_buf_putc(b, ',');
            put_field(b, "right_col", a->box.right);
            ap_buf_putc(b, '}');
        } else {
            ap_buf_puts(b, "\"polygon\":{\"points\":[");
            for (size_t i = 0; i < a->npoints; i++) {
                ap_buf_puts(b, i ? ",{" : "{");
                put_field(b, "row", a->points[i].row);
                ap_buf_putc(b, ',');
                put_field(b, "col", a->points[i].col);
                ap_buf_putc(b, '}');
            }
            ap_buf_puts(b, "]}");
        }
        ap_buf_puts(b, "},\"data\":");
        put_concept(b, a);
        ap_buf_puts(b, "}]}");
    }
    if (o->annotation_user_id) {
        ap_buf_puts(b, ",\"user_id\":");
        ap_buf_json_string(b, o->annotation_user_id);
    }
    if (o->status != AP_STATUS_NONE)
        ap_buf_puts(b, o->status == AP_STATUS_SUCCESS
                           ? ",\"status\":{\"code\":\"ANNOTATION_SUCCESS\"}"
                           : ",\"status\":{\"code\":\"ANNOTATION_PENDING\"}");
    if (o->embed_model_version_id) {
        ap_buf_puts(b, ",\"embed_model_version_id\":");
        ap_buf_json_string(b, o->embed_model_version_id);
    }
    ap_buf_putc(b, '}');
    if (b->oom)
        return ap_error_nomem(ctx);
    if (++st->in_batch == (size_t)o->batch_size)
        return cw_flush(ctx, st);
    return AP_OK;
}

static int cw_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    cw_state *st = state;
    int rc = cw_flush(ctx, st);
    if (rc)
        return rc;
    const ap_counts *c = &ctx->counts;
    if (c->objects_read != c->objects_written + c->objects_rejected + c->objects_filtered)
        return ap_error(ctx, AP_EDATA, "internal error: %llu objects read but %llu written, "
                        "%llu rejected and %llu filtered; no output written",
                        (unsigned long long)c->objects_read,
                        (unsigned long long)c->objects_written,
                        (unsigned long long)c->objects_rejected,
                        (unsigned long long)c->objects_filtered);

    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "tool", "annoport");
    cJSON_AddStringToObject(m, "version", AP_VERSION);
    cJSON *src = cJSON_AddObjectToObject(m, "source");
    cJSON_AddStringToObject(src, "format", info->source_format);
    cJSON *paths = cJSON_AddArrayToObject(src, "paths");
    for (size_t i = 0; i < info->npaths; i++)
        cJSON_AddItemToArray(paths, cJSON_CreateString(info->paths[i]));
    cJSON *tgt = cJSON_AddObjectToObject(m, "target");
    cJSON_AddStringToObject(tgt, "format", "clarifai");
    cJSON_AddStringToObject(tgt, "request", "post_annotations");
    cJSON_AddNumberToObject(tgt, "batch_size", ctx->opt.batch_size);
    cJSON *cnt = cJSON_AddObjectToObject(m, "counts");
    cJSON_AddNumberToObject(cnt, "inputs", (double)c->inputs);
    cJSON_AddNumberToObject(cnt, "objects_read", (double)c->objects_read);
    cJSON_AddNumberToObject(cnt, "objects_written", (double)c->objects_written);
    cJSON_AddNumberToObject(cnt, "objects_rejected", (double)c->objects_rejected);
    cJSON_AddNumberToObject(cnt, "objects_filtered", (double)c->objects_filtered);
    cJSON_AddNumberToObject(cnt, "annotations_written", (double)c->annotations_written);
    cJSON_AddNumberToObject(cnt, "clamped", (double)c->clamped);
    cJSON_AddNumberToObject(cnt, "requests", (double)c->requests);
    cJSON *reqs = cJSON_AddArrayToObject(m, "requests");
    for (size_t i = 0; i < st->nfiles; i++) {
        char name[64];
        file_name(name, sizeof name, i + 1);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "file", name);
        cJSON_AddNumberToObject(r, "annotations", st->sizes[i]);
        cJSON_AddItemToArray(reqs, r);
    }
    cJSON *cs = cJSON_AddArrayToObject(m, "concepts");
    for (size_t i = 0; i < info->nconcepts; i++) {
        const ap_concept *k = info->concepts[i];
        if (k->filtered || k->annotations == 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", k->id);
        cJSON_AddStringToObject(o, "name", k->name);
        cJSON_AddNumberToObject(o, "annotations", (double)k->annotations);
        cJSON_AddItemToArray(cs, o);
    }
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    if (!text)
        return ap_error_nomem(ctx);
    FILE *f = ap_output_create(st->out, "manifest.json");
    if (!f) {
        free(text);
        return ctx->err;
    }
    fputs(text, f);
    fputc('\n', f);
    free(text);
    return ap_output_close(st->out, f, "manifest.json");
}

const ap_writer_ops ap_clarifai_writer = {
    .open = cw_open,
    .annotation = cw_annotation,
    .close = cw_close,
    .free = cw_free,
};
