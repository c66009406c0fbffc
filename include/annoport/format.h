/*
 * format.h: what a format plugin is, and the services the core offers it.
 *
 * A reader gets one source (a file it can read more than once) and pushes
 * inputs, concepts and objects into the sink; it never builds the dataset.
 * A writer gets normalized annotations one at a time and writes files into
 * an output tree through ap_output. Adding a format is its files in
 * formats/ (NAME_read.c defining an ap_reader, NAME_write.c an ap_writer)
 * and a line per direction in formats/formats.c.
 */
#ifndef ANNOPORT_FORMAT_H
#define ANNOPORT_FORMAT_H

#include <stdio.h>
#include <sys/types.h>

#include "annoport.h"
#include "model.h"

/* ---- byte streams: a source a reader may read more than once ---- */

typedef struct ap_stream ap_stream;

/* Opens a file ("-" is standard input, spooled to a temporary file so that
 * it can be read twice). NULL with the error set (AP_ENOINPUT). Free with
 * ap_stream_close. */
ap_stream *ap_stream_open(ap_context *ctx, const char *path);
/* Reads up to n bytes; returns the count, 0 at the end, -1 on error (set). */
ssize_t ap_stream_read(ap_context *ctx, ap_stream *s, void *buf, size_t n);
/* Starts again from the first byte. */
int ap_stream_rewind(ap_context *ctx, ap_stream *s);
/* Size in bytes, 0 when unknown. */
uint64_t ap_stream_size(const ap_stream *s);
void ap_stream_close(ap_stream *s);

/* ---- containers: a folder, or a zip archive read in place ---- */

typedef struct ap_container ap_container;

/* A list of names (paths relative to a container). */
typedef struct ap_names {
    char **v;
    size_t n, cap;
} ap_names;

/* ---- probing ---- */

#define AP_PROBE_BYTES 4096

typedef struct ap_probe {
    const char *name;          /* file name, for extension hints */
    const unsigned char *buf;  /* first bytes, zero-padded past len (AP_PROBE_PAD) */
    size_t len;
} ap_probe;

/* ---- the sink: the core side of a reader ---- */

typedef struct ap_sink ap_sink;

typedef struct ap_image_desc {
    const char *input_id;      /* a Clarifai input id, used as it is; NULL:
                                  derived from file_name (--input-id) */
    const char *file_name;
    int64_t width, height;     /* 0 = unknown */
    int has_numeric_id;
    int64_t numeric_id;        /* for --input-id id */
    ap_srcpos pos;
} ap_image_desc;

/* Registers an image; returns its input (owned by the core), or NULL with
 * the error set (an input id collision, out of memory). */
ap_input *ap_sink_add_input(ap_sink *sink, const ap_image_desc *d);
/* The same, with the input id made from id_name instead of d->file_name
 * when id_name is not NULL (a URI's path: the input keeps the whole URI as
 * its file name), and split, when not NULL, the set the image belongs to in
 * its source (AutoML's TRAIN, VALIDATION, TEST, UNASSIGNED; the first given
 * is kept, and the manifest lists it). */
ap_input *ap_sink_add_input_ex(ap_sink *sink, const ap_image_desc *d, const char *id_name,
                           const char *split);

/* Resolves a source label to its concept (created on first use, label map
 * and --labels applied); NULL with the error set on a concept id collision
 * or a label that gives an empty id. */
const ap_concept *ap_sink_add_concept(ap_sink *sink, const char *label);

/* One object: normalized, checked, counted, then written or rejected.
 * Returns AP_OK, or an error (I/O, --strict, interrupted). */
int ap_sink_add_object(ap_sink *sink, const ap_object *obj);

/* Whether the core reads the points of an object's polygons (not only
 * their count): a reader may leave them unconverted when it does not. */
int ap_sink_wants_points(const ap_sink *sink, int has_box, int crowd);

/* An object the reader itself cannot convert (unknown image or category,
 * a value that is not a number): counted as read and rejected. */
int ap_sink_add_reject(ap_sink *sink, const ap_srcpos *pos, const char *input,
                   const char *label, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

ap_context *ap_sink_context(ap_sink *sink);

/* ---- output trees ---- */

typedef struct ap_output ap_output;

/* Creates a file (and its folders) inside the output tree; relpath must not
 * leave it. NULL with the error set (AP_EIO). Close with ap_output_close. */
FILE *ap_output_create(ap_output *out, const char *relpath);
/* Closes a file created above; AP_EIO when any write failed. */
int ap_output_close(ap_output *out, FILE *f, const char *relpath);

/* ---- plugins ---- */

typedef struct ap_source {
    const char *path;          /* as given (for messages and the manifest) */
    ap_stream *stream;
    /* The folder or archive the file was listed from, and its name there
     * (NULL for a file given by itself): for a reader whose dataset is a
     * tree of files (YOLO), which reads the rest of it through these. */
    ap_container *container;
    const char *rel;
} ap_source;

/* What the writer is told at the end of a run. */
typedef struct ap_run_info {
    const char *source_format;
    const char *const *paths;
    size_t npaths;
    const ap_concept *const *concepts; /* in first-seen order */
    size_t nconcepts;
    ap_input *const *inputs;           /* every input, first-seen order */
    size_t ninputs;
    void *core;                        /* the core's own (NULL in an info
                                          made by a caller) */
} ap_run_info;

/* info->inputs[i], read through the core: a writer that walks the inputs
 * takes them from here, and the memory they are read from stays within
 * --table-memory however many there are. */
const ap_input *ap_run_input(const ap_run_info *info, size_t i);

/* What a writer can hold (ap_writer.accepts). */
enum {
    AP_ACCEPT_BOX = 1,
    AP_ACCEPT_POLYGON = 2,
    AP_ACCEPT_CONCEPT = 4, /* image-level labels */
    AP_ACCEPT_ABSENT = 8,  /* labels with value 0 (not present) */
    AP_REQUIRE_ID = 16     /* only annotations that carry their source id */
};

/* What a writer's annotation() may return besides AP_OK and errors: the
 * concept joined the annotation before it (same source annotation and
 * region), or it added nothing (a repeat). */
enum { AP_MERGED = 1, AP_ABSORBED = 2 };

/* From a writer's annotation(): the object a is part of cannot be written
 * (its image cannot be sent, say). It goes to rejects.jsonl and the
 * summary's count by reason, as the core's own rejects do; returns
 * AP_ABSORBED for annotation() to return, or the error (--strict). */
int ap_writer_reject(ap_context *ctx, const ap_annotation *a, const char *reason,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- options a format declares ----
 *
 * A reader or writer lists its own command-line options; the command line,
 * its help, the completion and the manual's check are made from these lists.
 * Values land in the format's own options block (a struct of the plugin's,
 * options_size bytes, starting as a copy of options_default), which the
 * plugin gets back with ap_plugin_options. An option declared by several
 * plugins (--split: VOC and YOLO) lands in each of them. */
typedef enum {
    AP_OPT_FLAG,     /* no argument: the int at offset becomes 1 */
    AP_OPT_STRING,   /* the const char * at offset points to the argument */
    AP_OPT_CHOICE,   /* one of choices ("a|b|c"): the const char * points to it */
    AP_OPT_PARSE     /* parse() reads it (and sets the usage error) */
} ap_opt_type;

enum {
    AP_OPT_NO_DIFF = 1 /* a writer option diff does not take (it chooses) */
};

typedef struct ap_option {
    const char *name;          /* the long option, without "--" */
    const char *arg;           /* its argument in the help; NULL: a flag */
    const char *help;
    ap_opt_type type;
    size_t offset;             /* where the value lands in the block */
    const char *choices;       /* AP_OPT_CHOICE */
    int (*parse)(ap_context *ctx, void *field, const char *arg); /* AP_OPT_PARSE */
    unsigned flags;            /* AP_OPT_* */
} ap_option;

typedef struct ap_plugin_options {
    const char *heading;       /* the help's heading for them */
    const ap_option *list;     /* ended by an entry with a NULL name */
    size_t size;               /* the block's size */
    const void *defaults;      /* size bytes copied into a new block; NULL: zeros */
} ap_plugin_options;

/* The options block of the plugin whose declaration is po, in ctx: the
 * plugin's defaults until an option is set (never NULL; a plugin's block
 * is at most 256 bytes). */
const void *ap_plugin_options_get(const ap_context *ctx, const ap_plugin_options *po);

/* Sets a declared option by name (without "--") as the command line would,
 * in every plugin that declares it; arg is NULL for a flag. AP_EUSAGE with
 * the error set on an unknown option or a value it does not take (the
 * message ends with " (did you mean 'x'?)" when a value is close). */
int ap_option_set(ap_context *ctx, const char *name, const char *arg);

/* The i-th plugin's declarations (readers first, in table order, then
 * writers; *writer says which), NULL past the last: for a command line,
 * help or completion made from them. */
const ap_plugin_options *ap_plugin_nth(size_t i, int *writer);
/* The index of word in choices ("a|b|c"), or -1; then *near (when not
 * NULL) is the closest choice when one is close enough, else NULL. */
int ap_option_choice(const char *choices, const char *word, const char **near);
/* "a, b or c" from choices "a|b|c", for messages. */
void ap_option_words(char *out, size_t size, const char *choices);

/* The probe padding: a probe may read this far past the bytes it is given
 * (they are zeros), so that it can test a few bytes without a length check. */
#define AP_PROBE_PAD 16

/* A reader (one direction of a format: the libavformat demuxer). */
typedef struct ap_reader {
    const char *name;          /* --from value */
    const char *description;
    const char *extensions;    /* comma-separated, for folder inputs */
    /* 0..100, how sure the bytes are this format's; no I/O. A probe scores
     * its own format's cues only, never another's. */
    int (*probe)(const ap_probe *p);
    /* Reads one source. priv is the reader's state for the run (priv_size
     * bytes, zeroed, shared by every source of the run; NULL when
     * priv_size is 0). */
    int (*read)(ap_context *ctx, const ap_source *src, ap_sink *sink, void *priv);
    size_t priv_size;
    /* Releases what read kept in priv (a parser context); the core frees
     * priv itself. NULL: nothing to release. */
    void (*release)(void *priv);
    /* Optional: given the files of a folder or archive that probe as this
     * format (byte-sorted), chooses which to read and in what order
     * (VOC's --split). NULL: all of them, in that order. */
    int (*plan)(ap_context *ctx, ap_container *c, ap_names *files);
    int decodes_text;          /* the reader decodes its own bytes (XML says its
                                  encoding): the core neither checks them as
                                  UTF-8 nor applies --encoding */
    int reads_manifest;        /* it reads annoport's manifest.json of an output
                                  in its format (the core offers it no other
                                  manifest, and other readers none) */
    ap_plugin_options options;
} ap_reader;

/* A writer (the other direction: the libavformat muxer). */
typedef struct ap_writer {
    const char *name;          /* --to value */
    const char *description;
    /* Which annotations it holds (AP_ACCEPT_*) and whether it needs image
     * sizes; NULL: everything, no sizes. The core rejects the others
     * (unsupported_geometry, missing_image_size) before the writer sees
     * them. */
    int (*accepts)(const ap_context *ctx, int *needs_size);
    /* The writer's state: priv_size bytes, zeroed, made by the core before
     * open and freed after release. */
    size_t priv_size;
    /* Opens the writer on out (NULL for validate/stats runs that write
     * nothing). */
    int (*open)(ap_context *ctx, ap_output *out, void *priv);
    int (*annotation)(ap_context *ctx, void *priv, const ap_annotation *a);
    /* Writes what is left (the manifest); called only on success. */
    int (*close)(ap_context *ctx, void *priv, const ap_run_info *info);
    /* Releases what open and the calls after it acquired (whether the run
     * succeeded or not); the core frees priv itself. NULL: nothing. */
    void (*release)(void *priv);
    ap_plugin_options options;
} ap_writer;

/* The tables of readers and writers, NULL-terminated (formats/formats.c). */
extern const ap_reader *const ap_readers[];
extern const ap_writer *const ap_writers[];
const ap_reader *ap_reader_find(const char *name);
const ap_writer *ap_writer_find(const char *name);

#endif
