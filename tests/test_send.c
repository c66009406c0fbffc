/*
 * test_send.c: annoport send against tests/server/fake_api.py on 127.0.0.1
 * (never any other address). A generated dataset (polygons and boxes, ids
 * by hash, post-inputs bodies added by send_fixture.py) is sent under each
 * fault schedule, and the server's state must equal the dataset: every
 * input and annotation created once, no duplicates, each refused item in
 * the failures file with its code. Then SIGKILL at random points and
 * --resume, a diff plan, a refused token, and the token in no file and no
 * output. Timeouts are short and the datasets small: the suite runs in
 * well under two minutes.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define TOKEN "pat-s3nd-7f3a9c1e5b"

static char data_dir[1024];

/* The CLI by an absolute path (the commands below change folder). */
static const char *abs_bin(void)
{
    static char path[4096];
    if (!path[0] && !realpath(t_bin(), path))
        snprintf(path, sizeof path, "%s", t_bin());
    return path;
}

/* A dataset, made once: IMAGES generated images (boxes and polygons) and
 * two image-level labels on every third image (a CSV beside the COCO
 * file), BATCH annotations a request, with the bodies that create the
 * inputs (--create-inputs, by URL, in dataset "train"). IDS: annotation ids
 * by hash (the labels are then annotations too), else none (the labels go
 * on the inputs). Its output's path. */
static const char *dataset(const char *name, int images, int batch, int ids)
{
    static struct {
        char name[32], path[1200];
    } made[6];
    size_t k = 0;
    while (k < 6 && made[k].name[0] && strcmp(made[k].name, name))
        k++;
    CU_ASSERT_FATAL(k < 6);
    if (made[k].name[0])
        return made[k].path;
    if (!data_dir[0] && !realpath(t_dir("send-data"), data_dir))
        CU_FAIL_FATAL("no data folder");
    char cmd[4096], shared[1024];
    if (!realpath(t_shared(), shared))
        CU_FAIL_FATAL("no shared folder");
    snprintf(cmd, sizeof cmd,
             "cd '%s' && %s '%s/tools/gen_dataset.py' --images %d -o %s.json -q && "
             "%s -c \"import json\n"
             "c=json.load(open('%s.json'))\n"
             "f=open('%s-labels.csv','w')\nf.write('image,label\\n')\n"
             "for i in c['images'][::3]:\n"
             "    f.write(i['file_name']+',outdoor scene\\n'+i['file_name']+',ночь\\n')\n\" && "
             "'%s' convert %s.json %s-labels.csv -o %s --geometry both --batch-size %d %s "
             "--create-inputs url:http://127.0.0.1:9/images/ --dataset-id train --quiet",
             data_dir, t_python(), shared, images, name, t_python(), name, name, abs_bin(),
             name, name, name, batch, ids ? "--annotation-ids hash" : "");
    char *err = NULL;
    int rc = t_sh(cmd, NULL, &err);
    if (rc)
        fprintf(stderr, "\n%s\n%s", cmd, err ? err : "");
    free(err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    snprintf(made[k].name, sizeof made[k].name, "%s", name);
    snprintf(made[k].path, sizeof made[k].path, "%s/%s", data_dir, name);
    return made[k].path;
}

/* A fresh copy of an output to send. */
static const char *copy_of(const char *src, const char *dir)
{
    static char out[1024];
    char cmd[2560];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", out, src, out);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
    return out;
}

typedef struct {
    int port;
    pid_t pid;
    char dir[1024];
} server;

/* Starts fake_api.py on 127.0.0.1 (the token from its environment). */
static void srv_start(server *s, const char *dir)
{
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -f '%s/port'; FAKE_API_TOKEN='" TOKEN "' %s "
             "tests/server/fake_api.py --port 0 --port-file '%s/port' --idle-timeout 60 "
             ">'%s/server.log' 2>&1 & echo $!", dir, t_python(), dir, dir);
    char *out = NULL;
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, &out, NULL), 0);
    s->pid = (pid_t)atoi(out);
    free(out);
    s->port = 0;
    for (int i = 0; i < 400 && !s->port; i++) {
        char *p = t_read(t_path(dir, "port"), NULL);
        if (p)
            s->port = atoi(p);
        free(p);
        if (!s->port)
            usleep(25000);
    }
    CU_ASSERT_FATAL(s->port > 0);
}

static void srv_stop(server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        usleep(1000);
    }
    s->pid = 0;
}

/* Forgets the app's state; sched: the new fault schedule (JSON). */
static void srv_reset(server *s, const char *sched)
{
    char cmd[4096];
    t_write(t_path(s->dir, "sched.json"), sched);
    snprintf(cmd, sizeof cmd, "%s tests/server/send_fixture.py reset %d '%s/sched.json'",
             t_python(), s->port, s->dir);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
}

static cJSON *srv_state(server *s)
{
    char cmd[512], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s tests/server/send_fixture.py state %d", t_python(),
             s->port);
    if (t_sh(cmd, &out, NULL) != 0) {
        free(out);
        return NULL;
    }
    cJSON *j = cJSON_Parse(out);
    free(out);
    return j;
}

/* annoport send OUTPUT with args; the output and error land in out/err
 * (and, whole, in the folder's log, for the token check). */
static int send(server *s, const char *output, const char *args, char **out, char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "CLARIFAI_PAT='" TOKEN "' '%s' send '%s' --user-app-id u/app "
             "--api-base http://127.0.0.1:%d --no-progress %s", t_bin(), output, s->port, args);
    char *o = NULL, *e = NULL;
    int rc = t_sh(cmd, &o, &e);
    CU_ASSERT(!o || !strstr(o, TOKEN));
    CU_ASSERT(!e || !strstr(e, TOKEN));
    if (rc != 0 && rc != 65 && e)
        fprintf(stderr, "\n[send %s: exit %d] %s", args, rc, e);
    if (out)
        *out = o;
    else
        free(o);
    if (err)
        *err = e;
    else
        free(e);
    return rc;
}

/* send_fixture.py check: the state equals the output's posts. */
static int check(server *s, const char *output, const char *refused)
{
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s tests/server/send_fixture.py check '%s' %d %s", t_python(),
             output, s->port, refused);
    int rc = t_sh(cmd, &out, NULL);
    if (rc)
        fprintf(stderr, "\n%s: %s", output, out ? out : "");
    free(out);
    return rc;
}

/* The token in no file under dir. */
static void no_token_in(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "grep -rl '" TOKEN "' '%s'", dir);
    CU_ASSERT_NOT_EQUAL(t_sh(cmd, NULL, NULL), 0);
}

static void test_send_clean_dry_run_and_resume(void)
{
    const char *d = t_dir("send-clean");
    server s;
    srv_start(&s, d);
    const char *out = copy_of(dataset("g1200", 1200, 128, 0), d);
    char *o = NULL;
    CU_ASSERT_EQUAL(send(&s, out, "--dry-run", &o, NULL), 0);
    CU_ASSERT(o && strstr(o, "POST   /v2/users/USER/apps/APP/inputs"));
    free(o);
    cJSON *st = srv_state(&s);
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
        st, "counters"), "requests"), "post_inputs"));
    cJSON_Delete(st);
    CU_ASSERT_FALSE(t_exists(t_path(out, "send-journal.jsonl")));
    /* the labels ride on the inputs: two concepts on every third input */
    char *body = t_read(t_path(out, "requests/post-inputs-000001.json"), NULL);
    CU_ASSERT(body && strstr(body, "\"concepts\":[{\"id\":\"outdoor-scene\",\"name\":"
                                   "\"outdoor scene\",\"value\":1},"));
    CU_ASSERT(body && strstr(body, "\"dataset_ids\":[\"train\"]"));
    free(body);
    char *e = NULL;
    CU_ASSERT_EQUAL(send(&s, out, "--json --jobs 4", &o, &e), 0);
    /* bodies without annotation ids: warned before anything is sent */
    CU_ASSERT(e && strstr(e, "annoport: warning: 142 post bodies carry annotations without ids"));
    free(e);
    cJSON *j = o ? cJSON_Parse(o) : NULL;
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
    CU_ASSERT(cJSON_GetObjectItem(j, "succeeded") &&
              cJSON_GetObjectItem(j, "succeeded")->valuedouble ==
                  cJSON_GetObjectItem(j, "items")->valuedouble);
    cJSON_Delete(j);
    free(o);
    CU_ASSERT_EQUAL(check(&s, out, ""), 0);
    /* again: a journal exists, so only --resume, which sends nothing */
    CU_ASSERT_EQUAL(send(&s, out, "", NULL, NULL), 64);
    CU_ASSERT_EQUAL(send(&s, out, "--resume --json", &o, NULL), 0);
    j = o ? cJSON_Parse(o) : NULL;
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "requests") ?
                    cJSON_GetObjectItem(j, "requests")->valueint : -1, 0);
    cJSON_Delete(j);
    free(o);
    CU_ASSERT_EQUAL(check(&s, out, ""), 0);
    no_token_in(d);
    srv_stop(&s);
}

/* Each schedule, on a fresh app: the state equals the dataset. */
static void test_send_fault_schedules(void)
{
    static const struct {
        const char *what, *sched, *args, *refused;
        int rc;
    } tab[] = {
        {"429 with Retry-After",
         "{\"rules\":[{\"kind\":\"post_annotations\",\"nth\":[2,5],\"action\":\"http_error\","
         "\"status\":429,\"retry_after\":1},{\"kind\":\"post_inputs\",\"nth\":1,\"action\":"
         "\"http_error\",\"status\":429,\"retry_after\":1}]}", "", "", 0},
        {"500 and 503",
         "{\"rules\":[{\"kind\":\"post_annotations\",\"nth\":[2,7],\"action\":\"http_error\","
         "\"status\":503},{\"kind\":\"post_annotations\",\"nth\":[3,4],\"action\":"
         "\"http_error\",\"status\":500},{\"kind\":\"get_inputs_add_job\",\"nth\":1,\"action\":"
         "\"http_error\",\"status\":503,\"body\":\"empty\"}]}", "", "", 0},
        {"closed before and after applying",
         "{\"rules\":[{\"kind\":\"post_annotations\",\"nth\":[2,8],\"action\":\"close_before\"},"
         "{\"kind\":\"post_annotations\",\"nth\":[4,11],\"action\":\"close_after\"},"
         "{\"kind\":\"post_inputs\",\"nth\":1,\"action\":\"close_after\",\"reset\":true}]}",
         "", "", 0},
        {"slow past the timeout",
         "{\"rules\":[{\"kind\":\"post_annotations\",\"nth\":2,\"action\":\"slow\",\"delay\":2.5},"
         "{\"kind\":\"post_annotations\",\"nth\":5,\"action\":\"slow\",\"delay\":2.5,\"apply\":"
         "\"before\"}]}", "--timeout 1", "", 0},
        {"MIXED_STATUS, retryable and permanent",
         "{\"seed\":4,\"rules\":[{\"kind\":\"post_annotations\",\"nth\":[2,6],\"action\":"
         "\"mixed\",\"fraction\":0.3,\"code\":98004},{\"kind\":\"post_annotations\",\"nth\":3,"
         "\"action\":\"mixed\",\"items\":[0,5,9],\"code\":24155,\"description\":\"bad\"},"
         "{\"kind\":\"post_inputs\",\"nth\":1,\"action\":\"mixed\",\"items\":[1],\"code\":11005}]}",
         "", "--refused 24155", 65},
        {"inputs pending for a while",
         "{\"rules\":[{\"kind\":\"post_inputs\",\"action\":\"pending\",\"polls\":3}]}", "", "", 0},
        {"inputs whose download fails",
         "{\"rules\":[{\"kind\":\"post_inputs\",\"action\":\"download_fail\",\"items\":"
         "[2,7]}]}", "", "--refused 30002", 65},
    };
    const char *d = t_dir("send-faults");
    server s;
    srv_start(&s, d);
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        srv_reset(&s, tab[i].sched);
        const char *out = copy_of(dataset("g40", 40, 32, 1), d);
        char args[256];
        snprintf(args, sizeof args, "--max-retries 4 %s", tab[i].args);
        int rc = send(&s, out, args, NULL, NULL);
        if (rc != tab[i].rc)
            fprintf(stderr, "\n%s: exit %d, not %d\n", tab[i].what, rc, tab[i].rc);
        CU_ASSERT_EQUAL(rc, tab[i].rc);
        int bad = check(&s, out, tab[i].refused);
        if (bad)
            fprintf(stderr, "\n%s: the app is not the dataset\n", tab[i].what);
        CU_ASSERT_EQUAL(bad, 0);
        cJSON *st = srv_state(&s);
        cJSON *rules = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "schedule"), "rules"), *r;
        cJSON_ArrayForEach(r, rules) /* every fault happened */
            CU_ASSERT(cJSON_GetObjectItem(r, "fired")->valueint > 0);
        cJSON_Delete(st);
    }
    no_token_in(d);
    srv_stop(&s);
}

/* 401 part-way: exit 77 at once, nothing more sent. */
static void test_send_token_refused(void)
{
    const char *d = t_dir("send-401");
    server s;
    srv_start(&s, d);
    srv_reset(&s, "{\"rules\":[{\"kind\":\"post_annotations\",\"nth\":3,\"action\":\"revoke\"}]}");
    const char *out = copy_of(dataset("g40", 40, 32, 1), d);
    char *e = NULL;
    CU_ASSERT_EQUAL(send(&s, out, "--jobs 2", NULL, &e), 77);
    CU_ASSERT(e && strstr(e, "refused the token"));
    free(e);
    cJSON *st = srv_state(&s);
    /* answered 401: the revoking request and those already in flight */
    cJSON *r401 = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
        st, "counters"), "responses"), "post_annotations"), "401");
    int after = r401 ? r401->valueint : 0;
    if (after < 1 || after > 3)
        fprintf(stderr, "\n%d requests refused after the revoke\n", after);
    CU_ASSERT(after >= 1 && after <= 2); /* --jobs 2 */
    cJSON_Delete(st);
    /* a wrong token: 77 before anything is applied */
    srv_reset(&s, "[]");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -f '%s/send-journal.jsonl'; CLARIFAI_PAT=wrong '%s' send '%s' "
             "--user-app-id u/app --api-base http://127.0.0.1:%d", out, t_bin(), out, s.port);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 77);
    /* no token: usage; https only elsewhere than loopback */
    snprintf(cmd, sizeof cmd, "env -u CLARIFAI_PAT '%s' send '%s' --dry-run", t_bin(), out);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 64);
    snprintf(cmd, sizeof cmd, "CLARIFAI_PAT=x '%s' send '%s' --api-base http://127.0.0.1.invalid "
             "--dry-run", t_bin(), out);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 64);
    no_token_in(d);
    srv_stop(&s);
}

/* SIGKILL at random points, then --resume: the same final state, nothing
 * applied twice (the server counts every creation of every id). */
static void test_send_kill_and_resume(void)
{
    const char *d = t_dir("send-kill");
    server s;
    srv_start(&s, d);
    unsigned seed = 17;
    int trials = 20;
    for (int t = 0; t < trials; t++) {
        srv_reset(&s, "{\"seed\":1,\"rules\":[{\"kind\":\"post_annotations\",\"probability\":0.1,"
                      "\"action\":\"close_after\"}]}");
        const char *out = copy_of(dataset("g20", 20, 32, 1), d);
        int kills = 1 + rand_r(&seed) % 2;
        for (int k = 0; k < kills; k++) {
            char cmd[4096];
            int ms = 20 + rand_r(&seed) % 500;
            snprintf(cmd, sizeof cmd, "CLARIFAI_PAT='" TOKEN "' '%s' send '%s' --user-app-id u/app "
                     "--api-base http://127.0.0.1:%d --no-progress --quiet %s >/dev/null 2>&1 & "
                     "p=$!; sleep %d.%03d; kill -9 $p 2>/dev/null; wait $p; true",
                     t_bin(), out, s.port, k ? "--resume" : "", ms / 1000, ms % 1000);
            t_sh(cmd, NULL, NULL);
        }
        int rc = send(&s, out, "--resume --quiet", NULL, NULL);
        CU_ASSERT_EQUAL(rc, 0);
        int bad = check(&s, out, "");
        if (bad || rc)
            fprintf(stderr, "\nkill trial %d (seed 17): exit %d\n", t, rc);
        CU_ASSERT_EQUAL(bad, 0);
    }
    no_token_in(d);
    srv_stop(&s);
}

/* A diff plan sent: the app ends equal to DESIRED. */
static void test_send_diff_plan(void)
{
    const char *d = t_dir("send-plan");
    server s;
    srv_start(&s, d);
    srv_reset(&s, "[]");
    const char *out = copy_of(dataset("g40", 40, 32, 1), d);
    CU_ASSERT_EQUAL_FATAL(send(&s, out, "", NULL, NULL), 0);
    /* CURRENT: the app as exported; DESIRED: the dataset edited */
    char cmd[4096], cwd[1024];
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
    snprintf(cmd, sizeof cmd,
             "cd '%s' && %s '%s/tests/server/send_fixture.py' state %d | %s -c \"import json,sys\n"
             "st=json.load(sys.stdin)\n"
             "json.dump({'annotations':[a for a in st['annotations'] if not a.get('input_level')]},"
             "open('current.json','w'))\" && %s -c \"import json\n"
             "c=json.load(open('%s/g40.json'))\n"
             "c['annotations']=[a for i,a in enumerate(c['annotations']) if i%%3]\n"
             "for a in c['annotations'][::4]:\n"
             "    a['bbox'][0]+=3; a.pop('segmentation',None)\n"
             "json.dump(c,open('desired.json','w'))\" && "
             "'%s' diff current.json desired.json -o plan --geometry both --quiet && "
             "'%s' convert desired.json -o want --geometry both --quiet",
             d, t_python(), cwd, s.port, t_python(), t_python(), data_dir, abs_bin(), abs_bin());
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    CU_ASSERT_EQUAL(send(&s, t_path(d, "plan"), "", NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "%s tests/server/send_fixture.py check-plan '%s/want' %d",
             t_python(), d, s.port);
    char *o = NULL;
    int rc = t_sh(cmd, &o, NULL);
    if (rc)
        fprintf(stderr, "\n%s", o ? o : "");
    free(o);
    CU_ASSERT_EQUAL(rc, 0);
    no_token_in(d);
    srv_stop(&s);
}

CU_TestInfo send_tests[] = {
    {"a clean send, --dry-run, --resume with nothing left", test_send_clean_dry_run_and_resume},
    {"each fault schedule: the app equals the dataset", test_send_fault_schedules},
    {"a refused token: exit 77, nothing more sent", test_send_token_refused},
    {"SIGKILL at random points, then --resume", test_send_kill_and_resume},
    {"a diff plan sent: the app equals DESIRED", test_send_diff_plan},
    CU_TEST_INFO_NULL,
};
