/*
 * clarifai_write.c: request bodies for the annotations API (SPEC sections
 * 4 and 8), 1..--batch-size annotations each, in the order they arrive:
 *   post    requests/post-annotations-NNNNNN.json   {"annotations": [...]}
 *   patch   requests/patch-annotations-NNNNNN.json  {"action": ..., "annotations": [...]}
 *   delete  requests/delete-annotations-NNNNNN.json {"input_ids": [...], "ids": [...]}
 * and manifest.json at the end.
 *
 * The core hands over one concept at a time; consecutive ones of the same
 * source annotation and region (a Clarifai annotation with several
 * concepts) are written back as one annotation, so ids stay unique in a
 * request. Only one batch is held in memory. Field names are the API's
 * proto names; every concept carries its value; numbers are written in the
 * shortest form that reads back to the same double.
 *
 * With --create-inputs (post only), clarifai_inputs.c also writes the
 * bodies that create the inputs the annotations are on, listed first in
 * the manifest; image-level labels then go in the inputs' data.concepts
 * unless an option gives annotations what an input's concepts cannot
 * carry (a user, a status, an embedding model, an annotation id).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../src/internal.h"
#include "clarifai_inputs.h"

extern const ap_writer ap_writer_clarifai;

/* The writer's own options, which only convert takes (the other request
 * options are the core's: diff shapes the same requests). */
typedef struct {
    const char *create_inputs;  /* url:PREFIX or bytes; NULL: no inputs */
    const char *dataset_id;
} clarifai_write_opts;

enum { K_POST, K_PATCH, K_DELETE };
static const char *const kind_names[] = {"post", "patch", "delete"};

typedef struct {
    char *id, *name;
    double value;
} pend_concept;

typedef struct {
    ap_context *ctx;
    ap_output *out;
    int kind;
    const char *action;   /* patch's action; NULL: merge */
    ap_buf body, ids;     /* the batch; delete keeps its ids apart */
    size_t in_batch;
    uint32_t *sizes;      /* entries per request file written */
    size_t nfiles, cap;
    int batch_size;
    /* the annotation being gathered */
    int pending;
    ap_annotation a;      /* strings and points below are owned copies */
    char *input_id, *src_id, *region_id, *hash_id;
    ap_point *points;
    size_t points_cap;
    pend_concept *concepts;
    size_t nconcepts, concepts_cap;
    unsigned char *seen;  /* delete --all-of-inputs: inputs listed already */
    size_t nseen, seen_cap;
    ap_post_inputs *inputs; /* --create-inputs, else NULL */
} cw_state;

static int kind_of(const char *r)
{
    return !r || !strcmp(r, "post") ? K_POST : !strcmp(r, "patch") ? K_PATCH : K_DELETE;
}

static int cw_kind(const ap_context *ctx)
{
    return kind_of(ctx->opt.request);
}

static int cw_accepts(const ap_context *ctx, int *needs_size)
{
    *needs_size = 0;
    int all = AP_ACCEPT_BOX | AP_ACCEPT_POLYGON | AP_ACCEPT_CONCEPT | AP_ACCEPT_ABSENT;
    int k = cw_kind(ctx);
    if (k == K_PATCH || (k == K_DELETE && !ctx->opt.all_of_inputs))
        all |= AP_REQUIRE_ID;
    return all;
}

static int cw_open(ap_context *ctx, ap_output *out, void *priv)
{
    cw_state *st = priv;
    st->ctx = ctx;
    st->out = out;
    st->kind = cw_kind(ctx);
    st->action = ctx->opt.action;
    if (ctx->opt.request && st->kind == K_POST && strcmp(ctx->opt.request, "post"))
        return ap_error(ctx, AP_EUSAGE, "--request takes post, patch or delete, not %s",
                        ctx->opt.request);
    const clarifai_write_opts *w = ap_plugin_options_get(ctx, &ap_writer_clarifai.options);
    if (w->dataset_id && !w->create_inputs)
        return ap_error(ctx, AP_EUSAGE, "--dataset-id adds the inputs --create-inputs "
                        "creates to a dataset; give --create-inputs too");
    if (!w->create_inputs)
        return AP_OK;
    if (st->kind != K_POST)
        return ap_error(ctx, AP_EUSAGE, "--create-inputs goes with post requests (the inputs "
                        "of annotations to post), not --request %s", ctx->opt.request);
    const ap_options *o = &ctx->opt;
    int labels_on_inputs = !o->annotation_user_id && o->status == AP_STATUS_NONE &&
                           !o->embed_model_version_id && !o->annotation_ids_hash;
    st->inputs = ap_post_inputs_open(ctx, out, w->create_inputs, w->dataset_id,
                                     labels_on_inputs);
    return st->inputs ? AP_OK : ctx->err;
}

static void clear_pending(cw_state *st)
{
    free(st->input_id);
    free(st->src_id);
    free(st->region_id);
    free(st->hash_id);
    st->input_id = st->src_id = st->region_id = st->hash_id = NULL;
    for (size_t i = 0; i < st->nconcepts; i++) {
        free(st->concepts[i].id);
        free(st->concepts[i].name);
    }
    st->nconcepts = 0;
    st->pending = 0;
}

static void cw_release(void *priv)
{
    cw_state *st = priv;
    clear_pending(st);
    ap_buf_free(&st->body);
    ap_buf_free(&st->ids);
    free(st->points);
    free(st->concepts);
    free(st->sizes);
    free(st->seen);
    ap_post_inputs_free(st->inputs);
    st->inputs = NULL;
}

static void file_name(char *buf, size_t n, int kind, size_t number)
{
    snprintf(buf, n, "requests/%s-annotations-%06zu.json", kind_names[kind], number);
}

/* Writes the batch as one request file. */
static int cw_flush(cw_state *st)
{
    ap_context *ctx = st->ctx;
    if (st->in_batch == 0)
        return AP_OK;
    if (st->kind == K_DELETE) {
        if (!ctx->opt.all_of_inputs) {
            ap_buf_puts(&st->body, "],\"ids\":[");
            ap_buf_put(&st->body, st->ids.p, st->ids.len);
        }
        ap_buf_puts(&st->body, "]}\n");
    } else {
        ap_buf_puts(&st->body, "]}\n");
    }
    if (st->body.oom || st->ids.oom)
        return ap_error_nomem(ctx);
    if (ap_grow(&st->sizes, &st->cap, st->nfiles + 1, sizeof *st->sizes) != 0)
        return ap_error_nomem(ctx);
    char name[64];
    file_name(name, sizeof name, st->kind, st->nfiles + 1);
    int rc = ap_output_put(st->out, name, &st->body);
    if (rc)
        return rc;
    st->sizes[st->nfiles++] = (uint32_t)st->in_batch;
    ctx->counts.requests++;
    st->in_batch = 0;
    st->body.len = 0;
    st->ids.len = 0;
    return AP_OK;
}

/* Starts a request body, or separates an entry from the one before. */
static void open_entry(cw_state *st)
{
    ap_buf *b = &st->body;
    const ap_options *o = &st->ctx->opt;
    if (st->in_batch > 0) {
        ap_buf_putc(b, ',');
        if (st->kind == K_DELETE && !o->all_of_inputs)
            ap_buf_putc(&st->ids, ',');
        return;
    }
    ap_buf_putc(b, '{');
    ap_clarifai_user_app(b, o);
    if (st->kind == K_PATCH) {
        ap_buf_puts(b, "\"action\":");
        ap_buf_json_string(b, st->action ? st->action : "merge");
        ap_buf_putc(b, ',');
    }
    ap_buf_puts(b, st->kind == K_DELETE ? "\"input_ids\":[" : "\"annotations\":[");
}

static void put_concepts(cw_state *st)
{
    ap_buf *b = &st->body;
    ap_buf_puts(b, "{\"concepts\":[");
    for (size_t i = 0; i < st->nconcepts; i++) {
        ap_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        ap_buf_json_string(b, st->concepts[i].id);
        ap_buf_puts(b, ",\"name\":");
        ap_buf_json_string(b, st->concepts[i].name);
        ap_buf_puts(b, ",\"value\":");
        ap_buf_json_number(b, st->concepts[i].value);
        ap_buf_putc(b, '}');
    }
    ap_buf_puts(b, "]}");
}

static void put_field(ap_buf *b, const char *name, double v)
{
    ap_buf_putc(b, '"');
    ap_buf_puts(b, name);
    ap_buf_puts(b, "\":");
    ap_buf_json_number(b, v);
}

static void put_region_info(ap_buf *b, const ap_annotation *a)
{
    ap_buf_puts(b, "\"region_info\":{");
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
        for (size_t i = 0; i < a->npoints; i++) { /* by the million: one reserve each */
            ap_buf_reserve(b, 96);
            if (b->oom)
                return;
            char *o = b->p + b->len;
            if (i)
                *o++ = ',';
            memcpy(o, "{\"row\":", 7);
            o += 7;
            o += ap_format_double(o, a->points[i].row);
            memcpy(o, ",\"col\":", 7);
            o += 7;
            o += ap_format_double(o, a->points[i].col);
            *o++ = '}';
            *o = '\0';
            b->len = (size_t)(o - b->p);
        }
        ap_buf_puts(b, "]}");
    }
    ap_buf_putc(b, '}');
}

/* Writes the gathered annotation into the batch. */
static int put_pending(cw_state *st)
{
    if (!st->pending)
        return AP_OK;
    ap_context *ctx = st->ctx;
    const ap_options *o = &ctx->opt;
    const ap_annotation *a = &st->a;
    ap_buf *b = &st->body;
    open_entry(st);
    if (st->kind == K_DELETE) {
        ap_buf_json_string(b, st->input_id);
        if (!o->all_of_inputs)
            ap_buf_json_string(&st->ids, st->src_id);
    } else {
        ap_buf_putc(b, '{');
        const char *id = st->kind == K_PATCH ? st->src_id : st->hash_id;
        if (id) {
            ap_buf_puts(b, "\"id\":");
            ap_buf_json_string(b, id);
            ap_buf_putc(b, ',');
        }
        ap_buf_puts(b, "\"input_id\":");
        ap_buf_json_string(b, st->input_id);
        int status_only = st->kind == K_PATCH && !st->action && o->status != AP_STATUS_NONE;
        if (!status_only) {
            ap_buf_puts(b, ",\"data\":");
            if (a->kind == AP_REGION_NONE) {
                put_concepts(st);
            } else {
                ap_buf_puts(b, "{\"regions\":[{");
                if (st->region_id) {
                    ap_buf_puts(b, "\"id\":");
                    ap_buf_json_string(b, st->region_id);
                    ap_buf_putc(b, ',');
                }
                /* posting onto an existing region names it only */
                if (!(st->kind == K_POST && st->region_id)) {
                    put_region_info(b, a);
                    ap_buf_putc(b, ',');
                }
                ap_buf_puts(b, "\"data\":");
                put_concepts(st);
                ap_buf_puts(b, "}]}");
            }
        }
        if (o->annotation_user_id && !status_only) {
            ap_buf_puts(b, ",\"user_id\":");
            ap_buf_json_string(b, o->annotation_user_id);
        }
        if (o->status != AP_STATUS_NONE)
            ap_buf_puts(b, o->status == AP_STATUS_SUCCESS
                               ? ",\"status\":{\"code\":\"ANNOTATION_SUCCESS\"}"
                               : ",\"status\":{\"code\":\"ANNOTATION_PENDING\"}");
        if (o->embed_model_version_id && !status_only) {
            ap_buf_puts(b, ",\"embed_model_version_id\":");
            ap_buf_json_string(b, o->embed_model_version_id);
        }
        ap_buf_putc(b, '}');
    }
    clear_pending(st);
    if (b->oom)
        return ap_error_nomem(ctx);
    if (++st->in_batch == (size_t)st->ctx->opt.batch_size)
        return cw_flush(st);
    return AP_OK;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Is a the same source annotation and region as the gathered one? */
static int continues(const cw_state *st, const ap_annotation *a)
{
    if (!st->pending || !a->src_id || !same_str(st->src_id, a->src_id) ||
        strcmp(st->input_id, a->input->id) != 0 || !same_str(st->region_id, a->region_id) ||
        st->a.kind != a->kind)
        return 0;
    if (st->kind == K_DELETE)
        return 1;
    if (a->kind == AP_REGION_BOX)
        return !memcmp(&st->a.box, &a->box, sizeof a->box);
    if (a->kind == AP_REGION_POLYGON)
        return st->a.npoints == a->npoints &&
               !memcmp(st->points, a->points, a->npoints * sizeof *a->points);
    return 1;
}

static int add_concept(cw_state *st, const ap_annotation *a)
{
    for (size_t i = 0; i < st->nconcepts; i++)
        if (!strcmp(st->concepts[i].id, a->concept->id))
            return AP_ABSORBED; /* the same concept twice in one annotation: once */
    if (ap_grow(&st->concepts, &st->concepts_cap, st->nconcepts + 1, sizeof *st->concepts) != 0)
        return ap_error_nomem(st->ctx);
    pend_concept *c = &st->concepts[st->nconcepts];
    c->id = ap_strdup(a->concept->id);
    c->name = ap_strdup(a->concept->name);
    c->value = a->value;
    if (!c->id || !c->name) {
        free(c->id);
        free(c->name);
        return ap_error_nomem(st->ctx);
    }
    st->nconcepts++;
    return AP_OK;
}

static int cw_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    cw_state *st = state;
    if (st->inputs) { /* its input can be created, or the object is a reject */
        int taken, rc = ap_post_inputs_add(st->inputs, a, &taken);
        if (rc || taken)
            return rc;
    }
    if (continues(st, a)) {
        int rc = add_concept(st, a);
        return rc ? rc : AP_MERGED; /* AP_ABSORBED (a repeat) passes through */
    }
    if (st->kind == K_DELETE && ctx->opt.all_of_inputs) {
        size_t k = a->input->index;
        if (k >= st->nseen) {
            if (ap_grow(&st->seen, &st->seen_cap, k + 1, 1) != 0)
                return ap_error_nomem(ctx);
            memset(st->seen + st->nseen, 0, k + 1 - st->nseen);
            st->nseen = k + 1;
        }
        if (st->seen[k])
            return AP_MERGED; /* the input is listed already: covered */
        st->seen[k] = 1;
    }
    int rc = put_pending(st);
    if (rc)
        return rc;
    st->a = *a;
    st->input_id = ap_strdup(a->input->id);
    st->src_id = a->src_id ? ap_strdup(a->src_id) : NULL;
    st->region_id = a->region_id ? ap_strdup(a->region_id) : NULL;
    st->hash_id = a->id ? ap_strdup(a->id) : NULL;
    if (!st->input_id || (a->src_id && !st->src_id) || (a->region_id && !st->region_id) ||
        (a->id && !st->hash_id))
        return ap_error_nomem(ctx);
    if (a->kind == AP_REGION_POLYGON) {
        if (ap_grow(&st->points, &st->points_cap, a->npoints, sizeof *st->points) != 0)
            return ap_error_nomem(ctx);
        memcpy(st->points, a->points, a->npoints * sizeof *a->points);
        st->a.points = st->points;
    }
    st->pending = 1;
    int r = add_concept(st, a);
    return r == AP_ABSORBED ? AP_OK : r;
}

static void cw_manifest(void *user, cJSON *m, cJSON *target)
{
    const cw_state *st = user;
    char req[32];
    snprintf(req, sizeof req, "%s_annotations", kind_names[st->kind]);
    cJSON_AddStringToObject(target, "request", req);
    cJSON_AddNumberToObject(target, "batch_size", st->batch_size);
    if (st->kind == K_PATCH)
        cJSON_AddStringToObject(target, "action", st->action ? st->action : "merge");
    (void)m;
}

/* The request files, one a line (a big dataset has tens of thousands), in
 * the order to send them: the inputs' first. */
static void cw_requests(void *user, FILE *f)
{
    const cw_state *st = user;
    size_t ninputs = ap_post_inputs_files(st->inputs);
    fputs(",\n\t\"requests\":\t[", f);
    if (ninputs)
        ap_post_inputs_list(st->inputs, f);
    for (size_t i = 0; i < st->nfiles; i++) {
        char name[64];
        file_name(name, sizeof name, st->kind, i + 1);
        fprintf(f, "%s\n\t\t{\"file\":\"%s\",\"annotations\":%llu}", i || ninputs ? "," : "",
                name, (unsigned long long)st->sizes[i]);
    }
    fputs(st->nfiles || ninputs ? "\n\t]" : "]", f);
}

static int cw_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    cw_state *st = state;
    int rc = put_pending(st);
    if (rc == AP_OK)
        rc = cw_flush(st);
    if (rc == AP_OK && st->inputs)
        rc = ap_post_inputs_write(st->inputs, info);
    if (rc)
        return rc;
    st->batch_size = ctx->opt.batch_size;
    return ap_manifest_write(ctx, st->out, info, "clarifai", cw_manifest, cw_requests, st);
}

/* ---- request batches for other parts of annoport (diff plans) ---- */

void *ap_requests_open(ap_context *ctx, ap_output *out, const char *kind, const char *action)
{
    cw_state *st = calloc(1, sizeof *st);
    if (!st) {
        ap_error_nomem(ctx);
        return NULL;
    }
    st->ctx = ctx;
    st->out = out;
    st->kind = kind_of(kind);
    st->action = action;
    return st;
}

int ap_requests_add(void *state, const ap_annotation *a)
{
    cw_state *st = state;
    int rc = cw_annotation(st->ctx, st, a);
    return rc == AP_MERGED || rc == AP_ABSORBED ? AP_OK : rc;
}

int ap_requests_finish(void *state, cJSON *list)
{
    cw_state *st = state;
    int rc = put_pending(st);
    if (rc == AP_OK)
        rc = cw_flush(st);
    for (size_t i = 0; rc == AP_OK && i < st->nfiles; i++) {
        char name[64];
        file_name(name, sizeof name, st->kind, i + 1);
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "file", name);
        cJSON_AddStringToObject(r, "request", kind_names[st->kind]);
        cJSON_AddNumberToObject(r, "annotations", st->sizes[i]);
        cJSON_AddItemToArray(list, r);
    }
    return rc;
}

void ap_requests_free(void *state)
{
    if (!state)
        return;
    cw_release(state);
    free(state);
}

static const ap_option clarifai_write_options[] = {
    {"create-inputs", "MODE", "create the inputs too: url:PREFIX (PREFIX + file name) or "
     "bytes (--images)", AP_OPT_PARSE,
     offsetof(clarifai_write_opts, create_inputs), NULL, ap_post_inputs_parse,
     AP_OPT_NO_DIFF},
    {"dataset-id", "ID", "add the inputs created to this dataset", AP_OPT_STRING,
     offsetof(clarifai_write_opts, dataset_id), NULL, NULL, AP_OPT_NO_DIFF},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, 0},
};

const ap_writer ap_writer_clarifai = {
    .name = "clarifai",
    .description = "Clarifai JSON: request bodies and manifests, GET /v2/annotations and "
                   "/v2/inputs pages, dataset exports",
    .accepts = cw_accepts,
    .priv_size = sizeof(cw_state),
    .open = cw_open,
    .annotation = cw_annotation,
    .close = cw_close,
    .release = cw_release,
    .options = {"Creating the inputs (--to clarifai)", clarifai_write_options,
                sizeof(clarifai_write_opts), NULL},
};
