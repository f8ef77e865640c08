/*
 * tcp.c - one TCP endpoint (see tcp.h for what is and is not modelled).
 *
 * Sequence space of the sending side:
 *
 *     iss     SYN
 *     iss+1 .. snd_end-1      the application's bytes
 *     snd_end                 the FIN, once the application closed
 *
 * so "our FIN was sent" is fin_queued && snd_max > snd_end, and "our FIN is
 * acknowledged" is fin_queued && snd_una > snd_end.
 *
 * Segment input follows RFC 9293 3.10.7.4 in its order: sequence test,
 * RST, SYN, ACK, data, FIN.  The holder's hooks (tcp_ops) are called at
 * fixed points: ops->segment after the sequence test of every segment in a
 * synchronized state (of those that arrive in FIN_WAIT_2 only, for a
 * holder with fin_wait_2_only), ops->segment_done once it is processed,
 * ops->state_entered after each transition.
 *
 * Loss recovery (tcp.recovery = newreno), a sender's cstate:
 *
 *     OPEN      slow start below ssthresh, congestion avoidance above
 *               (RFC 5681 3.1); the first two duplicate ACKs each let one
 *               new segment out (RFC 3042)
 *       -> RECOVERY  on the third duplicate ACK: ssthresh = FlightSize/2
 *               (the limited-transmit segments left out), fast retransmit,
 *               cwnd = ssthresh + 3 SMSS, recover = SND.MAX (RFC 6582 3.2)
 *       -> LOSS      on a timeout
 *     RECOVERY  each duplicate ACK adds an SMSS; a partial ACK retransmits
 *               the next hole and deflates cwnd (the timer restarts on the
 *               first only: RFC 6582's Impatient variant, as ns-3); the ACK
 *               of recover sets cwnd = ssthresh -> OPEN
 *     LOSS      after a timeout: ssthresh = FlightSize/2 (kept by further
 *               timeouts of the same loss), cwnd = 1 SMSS, go back to
 *               SND.UNA and slow start; duplicate ACKs are not counted until
 *               recover is acknowledged (RFC 6582 3.2 step 1) -> OPEN
 *
 * Karn: any retransmission ends the RTT measurement under way (as FreeBSD).
 * With tcp.recovery = go_back_n the window is the receiver's from the
 * start and a timeout resends everything from SND.UNA at once.
 */
#include "tcp.h"

#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/invariant.h"
#include "engine/slab.h"

/* The size tcp.h states (on LP64: 8-byte pointers and times). */
_Static_assert(sizeof(void *) != 8 || sizeof(tcp_tcb) == 136, "tcp.h: an endpoint is 136 bytes");

static void rexmt_fired(sim *s, sim_event *ev);
static void delack_fired(sim *s, sim_event *ev);
static void twomsl_fired(sim *s, sim_event *ev);

void tcp_init(tcp_tcb *t, const tcp_cfg *cfg, uint32_t iss)
{
    SIM_ASSERT(cfg->s != NULL, "an endpoint's settings name no engine");
    SIM_ASSERT(cfg->ops != NULL, "an endpoint's holder has no hooks");
    SIM_ASSERT(cfg->max_retries < UINT16_MAX, "max_retries %u beyond a 16-bit count",
               cfg->max_retries);
    memset(t, 0, sizeof *t);
    t->state = TCP_S_CLOSED;
    t->cfg = cfg;
    t->iss = iss;
    t->snd_una = t->snd_nxt = t->snd_max = t->snd_end = iss;
    t->rcv_wnd = cfg->window;
    t->rto = cfg->rto_initial;
    /* RFC 5681 3.1: the initial window (RFC 6928); ssthresh arbitrarily high. */
    t->cwnd = cfg->initial_window * cfg->mss;
    t->ssthresh = UINT32_MAX;
    t->recover = iss;
    t->cstate = CS_OPEN;
    t->rtt_start = SIM_NEVER;
    t->rexmt_or_tw = SIM_NEVER;
    sim_event_init(&t->timer[TT_REXMT], rexmt_fired);
    sim_event_init(&t->timer[TT_DELACK], delack_fired);
    sim_event_init(&t->timer[TT_2MSL], twomsl_fired);
}

/* ---- reassembly blocks --------------------------------------------------- */

#define OOO_SLAB 256

void tcp_pool_init(tcp_pool *p)
{
    memset(p, 0, sizeof *p);
}

void tcp_pool_fini(tcp_pool *p)
{
    slabs_free(p->slabs, p->nslabs);
    memset(p, 0, sizeof *p);
}

/* A block for t (which has none); 0 when none could be had. */
static int ooo_take(tcp_tcb *t)
{
    tcp_pool *p = t->cfg->pool;
    tcp_ooo *b;

    if (p == NULL) {
        b = malloc(sizeof *b);
    } else {
        if (p->free == NULL) {
            tcp_ooo *slab = slab_add(&p->slabs, &p->nslabs, &p->cap, OOO_SLAB * sizeof *slab);

            for (size_t i = 0; slab != NULL && i < OOO_SLAB; i++) {
                slab[i].next = p->free;
                p->free = &slab[i];
            }
        }
        if ((b = p->free) != NULL)
            p->free = b->next;
    }
    if (b == NULL) {
        if (p != NULL)
            p->failed = 1;
        return 0;
    }
    b->n = 0;
    b->fin = 0;
    b->syn_challenge = SIM_NEVER;
    t->ooo = b;
    return 1;
}

/* Nothing is out of order any more: the block goes back. */
static void ooo_give(tcp_tcb *t)
{
    tcp_pool *p = t->cfg->pool;
    tcp_ooo *b = t->ooo;

    t->ooo = NULL;
    if (p == NULL) {
        free(b);
    } else {
        b->next = p->free;
        p->free = b;
    }
}

/* Nothing is out of order any more: the block goes back, unless it keeps
 * the last SYN challenge. */
static void ooo_clear(tcp_tcb *t)
{
    if (t->ooo->syn_challenge == SIM_NEVER) {
        ooo_give(t);
    } else {
        t->ooo->n = 0;
        t->ooo->fin = 0;
    }
}

void tcp_release(tcp_tcb *t)
{
    if (t->ooo != NULL)
        ooo_give(t);
}

/* ---- timers ----------------------------------------------------------- */

static const char *const slot_name[TT_N] = {"retransmit", "delayed-ACK", "2MSL"};

/*
 * The checker (engine/invariant.h), R14: in FIN_WAIT_2 the retransmit slot
 * is the FIN_WAIT_2 timer, so nothing may be outstanding there (the slot
 * would hold a retransmission too); and a FIN_WAIT_2 timer is in one slot
 * only (the target's in TT_REXMT, the host's in TT_2MSL): arming one of
 * them while the other runs would give the connection two.
 */
static void check_slot(const tcp_tcb *t, tcp_timer_slot slot, sim_time deadline)
{
    tcp_timer_slot other = slot == TT_REXMT ? TT_2MSL : TT_REXMT;

    if (t->state != TCP_S_FIN_WAIT_2 || slot == TT_DELACK)
        return;
    if (slot == TT_REXMT && tcp_outstanding(t))
        inv_fail(sim_now(tcp_sim(t)), t->id, "timer slot",
                 "the FIN_WAIT_2 timer (due at %lld ns) armed in the retransmit slot while %u "
                 "sequence numbers are outstanding (snd_una %u, snd_max %u): the slot would "
                 "hold two timers (R14)",
                 (long long)deadline, t->snd_max - t->snd_una, t->snd_una, t->snd_max);
    if (sim_event_pending(&t->timer[other]))
        inv_fail(sim_now(tcp_sim(t)), t->id, "timer slot",
                 "a FIN_WAIT_2 timer armed in the %s slot (due at %lld ns) while the %s slot "
                 "holds one (due at %lld ns): two FIN_WAIT_2 timers (R14)",
                 slot_name[slot], (long long)deadline, slot_name[other],
                 (long long)sim_deadline(tcp_sim(t), &t->timer[other]));
}

void tcp_timer_arm(tcp_tcb *t, tcp_timer_slot slot, sim_time deadline)
{
    if (inv_on())
        check_slot(t, slot, deadline);
    sim_restart(tcp_sim(t), &t->timer[slot], deadline);
}

/* Most cancels find the slot idle (every segment sent cancels the delayed
 * ACK): that is decided here, without a call into the engine. */
static inline void timer_cancel(tcp_tcb *t, tcp_timer_slot slot)
{
    if (sim_event_pending(&t->timer[slot]))
        sim_cancel(tcp_sim(t), &t->timer[slot]);
}

void tcp_timer_cancel(tcp_tcb *t, tcp_timer_slot slot)
{
    timer_cancel(t, slot);
}

sim_time tcp_timer_deadline(const tcp_tcb *t, tcp_timer_slot slot)
{
    return sim_deadline(tcp_sim(t), &t->timer[slot]);
}

void tcp_stop_timers(tcp_tcb *t)
{
    for (int i = 0; i < TT_N; i++)
        timer_cancel(t, (tcp_timer_slot)i);
}

static sim_time after(tcp_tcb *t, sim_time delay)
{
    return t->cfg->ops->deadline(t, delay);
}

/* ---- state ------------------------------------------------------------ */

/* The transition to `next`, which the table gives for `why`. */
static void set_state(tcp_tcb *t, tcp_state next, tcp_event why)
{
    tcp_state old = t->state;

    if (next == old)
        return;
    t->state = next;
    if (next == TCP_S_CLOSED)
        tcp_stop_timers(t);
    else if (next == TCP_S_TIME_WAIT) {
        /* Our FIN is acknowledged: nothing is retransmitted, and the time
         * the retransmissions began gives way to TIME_WAIT's end. */
        if (inv_on() && t->rexmt_count > 0)
            inv_fail(sim_now(tcp_sim(t)), t->id, "timer slot",
                     "entering TIME_WAIT from %s on %s with %u retransmissions counted",
                     tcp_state_name[old], tcp_event_name[why], (unsigned)t->rexmt_count);
        timer_cancel(t, TT_REXMT);
        t->rexmt_or_tw = sim_now(tcp_sim(t)) + t->cfg->time_wait;
    } else if (next == TCP_S_FIN_WAIT_2) {
        /* Nothing is outstanding: the slot is free for the FIN_WAIT_2 timer. */
        if (inv_on() && tcp_outstanding(t))
            inv_fail(sim_now(tcp_sim(t)), t->id, "timer slot",
                     "entering FIN_WAIT_2 from %s on %s with %u sequence numbers outstanding "
                     "(snd_una %u, snd_max %u): the retransmit slot would hold their timer "
                     "and the FIN_WAIT_2 timer (R14)",
                     tcp_state_name[old], tcp_event_name[why], t->snd_max - t->snd_una,
                     t->snd_una, t->snd_max);
        timer_cancel(t, TT_REXMT);
    }
    t->cfg->ops->state_entered(t, old, why);
}

void tcp_set_state(tcp_tcb *t, tcp_state next, tcp_event why)
{
    SIM_ASSERT(tcp_fsm_next(t->state, why) == next,
               "transition %s -> %s on %s is not in the table", tcp_state_name[t->state],
               tcp_state_name[next], tcp_event_name[why]);
    set_state(t, next, why);
}

/* Move by the table; no-op when the event does not apply. */
static void transition(tcp_tcb *t, tcp_event why)
{
    set_state(t, tcp_fsm_next(t->state, why), why);
}

void tcp_time_wait_restart(tcp_tcb *t)
{
    t->rexmt_or_tw = sim_now(tcp_sim(t)) + t->cfg->time_wait;
    if (sim_event_pending(&t->timer[TT_2MSL]))
        tcp_timer_arm(t, TT_2MSL, after(t, t->cfg->time_wait)); /* the holder's clock */
}

int tcp_fin_acked(const tcp_tcb *t)
{
    return t->fin_queued && seq_gt(t->snd_una, t->snd_end);
}

/* ---- output ----------------------------------------------------------- */

static void emit(tcp_tcb *t, uint32_t seq, uint32_t len, uint8_t flags)
{
    seg s = {seq, 0, len, t->rcv_wnd, flags};

    if (t->state != TCP_S_SYN_SENT || (flags & SEG_ACK)) {
        s.ack = t->rcv_nxt;
        s.flags |= SEG_ACK;
        /* The ACK rides on this segment: nothing is owed any more. */
        t->unacked = 0;
        timer_cancel(t, TT_DELACK);
    }
    t->cfg->ops->output(t, &s);
}

static void send_ack(tcp_tcb *t)
{
    emit(t, t->snd_nxt, 0, SEG_ACK);
}

void tcp_flush_ack(tcp_tcb *t)
{
    if (sim_event_pending(&t->timer[TT_DELACK]))
        send_ack(t);
}

void tcp_rexmt_resume(tcp_tcb *t, sim_time delay)
{
    if (tcp_outstanding(t))
        tcp_timer_arm(t, TT_REXMT, after(t, delay));
    else
        timer_cancel(t, TT_REXMT);
}

/*
 * The window a sender may fill from SND.UNA: the receiver's, and the
 * congestion window (cwnd, plus an SMSS for each of the first two duplicate
 * ACKs: RFC 3042's limited transmit).  *lt says whether limited transmit
 * widened it.
 */
static uint32_t send_window(const tcp_tcb *t, int *lt)
{
    uint32_t cw;

    *lt = 0;
    if (t->cfg->go_back_n)
        return t->snd_wnd;
    cw = t->cwnd;
    if (t->cstate == CS_OPEN && t->dupacks > 0 && t->dupacks < TCP_DUPTHRESH) {
        cw += t->dupacks * t->cfg->mss;
        *lt = 1;
    }
    return cw < t->snd_wnd ? cw : t->snd_wnd;
}

/*
 * The segments the window allows, from SND.NXT (something is to be sent).
 * Kept out of tcp_output, so that the calls that find nothing to send (most
 * of them) pay for none of its registers.
 */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void send_segments(tcp_tcb *t)
{
    int lt;
    uint32_t win_end = t->snd_una + send_window(t, &lt);

    for (;;) {
        uint32_t seq = t->snd_nxt, len = 0;
        uint8_t flags = SEG_ACK;

        if (seq_lt(seq, t->snd_end) && seq_lt(seq, win_end)) {
            len = t->snd_end - seq;
            if (len > t->cfg->mss)
                len = t->cfg->mss;
            if (len > win_end - seq)
                len = win_end - seq;
            /* Sender SWS avoidance (RFC 9293 3.8.6.2.1): no segment cut
             * short by the window unless it is half the receiver's. */
            if (!t->cfg->go_back_n && len < t->cfg->mss && len < t->snd_end - seq &&
                len < t->snd_wnd / 2)
                break;
        }
        if (t->fin_queued && seq + len == t->snd_end && !seq_gt(t->snd_nxt, t->snd_end))
            flags |= SEG_FIN;
        if (len == 0 && !(flags & SEG_FIN))
            break;
        /* Karn: time only segments sent for the first time. */
        if (t->rtt_start == SIM_NEVER && !seq_lt(seq, t->snd_max)) {
            t->rtt_seq = seq;
            t->rtt_start = sim_now(tcp_sim(t));
        }
        emit(t, seq, len, flags);
        if (lt)
            t->lt_bytes += len;
        t->snd_nxt = seq + len + ((flags & SEG_FIN) != 0);
        if (seq_gt(t->snd_nxt, t->snd_max))
            t->snd_max = t->snd_nxt;
        if (flags & SEG_FIN)
            break;
    }
}

/* tcp_output, inlined where tcp.c calls it (after every segment received). */
static inline void output(tcp_tcb *t)
{
    if (!tcp_synchronized(t->state))
        return;
    /* Most calls (every ACK a receiver gets) find nothing to send: no byte
     * written and unsent, no FIN due. */
    if (seq_lt(t->snd_nxt, t->snd_end) || (t->fin_queued && t->snd_nxt == t->snd_end))
        send_segments(t);
    if (tcp_outstanding(t) && !sim_event_pending(&t->timer[TT_REXMT]))
        tcp_timer_arm(t, TT_REXMT, after(t, t->rto));
}

void tcp_output(tcp_tcb *t)
{
    output(t);
}

/*
 * Retransmit the one segment that starts at seq (fast retransmit, a
 * partial ACK's hole): up to an SMSS of what was sent, and the FIN if it
 * ends there.  SND.NXT stays.
 */
static void resend(tcp_tcb *t, uint32_t seq)
{
    uint32_t top = seq_gt(t->snd_max, t->snd_end) ? t->snd_end : t->snd_max;
    uint32_t len = 0;
    uint8_t flags = SEG_ACK;

    if (seq_lt(seq, top)) {
        len = top - seq;
        if (len > t->cfg->mss)
            len = t->cfg->mss;
    }
    if (t->fin_queued && seq + len == t->snd_end && seq_gt(t->snd_max, t->snd_end))
        flags |= SEG_FIN;
    if (len == 0 && !(flags & SEG_FIN))
        return;
    t->rtt_start = SIM_NEVER; /* Karn */
    emit(t, seq, len, flags);
}

/* RFC 5681's FlightSize: data sent and not acknowledged (SYN and FIN left out). */
static uint32_t flight_size(const tcp_tcb *t)
{
    uint32_t f = t->snd_max - t->snd_una;

    if (t->fin_queued && seq_gt(t->snd_max, t->snd_end) && f > 0)
        f--;
    return f;
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 SMSS). */
static uint32_t half_flight(const tcp_tcb *t, uint32_t flight)
{
    uint32_t two = 2 * t->cfg->mss;

    return flight / 2 > two ? flight / 2 : two;
}

/* Send our SYN (or SYN-ACK), time it, arm the retransmit timer. */
static void send_syn(tcp_tcb *t, uint8_t flags)
{
    emit(t, t->iss, 0, flags);
    t->rtt_seq = t->iss;
    t->rtt_start = sim_now(tcp_sim(t));
    tcp_timer_arm(t, TT_REXMT, after(t, t->rto));
}

/* ---- application calls ----------------------------------------------- */

void tcp_connect(tcp_tcb *t)
{
    transition(t, TCP_E_OPEN_ACTIVE);
    t->snd_nxt = t->snd_max = t->snd_end = t->iss + 1;
    send_syn(t, SEG_SYN);
}

void tcp_listen(tcp_tcb *t)
{
    transition(t, TCP_E_OPEN_PASSIVE);
}

void tcp_send(tcp_tcb *t, uint32_t bytes)
{
    SIM_ASSERT(!t->fin_queued, "send after close (%u bytes)", bytes);
    t->snd_end += bytes;
    output(t);
}

void tcp_close(tcp_tcb *t, int full)
{
    if (t->fin_queued)
        return;
    t->fin_queued = 1;
    t->full_close = full != 0;
    transition(t, TCP_E_CLOSE);
    output(t);
}

void tcp_abort(tcp_tcb *t)
{
    if (t->state == TCP_S_CLOSED || t->state == TCP_S_LISTEN)
        return;
    if (t->state != TCP_S_SYN_SENT) {
        /* RFC 9293 3.10.4: <SEQ=SND.NXT><CTL=RST>. */
        seg r = {t->snd_nxt, 0, 0, t->rcv_wnd, SEG_RST};
        t->cfg->ops->output(t, &r);
    }
    transition(t, TCP_E_ABORT);
}

void tcp_keepalive(tcp_tcb *t)
{
    emit(t, t->snd_nxt - 1, 0, SEG_ACK);
}

int tcp_reset_reply(const seg *in, seg *out)
{
    if (in->flags & SEG_RST)
        return 0;
    memset(out, 0, sizeof *out);
    if (in->flags & SEG_ACK) {
        out->seq = in->ack;
        out->flags = SEG_RST;
    } else {
        out->seq = 0;
        out->ack = in->seq + seg_seqlen(in);
        out->flags = SEG_RST | SEG_ACK;
    }
    return 1;
}

static void reply_reset(tcp_tcb *t, const seg *in)
{
    seg r;

    if (tcp_reset_reply(in, &r))
        t->cfg->ops->output(t, &r);
}

/* ---- timers fire ------------------------------------------------------ */

static void rexmt_timeout(tcp_tcb *t)
{
    sim_time now = sim_now(tcp_sim(t));

    SIM_ASSERT(tcp_outstanding(t), "retransmit timer in %s with nothing outstanding",
               tcp_state_name[t->state]);
    if (t->rexmt_count >= t->cfg->max_retries) {
        if (t->cfg->ops->give_up == NULL || t->cfg->ops->give_up(t))
            transition(t, TCP_E_RETRIES);
        return;
    }
    if (t->rexmt_count == 0)
        t->rexmt_or_tw = now; /* not in TIME_WAIT: nothing is outstanding there */
    t->rexmt_count++;
    t->rtt_start = SIM_NEVER; /* Karn's algorithm */
    t->rto = t->rto * 2 > t->cfg->rto_max ? t->cfg->rto_max : t->rto * 2;
    if (t->state == TCP_S_SYN_SENT) {
        emit(t, t->iss, 0, SEG_SYN);
    } else if (t->state == TCP_S_SYN_RECEIVED) {
        emit(t, t->iss, 0, SEG_SYN | SEG_ACK);
    } else {
        if (!t->cfg->go_back_n) {
            /* RFC 5681 3.1: ssthresh from the flight (kept when this loss
             * had its timeout already), the loss window of one SMSS;
             * RFC 6582 3.2 step 6: recover is the highest sequence sent. */
            if (t->cstate != CS_LOSS)
                t->ssthresh = half_flight(t, flight_size(t));
            t->cwnd = t->cfg->mss;
            t->cstate = CS_LOSS;
            t->recover = t->snd_max;
            t->dupacks = 0;
            t->lt_bytes = 0;
        }
        /* Resend from the oldest unacknowledged byte: within cwnd
         * (slow start), or the whole window at once (go-back-N). */
        t->snd_nxt = t->snd_una;
        output(t);
    }
    tcp_timer_arm(t, TT_REXMT, after(t, t->rto));
}

static void timer_fired(tcp_tcb *t, tcp_timer_slot slot)
{
    if (slot == TT_DELACK) {
        send_ack(t);
    } else if (t->state == TCP_S_FIN_WAIT_2) {
        if (inv_on() && slot == TT_REXMT && tcp_outstanding(t))
            inv_fail(sim_now(tcp_sim(t)), t->id, "timer slot",
                     "the retransmit slot fired in FIN_WAIT_2 with %u sequence numbers "
                     "outstanding: is it the retransmission or the FIN_WAIT_2 timer (R14)?",
                     t->snd_max - t->snd_una);
        t->cfg->ops->fw2_timeout(t); /* TT_REXMT: the target's (R14); TT_2MSL: the host's */
    } else if (slot == TT_REXMT) {
        rexmt_timeout(t);
    } else {
        SIM_ASSERT(t->state == TCP_S_TIME_WAIT, "2MSL timer in %s",
                   tcp_state_name[t->state]);
        transition(t, TCP_E_TIMEOUT_2MSL);
    }
}

static void rexmt_fired(sim *s, sim_event *ev)
{
    (void)s;
    timer_fired(SIM_CONTAINER(ev, tcp_tcb, timer[TT_REXMT]), TT_REXMT);
}

static void delack_fired(sim *s, sim_event *ev)
{
    (void)s;
    timer_fired(SIM_CONTAINER(ev, tcp_tcb, timer[TT_DELACK]), TT_DELACK);
}

static void twomsl_fired(sim *s, sim_event *ev)
{
    (void)s;
    timer_fired(SIM_CONTAINER(ev, tcp_tcb, timer[TT_2MSL]), TT_2MSL);
}

/* ---- input ------------------------------------------------------------ */

void tcp_rto_from_estimate(tcp_tcb *t)
{
    sim_time var = 4 * t->rttvar > t->cfg->granularity ? 4 * t->rttvar : t->cfg->granularity;

    t->rto = t->srtt + var;
    if (t->rto < t->cfg->rto_min)
        t->rto = t->cfg->rto_min;
    if (t->rto > t->cfg->rto_max)
        t->rto = t->cfg->rto_max;
}

/* RFC 6298 2.2 and 2.3. */
static void rtt_sample(tcp_tcb *t, sim_time r)
{
    if (!t->have_rtt) {
        t->srtt = r;
        t->rttvar = r / 2;
        t->have_rtt = 1;
    } else {
        sim_time d = t->srtt > r ? t->srtt - r : r - t->srtt;

        t->rttvar = (3 * t->rttvar + d) / 4;
        t->srtt = (7 * t->srtt + r) / 8;
    }
    tcp_rto_from_estimate(t);
}

/*
 * The handshake is over.  RFC 6298 5.7: if the SYN (or SYN-ACK) timed out and
 * the RTO is below 3 s, data transmission starts with an RTO of 3 s.
 */
static void handshake_done(tcp_tcb *t)
{
    if (t->rexmt_count > 0 && !t->have_rtt && t->rto < 3 * SIM_S)
        t->rto = 3 * SIM_S;
    /* RFC 5681 3.1: after a lost SYN (or SYN-ACK) the initial window is
     * one segment (as Linux; ns-3 keeps its InitialCwnd). */
    if (t->rexmt_count > 0)
        t->cwnd = t->cfg->mss;
}

/* An ACK is owed for received data or FIN: now, or after the ACK delay. */
static void owe_ack(tcp_tcb *t, int full_segment)
{
    const dist *d = t->cfg->ack_delay;
    sim_time delay;

    /* ACKs at once (a delay of const 0, the default) take their draw
     * without computing it, as dist_sample does for any constant: the
     * stream's position moves, and nothing else needs the stream. */
    if (d->kind == DIST_CONST && d->a == 0) {
        t->ack_n = rng_skip(t->ack_n, t->id, t->cfg->ack_purpose);
        delay = 0;
    } else {
        rng_stream r = rng_at(t->cfg->seed, t->id, t->cfg->ack_purpose, t->ack_n);

        delay = dist_sample_time(d, &r);
        t->ack_n = rng_count(&r);
    }
    t->unacked += full_segment;
    if (delay == 0 || t->unacked >= 2) {
        send_ack(t);
        return;
    }
    if (!sim_event_pending(&t->timer[TT_DELACK]))
        tcp_timer_arm(t, TT_DELACK, after(t, delay));
}

/* RFC 9293 3.10.7.4, first check: is the segment in the window? */
static int in_window(const seg *s, uint32_t rcv_nxt, uint32_t wnd)
{
    uint32_t len = seg_seqlen(s);

    if (len == 0) {
        if (wnd == 0)
            return s->seq == rcv_nxt;
        return seq_leq(rcv_nxt, s->seq) && seq_lt(s->seq, rcv_nxt + wnd);
    }
    if (wnd == 0)
        return 0;
    return (seq_leq(rcv_nxt, s->seq) && seq_lt(s->seq, rcv_nxt + wnd)) ||
           (seq_leq(rcv_nxt, s->seq + len - 1) && seq_lt(s->seq + len - 1, rcv_nxt + wnd));
}

int tcp_acceptable(const seg *s, uint32_t rcv_nxt, uint32_t rcv_wnd, int exact, int *in_win)
{
    int ok = in_window(s, rcv_nxt, rcv_wnd);
    int acceptable = exact ? s->seq == rcv_nxt && ok : ok;

    /* R63, R64: an RST is acceptable only at RCV.NXT, a SYN never. */
    if (s->flags & SEG_SYN)
        acceptable = 0;
    else if (s->flags & SEG_RST)
        acceptable = acceptable && s->seq == rcv_nxt;
    if (in_win != NULL)
        *in_win = ok;
    return acceptable;
}

static void input_listen(tcp_tcb *t, const seg *s)
{
    if (s->flags & SEG_RST)
        return;
    if (s->flags & SEG_ACK) {
        reply_reset(t, s);
        return;
    }
    if (!(s->flags & SEG_SYN))
        return;
    t->rcv_nxt = s->seq + 1;
    t->snd_wnd = s->wnd;
    t->snd_nxt = t->snd_max = t->snd_end = t->iss + 1;
    transition(t, TCP_E_RCV_SYN);
    send_syn(t, SEG_SYN | SEG_ACK);
}

static void input_syn_sent(tcp_tcb *t, const seg *s)
{
    int ack_ok = 0;

    if (s->flags & SEG_ACK) {
        if (s->ack != t->iss + 1) {
            reply_reset(t, s);
            return;
        }
        ack_ok = 1;
    }
    if (s->flags & SEG_RST) {
        if (ack_ok)
            transition(t, TCP_E_RCV_RST);
        return;
    }
    if (!(s->flags & SEG_SYN))
        return;
    t->rcv_nxt = s->seq + 1;
    t->snd_wnd = s->wnd;
    if (!ack_ok) {
        transition(t, TCP_E_RCV_SYN); /* simultaneous open */
        emit(t, t->iss, 0, SEG_SYN | SEG_ACK);
        return;
    }
    t->snd_una = s->ack;
    if (t->rtt_start != SIM_NEVER && t->rexmt_count == 0)
        rtt_sample(t, sim_now(tcp_sim(t)) - t->rtt_start);
    t->rtt_start = SIM_NEVER;
    handshake_done(t);
    t->rexmt_count = 0; /* tcp_rexmt_since: SIM_NEVER */
    timer_cancel(t, TT_REXMT);
    transition(t, TCP_E_RCV_SYN_ACK);
    send_ack(t);
    output(t);
}

/*
 * New data was acknowledged (acked bytes, SYN and FIN left out: 0 when only
 * they were), with tcp.recovery = newreno.  Returns whether the retransmit timer restarts
 * (RFC 6298 5.3; in fast recovery on the first partial ACK only).
 */
static int cc_new_ack(tcp_tcb *t, uint32_t acked)
{
    uint32_t mss = t->cfg->mss;

    t->dupacks = 0;
    t->lt_bytes = 0;
    if (t->cstate == CS_RECOVERY) {
        int first = !t->partial_acked;

        if (!seq_lt(t->snd_una, t->recover)) {
            /* RFC 6582 3.2 step 3, full ACK: cwnd = ssthresh (its option 2, as ns-3). */
            t->cwnd = t->ssthresh;
            t->cstate = CS_OPEN;
            return 1;
        }
        /* Step 4, partial ACK: the next hole goes out now; cwnd deflates by
         * what was acknowledged and regains an SMSS if that was one. */
        resend(t, t->snd_una);
        t->cwnd = t->cwnd > acked + mss ? t->cwnd - acked : mss;
        if (acked >= mss)
            t->cwnd += mss;
        t->partial_acked = 1;
        return first;
    }
    if (t->cstate == CS_LOSS && !seq_lt(t->snd_una, t->recover))
        t->cstate = CS_OPEN;
    /* RFC 5681 (2) slow start, (3) congestion avoidance. */
    if (acked > 0 && t->cwnd < t->ssthresh) {
        t->cwnd += acked < mss ? acked : mss;
    } else if (acked > 0) {
        uint32_t add = (uint32_t)((uint64_t)mss * mss / t->cwnd);
        t->cwnd += add > 0 ? add : 1;
    }
    return 1;
}

/* RFC 5681's duplicate ACK, with tcp.recovery = newreno. */
static void cc_dupack(tcp_tcb *t)
{
    uint32_t mss = t->cfg->mss;

    /* RFC 6582 3.2 step 1: no fast retransmit before the timeout's recover
     * is acknowledged (ns-3 does not count these either). */
    if (t->cstate == CS_LOSS)
        return;
    if (t->dupacks < UINT16_MAX)
        t->dupacks++;
    if (t->cstate == CS_RECOVERY) {
        t->cwnd += mss; /* RFC 5681 3.2 step 4 */
        return;
    }
    if (t->dupacks != TCP_DUPTHRESH)
        return; /* the first two: limited transmit, in tcp_output */
    /* RFC 5681 3.2 steps 2 and 3 (RFC 3042: the limited-transmit segments
     * stay out of FlightSize), RFC 6582's recover. */
    t->ssthresh = half_flight(t, flight_size(t) - t->lt_bytes);
    t->recover = t->snd_max;
    t->cstate = CS_RECOVERY;
    t->partial_acked = 0;
    resend(t, t->snd_una);
    t->cwnd = t->ssthresh + TCP_DUPTHRESH * mss;
}

/*
 * An ACK of new data (SND.UNA < ack <= SND.MAX): the RTT sample (Karn) or
 * the end of the backoff, SND.UNA, congestion control, the retransmit
 * timer (RFC 6298 5.2, 5.3), and the state our FIN's ACK moves to.  The
 * general path (process_ack) and header prediction (tcp_input) share it.
 */
static inline void ack_new_data(tcp_tcb *t, uint32_t ack)
{
    uint32_t acked = ack - t->snd_una;
    int restart = 1;

    if (t->rtt_start != SIM_NEVER && seq_gt(ack, t->rtt_seq)) {
        rtt_sample(t, sim_now(tcp_sim(t)) - t->rtt_start);
        t->rtt_start = SIM_NEVER;
    } else if (t->have_rtt) {
        tcp_rto_from_estimate(t); /* new data acknowledged: the backoff ends */
    }
    if (t->snd_una == t->iss)
        acked--; /* the SYN */
    if (t->fin_queued && seq_gt(ack, t->snd_end) && acked > 0)
        acked--; /* the FIN */
    t->snd_una = ack;
    if (seq_lt(t->snd_nxt, t->snd_una))
        t->snd_nxt = t->snd_una;
    t->rexmt_count = 0; /* tcp_rexmt_since: SIM_NEVER */
    if (!t->cfg->go_back_n)
        restart = cc_new_ack(t, acked);
    if (restart || !tcp_outstanding(t))
        tcp_rexmt_resume(t, t->rto);
    if (tcp_fin_acked(t))
        transition(t, TCP_E_RCV_ACK_OF_FIN);
}

/*
 * RFC 5681 2: a duplicate ACK acknowledges nothing new while data is
 * outstanding, carries no data, no SYN or FIN, and the same window.
 */
static int is_dupack(const tcp_tcb *t, const seg *s, uint32_t wnd)
{
    uint32_t data_end = seq_gt(t->snd_max, t->snd_end) ? t->snd_end : t->snd_max;

    return s->ack == t->snd_una && seq_lt(t->snd_una, data_end) && s->len == 0 &&
           !(s->flags & (SEG_SYN | SEG_FIN)) && s->wnd == wnd;
}

/* The ACK field of a segment in a synchronized state (or SYN_RECEIVED). */
static int process_ack(tcp_tcb *t, const seg *s)
{
    uint32_t wnd = t->snd_wnd;

    if (t->state == TCP_S_SYN_RECEIVED) {
        if (!seq_lt(t->snd_una, s->ack) || seq_gt(s->ack, t->snd_max)) {
            reply_reset(t, s);
            return 0;
        }
        if (t->rexmt_count > 0) {
            t->rtt_start = SIM_NEVER; /* Karn: the SYN-ACK was retransmitted */
            handshake_done(t);
        }
        transition(t, TCP_E_RCV_ACK_OF_SYN);
    }
    if (seq_gt(s->ack, t->snd_max)) {
        send_ack(t); /* acknowledges something never sent */
        return 0;
    }
    t->snd_wnd = s->wnd;
    if (seq_gt(s->ack, t->snd_una))
        ack_new_data(t, s->ack);
    else if (!t->cfg->go_back_n && is_dupack(t, s, wnd))
        cc_dupack(t);
    return 1;
}

/* ---- reassembly -------------------------------------------------------- */

/*
 * Keep [seq, end) out of order (above RCV.NXT), with a FIN at end if fin;
 * the ranges stay sorted and merged.  A segment that would need more than
 * TCP_OOO_MAX ranges is dropped, as by a receiver out of buffers (and so is
 * one that finds no block for them: the pool then says it failed).  The
 * endpoint holds a block while something is out of order (or it keeps a
 * SYN challenge's time).
 */
static void ooo_add(tcp_tcb *t, uint32_t seq, uint32_t end, int fin)
{
    tcp_ooo *b;
    uint8_t i = 0, j;

    if (seq_gt(end, t->rcv_nxt + t->rcv_wnd)) {
        end = t->rcv_nxt + t->rcv_wnd; /* beyond the window: trimmed */
        fin = 0;
    }
    if (!seq_lt(seq, end) && !fin)
        return;
    if (t->ooo == NULL && !ooo_take(t))
        return;
    b = t->ooo;
    if (seq_lt(seq, end)) {
        while (i < b->n && seq_lt(b->r[i].end, seq))
            i++;
        if (i < b->n && !seq_gt(b->r[i].start, end)) {
            /* It touches range i: merge, and every later range it reaches. */
            if (seq_lt(seq, b->r[i].start))
                b->r[i].start = seq;
            if (seq_gt(end, b->r[i].end))
                b->r[i].end = end;
            for (j = i + 1; j < b->n && !seq_gt(b->r[j].start, b->r[i].end); j++)
                if (seq_gt(b->r[j].end, b->r[i].end))
                    b->r[i].end = b->r[j].end;
            memmove(&b->r[i + 1], &b->r[j], (size_t)(b->n - j) * sizeof b->r[0]);
            b->n = (uint8_t)(b->n - (j - i - 1));
        } else {
            if (b->n == TCP_OOO_MAX)
                return;
            memmove(&b->r[i + 1], &b->r[i], (size_t)(b->n - i) * sizeof b->r[0]);
            b->r[i].start = seq;
            b->r[i].end = end;
            b->n++;
        }
    }
    if (fin) {
        b->fin = 1;
        b->fin_seq = end;
    }
}

/* RCV.NXT moved: ranges it reached join the stream.  Returns their new bytes. */
static uint32_t ooo_pull(tcp_tcb *t)
{
    tcp_ooo *b = t->ooo;
    uint32_t fresh = 0;
    uint8_t k = 0;

    while (k < b->n && !seq_gt(b->r[k].start, t->rcv_nxt)) {
        if (seq_gt(b->r[k].end, t->rcv_nxt)) {
            fresh += b->r[k].end - t->rcv_nxt;
            t->rcv_nxt = b->r[k].end;
        }
        k++;
    }
    memmove(&b->r[0], &b->r[k], (size_t)(b->n - k) * sizeof b->r[0]);
    b->n = (uint8_t)(b->n - k);
    return fresh;
}

static void input_general(tcp_tcb *t, const seg *s);
static void input_synchronized(tcp_tcb *t, const seg *s, int hooks);

/* Does the holder see this segment (ops->segment, ops->segment_done)?
 * Decided in the state it arrives in. */
static inline int seen(const tcp_tcb *t)
{
    return !t->cfg->ops->fin_wait_2_only || t->state == TCP_S_FIN_WAIT_2;
}

/*
 * Header prediction (Van Jacobson's, as FreeBSD's tcp_input.c): the two
 * segments of a one-way transfer, which are nearly all of a run's,
 * recognised by a few tests and processed without the general path's.
 * Both are the next segment in order (SEG.SEQ = RCV.NXT in an open window:
 * acceptable by every test, A3's exact one too) with ACK and no other flag,
 * in a synchronized state (not SYN_RECEIVED); then
 *   a pure ACK of new data, on the sending side: no payload, SND.UNA <
 *     SEG.ACK <= SND.MAX;
 *   in-order data, on the receiving side: payload, SEG.ACK = SND.UNA (no
 *     new ACK, and not a duplicate one: it carries data), in a state that
 *     receives (ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2) with the peer's FIN not
 *     in, nothing out of order (no reassembly block) and no full close (no
 *     reset_after_close).
 * For these input_synchronized would take none of its other branches; each
 * does what it does, in its order: ops->segment (acceptable), the challenge
 * ACK re-enabled, SND.WND, then the ACK (ack_new_data, which it shares:
 * congestion control, timers and the ACK of our FIN alike) or the data
 * (RCV.NXT, ops->deliver, the ACK owed unless that closed the endpoint),
 * tcp_output, ops->segment_done: the same hooks, timers and events in
 * the same order.  The tests read nothing a segment hook changes (it arms
 * timers and keeps its holder's time, tcp_fw2_time).  predictable()
 * tells the two apart from any other segment, for which predicted()
 * returns 0, having done nothing.
 */
static inline int predictable(const tcp_tcb *t, const seg *s)
{
    if (s->len == 0)
        return seq_gt(s->ack, t->snd_una) && !seq_gt(s->ack, t->snd_max);
    return s->ack == t->snd_una && !t->rcv_fin && !t->full_close && t->ooo == NULL &&
           (unsigned)(t->state - TCP_S_ESTABLISHED) <= TCP_S_FIN_WAIT_2 - TCP_S_ESTABLISHED;
}

static int predicted(tcp_tcb *t, const seg *s)
{
    int hooks;

    if (!predictable(t, s))
        return 0;
    if ((hooks = seen(t)) && t->cfg->ops->segment != NULL)
        t->cfg->ops->segment(t, s, 1);
    t->challenged = 0;
    t->snd_wnd = s->wnd;
    if (s->len == 0) {
        ack_new_data(t, s->ack);
    } else {
        t->rcv_nxt += s->len;
        t->cfg->ops->deliver(t, s->len, 0);
        if (t->state != TCP_S_CLOSED)
            owe_ack(t, s->len >= t->cfg->mss);
    }
    output(t); /* nothing in CLOSED, where the general path returns */
    if (hooks && t->cfg->ops->segment_done != NULL)
        t->cfg->ops->segment_done(t);
    return 1;
}

void tcp_input(tcp_tcb *t, const seg *s)
{
    if (s->flags == SEG_ACK && s->seq == t->rcv_nxt && tcp_synchronized(t->state) &&
        seq_lt(t->rcv_nxt, t->rcv_nxt + t->rcv_wnd) && predicted(t, s))
        return;
    input_general(t, s);
}

/* Any other segment, in any state.  Kept out of tcp_input, so that the
 * predicted ones pay for none of its registers. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void input_general(tcp_tcb *t, const seg *s)
{
    int hooks;

    switch (t->state) {
    case TCP_S_CLOSED:
        return; /* the holder answers segments for no connection */
    case TCP_S_LISTEN:
        input_listen(t, s);
        return;
    case TCP_S_SYN_SENT:
        input_syn_sent(t, s);
        return;
    default:
        break;
    }
    hooks = seen(t);
    input_synchronized(t, s, hooks);
    if (hooks && t->cfg->ops->segment_done != NULL)
        t->cfg->ops->segment_done(t);
}

/* A segment in a synchronized state, RFC 9293 3.10.7.4 in its order. */
static void input_synchronized(tcp_tcb *t, const seg *s, int hooks)
{
    int ok, acceptable;

    /* First: the sequence number.  Nearly every segment is the next one in
     * order, an ACK with or without a FIN, in an open window: acceptable by
     * every test (tcp_acceptable's window test holds at SEG.SEQ = RCV.NXT,
     * and so does A3's exact one), which is decided here without the
     * general test, as FreeBSD's header prediction does. */
    if ((s->flags & ~SEG_FIN) == SEG_ACK && s->seq == t->rcv_nxt &&
        seq_lt(t->rcv_nxt, t->rcv_nxt + t->rcv_wnd))
        ok = acceptable = 1;
    else
        acceptable = tcp_acceptable(s, t->rcv_nxt, t->rcv_wnd, t->cfg->acceptable_exact, &ok);
    if (hooks && t->cfg->ops->segment != NULL)
        t->cfg->ops->segment(t, s, acceptable);
    if (!ok) {
        if (t->state == TCP_S_TIME_WAIT && (s->flags & SEG_FIN) &&
            s->seq + seg_seqlen(s) == t->rcv_nxt) {
            tcp_time_wait_restart(t); /* and the ACK below */
        }
        if (!(s->flags & SEG_RST))
            send_ack(t);
        return;
    }

    /* Second: RST.  R63/A16: only seq == RCV.NXT aborts. */
    if (s->flags & SEG_RST) {
        if (s->seq == t->rcv_nxt) {
            transition(t, TCP_E_RCV_RST);
        } else if (!t->challenged) {
            t->challenged = 1;
            send_ack(t);
        }
        return;
    }
    t->challenged = 0; /* an acceptable segment re-enables the challenge ACK */
    /* Fourth: a SYN in a synchronized state draws a challenge ACK (RFC 5961
     * 4), at most one per 3 s (R64). */
    if (s->flags & SEG_SYN) {
        sim_time now = sim_now(tcp_sim(t));

        if (t->ooo == NULL || t->ooo->syn_challenge == SIM_NEVER ||
            now - t->ooo->syn_challenge >= 3 * SIM_S) {
            /* Without a block (none could be had: the pool says the run
             * failed) the ACK still goes, unremembered. */
            if (t->ooo != NULL || ooo_take(t))
                t->ooo->syn_challenge = now;
            send_ack(t);
        }
        return;
    }
    /* Fifth: the ACK field. */
    if (!(s->flags & SEG_ACK))
        return;
    if (!process_ack(t, s) || t->state == TCP_S_CLOSED)
        return;

    /* Seventh and eighth: the payload and the FIN, in sequence order, in
     * the states that still receive (data after the peer's FIN cannot be
     * valid and is ignored). */
    if ((s->len > 0 || (s->flags & SEG_FIN)) && !t->rcv_fin &&
        (t->state == TCP_S_ESTABLISHED || t->state == TCP_S_FIN_WAIT_1 ||
         t->state == TCP_S_FIN_WAIT_2)) {
        uint32_t end = s->seq + s->len, fresh = 0;
        int fin = (s->flags & SEG_FIN) != 0;
        int gap = t->ooo != NULL && (t->ooo->n > 0 || t->ooo->fin);

        if (s->len > 0 && t->full_close && seq_gt(end, t->rcv_nxt) &&
            t->cfg->ops->reset_after_close != NULL && t->cfg->ops->reset_after_close(t)) {
            tcp_abort(t);
            return;
        }
        if (seq_gt(s->seq, t->rcv_nxt)) {
            /* Out of order: kept, and a duplicate ACK at once (RFC 5681 4.2). */
            ooo_add(t, s->seq, end, fin);
            send_ack(t);
            return;
        }
        if (seq_gt(end, t->rcv_nxt)) {
            fresh = end - t->rcv_nxt;
            t->rcv_nxt = end;
        } else if (s->len > 0 && !(fin && end == t->rcv_nxt)) {
            send_ack(t); /* old data: a duplicate ACK */
            return;
        }
        if (gap) {
            fresh += ooo_pull(t);
            fin = (fin && end == t->rcv_nxt) || (t->ooo->fin && t->ooo->fin_seq == t->rcv_nxt);
            if (fin || (t->ooo->n == 0 && !t->ooo->fin))
                ooo_clear(t); /* nothing out of order any more (a FIN clears it) */
        } else {
            fin = fin && end == t->rcv_nxt;
        }
        if (fresh > 0) {
            t->cfg->ops->deliver(t, fresh, 0);
            if (t->state == TCP_S_CLOSED)
                return;
        }
        if (fin) {
            t->rcv_nxt++;
            t->rcv_fin = 1;
            transition(t, TCP_E_RCV_FIN);
        }
        /* One ACK for the data and the FIN; at once for a segment that
         * fills a gap (RFC 5681 4.2), and for a FIN or a second full
         * segment (owe_ack). */
        if (gap && (fresh > 0 || fin))
            send_ack(t);
        else if (fresh > 0 || fin)
            owe_ack(t, (s->len >= t->cfg->mss) + fin);
        if (fin) {
            t->cfg->ops->deliver(t, 0, 1);
            return;
        }
    }
    output(t);
}
