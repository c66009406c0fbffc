/*
 * main.c: the command line. Parses options into an ap_context, runs the
 * job through the library, prints the summary, and maps the error code to
 * the exit status. The only file that prints or exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <annoport/annoport.h>
#include <annoport/format.h>
#include <annoport/run.h>

#include "send.h"

#include <cJSON.h>
#include <csv.h>
#include <libxml/xmlversion.h>
#include <libxml/parser.h>
#include <zip.h>

/* Commands an option belongs to. */
/* C_ALL: the commands that read datasets (send reads an output). */
enum { C_CONVERT = 1, C_VALIDATE = 2, C_STATS = 4, C_DIFF = 8, C_ALL = 15, C_READ = 15,
       C_SEND = 16 };

enum {
    OPT_FROM = 256, OPT_TO, OPT_BATCH, OPT_EMBED, OPT_USER_APP, OPT_ANN_USER, OPT_STATUS,
    OPT_GEOMETRY, OPT_INPUT_ID, OPT_ANN_IDS, OPT_VOC_EDGES, OPT_REQUEST, OPT_LABEL_MAP,
    OPT_LABELS, OPT_STRICT, OPT_QUIET, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_JSON, OPT_FORCE,
    OPT_CLAMP, OPT_HELP, OPT_VERSION, OPT_IMAGES, OPT_INPUTS, OPT_SIZES, OPT_ACTION,
    OPT_ALL_OF_INPUTS, OPT_MATCH_IOU, OPT_DELETE_MISSING, OPT_POST_UNKNOWN, OPT_MAX_RECORD,
    OPT_REFERENCE, OPT_TABLE_MEMORY, OPT_ALLOW_EMPTY, OPT_ENCODING, OPT_API_BASE, OPT_JOBS,
    OPT_MAX_RETRIES, OPT_TIMEOUT, OPT_RESUME, OPT_DRY_RUN, OPT_PAT_FILE, OPT_ZIP_LEVEL, OPT_THREADS,
    OPT_PLUGIN = 1000 /* the readers' and writers' own: OPT_PLUGIN + their place in popts */
};

/* The one table of options: getopt's, every --help and the completion are
 * made from it (the man page is checked against --help by the tests). */
typedef struct {
    const char *name;
    const char *arg;     /* NULL: a flag */
    int id;
    int cmds;
    const char *group;   /* a heading, on the first option of a group */
    const char *help;
} opt_doc;

static const opt_doc opts[] = {
    {"output", "OUTPUT", 'o', C_CONVERT | C_DIFF, "Input and output",
     "where to write: a folder, or a path ending in .zip (-o); not FILE.json"},
    {"from", "FORMAT", OPT_FROM, C_READ, NULL, NULL}, /* help: from the tables */
    {"to", "FORMAT", OPT_TO, C_CONVERT, NULL, NULL},
    {"force", NULL, OPT_FORCE, C_CONVERT | C_DIFF, NULL, "replace an existing output"},
    {"zip-level", "N", OPT_ZIP_LEVEL, C_CONVERT | C_DIFF, NULL,
     "a .zip output's compression: 0 stored, 1 fastest (default) .. 9 smallest"},
    {"threads", "N", OPT_THREADS, C_CONVERT | C_DIFF, NULL,
     "threads to use, 1..64 (default: the cores online); the output is the same"},
    {"batch-size", "N", OPT_BATCH, C_CONVERT | C_DIFF, "Clarifai requests",
     "annotations per request, 1..128 (default 128)"},
    {"request", "KIND", OPT_REQUEST, C_CONVERT, NULL,
     "post (default), patch or delete; patch and delete need annotation ids"},
    {"action", "ACTION", OPT_ACTION, C_CONVERT, NULL,
     "patch: merge (default), overwrite or remove; --status alone: status updates"},
    {"all-of-inputs", NULL, OPT_ALL_OF_INPUTS, C_CONVERT, NULL,
     "delete: every annotation of the inputs"},
    {"embed-model-version-id", "ID", OPT_EMBED, C_CONVERT | C_DIFF, NULL,
     "set on every annotation, for training and search"},
    {"user-app-id", "USER/APP", OPT_USER_APP, C_CONVERT | C_DIFF | C_SEND, NULL,
     "adds user_app_id to every request"},
    {"annotation-user-id", "ID", OPT_ANN_USER, C_CONVERT | C_DIFF, NULL,
     "user_id of every annotation"},
    {"status", "STATUS", OPT_STATUS, C_CONVERT | C_DIFF, NULL, "success or pending"},
    {"geometry", "G", OPT_GEOMETRY, C_READ, NULL,
     "bbox, polygon or both (default: each object's box, else its polygon)"},
    {"input-id", "MODE", OPT_INPUT_ID, C_READ, NULL,
     "clean (default), stem or id: how input ids are made"},
    {"annotation-ids", "MODE", OPT_ANN_IDS, C_CONVERT, NULL,
     "none (default) or hash: stable annotation ids"},
    {"voc-edges", "CONV", OPT_VOC_EDGES, C_ALL, "Sources",
     "VOC boxes: inclusive (default), zero-based or clarifai-sdk"},
    {"images", "DIR", OPT_IMAGES, C_READ, NULL, "image sizes from the JPEG/PNG headers in DIR"},
    {"encoding", "NAME", OPT_ENCODING, C_READ, NULL,
     "the inputs' text encoding, e.g. latin1 (default: UTF-8, checked)"},
    {"clamp-tolerance", "PX", OPT_CLAMP, C_READ, NULL,
     "how far outside the image is clamped and counted (default 0.5)"},
    {"inputs", "FILE", OPT_INPUTS, C_READ, "Export",
     "GET /v2/inputs pages: image sizes and names (repeat it)"},
    {"sizes", "FILE", OPT_SIZES, C_READ, NULL, "CSV input_id,width,height"},
    {"match-iou", "X", OPT_MATCH_IOU, C_DIFF, "Diff", "box IoU that matches two objects (0.5)"},
    {"delete-missing-inputs", NULL, OPT_DELETE_MISSING, C_DIFF, NULL,
     "delete the annotations of inputs DESIRED lacks"},
    {"post-unknown-inputs", NULL, OPT_POST_UNKNOWN, C_DIFF, NULL,
     "post the objects of images CURRENT does not hold"},
    {"label-map", "FILE", OPT_LABEL_MAP, C_READ, "Labels",
     "CSV from,to; an empty 'to' drops the label"},
    {"labels", "A,B", OPT_LABELS, C_READ, NULL, "keep only these labels"},
    {"api-base", "URL", OPT_API_BASE, C_SEND, "Send",
     "the API (default https://api.clarifai.com; http:// only to a loopback address)"},
    {"pat-file", "FILE", OPT_PAT_FILE, C_SEND, NULL,
     "read the personal access token from FILE (default: $CLARIFAI_PAT)"},
    {"jobs", "N", OPT_JOBS, C_SEND, NULL, "requests in flight, 1..64 (default 4)"},
    {"max-retries", "N", OPT_MAX_RETRIES, C_SEND, NULL,
     "retries of a request before giving up, 0..100 (default 8)"},
    {"timeout", "SECONDS", OPT_TIMEOUT, C_SEND, NULL, "the longest a request may take (60)"},
    {"resume", NULL, OPT_RESUME, C_SEND, NULL,
     "go on from the journal: send only what was not acknowledged"},
    {"dry-run", NULL, OPT_DRY_RUN, C_SEND, NULL,
     "check the token's presence and every body; list the requests, send nothing"},
    {"strict", NULL, OPT_STRICT, C_CONVERT | C_VALIDATE, "Behaviour",
     "any reject fails the run; nothing is written"},
    {"allow-empty", NULL, OPT_ALLOW_EMPTY, C_CONVERT, NULL,
     "write the output even when no object read was written (default: exit 65)"},
    {"quiet", NULL, OPT_QUIET, C_ALL | C_SEND, NULL, "no summary, no warnings"},
    {"progress", NULL, OPT_PROGRESS, C_ALL | C_SEND, NULL, "the progress on standard error, even with --quiet"},
    {"no-progress", NULL, OPT_NO_PROGRESS, C_ALL | C_SEND, NULL,
     "none (default: a bar when standard error is a terminal)"},
    {"json", NULL, OPT_JSON, C_ALL | C_SEND, NULL, "the summary as JSON on standard output"},
    {"max-record", "SIZE", OPT_MAX_RECORD, C_READ, NULL,
     "the largest JSON element, XML file or CSV field held (256M)"},
    {"reference-parsers", NULL, OPT_REFERENCE, C_READ, NULL,
     "read with cJSON and libcsv alone, no fast path (same output, slower)"},
    {"table-memory", "SIZE", OPT_TABLE_MEMORY, C_CONVERT, NULL,
     "the input tables kept in memory; the rest waits in a file beside OUTPUT "
     "(default: a sixteenth of the machine's memory, at least 32M)"},
    {"help", NULL, OPT_HELP, C_ALL | C_SEND, NULL, "this help"},
    {"version", NULL, OPT_VERSION, C_ALL | C_SEND, NULL, "the version, and the libraries'"},
};
#define NOPTS (sizeof opts / sizeof opts[0])

static const struct {
    const char *name;
    int mask;
    const char *synopsis;
    const char *what;
} commands[] = {
    {"convert", C_CONVERT, "convert INPUT... -o OUTPUT [options]",
     "convert datasets to Clarifai requests (or, with --to, to COCO, VOC, CSV, YOLO)"},
    {"validate", C_VALIDATE, "validate INPUT... [options]", "read and check only; write nothing"},
    {"stats", C_STATS, "stats INPUT... [options]", "counts per label, per image, box sizes"},
    {"diff", C_DIFF, "diff CURRENT DESIRED -o PLAN [options]",
     "the requests that make an app (CURRENT, a Clarifai export) match DESIRED"},
    {"send", C_SEND, "send OUTPUT [options]",
     "send an output's requests to the API, with retries, a journal and --resume"},
    {"formats", 0, "formats", "the readers and writers built in"},
    {"completion", 0, "completion bash|zsh", "a shell completion script"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

/* The readers' and writers' own options, in table order (an option two
 * plugins declare, such as --split, appears once for each). */
#define MAX_POPTS 64
static struct {
    const ap_option *o;
    const ap_plugin_options *po;
    int cmds;
    size_t first; /* the place of the first with this name: its getopt id */
} popts[MAX_POPTS];
static size_t npopts;

static void collect_plugin_options(void)
{
    int writer;
    const ap_plugin_options *po;
    for (size_t i = 0; (po = ap_plugin_nth(i, &writer)) != NULL; i++)
        for (const ap_option *o = po->list; o && o->name && npopts < MAX_POPTS; o++) {
            int cmds = writer ? ((o->flags & AP_OPT_NO_DIFF) ? C_CONVERT : C_CONVERT | C_DIFF)
                              : C_READ;
            size_t first = npopts;
            for (size_t k = 0; k < npopts; k++)
                if (!strcmp(popts[k].o->name, o->name)) {
                    first = popts[k].first;
                    popts[first].cmds |= cmds;
                    break;
                }
            popts[npopts].o = o;
            popts[npopts].po = po;
            popts[npopts].cmds = cmds;
            popts[npopts].first = first;
            npopts++;
        }
}

/* The commands an option of the plugins belongs to (all its declarations). */
static int popt_cmds(size_t k)
{
    return popts[popts[k].first].cmds;
}

/* "reader: coco, voc, ... (default: detected)" and "writer: clarifai
 * (default), coco, ...", from the tables. */
static void format_list_help(char *buf, size_t size, int writers)
{
    size_t n = (size_t)snprintf(buf, size, "%s: ", writers ? "writer" : "reader");
    for (size_t i = 0; n < size; i++) {
        const char *name = writers ? (ap_writers[i] ? ap_writers[i]->name : NULL)
                                   : (ap_readers[i] ? ap_readers[i]->name : NULL);
        if (!name)
            break;
        n += (size_t)snprintf(buf + n, size - n, "%s%s%s", i ? ", " : "", name,
                              writers && i == 0 ? " (default)" : "");
    }
    if (!writers && n < size)
        snprintf(buf + n, size - n, " (default: detected)");
}

static void print_option(FILE *f, const char *name, const char *arg, const char *help)
{
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", name, arg ? " " : "", arg ? arg : "");
    fprintf(f, "  %-30s %s\n", left, help);
}

/* Each plugin's options under its own heading. */
static void print_plugin_help(FILE *f, int mask)
{
    const ap_plugin_options *shown = NULL;
    for (size_t k = 0; k < npopts; k++) {
        int cmds = popts[k].po == popts[popts[k].first].po ? popt_cmds(k) : popts[k].cmds;
        if (mask && !(cmds & mask))
            continue;
        if (popts[k].po != shown) {
            fprintf(f, "\n%s:\n", popts[k].po->heading);
            shown = popts[k].po;
        }
        print_option(f, popts[k].o->name, popts[k].o->arg, popts[k].o->help);
    }
}

static void print_help(FILE *f, int mask)
{
    fprintf(f, "usage:");
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!mask || commands[i].mask == mask)
            fprintf(f, "%s annoport %-40s %s\n", i && !mask ? "      " : " ",
                    commands[i].synopsis, commands[i].what);
    if (!mask)
        fprintf(f, "       annoport --help | --version | COMMAND --help\n");
    if (mask == C_SEND)
        fprintf(f, "\nOUTPUT is a convert output or a diff plan (a folder or a .zip). The token\n"
                   "comes from CLARIFAI_PAT or --pat-file; the journal is OUTPUT/send-journal.jsonl\n"
                   "(OUTPUT.send-journal.jsonl beside a zip), failures go to send-failures.jsonl.\n");
    else
        fprintf(f, "\nINPUT is a file, a folder, a .zip archive, or - (standard input, with --from).\n"
                   "OUTPUT is a folder, or a path ending in .zip for one archive.\n");
    const char *group = NULL, *shown = NULL;
    for (size_t i = 0; i < NOPTS; i++) {
        if (opts[i].group)
            group = opts[i].group;
        if (mask && !(opts[i].cmds & mask))
            continue;
        if (group != shown) {
            if (!strcmp(group, "Behaviour"))
                print_plugin_help(f, mask);
            fprintf(f, "\n%s:\n", group);
            shown = group;
        }
        char help[256];
        if (opts[i].id == OPT_FROM || opts[i].id == OPT_TO)
            format_list_help(help, sizeof help, opts[i].id == OPT_TO);
        print_option(f, opts[i].name, opts[i].arg,
                     opts[i].id == OPT_FROM || opts[i].id == OPT_TO ? help : opts[i].help);
    }
    if (mask == C_SEND) {
        fprintf(f, "\nExit status: 0 every item applied, 65 some refused or unknown (see the\n"
                   "failures file), 75 retries exhausted or interrupted (send again with\n"
                   "--resume), 77 the token was refused, 64 usage, 66 OUTPUT cannot be read,\n"
                   "74 the journal cannot be written. See annoport(1).\n");
        return;
    }
    fprintf(f, "\nExit status: 0 done, 64 usage, 65 data error, 66 an input cannot be opened,\n"
               "71 out of memory, 73 the output cannot be created, 74 an I/O error while\n"
               "writing. See annoport(1).\n");
}

/* bash completion, from the tables; zsh runs the same through bashcompinit. */
static void print_completion(int zsh)
{
    if (zsh)
        printf("#compdef annoport\n"
               "# zsh completion for annoport (written by annoport completion zsh)\n"
               "autoload -U +X bashcompinit && bashcompinit\n");
    else
        printf("# bash completion for annoport (written by annoport completion bash)\n");
    printf("_annoport() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
           "        COMPREPLY=($(compgen -W \"");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("%s ", commands[i].name);
    printf("--help --version\" -- \"$cur\")); return\n    fi\n"
           "    if [ \"${COMP_WORDS[1]}\" = completion ]; then\n"
           "        COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\")); return\n    fi\n"
           "    case $prev in\n"
           "        --from) COMPREPLY=($(compgen -W \"");
    for (const ap_reader *const *r = ap_readers; *r; r++)
        printf("%s ", (*r)->name);
    printf("\" -- \"$cur\")); return ;;\n        --to) COMPREPLY=($(compgen -W \"");
    for (const ap_writer *const *w = ap_writers; *w; w++)
        printf("%s ", (*w)->name);
    printf("\" -- \"$cur\")); return ;;\n"
           "        --geometry) COMPREPLY=($(compgen -W \"bbox polygon both\" -- \"$cur\")); return ;;\n"
           "        --request) COMPREPLY=($(compgen -W \"post patch delete\" -- \"$cur\")); return ;;\n"
           "        --action) COMPREPLY=($(compgen -W \"merge overwrite remove\" -- \"$cur\")); return ;;\n"
           "        --status) COMPREPLY=($(compgen -W \"success pending\" -- \"$cur\")); return ;;\n"
           "        --input-id) COMPREPLY=($(compgen -W \"clean stem id\" -- \"$cur\")); return ;;\n"
           "        --annotation-ids) COMPREPLY=($(compgen -W \"none hash\" -- \"$cur\")); return ;;\n"
           "        --voc-edges) COMPREPLY=($(compgen -W \"inclusive zero-based clarifai-sdk\" -- \"$cur\")); return ;;\n");
    for (size_t k = 0; k < npopts; k++) {
        const ap_option *o = popts[k].o;
        if (popts[k].first != k || o->type != AP_OPT_CHOICE)
            continue;
        printf("        --%s) COMPREPLY=($(compgen -W \"", o->name);
        for (const char *c = o->choices; *c; c++)
            putchar(*c == '|' ? ' ' : *c);
        printf("\" -- \"$cur\")); return ;;\n");
    }
    printf("        -o|--output|--images|--inputs|--sizes|--label-map|--pat-file) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
           "    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        COMPREPLY=($(compgen -W \"");
    for (size_t i = 0; i < NOPTS; i++)
        printf("--%s ", opts[i].name);
    for (size_t k = 0; k < npopts; k++)
        if (popts[k].first == k)
            printf("--%s ", popts[k].o->name);
    printf("\" -- \"$cur\")); return\n    fi\n"
           "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
           "}\n"
           "complete -o filenames -F _annoport annoport\n");
}

static void print_version(void)
{
    int x = atoi(xmlParserVersion); /* 20914: 2.9.14 */
    printf("annoport %s (cJSON %s, libxml2 %d.%d.%d, libzip %s, libcsv %d.%d.%d)\n", AP_VERSION,
           cJSON_Version(), x / 10000, x / 100 % 100, x % 100, zip_libzip_version(), CSV_MAJOR,
           CSV_MINOR, CSV_RELEASE);
}

static int quiet = 0;
static int progress_shown = 0;
static int json_mode = 0;       /* --json anywhere on the command line */

static const char *cur_cmd = NULL;

static void json_string(const char *s);

/* The --json summary of a run that stopped before reading: the same keys as
 * any other, counts at zero. */
static void print_json_error(int rc, const char *msg)
{
    printf("{\"ok\":false,\"exit\":%d,\"format\":\"\",\"error\":", rc);
    json_string(msg);
    printf(",\"counts\":{\"inputs\":0,\"objects_read\":0,\"objects_written\":0,"
           "\"objects_rejected\":0,\"objects_filtered\":0,\"annotations_written\":0,"
           "\"clamped\":0,\"requests\":0},\"rejects\":{},\"first_rejects\":[],"
           "\"concepts\":[]}\n");
}

/* A one-line hint on standard error (and the --json summary on standard
 * output); the usage exit code. near: a "did you mean" candidate or NULL. */
static int usage_error_near(const char *fmt, const char *arg, const char *near)
{
    char msg[1024];
    size_t n = (size_t)snprintf(msg, sizeof msg, fmt, arg);
    if (near && n < sizeof msg)
        snprintf(msg + n, sizeof msg - n, " (did you mean '%s'?)", near);
    fprintf(stderr, "annoport: %s (see 'annoport %s%s--help')\n", msg, cur_cmd ? cur_cmd : "",
            cur_cmd ? " " : "");
    if (json_mode)
        print_json_error(AP_EUSAGE, msg);
    return AP_EUSAGE;
}

static int usage_error(const char *fmt, const char *arg)
{
    return usage_error_near(fmt, arg, NULL);
}

/* The candidate closest to word, when it is close enough to offer. */
static const char *closest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = ap_edit_distance(word, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best && ap_close_enough(word, bestd) ? best : NULL;
}

/* The closest word of a '|'-separated list (in a static buffer), or NULL. */
static const char *closest_in(const char *word, const char *list)
{
    static char buf[256];
    const char *cands[16];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", list);
    for (char *p = strtok(buf, "|"); p && n < 16; p = strtok(NULL, "|"))
        cands[n++] = p;
    return closest(word, cands, n);
}

#define SIZE_BAD ULLONG_MAX

/* "N", "NK", "NM" or "NG" in bytes; SIZE_BAD when it is none of them. */
static unsigned long long parse_size(const char *arg)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    int shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end || end == arg || errno || *arg == '-' || v > (SIZE_BAD >> 30))
        return SIZE_BAD;
    return v << shift;
}

/* Index of word in the '|'-separated list, or -1. */
static int pick(const char *word, const char *list)
{
    int i = 0;
    size_t n = strlen(word);
    for (const char *p = list; *p; i++) {
        const char *e = strchr(p, '|');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return i;
        p += len;
        if (*p == '|')
            p++;
    }
    return -1;
}

static void on_warning(void *user, const char *msg)
{
    (void)user;
    if (quiet)
        return;
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
    fprintf(stderr, "annoport: warning: %s\n", msg);
}

/* The progress: on a terminal, one line redrawn at most ten times a
 * second; elsewhere (with --progress), a plain line every few seconds.
 * Each phase is shown when it starts and, with its final numbers, when the
 * next one starts or the run ends. */
static struct {
    const ap_context *ctx;
    int tty;
    double start;           /* of the run */
    double phase_start, last_draw;
    const char *phase;
    uint64_t phase_done;    /* done when the phase started */
    uint64_t done, total;   /* the last report */
    uint64_t drawn_done, drawn_objects; /* the last line drawn */
    const char *drawn_phase;
} prog;

#define PROGRESS_TTY_EVERY 0.1
#define PROGRESS_LINE_EVERY 5.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "1:05" or "1:02:05". */
static void hms(char *buf, size_t size, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

/* One state of the phase under way: "reading [###   ] 45%, 1234 objects,
 * 2000 objects/s, 0:06 elapsed, 0:07 left". */
static void draw_progress(double t)
{
    const ap_context *ctx = prog.ctx;
    uint64_t done = prog.done, total = prog.total;
    int writing = strncmp(prog.phase, "writing", 7) == 0;
    uint64_t objects = writing ? ctx->counts.objects_written : ctx->counts.objects_read;
    double elapsed = t - prog.start, in_phase = t - prog.phase_start;
    if (prog.drawn_phase == prog.phase && prog.drawn_done == done &&
        prog.drawn_objects == objects)
        return; /* nothing new to say */
    prog.drawn_phase = prog.phase;
    prog.drawn_done = done;
    prog.drawn_objects = objects;
    char pct[64] = "", rate[64] = "", el[32], left[48] = "";
    if (total) {
        int p = done >= total ? 100 : (int)(done * 100 / total);
        if (prog.tty) {
            char bar[21];
            memset(bar, ' ', 20);
            memset(bar, '#', (size_t)(p * 20 / 100));
            bar[20] = '\0';
            snprintf(pct, sizeof pct, " [%s] %3d%%", bar, p);
        } else {
            snprintf(pct, sizeof pct, " %d%%", p);
        }
    } else if (!writing) { /* a size not known in advance: what was read */
        if (done < 1000000)
            snprintf(pct, sizeof pct, " %.1f kB", (double)done / 1e3);
        else
            snprintf(pct, sizeof pct, " %.1f MB", (double)done / 1e6);
    }
    if (elapsed >= 0.5)
        snprintf(rate, sizeof rate, ", %.0f objects/s", (double)objects / elapsed);
    hms(el, sizeof el, elapsed);
    if (total && done > prog.phase_done && done < total && in_phase >= 1.0) {
        char l[32]; /* once it can be told: at the pace of the phase so far */
        hms(l, sizeof l, in_phase * (double)(total - done) / (double)(done - prog.phase_done));
        snprintf(left, sizeof left, ", %s left", l);
    }
    if (prog.tty) {
        fprintf(stderr, "\r%s%s, %llu objects%s, %s elapsed%s\033[K", prog.phase, pct,
                (unsigned long long)objects, rate, el, left);
        progress_shown = 1;
    } else {
        fprintf(stderr, "annoport: %s%s, %llu objects%s, %s elapsed%s\n", prog.phase, pct,
                (unsigned long long)objects, rate, el, left);
    }
    prog.last_draw = t;
}

static void on_progress(void *user, uint64_t done, uint64_t total)
{
    const ap_context *ctx = user;
    if (!ctx->progress_phase)
        return;
    double t = now_s();
    if (ctx->progress_phase != prog.phase) {
        if (prog.phase)
            draw_progress(t); /* the phase that ends, as it ends */
        prog.phase = ctx->progress_phase;
        prog.phase_start = t;
        prog.phase_done = done;
        prog.done = done;
        prog.total = total;
        draw_progress(t);
        return;
    }
    prog.done = done;
    prog.total = total;
    if (t - prog.last_draw >= (prog.tty ? PROGRESS_TTY_EVERY : PROGRESS_LINE_EVERY))
        draw_progress(t);
}

/* The last word of the progress: the terminal's line is cleared; a plain
 * line says how the run ended. */
static void progress_end(const ap_context *ctx, int rc, int convert)
{
    if (prog.phase && rc == AP_OK)
        draw_progress(now_s()); /* the last phase, as it ended */
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
    if (prog.tty || !prog.phase)
        return;
    double elapsed = now_s() - prog.start;
    char el[32];
    hms(el, sizeof el, elapsed);
    char written[48] = "";
    if (convert)
        snprintf(written, sizeof written, ", %llu written",
                 (unsigned long long)ctx->counts.objects_written);
    fprintf(stderr, "annoport: %s, %llu objects read%s, %s elapsed\n",
            rc == AP_OK ? "done" : "stopped", (unsigned long long)ctx->counts.objects_read,
            written, el);
}

static void on_signal(int sig)
{
    (void)sig;
    ap_interrupted = 1;
}

/* Where the rejects of a conversion to output are. */
static void rejects_place(char *buf, size_t size, const char *output)
{
    size_t n = strlen(output);
    while (n > 1 && output[n - 1] == '/')
        n--;
    if (n > 4 && strcasecmp(output + n - 4, ".zip") == 0)
        snprintf(buf, size, "rejects.jsonl in %.*s", (int)n, output);
    else
        snprintf(buf, size, "%.*s/rejects.jsonl", (int)n, output);
}

/* The first rejects, one a line, each line starting with indent. */
static void print_first_rejects(FILE *f, const ap_result *res, const char *indent)
{
    for (size_t i = 0; i < res->nfirst_rejects; i++)
        fprintf(f, "%s%s\n", indent, res->first_rejects[i]);
}

static void print_summary(const ap_context *ctx, const ap_result *res, int mode,
                          const char *output)
{
    const ap_counts *c = &ctx->counts;
    const char *to = ctx->opt.to ? ctx->opt.to : "clarifai";
    int convert = mode == AP_RUN_CONVERT;
    printf("annoport: %s %s input%s%s%s%s%s\n", convert ? "converted" : "checked",
           res->format, res->detected ? " (detected)" : "", convert ? " to " : "",
           convert ? to : "", ctx->detail[0] ? ", " : "", ctx->detail);
    printf("  inputs               %llu\n", (unsigned long long)c->inputs);
    printf("  objects read         %llu\n", (unsigned long long)c->objects_read);
    if (convert)
        printf("  objects written      %llu\n", (unsigned long long)c->objects_written);
    else
        printf("  objects accepted     %llu\n", (unsigned long long)c->objects_written);
    printf("  objects rejected     %llu", (unsigned long long)c->objects_rejected);
    for (size_t i = 0; i < res->rejects_by_reason_n; i++)
        printf("%s%s %llu", i ? ", " : "  (", res->reject_reasons[i],
               (unsigned long long)res->reject_counts[i]);
    printf("%s\n", res->rejects_by_reason_n ? ")" : "");
    printf("  objects filtered     %llu\n", (unsigned long long)c->objects_filtered);
    if (convert)
        printf("  annotations written  %llu\n", (unsigned long long)c->annotations_written);
    else
        printf("  annotations accepted %llu\n", (unsigned long long)c->annotations_written);
    printf("  clamped              %llu\n", (unsigned long long)c->clamped);
    if (!convert)
        return;
    if (!strcmp(to, "clarifai"))
        printf("  requests             %llu\n", (unsigned long long)c->requests);
    printf("  output               %s (%s)\n", output, to);
    if (c->objects_rejected) {
        char where[4200];
        rejects_place(where, sizeof where, output);
        printf("  rejects              %s; the first:\n", where);
        print_first_rejects(stdout, res, "    ");
    }
}

static void print_stats(const ap_context *ctx, const ap_result *res)
{
    const ap_counts *c = &ctx->counts;
    printf("images                 %llu\n", (unsigned long long)c->inputs);
    printf("images with objects    %llu\n", (unsigned long long)res->images_with_objects);
    printf("most objects per image %llu\n", (unsigned long long)res->max_objects_per_image);
    printf("boxes: small (<32^2 px) %llu, medium (<96^2 px) %llu, large %llu, size unknown %llu\n",
           (unsigned long long)res->box_small, (unsigned long long)res->box_medium,
           (unsigned long long)res->box_large, (unsigned long long)res->box_unsized);
    printf("labels (%zu):\n", res->nconcepts);
    for (size_t i = 0; i < res->nconcepts; i++)
        printf("  %-32s %8llu  %s\n", res->concepts[i]->id,
               (unsigned long long)res->concepts[i]->annotations, res->concepts[i]->name);
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void print_json(const ap_context *ctx, const ap_result *res, int mode, int rc,
                       const char *output)
{
    const ap_counts *c = &ctx->counts;
    printf("{\"ok\":%s,\"exit\":%d,\"format\":", rc ? "false" : "true", rc);
    json_string(res->format);
    if (mode == AP_RUN_CONVERT) {
        printf(",\"to\":");
        json_string(ctx->opt.to ? ctx->opt.to : "clarifai");
    }
    if (mode == AP_RUN_CONVERT && output && !rc) {
        char where[4200];
        printf(",\"output\":");
        json_string(output);
        if (ctx->counts.objects_rejected) {
            rejects_place(where, sizeof where, output);
            printf(",\"rejects_file\":");
            json_string(where);
        }
    }
    if (rc) {
        printf(",\"error\":");
        json_string(ctx->errmsg);
    }
    printf(",\"counts\":{\"inputs\":%llu,\"objects_read\":%llu,\"objects_written\":%llu,"
           "\"objects_rejected\":%llu,\"objects_filtered\":%llu,\"annotations_written\":%llu,"
           "\"clamped\":%llu,\"requests\":%llu}",
           (unsigned long long)c->inputs, (unsigned long long)c->objects_read,
           (unsigned long long)c->objects_written, (unsigned long long)c->objects_rejected,
           (unsigned long long)c->objects_filtered, (unsigned long long)c->annotations_written,
           (unsigned long long)c->clamped, (unsigned long long)c->requests);
    printf(",\"rejects\":{");
    for (size_t i = 0; i < res->rejects_by_reason_n; i++) {
        printf(i ? "," : "");
        json_string(res->reject_reasons[i]);
        printf(":%llu", (unsigned long long)res->reject_counts[i]);
    }
    printf("},\"first_rejects\":[");
    for (size_t i = 0; i < res->nfirst_rejects; i++) {
        printf(i ? "," : "");
        json_string(res->first_rejects[i]);
    }
    printf("],\"concepts\":[");
    for (size_t i = 0; i < res->nconcepts; i++) {
        printf(i ? ",{\"id\":" : "{\"id\":");
        json_string(res->concepts[i]->id);
        printf(",\"name\":");
        json_string(res->concepts[i]->name);
        printf(",\"annotations\":%llu}", (unsigned long long)res->concepts[i]->annotations);
    }
    printf("]");
    if (mode == AP_RUN_STATS)
        printf(",\"images_with_objects\":%llu,\"max_objects_per_image\":%llu,"
               "\"boxes\":{\"small\":%llu,\"medium\":%llu,\"large\":%llu,\"unsized\":%llu}",
               (unsigned long long)res->images_with_objects,
               (unsigned long long)res->max_objects_per_image,
               (unsigned long long)res->box_small, (unsigned long long)res->box_medium,
               (unsigned long long)res->box_large, (unsigned long long)res->box_unsized);
    printf("}\n");
}

/* An option getopt did not take: one of another command's (say whose), or
 * a mistyped one (offer the closest). */
static int unknown_option(const char *arg, int mask, const struct option *lo, size_t nlo)
{
    char name[128];
    const char *a = arg;
    while (*a == '-')
        a++;
    snprintf(name, sizeof name, "%.*s", (int)strcspn(a, "="), a);
    int of = 0; /* the commands that take it */
    for (size_t i = 0; i < NOPTS; i++)
        if (!strcmp(opts[i].name, name))
            of |= opts[i].cmds;
    for (size_t k = 0; k < npopts; k++)
        if (!strcmp(popts[k].o->name, name))
            of |= popt_cmds(k);
    if (arg[0] == '-' && arg[1] == '-' && of && !(of & mask)) {
        char msg[512];
        size_t n = (size_t)snprintf(msg, sizeof msg, "'--%s' is an option of", name);
        size_t left = 0;
        for (size_t k = 0; k < NCOMMANDS; k++)
            left += (of & commands[k].mask) != 0;
        for (size_t k = 0; k < NCOMMANDS && n < sizeof msg; k++)
            if (of & commands[k].mask) {
                left--;
                n += (size_t)snprintf(msg + n, sizeof msg - n, " %s%s", commands[k].name,
                                      left > 1 ? "," : left == 1 ? " and" : "");
            }
        if (n < sizeof msg)
            snprintf(msg + n, sizeof msg - n, ", not of %s", cur_cmd);
        return usage_error("%s", msg);
    }
    const char *cands[NOPTS + MAX_POPTS];
    for (size_t i = 0; i < nlo; i++)
        cands[i] = lo[i].name;
    const char *near = arg[0] == '-' && arg[1] == '-' ? closest(name, cands, nlo) : NULL;
    char full[130];
    if (near)
        snprintf(full, sizeof full, "--%s", near);
    return usage_error_near("unknown option '%s'", arg, near ? full : NULL);
}

/* Every format of the two tables: the readers in their order, then the
 * writers that have no reader. */
static void list_formats(void)
{
    printf("%-10s %-6s %-6s %s\n", "name", "read", "write", "description");
    for (const ap_reader *const *r = ap_readers; *r; r++)
        printf("%-10s %-6s %-6s %s\n", (*r)->name, "yes",
               ap_writer_find((*r)->name) ? "yes" : "-", (*r)->description);
    for (const ap_writer *const *w = ap_writers; *w; w++)
        if (!ap_reader_find((*w)->name))
            printf("%-10s %-6s %-6s %s\n", (*w)->name, "-", "yes", (*w)->description);
}

/* The diff's summary: what the plan holds, how DESIRED's images were
 * paired with CURRENT's inputs, and what was not compared. */
static void print_diff_summary(const ap_diff_result *dr, const char *output)
{
    printf("annoport: plan written to %s\n  deletes    %llu\n  patches    %llu\n"
           "  posts      %llu\n  unchanged  %llu\n", output, (unsigned long long)dr->deletes,
           (unsigned long long)dr->patches, (unsigned long long)dr->posts,
           (unsigned long long)dr->unchanged);
    if (dr->kept_for_rejects)
        printf("  kept       %llu (unmatched, on images where DESIRED had rejects)\n",
               (unsigned long long)dr->kept_for_rejects);
    printf("  inputs     %llu paired by id, %llu by file name, %llu unknown\n",
           (unsigned long long)dr->paired_by_id, (unsigned long long)dr->paired_by_file_name,
           (unsigned long long)dr->unknown_inputs);
    if (dr->not_compared) {
        static const char *const names[] = {"boxes", "polygons", "image-level labels",
                                            "absent labels"};
        printf("  not compared (DESIRED's format holds no");
        const char *sep = " ";
        for (int i = 0; i < 4; i++)
            if (dr->not_compared_kinds & (1u << i)) {
                printf("%s%s", sep, names[i]);
                sep = ", ";
            }
        printf(")  %llu\n", (unsigned long long)dr->not_compared);
    }
}

/* What the command line of convert, validate, stats and diff gave. */
typedef struct {
    const char *cmd;
    ap_run_mode mode;
    int diff;
    int mask;            /* C_* of the command */
    const char *output;
    int json, progress;  /* progress: -1 default, 0 off, 1 on */
    char *app_user;      /* --user-app-id's USER, owned */
    const char *input_pages[256];
    size_t ninput_pages;
    int first_input;     /* argv index of the first INPUT */
    int done;            /* --help or --version answered: exit 0 */
} cli;

/* One option getopt returned, into ctx's options or c; AP_OK or a usage
 * error (printed). */
/* The core's options that take one of a few words. AP_OK, a usage error,
 * or -1 when id is not one of them. */
static int take_choice(ap_options *o, int id, const char *arg)
{
    static const struct {
        int id;
        const char *name, *choices;
    } tab[] = {
        {OPT_STATUS, "status", "success|pending"},
        {OPT_GEOMETRY, "geometry", "bbox|polygon|both"},
        {OPT_INPUT_ID, "input-id", "clean|stem|id"},
        {OPT_ANN_IDS, "annotation-ids", "none|hash"},
        {OPT_VOC_EDGES, "voc-edges", "inclusive|zero-based|clarifai-sdk"},
        {OPT_REQUEST, "request", "post|patch|delete"},
        {OPT_ACTION, "action", "merge|overwrite|remove"},
    };
    size_t i = 0;
    while (i < sizeof tab / sizeof tab[0] && tab[i].id != id)
        i++;
    if (i == sizeof tab / sizeof tab[0])
        return -1;
    const char *near = NULL;
    int k = ap_option_choice(tab[i].choices, arg, &near);
    if (k < 0) {
        char words[192], fmt[256];
        ap_option_words(words, sizeof words, tab[i].choices);
        snprintf(fmt, sizeof fmt, "--%s takes %s, not '%%s'", tab[i].name, words);
        return usage_error_near(fmt, arg, near);
    }
    switch (id) {
    case OPT_STATUS: o->status = k == 0 ? AP_STATUS_SUCCESS : AP_STATUS_PENDING; break;
    case OPT_GEOMETRY: o->geometry = (ap_geometry)k; break;
    case OPT_INPUT_ID: o->input_id = (ap_input_id_mode)k; break;
    case OPT_ANN_IDS: o->annotation_ids_hash = k; break;
    case OPT_VOC_EDGES: o->voc_edges = (ap_voc_edges)k; break;
    case OPT_REQUEST: o->request = arg; break;
    case OPT_ACTION: o->action = arg; break;
    }
    return AP_OK;
}

static int take_option(ap_context *ctx, cli *c, int id, const char *arg, char **argv,
                       const struct option *long_opts, size_t nlong)
{
    ap_options *o = &ctx->opt;
    int rc = take_choice(o, id, arg);
    if (rc != -1)
        return rc;
    rc = AP_OK;
    char *end;
    switch (id) {
    case 'o': c->output = arg; break;
    case OPT_FROM: o->from = arg; break;
    case OPT_TO: o->to = arg; break;
    case OPT_BATCH:
        o->batch_size = (int)strtol(arg, &end, 10);
        if (*end || end == arg || o->batch_size < 1 || o->batch_size > 128)
            rc = usage_error("--batch-size must be a number from 1 to 128, not '%s'",
                             arg);
        break;
    case OPT_ZIP_LEVEL:
        o->zip_level = (int)strtol(arg, &end, 10);
        if (*end || end == arg || o->zip_level < 0 || o->zip_level > 9)
            rc = usage_error("--zip-level must be a number from 0 to 9, not '%s'", arg);
        break;
    case OPT_THREADS:
        o->threads = (int)strtol(arg, &end, 10);
        if (*end || end == arg || o->threads < 1 || o->threads > AP_MAX_THREADS)
            rc = usage_error("--threads must be a number from 1 to 64, not '%s'", arg);
        break;
    case OPT_EMBED: o->embed_model_version_id = arg; break;
    case OPT_USER_APP: {
        const char *slash = strchr(arg, '/');
        if (!slash || slash == arg || !slash[1] || strchr(slash + 1, '/')) {
            rc = usage_error("--user-app-id takes USER/APP, not '%s'", arg);
            break;
        }
        free(c->app_user);
        c->app_user = strndup(arg, (size_t)(slash - arg));
        o->app_user_id = c->app_user;
        o->app_id = slash + 1;
        break;
    }
    case OPT_ANN_USER: o->annotation_user_id = arg; break;
    case OPT_ALL_OF_INPUTS: o->all_of_inputs = 1; break;
    case OPT_MATCH_IOU:
        o->match_iou = strtod(arg, &end);
        if (*end || end == arg || !(o->match_iou > 0 && o->match_iou <= 1))
            rc = usage_error("--match-iou takes a number in (0, 1], not '%s'", arg);
        break;
    case OPT_DELETE_MISSING: o->delete_missing_inputs = 1; break;
    case OPT_POST_UNKNOWN: o->post_unknown_inputs = 1; break;
    case OPT_MAX_RECORD:
    case OPT_TABLE_MEMORY: {
        unsigned long long v = parse_size(arg);
        if (v == SIZE_BAD || v < 1024)
            rc = usage_error(id == OPT_MAX_RECORD ?
                             "--max-record takes a size of at least 1024 bytes (K, M, "
                             "G allowed), not '%s'" :
                             "--table-memory takes a size of at least 1024 bytes (K, M, "
                             "G allowed), not '%s'", arg);
        else if (id == OPT_MAX_RECORD)
            o->max_record = (size_t)v;
        else
            o->table_memory = (size_t)v;
        break;
    }
    case OPT_REFERENCE: o->reference_parsers = 1; break;
    case OPT_IMAGES: o->images_dir = arg; break;
    case OPT_INPUTS:
        if (c->ninput_pages < sizeof c->input_pages / sizeof c->input_pages[0])
            c->input_pages[c->ninput_pages++] = arg;
        else
            rc = usage_error("%s", "--inputs: at most 256 of them (give a folder)");
        break;
    case OPT_SIZES: o->sizes = arg; break;
    case OPT_ENCODING: o->encoding = arg; break;
    case OPT_LABEL_MAP: o->label_map = arg; break;
    case OPT_LABELS: o->labels = arg; break;
    case OPT_STRICT: o->strict = 1; break;
    case OPT_ALLOW_EMPTY: o->allow_empty = 1; break;
    case OPT_QUIET: quiet = 1; break;
    case OPT_PROGRESS: c->progress = 1; break;
    case OPT_NO_PROGRESS: c->progress = 0; break;
    case OPT_JSON: c->json = 1; break;
    case OPT_FORCE: o->force = 1; break;
    case OPT_CLAMP:
        o->clamp_tolerance = strtod(arg, &end);
        if (*end || end == arg || !(o->clamp_tolerance >= 0))
            rc = usage_error("--clamp-tolerance takes a number of pixels >= 0, not '%s'",
                             arg);
        break;
    default:
        if (id >= OPT_PLUGIN && (size_t)(id - OPT_PLUGIN) < npopts) {
            if (ap_option_set(ctx, popts[id - OPT_PLUGIN].o->name, arg) != AP_OK) {
                rc = usage_error("%s", ctx->errmsg);
                ctx->err = AP_OK;
            }
        } else
            rc = unknown_option(argv[optind - 1], c->mask, long_opts, nlong);
    }
    return rc;
}

/* Parses the options of convert, validate, stats or diff into ctx and c.
 * AP_OK (c->done when --help or --version was answered) or a usage error
 * (printed). */
static int parse_cli(int argc, char **argv, ap_context *ctx, cli *c)
{
    struct option long_opts[NOPTS + MAX_POPTS + 1];
    size_t nlong = 0;
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].cmds & c->mask)
            long_opts[nlong++] = (struct option){opts[i].name,
                                                 opts[i].arg ? required_argument : no_argument,
                                                 NULL, opts[i].id};
    for (size_t k = 0; k < npopts; k++)
        if (popts[k].first == k && (popt_cmds(k) & c->mask))
            long_opts[nlong++] = (struct option){popts[k].o->name,
                                                 popts[k].o->arg ? required_argument
                                                                 : no_argument,
                                                 NULL, (int)(OPT_PLUGIN + k)};
    long_opts[nlong] = (struct option){NULL, 0, NULL, 0};
    optind = 2;
    opterr = 0;
    int id, rc = AP_OK;
    const char *short_opts = c->mask & (C_CONVERT | C_DIFF) ? ":o:h" : ":h";
    while (rc == AP_OK && (id = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1) {
        if (id == 'h' || id == OPT_HELP || id == OPT_VERSION) {
            if (id == OPT_VERSION)
                print_version();
            else
                print_help(stdout, c->mask);
            c->done = 1;
            return AP_OK;
        }
        if (id == ':')
            rc = usage_error("option '%s' needs a value", argv[optind - 1]);
        else
            rc = take_option(ctx, c, id, optarg, argv, long_opts, nlong);
    }
    c->first_input = optind;
    if (rc == AP_OK && optind >= argc)
        rc = usage_error("%s", "no input given");
    if (rc == AP_OK && c->mode == AP_RUN_CONVERT && !c->output)
        rc = usage_error("%s needs -o OUTPUT", c->cmd);
    if (rc == AP_OK && c->diff && argc - optind != 2)
        rc = usage_error("%s", "diff takes two inputs: CURRENT DESIRED");
    if (rc == AP_OK && c->mode != AP_RUN_CONVERT && c->output)
        rc = usage_error("-o is for convert; '%s' writes nothing", c->cmd);
    return rc;
}

/* Warnings, progress and signals, as the command line asked. */
static void install_callbacks(ap_context *ctx, cli *c)
{
    ctx->warn = on_warning;
    /* an explicit --progress holds even with --quiet */
    if (c->progress == -1)
        c->progress = !quiet && isatty(STDERR_FILENO);
    if (c->progress) {
        ctx->progress = on_progress;
        ctx->progress_user = ctx;
        prog.ctx = ctx;
        prog.tty = isatty(STDERR_FILENO);
        prog.start = now_s();
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static int do_diff(ap_context *ctx, const cli *c, char **argv)
{
    ap_diff_result dr;
    int rc = ap_diff(ctx, argv[c->first_input], argv[c->first_input + 1], c->output, &dr);
    progress_end(ctx, rc, 1);
    if (rc != AP_OK) {
        fprintf(stderr, "annoport: error: %s\n", ctx->errmsg);
        if (c->json) {
            printf("{\"ok\":false,\"exit\":%d,\"error\":", rc);
            json_string(ctx->errmsg);
            printf("}\n");
        }
    } else if (c->json)
        printf("{\"ok\":true,\"deletes\":%llu,\"patches\":%llu,\"posts\":%llu,"
               "\"unchanged\":%llu,\"not_compared\":%llu,\"unknown_inputs\":%llu,"
               "\"paired_by_id\":%llu,\"paired_by_file_name\":%llu}\n",
               (unsigned long long)dr.deletes, (unsigned long long)dr.patches,
               (unsigned long long)dr.posts, (unsigned long long)dr.unchanged,
               (unsigned long long)dr.not_compared, (unsigned long long)dr.unknown_inputs,
               (unsigned long long)dr.paired_by_id, (unsigned long long)dr.paired_by_file_name);
    else if (!quiet)
        print_diff_summary(&dr, c->output);
    return rc;
}

static int do_run(ap_context *ctx, const cli *c, int argc, char **argv)
{
    ap_result res;
    int rc = ap_run(ctx, c->mode, (const char *const *)argv + c->first_input,
                    (size_t)(argc - c->first_input), c->output, &res);
    progress_end(ctx, rc, c->mode == AP_RUN_CONVERT);
    if (c->json)
        print_json(ctx, &res, c->mode, rc, c->output);
    if (rc != AP_OK) {
        fprintf(stderr, "annoport: error: %s\n", ctx->errmsg);
        if (res.nfirst_rejects && !ctx->opt.strict && ctx->counts.objects_written == 0 &&
            rc == AP_EDATA) {
            fprintf(stderr, "annoport: the first rejects:\n");
            print_first_rejects(stderr, &res, "  ");
        }
    } else if (!quiet && !c->json) {
        if (c->mode == AP_RUN_STATS)
            print_stats(ctx, &res);
        else
            print_summary(ctx, &res, c->mode, c->output);
    }
    ap_result_free(&res);
    return rc;
}

/* convert, validate, stats and diff: options, then the job. */
static int cmd_job(int argc, char **argv, int mask)
{
    cli c;
    memset(&c, 0, sizeof c);
    c.cmd = cur_cmd = argv[1];
    c.mask = mask;
    c.diff = mask == C_DIFF;
    c.mode = mask == C_VALIDATE ? AP_RUN_VALIDATE : mask == C_STATS ? AP_RUN_STATS
                                                                    : AP_RUN_CONVERT;
    c.progress = -1;
    ap_context *ctx = ap_context_new();
    if (!ctx) {
        fprintf(stderr, "annoport: error: out of memory\n");
        return AP_ENOMEM;
    }
    int rc = parse_cli(argc, argv, ctx, &c);
    if (rc == AP_OK && !c.done) {
        ctx->opt.input_pages = c.input_pages;
        ctx->opt.ninput_pages = c.ninput_pages;
        install_callbacks(ctx, &c);
        rc = c.diff ? do_diff(ctx, &c, argv) : do_run(ctx, &c, argc, argv);
    }
    free(c.app_user);
    ap_context_free(ctx);
    return rc;
}

static int cmd_convert(int argc, char **argv) { return cmd_job(argc, argv, C_CONVERT); }
static int cmd_validate(int argc, char **argv) { return cmd_job(argc, argv, C_VALIDATE); }
static int cmd_stats(int argc, char **argv) { return cmd_job(argc, argv, C_STATS); }
static int cmd_diff(int argc, char **argv) { return cmd_job(argc, argv, C_DIFF); }

static int cmd_formats(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    list_formats();
    return 0;
}

/* annoport completion bash|zsh */
static int cmd_completion(int argc, char **argv)
{
    if (argc != 3)
        return usage_error("%s", "completion takes one shell: bash or zsh");
    int k = pick(argv[2], "bash|zsh");
    if (k < 0)
        return usage_error_near("completion takes bash or zsh, not '%s'", argv[2],
                                closest_in(argv[2], "bash|zsh"));
    print_completion(k == 1);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print_help(stdout, 0);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    print_version();
    return 0;
}

/* ---- annoport send ---- */

typedef struct {
    ap_send_options o;
    const char *pat_file;
    int json, progress;
} send_cli;

static int send_number(const char *name, const char *arg, double lo, double hi, double *v)
{
    char *end;
    *v = strtod(arg, &end);
    if (*end || end == arg || !(*v >= lo && *v <= hi)) {
        char fmt[128];
        snprintf(fmt, sizeof fmt, "--%s takes a number from %g to %g, not '%%s'", name, lo, hi);
        return usage_error(fmt, arg);
    }
    return AP_OK;
}

static int send_take(send_cli *c, int id, const char *arg)
{
    double v = 0;
    int rc = AP_OK;
    switch (id) {
    case OPT_USER_APP: {
        const char *slash = strchr(arg, '/');
        if (!slash || slash == arg || !slash[1] || strchr(slash + 1, '/'))
            return usage_error("--user-app-id takes USER/APP, not '%s'", arg);
        c->o.user_app = arg;
        break;
    }
    case OPT_API_BASE: c->o.api_base = arg; break;
    case OPT_PAT_FILE: c->pat_file = arg; break;
    case OPT_JOBS:
        if ((rc = send_number("jobs", arg, 1, 64, &v)) == AP_OK && v != (int)v)
            rc = usage_error("--jobs takes a whole number, not '%s'", arg);
        c->o.jobs = (int)v;
        break;
    case OPT_MAX_RETRIES:
        if ((rc = send_number("max-retries", arg, 0, 100, &v)) == AP_OK && v != (int)v)
            rc = usage_error("--max-retries takes a whole number, not '%s'", arg);
        c->o.max_retries = (int)v;
        break;
    case OPT_TIMEOUT:
        rc = send_number("timeout", arg, 0.001, 86400, &c->o.timeout);
        break;
    case OPT_RESUME: c->o.resume = 1; break;
    case OPT_DRY_RUN: c->o.dry_run = 1; break;
    case OPT_QUIET: quiet = 1; break;
    case OPT_PROGRESS: c->progress = 1; break;
    case OPT_NO_PROGRESS: c->progress = 0; break;
    case OPT_JSON: c->json = 1; break;
    }
    return rc;
}

/* Options of send into c; AP_OK and *done when --help or --version was
 * answered; the index of OUTPUT in *first. */
static int send_parse(int argc, char **argv, send_cli *c, int *done, int *first)
{
    struct option lo[NOPTS + 1];
    size_t n = 0;
    for (size_t i = 0; i < NOPTS; i++)
        if (opts[i].cmds & C_SEND)
            lo[n++] = (struct option){opts[i].name, opts[i].arg ? required_argument : no_argument,
                                      NULL, opts[i].id};
    lo[n] = (struct option){NULL, 0, NULL, 0};
    optind = 2;
    opterr = 0;
    int id, rc = AP_OK;
    while (rc == AP_OK && (id = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (id == 'h' || id == OPT_HELP || id == OPT_VERSION) {
            if (id == OPT_VERSION)
                print_version();
            else
                print_help(stdout, C_SEND);
            *done = 1;
            return AP_OK;
        }
        if (id == ':')
            rc = usage_error("option '%s' needs a value", argv[optind - 1]);
        else if (id == '?')
            rc = unknown_option(argv[optind - 1], C_SEND, lo, n);
        else
            rc = send_take(c, id, optarg);
    }
    *first = optind;
    if (rc == AP_OK && argc - optind != 1)
        rc = usage_error("%s", argc - optind ? "send takes one OUTPUT" : "no OUTPUT given");
    return rc;
}

/* The token: --pat-file's first line, else CLARIFAI_PAT. Never printed. */
static char *send_token(const char *pat_file, int *rc)
{
    *rc = AP_OK;
    if (!pat_file) {
        const char *t = getenv("CLARIFAI_PAT");
        return strdup(t ? t : "");
    }
    FILE *f = fopen(pat_file, "r");
    char buf[1024] = "";
    if (!f || !fgets(buf, sizeof buf, f)) {
        fprintf(stderr, "annoport: error: %s: %s\n", pat_file, f ? "empty" : strerror(errno));
        *rc = AP_ENOINPUT;
    }
    if (f)
        fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return strdup(buf);
}

static void send_plan(void *user, const char *method, const char *path, const char *file,
                      int items)
{
    (void)user;
    if (!quiet && !json_mode)
        printf("%-6s /v2/users/USER/apps/APP/%-12s %s (%d items)\n", method, path, file, items);
}

static void send_summary(const send_cli *c, const ap_send_result *r, int rc, const char *err)
{
    double rps = r->seconds > 0 ? (double)r->requests / r->seconds : 0;
    if (c->json) {
        printf("{\"ok\":%s,\"exit\":%d,\"error\":", rc == AP_OK ? "true" : "false", rc);
        json_string(err ? err : "");
        printf(",\"user_app_id\":");
        json_string(r->user_app);
        printf(",\"files\":%llu,\"items\":%llu,\"acknowledged_before\":%llu,\"sent\":%llu,"
               "\"succeeded\":%llu,\"failed\":%llu,\"unknown\":%llu,\"left\":%llu,"
               "\"requests\":%llu,\"retried\":%llu,\"seconds\":%.3f,\"requests_per_s\":%.1f,"
               "\"failed_by_code\":{",
               (unsigned long long)r->files, (unsigned long long)r->items,
               (unsigned long long)r->acknowledged, (unsigned long long)r->sent,
               (unsigned long long)r->succeeded, (unsigned long long)r->failed,
               (unsigned long long)r->unknown, (unsigned long long)r->left,
               (unsigned long long)r->requests, (unsigned long long)r->retried, r->seconds, rps);
        for (size_t i = 0; i < r->ncodes; i++)
            printf("%s\"%d\":%llu", i ? "," : "", r->codes[i],
                   (unsigned long long)r->code_counts[i]);
        printf("},\"journal\":");
        json_string(r->journal);
        printf(",\"failures\":");
        json_string(r->failures);
        printf("}\n");
        return;
    }
    if (quiet || c->o.dry_run || !r->files || r->seconds <= 0)
        return; /* stopped before sending */
    fprintf(stderr, "annoport: sent %s to %s\n", c->o.output, r->user_app);
    fprintf(stderr, "  items          %llu in %llu files (%llu acknowledged before)\n",
            (unsigned long long)r->items, (unsigned long long)r->files,
            (unsigned long long)r->acknowledged);
    fprintf(stderr, "  succeeded      %llu\n", (unsigned long long)r->succeeded);
    fprintf(stderr, "  failed         %llu", (unsigned long long)r->failed);
    for (size_t i = 0; i < r->ncodes; i++)
        fprintf(stderr, "%s%d %llu", i ? ", " : "  (", r->codes[i],
                (unsigned long long)r->code_counts[i]);
    fprintf(stderr, "%s\n", r->ncodes ? ")" : "");
    fprintf(stderr, "  unknown        %llu\n", (unsigned long long)r->unknown);
    fprintf(stderr, "  not sent       %llu\n", (unsigned long long)r->left);
    fprintf(stderr, "  requests       %llu (%llu retries), %.1f s, %.1f requests/s\n",
            (unsigned long long)r->requests, (unsigned long long)r->retried, r->seconds, rps);
    fprintf(stderr, "  journal        %s\n", r->journal);
    if (r->failed || r->unknown)
        fprintf(stderr, "  failures       %s\n", r->failures);
}

/* annoport send OUTPUT [options] */
static int cmd_send(int argc, char **argv)
{
    send_cli c;
    memset(&c, 0, sizeof c);
    c.progress = -1;
    c.o.max_retries = -1;
    cur_cmd = argv[1];
    int done = 0, first = 0, rc = send_parse(argc, argv, &c, &done, &first);
    if (rc != AP_OK || done)
        return rc;
    c.o.output = argv[first];
    char *token = send_token(c.pat_file, &rc);
    if (!token)
        return AP_ENOMEM;
    ap_context *ctx = rc == AP_OK ? ap_context_new() : NULL;
    if (rc == AP_OK && !ctx)
        rc = AP_ENOMEM;
    if (rc == AP_OK) {
        cli cl;
        memset(&cl, 0, sizeof cl);
        cl.progress = c.progress;
        install_callbacks(ctx, &cl);
        c.o.token = token;
        c.o.on_plan = send_plan;
        ap_send_result r;
        rc = ap_send(ctx, &c.o, &r);
        progress_end(ctx, AP_OK == rc ? rc : AP_EIO, 0);
        if (rc != AP_OK)
            fprintf(stderr, "annoport: error: %s\n", ctx->errmsg);
        send_summary(&c, &r, rc, rc != AP_OK ? ctx->errmsg : NULL);
    }
    memset(token, 0, strlen(token));
    free(token);
    ap_context_free(ctx);
    return rc;
}

/* The commands, git's way: a name and its function (help and --version
 * are spelled several ways). */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} dispatch[] = {
    {"convert", cmd_convert}, {"validate", cmd_validate}, {"stats", cmd_stats},
    {"diff", cmd_diff},       {"formats", cmd_formats},   {"completion", cmd_completion},
    {"send", cmd_send},
    {"help", cmd_help},       {"--help", cmd_help},       {"-h", cmd_help},
    {"--version", cmd_version},
};

int main(int argc, char **argv)
{
    collect_plugin_options();
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        json_mode |= !strcmp(argv[i], "--json");
    if (argc < 2)
        return usage_error("%s", "no command given");
    for (size_t i = 0; i < sizeof dispatch / sizeof dispatch[0]; i++)
        if (!strcmp(argv[1], dispatch[i].name))
            return dispatch[i].fn(argc, argv);
    const char *names[NCOMMANDS + 1];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    names[NCOMMANDS] = "help";
    return usage_error_near("unknown command '%s'", argv[1],
                            closest(argv[1], names, NCOMMANDS + 1));
}
