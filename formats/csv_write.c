/*
 * csv_write.c: annotations.csv, one row per box as it comes.
 *   tfod (default): filename,width,height,class,xmin,ymin,xmax,ymax in
 *          0-based pixels (xmin = left * W), a whole pixel written whole;
 *   automl (--csv-dialect automl): SET,path,label,x_min,y_min,,,x_max,
 *          y_max,, normalized; image-level labels as rows without numbers,
 *          images without objects as rows without a label. SET is the set
 *          the input came with (an AutoML CSV's, kept in the manifest),
 *          else UNASSIGNED; path is its file name, a gs:// URI as it was.
 * Fields are quoted when CSV needs it (libcsv's writer). A field that a
 * spreadsheet would run as a formula (starting with =, +, - or @) is
 * written with a leading apostrophe, which annoport's CSV reader removes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "../src/internal.h"

extern const ap_writer ap_writer_csv;

/* The writer's option: the dialect it writes (tfod or automl). */
typedef struct {
    const char *dialect;
} csv_write_opts;

typedef struct {
    ap_output *out;
    FILE *f;
    int automl;
    ap_buf b;
} csv_w;

static const char *dialect(const ap_context *ctx)
{
    const csv_write_opts *o = ap_plugin_options_get(ctx, &ap_writer_csv.options);
    return o->dialect;
}

static int is_automl(const ap_context *ctx)
{
    return dialect(ctx) && strcmp(dialect(ctx), "automl") == 0;
}

static int sw_accepts(const ap_context *ctx, int *needs_size)
{
    *needs_size = !is_automl(ctx);
    return is_automl(ctx) ? AP_ACCEPT_BOX | AP_ACCEPT_CONCEPT : AP_ACCEPT_BOX;
}

static int sw_open(ap_context *ctx, ap_output *out, void *priv)
{
    if (dialect(ctx) && strcmp(dialect(ctx), "tfod") != 0 && !is_automl(ctx))
        return ap_error(ctx, AP_EUSAGE, "--to csv writes the tfod or automl dialect, not %s",
                        dialect(ctx));
    csv_w *w = priv;
    w->out = out;
    w->automl = is_automl(ctx);
    w->f = ap_output_create(out, "annotations.csv");
    if (!w->f)
        return ctx->err;
    if (!w->automl)
        fputs("filename,width,height,class,xmin,ymin,xmax,ymax\n", w->f);
    return AP_OK;
}

static void sw_release(void *priv)
{
    csv_w *w = priv;
    if (w->f)
        fclose(w->f);
    ap_buf_free(&w->b);
}

/* An input's AutoML set: its own when it is one, else UNASSIGNED. */
static void automl_set(csv_w *w, const ap_input *in)
{
    static const char *const sets[] = {"TRAIN", "VALIDATION", "TEST", NULL};
    const char *set = "UNASSIGNED";
    for (const char *const *k = sets; in->split && *k; k++)
        if (strcasecmp(in->split, *k) == 0)
            set = *k;
    fputs(set, w->f);
    fputc(',', w->f);
}

/* One text field: as it is, quoted, and/or defused as a formula. */
static void field(csv_w *w, const char *s)
{
    int formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    int quote = formula || strpbrk(s, ",\"\r\n") || s[0] == ' ' ||
                (*s && s[strlen(s) - 1] == ' ');
    if (!quote) {
        fputs(s, w->f);
        return;
    }
    if (formula) {
        size_t n = strlen(s);
        char *t = malloc(n + 2);
        if (!t)
            return;
        t[0] = '\'';
        memcpy(t + 1, s, n + 1);
        csv_fwrite(w->f, t, n + 1);
        free(t);
        return;
    }
    csv_fwrite(w->f, s, strlen(s));
}

static void num(csv_w *w, double v)
{
    w->b.len = 0;
    ap_buf_json_number(&w->b, v);
    if (!w->b.oom)
        fwrite(w->b.p, 1, w->b.len, w->f);
}

static int sw_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    csv_w *w = state;
    (void)ctx;
    const ap_input *in = a->input;
    if (w->automl) {
        automl_set(w, in);
        field(w, in->file_name);
        fputc(',', w->f);
        field(w, a->concept->name);
        if (a->kind == AP_REGION_BOX) {
            const double v[4] = {a->box.left, a->box.top, a->box.right, a->box.bottom};
            for (int i = 0; i < 4; i++) {
                fputs(i == 2 ? ",,," : ",", w->f);
                num(w, v[i]);
            }
            fputs(",,\n", w->f);
        } else {
            fputs(",,,,,,,,\n", w->f);
        }
        return AP_OK;
    }
    double W = (double)in->width, H = (double)in->height;
    field(w, in->file_name);
    fprintf(w->f, ",%lld,%lld,", (long long)in->width, (long long)in->height);
    field(w, a->concept->name);
    const double v[4] = {ap_pixel(a->box.left, W, 0), ap_pixel(a->box.top, H, 0),
                         ap_pixel(a->box.right, W, 0), ap_pixel(a->box.bottom, H, 0)};
    for (int i = 0; i < 4; i++) {
        fputc(',', w->f);
        num(w, v[i]);
    }
    fputc('\n', w->f);
    return AP_OK;
}

static int sw_close(ap_context *ctx, void *state, const ap_run_info *info)
{
    csv_w *w = state;
    if (w->automl) /* images without objects: a row without a label */
        for (size_t i = 0; i < info->ninputs; i++)
            if (ap_run_input(info, i)->objects == 0) {
                automl_set(w, info->inputs[i]);
                field(w, info->inputs[i]->file_name);
                fputs(",,,,,,,,,\n", w->f);
            }
    FILE *f = w->f;
    w->f = NULL;
    int rc = ap_output_close(w->out, f, "annotations.csv");
    return rc ? rc : ap_manifest_write(ctx, w->out, info, "csv", NULL, NULL, NULL);
}

static const ap_option csv_write_options[] = {
    {"csv-dialect", "D", "the dialect written: tfod (default) or automl", AP_OPT_CHOICE,
     offsetof(csv_write_opts, dialect), "tfod|automl|classification|generic", NULL, 0},
    {NULL, NULL, NULL, 0, 0, NULL, NULL, 0},
};

const ap_writer ap_writer_csv = {
    .name = "csv",
    .description = "CSV: TensorFlow OD, Google AutoML Vision, classification, or --columns",
    .accepts = sw_accepts,
    .priv_size = sizeof(csv_w),
    .open = sw_open,
    .annotation = sw_annotation,
    .close = sw_close,
    .release = sw_release,
    .options = {"CSV (--to csv)", csv_write_options, sizeof(csv_write_opts), NULL},
};
