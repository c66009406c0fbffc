/*
 * send.c: annoport send. Sends an output's request files to the API in the
 * manifest's order, N at a time over keep-alive connections (libcurl's
 * multi interface), and accounts for every item.
 *
 * The manifest's files fall into groups of one kind (post inputs, then
 * annotations; or a plan's deletes, patches, posts); a group starts when
 * the one before it is acknowledged, and after a group of post-inputs
 * bodies their inputs-add jobs are polled until nothing is pending.
 *
 * Exactly once: the journal (JSON lines, each flushed to disk) records the
 * items of a request before it is sent ("send") and what the API answered
 * ("ok", "failed", "unknown"); a request whose answer never came may have
 * been applied, and is sent again only when that cannot duplicate anything
 * (deletes, patches, posts whose items all carry ids: a duplicate id then
 * means "applied before"). Bodies go through a read callback with no seek
 * callback, so libcurl cannot silently resend a request on a reused
 * connection; posts without ids get a fresh connection of their own.
 *
 * Not here: printing (main.c), making the bodies (the writers).
 */
#define _POSIX_C_SOURCE 200809L
#include "send.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "internal.h"

enum { K_POST_INPUTS, K_POST_ANN, K_PATCH_ANN, K_DELETE_ANN };
static const char *const sd_kind_names[] = {"post_inputs", "post_annotations",
                                            "patch_annotations", "delete_annotations"};
/* an item's state: not acknowledged yet, applied, refused, answer lost,
 * in flight */
enum { ST_OPEN, ST_OK, ST_FAILED, ST_UNKNOWN, ST_BUSY };
enum { RQ_ITEMS, RQ_POLL, RQ_LIST };

typedef struct {
    char *name;             /* "requests/post-annotations-000001.json" */
    int kind;
    char *raw;              /* the body as written */
    size_t rawlen;
    cJSON *body;            /* parsed while its group is sent */
    int n;                  /* items */
    int has_ids;            /* every item carries an id */
    unsigned char *st, *maybe;
    char job[40];           /* post inputs: the inputs-add job */
    int job_done;
} sd_file;

typedef struct sd_req {
    int file, type;
    int *idx, n;
    int attempt, maybe;
    double not_before, retry_after;
    char *body;
    size_t len, off;
    ap_buf resp;
    CURL *h;
    struct curl_slist *hdr;
    struct sd_req *next;
} sd_req;

typedef struct {
    ap_context *ctx;
    const ap_send_options *o;
    ap_send_result *r;
    sd_file *files;
    size_t nfiles;
    char base[1024];        /* API base + /v2/users/U/apps/A */
    char auth[1200];
    CURLM *multi;
    sd_req *wait;           /* not started, in order */
    int inflight;
    sd_req **busy;          /* in flight: jobs slots */
    int stop_auth, stop_io;
    int jfd;                /* journal */
    FILE *failures;
    ap_map *bad_inputs;     /* input id -> "code\tdescription" of a failed input */
    uint64_t done_items;
    unsigned rng;
} sd_state;

static double sd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the output: manifest and bodies ---- */

static int sd_kind_of(const char *name)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    static const char *const pre[] = {"post-inputs-", "post-annotations-",
                                      "patch-annotations-", "delete-annotations-"};
    for (int k = 0; k < 4; k++)
        if (!strncmp(b, pre[k], strlen(pre[k])))
            return k;
    return -1;
}

static int sd_slurp(ap_context *ctx, ap_container *c, const char *rel, char **out, size_t *len)
{
    ap_stream *s = ap_container_open_file(ctx, c, rel);
    if (!s)
        return ctx->err ? ctx->err : ap_error(ctx, AP_ENOINPUT, "%s: cannot be read", rel);
    int rc = ap_stream_slurp(ctx, s, (size_t)1 << 30, out, len);
    ap_stream_close(s);
    return rc;
}

/* The items array of a body (delete: input_ids). */
static cJSON *sd_items(const cJSON *body, int kind)
{
    const char *key = kind == K_POST_INPUTS ? "inputs" : kind == K_DELETE_ANN ? "input_ids"
                                                                             : "annotations";
    cJSON *a = cJSON_GetObjectItemCaseSensitive(body, key);
    return cJSON_IsArray(a) ? a : NULL;
}

static const char *sd_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Parses f's body; checks its items. */
static int sd_parse(sd_state *s, sd_file *f)
{
    if (f->body)
        return AP_OK;
    f->body = cJSON_ParseWithLength(f->raw, f->rawlen);
    cJSON *items = f->body ? sd_items(f->body, f->kind) : NULL;
    if (!items || cJSON_GetArraySize(items) == 0)
        return ap_error(s->ctx, AP_EDATA, "%s: not a %s request body", f->name,
                        sd_kind_names[f->kind]);
    f->n = cJSON_GetArraySize(items);
    f->has_ids = 1;
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const char *id = f->kind == K_DELETE_ANN ? it->valuestring : sd_str(it, "id");
        if (!id || !*id)
            f->has_ids = 0;
    }
    return AP_OK;
}

static void sd_unparse(sd_file *f)
{
    cJSON_Delete(f->body);
    f->body = NULL;
}

/* Reads the manifest's request list and every body (checked, then let go
 * of until its group is sent). */
static int sd_load(sd_state *s)
{
    ap_context *ctx = s->ctx;
    ap_container *c = NULL;
    int rc = ap_container_open(ctx, s->o->output, &c);
    if (rc != AP_OK)
        return rc;
    char *mtext = NULL;
    size_t mlen = 0;
    rc = sd_slurp(ctx, c, "manifest.json", &mtext, &mlen);
    cJSON *m = rc == AP_OK ? cJSON_ParseWithLength(mtext, mlen) : NULL;
    free(mtext);
    cJSON *list = m ? cJSON_GetObjectItemCaseSensitive(m, "requests") : NULL;
    if (m && !list)
        list = cJSON_GetObjectItemCaseSensitive(m, "plan");
    if (rc == AP_OK && !cJSON_IsArray(list))
        rc = ap_error(ctx, AP_EDATA, "%s: no manifest.json with a request list (not an "
                      "annoport output?)", s->o->output);
    size_t n = rc == AP_OK ? (size_t)cJSON_GetArraySize(list) : 0;
    s->files = calloc(n ? n : 1, sizeof *s->files);
    if (!s->files && rc == AP_OK)
        rc = ap_error_nomem(ctx);
    const cJSON *e;
    if (rc == AP_OK)
        cJSON_ArrayForEach(e, list)
        {
            const char *name = sd_str(e, "file");
            sd_file *f = &s->files[s->nfiles];
            if (!name || (f->kind = sd_kind_of(name)) < 0) {
                rc = ap_error(ctx, AP_EDATA, "manifest.json: '%s' is not a request file",
                              name ? name : "?");
                break;
            }
            f->name = ap_strdup(name);
            s->nfiles++;
            if ((rc = sd_slurp(ctx, c, name, &f->raw, &f->rawlen)) != AP_OK ||
                (rc = sd_parse(s, f)) != AP_OK)
                break;
            f->st = calloc((size_t)f->n, 1);
            f->maybe = calloc((size_t)f->n, 1);
            if (!f->st || !f->maybe) {
                rc = ap_error_nomem(ctx);
                break;
            }
            s->r->items += (uint64_t)f->n;
            if (f->kind == K_POST_ANN && !f->has_ids)
                s->r->no_id_posts++;
        }
    s->r->files = s->nfiles;
    cJSON_Delete(m);
    ap_container_close(c);
    return rc;
}

/* USER/APP from the option, else from the first body's user_app_id. */
static int sd_user_app(sd_state *s, char *user, char *app, size_t size)
{
    const char *ua = s->o->user_app;
    if (ua) {
        const char *slash = strchr(ua, '/');
        snprintf(user, size, "%.*s", slash ? (int)(slash - ua) : 0, ua);
        snprintf(app, size, "%s", slash ? slash + 1 : "");
    } else {
        *user = *app = '\0';
        for (size_t i = 0; i < s->nfiles && !*user; i++) {
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(s->files[i].body, "user_app_id");
            const char *us = sd_str(u, "user_id"), *as = sd_str(u, "app_id");
            if (us && as) {
                snprintf(user, size, "%s", us);
                snprintf(app, size, "%s", as);
            }
        }
    }
    if (!*user || !*app)
        return ap_error(s->ctx, AP_EUSAGE, "no USER/APP: give --user-app-id USER/APP (the "
                        "bodies carry no user_app_id)");
    for (const char *p = user; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *p))
            return ap_error(s->ctx, AP_EUSAGE, "user id '%s' has characters a path cannot hold",
                            user);
    for (const char *p = app; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *p))
            return ap_error(s->ctx, AP_EUSAGE, "app id '%s' has characters a path cannot hold",
                            app);
    if (strlen(user) + strlen(app) + 2 > sizeof s->r->user_app)
        return ap_error(s->ctx, AP_EUSAGE, "USER/APP is longer than %zu bytes",
                        sizeof s->r->user_app - 1);
    memcpy(s->r->user_app, user, strlen(user));
    s->r->user_app[strlen(user)] = '/';
    memcpy(s->r->user_app + strlen(user) + 1, app, strlen(app) + 1);
    return AP_OK;
}

/* https://, or http:// to a loopback address only. */
static int sd_check_base(sd_state *s, const char *base)
{
    if (!strncmp(base, "https://", 8))
        return AP_OK;
    if (!strncmp(base, "http://", 7)) {
        /* the host whole (up to a port or a path), not a prefix of it:
         * "127.0.0.1.example" is somebody else's */
        const char *h = base + 7;
        size_t n = strcspn(h, "/?#");
        const char *colon = h[0] == '[' ? NULL : memchr(h, ':', n);
        if (colon)
            n = (size_t)(colon - h);
        else if (h[0] == '[' && n >= 5 && !strncmp(h, "[::1]", 5) && (n == 5 || h[5] == ':'))
            n = 5;
        unsigned a, b, c, d;
        char tail;
        char host[256];
        if (n < sizeof host) {
            memcpy(host, h, n);
            host[n] = '\0';
            if (!strcmp(host, "localhost") || !strcmp(host, "[::1]") ||
                (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 &&
                 b < 256 && c < 256 && d < 256))
                return AP_OK;
        }
        return ap_error(s->ctx, AP_EUSAGE, "--api-base: plain http:// is only for a loopback "
                        "address; use https://");
    }
    return ap_error(s->ctx, AP_EUSAGE, "--api-base takes an https:// URL, not '%s'", base);
}

/* ---- the journal and the failures file ---- */

static void sd_jwrite(sd_state *s, ap_buf *b)
{
    if (s->jfd < 0 || b->oom)
        return;
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(s->jfd, b->p + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->stop_io = 1;
            ap_error(s->ctx, AP_EIO, "%s: %s", s->r->journal, strerror(errno));
            return;
        }
        off += (size_t)w;
    }
    if (fdatasync(s->jfd) != 0 && errno != EINVAL) {
        s->stop_io = 1;
        ap_error(s->ctx, AP_EIO, "%s: %s", s->r->journal, strerror(errno));
    }
}

/* {"EVENT":"FILE","items":[...]} */
static void sd_jitems(ap_buf *b, const char *event, const sd_file *f, const int *idx, int n,
                      const char *job)
{
    ap_buf_puts(b, "{\"");
    ap_buf_puts(b, event);
    ap_buf_puts(b, "\":");
    ap_buf_json_string(b, f->name);
    if (job) {
        ap_buf_puts(b, ",\"job\":");
        ap_buf_json_string(b, job);
    }
    ap_buf_puts(b, ",\"items\":[");
    for (int i = 0; i < n; i++) {
        if (i)
            ap_buf_putc(b, ',');
        ap_buf_u64(b, (uint64_t)idx[i]);
    }
    ap_buf_puts(b, "]}\n");
}

static void sd_count_code(ap_send_result *r, int code)
{
    size_t i = 0;
    while (i < r->ncodes && r->codes[i] != code)
        i++;
    if (i == r->ncodes) {
        if (r->ncodes == AP_SEND_CODES)
            i--; /* the last slot gathers the rest */
        else
            r->codes[r->ncodes++] = code;
    }
    r->code_counts[i]++;
}

/* The item's input and annotation ids. */
static void sd_item_ids(const sd_file *f, int i, const char **input, const char **ann)
{
    *input = *ann = NULL;
    if (!f->body)
        return;
    cJSON *it = cJSON_GetArrayItem(sd_items(f->body, f->kind), i);
    if (f->kind == K_POST_INPUTS)
        *input = sd_str(it, "id");
    else if (f->kind == K_DELETE_ANN) {
        *input = cJSON_IsString(it) ? it->valuestring : NULL;
        cJSON *ids = cJSON_GetObjectItemCaseSensitive(f->body, "ids");
        cJSON *id = cJSON_GetArrayItem(ids, i);
        *ann = cJSON_IsString(id) ? id->valuestring : NULL;
    } else {
        *input = sd_str(it, "input_id");
        *ann = sd_str(it, "id");
    }
}

static void sd_failure_line(sd_state *s, const sd_file *f, int i, const char *outcome, int code,
                            const char *desc)
{
    const char *input, *ann;
    sd_item_ids(f, i, &input, &ann);
    ap_buf b = {0};
    ap_buf_puts(&b, "{\"file\":");
    ap_buf_json_string(&b, f->name);
    ap_buf_puts(&b, ",\"index\":");
    ap_buf_u64(&b, (uint64_t)i);
    ap_buf_puts(&b, ",\"kind\":");
    ap_buf_json_string(&b, sd_kind_names[f->kind]);
    ap_buf_puts(&b, ",\"outcome\":");
    ap_buf_json_string(&b, outcome);
    ap_buf_puts(&b, ",\"input_id\":");
    ap_buf_json_string(&b, input ? input : "");
    ap_buf_puts(&b, ",\"annotation_id\":");
    ap_buf_json_string(&b, ann ? ann : "");
    ap_buf_puts(&b, ",\"status_code\":");
    ap_buf_u64(&b, (uint64_t)(code > 0 ? code : 0));
    ap_buf_puts(&b, ",\"description\":");
    ap_buf_json_string(&b, desc ? desc : "");
    ap_buf_puts(&b, "}\n");
    if (s->failures && !b.oom)
        fwrite(b.p, 1, b.len, s->failures);
    ap_buf_free(&b);
}

static void sd_progress(sd_state *s)
{
    s->ctx->counts.objects_read = s->done_items;
    ap_progress_set(s->ctx, s->done_items);
}

/* An item refused for good: journal, failures file, counts. */
static void sd_fail(sd_state *s, sd_file *f, int i, int code, const char *desc)
{
    f->st[i] = ST_FAILED;
    s->r->failed++;
    s->done_items++;
    sd_count_code(s->r, code);
    ap_buf b = {0};
    ap_buf_puts(&b, "{\"failed\":");
    ap_buf_json_string(&b, f->name);
    ap_buf_puts(&b, ",\"item\":");
    ap_buf_u64(&b, (uint64_t)i);
    ap_buf_puts(&b, ",\"code\":");
    ap_buf_u64(&b, (uint64_t)(code > 0 ? code : 0));
    const char *input, *ann;
    sd_item_ids(f, i, &input, &ann);
    if (f->kind == K_POST_INPUTS && input) {
        ap_buf_puts(&b, ",\"input\":");
        ap_buf_json_string(&b, input);
        char v[600];
        snprintf(v, sizeof v, "%d\t%s", code, desc ? desc : "");
        if (!ap_map_get(s->bad_inputs, input))
            ap_map_put(s->bad_inputs, input, ap_strdup(v));
    }
    ap_buf_puts(&b, ",\"description\":");
    ap_buf_json_string(&b, desc ? desc : "");
    ap_buf_puts(&b, "}\n");
    sd_jwrite(s, &b);
    ap_buf_free(&b);
    sd_failure_line(s, f, i, "refused", code, desc);
}

static void sd_unknown(sd_state *s, sd_file *f, const int *idx, int n)
{
    ap_buf b = {0};
    sd_jitems(&b, "unknown", f, idx, n, NULL);
    sd_jwrite(s, &b);
    ap_buf_free(&b);
    for (int k = 0; k < n; k++) {
        f->st[idx[k]] = ST_UNKNOWN;
        s->r->unknown++;
        s->done_items++;
        sd_failure_line(s, f, idx[k], "unknown", 0,
                        "the request's answer never came and it may have been applied; its "
                        "items carry no ids, so it was not sent again: check the app");
    }
}

static void sd_ok(sd_state *s, sd_file *f, const int *idx, int n)
{
    if (n == 0)
        return;
    ap_buf b = {0};
    sd_jitems(&b, "ok", f, idx, n, NULL);
    sd_jwrite(s, &b);
    ap_buf_free(&b);
    for (int k = 0; k < n; k++)
        f->st[idx[k]] = ST_OK;
    s->r->succeeded += (uint64_t)n;
    s->done_items += (uint64_t)n;
}

/* --resume: what the journal holds. A torn last line (a power loss while
 * it was written) is ignored. */
static int sd_journal_read(sd_state *s, const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return errno == ENOENT ? AP_OK : ap_error(s->ctx, AP_ENOINPUT, "%s: %s", path,
                                                  strerror(errno));
    ap_map *by = ap_map_new();
    for (size_t i = 0; by && i < s->nfiles; i++)
        ap_map_put(by, s->files[i].name, (void *)(i + 1));
    char *line = NULL;
    size_t cap = 0;
    while (by && getline(&line, &cap, fp) > 0) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *ev = j ? j->child : NULL;
        if (!ev || !cJSON_IsString(ev)) {
            cJSON_Delete(j);
            continue;
        }
        if (!strcmp(ev->string, "input_failed")) {
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");
            char v[600];
            snprintf(v, sizeof v, "%d\t%s", cJSON_IsNumber(c) ? c->valueint : 0,
                     sd_str(j, "description") ? sd_str(j, "description") : "");
            if (!ap_map_get(s->bad_inputs, ev->valuestring))
                ap_map_put(s->bad_inputs, ev->valuestring, ap_strdup(v));
        }
        size_t fi = (size_t)ap_map_get(by, ev->valuestring);
        if (!fi) {
            cJSON_Delete(j);
            continue;
        }
        sd_file *f = &s->files[fi - 1];
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items"), *it;
        const cJSON *one = cJSON_GetObjectItemCaseSensitive(j, "item");
        int st = !strcmp(ev->string, "ok") ? ST_OK : !strcmp(ev->string, "failed") ? ST_FAILED
                 : !strcmp(ev->string, "unknown") ? ST_UNKNOWN : ST_OPEN;
        if (!strcmp(ev->string, "send") && sd_str(j, "job"))
            snprintf(f->job, sizeof f->job, "%s", sd_str(j, "job"));
        if (!strcmp(ev->string, "job_done"))
            f->job_done = 1;
        cJSON_ArrayForEach(it, items)
        {
            int i = it->valueint;
            if (i < 0 || i >= f->n)
                continue;
            if (!strcmp(ev->string, "send"))
                f->maybe[i] = 1;
            else if (st != ST_OPEN && f->st[i] == ST_OPEN)
                f->st[i] = (unsigned char)st;
        }
        if (cJSON_IsNumber(one) && one->valueint >= 0 && one->valueint < f->n && st == ST_FAILED &&
            f->st[one->valueint] == ST_OPEN) {
            f->st[one->valueint] = ST_FAILED;
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
            sd_count_code(s->r, cJSON_IsNumber(code) ? code->valueint : 0);
            const char *in = sd_str(j, "input");
            if (in && !ap_map_get(s->bad_inputs, in)) {
                char v[600];
                const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");
                snprintf(v, sizeof v, "%d\t%s", cJSON_IsNumber(c) ? c->valueint : 0,
                         sd_str(j, "description") ? sd_str(j, "description") : "");
                ap_map_put(s->bad_inputs, in, ap_strdup(v));
            }
        }
        cJSON_Delete(j);
    }
    free(line);
    fclose(fp);
    ap_map_free(by);
    for (size_t i = 0; i < s->nfiles; i++)
        for (int k = 0; k < s->files[i].n; k++) {
            int st = s->files[i].st[k];
            s->r->acknowledged += st != ST_OPEN;
            s->r->succeeded += st == ST_OK;
            s->r->failed += st == ST_FAILED;
            s->r->unknown += st == ST_UNKNOWN;
            s->done_items += st != ST_OPEN;
        }
    return AP_OK;
}

/* ---- requests ---- */

/* Sending the request again cannot duplicate anything. */
static int sd_safe(const sd_file *f)
{
    return f->kind == K_DELETE_ANN || f->kind == K_PATCH_ANN || f->has_ids;
}

static int sd_retryable(int code)
{
    return code == 10030 || code == 11005 || (code >= 98000 && code < 100000) ||
           code == 40030 || code == 40031 || code == 40032;
}

static int sd_auth_code(int code)
{
    return code == 11009 || code == 11008 || code == 11001 || code == 11002 || code == 11007;
}

static int sd_item_ok(int code)
{
    return code == 10000 || code == 24150 || code == 24151 || code == 24157 ||
           code == 24159 || code == 30000 || code == 30001 || code == 30003;
}

static sd_req *sd_req_new(int file, int type, const int *idx, int n)
{
    sd_req *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    rq->file = file;
    rq->type = type;
    if (n) {
        rq->idx = malloc((size_t)n * sizeof *idx);
        if (!rq->idx) {
            free(rq);
            return NULL;
        }
        memcpy(rq->idx, idx, (size_t)n * sizeof *idx);
    }
    rq->n = n;
    return rq;
}

static void sd_req_reset(sd_req *rq)
{
    if (rq->h)
        curl_easy_cleanup(rq->h);
    rq->h = NULL;
    curl_slist_free_all(rq->hdr);
    rq->hdr = NULL;
    free(rq->body);
    rq->body = NULL;
    rq->len = rq->off = 0;
    ap_buf_free(&rq->resp);
    rq->retry_after = 0;
}

static void sd_req_free(sd_req *rq)
{
    sd_req_reset(rq);
    free(rq->idx);
    free(rq);
}

/* Appends to the waiting list (the manifest's order is kept). */
static void sd_enqueue(sd_state *s, sd_req *rq)
{
    sd_req **p = &s->wait;
    while (*p)
        p = &(*p)->next;
    rq->next = NULL;
    *p = rq;
}

/* The body of an items request: the file's bytes when it goes whole and
 * unchanged, else its fields with only the items asked for. */
static char *sd_body(sd_state *s, sd_req *rq, size_t *len)
{
    sd_file *f = &s->files[rq->file];
    if (rq->n == f->n && f->kind != K_POST_INPUTS) {
        char *b = malloc(f->rawlen + 1);
        if (b)
            memcpy(b, f->raw, f->rawlen);
        *len = f->rawlen;
        return b;
    }
    cJSON *out = cJSON_CreateObject(), *items = sd_items(f->body, f->kind);
    cJSON *ids = f->kind == K_DELETE_ANN ? cJSON_GetObjectItemCaseSensitive(f->body, "ids")
                                         : NULL;
    const cJSON *ch;
    cJSON_ArrayForEach(ch, f->body)
    {
        cJSON *copy;
        if (ch == items || (ids && ch == ids && cJSON_GetArraySize(ids) > 0)) {
            copy = cJSON_CreateArray();
            for (int k = 0; k < rq->n; k++)
                cJSON_AddItemToArray(copy, cJSON_Duplicate(cJSON_GetArrayItem(ch, rq->idx[k]), 1));
        } else if (!strcmp(ch->string, "inputs_add_job_id"))
            continue;
        else
            copy = cJSON_Duplicate(ch, 1);
        cJSON_AddItemToObject(out, ch->string, copy);
    }
    if (f->kind == K_POST_INPUTS)
        cJSON_AddStringToObject(out, "inputs_add_job_id", f->job);
    char *b = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    *len = b ? strlen(b) : 0;
    return b;
}

static size_t sd_read_cb(char *buf, size_t size, size_t nitems, void *user)
{
    sd_req *rq = user;
    size_t n = size * nitems, left = rq->len - rq->off;
    if (n > left)
        n = left;
    memcpy(buf, rq->body + rq->off, n);
    rq->off += n;
    return n;
}

static size_t sd_write_cb(char *p, size_t size, size_t nitems, void *user)
{
    sd_req *rq = user;
    if (rq->resp.len + size * nitems > ((size_t)64 << 20))
        return 0; /* no answer of the API is this large */
    ap_buf_put(&rq->resp, p, size * nitems);
    return rq->resp.oom ? 0 : size * nitems;
}

static size_t sd_header_cb(char *p, size_t size, size_t nitems, void *user)
{
    sd_req *rq = user;
    size_t n = size * nitems;
    if (n > 12 && !strncasecmp(p, "Retry-After:", 12)) {
        char v[32];
        snprintf(v, sizeof v, "%.*s", (int)(n - 12 < 31 ? n - 12 : 31), p + 12);
        double d = strtod(v, NULL);
        if (d > 0)
            rq->retry_after = d > 300 ? 300 : d;
    }
    return n;
}

static void sd_url(sd_state *s, sd_req *rq, char *url, size_t size)
{
    sd_file *f = &s->files[rq->file];
    if (rq->type == RQ_POLL) {
        snprintf(url, size, "%s/inputs/jobs/add/%s", s->base, f->job);
    } else if (rq->type == RQ_LIST) {
        size_t n = (size_t)snprintf(url, size, "%s/inputs?per_page=1000", s->base);
        cJSON *items = sd_items(f->body, f->kind);
        for (int i = 0; i < f->n && n < size; i++) {
            const char *id = f->st[i] == ST_OK ? sd_str(cJSON_GetArrayItem(items, i), "id")
                                               : NULL;
            char *e = id ? curl_easy_escape(NULL, id, 0) : NULL;
            if (e)
                n += (size_t)snprintf(url + n, size - n, "&ids=%s", e);
            curl_free(e);
        }
    } else {
        snprintf(url, size, "%s/%s", s->base, f->kind == K_POST_INPUTS ? "inputs" : "annotations");
    }
}

/* Starts rq: the journal first (the items may be applied from now on). */
static int sd_start(sd_state *s, sd_req *rq)
{
    sd_file *f = &s->files[rq->file];
    static char url[16384];
    sd_url(s, rq, url, sizeof url);
    CURL *h = rq->h = curl_easy_init();
    if (!h)
        return ap_error_nomem(s->ctx);
    if (rq->type == RQ_ITEMS) {
        rq->body = sd_body(s, rq, &rq->len);
        if (!rq->body)
            return ap_error_nomem(s->ctx);
        ap_buf b = {0};
        sd_jitems(&b, "send", f, rq->idx, rq->n, f->kind == K_POST_INPUTS ? f->job : NULL);
        sd_jwrite(s, &b);
        ap_buf_free(&b);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, sd_read_cb);
        curl_easy_setopt(h, CURLOPT_READDATA, rq);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
        if (f->kind == K_PATCH_ANN || f->kind == K_DELETE_ANN)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, f->kind == K_PATCH_ANN ? "PATCH" : "DELETE");
        if (!sd_safe(f)) { /* never on a reused connection: see the top */
            curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
            curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
        }
        for (int k = 0; k < rq->n; k++)
            f->st[rq->idx[k]] = ST_BUSY;
        s->r->sent += (uint64_t)(rq->attempt ? 0 : rq->n);
    } else
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    rq->hdr = curl_slist_append(rq->hdr, s->auth);
    rq->hdr = curl_slist_append(rq->hdr, "Content-Type: application/json");
    rq->hdr = curl_slist_append(rq->hdr, "Accept: application/json");
    rq->hdr = curl_slist_append(rq->hdr, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, rq->hdr);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "annoport/" AP_VERSION);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(s->o->timeout * 1000));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)((s->o->timeout < 30 ? s->o->timeout : 30) * 1000));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sd_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, rq);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, sd_header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, rq);
    curl_easy_setopt(h, CURLOPT_PRIVATE, rq);
    s->r->requests++;
    s->r->retried += rq->attempt > 0;
    if (curl_multi_add_handle(s->multi, h) != CURLM_OK)
        return ap_error_nomem(s->ctx);
    s->inflight++;
    for (int k = 0; k < s->o->jobs; k++)
        if (!s->busy[k]) {
            s->busy[k] = rq;
            break;
        }
    return AP_OK;
}

/* Once more after a pause, or given up on (the items stay not
 * acknowledged: --resume sends them). */
static void sd_retry(sd_state *s, sd_req *rq, const char *why)
{
    sd_file *f = &s->files[rq->file];
    if (rq->type == RQ_ITEMS)
        for (int k = 0; k < rq->n; k++)
            f->st[rq->idx[k]] = ST_OPEN;
    if (rq->attempt >= s->o->max_retries) {
        ap_warn(s->ctx, "%s: given up after %d attempts: %s", f->name, rq->attempt + 1, why);
        sd_req_free(rq);
        return;
    }
    double d = s->o->backoff * (double)(1u << (rq->attempt < 16 ? rq->attempt : 16));
    if (d > 30)
        d = 30;
    d *= 0.5 + 0.5 * (double)(rand_r(&s->rng) % 1000) / 1000.0; /* jitter */
    if (rq->retry_after > 0)
        d = rq->retry_after;
    sd_req_reset(rq);
    rq->attempt++;
    rq->not_before = sd_now() + d;
    sd_enqueue(s, rq);
}

/* ---- answers ---- */

/* status.code and "description: details" of a response object. */
static int sd_status(const cJSON *o, char *desc, size_t size)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(st, "code");
    const char *d = sd_str(st, "description"), *det = sd_str(st, "details");
    snprintf(desc, size, "%s%s%s", d ? d : "", d && det ? ": " : "", det ? det : "");
    if (cJSON_IsNumber(c))
        return c->valueint;
    if (cJSON_IsString(c))
        return atoi(c->valuestring);
    return 0;
}

/* An answer item by item (MIXED_STATUS, or a request refused whole with
 * each item's status). */
static void sd_items_answer(sd_state *s, sd_req *rq, const cJSON *ia)
{
    sd_file *f = &s->files[rq->file];
    int *okv = calloc((size_t)rq->n + 1, sizeof *okv);
    int *rv = calloc((size_t)rq->n + 1, sizeof *rv);
    int nok = 0, nr = 0;
    char desc[512];
    if (!okv || !rv) { /* the answer is not journaled: --resume finds out */
        free(okv);
        free(rv);
        s->stop_io = 1;
        ap_error_nomem(s->ctx);
        return;
    }
    for (int k = 0; k < rq->n; k++) {
        int i = rq->idx[k];
        int ic = sd_status(cJSON_GetArrayItem(ia, k), desc, sizeof desc);
        if (sd_item_ok(ic) || (ic == 40010 && f->maybe[i] && f->has_ids))
            okv[nok++] = i; /* 40010 after a lost answer: that attempt applied it */
        else if (sd_retryable(ic))
            rv[nr++] = i;
        else
            sd_fail(s, f, i, ic, desc);
    }
    sd_ok(s, f, okv, nok);
    if (nr) {
        sd_req *again = sd_req_new(rq->file, RQ_ITEMS, rv, nr);
        if (again) {
            again->attempt = rq->attempt;
            for (int k = 0; k < nr; k++)
                f->st[rv[k]] = ST_OPEN;
            sd_retry(s, again, "items refused for now");
        } else {
            s->stop_io = 1;
            ap_error_nomem(s->ctx);
        }
    }
    free(okv);
    free(rv);
}

static void sd_job_done(sd_state *s, sd_file *f)
{
    ap_buf b = {0};
    ap_buf_puts(&b, "{\"job_done\":");
    ap_buf_json_string(&b, f->name);
    ap_buf_puts(&b, ",\"job\":");
    ap_buf_json_string(&b, f->job);
    ap_buf_puts(&b, "}\n");
    sd_jwrite(s, &b);
    ap_buf_free(&b);
    f->job_done = 1;
}

static uint64_t sd_count(const cJSON *progress, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(progress, key);
    return cJSON_IsString(v) ? strtoull(v->valuestring, NULL, 10)
           : cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
}

/* A job poll or the list of a job's inputs answered with SUCCESS. */
static void sd_job_answer(sd_state *s, sd_req *rq, const cJSON *j)
{
    sd_file *f = &s->files[rq->file];
    if (rq->type == RQ_POLL) {
        const cJSON *job = cJSON_GetObjectItemCaseSensitive(j, "inputs_add_job");
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(job, "progress");
        if (sd_count(p, "pending_count") + sd_count(p, "in_progress_count") > 0) {
            sd_req_reset(rq);
            rq->attempt = 0;
            rq->not_before = sd_now() + s->o->poll_interval;
            sd_enqueue(s, rq);
            return;
        }
        if (sd_count(p, "failed_count") > 0) { /* which ones: list them */
            sd_req_reset(rq);
            rq->type = RQ_LIST;
            rq->attempt = 0;
            rq->not_before = 0;
            sd_enqueue(s, rq);
            return;
        }
    } else {
        const cJSON *in;
        char desc[512];
        cJSON_ArrayForEach(in, cJSON_GetObjectItemCaseSensitive(j, "inputs"))
        {
            int c = sd_status(in, desc, sizeof desc);
            const char *id = sd_str(in, "id");
            if (!id || c == 30000 || c == 30001 || c == 30003 || ap_map_get(s->bad_inputs, id))
                continue;
            char v[600];
            snprintf(v, sizeof v, "%d\t%s", c, desc);
            ap_map_put(s->bad_inputs, id, ap_strdup(v));
            ap_buf b = {0};
            ap_buf_puts(&b, "{\"input_failed\":");
            ap_buf_json_string(&b, id);
            ap_buf_puts(&b, ",\"code\":");
            ap_buf_u64(&b, (uint64_t)c);
            ap_buf_puts(&b, ",\"description\":");
            ap_buf_json_string(&b, desc);
            ap_buf_puts(&b, "}\n");
            sd_jwrite(s, &b);
            ap_buf_free(&b);
        }
    }
    sd_job_done(s, f);
    sd_req_free(rq);
}

/* A transfer ended: what it means for its items. */
static void sd_finish(sd_state *s, sd_req *rq, CURLcode cc, long http)
{
    sd_file *f = &s->files[rq->file];
    if (cc != CURLE_OK) {
        int sent = cc != CURLE_COULDNT_CONNECT && cc != CURLE_COULDNT_RESOLVE_HOST;
        if (rq->type == RQ_ITEMS && sent) {
            for (int k = 0; k < rq->n; k++)
                f->maybe[rq->idx[k]] = 1;
            if (!sd_safe(f)) {
                sd_unknown(s, f, rq->idx, rq->n);
                sd_req_free(rq);
                return;
            }
        }
        sd_retry(s, rq, curl_easy_strerror(cc));
        return;
    }
    cJSON *j = cJSON_ParseWithLength(rq->resp.p ? rq->resp.p : "", rq->resp.len);
    char desc[512] = "";
    int code = j ? sd_status(j, desc, sizeof desc) : 0;
    if (!code) {
        code = http / 100 == 2 ? 10000 : http == 401 || http == 403 ? 11009 : http == 429 ? 11005
               : http >= 500 ? 10030 : (int)http;
        if (!*desc)
            snprintf(desc, sizeof desc, "HTTP %ld", http);
    }
    if (sd_auth_code(code) || http == 401 || http == 403) {
        if (!s->stop_auth)
            ap_error(s->ctx, AP_ENOPERM, "the API refused the token (%d %s): nothing more is "
                     "sent", code, desc);
        s->stop_auth = 1;
        if (rq->type == RQ_ITEMS)
            for (int k = 0; k < rq->n; k++)
                f->st[rq->idx[k]] = ST_OPEN;
        sd_req_free(rq);
    } else if (rq->type != RQ_ITEMS) {
        if (code == 10000 || code == 11101) /* 11101: no such job, nothing pending */
            sd_job_answer(s, rq, code == 10000 ? j : NULL);
        else if (sd_retryable(code) || http == 429 || http >= 500)
            sd_retry(s, rq, desc);
        else {
            ap_warn(s->ctx, "%s: the inputs-add job %s: %d %s", f->name, f->job, code, desc);
            sd_job_done(s, f);
            sd_req_free(rq);
        }
    } else if (code != 10010 && (sd_retryable(code) || http == 429 || http >= 500)) {
        sd_retry(s, rq, desc);
    } else {
        const cJSON *ia = j ? cJSON_GetObjectItemCaseSensitive(
                                  j, f->kind == K_POST_INPUTS ? "inputs" : "annotations") : NULL;
        if (code == 10000)
            sd_ok(s, f, rq->idx, rq->n);
        else if (cJSON_GetArraySize(ia) == rq->n && f->kind != K_DELETE_ANN)
            sd_items_answer(s, rq, ia);
        else if (code == 40010 && f->has_ids && f->maybe[rq->idx[0]])
            sd_ok(s, f, rq->idx, rq->n);
        else
            for (int k = 0; k < rq->n; k++)
                sd_fail(s, f, rq->idx[k], code, desc);
        sd_req_free(rq);
    }
    cJSON_Delete(j);
    sd_progress(s);
}

/* Runs the waiting requests, jobs at a time, until none is left (or the
 * token is refused, the journal cannot be written, or a signal came). */
static void sd_run(sd_state *s)
{
    while (s->wait || s->inflight) {
        if (s->stop_auth || s->stop_io)
            break;
        double now = sd_now(), next = now + 0.25;
        for (sd_req **p = &s->wait; *p && !ap_interrupted && s->inflight < s->o->jobs;) {
            sd_req *rq = *p;
            if (rq->not_before > now) {
                if (rq->not_before < next)
                    next = rq->not_before;
                p = &rq->next;
                continue;
            }
            *p = rq->next;
            if (sd_start(s, rq) != AP_OK) {
                s->stop_io = 1;
                sd_req_free(rq);
                break;
            }
        }
        if (ap_interrupted && !s->inflight)
            break;
        int running = 0;
        curl_multi_perform(s->multi, &running);
        CURLMsg *msg;
        int left, finished = 0;
        while ((msg = curl_multi_info_read(s->multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            sd_req *rq;
            long http = 0;
            CURL *h = msg->easy_handle;
            CURLcode cc = msg->data.result;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&rq);
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
            curl_multi_remove_handle(s->multi, h);
            s->inflight--;
            for (int k = 0; k < s->o->jobs; k++)
                if (s->busy[k] == rq)
                    s->busy[k] = NULL;
            sd_finish(s, rq, cc, http);
            finished++;
        }
        int ms = (int)((next - sd_now()) * 1000);
        if (!finished && (s->inflight || ms > 0))
            curl_multi_poll(s->multi, NULL, 0, ms < 1 ? 1 : ms > 250 ? 250 : ms, NULL);
    }
}

/* Drops what is waiting or in flight (their items stay not acknowledged). */
static void sd_drop(sd_state *s)
{
    while (s->wait) {
        sd_req *rq = s->wait;
        s->wait = rq->next;
        sd_req_free(rq);
    }
    for (int k = 0; k < s->o->jobs; k++)
        if (s->busy[k]) {
            sd_req *rq = s->busy[k];
            curl_multi_remove_handle(s->multi, rq->h);
            if (rq->type == RQ_ITEMS)
                for (int i = 0; i < rq->n; i++)
                    s->files[rq->file].st[rq->idx[i]] = ST_OPEN;
            sd_req_free(rq);
            s->busy[k] = NULL;
        }
    s->inflight = 0;
}

/* ---- groups and the whole run ---- */

static void sd_job_id(sd_state *s, char *out)
{
    unsigned char r[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, r, sizeof r) : -1;
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < sizeof r; i++) {
        if (got != (ssize_t)sizeof r)
            r[i] = (unsigned char)rand_r(&s->rng);
        snprintf(out + 2 * i, 3, "%02x", r[i]);
    }
}

/* The items of files [from, to) not yet acknowledged, a request a file. */
static int sd_group_queue(sd_state *s, size_t from, size_t to)
{
    for (size_t fi = from; fi < to; fi++) {
        sd_file *f = &s->files[fi];
        int rc = sd_parse(s, f);
        if (rc != AP_OK)
            return rc;
        if (f->kind == K_POST_INPUTS && !f->job[0])
            sd_job_id(s, f->job);
        int *idx = malloc((size_t)f->n * sizeof *idx), n = 0, maybe = 0;
        int *unk = malloc((size_t)f->n * sizeof *unk), nu = 0;
        if (!idx || !unk) {
            free(idx);
            free(unk);
            return ap_error_nomem(s->ctx);
        }
        for (int i = 0; i < f->n; i++) {
            if (f->st[i] != ST_OPEN)
                continue;
            const char *input, *ann;
            sd_item_ids(f, i, &input, &ann);
            const char *bad = f->kind != K_POST_INPUTS && input
                                  ? ap_map_get(s->bad_inputs, input) : NULL;
            if (bad) { /* its input failed: not sent */
                char desc[700];
                snprintf(desc, sizeof desc, "input %s: %s", input, strchr(bad, '\t') + 1);
                sd_fail(s, f, i, atoi(bad), desc);
            } else if (f->maybe[i] && !sd_safe(f))
                unk[nu++] = i; /* in flight when the last run stopped */
            else {
                idx[n++] = i;
                maybe |= f->maybe[i];
            }
        }
        if (nu)
            sd_unknown(s, f, unk, nu);
        if (n) {
            sd_req *rq = sd_req_new((int)fi, RQ_ITEMS, idx, n);
            if (!rq) {
                free(idx);
                free(unk);
                return ap_error_nomem(s->ctx);
            }
            rq->maybe = maybe;
            sd_enqueue(s, rq);
        }
        free(idx);
        free(unk);
    }
    return AP_OK;
}

static int sd_group(sd_state *s, size_t from, size_t to)
{
    int rc = sd_group_queue(s, from, to);
    if (rc == AP_OK)
        sd_run(s);
    if (rc == AP_OK && s->files[from].kind == K_POST_INPUTS && !s->stop_auth && !s->stop_io &&
        !ap_interrupted) {
        for (size_t fi = from; fi < to; fi++) {
            sd_file *f = &s->files[fi];
            int any = 0;
            for (int i = 0; i < f->n; i++)
                any |= f->st[i] == ST_OK;
            sd_req *rq = any && !f->job_done ? sd_req_new((int)fi, RQ_POLL, NULL, 0) : NULL;
            if (rq)
                sd_enqueue(s, rq);
        }
        sd_run(s);
    }
    sd_drop(s);
    return rc;
}

static uint64_t sd_left(const sd_state *s, size_t to)
{
    uint64_t left = 0;
    for (size_t fi = 0; fi < to; fi++)
        for (int i = 0; i < s->files[fi].n; i++)
            left += s->files[fi].st[i] == ST_OPEN || s->files[fi].st[i] == ST_BUSY;
    for (size_t fi = 0; fi < to; fi++) { /* a job not seen to its end */
        const sd_file *f = &s->files[fi];
        int any = 0;
        for (int i = 0; i < f->n; i++)
            any |= f->st[i] == ST_OK;
        left += f->kind == K_POST_INPUTS && any && !f->job_done;
    }
    return left;
}

static void sd_paths(sd_state *s)
{
    size_t n = strlen(s->o->output);
    while (n > 1 && s->o->output[n - 1] == '/')
        n--;
    int zip = ap_is_zip_path(s->o->output);
    snprintf(s->r->journal, sizeof s->r->journal, "%.*s%s", (int)n, s->o->output,
             zip ? ".send-journal.jsonl" : "/send-journal.jsonl");
    snprintf(s->r->failures, sizeof s->r->failures, "%.*s%s", (int)n, s->o->output,
             zip ? ".send-failures.jsonl" : "/send-failures.jsonl");
}

static int sd_open_files(sd_state *s)
{
    if (!s->o->resume && access(s->r->journal, F_OK) == 0)
        return ap_error(s->ctx, AP_EUSAGE, "%s exists: a send was started; go on with --resume "
                        "(or remove it to send everything again)", s->r->journal);
    int rc = s->o->resume ? sd_journal_read(s, s->r->journal) : AP_OK;
    if (rc != AP_OK)
        return rc;
    s->jfd = open(s->r->journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    s->failures = fopen(s->r->failures, s->o->resume ? "a" : "w");
    if (s->jfd < 0 || !s->failures)
        return ap_error(s->ctx, AP_EIO, "%s: %s", s->jfd < 0 ? s->r->journal : s->r->failures,
                        strerror(errno));
    return AP_OK;
}

/* Everything the run needs before the first request. */
static int sd_prepare(sd_state *s)
{
    const ap_send_options *o = s->o;
    if (!o->token || !*o->token)
        return ap_error(s->ctx, AP_EUSAGE, "no token: set CLARIFAI_PAT or give --pat-file FILE");
    for (const char *p = o->token; *p; p++)
        if ((unsigned char)*p < 0x21 || *p == 0x7f)
            return ap_error(s->ctx, AP_EUSAGE, "the token holds a space or a control character");
    const char *base = o->api_base ? o->api_base : "https://api.clarifai.com";
    int rc = sd_check_base(s, base);
    if (rc == AP_OK)
        rc = sd_load(s);
    char user[256], app[256];
    if (rc == AP_OK)
        rc = sd_user_app(s, user, app, sizeof user);
    if (rc != AP_OK)
        return rc;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    snprintf(s->base, sizeof s->base, "%.*s/v2/users/%s/apps/%s", (int)bl, base, user, app);
    snprintf(s->auth, sizeof s->auth, "Authorization: Key %s", o->token);
    for (size_t i = 0; i < s->nfiles; i++) {
        sd_file *f = &s->files[i];
        static const char *const method[] = {"POST", "POST", "PATCH", "DELETE"};
        if (o->dry_run && o->on_plan)
            o->on_plan(o->plan_user, method[f->kind],
                       f->kind == K_POST_INPUTS ? "inputs" : "annotations", f->name, f->n);
        if (!o->dry_run || f->kind != K_POST_INPUTS)
            sd_unparse(f);
    }
    if (s->r->no_id_posts)
        ap_warn(s->ctx, "%llu post bodies carry annotations without ids: a request whose "
                "answer is lost cannot be sent again safely, and its items will be counted "
                "unknown (convert with --annotation-ids hash to avoid this)",
                (unsigned long long)s->r->no_id_posts);
    return AP_OK;
}

static void sd_free(sd_state *s)
{
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i].name);
        free(s->files[i].raw);
        cJSON_Delete(s->files[i].body);
        free(s->files[i].st);
        free(s->files[i].maybe);
    }
    free(s->files);
    free(s->busy);
    if (s->bad_inputs)
        ap_map_free_values(s->bad_inputs);
    if (s->multi)
        curl_multi_cleanup(s->multi);
    if (s->jfd >= 0)
        close(s->jfd);
    if (s->failures)
        fclose(s->failures);
    memset(s->auth, 0, sizeof s->auth);
}

int ap_send(ap_context *ctx, const ap_send_options *o, ap_send_result *r)
{
    ap_send_options opt = *o;
    if (opt.jobs < 1)
        opt.jobs = 4;
    if (opt.max_retries < 0)
        opt.max_retries = 8;
    if (!(opt.timeout > 0))
        opt.timeout = 60;
    if (!(opt.poll_interval > 0))
        opt.poll_interval = 1;
    if (!(opt.backoff > 0))
        opt.backoff = 0.5;
    memset(r, 0, sizeof *r);
    sd_state s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.o = &opt;
    s.r = r;
    s.jfd = -1;
    s.rng = (unsigned)time(NULL) ^ (unsigned)getpid();
    s.bad_inputs = ap_map_new();
    s.busy = calloc((size_t)opt.jobs, sizeof *s.busy);
    double t0 = sd_now();
    sd_paths(&s);
    int rc = s.bad_inputs && s.busy ? sd_prepare(&s) : ap_error_nomem(ctx);
    if (rc != AP_OK || opt.dry_run) {
        sd_free(&s);
        return rc;
    }
    if ((rc = sd_open_files(&s)) != AP_OK) {
        sd_free(&s);
        return rc;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(s.multi = curl_multi_init())) {
        sd_free(&s);
        return ap_error_nomem(ctx);
    }
    curl_multi_setopt(s.multi, CURLMOPT_MAXCONNECTS, (long)opt.jobs + 2);
    ap_progress_phase(ctx, "sending", r->items);
    sd_progress(&s);
    size_t from = 0;
    while (rc == AP_OK && from < s.nfiles) {
        size_t to = from + 1;
        while (to < s.nfiles && s.files[to].kind == s.files[from].kind)
            to++;
        rc = sd_group(&s, from, to);
        if (s.stop_auth || s.stop_io || ap_interrupted || sd_left(&s, to))
            break; /* the next group may need this one's items */
        from = to;
    }
    r->left = sd_left(&s, s.nfiles);
    r->seconds = sd_now() - t0;
    if (s.failures && fflush(s.failures) == 0)
        fsync(fileno(s.failures));
    if (rc == AP_OK && s.stop_io)
        rc = ctx->err ? ctx->err : AP_EIO;
    else if (rc == AP_OK && s.stop_auth)
        rc = AP_ENOPERM;
    else if (rc == AP_OK && r->left)
        rc = ap_error(ctx, AP_ETEMPFAIL, "%llu items not acknowledged%s: send again with "
                      "--resume", (unsigned long long)r->left,
                      ap_interrupted ? " (interrupted)" : " (retries exhausted)");
    else if (rc == AP_OK && (r->failed || r->unknown))
        rc = ap_error(ctx, AP_EDATA, "%llu items refused, %llu unknown: see %s",
                      (unsigned long long)r->failed, (unsigned long long)r->unknown,
                      r->failures);
    sd_free(&s);
    curl_global_cleanup();
    return rc;
}
