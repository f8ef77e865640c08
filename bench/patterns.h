/*
 * patterns.h - patterns of event times that defeat weak pending sets, run
 * on the engine through sim.h alone.  bench/queue.c times them at full
 * size; tests/test_queue.c runs them small on an engine built with work
 * counters and fails when the work per operation grows with the size.
 *
 * Every pattern checks the order it sees: each event must run at its
 * deadline, no earlier than the one before, and after every event due at
 * the same time that was armed before it (FIFO ties).
 */
#ifndef BENCH_PATTERNS_H
#define BENCH_PATTERNS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sim.h"

typedef struct pat_stats {
    uint64_t events;       /* events run */
    uint64_t ops;          /* schedule, restart and cancel calls, plus events run */
    uint64_t peak_pending; /* most events pending at once */
    size_t peak_bytes;     /* most bytes the queue held for entries */
    uint64_t disorder;     /* events run out of (deadline, arming order): must be 0 */
} pat_stats;

typedef struct pctx pctx; /* a pattern's state (patterns.c) */

typedef struct pattern {
    const char *name;
    const char *what;
    void (*run)(pctx *c);
} pattern;

extern const pattern patterns[];
extern const size_t npatterns;

/*
 * Run pattern p at size n (about n events pending, or n in a burst) for
 * about `rounds` x n events, on a fresh engine, into *st.  `inspect`, when
 * not NULL, sees the engine after the last event and before it is
 * destroyed (a test reads its work counters there).
 */
void pattern_run(const pattern *p, uint32_t n, uint32_t rounds, pat_stats *st,
                 void (*inspect)(sim *s, void *arg), void *arg);

#endif /* BENCH_PATTERNS_H */
