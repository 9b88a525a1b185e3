#!/usr/bin/env bash
# loadtest_python_dataset: py-processpool and prefork serve the data set in a short real session;
# each has a worker's private bytes recorded (server.tree.uss_per_worker_bytes), non-zero and
# below one data set (its workers share the parent's pages), and the copies claim quotes
# Python's workers beside prefork's. Skipped (77) where /usr/bin/python3 is missing.
# usage: run_pydata.sh C10K_BENCH OUT_DIR
set -euo pipefail

bench=$1
out=$2
if [ ! -x /usr/bin/python3 ]; then
    echo "skip: no /usr/bin/python3 (Debian's python3)"
    exit 77
fi
rm -rf "$out"
"$bench" --profile quick --modes prefork,py-processpool --scenarios dataset --no-baseline \
    --warmup 1s --duration 2s --out "$out"

/usr/bin/python3 - "$out/results.json" <<'PY'
import json, sys

session = json.load(open(sys.argv[1]))
size = 256 * 1024 * 1024
failed = 0
for name in ("prefork", "py-processpool"):
    runs = [r for r in session["runs"] if r["model"] == name and r["scenario"] == "dataset"]
    if not runs or runs[0]["status"] != "ok":
        print(f"{name}: no usable dataset run")
        failed = 1
        continue
    tree = runs[0]["server"]["tree"]
    worker = tree["uss_per_worker_bytes"]
    print(f"{name}: {tree['processes']:.0f} processes, {worker:.0f} private bytes per worker")
    if not (tree["processes"] >= 2 and 0 < worker < size):
        print(f"{name}: a worker's private bytes are not between 0 and one data set")
        failed = 1
copies = [c for c in session["claims"] if c["id"] == "copies"]
if not copies or "Python beside C: each of py-processpool's" not in copies[0]["note"]:
    print("the copies claim does not quote Python's workers beside prefork's")
    failed = 1
elif not copies[0]["figures"].get("python_reads_private_per_worker_bytes"):
    print("the copies claim has no python_reads_private_per_worker_bytes")
    failed = 1
sys.exit(failed)
PY
