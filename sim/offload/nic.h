/*
 * nic.h - the offload target while it holds a connection: the holder's
 * hooks for the local endpoint's TCP (tcp_ops) and the indications it
 * raises to the host (R39-R41, R17, R26).
 *
 * The target processes the connection's segments itself, retransmits data
 * and FIN on its tick clock (R24-R28), runs the FIN_WAIT_2 timer in its
 * retransmit slot (R13-R20, fw2.c), never puts an RST on the wire on its
 * own (R21), and asks the host for an upload when it is done with a
 * connection: after FIN_WAIT_2 expiry (R17, A1), in TIME_WAIT (R50, A8),
 * after an acceptable RST (R40), when a graceful close completes in LAST_ACK
 * (R46, R49), or when retransmissions run out (R26, A12).
 */
#ifndef SIM_OFFLOAD_NIC_H
#define SIM_OFFLOAD_NIC_H

#include "tcp/tcp.h"

extern const tcp_ops nic_tcp_ops;

#endif /* SIM_OFFLOAD_NIC_H */
