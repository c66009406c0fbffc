/*
 * store.c: memory for the tables that grow with the dataset (inputs, their
 * ids and names, the maps that find them, COCO's image and annotation ids).
 *
 * With a folder (a conversion: the output's temporary folder), the memory
 * is an unnamed temporary file there, mapped in regions. The store counts
 * what of it is resident, as git counts the bytes of its pack windows: the
 * 64 KiB blocks it has handed out, or that were read or written through
 * its operations (map.c's lookups, a writer's walk through ap_run_input),
 * since the last trim; a block is counted once, whole, as a read fault
 * brings its neighbours in with it. Once that passes the budget, every
 * region is let go of (MADV_DONTNEED): the pages stay in the file and the
 * page cache, and come back on the next touch. Resident memory thus stays
 * near the budget however many images there are, and the kernel can write
 * the tables to disk when memory is short. No caller ticks: the count moves
 * inside the store's own operations. Without a folder (validate, a caller's
 * own writer, or a file system without O_TMPFILE, with a warning) the
 * regions are anonymous memory, never trimmed.
 *
 * Memory comes zeroed, 16-byte aligned, and goes back all at once when the
 * store is freed; a large block (a map's slots before it grows) can be
 * given back alone, which releases its range of the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define STORE_BIG ((size_t)256 << 10)    /* blocks this large get a region */
#define STORE_CHUNK_MIN ((size_t)1 << 20) /* the first chunk; they double */
#define STORE_CHUNK_MAX ((size_t)16 << 20)
#define STORE_BLOCK_SHIFT 16                /* the unit the residency is counted in */
/* The least that is kept resident, whatever the budget: below two blocks,
 * nearly every touch of another block would trim. */
#define STORE_LEAST ((size_t)2 << STORE_BLOCK_SHIFT)

typedef struct {
    char *p;
    size_t len;
    off_t off;      /* its place in the file */
    uint32_t *seen; /* a block's generation when it was last counted */
} region;

struct ap_store {
    ap_context *ctx;
    int fd;            /* -1: anonymous memory */
    off_t fend;        /* the file's allocated end */
    region *r;
    size_t nr, rcap;
    char *cur;         /* the chunk small blocks are cut from */
    size_t left, chunk;
    char *ready;       /* cur..ready is populated (see populate) */
    int no_populate;   /* the kernel has no MADV_POPULATE_WRITE */
    uintptr_t pmask;   /* the page size, less one */
    size_t budget;
    size_t resident;   /* bytes of the blocks counted since the last trim */
    uint32_t gen;      /* the trims so far, plus one: a block's mark */
    size_t last;       /* the region touched last (touches come in runs) */
    uint64_t trims;
    int trim_failed;   /* madvise refused: said once */
};

ap_store *ap_store_new(ap_context *ctx, const char *dir, size_t budget)
{
    ap_store *st = calloc(1, sizeof *st);
    if (!st) {
        ap_error_nomem(ctx);
        return NULL;
    }
    st->ctx = ctx;
    st->fd = -1;
    st->gen = 1;
    st->budget = budget;
    st->chunk = STORE_CHUNK_MIN;
    st->pmask = (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
    if (dir) {
        /* unnamed: nothing to remove, even after a kill */
        st->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (st->fd < 0) {
            ap_warn(ctx, "%s: no unnamed temporary file can be made here (%s); the input "
                    "tables stay in memory", dir, strerror(errno));
            return st;
        }
    }
    return st;
}

void ap_store_free(ap_store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nr; i++) {
        munmap(st->r[i].p, st->r[i].len);
        free(st->r[i].seen);
    }
    free(st->r);
    if (st->fd >= 0)
        close(st->fd);
    free(st);
}

static void *fail(ap_store *st, int e)
{
    if (e == ENOMEM || st->fd < 0)
        ap_error_nomem(st->ctx);
    else
        ap_error(st->ctx, AP_EIO, "cannot grow the temporary file of the tables: %s",
                 strerror(e));
    return NULL;
}

static region *new_region(ap_store *st, size_t len)
{
    len = (len + st->pmask) & ~(size_t)st->pmask;
    if (ap_grow(&st->r, &st->rcap, st->nr + 1, sizeof *st->r) != 0)
        return fail(st, ENOMEM);
    uint32_t *seen = NULL;
    if (st->fd >= 0 &&
        !(seen = calloc((len >> STORE_BLOCK_SHIFT) + 1, sizeof *seen)))
        return fail(st, ENOMEM);
    void *p;
    if (st->fd >= 0) {
        /* blocks on disk first: a full disk is an error here, not a
         * SIGBUS at the first touch */
        int e = posix_fallocate(st->fd, st->fend, (off_t)len);
        if (e) {
            free(seen);
            return fail(st, e);
        }
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, st->fd, st->fend);
    } else {
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
    }
    if (p == MAP_FAILED) {
        free(seen);
        return fail(st, errno);
    }
    if (st->fd >= 0)
        madvise(p, len, MADV_NORMAL);
    region *r = &st->r[st->nr++];
    r->p = p;
    r->len = len;
    r->off = st->fend;
    r->seen = seen;
    if (st->fd >= 0)
        st->fend += (off_t)len;
    return r;
}

/* The region holding p, or NULL (not the store's: a caller's own memory). */
static region *store_region(ap_store *st, const char *p)
{
    if (st->last < st->nr && p >= st->r[st->last].p &&
        p < st->r[st->last].p + st->r[st->last].len)
        return &st->r[st->last];
    for (size_t i = 0; i < st->nr; i++) {
        if (p >= st->r[i].p && p < st->r[i].p + st->r[i].len) {
            st->last = i;
            return &st->r[i];
        }
    }
    return NULL;
}

void ap_store_touch(ap_store *st, const void *p, size_t n)
{
    if (!st || st->fd < 0 || !p || !n)
        return;
    region *r = store_region(st, p);
    if (!r)
        return;
    size_t at = (size_t)((const char *)p - r->p);
    size_t end = at + n < r->len ? at + n : r->len;
    size_t first = at >> STORE_BLOCK_SHIFT, last = (end - 1) >> STORE_BLOCK_SHIFT, fresh = 0;
    for (size_t b = first; b <= last; b++)
        fresh += r->seen[b] != st->gen;
    /* the trim first: what is touched now is counted after it */
    size_t limit = st->budget > STORE_LEAST ? st->budget : STORE_LEAST;
    if (fresh && st->resident && st->resident + (fresh << STORE_BLOCK_SHIFT) > limit)
        ap_store_trim(st);
    for (size_t b = first; b <= last; b++) {
        if (r->seen[b] != st->gen) {
            r->seen[b] = st->gen;
            st->resident += (size_t)1 << STORE_BLOCK_SHIFT;
        }
    }
}

/* Maps the pages of [p, p + n) in one system call before they are
 * written, instead of a page fault for each (a fault on a shared file
 * mapping costs tens of microseconds on a virtual machine). Best effort:
 * without it the pages fault in as they are touched. */
#define STORE_AHEAD ((size_t)256 << 10)

static void populate(ap_store *st, char *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (st->no_populate || n == 0)
        return;
    if (madvise(p, n, MADV_POPULATE_WRITE) != 0 && errno == EINVAL)
        st->no_populate = 1;
#else
    (void)st;
    (void)p;
    (void)n;
#endif
}

void *ap_store_alloc(ap_store *st, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    void *p;
    if (n >= STORE_BIG) {
        region *r = new_region(st, n);
        if (!r)
            return NULL;
        p = r->p;
        populate(st, p, n & ~(size_t)st->pmask); /* written next */
    } else {
        if (n > st->left) {
            region *r = new_region(st, st->chunk);
            if (!r)
                return NULL;
            st->cur = st->ready = r->p;
            st->left = r->len;
            if (st->chunk < STORE_CHUNK_MAX)
                st->chunk *= 2;
        }
        p = st->cur;
        st->cur += n;
        st->left -= n;
        if (st->cur > st->ready) { /* the next pages, a window at a time */
            char *end = st->cur + st->left;
            uintptr_t pmask = st->pmask;
            char *from = st->ready > (char *)p ? st->ready : (char *)p - ((uintptr_t)p & pmask);
            size_t ahead = st->budget / 8 < STORE_AHEAD ? st->budget / 8 : STORE_AHEAD;
            char *to = st->cur + ahead < end ? st->cur + ahead : end;
            to -= (uintptr_t)to & pmask;
            if (to > from)
                populate(st, from, (size_t)(to - from));
            st->ready = to > st->cur ? to : st->cur;
        }
    }
    ap_store_touch(st, p, n); /* handed out: the caller writes it */
    return p;
}

void ap_store_release(ap_store *st, void *p, size_t n)
{
    if (!p || ((n + 15) & ~(size_t)15) < STORE_BIG)
        return; /* small blocks go back with the store */
    for (size_t i = 0; i < st->nr; i++) {
        if (st->r[i].p != p)
            continue;
        munmap(st->r[i].p, st->r[i].len);
#ifdef FALLOC_FL_PUNCH_HOLE
        if (st->fd >= 0)
            fallocate(st->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, st->r[i].off,
                      (off_t)st->r[i].len);
#endif
        free(st->r[i].seen);
        st->r[i] = st->r[--st->nr];
        st->last = 0;
        return;
    }
}

char *ap_store_strdup(ap_store *st, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ap_store_alloc(st, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void ap_store_trim(ap_store *st)
{
    if (st->fd < 0)
        return;
    for (size_t i = 0; i < st->nr; i++) {
        if (madvise(st->r[i].p, st->r[i].len, MADV_DONTNEED) != 0 && !st->trim_failed) {
            st->trim_failed = 1;
            ap_warn(st->ctx, "the input tables cannot be let go of (%s); they stay in "
                    "memory", strerror(errno));
        }
    }
    st->trims++;
    st->gen++;
    st->resident = 0;
    st->ready = st->cur; /* let go of too: populated again as it is cut */
}

uint64_t ap_store_trims(const ap_store *st)
{
    return st->trims;
}

int ap_store_on_disk(const ap_store *st)
{
    return st->fd >= 0;
}

int ap_store_grow(ap_store *st, void *arr, size_t *cap, size_t need, size_t elem)
{
    if (!st)
        return ap_grow(arr, cap, need, elem);
    if (need <= *cap)
        return 0;
    size_t nc = ap_grown_cap(*cap, need);
    void **p = arr;
    void *np = ap_store_alloc(st, nc * elem);
    if (!np)
        return -1;
    /* a megabyte at a time, counted, so that a large array is copied
     * within the budget */
    for (size_t at = 0, n = *cap * elem; at < n; at += (size_t)1 << 20) {
        size_t k = n - at < ((size_t)1 << 20) ? n - at : (size_t)1 << 20;
        ap_store_touch(st, (char *)*p + at, k);
        ap_store_touch(st, (char *)np + at, k);
        memcpy((char *)np + at, (char *)*p + at, k);
    }
    ap_store_release(st, *p, *cap * elem);
    *p = np;
    *cap = nc;
    return 0;
}

int ap_store_io(const ap_store *st, size_t bytes)
{
    return st && st->fd >= 0 && bytes > st->budget / 4;
}

long long ap_store_offset(const ap_store *st, const void *p)
{
    const char *c = p;
    for (size_t i = 0; i < st->nr; i++)
        if (c >= st->r[i].p && c < st->r[i].p + st->r[i].len)
            return st->r[i].off + (c - st->r[i].p);
    return -1;
}

int ap_store_pread(ap_store *st, void *dst, size_t n, long long off)
{
    ssize_t got = pread(st->fd, dst, n, (off_t)off);
    if (got == (ssize_t)n)
        return 0;
    memset(dst, 0, n);
    return ap_error(st->ctx, AP_EIO, "cannot read the temporary file of the tables: %s",
                    got < 0 ? strerror(errno) : "short read");
}

int ap_store_pwrite(ap_store *st, const void *src, size_t n, long long off)
{
    ssize_t put = pwrite(st->fd, src, n, (off_t)off);
    if (put == (ssize_t)n)
        return 0;
    return ap_error(st->ctx, AP_EIO, "cannot write the temporary file of the tables: %s",
                    put < 0 ? strerror(errno) : "short write");
}

/* A writer's walk over the inputs: each one's record, id and name are read
 * through here, so that the walk is counted like the store's own reads. */
const ap_input *ap_run_input(const ap_run_info *info, size_t i)
{
    const ap_input *in = info->inputs[i];
    ap_store *st = info->core;
    if (st && st->fd >= 0) {
        ap_store_touch(st, &info->inputs[i], sizeof *info->inputs);
        ap_store_touch(st, in, sizeof *in);
        ap_store_touch(st, in->id, strlen(in->id) + 1);
        ap_store_touch(st, in->file_name, strlen(in->file_name) + 1);
    }
    return in;
}
