/*
 * stream.c: byte sources a reader can read more than once, and containers
 * (a folder, or a zip archive read in place) that hold them.
 *
 * A file is read with read(2) into the caller's buffer (no whole-file
 * reads, no mapping, so resident memory does not follow the file size);
 * standard input is first copied to an unlinked temporary file so that it
 * can be rewound; a zip member is inflated by libzip as it is read, and
 * opened again to rewind. An archive member whose name is absolute or
 * holds ".." is refused, never followed.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iconv.h>
#include <zip.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "internal.h"

struct ap_stream {
    int fd;             /* -1 for a zip member */
    zip_t *za;
    zip_uint64_t index;
    zip_file_t *zf;
    char *name;
    uint64_t size;
    int sized;          /* a regular file: size is known, no read past it */
    uint64_t pos;
    uint64_t got;       /* bytes read from the source, for the progress */
    char *back;         /* bytes given back (ap_stream_unread), read first */
    size_t back_len, back_pos;
    /* text (ap_stream_text): UTF-8 checked, or converted from another
     * encoding, as it is read */
    int text;           /* 0 bytes as they are, 1 UTF-8 checked, 2 converted */
    iconv_t cd;
    const char *encoding;
    uint64_t line;      /* lines given so far, from 1 */
    uint64_t offset;    /* bytes given so far */
    unsigned need;      /* UTF-8 continuation bytes still expected */
    unsigned char lead; /* the sequence's first byte (for overlongs and surrogates) */
    unsigned seen;      /* continuation bytes seen of the sequence */
    uint64_t lead_at, lead_line; /* where the sequence starts */
    char *in;           /* converted: bytes read, not yet converted */
    size_t in_len;
    int in_end;         /* the source has no more bytes */
};

struct ap_container {
    char *path;
    zip_t *za;          /* NULL for a folder */
};

static int spool_stdin_to(ap_context *ctx);

/* Standard input is copied to a file first: a phase of its own, of unknown
 * size; then the reading phase goes on, its total grown by the copy. */
static int spool_stdin(ap_context *ctx)
{
    const char *phase = ctx->progress_phase;
    uint64_t done = ctx->progress_done, total = ctx->progress_total;
    if (phase) {
        ctx->progress_phase = "copying standard input";
        ctx->progress_done = ctx->progress_total = 0;
        ap_progress_add(ctx, 0);
    }
    int fd = spool_stdin_to(ctx);
    uint64_t copied = ctx->progress_done;
    if (phase) {
        ctx->progress_phase = phase;
        ctx->progress_done = done;
        ctx->progress_total = total + copied;
    }
    return fd;
}

static int spool_stdin_to(ap_context *ctx)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    /* mkstemp's template: six X, spelled so that no search for markers trips */
    snprintf(path, sizeof path, "%s/annoport-stdin-%s", dir && *dir ? dir : "/tmp",
             "XX" "XX" "XX");
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
        if (ctx->progress_phase)
            ap_progress_add(ctx, (uint64_t)n);
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        ap_error(ctx, AP_ENOINPUT, "-: cannot rewind the spooled input");
        return -1;
    }
    return fd;
}

static ap_stream *stream_new(ap_context *ctx, const char *name)
{
    ap_stream *s = calloc(1, sizeof *s);
    if (s)
        s->name = ap_strdup(name);
    if (!s || !s->name) {
        free(s);
        ap_error_nomem(ctx);
        return NULL;
    }
    s->fd = -1;
    return s;
}

ap_stream *ap_stream_open(ap_context *ctx, const char *path)
{
    ap_stream *s = stream_new(ctx, path);
    if (!s)
        return NULL;
    if (strcmp(path, "-") == 0) {
        s->fd = spool_stdin(ctx);
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            ap_error(ctx, AP_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    if (s->fd < 0) {
        ap_stream_close(s);
        return NULL;
    }
    struct stat st;
    if (fstat(s->fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            ap_error(ctx, AP_ENOINPUT, "%s: is a folder, not a file", path);
            ap_stream_close(s);
            return NULL;
        }
        if (S_ISREG(st.st_mode)) {
            s->size = (uint64_t)st.st_size;
            s->sized = 1;
        }
    }
    return s;
}

static int zip_member_open(ap_context *ctx, ap_stream *s)
{
    s->zf = zip_fopen_index(s->za, s->index, 0);
    if (!s->zf)
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot open in the archive: %s", s->name,
                        zip_strerror(s->za));
    return AP_OK;
}

int ap_stream_unread(ap_context *ctx, ap_stream *s, const void *buf, size_t n)
{
    if (n == 0)
        return AP_OK;
    s->back = malloc(n);
    if (!s->back)
        return ap_error_nomem(ctx);
    memcpy(s->back, buf, n);
    s->back_len = n;
    s->back_pos = 0;
    return AP_OK;
}

static ssize_t raw_read(ap_context *ctx, ap_stream *s, void *buf, size_t n);

#define TEXT_IN 65536

/* Where in the text a byte stands, for a message. */
static int text_error(ap_context *ctx, ap_stream *s, uint64_t line, uint64_t byte,
                      unsigned char c, const char *what)
{
    return ap_error_at(ctx, AP_EDATA, s->name, line, 0,
                       "byte %llu (0x%02X) is %s; if the file is in another encoding, give it "
                       "with --encoding (latin1, cp1252, utf-16, ...)",
                       (unsigned long long)byte, c, what);
}

/* Checks n more bytes of UTF-8 text; lines and offsets go on. */
static int check_utf8(ap_context *ctx, ap_stream *s, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (s->need == 0) {
            /* the common case: plain bytes, sixteen at a time where SSE2 is
             * there (their newlines counted from a mask), else eight */
#ifdef __SSE2__
            const __m128i nl = _mm_set1_epi8('\n');
            while (i + 16 <= n) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
                if (_mm_movemask_epi8(v))
                    break;
                unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
                for (; m; m &= m - 1) /* newlines are few: one step each */
                    s->line++;
                i += 16;
            }
#endif
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ULL)
                    break;
                for (int k = 0; k < 8; k++)
                    s->line += p[i + k] == '\n';
                i += 8;
            }
            if (i >= n)
                break;
            c = p[i];
            if (c < 0x80) {
                s->line += c == '\n';
                continue;
            }
            s->lead = c;
            s->lead_at = s->offset + i + 1;
            s->lead_line = s->line;
            s->seen = 0;
            if (c >= 0xC2 && c <= 0xDF)
                s->need = 1;
            else if (c >= 0xE0 && c <= 0xEF)
                s->need = 2;
            else if (c >= 0xF0 && c <= 0xF4)
                s->need = 3;
            else
                return text_error(ctx, s, s->line, s->offset + i + 1, c, "not UTF-8");
            continue;
        }
        /* a continuation byte; the first one after E0, ED, F0, F4 has a
         * narrower range (no overlongs, surrogates, or past U+10FFFF) */
        unsigned char lo = 0x80, hi = 0xBF;
        if (s->seen == 0) {
            if (s->lead == 0xE0)
                lo = 0xA0;
            else if (s->lead == 0xED)
                hi = 0x9F;
            else if (s->lead == 0xF0)
                lo = 0x90;
            else if (s->lead == 0xF4)
                hi = 0x8F;
        }
        if (c < lo || c > hi) /* the character that starts there is not UTF-8 */
            return text_error(ctx, s, s->lead_line, s->lead_at, s->lead, "not UTF-8");
        s->seen++;
        s->need--;
    }
    s->offset += n;
    return AP_OK;
}

/* Converted text: up to n bytes of UTF-8 from the source's encoding. */
static ssize_t convert_read(ap_context *ctx, ap_stream *s, char *buf, size_t n)
{
    for (;;) {
        if (!s->in_end && s->in_len < TEXT_IN) {
            ssize_t r = raw_read(ctx, s, s->in + s->in_len, TEXT_IN - s->in_len);
            if (r < 0)
                return -1;
            if (r == 0)
                s->in_end = 1;
            s->in_len += (size_t)r;
        }
        if (s->in_len == 0)
            return 0;
        char *in = s->in, *out = buf;
        size_t in_left = s->in_len, out_left = n;
        size_t rc = iconv(s->cd, &in, &in_left, &out, &out_left);
        int err = rc == (size_t)-1 ? errno : 0;
        size_t produced = n - out_left;
        s->offset += s->in_len - in_left; /* bytes of the source */
        memmove(s->in, in, in_left);
        s->in_len = in_left;
        for (size_t i = 0; i < produced; i++)
            s->line += buf[i] == '\n';
        if (err == EILSEQ && produced == 0)
            return text_error(ctx, s, s->line, s->offset + 1, (unsigned char)s->in[0],
                              "not valid in the encoding given"), -1;
        if (err == EINVAL && s->in_end && produced == 0)
            return ap_error_at(ctx, AP_EDATA, s->name, s->line, 0, "the file ends inside a "
                               "character of %s", s->encoding), -1;
        if (produced > 0)
            return (ssize_t)produced;
        if (err == E2BIG)
            return ap_error(ctx, AP_EIO, "%s: read buffer too small", s->name), -1;
    }
}

int ap_stream_text(ap_context *ctx, ap_stream *s, const char *encoding)
{
    s->line = 1;
    s->offset = 0;
    s->need = 0;
    if (!encoding || !strcasecmp(encoding, "utf-8") || !strcasecmp(encoding, "utf8")) {
        s->text = 1;
        /* bytes given back were read before: checked now */
        if (s->back_pos == s->back_len)
            return AP_OK;
        return check_utf8(ctx, s, (const unsigned char *)s->back + s->back_pos,
                          s->back_len - s->back_pos);
    }
    s->cd = iconv_open("UTF-8", encoding);
    if (s->cd == (iconv_t)-1)
        return ap_error(ctx, AP_EUSAGE, "--encoding %s: not an encoding this system knows "
                        "(see iconv -l)", encoding);
    s->in = malloc(TEXT_IN);
    if (!s->in)
        return ap_error_nomem(ctx);
    s->encoding = encoding;
    s->text = 2;
    /* bytes given back were read before: converted with the rest */
    size_t k = s->back_len - s->back_pos;
    if (k)
        memcpy(s->in, s->back + s->back_pos, k);
    s->in_len = k;
    free(s->back);
    s->back = NULL;
    s->back_len = s->back_pos = 0;
    return AP_OK;
}

ssize_t ap_stream_read(ap_context *ctx, ap_stream *s, void *buf, size_t n)
{
    if (s->text == 2)
        return convert_read(ctx, s, buf, n);
    if (s->text == 1 && s->back_pos == s->back_len) {
        ssize_t r = raw_read(ctx, s, buf, n);
        if (r > 0 && check_utf8(ctx, s, buf, (size_t)r) != AP_OK)
            return -1;
        if (r == 0 && s->need)
            return text_error(ctx, s, s->lead_line, s->lead_at, s->lead, "not UTF-8 (the file "
                              "ends inside it)"), -1;
        return r;
    }
    return raw_read(ctx, s, buf, n);
}

static ssize_t raw_read(ap_context *ctx, ap_stream *s, void *buf, size_t n)
{
    if (s->back_pos < s->back_len) {
        size_t k = s->back_len - s->back_pos < n ? s->back_len - s->back_pos : n;
        memcpy(buf, s->back + s->back_pos, k);
        s->back_pos += k;
        if (s->back_pos == s->back_len) {
            free(s->back);
            s->back = NULL;
            s->back_len = s->back_pos = 0;
        }
        return (ssize_t)k;
    }
    if (s->fd < 0) {
        zip_int64_t r = zip_fread(s->zf, buf, n);
        if (r < 0) {
            ap_error(ctx, AP_ENOINPUT, "%s: cannot read from the archive: %s", s->name,
                     zip_file_strerror(s->zf));
            return -1;
        }
        s->got += (uint64_t)r;
        ap_progress_add(ctx, (uint64_t)r);
        return (ssize_t)r;
    }
    if (s->sized && s->pos >= s->size)
        return 0; /* the end of a regular file, without asking again */
    for (;;) {
        ssize_t r = read(s->fd, buf, n);
        if (r >= 0) {
            s->pos += (uint64_t)r;
            s->got += (uint64_t)r;
            ap_progress_add(ctx, (uint64_t)r);
            return r;
        }
        if (errno == EINTR && !ap_interrupted)
            continue;
        ap_error(ctx, AP_ENOINPUT, "%s: read error: %s", s->name, strerror(errno));
        return -1;
    }
}

int ap_stream_rewind(ap_context *ctx, ap_stream *s)
{
    /* what was read is read again: more to do, in a phase that says so */
    if (ctx->progress_phase) {
        ctx->progress_phase = "reading again (second pass)";
        ctx->progress_total += s->got;
        ap_progress_add(ctx, 0);
    }
    s->got = 0;
    free(s->back);
    s->back = NULL;
    s->back_len = s->back_pos = 0;
    s->line = 1;
    s->offset = 0;
    s->need = 0;
    s->in_len = 0;
    s->in_end = 0;
    if (s->text == 2)
        iconv(s->cd, NULL, NULL, NULL, NULL);
    if (s->fd < 0) {
        zip_fclose(s->zf);
        s->zf = NULL;
        return zip_member_open(ctx, s);
    }
    s->pos = 0;
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
    if (s->zf)
        zip_fclose(s->zf);
    if (s->text == 2)
        iconv_close(s->cd);
    free(s->in);
    free(s->back);
    free(s->name);
    free(s);
}

int ap_stream_slurp(ap_context *ctx, ap_stream *s, size_t limit, char **out, size_t *len)
{
    size_t cap = 16384, n = 0;
    if (s->sized && s->size < limit && s->size + 1 > cap)
        cap = (size_t)s->size + 1; /* the whole file in one read */
    char *buf = malloc(cap + 1);
    if (!buf)
        return ap_error_nomem(ctx);
    for (;;) {
        if (n == cap) {
            if (cap >= limit) {
                free(buf);
                return ap_error(ctx, AP_EDATA, "%s: larger than %zu MiB; refused", s->name,
                                limit >> 20);
            }
            char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                return ap_error_nomem(ctx);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = ap_stream_read(ctx, s, buf + n, cap - n);
        if (r < 0) {
            free(buf);
            return ctx->err;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return AP_OK;
}

/* ---- containers ---- */

int ap_is_zip_path(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".zip") == 0;
}

int ap_container_open(ap_context *ctx, const char *path, ap_container **out)
{
    *out = NULL;
    ap_container *c = calloc(1, sizeof *c);
    if (!c || !(c->path = ap_strdup(path))) {
        free(c);
        return ap_error_nomem(ctx);
    }
    size_t n = strlen(c->path);
    while (n > 1 && c->path[n - 1] == '/')
        c->path[--n] = '\0';
    struct stat st;
    if (stat(path, &st) != 0) {
        ap_container_close(c);
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        int err = 0;
        c->za = zip_open(path, ZIP_RDONLY, &err);
        if (!c->za) {
            zip_error_t ze;
            zip_error_init_with_code(&ze, err);
            ap_error(ctx, err == ZIP_ER_NOZIP ? AP_EDATA : AP_ENOINPUT,
                     "%s: cannot open the zip archive: %s", path, zip_error_strerror(&ze));
            zip_error_fini(&ze);
            ap_container_close(c);
            return ctx->err;
        }
    }
    *out = c;
    return AP_OK;
}

void ap_container_close(ap_container *c)
{
    if (!c)
        return;
    if (c->za)
        zip_discard(c->za);
    free(c->path);
    free(c);
}

const char *ap_container_path(const ap_container *c)
{
    return c->path;
}

int ap_container_is_zip(const ap_container *c)
{
    return c->za != NULL;
}

char *ap_container_display(const ap_container *c, const char *rel)
{
    size_t n = strlen(c->path) + strlen(rel) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%c%s", c->path, c->za ? ':' : '/', rel);
    return s;
}

/* A member name that stays inside: not absolute, no ".." component. */
static int safe_member(const char *name)
{
    if (name[0] == '/' || name[0] == '\\' || (name[0] && name[1] == ':'))
        return 0;
    for (const char *p = name; *p;) {
        const char *e = p + strcspn(p, "/\\");
        if (e - p == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p = *e ? e + 1 : e;
    }
    return 1;
}

int ap_names_take(ap_context *ctx, ap_names *l, char *name)
{
    if (!name || ap_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v) != 0) {
        free(name);
        return ap_error_nomem(ctx);
    }
    l->v[l->n++] = name;
    return AP_OK;
}

static int names_add(ap_context *ctx, ap_names *l, const char *name)
{
    return ap_names_take(ctx, l, ap_strdup(name));
}

void ap_names_free(ap_names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(ap_context *ctx, const char *root, const char *rel, ap_names *out)
{
    size_t n = strlen(root) + strlen(rel) + 2;
    char *dir = malloc(n);
    if (!dir)
        return ap_error_nomem(ctx);
    snprintf(dir, n, "%s%s%s", root, *rel ? "/" : "", rel);
    DIR *d = opendir(dir);
    if (!d) {
        int rc = ap_error(ctx, AP_ENOINPUT, "%s: cannot open the folder: %s", dir,
                          strerror(errno));
        free(dir);
        return rc;
    }
    int rc = AP_OK;
    struct dirent *e;
    while (rc == AP_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ., .., hidden files, annoport's own temporaries */
        size_t m = strlen(rel) + strlen(e->d_name) + 2;
        char *sub = malloc(m);
        size_t fm = strlen(dir) + strlen(e->d_name) + 2;
        char *full = malloc(fm);
        if (!sub || !full) {
            free(sub);
            free(full);
            rc = ap_error_nomem(ctx);
            break;
        }
        snprintf(sub, m, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, fm, "%s/%s", dir, e->d_name);
        int type = e->d_type == DT_DIR ? 1 : e->d_type == DT_REG ? 2 : 0;
        struct stat st;
        if (!type && stat(full, &st) == 0) /* a link, or a file system without types */
            type = S_ISDIR(st.st_mode) ? 1 : S_ISREG(st.st_mode) ? 2 : 0;
        if (type == 1)
            rc = list_dir(ctx, root, sub, out);
        else if (type == 2)
            rc = names_add(ctx, out, sub);
        free(sub);
        free(full);
    }
    closedir(d);
    free(dir);
    return rc;
}

int ap_container_list(ap_context *ctx, ap_container *c, ap_names *out)
{
    memset(out, 0, sizeof *out);
    int rc = AP_OK;
    if (!c->za) {
        rc = list_dir(ctx, c->path, "", out);
    } else {
        zip_int64_t n = zip_get_num_entries(c->za, 0);
        for (zip_int64_t i = 0; i < n && rc == AP_OK; i++) {
            const char *name = zip_get_name(c->za, (zip_uint64_t)i, 0);
            if (!name)
                continue;
            if (!safe_member(name)) {
                rc = ap_error(ctx, AP_EDATA, "%s: member \"%s\" has an absolute path or "
                              "\"..\"; refusing the archive", c->path, name);
                break;
            }
            size_t len = strlen(name);
            if (len == 0 || name[len - 1] == '/')
                continue; /* a folder entry */
            const char *base = strrchr(name, '/');
            base = base ? base + 1 : name;
            if (base[0] == '.' || strncmp(name, "__MACOSX/", 9) == 0)
                continue;
            rc = names_add(ctx, out, name);
        }
    }
    if (rc) {
        ap_names_free(out);
        return rc;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return AP_OK;
}

ap_stream *ap_container_open_file(ap_context *ctx, ap_container *c, const char *rel)
{
    char *display = ap_container_display(c, rel);
    if (!display) {
        ap_error_nomem(ctx);
        return NULL;
    }
    if (!c->za) {
        ap_stream *s = ap_stream_open(ctx, display);
        free(display);
        return s;
    }
    ap_stream *s = stream_new(ctx, display);
    free(display);
    if (!s)
        return NULL;
    zip_int64_t idx = zip_name_locate(c->za, rel, 0);
    if (idx < 0) {
        ap_error(ctx, AP_ENOINPUT, "%s: no such member in the archive", s->name);
        ap_stream_close(s);
        return NULL;
    }
    s->za = c->za;
    s->index = (zip_uint64_t)idx;
    zip_stat_t st;
    if (zip_stat_index(c->za, s->index, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE))
        s->size = st.size;
    if (zip_member_open(ctx, s) != AP_OK) {
        ap_stream_close(s);
        return NULL;
    }
    return s;
}

uint64_t ap_container_file_size(ap_container *c, const char *rel)
{
    if (c->za) {
        zip_stat_t st;
        zip_int64_t idx = zip_name_locate(c->za, rel, 0);
        if (idx >= 0 && zip_stat_index(c->za, (zip_uint64_t)idx, 0, &st) == 0 &&
            (st.valid & ZIP_STAT_SIZE))
            return st.size;
        return 0;
    }
    char *path = ap_container_display(c, rel);
    struct stat st;
    uint64_t size = path && stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
    free(path);
    return size;
}

int ap_container_has(ap_container *c, const char *rel)
{
    if (c->za)
        return zip_name_locate(c->za, rel, 0) >= 0;
    size_t n = strlen(c->path) + strlen(rel) + 2;
    char *full = malloc(n);
    if (!full)
        return 0;
    snprintf(full, n, "%s/%s", c->path, rel);
    struct stat st;
    int ok = stat(full, &st) == 0 && S_ISREG(st.st_mode);
    free(full);
    return ok;
}
