#!/usr/bin/python3
"""What threads and processes cost this interpreter on this machine, as JSON on stdout.

- starting a thread against starting a process (fork and spawn): start() then join() of a
  function that does nothing, so each figure is create, run and reap (PEP 703 quotes about
  100 µs for a thread against about 50 ms for a process);
- the per-task cost of a round trip through a ThreadPoolExecutor and a ProcessPoolExecutor
  (fork) of one worker, for a task that returns its argument, with a 1 KiB and a 1 MiB
  argument: the process pool pickles the argument and the result through a pipe;
- the start-up of each pool with --workers workers (until every worker has run a task).

Each figure is the median of as many repetitions as fit in its share of --seconds (at least
--min-runs). Standard library only; run it with the interpreter under test.
"""

import argparse
import concurrent.futures
import json
import multiprocessing
import platform
import statistics
import sys
import threading
import time

PAYLOADS = {"1KiB": 1024, "1MiB": 1024 * 1024}
PUBLISHED = {"source": "PEP 703", "thread_start_us": 100, "process_start_us": 50000}


def nothing(*args):
    return None


def echo(payload):
    return payload


def repeat(fn, share_s, min_runs, max_runs):
    """The median of fn()'s seconds over as many runs as fit in share_s (min_runs at least),
    in µs, with the number of runs."""
    times = []
    end = time.perf_counter() + share_s
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() < end):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_us": round(statistics.median(times) * 1e6, 1), "runs": len(times)}


def start_thread():
    t = threading.Thread(target=nothing)
    t.start()
    t.join()


def start_process(ctx):
    def run():
        p = ctx.Process(target=nothing)
        p.start()
        p.join()
    return run


def process_pool(workers):
    return concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"))


POOLS = {
    "ThreadPoolExecutor": concurrent.futures.ThreadPoolExecutor,
    "ProcessPoolExecutor": process_pool,
}


def pool_start(make, workers):
    """Creating the pool and having every worker run a task, then shutting it down."""
    def run():
        pool = make(workers)
        for f in [pool.submit(nothing) for _ in range(workers)]:
            f.result()
        pool.shutdown(wait=True)
    return run


def round_trips(make, size, share_s, min_runs):
    payload = bytes(size)
    with make(1) as pool:
        pool.submit(echo, payload).result()  # the worker is started and warm
        return repeat(lambda: pool.submit(echo, payload).result(), share_s, min_runs, 100000)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=4.0, help="time budget in all (default 4)")
    p.add_argument("--min-runs", type=int, default=5, help="repetitions at least (default 5)")
    p.add_argument("--workers", type=int, default=4, help="workers for the pool start-up")
    a = p.parse_args(argv)
    if a.seconds <= 0 or a.min_runs < 1 or a.workers < 1:
        p.error("--seconds, --min-runs and --workers must be positive")
    share = a.seconds / 10  # ten figures below, each about its share
    t0 = time.perf_counter()
    out = {
        "python": {"implementation": platform.python_implementation(),
                   "version": platform.python_version(), "executable": sys.executable,
                   "gil": sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True},
        "published": PUBLISHED,
        "start_us": {
            "thread": repeat(start_thread, share, a.min_runs, 10000),
            "process_fork": repeat(start_process(multiprocessing.get_context("fork")), share,
                                   a.min_runs, 1000),
            "process_spawn": repeat(start_process(multiprocessing.get_context("spawn")), share,
                                    a.min_runs, 1000),
        },
        "pool_start_us": {name: repeat(pool_start(make, a.workers), share, a.min_runs, 1000)
                          for name, make in POOLS.items()},
        "pool_workers": a.workers,
        "round_trip_us": {label: {name: round_trips(make, size, share, a.min_runs)
                                  for name, make in POOLS.items()}
                          for label, size in PAYLOADS.items()},
    }
    out["seconds"] = round(time.perf_counter() - t0, 2)
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
