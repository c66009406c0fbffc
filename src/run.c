/*
 * run.c: one job from inputs to an output tree. Checks the options, has
 * the inputs expanded into the files to read (source.c) and the label and
 * size options loaded (loaders.c), sets up the sink and the writer, reads
 * every file through its reader, and commits or removes the output. Reading
 * and writing themselves happen in the plugins.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink.h"

/* ---- results ---- */

void ap_result_free(ap_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nconcepts; i++) {
        free(res->concepts[i]->id);
        free(res->concepts[i]->name);
        free(res->concepts[i]);
    }
    free(res->concepts);
    for (size_t i = 0; i < res->rejects_by_reason_n; i++)
        free(res->reject_reasons[i]);
    free(res->reject_reasons);
    free(res->reject_counts);
    memset(res, 0, sizeof *res);
}

static int fill_result(ap_context *ctx, ap_sink *sink, ap_result *res)
{
    res->concepts = calloc(sink->nconcepts + 1, sizeof *res->concepts);
    res->reject_reasons = calloc(sink->nreasons + 1, sizeof *res->reject_reasons);
    res->reject_counts = calloc(sink->nreasons + 1, sizeof *res->reject_counts);
    if (!res->concepts || !res->reject_reasons || !res->reject_counts)
        return ap_error_nomem(ctx);
    for (size_t i = 0; i < sink->nconcepts; i++) {
        const ap_concept *c = sink->concepts[i];
        if (c->filtered)
            continue;
        ap_concept *copy = calloc(1, sizeof *copy);
        if (!copy)
            return ap_error_nomem(ctx);
        *copy = *c;
        copy->id = ap_strdup(c->id);
        copy->name = ap_strdup(c->name);
        res->concepts[res->nconcepts++] = copy;
        if (!copy->id || !copy->name)
            return ap_error_nomem(ctx);
    }
    for (size_t i = 0; i < sink->nreasons; i++) {
        res->reject_reasons[i] = ap_strdup(sink->reasons[i]);
        if (!res->reject_reasons[i])
            return ap_error_nomem(ctx);
        res->reject_counts[i] = sink->reason_counts[i];
        res->rejects_by_reason_n++;
    }
    ap_run_info all = {.inputs = sink->inputs, .ninputs = sink->ninputs, .core = sink->store};
    for (size_t i = 0; i < sink->ninputs; i++) {
        uint64_t k = ap_run_input(&all, i)->objects;
        if (k)
            res->images_with_objects++;
        if (k > res->max_objects_per_image)
            res->max_objects_per_image = k;
    }
    for (size_t i = 0; i < sink->nfirst_rejects; i++)
        memcpy(res->first_rejects[i], sink->first_rejects[i], sizeof res->first_rejects[i]);
    res->nfirst_rejects = sink->nfirst_rejects;
    res->box_small = sink->box_small;
    res->box_medium = sink->box_medium;
    res->box_large = sink->box_large;
    res->box_unsized = sink->box_unsized;
    return AP_OK;
}

/* ---- the job ---- */

/* Clears what a job before this one left in ctx, and res. */
static void run_reset(ap_context *ctx, ap_result *res)
{
    memset(res, 0, sizeof *res);
    memset(&ctx->counts, 0, sizeof ctx->counts);
    ctx->err = AP_OK;
    ctx->errmsg[0] = '\0';
    ctx->detail[0] = '\0';
    ctx->progress_done = 0;
    ctx->progress_total = 0;
    ctx->progress_phase = NULL;
}

/* The options checked before anything is opened, and the reader (--from,
 * or NULL to probe) and writer (--to, for a conversion) they name. */
static int run_check(ap_context *ctx, ap_run_mode mode, size_t ninputs,
                     const ap_reader **forced, const ap_writer **target)
{
    *forced = NULL;
    *target = NULL;
    if (ninputs == 0)
        return ap_error(ctx, AP_EUSAGE, "no input given");
    if (ctx->opt.batch_size < 1 || ctx->opt.batch_size > 128)
        return ap_error(ctx, AP_EUSAGE, "--batch-size must be 1..128 (the API takes at most "
                        "128 annotations a call), not %d", ctx->opt.batch_size);

    if (ctx->opt.from) {
        *forced = ap_reader_find(ctx->opt.from);
        if (!*forced)
            return ap_error(ctx, AP_EUSAGE, "--from %s: no such reader (see 'annoport formats')",
                            ctx->opt.from);
    }
    if (mode == AP_RUN_CONVERT) {
        *target = ap_writer_find(ctx->opt.to ? ctx->opt.to : "clarifai");
        if (!*target)
            return ap_error(ctx, AP_EUSAGE, "--to %s: no such writer (see 'annoport formats')",
                            ctx->opt.to);
    }
    return AP_OK;
}

/* The label options, then every input expanded into the files to read;
 * res gets the first one's format. */
static int run_sources(ap_context *ctx, ap_sink *sink, const char *const *inputs,
                       size_t ninputs, const ap_reader *forced, ap_source_list *srcs,
                       ap_result *res)
{
    int rc;
    if (ctx->opt.label_map && (rc = ap_label_map_load(sink, ctx->opt.label_map)) != AP_OK)
        return rc;
    if (ctx->opt.labels && (rc = ap_labels_load(sink, ctx->opt.labels)) != AP_OK)
        return rc;
    for (size_t i = 0; i < ninputs; i++) {
        char detected[32] = "";
        rc = ap_source_list_expand(ctx, inputs[i], forced, srcs, detected, sizeof detected);
        if (rc)
            return rc;
        if (!res->format[0])
            snprintf(res->format, sizeof res->format, "%s", srcs->v[0].fmt->name);
        if (*detected)
            res->detected = 1;
    }
    return AP_OK;
}

/* The writer: the caller's own (no output tree), or target's (a
 * conversion), with rejects.jsonl, in out. */
static int run_open_writer(ap_context *ctx, ap_sink *sink, ap_output *out,
                           const ap_writer *target, const ap_writer *own, void *own_state)
{
    int rc;
    if (own) { /* the caller's writer: no output tree */
        sink->w = own;
        sink->wstate = own_state;
        if (own->open && (rc = own->open(ctx, NULL, sink->wstate)) != AP_OK)
            return rc;
    }

    if (target) {
        sink->rejects = ap_output_create(out, "rejects.jsonl");
        if (!sink->rejects)
            return ctx->err;
        sink->w = target;
        if (sink->w->accepts)
            sink->accepts = sink->w->accepts(ctx, &sink->needs_size);
        /* the writer's state: made (zeroed) and freed here, see run_job */
        sink->wstate = calloc(1, target->priv_size ? target->priv_size : 1);
        if (!sink->wstate)
            return ap_error_nomem(ctx);
        return sink->w->open(ctx, out, sink->wstate);
    }
    return AP_OK;
}

/* Every source through its reader into the sink. */
static int run_read(ap_context *ctx, ap_sink *sink, const ap_source_list *srcs)
{
    /* (standard input adds its size once it is copied) */
    ap_progress_phase(ctx, "reading", srcs->bytes);
    int rc = AP_OK;
    for (size_t i = 0; i < srcs->n && rc == AP_OK; i++) {
        ap_source src = {.path = srcs->v[i].display};
        ctx->progress_phase = "reading"; /* after another file's second pass */
        rc = ap_source_file_open(ctx, &srcs->v[i], &src.stream);
        if (rc || !src.stream)
            continue; /* an error ends the loop; a skipped file, the next */
        sink->cur_path = srcs->v[i].display;
        src.container = srcs->v[i].c; /* the tree it came from, for YOLO */
        src.rel = srcs->v[i].rel;
        void *priv;
        rc = ap_sink_reader_priv(sink, srcs->v[i].fmt, &priv);
        if (rc == AP_OK)
            rc = srcs->v[i].fmt->read(ctx, &src, sink, priv);
        if (rc == AP_OK && ctx->err)
            rc = ctx->err; /* a reader that set an error but returned 0 */
        ap_stream_close(src.stream);
    }
    return rc;
}

/* A conversion that read objects and would write none is an error, unless
 * --allow-empty. */
static int run_check_written(ap_context *ctx, ap_run_mode mode)
{
    const ap_counts *n = &ctx->counts;
    if (mode == AP_RUN_CONVERT && n->objects_read > 0 && n->objects_written == 0 &&
        !ctx->opt.allow_empty)
        return ap_error(ctx, AP_EDATA, "no object was written: of the %llu objects read, %llu "
                        "were rejected and %llu filtered out, so the output would be empty; "
                        "nothing is written (give --allow-empty to write it anyway)",
                        (unsigned long long)n->objects_read,
                        (unsigned long long)n->objects_rejected,
                        (unsigned long long)n->objects_filtered);
    return AP_OK;
}

static ap_run_info run_info(const ap_sink *sink, const ap_result *res,
                            const char *const *inputs, size_t ninputs)
{
    ap_run_info info = {res->format, inputs, ninputs,
                        (const ap_concept *const *)sink->concepts, sink->nconcepts,
                        sink->inputs, sink->ninputs, sink->store};
    return info;
}

/* A conversion's end: rejects.jsonl, the writer's files, and the tree
 * renamed into place (*out is then NULL: committed or freed). */
static int run_commit(ap_context *ctx, ap_sink *sink, ap_output **out,
                      const ap_run_info *info)
{
    FILE *rj = sink->rejects;
    sink->rejects = NULL;
    int rc = ap_output_close(*out, rj, "rejects.jsonl");
    if (rc)
        return rc;
    ap_progress_phase(ctx, "writing", 0);
    rc = sink->w->close(ctx, sink->wstate, info);
    if (rc)
        return rc;
    rc = ap_output_commit(*out);
    *out = NULL;
    return rc;
}

static int run_job(ap_context *ctx, ap_run_mode mode, const char *const *inputs,
                   size_t ninputs, const char *output, ap_result *res,
                   const ap_writer *own, void *own_state)
{
    ap_result local;
    if (!res)
        res = &local;
    run_reset(ctx, res);
    const ap_reader *forced;
    const ap_writer *target;
    int rc = run_check(ctx, mode, ninputs, &forced, &target);
    if (rc)
        return rc;

    ap_sink *sink = ap_sink_new(ctx, mode);
    ap_source_list srcs = {0};
    ap_output *out = NULL;
    if (!sink) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    rc = run_sources(ctx, sink, inputs, ninputs, forced, &srcs, res);
    if (rc == AP_OK && mode == AP_RUN_CONVERT)
        rc = ap_output_begin(ctx, output, ctx->opt.force, &out);
    if (rc == AP_OK)
        rc = ap_sink_open_tables(sink, out ? ap_output_tmpdir(out) : NULL);
    if (rc == AP_OK)
        rc = ap_sizes_load(ctx, sink);
    if (rc == AP_OK)
        rc = run_open_writer(ctx, sink, out, target, own, own_state);
    if (rc == AP_OK)
        rc = run_read(ctx, sink, &srcs);
    if (rc)
        goto done;
    ap_sink_warn_unmatched(sink);
    /* the summary first: once the output is in place, nothing may fail */
    if ((rc = fill_result(ctx, sink, res)) != AP_OK || (rc = run_check_written(ctx, mode)))
        goto done;
    ap_run_info info = run_info(sink, res, inputs, ninputs);
    if (mode == AP_RUN_CONVERT && (rc = run_commit(ctx, sink, &out, &info)) != AP_OK)
        goto done;
    if (own && own->close)
        rc = own->close(ctx, sink->wstate, &info);

done:
    if (sink) {
        if (sink->rejects)
            fclose(sink->rejects);
        if (sink->w && !own && sink->wstate) {
            if (sink->w->release)
                sink->w->release(sink->wstate);
            free(sink->wstate);
        }
    }
    ap_output_abort(out);
    ap_sink_free(sink);
    ap_source_list_free(&srcs);
    if (res == &local)
        ap_result_free(&local);
    return rc ? rc : ctx->err;
}

int ap_run(ap_context *ctx, ap_run_mode mode, const char *const *inputs, size_t ninputs,
           const char *output, ap_result *res)
{
    return run_job(ctx, mode, inputs, ninputs, output, res, NULL, NULL);
}

int ap_run_with_writer(ap_context *ctx, const char *const *inputs, size_t ninputs,
                       const ap_writer *writer, void *state, ap_result *res)
{
    return run_job(ctx, AP_RUN_VALIDATE, inputs, ninputs, NULL, res, writer, state);
}
