#!/usr/bin/env bash
# ns3_crosscheck.sh - offsim's TCP against ns-3's: the same scenarios under
# both engines must give identical counts of FIN_WAIT_2 expiries, close
# reasons and peer outcomes, and, for each peer class, close-latency
# distributions whose medians differ by less than 5% and whose two-sample
# Kolmogorov-Smirnov distance is below 0.05.  Loss recovery is NewReno on
# both (offsim's tcp.recovery = newreno; ns-3's TcpNewReno with
# TcpClassicRecovery, SACK off, the same initial window, fast retransmit and
# limited transmit): at 1, 3 and 5 % loss and with mixed classes.
#   usage: ns3_crosscheck.sh path/to/offsim path/to/scenarios
set -u
offsim=$1
scenarios=$2
. "$(dirname "$0")/lib.sh"

# web+uploads: random uploads and re-offloads during the connections, so that
# segments and state changes arrive while handoffs are under way.
for s in web lossy loss3 loss5 mixed never late web+uploads; do
  db="$tmp/$s.db"
  extra=()
  [ "$s" = web+uploads ] && extra=(--set offload.upload_rate=5/s)
  for e in native ns3; do
    "$offsim" run "$scenarios/ns3-${s%+*}.ini" --engine $e --db "$db" --quiet "${extra[@]}" \
      >/dev/null 2>"$tmp/err" || fail "$s: --engine $e failed: $(cat "$tmp/err")"
  done
  counts() {
    sqlite3 "$db" "SELECT c.close_reason, c.peer_outcome, COUNT(*) FROM conn c JOIN run r
                   ON r.id = c.run_id WHERE r.engine = '$1' GROUP BY 1, 2 ORDER BY 1, 2" | tr '\n' ' '
  }
  a=$(counts native); b=$(counts ns3)
  [ "$a" = "$b" ] && ok "$s: same close reasons and peer outcomes ($a)" ||
    fail "$s: close reasons and peer outcomes differ: native [$a] ns3 [$b]"
  exp() {
    sqlite3 "$db" "SELECT s.value FROM scalar s JOIN run r ON r.id = s.run_id
                   WHERE r.engine = '$1' AND s.name = 'nic_fw2_expiries'"
  }
  [ "$(exp native)" = "$(exp ns3)" ] && ok "$s: same NIC FIN_WAIT_2 expiries ($(exp ns3))" ||
    fail "$s: NIC FIN_WAIT_2 expiries differ: $(exp native) vs $(exp ns3)"
  # The segments are ns-3's and it counts none: NULL there (no 0 that reads
  # as "none lost"); natively they are counted.
  segs=$(sqlite3 "$db" "SELECT r.engine || ':' || s.name || '=' || typeof(s.value)
                        FROM scalar s JOIN run r ON r.id = s.run_id
                        WHERE s.name IN ('segments', 'segments_lost') ORDER BY r.engine, s.name" |
         tr '\n' ' ')
  want="native:segments=real native:segments_lost=real ns3:segments=null ns3:segments_lost=null "
  [ "$segs" = "$want" ] && ok "$s: segments counted natively, NULL on ns-3" ||
    fail "$s: segments scalars: [$segs], expected [$want]"
  sqlite3 "$db" "SELECT l.peer, r.engine, l.close_s FROM close_latency l JOIN run r
                 ON r.id = l.run_id ORDER BY l.peer, l.close_s" >"$tmp/lat"
  # Per class: its median under each engine, their relative difference and
  # the largest distance between the two empirical CDFs (ties taken whole).
  awk -F'|' '
    function report() {
      if (cls == "") return
      for (k = 0; k < 2; k++) {
        e = k ? "ns3" : "native"; m = n[e]
        med[e] = (m % 2) ? x[e, (m + 1) / 2] : (x[e, m / 2] + x[e, m / 2 + 1]) / 2
      }
      d = 0; c1 = 0; c2 = 0
      for (i = 1; i <= cnt; i++) {
        if (e_[i] == "native") c1++; else c2++
        if (i < cnt && v_[i + 1] == v_[i]) continue
        diff = c1 / n["native"] - c2 / n["ns3"]; if (diff < 0) diff = -diff
        if (diff > d) d = diff
      }
      rel = (med["native"] - med["ns3"]) / med["native"]; if (rel < 0) rel = -rel
      printf "%s %.6f %.6f %.4f %.4f\n", cls, med["native"], med["ns3"], rel, d
    }
    $1 != cls { report(); cls = $1; cnt = 0; n["native"] = n["ns3"] = 0 }
    { cnt++; e_[cnt] = $2; v_[cnt] = $3; n[$2]++; x[$2, n[$2]] = $3 }
    END { report() }' "$tmp/lat" >"$tmp/stat"
  while read -r cls mn m3 rel ks; do
    awk -v r="$rel" 'BEGIN { exit !(r < 0.05) }' &&
      ok "$s [$cls]: medians within 5% (native ${mn}s, ns3 ${m3}s)" ||
      fail "$s [$cls]: medians differ by $rel (native ${mn}s, ns3 ${m3}s)"
    awk -v k="$ks" 'BEGIN { exit !(k < 0.05) }' &&
      ok "$s [$cls]: Kolmogorov-Smirnov distance $ks < 0.05" ||
      fail "$s [$cls]: Kolmogorov-Smirnov distance $ks"
  done <"$tmp/stat"
done

# Keys ns-3 cannot honour are refused by name, with the reason.
refuse() {
  "$offsim" run "$scenarios/ns3-web.ini" --engine ns3 --db "$tmp/r.db" "$@" 2>"$tmp/err" >/dev/null
  local rc=$?
  [ $rc -eq 2 ] && [ ! -e "$tmp/r.db" ] && ok "refused: $*: $(head -c 110 "$tmp/err")" ||
    fail "refused: $*: exit $rc, $(cat "$tmp/err")"
}
refuse --set peer.web.behaviour=keepalive
refuse --set tcp.acceptable=exact
refuse --set 'link.jitter=exp(1ms)'
refuse --set host.fw2_policy=linux
refuse --set 'peer.web.delay=exp(20ms)'
refuse --pcap "$tmp/x.pcap"
refuse --set tcp.recovery=go_back_n

finish
