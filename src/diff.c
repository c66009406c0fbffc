/*
 * diff.c: annoport diff CURRENT DESIRED -o PLAN (SPEC section 8): the
 * fewest requests that turn what an app holds (CURRENT, a Clarifai export
 * whose annotations carry ids) into a dataset (DESIRED, any format).
 *
 * Both sides are read whole into memory (a plan needs them side by side),
 * as objects: one region, or one image-level annotation, with its
 * concepts. Per input, regions are matched greedily, best box IoU first
 * (ties: earlier objects first, so the plan is deterministic), first
 * between objects with the same concepts, then between any; a pair with
 * IoU >= --match-iou is kept. A kept pair that differs gives an overwrite
 * patch with CURRENT's annotation and region ids; an unmatched CURRENT
 * object a delete; an unmatched DESIRED object a post. Image-level labels
 * are compared as sets of concepts per input. PLAN holds the requests and a
 * manifest listing them in the order to send them: delete, patch, post.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include <annoport/run.h>

#include "internal.h"

typedef struct {
    char *id, *name;
    double value;
} dconcept;

typedef struct {
    char *input;
    int kind;              /* ap_region_kind */
    ap_box box;            /* for polygons, their bounds */
    ap_point *pts;
    size_t npts;
    dconcept *c;
    size_t nc, ccap;
    char *src_id, *region_id;
    int used;
} dobj;

typedef struct {
    dobj *v;
    size_t n, cap;
    int oom;
} dset;

static void dset_free(dset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        dobj *o = &s->v[i];
        free(o->input);
        free(o->pts);
        for (size_t k = 0; k < o->nc; k++) {
            free(o->c[k].id);
            free(o->c[k].name);
        }
        free(o->c);
        free(o->src_id);
        free(o->region_id);
    }
    free(s->v);
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_geometry(const dobj *o, const ap_annotation *a)
{
    if (o->kind != (int)a->kind)
        return 0;
    if (a->kind == AP_REGION_POLYGON)
        return o->npts == a->npoints && !memcmp(o->pts, a->points, a->npoints * sizeof *o->pts);
    return a->kind != AP_REGION_BOX || !memcmp(&o->box, &a->box, sizeof o->box);
}

/* The capture writer: consecutive concepts of one source annotation and
 * region are one object, as in a request. */
static int diff_take(ap_context *ctx, void *state, const ap_annotation *a)
{
    (void)ctx;
    dset *s = state;
    dobj *o = s->n ? &s->v[s->n - 1] : NULL;
    if (!(o && a->src_id && same_str(o->src_id, a->src_id) && !strcmp(o->input, a->input->id) &&
          same_str(o->region_id, a->region_id) && same_geometry(o, a))) {
        if (ap_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
            return ap_error_nomem(ctx);
        o = &s->v[s->n++];
        memset(o, 0, sizeof *o);
        o->input = ap_strdup(a->input->id);
        o->kind = a->kind;
        o->box = a->box;
        o->src_id = a->src_id ? ap_strdup(a->src_id) : NULL;
        o->region_id = a->region_id ? ap_strdup(a->region_id) : NULL;
        if (a->kind == AP_REGION_POLYGON) {
            o->pts = malloc(a->npoints * sizeof *o->pts);
            if (o->pts)
                memcpy(o->pts, a->points, a->npoints * sizeof *o->pts);
            o->npts = a->npoints;
            o->box = (ap_box){1, 1, 0, 0};
            for (size_t i = 0; i < a->npoints; i++) {
                o->box.top = fmin(o->box.top, a->points[i].row);
                o->box.left = fmin(o->box.left, a->points[i].col);
                o->box.bottom = fmax(o->box.bottom, a->points[i].row);
                o->box.right = fmax(o->box.right, a->points[i].col);
            }
        }
        if (!o->input || (a->src_id && !o->src_id) || (a->region_id && !o->region_id) ||
            (a->npoints && !o->pts))
            return ap_error_nomem(ctx);
    }
    for (size_t k = 0; k < o->nc; k++)
        if (!strcmp(o->c[k].id, a->concept->id))
            return AP_OK;
    if (ap_grow(&o->c, &o->ccap, o->nc + 1, sizeof *o->c) != 0)
        return ap_error_nomem(ctx);
    dconcept *c = &o->c[o->nc++];
    c->id = ap_strdup(a->concept->id);
    c->name = ap_strdup(a->concept->name);
    c->value = a->value;
    return c->id && c->name ? AP_OK : ap_error_nomem(ctx);
}

static const ap_writer_ops diff_ops = {.annotation = diff_take};

/* ---- comparing ---- */

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
static int same_concepts(const dobj *a, const dobj *b)
{
    if (a->nc != b->nc)
        return 0;
    for (size_t i = 0; i < a->nc; i++) {
        size_t k = 0;
        while (k < b->nc && strcmp(a->c[i].id, b->c[k].id))
            k++;
        if (k == b->nc || a->c[i].value != b->c[k].value)
            return 0;
    }
    return 1;
}

static int same_region(const dobj *a, const dobj *b)
{
    if (a->kind != b->kind)
        return 0;
    if (a->kind == AP_REGION_POLYGON)
        return a->npts == b->npts && !memcmp(a->pts, b->pts, a->npts * sizeof *a->pts);
    return !memcmp(&a->box, &b->box, sizeof a->box);
}

typedef struct {
    size_t c, d;
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
    void *del, *patch, *post;
    uint64_t unchanged, ndel, npatch, npost;
    ap_concept tmp_concept;
    ap_input tmp_input;
} plan;

/* Sends one object's concepts as annotations of one request kind. */
static int send(plan *p, void *batches, const dobj *geom, const dobj *labels, const char *src_id,
                const char *region_id, const char *input)
{
    ap_annotation a;
    memset(&a, 0, sizeof a);
    p->tmp_input.id = (char *)input;
    a.input = &p->tmp_input;
    a.kind = geom->kind;
    a.box = geom->box;
    a.points = geom->pts;
    a.npoints = geom->npts;
    a.src_id = src_id;
    a.region_id = region_id;
    a.concept = &p->tmp_concept;
    for (size_t k = 0; k < labels->nc; k++) {
        p->tmp_concept.id = labels->c[k].id;
        p->tmp_concept.name = labels->c[k].name;
        a.value = labels->c[k].value;
        int rc = ap_requests_add(batches, &a);
        if (rc)
            return rc;
    }
    return AP_OK;
}

static int plan_input(plan *p, dobj **cur, size_t nc, dobj **des, size_t nd, const char *input)
{
    int rc = AP_OK;
    /* regions: pairs by IoU, same concepts first */
    pair *pairs = NULL;
    size_t np = 0, cap = 0;
    double thr = p->ctx->opt.match_iou;
    for (int pass = 0; pass < 2 && rc == AP_OK; pass++) {
        np = 0;
        for (size_t i = 0; i < nc; i++)
            for (size_t k = 0; k < nd; k++) {
                if (cur[i]->used || des[k]->used || cur[i]->kind == AP_REGION_NONE ||
                    des[k]->kind == AP_REGION_NONE)
                    continue;
                if (pass == 0 && !same_concepts(cur[i], des[k]))
                    continue;
                double v = iou(&cur[i]->box, &des[k]->box);
                if (v < thr || v <= 0)
                    continue;
                if (ap_grow(&pairs, &cap, np + 1, sizeof *pairs) != 0) {
                    rc = ap_error_nomem(p->ctx);
                    break;
                }
                pairs[np++] = (pair){i, k, v};
            }
        if (np)
            qsort(pairs, np, sizeof *pairs, cmp_pair);
        for (size_t i = 0; i < np && rc == AP_OK; i++) {
            dobj *c = cur[pairs[i].c], *d = des[pairs[i].d];
            if (c->used || d->used)
                continue;
            c->used = d->used = 1;
            if (same_region(c, d) && same_concepts(c, d)) {
                p->unchanged++;
            } else {
                p->npatch++;
                rc = send(p, p->patch, d, d, c->src_id, c->region_id, input);
            }
        }
    }
    free(pairs);
    /* image-level labels: CURRENT's annotations kept, cut down, or deleted */
    dobj want;
    memset(&want, 0, sizeof want); /* DESIRED's image-level concepts, not yet placed */
    dconcept *wc = NULL;
    size_t nw = 0, wcap = 0;
    for (size_t k = 0; k < nd && rc == AP_OK; k++)
        if (des[k]->kind == AP_REGION_NONE)
            for (size_t j = 0; j < des[k]->nc; j++) {
                if (ap_grow(&wc, &wcap, nw + 1, sizeof *wc) != 0) {
                    rc = ap_error_nomem(p->ctx);
                    break;
                }
                wc[nw++] = des[k]->c[j];
                des[k]->used = 1;
            }
    unsigned char *placed = calloc(nw + 1, 1);
    dconcept *keep = calloc(nw + 1, sizeof *keep);
    if (!placed || !keep)
        rc = rc ? rc : ap_error_nomem(p->ctx);
    for (size_t i = 0; i < nc && rc == AP_OK; i++) {
        dobj *c = cur[i];
        if (c->kind != AP_REGION_NONE)
            continue;
        c->used = 1;
        size_t nk = 0, same = 0;
        for (size_t j = 0; j < c->nc; j++)
            for (size_t k = 0; k < nw; k++)
                if (!placed[k] && !strcmp(c->c[j].id, wc[k].id)) {
                    placed[k] = 1;
                    keep[nk++] = wc[k];
                    same += c->c[j].value == wc[k].value;
                    break;
                }
        dobj labels = *c;
        labels.c = keep;
        labels.nc = nk;
        if (nk == c->nc && same == nk) {
            p->unchanged++;
        } else if (nk > 0) {
            p->npatch++;
            rc = send(p, p->patch, c, &labels, c->src_id, NULL, input);
        } else {
            p->ndel++;
            rc = send(p, p->del, c, c, c->src_id, NULL, input);
        }
    }
    if (rc == AP_OK) {
        want.kind = AP_REGION_NONE;
        want.c = keep;
        want.nc = 0;
        for (size_t k = 0; k < nw; k++)
            if (!placed[k])
                keep[want.nc++] = wc[k];
        if (want.nc) {
            p->npost++;
            rc = send(p, p->post, &want, &want, NULL, NULL, input);
        }
    }
    free(placed);
    free(keep);
    free(wc);
    /* what is left: deletes and posts */
    for (size_t i = 0; i < nc && rc == AP_OK; i++)
        if (!cur[i]->used) {
            p->ndel++;
            rc = send(p, p->del, cur[i], cur[i], cur[i]->src_id, NULL, input);
        }
    for (size_t k = 0; k < nd && rc == AP_OK; k++)
        if (!des[k]->used) {
            p->npost++;
            rc = send(p, p->post, des[k], des[k], NULL, NULL, input);
        }
    return rc;
}

/* Indices of a set's objects grouped by input, inputs in first-seen order. */
static int by_input(ap_context *ctx, dset *s, ap_map *order, char ***names, size_t *nnames,
                    size_t *names_cap)
{
    for (size_t i = 0; i < s->n; i++) {
        if (ap_map_get(order, s->v[i].input))
            continue;
        if (ap_grow(names, names_cap, *nnames + 1, sizeof **names) != 0 ||
            ap_map_put(order, s->v[i].input, (void *)(uintptr_t)(*nnames + 1)) != 0)
            return ap_error_nomem(ctx);
        (*names)[(*nnames)++] = s->v[i].input;
    }
    return AP_OK;
}

static int collect(dset *s, const char *input, dobj ***out, size_t *n, size_t *cap)
{
    *n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].input, input)) {
            if (ap_grow(out, cap, *n + 1, sizeof **out) != 0)
                return -1;
            (*out)[(*n)++] = &s->v[i];
        }
    return 0;
}

int ap_diff(ap_context *ctx, const char *current, const char *desired, const char *output,
            ap_diff_result *res)
{
    memset(res, 0, sizeof *res);
    if (!(ctx->opt.match_iou > 0 && ctx->opt.match_iou <= 1))
        return ap_error(ctx, AP_EUSAGE, "--match-iou must be in (0, 1]");
    dset cur = {0}, des = {0};
    ap_output *out = NULL;
    plan p;
    memset(&p, 0, sizeof p);
    p.ctx = ctx;
    ap_map *order = ap_map_new(), *in_desired = ap_map_new();
    char **names = NULL;
    size_t nnames = 0, names_cap = 0, ncur_inputs = 0;
    dobj **cv = NULL, **dv = NULL;
    size_t ncv = 0, cvcap = 0, ndv = 0, dvcap = 0;
    int rc = order && in_desired ? AP_OK : ap_error_nomem(ctx);

    /* CURRENT is Clarifai JSON; DESIRED in any format (--from) */
    const char *from = ctx->opt.from;
    ap_options saved = ctx->opt;
    ctx->opt.from = "clarifai";
    ctx->opt.geometry = AP_GEOM_AUTO;
    const char *in1[1] = {current}, *in2[1] = {desired};
    if (rc == AP_OK)
        rc = ap_run_with_writer(ctx, in1, 1, &diff_ops, &cur, NULL);
    res->current_rejected = ctx->counts.objects_rejected;
    ctx->opt = saved;
    ctx->opt.from = from;
    if (rc == AP_OK)
        rc = ap_run_with_writer(ctx, in2, 1, &diff_ops, &des, NULL);
    res->desired_rejected = ctx->counts.objects_rejected;
    ctx->opt = saved;
    for (size_t i = 0; rc == AP_OK && i < cur.n; i++)
        if (!cur.v[i].src_id)
            rc = ap_error(ctx, AP_EDATA, "%s: annotations of input \"%s\" have no ids: CURRENT "
                          "must be a Clarifai export of the app", current, cur.v[i].input);
    if (rc == AP_OK)
        rc = by_input(ctx, &cur, order, &names, &nnames, &names_cap);
    ncur_inputs = nnames;
    if (rc == AP_OK)
        rc = by_input(ctx, &des, order, &names, &nnames, &names_cap);
    for (size_t i = 0; rc == AP_OK && i < des.n; i++)
        if (ap_map_put(in_desired, des.v[i].input, &des) != 0)
            rc = ap_error_nomem(ctx);

    if (rc == AP_OK)
        rc = ap_output_begin(ctx, output, ctx->opt.force, &out);
    const char *saved_action = ctx->opt.action;
    ctx->opt.action = "overwrite";
    if (rc == AP_OK) {
        p.del = ap_requests_open(ctx, out, "delete");
        p.patch = ap_requests_open(ctx, out, "patch");
        p.post = ap_requests_open(ctx, out, "post");
        if (!p.del || !p.patch || !p.post)
            rc = ctx->err;
    }
    for (size_t i = 0; rc == AP_OK && i < nnames; i++) {
        const char *input = names[i];
        if (collect(&cur, input, &cv, &ncv, &cvcap) || collect(&des, input, &dv, &ndv, &dvcap)) {
            rc = ap_error_nomem(ctx);
            break;
        }
        if (i < ncur_inputs && !ap_map_get(in_desired, input) && !ctx->opt.delete_missing_inputs) {
            p.unchanged += ncv; /* an input DESIRED does not have: left alone */
            continue;
        }
        rc = plan_input(&p, cv, ncv, dv, ndv, input);
    }
    cJSON *m = NULL;
    if (rc == AP_OK) {
        m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "tool", "annoport");
        cJSON_AddStringToObject(m, "version", AP_VERSION);
        cJSON *t = cJSON_AddObjectToObject(m, "target");
        cJSON_AddStringToObject(t, "format", "clarifai");
        cJSON_AddStringToObject(t, "request", "plan");
        cJSON *src = cJSON_AddObjectToObject(m, "source");
        cJSON_AddStringToObject(src, "current", current);
        cJSON_AddStringToObject(src, "desired", desired);
        cJSON *counts = cJSON_AddObjectToObject(m, "counts");
        cJSON_AddNumberToObject(counts, "deletes", (double)p.ndel);
        cJSON_AddNumberToObject(counts, "patches", (double)p.npatch);
        cJSON_AddNumberToObject(counts, "posts", (double)p.npost);
        cJSON_AddNumberToObject(counts, "unchanged", (double)p.unchanged);
        cJSON *list = cJSON_AddArrayToObject(m, "plan");
        rc = ap_requests_finish(p.del, list);
        if (rc == AP_OK)
            rc = ap_requests_finish(p.patch, list);
        if (rc == AP_OK)
            rc = ap_requests_finish(p.post, list);
    }
    ctx->opt.action = saved_action;
    if (rc == AP_OK) {
        char *text = cJSON_Print(m);
        FILE *f = text ? ap_output_create(out, "manifest.json") : NULL;
        if (!text)
            rc = ap_error_nomem(ctx);
        else if (!f)
            rc = ctx->err;
        if (f) {
            fputs(text, f);
            fputc('\n', f);
            rc = ap_output_close(out, f, "manifest.json");
        }
        free(text);
    }
    cJSON_Delete(m);
    if (rc == AP_OK) {
        rc = ap_output_commit(out);
        out = NULL;
    }
    res->deletes = p.ndel;
    res->patches = p.npatch;
    res->posts = p.npost;
    res->unchanged = p.unchanged;
    ap_requests_free(p.del);
    ap_requests_free(p.patch);
    ap_requests_free(p.post);
    ap_output_abort(out);
    ap_map_free(order);
    ap_map_free(in_desired);
    free(names);
    free(cv);
    free(dv);
    dset_free(&cur);
    dset_free(&des);
    return rc;
}
