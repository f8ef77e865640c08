/*
 * evq.h - the pending set: a monotone radix heap ordered by (time, seq),
 * whose lowest entries are kept as a short sorted run, with a binary heap
 * beside the run for the few pushes it cannot take cheaply.
 *
 * Only the engine uses it.  An entry is a deadline, the arming sequence
 * number and the record of the event (below); entries are never removed
 * from the middle (the
 * engine cancels lazily, see sim.c), so the queue needs no back-pointers.
 * Every operation is amortised O(log n) or better whatever the times
 * (evq.c says why); the common ones, a push into a bucket and a pop from
 * the run, are inline below.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/*
 * The record of an armed event (sim.c): what a 48-byte event used to hold
 * in the model's object, kept only while the event is armed or an entry of
 * it is queued.  Records live in the engine's slabs and are reused, never
 * freed, during a run, so an entry may point at one after its event went.
 * A record is 32 bytes, aligned: a pop touches one cache line for it, never
 * two, and at 10^6 pending events the records take 32 MB, not 64 (the hold
 * model's rate follows the memory its pops reach).
 */
struct __attribute__((aligned(32))) sim_rec {
    sim_time at;       /* deadline while armed (kept when cancelled) */
    uint64_t seq;      /* arming order (low SIM_SEQ_BITS), taken at each
                        * schedule/restart; the event's handler (kind) above */
    uint64_t qseq;     /* sequence of its live queue entry, 0: none */
    union {
        sim_event *ev; /* the event it is the record of */
        sim_rec *next; /* in the pool: the next free record */
    };
};

/* Arming sequence numbers are below 2^SIM_SEQ_BITS: 7 * 10^16 schedules and
 * restarts, 22 years at 10^8 a second.  The engine stops with an assertion
 * rather than let one wrap around (sim.c). */
#define SIM_SEQ_BITS 56

typedef struct evq_entry {
    sim_time at;
    uint64_t seq;
    sim_rec *rec;
} evq_entry;

typedef struct evq_array {
    evq_entry *v;
    uint32_t n;
    uint32_t cap;
} evq_array;

/*
 * A bucket is a chain of blocks of EVQ_BLOCK entries (4 KB): its room
 * follows its entries, never more than one block beyond them, and the
 * blocks of a bucket being split or absorbed are reused at once, still in
 * cache, by the buckets being filled.  A bucket holds entries if and only
 * if it has a block.
 */
#define EVQ_BLOCK 169

typedef struct evq_block {
    struct evq_block *next;
    evq_entry v[EVQ_BLOCK];
} evq_block;

typedef struct evq_bucket {
    evq_entry *w;         /* where its next entry goes (NULL: no block) */
    evq_entry *end;       /* the end of its last block */
    evq_block *first, *last;
} evq_bucket;

/*
 * Work done, for tests that bound it (tests/test_queue.c): built only with
 * OFFSIM_EVQ_COUNT defined, so that the engine proper pays nothing.
 */
typedef struct evq_counters {
    uint64_t moves;    /* entries written into or within the queue's arrays */
    uint64_t compares; /* (time, seq) comparisons */
    uint64_t pushes;
    uint64_t pops;
} evq_counters;

#ifdef OFFSIM_EVQ_COUNT
#define EVQ_COUNT(q, field, k) ((q)->ops.field += (uint64_t)(k))
#else
#define EVQ_COUNT(q, field, k) ((void)0)
#endif

/*
 * Buckets by the highest 4-bit digit in which a time differs from `last`:
 * bucket 16*d + v holds the entries that agree with `last` above digit d and
 * have v there.  Bucket order is time order; buckets 0..15 (d = 0) hold one
 * time each, the lowest holding entries due at `last` itself.
 */
#define EVQ_DIGIT 4
#define EVQ_NBUCKETS 256
/*
 * The run's depth: it is topped up from the buckets whenever it holds fewer
 * entries than this, and a pop fetches the record of the entry this many
 * pops ahead (less one).  EVQ_PREFETCH at most, EVQ_DEPTH_MIN at least:
 * evq.c shortens the run while most of the entries it takes are pushes due
 * before its bound, each a sorted insert, and lengthens it again when few
 * are.
 */
#define EVQ_PREFETCH 32
#define EVQ_DEPTH_MIN 4

typedef struct evq {
    evq_entry *run;       /* the earliest entries, sorted, run[head..n) */
    uint32_t head;
    uint32_t n;
    uint32_t cap;
    uint64_t bound;       /* run entries are due before it, bucket entries
                           * at or after it (up to 2^63: unsigned) */
    sim_time last;        /* the buckets' base: no bucket entry is earlier */
    uint64_t nonempty[EVQ_NBUCKETS / 64]; /* bit i: bucket i holds entries */
    size_t count;         /* entries held, stale ones included */
    size_t alloc;         /* room for entries, in the arrays and all blocks */
    size_t absorbed;      /* entries moved into the run since the last trim */
    uint32_t depth;       /* EVQ_DEPTH_MIN .. EVQ_PREFETCH (above) */
    uint64_t win_in;      /* since depth was last reconsidered: entries */
    uint64_t win_abs;     /* inserted into the run, and absorbed into it */
    evq_array heap;       /* entries the run could not take cheaply */
    evq_block *pool;      /* blocks no bucket holds, linked through ->next */
    size_t npool;
    size_t nblocks;       /* blocks allocated, the pool's included */
    size_t alloc_limit;   /* entries all arrays may hold, 0 unlimited: a
                           * test's stand-in for an exhausted allocator */
    int failed;           /* an array could not grow (see evq_push) */
    evq_bucket b[EVQ_NBUCKETS];
#ifdef OFFSIM_EVQ_COUNT
    evq_counters ops;
#endif
} evq;

void evq_init(evq *q);
void evq_fini(evq *q);

/* Entries queued, stale ones included. */
static inline size_t evq_size(const evq *q)
{
    return q->count;
}

/* Bytes the queue has allocated for entries. */
size_t evq_bytes(const evq *q);

/*
 * Keep only the entries for which keep(entry, arg) is true; keep is called
 * once per entry, in no particular order.  O(entries), and the arrays are
 * shrunk to fit afterwards.
 */
void evq_filter(evq *q, int (*keep)(const evq_entry *e, void *arg), void *arg);

static inline unsigned evq__bucket_of(sim_time at, sim_time last)
{
    /* The highest digit in which they differ (0 when equal: `last`'s own
     * level-0 bucket).  Times are below 2^63, so d is at most 15. */
    uint64_t x = ((uint64_t)at ^ (uint64_t)last) | 1;
    unsigned shift = (63u ^ (unsigned)__builtin_clzll(x)) & ~(EVQ_DIGIT - 1u); /* 4d */

    return (shift << 2) | (unsigned)(((uint64_t)at >> shift) & 15);
}

/* Fetch a record into the cache ahead of its pop (one line: it is aligned). */
static inline void evq__prefetch(const sim_rec *r)
{
    __builtin_prefetch(r, 1);
}

int evq__push_slow(evq *q, evq_entry e);
int evq__pop_slow(evq *q, sim_time until, evq_entry *out);

/*
 * Queue an entry.  `at` must not be earlier than the last entry popped (the
 * engine never schedules in the past).  0, or -1 when an array or a block
 * could not be allocated: the queue is then failed for good (entries
 * were dropped, `failed` is set, and a pop that needed to refill returns 0)
 * and only evq_fini may follow; the engine pops nothing more, ends the run,
 * and its driver reports SIM_ENOMEM (sim_error).
 */
static inline int evq_push(evq *q, sim_time at, uint64_t seq, sim_rec *r)
{
    evq_entry e = {at, seq, r};

    if ((uint64_t)at >= q->bound && at >= 0) {
        evq_bucket *b = &q->b[evq__bucket_of(at, q->last)];

        if (b->w != b->end) {
            *b->w++ = e;
            q->count++;
            EVQ_COUNT(q, pushes, 1);
            EVQ_COUNT(q, moves, 1);
            return 0;
        }
    }
    return evq__push_slow(q, e);
}

/*
 * Remove the earliest entry into *out if it is due at or before `until`.
 * Returns 0 when the queue is empty or its earliest entry is later than
 * `until`; entries due before that one can still be pushed afterwards.
 */
static inline int evq_pop_until(evq *q, sim_time until, evq_entry *out)
{
    uint32_t h = q->head;

    /* The run's head is the earliest entry when the heap is empty. */
    if (q->n - h >= q->depth && q->heap.n == 0) {
        const evq_entry *e = &q->run[h];

        if (e->at > until)
            return 0;
        *out = *e;
        q->head = h + 1;
        q->count--;
        EVQ_COUNT(q, pops, 1);
        evq__prefetch(q->run[h + q->depth - 1].rec);
        return 1;
    }
    return evq__pop_slow(q, until, out);
}

/*
 * The record of the entry half the run's depth ahead, or NULL: the engine
 * fetches its event, the record having been fetched as many pops ago.
 */
static inline sim_rec *evq_ahead(const evq *q)
{
    uint32_t k = q->head + q->depth / 2;

    return k < q->n ? q->run[k].rec : NULL;
}

#ifdef OFFSIM_EVQ_COUNT
/* The counters of an engine's queue (sim.c). */
void sim_queue_counters(const sim *s, evq_counters *out);
#endif

#endif /* SIM_EVQ_H */
