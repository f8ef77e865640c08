/*
 * sim.h - the discrete-event engine as models see it.
 *
 * Models reach the engine through five calls and nothing else:
 *
 *     sim_now(s)                 the simulated clock, int64 nanoseconds
 *     sim_schedule(s, ev, at)    arm an idle event for time `at`
 *     sim_restart(s, ev, at)     arm or move an event, pending or not
 *     sim_cancel(s, ev)          disarm an event (no-op when idle)
 *     sim_event_pending(ev)      is it armed?
 *
 * so that the same model code can run on another scheduler (ns-3's, through
 * libns3-c) by giving these calls another body.
 *
 * Events are intrusive: a model embeds a sim_event (four bytes) in its own
 * object, binds it once to its handler with sim_event_init(), and recovers
 * the object from the event's address in the handler (SIM_CONTAINER).
 * While an event is armed the engine keeps its deadline and arming order in
 * a record of its own (sim.c), so an idle event costs its four bytes and
 * nothing else.  A handler runs with sim_now() equal to its deadline; an
 * event armed for now inside a handler runs after that handler returns.
 * Events due at the same time run in the order in which they were armed
 * (each schedule or restart takes the next sequence number), so one seed
 * always gives one run.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Simulated time: int64 nanoseconds since the start of the run. */
typedef int64_t sim_time;

#define SIM_NS ((sim_time)1)
#define SIM_US ((sim_time)1000)
#define SIM_MS ((sim_time)1000000)
#define SIM_S ((sim_time)1000000000)
/* "Never": the deadline of an idle event and of a time not reached. */
#define SIM_NEVER ((sim_time)-1)
/* The latest representable time, about 292 years. */
#define SIM_TIME_MAX INT64_MAX

typedef struct sim sim;
typedef struct sim_event sim_event;
typedef struct sim_rec sim_rec;
typedef void sim_handler(sim *s, sim_event *ev);

/*
 * An event as a model holds it.  The value is the engine's: idle, the
 * handler's kind (an index into a table of handlers, sim_event_init); armed,
 * or idle with an entry still queued (cancellation is lazy), the index of
 * the record that holds its deadline.  Models read it only through
 * sim_event_pending() and sim_deadline().
 */
struct sim_event {
    uint32_t h;
};

#define SIM_EV_REC 0x80000000u     /* h holds a record's index, not a kind */
#define SIM_EV_PENDING 0x40000000u /* armed */

/* The handlers' kinds (sim.c): a process-wide table, and a small cache of
 * the last ones bound, which every connection binds again. */
uint32_t sim__kind(sim_handler *fn);
extern sim_handler *sim__kind_fn[64];
extern uint32_t sim__kind_id[64];

/*
 * Bind an event to its handler.  The event starts idle.  An event must not
 * be bound again while it is pending; an idle one may be (at any time: its
 * stale queue entries are recognised by their sequence numbers).
 */
static inline void sim_event_init(sim_event *ev, sim_handler *fn)
{
    unsigned i = (unsigned)(((uintptr_t)fn >> 4) & 63);

    ev->h = sim__kind_fn[i] == fn ? sim__kind_id[i] : sim__kind(fn);
}

/* The object of type `type` whose member `member` is the event `ev`. */
#define SIM_CONTAINER(ev, type, member) \
    ((type *)(void *)((char *)(ev) - offsetof(type, member)))

static inline bool sim_event_pending(const sim_event *ev)
{
    return (ev->h & SIM_EV_PENDING) != 0;
}

/* The deadline of a pending event, SIM_NEVER for an idle one. */
sim_time sim_deadline(const sim *s, const sim_event *ev);

static inline sim_time sim_now(const sim *s);

/* Arm an idle event for `at` (>= now).  Arming a pending event is a bug. */
void sim_schedule(sim *s, sim_event *ev, sim_time at);

/*
 * Arm the event for `at` (>= now) whether or not it is pending.  Moving a
 * deadline later does not touch the pending set: the entry already queued
 * fires first and re-arms itself for the new deadline (FreeBSD's callout
 * reset works the same way).  Most timers are restarted many times and
 * fire rarely, so this is the common path.
 */
void sim_restart(sim *s, sim_event *ev, sim_time at);

/*
 * Disarm the event.  Harmless when it is idle.  The native queue drops the
 * entry lazily, when its time comes, so the event's memory must last until
 * then (offsim's models keep theirs for the whole run); another scheduler
 * (sim_ext) drops it at once.
 */
void sim_cancel(sim *s, sim_event *ev);

/* ---- owning and running an engine (the driver's side, not the models') */

int sim_create(sim **out);

/*
 * Another scheduler under the same interface (libns3-c puts ns-3's here).
 * The engine keeps its bookkeeping (arming order, pending count, poll,
 * fingerprint); the scheduler only holds entries.  Cancellation is not
 * lazy there: a cancelled or re-armed-earlier event's entry is dropped at
 * once, so an owner may free an event as soon as it is idle:
 *   push(q, at, seq, r)   queue an entry for the engine's record r; when it
 *                         comes due the scheduler calls sim_ext_due(s, at, seq, r)
 *   cancel(q, seq)        drop the entry pushed with `seq` (not yet due)
 *   now(q)                its clock, in ns
 *   run(q, until)         run its events due at or before `until`
 *   stop(q)               make run() return after the current event
 */
typedef struct sim_ext {
    void (*push)(void *q, sim_time at, uint64_t seq, sim_rec *r);
    void (*cancel)(void *q, uint64_t seq);
    sim_time (*now)(void *q);
    void (*run)(void *q, sim_time until);
    void (*stop)(void *q);
    void *q;
} sim_ext;

int sim_create_ext(sim **out, const sim_ext *ext);

/*
 * The head of the engine's state, the part models read on every event: its
 * clock, and another scheduler if there is one (the rest is sim.c's).
 */
typedef struct sim_clock {
    sim_time now;
    const sim_ext *ext;
} sim_clock;

static inline sim_time sim_now(const sim *s)
{
    const sim_clock *c = (const sim_clock *)(const void *)s;

    /* On another scheduler, its own events (ns-3's TCP) move the clock too. */
    return c->ext != NULL ? c->ext->now(c->ext->q) : c->now;
}

/* An entry of an external scheduler came due (see sim_ext). */
void sim_ext_due(sim *s, sim_time at, uint64_t seq, sim_rec *r);
void sim_destroy(sim *s);

/*
 * Run events due at or before `until`.  Returns when the next pending event
 * is later than `until` (the clock is then set to `until`), when nothing is
 * pending (the clock stays at the last event), when sim_stop() was
 * called, or when the pending set could not grow (sim_error).  Returns the
 * number of events run by this call.
 */
uint64_t sim_run(sim *s, sim_time until);

/*
 * SIM_OK, or SIM_ENOMEM once the pending set could not grow: events were
 * lost, the run stopped at the event that armed the lost one, and nothing
 * more runs.  The driver reports it; the model's own allocations report
 * theirs the same way (world_end).
 */
int sim_error(const sim *s);

/* Ask sim_run() to return after the current event. */
void sim_stop(sim *s);

/*
 * Call `fn` every `every` events (and once more when a run returns).  It is
 * the driver's hook for progress bars and interrupt checks: it may read the
 * wall clock and call sim_stop(); models never use it.
 */
typedef void sim_poll_fn(sim *s, void *arg);
void sim_set_poll(sim *s, uint64_t every, sim_poll_fn *fn, void *arg);

/* Number of pending events. */
uint64_t sim_pending(const sim *s);
/* Events run since creation. */
uint64_t sim_events(const sim *s);
/*
 * A 64-bit hash of the trajectory: every event run folds its (time, arming
 * sequence) in.  Two runs with equal fingerprints ran the same events at the
 * same times in the same order (INET's fingerprint tests).
 */
uint64_t sim_fingerprint(const sim *s);
/* Bytes the engine holds for pending events: the native pending set's
 * entries (none on another scheduler) and the records of armed events. */
size_t sim_queue_bytes(const sim *s);
/* Records in use: armed events, and cancelled ones whose entry is queued
 * (tests). */
uint64_t sim__records(const sim *s);
/* Let the native pending set hold at most `entries` (0: no limit), as if
 * the allocator refused beyond them: how tests reach sim_error. */
void sim__set_queue_limit(sim *s, size_t entries);

#ifdef __cplusplus
}
#endif

#endif /* SIM_SIM_H */
