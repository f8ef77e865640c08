/*
 * stats.h - small statistics over arrays of numbers, shared by the summaries
 * of sweeps and the data of figures.
 */
#ifndef SIM_IO_STATS_H
#define SIM_IO_STATS_H

#include <stddef.h>

/* The median of v[0..n), n >= 1 (the mean of the middle two when n is
 * even); v is left sorted. */
double stats_median(double *v, size_t n);

#endif /* SIM_IO_STATS_H */
