/*
 * sim.c - the clock, arming and disarming of events, and the run loop.
 *
 * Lazy cancellation.  The pending set (evq.c) has no way to remove an
 * entry from the middle; instead each event remembers the sequence number
 * of its one live entry (ev->qseq).  When an entry is popped:
 *
 *     entry.seq != ev->qseq      stale: the event was re-armed earlier than
 *                                this entry since; skip it
 *     ev->at == SIM_NEVER        the event was cancelled; skip it
 *     ev->at >  entry.at         the deadline moved later; re-queue it
 *     otherwise                  fire
 *
 * Disarming is therefore O(1), and so is moving a deadline later (the common
 * restart of retransmit, FIN_WAIT_2 and keepalive timers): sim_restart()
 * only writes the new deadline, and the old entry re-queues itself once, when
 * it comes due.  Moving a deadline earlier, or re-arming at the very time of
 * the live entry (the arming order changes), queues a new entry.
 *
 * Entries that can only be skipped (stale ones, and the live entries of
 * cancelled events) stay queued until their time, which may be an hour
 * away; so that the queue's memory follows the pending events rather than
 * the restarts and cancels, they are dropped all at once (purge()) when
 * they outnumber the pending events.
 *
 * Consequence for models: a popped entry dereferences its event, so an
 * event's memory must stay valid until the engine is destroyed.  Models
 * keep objects that embed events in pools that are reused, never freed,
 * during a run; re-initialising an event (sim_event_init) is safe at any
 * time, because sequence numbers are never reused.
 */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "evq.h"

/* Entries to skip tolerated beyond the pending events before a purge. */
#define SIM_PURGE_SLACK 4096

struct sim {
    evq q;
    const sim_ext *ext;  /* another scheduler, or NULL: the radix heap */
    sim_ext ext_copy;
    sim_time now;
    uint64_t seq;        /* last arming sequence number handed out */
    uint64_t npending;   /* events armed and not yet run or cancelled */
    uint64_t events;     /* events run */
    uint64_t fp;         /* trajectory fingerprint */
    int stop;
    int running;         /* inside sim_run (another scheduler may run without it) */
    uint64_t poll_every;
    uint64_t poll_left;
    sim_poll_fn *poll;
    void *poll_arg;
};

void sim_event_init(sim_event *ev, sim_handler *fn, void *ctx)
{
    ev->at = SIM_NEVER;
    ev->seq = 0;
    ev->qseq = 0;
    ev->qat = SIM_NEVER;
    ev->fn = fn;
    ev->ctx = ctx;
}

sim_time sim_now(const sim *s)
{
    /* On another scheduler, its own events (ns-3's TCP) move the clock too. */
    return s->ext != NULL ? s->ext->now(s->ext->q) : s->now;
}

/* Is this entry the live one of a pending event?  If it is the live entry
 * of a cancelled event, that event forgets it. */
static int entry_live(const evq_entry *e, void *arg)
{
    sim_event *ev = e->ev;

    (void)arg;
    if (e->seq != ev->qseq)
        return 0;
    if (ev->at == SIM_NEVER) {
        ev->qseq = 0;
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
    evq_filter(&s->q, entry_live, NULL);
    SIM_ASSERT(evq_size(&s->q) == s->npending, "%zu entries left for %llu pending events",
               evq_size(&s->q), (unsigned long long)s->npending);
}

static void enqueue(sim *s, sim_event *ev)
{
    if (s->ext != NULL) {
        s->ext->push(s->ext->q, ev->at, ev->seq, ev);
        ev->qseq = ev->seq;
        ev->qat = ev->at;
        return;
    }
    if (evq_push(&s->q, ev->at, ev->seq, ev) != 0) {
        s->stop = 1; /* out of memory: the run ends here (sim_error) */
        return;
    }
    ev->qseq = ev->seq;
    ev->qat = ev->at;
    if (evq_size(&s->q) > 2 * s->npending + SIM_PURGE_SLACK)
        purge(s);
}

static void arm(sim *s, sim_event *ev, sim_time at)
{
    SIM_ASSERT(at >= sim_now(s), "arming an event in the past: at=%lld now=%lld",
               (long long)at, (long long)sim_now(s));
    SIM_ASSERT(ev->fn != NULL, "arming an event that was never initialised");
    if (ev->at == SIM_NEVER)
        s->npending++;
    ev->at = at;
    ev->seq = ++s->seq;
    /* The live entry comes due first and will re-queue for `at`. */
    if (ev->qseq != 0 && ev->qat < at)
        return;
    /* Another scheduler's entries go when they are stale: nothing it holds
     * may point at an event its owner has since freed. */
    if (ev->qseq != 0 && s->ext != NULL)
        s->ext->cancel(s->ext->q, ev->qseq);
    enqueue(s, ev);
}

void sim_schedule(sim *s, sim_event *ev, sim_time at)
{
    SIM_ASSERT(ev->at == SIM_NEVER,
               "scheduling an event that is already pending (at=%lld)",
               (long long)ev->at);
    arm(s, ev, at);
}

void sim_restart(sim *s, sim_event *ev, sim_time at)
{
    arm(s, ev, at);
}

void sim_cancel(sim *s, sim_event *ev)
{
    if (ev->at == SIM_NEVER)
        return;
    ev->at = SIM_NEVER;
    s->npending--;
    if (ev->qseq != 0 && s->ext != NULL) {
        s->ext->cancel(s->ext->q, ev->qseq);
        ev->qseq = 0;
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
        (*out)->ext = &(*out)->ext_copy;
    }
    return rc;
}

void sim_destroy(sim *s)
{
    if (s == NULL)
        return;
    evq_fini(&s->q);
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
static inline int dispatch(sim *s, sim_time at, uint64_t seq, sim_event *ev)
{
    if (seq != ev->qseq)
        return 0; /* stale: the event was re-armed earlier since */
    ev->qseq = 0;
    if (ev->at == SIM_NEVER)
        return 0; /* cancelled */
    if (ev->at != at) {
        SIM_ASSERT(ev->at > at, "live entry at %lld after deadline %lld", (long long)at,
                   (long long)ev->at);
        enqueue(s, ev); /* moved later */
        return 0;
    }
    s->now = at;
    ev->at = SIM_NEVER;
    s->npending--;
    s->events++;
    s->fp = fp_fold(fp_fold(s->fp, (uint64_t)at), seq);
    ev->fn(s, ev);
    if (s->poll != NULL && --s->poll_left == 0) {
        s->poll_left = s->poll_every;
        s->poll(s, s->poll_arg);
    }
    return 1;
}

void sim_ext_due(sim *s, sim_time at, uint64_t seq, sim_event *ev)
{
    dispatch(s, at, seq, ev);
    /* Under sim_run the engine ends the run as natively; a program that runs
     * the other scheduler itself (Simulator::Run) keeps control of it. */
    if (s->running && (s->stop || s->npending == 0))
        s->ext->stop(s->ext->q);
}

uint64_t sim_run(sim *s, sim_time until)
{
    uint64_t before = s->events;
    evq_entry e;

    SIM_ASSERT(until >= sim_now(s), "running until %lld, before now %lld", (long long)until,
               (long long)sim_now(s));
    s->stop = s->q.failed; /* a failed queue runs nothing more */
    if (s->ext != NULL) {
        if (s->npending > 0) {
            s->running = 1;
            s->ext->run(s->ext->q, until);
            s->running = 0;
        }
        s->now = s->ext->now(s->ext->q);
    } else {
        while (!s->stop && s->npending > 0) {
            if (!evq_pop_until(&s->q, until, &e)) {
                if (!s->q.failed)
                    s->now = until;
                break;
            }
            dispatch(s, e.at, e.seq, e.ev);
        }
    }
    if (s->poll != NULL)
        s->poll(s, s->poll_arg);
    return s->events - before;
}

int sim_error(const sim *s)
{
    return s->q.failed ? SIM_ENOMEM : SIM_OK;
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
    return evq_bytes(&s->q);
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
