/*
 * delegated.c - sampling and installing delegated state (see delegated.h).
 */
#include "delegated.h"

#include "engine/err.h"

/* x in ns as units of tick/scale, rounded, saturating at 16 bits. */
static uint16_t scaled_ticks(const tick_clock *c, sim_time x, int scale)
{
    int64_t v = (x * scale + c->tick / 2) / c->tick;

    return v > 65535 ? 65535 : v < 0 ? 0 : (uint16_t)v;
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
    d->srtt = t->have_rtt ? scaled_ticks(c, t->srtt, 8) : 0;
    d->rttvar = t->have_rtt ? scaled_ticks(c, t->rttvar, 4) : 0;
    d->total_rt = t->rexmt_since == SIM_NEVER ? 0 : (uint32_t)ticks_ceil(c, now - t->rexmt_since);
    d->retransmit_count = t->rexmt_count > 255 ? 255 : (uint8_t)t->rexmt_count;
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
    if (d->srtt != 0 || d->rttvar != 0) {
        t->have_rtt = 1;
        t->srtt = d->srtt * c->tick / 8;
        t->rttvar = d->rttvar * c->tick / 4;
        tcp_rto_from_estimate(t);
        rto = t->rto;
    } else {
        rto = t->cfg->rto_initial;
    }
    /* The backoff is implied by the count (R27): RTO << Count. */
    for (unsigned i = 0; i < d->retransmit_count && rto < t->cfg->rto_max; i++)
        rto *= 2;
    t->rto = rto > t->cfg->rto_max ? t->cfg->rto_max : rto;
    t->rexmt_count = d->retransmit_count;
    t->rexmt_since = d->retransmit_count ? now - ticks_ns(c, d->total_rt) : SIM_NEVER;
    /* Karn: an RTT measurement does not survive the handoff. */
    t->timing = 0;
}
