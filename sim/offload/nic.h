/*
 * nic.h - the offload target (a TCP chimney NIC) as an object: its slots,
 * its tick clock and FIN_WAIT_2 configuration, its occupancy, the hooks it
 * runs on a connection it holds, and its half of every handoff.
 *
 *     nic_create(params, sim, trace)   one NIC, owning its [nic] section
 *     nic_set_owner(n, ops, tcp)       its owner (the host stack): where
 *                                      segments, state changes, data and
 *                                      indications go
 *     nic_reserve / nic_take           an offload: a slot, then the
 *                                      connection's delegated state
 *     nic_give / nic_release           an upload: the state and its
 *                                      TimeoutDelta, then the slot
 *
 * While it holds a connection the target processes its segments itself,
 * retransmits data and FIN on its tick clock (R3, R24-R28), runs the
 * FIN_WAIT_2 timer in its retransmit slot (R13-R20, fw2.c), never puts an
 * RST on the wire on its own (R21: only for the host's abortive disconnect,
 * R45), and asks its owner for an upload when
 * it is done with a connection: after FIN_WAIT_2 expiry (R17, A1), in
 * TIME_WAIT (R50, A8), after an acceptable RST (R40), when a graceful
 * close completes in LAST_ACK (R46, R49), or when retransmissions run out
 * (R26, A12).  It knows nothing of its owner but the ops table below.
 */
#ifndef SIM_OFFLOAD_NIC_H
#define SIM_OFFLOAD_NIC_H

#include <stdint.h>

#include "engine/level.h"
#include "engine/sim.h"
#include "engine/trace.h"
#include "offload/delegated.h"
#include "offload/fw2.h"
#include "offload/ticks.h"
#include "tcp/tcp.h"

/* [nic]: the offload target.  Durations in ns. */
typedef struct nic_params {
    uint64_t capacity;           /* connections it can hold (a full NIC refuses) */
    uint64_t ticks_per_second;   /* R3: 10, 100 or 1000 */
    tick_mode tick_mode;         /* A10 */
    sim_time fin_wait_2_timeout; /* R15 */
    sim_time offload_latency;    /* A13: how long an offload takes */
    sim_time upload_latency;     /* ... and an upload */
    unset_delta on_unset_delta;  /* A2 */
    int64_t expired_delta;       /* A5: the delta after expiry, -1 or 0 */
} nic_params;

typedef struct nic nic;

/*
 * The NIC's half of a connection, embedded in its owner's connection and
 * bound once with nic_conn_init().  The fields are the NIC's.
 */
typedef struct nic_conn {   /* one byte of bits */
    _Bool held : 1;      /* the NIC holds the endpoint (taken, not yet given) */
    _Bool expired : 1;   /* its FIN_WAIT_2 timer expired (A5) */
    _Bool restarted : 1; /* the segment being processed restarted the FIN_WAIT_2 timer */
} nic_conn;

/* The indications the target raises (R39-R41, R46, R17, R26, R50). */
typedef enum nic_indication {
    NIC_IND_DISCONNECT,          /* the peer's FIN arrived (R39) */
    NIC_IND_DISCONNECT_COMPLETE, /* our FIN was acknowledged (R46) */
    NIC_IND_ABORT,               /* an acceptable RST arrived (R40) */
    NIC_IND_TIMEOUT_EXPIRATION,  /* Retrieve(TimeoutExpiration): R17, R26 */
    NIC_IND_UPLOAD_REQUESTED,    /* Retrieve(UploadRequested): R50, A8 */
    NIC_IND_N
} nic_indication;

/* As logged: "Disconnect", "DisconnectComplete", "Abort",
 * "Retrieve:TimeoutExpiration", "Retrieve:UploadRequested". */
extern const char *const nic_indication_name[NIC_IND_N];

/*
 * What the NIC tells its owner about a connection it holds.  Each call
 * names the connection by its nic_conn (the owner recovers its own object
 * around it).
 *   output     put a segment on the wire
 *   state      the endpoint changed state (the NIC's own bookkeeping is
 *              done; its reactions, indications and timers, follow)
 *   deliver    in-order data or the peer's FIN for the application
 *   indicate   an indication, already logged and counted; with
 *              want_upload the owner must upload the connection (R18, R41)
 */
typedef struct nic_ops {
    void (*output)(nic_conn *nc, const seg *s);
    void (*state)(nic_conn *nc, tcp_state old, tcp_event why);
    void (*deliver)(nic_conn *nc, uint32_t bytes, int fin);
    void (*indicate)(nic_conn *nc, nic_indication what, int want_upload);
} nic_ops;

/* Counters and occupancy, for the run's summary and its samples. */
typedef struct nic_stats {
    uint64_t refused;      /* offloads refused: no free slot */
    uint64_t fw2_expiries; /* R17 */
    uint64_t fw2_restarts; /* R16, A4: acceptable segments that restarted the timer
                            * and left the connection in FIN_WAIT_2 */
    uint64_t indications;
    int64_t total;         /* slots in use: held, or in a handoff either way */
    int64_t fin_wait_2;    /* held in FIN_WAIT_2 */
    int64_t peak;          /* the largest total */
    double area;           /* integral of total over time, connection-ns */
} nic_stats;

/* A NIC with the [nic] section p (copied), on engine s, logging into trace. */
int nic_create(const nic_params *p, sim *s, trace_buf *trace, nic **out);
void nic_destroy(nic *n);

/*
 * The measurement window [from, to) of its occupancy integrals (to =
 * SIM_NEVER: open-ended; the default is [0, SIM_NEVER)), set before the
 * first connection; and, as of now, the integrals (connection-ns) of total
 * and fin_wait_2 over the window (whole = 0) or the whole run (whole = 1).
 */
void nic_window(nic *n, sim_time from, sim_time to);
void nic_area(const nic *n, int whole, double *total, double *fin_wait_2);

/*
 * Its owner's hooks, and the TCP settings of the connections it will hold
 * (copied; the NIC's clock granularity is its tick, R3; its own hooks).
 * nc_off: where the owner keeps a connection's nic_conn, from its endpoint
 * (the same for every connection: (char *)t + nc_off).
 */
void nic_set_owner(nic *n, const nic_ops *ops, const tcp_cfg *endpoint, ptrdiff_t nc_off);

void nic_conn_init(nic_conn *nc);

/* The tick clock every TimeoutDelta is counted in (R4). */
const tick_clock *nic_clock(const nic *n);
sim_time nic_offload_latency(const nic *n);
sim_time nic_upload_latency(const nic *n);

/* ---- handoffs: the NIC's half ------------------------------------------- */

/* An offload starts: take a slot.  0 when the NIC is full (counted as refused). */
int nic_reserve(nic *n);

/*
 * The offload of t completes: the NIC's hooks and settings go on the
 * endpoint, the delegated state d is installed, and the NIC's timers start
 * from its TimeoutDelta (R10; in FIN_WAIT_2 R19 with A2 and A6).
 */
void nic_take(nic *n, nic_conn *nc, tcp_tcb *t, const tcp_delegated *d);

/*
 * An upload of t starts: a pending ACK goes out (R36, R59, unless the
 * target has closed), the delegated state is sampled into d with the
 * NIC's TimeoutDelta (R20, A5; the retransmit timer's otherwise), and the
 * NIC's timers stop, so that one due meanwhile does not indicate (A14).
 * Returns the delta.
 */
int64_t nic_give(nic *n, nic_conn *nc, tcp_tcb *t, tcp_delegated *d);

/* The upload completed: the slot is free. */
void nic_release(nic *n, nic_conn *nc);

/*
 * R45: the host's abortive disconnect (MiniportTcpOffloadDisconnect,
 * ABORTIVE) of a connection the NIC holds: the target sends an RST (R21:
 * the only RST it may send) and stops processing; the connection is
 * CLOSED, and the host uploads it.
 */
void nic_abort(nic *n, nic_conn *nc, tcp_tcb *t);

/* Whether the connection's FIN_WAIT_2 timer expired on the NIC (A5). */
static inline int nic_conn_expired(const nic_conn *nc)
{
    return nc->expired;
}

/* Whether the NIC holds the endpoint (taken, not yet given). */
static inline int nic_conn_held(const nic_conn *nc)
{
    return nc->held;
}

/* Counters and occupancy now; the occupancy integral up to its last change. */
const nic_stats *nic_stats_of(const nic *n);

/* Bring the occupancy integral up to now (the end of a run). */
void nic_integrate(nic *n);

/*
 * The invariant checker (engine/invariant.h): the occupancy is within the
 * capacity and equals the owner's recount, `total` slots in use and
 * `fin_wait_2` connections held in FIN_WAIT_2; a violation aborts.
 */
void nic_check_counts(const nic *n, int64_t total, int64_t fin_wait_2);

#endif /* SIM_OFFLOAD_NIC_H */
