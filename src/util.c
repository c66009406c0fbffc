/*
 * util.c: growable buffers with a small JSON emitter (strings and numbers
 * only: what the writers need), hash maps and a 64-bit hash.
 *
 * The emitter writes, it never parses: reading JSON is cJSON's job.
 * Numbers are written as %.15g, %.16g or %.17g, the first that reads back
 * to the same double (ap_format_double_ref): a normal double whose shortest
 * form has k <= 15 digits prints exactly those digits at 15, since it lies
 * within half an ulp (about 1e-16 relative) of them. Subnormals, with fewer
 * bits, are searched from one digit up. ap_format_double finds the same
 * bytes with integer arithmetic for the common range.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- buffers ---- */

void ap_buf_free(ap_buf *b)
{
    if (!b)
        return;
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void ap_buf_reserve(ap_buf *b, size_t extra)
{
    if (b->oom)
        return;
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return;
    }
    b->p = p;
    b->cap = cap;
}

void ap_buf_put(ap_buf *b, const char *s, size_t n)
{
    ap_buf_reserve(b, n);
    if (b->oom)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void ap_buf_puts(ap_buf *b, const char *s)
{
    ap_buf_put(b, s, strlen(s));
}

void ap_buf_putc(ap_buf *b, char c)
{
    ap_buf_put(b, &c, 1);
}

void ap_buf_u64(ap_buf *b, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    ap_buf_put(b, tmp, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0;
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogates */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

void ap_buf_json_string(ap_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    ap_buf_putc(b, '"');
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        if (s > run)
            ap_buf_put(b, (const char *)run, (size_t)(s - run));
        if (!*s)
            break;
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            ap_buf_put(b, esc, 2);
            s++;
        } else if (c < 0x20) {
            char esc[8];
            switch (c) {
            case '\n': ap_buf_put(b, "\\n", 2); break;
            case '\r': ap_buf_put(b, "\\r", 2); break;
            case '\t': ap_buf_put(b, "\\t", 2); break;
            case '\b': ap_buf_put(b, "\\b", 2); break;
            case '\f': ap_buf_put(b, "\\f", 2); break;
            default:
                snprintf(esc, sizeof esc, "\\u%04x", c);
                ap_buf_put(b, esc, 6);
            }
            s++;
        } else {
            size_t n = utf8_len(s);
            if (n == 0) {
                ap_buf_put(b, "\xEF\xBF\xBD", 3);
                s++;
            } else {
                ap_buf_put(b, (const char *)s, n);
                s += n;
            }
        }
    }
    ap_buf_putc(b, '"');
}

size_t ap_format_double_ref(char *out, double v)
{
    if (v == 0 || !isfinite(v)) { /* -0 and (never written) non-finite */
        out[0] = '0';
        out[1] = '\0';
        return 1;
    }
    int n = 0;
    /* subnormals carry fewer digits: search them from one digit up */
    int prec = fabs(v) < 2.2250738585072014e-308 ? 1 : 15;
    for (; prec <= 17; prec++) {
        n = snprintf(out, 32, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    return (size_t)n;
}

/*
 * The same bytes without printf and strtod, for the values the writers
 * produce by the million (coordinates and pixels, 1e-4 <= |v| < 1e15, which
 * %g writes without an exponent). With v = f * 2^-s exactly (f < 2^53), the
 * 17 significant digits of v are found once in 128-bit integers,
 * N = f * 10^k = d * 2^s + r; the 15- and 16-digit roundings come from d's
 * last digits and r, half to even as printf rounds, and a rounding reads
 * back to v exactly when its distance to v is at most half the gap to v's
 * neighbour, which is how strtod rounds. Anything else goes to
 * ap_format_double_ref; a test holds the two to the same bytes.
 */
typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL};

static u128 pow10_u128(int k)
{
    return k < 20 ? (u128)pow10_u64[k] : (u128)pow10_u64[19] * 10;
}

/* Writes the p digits of q with the decimal exponent x as %g does without
 * an exponent: trailing zeros of the fraction and a bare point dropped. */
static size_t put_fixed(char *out, int neg, uint64_t q, int p, int x)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char dig[20];
    int nd = 0;
    for (; nd + 2 <= p; nd += 2, q /= 100) { /* two digits a division, last first */
        const char *two = pairs + 2 * (q % 100);
        dig[nd] = two[1];
        dig[nd + 1] = two[0];
    }
    if (nd < p)
        dig[nd++] = (char)('0' + q % 10);
    int lo = 0;
    while (lo < nd - 1 && dig[lo] == '0' && nd - 1 - lo > x)
        lo++;
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (x < 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int z = -1; z > x; z--)
            out[o++] = '0';
        for (int i = nd - 1; i >= lo; i--)
            out[o++] = dig[i];
    } else {
        for (int i = nd - 1; i >= lo; i--) {
            out[o++] = dig[i];
            if (nd - 1 - i == x && i > lo)
                out[o++] = '.';
        }
    }
    out[o] = '\0';
    return o;
}

size_t ap_format_double(char *out, double v)
{
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e15))
        return ap_format_double_ref(out, v);
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    uint64_t f = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    int s = 1075 - (int)(bits >> 52); /* a = f * 2^-s, 3 <= s <= 66 here */
    /* the decimal exponent x of a: floor((52 - s) * log10(2)) is x or x - 1;
     * a comparison with the next power of ten picks, and the digits below
     * correct a rare miss at its edge */
    static const double p10[] = {1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1,  1e2,  1e3,  1e4, 1e5,
                                 1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    int x = ((52 - s) * 78913) >> 18;
    if (x >= -5 && x <= 14 && a >= p10[x + 5])
        x++;
    u128 n = 0, mask = ((u128)1 << s) - 1;
    uint64_t d = 0;
    int k = 0, tries = 0;
    for (;; tries++) {
        k = 16 - x;
        if (tries == 4 || k < 0 || k > 20)
            return ap_format_double_ref(out, v);
        n = (u128)f * pow10_u128(k);
        u128 t = n >> s;
        if (t >= pow10_u64[17])
            x++;
        else if (t < pow10_u64[16])
            x--;
        else {
            d = (uint64_t)t;
            break;
        }
    }
    u128 r = n & mask, ten_k = pow10_u128(k);
    /* the divisions by constants, so that they are multiplications */
    const uint64_t qs[3] = {d / 100, d / 10, d}, low[3] = {d % 100, d % 10, 0};
    for (int p = 15; p <= 17; p++) {
        uint64_t unit = pow10_u64[17 - p];
        uint64_t q = qs[p - 15];
        u128 rem = ((u128)low[p - 15] << s) + r; /* what lies below q's last digit */
        u128 half = (u128)unit << (s - 1);
        int up = rem > half || (rem == half && (q & 1));
        u128 dist = up ? ((u128)unit << s) - rem : rem;
        q += (uint64_t)up;
        int xe = x;
        if (q == pow10_u64[p]) { /* rounded up to the next power of ten */
            q = pow10_u64[p - 1];
            xe++;
        }
        if (xe < -4 || xe >= p)
            return ap_format_double_ref(out, v);
        /* below v, a power of two has its neighbour at half the distance */
        u128 lhs = !up && f == (1ULL << 52) ? dist * 4 : dist * 2;
        if (p == 17 || lhs < ten_k || (lhs == ten_k && (f & 1) == 0))
            return put_fixed(out, v < 0, q, p, xe);
    }
    return ap_format_double_ref(out, v);
}

void ap_buf_json_number(ap_buf *b, double v)
{
    ap_buf_reserve(b, 32);
    if (b->oom)
        return;
    b->len += ap_format_double(b->p + b->len, v); /* writes its NUL too */
}

size_t ap_grown_cap(size_t cap, size_t need)
{
    size_t nc = cap ? cap : 16;
    while (nc < need)
        nc *= 2;
    return nc;
}

int ap_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = ap_grown_cap(*cap, need);
    void **p = arr;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

char *ap_utf8_dup(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = utf8_len(p);
        if (k == 0) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            p++;
        } else {
            memcpy(out + o, p, k);
            o += k;
            p += k;
        }
    }
    out[o] = '\0';
    return out;
}

char *ap_strdup(const char *s)
{
    return s ? ap_strndup(s, strlen(s)) : NULL;
}

char *ap_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

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
     * order, and the store lets go of the pages as they pile up */
    for (size_t i = 0; i < ocap; i++) {
        ap_store_tick(m->st);
        if (!old[i].tag)
            continue;
        size_t k = (size_t)old[i].tag & (ncap - 1); /* keys are distinct: the first free */
        while (ns[k].tag)
            k = (k + 1) & (ncap - 1);
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
            return 1;
        k = (k + 1) & (s->ocap - 1);
    }
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
        s->first[s->nblocks] = id;
        s->start[s->nblocks] = s->len;
        s->nblocks++;
        s->in_block = 1;
        s->last = id;
        return 0;
    }
    if (ap_store_grow(s->st, &s->log, &s->cap, s->len + 10, 1) != 0)
        return -1;
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

/* ---- "did you mean" ---- */

size_t ap_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64) /* long words are never a typo of a short one */
        return n > m ? n : m;
    size_t d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[n][m];
}

int ap_close_enough(const char *word, size_t distance)
{
    return distance > 0 && distance <= (strlen(word) <= 4 ? 1u : 2u);
}
