/*
 * map.c: the tables: hash maps (string or int64 keys, pointer values), the
 * id sets, and the 64-bit hash they share. A table lives on the heap or in
 * a store (store.c); this file alone decides whether a table in a store is
 * used through memory or read and written through the store's file, so
 * that no caller knows which, and tells the store what each operation read
 * or wrote of its memory (ap_store_touch), so that the store keeps within
 * its budget without its callers' help.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- hashing: FNV-1a, 64 bit ---- */

uint64_t ap_hash64(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    /* final mix, so that close keys spread over the table */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

/* ---- maps: open addressing, linear probing ---- */

/* 24 bytes a slot: the hash with two flag bits, the key, the value. */
#define SLOT_USED (1ULL << 63)
#define SLOT_STR (1ULL << 62)

typedef struct {
    uint64_t tag; /* 0: empty; else SLOT_USED, SLOT_STR for a string key, the hash */
    union {
        char *s;
        int64_t i;
    } key;
    void *value;
} map_slot;

struct ap_map {
    map_slot *slots;
    size_t cap, count;
    ap_store *st;  /* where slots and keys live; NULL: the heap */
    long long off; /* io: the slots' place in the store's file */
    int io;        /* the slots are read and written through the file */
};

/* Whether m's slots, cap of them, go through the store's file. */
static void map_set_io(ap_map *m)
{
    m->io = ap_store_io(m->st, m->cap * sizeof(map_slot));
    m->off = m->io ? ap_store_offset(m->st, m->slots) : -1;
    if (m->off < 0)
        m->io = 0;
}

static map_slot *slots_new(ap_store *st, size_t n)
{
    return st ? ap_store_alloc(st, n * sizeof(map_slot)) : calloc(n, sizeof(map_slot));
}

static void slots_free(ap_store *st, map_slot *s, size_t n)
{
    if (st)
        ap_store_release(st, s, n * sizeof *s);
    else
        free(s);
}

ap_map *ap_map_new_in(ap_store *st)
{
    ap_map *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->st = st;
    m->cap = 64;
    m->slots = slots_new(st, m->cap);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    map_set_io(m);
    return m;
}

ap_map *ap_map_new(void)
{
    return ap_map_new_in(NULL);
}

void ap_map_free(ap_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; !m->st && i < m->cap; i++)
        if (m->slots[i].tag & SLOT_STR)
            free(m->slots[i].key.s);
    slots_free(m->st, m->slots, m->cap);
    free(m);
}

void ap_map_free_values(ap_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; !m->st && i < m->cap; i++)
        if (m->slots[i].tag)
            free(m->slots[i].value);
    ap_map_free(m);
}

size_t ap_map_count(const ap_map *m)
{
    return m->count;
}

static uint64_t slot_tag(uint64_t h, const char *skey)
{
    return (h & ~(SLOT_USED | SLOT_STR)) | SLOT_USED | (skey ? SLOT_STR : 0);
}

static int slot_is(const map_slot *s, uint64_t tag, const char *skey, int64_t ikey)
{
    return !s->tag ||
           (s->tag == tag && (skey ? strcmp(s->key.s, skey) == 0 : s->key.i == ikey));
}

/* What a lookup in a store read of it besides the slots: the key it
 * compared, and the value it found, which its caller reads next. */
static void map_touch_found(const ap_map *m, const map_slot *s)
{
    if (!m->st || !s->tag)
        return;
    if (s->tag & SLOT_STR)
        ap_store_touch(m->st, s->key.s, strlen(s->key.s) + 1);
    ap_store_touch(m->st, s->value, 1);
}

/* The index of key's slot, or of the free slot where it would go; *out is
 * a copy of it. Through the file, four slots a read. */
static size_t map_find(const ap_map *m, uint64_t tag, const char *skey, int64_t ikey,
                       map_slot *out)
{
    size_t i = (size_t)tag & (m->cap - 1);
    if (!m->io) {
        while (!slot_is(&m->slots[i], tag, skey, ikey))
            i = (i + 1) & (m->cap - 1);
        *out = m->slots[i];
        if (m->st) {
            ap_store_touch(m->st, &m->slots[i], sizeof *m->slots);
            map_touch_found(m, out);
        }
        return i;
    }
    for (;;) {
        map_slot run[4];
        size_t n = m->cap - i < 4 ? m->cap - i : 4;
        if (ap_store_pread(m->st, run, n * sizeof *run,
                           m->off + (long long)(i * sizeof *run)) != 0) {
            memset(out, 0, sizeof *out);
            return i; /* the error is on the context */
        }
        for (size_t k = 0; k < n; k++) {
            if (slot_is(&run[k], tag, skey, ikey)) {
                *out = run[k];
                map_touch_found(m, out);
                return i + k;
            }
        }
        i = (i + n) & (m->cap - 1);
    }
}

static int map_grow(ap_map *m)
{
    size_t ncap = m->cap * 2;
    map_slot *ns = slots_new(m->st, ncap);
    if (!ns)
        return -1;
    map_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = ns;
    m->cap = ncap;
    /* through memory even for a table on file: both are walked nearly in
     * order, and the store counts the pages as they pile up */
    for (size_t i = 0; i < ocap; i++) {
        ap_store_touch(m->st, &old[i], sizeof *old);
        if (!old[i].tag)
            continue;
        size_t k = (size_t)old[i].tag & (ncap - 1); /* keys are distinct: the first free */
        while (ns[k].tag)
            k = (k + 1) & (ncap - 1);
        ap_store_touch(m->st, &ns[k], sizeof *ns);
        ns[k] = old[i];
    }
    slots_free(m->st, old, ocap);
    map_set_io(m);
    return 0;
}

static int map_put(ap_map *m, uint64_t h, const char *skey, int64_t ikey, void *value)
{
    if ((m->count + 1) * 4 > m->cap * 3 && map_grow(m) != 0)
        return -1;
    uint64_t tag = slot_tag(h, skey);
    map_slot s;
    size_t i = map_find(m, tag, skey, ikey, &s);
    int fresh = !s.tag;
    if (fresh) {
        if (skey) {
            s.key.s = m->st ? ap_store_strdup(m->st, skey) : ap_strdup(skey);
            if (!s.key.s)
                return -1;
        } else {
            s.key.i = ikey;
        }
        s.tag = tag;
    }
    s.value = value;
    if (!m->io)
        m->slots[i] = s;
    else if (ap_store_pwrite(m->st, &s, sizeof s, m->off + (long long)(i * sizeof s)) != 0)
        return -1;
    m->count += fresh;
    return 0;
}

void *ap_map_get(const ap_map *m, const char *key)
{
    map_slot s;
    map_find(m, slot_tag(ap_hash64(key, strlen(key), 0), key), key, 0, &s);
    return s.tag ? s.value : NULL;
}

int ap_map_put(ap_map *m, const char *key, void *value)
{
    return map_put(m, ap_hash64(key, strlen(key), 0), key, 0, value);
}

void *ap_map_get_int(const ap_map *m, int64_t key)
{
    map_slot s;
    map_find(m, slot_tag(ap_hash64(&key, sizeof key, 1), NULL), NULL, key, &s);
    return s.tag ? s.value : NULL;
}

int ap_map_put_int(ap_map *m, int64_t key, void *value)
{
    return map_put(m, ap_hash64(&key, sizeof key, 1), NULL, key, value);
}

/* ---- id sets ---- */

#define IDS_BLOCK 256 /* increasing ids per block of the delta log */

struct ap_idset {
    unsigned char *log;   /* deltas to the previous id, 7 bits a byte */
    size_t len, cap;
    int64_t *first;       /* each block's first id (not in the log) */
    size_t *start;        /* and where its deltas start in log */
    size_t nblocks, bcap, scap;
    size_t in_block;      /* ids in the last block */
    int64_t last;         /* the largest id so far */
    int64_t *other;       /* ids that came below last: open addressing */
    size_t ocap, on;
    int other_zero;       /* 0 marks an empty slot; id 0 is kept here */
    ap_store *st;         /* where the arrays live; NULL: the heap */
};

ap_idset *ap_idset_new_in(ap_store *st)
{
    ap_idset *s = calloc(1, sizeof(ap_idset));
    if (s)
        s->st = st;
    return s;
}

ap_idset *ap_idset_new(void)
{
    return ap_idset_new_in(NULL);
}

void ap_idset_free(ap_idset *s)
{
    if (!s)
        return;
    if (!s->st) {
        free(s->log);
        free(s->first);
        free(s->start);
        free(s->other);
    }
    free(s);
}

static int idset_in_log(const ap_idset *s, int64_t id)
{
    if (!s->nblocks || id < s->first[0])
        return 0;
    size_t lo = 0, hi = s->nblocks; /* the last block whose first id <= id */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->first[mid] <= id)
            lo = mid;
        else
            hi = mid;
    }
    uint64_t v = (uint64_t)s->first[lo];
    size_t at = s->start[lo], end = lo + 1 < s->nblocks ? s->start[lo + 1] : s->len;
    if (s->st) {
        ap_store_touch(s->st, &s->first[lo], sizeof *s->first);
        ap_store_touch(s->st, &s->start[lo], sizeof *s->start);
        ap_store_touch(s->st, s->log + at, end - at);
    }
    while ((int64_t)v < id && at < end) {
        uint64_t d = 0;
        int shift = 0;
        unsigned char b;
        do {
            b = s->log[at++];
            d |= (uint64_t)(b & 0x7f) << shift;
            shift += 7;
        } while (b & 0x80);
        v += d;
    }
    return (int64_t)v == id;
}

static int idset_other_add(ap_idset *s, int64_t id)
{
    if (id == 0) {
        int seen = s->other_zero;
        s->other_zero = 1;
        return seen;
    }
    if ((s->on + 1) * 2 > s->ocap) {
        size_t nc = s->ocap ? s->ocap * 2 : 1024;
        int64_t *ns = s->st ? ap_store_alloc(s->st, nc * sizeof *ns) : calloc(nc, sizeof *ns);
        if (!ns)
            return -1;
        ap_store_touch(s->st, s->other, s->ocap * sizeof *s->other);
        for (size_t i = 0; i < s->ocap; i++) {
            int64_t v = s->other[i];
            if (!v)
                continue;
            size_t k = (size_t)ap_hash64(&v, sizeof v, 2) & (nc - 1);
            while (ns[k])
                k = (k + 1) & (nc - 1);
            ns[k] = v;
        }
        if (s->st)
            ap_store_release(s->st, s->other, s->ocap * sizeof *s->other);
        else
            free(s->other);
        s->other = ns;
        s->ocap = nc;
    }
    size_t k = (size_t)ap_hash64(&id, sizeof id, 2) & (s->ocap - 1);
    while (s->other[k]) {
        if (s->other[k] == id)
            break;
        k = (k + 1) & (s->ocap - 1);
    }
    ap_store_touch(s->st, &s->other[k], sizeof *s->other);
    if (s->other[k] == id)
        return 1;
    s->other[k] = id;
    s->on++;
    return 0;
}

int ap_idset_add(ap_idset *s, int64_t id)
{
    if (s->nblocks && id <= s->last)
        return idset_in_log(s, id) ? 1 : idset_other_add(s, id);
    if (!s->nblocks || s->in_block == IDS_BLOCK) { /* a new block starts at id */
        if (ap_store_grow(s->st, &s->first, &s->bcap, s->nblocks + 1, sizeof *s->first) != 0 ||
            ap_store_grow(s->st, &s->start, &s->scap, s->nblocks + 1, sizeof *s->start) != 0)
            return -1;
        ap_store_touch(s->st, &s->first[s->nblocks], sizeof *s->first);
        ap_store_touch(s->st, &s->start[s->nblocks], sizeof *s->start);
        s->first[s->nblocks] = id;
        s->start[s->nblocks] = s->len;
        s->nblocks++;
        s->in_block = 1;
        s->last = id;
        return 0;
    }
    if (ap_store_grow(s->st, &s->log, &s->cap, s->len + 10, 1) != 0)
        return -1;
    ap_store_touch(s->st, s->log + s->len, 10);
    uint64_t d = (uint64_t)id - (uint64_t)s->last;
    while (d >= 0x80) {
        s->log[s->len++] = (unsigned char)(d | 0x80);
        d >>= 7;
    }
    s->log[s->len++] = (unsigned char)d;
    s->in_block++;
    s->last = id;
    return 0;
}
