/*
 * test_queue.c - the pending set does no more work per operation, and
 * holds no more memory, as the run grows: each adversarial pattern of
 * bench/patterns.c (bursts, sparse stretches before dense ones, far-future
 * timers, mass ties on ticks, cancellations of most events, ...) is run
 * small, on an engine built with work counters (OFFSIM_EVQ_COUNT), at two
 * sizes.  Work is counted, never timed: entries written plus (time, seq)
 * comparisons, per schedule, restart, cancel or event run.
 */
#include <stdio.h>

#include "check.h"
#include "engine/evq.h"
#include "engine/sim.h"
#include "patterns.h"

#define SMALL 2000
#define LARGE 16000 /* 8x */
#define ROUNDS 4
#define LONG_ROUNDS 32 /* 8x the events, the same pending */

static void read_counters(sim *s, void *arg)
{
    sim_queue_counters(s, arg);
}

typedef struct measure {
    pat_stats st;
    evq_counters ops;
} measure;

static measure run(const pattern *p, uint32_t n, uint32_t rounds)
{
    measure m = {{0}, {0}};

    pattern_run(p, n, rounds, &m.st, read_counters, &m.ops);
    CHECK(m.st.events > 0);
    if (m.st.disorder != 0)
        CHECK_FAIL_("%s (n=%u): %llu events out of (time, arming) order", p->name, n,
                    (unsigned long long)m.st.disorder);
    return m;
}

static double work_per_op(const measure *m)
{
    return (double)(m->ops.moves + m->ops.compares) / (double)m->st.ops;
}

/*
 * 8x the size may cost a little more per operation (a heap's log n, the
 * radix heap's few extra levels: 1.3x at most), never 8x as an O(n)
 * operation would.
 */
static void work_grows_at_most_logarithmically(void)
{
    for (size_t i = 0; i < npatterns; i++) {
        const pattern *p = &patterns[i];
        measure a = run(p, SMALL, ROUNDS), b = run(p, LARGE, ROUNDS);
        double wa = work_per_op(&a), wb = work_per_op(&b);

        printf("  %-14s work/op %6.2f at n=%u, %6.2f at n=%u\n", p->name, wa, SMALL, wb, LARGE);
        if (!(wb <= 2 * wa + 4))
            CHECK_FAIL_("%s: work per operation %.2f at n=%u but %.2f at n=%u", p->name, wa,
                        SMALL, wb, LARGE);
    }
}

/*
 * The queue's memory follows the events pending, not the events run: 8x
 * longer runs with the same pending events hold no more, and no run holds
 * more than a constant plus a few entries per pending event.
 */
static void memory_follows_pending_events(void)
{
    const size_t per_entry = sizeof(evq_entry), slack = 512u << 10;

    for (size_t i = 0; i < npatterns; i++) {
        const pattern *p = &patterns[i];
        measure a = run(p, SMALL, ROUNDS), b = run(p, SMALL, LONG_ROUNDS);

        printf("  %-14s peak %7zu B for %6llu pending; %7zu B for %6llu pending, 8x events\n",
               p->name, a.st.peak_bytes, (unsigned long long)a.st.peak_pending, b.st.peak_bytes,
               (unsigned long long)b.st.peak_pending);
        if (b.st.peak_pending <= a.st.peak_pending &&
            !(b.st.peak_bytes <= a.st.peak_bytes + a.st.peak_bytes / 4 + slack))
            CHECK_FAIL_("%s: %zu bytes after %llu events, %zu after %llu", p->name,
                        a.st.peak_bytes, (unsigned long long)a.st.events, b.st.peak_bytes,
                        (unsigned long long)b.st.events);
        if (!(b.st.peak_bytes <= 12 * per_entry * b.st.peak_pending + slack))
            CHECK_FAIL_("%s: %zu bytes for %llu pending events", p->name, b.st.peak_bytes,
                        (unsigned long long)b.st.peak_pending);
    }
}

static const check_test tests[] = {
    CHECK_TEST(work_grows_at_most_logarithmically),
    CHECK_TEST(memory_follows_pending_events),
};
CHECK_MAIN(tests)
