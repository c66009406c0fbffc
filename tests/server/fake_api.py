#!/usr/bin/env python3
"""A fake of the Clarifai API for the tests of `annoport send` (Python 3 standard library only).

It listens on 127.0.0.1 only, keeps one app's state in memory, answers the calls
`annoport send` makes the way the API answers them, and injects faults from a
schedule the test gives it.  It does not fetch or decode images, does not run
models or workflows, and holds one app: it is a test double, not an emulator.

Usage
-----
    fake_api.py --token TOKEN [--port 0] [--port-file FILE] [--idle-timeout 30]
                [--schedule FILE] [--user-app USER/APP] [--download-delay S]
                [--strict-delete] [--plain-json] [--max-body BYTES] [--log FILE]
    fake_api.py --self-test

--token (or --token-file FILE, or the FAKE_API_TOKEN environment variable) is the
personal access token the server accepts.  It is compared in constant time and is
never printed, logged, or written to a file: every byte this process writes to
stdout, stderr or --log passes through a filter that masks it.  The server writes
its port to --port-file (atomically, once listening), and stops by itself after
--idle-timeout seconds without a request in flight, on SIGTERM or SIGINT, and on
POST /_shutdown.  Exit status: 0 after a normal stop, 2 on a usage error (a bad
option or schedule), 1 when --self-test fails.

The API subset
--------------
USER/APP may be anything, but every request of a run must name the same pair
(--user-app pins it; otherwise the first API request does).  Another pair gets
HTTP 404, CONN_DOES_NOT_EXIST (11101).  Paths are under /v2/users/USER/apps/APP:

  kind                method and path                     body -> response
  post_inputs         POST   /inputs                      PostInputsRequest -> MultiInputResponse
  get_inputs_add_job  GET    /inputs/jobs/add/JOB_ID      -> SingleInputsAddJobResponse
  list_inputs         GET    /inputs?page=&per_page=&ids= -> MultiInputResponse
  get_input           GET    /inputs/ID                   -> SingleInputResponse
  list_annotations    GET    /annotations?input_ids=&ids=&page=&per_page=
                      GET    /inputs/ID/annotations?page=&per_page=  -> MultiAnnotationResponse
  get_annotation      GET    /inputs/ID/annotations/ANN_ID -> SingleAnnotationResponse
  post_annotations    POST   /annotations                 PostAnnotationsRequest
                                                          -> MultiAnnotationResponse
  patch_annotations   PATCH  /annotations                 PatchAnnotationsRequest (action merge,
                                                          overwrite or remove)
                                                          -> MultiAnnotationResponse
  delete_annotations  DELETE /annotations                 DeleteAnnotationsRequest: input_ids with
                                                          ids (pairs), or input_ids alone (every
                                                          annotation of those inputs but the
                                                          input-level one) -> BaseResponse
  delete_annotation   DELETE /inputs/ID/annotations/ANN_ID -> BaseResponse

Every API request needs `Authorization: Key TOKEN`.  A wrong token (or any request
after a `revoke` fault) gets HTTP 401 with CONN_KEY_NOT_FOUND (11009, "API key not
found", as the API answers a bad key); a missing header or one not of the form
"Key TOKEN" gets HTTP 401 with CONN_INVALID_REQUEST (11102, "Invalid request",
details "Empty or malformed authorization header...", the API's words).

Request bodies are read as proto3 JSON: proto field names or their lowerCamelCase
JSON names, null for a default, numbers or numeric strings for floats, enum names
or numbers (e.g. "status": {"code": "ANNOTATION_PENDING"}).  A body that is not
JSON, has a field its message does not have, a field twice or a value of the wrong
type is refused whole: HTTP 400, CONN_BAD_REQUEST_FORMAT (11100).  Then each item
is checked and applied on its own:
  - inputs: id optional (a fresh one is assigned), [A-Za-z0-9_-]; data.image with
    exactly one of url (http or https, else INPUT_INVALID_URL 30106) and base64
    (valid, not empty, at most 20 MB decoded, else INPUT_INVALID_ARGUMENT 30104 /
    INPUT_OVER_LIMIT 30105); data.metadata, data.concepts, dataset_ids kept
    (dataset_ids are echoed by PostInputs only: the API ignores them elsewhere).
    Each new input gets an input-level annotation (input_level true, the input's
    concepts and data.regions if any), as the API makes one, and starts
    INPUT_DOWNLOAD_PENDING (30001); it
    becomes INPUT_DOWNLOAD_SUCCESS (30000), or INPUT_DOWNLOAD_FAILED (30002) under a
    download_fail fault, once --download-delay seconds have passed and it has been
    observed (by a job poll, a list or a get) past its held polls (see `pending`).
  - inputs_add_job_id: the job is created, or merged into when it exists (the API
    documents both); its progress counts the inputs the request created.  An
    unknown job id: HTTP 404, CONN_DOES_NOT_EXIST (11101).
  - annotations (post): id optional (a fresh random id when missing); input_id must
    name an existing input (else INPUT_DOES_NOT_EXIST 30102); data with concepts or
    one region; a region's geometry: bounding_box (0 <= values <= 1, top_row <
    bottom_row, left_col < right_col), polygon (>= 3 points) or point, each
    coordinate in [0, 1]; concept ids present; a concept without value is 1; status
    24150..24159 (default ANNOTATION_SUCCESS 24150); regions without an id get one.
    Anything else wrong: ANNOTATION_INVALID_ARGUMENT (24155).
  - an input or annotation id that already exists (or appears twice in one request):
    DATABASE_DUPLICATE_KEY (40010) for that item (for inputs unless
    input_id_conflict_resolution is SKIP, which answers with the existing input).
  - patch: each annotation names its input_id and id, and that pair must exist,
    else 24155 (30102 when the input itself does not exist).  merge: concepts by id
    updated or added, regions by id merged (region_info replaced, concepts merged)
    or added, status replaced; overwrite: data (when given) and status (when given)
    replaced; remove: the concepts named are removed, a region named without
    concepts is removed, and with delete_if_empty_data an annotation left without
    data is deleted.  An annotation left with two regions is refused (24155).
  - delete: ids and input_ids are pairs (same length, else 24155); a pair that does
    not exist is ignored (deleting is idempotent) unless --strict-delete, which
    refuses the whole request with HTTP 404, CONN_DOES_NOT_EXIST (11101).  As in
    proto3, "ids": [] is no ids: every annotation of the inputs is deleted.
  - more than 128 items, or none: refused whole, HTTP 400, INPUT_INVALID_REQUEST
    (39999) for inputs, ANNOTATION_INVALID_ARGUMENT (24155) for annotations.
  - a body over --max-body (default 128 MiB): HTTP 413, RPC_MAX_MESSAGE_SIZE_EXCEEDED
    (40033), connection closed.
The response holds every item in request order, each with its own status: 24150
(or the status it was given) for an annotation applied, 30001 for an input created,
the error status for an item refused.  The request's status is SUCCESS (10000) when
every item was applied, MIXED_STATUS (10010) when some were, and when none was, the
items' code when they share one, else FAILURE (10020).  The HTTP status follows the
request's status: 200 for 10000 and 10010, 401 for 11001/11002/11008/11009, 403 for
11007, 404 for 11101 and 30102, 405 for 11103, 409 for 40010, 413 for 40033, 429
for 11005, 503 for 10030/40030/40031, 504 for 40032, 500 for 98xxx and 99xxx, 400
otherwise.

Proto3 JSON conventions of the responses
----------------------------------------
snake_case proto field names; enums (status codes) as numbers; 64-bit integers as
JSON strings (an inputs-add job's progress: pending_count, in_progress_count,
success_count, failed_count); zero values, empty strings, false and empty lists left
out; a message that is set but empty (job progress with every count 0, metadata {})
kept as {}; floats rounded to float32 and written in the shortest form that reads
back as the same float32 (0.3333333333333333 is returned as 0.33333334; an integral
value as an integer).  Timestamps RFC 3339 with microseconds, UTC.  Every status
carries a random req_id.  The API's protos mark Concept.value, BoundingBox's four
coordinates and Point.row/col `cl_show_if_empty`, and its JSON keeps them when 0;
so does this server (`"top_row": 0`, `"value": 0`).  --plain-json drops them as
plain proto3 JSON does (and as some exports show), to test a reader of both.

Test endpoints (no Authorization needed, not counted as API requests)
-------------------------------------------------------------------
  GET  /_state      {"user_app_id", "inputs": [...], "annotations": [...], "jobs": [...],
                     "counters": {"requests": {kind: n}, "responses": {kind: {http: n}},
                                  "applied": {kind: n}, "faults": {action: n},
                                  "auth_failures": n, "user_app_mismatches": n,
                                  "body_user_app_id_ignored": n, "items_refused": n,
                                  "server_errors": n (a bug in this server: expect 0)},
                     "items": {"inputs": {id: {"created", "refused"}},
                               "annotations": {id: {"created", "patched", "deleted",
                                                    "refused"}}},
                     "duplicates": [{"input_id", "ids", "count"}],
                     "schedule": {"seed", "rules": [{..., "matched": n, "fired": n}]},
                     "revoked": bool}
                    Inputs and annotations in creation order, rendered as the API renders
                    them plus the fields only the state has (an input's url or the
                    sha256 and size of its bytes, dataset_ids, polls, job_ids).
                    "requests" counts what arrived, "applied" what reached the app (not
                    stopped by the token, a fault or a malformed body), "responses" the
                    HTTP statuses sent ("closed": the connection was closed instead).
                    "items" counts, per id, every time an item was created, patched,
                    deleted or refused: "created" above 1 is an item applied twice.
                    "duplicates" lists annotations posted without an id (the server
                    assigned it) that have the same input and data (region ids aside):
                    a post without ids applied twice, e.g. resent after an answer that
                    never came (libcurl itself resends a request whose reused
                    connection closes before any byte of an answer).  A dataset with
                    two identical objects on one image shows here too.
  POST /_schedule   replace the fault schedule (body: the schedule); rule counters restart.
  POST /_reset      forget the app's state and counters (body, optional: a new schedule).
                    A request still in a "slow" sleep is then dropped (connection
                    closed), never applied to the new app.
  POST /_shutdown   stop the server after answering.

Fault schedule
--------------
JSON, from --schedule FILE or POST /_schedule: {"seed": 1, "rules": [RULE, ...]}
(or the list of rules alone, seed 0).  A RULE is an object:

  "kind":   an endpoint kind above, or a list of them (default: every kind; for the
            actions mixed, pending and download_fail: the kinds they apply to)
  "method": "GET", "POST", "PATCH" or "DELETE" (default: any)
  -- when it fires; each rule counts the requests its kind and method match (m =
     1, 2, ...; counted whether or not the rule fires), and fires when every
     condition given holds (none given: every match):
  "nth":         N or [N, ...]   the Nth matching request(s)
  "every":       N               every Nth: m = N, 2N, 3N, ...
  "from":        N               m >= N          "until": N   m <= N
  "probability": P               with probability P, drawn from a generator seeded by
                                 (seed, rule index): reproducible for a given arrival
                                 order of the requests
  "times":       N               fires at most N times
  -- what it does ("action"), with its parameters:
  "http_error"     answer without applying: "status" (HTTP, required), "retry_after"
                   (seconds, the Retry-After header), "code" (the body's status code;
                   default 11005 for 429, 98004 for 500, 10030 otherwise), "body"
                   ("api": the API's JSON status, the default for 429 and 500; "text":
                   an HTML page as a proxy sends, the default for any other status;
                   "empty": no body)
  "close_before"   close the connection without applying the request or answering;
                   "reset": true sends a TCP RST instead of a FIN
  "close_after"    apply the request, then close without answering (the state changed,
                   the client never knows); "reset" as above
  "slow"           sleep "delay" seconds (required; longer than the client's timeout),
                   "apply": "after" (default: apply after the sleep), "before" (apply,
                   then sleep) or "no" (answer 500, INTERNAL_UNEXPECTED_TIMEOUT 98009)
  "revoke"         the token is revoked: this request and every later API request get
                   HTTP 401, CONN_KEY_NOT_FOUND (11009) (until /_reset)
  "mixed"          refuse some items with "code" (required; e.g. 98004 or 11005,
                   retryable, or 24155 / 30104, permanent) and "description"
                   (optional): "items": [index, ...] (0-based) or "fraction": F of the
                   request's items (chosen by the rule's generator, at least one);
                   the other items are applied as usual (post_inputs,
                   post_annotations, patch_annotations)
  "pending"        the inputs created by the request stay pending (then in progress)
                   for "polls" observations (required) before their download ends;
                   "items" / "fraction" choose the inputs (default: all) (post_inputs)
  "download_fail"  the inputs chosen ("items" / "fraction", default all) end
                   INPUT_DOWNLOAD_FAILED (30002), or "code" (post_inputs)
Of the rules that fire for a request, the first with a terminal action (http_error,
close_before, close_after, slow, revoke) decides how it is answered; the modifiers
(mixed, pending, download_fail) that fire all apply (also under close_after and slow).
An unknown field, kind or action is an error (exit 2, or HTTP 400 from /_schedule).
Example: {"seed": 7, "rules": [
    {"kind": "post_annotations", "nth": 2, "action": "http_error", "status": 429,
     "retry_after": 1},
    {"kind": "post_annotations", "every": 5, "action": "close_after"},
    {"kind": "post_annotations", "probability": 0.1, "action": "mixed", "fraction": 0.25,
     "code": 98004},
    {"action": "pending", "polls": 3},
    {"kind": "patch_annotations", "from": 4, "action": "revoke"}]}

Where the API's behaviour is not documented, these are this server's choices
----------------------------------------------------------------------------
the code for an existing id (40010: the API documents it as "Object has a duplicate
ID"; 30100 INPUT_DUPLICATE is documented as a duplicate URL); 30102 for an annotation
on a missing input, 24155 for a patch of a missing annotation; the request-level
codes for an empty or oversized batch; FAILURE when the refused items' codes differ;
the HTTP statuses (the body's status.code is what a client should read); HTTP 401
for a malformed Authorization header; idempotent deletes; the job's status codes
(JOB_RUNNING 64001, JOB_COMPLETED 64002) and its counting only created inputs;
list order oldest first, per_page defaults 128 (inputs, as the API's OpenAPI text
says) and 20 (annotations, as its guide says), at most 1000; GET
/inputs/ID/annotations as a list of that input's annotations; the path's USER/APP
winning over a body's user_app_id (as the API's HTTP gateway binds path fields);
no echo of base64 bytes in PostInputs responses; no deduplication of URLs
(allow_duplicate_url is accepted and ignored); annotations accepted on an input
still downloading or whose download failed; dataset ids not checked against
datasets (the app has none); the owner's user_id (an annotation's default) is the
path's USER.
"""

import argparse
import base64
import binascii
import functools
import hashlib
import hmac
import http.client
import http.server
import io
import json
import math
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from datetime import datetime, timezone

MAX_ITEMS = 128
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_BODY_BYTES = 128 * 1024 * 1024
MAX_PER_PAGE = 1000
SAFE_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")

# ---------------------------------------------------------------------------
# Status codes (clarifai/api/status/status_code.proto) and their descriptions
# (the API's status code page; the 98xxx descriptions are this server's words).
# ---------------------------------------------------------------------------

STATUS = {
    10000: ("SUCCESS", "Ok"),
    10010: ("MIXED_STATUS", "Mixed Success"),
    10020: ("FAILURE", "Failure"),
    10030: ("TRY_AGAIN", "Try the request again"),
    11005: ("CONN_THROTTLED", "Making too many requests"),
    11008: ("CONN_KEY_INVALID", "Invalid API key or Invalid API key/application pair"),
    11009: ("CONN_KEY_NOT_FOUND", "API key not found"),
    11100: ("CONN_BAD_REQUEST_FORMAT", "Bad request format"),
    11101: ("CONN_DOES_NOT_EXIST", "Resource does not exist"),
    11102: ("CONN_INVALID_REQUEST", "Invalid request"),
    11103: ("CONN_METHOD_NOT_ALLOWED", "Request method not allowed"),
    24150: ("ANNOTATION_SUCCESS", "Annotation success"),
    24151: ("ANNOTATION_PENDING", "Annotation pending"),
    24152: ("ANNOTATION_FAILED", "Annotation failed"),
    24154: ("ANNOTATION_UNKNOWN_STATUS", "Annotation unknown status"),
    24155: ("ANNOTATION_INVALID_ARGUMENT", "Annotation invalid argument"),
    24156: ("ANNOTATION_PERMISSION_DENIED", "Permission to annotation denied"),
    24157: ("ANNOTATION_AWAITING_REVIEW", "Annotation still waiting for review"),
    24158: ("ANNOTATION_REVIEW_DENIED", "Annotation review denied"),
    24159: ("ANNOTATION_AWAITING_CONSENSUS_REVIEW",
            "Annotation still waiting for consensus review"),
    30000: ("INPUT_DOWNLOAD_SUCCESS", "Download complete"),
    30001: ("INPUT_DOWNLOAD_PENDING", "Download pending"),
    30002: ("INPUT_DOWNLOAD_FAILED", "Download failed"),
    30003: ("INPUT_DOWNLOAD_IN_PROGRESS", "Download in progress"),
    30100: ("INPUT_DUPLICATE", "Duplicate URL in your application"),
    30102: ("INPUT_DOES_NOT_EXIST", "Input does not exist"),
    30104: ("INPUT_INVALID_ARGUMENT", "Input invalid argument"),
    30105: ("INPUT_OVER_LIMIT", "Input image is larger than the allowed limit"),
    30106: ("INPUT_INVALID_URL", "Input image URL invalid"),
    39999: ("INPUT_INVALID_REQUEST", "Invalid input request"),
    40010: ("DATABASE_DUPLICATE_KEY",
            "Object has a duplicate ID; another object with same ID already exist"),
    40030: ("RPC_REQUEST_QUEUE_FULL", "Sorry, the server is too busy at the moment. "
            "Please try again later"),
    40031: ("RPC_SERVER_UNAVAILABLE", "Sorry, the server is unavailable at the moment. "
            "Please try again later"),
    40032: ("RPC_REQUEST_TIMEOUT", "Sorry, your request has timed out. "
            "Please try your request again"),
    40033: ("RPC_MAX_MESSAGE_SIZE_EXCEEDED", "Sorry, the request sent is larger than "
            "the allowed limit. Please contact support@clarifai.com"),
    64000: ("JOB_QUEUED", "Job queued"),
    64001: ("JOB_RUNNING", "Job running"),
    64002: ("JOB_COMPLETED", "Job completed"),
    98004: ("INTERNAL_SERVER_ISSUE", "Internal server issue"),
    98005: ("INTERNAL_FETCHING_ISSUE", "Internal fetching issue"),
    98006: ("INTERNAL_DATABASE_ISSUE", "Internal database issue"),
    98009: ("INTERNAL_UNEXPECTED_TIMEOUT", "Internal unexpected timeout"),
    98013: ("INTERNAL_REDIS_UNAVAILABLE", "Internal redis unavailable"),
    98014: ("INTERNAL_RESOURCE_EXHAUSTED", "Internal resource exhausted"),
    99009: ("INTERNAL_UNCATEGORIZED", "Internal uncategorized"),
}
CODE_BY_NAME = {name: code for code, (name, _) in STATUS.items()}

HTTP_BY_CODE = {10000: 200, 10010: 200, 10030: 503, 11001: 401, 11002: 401, 11005: 429,
                11007: 403, 11008: 401, 11009: 401, 11101: 404, 11103: 405, 30102: 404,
                40010: 409, 40030: 503, 40031: 503, 40032: 504, 40033: 413}

BAD_HEADER_DETAILS = ("Empty or malformed authorization header. Please provide an API key "
                      "or session token.")


def http_for(code):
    """The HTTP status this server gives with a request-level status code."""
    if code in HTTP_BY_CODE:
        return HTTP_BY_CODE[code]
    if 98000 <= code < 100000:
        return 500
    return 400


def description_of(code):
    return STATUS.get(code, ("", ""))[1]


def now_rfc3339():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_ids = random.SystemRandom()
_id_rng = random.Random(_ids.getrandbits(128))
_id_lock = threading.Lock()


def fresh_id():
    """A random 32-hex-digit id, as the API assigns (uuid4 costs a system call)."""
    with _id_lock:
        return "%032x" % _id_rng.getrandbits(128)


class HttpReply(Exception):
    """A request refused whole: HTTP status, API status code, details."""

    def __init__(self, http, code, details="", close=False):
        Exception.__init__(self, details)
        self.http = http
        self.code = code
        self.details = details
        self.close = close


class ItemError(Exception):
    """One item of a batch refused: API status code, details."""

    def __init__(self, code, details="", description=None):
        Exception.__init__(self, details)
        self.code = code
        self.details = details
        self.description = description


def bad_format(details):
    return HttpReply(400, 11100, details)


# ---------------------------------------------------------------------------
# float32 and proto3 JSON rendering
# ---------------------------------------------------------------------------

_F32 = struct.Struct("<f")


def _f32_reads_back(text, v):
    return _F32.unpack(_F32.pack(float(text)))[0] == v


@functools.lru_cache(maxsize=1 << 16)
def f32(x):
    """x rounded to float32, as the shortest decimal that reads back as that float32.

    Raises ValueError for a value that is not finite or does not fit a float32."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError("not a finite number")
    try:
        v = _F32.unpack(_F32.pack(x))[0]
    except OverflowError:
        raise ValueError("out of the float32 range")
    # Most float32 values need 7 to 9 digits; search down from 6 only when 6 do.
    if _f32_reads_back("%.6g" % v, v):
        for p in range(1, 7):
            if _f32_reads_back("%.*g" % (p, v), v):
                return float("%.*g" % (p, v))
    for p in (7, 8):
        if _f32_reads_back("%.*g" % (p, v), v):
            return float("%.*g" % (p, v))
    return float("%.9g" % v)


# Struct-valued fields: their contents are JSON, never pruned or converted.
STRUCT_KEYS = frozenset(("metadata", "annotation_info", "consensus_info", "params"))
# Messages kept as {} when set but empty.
KEEP_EMPTY = frozenset(("progress",)) | STRUCT_KEYS
# cl_show_if_empty fields: kept when 0 (unless --plain-json).
SHOW_IF_EMPTY = frozenset(("top_row", "left_col", "bottom_row", "right_col", "row", "col"))


def _is_default(v):
    t = type(v)
    if t is int or t is float:
        return v == 0
    return v is None or not v


def render(value, plain, key=None, parent=None):
    """value as the API's proto3 JSON: defaults dropped, floats written as integers
    when integral.  key is the field holding value, parent the field holding the
    message value belongs to (for a list element: the list's field)."""
    t = type(value)
    if t is dict:
        if key in STRUCT_KEYS:
            return value
        out = {}
        for k, v in value.items():
            r = render(v, plain, k, key) if type(v) in (dict, list, float) else v
            if _is_default(r) and not _shown_empty(k, key, r, plain):
                continue
            out[k] = r
        return out
    if t is list:
        return [render(v, plain, key, parent) for v in value]
    if t is float and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


def _shown_empty(k, parent, r, plain):
    if k in KEEP_EMPTY and r == {}:
        return True
    if plain or r is None or r == "" or r == [] or r == {}:
        return False
    return k in SHOW_IF_EMPTY or (k == "value" and parent == "concepts")


def status_obj(code, details="", description=None, req_id=True):
    s = {"code": code, "description": description or description_of(code)}
    if details:
        s["details"] = details
    if req_id:
        s["req_id"] = fresh_id()
    return s


# ---------------------------------------------------------------------------
# Request messages: field names and types, for the proto3 JSON reading.
# Types: "s" string, "n" float, "i" integer, "b" bool, "e" enum, "struct" any JSON
# object, "*" anything (a field kept but not interpreted), "[T" a list of T, any
# other name a message.
# ---------------------------------------------------------------------------

ANY_MESSAGE_FIELDS = ("video", "geo", "colors", "clusters", "embeddings", "frames", "text",
                      "audio", "tracks", "time_segments", "hits", "heatmaps", "parts",
                      "ndarray", "int_value", "float_value", "bytes_value", "bool_value",
                      "string_value", "struct_value")

MESSAGES = {
    "PostInputsRequest": {"user_app_id": "UserAppIDSet", "inputs": "[Input",
                          "inputs_add_job_id": "s", "input_id_conflict_resolution": "e"},
    "PostAnnotationsRequest": {"user_app_id": "UserAppIDSet", "annotations": "[Annotation"},
    "PatchAnnotationsRequest": {"user_app_id": "UserAppIDSet", "annotations": "[Annotation",
                                "action": "s", "delete_if_empty_data": "b"},
    "DeleteAnnotationsRequest": {"user_app_id": "UserAppIDSet", "ids": "[s",
                                 "input_ids": "[s"},
    "UserAppIDSet": {"user_id": "s", "app_id": "s"},
    "Input": {"id": "s", "data": "Data", "created_at": "s", "modified_at": "s",
              "status": "Status", "dataset_ids": "[s", "settings": "*"},
    "Annotation": {"id": "s", "input_id": "s", "data": "Data", "annotation_info": "struct",
                   "user_id": "s", "model_version_id": "s", "embed_model_version_id": "s",
                   "status": "Status", "created_at": "s", "modified_at": "s",
                   "trusted": "b", "input_level": "b", "consensus_info": "struct",
                   "task_id": "s", "worker": "*"},
    "Data": dict({"image": "Image", "concepts": "[Concept", "metadata": "struct",
                  "regions": "[Region"}, **{f: "*" for f in ANY_MESSAGE_FIELDS}),
    "Image": {"url": "s", "base64": "s", "allow_duplicate_url": "b", "hosted": "*",
              "image_info": "*", "hosted_image_info": "*", "decoded_bytes": "*"},
    "Concept": {"id": "s", "name": "s", "value": "n", "created_at": "s", "language": "s",
                "app_id": "s", "definition": "s", "vocab_id": "s", "visibility": "*",
                "user_id": "s", "keypoint_info": "*", "extra_info": "*",
                "metadata": "struct", "image": "*"},
    "Region": {"id": "s", "region_info": "RegionInfo", "data": "Data", "value": "n",
               "track_id": "s"},
    "RegionInfo": {"bounding_box": "BoundingBox", "mask": "*", "polygon": "Polygon",
                   "point": "Point", "span": "*", "token": "*",
                   "keypoint_locations": "[Point"},
    "BoundingBox": {"top_row": "n", "left_col": "n", "bottom_row": "n", "right_col": "n"},
    "Polygon": {"points": "[Point"},
    "Point": {"row": "n", "col": "n", "z": "n", "visibility": "e"},
    "Status": {"code": "e", "description": "s", "details": "s", "stack_trace": "[s",
               "percent_completed": "i", "time_remaining": "i", "req_id": "s",
               "internal_details": "s", "redirect_info": "*", "developer_notes": "s",
               "http_status_code": "i"},
}


def snake(name):
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


def conform(value, typ, path):
    """value read as typ; messages come back with proto field names.  Raises a
    400 CONN_BAD_REQUEST_FORMAT HttpReply naming the JSON path of a problem."""
    if typ == "*":
        return value
    if typ.startswith("["):
        if not isinstance(value, list):
            raise bad_format("%s: expected a list" % path)
        return [conform(v, typ[1:], "%s[%d]" % (path, i)) for i, v in enumerate(value)]
    if typ == "struct":
        if not isinstance(value, dict):
            raise bad_format("%s: expected an object" % path)
        return value
    if typ in ("s", "n", "i", "b", "e"):
        return conform_scalar(value, typ, path)
    return conform_message(value, typ, path)


def conform_scalar(value, typ, path):
    t = type(value)
    if typ == "s":
        ok = t is str
    elif typ == "b":
        ok = t is bool
    elif typ == "n":
        ok = t is int or t is float or t is str
    else:
        ok = t is int or t is str
    if not ok:
        raise bad_format("%s: wrong type for this field" % path)
    if typ == "n" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise bad_format("%s: not a number" % path)
    if typ == "i" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise bad_format("%s: not an integer" % path)
    return value


def conform_message(value, name, path):
    if not isinstance(value, dict):
        raise bad_format("%s: expected an object (%s)" % (path, name))
    fields = MESSAGES[name]
    out = {}
    for key, v in value.items():
        proto = key if key in fields else snake(key)
        if proto not in fields:
            raise bad_format("%s: unknown field %s in %s" % (path, json.dumps(key), name))
        if proto in out:
            raise bad_format("%s: field %s given twice" % (path, proto))
        if v is None:
            continue
        out[proto] = conform(v, fields[proto], "%s.%s" % (path, proto))
    return out


def _reject_constant(name):
    raise ValueError("%s is not JSON" % name)


def _no_duplicate_keys(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("key %s given twice" % json.dumps(k))
        seen[k] = v
    return seen


def parse_body(raw, message):
    if not raw.strip():
        raise bad_format("empty body: expected a JSON %s" % message)
    try:
        body = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as e:
        raise bad_format("the body is not valid JSON: %s" % e)
    return conform(body, message, "$")


# ---------------------------------------------------------------------------
# Items: validation and normalization (ItemError for a refused item)
# ---------------------------------------------------------------------------

def coord(obj, field, what, code):
    v = obj.get(field, 0.0)
    try:
        r = f32(v)
    except ValueError as e:
        raise ItemError(code, "%s %s: %s" % (what, field, e))
    if not 0.0 <= r <= 1.0:
        raise ItemError(code, "%s %s = %r is outside [0, 1]" % (what, field, v))
    return r


def norm_concepts(concepts, code):
    out = []
    seen = set()
    for c in concepts:
        cid = c.get("id", "")
        if not cid:
            raise ItemError(code, "a concept has no id")
        if cid in seen:
            raise ItemError(code, "concept %s is given twice" % json.dumps(cid))
        seen.add(cid)
        try:
            value = f32(c.get("value", 1.0))
        except ValueError as e:
            raise ItemError(code, "concept %s value: %s" % (json.dumps(cid), e))
        n = {"id": cid}
        if c.get("name"):
            n["name"] = c["name"]
        n["value"] = value
        out.append(n)
    return out


def norm_point(p, code):
    return dict({"row": coord(p, "row", "point", code), "col": coord(p, "col", "point", code)},
                **{k: p[k] for k in ("z", "visibility") if k in p})


def norm_geometry(info, code):
    geoms = [g for g in ("bounding_box", "polygon", "point", "mask", "span", "token",
                         "keypoint_locations") if g in info]
    if len(geoms) != 1:
        raise ItemError(code, "region_info needs exactly one geometry, has %d" % len(geoms))
    g = geoms[0]
    if g == "bounding_box":
        b = info[g]
        box = {f: coord(b, f, "bounding_box", code)
               for f in ("top_row", "left_col", "bottom_row", "right_col")}
        if not box["top_row"] < box["bottom_row"] or not box["left_col"] < box["right_col"]:
            raise ItemError(code, "bounding_box is empty or inverted")
        return {g: box}
    if g == "polygon":
        pts = info[g].get("points", [])
        if len(pts) < 3:
            raise ItemError(code, "polygon has %d points; it needs at least 3" % len(pts))
        return {g: {"points": [norm_point(p, code) for p in pts]}}
    if g == "point":
        return {g: norm_point(info[g], code)}
    if g == "keypoint_locations":
        return {g: [norm_point(p, code) for p in info[g]]}
    return {g: info[g]}


def norm_region(reg, code, need_info=True):
    out = {"id": reg.get("id") or fresh_id()}
    if "region_info" in reg:
        out["region_info"] = norm_geometry(reg["region_info"], code)
    elif need_info:
        raise ItemError(code, "region has no region_info")
    if "data" in reg:
        data = dict(reg["data"])
        if "concepts" in data:
            data["concepts"] = norm_concepts(data["concepts"], code)
        out["data"] = data
    if "track_id" in reg:
        out["track_id"] = reg["track_id"]
    if "value" in reg:
        try:
            out["value"] = f32(reg["value"])
        except ValueError as e:
            raise ItemError(code, "region value: %s" % e)
    return out


def norm_data(data, code, need_something=True):
    """An annotation's (or an input's) data, normalized as the API stores it."""
    out = dict(data)
    if "concepts" in data:
        out["concepts"] = norm_concepts(data["concepts"], code)
    if "regions" in data:
        if len(data["regions"]) > 1:
            raise ItemError(code, "%d regions: an annotation holds at most one"
                            % len(data["regions"]))
        out["regions"] = [norm_region(r, code) for r in data["regions"]]
    if need_something and not out.get("concepts") and not out.get("regions") and \
            not any(k not in ("concepts", "regions") for k in out):
        raise ItemError(code, "annotation data is empty: give concepts or one region")
    return out


def status_code_of(status, code):
    """An annotation status given in a request, as a number (24150..24159)."""
    c = status.get("code", 24150)
    if isinstance(c, str):
        c = CODE_BY_NAME.get(c, c)
        if isinstance(c, str):
            try:
                c = int(c)
            except ValueError:
                raise ItemError(code, "unknown status code %s" % json.dumps(status["code"]))
    if not 24150 <= c <= 24159:
        raise ItemError(code, "status %d is not an annotation status" % c)
    return c


def check_id(value, code, what):
    if not SAFE_ID_RE.match(value):
        raise ItemError(code, "%s %s has characters outside [A-Za-z0-9_-]"
                        % (what, json.dumps(value)))


def decode_base64(text):
    """The bytes of a proto3 JSON bytes field (standard or URL-safe, padding optional)."""
    t = text.strip()
    t += "=" * (-len(t) % 4)
    alt = b"-_" if ("-" in t or "_" in t) else None
    try:
        return base64.b64decode(t, altchars=alt, validate=True)
    except (binascii.Error, ValueError):
        raise ItemError(30104, "image.base64 is not valid base64")


def norm_input_image(image):
    has_url, has_b64 = bool(image.get("url")), bool(image.get("base64"))
    if has_url == has_b64:
        raise ItemError(30104, "data.image needs exactly one of url and base64")
    if has_url:
        url = image["url"]
        if not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE) or re.search(r"\s", url):
            raise ItemError(30106, "image url %s is not an http(s) URL" % json.dumps(url))
        return {"url": url}
    raw = decode_base64(image["base64"])
    if not raw:
        raise ItemError(30104, "image.base64 holds no bytes")
    if len(raw) > MAX_IMAGE_BYTES:
        raise ItemError(30105, "image is %d bytes; at most %d" % (len(raw), MAX_IMAGE_BYTES))
    return {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}


# ---------------------------------------------------------------------------
# Fault schedule
# ---------------------------------------------------------------------------

KINDS = ("post_inputs", "get_inputs_add_job", "list_inputs", "get_input", "list_annotations",
         "get_annotation", "post_annotations", "patch_annotations", "delete_annotations",
         "delete_annotation")
TERMINAL = ("http_error", "close_before", "close_after", "slow", "revoke")
MODIFIERS = {"mixed": ("post_inputs", "post_annotations", "patch_annotations"),
             "pending": ("post_inputs",), "download_fail": ("post_inputs",)}
RULE_KEYS = {"kind", "method", "nth", "every", "from", "until", "probability", "times",
             "action"}
ACTION_KEYS = {"http_error": {"status", "retry_after", "code", "body"},
               "close_before": {"reset"}, "close_after": {"reset"},
               "slow": {"delay", "apply"}, "revoke": set(),
               "mixed": {"items", "fraction", "code", "description"},
               "pending": {"polls", "items", "fraction"},
               "download_fail": {"items", "fraction", "code"}}


class ScheduleError(Exception):
    pass


def _int_param(rule, key, minimum=1):
    v = rule[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ScheduleError("%s: expected an integer >= %d" % (key, minimum))
    return v


class Rule:
    def __init__(self, spec, index, seed):
        if not isinstance(spec, dict):
            raise ScheduleError("rule %d: expected an object" % index)
        self.spec = spec
        self.index = index
        self.action = spec.get("action")
        if self.action not in ACTION_KEYS:
            raise ScheduleError("rule %d: unknown action %s" % (index, json.dumps(self.action)))
        unknown = set(spec) - RULE_KEYS - ACTION_KEYS[self.action]
        if unknown:
            raise ScheduleError("rule %d: unknown field(s) %s"
                                % (index, ", ".join(sorted(unknown))))
        try:
            self._read_filters(spec)
            self._read_conditions(spec)
            self._read_params(spec)
        except ScheduleError as e:
            raise ScheduleError("rule %d: %s" % (index, e))
        self.rng = random.Random("%s:%d" % (seed, index))
        self.matched = 0
        self.fired = 0
        self.terminal = self.action in TERMINAL

    def _read_filters(self, spec):
        kinds = spec.get("kind")
        if kinds is None:
            self.kinds = set(MODIFIERS.get(self.action, KINDS))
        else:
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if not isinstance(kinds, list) or not kinds or any(k not in KINDS for k in kinds):
                raise ScheduleError("kind: expected one of %s, or a list" % ", ".join(KINDS))
            self.kinds = set(kinds)
        if self.action in MODIFIERS and not self.kinds <= set(MODIFIERS[self.action]):
            raise ScheduleError("%s applies only to %s" % (self.action,
                                                           ", ".join(MODIFIERS[self.action])))
        self.method = spec.get("method")
        if self.method not in (None, "GET", "POST", "PATCH", "DELETE"):
            raise ScheduleError("method: expected GET, POST, PATCH or DELETE")

    def _read_conditions(self, spec):
        nth = spec.get("nth")
        if nth is not None:
            nth = [nth] if not isinstance(nth, list) else nth
            if not nth or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in nth):
                raise ScheduleError("nth: expected a positive integer or a list of them")
            nth = set(nth)
        self.nth = nth
        self.every = _int_param(spec, "every") if "every" in spec else None
        self.from_ = _int_param(spec, "from") if "from" in spec else None
        self.until = _int_param(spec, "until") if "until" in spec else None
        self.times = _int_param(spec, "times") if "times" in spec else None
        p = spec.get("probability")
        if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float))
                              or not 0 <= p <= 1):
            raise ScheduleError("probability: expected a number in [0, 1]")
        self.probability = p

    def _read_params(self, spec):
        a = self.action
        if a == "http_error":
            _int_param(spec, "status", 400) if "status" in spec else None
            if "status" not in spec or spec["status"] > 599:
                raise ScheduleError("http_error needs \"status\" (400..599)")
            if spec.get("body", "api") not in ("api", "text", "empty"):
                raise ScheduleError("body: expected api, text or empty")
        if a == "slow":
            d = spec.get("delay")
            if isinstance(d, bool) or not isinstance(d, (int, float)) or d < 0:
                raise ScheduleError("slow needs \"delay\" (seconds)")
            if spec.get("apply", "after") not in ("after", "before", "no"):
                raise ScheduleError("apply: expected after, before or no")
        if a == "mixed" and "code" not in spec:
            raise ScheduleError("mixed needs \"code\"")
        if a == "pending":
            if "polls" not in spec:
                raise ScheduleError("pending needs \"polls\"")
            _int_param(spec, "polls", 0)
        for k in ("code", "retry_after"):
            if k in spec:
                _int_param(spec, k, 0)
        if "items" in spec:
            it = spec["items"]
            if not isinstance(it, list) or any(isinstance(i, bool) or not isinstance(i, int)
                                               or i < 0 for i in it):
                raise ScheduleError("items: expected a list of item indices (0-based)")
        if "fraction" in spec:
            f = spec["fraction"]
            if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 <= f <= 1:
                raise ScheduleError("fraction: expected a number in [0, 1]")

    def fires(self, kind, method):
        """Counts a request that matches the filters; True when the rule fires for it."""
        if kind not in self.kinds or (self.method and method != self.method):
            return False
        self.matched += 1
        m = self.matched
        if self.times is not None and self.fired >= self.times:
            return False
        if self.nth is not None and m not in self.nth:
            return False
        if self.every is not None and m % self.every:
            return False
        if self.from_ is not None and m < self.from_:
            return False
        if self.until is not None and m > self.until:
            return False
        if self.probability is not None and self.rng.random() >= self.probability:
            return False
        return True

    def choose(self, n):
        """The item indices (of n) this rule names: items, fraction, or all."""
        if "items" in self.spec:
            return sorted(i for i in set(self.spec["items"]) if i < n)
        if "fraction" in self.spec:
            f = self.spec["fraction"]
            k = 0 if f == 0 else min(n, max(1, int(round(f * n))))
            return sorted(self.rng.sample(range(n), k))
        return list(range(n))

    def as_state(self):
        return dict(self.spec, matched=self.matched, fired=self.fired)


class Plan:
    """What the schedule decided for one request."""

    def __init__(self):
        self.terminal = None
        self.modifiers = []


class Schedule:
    def __init__(self, spec=None):
        spec = [] if spec is None else spec
        if isinstance(spec, list):
            spec = {"rules": spec}
        if not isinstance(spec, dict) or set(spec) - {"seed", "rules"}:
            raise ScheduleError("a schedule is {\"seed\": N, \"rules\": [...]} or a list of rules")
        self.seed = spec.get("seed", 0)
        rules = spec.get("rules", [])
        if not isinstance(rules, list):
            raise ScheduleError("rules: expected a list")
        self.rules = [Rule(r, i, self.seed) for i, r in enumerate(rules)]

    def decide(self, kind, method):
        plan = Plan()
        for rule in self.rules:
            if not rule.fires(kind, method):
                continue
            if rule.terminal:
                if plan.terminal is not None:
                    continue
                plan.terminal = rule
            else:
                plan.modifiers.append(rule)
            rule.fired += 1
        return plan

    def as_state(self):
        return {"seed": self.seed, "rules": [r.as_state() for r in self.rules]}


# ---------------------------------------------------------------------------
# The app's state
# ---------------------------------------------------------------------------

class App:
    """One app's inputs, annotations and jobs, the counters, and the schedule.
    Every method that reads or changes them runs under self.lock."""

    def __init__(self, token, opts):
        self.token = token.encode("utf-8")
        self.opts = opts
        self.lock = threading.RLock()
        self.schedule = Schedule()
        self.pinned = opts.user_app
        self.reset()

    def reset(self):
        self.epoch = getattr(self, "epoch", 0) + 1
        self.user_app = self.pinned
        self.inputs = {}
        self.annotations = {}
        self.jobs = {}
        self.revoked = False
        self.items = {"inputs": {}, "annotations": {}}
        self.content = {}
        self.counters = {"requests": {}, "responses": {}, "applied": {}, "faults": {},
                         "auth_failures": 0, "user_app_mismatches": 0,
                         "body_user_app_id_ignored": 0, "items_refused": 0,
                         "server_errors": 0}

    # -- counters ----------------------------------------------------------

    def count(self, group, key, n=1):
        d = self.counters[group]
        d[key] = d.get(key, 0) + n

    def count_response(self, kind, http):
        d = self.counters["responses"].setdefault(kind, {})
        d[str(http)] = d.get(str(http), 0) + 1

    def count_item(self, group, item_id, what):
        if not item_id:
            return
        d = self.items[group].setdefault(item_id, {})
        d[what] = d.get(what, 0) + 1

    # -- authorization -----------------------------------------------------

    def auth_error(self, header):
        """None when the Authorization header carries the token, else the HttpReply."""
        if header is None or not header.startswith("Key ") or not header[4:].strip():
            return HttpReply(401, 11102, BAD_HEADER_DETAILS)
        given = header[4:].encode("utf-8", "replace")
        if self.revoked or not hmac.compare_digest(given, self.token):
            return HttpReply(401, 11009, "invalid key")
        return None

    def check_user_app(self, user, app, body):
        if self.user_app is None:
            self.user_app = (user, app)
        elif self.user_app != (user, app):
            self.counters["user_app_mismatches"] += 1
            raise HttpReply(404, 11101, "app %s/%s does not exist (this server holds %s/%s)"
                            % (user, app, self.user_app[0], self.user_app[1]))
        uai = body.get("user_app_id") if isinstance(body, dict) else None
        if uai and (uai.get("user_id"), uai.get("app_id")) != (user, app):
            self.counters["body_user_app_id_ignored"] += 1

    # -- input download simulation -----------------------------------------

    def new_input(self, iid, image, data, dataset_ids):
        t = time.monotonic()
        rec = {"id": iid, "image": image, "metadata": data.get("metadata"),
               "concepts": data.get("concepts", []), "dataset_ids": dataset_ids,
               "created_at": now_rfc3339(), "ready_at": t + self.opts.download_delay,
               "hold": 0, "fail": None, "polls": 0, "final": None, "job_ids": []}
        rec["modified_at"] = rec["created_at"]
        return rec

    def input_status(self, rec, observe):
        """The input's download status code; an observation may end the download."""
        if rec["final"] is not None:
            return rec["final"]
        if observe:
            rec["polls"] += 1
        k = rec["polls"]
        if k <= rec["hold"]:
            return 30001 if k <= (rec["hold"] + 1) // 2 else 30003
        if observe and time.monotonic() >= rec["ready_at"]:
            rec["final"] = rec["fail"] or 30000
            rec["modified_at"] = now_rfc3339()
            return rec["final"]
        return 30001 if k == 0 else 30003

    def render_input(self, rec, observe, with_datasets=False):
        code = self.input_status(rec, observe)
        data = {"image": {"url": rec["image"]["url"]} if "url" in rec["image"] else {},
                "concepts": rec["concepts"]}
        if rec["metadata"] is not None:
            data["metadata"] = rec["metadata"]
        out = {"id": rec["id"], "data": data, "created_at": rec["created_at"],
               "modified_at": rec["modified_at"], "status": status_obj(code, req_id=False)}
        if with_datasets:
            out["dataset_ids"] = rec["dataset_ids"]
        return out

    def render_annotation(self, rec):
        out = {"id": rec["id"], "input_id": rec["input_id"], "data": rec["data"],
               "user_id": rec["user_id"], "status": status_obj(rec["status"], req_id=False),
               "created_at": rec["created_at"], "modified_at": rec["modified_at"],
               "input_level": rec["input_level"]}
        if rec.get("embed_model_version_id"):
            out["embed_model_version_id"] = rec["embed_model_version_id"]
        return out

    def render_job(self, job):
        counts = {"pending_count": 0, "in_progress_count": 0, "success_count": 0,
                  "failed_count": 0}
        for iid in job["input_ids"]:
            rec = self.inputs.get(iid)
            if rec is None:
                continue
            code = self.input_status(rec, True)
            key = {30001: "pending_count", 30003: "in_progress_count",
                   30000: "success_count"}.get(code, "failed_count")
            counts[key] += 1
        running = counts["pending_count"] + counts["in_progress_count"] > 0
        job["modified_at"] = now_rfc3339() if running else job["modified_at"]
        return {"id": job["id"], "progress": {k: str(v) for k, v in counts.items() if v},
                "created_at": job["created_at"], "modified_at": job["modified_at"],
                "status": status_obj(64001 if running else 64002, req_id=False)}

    # -- the state, for the tests ------------------------------------------

    def input_state(self, rec, plain):
        """An input as the API renders it, plus what only the state knows (unpruned)."""
        out = render(self.render_input(rec, False), plain)
        out.update(dataset_ids=rec["dataset_ids"], polls=rec["polls"], job_ids=rec["job_ids"],
                   url=rec["image"].get("url"))
        if "sha256" in rec["image"]:
            out["image_bytes"] = {"sha256": rec["image"]["sha256"],
                                  "bytes": rec["image"]["bytes"]}
        return out

    def state(self):
        """Everything, for the tests; the API objects rendered as the API renders them."""
        plain = self.opts.plain_json
        dups = [{"input_id": v["input_id"], "ids": v["ids"], "count": len(v["ids"])}
                for v in self.content.values() if len(v["ids"]) > 1]
        ua = None if self.user_app is None else {"user_id": self.user_app[0],
                                                  "app_id": self.user_app[1]}
        return {"user_app_id": ua,
                "inputs": [self.input_state(r, plain) for r in self.inputs.values()],
                "annotations": [dict(render(self.render_annotation(r), plain),
                                     input_level=r["input_level"])
                                for r in self.annotations.values()],
                "jobs": [{"id": j["id"], "input_ids": j["input_ids"]} for j in self.jobs.values()],
                "counters": self.counters, "items": self.items, "duplicates": dups,
                "schedule": self.schedule.as_state(), "revoked": self.revoked}


def fingerprint(input_id, data):
    """Identifies an annotation's content, region ids aside."""
    d = json.loads(json.dumps(data))
    for r in d.get("regions", []):
        r.pop("id", None)
    return hashlib.sha1(json.dumps([input_id, d], sort_keys=True).encode()).hexdigest()


def batch_status(results):
    """The request's status from its items' statuses: (code, details)."""
    failed = [c for c in results if c is not None]
    if not failed:
        return 10000, ""
    n = len(results)
    details = "%d of %d items failed" % (len(failed), n)
    if len(failed) < n:
        return 10010, details
    if len(set(failed)) == 1:
        return failed[0], details
    return 10020, details


def forced_errors(modifiers, n):
    """Item index -> ItemError for the items `mixed` faults refuse."""
    out = {}
    for rule in modifiers:
        if rule.action != "mixed":
            continue
        code = rule.spec["code"]
        for i in rule.choose(n):
            out.setdefault(i, ItemError(code, "refused by the fault schedule",
                                        rule.spec.get("description")))
    return out


def item_status(e):
    return status_obj(e.code, e.details, e.description, req_id=False)


# ---------------------------------------------------------------------------
# Endpoints: each runs under app.lock and returns (http status, response object)
# ---------------------------------------------------------------------------

def check_batch(items, code, what):
    if not items:
        raise HttpReply(400, code, "no %s: a request holds 1 to %d" % (what, MAX_ITEMS))
    if len(items) > MAX_ITEMS:
        raise HttpReply(400, code, "%d %s: a request holds at most %d"
                        % (len(items), what, MAX_ITEMS))


def post_inputs(app, ctx, body, modifiers):
    inputs = body.get("inputs", [])
    check_batch(inputs, 39999, "inputs")
    skip = body.get("input_id_conflict_resolution") in (1, "SKIP")
    forced = forced_errors(modifiers, len(inputs))
    holds, fails = input_faults(modifiers, len(inputs))
    out, codes, created, seen = [], [], [], set()
    for i, inp in enumerate(inputs):
        try:
            if i in forced:
                raise forced[i]
            rec, existing = build_input(app, inp, seen, skip)
            if existing is None:
                rec["hold"] = holds.get(i, 0)
                rec["fail"] = fails.get(i)
                app.inputs[rec["id"]] = rec
                created.append(rec["id"])
                app.count_item("inputs", rec["id"], "created")
                add_input_level_annotation(app, ctx, rec)
            out.append(app.render_input(existing or rec, False, with_datasets=True))
            codes.append(None)
        except ItemError as e:
            out.append(echo_input(inp, e))
            codes.append(e.code)
            app.count_item("inputs", inp.get("id"), "refused")
            app.counters["items_refused"] += 1
    job_id = body.get("inputs_add_job_id")
    if job_id:
        job = app.jobs.setdefault(job_id, {"id": job_id, "input_ids": [],
                                           "created_at": now_rfc3339()})
        job["modified_at"] = now_rfc3339()
        job["input_ids"].extend(created)
        for iid in created:
            app.inputs[iid]["job_ids"].append(job_id)
    return multi_response(codes, "inputs", out)


def input_faults(modifiers, n):
    holds, fails = {}, {}
    for rule in modifiers:
        if rule.action == "pending":
            for i in rule.choose(n):
                holds[i] = max(holds.get(i, 0), rule.spec["polls"])
        elif rule.action == "download_fail":
            for i in rule.choose(n):
                fails.setdefault(i, rule.spec.get("code", 30002))
    return holds, fails


def build_input(app, inp, seen, skip):
    """(the new input's record, None), or (None, the existing input) under SKIP."""
    iid = inp.get("id") or fresh_id()
    check_id(iid, 30104, "input id")
    if iid in app.inputs or iid in seen:
        if skip and iid in app.inputs:
            return None, app.inputs[iid]
        raise ItemError(40010, "input %s already exists" % json.dumps(iid))
    data = inp.get("data")
    if not data or "image" not in data:
        raise ItemError(30104, "input has no data.image")
    image = norm_input_image(data["image"])
    ndata = {}
    if "metadata" in data:
        ndata["metadata"] = data["metadata"]
    if "concepts" in data:
        ndata["concepts"] = norm_concepts(data["concepts"], 30104)
    regions = [norm_region(r, 30104) for r in data.get("regions", [])]
    dids = inp.get("dataset_ids", [])
    for d in dids:
        check_id(d, 30104, "dataset id")
    seen.add(iid)
    rec = app.new_input(iid, image, ndata, dids)
    rec["regions"] = regions        # for the input-level annotation only
    return rec, None


def echo_input(inp, e):
    out = {"status": item_status(e)}
    if inp.get("id"):
        out["id"] = inp["id"]
    url = (inp.get("data") or {}).get("image", {}).get("url")
    if url:
        out["data"] = {"image": {"url": url}}
    return out


def add_input_level_annotation(app, ctx, rec):
    data = {}
    if rec["concepts"]:
        data["concepts"] = rec["concepts"]
    regions = rec.pop("regions", [])
    if regions:
        data["regions"] = regions
    t = now_rfc3339()
    aid = fresh_id()
    app.annotations[aid] = {"id": aid, "input_id": rec["id"], "data": data,
                            "user_id": ctx["user"], "status": 24150, "created_at": t,
                            "modified_at": t, "input_level": True}


def multi_response(codes, field, items):
    code, details = batch_status(codes)
    return http_for(code), {"status": status_obj(code, details), field: items}


def post_annotations(app, ctx, body, modifiers):
    anns = body.get("annotations", [])
    check_batch(anns, 24155, "annotations")
    forced = forced_errors(modifiers, len(anns))
    out, codes, seen = [], [], set()
    for i, a in enumerate(anns):
        try:
            if i in forced:
                raise forced[i]
            rec = build_annotation(app, ctx, a, seen)
            app.annotations[rec["id"]] = rec
            app.count_item("annotations", rec["id"], "created")
            if not a.get("id"):
                fp = fingerprint(rec["input_id"], rec["data"])
                seen_fp = app.content.setdefault(fp, {"input_id": rec["input_id"], "ids": []})
                seen_fp["ids"].append(rec["id"])
            out.append(app.render_annotation(rec))
            codes.append(None)
        except ItemError as e:
            out.append(echo_annotation(a, e))
            codes.append(e.code)
            app.count_item("annotations", a.get("id"), "refused")
            app.counters["items_refused"] += 1
    return multi_response(codes, "annotations", out)


def build_annotation(app, ctx, a, seen):
    aid = a.get("id") or fresh_id()
    check_id(aid, 24155, "annotation id")
    if aid in app.annotations or aid in seen:
        raise ItemError(40010, "annotation %s already exists" % json.dumps(aid))
    iid = a.get("input_id", "")
    if not iid:
        raise ItemError(24155, "annotation has no input_id")
    if iid not in app.inputs:
        raise ItemError(30102, "input %s does not exist" % json.dumps(iid))
    if "data" not in a:
        raise ItemError(24155, "annotation has no data")
    data = norm_data(a["data"], 24155)
    code = status_code_of(a.get("status", {}), 24155)
    seen.add(aid)
    t = ctx["now"]
    rec = {"id": aid, "input_id": iid, "data": data, "user_id": a.get("user_id") or ctx["user"],
           "status": code, "created_at": t, "modified_at": t, "input_level": False}
    if a.get("embed_model_version_id"):
        rec["embed_model_version_id"] = a["embed_model_version_id"]
    return rec


def echo_annotation(a, e):
    out = {"status": item_status(e)}
    for k in ("id", "input_id"):
        if a.get(k):
            out[k] = a[k]
    return out


def patch_annotations(app, ctx, body, modifiers):
    anns = body.get("annotations", [])
    check_batch(anns, 24155, "annotations")
    action = body.get("action", "")
    if action not in ("merge", "overwrite", "remove"):
        raise HttpReply(400, 24155, "action %s: use merge, overwrite or remove"
                        % json.dumps(action))
    forced = forced_errors(modifiers, len(anns))
    out, codes = [], []
    for i, a in enumerate(anns):
        try:
            if i in forced:
                raise forced[i]
            rec = patch_one(app, a, action, body.get("delete_if_empty_data", False))
            app.count_item("annotations", rec["id"], "patched")
            out.append(app.render_annotation(rec))
            codes.append(None)
        except ItemError as e:
            out.append(echo_annotation(a, e))
            codes.append(e.code)
            app.count_item("annotations", a.get("id"), "refused")
            app.counters["items_refused"] += 1
    return multi_response(codes, "annotations", out)


def patch_one(app, a, action, delete_if_empty):
    aid, iid = a.get("id", ""), a.get("input_id", "")
    if not aid or not iid:
        raise ItemError(24155, "a patched annotation needs its id and input_id")
    rec = app.annotations.get(aid)
    if rec is None or rec["input_id"] != iid:
        if iid not in app.inputs:
            raise ItemError(30102, "input %s does not exist" % json.dumps(iid))
        raise ItemError(24155, "annotation %s does not exist on input %s"
                        % (json.dumps(aid), json.dumps(iid)))
    status = status_code_of(a["status"], 24155) if "status" in a else None
    data = json.loads(json.dumps(rec["data"]))
    if action == "overwrite":
        if "data" in a:
            data = norm_data(a["data"], 24155, need_something=False)
    elif action == "merge":
        data = merge_data(data, a.get("data", {}))
    else:
        data = remove_data(data, a.get("data", {}))
    if len(data.get("regions", [])) > 1:
        raise ItemError(24155, "the merge leaves %d regions; an annotation holds at most one"
                        % len(data["regions"]))
    rec["data"] = data
    if status is not None and action != "remove":
        rec["status"] = status
    rec["modified_at"] = now_rfc3339()
    if action == "remove" and delete_if_empty and not any(data.values()):
        del app.annotations[aid]
        app.count_item("annotations", aid, "deleted")
    return rec


def merge_concepts(old, new):
    out = [dict(c) for c in old]
    index = {c["id"]: c for c in out}
    for c in new:
        if c["id"] in index:
            index[c["id"]].update(c)
        else:
            out.append(c)
            index[c["id"]] = c
    return out


def merge_data(data, patch):
    if "concepts" in patch:
        data["concepts"] = merge_concepts(data.get("concepts", []),
                                          norm_concepts(patch["concepts"], 24155))
    regions = data.get("regions", [])
    by_id = {r["id"]: r for r in regions}
    for reg in patch.get("regions", []):
        old = by_id.get(reg.get("id"))
        new = norm_region(reg, 24155, need_info=old is None)
        if old is None:
            regions.append(new)
            by_id[new["id"]] = new
            continue
        if "region_info" in new:
            old["region_info"] = new["region_info"]
        if "data" in new:
            od = old.setdefault("data", {})
            od["concepts"] = merge_concepts(od.get("concepts", []),
                                            new["data"].get("concepts", []))
    if regions:
        data["regions"] = regions
    for k, v in patch.items():
        if k not in ("concepts", "regions"):
            data[k] = v
    return data


def remove_data(data, patch):
    gone = {c.get("id") for c in patch.get("concepts", [])}
    if gone:
        data["concepts"] = [c for c in data.get("concepts", []) if c["id"] not in gone]
    keep = []
    named = {r.get("id"): r for r in patch.get("regions", [])}
    for reg in data.get("regions", []):
        p = named.get(reg["id"])
        if p is None:
            keep.append(reg)
            continue
        drop = {c.get("id") for c in (p.get("data") or {}).get("concepts", [])}
        if not drop:
            continue
        rd = reg.get("data", {})
        rd["concepts"] = [c for c in rd.get("concepts", []) if c["id"] not in drop]
        keep.append(reg)
    data["regions"] = keep
    return {k: v for k, v in data.items() if v not in ([], {}, None)}


def delete_annotations(app, ctx, body, modifiers):
    # proto3 cannot tell an empty list from none: "ids": [] deletes by input_ids.
    iids, ids = body.get("input_ids", []), body.get("ids") or None
    check_batch(iids, 24155, "input_ids")
    if ids is not None and len(ids) != len(iids):
        raise HttpReply(400, 24155, "%d ids for %d input_ids: they are pairs"
                        % (len(ids), len(iids)))
    if ids is None:
        wanted = set(iids)
        victims = [a for a, r in app.annotations.items()
                   if r["input_id"] in wanted and not r["input_level"]]
    else:
        victims, missing = [], []
        for iid, aid in zip(iids, ids):
            rec = app.annotations.get(aid)
            (victims if rec and rec["input_id"] == iid else missing).append(aid)
        if missing and app.opts.strict_delete:
            raise HttpReply(404, 11101, "annotation(s) %s do not exist"
                            % ", ".join(missing[:5]))
    for aid in victims:
        if aid in app.annotations:
            del app.annotations[aid]
            app.count_item("annotations", aid, "deleted")
    return 200, {"status": status_obj(10000)}


def delete_annotation(app, ctx, body, modifiers):
    rec = app.annotations.get(ctx["annotation_id"])
    if rec is None or rec["input_id"] != ctx["input_id"]:
        if app.opts.strict_delete:
            raise HttpReply(404, 11101, "annotation %s does not exist"
                            % json.dumps(ctx["annotation_id"]))
    else:
        del app.annotations[rec["id"]]
        app.count_item("annotations", rec["id"], "deleted")
    return 200, {"status": status_obj(10000)}


def paging(query, default):
    try:
        page = int(query.get("page", ["1"])[-1] or 1)
        per_page = int(query.get("per_page", [str(default)])[-1] or default)
    except ValueError:
        raise bad_format("page and per_page are integers")
    if page < 0 or per_page < 0:
        raise HttpReply(400, 11102, "page and per_page cannot be negative")
    page = max(page, 1)
    per_page = min(per_page or default, MAX_PER_PAGE)
    return (page - 1) * per_page, per_page


def list_inputs(app, ctx, body, modifiers):
    q = ctx["query"]
    start, n = paging(q, 128)
    ids = set(q.get("ids", []))
    recs = [r for r in app.inputs.values() if not ids or r["id"] in ids]
    if "status.code" in q:
        want = {int(c) if c.isdigit() else CODE_BY_NAME.get(c, -1) for c in q["status.code"]}
        recs = [r for r in recs if app.input_status(r, False) in want]
    page = [app.render_input(r, True) for r in recs[start:start + n]]
    return 200, {"status": status_obj(10000), "inputs": page}


def get_input(app, ctx, body, modifiers):
    rec = app.inputs.get(ctx["input_id"])
    if rec is None:
        raise HttpReply(404, 30102, "input %s does not exist" % json.dumps(ctx["input_id"]))
    return 200, {"status": status_obj(10000), "input": app.render_input(rec, True)}


def get_inputs_add_job(app, ctx, body, modifiers):
    job = app.jobs.get(ctx["job_id"])
    if job is None:
        raise HttpReply(404, 11101, "inputs add job %s does not exist"
                        % json.dumps(ctx["job_id"]))
    return 200, {"status": status_obj(10000), "inputs_add_job": app.render_job(job)}


def list_annotations(app, ctx, body, modifiers):
    q = ctx["query"]
    start, n = paging(q, 20)
    iids = set(q.get("input_ids", []))
    if ctx.get("input_id"):
        iids = {ctx["input_id"]}
    ids = set(q.get("ids", []))
    users = set(q.get("user_ids", []))
    recs = [r for r in app.annotations.values()
            if (not iids or r["input_id"] in iids) and (not ids or r["id"] in ids)
            and (not users or r["user_id"] in users)]
    page = [app.render_annotation(r) for r in recs[start:start + n]]
    return 200, {"status": status_obj(10000), "annotations": page}


def get_annotation(app, ctx, body, modifiers):
    rec = app.annotations.get(ctx["annotation_id"])
    if rec is None or rec["input_id"] != ctx["input_id"]:
        raise HttpReply(404, 11101, "annotation %s does not exist"
                        % json.dumps(ctx["annotation_id"]))
    return 200, {"status": status_obj(10000), "annotation": app.render_annotation(rec)}


ENDPOINTS = {
    "post_inputs": (post_inputs, "PostInputsRequest"),
    "get_inputs_add_job": (get_inputs_add_job, None),
    "list_inputs": (list_inputs, None),
    "get_input": (get_input, None),
    "list_annotations": (list_annotations, None),
    "get_annotation": (get_annotation, None),
    "post_annotations": (post_annotations, "PostAnnotationsRequest"),
    "patch_annotations": (patch_annotations, "PatchAnnotationsRequest"),
    "delete_annotations": (delete_annotations, "DeleteAnnotationsRequest"),
    "delete_annotation": (delete_annotation, None),
}

API_PATH_RE = re.compile(r"^/v2/users/([^/]+)/apps/([^/]+)/(inputs|annotations)(/.*)?$")


def route(method, path):
    """(kind, context) for an API path; HttpReply 404 or 405 otherwise."""
    m = API_PATH_RE.match(path)
    if not m:
        raise HttpReply(404, 11101, "no such endpoint")
    user, app = urllib.parse.unquote(m.group(1)), urllib.parse.unquote(m.group(2))
    rest = [urllib.parse.unquote(s) for s in (m.group(4) or "").split("/")[1:]]
    ctx = {"user": user, "app": app}
    table = {}
    if m.group(3) == "annotations" and rest in ([], [""]):
        table = {"GET": "list_annotations", "POST": "post_annotations",
                 "PATCH": "patch_annotations", "DELETE": "delete_annotations"}
    elif m.group(3) == "inputs":
        if rest in ([], [""]):
            table = {"GET": "list_inputs", "POST": "post_inputs"}
        elif len(rest) == 3 and rest[:2] == ["jobs", "add"] and rest[2]:
            table, ctx["job_id"] = {"GET": "get_inputs_add_job"}, rest[2]
        elif len(rest) == 1 and rest[0]:
            table, ctx["input_id"] = {"GET": "get_input"}, rest[0]
        elif len(rest) == 2 and rest[0] and rest[1] == "annotations":
            table, ctx["input_id"] = {"GET": "list_annotations"}, rest[0]
        elif len(rest) == 3 and rest[0] and rest[1] == "annotations" and rest[2]:
            table = {"GET": "get_annotation", "DELETE": "delete_annotation"}
            ctx["input_id"], ctx["annotation_id"] = rest[0], rest[2]
    if not table:
        raise HttpReply(404, 11101, "no such endpoint")
    if method not in table:
        raise HttpReply(405, 11103, "%s is not allowed here" % method)
    return table[method], ctx


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-clarifai/1"
    timeout = 30        # an idle keep-alive connection is closed after this
    # Headers and body go out in two writes: without TCP_NODELAY the second waits
    # for the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass            # nothing from the base class: it could print headers

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def handle_expect_100(self):
        # Refuse an oversized body before the client sends it.
        n = self.headers.get("Content-Length", "")
        if n.isdigit() and int(n) > self.server.app.opts.max_body:
            self.close_connection = True
            self.reply_error("-", HttpReply(413, 40033, "the body is %s bytes" % n))
            return False
        return http.server.BaseHTTPRequestHandler.handle_expect_100(self)

    def dispatch(self, method):
        self.server.activity(1)
        try:
            url = urllib.parse.urlsplit(self.path)
            if url.path.startswith("/_"):
                self.handle_test(method, url.path)
            else:
                self.handle_api(method, url)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout):
            self.close_connection = True
        except Exception as e:      # a bug here: say so, rather than drop the connection
            self.close_connection = True
            with self.server.app.lock:
                self.server.app.counters["server_errors"] += 1
            sys.stderr.write("fake_api: error while handling %s %s:\n"
                             % (self.command, self.path))
            traceback.print_exc(file=sys.stderr)
            try:
                self.reply_error("-", HttpReply(500, 99009, "fake server error: %s"
                                                % type(e).__name__))
            except OSError:
                pass
        finally:
            self.server.activity(-1)

    # -- reading and writing -------------------------------------------------

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self.read_chunked()
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        if not n.strip().isdigit():
            raise HttpReply(400, 11100, "bad Content-Length", close=True)
        n = int(n)
        if n > self.server.app.opts.max_body:
            raise HttpReply(413, 40033, "the body is %d bytes" % n, close=True)
        data = self.rfile.read(n)
        if len(data) < n:
            raise ConnectionResetError("short body")
        return data

    def read_chunked(self):
        out = io.BytesIO()
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise HttpReply(400, 11100, "bad chunk", close=True)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return out.getvalue()
            if out.tell() + size > self.server.app.opts.max_body:
                raise HttpReply(413, 40033, "the body is too large", close=True)
            out.write(self.rfile.read(size))
            self.rfile.readline(1024)

    def send_json(self, code, obj, headers=()):
        data = json.dumps(render(obj, self.server.app.opts.plain_json),
                          separators=(",", ":")).encode("utf-8")
        self.send_raw(code, data, "application/json", headers)

    def send_raw(self, code, data, ctype, headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def reply_error(self, kind, err):
        if err.close:
            self.close_connection = True
        with self.server.app.lock:
            self.server.app.count_response(kind, err.http)
        self.send_json(err.http, {"status": status_obj(err.code, err.details)})
        self.server.log("%s %s %s -> %d %d" % (self.command, self.path, kind, err.http, err.code))

    def drop_connection(self, reset):
        """Closes the connection with no answer (RST when reset)."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    # -- the API -----------------------------------------------------------

    def handle_api(self, method, url):
        app = self.server.app
        kind = "-"
        try:
            body = self.read_body()
            kind, ctx = route(method, url.path)
            ctx["query"] = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            ctx["now"] = now_rfc3339()
            with app.lock:
                app.count("requests", kind)
                err = app.auth_error(self.headers.get("Authorization"))
                if err is not None:
                    app.counters["auth_failures"] += 1
                    raise err
                plan = app.schedule.decide(kind, method)
            self.run_plan(kind, ctx, body, plan)
        except HttpReply as e:
            self.reply_error(kind, e)

    def run_plan(self, kind, ctx, body, plan):
        """Answers the request as the schedule decided: fault, apply, or both."""
        app = self.server.app
        rule = plan.terminal
        action = rule.action if rule else None
        with app.lock:
            for r in ([rule] if rule else []) + plan.modifiers:
                app.count("faults", r.action)
        if action == "close_before":
            return self.close_without_answer(kind, rule, "closed before applying")
        if action == "http_error":
            return self.fault_http_error(kind, rule.spec)
        if action == "revoke":
            with app.lock:
                app.revoked = True
            raise HttpReply(401, 11009, "invalid key")
        if action == "slow":
            return self.fault_slow(kind, ctx, body, plan, rule.spec)
        if action == "close_after":
            try:
                self.apply(kind, ctx, body, plan)
            except HttpReply:
                pass        # refused: nothing applied, and still no answer
            return self.close_without_answer(kind, rule, "applied, closed")
        self.respond(kind, *self.apply(kind, ctx, body, plan))

    def close_without_answer(self, kind, rule, what):
        with self.server.app.lock:
            self.server.app.count_response(kind, "closed")
        self.server.log("%s %s %s -> %s" % (self.command, self.path, kind, what))
        self.drop_connection(rule.spec.get("reset", False))

    def apply(self, kind, ctx, body, plan):
        """Applies the request to the app: (http status, response object)."""
        app = self.server.app
        fn, message = ENDPOINTS[kind]
        parsed = parse_body(body, message) if message else {}
        with app.lock:
            app.check_user_app(ctx["user"], ctx["app"], parsed)
            result = fn(app, ctx, parsed, plan.modifiers)
            app.count("applied", kind)
            return result

    def respond(self, kind, code, obj):
        with self.server.app.lock:
            self.server.app.count_response(kind, code)
        self.send_json(code, obj)
        self.server.log("%s %s %s -> %d %d" % (self.command, self.path, kind, code,
                                               obj["status"]["code"]))

    def fault_http_error(self, kind, spec):
        status = spec["status"]
        code = spec.get("code", {429: 11005, 500: 98004}.get(status, 10030))
        body = spec.get("body", "api" if status in (429, 500) else "text")
        headers = []
        if "retry_after" in spec:
            headers.append(("Retry-After", str(spec["retry_after"])))
        with self.server.app.lock:
            self.server.app.count_response(kind, status)
        self.server.log("%s %s %s -> fault %d" % (self.command, self.path, kind, status))
        if body == "api":
            return self.send_json(status, {"status": status_obj(code, "fault schedule")},
                                  headers)
        text = b"" if body == "empty" else (
            b"<html><head><title>%d</title></head><body><h1>%d %s</h1></body></html>\n"
            % (status, status, http.client.responses.get(status, "Error").encode()))
        self.send_raw(status, text, "text/html", headers)

    def fault_slow(self, kind, ctx, body, plan, spec):
        when = spec.get("apply", "after")
        result = None
        if when == "before":
            result = self.apply(kind, ctx, body, plan)
        epoch = self.server.app.epoch
        time.sleep(spec["delay"])
        if self.server.app.epoch != epoch:
            # the app it was sent to is gone (/_reset): never applied to the next
            self.server.log("%s %s %s -> dropped, reset while slow" % (self.command, self.path,
                                                                      kind))
            return self.drop_connection(False)
        if when == "after":
            result = self.apply(kind, ctx, body, plan)
        if result is None:
            raise HttpReply(500, 98009, "the request timed out inside the server")
        self.respond(kind, *result)

    # -- the test endpoints --------------------------------------------------

    def handle_test(self, method, path):
        app = self.server.app
        try:
            body = self.read_body()
            if (method, path) == ("GET", "/_state"):
                with app.lock:
                    data = json.dumps(app.state(), separators=(",", ":")).encode("utf-8")
                return self.send_raw(200, data, "application/json")
            if method == "POST" and path in ("/_schedule", "/_reset"):
                return self.test_schedule(path, body)
            if (method, path) == ("POST", "/_shutdown"):
                self.close_connection = True
                self.send_raw(200, b'{"ok":true}', "application/json")
                return self.server.stop()
            raise HttpReply(404, 11101, "no such test endpoint")
        except HttpReply as e:
            self.close_connection = self.close_connection or e.close
            self.send_json(e.http, {"status": status_obj(e.code, e.details)})

    def test_schedule(self, path, body):
        app = self.server.app
        try:
            spec = json.loads(body.decode("utf-8")) if body.strip() else None
            schedule = Schedule(spec) if (spec is not None or path == "/_schedule") else None
        except (ValueError, UnicodeDecodeError, ScheduleError) as e:
            raise HttpReply(400, 11100, "bad schedule: %s" % e)
        with app.lock:
            if path == "/_reset":
                app.reset()
            if schedule is not None:
                app.schedule = schedule
        self.send_raw(200, b'{"ok":true}', "application/json")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, app, port, log=None):
        self.app = app
        self.log_file = log
        self.log_lock = threading.Lock()
        self.in_flight = 0
        self.last_activity = time.monotonic()
        self.stopping = False
        http.server.ThreadingHTTPServer.__init__(self, ("127.0.0.1", port), Handler)

    def activity(self, delta):
        with self.log_lock:
            self.in_flight += delta
            self.last_activity = time.monotonic()

    def idle_for(self):
        with self.log_lock:
            return 0.0 if self.in_flight else time.monotonic() - self.last_activity

    def log(self, line):
        if self.log_file is not None:
            with self.log_lock:
                self.log_file.write("%s %s\n" % (now_rfc3339(), line))
                self.log_file.flush()

    def stop(self):
        """Stops serve_forever from any thread (shutdown() blocks, so not in its own)."""
        if not self.stopping:
            self.stopping = True
            threading.Thread(target=self.shutdown, daemon=True).start()

    def handle_error(self, request, client_address):
        sys.stderr.write("fake_api: error while handling a request:\n")
        traceback.print_exc(file=sys.stderr)


def start_watchdog(server, idle_timeout):
    def watch():
        while not server.stopping:
            if server.idle_for() >= idle_timeout:
                server.stop()
                return
            time.sleep(min(0.1, idle_timeout / 4 or 0.01))
    threading.Thread(target=watch, daemon=True).start()


# ---------------------------------------------------------------------------
# The token stays out of every output
# ---------------------------------------------------------------------------

class Masked(io.TextIOBase):
    """A text stream that writes through to another with the token masked."""

    def __init__(self, stream, secret):
        self.stream = stream
        self.secret = secret

    def write(self, s):
        if self.secret:
            s = s.replace(self.secret, "***")
        return self.stream.write(s)

    def flush(self):
        self.stream.flush()


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="A fake of the Clarifai API on 127.0.0.1, for the tests of "
                    "`annoport send`. The header of this file documents it.")
    p.add_argument("--token", help="the token the server accepts (or --token-file, or "
                                   "FAKE_API_TOKEN)")
    p.add_argument("--token-file", help="read the token from this file")
    p.add_argument("--port", type=int, default=0, help="port (default 0: chosen by the OS)")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--idle-timeout", type=float, default=30.0,
                   help="stop after this many seconds without requests (default 30)")
    p.add_argument("--schedule", help="fault schedule (JSON file)")
    p.add_argument("--user-app", help="USER/APP the requests must name (default: the "
                                      "first request's)")
    p.add_argument("--download-delay", type=float, default=0.0,
                   help="seconds before an input's download ends (default 0)")
    p.add_argument("--strict-delete", action="store_true",
                   help="refuse deleting an annotation that does not exist")
    p.add_argument("--plain-json", action="store_true",
                   help="drop zero coordinates and concept values too (plain proto3 JSON)")
    p.add_argument("--max-body", type=int, default=MAX_BODY_BYTES,
                   help="largest request body in bytes (default 128 MiB)")
    p.add_argument("--log", help="append one line per request to this file (no headers)")
    p.add_argument("--self-test", action="store_true", help="test this server and exit")
    args = p.parse_args(argv)
    if args.user_app is not None:
        parts = args.user_app.split("/")
        if len(parts) != 2 or not all(parts):
            p.error("--user-app: expected USER/APP")
        args.user_app = tuple(parts)
    return p, args


def read_token(p, args):
    if args.token is not None:
        return args.token
    if args.token_file is not None:
        try:
            with open(args.token_file, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            p.error("--token-file: %s" % e.strerror)
    if os.environ.get("FAKE_API_TOKEN"):
        return os.environ["FAKE_API_TOKEN"]
    p.error("give the token with --token, --token-file or FAKE_API_TOKEN")


def write_port_file(path, port):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def make_server(token, args, schedule=None, log=None):
    app = App(token, args)
    if schedule is not None:
        app.schedule = schedule
    return Server(app, args.port, log)


def main(argv=None):
    p, args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        return self_test()
    token = read_token(p, args)
    schedule = None
    if args.schedule:
        try:
            with open(args.schedule, encoding="utf-8") as f:
                schedule = Schedule(json.load(f))
        except (OSError, ValueError, ScheduleError) as e:
            p.error("--schedule: %s" % e)
    sys.stdout = Masked(sys.stdout, token)
    sys.stderr = Masked(sys.stderr, token)
    log = Masked(open(args.log, "a", encoding="utf-8"), token) if args.log else None
    server = make_server(token, args, schedule, log)
    if args.port_file:
        write_port_file(args.port_file, server.server_address[1])
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.stop())
    start_watchdog(server, args.idle_timeout)
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        server.server_close()
    return 0


# ---------------------------------------------------------------------------
# Self-test
# ---------------------------------------------------------------------------

SELF_TOKEN = "self-test-token-0123456789abcdef"
UA = "/v2/users/me/apps/app1"


class Client:
    """A keep-alive client for the self-test."""

    def __init__(self, port, token=SELF_TOKEN, timeout=5.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, token=None, timeout=None, raw=False):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                   timeout=timeout or self.timeout)
        self.conn.timeout = timeout or self.timeout
        if self.conn.sock is not None:
            self.conn.sock.settimeout(self.conn.timeout)
        headers = {"Content-Type": "application/json"}
        tok = self.token if token is None else token
        if tok:
            headers["Authorization"] = "Key " + tok
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            text = r.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        if raw:
            return r.status, dict(r.getheaders()), text
        return r.status, dict(r.getheaders()), json.loads(text.decode()) if text else None


class Check:
    def __init__(self):
        self.n = 0
        self.failures = []

    def __call__(self, cond, what):
        self.n += 1
        if not cond:
            self.failures.append(what)
            sys.stderr.write("self-test: FAILED: %s\n" % what)


def st_box(top, left, bottom, right, concept="cat"):
    return {"regions": [{"region_info": {"bounding_box": {
        "top_row": top, "left_col": left, "bottom_row": bottom, "right_col": right}},
        "data": {"concepts": [{"id": concept, "name": concept, "value": 1}]}}]}


def st_inputs(ids, **extra):
    return dict({"inputs": [{"id": i, "data": {"image": {"url": "http://127.0.0.1/%s.jpg" % i},
                                               "metadata": {"filename": "%s.jpg" % i}}}
                            for i in ids]}, **extra)


def self_test():
    args = parse_args(["--token", SELF_TOKEN])[1]
    server = make_server(SELF_TOKEN, args)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    port = server.server_address[1]
    check = Check()
    c = Client(port)
    t0 = time.monotonic()
    try:
        for part in (st_auth, st_inputs_and_jobs, st_annotations, st_patch_delete, st_lists,
                     st_faults_http, st_faults_connection, st_faults_items, st_revoke,
                     st_conditions, st_probability, st_state_endpoints, st_transport):
            c.request("POST", "/_reset", b"")
            part(c, check, server)
            errors = c.request("GET", "/_state")[2]["counters"]["server_errors"]
            check(errors == 0, "%s: no server error" % part.__name__)
        st_process(check)
    finally:
        server.stop()
    elapsed = time.monotonic() - t0
    if check.failures:
        print("self-test: %d of %d checks failed" % (len(check.failures), check.n))
        return 1
    print("self-test: %d checks passed in %.1f s" % (check.n, elapsed))
    return 0


def st_auth(c, check, server):
    s, _, b = c.request("GET", UA + "/inputs", token="")
    check(s == 401 and b["status"]["code"] == 11102, "no Authorization: 401 11102")
    s, _, raw = c.request("GET", UA + "/inputs", token="wrong-token", raw=True)
    b = json.loads(raw)
    check(s == 401 and b["status"]["code"] == 11009 and
          b["status"]["description"] == "API key not found", "wrong token: 401 11009")
    check(b"wrong-token" not in raw, "the token given is not echoed")
    s, _, b = c.request("GET", UA + "/inputs")
    check(s == 200 and b == {"status": b["status"]} and b["status"]["code"] == 10000,
          "an empty list: status only (empty list left out)")
    s, _, b = c.request("GET", "/v2/users/me/apps/other/inputs")
    check(s == 404 and b["status"]["code"] == 11101, "another USER/APP: 404 11101")
    s, _, b = c.request("PUT", UA + "/annotations", {})
    check(s == 405 and b["status"]["code"] == 11103, "PUT: 405")
    s, _, b = c.request("GET", "/v2/nothing")
    check(s == 404, "unknown path: 404")
    st = c.request("GET", "/_state")[2]
    check(st["counters"]["auth_failures"] == 2, "auth failures counted")
    check(SELF_TOKEN not in json.dumps(st), "the token is not in the state")


def st_inputs_and_jobs(c, check, server):
    body = st_inputs(["a", "b"], inputs_add_job_id="job1")
    img = base64.b64encode(b"\xff\xd8img").decode()
    body["inputs"].append({"id": "c", "dataset_ids": ["ds1"], "data": {
        "image": {"base64": img}, "concepts": [{"id": "indoor"}, {"id": "dark", "value": 0}]}})
    s, _, b = c.request("POST", UA + "/inputs", body)
    check(s == 200 and b["status"]["code"] == 10000, "post inputs: SUCCESS")
    check([i["status"]["code"] for i in b["inputs"]] == [30001] * 3, "inputs start pending")
    check(b["inputs"][2]["data"]["concepts"] == [{"id": "indoor", "value": 1},
                                                 {"id": "dark", "value": 0}],
          "input concepts: missing value is 1, value 0 shown")
    check(b["inputs"][2]["dataset_ids"] == ["ds1"], "dataset_ids echoed")
    s, _, b = c.request("POST", UA + "/inputs", st_inputs(["a", "d"]))
    check(s == 200 and b["status"]["code"] == 10010, "duplicate input: MIXED_STATUS")
    check(b["inputs"][0]["status"]["code"] == 40010 and b["inputs"][1]["status"]["code"] == 30001,
          "duplicate input refused per item with 40010")
    s, _, b = c.request("POST", UA + "/inputs", st_inputs(["a"]))
    check(s == 409 and b["status"]["code"] == 40010, "all items refused: the items' code")
    s, _, b = c.request("POST", UA + "/inputs",
                        st_inputs(["a"], input_id_conflict_resolution="SKIP"))
    check(s == 200 and b["status"]["code"] == 10000, "SKIP: an existing id is not an error")
    s, _, b = c.request("POST", UA + "/inputs", st_inputs(["x%d" % i for i in range(129)]))
    check(s == 400 and b["status"]["code"] == 39999, "129 inputs: refused")
    bad = {"inputs": [{"id": "e", "data": {"image": {"url": "ftp://x/y.jpg"}}},
                      {"id": "f g", "data": {"image": {"url": "http://127.0.0.1/y.jpg"}}},
                      {"id": "h", "data": {"image": {"base64": "!!"}}},
                      {"id": "i", "data": {"image": {}}}]}
    s, _, b = c.request("POST", UA + "/inputs", bad)
    check(b["status"]["code"] == 10020 and [i["status"]["code"] for i in b["inputs"]] ==
          [30106, 30104, 30104, 30104], "invalid inputs refused per item, FAILURE overall")
    s, _, b = c.request("POST", UA + "/inputs", {"inputs": [{"id": "j", "dada": {}}]})
    check(s == 400 and b["status"]["code"] == 11100, "unknown field: 400 11100")
    s, _, b = c.request("POST", UA + "/inputs", b"{not json")
    check(s == 400 and b["status"]["code"] == 11100, "bad JSON: 400 11100")
    s, _, b = c.request("POST", UA + "/inputs", {"inputs": [{"id": "k", "data": {
        "image": {"url": "http://127.0.0.1/k.jpg"}}}], "inputsAddJobId": "job2"})
    check(s == 200 and "job2" in [j["id"] for j in c.request("GET", "/_state")[2]["jobs"]],
          "camelCase field names accepted")
    s, _, b = c.request("GET", UA + "/inputs/jobs/add/job1")
    job = b["inputs_add_job"]
    check(s == 200 and job["progress"] == {"success_count": "3"},
          "job progress: 64-bit counts as strings, zeros left out")
    check(job["status"]["code"] == 64002, "job completed")
    s, _, b = c.request("GET", UA + "/inputs/jobs/add/nope")
    check(s == 404 and b["status"]["code"] == 11101, "unknown job: 404")
    s, _, b = c.request("GET", UA + "/inputs/c")
    check(s == 200 and b["input"]["status"]["code"] == 30000 and "dataset_ids" not in b["input"],
          "get input: downloaded, dataset_ids not returned")
    st = c.request("GET", "/_state")[2]
    inp = {i["id"]: i for i in st["inputs"]}
    check(inp["c"]["image_bytes"]["sha256"] == hashlib.sha256(b"\xff\xd8img").hexdigest(),
          "state: bytes hash")
    check(st["items"]["inputs"]["a"] == {"created": 1, "refused": 2}, "state: item counts")
    lvl = [a for a in st["annotations"] if a["input_level"]]
    check(len(lvl) == len(st["inputs"]), "an input-level annotation per input")


def st_annotations(c, check, server):
    c.request("POST", UA + "/inputs", st_inputs(["i1", "i2"]))
    anns = {"annotations": [
        {"id": "a1", "input_id": "i1", "data": st_box(0, 0.25, 0.3333333333333333, 0.75)},
        {"input_id": "i1", "data": {"concepts": [{"id": "cat", "value": 0}]}},
        {"id": "a3", "input_id": "i2", "data": {"regions": [{"region_info": {"polygon": {
            "points": [{"row": 0.1, "col": 0.1}, {"row": 0.1, "col": 0.3},
                       {"row": 0, "col": 0.2}]}},
            "data": {"concepts": [{"id": "dog"}]}}]}, "status": {"code": "ANNOTATION_PENDING"}}]}
    s, _, b = c.request("POST", UA + "/annotations", anns)
    check(s == 200 and b["status"]["code"] == 10000, "post annotations: SUCCESS")
    out = b["annotations"]
    box = out[0]["data"]["regions"][0]["region_info"]["bounding_box"]
    check(box == {"top_row": 0, "left_col": 0.25, "bottom_row": 0.33333334, "right_col": 0.75},
          "float32 rounding; a zero coordinate is kept")
    check(out[0]["data"]["regions"][0]["id"], "a region id is assigned")
    check(len(out[1]["id"]) == 32 and out[1]["data"]["concepts"] == [{"id": "cat", "value": 0}],
          "an annotation without id gets one; concept value 0 kept")
    check(out[2]["status"]["code"] == 24151 and out[0]["status"]["code"] == 24150,
          "annotation statuses")
    pts = out[2]["data"]["regions"][0]["region_info"]["polygon"]["points"]
    check(pts[2] == {"row": 0, "col": 0.2}, "polygon point with a zero row")
    mixed = {"annotations": [{"id": "a1", "input_id": "i1", "data": st_box(0.1, 0.1, 0.2, 0.2)},
                             {"id": "a5", "input_id": "nope", "data": st_box(0.1, 0.1, 0.2, 0.2)},
                             {"id": "a6", "input_id": "i2", "data": st_box(0.5, 0.1, 0.2, 0.2)},
                             {"id": "a7", "input_id": "i2", "data": st_box(0.1, 0.1, 0.2, 0.2)}]}
    s, _, b = c.request("POST", UA + "/annotations", mixed)
    codes = [a["status"]["code"] for a in b["annotations"]]
    check(s == 200 and b["status"]["code"] == 10010 and codes == [40010, 30102, 24155, 24150],
          "duplicate id, missing input, inverted box: refused per item")
    s, _, b = c.request("POST", UA + "/annotations", {"annotations": []})
    check(s == 400 and b["status"]["code"] == 24155, "no annotations: refused")
    s, _, b = c.request("POST", UA + "/annotations", {"annotations": [
        {"id": "z%d" % i, "input_id": "i1", "data": st_box(0.1, 0.1, 0.2, 0.2)}
        for i in range(129)]})
    check(s == 400, "129 annotations: refused")
    no_id = {"annotations": [{"input_id": "i1", "data": st_box(0.1, 0.1, 0.2, 0.2)}]}
    c.request("POST", UA + "/annotations", no_id)
    c.request("POST", UA + "/annotations", no_id)
    st = c.request("GET", "/_state")[2]
    check(len(st["duplicates"]) == 1 and st["duplicates"][0]["count"] == 2,
          "state: the same annotation posted twice without id is a duplicate")
    s, _, b = c.request("POST", "/_state", b"")
    check(s == 404, "POST /_state: 404")


def st_patch_delete(c, check, server):
    c.request("POST", UA + "/inputs", st_inputs(["p1"]))
    d = st_box(0.1, 0.1, 0.5, 0.5)
    d["regions"][0]["id"] = "r1"
    c.request("POST", UA + "/annotations", {"annotations": [
        {"id": "b1", "input_id": "p1", "data": d},
        {"id": "b2", "input_id": "p1", "data": {"concepts": [{"id": "x"}, {"id": "y"}]}}]})
    s, _, b = c.request("PATCH", UA + "/annotations", {"action": "merge", "annotations": [
        {"id": "b1", "input_id": "p1", "data": {"regions": [{"id": "r1", "data": {
            "concepts": [{"id": "dog", "value": 1}]}}]}},
        {"id": "b2", "input_id": "p1", "status": {"code": "ANNOTATION_PENDING"}},
        {"id": "nope", "input_id": "p1", "data": {"concepts": [{"id": "q"}]}}]})
    a = b["annotations"]
    check(b["status"]["code"] == 10010 and a[2]["status"]["code"] == 24155,
          "patch of a missing annotation refused per item")
    check([c2["id"] for c2 in a[0]["data"]["regions"][0]["data"]["concepts"]] == ["cat", "dog"],
          "merge: region concepts merged")
    check(a[1]["status"]["code"] == 24151, "merge: status replaced")
    s, _, b = c.request("PATCH", UA + "/annotations", {"action": "overwrite", "annotations": [
        {"id": "b1", "input_id": "p1", "data": st_box(0.2, 0.2, 0.6, 0.6, "cow")}]})
    r = b["annotations"][0]["data"]["regions"][0]
    check(r["region_info"]["bounding_box"]["top_row"] == 0.2 and
          r["data"]["concepts"][0]["id"] == "cow", "overwrite: data replaced")
    s, _, b = c.request("PATCH", UA + "/annotations", {
        "action": "remove", "delete_if_empty_data": True, "annotations": [
            {"id": "b2", "input_id": "p1", "data": {"concepts": [{"id": "x"}, {"id": "y"}]}}]})
    check(s == 200 and "b2" not in [x["id"] for x in c.request("GET", "/_state")[2]["annotations"]],
          "remove with delete_if_empty_data deletes the emptied annotation")
    s, _, b = c.request("PATCH", UA + "/annotations", {"action": "replace", "annotations": [
        {"id": "b1", "input_id": "p1"}]})
    check(s == 400, "an unknown action: refused")
    s, _, b = c.request("DELETE", UA + "/annotations", {"input_ids": ["p1"], "ids": ["b1", "x"]})
    check(s == 400, "ids and input_ids of different lengths: refused")
    s, _, b = c.request("DELETE", UA + "/annotations",
                        {"input_ids": ["p1", "p1"], "ids": ["b1", "gone"]})
    check(s == 200 and b["status"]["code"] == 10000, "delete pairs (a missing one ignored)")
    st = c.request("GET", "/_state")[2]
    check(st["items"]["annotations"]["b1"]["deleted"] == 1, "state: deletes counted")
    c.request("POST", UA + "/annotations",
              {"annotations": [{"id": "b3", "input_id": "p1", "data": d}]})
    s, _, b = c.request("DELETE", UA + "/annotations", {"input_ids": ["p1"]})
    left = [x for x in c.request("GET", "/_state")[2]["annotations"] if x["input_id"] == "p1"]
    check(s == 200 and len(left) == 1 and left[0]["input_level"],
          "delete by input_ids keeps the input-level annotation")
    server.app.opts.strict_delete = True
    try:
        s, _, b = c.request("DELETE", UA + "/annotations", {"input_ids": ["p1"], "ids": ["gone"]})
        check(s == 404 and b["status"]["code"] == 11101, "--strict-delete: a missing pair refused")
    finally:
        server.app.opts.strict_delete = False
    c.request("POST", UA + "/annotations",
              {"annotations": [{"id": "b4", "input_id": "p1", "data": d}]})
    s, _, b = c.request("GET", UA + "/inputs/p1/annotations/b4")
    check(s == 200 and b["annotation"]["id"] == "b4", "get annotation")
    s, _, b = c.request("DELETE", UA + "/inputs/p1/annotations/b4")
    s2, _, _ = c.request("GET", UA + "/inputs/p1/annotations/b4")
    check(s == 200 and s2 == 404, "delete one annotation by path")


def st_lists(c, check, server):
    c.request("POST", UA + "/inputs", st_inputs(["l%d" % i for i in range(5)]))
    c.request("POST", UA + "/annotations", {"annotations": [
        {"id": "n%d" % i, "input_id": "l%d" % (i % 2), "data": st_box(0.1, 0.1, 0.2, 0.2)}
        for i in range(6)]})
    s, _, b = c.request("GET", UA + "/inputs?page=2&per_page=2")
    check([i["id"] for i in b["inputs"]] == ["l2", "l3"], "list inputs: pages")
    s, _, b = c.request("GET", UA + "/inputs?ids=l4&ids=l0")
    check([i["id"] for i in b["inputs"]] == ["l0", "l4"], "list inputs by ids")
    s, _, b = c.request("GET", UA + "/annotations?input_ids=l1&per_page=100")
    ids = [a["id"] for a in b["annotations"] if not a.get("input_level")]
    check(ids == ["n1", "n3", "n5"], "list annotations by input_ids")
    s, _, b = c.request("GET", UA + "/inputs/l0/annotations?per_page=2&page=2")
    check([a["id"] for a in b["annotations"]] == ["n2", "n4"], "list an input's annotations, paged")
    s, _, b = c.request("GET", UA + "/annotations?input_ids=l0&ids=n4")
    check([a["id"] for a in b["annotations"]] == ["n4"], "list annotations by ids")
    s, _, b = c.request("GET", UA + "/annotations?page=x")
    check(s == 400, "a bad page: 400")


def st_faults_http(c, check, server):
    c.request("POST", "/_schedule", {"rules": [
        {"kind": "list_inputs", "nth": 1, "action": "http_error", "status": 429, "retry_after": 2},
        {"kind": "list_inputs", "nth": 2, "action": "http_error", "status": 500},
        {"kind": "list_inputs", "nth": 3, "action": "http_error", "status": 503},
        {"kind": "list_inputs", "nth": 4, "action": "http_error", "status": 502, "body": "empty"}]})
    s, h, b = c.request("GET", UA + "/inputs")
    check(s == 429 and h.get("Retry-After") == "2" and b["status"]["code"] == 11005,
          "429 with Retry-After and CONN_THROTTLED")
    s, _, b = c.request("GET", UA + "/inputs")
    check(s == 500 and b["status"]["code"] == 98004, "500 with an internal error status")
    s, h, raw = c.request("GET", UA + "/inputs", raw=True)
    check(s == 503 and raw.startswith(b"<html>"), "503 with an HTML body")
    s, h, raw = c.request("GET", UA + "/inputs", raw=True)
    check(s == 502 and raw == b"", "502 with an empty body")
    s, _, b = c.request("GET", UA + "/inputs")
    check(s == 200, "the fifth request goes through")
    st = c.request("GET", "/_state")[2]
    check(st["counters"]["faults"]["http_error"] == 4 and
          [r["fired"] for r in st["schedule"]["rules"]] == [1, 1, 1, 1], "fault counters")
    s, _, b = c.request("POST", "/_schedule", {"rules": [{"action": "explode"}]})
    check(s == 400, "a bad schedule: 400")
    s, _, b = c.request("POST", "/_schedule", {"rules": [{"kind": "list_inputs",
                                                          "action": "pending", "polls": 1}]})
    check(s == 400, "pending on a list: 400")


def st_faults_connection(c, check, server):
    c.request("POST", UA + "/inputs", st_inputs(["c1"]))
    c.request("POST", "/_schedule", {"rules": [
        {"kind": "post_annotations", "nth": 1, "action": "close_before"},
        {"kind": "post_annotations", "nth": 2, "action": "close_after"},
        {"kind": "post_annotations", "nth": 3, "action": "slow", "delay": 0.4},
        {"kind": "post_annotations", "nth": 4, "action": "slow", "delay": 0.2, "apply": "no"},
        {"kind": "post_annotations", "nth": 5, "action": "close_before", "reset": True},
        {"kind": "post_annotations", "nth": 6, "action": "slow", "delay": 0.1, "apply": "before"}]})
    body = lambda i: {"annotations": [{"id": "k%d" % i, "input_id": "c1",
                                       "data": st_box(0.1, 0.1, 0.2, 0.2)}]}
    ids = lambda: {a["id"] for a in c.request("GET", "/_state")[2]["annotations"]}
    for i, (what, applied) in enumerate([("close_before", False), ("close_after", True)]):
        try:
            c.request("POST", UA + "/annotations", body(i))
            check(False, "%s: no answer expected" % what)
        except (http.client.HTTPException, OSError):
            check(True, "%s: no answer" % what)
        check((("k%d" % i) in ids()) == applied, "%s: applied %s" % (what, applied))
    try:
        c.request("POST", UA + "/annotations", body(2), timeout=0.1)
        check(False, "slow: the client times out")
    except (socket.timeout, OSError):
        check("k2" not in ids(), "slow: not applied yet when the client gives up")
    time.sleep(0.45)
    check("k2" in ids(), "slow: applied after the delay")
    s, _, b = c.request("POST", UA + "/annotations", body(3), timeout=2)
    check(s == 500 and b["status"]["code"] == 98009 and "k3" not in ids(),
          "slow, apply no: 500 98009, not applied")
    try:
        c.request("POST", UA + "/annotations", body(4))
        check(False, "reset: no answer expected")
    except (http.client.HTTPException, OSError):
        check("k4" not in ids(), "close_before with reset: not applied")
    s, _, b = c.request("POST", UA + "/annotations", body(5), timeout=2)
    check(s == 200 and "k5" in ids(), "slow, apply before: answered late, applied")
    s, _, b = c.request("POST", UA + "/annotations", body(6))
    check(s == 200, "after the faults, a request goes through")


def st_faults_items(c, check, server):
    c.request("POST", "/_schedule", {"seed": 3, "rules": [
        {"nth": 1, "action": "pending", "polls": 3, "items": [0]},
        {"nth": 1, "action": "download_fail", "items": [1]},
        {"kind": "post_annotations", "nth": 1, "action": "mixed", "items": [1], "code": 98004},
        {"kind": "post_annotations", "nth": 2, "action": "mixed", "fraction": 0.5, "code": 24155},
        {"kind": "patch_annotations", "nth": 1, "action": "mixed", "items": [0], "code": 11005}]})
    c.request("POST", UA + "/inputs", st_inputs(["m1", "m2", "m3"], inputs_add_job_id="jm"))
    progress = [c.request("GET", UA + "/inputs/jobs/add/jm")[2]["inputs_add_job"]["progress"]
                for _ in range(4)]
    check(progress[0] == {"pending_count": "1", "success_count": "1", "failed_count": "1"},
          "job poll 1: one pending, one failed, one done")
    check(progress[2] == {"in_progress_count": "1", "success_count": "1", "failed_count": "1"},
          "job poll 3: in progress")
    check(progress[3] == {"success_count": "2", "failed_count": "1"}, "job poll 4: done")
    s, _, b = c.request("GET", UA + "/inputs/m2")
    check(b["input"]["status"]["code"] == 30002, "download_fail: INPUT_DOWNLOAD_FAILED")
    anns = {"annotations": [{"id": "q%d" % i, "input_id": "m1", "data": st_box(0.1, 0.1, 0.2, 0.2)}
                            for i in range(4)]}
    s, _, b = c.request("POST", UA + "/annotations", anns)
    codes = [a["status"]["code"] for a in b["annotations"]]
    check(b["status"]["code"] == 10010 and codes == [24150, 98004, 24150, 24150],
          "mixed: item 1 refused with 98004")
    state = {a["id"] for a in c.request("GET", "/_state")[2]["annotations"]}
    check("q1" not in state and "q0" in state, "mixed: refused item not applied")
    anns = {"annotations": [{"id": "w%d" % i, "input_id": "m1", "data": st_box(0.1, 0.1, 0.2, 0.2)}
                            for i in range(4)]}
    s, _, b = c.request("POST", UA + "/annotations", anns)
    codes = [a["status"]["code"] for a in b["annotations"]]
    check(codes.count(24155) == 2 and codes.count(24150) == 2, "mixed: a fraction refused")
    s, _, b = c.request("PATCH", UA + "/annotations", {"action": "merge", "annotations": [
        {"id": "q0", "input_id": "m1", "data": {"concepts": [{"id": "a"}]}}]})
    check(s == 429 and b["status"]["code"] == 11005, "mixed, every item: the items' code")


def st_revoke(c, check, server):
    c.request("POST", "/_schedule",
              {"rules": [{"kind": "list_inputs", "nth": 2, "action": "revoke"}]})
    codes = [c.request("GET", UA + p)[0] for p in ("/inputs", "/inputs", "/inputs", "/annotations")]
    check(codes == [200, 401, 401, 401], "revoke: 401 from the 2nd request on, every kind")
    check(c.request("GET", "/_state")[2]["revoked"], "state: revoked")


def st_conditions(c, check, server):
    c.request("POST", "/_schedule", {"rules": [
        {"kind": "list_inputs", "every": 3, "from": 4, "until": 12, "times": 2,
         "action": "http_error", "status": 503},
        {"kind": ["get_input", "list_inputs"], "method": "GET", "nth": [2, 13],
         "action": "http_error", "status": 500}]})
    got = [c.request("GET", UA + "/inputs", raw=True)[0] for _ in range(14)]
    want = [200] * 14
    want[5] = want[8] = 503         # m = 6 and 9: every 3rd from the 4th, twice
    want[1] = want[12] = 500        # nth 2 and 13 of the second rule
    check(got == want, "every/from/until/times/nth conditions: %s" % got)
    st = c.request("GET", "/_state")[2]["schedule"]["rules"]
    check([r["matched"] for r in st] == [14, 14] and [r["fired"] for r in st] == [2, 2],
          "rules count their matches and firings")


def st_probability(c, check, server):
    def run():
        c.request("POST", "/_reset", {"seed": 11, "rules": [
            {"kind": "list_inputs", "probability": 0.5, "action": "http_error", "status": 503}]})
        return [c.request("GET", UA + "/inputs", raw=True)[0] for _ in range(20)]
    first, second = run(), run()
    check(first == second and 200 in first and 503 in first,
          "probability: reproducible with a seed")


def st_state_endpoints(c, check, server):
    c.request("POST", UA + "/inputs", st_inputs(["s1"]))
    c.request("GET", UA + "/inputs")
    st = c.request("GET", "/_state")[2]
    check(st["counters"]["requests"] == {"post_inputs": 1, "list_inputs": 1} and
          st["counters"]["responses"]["post_inputs"] == {"200": 1} and
          st["user_app_id"] == {"user_id": "me", "app_id": "app1"}, "state: counters, user/app")
    c.request("POST", "/_reset", b"")
    st = c.request("GET", "/_state")[2]
    check(st["inputs"] == [] and st["counters"]["requests"] == {}, "reset: empty state")
    check(f32(0.1) == 0.1 and f32(1 / 3) == 0.33333334 and f32(0.9114583333333334) == 0.9114583
          and f32(0.25) == 0.25 and f32(1e-7) == 1e-7 and f32(16777217) == 16777216,
          "float32 shortest form")
    obj = {"bounding_box": {"top_row": 0.0, "left_col": 0.5},
           "concepts": [{"id": "a", "value": 0.0}]}
    check(render(obj, True) == {"bounding_box": {"left_col": 0.5}, "concepts": [{"id": "a"}]} and
          render(obj, False) == {"bounding_box": {"top_row": 0, "left_col": 0.5},
                                 "concepts": [{"id": "a", "value": 0}]},
          "--plain-json drops zero coordinates and values; the default keeps them")


def st_transport(c, check, server):
    """A chunked body, and a body over --max-body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    body = json.dumps(st_inputs(["u1"])).encode()
    conn.request("POST", UA + "/inputs", body=iter([body[:10], body[10:]]), encode_chunked=True,
                 headers={"Authorization": "Key " + SELF_TOKEN})
    r = conn.getresponse()
    check(r.status == 200 and json.loads(r.read())["inputs"][0]["id"] == "u1", "a chunked body")
    conn.close()
    server.app.opts.max_body = 100
    try:
        s, h, b = c.request("POST", UA + "/inputs", st_inputs(["u2", "u3", "u4"]))
        check(s == 413 and b["status"]["code"] == 40033 and h.get("Connection") == "close",
              "a body over --max-body: 413, connection closed")
    finally:
        server.app.opts.max_body = MAX_BODY_BYTES


def st_process(check):
    """The command line: port file, a request, SIGTERM, no token in any output."""
    d = tempfile.mkdtemp(prefix="fake_api-")
    pf, log = os.path.join(d, "port"), os.path.join(d, "log")
    try:
        env = dict(os.environ, FAKE_API_TOKEN=SELF_TOKEN)
        p = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--port-file", pf,
                              "--idle-timeout", "5", "--log", log], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 5
        while not os.path.exists(pf) and time.monotonic() < deadline:
            time.sleep(0.02)
        port = int(open(pf).read())
        s, _, _ = Client(port).request("POST", UA + "/inputs", st_inputs(["t1"]))
        Client(port).request("GET", UA + "/inputs", token="other")
        check(s == 200, "process: answers on the port it wrote")
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=5)
        check(p.returncode == 0, "process: SIGTERM stops it with status 0")
        logged = open(log, "rb").read()
        check(SELF_TOKEN.encode() not in out + err + logged and b"post_inputs" in logged,
              "process: the token is in no output and no log")
    finally:
        for f in (pf, log):
            if os.path.exists(f):
                os.unlink(f)
        os.rmdir(d)
    st_idle_and_usage(check)


def st_idle_and_usage(check):
    """The idle timeout, and a bad --schedule as a usage error (in this process)."""
    args = parse_args(["--token", SELF_TOKEN, "--idle-timeout", "0.2"])[1]
    server = make_server(SELF_TOKEN, args)
    done = threading.Event()

    def serve():
        server.serve_forever(poll_interval=0.02)
        done.set()
    threading.Thread(target=serve, daemon=True).start()
    start_watchdog(server, 0.2)
    Client(server.server_address[1]).request("GET", UA + "/inputs")
    check(done.wait(3), "stops by itself when idle")
    server.server_close()
    saved = sys.stderr
    sys.stderr = io.StringIO()
    try:
        main(["--token", "x", "--schedule", "/nonexistent/schedule.json"])
        check(False, "a bad --schedule is a usage error")
    except SystemExit as e:
        check(e.code == 2, "a bad --schedule is a usage error (exit 2)")
    finally:
        sys.stderr = saved


if __name__ == "__main__":
    sys.exit(main())
