/*
 * test_engine.c - the event engine: order, ties, cancel, restart, the run
 * loop's clock, and random operation sequences against a sorted reference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/evq.h"
#include "engine/err.h"
#include "engine/sim.h"

/* A log of which events fired, and when. */
typedef struct fired {
    int id;
    sim_time t;
} fired;

static fired g_log[4096];
static int g_nlog;

typedef struct obj {
    sim_event ev;
    int id;
} obj;

static void log_handler(sim *s, sim_event *ev)
{
    obj *o = SIM_CONTAINER(ev, obj, ev);

    g_log[g_nlog].id = o->id;
    g_log[g_nlog].t = sim_now(s);
    g_nlog++;
}

static void init_objs(obj *o, int n)
{
    g_nlog = 0;
    for (int i = 0; i < n; i++) {
        o[i].id = i;
        sim_event_init(&o[i].ev, log_handler);
    }
}

static void ordering(void)
{
    sim *s;
    obj o[5];
    static const sim_time at[5] = {50, 10, 40, 20, 30};

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 5);
    for (int i = 0; i < 5; i++)
        sim_schedule(s, &o[i].ev, at[i] * SIM_MS);
    CHECK_EQ_I64(sim_pending(s), 5);
    CHECK_EQ_I64(sim_run(s, SIM_S), 5);
    CHECK_EQ_I64(g_nlog, 5);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_I64(g_log[i].t, (i + 1) * 10 * SIM_MS);
    CHECK_EQ_I64(g_log[0].id, 1);
    CHECK_EQ_I64(g_log[4].id, 0);
    /* Nothing pending: the clock stays at the last event. */
    CHECK_EQ_I64(sim_now(s), 50 * SIM_MS);
    CHECK_EQ_I64(sim_pending(s), 0);
    sim_destroy(s);
}

static void ties_run_in_scheduling_order(void)
{
    sim *s;
    obj o[6];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 6);
    /* Interleave two times; within each, the order of scheduling wins. */
    sim_schedule(s, &o[3].ev, 7);
    sim_schedule(s, &o[0].ev, 5);
    sim_schedule(s, &o[5].ev, 7);
    sim_schedule(s, &o[1].ev, 5);
    sim_schedule(s, &o[4].ev, 7);
    sim_schedule(s, &o[2].ev, 5);
    sim_run(s, 100);
    static const int want[6] = {0, 1, 2, 3, 5, 4};
    for (int i = 0; i < 6; i++)
        CHECK_EQ_I64(g_log[i].id, want[i]);
    sim_destroy(s);
}

/* A handler that arms another event for "now": it must run after us. */
static obj *g_chain_next;
static void chain_handler(sim *s, sim_event *ev)
{
    log_handler(s, ev);
    if (g_chain_next != NULL) {
        obj *n = g_chain_next;
        g_chain_next = NULL;
        sim_schedule(s, &n->ev, sim_now(s));
    }
}

static void event_armed_for_now_runs_after_handler(void)
{
    sim *s;
    obj o[3];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 3);
    sim_event_init(&o[0].ev, chain_handler);
    sim_schedule(s, &o[0].ev, 10);
    sim_schedule(s, &o[1].ev, 10);
    g_chain_next = &o[2];
    sim_run(s, 10);
    CHECK_EQ_I64(g_nlog, 3);
    CHECK_EQ_I64(g_log[0].id, 0);
    CHECK_EQ_I64(g_log[1].id, 1);
    CHECK_EQ_I64(g_log[2].id, 2);
    CHECK_EQ_I64(g_log[2].t, 10);
    sim_destroy(s);
}

static void cancel_and_restart(void)
{
    sim *s;
    obj o[4];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 4);
    sim_cancel(s, &o[0].ev); /* idle: harmless */
    CHECK(!sim_event_pending(&o[0].ev));
    sim_schedule(s, &o[0].ev, 10);
    sim_schedule(s, &o[1].ev, 20);
    sim_schedule(s, &o[2].ev, 30);
    sim_schedule(s, &o[3].ev, 40);
    sim_cancel(s, &o[1].ev);
    CHECK(!sim_event_pending(&o[1].ev));
    sim_restart(s, &o[2].ev, 50); /* later: lazy */
    sim_restart(s, &o[3].ev, 5);  /* earlier: re-queued */
    CHECK_EQ_I64(sim_pending(s), 3);
    CHECK(sim_event_pending(&o[2].ev));
    sim_run(s, 100);
    CHECK_EQ_I64(g_nlog, 3);
    CHECK_EQ_I64(g_log[0].id, 3);
    CHECK_EQ_I64(g_log[0].t, 5);
    CHECK_EQ_I64(g_log[1].id, 0);
    CHECK_EQ_I64(g_log[2].id, 2);
    CHECK_EQ_I64(g_log[2].t, 50);
    sim_destroy(s);
}

/* Re-arming takes a new place among ties, whether queued anew or lazily. */
static void restart_takes_a_new_place_among_ties(void)
{
    sim *s;
    obj o[4];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 4);
    sim_schedule(s, &o[0].ev, 10);
    sim_schedule(s, &o[1].ev, 10);
    sim_restart(s, &o[0].ev, 10); /* same time as its entry: queued anew */
    /* Both moved later lazily; o[3] is re-armed last, so it runs last. */
    sim_schedule(s, &o[3].ev, 10);
    sim_schedule(s, &o[2].ev, 20);
    sim_restart(s, &o[3].ev, 30);
    sim_restart(s, &o[2].ev, 30);
    sim_restart(s, &o[3].ev, 30);
    sim_run(s, 100);
    CHECK_EQ_I64(g_nlog, 4);
    CHECK_EQ_I64(g_log[0].id, 1);
    CHECK_EQ_I64(g_log[1].id, 0);
    CHECK_EQ_I64(g_log[1].t, 10);
    CHECK_EQ_I64(g_log[2].id, 2);
    CHECK_EQ_I64(g_log[2].t, 30);
    CHECK_EQ_I64(g_log[3].id, 3);
    CHECK_EQ_I64(g_log[3].t, 30);
    sim_destroy(s);
}

static void run_until_sets_clock_and_allows_earlier_arming(void)
{
    sim *s;
    obj o[3];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 3);
    sim_schedule(s, &o[0].ev, 1000);
    CHECK_EQ_I64(sim_run(s, 100), 0);
    CHECK_EQ_I64(sim_now(s), 100);
    /* Earlier than the entry the run looked at, later than now. */
    sim_schedule(s, &o[1].ev, 150);
    CHECK_EQ_I64(sim_run(s, 200), 1);
    CHECK_EQ_I64(g_log[0].id, 1);
    CHECK_EQ_I64(sim_now(s), 200);
    sim_schedule(s, &o[2].ev, 200); /* at now */
    CHECK_EQ_I64(sim_run(s, 2000), 2);
    CHECK_EQ_I64(g_log[1].id, 2);
    CHECK_EQ_I64(g_log[2].id, 0);
    CHECK_EQ_I64(sim_now(s), 1000);
    sim_destroy(s);
}

static void stopper(sim *s, sim_event *ev)
{
    log_handler(s, ev);
    sim_stop(s);
}

static void stop_returns_after_current_event(void)
{
    sim *s;
    obj o[2];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 2);
    sim_event_init(&o[0].ev, stopper);
    sim_schedule(s, &o[0].ev, 1);
    sim_schedule(s, &o[1].ev, 2);
    CHECK_EQ_I64(sim_run(s, 10), 1);
    CHECK_EQ_I64(sim_now(s), 1);
    CHECK_EQ_I64(sim_run(s, 10), 1);
    CHECK_EQ_I64(g_log[1].id, 1);
    sim_destroy(s);
}

static int g_polls;
static void count_poll(sim *s, void *arg)
{
    (void)s;
    (void)arg;
    g_polls++;
}

static void poll_every_n_events(void)
{
    sim *s;
    obj o[10];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 10);
    for (int i = 0; i < 10; i++)
        sim_schedule(s, &o[i].ev, i);
    g_polls = 0;
    sim_set_poll(s, 3, count_poll, NULL);
    sim_run(s, 100);
    CHECK_EQ_I64(g_polls, 3 + 1); /* after events 3, 6, 9, and at return */
    sim_destroy(s);
}

/*
 * Random schedule / restart / cancel / run sequences checked against a
 * reference: every event fired must be the pending one with the smallest
 * (deadline, arming order), at its deadline.
 */
#define NR 200
static struct ref {
    sim_time at; /* SIM_NEVER when idle */
    uint64_t order;
} g_ref[NR];
static uint64_t g_order;
static int g_bad;
static sim_time g_last_fire;

static void ref_handler(sim *s, sim_event *ev)
{
    obj *o = SIM_CONTAINER(ev, obj, ev);
    int best = -1;

    for (int i = 0; i < NR; i++) {
        if (g_ref[i].at == SIM_NEVER)
            continue;
        if (best < 0 || g_ref[i].at < g_ref[best].at ||
            (g_ref[i].at == g_ref[best].at && g_ref[i].order < g_ref[best].order))
            best = i;
    }
    if (best != o->id || g_ref[o->id].at != sim_now(s) || sim_now(s) < g_last_fire)
        g_bad++;
    g_last_fire = sim_now(s);
    g_ref[o->id].at = SIM_NEVER;
    g_nlog++;
}

static uint64_t xs(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/*
 * A toy external scheduler (sim_ext) for the same checks: an unsorted
 * table scanned for the smallest (time, seq), as simple as can be right.
 * Its entries must never outlive their events' pending state: a cancelled
 * or re-armed-earlier event's entry is dropped (sim.h).
 */
#define TOY_MAX 4096
static struct toy {
    struct {
        sim_time at;
        uint64_t seq;
        sim_rec *r;
    } e[TOY_MAX];
    int n;
    sim_time now;
    int stop;
    sim *s;
} g_toy;

static void toy_push(void *q, sim_time at, uint64_t seq, sim_rec *r)
{
    struct toy *t = q;

    CHECK(t->n < TOY_MAX);
    t->e[t->n].at = at;
    t->e[t->n].seq = seq;
    t->e[t->n].r = r;
    t->n++;
}

static void toy_cancel(void *q, uint64_t seq)
{
    struct toy *t = q;

    for (int i = 0; i < t->n; i++) {
        if (t->e[i].seq == seq) {
            t->e[i] = t->e[--t->n];
            return;
        }
    }
    CHECK_FAIL_("cancel of an entry the scheduler does not hold (seq %llu)",
                (unsigned long long)seq);
}

static sim_time toy_now(void *q)
{
    return ((struct toy *)q)->now;
}

static void toy_run(void *q, sim_time until)
{
    struct toy *t = q;

    t->stop = 0;
    while (!t->stop && t->n > 0) {
        int b = 0;

        for (int i = 1; i < t->n; i++)
            if (t->e[i].at < t->e[b].at || (t->e[i].at == t->e[b].at && t->e[i].seq < t->e[b].seq))
                b = i;
        if (t->e[b].at > until)
            break;
        sim_time at = t->e[b].at;
        uint64_t seq = t->e[b].seq;
        sim_rec *r = t->e[b].r;

        t->e[b] = t->e[--t->n];
        t->now = at;
        sim_ext_due(t->s, at, seq, r);
    }
    if (!t->stop && until > t->now)
        t->now = until;
}

static void toy_stop(void *q)
{
    ((struct toy *)q)->stop = 1;
}

static int create_toy(sim **out)
{
    static const sim_ext ext = {toy_push, toy_cancel, toy_now, toy_run, toy_stop, &g_toy};
    int rc;

    memset(&g_toy, 0, sizeof g_toy);
    rc = sim_create_ext(out, &ext);
    g_toy.s = *out;
    return rc;
}

static void random_operations(int (*create)(sim **), int toy)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        sim *s;
        obj o[NR];
        uint64_t x = seed * 0x9e3779b97f4a7c15ULL, fired_total = 0;

        CHECK_EQ_I64(create(&s), 0);
        for (int i = 0; i < NR; i++) {
            o[i].id = i;
            sim_event_init(&o[i].ev, ref_handler);
            g_ref[i].at = SIM_NEVER;
        }
        g_bad = 0;
        g_nlog = 0;
        g_last_fire = 0;
        for (int step = 0; step < 20000; step++) {
            int i = (int)(xs(&x) % NR);
            unsigned op = (unsigned)(xs(&x) % 10);
            /* Small spans make ties frequent; some are far in the future. */
            sim_time span = (xs(&x) % 4 == 0) ? 1000000 : 50;
            sim_time at = sim_now(s) + (sim_time)(xs(&x) % (uint64_t)span);

            if (op < 3) {
                if (!sim_event_pending(&o[i].ev)) {
                    sim_schedule(s, &o[i].ev, at);
                    g_ref[i].at = at;
                    g_ref[i].order = ++g_order;
                }
            } else if (op < 6) {
                sim_restart(s, &o[i].ev, at);
                g_ref[i].at = at;
                g_ref[i].order = ++g_order;
            } else if (op < 8) {
                sim_cancel(s, &o[i].ev);
                g_ref[i].at = SIM_NEVER;
            } else {
                fired_total += sim_run(s, sim_now(s) + (sim_time)(xs(&x) % 40));
            }
            CHECK_EQ_I64(sim_event_pending(&o[i].ev), g_ref[i].at != SIM_NEVER);
            /* At most one entry per pending event, none for an idle one. */
            if (toy)
                CHECK(g_toy.n <= (int)sim_pending(s));
        }
        fired_total += sim_run(s, SIM_TIME_MAX);
        CHECK_EQ_I64(g_bad, 0);
        CHECK_EQ_I64(sim_pending(s), 0);
        CHECK_EQ_I64(fired_total, g_nlog);
        CHECK(fired_total > 1000);
        if (toy)
            CHECK_EQ_I64(g_toy.n, 0);
        sim_destroy(s);
    }
}

static void random_operations_match_sorted_reference(void)
{
    random_operations(sim_create, 0);
}

/* The same on another scheduler (libns3-c puts ns-3's there). */
static void external_scheduler_matches_sorted_reference(void)
{
    random_operations(create_toy, 1);
}

/* The queue alone: many entries, random times, popped in (time, seq) order. */
static void evq_pops_in_time_then_seq_order(void)
{
    evq q;
    evq_entry e;
    uint64_t x = 12345;
    sim_time prev_at = 0;
    uint64_t prev_seq = 0;
    size_t n = 0;

    evq_init(&q);
    for (uint64_t seq = 1; seq <= 100000; seq++)
        evq_push(&q, (sim_time)(xs(&x) % 1000000), seq, NULL);
    CHECK_EQ_I64(evq_size(&q), 100000);
    while (evq_pop_until(&q, SIM_TIME_MAX, &e)) {
        if (e.at < prev_at || (e.at == prev_at && e.seq <= prev_seq))
            CHECK_FAIL_("out of order: (%lld,%llu) after (%lld,%llu)",
                        (long long)e.at, (unsigned long long)e.seq,
                        (long long)prev_at, (unsigned long long)prev_seq);
        prev_at = e.at;
        prev_seq = e.seq;
        n++;
    }
    CHECK_EQ_I64(n, 100000);
    CHECK_EQ_I64(evq_size(&q), 0);
    evq_fini(&q);
}

/*
 * The queue alone against a reference, on the times that exercise every
 * path: ties at now and on a coarse tick, near and far times, runs of
 * decreasing times, bursts, while popping all along.  Each pop must be the
 * reference's earliest (time, seq); pushes are never before the last pop.
 */
#define EVQ_REF_MAX 2000
static void evq_matches_reference_on_mixed_times(void)
{
    static evq_entry ref[EVQ_REF_MAX];
    static sim_rec evs[16];

    for (uint64_t seed = 1; seed <= 6; seed++) {
        evq q;
        evq_entry e;
        uint64_t x = seed * 0x9e3779b97f4a7c15ULL, seq = 0;
        sim_time now = 0, desc = 0;
        int n = 0, bad = 0;

        evq_init(&q);
        for (int step = 0; step < 30000; step++) {
            unsigned op = (unsigned)(xs(&x) % 16);

            if (op < 7 && n < EVQ_REF_MAX - 200) {
                int burst = xs(&x) % 50 == 0 ? 150 : 1;

                for (int k = 0; k < burst; k++) {
                    sim_time at;

                    switch (xs(&x) % 8) {
                    case 0: at = now; break;
                    case 1: at = (now / 1000000 + 1) * 1000000; break; /* a tick */
                    case 2: at = now + (sim_time)(xs(&x) % 100); break;
                    case 3: at = now + (sim_time)(xs(&x) % 100000); break;
                    case 4: at = now + 3600 * SIM_S + (sim_time)(xs(&x) % SIM_S); break;
                    case 5: /* decreasing times ahead */
                        if (desc <= now + 10)
                            desc = now + 5000000;
                        at = --desc;
                        break;
                    default: at = now + (sim_time)(xs(&x) % 10000000); break;
                    }
                    seq++;
                    evq_push(&q, at, seq, &evs[seq % 16]);
                    ref[n].at = at;
                    ref[n].seq = seq;
                    n++;
                }
            } else {
                int best = -1;

                for (int i = 0; i < n; i++)
                    if (best < 0 || ref[i].at < ref[best].at ||
                        (ref[i].at == ref[best].at && ref[i].seq < ref[best].seq))
                        best = i;
                if (!evq_pop_until(&q, SIM_TIME_MAX, &e)) {
                    bad += n != 0;
                    continue;
                }
                if (best < 0 || e.at != ref[best].at || e.seq != ref[best].seq) {
                    bad++;
                    continue;
                }
                now = e.at;
                ref[best] = ref[--n];
            }
            CHECK_EQ_I64(evq_size(&q), n);
        }
        CHECK_EQ_I64(bad, 0);
        evq_fini(&q);
    }
}

/*
 * The run's depth follows where pushes land (evq.c, "Why its depth
 * changes").  4096 timers, each re-armed an hour or two on when it fires,
 * and a chain of 8 near events, each pushing the next 1 ms to 1 s on, as
 * default.ini's segments do among its FIN_WAIT_2 timers: most pushes land
 * in the run, which shortens to EVQ_DEPTH_MIN.  Then the timers alone,
 * whose pushes land beyond the run, as the hold model's do: it deepens
 * again to EVQ_PREFETCH.  Pops stay in (time, seq) order throughout.
 */
static void evq_depth_follows_where_pushes_land(void)
{
    enum { TIMERS = 4096, CHAIN = 8 };
    const sim_time hour = 3600 * SIM_S;
    evq q;
    evq_entry e;
    uint64_t x = 7, seq = 0;
    sim_time prev_at = 0;
    uint64_t prev_seq = 0;
    int bad = 0, chain = 0;

    evq_init(&q);
    CHECK_EQ_I64(q.depth, EVQ_PREFETCH);
    for (int i = 0; i < TIMERS; i++)
        evq_push(&q, (sim_time)(xs(&x) % (uint64_t)hour), ++seq, NULL);
    for (int i = 0; i < CHAIN; i++)
        evq_push(&q, (sim_time)(xs(&x) % (uint64_t)SIM_S), ++seq, (sim_rec *)&chain);
    for (int phase = 1; phase <= 2; phase++) {
        for (int i = 0; i < 40000 && evq_pop_until(&q, SIM_TIME_MAX, &e); i++) {
            bad += e.at < prev_at || (e.at == prev_at && e.seq <= prev_seq);
            prev_at = e.at;
            prev_seq = e.seq;
            if (e.rec == NULL)
                evq_push(&q, e.at + hour + (sim_time)(xs(&x) % (uint64_t)hour), ++seq, NULL);
            else if (phase == 1)
                evq_push(&q, e.at + SIM_S / 1000 + (sim_time)(xs(&x) % (uint64_t)SIM_S), ++seq,
                         e.rec);
        }
        CHECK_EQ_I64(q.depth, phase == 1 ? EVQ_DEPTH_MIN : EVQ_PREFETCH);
    }
    CHECK_EQ_I64(evq_size(&q), TIMERS);
    CHECK_EQ_I64(bad, 0);
    evq_fini(&q);
}

/* Many entries at one time, pushed out of seq order (as re-queued restarts
 * are), leave in seq order. */
static void evq_sorts_large_tie_groups(void)
{
    enum { K = 3000 };
    static uint64_t perm[K];
    evq q;
    evq_entry e;
    uint64_t x = 99, prev = 0;
    int n = 0;

    for (int i = 0; i < K; i++)
        perm[i] = (uint64_t)i + 10;
    for (int i = K - 1; i > 0; i--) {
        int j = (int)(xs(&x) % (uint64_t)(i + 1));
        uint64_t t = perm[i];

        perm[i] = perm[j];
        perm[j] = t;
    }
    evq_init(&q);
    evq_push(&q, 1, 1, NULL);
    for (int i = 0; i < K; i++)
        evq_push(&q, 5 * SIM_S, perm[i], NULL);
    evq_push(&q, 5 * SIM_S + 1, 2, NULL);
    CHECK(evq_pop_until(&q, SIM_TIME_MAX, &e) && e.at == 1);
    while (evq_pop_until(&q, 5 * SIM_S, &e)) {
        CHECK_EQ_I64(e.at, 5 * SIM_S);
        if (e.seq <= prev)
            CHECK_FAIL_("seq %llu after %llu", (unsigned long long)e.seq,
                        (unsigned long long)prev);
        prev = e.seq;
        n++;
    }
    CHECK_EQ_I64(n, K);
    CHECK(evq_pop_until(&q, SIM_TIME_MAX, &e) && e.at == 5 * SIM_S + 1);
    evq_fini(&q);
}

/*
 * Restarts to earlier times leave entries that can only be skipped, and
 * cancels leave entries of idle events: the engine drops them once they
 * outnumber the pending events, without changing the order, so the queue's
 * memory follows the pending events however many restarts there were.
 */
static void skipped_entries_are_dropped_in_order(void)
{
    sim *s;
    obj o[NR];
    uint64_t x = 4242, fired_total = 0;
    size_t peak = 0;

    CHECK_EQ_I64(sim_create(&s), 0);
    for (int i = 0; i < NR; i++) {
        o[i].id = i;
        sim_event_init(&o[i].ev, ref_handler);
        g_ref[i].at = SIM_NEVER;
    }
    g_bad = 0;
    g_nlog = 0;
    g_last_fire = 0;
    for (int step = 0; step < 200000; step++) {
        int i = (int)(xs(&x) % NR);
        unsigned op = (unsigned)(xs(&x) % 20);
        /* Far or near: a near restart after a far one leaves a stale
         * entry that lives for up to an hour. */
        sim_time at = sim_now(s) + (sim_time)(xs(&x) % (op % 2 ? 3600 * SIM_S : SIM_MS));

        if (op < 16) {
            sim_restart(s, &o[i].ev, at);
            g_ref[i].at = at;
            g_ref[i].order = ++g_order;
        } else if (op < 18) {
            sim_cancel(s, &o[i].ev);
            g_ref[i].at = SIM_NEVER;
        } else {
            fired_total += sim_run(s, sim_now(s) + 100 * SIM_US);
        }
        if (sim_queue_bytes(s) > peak)
            peak = sim_queue_bytes(s);
    }
    fired_total += sim_run(s, SIM_TIME_MAX);
    CHECK_EQ_I64(g_bad, 0);
    CHECK_EQ_I64(fired_total, g_nlog);
    CHECK(fired_total > 1000);
    /* ~80000 stale entries without the drops; with them at most
     * 2 x 200 + 4096, in arrays at most 4x that and the trim slack. */
    if (peak > 24 * (4 * (2 * NR + 4096) + 8192))
        CHECK_FAIL_("the queue peaked at %zu bytes for %d events", peak, NR);
    sim_destroy(s);
}

/* Same operations, same fingerprint; one different deadline, another. */
static uint64_t fingerprint_of(sim_time shift)
{
    sim *s;
    obj o[50];
    uint64_t fp;

    sim_create(&s);
    init_objs(o, 50);
    for (int i = 0; i < 50; i++)
        sim_schedule(s, &o[i].ev, (i * 7919) % 1000 + (i == 17 ? shift : 0));
    sim_run(s, SIM_TIME_MAX);
    fp = sim_fingerprint(s);
    CHECK_EQ_I64(sim_events(s), 50);
    sim_destroy(s);
    return fp;
}

static void fingerprint_is_deterministic(void)
{
    CHECK(fingerprint_of(0) == fingerprint_of(0));
    CHECK(fingerprint_of(0) != fingerprint_of(1));
}

/*
 * An array that cannot grow fails the queue instead of ending the process
 * (one out-of-memory policy, issue 12): until then every pop is in order,
 * then push or pop says so, and evq_fini frees
 * what is left (the sanitizer build checks for leaks).  The limits put the
 * failure in every path: a bucket, the heap, the run, a split.
 */
static void evq_fails_cleanly_when_arrays_cannot_grow(void)
{
    static const size_t limits[] = {1, 16, 40, 100, 333, 1000, 4096, 20000};

    for (size_t li = 0; li < sizeof limits / sizeof limits[0]; li++) {
        evq q;
        evq_entry e;
        uint64_t x = 777 + li, seq = 0;
        sim_time now = 0, prev_at = -1;
        uint64_t prev_seq = 0;
        int failed = 0;

        evq_init(&q);
        q.alloc_limit = limits[li];
        for (int step = 0; step < 60000 && !failed; step++) {
            unsigned op = (unsigned)(xs(&x) % 8);

            if (op < 5) {
                sim_time at = now + (sim_time)(xs(&x) % (op < 2 ? 1000 : op < 4 ? SIM_S : 3600 * SIM_S));

                failed = evq_push(&q, at, ++seq, NULL) != 0;
            } else if (evq_pop_until(&q, SIM_TIME_MAX, &e)) {
                if (e.at < prev_at || (e.at == prev_at && e.seq <= prev_seq))
                    CHECK_FAIL_("limit %zu: out of order", limits[li]);
                prev_at = now = e.at;
                prev_seq = e.seq;
            } else {
                failed = q.failed;
            }
        }
        CHECK(failed);
        CHECK(q.failed);
        evq_fini(&q);
    }
}

/* Object i arms objects 2i+1 and 2i+2: a binary tree of events whose
 * pending set doubles with each level. */
enum { TREE_N = 1 << 16 };
static obj g_tree[TREE_N];

static void tree_handler(sim *s, sim_event *ev)
{
    obj *o = SIM_CONTAINER(ev, obj, ev);

    for (int k = 1; k <= 2; k++)
        if (2 * o->id + k < TREE_N)
            sim_schedule(s, &g_tree[2 * o->id + k].ev, sim_now(s) + k * SIM_MS);
}

static uint64_t run_tree(size_t limit, sim **out)
{
    sim *s;

    for (int i = 0; i < TREE_N; i++) {
        g_tree[i].id = i;
        sim_event_init(&g_tree[i].ev, tree_handler);
    }
    CHECK_EQ_I64(sim_create(&s), SIM_OK);
    sim__set_queue_limit(s, limit);
    sim_schedule(s, &g_tree[0].ev, 0);
    *out = s;
    return sim_run(s, 1000 * SIM_S);
}

/* The engine stops at the event whose arming failed and says why, the
 * clock where it stopped; a further sim_run runs nothing. */
static void engine_reports_out_of_memory(void)
{
    sim *s;

    CHECK_EQ_I64(run_tree(0, &s), TREE_N);
    CHECK_EQ_I64(sim_error(s), SIM_OK);
    sim_destroy(s);
    CHECK(run_tree(256, &s) < TREE_N);
    CHECK_EQ_I64(sim_error(s), SIM_ENOMEM);
    CHECK(sim_now(s) < 1000 * SIM_S);
    CHECK_EQ_I64(sim_run(s, 2000 * SIM_S), 0);
    sim_destroy(s);
}

/* An idle event holds no record: records follow the armed events (and the
 * cancelled ones whose entry is still queued), and are reused. */
static uint64_t g_count;
static void count_handler(sim *s, sim_event *ev)
{
    (void)s;
    (void)ev;
    g_count++;
}

static void records_follow_armed_events(void)
{
    enum { N = 10000 };
    static obj o[N];
    sim *s;
    size_t bytes = 0;

    CHECK_EQ_I64(sim_create(&s), 0);
    for (int i = 0; i < N; i++)
        sim_event_init(&o[i].ev, count_handler);
    CHECK_EQ_I64(sim__records(s), 0);
    for (int i = 0; i < N; i++)
        sim_schedule(s, &o[i].ev, 1000 + i);
    CHECK_EQ_I64(sim__records(s), N);
    for (int i = 0; i < N; i += 2)
        sim_cancel(s, &o[i].ev); /* their entries stay queued, and so do their records */
    CHECK_EQ_I64(sim_pending(s), N / 2);
    CHECK_EQ_I64(sim__records(s), N);
    g_count = 0;
    sim_run(s, SIM_TIME_MAX);
    CHECK_EQ_I64(g_count, N / 2);
    CHECK_EQ_I64(sim__records(s), 0);
    for (int i = 0; i < N; i++)
        CHECK(!sim_event_pending(&o[i].ev));
    /* Arming again takes records from the pool: the engine does not grow
     * (its queue keeps a few emptied blocks for reuse, how many varies from
     * round to round: a quarter more is that slack, not growth). */
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < N; i++)
            sim_schedule(s, &o[i].ev, sim_now(s) + 1 + i % 97);
        CHECK_EQ_I64(sim__records(s), N);
        sim_run(s, SIM_TIME_MAX);
        if (round == 0)
            bytes = sim_queue_bytes(s);
    }
    CHECK_EQ_I64(g_count, N / 2 + 50 * N);
    CHECK(sim_queue_bytes(s) <= bytes + bytes / 4);
    sim_destroy(s);
}

/*
 * A cancelled event whose entry is still queued may be bound again (a
 * freed connection's memory is reused): the entry coming due touches
 * neither the event nor what it was armed for since.
 */
static void rebinding_an_event_whose_entry_is_queued(void)
{
    sim *s;
    obj o[2];

    CHECK_EQ_I64(sim_create(&s), 0);
    init_objs(o, 2);
    sim_schedule(s, &o[0].ev, 10);
    sim_cancel(s, &o[0].ev);             /* its entry stays queued until 10 */
    memset(&o[0].ev, 0, sizeof o[0].ev); /* the memory reused */
    sim_event_init(&o[0].ev, log_handler);
    sim_schedule(s, &o[1].ev, 15);
    CHECK_EQ_I64(sim_run(s, 12), 0);     /* the stale entry came due: nothing ran */
    CHECK(!sim_event_pending(&o[0].ev));
    sim_schedule(s, &o[0].ev, 20);
    CHECK_EQ_I64(sim_run(s, 16), 1);
    sim_schedule(s, &o[1].ev, 30);       /* ... and this one is cancelled, bound again, armed */
    sim_cancel(s, &o[1].ev);
    sim_event_init(&o[1].ev, log_handler);
    sim_schedule(s, &o[1].ev, 40);
    CHECK_EQ_I64(sim_run(s, 100), 2);
    CHECK_EQ_I64(g_nlog, 3);
    CHECK_EQ_I64(g_log[0].id, 1);
    CHECK_EQ_I64(g_log[0].t, 15);
    CHECK_EQ_I64(g_log[1].id, 0);
    CHECK_EQ_I64(g_log[1].t, 20);
    CHECK_EQ_I64(g_log[2].id, 1);
    CHECK_EQ_I64(g_log[2].t, 40);
    CHECK_EQ_I64(sim__records(s), 0);
    CHECK_EQ_I64(sim_pending(s), 0);
    sim_destroy(s);
}

static const check_test tests[] = {
    CHECK_TEST(ordering),
    CHECK_TEST(ties_run_in_scheduling_order),
    CHECK_TEST(event_armed_for_now_runs_after_handler),
    CHECK_TEST(cancel_and_restart),
    CHECK_TEST(restart_takes_a_new_place_among_ties),
    CHECK_TEST(run_until_sets_clock_and_allows_earlier_arming),
    CHECK_TEST(stop_returns_after_current_event),
    CHECK_TEST(poll_every_n_events),
    CHECK_TEST(random_operations_match_sorted_reference),
    CHECK_TEST(external_scheduler_matches_sorted_reference),
    CHECK_TEST(evq_pops_in_time_then_seq_order),
    CHECK_TEST(evq_matches_reference_on_mixed_times),
    CHECK_TEST(evq_depth_follows_where_pushes_land),
    CHECK_TEST(evq_sorts_large_tie_groups),
    CHECK_TEST(skipped_entries_are_dropped_in_order),
    CHECK_TEST(fingerprint_is_deterministic),
    CHECK_TEST(evq_fails_cleanly_when_arrays_cannot_grow),
    CHECK_TEST(engine_reports_out_of_memory),
    CHECK_TEST(records_follow_armed_events),
    CHECK_TEST(rebinding_an_event_whose_entry_is_queued),
};
CHECK_MAIN(tests)
