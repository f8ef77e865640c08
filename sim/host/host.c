/*
 * host.c - the local host stack and its side of chimney offload (host.h).
 *
 * Handoffs, the host's half and the NIC's (nic.c):
 *
 *   host_offload    R9 check; a slot on the target (nic_reserve: a full
 *                   target refuses, logged); R52 pending ACK sent;
 *                   delegated state sampled with the host's FIN_WAIT_2
 *                   (R19) or retransmit (R10, R12) delta; host timers
 *                   stopped: the delta is frozen in transit
 *   host_upload     the NIC's half (nic_give): its delayed ACK sent (R36,
 *                   R59), delegated state sampled with its delta (R20, A5),
 *                   its timers stopped (A14)
 *   handoff_done    the receiver installs the state and starts its timers
 *                   from the delta: nic_take (R19 with A2/A6, R10) or
 *                   upload_done (R11, R20, R62); then the owner processes
 *                   what waited (held segments, application calls)
 *
 * The host's own FIN_WAIT_2 timer (A11) lives in the TT_2MSL slot while in
 * FIN_WAIT_2, as in FreeBSD:
 *   absolute        deadline = entry + timeout, never moved
 *   idle            every acceptable segment (fw2_idle_on = acceptable) or
 *                   every segment that reaches the connection (any) moves
 *                   it to now + timeout
 *   idle + check    FreeBSD's tcp_timer_2msl: at the deadline, if the
 *                   connection has been idle no longer than the timeout,
 *                   look again check_interval later.  FreeBSD's
 *                   tcp_do_segment sets t_rcvtime for every segment before
 *                   validating it ("XXX: This should be done after segment
 *                   validation"), so keep-alive probes keep it alive
 *   linux           absolute, as tcp_fin_time() and its two paths: a
 *                   timeout up to time_wait (TCP_TIMEWAIT_LEN) runs as
 *                   one timer; a longer one runs timeout - time_wait on
 *                   the keep-alive timer, then tcp_time_wait(FIN_WAIT2)
 *                   for as long again (at least floor x RTO): it lives
 *                   2 x (timeout - time_wait) (fw2_stage says which)
 *   scope closed    no timer after a shutdown for sending
 *   rto floor       timeout at least floor x RTO (Linux's tcp_fin_time)
 *   linger2 rst     Linux's TCP_LINGER2 < 0: no FIN_WAIT_2 after a full
 *                   close; the ACK of our FIN is answered with an RST
 * Every timer of the host fires exactly, or, with host.timer_wheel_hz,
 * when Linux's timer wheel would run it (wheel.h).
 *
 * The host's policy applies whoever holds the connection (A17): data after
 * a full close that the target indicates (nic_ops.deliver), and with
 * linger2 rst the target's DisconnectComplete in FIN_WAIT_2, make the host
 * ask the target for an abortive disconnect (R45: the target sends the RST,
 * R21) at its next reaction (host.upload_delay, A13), then upload.
 *
 * Occupancy: fin_wait_2 counts the unreleased endpoints the host holds in
 * FIN_WAIT_2, time_wait those in TIME_WAIT whoever holds them; both follow
 * every state change (the NIC's come through nic_ops.state), owner change
 * and release.
 */
#include "host.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/invariant.h"
#include "engine/slab.h"
#include "offload/fw2.h"
#include "wheel.h"

struct host {
    host_params p;           /* [host] */
    uint64_t seed;           /* its endpoints' streams (host_set_streams) */
    uint32_t offload_purpose, upload_purpose;
    host_transit *transit_free; /* blocks of state in transit, reused */
    void **slabs;
    size_t nslabs, slab_cap;
    int err;                 /* SIM_ENOMEM once a block could not be had */
    host_conn *restart_hc;   /* the segment being processed restarted this */
    sim_time restart_at;     /* connection's FIN_WAIT_2 timer to this deadline */
    offload_params o;        /* [offload] */
    tcp_cfg tcp;             /* its endpoints' settings */
    dist delack;             /* host.delack as an ACK delay (also the NIC's) */
    nic *nic;
    const host_ops *ops;     /* its owner's hooks */
    sim *s;
    trace_buf *trace;
    host_stats st;
    sim_level fw2_lv, tw_lv; /* st.fin_wait_2, st.time_wait over time */
};

const char *const owner_name[] = {
    [OWNER_HOST] = "host", [OWNER_NIC] = "nic", [OWNER_OFFLOADING] = "handoff",
    [OWNER_UPLOADING] = "handoff",
};

/* The host_conn around the NIC's half of it. */
#define HOST_CONN_OF(nc) ((host_conn *)(void *)((char *)(nc) - offsetof(host_conn, nic)))
/* The host_conn of an endpoint the host holds (h->tcp.ctx_off says the same). */
#define HC_OF(t) ((host_conn *)(void *)((char *)(t) - offsetof(host_conn, tcb)))
/* The host of a connection, whoever holds it: the owner in its holder's
 * binding (the host's, or the NIC's copy of it). */
#define HOST_OF(hc) ((host *)(hc)->tcb.cfg->owner)
/* The idle FIN_WAIT_2 timer's last acceptable segment: kept in the
 * endpoint, whose time is the holder's in FIN_WAIT_2 (tcp_fw2_time), the
 * only state it is set and read in. */
#define FW2_LAST_RX(hc) (*tcp_fw2_time(&(hc)->tcb))
/* The size host.h states (on LP64: 8-byte pointers and times). */
_Static_assert(sizeof(void *) != 8 || sizeof(host_conn) == 168, "host.h: a host_conn is 168 bytes");
/* Where a connection's nic_conn is, from its endpoint (nic_set_owner). */
#define NC_OFF ((ptrdiff_t)offsetof(host_conn, nic) - (ptrdiff_t)offsetof(host_conn, tcb))

static const tcp_ops host_tcp_ops;
static sim_time host_fw2_deadline(const host *h, const host_conn *hc);
static void handoff_done(sim *s, sim_event *ev);
static void upload_event(sim *s, sim_event *ev);
static void offload_event(sim *s, sim_event *ev);

static void trace(host *h, const host_conn *hc, const char *kind, const char *detail,
                  const int64_t *value)
{
    if (trace_on(h->trace))
        trace_add(h->trace, sim_now(h->s), hc->tcb.id, kind, detail, value);
}

/* A timer event of the host's, its value the TT_2MSL slot's deadline. */
static void trace_timer(host *h, const host_conn *hc, const char *kind)
{
    if (trace_on(h->trace)) {
        int64_t at = tcp_timer_deadline(&hc->tcb, TT_2MSL);
        trace(h, hc, kind, "host", at == SIM_NEVER ? NULL : &at);
    }
}

/* ---- the invariant checker (engine/invariant.h) -------------------------- */

static int timers_pending(const tcp_tcb *t)
{
    for (int i = 0; i < TT_N; i++)
        if (sim_event_pending(&t->timer[i]))
            return 1;
    return 0;
}

/*
 * Exactly one holder: the host (its hooks on the endpoint, the NIC not
 * holding it), the NIC (its hooks, holding it), or a handoff (neither
 * holds it, its completion is pending, and the endpoint's timers are
 * frozen: a timer firing then would run the sender's hooks).
 */
void host_check_conn(const host_conn *hc)
{
    const tcp_tcb *t = &hc->tcb;
    int held = nic_conn_held(&hc->nic), handoff = sim_event_pending(&hc->handoff_ev);
    const char *bad = NULL;

    switch (hc->owner) {
    case OWNER_HOST:
        if (held)
            bad = "the NIC holds it too";
        else if (t->cfg != &HOST_OF(hc)->tcp)
            bad = "its endpoint runs another holder's hooks";
        else if (handoff)
            bad = "a handoff completion is pending";
        break;
    case OWNER_NIC:
        if (!held)
            bad = "the NIC does not hold it";
        else if (t->cfg == &HOST_OF(hc)->tcp || tcp_ctx(t) != &hc->nic)
            bad = "its endpoint runs the host's hooks";
        else if (handoff)
            bad = "a handoff completion is pending";
        break;
    case OWNER_OFFLOADING:
    case OWNER_UPLOADING:
        if (held)
            bad = "the NIC holds it during the handoff";
        else if (!handoff)
            bad = "no handoff completion is pending";
        else if (timers_pending(t))
            bad = "a timer of its endpoint runs during the handoff";
        break;
    default:
        bad = "no such owner";
        break;
    }
    if (bad == NULL && hc->released && hc->owner != OWNER_HOST)
        bad = "released while the host does not hold it";
    if (bad != NULL)
        inv_fail(sim_now(HOST_OF(hc)->s), hc->tcb.id, "ownership",
                 "owner %s (%d), NIC holds it: %d, handoff pending: %d, released: %d, state "
                 "%s: %s",
                 owner_name[hc->owner], (int)hc->owner, held, handoff, (int)hc->released,
                 tcp_state_name[t->state], bad);
}

void host_check_counts(const host *h, int64_t fin_wait_2, int64_t time_wait)
{
    if (h->st.fin_wait_2 != fin_wait_2 || h->st.time_wait != time_wait)
        inv_fail(sim_now(h->s), INV_NO_CONN, "NIC occupancy",
                 "the host counts %lld endpoints it holds in FIN_WAIT_2 and %lld in "
                 "TIME_WAIT; a recount of the connections finds %lld and %lld",
                 (long long)h->st.fin_wait_2, (long long)h->st.time_wait,
                 (long long)fin_wait_2, (long long)time_wait);
}

/*
 * A connection leaves FIN_WAIT_2 by the peer's FIN, an RST (received, or
 * sent: data after a full close) or a FIN_WAIT_2 timer; otherwise it stays
 * until the run ends.
 */
static void check_fw2_exit(const host *h, const host_conn *hc, tcp_state old, tcp_event why)
{
    if (old != TCP_S_FIN_WAIT_2 || why == TCP_E_RCV_FIN || why == TCP_E_RCV_RST ||
        why == TCP_E_ABORT || why == TCP_E_TIMEOUT_FW2)
        return;
    inv_fail(sim_now(h->s), hc->tcb.id, "FIN_WAIT_2 exit",
             "left FIN_WAIT_2 for %s on %s, held by %s: only a FIN, an RST or a FIN_WAIT_2 "
             "timer ends FIN_WAIT_2",
             tcp_state_name[hc->tcb.state], tcp_event_name[why], owner_name[hc->owner]);
}

/*
 * R10, R19, A10, A6: the delta the host hands over at an offload is its
 * timer's remaining time rounded up to whole ticks (its own clock is
 * exact), -1 when none runs.
 */
static int64_t expected_offload_delta(const host *h, const host_conn *hc, sim_time now,
                                      sim_time *at)
{
    const tcp_tcb *t = &hc->tcb;

    /* In FIN_WAIT_2 the remaining time of the host's timer, a second stage
     * included (fw2_mode linux). */
    *at = t->state == TCP_S_FIN_WAIT_2 ? host_fw2_deadline(h, hc)
                                       : tcp_timer_deadline(t, TT_REXMT);
    if (*at == SIM_NEVER)
        return TIMEOUT_DELTA_NOT_RUNNING;
    return fw2_expected_delta(nic_clock(h->nic), now, *at, 0);
}

/* Under the checker, an event of a freed connection fired. */
static void freed_fired(sim *s, const host_conn *hc, const char *which)
{
    inv_fail(sim_now(s), hc->tcb.id, "freed connection",
             "its local endpoint's %s event fired after the connection was freed", which);
}

#define FREED(name, member, which)                                   \
    static void name(sim *s, sim_event *ev)                          \
    {                                                                \
        freed_fired(s, SIM_CONTAINER(ev, host_conn, member), which); \
    }
FREED(freed_handoff, handoff_ev, "handoff completion")
FREED(freed_upload, upload_ev, "upload")
FREED(freed_offload, offload_ev, "offload decision")
FREED(freed_rexmt, tcb.timer[TT_REXMT], "retransmit timer")
FREED(freed_delack, tcb.timer[TT_DELACK], "delayed-ACK timer")
FREED(freed_2msl, tcb.timer[TT_2MSL], "2MSL timer")
#undef FREED

/* ---- occupancy ------------------------------------------------------------ */

/* A count changes by d; its integrals first. */
static void level_add(host *h, sim_level *l, int64_t *count, int64_t d)
{
    if (d == 0)
        return;
    sim_level_advance(l, *count, sim_now(h->s));
    *count += d;
}

static void count(host *h, const host_conn *hc, tcp_state st, int sign)
{
    if (hc->released)
        return;
    if (st == TCP_S_FIN_WAIT_2 && hc->owner == OWNER_HOST)
        level_add(h, &h->fw2_lv, &h->st.fin_wait_2, sign);
    if (st == TCP_S_TIME_WAIT)
        level_add(h, &h->tw_lv, &h->st.time_wait, sign);
}

static void set_owner(host *h, host_conn *hc, owner o)
{
    if (!hc->released && hc->tcb.state == TCP_S_FIN_WAIT_2)
        level_add(h, &h->fw2_lv, &h->st.fin_wait_2,
                  (o == OWNER_HOST) - (hc->owner == OWNER_HOST));
    hc->owner = (unsigned)o & 3;
}

/* The endpoint changed state, whoever holds it: counts, then the owner. */
static void state_changed(host *h, host_conn *hc, tcp_state old, tcp_event why)
{
    if (inv_on()) {
        check_fw2_exit(h, hc, old, why);
        host_check_conn(hc);
    }
    count(h, hc, old, -1);
    count(h, hc, hc->tcb.state, +1);
    h->ops->state(hc, old, why);
}

/* The endpoint's resources are freed (it is CLOSED and the host holds it). */
static void host_release(host *h, host_conn *hc)
{
    SIM_ASSERT(hc->owner == OWNER_HOST, "connection %u released by %s", hc->tcb.id,
               owner_name[hc->owner]);
    count(h, hc, hc->tcb.state, -1);
    hc->released = 1;
    tcp_stop_timers(&hc->tcb);
    sim_cancel(h->s, &hc->upload_ev);
    h->ops->released(hc);
}

/* When a timer the host arms now for `delay` fires (host.timer_wheel_hz). */
static sim_time host_at(const host *h, sim_time delay)
{
    return wheel_deadline(h->p.timer_wheel_hz, sim_now(h->s), delay);
}

/* ---- the host's FIN_WAIT_2 timer (A11) ------------------------------------ */

static sim_time host_fw2_timeout_value(const host *h, const tcp_tcb *t)
{
    sim_time timeout = h->p.fin_wait_2_timeout;

    if (h->p.fw2_rto_floor > 0) {
        sim_time floor = (sim_time)(h->p.fw2_rto_floor * (double)t->rto);
        if (timeout < floor)
            timeout = floor;
    }
    return timeout;
}

/*
 * Linux's second stage (fw2_mode linux): tcp_keepalive_timer calls
 * tcp_time_wait(sk, TCP_FIN_WAIT2, tcp_fin_time(sk) - TCP_TIMEWAIT_LEN),
 * which runs at least 3.5 RTO ("Get the TIME_WAIT timeout firing").
 */
static sim_time host_fw2_stage2(const host *h, const tcp_tcb *t)
{
    sim_time rest = host_fw2_timeout_value(h, t) - h->p.time_wait;
    sim_time floor = (sim_time)(h->p.fw2_rto_floor * (double)t->rto);

    return rest > floor ? rest : floor;
}

/* The host's FIN_WAIT_2 deadline, its second stage included (R19). */
static sim_time host_fw2_deadline(const host *h, const host_conn *hc)
{
    sim_time at = tcp_timer_deadline(&hc->tcb, TT_2MSL);

    if (at != SIM_NEVER && hc->fw2_stage)
        at += host_fw2_stage2(h, &hc->tcb);
    return at;
}

static void host_fw2_start(host *h, host_conn *hc)
{
    tcp_tcb *t = &hc->tcb;
    sim_time timeout;

    hc->fw2_stage = 0;
    if (h->p.fin_wait_2_timeout == 0)
        return; /* policy none: ns-3 and INET run no timer */
    if (h->p.fw2_scope == FW2_SCOPE_CLOSED && !t->full_close)
        return; /* a half-close may wait for the peer forever (lwIP, Linux, BSD) */
    timeout = host_fw2_timeout_value(h, t);
    if (h->p.fw2_mode == FW2_MODE_LINUX && timeout > h->p.time_wait) {
        /* tcp_rcv_state_process: "if (tmo > TCP_TIMEWAIT_LEN)
         * inet_csk_reset_keepalive_timer(sk, tmo - TCP_TIMEWAIT_LEN)". */
        hc->fw2_stage = 1;
        timeout -= h->p.time_wait;
    }
    FW2_LAST_RX(hc) = sim_now(h->s);
    tcp_timer_arm(t, TT_2MSL, host_at(h, timeout));
    trace_timer(h, hc, "fw2_start");
}

/*
 * The host's FIN_WAIT_2 timer expired: log it and, with host.fw2_expiry =
 * rst, reset the peer.  The caller closes the connection (or it is closed).
 */
static void host_fw2_expired(host *h, host_conn *hc)
{
    tcp_tcb *t = &hc->tcb;

    trace(h, hc, "fw2_expire", "host", NULL);
    h->st.fw2_expiries++;
    if (h->p.fw2_expiry == FW2_EXPIRY_RST) {
        seg r = {t->snd_nxt, t->rcv_nxt, 0, t->rcv_wnd, SEG_RST | SEG_ACK};
        h->ops->output(hc, &r);
    }
}

/* ---- the hooks on an endpoint the host holds ------------------------------ */

static void host_output(tcp_tcb *t, const seg *s)
{
    host_conn *hc = HC_OF(t);

    HOST_OF(hc)->ops->output(hc, s);
}

static sim_time host_deadline(tcp_tcb *t, sim_time delay)
{
    host_conn *hc = HC_OF(t);

    return host_at(HOST_OF(hc), delay);
}

static void maybe_offload(host *h, host_conn *hc, offload_when when)
{
    if (h->o.when != when)
        return;
    /* One draw per decision, whatever the probability (common random
     * numbers).  The offload itself waits until the segment that moved the
     * state has been processed: a handoff starts between events. */
    rng_stream r = rng_at(h->seed, hc->tcb.id, h->offload_purpose, hc->offload_n);
    int yes;

    /* u is in (0, 1): a probability of 1 (the default) or 0 decides
     * without computing the draw, which is taken all the same. */
    if (h->o.probability >= 1 || h->o.probability <= 0) {
        r.n++;
        yes = h->o.probability >= 1;
    } else {
        yes = rng_uniform(&r) < h->o.probability;
    }
    hc->offload_n = rng_count(&r);
    if (yes)
        sim_restart(h->s, &hc->offload_ev, sim_now(h->s));
}

static void host_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    host_conn *hc = HC_OF(t);
    host *h = HOST_OF(hc);

    /* Decide the offload before the owner hears of the state (and wakes the
     * application): a connection offloaded on reaching ESTABLISHED belongs
     * to the target before the application writes its response (which then
     * waits for the handoff, R54). */
    if (t->state == TCP_S_ESTABLISHED)
        maybe_offload(h, hc, OFFLOAD_ESTABLISHED);
    state_changed(h, hc, old, why);
    switch (t->state) {
    case TCP_S_FIN_WAIT_2:
        if (h->p.fw2_linger2 == FW2_LINGER2_RST && t->full_close) {
            /* Linux, TCP_LINGER2 < 0: tcp_rcv_state_process moves the
             * orphaned socket to FIN_WAIT2, calls tcp_done and returns 1,
             * and tcp_v4_do_rcv answers the ACK with an RST (its sequence
             * number the ACK's: our SND.NXT, as tcp_abort sends). */
            tcp_abort(t);
            break;
        }
        host_fw2_start(h, hc);
        maybe_offload(h, hc, OFFLOAD_FIN_WAIT_2); /* after the timer: R19 carries it */
        break;
    case TCP_S_TIME_WAIT:
        tcp_timer_arm(t, TT_2MSL, host_at(h, tcp_tw_deadline(t) - sim_now(h->s)));
        break;
    case TCP_S_CLOSED:
        host_release(h, hc);
        break;
    default:
        break;
    }
}

static void host_segment(tcp_tcb *t, const seg *s, int acceptable)
{
    host_conn *hc = HC_OF(t);
    host *h = HOST_OF(hc);
    sim_time at;

    (void)s;
    h->restart_hc = NULL;
    /* A host that runs no timer of its own (timeout 0) restarts nothing: a
     * timer it inherited from the target runs to its deadline (R20). */
    if (t->state != TCP_S_FIN_WAIT_2 || !sim_event_pending(&t->timer[TT_2MSL]) ||
        h->p.fw2_mode != FW2_MODE_IDLE || h->p.fin_wait_2_timeout == 0)
        return;
    /* FreeBSD (fw2_idle_on = any): every segment that reaches the
     * connection sets t_rcvtime, acceptable or not (a keep-alive probe). */
    if (!acceptable && h->p.fw2_idle_on != FW2_IDLE_ON_ANY)
        return;
    FW2_LAST_RX(hc) = sim_now(h->s);
    at = FW2_LAST_RX(hc) + host_fw2_timeout_value(h, t);
    h->restart_hc = hc;
    h->restart_at = at;
    /* With a check interval the timer stays; the idle clock restarts. */
    if (h->p.fw2_check_interval == 0)
        tcp_timer_arm(t, TT_2MSL, host_at(h, at - FW2_LAST_RX(hc)));
}

/* A4: a restart counts when the segment left the connection in FIN_WAIT_2
 * (see nic_segment_done). */
static void host_segment_done(tcp_tcb *t)
{
    host_conn *hc = HC_OF(t);
    host *h = HOST_OF(hc);
    sim_time at = h->restart_at;

    if (h->restart_hc != hc)
        return;
    h->restart_hc = NULL;
    if (t->state != TCP_S_FIN_WAIT_2)
        return;
    h->st.fw2_restarts++;
    trace(h, hc, "fw2_restart", "host", &at);
}

static void host_deliver(tcp_tcb *t, uint32_t bytes, int fin)
{
    host_conn *hc = HC_OF(t);

    HOST_OF(hc)->ops->deliver(hc, bytes, fin);
}

static void host_fw2_timeout(tcp_tcb *t)
{
    host_conn *hc = HC_OF(t);
    host *h = HOST_OF(hc);
    sim_time now = sim_now(h->s);

    /* Linux: the keep-alive timer's stage is over; the timewait socket in
     * FIN_WAIT2 runs the second. */
    if (hc->fw2_stage) {
        hc->fw2_stage = 0;
        tcp_timer_arm(t, TT_2MSL, host_at(h, host_fw2_stage2(h, t)));
        return;
    }
    /* FreeBSD: while idle for no longer than the timeout, look again later.
     * A timer inherited from the target (no segment seen since: FW2_LAST_RX
     * is SIM_NEVER) expires when its value runs out (R20). */
    if (h->p.fw2_mode == FW2_MODE_IDLE && h->p.fw2_check_interval > 0 &&
        FW2_LAST_RX(hc) != SIM_NEVER && now - FW2_LAST_RX(hc) <= host_fw2_timeout_value(h, t)) {
        tcp_timer_arm(t, TT_2MSL, host_at(h, h->p.fw2_check_interval));
        return;
    }
    host_fw2_expired(h, hc);
    tcp_set_state(t, TCP_S_CLOSED, TCP_E_TIMEOUT_FW2);
}

static int host_reset_after_close(tcp_tcb *t)
{
    host_conn *hc = HC_OF(t);

    return HOST_OF(hc)->p.data_after_close == DATA_AFTER_CLOSE_RST;
}

static const tcp_ops host_tcp_ops = {
    .output = host_output,
    .deadline = host_deadline,
    .state_entered = host_state_entered,
    .segment = host_segment,
    .segment_done = host_segment_done,
    .deliver = host_deliver,
    .fw2_timeout = host_fw2_timeout,
    .reset_after_close = host_reset_after_close,
    .fin_wait_2_only = 1, /* A11: host_segment restarts nothing elsewhere */
};

/* ---- what the NIC tells the host (nic_ops) ------------------------------- */

static void nic_output(nic_conn *nc, const seg *s)
{
    host_conn *hc = HOST_CONN_OF(nc);

    HOST_OF(hc)->ops->output(hc, s);
}

static void nic_state(nic_conn *nc, tcp_state old, tcp_event why)
{
    host_conn *hc = HOST_CONN_OF(nc);

    state_changed(HOST_OF(hc), hc, old, why);
}

/*
 * The host reacts host.upload_delay after what it reacts to (A13), in
 * upload_event: an upload the target asked for, an abortive disconnect its
 * policy calls for (then the upload).  An earlier reaction (a random
 * upload) stands and does both.
 */
static void react(host *h, host_conn *hc)
{
    sim_time at = sim_now(h->s) + h->p.upload_delay;

    if (!sim_event_pending(&hc->upload_ev) || sim_deadline(h->s, &hc->upload_ev) > at)
        sim_restart(h->s, &hc->upload_ev, at);
}

/* A17: the host's policy resets a connection the target holds. */
static void want_abort(host *h, host_conn *hc)
{
    hc->abort = 1;
    react(h, hc);
}

static void nic_deliver(nic_conn *nc, uint32_t bytes, int fin)
{
    host_conn *hc = HOST_CONN_OF(nc);
    host *h = HOST_OF(hc);
    const tcp_tcb *t = &hc->tcb;

    /* A17: the target processed data that came after a full close and
     * indicates it as any received data; the host's data_after_close
     * decides, as when it holds the connection (tcp_input's
     * reset_after_close hook). */
    if (bytes > 0 && t->full_close && h->p.data_after_close == DATA_AFTER_CLOSE_RST &&
        (t->state == TCP_S_FIN_WAIT_1 || t->state == TCP_S_FIN_WAIT_2))
        want_abort(h, hc);
    h->ops->deliver(hc, bytes, fin);
}

static void nic_indicate(nic_conn *nc, nic_indication what, int want_upload)
{
    host_conn *hc = HOST_CONN_OF(nc);
    host *h = HOST_OF(hc);
    const tcp_tcb *t = &hc->tcb;

    /* Linux's TCP_LINGER2 < 0 whoever holds the connection: our FIN of a
     * full close is acknowledged (R46), and the host resets it. */
    if (what == NIC_IND_DISCONNECT_COMPLETE && t->state == TCP_S_FIN_WAIT_2 &&
        t->full_close && h->p.fw2_linger2 == FW2_LINGER2_RST)
        want_abort(h, hc);
    /* R18, R41: an upload the target asks for. */
    if (!want_upload || hc->asked)
        return;
    hc->asked = 1;
    react(h, hc);
}

static const nic_ops host_nic_ops = {nic_output, nic_state, nic_deliver, nic_indicate};

/* ---- handoffs ----------------------------------------------------------- */

#define TRANSIT_SLAB 256

/* A block for the state hc's handoff carries; NULL when none could be had
 * (the run stops and host_error says why). */
static host_transit *transit_take(host *h, host_conn *hc)
{
    host_transit *b = h->transit_free;

    if (b == NULL) {
        host_transit *slab =
            slab_add(&h->slabs, &h->nslabs, &h->slab_cap, TRANSIT_SLAB * sizeof *slab);

        if (slab == NULL) {
            h->err = SIM_ENOMEM;
            sim_stop(h->s);
            return NULL;
        }
        for (size_t i = 0; i < TRANSIT_SLAB; i++) {
            slab[i].next = h->transit_free;
            h->transit_free = &slab[i];
        }
        b = h->transit_free;
    }
    h->transit_free = b->next;
    hc->transit = b;
    return b;
}

/* The handoff completed: its block goes back. */
static void transit_give(host *h, host_conn *hc)
{
    hc->transit->next = h->transit_free;
    h->transit_free = hc->transit;
    hc->transit = NULL;
}

int host_may_offload(tcp_state s)
{
    /* R9: never in CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED or TIME_WAIT. */
    return s >= TCP_S_ESTABLISHED && s != TCP_S_TIME_WAIT;
}

void host_offload(host *h, host_conn *hc)
{
    tcp_tcb *t = &hc->tcb;
    const tick_clock *clock = nic_clock(h->nic);
    sim_time now = sim_now(h->s);
    int64_t delta;

    if (hc->owner != OWNER_HOST || hc->released || !host_may_offload(t->state))
        return;
    if (transit_take(h, hc) == NULL)
        return;
    if (!nic_reserve(h->nic)) {
        transit_give(h, hc);
        trace(h, hc, "refused", tcp_state_name[t->state], NULL);
        return;
    }
    tcp_flush_ack(t); /* R52 (R36): pending ACKs go out first */
    if (t->state == TCP_S_FIN_WAIT_2) /* R19: the host's FIN_WAIT_2 value, -1 if none */
        delta = fw2_delta_of(clock, now, host_fw2_deadline(h, hc));
    else
        delta = fw2_rexmt_delta(clock, t, now);
    if (inv_on()) {
        sim_time at;
        int64_t want = expected_offload_delta(h, hc, now, &at);

        if (delta != want)
            inv_fail(now, hc->tcb.id, "TimeoutDelta",
                     "the host hands over %lld ticks in %s, expected %lld: its timer is due at "
                     "%lld ns (%lld ns from now), rounded up to %lld ns ticks",
                     (long long)delta, tcp_state_name[t->state], (long long)want,
                     (long long)at, at == SIM_NEVER ? -1LL : (long long)(at - now),
                     (long long)clock->tick);
        hc->transit->sent_delta = delta;
    }
    delegated_sample(t, clock, now, delta, &hc->transit->d);
    trace(h, hc, "offload", tcp_state_name[t->state], &delta);
    tcp_stop_timers(t);
    hc->handoffs++;
    h->st.offloads++;
    set_owner(h, hc, OWNER_OFFLOADING);
    sim_schedule(h->s, &hc->handoff_ev, now + nic_offload_latency(h->nic));
    if (inv_on())
        host_check_conn(hc);
}

void host_upload(host *h, host_conn *hc)
{
    tcp_tcb *t = &hc->tcb;
    sim_time now = sim_now(h->s);
    int64_t delta;

    if (hc->owner != OWNER_NIC || transit_take(h, hc) == NULL)
        return;
    delta = nic_give(h->nic, &hc->nic, t, &hc->transit->d); /* the NIC checks its delta */
    hc->transit->sent_delta = delta;
    trace(h, hc, "upload", tcp_state_name[t->state], &delta);
    hc->handoffs++;
    h->st.uploads++;
    set_owner(h, hc, OWNER_UPLOADING);
    sim_schedule(h->s, &hc->handoff_ev, now + nic_upload_latency(h->nic));
    if (inv_on())
        host_check_conn(hc);
}

/*
 * A host timer due at `at` (the value a handoff brought): when it fires
 * (host.timer_wheel_hz); due now or never stays so (R11: 0 fires at once).
 */
static sim_time host_timer_from(const host *h, sim_time at)
{
    sim_time now = sim_now(h->s);

    return at == SIM_NEVER || at <= now ? at : host_at(h, at - now);
}

/* The host installs an uploaded connection's timers (R62). */
static void upload_done(host *h, host_conn *hc)
{
    tcp_tcb *t = &hc->tcb;
    const tick_clock *clock = nic_clock(h->nic);
    sim_time now = sim_now(h->s);
    int64_t delta = hc->transit->d.timeout_delta;

    switch (t->state) {
    case TCP_S_CLOSED:
        /* A5: with expired_delta 0 the host's timer expires at once (R20). */
        if (nic_conn_expired(&hc->nic) && delta == 0)
            host_fw2_expired(h, hc);
        host_release(h, hc);
        break;
    case TCP_S_FIN_WAIT_2: {
        /* R20, R62: the target's value starts the host's timer; 0 fires now. */
        sim_time at = host_timer_from(h, fw2_host_deadline(clock, now, delta));

        hc->fw2_stage = 0;
        if (at != SIM_NEVER) {
            FW2_LAST_RX(hc) = SIM_NEVER; /* the target's value, not an idle time */
            tcp_timer_arm(t, TT_2MSL, at);
            trace_timer(h, hc, "fw2_start");
        }
        break;
    }
    case TCP_S_TIME_WAIT: {
        sim_time end = tcp_tw_deadline(t);

        tcp_timer_arm(t, TT_2MSL, host_timer_from(h, end > now ? end : now));
        break;
    }
    default:
        if (tcp_outstanding(t)) {
            sim_time at = fw2_host_deadline(clock, now, delta);
            tcp_timer_arm(t, TT_REXMT, at == SIM_NEVER ? host_at(h, t->rto) : host_timer_from(h, at));
        }
        break;
    }
}

static void handoff_done(sim *s, sim_event *ev)
{
    host_conn *hc = SIM_CONTAINER(ev, host_conn, handoff_ev);
    host *h = HOST_OF(hc);
    tcp_tcb *t = &hc->tcb;
    sim_time now = sim_now(s);

    SIM_ASSERT(hc->owner == OWNER_UPLOADING || hc->owner == OWNER_OFFLOADING,
               "handoff of connection %u completes with owner %s", hc->tcb.id, owner_name[hc->owner]);
    if (inv_on()) {
        /* The timers stayed frozen, and the delta arrives as it was sent
         * (the delegated state in transit). */
        if (timers_pending(t))
            inv_fail(now, hc->tcb.id, "ownership",
                     "owner %s (%d): the %s completes while a timer of its endpoint runs "
                     "(due at %lld, %lld, %lld ns): timers are frozen during a handoff",
                     owner_name[hc->owner], hc->owner,
                     hc->owner == OWNER_UPLOADING ? "upload" : "offload",
                     (long long)tcp_timer_deadline(t, TT_REXMT),
                     (long long)tcp_timer_deadline(t, TT_DELACK),
                     (long long)tcp_timer_deadline(t, TT_2MSL));
        if (hc->transit->d.timeout_delta != hc->transit->sent_delta)
            inv_fail(now, hc->tcb.id, "TimeoutDelta",
                     "the %s completes with a TimeoutDelta of %lld ticks; %lld were handed "
                     "over",
                     hc->owner == OWNER_UPLOADING ? "upload" : "offload",
                     (long long)hc->transit->d.timeout_delta,
                     (long long)hc->transit->sent_delta);
    }
    if (hc->owner == OWNER_UPLOADING) {
        t->cfg = &h->tcp;
        delegated_install(t, nic_clock(h->nic), now, &hc->transit->d);
        set_owner(h, hc, OWNER_HOST);
        nic_release(h->nic, &hc->nic);
        upload_done(h, hc);
    } else {
        set_owner(h, hc, OWNER_NIC);
        nic_take(h->nic, &hc->nic, t, &hc->transit->d);
        if (h->o.upload_rate > 0) {
            dist e = {DIST_EXP, (double)SIM_S / h->o.upload_rate, 0};
            rng_stream r = rng_at(h->seed, t->id, h->upload_purpose, hc->upload_n);
            sim_time at = now + dist_sample_time(&e, &r);

            hc->upload_n = rng_count(&r);
            sim_restart(h->s, &hc->upload_ev, at);
        }
    }
    transit_give(h, hc);
    if (inv_on())
        host_check_conn(hc);
    h->ops->handoff_done(hc);
}

/*
 * The host's reaction (react), or a random upload.  A17: an abortive
 * disconnect first, while the connection still waits for the peer's FIN
 * (FIN_WAIT_1 or FIN_WAIT_2; a FIN that came meanwhile closed it by the
 * rules): through the target (R45: it sends the RST, R21, and stops), or
 * on the host if an upload brought the connection back meanwhile.
 */
static void upload_event(sim *s, sim_event *ev)
{
    host_conn *hc = SIM_CONTAINER(ev, host_conn, upload_ev);
    host *h = HOST_OF(hc);
    tcp_tcb *t = &hc->tcb;

    (void)s;
    if (hc->abort) {
        hc->abort = 0;
        if (t->state == TCP_S_FIN_WAIT_1 || t->state == TCP_S_FIN_WAIT_2) {
            if (hc->owner == OWNER_NIC)
                nic_abort(h->nic, &hc->nic, t);
            else if (hc->owner == OWNER_HOST)
                tcp_abort(t);
        }
    }
    host_upload(h, hc);
}

static void offload_event(sim *s, sim_event *ev)
{
    host_conn *hc = SIM_CONTAINER(ev, host_conn, offload_ev);

    (void)s;
    host_offload(HOST_OF(hc), hc);
}

/* ---- the object ---------------------------------------------------------- */

void host_tcp_cfg(tcp_cfg *tc, const host_params *h, const tcp_params *t, const dist *ack_delay,
                  sim_time granularity)
{
    tc->mss = (uint32_t)h->mss;
    tc->window = (uint32_t)h->window;
    tc->rto_initial = h->rto_initial;
    tc->rto_min = h->rto_min;
    tc->rto_max = h->rto_max;
    tc->granularity = granularity;
    tc->max_retries = (uint32_t)h->max_retries;
    tc->time_wait = h->time_wait;
    tc->ack_delay = ack_delay;
    tc->acceptable_exact = t->acceptable == ACCEPTABLE_EXACT;
    tc->go_back_n = t->recovery == RECOVERY_GO_BACK_N;
    tc->initial_window = (uint32_t)t->initial_window;
}

int host_create(const host_params *hp, const offload_params *op, const tcp_params *tp, nic *n,
                sim *s, trace_buf *trace, const host_ops *ops, host **out)
{
    host *h = calloc(1, sizeof *h);

    *out = h;
    if (h == NULL)
        return SIM_ENOMEM;
    h->p = *hp;
    h->o = *op;
    h->nic = n;
    h->ops = ops;
    h->s = s;
    h->trace = trace;
    h->delack = (dist){DIST_CONST, (double)hp->delack, 0};
    /* The host's own clock is exact to the millisecond (RFC 6298's G). */
    host_tcp_cfg(&h->tcp, hp, tp, &h->delack, SIM_MS);
    h->tcp.s = s;
    h->tcp.ops = &host_tcp_ops;
    h->tcp.owner = h;
    h->tcp.ctx_off = -(ptrdiff_t)offsetof(host_conn, tcb);
    /* The target shares the host's settings, delayed ACKs included. */
    nic_set_owner(n, &host_nic_ops, &h->tcp, NC_OFF);
    host_window(h, 0, SIM_NEVER);
    return SIM_OK;
}

void host_window(host *h, sim_time from, sim_time to)
{
    sim_level_init(&h->fw2_lv, from, to);
    sim_level_init(&h->tw_lv, from, to);
}

void host_area(const host *h, int whole, double *fin_wait_2, double *time_wait)
{
    sim_time now = sim_now(h->s);

    if (whole) {
        *fin_wait_2 = sim_level_area_at(&h->fw2_lv, h->st.fin_wait_2, now);
        *time_wait = sim_level_area_at(&h->tw_lv, h->st.time_wait, now);
    } else {
        *fin_wait_2 = sim_level_window_at(&h->fw2_lv, h->st.fin_wait_2, now);
        *time_wait = sim_level_window_at(&h->tw_lv, h->st.time_wait, now);
    }
}

void host_set_streams(host *h, uint64_t seed, uint32_t ack, uint32_t offload, uint32_t upload,
                      tcp_pool *pool)
{
    h->seed = seed;
    h->offload_purpose = offload;
    h->upload_purpose = upload;
    h->tcp.seed = seed;
    h->tcp.ack_purpose = ack;
    h->tcp.pool = pool;
    nic_set_owner(h->nic, &host_nic_ops, &h->tcp, NC_OFF); /* the target's copy too */
}

int host_error(const host *h)
{
    return h->err;
}

void host_destroy(host *h)
{
    if (h == NULL)
        return;
    slabs_free(h->slabs, h->nslabs);
    free(h);
}

void host_conn_init(host *h, host_conn *hc, uint32_t id, uint32_t iss)
{
    memset(hc, 0, sizeof *hc);
    hc->owner = OWNER_HOST;
    sim_event_init(&hc->handoff_ev, handoff_done);
    sim_event_init(&hc->upload_ev, upload_event);
    sim_event_init(&hc->offload_ev, offload_event);
    nic_conn_init(&hc->nic);
    tcp_init(&hc->tcb, &h->tcp, iss);
    hc->tcb.id = id;
}

void host_conn_finish(host_conn *hc)
{
    sim_cancel(HOST_OF(hc)->s, &hc->upload_ev);
}

void host_conn_free(host_conn *hc)
{
    tcp_release(&hc->tcb);
    if (!inv_on())
        return;
    /* Each is idle (the owner frees only a quiet connection): rebinding it
     * to freed_fired changes nothing else. */
    sim_event_init(&hc->handoff_ev, freed_handoff);
    sim_event_init(&hc->upload_ev, freed_upload);
    sim_event_init(&hc->offload_ev, freed_offload);
    sim_event_init(&hc->tcb.timer[TT_REXMT], freed_rexmt);
    sim_event_init(&hc->tcb.timer[TT_DELACK], freed_delack);
    sim_event_init(&hc->tcb.timer[TT_2MSL], freed_2msl);
}

int host_conn_quiet(const host_conn *hc)
{
    if (sim_event_pending(&hc->handoff_ev) || sim_event_pending(&hc->upload_ev) ||
        sim_event_pending(&hc->offload_ev))
        return 0;
    for (int i = 0; i < TT_N; i++)
        if (sim_event_pending(&hc->tcb.timer[i]))
            return 0;
    return 1;
}

const host_stats *host_stats_of(const host *h)
{
    return &h->st;
}
