/*
 * sim.c - the clock, arming and disarming of events, and the run loop.
 *
 * Records.  A model's event is four bytes (sim.h); while it is armed, the
 * engine keeps its deadline, its arming order and its queue bookkeeping in
 * a record from a pool of slabs (records are reused, never freed, during a
 * run), named in the event by index.  An idle event names its handler's
 * kind instead, so the events a model embeds cost nothing while idle: a
 * connection has a dozen and mostly one of them armed.  A record is taken
 * when an event without one is armed and goes back to the pool when its
 * event is idle and no live entry of it is queued: when it fires, or when
 * the live entry of a cancelled one comes due or is purged.  Slabs are 2 MB,
 * aligned, backed by huge pages where the system gives them (all but a
 * run's first slab, so that a small run holds no 2 MB page): at 10^6 armed
 * events the records' 32 MB are 16 TLB entries instead of 8192.  A slab's
 * first slot is its header (its number), so that a record's index follows
 * from its address, and slabs are carved as records are first needed, so
 * that untouched room costs no memory.
 *
 * Lazy cancellation.  The pending set (evq.c) has no way to remove an
 * entry from the middle; instead each record remembers the sequence number
 * of its one live entry (qseq).  When an entry is popped:
 *
 *     entry.seq != r->qseq       stale: the event was re-armed earlier than
 *                                this entry since, or the record went back
 *                                to the pool; skip it
 *     the event is not armed     it was cancelled; skip it (and give the
 *     with this record           record back)
 *     r->at >  entry.at          the deadline moved later; re-queue it
 *     otherwise                  fire
 *
 * Disarming is therefore O(1), and so is moving a deadline later (the common
 * restart of retransmit, FIN_WAIT_2 and keepalive timers): sim_restart()
 * only writes the new deadline, and the old entry re-queues itself once, when
 * it comes due.  Moving a deadline earlier, or re-arming at the very time of
 * the live entry (the arming order changes), queues a new entry.  The live
 * entry is due at the record's deadline if the record was not armed since
 * it was queued (qseq == seq), else before it; a record does not keep that
 * time (it would not fit in 32 bytes), so re-arming a record whose deadline
 * moved later, for a time before that deadline, queues a new entry too,
 * even if the live one is due first: the same (time, seq) as re-queueing,
 * one more entry to skip (rare: about 1 arming in 20000 in default.ini).
 * Sequence numbers are never reused, so an entry left behind by a record
 * that went back to the pool (and maybe to another event since) is always
 * stale.
 *
 * Entries that can only be skipped (stale ones, and the live entries of
 * cancelled events) stay queued until their time, which may be an hour
 * away; so that the queue's memory follows the pending events rather than
 * the restarts and cancels, they are dropped all at once (purge()) when
 * they outnumber the pending events.
 *
 * Consequence for models: a record may refer to its event until its live
 * entry comes due, so an event's memory must stay valid until the engine is
 * destroyed.  Models keep objects that embed events in pools that are
 * reused, never freed, during a run; re-binding an idle event
 * (sim_event_init) is safe at any time.
 */
#define _DEFAULT_SOURCE 1 /* madvise */
#include "sim.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "evq.h"

/* Entries to skip tolerated beyond the pending events before a purge. */
#define SIM_PURGE_SLACK 4096
/* Records per slab (a power of two): 2 MB, a huge page. */
#define SIM_REC_SLAB_BITS 16
#define SIM_REC_SLAB ((uint32_t)1 << SIM_REC_SLAB_BITS)
#define SIM_REC_SLAB_BYTES ((size_t)SIM_REC_SLAB * sizeof(sim_rec))
#define SIM_SEQ_MASK (((uint64_t)1 << SIM_SEQ_BITS) - 1)
/* Handlers: kinds 1 .. SIM_KINDS_MAX - 1 (0: an event never bound). */
#define SIM_KINDS_MAX 256
#define SIM_REC_MAX ((uint32_t)SIM_EV_PENDING) /* indices below the flag bits */

struct sim {
    sim_clock c;         /* now, and another scheduler (ext) or NULL: the radix heap */
    evq q;
    sim_ext ext_copy;
    uint64_t seq;        /* last arming sequence number handed out */
    uint64_t npending;   /* events armed and not yet run or cancelled */
    uint64_t events;     /* events run */
    uint64_t fp;         /* trajectory fingerprint */
    int stop;
    int running;         /* inside sim_run (another scheduler may run without it) */
    int rec_failed;      /* a record could not be allocated: events were lost */
    uint64_t poll_every;
    uint64_t poll_left;
    sim_poll_fn *poll;
    void *poll_arg;
    /* the records */
    sim_rec **slabs;
    uint32_t nslabs, slab_cap;
    sim_rec *free;       /* the pool, linked through ->next */
    sim_rec *fresh;      /* the last slab's records never used yet ... */
    sim_rec *fresh_end;  /* ... up to here */
    uint64_t nrecs;      /* records in use */
};

/*
 * The handlers, by kind: one table for the process (handlers are functions
 * of the program, the same for every engine).  Kinds are handed out in the
 * order handlers are first bound; a run's order of events never depends on
 * them.  offsim is single-threaded per process (sweeps run processes).
 */
static sim_handler *g_kinds[SIM_KINDS_MAX];
static uint32_t g_nkinds = 1;

sim_handler *sim__kind_fn[64];
uint32_t sim__kind_id[64];

uint32_t sim__kind(sim_handler *fn)
{
    unsigned i = (unsigned)(((uintptr_t)fn >> 4) & 63);
    uint32_t k;

    SIM_ASSERT(fn != NULL, "binding an event to no handler");
    for (k = 1; k < g_nkinds && g_kinds[k] != fn; k++)
        ;
    if (k == g_nkinds) {
        SIM_ASSERT(g_nkinds < SIM_KINDS_MAX, "more than %d event handlers", SIM_KINDS_MAX - 1);
        g_kinds[g_nkinds++] = fn;
    }
    sim__kind_fn[i] = fn; /* sim_event_init's table */
    sim__kind_id[i] = k;
    return k;
}

static inline sim_rec *rec_at(const sim *s, uint32_t i)
{
    return &s->slabs[i >> SIM_REC_SLAB_BITS][i & (SIM_REC_SLAB - 1)];
}

/* The record an event's value names (it must name one). */
static inline sim_rec *rec_of(const sim *s, const sim_event *ev)
{
    return rec_at(s, ev->h & (SIM_EV_PENDING - 1));
}

/* A record's index: its slab's number is in the slab's first slot. */
static inline uint32_t rec_index(const sim_rec *r)
{
    const sim_rec *slab =
        (const sim_rec *)((uintptr_t)r & ~(uintptr_t)(SIM_REC_SLAB_BYTES - 1));

    return (uint32_t)slab->seq << SIM_REC_SLAB_BITS | (uint32_t)(r - slab);
}

/* The kind of the event a record is of, and its arming sequence number. */
static inline uint32_t rec_kind(const sim_rec *r)
{
    return (uint32_t)(r->seq >> SIM_SEQ_BITS);
}

static inline uint64_t rec_seq(const sim_rec *r)
{
    return r->seq & SIM_SEQ_MASK;
}

/* Is r's event armed, with r as its record? */
static inline int rec_armed(const sim *s, const sim_rec *r)
{
    uint32_t h = r->ev->h;

    return (h & SIM_EV_PENDING) != 0 && rec_at(s, h & (SIM_EV_PENDING - 1)) == r;
}

/* Another slab of records; -1 when out of memory (or indices). */
static int slab_new(sim *s)
{
    sim_rec *slab;

    if ((uint64_t)(s->nslabs + 1) * SIM_REC_SLAB > SIM_REC_MAX)
        return -1;
    if (s->nslabs == s->slab_cap) {
        uint32_t cap = s->slab_cap ? 2 * s->slab_cap : 16;
        sim_rec **v = realloc(s->slabs, cap * sizeof *v);

        if (v == NULL)
            return -1;
        s->slabs = v;
        s->slab_cap = cap;
    }
    if ((slab = aligned_alloc(SIM_REC_SLAB_BYTES, SIM_REC_SLAB_BYTES)) == NULL)
        return -1;
#ifdef MADV_HUGEPAGE
    if (s->nslabs > 0)
        (void)madvise(slab, SIM_REC_SLAB_BYTES, MADV_HUGEPAGE); /* a hint: may be refused */
#endif
    slab[0].seq = s->nslabs; /* the header (rec_index) */
    s->slabs[s->nslabs++] = slab;
    s->fresh = slab + 1;
    s->fresh_end = slab + SIM_REC_SLAB;
    return 0;
}

/* A record for ev (idle, without one); NULL when out of memory. */
static sim_rec *rec_take(sim *s, sim_event *ev)
{
    sim_rec *r = s->free;

    if (r != NULL) {
        s->free = r->next;
    } else {
        if (s->fresh == s->fresh_end && slab_new(s) != 0)
            return NULL;
        r = s->fresh++;
    }
    s->nrecs++;
    r->seq = (uint64_t)ev->h << SIM_SEQ_BITS;
    r->ev = ev;
    r->qseq = 0;
    ev->h = SIM_EV_REC | rec_index(r);
    return r;
}

/*
 * Back to the pool: its event is idle and no live entry of it is queued.
 * The event takes its kind back, unless it was re-bound meanwhile (it then
 * names no record, or another one).
 */
static inline void rec_give(sim *s, sim_rec *r)
{
    sim_event *ev = r->ev;

    if ((ev->h & SIM_EV_REC) != 0 && rec_of(s, ev) == r)
        ev->h = rec_kind(r);
    r->qseq = 0;
    r->next = s->free;
    s->free = r;
    s->nrecs--;
}


sim_time sim_deadline(const sim *s, const sim_event *ev)
{
    return sim_event_pending(ev) ? rec_of(s, ev)->at : SIM_NEVER;
}

/* Is this entry the live one of a pending event?  If it is the live entry
 * of a cancelled event, that event's record goes back to the pool. */
static int entry_live(const evq_entry *e, void *arg)
{
    sim_rec *r = e->rec;

    if (e->seq != r->qseq)
        return 0;
    if (!rec_armed(arg, r)) {
        rec_give(arg, r);
        return 0;
    }
    return 1;
}

/*
 * Drop the entries that can only be skipped: stale ones, and the live
 * entries of cancelled events.  Run when they outnumber the pending events,
 * so that the queue's memory follows the pending events, not the cancels;
 * each purge at least halves the queue, so it costs O(1) amortised per
 * entry queued.  Order is unaffected: a dropped entry would have been
 * skipped, and an event re-armed after losing its entry is queued anew
 * with the same (time, seq) the old entry would have re-queued with.
 */
static void purge(sim *s)
{
    evq_filter(&s->q, entry_live, s);
    SIM_ASSERT(evq_size(&s->q) == s->npending, "%zu entries left for %llu pending events",
               evq_size(&s->q), (unsigned long long)s->npending);
}

static void enqueue(sim *s, sim_rec *r)
{
    uint64_t seq = rec_seq(r);

    if (s->c.ext != NULL) {
        s->c.ext->push(s->c.ext->q, r->at, seq, r);
        r->qseq = seq;
        return;
    }
    if (evq_push(&s->q, r->at, seq, r) != 0) {
        s->stop = 1; /* out of memory: the run ends here (sim_error) */
        return;
    }
    r->qseq = seq;
    if (evq_size(&s->q) > 2 * s->npending + SIM_PURGE_SLACK)
        purge(s);
}

static void arm(sim *s, sim_event *ev, sim_time at)
{
    sim_rec *r;

    SIM_ASSERT(at >= sim_now(s), "arming an event in the past: at=%lld now=%lld",
               (long long)at, (long long)sim_now(s));
    SIM_ASSERT(ev->h != 0, "arming an event that was never initialised");
    if (ev->h & SIM_EV_REC) {
        r = rec_of(s, ev);
    } else if ((r = rec_take(s, ev)) == NULL) {
        s->rec_failed = 1; /* out of memory: the event is lost, the run ends */
        s->stop = 1;
        return;
    }
    if (!(ev->h & SIM_EV_PENDING)) {
        s->npending++;
        ev->h |= SIM_EV_PENDING;
    }
    SIM_ASSERT(s->seq < SIM_SEQ_MASK, "%llu events armed: sequence numbers exhausted",
               (unsigned long long)s->seq);
    /* The live entry is due at the deadline (kept when cancelled) if no
     * arming came since it was queued, else before it.  When that is before
     * `at`, the entry comes due first and will re-queue for `at`. */
    if (r->qseq != 0 && (r->at < at || (r->at == at && r->qseq != rec_seq(r)))) {
        r->at = at;
        r->seq = (r->seq & ~SIM_SEQ_MASK) | ++s->seq;
        return;
    }
    r->at = at;
    r->seq = (r->seq & ~SIM_SEQ_MASK) | ++s->seq;
    /* Another scheduler's entries go when they are stale: nothing it holds
     * may point at a record since given to another event. */
    if (r->qseq != 0 && s->c.ext != NULL)
        s->c.ext->cancel(s->c.ext->q, r->qseq);
    enqueue(s, r);
}

void sim_schedule(sim *s, sim_event *ev, sim_time at)
{
    SIM_ASSERT(!sim_event_pending(ev), "scheduling an event that is already pending (at=%lld)",
               (long long)sim_deadline(s, ev));
    arm(s, ev, at);
}

void sim_restart(sim *s, sim_event *ev, sim_time at)
{
    arm(s, ev, at);
}

void sim_cancel(sim *s, sim_event *ev)
{
    sim_rec *r;

    if (!sim_event_pending(ev))
        return;
    r = rec_of(s, ev);
    ev->h &= ~SIM_EV_PENDING;
    s->npending--;
    if (s->c.ext != NULL) {
        s->c.ext->cancel(s->c.ext->q, r->qseq);
        rec_give(s, r);
    }
}

int sim_create(sim **out)
{
    sim *s = calloc(1, sizeof *s);

    *out = s;
    if (s == NULL)
        return SIM_ENOMEM;
    evq_init(&s->q);
    s->fp = 0xcbf29ce484222325ULL;
    return SIM_OK;
}

int sim_create_ext(sim **out, const sim_ext *ext)
{
    int rc = sim_create(out);

    if (rc == SIM_OK) {
        (*out)->ext_copy = *ext;
        (*out)->c.ext = &(*out)->ext_copy;
    }
    return rc;
}

void sim_destroy(sim *s)
{
    if (s == NULL)
        return;
    evq_fini(&s->q);
    for (uint32_t i = 0; i < s->nslabs; i++)
        free(s->slabs[i]);
    free(s->slabs);
    free(s);
}

/* Fold one 64-bit word into the fingerprint (a multiply-xorshift mix). */
static inline uint64_t fp_fold(uint64_t h, uint64_t x)
{
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    h ^= x;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

/* A queue entry came due: skip it, re-queue it, or run its event. */
static inline int dispatch(sim *s, sim_time at, uint64_t seq, sim_rec *r)
{
    sim_event *ev;
    sim_handler *fn;

    if (seq != r->qseq)
        return 0; /* stale: the event was re-armed earlier since */
    r->qseq = 0;
    if (!rec_armed(s, r)) {
        rec_give(s, r); /* cancelled */
        return 0;
    }
    if (r->at != at) {
        SIM_ASSERT(r->at > at, "live entry at %lld after deadline %lld", (long long)at,
                   (long long)r->at);
        enqueue(s, r); /* moved later */
        return 0;
    }
    ev = r->ev;
    fn = g_kinds[rec_kind(r)];
    /* The event is idle before its handler runs (which may arm it again,
     * most likely with this very record, the pool's first). */
    ev->h = rec_kind(r);
    r->next = s->free;
    s->free = r;
    s->nrecs--;
    s->c.now = at;
    s->npending--;
    s->events++;
    s->fp = fp_fold(fp_fold(s->fp, (uint64_t)at), seq);
    fn(s, ev);
    if (s->poll != NULL && --s->poll_left == 0) {
        s->poll_left = s->poll_every;
        s->poll(s, s->poll_arg);
    }
    return 1;
}

void sim_ext_due(sim *s, sim_time at, uint64_t seq, sim_rec *r)
{
    dispatch(s, at, seq, r);
    /* Under sim_run the engine ends the run as natively; a program that runs
     * the other scheduler itself (Simulator::Run) keeps control of it. */
    if (s->running && (s->stop || s->npending == 0))
        s->c.ext->stop(s->c.ext->q);
}

uint64_t sim_run(sim *s, sim_time until)
{
    uint64_t before = s->events;
    evq_entry e;

    SIM_ASSERT(until >= sim_now(s), "running until %lld, before now %lld", (long long)until,
               (long long)sim_now(s));
    s->stop = s->q.failed || s->rec_failed; /* a failed engine runs nothing more */
    if (s->c.ext != NULL) {
        if (s->npending > 0 && !s->stop) {
            s->running = 1;
            s->c.ext->run(s->c.ext->q, until);
            s->running = 0;
        }
        s->c.now = s->c.ext->now(s->c.ext->q);
    } else {
        while (!s->stop && s->npending > 0) {
            if (!evq_pop_until(&s->q, until, &e)) {
                if (!s->q.failed)
                    s->c.now = until;
                break;
            }
            {
                /* The event of a record fetched some pops ago (evq.h). */
                sim_rec *a = evq_ahead(&s->q);

                if (a != NULL)
                    __builtin_prefetch(a->ev, 1);
            }
            dispatch(s, e.at, e.seq, e.rec);
        }
    }
    if (s->poll != NULL)
        s->poll(s, s->poll_arg);
    return s->events - before;
}

int sim_error(const sim *s)
{
    return s->q.failed || s->rec_failed ? SIM_ENOMEM : SIM_OK;
}

void sim_stop(sim *s)
{
    s->stop = 1;
}

void sim_set_poll(sim *s, uint64_t every, sim_poll_fn *fn, void *arg)
{
    s->poll_every = every ? every : 1;
    s->poll_left = s->poll_every;
    s->poll = fn;
    s->poll_arg = arg;
}

uint64_t sim_pending(const sim *s)
{
    return s->npending;
}

uint64_t sim_events(const sim *s)
{
    return s->events;
}

uint64_t sim_fingerprint(const sim *s)
{
    return s->fp;
}

size_t sim_queue_bytes(const sim *s)
{
    /* The first slab holds only the records carved from it (the rest is
     * untouched); the others may be whole huge pages. */
    size_t recs = s->nslabs == 0   ? 0
                  : s->nslabs == 1 ? (size_t)(s->fresh - s->slabs[0]) * sizeof(sim_rec)
                                   : (size_t)s->nslabs * SIM_REC_SLAB_BYTES;

    return evq_bytes(&s->q) + recs;
}

uint64_t sim__records(const sim *s)
{
    return s->nrecs;
}

void sim__set_queue_limit(sim *s, size_t entries)
{
    s->q.alloc_limit = entries;
}

#ifdef OFFSIM_EVQ_COUNT
void sim_queue_counters(const sim *s, evq_counters *out)
{
    *out = s->q.ops;
}
#endif
