#!/usr/bin/env bash
# cluster_test.sh - sweeps beyond one machine without MPI (issue 15): shards of
# a job array (--shard K/N) merged equal the whole sweep, merging twice
# changes nothing, a merged database given back to the sweep runs only what
# is missing; merge refuses truncated and foreign files, another schema or
# scenario unless told; `sweep --engine ns3` runs each run in a process of
# its own with the rows `run --engine ns3` gives.  (mpi_test.sh: MPI;
# crash_test.sh: merges killed midway.)
#   usage: cluster_test.sh path/to/offsim path/to/scenarios
set -u
offsim=$1
scenarios=$2
. "$(dirname "$0")/lib.sh"
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }
q() { sqlite3 "$1" "$2"; }

# Three points of different cost (connections) x two seeds.
sweep=("$scenarios/default.ini" --vary workload.connections=100,400,200 --seeds 2 --quiet
       --set sim.log=events)
"$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/all.db" >/dev/null
expect "the whole sweep exits 0" 0 $?
db_rows "$tmp/all.db" >"$tmp/all.rows"

# ---- shards -----------------------------------------------------------------

total=0
for k in 1 2 3; do
  "$offsim" sweep "${sweep[@]}" --shard $k/3 --jobs 1 --db "$tmp/s$k.db" >"$tmp/s$k.out"
  expect "shard $k/3 exits 0" 0 $?
  n=$(q "$tmp/s$k.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")
  grep -q "^shard $k/3: $n of the 6 runs, [0-9.]*% of the expected cost" "$tmp/s$k.out" &&
    ok "shard $k/3 says what it runs ($n runs)" || fail "shard $k/3 says what it runs: $(cat "$tmp/s$k.out")"
  total=$((total + n))
done
expect "every run in one shard" 6 "$total"
expect "no run in two shards" 6 "$(for k in 1 2 3; do q "$tmp/s$k.db" "SELECT identity FROM run"; done | sort -u | wc -l)"
# Balanced by expected cost: the 400-connection runs (the two largest) go to
# two shards, and the third shard takes the rest of the largest first.
expect "the costliest runs are spread" 2 \
  "$(for k in 1 2 3; do q "$tmp/s$k.db" "SELECT COUNT(*) FROM run_param WHERE key = 'workload.connections'
     AND value = '400'"; done | grep -c '^[1-9]')"
# A shard's assignment is stable: the same sweep written with its seeds
# first and a point's values in another order gives shard 2 the same runs.
"$offsim" sweep "$scenarios/default.ini" --seeds 2 --vary workload.connections=400,200,100 --quiet \
  --set sim.log=events --shard 2/3 --jobs 1 --db "$tmp/s2b.db" >/dev/null
expect "the same shard from the sweep written otherwise" "$(q "$tmp/s2.db" "SELECT identity FROM run ORDER BY 1")" \
  "$(q "$tmp/s2b.db" "SELECT identity FROM run ORDER BY 1")"

"$offsim" merge "$tmp/m.db" "$tmp/s1.db" "$tmp/s2.db" "$tmp/s3.db" >"$tmp/m.out"
expect "merging the shards exits 0" 0 $?
db_rows "$tmp/m.db" | cmp -s - "$tmp/all.rows" && ok "the merged shards equal the unsharded sweep" ||
  { fail "the merged shards equal the unsharded sweep"; db_rows "$tmp/m.db" | diff - "$tmp/all.rows" | head -5; }
grep -q "^$tmp/m.db: 6 runs merged" "$tmp/m.out" && ok "merge counts the runs" || fail "merge counts: $(cat "$tmp/m.out")"

# Merging twice changes nothing (not even a run id).
snap="SELECT id, identity, status FROM run ORDER BY id"
before=$(q "$tmp/m.db" "$snap")
"$offsim" merge "$tmp/m.db" "$tmp/s3.db" "$tmp/s1.db" "$tmp/s2.db" >"$tmp/m2.out"
expect "merging again exits 0" 0 $?
grep -q "^$tmp/m.db: 0 runs merged" "$tmp/m2.out" && ok "merging again copies nothing" ||
  fail "merging again copies nothing: $(cat "$tmp/m2.out")"
expect "merging again changes no run" "$before" "$(q "$tmp/m.db" "$snap")"
db_rows "$tmp/m.db" | cmp -s - "$tmp/all.rows" && ok "merging again changes no row" || fail "merging again changes no row"

# The merged database given back to the sweep: nothing to run.
"$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/m.db" >"$tmp/again.out"
expect "the sweep on the merged shards exits 0" 0 $?
grep -q "resumed: 6 complete already, 0 run now" "$tmp/again.out" && ok "it runs nothing" ||
  fail "it runs nothing: $(cat "$tmp/again.out")"
# Two shards of three merged: the sweep runs only the third shard's runs.
"$offsim" merge "$tmp/m12.db" "$tmp/s1.db" "$tmp/s2.db" >/dev/null
n3=$(q "$tmp/s3.db" "SELECT COUNT(*) FROM run")
"$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/m12.db" >"$tmp/m12.out"
expect "the sweep on shards 1 and 2 exits 0" 0 $?
grep -q "resumed: $((6 - n3)) complete already, $n3 run now" "$tmp/m12.out" &&
  ok "it runs only the missing shard's $n3 runs" || fail "it runs only the missing shard's runs: $(cat "$tmp/m12.out")"
expect "those are the third shard's" "$(q "$tmp/s3.db" "SELECT identity FROM run ORDER BY 1")" \
  "$(q "$tmp/m12.db" "SELECT identity FROM run WHERE id > 6 - $n3 ORDER BY 1")"
db_rows "$tmp/m12.db" | cmp -s - "$tmp/all.rows" && ok "and then it equals the unsharded sweep" ||
  fail "and then it equals the unsharded sweep"

# Bad --shard: exit 2, nothing written.
for bad in 0/3 4/3 1/0 3 a/b 1/3x 1/1000001 -1/3; do
  "$offsim" sweep "${sweep[@]}" --shard "$bad" --db "$tmp/bad.db" >/dev/null 2>"$tmp/err"
  rc=$?
  if [ $rc = 2 ] && grep -q -- "--shard: expected K/N with 1 <= K <= N" "$tmp/err" && [ ! -e "$tmp/bad.db" ]; then
    ok "--shard $bad: exit 2, nothing written"
  else
    fail "--shard $bad: exit $rc: $(cat "$tmp/err")"
  fi
done

# ---- merges that are refused ------------------------------------------------

refused() { # NAME EXIT MESSAGE OUT IN...: merge refused with that exit and message, OUT unchanged
  local name=$1 code=$2 msg=$3 out=$4; shift 4
  local sum; sum=$( [ -e "$out" ] && md5sum <"$out")
  "$offsim" merge "$out" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  if [ $rc = "$code" ] && grep -qF -- "$msg" "$tmp/err"; then ok "$name: exit $code, says why"
  else fail "$name: exit $rc: $(cat "$tmp/err")"; fi
  [ "$( [ -e "$out" ] && md5sum <"$out")" = "$sum" ] && ok "$name: OUT as it was" || fail "$name: OUT changed"
}
cp "$tmp/s1.db" "$tmp/cut.db"
truncate -s $(($(stat -c %s "$tmp/cut.db") / 2)) "$tmp/cut.db"
refused "a truncated input" 1 "cut.db: database disk image is malformed" "$tmp/m12.db" "$tmp/s3.db" "$tmp/cut.db"
refused "a truncated input, OUT new" 1 "cut.db: database disk image is malformed" "$tmp/new.db" "$tmp/cut.db"
[ -e "$tmp/new.db" ] && fail "a truncated input: OUT created" || ok "a truncated input: OUT not created"
sqlite3 "$tmp/foreign.db" "CREATE TABLE run(id, status); INSERT INTO run VALUES (1, 'complete')"
refused "another program's database" 2 "not an offsim results database" "$tmp/m12.db" "$tmp/foreign.db"
# Runs of another scenario file, in an input or in OUT.
"$offsim" sweep "$scenarios/peer-late.ini" --vary nic.fin_wait_2_timeout=30s --set workload.connections=50 \
  --quiet --db "$tmp/late.db" >/dev/null
refused "another scenario" 2 "the databases hold runs of 2 different scenarios: " "$tmp/m.db" "$tmp/late.db"
refused "another scenario in OUT" 2 "--any-scenario merges them anyway; nothing was merged" "$tmp/late.db" "$tmp/s1.db"
cp "$tmp/m.db" "$tmp/both.db"
"$offsim" merge "$tmp/both.db" "$tmp/late.db" --any-scenario >/dev/null
expect "--any-scenario merges them" 7 "$(q "$tmp/both.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")"
# A database of results schema 2 (an older offsim): schema 3 without the
# run's writer columns and the application id.
cp "$tmp/s3.db" "$tmp/v2.db"
sqlite3 "$tmp/v2.db" "ALTER TABLE run DROP COLUMN writer_pid; ALTER TABLE run DROP COLUMN writer_token;
  ALTER TABLE run DROP COLUMN writer_beat; PRAGMA application_id=0; PRAGMA user_version=2"
refused "an input of schema 2" 2 "v2.db: results schema 2, written by another offsim than this one (schema 3)" \
  "$tmp/m12.db" "$tmp/v2.db"
"$offsim" merge "$tmp/v2m.db" "$tmp/s1.db" "$tmp/v2.db" --any-schema >/dev/null
expect "--any-schema merges it" 0 $?
expect "--any-schema: both inputs' runs" \
  "$( (q "$tmp/s1.db" "SELECT identity FROM run"; q "$tmp/v2.db" "SELECT identity FROM run") | sort)" \
  "$(q "$tmp/v2m.db" "SELECT identity FROM run WHERE status = 'complete' ORDER BY 1")"
refused "an output of schema 2" 2 "v2.db (the output): results schema 2" "$tmp/v2.db" "$tmp/s1.db"

# ---- ns-3 sweeps ----------------------------------------------------------------

if "$offsim" --version | grep -q "^ns-3 backend: absent"; then
  "$offsim" sweep "$scenarios/ns3-web.ini" --engine ns3 --vary nic.fin_wait_2_timeout=30s \
    --db "$tmp/ns3.db" >/dev/null 2>"$tmp/err"
  expect "sweep --engine ns3 without ns-3: exit 2" 2 $?
  grep -q "built without ns-3" "$tmp/err" && ok "and it says so" || fail "and it says so: $(cat "$tmp/err")"
else
  ns3=("$scenarios/ns3-lossy.ini" --engine ns3 --vary nic.fin_wait_2_timeout=2s,30s --seeds 2 --quiet
       --set workload.connections=60)
  "$offsim" sweep "${ns3[@]}" --jobs 2 --db "$tmp/ns3.db" >"$tmp/ns3.out"
  expect "sweep --engine ns3 exits 0" 0 $?
  expect "four ns-3 runs complete" "4|ns3" \
    "$(q "$tmp/ns3.db" "SELECT COUNT(*), group_concat(DISTINCT engine) FROM run WHERE status = 'complete'")"
  expect "each in a process of its own" 4 "$(q "$tmp/ns3.db" "SELECT COUNT(DISTINCT writer_pid) FROM run")"
  "$offsim" sweep "${ns3[@]}" --jobs 1 --db "$tmp/ns3j1.db" >/dev/null
  expect "with one job too" 4 "$(q "$tmp/ns3j1.db" "SELECT COUNT(DISTINCT writer_pid) FROM run")"
  db_rows "$tmp/ns3j1.db" | cmp -s - <(db_rows "$tmp/ns3.db") && ok "ns-3 rows do not depend on --jobs" ||
    fail "ns-3 rows do not depend on --jobs"
  # Each run as `offsim run --engine ns3` makes it: same identity, same rows.
  for p in "2s 1" "30s 2"; do
    set -- $p
    "$offsim" run "$scenarios/ns3-lossy.ini" --engine ns3 --set nic.fin_wait_2_timeout=$1 --seed $2 \
      --set workload.connections=60 --quiet --db "$tmp/ns3run.db" >/dev/null
  done
  db_rows "$tmp/ns3run.db" | sed '/|param|/d' >"$tmp/run.rows"
  id1=$(q "$tmp/ns3run.db" "SELECT identity FROM run ORDER BY id LIMIT 1")
  id2=$(q "$tmp/ns3run.db" "SELECT identity FROM run ORDER BY id LIMIT 1 OFFSET 1")
  db_rows "$tmp/ns3.db" | grep -e "^$id1|" -e "^$id2|" | sed '/|param|/d' | cmp -s - "$tmp/run.rows" &&
    ok "a sweep's ns-3 run has the rows and fingerprint of offsim run --engine ns3" ||
    fail "a sweep's ns-3 run has the rows and fingerprint of offsim run --engine ns3"
  # Both engines' sweeps share a database: the engine is in each identity.
  "$offsim" sweep "$scenarios/ns3-lossy.ini" --vary nic.fin_wait_2_timeout=2s,30s --seeds 2 --quiet \
    --set workload.connections=60 --jobs 2 --db "$tmp/ns3.db" >/dev/null
  expect "the native sweep beside it" "native|4 ns3|4" \
    "$(q "$tmp/ns3.db" "SELECT group_concat(engine || '|' || n, ' ') FROM (SELECT engine, COUNT(*) AS n FROM run
       WHERE status = 'complete' GROUP BY 1 ORDER BY 1)")"
  # A point ns-3 cannot run stops the sweep before anything runs.
  "$offsim" sweep "$scenarios/ns3-lossy.ini" --engine ns3 --vary tcp.recovery=newreno,go_back_n \
    --set workload.connections=60 --quiet --db "$tmp/ns3bad.db" >/dev/null 2>"$tmp/err"
  expect "a point ns-3 cannot run: exit 2" 2 $?
  grep -q "the sweep point tcp.recovery=go_back_n cannot run on the ns3 engine: nothing was run" "$tmp/err" &&
    ok "a point ns-3 cannot run: named" || fail "a point ns-3 cannot run: named: $(cat "$tmp/err")"
  [ -e "$tmp/ns3bad.db" ] && fail "a point ns-3 cannot run: database created" || ok "a point ns-3 cannot run: nothing written"
fi

finish
