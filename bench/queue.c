/*
 * queue.c - the engine on event patterns that defeat weak pending sets
 * (patterns.c): bursts, a sparse stretch before a dense one, far-future
 * timers, mass ties on 10 ticks/s, cancellations of most events, a
 * trickling connection, times armed in decreasing order, a chain stepping
 * up to a mass of ties.  For each: operations (schedule, restart, cancel,
 * event run) per second, nanoseconds per operation, and the queue's peak
 * memory against its peak pending events; the median of --reps runs.
 * tests/test_queue.c checks the same patterns by counting work instead.
 *
 *     bench_queue [--n N] [--rounds R] [--reps K] [--cpu] [PATTERN...]
 *
 * --cpu measures the process's CPU time instead of the wall clock: on a
 * machine shared with other work it counts only this process's share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "patterns.h"

static int g_cpu; /* --cpu: the process's CPU time, not the wall clock */

static double wall(void)
{
    struct timespec ts;

    clock_gettime(g_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_queue [--n N] [--rounds R] [--reps K] [--cpu] [PATTERN...]\n"
                    "  --cpu  measure CPU time, not the wall clock\npatterns:");
    for (size_t i = 0; i < npatterns; i++)
        fprintf(stderr, " %s", patterns[i].name);
    fputc('\n', stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long n = 100000, rounds = 8, reps = 3;
    const char *only[64];
    int nonly = 0;

    for (int i = 1; i < argc; i++) {
        char *end;

        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
            n = strtoul(argv[++i], &end, 10);
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = strtoul(argv[++i], &end, 10);
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = strtoul(argv[++i], &end, 10);
        } else if (strcmp(argv[i], "--cpu") == 0) {
            g_cpu = 1;
            continue;
        } else if (argv[i][0] != '-' && nonly < 64) {
            only[nonly++] = argv[i];
            continue;
        } else {
            usage();
        }
        if (*end != '\0')
            usage();
    }
    if (n < 16 || n > 100000000 || rounds < 1 || rounds > 1000 || reps < 1 || reps > 99)
        usage();
    for (int k = 0; k < nonly; k++) {
        size_t i = 0;

        while (i < npatterns && strcmp(patterns[i].name, only[k]) != 0)
            i++;
        if (i == npatterns)
            usage();
    }
    printf("event patterns on offsim's engine, n = %lu, %lu rounds, median of %lu, %s time\n", n,
           rounds, reps, g_cpu ? "CPU" : "wall");
    printf("%-14s %-48s %11s %8s %7s %12s %9s %10s\n", "pattern", "what", "operations", "Mops/s",
           "ns/op", "peak pending", "queue MB", "B/pending");
    for (size_t i = 0; i < npatterns; i++) {
        const pattern *p = &patterns[i];
        double t[99];
        pat_stats st;
        int pick = nonly == 0;

        for (int k = 0; k < nonly; k++)
            pick |= strcmp(p->name, only[k]) == 0;
        if (!pick)
            continue;
        for (unsigned long r = 0; r < reps; r++) {
            double t0 = wall();

            memset(&st, 0, sizeof st);
            pattern_run(p, (uint32_t)n, (uint32_t)rounds, &st, NULL, NULL);
            t[r] = wall() - t0;
            if (st.disorder != 0) {
                fprintf(stderr, "bench_queue: %s: %llu events out of order\n", p->name,
                        (unsigned long long)st.disorder);
                return 1;
            }
        }
        qsort(t, reps, sizeof *t, cmp_d);
        printf("%-14s %-48s %11llu %8.2f %7.1f %12llu %9.2f %10.1f\n", p->name, p->what,
               (unsigned long long)st.ops, (double)st.ops / t[reps / 2] / 1e6,
               t[reps / 2] / (double)st.ops * 1e9, (unsigned long long)st.peak_pending,
               (double)st.peak_bytes / 1e6,
               st.peak_pending ? (double)st.peak_bytes / (double)st.peak_pending : 0.0);
    }
    return 0;
}
