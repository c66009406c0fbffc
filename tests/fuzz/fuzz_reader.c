/*
 * fuzz_reader.c: a libFuzzer target per reader (built with -DFUZZ_FORMAT=
 * the name of a reader of formats/formats.c's table; "zip" for a dataset inside an archive;
 * "probe" for format detection). Each input is written to a file and read
 * by the library as `annoport validate --from FORMAT` would; any crash,
 * leak or sanitizer report is a finding. Errors are fine: they are the
 * answer to a malformed file. Each input is read twice, with the fast paths
 * and with --reference-parsers, into a writer that hashes every annotation:
 * a different status, message, count or hash aborts (a finding too).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <annoport/annoport.h>
#include <annoport/format.h>
#include <annoport/run.h>

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT "coco"
#endif

static char path[256];

/* A writer that folds every annotation into a hash. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    return s ? mix(h, s, strlen(s) + 1) : mix(h, "", 1);
}

static int hash_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    (void)ctx;
    uint64_t *h = state;
    *h = mix_str(*h, a->input->id);
    *h = mix_str(*h, a->concept->id);
    *h = mix(*h, &a->value, sizeof a->value);
    *h = mix(*h, &a->kind, sizeof a->kind);
    if (a->kind == AP_REGION_BOX)
        *h = mix(*h, &a->box, sizeof a->box);
    if (a->kind == AP_REGION_POLYGON)
        *h = mix(*h, a->points, a->npoints * sizeof *a->points);
    *h = mix(*h, &a->pos.line, sizeof a->pos.line);
    return 0;
}

static const ap_writer hasher = {.annotation = hash_annotation};

typedef struct {
    int rc;
    char msg[1024];
    ap_counts counts;
    uint64_t hash;
} outcome;

static void read_once(int reference, outcome *o)
{
    memset(o, 0, sizeof *o);
    o->hash = 0xcbf29ce484222325ULL;
    ap_context *ctx = ap_context_new();
    if (!ctx) {
        o->rc = -1;
        return;
    }
    if (strcmp(FUZZ_FORMAT, "zip") != 0)
        ctx->opt.from = FUZZ_FORMAT;
    ctx->opt.geometry = AP_GEOM_BOTH;
    ctx->opt.reference_parsers = reference;
    const char *in[1] = {path};
    ap_result res;
    o->rc = ap_run_with_writer(ctx, in, 1, &hasher, &o->hash, &res);
    ap_result_free(&res);
    snprintf(o->msg, sizeof o->msg, "%s", ctx->errmsg);
    o->counts = ctx->counts;
    ap_context_free(ctx);
}

static void setup(void)
{
    if (path[0])
        return;
    /* the reader's first extension (formats/formats.c's table) */
    const ap_reader *r = ap_reader_find(FUZZ_FORMAT);
    const char *ext = r ? r->extensions : "zip";
    snprintf(path, sizeof path, "/tmp/annoport-fuzz-%s-%ld.%.*s", FUZZ_FORMAT, (long)getpid(),
             (int)strcspn(ext, ","), ext);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!strcmp(FUZZ_FORMAT, "probe")) {
        unsigned char buf[AP_PROBE_BYTES + 16];
        memset(buf, 0, sizeof buf);
        size_t n = size < AP_PROBE_BYTES ? size : AP_PROBE_BYTES;
        memcpy(buf, data, n);
        ap_probe p = {"fuzz.json", buf, n};
        for (const ap_reader *const *f = ap_readers; *f; f++)
            if ((*f)->probe)
                (*f)->probe(&p);
        return 0;
    }
    setup();
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    outcome fast, ref;
    read_once(0, &fast);
    read_once(1, &ref);
    if (fast.rc != ref.rc || strcmp(fast.msg, ref.msg) != 0 || fast.hash != ref.hash ||
        memcmp(&fast.counts, &ref.counts, sizeof fast.counts) != 0) {
        fprintf(stderr, "fast path and reference differ: %d \"%s\" %llx / %d \"%s\" %llx\n",
                fast.rc, fast.msg, (unsigned long long)fast.hash, ref.rc, ref.msg,
                (unsigned long long)ref.hash);
        abort();
    }
    unlink(path);
    return 0;
}
