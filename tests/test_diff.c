/*
 * test_diff.c: annoport diff. A dataset against itself is an empty plan;
 * and for many seeds: take a generated dataset as an app's annotations
 * (ids given), edit it at random (move, relabel, delete, add), compute the
 * plan, apply it to CURRENT with an in-memory model of the API (post adds
 * with new ids, an overwrite patch replaces an annotation's data, delete
 * removes by input and id), and compare with DESIRED: identical.
 */
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

static void write_page(const char *path, cJSON *anns)
{
    cJSON *page = cJSON_CreateObject();
    cJSON *st = cJSON_AddObjectToObject(page, "status");
    cJSON_AddNumberToObject(st, "code", 10000);
    cJSON_AddItemReferenceToObject(page, "annotations", anns);
    char *text = cJSON_PrintUnformatted(page);
    t_write(path, text);
    free(text);
    cJSON_Delete(page);
}

static cJSON *box_of(cJSON *a)
{
    cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "data"), "regions"), 0);
    return cJSON_GetObjectItem(cJSON_GetObjectItem(r, "region_info"), "bounding_box");
}

static cJSON *concept_of(cJSON *a)
{
    cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "data"), "regions"), 0);
    return cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "data"), "concepts"), 0);
}

static void set_num(cJSON *o, const char *k, double v)
{
    cJSON_ReplaceItemInObject(o, k, cJSON_CreateNumber(v));
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A canonical line per annotation: input, concepts, box; sorted. */
static char *canon(cJSON *anns)
{
    int n = cJSON_GetArraySize(anns);
    char **lines = calloc((size_t)n + 1, sizeof *lines);
    size_t total = 1;
    for (int i = 0; i < n; i++) {
        cJSON *a = cJSON_GetArrayItem(anns, i);
        cJSON *b = box_of(a), *c = concept_of(a);
        char buf[512];
        snprintf(buf, sizeof buf, "%s|%s=%g|%.17g,%.17g,%.17g,%.17g\n",
                 cJSON_GetObjectItem(a, "input_id")->valuestring,
                 cJSON_GetObjectItem(c, "id")->valuestring,
                 cJSON_GetObjectItem(c, "value")->valuedouble,
                 cJSON_GetObjectItem(b, "top_row")->valuedouble,
                 cJSON_GetObjectItem(b, "left_col")->valuedouble,
                 cJSON_GetObjectItem(b, "bottom_row")->valuedouble,
                 cJSON_GetObjectItem(b, "right_col")->valuedouble);
        lines[i] = strdup(buf);
        total += strlen(buf);
    }
    qsort(lines, (size_t)n, sizeof *lines, cmp_line);
    char *out = calloc(total, 1);
    for (int i = 0; i < n; i++) {
        strcat(out, lines[i]);
        free(lines[i]);
    }
    free(lines);
    return out;
}

/* The in-memory API: apply the plan's files, in its order, to state. */
static void apply_plan(const char *plan_dir, cJSON *state)
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

static void one_seed(int seed)
{
    char name[32];
    snprintf(name, sizeof name, "diff_seed_%d", seed);
    const char *d = t_dir(name);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s '%s/tools/gen_dataset.py' --images 30 --seed %d --crowd-fraction "
             "0 --quiet --out '%s/base.json' && %s convert '%s/base.json' -o '%s/post' --quiet",
             t_python(), t_shared(), seed, d, t_bin(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    /* CURRENT: what the app holds, with the ids the API gave */
    cJSON *cur = requests_of(t_path(d, "post"), "post");
    int n = cJSON_GetArraySize(cur);
    CU_ASSERT_FATAL(n > 50);
    for (int i = 0; i < n; i++) {
        cJSON *a = cJSON_GetArrayItem(cur, i);
        char id[32];
        snprintf(id, sizeof id, "a%d", i);
        cJSON_AddStringToObject(a, "id", id);
        snprintf(id, sizeof id, "r%d", i);
        cJSON_AddStringToObject(
            cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "data"), "regions"), 0),
            "id", id);
    }
    write_page(t_path(d, "current.json"), cur);
    /* DESIRED: edited at random, without ids */
    rng_state = (uint64_t)seed * 7919 + 1;
    cJSON *des = cJSON_CreateArray();
    const char *labels[3] = {"person", "zebra", "kite"};
    for (int i = 0; i < n; i++) {
        cJSON *a = cJSON_Duplicate(cJSON_GetArrayItem(cur, i), 1);
        cJSON_DeleteItemFromObject(a, "id");
        cJSON_DeleteItemFromObject(
            cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "data"), "regions"), 0),
            "id");
        double r = rnd();
        if (r < 0.1) { /* deleted */
            cJSON_Delete(a);
            continue;
        }
        if (r < 0.25) { /* moved a little */
            cJSON *b = box_of(a);
            double top = cJSON_GetObjectItem(b, "top_row")->valuedouble;
            double bottom = cJSON_GetObjectItem(b, "bottom_row")->valuedouble;
            double shift = (bottom - top) * 0.1;
            if (bottom + shift <= 1) {
                set_num(b, "top_row", top + shift);
                set_num(b, "bottom_row", bottom + shift);
            }
        } else if (r < 0.35) { /* relabeled */
            cJSON *c = concept_of(a);
            const char *l = labels[(int)(rnd() * 3)];
            cJSON_ReplaceItemInObject(c, "id", cJSON_CreateString(l));
            cJSON_ReplaceItemInObject(c, "name", cJSON_CreateString(l));
        }
        cJSON_AddItemToArray(des, a);
        if (rnd() < 0.08) { /* a new object beside it */
            cJSON *nw = cJSON_Duplicate(a, 1);
            cJSON *b = box_of(nw);
            double x = rnd() * 0.5, y = rnd() * 0.5;
            set_num(b, "left_col", x);
            set_num(b, "top_row", y);
            set_num(b, "right_col", x + 0.2 + rnd() * 0.3);
            set_num(b, "bottom_row", y + 0.2 + rnd() * 0.3);
            cJSON_AddItemToArray(des, nw);
        }
    }
    write_page(t_path(d, "desired.json"), des);
    /* compare with the files as written (cJSON prints 15 digits when they
     * are close enough for it), which is what annoport read */
    cJSON_Delete(cur);
    cJSON_Delete(des);
    cJSON *cur_page = t_json(t_path(d, "current.json"));
    cJSON *des_page = t_json(t_path(d, "desired.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(cur_page);
    CU_ASSERT_PTR_NOT_NULL_FATAL(des_page);
    cur = cJSON_DetachItemFromObject(cur_page, "annotations");
    des = cJSON_DetachItemFromObject(des_page, "annotations");
    cJSON_Delete(cur_page);
    cJSON_Delete(des_page);
    /* an input whose objects were all deleted is not in DESIRED at all:
     * --delete-missing-inputs says to clear it */
    snprintf(cmd, sizeof cmd, "%s diff '%s/current.json' '%s/desired.json' -o '%s/plan' --quiet "
             "--delete-missing-inputs", t_bin(), d, d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    /* every body passes the checker */
    snprintf(cmd, sizeof cmd, "cd '%s/plan' && ls requests 2>/dev/null | wc -l", d);
    char *count = NULL;
    t_sh(cmd, &count, NULL);
    if (count && atoi(count) > 0) {
        snprintf(cmd, sizeof cmd, "%s '%s/tools/check_requests.py' '%s'/plan/requests/*.json",
                 t_python(), t_shared(), d);
        CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
    }
    free(count);
    apply_plan(t_path(d, "plan"), cur);
    char *got = canon(cur), *want = canon(des);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "\nseed %d: the plan applied to CURRENT is not DESIRED\n", seed);
        t_write(t_path(d, "got.txt"), got);
        t_write(t_path(d, "want.txt"), want);
    }
    T_ASSERT_STR(got, want);
    free(got);
    free(want);
    cJSON_Delete(cur);
    cJSON_Delete(des);
}

static void test_diff_random_edits(void)
{
    for (int seed = 1; seed <= 12; seed++)
        one_seed(seed);
}

static void test_diff_self_is_empty(void)
{
    const char *d = t_dir("diff_self");
    char cmd[2048], *out = NULL;
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
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' '%s/current.json' -o '%s/plan' --json", d,
             d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":5}\n");
    free(out);
    CU_ASSERT_FALSE(t_exists(t_path(d, "plan/requests")));
    /* and against the dataset it came from */
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' samples/coco/instances.json -o '%s/plan2' "
             "--json", d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":5}\n");
    free(out);
    /* an input DESIRED does not name is left alone */
    t_write(t_path(d, "fewer.json"),
            "{\"images\":[{\"id\":1,\"file_name\":\"kitchen/0001.jpg\",\"width\":640,"
            "\"height\":480}],\"annotations\":[{\"id\":10,\"image_id\":1,\"category_id\":3,"
            "\"bbox\":[100,120,50.5,40]},{\"id\":11,\"image_id\":1,\"category_id\":17,"
            "\"bbox\":[600,400,60,100]}],\"categories\":[{\"id\":3,\"name\":\"cup\"},"
            "{\"id\":17,\"name\":\"cat\"}]}");
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' '%s/fewer.json' -o '%s/plan4' --json", d,
             d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":0,\"patches\":0,\"posts\":0,\"unchanged\":5}\n");
    free(out);
    snprintf(cmd, sizeof cmd, "diff '%s/current.json' '%s/fewer.json' -o '%s/plan5' --json "
             "--delete-missing-inputs", d, d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, &out, NULL), 0);
    T_ASSERT_STR(out, "{\"ok\":true,\"deletes\":3,\"patches\":0,\"posts\":0,\"unchanged\":2}\n");
    free(out);
    /* CURRENT without ids is refused */
    snprintf(cmd, sizeof cmd, "diff samples/expected/coco samples/coco/instances.json -o "
             "'%s/plan3'", d);
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), 65);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "have no ids") : NULL);
    free(err);
}

CU_TestInfo diff_tests[] = {
    {"test_diff_self_is_empty", test_diff_self_is_empty},
    {"test_diff_random_edits", test_diff_random_edits},
    CU_TEST_INFO_NULL,
};
