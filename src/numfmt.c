/*
 * numfmt.c: the number writer: the shortest decimal that reads back to the
 * same double, as the writers put it into JSON, CSV and XML. It does not
 * read numbers (cJSON, strtod and jsonscan.c's fast path do).
 *
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

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* The 8 digits of v < 10^8, most significant first. */
static void put8(char *d, uint32_t v)
{
    uint32_t hi = v / 10000, lo = v % 10000;
    memcpy(d, digit_pairs + 2 * (hi / 100), 2);
    memcpy(d + 2, digit_pairs + 2 * (hi % 100), 2);
    memcpy(d + 4, digit_pairs + 2 * (lo / 100), 2);
    memcpy(d + 6, digit_pairs + 2 * (lo % 100), 2);
}

/* Writes the p digits of q (10^(p-1) <= q < 10^p, p <= 17) with the
 * decimal exponent x (-4 <= x < p) as %g does without an exponent:
 * trailing zeros of the fraction and a bare point dropped. */
static size_t put_fixed(char *out, int neg, uint64_t q, int p, int x)
{
    char dig[48]; /* 24 digits, and room for the fixed-size copies below */
    uint64_t top = q / 100000000;
    dig[7] = (char)('0' + top / 100000000); /* q < 10^17: one digit; dig[0..6] unread */
    put8(dig + 8, (uint32_t)(top % 100000000));
    put8(dig + 16, (uint32_t)(q % 100000000));
    const char *d = dig + 24 - p;
    /* the digits kept: q's trailing zeros go, none of the integer part */
    static const uint64_t tens[] = {10000000000000000ULL, 100000000, 10000, 100, 10};
    int tz = 0;
#pragma GCC unroll 5
    for (int k = 0; k < 5; k++) { /* 16, 8, 4, 2 and 1 zeros: q has at most 16 */
        if (q % tens[k] == 0) {
            q /= tens[k];
            tz += 16 >> k;
        }
    }
    int end = p - tz > x + 1 ? p - tz : x + 1;
    char *o = out;
    *o = '-';
    o += neg;
    if (x < 0) { /* fixed sizes (out has 32 bytes): no library call */
        memcpy(o, "0.0000", 6); /* "0." and -x - 1 zeros */
        o += 1 - x;
        memcpy(o, d, 17);
        o += end;
    } else {
        memcpy(o, d, (size_t)x + 1);
        o += x + 1;
        if (end > x + 1) {
            *o++ = '.';
            memcpy(o, d + x + 1, (size_t)(end - x - 1));
            o += end - x - 1;
        }
    }
    *o = '\0';
    return (size_t)(o - out);
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
    /* 15 digits are at most 11.1 units of the 17th digit from v (half the
     * gap to v's neighbour: 10^k / 2 over 2^s, with d < 10^17 and f >=
     * 2^52), so with the last two of d's digits in 13..87 they cannot read
     * back: start at 16 */
    for (int p = low[0] >= 13 && low[0] <= 87 ? 16 : 15; p <= 17; p++) {
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
