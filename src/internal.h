/*
 * internal.h: the core's own helpers, shared by src/ and formats/: the
 * format plugins include it too, but it is private, not part of the public
 * API (include/annoport/), and not installed. Growable buffers with a JSON
 * emitter, the number writer, text helpers, the tables (maps and id sets)
 * and the memory they live in, id derivation, normalization and its
 * inverse, the streaming JSON scanner and the output tree.
 */
#ifndef ANNOPORT_INTERNAL_H
#define ANNOPORT_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct cJSON;

#include <annoport/annoport.h>
#include <annoport/format.h>
#include <annoport/model.h>

/* ---- plugins' option blocks (options.c) ---- */

/* One plugin's options in a context (options.c makes them, plugin.c finds
 * them). */
struct ap_plugin_block {
    const ap_plugin_options *po;
    void *block;
};

/* Gives dst the option values of src (a second context for the same run):
 * AP_OK, or AP_ENOMEM (set on dst). */
int ap_plugin_blocks_copy(ap_context *dst, const ap_context *src);

/* ---- buffers and growable arrays (buf.c) ---- */

typedef struct ap_buf {
    char *p;
    size_t len, cap;
    int oom;            /* set once an allocation failed */
} ap_buf;

void ap_buf_free(ap_buf *b);
/* Makes room for extra bytes and a NUL; sets oom when it cannot. */
void ap_buf_grow(ap_buf *b, size_t extra);

/* The writers append to buffers millions of times: these are inline, the
 * growing is not. */
static inline void ap_buf_reserve(ap_buf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap)
        ap_buf_grow(b, extra);
}

static inline void ap_buf_put(ap_buf *b, const char *s, size_t n)
{
    ap_buf_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static inline void ap_buf_puts(ap_buf *b, const char *s)
{
    ap_buf_put(b, s, strlen(s));
}

static inline void ap_buf_putc(ap_buf *b, char c)
{
    ap_buf_reserve(b, 1);
    if (b->oom)
        return;
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}
/* A JSON string literal, quotes included; invalid UTF-8 becomes U+FFFD. */
void ap_buf_json_string(ap_buf *b, const char *s);
/* The shortest decimal that reads back to the same double; -0 is 0. */
void ap_buf_json_number(ap_buf *b, double v);
void ap_buf_u64(ap_buf *b, uint64_t v);

/* Grows *arr (an array of elem-byte items, *cap of them) to hold need
 * items, doubling; 0, or -1 out of memory (the array is then unchanged). */
int ap_grow(void *arr, size_t *cap, size_t need, size_t elem);
/* The capacity ap_grow moves to: cap doubled (from 16) until need fits. */
size_t ap_grown_cap(size_t cap, size_t need);

/* ---- the number writer (numfmt.c) ---- */

/* Writes the shortest round-trip form of v into out (at least 32 bytes);
 * returns its length. */
size_t ap_format_double(char *out, double v);
/* The printf/strtod search ap_format_double must agree with (tests). */
size_t ap_format_double_ref(char *out, double v);

/* ---- text (text.c; the edit distance is in annoport.h) ---- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
size_t ap_utf8_len(const unsigned char *s);
/* A copy of s in which every byte that is not valid UTF-8 is U+FFFD (so
 * that labels and file names written into JSON stay valid); NULL out of
 * memory. */
char *ap_utf8_dup(const char *s);
char *ap_strdup(const char *s);
char *ap_strndup(const char *s, size_t n);

/* ---- the tables' memory (store.c) ---- */

/* Memory for what grows with the number of images: with a folder, a
 * temporary file there, mapped, of which about budget bytes stay resident
 * (the store counts what it hands out and what is read through it, and
 * lets go of the rest by itself); without one, anonymous memory. Blocks
 * come zeroed and go back together with the store. Errors are set on ctx;
 * allocations then return NULL. */
typedef struct ap_store ap_store;
ap_store *ap_store_new(ap_context *ctx, const char *dir, size_t budget);
void ap_store_free(ap_store *st);
void *ap_store_alloc(ap_store *st, size_t n);
char *ap_store_strdup(ap_store *st, const char *s);
/* Gives back a block of n bytes early; only large blocks are really freed. */
void ap_store_release(ap_store *st, void *p, size_t n);
/* ap_grow for an array in st (or on the heap when st is NULL). */
int ap_store_grow(ap_store *st, void *arr, size_t *cap, size_t need, size_t elem);
/* Lets go of every resident page now (tests; the store trims by itself). */
void ap_store_trim(ap_store *st);
uint64_t ap_store_trims(const ap_store *st);
int ap_store_on_disk(const ap_store *st);
/* The store of a run's inputs, for a reader's own tables (maps, id sets). */
ap_store *ap_sink_store(ap_sink *sink);

/* The tables' side of the store, for map.c alone. */
/* n bytes at p (in st or not; NULL st: nothing) were read or written
 * through a pointer: counted towards the budget, and a trim when past it. */
void ap_store_touch(ap_store *st, const void *p, size_t n);
/* Whether a table of this many bytes is better read and written through
 * the file (pread/pwrite) than through memory: one too large for the
 * budget, looked up at random, would fault a page in at every lookup. */
int ap_store_io(const ap_store *st, size_t bytes);
/* Where a block of st is in its file; -1 when it is not in the file. */
long long ap_store_offset(const ap_store *st, const void *p);
/* 0, or the error set on the context (the bytes read are then zeros). */
int ap_store_pread(ap_store *st, void *dst, size_t n, long long off);
int ap_store_pwrite(ap_store *st, const void *src, size_t n, long long off);

/* ---- hash maps (map.c): string or int64 keys, pointer values ---- */

typedef struct ap_map ap_map;
ap_map *ap_map_new(void);
/* A map whose slots and keys live in st (NULL: the heap). */
ap_map *ap_map_new_in(ap_store *st);
void ap_map_free(ap_map *m);   /* does not free the values */
void ap_map_free_values(ap_map *m); /* frees them too (unless in a store) */
size_t ap_map_count(const ap_map *m);
/* Lookups return NULL when absent. Puts return 0, or -1 out of memory; a
 * string key is copied. */
void *ap_map_get(const ap_map *m, const char *key);
int ap_map_put(ap_map *m, const char *key, void *value);
void *ap_map_get_int(const ap_map *m, int64_t key);
int ap_map_put_int(ap_map *m, int64_t key, void *value);

/* A set of 64-bit ids that are mostly seen in increasing order (COCO's
 * annotation ids): those are kept as variable-length deltas, a byte or two
 * each, the others in a hash set. */
typedef struct ap_idset ap_idset;
ap_idset *ap_idset_new(void);
ap_idset *ap_idset_new_in(ap_store *st);
void ap_idset_free(ap_idset *s);
/* 1 when id was there already, 0 when added, -1 out of memory. */
int ap_idset_add(ap_idset *s, int64_t id);

uint64_t ap_hash64(const void *data, size_t n, uint64_t seed);

/* ---- streams and containers (stream.c) ---- */
/* Gives back the n bytes just read from the start of s: the next reads
 * return them before reading on. */
int ap_stream_unread(ap_context *ctx, ap_stream *s, const void *buf, size_t n);

/* Reads a whole stream (at most limit bytes, else AP_EDATA) into a new
 * NUL-terminated buffer. */
int ap_stream_slurp(ap_context *ctx, ap_stream *s, size_t limit, char **out, size_t *len);
/* From now on the stream is text: checked as UTF-8 as it is read (an error
 * names the line and byte of the first invalid one), or, with an encoding
 * (--encoding), converted from it to UTF-8. Bytes given back are included. */
int ap_stream_text(ap_context *ctx, ap_stream *s, const char *encoding);

int ap_is_zip_path(const char *path);
/* Opens a folder, or any other file as a zip archive. */
int ap_container_open(ap_context *ctx, const char *path, ap_container **out);
void ap_container_close(ap_container *c);
const char *ap_container_path(const ap_container *c);
int ap_container_is_zip(const ap_container *c);
/* Every regular file inside (hidden ones skipped), byte-sorted; an archive
 * member with an absolute path or ".." is an error. */
int ap_container_list(ap_context *ctx, ap_container *c, ap_names *out);
ap_stream *ap_container_open_file(ap_context *ctx, ap_container *c, const char *rel);
int ap_container_has(ap_container *c, const char *rel);
/* The size of a file in a container (uncompressed for an archive member);
 * 0 when unknown. */
uint64_t ap_container_file_size(ap_container *c, const char *rel);
/* "folder/rel" or "archive.zip:rel" (free it). */
char *ap_container_display(const ap_container *c, const char *rel);
void ap_names_free(ap_names *l);
/* Appends name, taking it over (it is freed with the list, or here on
 * failure). */
int ap_names_take(ap_context *ctx, ap_names *l, char *name);

/* ---- Clarifai JSON (formats/clarifai_read.c) ---- */

/* Reads only the inputs of Clarifai JSON (GET /v2/inputs pages, dataset
 * exports, annoport manifests): ids, sizes, file names (--inputs). */
int ap_clarifai_read_inputs(ap_context *ctx, const ap_source *src, ap_sink *sink);

/* Request batches (formats/clarifai_write.c) for a caller that makes its
 * own annotations (diff): kind is post, patch or delete, action patch's
 * action (NULL: merge) in place of --action; the other options of ctx
 * apply (status, batch size). finish writes what is left and appends
 * {"file", "request", "annotations"} entries to list. */
void *ap_requests_open(ap_context *ctx, ap_output *out, const char *kind, const char *action);
int ap_requests_add(void *batches, const ap_annotation *a);
int ap_requests_finish(void *batches, struct cJSON *list);
void ap_requests_free(void *batches);

/* ---- YOLO (formats/yolo_write.c) ---- */

/* The label file annoport's YOLO writer gives an input: a new string, or
 * NULL out of memory. */
char *ap_yolo_label_path(const char *file_name, const char *id);

/* ---- image sizes from file headers (imgsize.c) ---- */

/* Reads width and height from a JPEG (SOF, with EXIF orientation: 5-8
 * swap them) or PNG (IHDR) header. Returns 1 when found, 0 when the file
 * is missing or not such an image. */
int ap_image_size(const char *path, int64_t *w, int64_t *h);
/* The same from a stream (an archive member); a read error counts as not
 * found (and is left set on ctx). */
int ap_image_size_stream(ap_context *ctx, ap_stream *s, int64_t *w, int64_t *h);

/* ---- ids (ids.c, SPEC section 2 "Ids") ---- */

/* Each returns a new string (free it), or NULL out of memory. */
char *ap_input_id_clean(const char *file_name);
char *ap_input_id_stem(const char *file_name);
char *ap_concept_id(const char *label);

/* ---- normalization (normalize.c) ---- */

typedef enum {
    AP_NORM_OK,
    AP_NORM_NAN,          /* nan_coordinate */
    AP_NORM_NO_SIZE,      /* missing_image_size */
    AP_NORM_ZERO_AREA,    /* zero_area */
    AP_NORM_DEGENERATE    /* degenerate_polygon */
} ap_norm_result;

/* Normalizes a box of obj (SPEC section 2) for an image of w x h pixels
 * (0 = unknown); *clamped is set when a coordinate moved by more than the
 * tolerance. */
ap_norm_result ap_normalize_box(const ap_object *obj, int64_t w, int64_t h,
                                ap_voc_edges edges, double tol_px, ap_box *out,
                                int *clamped);
/* Normalizes a polygon part of n doubles into n/2 points in out. */
ap_norm_result ap_normalize_polygon(const double *xy, size_t n, ap_units units,
                                    int64_t w, int64_t h, double tol_px,
                                    ap_point *out, int *clamped);

/* The inverse, for writers. The pixel value norm * dim + offset, as the
 * shortest decimal (at most six places) that normalizes back to exactly
 * norm: so 71 and 201.5 survive a trip through 0..1 and come back as
 * written. */
double ap_pixel(double norm, double dim, double offset);
/* v with at most six decimal places when that moves it by at most 1e-9
 * (a difference of two such pixel values). */
double ap_tidy(double v);
/* A VOC number for a normalized edge (the min or max of its axis): the
 * inverse of the edges convention. */
double ap_voc_pixel(double v, double dim, int is_min, ap_voc_edges edges);

/* ---- streaming JSON scanner (jsonscan.c) ---- */

/* Around cJSON calls that build or print a tree: ap_json_begin, then
 * ap_json_failed says whether an allocation of cJSON's failed on this
 * thread since (cJSON's own results do not tell it from bad input). */
void ap_json_begin(void);
int ap_json_failed(void);

/* Walks a JSON text held in a stream without building it: finds the extent
 * of each value so that a reader can hand one array element at a time to
 * cJSON. Memory is one window of the file plus the largest element. */
typedef struct ap_jscan ap_jscan;

ap_jscan *ap_jscan_new(ap_context *ctx, ap_stream *s, const char *name);
void ap_jscan_free(ap_jscan *j);
/* Back to the first byte (for a second pass). */
int ap_jscan_rewind(ap_jscan *j);
/* Skips white space; returns the next byte without taking it, or -1 at the
 * end of the text (-2 on a read error, set). */
int ap_jscan_peek(ap_jscan *j);
/* Takes one expected punctuation byte; an error naming the position if the
 * next byte is something else. */
int ap_jscan_expect(ap_jscan *j, char c);
/* Reads an object key (a string) and the colon after it into a new string. */
int ap_jscan_key(ap_jscan *j, char **key);
/* Finds the next whole value; *p and *n point into the window until the next
 * call. line is the line where it starts. */
int ap_jscan_value(ap_jscan *j, const char **p, size_t *n, uint64_t *line);
/* The same, without keeping it: nothing is buffered. */
int ap_jscan_skip(ap_jscan *j);
/* Position of the next byte (after white space), for messages. */
void ap_jscan_where(ap_jscan *j, uint64_t *line, uint64_t *col);
/* An error at the current position. */
int ap_jscan_error(ap_jscan *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Parses the value last found by ap_jscan_value with cJSON; on a syntax
 * error, sets an error with its line and column. Returns the tree or NULL. */
struct cJSON *ap_jscan_parse(ap_jscan *j, const char *p, size_t n);

/* Reads the value at the scanner as an array, parsing each element with
 * cJSON and passing it to fn with its index and line (freed after). fn
 * NULL: any value is parsed and dropped (a syntax check). null is an empty
 * array; another value is an error naming key. */
typedef int (*ap_jscan_elem_fn)(void *user, const struct cJSON *elem, int64_t index,
                                uint64_t line);

/* Walks the top-level object key by key: fn must consume the value of key
 * (with ap_jscan_array, _value or _skip). Then checks that nothing follows
 * the object. */
typedef int (*ap_jscan_member_fn)(void *user, const char *key);
int ap_jscan_object(ap_jscan *j, ap_jscan_member_fn fn, void *user);
int ap_jscan_array(ap_jscan *j, const char *key, ap_jscan_elem_fn fn, void *user);
/* The same with a fast path: text sees each element's bytes first and
 * returns AP_OK or an error. p is where the element starts; the n bytes
 * there may end before the element or go past it (an object or array is
 * shown in the window as read, so that an element taken is not scanned
 * twice). text sets *used to the element's length when it took the
 * element, or to 0 to leave it: an element that ran past the window is
 * then shown again, exactly; any other is parsed by cJSON and given to fn
 * as above. Under the reference_json option text is never called: the
 * differential tests compare the two. */
typedef int (*ap_jscan_text_fn)(void *user, const char *p, size_t n, int64_t index,
                                uint64_t line, size_t *used);
int ap_jscan_array_text(ap_jscan *j, const char *key, ap_jscan_text_fn text,
                        ap_jscan_elem_fn fn, void *user);

/* ---- the narrow fast path over one element's text (jsonscan.c) ----
 *
 * Strict JSON only, and a subset of it: each function returns 1 when it read
 * what it was asked for, 0 when the text is anything else (an escape in a
 * string, a number of more than 63 characters, unusual white space, deep
 * nesting, a syntax error), and the caller then hands the element to cJSON,
 * which gives the value or the error. So what the fast path accepts, cJSON
 * accepts with the same values; tests and the fuzz targets compare them.
 * A scalar that is not read leaves the position where it was (after white
 * space), so that another reading can be tried. */
typedef struct {
    const char *p, *end;
} ap_jfast;

/* Skips JSON white space; returns the next byte or -1 at the end. */
int ap_jf_peek(ap_jfast *f);
/* Takes the byte c (after white space). */
int ap_jf_take(ap_jfast *f, char c);
/* A string without escapes or control bytes: its bytes between the quotes. */
int ap_jf_string(ap_jfast *f, const char **s, size_t *n);
/* A number, as strtod (and so cJSON) reads it. */
int ap_jf_number(ap_jfast *f, double *v);
/* A number, checked but not converted. */
int ap_jf_number_syntax(ap_jfast *f);
/* The numbers of a non-empty array, checked but not converted: what a
 * loop of ap_jf_number_syntax and ap_jf_take(',') accepts, up to and not
 * including the ']' that must follow; their count in *n. */
int ap_jf_number_list(ap_jfast *f, size_t *n);
/* An integer of at most 15 digits, no fraction or exponent. */
int ap_jf_int(ap_jfast *f, int64_t *v);
/* The literal null. */
int ap_jf_null(ap_jfast *f);
/* Any value, checked and skipped. */
int ap_jf_skip(ap_jfast *f);


/* ---- grouping by input (group.c) ---- */

/* Records collected in any order and given back grouped by input, in
 * input order: an external counting sort through two temporary files, so
 * memory holds two counters per input, not the records. */
typedef struct ap_group ap_group;
ap_group *ap_group_new(ap_context *ctx);
int ap_group_add(ap_group *g, uint32_t input, const void *rec, uint32_t len);
/* Calls fn for every input 0..ninputs-1 with its records laid end to end
 * (len 0 when it has none). */
int ap_group_each(ap_group *g, size_t ninputs,
                  int (*fn)(void *user, uint32_t input, const unsigned char *recs,
                            size_t len),
                  void *user);
void ap_group_free(ap_group *g);

/* ---- manifests (manifest.c) ---- */

/* Writes OUTPUT/manifest.json: tool, version, source, target (format, and
 * what add puts in it), counts, concepts, what list writes (a member that
 * grows with the data, such as the request files: ",\n\t\"name\":\t[...]")
 * and inputs (id, file name, size), after checking that every object read
 * is accounted for. add may put more into the manifest and its target. The
 * inputs and the list are written as they go, never held whole. */
int ap_manifest_write(ap_context *ctx, ap_output *out, const ap_run_info *info,
                      const char *target_format,
                      void (*add)(void *user, struct cJSON *manifest, struct cJSON *target),
                      void (*list)(void *user, FILE *f), void *user);

/* ---- output trees (output.c) ---- */

/* Prepares a temporary tree beside path (a folder, or a zip when path ends
 * in ".zip"). An existing non-empty output is AP_ECANTCREAT unless force. */
int ap_output_begin(ap_context *ctx, const char *path, int force, ap_output **out);
/* The temporary folder the output is built in (for the run's own
 * temporary files, which must not be named: use O_TMPFILE). */
const char *ap_output_tmpdir(const ap_output *out);
/* 1 when the output is a zip, whose members other threads deflate. */
int ap_output_is_zip(const ap_output *out);
/* Writes b's bytes as the file relpath in one unbuffered write and empties
 * b. AP_OK or an error (set), as ap_output_create and ap_output_close. */
int ap_output_put(ap_output *out, const char *relpath, ap_buf *b);
/* Finishes the tree and renames it into place. Frees out. */
int ap_output_commit(ap_output *out);
/* Removes the temporary tree; leaves an existing output untouched. Frees
 * out; accepts NULL. */
void ap_output_abort(ap_output *out);

/* ---- a job's sources (source.c) ---- */

/* A file a job reads: a plain one (or "-"), or one in a folder or archive,
 * and the format that reads it. */
typedef struct {
    char *display;          /* for messages and the reader */
    ap_container *c;        /* NULL: a plain file (or "-") */
    char *rel;              /* the name inside c */
    const ap_reader *fmt;
    int lazy;               /* not probed yet (see expand_container) */
    int forced;             /* fmt was given by --from */
    int top;                /* at the depth that chose the format */
} ap_source_file;

typedef struct {
    ap_source_file *v;
    size_t n, cap;
    ap_container **cs;      /* containers, owned */
    size_t ncs;
    uint64_t bytes;
} ap_source_list;

/* Appends the files path names: itself ("-" with --from only), or what a
 * folder or archive holds of one format. forced is --from's format, or
 * NULL to probe; detected gets the probed format's name, if any. */
int ap_source_list_expand(ap_context *ctx, const char *path, const ap_reader *forced,
                          ap_source_list *l, char *detected, size_t dlen);
void ap_source_list_free(ap_source_list *l);
/* Opens a file for its reader, as text unless the reader decodes it; *st
 * is NULL (and the result AP_OK) for a file that probing skips now. */
int ap_source_file_open(ap_context *ctx, const ap_source_file *s, ap_stream **st);

#endif
