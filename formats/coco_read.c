/*
 * coco_read.c: COCO instances JSON (and the task files around it:
 * person_keypoints, labels, panoptic, stuff, results lists).
 *
 * The file is walked with the streaming scanner (src/jsonscan.c): the
 * top-level object key by key, each array element parsed on its own by
 * cJSON and freed, so memory follows the number of images and categories,
 * not of annotations. When `annotations` comes before `images` or
 * `categories`, it is skipped in a first pass and read in a second.
 *
 * What becomes of an annotation:
 *   bbox [x,y,w,h]            a box (polygons too under --geometry polygon|both)
 *   no bbox, polygons         a box from the polygons' bounds
 *   RLE segmentation          a crowd object: its box only
 *   no bbox, no segmentation  an image-level concept (COCO "labels" files)
 *   segments_info (panoptic)  one object per segment
 *   caption only              not an object: counted in a warning
 * `area` is never trusted, `keypoints` are not converted.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "../src/internal.h"

typedef struct {
    char *name;
    const ap_concept *concept; /* resolved on first use */
} coco_cat;

#define COCO_SMALL_CATS 1024

typedef struct {
    ap_context *ctx;
    ap_sink *sink;
    ap_jscan *j;
    const char *path;
    ap_map *images;      /* COCO image id -> ap_input */
    int64_t last_image_id; /* the image of the last annotation, and its */
    ap_input *last_input;  /* input (NULL: none yet, or not in images) */
    ap_map *cats;        /* COCO category id -> coco_cat */
    coco_cat *small_cats[COCO_SMALL_CATS]; /* the same for ids 0..1023, by
                                              index: a lookup per object */
    coco_cat **catv;
    size_t ncats, catcap;
    ap_idset *ann_ids;   /* annotation ids seen */
    double *coords;      /* polygon scratch */
    size_t ncoords, coords_cap;
    const double **parts;
    size_t *part_len;
    size_t parts_cap;
    int results;         /* a top-level list of detections */
    uint64_t captions;
    uint64_t line;       /* line of the element being read */
    int64_t index;       /* its index in its array */
    void *fn;            /* the elem_fn read_array calls */
    int size_hinted;     /* a misspelt size key was named */
    char *idbuf;         /* the fast path's copy of an annotation's app id */
    size_t idcap;
    int first;           /* the first pass over the file */
    int seen_images, seen_cats, ann_done, ann_present;
} coco;

/* ---- small readers of cJSON values ---- */

static int elem_error(coco *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int elem_error(coco *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ap_error_vat(c->ctx, AP_EDATA, c->path, c->line, 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* An integer field: 1 when present and integral, 0 when absent or null,
 * -1 (error set) when of another type. */
static int get_int(coco *c, const cJSON *obj, const char *what, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    double d = v->valuedouble;
    if (!cJSON_IsNumber(v) || d != floor(d) || fabs(d) > 9007199254740992.0) {
        elem_error(c, "%s \"%s\" must be an integer%s", what, key,
                   cJSON_IsNumber(v) ? " (of at most 2^53)" : "");
        return -1;
    }
    *out = (int64_t)d;
    return 1;
}

static int get_string(coco *c, const cJSON *obj, const char *what, const char *key,
                      const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v)) {
        elem_error(c, "%s \"%s\" must be a string", what, key);
        return -1;
    }
    *out = v->valuestring;
    return 1;
}

/* The input of a COCO image id: annotations mostly come image by image,
 * so the last one is remembered (the table may be on disk). */
static ap_input *image(coco *c, int64_t image_id)
{
    if (!c->last_input || c->last_image_id != image_id) {
        c->last_input = ap_map_get_int(c->images, image_id);
        c->last_image_id = image_id;
    }
    return c->last_input;
}

/* ---- images and categories ---- */

/* An image without a size: once a file, a key that looks like the one
 * COCO defines ("Width", "widht") is named. */
static void size_hint(coco *c, const cJSON *e, const char *name, const char *want)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, e)
    {
        if (!k->string || !strcmp(k->string, want) ||
            !ap_close_enough(want, ap_edit_distance(want, k->string)))
            continue;
        c->size_hinted = 1;
        ap_warn(c->ctx, "%s:%llu: image \"%s\" has no \"%s\" but a \"%s\": COCO's keys are "
                "\"width\" and \"height\", so its size is unknown", c->path,
                (unsigned long long)c->line, name, want, k->string);
        return;
    }
}

static int read_image(coco *c, const cJSON *e)
{
    if (!cJSON_IsObject(e))
        return elem_error(c, "images[%lld] is not an object", (long long)c->index);
    int64_t id = 0, w = 0, h = 0;
    const char *name = NULL;
    int r;
    if ((r = get_int(c, e, "image", "id", &id)) < 0)
        return c->ctx->err;
    if (r == 0)
        return elem_error(c, "images[%lld] has no \"id\"", (long long)c->index);
    if ((r = get_string(c, e, "image", "file_name", &name)) < 0)
        return c->ctx->err;
    if (r == 0)
        return elem_error(c, "image %lld has no \"file_name\"", (long long)id);
    if (get_int(c, e, "image", "width", &w) < 0 || get_int(c, e, "image", "height", &h) < 0)
        return c->ctx->err;
    if (w < 0 || h < 0)
        return elem_error(c, "image %lld has a negative size", (long long)id);
    if ((w == 0 || h == 0) && !c->size_hinted)
        size_hint(c, e, name, w == 0 ? "width" : "height");
    if (ap_map_get_int(c->images, id))
        return elem_error(c, "image id %lld appears twice in \"images\"", (long long)id);
    /* an annoport export names the app's input: it is the id */
    const char *app_input = NULL;
    if (get_string(c, e, "image", "clarifai_input_id", &app_input) < 0)
        return c->ctx->err;
    ap_image_desc d = {app_input && *app_input ? app_input : NULL, name, w, h, 1, id,
                       {c->path, c->line, c->index}};
    ap_input *in = ap_sink_add_input(c->sink, &d);
    if (!in)
        return c->ctx->err;
    if (ap_map_put_int(c->images, id, in) != 0)
        return ap_error_nomem(c->ctx);
    return AP_OK;
}

static int read_category(coco *c, const cJSON *e)
{
    if (!cJSON_IsObject(e))
        return elem_error(c, "categories[%lld] is not an object", (long long)c->index);
    int64_t id = 0;
    const char *name = NULL;
    int r;
    if ((r = get_int(c, e, "category", "id", &id)) < 0)
        return c->ctx->err;
    if (r == 0)
        return elem_error(c, "categories[%lld] has no \"id\"", (long long)c->index);
    if ((r = get_string(c, e, "category", "name", &name)) < 0)
        return c->ctx->err;
    if (r == 0)
        return elem_error(c, "category %lld has no \"name\"", (long long)id);
    if (ap_map_get_int(c->cats, id))
        return elem_error(c, "category id %lld appears twice in \"categories\"", (long long)id);
    if (ap_grow(&c->catv, &c->catcap, c->ncats + 1, sizeof *c->catv) != 0)
        return ap_error_nomem(c->ctx);
    coco_cat *cat = calloc(1, sizeof *cat);
    if (!cat || !(cat->name = ap_strdup(name))) {
        free(cat);
        return ap_error_nomem(c->ctx);
    }
    c->catv[c->ncats++] = cat;
    if (ap_map_put_int(c->cats, id, cat) != 0)
        return ap_error_nomem(c->ctx);
    if (id >= 0 && id < COCO_SMALL_CATS)
        c->small_cats[id] = cat;
    return AP_OK;
}

/* ---- geometry ---- */

/* Reads a COCO bbox into box[4]; 1 when present, 0 when absent, -1 error. */
static int read_bbox(coco *c, const cJSON *ann, double box[4])
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(ann, "bbox");
    if (!b || cJSON_IsNull(b))
        return 0;
    if (!cJSON_IsArray(b)) {
        elem_error(c, "\"bbox\" must be an array [x, y, width, height]");
        return -1;
    }
    int n = cJSON_GetArraySize(b);
    if (n == 0)
        return 0; /* some exporters write [] for "no box" */
    if (n != 4) {
        elem_error(c, "\"bbox\" has %d values; a COCO box is [x, y, width, height]", n);
        return -1;
    }
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, b)
    {
        if (!cJSON_IsNumber(v)) {
            elem_error(c, "\"bbox\" value %d is not a number", i + 1);
            return -1;
        }
        box[i++] = v->valuedouble;
    }
    return 1;
}

static int push_coord(coco *c, double v)
{
    if (ap_grow(&c->coords, &c->coords_cap, c->ncoords + 1, sizeof *c->coords) != 0)
        return -1;
    c->coords[c->ncoords++] = v;
    return 0;
}

/* Polygon k starts at coords[start]: its place, recorded while the coords
 * buffer may still move (part_len holds starts until parts_done). -1 when
 * out of memory. */
static int part_start(coco *c, size_t k, size_t start)
{
    if (k >= c->parts_cap) {
        size_t nc = c->parts_cap ? c->parts_cap * 2 : 8;
        while (nc <= k)
            nc *= 2;
        const double **np = realloc(c->parts, nc * sizeof *np);
        if (!np)
            return -1;
        c->parts = np;
        size_t *nl = realloc(c->part_len, nc * sizeof *nl);
        if (!nl)
            return -1;
        c->part_len = nl;
        c->parts_cap = nc;
    }
    c->part_len[k] = start;
    return 0;
}

/* The coords buffer is final: the k starts become pointers and lengths. */
static void parts_done(coco *c, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        size_t start = c->part_len[i];
        size_t end = i + 1 < k ? c->part_len[i + 1] : c->ncoords;
        c->parts[i] = c->coords + start;
        c->part_len[i] = end - start;
    }
}

/* Reads segmentation: polygons into c->coords/parts, or notes an RLE.
 * Returns the number of parts, or -1 (error set). */
static int read_segmentation(coco *c, const cJSON *seg, size_t *nparts, int *rle,
                             const char *what)
{
    *nparts = 0;
    *rle = 0;
    c->ncoords = 0;
    if (!seg || cJSON_IsNull(seg))
        return 0;
    if (cJSON_IsObject(seg)) {
        const cJSON *counts = cJSON_GetObjectItemCaseSensitive(seg, "counts");
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(seg, "size");
        if (!counts || !(cJSON_IsArray(counts) || cJSON_IsString(counts)) ||
            !cJSON_IsArray(size) || cJSON_GetArraySize(size) != 2)
            return elem_error(c, "%s: an RLE segmentation needs \"counts\" and "
                              "\"size\": [height, width]", what), -1;
        *rle = 1;
        return 0;
    }
    if (!cJSON_IsArray(seg))
        return elem_error(c, "%s: \"segmentation\" must be a list of polygons or an RLE "
                          "object", what), -1;
    const cJSON *poly;
    size_t k = 0;
    cJSON_ArrayForEach(poly, seg)
    {
        if (!cJSON_IsArray(poly))
            return elem_error(c, "%s: polygon %zu of \"segmentation\" is not a list of "
                              "numbers", what, k + 1), -1;
        size_t start = c->ncoords;
        const cJSON *v;
        cJSON_ArrayForEach(v, poly)
        {
            if (!cJSON_IsNumber(v))
                return elem_error(c, "%s: polygon %zu has a value that is not a number",
                                  what, k + 1), -1;
            if (push_coord(c, v->valuedouble) != 0)
                return ap_error_nomem(c->ctx), -1;
        }
        size_t len = c->ncoords - start;
        if (len % 2)
            return elem_error(c, "%s: polygon %zu has %zu values, an odd count (x, y "
                              "pairs expected)", what, k + 1, len), -1;
        if (len == 0)
            continue;
        if (part_start(c, k++, start) != 0)
            return ap_error_nomem(c->ctx), -1;
    }
    parts_done(c, k);
    *nparts = k;
    return (int)k;
}

/* The tight box around every polygon point, as x0,y0,x1,y1. */
static void polygon_bounds(coco *c, double box[4])
{
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (size_t i = 0; i + 1 < c->ncoords; i += 2) {
        box[0] = fmin(box[0], c->coords[i]);
        box[1] = fmin(box[1], c->coords[i + 1]);
        box[2] = fmax(box[2], c->coords[i]);
        box[3] = fmax(box[3], c->coords[i + 1]);
    }
}

/* ---- annotations ---- */

/* A key given a value other than null. */
static int present(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return v && !cJSON_IsNull(v);
}

static const coco_cat *category(coco *c, int64_t id)
{
    if (id >= 0 && id < COCO_SMALL_CATS)
        return c->small_cats[id];
    return ap_map_get_int(c->cats, id);
}

/* What one object (an annotation or a panoptic segment) says, read from
 * cJSON or by the fast path. */
typedef struct {
    int64_t cat_id;
    int crowd;        /* iscrowd, or an RLE segmentation */
    int rle;
    int has_box;      /* a bbox of four numbers */
    double box[4];
    int bbox_given, seg_given; /* the keys are there and not null */
    const char *ann_id; /* "clarifai_annotation_id": the app's annotation id
                           (an annoport export), NULL when absent */
    size_t nparts;    /* non-empty polygons; their points are in c->coords
                         and c->parts when points is set */
    int points;
} coco_obj;

static int obj_from_json(coco *c, const cJSON *o, const char *what, coco_obj *ob)
{
    memset(ob, 0, sizeof *ob);
    int r = get_int(c, o, what, "category_id", &ob->cat_id);
    if (r < 0)
        return c->ctx->err;
    if (r == 0)
        return elem_error(c, "%s has no \"category_id\"", what);
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(o, "score");
    if (score && !cJSON_IsNumber(score) && !cJSON_IsNull(score))
        return elem_error(c, "%s \"score\" must be a number", what);
    int64_t crowd = 0;
    if (get_int(c, o, what, "iscrowd", &crowd) < 0)
        return c->ctx->err;
    ob->has_box = read_bbox(c, o, ob->box);
    if (ob->has_box < 0)
        return c->ctx->err;
    if (read_segmentation(c, cJSON_GetObjectItemCaseSensitive(o, "segmentation"), &ob->nparts,
                          &ob->rle, what) < 0)
        return c->ctx->err;
    ob->crowd = ob->rle || crowd;
    ob->points = 1;
    ob->bbox_given = present(o, "bbox");
    ob->seg_given = present(o, "segmentation");
    if (get_string(c, o, what, "clarifai_annotation_id", &ob->ann_id) < 0)
        return c->ctx->err;
    if (ob->ann_id && !*ob->ann_id)
        ob->ann_id = NULL;
    return AP_OK;
}

/* The object to the core (or a reject). what NULL: annotations[index]. */
static int emit_object(coco *c, const coco_obj *ob, ap_input *in, int64_t image_id,
                       const char *what)
{
    ap_srcpos pos = {c->path, c->line, c->index};
    const coco_cat *cat = category(c, ob->cat_id);
    if (!in) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)image_id);
        return ap_sink_add_reject(c->sink, &pos, NULL, cat ? cat->name : NULL, "unknown_image",
                              c->results ? "image_id %s: a results list has no images; "
                              "convert it with its ground-truth file" :
                              "image_id %s is not in \"images\"", id);
    }
    if (!cat)
        return ap_sink_add_reject(c->sink, &pos, in->id, NULL, "unknown_category",
                              "category_id %lld is not in \"categories\"",
                              (long long)ob->cat_id);
    if (!cat->concept) {
        ((coco_cat *)cat)->concept = ap_sink_add_concept(c->sink, cat->name);
        if (!cat->concept)
            return c->ctx->err;
    }

    ap_object obj;
    memset(&obj, 0, sizeof obj);
    obj.pos = pos;
    obj.input = in;
    obj.concept = cat->concept;
    obj.units = AP_UNITS_PIXEL;
    obj.value = 1;
    obj.crowd = ob->crowd;
    obj.ann_id = ob->ann_id;
    if (ob->has_box) {
        obj.box_form = AP_BOX_XYWH;
        memcpy(obj.box, ob->box, sizeof obj.box);
    } else if (ob->nparts > 0) {
        obj.box_form = AP_BOX_XYXY;
        polygon_bounds(c, obj.box);
    } else if (!ob->rle && (ob->bbox_given || ob->seg_given)) {
        char w[48];
        if (!what)
            snprintf(w, sizeof w, "annotations[%lld]", (long long)c->index);
        return elem_error(c, "%s has neither a \"bbox\" nor a polygon; an annotation "
                          "without both keys is an image-level label", what ? what : w);
    } else {
        obj.box_form = AP_BOX_NONE;
    }
    if (!obj.crowd && ob->nparts > 0) {
        obj.nparts = ob->nparts;
        obj.parts = ob->points ? c->parts : NULL; /* NULL: the core does not read them */
        obj.part_len = ob->points ? c->part_len : NULL;
    }
    if (ob->rle && !ob->has_box)
        return ap_sink_add_reject(c->sink, &pos, in->id, cat->name, "no_box",
                              "an RLE mask without a \"bbox\"; annoport does not decode "
                              "masks");
    return ap_sink_add_object(c->sink, &obj);
}

static int read_object(coco *c, const cJSON *o, ap_input *in, int64_t image_id,
                       const char *what)
{
    coco_obj ob;
    int rc = obj_from_json(c, o, what, &ob);
    return rc ? rc : emit_object(c, &ob, in, image_id, what);
}

/* The duplicate check of annotation ids; 1 when id was seen (and the
 * annotation rejected: *rc), 0 when new. */
static int duplicate(coco *c, int64_t id, const ap_input *in, const char *label, int *rc)
{
    int dup = ap_idset_add(c->ann_ids, id);
    if (dup < 0) {
        *rc = ap_error_nomem(c->ctx);
        return 1;
    }
    if (!dup)
        return 0;
    ap_srcpos pos = {c->path, c->line, c->index};
    *rc = ap_sink_add_reject(c->sink, &pos, in ? in->id : NULL, label, "duplicate_id",
                         "annotation id %lld was used by an earlier annotation; COCO ids "
                         "are unique, so this one is not converted", (long long)id);
    return 1;
}

static int read_annotation(coco *c, const cJSON *e)
{
    if (!cJSON_IsObject(e))
        return elem_error(c, "annotations[%lld] is not an object", (long long)c->index);
    char what[48];
    snprintf(what, sizeof what, "annotations[%lld]", (long long)c->index);
    int64_t id = 0, image_id = 0;
    int r;
    const cJSON *segs = cJSON_GetObjectItemCaseSensitive(e, "segments_info");
    int panoptic = segs && !cJSON_IsNull(segs);
    if ((r = get_int(c, e, "annotation", "id", &id)) < 0)
        return c->ctx->err;
    if (r == 0 && !c->results && !panoptic)
        return elem_error(c, "%s has no \"id\"", what);
    if ((r = get_int(c, e, "annotation", "image_id", &image_id)) < 0)
        return c->ctx->err;
    if (r == 0)
        return elem_error(c, "%s has no \"image_id\"", what);
    ap_input *in = image(c, image_id);

    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "caption"))) {
        c->captions++; /* a captions file: text, not an object */
        return AP_OK;
    }
    if (!c->results && !panoptic) {
        const char *label = NULL;
        const cJSON *cid = cJSON_GetObjectItemCaseSensitive(e, "category_id");
        double d = cJSON_IsNumber(cid) ? cid->valuedouble : 0.5;
        if (d == floor(d) && fabs(d) <= 9007199254740992.0 && category(c, (int64_t)d))
            label = category(c, (int64_t)d)->name;
        int rc;
        if (duplicate(c, id, in, label, &rc))
            return rc;
    }

    if (panoptic) { /* one object per segment */
        if (!cJSON_IsArray(segs))
            return elem_error(c, "%s \"segments_info\" must be an array", what);
        const cJSON *s;
        int k = 0;
        cJSON_ArrayForEach(s, segs)
        {
            char swhat[80];
            snprintf(swhat, sizeof swhat, "%s.segments_info[%d]", what, k++);
            if (!cJSON_IsObject(s))
                return elem_error(c, "%s is not an object", swhat);
            int rc = read_object(c, s, in, image_id, swhat);
            if (rc)
                return rc;
        }
        return AP_OK;
    }
    return read_object(c, e, in, image_id, what);
}

/* ---- the fast path for annotations ----
 *
 * An annotation of the usual shape (integer ids, a bbox of numbers, polygon
 * segmentation, score and iscrowd, any other keys) is read from its text
 * directly; polygon points are converted only when the core will use them.
 * Anything else (an RLE, panoptic segments, captions, a missing or
 * repeated key, a value of an unexpected type, an escape in a key, a syntax
 * error) is handed over (*taken = 0) to cJSON and read_annotation, so
 * the two agree on every input; tests run both on the samples, the corpus
 * and generated data. */

enum {
    K_ID = 1, K_IMAGE = 2, K_CAT = 4, K_CROWD = 8, K_SCORE = 16, K_BBOX = 32, K_SEG = 64,
    K_APP_ID = 128
};

static int key_bit(const char *k, size_t n)
{
#define KEY(lit, bit) if (n == sizeof lit - 1 && memcmp(k, lit, n) == 0) return bit
    KEY("id", K_ID);
    KEY("image_id", K_IMAGE);
    KEY("category_id", K_CAT);
    KEY("iscrowd", K_CROWD);
    KEY("score", K_SCORE);
    KEY("bbox", K_BBOX);
    KEY("segmentation", K_SEG);
    KEY("clarifai_annotation_id", K_APP_ID);
    if ((n == 13 && memcmp(k, "segments_info", 13) == 0) || (n == 7 && memcmp(k, "caption", 7) == 0))
        return -1;
#undef KEY
    return 0;
}

/* A list of polygons: checked, counted, and with convert, its points
 * stored as read_segmentation stores them. 1, or 0 for cJSON (which also
 * reports running out of memory). */
static int fast_polygons(coco *c, ap_jfast *f, int convert, size_t *nparts)
{
    size_t k = 0;
    c->ncoords = 0;
    if (!ap_jf_take(f, '['))
        return 0;
    if (ap_jf_take(f, ']')) {
        *nparts = 0;
        return 1;
    }
    do {
        if (!ap_jf_take(f, '['))
            return 0;
        size_t start = c->ncoords, len = 0;
        if (!ap_jf_take(f, ']')) {
            if (!convert) { /* checked and counted only */
                if (!ap_jf_number_list(f, &len))
                    return 0;
            } else {
                do {
                    double v;
                    if (!ap_jf_number(f, &v) || push_coord(c, v) != 0)
                        return 0;
                    len++;
                } while (ap_jf_take(f, ','));
            }
            if (!ap_jf_take(f, ']'))
                return 0;
        }
        if (len % 2)
            return 0;
        if (len == 0)
            continue;
        if (convert && part_start(c, k, start) != 0)
            return 0;
        k++;
    } while (ap_jf_take(f, ','));
    if (!ap_jf_take(f, ']'))
        return 0;
    if (convert)
        parts_done(c, k);
    *nparts = k;
    return 1;
}

/* The app's annotation id, kept for the object (no escapes in it: those
 * go to cJSON). 1, or 0 out of memory (cJSON's path reports it). */
static int app_id(coco *c, coco_obj *ob, const char *v, size_t n)
{
    if (n == 0)
        return 1;
    if (ap_grow(&c->idbuf, &c->idcap, n + 1, 1) != 0)
        return 0;
    memcpy(c->idbuf, v, n);
    c->idbuf[n] = '\0';
    ob->ann_id = c->idbuf;
    return 1;
}

/* The fast path declines an element: cJSON reads it. */
static int hand_over(size_t *used)
{
    *used = 0;
    return AP_OK;
}

/* n may end before the element or go past it (ap_jscan_text_fn): the
 * element is taken only when its closing brace is within n. */
static int fast_annotation(void *user, const char *p, size_t n, int64_t index, uint64_t line,
                           size_t *taken)
{
    coco *c = user;
    if (c->fn != (void *)read_annotation || c->results)
        return hand_over(taken);
    ap_jfast f = {p, p + n};
    coco_obj ob;
    memset(&ob, 0, sizeof ob);
    int64_t id = 0, image_id = 0, crowd = 0;
    unsigned seen = 0;
    const char *seg = NULL;
    if (!ap_jf_take(&f, '{') || ap_jf_take(&f, '}'))
        return hand_over(taken);
    do {
        const char *k;
        size_t kn;
        if (!ap_jf_string(&f, &k, &kn) || !ap_jf_take(&f, ':'))
            return hand_over(taken);
        int bit = key_bit(k, kn);
        if (bit < 0 || (bit & seen))
            return hand_over(taken);
        seen |= (unsigned)bit;
        int ok;
        switch (bit) {
        case K_ID:
            ok = ap_jf_int(&f, &id);
            break;
        case K_IMAGE:
            ok = ap_jf_int(&f, &image_id);
            break;
        case K_CAT:
            ok = ap_jf_int(&f, &ob.cat_id);
            break;
        case K_CROWD:
            ok = ap_jf_int(&f, &crowd) || ap_jf_null(&f);
            break;
        case K_SCORE: {
            double v;
            ok = ap_jf_number(&f, &v) || ap_jf_null(&f);
            break;
        }
        case K_BBOX:
            if (ap_jf_null(&f)) {
                ok = 1;
                break;
            }
            ob.bbox_given = 1;
            ok = ap_jf_take(&f, '[');
            if (ok && !ap_jf_take(&f, ']')) {
                for (int i = 0; ok && i < 4; i++)
                    ok = ap_jf_number(&f, &ob.box[i]) && ap_jf_take(&f, i < 3 ? ',' : ']');
                ob.has_box = ok;
            }
            break;
        case K_SEG:
            if (ap_jf_null(&f)) {
                ok = 1;
                break;
            }
            ob.seg_given = 1;
            seg = f.p;
            /* under polygon or both the points are needed whatever else the
             * annotation says; otherwise they are read below if needed */
            ob.points = ap_sink_wants_points(c->sink, 1, 0);
            ok = fast_polygons(c, &f, ob.points, &ob.nparts);
            break;
        case K_APP_ID: {
            const char *v;
            size_t vn;
            ok = ap_jf_null(&f) || (ap_jf_string(&f, &v, &vn) && app_id(c, &ob, v, vn));
            break;
        }
        default:
            ok = ap_jf_skip(&f);
        }
        if (!ok)
            return hand_over(taken);
    } while (ap_jf_take(&f, ','));
    if (!ap_jf_take(&f, '}') || (seen & (K_ID | K_IMAGE | K_CAT)) != (K_ID | K_IMAGE | K_CAT))
        return hand_over(taken);
    const char *after = f.p;
    ob.crowd = crowd != 0;
    /* points for the box of a box-less object, or for the core */
    if (seg && ob.nparts > 0 && !ob.points &&
        (!ob.has_box || ap_sink_wants_points(c->sink, ob.has_box, ob.crowd))) {
        ap_jfast sf = {seg, f.end};
        if (!fast_polygons(c, &sf, 1, &ob.nparts))
            return hand_over(taken);
        ob.points = 1;
    }
    if (!ob.has_box && ob.nparts == 0 && (ob.bbox_given || ob.seg_given))
        return hand_over(taken); /* an error: cJSON's path words it */

    *taken = (size_t)(after - p);
    c->index = index;
    c->line = line;
    ap_input *in = image(c, image_id);
    int rc;
    const coco_cat *cat = category(c, ob.cat_id);
    if (duplicate(c, id, in, cat ? cat->name : NULL, &rc))
        return rc;
    return emit_object(c, &ob, in, image_id, NULL);
}

/* ---- walking the file ---- */

typedef int (*elem_fn)(coco *c, const cJSON *e);

static int coco_elem(void *user, const cJSON *e, int64_t index, uint64_t line)
{
    coco *c = user;
    c->index = index;
    c->line = line;
    return ((elem_fn)c->fn)(c, e);
}

/* Reads a top-level array element by element, calling fn on each (fn NULL:
 * parse and drop, to check the syntax). */
static int read_array(coco *c, const char *key, elem_fn fn)
{
    c->fn = (void *)fn;
    return ap_jscan_array_text(c->j, key, fn == read_annotation ? fast_annotation : NULL,
                               fn ? coco_elem : NULL, c);
}

/* One pass over the top-level object. first: read images, categories and
 * (when they came before it) annotations; else read only annotations. */
static int coco_member(void *user, const char *key)
{
    coco *c = user;
    ap_jscan *j = c->j;
    int is_images = !strcmp(key, "images"), is_cats = !strcmp(key, "categories");
    int is_anns = !strcmp(key, "annotations");
    int rc;
    if (c->first && (is_images || is_cats) && (is_images ? c->seen_images : c->seen_cats))
        rc = ap_jscan_error(j, "\"%s\" appears twice in the top-level object", key);
    else if (c->first && is_anns && c->ann_present)
        rc = ap_jscan_error(j, "\"annotations\" appears twice in the top-level object");
    else if (c->first && is_images) {
        rc = read_array(c, key, read_image);
        c->seen_images = 1;
    } else if (c->first && is_cats) {
        rc = read_array(c, key, read_category);
        c->seen_cats = 1;
    } else if (is_anns && (!c->first || (c->seen_images && c->seen_cats))) {
        rc = read_array(c, key, read_annotation);
        c->ann_done = c->ann_present = 1;
    } else if (is_anns) {
        c->ann_present = 1;
        rc = ap_jscan_skip(j); /* read in the second pass */
    } else if (c->first) {
        rc = read_array(c, key, NULL); /* other keys: syntax check only */
    } else {
        rc = ap_jscan_skip(j);
    }
    return rc;
}

/* One pass over the top-level object. The first reads images, categories
 * and (when they came before it) annotations; the second only annotations. */
static int walk(coco *c, int first)
{
    c->first = first;
    return ap_jscan_object(c->j, coco_member, c);
}

static int coco_read(ap_context *ctx, const ap_source *src, ap_sink *sink, void *priv)
{
    (void)priv;
    coco c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    c.sink = sink;
    c.path = src->path;
    c.images = ap_map_new_in(ap_sink_store(sink));
    c.cats = ap_map_new();
    c.ann_ids = ap_idset_new_in(ap_sink_store(sink));
    c.j = ap_jscan_new(ctx, src->stream, src->path);
    int rc = AP_OK;
    if (!c.images || !c.cats || !c.ann_ids || !c.j) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    int ch = ap_jscan_peek(c.j);
    if (ch == '[') {
        /* a results list: detections that refer to images held elsewhere */
        c.results = 1;
        ap_warn(ctx, "%s: a COCO results list (detections without images): its objects "
                "are rejected as unknown_image", src->path);
        rc = read_array(&c, "annotations", read_annotation);
        if (rc == AP_OK && (ch = ap_jscan_peek(c.j)) != -1)
            rc = ch == -2 ? ctx->err
                          : ap_jscan_error(c.j, "invalid JSON: more data after the list");
        goto done;
    }
    if (ch == -2) {
        rc = ctx->err;
        goto done;
    }
    if (ch != '{') {
        rc = ch == -1 ? ap_error_at(ctx, AP_EDATA, src->path, 1, 1, "the file is empty")
                      : ap_jscan_error(c.j, "not COCO JSON: the top level must be an object");
        goto done;
    }
    rc = walk(&c, 1);
    if (rc)
        goto done;
    if (!c.seen_images) {
        rc = ap_error_at(ctx, AP_EDATA, src->path, 0, 0,
                         "not a COCO dataset: no \"images\" array");
        goto done;
    }
    if (!c.ann_present) {
        rc = ap_error_at(ctx, AP_EDATA, src->path, 0, 0,
                         "not a COCO dataset: no \"annotations\" array");
        goto done;
    }
    if (!c.seen_cats) {
        rc = ap_error_at(ctx, AP_EDATA, src->path, 0, 0,
                         "not a COCO dataset: no \"categories\" array");
        goto done;
    }
    if (!c.ann_done) {
        rc = ap_jscan_rewind(c.j);
        if (rc == AP_OK)
            rc = walk(&c, 0);
    }
done:
    if (rc == AP_OK && c.captions)
        ap_warn(ctx, "%s: %llu caption annotations skipped (captions are text, not labels "
                "annoport converts)", src->path, (unsigned long long)c.captions);
    for (size_t i = 0; i < c.ncats; i++) {
        free(c.catv[i]->name);
        free(c.catv[i]);
    }
    free(c.catv);
    ap_map_free(c.images);
    ap_map_free(c.cats);
    ap_jscan_free(c.j);
    ap_idset_free(c.ann_ids);
    free(c.coords);
    free(c.idbuf);
    free(c.parts);
    free(c.part_len);
    return rc;
}

/* A COCO file opens with '{' and names one of its arrays early, or is a list
 * of objects with "image_id" and "category_id" (results). The keys of
 * COCO's own records (an image's "file_name", an annotation's "image_id",
 * "bbox", ...) make it surer: a JSON object that only has an
 * "annotations" key could be anything. */
static int coco_probe(const ap_probe *p)
{
    const char *s = (const char *)p->buf;
    size_t i = 0;
    if (p->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < p->len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    if (i >= p->len)
        return 0;
    s += i;
    if (s[0] == '[')
        return strstr(s, "\"image_id\"") && strstr(s, "\"category_id\"") ? 60 : 0;
    if (s[0] != '{')
        return 0;
    int records = strstr(s, "\"image_id\"") || strstr(s, "\"category_id\"") ||
                  strstr(s, "\"file_name\"") || strstr(s, "\"bbox\"") ||
                  strstr(s, "\"supercategory\"") || strstr(s, "\"iscrowd\"");
    if (strstr(s, "\"images\""))
        return records ? 80 : 60;
    if (strstr(s, "\"annotations\""))
        return records ? 80 : 40;
    return strstr(s, "\"categories\"") ? 60 : 0;
}

const ap_reader ap_reader_coco = {
    .name = "coco",
    .description = "COCO instances JSON (also keypoints, labels, panoptic, stuff, results)",
    .extensions = "json",
    .probe = coco_probe,
    .read = coco_read,
};
