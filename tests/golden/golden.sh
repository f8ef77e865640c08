#!/usr/bin/env bash
# golden.sh - golden trajectory fingerprints: every scenarios/*.ini, seeds 1
# and 2, without and with loss, on the native engine and (for the scenarios
# it accepts) on ns-3.  A refactor or a performance change must leave every
# line as it is; a change of the model's behaviour regenerates the file and
# says in its commit message why each trajectory moved.
#
#   golden.sh check OFFSIM SCENARIOS FILE [native|ns3]   run each line of FILE
#                                   (of one engine) and compare; exit 1 on a difference
#   golden.sh write OFFSIM SCENARIOS FILE                regenerate FILE
#
# A line:  SCENARIO SEED VARIANT ENGINE EVENTS FINGERPRINT ROWS SETS
#   VARIANT      noloss (every path's loss 0) or loss (every path's loss 0.01)
#   EVENTS       events run (on ns-3: ns-3's events and the model's)
#   FINGERPRINT  the engine's trajectory hash: (time, arming order) of every
#                model event (run.fingerprint)
#   ROWS         SHA-256 (first 16 hex digits) of what the run recorded at
#                --log events: its conn, event and occupancy rows, the
#                model's scalars (counts, Kaplan-Meier percentiles and their
#                marks, the connections' fates, the window's means) and its
#                end time
#   SETS         the --set overrides of the run, comma-separated: the
#                variant's losses and, where a line says so,
#                workload.connections (a smaller run, to keep the suite fast)
# Lines are sorted; `write` decides the matrix, `check` runs what FILE lists
# and fails if a scenario of SCENARIOS has no line.
set -u
mode=$1 offsim=$2 scenarios=$3 file=$4 only=${5:-}
# Scratch databases in memory where the machine has it: each run commits
# often, and a disk's syncs would dominate.
tmp=$( (test -w /dev/shm && mktemp -d -p /dev/shm) || mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Caps on workload.connections (above them a run is shrunk, and says so):
# ns-3's TCP costs milliseconds per connection under AddressSanitizer.
NATIVE_CAP=20000
NS3_CAP=500
SEEDS="1 2"
LOSS_noloss=0
LOSS_loss=0.01

# The model's scalars (results' scalar table) that enter ROWS.
scalars="'connections_opened','connections_closed','offloads','uploads','offloads_refused',
'nic_fw2_expiries','host_fw2_expiries','fw2_restarts','indications','peers_reset','segments',
'segments_lost','nic_peak','nic_mean','censored_share','close_p50_s','close_p90_s',
'close_p99_s','close_max_s','close_p50_not_reached','close_p90_not_reached',
'close_p99_not_reached','close_max_not_reached','close_longest_s','close_n','close_censored',
'after_close_peer_fin','after_close_nic_fw2_timeout','after_close_host_fw2_timeout',
'after_close_rst','after_close_retries','after_close_open','no_close_handshake_retries',
'no_close_handshake_rst','no_close_handshake_open','no_close_established_retries',
'no_close_established_rst','no_close_established_open','no_close_other',
'nic_fin_wait_2_mean','host_fin_wait_2_mean','time_wait_mean','window_start_s','window_end_s'"

# run SCENARIO SEED ENGINE SETS -> "EVENTS FINGERPRINT ROWS" on stdout
run() {
  local sc=$1 seed=$2 engine=$3 sets=$4 args=() db="$tmp/g.db"
  rm -f "$db"
  IFS=, read -ra kv <<<"$sets"
  for x in "${kv[@]}"; do args+=(--set "$x"); done
  if ! "$offsim" run "$scenarios/$sc" --db "$db" --seed "$seed" --engine "$engine" \
       --log events --quiet "${args[@]}" >/dev/null 2>"$tmp/err"; then
    echo "golden: offsim run $sc --seed $seed --engine $engine $sets failed:" >&2
    cat "$tmp/err" >&2
    return 1
  fi
  rows=$(sqlite3 "$db" "
    SELECT conn_id, peer, t_open, t_close, t_fin_wait_1, t_fin_wait_2, t_time_wait, t_closed,
           t_released, close_reason, owner_at_close, handoffs, peer_outcome, t_peer_closed,
           t_established
      FROM conn ORDER BY conn_id;
    SELECT t, conn_id, kind, detail, value FROM event ORDER BY rowid;
    SELECT t, nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait FROM occupancy ORDER BY t;
    SELECT name, value FROM scalar WHERE name IN ($scalars) ORDER BY name;
    SELECT sim_end_ns FROM run;" | sha256sum | cut -c1-16)
  echo "$(sqlite3 "$db" 'SELECT events, fingerprint FROM run' | tr '|' ' ') $rows"
}

# The --set list of a variant: every path's loss ([link] and each peer class).
variant_sets() {
  local sc=$1 loss=$2 s
  s="link.loss=$loss"
  for p in $("$offsim" check "$scenarios/$sc" | sed -n 's/^peer\.\([^ ]*\)\.loss .*/\1/p'); do
    s="$s,peer.$p.loss=$loss"
  done
  echo "$s"
}

connections() {
  "$offsim" check "$scenarios/$1" | awk '$1 == "workload.connections" { print $3 }'
}

case $mode in
write)
  : >"$tmp/out"
  for path in "$scenarios"/*.ini; do
    sc=$(basename "$path")
    n=$(connections "$sc")
    for engine in native ns3; do
      cap=$NATIVE_CAP
      if [ "$engine" = ns3 ]; then
        cap=$NS3_CAP
        # Only the scenarios ns-3 accepts (a refused one exits 2 at once).
        "$offsim" run "$path" --db "$tmp/probe.db" --engine ns3 --quiet \
          --set workload.connections=1 >/dev/null 2>&1 || continue
      fi
      for v in noloss loss; do
        eval loss=\$LOSS_$v
        sets=$(variant_sets "$sc" "$loss")
        [ "$n" -gt "$cap" ] && sets="$sets,workload.connections=$cap"
        for seed in $SEEDS; do
          r=$(run "$sc" "$seed" "$engine" "$sets") || exit 1
          echo "$sc $seed $v $engine $r $sets" >>"$tmp/out"
          echo "golden: $sc $seed $v $engine $r" >&2
        done
      done
    done
  done
  {
    echo "# Golden trajectories (tests/golden/golden.sh; regenerate with"
    echo "#   tests/golden/golden.sh write build/release/sim/offsim scenarios tests/golden/fingerprints"
    echo "# and say in the commit message why each changed line moved)."
    echo "# SCENARIO SEED VARIANT ENGINE EVENTS FINGERPRINT ROWS SETS"
    LC_ALL=C sort "$tmp/out"
  } >"$file"
  ;;
check)
  fails=0 lines=0
  for path in "$scenarios"/*.ini; do
    sc=$(basename "$path")
    grep -q "^$sc .* native " "$file" || { echo "FAIL $sc: no golden line (regenerate $file)"; fails=$((fails + 1)); }
  done
  while read -r sc seed v engine events fp rows sets; do
    case $sc in '#'*|'') continue ;; esac
    [ -n "$only" ] && [ "$engine" != "$only" ] && continue
    lines=$((lines + 1))
    got=$(run "$sc" "$seed" "$engine" "$sets") || { fails=$((fails + 1)); continue; }
    if [ "$got" = "$events $fp $rows" ]; then
      echo "ok   $sc seed $seed $v $engine"
    else
      echo "FAIL $sc seed $seed $v $engine ($sets): expected '$events $fp $rows', got '$got'"
      fails=$((fails + 1))
    fi
  done <"$file"
  [ "$lines" -gt 0 ] || { echo "FAIL no line of engine '${only:-any}' in $file"; fails=$((fails + 1)); }
  echo "$fails failure(s) in $lines trajectories"
  [ "$fails" -eq 0 ]
  ;;
*)
  echo "usage: golden.sh check|write OFFSIM SCENARIOS FILE [native|ns3]" >&2
  exit 2
  ;;
esac
