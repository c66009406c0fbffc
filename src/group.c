/*
 * group.c: records grouped by input, for writers that hold one file per
 * image (VOC, YOLO) while sources list objects in any order (COCO lists
 * them by category). An external counting sort: records go to a temporary
 * file as they come, with a byte count per input; then each is copied to
 * its input's place in a second file, which is read back in order.
 * Memory: two 8-byte counters per input and one input's records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ap_group {
    ap_context *ctx;
    FILE *in;          /* records as they came: [u32 input][u32 len][len bytes] */
    uint64_t *bytes;   /* bytes per input */
    size_t nbytes, cap;
};

ap_group *ap_group_new(ap_context *ctx)
{
    ap_group *g = calloc(1, sizeof *g);
    if (!g || !(g->in = tmpfile())) {
        free(g);
        ap_error(ctx, AP_EIO, "cannot create a temporary file to group annotations by image");
        return NULL;
    }
    g->ctx = ctx;
    return g;
}

void ap_group_free(ap_group *g)
{
    if (!g)
        return;
    if (g->in)
        fclose(g->in);
    free(g->bytes);
    free(g);
}

int ap_group_add(ap_group *g, uint32_t input, const void *rec, uint32_t len)
{
    if (input >= g->nbytes) {
        if (ap_grow(&g->bytes, &g->cap, (size_t)input + 1, sizeof *g->bytes) != 0)
            return ap_error_nomem(g->ctx);
        memset(g->bytes + g->nbytes, 0, ((size_t)input + 1 - g->nbytes) * sizeof *g->bytes);
        g->nbytes = (size_t)input + 1;
    }
    uint32_t head[2] = {input, len};
    if (fwrite(head, sizeof head, 1, g->in) != 1 || fwrite(rec, 1, len, g->in) != len)
        return ap_error(g->ctx, AP_EIO, "cannot write the temporary grouping file");
    g->bytes[input] += len + sizeof head;
    return AP_OK;
}

int ap_group_each(ap_group *g, size_t ninputs,
                  int (*fn)(void *user, uint32_t input, const unsigned char *recs,
                            size_t len),
                  void *user)
{
    ap_context *ctx = g->ctx;
    uint64_t *off = calloc(ninputs + 1, sizeof *off);
    FILE *sorted = tmpfile();
    unsigned char *rec = NULL, *buf = NULL;
    size_t reccap = 0, bufcap = 0;
    int rc = AP_OK;
    if (!off || !sorted) {
        rc = ap_error(ctx, AP_EIO, "cannot create a temporary file to group annotations");
        goto done;
    }
    for (size_t i = 0; i < ninputs; i++)
        off[i + 1] = off[i] + (i < g->nbytes ? g->bytes[i] : 0);
    /* place every record at its input's offset */
    if (fflush(g->in) != 0 || fseek(g->in, 0, SEEK_SET) != 0) {
        rc = ap_error(ctx, AP_EIO, "cannot read the temporary grouping file");
        goto done;
    }
    uint64_t *at = calloc(ninputs + 1, sizeof *at);
    if (!at) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    memcpy(at, off, (ninputs + 1) * sizeof *at);
    uint32_t head[2];
    while (rc == AP_OK && fread(head, sizeof head, 1, g->in) == 1) {
        if (head[0] >= ninputs || ap_grow(&rec, &reccap, head[1] + sizeof head, 1) != 0) {
            rc = head[0] >= ninputs ? ap_error(ctx, AP_EIO, "grouping: an unknown input")
                                    : ap_error_nomem(ctx);
            break;
        }
        memcpy(rec, head, sizeof head);
        if (fread(rec + sizeof head, 1, head[1], g->in) != head[1] ||
            fseeko(sorted, (off_t)at[head[0]], SEEK_SET) != 0 ||
            fwrite(rec, 1, head[1] + sizeof head, sorted) != head[1] + sizeof head)
            rc = ap_error(ctx, AP_EIO, "cannot write the temporary grouping file");
        at[head[0]] += head[1] + sizeof head;
    }
    free(at);
    if (rc == AP_OK && (fflush(sorted) != 0 || fseek(sorted, 0, SEEK_SET) != 0))
        rc = ap_error(ctx, AP_EIO, "cannot read the temporary grouping file");
    /* read back, one input at a time */
    for (size_t i = 0; rc == AP_OK && i < ninputs; i++) {
        size_t len = (size_t)(off[i + 1] - off[i]);
        if (ap_grow(&buf, &bufcap, len + 1, 1) != 0) {
            rc = ap_error_nomem(ctx);
            break;
        }
        if (len && fread(buf, 1, len, sorted) != len) {
            rc = ap_error(ctx, AP_EIO, "cannot read the temporary grouping file");
            break;
        }
        rc = fn(user, (uint32_t)i, buf, len);
    }
done:
    if (sorted)
        fclose(sorted);
    free(off);
    free(rec);
    free(buf);
    return rc;
}
