/*
 * record.c - what a run records (world_int.h): a conn row per connection
 * when it leaves the world (or at the end), an occupancy row every
 * sim.sample_interval, the counters, and the integrals of the measurement
 * window.  Rows are buffered for the driver, which drains them between
 * events (and summarises them: close latency, the connections' fates): the
 * model does no I/O.
 *
 * Out of memory, a row is dropped, the run stops after the current event
 * (world__oom) and world_end() returns SIM_ENOMEM: the driver reports the
 * run as failed rather than writing a partial one as complete.
 */
#include "world_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "engine/invariant.h"

const char *const close_reason_name[] = {
    [CR_OPEN] = "open",       [CR_PEER_FIN] = "peer_fin", [CR_NIC_FW2] = "nic_fw2_timeout",
    [CR_HOST_FW2] = "host_fw2_timeout", [CR_RST] = "rst", [CR_RETRIES] = "retries",
};
const char *const peer_outcome_name[] = {
    [PO_OPEN] = "open", [PO_CLEAN] = "clean", [PO_RESET] = "reset",
};

void world__oom(world *w)
{
    if (w->err == SIM_OK)
        w->err = SIM_ENOMEM;
    sim_stop(w->s);
}

/* Room for one more element in *v (cap elements of size bytes); 0 when out of memory. */
static int grow(world *w, void **v, size_t n, size_t *cap, size_t size)
{
    size_t c;
    void *p;

    if (n < *cap)
        return 1;
    c = *cap ? *cap * 2 : 1024;
    p = realloc(*v, c * size);
    if (p == NULL) {
        world__oom(w);
        return 0;
    }
    *v = p;
    *cap = c;
    return 1;
}

/* ---- occupancy -------------------------------------------------------- */

void world__push_sample(world *w)
{
    const nic_stats *n = nic_stats_of(w->nic);
    const host_stats *h = host_stats_of(w->host);
    occupancy_sample *o;

    if (!grow(w, (void **)&w->samples, w->nsamples, &w->samples_cap, sizeof *w->samples))
        return;
    o = &w->samples[w->nsamples++];
    o->t = sim_now(w->s);
    o->nic_total = n->total;
    o->nic_fin_wait_2 = n->fin_wait_2;
    o->host_fin_wait_2 = h->fin_wait_2;
    o->time_wait = h->time_wait;
}

void world__check_counts(world *w)
{
    int64_t nic_total = 0, nic_fw2 = 0, host_fw2 = 0, time_wait = 0;
    uint64_t live = 0;
    conn *c;

    w->checked_at = sim_events(w->s);

    for (size_t k = 0; (c = world__live_from(w, &k)) != NULL;) {
        const host_conn *hc = &c->local;
        owner o = host_conn_owner(hc);
        tcp_state st = host_conn_state(hc);

        live++;
        host_check_conn(hc);
        if (host_conn_released(hc))
            continue;
        nic_total += o != OWNER_HOST; /* a slot from the offload's start to the upload's end */
        nic_fw2 += o == OWNER_NIC && st == TCP_S_FIN_WAIT_2;
        host_fw2 += o == OWNER_HOST && st == TCP_S_FIN_WAIT_2;
        time_wait += st == TCP_S_TIME_WAIT;
    }
    /* The places not finished are the connections opened and not finished. */
    if (live != w->nlive)
        inv_fail(sim_now(w->s), 0, "live connections",
                 "%llu connections found live in the slabs, %llu opened and not finished",
                 (unsigned long long)live, (unsigned long long)w->nlive);
    nic_check_counts(w->nic, nic_total, nic_fw2);
    host_check_counts(w->host, host_fw2, time_wait);
}

void world__sample(sim *s, sim_event *ev)
{
    world *w = SIM_CONTAINER(ev, world, sample_ev);

    if (inv_on() && sim_events(s) - w->checked_at >= w->nlive)
        world__check_counts(w);
    world__push_sample(w);
    /* Keep sampling while anything can still change. */
    if (w->nlive > 0 || sim_event_pending(&w->arrival_ev))
        sim_schedule(s, ev, sim_now(s) + w->cfg->sim.sample_interval);
}

/* ---- conn rows ------------------------------------------------------------ */

void world__record(world *w, conn *c)
{
    conn_record *r;

    if (grow(w, (void **)&w->records, w->nrecords, &w->records_cap, sizeof *w->records)) {
        r = &w->records[w->nrecords++];
        r->conn_id = c->peer.id;
        r->klass = c->klass;
        r->t_open = c->t_open;
        r->t_close = c->t_close;
        r->t_end = c->t_end;
        r->established = c->established;
        if (w->rows_off) {
            const conn_times *ct = conn_times_of(w, c);

            r->t_established = ct->t_established;
            r->t_time_wait = ct->t_time_wait;
            r->t_closed = ct->t_closed;
            r->t_fin_wait_1 = ct->t_fin_wait_1;
            r->t_fin_wait_2 = ct->t_fin_wait_2;
            r->t_released = ct->t_released;
            r->t_peer_closed = ct->t_peer_closed;
            if (inv_on() &&
                (r->t_end != (r->t_time_wait != SIM_NEVER ? r->t_time_wait : r->t_closed) ||
                 r->established != (r->t_established != SIM_NEVER)))
                inv_fail(sim_now(w->s), c->peer.id, "conn row",
                         "the summary's close end %lld or established %d disagrees with the "
                         "row's times (TIME_WAIT %lld, CLOSED %lld, ESTABLISHED %lld)",
                         (long long)r->t_end, r->established, (long long)r->t_time_wait,
                         (long long)r->t_closed, (long long)r->t_established);
        } else {
            r->t_established = r->t_fin_wait_1 = r->t_fin_wait_2 = SIM_NEVER;
            r->t_time_wait = r->t_closed = r->t_released = r->t_peer_closed = SIM_NEVER;
        }
        r->close_reason = c->close_reason;
        r->owner_at_close =
            c->close_reason == CR_OPEN ? (uint8_t)host_conn_owner(&c->local) : c->owner_at_close;
        r->peer_outcome = c->peer_outcome;
        r->handoffs = host_conn_handoffs(&c->local);
    }
}

int world_end(world *w)
{
    conn *c;

    /* A last sample at the end of the run, unless one was just taken. */
    if (w->nsamples == 0 || w->samples[w->nsamples - 1].t != sim_now(w->s))
        world__push_sample(w);
    nic_integrate(w->nic);
    if (inv_on())
        world__check_counts(w);
    for (size_t k = 0; (c = world__live_from(w, &k)) != NULL;) {
        world__record(w, c);
        if (w->drain != NULL &&
            w->nrecords >= (w->rows_off ? WORLD_END_CHUNK : WORLD_END_CHUNK_SUMMARY))
            w->drain(w->drain_arg);
    }
    if (w->err == SIM_OK && (host_error(w->host) != SIM_OK || w->ooo.failed))
        w->err = SIM_ENOMEM;
    return w->err != SIM_OK ? w->err : trace_error(w->trace);
}

void world_set_drain(world *w, void (*fn)(void *arg), void *arg)
{
    w->drain = fn;
    w->drain_arg = arg;
}

const conn_record *world_records(const world *w, size_t *n)
{
    *n = w->nrecords;
    return w->records;
}

void world_records_clear(world *w)
{
    w->nrecords = 0;
}

const occupancy_sample *world_samples(const world *w, size_t *n)
{
    *n = w->nsamples;
    return w->samples;
}

void world_samples_clear(world *w)
{
    w->nsamples = 0;
}

const world_stats *world_stats_of(world *w)
{
    const nic_stats *n = nic_stats_of(w->nic);
    const host_stats *h = host_stats_of(w->host);
    world_stats *st = &w->st;

    st->offloads = h->offloads;
    st->uploads = h->uploads;
    st->refused = n->refused;
    st->nic_fw2_expiries = n->fw2_expiries;
    st->host_fw2_expiries = h->fw2_expiries;
    st->fw2_restarts = n->fw2_restarts + h->fw2_restarts;
    st->indications = n->indications;
    st->nic_peak = n->peak;
    st->nic_area = n->area;
    return st;
}

/* ---- the measurement window --------------------------------------------- */

void world__window_init(world *w)
{
    const sim_params *p = &w->cfg->sim;
    sim_time from = 0, to = SIM_NEVER;

    if (p->window.kind == WINDOW_ARRIVALS) {
        from = p->warmup;
    } else if (p->window.kind == WINDOW_FIXED) {
        from = p->window.from;
        to = p->window.to;
    }
    nic_window(w->nic, from, to);
    host_window(w->host, from, to);
    w->win_first_open = w->win_last_open = SIM_NEVER;
}

void world__window_mark(world *w)
{
    nic_area(w->nic, 0, &w->win_area[0], &w->win_area[1]);
    host_area(w->host, 0, &w->win_area[2], &w->win_area[3]);
    w->win_last_open = sim_now(w->s);
    if (w->win_first_open == SIM_NEVER)
        w->win_first_open = w->win_last_open;
}

void world_window_of(world *w, world_window *out)
{
    const sim_params *p = &w->cfg->sim;
    sim_time now = sim_now(w->s);
    double area[4];

    memset(out, 0, sizeof *out);
    nic_area(w->nic, 0, &area[0], &area[1]);
    host_area(w->host, 0, &area[2], &area[3]);
    switch (p->window.kind) {
    case WINDOW_ARRIVALS:
        /* Nothing is open before the first opening: the window starts
         * there if that is after the warmup (occupancy is 0 until then). */
        out->start = w->win_first_open != SIM_NEVER && w->win_first_open > p->warmup
                         ? w->win_first_open
                         : p->warmup;
        out->end = w->win_last_open;
        memcpy(area, w->win_area, sizeof area);
        break;
    case WINDOW_RUN:
        out->start = 0;
        out->end = now;
        break;
    case WINDOW_FIXED:
        out->start = p->window.from;
        out->end = p->window.to < now ? p->window.to : now;
        break;
    }
    if (out->end == SIM_NEVER || out->end <= out->start) {
        out->whole_run = 1;
        out->start = 0;
        out->end = now;
        nic_area(w->nic, 1, &area[0], &area[1]);
        host_area(w->host, 1, &area[2], &area[3]);
    }
    if (out->end > out->start) {
        double len = (double)(out->end - out->start);

        out->nic_total = area[0] / len;
        out->nic_fin_wait_2 = area[1] / len;
        out->host_fin_wait_2 = area[2] / len;
        out->time_wait = area[3] / len;
    }
}
