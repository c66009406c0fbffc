/*
 * test_inputs_bodies.c: convert --create-inputs (SPEC section 9): the
 * post-inputs bodies by URL and by bytes, their batches and size limit,
 * dataset ids, labels on inputs, the images that cannot be sent (rejects),
 * the manifest's sending order, and the shared checker on every output.
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define MIB (1024L * 1024L)

/* Runs convert with args into dir/name (removed first); returns the exit
 * status. */
static int convert(const char *dir, const char *name, const char *args, char **out,
                   char **err)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "convert %s -o '%s/%s' --quiet", args, dir, name);
    return t_cli(cmd, out, err);
}

/* The text of dir/rel (free it); "" when it cannot be read. */
static char *file_text(const char *dir, const char *rel)
{
    char *s = t_read(t_path(dir, rel), NULL);
    return s ? s : strdup("");
}

/* The manifest's "requests" list, as written (free it). */
static char *requests_list(const char *out)
{
    char *m = file_text(out, "manifest.json");
    const char *from = strstr(m, "\n\t\"requests\":\t[");
    const char *to = from ? strstr(from, "]") : NULL;
    char *r = from && to ? strndup(from + 1, (size_t)(to - from)) : strdup("");
    free(m);
    return r;
}

/* A file of n bytes, made of the bytes of pattern in turn. */
static void write_bytes(const char *path, const unsigned char *pattern, size_t plen, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (size_t i = 0; i < n; i++)
        fputc(pattern[i % plen], f);
    fclose(f);
}

/* A file of n bytes that takes no room (a hole). */
static void write_sparse(const char *path, long n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL(truncate(path, n), 0);
}

/* The samples' COCO file by URL: every input an annotation is on (not
 * empty.jpg, which has none), same ids, the file name percent-encoded
 * after PREFIX, listed before the annotations in the manifest. */
static void test_inputs_bodies_url_coco(void)
{
    const char *d = t_dir("inputs-url");
    CU_ASSERT_EQUAL(convert(d, "out", "samples/coco/instances.json --create-inputs "
                            "url:https://127.0.0.1/images/ --user-app-id me/app",
                            NULL, NULL), 0);
    const char *out = t_path(d, "out");
    char *body = file_text(out, "requests/post-inputs-000001.json");
    T_ASSERT_STR(body,
                 "{\"user_app_id\":{\"user_id\":\"me\",\"app_id\":\"app\"},\"inputs\":["
                 "{\"id\":\"kitchen_0001\",\"data\":{\"image\":{\"url\":"
                 "\"https://127.0.0.1/images/kitchen/0001.jpg\"},\"metadata\":{\"filename\":"
                 "\"kitchen/0001.jpg\"}}},"
                 "{\"id\":\"kitchen_0002\",\"data\":{\"image\":{\"url\":"
                 "\"https://127.0.0.1/images/kitchen/0002.jpg\"},\"metadata\":{\"filename\":"
                 "\"kitchen/0002.jpg\"}}},"
                 "{\"id\":\"street_view\",\"data\":{\"image\":{\"url\":"
                 "\"https://127.0.0.1/images/Street%20View.png\"},\"metadata\":{\"filename\":"
                 "\"Street View.png\"}}}]}\n");
    free(body);
    char *list = requests_list(out);
    T_ASSERT_STR(list, "\t\"requests\":\t[\n"
                       "\t\t{\"file\":\"requests/post-inputs-000001.json\",\"inputs\":3,"
                       "\"annotations\":0},\n"
                       "\t\t{\"file\":\"requests/post-annotations-000001.json\","
                       "\"annotations\":5}\n\t]");
    free(list);
    /* the annotation bodies are those of a run without the option */
    CU_ASSERT_EQUAL(convert(d, "plain", "samples/coco/instances.json --user-app-id me/app",
                            NULL, NULL), 0);
    CU_ASSERT(t_same_file(t_path(out, "requests/post-annotations-000001.json"),
                          t_path(d, "plain/requests/post-annotations-000001.json")));
    cJSON *m = t_json(t_path(out, "manifest.json"));
    cJSON *c = cJSON_GetObjectItem(m, "counts");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "requests")->valueint, 2);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "annotations_written")->valueint, 5);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
}

/* File names with spaces and letters beyond ASCII: each path segment's
 * bytes percent-encoded, '/' kept; an http(s) name is the URL (only what a
 * URL cannot hold encoded); a gs:// name gives its bucket and path. */
static void test_inputs_bodies_url_names(void)
{
    const char *d = t_dir("inputs-names");
    t_write(t_path(d, "names.csv"), "image,label\n"
                                    "photos/été 2024/猫 (1).jpg,cat\n"
                                    "https://127.0.0.1:8080/a b/ok%20já.jpg?s=1,dog\n"
                                    "gs://bucket/dir/x~y+z.jpg,dog\n");
    char args[1024];
    snprintf(args, sizeof args, "'%s/names.csv' --create-inputs url:https://127.0.0.1/img/",
             d);
    CU_ASSERT_EQUAL(convert(d, "out", args, NULL, NULL), 0);
    const char *out = t_path(d, "out");
    cJSON *j = t_json(t_path(out, "requests/post-inputs-000001.json"));
    cJSON *inputs = cJSON_GetObjectItem(j, "inputs");
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(inputs), 3);
    const char *want[3][2] = {
        {"https://127.0.0.1/img/photos/%C3%A9t%C3%A9%202024/%E7%8C%AB%20%281%29.jpg",
         "photos/été 2024/猫 (1).jpg"},
        {"https://127.0.0.1:8080/a%20b/ok%20j%C3%A1.jpg?s=1",
         "https://127.0.0.1:8080/a b/ok%20já.jpg?s=1"},
        {"https://127.0.0.1/img/bucket/dir/x~y%2Bz.jpg", "gs://bucket/dir/x~y+z.jpg"},
    };
    for (int i = 0; i < 3; i++) {
        cJSON *data = cJSON_GetObjectItem(cJSON_GetArrayItem(inputs, i), "data");
        T_ASSERT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(data, "image"), "url")), want[i][0]);
        T_ASSERT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(data, "metadata"), "filename")), want[i][1]);
    }
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
}

/* 300 annotated images: three bodies of 128, 128 and 44 inputs, in the
 * input table's order, listed (and numbered) before the 24 annotation
 * bodies; the image without annotations is not created. */
static void test_inputs_bodies_batches(void)
{
    const char *d = t_dir("inputs-batches");
    t_write_coco(t_path(d, "big.json"), 3000); /* 301 images, the last one bare */
    char args[1024];
    snprintf(args, sizeof args, "'%s/big.json' --create-inputs url:http://127.0.0.1:8080/", d);
    CU_ASSERT_EQUAL(convert(d, "out", args, NULL, NULL), 0);
    const char *out = t_path(d, "out");
    const int sizes[3] = {128, 128, 44};
    int next = 1;
    for (int f = 0; f < 3; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, "requests/post-inputs-%06d.json", f + 1);
        cJSON *j = t_json(t_path(out, rel));
        cJSON *inputs = cJSON_GetObjectItem(j, "inputs");
        CU_ASSERT_EQUAL(cJSON_GetArraySize(inputs), sizes[f]);
        cJSON *in;
        cJSON_ArrayForEach(in, inputs) {
            char id[32];
            snprintf(id, sizeof id, "img%05d", next++);
            T_ASSERT_STR(cJSON_GetStringValue(cJSON_GetObjectItem(in, "id")), id);
        }
        cJSON_Delete(j);
    }
    CU_ASSERT_EQUAL(next, 301);
    CU_ASSERT_FALSE(t_exists(t_path(out, "requests/post-inputs-000004.json")));
    char *last = file_text(out, "requests/post-inputs-000003.json");
    const char *tail = strstr(last, "{\"id\":\"img00300\"");
    T_ASSERT_STR(tail, "{\"id\":\"img00300\",\"data\":{\"image\":{\"url\":"
                       "\"http://127.0.0.1:8080/img00300.jpg\"},\"metadata\":{\"filename\":"
                       "\"img00300.jpg\"}}}]}\n");
    free(last);
    char *list = requests_list(out);
    const char *at = strstr(list, "post-inputs-000003.json\",\"inputs\":44,\"annotations\":0},"
                                  "\n\t\t{\"file\":\"requests/post-annotations-000001.json\"");
    CU_ASSERT_PTR_NOT_NULL(at);
    CU_ASSERT_PTR_NOT_NULL(strstr(list, "post-annotations-000024.json\",\"annotations\":56}\n"
                                        "\t]"));
    free(list);
    cJSON *m = t_json(t_path(out, "manifest.json"));
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "counts"), "requests")->valueint,
                    27);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
}

/* --dataset-id on every input; image-level labels in the inputs'
 * concepts (counted as annotations), none left as annotation bodies. */
static void test_inputs_bodies_dataset_and_labels(void)
{
    const char *d = t_dir("inputs-dataset");
    CU_ASSERT_EQUAL(convert(d, "out", "samples/csv/classification.csv --create-inputs "
                            "url:https://127.0.0.1/ --dataset-id ds-1", NULL, NULL), 0);
    const char *out = t_path(d, "out");
    char *body = file_text(out, "requests/post-inputs-000001.json");
    T_ASSERT_STR(body,
                 "{\"inputs\":[{\"id\":\"photos_a\",\"data\":{\"image\":{\"url\":"
                 "\"https://127.0.0.1/photos/a.jpg\"},\"metadata\":{\"filename\":"
                 "\"photos/a.jpg\"},\"concepts\":[{\"id\":\"cat\",\"name\":\"cat\",\"value\":1},"
                 "{\"id\":\"dog\",\"name\":\"dog\",\"value\":0}]},\"dataset_ids\":[\"ds-1\"]},"
                 "{\"id\":\"photos_b\",\"data\":{\"image\":{\"url\":"
                 "\"https://127.0.0.1/photos/b.jpg\"},\"metadata\":{\"filename\":"
                 "\"photos/b.jpg\"},\"concepts\":[{\"id\":\"dog\",\"name\":\"dog\",\"value\":1}]},"
                 "\"dataset_ids\":[\"ds-1\"]}]}\n");
    free(body);
    CU_ASSERT_FALSE(t_exists(t_path(out, "requests/post-annotations-000001.json")));
    char *list = requests_list(out);
    T_ASSERT_STR(list, "\t\"requests\":\t[\n\t\t{\"file\":\"requests/post-inputs-000001.json\","
                       "\"inputs\":2,\"annotations\":3}\n\t]");
    free(list);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    /* read back, the labels are the annotations a run without the option writes */
    char args[1024];
    snprintf(args, sizeof args, "'%s'", out);
    CU_ASSERT_EQUAL(convert(d, "back", args, NULL, NULL), 0);
    CU_ASSERT_EQUAL(convert(d, "plain", "samples/csv/classification.csv", NULL, NULL), 0);
    CU_ASSERT(t_same_file(t_path(d, "back/requests/post-annotations-000001.json"),
                          t_path(d, "plain/requests/post-annotations-000001.json")));
    /* an option an input's concepts cannot carry keeps the labels annotations */
    CU_ASSERT_EQUAL(convert(d, "hash", "samples/csv/classification.csv --create-inputs "
                            "url:https://127.0.0.1/ --annotation-ids hash", NULL, NULL), 0);
    body = file_text(t_path(d, "hash"), "requests/post-inputs-000001.json");
    CU_ASSERT_PTR_NULL(strstr(body, "concepts"));
    free(body);
    CU_ASSERT_EQUAL(t_request_count(t_path(d, "hash/requests/post-annotations-000001.json")), 3);
    CU_ASSERT_EQUAL(t_check(t_path(d, "hash"), NULL), 0);
}

/* The expected base64 of a file, from coreutils' base64. */
static char *base64_of(const char *path)
{
    char cmd[1200], *out = NULL;
    snprintf(cmd, sizeof cmd, "base64 -w0 '%s'", path);
    CU_ASSERT_EQUAL(t_sh(cmd, &out, NULL), 0);
    return out ? out : strdup("");
}

/* bytes: each image as base64 from --images (DIR/file_name), read in
 * chunks: short images with each padding, binary bytes, and one over the
 * chunk size, checked against coreutils. */
static void test_inputs_bodies_bytes(void)
{
    const char *d = t_dir("inputs-bytes");
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/images/photos", d);
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
    t_write(t_path(dir, "a.jpg"), "abc");
    t_write(t_path(dir, "b.jpg"), "hello!!");
    const unsigned char bin[] = {0x00, 0xff, 0xfe, 0x3e, 0x3f};
    write_bytes(t_path(dir, "c.jpg"), bin, sizeof bin, 5);
    const unsigned char pat[] = {0xfb, 0xef, 0x01, 0x80, 0x7f, 0x10, 0x20};
    write_bytes(t_path(dir, "d.jpg"), pat, sizeof pat, 100001);
    t_write(t_path(d, "cls.csv"), "image,label\nphotos/a.jpg,cat\nphotos/b.jpg,dog\n"
                                  "photos/c.jpg,dog\nphotos/d.jpg,cat\n");
    char args[2048];
    snprintf(args, sizeof args, "'%s/cls.csv' --create-inputs bytes --images '%s/images' "
             "--user-app-id me/app", d, d);
    CU_ASSERT_EQUAL(convert(d, "out", args, NULL, NULL), 0);
    const char *out = t_path(d, "out");
    char *big = base64_of(t_path(dir, "d.jpg"));
    CU_ASSERT_EQUAL(strlen(big), 133336);
    size_t n = strlen(big) + 2048;
    char *want = malloc(n);
    snprintf(want, n,
             "{\"user_app_id\":{\"user_id\":\"me\",\"app_id\":\"app\"},\"inputs\":["
             "{\"id\":\"photos_a\",\"data\":{\"image\":{\"base64\":\"YWJj\"},\"metadata\":"
             "{\"filename\":\"photos/a.jpg\"},\"concepts\":[{\"id\":\"cat\",\"name\":\"cat\","
             "\"value\":1}]}},"
             "{\"id\":\"photos_b\",\"data\":{\"image\":{\"base64\":\"aGVsbG8hIQ==\"},\"metadata\":"
             "{\"filename\":\"photos/b.jpg\"},\"concepts\":[{\"id\":\"dog\",\"name\":\"dog\","
             "\"value\":1}]}},"
             "{\"id\":\"photos_c\",\"data\":{\"image\":{\"base64\":\"AP/+Pj8=\"},\"metadata\":"
             "{\"filename\":\"photos/c.jpg\"},\"concepts\":[{\"id\":\"dog\",\"name\":\"dog\","
             "\"value\":1}]}},"
             "{\"id\":\"photos_d\",\"data\":{\"image\":{\"base64\":\"%s\"},\"metadata\":"
             "{\"filename\":\"photos/d.jpg\"},\"concepts\":[{\"id\":\"cat\",\"name\":\"cat\","
             "\"value\":1}]}}]}\n", big);
    char *body = file_text(out, "requests/post-inputs-000001.json");
    CU_ASSERT(strcmp(body, want) == 0);
    free(body);
    free(want);
    free(big);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
}

/* A missing image: every object on it is an image_not_found reject, in
 * rejects.jsonl and the counts; it has no input and no annotation. In a zip
 * too. Under --strict, the run fails and writes nothing. */
static void test_inputs_bodies_missing_image(void)
{
    const char *d = t_dir("inputs-missing");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/images/kitchen'", d);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
    char img[1200];
    snprintf(img, sizeof img, "%s/images/kitchen/0001.jpg", d);
    t_write(img, "x");
    snprintf(img, sizeof img, "%s/images/Street View.png", d);
    t_write(img, "yz");
    char args[2048], *err = NULL;
    snprintf(args, sizeof args, "samples/coco/instances.json --create-inputs bytes --images "
             "'%s/images' --geometry both", d);
    CU_ASSERT_EQUAL(convert(d, "out", args, NULL, NULL), 0);
    const char *out = t_path(d, "out");
    char *rejects = file_text(out, "rejects.jsonl");
    char want[2048];
    snprintf(want, sizeof want,
             "{\"source\":{\"file\":\"samples/coco/instances.json\",\"line\":16,\"index\":2},"
             "\"input\":\"kitchen_0002\",\"label\":\"traffic light\",\"reason\":\"zero_area\","
             "\"message\":\"the box is empty or inverted after clamping to the image\"}\n"
             "{\"source\":{\"file\":\"samples/coco/instances.json\",\"line\":18,\"index\":3},"
             "\"input\":\"kitchen_0002\",\"label\":\"cat\",\"reason\":\"image_not_found\","
             "\"message\":\"no image \\\"kitchen/0002.jpg\\\" in --images %s/images\"}\n", d);
    T_ASSERT_STR(rejects, want);
    free(rejects);
    char *body = file_text(out, "requests/post-inputs-000001.json");
    T_ASSERT_STR(body, "{\"inputs\":[{\"id\":\"kitchen_0001\",\"data\":{\"image\":{\"base64\":"
                       "\"eA==\"},\"metadata\":{\"filename\":\"kitchen/0001.jpg\"}}},"
                       "{\"id\":\"street_view\",\"data\":{\"image\":{\"base64\":\"eXo=\"},"
                       "\"metadata\":{\"filename\":\"Street View.png\"}}}]}\n");
    free(body);
    body = file_text(out, "requests/post-annotations-000001.json");
    CU_ASSERT_PTR_NULL(strstr(body, "kitchen_0002"));
    free(body);
    cJSON *m = t_json(t_path(out, "manifest.json"));
    cJSON *c = cJSON_GetObjectItem(m, "counts");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "objects_read")->valueint, 6);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "objects_written")->valueint, 4);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "objects_rejected")->valueint, 2);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "annotations_written")->valueint, 7);
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    /* the same into a zip: the reject is in its rejects.jsonl */
    CU_ASSERT_EQUAL(convert(d, "out.zip", args, NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out.zip"), NULL), 0);
    char *zipped = t_zip_text(t_path(d, "out.zip"), "rejects.jsonl");
    T_ASSERT_STR(zipped, want);
    free(zipped);
    /* the summary counts them by reason, as the core's own rejects */
    snprintf(cmd, sizeof cmd, "%s convert %s -o '%s/summed' --json", t_bin(), args, d);
    char *out_json = NULL;
    CU_ASSERT_EQUAL(t_sh(cmd, &out_json, &err), 0);
    T_ASSERT_STR(err, "");
    free(err);
    cJSON *sum = cJSON_Parse(out_json ? out_json : "");
    cJSON *by = cJSON_GetObjectItem(sum, "rejects");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(by), 2);
    CU_ASSERT_EQUAL(cJSON_GetNumberValue(cJSON_GetObjectItem(by, "zero_area")), 1);
    CU_ASSERT_EQUAL(cJSON_GetNumberValue(cJSON_GetObjectItem(by, "image_not_found")), 1);
    cJSON_Delete(sum);
    free(out_json);
    /* --strict: the first such object fails the run */
    snprintf(args, sizeof args, "samples/coco/instances.json --create-inputs bytes --images "
             "'%s/images' --strict --labels cat", d);
    CU_ASSERT_EQUAL(convert(d, "strict", args, NULL, &err), 65);
    snprintf(want, sizeof want, "annoport: error: samples/coco/instances.json:18: "
             "image_not_found: no image \"kitchen/0002.jpg\" in --images %s/images (--strict: "
             "no output written)\n", d);
    T_ASSERT_STR(err, want);
    free(err);
    CU_ASSERT_FALSE(t_exists(t_path(d, "strict")));
}

/* An image over 20 MB (a hole, 20 MB + 1 byte) is image_too_large; an
 * empty one image_empty. */
static void test_inputs_bodies_too_large(void)
{
    const char *d = t_dir("inputs-large");
    write_sparse(t_path(d, "big.jpg"), 20 * MIB + 1);
    t_write(t_path(d, "empty.jpg"), "");
    t_write(t_path(d, "ok.jpg"), "ok");
    t_write(t_path(d, "cls.csv"), "image,label\nbig.jpg,cat\nempty.jpg,cat\nok.jpg,dog\n");
    char args[2048];
    snprintf(args, sizeof args, "'%s/cls.csv' --create-inputs bytes --images '%s'", d, d);
    CU_ASSERT_EQUAL(convert(d, "out", args, NULL, NULL), 0);
    const char *out = t_path(d, "out");
    char *rejects = file_text(out, "rejects.jsonl");
    char want[2048];
    snprintf(want, sizeof want,
             "{\"source\":{\"file\":\"%s/cls.csv\",\"line\":2,\"index\":0},\"input\":\"big\","
             "\"label\":\"cat\",\"reason\":\"image_too_large\",\"message\":"
             "\"image \\\"big.jpg\\\" is 20971521 bytes; the API takes at most 20 MB "
             "(20971520 bytes) an image\"}\n"
             "{\"source\":{\"file\":\"%s/cls.csv\",\"line\":3,\"index\":1},\"input\":\"empty\","
             "\"label\":\"cat\",\"reason\":\"image_empty\",\"message\":"
             "\"image \\\"empty.jpg\\\" is an empty file\"}\n", d, d);
    T_ASSERT_STR(rejects, want);
    free(rejects);
    char *body = file_text(out, "requests/post-inputs-000001.json");
    T_ASSERT_STR(body, "{\"inputs\":[{\"id\":\"ok\",\"data\":{\"image\":{\"base64\":\"b2s=\"},"
                       "\"metadata\":{\"filename\":\"ok.jpg\"},\"concepts\":[{\"id\":\"dog\","
                       "\"name\":\"dog\",\"value\":1}]}}]}\n");
    free(body);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
}

/* Bodies stay under 128 MB: five images of exactly 20 MB (holes) give a
 * body of four and one of one. */
static void test_inputs_bodies_request_limit(void)
{
    const char *d = t_dir("inputs-limit");
    char csv[512] = "image,label\n";
    for (int i = 1; i <= 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "i%d.jpg", i);
        write_sparse(t_path(d, name), 20 * MIB);
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%s,cat\n", name);
    }
    t_write(t_path(d, "cls.csv"), csv);
    char args[2048];
    snprintf(args, sizeof args, "'%s/cls.csv' --create-inputs bytes --images '%s'", d, d);
    CU_ASSERT_EQUAL(convert(d, "out", args, NULL, NULL), 0);
    const char *out = t_path(d, "out");
    char *list = requests_list(out);
    T_ASSERT_STR(list, "\t\"requests\":\t[\n"
                       "\t\t{\"file\":\"requests/post-inputs-000001.json\",\"inputs\":4,"
                       "\"annotations\":4},\n"
                       "\t\t{\"file\":\"requests/post-inputs-000002.json\",\"inputs\":1,"
                       "\"annotations\":1}\n\t]");
    free(list);
    size_t len = 0;
    char *one = t_read(t_path(out, "requests/post-inputs-000001.json"), &len);
    /* 4 x (27962028 base64 characters + the 124 of the entry around them),
     * 3 commas, {"inputs":[ and ]}\n */
    CU_ASSERT_EQUAL(len, 4 * (27962028 + 124) + 3 + 11 + 3);
    CU_ASSERT(len < 128 * MIB);
    free(one);
    CU_ASSERT_EQUAL(t_check(out, NULL), 0);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d); /* 140 MB */
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
}

/* What the options refuse, with the words the user needs. */
static void test_inputs_bodies_usage(void)
{
    static const struct {
        const char *args, *err;
    } cases[] = {
        {"--create-inputs byts", "annoport: --create-inputs takes url:PREFIX or bytes, not "
                                 "'byts' (did you mean 'bytes'?) (see 'annoport convert "
                                 "--help')\n"},
        {"--create-inputs https://127.0.0.1/", "annoport: --create-inputs takes url:PREFIX or bytes, "
                                       "not 'https://127.0.0.1/' (did you mean 'url:https://127.0.0.1/'?) "
                                       "(see 'annoport convert --help')\n"},
        {"--create-inputs 'url:https://127.0.0.1/my images/'",
         "annoport: --create-inputs url:PREFIX: PREFIX has a character that must be "
         "percent-encoded (a space is %20), not 'https://127.0.0.1/my images/' (see 'annoport convert "
         "--help')\n"},
        {"--create-inputs url:s3://b/", "annoport: --create-inputs url:PREFIX: PREFIX must be "
                                        "an absolute http:// or https:// URL, not 's3://b/' "
                                        "(see 'annoport convert --help')\n"},
        {"--create-inputs bytes", "annoport: error: --create-inputs bytes reads the images "
                                  "from --images DIR; give it (or use --create-inputs "
                                  "url:PREFIX)\n"},
        {"--dataset-id ds", "annoport: error: --dataset-id adds the inputs --create-inputs "
                            "creates to a dataset; give --create-inputs too\n"},
        {"--create-inputs url:https://127.0.0.1/ --request delete",
         "annoport: error: --create-inputs goes with post requests (the inputs of annotations "
         "to post), not --request delete\n"},
    };
    const char *d = t_dir("inputs-usage");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[512], *err = NULL;
        snprintf(args, sizeof args, "samples/coco/instances.json %s", cases[i].args);
        CU_ASSERT_EQUAL(convert(d, "out", args, NULL, &err), 64);
        T_ASSERT_STR(err, cases[i].err);
        free(err);
        CU_ASSERT_FALSE(t_exists(t_path(d, "out")));
    }
    char *err = NULL;
    CU_ASSERT_EQUAL(t_cli("diff samples/coco samples/coco -o x --create-inputs bytes", NULL,
                          &err), 64);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(err), "--create-inputs"));
    free(err);
}

CU_TestInfo inputs_bodies_tests[] = {
    {"test_inputs_bodies_url_coco", test_inputs_bodies_url_coco},
    {"test_inputs_bodies_url_names", test_inputs_bodies_url_names},
    {"test_inputs_bodies_batches", test_inputs_bodies_batches},
    {"test_inputs_bodies_dataset_and_labels", test_inputs_bodies_dataset_and_labels},
    {"test_inputs_bodies_bytes", test_inputs_bodies_bytes},
    {"test_inputs_bodies_missing_image", test_inputs_bodies_missing_image},
    {"test_inputs_bodies_too_large", test_inputs_bodies_too_large},
    {"test_inputs_bodies_request_limit", test_inputs_bodies_request_limit},
    {"test_inputs_bodies_usage", test_inputs_bodies_usage},
    CU_TEST_INFO_NULL,
};
