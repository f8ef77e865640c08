/*
 * link.h - the wire: links with a rate and a FIFO queue, per-connection
 * paths with delay, loss and jitter, and segments in flight.
 *
 * Each peer class sits behind its own duplex link (the class's bandwidth,
 * [link] bandwidth by default); the connections of a class share its FIFO
 * queue in each direction.  Each connection has a path per direction: a
 * propagation delay drawn once for the connection, a loss probability and a
 * jitter distribution drawn per segment, each from its own random stream.
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
 * says otherwise.
 */
typedef struct link_params {
    dist delay;            /* one-way propagation delay, drawn per connection */
    uint64_t bandwidth_bps;
    double loss;           /* per-segment loss probability, each direction */
    dist jitter;           /* extra per-segment delay; never reorders */
} link_params;

/*
 * What one direction of a link carried: the figures that show an offered
 * load above its rate (a queue that keeps growing).  A segment "waited"
 * when its time in the queue exceeded NET_LINK_WAIT serialization times of
 * the largest segment the link has carried: a backlog of that many
 * full-size segments, more than a few connections' windows sent at once.
 */
#define NET_LINK_WAIT 100

typedef struct net_link_stats {
    uint64_t segments;    /* serialized (lost ones too) */
    uint64_t waited;      /* queued longer than NET_LINK_WAIT * max_tx */
    sim_time max_wait;    /* the longest time a segment queued */
    sim_time max_tx;      /* the serialization time of the largest segment */
    sim_time busy;        /* total serialization time */
} net_link_stats;

/* One direction of a link: a rate, the end of its transmit queue, its figures. */
typedef struct net_link {
    uint64_t bandwidth_bps;
    sim_time busy_until;
    net_link_stats st;
} net_link;

/* One direction of a connection's path. */
typedef struct path {
    net_link *link;
    sim_time delay;        /* propagation, drawn per connection */
    double loss;
    const dist *jitter;    /* NULL: none */
    rng_stream loss_rng;
    rng_stream jitter_rng;
    sim_time last_arrival; /* a segment never overtakes the one before it */
} path;

/*
 * When a segment of wire_bytes sent now arrives at the far end, or
 * SIM_NEVER when it is lost.  It is serialized behind the link's queue
 * (lost segments too: they are lost on the way), then delayed by the path's
 * delay plus jitter, and never earlier than the path's previous arrival.
 */
sim_time path_transmit(path *p, sim_time now, uint32_t wire_bytes);

/* A segment in flight: an event that delivers it. */
typedef struct flight {
    sim_event ev;
    seg s;
    void *conn;            /* the connection it belongs to */
    uint32_t conn_id;      /* ... which must still be this one on arrival */
    uint8_t to_local;      /* direction: 1 towards the local host */
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
