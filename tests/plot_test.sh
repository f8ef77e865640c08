#!/usr/bin/env bash
# plot_test.sh - offsim plot: every kind as PNG and SVG with the expected
# number of series, and the errors a user can hit.
#   usage: plot_test.sh path/to/offsim path/to/scenarios
set -u
offsim=$1
scenarios=$2
. "$(dirname "$0")/lib.sh"
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }

"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,60s,120s --seeds 2 \
  --set workload.connections=600 --set sim.log=events --db "$tmp/s.db" --quiet >/dev/null
expect "sweep for the plots" 0 $?

# Series per kind in the templates: cdf one per value; vs median, p90, p99
# (plus their lower-bound markers); occupancy NIC and host per value plus the
# legend entry for dashes; handoffs three panels per value.
declare -A want=([cdf]=3 [vs]=6 [occupancy]=7 [handoffs]=9)
for kind in cdf vs occupancy handoffs; do
  "$offsim" plot "$tmp/s.db" --kind $kind --out "$tmp/$kind.png" >/dev/null 2>"$tmp/err"
  expect "$kind png exits 0" 0 $?
  expect "$kind png is a PNG" "89504e47" "$(head -c 4 "$tmp/$kind.png" | od -An -tx1 | tr -d ' \n')"
  "$offsim" plot "$tmp/s.db" --kind $kind --out "$tmp/$kind.svg" >/dev/null 2>"$tmp/err"
  expect "$kind svg exits 0" 0 $?
  grep -q '<svg' "$tmp/$kind.svg" && grep -q '</svg>' "$tmp/$kind.svg" && ok "$kind svg is complete" ||
    fail "$kind svg is complete"
  expect "$kind series" "${want[$kind]}" "$(grep -o 'id="gnuplot_plot_[0-9a-z]*"' "$tmp/$kind.svg" | sort -u | wc -l)"
done
grep -q '30s (0.0% censored)' "$tmp/cdf.svg" && ok "cdf legend names values and censored share" ||
  fail "cdf legend names values and censored share"
grep -q 'nic.fin_wait_2_timeout (s)' "$tmp/vs.svg" && ok "vs axis has its unit" || fail "vs axis has its unit"
"$offsim" plot "$tmp/s.db" --kind cdf --metric release --out "$tmp/r.pdf" >/dev/null
expect "release cdf as pdf" "%PDF" "$(head -c 4 "$tmp/r.pdf")"

# A policy that never closes: its CDF stops below 1, the legend says how much.
"$offsim" run "$scenarios/host-none.ini" --db "$tmp/n.db" --quiet >/dev/null
"$offsim" plot "$tmp/n.db" --kind cdf --out "$tmp/n.svg" >/dev/null
grep -q '(10.0% censored)' "$tmp/n.svg" && ok "censored share in the legend" ||
  fail "censored share in the legend: $(grep -o '([0-9.]*% censored)' "$tmp/n.svg")"

# Nothing from a database reaches gnuplot as code (issue 9): every text field
# a plot reads (scenario path, the varied key and its values, peer names,
# event details) holds line breaks, quotes, backslashes, backquotes, a data
# block's end marker and system() calls that would each create a file.
cp "$tmp/s.db" "$tmp/evil.db"
evil() { # evil TAG: an SQL expression of hostile text whose commands touch $tmp/pwned-TAG-*
  local t="x'\"\\~\`touch $tmp/pwned-$1-bq\`~system('touch $tmp/pwned-$1-sq')~"
  t+="system(\"touch $tmp/pwned-$1-dq\")~EOD~system('touch $tmp/pwned-$1-eod')~print \`touch $tmp/pwned-$1-p\`~#"
  printf "replace('%s', '~', char(10))" "${t//\'/\'\'}"
}
sqlite3 "$tmp/evil.db" "
  UPDATE run SET scenario = $(evil scenario);
  UPDATE conn SET peer = $(evil peer) || peer;
  UPDATE event SET detail = $(evil detail) || COALESCE(detail, '');
  UPDATE run_param SET value = $(evil value) || value WHERE key = 'nic.fin_wait_2_timeout';
  UPDATE run_param SET key = $(evil key) WHERE key = 'nic.fin_wait_2_timeout';"
expect "hostile database written" 0 $?
for kind in cdf vs occupancy handoffs; do
  for fmt in png svg; do
    "$offsim" plot "$tmp/evil.db" --kind $kind --out "$tmp/evil-$kind.$fmt" >/dev/null 2>"$tmp/err"
    expect "hostile $kind $fmt plots" 0 $?
  done
done
"$offsim" plot "$tmp/evil.db" --kind cdf --metric release --out "$tmp/evil-r.pdf" >/dev/null 2>"$tmp/err"
expect "hostile release cdf plots" 0 $?
pwned=$(ls "$tmp" | grep -c '^pwned' || true)
expect "no command from the database ran" 0 "$pwned"
"$offsim" plot "$tmp/s.db" --kind cdf --out "$tmp/a
b.png" 2>"$tmp/err"
expect "a line break in --out exits 2" 2 $?
grep -q "control character" "$tmp/err" && ok "--out with a line break explained" ||
  fail "--out with a line break explained: $(cat "$tmp/err")"
(cd "$tmp" && "$offsim" plot s.db --kind cdf --out "q'\`touch pwned-out\`.svg") >/dev/null 2>"$tmp/err"
expect "quotes and backquotes in --out plot" 0 $?
[ -e "$tmp/pwned-out" ] && fail "--out ran a command" || ok "--out is a file name, not code"
[ -s "$tmp/q'\`touch pwned-out\`.svg" ] && ok "--out written under its own name" ||
  fail "--out written under its own name"

# Runs of one scenario path made with different --set values are not pooled
# into one curve without a word.
cp "$tmp/n.db" "$tmp/p.db"
"$offsim" run "$scenarios/host-none.ini" --db "$tmp/p.db" --set nic.capacity=500 --quiet >/dev/null
"$offsim" plot "$tmp/p.db" --kind cdf --out "$tmp/pool.png" 2>"$tmp/err"
expect "runs of different settings exit 1" 1 $?
grep -q "differ in a setting no sweep varied (nic.capacity is '500' or '65536')" "$tmp/err" &&
  ok "pooling refused, naming the key and its values" ||
  fail "pooling refused, naming the key and its values: $(cat "$tmp/err")"

# Errors.
"$offsim" plot "$tmp/s.db" --kind pie 2>"$tmp/err"; expect "unknown kind exits 2" 2 $?
"$offsim" plot "$tmp/s.db" --kind cdf --out "$tmp/x.jpg" 2>"$tmp/err"; expect "unknown format exits 2" 2 $?
"$offsim" plot "$tmp/n.db" --kind vs --out "$tmp/v.png" 2>"$tmp/err"
expect "vs without a varied key exits 1" 1 $?
grep -q "give --x KEY" "$tmp/err" && ok "vs explains --x" || fail "vs explains --x: $(cat "$tmp/err")"
"$offsim" plot "$tmp/n.db" --kind handoffs --out "$tmp/h.png" 2>"$tmp/err"
grep -q "run them with --log events" "$tmp/err" && ok "handoffs without events explained" ||
  fail "handoffs without events explained: $(cat "$tmp/err")"
"$offsim" plot "$tmp/none.db" --kind cdf --out "$tmp/c.png" 2>"$tmp/err"; expect "missing database exits 1" 1 $?
[ -e "$tmp/none.db" ] && fail "plot created a database" || ok "plot creates no database"
PATH=/nonexistent "$(command -v "$offsim" || echo "$offsim")" plot "$tmp/s.db" --kind cdf --out "$tmp/c.png" 2>"$tmp/err"
expect "missing gnuplot exits 1" 1 $?
grep -q "gnuplot-nox" "$tmp/err" && ok "missing gnuplot names the package" || fail "missing gnuplot names the package"

finish
