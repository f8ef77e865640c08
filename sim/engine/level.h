/*
 * level.h - a count that changes over simulated time (connections on the
 * NIC, in FIN_WAIT_2, in TIME_WAIT) and its time integral: over the whole
 * run, and over a measurement window [from, to).
 *
 * The count itself lives with its owner; the owner calls
 * sim_level_advance(l, count, now) just before every change of it, so that
 * the integrals are exact (no sampling).  A time average over the window
 * is sim_level_window_at(l, count, end) / (end - from).
 */
#ifndef SIM_ENGINE_LEVEL_H
#define SIM_ENGINE_LEVEL_H

#include <stdint.h>

#include "engine/sim.h"

typedef struct sim_level {
    sim_time since;   /* the last change */
    sim_time from;    /* the window: [from, to) */
    sim_time to;      /* SIM_NEVER: no end */
    double area;      /* integral over [0, since), count-ns */
    double window;    /* integral over [from, to) within [0, since) */
} sim_level;

/* No change yet, at time 0; the window [from, to). */
static inline void sim_level_init(sim_level *l, sim_time from, sim_time to)
{
    l->since = 0;
    l->from = from;
    l->to = to;
    l->area = 0;
    l->window = 0;
}

/* The length of [a, b) within the window. */
static inline double sim_level_overlap_(const sim_level *l, sim_time a, sim_time b)
{
    if (a < l->from)
        a = l->from;
    if (l->to != SIM_NEVER && b > l->to)
        b = l->to;
    return b > a ? (double)(b - a) : 0;
}

/* The count was `value` from the last change until now. */
static inline void sim_level_advance(sim_level *l, int64_t value, sim_time now)
{
    l->area += (double)value * (double)(now - l->since);
    l->window += (double)value * sim_level_overlap_(l, l->since, now);
    l->since = now;
}

/* The window's integral up to t >= the last change, the count `value` since then. */
static inline double sim_level_window_at(const sim_level *l, int64_t value, sim_time t)
{
    return l->window + (double)value * sim_level_overlap_(l, l->since, t);
}

/* The whole run's integral up to t >= the last change. */
static inline double sim_level_area_at(const sim_level *l, int64_t value, sim_time t)
{
    return l->area + (double)value * (double)(t - l->since);
}

#endif /* SIM_ENGINE_LEVEL_H */
