/*
 * test_sweep.c - sweep axes (lists, ranges), seeds, the [sweep] section,
 * the expansion into runs, the size limits, and a batch's planning, whose
 * memory grows with the axes, not the runs.
 */
#include <stdlib.h>
#include <sys/resource.h>

#include "check.h"
#include "driver/batch.h"
#include "engine/err.h"
#include "io/sweep.h"

static scenario *load(const char *text)
{
    sim_diag d;
    scenario *sc = NULL;

    diag_init(&d);
    if (scenario_load_text("s.ini", text, strlen(text), &sc, &d) != SIM_OK ||
        scenario_resolve(sc, &d) != SIM_OK) {
        diag_print(&d, stderr);
        abort();
    }
    return sc;
}

static const char text[] = "[peer web]\n[peer idle]\nbehaviour = never\n";

static void lists_are_checked_and_canonical(void)
{
    scenario *sc = load(text);
    sweep sw;
    sim_diag d;

    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "nic.fin_wait_2_timeout", "30s, 1min,120000ms", "v", &d), 0);
    CHECK_EQ_I64(sw.naxes, 1);
    CHECK_EQ_I64(sw.axes[0].n, 3);
    CHECK_EQ_STR(sw.axes[0].values[0], "30s");
    CHECK_EQ_STR(sw.axes[0].values[1], "60s");
    CHECK_EQ_STR(sw.axes[0].values[2], "120s");
    /* Commas inside a distribution belong to it. */
    CHECK_EQ_I64(sweep_vary(&sw, sc, "peer.web.close_delay", "exp(1s),uniform(1s, 3s),2s", "v", &d),
                 0);
    CHECK_EQ_I64(sw.axes[1].n, 3);
    CHECK_EQ_STR(sw.axes[1].values[1], "uniform(1s,3s)");
    CHECK_EQ_I64(sweep_vary(&sw, sc, "host.fw2_policy", "linux,none", "v", &d), 0);
    CHECK_EQ_I64(sweep_points(&sw), 18);
    sweep_free(&sw);
    scenario_free(sc);
}

static void ranges_expand_by_step(void)
{
    scenario *sc = load(text);
    sweep sw;
    sim_diag d;

    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "nic.fin_wait_2_timeout", "30s..240s step 30s", "v", &d), 0);
    CHECK_EQ_I64(sw.axes[0].n, 8);
    CHECK_EQ_STR(sw.axes[0].values[7], "240s");
    CHECK_EQ_I64(sweep_vary(&sw, sc, "link.loss", "0..0.05 step 0.01", "v", &d), 0);
    CHECK_EQ_I64(sw.axes[1].n, 6);
    CHECK_EQ_STR(sw.axes[1].values[3], "0.03");
    /* Whole-number keys step by one unless told. */
    CHECK_EQ_I64(sweep_vary(&sw, sc, "nic.capacity", "10..14", "v", &d), 0);
    CHECK_EQ_I64(sw.axes[2].n, 5);
    /* A distribution key ranges over constants. */
    CHECK_EQ_I64(sweep_vary(&sw, sc, "peer.idle.delay", "10ms..30ms step 10ms", "v", &d), 0);
    CHECK_EQ_STR(sw.axes[3].values[2], "30ms");
    /* The same key again replaces its axis. */
    CHECK_EQ_I64(sweep_vary(&sw, sc, "nic.capacity", "1,2", "v", &d), 0);
    CHECK_EQ_I64(sw.naxes, 4);
    CHECK_EQ_I64(sw.axes[2].n, 2);
    sweep_free(&sw);
    scenario_free(sc);
}

static const char *vary_error(const char *key, const char *spec)
{
    static sim_diag d;
    scenario *sc = load(text);
    sweep sw;

    sweep_init(&sw);
    diag_init(&d);
    if (sweep_vary(&sw, sc, key, spec, "--vary x", &d) == SIM_OK)
        snprintf(d.msg[0], sizeof d.msg[0], "(no error)");
    sweep_free(&sw);
    scenario_free(sc);
    return d.msg[0];
}

static void bad_axes_are_reported(void)
{
    CHECK_CONTAINS(vary_error("nic.fin_wait_2_timeout", "30s,60"),
                   "--vary x: nic.fin_wait_2_timeout: expected a duration with a unit");
    CHECK_CONTAINS(vary_error("nic.fin_wait_2_timeout", "30s..240s"), "no step");
    CHECK_CONTAINS(vary_error("nic.fin_wait_2_timeout", "240s..30s step 30s"), "A <= B");
    CHECK_CONTAINS(vary_error("host.fw2_policy", "linux..none step 1"), "list the values");
    CHECK_CONTAINS(vary_error("nic.capcity", "1,2"), "did you mean 'capacity'?");
    CHECK_CONTAINS(vary_error("peer.nope.share", "1,2"), "no [peer nope] section");
    CHECK_CONTAINS(vary_error("nic.capacity", "1,,2"), "expected a list of values");
    CHECK_CONTAINS(vary_error("nic.capacity", "1,1"), "appears twice");
    CHECK_CONTAINS(vary_error("nic.capacity", "0..1000000 step 1"), "more than 10000");
    CHECK_CONTAINS(vary_error("link.loss", "0.5,1.5"), "a probability below 1");
}

static void seeds_are_n_or_a_range(void)
{
    sweep sw;
    sim_diag d;

    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_seeds(&sw, "5", "--seeds", &d), 0);
    CHECK_EQ_I64(sw.seed_first, 1);
    CHECK_EQ_I64(sw.seed_last, 5);
    CHECK_EQ_I64(sweep_seeds(&sw, "11-20", "--seeds", &d), 0);
    CHECK_EQ_I64(sw.seed_first, 11);
    CHECK_EQ_I64(sweep_runs(&sw), 10);
    CHECK_EQ_I64(sweep_seeds(&sw, "0", "--seeds", &d), SIM_ESCENARIO);
    CHECK_EQ_I64(sweep_seeds(&sw, "9-3", "--seeds", &d), SIM_ESCENARIO);
    CHECK_EQ_I64(sweep_seeds(&sw, "x", "--seeds", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[0], "--seeds: expected seeds as N (1..N) or A-B");
    sweep_free(&sw);
}

/* Runs go point by point, seeds innermost; the last axis varies fastest. */
static void runs_are_the_product_times_the_seeds(void)
{
    scenario *sc = load(text);
    sweep sw;
    sim_diag d;
    size_t idx[2];
    uint64_t seed;

    sweep_init(&sw);
    diag_init(&d);
    sweep_vary(&sw, sc, "nic.capacity", "1,2,3", "v", &d);
    sweep_vary(&sw, sc, "link.loss", "0,0.1", "v", &d);
    sweep_seeds(&sw, "4", "s", &d);
    CHECK_EQ_I64(sweep_points(&sw), 6);
    CHECK_EQ_I64(sweep_runs(&sw), 24);
    sweep_run(&sw, 0, idx, &seed);
    CHECK(idx[0] == 0 && idx[1] == 0 && seed == 1);
    sweep_run(&sw, 3, idx, &seed);
    CHECK(idx[0] == 0 && idx[1] == 0 && seed == 4);
    sweep_run(&sw, 4, idx, &seed);
    CHECK(idx[0] == 0 && idx[1] == 1 && seed == 1);
    sweep_run(&sw, 23, idx, &seed);
    CHECK(idx[0] == 2 && idx[1] == 1 && seed == 4);
    sweep_free(&sw);
    scenario_free(sc);
}

/* Six axes of 4096 values are 2^72 runs: refused with the size, whatever
 * size_t holds; the largest sweep allowed is accepted. */
static void sizes_beyond_the_limit_are_refused(void)
{
    scenario *sc = load(text);
    sweep sw;
    sim_diag d;

    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "nic.capacity", "1..4096", "v", &d), 0);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "workload.connections", "1..4096", "v", &d), 0);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "peer.web.count", "1..4096", "v", &d), 0);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "peer.idle.count", "1..4096", "v", &d), 0);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "peer.web.share", "1..4096 step 1", "v", &d), 0);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "peer.idle.share", "1..4096 step 1", "v", &d), 0);
    sweep_seeds(&sw, "1", "s", &d);
    CHECK_EQ_I64(sweep_check_size(&sw, &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[0], "the sweep has 4096 values of nic.capacity x 4096 values of "
                             "workload.connections x ");
    CHECK_CONTAINS(d.msg[0], "x 1 seed = 4.722e+21 runs, more than the 1000000");
    sweep_free(&sw);

    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "nic.capacity", "1..1000", "v", &d), 0);
    sweep_seeds(&sw, "1000", "s", &d);
    CHECK_EQ_I64(sweep_check_size(&sw, &d), 0);
    sweep_seeds(&sw, "1001", "s", &d);
    CHECK_EQ_I64(sweep_check_size(&sw, &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[0], "1000 values of nic.capacity x 1001 seeds = 1.001e+06 runs");
    sweep_free(&sw);
    scenario_free(sc);
}

/* Peak resident memory of this process, KB. */
static long peak_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/*
 * 500 000 runs planned (every one of their 10 000 points resolved and
 * checked) in a few MB: the batch keeps the axes and 9 bytes per run, not a
 * scenario per run (it took ~43 KB per run, 2.2 GB here).
 */
static void planning_memory_follows_the_axes(void)
{
    scenario *sc = load(text);
    sweep sw;
    sim_diag d;
    batch *b;
    long before;

    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "nic.capacity", "1..10000", "v", &d), 0);
    sweep_seeds(&sw, "50", "s", &d);
    before = peak_kb();
    CHECK_EQ_I64(batch_plan(sc, &sw, RUNNER_NATIVE, &b, &d), 0);
    CHECK_EQ_I64((int64_t)batch_size(b), 500000);
    CHECK((peak_kb() - before) < 40 * 1024);
    CHECK_EQ_I64(batch_status(b, 499999), RESULTS_RUNNING);
    CHECK_EQ_I64(batch_run_id(b, 0), 0);
    batch_free(b);
    /* A point that is not a valid scenario stops the plan, named. */
    sweep_free(&sw);
    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_vary(&sw, sc, "host.rto_min", "1s,2min", "v", &d), 0);
    sweep_seeds(&sw, "3", "s", &d);
    CHECK_EQ_I64(batch_plan(sc, &sw, RUNNER_NATIVE, &b, &d), SIM_ESCENARIO);
    CHECK(b == NULL);
    CHECK_CONTAINS(d.msg[d.n - 1], "the sweep point host.rto_min=120s, seed 1, is not a valid "
                                   "scenario");
    sweep_free(&sw);
    scenario_free(sc);
}

static void sweep_section_declares_the_same(void)
{
    scenario *sc = load("[nic]\ncapacity = 5\n[sweep]\nnic.fin_wait_2_timeout = 60s..120s step 30s\n"
                        "seeds = 3\njobs = 2\n");
    sweep sw;
    sim_diag d;
    uint64_t jobs = 0;

    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sc->nsweep, 3);
    CHECK_EQ_I64(sweep_from_scenario(&sw, sc, &jobs, &d), 0);
    CHECK_EQ_I64(sw.naxes, 1);
    CHECK_EQ_I64(sw.axes[0].n, 3);
    CHECK_EQ_I64(sweep_runs(&sw), 9);
    CHECK_EQ_I64(jobs, 2);
    /* The single run of `offsim run` keeps the file's base values. */
    CHECK_EQ_I64(sc->cfg.nic.fin_wait_2_timeout, 120 * SIM_S);
    sweep_free(&sw);
    scenario_free(sc);

    sc = load("[sweep]\nfrobs = 3\nnic.capacity = 1,x\n");
    sweep_init(&sw);
    diag_init(&d);
    CHECK_EQ_I64(sweep_from_scenario(&sw, sc, &jobs, &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[0], "s.ini:2: [sweep] unknown key 'frobs'");
    CHECK_CONTAINS(d.msg[1], "s.ini:3: [sweep]: nic.capacity: expected a whole number");
    sweep_free(&sw);
    scenario_free(sc);
}

static const check_test tests[] = {
    CHECK_TEST(lists_are_checked_and_canonical),
    CHECK_TEST(ranges_expand_by_step),
    CHECK_TEST(bad_axes_are_reported),
    CHECK_TEST(seeds_are_n_or_a_range),
    CHECK_TEST(runs_are_the_product_times_the_seeds),
    CHECK_TEST(sizes_beyond_the_limit_are_refused),
    CHECK_TEST(planning_memory_follows_the_axes),
    CHECK_TEST(sweep_section_declares_the_same),
};
CHECK_MAIN(tests)
