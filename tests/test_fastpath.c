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
#include "internal.h"

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

/* ap_jf_number_list (the automaton a box run checks polygon numbers with)
 * against the loop it stands in for, ap_jf_number_syntax and
 * ap_jf_take(','), then the ']': on random lists of numbers with
 * mutations, and on random strings of the bytes numbers are made of. Both
 * must accept the same texts, count the same numbers and end at the same
 * place. */
static int list_by_loop(const char *s, size_t len, size_t *n, const char **at)
{
    ap_jfast f = {s, s + len};
    *n = 0;
    do {
        if (!ap_jf_number_syntax(&f))
            return 0;
        ++*n;
    } while (ap_jf_take(&f, ','));
    if (!ap_jf_take(&f, ']'))
        return 0;
    *at = f.p;
    return 1;
}

static int list_agrees(const char *s, size_t len)
{
    size_t n1 = 0, n2 = 0;
    const char *at1 = NULL, *at2 = NULL;
    int ok1 = list_by_loop(s, len, &n1, &at1);
    ap_jfast f = {s, s + len};
    int ok2 = ap_jf_number_list(&f, &n2) && ap_jf_take(&f, ']');
    at2 = f.p;
    if (ok1 == ok2 && (!ok1 || (n1 == n2 && at1 == at2)))
        return 1;
    fprintf(stderr, "\nnumber list \"%.*s\": loop %d (%zu), automaton %d (%zu)\n", (int)len, s,
            ok1, n1, ok2, n2);
    return 0;
}

static void test_fastpath_number_list(void)
{
    static const char *const atoms[] = {"0", "7", "-3", "12.5", "0.25", "-0.0", "354.63",
                                        "1.5", "-12.75", "100", "1e5", "2E-3", "4.5e+2", "  9",
                                        "8  ", "\n6\t"};
    static const char *const wrong[] = {"00", "1.2.3", "-", "1.", ".5", "--1", "0-1", "1,"};
    static const char bytes[] = "0123456789.-+eE, ]\n\tx}[";
    uint64_t x = 0x2545F4914F6CDD1DULL;
    long bad = 0, accepted = 0, long_ones = 0;
    char s[8192];
    for (int i = 0; i < 300000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t len = 0;
        if (i % 2) { /* a list (past a 64-byte block, often), then mutations */
            int k = 1 + (int)(x % (i % 3 ? 8 : 120));
            for (int a = 0; a < k && len < sizeof s - 200; a++) {
                uint64_t y = x * (uint64_t)(2 * a + 1) + (uint64_t)a * 0x9E3779B97F4A7C15ULL;
                y ^= y >> 29;
                const char *t = y % 97 == 0 ? wrong[(y >> 9) % 8]
                                : atoms[y % (i % 5 ? 10 : sizeof atoms / sizeof atoms[0])];
                if (y % 7 == 0) /* a long one, near the 63 characters */
                    len += (size_t)snprintf(s + len, sizeof s - len, "%s%.*s", a ? "," : "",
                                            (int)(40 + (y >> 8) % 30),
                                            "12345678901234567890123456789012345678901234567890"
                                            "1234567890.12345678901234567890");
                else
                    len += (size_t)snprintf(s + len, sizeof s - len, "%s%s", a ? "," : "", t);
            }
            s[len++] = ']';
            for (int m = 0; m < (int)((x >> 40) % 8) - 4; m++)
                s[(x >> (44 + 6 * m)) % len] = bytes[(x >> (20 + 5 * m)) % (sizeof bytes - 1)];
        } else { /* bytes of numbers at random */
            len = 1 + x % 24;
            for (size_t b = 0; b < len; b++)
                s[b] = bytes[(x >> (b * 2 % 60)) % (sizeof bytes - 1)] ;
        }
        bad += !list_agrees(s, len);
        size_t n;
        const char *at;
        int ok = list_by_loop(s, len, &n, &at);
        accepted += ok;
        long_ones += ok && len > 128;
    }
    /* each spelling at every offset around the 64-byte blocks */
    static const char *const at_edge[] = {"01", "0", "1.2.3", "12.5", "-0", "-01", "1.", "-",
                                          ".5", "0.05", "100", "7.25.5", "1,,2", "3.-4"};
    for (size_t e = 0; e < sizeof at_edge / sizeof at_edge[0]; e++)
        for (int shift = 0; shift < 140; shift++) {
            /* "4" or "44", then ",8" until the offset: the element starts at
             * shift or shift + 1 */
            size_t len = (size_t)snprintf(s, sizeof s, "%s", shift % 2 ? "44" : "4");
            while ((int)len + 2 <= shift) {
                s[len] = ',';
                s[len + 1] = '8';
                len += 2;
            }
            s[len++] = ',';
            /* and a block's worth after it, so that it is not the tail */
            len += (size_t)snprintf(s + len, sizeof s - len, "%s,5,6,7,8,9,10,11,12,13,14,15,16,"
                                    "17,18,19,20,21,22,23,24,25,26,27,28,29]", at_edge[e]);
            bad += !list_agrees(s, len);
        }
    /* cJSON's limit of 63 characters a number, at its edge */
    for (int digits = 60; digits <= 66; digits++) {
        size_t len = 0;
        s[len++] = '1';
        for (int d = 1; d < digits; d++)
            s[len++] = '0';
        memcpy(s + len, ",2]", 3);
        bad += !list_agrees(s, len + 3);
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* valid and invalid lists both common, many past two blocks */
    CU_ASSERT(accepted > 30000 && accepted < 270000);
    CU_ASSERT(long_ones > 5000);
}

/* The scanner that finds each array element's extent (64 bytes at a time
 * inside arrays and objects, byte by byte near a backslash) against an
 * independent splitter: random elements with strings holding brackets,
 * braces, escaped quotes and backslashes, strings and runs of white space
 * longer than a block, newlines anywhere between tokens, deep nesting.
 * Every element must come back with exactly its bytes and the line it
 * starts on. */
typedef struct {
    ap_jscan *j;
    char *text;
    size_t *start, *len;
    uint64_t *line;
    size_t n, seen, short_windows;
    int bad;
    int window; /* 1: through ap_jscan_array_text's window; 0: ap_jscan_value */
} scan_case;

static void gen_value(char *o, size_t *k, uint64_t *x, int depth)
{
    static const char *const strs[] = {"\"a\"", "\"[{\"", "\"}]\"", "\"\\\"]\"", "\"\\\\\"",
                                       "\"x\\\\\\\"}\"", "\"caf\xc3\xa9 ]]]\"", "\"\""};
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    int kind = depth > 6 ? (int)(*x % 3) : (int)(*x % 6);
    switch (kind) {
    case 0: *k += (size_t)sprintf(o + *k, "%d", (int)(*x % 1000)); break;
    case 1: *k += (size_t)sprintf(o + *k, "%s", strs[(*x >> 8) % 8]); break;
    case 2: /* a string longer than a block, brackets inside */
        o[(*k)++] = '"';
        for (int i = 0; i < 70 + (int)(*x % 90); i++)
            o[(*k)++] = "ab[]{} \\"[i % 7];
        o[(*k)++] = '"';
        break;
    default: { /* an array or object of a few values, white space between */
        int obj = kind == 3, n = (int)((*x >> 12) % 5);
        o[(*k)++] = obj ? '{' : '[';
        for (int i = 0; i < n; i++) {
            if (i)
                o[(*k)++] = ',';
            int ws = (int)((*x >> (20 + i)) % 4);
            const char *space = ws == 0 ? "" : ws == 1 ? "\n" : ws == 2 ? " \n  " : "\n\n";
            *k += (size_t)sprintf(o + *k, "%s", space);
            if (obj)
                *k += (size_t)sprintf(o + *k, "\"k%d\":", i);
            gen_value(o, k, x, depth + 1);
        }
        if ((*x >> 30) % 5 == 0) /* a run of white space past a block */
            for (int i = 0; i < 80; i++)
                o[(*k)++] = i % 9 ? ' ' : '\n';
        o[(*k)++] = obj ? '}' : ']';
    }
    }
}

/* Element i came as n bytes at p on line (n exact, or with the window as
 * many as were read). */
static void scan_check(scan_case *c, size_t i, const char *p, size_t n, uint64_t line)
{
    int exact = !c->window;
    if (i >= c->n || (exact ? n != c->len[i] : n < c->len[i]) ||
        memcmp(p, c->text + c->start[i], c->len[i]) != 0 || line != c->line[i]) {
        if (c->bad++ < 3)
            fprintf(stderr, "\nelement %zu: %zu bytes on line %llu, expected %zu on line %llu\n",
                    i, n, (unsigned long long)line, i < c->n ? c->len[i] : 0,
                    (unsigned long long)(i < c->n ? c->line[i] : 0));
    }
    c->seen++;
}

/* The window may end inside the element: then it is left, and must come
 * again whole. */
static int scan_elem(void *user, const char *p, size_t n, int64_t index, uint64_t line,
                     size_t *used)
{
    scan_case *c = user;
    size_t i = (size_t)index;
    *used = 0;
    if (i < c->n && n < c->len[i]) {
        c->short_windows++;
        return AP_OK;
    }
    scan_check(c, i, p, n, line);
    *used = i < c->n ? c->len[i] : n;
    return AP_OK;
}

static int scan_member(void *user, const char *key)
{
    scan_case *c = user;
    (void)key;
    if (c->window)
        return ap_jscan_array_text(c->j, "annotations", scan_elem, NULL, c);
    int rc = ap_jscan_expect(c->j, '[');
    for (size_t i = 0; rc == AP_OK; i++) {
        const char *p;
        size_t n;
        uint64_t line;
        if ((rc = ap_jscan_value(c->j, &p, &n, &line)) != AP_OK)
            break;
        scan_check(c, i, p, n, line);
        if (ap_jscan_peek(c->j) == ']')
            return ap_jscan_expect(c->j, ']');
        rc = ap_jscan_expect(c->j, ',');
    }
    return rc;
}

static void test_fastpath_value_scanner(void)
{
    enum { N = 4000 };
    scan_case c = {0};
    size_t cap = (size_t)N * 4096;
    c.text = malloc(cap);
    c.start = calloc(N, sizeof *c.start);
    c.len = calloc(N, sizeof *c.len);
    c.line = calloc(N, sizeof *c.line);
    CU_ASSERT_FATAL(c.text && c.start && c.len && c.line);
    uint64_t x = 0x9E3779B97F4A7C15ULL, line = 1;
    size_t k = (size_t)sprintf(c.text, "{\"annotations\": [\n");
    for (size_t i = 0; i < N; i++) {
        if (i)
            k += (size_t)sprintf(c.text + k, i % 3 ? ",\n" : ", ");
        c.start[i] = k;
        gen_value(c.text, &k, &x, 0);
        c.len[i] = k - c.start[i];
        CU_ASSERT_FATAL(k < cap - 8192);
    }
    k += (size_t)sprintf(c.text + k, "\n]}\n");
    /* the line of each element's first byte */
    size_t at = 0;
    for (size_t i = 0; i < N; i++) {
        for (; at < c.start[i]; at++)
            line += c.text[at] == '\n';
        c.line[i] = line;
    }
    c.n = N;
    const char *d = t_dir("fast-scan");
    FILE *f = fopen(t_path(d, "scan.json"), "wb");
    CU_ASSERT_FATAL(f != NULL);
    fwrite(c.text, 1, k, f);
    fclose(f);
    ap_context *ctx = ap_context_new();
    ap_container *box = NULL;
    CU_ASSERT_FATAL(ap_container_open(ctx, d, &box) == AP_OK);
    ap_stream *st = ap_container_open_file(ctx, box, "scan.json");
    CU_ASSERT_FATAL(st != NULL);
    /* each value's extent as the scanner finds it, then the same elements
     * through the window of the fast path (some of them past its end) */
    for (c.window = 0; c.window < 2; c.window++) {
        CU_ASSERT_FATAL(ap_stream_rewind(ctx, st) == AP_OK);
        ap_jscan *j = ap_jscan_new(ctx, st, "scan.json");
        CU_ASSERT_FATAL(j != NULL);
        c.j = j;
        c.seen = 0;
        CU_ASSERT_EQUAL(ap_jscan_object(j, scan_member, &c), AP_OK);
        CU_ASSERT_EQUAL(c.seen, (size_t)N);
        CU_ASSERT_EQUAL(c.bad, 0);
        ap_jscan_free(j);
    }
    CU_ASSERT(c.short_windows > 0);
    ap_stream_close(st);
    ap_container_close(box);
    ap_context_free(ctx);
    free(c.text);
    free(c.start);
    free(c.len);
    free(c.line);
}

CU_TestInfo fastpath_tests[] = {
    {"test_fastpath_value_scanner", test_fastpath_value_scanner},
    {"test_fastpath_number_list", test_fastpath_number_list},
    {"test_fastpath_json_samples_corpus_and_data", test_fastpath_json_samples_corpus_and_data},
    {"test_fastpath_generated_coco", test_fastpath_generated_coco},
    {"test_fastpath_edge_shapes", test_fastpath_edge_shapes},
    {"test_fastpath_error_annotations", test_fastpath_error_annotations},
    {"test_fastpath_csv", test_fastpath_csv},
    {"test_fastpath_generated_csv", test_fastpath_generated_csv},
    {"test_fastpath_csv_samples_corpus_and_data", test_fastpath_csv_samples_corpus_and_data},
    CU_TEST_INFO_NULL,
};
