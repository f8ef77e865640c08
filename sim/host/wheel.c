/*
 * wheel.c - Linux's timer wheel lateness (see wheel.h).
 *
 * The constants are kernel/time/timer.c's: 64 buckets per level
 * (LVL_BITS 6), each level 8 times coarser (LVL_CLK_SHIFT 3), 9 levels
 * when HZ > 100 and 8 otherwise (LVL_DEPTH).
 */
#include "wheel.h"

#define LVL_CLK_SHIFT 3
#define LVL_SIZE 64

/* The first distance, in jiffies, filed in level n (n >= 1). */
static uint64_t lvl_start(unsigned n)
{
    return (uint64_t)(LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT);
}

int wheel_hz_valid(uint64_t hz)
{
    /* 300 is a CONFIG_HZ too, but its jiffy is no whole number of ns. */
    return hz == 100 || hz == 250 || hz == 1000;
}

sim_time wheel_deadline(uint64_t hz, sim_time now, sim_time delay)
{
    unsigned depth = hz > 100 ? 9 : 8;
    uint64_t jiffy, clk, timeout, expires, bucket;
    unsigned lvl = 0;

    if (hz == 0)
        return now + delay;
    jiffy = (uint64_t)(SIM_S / (sim_time)hz); /* ns, exact for every valid HZ */
    if (delay <= 0)
        delay = 1;
    clk = (uint64_t)now / jiffy;
    timeout = ((uint64_t)delay + jiffy - 1) / jiffy;
    if (timeout >= lvl_start(depth)) /* WHEEL_TIMEOUT_CUTOFF: WHEEL_TIMEOUT_MAX */
        timeout = lvl_start(depth) - ((uint64_t)1 << ((depth - 1) * LVL_CLK_SHIFT));
    while (lvl + 1 < depth && timeout >= lvl_start(lvl + 1))
        lvl++;
    expires = clk + timeout;
    /* calc_index: the next boundary of the level's granularity after expires. */
    bucket = ((expires >> (lvl * LVL_CLK_SHIFT)) + 1) << (lvl * LVL_CLK_SHIFT);
    return (sim_time)(bucket * jiffy);
}
