// Needs-only floor for the COCO benchmark (simdjson On-Demand): reads what a
// box conversion reads and skips the rest. Each image's id, file_name, width
// and height; each category's id and name; each annotation's id, image_id,
// category_id, bbox numbers and iscrowd. Other values (segmentation, area,
// info, licenses) are skipped, with only their structure checked by
// simdjson's stage 1. Nothing is converted or written; it prints sums so
// that the reads cannot be optimised away.
#include <simdjson.h>
#include <cstdio>
#include <string_view>

using namespace simdjson;

static double sum;
static size_t images, annotations, categories, name_bytes;

static void read_images(ondemand::array arr) {
  for (auto e : arr) {
    for (auto f : e.get_object()) {
      std::string_view k = f.unescaped_key();
      if (k == "id" || k == "width" || k == "height")
        sum += double(f.value().get_double());
      else if (k == "file_name")
        name_bytes += std::string_view(f.value().get_string()).size();
    }
    images++;
  }
}

static void read_categories(ondemand::array arr) {
  for (auto e : arr) {
    for (auto f : e.get_object()) {
      std::string_view k = f.unescaped_key();
      if (k == "id")
        sum += double(f.value().get_double());
      else if (k == "name")
        name_bytes += std::string_view(f.value().get_string()).size();
    }
    categories++;
  }
}

static void read_annotations(ondemand::array arr) {
  for (auto e : arr) {
    for (auto f : e.get_object()) {
      std::string_view k = f.unescaped_key();
      if (k == "id" || k == "image_id" || k == "category_id" || k == "iscrowd")
        sum += double(f.value().get_double());
      else if (k == "bbox")
        for (auto n : f.value().get_array())
          sum += double(n.get_double());
    }
    annotations++;
  }
}

int main(int argc, char **argv) {
  if (argc != 2) { std::fprintf(stderr, "usage: floor_json_needs FILE\n"); return 64; }
  try {
    padded_string json = padded_string::load(argv[1]);
    ondemand::parser parser;
    ondemand::document doc = parser.iterate(json);
    for (auto f : doc.get_object()) {
      std::string_view k = f.unescaped_key();
      if (k == "images")
        read_images(f.value().get_array());
      else if (k == "annotations")
        read_annotations(f.value().get_array());
      else if (k == "categories")
        read_categories(f.value().get_array());
    }
  } catch (const simdjson_error &e) {
    std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
    return 65;
  }
  std::printf("%zu images, %zu annotations, %zu categories, %zu name bytes, sum %.6g\n",
              images, annotations, categories, name_bytes, sum);
  return 0;
}
