/*
 * loaders.c: the tables a job's options name, loaded into the sink before
 * the first input is read: the label map (--label-map), the labels kept
 * (--labels), and image sizes (--inputs pages, --sizes). The two CSV files
 * go through one libcsv row collector. What the sink does with them is
 * sink.c's part.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "sink.h"

/* ---- CSV rows ---- */

/* The fields of a row kept: the tables have at most three. */
#define CSV_FIELDS 3

/* Called for each row, numbered from 1, with its first CSV_FIELDS fields
 * (strings the callback may take over, setting them to NULL) and the
 * number it has (which may be more). An error ends the reading. */
typedef int (*csv_row_fn)(ap_sink *sink, const char *path, uint64_t row, char **field,
                          size_t nfields);

typedef struct {
    ap_sink *sink;
    const char *path;
    csv_row_fn fn;
    char *field[CSV_FIELDS];
    size_t nfields;
    uint64_t row;
    int rc;
} csv_rows;

static void csv_rows_field(void *s, size_t len, void *data)
{
    csv_rows *r = data;
    if (r->rc == AP_OK && r->nfields < CSV_FIELDS &&
        !(r->field[r->nfields] = ap_strndup(s ? s : "", len)))
        r->rc = ap_error_nomem(r->sink->ctx);
    r->nfields++;
}

static void csv_rows_end(int c, void *data)
{
    (void)c;
    csv_rows *r = data;
    r->row++;
    if (r->rc == AP_OK)
        r->rc = r->fn(r->sink, r->path, r->row, r->field, r->nfields);
    for (size_t i = 0; i < CSV_FIELDS; i++) {
        free(r->field[i]);
        r->field[i] = NULL;
    }
    r->nfields = 0;
}

/* Reads f (named path in messages) row by row into fn. */
static int csv_rows_read(ap_sink *sink, FILE *f, const char *path, csv_row_fn fn)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return ap_error_nomem(sink->ctx);
    csv_rows r = {sink, path, fn, {NULL}, 0, 0, AP_OK};
    char buf[8192];
    size_t n;
    while (r.rc == AP_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, csv_rows_field, csv_rows_end, &r) != n && r.rc == AP_OK)
            r.rc = ap_error(sink->ctx, AP_EUSAGE, "%s: not a CSV file: %s", path,
                            csv_strerror(csv_error(&p)));
    }
    if (r.rc == AP_OK)
        csv_fini(&p, csv_rows_field, csv_rows_end, &r);
    for (size_t i = 0; i < CSV_FIELDS; i++)
        free(r.field[i]);
    csv_free(&p);
    return r.rc;
}

/* ---- label options ---- */

/* What the API takes as a concept id. */
static int valid_concept_id(const char *s)
{
    size_t n = strlen(s);
    if (n > 32)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

static int map_row(ap_sink *sink, const char *path, uint64_t row, char **field, size_t nfields)
{
    if (nfields != 2 && nfields != 3)
        return ap_error_at(sink->ctx, AP_EUSAGE, path, row, 0,
                           "a label map row is \"from,to\" or \"from,to,id\", this one "
                           "has %zu fields", nfields);
    if (row == 1 && !strcmp(field[0], "from") && !strcmp(field[1], "to") &&
        (nfields == 2 || !strcmp(field[2], "id")))
        return AP_OK; /* header */
    if (nfields == 3 && !valid_concept_id(field[2]))
        return ap_error_at(sink->ctx, AP_EUSAGE, path, row, 0,
                           "\"%s\" is not a concept id: 1 to 32 of a-z, A-Z, 0-9, '_' "
                           "and '-'", field[2]);
    ap_label_rule **nv = realloc(sink->rules, (sink->nrules + 1) * sizeof *nv);
    ap_label_rule *r = nv ? calloc(1, sizeof *r) : NULL;
    if (nv)
        sink->rules = nv;
    if (!r)
        return ap_error_nomem(sink->ctx);
    r->from = field[0];
    r->to = field[1];
    r->id = nfields == 3 && *field[2] ? field[2] : NULL;
    r->row = row;
    if (r->id)
        field[2] = NULL;
    field[0] = field[1] = NULL;
    sink->rules[sink->nrules++] = r;
    if (ap_map_put(sink->label_map, r->from, r) != 0)
        return ap_error_nomem(sink->ctx);
    return AP_OK;
}

int ap_label_map_load(ap_sink *sink, const char *path)
{
    ap_context *ctx = sink->ctx;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot open the label map: %s", path,
                        strerror(errno));
    sink->label_map = ap_map_new();
    int rc = sink->label_map ? csv_rows_read(sink, f, path, map_row) : ap_error_nomem(ctx);
    fclose(f);
    return rc;
}

int ap_labels_load(ap_sink *sink, const char *list)
{
    sink->keep = ap_map_new();
    if (!sink->keep)
        return ap_error_nomem(sink->ctx);
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *name = ap_strndup(p, len);
        if (!name)
            return ap_error_nomem(sink->ctx);
        ap_label_rule *r = NULL, **nv = NULL;
        if (*name && !ap_map_get(sink->keep, name)) {
            nv = realloc(sink->wanted, (sink->nwanted + 1) * sizeof *nv);
            if (nv)
                sink->wanted = nv;
            if (!nv || !(r = calloc(1, sizeof *r))) {
                free(name);
                return ap_error_nomem(sink->ctx);
            }
            r->from = name;
            sink->wanted[sink->nwanted++] = r;
            if (ap_map_put(sink->keep, name, r) != 0)
                return ap_error_nomem(sink->ctx);
        } else {
            free(name);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return AP_OK;
}

/* ---- image sizes: --sizes FILE and --inputs FILE... ---- */

static int sizes_row(ap_sink *sink, const char *path, uint64_t row, char **f, size_t nf)
{
    char *e1 = NULL, *e2 = NULL;
    long long w = nf == 3 ? strtoll(f[1], &e1, 10) : 0;
    long long h = nf == 3 ? strtoll(f[2], &e2, 10) : 0;
    int header = row == 1 && nf == 3 && (e1 == f[1] || *e1);
    if (header)
        return AP_OK;
    if (nf != 3 || !*f[0] || *e1 || *e2 || w <= 0 || h <= 0 || e1 == f[1] || e2 == f[2])
        return ap_error_at(sink->ctx, AP_EUSAGE, path, row, 0,
                           "a --sizes row is input_id,width,height with sizes in "
                           "whole pixels");
    ap_image_desc d = {f[0], f[0], w, h, 0, 0, {path, row, -1}};
    return ap_sink_add_input(sink, &d) ? AP_OK : sink->ctx->err;
}

/* --inputs: the inputs of Clarifai JSON pages or exports. */
static int load_input_pages(ap_context *ctx, ap_sink *sink)
{
    for (size_t i = 0; i < ctx->opt.ninput_pages; i++) {
        ap_source_list l = {0};
        char detected[32];
        const ap_reader *clarifai = ap_reader_find("clarifai");
        int rc = ap_source_list_expand(ctx, ctx->opt.input_pages[i], clarifai, &l, detected,
                                       sizeof detected);
        for (size_t k = 0; rc == AP_OK && k < l.n; k++) {
            ap_source src = {.path = l.v[k].display};
            rc = ap_source_file_open(ctx, &l.v[k], &src.stream);
            if (rc || !src.stream)
                continue;
            sink->cur_path = l.v[k].display;
            rc = ap_clarifai_read_inputs(ctx, &src, sink);
            ap_stream_close(src.stream);
        }
        ap_source_list_free(&l);
        if (rc)
            return rc;
    }
    return AP_OK;
}

int ap_sizes_load(ap_context *ctx, ap_sink *sink)
{
    int rc = load_input_pages(ctx, sink);
    if (rc || !ctx->opt.sizes)
        return rc;
    FILE *f = fopen(ctx->opt.sizes, "rb");
    if (!f)
        return ap_error(ctx, AP_ENOINPUT, "%s: cannot open: %s", ctx->opt.sizes,
                        strerror(errno));
    rc = csv_rows_read(sink, f, ctx->opt.sizes, sizes_row);
    fclose(f);
    return rc;
}
