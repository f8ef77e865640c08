#!/usr/bin/env bash
# sweep_test.sh - offsim sweep end to end: --jobs does not change the rows,
# varied keys are recorded, slices merge into the whole, a sweep stopped
# with SIGINT resumes without losing or repeating a complete run, and size
# limits (crash_test.sh kills sweeps).
#   usage: sweep_test.sh path/to/offsim path/to/scenarios
set -u
offsim=$1
scenarios=$2
. "$(dirname "$0")/lib.sh"
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }
q() { sqlite3 "$1" "$2"; }

small=(--set workload.connections=400 --set 'workload.interarrival=exp(20ms)' --quiet)

# --jobs 1 and --jobs 2 give the same rows.
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,120s --seeds 2 \
  --jobs 1 --db "$tmp/j1.db" "${small[@]}" >"$tmp/out1"
expect "jobs 1 exits 0" 0 $?
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,120s --seeds 2 \
  --jobs 2 --db "$tmp/j2.db" "${small[@]}" >"$tmp/out2"
expect "jobs 2 exits 0" 0 $?
expect "four runs" 4 "$(q "$tmp/j2.db" "SELECT COUNT(*) FROM run WHERE status='complete'")"
rows="SELECT r.identity, r.seed, r.fingerprint, c.conn_id, c.peer, c.t_open, c.t_close, c.t_closed,
        c.close_reason, c.peer_outcome FROM conn c JOIN run r ON r.id = c.run_id ORDER BY 1, 4"
[ "$(q "$tmp/j1.db" "$rows" | md5sum)" = "$(q "$tmp/j2.db" "$rows" | md5sum)" ] &&
  ok "same conn rows whatever --jobs" || fail "same conn rows whatever --jobs"
scal="SELECT r.identity, s.name, s.value FROM scalar s JOIN run r ON r.id = s.run_id ORDER BY 1, 2"
[ "$(q "$tmp/j1.db" "$scal" | md5sum)" = "$(q "$tmp/j2.db" "$scal" | md5sum)" ] &&
  ok "same scalars whatever --jobs" || fail "same scalars whatever --jobs"
expect "the varied key is marked" "nic.fin_wait_2_timeout" \
  "$(q "$tmp/j2.db" "SELECT DISTINCT key FROM run_param WHERE varied=1")"
expect "run_point names the point" "nic.fin_wait_2_timeout=120s|nic.fin_wait_2_timeout=30s" \
  "$(q "$tmp/j2.db" "SELECT group_concat(point, '|') FROM (SELECT DISTINCT point FROM run_point ORDER BY 1)")"
# Common random numbers: both points see the same arrivals for a seed.
expect "same arrivals at every point" 1 \
  "$(q "$tmp/j2.db" "SELECT COUNT(DISTINCT h) FROM (SELECT r.seed, group_concat(c.t_open) AS h FROM conn c
      JOIN run r ON r.id=c.run_id WHERE r.seed=1 GROUP BY r.id)")"
grep -q '^30s ' "$tmp/out2" && ok "summary table per point" || fail "summary table per point: $(cat "$tmp/out2")"

# Rerunning a finished sweep runs nothing.
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,120s --seeds 2 \
  --jobs 2 --db "$tmp/j2.db" "${small[@]}" >"$tmp/out3"
grep -q 'resumed: 4 complete already, 0 run now' "$tmp/out3" && ok "finished sweep is skipped" ||
  fail "finished sweep is skipped: $(cat "$tmp/out3")"
expect "still four runs" 4 "$(q "$tmp/j2.db" "SELECT COUNT(*) FROM run")"

# Runs made one by one, then a sweep over them: it runs nothing, and the
# runs become its points (varied = 1), in run_point and in its table.
for t in 30s 120s; do
  "$offsim" run "$scenarios/default.ini" --set nic.fin_wait_2_timeout=$t --seed 1 \
    --db "$tmp/one.db" "${small[@]}" >/dev/null
done
expect "runs alone vary nothing" 0 "$(q "$tmp/one.db" "SELECT COUNT(*) FROM run_param WHERE varied=1")"
for jobs in 1 2; do
  cp "$tmp/one.db" "$tmp/one$jobs.db"
  "$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,120s --seeds 1 \
    --jobs $jobs --db "$tmp/one$jobs.db" "${small[@]}" >"$tmp/out4"
  grep -q 'resumed: 2 complete already, 0 run now' "$tmp/out4" &&
    ok "--jobs $jobs: runs made alone are not run again" ||
    fail "--jobs $jobs: runs made alone are not run again: $(cat "$tmp/out4")"
  expect "--jobs $jobs: they are the sweep's points" \
    "nic.fin_wait_2_timeout=120s|nic.fin_wait_2_timeout=30s" \
    "$(q "$tmp/one$jobs.db" "SELECT group_concat(point, '|') FROM (SELECT point FROM run_point ORDER BY 1)")"
  grep -q '^120s ' "$tmp/out4" && ! grep -q 'which no sweep varied' "$tmp/out4" &&
    ok "--jobs $jobs: its table has a row per point" ||
    fail "--jobs $jobs: its table has a row per point: $(cat "$tmp/out4")"
done

# Slices of a sweep made apart and merged equal the whole sweep; merging
# again copies nothing.
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,120s --seeds 1-1 \
  --jobs 1 --db "$tmp/a.db" "${small[@]}" >/dev/null
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,120s --seeds 2-2 \
  --jobs 1 --db "$tmp/b.db" "${small[@]}" >/dev/null
"$offsim" merge "$tmp/m.db" "$tmp/a.db" "$tmp/b.db" >"$tmp/out5"
expect "merge exits 0" 0 $?
[ "$(q "$tmp/j1.db" "$rows" | md5sum)" = "$(q "$tmp/m.db" "$rows" | md5sum)" ] &&
  ok "merged slices equal the whole sweep" || fail "merged slices equal the whole sweep"
[ "$(q "$tmp/j1.db" "$scal" | md5sum)" = "$(q "$tmp/m.db" "$scal" | md5sum)" ] &&
  ok "merged scalars equal the whole sweep" || fail "merged scalars equal the whole sweep"
"$offsim" merge "$tmp/m.db" "$tmp/a.db" "$tmp/j1.db" >"$tmp/out6"
expect "merging again copies nothing" 4 "$(q "$tmp/m.db" "SELECT COUNT(*) FROM run")"
grep -q "0 runs copied, 4 already in" "$tmp/out6" && ok "merge reports what it skipped" ||
  fail "merge reports what it skipped: $(cat "$tmp/out6")"
# A run OUT has already (made alone: varied = 0) takes the varied keys of
# the sweep's copy merged in, so it is the sweep's point in run_point; in an
# existing OUT, and within one merge into a new OUT (the run copied from the
# first input, the sweep's copy in the second).
cp "$tmp/one.db" "$tmp/mv.db"
"$offsim" merge "$tmp/mv.db" "$tmp/j1.db" >"$tmp/out7"
expect "merge into runs made alone exits 0" 0 $?
grep -q "j1.db: 2 runs copied, 2 already in $tmp/mv.db (2 of them now varied in more keys)" "$tmp/out7" &&
  ok "merge says it marked the runs it had" || fail "merge says it marked the runs it had: $(cat "$tmp/out7")"
"$offsim" merge "$tmp/mn.db" "$tmp/one.db" "$tmp/j1.db" >"$tmp/out8"
expect "merge of runs alone and a sweep into a new file exits 0" 0 $?
for db in mv mn; do
  expect "$db: every run a point of the sweep" "4|4" \
    "$(q "$tmp/$db.db" "SELECT COUNT(*), SUM(point LIKE 'nic.fin_wait_2_timeout=%') FROM run_point")"
  [ "$(q "$tmp/j1.db" "$rows" | md5sum)" = "$(q "$tmp/$db.db" "$rows" | md5sum)" ] &&
    ok "$db: the runs' rows are the sweep's" || fail "$db: the runs' rows are the sweep's"
done
"$offsim" merge "$tmp/mv.db" "$tmp/one.db" "$tmp/j1.db" >"$tmp/out9"
grep -q "now varied" "$tmp/out9" && fail "merging again marks nothing: $(cat "$tmp/out9")" ||
  ok "merging again marks nothing"
expect "a key varied in either copy stays varied" 4 "$(q "$tmp/mv.db" "SELECT COUNT(*) FROM run_param WHERE varied = 1")"
"$offsim" merge "$tmp/m2.db" "$tmp/nonexistent.db" 2>"$tmp/err"
expect "missing input exits 2" 2 $?
"$offsim" merge "$tmp/m.db" 2>"$tmp/err"
expect "merge without inputs exits 2" 2 $?
printf 'not a database at all, just text long enough to be read\n' >"$tmp/text.db"
"$offsim" merge "$tmp/m3.db" "$tmp/text.db" 2>"$tmp/err"
expect "a non-database input exits 2" 2 $?

# A [sweep] section declares the same sweep.
cat "$scenarios/default.ini" >"$tmp/s.ini"
printf '\n[sweep]\nnic.fin_wait_2_timeout = 30s..90s step 30s\nseeds = 2\njobs = 2\n' >>"$tmp/s.ini"
"$offsim" sweep "$tmp/s.ini" --db "$tmp/sec.db" "${small[@]}" >/dev/null
expect "[sweep] section: 3 points x 2 seeds" 6 "$(q "$tmp/sec.db" "SELECT COUNT(*) FROM run WHERE status='complete'")"

# Mistakes are exit 2 and create nothing.
"$offsim" sweep "$scenarios/default.ini" --vary nic.fin_wait_2_timeout=30s,60 --db "$tmp/bad.db" 2>"$tmp/err"
expect "bad --vary exits 2" 2 $?
[ -e "$tmp/bad.db" ] && fail "bad --vary wrote a database" || ok "bad --vary wrote nothing"
grep -q "nic.fin_wait_2_timeout: expected a duration with a unit" "$tmp/err" && ok "bad --vary is explained" ||
  fail "bad --vary is explained: $(cat "$tmp/err")"
"$offsim" sweep "$scenarios/default.ini" --vary host.rto_min=1s,2min --db "$tmp/bad.db" 2>"$tmp/err"
expect "an invalid point exits 2" 2 $?
grep -q "rto_min (120s) is above rto_max" "$tmp/err" && ok "invalid point explained" ||
  fail "invalid point explained: $(cat "$tmp/err")"

# Size limits, checked before anything is written (issue 9): six axes of
# 4096 values are 2^72 runs, not "0 runs".
six=()
for k in nic.capacity workload.connections peer.browser.count peer.mobile.count peer.lazy.count; do
  six+=(--vary "$k=1..4096")
done
six+=(--vary 'peer.browser.share=1..4096 step 1')
"$offsim" sweep "$scenarios/default.ini" "${six[@]}" --db "$tmp/huge.db" >"$tmp/out" 2>"$tmp/err"
expect "2^72 runs: exit 2" 2 $?
grep -q "the sweep has 4096 values of nic.capacity x .* x 4096 values of peer.browser.share x 1 seed = 4.722e+21 runs, more than the 1000000 a sweep may have" "$tmp/err" &&
  ok "2^72 runs: the size and the limit said" || fail "2^72 runs: the size and the limit said: $(cat "$tmp/err")"
[ -e "$tmp/huge.db" ] && fail "2^72 runs: a database was created" || ok "2^72 runs: nothing written"
"$offsim" sweep "$scenarios/default.ini" --vary nic.capacity=1..1001 --seeds 1000 --db "$tmp/huge.db" 2>"$tmp/err"
expect "1001000 runs: exit 2" 2 $?
[ -e "$tmp/huge.db" ] && fail "1001000 runs: a database was created" || ok "1001000 runs: nothing written"
"$offsim" sweep "$scenarios/default.ini" --vary nic.capacity=1..10001 --db "$tmp/huge.db" 2>"$tmp/err"
expect "10001 values on an axis: exit 2" 2 $?
grep -q "the range has 10001 values, more than 10000" "$tmp/err" && ok "10001 values: said" ||
  fail "10001 values: said: $(cat "$tmp/err")"
# (Planning memory: test_sweep plans 500 000 runs in a few MB.)

# SIGKILL at every kind of point, and two sweeps at once: tests/crash_test.sh.
big=(--vary nic.fin_wait_2_timeout=30s..240s step 30s --set workload.connections=20000 --quiet)

# Ctrl-C: the run in progress ends 'interrupted', the sweep says how to resume.
# The first worker to write its 30 000th row (in its second run: a run
# writes about 20 000) sends its parent SIGINT, as a Ctrl-C in the middle
# of the runs would (OFFSIM_TEST_CRASH_SIGNAL, sim/io/crashpoint.h).
OFFSIM_TEST_CRASH=write:30000 OFFSIM_TEST_CRASH_SIGNAL=INT OFFSIM_TEST_CRASH_TARGET=parent \
  OFFSIM_TEST_CRASH_ONCE="$tmp/i.once" \
  "$offsim" sweep "$scenarios/default.ini" "${big[@]}" --jobs 2 --db "$tmp/i.db" >"$tmp/out" 2>"$tmp/err"
expect "interrupted sweep exits 1" 1 $?
grep -q "run the same command again to resume" "$tmp/err" && ok "interrupt explained" ||
  fail "interrupt explained: $(cat "$tmp/err")"
# The table of an interrupted sweep: no nan, a point without a complete run says so.
grep -qi 'nan' "$tmp/out" && fail "interrupted sweep's table prints nan: $(cat "$tmp/out")" ||
  ok "interrupted sweep's table prints no nan"
grep -q '^no complete run: nic.fin_wait_2_timeout=[0-9]*s' "$tmp/out" && ok "a point without a complete run says so" ||
  fail "a point without a complete run says so: $(cat "$tmp/out")"
expect "no run left 'running'" 0 "$(q "$tmp/i.db" "SELECT COUNT(*) FROM run WHERE status='running'")"
ni=$(q "$tmp/i.db" "SELECT COUNT(*) FROM run WHERE status='interrupted'")
nc=$(q "$tmp/i.db" "SELECT COUNT(*) FROM run WHERE status='complete'")
"$offsim" sweep "$scenarios/default.ini" "${big[@]}" --jobs 2 --db "$tmp/i.db" >"$tmp/out"
# Resuming names the runs it redoes as what they are: interrupted.
[ "$ni" -gt 0 ] && [ "$ni" -lt 3 ] &&
  grep -qxF "resumed: $nc complete already, $((8 - nc)) run now (redone: $ni interrupted run$([ "$ni" = 1 ] || echo s))" "$tmp/out" &&
  ok "resuming after Ctrl-C says it redoes $ni interrupted run(s)" ||
  fail "resuming after Ctrl-C says it redoes $ni interrupted run(s): $(grep resumed "$tmp/out")"
expect "resumed after Ctrl-C" "8|8" \
  "$(q "$tmp/i.db" "SELECT COUNT(*), COUNT(DISTINCT identity) FROM run WHERE status='complete'")"

finish
