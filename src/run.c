/*
 * run.c: one job from inputs to an output tree. Expands folders into the
 * files they hold, picks each file's reader (--from, or probing), loads the
 * label options, sets up the sink and the writer, and commits or removes
 * the output. Reading and writing themselves happen in the plugins.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <csv.h>

#include "sink.h"

typedef struct {
    char *display;          /* for messages and the reader */
    ap_container *c;        /* NULL: a plain file (or "-") */
    char *rel;              /* the name inside c */
    const ap_format *fmt;
    int lazy;               /* not probed yet (see expand_container) */
    int forced;             /* fmt was given by --from */
    int top;                /* at the depth that chose the format */
} source;

typedef struct {
    source *v;
    size_t n, cap;
    ap_container **cs;      /* containers, owned */
    size_t ncs;
    uint64_t bytes;
} source_list;

static void sources_free(source_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].display);
        free(l->v[i].rel);
    }
    free(l->v);
    for (size_t i = 0; i < l->ncs; i++)
        ap_container_close(l->cs[i]);
    free(l->cs);
}

static int sources_add(ap_context *ctx, source_list *l, ap_container *c, const char *name,
                       const ap_format *f)
{
    if (ap_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v) != 0)
        return ap_error_nomem(ctx);
    source *s = &l->v[l->n];
    memset(s, 0, sizeof *s);
    s->c = c;
    s->fmt = f;
    s->display = c ? ap_container_display(c, name) : ap_strdup(name);
    s->rel = c ? ap_strdup(name) : NULL;
    if (!s->display || (c && !s->rel)) {
        free(s->display);
        free(s->rel);
        return ap_error_nomem(ctx);
    }
    l->n++;
    struct stat st;
    if (!c && strcmp(name, "-") && stat(name, &st) == 0)
        l->bytes += (uint64_t)st.st_size;
    else if (c && ctx->progress) /* a stat per file: only for the progress */
        l->bytes += ap_container_file_size(c, name);
    return AP_OK;
}

static ap_stream *source_open(ap_context *ctx, const source *s)
{
    return s->c ? ap_container_open_file(ctx, s->c, s->rel) : ap_stream_open(ctx, s->display);
}

static int read_probe(ap_context *ctx, ap_stream *s, const char *name, unsigned char *buf,
                      ap_probe *p);
static void score_all(const ap_probe *p, const ap_format **best, const ap_format **tie);

/* Opens a source for its reader. A file that was not probed when its folder
 * was listed is probed now, on the bytes the reader then reads, and meets
 * the fate it would have met there: read, skipped (with the warning of
 * --from), or an error when it holds another format at the level that
 * chose this one. *st is NULL for a skipped file. */
static int source_probed(ap_context *ctx, const source *s, ap_stream **st);

static int source_ready(ap_context *ctx, const source *s, ap_stream **st)
{
    int rc = source_probed(ctx, s, st);
    /* text is UTF-8, or converted from --encoding, unless the reader decodes it */
    if (rc == AP_OK && *st && !s->fmt->decodes_text &&
        (rc = ap_stream_text(ctx, *st, ctx->opt.encoding)) != AP_OK) {
        ap_stream_close(*st);
        *st = NULL;
    }
    return rc;
}

static int source_probed(ap_context *ctx, const source *s, ap_stream **st)
{
    *st = source_open(ctx, s);
    if (!*st)
        return ctx->err;
    if (!s->lazy)
        return AP_OK;
    unsigned char buf[AP_PROBE_BYTES + 16];
    ap_probe p;
    int rc = read_probe(ctx, *st, s->rel, buf, &p);
    if (rc == AP_OK)
        rc = ap_stream_unread(ctx, *st, buf, p.len);
    int use = 0;
    if (rc == AP_OK && s->forced) {
        use = s->fmt->probe(&p) > 0;
        if (!use)
            ap_warn(ctx, "%s/%s: skipped: not a %s file", ap_container_path(s->c), s->rel,
                    s->fmt->name);
    } else if (rc == AP_OK) {
        const ap_format *best, *tie;
        score_all(&p, &best, &tie);
        use = best == s->fmt && !tie;
        if (best && !tie && best != s->fmt && s->top)
            rc = ap_error(ctx, AP_EUSAGE, "%s: holds both %s and %s files at the same level; "
                          "give --from to say which to read", ap_container_path(s->c),
                          s->fmt->name, best->name);
    }
    if (rc || !use) {
        ap_stream_close(*st);
        *st = NULL;
    }
    return rc;
}

/* ---- probing ---- */

/* The first AP_PROBE_BYTES of a stream, zero-padded, as a probe. */
static int read_probe(ap_context *ctx, ap_stream *s, const char *name, unsigned char *buf,
                      ap_probe *p)
{
    memset(buf, 0, AP_PROBE_BYTES + 16);
    size_t len = 0;
    while (len < AP_PROBE_BYTES) {
        ssize_t n = ap_stream_read(ctx, s, buf + len, AP_PROBE_BYTES - len);
        if (n < 0)
            return ctx->err;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *p = (ap_probe){name, buf, len};
    return AP_OK;
}

/* Scores every reader on the first bytes of a stream. *best is NULL when
 * none fits; *tie is set when two share the top score. */
static void score_all(const ap_probe *p, const ap_format **best, const ap_format **tie)
{
    *best = *tie = NULL;
    int top = 0;
    for (const ap_format *const *f = ap_formats; *f; f++) {
        if (!(*f)->probe || !(*f)->read)
            continue;
        int score = (*f)->probe(p);
        if (score > top) {
            top = score;
            *best = *f;
            *tie = NULL;
        } else if (score == top && score > 0) {
            *tie = *f;
        }
    }
}

static int probe_stream(ap_context *ctx, ap_stream *s, const char *name, const ap_format **best,
                        const ap_format **tie)
{
    *best = *tie = NULL;
    unsigned char buf[AP_PROBE_BYTES + 16];
    ap_probe p;
    int rc = read_probe(ctx, s, name, buf, &p);
    if (rc)
        return rc;
    score_all(&p, best, tie);
    return AP_OK;
}

/* The score of one format on a stream's first bytes. */
static int probe_one(ap_context *ctx, ap_stream *s, const char *name, const ap_format *f,
                     int *score)
{
    unsigned char buf[AP_PROBE_BYTES + 16];
    ap_probe p;
    int rc = read_probe(ctx, s, name, buf, &p);
    *score = rc == AP_OK && f->probe ? f->probe(&p) : 0;
    return rc;
}

/* 1 when the file holds nothing but white space (read in full: such a file
 * has no reader, so this runs only before an error). */
static int is_blank(ap_context *ctx, const char *path)
{
    ap_stream *s = ap_stream_open(ctx, path);
    if (!s)
        return 0;
    char buf[4096];
    ssize_t n;
    int blank = 1;
    while (blank && (n = ap_stream_read(ctx, s, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t')
                blank = 0;
    ap_stream_close(s);
    return blank;
}

static int has_extension(const char *path, const char *exts)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash) || !exts)
        return 0;
    dot++;
    size_t n = strlen(dot);
    for (const char *p = exts; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncasecmp(p, dot, n) == 0)
            return 1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static int any_extension(const char *path)
{
    for (const ap_format *const *f = ap_formats; *f; f++)
        if ((*f)->read && has_extension(path, (*f)->extensions))
            return 1;
    return 0;
}

static int depth(const char *name)
{
    int d = 0;
    for (; *name; name++)
        d += *name == '/';
    return d;
}

/* After this many files of one folder and extension have probed as one
 * format, the rest of them are probed only when read (source_ready), on
 * the bytes the reader reads: one open per file instead of two. */
#define LAZY_AFTER 16

/* Two names in the same folder with the same extension. */
static int same_group(const char *a, const char *b)
{
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
    size_t da = sa ? (size_t)(sa - a) : 0, db = sb ? (size_t)(sb - b) : 0;
    if (da != db || strncmp(a, b, da) != 0)
        return 0;
    const char *ea = strrchr(a + da, '.'), *eb = strrchr(b + db, '.');
    return ea && eb && strcmp(ea, eb) == 0;
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (char *const *)a, y = (uintptr_t) * (char *const *)b;
    return x < y ? -1 : x > y;
}

/* Files of another format than the one chosen (deeper in the folder) are
 * not read: said once per format, with an example. */
static void warn_skipped(ap_context *ctx, const char *path, const ap_names *all,
                         const ap_format **fmts, const ap_format *chosen)
{
    for (size_t i = 0; chosen && i < all->n; i++) {
        const ap_format *f = fmts[i];
        if (!f || f == chosen || !all->v[i])
            continue;
        size_t count = 0;
        for (size_t k = i; k < all->n; k++)
            if (fmts[k] == f && all->v[k]) {
                count += 1;
                if (k > i)
                    fmts[k] = NULL; /* counted */
            }
        ap_warn(ctx, "%s: read as %s; %zu %s file%s deeper in it %s not read (\"%s\"%s): give "
                "its folder to read %s", path, chosen->name, count, f->name,
                count == 1 ? "" : "s", count == 1 ? "is" : "are", all->v[i],
                count == 1 ? "" : ", ...", count == 1 ? "it" : "them");
        fmts[i] = NULL;
    }
}

/* A folder or archive: every file that probes as one format. Without
 * --from, the format is that of the shallowest dataset file, so that a
 * dataset's own files win over others lying deeper (expected outputs,
 * label maps). */
static int expand_container(ap_context *ctx, const char *path, const ap_format *forced,
                            source_list *l, char *detected, size_t dlen)
{
    ap_container *c = NULL;
    int rc = ap_container_open(ctx, path, &c);
    if (rc)
        return rc;
    ap_container **ncs = realloc(l->cs, (l->ncs + 1) * sizeof *ncs);
    if (!ncs) {
        ap_container_close(c);
        return ap_error_nomem(ctx);
    }
    l->cs = ncs;
    l->cs[l->ncs++] = c;

    ap_names all = {0}, files = {0};
    const ap_format **fmts = NULL;
    rc = ap_container_list(ctx, c, &all);
    if (rc == AP_OK && all.n && !(fmts = calloc(all.n, sizeof *fmts)))
        rc = ap_error_nomem(ctx);
    int min_depth = -1;
    const ap_format *chosen = forced, *other = NULL;
    unsigned char *lazy = all.n ? calloc(all.n, 1) : NULL;
    if (rc == AP_OK && all.n && !lazy)
        rc = ap_error_nomem(ctx);
    const ap_format *gfmt = NULL; /* the run of files of one folder and extension */
    long grun = 0;
    for (size_t i = 0; rc == AP_OK && i < all.n; i++) {
        const char *name = all.v[i];
        if (forced ? !has_extension(name, forced->extensions) : !any_extension(name))
            continue;
        if (i == 0 || !same_group(all.v[i - 1], name)) {
            gfmt = NULL;
            grun = 0;
        }
        if (grun >= LAZY_AFTER) { /* probed when read (source_ready) */
            fmts[i] = gfmt;
            lazy[i] = 1;
            continue;
        }
        ap_stream *s = ap_container_open_file(ctx, c, name);
        if (!s) {
            rc = ctx->err;
            break;
        }
        if (forced) {
            int score = 0;
            rc = probe_one(ctx, s, name, forced, &score);
            if (score > 0)
                fmts[i] = forced;
            else if (rc == AP_OK)
                ap_warn(ctx, "%s/%s: skipped: not a %s file", path, name, forced->name);
        } else {
            const ap_format *best, *tie;
            rc = probe_stream(ctx, s, name, &best, &tie);
            if (best && !has_extension(name, best->extensions))
                best = NULL; /* in a folder, a .txt is YOLO's, never another's */
            if (best && !tie) {
                fmts[i] = best;
                int dp = depth(name);
                if (min_depth < 0 || dp < min_depth) {
                    min_depth = dp;
                    chosen = best;
                    other = NULL;
                } else if (dp == min_depth && best != chosen) {
                    other = best;
                }
            }
        }
        ap_stream_close(s);
        if (fmts[i] && (!gfmt || fmts[i] == gfmt)) {
            gfmt = fmts[i];
            grun++;
        } else {
            grun = LONG_MIN; /* a mixed folder: every file of it is probed */
        }
    }
    if (rc == AP_OK && other)
        rc = ap_error(ctx, AP_EUSAGE, "%s: holds both %s and %s files at the same level; "
                      "give --from to say which to read", path, chosen->name, other->name);
    /* the lazy names, by address: a plan may reorder and drop files */
    char **lazyv = NULL;
    size_t nlazy = 0;
    for (size_t i = 0; rc == AP_OK && i < all.n; i++)
        nlazy += lazy[i] && fmts[i] == chosen;
    if (rc == AP_OK && nlazy && !(lazyv = malloc(nlazy * sizeof *lazyv)))
        rc = ap_error_nomem(ctx);
    nlazy = 0;
    for (size_t i = 0; rc == AP_OK && i < all.n; i++) {
        if (!fmts[i] || fmts[i] != chosen)
            continue;
        if (lazy[i])
            lazyv[nlazy++] = all.v[i];
        rc = ap_names_take(ctx, &files, all.v[i]);
        all.v[i] = NULL; /* moved */
    }
    if (nlazy)
        qsort(lazyv, nlazy, sizeof *lazyv, cmp_ptr);
    warn_skipped(ctx, path, &all, fmts, chosen);
    if (rc == AP_OK && chosen && chosen->plan)
        rc = chosen->plan(ctx, c, &files);
    if (rc == AP_OK && files.n == 0)
        rc = ap_error(ctx, AP_EDATA, "%s: no dataset file annoport can read in this %s%s%s",
                      path, ap_container_is_zip(c) ? "archive" : "folder",
                      forced ? " for --from " : "", forced ? forced->name : "");
    for (size_t i = 0; rc == AP_OK && i < files.n; i++) {
        rc = sources_add(ctx, l, c, files.v[i], chosen);
        if (rc == AP_OK) {
            source *src = &l->v[l->n - 1];
            src->forced = forced != NULL;
            src->top = depth(files.v[i]) == min_depth;
            src->lazy = nlazy && bsearch(&files.v[i], lazyv, nlazy, sizeof *lazyv, cmp_ptr);
        }
    }
    free(lazyv);
    if (rc == AP_OK && !forced)
        snprintf(detected, dlen, "%s", chosen->name);
    free(fmts);
    free(lazy);
    ap_names_free(&all);
    ap_names_free(&files);
    return rc;
}

static int looks_like_zip(const char *path)
{
    if (ap_is_zip_path(path))
        return 1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char sig[4] = {0};
    size_t n = fread(sig, 1, 4, f);
    fclose(f);
    return n == 4 && memcmp(sig, "PK\x03\x04", 4) == 0;
}

static int expand_input(ap_context *ctx, const char *path, const ap_format *forced,
                        source_list *l, char *detected, size_t dlen)
{
    if (strcmp(path, "-") == 0) {
        if (!forced)
            return ap_error(ctx, AP_EUSAGE, "-: give --from for standard input");
        return sources_add(ctx, l, NULL, path, forced);
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && looks_like_zip(path)))
        return expand_container(ctx, path, forced, l, detected, dlen);
    if (forced)
        return sources_add(ctx, l, NULL, path, forced);
    ap_stream *s = ap_stream_open(ctx, path);
    if (!s)
        return ctx->err;
    const ap_format *best, *tie;
    int rc = probe_stream(ctx, s, path, &best, &tie);
    ap_stream_close(s);
    if (rc)
        return rc;
    if (!best && is_blank(ctx, path))
        return ap_error_at(ctx, AP_EDATA, path, 1, 1, "the file is empty");
    if (!best)
        return ap_error(ctx, AP_EDATA, "%s: not a dataset annoport can read (no reader "
                        "recognises its first bytes); give --from to say what it is", path);
    if (tie)
        return ap_error(ctx, AP_EUSAGE, "%s: could be %s or %s; give --from to say which",
                        path, best->name, tie->name);
    snprintf(detected, dlen, "%s", best->name);
    return sources_add(ctx, l, NULL, path, best);
}

/* ---- label options ---- */

typedef struct {
    ap_sink *sink;
    char *field[3];
    size_t nfields;
    uint64_t row;
    const char *path;
    int rc;
} map_parse;

/* What the API takes as a concept id. */
static int valid_concept_id(const char *s)
{
    size_t n = strlen(s);
    if (n > 32)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static void map_field(void *s, size_t len, void *data)
{
    map_parse *mp = data;
    if (mp->rc)
        return;
    if (mp->nfields < 3) {
        mp->field[mp->nfields] = ap_strndup(s ? s : "", len);
        if (!mp->field[mp->nfields])
            mp->rc = ap_error_nomem(mp->sink->ctx);
    }
    mp->nfields++;
}

static void map_row(int c, void *data)
{
    (void)c;
    map_parse *mp = data;
    mp->row++;
    if (!mp->rc) {
        ap_sink *sink = mp->sink;
        if (mp->nfields != 2 && mp->nfields != 3) {
            mp->rc = ap_error_at(sink->ctx, AP_EUSAGE, mp->path, mp->row, 0,
                                 "a label map row is \"from,to\" or \"from,to,id\", this one "
                                 "has %zu fields", mp->nfields);
        } else if (mp->row == 1 && !strcmp(mp->field[0], "from") && !strcmp(mp->field[1], "to") &&
                   (mp->nfields == 2 || !strcmp(mp->field[2], "id"))) {
            /* header */
        } else if (mp->nfields == 3 && !valid_concept_id(mp->field[2])) {
            mp->rc = ap_error_at(sink->ctx, AP_EUSAGE, mp->path, mp->row, 0,
                                 "\"%s\" is not a concept id: 1 to 32 of a-z, A-Z, 0-9, '_' "
                                 "and '-'", mp->field[2]);
        } else {
            ap_label_rule **nv = realloc(sink->rules, (sink->nrules + 1) * sizeof *nv);
            ap_label_rule *r = nv ? calloc(1, sizeof *r) : NULL;
            if (nv)
                sink->rules = nv;
            if (!r) {
                mp->rc = ap_error_nomem(sink->ctx);
            } else {
                r->from = mp->field[0];
                r->to = mp->field[1];
                r->id = mp->nfields == 3 && *mp->field[2] ? mp->field[2] : NULL;
                r->row = mp->row;
                if (r->id)
                    mp->field[2] = NULL;
                mp->field[0] = mp->field[1] = NULL;
                sink->rules[sink->nrules++] = r;
                if (ap_map_put(sink->label_map, r->from, r) != 0)
                    mp->rc = ap_error_nomem(sink->ctx);
            }
        }
    }
    for (int i = 0; i < 3; i++) {
        free(mp->field[i]);
        mp->field[i] = NULL;
    }
    mp->nfields = 0;
}

static int load_label_map(ap_sink *sink, const char *path)
{
    ap_context *ctx = sink->ctx;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot open the label map: %s", path,
                        strerror(errno));
    sink->label_map = ap_map_new();
    struct csv_parser p;
    if (!sink->label_map || csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return ap_error_nomem(ctx);
    }
    map_parse mp = {sink, {NULL, NULL, NULL}, 0, 0, path, AP_OK};
    char buf[8192];
    size_t n;
    while (mp.rc == AP_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, map_field, map_row, &mp) != n && mp.rc == AP_OK)
            mp.rc = ap_error(ctx, AP_EUSAGE, "%s: not a CSV file: %s", path,
                             csv_strerror(csv_error(&p)));
    }
    if (mp.rc == AP_OK)
        csv_fini(&p, map_field, map_row, &mp);
    for (int i = 0; i < 3; i++)
        free(mp.field[i]);
    csv_free(&p);
    fclose(f);
    return mp.rc;
}

static int load_labels(ap_sink *sink, const char *list)
{
    sink->keep = ap_map_new();
    if (!sink->keep)
        return ap_error_nomem(sink->ctx);
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *name = ap_strndup(p, len);
        if (!name)
            return ap_error_nomem(sink->ctx);
        ap_label_rule *r = NULL, **nv = NULL;
        if (*name && !ap_map_get(sink->keep, name)) {
            nv = realloc(sink->wanted, (sink->nwanted + 1) * sizeof *nv);
            if (nv)
                sink->wanted = nv;
            if (!nv || !(r = calloc(1, sizeof *r))) {
                free(name);
                return ap_error_nomem(sink->ctx);
            }
            r->from = name;
            sink->wanted[sink->nwanted++] = r;
            if (ap_map_put(sink->keep, name, r) != 0)
                return ap_error_nomem(sink->ctx);
        } else {
            free(name);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return AP_OK;
}

/* ---- image sizes: --sizes FILE and --inputs FILE... ---- */

typedef struct {
    ap_sink *sink;
    const char *path;
    char *f[3];
    size_t nf;
    uint64_t row;
    int rc;
} sizes_parse;

static void sizes_field(void *s, size_t len, void *data)
{
    sizes_parse *sp = data;
    if (sp->rc == AP_OK && sp->nf < 3 && !(sp->f[sp->nf] = ap_strndup(s ? s : "", len)))
        sp->rc = ap_error_nomem(sp->sink->ctx);
    sp->nf++;
}

static void sizes_row(int c, void *data)
{
    (void)c;
    sizes_parse *sp = data;
    sp->row++;
    if (sp->rc == AP_OK) {
        char *e1 = NULL, *e2 = NULL;
        long long w = sp->nf == 3 ? strtoll(sp->f[1], &e1, 10) : 0;
        long long h = sp->nf == 3 ? strtoll(sp->f[2], &e2, 10) : 0;
        int header = sp->row == 1 && sp->nf == 3 && (e1 == sp->f[1] || *e1);
        if (!header) {
            if (sp->nf != 3 || !*sp->f[0] || *e1 || *e2 || w <= 0 || h <= 0 ||
                e1 == sp->f[1] || e2 == sp->f[2]) {
                sp->rc = ap_error_at(sp->sink->ctx, AP_EUSAGE, sp->path, sp->row, 0,
                                     "a --sizes row is input_id,width,height with sizes in "
                                     "whole pixels");
            } else {
                ap_image_desc d = {sp->f[0], sp->f[0], w, h, 0, 0, {sp->path, sp->row, -1}};
                if (!ap_sink_input(sp->sink, &d))
                    sp->rc = sp->sink->ctx->err;
            }
        }
    }
    for (size_t i = 0; i < 3; i++) {
        free(sp->f[i]);
        sp->f[i] = NULL;
    }
    sp->nf = 0;
}

static int load_sizes(ap_context *ctx, ap_sink *sink)
{
    for (size_t i = 0; i < ctx->opt.ninput_pages; i++) {
        source_list l = {0};
        char detected[32];
        const ap_format *clarifai = ap_format_find("clarifai");
        int rc = expand_input(ctx, ctx->opt.input_pages[i], clarifai, &l, detected,
                              sizeof detected);
        for (size_t k = 0; rc == AP_OK && k < l.n; k++) {
            ap_source src = {.path = l.v[k].display};
            rc = source_ready(ctx, &l.v[k], &src.stream);
            if (rc || !src.stream)
                continue;
            sink->cur_path = l.v[k].display;
            rc = ap_clarifai_read_inputs(ctx, &src, sink);
            ap_stream_close(src.stream);
        }
        sources_free(&l);
        if (rc)
            return rc;
    }
    if (!ctx->opt.sizes)
        return AP_OK;
    FILE *f = fopen(ctx->opt.sizes, "rb");
    if (!f)
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot open: %s", ctx->opt.sizes,
                        strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return ap_error_nomem(ctx);
    }
    sizes_parse sp = {sink, ctx->opt.sizes, {NULL, NULL, NULL}, 0, 0, AP_OK};
    char buf[8192];
    size_t n;
    while (sp.rc == AP_OK && (n = fread(buf, 1, sizeof buf, f)) > 0)
        csv_parse(&p, buf, n, sizes_field, sizes_row, &sp);
    if (sp.rc == AP_OK)
        csv_fini(&p, sizes_field, sizes_row, &sp);
    for (size_t i = 0; i < 3; i++)
        free(sp.f[i]);
    csv_free(&p);
    fclose(f);
    return sp.rc;
}

/* ---- results ---- */

void ap_result_free(ap_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nconcepts; i++) {
        free(res->concepts[i]->id);
        free(res->concepts[i]->name);
        free(res->concepts[i]);
    }
    free(res->concepts);
    for (size_t i = 0; i < res->rejects_by_reason_n; i++)
        free(res->reject_reasons[i]);
    free(res->reject_reasons);
    free(res->reject_counts);
    memset(res, 0, sizeof *res);
}

static int fill_result(ap_context *ctx, ap_sink *sink, ap_result *res)
{
    res->concepts = calloc(sink->nconcepts + 1, sizeof *res->concepts);
    res->reject_reasons = calloc(sink->nreasons + 1, sizeof *res->reject_reasons);
    res->reject_counts = calloc(sink->nreasons + 1, sizeof *res->reject_counts);
    if (!res->concepts || !res->reject_reasons || !res->reject_counts)
        return ap_error_nomem(ctx);
    for (size_t i = 0; i < sink->nconcepts; i++) {
        const ap_concept *c = sink->concepts[i];
        if (c->filtered)
            continue;
        ap_concept *copy = calloc(1, sizeof *copy);
        if (!copy)
            return ap_error_nomem(ctx);
        *copy = *c;
        copy->id = ap_strdup(c->id);
        copy->name = ap_strdup(c->name);
        res->concepts[res->nconcepts++] = copy;
        if (!copy->id || !copy->name)
            return ap_error_nomem(ctx);
    }
    for (size_t i = 0; i < sink->nreasons; i++) {
        res->reject_reasons[i] = ap_strdup(sink->reasons[i]);
        if (!res->reject_reasons[i])
            return ap_error_nomem(ctx);
        res->reject_counts[i] = sink->reason_counts[i];
        res->rejects_by_reason_n++;
    }
    ap_run_info all = {.inputs = sink->inputs, .ninputs = sink->ninputs, .core = sink->store};
    for (size_t i = 0; i < sink->ninputs; i++) {
        uint64_t k = ap_run_input(&all, i)->objects;
        if (k)
            res->images_with_objects++;
        if (k > res->max_objects_per_image)
            res->max_objects_per_image = k;
    }
    for (size_t i = 0; i < sink->nfirst_rejects; i++)
        memcpy(res->first_rejects[i], sink->first_rejects[i], sizeof res->first_rejects[i]);
    res->nfirst_rejects = sink->nfirst_rejects;
    res->box_small = sink->box_small;
    res->box_medium = sink->box_medium;
    res->box_large = sink->box_large;
    res->box_unsized = sink->box_unsized;
    return AP_OK;
}

/* ---- the job ---- */

static int run_job(ap_context *ctx, ap_run_mode mode, const char *const *inputs,
                   size_t ninputs, const char *output, ap_result *res,
                   const ap_writer_ops *own, void *own_state);

int ap_run(ap_context *ctx, ap_run_mode mode, const char *const *inputs, size_t ninputs,
           const char *output, ap_result *res)
{
    return run_job(ctx, mode, inputs, ninputs, output, res, NULL, NULL);
}

int ap_run_with_writer(ap_context *ctx, const char *const *inputs, size_t ninputs,
                       const ap_writer_ops *writer, void *state, ap_result *res)
{
    return run_job(ctx, AP_RUN_VALIDATE, inputs, ninputs, NULL, res, writer, state);
}

static int run_job(ap_context *ctx, ap_run_mode mode, const char *const *inputs,
                   size_t ninputs, const char *output, ap_result *res,
                   const ap_writer_ops *own, void *own_state)
{
    ap_result local;
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    memset(&ctx->counts, 0, sizeof ctx->counts);
    ctx->err = AP_OK;
    ctx->errmsg[0] = '\0';
    ctx->detail[0] = '\0';
    ctx->progress_done = 0;
    ctx->progress_total = 0;
    ctx->progress_phase = NULL;

    if (ninputs == 0)
        return ap_error(ctx, AP_EUSAGE, "no input given");
    if (ctx->opt.batch_size < 1 || ctx->opt.batch_size > 128)
        return ap_error(ctx, AP_EUSAGE, "--batch-size must be 1..128 (the API takes at most "
                        "128 annotations a call), not %d", ctx->opt.batch_size);

    const ap_format *forced = NULL;
    if (ctx->opt.from) {
        forced = ap_format_find(ctx->opt.from);
        if (!forced || !forced->read)
            return ap_error(ctx, AP_EUSAGE, "--from %s: no such reader (see 'annoport formats')",
                            ctx->opt.from);
    }
    const ap_format *target = NULL;
    if (mode == AP_RUN_CONVERT) {
        target = ap_format_find(ctx->opt.to ? ctx->opt.to : "clarifai");
        if (!target || !target->writer)
            return ap_error(ctx, AP_EUSAGE, "--to %s: no such writer (see 'annoport formats')",
                            ctx->opt.to);
    }

    ap_sink *sink = ap_sink_new(ctx, mode);
    source_list srcs = {0};
    ap_output *out = NULL;
    int rc = AP_OK;
    if (!sink) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    if (ctx->opt.label_map && (rc = load_label_map(sink, ctx->opt.label_map)) != AP_OK)
        goto done;
    if (ctx->opt.labels && (rc = load_labels(sink, ctx->opt.labels)) != AP_OK)
        goto done;
    for (size_t i = 0; i < ninputs; i++) {
        char detected[32] = "";
        rc = expand_input(ctx, inputs[i], forced, &srcs, detected, sizeof detected);
        if (rc)
            goto done;
        if (!res->format[0])
            snprintf(res->format, sizeof res->format, "%s", srcs.v[0].fmt->name);
        if (*detected)
            res->detected = 1;
    }
    if (mode == AP_RUN_CONVERT && (rc = ap_output_begin(ctx, output, ctx->opt.force, &out)))
        goto done;
    if ((rc = ap_sink_open_tables(sink, out ? ap_output_tmpdir(out) : NULL)) != AP_OK)
        goto done;
    if ((rc = load_sizes(ctx, sink)) != AP_OK)
        goto done;
    if (own) { /* the caller's writer: no output tree */
        sink->w = own;
        sink->wstate = own_state;
        if (own->open && (rc = own->open(ctx, NULL, &sink->wstate)) != AP_OK)
            goto done;
    }

    if (mode == AP_RUN_CONVERT) {
        sink->rejects = ap_output_create(out, "rejects.jsonl");
        if (!sink->rejects) {
            rc = ctx->err;
            goto done;
        }
        sink->w = target->writer;
        if (sink->w->accepts)
            sink->accepts = sink->w->accepts(ctx, &sink->needs_size);
        rc = sink->w->open(ctx, out, &sink->wstate);
        if (rc)
            goto done;
    }

    /* (standard input adds its size once it is copied) */
    ap_progress_phase(ctx, "reading", srcs.bytes);
    for (size_t i = 0; i < srcs.n && rc == AP_OK; i++) {
        ap_source src = {.path = srcs.v[i].display};
        ctx->progress_phase = "reading"; /* after another file's second pass */
        rc = source_ready(ctx, &srcs.v[i], &src.stream);
        if (rc || !src.stream)
            continue; /* an error ends the loop; a skipped file, the next */
        sink->cur_path = srcs.v[i].display;
        src.container = srcs.v[i].c; /* the tree it came from, for YOLO */
        src.rel = srcs.v[i].rel;
        rc = srcs.v[i].fmt->read(ctx, &src, sink);
        if (rc == AP_OK && ctx->err)
            rc = ctx->err; /* a reader that set an error but returned 0 */
        ap_stream_close(src.stream);
    }
    if (rc)
        goto done;
    ap_sink_warn_unmatched(sink);
    /* the summary first: once the output is in place, nothing may fail */
    if ((rc = fill_result(ctx, sink, res)) != AP_OK)
        goto done;
    const ap_counts *n = &ctx->counts;
    if (mode == AP_RUN_CONVERT && n->objects_read > 0 && n->objects_written == 0 &&
        !ctx->opt.allow_empty) {
        rc = ap_error(ctx, AP_EDATA, "no object was written: of the %llu objects read, %llu "
                      "were rejected and %llu filtered out, so the output would be empty; "
                      "nothing is written (give --allow-empty to write it anyway)",
                      (unsigned long long)n->objects_read,
                      (unsigned long long)n->objects_rejected,
                      (unsigned long long)n->objects_filtered);
        goto done;
    }

    if (mode == AP_RUN_CONVERT) {
        FILE *rj = sink->rejects;
        sink->rejects = NULL;
        rc = ap_output_close(out, rj, "rejects.jsonl");
        if (rc)
            goto done;
        ap_run_info info = {res->format, inputs, ninputs,
                            (const ap_concept *const *)sink->concepts, sink->nconcepts,
                            sink->inputs, sink->ninputs, sink->store};
        ap_progress_phase(ctx, "writing", 0);
        rc = sink->w->close(ctx, sink->wstate, &info);
        if (rc)
            goto done;
        rc = ap_output_commit(out);
        out = NULL;
        if (rc)
            goto done;
    }
    if (own && own->close) {
        ap_run_info info = {res->format, inputs, ninputs,
                            (const ap_concept *const *)sink->concepts, sink->nconcepts,
                            sink->inputs, sink->ninputs, sink->store};
        if ((rc = own->close(ctx, sink->wstate, &info)) != AP_OK)
            goto done;
    }

done:
    if (sink) {
        if (sink->rejects)
            fclose(sink->rejects);
        if (sink->w && sink->w->free && !own)
            sink->w->free(sink->wstate);
    }
    ap_output_abort(out);
    ap_sink_free(sink);
    sources_free(&srcs);
    if (res == &local)
        ap_result_free(&local);
    return rc ? rc : ctx->err;
}
