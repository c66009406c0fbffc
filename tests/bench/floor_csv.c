/* Bare libcsv floor for the CSV benchmark: the whole file through
 * csv_parse with empty callbacks. */
#include <stdio.h>
#include <csv.h>

static void field(void *s, size_t len, void *data) { (void)s; (void)len; (void)data; }
static void row(int c, void *data) { (void)c; ++*(long *)data; }

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: floor_csv FILE\n"); return 64; }
  FILE *f = fopen(argv[1], "rb");
  if (!f) { perror(argv[1]); return 66; }
  struct csv_parser p;
  csv_init(&p, CSV_APPEND_NULL);
  static char buf[1 << 16];
  long rows = 0;
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0)
    if (csv_parse(&p, buf, got, field, row, &rows) != got) { fprintf(stderr, "%s: %s\n", argv[1], csv_strerror(csv_error(&p))); return 65; }
  csv_fini(&p, field, row, &rows);
  csv_free(&p);
  fclose(f);
  printf("%ld\n", rows);
  return 0;
}
