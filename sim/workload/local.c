/*
 * local.c - the local side of a connection as the world sees it: what the
 * host stack tells the world about the local endpoint (host_ops: whoever
 * holds it, the host or the NIC), the conn row's times and close reason,
 * and the local application (world_int.h).
 *
 * The local application: once the request has arrived (at once if 0) it
 * writes `response` bytes and, with closer = local or both, closes (or
 * shuts down, per close_mode) right after: that call is t_close; with both,
 * the peer's behaviour starts at that instant.  With closer = peer it
 * closes (or shuts down) when the peer's FIN arrives.  A call made while a
 * handoff is under way waits for its completion (R54, R60).
 */
#include "world_int.h"

/* ---- the local application ---------------------------------------------- */

void world__local_wake(world *w, conn *c)
{
    if (!sim_event_pending(&c->local_app_ev))
        sim_schedule(w->s, &c->local_app_ev, sim_now(w->s));
}

/* Respond once the request is in; close per the workload. */
void world__local_app(sim *s, sim_event *ev)
{
    conn *c = SIM_CONTAINER(ev, conn, local_app_ev);
    world *w = CONN_WORLD(c);
    const workload_params *wl = &w->cfg->workload;
    tcp_tcb *t = host_conn_tcb(&c->local);
    owner o = host_conn_owner(&c->local);

    (void)s;
    if (c->finished)
        return;
    if (host_conn_released(&c->local) || t->state == TCP_S_CLOSED) {
        world__maybe_finish(c);
        return;
    }
    if (o == OWNER_OFFLOADING || o == OWNER_UPLOADING) {
        c->app_pending = 1; /* R54, R60: the call waits for the handoff */
        return;
    }
    if (!c->responded && c->rcvd >= wl->request && tcp_synchronized(t->state)) {
        c->responded = 1;
        c->rcvd = 0; /* from now on, what the peer reads of the response */
        if (wl->response > 0 && !t->fin_queued)
            w->socks->send(c, 0, (uint32_t)wl->response);
        if (wl->closer != CLOSER_PEER && !t->fin_queued) {
            c->t_close = sim_now(w->s);
            w->socks->close(c, 0, wl->close_mode == CLOSE_MODE_CLOSE);
            if (wl->closer == CLOSER_BOTH)
                world__peer_start(w, c);
        }
    }
    if (t->rcv_fin && !t->fin_queued && t->state != TCP_S_CLOSED) {
        /* The peer closed first: read returns 0 and the server closes. */
        c->t_close = sim_now(w->s);
        w->socks->close(c, 0, wl->close_mode == CLOSE_MODE_CLOSE);
    }
}

/* ---- what the host tells the world ---------------------------------------- */

static void local_output(host_conn *hc, const seg *s)
{
    conn *c = CONN_OF(hc);

    world__output_local(CONN_WORLD(c), c, s);
}

/* Record what the local side's state change means for the conn row. */
static void local_state(host_conn *hc, tcp_state old, tcp_event why)
{
    conn *c = CONN_OF(hc);
    world *w = CONN_WORLD(c);
    tcp_state now_in = host_conn_tcb(hc)->state;
    sim_time now = sim_now(w->s);

    world__trace(w, c, "state", tcp_transition_name[old][now_in], NULL);
    switch (now_in) {
    case TCP_S_ESTABLISHED:
        if (!c->established) {
            c->established = 1;
            if (w->rows_off)
                conn_times_of(w, c)->t_established = now;
        }
        world__local_wake(w, c);
        break;
    case TCP_S_FIN_WAIT_1:
        if (w->rows_off && conn_times_of(w, c)->t_fin_wait_1 == SIM_NEVER)
            conn_times_of(w, c)->t_fin_wait_1 = now;
        break;
    case TCP_S_FIN_WAIT_2:
        if (w->rows_off && conn_times_of(w, c)->t_fin_wait_2 == SIM_NEVER)
            conn_times_of(w, c)->t_fin_wait_2 = now;
        break;
    case TCP_S_TIME_WAIT:
        c->t_end = now;
        if (w->rows_off)
            conn_times_of(w, c)->t_time_wait = now;
        c->close_reason = CR_PEER_FIN;
        c->owner_at_close = host_conn_owner(hc);
        w->st.closed++;
        break;
    case TCP_S_CLOSED:
        if (w->rows_off)
            conn_times_of(w, c)->t_closed = now;
        if (old == TCP_S_TIME_WAIT)
            break; /* the close ended when TIME_WAIT began */
        c->t_end = now;
        switch (old == TCP_S_LISTEN ? TCP_E_RETRIES : why) {
        case TCP_E_RCV_ACK_OF_FIN:
            c->close_reason = CR_PEER_FIN;
            break;
        case TCP_E_TIMEOUT_FW2:
            c->close_reason = host_conn_owner(hc) == OWNER_NIC ? CR_NIC_FW2 : CR_HOST_FW2;
            if (w->socks->closed != NULL)
                w->socks->closed(c);
            break;
        case TCP_E_RETRIES:
            c->close_reason = CR_RETRIES;
            break;
        default:
            c->close_reason = CR_RST;
            break;
        }
        c->owner_at_close = host_conn_owner(hc);
        w->st.closed++;
        break;
    default:
        break;
    }
}

/* In-order payload or the peer's FIN reached the local application. */
static void local_deliver(host_conn *hc, uint32_t bytes, int fin)
{
    conn *c = CONN_OF(hc);
    world *w = CONN_WORLD(c);

    if (!c->responded)
        c->rcvd += bytes; /* the request: nothing reads it after the response */
    if ((!c->responded && c->rcvd >= w->cfg->workload.request) || fin)
        world__local_wake(w, c);
}

/* A handoff completed: the held segments, then a call that waited. */
static void local_handoff_done(host_conn *hc)
{
    conn *c = CONN_OF(hc);
    world *w = CONN_WORLD(c);

    world__drain_held(w, c);
    if (c->app_pending) {
        c->app_pending = 0;
        world__local_wake(w, c);
    }
}

static void local_released(host_conn *hc)
{
    conn *c = CONN_OF(hc);
    world *w = CONN_WORLD(c);

    if (w->rows_off)
        conn_times_of(w, c)->t_released = sim_now(w->s);
    world__maybe_finish(c);
}

const host_ops world__host_ops = {
    .output = local_output,
    .state = local_state,
    .deliver = local_deliver,
    .handoff_done = local_handoff_done,
    .released = local_released,
};
