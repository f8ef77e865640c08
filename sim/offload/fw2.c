/*
 * fw2.c - the target's FIN_WAIT_2 timer and the TimeoutDelta encoding.
 *
 * The spec (spec/fin-wait-2-timer.md) in rule form, and where each is done:
 *   R13  entering FIN_WAIT_2 starts the timer             fw2_start
 *   R14  the retransmit timer is the FIN_WAIT_2 timer     TT_REXMT throughout
 *   R15  starting value 120 s = 120 x TPS ticks           fw2_cfg.timeout
 *   R16  an acceptable segment restarts it                fw2_on_segment
 *   R17  expiry: CLOSED, then Retrieve(TimeoutExpiration) nic.c, nic_fw2_timeout
 *   R19  offload in FIN_WAIT_2 carries the host's value   fw2_install
 *   R20  upload carries the target's value; 0 = expire    fw2_upload_delta,
 *                                                          fw2_host_deadline
 *   R10, R12  the retransmit timer's delta otherwise      fw2_rexmt_delta
 * and the policies for what the spec leaves open: A2 (a -1 delta for a
 * connection already in FIN_WAIT_2), A4 (a restart reloads the full value),
 * A5 (the delta after expiry), A6 (0 means "expire now" both ways).
 *
 * Restarts are frequent and expiries rare: a restart that moves the
 * deadline later costs no queue operation (sim_restart, engine/sim.c).
 */
#include "fw2.h"

int64_t fw2_delta_of(const tick_clock *c, sim_time now, sim_time deadline)
{
    if (deadline == SIM_NEVER)
        return TIMEOUT_DELTA_NOT_RUNNING;
    return ticks_ceil(c, deadline - now);
}

int64_t fw2_rexmt_delta(const tick_clock *c, const tcp_tcb *t, sim_time now)
{
    sim_time at = tcp_timer_deadline(t, TT_REXMT);

    if (at == SIM_NEVER && tcp_outstanding(t) && t->rexmt_count >= t->cfg->max_retries)
        return 0; /* A12: retransmissions ran out on the target; the timer is due */
    return fw2_delta_of(c, now, at);
}

sim_time fw2_host_deadline(const tick_clock *c, sim_time now, int64_t delta)
{
    /* R11: -1, not running; 0, the host's timer expires immediately; n, the
     * host's starting value.  The host's own clock is exact. */
    if (delta < 0)
        return SIM_NEVER;
    return now + ticks_ns(c, delta);
}

sim_time fw2_target_deadline(const fw2_cfg *f, sim_time now, int64_t delta)
{
    if (delta < 0) {
        /* A2: the host ran no timer (a half-close it does not time out). */
        if (f->on_unset == UNSET_DELTA_START)
            return tick_after(&f->clock, now, f->timeout);
        return SIM_NEVER;
    }
    return tick_deadline(&f->clock, now, delta); /* A6: 0 is now, expires at once */
}

void fw2_start(const fw2_cfg *f, tcp_tcb *t)
{
    tcp_timer_arm(t, TT_REXMT, tick_after(&f->clock, sim_now(tcp_sim(t)), f->timeout));
}

int fw2_on_segment(const fw2_cfg *f, tcp_tcb *t, int acceptable)
{
    if (t->state != TCP_S_FIN_WAIT_2 || !acceptable ||
        !sim_event_pending(&t->timer[TT_REXMT]))
        return 0;
    /* A4: the full configured value, from this segment's arrival. */
    fw2_start(f, t);
    return 1;
}

void fw2_install(const fw2_cfg *f, tcp_tcb *t, int64_t delta)
{
    sim_time at = fw2_target_deadline(f, sim_now(tcp_sim(t)), delta);

    if (at == SIM_NEVER)
        tcp_timer_cancel(t, TT_REXMT);
    else
        tcp_timer_arm(t, TT_REXMT, at);
}

int64_t fw2_upload_delta(const fw2_cfg *f, const tcp_tcb *t, sim_time now, int expired)
{
    if (expired)
        return f->expired_delta;
    return fw2_delta_of(&f->clock, now, tcp_timer_deadline(t, TT_REXMT));
}

int64_t fw2_expected_delta(const tick_clock *c, sim_time now, sim_time at, int counted)
{
    sim_time left = at - now;

    if (counted)
        return at / c->tick - now / c->tick;
    return left / c->tick + (left % c->tick != 0);
}
