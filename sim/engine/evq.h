/*
 * evq.h - the pending set: a monotone radix heap ordered by (time, seq),
 * whose lowest entries are kept as a small sorted run.
 *
 * Only the engine uses it.  An entry is a deadline, the arming sequence
 * number and the event; entries are never removed from the middle (the
 * engine cancels lazily, see sim.c), so the queue needs no back-pointers.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

typedef struct evq_entry {
    sim_time at;
    uint64_t seq;
    sim_event *ev;
} evq_entry;

typedef struct evq_bucket {
    evq_entry *v;
    uint32_t n;
    uint32_t cap;
} evq_bucket;

/* Bucket i holds entries whose time differs from `last` first in bit i-1. */
#define EVQ_NBUCKETS 64

typedef struct evq {
    sim_time last;        /* bucket entries are not earlier; their base */
    sim_time bound;       /* the run holds every entry due before it */
    uint64_t nonempty;    /* bit i: bucket i holds entries */
    uint32_t head;        /* next entry of the run */
    evq_bucket run;       /* the earliest entries, sorted by (at, seq) */
    evq_bucket b[EVQ_NBUCKETS];
} evq;

void evq_init(evq *q);
void evq_fini(evq *q);

/* Entries queued, stale ones included. */
size_t evq_size(const evq *q);

/*
 * Queue an entry.  `at` must not be earlier than the last entry popped (the
 * engine never schedules in the past).  Arrays grow geometrically; running
 * out of memory there is fatal, as it is for the rest of the engine.
 */
void evq_push(evq *q, sim_time at, uint64_t seq, sim_event *ev);

/*
 * Remove the earliest entry into *out if it is due at or before `until`.
 * Returns 0 when the queue is empty or its earliest entry is later than
 * `until`; entries due before that one can still be pushed afterwards.
 */
int evq_pop_until(evq *q, sim_time until, evq_entry *out);

#endif /* SIM_EVQ_H */
