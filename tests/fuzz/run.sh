#!/bin/sh
# Runs each fuzz target for SECONDS, seeded from the samples, the test data
# and the shared corpus. New inputs go to build-fuzz/corpus/TARGET; a crash
# is written to tests/data/fuzz/TARGET/, which make test replays.
# Usage: tests/fuzz/run.sh SECONDS SHARED TARGET...
set -u
seconds=$1 shared=$2
shift 2
for t in "$@"; do
  case $t in
    voc) ext=xml ;;
    csv) ext=csv ;;
    yolo) ext=txt ;;
    zip) ext=zip ;;
    *) ext=json ;;
  esac
  mkdir -p "build-fuzz/corpus/$t" "tests/data/fuzz/$t"
  find samples tests/data "$shared/corpus" -type f -name "*.$ext" -size -200k 2>/dev/null |
    while read -r f; do
      cp "$f" "build-fuzz/corpus/$t/$(printf '%s' "$f" | md5sum | cut -c1-16)"
    done
  if [ "$t" = zip ]; then # zipped samples, so that the fuzzer starts from real archives
    python3 - "build-fuzz/corpus/zip" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
sets = {"coco": ["samples/coco/instances.json"], "csv": ["samples/csv/tfod.csv"],
        "voc": [os.path.join(r, f) for r, _, fs in os.walk("samples/voc") for f in fs]}
for name, files in sets.items():
    with zipfile.ZipFile(os.path.join(out, "seed-%s.zip" % name), "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            z.write(f, os.path.relpath(f, "samples"))
PY
  fi
  echo "fuzz_$t: $seconds s, $(ls "build-fuzz/corpus/$t" | wc -l) inputs in its corpus"
  "./build-fuzz/fuzz_$t" "build-fuzz/corpus/$t" "tests/data/fuzz/$t" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="tests/data/fuzz/$t/" -print_final_stats=1 2>&1 |
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY" || true
done
