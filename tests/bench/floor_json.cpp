// Parse-only floor for the COCO benchmark: simdjson parses the whole file
// into its DOM and counts the annotations; nothing is converted or written.
#include <simdjson.h>
#include <cstdio>

int main(int argc, char **argv) {
  if (argc != 2) { std::fprintf(stderr, "usage: floor_json FILE\n"); return 64; }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto error = parser.load(argv[1]).get(doc);
  if (error) { std::fprintf(stderr, "%s: %s\n", argv[1], simdjson::error_message(error)); return 65; }
  simdjson::dom::array anns;
  if (doc["annotations"].get(anns)) { std::fprintf(stderr, "%s: no annotations\n", argv[1]); return 65; }
  std::printf("%zu\n", anns.size());
  return 0;
}
