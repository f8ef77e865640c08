#!/usr/bin/env bash
# cli_test.sh - offsim's command line end to end: a run whose database is
# checked with SQL, and every way a user can get the command wrong (exit 2,
# nothing written, also for a database offsim does not use or an output in a
# missing directory) or point it at a database that fails under it (exit 1,
# before simulating); every shipped scenario checks.
#   usage: cli_test.sh path/to/offsim path/to/scenarios
set -u
offsim=$1
scenarios=$2
. "$(dirname "$0")/lib.sh"
expect() { # expect NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
sql() { sqlite3 "$tmp/r.db" "$1"; }

cat >"$tmp/s.ini" <<'INI'
; two classes of peers, one never closes
[sim]
duration = 30min
log = events
[workload]
connections = 200
interarrival = exp(100ms)
[peer web]
share = 3
close_delay = exp(200ms)
[peer gone]
behaviour = never
INI

# A run, checked with SQL.
"$offsim" run "$tmp/s.ini" --db "$tmp/r.db" --seed 7 >"$tmp/out" 2>"$tmp/err"
expect "run exits 0" 0 $?
expect "run is quiet on a non-terminal stderr" "" "$(cat "$tmp/err")"
grep -q '^close latency' "$tmp/out" && ok "summary printed" || fail "summary printed"
expect "schema version" 3 "$(sql 'PRAGMA user_version')"
expect "status complete" complete "$(sql 'SELECT status FROM run')"
expect "seed from --seed" "7|7" "$(sql "SELECT r.seed, p.value FROM run r JOIN run_param p ON p.run_id=r.id AND p.key='sim.seed'")"
keys=$("$offsim" check "$tmp/s.ini" | tail -n +3 | wc -l)
expect "every resolved key in run_param" "$keys" "$(sql 'SELECT COUNT(*) FROM run_param')"
expect "num in SI units" "0.2" "$(sql "SELECT num FROM run_param WHERE key='peer.web.close_delay'")"
expect "one conn row per connection" 200 "$(sql 'SELECT COUNT(*) FROM conn')"
expect "never-closing peers expire on the NIC" 0 \
  "$(sql "SELECT COUNT(*) FROM conn WHERE peer='gone' AND close_reason<>'nic_fw2_timeout'")"
expect "close_latency covers the closed" 200 "$(sql 'SELECT COUNT(*) FROM close_latency WHERE censored=0')"
expect "one Retrieve per expiry" \
  "$(sql "SELECT COUNT(*) FROM conn WHERE close_reason='nic_fw2_timeout'")" \
  "$(sql "SELECT COUNT(*) FROM event WHERE kind='indicate' AND detail='Retrieve:TimeoutExpiration'")"
expect "offloads logged" 200 "$(sql "SELECT COUNT(*) FROM event WHERE kind='offload'")"
[ "$(sql 'SELECT COUNT(*) FROM occupancy')" -gt 10 ] && ok "occupancy sampled" || fail "occupancy sampled"
expect "scalars agree with rows" "$(sql "SELECT COUNT(*) FROM conn WHERE close_reason='nic_fw2_timeout'")" \
  "$(sql "SELECT CAST(value AS INTEGER) FROM scalar WHERE name='nic_fw2_expiries'")"
expect "wall time and events recorded" 1 "$(sql 'SELECT wall_s >= 0 AND events > 0 AND sim_end_ns > 0 FROM run')"
expect "integrity" ok "$(sql 'PRAGMA integrity_check')"

# A second run shares the database; the same seed gives the same fingerprint.
"$offsim" run "$tmp/s.ini" --db "$tmp/r.db" --seed 7 --quiet >/dev/null 2>&1
expect "two runs" 2 "$(sql 'SELECT COUNT(*) FROM run')"
expect "same seed, same trajectory" 1 "$(sql 'SELECT COUNT(DISTINCT fingerprint) FROM run')"
expect "same identity" 1 "$(sql 'SELECT COUNT(DISTINCT identity) FROM run')"

# Mistakes: exit 2, a located message, and no database created.
bad() { # bad NAME EXPECTED-MESSAGE ARGS...
  local name=$1 msg=$2; shift 2
  rm -f "$tmp/n.db"
  "$offsim" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 2 ]; then fail "$name: exit $rc, expected 2"; return; fi
  if ! grep -qF -- "$msg" "$tmp/err"; then fail "$name: message: $(cat "$tmp/err")"; return; fi
  if [ -e "$tmp/n.db" ]; then fail "$name: a database was created"; return; fi
  ok "$name"
}
printf '[link]\ndelay = 5\n' >"$tmp/b1.ini"
bad "duration without a unit" "b1.ini:2: [link] delay: expected" run "$tmp/b1.ini" --db "$tmp/n.db"
printf '[nic]\ncapcity = 5\n' >"$tmp/b2.ini"
bad "misspelled key" "did you mean 'capacity'?" run "$tmp/b2.ini" --db "$tmp/n.db"
bad "bad --set" "--set nic.capacity=-1: [nic] capacity: expected" run "$tmp/s.ini" --db "$tmp/n.db" --set nic.capacity=-1
bad "bad --seed" "--set sim.seed=x" run "$tmp/s.ini" --db "$tmp/n.db" --seed x
bad "bad --log" "expected summary, conn, events or trace" run "$tmp/s.ini" --db "$tmp/n.db" --log everything
bad "unknown option" "unknown option '--frobnicate'" run "$tmp/s.ini" --db "$tmp/n.db" --frobnicate
bad "missing scenario" "which scenario?" run --db "$tmp/n.db"
bad "unreadable scenario" "cannot read the scenario" run "$tmp/none.ini" --db "$tmp/n.db"
bad "unknown engine" "--engine: expected native" run "$tmp/s.ini" --db "$tmp/n.db" --engine foo
bad "unknown command" "unknown command 'frob'" frob
bad "check: bad file" "b1.ini:2:" check "$tmp/b1.ini"

# A database that cannot be used fails before simulating: exit 1, no run.
mkdir "$tmp/adir"
"$offsim" run "$tmp/s.ini" --db "$tmp/adir" >"$tmp/out" 2>"$tmp/err"
expect "unwritable database exits 1" 1 $?
grep -q "cannot use as a results database" "$tmp/err" && ok "unwritable database reported" || fail "unwritable database reported: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "no summary when nothing ran" || ok "no summary when nothing ran"

# Database paths are plain file names, never SQLite URIs, and no command
# leaves -wal or -shm files beside a database once it has ended (issue 8).
mkdir "$tmp/wal"
offsim=$(cd "$(dirname "$offsim")" && pwd)/$(basename "$offsim")
(
  cd "$tmp/wal" || exit 1
  "$offsim" run "$tmp/s.ini" --db 'file:u.db?mode=memory' --set workload.connections=5 >/dev/null 2>&1
  "$offsim" sweep "$tmp/s.ini" --vary nic.fin_wait_2_timeout=30s,60s --seeds 2 --jobs 2 \
    --set workload.connections=5 --db s.db >/dev/null 2>&1
  "$offsim" plot s.db --kind cdf --out c.png >/dev/null 2>&1
  "$offsim" plot s.db --kind handoffs --out h.png >/dev/null 2>&1
  "$offsim" merge m.db s.db 'file:u.db?mode=memory' >/dev/null 2>&1
)
expect "a file: name is a file of that name" 1 "$(sqlite3 "$tmp/wal/file:u.db?mode=memory" \
  "SELECT COUNT(*) FROM run WHERE status='complete'" 2>&1)"
expect "runs merged from a file: name" 5 "$(sqlite3 "$tmp/wal/m.db" "SELECT COUNT(*) FROM run")"
# '%41' is not decoded ('in%41.db' is not inA.db), '#' and '?' are part of
# the name and make no other file.
(
  cd "$tmp/wal" || exit 1
  cp s.db inA.db
  "$offsim" merge m2.db 'in%41.db' >/dev/null 2>err
  echo "merge=$?"
  "$offsim" run "$tmp/s.ini" --db 'a#b?c.db' --set workload.connections=5 >/dev/null 2>&1
  echo "run=$?"
) >"$tmp/names"
expect "merge of 'in%41.db' (absent) fails, inA.db present" "merge=2" "$(grep merge= "$tmp/names")"
grep -q "in%41.db" "$tmp/wal/err" && ok "the name is given back as it was" || fail "the name is given back: $(cat "$tmp/wal/err")"
expect "run --db 'a#b?c.db' writes that file" "run=0 1" \
  "$(grep run= "$tmp/names") $(sqlite3 "$tmp/wal/a#b?c.db" "SELECT COUNT(*) FROM run" 2>&1)"
expect "no other file made" "a#b?c.db err file:u.db?mode=memory inA.db m.db s.db" \
  "$(cd "$tmp/wal" && ls | grep -v '\.png$' | tr '\n' ' ' | sed 's/ $//')"
expect "no -wal or -shm files left by run, sweep, plot and merge" "" \
  "$(cd "$tmp/wal" && ls | grep -E -- '-(wal|shm)$')"

# Every shipped scenario is valid and says what it shows.
for f in "$scenarios"/*.ini; do
  "$offsim" check "$f" >/dev/null 2>"$tmp/err"
  expect "scenario $(basename "$f") checks" 0 $?
  head -1 "$f" | grep -q "^; $(basename "$f") - " && ok "$(basename "$f") has a header" ||
    fail "$(basename "$f") has a header"
done

# Help and version.
"$offsim" help >/dev/null; expect "help exits 0" 0 $?
"$offsim" help scenario | grep -q 'fin_wait_2_timeout = 120s'; expect "help scenario lists keys with defaults" 0 $?
"$offsim" --version | grep -q '^offsim '; expect "--version" 0 $?
"$offsim" --version | grep -q '^invariant checker: ' && ok "--version says whether the checker is on" ||
  fail "--version says whether the checker is on"
# In a test build (ctest says which: OFFSIM_TEST_BUILD) every run, and so
# every suite that drives this offsim, has the checker on without --check.
if [ "${OFFSIM_TEST_BUILD:-}" = 1 ]; then
  expect "the checker is on in every run of a test build" "invariant checker: on in every run (a build for testing)" \
    "$("$offsim" --version | grep '^invariant checker: ')"
elif [ "${OFFSIM_TEST_BUILD:-}" = 0 ]; then
  expect "the checker is off by default outside a test build" "invariant checker: off unless run or sweep --check" \
    "$("$offsim" --version | grep '^invariant checker: ')"
fi
for c in run sweep; do
  "$offsim" $c --help | grep -q -- '--check  *check the model.s invariants' && ok "$c --check has help" ||
    fail "$c --check has help"
done
"$offsim" run "$tmp/s.ini" --check --db "$tmp/chk.db" --seed 7 >/dev/null 2>"$tmp/err"
expect "run --check exits 0" "0" "$?"
expect "run --check records the same rows" "$(sql 'SELECT COUNT(*), SUM(t_closed) FROM conn WHERE run_id = 1')" \
  "$(sqlite3 "$tmp/chk.db" 'SELECT COUNT(*), SUM(t_closed) FROM conn')"
for c in run sweep summary export plot merge check help; do
  "$offsim" help $c >"$tmp/h1"; r1=$?
  "$offsim" $c --help >"$tmp/h2"; r2=$?
  expect "help $c and $c --help agree" "0 0 ok" "$r1 $r2 $(cmp -s "$tmp/h1" "$tmp/h2" && echo ok)"
  grep -q "^usage: offsim $c" "$tmp/h1" && ok "$c help starts with its usage" || fail "$c help: $(head -1 "$tmp/h1")"
done
"$offsim" run --help | grep -q -- '--pcap-conns LIST' && ok "options listed from the table" ||
  fail "options listed from the table"
bad "no help for an unknown topic" "no help for 'frob'" help frob

# The grammar: --opt v and --opt=v, options before the operand, short
# clusters, long names written out, flags without values, "--".
"$offsim" run --db="$tmp/g.db" --set=workload.connections=20 --log=conn -q "$tmp/s.ini" >/dev/null 2>&1
expect "--opt=v and options before the operand" "1|conn" \
  "$(sqlite3 "$tmp/g.db" "SELECT COUNT(*), (SELECT value FROM run_param WHERE key='sim.log') FROM run")"
bad "abbreviated option" "unknown option '--qui'" run "$tmp/s.ini" --db "$tmp/n.db" --qui
bad "flag with a value" "--quiet takes no value" run "$tmp/s.ini" --db "$tmp/n.db" --quiet=yes
bad "missing value names the option" "--db needs a value: PATH" run "$tmp/s.ini" --db
bad "bad choice with =" "--engine: expected native or ns3, got 'x'" run "$tmp/s.ini" --db "$tmp/n.db" --engine=x
bad "unknown short option" "unknown option '-z'" run "$tmp/s.ini" --db "$tmp/n.db" -z
bad "required option" "--kind: expected cdf, vs, occupancy or handoffs" plot "$tmp/r.db"
cp "$tmp/s.ini" "$tmp/-dash.ini"
(cd "$tmp" && "$offsim" check -- -dash.ini >/dev/null); expect "-- ends the options" 0 $?
# An output in a directory that does not exist: exit 2 before anything is
# written (a --pcap there used to leave an empty database behind).
bad "--pcap in a missing directory" "run: --pcap: directory $tmp/nodir does not exist" \
  run "$tmp/s.ini" --db "$tmp/n.db" --pcap "$tmp/nodir/t.pcap"
bad "--db in a missing directory" "run: --db: directory $tmp/nodir does not exist" \
  run "$tmp/s.ini" --db "$tmp/nodir/n.db"
bad "sweep --db in a missing directory" "sweep: --db: directory $tmp/nodir does not exist" \
  sweep "$tmp/s.ini" --vary nic.capacity=1,2 --db "$tmp/nodir/n.db"
bad "plot --out in a missing directory" "plot: --out: directory $tmp/nodir does not exist" \
  plot "$tmp/r.db" --kind cdf --out "$tmp/nodir/c.png"
bad "plot --out under a file" "plot: --out: $tmp/r.db is not a directory" \
  plot "$tmp/r.db" --kind cdf --out "$tmp/r.db/c.png"
bad "export --out in a missing directory" "export: --out: directory $tmp/nodir does not exist" \
  export "$tmp/r.db" --out "$tmp/nodir/r.csv"
bad "merge OUT in a missing directory" "merge: OUT: directory $tmp/nodir does not exist" \
  merge "$tmp/nodir/m.db" "$tmp/r.db"
[ -e "$tmp/nodir" ] && fail "a missing directory was created" || ok "no directory created"

# A value is never cut: a seed written with 140 leading zeros is seed 7.
zeros=$(printf '0%.0s' $(seq 1 140))
"$offsim" run "$tmp/s.ini" --db "$tmp/z.db" --set workload.connections=5 --seed "${zeros}7" -q >/dev/null 2>&1
expect "a long --seed value is read whole" 7 "$(sqlite3 "$tmp/z.db" 'SELECT seed FROM run')"

finish
