/*
 * world.c - connections, peers and their applications, the wire between
 * them, occupancy and the rows a run records.
 *
 * The workload (DESIGN.md): connection k opens at the k-th arrival, drawn
 * from [workload] interarrival; its peer class is drawn by share.  The peer
 * connects and sends `request` bytes; once they have arrived (at once if
 * 0) the local application writes `response` bytes and, with closer =
 * local, closes (or shuts down) right after: that call is t_close.  With
 * closer = peer, the peer closes close_delay after the response arrived and
 * the local application closes when the peer's FIN arrives.
 *
 * Peer behaviours start when our FIN arrives at the peer:
 *   close      FIN after close_delay
 *   never      no FIN
 *   trickle    one byte at interval, 2 interval, ... (count of them, 0: no
 *              limit), FIN at close_delay
 *   keepalive  a keep-alive probe at the same times, FIN at close_delay
 *   rst        an RST at close_delay
 *
 * Random streams, one per (connection, purpose) so that no parameter
 * shifts the draws of another (common random numbers):
 */
#include "world.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/slab.h"
#include "host/host.h"
#include "offload/nic.h"

enum rng_purpose {
    RNG_ARRIVAL = 1,     /* id 0: the k-th draw is the k-th interarrival time */
    RNG_PEER_CLASS,      /* one draw */
    RNG_PATH_DELAY,      /* one draw: both directions of the path */
    RNG_LOSS_TO_PEER,    /* one draw per segment */
    RNG_LOSS_TO_HOST,
    RNG_JITTER_TO_PEER,
    RNG_JITTER_TO_HOST,
    RNG_ACK_LOCAL,       /* one draw per ACK owed */
    RNG_ACK_PEER,
    RNG_CLOSE,           /* the peer's close_delay */
    RNG_OFFLOAD,         /* one draw per offload decision */
    RNG_UPLOAD,          /* random upload times */
    RNG_ISS              /* two draws: local and peer initial sequence numbers */
};

const char *const close_reason_name[] = {
    [CR_OPEN] = "open",       [CR_PEER_FIN] = "peer_fin", [CR_NIC_FW2] = "nic_fw2_timeout",
    [CR_HOST_FW2] = "host_fw2_timeout", [CR_RST] = "rst", [CR_RETRIES] = "retries",
};
const char *const owner_name[] = {
    [OWNER_HOST] = "host", [OWNER_NIC] = "nic", [OWNER_OFFLOADING] = "handoff",
    [OWNER_UPLOADING] = "handoff",
};
const char *const peer_outcome_name[] = {
    [PO_OPEN] = "open", [PO_CLEAN] = "clean", [PO_RESET] = "reset",
};

#define CONN_SLAB 256

static void deliver_flight(sim *s, sim_event *ev);
static void arrival(sim *s, sim_event *ev);
static void sample(sim *s, sim_event *ev);
static void peer_app(sim *s, sim_event *ev);
static void local_app(sim *s, sim_event *ev);
static void maybe_finish(world *w, conn *c);
static void local_wake(world *w, conn *c);

static void *grow_array(void *v, size_t *cap, size_t size)
{
    size_t n = *cap ? *cap * 2 : 1024;
    void *p = realloc(v, n * size);

    if (p == NULL) {
        fprintf(stderr, "offsim: out of memory\n");
        exit(1);
    }
    *cap = n;
    return p;
}

/* ---- occupancy -------------------------------------------------------- */

/* Bring the time integral of NIC occupancy up to now. */
static void integrate(world *w)
{
    sim_time now = sim_now(w->s);

    w->st.nic_area += (double)w->nic_total * (double)(now - w->occ_since);
    w->occ_since = now;
}

static void occupancy(world *w, tcp_state st, owner o, int released, int sign)
{
    integrate(w);
    if (released)
        return;
    if (o != OWNER_HOST) {
        w->nic_total += sign;
        if (w->nic_total > w->st.nic_peak)
            w->st.nic_peak = w->nic_total;
    }
    if (st == TCP_S_FIN_WAIT_2) {
        if (o == OWNER_NIC)
            w->nic_fin_wait_2 += sign;
        else if (o == OWNER_HOST)
            w->host_fin_wait_2 += sign;
    }
    if (st == TCP_S_TIME_WAIT)
        w->time_wait += sign;
}

void world__set_owner(world *w, conn *c, owner o)
{
    occupancy(w, c->local.state, (owner)c->owner, c->released, -1);
    c->owner = (uint8_t)o;
    occupancy(w, c->local.state, o, c->released, +1);
}

static void push_sample(world *w)
{
    occupancy_sample *o;

    if (w->nsamples == w->samples_cap)
        w->samples = grow_array(w->samples, &w->samples_cap, sizeof *w->samples);
    o = &w->samples[w->nsamples++];
    o->t = sim_now(w->s);
    o->nic_total = w->nic_total;
    o->nic_fin_wait_2 = w->nic_fin_wait_2;
    o->host_fin_wait_2 = w->host_fin_wait_2;
    o->time_wait = w->time_wait;
}

static void sample(sim *s, sim_event *ev)
{
    world *w = ev->ctx;

    push_sample(w);
    /* Keep sampling while anything can still change. */
    if (w->nlive > 0 || sim_event_pending(&w->arrival_ev))
        sim_schedule(s, ev, sim_now(s) + w->cfg->sim.sample_interval);
}

/* ---- tracing ---------------------------------------------------------- */

void world__trace(world *w, const conn *c, const char *kind, const char *detail,
                  const int64_t *value)
{
    if (trace_on(w->trace))
        trace_add(w->trace, sim_now(w->s), c->id, kind, detail, value);
}

void world__trace_timer(world *w, const conn *c, const char *kind, const char *detail,
                        tcp_timer_slot slot)
{
    if (trace_on(w->trace)) {
        int64_t at = tcp_timer_deadline(&c->local, slot);
        world__trace(w, c, kind, detail, at == SIM_NEVER ? NULL : &at);
    }
}

/* ---- the wire --------------------------------------------------------- */

static void transmit(world *w, conn *c, path *p, const seg *s, int to_local)
{
    sim_time at = path_transmit(p, sim_now(w->s), s->len + SEG_HEADER_BYTES);
    flight *f;

    w->st.segments++;
    if (at == SIM_NEVER) {
        w->st.lost++;
        /* Nothing will arrive to look at this connection again: check it
         * from the top level, once the current call has returned. */
        if (c->released)
            local_wake(w, c);
        return;
    }
    f = flight_get(&w->flights);
    f->s = *s;
    f->conn = c;
    f->conn_id = c->id;
    f->to_local = (uint8_t)to_local;
    c->inflight++;
    sim_schedule(w->s, &f->ev, at);
}

void world__output_local(world *w, conn *c, const seg *s)
{
    if (w->tap != NULL)
        w->tap(w->tap_arg, c, s, 0);
    transmit(w, c, &c->to_peer, s, 0);
}

static void output_peer(tcp_tcb *t, const seg *s)
{
    conn *c = t->ctx;

    transmit(c->w, c, &c->to_local, s, 1);
}

static void hold(conn *c, flight *f)
{
    f->next = NULL;
    if (c->held_tail)
        c->held_tail->next = f;
    else
        c->held = f;
    c->held_tail = f;
}

int world__holding(const conn *c)
{
    return c->owner == OWNER_OFFLOADING || c->owner == OWNER_UPLOADING ||
           (c->owner == OWNER_NIC && c->local.state == TCP_S_CLOSED);
}

/* A segment for the local side; returns 1 if it was held for later. */
static int input_local(world *w, conn *c, flight *f)
{
    tcp_tcb *t = &c->local;

    if (c->released) {
        /* No such connection any more: RFC 9293 3.10.7.1 answers with RST. */
        seg r;
        if (tcp_reset_reply(&f->s, &r))
            world__output_local(w, c, &r);
        return 0;
    }
    if (world__holding(c)) {
        /* R43/R54 (offload) and R59 (upload): processed by the receiver when
         * the handoff completes.  R22: a closed target passes segments to
         * the host, which processes them once the upload completes. */
        hold(c, f);
        return 1;
    }
    tcp_input(t, &f->s);
    return 0;
}

void world__drain_held(world *w, conn *c)
{
    if (w->socks->drain != NULL)
        w->socks->drain(w, c);
    while (c->held != NULL && !world__holding(c)) {
        flight *f = c->held;

        c->held = f->next;
        if (c->held == NULL)
            c->held_tail = NULL;
        input_local(w, c, f);
        c->inflight--;
        flight_put(&w->flights, f);
    }
    maybe_finish(w, c);
}

static void deliver_flight(sim *s, sim_event *ev)
{
    flight *f = ev->ctx;
    conn *c = f->conn;
    world *w = c->w;

    (void)s;
    SIM_ASSERT(c->id == f->conn_id, "segment for connection %u delivered to %u", f->conn_id,
               c->id);
    if (f->to_local) {
        if (w->tap != NULL)
            w->tap(w->tap_arg, c, &f->s, 1);
        if (input_local(w, c, f))
            return;
    } else if (c->peer.state == TCP_S_CLOSED) {
        seg r;
        if (tcp_reset_reply(&f->s, &r))
            output_peer(&c->peer, &r);
    } else {
        tcp_input(&c->peer, &f->s);
    }
    c->inflight--;
    flight_put(&w->flights, f);
    maybe_finish(w, c);
}

/* ---- offsim's own TCP under the applications --------------------------- */

static tcp_tcb *side_tcb(conn *c, int side)
{
    return side ? &c->peer : &c->local;
}

static void native_send(world *w, conn *c, int side, uint32_t bytes)
{
    (void)w;
    tcp_send(side_tcb(c, side), bytes);
}

static void native_close(world *w, conn *c, int side, int full)
{
    (void)w;
    tcp_close(side_tcb(c, side), full);
}

static void native_abort(world *w, conn *c, int side)
{
    (void)w;
    tcp_abort(side_tcb(c, side));
}

static void native_keepalive(world *w, conn *c, int side)
{
    (void)w;
    tcp_keepalive(side_tcb(c, side));
}

static const world_socks native_socks = {native_send, native_close, native_abort,
                                         native_keepalive, NULL, NULL};

/* ---- the local application ------------------------------------------- */

static void local_wake(world *w, conn *c)
{
    if (!sim_event_pending(&c->local_app_ev))
        sim_schedule(w->s, &c->local_app_ev, sim_now(w->s));
}

/* Respond once the request is in; close per the workload. */
static void local_app(sim *s, sim_event *ev)
{
    conn *c = ev->ctx;
    world *w = c->w;
    const workload_params *wl = &w->cfg->workload;
    tcp_tcb *t = &c->local;

    (void)s;
    if (c->finished)
        return;
    if (c->released || t->state == TCP_S_CLOSED) {
        maybe_finish(w, c);
        return;
    }
    if (c->owner == OWNER_OFFLOADING || c->owner == OWNER_UPLOADING) {
        c->app_pending = 1; /* R54, R60: the call waits for the handoff */
        return;
    }
    if (!c->responded && c->req_rcvd >= wl->request && tcp_synchronized(t->state)) {
        c->responded = 1;
        if (wl->response > 0 && !t->fin_queued)
            w->socks->send(w, c, 0, (uint32_t)wl->response);
        if (wl->closer == CLOSER_LOCAL && !t->fin_queued) {
            c->t_close = sim_now(w->s);
            w->socks->close(w, c, 0, wl->close_mode == CLOSE_MODE_CLOSE);
        }
    }
    if (t->rcv_fin && !t->fin_queued && t->state != TCP_S_CLOSED) {
        /* The peer closed first: read returns 0 and the server closes. */
        c->t_close = sim_now(w->s);
        w->socks->close(w, c, 0, 1);
    }
}

void world__app_resume(world *w, conn *c)
{
    if (c->app_pending) {
        c->app_pending = 0;
        local_wake(w, c);
    }
}

void world__deliver_local(tcp_tcb *t, uint32_t bytes, int fin)
{
    conn *c = t->ctx;
    world *w = c->w;

    c->req_rcvd += bytes;
    if ((!c->responded && c->req_rcvd >= w->cfg->workload.request) || fin)
        local_wake(w, c);
}

void world__local_state(world *w, conn *c, tcp_state old, tcp_event why)
{
    tcp_tcb *t = &c->local;
    sim_time now = sim_now(w->s);

    occupancy(w, old, (owner)c->owner, c->released, -1);
    occupancy(w, t->state, (owner)c->owner, c->released, +1);
    if (trace_on(w->trace)) {
        char d[TRACE_DETAIL_MAX];
        snprintf(d, sizeof d, "%s -> %s", tcp_state_name[old], tcp_state_name[t->state]);
        world__trace(w, c, "state", d, NULL);
    }
    switch (t->state) {
    case TCP_S_ESTABLISHED:
        local_wake(w, c);
        break;
    case TCP_S_FIN_WAIT_1:
        if (c->t_fin_wait_1 == SIM_NEVER)
            c->t_fin_wait_1 = now;
        break;
    case TCP_S_FIN_WAIT_2:
        if (c->t_fin_wait_2 == SIM_NEVER)
            c->t_fin_wait_2 = now;
        break;
    case TCP_S_TIME_WAIT:
        c->t_time_wait = now;
        c->close_reason = CR_PEER_FIN;
        c->owner_at_close = c->owner;
        w->st.closed++;
        break;
    case TCP_S_CLOSED:
        c->t_closed = now;
        if (old == TCP_S_TIME_WAIT)
            break;
        switch (old == TCP_S_LISTEN ? TCP_E_RETRIES : why) {
        case TCP_E_RCV_ACK_OF_FIN:
            c->close_reason = CR_PEER_FIN;
            break;
        case TCP_E_TIMEOUT_FW2:
            c->close_reason = c->owner == OWNER_NIC ? CR_NIC_FW2 : CR_HOST_FW2;
            if (w->socks->closed != NULL)
                w->socks->closed(w, c);
            break;
        case TCP_E_RETRIES:
            c->close_reason = CR_RETRIES;
            break;
        default:
            c->close_reason = CR_RST;
            break;
        }
        c->owner_at_close = c->owner;
        w->st.closed++;
        break;
    default:
        break;
    }
}

void world__released(world *w, conn *c)
{
    occupancy(w, c->local.state, (owner)c->owner, 0, -1);
    c->released = 1;
    c->t_released = sim_now(w->s);
    tcp_stop_timers(&c->local);
    sim_cancel(w->s, &c->host_ev);
    maybe_finish(w, c);
}

/* ---- the peer --------------------------------------------------------- */

static sim_time peer_deadline(tcp_tcb *t, sim_time delay)
{
    return sim_now(t->s) + delay;
}

/* The peer's next scheduled action, per its behaviour. */
static void peer_arm(world *w, conn *c)
{
    const peer_params *p = &w->cfg->peers[c->klass];
    sim_time next = c->app_fin_at;

    if ((p->behaviour == PEER_TRICKLE || p->behaviour == PEER_KEEPALIVE) &&
        (p->count == 0 || c->app_n < p->count)) {
        sim_time k = c->app_base + (sim_time)(c->app_n + 1) * p->interval;
        if (next == SIM_NEVER || k < next)
            next = k;
    }
    if (next != SIM_NEVER)
        sim_restart(w->s, &c->app_ev, next);
}

static void peer_start(world *w, conn *c, int after_response)
{
    const peer_params *p = &w->cfg->peers[c->klass];
    sim_time now = sim_now(w->s);
    sim_time delay = dist_sample_time(&p->close_delay, &c->close_rng);

    if (c->peer_close_armed)
        return;
    c->peer_close_armed = 1;
    c->app_base = now;
    c->app_n = 0;
    /* A peer that closes first (closer = peer) just closes. */
    c->app_fin_at = after_response || p->behaviour != PEER_NEVER ? now + delay : SIM_NEVER;
    peer_arm(w, c);
}

static void peer_app(sim *s, sim_event *ev)
{
    conn *c = ev->ctx;
    world *w = c->w;
    const peer_params *p = &w->cfg->peers[c->klass];
    tcp_tcb *t = &c->peer;

    if (c->finished)
        return;
    if (t->state == TCP_S_CLOSED || t->fin_queued) {
        maybe_finish(w, c);
        return;
    }
    if (c->app_fin_at != SIM_NEVER && sim_now(s) >= c->app_fin_at) {
        if (p->behaviour == PEER_RST && w->cfg->workload.closer == CLOSER_LOCAL)
            w->socks->abort(w, c, 1);
        else
            w->socks->close(w, c, 1, 1);
        maybe_finish(w, c);
        return;
    }
    if (p->behaviour == PEER_TRICKLE)
        w->socks->send(w, c, 1, 1);
    else
        w->socks->keepalive(w, c, 1);
    c->app_n++;
    peer_arm(w, c);
}

static void peer_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    conn *c = t->ctx;
    world *w = c->w;
    const workload_params *wl = &w->cfg->workload;

    (void)old;
    switch (t->state) {
    case TCP_S_ESTABLISHED:
        if (wl->request > 0)
            w->socks->send(w, c, 1, (uint32_t)wl->request);
        if (wl->closer == CLOSER_PEER && wl->response == 0)
            peer_start(w, c, 1);
        break;
    case TCP_S_CLOSE_WAIT:
        /* Our FIN arrived: the behaviour starts. */
        if (wl->closer == CLOSER_LOCAL)
            peer_start(w, c, 0);
        break;
    case TCP_S_TIME_WAIT:
        tcp_timer_arm(t, TT_2MSL, t->tw_deadline);
        break;
    case TCP_S_CLOSED:
        c->t_peer_closed = sim_now(w->s);
        /* clean: its close completed; reset: it met an RST, sent one, or
         * gave up retransmitting. */
        if (why == TCP_E_RCV_ACK_OF_FIN || why == TCP_E_TIMEOUT_2MSL) {
            c->peer_outcome = PO_CLEAN;
        } else {
            c->peer_outcome = PO_RESET;
            w->st.peers_reset++;
        }
        sim_cancel(w->s, &c->app_ev);
        maybe_finish(w, c);
        break;
    default:
        break;
    }
}

static void peer_deliver(tcp_tcb *t, uint32_t bytes, int fin)
{
    conn *c = t->ctx;
    world *w = c->w;

    (void)fin;
    c->resp_rcvd += bytes;
    if (bytes > 0 && w->cfg->workload.closer == CLOSER_PEER &&
        c->resp_rcvd >= w->cfg->workload.response)
        peer_start(w, c, 1);
}

static void peer_fw2_timeout(tcp_tcb *t)
{
    SIM_ASSERT(0, "a peer has no FIN_WAIT_2 timer (state %s)", tcp_state_name[t->state]);
}

const tcp_ops world__peer_ops = {
    .output = output_peer,
    .deadline = peer_deadline,
    .state_entered = peer_state_entered,
    .deliver = peer_deliver,
    .fw2_timeout = peer_fw2_timeout,
};

/* ---- connections ------------------------------------------------------ */

static conn *conn_alloc(world *w)
{
    conn *c;

    if (w->free == NULL) {
        conn *slab = slab_add(&w->slabs, &w->nslabs, &w->slab_cap,
                              CONN_SLAB * sizeof *slab, "connections");

        for (size_t i = 0; i < CONN_SLAB; i++) {
            slab[i].next = w->free;
            w->free = &slab[i];
        }
    }
    c = w->free;
    w->free = c->next;
    return c;
}

static void record(world *w, conn *c)
{
    conn_record *r;
    sim_time now = sim_now(w->s);

    if (w->nrecords == w->records_cap)
        w->records = grow_array(w->records, &w->records_cap, sizeof *w->records);
    r = &w->records[w->nrecords++];
    r->conn_id = c->id;
    r->klass = c->klass;
    r->t_open = c->t_open;
    r->t_close = c->t_close;
    r->t_fin_wait_1 = c->t_fin_wait_1;
    r->t_fin_wait_2 = c->t_fin_wait_2;
    r->t_time_wait = c->t_time_wait;
    r->t_closed = c->t_closed;
    r->t_released = c->t_released;
    r->t_peer_closed = c->t_peer_closed;
    r->close_reason = c->close_reason;
    r->owner_at_close = c->close_reason == CR_OPEN ? c->owner : c->owner_at_close;
    r->peer_outcome = c->peer_outcome;
    r->handoffs = c->handoffs;

    /* The summary's close latency (close_latency's close_s). */
    if (c->t_close != SIM_NEVER && c->t_open >= w->cfg->sim.warmup) {
        sim_time end = c->t_time_wait != SIM_NEVER ? c->t_time_wait : c->t_closed;
        int censored = end == SIM_NEVER;

        if (w->nlat == w->lat_cap)
            w->lat_ns = grow_array(w->lat_ns, &w->lat_cap, sizeof *w->lat_ns);
        /* Censored values are stored as -(1 + lower bound). */
        w->lat_ns[w->nlat++] = censored ? -(1 + (now - c->t_close)) : end - c->t_close;
        w->lat_sorted = 0;
    }
}

/* A connection whose both sides are done leaves the world. */
static void maybe_finish(world *w, conn *c)
{
    tcp_tcb *p = &c->peer;

    /* Every SYN was lost and the peer gave up: our side never opened
     * (close_reason 'retries', see world__local_state). */
    if (!c->released && c->local.state == TCP_S_LISTEN && p->state == TCP_S_CLOSED &&
        c->inflight == 0) {
        tcp_set_state(&c->local, TCP_S_CLOSED, TCP_E_ABORT);
        if (c->released)
            return; /* the state change released it and called us again */
    }
    /* On ns-3 the peer's socket may still be at work (a FIN, an RST coming):
     * its mirror settles in CLOSED, or in CLOSE_WAIT for a peer that waits. */
    if (c->sock_peer != NULL && p->state != TCP_S_CLOSED &&
        !(p->state == TCP_S_CLOSE_WAIT && !sim_event_pending(&c->app_ev)))
        return;
    if (c->finished || !c->released || c->inflight > 0 || c->held != NULL ||
        sim_event_pending(&c->local_app_ev) || sim_event_pending(&c->handoff_ev) ||
        sim_event_pending(&c->offload_ev))
        return;
    if (p->state != TCP_S_CLOSED) {
        /* A peer that will never act again (e.g. `never` in CLOSE_WAIT). */
        for (int i = 0; i < TT_N; i++)
            if (sim_event_pending(&p->timer[i]))
                return;
        if (sim_event_pending(&c->app_ev))
            return;
    }
    record(w, c);
    c->finished = 1;
    w->st.finished++;
    tcp_stop_timers(p);
    sim_cancel(w->s, &c->app_ev);
    sim_cancel(w->s, &c->host_ev);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->live = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->nlive--;
    /* The caller may still be inside this connection's code: it is reused
     * only from the top level, once no event refers to it (bury). */
    c->next = w->graveyard;
    w->graveyard = c;
}

void world__maybe_finish(world *w, conn *c)
{
    maybe_finish(w, c);
}

static int conn_quiet(const conn *c)
{
    if (sim_event_pending(&c->app_ev) || sim_event_pending(&c->local_app_ev) ||
        sim_event_pending(&c->handoff_ev) || sim_event_pending(&c->host_ev) ||
        sim_event_pending(&c->offload_ev) || c->inflight > 0)
        return 0;
    for (int i = 0; i < TT_N; i++)
        if (sim_event_pending(&c->local.timer[i]) || sim_event_pending(&c->peer.timer[i]))
            return 0;
    return 1;
}

/* Move finished connections that nothing refers to any more to the free list. */
static void bury(world *w)
{
    conn **pp = &w->graveyard;

    while (*pp != NULL) {
        conn *c = *pp;

        if (conn_quiet(c)) {
            *pp = c->next;
            c->next = w->free;
            w->free = c;
        } else {
            pp = &c->next;
        }
    }
}

conn *world__conn_new(world *w, uint32_t id)
{
    const model_config *cfg = w->cfg;
    uint64_t seed = cfg->sim.seed;
    conn *c = conn_alloc(w);
    const peer_params *p;
    rng_stream r;
    double u;
    unsigned k = 0;
    sim_time delay;
    uint32_t iss_local, iss_peer;

    memset(c, 0, sizeof *c);
    c->w = w;
    c->id = id;
    rng_init(&r, seed, id, RNG_PEER_CLASS);
    u = rng_uniform(&r);
    while (k + 1 < cfg->npeers && u > w->share_cum[k])
        k++;
    c->klass = (uint16_t)k;
    p = &cfg->peers[k];

    rng_init(&r, seed, id, RNG_PATH_DELAY);
    delay = dist_sample_time(&p->delay, &r);
    c->to_peer.link = &w->links[2 * k];
    c->to_local.link = &w->links[2 * k + 1];
    c->to_peer.delay = c->to_local.delay = delay;
    c->to_peer.loss = c->to_local.loss = p->loss;
    c->to_peer.jitter = c->to_local.jitter =
        p->jitter.kind == DIST_CONST && p->jitter.a == 0 ? NULL : &p->jitter;
    rng_init(&c->to_peer.loss_rng, seed, id, RNG_LOSS_TO_PEER);
    rng_init(&c->to_local.loss_rng, seed, id, RNG_LOSS_TO_HOST);
    rng_init(&c->to_peer.jitter_rng, seed, id, RNG_JITTER_TO_PEER);
    rng_init(&c->to_local.jitter_rng, seed, id, RNG_JITTER_TO_HOST);
    rng_init(&c->ack_local_rng, seed, id, RNG_ACK_LOCAL);
    rng_init(&c->ack_peer_rng, seed, id, RNG_ACK_PEER);
    rng_init(&c->close_rng, seed, id, RNG_CLOSE);
    rng_init(&c->offload_rng, seed, id, RNG_OFFLOAD);
    rng_init(&c->upload_rng, seed, id, RNG_UPLOAD);
    rng_init(&r, seed, id, RNG_ISS);
    iss_local = (uint32_t)rng_u64(&r);
    iss_peer = (uint32_t)rng_u64(&r);

    c->t_open = sim_now(w->s);
    c->t_close = c->t_fin_wait_1 = c->t_fin_wait_2 = SIM_NEVER;
    c->t_time_wait = c->t_closed = c->t_released = c->t_peer_closed = SIM_NEVER;
    c->app_fin_at = SIM_NEVER;
    c->owner = OWNER_HOST;
    c->close_reason = CR_OPEN;
    c->peer_outcome = PO_OPEN;
    sim_event_init(&c->app_ev, peer_app, c);
    sim_event_init(&c->local_app_ev, local_app, c);
    host_conn_init(w, c);

    tcp_init(&c->local, w->s, &w->host_tcp, &host_tcp_ops, c, iss_local, &c->ack_local_rng);
    tcp_init(&c->peer, w->s, &w->peer_tcp[k], &world__peer_ops, c, iss_peer, &c->ack_peer_rng);

    c->prev = NULL;
    c->next = w->live;
    if (w->live)
        w->live->prev = c;
    w->live = c;
    w->nlive++;
    w->st.opened++;
    return c;
}

static void conn_open(world *w, uint32_t id)
{
    conn *c = world__conn_new(w, id);

    tcp_listen(&c->local);
    tcp_connect(&c->peer);
}

static void arrival(sim *s, sim_event *ev)
{
    world *w = ev->ctx;
    sim_time next;

    bury(w);
    w->open_conn(w, (uint32_t)w->st.opened + 1);
    if (w->st.opened >= w->cfg->workload.connections)
        return;
    next = sim_now(s) + dist_sample_time(&w->cfg->workload.interarrival, &w->arrival_rng);
    if (next <= w->cfg->sim.duration)
        sim_schedule(s, ev, next);
}

/* ---- building --------------------------------------------------------- */

static void tcp_cfg_from(tcp_cfg *tc, const model_config *cfg, const dist *ack_delay,
                         sim_time granularity)
{
    const host_params *h = &cfg->host;

    tc->mss = (uint32_t)h->mss;
    tc->window = (uint32_t)h->window;
    tc->rto_initial = h->rto_initial;
    tc->rto_min = h->rto_min;
    tc->rto_max = h->rto_max;
    tc->granularity = granularity;
    tc->max_retries = (uint32_t)h->max_retries;
    tc->time_wait = h->time_wait;
    tc->ack_delay = ack_delay;
    tc->acceptable_exact = cfg->tcp.acceptable == ACCEPTABLE_EXACT;
}

int world__alloc(const model_config *cfg, sim *s, trace_buf *trace, world **out)
{
    world *w = calloc(1, sizeof *w);
    double total = 0, acc = 0;

    *out = NULL;
    if (w == NULL)
        return SIM_ENOMEM;
    w->s = s;
    w->cfg = cfg;
    w->trace = trace;
    w->socks = &native_socks;
    w->open_conn = conn_open;
    w->peer_tcp = calloc(cfg->npeers, sizeof *w->peer_tcp);
    w->links = calloc(2 * cfg->npeers, sizeof *w->links);
    w->share_cum = calloc(cfg->npeers, sizeof *w->share_cum);
    if (w->peer_tcp == NULL || w->links == NULL || w->share_cum == NULL) {
        world_destroy(w);
        return SIM_ENOMEM;
    }
    tick_clock_init(&w->fw2.clock, cfg->nic.ticks_per_second, cfg->nic.tick_mode);
    w->fw2.timeout = cfg->nic.fin_wait_2_timeout;
    w->fw2.on_unset = cfg->nic.on_unset_delta;
    w->fw2.expired_delta = cfg->nic.expired_delta;
    w->host_delack = (dist){DIST_CONST, (double)cfg->host.delack, 0};
    tcp_cfg_from(&w->host_tcp, cfg, &w->host_delack, SIM_MS);
    /* The target shares the host's delayed-ACK setting; its clock is the tick. */
    tcp_cfg_from(&w->nic_tcp, cfg, &w->host_delack, w->fw2.clock.tick);
    for (size_t k = 0; k < cfg->npeers; k++) {
        tcp_cfg_from(&w->peer_tcp[k], cfg, &cfg->peers[k].ack_delay, SIM_MS);
        w->links[2 * k].bandwidth_bps = cfg->peers[k].bandwidth_bps;
        w->links[2 * k + 1].bandwidth_bps = cfg->peers[k].bandwidth_bps;
        total += cfg->peers[k].share;
    }
    for (size_t k = 0; k < cfg->npeers; k++) {
        acc += cfg->peers[k].share;
        w->share_cum[k] = acc / total;
    }
    flight_pool_init(&w->flights, deliver_flight);
    rng_init(&w->arrival_rng, cfg->sim.seed, 0, RNG_ARRIVAL);
    sim_event_init(&w->arrival_ev, arrival, w);
    sim_event_init(&w->sample_ev, sample, w);
    sim_schedule(s, &w->sample_ev, 0);
    *out = w;
    return SIM_OK;
}

/* The first arrival (the next ones are drawn as each comes). */
void world__first_arrival(world *w)
{
    const model_config *cfg = w->cfg;

    if (cfg->workload.connections > 0)
        sim_schedule(w->s, &w->arrival_ev,
                     dist_sample_time(&cfg->workload.interarrival, &w->arrival_rng));
    if (w->arrival_ev.at > cfg->sim.duration)
        sim_cancel(w->s, &w->arrival_ev);
}

int world_create(const model_config *cfg, sim *s, trace_buf *trace, world **out)
{
    int rc = world__alloc(cfg, s, trace, out);

    if (rc == SIM_OK)
        world__first_arrival(*out);
    return rc;
}

void world_end(world *w)
{
    /* A last sample at the end of the run, unless one was just taken. */
    if (w->nsamples == 0 || w->samples[w->nsamples - 1].t != sim_now(w->s))
        push_sample(w);
    integrate(w);
    for (conn *c = w->live; c != NULL; c = c->next)
        record(w, c);
}

void world_destroy(world *w)
{
    if (w == NULL)
        return;
    slabs_free(w->slabs, w->nslabs);
    flight_pool_fini(&w->flights);
    free(w->peer_tcp);
    free(w->links);
    free(w->share_cum);
    free(w->records);
    free(w->samples);
    free(w->lat_ns);
    free(w);
}

const char *world_peer_name(const world *w, unsigned klass)
{
    return klass < w->cfg->npeers ? w->cfg->peers[klass].name : "?";
}

static int cmp_abs(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    x = x < 0 ? -(x + 1) : x;
    y = y < 0 ? -(y + 1) : y;
    return (x > y) - (x < y);
}

int world_quantile(world *w, double q, sim_time *value, int *lower_bound)
{
    size_t idx;
    int64_t v;
    double rank;

    if (w->nlat == 0)
        return 0;
    if (!w->lat_sorted) {
        qsort(w->lat_ns, w->nlat, sizeof *w->lat_ns, cmp_abs);
        w->lat_sorted = 1;
    }
    /* Nearest rank: the smallest value with at least q of the sample at or below it. */
    rank = ceil(q * (double)w->nlat);
    idx = rank < 1 ? 0 : (size_t)rank - 1;
    if (idx >= w->nlat)
        idx = w->nlat - 1;
    v = w->lat_ns[idx];
    *value = v < 0 ? -(v + 1) : v;
    *lower_bound = 0;
    for (size_t i = 0; i <= idx; i++)
        if (w->lat_ns[i] < 0) {
            *lower_bound = 1;
            break;
        }
    return 1;
}

void world_latency_counts(const world *w, size_t *n, size_t *censored)
{
    size_t k = 0;

    for (size_t i = 0; i < w->nlat; i++)
        k += w->lat_ns[i] < 0;
    *n = w->nlat;
    *censored = k;
}
