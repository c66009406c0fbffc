/*
 * jsonscan.c: finds the extent of JSON values in a stream without parsing
 * them, so that a large document (a COCO file of hundreds of megabytes) is
 * read through a window: a reader walks the top-level object key by key and
 * hands each array element, one at a time, to cJSON (ap_jscan_parse).
 *
 * This is not a JSON parser: it only matches quotes and brackets. Every
 * value a reader uses is parsed and validated by cJSON; a value that is only
 * skipped here is parsed by cJSON in the other pass of the reader.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

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
    ap_progress_add(j->ctx, (uint64_t)n);
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
            char c = b[i];
            if (in_string) {
                if (escape)
                    escape = 0;
                else if (c == '\\')
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

cJSON *ap_jscan_parse(ap_jscan *j, const char *p, size_t n)
{
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (v && end == p + n)
        return v;
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
        cJSON *e = ap_jscan_parse(j, p, n);
        if (!e)
            return j->ctx->err;
        rc = fn ? fn(user, e, index, line) : AP_OK;
        cJSON_Delete(e);
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
