/*
 * yolo_read.c: YOLO datasets (Ultralytics and Darknet layouts), read as a
 * tree: a folder or zip archive (or the folder of a label or config file
 * given by itself).
 *
 * The dataset's root is the folder of its shallowest config file: a
 * data.yaml (any .yaml/.yml with names or splits), an obj.data, or a
 * classes.txt / *.names list; without one, the folder given. Label files
 * are the .txt files under a labels/ (or Annotations/) folder, those beside
 * an image of the same stem, and any other .txt whose lines are YOLO lines
 * (a blank one beside them too). An image pairs with the label file of the
 * same path once images/ is read as labels/ (images/train/a.jpg with
 * labels/train/a.txt, train/images/a.jpg with train/labels/a.txt), and the
 * image's file name is that path without the images/ folder (train/a.jpg),
 * so the same name in two splits stays two inputs. An image without a label
 * file is an input without objects; a label file without an image has an
 * unknown size, unless annoport's own manifest (a YOLO export) names it.
 *
 * Lines: "class cx cy w h" (a box, normalized), "class x1 y1 x2 y2 ..."
 * (a polygon of three points or more: segments, and OBB's four corners),
 * or with data.yaml's kpt_shape a box followed by keypoints (the keypoints
 * are not converted). data.yaml is read by a narrow reader of the subset
 * YOLO uses: top-level keys, block and flow lists, maps of class ids,
 * quoted and plain scalars, comments.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "../src/internal.h"

extern const ap_reader ap_reader_yolo;

/* The reader's option: --split NAME. */
typedef struct {
    const char *split;
} yolo_read_opts;

typedef struct {
    char *stem;          /* root-relative path, no extension, no images/labels folder */
    const char *label;   /* container-relative (names owned by the list) */
    const char *image;
    int selected;        /* in the --split asked for */
    int listed;          /* named by a Darknet list file */
    char *list_pos;      /* "list.txt:LINE", for a listed image's error */
} y_item;

typedef struct {
    char *text;
    uint64_t line;
} y_entry;

typedef struct {
    char name[16];       /* train, val, test (Darknet: valid) */
    y_entry *v;
    size_t n, cap;
} y_split;

typedef struct {
    ap_context *ctx;
    ap_sink *sink;
    ap_container *c;
    ap_names files;      /* the container's files under consideration */
    char *root;          /* "" or "dir/" (container-relative) */
    const char *config;  /* the config file (container-relative), or NULL */
    int darknet;         /* the config is an obj.data */
    int single;          /* a label file given by itself: no splits */
    char **names;        /* class id -> name; NULL: not declared */
    size_t nnames, names_cap;
    int have_names;
    const char *names_file; /* where the names came from */
    y_split splits[6];
    size_t nsplits;
    char *subdir;        /* data.yaml's path: (root-relative, "" or "dir/") */
    long kpt_values;     /* kpt_shape's k * d, 0 without */
    int warned_kpt;
    ap_map *all, *dirs;  /* root-relative files and folders */
    ap_map *by_stem;     /* stem -> item index + 1 */
    ap_map *skip;        /* config, names and list files */
    y_item *items;
    size_t nitems, items_cap;
    cJSON *manifest;     /* annoport's own manifest of a YOLO export */
    ap_map *exported;    /* label path -> its manifest entry */
    double *xy;
    size_t xy_cap;
} yolo;

static const char *const IMAGE_EXT[] = {"jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff",
                                        "gif", "dng", "mpo", "heic", "pfm", NULL};

static int y_error(yolo *y, const char *rel, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int y_error(yolo *y, const char *rel, uint64_t line, const char *fmt, ...)
{
    char *disp = y->c ? ap_container_display(y->c, rel) : ap_strdup(rel);
    va_list ap;
    va_start(ap, fmt);
    int rc = ap_error_vat(y->ctx, AP_EDATA, disp ? disp : rel, line, 0, fmt, ap);
    va_end(ap);
    free(disp);
    return rc;
}

/* ---- names and paths ---- */

static const char *base_of(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The extension of the last component, without the dot, or NULL. */
static const char *ext_of(const char *p)
{
    const char *b = base_of(p), *d = strrchr(b, '.');
    return d && d > b ? d + 1 : NULL;
}

static int has_ext(const char *p, const char *ext)
{
    const char *e = ext_of(p);
    return e && strcasecmp(e, ext) == 0;
}

static int is_image(const char *p)
{
    const char *e = ext_of(p);
    for (int i = 0; e && IMAGE_EXT[i]; i++)
        if (strcasecmp(e, IMAGE_EXT[i]) == 0)
            return 1;
    return 0;
}

static int is_names_file(const char *p)
{
    return strcasecmp(base_of(p), "classes.txt") == 0 || has_ext(p, "names");
}

static int depth_of(const char *p)
{
    int d = 0;
    for (; *p; p++)
        d += *p == '/';
    return d;
}

/* Whether a folder component is one of the words (case-insensitive). */
static int comp_is(const char *p, size_t n, const char *a, const char *b)
{
    return (strlen(a) == n && strncasecmp(p, a, n) == 0) ||
           (b && strlen(b) == n && strncasecmp(p, b, n) == 0);
}

/* The stem of a root-relative path: the extension dropped, and the last
 * folder named images (an image) or labels / Annotations (a label file)
 * taken out. *in_dir is set when there was such a folder. */
static char *stem_of(const char *rel, int label, int *in_dir)
{
    const char *e = ext_of(rel);
    size_t n = e ? (size_t)(e - 1 - rel) : strlen(rel);
    const char *cut = NULL;
    size_t cutn = 0;
    for (const char *p = rel; p < rel + n;) {
        const char *s = memchr(p, '/', (size_t)(rel + n - p));
        if (!s)
            break;
        size_t len = (size_t)(s - p);
        if (label ? comp_is(p, len, "labels", "annotations") : comp_is(p, len, "images", NULL)) {
            cut = p;
            cutn = len + 1;
        }
        p = s + 1;
    }
    if (in_dir)
        *in_dir = cut != NULL;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    if (cut) {
        size_t a = (size_t)(cut - rel);
        memcpy(out, rel, a);
        memcpy(out + a, cut + cutn, n - a - cutn);
        out[n - cutn] = '\0';
    } else {
        memcpy(out, rel, n);
        out[n] = '\0';
    }
    return out;
}

static const char *root_rel(const yolo *y, const char *rel)
{
    return rel + strlen(y->root);
}

static int map_mark(ap_map *m, const char *key)
{
    return ap_map_put(m, key, (void *)1);
}

/* ---- probing ---- */

/* 1 when s holds only YOLO label lines (at least one), 0 otherwise; a last
 * line cut by the probe window is not judged. */
static int label_lines(const char *s, size_t len, int cut)
{
    int lines = 0;
    const char *end = s + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl && cut)
            break;
        const char *e = nl ? nl : end;
        char line[512];
        size_t n = (size_t)(e - s);
        s = nl ? nl + 1 : end;
        if (n >= sizeof line)
            return 0;
        memcpy(line, s - n - (nl ? 1 : 0), n);
        line[n] = '\0';
        int fields = 0;
        char *save = NULL;
        for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
            char *x;
            if (fields == 0) {
                if (!isdigit((unsigned char)*t))
                    return 0;
                strtol(t, &x, 10);
            } else {
                strtod(t, &x);
            }
            if (*x)
                return 0;
            fields++;
        }
        if (fields == 0)
            continue;
        if (fields < 5)
            return 0;
        lines++;
    }
    return lines > 0;
}

static int yolo_probe(const ap_probe *p)
{
    const char *s = (const char *)p->buf;
    if (memchr(s, '\0', p->len))
        return 0;
    if (has_ext(p->name, "yaml") || has_ext(p->name, "yml")) {
        for (const char *l = s; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
            if (!strncmp(l, "names:", 6) || !strncmp(l, "train:", 6) || !strncmp(l, "val:", 4))
                return 90;
        return 0;
    }
    if (has_ext(p->name, "data"))
        return strstr(s, "classes") && strstr(s, "=") && (strstr(s, "names") || strstr(s, "train"))
                   ? 90
                   : 0;
    if (is_names_file(p->name))
        return p->len > 0 ? 20 : 0;
    if (label_lines(s, p->len, p->len >= AP_PROBE_BYTES))
        return has_ext(p->name, "txt") ? 60 : 30;
    return 0;
}

/* ---- files ---- */

static int slurp(yolo *y, const char *rel, char **text, size_t *len)
{
    ap_stream *s = ap_container_open_file(y->ctx, y->c, rel);
    if (!s)
        return y->ctx->err;
    int rc = ap_stream_slurp(y->ctx, s, y->ctx->opt.max_record, text, len);
    ap_stream_close(s);
    return rc;
}

/* The next line of a text (CR and a UTF-8 BOM dropped); NULL at the end. */
static char *next_line(char **at)
{
    char *l = *at;
    if (!l || !*l)
        return NULL;
    char *nl = strchr(l, '\n');
    if (nl) {
        *nl = '\0';
        *at = nl + 1;
    } else {
        *at = l + strlen(l);
    }
    if (!memcmp(l, "\xEF\xBB\xBF", 3))
        l += 3;
    size_t n = strlen(l);
    while (n && (l[n - 1] == '\r' || l[n - 1] == ' ' || l[n - 1] == '\t'))
        l[--n] = '\0';
    return l;
}

static int set_name(yolo *y, long id, const char *name, const char *rel, uint64_t line)
{
    if (id < 0 || id > 1000000)
        return y_error(y, rel, line, "class id %ld is not in 0..1000000", id);
    if ((size_t)id >= y->nnames) {
        if (ap_grow(&y->names, &y->names_cap, (size_t)id + 1, sizeof *y->names) != 0)
            return ap_error_nomem(y->ctx);
        memset(y->names + y->nnames, 0, ((size_t)id + 1 - y->nnames) * sizeof *y->names);
        y->nnames = (size_t)id + 1;
    }
    free(y->names[id]);
    y->names[id] = *name ? ap_strdup(name) : NULL;
    if (*name && !y->names[id])
        return ap_error_nomem(y->ctx);
    y->have_names = 1;
    return AP_OK;
}

/* classes.txt, obj.names: one name a line, numbered from 0; blank lines at
 * the end do not count (a blank line inside is a class without a name). */
static int load_names_file(yolo *y, const char *rel)
{
    char *text = NULL;
    size_t len = 0;
    int rc = slurp(y, rel, &text, &len);
    long id = 0, last = -1;
    char *at = text;
    for (char *l; rc == AP_OK && (l = next_line(&at)) != NULL; id++) {
        while (*l == ' ' || *l == '\t')
            l++;
        if (*l)
            last = id;
        rc = set_name(y, id, l, rel, (uint64_t)id + 1);
    }
    for (size_t i = (size_t)(last + 1); i < y->nnames; i++) {
        free(y->names[i]);
        y->names[i] = NULL;
    }
    if (rc == AP_OK && last >= 0)
        y->nnames = (size_t)last + 1;
    free(text);
    y->names_file = rel;
    return rc;
}

/* ---- data.yaml: the subset YOLO writes ---- */

/* Cuts a comment (a # at the start or after white space, outside quotes). */
static void cut_comment(char *l)
{
    char q = 0;
    for (char *p = l; *p; p++) {
        if (q) {
            if (*p == '\\' && q == '"' && p[1])
                p++;
            else if (*p == q)
                q = 0;
        } else if (*p == '"' || *p == '\'') {
            q = *p;
        } else if (*p == '#' && (p == l || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* A scalar: "..." (with \" \\ \n \t \xNN escapes), '...' ('' is '), or plain. */
static char *unquote(char *s)
{
    s = trim(s);
    if (*s != '"' && *s != '\'')
        return s;
    char q = *s, *w = s;
    for (const char *r = s + 1; *r; r++) {
        if (*r == q && q == '\'' && r[1] == '\'') {
            *w++ = *r++;
        } else if (*r == q) {
            break;
        } else if (q == '"' && *r == '\\' && r[1]) {
            r++;
            if (*r == 'n')
                *w++ = '\n';
            else if (*r == 't')
                *w++ = '\t';
            else if (*r == 'x' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
                char hex[3] = {r[1], r[2], 0};
                *w++ = (char)strtol(hex, NULL, 16);
                r += 2;
            } else {
                *w++ = *r;
            }
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return s;
}

/* The position of the key's colon (": " or a final ':'), outside quotes. */
static char *key_colon(char *l)
{
    char q = 0;
    for (char *p = l; *p; p++) {
        if (q) {
            if (*p == q)
                q = 0;
        } else if (*p == '"' || *p == '\'') {
            q = *p;
        } else if (*p == ':' && (p[1] == ' ' || p[1] == '\t' || !p[1])) {
            return p;
        }
    }
    return NULL;
}

/* Splits a flow collection's inside on commas outside quotes. */
static size_t flow_items(char *s, char **out, size_t max)
{
    size_t n = 0;
    char q = 0, *start = s;
    for (char *p = s;; p++) {
        if (q && *p) {
            if (*p == q)
                q = 0;
            continue;
        }
        if (*p == '"' || *p == '\'') {
            q = *p;
        } else if (*p == ',' || !*p) {
            int end = !*p;
            *p = '\0';
            if (n < max && *trim(start))
                out[n++] = start;
            start = p + 1;
            if (end)
                break;
        }
    }
    return n;
}

static y_split *split_of(yolo *y, const char *name)
{
    for (size_t i = 0; i < y->nsplits; i++)
        if (!strcmp(y->splits[i].name, name))
            return &y->splits[i];
    if (y->nsplits == sizeof y->splits / sizeof y->splits[0])
        return NULL;
    y_split *s = &y->splits[y->nsplits++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

static int split_add(yolo *y, const char *split, const char *text, uint64_t line)
{
    y_split *s = split_of(y, split);
    if (!s || !*text)
        return AP_OK;
    if (ap_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v) != 0)
        return ap_error_nomem(y->ctx);
    s->v[s->n].text = ap_strdup(text);
    s->v[s->n].line = line;
    if (!s->v[s->n].text)
        return ap_error_nomem(y->ctx);
    s->n++;
    return AP_OK;
}

static int is_split_key(const char *k)
{
    return !strcmp(k, "train") || !strcmp(k, "val") || !strcmp(k, "test");
}

/* One value of a top-level key, or one item of its block. */
static int yaml_value(yolo *y, const char *rel, const char *key, char *val, uint64_t line,
                      const char *item_key)
{
    char *items[4096];
    if (!strcmp(key, "names")) {
        if (item_key) { /* "  3: name" */
            char *end;
            long id = strtol(trim((char *)item_key), &end, 10);
            if (*end || end == item_key)
                return y_error(y, rel, line, "names: \"%s\" is not a class number", item_key);
            return set_name(y, id, unquote(val), rel, line);
        }
        if (*val == '[' || *val == '{') {
            size_t n = strlen(val);
            char close = *val == '[' ? ']' : '}';
            if (val[n - 1] != close)
                return y_error(y, rel, line, "names: the %s is not closed on its line",
                               close == ']' ? "list" : "map");
            val[n - 1] = '\0';
            size_t k = flow_items(val + 1, items, sizeof items / sizeof *items);
            for (size_t i = 0; i < k; i++) {
                int rc;
                if (close == ']') {
                    rc = set_name(y, (long)y->nnames, unquote(items[i]), rel, line);
                } else {
                    char *colon = key_colon(items[i]);
                    if (!colon)
                        return y_error(y, rel, line, "names: \"%s\" is not ID: NAME",
                                       trim(items[i]));
                    *colon = '\0';
                    rc = yaml_value(y, rel, key, colon + 1, line, items[i]);
                }
                if (rc)
                    return rc;
            }
            y->have_names = 1;
            return AP_OK;
        }
        return set_name(y, (long)y->nnames, unquote(val), rel, line); /* "- name" */
    }
    if (is_split_key(key)) {
        if (*val == '[' && val[strlen(val) - 1] == ']') {
            val[strlen(val) - 1] = '\0';
            size_t k = flow_items(val + 1, items, sizeof items / sizeof *items);
            for (size_t i = 0; i < k; i++) {
                int rc = split_add(y, key, unquote(items[i]), line);
                if (rc)
                    return rc;
            }
            return AP_OK;
        }
        return split_add(y, key, unquote(val), line);
    }
    if (!strcmp(key, "path") && !item_key) {
        free(y->subdir);
        y->subdir = ap_strdup(unquote(val));
        return y->subdir ? AP_OK : ap_error_nomem(y->ctx);
    }
    if (!strcmp(key, "kpt_shape") && *val == '[') {
        long k = 0, d = 0;
        if (sscanf(val, "[ %ld , %ld ]", &k, &d) != 2 || k < 1 || d < 2 || d > 3)
            return y_error(y, rel, line, "kpt_shape is [KEYPOINTS, 2 or 3], not %s", val);
        y->kpt_values = k * d;
    }
    return AP_OK;
}

static int load_yaml(yolo *y, const char *rel)
{
    char *text = NULL;
    size_t len = 0;
    int rc = slurp(y, rel, &text, &len);
    char key[64] = "";
    uint64_t line = 0;
    char *at = text;
    for (char *l; rc == AP_OK && (l = next_line(&at)) != NULL;) {
        line++;
        cut_comment(l);
        if (!*trim(l) || !strcmp(trim(l), "---"))
            continue;
        if (!strcmp(trim(l), "..."))
            break; /* the end of the document */
        if (*l != ' ' && *l != '\t' && *l != '-') {
            char *colon = key_colon(l);
            if (!colon) {
                key[0] = '\0';
                continue;
            }
            *colon = '\0';
            snprintf(key, sizeof key, "%s", unquote(l));
            char *val = trim(colon + 1);
            if (*val)
                rc = yaml_value(y, rel, key, val, line, NULL);
            continue;
        }
        if (!*key)
            continue;
        char *item = trim(l);
        if (item[0] == '-' && (item[1] == ' ' || item[1] == '\0')) {
            rc = yaml_value(y, rel, key, trim(item + 1), line, NULL);
        } else if (!strcmp(key, "names")) {
            char *colon = key_colon(item);
            if (!colon)
                rc = y_error(y, rel, line, "names: \"%s\" is neither \"- NAME\" nor \"ID: NAME\"",
                             item);
            else {
                *colon = '\0';
                rc = yaml_value(y, rel, key, colon + 1, line, item);
            }
        }
    }
    free(text);
    if (rc == AP_OK && y->have_names)
        y->names_file = rel;
    return rc;
}

/* obj.data: "key = value" lines (classes, train, valid, test, names). */
static int load_data(yolo *y, const char *rel, char **names_path, uint64_t *names_line)
{
    char *text = NULL;
    size_t len = 0;
    int rc = slurp(y, rel, &text, &len);
    uint64_t line = 0;
    char *at = text;
    for (char *l; rc == AP_OK && (l = next_line(&at)) != NULL;) {
        line++;
        char *eq = strchr(l, '=');
        if (!eq || *trim(l) == '#')
            continue;
        *eq = '\0';
        char *k = trim(l), *v = trim(eq + 1);
        if (!strcmp(k, "train") || !strcmp(k, "valid") || !strcmp(k, "test"))
            rc = split_add(y, k, v, line);
        else if (!strcmp(k, "names") && *v) {
            free(*names_path);
            *names_path = ap_strdup(v);
            *names_line = line;
            if (!*names_path)
                rc = ap_error_nomem(y->ctx);
        }
    }
    free(text);
    return rc;
}

/* ---- finding things in the tree ---- */

/* A path a config names, as a root-relative file or folder of the dataset:
 * itself, else with its leading folders dropped one at a time (Darknet's
 * "data/", an absolute path from the machine that made the list, Roboflow's
 * "../train/images"). NULL when nothing matches. *dir is set for a folder. */
static char *resolve(yolo *y, const char *path, int *dir)
{
    char *p = ap_strdup(path);
    if (!p)
        return NULL;
    for (char *b = p; *b; b++)
        if (*b == '\\')
            *b = '/';
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    const char *pre = y->subdir ? y->subdir : "";
    for (const char *s = p; s && *s;) {
        while (s[0] == '.' && s[1] == '/')
            s += 2;
        while (*s == '/')
            s++;
        for (int with = *pre ? 1 : 0; with >= 0; with--) {
            size_t m = strlen(pre) + strlen(s) + 1;
            char *cand = malloc(m);
            if (!cand) {
                free(p);
                return NULL;
            }
            snprintf(cand, m, "%s%s", with ? pre : "", s);
            if (!strcmp(cand, "."))
                cand[0] = '\0';
            *dir = !*cand || ap_map_get(y->dirs, cand) != NULL;
            if (*dir || ap_map_get(y->all, cand)) {
                free(p);
                return cand;
            }
            free(cand);
        }
        s = strchr(s, '/');
        if (s)
            s++;
    }
    free(p);
    return NULL;
}

static int outside(const char *path)
{
    return path[0] == '/' || !strncmp(path, "../", 3) || strstr(path, "/../") ||
           (path[0] && path[1] == ':');
}

static long item_of(yolo *y, const char *stem)
{
    void *v = ap_map_get(y->by_stem, stem);
    return v ? (long)((uintptr_t)v - 1) : -1;
}

/* The item of a stem, made when new; takes stem over. -1 out of memory. */
static long item_add(yolo *y, char *stem)
{
    if (!stem) {
        ap_error_nomem(y->ctx);
        return -1;
    }
    long k = item_of(y, stem);
    if (k >= 0) {
        free(stem);
        return k;
    }
    if (ap_grow(&y->items, &y->items_cap, y->nitems + 1, sizeof *y->items) != 0 ||
        ap_map_put(y->by_stem, stem, (void *)(uintptr_t)(y->nitems + 1)) != 0) {
        free(stem);
        ap_error_nomem(y->ctx);
        return -1;
    }
    memset(&y->items[y->nitems], 0, sizeof *y->items);
    y->items[y->nitems].stem = stem;
    return (long)y->nitems++;
}

/* A path named by a list (an image), as an item: the image itself, or the
 * label file of its stem. -1 when neither is in the dataset. */
static long listed_item(yolo *y, const char *path)
{
    int dir = 0;
    char *found = resolve(y, path, &dir);
    if (found && !dir && is_image(found)) {
        long k = item_add(y, stem_of(found, 0, NULL));
        if (k >= 0 && !y->items[k].image)
            y->items[k].image = ap_map_get(y->all, found);
        free(found);
        return k;
    }
    free(found);
    /* the image is not there: its label file may be (Darknet lists with a
     * prefix of their own, images not shipped) */
    char *p = ap_strdup(path);
    if (!p)
        return -1;
    for (const char *s = p; s && *s; s = strchr(s, '/'), s = s ? s + 1 : NULL) {
        char *stem = stem_of(s, 0, NULL);
        long k = stem ? item_of(y, stem) : -1;
        free(stem);
        if (k >= 0) {
            free(p);
            return k;
        }
    }
    free(p);
    return -1;
}

/* With select, selects the items of a split's folder (root-relative): its
 * images, and the label files of its labels/ counterpart. */
static int split_dir(yolo *y, const char *found, int select)
{
    size_t n = strlen(found) + 8;
    char *probe = malloc(n);
    char *sd = probe ? (snprintf(probe, n, "%s/x.jpg", found), stem_of(probe, 0, NULL)) : NULL;
    free(probe);
    if (!sd)
        return ap_error_nomem(y->ctx);
    size_t fl = strlen(found), sl = strlen(sd) - 1; /* sd is "DIR/x": "DIR/" */
    for (size_t i = 0; select && i < y->nitems; i++) {
        y_item *it = &y->items[i];
        const char *im = it->image ? root_rel(y, it->image) : NULL;
        if (!fl || (im && !strncmp(im, found, fl) && im[fl] == '/') ||
            (!im && !strncmp(it->stem, sd, sl)))
            it->selected = 1;
    }
    free(sd);
    return AP_OK;
}

/* Marks the items a split's list file (root-relative) names, one image
 * path a line: listed (Darknet) and, with select, selected. */
static int split_list(yolo *y, const char *found, int select)
{
    char full[4096];
    snprintf(full, sizeof full, "%s%s", y->root, found);
    char *text = NULL;
    size_t len = 0;
    int rc = slurp(y, full, &text, &len);
    char *at = text;
    uint64_t line = 0, no_image = 0, first_line = 0;
    char first[512] = "";
    for (char *l; rc == AP_OK && (l = next_line(&at)) != NULL;) {
        line++;
        l = trim(l);
        if (!*l || *l == '#')
            continue;
        long k = listed_item(y, l);
        if (k >= 0 && !y->items[k].image && !no_image++) {
            snprintf(first, sizeof first, "%s", l);
            first_line = line;
        }
        if (k == -1 && y->ctx->err)
            rc = y->ctx->err;
        else if (k < 0 && y->darknet)
            rc = y_error(y, full, line, "\"%s\": neither the image nor its label file is "
                         "in the dataset", l);
        else if (k < 0)
            ap_warn(y->ctx, "%s:%llu: \"%s\" is not in the dataset: skipped", full,
                    (unsigned long long)line, l);
        if (k >= 0 && select)
            y->items[k].selected = 1;
        if (k >= 0 && y->darknet && !y->items[k].listed) {
            y->items[k].listed = 1;
            size_t m = strlen(full) + 24;
            y->items[k].list_pos = malloc(m);
            if (y->items[k].list_pos)
                snprintf(y->items[k].list_pos, m, "%s\n%llu", full, (unsigned long long)line);
        }
    }
    /* an image the list names and the dataset lacks: its size is unknown */
    if (rc == AP_OK && no_image)
        ap_warn(y->ctx, "%s/%s:%llu: the image \"%s\"%s is not in the dataset: %s size "
                "is unknown, and a format in pixels rejects %s objects (give --sizes or "
                "--images)", ap_container_path(y->c), full, (unsigned long long)first_line,
                first, no_image > 1 ? " and others the list names" : "",
                no_image > 1 ? "their" : "its", no_image > 1 ? "their" : "its");
    free(text);
    return rc;
}

/* Marks the items of one split entry: a folder, a list file or an image. */
static int split_entry(yolo *y, const y_entry *e, int select)
{
    int dir = 0;
    char *found = resolve(y, e->text, &dir);
    if (!found) {
        if (y->exported) /* annoport's own export: labels only, images to be added */
            return AP_OK;
        if (outside(e->text)) {
            ap_warn(y->ctx, "%s:%llu: \"%s\" is outside the dataset and no folder of it "
                    "matches; the labels of the tree are read as found", y->config,
                    (unsigned long long)e->line, e->text);
            return AP_OK;
        }
        return y_error(y, y->config, e->line, "\"%s\": no such folder or file in the dataset",
                       e->text);
    }
    int rc = AP_OK;
    if (dir) {
        rc = split_dir(y, found, select);
    } else if (is_image(found)) {
        long k = listed_item(y, e->text);
        if (k < 0)
            rc = ap_error_nomem(y->ctx);
        else if (select)
            y->items[k].selected = 1;
    } else {
        rc = split_list(y, found, select);
    }
    free(found);
    return rc;
}

/* ---- label lines ---- */

/* The object of a label line whose nv numbers are in y->xy: a box (cx cy
 * w h) or a polygon. */
static int line_object(yolo *y, ap_input *in, const ap_srcpos *pos, const char *label,
                       size_t nv)
{
    ap_object o;
    memset(&o, 0, sizeof o);
    o.pos = *pos;
    o.input = in;
    o.units = AP_UNITS_NORMALIZED;
    o.value = 1;
    o.concept = ap_sink_add_concept(y->sink, label);
    if (!o.concept)
        return y->ctx->err;
    const double *part = y->xy;
    size_t part_len = nv;
    if (nv == 4) {
        o.box_form = AP_BOX_XYXY;
        /* edges as yolo_write.c expects them (its center_size) */
        o.box[0] = y->xy[0] - y->xy[2] / 2;
        o.box[2] = y->xy[0] + y->xy[2] / 2;
        o.box[1] = y->xy[1] - y->xy[3] / 2;
        o.box[3] = y->xy[1] + y->xy[3] / 2;
    } else { /* a polygon, as a Clarifai polygon: no box of its own */
        o.box_form = AP_BOX_NONE;
        o.nparts = 1;
        o.parts = &part;
        o.part_len = &part_len;
    }
    return ap_sink_add_object(y->sink, &o);
}

static int parse_line(yolo *y, ap_input *in, const char *rel, const char *disp, char *l,
                      uint64_t line, int64_t index)
{
    char *tok[8192];
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(l, " \t\r\v\f", &save); t; t = strtok_r(NULL, " \t\r\v\f", &save)) {
        if (n == sizeof tok / sizeof *tok)
            return y_error(y, rel, line, "more than %zu fields on one line", n);
        tok[n++] = t;
    }
    if (n == 0 || tok[0][0] == '#')
        return AP_OK;
    size_t want = y->kpt_values ? 5 + (size_t)y->kpt_values : 0;
    if (want && n != want)
        return y_error(y, rel, line, "a pose line (kpt_shape) has %zu fields: class cx cy w h "
                       "and %ld keypoint values; this one has %zu", want, y->kpt_values, n);
    if (!want && n != 5 && (n < 7 || n % 2 == 0))
        return y_error(y, rel, line, "a YOLO label line is \"class cx cy w h\" (5 fields) or "
                       "\"class x1 y1 x2 y2 x3 y3 ...\" (7 or more, an odd count); this one has "
                       "%zu", n);
    char *end;
    double cls = strtod(tok[0], &end);
    if (*end || !(cls >= 0) || cls != floor(cls) || cls > 1e9)
        return y_error(y, rel, line, "the class \"%s\" is not a whole number", tok[0]);
    char num[32];
    snprintf(num, sizeof num, "%.0f", cls);
    const char *label = num;
    ap_srcpos pos = {disp, line, index};
    if (y->have_names) {
        size_t k = (size_t)cls;
        if (k >= y->nnames || !y->names[k])
            return ap_sink_add_reject(y->sink, &pos, in->id, num, "unknown_category",
                                  "class %s is not one of the names in %s", num,
                                  y->names_file ? y->names_file : "the config");
        label = y->names[k];
    }
    size_t nv = want ? 4 : n - 1;
    if (ap_grow(&y->xy, &y->xy_cap, nv, sizeof *y->xy) != 0)
        return ap_error_nomem(y->ctx);
    for (size_t i = 0; i < nv; i++) {
        y->xy[i] = strtod(tok[i + 1], &end);
        if (*end || end == tok[i + 1]) {
            static const char *const box[4] = {"cx", "cy", "w", "h"};
            char what[48];
            if (nv == 4)
                snprintf(what, sizeof what, "%s", box[i]);
            else
                snprintf(what, sizeof what, "the %c of point %zu", i % 2 ? 'y' : 'x', i / 2 + 1);
            return ap_sink_add_reject(y->sink, &pos, in->id, label, "invalid_coordinate",
                                  "%s is \"%s\", not a number", what, tok[i + 1]);
        }
    }
    if (want && !y->warned_kpt) {
        y->warned_kpt = 1;
        ap_warn(y->ctx, "%s: keypoints (kpt_shape) are not converted; their boxes are", disp);
    }
    return line_object(y, in, &pos, label, nv);
}

static int read_labels(yolo *y, ap_input *in, const char *rel)
{
    char *text = NULL, *disp = ap_container_display(y->c, rel);
    size_t len = 0;
    int rc = disp ? slurp(y, rel, &text, &len) : ap_error_nomem(y->ctx);
    if (rc == AP_OK && memchr(text, '\0', len))
        rc = y_error(y, rel, 0, "not a YOLO label file: it holds a NUL byte");
    char *at = text;
    uint64_t line = 0;
    int64_t index = 0;
    for (char *l; rc == AP_OK && (l = next_line(&at)) != NULL;) {
        line++;
        uint64_t before = y->ctx->counts.objects_read;
        rc = parse_line(y, in, rel, disp, l, line, index);
        index += y->ctx->counts.objects_read > before;
    }
    free(text);
    free(disp);
    return rc;
}

/* ---- the dataset ---- */


/* annoport's manifest beside a YOLO export: the file names and sizes of the
 * images that it does not ship. */
static int load_manifest(yolo *y)
{
    char rel[4096];
    snprintf(rel, sizeof rel, "%smanifest.json", y->root);
    if (!ap_map_get(y->all, "manifest.json"))
        return AP_OK;
    char *text = NULL;
    size_t len = 0;
    int rc = slurp(y, rel, &text, &len);
    if (rc)
        return rc;
    y->manifest = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *tool = cJSON_GetObjectItemCaseSensitive(y->manifest, "tool");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(y->manifest, "target"), "format");
    if (!cJSON_IsString(tool) || strcmp(tool->valuestring, "annoport") ||
        !cJSON_IsString(fmt) || strcmp(fmt->valuestring, "yolo"))
        return AP_OK;
    if (!(y->exported = ap_map_new()))
        return ap_error_nomem(y->ctx);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(y->manifest, "inputs"))
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "file_name");
        if (!cJSON_IsString(id) || !cJSON_IsString(name))
            continue;
        char *p = ap_yolo_label_path(name->valuestring, id->valuestring);
        if (!p || ap_map_put(y->exported, p, (void *)e) != 0) {
            free(p);
            return ap_error_nomem(y->ctx);
        }
        free(p);
    }
    return AP_OK;
}

/* The config: the shallowest data.yaml (or .yml with names or splits),
 * obj.data, or names list. */
static int find_config(yolo *y)
{
    int best_depth = -1, best_rank = 0;
    for (size_t i = 0; i < y->files.n; i++) {
        const char *f = y->files.v[i];
        int rank = has_ext(f, "yaml") || has_ext(f, "yml") ? 3 : has_ext(f, "data") ? 2
                   : is_names_file(f)                      ? 1
                                                           : 0;
        int d = depth_of(f);
        if (!rank || (best_depth >= 0 && (d > best_depth || (d == best_depth && rank <= best_rank))))
            continue;
        if (rank >= 2) { /* only a YOLO one */
            char *text = NULL;
            size_t len = 0;
            int rc = slurp(y, f, &text, &len);
            if (rc)
                return rc;
            ap_probe p = {f, (const unsigned char *)text, len};
            int ok = yolo_probe(&p) > 0;
            free(text);
            if (!ok)
                continue;
        }
        best_depth = d;
        best_rank = rank;
        y->config = f;
    }
    y->darknet = best_rank == 2;
    const char *slash = y->config ? strrchr(y->config, '/') : NULL;
    y->root = slash ? ap_strndup(y->config, (size_t)(slash - y->config + 1)) : ap_strdup("");
    return y->root ? AP_OK : ap_error_nomem(y->ctx);
}

static int cmp_items(const void *a, const void *b)
{
    return strcmp(((const y_item *)a)->stem, ((const y_item *)b)->stem);
}

static int read_item(yolo *y, y_item *it)
{
    const char *ext = it->image ? ext_of(it->image) : NULL;
    size_t n = strlen(it->stem) + (ext ? strlen(ext) + 2 : 1);
    char *name = malloc(n);
    if (!name)
        return ap_error_nomem(y->ctx);
    snprintf(name, n, "%s%s%s", it->stem, ext ? "." : "", ext ? ext : "");
    int64_t w = 0, h = 0;
    if (it->image) {
        if (!ap_container_is_zip(y->c)) {
            char *p = ap_container_display(y->c, it->image);
            if (p && !ap_image_size(p, &w, &h))
                w = h = 0;
            free(p);
        } else {
            ap_stream *s = ap_container_open_file(y->ctx, y->c, it->image);
            if (!s || !ap_image_size_stream(y->ctx, s, &w, &h))
                w = h = 0;
            ap_stream_close(s);
            if (y->ctx->err) {
                free(name);
                return y->ctx->err;
            }
        }
    }
    const cJSON *e = it->label && y->exported
                         ? ap_map_get(y->exported, root_rel(y, it->label))
                         : NULL;
    if (e && !it->image) {
        const cJSON *fn = cJSON_GetObjectItemCaseSensitive(e, "file_name");
        const cJSON *jw = cJSON_GetObjectItemCaseSensitive(e, "width");
        const cJSON *jh = cJSON_GetObjectItemCaseSensitive(e, "height");
        free(name);
        name = ap_strdup(fn->valuestring);
        if (!name)
            return ap_error_nomem(y->ctx);
        if (cJSON_IsNumber(jw) && cJSON_IsNumber(jh) && jw->valuedouble > 0 &&
            jh->valuedouble > 0) {
            w = (int64_t)jw->valuedouble;
            h = (int64_t)jh->valuedouble;
        }
    }
    char *disp = ap_container_display(y->c, it->label ? it->label : it->image);
    ap_image_desc d = {NULL, name, w, h, 0, 0, {disp ? disp : "-", 0, -1}};
    ap_input *in = disp ? ap_sink_add_input(y->sink, &d) : NULL;
    free(name);
    free(disp);
    if (!in)
        return y->ctx->err ? y->ctx->err : ap_error_nomem(y->ctx);
    return it->label ? read_labels(y, in, it->label) : AP_OK;
}

/* ---- the tree ---- */

/* y->all and y->dirs: the files and folders under the root, root-relative
 * (and the other maps read_tree fills). */
static int tree_index(yolo *y)
{
    ap_context *ctx = y->ctx;
    size_t rl = strlen(y->root);
    y->all = ap_map_new();
    y->dirs = ap_map_new();
    y->by_stem = ap_map_new();
    y->skip = ap_map_new();
    if (!y->all || !y->dirs || !y->by_stem || !y->skip)
        return ap_error_nomem(ctx);
    for (size_t i = 0; i < y->files.n; i++) {
        const char *f = y->files.v[i];
        if (strncmp(f, y->root, rl) != 0)
            continue;
        f += rl;
        if (ap_map_put(y->all, f, y->files.v[i]) != 0)
            return ap_error_nomem(ctx);
        char *d = ap_strdup(f);
        if (!d)
            return ap_error_nomem(ctx);
        for (char *s = strrchr(d, '/'); s; s = strrchr(d, '/')) {
            *s = '\0';
            if (ap_map_get(y->dirs, d))
                break;
            if (map_mark(y->dirs, d) != 0) {
                free(d);
                return ap_error_nomem(ctx);
            }
        }
        free(d);
    }
    return AP_OK;
}

/* data.yaml's path: kept ("dir/") when it is a folder inside the dataset,
 * dropped otherwise. */
static int tree_subdir(yolo *y)
{
    size_t n = strlen(y->subdir);
    while (n && y->subdir[n - 1] == '/')
        y->subdir[--n] = '\0';
    int dir = !strcmp(y->subdir, ".") || !*y->subdir ||
              (!outside(y->subdir) && ap_map_get(y->dirs, y->subdir));
    if (!dir || !strcmp(y->subdir, ".") || !*y->subdir || outside(y->subdir)) {
        free(y->subdir);
        y->subdir = NULL;
        return AP_OK;
    }
    char *s = malloc(n + 2);
    if (!s)
        return ap_error_nomem(y->ctx);
    snprintf(s, n + 2, "%s/", y->subdir);
    free(y->subdir);
    y->subdir = s;
    return AP_OK;
}

/* obj.data's names = data/obj.names, given on line names_line. */
static int tree_names_path(yolo *y, const char *names_path, uint64_t names_line)
{
    int dir = 0, rc;
    char *f = resolve(y, names_path, &dir);
    if (!f || dir)
        rc = y_error(y, y->config, names_line, "names = %s: no such file in the dataset",
                     names_path);
    else {
        rc = load_names_file(y, ap_map_get(y->all, f));
        if (rc == AP_OK)
            rc = map_mark(y->skip, f) ? ap_error_nomem(y->ctx) : AP_OK;
    }
    free(f);
    return rc;
}

/* The config: class names and splits. The files it names (names and list
 * files) go into y->skip: they are not label files. */
static int tree_config(yolo *y)
{
    ap_context *ctx = y->ctx;
    char *names_path = NULL;
    uint64_t names_line = 0;
    int rc = AP_OK;
    if (y->config) {
        if (map_mark(y->skip, root_rel(y, y->config)) != 0)
            return ap_error_nomem(ctx);
        if (is_names_file(y->config))
            rc = load_names_file(y, y->config);
        else if (y->darknet)
            rc = load_data(y, y->config, &names_path, &names_line);
        else
            rc = load_yaml(y, y->config);
    }
    if (rc == AP_OK && y->subdir) /* data.yaml's path: inside the dataset only */
        rc = tree_subdir(y);
    if (rc == AP_OK && names_path)
        rc = tree_names_path(y, names_path, names_line);
    free(names_path);
    if (rc)
        return rc;
    if (!y->have_names) { /* a names list beside data.yaml, or in a lone root */
        static const char *const lists[] = {"classes.txt", "obj.names", NULL};
        for (int i = 0; lists[i] && !y->have_names; i++) {
            const char *f = ap_map_get(y->all, lists[i]);
            if (f && (rc = load_names_file(y, f)) != AP_OK)
                return rc;
        }
    }
    /* list files named by the splits are not label files */
    for (size_t s = 0; rc == AP_OK && s < y->nsplits; s++)
        for (size_t i = 0; rc == AP_OK && i < y->splits[s].n; i++) {
            int dir = 0;
            char *f = resolve(y, y->splits[s].v[i].text, &dir);
            if (f && !dir && has_ext(f, "txt") && map_mark(y->skip, f) != 0)
                rc = ap_error_nomem(ctx);
            free(f);
        }
    return rc;
}

/* What the .txt file f is: 1 a label file (under labels/, beside an image
 * of its stem, or of YOLO lines), 2 a blank one (a label file when beside
 * others), else 0, said. */
static int tree_label_kind(yolo *y, const char *f, const ap_map *image_stems,
                           unsigned char *kind)
{
    ap_context *ctx = y->ctx;
    int in_dir = 0;
    char *st = stem_of(root_rel(y, f), 1, &in_dir);
    if (!st)
        return ap_error_nomem(ctx);
    int named = in_dir || ap_map_get(image_stems, st) || y->single;
    free(st);
    if (named) {
        *kind = 1;
        return AP_OK;
    }
    ap_stream *s = ap_container_open_file(ctx, y->c, f);
    unsigned char buf[AP_PROBE_BYTES + 1];
    size_t len = 0;
    ssize_t got;
    while (s && len < AP_PROBE_BYTES &&
           (got = ap_stream_read(ctx, s, buf + len, AP_PROBE_BYTES - len)) > 0)
        len += (size_t)got;
    ap_stream_close(s);
    if (ctx->err)
        return ctx->err;
    buf[len] = '\0';
    int blank = 1;
    for (size_t k = 0; k < len; k++)
        blank = blank && isspace(buf[k]);
    if (blank)
        *kind = 2;
    else if (label_lines((const char *)buf, len, len >= AP_PROBE_BYTES))
        *kind = 1;
    else
        ap_warn(ctx, "%s/%s: skipped: not a YOLO label file", ap_container_path(y->c), f);
    return AP_OK;
}

/* The folder of a container-relative path; NULL out of memory. */
static char *tree_dir_of(const char *f)
{
    const char *slash = strrchr(f, '/');
    return ap_strndup(f, slash ? (size_t)(slash - f) : 0);
}

/* The images' stems, then each .txt file's kind (kind[i], 1 label, 2
 * blank) and the folders of the label files (label_dirs). */
static int tree_label_kinds(yolo *y, unsigned char *kind, ap_map *label_dirs)
{
    ap_context *ctx = y->ctx;
    size_t rl = strlen(y->root);
    ap_map *image_stems = ap_map_new();
    int rc = image_stems ? AP_OK : ap_error_nomem(ctx);
    for (size_t i = 0; rc == AP_OK && i < y->files.n; i++) {
        const char *f = y->files.v[i];
        if (!strncmp(f, y->root, rl) && is_image(f)) {
            char *st = stem_of(f + rl, 0, NULL);
            if (!st || map_mark(image_stems, st) != 0)
                rc = ap_error_nomem(ctx);
            free(st);
        }
    }
    for (size_t i = 0; rc == AP_OK && i < y->files.n; i++) {
        const char *f = y->files.v[i];
        if (strncmp(f, y->root, rl) != 0 || !has_ext(f, "txt") || ap_map_get(y->skip, f + rl) ||
            is_names_file(f) || !strncasecmp(base_of(f), "readme", 6) ||
            !strncasecmp(base_of(f), "license", 7))
            continue;
        rc = tree_label_kind(y, f, image_stems, &kind[i]);
        if (rc == AP_OK && kind[i] == 1) {
            char *dir = tree_dir_of(f);
            if (!dir || map_mark(label_dirs, dir) != 0)
                rc = ap_error_nomem(ctx);
            free(dir);
        }
    }
    ap_map_free(image_stems);
    return rc;
}

/* The label files as items: under labels/, beside an image of their stem,
 * or of YOLO lines; a blank one beside them too. Their folders go into
 * label_dirs. */
static int tree_labels(yolo *y, ap_map *label_dirs)
{
    ap_context *ctx = y->ctx;
    unsigned char *kind = y->files.n ? calloc(y->files.n, 1) : NULL;
    if (y->files.n && !kind)
        return ap_error_nomem(ctx);
    int rc = tree_label_kinds(y, kind, label_dirs);
    for (size_t i = 0; rc == AP_OK && i < y->files.n; i++) {
        const char *f = y->files.v[i];
        char *dir = tree_dir_of(f);
        if (!dir) {
            rc = ap_error_nomem(ctx);
            break;
        }
        int beside = ap_map_get(label_dirs, dir) != NULL;
        free(dir);
        if (kind[i] == 1 || (kind[i] == 2 && beside)) {
            long k = item_add(y, stem_of(root_rel(y, f), 1, NULL));
            if (k < 0)
                rc = ctx->err;
            else if (y->items[k].label)
                ap_warn(ctx, "%s/%s: a second label file for \"%s\": skipped",
                        ap_container_path(y->c), f, y->items[k].stem);
            else
                y->items[k].label = f;
        }
    }
    free(kind);
    return rc;
}

/* The images as items: under images/, beside label files, or with a label
 * file. */
static int tree_images(yolo *y, const ap_map *label_dirs)
{
    ap_context *ctx = y->ctx;
    size_t rl = strlen(y->root);
    int rc = AP_OK;
    for (size_t i = 0; rc == AP_OK && i < y->files.n; i++) {
        const char *f = y->files.v[i];
        if (strncmp(f, y->root, rl) != 0 || !is_image(f))
            continue;
        int in_dir = 0;
        char *st = stem_of(f + rl, 0, &in_dir);
        if (!st) {
            rc = ap_error_nomem(ctx);
            break;
        }
        long k = item_of(y, st);
        char *dir = tree_dir_of(f);
        int beside = dir && ap_map_get(label_dirs, dir) != NULL;
        free(dir);
        if (k < 0 && !in_dir && !beside) {
            free(st);
            continue;
        }
        k = item_add(y, st);
        if (k < 0)
            rc = ctx->err;
        else if (!y->items[k].image)
            y->items[k].image = f;
    }
    return rc;
}

/* The items to read: every one, or with --split those of the split asked
 * for, which must be found. */
static int tree_select(yolo *y)
{
    ap_context *ctx = y->ctx;
    if (y->single) {
        for (size_t i = 0; i < y->nitems; i++)
            y->items[i].selected = 1;
        return AP_OK;
    }
    const yolo_read_opts *o = ap_plugin_options_get(ctx, &ap_reader_yolo.options);
    const char *want = o->split;
    y_split *chosen = NULL;
    for (size_t s = 0; want && s < y->nsplits; s++)
        if (!strcmp(y->splits[s].name, want) ||
            (!strcmp(want, "val") && !strcmp(y->splits[s].name, "valid")) ||
            (!strcmp(want, "valid") && !strcmp(y->splits[s].name, "val")))
            chosen = &y->splits[s];
    if (want && !chosen) {
        char have[128] = "";
        for (size_t s = 0; s < y->nsplits; s++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s",
                     s ? ", " : "", y->splits[s].name);
        return ap_error(ctx, AP_EUSAGE, "--split %s: %s names no such split%s%s%s", want,
                        y->config ? y->config : ap_container_path(y->c),
                        *have ? " (it has " : "", have, *have ? ")" : "");
    }
    int rc = AP_OK;
    for (size_t s = 0; rc == AP_OK && s < y->nsplits; s++)
        for (size_t i = 0; rc == AP_OK && i < y->splits[s].n; i++)
            rc = split_entry(y, &y->splits[s].v[i], &y->splits[s] == chosen);
    for (size_t i = 0; !want && i < y->nitems; i++)
        y->items[i].selected = 1;
    return rc;
}

/* Darknet reads a label file for every image a list names. */
static int tree_check_listed(yolo *y)
{
    for (size_t i = 0; i < y->nitems; i++)
        if (y->items[i].listed && !y->items[i].label && y->items[i].selected) {
            char *nl = strchr(y->items[i].list_pos, '\n');
            *nl = '\0';
            return y_error(y, y->items[i].list_pos, strtoull(nl + 1, NULL, 10),
                           "\"%s\" has no label file (%s.txt); Darknet reads one for every "
                           "listed image", y->items[i].image ? y->items[i].image : y->items[i].stem,
                           y->items[i].stem);
        }
    return AP_OK;
}

static int read_tree(yolo *y)
{
    int rc = find_config(y);
    if (rc == AP_OK)
        rc = tree_index(y);
    if (rc == AP_OK)
        rc = tree_config(y);
    if (rc == AP_OK)
        rc = load_manifest(y);
    if (rc)
        return rc;
    ap_map *label_dirs = ap_map_new();
    if (!label_dirs)
        return ap_error_nomem(y->ctx);
    rc = tree_labels(y, label_dirs);
    if (rc == AP_OK)
        rc = tree_images(y, label_dirs);
    ap_map_free(label_dirs);
    if (rc == AP_OK)
        rc = tree_select(y);
    if (rc == AP_OK)
        rc = tree_check_listed(y);
    if (rc)
        return rc;
    if (y->nitems == 0)
        return ap_error(y->ctx, AP_EDATA, "%s: no YOLO label file or image in this dataset",
                        ap_container_path(y->c));
    qsort(y->items, y->nitems, sizeof *y->items, cmp_items);
    for (size_t i = 0; rc == AP_OK && i < y->nitems; i++)
        if (y->items[i].selected)
            rc = read_item(y, &y->items[i]);
    return rc;
}

static void yolo_free(yolo *y)
{
    for (size_t i = 0; i < y->nnames; i++)
        free(y->names[i]);
    free(y->names);
    for (size_t s = 0; s < y->nsplits; s++) {
        for (size_t i = 0; i < y->splits[s].n; i++)
            free(y->splits[s].v[i].text);
        free(y->splits[s].v);
    }
    for (size_t i = 0; i < y->nitems; i++) {
        free(y->items[i].stem);
        free(y->items[i].list_pos);
    }
    free(y->items);
    free(y->root);
    free(y->subdir);
    free(y->xy);
    ap_map_free(y->all);
    ap_map_free(y->dirs);
    ap_map_free(y->by_stem);
    ap_map_free(y->skip);
    ap_map_free(y->exported);
    cJSON_Delete(y->manifest);
    ap_names_free(&y->files);
}

/* A label file by itself (standard input): class numbers as labels, the
 * image unknown. */
static int read_alone(yolo *y, const ap_source *src)
{
    char *text = NULL;
    size_t len = 0;
    int rc = ap_stream_slurp(y->ctx, src->stream, y->ctx->opt.max_record, &text, &len);
    if (rc)
        return rc;
    ap_image_desc d = {NULL, src->path, 0, 0, 0, 0, {src->path, 0, -1}};
    ap_input *in = ap_sink_add_input(y->sink, &d);
    char *at = text;
    uint64_t line = 0;
    int64_t index = 0;
    for (char *l; in && rc == AP_OK && (l = next_line(&at)) != NULL;) {
        uint64_t before = y->ctx->counts.objects_read;
        rc = parse_line(y, in, src->path, src->path, l, ++line, index);
        index += y->ctx->counts.objects_read > before;
    }
    free(text);
    return in ? rc : y->ctx->err;
}

static int yolo_read(ap_context *ctx, const ap_source *src, ap_sink *sink, void *priv)
{
    (void)priv;
    yolo y;
    memset(&y, 0, sizeof y);
    y.ctx = ctx;
    y.sink = sink;
    int rc = AP_OK;
    ap_container *own = NULL;
    if (src->container) { /* the whole tree, through its container */
        y.c = src->container;
        rc = ap_container_list(ctx, y.c, &y.files);
    } else if (strcmp(src->path, "-") == 0) {
        rc = read_alone(&y, src);
        yolo_free(&y);
        return rc;
    } else { /* a file given by itself: the folder it is in */
        const char *slash = strrchr(src->path, '/');
        char *dir = slash ? ap_strndup(src->path, (size_t)(slash - src->path)) : ap_strdup(".");
        if (!dir)
            return ap_error_nomem(ctx);
        rc = ap_container_open(ctx, *dir ? dir : "/", &own);
        free(dir);
        y.c = own;
        const char *base = base_of(src->path);
        if (rc == AP_OK && (has_ext(base, "yaml") || has_ext(base, "yml") ||
                            has_ext(base, "data") || is_names_file(base))) {
            rc = ap_container_list(ctx, y.c, &y.files);
        } else if (rc == AP_OK) { /* one label file, its image and names beside it */
            y.single = 1;
            static const char *const beside[] = {"classes.txt", "obj.names", "data.yaml", NULL};
            rc = ap_names_take(ctx, &y.files, ap_strdup(base));
            for (int i = 0; rc == AP_OK && beside[i]; i++)
                if (ap_container_has(y.c, beside[i]))
                    rc = ap_names_take(ctx, &y.files, ap_strdup(beside[i]));
            char *st = stem_of(base, 1, NULL);
            for (int i = 0; rc == AP_OK && st && IMAGE_EXT[i]; i++) {
                char name[4096];
                snprintf(name, sizeof name, "%s.%s", st, IMAGE_EXT[i]);
                if (ap_container_has(y.c, name))
                    rc = ap_names_take(ctx, &y.files, ap_strdup(name));
            }
            free(st);
        }
    }
    if (rc == AP_OK)
        rc = read_tree(&y);
    yolo_free(&y);
    ap_container_close(own);
    return rc;
}

/* The reader reads the whole tree from one file of it: the first. */
static int yolo_plan(ap_context *ctx, ap_container *c, ap_names *files)
{
    (void)ctx;
    (void)c;
    for (size_t i = 1; i < files->n; i++)
        free(files->v[i]);
    if (files->n > 1)
        files->n = 1;
    return AP_OK;
}

static const ap_option yolo_read_options[] = {
    {"split", "NAME", "only that split (train, val, test, or another the dataset names)",
     AP_OPT_STRING, offsetof(yolo_read_opts, split), NULL, NULL, 0},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, 0},
};

const ap_reader ap_reader_yolo = {
    .name = "yolo",
    .description = "YOLO (Ultralytics, Darknet): data.yaml or obj.data, labels/, images/",
    .extensions = "txt,yaml,yml,data,names",
    .probe = yolo_probe,
    .read = yolo_read,
    .plan = yolo_plan,
    .options = {"YOLO (--from yolo)", yolo_read_options, sizeof(yolo_read_opts), NULL},
};
