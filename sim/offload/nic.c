/*
 * nic.c - the offload target (see nic.h).
 *
 * The target meets TCP only through tcp_ops: a state entered, a segment
 * that arrived (and whether it was acceptable, A3), the FIN_WAIT_2 timer in
 * the retransmit slot (R14), retransmissions exhausted.  What it tells the
 * host goes through the nic_ops its owner set.
 *
 * Where the [nic] section goes:
 *   capacity                 nic_reserve: a full target refuses an offload
 *   ticks_per_second,        the tick clock (ticks.c) of every target timer
 *     tick_mode              (nic_deadline) and of every TimeoutDelta
 *   fin_wait_2_timeout,      the FIN_WAIT_2 module (fw2.c): R13-R20, A2, A5
 *     on_unset_delta,
 *     expired_delta
 *   offload_latency,         how long the owner's handoffs take
 *     upload_latency
 *
 * Occupancy: `total` counts the slots in use, from nic_reserve to
 * nic_release (a connection in a handoff either way holds one);
 * `fin_wait_2` the connections held in FIN_WAIT_2.  The time integral of
 * `total` is brought up to date whenever it changes.
 */
#include "nic.h"

#include <stddef.h>
#include <stdlib.h>

#include "engine/err.h"
#include "engine/invariant.h"

struct nic {
    nic_params p;            /* [nic] */
    fw2_cfg fw2;             /* its clock and FIN_WAIT_2 timer */
    tcp_cfg tcp;             /* the settings of the endpoints it holds */
    const nic_ops *ops;      /* its owner's hooks */
    sim *s;
    trace_buf *trace;
    nic_stats st;
    sim_level total_lv;      /* st.total over time (st.area is its integral) */
    sim_level fw2_lv;        /* st.fin_wait_2 over time */
};

const char *const nic_indication_name[NIC_IND_N] = {
    [NIC_IND_DISCONNECT] = "Disconnect",
    [NIC_IND_DISCONNECT_COMPLETE] = "DisconnectComplete",
    [NIC_IND_ABORT] = "Abort",
    [NIC_IND_TIMEOUT_EXPIRATION] = "Retrieve:TimeoutExpiration",
    [NIC_IND_UPLOAD_REQUESTED] = "Retrieve:UploadRequested",
};

static void trace(nic *n, const tcp_tcb *t, const char *kind, const char *detail,
                  const int64_t *value)
{
    if (trace_on(n->trace))
        trace_add(n->trace, sim_now(n->s), t->id, kind, detail, value);
}

/* A timer event of the NIC's, its value the FIN_WAIT_2 (retransmit) slot's deadline. */
static void trace_timer(nic *n, const tcp_tcb *t, const char *kind)
{
    if (trace_on(n->trace)) {
        int64_t at = tcp_timer_deadline(t, TT_REXMT);
        trace(n, t, kind, "nic", at == SIM_NEVER ? NULL : &at);
    }
}

static void indicate(nic *n, nic_conn *nc, const tcp_tcb *t, nic_indication what,
                     int want_upload)
{
    trace(n, t, "indicate", nic_indication_name[what], NULL);
    n->st.indications++;
    n->ops->indicate(nc, what, want_upload);
}

/* Before st.total changes. */
static void integrate(nic *n)
{
    sim_level_advance(&n->total_lv, n->st.total, sim_now(n->s));
    n->st.area = n->total_lv.area;
}

/* st.fin_wait_2 changes by d. */
static void fin_wait_2_add(nic *n, int64_t d)
{
    if (d == 0)
        return;
    sim_level_advance(&n->fw2_lv, n->st.fin_wait_2, sim_now(n->s));
    n->st.fin_wait_2 += d;
}

/* ---- the hooks on a connection the NIC holds ---------------------------- */

/* The NIC holding t: its settings are the NIC's own (nic_take). */
#define NIC_OF(t) ((nic *)(void *)((char *)(void *)(t)->cfg - offsetof(nic, tcp)))

static void nic_output(tcp_tcb *t, const seg *s)
{
    nic_conn *nc = tcp_ctx(t);

    NIC_OF(t)->ops->output(nc, s);
}

/* R3: every target timer runs on the tick clock. */
static sim_time nic_deadline(tcp_tcb *t, sim_time delay)
{
    return tick_after(&NIC_OF(t)->fw2.clock, sim_now(tcp_sim(t)), delay);
}

static void nic_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    nic_conn *nc = tcp_ctx(t);
    nic *n = NIC_OF(t);

    if (nc->held)
        fin_wait_2_add(n, (t->state == TCP_S_FIN_WAIT_2) - (old == TCP_S_FIN_WAIT_2));
    n->ops->state(nc, old, why);
    switch (t->state) {
    case TCP_S_FIN_WAIT_2:
        /* R46: our FIN is acknowledged, the graceful disconnect completes. */
        indicate(n, nc, t, NIC_IND_DISCONNECT_COMPLETE, 0);
        /* R13: entering FIN_WAIT_2 starts the timer, R15's value. */
        fw2_start(&n->fw2, t);
        trace_timer(n, t, "fw2_start");
        break;
    case TCP_S_CLOSE_WAIT:
    case TCP_S_CLOSING:
        /* R39: the FIN arrived (the model's application reads at once). */
        indicate(n, nc, t, NIC_IND_DISCONNECT, 0);
        break;
    case TCP_S_TIME_WAIT:
        /* From FIN_WAIT_2 the FIN arrived (R39); from CLOSING our FIN was
         * acknowledged (R46).  Then R50/A8: TIME_WAIT belongs to the host. */
        indicate(n, nc, t, old == TCP_S_CLOSING ? NIC_IND_DISCONNECT_COMPLETE : NIC_IND_DISCONNECT,
                 0);
        indicate(n, nc, t, NIC_IND_UPLOAD_REQUESTED, 1);
        break;
    case TCP_S_CLOSED:
        if (why == TCP_E_RCV_RST)
            indicate(n, nc, t, NIC_IND_ABORT, 1); /* R40 */
        else if (why == TCP_E_RCV_ACK_OF_FIN)
            indicate(n, nc, t, NIC_IND_DISCONNECT_COMPLETE, 1); /* R46, R49 */
        /* TIMEOUT_FW2 indicates in nic_fw2_timeout (A1: after CLOSED). */
        break;
    default:
        break;
    }
}

static void nic_segment(tcp_tcb *t, const seg *s, int acceptable)
{
    nic_conn *nc = tcp_ctx(t);
    nic *n = NIC_OF(t);

    (void)s;
    /* R16, A4: an acceptable segment restarts the FIN_WAIT_2 timer. */
    nc->restarted = (uint8_t)fw2_on_segment(&n->fw2, t, acceptable);
}

/*
 * A4: a restart counts (and is logged, at the segment's arrival) when the
 * segment left the connection in FIN_WAIT_2.  A FIN or an RST that ended
 * FIN_WAIT_2 stopped the timer; it did not restart it.
 */
static void nic_segment_done(tcp_tcb *t)
{
    nic_conn *nc = tcp_ctx(t);
    nic *n = NIC_OF(t);

    if (!nc->restarted)
        return;
    nc->restarted = 0;
    if (t->state != TCP_S_FIN_WAIT_2)
        return;
    n->st.fw2_restarts++;
    trace_timer(n, t, "fw2_restart");
}

static void nic_deliver(tcp_tcb *t, uint32_t bytes, int fin)
{
    nic_conn *nc = tcp_ctx(t);

    NIC_OF(t)->ops->deliver(nc, bytes, fin);
}

/*
 * R17 with A1: the state goes CLOSED first, then the target indicates
 * Retrieve(TimeoutExpiration), so R23 (no target-started upload of a
 * half-closed connection) does not apply.  R21: nothing goes on the wire.
 */
static void nic_fw2_timeout(tcp_tcb *t)
{
    nic_conn *nc = tcp_ctx(t);
    nic *n = NIC_OF(t);

    trace(n, t, "fw2_expire", "nic", NULL);
    n->st.fw2_expiries++;
    nc->expired = 1;
    tcp_set_state(t, TCP_S_CLOSED, TCP_E_TIMEOUT_FW2);
    indicate(n, nc, t, NIC_IND_TIMEOUT_EXPIRATION, 1);
}

/* R26, A12: the target asks for an upload and stops retransmitting. */
static int nic_give_up(tcp_tcb *t)
{
    nic_conn *nc = tcp_ctx(t);

    indicate(NIC_OF(t), nc, t, NIC_IND_TIMEOUT_EXPIRATION, 1);
    return 0;
}

static const tcp_ops nic_tcp_ops = {
    .output = nic_output,
    .deadline = nic_deadline,
    .state_entered = nic_state_entered,
    .segment = nic_segment,
    .segment_done = nic_segment_done,
    .deliver = nic_deliver,
    .fw2_timeout = nic_fw2_timeout,
    .give_up = nic_give_up,
    .fin_wait_2_only = 1, /* R16, A4: nic_segment restarts nothing elsewhere */
};

/* ---- the object ---------------------------------------------------------- */

int nic_create(const nic_params *p, sim *s, trace_buf *trace, nic **out)
{
    nic *n = calloc(1, sizeof *n);

    *out = n;
    if (n == NULL)
        return SIM_ENOMEM;
    n->p = *p;
    n->s = s;
    n->trace = trace;
    tick_clock_init(&n->fw2.clock, p->ticks_per_second, p->tick_mode);
    n->fw2.timeout = p->fin_wait_2_timeout;
    n->fw2.on_unset = p->on_unset_delta;
    n->fw2.expired_delta = p->expired_delta;
    nic_window(n, 0, SIM_NEVER);
    return SIM_OK;
}

void nic_window(nic *n, sim_time from, sim_time to)
{
    sim_level_init(&n->total_lv, from, to);
    sim_level_init(&n->fw2_lv, from, to);
}

void nic_area(const nic *n, int whole, double *total, double *fin_wait_2)
{
    sim_time now = sim_now(n->s);

    if (whole) {
        *total = sim_level_area_at(&n->total_lv, n->st.total, now);
        *fin_wait_2 = sim_level_area_at(&n->fw2_lv, n->st.fin_wait_2, now);
    } else {
        *total = sim_level_window_at(&n->total_lv, n->st.total, now);
        *fin_wait_2 = sim_level_window_at(&n->fw2_lv, n->st.fin_wait_2, now);
    }
}

void nic_destroy(nic *n)
{
    free(n);
}

void nic_set_owner(nic *n, const nic_ops *ops, const tcp_cfg *endpoint, ptrdiff_t nc_off)
{
    n->ops = ops;
    n->tcp = *endpoint;
    n->tcp.ops = &nic_tcp_ops;
    n->tcp.ctx_off = nc_off;
    n->tcp.granularity = n->fw2.clock.tick;
}

void nic_conn_init(nic_conn *nc)
{
    nc->held = 0;
    nc->expired = 0;
}

const tick_clock *nic_clock(const nic *n)
{
    return &n->fw2.clock;
}

sim_time nic_offload_latency(const nic *n)
{
    return n->p.offload_latency;
}

sim_time nic_upload_latency(const nic *n)
{
    return n->p.upload_latency;
}

/* ---- the invariant checker (engine/invariant.h) -------------------------- */

/* The slots in use are within the capacity; the counters are consistent. */
static void check_occupancy(const nic *n)
{
    const nic_stats *st = &n->st;

    if (st->total < 0 || (uint64_t)st->total > n->p.capacity || st->fin_wait_2 < 0 ||
        st->fin_wait_2 > st->total || st->peak < st->total)
        inv_fail(sim_now(n->s), INV_NO_CONN, "NIC occupancy",
                 "%lld slots in use (peak %lld) of a capacity of %llu, %lld of them held in "
                 "FIN_WAIT_2",
                 (long long)st->total, (long long)st->peak, (unsigned long long)n->p.capacity,
                 (long long)st->fin_wait_2);
}

void nic_check_counts(const nic *n, int64_t total, int64_t fin_wait_2)
{
    check_occupancy(n);
    if (n->st.total != total || n->st.fin_wait_2 != fin_wait_2)
        inv_fail(sim_now(n->s), INV_NO_CONN, "NIC occupancy",
                 "the NIC counts %lld slots in use and %lld connections in FIN_WAIT_2; a "
                 "recount of the connections finds %lld and %lld",
                 (long long)n->st.total, (long long)n->st.fin_wait_2, (long long)total,
                 (long long)fin_wait_2);
}

/*
 * R20, R11, A5, A12, A10: the delta the NIC hands over at an upload is its
 * timer's remaining time in ticks (ceil: rounded up; count: the boundaries
 * it still had to count), -1 when none runs, expired_delta after its
 * FIN_WAIT_2 timer expired, 0 when retransmissions ran out.
 */
static void check_give_delta(const nic *n, const nic_conn *nc, const tcp_tcb *t, sim_time now,
                             int64_t delta)
{
    const tick_clock *c = &n->fw2.clock;
    sim_time at = tcp_timer_deadline(t, TT_REXMT);
    int counted = c->mode == TICK_MODE_COUNT;
    int64_t want;
    const char *what;

    if (t->state == TCP_S_CLOSED) {
        want = nc->expired ? n->fw2.expired_delta : TIMEOUT_DELTA_NOT_RUNNING;
        what = nc->expired ? "its FIN_WAIT_2 timer expired (A5)" : "closed, no timer";
    } else if (at == SIM_NEVER) {
        int gave_up = t->state != TCP_S_FIN_WAIT_2 && tcp_outstanding(t) &&
                      t->rexmt_count >= t->cfg->max_retries;
        want = gave_up ? 0 : TIMEOUT_DELTA_NOT_RUNNING;
        what = gave_up ? "retransmissions ran out (A12)" : "no timer running";
    } else {
        want = fw2_expected_delta(c, now, at, counted);
        what = counted ? "the tick boundaries left to count (tick_mode count)"
                       : "the remaining time rounded up to ticks (tick_mode ceil)";
    }
    if (delta != want)
        inv_fail(now, t->id, "TimeoutDelta",
                 "the NIC hands over %lld ticks in %s, expected %lld: %s; its %s timer is due "
                 "at %lld ns (%lld ns from now), tick %lld ns",
                 (long long)delta, tcp_state_name[t->state], (long long)want, what,
                 t->state == TCP_S_FIN_WAIT_2 ? "FIN_WAIT_2" : "retransmit", (long long)at,
                 at == SIM_NEVER ? -1LL : (long long)(at - now), (long long)c->tick);
    if (at != SIM_NEVER && at % c->tick != 0)
        inv_fail(now, t->id, "TimeoutDelta",
                 "the NIC's timer is due at %lld ns, %lld ns past a boundary of its %lld ns "
                 "tick (R3): its remaining ticks are not a whole number",
                 (long long)at, (long long)(at % c->tick), (long long)c->tick);
}

/* ---- handoffs ------------------------------------------------------------ */

int nic_reserve(nic *n)
{
    if ((uint64_t)n->st.total >= n->p.capacity) {
        n->st.refused++;
        return 0;
    }
    integrate(n);
    if (++n->st.total > n->st.peak)
        n->st.peak = n->st.total;
    if (inv_on())
        check_occupancy(n);
    return 1;
}

void nic_take(nic *n, nic_conn *nc, tcp_tcb *t, const tcp_delegated *d)
{
    sim_time now = sim_now(n->s);
    int64_t delta = d->timeout_delta;

    t->cfg = &n->tcp;
    SIM_ASSERT(tcp_ctx(t) == nc, "connection %u: its nic_conn is not where its owner said",
               t->id);
    delegated_install(t, &n->fw2.clock, now, d);
    nc->held = 1;
    if (t->state == TCP_S_FIN_WAIT_2) {
        fin_wait_2_add(n, 1);
        fw2_install(&n->fw2, t, delta); /* R19, A2, A6 */
        if (sim_event_pending(&t->timer[TT_REXMT]))
            trace_timer(n, t, "fw2_start");
    } else if (tcp_outstanding(t)) {
        /* R10: the retransmit timer resumes from the host's delta. */
        sim_time at = delta < 0 ? tick_after(&n->fw2.clock, now, t->rto)
                                : tick_deadline(&n->fw2.clock, now, delta);
        tcp_timer_arm(t, TT_REXMT, at);
    }
}

int64_t nic_give(nic *n, nic_conn *nc, tcp_tcb *t, tcp_delegated *d)
{
    sim_time now = sim_now(n->s);
    int64_t delta;

    if (t->state != TCP_S_CLOSED)
        tcp_flush_ack(t); /* R36, R59 */
    if (t->state == TCP_S_FIN_WAIT_2 || t->state == TCP_S_CLOSED)
        delta = fw2_upload_delta(&n->fw2, t, now, nc->expired); /* R20, A5 */
    else
        delta = fw2_rexmt_delta(&n->fw2.clock, t, now);
    if (inv_on())
        check_give_delta(n, nc, t, now, delta);
    delegated_sample(t, &n->fw2.clock, now, delta, d);
    tcp_stop_timers(t); /* A14: a timer due in transit travels in the delta */
    if (nc->held && t->state == TCP_S_FIN_WAIT_2)
        fin_wait_2_add(n, -1);
    nc->held = 0;
    nc->restarted = 0;
    return delta;
}

void nic_release(nic *n, nic_conn *nc)
{
    SIM_ASSERT(!nc->held, "a connection released while the NIC holds it");
    integrate(n);
    n->st.total--;
    if (inv_on())
        check_occupancy(n);
}

void nic_abort(nic *n, nic_conn *nc, tcp_tcb *t)
{
    SIM_ASSERT(nc->held && t->cfg == &n->tcp && tcp_ctx(t) == nc,
               "abortive disconnect of connection %u, not held", t->id);
    tcp_abort(t); /* <SEQ=SND.NXT><CTL=RST>, then CLOSED: no indication */
}

const nic_stats *nic_stats_of(const nic *n)
{
    return &n->st;
}

void nic_integrate(nic *n)
{
    integrate(n);
}
