#!/usr/bin/env bash
# demo.sh - install what is missing, build a Release build, run the default
# scenario into results/demo.db and print the run's summary; then sweep the
# NIC's FIN_WAIT_2 timeout and draw results/close-latency.png and its tail,
# results/close-latency-tail.png.  The run and the sweep have the invariant
# checker on (--check): a violation would abort the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" >/dev/null
mkdir -p results
rm -f results/demo.db results/demo.db-wal results/demo.db-shm
./build/release/sim/offsim run scenarios/default.ini --check --db results/demo.db

# How the FIN_WAIT_2 timeout moves the close latency of peers that never
# close: four timeouts x three seeds, 5000 connections each.
echo
rm -f results/sweep.db results/sweep.db-wal results/sweep.db-shm
./build/release/sim/offsim sweep scenarios/default.ini --check --quiet \
  --vary nic.fin_wait_2_timeout=30s,60s,120s,240s --seeds 3 \
  --set workload.connections=5000 --db results/sweep.db
./build/release/sim/offsim plot results/sweep.db --kind cdf --out results/close-latency.png
./build/release/sim/offsim plot results/sweep.db --kind cdf --ccdf --out results/close-latency-tail.png

echo
echo "The run is in results/demo.db, the sweep in results/sweep.db; for example:"
echo "  ./build/release/sim/offsim summary results/sweep.db       # the sweep's tables again"
echo "  ./build/release/sim/offsim export results/sweep.db --what points --out results/points.csv"
echo "  sqlite3 -header -column results/demo.db \\"
echo "    \"SELECT peer, COUNT(*) AS n, SUM(censored) AS censored, MAX(close_s) AS longest_s FROM close_latency GROUP BY peer\""
