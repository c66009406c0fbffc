/*
 * voc_read.c: Pascal VOC XML, one file per image (labelImg, CVAT, Roboflow,
 * the VOC devkit), read with libxml2.
 *
 * A folder is read in byte order of the XML paths, or with --split NAME in
 * the order of ImageSets/Main/NAME.txt (blank lines and '#' comments
 * skipped; an id with no XML is a warning). Each object gives a box in the
 * VOC convention (1-based inclusive pixels, --voc-edges); its pose and
 * difficult/truncated/occluded flags travel with it. <part>, <actions> and
 * <point> are not converted.
 *
 * The XML is untrusted: parsed with no network, no DTD loading, no entity
 * substitution and an external entity loader that refuses everything; text
 * is taken from text nodes only, so a declared entity is never expanded by
 * annoport either.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "../src/internal.h"


extern const ap_reader ap_reader_voc;

/* The reader's options. */
typedef struct {
    const char *split;     /* --split: ImageSets/Main/NAME.txt */
    int skip_difficult;    /* --skip-difficult */
} voc_read_opts;

static const voc_read_opts *opts(const ap_context *ctx)
{
    return ap_plugin_options_get(ctx, &ap_reader_voc.options);
}

/* What the reader keeps across the files of a run. */
typedef struct {
    xmlParserCtxtPtr pc;   /* one parser context (xmlCtxtReadMemory resets it) */
    int hinted_zero;       /* the --voc-edges hint was given */
} voc_run;

typedef struct {
    ap_context *ctx;
    ap_sink *sink;
    const char *path;
    voc_run *run;
} voc;

static xmlParserInputPtr refuse_entities(const char *url, const char *id, xmlParserCtxtPtr c)
{
    (void)url;
    (void)id;
    (void)c;
    return NULL; /* never read a file or the network for an entity or a DTD */
}

static int verror(voc *v, const xmlNode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int verror(voc *v, const xmlNode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ap_error_vat(v->ctx, AP_EDATA, v->path, n ? (uint64_t)xmlGetLineNo(n) : 0, 0, fmt,
                          ap);
    va_end(ap);
    return rc;
}

static int is_elem(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
        if (is_elem(c, name))
            return c;
    return NULL;
}

/* The text of an element from its text and CDATA children, trimmed; an
 * entity reference in it is an error (never expanded). NULL with the error
 * set. The caller frees. */
static char *text_of(voc *v, const xmlNode *e)
{
    ap_buf b = {0};
    ap_buf_put(&b, "", 0);
    for (const xmlNode *c = e->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content)
                ap_buf_puts(&b, (const char *)c->content);
        } else if (c->type == XML_ENTITY_REF_NODE) {
            ap_buf_free(&b);
            verror(v, e, "<%s> uses the entity &%s;, which annoport does not expand", e->name,
                   c->name);
            return NULL;
        }
    }
    if (b.oom || !b.p) {
        ap_buf_free(&b);
        ap_error_nomem(v->ctx);
        return NULL;
    }
    char *s = b.p, *end = b.p + b.len;
    while (s < end && isspace((unsigned char)*s))
        s++;
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    char *out = ap_strndup(s, (size_t)(end - s));
    ap_buf_free(&b);
    if (!out)
        ap_error_nomem(v->ctx);
    return out;
}

/* A number from an element's text. 1 read, 0 empty, -1 not a number. */
static int number_of(voc *v, const xmlNode *e, double *out, int *err)
{
    *err = 0;
    char *t = text_of(v, e);
    if (!t) {
        *err = 1;
        return -1;
    }
    if (!*t) {
        free(t);
        return 0;
    }
    char *end;
    *out = strtod(t, &end);
    int ok = *end == '\0';
    free(t);
    return ok ? 1 : -1;
}

/* A 0/1 flag (difficult, truncated, occluded): empty or absent is 0. */
static int flag_of(voc *v, const xmlNode *obj, const char *name, int *out)
{
    *out = 0;
    const xmlNode *e = child(obj, name);
    if (!e)
        return AP_OK;
    double d;
    int err;
    int r = number_of(v, e, &d, &err);
    if (err)
        return v->ctx->err;
    if (r == 0)
        return AP_OK;
    if (r < 0 || (d != 0 && d != 1))
        return verror(v, e, "<%s> must be 0 or 1", name);
    *out = d == 1;
    return AP_OK;
}

static int read_size(voc *v, const xmlNode *root, int64_t *w, int64_t *h)
{
    *w = *h = 0;
    const xmlNode *size = child(root, "size");
    if (!size)
        return AP_OK;
    const char *names[2] = {"width", "height"};
    int64_t *dst[2] = {w, h};
    for (int i = 0; i < 2; i++) {
        const xmlNode *e = child(size, names[i]);
        if (!e)
            continue;
        double d;
        int err;
        int r = number_of(v, e, &d, &err);
        if (err)
            return v->ctx->err;
        if (r < 0 || (r > 0 && (d < 0 || d != floor(d) || d > 1e9)))
            return verror(v, e, "<size><%s> is not a whole number of pixels", names[i]);
        if (r > 0)
            *dst[i] = (int64_t)d;
    }
    return AP_OK;
}

static int read_object(voc *v, const xmlNode *obj, ap_input *in, int64_t index)
{
    ap_srcpos pos = {v->path, (uint64_t)xmlGetLineNo(obj), index};
    const xmlNode *name_el = child(obj, "name");
    if (!name_el)
        return verror(v, obj, "<object> has no <name>");
    char *label = text_of(v, name_el);
    if (!label)
        return v->ctx->err;
    int rc = AP_OK;
    char *pose = NULL;
    if (!*label) {
        rc = verror(v, name_el, "<object><name> is empty");
        goto done;
    }
    const xmlNode *bb = child(obj, "bndbox");
    if (!bb) {
        rc = verror(v, obj, "<object> \"%s\" has no <bndbox>", label);
        goto done;
    }
    ap_object o;
    memset(&o, 0, sizeof o);
    const char *coord[4] = {"xmin", "ymin", "xmax", "ymax"};
    for (int i = 0; i < 4; i++) {
        const xmlNode *e = child(bb, coord[i]);
        if (!e) {
            rc = verror(v, bb, "<bndbox> has no <%s>", coord[i]);
            goto done;
        }
        int err;
        int r = number_of(v, e, &o.box[i], &err);
        if (err) {
            rc = v->ctx->err;
            goto done;
        }
        if (r <= 0) {
            char *t = text_of(v, e);
            rc = ap_sink_add_reject(v->sink, &pos, in->id, label, "invalid_coordinate",
                                "<%s> is \"%s\", not a number", coord[i], t ? t : "");
            free(t);
            goto done;
        }
    }
    /* 1-based pixels start at 1: a 0 says the tool counted from 0 */
    if (v->ctx->opt.voc_edges == AP_VOC_INCLUSIVE && !v->run->hinted_zero &&
        (o.box[0] < 1 || o.box[1] < 1)) {
        v->run->hinted_zero = 1;
        ap_warn(v->ctx, "%s:%llu: <%s> is %g, below 1, where VOC counts pixels from 1 "
                "(--voc-edges inclusive, the default); datasets whose coordinates start at 0 "
                "(CVAT and other tools write them) read right with --voc-edges zero-based",
                v->path, (unsigned long long)xmlGetLineNo(bb), o.box[0] < 1 ? "xmin" : "ymin",
                o.box[0] < 1 ? o.box[0] : o.box[1]);
    }
    if ((rc = flag_of(v, obj, "difficult", &o.difficult)) ||
        (rc = flag_of(v, obj, "truncated", &o.truncated)) ||
        (rc = flag_of(v, obj, "occluded", &o.occluded)))
        goto done;
    o.filtered = o.difficult && opts(v->ctx)->skip_difficult;
    const xmlNode *pose_el = child(obj, "pose");
    if (pose_el && !(pose = text_of(v, pose_el))) {
        rc = v->ctx->err;
        goto done;
    }
    o.pose = pose && *pose ? pose : NULL;
    o.pos = pos;
    o.input = in;
    o.concept = ap_sink_add_concept(v->sink, label);
    if (!o.concept) {
        rc = v->ctx->err;
        goto done;
    }
    o.units = AP_UNITS_VOC;
    o.box_form = AP_BOX_XYXY;
    o.value = 1;
    rc = ap_sink_add_object(v->sink, &o);
done:
    free(label);
    free(pose);
    return rc;
}

/* The image's file name: <filename>, else the XML file's own stem. */
static char *file_name_of(voc *v, const xmlNode *root)
{
    const xmlNode *e = child(root, "filename");
    if (e) {
        char *t = text_of(v, e);
        if (!t || *t)
            return t;
        free(t);
    }
    const char *base = strrchr(v->path, '/');
    base = base ? base + 1 : v->path;
    const char *colon = strrchr(base, ':');
    if (colon)
        base = colon + 1;
    size_t n = strlen(base);
    if (n > 4 && strcasecmp(base + n - 4, ".xml") == 0)
        n -= 4;
    char *s = ap_strndup(base, n);
    if (!s)
        ap_error_nomem(v->ctx);
    return s;
}

static void release_run(void *p)
{
    voc_run *r = p;
    xmlFreeParserCtxt(r->pc);
}

static int voc_read(ap_context *ctx, const ap_source *src, ap_sink *sink, void *priv)
{
    voc v = {ctx, sink, src->path, NULL};
    char *buf = NULL;
    size_t len = 0;
    int rc = ap_stream_slurp(ctx, src->stream, ctx->opt.max_record, &buf, &len);
    if (rc)
        return rc;
    if (len > (size_t)INT32_MAX) {
        free(buf);
        return ap_error(ctx, AP_EDATA, "%s: too large for an XML annotation", src->path);
    }
    xmlSetExternalEntityLoader(refuse_entities);
    /* one parser context for the run's files (xmlCtxtReadMemory resets it) */
    voc_run *run = priv;
    if (!run->pc && !(run->pc = xmlNewParserCtxt())) {
        free(buf);
        return ap_error_nomem(ctx);
    }
    v.run = run;
    xmlParserCtxtPtr pc = run->pc;
    /* XML says its own encoding; --encoding stands in where it does not */
    xmlDocPtr doc = xmlCtxtReadMemory(pc, buf, (int)len, src->path, ctx->opt.encoding,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    free(buf);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(pc);
        char msg[300] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "invalid XML: %s", e->message);
            size_t n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
            if (e->code == XML_ERR_INVALID_CHAR || e->code == XML_ERR_INVALID_ENCODING ||
                strstr(msg, "encoding"))
                snprintf(msg + n, sizeof msg - n, "; if the file is in another encoding and "
                         "does not say so, give it with --encoding");
        }
        rc = ap_error_at(ctx, AP_EDATA, src->path, e && e->line > 0 ? (uint64_t)e->line : 0,
                         e && e->int2 > 0 ? (uint64_t)e->int2 : 0, "%s", msg);
        return rc;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!is_elem(root, "annotation")) {
        rc = verror(&v, root, "not a Pascal VOC file: the root element is <%s>, not "
                    "<annotation>", root ? (const char *)root->name : "");
        goto done;
    }
    int64_t w, h;
    if ((rc = read_size(&v, root, &w, &h)) != AP_OK)
        goto done;
    char *fname = file_name_of(&v, root);
    if (!fname) {
        rc = ctx->err;
        goto done;
    }
    ap_image_desc d = {NULL, fname, w, h, 0, 0, {src->path, (uint64_t)xmlGetLineNo(root), -1}};
    ap_input *in = ap_sink_add_input(sink, &d);
    free(fname);
    if (!in) {
        rc = ctx->err;
        goto done;
    }
    int64_t index = 0;
    for (xmlNode *c = root->children; c && rc == AP_OK; c = c->next)
        if (is_elem(c, "object"))
            rc = read_object(&v, c, in, index++);
done:
    xmlFreeDoc(doc);
    return rc;
}

/* ---- folders: --split ---- */

/* The annotation file a split list's line names, or NULL (warned about):
 * the line is the name (CVAT writes names with spaces, "Screenshot (573)");
 * a per-class list's line is a name and a flag ("2008_000002 -1"). */
static char *split_entry(ap_map *by_name, const char *root, char *line, const char **name)
{
    char *id = line;
    while (isspace((unsigned char)*id))
        id++;
    size_t il = strlen(id);
    while (il && isspace((unsigned char)id[il - 1]))
        il--;
    id[il] = '\0';
    *name = NULL;
    if (!*id || *id == '#')
        return NULL;
    *name = id;
    size_t m = strlen(root) + il + 32;
    char *want = malloc(m);
    if (!want)
        return NULL;
    snprintf(want, m, "%sAnnotations/%s.xml", root, id);
    if (ap_map_get(by_name, want))
        return want;
    /* "name  1", "name -1", "name 0": the last field is a flag */
    char *sp = id + il;
    while (sp > id && !isspace((unsigned char)sp[-1]))
        sp--;
    if (sp > id && (!strcmp(sp, "1") || !strcmp(sp, "-1") || !strcmp(sp, "0"))) {
        char *e = sp;
        while (e > id && isspace((unsigned char)e[-1]))
            e--;
        snprintf(want, m, "%sAnnotations/%.*s.xml", root, (int)(e - id), id);
        if (ap_map_get(by_name, want)) {
            *e = '\0';
            return want;
        }
    }
    return want; /* not found: the caller warns */
}

/* Reads ImageSets/Main/SPLIT.txt below root and keeps its files, in its
 * order. */
static int split_files(ap_context *ctx, ap_container *c, ap_names *files, const char *root)
{
    const char *split = opts(ctx)->split;
    size_t n = strlen(root) + strlen(split) + 32;
    char *list = malloc(n);
    if (!list)
        return ap_error_nomem(ctx);
    snprintf(list, n, "%sImageSets/Main/%s.txt", root, split);
    if (!ap_container_has(c, list)) {
        char *disp = ap_container_display(c, list);
        int rc = ap_error(ctx, AP_ENOINPUT, "%s: no such split list (--split %s)",
                          disp ? disp : list, split);
        free(disp);
        free(list);
        return rc;
    }
    ap_stream *st = ap_container_open_file(ctx, c, list);
    char *text = NULL;
    size_t len = 0;
    int rc = st ? ap_stream_slurp(ctx, st, ctx->opt.max_record, &text, &len) : ctx->err;
    ap_stream_close(st);
    free(list);
    ap_map *by_name = ap_map_new();
    for (size_t k = 0; rc == AP_OK && k < files->n; k++)
        if (!by_name || ap_map_put(by_name, files->v[k], (void *)(uintptr_t)(k + 1)) != 0)
            rc = ap_error_nomem(ctx);
    ap_names chosen = {0};
    uint64_t missing = 0;
    for (char *line = text, *next; rc == AP_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        const char *name;
        char *want = split_entry(by_name, root, line, &name);
        if (!want) {
            if (name)
                rc = ap_error_nomem(ctx);
            continue;
        }
        uintptr_t k = (uintptr_t)ap_map_get(by_name, want);
        if (k && files->v[k - 1]) {
            rc = ap_names_take(ctx, &chosen, files->v[k - 1]);
            files->v[k - 1] = NULL;
        } else if (!k && ++missing <= 10) {
            ap_warn(ctx, "%s/ImageSets/Main/%s.txt: \"%s\" has no annotation file (%s): "
                    "skipped", ap_container_path(c), split, name, want);
        }
        free(want);
    }
    if (missing > 10)
        ap_warn(ctx, "%s/ImageSets/Main/%s.txt: %llu more names have no annotation file",
                ap_container_path(c), split, (unsigned long long)(missing - 10));
    ap_map_free(by_name);
    free(text);
    if (rc) {
        ap_names_free(&chosen);
        return rc;
    }
    ap_names_free(files);
    *files = chosen;
    return AP_OK;
}

static int voc_plan(ap_context *ctx, ap_container *c, ap_names *files)
{
    if (!opts(ctx)->split)
        return AP_OK;
    /* the VOC root: what stands before "Annotations/" in the first XML */
    for (size_t i = 0; i < files->n; i++) {
        const char *p = strstr(files->v[i], "Annotations/");
        if (p && (p == files->v[i] || p[-1] == '/')) {
            char *root = ap_strndup(files->v[i], (size_t)(p - files->v[i]));
            if (!root)
                return ap_error_nomem(ctx);
            int rc = split_files(ctx, c, files, root);
            free(root);
            return rc;
        }
    }
    return ap_error(ctx, AP_EUSAGE, "%s: --split needs a VOC folder with Annotations/ and "
                    "ImageSets/Main/", ap_container_path(c));
}

/* <annotation> as the root, with VOC's children; not LabelMe (<imagesize>)
 * and not CVAT (<annotations>). */
static int voc_probe(const ap_probe *p)
{
    const char *s = (const char *)p->buf;
    const char *a = strstr(s, "<annotation");
    while (a && (a[11] == 's'))
        a = strstr(a + 11, "<annotation");
    if (!a || (a[11] != '>' && !isspace((unsigned char)a[11])))
        return 0;
    if (strstr(s, "<imagesize>"))
        return 0; /* MIT LabelMe */
    if (strstr(a, "<object>") || strstr(a, "<filename>") || strstr(a, "<size>") ||
        strstr(a, "<folder>") || strstr(a, "</annotation>"))
        return 80;
    return 30;
}

static const ap_option voc_read_options[] = {
    {"split", "NAME", "the images of ImageSets/Main/NAME.txt", AP_OPT_STRING,
     offsetof(voc_read_opts, split), NULL, NULL, 0},
    {"skip-difficult", NULL, "difficult objects are filtered out", AP_OPT_FLAG,
     offsetof(voc_read_opts, skip_difficult), NULL, NULL, 0},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, 0},
};

const ap_reader ap_reader_voc = {
    .name = "voc",
    .description = "Pascal VOC XML (a folder with Annotations/, a folder of .xml, one .xml)",
    .extensions = "xml",
    .probe = voc_probe,
    .read = voc_read,
    .priv_size = sizeof(voc_run),
    .release = release_run,
    .plan = voc_plan,
    .decodes_text = 1,
    .options = {"Pascal VOC (--from voc)", voc_read_options, sizeof(voc_read_opts), NULL},
};
