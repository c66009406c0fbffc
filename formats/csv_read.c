/*
 * csv_read.c: CSV annotation files, streamed through libcsv row by row.
 *
 * Dialects (detected from the first row, or --csv-dialect):
 *   tfod            header filename,width,height,class,xmin,ymin,xmax,ymax
 *                   (any column order), 0-based pixels
 *   automl          no header: [SET,]PATH,LABEL,X_MIN,Y_MIN,,,X_MAX,Y_MAX,,
 *                   or the 4-vertex form, normalized; an empty LABEL is an
 *                   image with no objects, a row without numbers an
 *                   image-level label
 *   classification  image,label[,value] with a header naming them, or
 *                   Clarifai's CSV template: input,concepts[,inputid,
 *                   metadata,geopoints], several concepts in one cell
 *                   separated by commas
 *   generic         --columns image=COL,label=COL,xmin=COL,... --coords
 * A row that cannot be used is a reject with its line number. The file is
 * fed to libcsv one physical line at a time, so line numbers are exact.
 * A UTF-8 byte order mark is skipped; CRLF, quoted fields and spaces after
 * commas are libcsv's business.
 * The delimiter (',', ';', tab or '|') is found in the first lines, or
 * given (--delimiter). In a file not separated by commas, a number may use
 * a decimal comma (12,5), as spreadsheets write it where ';' separates.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "../src/internal.h"

extern const ap_reader ap_reader_csv;

enum { D_NONE, D_TFOD, D_AUTOML, D_CLASS, D_GENERIC };
static const char *const dialect_names[] = {"", "tfod", "automl", "classification", "generic"};

/* Column roles. */
enum { C_IMAGE, C_LABEL, C_XMIN, C_YMIN, C_XMAX, C_YMAX, C_WIDTH, C_HEIGHT, C_VALUE, C_N };
static const char *const role_names[C_N] = {"image", "label", "xmin", "ymin", "xmax",
                                            "ymax", "width", "height", "value"};

/* The reader's options (--csv-dialect and the others below). */
typedef struct {
    const char *dialect;  /* tfod|automl|classification|generic, NULL: found */
    const char *columns;  /* generic: image=COL,label=COL,... */
    const char *coords;   /* generic: pixel (NULL) or normalized */
    int delimiter;        /* 0: found in the first lines */
} csv_read_opts;

typedef struct {
    ap_context *ctx;
    const csv_read_opts *o;
    ap_sink *sink;
    const char *path;
    struct csv_parser p;
    char **f;             /* fields of the current row (set at its end) */
    size_t nf, cap;
    char *text;           /* their bytes, each ended by a NUL */
    size_t text_len, text_cap;
    size_t *off;          /* where each starts in text */
    size_t off_cap;
    char *last_name;      /* the last row's image and what it gave */
    int64_t last_w, last_h;
    ap_input *last_in;
    char *last_label;     /* the last row's label and its concept */
    const ap_concept *last_concept;
    uint64_t line;        /* physical line being fed */
    uint64_t row_line;    /* line where the current row starts */
    uint64_t rows;        /* rows seen, header included */
    int64_t index;        /* data rows */
    int dialect;
    int automl_set;       /* automl rows start with SET */
    int col[C_N];         /* 0-based column of each role, -1 absent */
    int generic_names;    /* --columns named header columns */
    int col_inputid;      /* Clarifai template: its inputid column, -1 absent */
    int concept_list;     /* the label cell holds concepts separated by commas */
    int decimal_comma;    /* numbers may be written 12,5 */
    unsigned char delim;
    char *last_id;        /* the last row's explicit input id */
    int rc;
} csvr;

static void on_field(void *s, size_t len, void *data)
{
    csvr *r = data;
    if (r->rc)
        return;
    if (r->nf == 0)
        r->row_line = r->line;
    if (ap_grow(&r->off, &r->off_cap, r->nf + 1, sizeof *r->off) != 0) {
        r->rc = ap_error_nomem(r->ctx);
        return;
    }
    const char *t = s ? s : "";
    if (len >= 2 && t[0] == '\'' && strchr("=+-@", t[1])) { /* a defused formula */
        t++;
        len--;
    }
    if (!s)
        len = 0;
    if (ap_grow(&r->text, &r->text_cap, r->text_len + len + 1, 1) != 0) {
        r->rc = ap_error_nomem(r->ctx);
        return;
    }
    memcpy(r->text + r->text_len, t, len);
    r->text[r->text_len + len] = '\0';
    r->off[r->nf++] = r->text_len;
    r->text_len += len + 1;
}

static const char *field(const csvr *r, int role)
{
    int c = r->col[role];
    return c >= 0 && (size_t)c < r->nf ? r->f[c] : NULL;
}

/* A number: 1 parsed, 0 empty, -1 not a number. */
static int num(const csvr *r, const char *s, double *out)
{
    if (!s)
        return 0;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return 0;
    size_t n = strlen(s);
    char dot[64]; /* 12,5 read as 12.5: one comma, no dot */
    const char *comma = r->decimal_comma ? strchr(s, ',') : NULL;
    if (comma && !strchr(comma + 1, ',') && !strchr(s, '.') && n < sizeof dot) {
        memcpy(dot, s, n + 1);
        dot[comma - s] = '.';
        s = dot;
    }
    ap_jfast f = {s, s + n}; /* the usual plain number, as strtod reads it */
    if (!r->ctx->opt.reference_parsers && ap_jf_number(&f, out) && f.p == f.end)
        return 1;
    char *end;
    *out = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return *end ? -1 : 1;
}

static int lower_eq(const char *a, const char *b)
{
    while (isspace((unsigned char)*a))
        a++;
    size_t n = strlen(b);
    if (strncasecmp(a, b, n) != 0)
        return 0;
    a += n;
    while (isspace((unsigned char)*a))
        a++;
    return *a == '\0';
}

static int find_col(const csvr *r, const char *const *names)
{
    for (size_t i = 0; i < r->nf; i++)
        for (const char *const *n = names; *n; n++)
            if (lower_eq(r->f[i], *n))
                return (int)i;
    return -1;
}

/* ---- the delimiter ---- */

static const char delimiters[] = ",;\t|";
#define NDELIM 4
#define SNIFF_LINES 10

/* The delimiter of the CSV text s: of ',', ';', tab and '|', the one that
 * every one of the first lines holds (outside quotes) the most times; when
 * none is on every line, the one the first line holds most; commas first
 * on a tie. A line cut by the end of s counts only when it is the first.
 * Bytes only: any encoding that keeps ASCII as it is. */
static unsigned char sniff_delimiter(const char *s, size_t len)
{
    size_t least[NDELIM], first[NDELIM] = {0}, count[NDELIM] = {0};
    int lines = 0, quoted = 0, blank = 1;
    for (size_t i = 0; i <= len && lines < SNIFF_LINES; i++) {
        if (i == len && lines > 0)
            break;
        if (i == len || (s[i] == '\n' && !quoted)) {
            if (!blank) {
                for (int k = 0; k < NDELIM; k++) {
                    if (lines == 0)
                        first[k] = least[k] = count[k];
                    else if (count[k] < least[k])
                        least[k] = count[k];
                    count[k] = 0;
                }
                lines++;
            }
            blank = 1;
            continue;
        }
        if (s[i] == '"')
            quoted = !quoted;
        if (s[i] != '\r')
            blank = 0;
        const char *d = quoted || !s[i] ? NULL : strchr(delimiters, s[i]);
        if (d)
            count[d - delimiters]++;
    }
    if (lines == 0)
        return ',';
    int best = 0;
    for (int k = 1; k < NDELIM; k++)
        if (least[k] > least[best])
            best = k;
    if (least[best] == 0)
        for (int k = 1; k < NDELIM; k++)
            if (first[k] > first[best])
                best = k;
    return (unsigned char)delimiters[best];
}

static const char *delimiter_name(unsigned char c)
{
    return c == ';' ? "semicolon" : c == '\t' ? "tab" : c == '|' ? "pipe" : NULL;
}

/* ---- dialects ---- */

/* An AutoML set as it is spelled canonically, or NULL. */
static const char *automl_set(const char *s)
{
    static const char *const sets[] = {"TRAIN", "VALIDATION", "TEST", "UNASSIGNED", NULL};
    for (const char *const *k = sets; *k; k++)
        if (lower_eq(s, *k))
            return *k;
    return NULL;
}

static int is_automl_set(const char *s)
{
    return automl_set(s) != NULL;
}

static const char *const image_names[] = {"image", "filename", "file_name", "image_name",
                                          "file", "path", "image_path", "image_id", NULL};
static const char *const label_names[] = {"label", "class", "label_name", "class_name",
                                          "category", "labels", NULL};

/* Columns of the TF-OD header; 1 when every one is there. */
static int tfod_header(csvr *r)
{
    static const char *const names[6][2] = {{"filename", NULL}, {"class", NULL},
                                            {"xmin", NULL},     {"ymin", NULL},
                                            {"xmax", NULL},     {"ymax", NULL}};
    const int roles[6] = {C_IMAGE, C_LABEL, C_XMIN, C_YMIN, C_XMAX, C_YMAX};
    for (int i = 0; i < 6; i++)
        if ((r->col[roles[i]] = find_col(r, names[i])) < 0)
            return 0;
    static const char *const w[] = {"width", NULL}, *const h[] = {"height", NULL};
    r->col[C_WIDTH] = find_col(r, w);
    r->col[C_HEIGHT] = find_col(r, h);
    return r->col[C_WIDTH] >= 0 && r->col[C_HEIGHT] >= 0;
}

static int class_header(csvr *r)
{
    r->col[C_IMAGE] = find_col(r, image_names);
    r->col[C_LABEL] = find_col(r, label_names);
    static const char *const v[] = {"value", "present", "score", NULL};
    r->col[C_VALUE] = find_col(r, v);
    return r->col[C_IMAGE] >= 0 && r->col[C_LABEL] >= 0 && r->nf <= 3;
}

/* Clarifai's CSV template: input and concepts, and maybe inputid, metadata
 * and geopoints (read by Clarifai's SDK; nothing else may be there). */
static int clarifai_header(csvr *r)
{
    static const char *const known[] = {"input", "concepts", "inputid", "metadata",
                                        "geopoints", NULL};
    for (size_t i = 0; i < r->nf; i++) {
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            ok |= lower_eq(r->f[i], *k);
        if (!ok)
            return 0;
    }
    static const char *const input[] = {"input", NULL}, *const concepts[] = {"concepts", NULL},
                             *const inputid[] = {"inputid", NULL};
    r->col[C_IMAGE] = find_col(r, input);
    r->col[C_LABEL] = find_col(r, concepts);
    r->col_inputid = find_col(r, inputid);
    r->concept_list = r->col[C_IMAGE] >= 0 && r->col[C_LABEL] >= 0;
    return r->concept_list;
}

/* --columns: role=COL pairs; COL a header name or a 1-based number. */
static int generic_columns(csvr *r, int first_row_is_header)
{
    const char *spec = r->o->columns;
    if (!spec)
        return ap_error(r->ctx, AP_EUSAGE, "%s: the generic CSV dialect needs --columns "
                        "image=COL,label=COL,xmin=COL,ymin=COL,xmax=COL,ymax=COL", r->path);
    for (const char *p = spec; *p;) {
        const char *e = p + strcspn(p, ",");
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (!eq)
            return ap_error(r->ctx, AP_EUSAGE, "--columns: \"%.*s\" is not ROLE=COLUMN",
                            (int)(e - p), p);
        int role = -1;
        for (int i = 0; i < C_N; i++)
            if ((size_t)(eq - p) == strlen(role_names[i]) &&
                strncmp(p, role_names[i], (size_t)(eq - p)) == 0)
                role = i;
        if (role < 0)
            return ap_error(r->ctx, AP_EUSAGE, "--columns: unknown role \"%.*s\" (image, "
                            "label, xmin, ymin, xmax, ymax, width, height, value)",
                            (int)(eq - p), p);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(e - eq - 1), eq + 1);
        char *end;
        long k = strtol(name, &end, 10);
        if (*name && !*end) {
            if (k < 1)
                return ap_error(r->ctx, AP_EUSAGE, "--columns: column numbers start at 1");
            r->col[role] = (int)k - 1;
        } else {
            if (!first_row_is_header)
                return ap_error(r->ctx, AP_EUSAGE, "--columns: \"%s\" names a column", name);
            r->generic_names = 1;
            const char *names[2] = {name, NULL};
            if ((r->col[role] = find_col(r, names)) < 0)
                return ap_error_at(r->ctx, AP_EDATA, r->path, r->row_line, 0,
                                   "the header has no column \"%s\" (--columns %s=%s)", name,
                                   role_names[role], name);
        }
        p = *e ? e + 1 : e;
    }
    if (r->col[C_IMAGE] < 0 || r->col[C_LABEL] < 0)
        return ap_error(r->ctx, AP_EUSAGE, "--columns needs at least image= and label=");
    int boxes = (r->col[C_XMIN] >= 0) + (r->col[C_YMIN] >= 0) + (r->col[C_XMAX] >= 0) +
                (r->col[C_YMAX] >= 0);
    if (boxes != 0 && boxes != 4)
        return ap_error(r->ctx, AP_EUSAGE, "--columns: give all of xmin, ymin, xmax, ymax, "
                        "or none (image-level labels)");
    return AP_OK;
}

/* Decides the dialect on the first row; returns 1 when that row is a
 * header (to skip), 0 when it is data, or an error through r->rc. */
static int detect(csvr *r)
{
    const char *forced = r->o->dialect;
    int is_header = 0;
    if (forced) {
        for (int d = D_TFOD; d <= D_GENERIC; d++)
            if (!strcmp(forced, dialect_names[d]))
                r->dialect = d;
    }
    if (!r->dialect || r->dialect == D_TFOD) {
        if (tfod_header(r)) {
            r->dialect = D_TFOD;
            is_header = 1;
        } else if (r->dialect == D_TFOD) {
            r->rc = ap_error_at(r->ctx, AP_EDATA, r->path, r->row_line, 0,
                                "--csv-dialect tfod needs the header filename,width,height,"
                                "class,xmin,ymin,xmax,ymax");
            return 0;
        }
    }
    if (!r->dialect || r->dialect == D_AUTOML) {
        int set = r->nf >= 3 && is_automl_set(r->f[0]);
        int uri = r->nf >= 2 && strstr(r->f[0], "://") != NULL;
        if (set || uri || r->dialect == D_AUTOML) {
            r->dialect = D_AUTOML;
            r->automl_set = set || (!uri && r->nf != 10 && r->nf != 2);
        }
    }
    if (!r->dialect || r->dialect == D_CLASS) {
        if (clarifai_header(r) || class_header(r)) {
            r->dialect = D_CLASS;
            is_header = 1;
        } else if (r->dialect == D_CLASS) { /* forced, no header: image,label[,value] */
            r->col[C_IMAGE] = 0;
            r->col[C_LABEL] = 1;
            r->col[C_VALUE] = r->nf > 2 ? 2 : -1;
        }
    }
    if (!r->dialect && r->o->columns)
        r->dialect = D_GENERIC;
    if (r->dialect == D_GENERIC) {
        int named = 0;
        for (const char *p = r->o->columns ? r->o->columns : ""; *p; p++)
            if (*p == '=' && !isdigit((unsigned char)p[1]))
                named = 1;
        if ((r->rc = generic_columns(r, named)) != AP_OK)
            return 0;
        is_header = named;
        if (!named && r->col[C_XMIN] >= 0) { /* numbered columns: skip a header row */
            double d;
            is_header = num(r, field(r, C_XMIN), &d) < 0;
        }
    }
    if (!r->dialect) {
        r->rc = ap_error_at(r->ctx, AP_EDATA, r->path, r->row_line, 0,
                            "cannot tell the CSV dialect from the first row (%zu fields); give "
                            "--csv-dialect tfod|automl|classification, or --csv-dialect "
                            "generic with --columns", r->nf);
        return 0;
    }
    /* "classification dialect (Clarifai template), semicolon-separated" at
     * the longest, within the 64 bytes of the detail */
    const char *sep = delimiter_name(r->delim);
    char text[128];
    snprintf(text, sizeof text, "%s dialect%s%s%s%s", dialect_names[r->dialect],
             r->concept_list ? " (Clarifai template)" : forced ? "" : " (detected)",
             sep ? ", " : "", sep ? sep : "", sep ? "-separated" : "");
    snprintf(r->ctx->detail, sizeof r->ctx->detail, "%.*s", (int)sizeof r->ctx->detail - 1,
             text);
    return is_header;
}

/* ---- rows ---- */

static int reject(csvr *r, const char *input, const char *label, const char *reason,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int reject(csvr *r, const char *input, const char *label, const char *reason,
                  const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ap_srcpos pos = {r->path, r->row_line, r->index};
    return ap_sink_add_reject(r->sink, &pos, input, label, reason, "%s", msg);
}

static int empty(const char *s)
{
    if (!s)
        return 1;
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* What of an image path makes its input id: a URI without its scheme and
 * host, so that the id does not carry the bucket. The input keeps the
 * whole path as its file name. */
static const char *image_name(const char *s)
{
    const char *p = strstr(s, "://");
    if (p) {
        const char *slash = strchr(p + 3, '/');
        if (slash && slash[1])
            return slash + 1;
    }
    return s;
}

static int same_id(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The input of a row: named by its image path, or by id (Clarifai's
 * template) when not NULL; split is its AutoML set, or NULL. Rows of one
 * image usually follow each other: the same name, id and size as the last
 * row give the same input, without asking the core again. */
static ap_input *input_for(csvr *r, const char *name, int64_t w, int64_t h, const char *id,
                           const char *split)
{
    if (id && empty(id))
        id = NULL;
    if (r->last_in && w == r->last_w && h == r->last_h && strcmp(name, r->last_name) == 0 &&
        same_id(id, r->last_id))
        return r->last_in;
    const char *id_name = image_name(name);
    ap_image_desc d = {id, name, w, h, 0, 0, {r->path, r->row_line, r->index}};
    ap_input *in = ap_sink_add_input_ex(r->sink, &d, id_name != name ? id_name : NULL, split);
    free(r->last_name);
    free(r->last_id);
    r->last_name = in ? ap_strdup(name) : NULL;
    r->last_id = in && id ? ap_strdup(id) : NULL;
    r->last_in = r->last_name && (r->last_id || !id) ? in : NULL;
    r->last_w = w;
    r->last_h = h;
    return in;
}

static const ap_concept *concept_for(csvr *r, const char *label)
{
    if (r->last_concept && strcmp(label, r->last_label) == 0)
        return r->last_concept;
    const ap_concept *c = ap_sink_add_concept(r->sink, label);
    free(r->last_label);
    r->last_label = c ? ap_strdup(label) : NULL;
    r->last_concept = r->last_label ? c : NULL;
    return c;
}

static int emit(csvr *r, ap_input *in, const char *label, ap_units units, const double box[4],
                double value)
{
    const ap_concept *c = concept_for(r, label);
    if (!c)
        return r->ctx->err;
    ap_object o;
    memset(&o, 0, sizeof o);
    o.pos = (ap_srcpos){r->path, r->row_line, r->index};
    o.input = in;
    o.concept = c;
    o.units = units;
    o.value = value;
    if (box) {
        o.box_form = AP_BOX_XYXY;
        memcpy(o.box, box, sizeof o.box);
    }
    return ap_sink_add_object(r->sink, &o);
}


/* The box of a row from the xmin..ymax roles. */
static int row_box(csvr *r, ap_input *in, const char *label, double box[4])
{
    static const int roles[4] = {C_XMIN, C_YMIN, C_XMAX, C_YMAX};
    for (int i = 0; i < 4; i++) {
        const char *s = field(r, roles[i]);
        int k = num(r, s, &box[i]);
        if (k <= 0)
            return reject(r, in ? in->id : NULL, label, "invalid_coordinate",
                          "%s is \"%s\", not a number", role_names[roles[i]], s ? s : ""),
                   1;
    }
    return 0;
}

static int row_size(csvr *r, int64_t *w, int64_t *h, int *bad)
{
    *w = *h = 0;
    *bad = 0;
    const int roles[2] = {C_WIDTH, C_HEIGHT};
    int64_t *out[2] = {w, h};
    for (int i = 0; i < 2; i++) {
        double d;
        const char *s = field(r, roles[i]);
        int k = num(r, s, &d);
        if (k < 0 || (k > 0 && (d < 0 || d != floor(d) || d > 1e9))) {
            *bad = 1;
            return reject(r, NULL, field(r, C_LABEL), "invalid_coordinate",
                          "%s is \"%s\", not a whole number of pixels", role_names[roles[i]],
                          s);
        }
        if (k > 0)
            *out[i] = (int64_t)d;
    }
    return AP_OK;
}

static int row_tfod_generic(csvr *r)
{
    const char *img = field(r, C_IMAGE), *label = field(r, C_LABEL);
    if (empty(img))
        return reject(r, NULL, label, "invalid_row", "the row has no image name (%zu fields)",
                      r->nf);
    int64_t w = 0, h = 0;
    int bad;
    int rc = row_size(r, &w, &h, &bad);
    if (rc || bad)
        return rc;
    ap_input *in = input_for(r, img, w, h, NULL, NULL);
    if (!in)
        return r->ctx->err;
    if (r->dialect == D_GENERIC && empty(label) && r->col[C_XMIN] < 0)
        return AP_OK; /* an image without labels */
    if (empty(label))
        return reject(r, in->id, NULL, "invalid_row", "the row has no label");
    ap_units units = r->dialect == D_GENERIC && r->o->coords &&
                      !strcmp(r->o->coords, "normalized")
                         ? AP_UNITS_NORMALIZED
                         : AP_UNITS_PIXEL;
    if (r->col[C_XMIN] < 0) { /* generic without boxes: image-level */
        double v = 1;
        if (num(r, field(r, C_VALUE), &v) < 0 || (v != 0 && v != 1))
            return reject(r, in->id, label, "invalid_row", "value is \"%s\", not 0 or 1",
                          field(r, C_VALUE));
        return emit(r, in, label, units, NULL, v);
    }
    double box[4];
    if (row_box(r, in, label, box))
        return r->ctx->err;
    return emit(r, in, label, units, box, 1);
}

static int row_automl(csvr *r)
{
    size_t base = r->automl_set ? 1 : 0;
    if (r->nf < base + 2)
        return reject(r, NULL, NULL, "invalid_row", "an AutoML row is [SET,]PATH,LABEL,... "
                      "(this one has %zu fields)", r->nf);
    const char *img = r->f[base], *label = r->f[base + 1];
    if (empty(img))
        return reject(r, NULL, label, "invalid_row", "the row has no image path");
    ap_input *in = input_for(r, img, 0, 0, NULL, r->automl_set ? automl_set(r->f[0]) : NULL);
    if (!in)
        return r->ctx->err;
    if (empty(label))
        return AP_OK; /* an image with no objects */
    double v[8];
    int have[8], n = 0;
    for (int i = 0; i < 8; i++) {
        const char *s = base + 2 + i < r->nf ? r->f[base + 2 + i] : NULL;
        int k = num(r, s, &v[i]);
        if (k < 0)
            return reject(r, in->id, label, "invalid_coordinate",
                          "column %zu is \"%s\", not a number", base + 3 + i, s);
        have[i] = k > 0;
        n += have[i];
    }
    if (n == 0)
        return emit(r, in, label, AP_UNITS_NORMALIZED, NULL, 1); /* classification row */
    double box[4];
    if (n == 4 && have[0] && have[1] && have[4] && have[5]) {
        box[0] = v[0], box[1] = v[1], box[2] = v[4], box[3] = v[5];
    } else if (n == 8) { /* four vertices */
        box[0] = fmin(fmin(v[0], v[2]), fmin(v[4], v[6]));
        box[1] = fmin(fmin(v[1], v[3]), fmin(v[5], v[7]));
        box[2] = fmax(fmax(v[0], v[2]), fmax(v[4], v[6]));
        box[3] = fmax(fmax(v[1], v[3]), fmax(v[5], v[7]));
    } else {
        return reject(r, in->id, label, "invalid_row", "an AutoML box is X_MIN,Y_MIN,,,X_MAX,"
                      "Y_MAX,, or four vertices; this row has %d numbers", n);
    }
    return emit(r, in, label, AP_UNITS_NORMALIZED, box, 1);
}

/* Clarifai's template: the concepts of one cell, separated by commas (as
 * its SDK splits them), each trimmed; empty ones are skipped. */
static int concept_list(csvr *r, ap_input *in, char *cell)
{
    for (char *p = cell; p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (isspace((unsigned char)*p))
            p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (*p) {
            int rc = emit(r, in, p, AP_UNITS_NORMALIZED, NULL, 1);
            if (rc)
                return rc;
        }
        p = comma ? comma + 1 : NULL;
    }
    return AP_OK;
}

static int row_class(csvr *r)
{
    const char *img = field(r, C_IMAGE), *label = field(r, C_LABEL);
    if (empty(img))
        return reject(r, NULL, label, "invalid_row", "the row has no image name");
    const char *id = r->col_inputid >= 0 && (size_t)r->col_inputid < r->nf
                         ? r->f[r->col_inputid]
                         : NULL;
    ap_input *in = input_for(r, img, 0, 0, id, NULL);
    if (!in)
        return r->ctx->err;
    if (empty(label))
        return AP_OK;
    if (r->concept_list)
        return concept_list(r, in, r->f[r->col[C_LABEL]]);
    double v = 1;
    const char *vs = field(r, C_VALUE);
    if (num(r, vs, &v) < 0 || (v != 0 && v != 1))
        return reject(r, in->id, label, "invalid_row", "value is \"%s\", not 0 or 1", vs);
    return emit(r, in, label, AP_UNITS_NORMALIZED, NULL, v);
}

static void on_row(int term, void *data)
{
    (void)term;
    csvr *r = data;
    if (r->rc == AP_OK && ap_grow(&r->f, &r->cap, r->nf + 1, sizeof *r->f) != 0)
        r->rc = ap_error_nomem(r->ctx);
    if (r->rc == AP_OK) {
        for (size_t i = 0; i < r->nf; i++)
            r->f[i] = r->text + r->off[i];
        r->rows++;
        int header = 0;
        if (r->rows == 1)
            header = detect(r);
        if (r->rc == AP_OK && !header) {
            if (ap_interrupted)
                r->rc = ap_error(r->ctx, AP_EINTR, "interrupted");
            else if (r->dialect == D_AUTOML)
                r->rc = row_automl(r);
            else if (r->dialect == D_CLASS)
                r->rc = row_class(r);
            else
                r->rc = row_tfod_generic(r);
            r->index++;
        }
    }
    r->nf = 0;
    r->text_len = 0;
}

/* libcsv grows its field buffer with this: past --max-record it fails, and
 * libcsv reports CSV_ENOMEM, read below as "field too large". */
static size_t csv_limit;
static void *limited_realloc(void *p, size_t n)
{
    return n > csv_limit ? NULL : realloc(p, n);
}

static int csv_read(ap_context *ctx, const ap_source *src, ap_sink *sink, void *priv)
{
    (void)priv;
    csvr r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.o = ap_plugin_options_get(ctx, &ap_reader_csv.options);
    r.sink = sink;
    r.path = src->path;
    r.line = 1;
    for (int i = 0; i < C_N; i++)
        r.col[i] = -1;
    r.col_inputid = -1;
    if (csv_init(&r.p, CSV_APPEND_NULL | CSV_STRICT_FINI) != 0)
        return ap_error_nomem(ctx);
    csv_limit = ctx->opt.max_record;
    csv_set_realloc_func(&r.p, limited_realloc);
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    if (!buf) {
        csv_free(&r.p);
        return ap_error_nomem(ctx);
    }
    int first = 1;
    while (r.rc == AP_OK) {
        ssize_t n = ap_stream_read(ctx, src->stream, buf, cap);
        if (n < 0) {
            r.rc = ctx->err;
            break;
        }
        if (n == 0)
            break;
        size_t pos = 0, len = (size_t)n;
        if (first && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
            pos = 3;
        if (first) {
            r.delim = r.o->delimiter ? (unsigned char)r.o->delimiter
                                             : sniff_delimiter(buf + pos, len - pos);
            r.decimal_comma = r.delim != ',';
            csv_set_delim(&r.p, r.delim);
        }
        first = 0;
        if (memchr(buf, '\0', len)) {
            r.rc = ap_error_at(ctx, AP_EDATA, src->path, r.line, 0,
                               "not a CSV file: it holds binary data (a NUL byte)");
            break;
        }
        while (pos < len && r.rc == AP_OK) {
            char *nl = memchr(buf + pos, '\n', len - pos);
            size_t piece = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
            if (csv_parse(&r.p, buf + pos, piece, on_field, on_row, &r) != piece &&
                r.rc == AP_OK)
                r.rc = csv_error(&r.p) == CSV_ENOMEM
                           ? ap_error_at(ctx, AP_EDATA, src->path, r.line, 0,
                                         "a field larger than %zu bytes (--max-record)",
                                         ctx->opt.max_record)
                           : ap_error_at(ctx, AP_EDATA, src->path, r.line, 0,
                                         "not a CSV file: %s", csv_strerror(csv_error(&r.p)));
            pos += piece;
            if (nl)
                r.line++;
        }
    }
    /* strict at the end only: an unclosed quote is an error, while stray
     * quotes inside fields stay accepted as libcsv reads them */
    csv_set_opts(&r.p, (unsigned char)(csv_get_opts(&r.p) | CSV_STRICT));
    if (r.rc == AP_OK && csv_fini(&r.p, on_field, on_row, &r) != 0 && r.rc == AP_OK)
        r.rc = ap_error_at(ctx, AP_EDATA, src->path, r.row_line ? r.row_line : r.line, 0,
                           "a quoted field is not closed before the end of the file");
    if (r.rc == AP_OK && r.rows == 0)
        ap_warn(ctx, "%s: the CSV file has no rows", src->path);
    free(r.f);
    free(r.text);
    free(r.off);
    free(r.last_name);
    free(r.last_label);
    free(r.last_id);
    free(buf);
    csv_free(&r.p);
    return r.rc;
}

/* Text whose first line has the delimiter found (a comma, or ';', tab or
 * '|'); more when it looks like a known dialect, or is named .csv or .tsv
 * (given as a file: in a folder only .csv files are read). A file
 * separated otherwise than by commas, of no known dialect and with another
 * name, is not taken for CSV unless --from csv. JSON and XML are not CSV. */
static int csv_probe(const ap_probe *p)
{
    const char *s = (const char *)p->buf;
    size_t i = 0;
    if (p->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    if (i >= p->len || s[i] == '{' || s[i] == '[' || s[i] == '<')
        return 0;
    unsigned char delim = sniff_delimiter(s + i, p->len - i);
    size_t end = i;
    int delims = 0;
    while (end < p->len && s[end] != '\n') {
        if ((unsigned char)s[end] == delim)
            delims++;
        if ((unsigned char)s[end] < 0x09)
            return 0;
        end++;
    }
    if (delims == 0)
        return 0;
    char first[512];
    size_t n = end - i < sizeof first - 1 ? end - i : sizeof first - 1;
    memcpy(first, s + i, n);
    first[n] = '\0';
    for (char *c = first; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (strstr(first, "filename") && strstr(first, "xmin") && strstr(first, "ymax"))
        return 70;
    char *cut = strchr(first, (char)delim);
    if (cut)
        *cut = '\0';
    if (!strcmp(first, "train") || !strcmp(first, "test") || !strcmp(first, "validation") ||
        !strcmp(first, "unassigned") || !strncmp(first, "gs://", 5))
        return 70;
    const char *dot = strrchr(p->name, '.');
    if (dot && (!strcasecmp(dot, ".csv") || !strcasecmp(dot, ".tsv")))
        return 40;
    return delim == ',' ? 10 : 0;
}

/* --delimiter: one character (not a quote or a line end), or tab. */
static int parse_delimiter(ap_context *ctx, void *field, const char *arg)
{
    int *d = field;
    if (!strcmp(arg, "tab") || !strcmp(arg, "\\t"))
        *d = '\t';
    else if (strlen(arg) == 1 && !strchr("\"\r\n", arg[0]))
        *d = (unsigned char)arg[0];
    else
        return ap_error(ctx, AP_EUSAGE, "--delimiter takes one character, or tab, not '%s'", arg);
    return AP_OK;
}

static const ap_option csv_read_options[] = {
    {"csv-dialect", "D", "tfod, automl, classification or generic (default: detected)",
     AP_OPT_CHOICE, offsetof(csv_read_opts, dialect), "tfod|automl|classification|generic",
     NULL, 0},
    {"columns", "MAP", "generic: image=COL,label=COL,xmin=COL,... (a name or a 1-based "
     "number)", AP_OPT_STRING, offsetof(csv_read_opts, columns), NULL, NULL, 0},
    {"coords", "UNITS", "generic: pixel (default) or normalized", AP_OPT_CHOICE,
     offsetof(csv_read_opts, coords), "pixel|normalized", NULL, 0},
    {"delimiter", "C", "the delimiter, one character, or tab (default: , ; tab or | found)",
     AP_OPT_PARSE, offsetof(csv_read_opts, delimiter), NULL, parse_delimiter, 0},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, 0},
};

const ap_reader ap_reader_csv = {
    .name = "csv",
    .description = "CSV: TensorFlow OD, Google AutoML Vision, classification, or --columns",
    .extensions = "csv",
    .probe = csv_probe,
    .read = csv_read,
    .options = {"CSV (--from csv)", csv_read_options, sizeof(csv_read_opts), NULL},
};
