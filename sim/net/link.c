/*
 * link.c - serialization, propagation, loss and jitter (see link.h).
 */
#include "link.h"

#include <stdio.h>
#include <stdlib.h>

sim_time path_transmit(path *p, sim_time now, uint32_t wire_bytes)
{
    net_link *l = p->link;
    sim_time start = l->busy_until > now ? l->busy_until : now;
    /* Serialization time, rounded up to the nanosecond. */
    sim_time tx = (sim_time)(((uint64_t)wire_bytes * 8u * 1000000000u + l->bandwidth_bps - 1) /
                             l->bandwidth_bps);
    sim_time arrival;

    l->busy_until = start + tx;
    l->segments++;
    if (p->loss > 0 && rng_uniform(&p->loss_rng) < p->loss) {
        l->lost++;
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
    fp->in_use = 0;
}

void flight_pool_fini(flight_pool *fp)
{
    for (size_t i = 0; i < fp->nslabs; i++)
        free(fp->slabs[i]);
    free(fp->slabs);
    fp->slabs = NULL;
    fp->nslabs = fp->cap = 0;
    fp->free = NULL;
}

flight *flight_get(flight_pool *fp)
{
    flight *f;

    if (fp->free == NULL) {
        flight *slab = malloc(FLIGHT_SLAB * sizeof *slab);

        if (fp->nslabs == fp->cap) {
            size_t cap = fp->cap ? fp->cap * 2 : 16;
            void **s = realloc(fp->slabs, cap * sizeof *s);

            if (s == NULL)
                slab = NULL;
            else {
                fp->slabs = s;
                fp->cap = cap;
            }
        }
        if (slab == NULL) {
            fprintf(stderr, "offsim: out of memory for segments in flight\n");
            exit(1);
        }
        fp->slabs[fp->nslabs++] = slab;
        for (size_t i = 0; i < FLIGHT_SLAB; i++) {
            sim_event_init(&slab[i].ev, fp->deliver, &slab[i]);
            slab[i].next = fp->free;
            fp->free = &slab[i];
        }
    }
    f = fp->free;
    fp->free = f->next;
    f->next = NULL;
    fp->in_use++;
    return f;
}

void flight_put(flight_pool *fp, flight *f)
{
    f->next = fp->free;
    fp->free = f;
    fp->in_use--;
}
