/*
 * jsonscan.c: finds the extent of JSON values in a stream without parsing
 * them, so that a large document (a COCO file of hundreds of megabytes) is
 * read through a window: a reader walks the top-level object key by key and
 * hands each array element, one at a time, to cJSON (ap_jscan_parse).
 *
 * The scanner is not a JSON parser: it only matches quotes and brackets.
 * Values are parsed by cJSON, or, for the shapes a reader reads by the
 * million (COCO annotations), by the narrow strict-JSON helpers at the end
 * of this file (ap_jf_*), which accept a subset of what cJSON accepts and
 * hand everything else back to it; a value that is only skipped here is
 * parsed by cJSON in the other pass of the reader.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include <cJSON.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "internal.h"

#define CHUNK ((size_t)1 << 20)
#define NOKEEP ((size_t)-1)

struct ap_jscan {
    ap_context *ctx;
    ap_stream *s;
    char *name;
    char *buf;
    size_t cap, pos, end;
    size_t keep;        /* first byte that must stay in the window */
    uint64_t base;      /* file offset of buf[0] */
    uint64_t line;      /* line of buf[pos] */
    uint64_t line_off;  /* file offset where that line starts */
    uint64_t vline, vcol; /* where the last value found starts */
    int eof;
    int started;        /* the byte order mark check is done */
};

ap_jscan *ap_jscan_new(ap_context *ctx, ap_stream *s, const char *name)
{
    ap_jscan *j = calloc(1, sizeof *j);
    if (!j) {
        ap_error_nomem(ctx);
        return NULL;
    }
    j->ctx = ctx;
    j->s = s;
    j->name = ap_strdup(name);
    j->cap = CHUNK;
    j->buf = malloc(j->cap);
    if (!j->name || !j->buf) {
        ap_jscan_free(j);
        ap_error_nomem(ctx);
        return NULL;
    }
    j->keep = NOKEEP;
    j->line = 1;
    return j;
}

void ap_jscan_free(ap_jscan *j)
{
    if (!j)
        return;
    free(j->buf);
    free(j->name);
    free(j);
}

int ap_jscan_rewind(ap_jscan *j)
{
    int rc = ap_stream_rewind(j->ctx, j->s);
    if (rc)
        return rc;
    j->pos = j->end = 0;
    j->base = 0;
    j->keep = NOKEEP;
    j->line = 1;
    j->line_off = 0;
    j->eof = 0;
    j->started = 0;
    return AP_OK;
}

/* Reads more bytes into the window. Returns 1 when bytes came, 0 at the end
 * of the stream, -1 on an error (set). */
static int fill(ap_jscan *j)
{
    if (j->eof)
        return 0;
    size_t from = j->keep != NOKEEP ? j->keep : j->pos;
    if (from > 0) {
        memmove(j->buf, j->buf + from, j->end - from);
        j->base += from;
        j->end -= from;
        j->pos -= from;
        if (j->keep != NOKEEP)
            j->keep = 0;
    }
    if (j->cap - j->end < CHUNK / 2) {
        if (j->cap >= j->ctx->opt.max_record + CHUNK) {
            uint64_t line = j->vline, col = j->vcol;
            ap_error_at(j->ctx, AP_EDATA, j->name, line, col,
                        "a single value is larger than %zu bytes; annoport reads one array "
                        "element at a time and refuses larger ones (--max-record)",
                        j->ctx->opt.max_record);
            return -1;
        }
        char *nb = realloc(j->buf, j->cap * 2);
        if (!nb) {
            ap_error_nomem(j->ctx);
            return -1;
        }
        j->buf = nb;
        j->cap *= 2;
    }
    ssize_t n = ap_stream_read(j->ctx, j->s, j->buf + j->end, j->cap - j->end);
    if (n < 0)
        return -1;
    if (n == 0) {
        j->eof = 1;
        return 0;
    }
    j->end += (size_t)n;
    return 1;
}

static void newline_at(ap_jscan *j, size_t i)
{
    j->line++;
    j->line_off = j->base + i + 1;
}

int ap_jscan_peek(ap_jscan *j)
{
    for (;;) {
        while (j->pos < j->end) {
            unsigned char c = (unsigned char)j->buf[j->pos];
            if (!j->started) {
                if (j->end - j->pos < 3 && !j->eof)
                    break; /* need three bytes to see a byte order mark */
                j->started = 1;
                if (j->end - j->pos >= 3 && memcmp(j->buf + j->pos, "\xEF\xBB\xBF", 3) == 0) {
                    j->pos += 3;
                    continue;
                }
            }
            if (c == '\n')
                newline_at(j, j->pos);
            else if (c != ' ' && c != '\t' && c != '\r')
                return c;
            j->pos++;
        }
        int r = fill(j);
        if (r < 0)
            return -2;
        if (r == 0) {
            if (!j->started) {
                j->started = 1;
                continue;
            }
            return -1;
        }
    }
}

void ap_jscan_where(ap_jscan *j, uint64_t *line, uint64_t *col)
{
    ap_jscan_peek(j);
    *line = j->line;
    *col = j->base + j->pos - j->line_off + 1;
}

int ap_jscan_error(ap_jscan *j, const char *fmt, ...)
{
    uint64_t line, col;
    if (j->ctx->err)
        return j->ctx->err;
    ap_jscan_where(j, &line, &col);
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ap_error_at(j->ctx, AP_EDATA, j->name, line, col, "%s", msg);
}

static const char *describe(int c)
{
    static char tmp[16];
    if (c == -1)
        return "the end of the file";
    if (c >= 0x20 && c < 0x7f)
        snprintf(tmp, sizeof tmp, "'%c'", c);
    else
        snprintf(tmp, sizeof tmp, "byte 0x%02x", (unsigned)c & 0xff);
    return tmp;
}

int ap_jscan_expect(ap_jscan *j, char want)
{
    int c = ap_jscan_peek(j);
    if (c == -2)
        return j->ctx->err;
    if (c != (unsigned char)want)
        return ap_jscan_error(j, "invalid JSON: expected '%c', found %s", want, describe(c));
    j->pos++;
    return AP_OK;
}

/* The next byte at or after i that scan_value must look at: in a string a
 * quote, a backslash or a newline; outside, a quote, a bracket, a brace or
 * a newline. Sixteen bytes at a time where SSE2 is there: it is called
 * where such bytes are close together (the 64-byte masks cost more there),
 * on the same classes as masks_at. */
static size_t next_special(const char *b, size_t i, size_t end, int in_string)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), nl = _mm_set1_epi8('\n');
    const __m128i bs = _mm_set1_epi8('\\'), lo = _mm_set1_epi8(0x20);
    const __m128i ob = _mm_set1_epi8('{'), cb = _mm_set1_epi8('}');
    while (end - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, nl));
        if (in_string) {
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, bs));
        } else {
            __m128i f = _mm_or_si128(v, lo);
            hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(f, ob), _mm_cmpeq_epi8(f, cb)));
        }
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    for (; i < end; i++) {
        char c = b[i];
        if (c == '"' || c == '\n' || (in_string ? c == '\\'
                                               : ((c | 0x20) == '{' || (c | 0x20) == '}')))
            return i;
    }
    return i;
}

/* The bits set in x, without the POPCNT instruction a baseline x86-64
 * build cannot assume (__builtin_popcountll becomes a library call). */
static unsigned bit_count(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555ULL;
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

#ifdef __SSE2__
/* Sixty-four bytes loaded once, and bit masks of them (bit k for byte k):
 * every 64-byte scan below goes through these. */
typedef struct {
    __m128i v[4];
} block64;

static inline void load64(const char *p, block64 *b)
{
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++)
        b->v[k] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
}

/* the bytes equal to c */
static inline uint64_t eq64(const block64 *b, char c)
{
    const __m128i x = _mm_set1_epi8(c);
    uint64_t m = 0;
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++)
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b->v[k], x)) << (16 * k);
    return m;
}

static inline uint64_t digits64(const block64 *b)
{
    const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
    uint64_t m = 0;
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_sub_epi8(b->v[k], zero);
        __m128i d = _mm_cmpeq_epi8(_mm_min_epu8(v, nine), v); /* v - '0' <= 9 */
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(d) << (16 * k);
    }
    return m;
}

/* What scan_value looks for: quotes, backslashes, opening and closing
 * brackets and braces, newlines. */
typedef struct {
    uint64_t quote, bs, open, close, nl;
} block_masks;

static inline void masks_at(const char *p, block_masks *m)
{
    block64 b, f;
    load64(p, &b);
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) /* '[' and ']' are '{' and '}' without 0x20 */
        f.v[k] = _mm_or_si128(b.v[k], _mm_set1_epi8(0x20));
    m->quote = eq64(&b, '"');
    m->bs = eq64(&b, '\\');
    m->nl = eq64(&b, '\n');
    m->open = eq64(&f, '{');
    m->close = eq64(&f, '}');
}
#endif

#ifdef __SSE2__
/* Bit k: an odd number of bits at or below k (inside a string, for
 * quotes). */
static uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* Counts the newlines among the bits of nl below bit lim (64: all), as
 * newline_at would one by one. */
static void newlines_in(ap_jscan *j, size_t i, uint64_t nl, unsigned lim)
{
    if (lim < 64)
        nl &= ((uint64_t)1 << lim) - 1;
    if (!nl)
        return;
    j->line += (uint64_t)bit_count(nl);
    j->line_off = j->base + i + (size_t)(63 - __builtin_clzll(nl)) + 1;
}
#endif

/* Moves pos past the value that starts at pos (white space already
 * skipped), counting lines. */
static int scan_value(ap_jscan *j)
{
    uint64_t depth = 0;
    int in_string = 0, escape = 0;
    unsigned char first = (unsigned char)j->buf[j->pos];
    int scalar = first != '"' && first != '{' && first != '[';
    for (;;) {
        if (j->pos >= j->end) {
            int r = fill(j);
            if (r < 0)
                return j->ctx->err;
            if (r == 0) {
                if (scalar)
                    return AP_OK;
                return ap_error_at(j->ctx, AP_EDATA, j->name, j->vline, j->vcol,
                                   "invalid JSON: the file ends inside the value that "
                                   "starts here (truncated file?)");
            }
        }
        const char *b = j->buf;
        size_t i = j->pos, end = j->end;
        if (scalar) {
            while (i < end) {
                char c = b[i];
                if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' ||
                    c == '\r' || c == '\n') {
                    j->pos = i;
                    return AP_OK;
                }
                i++;
            }
            j->pos = i;
            continue;
        }
        size_t by_byte = 0; /* below it, byte by byte: a backslash is near */
        while (i < end) {
            if (escape) { /* the byte after a backslash, whatever it is */
                escape = 0;
                if (b[i] == '\n')
                    newline_at(j, i);
                i++;
                continue;
            }
#ifdef __SSE2__
            /* inside an array or object, 64 bytes at a time: strings from
             * the parity of the quotes, the value's end from the count of
             * brackets outside them */
            if (depth > 0 && i >= by_byte && end - i >= 64) {
                block_masks m;
                masks_at(b + i, &m);
                if (m.bs) {
                    by_byte = i + 64;
                } else {
                    uint64_t instr = prefix_xor(m.quote) ^ (in_string ? ~(uint64_t)0 : 0);
                    uint64_t open = m.open & ~instr, close = m.close & ~instr;
                    if ((uint64_t)bit_count(close) >= depth) {
                        for (uint64_t br = open | close; br; br &= br - 1) {
                            unsigned bit = (unsigned)__builtin_ctzll(br);
                            if (open >> bit & 1) {
                                depth++;
                            } else if (--depth == 0) {
                                newlines_in(j, i, m.nl, bit);
                                j->pos = i + bit + 1;
                                return AP_OK;
                            }
                        }
                    } else {
                        depth += (uint64_t)bit_count(open);
                        depth -= (uint64_t)bit_count(close);
                    }
                    in_string = (int)(instr >> 63);
                    newlines_in(j, i, m.nl, 64);
                    i += 64;
                    continue;
                }
            }
#endif
            i = next_special(b, i, end, in_string);
            if (i >= end)
                break;
            char c = b[i];
            if (in_string) {
                if (c == '\\')
                    escape = 1;
                else if (c == '"') {
                    in_string = 0;
                    if (depth == 0) {
                        j->pos = i + 1;
                        return AP_OK;
                    }
                } else if (c == '\n')
                    newline_at(j, i);
                i++;
                continue;
            }
            switch (c) {
            case '"':
                in_string = 1;
                break;
            case '{':
            case '[':
                depth++;
                break;
            case '}':
            case ']':
                if (--depth == 0) {
                    j->pos = i + 1;
                    return AP_OK;
                }
                break;
            case '\n':
                newline_at(j, i);
                break;
            default:
                break;
            }
            i++;
        }
        j->pos = i;
    }
}

/* The value found next starts at pos: where, for its messages. */
static void mark_value(ap_jscan *j)
{
    j->vline = j->line;
    j->vcol = j->base + j->pos - j->line_off + 1;
}

static int find_value(ap_jscan *j, int keep)
{
    int c = ap_jscan_peek(j);
    if (c == -2)
        return j->ctx->err;
    if (c == -1)
        return ap_jscan_error(j, "invalid JSON: expected a value, found the end of the file");
    if (c == ',' || c == ':' || c == '}' || c == ']')
        return ap_jscan_error(j, "invalid JSON: expected a value, found %s", describe(c));
    mark_value(j);
    if (keep)
        j->keep = j->pos;
    int rc = scan_value(j);
    return rc;
}

int ap_jscan_value(ap_jscan *j, const char **p, size_t *n, uint64_t *line)
{
    int rc = find_value(j, 1);
    if (rc) {
        j->keep = NOKEEP;
        return rc;
    }
    *p = j->buf + j->keep;
    *n = j->pos - j->keep;
    if (line)
        *line = j->vline;
    j->keep = NOKEEP; /* the bytes stay until the next fill, i.e. the next call */
    return AP_OK;
}

int ap_jscan_skip(ap_jscan *j)
{
    return find_value(j, 0);
}

/* Moves pos n bytes on, over bytes known to hold a whole value, counting
 * their lines. */
static void pass(ap_jscan *j, size_t n)
{
    const char *b = j->buf + j->pos, *e = b + n, *q;
    while ((q = memchr(b, '\n', (size_t)(e - b))) != NULL) {
        newline_at(j, (size_t)(q - j->buf));
        b = q + 1;
    }
    j->pos += n;
}

int ap_jscan_key(ap_jscan *j, char **key)
{
    *key = NULL;
    int c = ap_jscan_peek(j);
    if (c == -2)
        return j->ctx->err;
    if (c != '"')
        return ap_jscan_error(j, "invalid JSON: expected an object key (a string), found %s",
                              describe(c));
    const char *p;
    size_t n;
    int rc = ap_jscan_value(j, &p, &n, NULL);
    if (rc)
        return rc;
    cJSON *s = ap_jscan_parse(j, p, n);
    if (!s)
        return j->ctx->err;
    *key = ap_strdup(s->valuestring);
    cJSON_Delete(s);
    if (!*key)
        return ap_error_nomem(j->ctx);
    rc = ap_jscan_expect(j, ':');
    if (rc) { /* no key without its colon: the caller frees nothing */
        free(*key);
        *key = NULL;
    }
    return rc;
}

/* cJSON says NULL both for a syntax error and for an allocation that
 * failed: its allocations go through json_malloc, which notes a failure
 * for the thread, so that the two can be told apart. */
static _Thread_local int json_oom;
static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void *json_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p)
        json_oom = 1;
    return p;
}

static void json_hooks(void)
{
    cJSON_Hooks h = {json_malloc, free};
    cJSON_InitHooks(&h);
}

void ap_json_begin(void)
{
    pthread_once(&json_once, json_hooks);
    json_oom = 0;
}

int ap_json_failed(void)
{
    return json_oom;
}

cJSON *ap_jscan_parse(ap_jscan *j, const char *p, size_t n)
{
    const char *end = NULL;
    ap_json_begin();
    cJSON *v = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (v && end == p + n)
        return v;
    if (!v && ap_json_failed()) {
        ap_error_nomem(j->ctx);
        return NULL;
    }
    if (v) {
        cJSON_Delete(v);
    } else if (!end || end < p || end > p + n) {
        end = p;
    }
    /* line and column of the byte cJSON stopped at */
    uint64_t line = j->vline, col = j->vcol;
    for (const char *q = p; q < end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (end >= p + n)
        ap_error_at(j->ctx, AP_EDATA, j->name, line, col,
                    "invalid JSON: the value ends too early");
    else
        ap_error_at(j->ctx, AP_EDATA, j->name, line, col, "invalid JSON near %s",
                    describe((unsigned char)*end));
    return NULL;
}

int ap_jscan_array(ap_jscan *j, const char *key, ap_jscan_elem_fn fn, void *user)
{
    return ap_jscan_array_text(j, key, NULL, fn, user);
}

int ap_jscan_array_text(ap_jscan *j, const char *key, ap_jscan_text_fn text,
                        ap_jscan_elem_fn fn, void *user)
{
    if (j->ctx->opt.reference_parsers)
        text = NULL;
    const char *p;
    size_t n;
    uint64_t line;
    int ch = ap_jscan_peek(j);
    if (ch == -2)
        return j->ctx->err;
    if (ch != '[') {
        int rc = ap_jscan_value(j, &p, &n, &line);
        if (rc)
            return rc;
        if (n == 4 && memcmp(p, "null", 4) == 0)
            return AP_OK; /* "images": null and the like: nothing */
        if (fn)
            return ap_error_at(j->ctx, AP_EDATA, j->name, j->vline, j->vcol,
                               "\"%s\" must be an array", key);
        cJSON *v = ap_jscan_parse(j, p, n); /* not an array: one value to check */
        if (!v)
            return j->ctx->err;
        cJSON_Delete(v);
        return AP_OK;
    }
    int rc = ap_jscan_expect(j, '[');
    if (rc)
        return rc;
    if (ap_jscan_peek(j) == ']')
        return ap_jscan_expect(j, ']');
    for (int64_t index = 0;; index++) {
        /* an object or array goes to text first in the window as it is, so
         * that an element text takes is not scanned twice; what it leaves,
         * or an element that ran past the window, is scanned for its extent */
        size_t used = 0, seen = 0;
        if (text && (ch = ap_jscan_peek(j)) == -2)
            return j->ctx->err; /* a read error: the bytes after it are not read */
        if (text && (ch == '{' || ch == '[')) {
            seen = j->end - j->pos;
            rc = text(user, j->buf + j->pos, seen, index, j->line, &used);
            if (rc)
                return rc;
            if (used) {
                mark_value(j);
                pass(j, used);
            }
        }
        if (!used) {
            rc = ap_jscan_value(j, &p, &n, &line);
            if (rc)
                return rc;
            if (text && n > seen)
                rc = text(user, p, n, index, line, &used);
            if (rc == AP_OK && !used) {
                cJSON *e = ap_jscan_parse(j, p, n);
                if (!e)
                    return j->ctx->err;
                rc = fn ? fn(user, e, index, line) : AP_OK;
                cJSON_Delete(e);
            }
        }
        if (rc)
            return rc;
        ch = ap_jscan_peek(j);
        if (ch == ',') {
            ap_jscan_expect(j, ',');
            continue;
        }
        if (ch == ']')
            return ap_jscan_expect(j, ']');
        if (ch == -2)
            return j->ctx->err;
        if (ch == -1)
            return ap_jscan_error(j, "invalid JSON: the file ends inside \"%s\" (truncated "
                                  "file?)", key);
        return ap_jscan_error(j, "invalid JSON: expected ',' or ']' in \"%s\"", key);
    }
}

int ap_jscan_object(ap_jscan *j, ap_jscan_member_fn fn, void *user)
{
    int rc = ap_jscan_expect(j, '{');
    if (rc)
        return rc;
    int ch = ap_jscan_peek(j);
    if (ch == '}')
        rc = ap_jscan_expect(j, '}');
    while (rc == AP_OK && ch != '}') {
        char *key = NULL;
        rc = ap_jscan_key(j, &key);
        if (rc)
            break;
        rc = fn(user, key);
        free(key);
        if (rc)
            break;
        ch = ap_jscan_peek(j);
        if (ch == ',') {
            rc = ap_jscan_expect(j, ',');
            ch = 0;
        } else if (ch == '}') {
            rc = ap_jscan_expect(j, '}');
        } else {
            rc = ch == -2 ? j->ctx->err
                          : ap_jscan_error(j, "invalid JSON: expected ',' or '}' after a value");
        }
    }
    if (rc == AP_OK && (ch = ap_jscan_peek(j)) != -1)
        rc = ch == -2 ? j->ctx->err
                      : ap_jscan_error(j, "invalid JSON: more data after the top-level object");
    return rc;
}

/* ---- the narrow fast path ---- */

int ap_jf_peek(ap_jfast *f)
{
    while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t'))
        f->p++;
    return f->p < f->end ? (unsigned char)*f->p : -1;
}

int ap_jf_take(ap_jfast *f, char c)
{
    if (ap_jf_peek(f) != (unsigned char)c)
        return 0;
    f->p++;
    return 1;
}

int ap_jf_string(ap_jfast *f, const char **s, size_t *n)
{
    if (!ap_jf_take(f, '"'))
        return 0;
    const char *q = f->p;
    while (q < f->end && *q != '"') {
        if (*q == '\\' || (unsigned char)*q < 0x20)
            return 0;
        q++;
    }
    if (q >= f->end)
        return 0;
    *s = f->p;
    *n = (size_t)(q - f->p);
    f->p = q + 1;
    return 1;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* After a scalar: the end, white space or punctuation, so that strtod and
 * cJSON stop where the strict grammar stopped. */
static int scalar_ends(const ap_jfast *f)
{
    if (f->p >= f->end)
        return 1;
    char c = *f->p;
    return c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' || c == '\r' ||
           c == '\t';
}

/* The strict grammar -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? with its
 * significant digits (up to 19) in *m, their decimal exponent in *e and
 * their count in *ndig (99 when more were dropped). Returns the length or
 * 0. */
static size_t number_at(const ap_jfast *f, int *neg, uint64_t *m, int *e, int *ndig)
{
    const char *q = f->p, *end = f->end;
    uint64_t mant = 0;
    int digits = 0, dropped = 0, exp10 = 0;
    *neg = 0;
    if (q < end && *q == '-') {
        *neg = 1;
        q++;
    }
    if (q >= end || !is_digit(*q))
        return 0;
    if (*q == '0') {
        q++;
    } else {
        while (q < end && is_digit(*q)) {
            if (digits < 19) {
                mant = mant * 10 + (uint64_t)(*q - '0');
                digits++;
            } else {
                dropped++;
            }
            q++;
        }
    }
    if (q < end && *q == '.') {
        q++;
        if (q >= end || !is_digit(*q))
            return 0;
        while (q < end && is_digit(*q)) {
            if (digits < 19 && (mant || *q != '0')) {
                mant = mant * 10 + (uint64_t)(*q - '0');
                digits++;
                exp10--;
            } else if (!mant) {
                exp10--; /* a leading zero of the fraction */
            } else {
                dropped = 1;
            }
            q++;
        }
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        int eneg = 0, ev = 0;
        if (q < end && (*q == '+' || *q == '-'))
            eneg = *q++ == '-';
        if (q >= end || !is_digit(*q))
            return 0;
        while (q < end && is_digit(*q)) {
            if (ev < 100000)
                ev = ev * 10 + (*q - '0');
            q++;
        }
        exp10 += eneg ? -ev : ev;
    }
    *m = mant;
    *e = exp10;
    *ndig = dropped ? 99 : digits; /* digits dropped: strtod reads it */
    return (size_t)(q - f->p);
}

/* number_at's grammar alone: the length of the number at q, or 0. */
static size_t number_len(const char *q0, const char *end)
{
    const char *q = q0;
    if (q < end && *q == '-')
        q++;
    if (q >= end || !is_digit(*q))
        return 0;
    if (*q++ != '0')
        while (q < end && is_digit(*q))
            q++;
    if (q < end && *q == '.') {
        if (++q >= end || !is_digit(*q))
            return 0;
        while (q < end && is_digit(*q))
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end || !is_digit(*q))
            return 0;
        while (q < end && is_digit(*q))
            q++;
    }
    return (size_t)(q - q0);
}

int ap_jf_number_syntax(ap_jfast *f)
{
    if (ap_jf_peek(f) < 0)
        return 0;
    size_t len = number_len(f->p, f->end);
    ap_jfast after = {f->p + len, f->end};
    if (!len || len > 63 || !scalar_ends(&after))
        return 0;
    f->p += len;
    return 1;
}

/* ap_jf_number_list's automaton: the states after a byte of a list of
 * numbers in the strict grammar, by the byte's class. */
enum { NL_V, NL_M, NL_Z, NL_I, NL_D, NL_F, NL_E, NL_S, NL_X, NL_A, NL_END, NL_FAIL };
enum { C_OTHER, C_WS, C_0, C_19, C_MINUS, C_PLUS, C_DOT, C_EXP, C_COMMA, C_CLOSE };

static const unsigned char nl_next[NL_A + 1][10] = {
    /*          other    ws       0     1-9    -        +        .        e/E      ,      ] */
    [NL_V] = {NL_FAIL, NL_V, NL_Z, NL_I, NL_M, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL},
    [NL_M] = {NL_FAIL, NL_FAIL, NL_Z, NL_I, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL},
    [NL_Z] = {NL_FAIL, NL_A, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_D, NL_E, NL_V, NL_END},
    [NL_I] = {NL_FAIL, NL_A, NL_I, NL_I, NL_FAIL, NL_FAIL, NL_D, NL_E, NL_V, NL_END},
    [NL_D] = {NL_FAIL, NL_FAIL, NL_F, NL_F, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL},
    [NL_F] = {NL_FAIL, NL_A, NL_F, NL_F, NL_FAIL, NL_FAIL, NL_FAIL, NL_E, NL_V, NL_END},
    [NL_E] = {NL_FAIL, NL_FAIL, NL_X, NL_X, NL_S, NL_S, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL},
    [NL_S] = {NL_FAIL, NL_FAIL, NL_X, NL_X, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL},
    [NL_X] = {NL_FAIL, NL_A, NL_X, NL_X, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_V, NL_END},
    [NL_A] = {NL_FAIL, NL_A, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_FAIL, NL_V, NL_END},
};

static const unsigned char nl_class[256] = {
    [' '] = C_WS, ['\t'] = C_WS, ['\n'] = C_WS, ['\r'] = C_WS, ['0'] = C_0,
    ['1'] = C_19, ['2'] = C_19, ['3'] = C_19, ['4'] = C_19, ['5'] = C_19, ['6'] = C_19,
    ['7'] = C_19, ['8'] = C_19, ['9'] = C_19, ['-'] = C_MINUS, ['+'] = C_PLUS,
    ['.'] = C_DOT, ['e'] = C_EXP, ['E'] = C_EXP, [','] = C_COMMA, [']'] = C_CLOSE,
};

/* The automaton from q, the start of a list element, with count numbers
 * before it. */
static int number_list_at(ap_jfast *f, const unsigned char *q, size_t count, size_t *n)
{
    const unsigned char *end = (const unsigned char *)f->end;
    const unsigned char *start = q; /* of the number being read */
    unsigned st = NL_V;
    for (; q < end; q++) {
        unsigned nx = nl_next[st][nl_class[*q]];
        if (st == NL_V) {
            start = q;
        } else if (st != NL_A && (nx == NL_A || nx == NL_V || nx == NL_END)) {
            if (q - start > 63) /* as ap_jf_number_syntax: cJSON's limit */
                return 0;
            count++;
        }
        if (nx >= NL_END) {
            if (nx == NL_FAIL)
                return 0;
            f->p = (const char *)q;
            *n = count;
            return 1;
        }
        st = nx;
    }
    return 0;
}

/* A list of numbers 64 bytes at a time, as bit masks: the usual spelling
 * (-?digits(.digits)? separated by ',' and ended by ']') is checked by its
 * rules as a whole block. Anything else in a block, or a rule broken,
 * sends the block (from the start of the element it began in) to the
 * automaton, which decides; so does the last part of the text. */
int ap_jf_number_list(ap_jfast *f, size_t *n)
{
    const char *q = f->p, *end = f->end;
    const char *elem = q; /* the start of the element being read */
    size_t count = 0;
#ifdef __SSE2__
    /* what the last block leaves to this one: its last byte's class, a
     * zero that starts a number, a fraction running on */
    uint64_t prev_d = 0, prev_c = 1, prev_m = 0; /* the list's start is as a ',' */
    uint64_t no_d = 0, frac = 0;
    while (end - q >= 64) {
        block64 blk;
        load64(q, &blk);
        uint64_t D = digits64(&blk), P = eq64(&blk, '.'), C = eq64(&blk, ',');
        uint64_t M = eq64(&blk, '-');
        uint64_t other = ~(D | P | C | M);
        unsigned t = other ? (unsigned)__builtin_ctzll(other) : 64;
        int closed = t < 64 && q[t] == ']';
        if (t < 64 && !closed)
            break;
        uint64_t R = t == 64 ? ~(uint64_t)0 : ((uint64_t)1 << t) - 1;
        D &= R, P &= R, C &= R, M &= R;
        uint64_t Z = eq64(&blk, '0') & R;
        uint64_t dprev = D << 1 | prev_d, cprev = C << 1 | prev_c, dnext = D >> 1;
        uint64_t starts = cprev | M << 1 | prev_m; /* a number's first digit */
        uint64_t zs = Z & starts;
        uint64_t bad = (P & ~dprev) | (M & ~cprev) | (C & ~dprev);
        uint64_t last = t == 64 ? (uint64_t)1 << 63 : 0; /* its next byte is the next block's */
        bad |= ((P | M) & ~dnext & ~last) | (C & ~(dnext | M >> 1) & ~last) | (zs & dnext);
        /* a leading zero just before the block (what must follow a '.', '-'
         * or ',' there is checked above by what must come before) */
        bad |= no_d & D & 1;
        /* one '.' a number: from each fraction's digits to the byte after
         * them, which must not be another '.' */
        uint64_t from = P << 1 | frac, run;
        int carry = __builtin_add_overflow(from, D, &run);
        bad |= run & ~D & P;
        if (closed)
            bad |= t ? ~D >> (t - 1) & 1 : !prev_d; /* ']' after a digit */
        /* no number longer than cJSON's 63 characters */
        uint64_t stop = C | (closed ? (uint64_t)1 << t : 0);
        if (bad || (stop ? q + __builtin_ctzll(stop) - elem > 63 : q + 64 - elem > 63))
            break;
        if (closed) {
            f->p = q + t;
            *n = count + bit_count(C) + 1;
            return 1;
        }
        count += bit_count(C);
        if (C)
            elem = q + (63 - __builtin_clzll(C)) + 1;
        prev_d = D >> 63, prev_c = C >> 63, prev_m = M >> 63;
        no_d = zs >> 63;
        frac = (P >> 63) | (uint64_t)carry;
        q += 64;
    }
#endif
    return number_list_at(f, (const unsigned char *)elem, count, n);
}

int ap_jf_number(ap_jfast *f, double *v)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    int neg, e, nd;
    uint64_t m;
    if (ap_jf_peek(f) < 0)
        return 0;
    size_t len = number_at(f, &neg, &m, &e, &nd);
    if (!len || len > 63) /* cJSON reads at most 63 characters of a number */
        return 0;
    double d;
    if (nd <= 15 && e >= -22 && e <= 22) {
        /* both exact doubles: one correctly rounded operation, as strtod */
        d = (double)m;
        d = e < 0 ? d / pow10[-e] : d * pow10[e];
        if (neg)
            d = -d;
    } else {
        char tmp[64];
        memcpy(tmp, f->p, len);
        tmp[len] = '\0';
        d = strtod(tmp, NULL);
    }
    ap_jfast after = {f->p + len, f->end};
    if (!scalar_ends(&after))
        return 0;
    f->p += len;
    *v = d;
    return 1;
}

int ap_jf_int(ap_jfast *f, int64_t *v)
{
    if (ap_jf_peek(f) < 0)
        return 0;
    const char *q = f->p;
    int neg = *q == '-';
    q += neg;
    const char *digits = q;
    int64_t x = 0;
    while (q < f->end && is_digit(*q) && q - digits < 16)
        x = x * 10 + (*q++ - '0');
    size_t nd = (size_t)(q - digits);
    ap_jfast after = {q, f->end};
    if (nd == 0 || nd > 15 || (nd > 1 && *digits == '0') || !scalar_ends(&after))
        return 0;
    f->p = q;
    *v = neg ? -x : x;
    return 1;
}

static int literal(ap_jfast *f, const char *word, size_t n)
{
    if (ap_jf_peek(f) < 0 || (size_t)(f->end - f->p) < n || memcmp(f->p, word, n) != 0)
        return 0;
    ap_jfast after = {f->p + n, f->end};
    if (!scalar_ends(&after))
        return 0;
    f->p += n;
    return 1;
}

int ap_jf_null(ap_jfast *f)
{
    return literal(f, "null", 4);
}

static int skip_at(ap_jfast *f, int depth)
{
    int c = ap_jf_peek(f);
    if (depth > 64)
        return 0;
    switch (c) {
    case '"': {
        const char *s;
        size_t n;
        return ap_jf_string(f, &s, &n);
    }
    case '[':
    case '{': {
        char close = c == '[' ? ']' : '}';
        f->p++;
        if (ap_jf_take(f, close))
            return 1;
        for (;;) {
            if (c == '{') {
                const char *s;
                size_t n;
                if (!ap_jf_string(f, &s, &n) || !ap_jf_take(f, ':'))
                    return 0;
            }
            if (!skip_at(f, depth + 1))
                return 0;
            if (ap_jf_take(f, close))
                return 1;
            if (!ap_jf_take(f, ','))
                return 0;
        }
    }
    case 't':
        return literal(f, "true", 4);
    case 'f':
        return literal(f, "false", 5);
    case 'n':
        return literal(f, "null", 4);
    default:
        return ap_jf_number_syntax(f);
    }
}

int ap_jf_skip(ap_jfast *f)
{
    return skip_at(f, 0);
}
