/*
 * fuzz_reader.c: a libFuzzer target per reader (built with -DFUZZ_FORMAT=
 * "coco", "voc", "csv", "clarifai"; "zip" for a dataset inside an archive;
 * "probe" for format detection). Each input is written to a file and read
 * by the library as `annoport validate --from FORMAT` would; any crash,
 * leak or sanitizer report is a finding. Errors are fine: they are the
 * answer to a malformed file.
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

static void setup(void)
{
    if (path[0])
        return;
    const char *ext = !strcmp(FUZZ_FORMAT, "zip") ? "zip" : !strcmp(FUZZ_FORMAT, "voc") ? "xml"
                      : !strcmp(FUZZ_FORMAT, "csv") ? "csv" : "json";
    snprintf(path, sizeof path, "/tmp/annoport-fuzz-%s-%ld.%s", FUZZ_FORMAT, (long)getpid(),
             ext);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!strcmp(FUZZ_FORMAT, "probe")) {
        unsigned char buf[AP_PROBE_BYTES + 16];
        memset(buf, 0, sizeof buf);
        size_t n = size < AP_PROBE_BYTES ? size : AP_PROBE_BYTES;
        memcpy(buf, data, n);
        ap_probe p = {"fuzz.json", buf, n};
        for (const ap_format *const *f = ap_formats; *f; f++)
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
    ap_context *ctx = ap_context_new();
    if (!ctx)
        return 0;
    if (strcmp(FUZZ_FORMAT, "zip") != 0)
        ctx->opt.from = FUZZ_FORMAT;
    ctx->opt.geometry = AP_GEOM_BOTH;
    const char *in[1] = {path};
    ap_result res;
    ap_run(ctx, AP_RUN_VALIDATE, in, 1, NULL, &res);
    ap_result_free(&res);
    ap_context_free(ctx);
    unlink(path);
    return 0;
}
