#!/bin/sh
# Runs c10k-server ($C10K_SERVER) under valgrind memcheck ($C10K_VALGRIND), with the arguments the
# test gives it. Exit status 99 when memcheck found an error or a definite or indirect leak.
# "Still reachable" blocks (libuv's and glibc's per-thread and per-process leftovers) are allowed.
set -eu
exec "$C10K_VALGRIND" -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 --child-silent-after-fork=yes "$C10K_SERVER" "$@"
