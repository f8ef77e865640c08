/*
 * wheel.h - when a timer of a Linux host fires: the lateness of the kernel's
 * timer wheel (kernel/time/timer.c since 4.8), as host.timer_wheel_hz.
 *
 * The kernel counts time in jiffies of 1/HZ s.  A timer armed now for a
 * delay expires at the jiffy `expires` = jiffies + the delay in jiffies
 * (rounded up), and is filed in the wheel level its distance from now
 * selects: level n holds distances below 63 x 8^n jiffies (LVL_START(n+1)),
 * in buckets 8^n jiffies wide (LVL_GRAN(n)).  calc_index() rounds the
 * expiry up to the next bucket boundary strictly after it, "to guarantee
 * that a timer does not fire early", and the timer runs in the softirq of
 * that jiffy.  So a timer is never early and is late by up to one bucket
 * plus the part of a jiffy already gone: at HZ = 250 (4 ms jiffies) up to
 * 4 ms for timers below 252 ms, 32 ms below 2 s, 256 ms for 2-16 s, 2.05 s
 * for 16-129 s, 16.4 s for 129-1032 s.  Measured on kernel 6.x at HZ 250:
 * tcp_fin_timeout 5 s lived 5.18 s, 60 s lived 60.5 s; both inside these
 * bounds.
 *
 * Modelled: jiffies at k/HZ from t = 0, the level chosen from the distance
 * to the current jiffy, the round-up, the cap on far timers (beyond the
 * last level, WHEEL_TIMEOUT_MAX).  Not modelled: a base clock lagging
 * jiffies on an idle CPU (NO_HZ), which can only shift the level choice,
 * and the softirq's own delay.
 */
#ifndef SIM_HOST_WHEEL_H
#define SIM_HOST_WHEEL_H

#include <stdint.h>

#include "engine/sim.h"

/* The values of HZ offsim models: 100, 250 or 1000 (CONFIG_HZ). */
int wheel_hz_valid(uint64_t hz);

/*
 * When a timer armed at `now` for `delay` (> 0) fires on a kernel of this
 * HZ; hz = 0: exactly at now + delay.
 */
sim_time wheel_deadline(uint64_t hz, sim_time now, sim_time delay);

#endif /* SIM_HOST_WHEEL_H */
