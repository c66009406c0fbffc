/* Deflate floor for the zip benchmark: every file under a folder read and
 * deflated at a level (raw deflate, as a zip member holds it) with zlib,
 * the library libzip deflates with, on one core. It writes nothing: what
 * it prints is the deflated size. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int level = 1;
static unsigned long long in_bytes, out_bytes;
static unsigned char *src, *dst;
static size_t src_cap, dst_cap;

static int one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)ftw;
  if (flag != FTW_F) return 0;
  size_t n = (size_t)st->st_size;
  if (n + 1 > src_cap) { src_cap = n + 1; src = realloc(src, src_cap); }
  FILE *f = fopen(path, "rb");
  if (!f || !src || fread(src, 1, n, f) != n) { perror(path); exit(66); }
  fclose(f);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(70);
  size_t bound = deflateBound(&z, (uLong)n);
  if (bound > dst_cap) { dst_cap = bound; dst = realloc(dst, dst_cap); }
  z.next_in = src;
  z.avail_in = (uInt)n;
  z.next_out = dst;
  z.avail_out = (uInt)dst_cap;
  if (!dst || deflate(&z, Z_FINISH) != Z_STREAM_END) exit(70);
  in_bytes += n;
  out_bytes += z.total_out;
  crc32(0, src, (uInt)n); /* a zip member carries its CRC too */
  deflateEnd(&z);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: floor_deflate FOLDER [LEVEL]\n"); return 64; }
  if (argc > 2) level = atoi(argv[2]);
  /* zlib's state from reused heap, not fresh pages a file (as annoport) */
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  if (nftw(argv[1], one, 16, FTW_PHYS) != 0) { perror(argv[1]); return 66; }
  printf("%llu bytes deflated to %llu\n", in_bytes, out_bytes);
  free(src);
  free(dst);
  return 0;
}
