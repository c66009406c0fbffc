#!/usr/bin/env python3
"""send_fixture.py: what the `send` suite needs around fake_api.py (standard library only).

  send_fixture.py reset PORT [SCHEDULE_FILE]
      POST /_reset to the fake server (with the schedule in the file).
  send_fixture.py state PORT
      prints the fake server's /_state.
  send_fixture.py check OUTPUT PORT [--refused CODE]...
      compares the fake server's state with what OUTPUT's post bodies hold: every
      input created once with its image, concepts and dataset ids, every
      annotation once (by id; without ids, as a multiset of input and data), no
      other annotation, no duplicates; the
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
            if (req["file"], i) not in refused and "id" in a:
                want_anns[a["id"]] = a
            elif (req["file"], i) not in refused:
                want_anns.setdefault(None, []).append(a)
    have = {a["id"]: a for a in st["annotations"] if not a.get("input_level")}
    have_inputs = {i["id"]: i for i in st["inputs"]}
    for iid, want in want_inputs.items():
        h = have_inputs.get(iid)
        if not h:
            bad.append("input missing: " + iid)
            continue
        if st["items"]["inputs"].get(iid, {}).get("created", 0) != 1:
            bad.append("input created %s times: %s" % (st["items"]["inputs"][iid], iid))
        wd, hd = want["data"], h.get("data", {})
        if wd["image"].get("url") != h.get("url") or \
                wd.get("metadata") != hd.get("metadata") or \
                sorted(want.get("dataset_ids", [])) != sorted(h.get("dataset_ids", [])) or \
                sorted((c["id"], c.get("name"), f32(c.get("value", 0)))
                       for c in wd.get("concepts", [])) != \
                sorted((c["id"], c.get("name"), f32(c.get("value", 0)))
                       for c in hd.get("concepts", [])):
            bad.append("input differs: %s: %s, held %s" % (iid, json.dumps(want), json.dumps(h)))
    if None in want_anns:  # posted without ids: the server named them
        ws = sorted((a["input_id"], repr(shape(a.get("data", {})))) for a in want_anns[None])
        hs = sorted((a["input_id"], repr(shape(a.get("data", {})))) for a in have.values())
        if ws != hs:
            bad.append("the annotations differ: %d posted, %d held" % (len(ws), len(hs)))
        want_anns = {}
        have = {}
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


def reset(port, path):
    body = open(path, "rb").read() if path else b""
    req = urllib.request.Request("http://127.0.0.1:%s/_reset" % port, data=body, method="POST")
    with urllib.request.urlopen(req) as r:
        r.read()


def main(argv):
    if len(argv) in (2, 3) and argv[0] == "reset":
        reset(argv[1], argv[2] if len(argv) == 3 else None)
        return 0
    if len(argv) == 2 and argv[0] == "state":
        json.dump(state(argv[1]), sys.stdout)
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
