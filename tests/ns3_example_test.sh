#!/usr/bin/env bash
# ns3_example_test.sh EXAMPLE MINIMAL SRCDIR - the README's ns-3 programs.
# MINIMAL (sim/ns3c/example_minimal.cc, shown verbatim in README.md): a socket
# whose client never closes is CLOSED by the FIN_WAIT_2 timer at ~120 s.
# EXAMPLE (sim/ns3c/example_fw2.cc):
# plain ns-3 keeps a socket in FIN_WAIT_2 forever; libns3-c's FIN_WAIT_2 timer
# closes it 120 s after FIN_WAIT_2 began (R13, R15, R17), carried across an
# upload and offload in TimeoutDelta (R19, R20), and the peer's late FIN meets
# an RST.
set -euo pipefail
out=$("$1")
echo "$out"
fail=0
expect() {
    if grep -Eq "$1" <<<"$out"; then echo "ok   $2"; else echo "FAIL $2"; fail=1; fi
}
expect '^conn 0: plain ns-3, +FIN_WAIT_2 at 0\.[0-9]+ s; at 199 s FIN_WAIT_2; the client.s FIN at 200 s met a live socket$' \
    'plain ns-3 stays in FIN_WAIT_2 until the peer closes'
for i in 1 2; do
    expect "^conn $i: offsim FIN_WAIT_2 timer, FIN_WAIT_2 at 0\.[0-9]+ s; at 199 s CLOSED; expired at 120\.[0-9]+ s \(120\.00[01] s in FIN_WAIT_2\); the client.s FIN at 200 s met an RST$" \
        "conn $i: CLOSED 120 s after FIN_WAIT_2, late FIN answered by RST"
done
# The delta at 60 s: about 60 s left, in 1 ms ticks.
expect '^conn 2: uploaded at 60\.000 s with TimeoutDelta 600[0-9]{2} ticks, offloaded again with it$' \
    'upload at 60 s carries ~60000 ticks'

out=$("$2")
echo "$out"
expect '^120\.0[0-9]+ s: FIN_WAIT_2 timer expired, socket CLOSED$' 'minimal: CLOSED by the timer at ~120 s'
# README.md shows example_minimal.cc verbatim.
if diff <(sed -n '/^```c++$/,/^```$/p' "$3/README.md" | sed '1d;$d') "$3/sim/ns3c/example_minimal.cc" >/dev/null; then
    echo "ok   README.md shows sim/ns3c/example_minimal.cc as it is"
else
    echo "FAIL README.md's c++ block differs from sim/ns3c/example_minimal.cc"
    fail=1
fi
exit $fail
