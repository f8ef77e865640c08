/*
 * host.h - the local host's TCP stack as an object: its FIN_WAIT_2 policy
 * (A11 presets), its offload decisions, its reactions to the target's
 * indications after host.upload_delay (A13), and its half of both handoffs
 * with their delegated state (R9-R12, R19, R20, R52, R62).
 *
 *     host_create(params, nic, ops)   one host stack, owning its [host] and
 *                                     [offload] sections; the owner of `nic`
 *     host_conn_init(h, hc, ...)      a connection's local endpoint, held
 *                                     by the host until it offloads it
 *     host_offload / host_upload      the handoffs it starts
 *
 * A connection's local endpoint moves between holders:
 *
 *     HOST --host_offload--> OFFLOADING --(nic.offload_latency)--> NIC
 *     NIC  --host_upload---> UPLOADING  --(nic.upload_latency)---> HOST
 *
 * The host meets the NIC through nic.h (it is the NIC's owner: the NIC's
 * indications come to it through nic_ops) and its own owner, the world,
 * through the host_ops it was given: segments for the wire, state changes,
 * data for the application, completed handoffs and freed endpoints, of
 * every connection, whoever holds it.
 */
#ifndef SIM_HOST_HOST_H
#define SIM_HOST_HOST_H

#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"
#include "engine/trace.h"
#include "offload/delegated.h"
#include "offload/nic.h"
#include "tcp/tcp.h"

/* ---- [host] and [offload]: the host's configuration --------------------- */

typedef enum fw2_policy {
    FW2_POLICY_CHIMNEY,
    FW2_POLICY_LINUX,
    FW2_POLICY_FREEBSD,
    FW2_POLICY_FREEBSD_FAST,
    FW2_POLICY_NONE
} fw2_policy;

typedef enum fw2_mode {
    FW2_MODE_IDLE,     /* restarted by segments (fw2_idle_on says which) */
    FW2_MODE_ABSOLUTE, /* counted from entering FIN_WAIT_2 only */
    FW2_MODE_LINUX     /* absolute; a timeout above time_wait takes Linux's
                        * keep-alive-timer path: 2 x (timeout - time_wait) */
} fw2_mode;

/* Which segments restart an idle FIN_WAIT_2 timer. */
typedef enum fw2_idle_on {
    FW2_IDLE_ON_ACCEPTABLE, /* acceptable ones (A3), as the target's R16 */
    FW2_IDLE_ON_ANY         /* any that reaches the connection (FreeBSD's t_rcvtime) */
} fw2_idle_on;

/* What happens when the ACK of our FIN arrives after a full close. */
typedef enum fw2_linger2 {
    FW2_LINGER2_TIMER, /* FIN_WAIT_2, timed as the other keys say */
    FW2_LINGER2_RST    /* Linux's TCP_LINGER2 < 0: CLOSED, the ACK answered with an RST */
} fw2_linger2;

typedef enum fw2_scope {
    FW2_SCOPE_CLOSED, /* only after a full close */
    FW2_SCOPE_ALL     /* also after shutdown for sending */
} fw2_scope;

typedef enum data_after_close { DATA_AFTER_CLOSE_ACCEPT, DATA_AFTER_CLOSE_RST } data_after_close;
typedef enum fw2_expiry { FW2_EXPIRY_SILENT, FW2_EXPIRY_RST } fw2_expiry;

/*
 * [host]: the host stack's FIN_WAIT_2 policy (A11) and the TCP settings of
 * every endpoint of the model (the peers' and the target's too; see
 * host_tcp_cfg).  Durations in ns.
 */
typedef struct host_params {
    fw2_policy fw2_policy;
    fw2_mode fw2_mode;
    fw2_idle_on fw2_idle_on;
    fw2_scope fw2_scope;
    sim_time fin_wait_2_timeout; /* 0: no FIN_WAIT_2 timer */
    sim_time fw2_check_interval; /* 0: exact */
    double fw2_rto_floor;        /* minimum as a multiple of the RTO; 0: none */
    data_after_close data_after_close;
    sim_time time_wait;
    fw2_expiry fw2_expiry;
    fw2_linger2 fw2_linger2;
    uint64_t timer_wheel_hz;     /* 0: exact timers; else Linux's timer wheel (wheel.h) */
    sim_time rto_initial;
    sim_time rto_min;
    sim_time rto_max;
    uint64_t max_retries;
    sim_time upload_delay;       /* A13: reaction to an indication */
    uint64_t mss;
    uint64_t window;
    sim_time delack;             /* delayed-ACK timeout; 0: ACK at once */
} host_params;

typedef enum offload_when { OFFLOAD_NEVER, OFFLOAD_ESTABLISHED, OFFLOAD_FIN_WAIT_2 } offload_when;

/* [offload]: when the host offloads a connection, and random uploads. */
typedef struct offload_params {
    offload_when when;
    double probability;
    double upload_rate;          /* random uploads per connection per second */
} offload_params;

/* The TCP settings of an endpoint from [host] and [tcp]. */
void host_tcp_cfg(tcp_cfg *tc, const host_params *h, const tcp_params *t, const dist *ack_delay,
                  sim_time granularity);

/* ---- the host and its connections ---------------------------------------- */

/* Who holds a connection's local endpoint. */
typedef enum owner { OWNER_HOST, OWNER_NIC, OWNER_OFFLOADING, OWNER_UPLOADING } owner;

/* As recorded (conn.owner_at_close): "host", "nic", "handoff". */
extern const char *const owner_name[];

typedef struct host host;

/*
 * The delegated state of a connection in transit (R5, R8, R10-R12, R19,
 * R20), from a handoff's start to its completion: a block from the host's
 * pool, not a part of every connection.
 */
typedef struct host_transit {
    tcp_delegated d;
    int64_t sent_delta;      /* the checker: the TimeoutDelta handed over */
    struct host_transit *next; /* in the pool */
} host_transit;

/*
 * A connection's local endpoint and what its holders keep about it,
 * embedded in the owner's connection and bound with host_conn_init().  The
 * fields are the host's; others read them through the functions below.
 * 168 bytes: the endpoint (136, tcp.h), then (32 bytes)
 *   transit           the delegated state of a handoff under way, or NULL
 *   offload_n, upload_n  draws taken from its streams of offload decisions
 *                     and random upload times (named by the host's seed,
 *                     the connection and host_set_streams' purposes)
 *   handoff_ev, upload_ev, offload_ev  its events
 *   handoffs, nic, owner .. abort  its handoffs; the NIC's byte of
 *                     flags, the host's (owner in two bits)
 * Not here: the idle FIN_WAIT_2 timer's last acceptable segment, kept in
 * the endpoint's time that is its holder's in FIN_WAIT_2 (tcp_fw2_time);
 * the host, which is the owner in the binding of whoever holds
 * the endpoint (tcp_cfg.owner: the host's, or the NIC's copy of it).
 * The segment being processed restarts the FIN_WAIT_2 timer to a deadline
 * the host keeps until the segment is done (one segment at a time).
 */
typedef struct host_conn {
    tcp_tcb tcb;             /* the endpoint: the host's hooks, or the NIC's */
    host_transit *transit;   /* state in transit, or NULL */
    uint32_t offload_n;      /* draws of its offload-decision stream */
    uint32_t upload_n;       /* draws of its random-upload stream */
    sim_event handoff_ev;    /* completion of an offload or upload */
    sim_event upload_ev;     /* the host's reaction to an indication, or a random upload */
    sim_event offload_ev;    /* an offload decision, taken between events */
    uint16_t handoffs;
    nic_conn nic;            /* the NIC's half (one byte) */
    unsigned owner : 2;      /* an owner value */
    unsigned released : 1;   /* the endpoint's resources are freed */
    unsigned asked : 1;      /* the target asked for an upload (R41) */
    unsigned fw2_stage : 1;  /* FW2_MODE_LINUX: the first (keep-alive timer) stage runs */
    unsigned abort : 1;      /* the host's next reaction is an abortive disconnect (A17) */
} host_conn;

/*
 * What the host tells its owner about a connection (hc is the one the
 * owner gave host_conn_init):
 *   output        put a segment of the local endpoint on the wire
 *   state         the endpoint changed state, whoever holds it
 *   deliver       in-order data or the peer's FIN reached the application
 *   handoff_done  a handoff completed: the owner processes what waited
 *   released      the endpoint's resources were freed (CLOSED on the host,
 *                 or an upload of a closed connection completed)
 */
typedef struct host_ops {
    void (*output)(host_conn *hc, const seg *s);
    void (*state)(host_conn *hc, tcp_state old, tcp_event why);
    void (*deliver)(host_conn *hc, uint32_t bytes, int fin);
    void (*handoff_done)(host_conn *hc);
    void (*released)(host_conn *hc);
} host_ops;

typedef struct host_stats {
    uint64_t offloads, uploads;
    uint64_t fw2_expiries;   /* A11 */
    uint64_t fw2_restarts;   /* acceptable segments that restarted the host's idle timer
                              * and left the connection in FIN_WAIT_2 (A4) */
    int64_t fin_wait_2;      /* endpoints the host holds in FIN_WAIT_2 */
    int64_t time_wait;       /* endpoints in TIME_WAIT, whoever holds them */
} host_stats;

/*
 * A host stack with its sections (copied), the owner of n (which must
 * outlive it), logging into trace, telling `ops` what happens.
 */
int host_create(const host_params *hp, const offload_params *op, const tcp_params *tp, nic *n,
                sim *s, trace_buf *trace, const host_ops *ops, host **out);
void host_destroy(host *h);

/*
 * The random streams of the host's endpoints, named (seed, connection id,
 * purpose) (rng.h), and the pool their reassembly blocks come from; set by
 * the owner before the first connection.  Until then every stream has seed
 * and purposes 0, and blocks are malloc'ed.
 */
void host_set_streams(host *h, uint64_t seed, uint32_t ack, uint32_t offload, uint32_t upload,
                      tcp_pool *pool);

/* SIM_OK, or SIM_ENOMEM once a handoff could not be had for want of memory
 * (the run was stopped: the owner reports it failed). */
int host_error(const host *h);

/*
 * The measurement window [from, to) of the occupancy integrals (to =
 * SIM_NEVER: open-ended; the default is [0, SIM_NEVER)), set before the
 * first connection; and, as of now, the integrals (connection-ns) of
 * fin_wait_2 and time_wait over the window (whole = 0) or the whole run.
 */
void host_window(host *h, sim_time from, sim_time to);
void host_area(const host *h, int whole, double *fin_wait_2, double *time_wait);

/*
 * A new connection's local endpoint, in CLOSED, held by the host: its
 * connection's number (which names its random streams) and its initial
 * sequence number.
 */
void host_conn_init(host *h, host_conn *hc, uint32_t id, uint32_t iss);

/* R9: the states in which the host may offload a connection. */
int host_may_offload(tcp_state s);

/* Offload the connection if R9 allows it and the target has room. */
void host_offload(host *h, host_conn *hc);

/* Start uploading a connection the target holds. */
void host_upload(host *h, host_conn *hc);

/* The connection left the model: the host forgets its pending reaction. */
void host_conn_finish(host_conn *hc);

/*
 * The owner freed the connection (its memory waits for reuse).  Under the
 * invariant checker (engine/invariant.h), any event of the host's or of
 * the endpoint's that fires from now on aborts: no event fires for a freed
 * connection.
 */
void host_conn_free(host_conn *hc);

/*
 * The invariant checker (engine/invariant.h); a violation aborts:
 *   host_check_conn     the endpoint is held by exactly one of the host and
 *                       the NIC, or is in a handoff with its timers frozen
 *   host_check_counts   the host's occupancy counters equal the owner's
 *                       recount: unreleased endpoints the host holds in
 *                       FIN_WAIT_2, and those in TIME_WAIT
 */
void host_check_conn(const host_conn *hc);
void host_check_counts(const host *h, int64_t fin_wait_2, int64_t time_wait);

static inline tcp_tcb *host_conn_tcb(host_conn *hc)
{
    return &hc->tcb;
}
static inline tcp_state host_conn_state(const host_conn *hc)
{
    return hc->tcb.state;
}
static inline owner host_conn_owner(const host_conn *hc)
{
    return (owner)hc->owner;
}
static inline int host_conn_released(const host_conn *hc)
{
    return hc->released;
}
static inline uint16_t host_conn_handoffs(const host_conn *hc)
{
    return hc->handoffs;
}
/* No handoff under way or decided. */
static inline int host_conn_settled(const host_conn *hc)
{
    return !sim_event_pending(&hc->handoff_ev) && !sim_event_pending(&hc->offload_ev);
}
/* Nothing of the host's or of the endpoint's is pending: no event refers to it. */
int host_conn_quiet(const host_conn *hc);

const host_stats *host_stats_of(const host *h);

#endif /* SIM_HOST_HOST_H */
