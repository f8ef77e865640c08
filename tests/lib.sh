# lib.sh - sourced by the shell test suites: a scratch directory removed on
# exit, ok/FAIL lines with the failures counted, and the ending.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok()   { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# The last line of a suite: the count, and its exit status.
finish() {
  echo "$fails failure(s)"
  [ "$fails" -eq 0 ]
}
