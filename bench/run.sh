#!/usr/bin/env bash
# run.sh - every performance figure of offsim beside its target (issue 14),
# measured on this machine in one run: builds the release build if needed,
# then prints a table and, for each line, met or NOT met.
#
#   bench/run.sh [--reps N] [--quick] [BUILD_DIR]
#
#   --reps N   repetitions of each measurement, interleaved; medians are
#              printed (default 3)
#   --quick    the same figures at a tenth of the sizes (a smoke test of
#              this script: the targets are stated for the full sizes)
#   BUILD_DIR  default build/release
#
# Times are CPU seconds (user + system) of the measured process unless a
# line says wall: on a machine shared with other work a process's CPU time
# is its own, its wall time is not.  Every command is measured by
# bench_measure (bench/measure.c); the scenarios are scenarios/default.ini
# and scenarios/ns3-web.ini with --set, and two studies written below.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
reps=3 quick=0 build=build/release
while [ $# -gt 0 ]; do
  case $1 in
  --reps) reps=$2; shift 2 ;;
  --quick) quick=1; shift ;;
  -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  *) build=$1; shift ;;
  esac
done
case $reps in '' | *[!0-9]* | 0) echo "run.sh: --reps takes a positive integer" >&2; exit 2 ;; esac

jobs=$(nproc 2>/dev/null || echo 2)
if ! cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
   ! cmake --build "$build" -j"$jobs" >/dev/null; then
  echo "run.sh: the release build failed (scripts/setup.sh installs what it needs)" >&2
  exit 1
fi
offsim=$root/$build/sim/offsim
B=$root/$build/bench
tmp=$(mktemp -d) # on disk, as a results file is
trap 'rm -rf "$tmp"' EXIT

# Sizes (a tenth with --quick).
s() { if [ $quick = 1 ]; then echo $(($1 / 10)); else echo "$1"; fi; }
N_MODEL=$(s 1000000)   # default.ini connections (points 3 and 4)
N_SMALL=$(s 10000)     # ... the small size of point 4
N_OPEN=$(s 1000000)    # connections held open at once (point 2)
N_STUDY=$(s 100000)    # the never-closing study (point 1)
K1=$(s 1000) K2=$(s 10000) # connections of ns3-web.ini (point 5)
N_SWEEP=$(s 100000)    # connections of each of the 12 sweep runs (point 6)
HOLD_EVENTS=$(s 5000000)

# ---- helpers

# measure OUT CMD...: run CMD (stdout to OUT, stderr to OUT.err); sets W (wall
# s), C (CPU s), M (peak RSS, KB) and X (exit status).
measure() {
  local out=$1
  shift
  "$B/bench_measure" "$@" >"$out" 2>"$out.err" 3>"$tmp/m"
  read -r _ W C M X <"$tmp/m"
}
med() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
calc() { awk "BEGIN {print $*}"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a + 0 >= b + 0)}'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a + 0 <= b + 0)}'; }
row() { # row POINT FIGURE VALUE TARGET STATUS
  printf '%-2s %-66s %-28s %-9s %s\n' "$1" "$2" "$3" "$4" "$5" | sed 's/ *$//'
}
verdict() { if "$@"; then echo met; else echo "NOT met"; fi; }
run() { # run DB ARGS...: offsim run into DB (removed first), quiet
  local db=$1
  shift
  rm -f "$db" "$db-wal" "$db-shm"
  measure "$tmp/run.out" "$offsim" run "$@" --db "$db" --quiet
  [ "$X" = 0 ] || { echo "run.sh: offsim run $* failed:" >&2; cat "$tmp/run.out.err" >&2; exit 1; }
}
scalar() { sqlite3 "$1" "SELECT value FROM scalar WHERE name = '$2'"; }
events_of() { sqlite3 "$1" "SELECT events FROM run"; }

default=(scenarios/default.ini --set sim.duration=1000h)

cat >"$tmp/never.ini" <<'INI'
; the study of issue 14: connections arriving exp(10us) apart whose peers
; never close, a 1 h NIC timeout
[sim]
log = summary
[workload]
connections = 100000
interarrival = exp(10us)
[nic]
fin_wait_2_timeout = 1h
[peer silent]
behaviour = never
INI
cat >"$tmp/trickle.ini" <<'INI'
; one connection whose peer trickles a byte every 100 us
[sim]
log = summary
[workload]
connections = 1
[peer trickler]
behaviour = trickle
interval = 100us
count = 0
close_delay = 2h
INI

load0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "offsim bench/run.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),"
echo "  load average $load0 at the start; build $build ($(git describe --always --dirty 2>/dev/null || echo '?'));"
echo "  medians of $reps interleaved repetitions$([ $quick = 1 ] && echo ', QUICK: a tenth of the sizes, targets not judged')"
echo
row "#" "figure" "value" "target" ""

# ---- 1. the queue: no pathological pattern (the study, the trickle case)
rm -f "$tmp"/p1.*
for r in $(seq "$reps"); do
  for si in 1s 1h; do
    run "$tmp/p1.db" "$tmp/never.ini" --set workload.connections=$N_STUDY --set sim.sample_interval=$si
    echo "$C" >>"$tmp/p1.$si"
  done
done
a=$(med <"$tmp/p1.1s") b=$(med <"$tmp/p1.1h")
ratio=$(calc "($a > $b ? $a / $b : $b / $a)")
row 1 "never-closing study, $N_STUDY conns: sample_interval 1s / 1h" "$(printf '%.3f / %.3f s (x%.2f)' "$a" "$b" "$ratio")" "<= 1.25x" \
  "$(verdict le "$ratio" 1.25)"
for d in 10s 100s 300s; do
  run "$tmp/p1.db" "$tmp/trickle.ini" --set sim.duration=$d
  eval "rss_$d=$M"
done
grow=$((rss_300s - rss_10s))
row 1 "trickle, 1 conn: peak RSS at 10 / 100 / 300 s simulated" "$((rss_10s / 1024)) / $((rss_100s / 1024)) / $((rss_300s / 1024)) MB" \
  "flat (+1 MB)" "$(verdict le "$grow" 1024)"

# ---- 2. memory per open connection
run "$tmp/p2.db" "$tmp/never.ini" --set workload.connections=0 --set sim.duration=20s
base=$M
run "$tmp/p2.db" "$tmp/never.ini" --set workload.connections=$N_OPEN --set sim.duration=20s
peak=$M
open=$(sqlite3 "$tmp/p2.db" "SELECT CAST((SELECT value FROM scalar WHERE name = 'connections_opened') -
                                   (SELECT value FROM scalar WHERE name = 'connections_closed') AS INTEGER)")
per=$(calc "($peak - $base) * 1024 / $open")
row 2 "bytes per open connection at $open open (RSS $((peak / 1024)) - $((base / 1024)) MB)" "$(printf %.0f "$per") B" "<= 512 B" \
  "$(verdict le "$per" 512)"

# ---- 3 and 4: default.ini at N_MODEL connections, summary / conn / events
rm -f "$tmp"/p3.*
for r in $(seq "$reps"); do
  for lv in summary conn events; do
    run "$tmp/p3.db" "${default[@]}" --set workload.connections=$N_MODEL --log $lv
    echo "$C" >>"$tmp/p3.$lv.cpu"
    echo "$W" >>"$tmp/p3.$lv.wall"
    [ $lv = summary ] && events_of "$tmp/p3.db" >"$tmp/p3.events"
  done
done
for r in $(seq "$reps"); do
  "$B/bench_rows" "$tmp/p3.db" 1 "$tmp" >>"$tmp/p3.bare" || { echo "run.sh: bench_rows failed" >&2; exit 1; }
done
for k in summary conn events; do
  eval "cpu_$k=$(med <"$tmp/p3.$k.cpu")"
  eval "wall_$k=$(med <"$tmp/p3.$k.wall")"
done
bare_conn_cpu=$(awk '$1 == "conn" {print $4}' "$tmp/p3.bare" | med)
bare_conn_wall=$(awk '$1 == "conn" {print $3}' "$tmp/p3.bare" | med)
bare_ev_cpu=$(awk '$1 == "event" {print $4}' "$tmp/p3.bare" | med)
bare_ev_wall=$(awk '$1 == "event" {print $3}' "$tmp/p3.bare" | med)
nconn=$(awk '$1 == "conn" {print $2; exit}' "$tmp/p3.bare")
nev=$(awk '$1 == "event" {print $2; exit}' "$tmp/p3.bare")
for clock in cpu wall; do
  eval "s=\$${clock}_summary c=\$${clock}_conn e=\$${clock}_events bc=\$bare_conn_$clock be=\$bare_ev_$clock"
  add_c=$(calc "$c - $s") add_e=$(calc "$e - $s") bare_e=$(calc "$bc + $be")
  rc=$(calc "$add_c / $bc") re=$(calc "$add_e / $bare_e")
  row 3 "log=conn adds ($clock), $nconn conn rows: added / bare loop" "$(printf '%.2f / %.2f s (x%.2f)' "$add_c" "$bc" "$rc")" "<= 1.3x" \
    "$(verdict le "$rc" 1.3)"
  row 3 "log=events adds ($clock), + $nev event rows" "$(printf '%.2f / %.2f s (x%.2f)' "$add_e" "$bare_e" "$re")" "<= 1.3x" \
    "$(verdict le "$re" 1.3)"
done

# 4: the model's events per second against the hold model at its pending size
read -r _ mev _ _ _ _ _ pend _ _ < <("$B/bench_model" "${default[@]}" --set workload.connections=$N_MODEL)
pend=${pend%.*}
events=$(cat "$tmp/p3.events")
model_rate=$(calc "$events / $cpu_summary / 1e6")
for r in $(seq "$reps"); do
  "$B/bench_hold" --cpu --reps 1 --events "$HOLD_EVENTS" "$pend" | tail -1 | awk '{print $2}' >>"$tmp/p4.hold"
done
hold=$(med <"$tmp/p4.hold")
r4=$(calc "$model_rate / $hold")
row 4 "default.ini $N_MODEL conns, summary: M events/s / hold at $pend" "$(printf '%.2f / %.2f (x%.2f)' "$model_rate" "$hold" "$r4")" ">= 0.5x" \
  "$(verdict ge "$r4" 0.5)"
rm -f "$tmp"/p4.small
for r in $(seq "$reps"); do
  run "$tmp/p4.db" "${default[@]}" --set workload.connections=$N_SMALL --log summary
  echo "$C" >>"$tmp/p4.small"
done
small=$(med <"$tmp/p4.small")
us_small=$(calc "$small / $N_SMALL * 1e6") us_big=$(calc "$cpu_summary / $N_MODEL * 1e6")
r4b=$(calc "$us_big / $us_small")
row 4 "per connection: $N_MODEL / $N_SMALL conns (fixed costs in)" "$(printf '%.2f / %.2f us (x%.2f)' "$us_big" "$us_small" "$r4b")" "<= 1.3x" \
  "$(verdict le "$r4b" 1.3)"

# ---- 5. against ns-3: marginal cost per connection, and the hold model
ns3=1
"$offsim" --version 2>/dev/null | grep -q 'ns-3 backend: absent' && ns3=0
for K in $K1 $K2; do
  for engine in native ns3; do
    [ $engine = ns3 ] && [ $ns3 = 0 ] && continue
    rm -f "$tmp"/p5.*
    # A native run of K connections takes milliseconds, and the difference
    # between K and 2K a few: many more repetitions.
    n_reps=$reps
    [ $engine = native ] && n_reps=$((reps * 15))
    for r in $(seq "$n_reps"); do
      for n in $K $((2 * K)); do
        run "$tmp/p5.db" scenarios/ns3-web.ini --set workload.connections=$n --log summary --engine $engine
        echo "$C" >>"$tmp/p5.$n"
        echo "$(events_of "$tmp/p5.db") $n" >"$tmp/p5.ev.$n"
      done
    done
    m=$(calc "($(med <"$tmp/p5.$((2 * K))") - $(med <"$tmp/p5.$K")) / $K * 1e6")
    epc=$(awk '{printf "%.0f", $1 / $2}' "$tmp/p5.ev.$((2 * K))")
    eval "marg_${engine}_$K=$m epc_${engine}_$K=$epc"
  done
  if [ $ns3 = 1 ]; then
    eval "mn=\$marg_native_$K mx=\$marg_ns3_$K en=\$epc_native_$K ex=\$epc_ns3_$K"
    r5=$(calc "$mx / $mn")
    row 5 "ns3-web.ini, K = $K: marginal us/conn native / ns-3" "$(printf '%.1f / %.0f (x%.0f)' "$mn" "$mx" "$r5")" ">= 100x" \
      "$(verdict ge "$r5" 100)"
    row 5 "  events per connection native / ns-3" "$en / $ex" "" ""
  else
    row 5 "ns3-web.ini, K = $K: ns-3 backend absent" "" ">= 100x" "NOT met (no ns-3)"
  fi
done
if [ -x "$B/bench_ns3_hold" ]; then
  for n in 100000 1000000; do
    rm -f "$tmp"/p5h.*
    for r in $(seq "$reps"); do
      "$B/bench_hold" --cpu --reps 1 --events "$HOLD_EVENTS" $n | tail -1 | awk '{print $2}' >>"$tmp/p5h.o"
      "$B/bench_ns3_hold" --cpu --scheduler priority --reps 1 --events "$HOLD_EVENTS" $n | tail -1 | awk '{print $2}' >>"$tmp/p5h.p"
    done
    o=$(med <"$tmp/p5h.o") p=$(med <"$tmp/p5h.p")
    want=4
    [ $n = 1000000 ] && want=7
    r=$(calc "$o / $p")
    row 5 "hold model at $n pending: offsim / ns-3 priority, M ev/s" "$(printf '%.2f / %.2f (x%.1f)' "$o" "$p" "$r")" ">= ${want}x" \
      "$(verdict ge "$r" $want)"
  done
else
  row 5 "hold model against ns-3" "bench_ns3_hold absent" ">= 4x, 7x" "NOT met (no ns-3)"
fi

# ---- 6. a 12-run sweep, --jobs 2 against --jobs 1 (wall)
rm -f "$tmp"/p6.*
for r in $(seq "$reps"); do
  for j in 1 2; do
    rm -f "$tmp/p6.db"*
    measure "$tmp/p6.out" "$offsim" sweep "${default[@]}" --vary nic.fin_wait_2_timeout=30s,60s,120s,240s \
      --seeds 3 --set workload.connections=$N_SWEEP --set sim.log=summary --jobs $j --db "$tmp/p6.db" --quiet
    [ "$X" = 0 ] || { echo "run.sh: the sweep failed:" >&2; cat "$tmp/p6.out.err" >&2; exit 1; }
    echo "$W" >>"$tmp/p6.$j"
  done
done
w1=$(med <"$tmp/p6.1") w2=$(med <"$tmp/p6.2")
r6=$(calc "$w1 / $w2")
row 6 "sweep of 12 runs x $N_SWEEP conns, summary: --jobs 1 / 2 (wall)" "$(printf '%.2f / %.2f s (x%.2f)' "$w1" "$w2" "$r6")" ">= 1.8x" \
  "$(verdict ge "$r6" 1.8)"
# What the machine gives two processes at once: two runs of one sweep
# point, one after the other, then at the same time (separate databases).
one=("${default[@]}" --set workload.connections=$N_SWEEP --set sim.log=summary --quiet)
rm -f "$tmp"/p6m.*
for r in $(seq "$reps"); do
  rm -f "$tmp"/m[ab].db*
  measure "$tmp/p6m.out" bash -c '"$0" run "${@:3}" --db "$1"; "$0" run "${@:3}" --db "$2"' \
    "$offsim" "$tmp/ma.db" "$tmp/mb.db" "${one[@]}"
  echo "$W" >>"$tmp/p6m.seq"
  rm -f "$tmp"/m[ab].db*
  measure "$tmp/p6m.out" bash -c '"$0" run "${@:3}" --db "$1" & "$0" run "${@:3}" --db "$2"; wait' \
    "$offsim" "$tmp/ma.db" "$tmp/mb.db" "${one[@]}"
  echo "$W" >>"$tmp/p6m.par"
done
ws=$(med <"$tmp/p6m.seq") wp=$(med <"$tmp/p6m.par")
row 6 "  the machine: 2 such runs one after the other / at once (wall)" "$(printf '%.2f / %.2f s (x%.2f)' "$ws" "$wp" "$(calc "$ws / $wp")")" "" ""

# ---- 7. golden trajectories
bash tests/golden/golden.sh check "$offsim" scenarios tests/golden/fingerprints native >"$tmp/golden" 2>&1
g=$(grep -c '^ok' "$tmp/golden") bad=$(grep -c '^FAIL' "$tmp/golden")
row 7 "golden trajectories (native) unchanged" "$g of $((g + bad))" "all" "$(verdict [ "$bad" = 0 ])"

echo
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
