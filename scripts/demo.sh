#!/usr/bin/env bash
# demo.sh - install what is missing, build a Release build, run the default
# scenario into results/demo.db and print the run's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs" >/dev/null
mkdir -p results
rm -f results/demo.db results/demo.db-wal results/demo.db-shm
./build/release/sim/offsim run scenarios/default.ini --db results/demo.db
echo
echo "The run is in results/demo.db; for example:"
echo "  sqlite3 -header -column results/demo.db \\"
echo "    \"SELECT peer, COUNT(*) AS n, ROUND(AVG(close_s),3) AS mean_close_s, SUM(censored) AS censored FROM close_latency GROUP BY peer\""
