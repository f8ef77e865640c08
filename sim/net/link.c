/*
 * link.c - serialization, propagation, loss and jitter (see link.h).
 */
#include "link.h"

#include "engine/slab.h"

sim_time path_transmit(path *p, sim_time now, uint32_t wire_bytes)
{
    net_link *l = p->link;
    sim_time start = l->busy_until > now ? l->busy_until : now;
    /* Serialization time, rounded up to the nanosecond. */
    sim_time tx = (sim_time)(((uint64_t)wire_bytes * 8u * (uint64_t)SIM_S + l->bandwidth_bps - 1) /
                             l->bandwidth_bps);
    sim_time arrival, wait = start - now;

    l->busy_until = start + tx;
    l->st.segments++;
    l->st.busy += tx;
    if (tx > l->st.max_tx)
        l->st.max_tx = tx;
    if (wait > l->st.max_wait)
        l->st.max_wait = wait;
    if (wait > NET_LINK_WAIT * l->st.max_tx)
        l->st.waited++;
    if (p->loss > 0 && rng_uniform(&p->loss_rng) < p->loss) {
        return SIM_NEVER;
    }
    arrival = l->busy_until + p->delay;
    if (p->jitter != NULL)
        arrival += dist_sample_time(p->jitter, &p->jitter_rng);
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
            sim_event_init(&slab[i].ev, fp->deliver, &slab[i]);
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
