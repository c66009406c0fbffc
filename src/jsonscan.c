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
 * a newline. Sixteen bytes at a time where SSE2 is there. */
static size_t next_special(const char *b, size_t i, size_t end, int in_string)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), nl = _mm_set1_epi8('\n');
    const __m128i bs = _mm_set1_epi8('\\'), lo = _mm_set1_epi8(0x20);
    const __m128i ob = _mm_set1_epi8('{'), cb = _mm_set1_epi8('}');
    while (i + 16 <= end) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, nl));
        if (in_string) {
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, bs));
        } else { /* '[' and ']' are '{' and '}' without bit 0x20 */
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
        while (i < end) {
            if (escape) { /* the byte after a backslash, whatever it is */
                escape = 0;
                if (b[i] == '\n')
                    newline_at(j, i);
                i++;
                continue;
            }
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

static int find_value(ap_jscan *j, int keep)
{
    int c = ap_jscan_peek(j);
    if (c == -2)
        return j->ctx->err;
    if (c == -1)
        return ap_jscan_error(j, "invalid JSON: expected a value, found the end of the file");
    if (c == ',' || c == ':' || c == '}' || c == ']')
        return ap_jscan_error(j, "invalid JSON: expected a value, found %s", describe(c));
    j->vline = j->line;
    j->vcol = j->base + j->pos - j->line_off + 1;
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
        rc = ap_jscan_value(j, &p, &n, &line);
        if (rc)
            return rc;
        int taken = 0;
        rc = text ? text(user, p, n, index, line, &taken) : AP_OK;
        if (rc == AP_OK && !taken) {
            cJSON *e = ap_jscan_parse(j, p, n);
            if (!e)
                return j->ctx->err;
            rc = fn ? fn(user, e, index, line) : AP_OK;
            cJSON_Delete(e);
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
