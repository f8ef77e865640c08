/*
 * host.c - the local host stack and its side of chimney offload.
 *
 * Handoffs (conn.h has the owner diagram):
 *
 *   host_offload    R9 check, capacity (a full target refuses, logged),
 *                   R52 pending ACK sent, delegated state sampled with the
 *                   host's FIN_WAIT_2 (R19) or retransmit (R10, R12) delta,
 *                   host timers stopped: the delta is frozen in transit
 *   host_upload     the target's delayed ACK sent (R36, R59), delegated
 *                   state sampled with the target's delta (R20, A5), target
 *                   timers stopped (so a target timer due meanwhile does not
 *                   indicate, A14)
 *   handoff_done    the receiver installs the state and starts its timers
 *                   from the delta (R19 with A2/A6 on the target; R11, R20,
 *                   R62 on the host), then processes the held segments
 *
 * The host's own FIN_WAIT_2 timer (A11) lives in the TT_2MSL slot while in
 * FIN_WAIT_2, as in FreeBSD:
 *   absolute        deadline = entry + timeout, never moved
 *   idle            every acceptable segment moves it to now + timeout
 *   idle + check    FreeBSD's tcp_timer_2msl: at the deadline, if the
 *                   connection has been idle no longer than the timeout,
 *                   look again check_interval later
 *   scope closed    no timer after a shutdown for sending
 *   rto floor       timeout at least floor x RTO (Linux's tcp_fin_time)
 * Real kernels fire such timers from timer wheels with some slack; that
 * slack is not modelled.
 */
#include "host.h"

#include "engine/err.h"
#include "offload/nic.h"

static void handoff_done(sim *s, sim_event *ev);
static void host_event(sim *s, sim_event *ev);
static void offload_event(sim *s, sim_event *ev);

void host_conn_init(world *w, conn *c)
{
    (void)w;
    sim_event_init(&c->handoff_ev, handoff_done, c);
    sim_event_init(&c->host_ev, host_event, c);
    sim_event_init(&c->offload_ev, offload_event, c);
}

/* ---- the host's FIN_WAIT_2 timer (A11) ------------------------------- */

static sim_time host_fw2_timeout_value(const world *w, const tcp_tcb *t)
{
    const host_params *h = &w->cfg->host;
    sim_time timeout = h->fin_wait_2_timeout;

    if (h->fw2_rto_floor > 0) {
        sim_time floor = (sim_time)(h->fw2_rto_floor * (double)t->rto);
        if (timeout < floor)
            timeout = floor;
    }
    return timeout;
}

static void host_fw2_start(world *w, conn *c)
{
    const host_params *h = &w->cfg->host;
    tcp_tcb *t = &c->local;

    if (h->fin_wait_2_timeout == 0)
        return; /* policy none: ns-3 and INET run no timer */
    if (h->fw2_scope == FW2_SCOPE_CLOSED && !t->full_close)
        return; /* a half-close may wait for the peer forever (lwIP, Linux, BSD) */
    c->fw2_last_rx = sim_now(w->s);
    tcp_timer_arm(t, TT_2MSL, sim_now(w->s) + host_fw2_timeout_value(w, t));
    world__trace_timer(w, c, "fw2_start", "host", TT_2MSL);
}

/*
 * The host's FIN_WAIT_2 timer expired: log it and, with host.fw2_expiry =
 * rst, reset the peer.  The caller closes the connection (or it is closed).
 */
static void host_fw2_expired(world *w, conn *c)
{
    tcp_tcb *t = &c->local;

    world__trace(w, c, "fw2_expire", "host", NULL);
    w->st.host_fw2_expiries++;
    if (w->cfg->host.fw2_expiry == FW2_EXPIRY_RST) {
        seg r = {t->snd_nxt, t->rcv_nxt, 0, t->rcv_wnd, SEG_RST | SEG_ACK};
        world__output_local(w, c, &r);
    }
}

static void host_fw2_expire(world *w, conn *c)
{
    host_fw2_expired(w, c);
    tcp_set_state(&c->local, TCP_S_CLOSED, TCP_E_TIMEOUT_FW2);
}

/* ---- hooks ------------------------------------------------------------ */

static void host_output(tcp_tcb *t, const seg *s)
{
    conn *c = t->ctx;

    world__output_local(c->w, c, s);
}

static sim_time host_deadline(tcp_tcb *t, sim_time delay)
{
    return sim_now(t->s) + delay;
}

static void maybe_offload(world *w, conn *c, offload_when when)
{
    const offload_params *o = &w->cfg->offload;

    if (o->when != when)
        return;
    /* One draw per decision, whatever the probability (common random
     * numbers).  The offload itself waits until the segment that moved the
     * state has been processed: a handoff starts between events. */
    if (rng_uniform(&c->offload_rng) < o->probability)
        sim_restart(w->s, &c->offload_ev, sim_now(w->s));
}

static void offload_event(sim *s, sim_event *ev)
{
    conn *c = ev->ctx;

    (void)s;
    host_offload(c->w, c);
}

static void host_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    conn *c = t->ctx;
    world *w = c->w;

    /* Decide the offload before the application wakes (world__local_state):
     * a connection offloaded on reaching ESTABLISHED belongs to the target
     * before the application writes its response (which then waits for the
     * handoff, R54). */
    if (t->state == TCP_S_ESTABLISHED)
        maybe_offload(w, c, OFFLOAD_ESTABLISHED);
    world__local_state(w, c, old, why);
    switch (t->state) {
    case TCP_S_FIN_WAIT_2:
        host_fw2_start(w, c);
        maybe_offload(w, c, OFFLOAD_FIN_WAIT_2); /* after the timer: R19 carries it */
        break;
    case TCP_S_TIME_WAIT:
        tcp_timer_arm(t, TT_2MSL, t->tw_deadline);
        break;
    case TCP_S_CLOSED:
        world__released(w, c);
        break;
    default:
        break;
    }
}

static void host_segment(tcp_tcb *t, const seg *s, int acceptable)
{
    conn *c = t->ctx;
    world *w = c->w;
    const host_params *h = &w->cfg->host;
    sim_time at;

    (void)s;
    /* A host that runs no timer of its own (timeout 0) restarts nothing: a
     * timer it inherited from the target runs to its deadline (R20). */
    if (t->state != TCP_S_FIN_WAIT_2 || !acceptable || !sim_event_pending(&t->timer[TT_2MSL]) ||
        h->fw2_mode != FW2_MODE_IDLE || h->fin_wait_2_timeout == 0)
        return;
    c->fw2_last_rx = sim_now(w->s);
    w->st.fw2_restarts++;
    at = c->fw2_last_rx + host_fw2_timeout_value(w, t);
    /* With a check interval the timer stays; the idle clock restarts. */
    if (h->fw2_check_interval == 0)
        tcp_timer_arm(t, TT_2MSL, at);
    world__trace(w, c, "fw2_restart", "host", &at);
}

static void host_fw2_timeout(tcp_tcb *t)
{
    conn *c = t->ctx;
    world *w = c->w;
    const host_params *h = &w->cfg->host;
    sim_time now = sim_now(w->s);

    /* FreeBSD: while idle for no longer than the timeout, look again later.
     * A timer inherited from the target (no segment seen since: fw2_last_rx
     * is SIM_NEVER) expires when its value runs out (R20). */
    if (h->fw2_mode == FW2_MODE_IDLE && h->fw2_check_interval > 0 &&
        c->fw2_last_rx != SIM_NEVER && now - c->fw2_last_rx <= host_fw2_timeout_value(w, t)) {
        tcp_timer_arm(t, TT_2MSL, now + h->fw2_check_interval);
        return;
    }
    host_fw2_expire(w, c);
}

static int host_reset_after_close(tcp_tcb *t)
{
    conn *c = t->ctx;

    return c->w->cfg->host.data_after_close == DATA_AFTER_CLOSE_RST;
}

const tcp_ops host_tcp_ops = {
    .output = host_output,
    .deadline = host_deadline,
    .state_entered = host_state_entered,
    .segment = host_segment,
    .deliver = world__deliver_local,
    .fw2_timeout = host_fw2_timeout,
    .reset_after_close = host_reset_after_close,
};

/* ---- handoffs --------------------------------------------------------- */

/* The retransmit timer's delta (R10, R12, R27); 0 after the target gave up. */
static int64_t rexmt_delta(const world *w, const tcp_tcb *t, sim_time now)
{
    sim_time at = tcp_timer_deadline(t, TT_REXMT);

    if (at == SIM_NEVER && tcp_outstanding(t) && t->rexmt_count >= t->cfg->max_retries)
        return 0; /* A12: retransmissions ran out on the target; the timer is due */
    return fw2_delta_of(&w->fw2.clock, now, at);
}

int host_may_offload(tcp_state s)
{
    /* R9: never in CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED or TIME_WAIT. */
    return s >= TCP_S_ESTABLISHED && s != TCP_S_TIME_WAIT;
}

void host_offload(world *w, conn *c)
{
    tcp_tcb *t = &c->local;
    sim_time now = sim_now(w->s);
    int64_t delta;

    if (c->owner != OWNER_HOST || c->released || !host_may_offload(t->state))
        return;
    if ((uint64_t)w->nic_total >= w->cfg->nic.capacity) {
        world__trace(w, c, "refused", tcp_state_name[t->state], NULL);
        w->st.refused++;
        return;
    }
    tcp_flush_ack(t); /* R52 (R36): pending ACKs go out first */
    if (t->state == TCP_S_FIN_WAIT_2) /* R19: the host's FIN_WAIT_2 value, -1 if none */
        delta = fw2_delta_of(&w->fw2.clock, now, tcp_timer_deadline(t, TT_2MSL));
    else
        delta = rexmt_delta(w, t, now);
    delegated_sample(t, &w->fw2.clock, now, delta, &c->dlg);
    world__trace(w, c, "offload", tcp_state_name[t->state], &delta);
    tcp_stop_timers(t);
    c->handoffs++;
    w->st.offloads++;
    world__set_owner(w, c, OWNER_OFFLOADING);
    sim_schedule(w->s, &c->handoff_ev, now + w->cfg->nic.offload_latency);
}

void host_upload(world *w, conn *c)
{
    tcp_tcb *t = &c->local;
    sim_time now = sim_now(w->s);
    int64_t delta;

    if (c->owner != OWNER_NIC)
        return;
    if (t->state != TCP_S_CLOSED)
        tcp_flush_ack(t); /* R36, R59 */
    if (t->state == TCP_S_FIN_WAIT_2 || t->state == TCP_S_CLOSED)
        delta = fw2_upload_delta(&w->fw2, t, now, c->nic_expired); /* R20, A5 */
    else
        delta = rexmt_delta(w, t, now);
    delegated_sample(t, &w->fw2.clock, now, delta, &c->dlg);
    world__trace(w, c, "upload", tcp_state_name[t->state], &delta);
    tcp_stop_timers(t);
    c->handoffs++;
    w->st.uploads++;
    world__set_owner(w, c, OWNER_UPLOADING);
    sim_schedule(w->s, &c->handoff_ev, now + w->cfg->nic.upload_latency);
}

/* The target installs an offloaded connection. */
static void offload_done(world *w, conn *c)
{
    tcp_tcb *t = &c->local;
    sim_time now = sim_now(w->s);
    int64_t delta = c->dlg.timeout_delta;

    if (t->state == TCP_S_FIN_WAIT_2) {
        fw2_install(&w->fw2, t, delta); /* R19, A2, A6 */
        if (sim_event_pending(&t->timer[TT_REXMT]))
            world__trace_timer(w, c, "fw2_start", "nic", TT_REXMT);
    } else if (tcp_outstanding(t)) {
        /* R10: the retransmit timer resumes from the host's delta. */
        sim_time at = delta < 0 ? tick_after(&w->fw2.clock, now, t->rto)
                                : tick_deadline(&w->fw2.clock, now, delta);
        tcp_timer_arm(t, TT_REXMT, at);
    }
    if (w->cfg->offload.upload_rate > 0) {
        dist e = {DIST_EXP, 1e9 / w->cfg->offload.upload_rate, 0};
        sim_restart(w->s, &c->host_ev, now + dist_sample_time(&e, &c->upload_rng));
    }
}

/* The host installs an uploaded connection (R62). */
static void upload_done(world *w, conn *c)
{
    tcp_tcb *t = &c->local;
    sim_time now = sim_now(w->s);
    int64_t delta = c->dlg.timeout_delta;

    switch (t->state) {
    case TCP_S_CLOSED:
        /* A5: with expired_delta 0 the host's timer expires at once (R20). */
        if (c->nic_expired && delta == 0)
            host_fw2_expired(w, c);
        world__released(w, c);
        break;
    case TCP_S_FIN_WAIT_2: {
        /* R20, R62: the target's value starts the host's timer; 0 fires now. */
        sim_time at = fw2_host_deadline(&w->fw2.clock, now, delta);

        if (at != SIM_NEVER) {
            c->fw2_last_rx = SIM_NEVER; /* the target's value, not an idle time */
            tcp_timer_arm(t, TT_2MSL, at);
            world__trace_timer(w, c, "fw2_start", "host", TT_2MSL);
        }
        break;
    }
    case TCP_S_TIME_WAIT:
        tcp_timer_arm(t, TT_2MSL, t->tw_deadline > now ? t->tw_deadline : now);
        break;
    default:
        if (tcp_outstanding(t)) {
            sim_time at = fw2_host_deadline(&w->fw2.clock, now, delta);
            tcp_timer_arm(t, TT_REXMT, at == SIM_NEVER ? now + t->rto : at);
        }
        break;
    }
}

static void handoff_done(sim *s, sim_event *ev)
{
    conn *c = ev->ctx;
    world *w = c->w;
    int up = c->owner == OWNER_UPLOADING;

    (void)s;
    SIM_ASSERT(up || c->owner == OWNER_OFFLOADING, "handoff completes with owner %s",
               owner_name[c->owner]);
    c->local.ops = up ? &host_tcp_ops : &nic_tcp_ops;
    c->local.cfg = up ? &w->host_tcp : &w->nic_tcp;
    delegated_install(&c->local, &w->fw2.clock, sim_now(w->s), &c->dlg);
    world__set_owner(w, c, up ? OWNER_HOST : OWNER_NIC);
    if (up)
        upload_done(w, c);
    else
        offload_done(w, c);
    world__drain_held(w, c);
    world__app_resume(w, c);
}

/* The host's reaction to an indication, or a random upload. */
static void host_event(sim *s, sim_event *ev)
{
    conn *c = ev->ctx;

    (void)s;
    host_upload(c->w, c);
}

void host_indicate(world *w, conn *c, const char *what, int want_upload)
{
    sim_time at = sim_now(w->s) + w->cfg->host.upload_delay;

    world__trace(w, c, "indicate", what, NULL);
    w->st.indications++;
    if (!want_upload || c->nic_asked)
        return;
    c->nic_asked = 1;
    /* A13: the host reacts after upload_delay; an earlier random upload stands. */
    if (!sim_event_pending(&c->host_ev) || c->host_ev.at > at)
        sim_restart(w->s, &c->host_ev, at);
}
