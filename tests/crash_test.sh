#!/usr/bin/env bash
# crash_test.sh - offsim killed with SIGKILL at seeded random points, and
# databases it cannot use (issue 9).
#
# Kills: a run, a sweep's parent (its workers must die with it), one worker
# of a sweep (its parent must notice and go on), and a merge, each at
# points drawn from a seeded generator (the same points on every run of the
# test; OFFSIM_TEST_CRASH, sim/io/crashpoint.h, kills the process at the
# N-th row written, run handed out or row merged).  After each kill: PRAGMA
# integrity_check is ok, no foreign key dangles, no identity is complete
# twice, and every complete run equals the same run of an uninterrupted
# sweep row by row (compared by run identity); then resuming completes
# exactly the runs that were missing and the whole database equals the
# uninterrupted sweep.  Two identical sweeps at once share the runs.
# SIGTERM and SIGHUP, sent to a run, a sweep or a sweep's parent at a drawn
# row, end it as Ctrl-C does (exit 1, runs 'interrupted', none 'running').
#
# Databases that cannot be used: another program's, a newer offsim's, a
# file that is not a database, a corrupt merge input, a read-only file and a
# full disk (a small tmpfs, mounted in a mount namespace of its own; skipped
# with a message where the kernel refuses) each give SQLite's own reason,
# and a refused file is left byte for byte as it was.
#   usage: crash_test.sh path/to/offsim path/to/scenarios [SEED]
set -u
offsim=$1
scenarios=$2
seed=${3:-9}
. "$(dirname "$0")/lib.sh"
# tests/pidwait.c: waits for processes that are not ours to exit.
pidwait=${OFFSIM_PIDWAIT:?set OFFSIM_PIDWAIT to the pidwait program (tests/CMakeLists.txt does)}
expect() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi; }
q() { sqlite3 "$1" "$2"; }
RANDOM=$seed # every point below comes from this
# pick N: n = 1..N.  Not $(pick N): bash reseeds RANDOM in a subshell, so
# that the points would not follow from the seed.
pick() { n=$((1 + RANDOM % $1)); }

sc="$scenarios/default.ini"
small=(--set workload.connections=250 --set 'workload.interarrival=exp(20ms)' --set sim.log=events --quiet)
sweep=("$sc" --vary nic.fin_wait_2_timeout=30s,60s,120s --seeds 2 "${small[@]}")

# Every row of every complete run, sorted (tests/lib.sh): two databases hold
# the same runs with the same rows iff these are equal.
rows() { db_rows "$1"; }

# The uninterrupted sweep.
"$offsim" sweep "${sweep[@]}" --jobs 1 --db "$tmp/ref.db" >/dev/null
expect "reference sweep exits 0" 0 $?
rows "$tmp/ref.db" >"$tmp/ref.rows"
nref=$(q "$tmp/ref.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")
expect "reference sweep: six runs" 6 "$nref"
# Rows a run writes (all are written through the same statements).
per_run=$(( $(grep -c . "$tmp/ref.rows") / nref ))

# After a kill: the database is whole, and each complete run is the
# reference's run of that identity, nothing missing and nothing foreign.
consistent() { # consistent NAME DB
  local n
  expect "$1: integrity" ok "$(q "$2" 'PRAGMA integrity_check')"
  expect "$1: no dangling row" "" "$(q "$2" 'PRAGMA foreign_key_check')"
  expect "$1: each identity complete once" \
    "$(q "$2" "SELECT COUNT(DISTINCT identity) FROM run WHERE status = 'complete'")" \
    "$(q "$2" "SELECT COUNT(*) FROM run WHERE status = 'complete'")"
  rows "$2" >"$tmp/got.rows"
  cut -d'|' -f1 "$tmp/got.rows" | sort -u >"$tmp/got.ids"
  n=$(grep -c . "$tmp/got.ids")
  if [ "$n" -eq 0 ]; then
    [ -s "$tmp/got.rows" ] && fail "$1: rows without a complete run" || ok "$1: no complete run yet"
  elif grep -F -f "$tmp/got.ids" "$tmp/ref.rows" | cmp -s - "$tmp/got.rows"; then
    ok "$1: its $n complete run(s) equal the uninterrupted sweep's row by row"
  else
    fail "$1: a complete run differs from the uninterrupted sweep's"
  fi
}

# Resume: exactly the missing runs are run, and the whole equals the reference.
resumed() { # resumed NAME DB EXTRA-ARGS...
  local name=$1 db=$2 before words
  shift 2
  before=$(q "$db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")
  words=$(redone_words "$db")
  "$offsim" sweep "${sweep[@]}" --db "$db" "$@" >"$tmp/out" 2>"$tmp/err"
  expect "$name: resumed sweep exits 0" 0 $?
  # A database with no run at all is a fresh start, which says nothing of
  # resuming.  The unfinished runs are named as the database held them.
  if grep -qxF "resumed: $before complete already, $((nref - before)) run now$words" "$tmp/out" ||
     { [ "$before" = 0 ] && [ -z "$words" ] && ! grep -q resumed "$tmp/out"; }; then
    ok "$name: resume ran exactly the $((nref - before)) missing run(s)${words:+, saying$words}"
  else
    fail "$name: resume ran exactly the missing runs${words:+, saying$words}: $(head -3 "$tmp/out") $(cat "$tmp/err")"
  fi
  rows "$db" | cmp -s - "$tmp/ref.rows" && ok "$name: equals the uninterrupted sweep" ||
    fail "$name: equals the uninterrupted sweep"
  expect "$name: nothing left unfinished" 0 "$(q "$db" "SELECT COUNT(*) FROM run WHERE status <> 'complete'")"
}

# Run a command that SIGKILLs itself, without the shell's "Killed" line; its status.
killed() { ( "$@"; exit $? ) 2>/dev/null; }

for i in 1 2 3; do
  # A run, killed at its N-th row.
  pick "$per_run"
  OFFSIM_TEST_CRASH=write:$n killed "$offsim" run "$sc" "${small[@]}" --db "$tmp/run$i.db" >/dev/null
  expect "run killed at row $n: by SIGKILL" 137 $?
  consistent "run killed at row $n" "$tmp/run$i.db"
  expect "run killed at row $n: not complete" 0 "$(q "$tmp/run$i.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'" 2>/dev/null || echo 0)"

  # A sweep's parent, killed after handing out its N-th run: its workers die too.
  pick 6
  OFFSIM_TEST_CRASH=handout:$n killed "$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/p$i.db" >/dev/null
  expect "parent killed after run $n: by SIGKILL" 137 $?
  # shellcheck disable=SC2046 # one argument per process id
  "$pidwait" 2000 $(q "$tmp/p$i.db" "SELECT writer_pid FROM run WHERE status = 'running'") &&
    ok "parent killed after run $n: its workers died with it" ||
    fail "parent killed after run $n: a worker outlived its parent"
  consistent "parent killed after run $n" "$tmp/p$i.db"
  resumed "parent killed after run $n" "$tmp/p$i.db" --jobs 2

  # One worker, killed at its N-th row: the parent says so and goes on.
  pick $((2 * per_run))
  OFFSIM_TEST_CRASH=write:$n OFFSIM_TEST_CRASH_ONCE="$tmp/once$i" \
    "$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/w$i.db" >"$tmp/out" 2>"$tmp/err"
  expect "worker killed at row $n: the sweep exits 1" 1 $?
  grep -q "worker [01] (pid [0-9]*) was killed by signal 9 (Killed) during the run of nic.fin_wait_2_timeout=[0-9]*s, seed [12]: that run is left unfinished" "$tmp/err" &&
    ok "worker killed at row $n: its parent names it and its run" ||
    fail "worker killed at row $n: its parent names it and its run: $(cat "$tmp/err")"
  expect "worker killed at row $n: the others finish" 5 "$(q "$tmp/w$i.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")"
  consistent "worker killed at row $n" "$tmp/w$i.db"
  resumed "worker killed at row $n" "$tmp/w$i.db" --jobs 2
done

# The same from outside, while the workers are in the middle of their runs,
# and the same sweep started again at once (issue 9's reproducer: workers
# that outlived their parent went on writing into runs the new sweep had
# deleted and numbered again).  The first worker to write its 10th row
# SIGKILLs its parent (OFFSIM_TEST_CRASH_TARGET=parent): a moment inside
# the runs reached by counting rows, not by watching the clock.
big=("$sc" --vary nic.fin_wait_2_timeout=30s,60s --set workload.connections=60000 --quiet)
"$offsim" sweep "${big[@]}" --jobs 1 --db "$tmp/bigref.db" >/dev/null
OFFSIM_TEST_CRASH=write:10 OFFSIM_TEST_CRASH_TARGET=parent OFFSIM_TEST_CRASH_ONCE="$tmp/bigonce" \
  killed "$offsim" sweep "${big[@]}" --jobs 2 --db "$tmp/big.db" >/dev/null
expect "parent killed from outside: by SIGKILL" 137 $?
workers=$(q "$tmp/big.db" "SELECT writer_pid FROM run WHERE status = 'running'")
# SIGKILLed as their parent exits (PR_SET_PDEATHSIG): gone at once.
# shellcheck disable=SC2086 # one argument per process id
[ -n "$workers" ] && "$pidwait" 1000 $workers &&
  ok "parent killed from outside: its workers ($(echo $workers)) died with it" ||
  fail "parent killed from outside: its workers ($(echo $workers)) died with it"
"$offsim" sweep "${big[@]}" --jobs 2 --db "$tmp/big.db" >"$tmp/out" 2>&1
expect "parent killed from outside, swept again at once: exits 0" 0 $?
rows "$tmp/bigref.db" >"$tmp/bigref.rows"
rows "$tmp/big.db" | cmp -s - "$tmp/bigref.rows" && ok "parent killed from outside: runs equal the uninterrupted sweep's" ||
  fail "parent killed from outside: runs equal the uninterrupted sweep's: $(cat "$tmp/out")"
expect "parent killed from outside: two runs, each complete once" "2|2|2" \
  "$(q "$tmp/big.db" "SELECT COUNT(*), COUNT(DISTINCT identity), SUM(status = 'complete') FROM run")"
expect "parent killed from outside: integrity" ok "$(q "$tmp/big.db" 'PRAGMA integrity_check')"

# A run killed at its last rows, in the transaction that makes it complete.
n=$per_run
OFFSIM_TEST_CRASH=write:$n killed "$offsim" sweep "${sweep[@]}" --jobs 1 --db "$tmp/last.db" >/dev/null
expect "sweep killed at its first run's last row: by SIGKILL" 137 $?
consistent "killed at the last row" "$tmp/last.db"
resumed "killed at the last row" "$tmp/last.db" --jobs 1

# Merges killed midway leave their output as it was, new or not.
"$offsim" sweep "${sweep[@]}" --seeds 1-1 --jobs 2 --db "$tmp/s1.db" >/dev/null
"$offsim" sweep "${sweep[@]}" --seeds 2-2 --jobs 2 --db "$tmp/s2.db" >/dev/null
merge_rows=$(q "$tmp/s2.db" "SELECT (SELECT COUNT(*) FROM run_param) + (SELECT COUNT(*) FROM conn)
  + (SELECT COUNT(*) FROM event) + (SELECT COUNT(*) FROM occupancy) + (SELECT COUNT(*) FROM scalar)")
for i in 1 2 3; do
  pick "$merge_rows"
  cp "$tmp/s1.db" "$tmp/m$i.db"
  rows "$tmp/m$i.db" >"$tmp/before.rows"
  OFFSIM_TEST_CRASH=merge:$n killed "$offsim" merge "$tmp/m$i.db" "$tmp/s2.db" >/dev/null
  expect "merge killed at row $n: by SIGKILL" 137 $?
  expect "merge killed at row $n: integrity" ok "$(q "$tmp/m$i.db" 'PRAGMA integrity_check')"
  rows "$tmp/m$i.db" | cmp -s - "$tmp/before.rows" && ok "merge killed at row $n: its output is as it was" ||
    fail "merge killed at row $n: its output is as it was"
  "$offsim" merge "$tmp/m$i.db" "$tmp/s2.db" >/dev/null
  expect "merge killed at row $n: merging again exits 0" 0 $?
  rows "$tmp/m$i.db" | cmp -s - "$tmp/ref.rows" && ok "merge killed at row $n: then equals the whole sweep" ||
    fail "merge killed at row $n: then equals the whole sweep"
done
pick "$merge_rows"
OFFSIM_TEST_CRASH=merge:$n killed "$offsim" merge "$tmp/new.db" "$tmp/s1.db" "$tmp/s2.db" >/dev/null
[ -e "$tmp/new.db" ] && fail "a merge into a new file, killed: no file at OUT" ||
  ok "a merge into a new file, killed: no file at OUT"
ls "$tmp"/new.db.merging-* >/dev/null 2>&1 && ok "a merge into a new file, killed: its work file beside OUT" ||
  fail "a merge into a new file, killed: its work file beside OUT"
# Interrupted (Ctrl-C, SIGTERM) rather than killed, a command that writes a
# work file first removes it (cli_tmp_guard): a merge into a new file, and
# an export, leave nothing behind.
pick "$merge_rows"
OFFSIM_TEST_CRASH=merge:$n OFFSIM_TEST_CRASH_SIGNAL=INT \
  killed "$offsim" merge "$tmp/int.db" "$tmp/s1.db" "$tmp/s2.db" >/dev/null
expect "a merge into a new file, interrupted: by SIGINT" 130 $?
ls "$tmp" | grep -q '^int\.db' && fail "a merge into a new file, interrupted: files left: $(ls "$tmp" | grep '^int\.db')" ||
  ok "a merge into a new file, interrupted: no OUT, no work file"
for sig in INT KILL; do
  OFFSIM_TEST_CRASH=export:1 OFFSIM_TEST_CRASH_SIGNAL=$sig \
    killed "$offsim" export "$tmp/s1.db" --out "$tmp/e$sig.csv" >/dev/null
  code=$?
  left=$(ls "$tmp" | grep -c "^e$sig\.csv")
  if [ $sig = INT ]; then
    expect "an export interrupted at its first row: by SIGINT" 130 $code
    expect "an export interrupted at its first row: nothing left" 0 "$left"
  else
    expect "an export killed at its first row: by SIGKILL" 137 $code
    [ -e "$tmp/e$sig.csv" ] && fail "an export killed: a file at --out" || ok "an export killed: no file at --out"
  fi
done
"$offsim" merge "$tmp/new.db" "$tmp/s1.db" "$tmp/s2.db" >/dev/null
expect "a merge into a new file, killed, merged again: exits 0" 0 $?
rows "$tmp/new.db" | cmp -s - "$tmp/ref.rows" && ok "a merge into a new file, merged again: equals the whole sweep" ||
  fail "a merge into a new file, merged again: equals the whole sweep"

# Two identical sweeps at once share the runs: none twice, none failed.
"$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/two.db" >"$tmp/outA" 2>&1 &
a=$!
"$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/two.db" >"$tmp/outB" 2>&1
rb=$?
wait $a
ra=$?
[ "$ra $rb" = "0 0" ] && ok "two identical sweeps at once both exit 0" ||
  fail "two identical sweeps at once both exit 0: got $ra $rb: $(grep -v '^ \|^[0-9]' "$tmp/outA" "$tmp/outB")"
consistent "two identical sweeps" "$tmp/two.db"
rows "$tmp/two.db" | cmp -s - "$tmp/ref.rows" && ok "two identical sweeps: equal one sweep" ||
  fail "two identical sweeps: equal one sweep: $(cat "$tmp/outA" "$tmp/outB")"
expect "two identical sweeps: six runs in all" 6 "$(q "$tmp/two.db" 'SELECT COUNT(*) FROM run')"

# SIGTERM and SIGHUP (a batch scheduler's scancel or time limit, a closing
# terminal) end a run or a sweep as Ctrl-C does: exit 1, the runs in progress
# 'interrupted', none left 'running' (whose writer, were it on another node,
# would hold them for its 5-minute lease), and the sweep resumes.
for sig in TERM HUP; do
  pick "$per_run"
  OFFSIM_TEST_CRASH=write:$n OFFSIM_TEST_CRASH_SIGNAL=$sig \
    "$offsim" run "$sc" "${small[@]}" --db "$tmp/r$sig.db" >/dev/null 2>"$tmp/err"
  expect "run sent SIG$sig at row $n: exits 1" 1 $?
  expect "run sent SIG$sig at row $n: interrupted" interrupted "$(q "$tmp/r$sig.db" "SELECT group_concat(status) FROM run")"
  grep -q "offsim: interrupted (SIG$sig); the run is marked 'interrupted'" "$tmp/err" &&
    ok "run sent SIG$sig: says so" || fail "run sent SIG$sig: says so: $(cat "$tmp/err")"
done
pick $((2 * per_run))
OFFSIM_TEST_CRASH=write:$n OFFSIM_TEST_CRASH_SIGNAL=TERM \
  "$offsim" sweep "${sweep[@]}" --jobs 1 --db "$tmp/st1.db" >/dev/null 2>"$tmp/err"
expect "sweep --jobs 1 sent SIGTERM at row $n: exits 1" 1 $?
expect "sweep --jobs 1 sent SIGTERM at row $n: the run in progress interrupted, none running" "1|0" \
  "$(q "$tmp/st1.db" "SELECT SUM(status = 'interrupted'), SUM(status = 'running') FROM run")"
grep -q "run the same command again to resume" "$tmp/err" && ok "sweep --jobs 1 sent SIGTERM: says how to resume" ||
  fail "sweep --jobs 1 sent SIGTERM: says how to resume: $(cat "$tmp/err")"
consistent "sweep --jobs 1 sent SIGTERM" "$tmp/st1.db"
resumed "sweep --jobs 1 sent SIGTERM" "$tmp/st1.db" --jobs 1
for sig in TERM HUP; do
  # The first worker to write its N-th row signals its parent: the parent
  # passes it on to the workers and waits for their runs to end.
  pick "$per_run"
  OFFSIM_TEST_CRASH=write:$n OFFSIM_TEST_CRASH_SIGNAL=$sig OFFSIM_TEST_CRASH_TARGET=parent \
    OFFSIM_TEST_CRASH_ONCE="$tmp/p$sig.once" \
    "$offsim" sweep "${sweep[@]}" --jobs 2 --db "$tmp/p$sig.db" >/dev/null 2>"$tmp/err"
  expect "sweep's parent sent SIG$sig at a worker's row $n: exits 1" 1 $?
  expect "sweep's parent sent SIG$sig: no run left running" 0 \
    "$(q "$tmp/p$sig.db" "SELECT COUNT(*) FROM run WHERE status = 'running'")"
  grep -q "run the same command again to resume" "$tmp/err" && ok "sweep's parent sent SIG$sig: says how to resume" ||
    fail "sweep's parent sent SIG$sig: says how to resume: $(cat "$tmp/err")"
  consistent "sweep's parent sent SIG$sig" "$tmp/p$sig.db"
  resumed "sweep's parent sent SIG$sig" "$tmp/p$sig.db" --jobs 2
done

# ---- databases offsim cannot use --------------------------------------------------

# Refused: the exit code (2 for a file offsim does not use, a bad input; 1
# for one that fails under it), the message, and the file byte for byte as it
# was, with no journal beside it.
refused() { # refused CODE NAME FILE MESSAGE COMMAND...
  local code=$1 name=$2 file=$3 msg=$4 sum
  shift 4
  sum=$(sha256sum "$file")
  "$@" >/dev/null 2>"$tmp/err"
  expect "$name: exits $code" "$code" $?
  grep -qF -- "$msg" "$tmp/err" && ok "$name: says why" || fail "$name: says why: $(cat "$tmp/err")"
  expect "$name: file unchanged" "$sum" "$(sha256sum "$file")"
  expect "$name: no journal left" "" "$(ls "$file"-* 2>/dev/null)"
}
for kind in foreign newer text; do
  f="$tmp/$kind.db"
  case $kind in
    foreign) q "$f" "CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts VALUES (1, 'x')"
             msg="not an offsim results database (user_version 0, application_id 0x00000000, holding accounts)" ;;
    newer)   cp "$tmp/s1.db" "$f"; q "$f" "PRAGMA user_version = 99" >/dev/null
             msg="written by a newer offsim (results schema 99); this offsim reads schemas 2 to 3" ;;
    text)    printf 'not a database, only text that is long enough for SQLite to read it\n' >"$f"
             msg="file is not a database" ;;
  esac
  refused 2 "$kind: run" "$f" "$msg" "$offsim" run "$sc" "${small[@]}" --db "$f"
  refused 2 "$kind: sweep" "$f" "$msg" "$offsim" sweep "${sweep[@]}" --db "$f"
  refused 2 "$kind: plot" "$f" "$msg" "$offsim" plot "$f" --kind cdf --out "$tmp/x.png"
  refused 2 "$kind: summary" "$f" "$msg" "$offsim" summary "$f"
  refused 2 "$kind: export" "$f" "$msg" "$offsim" export "$f" --out "$tmp/x.csv"
  refused 2 "$kind: merge into it" "$f" "$msg" "$offsim" merge "$f" "$tmp/s1.db"
  refused 2 "$kind: merge from it" "$f" "$msg" "$offsim" merge "$tmp/mo-$kind.db" "$tmp/s1.db" "$f"
  [ -e "$tmp/mo-$kind.db" ] && fail "$kind: a refused merge input: output created" ||
    ok "$kind: a refused merge input: nothing created"
done

# A corrupt merge input: SQLite's reason, nothing merged.
cp "$tmp/s2.db" "$tmp/corrupt.db"
pages=$(q "$tmp/corrupt.db" 'PRAGMA page_count')
dd if=/dev/urandom of="$tmp/corrupt.db" bs=4096 seek=2 count=$((pages - 3)) conv=notrunc status=none
refused 1 "corrupt merge input" "$tmp/corrupt.db" "database disk image is malformed" \
  "$offsim" merge "$tmp/mc.db" "$tmp/s1.db" "$tmp/corrupt.db"
[ -e "$tmp/mc.db" ] && fail "corrupt merge input: output created" || ok "corrupt merge input: nothing created"

# A read-only database and a full disk, on a small tmpfs of a mount namespace
# of its own (root; elsewhere the kernel refuses and this part is skipped).
cat >"$tmp/ns.sh" <<'EOF'
set -u
offsim=$1 sc=$2 mnt=$3 ref=$4
shift 4
mount -t tmpfs -o size=1m tmpfs "$mnt" || exit 77
say() { printf '%s\n' "$*"; }
# Full: a run on a full disk fails with SQLite's reason; the runs there stay whole.
"$offsim" run "$sc" --db "$mnt/f.db" "$@" >/dev/null 2>&1
say "first=$?"
"$offsim" run "$sc" --db "$mnt/f.db" --set workload.connections=20000 --set sim.log=events --quiet >/dev/null 2>"$mnt/../full.err"
say "full=$?"
say "full_integrity=$(sqlite3 "$mnt/f.db" 'PRAGMA integrity_check')"
say "full_complete=$(sqlite3 "$mnt/f.db" "SELECT COUNT(*) FROM run WHERE status = 'complete'")"
dd if=/dev/zero of="$mnt/filler" bs=4096 2>/dev/null
"$offsim" run "$sc" --db "$mnt/new.db" "$@" >/dev/null 2>"$mnt/../fullnew.err"
say "fullnew=$?"
rm -f "$mnt/filler" "$mnt/new.db"*
# Read-only: refused before anything runs, the file unchanged; plots still read it.
sum=$(sha256sum "$mnt/f.db")
mount -o remount,ro "$mnt" || exit 77
"$offsim" run "$sc" --db "$mnt/f.db" "$@" >/dev/null 2>"$mnt/../ro.err"
say "ro=$?"
say "ro_same=$([ "$sum" = "$(sha256sum "$mnt/f.db")" ] && echo yes)"
"$offsim" plot "$mnt/f.db" --kind cdf --out "$mnt/../ro.png" >/dev/null 2>&1
say "ro_plot=$?"
EOF
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  mkdir "$tmp/mnt"
  unshare -m bash "$tmp/ns.sh" "$offsim" "$sc" "$tmp/mnt" "$tmp/ref.db" "${small[@]}" >"$tmp/ns.out" 2>&1
  rc=$?
fi
if [ "$(id -u)" != 0 ] || [ "${rc:-77}" = 77 ]; then
  echo "skip full disk and read-only mount: needs root and a mount namespace (unshare -m; mount -t tmpfs)"
else
  v() { sed -n "s/^$1=//p" "$tmp/ns.out"; }
  expect "a first run fits" 0 "$(v first)"
  expect "full disk: the run fails" 1 "$(v full)"
  grep -q "database or disk is full" "$tmp/full.err" && ok "full disk: SQLite's reason" ||
    fail "full disk: SQLite's reason: $(cat "$tmp/full.err")"
  grep -q "not an error\|cannot rollback" "$tmp/full.err" && fail "full disk: a misleading message: $(cat "$tmp/full.err")" ||
    ok "full disk: no misleading message"
  expect "full disk: integrity" ok "$(v full_integrity)"
  expect "full disk: the earlier run complete, the failed one not" 1 "$(v full_complete)"
  expect "full disk, new database: fails" 1 "$(v fullnew)"
  grep -q "database or disk is full" "$tmp/fullnew.err" && ok "full disk, new database: SQLite's reason" ||
    fail "full disk, new database: SQLite's reason: $(cat "$tmp/fullnew.err")"
  expect "read-only: refused" 1 "$(v ro)"
  grep -q "attempt to write a readonly database" "$tmp/ro.err" && ok "read-only: SQLite's reason" ||
    fail "read-only: SQLite's reason: $(cat "$tmp/ro.err")"
  expect "read-only: file unchanged" yes "$(v ro_same)"
  expect "read-only: plot reads it" 0 "$(v ro_plot)"
fi

finish
