// Parse-only floor for the COCO benchmark, On-Demand: simdjson walks every
// value of the file (each number converted to a double, each string and key
// unescaped) without building a tree; nothing is converted or written.
#include <simdjson.h>
#include <cstdio>

using namespace simdjson;

static size_t numbers;

static void walk(ondemand::value v) {
  switch (v.type()) {
  case ondemand::json_type::array:
    for (auto e : v.get_array()) walk(e.value());
    break;
  case ondemand::json_type::object:
    for (auto f : v.get_object()) { (void)f.unescaped_key(); walk(f.value()); }
    break;
  case ondemand::json_type::number: (void)double(v.get_double()); numbers++; break;
  case ondemand::json_type::string: (void)std::string_view(v.get_string()); break;
  case ondemand::json_type::boolean: (void)bool(v.get_bool()); break;
  case ondemand::json_type::null: (void)v.is_null(); break;
  }
}

int main(int argc, char **argv) {
  if (argc != 2) { std::fprintf(stderr, "usage: floor_json_ondemand FILE\n"); return 64; }
  try {
    padded_string json = padded_string::load(argv[1]);
    ondemand::parser parser;
    ondemand::document doc = parser.iterate(json);
    for (auto f : doc.get_object()) { (void)f.unescaped_key(); walk(f.value()); }
  } catch (const simdjson_error &e) {
    std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
    return 65;
  }
  std::printf("%zu numbers\n", numbers);
  return 0;
}
