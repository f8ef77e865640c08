#!/usr/bin/env bash
# test.sh - install what is missing, build a Debug build with AddressSanitizer
# and UndefinedBehaviorSanitizer, and run every test under ctest.
# Extra arguments go to ctest (e.g. -R engine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DOFFSIM_SANITIZE=ON >/dev/null
cmake --build build/test -j"$jobs"
ctest --test-dir build/test --output-on-failure -j"$jobs" "$@"
