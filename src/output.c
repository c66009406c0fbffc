/*
 * output.c: output trees built atomically (SPEC section 5).
 *
 * Every file is written into a temporary folder beside OUTPUT
 * (".NAME.annoport-tmp-PID"). On success the folder is renamed into place,
 * or, for OUTPUT.zip, packed into a temporary archive with libzip (members
 * in byte order of their names, fixed times, so a rerun gives the same
 * bytes) that is renamed into place. A failed run removes the temporary
 * and leaves an existing OUTPUT untouched. --force replaces only an empty
 * folder, a file, or a folder that holds an annoport manifest.json: never an
 * unrelated folder.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <zip.h>

#include "internal.h"

struct ap_output {
    ap_context *ctx;
    char *final;   /* OUTPUT as given, trailing slashes removed */
    char *tmp;     /* the temporary folder */
    char *tmpzip;  /* the temporary archive, while packing */
    int zip;
    char *made;    /* the last file's folder, made already */
    struct ap_zipq *zq; /* a zip's members being deflated */
};

typedef struct ap_zipq ap_zipq;
static ap_zipq *zq_new(ap_context *ctx, const char *dir);
static int zq_add(ap_zipq *q, const char *relpath, uint64_t size);
static void zq_free(ap_zipq *q);

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
    return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 when dir has no entries, 0 when it has, -1 when it cannot be read. */
static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

static int ends_with_zip(const char *p)
{
    size_t n = strlen(p);
    return n > 4 && strcasecmp(p + n - 4, ".zip") == 0;
}

/* mkdir -p of every folder above path. */
static int make_parents(const char *path)
{
    char *tmp = ap_strdup(path);
    if (!tmp)
        return -1;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
            free(tmp);
            return -1;
        }
        *p = '/';
    }
    free(tmp);
    return 0;
}

/* "dir/.base.annoport-tmp-PID" plus suffix. */
static char *sibling(const char *path, const char *suffix)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(path) + strlen(suffix) + 64;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%.*s.%s.annoport-tmp-%ld%s", (int)dlen, path, base, (long)getpid(),
                 suffix);
    return s;
}

/* Removes what killed runs left beside path: ".NAME.annoport-tmp-PID..."
 * whose process is gone. */
static void remove_stale(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    char dir[4096], prefix[1024];
    snprintf(dir, sizeof dir, "%.*s", (int)(dlen ? dlen : 1), dlen ? path : ".");
    snprintf(prefix, sizeof prefix, ".%s.annoport-tmp-", slash ? slash + 1 : path);
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t plen = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0)
            continue;
        long pid = strtol(e->d_name + plen, NULL, 10);
        if (pid <= 0 || pid == (long)getpid() || (kill((pid_t)pid, 0) != 0 && errno == ESRCH)) {
            char full[8192];
            snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
            if (pid != (long)getpid())
                remove_tree(full);
        }
    }
    closedir(d);
}

void ap_output_abort(ap_output *out)
{
    if (!out)
        return;
    zq_free(out->zq); /* its workers stopped before the tree goes */
    if (out->tmp)
        remove_tree(out->tmp);
    if (out->tmpzip)
        unlink(out->tmpzip);
    free(out->final);
    free(out->tmp);
    free(out->tmpzip);
    free(out->made);
    free(out);
}

/* The extension of a single-file format the last component of path ends in
 * ("json"), or NULL. A path ending in '/' names a folder whatever it says. */
static const char *file_extension(const char *path)
{
    static const char *const exts[] = {"json", "jsonl", "csv", "xml", "txt", "yaml", "yml"};
    size_t n = strlen(path);
    if (n == 0 || path[n - 1] == '/')
        return NULL;
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (!dot || dot == path || (slash && dot <= slash + 1))
        return NULL;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0)
            return dot + 1;
    return NULL;
}

/* Whether an existing output at path may be replaced: only with force, and
 * only a file, an empty folder or an earlier annoport output. AP_OK or
 * AP_ECANTCREAT (set). */
static int may_replace(ap_context *ctx, const char *path, int force)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return AP_OK; /* nothing there */
    int replaceable;
    if (S_ISDIR(st.st_mode)) {
        if (dir_is_empty(path) == 1)
            return AP_OK;
        if (!force)
            return ap_error(ctx, AP_ECANTCREAT,
                            "%s: exists and is not empty; use --force to replace it", path);
        char *m = malloc(strlen(path) + 16);
        if (!m)
            return ap_error_nomem(ctx);
        sprintf(m, "%s/manifest.json", path);
        struct stat ms;
        replaceable = stat(m, &ms) == 0;
        free(m);
    } else {
        if (!force)
            return ap_error(ctx, AP_ECANTCREAT, "%s: exists; use --force to replace it", path);
        replaceable = S_ISREG(st.st_mode);
    }
    if (!replaceable)
        return ap_error(ctx, AP_ECANTCREAT,
                        "%s: will not replace it even with --force: it is not an annoport "
                        "output (no manifest.json)", path);
    return AP_OK;
}

int ap_output_begin(ap_context *ctx, const char *path, int force, ap_output **outp)
{
    *outp = NULL;
    if (!path || !*path)
        return ap_error(ctx, AP_EUSAGE, "no output given (-o OUTPUT)");
    const char *ext = file_extension(path);
    if (ext) {
        int stem = (int)(ext - 1 - path);
        return ap_error(ctx, AP_EUSAGE, "-o %s: names a .%s file, but the output is a folder "
                        "(the converted files, manifest.json and rejects.jsonl in it) or one "
                        ".zip archive; give %.*s/ or %.*s.zip (or %s/ for a folder of that "
                        "name)", path, ext, stem, path, stem, path, path);
    }
    int rc = AP_OK;
    ap_output *out = calloc(1, sizeof *out);
    if (!out)
        return ap_error_nomem(ctx);
    out->ctx = ctx;
    out->final = ap_strdup(path);
    if (!out->final) {
        rc = ap_error_nomem(ctx);
        goto fail;
    }
    size_t n = strlen(out->final);
    while (n > 1 && out->final[n - 1] == '/')
        out->final[--n] = '\0';
    out->zip = ends_with_zip(out->final);
    if ((rc = may_replace(ctx, out->final, force)) != AP_OK)
        goto fail;
    remove_stale(out->final);
    out->tmp = sibling(out->final, "");
    if (!out->tmp) {
        rc = ap_error_nomem(ctx);
        goto fail;
    }
    if (make_parents(out->tmp) != 0 || (remove_tree(out->tmp), mkdir(out->tmp, 0777)) != 0) {
        int e = errno;
        free(out->tmp);
        out->tmp = NULL;
        rc = ap_error(ctx, AP_ECANTCREAT, "%s: cannot create the output: %s", out->final,
                      strerror(e));
        goto fail;
    }
    if (out->zip && !(out->zq = zq_new(ctx, out->tmp))) {
        rc = ap_error_nomem(ctx);
        goto fail;
    }
    *outp = out;
    return AP_OK;
fail:
    ap_output_abort(out);
    return rc;
}

const char *ap_output_tmpdir(const ap_output *out)
{
    return out->tmp;
}

int ap_output_is_zip(const ap_output *out)
{
    return out->zip;
}

/* A relative path that stays inside the tree: no leading '/', no "..". */
static int safe_relpath(const char *rel)
{
    if (!*rel || rel[0] == '/')
        return 0;
    const char *p = rel;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += len;
        if (*p == '/')
            p++;
    }
    return 1;
}

/* Creates relpath in the tree; NULL with errno set. Its folders are made
 * unless they are the last file's (mkdir is a system call each). */
static FILE *create_in(ap_output *out, const char *relpath)
{
    size_t tlen = strlen(out->tmp), n = tlen + strlen(relpath) + 2;
    char *full = malloc(n);
    if (!full) {
        errno = ENOMEM;
        return NULL;
    }
    snprintf(full, n, "%s/%s", out->tmp, relpath);
    const char *slash = strrchr(relpath, '/');
    size_t dlen = slash ? (size_t)(slash - relpath) : 0;
    int made = dlen == 0 || (out->made && strlen(out->made) == dlen &&
                             memcmp(out->made, relpath, dlen) == 0);
    FILE *f = NULL;
    for (char *p = full + tlen + 1; !made && *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int bad = mkdir(full, 0777) != 0 && errno != EEXIST;
        *p = '/';
        if (bad)
            goto done;
    }
    if (!made) {
        free(out->made);
        out->made = ap_strndup(relpath, dlen); /* NULL: made again next time */
    }
    f = fopen(full, "wbx");
done:;
    int e = errno;
    free(full);
    errno = e;
    return f;
}

FILE *ap_output_create(ap_output *out, const char *relpath)
{
    if (!safe_relpath(relpath)) {
        ap_error(out->ctx, AP_EIO, "%s: refusing to write outside the output", relpath);
        return NULL;
    }
    FILE *f = create_in(out, relpath);
    if (!f)
        ap_error(out->ctx, AP_EIO, "%s: cannot create %s: %s", out->final, relpath,
                 strerror(errno));
    return f;
}

/* Closes f; 0, or -1 with errno set. */
static int close_in(ap_output *out, FILE *f, const char *relpath)
{
    int bad = ferror(f), e = errno; /* a failed write left its errno */
    long size = out->zq ? ftell(f) : 0;
    if (fclose(f) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        errno = e ? e : EIO;
        return -1;
    }
    if (out->zq && zq_add(out->zq, relpath, size > 0 ? (uint64_t)size : 0) != 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int ap_output_close(ap_output *out, FILE *f, const char *relpath)
{
    if (close_in(out, f, relpath) != 0)
        return errno == ENOMEM ? ap_error_nomem(out->ctx)
               : ap_error(out->ctx, AP_EIO, "%s: error writing %s: %s", out->final, relpath,
                          strerror(errno));
    return AP_OK;
}

/* A whole file at once: unbuffered, so that its bytes go out in one
 * write(2). */
int ap_output_put(ap_output *out, const char *relpath, ap_buf *b)
{
    if (b->oom)
        return ap_error_nomem(out->ctx);
    FILE *f = ap_output_create(out, relpath);
    if (!f)
        return out->ctx->err;
    setvbuf(f, NULL, _IONBF, 0);
    fwrite(b->p, 1, b->len, f);
    b->len = 0;
    return ap_output_close(out, f, relpath);
}

/* ---- packing the tree into a zip ---- */

static void zip_progress(zip_t *za, double done, void *user)
{
    (void)za;
    ap_progress_set(user, (uint64_t)(done * 1000));
}

/* A zip output's members are deflated while the conversion runs: each file
 * closed with ap_output_close is queued, and --threads - 1 workers take the
 * queue in batches, each batch into an archive of its own in the temporary
 * folder (".annoport-zip-part-K", skipped by the listing). At commit the
 * calling thread joins them on what is left, and the members are copied
 * into the final archive in byte order of their names without being
 * deflated again (zip_source_zip with ZIP_FL_COMPRESSED). A member's
 * deflated bytes depend only on its content and the level, so the archive
 * is the same whatever the number of workers and however the batches fell. */
#define ZQ_BATCH_MIN (4u << 20) /* bytes a worker waits for before a batch */

typedef struct {
    char *name;
    uint64_t size;
    uint32_t part, idx; /* where it was deflated: part archive, entry */
} zq_member;

struct ap_zipq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zq_member *m;
    size_t n, cap, next;     /* m[next..n) wait for a worker */
    uint64_t pending, closed;  /* bytes waiting; bytes queued in all */
    uint64_t share;          /* a batch's bytes once closing */
    int closing, stop, nomem;
    char **parts;            /* the part archives' paths */
    size_t nparts, partcap;
    char err[512];           /* the first failure, "" when none */
    const char *dir;
    int level;
    pthread_t tid[AP_MAX_THREADS];
    int nthreads;
};

static void zq_fail(ap_zipq *q, const char *what, const char *detail)
{
    pthread_mutex_lock(&q->mu);
    if (!q->err[0])
        snprintf(q->err, sizeof q->err, "%.300s%.200s", what, detail);
    q->stop = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Deflates names[0..n) into the part archive at path. */
static void zq_deflate(ap_zipq *q, const char *path, char **names, size_t n)
{
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_EXCL, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        zq_fail(q, "cannot create a part of the archive: ", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", q->dir, names[i]);
        zip_source_t *src = zip_source_file(za, full, 0, -1);
        zip_int64_t idx = src ? zip_file_add(za, names[i], src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0 && src)
            zip_source_free(src);
        if (idx < 0 || zip_set_file_compression(za, (zip_uint64_t)idx, q->level
                                                ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                                (zip_uint32_t)q->level) != 0) {
            char what[4200];
            snprintf(what, sizeof what, "cannot add %s: ", names[i]);
            zq_fail(q, what, zip_strerror(za));
            zip_discard(za);
            return;
        }
    }
    if (zip_close(za) != 0) {
        zq_fail(q, "cannot write a part of the archive: ", zip_strerror(za));
        zip_discard(za);
    }
}

/* A worker: takes batches until the queue is closed and empty. */
static void *zq_run(void *arg)
{
    ap_zipq *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        uint64_t want = q->closing ? q->share : q->closed / 32 > ZQ_BATCH_MIN
                        ? q->closed / 32 : ZQ_BATCH_MIN;
        if (q->stop || (q->closing && q->next == q->n))
            break;
        if (q->next == q->n || (!q->closing && q->pending < want)) {
            pthread_cond_wait(&q->cv, &q->mu);
            continue;
        }
        size_t from = q->next;
        uint64_t took = 0;
        while (q->next < q->n && (took < want || q->next == from))
            took += q->m[q->next++].size;
        q->pending -= took;
        size_t cnt = q->next - from;
        char **names = malloc(cnt * sizeof *names);
        char *path = malloc(strlen(q->dir) + 40);
        if (names && path && q->nparts == q->partcap) {
            size_t cap = q->partcap * 2 + 8;
            char **grown = realloc(q->parts, cap * sizeof *grown);
            if (grown) {
                q->parts = grown;
                q->partcap = cap;
            }
        }
        if (!names || !path || q->nparts == q->partcap) {
            free(names);
            free(path);
            q->nomem = 1;
            q->stop = 1;
            pthread_cond_broadcast(&q->cv);
            break;
        }
        uint32_t part = (uint32_t)q->nparts;
        sprintf(path, "%s/.annoport-zip-part-%u", q->dir, (unsigned)part);
        q->parts[q->nparts++] = path;
        for (size_t i = 0; i < cnt; i++) {
            q->m[from + i].part = part;
            q->m[from + i].idx = (uint32_t)i;
            names[i] = q->m[from + i].name;
        }
        pthread_mutex_unlock(&q->mu);
        zq_deflate(q, path, names, cnt);
        free(names);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static ap_zipq *zq_new(ap_context *ctx, const char *dir)
{
    ap_zipq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->dir = dir;
    q->level = ctx->opt.zip_level;
    for (int k = 1; k < ctx->opt.threads; k++) /* the caller is the last one */
        if (pthread_create(&q->tid[q->nthreads], NULL, zq_run, q) == 0)
            q->nthreads++;
    return q;
}

/* Queues a closed file. AP_OK or an error (set). */
static int zq_add(ap_zipq *q, const char *relpath, uint64_t size)
{
    char *name = ap_strdup(relpath);
    pthread_mutex_lock(&q->mu);
    if (name && q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        zq_member *m = realloc(q->m, cap * sizeof *m);
        if (m) {
            q->m = m;
            q->cap = cap;
        }
    }
    int ok = name && q->n < q->cap;
    if (ok) {
        q->m[q->n++] = (zq_member){name, size, 0, 0};
        q->pending += size;
        q->closed += size;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    if (!ok) {
        free(name);
        return -1;
    }
    return 0;
}

/* Stops the workers: after what is queued when drain, at once otherwise. */
static void zq_finish(ap_zipq *q, int drain)
{
    pthread_mutex_lock(&q->mu);
    q->closing = 1;
    q->stop |= !drain;
    uint64_t k = (uint64_t)q->nthreads + 1;
    q->share = q->pending / k + 1;
    if (q->share < (256u << 10))
        q->share = 256u << 10;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (drain)
        zq_run(q);
    for (int k2 = 0; k2 < q->nthreads; k2++)
        pthread_join(q->tid[k2], NULL);
    q->nthreads = 0;
}

static void zq_free(ap_zipq *q)
{
    if (!q)
        return;
    if (q->nthreads)
        zq_finish(q, 0);
    for (size_t i = 0; i < q->n; i++)
        free(q->m[i].name);
    for (size_t i = 0; i < q->nparts; i++)
        free(q->parts[i]);
    free(q->m);
    free(q->parts);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const zq_member *)a)->name, ((const zq_member *)b)->name);
}

/* Once the workers are done: deflates what was not closed through
 * ap_output_close (nothing, as the writers are today; the listing is what
 * the archive holds), here. */
static int zq_add_unqueued(ap_context *ctx, ap_zipq *q, const ap_names *l)
{
    qsort(q->m, q->n, sizeof *q->m, cmp_member);
    size_t queued = q->n, j = 0;
    for (size_t i = 0; i < l->n; i++) {
        while (j < queued && strcmp(q->m[j].name, l->v[i]) < 0)
            j++;
        if (j < queued && strcmp(q->m[j].name, l->v[i]) == 0)
            continue;
        if (zq_add(q, l->v[i], 0) != 0)
            return ap_error_nomem(ctx);
    }
    if (q->n > queued)
        zq_run(q);
    return AP_OK;
}

static int pack_zip(ap_output *out)
{
    ap_context *ctx = out->ctx;
    ap_zipq *q = out->zq;
    ap_names l = {0};
    ap_container *tree = NULL;
    zip_t **parts = NULL;
    int rc = ap_container_open(ctx, out->tmp, &tree);
    if (rc == AP_OK)
        rc = ap_container_list(ctx, tree, &l); /* byte-sorted, part archives skipped */
    ap_container_close(tree);
    if (rc)
        goto done;
    out->tmpzip = sibling(out->final, ".zip");
    if (!out->tmpzip) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    /* what is left to deflate, on every thread, then the copy */
    ap_progress_phase(ctx, "writing the archive", 1000);
    zq_finish(q, 1);
    if ((rc = zq_add_unqueued(ctx, q, &l)) != AP_OK)
        goto done;
    if (q->nomem || q->err[0]) {
        rc = q->nomem ? ap_error_nomem(ctx)
                      : ap_error(ctx, AP_EIO, "%s: %s", out->final, q->err);
        goto done;
    }
    qsort(q->m, q->n, sizeof *q->m, cmp_member);
    if (q->nparts && !(parts = calloc(q->nparts, sizeof *parts))) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    for (size_t k = 0; k < q->nparts; k++) {
        int zerr = 0;
        if (!(parts[k] = zip_open(q->parts[k], ZIP_RDONLY, &zerr))) {
            rc = ap_error(ctx, AP_EIO, "%s: cannot reopen a part of the archive (libzip "
                          "error %d)", out->final, zerr);
            goto done;
        }
    }
    unlink(out->tmpzip);
    int zerr = 0;
    zip_t *za = zip_open(out->tmpzip, ZIP_CREATE | ZIP_EXCL, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        rc = ap_error(ctx, AP_ECANTCREAT, "%s: cannot create the archive: %s", out->final,
                      zip_error_strerror(&ze));
        zip_error_fini(&ze);
        goto done;
    }
    struct tm tm = {0};
    tm.tm_year = 2000 - 1900;
    tm.tm_mon = 0;
    tm.tm_mday = 1;
    tm.tm_isdst = -1;
    time_t fixed = mktime(&tm);
    for (size_t i = 0; i < q->n; i++) {
        const zq_member *m = &q->m[i];
        /* the member as its part deflated it, copied as it is */
        zip_source_t *src = zip_source_zip(za, parts[m->part], m->idx, ZIP_FL_COMPRESSED, 0, -1);
        zip_int64_t idx = src ? zip_file_add(za, m->name, src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            rc = ap_error(ctx, AP_EIO, "%s: cannot add %s to the archive: %s", out->final,
                          m->name, zip_strerror(za));
            break;
        }
        zip_file_set_mtime(za, (zip_uint64_t)idx, fixed, 0);
        /* a regular file, rw-r--r--, whatever the umask */
        if (zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
                                             (zip_uint32_t)0100644 << 16) != 0) {
            rc = ap_error(ctx, AP_EIO, "%s: cannot set the attributes of %s: %s",
                          out->final, m->name, zip_strerror(za));
            break;
        }
        /* the method the part used: the same one copies, another would
         * make libzip compress again */
        if (zip_set_file_compression(za, (zip_uint64_t)idx,
                                     ctx->opt.zip_level ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                     (zip_uint32_t)ctx->opt.zip_level) != 0) {
            rc = ap_error(ctx, AP_EIO, "%s: cannot set the compression of %s: %s",
                          out->final, m->name, zip_strerror(za));
            break;
        }
    }
    if (rc == AP_OK) {
        if (ctx->progress)
            zip_register_progress_callback_with_state(za, 0.001, zip_progress, NULL, ctx);
        if (zip_close(za) != 0) {
            rc = ap_error(ctx, AP_EIO, "%s: cannot write the archive: %s", out->final,
                          zip_strerror(za));
            zip_discard(za);
        }
    } else {
        zip_discard(za);
    }
done:
    for (size_t k = 0; parts && k < q->nparts; k++)
        if (parts[k])
            zip_discard(parts[k]);
    free(parts);
    ap_names_free(&l);
    return rc;
}

int ap_output_commit(ap_output *out)
{
    ap_context *ctx = out->ctx;
    int rc = AP_OK;
    const char *ready = out->tmp;
    if (out->zip) {
        rc = pack_zip(out);
        if (rc)
            goto fail;
        ready = out->tmpzip;
    }
    struct stat st;
    char *old = NULL;
    if (lstat(out->final, &st) == 0) {
        /* replaced (empty folder or --force, checked in begin): set it aside
         * first, since rename() cannot replace a non-empty folder */
        old = sibling(out->final, ".old");
        if (!old) {
            rc = ap_error_nomem(ctx);
            goto fail;
        }
        remove_tree(old);
        if (rename(out->final, old) != 0) {
            rc = ap_error(ctx, AP_ECANTCREAT, "%s: cannot replace it: %s", out->final,
                          strerror(errno));
            free(old);
            goto fail;
        }
    }
    if (rename(ready, out->final) != 0) {
        rc = ap_error(ctx, AP_ECANTCREAT, "%s: cannot move the output into place: %s",
                      out->final, strerror(errno));
        if (old)
            rename(old, out->final); /* put the old one back */
        free(old);
        goto fail;
    }
    if (old) {
        remove_tree(old);
        free(old);
    }
    if (out->zip) {
        free(out->tmpzip);
        out->tmpzip = NULL;
    } else {
        free(out->tmp);
        out->tmp = NULL;
    }
fail:
    ap_output_abort(out);
    return rc;
}
