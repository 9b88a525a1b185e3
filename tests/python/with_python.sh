#!/bin/sh
# Runs a test of the Python server, or skips it (exit 77, which ctest reports as skipped) where
# Debian's python3 is missing: the server and its tests run with /usr/bin/python3.
if [ ! -x /usr/bin/python3 ]; then
    echo "skip: no /usr/bin/python3 (Debian's python3)"
    exit 77
fi
exec "$@"
