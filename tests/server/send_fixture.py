#!/usr/bin/env python3
"""send_fixture.py: what the `send` suite needs around fake_api.py (standard library only).

  send_fixture.py add-inputs OUTPUT
      adds requests/post-inputs-NNNNNN.json bodies (128 inputs each, the image by
      URL) for the inputs of a convert output's manifest, listed first in its
      request list: for outputs made before `convert --create-inputs`.
  send_fixture.py check OUTPUT PORT [--refused CODE]...
      compares the fake server's state with what OUTPUT's post bodies hold: every
      input and annotation created once, no other annotation, no duplicates; the
      items the failures file lists as refused are absent, each with one of the
      codes given (none given: no item may be refused); no item is unknown.
  send_fixture.py check-plan DESIRED PORT
      the app's annotations equal the posts of DESIRED (a convert output), as a
      multiset of (input, regions, concepts): ids aside.
Prints what differs and exits 1, or exits 0.
"""
import json
import os
import sys
import urllib.request


def state(port):
    with urllib.request.urlopen("http://127.0.0.1:%s/_state" % port) as r:
        return json.load(r)


def add_inputs(out):
    mpath = os.path.join(out, "manifest.json")
    m = json.load(open(mpath))
    ids = [i["id"] for i in m["inputs"]]
    names = {i["id"]: i.get("file_name", i["id"]) for i in m["inputs"]}
    files = []
    for k in range(0, len(ids), 128):
        name = "requests/post-inputs-%06d.json" % (k // 128 + 1)
        body = {"inputs": [{"id": i, "data": {"image": {
            "url": "https://images.example.com/" + urllib.request.quote(names[i])},
            "metadata": {"filename": names[i]}}} for i in ids[k:k + 128]]}
        with open(os.path.join(out, name), "w") as f:
            json.dump(body, f, separators=(",", ":"))
        files.append({"file": name, "inputs": len(body["inputs"])})
    m["requests"] = files + m["requests"]
    with open(mpath, "w") as f:
        json.dump(m, f, indent=1)


def f32(x):
    import struct
    return struct.unpack("f", struct.pack("f", float(x)))[0]


def shape(data):
    """What an annotation holds, comparable between a body and the state."""
    regs = []
    for r in data.get("regions", []):
        info = r.get("region_info", {})
        geo = None
        if "bounding_box" in info:
            b = info["bounding_box"]
            geo = ("box",) + tuple(round(f32(b.get(k, 0)), 5)
                                  for k in ("top_row", "left_col", "bottom_row", "right_col"))
        elif "polygon" in info:
            geo = ("poly",) + tuple((round(f32(p.get("row", 0)), 5), round(f32(p.get("col", 0)), 5))
                                    for p in info["polygon"]["points"])
        concepts = tuple(sorted(c["id"] for c in r.get("data", {}).get("concepts", [])))
        regs.append((geo, concepts))
    concepts = tuple(sorted(c["id"] for c in data.get("concepts", [])))
    return (tuple(regs), concepts)


def check(out, port, codes):
    m = json.load(open(os.path.join(out, "manifest.json")))
    st = state(port)
    bad = []
    fpath = os.path.join(out, "send-failures.jsonl") if os.path.isdir(out) else out + ".send-failures.jsonl"
    refused = set()
    if os.path.exists(fpath):
        for line in open(fpath):
            f = json.loads(line)
            if f["outcome"] != "refused":
                bad.append("not refused but %s: %s" % (f["outcome"], line.strip()))
            elif f["status_code"] not in codes:
                bad.append("refused with an unexpected code: " + line.strip())
            refused.add((f["file"], f["index"]))
    want_inputs, want_anns = {}, {}
    for req in m["requests"]:
        body = json.load(open(os.path.join(out, req["file"])))
        base = os.path.basename(req["file"])
        for i, it in enumerate(body.get("inputs", []) if base.startswith("post-inputs") else []):
            if (req["file"], i) not in refused:
                want_inputs[it["id"]] = it
        for i, a in enumerate(body.get("annotations", []) if base.startswith("post-annotations") else []):
            if (req["file"], i) not in refused:
                want_anns[a["id"]] = a
    have = {a["id"]: a for a in st["annotations"] if not a.get("input_level")}
    have_inputs = {i["id"] for i in st["inputs"]}
    for iid in want_inputs:
        if iid not in have_inputs:
            bad.append("input missing: " + iid)
        elif st["items"]["inputs"].get(iid, {}).get("created", 0) != 1:
            bad.append("input created %s times: %s" % (st["items"]["inputs"][iid], iid))
    for aid, a in want_anns.items():
        h = have.get(aid)
        if not h:
            bad.append("annotation missing: " + aid)
            continue
        if h["input_id"] != a["input_id"] or shape(h.get("data", {})) != shape(a.get("data", {})):
            bad.append("annotation differs: " + aid)
        if st["items"]["annotations"].get(aid, {}).get("created", 0) != 1:
            bad.append("annotation created %s times: %s" % (st["items"]["annotations"][aid], aid))
    for aid in have:
        if aid not in want_anns:
            bad.append("annotation not in the output: " + aid)
    if st["duplicates"]:
        bad.append("duplicates: %s" % st["duplicates"][:3])
    if st["counters"]["server_errors"]:
        bad.append("server errors: %s" % st["counters"]["server_errors"])
    if codes and not refused:
        bad.append("no item refused, expected some with %s" % codes)
    return bad


def check_plan(desired, port):
    want = {}
    m = json.load(open(os.path.join(desired, "manifest.json")))
    for req in m["requests"]:
        for k, a in enumerate(json.load(open(os.path.join(desired, req["file"])))["annotations"]):
            want[(req["file"], k)] = a
    st = state(port)
    have = {a["id"]: a for a in st["annotations"] if not a.get("input_level")}
    bad = []
    # posts get ids of the plan's own; compare as a multiset of (input, shape)
    ws = sorted((a["input_id"], repr(shape(a.get("data", {})))) for a in want.values())
    hs = sorted((a["input_id"], repr(shape(a.get("data", {})))) for a in have.values())
    if ws != hs:
        bad.append("the app differs from DESIRED: %d annotations wanted, %d held; first "
                   "difference %s" % (len(ws), len(hs),
                                      next(((w, h) for w, h in zip(ws, hs) if w != h), None)))
    if st["counters"]["server_errors"]:
        bad.append("server errors")
    return bad


def main(argv):
    if len(argv) >= 2 and argv[0] == "add-inputs":
        add_inputs(argv[1])
        return 0
    if len(argv) >= 3 and argv[0] == "check":
        codes = [int(argv[i + 1]) for i in range(3, len(argv) - 1) if argv[i] == "--refused"]
        bad = check(argv[1], argv[2], codes)
    elif len(argv) == 3 and argv[0] == "check-plan":
        bad = check_plan(argv[1], argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for b in bad[:20]:
        print(b)
    if len(bad) > 20:
        print("... %d more" % (len(bad) - 20))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
