#!/usr/bin/python3
"""c10k-server's Python peer: the same endpoints, options and /stats, standard library only.

Four models, each what a Python user would write:
  py-threads      socketserver.ThreadingMixIn: a thread per connection, a
                  BaseHTTPRequestHandler subclass doing blocking reads and writes
  py-asyncio      one asyncio loop (uvloop's where it is importable) doing everything
  py-threadpool   the asyncio front, handing /work, /sleep and /data to
                  loop.run_in_executor with a ThreadPoolExecutor
  py-processpool  the same with a ProcessPoolExecutor: the one-line swap

Every model reads a request the same way (read_request, a generator that says what it needs
read, driven by blocking reads in py-threads and by a StreamReader in the others), has the
standard library's BaseHTTPRequestHandler.parse_request parse the head, and answers through the
same resolve/respond code: only the concurrency differs. See peers/python/README.md.
"""

import argparse
import asyncio
import concurrent.futures
import email.utils
import errno
import http.server
import io
import json
import multiprocessing
import os
import platform
import re
import resource
import signal
import socket
import socketserver
import sys
import threading
import time
from urllib.parse import parse_qsl

VERSION = "1"
ENTRY_BYTES = 1024          # one entry of the data set
CHUNK_LINE_MAX = 1024       # a chunk-size line with its extensions (the C server's limit)
BODY_READ_BYTES = 65536     # one read of a body
MAX_EMPTY_LINES = 4         # empty lines skipped before a request line (RFC 9112 §2.2)
LINGER_S = 2.0              # reading what a client still sends after an answer that closes


# ---- options: one table for the parser, --help and /stats's config ----

def parse_size(text):
    """A byte count with an optional K, M or G suffix (powers of 1024)."""
    m = re.fullmatch(r"([0-9]+)([KMG]?)", text.strip(), re.I)
    if not m:
        raise ValueError(f"'{text}' is not a size (N, NK, NM, NG)")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]


def parse_duration(text):
    """Seconds from N (seconds), Nms, Ns or Nm."""
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m)?", text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a duration (N, Nms, Ns, Nm)")
    return float(m.group(1)) * {None: 1, "s": 1, "ms": 0.001, "m": 60}[m.group(2)]


def parse_count(text):
    if not re.fullmatch(r"[0-9]+", text.strip()):
        raise ValueError(f"'{text}' is not a whole number")
    return int(text)


def parse_positive(text):
    n = parse_count(text)
    if n < 1:
        raise ValueError("must be at least 1")
    return n


def parse_port(text):
    n = parse_count(text)
    if n > 65535:
        raise ValueError(f"'{text}' is not a port (0-65535)")
    return n


CPUS = os.cpu_count() or 1

# (option, parser, default, help); None as a default is worked out at start.
OPTIONS = (
    ("--mode", str, "py-asyncio", "py-threads, py-asyncio, py-threadpool or py-processpool"),
    ("--event-loop", str, "auto", "asyncio models: uvloop, asyncio, or auto (uvloop if it imports)"),
    ("--host", str, "127.0.0.1", "address to listen on"),
    ("--port", parse_port, 8080, "port to listen on; 0 picks a free one"),
    ("--threads", parse_positive, 2 * CPUS, "py-threadpool: ThreadPoolExecutor workers"),
    ("--processes", parse_positive, CPUS, "py-processpool: ProcessPoolExecutor workers"),
    ("--dataset", parse_size, 0, "build SIZE/1024 entries of 1,024 bytes for /data (K/M/G)"),
    ("--backlog", parse_positive, 4096, "listen backlog"),
    ("--max-conns", parse_positive, None, "open connections; more get 503 (fd limit - 32)"),
    ("--max-head-bytes", parse_size, 8 << 10, "request line and header fields (431)"),
    ("--max-target-bytes", parse_size, 4 << 10, "request target (414)"),
    ("--max-headers", parse_positive, 64, "header fields (431)"),
    ("--max-body-bytes", parse_size, 1 << 20, "request body (413)"),
    ("--output-limit", parse_size, 64 << 10, "asyncio models: unsent output per connection"),
    ("--keepalive-requests", parse_count, 1000, "requests per connection (0: no limit)"),
    ("--header-timeout", parse_duration, 10.0, "to receive a request head, from its first byte"),
    ("--body-timeout", parse_duration, 30.0, "between two reads of a body"),
    ("--keepalive-timeout", parse_duration, 75.0, "idle time between requests"),
    ("--write-timeout", parse_duration, 30.0, "for a write to make progress"),
    ("--drain-timeout", parse_duration, 10.0, "on SIGINT/SIGTERM, to finish requests in flight"),
    ("--max-work-us", parse_count, 1000000, "largest /work?cpu_us"),
    ("--max-sleep-ms", parse_count, 60000, "largest /sleep?ms"),
)


class OneLineParser(argparse.ArgumentParser):
    """A bad option is one line naming it and exit status 2, in c10k-server's words where
    argparse's say the same thing."""

    REWORDED = (
        (re.compile(r"argument (\S+): expected one argument"), r"\1: needs a value (see --help)"),
        (re.compile(r"argument (\S+): ignored explicit argument .*"), r"\1: takes no value"),
        (re.compile(r"unrecognized arguments: (--\S+).*"), r"\1: unknown option (see --help)"),
        (re.compile(r"unrecognized arguments: (\S+).*"), r"unexpected argument '\1' (see --help)"),
        (re.compile(r"argument (\S+): (.*)"), r"\1: \2"),
    )

    def error(self, message):
        for pattern, words in self.REWORDED:
            if pattern.fullmatch(message):
                message = pattern.sub(words, message)
                break
        sys.stderr.write(f"c10k_server.py: {message}\n")
        sys.exit(2)


def option_type(name, parse):
    def convert(text):
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e))  # argparse names the option
    convert.__name__ = name
    return convert


METAVARS = {parse_size: "SIZE", parse_duration: "TIME", parse_count: "N", parse_positive: "N",
            parse_port: "PORT", str: "NAME"}


def parse_options(argv):
    p = OneLineParser(description="c10k-lab's Python HTTP/1.1 server (standard library only)")
    for name, parse, default, help_text in OPTIONS:
        shown = "" if default is None else f" (default {default})"
        p.add_argument(name, type=option_type(name, parse), default=default,
                       metavar=METAVARS[parse], help=help_text + shown)
    p.add_argument("--quiet", action="store_true", help="no log lines on stderr")
    cfg = p.parse_args(argv)
    if cfg.mode not in MODES:
        p.error(f"--mode: '{cfg.mode}' is not one of {', '.join(MODES)}")
    if cfg.event_loop not in ("auto", "uvloop", "asyncio"):
        p.error(f"--event-loop: '{cfg.event_loop}' is not auto, uvloop or asyncio")
    if cfg.dataset and cfg.dataset < ENTRY_BYTES:
        p.error(f"--dataset: {cfg.dataset} bytes is less than one {ENTRY_BYTES}-byte entry")
    return cfg


def log(cfg, message):
    if not cfg.quiet:
        sys.stderr.write(f"c10k_server.py: {message}\n")


# ---- counters: one table, summed over per-thread shards when read ----

ENDPOINTS = ("plaintext", "json", "work", "sleep", "echo", "data", "stats", "dashboard", "other")
COUNTERS = (
    "connections.active", "connections.accepted", "connections.handled",
    "connections.rejected", "connections.closed", "connections.reading",
    "connections.writing", "connections.waiting",
    "requests.total", *(f"requests.by_endpoint.{e}" for e in ENDPOINTS),
    *(f"responses.{k}xx" for k in range(1, 6)),
    "errors.parse", "errors.bad_param", "errors.timeout", "errors.io", "errors.accept",
    "errors.emfile", "errors.thread_create", "errors.max_conns", "errors.keepalive_closed",
    "errors.client_abort",
    "bytes.in", "bytes.out",
)


class Stats:
    """Each serving thread counts in a dict of its own (a shard); /stats sums them. A shard whose
    connection has ended is folded into `retired`, so the list holds live connections only."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = []
        self.retired = dict.fromkeys(COUNTERS, 0)
        self.start = time.monotonic()

    def shard(self):
        s = dict.fromkeys(COUNTERS, 0)
        with self.lock:
            self.live.append(s)
        return s

    def retire(self, s):
        with self.lock:
            self.live.remove(s)
            for k, v in s.items():
                self.retired[k] += v

    def snapshot(self):
        with self.lock:
            total = dict(self.retired)
            for s in self.live:
                for k, v in s.items():
                    total[k] += v
        return total


def nest(flat):
    """{"a.b": 1} as {"a": {"b": 1}}, in the table's order."""
    out = {}
    for key, value in flat.items():
        node = out
        *groups, name = key.split(".")
        for g in groups:
            node = node.setdefault(g, {})
        node[name] = value
    return out


# ---- the data set: built before any pool or fork ----

def build_dataset(size):
    """SIZE/1024 entries of 1,024 bytes, as c10k-server builds them. Entry k: bytes 0-7 its
    write counter (64-bit little-endian, 0 at start), then k as a 64-bit little-endian integer
    in each of the 127 following 8-byte words. A list of bytearray: the entries are updated in
    place by /data?write=1, which bytes objects cannot be."""
    words = (ENTRY_BYTES - 8) // 8
    return [bytearray(8) + k.to_bytes(8, "little") * words
            for k in range(size // ENTRY_BYTES)]


DATASET = None  # module-level, so that forked pool workers see the parent's list


# ---- the jobs: module-level functions, so that a ProcessPoolExecutor can pickle them ----

def job_work(cpu_us):
    """About cpu_us µs of this thread's CPU time spent in Python bytecode, holding the
    interpreter lock (thread_time counts no time spent waiting for it)."""
    end = time.thread_time_ns() + cpu_us * 1000
    x = 88172645463325252
    while time.thread_time_ns() < end:
        for _ in range(50):
            x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
            x ^= x >> 7
            x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
    return b"done\n"


def job_sleep(ms):
    """A blocking sleep, standing for blocking I/O (as in c10k-server's thread models)."""
    time.sleep(ms / 1000)
    return b"done\n"


def job_data(key, write):
    """Entry `key` of the data set; with `write`, its counter is incremented first."""
    entry = DATASET[key]
    if write:
        counter = int.from_bytes(entry[:8], "little") + 1
        entry[:8] = (counter & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "little")
    return bytes(entry)


def job_nothing():
    return os.getpid()


def pool_worker_init():
    """The front handles SIGINT and SIGTERM and shuts the pool down; a worker that took the
    terminal's SIGINT would die mid-task and break the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


# ---- reading a request: a generator that says what it needs, driven by each front ----

LINE, SOME, FIRST, SEND = range(4)      # what the generator asks of its driver
IDLE, HEAD, BODY = range(3)             # which timeout applies to that read


class HttpError(Exception):
    """A malformed request answered with `status`; `close` when its framing can no longer be
    trusted (every case but 501)."""

    def __init__(self, status, close=True):
        super().__init__(status)
        self.status, self.close, self.counter = status, close, "errors.parse"


class ClientGone(Exception):
    """The client closed amid a request."""


TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
REQUEST_LINE = re.compile(rb"(" + TOKEN + rb") ([\x21-\x7e]+) HTTP/([0-9])\.([0-9])")
FIELD_LINE = re.compile(rb"(" + TOKEN + rb"):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*")
QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
CHUNK_EXT = rb"[ \t]*;[ \t]*" + TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + TOKEN + rb"|" + QUOTED + rb"))?"
CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)((?:" + CHUNK_EXT + rb")*)")
ABSOLUTE_TARGET = re.compile(rb"https?://([^/?#]+)([/?].*)?", re.I)
METHODS = {b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE",
           b"CONNECT"}


class Request:
    __slots__ = ("method", "path", "query", "minor", "keep_alive", "headers", "body")


def line_end(line):
    return b"\r\n" if line.endswith(b"\r\n") else b"\n"


def read_line(line, limit, status):
    """A line as the driver returned it: complete, cut at the limit (status), or cut by EOF."""
    if line.endswith(b"\n"):
        return line
    if len(line) >= limit:
        raise HttpError(status)
    raise ClientGone()


def read_request(cfg):
    """Yields what it needs: (FIRST, 1, IDLE) the first byte of a request, (LINE, limit, phase)
    a line of at most `limit` bytes (cut at the limit or at EOF), (SOME, n, phase) 1 to n bytes
    as they arrive, (SEND, bytes, None) bytes to write. Is sent the bytes read (b"" at EOF);
    returns a Request, or None when the client closed between requests. Raises HttpError for
    what must be answered with an error, ClientGone when the client left amid a request."""
    budget = cfg.max_head_bytes
    skipped = []
    while True:
        first = yield (FIRST, 1, IDLE)
        if not first:
            return None
        line = first if first == b"\n" else first + (yield (LINE, budget, HEAD))
        line = read_line(line, budget, 414)
        if line not in (b"\r\n", b"\n"):
            break
        skipped.append(line)
        if len(skipped) > MAX_EMPTY_LINES:
            raise HttpError(400)
    style = line_end(line)
    if any(s != style for s in skipped):
        raise HttpError(400)
    budget -= len(line)
    fields = []
    while True:
        field = read_line((yield (LINE, budget + 1, HEAD)), budget + 1, 431)
        budget -= len(field)
        if budget < 0:
            raise HttpError(431)
        if line_end(field) != style:
            raise HttpError(400)
        if field == style:
            break
        fields.append(field)
        if len(fields) > cfg.max_headers:
            raise HttpError(431)
    req = parse_head(line, fields, style, cfg)
    req.body = yield from read_body(req, cfg, style)
    return req


def check_request_line(line, style, cfg):
    """The C server's rules for a request line: (method, target, minor version)."""
    m = REQUEST_LINE.fullmatch(line[:-len(style)])
    if not m:
        raise HttpError(400)
    method, target, major, minor = m.groups()
    if major != b"1":
        raise HttpError(505)
    if len(target) > cfg.max_target_bytes:
        raise HttpError(414)
    if target[:1] != b"/":
        absolute = ABSOLUTE_TARGET.fullmatch(target)
        if not absolute:
            raise HttpError(400)
        target = absolute.group(2) or b"/"
    return method, target, int(minor)


def check_fields(fields, style):
    """Each field line a token, a colon and a value of visible bytes (no obs-fold, no
    whitespace before the colon, no control bytes): {lower-case name: [values]}."""
    found = {}
    for f in fields:
        m = FIELD_LINE.fullmatch(f[:-len(style)])
        if not m:
            raise HttpError(400)
        found.setdefault(m.group(1).lower(), []).append(m.group(2))
    return found


def content_length(values):
    """One length from every Content-Length value (identical repeats allowed), or 400."""
    lengths = {v.strip() for field in values for v in field.split(b",")}
    if len(lengths) != 1:
        raise HttpError(400)
    n = lengths.pop()
    if not n.isdigit() or int(n) > 2**63 - 1:
        raise HttpError(400)
    return int(n)


def check_framing(fields, minor, method):
    """(content length or None, chunked) from the body's framing, with the C server's refusals."""
    cl = fields.get(b"content-length")
    te = fields.get(b"transfer-encoding")
    if te is None:
        length = content_length(cl) if cl is not None else None
        if method == b"CONNECT" and length:
            raise HttpError(400)
        return length, False
    codings = [c.strip().lower() for field in te for c in field.split(b",")]
    if cl is not None or minor == 0 or method == b"CONNECT":
        raise HttpError(400)
    if codings[-1:] != [b"chunked"] or codings.count(b"chunked") != 1:
        raise HttpError(400)
    return None, True


class HeadParser(http.server.BaseHTTPRequestHandler):
    """The standard library's request parser (BaseHTTPRequestHandler.parse_request, which reads
    the fields with http.client.parse_headers) run on a head already read and checked. Its
    error answers are raised, so that one writer answers them in every model."""

    protocol_version = "HTTP/1.1"

    def __init__(self, line, fields):  # no socket: the head is given
        self.raw_requestline = line
        self.rfile = io.BytesIO(b"".join(fields) + b"\r\n")

    def send_error(self, code, message=None, explain=None):
        raise HttpError(int(code))

    def handle_expect_100(self):
        return True  # read_body sends 100 Continue once the body is known to be wanted


def parse_head(line, fields, style, cfg):
    method, target, minor = check_request_line(line, style, cfg)
    found = check_fields(fields, style)
    hosts = found.get(b"host", [])
    if minor >= 1 and len(hosts) != 1:
        raise HttpError(400)
    parser = HeadParser(line, fields)
    if not parser.parse_request():
        raise HttpError(400)
    req = Request()
    req.method = method
    path, _, query = target.partition(b"?")
    req.path, req.query = path.decode("latin-1"), query.decode("latin-1")
    req.minor = min(minor, 1)
    tokens = {t.strip().lower() for v in found.get(b"connection", []) for t in v.split(b",")}
    req.keep_alive = b"keep-alive" in tokens if minor == 0 else b"close" not in tokens
    req.headers = parser.headers
    req.body = found  # the checked fields, until read_body replaces them with the body
    return req


def read_body(req, cfg, style):
    """The body per its framing (b"" for none): yields reads like read_request."""
    found = req.body
    length, chunked = check_framing(found, req.minor, req.method)
    if length is not None and length > cfg.max_body_bytes:
        raise HttpError(413)
    expect = [v.lower() for v in found.get(b"expect", [])]
    if req.minor >= 1 and b"100-continue" in expect and (length or chunked):
        yield (SEND, b"HTTP/1.1 100 Continue\r\n\r\n", None)
    if chunked:
        return (yield from read_chunked(cfg, style))
    if length is None:
        return None  # no body: POST /echo answers 411
    return (yield from read_exact(length))


def read_exact(n):
    """n bytes of a body, read as they arrive (so that bytes.in counts what came)."""
    parts = []
    while n:
        data = yield (SOME, min(n, BODY_READ_BYTES), BODY)
        if not data:
            raise ClientGone()
        parts.append(data)
        n -= len(data)
    return b"".join(parts)


def read_chunked(cfg, style):
    parts, total = [], 0
    while True:
        line = read_line((yield (LINE, CHUNK_LINE_MAX, BODY)), CHUNK_LINE_MAX, 400)
        m = CHUNK_LINE.fullmatch(line[:-len(line_end(line))])
        if line_end(line) != style or not m or (m.group(2) and style == b"\n"):
            raise HttpError(400)
        size_hex = m.group(1).lstrip(b"0") or b"0"
        if len(size_hex) > 16 or int(size_hex, 16) > 2**63 - 1:
            raise HttpError(400)
        size = int(size_hex, 16)
        if size == 0:
            break
        total += size
        if total > cfg.max_body_bytes:
            raise HttpError(413)
        parts.append((yield from read_exact(size)))
        if (yield from read_exact(len(style))) != style:
            raise HttpError(400)
    budget = cfg.max_head_bytes
    while True:  # the trailer section: field lines, read and discarded
        field = read_line((yield (LINE, budget + 1, BODY)), budget + 1, 431)
        budget -= len(field)
        if budget < 0:
            raise HttpError(431)
        if line_end(field) != style:
            raise HttpError(400)
        if field == style:
            return b"".join(parts)
        check_fields([field], style)


# ---- routing: what a request asks for, and the answer to it ----

class Route:
    __slots__ = ("name", "post", "params")

    def __init__(self, name, post=False, params=()):
        self.name, self.post, self.params = name, post, params


ROUTES = {
    "/plaintext": Route("plaintext"),
    "/json": Route("json"),
    "/work": Route("work", params=("cpu_us",)),
    "/sleep": Route("sleep", params=("ms",)),
    "/data": Route("data", params=("key", "write")),
    "/echo": Route("echo", post=True),
    "/stats": Route("stats"),
    "/dashboard": Route("dashboard"),
    "/dashboard/chart.js": Route("dashboard"),
}
HERE = os.path.dirname(os.path.abspath(__file__))
# The live page c10k-server serves (it draws from /stats, whose shape this server shares) and
# Debian's libjs-chart.js: path, (file, content type), read once at start.
ASSET_FILES = {
    "/dashboard": (os.path.join(HERE, "..", "..", "server", "dashboard.html"),
                   "text/html; charset=utf-8"),
    "/dashboard/chart.js": ("/usr/share/javascript/chart.js/chart.min.js", "text/javascript"),
}
ASSETS = {}


def load_assets():
    for path, (file, ctype) in ASSET_FILES.items():
        try:
            with open(file, "rb") as f:
                ASSETS[path] = (f.read(), ctype)
        except OSError:
            pass  # answered 404, naming the file
DECIMAL = re.compile(r"[0-9]{1,10}")


def query_params(query, names):
    """The route's parameters as ints, or None when one is repeated or not a plain decimal."""
    got = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in names:
            if name in got or not DECIMAL.fullmatch(value):
                return None
            got[name] = int(value)
    return got


class Call:
    """What the front must do for a request: a job with its arguments, or a body at once;
    `counter` is an error counter the answer adds to."""
    __slots__ = ("endpoint", "job", "args", "status", "body", "ctype", "extra", "counter")

    def __init__(self, endpoint, job=None, args=(), status=200, body=b"", ctype="text/plain",
                 extra="", counter=None):
        self.endpoint, self.job, self.args = endpoint, job, args
        self.status, self.body, self.ctype, self.extra = status, body, ctype, extra
        self.counter = counter


def bad_param(endpoint):
    """A well-formed request with a bad parameter: 400 on a connection that stays open."""
    return Call(endpoint, status=400, counter="errors.bad_param")


def resolve(req, cfg):
    """The Call for a well-formed request; HttpError for 404, 405, 411, 501 and bad parameters,
    which keep the connection (its framing was sound)."""
    if req.method not in METHODS:
        raise HttpError(501, close=False)
    route = ROUTES.get(req.path)
    if route is None:
        return Call("other", status=404)
    allowed = req.method == b"POST" if route.post else req.method in (b"GET", b"HEAD")
    if not allowed:
        return Call(route.name, status=405,
                    extra="Allow: POST\r\n" if route.post else "Allow: GET, HEAD\r\n")
    if route.post and req.body is None:
        raise HttpError(411)
    p = query_params(req.query, route.params)
    if p is None:
        return bad_param(route.name)
    return route_call(route.name, p, req, cfg)


def route_call(name, p, req, cfg):
    if name == "plaintext":
        return Call(name, body=b"Hello, World!")
    if name == "json":
        return Call(name, body=b'{"message":"Hello, World!"}', ctype="application/json")
    if name == "echo":
        return Call(name, body=req.body, ctype="application/octet-stream")
    if name == "stats":
        return Call(name, ctype="application/json")  # the front fills it in
    if name == "dashboard":
        if req.path not in ASSETS:
            return Call(name, status=404,
                        body=f"404 Not Found: no {ASSET_FILES[req.path][0]}\n".encode())
        body, ctype = ASSETS[req.path]
        return Call(name, body=body, ctype=ctype)
    if name == "work":
        if p.get("cpu_us", cfg.max_work_us + 1) > cfg.max_work_us:
            return bad_param(name)
        return Call(name, job_work, (p["cpu_us"],))
    if name == "sleep":
        if p.get("ms", cfg.max_sleep_ms + 1) > cfg.max_sleep_ms:
            return bad_param(name)
        return Call(name, job_sleep, (p["ms"],))
    if DATASET is None:
        return Call(name, status=404, body=b"404 Not Found: no data set (start with --dataset)\n")
    if p.get("key", len(DATASET)) >= len(DATASET) or p.get("write", 0) > 1:
        return bad_param(name)
    # HEAD is safe: it answers the GET's head and writes nothing, as in c10k-server.
    write = p.get("write", 0) == 1 and req.method != b"HEAD"
    return Call(name, job_data, (p["key"], write), ctype="application/octet-stream")


REASONS = {s.value: s.phrase for s in http.server.HTTPStatus}
_date = [0, ""]


def http_date():
    now = int(time.time())
    if _date[0] != now:  # formatted once a second
        _date[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return _date[1]


def response(status, body, ctype, keep_alive, minor, head_only, extra=""):
    """A whole response. An error with no body of its own gets "STATUS Reason\\n"."""
    reason = REASONS.get(status, "Unknown")
    if status >= 400 and not body:
        body = f"{status} {reason}\n".encode()
    conn = ""
    if not keep_alive:
        conn = "Connection: close\r\n"
    elif minor == 0:
        conn = "Connection: keep-alive\r\n"
    head = (f"HTTP/1.1 {status} {reason}\r\nServer: c10k-lab-python\r\nDate: {http_date()}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}{conn}\r\n")
    return head.encode("latin-1") + (b"" if head_only else body)


def count_response(shard, call):
    endpoint, status = call.endpoint, call.status
    if call.counter:
        shard[call.counter] += 1
    shard["requests.total"] += 1
    shard[f"requests.by_endpoint.{endpoint}"] += 1
    shard[f"responses.{status // 100}xx"] += 1


def error_response(err, shard, minor=1, head_only=False):
    shard[err.counter] += 1
    shard["requests.total"] += 1  # answered, like any request; to no endpoint
    shard["requests.by_endpoint.other"] += 1
    shard[f"responses.{err.status // 100}xx"] += 1
    return response(err.status, b"", "text/plain", not err.close, minor, head_only)


# ---- /stats ----

def proc_figures(pid):
    """RSS, peak RSS, virtual size, threads, context switches, CPU and fds of one process."""
    f = {}
    with open(f"/proc/{pid}/status") as st:
        for line in st:
            key, _, value = line.partition(":")
            f[key] = value.split()[0] if value.split() else "0"
    with open(f"/proc/{pid}/stat") as st:
        fields = st.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return {
        "rss_bytes": int(f.get("VmRSS", 0)) * 1024,
        "peak_rss_bytes": int(f.get("VmHWM", 0)) * 1024,
        "vsize_bytes": int(f.get("VmSize", 0)) * 1024,
        "threads": int(f.get("Threads", 0)),
        "ctx_voluntary": int(f.get("voluntary_ctxt_switches", 0)),
        "ctx_involuntary": int(f.get("nonvoluntary_ctxt_switches", 0)),
        "cpu_user_s": int(fields[11]) / tick,
        "cpu_system_s": int(fields[12]) / tick,
        "open_fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def process_section(worker_pids):
    """The front's figures summed with every pool worker's, and the pids to sample each."""
    pids = [os.getpid(), *worker_pids]
    total = {}
    for pid in pids:
        try:
            for k, v in proc_figures(pid).items():
                total[k] = total.get(k, 0) + v
        except OSError:
            pass  # a worker that has just exited
    total["cpu_user_s"] = round(total["cpu_user_s"], 3)
    total["cpu_system_s"] = round(total["cpu_system_s"], 3)
    total["processes"] = len(pids)
    total["pids"] = pids
    total["worker_pids"] = list(worker_pids)
    return total


def python_section(loop_name, executor_name):
    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    return {
        "implementation": platform.python_implementation(),
        "version": platform.python_version(),
        "executable": sys.executable,
        "gil": gil,
        "event_loop": loop_name,
        "executor": executor_name,
        "start_method": "fork" if executor_name == "ProcessPoolExecutor" else None,
    }


def stats_body(ctx):
    cfg = ctx.cfg
    config = {name[2:].replace("-", "_"): getattr(cfg, name[2:].replace("-", "_"))
              for name, *_ in OPTIONS if name != "--mode"}
    config["port"] = ctx.port
    config["dataset_entries"] = len(DATASET) if DATASET is not None else 0
    out = {"mode": cfg.mode, "version": VERSION,
           "uptime_s": round(time.monotonic() - ctx.stats.start, 3), "config": config}
    counters = ctx.stats.snapshot()
    counters["connections.active"] = ctx.active  # admission's one shared count
    out.update(nest(counters))
    entries = len(DATASET) if DATASET is not None else 0
    out["dataset"] = {"bytes": entries * ENTRY_BYTES, "entries": entries,
                      "entry_bytes": ENTRY_BYTES}
    out["process"] = process_section(ctx.worker_pids())
    out.update(ctx.model_section(counters))
    out["python"] = python_section(ctx.loop_name, ctx.executor_name)
    return (json.dumps(out, separators=(",", ":")) + "\n").encode()


# ---- what every front shares ----

class Context:
    """The server's state, reached by every front: options, counters, the listener's port."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.stats = Stats()
        self.port = 0
        self.active = 0
        self.active_lock = threading.Lock()
        self.draining = threading.Event()
        self.loop_name = None
        self.executor_name = None
        self.executor = None
        self.model_section = lambda counters: {}  # the model's own part of /stats

    def worker_pids(self):
        # ProcessPoolExecutor names its workers only in _processes (pid: Process), 3.8 to 3.13
        procs = getattr(self.executor, "_processes", None) or {}
        return sorted(procs)

    def admit(self):
        with self.active_lock:
            if self.active >= self.cfg.max_conns:
                return False
            self.active += 1
            return True

    def unadmit(self):
        with self.active_lock:
            self.active -= 1


def rejection(shard, why):
    """A connection turned away (`why` counts the cause): the 503 to send, counted."""
    shard["connections.rejected"] += 1
    shard[why] += 1
    shard["responses.5xx"] += 1
    return response(503, b"", "text/plain", False, 1, False, "Retry-After: 1\r\n")


def reject_503(sock, shard, why):
    """503 and close; the request it sent is read first so that the close is a FIN, not a
    reset that would discard the 503."""
    data = rejection(shard, why)
    try:
        sock.setblocking(False)
        while sock.recv(4096):
            pass
    except OSError:
        pass
    try:
        sock.send(data)
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


async def async_reject_503(reader, writer, shard):
    writer.write(rejection(shard, "errors.max_conns"))
    try:
        writer.write_eof()
        await asyncio.wait_for(reader.read(), LINGER_S)
    except (OSError, RuntimeError, asyncio.TimeoutError):
        pass
    writer.close()


def print_listening(host, port, mode):
    sys.stdout.write(f"listening on {host}:{port} mode={mode}\n")
    sys.stdout.flush()


# ---- py-threads: a thread per connection, blocking reads and writes ----

class ThreadsHandler(http.server.BaseHTTPRequestHandler):
    """What a Python user writes for http.server.ThreadingHTTPServer, with one request read by
    read_request (under the C server's limits and timeouts) where the standard library reads it
    with its own looser ones: its parse_request still parses every head (HeadParser)."""

    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.ctx = self.server.ctx
        self.shard = self.ctx.stats.shard()
        self.served = 0
        self.in_request = False
        self.shard["connections.handled"] += 1

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self.shard["connections.closed"] += 1
        self.ctx.stats.retire(self.shard)

    def log_message(self, format, *args):
        pass  # no line per request, as c10k-server

    def handle(self):
        self.close_connection = False
        while not self.close_connection and not self.ctx.draining.is_set():
            self.handle_one_request()

    def handle_one_request(self):
        cfg, shard = self.ctx.cfg, self.shard
        self.server.idle.add(self)
        if self.ctx.draining.is_set():
            self.server.idle.discard(self)
            self.close_connection = True
            return
        try:
            req = self.drive(read_request(cfg))
        except HttpError as err:
            self.server.idle.discard(self)
            self.answer(error_response(err, shard), close=err.close)
            return
        except ClientGone:
            shard["errors.client_abort"] += 1
            self.close_connection = True
            return
        except (TimeoutError, socket.timeout):
            shard["errors.timeout" if self.in_request else "errors.keepalive_closed"] += 1
            self.close_connection = True
            return
        except OSError:
            shard["errors.client_abort" if self.in_request else "errors.io"] += 1
            self.close_connection = True
            return
        finally:
            self.server.idle.discard(self)
            if self.in_request:
                shard["connections.reading"] -= 1
                self.in_request = False
        if req is None:
            self.close_connection = True
            return
        self.serve(req)

    def drive(self, gen):
        """Runs read_request on the blocking socket, with each read's timeout."""
        cfg, sock, rfile = self.ctx.cfg, self.connection, self.rfile
        head_deadline = None
        data = None
        while True:
            try:
                kind, n, phase = gen.send(data)
            except StopIteration as done:
                return done.value
            if kind == SEND:
                self.wfile.write(n)
                data = None
                continue
            if phase == IDLE:
                self.shard["connections.waiting"] += 1
                try:
                    sock.settimeout(cfg.keepalive_timeout)
                    data = rfile.read(1)
                finally:
                    self.shard["connections.waiting"] -= 1
                if data:
                    self.server.idle.discard(self)
                    self.in_request = True
                    self.shard["connections.reading"] += 1
                    head_deadline = time.monotonic() + cfg.header_timeout
            else:
                deadline = head_deadline if phase == HEAD else time.monotonic() + cfg.body_timeout
                if kind == LINE:
                    data = blocking_readline(sock, rfile, n, deadline, self.shard)
                    continue
                sock.settimeout(cfg.body_timeout)
                data = rfile.read1(n)
            self.shard["bytes.in"] += len(data)

    def serve(self, req):
        cfg, shard = self.ctx.cfg, self.shard
        self.served += 1
        keep = req.keep_alive and not (cfg.keepalive_requests and
                                       self.served >= cfg.keepalive_requests)
        head_only = req.method == b"HEAD"
        try:
            call = resolve(req, cfg)
        except HttpError as err:
            self.answer(error_response(err, shard, req.minor, head_only),
                        close=err.close or not keep)
            return
        body = call.job(*call.args) if call.job else call.body
        if call.endpoint == "stats":
            body = stats_body(self.ctx)
        count_response(shard, call)
        self.answer(response(call.status, body, call.ctype, keep, req.minor, head_only,
                             call.extra), close=not keep)

    def answer(self, data, close):
        shard = self.shard
        shard["connections.writing"] += 1
        try:
            self.connection.settimeout(self.ctx.cfg.write_timeout)
            self.wfile.write(data)
            shard["bytes.out"] += len(data)
        except (TimeoutError, socket.timeout):
            shard["errors.timeout"] += 1
            close = True
        except OSError:
            shard["errors.client_abort"] += 1
            close = True
        finally:
            shard["connections.writing"] -= 1
        if close:
            self.close_connection = True
            linger(self.connection)


def blocking_readline(sock, rfile, limit, deadline, shard):
    """rfile.readline(limit) that gives up at the deadline: a socket timeout alone bounds each
    recv, and a client trickling a byte at a time would extend it forever."""
    parts, size = [], 0
    while size < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        sock.settimeout(left)
        buffered = rfile.peek(1)[:limit - size]
        if not buffered:
            break  # EOF
        end = buffered.find(b"\n") + 1
        chunk = rfile.read(end or len(buffered))
        shard["bytes.in"] += len(chunk)  # as it arrives, not once the line is whole
        parts.append(chunk)
        size += len(chunk)
        if end:
            break
    return b"".join(parts)


def open_spare():
    """A descriptor kept to be given up when accept() fails for want of one, or None."""
    try:
        return os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def linger(sock):
    """After an answer that closes: FIN first, then read what the client still sends for a
    moment, so that closing with unread input does not reset the connection and discard the
    answer before the client has read it."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(LINGER_S)
        deadline = time.monotonic() + LINGER_S
        while time.monotonic() < deadline and sock.recv(65536):
            pass
    except OSError:
        pass


class ThreadsServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True      # drained by the count of connections, not by joining threads
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, ctx):
        self.ctx = ctx
        self.idle = set()      # handlers waiting for a request's first byte
        self.request_queue_size = ctx.cfg.backlog
        self.no_conns = threading.Condition()
        super().__init__((ctx.cfg.host, ctx.cfg.port), ThreadsHandler)
        self.shard = ctx.stats.shard()  # the accepting thread's
        self.spare = open_spare()

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)  # HTTPServer's looks up the host name

    def get_request(self):
        """accept(); at EMFILE or ENFILE the pending connection is answered 503 with a spare
        descriptor, as c10k-server does, or accepting pauses for 50 ms without one: the
        standard library would return to select() at once and spin on the same error."""
        try:
            return super().get_request()
        except OSError as e:
            self.shard["errors.accept"] += 1
            if e.errno in (errno.EMFILE, errno.ENFILE):
                self.turn_away()
            raise

    def turn_away(self):
        if self.spare is None:
            time.sleep(0.05)
        else:
            os.close(self.spare)
            try:
                conn, _ = self.socket.accept()
                self.shard["connections.accepted"] += 1
                reject_503(conn, self.shard, "errors.emfile")
                conn.close()
            except OSError:
                pass
        self.spare = open_spare()

    def process_request(self, request, client_address):
        self.shard["connections.accepted"] += 1
        if not self.ctx.admit():
            reject_503(request, self.shard, "errors.max_conns")
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except RuntimeError:  # can't start new thread
            self.ctx.unadmit()
            reject_503(request, self.shard, "errors.thread_create")
            self.shutdown_request(request)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.ctx.unadmit()
            with self.no_conns:
                self.no_conns.notify_all()

    def handle_error(self, request, client_address):
        if not self.ctx.cfg.quiet:
            super().handle_error(request, client_address)

    def drain(self):
        """Wakes the idle connections (their read sees EOF) and waits for the others."""
        for h in list(self.idle):
            try:
                h.connection.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        deadline = time.monotonic() + self.ctx.cfg.drain_timeout
        with self.no_conns:
            while self.ctx.active and time.monotonic() < deadline:
                self.no_conns.wait(0.05)
                for h in list(self.idle):
                    try:
                        h.connection.shutdown(socket.SHUT_RD)
                    except OSError:
                        pass
        return self.ctx.active == 0


def serve_threads(ctx):
    server = ThreadsServer(ctx)
    ctx.port = server.server_address[1]
    ctx.model_section = lambda c: {"thread": {"connection_threads": ctx.active}}
    ctx.loop_name = None
    ctx.executor_name = "thread per connection"
    stop = threading.Event()
    signals = []

    def on_signal(signum, frame):
        signals.append(signum)
        if len(signals) > 1:
            exit_now(ctx, 1)  # a second signal exits at once
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    acceptor = threading.Thread(target=server.serve_forever, name="accept")
    acceptor.start()
    print_listening(ctx.cfg.host, ctx.port, ctx.cfg.mode)
    while not stop.wait(3600):
        pass
    server.shutdown()  # the acceptor returns
    acceptor.join()
    server.socket.close()
    ctx.draining.set()
    return 0 if server.drain() else 1


# ---- the asyncio front: py-asyncio, py-threadpool, py-processpool ----

class AsyncConn:
    """One connection of the asyncio front, with the bytes received and not yet taken (kept
    here rather than in the StreamReader, so that bytes.in counts them as they arrive)."""

    def __init__(self, ctx, reader, writer):
        self.ctx, self.reader, self.writer = ctx, reader, writer
        self.shard = ctx.front_shard  # one thread serves them all: one shard
        self.idle = False
        self.in_request = False
        self.buf = bytearray()

    async def fill(self, timeout):
        """Waits up to timeout for more bytes: False at EOF."""
        data = await asyncio.wait_for(self.reader.read(BODY_READ_BYTES), max(timeout, 0))
        self.shard["bytes.in"] += len(data)
        self.buf += data
        return bool(data)

    def take(self, n):
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    async def line(self, limit, deadline):
        """Up to and with the next LF, at most `limit` bytes (cut there, or at EOF)."""
        while True:
            end = self.buf.find(b"\n", 0, limit)
            if end >= 0:
                return self.take(end + 1)
            if len(self.buf) >= limit or not await self.fill(deadline - time.monotonic()):
                return self.take(limit)

    async def some(self, n, timeout):
        if not self.buf:
            await self.fill(timeout)
        return self.take(n)


async def drive_async(conn, gen):
    """Runs read_request on the connection's buffer, with each read's timeout."""
    cfg, shard = conn.ctx.cfg, conn.shard
    head_deadline = None
    data = None
    while True:
        try:
            kind, n, phase = gen.send(data)
        except StopIteration as done:
            return done.value
        if kind == SEND:
            conn.writer.write(n)
            data = None
            continue
        if phase == IDLE:
            conn.idle = True
            shard["connections.waiting"] += 1
            try:
                data = await conn.some(1, cfg.keepalive_timeout)
            finally:
                conn.idle = False
                shard["connections.waiting"] -= 1
            if data:
                conn.in_request = True
                shard["connections.reading"] += 1
                head_deadline = time.monotonic() + cfg.header_timeout
        elif kind == LINE:
            deadline = head_deadline if phase == HEAD else time.monotonic() + cfg.body_timeout
            data = await conn.line(n, deadline)
        else:
            data = await conn.some(n, cfg.body_timeout)


async def run_call(ctx, call):
    """The one place the three asyncio models differ: where a job runs."""
    if call.job is None:
        return call.body
    if ctx.executor is not None:
        return await asyncio.get_running_loop().run_in_executor(ctx.executor, call.job,
                                                                *call.args)
    if call.job is job_sleep:
        await asyncio.sleep(call.args[0] / 1000)  # the loop's sleep is a timer
        return b"done\n"
    return call.job(*call.args)  # /work and /data on the loop, blocking it meanwhile


async def async_answer(conn, data, close):
    shard, writer = conn.shard, conn.writer
    shard["connections.writing"] += 1
    try:
        if writer.is_closing():
            raise ConnectionResetError()
        writer.write(data)
        await asyncio.wait_for(writer.drain(), conn.ctx.cfg.write_timeout)
        shard["bytes.out"] += len(data)
    except asyncio.TimeoutError:
        shard["errors.timeout"] += 1
        close = True
    except OSError:
        shard["errors.client_abort"] += 1
        close = True
    finally:
        shard["connections.writing"] -= 1
    return close


async def async_linger(conn):
    if conn.writer.is_closing():
        return
    try:
        if conn.writer.can_write_eof():
            conn.writer.write_eof()
        deadline = time.monotonic() + LINGER_S
        while time.monotonic() < deadline:
            if not await asyncio.wait_for(conn.reader.read(65536), LINGER_S):
                break
    except (OSError, RuntimeError, asyncio.TimeoutError):
        pass  # RuntimeError: uvloop's transport closed meanwhile


async def async_one_request(conn, served):
    """Reads and answers one request. Returns whether the connection stays open."""
    ctx, shard = conn.ctx, conn.shard
    cfg = ctx.cfg
    try:
        req = await drive_async(conn, read_request(cfg))
    except HttpError as err:
        await async_answer(conn, error_response(err, shard), err.close)
        return not err.close
    except ClientGone:
        shard["errors.client_abort"] += 1
        return False
    except asyncio.TimeoutError:
        shard["errors.timeout" if conn.in_request else "errors.keepalive_closed"] += 1
        return False
    except OSError:
        shard["errors.client_abort" if conn.in_request else "errors.io"] += 1
        return False
    finally:
        if conn.in_request:
            shard["connections.reading"] -= 1
            conn.in_request = False
    if req is None:
        return False
    keep = req.keep_alive and not (cfg.keepalive_requests and served >= cfg.keepalive_requests)
    head_only = req.method == b"HEAD"
    try:
        call = resolve(req, cfg)
    except HttpError as err:
        close = await async_answer(conn, error_response(err, shard, req.minor, head_only),
                                   err.close or not keep)
        return not close
    body = await run_call(ctx, call)
    if call.endpoint == "stats":
        body = stats_body(ctx)
    count_response(shard, call)
    close = await async_answer(conn, response(call.status, body, call.ctype, keep, req.minor,
                                              head_only, call.extra), not keep)
    return not close


async def async_connection(ctx, reader, writer):
    shard = ctx.front_shard
    shard["connections.accepted"] += 1
    if ctx.draining.is_set() or not ctx.admit():
        await async_reject_503(reader, writer, shard)
        return
    shard["connections.handled"] += 1
    writer.transport.set_write_buffer_limits(high=ctx.cfg.output_limit)
    conn = AsyncConn(ctx, reader, writer)
    conn.task = asyncio.current_task()
    ctx.conns.add(conn)
    served, keep = 0, True
    try:
        while keep and not ctx.draining.is_set():
            served += 1
            keep = await async_one_request(conn, served)
        if not keep:
            await async_linger(conn)
    except asyncio.CancelledError:
        pass  # an idle connection closed by the drain
    finally:
        ctx.conns.discard(conn)
        ctx.unadmit()
        shard["connections.closed"] += 1
        writer.close()
        if not ctx.conns:
            ctx.no_conns.set()


def make_executor(cfg):
    """(executor, its name) for the mode: the one line that differs between the pools."""
    if cfg.mode == "py-threadpool":
        return concurrent.futures.ThreadPoolExecutor(cfg.threads), "ThreadPoolExecutor"
    if cfg.mode == "py-processpool":
        # fork: the workers share the parent's data set copy-on-write, as the claim to measure
        # says; spawn or forkserver would build or pickle a copy of it in each worker.
        return (concurrent.futures.ProcessPoolExecutor(
            cfg.processes, mp_context=multiprocessing.get_context("fork"),
            initializer=pool_worker_init), "ProcessPoolExecutor")
    return None, None


def start_executor(ctx):
    """Creates the pool and has every worker started before the first request, so that the
    process pool forks before the event loop runs and its start-up is not a request's."""
    ctx.executor, ctx.executor_name = make_executor(ctx.cfg)
    if ctx.executor is not None:
        workers = ctx.cfg.processes if ctx.cfg.mode == "py-processpool" else ctx.cfg.threads
        for f in [ctx.executor.submit(job_nothing) for _ in range(workers)]:
            f.result()


def event_loop_factory(choice):
    """uvloop's loop where it is importable (Debian's python3-uvloop) and not refused,
    asyncio's otherwise."""
    if choice != "asyncio":
        try:
            import uvloop
            return uvloop.new_event_loop, "uvloop"
        except ImportError:
            if choice == "uvloop":
                raise SystemExit("c10k_server.py: --event-loop uvloop: uvloop is not installed "
                                 "(Debian's python3-uvloop)")
    return asyncio.new_event_loop, "asyncio"


async def async_main(ctx):
    cfg = ctx.cfg
    loop = asyncio.get_running_loop()
    ctx.front_shard = ctx.stats.shard()  # one thread counts: the loop's
    ctx.model_section = lambda c: {"loops": [{"accepted": c["connections.accepted"],
                                              "active": c["connections.active"]}]}
    ctx.conns = set()
    ctx.no_conns = asyncio.Event()
    stop = asyncio.Event()
    signals = []

    def on_signal():
        signals.append(1)
        if len(signals) > 1:
            exit_now(ctx, 1)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    server = await asyncio.start_server(lambda r, w: async_connection(ctx, r, w), cfg.host,
                                        cfg.port, backlog=cfg.backlog, reuse_address=True)
    ctx.port = server.sockets[0].getsockname()[1]
    print_listening(cfg.host, ctx.port, cfg.mode)
    await stop.wait()
    server.close()
    ctx.draining.set()
    return await async_drain(ctx)


async def async_drain(ctx):
    """Closes idle connections, lets the others finish their request, up to --drain-timeout."""
    deadline = time.monotonic() + ctx.cfg.drain_timeout
    while ctx.conns and time.monotonic() < deadline:
        for conn in list(ctx.conns):
            if conn.idle:
                conn.task.cancel()
        ctx.no_conns.clear()
        try:
            await asyncio.wait_for(ctx.no_conns.wait(), 0.05)
        except asyncio.TimeoutError:
            pass
    return 0 if not ctx.conns else 1


def exit_now(ctx, status):
    """Exits without waiting for the requests still running: the pool's worker processes are
    killed (they ignore SIGTERM), and no thread is joined, as an ordinary exit would join a
    ThreadPoolExecutor's."""
    for proc in (getattr(ctx.executor, "_processes", None) or {}).values():
        proc.kill()
        proc.join()
    sys.stdout.flush()
    os._exit(status)


def serve_asyncio(ctx):
    start_executor(ctx)
    new_loop, ctx.loop_name = event_loop_factory(ctx.cfg.event_loop)
    loop = new_loop()
    try:
        asyncio.set_event_loop(loop)
        status = loop.run_until_complete(async_main(ctx))
    finally:
        loop.close()
    if status != 0:
        exit_now(ctx, status)  # --drain-timeout ran out: what still runs is cut
    if ctx.executor is not None:
        ctx.executor.shutdown(wait=True)
    return status


MODES = {
    "py-threads": serve_threads,
    "py-asyncio": serve_asyncio,
    "py-threadpool": serve_asyncio,
    "py-processpool": serve_asyncio,
}


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def main(argv):
    cfg = parse_options(argv)
    fds = raise_fd_limit()
    if cfg.max_conns is None:
        cfg.max_conns = max(fds - 32, 1)
    load_assets()
    global DATASET
    if cfg.dataset:
        DATASET = build_dataset(cfg.dataset)
    ctx = Context(cfg)
    try:
        return MODES[cfg.mode](ctx)
    except OSError as e:
        sys.stderr.write(f"c10k_server.py: {cfg.host}:{cfg.port}: {e.strerror}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
