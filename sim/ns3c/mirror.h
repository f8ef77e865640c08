/*
 * mirror.h - a tcp_tcb that follows an ns-3 socket's state (internal to
 * libns3-c's C side: world_ns3.c and fw2sock.c).
 *
 * ns-3 reports states, not the events between them; offsim's hooks want a
 * tcb moved by its transition table (tcp_set_state asserts each step).  The
 * mirror walks the table from its state to the socket's, one event a step.
 */
#ifndef SIM_NS3C_MIRROR_H
#define SIM_NS3C_MIRROR_H

#include "tcp/tcp_fsm.h"

/*
 * The event that moves a mirror one step from `cur` towards `to`, and in
 * *next the state the table gives for it; TCP_E_N when no step leads on
 * (then the mirror has gone its own way: the model closed it).  From
 * CLOSED the walk reaches any state (a socket handed over mid-life).
 * An ns-3 transition may be two of offsim's: FIN_WAIT_1 -> TIME_WAIT is
 * the ACK of our FIN, then the peer's FIN, as RFC 9293 orders them.
 * `closed_by` names a move to CLOSED the states alone do not explain: an
 * RST (TCP_E_RCV_RST, which wins over the others), an abort, or
 * retransmissions running out (TCP_E_RETRIES); from LAST_ACK and TIME_WAIT
 * the ACK of our FIN and the 2MSL timeout are implied.
 */
tcp_event ns3c_mirror_step(tcp_state cur, tcp_state to, tcp_event closed_by, tcp_state *next);

#endif /* SIM_NS3C_MIRROR_H */
