#!/usr/bin/env bash
# Keeps a block of a README equal to what a program renders (a table from the program's own
# tables, so that the docs cannot drift from the code).
#   scripts/readme-rendered.sh README NAME PROGRAM [ARGS...]           rewrites the block
#   scripts/readme-rendered.sh --check README NAME PROGRAM [ARGS...]   exits 1 with a diff when
#                                                                      they differ
# The block is between the two marker lines below, NAME naming it and ARGS what renders it:
#   <!-- NAME: rendered by `PROGRAM ARGS`, see scripts/readme-rendered.sh -->
#   <!-- end of NAME -->
set -euo pipefail

check=0
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi
if [ $# -lt 3 ]; then
    echo "usage: $0 [--check] README NAME PROGRAM [ARGS...]" >&2
    exit 2
fi
readme=$1 name=$2
shift 2
command="$(basename "$1")${2:+ ${*:2}}"
begin="<!-- $name: rendered by \`$command\`, see scripts/readme-rendered.sh -->"
end="<!-- end of $name -->"
if ! grep -qxF -- "$begin" "$readme" || ! grep -qxF -- "$end" "$readme"; then
    echo "$readme: no block between '$begin' and '$end'" >&2
    exit 2
fi

rendered=$(mktemp)
trap 'rm -f "$rendered" "$rendered.readme"' EXIT
# Blank lines around it, so that Markdown never reads a marker as a row of a table.
{
    echo
    "$@"
    echo
} >"$rendered"

inside() { awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$1"; }
if inside "$readme" | diff -u --label "$readme" --label "$command" - "$rendered"; then
    exit 0
fi
if [ "$check" = 1 ]; then
    echo "$readme: its $name is not what '$command' renders;" \
        "scripts/readme-rendered.sh $readme '$name' PROGRAM ${*:2} rewrites it" >&2
    exit 1
fi
awk -v b="$begin" -v e="$end" -v block="$rendered" '
    $0 == e { on = 0 }
    !on { print }
    $0 == b { on = 1; while ((getline line < block) > 0) print line }
' "$readme" >"$rendered.readme"
cat "$rendered.readme" >"$readme"
echo "$readme: $name rewritten"
