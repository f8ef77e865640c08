/*
 * stats.c - small statistics over arrays of numbers (see stats.h).
 */
#include "stats.h"

#include <stdlib.h>

#include "engine/err.h"

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double stats_median(double *v, size_t n)
{
    SIM_ASSERT(n > 0, "the median of nothing");
    qsort(v, n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
