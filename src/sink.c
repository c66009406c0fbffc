/*
 * sink.c: the core between readers and writers. It owns the two tables
 * that live for a whole run (inputs, concepts), applies the label map and
 * --labels, normalizes and checks every object (normalize.c), counts, writes
 * rejects.jsonl, and passes annotations on to the writer. Nothing here
 * keeps an annotation after the call that carries it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"

#define MAX_REJECT_WARNINGS 20

ap_context *ap_sink_context(ap_sink *sink)
{
    return sink->ctx;
}

/* Whether stored (kept with ap_utf8_dup) is raw as it was stored. */
static int same_text(const char *stored, const char *raw)
{
    if (strcmp(stored, raw) == 0)
        return 1;
    char *fixed = ap_utf8_dup(raw);
    int same = fixed && strcmp(stored, fixed) == 0;
    free(fixed);
    return same;
}

/* ---- inputs ---- */

/* --images DIR: the size from the image file's header, looked up as
 * DIR/file_name and then DIR/basename (a name with ".." only by basename). */
static int size_from_images(ap_sink *sink, const char *file_name, int64_t *w, int64_t *h)
{
    const char *dir = sink->ctx->opt.images_dir;
    const char *base = strrchr(file_name, '/');
    base = base ? base + 1 : file_name;
    int dotdot = strstr(file_name, "..") != NULL;
    size_t n = strlen(dir) + strlen(file_name) + 2;
    char *path = malloc(n);
    if (!path)
        return 0;
    int found = 0;
    if (!dotdot && file_name[0] != '/') {
        snprintf(path, n, "%s/%s", dir, file_name);
        found = ap_image_size(path, w, h);
    }
    if (!found && base != file_name && strcmp(base, "..") != 0) {
        snprintf(path, n, "%s/%s", dir, base);
        found = ap_image_size(path, w, h);
    }
    free(path);
    return found;
}

/* The one copy of a source path that every input read from it points to
 * (a COCO file names a hundred thousand images). NULL when out of memory. */
static char *src_file(ap_sink *sink, const char *path)
{
    char *p = ap_map_get(sink->src_files, path);
    if (p)
        return p;
    p = ap_store_strdup(sink->store, path);
    if (p && ap_map_put(sink->src_files, path, p) != 0)
        p = NULL;
    return p;
}

/* Inputs, their ids and names live in the sink's store. Takes id (a heap
 * string) over. */
static ap_input *input_new(ap_sink *sink, char *id, const ap_image_desc *d)
{
    ap_context *ctx = sink->ctx;
    ap_input *in = ap_store_alloc(sink->store, sizeof *in);
    char *name = ap_utf8_dup(d->file_name);
    if (in) {
        in->id = ap_store_strdup(sink->store, id);
        in->file_name = name ? ap_store_strdup(sink->store, name) : NULL;
    }
    free(id);
    free(name);
    if (!in || !in->id || !in->file_name ||
        ap_store_grow(sink->store, &sink->inputs, &sink->ninputs_cap, sink->ninputs + 1,
                      sizeof *sink->inputs) != 0) {
        ap_error_nomem(ctx);
        return NULL;
    }
    id = in->id;
    in->src_file = src_file(sink, d->pos.file ? d->pos.file : "-");
    in->src_line = d->pos.line;
    in->width = d->width > 0 ? d->width : 0;
    in->height = d->height > 0 ? d->height : 0;
    in->split = NULL;
    in->index = (uint32_t)sink->ninputs;
    if ((in->width == 0 || in->height == 0) && ctx->opt.images_dir) {
        int64_t w, h;
        if (size_from_images(sink, d->file_name, &w, &h)) {
            in->width = w;
            in->height = h;
        }
    }
    if (!in->src_file || ap_map_put(sink->inputs_by_id, id, in) != 0) {
        ap_error_nomem(ctx);
        return NULL;
    }
    sink->inputs[sink->ninputs++] = in;
    ctx->counts.inputs++;
    return in;
}

/* A Clarifai input, named by its id: seen again, it only learns what it
 * did not know (a size, a file name better than its id). */
static ap_input *clarifai_input(ap_sink *sink, const ap_image_desc *d)
{
    ap_input *in = ap_map_get(sink->inputs_by_id, d->input_id);
    if (!in) {
        char *id = ap_strdup(d->input_id);
        if (!id) {
            ap_error_nomem(sink->ctx);
            return NULL;
        }
        in = input_new(sink, id, d);
        if (in)
            in->id_given = 1;
        return in;
    }
    if (in->width <= 0 && d->width > 0 && d->height > 0) {
        in->width = d->width;
        in->height = d->height;
    }
    if (strcmp(in->file_name, in->id) == 0 && strcmp(d->file_name, in->id) != 0) {
        char *name = ap_store_strdup(sink->store, d->file_name);
        if (!name) {
            ap_error_nomem(sink->ctx);
            return NULL;
        }
        in->file_name = name;
    }
    return in;
}

static ap_input *sink_input(ap_sink *sink, const ap_image_desc *d, const char *id_name)
{
    ap_context *ctx = sink->ctx;
    char *id = NULL;
    if (d->input_id) /* a Clarifai input: its id is the id */
        return clarifai_input(sink, d);
    switch (ctx->opt.input_id) {
    case AP_INPUT_ID_CLEAN:
        id = ap_input_id_clean(id_name ? id_name : d->file_name);
        break;
    case AP_INPUT_ID_STEM:
        id = ap_input_id_stem(id_name ? id_name : d->file_name);
        break;
    case AP_INPUT_ID_ID:
        if (!d->has_numeric_id) {
            ap_error_at(ctx, AP_EUSAGE, d->pos.file, d->pos.line, 0,
                        "--input-id id needs numeric image ids, and this source has "
                        "none; use --input-id clean or stem");
            return NULL;
        }
        id = malloc(24);
        if (id)
            snprintf(id, 24, "%lld", (long long)d->numeric_id);
        break;
    }
    if (!id) {
        ap_error_nomem(ctx);
        return NULL;
    }
    ap_input *in = ap_map_get(sink->inputs_by_id, id);
    if (in) {
        free(id);
        if (!same_text(in->file_name, d->file_name)) {
            ap_error_at(ctx, AP_EDATA, d->pos.file, d->pos.line, 0,
                        "two images give the same input id \"%s\": \"%s\" (%s:%llu) and "
                        "\"%s\" (here); rename one, or choose --input-id stem or id",
                        in->id, in->file_name, in->src_file, (unsigned long long)in->src_line,
                        d->file_name);
            return NULL;
        }
        if (d->width > 0 && d->height > 0) {
            if (in->width > 0 && (in->width != d->width || in->height != d->height)) {
                ap_error_at(ctx, AP_EDATA, d->pos.file, d->pos.line, 0,
                            "image \"%s\" is %lldx%lld here but %lldx%lld in %s:%llu",
                            d->file_name, (long long)d->width, (long long)d->height,
                            (long long)in->width, (long long)in->height, in->src_file,
                            (unsigned long long)in->src_line);
                return NULL;
            }
            in->width = d->width;
            in->height = d->height;
        }
        return in;
    }
    return input_new(sink, id, d);
}

ap_input *ap_sink_add_input_ex(ap_sink *sink, const ap_image_desc *d, const char *id_name,
                           const char *split)
{
    ap_input *in = sink_input(sink, d, id_name);
    if (in && split && !in->split && !(in->split = ap_store_strdup(sink->store, split))) {
        ap_error_nomem(sink->ctx);
        return NULL;
    }
    return in;
}

ap_input *ap_sink_add_input(ap_sink *sink, const ap_image_desc *d)
{
    return ap_sink_add_input_ex(sink, d, NULL, NULL);
}

/* ---- concepts ---- */

static void concept_free(ap_concept *c)
{
    if (!c)
        return;
    free(c->id);
    free(c->name);
    free(c);
}

static ap_concept *concept_new(const char *id, const char *name, int filtered)
{
    ap_concept *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->id = ap_strdup(id);
    c->name = ap_utf8_dup(name);
    c->filtered = filtered;
    if (!c->id || !c->name) {
        concept_free(c);
        return NULL;
    }
    return c;
}

static int keep_label(ap_sink *sink, const char *name, const char *id)
{
    if (!sink->keep)
        return 1;
    ap_label_rule *r = ap_map_get(sink->keep, name);
    ap_label_rule *by_id = ap_map_get(sink->keep, id);
    if (r)
        r->used = 1;
    if (by_id)
        by_id->used = 1;
    return r || by_id;
}

const ap_concept *ap_sink_add_concept(ap_sink *sink, const char *label)
{
    ap_context *ctx = sink->ctx;
    ap_concept *c = ap_map_get(sink->concepts_by_label, label);
    if (c)
        return c;
    const char *name = label, *given = NULL;
    int filtered = 0;
    if (sink->label_map) {
        ap_label_rule *r = ap_map_get(sink->label_map, label);
        if (r) {
            r->used = 1;
            /* "from,to,id": the id given; an empty "to" keeps the label */
            name = *r->to || !r->id ? r->to : label;
            filtered = *r->to == '\0' && !r->id;
            given = r->id;
        }
    }
    char *id = filtered ? ap_strdup("") : given ? ap_strdup(given) : ap_concept_id(name);
    if (!id) {
        ap_error_nomem(ctx);
        return NULL;
    }
    if (!filtered && !*id) {
        free(id);
        ap_error(ctx, AP_EDATA,
                 "%s: label \"%s\" gives an empty concept id (concept ids keep only a-z, "
                 "0-9, '_' and '-'); map it to another name with --label-map",
                 sink->cur_path, name);
        return NULL;
    }
    if (!filtered && !keep_label(sink, name, id))
        filtered = 1;
    if (!filtered)
        c = ap_map_get(sink->concepts_by_id, id);
    if (c && !same_text(c->name, name)) {
        ap_error(ctx, AP_EDATA,
                 "%s: labels \"%s\" and \"%s\" give the same concept id \"%s\"; if they "
                 "are one concept, say so with --label-map (\"%s,%s\"), else rename one",
                 sink->cur_path, c->name, name, id, name, c->name);
        free(id);
        return NULL;
    }
    if (!c) {
        c = concept_new(id, name, filtered);
        if (!c || ap_grow(&sink->concepts, &sink->nconcepts_cap, sink->nconcepts + 1,
                       sizeof *sink->concepts) != 0) {
            concept_free(c);
            free(id);
            ap_error_nomem(ctx);
            return NULL;
        }
        c->index = (uint32_t)sink->nconcepts;
        sink->concepts[sink->nconcepts++] = c;
        if (!filtered && ap_map_put(sink->concepts_by_id, id, c) != 0) {
            free(id);
            ap_error_nomem(ctx);
            return NULL;
        }
    }
    free(id);
    if (ap_map_put(sink->concepts_by_label, label, c) != 0) {
        ap_error_nomem(ctx);
        return NULL;
    }
    return c;
}

/* ---- rejects ---- */

static void count_reason(ap_sink *sink, const char *reason)
{
    for (size_t i = 0; i < sink->nreasons; i++) {
        if (strcmp(sink->reasons[i], reason) == 0) {
            sink->reason_counts[i]++;
            return;
        }
    }
    if (sink->nreasons == sizeof sink->reasons / sizeof sink->reasons[0])
        return;
    sink->reasons[sink->nreasons] = reason;
    sink->reason_counts[sink->nreasons++] = 1;
}

static int reject_v(ap_sink *sink, const ap_srcpos *pos, const char *input,
                    const char *label, const char *reason, const char *fmt, va_list ap)
{
    ap_context *ctx = sink->ctx;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    ctx->counts.objects_rejected++;
    ap_input *in = input && sink->inputs_by_id ? ap_map_get(sink->inputs_by_id, input) : NULL;
    if (in)
        in->rejected++;
    count_reason(sink, reason);
    char where[320];
    if (pos->line)
        snprintf(where, sizeof where, "%s:%llu", pos->file, (unsigned long long)pos->line);
    else
        snprintf(where, sizeof where, "%s", pos->file);
    if (sink->nfirst_rejects < AP_FIRST_REJECTS)
        snprintf(sink->first_rejects[sink->nfirst_rejects++], sizeof sink->first_rejects[0],
                 "%.300s: %s: %.150s", where, reason, msg);
    if (ctx->opt.strict)
        return ap_error(ctx, AP_EDATA, "%s: %s: %s (--strict: no output written)", where,
                        reason, msg);
    if (sink->mode == AP_RUN_VALIDATE) {
        if (ctx->counts.objects_rejected <= MAX_REJECT_WARNINGS)
            ap_warn(ctx, "%s: %s: %s", where, reason, msg);
        else if (ctx->counts.objects_rejected == MAX_REJECT_WARNINGS + 1)
            ap_warn(ctx, "more rejects follow; the summary counts them by reason");
    }
    if (!sink->rejects)
        return AP_OK;

    ap_buf *b = &sink->line;
    b->len = 0;
    ap_buf_puts(b, "{\"source\":{\"file\":");
    ap_buf_json_string(b, pos->file);
    if (pos->line) {
        ap_buf_puts(b, ",\"line\":");
        ap_buf_u64(b, pos->line);
    }
    if (pos->index >= 0) {
        ap_buf_puts(b, ",\"index\":");
        ap_buf_u64(b, (uint64_t)pos->index);
    }
    ap_buf_puts(b, "},\"input\":");
    if (input)
        ap_buf_json_string(b, input);
    else
        ap_buf_puts(b, "null");
    ap_buf_puts(b, ",\"label\":");
    if (label)
        ap_buf_json_string(b, label);
    else
        ap_buf_puts(b, "null");
    ap_buf_puts(b, ",\"reason\":");
    ap_buf_json_string(b, reason);
    ap_buf_puts(b, ",\"message\":");
    ap_buf_json_string(b, msg);
    ap_buf_puts(b, "}\n");
    if (b->oom)
        return ap_error_nomem(ctx);
    fwrite(b->p, 1, b->len, sink->rejects);
    return AP_OK;
}

int ap_sink_add_reject(ap_sink *sink, const ap_srcpos *pos, const char *input,
                   const char *label, const char *reason, const char *fmt, ...)
{
    sink->ctx->counts.objects_read++;
    va_list ap;
    va_start(ap, fmt);
    int rc = reject_v(sink, pos, input, label, reason, fmt, ap);
    va_end(ap);
    return rc;
}

int ap_writer_reject(ap_context *ctx, const ap_annotation *a, const char *reason,
                     const char *fmt, ...)
{
    ap_sink *sink = ctx->sink;
    ctx->counts.objects_read++; /* the core takes it back on AP_ABSORBED */
    va_list ap;
    va_start(ap, fmt);
    int rc = reject_v(sink, &a->pos, a->input ? a->input->id : NULL,
                      a->concept ? a->concept->name : NULL, reason, fmt, ap);
    va_end(ap);
    return rc ? rc : AP_ABSORBED;
}

static int reject(ap_sink *sink, const ap_object *o, const char *reason, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
static int reject(ap_sink *sink, const ap_object *o, const char *reason, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = reject_v(sink, &o->pos, o->input ? o->input->id : NULL,
                      o->concept ? o->concept->name : NULL, reason, fmt, ap);
    va_end(ap);
    return rc;
}

static int reject_norm(ap_sink *sink, const ap_object *o, ap_norm_result r, const char *what)
{
    switch (r) {
    case AP_NORM_NAN:
        return reject(sink, o, "nan_coordinate", "%s has a coordinate that is NaN or infinite",
                      what);
    case AP_NORM_NO_SIZE: {
        /* where the image is declared, when not on the object's own line */
        char at[600] = "";
        const ap_input *in = o->input;
        if (in && in->src_line && (in->src_line != o->pos.line ||
                                   !o->pos.file || strcmp(in->src_file, o->pos.file)))
            snprintf(at, sizeof at, " (declared at %.500s:%llu with no width and height)",
                     in->src_file, (unsigned long long)in->src_line);
        return reject(sink, o, "missing_image_size",
                      "%s is in pixels but the size of image \"%s\"%s is unknown", what,
                      in ? in->file_name : "?", at);
    }
    case AP_NORM_ZERO_AREA:
        return reject(sink, o, "zero_area", "%s is empty or inverted after clamping to the "
                      "image", what);
    case AP_NORM_DEGENERATE:
        return reject(sink, o, "degenerate_polygon", "%s has fewer than three points", what);
    default:
        return AP_OK;
    }
}

/* ---- objects ---- */

static void annotation_id(ap_sink *sink, const ap_annotation *a, size_t part)
{
    ap_buf *b = &sink->idkey;
    b->len = 0;
    ap_buf_puts(b, a->input->id);
    ap_buf_putc(b, '\x1f');
    ap_buf_puts(b, a->pos.file);
    ap_buf_putc(b, '\x1f');
    ap_buf_u64(b, a->pos.line);
    ap_buf_putc(b, '\x1f');
    ap_buf_u64(b, (uint64_t)a->pos.index);
    ap_buf_putc(b, '\x1f');
    ap_buf_u64(b, part);
    ap_buf_putc(b, '\x1f');
    ap_buf_u64(b, (uint64_t)a->kind);
    ap_buf_putc(b, '\x1f');
    ap_buf_puts(b, a->concept->id);
    if (a->kind == AP_REGION_BOX) {
        const double v[4] = {a->box.top, a->box.left, a->box.bottom, a->box.right};
        for (int i = 0; i < 4; i++) {
            ap_buf_putc(b, ',');
            ap_buf_json_number(b, v[i]);
        }
    }
    for (size_t i = 0; i < a->npoints; i++) {
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, a->points[i].row);
        ap_buf_putc(b, ',');
        ap_buf_json_number(b, a->points[i].col);
    }
    const char *s = b->p ? b->p : "";
    snprintf(sink->idbuf, sizeof sink->idbuf, "%016llx%016llx",
             (unsigned long long)ap_hash64(s, b->len, 0x61706964ULL),
             (unsigned long long)ap_hash64(s, b->len, 0x616e6e6fULL));
}

static int emit(ap_sink *sink, ap_annotation *a, size_t part)
{
    ap_context *ctx = sink->ctx;
    a->id = NULL;
    if (ctx->opt.annotation_ids_hash && a->input) {
        annotation_id(sink, a, part);
        if (sink->idkey.oom)
            return ap_error_nomem(ctx);
        a->id = sink->idbuf;
    }
    if (sink->w && sink->w->annotation) {
        int rc = sink->w->annotation(ctx, sink->wstate, a);
        if (rc == AP_MERGED) /* one more concept in the annotation before */
            ((ap_concept *)a->concept)->annotations++;
        if (rc)
            return rc; /* AP_MERGED and AP_ABSORBED: the caller's business */
    }
    ((ap_concept *)a->concept)->annotations++;
    ctx->counts.annotations_written++;
    return AP_OK;
}

/* The writer joined this object to the one before (another concept of the
 * same Clarifai annotation and region): one labeled thing, counted once. */
static int part_of_previous(ap_context *ctx)
{
    ctx->counts.objects_read--;
    return AP_OK;
}

static void box_stats(ap_sink *sink, const ap_input *in, const ap_box *b)
{
    if (in->width <= 0 || in->height <= 0) {
        sink->box_unsized++;
        return;
    }
    double area = (b->right - b->left) * (double)in->width * (b->bottom - b->top) *
                  (double)in->height;
    if (area < 32.0 * 32.0)
        sink->box_small++;
    else if (area < 96.0 * 96.0)
        sink->box_medium++;
    else
        sink->box_large++;
}

/* Whether an object's polygons are written: under polygon or both, and by
 * default when it has no box; never for a crowd (RLE) object. */
static int polygon_wanted(ap_geometry geom, int has_box, int crowd)
{
    return !crowd && (geom == AP_GEOM_POLYGON || geom == AP_GEOM_BOTH ||
                      (geom == AP_GEOM_AUTO && !has_box));
}

int ap_sink_wants_points(const ap_sink *sink, int has_box, int crowd)
{
    return (sink->accepts & AP_ACCEPT_POLYGON) &&
           polygon_wanted(sink->ctx->opt.geometry, has_box, crowd);
}

/* The annotation an object makes, but for its region. */
static void annotation_of(ap_annotation *a, const ap_object *o)
{
    memset(a, 0, sizeof *a);
    a->input = o->input;
    a->concept = o->concept;
    a->pos = o->pos;
    a->value = o->value;
    a->pose = o->pose;
    a->src_id = o->ann_id;
    a->region_id = o->region_id;
    a->difficult = o->difficult;
    a->truncated = o->truncated;
    a->occluded = o->occluded;
}

/* An image-level label: one annotation without a region. */
static int write_image_level(ap_sink *sink, ap_input *in, ap_annotation *a)
{
    ap_context *ctx = sink->ctx;
    a->kind = AP_REGION_NONE;
    int rc = emit(sink, a, 0);
    if (rc == AP_MERGED || rc == AP_ABSORBED)
        return part_of_previous(ctx);
    if (rc)
        return rc;
    ctx->counts.objects_written++;
    in->objects++;
    return AP_OK;
}

/* The box, then each polygon part (in sink->pts), as annotations; what
 * emit returns, AP_MERGED and AP_ABSORBED included, ends it. */
static int emit_regions(ap_sink *sink, ap_annotation *a, const ap_object *o, int want_box,
                        int want_poly, const ap_box *box)
{
    size_t part = 0;
    if (want_box) {
        a->kind = AP_REGION_BOX;
        a->box = *box;
        int rc = emit(sink, a, part++);
        if (rc)
            return rc;
        box_stats(sink, a->input, box);
    }
    if (want_poly) {
        size_t at = 0;
        for (size_t i = 0; i < o->nparts; i++) {
            a->kind = AP_REGION_POLYGON;
            a->points = sink->pts + at;
            a->npoints = o->part_len[i] / 2;
            int rc = emit(sink, a, part++);
            if (rc)
                return rc;
            at += a->npoints;
        }
    }
    return AP_OK;
}

/* An object with a region: its box and polygons normalized (or it is
 * rejected), then written. */
static int write_regions(ap_sink *sink, const ap_object *o, ap_annotation *a, int want_box,
                         int want_poly)
{
    ap_context *ctx = sink->ctx;
    ap_input *in = o->input;
    double tol = ctx->opt.clamp_tolerance;
    int clamped = 0, c = 0;
    ap_box box;
    if (want_box) {
        ap_norm_result r = ap_normalize_box(o, in->width, in->height, ctx->opt.voc_edges,
                                            tol, &box, &c);
        if (r != AP_NORM_OK)
            return reject_norm(sink, o, r, "the box");
        clamped |= c;
    }
    size_t total = 0;
    if (want_poly) {
        for (size_t i = 0; i < o->nparts; i++)
            total += o->part_len[i] / 2;
        /* at least one slot: a part with no points is rejected below, but
         * its (empty) place in the buffer must still be a valid pointer */
        if (ap_grow(&sink->pts, &sink->pts_cap, total ? total : 1, sizeof *sink->pts) != 0)
            return ap_error_nomem(ctx);
        size_t at = 0;
        for (size_t i = 0; i < o->nparts; i++) {
            ap_norm_result r = ap_normalize_polygon(o->parts[i], o->part_len[i], o->units,
                                                    in->width, in->height, tol,
                                                    sink->pts + at, &c);
            if (r != AP_NORM_OK) {
                char what[48];
                snprintf(what, sizeof what, "polygon part %zu", i + 1);
                return reject_norm(sink, o, r, what);
            }
            clamped |= c;
            at += o->part_len[i] / 2;
        }
    }
    if (!want_box && !want_poly) /* bbox asked, object has only polygons: none */
        return reject(sink, o, "no_box", "the object has no box");

    int rc = emit_regions(sink, a, o, want_box, want_poly, &box);
    if (rc == AP_MERGED || rc == AP_ABSORBED)
        return part_of_previous(ctx);
    if (rc)
        return rc;
    if (clamped)
        ctx->counts.clamped++;
    ctx->counts.objects_written++;
    in->objects++;
    return AP_OK;
}

int ap_sink_add_object(ap_sink *sink, const ap_object *o)
{
    ap_context *ctx = sink->ctx;
    if (ap_interrupted)
        return ap_error(ctx, AP_EINTR, "interrupted");
    ctx->counts.objects_read++;
    if (o->filtered || o->concept->filtered) {
        ctx->counts.objects_filtered++;
        return AP_OK;
    }
    ap_input *in = o->input;
    ap_geometry geom = ctx->opt.geometry;
    int image_level = o->box_form == AP_BOX_NONE && o->nparts == 0 && !o->crowd;
    int has_box = o->box_form != AP_BOX_NONE;
    int want_box = has_box && geom != AP_GEOM_POLYGON;
    int want_poly = o->nparts > 0 && polygon_wanted(geom, has_box, o->crowd);
    /* what the writer cannot hold is left out; nothing left is a reject */
    int box_ok = (sink->accepts & AP_ACCEPT_BOX) != 0;
    int poly_ok = (sink->accepts & AP_ACCEPT_POLYGON) != 0;
    if (!image_level && !((want_box && box_ok) || (want_poly && poly_ok)) &&
        (want_box || want_poly))
        return reject(sink, o, "unsupported_geometry", "%s holds %s only; this %s is not "
                      "written", ctx->opt.to, box_ok ? "boxes" : "polygons",
                      want_poly ? "polygon" : "box");
    want_box = want_box && box_ok;
    want_poly = want_poly && poly_ok;
    if (!image_level && sink->needs_size && (in->width <= 0 || in->height <= 0))
        return reject(sink, o, "missing_image_size", "%s needs pixels, and the size of "
                      "image \"%s\" is unknown (give --inputs, --sizes or --images)",
                      ctx->opt.to, in->file_name);

    if (!o->ann_id && (sink->accepts & AP_REQUIRE_ID))
        return reject(sink, o, "missing_annotation_id", "a %s request names an existing "
                      "annotation, and this one has no id (read a Clarifai export)",
                      ctx->opt.request);
    if (o->value == 0 && !(sink->accepts & AP_ACCEPT_ABSENT))
        return reject(sink, o, "absent_concept", "the label says \"%s\" is absent; %s has "
                      "no way to say so", o->concept->name, ctx->opt.to);
    if (image_level && !(sink->accepts & AP_ACCEPT_CONCEPT))
        return reject(sink, o, "unsupported_geometry", "an image-level label has no place "
                      "in %s, which holds regions only", ctx->opt.to);
    ap_annotation a;
    annotation_of(&a, o);
    if (image_level)
        return write_image_level(sink, in, &a);
    if (geom == AP_GEOM_POLYGON && (o->crowd || o->nparts == 0))
        return reject(sink, o, "no_polygon", o->crowd
                      ? "a crowd (RLE) object has no polygon to write under --geometry polygon"
                      : "the object has no polygon to write under --geometry polygon");
    return write_regions(sink, o, &a, want_box, want_poly);
}

/* ---- life cycle ---- */

ap_sink *ap_sink_new(ap_context *ctx, ap_run_mode mode)
{
    ap_sink *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ctx = ctx;
    s->mode = mode;
    s->cur_path = "-";
    ctx->sink = s;
    s->accepts = AP_ACCEPT_BOX | AP_ACCEPT_POLYGON | AP_ACCEPT_CONCEPT | AP_ACCEPT_ABSENT;
    s->concepts_by_label = ap_map_new();
    s->concepts_by_id = ap_map_new();
    if (!s->concepts_by_label || !s->concepts_by_id) {
        ap_sink_free(s);
        return NULL;
    }
    return s;
}

int ap_sink_open_tables(ap_sink *s, const char *dir)
{
    s->store = ap_store_new(s->ctx, dir, s->ctx->opt.table_memory);
    if (!s->store)
        return s->ctx->err;
    s->inputs_by_id = ap_map_new_in(s->store);
    s->src_files = ap_map_new_in(s->store);
    if (!s->inputs_by_id || !s->src_files)
        return ap_error_nomem(s->ctx);
    return AP_OK;
}

ap_store *ap_sink_store(ap_sink *s)
{
    return s->store;
}

int ap_sink_reader_priv(ap_sink *sink, const ap_reader *r, void **priv)
{
    *priv = NULL;
    if (!r->priv_size)
        return AP_OK;
    for (size_t i = 0; i < sink->nreaders; i++)
        if (sink->readers[i].reader == r) {
            *priv = sink->readers[i].priv;
            return AP_OK;
        }
    if (sink->nreaders == sizeof sink->readers / sizeof sink->readers[0])
        return ap_error(sink->ctx, AP_EIO, "reader state for %s: no room", r->name);
    void *p = calloc(1, r->priv_size);
    if (!p)
        return ap_error_nomem(sink->ctx);
    sink->readers[sink->nreaders].reader = r;
    sink->readers[sink->nreaders].priv = *priv = p;
    sink->nreaders++;
    return AP_OK;
}

/* The closest name of a label seen in the input, for a "did you mean". */
static const char *closest_label(const ap_sink *s, const char *word)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < s->nconcepts; i++) {
        size_t d = ap_edit_distance(word, s->concepts[i]->name);
        if (d < bestd) {
            bestd = d;
            best = s->concepts[i]->name;
        }
    }
    return best && ap_close_enough(word, bestd) ? best : NULL;
}

void ap_sink_warn_unmatched(ap_sink *s)
{
    ap_context *ctx = s->ctx;
    for (size_t i = 0; i < s->nrules; i++) {
        const ap_label_rule *r = s->rules[i];
        if (r->used)
            continue;
        const char *near = closest_label(s, r->from);
        ap_warn(ctx, "%s:%llu: --label-map row \"%s\" matched no label of the input%s%s%s",
                ctx->opt.label_map, (unsigned long long)r->row, r->from,
                near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
    }
    for (size_t i = 0; i < s->nwanted; i++) {
        const ap_label_rule *r = s->wanted[i];
        if (r->used)
            continue;
        const char *near = closest_label(s, r->from);
        ap_warn(ctx, "--labels \"%s\" matched no label of the input, so it kept nothing%s%s%s",
                r->from, near ? " (did you mean \"" : "", near ? near : "",
                near ? "\"?)" : "");
    }
}

void ap_sink_free(ap_sink *s)
{
    if (!s)
        return;
    if (s->ctx->sink == s)
        s->ctx->sink = NULL;
    for (size_t i = 0; i < s->nreaders; i++) {
        if (s->readers[i].reader->release)
            s->readers[i].reader->release(s->readers[i].priv);
        free(s->readers[i].priv);
    }
    for (size_t i = 0; i < s->nconcepts; i++)
        concept_free(s->concepts[i]);
    free(s->concepts);
    ap_map_free(s->inputs_by_id);
    ap_map_free(s->src_files);
    ap_map_free(s->concepts_by_label);
    ap_map_free(s->concepts_by_id);
    for (size_t i = 0; i < s->nrules; i++) {
        free(s->rules[i]->from);
        free(s->rules[i]->to);
        free(s->rules[i]->id);
        free(s->rules[i]);
    }
    free(s->rules);
    for (size_t i = 0; i < s->nwanted; i++) {
        free(s->wanted[i]->from);
        free(s->wanted[i]);
    }
    free(s->wanted);
    ap_map_free(s->label_map);
    ap_map_free(s->keep);
    free(s->pts);
    ap_buf_free(&s->idkey);
    ap_buf_free(&s->line);
    ap_store_free(s->store);
    free(s);
}
