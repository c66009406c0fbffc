/*
 * imgsize.c: image width and height from the file header, without
 * decoding: PNG's IHDR chunk, JPEG's SOF segment, and the EXIF orientation
 * of a JPEG (orientations 5 to 8 are rotated a quarter turn, so the image
 * as shown is height x width). Reads a few kilobytes at most, plus the
 * EXIF segment when there is one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The orientation tag (0x0112) of IFD0 in an EXIF APP1 body, or 1. */
static int exif_orientation(const unsigned char *b, size_t n)
{
    if (n < 14 || memcmp(b, "Exif\0\0", 6) != 0)
        return 1;
    const unsigned char *t = b + 6;
    size_t tn = n - 6;
    int le;
    if (t[0] == 'I' && t[1] == 'I')
        le = 1;
    else if (t[0] == 'M' && t[1] == 'M')
        le = 0;
    else
        return 1;
#define RD16(p) (le ? (unsigned)((p)[0] | (p)[1] << 8) : be16(p))
#define RD32(p) (le ? (uint32_t)((p)[0] | (p)[1] << 8 | (p)[2] << 16 | (uint32_t)(p)[3] << 24) \
                    : be32(p))
    if (RD16(t + 2) != 42)
        return 1;
    uint32_t ifd = RD32(t + 4);
    if (ifd + 2 > tn)
        return 1;
    unsigned count = RD16(t + ifd);
    for (unsigned i = 0; i < count; i++) {
        size_t e = ifd + 2 + (size_t)i * 12;
        if (e + 12 > tn)
            break;
        if (RD16(t + e) == 0x0112) {
            unsigned v = RD16(t + e + 8);
            return v >= 1 && v <= 8 ? (int)v : 1;
        }
    }
#undef RD16
#undef RD32
    return 1;
}

static int jpeg_size(FILE *f, int64_t *w, int64_t *h)
{
    int orientation = 1;
    unsigned char hdr[4];
    for (int guard = 0; guard < 1000; guard++) {
        int c = fgetc(f);
        if (c == EOF)
            return 0;
        if (c != 0xFF)
            continue; /* not at a marker: resynchronize */
        do
            c = fgetc(f);
        while (c == 0xFF);
        if (c == EOF)
            return 0;
        if (c == 0xD8 || (c >= 0xD0 && c <= 0xD7) || c == 0x01 || c == 0x00)
            continue; /* markers without a length */
        if (c == 0xD9 || c == 0xDA)
            return 0; /* end of image, or scan data: no size before it */
        if (fread(hdr, 1, 2, f) != 2)
            return 0;
        unsigned len = be16(hdr);
        if (len < 2)
            return 0;
        if (c >= 0xC0 && c <= 0xCF && c != 0xC4 && c != 0xC8 && c != 0xCC) {
            unsigned char sof[5];
            if (len < 7 || fread(sof, 1, 5, f) != 5)
                return 0;
            *h = be16(sof + 1);
            *w = be16(sof + 3);
            if (orientation >= 5) {
                int64_t t = *w;
                *w = *h;
                *h = t;
            }
            return *w > 0 && *h > 0;
        }
        if (c == 0xE1 && orientation == 1) {
            unsigned char *body = malloc(len - 2);
            if (!body)
                return 0;
            if (fread(body, 1, len - 2, f) != len - 2) {
                free(body);
                return 0;
            }
            orientation = exif_orientation(body, len - 2);
            free(body);
            continue;
        }
        if (fseek(f, (long)len - 2, SEEK_CUR) != 0)
            return 0;
    }
    return 0;
}

static int size_of(FILE *f, int64_t *w, int64_t *h)
{
    unsigned char sig[24];
    int found = 0;
    size_t n = fread(sig, 1, sizeof sig, f);
    if (n >= 24 && memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(sig + 12, "IHDR", 4) == 0) {
        *w = be32(sig + 16);
        *h = be32(sig + 20);
        found = *w > 0 && *h > 0;
    } else if (n >= 2 && sig[0] == 0xFF && sig[1] == 0xD8) {
        if (fseek(f, 2, SEEK_SET) == 0)
            found = jpeg_size(f, w, h);
    }
    return found;
}

int ap_image_size(const char *path, int64_t *w, int64_t *h)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int found = size_of(f, w, h);
    fclose(f);
    return found;
}

/* The header of an archive member: its first 256 KiB (past any EXIF
 * segment with its thumbnail), read as a file from memory. */
int ap_image_size_stream(ap_context *ctx, ap_stream *s, int64_t *w, int64_t *h)
{
    size_t cap = 256 * 1024, len = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return 0;
    ssize_t got;
    while (len < cap && (got = ap_stream_read(ctx, s, buf + len, cap - len)) > 0)
        len += (size_t)got;
    int found = 0;
    FILE *f = len ? fmemopen(buf, len, "rb") : NULL;
    if (f) {
        found = size_of(f, w, h);
        fclose(f);
    }
    free(buf);
    return found;
}
