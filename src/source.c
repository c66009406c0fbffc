/*
 * source.c: the files a job reads. Expands a folder or archive into the
 * files it holds, picks each file's reader (--from, or probing its first
 * bytes), and opens a file for its reader, probing then the files that
 * were left unprobed when their folder was listed. It reads no dataset
 * itself: that is the plugins' part, driven by run.c.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "internal.h"

void ap_source_list_free(ap_source_list *l)
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

static int sources_add(ap_context *ctx, ap_source_list *l, ap_container *c,
                       const char *name, const ap_reader *f)
{
    if (ap_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v) != 0)
        return ap_error_nomem(ctx);
    ap_source_file *s = &l->v[l->n];
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

static ap_stream *source_open(ap_context *ctx, const ap_source_file *s)
{
    return s->c ? ap_container_open_file(ctx, s->c, s->rel) : ap_stream_open(ctx, s->display);
}

static int read_probe(ap_context *ctx, ap_stream *s, const char *name, unsigned char *buf,
                      ap_probe *p);
static void score_all(const ap_probe *p, const ap_reader **best, const ap_reader **tie);
static int score_of(const ap_reader *f, const ap_probe *p);

/* Opens a source for its reader. A file that was not probed when its folder
 * was listed is probed now, on the bytes the reader then reads, and meets
 * the fate it would have met there: read, skipped (with the warning of
 * --from), or an error when it holds another format at the level that
 * chose this one. *st is NULL for a skipped file. */
static int source_probed(ap_context *ctx, const ap_source_file *s, ap_stream **st);

int ap_source_file_open(ap_context *ctx, const ap_source_file *s, ap_stream **st)
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

static int source_probed(ap_context *ctx, const ap_source_file *s, ap_stream **st)
{
    *st = source_open(ctx, s);
    if (!*st)
        return ctx->err;
    if (!s->lazy)
        return AP_OK;
    unsigned char buf[AP_PROBE_BYTES + AP_PROBE_PAD];
    ap_probe p;
    int rc = read_probe(ctx, *st, s->rel, buf, &p);
    if (rc == AP_OK)
        rc = ap_stream_unread(ctx, *st, buf, p.len);
    int use = 0;
    if (rc == AP_OK && s->forced) {
        use = score_of(s->fmt, &p) > 0;
        if (!use)
            ap_warn(ctx, "%s/%s: skipped: not a %s file", ap_container_path(s->c), s->rel,
                    s->fmt->name);
    } else if (rc == AP_OK) {
        const ap_reader *best, *tie;
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
    memset(buf, 0, AP_PROBE_BYTES + AP_PROBE_PAD);
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

/* annoport's own manifest (manifest.c writes "tool": "annoport" first):
 * no format's data, except for a reader that reads the manifests of its
 * own outputs (reads_manifest: Clarifai's, a request tree's inputs).
 * Returns 1 when p is one, with *reader that reader or NULL. */
static int own_manifest(const ap_probe *p, const ap_reader **reader)
{
    const char *s = (const char *)p->buf;
    *reader = NULL;
    if (!strstr(s, "\"tool\"") || !strstr(s, "\"annoport\""))
        return 0;
    const char *t = strstr(s, "\"target\"");
    const char *f = t ? strstr(t, "\"format\"") : NULL;
    const char *v = f ? strchr(f + 8, '"') : NULL;
    for (const ap_reader *const *r = ap_readers; v && *r; r++) {
        size_t n = strlen((*r)->name);
        if ((*r)->reads_manifest && !strncmp(v + 1, (*r)->name, n) && v[1 + n] == '"')
            *reader = *r;
    }
    return 1;
}

/* The score of reader f on p (an annoport manifest counts as above). */
static int score_of(const ap_reader *f, const ap_probe *p)
{
    const ap_reader *m;
    if (own_manifest(p, &m))
        return f == m ? 90 : 0;
    return f->probe ? f->probe(p) : 0;
}

/* Scores every reader on the first bytes of a stream. *best is NULL when
 * none fits; *tie is set when two share the top score. */
static void score_all(const ap_probe *p, const ap_reader **best, const ap_reader **tie)
{
    *best = *tie = NULL;
    int top = 0;
    for (const ap_reader *const *f = ap_readers; *f; f++) {
        int score = score_of(*f, p);
        if (score > top) {
            top = score;
            *best = *f;
            *tie = NULL;
        } else if (score == top && score > 0) {
            *tie = *f;
        }
    }
}

static int probe_stream(ap_context *ctx, ap_stream *s, const char *name, const ap_reader **best,
                        const ap_reader **tie)
{
    *best = *tie = NULL;
    unsigned char buf[AP_PROBE_BYTES + AP_PROBE_PAD];
    ap_probe p;
    int rc = read_probe(ctx, s, name, buf, &p);
    if (rc)
        return rc;
    score_all(&p, best, tie);
    return AP_OK;
}

/* The score of one format on a stream's first bytes. */
static int probe_one(ap_context *ctx, ap_stream *s, const char *name, const ap_reader *f,
                     int *score)
{
    unsigned char buf[AP_PROBE_BYTES + AP_PROBE_PAD];
    ap_probe p;
    int rc = read_probe(ctx, s, name, buf, &p);
    *score = rc == AP_OK ? score_of(f, &p) : 0;
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
    for (const ap_reader *const *f = ap_readers; *f; f++)
        if (has_extension(path, (*f)->extensions))
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
 * format, the rest of them are probed only when read (ap_source_file_open), on
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
                         const ap_reader **fmts, const ap_reader *chosen)
{
    for (size_t i = 0; chosen && i < all->n; i++) {
        const ap_reader *f = fmts[i];
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

/* A folder or archive being expanded: each listed file's format (NULL:
 * not read) and whether it is left to be probed when read; the format
 * chosen, and another found at the same depth. */
typedef struct {
    ap_names all;
    const ap_reader **fmts;
    unsigned char *lazy;
    const ap_reader *chosen, *other;
    int min_depth;          /* of the files that chose it; -1: none yet */
} listing;

/* Opens the folder or archive at path and keeps it with the list, whose
 * files are read through it. */
static int hold_container(ap_context *ctx, ap_source_list *l, const char *path,
                          ap_container **c)
{
    int rc = ap_container_open(ctx, path, c);
    if (rc)
        return rc;
    ap_container **ncs = realloc(l->cs, (l->ncs + 1) * sizeof *ncs);
    if (!ncs) {
        ap_container_close(*c);
        return ap_error_nomem(ctx);
    }
    l->cs = ncs;
    l->cs[l->ncs++] = *c;
    return AP_OK;
}

/* Probes the listed file i: its format, and without --from the one
 * chosen, that of the shallowest files. */
static int probe_listed(ap_context *ctx, ap_container *c, const char *path,
                        const ap_reader *forced, listing *ls, size_t i)
{
    const char *name = ls->all.v[i];
    ap_stream *s = ap_container_open_file(ctx, c, name);
    if (!s)
        return ctx->err;
    int rc;
    if (forced) {
        int score = 0;
        rc = probe_one(ctx, s, name, forced, &score);
        if (score > 0)
            ls->fmts[i] = forced;
        else if (rc == AP_OK)
            ap_warn(ctx, "%s/%s: skipped: not a %s file", path, name, forced->name);
    } else {
        const ap_reader *best, *tie;
        rc = probe_stream(ctx, s, name, &best, &tie);
        if (best && !has_extension(name, best->extensions))
            best = NULL; /* in a folder, a .txt is YOLO's, never another's */
        if (best && !tie) {
            ls->fmts[i] = best;
            int dp = depth(name);
            if (ls->min_depth < 0 || dp < ls->min_depth) {
                ls->min_depth = dp;
                ls->chosen = best;
                ls->other = NULL;
            } else if (dp == ls->min_depth && best != ls->chosen) {
                ls->other = best;
            }
        }
    }
    ap_stream_close(s);
    return rc;
}

/* Probes every listed file a reader may read (by its extension), but for
 * the lazy ones: those after LAZY_AFTER of one folder and extension. */
static int probe_listing(ap_context *ctx, ap_container *c, const char *path,
                         const ap_reader *forced, listing *ls)
{
    int rc = AP_OK;
    const ap_reader *gfmt = NULL; /* the run of files of one folder and extension */
    long grun = 0;
    for (size_t i = 0; rc == AP_OK && i < ls->all.n; i++) {
        const char *name = ls->all.v[i];
        if (forced ? !has_extension(name, forced->extensions) : !any_extension(name))
            continue;
        if (i == 0 || !same_group(ls->all.v[i - 1], name)) {
            gfmt = NULL;
            grun = 0;
        }
        if (grun >= LAZY_AFTER) { /* probed when read (ap_source_file_open) */
            ls->fmts[i] = gfmt;
            ls->lazy[i] = 1;
            continue;
        }
        rc = probe_listed(ctx, c, path, forced, ls, i);
        if (ls->fmts[i] && (!gfmt || ls->fmts[i] == gfmt)) {
            gfmt = ls->fmts[i];
            grun++;
        } else {
            grun = LONG_MIN; /* a mixed folder: every file of it is probed */
        }
    }
    if (rc == AP_OK && ls->other)
        rc = ap_error(ctx, AP_EUSAGE, "%s: holds both %s and %s files at the same level; "
                      "give --from to say which to read", path, ls->chosen->name,
                      ls->other->name);
    return rc;
}

/* Moves the files of the chosen format from the listing to files; *lazyv
 * gets the lazy ones among them, by address: a plan may reorder and drop
 * files. */
static int take_chosen(ap_context *ctx, listing *ls, ap_names *files, char ***lazyv,
                       size_t *nlazy)
{
    size_t n = 0;
    for (size_t i = 0; i < ls->all.n; i++)
        n += ls->lazy[i] && ls->fmts[i] == ls->chosen;
    if (n && !(*lazyv = malloc(n * sizeof **lazyv)))
        return ap_error_nomem(ctx);
    int rc = AP_OK;
    for (size_t i = 0; rc == AP_OK && i < ls->all.n; i++) {
        if (!ls->fmts[i] || ls->fmts[i] != ls->chosen)
            continue;
        if (ls->lazy[i])
            (*lazyv)[(*nlazy)++] = ls->all.v[i];
        rc = ap_names_take(ctx, files, ls->all.v[i]);
        ls->all.v[i] = NULL; /* moved */
    }
    if (*nlazy)
        qsort(*lazyv, *nlazy, sizeof **lazyv, cmp_ptr);
    return rc;
}

/* The files a plan kept, as sources of the list. */
static int add_chosen(ap_context *ctx, ap_source_list *l, ap_container *c,
                      const ap_names *files, const listing *ls, const ap_reader *forced,
                      char **lazyv, size_t nlazy)
{
    int rc = AP_OK;
    for (size_t i = 0; rc == AP_OK && i < files->n; i++) {
        rc = sources_add(ctx, l, c, files->v[i], ls->chosen);
        if (rc == AP_OK) {
            ap_source_file *src = &l->v[l->n - 1];
            src->forced = forced != NULL;
            src->top = depth(files->v[i]) == ls->min_depth;
            src->lazy = nlazy && bsearch(&files->v[i], lazyv, nlazy, sizeof *lazyv, cmp_ptr);
        }
    }
    return rc;
}

/* A folder or archive: every file that probes as one format. Without
 * --from, the format is that of the shallowest dataset file, so that a
 * dataset's own files win over others lying deeper (expected outputs,
 * label maps). */
static int expand_container(ap_context *ctx, const char *path, const ap_reader *forced,
                            ap_source_list *l, char *detected, size_t dlen)
{
    ap_container *c = NULL;
    int rc = hold_container(ctx, l, path, &c);
    if (rc)
        return rc;
    listing ls = {.chosen = forced, .min_depth = -1};
    ap_names files = {0};
    rc = ap_container_list(ctx, c, &ls.all);
    if (rc == AP_OK && ls.all.n && !(ls.fmts = calloc(ls.all.n, sizeof *ls.fmts)))
        rc = ap_error_nomem(ctx);
    ls.lazy = ls.all.n ? calloc(ls.all.n, 1) : NULL;
    if (rc == AP_OK && ls.all.n && !ls.lazy)
        rc = ap_error_nomem(ctx);
    if (rc == AP_OK)
        rc = probe_listing(ctx, c, path, forced, &ls);
    char **lazyv = NULL;
    size_t nlazy = 0;
    if (rc == AP_OK)
        rc = take_chosen(ctx, &ls, &files, &lazyv, &nlazy);
    if (ls.fmts) /* also after an error */
        warn_skipped(ctx, path, &ls.all, ls.fmts, ls.chosen);
    if (rc == AP_OK && ls.chosen && ls.chosen->plan)
        rc = ls.chosen->plan(ctx, c, &files);
    if (rc == AP_OK && files.n == 0)
        rc = ap_error(ctx, AP_EDATA, "%s: no dataset file annoport can read in this %s%s%s",
                      path, ap_container_is_zip(c) ? "archive" : "folder",
                      forced ? " for --from " : "", forced ? forced->name : "");
    if (rc == AP_OK)
        rc = add_chosen(ctx, l, c, &files, &ls, forced, lazyv, nlazy);
    free(lazyv);
    if (rc == AP_OK && !forced)
        snprintf(detected, dlen, "%s", ls.chosen->name);
    free(ls.fmts);
    free(ls.lazy);
    ap_names_free(&ls.all);
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

int ap_source_list_expand(ap_context *ctx, const char *path, const ap_reader *forced,
                          ap_source_list *l, char *detected, size_t dlen)
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
    const ap_reader *best, *tie;
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
