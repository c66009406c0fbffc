/*
 * test_diff.c: annoport diff, the sync workflow. An app's annotations
 * (Clarifai list pages whose input ids are not file names, with boxes,
 * polygons and image-level labels, and GET /v2/inputs pages for sizes and
 * names) exported to COCO, VOC and TF-OD CSV and diffed unedited give an
 * empty plan, also after the COCO file lost the keys COCO does not define.
 * For many seeds: a generated dataset as an app, exported to COCO, edited
 * at random (move, relabel, delete, add, empty an image, add to an image
 * that had no objects), diffed; the plan applied to CURRENT with an
 * in-memory model of the API (post adds with new ids, an overwrite patch
 * replaces an annotation's data, delete removes by input and id) gives
 * exactly DESIRED, and only edited objects get a request.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static uint64_t rng_state;
static double rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* The annotations of every request file of a Clarifai tree, in order. */
static cJSON *requests_of(const char *tree, const char *kind)
{
    cJSON *all = cJSON_CreateArray();
    for (int i = 1;; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "requests/%s-annotations-%06d.json", kind, i);
        cJSON *body = t_json(t_path(tree, rel));
        if (!body)
            break;
        cJSON *a;
        while ((a = cJSON_DetachItemFromArray(cJSON_GetObjectItem(body, "annotations"), 0)))
            cJSON_AddItemToArray(all, a);
        cJSON_Delete(body);
    }
    return all;
}

static void write_json(const char *path, cJSON *v)
{
    char *text = cJSON_PrintUnformatted(v);
    t_write(path, text);
    free(text);
}

static void write_page(const char *path, cJSON *anns)
{
    cJSON *page = cJSON_CreateObject();
    cJSON *st = cJSON_AddObjectToObject(page, "status");
    cJSON_AddNumberToObject(st, "code", 10000);
    cJSON_AddItemReferenceToObject(page, "annotations", anns);
    write_json(path, page);
    cJSON_Delete(page);
}

static cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItem(o, k);
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines sorted and joined. */
static char *joined(char **lines, size_t n)
{
    qsort(lines, n, sizeof *lines, cmp_line);
    size_t total = 1;
    for (size_t i = 0; i < n; i++)
        total += strlen(lines[i]);
    char *out = calloc(total, 1);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        free(lines[i]);
    }
    free(lines);
    return out;
}

static void appendf(char *buf, size_t cap, const char *fmt, double a, double b)
{
    size_t n = strlen(buf);
    /* nudged off the halfway points that the same number, computed two
     * ways, could round to either side of */
    if (n < cap)
        snprintf(buf + n, cap - n, fmt, a + 1e-9, b + 1e-9);
}

/* A canonical line per concept of an annotation of the API's state:
 * input, concept name and value, geometry to 6 decimals; sorted. */
static char *canon_state(cJSON *anns)
{
    size_t n = 0, cap = 64;
    char **lines = malloc(cap * sizeof *lines);
    cJSON *a;
    cJSON_ArrayForEach(a, anns)
    {
        const char *input = get(a, "input_id")->valuestring;
        cJSON *data = get(a, "data"), *regions = get(data, "regions");
        cJSON *r = cJSON_GetArrayItem(regions, 0);
        cJSON *concepts = r ? get(get(r, "data"), "concepts") : get(data, "concepts");
        char geom[8192] = "L";
        if (r) {
            cJSON *info = get(r, "region_info"), *b = get(info, "bounding_box");
            if (b) {
                snprintf(geom, sizeof geom, "B");
                appendf(geom, sizeof geom, " %.6f %.6f", get(b, "left_col")->valuedouble,
                        get(b, "top_row")->valuedouble);
                appendf(geom, sizeof geom, " %.6f %.6f", get(b, "right_col")->valuedouble,
                        get(b, "bottom_row")->valuedouble);
            } else {
                snprintf(geom, sizeof geom, "P");
                cJSON *pt;
                cJSON_ArrayForEach(pt, get(get(info, "polygon"), "points"))
                    appendf(geom, sizeof geom, " %.6f %.6f", get(pt, "col")->valuedouble,
                            get(pt, "row")->valuedouble);
            }
        }
        cJSON *c;
        cJSON_ArrayForEach(c, concepts)
        {
            if (n + 1 >= cap)
                lines = realloc(lines, (cap *= 2) * sizeof *lines);
            char buf[8400];
            snprintf(buf, sizeof buf, "%s|%s=%g|%s\n", input, get(c, "name")->valuestring,
                     get(c, "value")->valuedouble, geom);
            lines[n++] = strdup(buf);
        }
    }
    return joined(lines, n);
}

/* The same lines from a COCO file, its images named by the app's ids
 * (ids: COCO image id -> input id, an object). */
static char *canon_coco(cJSON *coco, cJSON *ids)
{
    size_t n = 0, cap = 64;
    char **lines = malloc(cap * sizeof *lines);
    cJSON *a;
    cJSON_ArrayForEach(a, get(coco, "annotations"))
    {
        char key[32];
        snprintf(key, sizeof key, "%d", get(a, "image_id")->valueint);
        const char *input = get(ids, key)->valuestring;
        cJSON *img = NULL, *cat = NULL, *e;
        cJSON_ArrayForEach(e, get(coco, "images")) if (get(e, "id")->valueint ==
                                                       get(a, "image_id")->valueint) img = e;
        cJSON_ArrayForEach(e, get(coco, "categories")) if (get(e, "id")->valueint ==
                                                           get(a, "category_id")->valueint) cat = e;
        double W = get(img, "width")->valuedouble, H = get(img, "height")->valuedouble;
        cJSON *seg = cJSON_GetArrayItem(get(a, "segmentation"), 0), *bbox = get(a, "bbox");
        char geom[8192] = "L";
        if (seg) {
            snprintf(geom, sizeof geom, "P");
            for (int i = 0; i + 1 < cJSON_GetArraySize(seg); i += 2)
                appendf(geom, sizeof geom, " %.6f %.6f", cJSON_GetArrayItem(seg, i)->valuedouble / W,
                        cJSON_GetArrayItem(seg, i + 1)->valuedouble / H);
        } else if (bbox) {
            double x = cJSON_GetArrayItem(bbox, 0)->valuedouble;
            double y = cJSON_GetArrayItem(bbox, 1)->valuedouble;
            double w = cJSON_GetArrayItem(bbox, 2)->valuedouble;
            double h = cJSON_GetArrayItem(bbox, 3)->valuedouble;
            snprintf(geom, sizeof geom, "B");
            appendf(geom, sizeof geom, " %.6f %.6f", x / W, y / H);
            appendf(geom, sizeof geom, " %.6f %.6f", (x + w) / W, (y + h) / H);
        }
        if (n + 1 >= cap)
            lines = realloc(lines, (cap *= 2) * sizeof *lines);
        char buf[8400];
        snprintf(buf, sizeof buf, "%s|%s=1|%s\n", input, get(cat, "name")->valuestring, geom);
        lines[n++] = strdup(buf);
    }
    return joined(lines, n);
}

/* The in-memory API: apply the plan's files, in its order, to state. */
static void apply_plan(const char *plan_dir, cJSON *state, cJSON *touched, int *posted)
{
    cJSON *m = t_json(t_path(plan_dir, "manifest.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    int next_id = 0;
    cJSON *step;
    const char *last_kind = "delete";
    cJSON_ArrayForEach(step, cJSON_GetObjectItem(m, "plan"))
    {
        const char *kind = cJSON_GetObjectItem(step, "request")->valuestring;
        /* the order to send: deletes, then patches, then posts */
        CU_ASSERT(strcmp(last_kind, "delete") == 0 || strcmp(kind, "delete") != 0);
        CU_ASSERT(strcmp(last_kind, "post") != 0 || strcmp(kind, "post") == 0);
        last_kind = kind;
        cJSON *body = t_json(t_path(plan_dir, cJSON_GetObjectItem(step, "file")->valuestring));
        CU_ASSERT_PTR_NOT_NULL_FATAL(body);
        if (!strcmp(kind, "delete")) {
            cJSON *ins = cJSON_GetObjectItem(body, "input_ids"), *ids = cJSON_GetObjectItem(body, "ids");
            for (int k = 0; k < cJSON_GetArraySize(ids); k++) {
                const char *in = cJSON_GetArrayItem(ins, k)->valuestring;
                const char *id = cJSON_GetArrayItem(ids, k)->valuestring;
                cJSON_AddItemToArray(touched, cJSON_CreateString(id));
                int found = 0;
                for (int i = 0; i < cJSON_GetArraySize(state); i++) {
                    cJSON *a = cJSON_GetArrayItem(state, i);
                    if (!strcmp(cJSON_GetObjectItem(a, "id")->valuestring, id) &&
                        !strcmp(cJSON_GetObjectItem(a, "input_id")->valuestring, in)) {
                        cJSON_DeleteItemFromArray(state, i);
                        found = 1;
                        break;
                    }
                }
                CU_ASSERT_TRUE(found);
            }
        } else if (!strcmp(kind, "patch")) {
            T_ASSERT_STR(cJSON_GetObjectItem(body, "action")->valuestring, "overwrite");
            cJSON *p;
            cJSON_ArrayForEach(p, cJSON_GetObjectItem(body, "annotations"))
            {
                const char *id = cJSON_GetObjectItem(p, "id")->valuestring;
                cJSON_AddItemToArray(touched, cJSON_CreateString(id));
                int found = 0;
                cJSON *a;
                cJSON_ArrayForEach(a, state)
                {
                    if (strcmp(cJSON_GetObjectItem(a, "id")->valuestring, id))
                        continue;
                    cJSON_ReplaceItemInObject(a, "data",
                                              cJSON_Duplicate(cJSON_GetObjectItem(p, "data"), 1));
                    found = 1;
                }
                CU_ASSERT_TRUE(found);
            }
        } else {
            cJSON *p;
            cJSON_ArrayForEach(p, cJSON_GetObjectItem(body, "annotations"))
            {
                cJSON *a = cJSON_Duplicate(p, 1);
                (*posted)++;
                char id[32];
                snprintf(id, sizeof id, "new%d", ++next_id);
                cJSON_AddStringToObject(a, "id", id);
                cJSON_AddItemToArray(state, a);
            }
        }
        cJSON_Delete(body);
    }
    cJSON_Delete(m);
}


static int in_array(cJSON *arr, const char *s)
{
    cJSON *e;
    cJSON_ArrayForEach(e, arr) if (!strcmp(e->valuestring, s)) return 1;
    return 0;
}

/* CURRENT for a seed: a generated dataset converted with boxes and
 * polygons, as the app holds it: input ids "app-N", annotation ids,
 * image-level labels on every fourth input; and the inputs page. */
static cJSON *make_app(const char *d, int seed)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s '%s/tools/gen_dataset.py' --images 24 --seed %d --crowd-fraction "
             "0 --empty-fraction 0.2 --mean-objects 3 --quiet --out '%s/base.json' && %s convert "
             "'%s/base.json' --geometry both -o '%s/post' --quiet",
             t_python(), t_shared(), seed, d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    cJSON *base = t_json(t_path(d, "base.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(base);
    cJSON *app_of = cJSON_CreateObject(), *inputs = cJSON_CreateArray(), *img;
    int k = 0;
    cJSON_ArrayForEach(img, get(base, "images"))
    {
        const char *file = get(img, "file_name")->valuestring;
        char clean[64], app[32], url[128];
        snprintf(clean, sizeof clean, "%.*s", (int)(strlen(file) - 4), file);
        snprintf(app, sizeof app, "app-%d", ++k);
        cJSON_AddStringToObject(app_of, clean, app);
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "id", app);
        cJSON *data = cJSON_AddObjectToObject(in, "data");
        cJSON *image = cJSON_AddObjectToObject(data, "image");
        snprintf(url, sizeof url, "https://127.0.0.1/%s", k % 2 ? file : "opaque");
        cJSON_AddStringToObject(image, "url", url);
        cJSON *info = cJSON_AddObjectToObject(image, "image_info");
        cJSON_AddNumberToObject(info, "width", get(img, "width")->valuedouble);
        cJSON_AddNumberToObject(info, "height", get(img, "height")->valuedouble);
        if (k % 2 == 0)
            cJSON_AddStringToObject(cJSON_AddObjectToObject(data, "metadata"), "filename", file);
        cJSON_AddItemToArray(inputs, in);
    }
    cJSON *page = cJSON_CreateObject();
    cJSON_AddItemToObject(page, "inputs", inputs);
    write_json(t_path(d, "inputs.json"), page);
    cJSON_Delete(page);
    cJSON_Delete(base);

    cJSON *cur = requests_of(t_path(d, "post"), "post");
    int n = cJSON_GetArraySize(cur);
    CU_ASSERT_FATAL(n > 40);
    for (int i = 0; i < n; i++) {
        cJSON *a = cJSON_GetArrayItem(cur, i);
        char id[32];
        snprintf(id, sizeof id, "a%d", i);
        cJSON_AddStringToObject(a, "id", id);
        snprintf(id, sizeof id, "r%d", i);
        cJSON_AddStringToObject(cJSON_GetArrayItem(get(get(a, "data"), "regions"), 0), "id", id);
        const char *app = get(app_of, get(a, "input_id")->valuestring)->valuestring;
        cJSON_ReplaceItemInObject(a, "input_id", cJSON_CreateString(app));
    }
    for (int i = 1; i <= k; i += 4) {
        char app[32], id[32];
        snprintf(app, sizeof app, "app-%d", i);
        snprintf(id, sizeof id, "l%d", i);
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "id", id);
        cJSON_AddStringToObject(a, "input_id", app);
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "id", i % 8 == 1 ? "indoor" : "outdoor");
        cJSON_AddStringToObject(c, "name", i % 8 == 1 ? "indoor" : "outdoor");
        cJSON_AddNumberToObject(c, "value", 1);
        cJSON *cs = cJSON_AddArrayToObject(cJSON_AddObjectToObject(a, "data"), "concepts");
        cJSON_AddItemToArray(cs, c);
        cJSON_AddItemToArray(cur, a);
    }
    cJSON_Delete(app_of);
    write_page(t_path(d, "current.json"), cur);
    return cur;
}

static void shift_y(cJSON *arr, int from, int step, double by)
{
    for (int i = from; i < cJSON_GetArraySize(arr); i += step) {
        cJSON *v = cJSON_GetArrayItem(arr, i);
        cJSON_SetNumberValue(v, v->valuedouble + by);
    }
}

/* Random edits of an export: each edited annotation's app id goes to
 * edited; returns the number of posts the plan must hold. */
static int edit_export(cJSON *coco, cJSON *edited)
{
    cJSON *anns = get(coco, "annotations"), *cats = get(coco, "categories");
    int ncats = cJSON_GetArraySize(cats), posts = 0, next = 100000;
    /* one image emptied: the first with objects after a random pick */
    int nimg = cJSON_GetArraySize(get(coco, "images"));
    int emptied = get(cJSON_GetArrayItem(get(coco, "images"), (int)(rnd() * nimg)), "id")->valueint;
    for (int i = 0; i < cJSON_GetArraySize(anns);) {
        cJSON *a = cJSON_GetArrayItem(anns, i);
        const char *id = get(a, "clarifai_annotation_id")->valuestring;
        cJSON *bbox = get(a, "bbox"), *seg = cJSON_GetArrayItem(get(a, "segmentation"), 0);
        double r = rnd();
        if (get(a, "image_id")->valueint == emptied || r < 0.08) { /* deleted */
            cJSON_AddItemToArray(edited, cJSON_CreateString(id));
            cJSON_DeleteItemFromArray(anns, i);
            continue;
        }
        if (r < 0.18 && bbox) { /* moved down by a tenth of its height */
            double h = cJSON_GetArrayItem(bbox, 3)->valuedouble;
            double y = cJSON_GetArrayItem(bbox, 1)->valuedouble;
            cJSON *img = NULL, *e;
            cJSON_ArrayForEach(e, get(coco, "images")) if (get(e, "id")->valueint ==
                                                           get(a, "image_id")->valueint) img = e;
            double by = floor(h * 0.1); /* IoU with where it was >= 0.8 */
            if (by >= 1 && y + h + by <= get(img, "height")->valuedouble) {
                shift_y(bbox, 1, 4, by);
                if (seg)
                    shift_y(seg, 1, 2, by);
                cJSON_AddItemToArray(edited, cJSON_CreateString(id));
            }
        } else if (r < 0.26) { /* relabeled */
            int cat = get(a, "category_id")->valueint;
            int to = get(cJSON_GetArrayItem(cats, (int)(rnd() * ncats)), "id")->valueint;
            if (to != cat) {
                cJSON_SetNumberValue(get(a, "category_id"), to);
                cJSON_AddItemToArray(edited, cJSON_CreateString(id));
                posts += !bbox; /* an image-level label is replaced: delete + post */
            }
        }
        i++;
    }
    /* new boxes, also on images that had no objects */
    cJSON *img;
    cJSON_ArrayForEach(img, get(coco, "images"))
    {
        if (rnd() >= 0.25)
            continue;
        double W = get(img, "width")->valuedouble, H = get(img, "height")->valuedouble;
        double x = floor(rnd() * W / 2), y = floor(rnd() * H / 2);
        cJSON *a = cJSON_CreateObject();
        cJSON_AddNumberToObject(a, "id", next++);
        cJSON_AddNumberToObject(a, "image_id", get(img, "id")->valuedouble);
        cJSON_AddNumberToObject(a, "category_id",
                                get(cJSON_GetArrayItem(cats, (int)(rnd() * ncats)), "id")->valuedouble);
        double b[4] = {x, y, floor(W / 4) + 3, floor(H / 4) + 5};
        cJSON_AddItemToObject(a, "bbox", cJSON_CreateDoubleArray(b, 4));
        cJSON_AddItemToObject(a, "segmentation", cJSON_CreateArray());
        cJSON_AddItemToArray(anns, a);
        posts++;
    }
    return posts;
}

static void one_seed(int seed)
{
    char name[32], cmd[4096];
    snprintf(name, sizeof name, "diff_seed_%d", seed);
    const char *dir = t_dir(name);
    char d[512];
    snprintf(d, sizeof d, "%s", dir);
    rng_state = (uint64_t)seed * 7919 + 1;
    cJSON *cur = make_app(d, seed);
    snprintf(cmd, sizeof cmd, "convert '%s/current.json' --inputs '%s/inputs.json' --to coco -o "
             "'%s/export' --quiet", d, d, d);
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
    cJSON *coco = t_json(t_path(d, "export/annotations.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(coco);
    /* the app's input of each COCO image */
    cJSON *ids = cJSON_CreateObject(), *img;
    cJSON_ArrayForEach(img, get(coco, "images"))
    {
        char key[32];
        snprintf(key, sizeof key, "%d", get(img, "id")->valueint);
        cJSON_AddStringToObject(ids, key, get(img, "clarifai_input_id")->valuestring);
    }
    cJSON *edited = cJSON_CreateArray();
    int posts = edit_export(coco, edited);
    if (seed % 2) { /* re-saved by a tool that keeps only what COCO defines */
        cJSON *e;
        cJSON_ArrayForEach(e, get(coco, "images")) cJSON_DeleteItemFromObject(e, "clarifai_input_id");
        cJSON_ArrayForEach(e, get(coco, "annotations"))
            cJSON_DeleteItemFromObject(e, "clarifai_annotation_id");
    }
    write_json(t_path(d, "export/edited.json"), coco);
    /* file names from the inputs page on some seeds; else from the
     * export's manifest beside the file, or the ids */
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' '%s/export/edited.json' -o '%s/plan' "
             "--quiet%s%s%s", d, d, d, seed % 4 == 1 ? " --inputs '" : "", seed % 4 == 1 ? d : "",
             seed % 4 == 1 ? "/inputs.json'" : "");
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
    cJSON *m = t_json(t_path(d, "plan/manifest.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(get(get(m, "counts"), "unknown_inputs")->valueint, 0);
    CU_ASSERT_EQUAL(get(get(m, "counts"), "not_compared")->valueint, 0);
    CU_ASSERT_EQUAL(get(get(m, "inputs"), "not_in_desired")->valueint, 0);
    cJSON_Delete(m);
    snprintf(cmd, sizeof cmd, "cd '%s/plan' && ls requests 2>/dev/null | wc -l", d);
    char *count = NULL;
    t_sh(cmd, &count, NULL);
    if (count && atoi(count) > 0) {
        snprintf(cmd, sizeof cmd, "%s '%s/tools/check_requests.py' '%s'/plan/requests/*.json",
                 t_python(), t_shared(), d);
        CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
    }
    free(count);
    cJSON *touched = cJSON_CreateArray();
    int posted = 0;
    apply_plan(t_path(d, "plan"), cur, touched, &posted);
    char *got = canon_state(cur), *want = canon_coco(coco, ids);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "\nseed %d: the plan applied to CURRENT is not DESIRED (%s)\n", seed, d);
        t_write(t_path(d, "got.txt"), got);
        t_write(t_path(d, "want.txt"), want);
    }
    T_ASSERT_STR(got, want);
    /* a request for every edited object, and for no other */
    cJSON *e;
    int extra = 0, missing = 0;
    cJSON_ArrayForEach(e, touched) if (!in_array(edited, e->valuestring)) {
        extra++;
        if (extra <= 5)
            fprintf(stderr, "seed %d: %s got a request, and was not edited\n", seed, e->valuestring);
    }
    cJSON_ArrayForEach(e, edited) missing += !in_array(touched, e->valuestring);
    if (extra || missing || posted != posts)
        fprintf(stderr, "\nseed %d: %d requests on unedited objects, %d edits without one, "
                "%d posts for %d new objects\n", seed, extra, missing, posted, posts);
    CU_ASSERT_EQUAL(extra, 0);
    CU_ASSERT_EQUAL(missing, 0);
    CU_ASSERT_EQUAL(posted, posts);
    CU_ASSERT(cJSON_GetArraySize(edited) > 3);
    free(got);
    free(want);
    cJSON_Delete(touched);
    cJSON_Delete(edited);
    cJSON_Delete(ids);
    cJSON_Delete(coco);
    cJSON_Delete(cur);
}

static void test_diff_random_edits(void)
{
    for (int seed = 1; seed <= 24; seed++) {
        /* the assertions are one_seed's own lines: name the seed */
        unsigned before = CU_get_number_of_failures();
        one_seed(seed);
        if (CU_get_number_of_failures() != before)
            fprintf(stderr, "\nrandom edits failed for seed %d\n", seed);
    }
}

#define SYNC "tests/data/sync/"

/* A diff's --json line. */
static char *diff_json(const char *current, const char *desired, const char *plan,
                       const char *more)
{
    char cmd[4096], *out = NULL;
    snprintf(cmd, sizeof cmd, "diff '%s' '%s' -o '%s' --json %s", current, desired, plan, more);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    return out;
}

static void export_to(const char *d, const char *fmt)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "convert " SYNC "annotations.json --inputs " SYNC "inputs.json "
             "--to %s -o '%s/exp-%s' --quiet", fmt, d, fmt);
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
}

static void test_diff_coco_export_round_trip(void)
{
    const char *d = t_dir("diff_rt_coco");
    export_to(d, "coco");
    char *out = diff_json(SYNC "annotations.json", t_path(d, "exp-coco/annotations.json"),
                          t_path(d, "plan"), "");
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":7,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":4,"
                      "\"paired_by_file_name\":0}\n");
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan/requests")));
    /* the ids are in the file */
    char *text = t_read(t_path(d, "exp-coco/annotations.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL(text ? strstr(text, "\"file_name\":\"dog.jpg\",\"width\":640,"
                                               "\"height\":480,\"clarifai_input_id\":\"img-1\"") : NULL);
    CU_ASSERT_PTR_NOT_NULL(text ? strstr(text, "\"clarifai_annotation_id\":\"a2\"") : NULL);
    free(text);
}

/* The COCO export in d re-saved by a tool that drops the keys COCO does not
 * define: exp-coco/resaved.json beside the export's manifest, and
 * alone.json away from it. */
static void resave_coco_export(const char *d)
{
    export_to(d, "coco");
    cJSON *coco = t_json(t_path(d, "exp-coco/annotations.json")), *e;
    CU_ASSERT_PTR_NOT_NULL_FATAL(coco);
    cJSON_ArrayForEach(e, get(coco, "images")) cJSON_DeleteItemFromObject(e, "clarifai_input_id");
    cJSON_ArrayForEach(e, get(coco, "annotations"))
        cJSON_DeleteItemFromObject(e, "clarifai_annotation_id");
    char *text = cJSON_Print(coco);
    t_write(t_path(d, "exp-coco/resaved.json"), text);
    t_write(t_path(d, "alone.json"), text);
    free(text);
    cJSON_Delete(coco);
}

static const char resaved_empty_plan[] =
    "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":7,"
    "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":0,"
    "\"paired_by_file_name\":4}\n";

/* The re-saved export beside its manifest: paired by the manifest's file
 * names. */
static void test_diff_coco_resaved_round_trip(void)
{
    const char *dd = t_dir("diff_rt_resaved");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    resave_coco_export(d);
    char *out = diff_json(SYNC "annotations.json", t_path(d, "exp-coco/resaved.json"),
                          t_path(d, "plan1"), "");
    T_ASSERT_STR(out, resaved_empty_plan);
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan1/requests")));
}

/* the same file away from the export's manifest: paired by the file names
 * of the inputs pages */
static void test_diff_coco_resaved_paired_by_inputs_pages(void)
{
    const char *dd = t_dir("diff_rt_resaved_alone");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    resave_coco_export(d);
    char *out = diff_json(SYNC "annotations.json", t_path(d, "alone.json"), t_path(d, "plan2"),
                          "--inputs " SYNC "inputs.json");
    T_ASSERT_STR(out, resaved_empty_plan);
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan2/requests")));
}

/* VOC and TF-OD CSV hold boxes only: CURRENT's polygons and image-level
 * labels are not compared, and left alone. */
static void test_diff_voc_round_trip(void)
{
    const char *dd = t_dir("diff_rt_voc");
    char d[512], *out;
    snprintf(d, sizeof d, "%s", dd);
    export_to(d, "voc");
    out = diff_json(SYNC "annotations.json", t_path(d, "exp-voc"), t_path(d, "plan-voc"), "");
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":3,"
                      "\"not_compared\":4,\"unknown_inputs\":0,\"paired_by_id\":0,"
                      "\"paired_by_file_name\":4}\n");
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan-voc/requests")));
    cJSON *m = t_json(t_path(d, "plan-voc/manifest.json"));
    char *kinds = cJSON_PrintUnformatted(get(m, "not_compared_kinds"));
    T_ASSERT_STR(kinds, "[\"polygons\",\"image_labels\",\"absent_labels\"]");
    free(kinds);
    cJSON_Delete(m);
}

static void test_diff_csv_round_trip(void)
{
    const char *dd = t_dir("diff_rt_csv");
    char d[512], *out;
    snprintf(d, sizeof d, "%s", dd);
    export_to(d, "csv");
    out = diff_json(SYNC "annotations.json", t_path(d, "exp-csv/annotations.csv"),
                    t_path(d, "plan-csv"), "");
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":3,"
                      "\"not_compared\":4,\"unknown_inputs\":0,\"paired_by_id\":0,"
                      "\"paired_by_file_name\":3}\n");
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan-csv/requests")));
}

/* the summary says what was not compared */
static void test_diff_summary_says_what_was_not_compared(void)
{
    const char *dd = t_dir("diff_rt_voc_summary");
    char d[512], *out = NULL, *err = NULL;
    snprintf(d, sizeof d, "%s", dd);
    export_to(d, "voc");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "diff " SYNC "annotations.json '%s/exp-voc' -o '%s/plan-voc2'", d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "  inputs     0 paired by id, 4 by file name, 0 "
                                             "unknown\n  not compared (DESIRED's format holds no "
                                             "polygons, image-level labels, absent labels)  4\n")
                               : NULL);
    T_ASSERT_STR(err, "");
    free(out);
    free(err);
}

/* An image DESIRED lists with no objects loses its annotations. */
static void test_diff_emptied_image(void)
{
    const char *dd = t_dir("diff_emptied");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    export_to(d, "coco");
    cJSON *coco = t_json(t_path(d, "exp-coco/annotations.json"));
    cJSON *anns = get(coco, "annotations");
    for (int i = cJSON_GetArraySize(anns) - 1; i >= 0; i--)
        if (get(cJSON_GetArrayItem(anns, i), "image_id")->valueint == 2)
            cJSON_DeleteItemFromArray(anns, i);
    write_json(t_path(d, "exp-coco/emptied.json"), coco);
    cJSON_Delete(coco);
    char *out = diff_json(SYNC "annotations.json", t_path(d, "exp-coco/emptied.json"),
                          t_path(d, "plan"), "");
    /* img-2's box with two concepts, its polygon and its labels (the absent
     * one, which COCO cannot say, stays) */
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":2,\"patches\":1,\"posts\":0,\"unchanged\":4,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":4,"
                      "\"paired_by_file_name\":0}\n");
    free(out);
    cJSON *del = t_json(t_path(d, "plan/requests/delete-annotations-000001.json"));
    char *body = cJSON_PrintUnformatted(del);
    T_ASSERT_STR(body, "{\"input_ids\":[\"img-2\",\"img-2\"],\"ids\":[\"a4\",\"a5\"]}");
    free(body);
    cJSON_Delete(del);
    cJSON *patch = t_json(t_path(d, "plan/requests/patch-annotations-000001.json"));
    body = cJSON_PrintUnformatted(patch);
    T_ASSERT_STR(body, "{\"action\":\"overwrite\",\"annotations\":[{\"id\":\"a6\",\"input_id\":"
                       "\"img-2\",\"data\":{\"concepts\":[{\"id\":\"night\",\"name\":\"night\","
                       "\"value\":0}]}}]}");
    free(body);
    cJSON_Delete(patch);
}

/* A polygon is compared with a polygon: moved, it gets a polygon patch. */
static void test_diff_polygon_patch(void)
{
    const char *dd = t_dir("diff_polygon");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    export_to(d, "coco");
    cJSON *coco = t_json(t_path(d, "exp-coco/annotations.json"));
    cJSON *a = cJSON_GetArrayItem(get(coco, "annotations"), 1); /* a2, the polygon */
    T_ASSERT_STR(get(a, "clarifai_annotation_id")->valuestring, "a2");
    shift_y(cJSON_GetArrayItem(get(a, "segmentation"), 0), 1, 2, 24);
    shift_y(get(a, "bbox"), 1, 4, 24);
    write_json(t_path(d, "exp-coco/moved.json"), coco);
    cJSON_Delete(coco);
    char *out = diff_json(SYNC "annotations.json", t_path(d, "exp-coco/moved.json"),
                          t_path(d, "plan"), "");
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":1,\"posts\":0,\"unchanged\":6,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":4,"
                      "\"paired_by_file_name\":0}\n");
    free(out);
    cJSON *patch = t_json(t_path(d, "plan/requests/patch-annotations-000001.json"));
    cJSON *r = cJSON_GetArrayItem(get(get(cJSON_GetArrayItem(get(patch, "annotations"), 0),
                                          "data"), "regions"), 0);
    T_ASSERT_STR(get(r, "id")->valuestring, "r2");
    cJSON *pts = get(get(get(r, "region_info"), "polygon"), "points");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(pts), 4);
    CU_ASSERT_DOUBLE_EQUAL(get(cJSON_GetArrayItem(pts, 0), "row")->valuedouble, 0.15, 1e-12);
    CU_ASSERT_PTR_NULL(get(get(r, "region_info"), "bounding_box"));
    cJSON_Delete(patch);
}

/* DESIRED with an image CURRENT does not hold (new/bird.jpg). */
static void write_desired_with_new_image(const char *d)
{
    t_write(t_path(d, "desired.json"),
            "{\"images\":[{\"id\":1,\"file_name\":\"dog.jpg\",\"width\":640,\"height\":480},"
            "{\"id\":2,\"file_name\":\"new/bird.jpg\",\"width\":100,\"height\":100},"
            "{\"id\":3,\"file_name\":\"blank.jpg\",\"width\":100,\"height\":100}],"
            "\"annotations\":[{\"id\":1,\"image_id\":2,\"category_id\":1,\"bbox\":[10,10,20,20]}],"
            "\"categories\":[{\"id\":1,\"name\":\"bird\"}]}");
}

/* A DESIRED image CURRENT does not hold: a warning, a count, no posts
 * unless asked. */
static void test_diff_unknown_input(void)
{
    const char *dd = t_dir("diff_unknown");
    char d[512], cmd[2048], *out = NULL, *err = NULL;
    snprintf(d, sizeof d, "%s", dd);
    write_desired_with_new_image(d);
    snprintf(cmd, sizeof cmd, "diff " SYNC "annotations.json '%s/desired.json' --inputs "
             SYNC "inputs.json -o '%s/plan' --json", d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, &err), 0);
    /* dog.jpg pairs with img-1 by file name and is emptied; blank.jpg has
     * nothing to do */
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":3,\"patches\":0,\"posts\":0,\"unchanged\":4,"
                      "\"not_compared\":0,\"unknown_inputs\":1,\"paired_by_id\":0,"
                      "\"paired_by_file_name\":1}\n");
    T_ASSERT_STR(err, "annoport: warning: DESIRED's image \"new/bird.jpg\" (input \"new_bird\") "
                      "is not in CURRENT: no input id or file name matches; its objects are not "
                      "posted (--post-unknown-inputs posts them)\n");
    free(out);
    free(err);
}

/* --post-unknown-inputs posts them, under the input id of their file name */
static void test_diff_post_unknown_inputs(void)
{
    const char *dd = t_dir("diff_unknown_posted");
    char d[512], cmd[2048], *out = NULL;
    snprintf(d, sizeof d, "%s", dd);
    write_desired_with_new_image(d);
    snprintf(cmd, sizeof cmd, "diff " SYNC "annotations.json '%s/desired.json' --inputs "
             SYNC "inputs.json -o '%s/plan2' --json --post-unknown-inputs --quiet", d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "\"posts\":1,") : NULL);
    free(out);
    cJSON *post = t_json(t_path(d, "plan2/requests/post-annotations-000001.json"));
    T_ASSERT_STR(get(cJSON_GetArrayItem(get(post, "annotations"), 0), "input_id")->valuestring,
                 "new_bird");
    cJSON_Delete(post);
}

/* A generated dataset in d (base.json), converted (post/) and exported
 * back to COCO (exp/). */
static void rounding_case(const char *d)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s '%s/tools/gen_dataset.py' --images 120 --seed 5 --quiet --out "
             "'%s/base.json' && %s convert '%s/base.json' --annotation-ids hash -o '%s/post' "
             "--quiet && %s convert '%s/post' --to coco -o '%s/exp' --quiet",
             t_python(), t_shared(), d, t_bin(), d, d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
}

/* A converted dataset, exported back and diffed: no rounding noise; */
static void test_diff_export_has_no_rounding_noise(void)
{
    const char *dd = t_dir("diff_rounding");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    rounding_case(d);
    char *out = diff_json(t_path(d, "post"), t_path(d, "exp/annotations.json"),
                          t_path(d, "plan1"), "");
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "\"deletes\":0,\"patches\":0,\"posts\":0,") : NULL);
    free(out);
}

/* nor against the dataset it came from, */
static void test_diff_source_has_no_rounding_noise(void)
{
    const char *dd = t_dir("diff_rounding_source");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    rounding_case(d);
    char *out = diff_json(t_path(d, "post"), t_path(d, "base.json"), t_path(d, "plan2"), "");
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "\"deletes\":0,\"patches\":0,\"posts\":0,") : NULL);
    free(out);
}

/* nor against a CURRENT whose coordinates the API kept as float32 */
static void test_diff_float32_current_has_no_rounding_noise(void)
{
    const char *dd = t_dir("diff_rounding_float32");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    rounding_case(d);
    cJSON *cur = requests_of(t_path(d, "post"), "post"), *a;
    int n = 0;
    cJSON_ArrayForEach(a, cur)
    {
        cJSON *b = get(get(cJSON_GetArrayItem(get(get(a, "data"), "regions"), 0), "region_info"),
                       "bounding_box"), *v;
        cJSON_ArrayForEach(v, b)
        {
            n += (double)(float)v->valuedouble != v->valuedouble;
            cJSON_SetNumberValue(v, (double)(float)v->valuedouble);
        }
    }
    CU_ASSERT(n > 100);
    write_page(t_path(d, "float32.json"), cur);
    cJSON_Delete(cur);
    char *out = diff_json(t_path(d, "float32.json"), t_path(d, "base.json"), t_path(d, "plan3"),
                          "");
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "\"deletes\":0,\"patches\":0,\"posts\":0,") : NULL);
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan3/requests")));
}

/* CURRENT in d: the COCO sample converted, with annotation ids, as a list
 * page (current.json). */
static void sample_current(const char *d)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s convert samples/coco/instances.json -o '%s/post' --quiet",
             t_bin(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    cJSON *cur = requests_of(t_path(d, "post"), "post");
    for (int i = 0; i < cJSON_GetArraySize(cur); i++) {
        char id[32];
        snprintf(id, sizeof id, "a%d", i);
        cJSON_AddStringToObject(cJSON_GetArrayItem(cur, i), "id", id);
    }
    write_page(t_path(d, "current.json"), cur);
    cJSON_Delete(cur);
}

static void test_diff_self_is_empty(void)
{
    const char *d = t_dir("diff_self");
    char cmd[2048], *out = NULL;
    sample_current(d);
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' '%s/current.json' -o '%s/plan' --json", d,
             d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":5,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":3,"
                      "\"paired_by_file_name\":0}\n");
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan/requests")));
}

/* against the dataset it came from (its image without objects is not in
 * CURRENT, and needs nothing) */
static void test_diff_against_source_is_empty(void)
{
    const char *d = t_dir("diff_self_source");
    char cmd[2048], *out = NULL;
    sample_current(d);
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' samples/coco/instances.json -o '%s/plan2' "
             "--json", d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":5,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":3,"
                      "\"paired_by_file_name\":0}\n");
    free(out);
}

/* DESIRED naming one of CURRENT's three inputs. */
static void write_fewer(const char *d)
{
    t_write(t_path(d, "fewer.json"),
            "{\"images\":[{\"id\":1,\"file_name\":\"kitchen/0001.jpg\",\"width\":640,"
            "\"height\":480}],\"annotations\":[{\"id\":10,\"image_id\":1,\"category_id\":3,"
            "\"bbox\":[100,120,50.5,40]},{\"id\":11,\"image_id\":1,\"category_id\":17,"
            "\"bbox\":[600,400,60,100]}],\"categories\":[{\"id\":3,\"name\":\"cup\"},"
            "{\"id\":17,\"name\":\"cat\"}]}");
}

/* an input DESIRED does not name is left alone */
static void test_diff_input_not_in_desired_left_alone(void)
{
    const char *d = t_dir("diff_fewer");
    char cmd[2048], *out = NULL;
    sample_current(d);
    write_fewer(d);
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' '%s/fewer.json' -o '%s/plan4' --json", d,
             d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":5,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":1,"
                      "\"paired_by_file_name\":0}\n");
    free(out);
}

/* unless --delete-missing-inputs */
static void test_diff_delete_missing_inputs(void)
{
    const char *d = t_dir("diff_fewer_deleted");
    char cmd[2048], *out = NULL;
    sample_current(d);
    write_fewer(d);
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' '%s/fewer.json' -o '%s/plan5' --json "
             "--delete-missing-inputs", d, d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":3,\"patches\":0,\"posts\":0,\"unchanged\":2,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":1,"
                      "\"paired_by_file_name\":0}\n");
    free(out);
}

/* CURRENT without ids is refused */
static void test_diff_current_without_ids_refused(void)
{
    const char *d = t_dir("diff_no_ids");
    char cmd[2048], *err = NULL;
    snprintf(cmd, sizeof cmd, "diff samples/expected/coco samples/coco/instances.json -o "
             "'%s/plan3'", d);
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "have no ids") : NULL);
    free(err);
}

/* and says so on standard output under --json */
static void test_diff_current_without_ids_json(void)
{
    const char *d = t_dir("diff_no_ids_json");
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof cmd, "diff samples/expected/coco samples/coco/instances.json -o "
             "'%s/plan3' --json 2>/dev/null", d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 65);
    T_ASSERT_STR(out, "{\"ok\":false,\"exit\":65,\"error\":\"samples/expected/coco: "
                      "annotations of input \\\"kitchen_0001\\\" have no ids: CURRENT must be a "
                      "Clarifai export of the app\"}\n");
    free(out);
}

/* An object of DESIRED that cannot be read (a reject) may be one of
 * CURRENT's: on its image nothing of CURRENT is deleted. */
static void test_diff_rejects_keep_current(void)
{
    const char *d = t_dir("diff_rejects");
    char cmd[2048], *out = NULL, *err = NULL;
    t_write(t_path(d, "desired.json"),
            "{\"images\":[{\"id\":1,\"file_name\":\"dog.jpg\",\"width\":640,\"height\":480}],"
            "\"annotations\":[{\"id\":1,\"image_id\":1,\"category_id\":1,\"bbox\":[1,1,0,0]}],"
            "\"categories\":[{\"id\":1,\"name\":\"dog\"}]}");
    snprintf(cmd, sizeof cmd, "diff " SYNC "annotations.json '%s/desired.json' --inputs "
             SYNC "inputs.json -o '%s/plan' --json", d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, &err), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":7,"
                      "\"not_compared\":0,\"unknown_inputs\":0,\"paired_by_id\":0,"
                      "\"paired_by_file_name\":1}\n");
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "DESIRED's image \"dog.jpg\" has 1 object that "
                                             "could not be read") : NULL);
    cJSON *m = t_json(t_path(d, "plan/manifest.json"));
    CU_ASSERT_EQUAL(get(get(m, "counts"), "kept_for_rejects")->valueint, 3);
    cJSON_Delete(m);
    free(out);
    free(err);
}

/* An unedited YOLO export diffs to an empty plan: its images pair by the
 * file names of the export's manifest; YOLO holds boxes and polygons, so
 * only image-level and absent labels are left uncompared. */
static void test_diff_yolo_round_trip(void)
{
    const char *dd = t_dir("diff_rt_yolo");
    char d[512];
    snprintf(d, sizeof d, "%s", dd);
    export_to(d, "yolo");
    char *out = diff_json(SYNC "annotations.json", t_path(d, "exp-yolo"), t_path(d, "plan"), "");
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":5,"
                      "\"not_compared\":2,\"unknown_inputs\":0,\"paired_by_id\":0,"
                      "\"paired_by_file_name\":4}\n");
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan/requests")));
    cJSON *m = t_json(t_path(d, "plan/manifest.json"));
    char *kinds = cJSON_PrintUnformatted(get(m, "not_compared_kinds"));
    T_ASSERT_STR(kinds, "[\"image_labels\",\"absent_labels\"]");
    free(kinds);
    cJSON_Delete(m);
}

CU_TestInfo diff_tests[] = {
    {"test_diff_rejects_keep_current", test_diff_rejects_keep_current},
    {"test_diff_self_is_empty", test_diff_self_is_empty},
    {"test_diff_against_source_is_empty", test_diff_against_source_is_empty},
    {"test_diff_input_not_in_desired_left_alone", test_diff_input_not_in_desired_left_alone},
    {"test_diff_delete_missing_inputs", test_diff_delete_missing_inputs},
    {"test_diff_current_without_ids_refused", test_diff_current_without_ids_refused},
    {"test_diff_current_without_ids_json", test_diff_current_without_ids_json},
    {"test_diff_coco_export_round_trip", test_diff_coco_export_round_trip},
    {"test_diff_coco_resaved_round_trip", test_diff_coco_resaved_round_trip},
    {"test_diff_coco_resaved_paired_by_inputs_pages",
     test_diff_coco_resaved_paired_by_inputs_pages},
    {"test_diff_voc_round_trip", test_diff_voc_round_trip},
    {"test_diff_csv_round_trip", test_diff_csv_round_trip},
    {"test_diff_summary_says_what_was_not_compared", test_diff_summary_says_what_was_not_compared},
    {"test_diff_emptied_image", test_diff_emptied_image},
    {"test_diff_polygon_patch", test_diff_polygon_patch},
    {"test_diff_unknown_input", test_diff_unknown_input},
    {"test_diff_post_unknown_inputs", test_diff_post_unknown_inputs},
    {"test_diff_export_has_no_rounding_noise", test_diff_export_has_no_rounding_noise},
    {"test_diff_source_has_no_rounding_noise", test_diff_source_has_no_rounding_noise},
    {"test_diff_float32_current_has_no_rounding_noise",
     test_diff_float32_current_has_no_rounding_noise},
    {"test_diff_random_edits", test_diff_random_edits},
    {"test_diff_yolo_round_trip", test_diff_yolo_round_trip},
    CU_TEST_INFO_NULL,
};
