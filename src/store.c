/*
 * store.c: memory for the tables that grow with the dataset (inputs, their
 * ids and names, the maps that find them, COCO's image and annotation ids).
 *
 * With a folder (a conversion: the output's temporary folder), the memory
 * is an unnamed temporary file there, mapped in regions. Once the process's
 * resident memory (/proc/self/statm, read every few records) has grown by
 * more than the budget since the last trim, every region is let go of
 * (MADV_DONTNEED): the pages stay in the file and the page cache, and come
 * back on the next touch. Resident memory thus stays near the budget
 * however many images there are, and the kernel can write the tables to
 * disk when memory is short. Without a folder (validate, a
 * caller's own writer, or a file system without O_TMPFILE, with a warning)
 * the regions are anonymous memory, never trimmed.
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
#define TICKS_PER_CHECK 32

typedef struct {
    char *p;
    size_t len;
    off_t off; /* its place in the file */
} region;

struct ap_store {
    ap_context *ctx;
    int fd;            /* -1: anonymous memory */
    off_t fend;        /* the file's allocated end */
    region *r;
    size_t nr, rcap;
    char *cur;         /* the chunk small blocks are cut from */
    size_t left, chunk;
    size_t budget;
    int statm;         /* /proc/self/statm, -1: never trimmed */
    size_t rss_mark;   /* resident bytes after the last trim */
    unsigned ticks;
    uint64_t trims;
};

/* Resident bytes of the process, 0 when unknown. */
static size_t resident(int statm)
{
    char buf[128];
    ssize_t n = statm >= 0 ? pread(statm, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long long size, pages;
    if (sscanf(buf, "%llu %llu", &size, &pages) != 2)
        return 0;
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

ap_store *ap_store_new(ap_context *ctx, const char *dir, size_t budget)
{
    ap_store *st = calloc(1, sizeof *st);
    if (!st) {
        ap_error_nomem(ctx);
        return NULL;
    }
    st->ctx = ctx;
    st->fd = -1;
    st->statm = -1;
    st->budget = budget;
    st->chunk = STORE_CHUNK_MIN;
    if (dir) {
        /* unnamed: nothing to remove, even after a kill */
        st->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (st->fd < 0) {
            ap_warn(ctx, "%s: no unnamed temporary file can be made here (%s); the input "
                    "tables stay in memory", dir, strerror(errno));
            return st;
        }
        st->statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
        st->rss_mark = resident(st->statm);
    }
    return st;
}

void ap_store_free(ap_store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nr; i++)
        munmap(st->r[i].p, st->r[i].len);
    free(st->r);
    if (st->fd >= 0)
        close(st->fd);
    if (st->statm >= 0)
        close(st->statm);
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
    long page = sysconf(_SC_PAGESIZE);
    len = (len + (size_t)page - 1) & ~((size_t)page - 1);
    if (ap_grow(&st->r, &st->rcap, st->nr + 1, sizeof *st->r) != 0)
        return fail(st, ENOMEM);
    void *p;
    if (st->fd >= 0) {
        /* blocks on disk first: a full disk is an error here, not a
         * SIGBUS at the first touch */
        int e = posix_fallocate(st->fd, st->fend, (off_t)len);
        if (e)
            return fail(st, e);
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, st->fd, st->fend);
    } else {
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
    }
    if (p == MAP_FAILED)
        return fail(st, errno);
    if (st->fd >= 0)
        madvise(p, len, MADV_NORMAL);
    region *r = &st->r[st->nr++];
    r->p = p;
    r->len = len;
    r->off = st->fend;
    if (st->fd >= 0)
        st->fend += (off_t)len;
    return r;
}

void *ap_store_alloc(ap_store *st, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if (n >= STORE_BIG) {
        region *r = new_region(st, n);
        return r ? r->p : NULL;
    }
    if (n > st->left) {
        region *r = new_region(st, st->chunk);
        if (!r)
            return NULL;
        st->cur = r->p;
        st->left = r->len;
        if (st->chunk < STORE_CHUNK_MAX)
            st->chunk *= 2;
    }
    void *p = st->cur;
    st->cur += n;
    st->left -= n;
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
        st->r[i] = st->r[--st->nr];
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
    for (size_t i = 0; i < st->nr; i++)
        madvise(st->r[i].p, st->r[i].len, MADV_DONTNEED);
    st->trims++;
    st->rss_mark = resident(st->statm);
}

static void check(ap_store *st)
{
    if (st->statm >= 0 && resident(st->statm) > st->rss_mark + st->budget)
        ap_store_trim(st);
}

void ap_store_tick(ap_store *st)
{
    if (st && ++st->ticks % TICKS_PER_CHECK == 0)
        check(st);
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
    for (size_t at = 0, n = *cap * elem; at < n; at += (size_t)1 << 20) {
        memcpy((char *)np + at, (char *)*p + at, n - at < ((size_t)1 << 20) ? n - at : (size_t)1 << 20);
        check(st); /* a large array is copied within the budget */
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
