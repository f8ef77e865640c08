/*
 * link.h - the wire: each connection's own path, an optional link the
 * server shares with every connection, and segments in flight.
 *
 * The topology (README, "The model"):
 *
 *   server --[server link]--+-- path of connection 1 --> its client
 *          (optional, one  +-- path of connection 2 --> its client
 *           FIFO each way) +-- ...
 *
 * Every connection has a path of its own in each direction: its own FIFO
 * queue at its class's bandwidth (a client's access link), the
 * propagation delay drawn once for the connection, and per-segment loss
 * and jitter, each from its own random stream; a segment never overtakes
 * the one before it.  The connections of a class share only their
 * settings (path_class).  [link] server_bandwidth, when set, adds one FIFO
 * link in each direction that every segment crosses at the server: towards
 * the peers before its path, towards the host after it (a common
 * bottleneck).  A path costs no allocation: its queue is one time, the
 * next moment it is free.
 */
#ifndef SIM_NET_LINK_H
#define SIM_NET_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"
#include "net/segment.h"

/*
 * [link]: the path to every class of peers unless its [peer NAME] section
 * says otherwise, and the server's shared link.
 */
typedef struct link_params {
    dist delay;            /* one-way propagation delay, drawn per connection */
    uint64_t bandwidth_bps;
    double loss;           /* per-segment loss probability, each direction */
    dist jitter;           /* extra per-segment delay; never reorders */
    uint64_t server_bandwidth_bps; /* the link every connection shares; 0: none */
} link_params;

/*
 * What one direction of a queue carried: the figures that show an offered
 * load above its rate (a queue that keeps growing).  A segment "waited"
 * when its time in the queue exceeded NET_LINK_WAIT serialization times of
 * the largest segment the queue has carried (a backlog of that many
 * full-size segments, more than a few connections' windows sent at once)
 * and NET_LINK_WAIT_MIN.  A connection's own path, window-limited, never
 * holds so many; the shared server link can.
 *
 * The absolute floor: on a fast link a burst of small segments is "100
 * segments" long in no time (1 Gbit/s, 100 B MSS: 112 us; one 20 KB
 * response sent at once by go-back-N waits up to 225 us), which is no
 * overload.  1 ms is the finest clock the model keeps (the target's tick at
 * ticks_per_second = 1000, R3) and below the resolution of the latencies a
 * summary prints at the round trips modelled; a shorter wait moves neither.
 */
#define NET_LINK_WAIT 100
#define NET_LINK_WAIT_MIN SIM_MS

typedef struct net_link_stats {
    uint64_t segments;    /* serialized (lost ones too: they are lost on the way) */
    uint64_t waited;      /* queued longer than NET_LINK_WAIT * max_tx and 1 ms */
    sim_time max_wait;    /* the longest time a segment queued */
    sim_time max_tx;      /* the serialization time of the largest segment */
    sim_time busy;        /* total serialization time (of a class: its paths' summed) */
} net_link_stats;

/* One direction of a link shared by many connections: a rate, a FIFO, its figures. */
typedef struct net_link {
    uint64_t bandwidth_bps;
    sim_time busy_until;   /* when its queue is empty */
    net_link_stats st;
} net_link;

/*
 * One direction of the paths of a class of peers: the settings its
 * connections share, and the counters of all their queues together.
 */
typedef struct path_class {
    uint64_t bandwidth_bps;  /* set with path_class_rate */
    sim_time byte_ns;        /* a byte's serialization time when it is whole ns, else 0 */
    double loss;
    const dist *jitter;    /* NULL: none */
    uint64_t seed;         /* its paths' loss and jitter streams are (seed, */
    uint32_t loss_purpose, jitter_purpose; /* connection, purpose) (rng.h) */
    net_link_stats st;     /* its connections' queues together */
} path_class;

/*
 * One direction of a connection's path: its own queue and the positions of
 * its streams, 24 bytes.  Its class (the settings, the streams' names) and
 * its delay (drawn once for both directions) are the connection's to give.
 */
typedef struct path {
    sim_time busy_until;   /* when its queue is empty */
    sim_time last_arrival; /* a segment never overtakes the one before it */
    uint32_t loss_n;       /* draws taken from its loss stream */
    uint32_t jitter_n;     /* ... and from its jitter stream */
} path;

/*
 * When a segment of wire_bytes sent now on the path p of connection `id`
 * (class k, propagation delay `delay`) arrives at the far end, or
 * SIM_NEVER when it is lost.  It crosses `first` (a shared link before the
 * path, or NULL), then is serialized behind the path's own queue (lost
 * segments too: they are lost on the way), then delayed by the delay plus
 * jitter, and never earlier than the path's previous arrival.
 */
sim_time path_transmit(path *p, path_class *k, uint32_t id, sim_time delay, net_link *first,
                       sim_time now, uint32_t wire_bytes);

/* Set a class's bandwidth (bits per second, > 0). */
void path_class_rate(path_class *k, uint64_t bps);

/* When a segment of wire_bytes reaching the shared link l now has crossed it. */
sim_time link_cross(net_link *l, sim_time now, uint32_t wire_bytes);

/* A segment in flight: an event that delivers it. */
typedef struct flight {
    sim_event ev;
    seg s;
    void *conn;            /* the connection it belongs to */
    uint32_t conn_id;      /* ... which must still be this one on arrival */
    uint8_t to_local;      /* direction: 1 towards the local host */
    uint8_t crossed;       /* towards the host: it has crossed the server link */
    struct flight *next;   /* free list; queues of held segments */
} flight;

/*
 * A pool of flights: allocated in slabs, reused, never freed before the
 * pool (events must outlive their queue entries, see engine/sim.c).
 */
typedef struct flight_pool {
    flight *free;
    void **slabs;
    size_t nslabs;
    size_t cap;
    sim_handler *deliver;  /* the handler every flight is bound to */
} flight_pool;

void flight_pool_init(flight_pool *fp, sim_handler *deliver);
void flight_pool_fini(flight_pool *fp);
/* A flight bound to the pool's handler; NULL when out of memory. */
flight *flight_get(flight_pool *fp);
void flight_put(flight_pool *fp, flight *f);

#endif /* SIM_NET_LINK_H */
