/*
 * sink.h: the sink's state, shared by sink.c (what readers call), run.c
 * (which sets it up for a job) and loaders.c (which loads the tables its
 * options name into it). Not part of the public API.
 */
#ifndef ANNOPORT_SINK_H
#define ANNOPORT_SINK_H

#include <annoport/run.h>

#include "internal.h"

/* A --label-map row or a --labels entry, and whether a label matched it. */
typedef struct {
    char *from;                 /* the label (or --labels name) */
    char *to;                   /* --label-map: the new name; NULL for --labels */
    char *id;                   /* --label-map: the concept id, NULL: derived */
    uint64_t row;               /* --label-map: its line */
    int used;
} ap_label_rule;

struct ap_sink {
    ap_context *ctx;
    ap_run_mode mode;
    const ap_writer *w;
    void *wstate;
    FILE *rejects;              /* rejects.jsonl, NULL when nothing is written */
    const char *cur_path;       /* the source being read, for messages */

    ap_store *store;            /* inputs and their maps (ap_sink_open_tables) */
    ap_map *inputs_by_id;       /* input id -> ap_input */
    ap_map *src_files;          /* source paths, one copy each (inputs point
                                   into it): path -> the copy */
    ap_input **inputs;          /* every input, first-seen order */
    size_t ninputs, ninputs_cap;

    ap_map *concepts_by_label;  /* source label -> ap_concept */
    ap_map *concepts_by_id;     /* concept id -> ap_concept (kept ones) */
    ap_concept **concepts;      /* every concept, first-seen order */
    size_t nconcepts, nconcepts_cap;

    ap_map *label_map;          /* --label-map: from -> its rule ("" drops) */
    ap_label_rule **rules;      /* the label map's rows, file order, owned */
    size_t nrules;
    ap_map *keep;               /* --labels: name -> its entry, NULL = all */
    ap_label_rule **wanted;     /* --labels entries, given order, owned */
    size_t nwanted;

    ap_point *pts;              /* polygon scratch */
    size_t pts_cap;
    ap_buf idkey, line;         /* scratch for ids and reject lines */
    char idbuf[40];

    const char *reasons[32];    /* reject reasons, first-seen order */
    uint64_t reason_counts[32];
    size_t nreasons;
    char first_rejects[AP_FIRST_REJECTS][512]; /* "file:line: reason: message" */
    size_t nfirst_rejects;
    uint64_t box_small, box_medium, box_large, box_unsized;
    struct {
        const ap_reader *reader;
        void *priv;
    } readers[8];               /* each reader's state for the run */
    size_t nreaders;
    int accepts;                /* AP_ACCEPT_* of the writer */
    int needs_size;             /* the writer writes pixels */
};

ap_sink *ap_sink_new(ap_context *ctx, ap_run_mode mode);
/* Before the first input: the input tables, in a store in dir (NULL:
 * memory). */
int ap_sink_open_tables(ap_sink *s, const char *dir);
void ap_sink_free(ap_sink *s);
/* Warns about every --label-map row and --labels entry that no label of
 * the input matched (after the inputs are read). */
void ap_sink_warn_unmatched(ap_sink *s);
/* The state of reader r for this run (its priv_size bytes, made on first
 * use, released with the sink); NULL when it keeps none. AP_OK or an
 * error. */
int ap_sink_reader_priv(ap_sink *sink, const ap_reader *r, void **priv);

/* ---- the tables options name (loaders.c) ---- */

/* --label-map FILE: its rows into sink->rules and sink->label_map. */
int ap_label_map_load(ap_sink *sink, const char *path);
/* --labels a,b,...: the labels kept, into sink->wanted and sink->keep. */
int ap_labels_load(ap_sink *sink, const char *list);
/* --inputs pages and --sizes FILE: inputs with their sizes, before the
 * first source is read. */
int ap_sizes_load(ap_context *ctx, ap_sink *sink);

#endif
