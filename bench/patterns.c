/*
 * patterns.c - the adversarial event patterns of patterns.h.
 *
 * Each pattern owns an array of objects, each with one event; a handler
 * first checks the order (fired()), then re-arms whatever the pattern
 * says.  Random draws come from a xorshift generator seeded per pattern, so
 * a pattern is the same sequence of operations on every engine.
 */
#include "patterns.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define HOUR (3600 * SIM_S)

typedef struct pobj {
    sim_event ev;
    uint64_t order; /* arming order of its last schedule or restart */
    sim_time due;   /* its deadline, SIM_NEVER when idle */
    struct pctx *c;
} pobj;

struct pctx {
    sim *s;
    pat_stats *st;
    uint32_t n;
    uint32_t rounds;
    uint64_t rng;
    uint64_t order;  /* arming order handed out */
    sim_time last_t; /* the last event run, and its arming order */
    uint64_t last_order;
    pobj *o;
    uint64_t budget; /* events of the driving process before it stops */
    uint32_t next;   /* the next object a pattern takes */
    sim_time span;   /* a pattern's time scale */
};

static uint64_t rnd(pctx *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->rng;
}

/* Uniform in [lo, hi]. */
static sim_time uniform(pctx *c, sim_time lo, sim_time hi)
{
    return lo + (sim_time)(rnd(c) % (uint64_t)(hi - lo + 1));
}

/* Exponential with this mean, in ns. */
static sim_time expo(pctx *c, double mean)
{
    double u = (double)(rnd(c) >> 11) * 0x1.0p-53;

    return (sim_time)(-log1p(-u) * mean);
}

static void arm(pctx *c, pobj *o, sim_time at)
{
    o->order = ++c->order;
    o->due = at;
    sim_restart(c->s, &o->ev, at);
    c->st->ops++;
}

static void disarm(pctx *c, pobj *o)
{
    sim_cancel(c->s, &o->ev);
    o->due = SIM_NEVER;
    c->st->ops++;
}

static int pending(const pobj *o)
{
    return o->due != SIM_NEVER;
}

/* An event ran: it must be at its deadline, in (time, arming order). */
static pctx *fired(sim_event *ev)
{
    pobj *o = SIM_CONTAINER(ev, pobj, ev);
    pctx *c = o->c;
    sim_time now = sim_now(c->s);

    if (now != o->due || now < c->last_t || (now == c->last_t && o->order < c->last_order))
        c->st->disorder++;
    c->last_t = now;
    c->last_order = o->order;
    o->due = SIM_NEVER;
    c->st->events++;
    c->st->ops++;
    return c;
}

static void sample(sim *s, void *arg)
{
    pat_stats *st = arg;
    size_t b = sim_queue_bytes(s);

    if (sim_pending(s) > st->peak_pending)
        st->peak_pending = sim_pending(s);
    if (b > st->peak_bytes)
        st->peak_bytes = b;
}

/* Objects first..first+count-1 run `fn`. */
static void objects(pctx *c, uint32_t first, uint32_t count, sim_handler *fn)
{
    for (uint32_t i = first; i < first + count; i++)
        sim_event_init(&c->o[i].ev, fn);
}

/* ---- hold: n pending, each re-armed at now + Exp(1 ms) */

static void hold_fire(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (c->st->events < c->budget)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + expo(c, 1e6));
}

static void hold(pctx *c)
{
    c->budget = (uint64_t)c->rounds * c->n;
    objects(c, 0, c->n, hold_fire);
    for (uint32_t i = 0; i < c->n; i++)
        arm(c, &c->o[i], expo(c, 1e6));
}

/* ---- bursts: every 1 ms, n events within 100 us, over n/4 held at Exp(1 ms) */

static void burst_one(sim *s, sim_event *ev)
{
    (void)s;
    fired(ev);
}

static void burst_trigger(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    for (uint32_t i = 0; i < c->n; i++)
        if (!pending(&c->o[i]))
            arm(c, &c->o[i], sim_now(s) + uniform(c, 0, 100 * SIM_US));
    if (++c->next < c->rounds)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + SIM_MS);
}

static void burst_background(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (c->next < c->rounds)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + expo(c, 1e6));
}

static void bursts(pctx *c)
{
    uint32_t bg = c->n / 4;

    objects(c, 0, c->n, burst_one);
    objects(c, c->n, bg, burst_background);
    objects(c, c->n + bg, 1, burst_trigger);
    for (uint32_t i = c->n; i < c->n + bg; i++)
        arm(c, &c->o[i], expo(c, 1e6));
    arm(c, &c->o[c->n + bg], SIM_MS);
}

/*
 * ---- sparse then dense: the offload study that broke the sorted run.
 * Connections arrive Exp(10 us) apart; each has a handshake event U(0, 2 ms)
 * later that arms a timer an hour away; a sampler fires every hour.  After
 * a sparse stretch the lowest bucket holds only the far sampler.
 */

static void sd_timer(sim *s, sim_event *ev)
{
    (void)s;
    fired(ev);
}

static void sd_handshake(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);
    pobj *o = SIM_CONTAINER(ev, pobj, ev);

    arm(c, o + c->n, sim_now(s) + HOUR); /* its timer */
}

static void sd_arrival(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    arm(c, &c->o[c->next++], sim_now(s) + uniform(c, 0, 2 * SIM_MS));
    if (c->next < c->n)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + expo(c, 10e3));
}

static void sd_sampler(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (c->next < c->n)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + HOUR);
}

static void sparse_dense(pctx *c)
{
    objects(c, 0, c->n, sd_handshake);
    objects(c, c->n, c->n, sd_timer);
    objects(c, 2 * c->n, 1, sd_arrival);
    objects(c, 2 * c->n + 1, 1, sd_sampler);
    arm(c, &c->o[2 * c->n + 1], 0);
    arm(c, &c->o[2 * c->n], expo(c, 10e3));
}

/*
 * ---- far timers: n timers an hour or two away, each restarted to another
 * such time (later: no queue work; earlier: a new entry) by a dense process
 * of n/16 events held at Exp(1 us).
 */

static void far_timer(sim *s, sim_event *ev)
{
    (void)s;
    fired(ev);
}

static void far_near(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (c->st->events >= c->budget)
        return;
    arm(c, &c->o[rnd(c) % c->n], sim_now(s) + uniform(c, HOUR, 2 * HOUR));
    arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + expo(c, 1e3));
}

static void far_timers(pctx *c)
{
    uint32_t near = c->n / 16 + 1;

    c->budget = (uint64_t)c->rounds * c->n;
    objects(c, 0, c->n, far_timer);
    objects(c, c->n, near, far_near);
    for (uint32_t i = 0; i < c->n; i++)
        arm(c, &c->o[i], uniform(c, HOUR, 2 * HOUR));
    for (uint32_t i = c->n; i < c->n + near; i++)
        arm(c, &c->o[i], expo(c, 1e3));
}

/*
 * ---- ticks: n events on the boundaries of a 10 ticks/s clock, each
 * re-armed to a boundary up to 1 s on (mass ties, n/10 a tick), with n/16
 * held off the ticks at Exp(1 ms).
 */

static sim_time tick_after(sim_time t)
{
    const sim_time tick = 100 * SIM_MS;

    return (t + tick - 1) / tick * tick;
}

static void tick_fire(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (c->st->events < c->budget)
        arm(c, SIM_CONTAINER(ev, pobj, ev), tick_after(sim_now(s) + uniform(c, 0, SIM_S)));
}

static void tick_noise(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (c->st->events < c->budget)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + expo(c, 1e6));
}

static void ticks(pctx *c)
{
    uint32_t noise = c->n / 16 + 1;

    c->budget = (uint64_t)c->rounds * c->n;
    objects(c, 0, c->n, tick_fire);
    objects(c, c->n, noise, tick_noise);
    for (uint32_t i = 0; i < c->n; i++)
        arm(c, &c->o[i], tick_after(uniform(c, 0, SIM_S)));
    for (uint32_t i = c->n; i < c->n + noise; i++)
        arm(c, &c->o[i], expo(c, 1e6));
}

/*
 * ---- cancellations: n events up to an hour away; a driver at Exp(1 us)
 * cancels one at random and re-arms another at random (often earlier than
 * its queued entry), so that nearly every event armed is cancelled or moved
 * before it fires and the queue fills with entries that will be skipped.
 */

static void cancel_one(sim *s, sim_event *ev)
{
    (void)s;
    fired(ev);
}

static void cancel_driver(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);
    pobj *a = &c->o[rnd(c) % c->n], *b = &c->o[rnd(c) % c->n];

    if (c->st->events >= c->budget)
        return;
    if (pending(a))
        disarm(c, a);
    arm(c, b, sim_now(s) + uniform(c, 0, HOUR));
    arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + expo(c, 1e3));
}

static void cancellations(pctx *c)
{
    c->budget = (uint64_t)c->rounds * c->n;
    objects(c, 0, c->n, cancel_one);
    objects(c, c->n, 1, cancel_driver);
    for (uint32_t i = 0; i < c->n; i++)
        arm(c, &c->o[i], uniform(c, 0, HOUR));
    arm(c, &c->o[c->n], 0);
}

/*
 * ---- trickle: one connection whose peer sends every 100 us for
 * rounds x n segments: each restarts a FIN_WAIT_2 timer 120 s on (later:
 * lazy) and arms a delayed ACK 200 ms on, or sends it now when one is
 * already armed (earlier: a new entry).  One event pending, a few hundred
 * skipped entries at most: the queue's memory must not grow with time.
 */

static void trickle_peer(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (c->st->events >= c->budget)
        return;
    arm(c, &c->o[1], sim_now(s) + 120 * SIM_S);
    arm(c, &c->o[2], sim_now(s) + (pending(&c->o[2]) ? 0 : 200 * SIM_MS));
    arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + 100 * SIM_US);
}

static void trickle_other(sim *s, sim_event *ev)
{
    (void)s;
    fired(ev);
}

static void trickle(pctx *c)
{
    c->budget = (uint64_t)c->rounds * c->n;
    objects(c, 0, 1, trickle_peer);
    objects(c, 1, 2, trickle_other);
    arm(c, &c->o[0], 0);
}

/*
 * ---- descending: past a lone event two hours away, a chain that fires
 * every ns arms n events an hour away in decreasing order of time: each
 * due before every one armed so far.
 */

static void desc_one(sim *s, sim_event *ev)
{
    (void)s;
    fired(ev);
}

static void desc_chain(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    arm(c, &c->o[c->next], HOUR - c->next);
    if (++c->next < c->n)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + 1);
}

static void descending(pctx *c)
{
    objects(c, 0, c->n, desc_one);
    objects(c, c->n, 1, desc_one);
    objects(c, c->n + 1, 1, desc_chain);
    arm(c, &c->o[c->n], 2 * HOUR);
    arm(c, &c->o[c->n + 1], 0);
}

/*
 * ---- ties ahead: n events due at one time T, and a chain stepping up to
 * it 1-2 us at a time: every step arms an event due before all n ties.
 */

static void ties_one(sim *s, sim_event *ev)
{
    (void)s;
    fired(ev);
}

static void ties_chain(sim *s, sim_event *ev)
{
    pctx *c = fired(ev);

    if (sim_now(s) + 2 * SIM_US < c->span)
        arm(c, SIM_CONTAINER(ev, pobj, ev), sim_now(s) + uniform(c, SIM_US, 2 * SIM_US));
}

static void ties_ahead(pctx *c)
{
    c->span = (sim_time)c->rounds * c->n * 3 * SIM_US / 2;
    objects(c, 0, c->n, ties_one);
    objects(c, c->n, 1, ties_chain);
    for (uint32_t i = 0; i < c->n; i++)
        arm(c, &c->o[i], c->span);
    arm(c, &c->o[c->n], 0);
}

const pattern patterns[] = {
    {"hold", "n held, each re-armed Exp(1ms) on", hold},
    {"bursts", "n within 100us every 1ms, n/4 held", bursts},
    {"sparse_dense", "arrivals Exp(10us), timers 1h on, 1h sampler", sparse_dense},
    {"far_timers", "n 1-2h on, restarted by n/16 held at Exp(1us)", far_timers},
    {"ticks", "n on 100ms ticks (n/10 ties), n/16 off-tick", ticks},
    {"cancellations", "n up to 1h on; cancel one, re-arm one, every 1us", cancellations},
    {"trickle", "1 connection, a segment every 100us", trickle},
    {"descending", "n armed in decreasing time, 1h on", descending},
    {"ties_ahead", "n ties at T, a chain stepping up to T", ties_ahead},
};
const size_t npatterns = sizeof patterns / sizeof patterns[0];

void pattern_run(const pattern *p, uint32_t n, uint32_t rounds, pat_stats *st,
                 void (*inspect)(sim *s, void *arg), void *arg)
{
    pctx c = {0};
    size_t room = 2 * (size_t)n + 64; /* the most any pattern uses */

    c.st = st;
    c.n = n;
    c.rounds = rounds;
    c.rng = 0x9e3779b97f4a7c15ULL ^ n;
    c.o = calloc(room, sizeof *c.o);
    if (c.o == NULL || sim_create(&c.s) != 0) {
        fprintf(stderr, "patterns: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < room; i++) {
        c.o[i].c = &c;
        c.o[i].due = SIM_NEVER;
    }
    sim_set_poll(c.s, 256, sample, st);
    p->run(&c);
    sim_run(c.s, SIM_TIME_MAX);
    sample(c.s, st);
    if (inspect != NULL)
        inspect(c.s, arg);
    /* Events must outlive the engine's entries for them (sim.h). */
    sim_destroy(c.s);
    free(c.o);
}
