#!/usr/bin/env bash
# mpi_test.sh - `mpirun -n 2 offsim sweep` (issue 15): the same runs, rows and
# fingerprints as `offsim sweep --jobs 2`; a rank killed mid-sweep leaves
# no complete run with missing rows, and the next sweep redoes its runs; a
# computing process killed mid-run fails that run alone; a sweep over a run
# made alone marks its varied key (2ab1b96); SIGTERM or SIGHUP to
# a rank interrupts the sweep as Ctrl-C does; ranks that plan different
# sweeps run nothing.  Registered only when CMake found MPI.
#   usage: mpi_test.sh path/to/offsim path/to/scenarios path/to/mpirun path/to/mpi_lsan.supp
#
# Open MPI and the sanitizers: the test build's offsim has AddressSanitizer,
# and Open MPI leaves what MPI_Init allocated unfreed at exit.  Those leaks
# are suppressed by library (mpi_lsan.supp says how and why); everything
# else ASan and UBSan check as in every other test.  The suppressions need
# ASan's slow unwinder, which costs ~9 s per mpirun here, so the leak check
# runs on the first MPI sweep (both ranks, every path of a sweep that
# ends well) and the others run with detect_leaks=0 (a killed process is
# never leak-checked anyway).  Open MPI refuses to run
# as root without OMPI_ALLOW_RUN_AS_ROOT*, and to start more ranks than a
# machine has cores without --oversubscribe (a 2-core machine shared by
# other work); in a container without ptrace rights its shared-memory
# transport's single-copy mechanism fails, so it is off.
set -u
offsim=$1
scenarios=$2
mpirun=$3
supp=$4
. "$(dirname "$0")/lib.sh"
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }
q() { sqlite3 "$1" "$2"; }

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_mca_base_component_disable_dlclose=1
export OMPI_MCA_rmaps_base_oversubscribe=1
asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$supp:print_suppressions=0"
flags=()
"$mpirun" --version 2>/dev/null | grep -q "Open MPI" && flags=(--oversubscribe)
mpi() { ASAN_OPTIONS="${asan}detect_leaks=0" "$mpirun" "${flags[@]}" -n 2 "$@"; }
mpi_leak_checked() { ASAN_OPTIONS="${asan}fast_unwind_on_malloc=0" "$mpirun" "${flags[@]}" -n 2 "$@"; }

# Three points x two seeds, every kind of row (sim.log = events): each run
# streams ~0.5 MB, more than one RESULTS_STREAM_CHUNK.
sweep=("$scenarios/default.ini" --vary nic.fin_wait_2_timeout=10s,30s,60s --seeds 2 --quiet
       --set workload.connections=300 --set sim.log=events)

"$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/ref.db" >"$tmp/ref.out" 2>&1
expect "--jobs 2 exits 0" 0 $?
db_rows "$tmp/ref.db" >"$tmp/ref.rows"
expect "the reference has six complete runs" 6 \
  "$(q "$tmp/ref.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")"
[ "$(q "$tmp/ref.db" "SELECT COUNT(*) FROM event")" -gt 0 ] && ok "the reference has event rows" ||
  fail "the reference has no event rows"

# The same sweep over two ranks.
mpi_leak_checked "$offsim" sweep "${sweep[@]}" --db "$tmp/mpi.db" >"$tmp/mpi.out" 2>&1
expect "mpirun -n 2 offsim sweep exits 0" 0 $?
grep -q "6 complete, 0 interrupted or not run, 0 failed; .* s with 2 ranks x 1 job" "$tmp/mpi.out" &&
  ok "it says 2 ranks x 1 job" || fail "it says 2 ranks x 1 job: $(cat "$tmp/mpi.out")"
grep -q "^writer (rank 0): [0-9]* rows" "$tmp/mpi.out" && ok "it says what the writer wrote" ||
  fail "it says what the writer wrote: $(cat "$tmp/mpi.out")"
db_rows "$tmp/mpi.db" | cmp -s - "$tmp/ref.rows" &&
  ok "the same runs, rows and fingerprints as --jobs 2" ||
  { fail "the same runs, rows and fingerprints as --jobs 2:"; db_rows "$tmp/mpi.db" | diff - "$tmp/ref.rows" | head -5; }
expect "one writer wrote every run" 1 "$(q "$tmp/mpi.db" "SELECT COUNT(DISTINCT writer_pid) FROM run")"
sed -n '/^close latency per point/,$p' "$tmp/ref.out" >"$tmp/ref.table"
sed -n '/^close latency per point/,$p' "$tmp/mpi.out" | cmp -s - "$tmp/ref.table" &&
  ok "the same summary tables" || fail "the same summary tables: $(cat "$tmp/mpi.out")"

# Again: everything is complete, nothing runs.
mpi "$offsim" sweep "${sweep[@]}" --db "$tmp/mpi.db" >"$tmp/again.out" 2>&1
expect "a finished sweep again exits 0" 0 $?
grep -q "resumed: 6 complete already, 0 run now" "$tmp/again.out" && ok "a finished sweep runs nothing" ||
  fail "a finished sweep runs nothing: $(cat "$tmp/again.out")"

# A run made alone (offsim run: varied = 0), then an MPI sweep that has it:
# rank 0 finds it complete, runs nothing, and marks the sweep's varied key,
# so the run is the sweep's point (batch_next, as a local sweep's claim).
"$offsim" run "$scenarios/default.ini" --set nic.fin_wait_2_timeout=10s --seed 1 \
  --set workload.connections=300 --set sim.log=events --quiet --db "$tmp/alone.db" >/dev/null
expect "a run alone varies nothing" 0 "$(q "$tmp/alone.db" "SELECT COUNT(*) FROM run_param WHERE varied = 1")"
mpi "$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=10s,30s --seeds 1-1 \
  --set workload.connections=300 --set sim.log=events --quiet --db "$tmp/alone.db" >"$tmp/alone.out" 2>&1
expect "an MPI sweep over a run made alone exits 0" 0 $?
grep -q "resumed: 1 complete already, 1 run now" "$tmp/alone.out" && ok "it runs only the other run" ||
  fail "it runs only the other run: $(cat "$tmp/alone.out")"
expect "the run made alone is the sweep's point" \
  "nic.fin_wait_2_timeout=10s|nic.fin_wait_2_timeout=30s" \
  "$(q "$tmp/alone.db" "SELECT group_concat(point, '|') FROM (SELECT point FROM run_point ORDER BY 1)")"

# Two jobs per rank: four computing processes, the same rows.
mpi "$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/j2.db" >"$tmp/j2.out" 2>&1
expect "2 ranks x 2 jobs exits 0" 0 $?
db_rows "$tmp/j2.db" | cmp -s - "$tmp/ref.rows" && ok "2 ranks x 2 jobs: the same rows" ||
  fail "2 ranks x 2 jobs: the same rows"

# Rank 1 killed (SIGKILL) after relaying its third buffer of rows: mpirun
# ends the job, rank 0 with it.  No run is complete with missing rows; the
# next sweep redoes the dead ranks' runs and gives the reference.
complete_rows_are_the_reference() { # DB: its complete runs' rows are the reference's for them
  db_rows "$1" >"$tmp/part.rows"
  cut -d'|' -f1 "$tmp/part.rows" | sort -u >"$tmp/part.ids"
  awk -F'|' 'NR == FNR { keep[$1] = 1; next } keep[$1]' "$tmp/part.ids" "$tmp/ref.rows" |
    cmp -s - "$tmp/part.rows"
}
OFFSIM_TEST_CRASH=relay:3 mpi "$offsim" sweep "${sweep[@]}" --db "$tmp/kill.db" >"$tmp/kill.out" 2>&1
[ $? -ne 0 ] && ok "a killed rank fails the job" || fail "a killed rank fails the job: $(cat "$tmp/kill.out")"
expect "killed rank: integrity" ok "$(q "$tmp/kill.db" 'PRAGMA integrity_check')"
n=$(q "$tmp/kill.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")
[ "$n" -lt 6 ] && ok "killed rank: $n of 6 runs complete" || fail "killed rank: all 6 runs complete"
complete_rows_are_the_reference "$tmp/kill.db" && ok "killed rank: each complete run has all its rows" ||
  fail "killed rank: a complete run's rows differ from the reference"
words=$(redone_words "$tmp/kill.db")
mpi "$offsim" sweep "${sweep[@]}" --db "$tmp/kill.db" >"$tmp/resume.out" 2>&1
expect "killed rank: resuming exits 0" 0 $?
[ -n "$words" ] && grep -qxF "resumed: $n complete already, $((6 - n)) run now$words" "$tmp/resume.out" &&
  ok "killed rank: resuming redoes the unfinished runs only" ||
  fail "killed rank: resuming redoes the unfinished runs only: $(cat "$tmp/resume.out")"
db_rows "$tmp/kill.db" | cmp -s - "$tmp/ref.rows" && ok "killed rank: resumed, equals the reference" ||
  fail "killed rank: resumed, equals the reference"

# A computing process killed in the middle of its run (its 2000th row; only
# the first to get there): its rank lives, that run alone is failed, the
# sweep is not finished, and the next sweep redoes it.
OFFSIM_TEST_CRASH=stream:2000 OFFSIM_TEST_CRASH_ONCE="$tmp/once" \
  mpi "$offsim" sweep "${sweep[@]}" --db "$tmp/child.db" >"$tmp/child.out" 2>&1
expect "killed run: the sweep exits 1" 1 $?
grep -q "the process running nic.fin_wait_2_timeout=[0-9]*s, seed [12] was killed by signal 9 .*: that run is failed" \
  "$tmp/child.out" && ok "killed run: named" || fail "killed run: named: $(cat "$tmp/child.out")"
expect "killed run: 5 complete, 1 failed" "complete|5 failed|1" \
  "$(q "$tmp/child.db" "SELECT group_concat(status || '|' || n, ' ') FROM (SELECT status, COUNT(*) AS n FROM run GROUP BY 1 ORDER BY 1)")"
complete_rows_are_the_reference "$tmp/child.db" && ok "killed run: the other runs have all their rows" ||
  fail "killed run: a complete run's rows differ from the reference"
mpi "$offsim" sweep "${sweep[@]}" --db "$tmp/child.db" >"$tmp/child2.out" 2>&1
expect "killed run: resuming exits 0" 0 $?
db_rows "$tmp/child.db" | cmp -s - "$tmp/ref.rows" && ok "killed run: resumed, equals the reference" ||
  fail "killed run: resumed, equals the reference"

# SIGTERM or SIGHUP to a rank (a scheduler's scancel or time limit) ends the
# sweep as Ctrl-C does: the runs in progress there 'interrupted', no more
# handed out, none left 'running' (a writer on another node would hold them
# for its lease), and the next sweep completes it.  A computing process of
# one rank alone, at its 1500th row, signals its rank.
for who in 0:TERM 1:HUP; do
  r=${who%:*} sig=${who#*:}
  cat >"$tmp/sig.sh" <<EOF
#!/bin/sh
if [ "\$OMPI_COMM_WORLD_RANK" = $r ]; then
  export OFFSIM_TEST_CRASH=stream:1500 OFFSIM_TEST_CRASH_SIGNAL=$sig OFFSIM_TEST_CRASH_TARGET=parent
  export OFFSIM_TEST_CRASH_ONCE="$tmp/sig$r.once"
fi
exec "$offsim" "\$@"
EOF
  mpi sh "$tmp/sig.sh" sweep "${sweep[@]}" --db "$tmp/sig$r.db" >"$tmp/sig.out" 2>&1
  expect "rank $r sent SIG$sig: the sweep exits 1" 1 $?
  expect "rank $r sent SIG$sig: no run left running, one or more interrupted" "0|1" \
    "$(q "$tmp/sig$r.db" "SELECT SUM(status = 'running'), SUM(status = 'interrupted') > 0 FROM run")"
  started=$(q "$tmp/sig$r.db" "SELECT COUNT(*) FROM run")
  [ "$started" -lt 6 ] && ok "rank $r sent SIG$sig: no more runs handed out ($started of 6 started)" ||
    fail "rank $r sent SIG$sig: no more runs handed out ($started of 6 started)"
  grep -q "offsim: interrupted (SIG$sig); the runs in progress are marked 'interrupted'" "$tmp/sig.out" &&
    grep -q "run the same command again to resume" "$tmp/sig.out" &&
    ok "rank $r sent SIG$sig: says so, and how to resume" ||
    fail "rank $r sent SIG$sig: says so, and how to resume: $(cat "$tmp/sig.out")"
  complete_rows_are_the_reference "$tmp/sig$r.db" && ok "rank $r sent SIG$sig: complete runs have all their rows" ||
    fail "rank $r sent SIG$sig: a complete run's rows differ from the reference"
  mpi "$offsim" sweep "${sweep[@]}" --db "$tmp/sig$r.db" >"$tmp/sig2.out" 2>&1
  expect "rank $r sent SIG$sig: resuming exits 0" 0 $?
  db_rows "$tmp/sig$r.db" | cmp -s - "$tmp/ref.rows" && ok "rank $r sent SIG$sig: resumed, equals the reference" ||
    fail "rank $r sent SIG$sig: resumed, equals the reference: $(cat "$tmp/sig2.out")"
done

# Rank 1 plans another sweep (another seed range): nothing runs, exit 2.
cat >"$tmp/split.sh" <<EOF
#!/bin/sh
if [ "\$OMPI_COMM_WORLD_RANK" = 1 ]; then seeds=3; else seeds=2; fi
exec "$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=10s --seeds \$seeds \
  --set workload.connections=50 --quiet --db "$tmp/split.db"
EOF
mpi sh "$tmp/split.sh" >"$tmp/split.out" 2>&1
[ $? -ne 0 ] && ok "ranks planning different sweeps fail" || fail "ranks planning different sweeps fail"
grep -q "rank 1: offsim: sweep: this rank planned another sweep than rank 0" "$tmp/split.out" &&
  grep -q "not every rank could plan this sweep as rank 0 did" "$tmp/split.out" &&
  ok "ranks planning different sweeps: both say so" || fail "ranks planning different sweeps: $(cat "$tmp/split.out")"
expect "ranks planning different sweeps: no run" 0 "$(q "$tmp/split.db" "SELECT COUNT(*) FROM run")"

finish
