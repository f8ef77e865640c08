/*
 * wire.c - the wire between a connection's endpoints, and the segments
 * held for its local side (world_int.h).
 *
 * Every segment crosses its connection's path in its direction (link.h:
 * the connection's own queue at its class's bandwidth, its delay, loss and
 * jitter) as a flight: an event that delivers it.  With a shared server
 * link, a segment towards the peer crosses it first, as it is sent; one
 * towards the host crosses it last, when it reaches it (a second event, so
 * that the link serves segments in the order they arrive).  A segment for the local side that arrives
 * while a handoff is under way, or after the target has closed and before
 * the upload completes, is held and processed by the new holder when the
 * handoff completes (R43/R54, R59, R22); a segment for a released local
 * side or a closed peer is answered with an RST (RFC 9293 3.10.7.1).
 */
#include "world_int.h"

#include "engine/err.h"
#include "engine/invariant.h"

static inline void transmit(world *w, conn *c, path *p, const seg *s, int to_local)
{
    sim_time at = path_transmit(p, &w->paths[2 * c->klass + to_local], c->peer.id, c->delay,
                                to_local ? NULL : w->server_out, sim_now(w->s),
                                s->len + SEG_HEADER_BYTES);
    flight *f;

    w->st.segments++;
    if (at == SIM_NEVER) {
        w->st.lost++;
        /* Nothing will arrive to look at this connection again: check it
         * from the top level, once the current call has returned. */
        if (host_conn_released(&c->local))
            world__local_wake(w, c);
        return;
    }
    f = flight_get(&w->flights);
    if (f == NULL) {
        world__oom(w);
        return;
    }
    f->s = *s;
    f->conn = c;
    f->conn_id = c->peer.id;
    f->to_local = (uint8_t)to_local;
    f->crossed = 0;
    c->inflight++;
    sim_schedule(w->s, &f->ev, at);
}

void world__output_local(world *w, conn *c, const seg *s)
{
    if (w->tap != NULL)
        w->tap(w->tap_arg, c->peer.id, s, 0, sim_now(w->s));
    transmit(w, c, &c->to_peer, s, 0);
}

void world__output_peer(world *w, conn *c, const seg *s)
{
    transmit(w, c, &c->to_local, s, 1);
}

/* Held segments are a ring: c->held is the last, its next the first.  (A
 * finished connection holds none: its held is then its list's next.) */
static void hold(conn *c, flight *f)
{
    SIM_ASSERT(!c->finished, "connection %u: a segment held after it finished", c->peer.id);
    if (c->held != NULL) {
        f->next = c->held->next;
        c->held->next = f;
    } else {
        f->next = f;
    }
    c->held = f;
}

int world__holding(const conn *c)
{
    owner o = host_conn_owner(&c->local);

    return o == OWNER_OFFLOADING || o == OWNER_UPLOADING ||
           (o == OWNER_NIC && host_conn_state(&c->local) == TCP_S_CLOSED);
}

/* A segment for the local side; returns 1 if it was held for later. */
static int input_local(world *w, conn *c, flight *f)
{
    if (host_conn_released(&c->local)) {
        /* No such connection any more: RFC 9293 3.10.7.1 answers with RST. */
        seg r;
        if (tcp_reset_reply(&f->s, &r))
            world__output_local(w, c, &r);
        return 0;
    }
    if (world__holding(c)) {
        /* R43/R54 (offload) and R59 (upload): processed by the receiver when
         * the handoff completes.  R22: a closed target passes segments to
         * the host, which processes them once the upload completes. */
        hold(c, f);
        return 1;
    }
    tcp_input(host_conn_tcb(&c->local), &f->s);
    return 0;
}

void world__drain_held(world *w, conn *c)
{
    if (w->socks->drain != NULL)
        w->socks->drain(c);
    /* A handoff may complete after its connection finished (an upload the
     * target asked for, of a connection both sides had closed): nothing is
     * held then, and held is the connection's next in its list. */
    while (!c->finished && c->held != NULL && !world__holding(c)) {
        flight *f = c->held->next;

        if (f == c->held)
            c->held = NULL;
        else
            c->held->next = f->next;
        input_local(w, c, f);
        c->inflight--;
        flight_put(&w->flights, f);
    }
    world__maybe_finish(c);
}

void world__deliver_flight(sim *s, sim_event *ev)
{
    flight *f = SIM_CONTAINER(ev, flight, ev);
    conn *c = f->conn;
    world *w = CONN_WORLD(c);

    if (inv_on() && c->freed)
        inv_fail(sim_now(s), f->conn_id, "freed connection",
                 "a segment (seq %u, %u bytes, flags 0x%02x) arrives for the %s side of the "
                 "connection after it was freed",
                 f->s.seq, f->s.len, f->s.flags, f->to_local ? "local" : "peer");
    SIM_ASSERT(c->peer.id == f->conn_id, "segment for connection %u delivered to %u", f->conn_id,
               c->peer.id);
    if (f->to_local && w->server_in != NULL && !f->crossed) {
        f->crossed = 1;
        sim_schedule(s, &f->ev, link_cross(w->server_in, sim_now(s), f->s.len + SEG_HEADER_BYTES));
        return;
    }
    if (f->to_local) {
        if (w->tap != NULL)
            w->tap(w->tap_arg, c->peer.id, &f->s, 1, sim_now(s));
        if (input_local(w, c, f))
            return;
    } else if (c->peer.state == TCP_S_CLOSED) {
        seg r;
        if (tcp_reset_reply(&f->s, &r))
            world__output_peer(w, c, &r);
    } else {
        tcp_input(&c->peer, &f->s);
    }
    c->inflight--;
    flight_put(&w->flights, f);
    world__maybe_finish_fast(c);
}
