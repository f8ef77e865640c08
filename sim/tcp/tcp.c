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
 * synchronized state, ops->segment_done once it is processed,
 * ops->state_entered after each transition.
 */
#include "tcp.h"

#include <string.h>

#include "engine/err.h"
#include "engine/invariant.h"

static void timer_fired(sim *s, sim_event *ev);

void tcp_init(tcp_tcb *t, sim *s, const tcp_cfg *cfg, const tcp_ops *ops, void *ctx,
              uint32_t iss, rng_stream *ack_rng)
{
    memset(t, 0, sizeof *t);
    t->state = TCP_S_CLOSED;
    t->ops = ops;
    t->cfg = cfg;
    t->ctx = ctx;
    t->s = s;
    t->ack_rng = ack_rng;
    t->iss = iss;
    t->snd_una = t->snd_nxt = t->snd_max = t->snd_end = iss;
    t->rcv_wnd = cfg->window;
    t->rto = cfg->rto_initial;
    t->rexmt_since = SIM_NEVER;
    t->tw_deadline = SIM_NEVER;
    t->syn_challenge = SIM_NEVER;
    for (int i = 0; i < TT_N; i++)
        sim_event_init(&t->timer[i], timer_fired, t);
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
        inv_fail(sim_now(t->s), t->id, "timer slot",
                 "the FIN_WAIT_2 timer (due at %lld ns) armed in the retransmit slot while %u "
                 "sequence numbers are outstanding (snd_una %u, snd_max %u): the slot would "
                 "hold two timers (R14)",
                 (long long)deadline, t->snd_max - t->snd_una, t->snd_una, t->snd_max);
    if (sim_event_pending(&t->timer[other]))
        inv_fail(sim_now(t->s), t->id, "timer slot",
                 "a FIN_WAIT_2 timer armed in the %s slot (due at %lld ns) while the %s slot "
                 "holds one (due at %lld ns): two FIN_WAIT_2 timers (R14)",
                 slot_name[slot], (long long)deadline, slot_name[other],
                 (long long)t->timer[other].at);
}

void tcp_timer_arm(tcp_tcb *t, tcp_timer_slot slot, sim_time deadline)
{
    if (inv_on())
        check_slot(t, slot, deadline);
    sim_restart(t->s, &t->timer[slot], deadline);
}

void tcp_timer_cancel(tcp_tcb *t, tcp_timer_slot slot)
{
    sim_cancel(t->s, &t->timer[slot]);
}

sim_time tcp_timer_deadline(const tcp_tcb *t, tcp_timer_slot slot)
{
    return t->timer[slot].at;
}

void tcp_stop_timers(tcp_tcb *t)
{
    for (int i = 0; i < TT_N; i++)
        sim_cancel(t->s, &t->timer[i]);
}

static sim_time after(tcp_tcb *t, sim_time delay)
{
    return t->ops->deadline(t, delay);
}

/* ---- state ------------------------------------------------------------ */

void tcp_set_state(tcp_tcb *t, tcp_state next, tcp_event why)
{
    tcp_state old = t->state;

    SIM_ASSERT(tcp_fsm_next(old, why) == next, "transition %s -> %s on %s is not in the table",
               tcp_state_name[old], tcp_state_name[next], tcp_event_name[why]);
    if (next == old)
        return;
    t->state = next;
    if (next == TCP_S_CLOSED)
        tcp_stop_timers(t);
    else if (next == TCP_S_TIME_WAIT) {
        tcp_timer_cancel(t, TT_REXMT);
        t->tw_deadline = sim_now(t->s) + t->cfg->time_wait;
    } else if (next == TCP_S_FIN_WAIT_2) {
        /* Nothing is outstanding: the slot is free for the FIN_WAIT_2 timer. */
        if (inv_on() && tcp_outstanding(t))
            inv_fail(sim_now(t->s), t->id, "timer slot",
                     "entering FIN_WAIT_2 from %s on %s with %u sequence numbers outstanding "
                     "(snd_una %u, snd_max %u): the retransmit slot would hold their timer "
                     "and the FIN_WAIT_2 timer (R14)",
                     tcp_state_name[old], tcp_event_name[why], t->snd_max - t->snd_una,
                     t->snd_una, t->snd_max);
        tcp_timer_cancel(t, TT_REXMT);
    }
    t->ops->state_entered(t, old, why);
}

/* Move by the table; no-op when the event does not apply. */
static void transition(tcp_tcb *t, tcp_event why)
{
    tcp_set_state(t, tcp_fsm_next(t->state, why), why);
}

void tcp_time_wait_restart(tcp_tcb *t)
{
    t->tw_deadline = sim_now(t->s) + t->cfg->time_wait;
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
        tcp_timer_cancel(t, TT_DELACK);
    }
    t->ops->output(t, &s);
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
        tcp_timer_cancel(t, TT_REXMT);
}

void tcp_output(tcp_tcb *t)
{
    uint32_t win_end = t->snd_una + t->snd_wnd;

    if (!tcp_synchronized(t->state))
        return;
    for (;;) {
        uint32_t seq = t->snd_nxt, len = 0;
        uint8_t flags = SEG_ACK;

        if (seq_lt(seq, t->snd_end) && seq_lt(seq, win_end)) {
            len = t->snd_end - seq;
            if (len > t->cfg->mss)
                len = t->cfg->mss;
            if (len > win_end - seq)
                len = win_end - seq;
        }
        if (t->fin_queued && seq + len == t->snd_end && !seq_gt(t->snd_nxt, t->snd_end))
            flags |= SEG_FIN;
        if (len == 0 && !(flags & SEG_FIN))
            break;
        /* Karn: time only segments sent for the first time. */
        if (!t->timing && !seq_lt(seq, t->snd_max)) {
            t->timing = 1;
            t->rtt_seq = seq;
            t->rtt_start = sim_now(t->s);
        }
        emit(t, seq, len, flags);
        t->snd_nxt = seq + len + ((flags & SEG_FIN) != 0);
        if (seq_gt(t->snd_nxt, t->snd_max))
            t->snd_max = t->snd_nxt;
        if (flags & SEG_FIN)
            break;
    }
    if (tcp_outstanding(t) && !sim_event_pending(&t->timer[TT_REXMT]))
        tcp_timer_arm(t, TT_REXMT, after(t, t->rto));
}

/* Send our SYN (or SYN-ACK), time it, arm the retransmit timer. */
static void send_syn(tcp_tcb *t, uint8_t flags)
{
    emit(t, t->iss, 0, flags);
    t->timing = 1;
    t->rtt_seq = t->iss;
    t->rtt_start = sim_now(t->s);
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
    tcp_output(t);
}

void tcp_close(tcp_tcb *t, int full)
{
    if (t->fin_queued)
        return;
    t->fin_queued = 1;
    t->full_close = full != 0;
    transition(t, TCP_E_CLOSE);
    tcp_output(t);
}

void tcp_abort(tcp_tcb *t)
{
    if (t->state == TCP_S_CLOSED || t->state == TCP_S_LISTEN)
        return;
    if (t->state != TCP_S_SYN_SENT) {
        /* RFC 9293 3.10.4: <SEQ=SND.NXT><CTL=RST>. */
        seg r = {t->snd_nxt, 0, 0, t->rcv_wnd, SEG_RST};
        t->ops->output(t, &r);
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
        t->ops->output(t, &r);
}

/* ---- timers fire ------------------------------------------------------ */

static void rexmt_timeout(tcp_tcb *t)
{
    sim_time now = sim_now(t->s);

    SIM_ASSERT(tcp_outstanding(t), "retransmit timer in %s with nothing outstanding",
               tcp_state_name[t->state]);
    if (t->rexmt_count >= t->cfg->max_retries) {
        if (t->ops->give_up == NULL || t->ops->give_up(t))
            transition(t, TCP_E_RETRIES);
        return;
    }
    if (t->rexmt_count == 0)
        t->rexmt_since = now;
    t->rexmt_count++;
    t->timing = 0; /* Karn's algorithm */
    t->rto = t->rto * 2 > t->cfg->rto_max ? t->cfg->rto_max : t->rto * 2;
    if (t->state == TCP_S_SYN_SENT) {
        emit(t, t->iss, 0, SEG_SYN);
    } else if (t->state == TCP_S_SYN_RECEIVED) {
        emit(t, t->iss, 0, SEG_SYN | SEG_ACK);
    } else {
        /* Go back N: resend from the oldest unacknowledged byte. */
        t->snd_nxt = t->snd_una;
        tcp_output(t);
    }
    tcp_timer_arm(t, TT_REXMT, after(t, t->rto));
}

static void timer_fired(sim *s, sim_event *ev)
{
    tcp_tcb *t = ev->ctx;

    (void)s;
    if (ev == &t->timer[TT_DELACK]) {
        send_ack(t);
    } else if (t->state == TCP_S_FIN_WAIT_2) {
        if (inv_on() && ev == &t->timer[TT_REXMT] && tcp_outstanding(t))
            inv_fail(sim_now(s), t->id, "timer slot",
                     "the retransmit slot fired in FIN_WAIT_2 with %u sequence numbers "
                     "outstanding: is it the retransmission or the FIN_WAIT_2 timer (R14)?",
                     t->snd_max - t->snd_una);
        t->ops->fw2_timeout(t); /* TT_REXMT: the target's (R14); TT_2MSL: the host's */
    } else if (ev == &t->timer[TT_REXMT]) {
        rexmt_timeout(t);
    } else {
        SIM_ASSERT(t->state == TCP_S_TIME_WAIT, "2MSL timer in %s",
                   tcp_state_name[t->state]);
        transition(t, TCP_E_TIMEOUT_2MSL);
    }
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
}

/* An ACK is owed for received data or FIN: now, or after the ACK delay. */
static void owe_ack(tcp_tcb *t, int full_segment)
{
    sim_time delay = dist_sample_time(t->cfg->ack_delay, t->ack_rng);

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
    t->irs = s->seq;
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
    t->irs = s->seq;
    t->rcv_nxt = s->seq + 1;
    t->snd_wnd = s->wnd;
    if (!ack_ok) {
        transition(t, TCP_E_RCV_SYN); /* simultaneous open */
        emit(t, t->iss, 0, SEG_SYN | SEG_ACK);
        return;
    }
    t->snd_una = s->ack;
    if (t->timing && t->rexmt_count == 0)
        rtt_sample(t, sim_now(t->s) - t->rtt_start);
    t->timing = 0;
    handshake_done(t);
    t->rexmt_count = 0;
    t->rexmt_since = SIM_NEVER;
    tcp_timer_cancel(t, TT_REXMT);
    transition(t, TCP_E_RCV_SYN_ACK);
    send_ack(t);
    tcp_output(t);
}

/* The ACK field of a segment in a synchronized state (or SYN_RECEIVED). */
static int process_ack(tcp_tcb *t, const seg *s)
{
    if (t->state == TCP_S_SYN_RECEIVED) {
        if (!seq_lt(t->snd_una, s->ack) || seq_gt(s->ack, t->snd_max)) {
            reply_reset(t, s);
            return 0;
        }
        if (t->rexmt_count > 0) {
            t->timing = 0; /* Karn: the SYN-ACK was retransmitted */
            handshake_done(t);
        }
        transition(t, TCP_E_RCV_ACK_OF_SYN);
    }
    if (seq_gt(s->ack, t->snd_max)) {
        send_ack(t); /* acknowledges something never sent */
        return 0;
    }
    t->snd_wnd = s->wnd;
    if (seq_gt(s->ack, t->snd_una)) {
        if (t->timing && seq_gt(s->ack, t->rtt_seq)) {
            rtt_sample(t, sim_now(t->s) - t->rtt_start);
            t->timing = 0;
        } else if (t->have_rtt) {
            tcp_rto_from_estimate(t); /* new data acknowledged: the backoff ends */
        }
        t->snd_una = s->ack;
        if (seq_lt(t->snd_nxt, t->snd_una))
            t->snd_nxt = t->snd_una;
        t->rexmt_count = 0;
        t->rexmt_since = SIM_NEVER;
        tcp_rexmt_resume(t, t->rto);
        if (tcp_fin_acked(t))
            transition(t, TCP_E_RCV_ACK_OF_FIN);
    }
    return 1;
}

static void input_synchronized(tcp_tcb *t, const seg *s);

void tcp_input(tcp_tcb *t, const seg *s)
{
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
    input_synchronized(t, s);
    if (t->ops->segment_done != NULL)
        t->ops->segment_done(t);
}

/* A segment in a synchronized state, RFC 9293 3.10.7.4 in its order. */
static void input_synchronized(tcp_tcb *t, const seg *s)
{
    int ok, acceptable;

    /* First: the sequence number. */
    acceptable = tcp_acceptable(s, t->rcv_nxt, t->rcv_wnd, t->cfg->acceptable_exact, &ok);
    if (t->ops->segment != NULL)
        t->ops->segment(t, s, acceptable);
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
        sim_time now = sim_now(t->s);

        if (t->syn_challenge == SIM_NEVER || now - t->syn_challenge >= 3 * SIM_S) {
            t->syn_challenge = now;
            send_ack(t);
        }
        return;
    }
    /* Fifth: the ACK field. */
    if (!(s->flags & SEG_ACK))
        return;
    if (!process_ack(t, s) || t->state == TCP_S_CLOSED)
        return;

    /* Seventh: the payload. */
    if (s->len > 0) {
        uint32_t end = s->seq + s->len;

        switch (t->state) {
        case TCP_S_ESTABLISHED:
        case TCP_S_FIN_WAIT_1:
        case TCP_S_FIN_WAIT_2:
            if (t->full_close && seq_gt(end, t->rcv_nxt) && t->ops->reset_after_close != NULL &&
                t->ops->reset_after_close(t)) {
                tcp_abort(t);
                return;
            }
            if (seq_leq(s->seq, t->rcv_nxt) && seq_gt(end, t->rcv_nxt)) {
                uint32_t fresh = end - t->rcv_nxt;

                t->rcv_nxt = end;
                t->bytes_rcvd += fresh;
                t->ops->deliver(t, fresh, 0);
                if (t->state == TCP_S_CLOSED)
                    return;
                owe_ack(t, s->len >= t->cfg->mss);
            } else {
                send_ack(t); /* out of order or old: a duplicate ACK */
                return;
            }
            break;
        default:
            break; /* data after the peer's FIN cannot be valid; ignore it */
        }
    }

    /* Eighth: the FIN, when it is next in sequence. */
    if ((s->flags & SEG_FIN) && s->seq + s->len == t->rcv_nxt && !t->rcv_fin) {
        t->rcv_nxt++;
        t->rcv_fin = 1;
        switch (t->state) {
        case TCP_S_SYN_RECEIVED:
        case TCP_S_ESTABLISHED:
        case TCP_S_FIN_WAIT_1:
        case TCP_S_FIN_WAIT_2:
            transition(t, TCP_E_RCV_FIN);
            break;
        default:
            break;
        }
        owe_ack(t, 1);
        t->ops->deliver(t, 0, 1);
        return;
    }
    tcp_output(t);
}
