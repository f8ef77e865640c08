/*
 * ticks.c - the target's tick clock (see ticks.h).
 */
#include "ticks.h"

#include "engine/err.h"

void tick_clock_init(tick_clock *c, uint64_t tps, tick_mode mode)
{
    SIM_ASSERT(tps == 10 || tps == 100 || tps == 1000, "ticks_per_second %llu (R3)",
               (unsigned long long)tps);
    c->tps = tps;
    c->tick = SIM_S / (sim_time)tps;
    c->mode = mode;
}

int64_t ticks_ceil(const tick_clock *c, sim_time d)
{
    if (d <= 0)
        return 0;
    return (d + c->tick - 1) / c->tick;
}

/* The first boundary at or after t. */
static sim_time boundary_at_or_after(const tick_clock *c, sim_time t)
{
    return (t + c->tick - 1) / c->tick * c->tick;
}

sim_time tick_deadline(const tick_clock *c, sim_time now, int64_t n)
{
    if (n <= 0)
        return now;
    if (c->mode == TICK_MODE_COUNT)
        return now / c->tick * c->tick + ticks_ns(c, n);
    return boundary_at_or_after(c, now + ticks_ns(c, n));
}

sim_time tick_after(const tick_clock *c, sim_time now, sim_time delay)
{
    if (delay <= 0)
        delay = c->tick;
    if (c->mode == TICK_MODE_COUNT)
        return tick_deadline(c, now, ticks_ceil(c, delay));
    /* A10, ceil: never early, less than one tick late (README, R3/A10). */
    return boundary_at_or_after(c, now + delay);
}
