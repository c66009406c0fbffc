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
    int batch_size;
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

static void cw_manifest(void *user, cJSON *m, cJSON *target)
{
    const cw_state *st = user;
    cJSON_AddStringToObject(target, "request", "post_annotations");
    cJSON_AddNumberToObject(target, "batch_size", st->batch_size);
    cJSON *reqs = cJSON_AddArrayToObject(m, "requests");
    for (size_t i = 0; i < st->nfiles; i++) {
        char name[64];
        file_name(name, sizeof name, i + 1);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "file", name);
        cJSON_AddNumberToObject(r, "annotations", st->sizes[i]);
        cJSON_AddItemToArray(reqs, r);
    }
}

static int cw_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    cw_state *st = state;
    int rc = cw_flush(ctx, st);
    if (rc)
        return rc;
    st->batch_size = ctx->opt.batch_size;
    return ap_manifest_write(ctx, st->out, info, "clarifai", cw_manifest, st);
}

const ap_writer_ops ap_clarifai_writer = {
    .open = cw_open,
    .annotation = cw_annotation,
    .close = cw_close,
    .free = cw_free,
};
