/*
 * delegated.c - sampling and installing delegated state (see delegated.h).
 *
 * The RTO state (R5, R25, R27) travels in SRtt, RttVar, Retransmit.Count
 * and TotalRT, which the structure has, so that the receiver's next
 * retransmission comes when the sender's would have:
 *
 *   a sample taken   SRtt = SRTT x 8 and RttVar = RTTVAR x 4, in ticks; the
 *                    RTO is rebuilt by RFC 6298 (2.3) on the receiver's
 *                    clock (its G) and backed off Count times (5.5)
 *   no sample yet    SRtt = 0, and RttVar carries the RTO before backoff
 *                    in ticks, as 4 x RTTVAR with SRTT = 0 (RFC 6298's own
 *                    formula): rto_initial (2.1), the 3 s of (5.7) after a
 *                    lost SYN, or a backoff kept from an earlier timeout
 *                    (Karn: it stays until a sample is taken)
 *
 * A sample's SRtt is at least 1 so that 0 keeps its meaning.
 *
 * Congestion control (RFC 5681, 6582) travels in CWnd, SsThresh and
 * DupAckCount.  The structure has no field for NewReno's recover: a
 * connection in fast recovery sends DupAckCount >= 3 and the receiver
 * takes SndMax as recover; one whose timeout is being repaired (Count > 0)
 * likewise stays out of fast retransmit until SndMax is acknowledged.
 * Otherwise the receiver starts from SndUna, which only loses the guard
 * against a second fast retransmit in a loss that timed out before the
 * handoff (RFC 6582 3.2 step 1) once its first new ACK has come.
 *
 * What the
 * structure rounds (quarter and eighth ticks, whole ticks of TotalRT and of
 * the RTO without a sample, rounded up) is lost on the way, as on real
 * hardware.
 */
#include "delegated.h"

#include "engine/err.h"

/* x in ns as units of tick/scale, rounded, saturating at 16 bits. */
static uint16_t scaled_ticks(const tick_clock *c, sim_time x, int scale)
{
    int64_t v = (x * scale + c->tick / 2) / c->tick;

    return v > 65535 ? 65535 : v < 0 ? 0 : (uint16_t)v;
}

/* The RTO before the Count backoffs (RFC 6298 5.5), rounded up. */
static sim_time unbacked_rto(sim_time rto, unsigned count)
{
    for (unsigned i = 0; i < count && rto > 1; i++)
        rto = (rto + 1) / 2;
    return rto;
}

void delegated_sample(const tcp_tcb *t, const tick_clock *c, sim_time now,
                      int64_t timeout_delta, tcp_delegated *d)
{
    d->state = t->state;
    d->rcv_nxt = t->rcv_nxt;
    d->rcv_wnd = t->rcv_wnd;
    d->snd_una = t->snd_una;
    d->snd_nxt = t->snd_nxt;
    d->snd_max = t->snd_max;
    d->snd_wnd = t->snd_wnd;
    d->cwnd = t->cwnd;
    d->ssthresh = t->ssthresh;
    if (t->cstate == CS_RECOVERY)
        d->dup_ack_count = t->dupacks > TCP_DUPTHRESH ? (t->dupacks > 255 ? 255 : (uint8_t)t->dupacks)
                                                       : TCP_DUPTHRESH;
    else
        d->dup_ack_count = t->dupacks < TCP_DUPTHRESH ? (uint8_t)t->dupacks : TCP_DUPTHRESH - 1;
    d->retransmit_count = t->rexmt_count > 255 ? 255 : (uint8_t)t->rexmt_count;
    if (t->have_rtt) {
        d->srtt = scaled_ticks(c, t->srtt, 8);
        if (d->srtt == 0)
            d->srtt = 1; /* 0 says "no sample" */
        d->rttvar = scaled_ticks(c, t->rttvar, 4);
    } else {
        int64_t base = ticks_ceil(c, unbacked_rto(t->rto, t->rexmt_count));

        d->srtt = 0;
        d->rttvar = base > 65535 ? 65535 : base < 1 ? 1 : (uint16_t)base;
    }
    d->total_rt =
        t->rexmt_count == 0 ? 0 : (uint32_t)ticks_ceil(c, now - tcp_rexmt_since(t));
    d->timeout_delta = timeout_delta;
}

void delegated_install(tcp_tcb *t, const tick_clock *c, sim_time now,
                       const tcp_delegated *d)
{
    sim_time rto;

    SIM_ASSERT(d->state == t->state, "installing %s over %s", tcp_state_name[d->state],
               tcp_state_name[t->state]);
    t->rcv_nxt = d->rcv_nxt;
    t->rcv_wnd = d->rcv_wnd;
    t->snd_una = d->snd_una;
    t->snd_nxt = d->snd_nxt;
    t->snd_max = d->snd_max;
    t->snd_wnd = d->snd_wnd;
    t->cwnd = d->cwnd;
    t->ssthresh = d->ssthresh;
    t->dupacks = d->dup_ack_count;
    t->lt_bytes = 0;
    t->partial_acked = 0;
    if (d->dup_ack_count >= TCP_DUPTHRESH) {
        t->cstate = CS_RECOVERY;
        t->recover = d->snd_max;
    } else if (d->retransmit_count > 0) {
        t->cstate = CS_LOSS;
        t->recover = d->snd_max;
    } else {
        t->cstate = CS_OPEN;
        t->recover = d->snd_una;
    }
    if (d->srtt != 0) {
        t->have_rtt = 1;
        t->srtt = d->srtt * c->tick / 8;
        t->rttvar = d->rttvar * c->tick / 4;
        tcp_rto_from_estimate(t);
        rto = t->rto;
    } else {
        /* No sample: 4 x RttVar is the RTO; a zeroed structure means
         * rto_initial (RFC 6298 2.1). */
        t->have_rtt = 0;
        t->srtt = t->rttvar = 0;
        rto = d->rttvar != 0 ? ticks_ns(c, d->rttvar) : t->cfg->rto_initial;
    }
    /* R27: the backoff is the count's, RTO << Count (RFC 6298 5.5). */
    for (unsigned i = 0; i < d->retransmit_count && rto < t->cfg->rto_max; i++)
        rto *= 2;
    t->rto = rto > t->cfg->rto_max ? t->cfg->rto_max : rto;
    t->rexmt_count = d->retransmit_count;
    if (d->retransmit_count > 0) /* else tcp_rexmt_since is SIM_NEVER */
        t->rexmt_or_tw = now - ticks_ns(c, d->total_rt);
    /* Karn: an RTT measurement does not survive the handoff. */
    t->rtt_start = SIM_NEVER;
}
