/*
 * clarifai_inputs.c: requests/post-inputs-NNNNNN.json, the bodies that
 * create the inputs the annotation bodies refer to (convert
 * --create-inputs, SPEC section 9), PostInputsRequest:
 *   {"user_app_id"?, "inputs": [{"id", "data": {"image": {"url"|"base64"},
 *    "metadata": {"filename"}, "concepts"?}, "dataset_ids"?}]}
 * at most 128 inputs, and less than 128 MB, a body.
 *
 * While the annotations go by, it notes the inputs they are on (a byte per
 * input) and, when labels go on the inputs, their image-level labels. In
 * bytes mode it looks each image up once, the first time an annotation is
 * on it; an image it cannot send (missing, empty, over 20 MB) makes every
 * object on it a reject (ap_writer_reject). At the end it writes the inputs in the input table's order, each
 * image read and base64-encoded in chunks straight into the body file:
 * never held whole. It creates no input that no written annotation or
 * label is on, and never fetches or checks a URL.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "clarifai_inputs.h"

/* What is known of an input, by its index. */
enum { PI_UNSEEN, PI_USED, PI_NOT_FOUND, PI_TOO_LARGE, PI_EMPTY };

#define PI_CHUNK (3 * 16384) /* image bytes encoded at a time: whole base64 groups */

typedef struct {
    const ap_concept *concept;
    double value;
    uint32_t next;          /* the input's next label + 1; 0: the last */
} pi_label;

typedef struct {
    uint32_t inputs, labels;
} pi_file;

struct ap_post_inputs {
    ap_context *ctx;
    ap_output *out;
    int bytes;              /* images as base64 from --images, else by URL */
    const char *prefix;     /* url:PREFIX */
    const char *dataset_id;
    int labels_on_inputs;
    unsigned char *state;   /* PI_* by input index */
    size_t nstate, state_cap;
    uint32_t *first_label;  /* by input index: its first label + 1; 0: none */
    size_t nfirst, first_cap;
    pi_label *labels;
    size_t nlabels, labels_cap;
    /* the body being written */
    FILE *f;
    char name[64];
    uint64_t body_bytes;
    uint32_t in_batch, labels_in_batch;
    pi_file *files;
    size_t nfiles, files_cap;
    ap_buf entry, tail, url, line;
    unsigned char *chunk;   /* bytes mode: PI_CHUNK image bytes */
    char *encoded;          /* and their base64 */
};

/* ---- URLs ---- */

/* The length of "scheme://" at the start of s (RFC 3986: a letter, then
 * letters, digits, '+', '-', '.'), 0 when s does not start with one. */
static size_t pi_scheme_len(const char *s)
{
    size_t n = 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
           (s[n] >= '0' && s[n] <= '9') || s[n] == '+' || s[n] == '-' || s[n] == '.')
        n++;
    return strncmp(s + n, "://", 3) == 0 ? n + 3 : 0;
}

static int pi_is_http(const char *s)
{
    size_t n = pi_scheme_len(s);
    return (n == 7 && strncasecmp(s, "http", 4) == 0) ||
           (n == 8 && strncasecmp(s, "https", 5) == 0);
}

static int pi_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986's unreserved characters: a path segment keeps them as they are. */
static int pi_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

/* A character a URL may hold as it is (unreserved, reserved, '%'). */
static int pi_url_char(unsigned char c)
{
    return pi_unreserved(c) || (c && strchr(":/?#[]@!$&'()*+,;=%", c) != NULL);
}

static void pi_percent(ap_buf *b, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[3] = {'%', hex[c >> 4], hex[c & 15]};
    ap_buf_put(b, e, 3);
}

/* Why PREFIX cannot start the inputs' URLs, or NULL. */
static const char *pi_prefix_problem(const char *u)
{
    if (!pi_is_http(u))
        return "PREFIX must be an absolute http:// or https:// URL";
    const char *host = u + pi_scheme_len(u);
    size_t n = strcspn(host, "/?#");
    const char *at = memchr(host, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    while (n > 0 && host[n - 1] >= '0' && host[n - 1] <= '9')
        n--;
    if (n > 0 && host[n - 1] == ':')
        n--;
    if (n == 0)
        return "PREFIX has no host";
    for (const char *p = u; *p; p++) {
        if (!pi_url_char((unsigned char)*p))
            return "PREFIX has a character that must be percent-encoded (a space is %20)";
        if (*p == '%' && !(pi_hex(p[1]) && pi_hex(p[2])))
            return "PREFIX has a '%' that is not followed by two hex digits";
    }
    return NULL;
}

/* The image's URL: an http(s) file name as it is (a character no URL holds
 * percent-encoded); any other, PREFIX + its path (after "scheme://" for a
 * gs:// or s3:// name), each byte of a segment that is not unreserved
 * percent-encoded, '/' kept between segments. */
static void pi_image_url(const ap_post_inputs *pi, ap_buf *b, const char *name)
{
    b->len = 0;
    if (pi_is_http(name)) {
        for (const char *p = name; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (pi_url_char(c) && (c != '%' || (pi_hex(p[1]) && pi_hex(p[2]))))
                ap_buf_putc(b, (char)c);
            else
                pi_percent(b, c);
        }
        return;
    }
    ap_buf_puts(b, pi->prefix);
    for (const char *p = name + pi_scheme_len(name); *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' || pi_unreserved(c))
            ap_buf_putc(b, (char)c);
        else
            pi_percent(b, c);
    }
}

int ap_post_inputs_parse(ap_context *ctx, void *field, const char *arg)
{
    const char **v = field;
    if (strcmp(arg, "bytes") == 0) {
        *v = arg;
        return AP_OK;
    }
    if (strncmp(arg, "url:", 4) == 0) {
        const char *why = pi_prefix_problem(arg + 4);
        if (why)
            return ap_error(ctx, AP_EUSAGE, "--create-inputs url:PREFIX: %s, not '%s'", why,
                            arg + 4);
        *v = arg;
        return AP_OK;
    }
    const char *near = pi_is_http(arg) ? "url:" : NULL;
    if (!near && ap_option_choice("bytes|url", arg, &near) == 1)
        near = "url:PREFIX"; /* "url" without its prefix */
    if (near && strcmp(near, "url") == 0)
        near = "url:PREFIX";
    return ap_error(ctx, AP_EUSAGE, "--create-inputs takes url:PREFIX or bytes, not '%s'%s%s%s%s",
                    arg, near ? " (did you mean '" : "", near ? near : "",
                    near && !strcmp(near, "url:") ? arg : "", near ? "'?)" : "");
}

/* ---- images (bytes mode) ---- */

/* Finds the image file of name in --images DIR the way the core finds the
 * file it reads sizes from: DIR/name (a relative name without ".."), else
 * DIR/its last component. 1 found (*path, free it, and *st), 0 not, -1
 * out of memory. */
static int pi_find_image(const ap_post_inputs *pi, const char *name, char **path,
                         struct stat *st)
{
    const char *dir = pi->ctx->opt.images_dir;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        return -1;
    *path = p;
    if (!strstr(name, "..") && name[0] != '/') {
        snprintf(p, n, "%s/%s", dir, name);
        if (stat(p, st) == 0 && S_ISREG(st->st_mode))
            return 1;
    }
    if (base != name && *base && strcmp(base, "..") != 0) {
        snprintf(p, n, "%s/%s", dir, base);
        if (stat(p, st) == 0 && S_ISREG(st->st_mode))
            return 1;
    }
    free(p);
    *path = NULL;
    return 0;
}

/* What the input's image is: PI_USED (sendable), or why not. *size is its
 * size when found. -1 out of memory. */
static int pi_look(const ap_post_inputs *pi, const ap_input *in, uint64_t *size)
{
    char *path;
    struct stat st;
    *size = 0;
    int found = pi_find_image(pi, in->file_name, &path, &st);
    if (found <= 0)
        return found < 0 ? -1 : PI_NOT_FOUND;
    free(path);
    *size = (uint64_t)st.st_size;
    return st.st_size == 0 ? PI_EMPTY : *size > AP_INPUT_MAX_IMAGE ? PI_TOO_LARGE : PI_USED;
}

/* ---- the request's start ---- */

void ap_clarifai_user_app(ap_buf *b, const ap_options *o)
{
    if (o->app_user_id && o->app_id) {
        ap_buf_puts(b, "\"user_app_id\":{\"user_id\":");
        ap_buf_json_string(b, o->app_user_id);
        ap_buf_puts(b, ",\"app_id\":");
        ap_buf_json_string(b, o->app_id);
        ap_buf_puts(b, "},");
    }
}

/* ---- rejects ---- */

/* The object a is part of cannot be written: a reject of the core's
 * (ap_writer_reject), or, under --strict, the run's error. */
static int pi_reject(ap_post_inputs *pi, const ap_annotation *a, int state)
{
    ap_context *ctx = pi->ctx;
    const ap_input *in = a->input;
    if (state == PI_NOT_FOUND)
        return ap_writer_reject(ctx, a, "image_not_found", "no image \"%.200s\" in --images "
                                "%.200s", in->file_name, ctx->opt.images_dir);
    if (state == PI_EMPTY)
        return ap_writer_reject(ctx, a, "image_empty", "image \"%.200s\" is an empty file",
                                in->file_name);
    uint64_t size = 0;
    if (pi_look(pi, in, &size) < 0)
        return ap_error_nomem(ctx);
    return ap_writer_reject(ctx, a, "image_too_large", "image \"%.200s\" is %llu bytes; the "
                            "API takes at most 20 MB (%u bytes) an image", in->file_name,
                            (unsigned long long)size, AP_INPUT_MAX_IMAGE);
}

/* ---- while the annotations go by ---- */

ap_post_inputs *ap_post_inputs_open(ap_context *ctx, ap_output *out, const char *mode,
                                    const char *dataset_id, int labels_on_inputs)
{
    int bytes = strcmp(mode, "bytes") == 0;
    if (dataset_id && !*dataset_id) {
        ap_error(ctx, AP_EUSAGE, "--dataset-id needs a dataset id, not an empty string");
        return NULL;
    }
    if (bytes && !ctx->opt.images_dir) {
        ap_error(ctx, AP_EUSAGE, "--create-inputs bytes reads the images from --images DIR; "
                 "give it (or use --create-inputs url:PREFIX)");
        return NULL;
    }
    struct stat st;
    if (bytes && (stat(ctx->opt.images_dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        ap_error(ctx, AP_ENOINPUT, "--images %s: %s", ctx->opt.images_dir,
                 errno == ENOENT ? "no such folder" : "not a folder");
        return NULL;
    }
    ap_post_inputs *pi = calloc(1, sizeof *pi);
    if (pi && bytes) {
        pi->chunk = malloc(PI_CHUNK);
        pi->encoded = malloc(PI_CHUNK / 3 * 4);
    }
    if (!pi || (bytes && (!pi->chunk || !pi->encoded))) {
        ap_post_inputs_free(pi);
        ap_error_nomem(ctx);
        return NULL;
    }
    pi->ctx = ctx;
    pi->out = out;
    pi->bytes = bytes;
    pi->prefix = bytes ? NULL : mode + 4;
    pi->dataset_id = dataset_id;
    pi->labels_on_inputs = labels_on_inputs;
    return pi;
}

/* An image-level label for input k's concepts; a concept it has already
 * adds nothing (AP_ABSORBED). */
static int pi_add_label(ap_post_inputs *pi, uint32_t k, const ap_annotation *a, int *taken)
{
    if (k >= pi->nfirst) {
        if (ap_grow(&pi->first_label, &pi->first_cap, (size_t)k + 1, sizeof *pi->first_label))
            return ap_error_nomem(pi->ctx);
        memset(pi->first_label + pi->nfirst, 0, ((size_t)k + 1 - pi->nfirst) *
                                                    sizeof *pi->first_label);
        pi->nfirst = (size_t)k + 1;
    }
    uint32_t last = 0;
    for (uint32_t i = pi->first_label[k]; i; i = pi->labels[i - 1].next) {
        if (pi->labels[i - 1].concept == a->concept)
            return AP_ABSORBED;
        last = i;
    }
    if (pi->nlabels >= UINT32_MAX - 1 ||
        ap_grow(&pi->labels, &pi->labels_cap, pi->nlabels + 1, sizeof *pi->labels))
        return ap_error_nomem(pi->ctx);
    pi->labels[pi->nlabels] = (pi_label){a->concept, a->value, 0};
    uint32_t id = (uint32_t)++pi->nlabels;
    if (last)
        pi->labels[last - 1].next = id;
    else
        pi->first_label[k] = id;
    *taken = 1;
    return AP_OK;
}

int ap_post_inputs_add(ap_post_inputs *pi, const ap_annotation *a, int *taken)
{
    *taken = 0;
    uint32_t k = a->input->index;
    if (k >= pi->nstate) {
        if (ap_grow(&pi->state, &pi->state_cap, (size_t)k + 1, 1))
            return ap_error_nomem(pi->ctx);
        memset(pi->state + pi->nstate, PI_UNSEEN, (size_t)k + 1 - pi->nstate);
        pi->nstate = (size_t)k + 1;
    }
    if (pi->state[k] == PI_UNSEEN) {
        uint64_t size;
        int s = pi->bytes ? pi_look(pi, a->input, &size) : PI_USED;
        if (s < 0)
            return ap_error_nomem(pi->ctx);
        pi->state[k] = (unsigned char)s;
    }
    if (pi->state[k] != PI_USED)
        return pi_reject(pi, a, pi->state[k]);
    if (a->kind == AP_REGION_NONE && pi->labels_on_inputs)
        return pi_add_label(pi, k, a, taken);
    return AP_OK;
}

/* ---- the bodies ---- */

static size_t pi_base64(const unsigned char *in, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = abc[v >> 18];
        *o++ = abc[v >> 12 & 63];
        *o++ = abc[v >> 6 & 63];
        *o++ = abc[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        *o++ = abc[v >> 18];
        *o++ = abc[v >> 12 & 63];
        *o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    return (size_t)(o - out);
}

/* Copies an image of size bytes into the body as base64, a chunk at a time. */
static int pi_put_base64(ap_post_inputs *pi, FILE *img, const char *path, uint64_t size)
{
    uint64_t total = 0;
    for (;;) {
        size_t have = 0, r;
        while (have < PI_CHUNK && (r = fread(pi->chunk + have, 1, PI_CHUNK - have, img)) > 0)
            have += r;
        if (ferror(img))
            return ap_error(pi->ctx, AP_ENOINPUT, "%s: cannot read: %s", path,
                            strerror(errno ? errno : EIO));
        total += have;
        size_t n = pi_base64(pi->chunk, have, pi->encoded);
        fwrite(pi->encoded, 1, n, pi->f);
        if (have < PI_CHUNK)
            break;
    }
    if (total != size)
        return ap_error(pi->ctx, AP_ENOINPUT, "%s changed while it was read (%llu bytes, "
                        "then %llu)", path, (unsigned long long)size,
                        (unsigned long long)total);
    return AP_OK;
}

static void pi_file_name(char *buf, size_t n, size_t number)
{
    snprintf(buf, n, "requests/post-inputs-%06zu.json", number);
}

/* Ends the body under way, if any. */
static int pi_finish(ap_post_inputs *pi)
{
    ap_context *ctx = pi->ctx;
    if (!pi->f)
        return AP_OK;
    fputs("]}\n", pi->f);
    FILE *f = pi->f;
    pi->f = NULL;
    int rc = ap_output_close(pi->out, f, pi->name);
    if (rc)
        return rc;
    if (ap_grow(&pi->files, &pi->files_cap, pi->nfiles + 1, sizeof *pi->files))
        return ap_error_nomem(ctx);
    pi->files[pi->nfiles++] = (pi_file){pi->in_batch, pi->labels_in_batch};
    ctx->counts.requests++;
    return AP_OK;
}

/* Starts a body, as the annotation bodies start (user_app_id first). */
static int pi_start(ap_post_inputs *pi)
{
    const ap_options *o = &pi->ctx->opt;
    pi_file_name(pi->name, sizeof pi->name, pi->nfiles + 1);
    pi->f = ap_output_create(pi->out, pi->name);
    if (!pi->f)
        return pi->ctx->err;
    ap_buf *b = &pi->line;
    b->len = 0;
    ap_buf_putc(b, '{');
    ap_clarifai_user_app(b, o);
    ap_buf_puts(b, "\"inputs\":[");
    if (b->oom)
        return ap_error_nomem(pi->ctx);
    fwrite(b->p, 1, b->len, pi->f);
    pi->body_bytes = b->len;
    pi->in_batch = pi->labels_in_batch = 0;
    return AP_OK;
}

/* What follows the image in an input's entry: its file name, labels and
 * dataset. Returns the number of labels. */
static uint32_t pi_entry_tail(ap_post_inputs *pi, const ap_input *in)
{
    ap_buf *t = &pi->tail;
    uint32_t n = 0;
    t->len = 0;
    ap_buf_puts(t, "},\"metadata\":{\"filename\":");
    ap_buf_json_string(t, in->file_name);
    ap_buf_putc(t, '}');
    uint32_t first = in->index < pi->nfirst ? pi->first_label[in->index] : 0;
    for (uint32_t i = first; i; i = pi->labels[i - 1].next, n++) {
        const pi_label *l = &pi->labels[i - 1];
        ap_buf_puts(t, i == first ? ",\"concepts\":[{\"id\":" : ",{\"id\":");
        ap_buf_json_string(t, l->concept->id);
        ap_buf_puts(t, ",\"name\":");
        ap_buf_json_string(t, l->concept->name);
        ap_buf_puts(t, ",\"value\":");
        ap_buf_json_number(t, l->value);
        ap_buf_putc(t, '}');
    }
    if (n)
        ap_buf_putc(t, ']');
    ap_buf_putc(t, '}');
    if (pi->dataset_id) {
        ap_buf_puts(t, ",\"dataset_ids\":[");
        ap_buf_json_string(t, pi->dataset_id);
        ap_buf_putc(t, ']');
    }
    ap_buf_putc(t, '}');
    return n;
}

/* Opens the input's image again (it was looked up while reading). */
static int pi_open_image(ap_post_inputs *pi, const ap_input *in, FILE **img, char **path,
                         uint64_t *size)
{
    struct stat st;
    int found = pi_find_image(pi, in->file_name, path, &st);
    if (found < 0)
        return ap_error_nomem(pi->ctx);
    *img = found ? fopen(*path, "rb") : NULL;
    if (!*img || fstat(fileno(*img), &st) != 0)
        return ap_error(pi->ctx, AP_ENOINPUT, "image \"%s\" in --images %s: cannot open it "
                        "any more: %s", in->file_name, pi->ctx->opt.images_dir,
                        found ? strerror(errno) : "gone");
    *size = (uint64_t)st.st_size;
    if (*size == 0 || *size > AP_INPUT_MAX_IMAGE)
        return ap_error(pi->ctx, AP_ENOINPUT, "%s changed while annoport ran (now %llu "
                        "bytes)", *path, (unsigned long long)*size);
    return AP_OK;
}

/* Writes one input's entry, starting a new body when this one is full:
 * what comes before the image, the image (bytes: its base64, streamed),
 * what comes after it. */
static int pi_put_input(ap_post_inputs *pi, const ap_input *in)
{
    ap_buf *e = &pi->entry;
    FILE *img = NULL;
    char *path = NULL;
    uint64_t size = 0;
    if (pi->bytes) {
        int rc = pi_open_image(pi, in, &img, &path, &size);
        if (rc) {
            if (img)
                fclose(img);
            free(path);
            return rc;
        }
    }
    e->len = 0;
    ap_buf_puts(e, "{\"id\":");
    ap_buf_json_string(e, in->id);
    ap_buf_puts(e, ",\"data\":{\"image\":{");
    if (pi->bytes) {
        ap_buf_puts(e, "\"base64\":\"");
    } else {
        ap_buf_puts(e, "\"url\":");
        pi_image_url(pi, &pi->url, in->file_name);
        ap_buf_json_string(e, pi->url.oom || !pi->url.p ? "" : pi->url.p);
    }
    uint32_t labels = pi_entry_tail(pi, in);
    int rc = e->oom || pi->tail.oom || pi->url.oom ? ap_error_nomem(pi->ctx) : AP_OK;
    /* the base64 text of size bytes, and its closing quote */
    uint64_t len = e->len + (pi->bytes ? (size + 2) / 3 * 4 + 1 : 0) + pi->tail.len;
    if (rc == AP_OK && pi->f && (pi->in_batch == AP_INPUTS_PER_REQUEST ||
                                 pi->body_bytes + 1 + len + 3 >= AP_INPUTS_MAX_REQUEST))
        rc = pi_finish(pi);
    if (rc == AP_OK && !pi->f)
        rc = pi_start(pi);
    if (rc == AP_OK) {
        if (pi->in_batch)
            fputc(',', pi->f);
        fwrite(e->p, 1, e->len, pi->f);
        if (img) {
            rc = pi_put_base64(pi, img, path, size);
            fputc('"', pi->f);
        }
        fwrite(pi->tail.p, 1, pi->tail.len, pi->f);
        pi->body_bytes += (pi->in_batch ? 1 : 0) + len;
        pi->in_batch++;
        pi->labels_in_batch += labels;
    }
    if (img)
        fclose(img);
    free(path);
    return rc;
}

int ap_post_inputs_write(ap_post_inputs *pi, const ap_run_info *info)
{
    ap_context *ctx = pi->ctx;
    uint64_t total = 0, done = 0;
    for (size_t k = 0; k < pi->nstate; k++)
        total += pi->state[k] == PI_USED;
    ap_progress_phase(ctx, "writing the inputs", total);
    int rc = AP_OK;
    for (size_t i = 0; i < info->ninputs && rc == AP_OK; i++) {
        const ap_input *in = ap_run_input(info, i);
        if (in->index >= pi->nstate || pi->state[in->index] != PI_USED)
            continue;
        if (ap_interrupted)
            return ap_error(ctx, AP_EINTR, "interrupted");
        rc = pi_put_input(pi, in);
        ap_progress_set(ctx, ++done);
    }
    if (rc == AP_OK)
        rc = pi_finish(pi);
    return rc;
}

void ap_post_inputs_list(const ap_post_inputs *pi, FILE *f)
{
    for (size_t i = 0; i < pi->nfiles; i++) {
        char name[64];
        pi_file_name(name, sizeof name, i + 1);
        fprintf(f, "%s\n\t\t{\"file\":\"%s\",\"inputs\":%u,\"annotations\":%u}", i ? "," : "",
                name, pi->files[i].inputs, pi->files[i].labels);
    }
}

size_t ap_post_inputs_files(const ap_post_inputs *pi)
{
    return pi ? pi->nfiles : 0;
}

void ap_post_inputs_free(ap_post_inputs *pi)
{
    if (!pi)
        return;
    if (pi->f)
        fclose(pi->f);
    free(pi->state);
    free(pi->first_label);
    free(pi->labels);
    free(pi->files);
    ap_buf_free(&pi->entry);
    ap_buf_free(&pi->tail);
    ap_buf_free(&pi->url);
    ap_buf_free(&pi->line);
    free(pi->chunk);
    free(pi->encoded);
    free(pi);
}
