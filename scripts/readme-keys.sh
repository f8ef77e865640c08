#!/usr/bin/env bash
# readme-keys.sh - rewrite README.md's scenario key table from the parameter
# table (offsim help scenario --markdown).  tests/readme_keys.cmake checks it.
#   scripts/readme-keys.sh [path/to/offsim]
set -euo pipefail
cd "$(dirname "$0")/.."
offsim=${1:-build/release/sim/offsim}
[ -x "$offsim" ] || { echo "readme-keys: no $offsim; build first (scripts/demo.sh)" >&2; exit 1; }
table=$(mktemp)
trap 'rm -f "$table" README.md.tmp' EXIT
"$offsim" help scenario --markdown >"$table"
awk -v table="$table" '
  /<!-- keys:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
  /<!-- keys:end -->/   { skip = 0 }
  !skip                 { print }
' README.md >README.md.tmp
mv README.md.tmp README.md
