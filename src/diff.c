/*
 * diff.c: annoport diff CURRENT DESIRED -o PLAN (SPEC section 8): the
 * fewest requests that turn what an app holds (CURRENT, a Clarifai export
 * whose annotations carry ids) into a dataset (DESIRED, any format).
 *
 * Both sides are read into memory (a plan needs them side by side) as
 * objects: one region, or one image-level annotation, with its concepts.
 *
 * Inputs. Every input DESIRED lists (an image of a COCO file, a VOC file,
 * also with no objects) is paired with one of CURRENT's: by input id, else
 * by file name, through the manifest an annoport export wrote beside
 * DESIRED, then CURRENT's own file names (GET /v2/inputs pages, image
 * URLs), then the last path component alone. A CURRENT input that DESIRED
 * does not mention is left alone (or cleared, --delete-missing-inputs); a
 * DESIRED input CURRENT does not hold is reported and gets no posts unless
 * --post-unknown-inputs.
 *
 * Objects. Per pair of inputs, objects that did not change pair first;
 * the other regions are matched greedily, best box IoU
 * first (ties: earlier objects first, so the plan is deterministic), first
 * between objects of the same kind (box, polygon) and concepts, then of the
 * same kind, then between any; a pair with
 * IoU >= --match-iou is kept. A kept pair that differs gives an overwrite
 * patch with CURRENT's annotation and region ids; an unmatched CURRENT
 * object a delete; an unmatched DESIRED object a post. Image-level labels
 * are compared as sets of concepts per input. Under the default geometry a
 * DESIRED object keeps its box and its polygon, and is compared with what
 * CURRENT holds: a polygon with its polygon, a box with its box.
 * Coordinates are equal when they round to the same float32 (what the API
 * stores) or differ by at most 2^-23. What DESIRED's format cannot hold
 * (polygons in VOC, image-level labels in TF-OD CSV, absent labels in
 * COCO) is not compared: CURRENT keeps it.
 *
 * Grouping by input is a counting sort, so the plan is linear in the
 * number of objects (quadratic only within one image). PLAN holds the
 * requests and a manifest listing them in sending order: delete, patch,
 * post.
 */
#define _GNU_SOURCE /* mremap */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include <annoport/run.h>

#include "internal.h"

/* ---- memory that lives as long as the diff ----
 *
 * What grows with the number of objects (the objects, their ids and
 * points) is mapped in large pages where the kernel offers them: a page
 * fault costs tens of microseconds on a virtual machine, and a plan of a
 * million objects touches hundreds of megabytes. */

/* Grows a mapped array to hold need elements (munmap with big_free). */
static int big_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    void **p = arr;
    void *q = *p ? mremap(*p, *cap * elem, n * elem, MREMAP_MAYMOVE)
                 : mmap(NULL, n * elem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                        0);
    if (q == MAP_FAILED)
        return -1;
    madvise(q, n * elem, MADV_HUGEPAGE); /* a hint: without it, small pages */
    *p = q;
    *cap = n;
    return 0;
}

static void big_free(void *p, size_t cap, size_t elem)
{
    if (p)
        munmap(p, cap * elem);
}

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
} arena_chunk;

typedef struct {
    arena_chunk *head;
} arena;

static void *arena_alloc(arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    arena_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > (8u << 20) ? n : (8u << 20) - sizeof *c;
        c = mmap(NULL, sizeof *c + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
        if (c == MAP_FAILED)
            return NULL;
        madvise(c, sizeof *c + size, MADV_HUGEPAGE);
        c->next = a->head;
        c->used = 0;
        c->size = size;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static char *arena_strdup(arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void arena_free(arena *a)
{
    while (a->head) {
        arena_chunk *next = a->head->next;
        munmap(a->head, sizeof *a->head + a->head->size);
        a->head = next;
    }
}

/* ---- concepts, by id, for both sides ---- */

typedef struct {
    char *id, *name; /* the name DESIRED gives it, else CURRENT's */
    int named_by_desired;
} dkind;

typedef struct {
    uint32_t k;      /* index in the concept table */
    unsigned char value;
} dconcept;

/* ---- objects ---- */

typedef struct {
    uint32_t input;          /* index in its side's input table */
    unsigned char kind;      /* ap_region_kind: what CURRENT holds; DESIRED's
                                first geometry */
    unsigned char has_box, has_poly, used;
    ap_box box;              /* the box, or the polygon's bounds */
    ap_point *pts;           /* has_poly */
    uint32_t npts;
    uint32_t nc, ccap;
    dconcept one;            /* nc == 1 */
    dconcept *more;          /* nc > 1 */
    const char *src_id, *region_id;
} dobj;

static dconcept *concept_at(dobj *o, size_t i)
{
    return o->nc == 1 ? &o->one : &o->more[i];
}

typedef struct {
    char *id, *file_name;
    int given;               /* the source named this Clarifai id */
    uint32_t rejected;       /* DESIRED: objects of it that could not be read */
} dinput;

typedef struct {
    ap_context *ctx;
    arena *mem;
    dkind **kinds;           /* shared by both sides */
    size_t *nkinds, *kinds_cap;
    ap_map *kind_of;
    int desired;             /* this side is DESIRED */
    int aware;               /* a source object's box and polygon are one object */
    dobj *v;
    size_t n, cap;
    dinput *inputs;
    size_t ninputs, inputs_cap;
    size_t ngrouped;         /* inputs with objects grouped (the rest: none) */
    uint32_t *first, *order; /* objects grouped by input: order[first[i]..first[i+1]) */
    uint32_t *known;         /* the sink's concept index -> table index + 1 */
    size_t nknown;
    /* where the last object came from, to join concepts and geometries */
    ap_srcpos obj_pos;
    int has_polygons;        /* any polygon region */
} dside;

static void dside_free(dside *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].more);
    big_free(s->v, s->cap, sizeof *s->v);
    free(s->inputs);
    free(s->first);
    free(s->order);
    free(s->known);
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_pos(const ap_srcpos *a, const ap_srcpos *b)
{
    return a->line == b->line && a->index == b->index && same_str(a->file, b->file);
}

static int points_equal(const ap_point *a, const ap_point *b, size_t n)
{
    return !memcmp(a, b, n * sizeof *a);
}

/* The polygon's bounds. */
static ap_box bounds(const ap_point *p, size_t n)
{
    ap_box b = {1, 1, 0, 0};
    for (size_t i = 0; i < n; i++) {
        b.top = fmin(b.top, p[i].row);
        b.left = fmin(b.left, p[i].col);
        b.bottom = fmax(b.bottom, p[i].row);
        b.right = fmax(b.right, p[i].col);
    }
    return b;
}

static int concept_slot(dside *s, const ap_concept *c, uint32_t *out);

/* The concept table's index of a concept of the side's run. */
static int concept_index(dside *s, const ap_concept *c, uint32_t *out)
{
    /* the sink's concepts are few and numbered: each is looked up once */
    if (c->index < s->nknown && s->known[c->index]) {
        *out = s->known[c->index] - 1;
        return AP_OK;
    }
    if (c->index >= s->nknown) {
        size_t cap = s->nknown;
        if (ap_grow(&s->known, &cap, (size_t)c->index + 1, sizeof *s->known) != 0)
            return ap_error_nomem(s->ctx);
        memset(s->known + s->nknown, 0, (cap - s->nknown) * sizeof *s->known);
        s->nknown = cap;
    }
    int rc = concept_slot(s, c, out);
    if (rc == AP_OK)
        s->known[c->index] = *out + 1;
    return rc;
}

static int concept_slot(dside *s, const ap_concept *c, uint32_t *out)
{
    void *v = ap_map_get(s->kind_of, c->id);
    if (v) {
        *out = (uint32_t)((uintptr_t)v - 1);
        dkind *k = &(*s->kinds)[*out];
        if (s->desired && !k->named_by_desired) {
            k->name = arena_strdup(s->mem, c->name);
            k->named_by_desired = 1;
            if (!k->name)
                return ap_error_nomem(s->ctx);
        }
        return AP_OK;
    }
    if (ap_grow(s->kinds, s->kinds_cap, *s->nkinds + 1, sizeof **s->kinds) != 0)
        return ap_error_nomem(s->ctx);
    dkind *k = &(*s->kinds)[*s->nkinds];
    k->id = arena_strdup(s->mem, c->id);
    k->name = arena_strdup(s->mem, c->name);
    k->named_by_desired = s->desired;
    if (!k->id || !k->name || ap_map_put(s->kind_of, k->id, (void *)(uintptr_t)(*s->nkinds + 1)))
        return ap_error_nomem(s->ctx);
    *out = (uint32_t)(*s->nkinds)++;
    return AP_OK;
}

static int has_concept(dobj *o, uint32_t k)
{
    for (size_t i = 0; i < o->nc; i++)
        if (concept_at(o, i)->k == k)
            return 1;
    return 0;
}

static int add_concept(dside *s, dobj *o, uint32_t k, double value)
{
    dconcept c = {k, value > 0};
    if (o->nc == 0) {
        o->one = c;
        o->nc = 1;
        return AP_OK;
    }
    size_t cap = o->ccap;
    if (o->nc == 1) {
        dconcept first = o->one;
        if (ap_grow(&o->more, &cap, 2, sizeof *o->more) != 0)
            return ap_error_nomem(s->ctx);
        o->more[0] = first;
    } else if (ap_grow(&o->more, &cap, o->nc + 1, sizeof *o->more) != 0) {
        return ap_error_nomem(s->ctx);
    }
    o->ccap = (uint32_t)cap;
    o->more[o->nc++] = c;
    return AP_OK;
}

static int keep_points(dside *s, dobj *o, const ap_annotation *a)
{
    o->pts = arena_alloc(s->mem, a->npoints * sizeof *o->pts + 1);
    if (!o->pts)
        return ap_error_nomem(s->ctx);
    if (a->npoints)
        memcpy(o->pts, a->points, a->npoints * sizeof *o->pts);
    o->npts = (uint32_t)a->npoints;
    o->has_poly = 1;
    return AP_OK;
}

/* Where annotation a goes, given the object before it (o, same input, made
 * from the source object at *from): 1 another concept of o, 2 o's polygon,
 * 0 a new object. */
static int joins(const dside *s, dobj *o, const ap_annotation *a, const ap_srcpos *from)
{
    int same_source = a->src_id ? same_str(o->src_id, a->src_id) &&
                                      same_str(o->region_id, a->region_id)
                                : !o->src_id && same_pos(from, &a->pos);
    if (a->kind == AP_REGION_NONE)
        return o->kind == AP_REGION_NONE && same_source ? 1 : 0;
    if (a->kind == AP_REGION_BOX) /* another concept of the region */
        return o->has_box && !memcmp(&o->box, &a->box, sizeof o->box) && same_source ? 1 : 0;
    if (o->has_poly)
        return o->npts == a->npoints && points_equal(o->pts, a->points, a->npoints) &&
               same_source ? 1 : 0;
    /* the polygon of the object whose box came just before */
    return s->aware && o->has_box && same_source ? 2 : 0;
}

/* DESIRED without ids: consecutive objects of one input with the same
 * geometry and other labels are one region with several concepts, as a
 * format with one label per object writes it (a VOC or CSV export). */
static void fold(dside *s)
{
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++) {
        dobj *o = &s->v[i], *p = w ? &s->v[w - 1] : NULL;
        int same = p && !o->src_id && !p->src_id && p->input == o->input &&
                   o->kind != AP_REGION_NONE && p->kind == o->kind && p->has_box == o->has_box &&
                   p->has_poly == o->has_poly && !memcmp(&p->box, &o->box, sizeof p->box) &&
                   (!o->has_poly ||
                    (p->npts == o->npts && points_equal(p->pts, o->pts, o->npts)));
        for (size_t k = 0; same && k < o->nc; k++)
            same = !has_concept(p, concept_at(o, k)->k);
        if (same) {
            for (size_t k = 0; k < o->nc; k++)
                if (add_concept(s, p, concept_at(o, k)->k, concept_at(o, k)->value) != AP_OK) {
                    same = 0; /* out of memory: kept as it is */
                    break;
                }
        }
        if (same) {
            free(o->more);
            continue;
        }
        s->v[w++] = *o;
    }
    s->n = w;
}

/* The capture writer. */
static int diff_take(ap_context *ctx, void *state, const ap_annotation *a)
{
    dside *s = state;
    uint32_t k = 0;
    int rc = concept_index(s, a->concept, &k);
    if (rc)
        return rc;
    dobj *o = s->n ? &s->v[s->n - 1] : NULL;
    int how = o && o->input == a->input->index ? joins(s, o, a, &s->obj_pos) : 0;
    if (a->kind == AP_REGION_POLYGON)
        s->has_polygons = 1;
    if (how == 2) { /* an object with a polygon is a polygon, with its box */
        o->kind = AP_REGION_POLYGON;
        return keep_points(s, o, a);
    }
    if (how == 1)
        return has_concept(o, k) ? AP_OK : add_concept(s, o, k, a->value);
    if (big_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
        return ap_error_nomem(ctx);
    o = &s->v[s->n++];
    memset(o, 0, sizeof *o);
    s->obj_pos = a->pos;
    o->input = a->input->index;
    o->kind = (unsigned char)a->kind;
    if (a->src_id && !(o->src_id = arena_strdup(s->mem, a->src_id)))
        return ap_error_nomem(ctx);
    if (a->region_id && !(o->region_id = arena_strdup(s->mem, a->region_id)))
        return ap_error_nomem(ctx);
    if (a->kind == AP_REGION_BOX) {
        o->has_box = 1;
        o->box = a->box;
    } else if (a->kind == AP_REGION_POLYGON) {
        if ((rc = keep_points(s, o, a)) != AP_OK)
            return rc;
        o->box = bounds(a->points, a->npoints);
    }
    return add_concept(s, o, k, a->value);
}

/* The end of a side's run: its inputs, every one it lists. */
static int diff_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    dside *s = state;
    if (ap_grow(&s->inputs, &s->inputs_cap, info->ninputs + 1, sizeof *s->inputs) != 0)
        return ap_error_nomem(ctx);
    for (size_t i = 0; i < info->ninputs; i++) {
        const ap_input *in = ap_run_input(info, i);
        s->inputs[i].id = arena_strdup(s->mem, in->id);
        s->inputs[i].file_name = arena_strdup(s->mem, in->file_name);
        s->inputs[i].given = in->id_given;
        s->inputs[i].rejected = in->rejected;
        if (!s->inputs[i].id || !s->inputs[i].file_name)
            return ap_error_nomem(ctx);
    }
    s->ninputs = info->ninputs;
    return AP_OK;
}

static const ap_writer diff_ops = {.annotation = diff_take, .close = diff_close};

/* Objects grouped by input, in their order: a counting sort. */
static int group(ap_context *ctx, dside *s)
{
    s->ngrouped = s->ninputs;
    s->first = calloc(s->ninputs + 2, sizeof *s->first);
    s->order = malloc((s->n + 1) * sizeof *s->order);
    if (!s->first || !s->order)
        return ap_error_nomem(ctx);
    for (size_t i = 0; i < s->n; i++)
        s->first[s->v[i].input + 2]++;
    for (size_t i = 2; i < s->ninputs + 2; i++)
        s->first[i] += s->first[i - 1];
    for (size_t i = 0; i < s->n; i++)
        s->order[s->first[s->v[i].input + 1]++] = (uint32_t)i;
    return AP_OK;
}

/* ---- comparing ---- */

/* Two coordinates the API would store alike. */
static int same_coord(double a, double b)
{
    return a == b || (float)a == (float)b || fabs(a - b) <= 0x1p-23;
}

static int same_box(const ap_box *a, const ap_box *b)
{
    return same_coord(a->top, b->top) && same_coord(a->left, b->left) &&
           same_coord(a->bottom, b->bottom) && same_coord(a->right, b->right);
}

static int same_points(const dobj *a, const dobj *b)
{
    if (a->npts != b->npts)
        return 0;
    for (size_t i = 0; i < a->npts; i++)
        if (!same_coord(a->pts[i].row, b->pts[i].row) || !same_coord(a->pts[i].col, b->pts[i].col))
            return 0;
    return 1;
}

static double iou(const ap_box *a, const ap_box *b)
{
    double w = fmin(a->right, b->right) - fmax(a->left, b->left);
    double h = fmin(a->bottom, b->bottom) - fmax(a->top, b->top);
    if (w <= 0 || h <= 0)
        return 0;
    double inter = w * h;
    double u = (a->right - a->left) * (a->bottom - a->top) +
               (b->right - b->left) * (b->bottom - b->top) - inter;
    return u > 0 ? inter / u : 0;
}

/* Same concepts with the same values, in any order. */
static int same_concepts(dobj *a, dobj *b)
{
    if (a->nc != b->nc)
        return 0;
    for (size_t i = 0; i < a->nc; i++) {
        dconcept *x = concept_at(a, i);
        size_t k = 0;
        while (k < b->nc && concept_at(b, k)->k != x->k)
            k++;
        if (k == b->nc || concept_at(b, k)->value != x->value)
            return 0;
    }
    return 1;
}

/* The geometry DESIRED's object d has for CURRENT's c: a polygon for a
 * polygon, a box for a box, else what d has. */
static int geometry_for(const dobj *c, const dobj *d)
{
    if (c && c->kind == AP_REGION_POLYGON && d->has_poly)
        return AP_REGION_POLYGON;
    if (c && c->kind == AP_REGION_BOX && d->has_box)
        return AP_REGION_BOX;
    return d->kind;
}

static int same_region(const dobj *c, const dobj *d)
{
    int g = geometry_for(c, d);
    if (g != c->kind)
        return 0;
    return g == AP_REGION_POLYGON ? same_points(c, d) : same_box(&c->box, &d->box);
}

typedef struct {
    uint32_t c, d;
    double iou;
} pair;

static int cmp_pair(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    if (a->iou != b->iou)
        return a->iou > b->iou ? -1 : 1;
    if (a->c != b->c)
        return a->c < b->c ? -1 : 1;
    return a->d < b->d ? -1 : a->d > b->d;
}

typedef struct {
    ap_context *ctx;
    dkind *kinds;
    void *del, *patch, *post;
    unsigned holds;          /* AP_ACCEPT_* of DESIRED's format */
    uint64_t unchanged, ndel, npatch, npost, not_compared;
    uint64_t kept;           /* unmatched, kept: DESIRED had rejects there */
    ap_concept tmp_concept;
    ap_input tmp_input;
    pair *pairs;
    size_t pairs_cap;
    dobj **cv, **dv;
    size_t cv_cap, dv_cap;
    dconcept *wc, *keep;
    unsigned char *placed;
    size_t wc_cap, keep_cap, placed_cap;
} plan;

static void plan_free(plan *p)
{
    free(p->pairs);
    free(p->cv);
    free(p->dv);
    free(p->wc);
    free(p->keep);
    free(p->placed);
}

/* Sends the concepts of labels, with the geometry kind of geom, as
 * annotations of one request kind. */
static int send(plan *p, void *batches, const dobj *geom, int kind, dconcept *labels, size_t nl,
                const char *src_id, const char *region_id, const char *input)
{
    ap_annotation a;
    memset(&a, 0, sizeof a);
    p->tmp_input.id = (char *)input;
    a.input = &p->tmp_input;
    a.kind = (ap_region_kind)kind;
    a.box = geom->box;
    if (kind == AP_REGION_POLYGON) {
        a.points = geom->pts;
        a.npoints = geom->npts;
    }
    a.src_id = src_id;
    a.region_id = region_id;
    a.concept = &p->tmp_concept;
    for (size_t k = 0; k < nl; k++) {
        p->tmp_concept.id = p->kinds[labels[k].k].id;
        p->tmp_concept.name = p->kinds[labels[k].k].name;
        a.value = labels[k].value;
        int rc = ap_requests_add(batches, &a);
        if (rc)
            return rc;
    }
    return AP_OK;
}

static int send_obj(plan *p, void *batches, dobj *geom, int kind, dobj *labels,
                    const char *src_id, const char *region_id, const char *input)
{
    return send(p, batches, geom, kind, labels->nc == 1 ? &labels->one : labels->more, labels->nc,
                src_id, region_id, input);
}

static int match_regions(plan *p, dobj **cur, size_t nc, dobj **des, size_t nd, const char *input)
{
    int rc = AP_OK;
    double thr = p->ctx->opt.match_iou;
    /* objects that did not change pair first, in order */
    for (size_t i = 0; i < nc; i++)
        for (size_t k = 0; k < nd && cur[i]->kind != AP_REGION_NONE; k++)
            if (!des[k]->used && des[k]->kind == cur[i]->kind && same_region(cur[i], des[k]) &&
                same_concepts(cur[i], des[k])) {
                cur[i]->used = des[k]->used = 1;
                p->unchanged++;
                break;
            }
    /* then by IoU: pairs of the same kind and concepts first, then of the
     * same kind, then any */
    for (int pass = 0; pass < 3 && rc == AP_OK; pass++) {
        size_t np = 0;
        for (size_t i = 0; i < nc; i++)
            for (size_t k = 0; k < nd; k++) {
                if (cur[i]->used || des[k]->used || cur[i]->kind == AP_REGION_NONE ||
                    des[k]->kind == AP_REGION_NONE)
                    continue;
                if (pass < 2 && cur[i]->kind != des[k]->kind)
                    continue;
                if (pass == 0 && !same_concepts(cur[i], des[k]))
                    continue;
                double v = iou(&cur[i]->box, &des[k]->box);
                if (v < thr || v <= 0)
                    continue;
                if (ap_grow(&p->pairs, &p->pairs_cap, np + 1, sizeof *p->pairs) != 0)
                    return ap_error_nomem(p->ctx);
                p->pairs[np++] = (pair){(uint32_t)i, (uint32_t)k, v};
            }
        if (np)
            qsort(p->pairs, np, sizeof *p->pairs, cmp_pair);
        for (size_t i = 0; i < np && rc == AP_OK; i++) {
            dobj *c = cur[p->pairs[i].c], *d = des[p->pairs[i].d];
            if (c->used || d->used)
                continue;
            c->used = d->used = 1;
            if (same_region(c, d) && same_concepts(c, d)) {
                p->unchanged++;
            } else {
                p->npatch++;
                rc = send_obj(p, p->patch, d, geometry_for(c, d), d, c->src_id, c->region_id,
                              input);
            }
        }
    }
    return rc;
}

/* Image-level labels: CURRENT's annotations kept, cut down, or deleted;
 * DESIRED's labels that no annotation holds yet, posted as one. Absent
 * labels of CURRENT that DESIRED's format cannot say are kept as they are. */
static int match_labels(plan *p, dobj **cur, size_t nc, dobj **des, size_t nd, const char *input,
                        int keep)
{
    size_t nw = 0;
    for (size_t k = 0; k < nd; k++)
        if (des[k]->kind == AP_REGION_NONE)
            for (size_t j = 0; j < des[k]->nc; j++) {
                if (ap_grow(&p->wc, &p->wc_cap, nw + 1, sizeof *p->wc) != 0)
                    return ap_error_nomem(p->ctx);
                p->wc[nw++] = *concept_at(des[k], j);
                des[k]->used = 1;
            }
    if (ap_grow(&p->placed, &p->placed_cap, nw + 1, 1) != 0)
        return ap_error_nomem(p->ctx);
    memset(p->placed, 0, nw + 1);
    int absent_ok = (p->holds & AP_ACCEPT_ABSENT) != 0;
    for (size_t i = 0; i < nc; i++) {
        dobj *c = cur[i];
        if (c->kind != AP_REGION_NONE || c->used)
            continue;
        c->used = 1;
        if (ap_grow(&p->keep, &p->keep_cap, c->nc + 1, sizeof *p->keep) != 0)
            return ap_error_nomem(p->ctx);
        size_t nk = 0, same = 0, compared = 0;
        for (size_t j = 0; j < c->nc; j++) {
            dconcept *cc = concept_at(c, j);
            if (!cc->value && !absent_ok) { /* DESIRED cannot say: kept */
                p->keep[nk++] = *cc;
                same++;
                continue;
            }
            compared++;
            for (size_t k = 0; k < nw; k++)
                if (!p->placed[k] && cc->k == p->wc[k].k) {
                    p->placed[k] = 1;
                    p->keep[nk++] = p->wc[k];
                    same += cc->value == p->wc[k].value;
                    break;
                }
        }
        int rc = AP_OK;
        if (nk == c->nc && same == nk) {
            p->unchanged++;
        } else if (keep) { /* DESIRED had objects here it could not read */
            p->unchanged++;
            p->kept++;
        } else if (nk > 0) {
            p->npatch++;
            rc = send(p, p->patch, c, AP_REGION_NONE, p->keep, nk, c->src_id, NULL, input);
        } else {
            p->ndel++;
            rc = send_obj(p, p->del, c, AP_REGION_NONE, c, c->src_id, NULL, input);
        }
        if (rc)
            return rc;
    }
    size_t nn = 0;
    if (ap_grow(&p->keep, &p->keep_cap, nw + 1, sizeof *p->keep) != 0)
        return ap_error_nomem(p->ctx);
    for (size_t k = 0; k < nw; k++)
        if (!p->placed[k])
            p->keep[nn++] = p->wc[k];
    if (!nn)
        return AP_OK;
    p->npost++;
    dobj none;
    memset(&none, 0, sizeof none);
    return send(p, p->post, &none, AP_REGION_NONE, p->keep, nn, NULL, NULL, input);
}

/* Whether DESIRED's format can say anything about CURRENT's object c. */
static int comparable(const plan *p, dobj *c)
{
    if (c->kind == AP_REGION_POLYGON)
        return (p->holds & AP_ACCEPT_POLYGON) != 0;
    if (c->kind == AP_REGION_BOX)
        return (p->holds & AP_ACCEPT_BOX) != 0;
    if (!(p->holds & AP_ACCEPT_CONCEPT))
        return 0;
    if (p->holds & AP_ACCEPT_ABSENT)
        return 1;
    for (size_t i = 0; i < c->nc; i++)
        if (concept_at(c, i)->value)
            return 1;
    return 0;
}

/* One input: cur and des its objects; keep: CURRENT's unmatched objects
 * are not deleted. */
static int plan_input(plan *p, dobj **cur, size_t nc, dobj **des, size_t nd, const char *input,
                      int keep)
{
    size_t kept = 0;
    for (size_t i = 0; i < nc; i++) {
        if (comparable(p, cur[i]))
            cur[kept++] = cur[i];
        else
            p->not_compared++;
    }
    nc = kept;
    int rc = match_regions(p, cur, nc, des, nd, input);
    if (rc == AP_OK)
        rc = match_labels(p, cur, nc, des, nd, input, keep);
    for (size_t i = 0; i < nc && rc == AP_OK; i++) {
        if (cur[i]->used) {
            continue;
        } else if (keep) { /* DESIRED had objects here it could not read */
            p->unchanged++;
            p->kept++;
        } else {
            p->ndel++;
            rc = send_obj(p, p->del, cur[i], cur[i]->kind, cur[i], cur[i]->src_id, NULL, input);
        }
    }
    for (size_t k = 0; k < nd && rc == AP_OK; k++)
        if (!des[k]->used) {
            p->npost++;
            rc = send_obj(p, p->post, des[k], des[k]->kind, des[k], NULL, NULL, input);
        }
    return rc;
}

/* The objects of input i of side s, as pointers into out. */
static int objects_of(plan *p, dside *s, size_t i, dobj ***out, size_t *cap, size_t *n)
{
    *n = 0;
    if (i >= s->ngrouped)
        return AP_OK;
    size_t from = s->first[i], to = s->first[i + 1];
    if (ap_grow(out, cap, to - from + 1, sizeof **out) != 0)
        return ap_error_nomem(p->ctx);
    for (size_t k = from; k < to; k++)
        (*out)[(*n)++] = &s->v[s->order[k]];
    return AP_OK;
}

/* ---- pairing inputs ---- */

/* The last path component. */
static const char *base_name(const char *s)
{
    const char *b = strrchr(s, '/');
    return b ? b + 1 : s;
}

/* A map from name to index + 1, or AMBIGUOUS when two share it. */
#define AMBIGUOUS ((void *)(uintptr_t)-1)

static int index_put(ap_map *m, const char *key, size_t i)
{
    void *v = ap_map_get(m, key);
    if (v)
        return v == (void *)(uintptr_t)(i + 1) ? 0 : ap_map_put(m, key, AMBIGUOUS);
    return ap_map_put(m, key, (void *)(uintptr_t)(i + 1));
}

static long index_get(const ap_map *m, const char *key)
{
    void *v = key ? ap_map_get(m, key) : NULL;
    return !v || v == AMBIGUOUS ? -1 : (long)((uintptr_t)v - 1);
}

/* The inputs of the annoport manifest beside or inside DESIRED (an
 * export's): file name -> input id. NULL when there is none. */
static int export_manifest(ap_context *ctx, const char *desired, cJSON **out)
{
    struct stat st;
    char path[4096];
    *out = NULL;
    if (stat(desired, &st) != 0)
        return AP_OK;
    if (S_ISDIR(st.st_mode)) {
        snprintf(path, sizeof path, "%s/manifest.json", desired);
    } else {
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", desired);
        snprintf(path, sizeof path, "%s/manifest.json", dirname(copy));
    }
    if (access(path, R_OK) != 0)
        return AP_OK; /* none: pairing goes on without it */
    ap_stream *f = ap_stream_open(ctx, path);
    char *text = NULL;
    size_t len = 0;
    int rc = f ? ap_stream_slurp(ctx, f, ctx->opt.max_record, &text, &len) : ctx->err;
    ap_stream_close(f);
    if (rc)
        return rc;
    cJSON *m = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *tool = cJSON_GetObjectItemCaseSensitive(m, "tool");
    if (!cJSON_IsString(tool) || strcmp(tool->valuestring, "annoport") != 0 ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(m, "inputs"))) {
        cJSON_Delete(m); /* another file of that name: not an export's manifest */
        return AP_OK;
    }
    *out = m;
    return AP_OK;
}

/* Whether CURRENT's input c has a file name of its own (not its id) that
 * is not DESIRED's image d's. */
static int known_elsewhere(const dinput *c, const dinput *d)
{
    return strcmp(c->file_name, c->id) != 0 &&
           strcmp(base_name(c->file_name), base_name(d->file_name)) != 0;
}

typedef struct {
    long *cur_of_des;        /* DESIRED input -> CURRENT input, -1: unknown */
    long *des_of_cur;        /* CURRENT input -> DESIRED input, -1: not mentioned */
    uint64_t by_id, by_name, unknown, missing;
    ap_map *by_id_map, *by_name_map, *by_base_map, *exported;
} pairing;

/* An input of CURRENT's table: with its objects, or one the app is known
 * to hold without any (named by an export's manifest or by DESIRED). */
static int add_current(ap_context *ctx, dside *cur, pairing *pr, const char *id,
                       const char *file_name)
{
    if (ap_grow(&cur->inputs, &cur->inputs_cap, cur->ninputs + 1, sizeof *cur->inputs) != 0)
        return ap_error_nomem(ctx);
    size_t i = cur->ninputs;
    dinput *in = &cur->inputs[i];
    if (in->id != id) {
        in->id = arena_strdup(cur->mem, id);
        in->file_name = arena_strdup(cur->mem, file_name);
        if (!in->id || !in->file_name)
            return ap_error_nomem(ctx);
    }
    cur->ninputs++;
    pr->des_of_cur[i] = -1;
    if (ap_map_put(pr->by_id_map, in->id, (void *)(uintptr_t)(i + 1)) != 0 ||
        index_put(pr->by_name_map, in->file_name, i) != 0 ||
        index_put(pr->by_base_map, base_name(in->file_name), i) != 0)
        return ap_error_nomem(ctx);
    return AP_OK;
}

/* The inputs an export's manifest beside DESIRED lists: known to the app,
 * and their file names. */
static int read_exported(ap_context *ctx, dside *cur, pairing *pr, const cJSON *m)
{
    const cJSON *e;
    int rc = AP_OK;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(m, "inputs"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "file_name");
        if (!cJSON_IsString(id) || !cJSON_IsString(name))
            continue;
        long k = index_get(pr->by_id_map, id->valuestring);
        if (k < 0) {
            k = (long)cur->ninputs;
            if ((rc = add_current(ctx, cur, pr, id->valuestring, name->valuestring)) != AP_OK)
                break;
        }
        if (index_put(pr->exported, name->valuestring, (size_t)k) != 0) {
            rc = ap_error_nomem(ctx);
            break;
        }
    }
    return rc;
}

/* CURRENT's input for DESIRED's image in, or -1. */
static long find_current(ap_context *ctx, dside *cur, pairing *pr, const dinput *in)
{
    long k = index_get(pr->by_id_map, in->id);
    long n = index_get(pr->exported, in->file_name);
    if (n < 0)
        n = index_get(pr->by_name_map, in->file_name);
    if (n < 0)
        n = index_get(pr->by_base_map, base_name(in->file_name));
    /* the same id, unless CURRENT knows that input under another file name
     * and holds one of this name */
    if (k < 0 || (n >= 0 && n != k && known_elsewhere(&cur->inputs[k], in)))
        k = n;
    if (k < 0 && in->given) { /* DESIRED names an input of the app */
        k = (long)cur->ninputs;
        if (add_current(ctx, cur, pr, in->id, in->file_name) != AP_OK)
            return -2;
    }
    return k;
}

static int pair_inputs(ap_context *ctx, dside *cur, dside *des, const char *desired, pairing *pr)
{
    size_t most = cur->ninputs + des->ninputs + 1;
    cJSON *m;
    int mrc = export_manifest(ctx, desired, &m);
    if (mrc)
        return mrc;
    most += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(m, "inputs"));
    pr->cur_of_des = malloc((des->ninputs + 1) * sizeof *pr->cur_of_des);
    pr->des_of_cur = malloc(most * sizeof *pr->des_of_cur);
    pr->by_id_map = ap_map_new();
    pr->by_name_map = ap_map_new();
    pr->by_base_map = ap_map_new();
    pr->exported = ap_map_new();
    if (!pr->cur_of_des || !pr->des_of_cur || !pr->by_id_map || !pr->by_name_map ||
        !pr->by_base_map || !pr->exported) {
        cJSON_Delete(m);
        return ap_error_nomem(ctx);
    }
    size_t n = cur->ninputs;
    cur->ninputs = 0;
    int rc = AP_OK;
    for (size_t i = 0; rc == AP_OK && i < n; i++)
        rc = add_current(ctx, cur, pr, cur->inputs[i].id, cur->inputs[i].file_name);
    if (rc == AP_OK)
        rc = read_exported(ctx, cur, pr, m);
    cJSON_Delete(m);
    uint64_t warned = 0;
    for (size_t i = 0; rc == AP_OK && i < des->ninputs; i++) {
        const dinput *in = &des->inputs[i];
        long k = find_current(ctx, cur, pr, in);
        if (k == -2)
            return ctx->err;
        if (k >= 0 && pr->des_of_cur[k] >= 0) {
            ap_warn(ctx, "DESIRED's images \"%s\" and \"%s\" both pair with input \"%s\"; the "
                    "second is taken as unknown", des->inputs[pr->des_of_cur[k]].file_name,
                    in->file_name, cur->inputs[k].id);
            k = -1;
        }
        pr->cur_of_des[i] = k;
        if (k < 0 && (i >= des->ngrouped || des->first[i] == des->first[i + 1]))
            continue; /* an image with no objects needs nothing */
        if (k < 0) {
            pr->unknown++;
            if (++warned <= 20)
                ap_warn(ctx, "DESIRED's image \"%s\" (input \"%s\") is not in CURRENT: no "
                        "input id or file name matches%s", in->file_name, in->id,
                        ctx->opt.post_unknown_inputs ? "; its objects are posted"
                                                     : "; its objects are not posted "
                                                       "(--post-unknown-inputs posts them)");
            continue;
        }
        pr->des_of_cur[k] = (long)i;
        if (strcmp(cur->inputs[k].id, in->id) != 0)
            pr->by_name++;
        else
            pr->by_id++;
    }
    if (warned > 20)
        ap_warn(ctx, "%llu more images of DESIRED are not in CURRENT",
                (unsigned long long)(warned - 20));
    for (size_t i = 0; rc == AP_OK && i < cur->ninputs; i++)
        pr->missing += pr->des_of_cur[i] < 0;
    return rc;
}

static void pairing_free(pairing *pr)
{
    free(pr->cur_of_des);
    free(pr->des_of_cur);
    ap_map_free(pr->by_id_map);
    ap_map_free(pr->by_name_map);
    ap_map_free(pr->by_base_map);
    ap_map_free(pr->exported);
}

/* ---- what DESIRED's format holds ---- */

static unsigned desired_holds(ap_context *ctx, const char *format)
{
    if (!strcmp(format, "clarifai"))
        return AP_ACCEPT_BOX | AP_ACCEPT_POLYGON | AP_ACCEPT_CONCEPT | AP_ACCEPT_ABSENT;
    if (!strcmp(format, "csv")) {
        if (!strncmp(ctx->detail, "classification", 14))
            return AP_ACCEPT_CONCEPT;
        if (!strncmp(ctx->detail, "generic", 7))
            return AP_ACCEPT_BOX | AP_ACCEPT_CONCEPT;
        return AP_ACCEPT_BOX;
    }
    const ap_writer *w = ap_writer_find(format);
    if (!w || !w->accepts)
        return AP_ACCEPT_BOX | AP_ACCEPT_POLYGON | AP_ACCEPT_CONCEPT | AP_ACCEPT_ABSENT;
    int needs = 0;
    int holds = w->accepts(ctx, &needs);
    return holds > 0 ? (unsigned)holds : AP_ACCEPT_BOX;
}

static void holds_list(cJSON *arr, unsigned holds, int inverse)
{
    static const struct {
        unsigned bit;
        const char *name;
    } kinds[] = {{AP_ACCEPT_BOX, "boxes"},
                 {AP_ACCEPT_POLYGON, "polygons"},
                 {AP_ACCEPT_CONCEPT, "image_labels"},
                 {AP_ACCEPT_ABSENT, "absent_labels"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!(holds & kinds[i].bit) == !!inverse)
            cJSON_AddItemToArray(arr, cJSON_CreateString(kinds[i].name));
}

/* ---- the job ---- */

static int read_side(ap_context *ctx, const char *path, dside *s, ap_options *opt,
                     char *format, size_t format_len, uint64_t *rejected)
{
    ap_options saved = ctx->opt;
    ctx->opt = *opt;
    ap_result res;
    int rc = ap_run_with_writer(ctx, &path, 1, &diff_ops, s, &res);
    *rejected = ctx->counts.objects_rejected;
    snprintf(format, format_len, "%s", res.format);
    ap_result_free(&res);
    ctx->opt = saved;
    if (rc == AP_OK && s->desired)
        fold(s);
    if (rc == AP_OK)
        rc = group(ctx, s);
    return rc;
}

static int write_manifest(ap_context *ctx, ap_output *out, plan *p, const pairing *pr,
                          const char *current, const char *desired, const char *des_format)
{
    ap_json_begin();
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "tool", "annoport");
    cJSON_AddStringToObject(m, "version", AP_VERSION);
    cJSON *t = cJSON_AddObjectToObject(m, "target");
    cJSON_AddStringToObject(t, "format", "clarifai");
    cJSON_AddStringToObject(t, "request", "plan");
    cJSON *src = cJSON_AddObjectToObject(m, "source");
    cJSON_AddStringToObject(src, "current", current);
    cJSON_AddStringToObject(src, "desired", desired);
    cJSON_AddStringToObject(src, "desired_format", des_format);
    cJSON *counts = cJSON_AddObjectToObject(m, "counts");
    cJSON_AddNumberToObject(counts, "deletes", (double)p->ndel);
    cJSON_AddNumberToObject(counts, "patches", (double)p->npatch);
    cJSON_AddNumberToObject(counts, "posts", (double)p->npost);
    cJSON_AddNumberToObject(counts, "unchanged", (double)p->unchanged);
    cJSON_AddNumberToObject(counts, "not_compared", (double)p->not_compared);
    cJSON_AddNumberToObject(counts, "kept_for_rejects", (double)p->kept);
    cJSON_AddNumberToObject(counts, "unknown_inputs", (double)pr->unknown);
    cJSON *inputs = cJSON_AddObjectToObject(m, "inputs");
    cJSON_AddNumberToObject(inputs, "paired_by_id", (double)pr->by_id);
    cJSON_AddNumberToObject(inputs, "paired_by_file_name", (double)pr->by_name);
    cJSON_AddNumberToObject(inputs, "unknown", (double)pr->unknown);
    cJSON_AddNumberToObject(inputs, "not_in_desired", (double)pr->missing);
    holds_list(cJSON_AddArrayToObject(m, "not_compared_kinds"), p->holds, 1);
    cJSON *list = cJSON_AddArrayToObject(m, "plan");
    int rc = ap_requests_finish(p->del, list);
    if (rc == AP_OK)
        rc = ap_requests_finish(p->patch, list);
    if (rc == AP_OK)
        rc = ap_requests_finish(p->post, list);
    char *text = rc == AP_OK ? cJSON_Print(m) : NULL;
    cJSON_Delete(m);
    if (rc != AP_OK)
        return rc;
    if (!text || ap_json_failed()) { /* a member left out would go unseen */
        free(text);
        return ap_error_nomem(ctx);
    }
    FILE *f = ap_output_create(out, "manifest.json");
    if (!f) {
        free(text);
        return ctx->err;
    }
    fputs(text, f);
    fputc('\n', f);
    free(text);
    return ap_output_close(out, f, "manifest.json");
}

static int make_plan(ap_context *ctx, plan *p, dside *cur, dside *des, const pairing *pr)
{
    int rc = AP_OK;
    size_t nc, nd;
    for (size_t i = 0; rc == AP_OK && i < cur->ninputs; i++) {
        long j = pr->des_of_cur[i];
        if ((rc = objects_of(p, cur, i, &p->cv, &p->cv_cap, &nc)) != AP_OK)
            break;
        if (j < 0 && !ctx->opt.delete_missing_inputs) {
            p->unchanged += nc; /* an input DESIRED does not mention: left alone */
            continue;
        }
        if (j >= 0 && (rc = objects_of(p, des, (size_t)j, &p->dv, &p->dv_cap, &nd)) != AP_OK)
            break;
        int keep = j >= 0 && des->inputs[j].rejected > 0;
        if (keep)
            ap_warn(ctx, "DESIRED's image \"%s\" has %u object%s that could not be read (see "
                    "the rejects above): what CURRENT holds on input \"%s\" and DESIRED does "
                    "not match is kept, not deleted", des->inputs[j].file_name,
                    des->inputs[j].rejected, des->inputs[j].rejected == 1 ? "" : "s",
                    cur->inputs[i].id);
        rc = plan_input(p, p->cv, nc, p->dv, j >= 0 ? nd : 0, cur->inputs[i].id, keep);
    }
    for (size_t j = 0; rc == AP_OK && ctx->opt.post_unknown_inputs && j < des->ninputs; j++)
        if (pr->cur_of_des[j] < 0 &&
            (rc = objects_of(p, des, j, &p->dv, &p->dv_cap, &nd)) == AP_OK)
            rc = plan_input(p, NULL, 0, p->dv, nd, des->inputs[j].id, 0);
    return rc;
}

/* DESIRED's warnings, kept until its reading is the one that counts. */
typedef struct {
    char **v;
    size_t n, cap;
} held;

static void hold_warning(void *user, const char *message)
{
    held *h = user;
    char *copy = ap_strdup(message);
    if (copy && ap_grow(&h->v, &h->cap, h->n + 1, sizeof *h->v) == 0)
        h->v[h->n++] = copy;
    else
        free(copy);
}

static void held_clear(held *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i]);
    h->n = 0;
}

/* One side read on a thread of its own, with a context of its own. */
typedef struct {
    ap_context *ctx;
    const char *path;
    dside *s;
    ap_options opt;
    char format[32];
    uint64_t rejected;
    int rc;
} side_job;

static void *read_job(void *arg)
{
    side_job *j = arg;
    j->rc = read_side(j->ctx, j->path, j->s, &j->opt, j->format, sizeof j->format,
                      &j->rejected);
    return NULL;
}

/* DESIRED's concepts into CURRENT's table (DESIRED names them), and its
 * objects renumbered. */
static int merge_kinds(ap_context *ctx, dside *cur, dside *des)
{
    uint32_t *to = malloc((*des->nkinds + 1) * sizeof *to);
    if (!to)
        return ap_error_nomem(ctx);
    int rc = AP_OK;
    cur->desired = 1; /* what it adds or renames, DESIRED names */
    for (size_t i = 0; rc == AP_OK && i < *des->nkinds; i++) {
        ap_concept c = {.id = (*des->kinds)[i].id, .name = (*des->kinds)[i].name};
        rc = concept_slot(cur, &c, &to[i]);
    }
    cur->desired = 0;
    for (size_t i = 0; rc == AP_OK && i < des->n; i++)
        for (size_t k = 0; k < des->v[i].nc; k++)
            concept_at(&des->v[i], k)->k = to[concept_at(&des->v[i], k)->k];
    free(to);
    return rc;
}

/* Reads both sides at once. DESIRED is read as for an app without polygons;
 * when CURRENT holds some (and the geometry is the default), it is read
 * again keeping each object's box and polygon together. */
static int read_both(ap_context *ctx, const char *current, const char *desired, dside *cur,
                     dside *des, char *des_format, ap_diff_result *res)
{
    ap_context *ctx2 = ap_context_new();
    if (!ctx2)
        return ap_error_nomem(ctx);
    held warnings = {0};
    if (ap_plugin_blocks_copy(ctx2, ctx) != AP_OK) {
        ap_context_free(ctx2);
        return ap_error_nomem(ctx);
    }
    ctx2->warn = hold_warning;
    ctx2->warn_user = &warnings;
    des->ctx = ctx2;
    side_job j = {.ctx = ctx2, .path = desired, .s = des, .opt = ctx->opt};
    j.opt.input_pages = NULL; /* the pages are CURRENT's */
    j.opt.ninput_pages = 0;
    j.opt.sizes = NULL;
    ap_options o1 = ctx->opt;
    o1.from = "clarifai";
    o1.geometry = AP_GEOM_AUTO;
    pthread_t t;
    int threaded = ctx->opt.threads > 1 && pthread_create(&t, NULL, read_job, &j) == 0;
    char cur_format[32];
    int rc = read_side(ctx, current, cur, &o1, cur_format, sizeof cur_format,
                       &res->current_rejected);
    if (threaded)
        pthread_join(t, NULL);
    else if (rc == AP_OK)
        read_job(&j);
    for (size_t i = 0; rc == AP_OK && i < cur->n; i++)
        if (!cur->v[i].src_id)
            rc = ap_error(ctx, AP_EDATA, "%s: annotations of input \"%s\" have no ids: CURRENT "
                          "must be a Clarifai export of the app", current,
                          cur->inputs[cur->v[i].input].id);
    if (rc == AP_OK && j.rc == AP_OK && ctx->opt.geometry == AP_GEOM_AUTO && cur->has_polygons) {
        dside again = {.ctx = ctx2, .mem = des->mem, .kinds = des->kinds,
                       .nkinds = des->nkinds, .kinds_cap = des->kinds_cap,
                       .kind_of = des->kind_of, .desired = 1, .aware = 1};
        dside_free(des);
        *des = again;
        j.opt.geometry = AP_GEOM_BOTH;
        held_clear(&warnings);
        ctx2->warnings = 0;
        read_job(&j);
    }
    for (size_t i = 0; i < warnings.n; i++)
        if (ctx->warn)
            ctx->warn(ctx->warn_user, warnings.v[i]);
    held_clear(&warnings);
    free(warnings.v);
    des->ctx = ctx;
    if (rc == AP_OK && j.rc != AP_OK)
        rc = ap_error(ctx, j.rc, "%s", ctx2->errmsg);
    snprintf(des_format, 32, "%s", j.format);
    res->desired_rejected = j.rejected;
    ctx->warnings += ctx2->warnings;
    if (rc == AP_OK)
        snprintf(ctx->detail, sizeof ctx->detail, "%s", ctx2->detail);
    ap_context_free(ctx2);
    return rc == AP_OK ? merge_kinds(ctx, cur, des) : rc;
}

/* The plan's and the pairing's counts, for the summary. */
static void diff_result(ap_diff_result *res, const plan *p, const pairing *pr)
{
    res->deletes = p->ndel;
    res->patches = p->npatch;
    res->posts = p->npost;
    res->unchanged = p->unchanged;
    res->not_compared = p->not_compared;
    res->kept_for_rejects = p->kept;
    res->unknown_inputs = pr->unknown;
    res->paired_by_id = pr->by_id;
    res->paired_by_file_name = pr->by_name;
    res->not_compared_kinds = ~p->holds & (AP_ACCEPT_BOX | AP_ACCEPT_POLYGON |
                                           AP_ACCEPT_CONCEPT | AP_ACCEPT_ABSENT);
}

int ap_diff(ap_context *ctx, const char *current, const char *desired, const char *output,
            ap_diff_result *res)
{
    memset(res, 0, sizeof *res);
    if (!(ctx->opt.match_iou > 0 && ctx->opt.match_iou <= 1))
        return ap_error(ctx, AP_EUSAGE, "--match-iou must be in (0, 1]");
    arena mem = {0}, mem2 = {0};
    dkind *kinds = NULL, *kinds2 = NULL;
    size_t nkinds = 0, kinds_cap = 0, nkinds2 = 0, kinds_cap2 = 0;
    ap_map *kind_of = ap_map_new(), *kind_of2 = ap_map_new();
    dside cur = {.ctx = ctx, .mem = &mem, .kinds = &kinds, .nkinds = &nkinds,
                 .kinds_cap = &kinds_cap, .kind_of = kind_of};
    dside des = {.ctx = ctx, .mem = &mem2, .kinds = &kinds2, .nkinds = &nkinds2,
                 .kinds_cap = &kinds_cap2, .kind_of = kind_of2, .desired = 1};
    pairing pr;
    memset(&pr, 0, sizeof pr);
    ap_output *out = NULL;
    plan p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    int rc = kind_of && kind_of2 ? AP_OK : ap_error_nomem(ctx);
    char des_format[32] = "";
    if (rc == AP_OK)
        rc = read_both(ctx, current, desired, &cur, &des, des_format, res);
    if (rc == AP_OK) {
        p.holds = desired_holds(ctx, des_format);
        p.kinds = kinds;
        rc = pair_inputs(ctx, &cur, &des, desired, &pr);
    }
    if (rc == AP_OK)
        rc = ap_output_begin(ctx, output, ctx->opt.force, &out);
    if (rc == AP_OK) { /* a patch replaces the annotation with DESIRED's */
        p.del = ap_requests_open(ctx, out, "delete", NULL);
        p.patch = ap_requests_open(ctx, out, "patch", "overwrite");
        p.post = ap_requests_open(ctx, out, "post", NULL);
        if (!p.del || !p.patch || !p.post)
            rc = ctx->err;
    }
    if (rc == AP_OK)
        rc = make_plan(ctx, &p, &cur, &des, &pr);
    if (rc == AP_OK)
        rc = write_manifest(ctx, out, &p, &pr, current, desired, des_format);
    if (rc == AP_OK) {
        rc = ap_output_commit(out);
        out = NULL;
    }
    diff_result(res, &p, &pr);
    ap_requests_free(p.del);
    ap_requests_free(p.patch);
    ap_requests_free(p.post);
    ap_output_abort(out);
    plan_free(&p);
    pairing_free(&pr);
    dside_free(&cur);
    dside_free(&des);
    ap_map_free(kind_of);
    ap_map_free(kind_of2);
    free(kinds);
    free(kinds2);
    arena_free(&mem);
    arena_free(&mem2);
    return rc;
}
