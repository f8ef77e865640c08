#!/usr/bin/env bash
# fuzz.sh - build the fuzz tree if needed and run each libFuzzer harness for
# SECONDS (ASan and UBSan with libFuzzer; tests/fuzz/ has the harnesses and
# their seed corpora), then report what each did and every finding with its
# reproducer file.  Exit 0 when nothing was found, 1 on a finding, 2 on
# bad usage or a missing compiler.
#
#   scripts/fuzz.sh SECONDS [HARNESS...]     harnesses: scenario units opt results
#
# Environment:
#   OFFSIM_FUZZ_DIR   the fuzz build tree (default build/fuzz); its corpus/
#                     keeps what the harnesses found interesting across runs,
#                     findings/ the reproducers
#   OFFSIM_FUZZ_JOBS  harnesses run at once (default 1)
#
# A reproducer runs again with   $OFFSIM_FUZZ_DIR/tests/fuzz/fuzz_NAME FILE
# and, once fixed, goes into tests/fuzz/NAME/ as a regression input.
# (In braces: bash reads the whole script before it runs, so that editing
# it during a session does not change the session.)
{
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
all=(scenario units opt results)

usage() {
  echo "usage: scripts/fuzz.sh SECONDS [HARNESS...]   (harnesses: ${all[*]})" >&2
  exit 2
}
[ $# -ge 1 ] && [[ $1 =~ ^[1-9][0-9]*$ ]] || usage
seconds=$1
shift
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  [[ " ${all[*]} " == *" $h "* ]] || { echo "fuzz.sh: no harness '$h'" >&2; usage; }
done
dir=${OFFSIM_FUZZ_DIR:-build/fuzz}
jobs=${OFFSIM_FUZZ_JOBS:-1}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: OFFSIM_FUZZ_JOBS: expected a number, got '$jobs'" >&2; exit 2; }

# clang-14 and the libFuzzer runtime (libclang-rt-14-dev, which
# scripts/setup.sh installs by name: it is only a recommended package of clang).
if ! command -v clang-14 >/dev/null; then
  echo "fuzz.sh: clang-14 is missing (scripts/setup.sh installs it)" >&2
  exit 2
fi
rt="$(clang-14 --print-resource-dir)/lib/linux/libclang_rt.fuzzer-$(uname -m).a"
if [ ! -f "$rt" ]; then
  echo "fuzz.sh: the libFuzzer runtime $rt is missing (libclang-rt-14-dev; scripts/setup.sh installs it)" >&2
  exit 2
fi

# One fuzz.sh at a time in a tree: two would build it at once and share its
# corpus and findings.  The lock is held until this script exits.
mkdir -p "$dir" || exit 2
exec 9>"$dir.lock"
if ! flock -n 9; then
  echo "fuzz.sh: $dir is in use by another fuzz.sh (it holds $dir.lock); set OFFSIM_FUZZ_DIR to another tree" >&2
  exit 2
fi

# The fuzz tree: clang, libFuzzer's coverage, ASan and UBSan (OFFSIM_FUZZ).
if [ ! -f "$dir/CMakeCache.txt" ]; then
  cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang-14 -DOFFSIM_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log" >&2; exit 2; }
fi
if ! cmake --build "$dir" -j2 >"$dir/build.log" 2>&1; then
  cat "$dir/build.log" >&2
  exit 2
fi
mkdir -p "$dir/findings" "$dir/corpus" "$dir/logs"

# Seed databases for the results reader, made by this offsim (results
# databases are never committed), again whenever offsim is rebuilt (its
# schema may have changed): a run and a two-point sweep of
# tests/fuzz/results.ini, shrunk to 512-byte pages; the sweep's in WAL mode.
seeds_db=$dir/seeds/results
if [ ! -f "$seeds_db/sweep.db" ] || [ "$dir/sim/offsim" -nt "$seeds_db/sweep.db" ]; then
  rm -rf "$seeds_db"
  mkdir -p "$seeds_db"
  ini=tests/fuzz/results.ini
  "$dir/sim/offsim" run "$ini" --db "$seeds_db/run.db" --quiet >/dev/null &&
    "$dir/sim/offsim" sweep "$ini" --vary nic.fin_wait_2_timeout=30s,60s --jobs 1 --quiet \
      --db "$seeds_db/sweep.db.tmp" >/dev/null &&
    sqlite3 "$seeds_db/run.db" "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;" >/dev/null &&
    sqlite3 "$seeds_db/sweep.db.tmp" "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;
                                      PRAGMA journal_mode=WAL;" >/dev/null &&
    mv "$seeds_db/sweep.db.tmp" "$seeds_db/sweep.db" ||
    { echo "fuzz.sh: could not make the seed databases" >&2; exit 2; }
fi

# The seed directories of a harness (after its working corpus): its own in
# tests/fuzz/ (regression inputs included) where it has one, and
seeds() {
  [ -d "$src/tests/fuzz/$1" ] && echo "$src/tests/fuzz/$1"
  case $1 in
    scenario) echo "$src/scenarios" ;;
    results) echo "$seeds_db" ;;
  esac
}

# The harnesses' scratch files (results: the input database, a merge's
# output), in memory where /dev/shm is (SQLite syncs), gone at the end.
shm=$(mktemp -d /dev/shm/offsim-fuzz.XXXXXX 2>/dev/null || mktemp -d "$dir/tmp.XXXXXX") ||
  { echo "fuzz.sh: no temporary directory" >&2; exit 2; }
trap 'rm -rf "$shm"' EXIT

# One harness: SECONDS of libFuzzer, its log in logs/NAME.log.
fuzz_one() {
  local h=$1 log=$dir/logs/$1.log
  rm -f "$log.rc"
  mkdir -p "$dir/corpus/$h" "$dir/findings/$h"
  # -close_fd_mask=3: the harnesses' own messages (a refused scenario, a usage
  # error) are not shown; libFuzzer's and the sanitizers' reports are.
  TMPDIR=$shm "$dir/tests/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 \
    -max_len=65536 -close_fd_mask=3 -print_final_stats=1 \
    -artifact_prefix="$dir/findings/$h/" "$dir/corpus/$h" $(seeds "$h") >"$log" 2>&1
  echo $? >"$log.rc"
}

# This session's findings of a harness (reproducer file names): those of
# earlier sessions stay in findings/ but are not counted again.  An input
# over 10 s (slow-unit-*, libFuzzer goes on) is kept there but is not a
# finding: on a machine shared with other work the wall clock says little;
# one over -timeout (60 s) is.
stamp=$dir/logs/session
touch "$stamp"
findings() {
  find "$dir/findings/$1" -maxdepth 1 -type f -newer "$stamp" \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) \
    -printf '%f\n' 2>/dev/null | sort
}

echo "fuzz.sh: ${harnesses[*]}, $seconds s each, $jobs at a time, in $dir"
running=0
for h in "${harnesses[@]}"; do
  fuzz_one "$h" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

# The report: executions, coverage (edges), features, corpus, speed.
found=0
printf '%-9s %7s %11s %8s %7s %7s %9s  %s\n' harness seconds executions exec/s cov ft corpus result
for h in "${harnesses[@]}"; do
  log=$dir/logs/$h.log
  rc=$(cat "$log.rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  time=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 | awk '{print $5}')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | awk '{print $2}')
  corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$last" | awk '{print $2}')
  artifacts=$(findings "$h")
  if [ "$rc" = 0 ] && [ -z "$artifacts" ]; then
    result=clean
  else
    result=FINDING
    found=1
  fi
  printf '%-9s %7s %11s %8s %7s %7s %9s  %s\n' "$h" "${time:-?}" "${runs:-?}" "${speed:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
for h in "${harnesses[@]}"; do
  artifacts=$(findings "$h")
  rc=$(cat "$dir/logs/$h.log.rc" 2>/dev/null || echo 1)
  [ "$rc" = 0 ] && [ -z "$artifacts" ] && continue
  echo
  echo "== $h: libFuzzer exit $rc; log $dir/logs/$h.log"
  grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$dir/logs/$h.log" | head -5
  for a in $artifacts; do
    echo "reproducer: $dir/findings/$h/$a"
    # Again, with the harness's own output (-close_fd_mask hid it above).
    echo "  $dir/tests/fuzz/fuzz_$h $dir/findings/$h/$a:"
    TMPDIR=$shm "$dir/tests/fuzz/fuzz_$h" -timeout=60 -rss_limit_mb=2048 "$dir/findings/$h/$a" 2>&1 |
      grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_[a-z]+: |offsim: )' | head -8 |
      sed 's/^/    /'
  done
done
exit $found
}
