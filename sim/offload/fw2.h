/*
 * fw2.h - the offload target's FIN_WAIT_2 timer (spec/fin-wait-2-timer.md;
 * rules R13-R20 of spec/chimney-rules.md) and the TimeoutDelta encoding
 * that carries every timer across a handoff (R10, R11, R19, R20, R62).
 *
 * TimeoutDelta, in ticks:
 *     -1   the sender's timer was not running
 *      0   it was running and is due now: the receiver's timer expires at once
 *      n   n ticks remain
 * The same encoding is used in both directions (A6).  The delta is sampled
 * when a handoff starts; the timer is frozen for the handoff's latency and
 * restarted by the receiver when the handoff completes.
 *
 * R14: the target has no separate FIN_WAIT_2 timer; in FIN_WAIT_2 its
 * retransmit timer (the TT_REXMT slot) is the FIN_WAIT_2 timer.
 */
#ifndef SIM_OFFLOAD_FW2_H
#define SIM_OFFLOAD_FW2_H

#include <stdint.h>

#include "offload/ticks.h"
#include "tcp/tcp.h"

#define TIMEOUT_DELTA_NOT_RUNNING ((int64_t)-1)

/* [nic] on_unset_delta (A2): a connection offloaded in FIN_WAIT_2 with -1. */
typedef enum unset_delta {
    UNSET_DELTA_NONE, /* mirror the host: run no timer */
    UNSET_DELTA_START /* start a full timer */
} unset_delta;

typedef struct fw2_cfg {
    tick_clock clock;
    sim_time timeout;        /* nic.fin_wait_2_timeout (R15: 120 s) */
    unset_delta on_unset;    /* A2 */
    int64_t expired_delta;   /* A5: -1 or 0 */
} fw2_cfg;

/*
 * The delta a holder reports for a timer due at `deadline` (SIM_NEVER: not
 * running): the remaining time in whole ticks, rounded up (R10, R11).
 */
int64_t fw2_delta_of(const tick_clock *c, sim_time now, sim_time deadline);

/*
 * The delta of the retransmit timer (R10, R12, R27) of the holder of t, or
 * 0 when it gave up retransmitting (A12: the timer is due).
 */
int64_t fw2_rexmt_delta(const tick_clock *c, const tcp_tcb *t, sim_time now);

/* The host's deadline for a delta received from the target (R11, R20, R62). */
sim_time fw2_host_deadline(const tick_clock *c, sim_time now, int64_t delta);

/*
 * The target's FIN_WAIT_2 deadline for a connection offloaded in
 * FIN_WAIT_2 with `delta` (R19; A2 for -1; A6 for 0).
 */
sim_time fw2_target_deadline(const fw2_cfg *f, sim_time now, int64_t delta);

/* R13, R15: an offloaded connection entered FIN_WAIT_2: start the timer. */
void fw2_start(const fw2_cfg *f, tcp_tcb *t);

/*
 * R16, A4: a segment arrived in FIN_WAIT_2; an acceptable one restarts a
 * running timer with the full configured value.  Returns 1 if it did.
 */
int fw2_on_segment(const fw2_cfg *f, tcp_tcb *t, int acceptable);

/* Install the timer of a connection offloaded in FIN_WAIT_2 (R19). */
void fw2_install(const fw2_cfg *f, tcp_tcb *t, int64_t delta);

/*
 * The delta the target reports on upload (R20): the timer's remaining ticks
 * or -1; after the timer expired (the state is then CLOSED), expired_delta
 * (A5).
 */
int64_t fw2_upload_delta(const fw2_cfg *f, const tcp_tcb *t, sim_time now, int expired);

/*
 * The invariant checker's TimeoutDelta for a running timer due at `at`,
 * sampled at `now` (engine/invariant.h), worked out apart from
 * fw2_delta_of: counted = 0, the remaining time rounded up to whole ticks
 * (the host's exact clock; the target in tick_mode ceil); counted = 1, the
 * tick boundaries the target still has to count before the timer fires,
 * those in (now, at] (tick_mode count, A10).
 */
int64_t fw2_expected_delta(const tick_clock *c, sim_time now, sim_time at, int counted);

#endif /* SIM_OFFLOAD_FW2_H */
