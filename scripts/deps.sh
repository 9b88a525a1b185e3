#!/usr/bin/env bash
# Installs the Debian packages c10k-lab needs, when they are missing.
# usage: scripts/deps.sh [build|bench|test|all]
set -euo pipefail

build_packages=(gcc make cmake pkg-config libuv1-dev liburing-dev libjansson-dev libjs-chart.js wrk jq)
# The benchmark's baselines (nginx; Apache httpd's prefork, worker and event MPMs), the
# scheduler's share of a server's CPU and the system calls per request (perf; strace where perf
# cannot count them), the instructions per request (valgrind's callgrind), and the Python server
# (peers/python: Debian's python3, with uvloop).
bench_packages=(nginx-light apache2-bin linux-perf strace valgrind python3 python3-uvloop)
# The proxies of the smuggling test, the second parser of the differential fuzzer, and the
# Python server's checker.
test_packages=(clang libclang-rt-14-dev haproxy libhttp-parser-dev chromium procps valgrind
    pyflakes3)

case "${1:-build}" in
build) wanted=("${build_packages[@]}") ;;
bench) wanted=("${build_packages[@]}" "${bench_packages[@]}") ;;
test | all) wanted=("${build_packages[@]}" "${bench_packages[@]}" "${test_packages[@]}") ;;
*)
    echo "usage: scripts/deps.sh [build|bench|test|all]" >&2
    exit 2
    ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
    echo "c10k-lab: missing packages: ${missing[*]} (install them; this script knows only apt-get)" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
        echo "c10k-lab: missing packages: ${missing[*]} (run as root, or install sudo)" >&2
        exit 1
    fi
    sudo=(sudo)
fi
echo "c10k-lab: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx on port 80 when it installs it; the benchmarks start their own.
if printf '%s\n' "${missing[@]}" | grep -qx nginx-light; then
    "${sudo[@]}" nginx -s stop 2>/dev/null || true
fi
