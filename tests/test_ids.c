/*
 * test_ids.c: input and concept ids (SPEC section 2, "Ids"), and the
 * collisions that must stop a run instead of merging two images.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "internal.h"

static void check_clean(const char *name, const char *want)
{
    char *id = ap_input_id_clean(name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(id);
    if (strcmp(id, want) != 0)
        fprintf(stderr, "\nclean(\"%s\") = \"%s\", want \"%s\"\n", name, id, want);
    T_ASSERT_STR(id, want);
    free(id);
}

static void test_ids_clean(void)
{
    check_clean("a.jpg", "a");
    check_clean("train/a.jpg", "train_a");
    check_clean("val/a.jpg", "val_a");
    check_clean("a-weird Filename.asdf.jpg", "a-weird_filename_asdf");
    check_clean("JPEGImages/2011_000003.jpg", "jpegimages_2011_000003");
    check_clean("My Photo, final.JPG", "my_photo_final");
    check_clean("__Leading..dots__.png", "leading_dots");
    check_clean("a--b__c.jpg", "a-b_c");
    check_clean("-x-.jpg", "x");
    check_clean("caf\xc3\xa9 au lait.jpg", "caf_au_lait");
    check_clean("noext", "noext");
    check_clean(".hidden", "hidden");
    check_clean("dir.v2/file", "dir_v2_file");
    check_clean("images/000000000139.jpg", "images_000000000139");
}

/* nothing usable left: a stable fallback */
static void test_ids_clean_fallback_is_stable(void)
{
    char *id = ap_input_id_clean("\xe6\x97\xa5\xe6\x9c\xac.jpg");
    CU_ASSERT_PTR_NOT_NULL_FATAL(id);
    CU_ASSERT_EQUAL(strncmp(id, "input-", 6), 0);
    CU_ASSERT_EQUAL(strlen(id), 22);
    char *again = ap_input_id_clean("\xe6\x97\xa5\xe6\x9c\xac.jpg");
    T_ASSERT_STR(again, id);
    free(id);
    free(again);
}

static void test_ids_stem(void)
{
    char *s = ap_input_id_stem("train/a b.jpg");
    T_ASSERT_STR(s, "a_b");
    free(s);
    s = ap_input_id_stem("x.y.Z.png");
    T_ASSERT_STR(s, "x_y_Z");
    free(s);
}

static void test_ids_concept_id(void)
{
    char *s = ap_concept_id("traffic light");
    T_ASSERT_STR(s, "traffic-light");
    free(s);
    s = ap_concept_id("Caf\xc3\xa9 sign");
    T_ASSERT_STR(s, "cafe-sign");
    free(s);
    s = ap_concept_id("_background_");
    T_ASSERT_STR(s, "_background_");
    free(s);
    s = ap_concept_id("Dog!");
    T_ASSERT_STR(s, "dog");
    free(s);
}

static void test_ids_concept_id_cut_at_32(void)
{
    char *s = ap_concept_id("a very long label that goes past the limit");
    T_ASSERT_STR(s, "a-very-long-label-that-goes-past");
    CU_ASSERT_EQUAL(strlen(s), 32);
    free(s);
}

static int run_convert(const char *in1, const char *in2, const char *out, ap_context *ctx)
{
    const char *inputs[2] = {in1, in2};
    return ap_run(ctx, AP_RUN_CONVERT, inputs, in2 ? 2 : 1, out, NULL);
}

/* Two images whose names clean to the same input id. */
static const char colliding_images[] =
    "{\"images\":[{\"id\":1,\"file_name\":\"Cat 1.jpg\",\"width\":10,\"height\":10},"
    "{\"id\":2,\"file_name\":\"cat_1.png\",\"width\":10,\"height\":10}],"
    "\"annotations\":[],\"categories\":[]}";

static void test_ids_input_collision(void)
{
    const char *d = t_dir("ids_collision");
    const char *in = t_path(d, "a.json");
    t_write(in, colliding_images);
    ap_context *ctx = t_ctx();
    const char *out = t_path(d, "out");
    CU_ASSERT_EQUAL(run_convert(in, NULL, out, ctx), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "\"cat_1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "Cat 1.jpg"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "cat_1.png"));
    CU_ASSERT_FALSE(t_exists(out));
    ap_context_free(ctx);
}

/* --input-id id keeps them apart */
static void test_ids_input_id_option_avoids_collision(void)
{
    const char *d = t_dir("ids_collision_by_id");
    const char *in = t_path(d, "a.json");
    t_write(in, colliding_images);
    ap_context *ctx = t_ctx();
    ctx->opt.input_id = AP_INPUT_ID_ID;
    CU_ASSERT_EQUAL(run_convert(in, NULL, t_path(d, "out"), ctx), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.inputs, 2);
    ap_context_free(ctx);
}

static void test_ids_collision_names_both_files(void)
{
    const char *d = t_dir("ids_two_files");
    const char *a = t_path(d, "first.json");
    const char *b = t_path(d, "second.json");
    t_write(a, "{\"images\":[{\"id\":1,\"file_name\":\"x/a.jpg\",\"width\":10,\"height\":10}],"
               "\"annotations\":[],\"categories\":[]}");
    t_write(b, "{\"images\":[{\"id\":1,\"file_name\":\"x a.jpg\",\"width\":10,\"height\":10}],"
               "\"annotations\":[],\"categories\":[]}");
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(run_convert(a, b, t_path(d, "out"), ctx), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "first.json"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "second.json"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "\"x_a\""));
    ap_context_free(ctx);
}

/* the same image named in two files is one input */
static void test_ids_same_image_in_two_files_is_one_input(void)
{
    const char *d = t_dir("ids_same_image");
    const char *a = t_path(d, "first.json");
    const char *b = t_path(d, "second.json");
    t_write(a, "{\"images\":[{\"id\":1,\"file_name\":\"x/a.jpg\",\"width\":10,\"height\":10}],"
               "\"annotations\":[],\"categories\":[]}");
    t_write(b, "{\"images\":[{\"id\":4,\"file_name\":\"x/a.jpg\",\"width\":10,\"height\":10}],"
               "\"annotations\":[],\"categories\":[]}");
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(run_convert(a, b, t_path(d, "out"), ctx), AP_OK);
    CU_ASSERT_EQUAL(ctx->counts.inputs, 1);
    ap_context_free(ctx);
}

/* Two labels whose concept ids are the same. */
static const char colliding_labels[] =
    "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,\"height\":10}],"
    "\"annotations\":["
    "{\"id\":1,\"image_id\":1,\"category_id\":1,\"bbox\":[1,1,2,2]},"
    "{\"id\":2,\"image_id\":1,\"category_id\":2,\"bbox\":[1,1,3,3]}],"
    "\"categories\":[{\"id\":1,\"name\":\"Dog\"},{\"id\":2,\"name\":\"dog\"}]}";

static void test_ids_concept_collision(void)
{
    const char *d = t_dir("ids_concepts");
    const char *in = t_path(d, "a.json");
    t_write(in, colliding_labels);
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(run_convert(in, NULL, t_path(d, "out"), ctx), AP_EDATA);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "\"Dog\" and \"dog\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctx->errmsg, "a.json"));
    ap_context_free(ctx);
}

/* a label map says they are one concept */
static void test_ids_label_map_merges_concepts(void)
{
    const char *d = t_dir("ids_concepts_mapped");
    const char *in = t_path(d, "a.json");
    t_write(in, colliding_labels);
    ap_context *ctx = t_ctx();
    const char *map = t_path(d, "map.csv");
    t_write(map, "from,to\nDog,dog\n");
    ctx->opt.label_map = map;
    ap_result res;
    const char *inputs[1] = {in};
    CU_ASSERT_EQUAL(ap_run(ctx, AP_RUN_CONVERT, inputs, 1, t_path(d, "out"), &res), AP_OK);
    CU_ASSERT_EQUAL(res.nconcepts, 1);
    if (res.nconcepts == 1) {
        T_ASSERT_STR(res.concepts[0]->id, "dog");
        CU_ASSERT_EQUAL(res.concepts[0]->annotations, 2);
    }
    ap_result_free(&res);
    ap_context_free(ctx);
}

/* The annotation id set against a plain sorted array: increasing runs with
 * gaps of every size, ids below the largest, repeats, 0 and negatives. */
static void test_ids_annotation_id_set(void)
{
    enum { N = 60000 };
    int64_t *seen = malloc(N * sizeof *seen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
    size_t nseen = 0;
    ap_idset *s = ap_idset_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    uint64_t x = 12345;
    int64_t next = -50, wrong = 0, dups = 0;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t id;
        switch (x % 10) {
        case 0: /* one seen before, or near it */
            id = nseen ? seen[(x >> 8) % nseen] + (int64_t)((x >> 40) % 3) - 1 : 0;
            break;
        case 1: /* far below */
            id = (int64_t)((x >> 20) % 100000) - 1000;
            break;
        case 2: /* a big jump */
            next += (int64_t)((x >> 16) % 900100000000ULL);
            id = next;
            break;
        default: /* the usual: increasing with small gaps */
            next += (int64_t)((x >> 32) % 300) + 1;
            id = next;
        }
        int was = 0;
        for (size_t k = 0; k < nseen && !was; k++)
            was = seen[k] == id;
        int r = ap_idset_add(s, id);
        wrong += r != was;
        dups += was;
        if (!was)
            seen[nseen++] = id;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(dups > 1000);
    CU_ASSERT_EQUAL(ap_idset_add(s, INT64_MAX), 0);
    CU_ASSERT_EQUAL(ap_idset_add(s, INT64_MIN), 0);
    CU_ASSERT_EQUAL(ap_idset_add(s, INT64_MAX), 1);
    CU_ASSERT_EQUAL(ap_idset_add(s, INT64_MIN), 1);
    ap_idset_free(s);
    free(seen);
}

/* Every --labels entry and --label-map row that matched no label is a
 * warning, with the closest label seen when one is close. */
static void test_ids_unmatched_label_options_warn(void)
{
    const char *d = t_dir("ids_unmatched");
    t_write_coco(t_path(d, "in.json"), 20);
    t_write(t_path(d, "map.csv"), "from,to\ncat,feline\nhorse,pony\n");
    char args[1024], want[2048], *err = NULL;
    snprintf(args, sizeof args, "convert %s/in.json -o %s/out --json --labels "
             "feline,dgo --label-map %s/map.csv", d, d, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 0);
    snprintf(want, sizeof want,
             "annoport: warning: %s/map.csv:3: --label-map row \"horse\" matched no label of "
             "the input\n"
             "annoport: warning: --labels \"dgo\" matched no label of the input, so it kept "
             "nothing (did you mean \"dog\"?)\n", d);
    T_ASSERT_STR(err, want);
    free(err);
}

/* --quiet: no warnings */
static void test_ids_unmatched_label_options_quiet(void)
{
    const char *d = t_dir("ids_unmatched_quiet");
    t_write_coco(t_path(d, "in.json"), 20);
    t_write(t_path(d, "map.csv"), "from,to\ncat,feline\nhorse,pony\n");
    char args[1024], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "convert %s/in.json -o %s/out --quiet --labels feline,dgo "
             "--label-map %s/map.csv", d, d, d);
    CU_ASSERT_EQUAL(t_cli(args, &out, &err), 0);
    T_ASSERT_STR(out, "");
    T_ASSERT_STR(err, "");
    free(out);
    free(err);
}

/* an entry matches a label's name or its concept id: no warning */
static void test_ids_label_option_matches_name_or_id(void)
{
    char args[1024], *err = NULL;
    snprintf(args, sizeof args, "validate samples/coco/instances.json --labels cafe-sign,cup");
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 0);
    CU_ASSERT_PTR_NULL(strstr(t_str(err), "matched no label"));
    free(err);
}

/* Labels in other scripts: Cyrillic and accented Latin letters are spelled
 * in Latin letters; other scripts keep a hash of the label; never empty,
 * never "--". */
static void test_ids_concepts_in_other_scripts(void)
{
    static const char *const cases[][2] = {
        {"\xd0\x9f\xd0\xbe\xd0\xb4\xd0\xbd\xd0\xbe\xd1\x81", "podnos"}, /* Поднос */
        /* Кесадилья с курицей */
        {"\xd0\x9a\xd0\xb5\xd1\x81\xd0\xb0\xd0\xb4\xd0\xb8\xd0\xbb\xd1\x8c\xd1\x8f \xd1\x81 "
         "\xd0\xba\xd1\x83\xd1\x80\xd0\xb8\xd1\x86\xd0\xb5\xd0\xb9", "kesadilia-s-kuritsei"},
        {"Cr\xc3\xa8me Br\xc3\xbbl\xc3\xa9""e", "creme-brulee"},
        {"Stra\xc3\x9f""e", "strasse"},
        {"\xe7\x8c\xab", "label-2567bab4"}, /* 猫 */
        {"cat \xe7\x8c\xab", NULL},             /* "cat-" and a hash */
        {"!!", "label-"},                       /* nothing usable: a hash */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *id = ap_concept_id(cases[i][0]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(id);
        if (cases[i][1] && strcmp(cases[i][1], "label-") != 0) {
            T_ASSERT_STR(id, cases[i][1]);
        } else if (cases[i][1]) {
            CU_ASSERT(strncmp(id, "label-", 6) == 0 && strlen(id) == 14);
        } else {
            CU_ASSERT(strncmp(id, "cat-", 4) == 0 && strlen(id) == 12);
        }
        free(id);
    }
    char *a = ap_concept_id("\xe7\x8c\xab"), *b = ap_concept_id("\xe7\x8a\xac"); /* 猫 犬 */
    CU_ASSERT(a && b && strcmp(a, b) != 0);
    free(a);
    free(b);
}

/* A CVAT VOC dataset labeled in Russian converts, each label with its own
 * concept id and its name as written; --label-map can set the id alone. */
static void test_ids_russian_labels_convert(void)
{
    const char *d = t_dir("ids_russian");
    char args[2048];
    snprintf(args, sizeof args, "convert tests/data/voc/cvat -o %s/out --quiet", d);
    CU_ASSERT_EQUAL_FATAL(t_cli(args, NULL, NULL), 0);
    char *m = t_read(t_path(d, "out/manifest.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL(m ? strstr(m, "\"id\":\t\"podnos\",\n\t\t\t\"name\":\t\""
                                         "\xd0\x9f\xd0\xbe\xd0\xb4\xd0\xbd\xd0\xbe\xd1\x81\"")
                             : NULL);
    CU_ASSERT_PTR_NOT_NULL(m ? strstr(m, "\"id\":\t\"kesadilia-s-kuritsei\"") : NULL);
    free(m);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out"), NULL), 0);
}

/* "from,to,id" with an empty "to": the id given, the name kept */
static void test_ids_label_map_sets_id_alone(void)
{
    const char *d = t_dir("ids_russian_id");
    char args[2048], *out = NULL;
    t_write(t_path(d, "map.csv"), "from,to,id\n\xd0\x9f\xd0\xbe\xd0\xb4\xd0\xbd\xd0\xbe\xd1\x81,,tray\n");
    snprintf(args, sizeof args, "convert tests/data/voc/cvat -o %s/out2 --quiet --json "
             "--label-map %s/map.csv", d, d);
    CU_ASSERT_EQUAL(t_cli(args, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, "{\"id\":\"tray\",\"name\":\"\xd0\x9f\xd0\xbe"
                                             "\xd0\xb4\xd0\xbd\xd0\xbe\xd1\x81\"") : NULL);
    free(out);
}

/* an id the API would refuse */
static void test_ids_label_map_bad_id_refused(void)
{
    const char *d = t_dir("ids_bad_id");
    char args[2048];
    t_write(t_path(d, "bad.csv"), "a,b,not an id\n");
    snprintf(args, sizeof args, "validate tests/data/voc/cvat --label-map %s/bad.csv", d);
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 64);
    CU_ASSERT_PTR_NOT_NULL(err ? strstr(err, "bad.csv:1: \"not an id\" is not a concept id") : NULL);
    free(err);
}

/* The distance behind every "did you mean". */
static void test_ids_edit_distance(void)
{
    CU_ASSERT_EQUAL(ap_edit_distance("dgo", "dog"), 1);
    CU_ASSERT_EQUAL(ap_edit_distance("outptu", "output"), 1);
    CU_ASSERT_EQUAL(ap_edit_distance("convrt", "convert"), 1);
    CU_ASSERT_EQUAL(ap_edit_distance("box", "bbox"), 1);
    CU_ASSERT_EQUAL(ap_edit_distance("", "abc"), 3);
    CU_ASSERT_EQUAL(ap_edit_distance("kitten", "sitting"), 3);
    CU_ASSERT_TRUE(ap_close_enough("dgo", 1));
    CU_ASSERT_FALSE(ap_close_enough("dgo", 2));
    CU_ASSERT_TRUE(ap_close_enough("outptu", 2));
    CU_ASSERT_FALSE(ap_close_enough("output", 0));
}

CU_TestInfo ids_tests[] = {
    {"test_ids_concepts_in_other_scripts", test_ids_concepts_in_other_scripts},
    {"test_ids_russian_labels_convert", test_ids_russian_labels_convert},
    {"test_ids_label_map_sets_id_alone", test_ids_label_map_sets_id_alone},
    {"test_ids_label_map_bad_id_refused", test_ids_label_map_bad_id_refused},
    {"test_ids_unmatched_label_options_warn", test_ids_unmatched_label_options_warn},
    {"test_ids_unmatched_label_options_quiet", test_ids_unmatched_label_options_quiet},
    {"test_ids_label_option_matches_name_or_id", test_ids_label_option_matches_name_or_id},
    {"test_ids_edit_distance", test_ids_edit_distance},
    {"test_ids_clean", test_ids_clean},
    {"test_ids_clean_fallback_is_stable", test_ids_clean_fallback_is_stable},
    {"test_ids_stem", test_ids_stem},
    {"test_ids_concept_id", test_ids_concept_id},
    {"test_ids_concept_id_cut_at_32", test_ids_concept_id_cut_at_32},
    {"test_ids_input_collision", test_ids_input_collision},
    {"test_ids_input_id_option_avoids_collision", test_ids_input_id_option_avoids_collision},
    {"test_ids_collision_names_both_files", test_ids_collision_names_both_files},
    {"test_ids_same_image_in_two_files_is_one_input",
     test_ids_same_image_in_two_files_is_one_input},
    {"test_ids_concept_collision", test_ids_concept_collision},
    {"test_ids_label_map_merges_concepts", test_ids_label_map_merges_concepts},
    {"test_ids_annotation_id_set", test_ids_annotation_id_set},
    CU_TEST_INFO_NULL,
};
