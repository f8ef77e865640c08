#!/usr/bin/env bash
# contract_test.sh - DESIGN.md's contracts as a user who writes scenario files
# and SQL from them alone meets them: every scenario key with its documented
# default, unit and allowed values, the host presets (A11), every results
# table, column and view with its types and units, and every command and
# option of the command line with its exit codes.  Contracts may grow (more
# keys, columns, options); nothing listed here may go missing, be renamed,
# or change its default, type or unit.
#   usage: contract_test.sh path/to/offsim path/to/README.md
set -u
offsim=$1
readme=$2
. "$(dirname "$0")/lib.sh"
expect() { # expect NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
# Two numbers equal within 1e-9, relative above 1.
same_num() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d;
  m = (a < 0 ? -a : a); exit !(a != "" && b != "" && d <= 1e-9 * (m > 1 ? m : 1)) }'; }

printf '[peer p]\n' >"$tmp/p.ini"
# resolved [--set k=v]...: `offsim check` as "key value si" lines (si empty
# for a value without a number).
resolved() {
  local sets=() kv
  for kv in "$@"; do sets+=(--set "$kv"); done
  "$offsim" check "$tmp/p.ini" "${sets[@]}" 2>"$tmp/err" | tail -n +3 |
    awk '{ si = ($3 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/) ? $3 : ""; print $1, $2, si }'
}
field() { awk -v k="$1" -v f="$2" '$1 == k { print $f }'; }

# ---- Scenario keys and their documented defaults --------------------------
# "key default": a number is compared with check's SI number, a word with the
# value; '-' is a key DESIGN lists without a default.
resolved >"$tmp/defaults"
while read -r key def; do
  line=$(awk -v k="$key" '$1 == k' "$tmp/defaults")
  if [ -z "$line" ]; then fail "key $key: missing from offsim check"; continue; fi
  [ "$def" = - ] && { ok "key $key"; continue; }
  val=$(echo "$line" | awk '{ print $2 }') si=$(echo "$line" | awk '{ print $3 }')
  if [ "$val" = "$def" ] || same_num "$si" "$def"; then ok "key $key = $def"
  else fail "key $key: DESIGN's default $def, offsim resolves '$val' ($si)"; fi
done <<'KEYS'
sim.duration 3600
sim.seed 1
sim.log conn
sim.warmup 0
sim.sample_interval 1
link.delay 0.001
link.bandwidth 1e9
link.loss 0
link.jitter 0
host.fw2_policy chimney
host.fw2_mode -
host.fw2_scope -
host.fin_wait_2_timeout -
host.fw2_check_interval -
host.fw2_rto_floor -
host.data_after_close -
host.time_wait -
host.fw2_expiry silent
host.rto_min -
host.rto_max -
host.max_retries -
host.upload_delay -
host.mss 1460
host.window -
host.delack 0
nic.capacity 65536
nic.ticks_per_second 1000
nic.tick_mode ceil
nic.fin_wait_2_timeout 120
nic.offload_latency -
nic.upload_latency -
nic.on_unset_delta none
nic.expired_delta -1
tcp.acceptable window
offload.when established
offload.probability 1
offload.upload_rate 0
workload.connections -
workload.interarrival -
workload.request 0
workload.response -
workload.closer local
workload.close_mode close
peer.p.share 1
peer.p.behaviour -
peer.p.close_delay -
peer.p.interval -
peer.p.count -
peer.p.ack_delay 0
peer.p.delay 0.001
peer.p.loss 0
peer.p.bandwidth 1e9
KEYS
# A class's path takes [link]'s values unless it overrides them.
resolved link.delay=7ms link.loss=0.25 link.bandwidth=5Mbps >"$tmp/link"
expect "peer path defaults from [link]" "0.007 0.25 5000000" \
  "$(field peer.p.delay 3 <"$tmp/link") $(field peer.p.loss 3 <"$tmp/link") $(field peer.p.bandwidth 3 <"$tmp/link")"

# ---- Units: every documented form, and its number in SI base units -------
si() { # si KEY VALUE EXPECTED-SI ('error': refused, exit 2)
  local out rc
  out=$(resolved "$1=$2"); rc=$?
  if [ "$3" = error ]; then
    if [ -z "$out" ] && grep -q "$1" "$tmp/err"; then ok "$1 = $2 refused"
    else fail "$1 = $2: accepted, DESIGN's unit rules refuse it"; fi
    return
  fi
  local got; got=$(echo "$out" | field "$1" 3)
  if same_num "$got" "$3"; then ok "$1 = $2 is $3"; else fail "$1 = $2: expected $3, got '$got' $(cat "$tmp/err")"; fi
}
si nic.fin_wait_2_timeout 7ns 7e-9
si nic.fin_wait_2_timeout 7us 7e-6
si nic.fin_wait_2_timeout 7ms 0.007
si nic.fin_wait_2_timeout 7s 7
si nic.fin_wait_2_timeout 7min 420
si nic.fin_wait_2_timeout 7h 25200
si nic.fin_wait_2_timeout 1.5s 1.5
si nic.fin_wait_2_timeout 7 error
si host.delack 0 0
si host.upload_delay 0 0
si workload.response 1500 1500
si workload.response 1500B 1500
si workload.response 15KB 15000
si workload.response 1.5MB 1500000
si host.mss 1000 1000
si workload.response 1.5 error
si workload.response 0.4B error
si nic.fin_wait_2_timeout 1.5ns error
si host.window 64KB 64000
si link.bandwidth 100bps 100
si link.bandwidth 100Kbps 1e5
si link.bandwidth 100Mbps 1e8
si link.bandwidth 10Gbps 1e10
si link.bandwidth 100 error
si offload.upload_rate 0.5/s 0.5
si offload.upload_rate 0.5 error
si nic.capacity 7 7
si nic.capacity 7.5 error
si nic.ticks_per_second 100 100
si peer.p.count 3 3
si host.max_retries 3 3
si sim.seed 42 42
si link.loss 0.25 0.25
si offload.probability 0.25 0.25
si peer.p.share 0.25 0.25
# Distributions: their number is the mean.
for k in workload.interarrival peer.p.close_delay peer.p.ack_delay link.jitter peer.p.delay; do
  si $k 30ms 0.03
  si $k 'const(30ms)' 0.03
  si $k 'exp(30ms)' 0.03
  si $k 'uniform(10ms,50ms)' 0.03
  si $k 'pareto(10ms,3)' 0.015
  si $k 'exp(30)' error
done
si peer.p.close_delay 'lognormal(20ms,0.5)' "$(awk 'BEGIN { printf "%.10g", 0.02 * exp(0.125) }')"

# ---- Allowed values DESIGN names -----------------------------------------
while read -r key values; do
  for v in $values; do
    got=$(resolved "$key=$v" | field "$key" 2)
    expect "$key = $v accepted" "$v" "$got"
  done
done <<'VALUES'
sim.log summary conn events trace
host.fw2_policy chimney linux freebsd freebsd_fast none
host.fw2_mode idle absolute
host.fw2_scope closed all
host.data_after_close accept rst
host.fw2_expiry silent rst
nic.ticks_per_second 10 100 1000
nic.tick_mode ceil count
nic.on_unset_delta none start
nic.expired_delta -1 0
tcp.acceptable window exact
offload.when never established fin_wait_2
workload.closer local peer
workload.close_mode close shutdown
peer.p.behaviour close never trickle keepalive rst
VALUES
# interval, count and close_delay are accepted for every behaviour, under
# every closer.
for b in close never trickle keepalive rst; do
  for c in local peer; do
    "$offsim" check "$tmp/p.ini" --set peer.p.behaviour=$b --set workload.closer=$c \
      --set peer.p.interval=2s --set peer.p.count=3 --set peer.p.close_delay=5s >/dev/null 2>"$tmp/err"
    expect "behaviour $b with closer $c, interval, count, close_delay" "0 " "$? $(cat "$tmp/err")"
  done
done
printf '[peer a]\nshare = 0\n[peer b]\nshare = 0\n' >"$tmp/zero.ini"
"$offsim" check "$tmp/zero.ini" >/dev/null 2>&1
expect "all shares zero is an error" 2 $?

# ---- Host presets (A11) --------------------------------------------------
# policy: fw2_scope fin_wait_2_timeout fw2_check_interval fw2_rto_floor
# data_after_close time_wait, then the modes DESIGN allows.  linux's mode is
# 'linux' in offsim: absolute, with Linux's keep-alive path above time_wait
# (DESIGN's "a fin_timeout above 60 s lives 2·(fin_timeout − 60)"), the same
# timer as absolute at the preset's 60 s.
while read -r policy scope timeout check floor dac tw modes; do
  resolved host.fw2_policy=$policy >"$tmp/preset"
  got="$(field host.fw2_scope 2 <"$tmp/preset") $(field host.fin_wait_2_timeout 3 <"$tmp/preset")"
  got="$got $(field host.fw2_check_interval 3 <"$tmp/preset") $(field host.fw2_rto_floor 3 <"$tmp/preset")"
  got="$got $(field host.data_after_close 2 <"$tmp/preset") $(field host.time_wait 3 <"$tmp/preset")"
  expect "preset $policy" "$scope $timeout $check $floor $dac $tw" "$got"
  mode=$(field host.fw2_mode 2 <"$tmp/preset")
  case " $modes " in *" $mode "*) ok "preset $policy: fw2_mode $mode" ;;
    *) fail "preset $policy: fw2_mode $mode, DESIGN says one of: $modes" ;; esac
done <<'PRESETS'
chimney all 120 0 0 accept 240 idle
linux closed 60 0 3.5 rst 60 absolute linux
freebsd closed 600 75 0 rst 60 idle
freebsd_fast closed 60 0 0 rst 60 absolute
none all 0 0 0 accept 240 idle absolute
PRESETS
expect "freebsd's idle time counts every segment" any \
  "$(resolved host.fw2_policy=freebsd | field host.fw2_idle_on 2)"
resolved host.fw2_policy=linux host.time_wait=30s >"$tmp/over"
expect "a preset's key can be overridden" "30 --set" \
  "$(field host.time_wait 3 <"$tmp/over") $("$offsim" check "$tmp/p.ini" --set host.fw2_policy=linux \
     --set host.time_wait=30s | awk '$1 == "host.time_wait" { print $NF }')"

# ---- The results database --------------------------------------------------
cat >"$tmp/s.ini" <<'INI'
; contract: peers that close at once, late, or never
[sim]
duration = 2min
sample_interval = 500ms
warmup = 1s
[nic]
fin_wait_2_timeout = 10s
capacity = 30
[workload]
connections = 60
interarrival = exp(100ms)
request = 300B
[peer fast]
share = 2
close_delay = exp(100ms)
[peer late]
close_delay = 15s
[peer gone]
behaviour = never
[peer chatty]
behaviour = trickle
interval = 2s
count = 3
close_delay = 8s
INI
db=$tmp/r.db
sql() { sqlite3 "$db" "$1"; }
"$offsim" run "$tmp/s.ini" --db "$db" --log events --quiet >"$tmp/out" 2>"$tmp/err"
expect "run exits 0, nothing on stderr" "0 " "$? $(cat "$tmp/err")"
expect "schema version in PRAGMA user_version" 3 "$(sql 'PRAGMA user_version')"
while read -r table cols; do
  have=" $(sql "SELECT group_concat(name, ' ') FROM pragma_table_info('$table')") "
  for c in $cols; do
    case "$have" in *" $c "*) ok "$table.$c" ;; *) fail "$table.$c: missing (has:$have)" ;; esac
  done
done <<'SCHEMA'
run id identity scenario scenario_sha256 engine seed status started wall_s sim_end_ns events fingerprint
run_param run_id key value num varied
conn run_id conn_id peer t_open t_close t_fin_wait_1 t_fin_wait_2 t_time_wait t_closed t_released close_reason owner_at_close handoffs peer_outcome
event run_id t conn_id kind detail value
occupancy run_id t nic_total nic_fin_wait_2 host_fin_wait_2 time_wait
scalar run_id name value
close_latency run_id conn_id peer close_s release_s censored
SCHEMA
expect "close_latency is a view" view "$(sql "SELECT type FROM sqlite_master WHERE name='close_latency'")"
# Times are INTEGER nanoseconds, NULL when never reached.
expect "conn times are integers or NULL" 0 "$(sql "SELECT COUNT(*) FROM conn WHERE
  typeof(t_open) <> 'integer' OR typeof(t_close) NOT IN ('integer','null')
  OR typeof(t_fin_wait_1) NOT IN ('integer','null') OR typeof(t_fin_wait_2) NOT IN ('integer','null')
  OR typeof(t_time_wait) NOT IN ('integer','null') OR typeof(t_closed) NOT IN ('integer','null')
  OR typeof(t_released) NOT IN ('integer','null')")"
expect "event and occupancy times, sim_end_ns are integers" "0 0 integer" \
  "$(sql "SELECT COUNT(*) FROM event WHERE typeof(t) <> 'integer'") $(sql "SELECT COUNT(*) FROM occupancy WHERE typeof(t) <> 'integer'") $(sql 'SELECT typeof(sim_end_ns) FROM run')"
expect "a nanosecond clock" 1 "$(sql "SELECT MAX(t_close) > 1e9 AND MAX(t_close) < 121e9 FROM conn")"
expect "run row" "native complete 64 1" "$(sql "SELECT engine, status, length(scenario_sha256),
  seed FROM run" | tr '|' ' ')"
expect "scenario_sha256 hashes the file" "$(sha256sum "$tmp/s.ini" | cut -c1-64)" "$(sql 'SELECT scenario_sha256 FROM run')"
expect "the run records its command line, host and build" 1 \
  "$(sql "SELECT command_line LIKE '%run%s.ini%' AND length(host) > 0 AND build LIKE 'offsim %' FROM run")"
# run_param: every resolved key, defaults included, as on the command line,
# num in SI base units.
expect "every resolved key in run_param" "$("$offsim" check "$tmp/s.ini" | tail -n +3 | wc -l)" \
  "$(sql 'SELECT COUNT(*) FROM run_param')"
expect "run_param keys and nums" "host.mss|1460.0 nic.capacity|30.0 nic.fin_wait_2_timeout|10.0 peer.late.close_delay|15.0 sim.sample_interval|0.5" \
  "$(sql "SELECT key || '|' || num FROM run_param WHERE key IN ('nic.capacity', 'peer.late.close_delay',
    'nic.fin_wait_2_timeout', 'host.mss', 'sim.sample_interval') ORDER BY key" | tr '\n' ' ' | sed 's/ $//')"
expect "varied = 0 in a single run" 0 "$(sql 'SELECT SUM(varied) FROM run_param')"
# conn: the section name, documented values only.
expect "conn.peer is the [peer NAME]" "chatty fast gone late" "$(sql 'SELECT DISTINCT peer FROM conn ORDER BY 1' | tr '\n' ' ' | sed 's/ $//')"
expect "close_reason values" 0 "$(sql "SELECT COUNT(*) FROM conn WHERE close_reason NOT IN
  ('peer_fin', 'nic_fw2_timeout', 'host_fw2_timeout', 'rst', 'retries', 'open')")"
expect "owner_at_close values" 0 "$(sql "SELECT COUNT(*) FROM conn WHERE owner_at_close NOT IN ('host', 'nic', 'handoff')")"
expect "peer_outcome values" 0 "$(sql "SELECT COUNT(*) FROM conn WHERE peer_outcome NOT IN ('clean', 'reset', 'open')")"
# (A full NIC refuses some offloads: those connections stay on the host.)
expect "silent peers: NIC expiry, CLOSED on the NIC (A1), their side open" "nic_fw2_timeout nic open 0" \
  "$(sql "SELECT DISTINCT close_reason, owner_at_close, peer_outcome, t_time_wait IS NOT NULL FROM conn
    WHERE peer = 'gone' AND handoffs > 0" | tr '|' ' ')"
expect "late FINs meet an RST" "reset" "$(sql "SELECT DISTINCT peer_outcome FROM conn WHERE peer = 'late' AND handoffs > 0")"
expect "t_closed is the expiry; t_released the upload's end" 0 "$(sql "SELECT COUNT(*) FROM conn c WHERE
  close_reason = 'nic_fw2_timeout' AND (t_closed <> (SELECT t FROM event e WHERE e.conn_id = c.conn_id AND kind = 'fw2_expire')
  OR t_released <= t_closed)")"
expect "a connection's handoffs" 0 "$(sql "SELECT COUNT(*) FROM conn c WHERE handoffs <>
  (SELECT COUNT(*) FROM event e WHERE e.conn_id = c.conn_id AND kind IN ('offload', 'upload'))")"
# event: documented kinds and details.
expect "event kinds" 0 "$(sql "SELECT COUNT(*) FROM event WHERE kind NOT IN ('offload', 'upload', 'indicate',
  'fw2_start', 'fw2_restart', 'fw2_expire', 'state', 'refused')")"
expect "a full NIC refuses, logged" 1 "$(sql "SELECT COUNT(*) > 0 AND COUNT(*) = (SELECT value FROM scalar WHERE name = 'offloads_refused') FROM event WHERE kind = 'refused'")"
expect "offload/upload: the TCP state and a TimeoutDelta" 0 "$(sql "SELECT COUNT(*) FROM event WHERE kind IN ('offload', 'upload')
  AND (detail NOT IN ('ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSING', 'LAST_ACK', 'CLOSE_WAIT', 'TIME_WAIT', 'CLOSED') OR value < -1)")"
expect "one Retrieve:TimeoutExpiration per NIC expiry" \
  "$(sql "SELECT COUNT(*) FROM conn WHERE close_reason = 'nic_fw2_timeout'")" \
  "$(sql "SELECT COUNT(*) FROM event WHERE kind = 'indicate' AND detail = 'Retrieve:TimeoutExpiration'")"
expect "fw2_restarts counts the fw2_restart events" 1 "$(sql "SELECT COUNT(*) > 0 AND COUNT(*) =
  (SELECT value FROM scalar WHERE name = 'fw2_restarts') FROM event WHERE kind = 'fw2_restart'")"
# occupancy every sample_interval.
expect "occupancy every sample_interval from 0" "0 500000000" \
  "$(sql "SELECT MIN(t), (SELECT MIN(b.t) FROM occupancy b WHERE b.t > MIN(a.t)) FROM occupancy a" | tr '|' ' ')"
expect "nic_occupancy: the occupancy rows, t in seconds" "0 $(sql 'SELECT COUNT(*) FROM occupancy')" \
  "$(sql "SELECT COUNT(*) FROM nic_occupancy n WHERE NOT EXISTS (SELECT 1 FROM occupancy o WHERE o.run_id = n.run_id
    AND o.t = CAST(ROUND(n.t_s * 1e9) AS INTEGER) AND o.nic_total = n.nic_total
    AND o.nic_fin_wait_2 = n.nic_fin_wait_2 AND o.host_fin_wait_2 = n.host_fin_wait_2
    AND o.time_wait = n.time_wait)") $(sql 'SELECT COUNT(*) FROM nic_occupancy')"
# close_latency: seconds, as DESIGN defines them.
expect "close_s = COALESCE(t_time_wait, t_closed) - t_close, in s" 0 "$(sql "SELECT COUNT(*) FROM close_latency l
  JOIN conn c USING (run_id, conn_id) WHERE NOT l.censored AND
  ABS(l.close_s * 1e9 - (COALESCE(c.t_time_wait, c.t_closed) - c.t_close)) > 1")"
expect "release_s = t_released - t_close, in s" 0 "$(sql "SELECT COUNT(*) FROM close_latency l
  JOIN conn c USING (run_id, conn_id) WHERE c.t_released IS NOT NULL AND
  ABS(l.release_s * 1e9 - (c.t_released - c.t_close)) > 1")"
expect "silent peers close at the NIC's 10 s" 1 "$(sql "SELECT MIN(close_s) >= 10 AND MAX(close_s) < 10.01
  FROM close_latency JOIN conn USING (run_id, conn_id) WHERE conn.peer = 'gone' AND handoffs > 0")"
# Scalars DESIGN names, and a percentile not reached.
for s in nic_peak nic_mean offloads_refused fw2_restarts close_p50_s close_p50_not_reached \
  close_p99_s close_p99_not_reached; do
  expect "scalar $s" 1 "$(sql "SELECT COUNT(*) FROM scalar WHERE name = '$s'")"
done
expect "the measurement window is recorded" 2 \
  "$(sql "SELECT COUNT(*) FROM scalar WHERE name IN ('window_start_s', 'window_end_s') AND value >= 1")"
"$offsim" run "$tmp/s.ini" --db "$tmp/c.db" --quiet --set sim.duration=5s --set peer.gone.share=50 >/dev/null 2>&1
expect "censored: close_s = sim_end - t_close" 0 "$(sqlite3 "$tmp/c.db" "SELECT COUNT(*) FROM close_latency l
  JOIN conn c USING (run_id, conn_id) JOIN run r ON r.id = l.run_id WHERE l.censored AND
  (c.close_reason <> 'open' OR ABS(l.close_s * 1e9 - (r.sim_end_ns - c.t_close)) > 1)")"
expect "p99 not reached: NULL, close_p99_not_reached = 1" "|1.0" "$(sqlite3 "$tmp/c.db" "SELECT
  (SELECT value FROM scalar WHERE name = 'close_p99_s'), (SELECT value FROM scalar WHERE name = 'close_p99_not_reached')")"
# log levels are cumulative.
for level in summary:0:0 conn:60:0 events:60:1; do
  IFS=: read -r l nconn ev <<<"$level"
  "$offsim" run "$tmp/s.ini" --db "$tmp/l-$l.db" --log $l --quiet >/dev/null 2>&1
  expect "log = $l: conn rows, events, occupancy, scalars" "$nconn $ev 1 1" "$(sqlite3 "$tmp/l-$l.db" \
    "SELECT (SELECT COUNT(*) FROM conn), (SELECT COUNT(*) > 0 FROM event), (SELECT COUNT(*) > 0 FROM occupancy), (SELECT COUNT(*) > 0 FROM scalar)" | tr '|' ' ')"
done
"$offsim" run "$tmp/s.ini" --db "$tmp/l-trace.db" --log trace --quiet >"$tmp/out" 2>"$tmp/err"
expect "log = trace: a line per event on stderr" "$(sqlite3 "$tmp/l-trace.db" 'SELECT COUNT(*) FROM event')" \
  "$(wc -l <"$tmp/err")"

# ---- The command line ------------------------------------------------------
# Every option DESIGN lists is in its command's help.
while read -r cmd opts; do
  "$offsim" help "$cmd" >"$tmp/help" 2>&1
  for o in $opts; do
    grep -qE -- "^ +(-[a-z], )?$o( |$)" "$tmp/help" && ok "help $cmd: $o" || fail "help $cmd: $o not documented"
  done
done <<'OPTIONS'
run --db --set --seed --log --engine --pcap --pcap-conns --quiet --check
check --set
sweep --vary --set --seeds --jobs --db --engine --shard --check
plot --kind --x --out --where --ccdf --logx --linx --logy --title --size --emit
summary --run --scenario
export --format --what --out
OPTIONS
# And each works as DESIGN says.
"$offsim" run "$tmp/s.ini" --db "$tmp/o.db" --set workload.connections=20 --seed 9 --log events \
  --engine native --pcap "$tmp/t.pcap" --pcap-conns 1,3-4 --quiet >"$tmp/out" 2>"$tmp/err"
expect "run with every option" "0 9 events 20" "$? $(sqlite3 "$tmp/o.db" "SELECT seed, (SELECT value FROM run_param
  WHERE key = 'sim.log'), (SELECT COUNT(*) FROM conn) FROM run" | tr '|' ' ')"
[ -s "$tmp/t.pcap" ] && ok "run --pcap writes the trace" || fail "run --pcap writes the trace"
grep -q '^close latency' "$tmp/out" && [ ! -s "$tmp/err" ] && ok "human output on stdout, none on stderr" ||
  fail "human output on stdout: $(cat "$tmp/err")"
# Default database: results/offsim.db.
mkdir "$tmp/cwd"
abs=$(cd "$(dirname "$offsim")" && pwd)/$(basename "$offsim")
(cd "$tmp/cwd" && "$abs" run "$tmp/s.ini" --set workload.connections=5 --quiet >/dev/null 2>&1)
expect "default database results/offsim.db" 1 "$(sqlite3 "$tmp/cwd/results/offsim.db" 'SELECT COUNT(*) FROM run' 2>&1)"
"$offsim" sweep "$tmp/s.ini" --vary nic.fin_wait_2_timeout=5s,10s --vary peer.late.close_delay=3s,20s \
  --set workload.connections=20 --set sim.log=events --seeds 2 --jobs 2 --db "$tmp/sw.db" >"$tmp/out" 2>"$tmp/err"
expect "sweep: points x seeds 1..N" "0 8 1,2" "$? $(sqlite3 "$tmp/sw.db" "SELECT COUNT(*), (SELECT group_concat(seed) FROM (SELECT DISTINCT seed FROM run ORDER BY seed)) FROM run" | tr '|' ' ')"
expect "sweep: varied = 1 for the varied keys" "nic.fin_wait_2_timeout peer.late.close_delay" \
  "$(sqlite3 "$tmp/sw.db" "SELECT DISTINCT key FROM run_param WHERE varied = 1 ORDER BY key" | tr '\n' ' ' | sed 's/ $//')"
"$offsim" sweep "$tmp/s.ini" --vary nic.fin_wait_2_timeout=5s --set workload.connections=5 --seeds 3-4 \
  --db "$tmp/ab.db" >/dev/null 2>&1
expect "sweep --seeds A-B" "3,4" "$(sqlite3 "$tmp/ab.db" "SELECT group_concat(seed) FROM (SELECT seed FROM run ORDER BY seed)")"
for kind in cdf vs occupancy handoffs; do
  "$offsim" plot "$tmp/sw.db" --kind $kind --x nic.fin_wait_2_timeout --out "$tmp/$kind.svg" >/dev/null 2>"$tmp/err"
  expect "plot --kind $kind" "0 1" "$? $(grep -c '<svg' "$tmp/$kind.svg")"
done
"$offsim" plot "$tmp/sw.db" --kind cdf --where peer.late.close_delay=20s --ccdf --logx --logy --title T \
  --size 4,3 --emit "$tmp/emit" --out "$tmp/c.pdf" >/dev/null 2>"$tmp/err"
expect "plot --where --ccdf --logx --logy --title --size --emit, PDF" "0 %PDF plot.gp" \
  "$? $(head -c 4 "$tmp/c.pdf") $(ls "$tmp/emit" | grep -x plot.gp)"
"$offsim" plot "$tmp/sw.db" --kind vs --x nic.fin_wait_2_timeout --linx --out "$tmp/v.png" >/dev/null 2>"$tmp/err"
expect "plot --linx, PNG" "0 PNG" "$? $(head -c 4 "$tmp/v.png" | tail -c 3)"
"$offsim" summary "$tmp/sw.db" --run 3 >"$tmp/out"
expect "summary --run N" "0 1" "$? $(grep -c 'run 3' "$tmp/out")"
"$offsim" summary "$tmp/sw.db" --scenario "$tmp/s.ini" >"$tmp/out"
expect "summary --scenario PATH: the sweep's points" "0 4" "$? $(grep -c '^[0-9]*s  *[0-9]*s  *2 ' "$tmp/out")"
for w in runs points conn; do
  "$offsim" export "$tmp/sw.db" --format csv --what $w --out "$tmp/$w.csv"; r1=$?
  "$offsim" export "$tmp/sw.db" --format json --what $w --out "$tmp/$w.json"; r2=$?
  expect "export --what $w as csv and json" "0 0 [" "$r1 $r2 $(head -c 1 "$tmp/$w.json")"
done
expect "export rows: runs, points, conn" "9 5 161" "$(wc -l <"$tmp/runs.csv" | tr -d ' ') $(wc -l <"$tmp/points.csv" | tr -d ' ') $(wc -l <"$tmp/conn.csv" | tr -d ' ')"
"$offsim" merge "$tmp/m.db" "$tmp/sw.db" "$tmp/o.db" >/dev/null
expect "merge OUT IN..." "0 9" "$? $(sqlite3 "$tmp/m.db" 'SELECT COUNT(*) FROM run')"
for c in run check sweep plot summary export merge help; do
  "$offsim" help $c >/dev/null 2>&1; expect "help $c" 0 $?
done
"$offsim" --version | grep -q '^offsim [0-9]'; expect "--version" 0 $?
# Exit codes: 2 bad usage or a bad scenario, nothing written; 1 a run failed.
printf '[nic]\nfin_wait_2_timeout = 120\n' >"$tmp/bad.ini"
"$offsim" run "$tmp/bad.ini" --db "$tmp/n.db" >/dev/null 2>&1
expect "bad scenario: exit 2, nothing written" "2 no" "$? $([ -e "$tmp/n.db" ] && echo yes || echo no)"
"$offsim" sweep "$tmp/s.ini" --vary nic.capacity=x --db "$tmp/n.db" >/dev/null 2>&1
expect "bad usage: exit 2, nothing written" "2 no" "$? $([ -e "$tmp/n.db" ] && echo yes || echo no)"
mkdir -p "$tmp/adir"
"$offsim" run "$tmp/s.ini" --db "$tmp/adir" --quiet >/dev/null 2>&1
expect "a run that cannot be recorded: exit 1" 1 $?
"$offsim" run "$tmp/s.ini" --db "$tmp/no/such/dir/x.db" --quiet >/dev/null 2>&1
expect "a database in a missing directory: exit 2" 2 $?
# sweep --shard K/N: the shards' runs are the sweep's, each once.
for k in 1 2; do
  "$offsim" sweep "$tmp/s.ini" --vary nic.fin_wait_2_timeout=5s,10s,20s --seeds 2 --shard $k/2 \
    --set workload.connections=5 --db "$tmp/shard$k.db" --quiet >/dev/null 2>"$tmp/err"
  expect "sweep --shard $k/2" "0 " "$? $(cat "$tmp/err")"
done
"$offsim" sweep "$tmp/s.ini" --vary nic.fin_wait_2_timeout=5s,10s,20s --seeds 2 \
  --set workload.connections=5 --db "$tmp/whole.db" --quiet >/dev/null 2>&1
expect "the shards together are the sweep, each run once" \
  "$(sqlite3 "$tmp/whole.db" 'SELECT identity FROM run ORDER BY 1' | tr '\n' ' ')" \
  "$( (sqlite3 "$tmp/shard1.db" 'SELECT identity FROM run'; sqlite3 "$tmp/shard2.db" 'SELECT identity FROM run') |
     sort | tr '\n' ' ')"
"$offsim" sweep "$tmp/s.ini" --vary nic.fin_wait_2_timeout=5s --set workload.connections=5 --engine native \
  --db "$tmp/eng.db" --quiet >/dev/null 2>&1
expect "sweep --engine native" "0 native" "$? $(sqlite3 "$tmp/eng.db" 'SELECT engine FROM run')"
if "$offsim" --version | grep -q '^ns-3 backend: ns-3'; then
  "$offsim" sweep "$tmp/s.ini" --vary nic.fin_wait_2_timeout=5s --set workload.connections=5 \
    --set peer.chatty.share=0 --engine ns3 --db "$tmp/eng.db" --quiet >/dev/null 2>"$tmp/err"
  expect "sweep --engine ns3" "0 native ns3" "$? $(sqlite3 "$tmp/eng.db" 'SELECT engine FROM run ORDER BY id' | tr '\n' ' ' | sed 's/ $//')"
fi
# Sweeps under mpirun: README's "Not yet in offsim" says so while they are.
if echo "$(sed -n '/^## Not yet in offsim/,/^## /p' "$readme")" | grep -q 'over MPI'; then
  ok "sweep under mpirun: README lists it as not yet in offsim"
elif "$offsim" --version | grep -qi 'mpi'; then ok "sweep under mpirun: offsim --version names MPI"
else fail "sweep under mpirun: DESIGN documents it, offsim lacks it and README does not say so"; fi
finish
