#!/usr/bin/python3
"""The Python server (peers/python/c10k_server.py) in one model, over real sockets: every
endpoint, keep-alive, /stats against what was sent, the data set, and SIGTERM's drain.

usage: test_c10k_server.py SERVER.py MODE
Each server is started on port 0 and its port read from its first line.
"""

import importlib.util
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import unittest

SERVER = MODE = None
START_TIMEOUT_S = 15
IO_TIMEOUT_S = 10
ENTRY = 1024


class Server:
    """c10k_server.py started on port 0; stopped (SIGTERM, then SIGKILL) by stop()."""

    def __init__(self, *extra):
        self.proc = subprocess.Popen(
            [sys.executable, SERVER, "--mode", MODE, "--host", "127.0.0.1", "--port", "0",
             "--quiet", *extra], stdout=subprocess.PIPE)
        line = self.first_line()
        m = re.fullmatch(r"listening on 127\.0\.0\.1:([0-9]+) mode=(\S+)\n", line)
        if not m or m.group(2) != MODE:
            self.kill()
            raise AssertionError(f"unexpected first line {line!r}")
        self.port = int(m.group(1))

    def first_line(self):
        fd = self.proc.stdout.fileno()
        line = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                raise AssertionError(f"no first line within {START_TIMEOUT_S} s")
            chunk = os.read(fd, 1)
            if not chunk:
                self.kill()
                raise AssertionError(f"exited before listening: {self.proc.wait()}")
            line += chunk
        return line.decode()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()

    def stop(self, timeout=15):
        """SIGTERM; the exit status, or None when it had to be killed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            self.proc.stdout.close()

    def connect(self):
        return Conn(self.port)

    def get(self, target):
        with self.connect() as c:
            c.send(f"GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            return c.response()

    def stats(self):
        status, _, body = self.get("/stats")
        assert status == 200, status
        return json.loads(body)


class Conn:
    """One client connection that reads whole responses (Content-Length framed)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT_S)
        self.buf = b""
        self.sent = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def send(self, data):
        data = data.encode("latin-1") if isinstance(data, str) else data
        self.sock.sendall(data)
        self.sent += len(data)

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("the server closed the connection")
        self.buf += chunk

    def response(self, head_only=False):
        """(status, {lower-case name: value}, body)."""
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers["content-length"])
        while len(self.buf) < length:
            self.fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed(self):
        """Whether the server closes the connection (EOF within the timeout, nothing more)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def request(target, method="GET", extra=""):
    return f"{method} {target} HTTP/1.1\r\nHost: t\r\n{extra}\r\n"


def entry(k):
    """Entry k of the data set as built: a zero write counter, then k in every 8-byte word."""
    return bytes(8) + k.to_bytes(8, "little") * ((ENTRY - 8) // 8)


def number(stats, path):
    node = stats
    for part in path.split("."):
        node = node[part]
    return node


def is_gone(pid):
    """No such process, or a zombie left for init to reap."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


class PythonServer(unittest.TestCase):
    """The model under test, sharing one server with a data set of 64 entries."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server("--dataset", "64K", "--processes", "2", "--threads", "4")

    @classmethod
    def tearDownClass(cls):
        cls.status = cls.srv.stop()
        if cls.status != 0:
            raise AssertionError(f"the shared server ended with {cls.status}")

    def test_plaintext_is_13_bytes_of_text(self):
        status, h, body = self.srv.get("/plaintext")
        self.assertEqual((status, body), (200, b"Hello, World!"))
        self.assertEqual(h["content-type"], "text/plain")
        self.assertEqual(h["content-length"], "13")
        self.assertIn("date", h)

    def test_head_has_the_headers_and_no_body(self):
        with self.srv.connect() as c:
            c.send(request("/plaintext", "HEAD"))
            status, h, body = c.response(head_only=True)
            self.assertEqual((status, h["content-length"]), (200, "13"))
            c.send(request("/json"))  # the next response starts where the head ended
            self.assertEqual(c.response()[2], b'{"message":"Hello, World!"}')

    def test_echo_returns_the_body(self):
        with self.srv.connect() as c:
            c.send(request("/echo", "POST", "Content-Length: 5\r\n") + "hello")
            self.assertEqual(c.response()[::2], (200, b"hello"))
            c.send(request("/echo", "POST", "Transfer-Encoding: chunked\r\n") +
                   "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            self.assertEqual(c.response()[::2], (200, b"abcde"))

    def test_work_spends_cpu_time_not_wall_time(self):
        before = self.srv.stats()["process"]
        t0 = time.monotonic()
        status, _, body = self.srv.get("/work?cpu_us=100000")
        wall = time.monotonic() - t0
        after = self.srv.stats()["process"]
        self.assertEqual((status, body), (200, b"done\n"))
        cpu = (after["cpu_user_s"] + after["cpu_system_s"] -
               before["cpu_user_s"] - before["cpu_system_s"])
        self.assertGreaterEqual(wall, 0.1)
        self.assertGreaterEqual(cpu, 0.08)  # 100 ms of CPU, counted in ticks of 10 ms

    def test_sleep_waits_without_cpu(self):
        t0 = time.monotonic()
        status, _, body = self.srv.get("/sleep?ms=200")
        self.assertEqual((status, body), (200, b"done\n"))
        self.assertGreaterEqual(time.monotonic() - t0, 0.2)

    def test_bad_parameters_are_400_on_a_connection_that_stays_open(self):
        bad = ["/work?cpu_us=abc", "/work?cpu_us=1000001", "/work", "/sleep?ms=-5",
               "/sleep?ms=1.5", "/data?key=abc", "/data?key=64", "/data", "/data?key=1&write=2",
               "/data?key=1&key=2"]
        before = number(self.srv.stats(), "errors.bad_param")
        with self.srv.connect() as c:
            for target in bad:
                c.send(request(target))
                status, h, _ = c.response()
                self.assertEqual(status, 400, target)
                self.assertNotEqual(h.get("connection"), "close", target)
            c.send(request("/plaintext"))
            self.assertEqual(c.response()[0], 200)
        self.assertEqual(number(self.srv.stats(), "errors.bad_param") - before, len(bad))

    def test_errors_answer_as_the_c_server_does(self):
        with self.srv.connect() as c:
            for req, want in ((request("/nowhere"), 404), (request("/plaintext", "BREW"), 501)):
                c.send(req)
                status, h, body = c.response()
                self.assertEqual(status, want)
                self.assertNotEqual(h.get("connection"), "close")
            c.send(request("/plaintext", "DELETE"))
            status, h, _ = c.response()
            self.assertEqual((status, h["allow"]), (405, "GET, HEAD"))
            c.send(request("/echo", "GET"))
            status, h, _ = c.response()
            self.assertEqual((status, h["allow"]), (405, "POST"))
            c.send("GARBAGE\r\n\r\n")
            status, h, body = c.response()
            self.assertEqual((status, h["connection"], body), (400, "close", b"400 Bad Request\n"))
            self.assertTrue(c.closed())

    def test_data_reads_the_entry_of_the_key(self):
        for key in (0, 9, 63):
            status, h, body = self.srv.get(f"/data?key={key}")
            self.assertEqual(status, 200)
            self.assertEqual(h["content-type"], "application/octet-stream")
            self.assertEqual(body, entry(key))

    def test_data_write_increments_the_counter_in_the_first_8_bytes(self):
        # In py-processpool each worker has its own copy after the fork: one worker, so that
        # every write lands in the same copy.
        srv = Server("--dataset", "64K", "--processes", "1") if MODE == "py-processpool" else self.srv
        try:
            with srv.connect() as c:
                for want in (1, 2, 3):
                    c.send(request("/data?key=17&write=1"))
                    status, _, body = c.response()
                    self.assertEqual(status, 200)
                    self.assertEqual(int.from_bytes(body[:8], "little"), want)
                    self.assertEqual(body[8:], entry(17)[8:])
                c.send(request("/data?key=17&write=0"))
                self.assertEqual(int.from_bytes(c.response()[2][:8], "little"), 3)
        finally:
            if srv is not self.srv:
                self.assertEqual(srv.stop(), 0)

    def test_keepalive_serves_many_requests_on_one_connection(self):
        with self.srv.connect() as c:
            for _ in range(20):
                c.send(request("/plaintext"))
                status, h, body = c.response()
                self.assertEqual((status, body), (200, b"Hello, World!"))
                self.assertNotEqual(h.get("connection"), "close")
            c.send(request("/plaintext", extra="Connection: close\r\n"))
            status, h, _ = c.response()
            self.assertEqual((status, h["connection"]), (200, "close"))
            self.assertTrue(c.closed())

    def test_pipelined_requests_are_answered_in_order(self):
        with self.srv.connect() as c:
            c.send(request("/sleep?ms=50") + request("/json") + request("/plaintext"))
            bodies = [c.response()[2] for _ in range(3)]
            self.assertEqual(bodies, [b"done\n", b'{"message":"Hello, World!"}', b"Hello, World!"])

    def test_stats_counts_what_was_sent(self):
        a = self.srv.stats()
        with self.srv.connect() as c:
            for _ in range(5):
                c.send(request("/plaintext"))
                c.response()
            for _ in range(2):
                c.send(request("/nowhere"))
                c.response()
        b = self.srv.stats()
        delta = {k: number(b, k) - number(a, k) for k in (
            "requests.total", "requests.by_endpoint.plaintext", "requests.by_endpoint.other",
            "requests.by_endpoint.stats", "responses.2xx", "responses.4xx")}
        # the first /stats request is counted once answered, so the second counts it
        self.assertEqual(delta, {"requests.total": 8, "requests.by_endpoint.plaintext": 5,
                                 "requests.by_endpoint.other": 2,
                                 "requests.by_endpoint.stats": 1, "responses.2xx": 6,
                                 "responses.4xx": 2})

    def test_stats_has_the_process_and_python_sections(self):
        s = self.srv.stats()
        self.assertEqual(s["mode"], MODE)
        self.assertEqual(s["config"]["port"], self.srv.port)
        p = s["process"]
        for key in ("rss_bytes", "threads", "ctx_voluntary", "ctx_involuntary", "open_fds"):
            self.assertIsInstance(p[key], int, key)
        self.assertGreater(p["rss_bytes"], 0)
        self.assertEqual(p["pids"][0], self.srv.proc.pid)
        py = s["python"]
        self.assertEqual(py["executable"], sys.executable)
        self.assertEqual(py["gil"], sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled")
                         else True)
        uvloop = importlib.util.find_spec("uvloop") is not None
        want = {"py-threads": (None, "thread per connection"),
                "py-asyncio": ("uvloop" if uvloop else "asyncio", None),
                "py-threadpool": ("uvloop" if uvloop else "asyncio", "ThreadPoolExecutor"),
                "py-processpool": ("uvloop" if uvloop else "asyncio", "ProcessPoolExecutor")}
        self.assertEqual((py["event_loop"], py["executor"]), want[MODE])

    def test_process_pool_workers_are_listed_and_summed(self):
        p = self.srv.stats()["process"]
        if MODE != "py-processpool":
            self.assertEqual(p["worker_pids"], [])
            return
        self.assertEqual(len(p["worker_pids"]), 2)
        self.assertEqual(p["processes"], 3)
        for pid in p["worker_pids"]:
            with open(f"/proc/{pid}/stat") as f:
                self.assertEqual(int(f.read().rsplit(")", 1)[1].split()[1]), self.srv.proc.pid)


class Shutdown(unittest.TestCase):
    def test_sigterm_answers_the_request_in_flight_closes_idle_ones_and_leaves_nothing(self):
        srv = Server("--processes", "2", "--dataset", "64K")
        try:
            pids = srv.stats()["process"]["pids"]
            idle, busy = srv.connect(), srv.connect()
            self.addCleanup(idle.sock.close)
            self.addCleanup(busy.sock.close)
            idle.send(request("/plaintext"))
            self.assertEqual(idle.response()[0], 200)
            busy.send(request("/sleep?ms=700"))
            # the server has read the request (bytes.in covers it) before the signal
            sent = idle.sent + busy.sent
            deadline = time.monotonic() + IO_TIMEOUT_S
            while number(srv.stats(), "bytes.in") < sent and time.monotonic() < deadline:
                time.sleep(0.01)  # between polls of /stats
            srv.proc.send_signal(signal.SIGTERM)
            self.assertEqual(busy.response()[::2], (200, b"done\n"))
            self.assertTrue(busy.closed())
            self.assertTrue(idle.closed())
            self.assertEqual(srv.proc.wait(IO_TIMEOUT_S), 0)
            deadline = time.monotonic() + 5
            while not all(is_gone(pid) for pid in pids) and time.monotonic() < deadline:
                time.sleep(0.01)  # workers are reaped once the server has gone
            self.assertEqual([pid for pid in pids if not is_gone(pid)], [])
        finally:
            srv.kill()

    def test_data_without_a_data_set_is_404_with_one_line(self):
        srv = Server()
        try:
            status, _, body = srv.get("/data?key=0")
            self.assertEqual(status, 404)
            self.assertEqual(body.count(b"\n"), 1)
            self.assertTrue(body.endswith(b"\n"))
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_bad_option_is_one_line_and_exit_2(self):
        r = subprocess.run([sys.executable, SERVER, "--mode", MODE, "--max-conns", "x"],
                           capture_output=True, text=True, timeout=IO_TIMEOUT_S)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(len(r.stderr.splitlines()), 1)
        self.assertIn("--max-conns", r.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: test_c10k_server.py SERVER.py MODE [unittest options]")
    SERVER, MODE = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], *sys.argv[3:]], verbosity=2)
