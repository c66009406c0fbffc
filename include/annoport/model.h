/*
 * model.h: the common annotation model (SPEC section 1).
 *
 * Two kinds of records live here. What a reader hands to the core is an
 * ap_object: one labeled thing in the source's own numbers and convention.
 * What the core hands to a writer is an ap_annotation: normalized to 0..1,
 * checked, with its input and concepts resolved. Inputs and concepts are
 * kept for the whole run in tables owned by the core; annotations and
 * objects only live for the duration of one call.
 */
#ifndef ANNOPORT_MODEL_H
#define ANNOPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "annoport.h"

/* Where an object stands in its source. line 0 = unknown, index -1 = none. */
typedef struct ap_srcpos {
    const char *file;
    uint64_t line;
    int64_t index;
} ap_srcpos;

/* An input (an image). Owned by the core's input table. */
typedef struct ap_input {
    char *id;           /* Clarifai input id */
    char *file_name;    /* as the source gives it */
    int64_t width;      /* pixels, 0 = unknown */
    int64_t height;
    char *src_file;     /* where it was first seen */
    uint64_t src_line;
    uint64_t objects;   /* objects written for it (for stats) */
    uint32_t index;     /* its place in the input table, from 0 */
    int id_given;       /* the source named its Clarifai input id (not derived
                           from the file name) */
    uint32_t rejected;  /* objects of it rejected */
    char *split;        /* its set in the source (AutoML CSV), or NULL */
} ap_input;

/* A concept. Owned by the core's concept table. */
typedef struct ap_concept {
    char *id;           /* what goes into the API */
    char *name;         /* the label as the source spelled it (or as mapped) */
    uint64_t annotations; /* annotations written that carry it */
    int filtered;       /* dropped by --labels or --label-map */
    uint32_t index;     /* its place in the concept table, from 0 */
} ap_concept;

/* How a source's numbers are to be read (SPEC section 2). */
typedef enum {
    AP_UNITS_PIXEL,      /* continuous 0-based pixels: COCO, TF-OD CSV */
    AP_UNITS_VOC,        /* VOC bndbox, read by --voc-edges */
    AP_UNITS_NORMALIZED  /* already 0..1 */
} ap_units;

typedef enum { AP_BOX_NONE, AP_BOX_XYWH, AP_BOX_XYXY } ap_box_form;

/* One labeled thing as the reader found it. Pointers are borrowed for the
 * duration of ap_sink_add_object only. */
typedef struct ap_object {
    ap_srcpos pos;
    ap_input *input;
    const ap_concept *concept;
    ap_units units;
    ap_box_form box_form;      /* AP_BOX_NONE: image-level concept */
    double box[4];             /* x,y,w,h or x0,y0,x1,y1 in source units */
    int crowd;                 /* a crowd/RLE object: box only */
    size_t nparts;             /* polygon parts */
    const double *const *parts;/* each x0,y0,x1,y1,... in source units */
    const size_t *part_len;    /* number of doubles in each part */
    double value;              /* concept value for image-level: 1 or 0 */
    const char *pose;          /* VOC <pose>, NULL when absent */
    int difficult, truncated, occluded; /* VOC flags, 0 when absent */
    const char *ann_id;        /* the source's annotation id (Clarifai), or NULL */
    const char *region_id;     /* the source's region id (Clarifai), or NULL */
    int filtered;              /* dropped on purpose by a reader's filter */
} ap_object;

typedef struct { double top, left, bottom, right; } ap_box;
typedef struct { double row, col; } ap_point;

typedef enum { AP_REGION_NONE, AP_REGION_BOX, AP_REGION_POLYGON } ap_region_kind;

/* One annotation for a writer: normalized, checked, resolved. */
typedef struct ap_annotation {
    const ap_input *input;
    const char *id;              /* NULL: none (the API assigns one) */
    const ap_concept *concept;
    double value;
    ap_region_kind kind;         /* NONE: an image-level concept */
    ap_box box;
    const ap_point *points;      /* kind == POLYGON */
    size_t npoints;
    ap_srcpos pos;
    const char *pose;            /* VOC <pose>, NULL when absent */
    int difficult, truncated, occluded;
    const char *src_id;          /* the source's annotation id, or NULL */
    const char *region_id;       /* the source's region id, or NULL */
} ap_annotation;

#endif
