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
 *
 * With --threads above 1 and a folder output, the numbers of polygon
 * points are written on a second thread: a batch's body is built with the
 * byte 0x01 (which a JSON string never holds unescaped) where each number
 * goes and the numbers beside it, and the formatter thread turns it into
 * the body with the same number writer while this thread reads on. Bodies
 * are written to the output by this thread, in order, so the files and
 * their names are the same whatever the number of threads. A body that
 * cannot be written is reported when its turn comes, up to CW_JOBS batches
 * later: an error in the input met meanwhile is then the run's error
 * instead (either way the run fails and leaves no output).
 */
#include <pthread.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
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

/* A batch for the formatter thread. */
typedef struct {
    ap_buf tmpl;          /* the body, 0x01 where a number goes */
    double *nums;         /* the numbers, in order */
    size_t nnums, nums_cap;
    ap_buf text;          /* the body as written */
    char name[64];
} cw_job;

#define CW_JOBS 8 /* the formatter is woken with half of them waiting */

typedef struct {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t queued, expanded;
    cw_job job[CW_JOBS];  /* job k is job[k % CW_JOBS] */
    uint64_t submitted, done, written; /* jobs so far: handed over, expanded, written */
    int stop, idle;       /* idle: the formatter waits for jobs */
} cw_fmt;

typedef struct {
    ap_context *ctx;
    ap_output *out;
    cw_fmt *fmt;          /* the formatter thread, or NULL: numbers written in place */
    double *nums;         /* the batch's polygon numbers, marked in body */
    size_t nnums, nums_cap;
    ap_buf text;          /* without fmt: a marked body as written */
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

/* ---- the formatter thread ---- */

/* A body as written: tmpl with nums[0..nnums) written in at its 0x01
 * markers, in t. The one place polygon numbers are formatted, on the
 * formatter thread or, without it, at the flush. */
static void expand_into(ap_buf *t, const ap_buf *tmpl, const double *nums, size_t nnums)
{
    t->len = 0;
    ap_buf_reserve(t, tmpl->len + nnums * 32 + 16);
    if (t->oom)
        return;
    const char *p = tmpl->p ? tmpl->p : "", *end = p + tmpl->len;
    char *o = t->p;
    for (size_t k = 0; k < nnums; k++) {
        const char *m;
#ifdef __SSE2__
        unsigned hit = 0; /* between two numbers of a polygon: a few bytes */
        if (end - p >= 16)
            hit = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
                _mm_loadu_si128((const __m128i *)(const void *)p), _mm_set1_epi8(1)));
        if (hit) {
            m = p + __builtin_ctz(hit);
            memcpy(o, p, 16); /* the text has room for the bytes past m */
        } else
#endif
        {
            m = memchr(p, '\x01', (size_t)(end - p));
            if (!m)
                break;
            memcpy(o, p, (size_t)(m - p));
        }
        o += m - p;
        o += ap_format_double(o, nums[k]);
        p = m + 1;
    }
    memcpy(o, p, (size_t)(end - p));
    o += end - p;
    *o = '\0';
    t->len = (size_t)(o - t->p);
}

static void expand(cw_job *j)
{
    expand_into(&j->text, &j->tmpl, j->nums, j->nnums);
}

static void *fmt_run(void *arg)
{
    cw_fmt *f = arg;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (f->done == f->submitted && !f->stop) {
            f->idle = 1;
            pthread_cond_wait(&f->queued, &f->mu);
            f->idle = 0;
        }
        if (f->done == f->submitted)
            break;
        cw_job *j = &f->job[f->done % CW_JOBS];
        pthread_mutex_unlock(&f->mu);
        expand(j);
        pthread_mutex_lock(&f->mu);
        f->done++;
        pthread_cond_signal(&f->expanded);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static cw_fmt *fmt_start(void)
{
    cw_fmt *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->queued, NULL);
    pthread_cond_init(&f->expanded, NULL);
    if (pthread_create(&f->tid, NULL, fmt_run, f) != 0) {
        pthread_mutex_destroy(&f->mu);
        pthread_cond_destroy(&f->queued);
        pthread_cond_destroy(&f->expanded);
        free(f);
        return NULL;
    }
    return f;
}

static void fmt_stop(cw_fmt *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_cond_signal(&f->queued);
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->tid, NULL);
    for (int k = 0; k < CW_JOBS; k++) {
        ap_buf_free(&f->job[k].tmpl);
        ap_buf_free(&f->job[k].text);
        free(f->job[k].nums);
    }
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->queued);
    pthread_cond_destroy(&f->expanded);
    free(f);
}

/* Writes the oldest job handed over, once expanded. */
static int fmt_write_oldest(cw_state *st)
{
    cw_fmt *f = st->fmt;
    pthread_mutex_lock(&f->mu);
    if (f->done == f->written && f->idle) /* it must run before this thread goes on */
        pthread_cond_signal(&f->queued);
    while (f->done == f->written)
        pthread_cond_wait(&f->expanded, &f->mu);
    pthread_mutex_unlock(&f->mu);
    cw_job *j = &f->job[f->written % CW_JOBS];
    f->written++; /* this thread's alone */
    return ap_output_put(st->out, j->name, &j->text);
}

/* Hands the batch (its body and numbers) to the formatter, and writes the
 * jobs expanded meanwhile. */
static int fmt_submit(cw_state *st, const char *name)
{
    cw_fmt *f = st->fmt;
    if (f->submitted - f->written == CW_JOBS) { /* all taken: the oldest first */
        int rc = fmt_write_oldest(st);
        if (rc)
            return rc;
    }
    cw_job *j = &f->job[f->submitted % CW_JOBS];
    ap_buf b = j->tmpl;
    j->tmpl = st->body;
    st->body = b;
    st->body.len = 0;
    double *nums = j->nums;
    size_t cap = j->nums_cap;
    j->nums = st->nums;
    j->nums_cap = st->nums_cap;
    j->nnums = st->nnums;
    st->nums = nums;
    st->nums_cap = cap;
    st->nnums = 0;
    snprintf(j->name, sizeof j->name, "%s", name);
    pthread_mutex_lock(&f->mu);
    f->submitted++;
    if (f->idle && f->submitted - f->done >= CW_JOBS / 2) /* a wake-up is a system call */
        pthread_cond_signal(&f->queued);
    uint64_t done = f->done;
    pthread_mutex_unlock(&f->mu);
    while (f->written < done) {
        int rc = fmt_write_oldest(st);
        if (rc)
            return rc;
    }
    return AP_OK;
}

/* Writes every job handed over. */
static int fmt_drain(cw_state *st)
{
    while (st->fmt && st->fmt->written < st->fmt->submitted) {
        int rc = fmt_write_oldest(st);
        if (rc)
            return rc;
    }
    return AP_OK;
}

static int cw_open(ap_context *ctx, ap_output *out, void *priv)
{
    cw_state *st = priv;
    st->ctx = ctx;
    st->out = out;
    st->kind = cw_kind(ctx);
    st->action = ctx->opt.action;
    /* a zip's members are deflated on the other cores: a formatter there
     * costs more than it saves (5,000 images, both: 0.47-0.49 s without,
     * 0.52-0.54 s with) */
    if (ctx->opt.threads > 1 && !ap_output_is_zip(out))
        st->fmt = fmt_start(); /* NULL: numbers written in place, as with one thread */
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
    fmt_stop(st->fmt);
    st->fmt = NULL;
    free(st->nums);
    st->nums = NULL;
    st->nnums = st->nums_cap = 0;
    clear_pending(st);
    ap_buf_free(&st->body);
    ap_buf_free(&st->text);
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
    /* a body with numbers left to write goes to the formatter, or without
     * it has them written in here; one without is written as it is, after
     * those handed over before it */
    int rc;
    if (st->nnums > 0 && st->fmt) {
        rc = fmt_submit(st, name);
    } else if (st->nnums > 0) { /* out of memory in it: ap_output_put says so */
        expand_into(&st->text, &st->body, st->nums, st->nnums);
        st->nnums = 0;
        rc = ap_output_put(st->out, name, &st->text);
    } else {
        rc = fmt_drain(st);
        if (rc == AP_OK)
            rc = ap_output_put(st->out, name, &st->body);
    }
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

/* The points marked, their numbers kept for expand_into. */
static void put_points_marked(cw_state *st, const ap_annotation *a)
{
    ap_buf *b = &st->body;
    size_t need = st->nnums + 2 * a->npoints;
    if (need > st->nums_cap && ap_grow(&st->nums, &st->nums_cap, need, sizeof *st->nums) != 0) {
        b->oom = 1;
        return;
    }
    ap_buf_reserve(b, 18 * a->npoints);
    if (b->oom)
        return;
    char *o = b->p + b->len;
    double *n = st->nums + st->nnums;
    for (size_t i = 0; i < a->npoints; i++) {
        *o = ',';
        o += i > 0;
        memcpy(o, "{\"row\":\x01,\"col\":\x01}", 17);
        o += 17;
        *n++ = a->points[i].row;
        *n++ = a->points[i].col;
    }
    *o = '\0';
    b->len = (size_t)(o - b->p);
    st->nnums = need;
}

static void put_region_info(cw_state *st, const ap_annotation *a)
{
    ap_buf *b = &st->body;
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
        put_points_marked(st, a);
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
                    put_region_info(st, a);
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
    if (rc == AP_OK)
        rc = fmt_drain(st);
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
