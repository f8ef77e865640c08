/*
 * test_figure.c - the read side of the store: the names declared once (run
 * statuses, scalars, SIM_S in SQL), medians of scalars over runs, and the
 * data of each figure (io/figure.h), on databases written through the
 * store's own API.  Sizes go past the caps the code once had (256 seeds in
 * a sweep's summary, 512 runs at one x of a vs figure).
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "engine/err.h"
#include "io/figure.h"
#include "io/report.h"
#include "io/results.h"

static char g_dir[] = "/tmp/offsim-test-figure-XXXXXX";

static const char *path_in_tmp(const char *name)
{
    static char buf[256];

    snprintf(buf, sizeof buf, "%s/%s", g_dir, name);
    return buf;
}

static void names_are_declared_once(void)
{
    CHECK_EQ_I64((long long)strtod(RESULTS_SQL_S, NULL), SIM_S);
    CHECK_EQ_STR(results_status_name[RESULTS_RUNNING], "running");
    CHECK_EQ_STR(results_status_name[RESULTS_COMPLETE], "complete");
    CHECK_EQ_STR(results_status_name[RESULTS_INTERRUPTED], "interrupted");
    CHECK_EQ_STR(results_status_name[RESULTS_FAILED], "failed");
    CHECK_EQ_STR(results_scalar_name[RESULTS_CLOSE_P50_S], "close_p50_s");
    CHECK_EQ_STR(results_scalar_name[RESULTS_CLOSE_MAX_NOT_REACHED], "close_max_not_reached");
    for (int i = 0; i < RESULTS_SCALAR_N; i++)
        for (int j = 0; j < i; j++)
            CHECK(strcmp(results_scalar_name[i], results_scalar_name[j]) != 0);
}

/*
 * A sweep-like database: `nseeds` complete runs at each of two timeouts,
 * scalars close_p50_s = seed / 10 (p90 and p99 above it; p99 not reached on
 * odd seeds, the longest time seen there seed / 2), and two connections per
 * run, one of them censored.
 */
static void write_sweep(const char *db, int nseeds, int64_t *ids)
{
    static const char *const values[2] = {"30s", "60s"};
    results *r;
    sim_diag d;

    diag_init(&d);
    CHECK_EQ_I64(results_open(db, &r, &d), SIM_OK);
    for (int x = 0; x < 2; x++)
        for (int seed = 1; seed <= nseeds; seed++) {
            char identity[32];
            results_run_info info = {identity, "s.ini", "",   "abc", "native", (uint64_t)seed,
                                     NULL,     NULL,    NULL};
            int64_t run;
            double num = x ? 60 : 30;
            results_conn_row closed = {1,          "web",  0,  SIM_S,  SIM_S,     SIM_S,
                                       3 * SIM_S,  SIM_NEVER, 4 * SIM_S, "peer_fin", "host", 2,
                                       "clean",    3 * SIM_S, 0};
            results_conn_row open = {2,         "web",     0,         SIM_S, SIM_S, SIM_S,
                                     SIM_NEVER, SIM_NEVER, SIM_NEVER, "open", "nic", 1,
                                     "open",    SIM_NEVER, 0};

            snprintf(identity, sizeof identity, "%d/%d", x, seed);
            CHECK_EQ_I64(results_run_begin(r, &info, &run, &d), SIM_OK);
            if (ids != NULL)
                ids[x * nseeds + seed - 1] = run;
            results_param(r, run, "nic.fin_wait_2_timeout", values[x], &num, 1);
            results_scalar(r, run, RESULTS_CLOSE_P50_S, seed / 10.0 + x);
            results_scalar(r, run, RESULTS_CLOSE_P90_S, seed / 5.0 + x);
            results_scalar(r, run, RESULTS_CLOSE_P99_S, seed % 2 ? NAN : seed / 2.0 + x);
            results_scalar(r, run, RESULTS_CLOSE_LONGEST_S, seed / 2.0 + x);
            results_scalar(r, run, RESULTS_CLOSE_P50_NOT_REACHED, 0);
            results_scalar(r, run, RESULTS_CLOSE_P90_NOT_REACHED, 0);
            results_scalar(r, run, RESULTS_CLOSE_P99_NOT_REACHED, seed % 2);
            results_conn(r, run, &closed);
            results_conn(r, run, &open);
            results_occupancy(r, run, 0, 2, 1, 1, 0);
            results_occupancy(r, run, 10 * SIM_S, 1, 1, 0, 0);
            CHECK_EQ_I64(results_run_end(r, run, RESULTS_COMPLETE, 0, 10 * SIM_S, 1, NULL, &d),
                         SIM_OK);
        }
    results_close(r);
}

/* The points of a sweep of 301 seeds a point: per-seed means over them all. */
static void point_statistics_over_more_than_256_runs(void)
{
    enum { N = 301 };
    int64_t ids[2 * N + 1];
    struct sqlite3 *db;
    report_points p;
    report_select sel = {NULL, 0, "s.ini"};
    sim_diag d;

    write_sweep(path_in_tmp("m.db"), N, ids);
    diag_init(&d);
    CHECK_EQ_I64(report_open(path_in_tmp("m.db"), &db, &d), SIM_OK);
    CHECK_EQ_I64(report_points_read(db, &sel, &p, &d), SIM_OK);
    CHECK_EQ_I64(p.npt, 2);
    if (p.npt == 2) {
        /* Seeds 1..301 at 30s: close_p50_s = seed/10, mean 15.1 s. */
        CHECK_EQ_I64(p.pt[0].nruns, N);
        CHECK_EQ_I64(p.pt[0].stat[RESULTS_CLOSE_P50_S].n, N);
        CHECK_NEAR(p.pt[0].stat[RESULTS_CLOSE_P50_S].mean, 15.1, 1e-9);
        /* p99 not reached on the 151 odd seeds. */
        CHECK_EQ_I64(p.pt[0].not_reached[RESULTS_P99], 151);
        /* Runs without the scalar are left out; none at all: n = 0. */
        CHECK_EQ_I64(p.pt[0].stat[RESULTS_NIC_MEAN].n, 0);
        /* Pooled: 301 closed at 2 s, 301 open at the end (9 s). */
        CHECK_EQ_I64(p.pt[1].pooled_n, 2 * N);
        CHECK_EQ_I64(p.pt[1].q[RESULTS_P50].r, KM_REACHED);
        CHECK_NEAR(p.pt[1].q[RESULTS_P50].s, 2, 1e-12);
        CHECK_EQ_I64(p.pt[1].q[RESULTS_P90].r, KM_NOT_REACHED);
        CHECK_NEAR(p.pt[1].q[RESULTS_P90].s, 9, 1e-12);
    }
    report_points_free(&p);
    report_close(db);
}

static void vs_over_more_than_512_seeds(void)
{
    enum { N = 601 };
    figure_query q = {NULL, NULL, 1};
    figure *f;
    figure_data fd;
    sim_diag d;

    write_sweep(path_in_tmp("v.db"), N, NULL);
    diag_init(&d);
    CHECK_EQ_I64(figure_open(path_in_tmp("v.db"), &q, &f, &d), SIM_OK);
    CHECK_EQ_STR(figure_scenario(f), "s.ini");
    CHECK_EQ_STR(figure_xkey(f), "nic.fin_wait_2_timeout"); /* the one varied key */
    CHECK_EQ_STR(figure_xlabel(f), "nic.fin_wait_2_timeout (s)");
    CHECK(figure_numeric(f));
    CHECK_EQ_I64(figure_vs(f, &fd, &d), SIM_OK);
    CHECK_EQ_I64(fd.n, 3);
    CHECK_EQ_STR(fd.s[0].label, "median");
    CHECK_EQ_STR(fd.s[2].label, "p99");
    CHECK_EQ_I64(fd.s[0].n, 2);
    /* At 30 s: median over seeds 1..601 of seed/10 is 30.1, least 0.1, largest 60.1. */
    CHECK_NEAR(fd.s[0].pt[0].x, 30, 0);
    CHECK_NEAR(fd.s[0].pt[0].y[0], 30.1, 1e-9);
    CHECK_NEAR(fd.s[0].pt[0].y[1], 0.1, 1e-9);
    CHECK_NEAR(fd.s[0].pt[0].y[2], 60.1, 1e-9);
    CHECK_EQ_STR(fd.s[0].pt[1].text, "60s");
    CHECK_NEAR(fd.s[0].pt[1].y[0], 31.1, 1e-9);
    CHECK_EQ_I64(fd.s[0].pt[0].lower_bound, 0);
    CHECK_EQ_I64(fd.s[2].pt[0].lower_bound, 1);
    figure_data_free(&fd);

    /* CDF: each curve stops at 1 - its censored share (one of two open). */
    CHECK_EQ_I64(figure_cdf(f, FIGURE_CLOSE, &fd, &d), SIM_OK);
    CHECK_EQ_I64(fd.n, 2);
    CHECK_EQ_STR(fd.s[0].label, "30s");
    CHECK_NEAR(fd.s[0].censored_pct, 50, 1e-9);
    CHECK_NEAR(fd.s[0].pt[fd.s[0].n - 1].y[0], 0.5, 1e-12);
    CHECK_NEAR(fd.s[0].pt[0].x, 2.0, 1e-12); /* t_time_wait - t_close = 2 s */
    figure_data_free(&fd);

    /* Occupancy: the mean over seeds per time bin. */
    CHECK_EQ_I64(figure_occupancy(f, &fd, &d), SIM_OK);
    CHECK_EQ_I64(fd.n, 2);
    CHECK_EQ_I64(fd.ny, 2);
    CHECK_NEAR(fd.s[1].pt[0].y[0], 1, 0);
    CHECK_NEAR(fd.s[1].pt[0].y[1], 1, 0);
    figure_data_free(&fd);

    /* No event rows: handoffs say how to get them. */
    CHECK_EQ_I64(figure_handoffs(f, &fd, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[d.n - 1], "--log events");
    figure_close(f);
}

static void figures_that_cannot_be_drawn(void)
{
    figure_query q = {NULL, "nic.capacity", 0};
    figure *f;
    sim_diag d;

    diag_init(&d);
    CHECK_EQ_I64(figure_open(path_in_tmp("v.db"), &q, &f, &d), SIM_EINVAL);
    CHECK(f == NULL);
    CHECK_CONTAINS(d.msg[0], "no key 'nic.capacity'");
    q.xkey = NULL;
    q.scenario = "other.ini";
    diag_init(&d);
    CHECK_EQ_I64(figure_open(path_in_tmp("v.db"), &q, &f, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "no complete run of other.ini");
    diag_init(&d);
    CHECK_EQ_I64(figure_open(path_in_tmp("none.db"), &q, &f, &d), SIM_EDB);
    CHECK_CONTAINS(d.msg[0], "cannot read");
    CHECK(access(path_in_tmp("none.db"), F_OK) != 0); /* nothing created */
}

static void cleanup(void)
{
    static const char *const names[] = {"m.db", "m.db-wal", "m.db-shm",
                                        "v.db", "v.db-wal", "v.db-shm"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        unlink(path_in_tmp(names[i]));
    rmdir(g_dir);
}

static void setup(void)
{
    CHECK(mkdtemp(g_dir) != NULL);
}

static const check_test tests[] = {
    CHECK_TEST(setup),
    CHECK_TEST(names_are_declared_once),
    CHECK_TEST(point_statistics_over_more_than_256_runs),
    CHECK_TEST(vs_over_more_than_512_seeds),
    CHECK_TEST(figures_that_cannot_be_drawn),
    CHECK_TEST(cleanup),
};
CHECK_MAIN(tests)
