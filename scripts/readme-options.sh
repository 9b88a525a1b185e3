#!/usr/bin/env bash
# Keeps a README's option table equal to what the program renders from its option table.
#   scripts/readme-options.sh README PROGRAM           rewrites the table in README
#   scripts/readme-options.sh --check README PROGRAM   exits 1 with a diff when they differ
# The table is the block between the two marker lines below; PROGRAM --help-markdown renders it.
set -euo pipefail

begin='<!-- options table: rendered by --help-markdown, see scripts/readme-options.sh -->'
end='<!-- end of options table -->'

check=0
if [ "${1:-}" = --check ]; then
    check=1
    shift
fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [--check] README PROGRAM" >&2
    exit 2
fi
readme=$1 program=$2
if ! grep -qxF -- "$begin" "$readme" || ! grep -qxF -- "$end" "$readme"; then
    echo "$readme: no block between '$begin' and '$end'" >&2
    exit 2
fi

rendered=$(mktemp)
trap 'rm -f "$rendered" "$rendered.readme"' EXIT
# Blank lines around the table, so that Markdown never reads a marker as one of its rows.
{
    echo
    "$program" --help-markdown
    echo
} >"$rendered"

inside() { awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$1"; }
if inside "$readme" | diff -u --label "$readme" --label "$program --help-markdown" - "$rendered"; then
    exit 0
fi
if [ "$check" = 1 ]; then
    echo "$readme: its options table is not what '$program --help-markdown' renders;" \
        "scripts/readme-options.sh $readme PROGRAM rewrites it" >&2
    exit 1
fi
awk -v b="$begin" -v e="$end" -v table="$rendered" '
    $0 == e { on = 0 }
    !on { print }
    $0 == b { on = 1; while ((getline line < table) > 0) print line }
' "$readme" >"$rendered.readme"
cat "$rendered.readme" >"$readme"
echo "$readme: options table rewritten"
