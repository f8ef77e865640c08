/*
 * evq.c - the pending set as a monotone radix heap feeding a sorted run,
 * with a binary heap for what the run cannot take cheaply.
 *
 * Why a radix heap.  Event times never go backwards (nothing is scheduled
 * before the event being run), which a radix heap exploits: an entry's
 * bucket is the highest digit in which its time differs from `last` (and
 * that digit's value), and an entry only ever moves to a lower bucket, at
 * least one digit lower each time, so it is moved at most 16 times (4 at 10^6
 * pending events of the hold model).  Buckets are appended to and scanned in
 * order, which the cache likes; a binary or 4-ary heap pays a cache miss per
 * level at 10^6 pending events (DESIGN.md, performance notes).  Digits of 4
 * bits move an entry a quarter as often as bits would, for 256 buckets.
 *
 * Why a sorted run.  Popping an entry leads straight to its event's record
 * (sim.c), and from there to the event, which at 10^6 pending events are
 * cache misses on every pop.  The earliest entries are therefore kept in
 * order in a run, topped up from the lowest bucket whenever fewer than
 * `depth` remain; each pop prefetches the record `depth` pops ahead, and
 * the engine the event of the one half as far (evq_ahead): the misses
 * overlap the handlers that run meanwhile.
 *
 * Why its depth changes.  The deeper the run, the further its bound lies
 * ahead, and a push due before the bound is a sorted insert: a binary
 * search and a shift of the entries after it, where a push into a bucket
 * is an append.  A model whose next events are few and near, among many
 * far timers (default.ini: a segment every millisecond or so, each pushing
 * the next 5 to 60 ms ahead, among thousands of FIN_WAIT_2 and TIME_WAIT
 * timers), needs a run of 32 entries to span 100 ms, and nearly every push
 * lands in it; the hold model's pushes land beyond it.  So the depth is
 * halved, down to EVQ_DEPTH_MIN, while most of the entries joining the run
 * are inserts, and doubled, up to EVQ_PREFETCH, while fewer than an eighth
 * are (adapt_depth): at default.ini's 10^6 connections that takes 8 % off
 * the simulation's CPU time (at a depth of 4, about 40 % of its pushes are
 * still inserts), and changes nothing for the hold model.
 *
 * Why a heap beside it.  A push due before `bound` cannot go to a bucket;
 * it goes into the run in order, which moves the run entries after it (or
 * those before it, into the space the pops freed, when they are fewer).
 * Absorbing a sparse bucket can put `bound` far ahead (a lone timer an hour
 * away), and a run that took every such push would grow without limit,
 * each push moving all of it: O(n) a push.  So an insert never moves more
 * than EVQ_INSERT_MAX entries.  When it would, the run entries in its way
 * that are due after both it and `last` go back to the buckets, `bound`
 * coming down to the first of them, if they are at least half that many;
 * if the entry still has too many in its way (they are earlier than
 * `last`, or ties of it), it goes to the heap instead, O(log n).  The heap
 * is empty in steady state; a pop looks at it only when it is not.
 *
 * Invariants.
 *   1. The run holds entries due before `bound`, sorted by (at, seq) from
 *      `head`; every bucket entry is due at or after `bound`.  The heap
 *      holds any entries (none earlier than the last pop, like all others).
 *   2. last <= bound, and an entry in bucket i has bucket_of(at, last) == i.
 *      Splitting the lowest bucket i sets last to the start of its range,
 *      B; the entries of buckets above i agree with both the old last and B
 *      down to their own digit, so their bucket index does not change, and
 *      those of bucket i differ from B in a lower digit.  Absorbing the
 *      lowest bucket i into the run sets bound to the end of its range; no
 *      bucket entry is earlier, since the buckets below i are empty.
 *      Spilling run entries back to the buckets lowers bound to the first
 *      of them, which is later than last.
 *   3. Whenever the buckets hold entries, a pop finds the run non-empty
 *      (it tops the run up first), so the earliest entry is the run's head
 *      or the heap's top.
 * Entries therefore leave in (time, seq) order: FIFO among equal times.
 *
 * Cost.  A push is O(1) into a bucket, O(EVQ_INSERT_MAX) into the run, or
 * O(log n) into the heap.  An entry moves down between buckets at most 16
 * times.  A bucket is absorbed when it holds at most EVQ_ABSORB_MAX entries
 * (a counting sort on the next digit down, then an insertion sort among
 * entries that share it), or a single time, which first becomes `last` (its
 * ties in seq order: nothing to do when they already are, as pushes at one
 * time usually are, else a merge sort, O(k log k)), or, on digit 2, at most
 * EVQ_ABSORB_WIDE entries when it follows the run closely (a counting sort
 * on digits 1 and 0 at once, leaving ties to put in seq order as for a
 * single time): at 10^6 pending events of the hold model that saves a pass
 * of every entry through the level-1 buckets.  A spill moves at least
 * EVQ_INSERT_MAX / 2 entries, all later than `last`, so none came from a
 * one-time bucket (those are at or before `last`): they entered the run by
 * inserts or by absorbs, at most EVQ_PREFETCH a pop, of at most
 * EVQ_ABSORB_MAX entries but the last, which may be a wide one, so spills
 * cost O(1) amortised per push or pop, and so do the moves down the
 * buckets again of the entries spilled.  Memory follows
 * the entries held: a bucket is a chain of blocks (evq.h) whose blocks go
 * back to a pool as soon as they are emptied, the pool keeps at most an
 * eighth of the entries' room (plus EVQ_TRIM_SLACK), the run is compacted
 * as it is consumed and shrunk with the heap when they are much larger than
 * the queue (trim()), and the engine drops entries that can only be
 * skipped when they outnumber the pending events (sim.c).
 */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* A lowest bucket this small is sorted into the run; a larger one is split
 * (unless it holds a single time). */
#define EVQ_ABSORB_MAX 32
/* A lowest bucket on digit 2 this small is sorted into the run at once. */
#define EVQ_ABSORB_WIDE 512
/* Entries joining the run between reconsidering its depth (evq.h). */
#define EVQ_DEPTH_WINDOW 1024
/* The most run entries an insert may move. */
#define EVQ_INSERT_MAX 64
/* The smallest array allocated. */
#define EVQ_MIN_CAP 16
/*
 * Slack.  Blocks emptied go to a pool while it holds less room than an
 * eighth of the entries queued plus this many; beyond that they are freed.
 * The run and the heap keep the room they needed lately: after as many
 * entries went through the run as the queue holds, if the queue could hold
 * this many more than 1.25x its entries, they are shrunk and the pool
 * emptied, so that the room of a burst long past goes back without a steady
 * state paying for regrowing arrays.  At 4x it is done at once.
 */
#define EVQ_TRIM_SLACK 8192

static inline int before(evq *q, const evq_entry *a, const evq_entry *b)
{
    (void)q;
    EVQ_COUNT(q, compares, 1);
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

size_t evq_bytes(const evq *q)
{
    return ((size_t)q->cap + q->heap.cap) * sizeof(evq_entry) + q->nblocks * sizeof(evq_block);
}

void evq_init(evq *q)
{
    memset(q, 0, sizeof *q);
    q->depth = EVQ_PREFETCH;
}

static void blocks_free(evq_block *k)
{
    while (k != NULL) {
        evq_block *next = k->next;

        free(k);
        k = next;
    }
}

void evq_fini(evq *q)
{
    for (unsigned i = 0; i < EVQ_NBUCKETS; i++)
        blocks_free(q->b[i].first);
    blocks_free(q->pool);
    free(q->run);
    free(q->heap.v);
    memset(q, 0, sizeof *q);
}

/*
 * Reallocate *v to exactly `want` entries (0: free it).  -1 when the
 * allocator refuses (or the entries would pass alloc_limit): *v is as it was.
 */
static int resize(evq *q, evq_entry **v, uint32_t *cap, uint64_t want)
{
    evq_entry *nv = NULL;

    SIM_ASSERT(want <= UINT32_MAX, "event queue array over %u entries", (unsigned)UINT32_MAX);
    if (want == 0) {
        free(*v);
    } else {
        if (q->alloc_limit != 0 && want > *cap && q->alloc - *cap + want > q->alloc_limit)
            return -1;
        nv = realloc(*v, (size_t)want * sizeof *nv);
        if (nv == NULL)
            return -1;
    }
    q->alloc = q->alloc - *cap + (size_t)want;
    *v = nv;
    *cap = (uint32_t)want;
    return 0;
}

/*
 * Make room for at least `need` entries, doubling.  When that fails the
 * queue is marked failed and -1 returned: the caller drops what it could
 * not place, and the engine ends the run with SIM_ENOMEM (evq.h).
 */
static int grow(evq *q, evq_entry **v, uint32_t *cap, uint64_t need)
{
    uint64_t c = *cap ? *cap : EVQ_MIN_CAP;

    while (c < need)
        c *= 2;
    if (resize(q, v, cap, c) != 0) {
        q->failed = 1;
        return -1;
    }
    return 0;
}

/* Shrink an array to room for n entries and an eighth (at least
 * EVQ_MIN_CAP), or free it when n is 0. */
static void shrink(evq *q, evq_entry **v, uint32_t *cap, uint32_t n)
{
    uint64_t want = n == 0 ? 0 : n < EVQ_MIN_CAP ? EVQ_MIN_CAP : (uint64_t)n + n / 8;

    if (want < *cap)
        (void)resize(q, v, cap, want); /* a refused shrink keeps the larger array */
}

/* ---- the buckets */

static inline void set_nonempty(evq *q, unsigned i)
{
    q->nonempty[i / 64] |= (uint64_t)1 << (i % 64);
}

static inline void clear_nonempty(evq *q, unsigned i)
{
    q->nonempty[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* The lowest bucket holding entries, -1 if none. */
static inline int lowest(const evq *q)
{
    for (unsigned w = 0; w < EVQ_NBUCKETS / 64; w++)
        if (q->nonempty[w] != 0)
            return (int)(64 * w + (unsigned)__builtin_ctzll(q->nonempty[w]));
    return -1;
}

/* The lowest bucket above i holding entries, -1 if none. */
static inline int lowest_above(const evq *q, unsigned i)
{
    unsigned w = (i + 1) / 64;
    uint64_t m;

    if (i + 1 >= EVQ_NBUCKETS)
        return -1;
    m = q->nonempty[w] & (~(uint64_t)0 << ((i + 1) % 64));
    while (m == 0) {
        if (++w == EVQ_NBUCKETS / 64)
            return -1;
        m = q->nonempty[w];
    }
    return (int)(64 * w + (unsigned)__builtin_ctzll(m));
}

/* Fetch the start of a block (4 lines) into the cache ahead of reading it. */
static inline void block_prefetch(const evq_block *k)
{
    for (unsigned l = 0; l < 4; l++)
        __builtin_prefetch((const char *)k + 64 * l);
}

/*
 * The first time of bucket i's range, and the first time after it: the
 * times that agree with `last` above digit d = i / 16 and have i % 16 there.
 * The end is at most 2^63 (a time below 2^63 has at most 7 in digit 15).
 */
static inline uint64_t range_start(sim_time last, unsigned i)
{
    unsigned shift = EVQ_DIGIT * (i / 16);
    uint64_t above = shift + EVQ_DIGIT < 64 ? (uint64_t)last >> (shift + EVQ_DIGIT) : 0;

    return ((above << EVQ_DIGIT) + i % 16) << shift;
}

static inline uint64_t range_end(sim_time last, unsigned i)
{
    return range_start(last, i) + ((uint64_t)1 << (EVQ_DIGIT * (i / 16)));
}

/* A block from the pool, else a new one; NULL (the queue failed) when the
 * allocator refuses or the queue would pass alloc_limit. */
static evq_block *block_get(evq *q)
{
    evq_block *k = q->pool;

    if (k != NULL) {
        q->pool = k->next;
        q->npool--;
        return k;
    }
    if ((q->alloc_limit != 0 && q->alloc + EVQ_BLOCK > q->alloc_limit) ||
        (k = malloc(sizeof *k)) == NULL) {
        q->failed = 1;
        return NULL;
    }
    q->nblocks++;
    q->alloc += EVQ_BLOCK;
    return k;
}

/* A block no bucket holds any more: to the pool, or freed when the pool
 * holds enough. */
static void block_put(evq *q, evq_block *k)
{
    if (q->npool * EVQ_BLOCK > q->count / 8 + EVQ_TRIM_SLACK) {
        free(k);
        q->nblocks--;
        q->alloc -= EVQ_BLOCK;
        return;
    }
    k->next = q->pool;
    q->pool = k;
    q->npool++;
}

/* Bucket i's last block is full (or it has none): give it another.  -1
 * when that failed (the queue has failed). */
static int add_block(evq *q, unsigned i)
{
    evq_bucket *b = &q->b[i];
    evq_block *k = block_get(q);

    if (k == NULL)
        return -1;
    k->next = NULL;
    if (b->last != NULL) {
        b->last->next = k;
    } else {
        b->first = k;
        set_nonempty(q, i);
    }
    b->last = k;
    b->w = k->v;
    b->end = k->v + EVQ_BLOCK;
    return 0;
}

/* Bucket i is emptied: its blocks go back. */
static void bucket_clear(evq *q, unsigned i)
{
    evq_bucket *b = &q->b[i];
    evq_block *k = b->first;

    while (k != NULL) {
        evq_block *next = k->next;

        block_put(q, k);
        k = next;
    }
    memset(b, 0, sizeof *b);
    clear_nonempty(q, i);
}

/* The end of block k's entries in bucket b. */
static inline evq_entry *block_end(const evq_bucket *b, evq_block *k)
{
    return k == b->last ? b->w : k->v + EVQ_BLOCK;
}

/* Entries in bucket b, counted block by block until they pass m. */
static size_t bucket_count_upto(const evq_bucket *b, size_t m)
{
    size_t n = 0;

    for (evq_block *k = b->first; k != NULL && n <= m; k = k->next)
        n += (size_t)(block_end(b, k) - k->v);
    return n;
}

/* Entries in bucket b. */
static size_t bucket_count(const evq_bucket *b)
{
    return bucket_count_upto(b, SIZE_MAX);
}

static inline void append(evq *q, unsigned i, evq_entry e)
{
    evq_bucket *b = &q->b[i];

    if (b->w == b->end && add_block(q, i) != 0) {
        q->count--; /* dropped: the queue has failed */
        return;
    }
    *b->w++ = e;
    EVQ_COUNT(q, moves, 1);
}

/* ---- the heap: a binary min-heap on (at, seq) */

static void heap_push(evq *q, evq_entry e)
{
    evq_array *h = &q->heap;
    uint32_t k;

    if (h->n == h->cap && grow(q, &h->v, &h->cap, (uint64_t)h->n + 1) != 0) {
        q->count--; /* dropped: the queue has failed */
        return;
    }
    k = h->n++;
    while (k > 0) {
        uint32_t p = (k - 1) / 2;

        if (!before(q, &e, &h->v[p]))
            break;
        h->v[k] = h->v[p];
        EVQ_COUNT(q, moves, 1);
        k = p;
    }
    h->v[k] = e;
    EVQ_COUNT(q, moves, 1);
}

static void sift_down(evq *q, uint32_t k)
{
    evq_array *h = &q->heap;
    evq_entry e = h->v[k];

    for (;;) {
        uint32_t c = 2 * k + 1;

        if (c >= h->n)
            break;
        if (c + 1 < h->n && before(q, &h->v[c + 1], &h->v[c]))
            c++;
        if (!before(q, &h->v[c], &e))
            break;
        h->v[k] = h->v[c];
        EVQ_COUNT(q, moves, 1);
        k = c;
    }
    h->v[k] = e;
    EVQ_COUNT(q, moves, 1);
}

static evq_entry heap_pop(evq *q)
{
    evq_array *h = &q->heap;
    evq_entry top = h->v[0];

    h->v[0] = h->v[--h->n];
    if (h->n > 0)
        sift_down(q, 0);
    return top;
}

/* ---- the run */

/* Room for `need` more entries at the run's end: compact, else grow (-1
 * when that failed). */
static int run_room(evq *q, uint32_t need)
{
    uint32_t live = q->n - q->head;

    if ((uint64_t)q->n + need <= q->cap)
        return 0;
    /* Moving the live entries down is paid for by the pops that freed the
     * space, when they are at least as many; otherwise grow. */
    if (q->head > 0 && q->head >= live && (uint64_t)live + need <= q->cap) {
        memmove(q->run, q->run + q->head, (size_t)live * sizeof *q->run);
        EVQ_COUNT(q, moves, live);
        q->head = 0;
        q->n = live;
        return 0;
    }
    return grow(q, &q->run, &q->cap, (uint64_t)q->n + need);
}

/* The first index in [lo, n) whose entry comes after e (n if none). */
static uint32_t run_upper(evq *q, uint32_t lo, const evq_entry *e)
{
    uint32_t hi = q->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (before(q, e, &q->run[mid]))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The first index in [lo, n) whose entry is due after `at` (n if none). */
static uint32_t run_after(evq *q, uint32_t lo, sim_time at)
{
    uint32_t hi = q->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        EVQ_COUNT(q, compares, 1);
        if (at < q->run[mid].at)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/*
 * The run's entries from `from` on, all due after `last`, go back to the
 * buckets, and bound comes down to the first of them (invariant 2).
 */
static void spill(evq *q, uint32_t from)
{
    SIM_ASSERT(q->run[from].at > q->last, "spilling an entry at %lld, not after last %lld",
               (long long)q->run[from].at, (long long)q->last);
    q->bound = (uint64_t)q->run[from].at;
    for (uint32_t k = from; k < q->n; k++)
        append(q, evq__bucket_of(q->run[k].at, q->last), q->run[k]);
    q->n = from;
}

/* A push due before bound, or into a bucket whose last block is full. */
int evq__push_slow(evq *q, evq_entry e)
{
    uint32_t pos;

    SIM_ASSERT(e.at >= 0, "push at negative time %lld", (long long)e.at);
    q->count++;
    EVQ_COUNT(q, pushes, 1);
    if ((uint64_t)e.at >= q->bound) {
        append(q, evq__bucket_of(e.at, q->last), e);
        return q->failed ? -1 : 0;
    }
    q->win_in++;
    pos = run_upper(q, q->head, &e);
    /* Most pushes before bound are due soon, near the head: shift the
     * entries before pos down into the space the pops freed, when they are
     * the fewer. */
    if (q->head > 0 && pos - q->head <= q->n - pos && pos - q->head <= EVQ_INSERT_MAX) {
        memmove(&q->run[q->head - 1], &q->run[q->head], (size_t)(pos - q->head) * sizeof *q->run);
        q->head--;
        q->run[pos - 1] = e;
        EVQ_COUNT(q, moves, pos - q->head);
        return 0;
    }
    if (q->n - pos > EVQ_INSERT_MAX) {
        uint32_t after = run_after(q, pos, e.at > q->last ? e.at : q->last);

        if (q->n - after >= EVQ_INSERT_MAX / 2)
            spill(q, after);
        if (q->n - pos > EVQ_INSERT_MAX) {
            heap_push(q, e);
            return q->failed ? -1 : 0;
        }
    }
    if (q->n == q->cap) {
        uint32_t head = q->head;

        if (run_room(q, 1) != 0) {
            q->count--; /* dropped: the queue has failed */
            return -1;
        }
        pos -= head - q->head;
    }
    memmove(&q->run[pos + 1], &q->run[pos], (size_t)(q->n - pos) * sizeof *q->run);
    q->run[pos] = e;
    q->n++;
    EVQ_COUNT(q, moves, q->n - pos);
    return q->failed ? -1 : 0; /* a spill above may have failed */
}

/* ---- sorting a bucket before it joins the run */

static void insertion_sort(evq *q, evq_entry *v, uint32_t n)
{
    for (uint32_t k = 1; k < n; k++) {
        evq_entry e = v[k];
        uint32_t j = k;

        while (j > 0 && before(q, &e, &v[j - 1])) {
            v[j] = v[j - 1];
            EVQ_COUNT(q, moves, 1);
            j--;
        }
        v[j] = e;
        EVQ_COUNT(q, moves, 1);
    }
}

/* Merge sorted a[0..na) and b[0..nb) into out. */
static void merge(evq *q, const evq_entry *a, uint32_t na, const evq_entry *b, uint32_t nb,
                  evq_entry *out)
{
    uint32_t i = 0, j = 0, k = 0;

    while (i < na && j < nb)
        out[k++] = before(q, &b[j], &a[i]) ? b[j++] : a[i++];
    while (i < na)
        out[k++] = a[i++];
    while (j < nb)
        out[k++] = b[j++];
    EVQ_COUNT(q, moves, k);
}

/*
 * Sort n entries: insertion sort when few; otherwise nothing if already in
 * order, else a bottom-up merge sort over runs of 32 sorted by insertion.
 */
static void sort_entries(evq *q, evq_entry *v, uint32_t n)
{
    enum { RUN = 32 };
    evq_entry *tmp, *src, *dst;
    uint32_t k;

    if (n <= RUN) {
        insertion_sort(q, v, n);
        return;
    }
    for (k = 1; k < n && !before(q, &v[k], &v[k - 1]); k++)
        ;
    if (k == n)
        return;
    tmp = malloc((size_t)n * sizeof *tmp);
    if (tmp == NULL) {
        q->failed = 1; /* left unsorted: nothing is popped from a failed queue */
        return;
    }
    for (k = 0; k < n; k += RUN)
        insertion_sort(q, v + k, n - k < RUN ? n - k : RUN);
    src = v;
    dst = tmp;
    for (uint32_t w = RUN; w < n; w *= 2) {
        for (k = 0; k < n; k += 2 * w) {
            uint32_t na = n - k < w ? n - k : w;
            uint32_t nb = n - k - na < w ? n - k - na : w;

            merge(q, src + k, na, src + k + na, nb, dst + k);
        }
        evq_entry *t = src;
        src = dst;
        dst = t;
    }
    if (src != v) {
        memcpy(v, src, (size_t)n * sizeof *v);
        EVQ_COUNT(q, moves, n);
    }
    free(tmp);
}

/* ---- moving buckets into the run */

/*
 * Room at the run's end for the k entries of bucket i about to be absorbed,
 * or NULL when the run could not grow: the bucket's entries are then
 * dropped (the queue has failed).
 */
static evq_entry *absorb_room(evq *q, unsigned i, uint32_t k)
{
    if (run_room(q, k) != 0) {
        q->count -= k; /* dropped: the queue has failed */
        bucket_clear(q, i);
        return NULL;
    }
    return q->run + q->n;
}

/* Bucket i's k entries are in the run, sorted, after the `keep` it held:
 * the bucket is emptied, bound moves to its range's end (invariant 2), and
 * the records of the run's first `depth` entries are fetched. */
static void absorb_done(evq *q, unsigned i, uint32_t k, uint32_t keep)
{
    EVQ_COUNT(q, moves, k);
    q->n += k;
    q->absorbed += k;
    q->win_abs += k;
    bucket_clear(q, i);
    q->bound = range_end(q->last, i);
    for (uint32_t j = 0; j < k && keep + j < q->depth; j++)
        evq__prefetch(q->run[q->head + keep + j].rec);
}

/*
 * Move the lowest bucket (index i) to the end of the run (invariant 2),
 * sorted.  Its entries agree down to digit d = i / 16, so for d > 0 a
 * counting sort on digit d - 1 leaves them in order but for entries that
 * share that digit too, which an insertion sort then puts in order: at 10^6
 * pending events those are 1 in 16.  A one-time bucket only needs its ties
 * in seq order.
 */
static void absorb(evq *q, unsigned i)
{
    evq_bucket *src = &q->b[i];
    uint32_t k = (uint32_t)bucket_count(src), keep = q->n - q->head;
    evq_entry *dst;

    if ((dst = absorb_room(q, i, k)) == NULL)
        return;
    if (i < 16 || k <= 2) {
        evq_entry *p = dst;

        for (evq_block *b = src->first; b != NULL; b = b->next) {
            size_t m = (size_t)(block_end(src, b) - b->v);

            memcpy(p, b->v, m * sizeof *p);
            p += m;
        }
        sort_entries(q, dst, k);
    } else {
        /* At most EVQ_ABSORB_MAX entries: one block. */
        const evq_entry *v = src->first->v;
        unsigned shift = EVQ_DIGIT * (i / 16 - 1);
        uint32_t start[16] = {0}, sum = 0;

        for (uint32_t j = 0; j < k; j++)
            start[((uint64_t)v[j].at >> shift) & 15]++;
        for (unsigned g = 0; g < 16; g++) {
            uint32_t c = start[g];

            start[g] = sum;
            sum += c;
        }
        for (uint32_t j = 0; j < k; j++)
            dst[start[((uint64_t)v[j].at >> shift) & 15]++] = v[j];
        insertion_sort(q, dst, k);
    }
    absorb_done(q, i, k, keep);
}

/*
 * May bucket i (on digit 2) be absorbed whole?  Only when it follows the
 * run closely (or the run is empty): entries far beyond the run are the
 * ones later pushes land before, which would spill them back (a chain
 * arming events in decreasing time, bench/patterns.c's descending), and
 * the more entries an absorb brings, the more a spill takes back.
 */
static int wide_ok(const evq *q, unsigned i)
{
    return q->n == q->head ||
           (uint64_t)q->run[q->n - 1].at + ((uint64_t)1 << (3 * EVQ_DIGIT)) >
               range_start(q->last, i);
}

/*
 * Move the lowest bucket, on digit 2 (i / 16 == 2), to the end of the run,
 * sorted by a counting sort on digits 1 and 0 at once: only entries due at
 * one time are then left to put in seq order (nothing to do when they
 * already are, as they usually are: the check compares each pair without a
 * branch, as a quarter of them are ties at 10^6 pending events of the hold
 * model).  One pass where a split and 16 absorbs took two.
 */
static void absorb_wide(evq *q, unsigned i)
{
    evq_bucket *src = &q->b[i];
    uint32_t k = (uint32_t)bucket_count(src), keep = q->n - q->head;
    uint32_t start[256] = {0}, sum = 0, unordered = 0;
    evq_entry *dst;

    if ((dst = absorb_room(q, i, k)) == NULL)
        return;
    for (evq_block *b = src->first; b != NULL; b = b->next)
        for (const evq_entry *p = b->v, *end = block_end(src, b); p < end; p++)
            start[(uint64_t)p->at & 255]++;
    for (unsigned g = 0; g < 256; g++) {
        uint32_t c = start[g];

        start[g] = sum;
        sum += c;
    }
    for (evq_block *b = src->first; b != NULL; b = b->next)
        for (const evq_entry *p = b->v, *end = block_end(src, b); p < end; p++)
            dst[start[(uint64_t)p->at & 255]++] = *p;
    /* In time order now: ties out of seq order? */
    for (uint32_t j = 1; j < k; j++)
        unordered |= (uint32_t)(dst[j].at == dst[j - 1].at) & (uint32_t)(dst[j].seq < dst[j - 1].seq);
    EVQ_COUNT(q, compares, k);
    if (unordered)
        sort_entries(q, dst, k);
    absorb_done(q, i, k, keep);
}

/* Split the lowest bucket i >= 16 into the buckets below it (invariant 2). */
static void split(evq *q, unsigned i)
{
    evq_bucket src = q->b[i];
    evq_block *k = src.first;
    sim_time base = (sim_time)range_start(q->last, i);
    int nx;

    q->last = base;
    if (q->bound < (uint64_t)base)
        q->bound = (uint64_t)base;
    memset(&q->b[i], 0, sizeof q->b[i]);
    clear_nonempty(q, i);
    /* The bucket after this one's comes next, once those below are done. */
    if ((nx = lowest_above(q, i)) >= 0)
        block_prefetch(q->b[nx].first);
    /* The hottest loop at 10^6 pending: locals, so that the stores into the
     * blocks need not reload the bucket headers.  Each block goes back to
     * the pool once read, for the buckets being filled to take. */
    while (k != NULL) {
        evq_block *next = k->next;
        const evq_entry *p = k->v, *end = block_end(&src, k);

        /* Blocks lie anywhere: fetch the start of the next one now, while
         * this one's are moved (the hardware streams within a block). */
        if (next != NULL)
            block_prefetch(next);
        EVQ_COUNT(q, moves, end - p);
        for (; p < end; p++) {
            unsigned j = evq__bucket_of(p->at, base);
            evq_bucket *b = &q->b[j];
            evq_entry *w = b->w;

            if (w == b->end) {
                if (add_block(q, j) != 0) {
                    q->count--; /* dropped: the queue has failed */
                    continue;
                }
                w = b->w;
            }
            *w = *p;
            b->w = w + 1;
        }
        block_put(q, k);
        k = next;
    }
}

/* Give back what the run, the heap and the pool hold beyond what the
 * entries need. */
static void trim(evq *q)
{
    uint32_t live = q->n - q->head;

    if (q->head > 0) {
        memmove(q->run, q->run + q->head, (size_t)live * sizeof *q->run);
        EVQ_COUNT(q, moves, live);
        q->head = 0;
        q->n = live;
    }
    shrink(q, &q->run, &q->cap, live > EVQ_PREFETCH ? 2 * live : 2 * EVQ_PREFETCH);
    shrink(q, &q->heap.v, &q->heap.cap, 2 * q->heap.n);
    q->nblocks -= q->npool;
    q->alloc -= q->npool * EVQ_BLOCK;
    blocks_free(q->pool);
    q->pool = NULL;
    q->npool = 0;
    q->absorbed = 0;
}

/*
 * Reconsider the run's depth once EVQ_DEPTH_WINDOW entries have joined it:
 * halve it when most came by inserts, double it when few did (evq.h).
 */
static void adapt_depth(evq *q)
{
    uint64_t in = q->win_in, all = q->win_in + q->win_abs;

    if (all < EVQ_DEPTH_WINDOW)
        return;
    if (in > all / 2 && q->depth > EVQ_DEPTH_MIN)
        q->depth /= 2;
    else if (in < all / 8 && q->depth < EVQ_PREFETCH)
        q->depth *= 2;
    q->win_in = q->win_abs = 0;
}

/* Top the run up to `depth` entries, while buckets hold any. */
static void top_up(evq *q)
{
    int i;

    adapt_depth(q);
    while (q->n - q->head < q->depth && (i = lowest(q)) >= 0) {
        if (i < 16) {
            /* One time: it becomes `last` (the other buckets keep their
             * index), so that a spill never takes these entries back. */
            q->last = (sim_time)range_start(q->last, (unsigned)i);
            if (q->bound < (uint64_t)q->last)
                q->bound = (uint64_t)q->last;
            absorb(q, (unsigned)i);
        } else if (q->b[i].first == q->b[i].last &&
                   q->b[i].w - q->b[i].first->v <= EVQ_ABSORB_MAX) {
            absorb(q, (unsigned)i);
        } else if (i / 16 == 2 && wide_ok(q, (unsigned)i) &&
                   bucket_count_upto(&q->b[i], EVQ_ABSORB_WIDE) <= EVQ_ABSORB_WIDE) {
            absorb_wide(q, (unsigned)i);
        } else {
            split(q, (unsigned)i);
        }
    }
    if ((q->absorbed >= q->count && q->alloc > q->count + q->count / 4 + EVQ_TRIM_SLACK) ||
        q->alloc > 4 * q->count + EVQ_TRIM_SLACK)
        trim(q);
}

int evq__pop_slow(evq *q, sim_time until, evq_entry *out)
{
    uint32_t live;

    if (q->n - q->head < q->depth)
        top_up(q);
    if (q->failed)
        return 0;
    live = q->n - q->head;
    if (q->heap.n > 0 && (live == 0 || before(q, &q->heap.v[0], &q->run[q->head]))) {
        if (q->heap.v[0].at > until)
            return 0;
        *out = heap_pop(q);
    } else {
        if (live == 0 || q->run[q->head].at > until)
            return 0;
        *out = q->run[q->head++];
        if (q->head + q->depth <= q->n)
            evq__prefetch(q->run[q->head + q->depth - 1].rec);
    }
    q->count--;
    EVQ_COUNT(q, pops, 1);
    return 1;
}

void evq_filter(evq *q, int (*keep)(const evq_entry *e, void *arg), void *arg)
{
    uint32_t k, w;

    w = q->head;
    for (k = q->head; k < q->n; k++)
        if (keep(&q->run[k], arg))
            q->run[w++] = q->run[k];
    q->n = w;
    w = 0;
    for (k = 0; k < q->heap.n; k++)
        if (keep(&q->heap.v[k], arg))
            q->heap.v[w++] = q->heap.v[k];
    q->heap.n = w;
    for (k = q->heap.n / 2; k-- > 0;)
        sift_down(q, k);
    for (unsigned i = 0; i < EVQ_NBUCKETS; i++) {
        evq_bucket *b = &q->b[i];
        evq_block *wk = b->first, *rest;
        evq_entry *wp;

        if (wk == NULL)
            continue;
        wp = wk->v;
        for (evq_block *rk = b->first; rk != NULL; rk = rk->next) {
            const evq_entry *end = block_end(b, rk);

            for (const evq_entry *p = rk->v; p < end; p++) {
                if (!keep(p, arg))
                    continue;
                if (wp == wk->v + EVQ_BLOCK) {
                    wk = wk->next; /* at or before rk: it exists */
                    wp = wk->v;
                }
                *wp++ = *p;
            }
        }
        if (wk == b->first && wp == wk->v) {
            bucket_clear(q, i);
            continue;
        }
        rest = wk->next;
        wk->next = NULL;
        b->last = wk;
        b->w = wp;
        b->end = wk->v + EVQ_BLOCK;
        while (rest != NULL) {
            evq_block *next = rest->next;

            block_put(q, rest);
            rest = next;
        }
    }
    EVQ_COUNT(q, moves, q->count);
    q->count = (size_t)(q->n - q->head) + q->heap.n;
    for (unsigned i = 0; i < EVQ_NBUCKETS; i++)
        q->count += bucket_count(&q->b[i]);
    trim(q);
}
