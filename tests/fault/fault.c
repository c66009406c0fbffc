/*
 * fault.c: a preload library for fault-injection tests (LD_PRELOAD).
 *   ANNOPORT_FAIL_OPEN=N   the Nth fopen of a file inside an annoport
 *                          temporary output is opened on /dev/full, so its
 *                          writes fail with ENOSPC;
 *   ANNOPORT_FAIL_ALLOC=N  the Nth malloc, calloc or realloc fails;
 *   ANNOPORT_FAIL_FALLOCATE=N  the Nth posix_fallocate and every later one
 *                          fail with ENOSPC (a disk that is full from then on);
 *   ANNOPORT_COUNT_ALLOC=1 prints how many allocations the run made.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long fail_alloc = -1, allocs = 0;
static int count_alloc = 0;

__attribute__((constructor)) static void init(void)
{
    const char *v = getenv("ANNOPORT_FAIL_ALLOC");
    if (v)
        fail_alloc = atol(v);
    count_alloc = getenv("ANNOPORT_COUNT_ALLOC") != NULL;
}

__attribute__((destructor)) static void fini(void)
{
    if (count_alloc) {
        char buf[64];
        int n = snprintf(buf, sizeof buf, "allocations: %ld\n", allocs);
        if (write(2, buf, (size_t)n) < 0)
            return;
    }
}

static int fail_now(void)
{
    return ++allocs == fail_alloc;
}

void *malloc(size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (fail_now()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}

FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);
    static long opens = 0, fail_open = -2;
    if (!real)
        real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
    if (fail_open == -2) {
        const char *v = getenv("ANNOPORT_FAIL_OPEN");
        fail_open = v ? atol(v) : -1;
    }
    if (strstr(path, ".annoport-tmp-") && ++opens == fail_open)
        return real("/dev/full", "w");
    return real(path, mode);
}

int posix_fallocate(int fd, off_t off, off_t len)
{
    static int (*real)(int, off_t, off_t);
    static long calls = 0, fail_from = -2;
    if (!real)
        real = (int (*)(int, off_t, off_t))dlsym(RTLD_NEXT, "posix_fallocate");
    if (fail_from == -2) {
        const char *v = getenv("ANNOPORT_FAIL_FALLOCATE");
        fail_from = v ? atol(v) : -1;
    }
    if (fail_from > 0 && ++calls >= fail_from)
        return ENOSPC;
    return real(fd, off, len);
}
