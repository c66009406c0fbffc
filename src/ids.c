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

char *ap_concept_id(const char *label)
{
    char *out = malloc(33);
    if (!out)
        return NULL;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)label; *p && n < 32; p++) {
        unsigned char c = *p;
        if (c == ' ')
            c = '-';
        else if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (id_char(c))
            out[n++] = (char)c;
    }
    out[n] = '\0';
    return out;
}
