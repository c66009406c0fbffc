/*
 * test_store.c: the memory the input tables live in (src/store.c): data
 * survives every trim, blocks come zeroed, nothing is left in the folder
 * (and where no unnamed file can be made, memory with a warning),
 * residency is let go of as the budget says, maps and id sets in a store
 * answer as on the heap, and a conversion gives the same bytes whatever
 * the budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/internal.h"
#include "helpers.h"

static unsigned char pattern(size_t block, size_t i)
{
    return (unsigned char)(block * 31 + i * 7 + 1);
}

static void test_store_file_keeps_data_through_trims(void)
{
    ap_context *ctx = t_ctx();
    const char *dir = t_dir("store-file");
    ap_store *st = ap_store_new(ctx, dir, (size_t)1 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(ap_store_on_disk(st), 1);
    enum { N = 20000 };
    unsigned char **blocks = calloc(N, sizeof *blocks);
    size_t *sizes = calloc(N, sizeof *sizes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(blocks);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sizes);
    int zeroed = 1, aligned = 1;
    for (size_t b = 0; b < N; b++) {
        sizes[b] = 1 + (b * 37) % 300;
        if (b % 5000 == 4999)
            sizes[b] = (size_t)300 << 10; /* a block with a region of its own */
        blocks[b] = ap_store_alloc(st, sizes[b]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(blocks[b]);
        aligned &= ((uintptr_t)blocks[b] % 16) == 0;
        for (size_t i = 0; i < sizes[b]; i++)
            zeroed &= blocks[b][i] == 0;
        for (size_t i = 0; i < sizes[b]; i++)
            blocks[b][i] = pattern(b, i);
        if (b % 1000 == 999)
            ap_store_trim(st);
    }
    CU_ASSERT(zeroed);
    CU_ASSERT(aligned);
    ap_store_trim(st);
    CU_ASSERT_EQUAL(ap_store_trims(st), N / 1000 + 1);
    size_t wrong = 0;
    for (size_t b = 0; b < N; b++)
        for (size_t i = 0; i < sizes[b]; i++)
            wrong += blocks[b][i] != pattern(b, i);
    CU_ASSERT_EQUAL(wrong, 0);
    /* a large block given back early; the next one is zeroed again */
    ap_store_release(st, blocks[4999], sizes[4999]);
    unsigned char *again = ap_store_alloc(st, sizes[4999]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(again);
    size_t nonzero = 0;
    for (size_t i = 0; i < sizes[4999]; i++)
        nonzero += again[i] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    /* the file has no name: the folder stays empty */
    CU_ASSERT_EQUAL(t_count_entries(dir), 0);
    ap_store_free(st);
    CU_ASSERT_EQUAL(t_count_entries(dir), 0);
    free(blocks);
    free(sizes);
    ap_context_free(ctx);
}

/* Handing out 48 MiB with a 1 MiB budget (the store trims by itself); the data is all
 * there after; returns the number of trims. */
static uint64_t touch_48_mib(ap_context *ctx, const char *dir)
{
    ap_store *st = ap_store_new(ctx, dir, (size_t)1 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(ap_store_on_disk(st), dir != NULL);
    enum { PAGES = 12288 };
    uint32_t **p = calloc(PAGES, sizeof *p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    for (uint32_t k = 0; k < PAGES; k++) {
        p[k] = ap_store_alloc(st, 4096);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p[k]);
        for (int i = 0; i < 1024; i++)
            p[k][i] = k * 1024u + (uint32_t)i;
    }
    size_t wrong = 0;
    for (uint32_t k = 0; k < PAGES; k++)
        for (int i = 0; i < 1024; i++)
            wrong += p[k][i] != k * 1024u + (uint32_t)i;
    CU_ASSERT_EQUAL(wrong, 0);
    uint64_t trims = ap_store_trims(st);
    ap_store_free(st);
    free(p);
    return trims;
}

/* On disk, 48 MiB past a 1 MiB budget trims, and the data is all there; */
static void test_store_tick_trims_past_the_budget(void)
{
    ap_context *ctx = t_ctx();
    CU_ASSERT(touch_48_mib(ctx, t_dir("store-tick")) >= 10);
    ap_context_free(ctx);
}

/* in memory (no folder) nothing is ever trimmed. */
static void test_store_in_memory_never_trims(void)
{
    ap_context *ctx = t_ctx();
    CU_ASSERT_EQUAL(touch_48_mib(ctx, NULL), 0);
    ap_context_free(ctx);
}

/* a folder where no unnamed file can be made: memory, and a warning */
static void test_store_no_folder_falls_back_to_memory(void)
{
    ap_context *ctx = t_ctx();
    uint64_t warned = ctx->warnings;
    ap_store *mem = ap_store_new(ctx, t_path(t_dir("store-none"), "missing"), (size_t)1 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
    CU_ASSERT_EQUAL(ap_store_on_disk(mem), 0);
    CU_ASSERT_EQUAL(ctx->warnings, warned + 1);
    CU_ASSERT_EQUAL(ctx->err, AP_OK);
    int *x = ap_store_alloc(mem, sizeof *x);
    CU_ASSERT_PTR_NOT_NULL(x);
    ap_store_free(mem);
    ap_context_free(ctx);
}

/* Maps and id sets in a store, trimmed as they grow, answer like their
 * heap twins. */
static void test_store_maps_and_idsets(void)
{
    ap_context *ctx = t_ctx();
    ap_store *st = ap_store_new(ctx, t_dir("store-maps"), 4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    ap_map *mi = ap_map_new_in(st), *ms = ap_map_new_in(st);
    ap_idset *si = ap_idset_new_in(st), *hi = ap_idset_new();
    CU_ASSERT_FATAL(mi && ms && si && hi);
    enum { N = 60000 };
    static int vals[N];
    char key[32];
    int put_fail = 0, set_differs = 0;
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < N; i++) {
        int64_t k = (int64_t)i * 7919 - 100000;
        snprintf(key, sizeof key, "%012d.jpg", i * 13);
        put_fail |= ap_map_put_int(mi, k, &vals[i]) != 0;
        put_fail |= ap_map_put(ms, key, &vals[i]) != 0;
        /* mostly increasing ids, now and then one from before or a repeat */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int64_t id = (x % 10) ? (int64_t)i * 3 : (int64_t)(x % (uint64_t)(3 * i + 1));
        set_differs |= ap_idset_add(si, id) != ap_idset_add(hi, id);
        if (i % 2000 == 0)
            ap_store_trim(st);
    }
    CU_ASSERT_EQUAL(put_fail, 0);
    CU_ASSERT_EQUAL(set_differs, 0);
    ap_store_trim(st);
    size_t wrong = 0;
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "%012d.jpg", i * 13);
        wrong += ap_map_get_int(mi, (int64_t)i * 7919 - 100000) != &vals[i];
        wrong += ap_map_get(ms, key) != &vals[i];
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_PTR_NULL(ap_map_get_int(mi, 1));
    CU_ASSERT_PTR_NULL(ap_map_get(ms, "000000000001.jpg"));
    CU_ASSERT_EQUAL(ap_map_count(mi), N);
    CU_ASSERT_EQUAL(ap_map_count(ms), N);
    ap_map_free(mi);
    ap_map_free_values(ms); /* in a store: frees nothing of the values */
    ap_idset_free(si);
    ap_idset_free(hi);
    ap_store_free(st);
    ap_context_free(ctx);
}

/* A generated dataset of 3000 images in d (gen.json), converted with the
 * default budget into d/out/a. */
static void budget_case(const char *d)
{
    char cmd[2400];
    snprintf(cmd, sizeof cmd,
             "%s '%s/tools/gen_dataset.py' --images 3000 --seed 5 --quiet --out '%s/gen.json'",
             t_python(), t_shared(), d);
    CU_ASSERT_EQUAL_FATAL(t_sh(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "convert '%s/gen.json' -o '%s/out/a' --geometry both --quiet", d, d);
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
}

/* The smallest budget (a trim at nearly every check) gives the same bytes
 * as the default, importing, and leaves nothing beside the output; */
static void test_store_import_same_under_any_budget(void)
{
    const char *d = t_dir("store-cli");
    char cmd[2400];
    budget_case(d);
    snprintf(cmd, sizeof cmd, "convert '%s/gen.json' -o '%s/out/b' --geometry both --quiet "
             "--table-memory 1K", d, d);
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "diff -r '%s/out/a' '%s/out/b'", d, d);
    CU_ASSERT_EQUAL(t_sh(cmd, NULL, NULL), 0);
    CU_ASSERT_EQUAL(t_check(t_path(d, "out/b"), NULL), 0);
    CU_ASSERT_EQUAL(t_count_entries(t_path(d, "out")), 2);
}

/* and exporting */
static void test_store_export_same_under_any_budget(void)
{
    const char *d = t_dir("store-cli-export");
    char cmd[2400];
    budget_case(d);
    snprintf(cmd, sizeof cmd, "convert '%s/out/a' --to coco -o '%s/out/c.zip' --quiet", d, d);
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
    snprintf(cmd, sizeof cmd, "convert '%s/out/a' --to coco -o '%s/out/d.zip' --quiet "
             "--table-memory 1024", d, d);
    CU_ASSERT_EQUAL_FATAL(t_cli(cmd, NULL, NULL), 0);
    CU_ASSERT(t_same_file(t_path(d, "out/c.zip"), t_path(d, "out/d.zip")));
    CU_ASSERT_EQUAL(t_count_entries(t_path(d, "out")), 3);
}

static void test_store_budget_below_minimum_refused(void)
{
    const char *d = t_dir("store-cli-minimum");
    char cmd[2400], *err = NULL;
    t_write_coco(t_path(d, "gen.json"), 10);
    snprintf(cmd, sizeof cmd, "convert '%s/gen.json' -o '%s/out/e' --table-memory 1000", d, d);
    CU_ASSERT_EQUAL(t_cli(cmd, NULL, &err), AP_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(t_str(err), "--table-memory takes a size of at least 1024"));
    free(err);
    CU_ASSERT_FALSE(t_exists(t_path(d, "out")));
}

/* A disk that fills while the input tables grow is an I/O error (74, the
 * README's full disk), not "out of memory" (71), and leaves no output. The
 * plain CLI with the fault library: posix_fallocate fails from its first or
 * second call on (6000 images outgrow the first 1 MiB of the store). */
static void test_store_full_disk_is_an_io_error(void)
{
    const char *d = t_dir("store-full");
    const char *fault = getenv("AP_FAULT"), *plain = getenv("AP_PLAIN_BIN");
    t_write_coco(t_path(d, "in.json"), 60000);
    for (int k = 1; k <= 2; k++) {
        char cmd[2400], *err = NULL;
        snprintf(cmd, sizeof cmd, "ANNOPORT_FAIL_FALLOCATE=%d LD_PRELOAD='%s' %s convert "
                 "'%s/in.json' -o '%s/out' --quiet", k, fault && *fault ? fault :
                 "build/libfault.so", plain && *plain ? plain : "build/annoport", d, d);
        CU_ASSERT_EQUAL(t_sh(cmd, NULL, &err), AP_EIO);
        T_ASSERT_STR(err, "annoport: error: cannot grow the temporary file of the tables: No "
                          "space left on device\n");
        free(err);
        CU_ASSERT_EQUAL(t_count_entries(d), 1);
    }
}

/* The store counts what is read through it: handing out inputs, walking
 * them with ap_run_input and looking them up in a map each trim by
 * themselves, and the walk reads the same inputs as the array; an info a
 * caller made itself (no core) reads them without counting. */
static void test_store_counts_its_own_reads(void)
{
    ap_context *ctx = t_ctx();
    ap_store *st = ap_store_new(ctx, t_dir("store-count"), (size_t)1 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    enum { N = 100000 };
    ap_input **v = ap_store_alloc(st, N * sizeof *v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    int made_all = 1;
    for (size_t i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "%012zu.jpg", i);
        v[i] = ap_store_alloc(st, sizeof *v[i]);
        made_all &= v[i] != NULL;
        if (!v[i])
            break;
        v[i]->id = ap_store_strdup(st, name + 4);
        v[i]->file_name = ap_store_strdup(st, name);
        v[i]->objects = i;
        made_all &= v[i]->id && v[i]->file_name;
    }
    CU_ASSERT_FATAL(made_all);
    uint64_t trims = ap_store_trims(st);
    CU_ASSERT(trims >= 5); /* about 12 MiB handed out */
    ap_run_info info = {.inputs = v, .ninputs = N, .core = st};
    size_t wrong = 0;
    for (size_t i = 0; i < N; i++)
        wrong += ap_run_input(&info, i)->objects != i;
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(ap_store_trims(st) >= trims + 5);
    ap_map *m = ap_map_new_in(st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    for (size_t i = 0; i < N; i++)
        wrong += ap_map_put_int(m, (int64_t)i * 7919, v[i]) != 0;
    trims = ap_store_trims(st);
    for (size_t i = 0, k = 1; i < N; i++, k = (k * 48271) % N)
        wrong += ap_map_get_int(m, (int64_t)k * 7919) != v[k];
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT(ap_store_trims(st) > trims);
    ap_run_info mine = {.inputs = v, .ninputs = N};
    trims = ap_store_trims(st);
    CU_ASSERT_EQUAL(ap_run_input(&mine, 7)->objects, 7);
    CU_ASSERT_EQUAL(ap_store_trims(st), trims);
    CU_ASSERT_EQUAL(ctx->warnings, 0);
    ap_map_free(m);
    ap_store_free(st);
    ap_context_free(ctx);
}

/* The default budget follows the machine: a sixteenth of its physical
 * memory (read here from /proc/meminfo, not sysconf), at least 32 MiB. */
static void test_store_default_budget_follows_the_machine(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    unsigned long long kb = 0;
    char line[256];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
            break;
    fclose(f);
    CU_ASSERT_FATAL(kb > 0);
    unsigned long long want = kb * 1024 / 16, least = 32ULL << 20;
    if (want < least)
        want = least;
    size_t got = ap_default_table_memory();
    /* MemTotal leaves out what the kernel reserved at boot: within 5% */
    CU_ASSERT(got >= least);
    CU_ASSERT((double)got >= (double)want * 0.95 && (double)got <= (double)want * 1.05 + 1);
    ap_context *ctx = ap_context_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
    CU_ASSERT_EQUAL(ctx->opt.table_memory, got);
    ap_context_free(ctx);
}

CU_TestInfo store_tests[] = {
    {"the default budget follows the machine", test_store_default_budget_follows_the_machine},
    {"test_store_full_disk_is_an_io_error", test_store_full_disk_is_an_io_error},
    {"test_store_file_keeps_data_through_trims", test_store_file_keeps_data_through_trims},
    {"test_store_tick_trims_past_the_budget", test_store_tick_trims_past_the_budget},
    {"test_store_in_memory_never_trims", test_store_in_memory_never_trims},
    {"test_store_no_folder_falls_back_to_memory", test_store_no_folder_falls_back_to_memory},
    {"test_store_maps_and_idsets", test_store_maps_and_idsets},
    {"test_store_import_same_under_any_budget", test_store_import_same_under_any_budget},
    {"test_store_export_same_under_any_budget", test_store_export_same_under_any_budget},
    {"test_store_budget_below_minimum_refused", test_store_budget_below_minimum_refused},
    {"test_store_counts_its_own_reads", test_store_counts_its_own_reads},
    CU_TEST_INFO_NULL,
};
