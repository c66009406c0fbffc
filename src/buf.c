/*
 * buf.c: growable buffers, growable arrays, and a small JSON emitter
 * (strings and numbers only: what the writers need).
 *
 * The emitter writes, it never parses: reading JSON is cJSON's job. The
 * digits of a number come from numfmt.c, the UTF-8 check of a string from
 * text.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- buffers ---- */

void ap_buf_free(ap_buf *b)
{
    if (!b)
        return;
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void ap_buf_grow(ap_buf *b, size_t extra)
{
    if (b->oom || b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

void ap_buf_u64(ap_buf *b, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    ap_buf_put(b, tmp, (size_t)n);
}

void ap_buf_json_string(ap_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    ap_buf_putc(b, '"');
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        if (s > run)
            ap_buf_put(b, (const char *)run, (size_t)(s - run));
        if (!*s)
            break;
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            ap_buf_put(b, esc, 2);
            s++;
        } else if (c < 0x20) {
            char esc[8];
            switch (c) {
            case '\n': ap_buf_put(b, "\\n", 2); break;
            case '\r': ap_buf_put(b, "\\r", 2); break;
            case '\t': ap_buf_put(b, "\\t", 2); break;
            case '\b': ap_buf_put(b, "\\b", 2); break;
            case '\f': ap_buf_put(b, "\\f", 2); break;
            default:
                snprintf(esc, sizeof esc, "\\u%04x", c);
                ap_buf_put(b, esc, 6);
            }
            s++;
        } else {
            size_t n = ap_utf8_len(s);
            if (n == 0) {
                ap_buf_put(b, "\xEF\xBF\xBD", 3);
                s++;
            } else {
                ap_buf_put(b, (const char *)s, n);
                s += n;
            }
        }
    }
    ap_buf_putc(b, '"');
}

void ap_buf_json_number(ap_buf *b, double v)
{
    ap_buf_reserve(b, 32);
    if (b->oom)
        return;
    b->len += ap_format_double(b->p + b->len, v); /* writes its NUL too */
}

size_t ap_grown_cap(size_t cap, size_t need)
{
    size_t nc = cap ? cap : 16;
    while (nc < need)
        nc *= 2;
    return nc;
}

int ap_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = ap_grown_cap(*cap, need);
    void **p = arr;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}
