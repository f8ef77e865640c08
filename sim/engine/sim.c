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

struct sim {
    evq q;
    sim_time now;
    uint64_t seq;        /* last arming sequence number handed out */
    uint64_t npending;   /* events armed and not yet run or cancelled */
    uint64_t events;     /* events run */
    uint64_t fp;         /* trajectory fingerprint */
    int stop;
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
    return s->now;
}

static void enqueue(sim *s, sim_event *ev)
{
    evq_push(&s->q, ev->at, ev->seq, ev);
    ev->qseq = ev->seq;
    ev->qat = ev->at;
}

static void arm(sim *s, sim_event *ev, sim_time at)
{
    SIM_ASSERT(at >= s->now, "arming an event in the past: at=%lld now=%lld",
               (long long)at, (long long)s->now);
    SIM_ASSERT(ev->fn != NULL, "arming an event that was never initialised");
    if (ev->at == SIM_NEVER)
        s->npending++;
    ev->at = at;
    ev->seq = ++s->seq;
    /* The live entry comes due first and will re-queue for `at`. */
    if (ev->qseq != 0 && ev->qat < at)
        return;
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

uint64_t sim_run(sim *s, sim_time until)
{
    uint64_t ran = 0;
    evq_entry e;

    SIM_ASSERT(until >= s->now, "running until %lld, before now %lld",
               (long long)until, (long long)s->now);
    s->stop = 0;
    while (!s->stop && s->npending > 0) {
        sim_event *ev;

        if (!evq_pop_until(&s->q, until, &e)) {
            s->now = until;
            break;
        }
        ev = e.ev;
        if (e.seq != ev->qseq)
            continue;
        ev->qseq = 0;
        if (ev->at == SIM_NEVER)
            continue;
        if (ev->at != e.at) {
            SIM_ASSERT(ev->at > e.at, "live entry at %lld after deadline %lld",
                       (long long)e.at, (long long)ev->at);
            enqueue(s, ev);
            continue;
        }
        s->now = e.at;
        ev->at = SIM_NEVER;
        s->npending--;
        s->events++;
        ran++;
        s->fp = fp_fold(fp_fold(s->fp, (uint64_t)e.at), e.seq);
        ev->fn(s, ev);
        if (s->poll != NULL && --s->poll_left == 0) {
            s->poll_left = s->poll_every;
            s->poll(s, s->poll_arg);
        }
    }
    if (s->poll != NULL)
        s->poll(s, s->poll_arg);
    return ran;
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
