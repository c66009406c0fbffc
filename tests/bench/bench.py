#!/usr/bin/env python3
"""annoport benchmark: converts generated datasets and reports time and memory.

Usage: bench.py SHARED_DIR [IMAGES]

Generates a COCO dataset with SHARED_DIR/tools/gen_dataset.py once (cached
under build/bench/), runs each conversion 3 times, and prints seconds (min,
median), MB/s, objects/s and peak resident memory of the child (from
wait4's rusage). A floor (`cat FILE > /dev/null`) is run in the same
invocation for comparison.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("bench: %s failed:\n%s" % (" ".join(cmd), err))
    return dt, ru.ru_maxrss / 1024.0


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared")
    images = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    bench = os.path.join(ROOT, "build", "bench")
    os.makedirs(bench, exist_ok=True)
    coco = os.path.join(bench, "coco-%d.json" % images)
    if not os.path.exists(coco):
        subprocess.check_call([sys.executable, os.path.join(shared, "tools", "gen_dataset.py"),
                               "--images", str(images), "--out", coco + ".tmp", "--quiet"])
        os.rename(coco + ".tmp", coco)
    size_mb = os.path.getsize(coco) / 1e6
    binary = os.path.join(ROOT, "annoport")
    out = os.path.join(bench, "out")

    stats = subprocess.run([binary, "validate", coco, "--json", "--quiet"],
                           capture_output=True, text=True)
    objects = json.loads(stats.stdout)["counts"]["objects_read"]

    tasks = [
        ("floor: cat FILE > /dev/null", ["sh", "-c", "cat '%s' > /dev/null" % coco], None),
        ("coco -> clarifai (bbox)", [binary, "convert", coco, "-o", out, "--quiet"], out),
        ("coco -> clarifai (both)", [binary, "convert", coco, "-o", out, "--quiet",
                                     "--geometry", "both"], out),
        ("coco validate", [binary, "validate", coco, "--quiet"], None),
    ]
    print("dataset: %s (%.1f MB, %d objects)" % (coco, size_mb, objects))
    print("%-30s %8s %8s %8s %12s %10s %8s" % ("task", "min s", "median s", "MB/s",
                                             "objects/s", "peak MB", "x floor"))
    floor = None
    for name, cmd, clean in tasks:
        times, peaks = [], []
        for _ in range(3):
            if clean:
                shutil.rmtree(clean, ignore_errors=True)
            dt, rss = run(cmd)
            times.append(dt)
            peaks.append(rss)
        best = min(times)
        if floor is None:
            floor = best
        print("%-30s %8.2f %8.2f %8.1f %12.0f %10.1f %8.1f" % (
            name, best, statistics.median(times), size_mb / best, objects / best,
            max(peaks), best / floor))
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
