/*
 * world.c - the world: building it, connection arrivals, and a
 * connection's life from opening to burial (world_int.h has the map of
 * sim/workload/).
 *
 * The workload (DESIGN.md): connection k opens at the k-th arrival, drawn
 * from [workload] interarrival; its peer class is drawn by share.  Every
 * random quantity comes from a stream of its own, named by (run seed,
 * connection, purpose), so that no parameter shifts the draws of another
 * (common random numbers).
 *
 * A connection leaves the world (world__maybe_finish) once both sides are
 * done: its conn row is recorded, and it is marked finished and joins the
 * graveyard.  It is reused only once no event refers to it any more (bury,
 * from the top level).  No list holds the live connections: they are the
 * places in the slabs not finished (world__live_from), which the end of the
 * run and the invariant checker read, and a connection that finishes
 * touches no other (a doubly linked live list did: two lines of other,
 * often long idle, connections at every close).
 */
#include "world_int.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/invariant.h"
#include "engine/slab.h"

/* Connections are allocated in slabs of 256 KiB less malloc's own header:
 * an allocation that large is mapped in whole pages, and a slab of a fixed
 * count of connections would leave the last page part empty (256 of 584
 * bytes took 37 pages, 592 bytes each). */
#define CONN_SLAB_BYTES ((size_t)256 * 1024 - 64)

/* The size world_int.h states (on LP64: 8-byte pointers and times). */
_Static_assert(sizeof(void *) != 8 || sizeof(conn) == 424, "world_int.h: a conn is 424 bytes");
/* The conn's bits hold every value. */
_Static_assert(CR_RETRIES < 8 && PO_RESET < 4 && OWNER_UPLOADING < 4, "a conn's bits are too few");

/* ---- offsim's own TCP under the applications -------------------------- */

static void native_send(conn *c, int side, uint32_t bytes)
{
    tcp_send(conn_tcb(c, side), bytes);
}

static void native_close(conn *c, int side, int full)
{
    tcp_close(conn_tcb(c, side), full);
}

static void native_abort(conn *c, int side)
{
    tcp_abort(conn_tcb(c, side));
}

static void native_keepalive(conn *c, int side)
{
    tcp_keepalive(conn_tcb(c, side));
}

static const world_socks native_socks = {native_send, native_close, native_abort,
                                         native_keepalive, NULL, NULL, NULL};

/* ---- connections ------------------------------------------------------ */

static int conn_quiet(const conn *c);

/* Under the checker, an event of a freed connection fired. */
static void freed_fired(sim *s, const conn *c, const char *which)
{
    inv_fail(sim_now(s), c->peer.id, "freed connection",
             "its %s event fired after the connection was freed", which);
}

#define FREED(name, member, which)                              \
    static void name(sim *s, sim_event *ev)                     \
    {                                                           \
        freed_fired(s, SIM_CONTAINER(ev, conn, member), which); \
    }
FREED(freed_app, app_ev, "peer application")
FREED(freed_local_app, local_app_ev, "local application")
FREED(freed_rexmt, peer.timer[TT_REXMT], "peer's retransmit timer")
FREED(freed_delack, peer.timer[TT_DELACK], "peer's delayed-ACK timer")
FREED(freed_2msl, peer.timer[TT_2MSL], "peer's 2MSL timer")
#undef FREED

/*
 * A quiet connection goes to the free list.  Under the checker it is
 * marked and every event it embeds is bound to freed_fired, so that one
 * armed by mistake aborts when it fires, or when the memory is reused.
 */
static void conn_free(world *w, conn *c)
{
    tcp_release(&c->peer);
    host_conn_free(&c->local);
    if (inv_on()) {
        c->freed = 1;
        sim_event_init(&c->app_ev, freed_app);
        sim_event_init(&c->local_app_ev, freed_local_app);
        sim_event_init(&c->peer.timer[TT_REXMT], freed_rexmt);
        sim_event_init(&c->peer.timer[TT_DELACK], freed_delack);
        sim_event_init(&c->peer.timer[TT_2MSL], freed_2msl);
    }
    c->next = w->free;
    w->free = c;
}

/* A connection from the free list. */
static conn *conn_alloc(world *w)
{
    conn *c;

    if (w->free == NULL) {
        size_t n = w->slab_n;
        char *slab = slab_add(&w->slabs, &w->nslabs, &w->slab_cap, n * w->conn_size);

        if (slab == NULL)
            return NULL;
        for (size_t k = n; k-- > 0;) {
            c = (conn *)(void *)(slab + k * w->conn_size);
            c->freed = 0;    /* never used, */
            c->finished = 1; /* so not live */
            c->next = w->free;
            w->free = c;
        }
    }
    c = w->free;
    w->free = c->next;
    if (inv_on() && c->freed && !conn_quiet(c))
        inv_fail(sim_now(w->s), c->peer.id, "freed connection",
                 "an event was armed for the connection after it was freed (its memory is "
                 "about to be reused)");
    return c;
}

/* A connection whose both sides are done leaves the world. */
void world__maybe_finish(conn *c)
{
    world *w = CONN_WORLD(c);
    tcp_tcb *p = &c->peer;
    tcp_tcb *l = host_conn_tcb(&c->local);

    /* Every SYN was lost and the peer gave up: our side never opened
     * (close_reason 'retries', see local.c). */
    if (!host_conn_released(&c->local) && l->state == TCP_S_LISTEN && p->state == TCP_S_CLOSED &&
        c->inflight == 0) {
        tcp_set_state(l, TCP_S_CLOSED, TCP_E_ABORT);
        if (host_conn_released(&c->local))
            return; /* the state change released it and called us again */
    }
    /* Another TCP's peer socket may still be at work (a FIN, an RST coming):
     * its endpoint settles in CLOSED, or in CLOSE_WAIT for a peer that waits. */
    if (w->socks->peer_active != NULL && w->socks->peer_active(c) && p->state != TCP_S_CLOSED &&
        !(p->state == TCP_S_CLOSE_WAIT && !sim_event_pending(&c->app_ev)))
        return;
    /* Most calls end here, on the local endpoint's flags; `finished` is
     * looked at last (a line of the connection nothing else reads then).
     * (A finished one may also stop at held, which is then its next.) */
    if (!host_conn_released(&c->local) || c->inflight > 0 || c->held != NULL ||
        sim_event_pending(&c->local_app_ev) || !host_conn_settled(&c->local) || c->finished)
        return;
    /* Released means CLOSED: nothing leaves the world in FIN_WAIT_2 but at
     * the end of the run (world_end). */
    if (inv_on() && l->state != TCP_S_CLOSED)
        inv_fail(sim_now(w->s), c->peer.id,
                 l->state == TCP_S_FIN_WAIT_2 ? "FIN_WAIT_2 exit" : "ownership",
                 "the connection leaves the model with its local endpoint released in %s "
                 "(owner %s)",
                 tcp_state_name[l->state], owner_name[host_conn_owner(&c->local)]);
    if (p->state != TCP_S_CLOSED) {
        /* A peer that will never act again (e.g. `never` in CLOSE_WAIT). */
        for (int i = 0; i < TT_N; i++)
            if (sim_event_pending(&p->timer[i]))
                return;
        if (sim_event_pending(&c->app_ev))
            return;
    }
    world__record(w, c);
    c->finished = 1;
    w->st.finished++;
    tcp_stop_timers(p);
    sim_cancel(w->s, &c->app_ev);
    host_conn_finish(&c->local);
    w->nlive--;
    /* The caller may still be inside this connection's code: it is reused
     * only from the top level, once no event refers to it (bury).  Nothing
     * held is left (inflight counts held segments): next takes its place. */
    c->next = w->graveyard;
    w->graveyard = c;
}

static int conn_quiet(const conn *c)
{
    if (sim_event_pending(&c->app_ev) || sim_event_pending(&c->local_app_ev) ||
        !host_conn_quiet(&c->local) || c->inflight > 0)
        return 0;
    for (int i = 0; i < TT_N; i++)
        if (sim_event_pending(&c->peer.timer[i]))
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
            conn_free(w, c);
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
    uint32_t iss_local, iss_peer;

    if (c == NULL) {
        world__oom(w);
        return NULL;
    }
    memset(c, 0, w->conn_size);
    rng_init(&r, seed, id, WORLD_RNG_PEER_CLASS);
    u = rng_uniform(&r);
    while (k + 1 < cfg->npeers && u > w->share_cum[k])
        k++;
    c->klass = (uint16_t)k;
    p = &cfg->peers[k];

    rng_init(&r, seed, id, WORLD_RNG_PATH_DELAY);
    c->delay = dist_sample_time(&p->delay, &r);
    rng_init(&r, seed, id, WORLD_RNG_ISS);
    iss_local = (uint32_t)rng_u64(&r);
    iss_peer = (uint32_t)rng_u64(&r);

    c->t_open = sim_now(w->s);
    c->t_close = c->t_end = SIM_NEVER;
    if (w->rows_off) {
        conn_times *ct = conn_times_of(w, c);

        ct->t_established = ct->t_fin_wait_1 = ct->t_fin_wait_2 = SIM_NEVER;
        ct->t_time_wait = ct->t_closed = ct->t_released = ct->t_peer_closed = SIM_NEVER;
    }
    c->app_at = SIM_NEVER;
    c->close_reason = CR_OPEN;
    c->peer_outcome = PO_OPEN;
    sim_event_init(&c->app_ev, world__peer_app);
    sim_event_init(&c->local_app_ev, world__local_app);
    host_conn_init(w->host, &c->local, id, iss_local);
    tcp_init(&c->peer, &w->peer_tcp[k], iss_peer);
    c->peer.id = id;

    w->nlive++;
    w->st.opened++;
    return c;
}

static void conn_open(world *w, uint32_t id)
{
    conn *c = world__conn_new(w, id);

    if (c == NULL)
        return;
    tcp_listen(host_conn_tcb(&c->local));
    tcp_connect(&c->peer);
}

static void arrival(sim *s, sim_event *ev)
{
    world *w = SIM_CONTAINER(ev, world, arrival_ev);
    sim_time next;

    bury(w);
    w->open_conn(w, (uint32_t)w->st.opened + 1);
    if (w->cfg->sim.window.kind == WINDOW_ARRIVALS)
        world__window_mark(w);
    if (w->st.opened >= w->cfg->workload.connections)
        return;
    next = sim_now(s) + dist_sample_time(&w->cfg->workload.interarrival, &w->arrival_rng);
    if (next <= w->cfg->sim.duration)
        sim_schedule(s, ev, next);
}

/* ---- building --------------------------------------------------------- */

static size_t align_up(size_t n)
{
    size_t a = alignof(max_align_t);

    return (n + a - 1) / a * a;
}

int world__alloc(const model_config *cfg, sim *s, trace_buf *trace, const world_socks *socks,
                 world_open_fn *open, size_t ext_size, world **out)
{
    world *w = calloc(1, sizeof *w);
    double total = 0, acc = 0;
    int rc;

    *out = NULL;
    if (w == NULL)
        return SIM_ENOMEM;
    w->s = s;
    w->cfg = cfg;
    w->trace = trace;
    w->socks = socks != NULL ? socks : &native_socks;
    w->open_conn = open != NULL ? open : conn_open;
    /* The conn, then its row's times when rows are written, then the
     * extension's state, aligned for anything (which the conn then is). */
    w->conn_size = sizeof(conn);
    if (cfg->sim.log >= LOG_CONN) {
        w->rows_off = w->conn_size;
        w->conn_size += sizeof(conn_times);
    }
    if (ext_size > 0) {
        w->ext_off = align_up(w->conn_size);
        w->conn_size = w->ext_off + align_up(ext_size);
    }
    w->slab_n = CONN_SLAB_BYTES > w->conn_size ? CONN_SLAB_BYTES / w->conn_size : 1;
    w->peer_tcp = calloc(cfg->npeers, sizeof *w->peer_tcp);
    w->paths = calloc(2 * cfg->npeers, sizeof *w->paths);
    w->share_cum = calloc(cfg->npeers, sizeof *w->share_cum);
    if (w->peer_tcp == NULL || w->paths == NULL || w->share_cum == NULL) {
        world_destroy(w);
        return SIM_ENOMEM;
    }
    rc = nic_create(&cfg->nic, s, trace, &w->nic);
    if (rc == SIM_OK)
        rc = host_create(&cfg->host, &cfg->offload, &cfg->tcp, w->nic, s, trace,
                         &world__host_ops, &w->host);
    if (rc != SIM_OK) {
        world_destroy(w);
        return rc;
    }
    world__window_init(w);
    tcp_pool_init(&w->ooo);
    host_set_streams(w->host, cfg->sim.seed, WORLD_RNG_ACK_LOCAL, WORLD_RNG_OFFLOAD,
                     WORLD_RNG_UPLOAD, &w->ooo);
    for (size_t k = 0; k < cfg->npeers; k++) {
        tcp_cfg *tc = &w->peer_tcp[k];

        host_tcp_cfg(tc, &cfg->host, &cfg->tcp, &cfg->peers[k].ack_delay, SIM_MS);
        tc->ops = &world__peer_ops;
        tc->owner = w;
        tc->ctx_off = -(ptrdiff_t)offsetof(conn, peer);
        tc->s = s;
        tc->seed = cfg->sim.seed;
        tc->ack_purpose = WORLD_RNG_ACK_PEER;
        tc->pool = &w->ooo;
        for (int d = 0; d < 2; d++) {
            const peer_params *p = &cfg->peers[k];
            path_class *pc = &w->paths[2 * k + d];

            path_class_rate(pc, p->bandwidth_bps);
            pc->loss = p->loss;
            pc->jitter = p->jitter.kind == DIST_CONST && p->jitter.a == 0 ? NULL : &p->jitter;
            pc->seed = cfg->sim.seed;
            pc->loss_purpose = d ? WORLD_RNG_LOSS_TO_HOST : WORLD_RNG_LOSS_TO_PEER;
            pc->jitter_purpose = d ? WORLD_RNG_JITTER_TO_HOST : WORLD_RNG_JITTER_TO_PEER;
        }
        total += cfg->peers[k].share;
    }
    if (cfg->link.server_bandwidth_bps > 0) {
        w->server[0].bandwidth_bps = w->server[1].bandwidth_bps = cfg->link.server_bandwidth_bps;
        w->server_out = &w->server[0];
        w->server_in = &w->server[1];
    }
    for (size_t k = 0; k < cfg->npeers; k++) {
        acc += cfg->peers[k].share;
        w->share_cum[k] = acc / total;
    }
    flight_pool_init(&w->flights, world__deliver_flight);
    rng_init(&w->arrival_rng, cfg->sim.seed, 0, WORLD_RNG_ARRIVAL);
    sim_event_init(&w->arrival_ev, arrival);
    sim_event_init(&w->sample_ev, world__sample);
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
    if (sim_deadline(w->s, &w->arrival_ev) > cfg->sim.duration)
        sim_cancel(w->s, &w->arrival_ev);
}

int world_create(const model_config *cfg, sim *s, trace_buf *trace, world **out)
{
    int rc = world__alloc(cfg, s, trace, NULL, NULL, 0, out);

    if (rc == SIM_OK)
        world__first_arrival(*out);
    return rc;
}

void world_destroy(world *w)
{
    if (w == NULL)
        return;
    slabs_free(w->slabs, w->nslabs);
    flight_pool_fini(&w->flights);
    tcp_pool_fini(&w->ooo);
    host_destroy(w->host);
    nic_destroy(w->nic);
    free(w->peer_tcp);
    free(w->paths);
    free(w->share_cum);
    free(w->records);
    free(w->samples);
    free(w);
}

/* ---- accessors ---------------------------------------------------------- */

void world_set_tap(world *w, world_tap_fn *fn, void *arg)
{
    w->tap = fn;
    w->tap_arg = arg;
}

/* Each connection has its own queue; the class counts them together. */
void world_path_stats(const world *w, unsigned klass, net_link_stats *to_peer,
                      net_link_stats *to_host)
{
    SIM_ASSERT(klass < w->cfg->npeers, "peer class %u of %zu", klass, w->cfg->npeers);
    *to_peer = w->paths[2 * klass].st;
    *to_host = w->paths[2 * klass + 1].st;
}

int world_server_link_stats(const world *w, net_link_stats *to_peer, net_link_stats *to_host)
{
    *to_peer = w->server[0].st;
    *to_host = w->server[1].st;
    return w->server_out != NULL;
}

const char *world_peer_name(const world *w, unsigned klass)
{
    return klass < w->cfg->npeers ? w->cfg->peers[klass].name : "?";
}

conn *world__live_from(world *w, size_t *k)
{
    for (size_t end = w->nslabs * w->slab_n; *k < end; ++*k) {
        conn *c = world__conn_at(w, *k);

        if (!c->finished) {
            ++*k;
            return c;
        }
    }
    return NULL;
}

conn *world__live(world *w)
{
    size_t k = 0;

    return world__live_from(w, &k);
}

host *world__host(world *w)
{
    return w->host;
}

uint32_t conn_id(const conn *c)
{
    return c->peer.id;
}

unsigned conn_class(const conn *c)
{
    return c->klass;
}

int conn_finished(const conn *c)
{
    return c->finished;
}

tcp_tcb *conn_tcb(conn *c, int side)
{
    return side ? &c->peer : host_conn_tcb(&c->local);
}

host_conn *conn_local(conn *c)
{
    return &c->local;
}

world *conn_world(conn *c)
{
    return CONN_WORLD(c);
}

void *conn_ext(conn *c)
{
    return CONN_WORLD(c)->ext_off ? (char *)c + CONN_WORLD(c)->ext_off : NULL;
}
