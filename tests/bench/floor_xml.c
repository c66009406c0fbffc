/* Bare libxml2 floor for the VOC benchmark: reads and frees every .xml file
 * of a directory (with the same parser options as the VOC reader), nothing
 * else. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <libxml/parser.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: floor_xml DIR\n"); return 64; }
  DIR *d = opendir(argv[1]);
  if (!d) { perror(argv[1]); return 66; }
  char path[4096];
  long n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 4, ".xml")) continue;
    snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!doc) { fprintf(stderr, "%s: not XML\n", path); return 65; }
    xmlFreeDoc(doc);
    n++;
  }
  closedir(d);
  printf("%ld\n", n);
  return 0;
}
