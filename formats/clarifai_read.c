/*
 * clarifai_read.c: Clarifai JSON, for export and round trips:
 *   - annoport's own output: manifest.json (its "inputs": names and sizes)
 *     and request bodies ({"annotations": [...]});
 *   - GET /v2/annotations response pages ({"status": ..., "annotations":
 *     [...]}); a page whose status is not success is an error;
 *   - GET /v2/inputs pages and dataset exports ({"inputs": [...]}, each
 *     input with its image's url and size, and possibly its annotations).
 * Both the API's snake_case and protobuf's camelCase names are read; a
 * missing coordinate is 0 and a missing concept value 1 (protobuf JSON drops
 * zeros and defaults); numbers may be strings. Every region concept, and
 * every image-level concept, is one object, carrying the annotation's and
 * region's ids. Streamed like COCO: one array element at a time.
 *
 * Filters of the list API: annotations made by a model (a model_version_id)
 * are filtered unless --include-model-annotations; --only-user-ids,
 * --only-model-version-ids, --only-input-ids keep only those.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include <cJSON.h>

#include "../src/internal.h"

extern const ap_reader ap_reader_clarifai;

/* The reader's options: which annotations of an export are kept. */
typedef struct {
    int include_model;            /* --include-model-annotations */
    const char *only_user_ids;    /* comma-separated, NULL: all */
    const char *only_model_version_ids;
    const char *only_input_ids;
} clarifai_read_opts;

typedef struct {
    ap_context *ctx;
    const clarifai_read_opts *o;
    ap_sink *sink;
    ap_jscan *j;
    const char *path;
    int inputs_only;
    ap_map *only_users, *only_models, *only_inputs;
    double *xy;
    size_t nxy, xycap;
    uint64_t line;
    int64_t index;
    char *sdk_id;        /* an SDK export's annotation file: its input id */
    ap_input *sdk_in;
} cr;

static int cr_error(cr *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cr_error(cr *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ap_error_vat(c->ctx, AP_EDATA, c->path, c->line, 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* A field by its proto name, or its camelCase JSON name. */
static const cJSON *get(const cJSON *o, const char *snake)
{
    if (!cJSON_IsObject(o))
        return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, snake);
    if (v || !strchr(snake, '_'))
        return v;
    char camel[64];
    size_t n = 0;
    for (const char *p = snake; *p && n + 1 < sizeof camel; p++) {
        if (*p == '_' && p[1]) {
            camel[n++] = (char)toupper((unsigned char)*++p);
            continue;
        }
        camel[n++] = *p;
    }
    camel[n] = '\0';
    return cJSON_GetObjectItemCaseSensitive(o, camel);
}

static const char *get_str(const cJSON *o, const char *snake)
{
    const cJSON *v = get(o, snake);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A number, given as a number or a string; def when absent or null.
 * Returns -1 when present but not a number. */
static int get_num(const cJSON *o, const char *snake, double def, double *out)
{
    const cJSON *v = get(o, snake);
    *out = def;
    if (!v || cJSON_IsNull(v))
        return 0;
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 1;
    }
    if (cJSON_IsString(v) && *v->valuestring) {
        char *end;
        *out = strtod(v->valuestring, &end);
        if (!*end)
            return 1;
    }
    return -1;
}

/* The ids of a comma-separated list as a set; NULL for no list, and NULL
 * with the error set when memory runs out (a filter is never dropped). */
static ap_map *id_set(ap_context *ctx, const char *list)
{
    if (!list)
        return NULL;
    ap_map *m = ap_map_new();
    for (const char *p = list; m && *p;) {
        size_t len = strcspn(p, ",");
        char *id = ap_strndup(p, len);
        if (!id || (*id && ap_map_put(m, id, m) != 0)) {
            ap_map_free(m);
            m = NULL;
        }
        free(id);
        p += len;
        if (*p == ',')
            p++;
    }
    if (!m)
        ap_error_nomem(ctx);
    return m;
}

/* ---- inputs ---- */

/* The last path component of a URL, without its query. */
static char *url_name(const char *url)
{
    size_t end = strcspn(url, "?#");
    size_t start = end;
    while (start > 0 && url[start - 1] != '/')
        start--;
    return end > start ? ap_strndup(url + start, end - start) : NULL;
}

static ap_input *input_of(cr *c, const cJSON *e, const char *id)
{
    const cJSON *image = get(get(e, "data"), "image");
    const cJSON *info = get(image, "image_info");
    double w = 0, h = 0;
    if (get_num(e, "width", 0, &w) < 0 || get_num(e, "height", 0, &h) < 0 ||
        (!w && get_num(info, "width", 0, &w) < 0) || (!h && get_num(info, "height", 0, &h) < 0)) {
        cr_error(c, "input \"%s\": its width or height is not a number", id);
        return NULL;
    }
    if (!(w >= 0 && w <= 1e9 && w == floor(w)) || !(h >= 0 && h <= 1e9 && h == floor(h))) {
        cr_error(c, "input \"%s\": its width or height is not a whole number of pixels", id);
        return NULL;
    }
    const char *fname = get_str(e, "file_name");
    if (!fname || !*fname) /* the SDK's convention: the upload's file name */
        fname = get_str(get(get(e, "data"), "metadata"), "filename");
    if (fname && !*fname)
        fname = NULL;
    char *from_url = NULL;
    if (!fname && get_str(image, "url"))
        fname = from_url = url_name(get_str(image, "url"));
    ap_image_desc d = {id, fname ? fname : id, (int64_t)w, (int64_t)h, 0, 0,
                       {c->path, c->line, c->index}};
    ap_input *in = ap_sink_add_input_ex(c->sink, &d, NULL, get_str(e, "split")); /* a manifest's */
    free(from_url);
    return in;
}

/* ---- annotations ---- */

static int push_xy(cr *c, double x, double y)
{
    if (ap_grow(&c->xy, &c->xycap, c->nxy + 2, sizeof *c->xy) != 0)
        return ap_error_nomem(c->ctx);
    c->xy[c->nxy++] = x;
    c->xy[c->nxy++] = y;
    return AP_OK;
}

/* One object per concept of a region, or of the image. */
static int concepts_to_objects(cr *c, ap_object *o, const cJSON *concepts, const char *ann_id)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, concepts)
    {
        const char *name = get_str(k, "name"), *id = get_str(k, "id");
        const char *label = name && *name ? name : id;
        if (!label || !*label)
            return cr_error(c, "annotation %s: a concept without an id or a name",
                            ann_id ? ann_id : "");
        double v;
        if (get_num(k, "value", 1, &v) < 0)
            return cr_error(c, "concept \"%s\": its value is not a number", label);
        o->concept = ap_sink_add_concept(c->sink, label);
        if (!o->concept)
            return c->ctx->err;
        o->value = v > 0 ? 1 : 0;
        int rc = ap_sink_add_object(c->sink, o);
        if (rc)
            return rc;
    }
    return AP_OK;
}

static int in_set(const ap_map *m, const char *s)
{
    return s && ap_map_get(m, s) != NULL;
}

static int read_data(cr *c, const cJSON *data, ap_input *in, const char *ann_id, int filtered)
{
    ap_object o;
    const double *part = NULL; /* a polygon's points, for the object */
    size_t part_len = 0;
    memset(&o, 0, sizeof o);
    o.pos = (ap_srcpos){c->path, c->line, c->index};
    o.input = in;
    o.units = AP_UNITS_NORMALIZED;
    o.ann_id = ann_id;
    o.filtered = filtered;
    const cJSON *concepts = get(data, "concepts");
    if (cJSON_IsArray(concepts)) {
        int rc = concepts_to_objects(c, &o, concepts, ann_id);
        if (rc)
            return rc;
    }
    const cJSON *regions = get(data, "regions"), *r;
    if (!cJSON_IsArray(regions))
        regions = NULL;
    cJSON_ArrayForEach(r, regions)
    {
        const cJSON *info = get(r, "region_info");
        const cJSON *box = get(info, "bounding_box"), *poly = get(info, "polygon");
        /* an SDK export names regions of the app it came from: not kept */
        o.region_id = c->sdk_id ? NULL : get_str(r, "id");
        o.box_form = AP_BOX_NONE;
        o.nparts = 0;
        const cJSON *rc_concepts = get(get(r, "data"), "concepts");
        if (!cJSON_IsArray(rc_concepts) || cJSON_GetArraySize(rc_concepts) == 0)
            continue; /* a region without a label: nothing to export */
        if (box) {
            const char *f[4] = {"left_col", "top_row", "right_col", "bottom_row"};
            for (int i = 0; i < 4; i++)
                if (get_num(box, f[i], 0, &o.box[i]) < 0)
                    return cr_error(c, "bounding_box.%s is not a number", f[i]);
            o.box_form = AP_BOX_XYXY;
        } else if (poly) {
            c->nxy = 0;
            const cJSON *p;
            cJSON_ArrayForEach(p, get(poly, "points"))
            {
                double row, col;
                if (get_num(p, "row", 0, &row) < 0 || get_num(p, "col", 0, &col) < 0)
                    return cr_error(c, "a polygon point is not a number");
                int rc = push_xy(c, col, row);
                if (rc)
                    return rc;
            }
            part = c->xy;
            part_len = c->nxy;
            o.parts = &part;
            o.part_len = &part_len;
            o.nparts = 1;
        } else {
            ap_srcpos pos = o.pos;
            int rc = ap_sink_add_reject(c->sink, &pos, in->id, NULL, "unsupported_geometry",
                                    "a region that is neither a bounding box nor a polygon "
                                    "(a point or a mask) is not converted");
            if (rc)
                return rc;
            continue;
        }
        int rc = concepts_to_objects(c, &o, rc_concepts, ann_id);
        if (rc)
            return rc;
    }
    return AP_OK;
}

static int read_annotation(void *user, const cJSON *e, int64_t index, uint64_t line)
{
    cr *c = user;
    c->index = index;
    c->line = line;
    if (!cJSON_IsObject(e))
        return cr_error(c, "annotations[%lld] is not an object", (long long)index);
    const char *input_id = get_str(e, "input_id");
    if (!input_id || !*input_id)
        return cr_error(c, "annotations[%lld] has no input_id", (long long)index);
    const char *ann_id = get_str(e, "id");
    const char *user_id = get_str(e, "user_id");
    const char *model = get_str(e, "model_version_id");
    int by_model = model && *model;
    int filtered = (by_model && !c->o->include_model && !c->only_models) ||
                   (c->only_users && !in_set(c->only_users, user_id)) ||
                   (c->only_models && !in_set(c->only_models, model)) ||
                   (c->only_inputs && !in_set(c->only_inputs, input_id));
    ap_image_desc d = {input_id, input_id, 0, 0, 0, 0, {c->path, line, index}};
    ap_input *in = ap_sink_add_input(c->sink, &d);
    if (!in)
        return c->ctx->err;
    const cJSON *data = get(e, "data");
    if (!data)
        return AP_OK; /* a status update: no label */
    return read_data(c, data, in, ann_id, filtered);
}

static int read_input(void *user, const cJSON *e, int64_t index, uint64_t line)
{
    cr *c = user;
    c->index = index;
    c->line = line;
    if (!cJSON_IsObject(e))
        return cr_error(c, "inputs[%lld] is not an object", (long long)index);
    const char *id = get_str(e, "id");
    if (!id || !*id)
        return cr_error(c, "inputs[%lld] has no id", (long long)index);
    ap_input *in = input_of(c, e, id);
    if (!in)
        return c->ctx->err;
    if (c->inputs_only)
        return AP_OK;
    const cJSON *anns = get(e, "annotations"), *a;
    int64_t k = 0;
    if (!cJSON_IsArray(anns))
        anns = NULL;
    cJSON_ArrayForEach(a, anns)
    {
        if (cJSON_IsObject(a) && !get(a, "input_id")) {
            /* an annotation nested in its input may leave input_id out */
            cJSON *copy = cJSON_Duplicate(a, 1);
            if (!copy)
                return ap_error_nomem(c->ctx);
            cJSON_AddStringToObject(copy, "input_id", id);
            int rc = read_annotation(c, copy, k++, line);
            cJSON_Delete(copy);
            if (rc)
                return rc;
            continue;
        }
        int rc = read_annotation(c, a, k++, line);
        if (rc)
            return rc;
    }
    /* the input's own data: its input-level annotation */
    if (!anns && get(e, "data")) {
        c->index = index;
        c->line = line;
        int filtered = c->only_inputs && !in_set(c->only_inputs, id);
        return read_data(c, get(e, "data"), in, NULL, filtered);
    }
    return AP_OK;
}

/* ---- the Python SDK's dataset export ----
 *
 * Dataset.export() writes SPLIT/inputs/ID.EXT and SPLIT/annotations/ID.json:
 * a list whose first element holds the input's metadata, then its regions
 * and its image-level concepts, in protobuf's JSON (camelCase). The input
 * id is the file's stem. */

/* Whether a file's folder is named "annotations". */
static int in_annotations(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t dl = base ? (size_t)(base - path) : 0;
    return dl >= 11 && strncmp(base - 11, "annotations", 11) == 0 &&
           (dl == 11 || base[-12] == '/');
}

/* The input id of an SDK annotation file (its stem), or NULL. */
static char *sdk_input_id(const char *path)
{
    if (!in_annotations(path))
        return NULL;
    const char *base = strrchr(path, '/') + 1;
    const char *dot = strrchr(base, '.');
    return dot && dot > base ? ap_strndup(base, (size_t)(dot - base)) : NULL;
}

static int read_sdk_element(void *user, const cJSON *e, int64_t index, uint64_t line)
{
    cr *c = user;
    c->index = index;
    c->line = line;
    if (!cJSON_IsObject(e))
        return cr_error(c, "element %lld is not an object", (long long)index);
    const cJSON *meta = get(e, "metadata");
    if (!c->sdk_in || (index == 0 && meta)) {
        const char *fname = get_str(meta, "filename");
        ap_image_desc d = {c->sdk_id, fname && *fname ? fname : c->sdk_id, 0, 0, 0, 0,
                           {c->path, line, index}};
        if (!(c->sdk_in = ap_sink_add_input(c->sink, &d)))
            return c->ctx->err;
        if (meta)
            return AP_OK;
    }
    /* a region, or an image-level concept */
    cJSON *data = cJSON_CreateObject(), *list = cJSON_CreateArray();
    if (!data || !list) {
        cJSON_Delete(data);
        cJSON_Delete(list);
        return ap_error_nomem(c->ctx);
    }
    int region = get(e, "region_info") != NULL;
    cJSON_AddItemToObject(data, region ? "regions" : "concepts", list);
    cJSON_AddItemReferenceToArray(list, (cJSON *)e);
    int rc = region || get(e, "id") || get(e, "name") ? read_data(c, data, c->sdk_in, NULL, 0)
                                                      : cr_error(c, "element %lld is neither a "
                                                                 "region nor a concept",
                                                                 (long long)index);
    cJSON_Delete(data);
    return rc;
}

static int check_status(cr *c, const cJSON *st)
{
    double code = 0;
    const cJSON *cv = get(st, "code");
    if (cJSON_IsString(cv) && strcmp(cv->valuestring, "SUCCESS") == 0)
        return AP_OK;
    if (get_num(st, "code", 0, &code) == 1 && code == 10000)
        return AP_OK;
    const char *desc = get_str(st, "description");
    return cr_error(c, "the response's status is not success (code %s%s%s): this page holds "
                    "no annotations to trust", cJSON_IsString(cv) ? cv->valuestring : "",
                    desc ? ", " : "", desc ? desc : "");
}

static int member(void *user, const char *key)
{
    cr *c = user;
    ap_jscan *j = c->j;
    if (!strcmp(key, "annotations"))
        return c->inputs_only ? ap_jscan_skip(j) : ap_jscan_array(j, key, read_annotation, c);
    if (!strcmp(key, "inputs"))
        return ap_jscan_array(j, key, read_input, c);
    if (strcmp(key, "status") != 0)
        return ap_jscan_array(j, key, NULL, NULL); /* syntax check */
    const char *p;
    size_t n;
    int rc = ap_jscan_value(j, &p, &n, &c->line);
    if (rc)
        return rc;
    cJSON *st = ap_jscan_parse(j, p, n);
    if (!st)
        return c->ctx->err;
    rc = check_status(c, st);
    cJSON_Delete(st);
    return rc;
}

static int walk(cr *c)
{
    ap_jscan *j = c->j;
    int ch = ap_jscan_peek(j);
    if (ch == -2)
        return c->ctx->err;
    if (ch == '[' && c->sdk_id) /* an SDK export's annotations of one input */
        return c->inputs_only ? ap_jscan_skip(j) : ap_jscan_array(j, "", read_sdk_element, c);
    if (ch == '[') /* a bare list of annotations */
        return c->inputs_only ? ap_jscan_skip(j)
                              : ap_jscan_array(j, "annotations", read_annotation, c);
    if (ch == -1)
        return ap_error_at(c->ctx, AP_EDATA, c->path, 1, 1, "the file is empty");
    return ap_jscan_object(j, member, c);
}

static int read_file(ap_context *ctx, const ap_source *src, ap_sink *sink, int inputs_only)
{
    cr c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx;
    c.sink = sink;
    c.path = src->path;
    c.inputs_only = inputs_only;
    c.o = ap_plugin_options_get(ctx, &ap_reader_clarifai.options);
    c.only_users = id_set(ctx, c.o->only_user_ids);
    c.only_models = id_set(ctx, c.o->only_model_version_ids);
    c.only_inputs = id_set(ctx, c.o->only_input_ids);
    c.sdk_id = sdk_input_id(src->path);
    c.j = ap_jscan_new(ctx, src->stream, src->path);
    int rc = c.j && !ctx->err ? walk(&c) : ctx->err ? ctx->err : ap_error_nomem(ctx);
    ap_jscan_free(c.j);
    ap_map_free(c.only_users);
    ap_map_free(c.only_models);
    ap_map_free(c.only_inputs);
    free(c.xy);
    free(c.sdk_id);
    return rc;
}

static int clarifai_read(ap_context *ctx, const ap_source *src, ap_sink *sink, void *priv)
{
    (void)priv;
    return read_file(ctx, src, sink, 0);
}

int ap_clarifai_read_inputs(ap_context *ctx, const ap_source *src, ap_sink *sink)
{
    return read_file(ctx, src, sink, 1);
}

/* Clarifai JSON names its inputs: "input_id" (or "inputId") in annotations,
 * an annoport manifest, or input records with image data. */
static int clarifai_probe(const ap_probe *p)
{
    const char *s = (const char *)p->buf;
    size_t i = 0;
    while (i < p->len && isspace((unsigned char)s[i]))
        i++;
    if (i >= p->len || (s[i] != '{' && s[i] != '['))
        return 0;
    if (s[i] == '[' && p->name && in_annotations(p->name) &&
        (strstr(s, "\"regionInfo\"") || strstr(s, "\"metadata\"") ||
         strstr(s, "\"region_info\"") || strstr(s, "\"value\"")))
        return 80; /* an SDK export's SPLIT/annotations/ID.json */
    if (strstr(s, "\"input_id\"") || strstr(s, "\"inputId\""))
        return 85;
    if (strstr(s, "\"status\"") && strstr(s, "\"code\"") &&
        (strstr(s, "\"annotations\"") || strstr(s, "\"inputs\"")))
        return 75; /* an API response page */
    if (strstr(s, "\"inputs\"") &&
        (strstr(s, "\"image_info\"") || strstr(s, "\"imageInfo\"") || strstr(s, "\"url\"") ||
         strstr(s, "\"base64\""))) /* a post-inputs body of --create-inputs bytes */
        return 70;
    return 0;
}

static const ap_option clarifai_read_options[] = {
    {"include-model-annotations", NULL, "keep annotations made by models", AP_OPT_FLAG,
     offsetof(clarifai_read_opts, include_model), NULL, NULL, 0},
    {"only-user-ids", "IDS", "keep only these users' annotations", AP_OPT_STRING,
     offsetof(clarifai_read_opts, only_user_ids), NULL, NULL, 0},
    {"only-model-version-ids", "IDS", "keep only these model versions' annotations",
     AP_OPT_STRING, offsetof(clarifai_read_opts, only_model_version_ids), NULL, NULL, 0},
    {"only-input-ids", "IDS", "keep only these inputs", AP_OPT_STRING,
     offsetof(clarifai_read_opts, only_input_ids), NULL, NULL, 0},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, 0},
};

const ap_reader ap_reader_clarifai = {
    .name = "clarifai",
    .description = "Clarifai JSON: request bodies and manifests, GET /v2/annotations and "
                   "/v2/inputs pages, dataset exports",
    .extensions = "json",
    .probe = clarifai_probe,
    .read = clarifai_read,
    .reads_manifest = 1,
    .options = {"Clarifai exports (--from clarifai)", clarifai_read_options,
                sizeof(clarifai_read_opts), NULL},
};
