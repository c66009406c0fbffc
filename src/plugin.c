/*
 * plugin.c: what a reader or writer asks of the core about its options:
 * its block in the context. Kept apart from options.c (which knows the
 * tables of formats, to parse an option by name), so that the plugins do
 * not depend on the tables that list them.
 */
#include "internal.h"

/* Room for the defaults of a plugin that gives none (zeros). */
static const union {
    char c[256];
    void *p;
    double d;
} zeros;

const void *ap_plugin_options_get(const ap_context *ctx, const ap_plugin_options *po)
{
    for (size_t i = 0; i < ctx->nplugin_blocks; i++)
        if (ctx->plugin_blocks[i].po == po)
            return ctx->plugin_blocks[i].block;
    /* nothing set: the plugin's defaults */
    return po->defaults ? po->defaults : (const void *)&zeros;
}

