/*
 * ids.c: input and concept ids from file names and labels (SPEC section 2,
 * "Ids"). Pure functions; collisions are the core's business (sink.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int id_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Where the extension of the last path component starts (its '.'), or the
 * end of the string when it has none. A leading dot is not an extension. */
static size_t ext_start(const char *name)
{
    size_t n = strlen(name);
    const char *base = name;
    for (const char *p = name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return n;
    return (size_t)(dot - name);
}

/* An id for a name that leaves nothing usable: "input-" and a hash. */
static char *fallback_id(const char *name)
{
    char *out = malloc(6 + 16 + 1);
    if (out)
        snprintf(out, 23, "input-%016llx",
                 (unsigned long long)ap_hash64(name, strlen(name), 0));
    return out;
}

char *ap_input_id_clean(const char *file_name)
{
    size_t end = ext_start(file_name);
    char *out = malloc(end + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < end; i++) {
        unsigned char c = (unsigned char)file_name[i];
        if (c == '.' || c == ',' || c == ' ' || c == '/' || c == '\\')
            c = '_';
        else if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (!id_char(c))
            continue;
        /* collapse runs of '_' and runs of '-' */
        if ((c == '_' || c == '-') && n > 0 && out[n - 1] == (char)c)
            continue;
        out[n++] = (char)c;
    }
    size_t start = 0;
    while (start < n && (out[start] == '_' || out[start] == '-'))
        start++;
    while (n > start && (out[n - 1] == '_' || out[n - 1] == '-'))
        n--;
    memmove(out, out + start, n - start);
    out[n - start] = '\0';
    if (out[0] == '\0') {
        free(out);
        return fallback_id(file_name);
    }
    return out;
}

char *ap_input_id_stem(const char *file_name)
{
    const char *base = file_name;
    for (const char *p = file_name; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t end = ext_start(file_name) - (size_t)(base - file_name);
    if (ext_start(file_name) < (size_t)(base - file_name))
        end = strlen(base);
    char *out = malloc(end + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < end; i++) {
        unsigned char c = (unsigned char)base[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '_' || c == '-';
        out[i] = ok ? (char)c : '_';
    }
    out[end] = '\0';
    if (end == 0) {
        free(out);
        return fallback_id(file_name);
    }
    return out;
}

/* ---- concept ids ---- */

/* Latin letters for the accented Latin letters of U+00C0..U+00FF. */
static const char *const latin1_sup[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y"};

/* Cyrillic U+0430..U+044F (and U+0410..U+042F), as Russian passports
 * spell them (ICAO 9303). */
static const char *const cyrillic[32] = {
    "a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
    "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia"};

/* The Latin spelling of the UTF-8 character at p, or NULL; *len: its bytes. */
static const char *latin_of(const unsigned char *p, size_t *len)
{
    unsigned cp;
    if (p[0] >= 0xC2 && p[0] <= 0xDF && (p[1] & 0xC0) == 0x80) {
        cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        *len = 2;
    } else {
        *len = 1;
        while ((p[*len] & 0xC0) == 0x80 && *len < 4)
            (*len)++;
        return NULL; /* another script: no spelling here */
    }
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1_sup[cp - 0xC0];
    if (cp >= 0x410 && cp <= 0x44F)
        return cyrillic[(cp - 0x410) % 32];
    switch (cp) {
    case 0x401: case 0x451: return "e";  /* Ё ё */
    case 0x404: case 0x454: return "ie"; /* Є є */
    case 0x406: case 0x456: return "i";  /* І і */
    case 0x407: case 0x457: return "i";  /* Ї ї */
    case 0x40E: case 0x45E: return "u";  /* Ў ў */
    case 0x490: case 0x491: return "g";  /* Ґ ґ */
    default: return NULL;
    }
}

/* The SPEC's rule: lowercase, spaces to '-', only [a-z0-9_-]; accented
 * Latin letters and Cyrillic are spelled in Latin letters first ("Café" ->
 * "cafe", "Поднос" -> "podnos"). A label with letters of another script,
 * or that leaves no letter or digit, keeps what it can and takes "-" and
 * eight hex digits of a hash of the label as written ("猫" ->
 * "label-2567bab4"), so that each has an id of its own, the same in every
 * run. Two labels that still meet are the caller's error. */
char *ap_concept_id(const char *label)
{
    char *out = malloc(33);
    if (!out)
        return NULL;
    size_t n = 0;
    int other = 0;
    for (const unsigned char *p = (const unsigned char *)label; *p;) {
        unsigned char c = *p;
        if (c >= 0x80) {
            size_t len;
            const char *t = latin_of(p, &len);
            other |= !t;
            for (; t && *t && n < 32; t++)
                out[n++] = *t;
            p += len;
            continue;
        }
        p++;
        if (c == ' ')
            c = '-';
        else if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (id_char(c) && n < 32)
            out[n++] = (char)c;
    }
    out[n] = '\0';
    int usable = 0;
    for (size_t i = 0; i < n; i++)
        usable |= out[i] != '-' && out[i] != '_';
    if (!other && usable)
        return out; /* as the SPEC says */
    if (!*label) {
        out[0] = '\0'; /* no label at all: the caller's error */
        return out;
    }
    if (!usable)
        n = 0;
    if (n > 23)
        n = 23;
    while (n && out[n - 1] == '-')
        n--;
    snprintf(out + n, 33 - n, "%s%08llx", n ? "-" : "label-",
             (unsigned long long)(ap_hash64(label, strlen(label), 0x636f6e63ULL) & 0xffffffffULL));
    return out;
}
