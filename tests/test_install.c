/*
 * test_install.c: make install into a staging folder, then the README's
 * library example built against it with pkg-config and run on a sample;
 * the man page and --help name the same options, and groff reads the man
 * page without a warning.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static void test_install_library_example(void)
{
    char full[PATH_MAX], d[1024];
    if (!realpath(t_dir("install"), full)) /* absolute: the build runs in it */
        CU_FAIL_FATAL("no install folder");
    snprintf(d, sizeof d, "%.1000s", full);
    char cmd[8192], *out = NULL, *err = NULL;
    snprintf(cmd, sizeof cmd, "make -s install DESTDIR='%s/root' PREFIX=/usr >/dev/null", d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, &err), 0);
    free(err);
    const char *files[] = {"usr/bin/annoport", "usr/lib/libannoport.a",
                           "usr/lib/pkgconfig/annoport.pc", "usr/include/annoport/run.h",
                           "usr/share/man/man1/annoport.1",
                           "usr/share/bash-completion/completions/annoport"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[2200];
        snprintf(p, sizeof p, "%s/root/%s", d, files[i]);
        CU_ASSERT_TRUE(t_exists(p));
    }
    /* the example, exactly as the README shows it */
    char *readme = t_read("README.md", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(readme);
    char *mark = strstr(readme, "<!-- library example");
    char *start = mark ? strstr(mark, "```c\n") : NULL;
    char *end = start ? strstr(start + 5, "\n```") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(end);
    end[1] = '\0';
    t_write(t_path(d, "example.c"), start + 5);
    free(readme);
    snprintf(cmd, sizeof cmd, "cd '%s' && PKG_CONFIG_PATH='%s/root/usr/lib/pkgconfig' "
             "PKG_CONFIG_SYSROOT_DIR='%s/root' cc -std=c11 -Wall -Wextra -Werror example.c "
             "$(PKG_CONFIG_PATH='%s/root/usr/lib/pkgconfig' PKG_CONFIG_SYSROOT_DIR='%s/root' "
             "pkg-config --static --cflags --libs annoport) -o example", d, d, d, d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, &err), 0);
    free(err);
    snprintf(cmd, sizeof cmd, "'%s/example' samples/coco/instances.json '%s/out'", d, d);
    CU_ASSERT_EQUAL(t_sh(cmd, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "kitchen_0001 cup 0.1562 0.2500 0.2352 0.3333\n")
                               : NULL);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "5 annotations, 1 requests\n") : NULL);
    free(out);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out"), NULL), 0);
    /* and uninstall takes it all away */
    snprintf(cmd, sizeof cmd, "make -s uninstall DESTDIR='%s/root' PREFIX=/usr >/dev/null && "
             "find '%s/root' -type f | wc -l", d, d);
    CU_ASSERT_EQUAL(t_sh(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "0\n");
    free(out);
}

/* Every "--name" in text, as " --name " entries of a list. */
static void options_in(const char *text, char *list, size_t size, int roff)
{
    list[0] = '\0';
    const char *dash = roff ? "\\-\\-" : "--";
    size_t dl = strlen(dash);
    for (const char *p = strstr(text, dash); p; p = strstr(p + dl, dash)) {
        char name[64];
        size_t n = 0;
        const char *q = p + dl;
        while (n + 1 < sizeof name) {
            if (roff && q[0] == '\\' && q[1] == '-') {
                name[n++] = '-';
                q += 2;
            } else if ((*q >= 'a' && *q <= 'z') || (*q == '-' && !roff)) {
                name[n++] = *q++;
            } else {
                break;
            }
        }
        name[n] = '\0';
        if (n < 2)
            continue;
        char entry[80];
        snprintf(entry, sizeof entry, " --%s ", name);
        if (!strstr(list, entry) && strlen(list) + strlen(entry) < size)
            strcat(list, entry);
    }
}

/* Every option of every --help is in the man page, and the other way. */
static void test_install_man_page_and_help(void)
{
    char *man = t_read("src/annoport.1", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(man);
    static char from_man[8192], from_help[8192];
    options_in(man, from_man, sizeof from_man, 1);
    free(man);
    const char *cmds[] = {"convert", "validate", "stats", "diff", "send"};
    from_help[0] = '\0';
    for (int i = 0; i < 5; i++) {
        char args[64], *out = NULL, one[8192];
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
        options_in(out ? out : "", one, sizeof one, 0);
        free(out);
        for (char *p = strstr(one, " --"); p; p = strstr(p + 1, " --")) {
            char entry[80];
            size_t n = strcspn(p + 1, " ");
            snprintf(entry, sizeof entry, " %.*s ", (int)n, p + 1);
            if (!strstr(from_help, entry))
                strcat(from_help, entry);
        }
    }
    int missing = 0;
    for (char *p = strstr(from_help, " --"); p; p = strstr(p + 1, " --")) {
        char entry[80];
        size_t n = strcspn(p + 1, " ");
        snprintf(entry, sizeof entry, " %.*s ", (int)n, p + 1);
        if (!strstr(from_man, entry) && missing++ < 10)
            fprintf(stderr, "\n%s is in --help but not in annoport.1\n", entry);
    }
    for (char *p = strstr(from_man, " --"); p; p = strstr(p + 1, " --")) {
        char entry[80];
        size_t n = strcspn(p + 1, " ");
        snprintf(entry, sizeof entry, " %.*s ", (int)n, p + 1);
        if (!strstr(from_help, entry) && missing++ < 10)
            fprintf(stderr, "\n%s is in annoport.1 but in no --help\n", entry);
    }
    CU_ASSERT_EQUAL(missing, 0);
    CU_ASSERT(strlen(from_help) > 400); /* the lists are not empty */
}

/* groff reads the man page without a warning */
static void test_install_man_page_reads_cleanly(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(t_sh("groff -man -ww -z src/annoport.1", NULL, &err), 0);
    T_ASSERT_STR(err, "");
    free(err);
}

/* make run fails when the checker fails (its status is not lost in a pipe). */
static void test_install_make_run_fails_with_its_check(void)
{
    /* each variant of the suites makes its own run output */
    const char *d = t_dir("install_run");
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof cmd, "make -s --no-print-directory run PYTHON=false RUN_OUT='%s/out' "
             "2>&1", d);
    CU_ASSERT_EQUAL(t_sh(cmd, &out, NULL), 2);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "make run: check_requests.py failed (exit 1)")
                               : NULL);
    free(out);
    snprintf(cmd, sizeof cmd, "make -s --no-print-directory run RUN_OUT='%s/out' 2>&1 | "
             "tail -n 1", d);
    CU_ASSERT_EQUAL(t_sh(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "3 files checked, 0 problems\n");
    free(out);
}

/* make test without the shared folder says so first, and how to point to it. */
static void test_install_make_test_without_shared(void)
{
    char *err = NULL, *out = NULL;
    CU_ASSERT_EQUAL(t_sh("make -s --no-print-directory test SHARED=/nonexistent/shared", &out,
                         &err), 2);
    T_ASSERT_STR(out, "");
    /* the whole message first (make's own line about the failed target follows) */
    const char *want = "annoport: the tests need the shared folder (with tools/ and corpus/), "
                       "and '/nonexistent/shared' is not one; point to it with: make test "
                       "SHARED=/path/to/shared\n";
    CU_ASSERT_EQUAL(strncmp(t_str(err), want, strlen(want)), 0);
    free(err);
    free(out);
}

CU_TestInfo install_tests[] = {
    {"test_install_make_run_fails_with_its_check", test_install_make_run_fails_with_its_check},
    {"test_install_make_test_without_shared", test_install_make_test_without_shared},
    {"test_install_library_example", test_install_library_example},
    {"test_install_man_page_and_help", test_install_man_page_and_help},
    {"test_install_man_page_reads_cleanly", test_install_man_page_reads_cleanly},
    CU_TEST_INFO_NULL,
};
