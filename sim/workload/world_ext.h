/*
 * world_ext.h - the world for another TCP under the same applications
 * (sim/ns3c/world_ns3.c runs ns-3's sockets there) and for tests that
 * drive one connection by hand.
 *
 * The applications and the host act on an endpoint (side 0: the local
 * one, 1: the peer) through a world_socks table: offsim's own TCP
 * natively, the other TCP's sockets otherwise.  Each connection has room
 * for the extension's own state (conn_ext), as large as it asked for when
 * the world was built, zeroed for every new connection; the extension owns
 * what it keeps there.
 */
#ifndef SIM_WORKLOAD_WORLD_EXT_H
#define SIM_WORKLOAD_WORLD_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "host/host.h"
#include "tcp/tcp.h"
#include "workload/world.h"

/*
 * What the applications and the host do to an endpoint:
 *   send, close (full: close(), else shutdown()), abort, keepalive
 *   closed       the model closed the local side at once (a FIN_WAIT_2
 *                expiry); NULL: nothing to do
 *   drain        a handoff completed: what the other TCP did meanwhile
 *                reaches the model now, as held segments do natively;
 *                NULL: nothing to do
 *   peer_active  the peer's TCP may still act on its own (a FIN, an RST
 *                coming): the connection does not finish before the
 *                peer's endpoint settles; NULL: never
 */
typedef struct world_socks {
    void (*send)(conn *c, int side, uint32_t bytes);
    void (*close)(conn *c, int side, int full);
    void (*abort)(conn *c, int side);
    void (*keepalive)(conn *c, int side);
    void (*closed)(conn *c);
    void (*drain)(conn *c);
    int (*peer_active)(const conn *c);
} world_socks;

/* A connection arrives: open it (world__conn_new, then the sockets). */
typedef void world_open_fn(world *w, uint32_t id);

/*
 * A world without connections: configuration, NIC, host, sampler, rows;
 * the extension's sockets and opener, and ext_size bytes of its state per
 * connection.
 */
int world__alloc(const model_config *cfg, sim *s, trace_buf *trace, const world_socks *socks,
                 world_open_fn *open, size_t ext_size, world **out);
/* Schedule the first connection's arrival. */
void world__first_arrival(world *w);
/* A live connection with its streams, times and endpoints (in CLOSED);
 * NULL when out of memory (world_end reports it). */
conn *world__conn_new(world *w, uint32_t id);
/* Leave the world if both sides are done. */
void world__maybe_finish(conn *c);
/* Segments for the local side wait: a handoff is under way (R43/R54, R59),
 * or the target has closed and the upload is pending (R22). */
int world__holding(const conn *c);
/* The live connections (opened, not yet finished) in the order of their
 * places in memory: the first at place *k or after, *k then the place
 * after it; NULL when there is none.  From *k = 0:
 *     for (size_t k = 0; (c = world__live_from(w, &k)) != NULL;)
 * O(places): as many as were ever open at once. */
conn *world__live_from(world *w, size_t *k);
/* The first of them, or NULL. */
conn *world__live(world *w);
/* The world's host stack. */
host *world__host(world *w);

uint32_t conn_id(const conn *c);
unsigned conn_class(const conn *c);
/* The connection has been recorded and is no longer live. */
int conn_finished(const conn *c);
/* The endpoint of a side: 0 the local one, 1 the peer. */
tcp_tcb *conn_tcb(conn *c, int side);
/* The local endpoint as the host keeps it. */
host_conn *conn_local(conn *c);
world *conn_world(conn *c);
/* The extension's state of the connection (NULL without an extension). */
void *conn_ext(conn *c);

#endif /* SIM_WORKLOAD_WORLD_EXT_H */
