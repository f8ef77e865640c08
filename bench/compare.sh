#!/usr/bin/env bash
# compare.sh - offsim's event engine against ns-3's in one run, on the hold
# model (bench/hold.c, bench/ns3_hold.cc): the same model, the same draws.
# Repetitions are interleaved (offsim, ns-3 map, ns-3 priority, offsim, ...)
# so that a noisy neighbour hurts all alike; medians and ratios are printed.
# Rates are of each process's CPU time (--cpu): on a shared machine the wall
# clock counts the neighbours too.
#   bench/compare.sh [BUILD_DIR] [REPS] [EVENTS]
# BUILD_DIR defaults to build/release (scripts/demo.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
reps=${2:-5}
events=${3:-10000000}
off=$build/bench/bench_hold
ns=$build/bench/bench_ns3_hold
[ -x "$off" ] || { echo "compare: no $off (build first: scripts/demo.sh)" >&2; exit 1; }
[ -x "$ns" ] || { echo "compare: no $ns (ns-3 was not found at build time: install libns3-dev)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for n in 1000 100000 1000000; do
  for r in $(seq 1 "$reps"); do
    printf 'offsim %s %s\n' $n "$("$off" --cpu --reps 1 --events "$events" $n | tail -1 | awk '{print $2}')" >>"$out"
    printf 'map %s %s\n' $n "$("$ns" --cpu --scheduler map --reps 1 --events "$events" $n | tail -1 | awk '{print $2}')" >>"$out"
    printf 'priority %s %s\n' $n "$("$ns" --cpu --scheduler priority --reps 1 --events "$events" $n | tail -1 | awk '{print $2}')" >>"$out"
  done
done
echo "hold model, million events per CPU second, median of $reps interleaved runs ($(nproc) cores)"
printf '%-10s %10s %12s %14s %12s %14s\n' pending offsim "ns-3 map" "ns-3 priority" "x map" "x priority"
for n in 1000 100000 1000000; do
  med() { awk -v k="$1" -v n="$n" '$1 == k && $2 == n {print $3}' "$out" | sort -g |
          awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
  o=$(med offsim); m=$(med map); p=$(med priority)
  printf '%-10s %10.2f %12.2f %14.2f %11.1fx %13.1fx\n' $n "$o" "$m" "$p" \
    "$(awk -v a="$o" -v b="$m" 'BEGIN {print a / b}')" "$(awk -v a="$o" -v b="$p" 'BEGIN {print a / b}')"
done
