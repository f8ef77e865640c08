# lib.sh - sourced by the shell test suites: a scratch directory removed on
# exit, ok/FAIL lines with the failures counted, and the ending.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok()   { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# The last line of a suite: the count, and its exit status.
finish() {
  echo "$fails failure(s)"
  [ "$fails" -eq 0 ]
}
# What a sweep resuming on a database says of the unfinished runs it redoes,
# from what the database holds (a sweep's own runs, none complete): the
# end of its "resumed: ..." line, or nothing when there are none.
redone_words() {
  local n i=0 words=""
  for s in interrupted running failed; do
    n=$(sqlite3 "$1" "SELECT COUNT(*) FROM run WHERE status = '$s'")
    [ "$n" -gt 0 ] || continue
    [ $i -eq 0 ] && words=" (redone: " || words="$words, "
    i=$((i + 1))
    [ "$n" -eq 1 ] && pl="" || pl=s
    case $s in
      interrupted) words="$words$n interrupted run$pl" ;;
      running) [ "$n" -eq 1 ] && who="a process" || who=processes
               words="$words$n run$pl left 'running' by $who that died" ;;
      failed) words="$words$n failed run$pl" ;;
    esac
  done
  [ $i -eq 0 ] || words="$words)"
  printf '%s' "$words"
}
# Every row of every complete run of a database, each line led by its run's
# identity, sorted: two databases hold the same runs with the same rows iff
# these are equal (run ids aside).
db_rows() {
  sqlite3 -separator '|' "$1" "
    WITH r AS (SELECT id, identity FROM run WHERE status = 'complete')
    SELECT r.identity, 'run', x.seed, x.engine, x.fingerprint, x.events, x.sim_end_ns,
           x.scenario_sha256 FROM run x JOIN r ON r.id = x.id
    UNION ALL SELECT r.identity, 'param', key, value, num, varied, NULL, NULL
      FROM run_param JOIN r ON r.id = run_id
    UNION ALL SELECT r.identity, 'conn', conn_id, peer, t_open, t_close, t_fin_wait_1,
           t_fin_wait_2 || ',' || IFNULL(t_time_wait, '') || ',' || IFNULL(t_closed, '') || ','
           || IFNULL(t_released, '') || ',' || close_reason || ',' || owner_at_close || ','
           || handoffs || ',' || peer_outcome || ',' || IFNULL(t_peer_closed, '') || ','
           || IFNULL(t_established, '')
      FROM conn JOIN r ON r.id = run_id
    UNION ALL SELECT r.identity, 'event', t, conn_id, kind, detail, value, NULL
      FROM event JOIN r ON r.id = run_id
    UNION ALL SELECT r.identity, 'occupancy', t, nic_total, nic_fin_wait_2, host_fin_wait_2,
           time_wait, NULL FROM occupancy JOIN r ON r.id = run_id
    UNION ALL SELECT r.identity, 'scalar', name, quote(value), NULL, NULL, NULL, NULL
      FROM scalar JOIN r ON r.id = run_id" | LC_ALL=C sort
}
