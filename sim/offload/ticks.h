/*
 * ticks.h - the offload target's clock (R3, A10).
 *
 * The target's timers count ticks of 1/TicksPerSecond (10, 100 or 1000 per
 * second), with boundaries at k/TPS from t = 0, one phase for the whole
 * NIC.  Every TimeoutDelta, SRtt, RttVar and TotalRT crossing a handoff is
 * in ticks (R4).  nic.tick_mode says how a timer of n ticks fires:
 *
 *   ceil   at the first boundary at or after now + n ticks: never early,
 *          up to one tick late (default)
 *   count  at the n-th boundary after now, as a NIC that decrements a
 *          counter on every tick does: up to one tick early
 *
 * A timer armed for a delay in nanoseconds (tick_after) is rounded once:
 * under ceil its deadline now + delay goes to the first boundary at or
 * after it (never early, less than one tick late, whatever the delay);
 * under count the delay becomes n whole ticks, rounded up, and the timer
 * fires at the n-th boundary (less than one tick early or late).
 */
#ifndef SIM_OFFLOAD_TICKS_H
#define SIM_OFFLOAD_TICKS_H

#include <stdint.h>

#include "engine/sim.h"

/* [nic] tick_mode: how a timer of n ticks fires (above). */
typedef enum tick_mode { TICK_MODE_CEIL, TICK_MODE_COUNT } tick_mode;

typedef struct tick_clock {
    uint64_t tps;
    sim_time tick;     /* ns per tick: SIM_S / tps, exact for 10, 100, 1000 */
    tick_mode mode;
} tick_clock;

void tick_clock_init(tick_clock *c, uint64_t tps, tick_mode mode);

/* Whole ticks in a duration, rounded up (a delta never shrinks, A10). */
int64_t ticks_ceil(const tick_clock *c, sim_time d);

/* Ticks to nanoseconds. */
static inline sim_time ticks_ns(const tick_clock *c, int64_t n)
{
    return (sim_time)n * c->tick;
}

/* When a target timer of n >= 1 ticks started now fires (per the mode). */
sim_time tick_deadline(const tick_clock *c, sim_time now, int64_t n);

/*
 * When a target timer for a delay given in ns fires.  ceil: the first
 * boundary at or after now + delay (one rounding: rounding the delay to
 * ticks first and the deadline again would add up to a second tick);
 * count: the n-th boundary, n = ticks_ceil(delay).  A delay of 0 or less
 * counts as one tick: a timer never fires in the call that arms it.
 */
sim_time tick_after(const tick_clock *c, sim_time now, sim_time delay);

#endif /* SIM_OFFLOAD_TICKS_H */
