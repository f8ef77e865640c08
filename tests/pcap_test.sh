#!/usr/bin/env bash
# pcap_test.sh - `offsim run --pcap FILE --pcap-conns LIST` end to end: the
# trace is read back with tcpdump and checked against the results database
# (which connections, handshake, data, FINs and ACKs, sequence numbers,
# times to the nanosecond, header checksums), then the ways to get the
# options wrong (exit 2, nothing written) or to point --pcap at a file that
# cannot be created (exit 1, before simulating).
#   usage: pcap_test.sh path/to/offsim path/to/scenarios
set -u
offsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
expect() { # expect NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
sql() { sqlite3 "$tmp/r.db" "$1"; }

if ! command -v tcpdump >/dev/null 2>&1; then
  echo "FAIL tcpdump not found (scripts/setup.sh installs it)"
  exit 1
fi

# Five connections, 100 ms apart, 1 ms each way; peers of class 'web' close
# 50 ms after our FIN, those of class 'gone' never do.
cat >"$tmp/s.ini" <<'INI'
; five connections, one class closes, one never does
[sim]
duration = 10min
[link]
delay = 1ms
[workload]
connections = 5
interarrival = 100ms
response = 10KB
[peer web]
behaviour = close
close_delay = 50ms
[peer gone]
behaviour = never
INI

"$offsim" run "$tmp/s.ini" --db "$tmp/r.db" --seed 1 --pcap "$tmp/t.pcap" --pcap-conns 1,3-4 \
  >"$tmp/out" 2>"$tmp/err"
expect "run with --pcap exits 0" 0 $?
expect "nothing on stderr" "" "$(cat "$tmp/err")"
npk=$(sed -n 's/^packet trace   \([0-9]*\) packets of connections 1,3-4 -> .*t\.pcap$/\1/p' "$tmp/out")
[ -n "$npk" ] && ok "summary names the trace" || fail "summary names the trace: $(cat "$tmp/out")"

# Absolute sequence numbers, times in ns since t = 0.
tcpdump -nn -tt -S --time-stamp-precision=nano -r "$tmp/t.pcap" >"$tmp/pk" 2>"$tmp/tderr"
expect "tcpdump reads the trace" 0 $?
grep -q "link-type RAW" "$tmp/tderr" && ok "link type raw IPv4" || fail "link type: $(cat "$tmp/tderr")"
expect "packet count as the summary says" "${npk:-?}" "$(wc -l <"$tmp/pk")"
expect "every packet is IPv4 TCP between the host and a peer" 0 \
  "$(grep -cvE '^[0-9]+\.[0-9]{9} IP (10\.1\.[0-9]+\.[0-9]+\.[0-9]+ > 10\.0\.0\.1\.80|10\.0\.0\.1\.80 > 10\.1\.[0-9]+\.[0-9]+\.[0-9]+): Flags \[' "$tmp/pk")"
expect "only connections 1, 3 and 4" "10.1.0.1.1024 10.1.0.3.1024 10.1.0.4.1024" \
  "$(awk '{print ($3 == "10.0.0.1.80") ? substr($5, 1, length($5) - 1) : $3}' "$tmp/pk" | sort -u | xargs)"

# Checksums: tcpdump -vv reports a bad IP header checksum, and verifies the
# TCP checksum of every packet captured whole (those without payload).
tcpdump -nn -vv -r "$tmp/t.pcap" >"$tmp/v" 2>/dev/null
expect "no bad IP header checksum" 0 "$(grep -c 'bad cksum' "$tmp/v")"
expect "no incorrect TCP checksum" 0 "$(grep -ci 'incorrect' "$tmp/v")"
expect "TCP checksums verified on every packet without payload" \
  "$(grep -c 'length 0$' "$tmp/pk")" "$(grep -c 'cksum 0x[0-9a-f]* (correct)' "$tmp/v")"
grep -q 'ttl 64, id 1, offset 0, flags \[none\], proto TCP (6), length 40)' "$tmp/v" &&
  ok "IPv4 header fields" || fail "IPv4 header fields"
grep -q 'proto TCP (6), length 1500)' "$tmp/v" && ok "full IP length of a cut data segment" ||
  fail "full IP length of a cut data segment"

# Per connection, against the database.  The helpers print one value of the
# first matching packet: pkt N DIR FLAGS FIELD, DIR 'in' (to the host) or
# 'out', FIELD t (ns), seq, ack or len.
pkt() {
  awk -v peer="10.1.0.$1.1024" -v dir="$2" -v fl="[$3]," -v field="$4" -v ackis="${5:-}" '
    function num(key,   i) { for (i = 1; i < NF; i++) if ($i == key) { v = $(i + 1); sub(/[,:].*/, "", v); return v } return "" }
    (dir == "in" ? $3 == peer : $5 == peer ":") && $7 == fl && (ackis == "" || num("ack") == ackis) {
      if (field == "t") { split($1, a, "."); printf "%.0f\n", a[1] * 1e9 + a[2] }
      else if (field == "len") print num("length")
      else print num(field)
      exit
    }' "$tmp/pk"
}
near() { # near NAME A B: |A - B| <= 1000 ns
  if [ -n "$2" ] && [ -n "$3" ] && [ $(( $2 > $3 ? $2 - $3 : $3 - $2 )) -le 1000 ]; then ok "$1"
  else fail "$1: '$2' and '$3' differ by more than 1 us"; fi
}
classes=""
for n in 1 3 4; do
  peer=$(sql "SELECT peer FROM conn WHERE conn_id = $n")
  classes="$classes $peer"
  IFS='|' read -r t_open t_fin1 t_fin2 t_tw <<<"$(sql "SELECT t_open, t_fin_wait_1, t_fin_wait_2, t_time_wait FROM conn WHERE conn_id = $n")"
  syn_seq=$(pkt $n in S seq)
  synack_seq=$(pkt $n out S. seq)
  expect "conn $n: SYN-ACK acknowledges the SYN" "$(( (syn_seq + 1) % 4294967296 ))" "$(pkt $n out S. ack)"
  expect "conn $n: handshake completes" "$(( (synack_seq + 1) % 4294967296 ))" "$(pkt $n in . ack "$(( (synack_seq + 1) % 4294967296 ))")"
  # The SYN arrives one path delay (1 ms) after the peer opened; its
  # serialization at 1 Gbps (320 ns) is within the tolerance.
  near "conn $n: SYN time = t_open + 1 ms" "$(pkt $n in S t)" "$(( t_open + 1000000 ))"
  expect "conn $n: first data segment is a full MSS" 1460 "$(pkt $n out . len)"
  data=$(awk -v peer="10.1.0.$n.1024:" '$5 == peer && $7 == "[.]," {
      for (i = 1; i < NF; i++) if ($i == "length") { v = $(i + 1); sub(/:$/, "", v); sum += v } }
    END { print sum + 0 }' "$tmp/pk")
  expect "conn $n: the 10 KB response on the wire" 10000 "$data"
  fin_seq=$(pkt $n out F. seq)
  expect "conn $n: our FIN follows the response" "$(( (synack_seq + 1 + 10000) % 4294967296 ))" "$fin_seq"
  near "conn $n: our FIN at t_fin_wait_1" "$(pkt $n out F. t)" "$t_fin1"
  fin_ack=$(( (fin_seq + 1) % 4294967296 ))
  near "conn $n: the ACK of our FIN arrives at t_fin_wait_2" "$(pkt $n in . t "$fin_ack")" "$t_fin2"
  peer_fin=$(pkt $n in F. t)
  if [ "$peer" = web ]; then
    near "conn $n (web): the peer's FIN arrives at t_time_wait" "$peer_fin" "$t_tw"
    expect "conn $n (web): we acknowledge the peer's FIN" "$(( ($(pkt $n in F. seq) + 1) % 4294967296 ))" \
      "$(pkt $n out . ack "$(( ($(pkt $n in F. seq) + 1) % 4294967296 ))")"
  else
    expect "conn $n ($peer): no FIN from a peer that never closes" "" "$peer_fin"
    expect "conn $n ($peer): never in TIME_WAIT" "" "$t_tw"
  fi
done
case "$classes" in
  *web*gone* | *gone*web*) ok "both peer classes traced" ;;
  *) fail "both peer classes traced (classes:$classes; pick another seed)" ;;
esac

# Default connections: 1 to 10, so all five here.
"$offsim" run "$tmp/s.ini" --db "$tmp/r.db" --pcap "$tmp/d.pcap" --quiet >"$tmp/out" 2>&1
expect "default --pcap-conns exits 0" 0 $?
expect "default traces connections 1 to 10" 5 \
  "$(tcpdump -nn -r "$tmp/d.pcap" 2>/dev/null | awk '{ p = $3 == "10.0.0.1.80" ? $5 : $3; sub(/:$/, "", p); print p }' |
     sort -u | wc -l)"

# Mistakes: exit 2, a message, and neither trace nor database written.
bad() { # bad NAME EXPECTED-MESSAGE ARGS...
  local name=$1 msg=$2; shift 2
  rm -f "$tmp/n.db" "$tmp/n.pcap"
  "$offsim" run "$tmp/s.ini" --db "$tmp/n.db" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -ne 2 ]; then fail "$name: exit $rc, expected 2"; return; fi
  if ! grep -qF -- "$msg" "$tmp/err"; then fail "$name: message: $(cat "$tmp/err")"; return; fi
  if [ -e "$tmp/n.db" ] || [ -e "$tmp/n.pcap" ]; then fail "$name: a file was written"; return; fi
  ok "$name"
}
bad "--pcap-conns: not a number" "--pcap-conns 1,x: expected connection ids" \
  --pcap "$tmp/n.pcap" --pcap-conns 1,x
bad "--pcap-conns: id 0" "got '0'" --pcap "$tmp/n.pcap" --pcap-conns 0
bad "--pcap-conns: reversed range" "expected a range from low to high, got '5-3'" \
  --pcap "$tmp/n.pcap" --pcap-conns 2,5-3
bad "--pcap-conns: empty item" "got ''" --pcap "$tmp/n.pcap" --pcap-conns 1,,2
bad "--pcap-conns: too large" "got '4294967296'" --pcap "$tmp/n.pcap" --pcap-conns 4294967296
bad "--pcap-conns without --pcap" "--pcap-conns 1: needs --pcap FILE" --pcap-conns 1
bad "--pcap without a file" "--pcap needs a value" --pcap

# A trace that cannot be created fails before simulating and before the
# database is created: exit 1 (2 for a directory that does not exist).
mkdir "$tmp/adir"
"$offsim" run "$tmp/s.ini" --db "$tmp/u.db" --pcap "$tmp/adir" >"$tmp/out" 2>"$tmp/err"
expect "unwritable pcap path exits 1" 1 $?
grep -qF -- "--pcap $tmp/adir: cannot create the packet trace: Is a directory" "$tmp/err" &&
  ok "unwritable pcap path reported" || fail "unwritable pcap path reported: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "no summary when nothing ran" || ok "no summary when nothing ran"
[ -e "$tmp/u.db" ] && fail "no database left behind" || ok "no database left behind"
"$offsim" run "$tmp/s.ini" --db "$tmp/u.db" --pcap "$tmp/no/such/dir/t.pcap" >"$tmp/out" 2>"$tmp/err"
expect "pcap in a missing directory exits 2" 2 $?
[ -e "$tmp/u.db" ] && fail "no database left behind (missing directory)" ||
  ok "no database left behind (missing directory)"
# A database offsim does not use: the trace it had created is removed.
printf 'not a database, only text long enough for SQLite to read it\n' >"$tmp/text.db"
"$offsim" run "$tmp/s.ini" --db "$tmp/text.db" --pcap "$tmp/gone.pcap" >"$tmp/out" 2>"$tmp/err"
expect "a foreign database with --pcap exits 2" 2 $?
[ -e "$tmp/gone.pcap" ] && fail "the trace is removed when the database is refused" ||
  ok "the trace is removed when the database is refused"

# "-" is a file named '-', not stdout (the summary goes there).
(cd "$tmp" && "$offsim" run s.ini --db r.db --pcap - --quiet >out 2>&1)
expect "--pcap - exits 0" 0 $?
[ -s "$tmp/-" ] && tcpdump -r "$tmp/-" >/dev/null 2>&1 && ok "--pcap - writes a file named '-'" ||
  fail "--pcap - writes a file named '-'"

finish
