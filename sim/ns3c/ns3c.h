/*
 * ns3c.h - libns3-c: what offsim needs of ns-3 3.37, for C.
 *
 * A thin C++ shim: ns-3's clock and scheduler (as an offsim engine backend),
 * nodes with the internet stack, point-to-point links with a rate, a delay
 * and a packet loss rate, and TCP sockets that report their state changes
 * and the segments they receive.  No C++ type or exception crosses this
 * header; handles are opaque pointers; errors are negative returns.
 *
 * The sockets are instances of a TcpSocketBase subclass (created with the
 * public setters and registered with TcpL4Protocol::AddSocket; Fork is
 * overridden so accepted sockets are instances too).  Through it C code can
 * do what ns-3 3.37 keeps protected: take a socket to CLOSED at once,
 * releasing its endpoint without a segment (ns3c_sock_force_closed: an
 * offload target's FIN_WAIT_2 expiry, R17/R21), and send an RST
 * (ns3c_sock_reset).  ns-3 itself has no FIN_WAIT_2 timeout: a socket whose
 * peer never sends its FIN stays in FIN_WAIT_2.
 */
#ifndef SIM_NS3C_NS3C_H
#define SIM_NS3C_NS3C_H

#include <stdint.h>

#include "engine/sim.h"
#include "tcp/tcp_fsm.h" /* states are tcp_state values (TCP_S_FIN_WAIT_2, ...) */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the simulator ---------------------------------------------------- */

/*
 * An offsim engine on ns-3's scheduler: sim_schedule and friends put their
 * entries into ns-3's event list, and sim_now() is Simulator::Now().  One
 * per process (ns-3's simulator is a singleton).
 */
int ns3c_sim_create(sim **out);
/* The engine ns3c_sim_create made, or NULL. */
sim *ns3c_sim(void);
/* Simulator::Now(), in ns. */
sim_time ns3c_now(void);
/* Run ns-3's events (and the engine's) due at or before `until`. */
void ns3c_run(sim_time until);
/* Make ns3c_run (or Simulator::Run) return after the current event. */
void ns3c_stop(void);
/* Simulator::Destroy(): everything created here goes. */
void ns3c_destroy(void);
/* Events ns-3 ran in all (its TCP's and offsim's). */
uint64_t ns3c_event_count(void);

/* ---- nodes and links -------------------------------------------------- */

typedef struct ns3c_node ns3c_node;

/* A node with ns-3's internet stack (IPv4, TCP, no traffic-control queues). */
ns3c_node *ns3c_node_create(void);

typedef struct ns3c_link_cfg {
    uint64_t rate_bps;
    sim_time delay;
    double loss;             /* packet loss rate, each direction */
    uint32_t net;            /* the /24 network: a.b.c.0 as an IPv4 number */
} ns3c_link_cfg;

/*
 * A point-to-point link between a and b with .1 for a and .2 for b in
 * cfg->net.  Addresses are IPv4 numbers in host order.  Returns 0 or -1.
 */
int ns3c_link(ns3c_node *a, ns3c_node *b, const ns3c_link_cfg *cfg, uint32_t *addr_a,
              uint32_t *addr_b);

/* Global static routes, once the links are made. */
void ns3c_routes(void);

/* ---- TCP -------------------------------------------------------------- */

/* Defaults for every TCP socket created afterwards (ns-3 attributes). */
typedef struct ns3c_tcp_cfg {
    uint32_t mss;            /* SegmentSize */
    uint32_t window;         /* RcvBufSize: the window advertised */
    uint32_t initial_cwnd;   /* segments */
    sim_time rto_initial;    /* ConnTimeout and RttEstimator InitialEstimation */
    sim_time rto_min;        /* MinRto */
    uint32_t retries;        /* DataRetries and SynRetries */
    sim_time delack;         /* DelAckTimeout; 0: ACK every segment (DelAckCount 1) */
    sim_time time_wait;      /* 2 MSL (MaxSegLifetime = half of it) */
} ns3c_tcp_cfg;

void ns3c_tcp_defaults(const ns3c_tcp_cfg *cfg);

typedef struct ns3c_sock ns3c_sock;

/* What a socket reports, with the context given to it. */
typedef struct ns3c_sock_ops {
    /* The TCP state changed (tcp_fsm.h values, mapped from ns-3's TcpStates_t). */
    void (*state)(void *ctx, ns3c_sock *s, int old_state, int new_state);
    /* A segment arrived, before ns-3 processes it: its fields, and the
     * socket's RCV.NXT and receive window then (0, 0 before synchronisation). */
    void (*segment)(void *ctx, ns3c_sock *s, uint32_t seq, uint32_t len, uint8_t flags,
                    uint32_t rcv_nxt, uint32_t rcv_wnd);
    /* In-order bytes reached the application. */
    void (*recv)(void *ctx, ns3c_sock *s, uint32_t bytes);
    /* A listening socket accepted a connection: the new socket, which
     * reports to the same ops with the context the callee sets. */
    void (*accept)(void *ctx, ns3c_sock *listener, ns3c_sock *s, uint32_t peer_addr,
                   uint16_t peer_port);
    /* The segment `segment` reported has been processed: every state change
     * it made has been reported (may be NULL, as every other). */
    void (*segment_done)(void *ctx, ns3c_sock *s);
} ns3c_sock_ops;

ns3c_sock *ns3c_sock_create(ns3c_node *n, const ns3c_sock_ops *ops, void *ctx);
void ns3c_sock_set_ctx(ns3c_sock *s, void *ctx);
/*
 * A second observer of the socket's states and segments, told before its
 * own ops; one per socket (ns3c_fw2 below takes it).  NULL ops removes it.
 */
void ns3c_sock_tap(ns3c_sock *s, const ns3c_sock_ops *ops, void *ctx);
int ns3c_sock_listen(ns3c_sock *s, uint16_t port);
/* Bind to an ephemeral port (returned in *port) and connect. */
int ns3c_sock_connect(ns3c_sock *s, uint32_t addr, uint16_t port, uint16_t *local_port);
/* Queue bytes (zeros) to send. */
int ns3c_sock_send(ns3c_sock *s, uint32_t bytes);
/* close(): FIN after the queued data. */
int ns3c_sock_close(ns3c_sock *s);
/* shutdown(SHUT_WR). */
int ns3c_sock_shutdown(ns3c_sock *s);
/* CLOSED at once, endpoint released, nothing sent (ns-3's CloseAndNotify). */
void ns3c_sock_force_closed(ns3c_sock *s);
/* An RST (SND.NXT), then CLOSED (ns-3's SendRST and CloseAndNotify). */
void ns3c_sock_reset(ns3c_sock *s);
/* The socket's TCP state (tcp_fsm.h values). */
int ns3c_sock_state(const ns3c_sock *s);

/* ---- the offload target's FIN_WAIT_2 timer, for any socket ------------ */

/*
 * What ns-3 lacks, from offsim's offload module (offload/fw2.c, the code
 * the native engine runs): while the target holds a socket, entering
 * FIN_WAIT_2 starts a timer of `timeout` on the target's tick clock (R13,
 * R15), every acceptable segment restarts it with the full value (R16, A4),
 * and on expiry the socket goes CLOSED at once, its endpoint released and
 * nothing sent (R17, R21): a peer FIN that comes later meets an RST.  Then
 * `expired` is called: the target's TimeoutExpiration indication, asking
 * the host to take the connection back.
 *
 * The timer's value crosses each handoff as a TimeoutDelta in ticks: -1 not
 * running, 0 due now (expires at once), n ticks remaining (R19, R20, A6).
 * The policies for what the spec leaves open are DESIGN.md's defaults:
 * nic.tick_mode = ceil, nic.on_unset_delta = none (A2), nic.expired_delta =
 * -1 (A5).
 */
typedef struct ns3c_fw2 ns3c_fw2;

typedef struct ns3c_fw2_cfg {
    sim_time timeout;        /* nic.fin_wait_2_timeout: 120 s (R15) */
    uint32_t tps;            /* nic.ticks_per_second: 10, 100 or 1000 (R3) */
    void (*expired)(void *ctx, ns3c_sock *s);
    void *ctx;
} ns3c_fw2_cfg;

/*
 * Offload: the target holds `s` from now on (it takes the socket's tap).
 * For a socket in FIN_WAIT_2, `timeout_delta` is the host's TimeoutDelta
 * (R19); otherwise pass -1.  Needs ns3c_sim_create first.  NULL on a bad
 * argument (no engine, tps not 10, 100 or 1000, timeout <= 0) or no memory.
 */
ns3c_fw2 *ns3c_fw2_offload(ns3c_sock *s, const ns3c_fw2_cfg *cfg, int64_t timeout_delta);

/* The TimeoutDelta the target would report on upload now (R20). */
int64_t ns3c_fw2_delta(const ns3c_fw2 *f);

/* Upload: the target lets go of the socket; returns the TimeoutDelta (R20). */
int64_t ns3c_fw2_upload(ns3c_fw2 *f);

#ifdef __cplusplus
}
#endif

#endif /* SIM_NS3C_NS3C_H */
