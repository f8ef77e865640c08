/*
 * model.c - the whole model on offsim's engine, without the store: its
 * events, their rate, and how many were pending on average, so that
 * bench/run.sh can run the hold model at the same number of pending events
 * in the same run (issue 14: the model at no less than half the hold
 * model's events per second).
 *
 *     bench_model SCENARIO [--set SECTION.KEY=VALUE]...
 *
 * Runs the scenario as offsim run does (the world on the native engine,
 * sim.duration, rows drained and dropped as they come), and prints
 *
 *     events N cpu_s S mevents_per_s R pending_mean P pending_peak Q
 *
 * pending_mean is the mean over every 1024th event of the events then
 * pending (sim_pending), pending_peak the largest of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/err.h"
#include "engine/sim.h"
#include "engine/trace.h"
#include "io/diag.h"
#include "io/scenario.h"
#include "workload/world.h"

typedef struct probe {
    world *w;
    trace_buf *trace;
    double sum;
    uint64_t n, peak;
} probe;

static void sample(sim *s, void *arg)
{
    probe *p = arg;
    uint64_t k = sim_pending(s);

    p->sum += (double)k;
    p->n++;
    if (k > p->peak)
        p->peak = k;
    /* The rows the model buffers are not the benchmark's: dropped. */
    world_records_clear(p->w);
    world_samples_clear(p->w);
    trace_clear(p->trace);
}

static double cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    scenario *sc;
    sim_diag d;
    sim *s;
    trace_buf trace;
    probe p = {0};
    double t0, t;
    int rc;

    diag_init(&d);
    if (argc < 2 || scenario_load(argv[1], &sc, &d) != SIM_OK) {
        fprintf(stderr, "usage: bench_model SCENARIO [--set SECTION.KEY=VALUE]...\n");
        diag_print(&d, stderr);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--set") != 0 || i + 1 == argc ||
            scenario_set(sc, argv[++i], &d) != SIM_OK) {
            fprintf(stderr, "bench_model: bad argument '%s'\n", argv[i]);
            diag_print(&d, stderr);
            return 2;
        }
    }
    if (scenario_resolve(sc, &d) != SIM_OK) {
        diag_print(&d, stderr);
        return 2;
    }
    trace_init(&trace, 0, NULL);
    t0 = cpu_s();
    if (sim_create(&s) != SIM_OK || world_create(&sc->cfg, s, &trace, &p.w) != SIM_OK) {
        fprintf(stderr, "bench_model: out of memory\n");
        return 1;
    }
    p.trace = &trace;
    sim_set_poll(s, 1024, sample, &p);
    sim_run(s, sc->cfg.sim.duration);
    world_end(p.w);
    t = cpu_s() - t0;
    printf("events %llu cpu_s %.3f mevents_per_s %.2f pending_mean %.0f pending_peak %llu\n",
           (unsigned long long)sim_events(s), t, (double)sim_events(s) / t / 1e6,
           p.n ? p.sum / (double)p.n : 0.0, (unsigned long long)p.peak);
    rc = sim_error(s) == SIM_OK ? 0 : 1;
    world_destroy(p.w);
    sim_destroy(s);
    trace_fini(&trace);
    scenario_free(sc);
    return rc;
}
