/*
 * test_report.c - a stored sweep's points (io/report.h): the close-latency
 * estimate of a point's seeds pooled from the conn rows, against one
 * computed by hand; the mean and Student-t interval over seeds; points in
 * numeric order of their values; a run's scalars and classes read back.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "engine/err.h"
#include "io/report.h"
#include "io/results.h"

static char g_dir[] = "/tmp/offsim-test-report-XXXXXX";
static char g_db[300];

/* t(0.975, 2), t(0.975, 4): Student's t quantiles as tables give them. */
#define T_975_2 4.302652729749464
#define T_975_4 2.776445105197793

static void stat_is_mean_and_student_t(void)
{
    static const double v[] = {1, 2, 3}, w[] = {10, 12, 9, 11, 13};
    report_stat st = report_stat_of(v, 3);

    CHECK_EQ_I64(st.n, 3);
    CHECK_NEAR(st.mean, 2, 1e-15);
    CHECK_NEAR(st.half, T_975_2 * 1 / sqrt(3), 1e-12); /* s = 1 */
    st = report_stat_of(w, 5);
    CHECK_NEAR(st.mean, 11, 1e-15);
    CHECK_NEAR(st.half, T_975_4 * sqrt(2.5) / sqrt(5), 1e-12); /* s^2 = 10/4 */
    st = report_stat_of(v, 1);
    CHECK_NEAR(st.mean, 1, 0);
    CHECK(isnan(st.half));
    st = report_stat_of(v, 0);
    CHECK(isnan(st.mean));
}

/* A connection closed after `close_s` (or still open at the run's end, 100 s). */
static void conn(results *r, int64_t run, uint32_t id, double close_s, int open)
{
    sim_time t_close = SIM_S, end = t_close + (sim_time)llround(close_s * 1e9);
    results_conn_row c = {id,        "web",     0,         SIM_S,     SIM_S,     SIM_S,
                          open ? SIM_NEVER : end, SIM_NEVER, SIM_NEVER, open ? "open" : "peer_fin",
                          "host",    0,         "clean",   SIM_NEVER, 0};

    CHECK_EQ_I64(results_conn(r, run, &c), SIM_OK);
}

/*
 * Three timeouts (written out of order: 120s, 5s, 30s), two seeds each.  At
 * 5s the seeds' connections, pooled: 1, 2, 2, 4 s closed and two open at
 * the end (99 s: run end 100 s - t_close 1 s).  By hand, Kaplan-Meier over
 * the six: S(1) = 5/6; at 2 s two of the five at risk close, S(2) = 5/6 *
 * 3/5 = 1/2; at 4 s one of three, S(4) = 1/3; median 2 s, p90 and max not
 * reached (above 99 s).
 */
static void points_pool_seeds_in_numeric_order(void)
{
    static const char *const value[3] = {"120s", "5s", "30s"};
    static const double num[3] = {120, 5, 30};
    results *r;
    sim_diag d;
    sqlite3 *db;
    report_points p;
    report_select sel = {NULL, 0, NULL};

    diag_init(&d);
    CHECK_EQ_I64(results_open(g_db, &r, &d), SIM_OK);
    for (int x = 0; x < 3; x++)
        for (int seed = 1; seed <= 2; seed++) {
            char identity[16];
            results_run_info info = {identity, "p.ini", "", "abc", "native", (uint64_t)seed,
                                     NULL,     NULL,    NULL};
            int64_t run;

            snprintf(identity, sizeof identity, "%d/%d", x, seed);
            CHECK_EQ_I64(results_run_begin(r, &info, &run, &d), SIM_OK);
            results_param(r, run, "nic.fin_wait_2_timeout", value[x], &num[x], 1);
            results_param(r, run, "sim.warmup", "0", &(double){0}, 0);
            results_param(r, run, "sim.log", "conn", NULL, 0);
            if (num[x] == 5) {
                conn(r, run, 1, seed == 1 ? 1 : 2, 0);
                conn(r, run, 2, seed == 1 ? 2 : 4, 0);
                conn(r, run, 3, 0, 1);
                /* The seeds' own medians: 1 s and 2 s (nearest rank of 3). */
                results_scalar(r, run, RESULTS_CLOSE_P50_S, seed == 1 ? 1 : 2);
                results_scalar(r, run, RESULTS_CLOSE_P50_NOT_REACHED, 0);
                results_scalar(r, run, RESULTS_CLOSE_P99_S, NAN);
                results_scalar(r, run, RESULTS_CLOSE_P99_NOT_REACHED, 1);
            } else {
                conn(r, run, 1, num[x] / 10, 0);
            }
            results_scalar(r, run, RESULTS_NIC_MEAN, 10 * seed + x);
            CHECK_EQ_I64(results_run_end(r, run, RESULTS_COMPLETE, 0, 100 * SIM_S, 1, NULL, &d),
                         SIM_OK);
        }
    results_close(r);

    CHECK_EQ_I64(report_open(g_db, &db, &d), SIM_OK);
    CHECK_EQ_I64(report_points_read(db, &sel, &p, &d), SIM_OK);
    CHECK_EQ_STR(p.scenario, "p.ini");
    CHECK_EQ_I64(p.nkeys, 1);
    CHECK_EQ_I64(p.npt, 3);
    if (p.npt == 3) {
        const report_point *five = &p.pt[0];

        /* Numeric order: 5s, 30s, 120s (not "120s" < "30s" < "5s"). */
        CHECK_EQ_STR(p.pt[0].value[0], "5s");
        CHECK_EQ_STR(p.pt[1].value[0], "30s");
        CHECK_EQ_STR(p.pt[2].value[0], "120s");
        CHECK_EQ_I64(five->nruns, 2);
        CHECK_EQ_I64(five->pooled, 1);
        CHECK_EQ_I64(five->pooled_n, 6);
        CHECK_EQ_I64(five->pooled_censored, 2);
        CHECK_EQ_I64(five->q[RESULTS_P50].r, KM_REACHED);
        CHECK_NEAR(five->q[RESULTS_P50].s, 2, 1e-12);
        CHECK_EQ_I64(five->q[RESULTS_P90].r, KM_NOT_REACHED);
        CHECK_NEAR(five->q[RESULTS_P90].s, 99, 1e-9);
        CHECK_EQ_I64(five->q[RESULTS_PMAX].r, KM_NOT_REACHED);
        /* Per seed: medians 1 and 2; p99 not reached in both. */
        CHECK_EQ_I64(five->stat[RESULTS_CLOSE_P50_S].n, 2);
        CHECK_NEAR(five->stat[RESULTS_CLOSE_P50_S].mean, 1.5, 1e-15);
        CHECK_EQ_I64(five->not_reached[RESULTS_P99], 2);
        CHECK_EQ_I64(five->stat[RESULTS_CLOSE_P99_S].n, 0);
        /* nic_mean 10 and 20 (+0 for 5s, the second value): s^2 = 50. */
        CHECK_NEAR(five->stat[RESULTS_NIC_MEAN].mean, 16, 1e-12);
        CHECK_NEAR(p.pt[1].stat[RESULTS_NIC_MEAN].mean, 17, 1e-12);
        CHECK_NEAR(p.pt[1].q[RESULTS_PMAX].s, 3, 1e-12);
        CHECK_EQ_I64(p.pt[1].q[RESULTS_PMAX].r, KM_REACHED);
    }
    report_points_free(&p);

    /* One run back: its row and scalars. */
    {
        report_run run;
        report_quantile q;

        CHECK_EQ_I64(report_run_read(db, 3, &run, &d), SIM_OK);
        CHECK_EQ_STR(run.point, "nic.fin_wait_2_timeout=5s");
        CHECK_EQ_I64(run.seed, 1);
        CHECK_NEAR(run.scalar[RESULTS_NIC_MEAN], 11, 0);
        run.scalar[RESULTS_CLOSE_N] = 3; /* not written above */
        run.scalar[RESULTS_CLOSE_LONGEST_S] = 99;
        q = report_quantile_of(run.scalar, RESULTS_P99);
        CHECK_EQ_I64(q.r, KM_NOT_REACHED);
        CHECK_NEAR(q.s, 99, 0);
        report_run_free(&run);
        CHECK_EQ_I64(report_run_read(db, 77, &run, &d), SIM_EINVAL);
        CHECK_CONTAINS(d.msg[d.n - 1], "no run 77 in the database");
    }
    report_close(db);
}

/*
 * Names (no number) in the order they were first run, a sweep's --vary
 * list, as offsim plot orders them: policy=none,linux,chimney run in that
 * order come back so, not alphabetically; with a second, numeric key
 * (1ms, 10ms written 10ms first) sorted within each name by number.
 */
static void points_order_names_as_first_run(void)
{
    static const char *const policy[3] = {"none", "linux", "chimney"};
    static const char *const delay[2] = {"10ms", "1ms"};
    static const double dnum[2] = {0.01, 0.001};
    results *r;
    sim_diag d;
    sqlite3 *db;
    report_points p;
    report_select sel = {NULL, 0, "q.ini"};

    diag_init(&d);
    CHECK_EQ_I64(results_open(g_db, &r, &d), SIM_OK);
    for (int x = 0; x < 3; x++)
        for (int y = 0; y < 2; y++)
            for (int seed = 1; seed <= 2; seed++) {
                char identity[16];
                results_run_info info = {identity, "q.ini", "", "abc", "native", (uint64_t)seed,
                                         NULL,     NULL,    NULL};
                int64_t run;

                snprintf(identity, sizeof identity, "q%d/%d/%d", x, y, seed);
                CHECK_EQ_I64(results_run_begin(r, &info, &run, &d), SIM_OK);
                results_param(r, run, "host.fw2_policy", policy[x], NULL, 1);
                results_param(r, run, "link.delay", delay[y], &dnum[y], 1);
                results_param(r, run, "sim.log", "summary", NULL, 0);
                results_scalar(r, run, RESULTS_NIC_MEAN, 10 * x + y);
                CHECK_EQ_I64(results_run_end(r, run, RESULTS_COMPLETE, 0, SIM_S, 1, NULL, &d),
                             SIM_OK);
            }
    results_close(r);

    CHECK_EQ_I64(report_open(g_db, &db, &d), SIM_OK);
    CHECK_EQ_I64(report_points_read(db, &sel, &p, &d), SIM_OK);
    CHECK_EQ_I64(p.nkeys, 2);
    CHECK_EQ_I64(p.npt, 6);
    if (p.nkeys == 2 && p.npt == 6) {
        CHECK_EQ_STR(p.key[0], "host.fw2_policy");
        for (int i = 0; i < 6; i++) {
            CHECK_EQ_STR(p.pt[i].value[0], policy[i / 2]);
            CHECK_EQ_STR(p.pt[i].value[1], i % 2 == 0 ? "1ms" : "10ms");
            CHECK_EQ_I64(p.pt[i].nruns, 2);
            CHECK_NEAR(p.pt[i].stat[RESULTS_NIC_MEAN].mean, 10 * (i / 2) + (i % 2 == 0), 0);
        }
    }
    report_points_free(&p);
    report_close(db);
}

/*
 * A damaged database (fuzz_results found it, issue 9): the sweep above with
 * the root page of run_param overwritten.  The run table still reads, so
 * the runs are selected; reading their points or one run is SQLite's own
 * error, where report_points_read crashed (free_rows on rows never read)
 * or summarised what it could read as a plain sweep.
 */
static void damaged_database_is_sqlites_error(void)
{
    char damaged[400], page[65536];
    sqlite3 *db;
    sqlite3_stmt *st;
    int root = 0, size = 0;
    FILE *in, *out;
    size_t k;
    sim_diag d;
    report_select all = {NULL, 0, NULL};
    report_points p;
    report_run run;
    int64_t *runs = NULL;
    size_t n = 0;
    char *scenario = NULL;

    snprintf(damaged, sizeof damaged, "%s/d.db", g_dir);
    CHECK_EQ_I64(sqlite3_open_v2(g_db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT rootpage FROM sqlite_master WHERE name = 'run_param'),"
                           " (SELECT page_size FROM pragma_page_size)",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        root = sqlite3_column_int(st, 0);
        size = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    CHECK(root > 1 && size > 0 && size <= (int)sizeof page);
    if (!(root > 1 && size > 0 && size <= (int)sizeof page))
        return;
    in = fopen(g_db, "rb");
    out = fopen(damaged, "wb");
    CHECK(in != NULL && out != NULL);
    if (in == NULL || out == NULL)
        return;
    for (int pg = 1; (k = fread(page, 1, (size_t)size, in)) > 0; pg++) {
        if (pg == root)
            memset(page, 0xff, k);
        fwrite(page, 1, k, out);
    }
    fclose(in);
    CHECK_EQ_I64(fclose(out), 0);

    diag_init(&d);
    CHECK_EQ_I64(report_open(damaged, &db, &d), SIM_OK);
    CHECK_EQ_I64(report_select_runs(db, &all, &runs, &n, &scenario, &d), SIM_OK);
    CHECK_EQ_I64(n, 6);
    CHECK_EQ_I64(report_points_read(db, &all, &p, &d), SIM_EDB);
    CHECK(d.n > 0);
    if (d.n > 0)
        CHECK_CONTAINS(d.msg[d.n - 1], "database disk image is malformed");
    diag_init(&d);
    CHECK_EQ_I64(report_run_read(db, 1, &run, &d), SIM_EDB);
    CHECK(d.n > 0);
    if (d.n > 0)
        CHECK_CONTAINS(d.msg[d.n - 1], "database disk image is malformed");
    free(runs);
    free(scenario);
    report_close(db);
}

static void setup(void)
{
    CHECK(mkdtemp(g_dir) != NULL);
    snprintf(g_db, sizeof g_db, "%s/r.db", g_dir);
}

static void cleanup(void)
{
    static const char *const names[] = {"r.db", "r.db-wal", "r.db-shm", "d.db", "d.db-wal",
                                        "d.db-shm"};
    char path[400];

    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", g_dir, names[i]);
        unlink(path);
    }
    rmdir(g_dir);
}

static const check_test tests[] = {
    CHECK_TEST(setup),
    CHECK_TEST(stat_is_mean_and_student_t),
    CHECK_TEST(points_pool_seeds_in_numeric_order),
    CHECK_TEST(damaged_database_is_sqlites_error),
    CHECK_TEST(points_order_names_as_first_run),
    CHECK_TEST(cleanup),
};

CHECK_MAIN(tests)
