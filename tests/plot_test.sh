#!/usr/bin/env bash
# plot_test.sh - offsim plot on a demo-like sweep of two keys: every kind in
# every format, and what the emitted gnuplot script says about each figure
# (series count and order, legend labels, axis ranges and log flags, styles
# that tell the series apart), --where, --title, --size, --font, --emit run
# again with plain gnuplot, the errors a user can hit, and nothing from a
# database reaching gnuplot as code.
#   usage: plot_test.sh path/to/offsim path/to/scenarios
set -u
offsim=$1
scenarios=$2
. "$(dirname "$0")/lib.sh"
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }
# has FILE REGEX WHAT: the file has a line matching the extended regex.
has() { if grep -Eq -- "$2" "$1"; then ok "$3"; else fail "$3: no line /$2/ in $1"; fi; }
hasnt() { if grep -Eq -- "$2" "$1"; then fail "$3: a line /$2/ in $1"; else ok "$3"; fi; }
# legend FILE: the legend's texts in order, one per line.
legend() { sed -n "s/^set label [0-9]* '\(.*\)' at screen .* # legend$/\1/p" "$1"; }
# range FILE AXIS: "lo hi" of `set AXISrange [lo:hi]` (the first one).
range() { sed -n "s/^set $2range \[\(.*\):\(.*\)\]$/\1 \2/p" "$1" | head -1; }
# num_ok A OP B: awk's comparison of two numbers.
num_ok() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }

# The sweep: timeouts given out of order, two tick rates, two seeds; 90 s
# leave the 120 s timeout's silent peers open (censored).
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=120s,10s,30s \
  --vary nic.ticks_per_second=10,1000 --seeds 2 --set workload.connections=300 \
  --set sim.duration=90s --set sim.log=events --db "$tmp/s.db" --quiet >/dev/null
expect "sweep for the plots" 0 $?

# Every kind in every format, each also emitted; gnuplot says nothing.
magic() { head -c 4 "$1" | od -An -tx1 | tr -d ' \n'; }
for kind in cdf vs occupancy handoffs; do
  for fmt in png svg pdf; do
    "$offsim" plot "$tmp/s.db" --kind $kind --x nic.fin_wait_2_timeout --out "$tmp/$kind.$fmt" \
      --emit "$tmp/$kind-$fmt" >"$tmp/out" 2>"$tmp/err"
    expect "$kind $fmt exits 0" 0 $?
    expect "$kind $fmt: gnuplot and offsim quiet on stderr" "" "$(cat "$tmp/err")"
    case $fmt in
      png) expect "$kind png is a PNG" "89504e47" "$(magic "$tmp/$kind.png")" ;;
      pdf) expect "$kind pdf is a PDF" "25504446" "$(magic "$tmp/$kind.pdf")" ;;
      svg) grep -q '</svg>' "$tmp/$kind.svg" && ok "$kind svg is complete" || fail "$kind svg is complete" ;;
    esac
  done
  grep -q "$kind, 6 series" "$tmp/out" && ok "$kind: six series (3 timeouts x 2 tick rates)" ||
    fail "$kind: six series: $(cat "$tmp/out")"
done

# One style for every format: the same layout, only the terminal differs.
for kind in cdf vs occupancy handoffs; do
  diff <(grep -v '^set terminal\|^pscale\|^set xtics offset\|^set ytics offset\|^if (!exists("out"))\|^#' \
           "$tmp/$kind-png/plot.gp") \
       <(grep -v '^set terminal\|^pscale\|^set xtics offset\|^set ytics offset\|^if (!exists("out"))\|^#' \
           "$tmp/$kind-pdf/plot.gp") >/dev/null &&
    ok "$kind: PNG and PDF scripts differ only in the terminal" ||
    fail "$kind: PNG and PDF scripts differ beyond the terminal"
done
has "$tmp/cdf-pdf/plot.gp" "^set terminal pdfcairo size 3.5in,[0-9.]*in fontscale 0.75 .*font 'Liberation Sans,8'" \
  "default PDF: a 3.5 in column with 8 pt text"
has "$tmp/cdf-png/plot.gp" "^set terminal pngcairo size 700,[0-9]* " "default PNG: 3.5 in at 200 pixels an inch"

# cdf: six curves in numeric order of the timeout, then the tick rate; the
# key named once, its values as written; styles that tell all six apart.
g=$tmp/cdf-png/plot.gp
expect "cdf: six step curves" 6 "$(grep -c "index 0 using 1:2 with steps" "$g")"
expect "cdf: series in numeric order" \
  "10s/10 10s/1000 30s/10 30s/1000 120s/10 120s/1000" \
  "$(for f in "$tmp"/cdf-png/series-0[1-6].dat; do
       sed -n '1s/^# nic.fin_wait_2_timeout = \(.*\); nic.ticks_per_second = \(.*\)$/\1\/\2/p' "$f"
     done | tr '\n' ' ' | sed 's/ $//')"
legend "$g" >"$tmp/legend"
expect "cdf: legend names each key once, then its values as written" \
  "nic.fin_wait_2_timeout:|10s|30s|120s (|nic.ticks_per_second:|10|1000|censored (open at the end)" \
  "$(sed 's/\(120s (\).*/\1/' "$tmp/legend" | tr '\n' '|' | sed 's/|$//')"
grep -Eq '^120s \([0-9.]+% censored\)$' "$tmp/legend" && ok "cdf: censored share where it is not 0" ||
  fail "cdf: censored share where it is not 0: $(cat "$tmp/legend")"
grep -Eq '^(10s|30s) \(' "$tmp/legend" && fail "cdf: a censored share of 0 shown" ||
  ok "cdf: no censored share where it is 0"
expect "cdf: six distinct colour and dash pairs" 6 \
  "$(grep -o "with steps lw [0-9.]* lc rgb '#[0-9A-F]*' dt [0-9]" "$g" | sort -u | wc -l)"
expect "cdf: three colours for three timeouts" 3 \
  "$(grep -o "with steps lw [0-9.]* lc rgb '#[0-9A-F]*'" "$g" | sort -u | wc -l)"
expect "cdf: two dash types for two tick rates" 2 \
  "$(grep -o "with steps .* dt [0-9]" "$g" | grep -o 'dt [0-9]' | sort -u | wc -l)"
has "$g" "^set logscale x 10$" "cdf: log x"
has "$g" "^unset logscale y$" "cdf: linear y"
has "$g" "index 2 using 1:2 with points pt 1 " "cdf: censoring marks"
read -r lo hi <<<"$(range "$g" x)"
num_ok "$lo" ">" 0 && num_ok "$lo" "<" 0.1 && num_ok "$hi" ">=" 90 && num_ok "$hi" "<" 200 &&
  ok "cdf: x range $lo..$hi is the data's" || fail "cdf: x range $lo..$hi is the data's"
has "$g" "^set label [0-9]* '.*Kaplan-Meier CDF, 2 seeds per curve' .*# title$|^set label [0-9]* '2 seeds per curve' .*# title$" \
  "cdf: the title says how many seeds a curve pools"
hasnt "$g" "^set key|title '" "cdf: no gnuplot key (the legend is drawn once)"

# --ccdf: 1 - F on a log y axis, down to a decade below the smallest value.
"$offsim" plot "$tmp/s.db" --kind cdf --ccdf --out "$tmp/ccdf.png" --emit "$tmp/ccdf" >/dev/null 2>"$tmp/err"
expect "ccdf exits 0" 0 $?
has "$tmp/ccdf/plot.gp" "^set logscale y 10$" "ccdf: log y"
has "$tmp/ccdf/plot.gp" "using 1:\(\\\$3 > y_floor \? \\\$3 : y_floor\) with steps" "ccdf: draws column 3, 1 - F"
read -r lo hi <<<"$(range "$tmp/ccdf/plot.gp" y)"
num_ok "$lo" ">" 0 && num_ok "$lo" "<=" 0.001 && num_ok "$hi" ">=" 1 &&
  ok "ccdf: y from $lo to $hi" || fail "ccdf: y from $lo to $hi"
has "$tmp/ccdf/plot.gp" "Kaplan-Meier 1 - F" "ccdf: the title says 1 - F"
"$offsim" plot "$tmp/s.db" --kind cdf --ccdf --liny --linx --out "$tmp/ccdf2.png" --emit "$tmp/ccdf2" >/dev/null
has "$tmp/ccdf2/plot.gp" "^unset logscale y$" "--liny overrides the ccdf's log y"
has "$tmp/ccdf2/plot.gp" "^unset logscale x$" "--linx overrides the cdf's log x"
"$offsim" plot "$tmp/s.db" --kind cdf --metric release --out "$tmp/rel.pdf" --emit "$tmp/rel" >/dev/null
has "$tmp/rel/plot.gp" "release latency, Kaplan-Meier CDF" "--metric release: the title names it"

# vs: log x (10s..120s span a decade) within the data, the values as
# written as ticks, the other key as colours, percentiles as styles, and
# series side by side so that coinciding ones stay visible.
g=$tmp/vs-png/plot.gp
has "$g" "^set logscale x 10$" "vs: log x for values spanning a decade"
read -r lo hi <<<"$(range "$g" x)"
num_ok "$lo" ">" 5 && num_ok "$lo" "<" 10 && num_ok "$hi" ">" 120 && num_ok "$hi" "<" 240 &&
  ok "vs: x range $lo..$hi hugs the data (never below 0)" || fail "vs: x range $lo..$hi hugs the data"
has "$g" "^set xtics \('10s' 10, '30s' 30, '120s' 120\)$" "vs: ticks are the values as written"
expect "vs: six series (2 tick rates x 3 percentiles)" 6 "$(grep -c 'with yerrorbars' "$g")"
expect "vs: legend" "nic.ticks_per_second:|10|1000|percentile:|median|p90|p99|bars: 95% confidence interval of the mean over seeds" \
  "$(legend "$g" | grep -v '^not reached' | tr '\n' '|' | sed 's/|$//')"
expect "vs: six distinct drawn x at 10s" 6 \
  "$(for f in "$tmp"/vs-png/series-0[1-6].dat; do awk '!/^#/ && $2 == 10 { print $1 }' "$f"; done | sort -u | wc -l)"
has "$g" "using 1:3:4:5 with yerrorbars" "vs: bars from the confidence interval's columns"
awk '!/^#/ && $8 == 2 { if (!($4 <= $3 && $3 <= $5)) bad = 1; if ($5 > $4) wide++ }
     END { exit bad || !wide }' "$tmp"/vs-png/series-0[1-6].dat &&
  ok "vs: each mean of two seeds inside its interval, and intervals that have a width" ||
  fail "vs: each mean of two seeds inside its interval, and intervals that have a width"
"$offsim" plot "$tmp/s.db" --kind vs --x nic.fin_wait_2_timeout --linx --bars range --out "$tmp/vl.png" \
  --emit "$tmp/vl" >/dev/null
has "$tmp/vl/plot.gp" "using 1:3:6:7 with yerrorbars" "vs --bars range: bars from least to largest"
has "$tmp/vl/plot.gp" "^unset logscale x$" "vs --linx: linear x"
read -r lo hi <<<"$(range "$tmp/vl/plot.gp" x)"
num_ok "$lo" ">=" 0 && ok "vs --linx: x from $lo, not below 0" || fail "vs --linx: x from $lo, not below 0"
"$offsim" plot "$tmp/s.db" --kind vs --x nic.ticks_per_second --out "$tmp/vt.png" --emit "$tmp/vt" >/dev/null
has "$tmp/vt/plot.gp" "^set logscale x 10$" "vs: 10..1000 on a log axis"
legend "$tmp/vt/plot.gp" | head -4 | tr '\n' '|' | grep -q '^nic.fin_wait_2_timeout:|10s|30s|120s|$' &&
  ok "vs: the other key's values as colours, in numeric order" ||
  fail "vs: the other key's values as colours: $(legend "$tmp/vt/plot.gp" | head -4 | tr '\n' '|')"

# occupancy and handoffs: one legend, panels that each show something else.
g=$tmp/occupancy-png/plot.gp
has "$g" "^set multiplot$" "occupancy of two keys: panels (the dashes are the tick rate's)"
expect "occupancy: NIC and host panels" 2 "$(grep -c '^set tmargin at screen' "$g")"
expect "occupancy: panel titles" "y_label_1 = panels > 1 ? 'on the NIC' : 'connections in FIN_WAIT_2'" \
  "$(grep '^y_label_1' "$g")"
g=$tmp/handoffs-png/plot.gp
expect "handoffs: three panels" 3 "$(grep -c '^set tmargin at screen' "$g")"
expect "handoffs: one legend, drawn before the first panel only" 1 \
  "$(awk '/# legend$/ { l = 1 } /^plot/ { if (l) n++; l = 0 } END { print n }' "$g")"
expect "handoffs: panels of offloads, uploads and expiries" "offloads/s|uploads/s|expiries/s" \
  "$(sed -n "s/^y_label_[123] = '\(.*\)'$/\1/p" "$g" | tr '\n' '|' | sed 's/|$//')"
expect "handoffs: each panel draws its own column" "2 3 4" \
  "$(grep -o 'index 0 using (\$1 / t_unit):[0-9]' "$g" | cut -d: -f2 | uniq | tr '\n' ' ' | sed 's/ $//')"
expect "handoffs: x tick labels on the last panel only" "'' '' '%g'" \
  "$(sed -n "s/^set format x \(.*\)$/\1/p" "$g" | tail -3 | tr '\n' ' ' | sed 's/ $//')"
has "$g" "^t_unit = 1 " "handoffs: a time axis in seconds up to 5 min"

# One key at one value of the other: one panel, NIC solid and host dashed.
"$offsim" plot "$tmp/s.db" --kind occupancy --where nic.ticks_per_second=1000 --out "$tmp/o1.png" \
  --emit "$tmp/o1" >"$tmp/out"
grep -q "occupancy, 3 series" "$tmp/out" && ok "--where keeps one tick rate: 3 series" ||
  fail "--where keeps one tick rate: $(cat "$tmp/out")"
has "$tmp/o1/plot.gp" "(nic.ticks_per_second=1000)" "--where: the title says what was selected"
hasnt "$tmp/o1/plot.gp" "nic.ticks_per_second:' at" "--where: a key left at one value is no line style"

# --where by number, several values of one key, --title, --size, --font.
"$offsim" plot "$tmp/s.db" --kind cdf --where nic.fin_wait_2_timeout=0.5min \
  --where nic.fin_wait_2_timeout=2min --title "Two 'timeouts'" --size 7,4 --font 'DejaVu Sans,9' \
  --out "$tmp/w.pdf" --emit "$tmp/w" >"$tmp/out"
grep -q "cdf, 4 series" "$tmp/out" && ok "--where 0.5min or 2min: 30s and 120s, 4 series" ||
  fail "--where 0.5min or 2min: $(cat "$tmp/out")"
has "$tmp/w/plot.gp" "^set label 1 'Two ''timeouts''' at screen 0.5, .*# title$" "--title, quoted"
has "$tmp/w/plot.gp" "^set terminal pdfcairo size 7in,4in .*font 'DejaVu Sans,9'$" "--size in inches, --font"
"$offsim" plot "$tmp/s.db" --kind cdf --title '' --size 1400,1000 --out "$tmp/t.png" --emit "$tmp/t" >/dev/null
hasnt "$tmp/t/plot.gp" "# title$" "--title '': no title"
has "$tmp/t/plot.gp" "^set terminal pngcairo size 1400,1000 fontscale 4.16" "--size in pixels: text scaled with them"

# The emitted script runs with plain gnuplot, from anywhere, next to itself.
rm -f "$tmp/cdf-pdf/plot.pdf"
(cd / && gnuplot "$tmp/cdf-pdf/plot.gp") 2>"$tmp/err"
expect "emitted script reruns with plain gnuplot" 0 $?
expect "emitted script draws plot.pdf next to itself" "25504446" "$(magic "$tmp/cdf-pdf/plot.pdf")"
(cd "$tmp/vs-svg" && gnuplot -e "out='$tmp/again.svg'" plot.gp) 2>"$tmp/err" &&
  grep -q '</svg>' "$tmp/again.svg" && ok "emitted script: out='...' draws elsewhere" ||
  fail "emitted script: out='...' draws elsewhere: $(cat "$tmp/err")"
"$offsim" plot "$tmp/s.db" --kind cdf --emit "$tmp/only" >"$tmp/out" 2>&1
[ -s "$tmp/only/plot.png" ] && ok "--emit alone draws DIR/plot.png" || fail "--emit alone: $(cat "$tmp/out")"

# A policy that never closes: its CDF stops below 1, the legend says how much.
"$offsim" run "$scenarios/host-none.ini" --db "$tmp/n.db" --quiet >/dev/null
"$offsim" plot "$tmp/n.db" --kind cdf --out "$tmp/n.svg" --emit "$tmp/n" >/dev/null
legend "$tmp/n/plot.gp" | grep -q '^all runs (10.0% censored)$' && ok "censored share of a single run" ||
  fail "censored share of a single run: $(legend "$tmp/n/plot.gp")"
has "$tmp/n/plot.gp" "host-none.ini: close latency, Kaplan-Meier CDF, one run per curve" \
  "a single run: the title says so"

# Nothing from a database reaches gnuplot as code (issue 9): every text field
# a plot reads (scenario path, the varied key and its values, peer names,
# event details) holds line breaks, quotes, backslashes, backquotes, a data
# block's end marker and system() calls that would each create a file.
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,60s --seeds 2 \
  --set workload.connections=200 --set sim.log=events --db "$tmp/evil.db" --quiet >/dev/null
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
    "$offsim" plot "$tmp/evil.db" --kind $kind --out "$tmp/evil-$kind.$fmt" --emit "$tmp/evil-$kind" \
      >/dev/null 2>"$tmp/err"
    expect "hostile $kind $fmt plots" 0 $?
  done
done
"$offsim" plot "$tmp/evil.db" --kind cdf --metric release --title "$(printf 'a\nsystem("touch %s/pwned-title")' "$tmp")" \
  --out "$tmp/evil-r.pdf" >/dev/null 2>"$tmp/err"
expect "hostile release cdf plots" 0 $?
pwned=$(ls "$tmp" | grep -c '^pwned' || true)
expect "no command from the database or the title ran" 0 "$pwned"
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
expect "runs of different settings exit 2" 2 $?
grep -q "differ in a setting no sweep varied (nic.capacity is '500' or '65536')" "$tmp/err" &&
  ok "pooling refused, naming the key and its values" ||
  fail "pooling refused, naming the key and its values: $(cat "$tmp/err")"

# Mistakes: exit 2, a message, nothing written.
"$offsim" sweep "$scenarios/peer-never.ini" --vary host.fw2_policy=chimney,linux \
  --set workload.connections=50 --db "$tmp/names.db" --quiet >/dev/null
bad() { # bad WHAT MESSAGE-REGEX ARGS...: exit 2, the message, no figure
  local what=$1 msg=$2
  shift 2
  rm -f "$tmp/bad.png"
  "$offsim" plot "$@" --out "$tmp/bad.png" 2>"$tmp/err" >/dev/null
  expect "$what exits 2" 2 $?
  grep -Eq -- "$msg" "$tmp/err" && ok "$what explained" || fail "$what explained: $(cat "$tmp/err")"
  [ -e "$tmp/bad.png" ] && fail "$what wrote a figure" || true
}
bad "unknown kind" "kind" "$tmp/s.db" --kind pie
bad "--ccdf with vs" "--ccdf applies to --kind cdf" "$tmp/s.db" --kind vs --ccdf
bad "--bars with cdf" "--bars applies to --kind vs" "$tmp/s.db" --kind cdf --bars range
bad "--metric with vs" "--metric applies" "$tmp/s.db" --kind vs --x nic.fin_wait_2_timeout --metric release
bad "--logx and --linx" "give one of them" "$tmp/s.db" --kind cdf --logx --linx
bad "--size without a comma" "--size: expected W,H in pixels" "$tmp/s.db" --kind cdf --size 700
bad "--size too small" "--size: expected" "$tmp/s.db" --kind cdf --size 10,10
bad "--font with a quote" "--font: expected FACE" "$tmp/s.db" --kind cdf --font "x',1"
bad "--font size" "--font: expected" "$tmp/s.db" --kind cdf --font "Sans,100"
bad "--where without =" "--where: expected KEY=VALUE" "$tmp/s.db" --kind cdf --where nic.capacity
bad "--where of an unknown key" "no key 'nic.capacityy'" "$tmp/s.db" --kind cdf --where nic.capacityy=1
bad "--where matching nothing" "its values: 10s, 30s, 120s" "$tmp/s.db" --kind cdf --where nic.fin_wait_2_timeout=45s
bad "vs with two keys and no --x" "several keys vary .*--x KEY" "$tmp/s.db" --kind vs
bad "vs with no key" "give --x KEY" "$tmp/n.db" --kind vs
bad "--logx on names" "--logx: host.fw2_policy has names" "$tmp/names.db" --kind vs --logx
touch "$tmp/afile"
bad "--emit onto a file" "--emit .*not a directory" "$tmp/s.db" --kind cdf --emit "$tmp/afile"
"$offsim" run "$scenarios/host-none.ini" --set sim.log=conn --db "$tmp/noev.db" --quiet >/dev/null
bad "handoffs without events" "run them with --log events" "$tmp/noev.db" --kind handoffs
"$offsim" plot "$tmp/s.db" --kind cdf --out "$tmp/x.jpg" 2>"$tmp/err"; expect "unknown format exits 2" 2 $?
"$offsim" plot "$tmp/none.db" --kind cdf --out "$tmp/c.png" 2>"$tmp/err"; expect "missing database exits 2" 2 $?
[ -e "$tmp/none.db" ] && fail "plot created a database" || ok "plot creates no database"
PATH=/nonexistent "$(command -v "$offsim" || echo "$offsim")" plot "$tmp/s.db" --kind cdf --out "$tmp/c.png" 2>"$tmp/err"
expect "missing gnuplot exits 1" 1 $?
grep -q "gnuplot-nox" "$tmp/err" && ok "missing gnuplot names the package" || fail "missing gnuplot names the package"

finish
