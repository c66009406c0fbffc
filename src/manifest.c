/*
 * manifest.c: OUTPUT/manifest.json, the same for every writer: what was
 * read, what was written, the counts (SPEC section 4), the concepts used,
 * and the inputs with their file names and sizes (so that annoport's own
 * output can be read back with nothing lost). The inputs are written one
 * line each, streamed, after the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal.h"

/* The manifest but for what is streamed after it (the list and the
 * inputs), printed by cJSON and cut before its closing brace (and the
 * white space before that) so that they can follow: *len bytes of the
 * returned text (free it), or NULL out of memory. */
static char *manifest_head(const ap_context *ctx, const ap_run_info *info,
                           const char *target_format,
                           void (*add)(void *user, cJSON *manifest, cJSON *target),
                           void *user, size_t *len)
{
    const ap_counts *c = &ctx->counts;
    ap_json_begin();
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "tool", "annoport");
    cJSON_AddStringToObject(m, "version", AP_VERSION);
    /* the target first: a probe reading the first bytes tells what tree
     * this manifest belongs to, however many source paths follow */
    cJSON *tgt = cJSON_AddObjectToObject(m, "target");
    cJSON_AddStringToObject(tgt, "format", target_format);
    cJSON *src = cJSON_AddObjectToObject(m, "source");
    cJSON_AddStringToObject(src, "format", info->source_format);
    cJSON *paths = cJSON_AddArrayToObject(src, "paths");
    for (size_t i = 0; i < info->npaths; i++)
        cJSON_AddItemToArray(paths, cJSON_CreateString(info->paths[i]));
    cJSON *cnt = cJSON_CreateObject();
    cJSON_AddNumberToObject(cnt, "inputs", (double)c->inputs);
    cJSON_AddNumberToObject(cnt, "objects_read", (double)c->objects_read);
    cJSON_AddNumberToObject(cnt, "objects_written", (double)c->objects_written);
    cJSON_AddNumberToObject(cnt, "objects_rejected", (double)c->objects_rejected);
    cJSON_AddNumberToObject(cnt, "objects_filtered", (double)c->objects_filtered);
    cJSON_AddNumberToObject(cnt, "annotations_written", (double)c->annotations_written);
    cJSON_AddNumberToObject(cnt, "clamped", (double)c->clamped);
    cJSON_AddNumberToObject(cnt, "requests", (double)c->requests);
    if (add)
        add(user, m, tgt);
    cJSON_AddItemToObject(m, "counts", cnt);
    cJSON *cs = cJSON_AddArrayToObject(m, "concepts");
    for (size_t i = 0; i < info->nconcepts; i++) {
        const ap_concept *k = info->concepts[i];
        if (k->filtered || k->annotations == 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", k->id);
        cJSON_AddStringToObject(o, "name", k->name);
        cJSON_AddNumberToObject(o, "annotations", (double)k->annotations);
        cJSON_AddItemToArray(cs, o);
    }
    char *text = cJSON_Print(m);
    cJSON_Delete(m);
    if (!text || ap_json_failed()) { /* a member left out would go unseen */
        free(text);
        return NULL;
    }
    size_t n = strlen(text);
    while (n && text[n - 1] != '}')
        n--;
    if (n)
        n--; /* the closing brace: the inputs follow */
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\t' || text[n - 1] == ' '))
        n--;
    *len = n;
    return text;
}

int ap_manifest_write(ap_context *ctx, ap_output *out, const ap_run_info *info,
                      const char *target_format,
                      void (*add)(void *user, cJSON *manifest, cJSON *target),
                      void (*list)(void *user, FILE *f), void *user)
{
    const ap_counts *c = &ctx->counts;
    if (c->objects_read != c->objects_written + c->objects_rejected + c->objects_filtered)
        return ap_error(ctx, AP_EDATA, "internal error: %llu objects read but %llu written, "
                        "%llu rejected and %llu filtered; no output written",
                        (unsigned long long)c->objects_read,
                        (unsigned long long)c->objects_written,
                        (unsigned long long)c->objects_rejected,
                        (unsigned long long)c->objects_filtered);
    size_t len = 0;
    char *text = manifest_head(ctx, info, target_format, add, user, &len);
    if (!text)
        return ap_error_nomem(ctx);
    FILE *f = ap_output_create(out, "manifest.json");
    if (!f) {
        free(text);
        return ctx->err;
    }
    fwrite(text, 1, len, f);
    free(text);
    if (list)
        list(user, f);
    fputs(",\n\t\"inputs\":\t[", f);
    ap_buf b = {0};
    for (size_t i = 0; i < info->ninputs; i++) {
        const ap_input *in = ap_run_input(info, i);
        b.len = 0;
        ap_buf_puts(&b, i ? ",\n\t\t{\"id\":" : "\n\t\t{\"id\":");
        ap_buf_json_string(&b, in->id);
        ap_buf_puts(&b, ",\"file_name\":");
        ap_buf_json_string(&b, in->file_name);
        ap_buf_puts(&b, ",\"width\":");
        ap_buf_u64(&b, (uint64_t)in->width);
        ap_buf_puts(&b, ",\"height\":");
        ap_buf_u64(&b, (uint64_t)in->height);
        if (in->split) { /* its AutoML set, for a CSV written from this output */
            ap_buf_puts(&b, ",\"split\":");
            ap_buf_json_string(&b, in->split);
        }
        ap_buf_putc(&b, '}');
        if (b.oom)
            break;
        fwrite(b.p, 1, b.len, f);
    }
    int oom = b.oom;
    ap_buf_free(&b);
    fputs(info->ninputs ? "\n\t]\n}\n" : "]\n}\n", f);
    if (oom) {
        fclose(f);
        return ap_error_nomem(ctx);
    }
    return ap_output_close(out, f, "manifest.json");
}
