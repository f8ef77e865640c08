/*
 * peer.c - the peer of a connection: a client on the same TCP, its hooks,
 * and its application, which follows its class's behaviour (world_int.h).
 *
 * The peer connects and sends `request` bytes.  Its behaviour starts when
 * our FIN arrives (closer = local), once the response has arrived (closer
 * = peer), or when the local application closes (closer = both: with
 * close_delay 0 both FINs are sent at the same instant and cross on the
 * wire, a simultaneous close).  From then, whoever closes first:
 *   close      FIN after close_delay
 *   never      no FIN
 *   trickle    one byte at interval, 2 interval, ... (count of them, 0: no
 *              limit), FIN at close_delay
 *   keepalive  a keep-alive probe at the same times, FIN at close_delay
 *   rst        an RST at close_delay
 */
#include "world_int.h"

#include "engine/err.h"
#include "engine/invariant.h"

static sim_time peer_deadline(tcp_tcb *t, sim_time delay)
{
    return sim_now(tcp_sim(t)) + delay;
}

/* The peer's close_delay: its one draw (common random numbers: whatever
 * the behaviour). */
static sim_time close_delay(const world *w, const conn *c)
{
    rng_stream r;

    rng_init(&r, w->cfg->sim.seed, c->peer.id, WORLD_RNG_CLOSE);
    return dist_sample_time(&w->cfg->peers[c->klass].close_delay, &r);
}

/* A behaviour that acts between its start and its FIN: c->app_at is its
 * start, and the FIN's time is drawn again when needed. */
static int periodic(const peer_params *p)
{
    return p->behaviour == PEER_TRICKLE || p->behaviour == PEER_KEEPALIVE;
}

/* When the peer's FIN (or RST) is due, SIM_NEVER: never (or not started). */
static sim_time app_fin_at(const world *w, const conn *c)
{
    const peer_params *p = &w->cfg->peers[c->klass];

    if (!c->peer_close_armed || p->behaviour == PEER_NEVER)
        return SIM_NEVER;
    return periodic(p) ? c->app_at + close_delay(w, c) : c->app_at;
}

/* The peer's next scheduled action, per its behaviour (fin_at: app_fin_at;
 * sent: the trickle segments or keep-alive probes sent so far). */
static void peer_arm(world *w, conn *c, sim_time fin_at, uint32_t sent)
{
    const peer_params *p = &w->cfg->peers[c->klass];
    sim_time next = fin_at;

    if (periodic(p) && (p->count == 0 || sent < p->count)) {
        sim_time k = c->app_at + (sim_time)(sent + 1) * p->interval;
        if (next == SIM_NEVER || k < next)
            next = k;
    }
    if (next != SIM_NEVER)
        sim_restart(w->s, &c->app_ev, next);
}

void world__peer_start(world *w, conn *c)
{
    const peer_params *p = &w->cfg->peers[c->klass];
    sim_time now = sim_now(w->s);

    if (c->peer_close_armed)
        return;
    c->peer_close_armed = 1;
    /* The start (trickle, keepalive), else the FIN's time (close_delay). */
    if (periodic(p))
        c->app_at = now;
    else if (p->behaviour != PEER_NEVER)
        c->app_at = now + close_delay(w, c);
    peer_arm(w, c, app_fin_at(w, c), 0);
}

void world__peer_app(sim *s, sim_event *ev)
{
    conn *c = SIM_CONTAINER(ev, conn, app_ev);
    world *w = CONN_WORLD(c);
    const peer_params *p = &w->cfg->peers[c->klass];
    tcp_tcb *t = &c->peer;
    sim_time fin_at;

    if (c->finished)
        return;
    if (t->state == TCP_S_CLOSED || t->fin_queued) {
        world__maybe_finish(c);
        return;
    }
    fin_at = app_fin_at(w, c);
    if (fin_at != SIM_NEVER && sim_now(s) >= fin_at) {
        if (p->behaviour == PEER_RST)
            w->socks->abort(c, 1);
        else
            w->socks->close(c, 1, 1);
        world__maybe_finish(c);
        return;
    }
    if (p->behaviour == PEER_TRICKLE)
        w->socks->send(c, 1, 1);
    else
        w->socks->keepalive(c, 1);
    /* It ran at app_at + sent * interval (peer_arm's time for it): the
     * count is the time's, not kept. */
    peer_arm(w, c, fin_at, (uint32_t)((sim_now(s) - c->app_at) / p->interval));
}

static void peer_output(tcp_tcb *t, const seg *s)
{
    conn *c = PEER_CONN(t);

    world__output_peer(CONN_WORLD(c), c, s);
}

static void peer_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    conn *c = PEER_CONN(t);
    world *w = CONN_WORLD(c);
    const workload_params *wl = &w->cfg->workload;

    (void)old;
    switch (t->state) {
    case TCP_S_ESTABLISHED:
        if (wl->request > 0)
            w->socks->send(c, 1, (uint32_t)wl->request);
        if (wl->closer == CLOSER_PEER && wl->response == 0)
            world__peer_start(w, c);
        break;
    case TCP_S_CLOSE_WAIT:
        /* Our FIN arrived: the behaviour starts. */
        if (wl->closer == CLOSER_LOCAL)
            world__peer_start(w, c);
        break;
    case TCP_S_TIME_WAIT:
        tcp_timer_arm(t, TT_2MSL, tcp_tw_deadline(t));
        break;
    case TCP_S_CLOSED:
        if (w->rows_off)
            conn_times_of(w, c)->t_peer_closed = sim_now(w->s);
        /* clean: its close completed; reset: it met an RST, sent one, or
         * gave up retransmitting. */
        if (why == TCP_E_RCV_ACK_OF_FIN || why == TCP_E_TIMEOUT_2MSL) {
            c->peer_outcome = PO_CLEAN;
        } else {
            c->peer_outcome = PO_RESET;
            w->st.peers_reset++;
        }
        sim_cancel(w->s, &c->app_ev);
        world__maybe_finish(c);
        break;
    default:
        break;
    }
}

static void peer_deliver(tcp_tcb *t, uint32_t bytes, int fin)
{
    conn *c = PEER_CONN(t);
    world *w = CONN_WORLD(c);

    (void)fin;
    /* The local side writes nothing but the response, once it responded. */
    if (inv_on() && bytes > 0 && !c->responded)
        inv_fail(sim_now(w->s), c->peer.id, "response",
                 "the peer read %u bytes before the local application responded", bytes);
    c->rcvd += bytes;
    if (bytes > 0 && w->cfg->workload.closer == CLOSER_PEER &&
        c->rcvd >= w->cfg->workload.response)
        world__peer_start(w, c);
}

static void peer_fw2_timeout(tcp_tcb *t)
{
    SIM_ASSERT(0, "a peer has no FIN_WAIT_2 timer (state %s)", tcp_state_name[t->state]);
}

const tcp_ops world__peer_ops = {
    .output = peer_output,
    .deadline = peer_deadline,
    .state_entered = peer_state_entered,
    .deliver = peer_deliver,
    .fw2_timeout = peer_fw2_timeout,
};
