/*
 * run.h: one whole job (convert, validate, stats) as a library call.
 *
 * ap_run reads every input, pushes it through the core and the writer of
 * ctx->opt.to, and builds the output atomically. The CLI is a thin layer
 * over it; the tests call it directly too.
 */
#ifndef ANNOPORT_RUN_H
#define ANNOPORT_RUN_H

#include "annoport.h"
#include "model.h"

typedef enum { AP_RUN_CONVERT, AP_RUN_VALIDATE, AP_RUN_STATS } ap_run_mode;

#define AP_FIRST_REJECTS 5

/* What a run found, beyond ctx->counts. */
typedef struct ap_result {
    char format[32];            /* the reader used ("coco") */
    int detected;               /* 1 when found by probing, not --from */
    ap_concept **concepts;      /* first-seen order, owned by the result */
    size_t nconcepts;
    uint64_t images_with_objects;
    uint64_t max_objects_per_image;
    uint64_t box_small, box_medium, box_large; /* COCO area ranges, pixels */
    uint64_t box_unsized;       /* boxes on images of unknown size */
    uint64_t rejects_by_reason_n;
    char **reject_reasons;      /* distinct reasons, first-seen order */
    uint64_t *reject_counts;
    size_t nfirst_rejects;      /* the first rejects of the run, for messages: */
    char first_rejects[AP_FIRST_REJECTS][512]; /* "file:line: reason: message" */
} ap_result;

/* Runs the job. output is the output path for AP_RUN_CONVERT (ignored
 * otherwise). Returns AP_OK or an error code (set in ctx); on error nothing
 * is left at output. res may be NULL; otherwise free it with
 * ap_result_free, also after an error. */
int ap_run(ap_context *ctx, ap_run_mode mode, const char *const *inputs,
           size_t ninputs, const char *output, ap_result *res);
void ap_result_free(ap_result *res);

/* What a diff plan holds (objects of CURRENT and DESIRED). */
typedef struct ap_diff_result {
    uint64_t deletes, patches, posts, unchanged;
    uint64_t not_compared;      /* CURRENT's objects DESIRED's format cannot hold */
    unsigned not_compared_kinds;/* AP_ACCEPT_* bits DESIRED's format lacks */
    uint64_t unknown_inputs;    /* DESIRED's images CURRENT does not hold */
    uint64_t kept_for_rejects;  /* CURRENT's objects kept, unmatched, on images
                                   where DESIRED had objects it could not read */
    uint64_t paired_by_id, paired_by_file_name;
    uint64_t current_rejected, desired_rejected;
} ap_diff_result;

/* annoport diff: writes to output the requests that turn CURRENT (a
 * Clarifai export with annotation ids) into DESIRED (any readable dataset),
 * and a manifest listing them in sending order. AP_OK or an error; nothing
 * is left at output on error. */
int ap_diff(ap_context *ctx, const char *current, const char *desired, const char *output,
            ap_diff_result *res);

struct ap_writer;
/* Reads the inputs into a writer of the caller's own (opened with a NULL
 * output): for programs that take annotations in memory rather than as
 * files. state is the writer's, passed to its calls, never freed here. */
int ap_run_with_writer(ap_context *ctx, const char *const *inputs, size_t ninputs,
                       const struct ap_writer *writer, void *state, ap_result *res);

#endif
