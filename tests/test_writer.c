/*
 * test_writer.c: the Clarifai output tree: the manifest's invariant, the
 * golden sample, byte-identical reruns, zip archives read back with libzip,
 * atomic output (nothing left after a failure, an existing output kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "helpers.h"

static int run1(ap_context *ctx, const char *in, const char *out)
{
    const char *inputs[1] = {in};
    return ap_run(ctx, AP_RUN_CONVERT, inputs, 1, out, NULL);
}

static void test_writer_manifest_invariant(void)
{
    const char *d = t_dir("writer_manifest");
    const char *in = t_path(d, "in.json");
    /* 40 objects: 30 written, 5 rejected (zero area), 5 filtered by --labels */
    FILE *f = fopen(in, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":100,\"height\":100}],"
          "\"categories\":[{\"id\":1,\"name\":\"keep\"},{\"id\":2,\"name\":\"drop\"}],"
          "\"annotations\":[", f);
    for (int i = 0; i < 40; i++)
        fprintf(f, "%s{\"id\":%d,\"image_id\":1,\"category_id\":%d,\"bbox\":[1,1,%d,5]}",
                i ? "," : "", i + 1, i < 35 ? 1 : 2, i % 7 == 0 ? 0 : 5);
    fputs("]}", f);
    fclose(f);
    ap_context *ctx = t_ctx();
    ctx->opt.labels = "keep";
    ctx->opt.batch_size = 8;
    const char *out = t_path(d, "out");
    CU_ASSERT_EQUAL_FATAL(run1(ctx, in, out), AP_OK);
    cJSON *m = t_json(t_path(out, "manifest.json"));
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    cJSON *c = cJSON_GetObjectItem(m, "counts");
    int read = cJSON_GetObjectItem(c, "objects_read")->valueint;
    int written = cJSON_GetObjectItem(c, "objects_written")->valueint;
    int rejected = cJSON_GetObjectItem(c, "objects_rejected")->valueint;
    int filtered = cJSON_GetObjectItem(c, "objects_filtered")->valueint;
    CU_ASSERT_EQUAL(read, 40);
    CU_ASSERT_EQUAL(filtered, 5);
    CU_ASSERT_EQUAL(rejected, 5); /* i = 0, 7, 14, 21, 28 */
    CU_ASSERT_EQUAL(written, 30);
    CU_ASSERT_EQUAL(read, written + rejected + filtered);
    int sum = 0;
    cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(m, "requests"))
    {
        int n = cJSON_GetObjectItem(r, "annotations")->valueint;
        CU_ASSERT_EQUAL(t_request_count(t_path(out, cJSON_GetObjectItem(r, "file")->valuestring)),
                        n);
        sum += n;
    }
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "annotations_written")->valueint, 30);
    CU_ASSERT_EQUAL(sum, cJSON_GetObjectItem(c, "annotations_written")->valueint);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "requests")->valueint, 4);
    cJSON *concepts = cJSON_GetObjectItem(m, "concepts");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(concepts), 1);
    T_ASSERT_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(concepts, 0), "id")->valuestring, "keep");
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    ap_context_free(ctx);
}

static void test_writer_rerun_identical(void)
{
    const char *d = t_dir("writer_rerun");
    const char *in = t_path(d, "in.json");
    t_write_coco(in, 300);
    ap_context *ctx = t_ctx();
    ctx->opt.annotation_ids_hash = 1;
    CU_ASSERT_EQUAL_FATAL(run1(ctx, in, t_path(d, "a")), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run1(ctx, in, t_path(d, "b")), AP_OK);
    const char *files[] = {"manifest.json", "rejects.jsonl",
                           "requests/post-annotations-000001.json",
                           "requests/post-annotations-000003.json"};
    for (int i = 0; i < 4; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/a/%s", d, files[i]);
        snprintf(b, sizeof b, "%s/b/%s", d, files[i]);
        CU_ASSERT_TRUE(t_same_file(a, b));
    }
    ap_context_free(ctx);
}

/* stable annotation ids differ between annotations */
static void test_writer_hashed_annotation_ids_differ(void)
{
    const char *d = t_dir("writer_ids");
    const char *in = t_path(d, "in.json");
    t_write_coco(in, 300);
    ap_context *ctx = t_ctx();
    ctx->opt.annotation_ids_hash = 1;
    CU_ASSERT_EQUAL_FATAL(run1(ctx, in, t_path(d, "a")), AP_OK);
    char *r = t_read(t_path(d, "a/requests/post-annotations-000001.json"), NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    char *id1 = strstr(r, "\"id\":\"");
    char *id2 = id1 ? strstr(id1 + 1, "{\"id\":\"") : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(id2);
    CU_ASSERT_NOT_EQUAL(strncmp(id1 + 6, id2 + 7, 32), 0);
    free(r);
    ap_context_free(ctx);
}

/* zip archives too */
static void test_writer_zip_rerun_identical(void)
{
    const char *d = t_dir("writer_rerun_zip");
    const char *in = t_path(d, "in.json");
    t_write_coco(in, 300);
    ap_context *ctx = t_ctx();
    ctx->opt.annotation_ids_hash = 1;
    CU_ASSERT_EQUAL_FATAL(run1(ctx, in, t_path(d, "a.zip")), AP_OK);
    CU_ASSERT_EQUAL_FATAL(run1(ctx, in, t_path(d, "b.zip")), AP_OK);
    CU_ASSERT_TRUE(t_same_file(t_path(d, "a.zip"), t_path(d, "b.zip")));
    ap_context_free(ctx);
}

static void test_writer_zip_reopened(void)
{
    const char *d = t_dir("writer_zip");
    ap_context *ctx = t_ctx();
    const char *zp = t_path(d, "out.zip");
    CU_ASSERT_EQUAL_FATAL(run1(ctx, "samples/coco/instances.json", zp), AP_OK);
    int err = 0;
    zip_t *za = zip_open(zp, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(za);
    CU_ASSERT_EQUAL(zip_get_num_entries(za, 0), 3);
    const char *names[] = {"manifest.json", "rejects.jsonl",
                           "requests/post-annotations-000001.json"};
    for (int i = 0; i < 3; i++) {
        T_ASSERT_STR(zip_get_name(za, (zip_uint64_t)i, 0), names[i]);
        zip_stat_t st;
        CU_ASSERT_EQUAL_FATAL(zip_stat(za, names[i], 0, &st), 0);
        char *buf = malloc(st.size + 1);
        zip_file_t *zf = zip_fopen(za, names[i], 0);
        CU_ASSERT_PTR_NOT_NULL_FATAL(zf);
        CU_ASSERT_EQUAL(zip_fread(zf, buf, st.size), (zip_int64_t)st.size);
        zip_fclose(zf);
        buf[st.size] = '\0';
        char want[256];
        snprintf(want, sizeof want, "samples/expected/coco/%s", names[i]);
        size_t wl;
        char *w = t_read(want, &wl);
        if (i == 0) { /* the manifest names the zip's own source path: same here */
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"objects_read\":\t6"));
        }
        CU_ASSERT_EQUAL(wl, st.size);
        CU_ASSERT_TRUE(w && memcmp(w, buf, wl) == 0);
        free(w);
        free(buf);
    }
    zip_close(za);
    CU_ASSERT_EQUAL(t_check(zp, NULL), 0);
    CU_ASSERT_EQUAL(t_count_entries(d), 1); /* no temporary beside it */
    ap_context_free(ctx);
}

/* The compression of each entry of a zip output, and the archive's size. */
static long zip_methods(const char *zp, int *method)
{
    int err = 0;
    zip_t *za = zip_open(zp, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(za);
    *method = -1;
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); i++) {
        zip_stat_t st;
        CU_ASSERT_EQUAL_FATAL(zip_stat_index(za, (zip_uint64_t)i, 0, &st), 0);
        if (*method == -1)
            *method = st.comp_method;
        else if (*method != st.comp_method)
            *method = -2; /* mixed */
    }
    zip_close(za);
    size_t n = 0;
    free(t_read(zp, &n));
    return (long)n;
}

/* --zip-level: 0 stores, 1 (the default) and 9 deflate, 9 smaller; the
 * entries read back the same at every level. */
static void test_writer_zip_level(void)
{
    const char *d = t_dir("writer_zip_level");
    const char *in = t_path(d, "in.json");
    t_write_coco(in, 300);
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(ctx->opt.zip_level, 1);
    long size[3];
    int method[3];
    const int levels[3] = {0, 1, 9};
    char *first = NULL;
    for (int k = 0; k < 3; k++) {
        char name[32];
        snprintf(name, sizeof name, "l%d.zip", levels[k]);
        ctx->opt.zip_level = levels[k];
        CU_ASSERT_EQUAL_FATAL(run1(ctx, in, t_path(d, name)), AP_OK);
        size[k] = zip_methods(t_path(d, name), &method[k]);
        char *body = t_zip_text(t_path(d, name), "requests/post-annotations-000001.json");
        CU_ASSERT_PTR_NOT_NULL_FATAL(body);
        if (k == 0)
            first = body;
        else {
            T_ASSERT_STR(body, first);
            free(body);
        }
    }
    free(first);
    CU_ASSERT_EQUAL(method[0], ZIP_CM_STORE);
    CU_ASSERT_EQUAL(method[1], ZIP_CM_DEFLATE);
    CU_ASSERT_EQUAL(method[2], ZIP_CM_DEFLATE);
    CU_ASSERT(size[1] < size[0] / 3);
    CU_ASSERT(size[2] < size[1]);
    ap_context_free(ctx);
    /* the command line's checks */
    char cmd[1200], *err = NULL;
    snprintf(cmd, sizeof cmd, "%s convert samples/coco/instances.json -o '%s/x.zip' "
             "--zip-level 10", t_bin(), d);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, &err), 64);
    CU_ASSERT(err && strstr(err, "annoport: --zip-level must be a number from 0 to 9, "
                                 "not '10' (see 'annoport convert --help')\n"));
    free(err);
    CU_ASSERT_FALSE(t_exists(t_path(d, "x.zip")));
}

/* --threads 4 and --threads 1 give the same bytes: every sample and every
 * valid corpus case to a zip (members deflated by workers as they close) with
 * both geometries, a generated COCO file, and a diff plan (its two sides
 * read at once or one after the other). Four threads even on a machine
 * with fewer cores: the split of the work is what is tested. */
static void test_writer_threads_same_bytes(void)
{
    const char *d = t_dir("writer_threads");
    char cmd[8192], *out = NULL, *err = NULL;
    t_write_coco(t_path(d, "gen.json"), 300);
    snprintf(cmd, sizeof cmd,
             "set -u; bin='%s'; d='%s'; n=0; bad=0\n"
             "one() { \"$bin\" \"$@\" -o \"$d/t4.zip\" --threads 4 --quiet --allow-empty "
             ">/dev/null 2>\"$d/e4\"; r4=$?\n"
             "  \"$bin\" \"$@\" -o \"$d/t1.zip\" --threads 1 --quiet --allow-empty "
             ">/dev/null 2>\"$d/e1\"; r1=$?\n"
             "  \"$bin\" \"$@\" -o \"$d/f4\" --threads 4 --quiet --allow-empty "
             ">/dev/null 2>/dev/null; f4=$?\n"
             "  \"$bin\" \"$@\" -o \"$d/f1\" --threads 1 --quiet --allow-empty "
             ">/dev/null 2>/dev/null; f1=$?\n"
             "  n=$((n+1))\n"
             "  if [ $r4 != $r1 ] || ! cmp -s \"$d/e4\" \"$d/e1\" || { [ $r4 = 0 ] && "
             "! cmp -s \"$d/t4.zip\" \"$d/t1.zip\"; }; then echo \"differs: $*\"; "
             "bad=$((bad+1)); fi\n"
             /* a folder: the formatter thread writes the polygons' numbers */
             "  if [ $f4 != $f1 ] || [ $f4 != $r4 ] || { [ $f4 = 0 ] && "
             "! diff -r \"$d/f4\" \"$d/f1\" >/dev/null; }; then echo \"differs: $* (folder)\"; "
             "bad=$((bad+1)); fi\n"
             "  rm -rf \"$d/t4.zip\" \"$d/t1.zip\" \"$d/f4\" \"$d/f1\"; }\n"
             "for s in samples/coco/instances.json samples/voc samples/csv samples/clarifai "
             "samples/yolo \"$d/gen.json\"; do one convert \"$s\"; one convert \"$s\" --geometry both; "
             "one convert \"$s\" --to coco; done\n"
             "while IFS='\t' read -r path fmt expect rest; do [ \"$expect\" = valid ] || continue\n"
             "  one convert '%s/corpus/'\"$path\" --from \"$fmt\" --geometry both; "
             "done < '%s/corpus/INDEX.tsv'\n"
             "echo \"$n runs, $bad differ\"\n",
             t_bin(), d, t_shared(), t_shared());
    CU_ASSERT_EQUAL(t_sh(cmd, &out, &err), 0);
    /* every pair ran and none differs */
    CU_ASSERT(out && strstr(out, " runs, 0 differ\n"));
    CU_ASSERT(out && strstr(out, "differs") == NULL);
    if (out && strstr(out, "differs"))
        fprintf(stderr, "\n%s", out);
    free(out);
    free(err);
    /* a diff plan: CURRENT the conversion with ids, DESIRED the file itself */
    snprintf(cmd, sizeof cmd,
             "d='%s'; '%s' convert \"$d/gen.json\" -o \"$d/cur\" --annotation-ids hash --quiet && "
             "'%s' diff \"$d/cur\" \"$d/gen.json\" -o \"$d/p4.zip\" --threads 4 --quiet && "
             "'%s' diff \"$d/cur\" \"$d/gen.json\" -o \"$d/p1.zip\" --threads 1 --quiet && "
             "cmp \"$d/p4.zip\" \"$d/p1.zip\"", d, t_bin(), t_bin(), t_bin());
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
}

/* Runs of request bodies with polygons (their numbers written by the
 * formatter thread) and without (boxes only: written in place once the
 * ones before are out), past the formatter's eight slots: the same files
 * as one thread. */
static void test_writer_formatter_same_files(void)
{
    const char *d = t_dir("writer_formatter");
    const char *in = t_path(d, "mixed.json");
    FILE *f = fopen(in, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("{\"images\":[", f);
    for (int i = 0; i < 40; i++)
        fprintf(f, "%s{\"id\":%d,\"file_name\":\"img %d.jpg\",\"width\":640,\"height\":480}",
                i ? "," : "", i + 1, i);
    fputs("],\"categories\":[{\"id\":1,\"name\":\"car\"}],\"annotations\":[", f);
    for (int i = 0; i < 4000; i++) {
        int poly = (i / 300) % 2; /* 300 boxes, 300 polygons, ... */
        double x = (i * 7) % 600 + 0.25, y = (i * 13) % 440 + 0.5;
        fprintf(f, "%s{\"id\":%d,\"image_id\":%d,\"category_id\":1,", i ? "," : "", i + 1,
                i % 40 + 1);
        if (poly)
            fprintf(f, "\"segmentation\":[[%g,%g,%g,%g,%g,%g,%g,%g]]}", x, y, x + 30.125,
                    y, x + 30.125, y + 20.75, x + i % 9 / 3.0, y + 20.75);
        else
            fprintf(f, "\"bbox\":[%g,%g,%g,%g]}", x, y, 33.3 + i % 5, 17.1);
    }
    fputs("]}", f);
    fclose(f);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "'%s' convert '%s' -o '%s/t2' --geometry both --threads 2 --quiet && "
             "'%s' convert '%s' -o '%s/t1' --geometry both --threads 1 --quiet && "
             "ls '%s/t2/requests' | wc -l",
             t_bin(), in, d, t_bin(), in, d, d);
    char *count = NULL;
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, &count, NULL), 0);
    T_ASSERT_STR(count, "47\n"); /* 5,900 annotations: a box each, a polygon for 1,900 */
    free(count);
    CU_ASSERT(t_same_tree(t_path(d, "t2"), t_path(d, "t1"), 1));
    char *summary = NULL;
    CU_ASSERT_EQUAL(t_check(t_path(d, "t2"), &summary), 0);
    free(summary);
}

/* A zip's bytes do not depend on the umask: every member is a regular
 * file, rw-r--r--, however the temporary files were made. */
static void test_writer_zip_same_bytes_any_umask(void)
{
    const char *d = t_dir("writer_umask");
    char cmd[4096], *out = NULL;
    snprintf(cmd, sizeof cmd,
             "d='%s'; (umask 022; '%s' convert samples/coco/instances.json -o \"$d/a.zip\" "
             "--geometry both --quiet) && (umask 077; '%s' convert samples/coco/instances.json "
             "-o \"$d/b.zip\" --geometry both --quiet) && cmp \"$d/a.zip\" \"$d/b.zip\" && "
             "%s -c 'import sys, zipfile\n"
             "z = zipfile.ZipFile(sys.argv[1])\n"
             "print(len(z.infolist()), sorted({oct(i.external_attr >> 16) for i in z.infolist()}))' "
             "\"$d/b.zip\"",
             d, t_bin(), t_bin(), t_python());
    CU_ASSERT_EQUAL(t_sh(cmd, &out, NULL), 0);
    /* manifest, rejects, the requests: all one mode */
    CU_ASSERT(out && strstr(out, " ['0o100644']\n"));
    if (out && !strstr(out, " ['0o100644']\n"))
        fprintf(stderr, "\n%s", out);
    free(out);
}

/* 50 good annotations, written one per request, then a broken one. */
static const char *write_broken(const char *d)
{
    const char *in = t_path(d, "bad.json");
    FILE *f = fopen(in, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":100,\"height\":100}],"
          "\"categories\":[{\"id\":1,\"name\":\"x\"}],\"annotations\":[", f);
    for (int i = 0; i < 50; i++)
        fprintf(f, "{\"id\":%d,\"image_id\":1,\"category_id\":1,\"bbox\":[1,1,5,5]},", i + 1);
    fputs("{\"id\":99,\"image_id\":1,\"category_id\":1,\"bbox\":[1,1,5]}]}", f);
    fclose(f);
    return in;
}

/* A run that fails late leaves no output and no temporary, folder or zip. */
static void test_writer_failed_run_leaves_nothing(void)
{
    const char *d = t_dir("writer_atomic");
    const char *in = write_broken(d);
    ap_context *ctx = t_ctx();
    ctx->opt.batch_size = 1;
    CU_ASSERT_EQUAL(run1(ctx, in, t_path(d, "out")), AP_EDATA);
    CU_ASSERT_EQUAL(run1(ctx, in, t_path(d, "out.zip")), AP_EDATA);
    CU_ASSERT_EQUAL(t_count_entries(d), 1); /* only bad.json: no output, no temporary */
    ap_context_free(ctx);
}

/* An existing output (5 requests) made from good.json in d. */
static const char *existing_output(ap_context *ctx, const char *d)
{
    const char *good = t_path(d, "good.json");
    t_write_coco(good, 5);
    const char *out = t_path(d, "existing");
    ctx->opt.batch_size = 1;
    CU_ASSERT_EQUAL_FATAL(run1(ctx, good, out), AP_OK);
    CU_ASSERT_EQUAL(t_count_entries(t_path(out, "requests")), 5);
    ctx->opt.batch_size = 128;
    return out;
}

/* an existing output is refused (73) and left as it was */
static void test_writer_existing_output_refused(void)
{
    const char *d = t_dir("writer_existing");
    ap_context *ctx = t_ctx();
    const char *out = existing_output(ctx, d);
    CU_ASSERT_EQUAL(run1(ctx, t_path(d, "good.json"), out), AP_ECANTCREAT);
    CU_ASSERT_EQUAL(t_count_entries(t_path(out, "requests")), 5);
    ap_context_free(ctx);
}

/* a failing run with --force leaves the old output untouched */
static void test_writer_failed_force_keeps_existing(void)
{
    const char *d = t_dir("writer_force_fails");
    ap_context *ctx = t_ctx();
    const char *out = existing_output(ctx, d);
    const char *in = write_broken(d);
    ctx->opt.force = 1;
    CU_ASSERT_EQUAL(run1(ctx, in, out), AP_EDATA);
    CU_ASSERT_EQUAL(t_count_entries(t_path(out, "requests")), 5);
    CU_ASSERT_EQUAL(t_count_entries(d), 3); /* good.json, bad.json, the output */
    ap_context_free(ctx);
}

/* a good one replaces it */
static void test_writer_force_replaces(void)
{
    const char *d = t_dir("writer_force");
    ap_context *ctx = t_ctx();
    const char *out = existing_output(ctx, d);
    ctx->opt.force = 1;
    CU_ASSERT_EQUAL(run1(ctx, t_path(d, "good.json"), out), AP_OK);
    CU_ASSERT_EQUAL(t_count_entries(t_path(out, "requests")), 1);
    CU_ASSERT_EQUAL(t_count_entries(d), 2); /* good.json and the output: nothing set aside */
    ap_context_free(ctx);
}

/* --force never replaces a folder that is not an annoport output */
static void test_writer_force_spares_other_folders(void)
{
    const char *d = t_dir("writer_force_other");
    const char *good = t_path(d, "good.json");
    t_write_coco(good, 5);
    ap_context *ctx = t_ctx();
    ctx->opt.force = 1;
    const char *other = t_dir("writer_atomic_other");
    t_write(t_path(other, "precious.txt"), "keep me");
    CU_ASSERT_EQUAL(run1(ctx, good, other), AP_ECANTCREAT);
    CU_ASSERT_TRUE(t_exists(t_path(other, "precious.txt")));
    ap_context_free(ctx);
}

/* an empty folder is fine without --force */
static void test_writer_empty_folder_used(void)
{
    const char *d = t_dir("writer_empty_folder");
    const char *good = t_path(d, "good.json");
    t_write_coco(good, 5);
    ap_context *ctx = t_ctx();
    const char *empty = t_dir("writer_atomic_empty");
    CU_ASSERT_EQUAL(run1(ctx, good, empty), AP_OK);
    CU_ASSERT_TRUE(t_exists(t_path(empty, "manifest.json")));
    ap_context_free(ctx);
}

/* A conversion that read objects and wrote none fails (65), says why, shows
 * the first rejects and writes nothing, unless --allow-empty. */
static const char all_rejected[] =
    "{\"images\":[{\"id\":1,\"file_name\":\"a.jpg\",\"width\":10,\"height\":10}],\n"
    "\"annotations\":[\n{\"id\":1,\"image_id\":1,\"category_id\":1,\"bbox\":[20,20,5,5]},\n"
    "{\"id\":2,\"image_id\":1,\"category_id\":1,\"bbox\":[1,1,0,0]}],\n"
    "\"categories\":[{\"id\":1,\"name\":\"dog\"}]}\n";

static void test_writer_nothing_written_fails(void)
{
    const char *d = t_dir("writer_empty");
    t_write(t_path(d, "in.json"), all_rejected);
    char args[1024], want[2048], *out = NULL, *err = NULL;
    snprintf(args, sizeof args, "convert %s/in.json -o %s/out", d, d);
    CU_ASSERT_EQUAL(t_cli(args, &out, &err), 65);
    snprintf(want, sizeof want,
             "annoport: error: no object was written: of the 2 objects read, 2 were rejected "
             "and 0 filtered out, so the output would be empty; nothing is written (give "
             "--allow-empty to write it anyway)\n"
             "annoport: the first rejects:\n"
             "  %s/in.json:3: zero_area: the box is empty or inverted after clamping to the "
             "image\n"
             "  %s/in.json:4: zero_area: the box is empty or inverted after clamping to the "
             "image\n", d, d);
    T_ASSERT_STR(err, want);
    T_ASSERT_STR(out, "");
    free(out);
    free(err);
    CU_ASSERT_FALSE(t_exists(t_path(d, "out")));
}

static void test_writer_allow_empty_writes_anyway(void)
{
    const char *d = t_dir("writer_allow_empty");
    t_write(t_path(d, "in.json"), all_rejected);
    char args[1024];
    snprintf(args, sizeof args, "convert %s/in.json -o %s/out --allow-empty --quiet", d, d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT_TRUE(t_exists(t_path(d, "out/manifest.json")));
    CU_ASSERT_EQUAL(t_check(t_path(d, "out"), NULL), 0);
}

/* -o with the extension of a single file is refused with the reason; a
 * trailing slash asks for a folder of that name. */
static void test_writer_file_path_refused(void)
{
    const char *d = t_dir("writer_filepath");
    char args[1024], want[2048], *err = NULL;
    snprintf(args, sizeof args, "convert samples/coco/instances.json --to coco -o %s/coco.json",
             d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, &err), 64);
    snprintf(want, sizeof want, "annoport: error: -o %s/coco.json: names a .json file, but the "
             "output is a folder (the converted files, manifest.json and rejects.jsonl in it) "
             "or one .zip archive; give %s/coco/ or %s/coco.zip (or %s/coco.json/ for a folder "
             "of that name)\n", d, d, d, d);
    T_ASSERT_STR(err, want);
    free(err);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

/* the extension in any case */
static void test_writer_file_path_refused_any_case(void)
{
    const char *d = t_dir("writer_filepath_case");
    char args[1024];
    snprintf(args, sizeof args, "convert samples/coco/instances.json --to csv -o %s/a.CSV", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 64);
    CU_ASSERT_EQUAL(t_count_entries(d), 0);
}

static void test_writer_trailing_slash_is_a_folder(void)
{
    const char *d = t_dir("writer_filepath_slash");
    char args[1024];
    snprintf(args, sizeof args, "convert samples/coco/instances.json --to coco -o %s/coco.json/ "
             "--quiet", d);
    CU_ASSERT_EQUAL(t_cli(args, NULL, NULL), 0);
    CU_ASSERT_TRUE(t_exists(t_path(d, "coco.json/annotations.json")));
}

CU_TestInfo writer_tests[] = {
    {"test_writer_nothing_written_fails", test_writer_nothing_written_fails},
    {"test_writer_allow_empty_writes_anyway", test_writer_allow_empty_writes_anyway},
    {"test_writer_file_path_refused", test_writer_file_path_refused},
    {"test_writer_file_path_refused_any_case", test_writer_file_path_refused_any_case},
    {"test_writer_trailing_slash_is_a_folder", test_writer_trailing_slash_is_a_folder},
    {"test_writer_manifest_invariant", test_writer_manifest_invariant},
    {"test_writer_rerun_identical", test_writer_rerun_identical},
    {"test_writer_hashed_annotation_ids_differ", test_writer_hashed_annotation_ids_differ},
    {"test_writer_zip_rerun_identical", test_writer_zip_rerun_identical},
    {"test_writer_zip_reopened", test_writer_zip_reopened},
    {"test_writer_zip_level", test_writer_zip_level},
    {"test_writer_threads_same_bytes", test_writer_threads_same_bytes},
    {"test_writer_zip_same_bytes_any_umask", test_writer_zip_same_bytes_any_umask},
    {"test_writer_formatter_same_files", test_writer_formatter_same_files},
    {"test_writer_failed_run_leaves_nothing", test_writer_failed_run_leaves_nothing},
    {"test_writer_existing_output_refused", test_writer_existing_output_refused},
    {"test_writer_failed_force_keeps_existing", test_writer_failed_force_keeps_existing},
    {"test_writer_force_replaces", test_writer_force_replaces},
    {"test_writer_force_spares_other_folders", test_writer_force_spares_other_folders},
    {"test_writer_empty_folder_used", test_writer_empty_folder_used},
    CU_TEST_INFO_NULL,
};
