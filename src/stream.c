/*
 * stream.c: byte sources a reader can read more than once. A file is read
 * with read(2) into the caller's buffer (no whole-file reads, no mapping,
 * so resident memory does not follow the file size); standard input is
 * first copied to an unlinked temporary file so that it can be rewound.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct ap_stream {
    int fd;
    char *name;
    uint64_t size;
};

static int spool_stdin(ap_context *ctx)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/annoport-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        ap_error(ctx, AP_ENOINPUT, "-: cannot make a temporary file for standard input: %s",
                 strerror(errno));
        return -1;
    }
    unlink(path);
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            ap_error(ctx, AP_ENOINPUT, "-: cannot read standard input: %s", strerror(errno));
            close(fd);
            return -1;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                ap_error(ctx, AP_ENOINPUT, "-: cannot spool standard input: %s",
                         strerror(errno));
                close(fd);
                return -1;
            }
            off += w;
        }
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        ap_error(ctx, AP_ENOINPUT, "-: cannot rewind the spooled input");
        return -1;
    }
    return fd;
}

ap_stream *ap_stream_open(ap_context *ctx, const char *path)
{
    ap_stream *s = calloc(1, sizeof *s);
    if (!s) {
        ap_error_nomem(ctx);
        return NULL;
    }
    s->name = ap_strdup(path);
    if (!s->name) {
        free(s);
        ap_error_nomem(ctx);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        s->fd = spool_stdin(ctx);
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            ap_error(ctx, AP_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    if (s->fd < 0) {
        free(s->name);
        free(s);
        return NULL;
    }
    struct stat st;
    if (fstat(s->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ap_error(ctx, AP_ENOINPUT, "%s: is a folder, not a file", path);
            ap_stream_close(s);
            return NULL;
        }
        if (S_ISREG(st.st_mode))
            s->size = (uint64_t)st.st_size;
    }
    return s;
}

ssize_t ap_stream_read(ap_context *ctx, ap_stream *s, void *buf, size_t n)
{
    for (;;) {
        ssize_t r = read(s->fd, buf, n);
        if (r >= 0)
            return r;
        if (errno == EINTR && !ap_interrupted)
            continue;
        ap_error(ctx, AP_ENOINPUT, "%s: read error: %s", s->name, strerror(errno));
        return -1;
    }
}

int ap_stream_rewind(ap_context *ctx, ap_stream *s)
{
    if (lseek(s->fd, 0, SEEK_SET) < 0)
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot read it a second time: %s", s->name,
                        strerror(errno));
    return AP_OK;
}

uint64_t ap_stream_size(const ap_stream *s)
{
    return s->size;
}

void ap_stream_close(ap_stream *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->name);
    free(s);
}
