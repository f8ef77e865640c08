/*
 * conn.h - a connection of the model and the world it lives in, as the
 * model's modules share them (host/host.c, offload/nic.c, workload/world.c).
 * The driver sees only workload/world.h.
 *
 * A connection is a pair of endpoints: the peer (a client running the same
 * TCP, with a behaviour on top) and the local side (the server's socket),
 * which the host stack or the offload target holds:
 *
 *     HOST --offload_start--> OFFLOADING --(offload_latency)--> NIC
 *     NIC  --upload_start---> UPLOADING  --(upload_latency)---> HOST
 *
 * Segments for the local side that arrive during a handoff are held and
 * processed by the receiver when the handoff completes (R43, R54, R59);
 * none is lost.
 */
#ifndef SIM_WORKLOAD_CONN_H
#define SIM_WORKLOAD_CONN_H

#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"
#include "engine/trace.h"
#include "net/link.h"
#include "offload/delegated.h"
#include "offload/fw2.h"
#include "tcp/tcp.h"
#include "workload/config.h"

typedef enum owner { OWNER_HOST, OWNER_NIC, OWNER_OFFLOADING, OWNER_UPLOADING } owner;

typedef enum close_reason {
    CR_OPEN,     /* not closed when the run ended */
    CR_PEER_FIN, /* the peer's FIN: TIME_WAIT, or LAST_ACK acknowledged */
    CR_NIC_FW2,  /* the target's FIN_WAIT_2 timer (R17) */
    CR_HOST_FW2, /* the host's FIN_WAIT_2 timer (A11) */
    CR_RST,      /* an RST, received or sent */
    CR_RETRIES   /* retransmissions exhausted */
} close_reason;

typedef enum peer_outcome { PO_OPEN, PO_CLEAN, PO_RESET } peer_outcome;

extern const char *const close_reason_name[];
extern const char *const owner_name[];
extern const char *const peer_outcome_name[];

struct world;

typedef struct conn {
    struct world *w;
    uint32_t id;             /* 1, 2, ... in order of opening */
    uint16_t klass;          /* index of its [peer NAME] class */
    uint8_t owner;           /* of the local side */
    uint8_t released;        /* the local side's resources are freed */
    uint8_t close_reason, owner_at_close, peer_outcome;
    uint8_t responded;       /* the local application wrote its response */
    uint8_t app_pending;     /* an application call waits for a handoff */
    uint8_t peer_close_armed;/* the peer's close (or behaviour) is scheduled */
    uint8_t nic_expired;     /* the target's FIN_WAIT_2 timer expired (A5) */
    uint8_t nic_asked;       /* the target asked for an upload (R41) */
    uint8_t finished;        /* recorded and out of the live list */
    uint16_t handoffs;
    uint32_t inflight;       /* segments of this connection on the wire */

    tcp_tcb local, peer;
    path to_peer, to_local;
    rng_stream ack_local_rng, ack_peer_rng, close_rng, offload_rng, upload_rng;

    sim_time t_open, t_close, t_fin_wait_1, t_fin_wait_2, t_time_wait, t_closed,
        t_released;
    sim_time t_peer_closed;  /* the peer's endpoint reached CLOSED */
    uint64_t req_rcvd, resp_rcvd;

    sim_event app_ev;        /* the peer application's next action */
    uint32_t app_n;          /* trickle segments or keepalive probes sent */
    sim_time app_base;       /* when the peer's behaviour started */
    sim_time app_fin_at;     /* when the peer's FIN (or RST) is due */
    sim_event local_app_ev;  /* the local application's next action */
    sim_event handoff_ev;    /* completion of an offload or upload */
    sim_event host_ev;       /* the host's reaction to an indication, or a random upload */
    sim_event offload_ev;    /* the host's offload decision, taken between events */
    tcp_delegated dlg;       /* state in transit */
    flight *held, *held_tail;

    sim_time fw2_last_rx;    /* host idle FIN_WAIT_2 timer: last acceptable segment */

    /* On another TCP (ns-3): its sockets; the tcbs above then mirror their
     * state for the model (the offload target's timers live in the mirror's
     * slots), and ext_quiet hides state changes the model made itself. */
    void *sock_local, *sock_peer;
    uint8_t ext_quiet;
    uint8_t ext_held;        /* during a handoff: EXT_HELD_STATE, EXT_HELD_SEG */
    uint8_t ext_state;       /* the local socket's state then */
    seg ext_seg;             /* its last acceptable segment then */

    struct conn *prev, *next;/* the live list; the free list uses next */
} conn;

typedef struct conn_record {
    uint32_t conn_id;
    uint16_t klass;
    sim_time t_open, t_close, t_fin_wait_1, t_fin_wait_2, t_time_wait, t_closed, t_released;
    sim_time t_peer_closed;
    uint8_t close_reason, owner_at_close, peer_outcome;
    uint16_t handoffs;
} conn_record;

typedef struct occupancy_sample {
    sim_time t;
    int64_t nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait;
} occupancy_sample;

/* Counters a run reports (summary and the scalar table). */
typedef struct world_stats {
    uint64_t opened, closed, finished;
    uint64_t offloads, uploads, refused;
    uint64_t nic_fw2_expiries, host_fw2_expiries;
    uint64_t fw2_restarts;
    uint64_t indications;
    uint64_t peers_reset;
    uint64_t segments, lost;
    int64_t nic_peak;
    double nic_area;         /* integral of nic_total over time, connection-ns */
} world_stats;

/*
 * What the applications and the host do to an endpoint (side: 0 the local
 * one, 1 the peer): offsim's TCP natively, ns-3's sockets with --engine ns3.
 */
struct world;
typedef struct world_socks {
    void (*send)(struct world *w, conn *c, int side, uint32_t bytes);
    void (*close)(struct world *w, conn *c, int side, int full);
    void (*abort)(struct world *w, conn *c, int side);
    void (*keepalive)(struct world *w, conn *c, int side);
    /* The model closed the local side at once (a FIN_WAIT_2 expiry). */
    void (*closed)(struct world *w, conn *c);
    /* A handoff completed: what the other TCP did meanwhile reaches the
     * model now, as held segments do natively (NULL: nothing to do). */
    void (*drain)(struct world *w, conn *c);
} world_socks;

typedef struct world {
    sim *s;
    const world_socks *socks;
    void (*open_conn)(struct world *w, uint32_t id); /* a connection arrives */
    const model_config *cfg;
    tcp_cfg host_tcp, nic_tcp;
    tcp_cfg *peer_tcp;       /* per class */
    dist host_delack;
    net_link *links;            /* per class: [2k] towards the peer, [2k+1] towards the host */
    double *share_cum;       /* cumulative normalised shares */
    fw2_cfg fw2;             /* the target's clock and FIN_WAIT_2 timer */
    flight_pool flights;
    trace_buf *trace;

    /* connections */
    conn *live;              /* head of the live list */
    conn *free;              /* ready for reuse */
    conn *graveyard;         /* finished; reused once no event refers to them */
    void **slabs;
    size_t nslabs, slab_cap;
    uint64_t nlive;
    sim_event arrival_ev;
    rng_stream arrival_rng;
    sim_event sample_ev;

    /* occupancy, kept up to date on every change */
    /* nic_total counts every connection holding a target slot: held by the
     * target or in a handoff either way (the capacity limits it). */
    int64_t nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait;
    sim_time occ_since;      /* last change, for the time integral */

    /* rows for the driver to write */
    conn_record *records;
    size_t nrecords, records_cap;
    occupancy_sample *samples;
    size_t nsamples, samples_cap;

    /* close latencies of finished connections, for the summary */
    int64_t *lat_ns;         /* close_s in ns, negative when censored */
    size_t nlat, lat_cap;
    int lat_sorted;

    world_stats st;

    /* A tap on the local host's interface (packet traces), or NULL. */
    void (*tap)(void *arg, const conn *c, const seg *s, int to_local);
    void *tap_arg;
} world;

/* ---- services the model's modules share (workload/world.c) ---- */

/* Log an event of a connection. */
void world__trace(world *w, const conn *c, const char *kind, const char *detail,
                  const int64_t *value);
/* Log a timer event of the local side, its value the slot's deadline. */
void world__trace_timer(world *w, const conn *c, const char *kind, const char *detail,
                        tcp_timer_slot slot);
/* Send a segment of the local side (toward the peer) or the peer side. */
void world__output_local(world *w, conn *c, const seg *s);
/* Change the holder of the local side (occupancy follows). */
void world__set_owner(world *w, conn *c, owner o);
/* The local side was freed (upload complete, TIME_WAIT over, ...). */
void world__released(world *w, conn *c);
/* Apply an application call that waited for a handoff. */
void world__app_resume(world *w, conn *c);
/* In-order payload or the peer's FIN reached the local application. */
void world__deliver_local(tcp_tcb *t, uint32_t bytes, int fin);
/* Segments for the local side wait: a handoff is under way (R43/R54, R59),
 * or the target has closed and the upload is pending (R22). */
int world__holding(const conn *c);
/* Process the segments held during a handoff. */
void world__drain_held(world *w, conn *c);
/* Record what the local side's state change means for the conn row. */
void world__local_state(world *w, conn *c, tcp_state old, tcp_event why);

/* ---- for another TCP (sim/ns3c/world_ns3.c) ---- */

/* A world without connections: configuration, sampler, rows. */
int world__alloc(const model_config *cfg, sim *s, trace_buf *trace, world **out);
/* Schedule the first connection's arrival. */
void world__first_arrival(world *w);
/* A connection in the live list with its streams, times and mirror tcbs. */
conn *world__conn_new(world *w, uint32_t id);
/* Leave the world if both sides are done (as world.c's own connections). */
void world__maybe_finish(world *w, conn *c);
/* The peer's hooks (its application). */
extern const tcp_ops world__peer_ops;

#endif /* SIM_WORKLOAD_CONN_H */
