#!/bin/sh
# Runs c10k-server ($C10K_SERVER) under valgrind memcheck ($C10K_VALGRIND), with the arguments the
# test gives it. Exit status 99 when memcheck found an error or a definite or indirect leak.
# "Still reachable" blocks (libuv's and glibc's per-thread and per-process leftovers) are allowed.
# With C10K_VALGRIND_LOG_DIR set (the process models), memcheck follows every forked process and
# writes one report per process there (vg.PID), each ending in its ERROR SUMMARY: the test reads
# them, since a child's exit status goes to the server, not to the test.
set -eu
if [ -n "${C10K_VALGRIND_LOG_DIR:-}" ]; then
    exec "$C10K_VALGRIND" --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=99 --child-silent-after-fork=no \
        --log-file="$C10K_VALGRIND_LOG_DIR/vg.%p" "$C10K_SERVER" "$@"
fi
exec "$C10K_VALGRIND" -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 --child-silent-after-fork=yes "$C10K_SERVER" "$@"
