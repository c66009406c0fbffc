/*
 * test_fastpath.c: the fast paths (COCO annotations read from their text,
 * CSV rows split without libcsv, numbers written without printf) against
 * the libraries they stand in for. Every input is converted twice, once
 * with --reference-parsers, and the two runs must agree on the exit status,
 * every byte of standard error and every byte of the output tree: over the
 * samples, the whole shared corpus, the test data, generated datasets, and
 * files made of the shapes the fast paths hand back to the libraries.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Converts file both ways (args after it); 1 when the runs agree. */
static int same_both_ways(const char *file, const char *args)
{
    char bin[PATH_MAX], in[PATH_MAX];
    if (!realpath(t_bin(), bin) || !realpath(file, in)) {
        fprintf(stderr, "fastpath: cannot resolve %s\n", file);
        return 0;
    }
    const char *a = t_dir("fast-a"), *b = t_dir("fast-b");
    char cmd[3 * PATH_MAX + 600];
    char *err_a = NULL, *err_b = NULL;
    /* run from each folder so that messages name the output the same way */
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' convert '%s' -o out --quiet %s", a, bin, in, args);
    int rc_a = t_sh(cmd, NULL, &err_a);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' convert '%s' -o out --quiet --reference-parsers %s",
             b, bin, in, args);
    int rc_b = t_sh(cmd, NULL, &err_b);
    snprintf(cmd, sizeof cmd, "diff -r '%s' '%s'", a, b);
    char *diff = NULL;
    int same_tree = t_sh(cmd, &diff, NULL) == 0;
    int same = rc_a == rc_b && strcmp(t_str(err_a), t_str(err_b)) == 0 && same_tree;
    if (!same)
        fprintf(stderr, "\nfast path differs on %s %s: exit %d vs %d\n%s---\n%s---\n%.2000s\n",
                file, args, rc_a, rc_b, t_str(err_a), t_str(err_b), t_str(diff));
    free(err_a);
    free(err_b);
    free(diff);
    return same;
}

/* Each line of a command's output, converted both ways under each of the
 * argument sets; returns the number of files. */
static int each_file(const char *list_cmd, const char *const *argsets, size_t nargs)
{
    char *list = NULL;
    CU_ASSERT_EQUAL_FATAL(t_sh(list_cmd, &list, NULL), 0);
    int files = 0;
    for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
        for (size_t i = 0; i < nargs; i++)
            CU_ASSERT(same_both_ways(line, argsets[i]));
        files++;
    }
    free(list);
    return files;
}

static const char *const geometries[] = {"--geometry bbox", "--geometry both",
                                         "--geometry polygon"};

static void test_fastpath_json_samples_corpus_and_data(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "find samples tests/data '%s/corpus' -name '*.json' | sort",
             t_shared());
    int n = each_file(cmd, geometries, 2);
    CU_ASSERT(n > 120); /* the corpus alone has more than a hundred */
}

static void test_fastpath_generated_coco(void)
{
    const char *d = t_dir("fast-gen");
    char cmd[2400];
    /* crowd and empty images raised, and the same data pretty-printed (white
     * space and new lines inside every element) */
    snprintf(cmd, sizeof cmd,
             "%s '%s/tools/gen_dataset.py' --images 400 --seed 3 --crowd-fraction 0.05 "
             "--empty-fraction 0.05 --quiet --out '%s/gen.json' && "
             "%s -c 'import json,sys; json.dump(json.load(open(sys.argv[1])), "
             "open(sys.argv[2], \"w\"), indent=1)' '%s/gen.json' '%s/pretty.json'",
             t_python(), t_shared(), d, t_python(), d, d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    CU_ASSERT(same_both_ways(t_path(d, "gen.json"), "--geometry bbox"));
    CU_ASSERT(same_both_ways(t_path(d, "gen.json"), "--geometry both"));
    CU_ASSERT(same_both_ways(t_path(d, "gen.json"), "--geometry polygon --batch-size 7"));
    CU_ASSERT(same_both_ways(t_path(d, "pretty.json"), "--geometry both"));
}

#define HEAD "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":100,\"height\":50}]," \
             "\"categories\":[{\"id\":7,\"name\":\"dog\"}],\"annotations\":["

/* Annotations of every shape the fast path reads or hands back: numbers in
 * all their forms, keys escaped or repeated, nested values, white space,
 * RLE, rejects of each kind. One file, no error. */
static const char edge_file[] = HEAD
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[10,5,20,10]},"
    "{\"id\":2.0,\"image_id\":1,\"category_id\":7,\"bbox\":[1e1,5E0,2.0e+1,100e-1]},"
    "{\"bbox\":[-0,0.000001,12345678901234567890,1.7976931348623157e308],\"id\":3,"
    "\"image_id\":1,\"category_id\":7},"
    "{\"id\":4,\"image_id\":1,\"category_id\":7,\"bbox\":[10.123456789012345678,5,20,10],"
    "\"score\":null,\"iscrowd\":null},"
    "{\"id\":5,\"image_id\":1,\"category_id\":7,\"b\\u0062ox\":[1,1,1,1],\"bbox\":[2,2,3,3]},"
    "{\"id\":6,\"image_id\":1,\"category_id\":7,\"bbox\":[2,2,3,3],\"bbox\":[4,4,5,5]},"
    "{\"id\":7,\"image_id\":1,\"category_id\":7,\"segmentation\":[[1,1,9,1,9,9],[],[2,2,3,3,2,3]],"
    "\"area\":5,\"attributes\":{\"occluded\":false,\"track\":[1,{\"a\":\"\\\"x\"}],\"n\":null}},"
    "{\"id\":8,\"image_id\":1,\"category_id\":7,\"segmentation\":{\"counts\":[1,2],"
    "\"size\":[50,100]},\"bbox\":[1,1,5,5],\"iscrowd\":1},"
    "{\"id\":9,\"image_id\":99,\"category_id\":7,\"bbox\":[1,1,2,2]},"
    "{\"id\":10,\"image_id\":1,\"category_id\":99,\"bbox\":[1,1,2,2]},"
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2]},"
    "{\"id\":11,\"image_id\":1,\"category_id\":7},"
    "{\"id\":12,\"image_id\":1,\"category_id\":7,\"bbox\":[],\"segmentation\":[[5,5,6,6,5,6,6,5]]},"
    "{\"id\":13,\"image_id\":1,\"category_id\":7,\"bbox\":[0.1,0.2,0.30000000000000004,1e-7],"
    "\"segmentation\":[[0.1,0.2,0.3,0.4,0.5,0.6]]},"
    "{ \"id\" : 14 ,\n\t\"image_id\":1,\r\n\"category_id\":7,\"bbox\":[ 10 , 5 ,20,10 ] ,"
    "\"iscrowd\":0 , \"score\" : 0.5 }\n,"
    "{\"id\":15,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"note\":\"tab\there\"},"
    "{\"id\":900100000000001,\"image_id\":1,\"category_id\":7,\"bbox\":[01,1,2,2]},"
    "{\"id\":9001000000000001,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2]},"
    "{\"id\":-5,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"iscrowd\":1},"
    "{\"id\":16,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"deep\":"
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},"
    "{\"id\":17,\"image_id\":1,\"category_id\":7,\"segmentation\":[[1,1,99,1,99,49]],"
    "\"bbox\":null,\"caption\":7},"
    "{\"id\":18,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"x\":\"caf\xc3\xa9 \xff\"},"
    "{\"id\":19,\"image_id\":1,\"category_id\":7,\"bbox\":[1.5,2.25,1e2,4.0000000000000001e1],"
    "\"segmentation\":[[1,2,3,4,5,6],[7,8,9,10,11,12]],\"score\":3}"
    "]}";

/* Single annotations the core turns into an error: both ways must stop with
 * the same message. */
static const char *const error_anns[] = {
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,2,3]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":\"x\"}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"segmentation\":[[1,2,3]]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":\"7\",\"bbox\":[1,1,2,2]}",
    "{\"id\":1,\"category_id\":7,\"bbox\":[1,1,2,2]}",
    "{\"id\":1.5,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,nul]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2x]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,-]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"score\":\"high\"}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[],\"segmentation\":[]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"iscrowd\":1null}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2]\"x\":1}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"x\":tru}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"segmentation\":[[1,1,2,\"2\"]]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"segmentation\":[1,2]}",
    "{\"id\":1,\"image_id\":1,\"category_id\":7,\"bbox\":[1,1,2,2],\"x\":\"\\q\"}",
    "[1,2]",
    "7",
};

static void test_fastpath_edge_shapes(void)
{
    const char *d = t_dir("fast-edge");
    const char *f = t_path(d, "edge.json");
    t_write(f, edge_file);
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT(same_both_ways(f, geometries[i]));
    CU_ASSERT(same_both_ways(f, "--to coco"));
}

static void test_fastpath_error_annotations(void)
{
    const char *d = t_dir("fast-errors");
    const char *f = t_path(d, "error.json");
    char text[1024];
    for (size_t i = 0; i < sizeof error_anns / sizeof error_anns[0]; i++) {
        snprintf(text, sizeof text, HEAD "%s]}", error_anns[i]);
        t_write(f, text);
        CU_ASSERT(same_both_ways(f, "--geometry both"));
        char *err = NULL;
        char args[1200];
        snprintf(args, sizeof args, "convert '%s' -o '%s' --quiet", f, t_path(d, "out"));
        int rc = t_cli(args, NULL, &err);
        if (rc != 65)
            fprintf(stderr, "\nannotation %s: exit %d, not an error (65)\n", error_anns[i], rc);
        CU_ASSERT_EQUAL(rc, 65); /* and it is an error */
        free(err);
    }
}

/* CSV numbers in every spelling strtod reads, and some it does not. */
static const char csv_numbers[] =
    "filename,width,height,class,xmin,ymin,xmax,ymax\n"
    "a.jpg,640,480,dog,10,20,30,40\n"
    "a.jpg,640,480,dog,+10,2e1,3E1,40.\n"
    "a.jpg,640,480,dog, 10 ,\t20,30.000000000000001,40\n"
    "a.jpg,640,480,dog,.5,0x10,1e-2,0.30000000000000004\n"
    "a.jpg,640,480,dog,-0,00012,123456789012345678901234,99.99999999999999999\n"
    "a.jpg,640,480,dog,inf,1,2,3\n"
    "a.jpg,640,480,dog,1,nan,2,3\n"
    "a.jpg,640,480,dog,1e400,1,2,3\n"
    "a.jpg,640,480,dog,1,2,3,4x\n"
    "b.jpg,640.0,4.8e2,cat,1.25,2.5,600.125,479.9999999999999\n"
    "c.jpg,640,480,cat,\"1\",\"2\",\"3\",\"4\"\n";

static void test_fastpath_csv(void)
{
    const char *d = t_dir("fast-csv");
    const char *f = t_path(d, "numbers.csv");
    t_write(f, csv_numbers);
    CU_ASSERT(same_both_ways(f, ""));
    CU_ASSERT(same_both_ways(f, "--to csv"));
}

static void test_fastpath_generated_csv(void)
{
    const char *d = t_dir("fast-csv-gen");
    char cmd[2400];
    snprintf(cmd, sizeof cmd, "%s '%s/tools/gen_dataset.py' --images 300 --seed 8 --format csv "
             "--quiet --out '%s/gen.csv'", t_python(), t_shared(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    CU_ASSERT(same_both_ways(t_path(d, "gen.csv"), ""));
}

static void test_fastpath_csv_samples_corpus_and_data(void)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "find samples tests/data '%s/corpus' -name '*.csv' | sort",
             t_shared());
    static const char *const none[] = {""};
    CU_ASSERT(each_file(cmd, none, 1) > 5);
}

CU_TestInfo fastpath_tests[] = {
    {"test_fastpath_json_samples_corpus_and_data", test_fastpath_json_samples_corpus_and_data},
    {"test_fastpath_generated_coco", test_fastpath_generated_coco},
    {"test_fastpath_edge_shapes", test_fastpath_edge_shapes},
    {"test_fastpath_error_annotations", test_fastpath_error_annotations},
    {"test_fastpath_csv", test_fastpath_csv},
    {"test_fastpath_generated_csv", test_fastpath_generated_csv},
    {"test_fastpath_csv_samples_corpus_and_data", test_fastpath_csv_samples_corpus_and_data},
    CU_TEST_INFO_NULL,
};
