/*
 * options.c: the options readers and writers declare (format.h's
 * ap_option). The first option set makes a block in the context for each
 * plugin, from its defaults (until then plugin.c gives the defaults);
 * ap_option_set parses a value as the command line gives it and lands it
 * in every plugin that declares the option. The command line, its help and its completion are made from the
 * same declarations (src/main.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The i-th plugin's option declaration, readers first, in table order;
 * NULL past the last. */
static const ap_plugin_options *nth_plugin(size_t i)
{
    size_t nr = 0;
    while (ap_readers[nr])
        nr++;
    if (i < nr)
        return &ap_readers[i]->options;
    i -= nr;
    for (size_t k = 0; ap_writers[k]; k++)
        if (k == i)
            return &ap_writers[k]->options;
    return NULL;
}

static void blocks_free(ap_context *ctx)
{
    for (size_t i = 0; i < ctx->nplugin_blocks; i++)
        free(ctx->plugin_blocks[i].block);
    free(ctx->plugin_blocks);
    ctx->plugin_blocks = NULL;
    ctx->nplugin_blocks = 0;
}

/* Makes ctx's blocks from the plugins' defaults: 0, or -1 out of memory. */
static int blocks_new(ap_context *ctx)
{
    if (ctx->plugin_blocks)
        return 0;
    size_t n = 0;
    while (nth_plugin(n))
        n++;
    ctx->plugin_blocks = calloc(n ? n : 1, sizeof *ctx->plugin_blocks);
    if (!ctx->plugin_blocks)
        return -1;
    ctx->nplugin_blocks = n;
    ctx->plugin_blocks_free = blocks_free;
    for (size_t i = 0; i < n; i++) {
        const ap_plugin_options *po = nth_plugin(i);
        ctx->plugin_blocks[i].po = po;
        if (!po->size)
            continue;
        ctx->plugin_blocks[i].block = calloc(1, po->size);
        if (!ctx->plugin_blocks[i].block)
            return -1;
        if (po->defaults)
            memcpy(ctx->plugin_blocks[i].block, po->defaults, po->size);
    }
    return 0;
}

int ap_plugin_blocks_copy(ap_context *dst, const ap_context *src)
{
    if (!src->plugin_blocks)
        return AP_OK; /* nothing set: dst has the defaults too */
    if (blocks_new(dst) != 0)
        return ap_error_nomem(dst);
    for (size_t i = 0; nth_plugin(i); i++)
        if (nth_plugin(i)->size)
            memcpy(dst->plugin_blocks[i].block, src->plugin_blocks[i].block,
                   nth_plugin(i)->size);
    return AP_OK;
}

void ap_option_words(char *out, size_t size, const char *choices)
{
    size_t n = 0, total = 1;
    for (const char *p = choices; *p; p++)
        total += *p == '|';
    out[0] = '\0';
    for (const char *p = choices; *p && n < size;) {
        size_t len = strcspn(p, "|");
        total--;
        n += (size_t)snprintf(out + n, size - n, "%.*s%s", (int)len, p,
                              total > 1 ? ", " : total == 1 ? " or " : "");
        p += len + (p[len] == '|');
    }
}

int ap_option_choice(const char *choices, const char *word, const char **near)
{
    int i = 0;
    size_t n = strlen(word), bestd = (size_t)-1;
    static char best[64];
    for (const char *p = choices; *p; i++) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, word, n) == 0)
            return i;
        char cand[64];
        snprintf(cand, sizeof cand, "%.*s", (int)len, p);
        size_t d = ap_edit_distance(word, cand);
        if (d < bestd) {
            bestd = d;
            snprintf(best, sizeof best, "%s", cand);
        }
        p += len + (p[len] == '|');
    }
    if (near)
        *near = bestd != (size_t)-1 && ap_close_enough(word, bestd) ? best : NULL;
    return -1;
}

static int apply(ap_context *ctx, const ap_option *o, void *block, const char *arg)
{
    char *field = (char *)block + o->offset;
    switch (o->type) {
    case AP_OPT_FLAG:
        *(int *)field = 1;
        return AP_OK;
    case AP_OPT_STRING:
        *(const char **)field = arg;
        return AP_OK;
    case AP_OPT_CHOICE: {
        const char *near = NULL;
        if (!arg) { /* back to the default */
            *(const char **)field = NULL;
            return AP_OK;
        }
        int k = ap_option_choice(o->choices, arg, &near);
        if (k >= 0) {
            *(const char **)field = arg;
            return AP_OK;
        }
        char words[256];
        ap_option_words(words, sizeof words, o->choices);
        if (near)
            return ap_error(ctx, AP_EUSAGE, "--%s takes %s, not '%s' (did you mean '%s'?)",
                            o->name, words, arg, near);
        return ap_error(ctx, AP_EUSAGE, "--%s takes %s, not '%s'", o->name, words, arg);
    }
    case AP_OPT_PARSE:
        return o->parse(ctx, field, arg);
    }
    return AP_OK;
}

int ap_option_set(ap_context *ctx, const char *name, const char *arg)
{
    if (blocks_new(ctx) != 0)
        return ap_error_nomem(ctx);
    int found = 0;
    for (size_t i = 0; nth_plugin(i); i++) {
        const ap_plugin_options *po = nth_plugin(i);
        for (const ap_option *o = po->list; o && o->name; o++) {
            if (strcmp(o->name, name) != 0)
                continue;
            found = 1;
            if (!arg && o->type == AP_OPT_PARSE)
                return ap_error(ctx, AP_EUSAGE, "option '--%s' needs a value", name);
            int rc = apply(ctx, o, ctx->plugin_blocks[i].block, arg);
            if (rc)
                return rc;
        }
    }
    return found ? AP_OK : ap_error(ctx, AP_EUSAGE, "unknown option '--%s'", name);
}

const ap_plugin_options *ap_plugin_nth(size_t i, int *writer)
{
    size_t nr = 0;
    while (ap_readers[nr])
        nr++;
    if (writer)
        *writer = i >= nr;
    return nth_plugin(i);
}
