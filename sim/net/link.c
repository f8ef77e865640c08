/*
 * link.c - serialization, propagation, loss and jitter (see link.h).
 */
#include "link.h"

#include "engine/slab.h"

/* Serialization time of wire_bytes at bps, rounded up to the nanosecond. */
static sim_time tx_time(uint64_t bps, uint32_t wire_bytes)
{
    return (sim_time)(((uint64_t)wire_bytes * 8u * (uint64_t)SIM_S + bps - 1) / bps);
}

void path_class_rate(path_class *k, uint64_t bps)
{
    k->bandwidth_bps = bps;
    /* 1 Gbit/s: 8 ns a byte.  Then tx_time is wire_bytes * byte_ns exactly,
     * and a segment costs no division. */
    k->byte_ns = (8u * (uint64_t)SIM_S) % bps == 0 ? (sim_time)(8u * (uint64_t)SIM_S / bps) : 0;
}

/* A segment taking tx to serialize joins a FIFO queue free at *busy_until:
 * when it has left. */
static sim_time enqueue(sim_time *busy_until, net_link_stats *st, sim_time tx, sim_time now)
{
    sim_time start = *busy_until > now ? *busy_until : now;
    sim_time wait = start - now;

    st->segments++;
    st->busy += tx;
    if (tx > st->max_tx)
        st->max_tx = tx;
    /* Most segments find their queue empty (wait 0): neither maximum nor
     * count can move (max_wait starts at 0). */
    if (wait > 0) {
        if (wait > st->max_wait)
            st->max_wait = wait;
        if (wait > NET_LINK_WAIT_MIN && wait > NET_LINK_WAIT * st->max_tx)
            st->waited++;
    }
    *busy_until = start + tx;
    return *busy_until;
}

sim_time link_cross(net_link *l, sim_time now, uint32_t wire_bytes)
{
    return enqueue(&l->busy_until, &l->st, tx_time(l->bandwidth_bps, wire_bytes), now);
}

sim_time path_transmit(path *p, path_class *k, uint32_t id, sim_time delay, net_link *first,
                       sim_time now, uint32_t wire_bytes)
{
    sim_time sent, arrival;

    if (first != NULL)
        now = link_cross(first, now, wire_bytes);
    sent = enqueue(&p->busy_until, &k->st,
                   k->byte_ns ? (sim_time)wire_bytes * k->byte_ns
                              : tx_time(k->bandwidth_bps, wire_bytes),
                   now);
    if (k->loss > 0) {
        rng_stream r = rng_at(k->seed, id, k->loss_purpose, p->loss_n);
        double u = rng_uniform(&r);

        p->loss_n = rng_count(&r);
        if (u < k->loss)
            return SIM_NEVER;
    }
    arrival = sent + delay;
    if (k->jitter != NULL) {
        rng_stream r = rng_at(k->seed, id, k->jitter_purpose, p->jitter_n);

        arrival += dist_sample_time(k->jitter, &r);
        p->jitter_n = rng_count(&r);
    }
    if (arrival < p->last_arrival)
        arrival = p->last_arrival;
    p->last_arrival = arrival;
    return arrival;
}

#define FLIGHT_SLAB 4096

void flight_pool_init(flight_pool *fp, sim_handler *deliver)
{
    fp->free = NULL;
    fp->slabs = NULL;
    fp->nslabs = 0;
    fp->cap = 0;
    fp->deliver = deliver;
}

void flight_pool_fini(flight_pool *fp)
{
    slabs_free(fp->slabs, fp->nslabs);
    fp->slabs = NULL;
    fp->nslabs = fp->cap = 0;
    fp->free = NULL;
}

flight *flight_get(flight_pool *fp)
{
    flight *f;

    if (fp->free == NULL) {
        flight *slab = slab_add(&fp->slabs, &fp->nslabs, &fp->cap, FLIGHT_SLAB * sizeof *slab);

        if (slab == NULL)
            return NULL;
        for (size_t i = 0; i < FLIGHT_SLAB; i++) {
            sim_event_init(&slab[i].ev, fp->deliver);
            slab[i].next = fp->free;
            fp->free = &slab[i];
        }
    }
    f = fp->free;
    fp->free = f->next;
    f->next = NULL;
    return f;
}

void flight_put(flight_pool *fp, flight *f)
{
    f->next = fp->free;
    fp->free = f;
}
