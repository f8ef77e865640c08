/*
 * hold.c - the hold model on offsim's engine: N events pending; each event
 * run re-arms itself at now + Exp(1 ms).  Prints million events per second
 * for each N given (default 1e3 1e5 1e6), the median of --reps repetitions.
 *
 * The increments come from a table of 2^20 Exp(1 ms) samples drawn once
 * from a Philox stream, so the figure measures the engine and not the
 * random number generator; bench/ns3-hold uses the same table.
 *
 *     bench_hold [--reps R] [--events E] [--cpu] [N...]
 *
 * --cpu measures the process's CPU time instead of the wall clock: on a
 * machine shared with other work it counts only this process's share.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/rng.h"
#include "engine/sim.h"

#define TABLE (1u << 20)

static sim_time *g_incr;
static uint32_t g_next;
static uint64_t g_done, g_warm, g_target;
static double g_t0;
static int g_cpu; /* --cpu: the process's CPU time, not the wall clock */

static double clock_s(void);

/* As bench/ns3_hold.cc's Hold(): the clock starts after one event per
 * pending event, and the run stops after `events` more. */
static void hold(sim *s, sim_event *ev)
{
    if (++g_done == g_warm)
        g_t0 = clock_s();
    if (g_done == g_target) {
        sim_stop(s);
        return;
    }
    sim_schedule(s, ev, sim_now(s) + g_incr[g_next++ & (TABLE - 1)]);
}

/* Seconds on the clock the figures are measured with. */
static double clock_s(void)
{
    struct timespec ts;
    clock_gettime(g_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double once(size_t n, uint64_t events)
{
    sim *s;
    sim_event *ev = malloc(n * sizeof *ev);
    double rate;

    if (ev == NULL || sim_create(&s) != 0) {
        fprintf(stderr, "bench_hold: out of memory\n");
        exit(1);
    }
    g_next = 0;
    g_done = 0;
    g_warm = n;
    g_target = n + events;
    for (size_t i = 0; i < n; i++) {
        sim_event_init(&ev[i], hold);
        sim_schedule(s, &ev[i], g_incr[g_next++ & (TABLE - 1)]);
    }
    sim_run(s, SIM_TIME_MAX);
    rate = (double)events / (clock_s() - g_t0) / 1e6;
    sim_destroy(s);
    free(ev);
    return rate;
}

int main(int argc, char **argv)
{
    int reps = 5;
    uint64_t events = 20000000;
    size_t ns[16];
    int nn = 0;
    rng_stream r;
    dist e = {DIST_EXP, 1e6, 0};

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--cpu") == 0)
            g_cpu = 1;
        else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            events = strtoull(argv[++i], NULL, 10);
        else if (nn < 16)
            ns[nn++] = (size_t)strtod(argv[i], NULL);
    }
    if (nn == 0) {
        ns[nn++] = 1000;
        ns[nn++] = 100000;
        ns[nn++] = 1000000;
    }
    g_incr = malloc(TABLE * sizeof *g_incr);
    rng_init(&r, 1, 0, 0);
    for (uint32_t i = 0; i < TABLE; i++)
        g_incr[i] = dist_sample_time(&e, &r);
    printf("%-10s %12s  (offsim engine, hold model, median of %d, %s time)\n", "pending",
           "Mevents/s", reps, g_cpu ? "CPU" : "wall");
    for (int k = 0; k < nn; k++) {
        double v[64];
        int m = reps < 64 ? reps : 64;
        for (int i = 0; i < m; i++)
            v[i] = once(ns[k], events);
        qsort(v, (size_t)m, sizeof *v, cmp_d);
        printf("%-10zu %12.2f\n", ns[k], v[m / 2]);
    }
    free(g_incr);
    return 0;
}
