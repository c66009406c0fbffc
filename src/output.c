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
};

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
    if (out->tmp)
        remove_tree(out->tmp);
    if (out->tmpzip)
        unlink(out->tmpzip);
    free(out->final);
    free(out->tmp);
    free(out->tmpzip);
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

FILE *ap_output_create(ap_output *out, const char *relpath)
{
    if (!safe_relpath(relpath)) {
        ap_error(out->ctx, AP_EIO, "%s: refusing to write outside the output", relpath);
        return NULL;
    }
    size_t n = strlen(out->tmp) + strlen(relpath) + 2;
    char *full = malloc(n);
    if (!full) {
        ap_error_nomem(out->ctx);
        return NULL;
    }
    snprintf(full, n, "%s/%s", out->tmp, relpath);
    FILE *f = NULL;
    if (make_parents(full) == 0)
        f = fopen(full, "wbx");
    if (!f)
        ap_error(out->ctx, AP_EIO, "%s: cannot create %s: %s", out->final, relpath,
                 strerror(errno));
    free(full);
    return f;
}

int ap_output_close(ap_output *out, FILE *f, const char *relpath)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return ap_error(out->ctx, AP_EIO, "%s: error writing %s: %s", out->final, relpath,
                        strerror(errno ? errno : EIO));
    return AP_OK;
}

/* ---- packing the tree into a zip ---- */

static void zip_progress(zip_t *za, double done, void *user)
{
    (void)za;
    ap_progress_set(user, (uint64_t)(done * 1000));
}

/* The members are deflated by up to --threads workers, each into an
 * archive of its own inside the temporary folder (member k of the sorted
 * list goes to part k % n), then copied into the final archive in order
 * without being deflated again (zip_source_zip with ZIP_FL_COMPRESSED).
 * A member's deflated bytes depend only on its content and the level, so
 * the archive is the same whatever the number of workers. */
typedef struct {
    const char *dir;      /* the temporary folder */
    char **names;         /* every member, byte-sorted */
    size_t n, part, nparts;
    int level;
    char path[4096];      /* the part's archive */
    zip_t *za;            /* open for reading once written */
    char err[512];        /* the failure, "" when none */
} zip_part;

static void *zip_part_run(void *arg)
{
    zip_part *p = arg;
    int zerr = 0;
    zip_t *za = zip_open(p->path, ZIP_CREATE | ZIP_EXCL, &zerr);
    if (!za) {
        snprintf(p->err, sizeof p->err, "cannot create a part of the archive (libzip error %d)",
                 zerr);
        return NULL;
    }
    for (size_t i = p->part; i < p->n && !p->err[0]; i += p->nparts) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", p->dir, p->names[i]);
        zip_source_t *src = zip_source_file(za, full, 0, -1);
        zip_int64_t idx = src ? zip_file_add(za, p->names[i], src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
        } else if (zip_set_file_compression(za, (zip_uint64_t)idx, p->level ? ZIP_CM_DEFLATE
                                            : ZIP_CM_STORE, (zip_uint32_t)p->level) == 0) {
            continue;
        }
        snprintf(p->err, sizeof p->err, "cannot add %s: %s", p->names[i], zip_strerror(za));
    }
    if (p->err[0]) {
        zip_discard(za);
        return NULL;
    }
    if (zip_close(za) != 0) {
        snprintf(p->err, sizeof p->err, "%s", zip_strerror(za));
        zip_discard(za);
        return NULL;
    }
    if (!(p->za = zip_open(p->path, ZIP_RDONLY, &zerr)))
        snprintf(p->err, sizeof p->err, "cannot reopen a part of the archive (libzip error "
                 "%d)", zerr);
    return NULL;
}

/* Deflates the members into nparts part archives, on as many threads. */
static int zip_parts(ap_output *out, ap_names *l, zip_part *parts, size_t nparts)
{
    ap_context *ctx = out->ctx;
    pthread_t tid[AP_MAX_THREADS];
    int started[AP_MAX_THREADS] = {0};
    for (size_t k = 0; k < nparts; k++) {
        zip_part *p = &parts[k];
        p->dir = out->tmp;
        p->names = l->v;
        p->n = l->n;
        p->part = k;
        p->nparts = nparts;
        p->level = ctx->opt.zip_level;
        snprintf(p->path, sizeof p->path, "%s/.annoport-zip-part-%zu", out->tmp, k);
        if (k > 0)
            started[k] = pthread_create(&tid[k], NULL, zip_part_run, p) == 0;
    }
    zip_part_run(&parts[0]);
    for (size_t k = 1; k < nparts; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            zip_part_run(&parts[k]); /* no thread to be had: here */
    }
    for (size_t k = 0; k < nparts; k++)
        if (parts[k].err[0])
            return ap_error(ctx, AP_EIO, "%s: %s", out->final, parts[k].err);
    return AP_OK;
}

static int pack_zip(ap_output *out)
{
    ap_context *ctx = out->ctx;
    ap_names l = {0};
    ap_container *tree = NULL;
    zip_part *parts = NULL;
    size_t nparts = 0;
    int rc = ap_container_open(ctx, out->tmp, &tree);
    if (rc == AP_OK)
        rc = ap_container_list(ctx, tree, &l); /* byte-sorted */
    ap_container_close(tree);
    if (rc)
        goto done;
    out->tmpzip = sibling(out->final, ".zip");
    if (!out->tmpzip) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    nparts = (size_t)(ctx->opt.threads < 1 ? 1 : ctx->opt.threads);
    if (nparts > l.n)
        nparts = l.n ? l.n : 1;
    if (!(parts = calloc(nparts, sizeof *parts))) {
        rc = ap_error_nomem(ctx);
        goto done;
    }
    /* the deflate (most of a zip run), then the copy into the archive */
    ap_progress_phase(ctx, "writing the archive", 1000);
    if ((rc = zip_parts(out, &l, parts, nparts)) != AP_OK)
        goto done;
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
    for (size_t i = 0; i < l.n; i++) {
        /* the member as its part deflated it, copied as it is */
        zip_source_t *src = zip_source_zip(za, parts[i % nparts].za, i / nparts,
                                           ZIP_FL_COMPRESSED, 0, -1);
        zip_int64_t idx = src ? zip_file_add(za, l.v[i], src, ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src)
                zip_source_free(src);
            rc = ap_error(ctx, AP_EIO, "%s: cannot add %s to the archive: %s", out->final,
                          l.v[i], zip_strerror(za));
            break;
        }
        zip_file_set_mtime(za, (zip_uint64_t)idx, fixed, 0);
        /* the method the part used: the same one copies, another would
         * make libzip compress again */
        if (zip_set_file_compression(za, (zip_uint64_t)idx,
                                     ctx->opt.zip_level ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                     (zip_uint32_t)ctx->opt.zip_level) != 0) {
            rc = ap_error(ctx, AP_EIO, "%s: cannot set the compression of %s: %s",
                          out->final, l.v[i], zip_strerror(za));
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
    for (size_t k = 0; parts && k < nparts; k++)
        if (parts[k].za)
            zip_discard(parts[k].za);
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
