/*
 * world_int.h - the world's and its connections' internals, shared by the
 * files of sim/workload/ and by nothing else (the build exports only
 * world.h and world_ext.h; see sim/CMakeLists.txt).
 *
 *   world.c   building; arrivals; a connection's life: opening, finishing,
 *             burial; offsim's own TCP under the applications; accessors
 *   wire.c    segments on the wire, and those held for the local side
 *             while a handoff is under way
 *   local.c   the local side: what the host stack tells the world
 *             (host_ops), the conn row's times and close reason, the
 *             local application
 *   peer.c    the peer: its TCP hooks and its application (behaviours)
 *   record.c  rows: conn records, occupancy samples, counters, the
 *             measurement window
 *
 * A connection is a pair of endpoints: the peer (a client running the same
 * TCP, with a behaviour on top) and the local side (the server's socket),
 * which the host stack or the offload target holds (host.h has the owner
 * diagram).  Segments for the local side that arrive during a handoff are
 * held and processed by the receiver when the handoff completes (R43, R54,
 * R59); none is lost.
 */
#ifndef SIM_WORKLOAD_WORLD_INT_H
#define SIM_WORKLOAD_WORLD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"
#include "engine/trace.h"
#include "host/host.h"
#include "net/link.h"
#include "offload/nic.h"
#include "tcp/tcp.h"
#include "workload/world.h"
#include "workload/world_ext.h"

/* The purposes of the random streams; a stream is (seed, connection, purpose). */
enum world_rng_purpose {
    WORLD_RNG_ARRIVAL = 1,     /* id 0: the k-th draw is the k-th interarrival time */
    WORLD_RNG_PEER_CLASS,      /* one draw */
    WORLD_RNG_PATH_DELAY,      /* one draw: both directions of the path */
    WORLD_RNG_LOSS_TO_PEER,    /* one draw per segment */
    WORLD_RNG_LOSS_TO_HOST,
    WORLD_RNG_JITTER_TO_PEER,
    WORLD_RNG_JITTER_TO_HOST,
    WORLD_RNG_ACK_LOCAL,       /* one draw per ACK owed */
    WORLD_RNG_ACK_PEER,
    WORLD_RNG_CLOSE,           /* the peer's close_delay */
    WORLD_RNG_OFFLOAD,         /* one draw per offload decision */
    WORLD_RNG_UPLOAD,          /* random upload times */
    WORLD_RNG_ISS              /* two draws: local and peer initial sequence numbers */
};

/*
 * A connection, as the world keeps it while it is open: 424 bytes, and 56
 * more when conn rows are written (conn_times, below), in slabs of 256 KiB
 * (world.c), reused once no event refers to it (bury).
 *
 * Per connection, field by field (bytes):
 *   held                     8  segments for the local side held during a
 *                               handoff (R43, R54, R59): flights, only then;
 *                               once it is finished, the next in the
 *                               graveyard or the free list (next).  No list
 *                               holds the live connections: the slabs' places
 *                               not finished are (world__live_from)
 *   local                  168  the local endpoint and what its holders keep
 *                               (host.h: the endpoint, 136, as tcp.h lists;
 *                               the host's and the NIC's flags, handoff
 *                               count, three events, two stream positions,
 *                               a pointer to the delegated state in transit)
 *   peer                   136  the peer's endpoint (tcp.h)
 *   to_peer, to_local       48  each direction's queue (busy until, last
 *                               arrival) and loss and jitter stream positions
 *   delay                    8  the propagation delay, drawn once, both ways
 *   t_open, t_close, t_end  24  the times the summary needs (opening rates,
 *                               close latencies): opening, close(), the
 *                               close's end (TIME_WAIT's start or CLOSED)
 *   rcvd                     8  bytes read: of the request by the local
 *                               application, then (once it responded, which
 *                               is when the response starts) of the
 *                               response by the peer
 *   app_at                   8  the peer behaviour's start (trickle, keepalive:
 *                               its FIN's time is drawn again from its stream
 *                               when needed), else its FIN (RST) time
 *   inflight                 4  segments on the wire
 *                               (not here: its number, 1, 2, ... in order
 *                               of opening, which its endpoints carry:
 *                               peer.id; the trickle segments or keep-alive
 *                               probes sent, which the time of each says:
 *                               app_at + sent * interval)
 *   app_ev, local_app_ev     8  the applications' events (4 bytes, sim.h)
 *   klass .. established     4  its peer class; row values and flags (bits)
 * Shared per class, not here: the [peer NAME] settings (cfg->peers[klass]),
 * its endpoints' binding: hooks, TCP settings, stream names and reassembly
 * pool, and the world, their owner (w->peer_tcp[klass]: CONN_WORLD finds
 * a connection's world there); its paths' rate, loss, jitter and counters
 * (w->paths[2 klass], [2 klass + 1]); the local endpoint's settings are the
 * host's or the NIC's, whichever holds it.
 * Only when conn rows are written (sim.log >= conn): the row's seven other
 * times (conn_times, 56), after the connection (world.rows_off).
 * Created only when needed, from pools reused during the run: a segment on
 * the wire or held (flight, 48); the delegated state of a handoff under way
 * (host_transit, 80); what arrived out of order, and the last SYN challenge
 * (tcp_ooo, 88); and the engine's record of an armed event (32, sim.c), of
 * which a quiet connection has one (its FIN_WAIT_2, 2MSL or retransmit
 * timer).  Its random streams are positions only (rng.h): a draw is named
 * by the run's seed, the connection's id and the stream's purpose.
 */
struct conn {
    union {
        flight *held;        /* open: segments for the local side held during
                              * a handoff, the last of a ring; or NULL */
        struct conn *next;   /* finished: the next in the graveyard, or in the
                              * free list; NULL: the last */
    };

    host_conn local;         /* the local endpoint, as its holders keep it */
    tcp_tcb peer;
    path to_peer, to_local;
    sim_time delay;          /* the propagation delay of its path, both ways */

    sim_time t_open, t_close;/* the conn row's, and the summary's */
    sim_time t_end;          /* the close's end: TIME_WAIT's start, or CLOSED
                              * (the summary's close latency) */
    uint64_t rcvd;           /* bytes read of the request by the local application
                              * until it responds, then of the response by the peer */
    sim_time app_at;         /* the peer's behaviour: when it started (trickle,
                              * keepalive), else when its FIN (or RST) is due */

    uint32_t inflight;       /* segments of this connection on the wire */
    sim_event app_ev;        /* the peer application's next action */
    sim_event local_app_ev;  /* the local application's next action */
    uint16_t klass;          /* index of its [peer NAME] class */
    /* Two bytes of bits: the row's values, then flags. */
    unsigned close_reason : 3;   /* a close_reason */
    unsigned owner_at_close : 2; /* an owner */
    unsigned peer_outcome : 2;   /* a peer_outcome */
    unsigned responded : 1;      /* the local application wrote its response */
    unsigned app_pending : 1;    /* an application call waits for a handoff */
    unsigned peer_close_armed : 1; /* the peer's close (or behaviour) is scheduled */
    unsigned finished : 1;       /* recorded, or never opened: not live (world__live_from) */
    unsigned freed : 1;          /* on the free list (the invariant checker's mark) */
    unsigned established : 1;    /* the local endpoint reached ESTABLISHED */
};

/*
 * The conn row's times that only the row needs, kept after the connection
 * only when rows are written (sim.log >= conn; world.rows_off).
 */
typedef struct conn_times {
    sim_time t_established, t_fin_wait_1, t_fin_wait_2, t_time_wait, t_closed;
                             /* the local endpoint entered them */
    sim_time t_released;     /* its resources were freed */
    sim_time t_peer_closed;  /* the peer's endpoint reached CLOSED */
} conn_times;

struct world {
    sim *s;
    const model_config *cfg;
    const world_socks *socks;
    world_open_fn *open_conn;  /* a connection arrives */
    nic *nic;
    host *host;
    tcp_cfg *peer_tcp;       /* per class */
    path_class *paths;       /* per class: [2k] towards the peer, [2k+1] towards the host */
    net_link server[2];      /* the shared server link: [0] towards the peers, [1] back */
    net_link *server_out, *server_in; /* ... or NULL without one */
    double *share_cum;       /* cumulative normalised shares */
    flight_pool flights;
    tcp_pool ooo;            /* every endpoint's reassembly blocks */
    trace_buf *trace;

    /* connections */
    /* The live connections are those of the slabs' places not finished
     * (world__live_from); the others are in one of two lists (conn.next). */
    conn *free;              /* ready for reuse */
    conn *graveyard;         /* finished; reused once no event refers to them */
    void **slabs;
    size_t nslabs, slab_cap;
    size_t slab_n;           /* connections per slab */
    size_t conn_size;        /* a connection, its row's times, its extension's state */
    size_t rows_off;         /* where its row's times are (conn_times); 0: not kept */
    size_t ext_off;          /* where the extension's state starts; 0: none */
    uint64_t nlive;          /* connections opened and not finished */
    sim_event arrival_ev;
    rng_stream arrival_rng;
    sim_event sample_ev;

    /* rows for the driver to write */
    void (*drain)(void *arg); /* at the end: write a chunk of them (world_set_drain) */
    void *drain_arg;
    conn_record *records;
    size_t nrecords, records_cap;
    occupancy_sample *samples;
    size_t nsamples, samples_cap;

    /* sim.window = arrivals: the window's integrals at the last opening
     * (NIC total, NIC FIN_WAIT_2, host FIN_WAIT_2, TIME_WAIT) */
    double win_area[4];
    sim_time win_first_open, win_last_open; /* SIM_NEVER: no connection opened yet */

    /* the world's counters; world_stats_of adds the host's and the NIC's */
    world_stats st;

    uint64_t checked_at;     /* the checker: sim_events() at the last recount */

    world_tap_fn *tap;       /* a tap on the local host's interface, or NULL */
    void *tap_arg;
    int err;                 /* the first error the model met (SIM_ENOMEM) */
};

/* The connection in the slabs' place k (0, 1, ...). */
static inline conn *world__conn_at(const world *w, size_t k)
{
    return (conn *)(void *)((char *)w->slabs[k / w->slab_n] + k % w->slab_n * w->conn_size);
}

/* The connection around a local endpoint the host names. */
#define CONN_OF(hc) ((conn *)(void *)((char *)(hc) - offsetof(conn, local)))
/* A connection's world: the owner in its peer class's binding (tcp_cfg). */
#define CONN_WORLD(c) ((world *)(c)->peer.cfg->owner)
/* A connection's row-only times, or NULL when no conn row is written. */
static inline conn_times *conn_times_of(const world *w, conn *c)
{
    return w->rows_off ? (conn_times *)(void *)((char *)c + w->rows_off) : NULL;
}
/* The connection around its peer's endpoint. */
#define PEER_CONN(t) ((conn *)(void *)((char *)(t) - offsetof(conn, peer)))

static inline void world__trace(world *w, const conn *c, const char *kind, const char *detail,
                                const int64_t *value)
{
    if (trace_on(w->trace))
        trace_add(w->trace, sim_now(w->s), c->peer.id, kind, detail, value);
}

/*
 * world__maybe_finish (world_ext.h) where it is called on every segment: a
 * connection whose local side is neither released nor in LISTEN cannot
 * finish, and the call would change nothing.
 */
static inline void world__maybe_finish_fast(conn *c)
{
    if (host_conn_released(&c->local) || host_conn_state(&c->local) == TCP_S_LISTEN)
        world__maybe_finish(c);
}

/* wire.c */
void world__output_local(world *w, conn *c, const seg *s);
void world__output_peer(world *w, conn *c, const seg *s);
void world__deliver_flight(sim *s, sim_event *ev);
void world__drain_held(world *w, conn *c);

/* local.c */
extern const host_ops world__host_ops;
void world__local_app(sim *s, sim_event *ev);
void world__local_wake(world *w, conn *c);

/* peer.c */
extern const tcp_ops world__peer_ops;
void world__peer_app(sim *s, sim_event *ev);
/* The peer's behaviour starts now (once per connection). */
void world__peer_start(world *w, conn *c);

/* record.c */
void world__record(world *w, conn *c);
void world__sample(sim *s, sim_event *ev);
void world__push_sample(world *w);
/* The invariant checker: every live connection's holder, and the NIC's and
 * the host's occupancy counters against a recount (engine/invariant.h).
 * The occupancy samples call it at most once per live connection's worth
 * of events (a recount then costs at most one visit per event), and the
 * end of the run once more. */
void world__check_counts(world *w);
/* Out of memory: the run stops after this event and world_end reports it. */
void world__oom(world *w);
/* The measurement window: given to the NIC and the host at creation; with
 * sim.window = arrivals, its integrals taken at each opening. */
void world__window_init(world *w);
void world__window_mark(world *w);

#endif /* SIM_WORKLOAD_WORLD_INT_H */
