#!/usr/bin/python3
"""peers/python/calibrate.py: JSON with every figure, within its time budget, and the orders of
magnitude that do not depend on the machine's load (a process costs more to start than a
thread; a 1 MiB argument costs a process pool more than a 1 KiB one, since it is pickled).

usage: test_calibrate.py CALIBRATE.py
"""

import json
import subprocess
import sys
import time
import unittest

CALIBRATE = None


class Calibrate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, CALIBRATE, "--seconds", "1", "--min-runs", "3",
                            "--workers", "2"], capture_output=True, text=True, timeout=60)
        cls.seconds = time.monotonic() - t0
        cls.returncode, cls.stderr = r.returncode, r.stderr
        cls.out = json.loads(r.stdout) if r.returncode == 0 else None

    def test_exits_0_with_json(self):
        self.assertEqual(self.returncode, 0, self.stderr)
        self.assertEqual(self.out["python"]["executable"], sys.executable)

    def test_stays_near_its_time_budget(self):
        # 1 s of figures, plus the last repetition of each and the pools' shutdowns
        self.assertLess(self.seconds, 15)

    def test_every_figure_is_a_positive_median(self):
        figures = [*self.out["start_us"].values(), *self.out["pool_start_us"].values(),
                   *(f for size in self.out["round_trip_us"].values() for f in size.values())]
        self.assertEqual(len(figures), 9)
        for f in figures:
            self.assertGreater(f["median_us"], 0)
            self.assertGreaterEqual(f["runs"], 3)

    def test_a_process_costs_more_to_start_than_a_thread(self):
        s = self.out["start_us"]
        self.assertGreater(s["process_fork"]["median_us"], s["thread"]["median_us"])
        self.assertGreater(s["process_spawn"]["median_us"], s["thread"]["median_us"])

    def test_the_process_pool_pays_for_pickling_a_large_argument(self):
        rt = self.out["round_trip_us"]
        self.assertGreater(rt["1MiB"]["ProcessPoolExecutor"]["median_us"],
                           rt["1KiB"]["ProcessPoolExecutor"]["median_us"])


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_calibrate.py CALIBRATE.py")
    CALIBRATE = sys.argv[1]
    unittest.main(argv=[sys.argv[0], *sys.argv[2:]], verbosity=2)
