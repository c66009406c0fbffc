/*
 * main.c: the command line. Parses options into an ap_context, runs the
 * job through the library, prints the summary, and maps the error code to
 * the exit status. The only file that prints or exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <annoport/annoport.h>
#include <annoport/format.h>
#include <annoport/run.h>

static const char usage_text[] =
    "usage: annoport convert INPUT... -o OUTPUT [options]\n"
    "       annoport validate INPUT... [options]   read and check only; write nothing\n"
    "       annoport stats INPUT... [options]      counts per label, per image, box sizes\n"
    "       annoport diff CURRENT DESIRED -o PLAN  requests that make an app (CURRENT,\n"
    "                                              a Clarifai export) match DESIRED\n"
    "       annoport formats                       the readers and writers built in\n"
    "       annoport --help | --version\n"
    "\n"
    "INPUT is a file, a folder, or - (standard input, with --from).\n"
    "OUTPUT is a folder, or a path ending in .zip for one archive.\n"
    "\n"
    "Formats:\n"
    "  --from FORMAT            reader (default: detected from the content)\n"
    "  --to FORMAT              writer (default: clarifai)\n"
    "Clarifai requests:\n"
    "  --batch-size N           annotations per request, 1..128 (default 128)\n"
    "  --embed-model-version-id ID   added to every annotation\n"
    "  --user-app-id USER/APP   adds user_app_id to every request\n"
    "  --annotation-user-id ID  user_id of every annotation\n"
    "  --status pending|success annotation status\n"
    "  --geometry bbox|polygon|both   what regions to write (default bbox)\n"
    "  --input-id clean|stem|id how input ids are made (default clean)\n"
    "  --annotation-ids none|hash     stable annotation ids (default none)\n"
    "  --voc-edges inclusive|zero-based|clarifai-sdk   VOC box convention\n"
    "  --request post|patch|delete   the request kind (default post); patch and\n"
    "                           delete need annotation ids (a Clarifai export)\n"
    "  --action merge|overwrite|remove   patch: how (default merge); --status\n"
    "                           without --action writes status updates\n"
    "  --all-of-inputs          delete: every annotation of the inputs\n"
    "  --match-iou X            diff: box IoU that matches two objects (default 0.5)\n"
    "  --delete-missing-inputs  diff: delete the annotations of inputs DESIRED lacks\n"
    "  --clamp-tolerance PX     how far outside the image a box may be before it\n"
    "                           counts as clamped (default 0.5 pixel)\n"
    "Sources:\n"
    "  --split NAME             VOC: read the images of ImageSets/Main/NAME.txt\n"
    "  --skip-difficult         VOC: difficult objects are filtered out\n"
    "  --images DIR             image sizes from the JPEG/PNG headers in DIR\n"
    "  --csv-dialect D          tfod|automl|classification|generic (default: detected)\n"
    "  --columns MAP            generic CSV: image=COL,label=COL,xmin=COL,ymin=COL,\n"
    "                           xmax=COL,ymax=COL[,width=COL,height=COL] (COL: a\n"
    "                           header name or a 1-based column number)\n"
    "  --coords pixel|normalized   generic CSV: how its numbers are given\n"
    "Export (from Clarifai JSON):\n"
    "  --to coco|voc|csv|yolo   the format to write\n"
    "  --inputs FILE            GET /v2/inputs pages (image sizes and names); repeat\n"
    "  --sizes FILE             CSV input_id,width,height\n"
    "  --include-model-annotations   keep annotations made by models\n"
    "  --only-user-ids a,b      --only-model-version-ids x,y   --only-input-ids i,j\n"
    "Labels:\n"
    "  --label-map FILE         CSV from,to; an empty 'to' drops the label\n"
    "  --labels a,b,c           keep only these labels\n"
    "Behaviour:\n"
    "  -o, --output OUTPUT      where to write (convert)\n"
    "  --force                  replace an existing output\n"
    "  --strict                 any reject fails the run; nothing is written\n"
    "  --quiet                  no summary, no warnings\n"
    "  --progress, --no-progress   progress bar on standard error (default: when\n"
    "                           it is a terminal)\n"
    "  --json                   the summary as JSON on standard output\n"
    "  --max-record SIZE        the largest JSON element, XML file or CSV field\n"
    "                           held in memory (default 256M)\n"
    "\n"
    "Exit status: 0 done, 64 usage, 65 data error, 66 input cannot be opened,\n"
    "73 output cannot be created, 74 I/O error while writing.\n";

enum {
    OPT_FROM = 256, OPT_TO, OPT_BATCH, OPT_EMBED, OPT_USER_APP, OPT_ANN_USER, OPT_STATUS,
    OPT_GEOMETRY, OPT_INPUT_ID, OPT_ANN_IDS, OPT_VOC_EDGES, OPT_REQUEST, OPT_LABEL_MAP,
    OPT_LABELS, OPT_STRICT, OPT_QUIET, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_JSON, OPT_FORCE,
    OPT_CLAMP, OPT_HELP, OPT_VERSION, OPT_SPLIT, OPT_SKIP_DIFFICULT, OPT_IMAGES,
    OPT_CSV_DIALECT, OPT_COLUMNS, OPT_COORDS, OPT_INPUTS, OPT_SIZES, OPT_INCLUDE_MODEL,
    OPT_ONLY_USERS, OPT_ONLY_MODELS, OPT_ONLY_INPUTS, OPT_ACTION, OPT_ALL_OF_INPUTS,
    OPT_MATCH_IOU, OPT_DELETE_MISSING, OPT_MAX_RECORD
};

static const struct option long_opts[] = {
    {"output", required_argument, NULL, 'o'},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"batch-size", required_argument, NULL, OPT_BATCH},
    {"embed-model-version-id", required_argument, NULL, OPT_EMBED},
    {"user-app-id", required_argument, NULL, OPT_USER_APP},
    {"annotation-user-id", required_argument, NULL, OPT_ANN_USER},
    {"status", required_argument, NULL, OPT_STATUS},
    {"geometry", required_argument, NULL, OPT_GEOMETRY},
    {"input-id", required_argument, NULL, OPT_INPUT_ID},
    {"annotation-ids", required_argument, NULL, OPT_ANN_IDS},
    {"voc-edges", required_argument, NULL, OPT_VOC_EDGES},
    {"request", required_argument, NULL, OPT_REQUEST},
    {"label-map", required_argument, NULL, OPT_LABEL_MAP},
    {"labels", required_argument, NULL, OPT_LABELS},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"json", no_argument, NULL, OPT_JSON},
    {"force", no_argument, NULL, OPT_FORCE},
    {"clamp-tolerance", required_argument, NULL, OPT_CLAMP},
    {"split", required_argument, NULL, OPT_SPLIT},
    {"skip-difficult", no_argument, NULL, OPT_SKIP_DIFFICULT},
    {"images", required_argument, NULL, OPT_IMAGES},
    {"csv-dialect", required_argument, NULL, OPT_CSV_DIALECT},
    {"columns", required_argument, NULL, OPT_COLUMNS},
    {"coords", required_argument, NULL, OPT_COORDS},
    {"inputs", required_argument, NULL, OPT_INPUTS},
    {"action", required_argument, NULL, OPT_ACTION},
    {"all-of-inputs", no_argument, NULL, OPT_ALL_OF_INPUTS},
    {"match-iou", required_argument, NULL, OPT_MATCH_IOU},
    {"max-record", required_argument, NULL, OPT_MAX_RECORD},
    {"delete-missing-inputs", no_argument, NULL, OPT_DELETE_MISSING},
    {"sizes", required_argument, NULL, OPT_SIZES},
    {"include-model-annotations", no_argument, NULL, OPT_INCLUDE_MODEL},
    {"only-user-ids", required_argument, NULL, OPT_ONLY_USERS},
    {"only-model-version-ids", required_argument, NULL, OPT_ONLY_MODELS},
    {"only-input-ids", required_argument, NULL, OPT_ONLY_INPUTS},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int quiet = 0;
static int progress_shown = 0;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "annoport: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'annoport --help'.\n");
    return AP_EUSAGE;
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

static void on_progress(void *user, uint64_t done, uint64_t total)
{
    static int last = -1;
    (void)user;
    if (total == 0)
        return;
    int pct = (int)(done * 100 / total);
    if (pct > 100)
        pct = 100;
    if (pct == last)
        return;
    last = pct;
    char bar[41];
    memset(bar, ' ', 40);
    memset(bar, '#', (size_t)(pct * 40 / 100));
    bar[40] = '\0';
    fprintf(stderr, "\r[%s] %3d%% %.1f MB", bar, pct, (double)done / 1e6);
    progress_shown = 1;
}

static void on_signal(int sig)
{
    (void)sig;
    ap_interrupted = 1;
}

static void print_summary(const ap_context *ctx, const ap_result *res, int mode,
                          const char *output)
{
    const ap_counts *c = &ctx->counts;
    printf("annoport: %s %s input%s%s%s\n", mode == AP_RUN_CONVERT ? "converted" : "checked",
           res->format, res->detected ? " (detected)" : "", ctx->detail[0] ? ", " : "",
           ctx->detail);
    printf("  inputs               %llu\n", (unsigned long long)c->inputs);
    printf("  objects read         %llu\n", (unsigned long long)c->objects_read);
    printf("  objects written      %llu\n", (unsigned long long)c->objects_written);
    printf("  objects rejected     %llu", (unsigned long long)c->objects_rejected);
    for (size_t i = 0; i < res->rejects_by_reason_n; i++)
        printf("%s%s %llu", i ? ", " : "  (", res->reject_reasons[i],
               (unsigned long long)res->reject_counts[i]);
    printf("%s\n", res->rejects_by_reason_n ? ")" : "");
    printf("  objects filtered     %llu\n", (unsigned long long)c->objects_filtered);
    printf("  annotations written  %llu\n", (unsigned long long)c->annotations_written);
    printf("  clamped              %llu\n", (unsigned long long)c->clamped);
    if (mode == AP_RUN_CONVERT) {
        printf("  requests             %llu\n", (unsigned long long)c->requests);
        printf("  output               %s\n", output);
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
    if (mode == AP_RUN_CONVERT && output && !rc) {
        printf(",\"output\":");
        json_string(output);
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
    printf("},\"concepts\":[");
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

static void list_formats(void)
{
    printf("%-10s %-6s %-6s %s\n", "name", "read", "write", "description");
    for (const ap_format *const *f = ap_formats; *f; f++)
        printf("%-10s %-6s %-6s %s\n", (*f)->name, (*f)->read ? "yes" : "-",
               (*f)->writer ? "yes" : "-", (*f)->description);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("annoport %s\n", AP_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "formats")) {
        list_formats();
        return 0;
    }
    ap_run_mode mode;
    int diff = !strcmp(cmd, "diff");
    if (diff)
        mode = AP_RUN_CONVERT;
    else if (!strcmp(cmd, "convert"))
        mode = AP_RUN_CONVERT;
    else if (!strcmp(cmd, "validate"))
        mode = AP_RUN_VALIDATE;
    else if (!strcmp(cmd, "stats"))
        mode = AP_RUN_STATS;
    else
        return usage_error("unknown command '%s'", cmd);

    ap_context *ctx = ap_context_new();
    if (!ctx) {
        fprintf(stderr, "annoport: error: out of memory\n");
        return AP_ENOMEM;
    }
    ap_options *o = &ctx->opt;
    const char *output = NULL;
    int json = 0, progress = -1, rc = AP_OK;
    char *app_user = NULL;
    const char *input_pages[256];
    size_t ninput_pages = 0;
    optind = 2;
    opterr = 0;
    int c;
    while (rc == AP_OK && (c = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
        char *end;
        int k;
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_FROM: o->from = optarg; break;
        case OPT_TO: o->to = optarg; break;
        case OPT_BATCH:
            o->batch_size = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg || o->batch_size < 1 || o->batch_size > 128)
                rc = usage_error("--batch-size must be a number from 1 to 128, not '%s'",
                                 optarg);
            break;
        case OPT_EMBED: o->embed_model_version_id = optarg; break;
        case OPT_USER_APP: {
            const char *slash = strchr(optarg, '/');
            if (!slash || slash == optarg || !slash[1] || strchr(slash + 1, '/')) {
                rc = usage_error("--user-app-id takes USER/APP, not '%s'", optarg);
                break;
            }
            free(app_user);
            app_user = strndup(optarg, (size_t)(slash - optarg));
            o->app_user_id = app_user;
            o->app_id = slash + 1;
            break;
        }
        case OPT_ANN_USER: o->annotation_user_id = optarg; break;
        case OPT_STATUS:
            if ((k = pick(optarg, "success|pending")) < 0)
                rc = usage_error("--status takes success or pending, not '%s'", optarg);
            else
                o->status = k == 0 ? AP_STATUS_SUCCESS : AP_STATUS_PENDING;
            break;
        case OPT_GEOMETRY:
            if ((k = pick(optarg, "bbox|polygon|both")) < 0)
                rc = usage_error("--geometry takes bbox, polygon or both, not '%s'", optarg);
            else
                o->geometry = (ap_geometry)k;
            break;
        case OPT_INPUT_ID:
            if ((k = pick(optarg, "clean|stem|id")) < 0)
                rc = usage_error("--input-id takes clean, stem or id, not '%s'", optarg);
            else
                o->input_id = (ap_input_id_mode)k;
            break;
        case OPT_ANN_IDS:
            if ((k = pick(optarg, "none|hash")) < 0)
                rc = usage_error("--annotation-ids takes none or hash, not '%s'", optarg);
            else
                o->annotation_ids_hash = k;
            break;
        case OPT_VOC_EDGES:
            if ((k = pick(optarg, "inclusive|zero-based|clarifai-sdk")) < 0)
                rc = usage_error("--voc-edges takes inclusive, zero-based or clarifai-sdk, "
                                 "not '%s'", optarg);
            else
                o->voc_edges = (ap_voc_edges)k;
            break;
        case OPT_REQUEST:
            if (pick(optarg, "post|patch|delete") < 0)
                rc = usage_error("--request takes post, patch or delete, not '%s'", optarg);
            else
                o->request = optarg;
            break;
        case OPT_ACTION:
            if (pick(optarg, "merge|overwrite|remove") < 0)
                rc = usage_error("--action takes merge, overwrite or remove, not '%s'", optarg);
            else
                o->action = optarg;
            break;
        case OPT_ALL_OF_INPUTS: o->all_of_inputs = 1; break;
        case OPT_MATCH_IOU:
            o->match_iou = strtod(optarg, &end);
            if (*end || end == optarg || !(o->match_iou > 0 && o->match_iou <= 1))
                rc = usage_error("--match-iou takes a number in (0, 1], not '%s'", optarg);
            break;
        case OPT_DELETE_MISSING: o->delete_missing_inputs = 1; break;
        case OPT_MAX_RECORD: {
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end == 'K' || *end == 'k')
                v <<= 10, end++;
            else if (*end == 'M' || *end == 'm')
                v <<= 20, end++;
            else if (*end == 'G' || *end == 'g')
                v <<= 30, end++;
            if (*end || end == optarg || v < 1024)
                rc = usage_error("--max-record takes a size of at least 1024 bytes (K, M, G "
                                 "allowed), not '%s'", optarg);
            else
                o->max_record = (size_t)v;
            break;
        }
        case OPT_SPLIT: o->split = optarg; break;
        case OPT_SKIP_DIFFICULT: o->skip_difficult = 1; break;
        case OPT_IMAGES: o->images_dir = optarg; break;
        case OPT_CSV_DIALECT:
            if (pick(optarg, "tfod|automl|classification|generic") < 0)
                rc = usage_error("--csv-dialect takes tfod, automl, classification or "
                                 "generic, not '%s'", optarg);
            else
                o->csv_dialect = optarg;
            break;
        case OPT_COLUMNS: o->columns = optarg; break;
        case OPT_COORDS:
            if ((k = pick(optarg, "pixel|normalized")) < 0)
                rc = usage_error("--coords takes pixel or normalized, not '%s'", optarg);
            else
                o->coords_normalized = k;
            break;
        case OPT_INPUTS:
            if (ninput_pages < sizeof input_pages / sizeof input_pages[0])
                input_pages[ninput_pages++] = optarg;
            else
                rc = usage_error("%s", "--inputs: at most 256 of them (give a folder)");
            break;
        case OPT_SIZES: o->sizes = optarg; break;
        case OPT_INCLUDE_MODEL: o->include_model = 1; break;
        case OPT_ONLY_USERS: o->only_user_ids = optarg; break;
        case OPT_ONLY_MODELS: o->only_model_version_ids = optarg; break;
        case OPT_ONLY_INPUTS: o->only_input_ids = optarg; break;
        case OPT_LABEL_MAP: o->label_map = optarg; break;
        case OPT_LABELS: o->labels = optarg; break;
        case OPT_STRICT: o->strict = 1; break;
        case OPT_QUIET: quiet = 1; break;
        case OPT_PROGRESS: progress = 1; break;
        case OPT_NO_PROGRESS: progress = 0; break;
        case OPT_JSON: json = 1; break;
        case OPT_FORCE: o->force = 1; break;
        case OPT_CLAMP:
            o->clamp_tolerance = strtod(optarg, &end);
            if (*end || end == optarg || !(o->clamp_tolerance >= 0))
                rc = usage_error("--clamp-tolerance takes a number of pixels >= 0, not '%s'",
                                 optarg);
            break;
        case 'h':
        case OPT_HELP:
            fputs(usage_text, stdout);
            free(app_user);
            ap_context_free(ctx);
            return 0;
        case OPT_VERSION:
            printf("annoport %s\n", AP_VERSION);
            free(app_user);
            ap_context_free(ctx);
            return 0;
        default:
            rc = usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (rc == AP_OK && optind >= argc)
        rc = usage_error("%s", "no input given");
    if (rc == AP_OK && mode == AP_RUN_CONVERT && !output)
        rc = usage_error("%s needs -o OUTPUT", cmd);
    if (rc == AP_OK && diff && argc - optind != 2)
        rc = usage_error("%s", "diff takes two inputs: CURRENT DESIRED");
    if (rc == AP_OK && mode != AP_RUN_CONVERT && output)
        rc = usage_error("-o is for convert; '%s' writes nothing", cmd);
    if (rc != AP_OK) {
        free(app_user);
        ap_context_free(ctx);
        return rc;
    }

    o->input_pages = input_pages;
    o->ninput_pages = ninput_pages;
    ctx->warn = on_warning;
    if (progress == -1)
        progress = !quiet && isatty(STDERR_FILENO);
    if (progress)
        ctx->progress = on_progress;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    if (diff) {
        ap_diff_result dr;
        rc = ap_diff(ctx, argv[optind], argv[optind + 1], output, &dr);
        if (progress_shown)
            fputs("\r\033[K", stderr);
        if (rc != AP_OK)
            fprintf(stderr, "annoport: error: %s\n", ctx->errmsg);
        else if (json)
            printf("{\"ok\":true,\"deletes\":%llu,\"patches\":%llu,\"posts\":%llu,"
                   "\"unchanged\":%llu}\n", (unsigned long long)dr.deletes,
                   (unsigned long long)dr.patches, (unsigned long long)dr.posts,
                   (unsigned long long)dr.unchanged);
        else if (!quiet)
            printf("annoport: plan written to %s\n  deletes    %llu\n  patches    %llu\n"
                   "  posts      %llu\n  unchanged  %llu\n", output,
                   (unsigned long long)dr.deletes, (unsigned long long)dr.patches,
                   (unsigned long long)dr.posts, (unsigned long long)dr.unchanged);
        free(app_user);
        ap_context_free(ctx);
        return rc;
    }
    ap_result res;
    rc = ap_run(ctx, mode, (const char *const *)argv + optind, (size_t)(argc - optind), output,
                &res);
    if (progress_shown)
        fputs("\r\033[K", stderr);
    if (json)
        print_json(ctx, &res, mode, rc, output);
    if (rc != AP_OK) {
        fprintf(stderr, "annoport: error: %s\n", ctx->errmsg);
    } else if (!quiet && !json) {
        if (mode == AP_RUN_STATS)
            print_stats(ctx, &res);
        else
            print_summary(ctx, &res, mode, output);
    }
    ap_result_free(&res);
    free(app_user);
    ap_context_free(ctx);
    return rc;
}
