/*
 * evq.c - the pending set as a monotone radix heap feeding a sorted run.
 *
 * Why a radix heap.  Event times never go backwards (nothing is scheduled
 * before the event being run), which a radix heap exploits: an entry's
 * bucket is the highest bit in which its time differs from `last`, and an
 * entry only ever moves to a lower bucket, so it is moved a few times at
 * most.  Buckets are appended to and scanned in order, which the cache
 * likes; a binary or 4-ary heap pays a cache miss per level at 10^6 pending
 * events (DESIGN.md, performance notes).
 *
 * Why a sorted run.  Popping an entry leads straight to its event, which at
 * 10^6 pending events is a cache miss on every pop.  The earliest entries
 * are therefore kept in order in a run, topped up from the lowest bucket
 * whenever fewer than EVQ_PREFETCH remain, and each pop prefetches the
 * event EVQ_PREFETCH pops ahead: the miss overlaps the handlers that run
 * meanwhile.
 *
 * Invariants.
 *   1. Every entry due before `bound` is in the run, sorted by (at, seq)
 *      from `head`; every bucket entry is due at or after `bound`.
 *   2. last <= bound, and an entry in bucket i has bucket_of(at, last) == i.
 *      Splitting the lowest bucket i sets last (and bound) to its minimum m;
 *      entries above i share bits >= i with both the old last and m, so
 *      their bucket index does not change.  Absorbing the lowest bucket i
 *      into the run sets bound to the first time whose bits >= i differ
 *      from last; no bucket entry is earlier, since buckets below i are
 *      empty.
 *   3. A push due before `bound` is inserted into the run in order; any
 *      other goes to its bucket.  Pushes are never earlier than the entry
 *      last popped, so the run's order is never violated.
 * Entries therefore leave in (time, seq) order: FIFO among equal times.
 */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* A lowest bucket this small is sorted into the run; a larger one is split. */
#define EVQ_RUN_MAX 64
/* Pops between prefetching an event and running it. */
#define EVQ_PREFETCH 16

static inline unsigned bucket_of(sim_time at, sim_time last)
{
    uint64_t x = (uint64_t)at ^ (uint64_t)last;

    /* Times are non-negative: x < 2^63, so the result is at most 63. */
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

static inline int before(const evq_entry *a, const evq_entry *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

size_t evq_size(const evq *q)
{
    size_t n = q->run.n - q->head;

    for (uint64_t m = q->nonempty; m != 0; m &= m - 1)
        n += q->b[__builtin_ctzll(m)].n;
    return n;
}

void evq_init(evq *q)
{
    memset(q, 0, sizeof *q);
}

void evq_fini(evq *q)
{
    for (unsigned i = 0; i < EVQ_NBUCKETS; i++)
        free(q->b[i].v);
    free(q->run.v);
    memset(q, 0, sizeof *q);
}

static void grow(evq_bucket *b, uint64_t need)
{
    uint64_t cap = b->cap ? b->cap : 64;
    evq_entry *v;

    while (cap < need)
        cap *= 2;
    SIM_ASSERT(cap <= UINT32_MAX, "event queue array over %u entries",
               (unsigned)UINT32_MAX);
    v = realloc(b->v, (size_t)cap * sizeof *v);
    if (v == NULL) {
        fprintf(stderr, "offsim: out of memory growing the event queue to "
                        "%llu entries\n", (unsigned long long)cap);
        exit(1);
    }
    b->v = v;
    b->cap = (uint32_t)cap;
}

static inline void append(evq *q, unsigned i, evq_entry e)
{
    evq_bucket *b = &q->b[i];

    if (b->n == b->cap)
        grow(b, (uint64_t)b->n + 1);
    b->v[b->n++] = e;
    q->nonempty |= (uint64_t)1 << i;
}

/* Insert into the run after every entry that is not later (invariant 3). */
static void run_insert(evq *q, evq_entry e)
{
    evq_bucket *r = &q->run;
    uint32_t lo = q->head, hi = r->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (before(&e, &r->v[mid]))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (r->n == r->cap)
        grow(r, (uint64_t)r->n + 1);
    if (lo < r->n)
        memmove(&r->v[lo + 1], &r->v[lo], (size_t)(r->n - lo) * sizeof *r->v);
    r->v[lo] = e;
    r->n++;
}

void evq_push(evq *q, sim_time at, uint64_t seq, sim_event *ev)
{
    evq_entry e = {at, seq, ev};

    SIM_ASSERT(at >= 0, "push at negative time %lld", (long long)at);
    if (at < q->bound)
        run_insert(q, e);
    else
        append(q, bucket_of(at, q->last), e);
}

static int cmp_entry(const void *a, const void *b)
{
    return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* Sort n entries: insertion sort when few, qsort otherwise. */
static void sort_entries(evq_entry *v, uint32_t n)
{
    if (n > EVQ_RUN_MAX) {
        qsort(v, n, sizeof *v, cmp_entry);
        return;
    }
    for (uint32_t k = 1; k < n; k++) {
        evq_entry e = v[k];
        uint32_t j = k;

        while (j > 0 && before(&e, &v[j - 1])) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = e;
    }
}

/* Move the lowest bucket (index i) to the end of the run (invariant 2). */
static void absorb(evq *q, unsigned i)
{
    evq_bucket *r = &q->run, *src = &q->b[i];
    uint32_t keep = r->n - q->head;

    if (keep > 0 && q->head > 0)
        memmove(r->v, r->v + q->head, (size_t)keep * sizeof *r->v);
    q->head = 0;
    if ((uint64_t)keep + src->n > r->cap)
        grow(r, (uint64_t)keep + src->n);
    sort_entries(src->v, src->n);
    memcpy(r->v + keep, src->v, (size_t)src->n * sizeof *src->v);
    r->n = keep + src->n;
    src->n = 0;
    q->nonempty &= ~((uint64_t)1 << i);
    q->bound = i == 0 ? q->last + 1
                      : (sim_time)((((uint64_t)q->last >> i) + 1) << i);
    for (uint32_t k = keep; k < r->n && k < EVQ_PREFETCH; k++)
        __builtin_prefetch(r->v[k].ev, 1);
}

/* Split bucket i > 0 around its minimum into the buckets below it. */
static void split(evq *q, unsigned i)
{
    evq_bucket *src = &q->b[i];
    sim_time m = src->v[0].at;

    for (uint32_t k = 1; k < src->n; k++)
        if (src->v[k].at < m)
            m = src->v[k].at;
    q->last = m;
    q->bound = m;
    q->nonempty &= ~((uint64_t)1 << i);
    for (uint32_t k = 0; k < src->n; k++)
        append(q, bucket_of(src->v[k].at, m), src->v[k]);
    src->n = 0;
}

/* Top the run up to EVQ_PREFETCH entries, while buckets hold any. */
static void top_up(evq *q)
{
    while (q->run.n - q->head < EVQ_PREFETCH && q->nonempty != 0) {
        unsigned i = (unsigned)__builtin_ctzll(q->nonempty);

        if (i == 0 || q->b[i].n <= EVQ_RUN_MAX)
            absorb(q, i);
        else
            split(q, i);
    }
}

int evq_pop_until(evq *q, sim_time until, evq_entry *out)
{
    evq_bucket *r = &q->run;

    if (r->n - q->head < EVQ_PREFETCH)
        top_up(q);
    if (q->head == r->n || r->v[q->head].at > until)
        return 0;
    *out = r->v[q->head++];
    if (q->head + EVQ_PREFETCH <= r->n)
        __builtin_prefetch(r->v[q->head + EVQ_PREFETCH - 1].ev, 1);
    return 1;
}
