/*
 * annoport.h: the run context (options, counters, the one error), error
 * codes and the version.
 *
 * Errors travel one way, in one of two forms:
 *  1. A function that takes a context (or an object holding one) records
 *     the error there with ap_error() and returns its code in the same
 *     statement: an int that is AP_OK or one of the codes below, or, for a
 *     function that makes something, the thing or NULL with the error set.
 *     The first error of a run wins (see ap_error). Nothing else shares the
 *     returned int: a function that also has a result gives it through a
 *     pointer argument.
 *  2. A helper with no context (buffers, maps, string copies, growable
 *     arrays, id sets) can only run out of memory: it returns -1 or NULL
 *     (a buffer keeps a sticky oom flag, read once when it is used), and
 *     its caller turns that into form 1 with ap_error_nomem().
 * The codes are the process exit codes of the SPEC (section 5), so the CLI
 * maps them one to one. Per-object problems are rejects, not errors.
 */
#ifndef ANNOPORT_H
#define ANNOPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define AP_VERSION "0.1.0"

/* Error codes, equal to the exit codes of the command line. */
enum {
    AP_OK = 0,
    AP_EUSAGE = 64,     /* bad command line or option value */
    AP_EDATA = 65,      /* malformed input, or a reject under --strict */
    AP_ENOINPUT = 66,   /* an input cannot be opened or read */
    AP_ENOMEM = 71,     /* out of memory (EX_OSERR) */
    AP_ECANTCREAT = 73, /* the output cannot be created */
    AP_EIO = 74,        /* an I/O error while writing */
    AP_EINTR = 130      /* interrupted by a signal */
};

/* AP_GEOM_AUTO (the default): an object's box, or its polygons when it has
 * no box (a polygon from a Clarifai export). */
typedef enum { AP_GEOM_BBOX, AP_GEOM_POLYGON, AP_GEOM_BOTH, AP_GEOM_AUTO } ap_geometry;
typedef enum { AP_INPUT_ID_CLEAN, AP_INPUT_ID_STEM, AP_INPUT_ID_ID } ap_input_id_mode;
typedef enum { AP_STATUS_NONE, AP_STATUS_SUCCESS, AP_STATUS_PENDING } ap_status;
typedef enum { AP_VOC_INCLUSIVE, AP_VOC_ZERO_BASED, AP_VOC_CLARIFAI_SDK } ap_voc_edges;

/* The core's own options. A reader's or writer's own (--csv-dialect,
 * --split, ...) are declared by it and kept in its block (format.h:
 * ap_option). The Clarifai request options stay here: convert, diff and
 * the request batches diff writes all shape those requests. */
typedef struct ap_options {
    const char *from;              /* reader name, NULL = detect */
    const char *to;                /* writer name, default "clarifai" */
    int batch_size;                /* 1..128 */
    const char *embed_model_version_id;
    const char *app_user_id;       /* --user-app-id USER/APP, split */
    const char *app_id;
    const char *annotation_user_id;
    ap_status status;
    ap_geometry geometry;
    ap_input_id_mode input_id;
    int annotation_ids_hash;       /* --annotation-ids hash */
    ap_voc_edges voc_edges;
    double clamp_tolerance;        /* pixels, default 0.5 */
    const char *label_map;         /* --label-map FILE */
    const char *labels;            /* --labels a,b,c */
    int strict;
    int force;
    const char *images_dir;        /* image sizes from file headers */
    const char *const *input_pages;/* --inputs: GET /v2/inputs pages (sizes, names) */
    size_t ninput_pages;
    const char *sizes;             /* --sizes: CSV input_id,width,height */
    const char *request;           /* post (default), patch, delete */
    const char *action;            /* patch: merge, overwrite, remove */
    int all_of_inputs;             /* delete: every annotation of the inputs */
    double match_iou;              /* diff: box IoU that makes a match (0.5) */
    size_t max_record;             /* the largest single record held in memory:
                                      a JSON array element, an XML file, a CSV
                                      field (default 256 MiB) */
    int delete_missing_inputs;     /* diff: clear inputs DESIRED does not have */
    const char *encoding;          /* --encoding: the inputs' text encoding (an
                                      iconv name); NULL: UTF-8, checked */
    int post_unknown_inputs;       /* diff: post the objects of DESIRED's images
                                      that CURRENT does not hold */
    size_t table_memory;           /* how much of the input tables a conversion
                                      keeps resident; the rest waits in a
                                      temporary file beside the output (default
                                      ap_default_table_memory()) */
    int reference_parsers;         /* read every record with the libraries alone
                                      (cJSON, libcsv), never the fast paths: the
                                      same output, slower; for tests */
    int allow_empty;               /* a conversion that read objects and wrote
                                      none succeeds (default: an error, 65) */
    int zip_level;                 /* a .zip output's deflate level: 0 stores,
                                      1 (the default) is the fastest, 9 the
                                      smallest */
    int threads;                   /* threads a run may use, 1..AP_MAX_THREADS
                                      (default: the cores online); 1: one */
} ap_options;

/* What a run counts (the manifest's counts, SPEC section 4). */
typedef struct ap_counts {
    uint64_t inputs;
    uint64_t objects_read;
    uint64_t objects_written;
    uint64_t objects_rejected;
    uint64_t objects_filtered;
    uint64_t annotations_written;
    uint64_t clamped;
    uint64_t requests;
} ap_counts;

typedef struct ap_context ap_context;

typedef void (*ap_message_fn)(void *user, const char *message);
typedef void (*ap_progress_fn)(void *user, uint64_t done, uint64_t total);

struct ap_context {
    ap_options opt;
    ap_counts counts;
    int err;                /* last error code, AP_OK when none */
    char errmsg[1024];      /* its message, "file:line:col: what" */
    uint64_t warnings;
    ap_message_fn warn;     /* NULL: warnings are only counted */
    void *warn_user;
    ap_progress_fn progress; /* NULL: no progress reports */
    void *progress_user;
    uint64_t progress_total; /* units of the phase (input bytes), 0: unknown */
    uint64_t progress_done;
    const char *progress_phase; /* "reading", "writing the archive", ...;
                                   NULL before the first phase */
    char detail[64];        /* what a reader found out, e.g. a CSV dialect */
    struct ap_plugin_block *plugin_blocks; /* the options of each reader and
                               writer that declares some, made when the first
                               is set (format.h: ap_option_set) */
    size_t nplugin_blocks;
    void (*plugin_blocks_free)(ap_context *ctx);
    struct ap_sink *sink;   /* the job being run (where a writer's rejects
                               go: format.h ap_writer_reject); NULL between
                               jobs */
};

#define AP_MAX_THREADS 64

/* The default of ap_options.table_memory: a sixteenth of the machine's
 * physical memory, at least 32 MiB. */
size_t ap_default_table_memory(void);

/* Fills *opt with the defaults of the SPEC. */
void ap_options_init(ap_options *opt);

/* A new context with default options; NULL when out of memory. Free it with
 * ap_context_free (which accepts NULL). */
ap_context *ap_context_new(void);
void ap_context_free(ap_context *ctx);

/* Records an error (printf-style message) and returns code. The first error
 * of a run wins: a later one does not overwrite it, and gets the first one's
 * code back, so that the exit status always goes with the message. */
int ap_error(ap_context *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with a position: "file:line:col: message" (line/col 0 = unknown). */
int ap_error_at(ap_context *ctx, int code, const char *file, uint64_t line,
                uint64_t col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ap_error_at with a va_list, for readers' own error helpers. */
int ap_error_vat(ap_context *ctx, int code, const char *file, uint64_t line, uint64_t col,
                 const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* Out of memory, as an error. */
int ap_error_nomem(ap_context *ctx);

/* A warning: counted, and passed to ctx->warn when set. */
void ap_warn(ap_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Adds n units (input bytes) to the progress and reports it. */
void ap_progress_add(ap_context *ctx, uint64_t n);
/* Starts a phase (ending the one under way) of total units (0: unknown),
 * reported at once. */
void ap_progress_phase(ap_context *ctx, const char *phase, uint64_t total);
/* Sets the units done of the phase and reports it. */
void ap_progress_set(ap_context *ctx, uint64_t done);

/* The optimal string alignment distance of two strings (insertions,
 * deletions, substitutions and swaps of two neighbours), for "did you mean". */
size_t ap_edit_distance(const char *a, const char *b);
/* Whether a candidate at that distance from word is close enough to offer:
 * one edit for a word of up to four characters, two for a longer one. */
int ap_close_enough(const char *word, size_t distance);

/* Set by a signal handler: the run stops at the next object with AP_EINTR. */
extern volatile int ap_interrupted;

#endif
