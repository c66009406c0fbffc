/*
 * test_hardening.c: what must hold whatever the input or the machine does:
 * the fuzzers' findings replayed, writes that fail (ENOSPC), allocations
 * that fail (every one in turn), the process killed while writing, and
 * inputs past the limits. The fault tests run the plain CLI with a preload
 * library (tests/fault/fault.c), which a sanitized binary cannot take.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>
#include <zip.h>

#include "helpers.h"

static const char *fault_lib(void)
{
    const char *v = getenv("AP_FAULT");
    return v && *v ? v : "build/libfault.so";
}

static const char *plain_bin(void)
{
    const char *v = getenv("AP_PLAIN_BIN");
    return v && *v ? v : "build/annoport";
}

/* Entries of dir whose name holds "annoport-tmp". */
static int temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, "annoport-tmp") != NULL;
    closedir(d);
    return n;
}

static void test_hardening_fuzz_replay(void)
{
    const char *targets[] = {"coco", "voc", "csv", "clarifai", "zip", "probe"};
    int files = 0;
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        char dir[256];
        snprintf(dir, sizeof dir, "tests/data/fuzz/%s", targets[t]);
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char args[1024], *err = NULL;
            int forced = strcmp(targets[t], "zip") && strcmp(targets[t], "probe");
            snprintf(args, sizeof args, "validate %s%s --geometry both '%s/%s'",
                     forced ? "--from " : "", forced ? targets[t] : "", dir, e->d_name);
            int rc = t_cli(args, NULL, &err);
            if (rc != 0 && rc != 64 && rc != 65 && rc != 66)
                fprintf(stderr, "\nreplay %s/%s: exit %d\n%s\n", dir, e->d_name, rc,
                        err ? err : "");
            CU_ASSERT(rc == 0 || rc == 64 || rc == 65 || rc == 66);
            free(err);
            files++;
        }
        if (d)
            closedir(d);
    }
    CU_ASSERT(files >= 2);
}

/* Writes that fail (ENOSPC), the Nth file of the temporary output opened on
 * /dev/full: 5 objects, 1 per request, so rejects.jsonl, 5 requests and the
 * manifest are opened, and each failing one fails the run with 74 and no
 * output left. */
static void test_hardening_write_fails_into_folder(void)
{
    const char *d = t_dir("hard_write");
    char cmd[2048], *err = NULL;
    for (int n = 1; n <= 7; n++) {
        snprintf(cmd, sizeof cmd, "ANNOPORT_FAIL_OPEN=%d LD_PRELOAD='%s' %s convert "
                 "samples/coco/instances.json -o '%s/out' --batch-size 1", n, fault_lib(),
                 plain_bin(), d);
        CU_ASSERT_EQUAL(t_sh(cmd, NULL, &err), 74);
        CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "No space left on device") : NULL);
        free(err);
        CU_ASSERT_FALSE(t_exists(t_path(d, "out")));
        CU_ASSERT_EQUAL(temporaries(d), 0);
    }
}

static void test_hardening_write_fails_into_zip(void)
{
    const char *d = t_dir("hard_write_zip");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "ANNOPORT_FAIL_OPEN=2 LD_PRELOAD='%s' %s convert "
             "samples/coco/instances.json -o '%s/out.zip'", fault_lib(), plain_bin(), d);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 74);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

/* A write that fails under --force leaves the existing output as it was. */
static void test_hardening_write_fails_keeps_existing_output(void)
{
    const char *d = t_dir("hard_write_existing");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s convert samples/voc -o '%s/out' --quiet", plain_bin(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    char *before = t_read(t_path(d, "out/manifest.json"), NULL);
    snprintf(cmd, sizeof cmd, "ANNOPORT_FAIL_OPEN=3 LD_PRELOAD='%s' %s convert "
             "samples/coco/instances.json -o '%s/out' --force --batch-size 1", fault_lib(),
             plain_bin(), d);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 74);
    char *after = t_read(t_path(d, "out/manifest.json"), NULL);
    T_ASSERT_STR(after, before ? before : "");
    free(before);
    free(after);
    CU_ASSERT_EQUAL(temporaries(d), 0);
}

/* The exit statuses a failed run may end with (the man page's EXIT STATUS;
 * SPEC section 5 lists all but 71, out of memory): 64 is for the command
 * line, which an allocation cannot make wrong. */
static int documented_failure(int rc)
{
    return rc == 65 || rc == 66 || rc == 71 || rc == 73 || rc == 74;
}

/* One conversion with its nth allocation failing, against the normal
 * run's standard output (want) and tree (ref); *rc gets its exit status.
 * Returns what is wrong with it (NULL: nothing), saying so when say is set,
 * and removes its output. */
static const char *failing_allocation(long n, const char *ref, const char *out,
                                      const char *want, int say, int *rc)
{
    char cmd[2048], *got = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "ANNOPORT_FAIL_ALLOC=%ld LD_PRELOAD='%s' %s convert "
             "samples/coco/instances.json -o '%s'", n, fault_lib(), plain_bin(), out);
    *rc = t_sh(cmd, &got, &err);
    int left = t_exists(out);
    const char *why = NULL;
    if (*rc == 0 && !left)
        why = "exit 0 and no output";
    else if (*rc == 0 && strcmp(t_str(got), want) != 0)
        why = "exit 0, standard output differs from a normal run's";
    else if (*rc == 0 && !t_same_tree(ref, out, say))
        why = "exit 0, the output tree differs from a normal run's";
    else if (*rc != 0 && !documented_failure(*rc))
        why = "an exit status the documentation does not give";
    else if (*rc != 0 && !strstr(t_str(err), "annoport: error: "))
        why = "failed without an error message";
    else if (*rc != 0 && left)
        why = "failed and left an output";
    if (why && say)
        fprintf(stderr, "\nallocation %ld failing: %s (exit %d, output %s)\n%s\n", n, why, *rc,
                left ? "left" : "none", t_str(err));
    free(got);
    free(err);
    if (left) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
        t_sh(cmd, NULL, NULL);
    }
    return why;
}

/* Every allocation of a conversion failed in turn (the Nth malloc, calloc
 * or realloc returns NULL). A run that fails says so, exits with a
 * documented status and leaves nothing behind; a run that gets past the
 * failure and exits 0 must have done exactly what a normal run does: the
 * same standard output and the same output tree, byte for byte. */
static void test_hardening_allocations_fail(void)
{
    const char *d = t_dir("hard_alloc");
    char cmd[2048], *err = NULL, *want = NULL, ref[1100], out[1100];
    snprintf(ref, sizeof ref, "%s/ref", d);
    snprintf(out, sizeof out, "%s/out", d);
    /* the normal run, into the same path the failing runs use (the summary
     * names it), counting its allocations; then set aside */
    snprintf(cmd, sizeof cmd, "ANNOPORT_COUNT_ALLOC=1 LD_PRELOAD='%s' %s convert "
             "samples/coco/instances.json -o '%s'", fault_lib(), plain_bin(), out);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, &want, &err), 0);
    const char *p = strstr(t_str(err), "allocations: ");
    long total = p ? atol(p + 13) : 0;
    free(err);
    CU_ASSERT_FATAL(total > 100);
    CU_ASSERT_FATAL(want && strstr(want, out));
    CU_ASSERT_EQUAL_FATAL(rename(out, ref), 0);
    long bad = 0, passed = 0, rs[64], re[64]; /* what went wrong, as ranges of n */
    int nr = 0;
    for (long n = 1; n <= total + 5; n++) {
        int rc;
        const char *why = failing_allocation(n, ref, out, want, bad < 5, &rc);
        passed += rc == 0;
        bad += why != NULL;
        if (why && nr && re[nr - 1] == n - 1)
            re[nr - 1] = n;
        else if (why && nr < 64)
            rs[nr] = re[nr] = n, nr++;
    }
    if (bad) {
        fprintf(stderr, "\nallocations failing: %ld of %ld runs wrong (%ld exited 0); wrong "
                "at", bad, total + 5, passed);
        for (int i = 0; i < nr; i++)
            fprintf(stderr, " %ld-%ld", rs[i], re[i]);
        fprintf(stderr, "\n");
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(passed < total + 5); /* the loop did fail runs, */
    CU_ASSERT(passed >= 5);        /* and the allocations past the last were harmless */
    CU_ASSERT_EQUAL(temporaries(d), 0);
    free(want);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static pid_t spawn(const char *in, const char *out)
{
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(plain_bin(), plain_bin(), "convert", in, "-o", out, "--batch-size", "4",
              "--force", "--quiet", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void test_hardening_killed_while_writing(void)
{
    const char *d = t_dir("hard_kill");
    char in[1024], out[1024], cmd[2048];
    snprintf(in, sizeof in, "%s/in.json", d);
    snprintf(out, sizeof out, "%s/out", d);
    snprintf(cmd, sizeof cmd, "%s '%s/tools/gen_dataset.py' --images 1500 --seed 2 --quiet "
             "--out '%s'", t_python(), t_shared(), in);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    double t0 = now();
    int st = 0;
    waitpid(spawn(in, out), &st, 0);
    double full = now() - t0;
    CU_ASSERT_FATAL(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* 24 kills spread over a run's length, each over an existing output
     * (SPEC section 5: an interrupted run leaves it untouched, or has
     * already replaced it with its own whole one) */
    int absent = 0;
    for (int k = 0; k < 24; k++) {
        pid_t pid = spawn(in, out);
        /* whole seconds apart: a run longer than one would otherwise make
         * tv_nsec invalid, nanosleep refuse, and the kill come at once */
        double at = full * (k + 0.5) / 24;
        struct timespec delay = {(time_t)at, (long)((at - (double)(time_t)at) * 1e9)};
        nanosleep(&delay, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        if (t_exists(out)) { /* an output in place is a whole one */
            CU_ASSERT_TRUE(t_exists(t_path(out, "manifest.json")));
            CU_ASSERT_EQUAL(t_check(out, NULL), 0);
        } else { /* killed between setting the old one aside and the rename */
            absent++;
            fprintf(stderr, "\nkill %d of 24 left no output in place\n", k + 1);
        }
    }
    CU_ASSERT_EQUAL(absent, 0);
    /* the next run finishes and clears what the killed ones left */
    waitpid(spawn(in, out), &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    CU_ASSERT_EQUAL(temporaries(d), 0);
}

/* A CSV field of 3 MB past a 1 MB limit. */
static void test_hardening_limit_csv_field(void)
{
    const char *d = t_dir("hard_limit_csv");
    char cmd[2048], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s -c \"import sys; sys.stdout.write('filename,width,height,class,"
             "xmin,ymin,xmax,ymax\\na.jpg,10,10,' + 'x' * 3000000 + ',1,1,2,2\\n')\" > '%s/f.csv'",
             t_python(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "validate '%s/f.csv' --max-record 1M", d);
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "f.csv:2: a field larger than 1048576") : NULL);
    free(err);
}

/* A JSON element of 3 MB past a 1 MB limit. */
static void test_hardening_limit_json_element(void)
{
    const char *d = t_dir("hard_limit_json");
    char cmd[2048], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s -c \"import sys; sys.stdout.write('{\\\"images\\\":[],"
             "\\\"categories\\\":[],\\\"annotations\\\":[{\\\"x\\\":\\\"' + 'y' * 3000000 + "
             "'\\\"}]}')\" > '%s/big.json'", t_python(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "validate '%s/big.json' --max-record 1M", d);
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "larger than 1048576 bytes") : NULL);
    free(err);
}

/* JSON nested 100,000 deep. */
static void test_hardening_limit_json_depth(void)
{
    const char *d = t_dir("hard_limit_deep");
    char cmd[2048], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s -c \"print('{\\\"images\\\":[],\\\"categories\\\":[],"
             "\\\"annotations\\\":[' + '[' * 100000 + ']' * 100000 + ']}')\" > '%s/deep.json'",
             t_python(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "validate '%s/deep.json'", d);
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "deep.json:1:") : NULL);
    free(err);
}

/* A zip member that inflates to 64 MiB of white space inside a COCO file:
 * read through the window, never held. */
static void test_hardening_zip_bomb(void)
{
    const char *d = t_dir("hard_bomb");
    char zp[1024];
    snprintf(zp, sizeof zp, "%s/bomb.zip", d);
    size_t n = (size_t)64 << 20;
    const char *head = "{\"images\":[],", *tail = "\"annotations\":[],\"categories\":[]}";
    size_t hl = strlen(head), tl = strlen(tail);
    char *buf = malloc(hl + n + tl + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    memcpy(buf, head, hl);
    memset(buf + hl, ' ', n);
    memcpy(buf + hl + n, tail, tl + 1);
    int err = 0;
    zip_t *za = zip_open(zp, ZIP_CREATE | ZIP_TRUNCATE, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(za);
    zip_source_t *s = zip_source_buffer(za, buf, hl + n + tl, 0);
    CU_ASSERT(zip_file_add(za, "big.json", s, 0) >= 0);
    CU_ASSERT_EQUAL(zip_close(za), 0);
    free(buf);
    /* the peak memory of the CLI alone: started from a small Python, not
     * forked from this (large) test process, whose pages would count */
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s -c 'import resource, subprocess, sys; "
             "r = subprocess.run(sys.argv[1:]).returncode; "
             "print(r, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "
             "%s validate --from coco '%s' --quiet", t_python(), t_bin(), zp);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, &out, NULL), 0);
    int rc = -1;
    long kb = 1L << 30;
    CU_ASSERT_EQUAL(out ? sscanf(out, "%d %ld", &rc, &kb) : 0, 2);
    free(out);
    CU_ASSERT_EQUAL(rc, 0);
    /* far below the 64 MiB it inflates to (ASan's own runtime included) */
    CU_ASSERT(kb < 48 * 1024);
}

CU_TestInfo hardening_tests[] = {
    {"test_hardening_zip_bomb", test_hardening_zip_bomb},
    {"test_hardening_fuzz_replay", test_hardening_fuzz_replay},
    {"test_hardening_write_fails_into_folder", test_hardening_write_fails_into_folder},
    {"test_hardening_write_fails_into_zip", test_hardening_write_fails_into_zip},
    {"test_hardening_write_fails_keeps_existing_output",
     test_hardening_write_fails_keeps_existing_output},
    {"test_hardening_allocations_fail", test_hardening_allocations_fail},
    {"test_hardening_killed_while_writing", test_hardening_killed_while_writing},
    {"test_hardening_limit_csv_field", test_hardening_limit_csv_field},
    {"test_hardening_limit_json_element", test_hardening_limit_json_element},
    {"test_hardening_limit_json_depth", test_hardening_limit_json_depth},
    CU_TEST_INFO_NULL,
};
