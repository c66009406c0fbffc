/*
 * helpers.h: what the suites share: temporary folders, files, running the
 * built CLI and the shared checker, and running a job through the library.
 */
#ifndef ANNOPORT_TEST_HELPERS_H
#define ANNOPORT_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>
#include <cJSON.h>

#include <annoport/annoport.h>
#include <annoport/format.h>
#include <annoport/run.h>

/* Environment set by the Makefile (with defaults for a run by hand). */
const char *t_bin(void);     /* the CLI under test */
const char *t_shared(void);  /* ../shared */
const char *t_python(void);

/* A fresh empty folder under the test tmp root; the string is static
 * storage valid until the next call with the same slot. */
const char *t_dir(const char *name);
/* path = dir/name, in a static ring of 64 buffers: copy it to keep it. */
const char *t_path(const char *dir, const char *name);

void t_write(const char *path, const char *text);
/* 1 when two files hold the same bytes (says which differ otherwise). */
int t_same_file(const char *a, const char *b);
/* 1 when two folders hold the same names, each file with the same bytes
 * (and, when say is set, says what differs otherwise). */
int t_same_tree(const char *a, const char *b, int say);
/* Whole file into a new string (NULL when it cannot be read); *len set. */
char *t_read(const char *path, size_t *len);
/* A member of a zip archive, NUL-terminated (libzip; no unzip command);
 * NULL when it cannot be read. */
char *t_zip_text(const char *zip, const char *member);
int t_exists(const char *path);
/* Number of entries in a folder (-1 if it is not one). */
int t_count_entries(const char *dir);

/* Runs a shell command; returns its exit status; stdout and stderr are
 * captured into *out and *err when given (free them). */
int t_sh(const char *cmd, char **out, char **err);
/* Runs a shell command with its standard error on a pseudo-terminal (a
 * terminal to the program), standard output to /dev/null; *tty gets what it
 * wrote there. Returns the exit status. */
int t_sh_tty(const char *cmd, char **tty);
/* Runs the CLI with args (a shell-quoted string). */
int t_cli(const char *args, char **out, char **err);
/* Runs check_requests.py on an output; returns its status, and puts its
 * last line in *summary when given. */
int t_check(const char *output, char **summary);

/* A context with defaults and no output on the terminal. */
ap_context *t_ctx(void);
/* Parses a JSON file (NULL on failure). */
cJSON *t_json(const char *path);
/* The number of annotations in a request file. */
int t_request_count(const char *path);

/* Writes a COCO file with n annotations (boxes on 640x480 images, one
 * image per 10 annotations, category ids 5 and 9). */
void t_write_coco(const char *path, int n);

/* String equality that survives a NULL actual value. */
static inline const char *t_str(const char *s) { return s ? s : "(null)"; }
#define T_ASSERT_STR(a, b) CU_ASSERT_STRING_EQUAL(t_str(a), (b))

#endif

/* Annotations caught by a writer of the tests' own (ap_run_with_writer). */
typedef struct {
    char input[128], concept[64], name[128], pose[32], src_id[64], region_id[64];
    int kind;
    ap_box box;
    double value;
    int difficult, truncated, occluded;
    uint64_t line;
    size_t npoints;
} t_ann;

typedef struct {
    t_ann *v;
    size_t n, cap;
} t_capture;

int t_capture_run(ap_context *ctx, const char *const *inputs, size_t n, t_capture *cap);
void t_capture_free(t_capture *cap);
