/*
 * world_ns3.c - the workload and the offload model on ns-3's TCP.
 *
 * ns-3's TCP carries the traffic: the peers and the server are ns-3
 * sockets on ns-3 nodes, over point-to-point links.  offsim's model sits
 * around the server's sockets, unchanged: each connection keeps its two
 * tcp_tcb, now mirrors that follow the ns-3 sockets' states, and the
 * host (host/host.c) and offload target (offload/nic.c) hooks run on the
 * mirrors exactly as natively: ownership and handoffs, the TimeoutDelta
 * they carry, the target's FIN_WAIT_2 timer in the mirror's retransmit slot
 * (R13-R20) restarted by acceptable segments (the ns-3 socket reports each
 * segment before processing it), the host's timer, indications.  When a
 * FIN_WAIT_2 timer expires the ns-3 socket really goes CLOSED and releases
 * its endpoint (ns3c_sock_force_closed), so a peer FIN that comes later
 * meets ns-3's RST for a connection that does not exist.
 *
 * The applications (sim/workload/) act through world_socks (world_ext.h):
 * sends, closes and aborts go to the ns-3 sockets.  What the adapter keeps
 * per connection (its sockets, and what happened during a handoff) is its
 * own: an ns3_conn in the room the world keeps for it (conn_ext).  Arrivals, peer classes and
 * close delays come from offsim's own streams, so both engines see the same
 * draws; losses are ns-3's (RateErrorModel).
 *
 * What the mirror does not know, ns-3 does: retransmissions, RTT, windows
 * and congestion control belong to ns-3's TcpSocketBase (NewReno, fast
 * retransmit off to match offsim's TCP).  Segments arriving during a
 * handoff are processed by ns-3 at once; the model sees their effect (the
 * state, the last acceptable segment) when the handoff completes, as the
 * receiver processes held segments natively (ns3_drain).
 */
#include "world_ns3.h"

#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "mirror.h"
#include "ns3c/ns3c.h"
#include "workload/world_ext.h"

#define SERVER_PORT 80

/* One ns-3 world per process: ns-3's simulator is a singleton. */
static struct {
    ns3c_node *server;
    ns3c_node **peer_node;   /* per class */
    uint32_t *server_addr;   /* per class: the server's address on that link */
    conn ***by_port;         /* per class, 65536: the connection a peer port serves */
    ns3c_sock *listener;
} g;

enum { QUIET_LOCAL = 1, PEER_ABORTED = 2, RST_LOCAL = 4, RST_PEER = 8 };
enum { HELD_STATE = 1, HELD_SEG = 2 };

/*
 * A connection's ns-3 side.  The tcbs of the connection (conn_tcb) mirror
 * the sockets' states for the model (the offload target's timers live in
 * the local mirror's slots); `quiet` hides state changes the model made
 * itself.
 */
typedef struct ns3_conn {
    ns3c_sock *sock_local, *sock_peer;
    uint8_t quiet;           /* QUIET_LOCAL, PEER_ABORTED, RST_LOCAL, RST_PEER */
    uint8_t held;            /* during a handoff: HELD_STATE, HELD_SEG */
    uint8_t state;           /* the local socket's state then */
    seg seg;                 /* its last acceptable segment then */
} ns3_conn;

static ns3_conn *ext(conn *c)
{
    return conn_ext(c);
}

/* ---- the ns-3 sockets under the applications ------------------------- */

static ns3c_sock *sock_of(conn *c, int side)
{
    return side ? ext(c)->sock_peer : ext(c)->sock_local;
}

static void ns3_send(conn *c, int side, uint32_t bytes)
{
    if (sock_of(c, side) != NULL)
        ns3c_sock_send(sock_of(c, side), bytes);
}

static void ns3_close(conn *c, int side, int full)
{
    tcp_tcb *t = conn_tcb(c, side);

    t->fin_queued = 1;
    t->full_close = full != 0;
    if (sock_of(c, side) == NULL)
        return;
    if (full)
        ns3c_sock_close(sock_of(c, side));
    else
        ns3c_sock_shutdown(sock_of(c, side));
}

static void ns3_abort(conn *c, int side)
{
    if (side)
        ext(c)->quiet |= PEER_ABORTED;
    if (sock_of(c, side) != NULL)
        ns3c_sock_reset(sock_of(c, side));
}

static void ns3_keepalive(conn *c, int side)
{
    (void)c;
    (void)side;
    SIM_ASSERT(0, "keep-alive probes are refused on ns-3 by world_ns3_check");
}

/* The model closed the local side (FIN_WAIT_2 expiry): so does ns-3, silently. */
static void ns3_closed(conn *c)
{
    ns3_conn *x = ext(c);

    if (x->sock_local != NULL && ns3c_sock_state(x->sock_local) != TCP_S_CLOSED) {
        x->quiet |= QUIET_LOCAL;
        ns3c_sock_force_closed(x->sock_local);
        x->quiet &= ~QUIET_LOCAL;
    }
}

static void mirror(conn *c, int side, tcp_state to);

/*
 * A handoff completed.  ns-3 processed the segments that came meanwhile at
 * once; the model sees them now, as natively it processes the held ones
 * (R43/R54, R59): the last acceptable segment for the new holder's hook
 * (a restart reloads the full value, A4, so one stands for all), then the
 * socket's state.
 */
static void ns3_drain(conn *c)
{
    ns3_conn *x = ext(c);
    tcp_tcb *t = conn_tcb(c, 0);

    int seg_seen = (x->held & HELD_SEG) && tcp_synchronized(t->state);

    if (seg_seen)
        t->cfg->ops->segment(t, &x->seg, 1);
    if (x->held & HELD_STATE) {
        x->held = 0;
        mirror(c, 0, (tcp_state)x->state);
    }
    x->held = 0;
    if (seg_seen && t->cfg->ops->segment_done != NULL)
        t->cfg->ops->segment_done(t);
}

/* ns-3's peer socket acts on its own: the connection waits for its mirror. */
static int ns3_peer_active(const conn *c)
{
    return ext((conn *)c)->sock_peer != NULL;
}

static const world_socks ns3_socks = {ns3_send,   ns3_close, ns3_abort,      ns3_keepalive,
                                      ns3_closed, ns3_drain, ns3_peer_active};

/* ---- mirrors ------------------------------------------------------------ */

/* Bring a mirror to an ns-3 socket's new state, through offsim's table. */
static void mirror(conn *c, int side, tcp_state to)
{
    tcp_tcb *t = conn_tcb(c, side);

    while (t->state != to) {
        tcp_state next;
        uint8_t quiet = ext(c)->quiet;
        tcp_event why = (quiet & (side ? RST_PEER : RST_LOCAL)) ? TCP_E_RCV_RST
                        : side && (quiet & PEER_ABORTED)        ? TCP_E_ABORT
                                                                : TCP_E_RETRIES;
        tcp_event e = ns3c_mirror_step(t->state, to, why, &next);

        if (e == TCP_E_N)
            return; /* the mirror went its own way (the model closed it) */
        if (e == TCP_E_RCV_FIN)
            t->rcv_fin = 1;
        tcp_set_state(t, next, e);
        if (e == TCP_E_RCV_FIN)
            t->cfg->ops->deliver(t, 0, 1);
    }
}

static void on_state(void *ctx, ns3c_sock *s, int old, int now)
{
    conn *c = ctx;
    ns3_conn *x;
    int side;

    (void)old;
    if (c == NULL || conn_finished(c))
        return;
    x = ext(c);
    side = s == x->sock_peer;
    if (!side && (x->quiet & QUIET_LOCAL))
        return;
    if (!side && world__holding(c)) {
        x->held |= HELD_STATE; /* the receiver sees it (ns3_drain) */
        x->state = (uint8_t)now;
        return;
    }
    mirror(c, side, (tcp_state)now);
    if (side && now == TCP_S_CLOSED)
        world__maybe_finish(c);
}

static void on_segment(void *ctx, ns3c_sock *s, uint32_t seq, uint32_t len, uint8_t flags,
                       uint32_t rcv_nxt, uint32_t rcv_wnd)
{
    conn *c = ctx;
    seg sg = {seq, 0, len, 0, flags};
    ns3_conn *x;
    int side;
    tcp_tcb *t;

    if (c == NULL || conn_finished(c))
        return;
    x = ext(c);
    side = s == x->sock_peer;
    t = conn_tcb(c, side);
    if ((flags & SEG_RST) && seq == rcv_nxt)
        x->quiet |= side ? RST_PEER : RST_LOCAL;
    if (!side && world__holding(c)) {
        if (tcp_acceptable(&sg, rcv_nxt, rcv_wnd, 0, NULL)) {
            x->held |= HELD_SEG; /* for the receiver (ns3_drain) */
            x->seg = sg;
        }
        return;
    }
    /* A retransmitted FIN in TIME_WAIT restarts it (RFC 9293), as natively. */
    if (t->state == TCP_S_TIME_WAIT && (flags & SEG_FIN)) {
        tcp_time_wait_restart(t);
        return;
    }
    /* The holder's hook: R16 restarts, the host's idle timer (A3, A4). */
    if (!side && tcp_synchronized(t->state))
        t->cfg->ops->segment(t, &sg, tcp_acceptable(&sg, rcv_nxt, rcv_wnd, 0, NULL));
}

static void on_recv(void *ctx, ns3c_sock *s, uint32_t bytes)
{
    conn *c = ctx;
    tcp_tcb *t;

    if (c == NULL || conn_finished(c))
        return;
    t = conn_tcb(c, s == ext(c)->sock_peer);
    t->cfg->ops->deliver(t, bytes, 0);
}

static unsigned class_of_addr(uint32_t peer_addr)
{
    /* 10.(k+1).0.2: the second octet names the class. */
    return ((peer_addr >> 16) & 255) - 1;
}

static void on_accept(void *ctx, ns3c_sock *listener, ns3c_sock *s, uint32_t peer_addr,
                      uint16_t peer_port)
{
    unsigned k = class_of_addr(peer_addr);
    conn *c;

    (void)ctx;
    (void)listener;
    c = k < 1024 && g.by_port[k] != NULL ? g.by_port[k][peer_port] : NULL;
    if (c == NULL || conn_finished(c))
        return;
    ext(c)->sock_local = s;
    ns3c_sock_set_ctx(s, c);
    /* ns-3 reports the connection once established. */
    mirror(c, 0, TCP_S_ESTABLISHED);
}

/* ns-3 has processed the segment on_segment reported: the holder's hook
 * (A4: a restart counts if the connection is still in FIN_WAIT_2). */
static void on_segment_done(void *ctx, ns3c_sock *s)
{
    conn *c = ctx;
    tcp_tcb *t;

    if (c == NULL || conn_finished(c) || s == ext(c)->sock_peer || world__holding(c))
        return;
    t = conn_tcb(c, 0);
    if (t->cfg->ops->segment_done != NULL)
        t->cfg->ops->segment_done(t);
}

static const ns3c_sock_ops ops = {on_state, on_segment, on_recv, on_accept, on_segment_done};

static void ns3_conn_open(world *w, uint32_t id)
{
    conn *c = world__conn_new(w, id);
    unsigned k;
    ns3_conn *x;
    uint16_t port;

    if (c == NULL)
        return; /* out of memory: the world reports it */
    k = conn_class(c);
    x = ext(c);
    tcp_listen(conn_tcb(c, 0)); /* the mirror: the listener's part of this connection */
    x->sock_peer = ns3c_sock_create(g.peer_node[k], &ops, c);
    if (ns3c_sock_connect(x->sock_peer, g.server_addr[k], SERVER_PORT, &port) != 0) {
        fprintf(stderr, "offsim: ns-3: connection %u could not connect\n", id);
        return;
    }
    g.by_port[k][port] = c;
}

void world_ns3_fini(void)
{
    ns3c_destroy();
    for (size_t k = 0; g.by_port != NULL && g.by_port[k] != NULL; k++)
        free(g.by_port[k]);
    free(g.by_port);
    free(g.peer_node);
    free(g.server_addr);
    memset(&g, 0, sizeof g);
}

/* ---- checks and building ----------------------------------------------- */

static int is_zero(const dist *d)
{
    return d->kind == DIST_CONST && d->a == 0;
}

int world_ns3_check(const model_config *cfg, const char *path, sim_diag *d)
{
    int bad = 0;

#define REFUSE(...)                                                                       \
    do {                                                                                  \
        diag_add(d, "%s: --engine ns3: " __VA_ARGS__);                                    \
        bad = 1;                                                                          \
    } while (0)

    if (cfg->tcp.acceptable == ACCEPTABLE_EXACT)
        REFUSE("tcp.acceptable = exact: ns-3's TCP accepts in-window segments by the window "
               "test, and the offload model must count the segments that TCP processes", path);
    if (cfg->host.data_after_close == DATA_AFTER_CLOSE_RST)
        REFUSE("host.data_after_close = rst (set by the %s preset): ns-3's TCP accepts data "
               "after close; use host.fw2_policy chimney or none, or data_after_close = accept",
               path, cfg->host.fw2_policy == FW2_POLICY_LINUX          ? "linux"
                     : cfg->host.fw2_policy == FW2_POLICY_FREEBSD     ? "freebsd"
                     : cfg->host.fw2_policy == FW2_POLICY_FREEBSD_FAST ? "freebsd_fast"
                                                                       : "chosen");
    if (cfg->host.fw2_rto_floor > 0)
        REFUSE("host.fw2_rto_floor: the RTO belongs to ns-3's socket, which offsim cannot read",
               path);
    if (cfg->host.fw2_expiry == FW2_EXPIRY_RST)
        REFUSE("host.fw2_expiry = rst: not implemented on ns-3", path);
    if (cfg->host.fw2_linger2 == FW2_LINGER2_RST)
        REFUSE("host.fw2_linger2 = rst: not implemented on ns-3", path);
    if (cfg->host.timer_wheel_hz != 0)
        REFUSE("host.timer_wheel_hz: the host's retransmission and TIME_WAIT timers are ns-3's "
               "socket's, which fire exactly", path);
    if (cfg->tcp.recovery == RECOVERY_GO_BACK_N)
        REFUSE("tcp.recovery = go_back_n: ns-3's TCP recovers with NewReno (TcpNewReno, "
               "TcpClassicRecovery); use tcp.recovery = newreno", path);
    if (cfg->host.rto_max != 60 * SIM_S)
        REFUSE("host.rto_max: ns-3 3.37 has no attribute for it (its bound is 60s)", path);
    for (size_t k = 0; k < cfg->npeers; k++) {
        const peer_params *p = &cfg->peers[k];

        if (p->behaviour == PEER_KEEPALIVE)
            REFUSE("[peer %s] behaviour = keepalive: ns-3 3.37's TCP sends no keep-alive probes",
                   path, p->name);
        if (!is_zero(&p->jitter))
            REFUSE("[peer %s] jitter (or [link] jitter): a point-to-point channel has a fixed "
                   "delay", path, p->name);
        if (p->delay.kind != DIST_CONST)
            REFUSE("[peer %s] delay: a point-to-point channel has one delay; give each class a "
                   "fixed delay", path, p->name);
        if (!is_zero(&p->ack_delay))
            REFUSE("[peer %s] ack_delay: ns-3 sockets share one delayed-ACK setting (host.delack)",
                   path, p->name);
    }
    if (cfg->link.server_bandwidth_bps > 0)
        REFUSE("link.server_bandwidth: the ns-3 topology has no server link (a class's "
               "connections share its point-to-point link there)", path);
    if (cfg->npeers > 250)
        REFUSE("more than 250 peer classes (one link and /24 network each)", path);
#undef REFUSE
    return bad ? SIM_ESCENARIO : SIM_OK;
}

int world_ns3_create(const model_config *cfg, sim *s, trace_buf *trace, world **out)
{
    world *w;
    ns3c_tcp_cfg tc;
    int rc = world__alloc(cfg, s, trace, &ns3_socks, ns3_conn_open, sizeof(ns3_conn), &w);

    *out = NULL;
    if (rc != SIM_OK)
        return rc;

    tc.mss = (uint32_t)cfg->host.mss;
    tc.window = (uint32_t)cfg->host.window;
    tc.initial_cwnd = (uint32_t)cfg->tcp.initial_window;
    tc.rto_initial = cfg->host.rto_initial;
    tc.rto_min = cfg->host.rto_min;
    tc.retries = (uint32_t)cfg->host.max_retries;
    tc.delack = cfg->host.delack;
    tc.time_wait = cfg->host.time_wait;
    ns3c_tcp_defaults(&tc);

    memset(&g, 0, sizeof g);
    g.server = ns3c_node_create();
    g.peer_node = calloc(cfg->npeers, sizeof *g.peer_node);
    g.server_addr = calloc(cfg->npeers, sizeof *g.server_addr);
    g.by_port = calloc(cfg->npeers + 1, sizeof *g.by_port); /* NULL-ended */
    if (g.peer_node == NULL || g.server_addr == NULL || g.by_port == NULL) {
        world_destroy(w);
        return SIM_ENOMEM;
    }
    for (size_t k = 0; k < cfg->npeers; k++) {
        const peer_params *p = &cfg->peers[k];
        ns3c_link_cfg lc = {p->bandwidth_bps, (sim_time)p->delay.a, p->loss,
                            (10u << 24) | ((uint32_t)(k + 1) << 16)};
        uint32_t peer_addr;

        g.peer_node[k] = ns3c_node_create();
        g.by_port[k] = calloc(65536, sizeof **g.by_port);
        if (g.by_port[k] == NULL ||
            ns3c_link(g.server, g.peer_node[k], &lc, &g.server_addr[k], &peer_addr) != 0) {
            world_destroy(w);
            return SIM_ENOMEM;
        }
    }
    ns3c_routes();
    g.listener = ns3c_sock_create(g.server, &ops, NULL);
    if (ns3c_sock_listen(g.listener, SERVER_PORT) != 0) {
        world_destroy(w);
        return SIM_EIO;
    }
    world__first_arrival(w);
    *out = w;
    return SIM_OK;
}
