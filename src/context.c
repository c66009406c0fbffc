/*
 * context.c: the run context: default options, the one error of a run,
 * warnings and progress. Nothing here prints; the CLI installs callbacks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <unistd.h>

#include <annoport/annoport.h>

volatile int ap_interrupted = 0;

size_t ap_default_table_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t phys = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
    uint64_t budget = phys / 16, least = (uint64_t)32 << 20;
    if (budget < least)
        budget = least;
    return budget > SIZE_MAX ? SIZE_MAX : (size_t)budget;
}

void ap_options_init(ap_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->to = "clarifai";
    opt->batch_size = 128;
    opt->status = AP_STATUS_NONE;
    opt->geometry = AP_GEOM_AUTO;
    opt->input_id = AP_INPUT_ID_CLEAN;
    opt->voc_edges = AP_VOC_INCLUSIVE;
    opt->clamp_tolerance = 0.5;
    opt->match_iou = 0.5;
    opt->max_record = (size_t)256 << 20;
    opt->table_memory = ap_default_table_memory();
    opt->zip_level = 1;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    opt->threads = cores < 1 ? 1 : cores > AP_MAX_THREADS ? AP_MAX_THREADS : (int)cores;
}

ap_context *ap_context_new(void)
{
    ap_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ap_options_init(&ctx->opt);
    return ctx;
}

void ap_context_free(ap_context *ctx)
{
    if (!ctx)
        return;
    if (ctx->plugin_blocks_free) /* set by options.c when it made them */
        ctx->plugin_blocks_free(ctx);
    free(ctx);
}

static int set_error(ap_context *ctx, int code, const char *prefix, const char *fmt,
                     va_list ap)
{
    if (ctx->err != AP_OK)
        return ctx->err; /* the first error explains the run */
    ctx->err = code;
    size_t n = 0;
    if (prefix) {
        n = strlen(prefix);
        if (n >= sizeof ctx->errmsg)
            n = sizeof ctx->errmsg - 1;
        memcpy(ctx->errmsg, prefix, n);
    }
    vsnprintf(ctx->errmsg + n, sizeof ctx->errmsg - n, fmt, ap);
    return code;
}

int ap_error(ap_context *ctx, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = set_error(ctx, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int ap_error_at(ap_context *ctx, int code, const char *file, uint64_t line,
                uint64_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    code = ap_error_vat(ctx, code, file, line, col, fmt, ap);
    va_end(ap);
    return code;
}

int ap_error_vat(ap_context *ctx, int code, const char *file, uint64_t line, uint64_t col,
                 const char *fmt, va_list ap)
{
    char prefix[512];
    if (line && col)
        snprintf(prefix, sizeof prefix, "%s:%llu:%llu: ", file, (unsigned long long)line,
                 (unsigned long long)col);
    else if (line)
        snprintf(prefix, sizeof prefix, "%s:%llu: ", file, (unsigned long long)line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", file);
    return set_error(ctx, code, prefix, fmt, ap);
}

int ap_error_nomem(ap_context *ctx)
{
    return ap_error(ctx, AP_ENOMEM, "out of memory");
}

void ap_warn(ap_context *ctx, const char *fmt, ...)
{
    ctx->warnings++;
    if (!ctx->warn)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->warn(ctx->warn_user, msg);
}

void ap_progress_phase(ap_context *ctx, const char *phase, uint64_t total)
{
    ctx->progress_phase = phase;
    ctx->progress_done = 0;
    ctx->progress_total = total;
    if (ctx->progress)
        ctx->progress(ctx->progress_user, 0, total);
}

void ap_progress_set(ap_context *ctx, uint64_t done)
{
    ctx->progress_done = done;
    if (ctx->progress)
        ctx->progress(ctx->progress_user, ctx->progress_done, ctx->progress_total);
}

void ap_progress_add(ap_context *ctx, uint64_t n)
{
    ctx->progress_done += n;
    if (ctx->progress)
        ctx->progress(ctx->progress_user, ctx->progress_done, ctx->progress_total);
}
