/*
 * delegated.h - TCP_OFFLOAD_STATE_DELEGATED: the part of a connection's
 * state that crosses every handoff (R8), in the spec's units.
 *
 * At a handoff the sender samples its state into this structure and stops
 * its timers; when the handoff completes the receiver installs it and
 * starts its timers from the deltas.  What the structure cannot carry is
 * lost on the way, as on real hardware: SRtt travels as ticks x 8 and
 * RttVar as ticks x 4 in 16 bits (R5), timer values as whole ticks (R4).
 * The send and receive buffers (R52, R60) are not modelled as bytes: the
 * model keeps the sequence bookkeeping on the connection.
 */
#ifndef SIM_OFFLOAD_DELEGATED_H
#define SIM_OFFLOAD_DELEGATED_H

#include <stdint.h>

#include "offload/ticks.h"
#include "tcp/tcp.h"

typedef struct tcp_delegated {
    tcp_state state;          /* ndischimney.h values (tcp_fsm.h) */
    uint32_t rcv_nxt, rcv_wnd;
    uint32_t snd_una, snd_nxt, snd_max, snd_wnd;
    uint32_t cwnd, ssthresh;  /* bytes (RFC 5681) */
    uint8_t dup_ack_count;    /* >= TCP_DUPTHRESH: in fast recovery */
    uint16_t srtt;            /* ticks x 8 (R5); 0: no RTT sample yet */
    uint16_t rttvar;          /* ticks x 4 (R5); with no sample, the RTO
                                 before backoff in ticks (4 x RTTVAR) */
    uint32_t total_rt;        /* ticks spent retransmitting the oldest segment (R25) */
    uint8_t retransmit_count; /* R27 */
    /* Retransmit.TimeoutDelta: ticks to the next RTO, or (in FIN_WAIT_2)
     * to FIN_WAIT_2 expiry (R14); -1 not running (R10-R12). */
    int64_t timeout_delta;
} tcp_delegated;

/*
 * Fill d from t at a handoff's start; timeout_delta is the sender's, worked
 * out by the caller (FIN_WAIT_2 or retransmit timer).
 */
void delegated_sample(const tcp_tcb *t, const tick_clock *c, sim_time now,
                      int64_t timeout_delta, tcp_delegated *d);

/*
 * Install d into t when the handoff completes: RTT estimates from their
 * ticks (or their absence and the RTO it leaves), the retransmission count
 * and its backed-off RTO, TotalRT (delegated.c has the encoding).  Timers
 * are left to the caller (they depend on who receives the connection).
 */
void delegated_install(tcp_tcb *t, const tick_clock *c, sim_time now,
                       const tcp_delegated *d);

#endif /* SIM_OFFLOAD_DELEGATED_H */
