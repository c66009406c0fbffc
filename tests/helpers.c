/*
 * helpers.c: see helpers.h.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zip.h>

#include "helpers.h"

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

const char *t_bin(void) { return env_or("AP_BIN", "build/annoport"); }
const char *t_shared(void) { return env_or("AP_SHARED", "../shared"); }
const char *t_python(void) { return env_or("AP_PYTHON", "python3"); }

static const char *tmp_root(void)
{
    static char root[1024];
    if (!root[0]) {
        snprintf(root, sizeof root, "%s/t%ld", env_or("AP_TMP", "build/tmp"), (long)getpid());
        char cmd[2200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", root, root);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot make %s\n", root);
    }
    return root;
}

const char *t_dir(const char *name)
{
    static char bufs[8][1024];
    static int slot;
    char *b = bufs[slot++ % 8];
    snprintf(b, 1024, "%.700s/%.300s", tmp_root(), name);
    char cmd[2100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", b, b);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot make %s\n", b);
    return b;
}

const char *t_path(const char *dir, const char *name)
{
    static char bufs[64][1024];
    static int slot;
    char *b = bufs[slot++ % 64];
    snprintf(b, 1024, "%s/%s", dir, name);
    return b;
}

void t_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fputs(text, f);
    fclose(f);
}

char *t_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int t_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = t_read(a, &la), *y = t_read(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    if (!same)
        fprintf(stderr, "\n%s and %s differ\n", a, b);
    free(x);
    free(y);
    return same;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a folder, sorted, NULL-terminated (NULL if it is not one). */
static char **sorted_names(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t cap = 16;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    *n = 0;
    while (v && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (*n + 1 == cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        v[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (v) {
        qsort(v, *n, sizeof *v, cmp_name);
        v[*n] = NULL;
    }
    return v;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static int same_bytes(const char *a, const char *b)
{
    size_t la, lb;
    char *x = t_read(a, &la), *y = t_read(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

int t_same_tree(const char *a, const char *b, int say)
{
    struct stat sa, sb;
    const char *why = NULL;
    if (lstat(a, &sa) != 0 || lstat(b, &sb) != 0)
        why = "one is missing";
    else if (S_ISDIR(sa.st_mode) != S_ISDIR(sb.st_mode))
        why = "a folder and a file";
    else if (!S_ISDIR(sa.st_mode) && !same_bytes(a, b))
        why = "their bytes differ";
    if (why || !S_ISDIR(sa.st_mode)) {
        if (why && say)
            fprintf(stderr, "\n%s and %s: %s\n", a, b, why);
        return !why;
    }
    size_t na = 0, nb = 0;
    char **la = sorted_names(a, &na), **lb = sorted_names(b, &nb);
    int same = la && lb;
    for (size_t i = 0; same && (i < na || i < nb); i++) {
        if (i >= na || i >= nb || strcmp(la[i], lb[i]) != 0) {
            if (say)
                fprintf(stderr, "\n%s and %s hold different names (%s, %s)\n", a, b,
                        i < na ? la[i] : "nothing", i < nb ? lb[i] : "nothing");
            same = 0;
            break;
        }
        char pa[4096], pb[4096];
        snprintf(pa, sizeof pa, "%s/%s", a, la[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, lb[i]);
        same = t_same_tree(pa, pb, say);
    }
    free_names(la, na);
    free_names(lb, nb);
    return same;
}

int t_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int t_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

int t_sh(const char *cmd, char **out, char **err)
{
    char d[1100];
    snprintf(d, sizeof d, "%s", tmp_root()); /* not t_dir: keep callers' buffers */
    char o[1200], e[1200];
    snprintf(o, sizeof o, "%s/out", d);
    snprintf(e, sizeof e, "%s/err", d);
    size_t n = strlen(cmd) + 2 * sizeof o + 32;
    char *full = malloc(n);
    snprintf(full, n, "(%s) >'%s' 2>'%s' </dev/null", cmd, o, e);
    int st = system(full);
    free(full);
    if (out)
        *out = t_read(o, NULL);
    if (err)
        *err = t_read(e, NULL);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

int t_cli(const char *args, char **out, char **err)
{
    size_t n = strlen(args) + strlen(t_bin()) + 8;
    char *cmd = malloc(n);
    snprintf(cmd, n, "%s %s", t_bin(), args);
    int rc = t_sh(cmd, out, err);
    free(cmd);
    return rc;
}

int t_check(const char *output, char **summary)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s '%s/tools/check_requests.py' '%s'", t_python(), t_shared(),
             output);
    char *out = NULL;
    int rc = t_sh(cmd, &out, NULL);
    if (rc != 0 && out)
        fprintf(stderr, "\ncheck_requests.py %s:\n%s\n", output, out);
    if (summary) {
        *summary = NULL;
        if (out) {
            size_t len = strlen(out);
            while (len && out[len - 1] == '\n')
                out[--len] = '\0';
            char *last = strrchr(out, '\n');
            *summary = strdup(last ? last + 1 : out);
        }
    }
    free(out);
    return rc;
}

ap_context *t_ctx(void)
{
    return ap_context_new();
}

cJSON *t_json(const char *path)
{
    char *text = t_read(path, NULL);
    if (!text)
        return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

int t_request_count(const char *path)
{
    cJSON *j = t_json(path);
    if (!j)
        return -1;
    int n = cJSON_GetArraySize(cJSON_GetObjectItem(j, "annotations"));
    cJSON_Delete(j);
    return n;
}

void t_write_coco(const char *path, int n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    int images = n / 10 + 1;
    fputs("{\"images\":[", f);
    for (int i = 0; i < images; i++)
        fprintf(f, "%s{\"id\":%d,\"file_name\":\"img%05d.jpg\",\"width\":640,\"height\":480}",
                i ? "," : "", i + 1, i + 1);
    fputs("],\"annotations\":[", f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s\n{\"id\":%d,\"image_id\":%d,\"category_id\":%d,\"iscrowd\":0,"
                "\"bbox\":[%d,%d,%d,%d]}", i ? "," : "", i + 1, i / 10 + 1, i % 2 ? 9 : 5,
                i % 600, i % 400, 10 + i % 30, 20 + i % 50);
    fputs("],\"categories\":[{\"id\":5,\"name\":\"dog\"},{\"id\":9,\"name\":\"cat\"}]}\n", f);
    fclose(f);
}

static int capture_annotation(ap_context *ctx, void *state, const ap_annotation *a)
{
    (void)ctx;
    t_capture *c = state;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
    }
    t_ann *t = &c->v[c->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->input, sizeof t->input, "%s", a->input->id);
    snprintf(t->concept, sizeof t->concept, "%s", a->concept->id);
    snprintf(t->name, sizeof t->name, "%s", a->concept->name);
    snprintf(t->pose, sizeof t->pose, "%s", a->pose ? a->pose : "");
    snprintf(t->src_id, sizeof t->src_id, "%s", a->src_id ? a->src_id : "");
    snprintf(t->region_id, sizeof t->region_id, "%s", a->region_id ? a->region_id : "");
    t->kind = a->kind;
    t->box = a->box;
    t->value = a->value;
    t->difficult = a->difficult;
    t->truncated = a->truncated;
    t->occluded = a->occluded;
    t->line = a->pos.line;
    t->npoints = a->npoints;
    return AP_OK;
}

static const ap_writer capture_ops = {.annotation = capture_annotation};

int t_capture_run(ap_context *ctx, const char *const *inputs, size_t n, t_capture *cap)
{
    memset(cap, 0, sizeof *cap);
    return ap_run_with_writer(ctx, inputs, n, &capture_ops, cap, NULL);
}

void t_capture_free(t_capture *cap)
{
    free(cap->v);
    memset(cap, 0, sizeof *cap);
}

int t_sh_tty(const char *cmd, char **tty)
{
    *tty = NULL;
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        if (m >= 0)
            close(m);
        return -1;
    }
    const char *slave = ptsname(m);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        int s = open(slave, O_RDWR);
        int null = open("/dev/null", O_RDWR);
        if (s < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(null, 1);
        dup2(s, 2);
        close(s);
        close(null);
        close(m);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) { /* until the last writer closes the terminal (EIO) */
        if (n + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(m, buf + n, cap - n - 1);
        if (r > 0)
            n += (size_t)r;
        else if (r < 0 && errno == EINTR)
            continue;
        else
            break;
    }
    buf[n] = '\0';
    close(m);
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
        free(buf);
        return -1;
    }
    *tty = buf;
    return WEXITSTATUS(st);
}

char *t_zip_text(const char *zip, const char *member)
{
    int err = 0;
    zip_t *za = zip_open(zip, ZIP_RDONLY, &err);
    if (!za)
        return NULL;
    zip_stat_t st;
    char *buf = NULL;
    zip_file_t *zf = NULL;
    if (zip_stat(za, member, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        (buf = malloc(st.size + 1)) && (zf = zip_fopen(za, member, 0)) &&
        zip_fread(zf, buf, st.size) == (zip_int64_t)st.size) {
        buf[st.size] = '\0';
    } else {
        free(buf);
        buf = NULL;
    }
    if (zf)
        zip_fclose(zf);
    zip_close(za);
    return buf;
}
