/*
 * test_results.c - the SQLite store: schema version, run status
 * transitions, parameters, rows, the close_latency view, and databases that
 * cannot be used.
 */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "engine/err.h"
#include "io/results.h"

static char g_dir[] = "/tmp/offsim-test-results-XXXXXX";

static const char *path_in_tmp(const char *name)
{
    static char buf[256];

    snprintf(buf, sizeof buf, "%s/%s", g_dir, name);
    return buf;
}

/* First column of the first row of a query, as text ("" when NULL). */
static const char *query(const char *path, const char *sql)
{
    static char out[256];
    sqlite3 *db;
    sqlite3_stmt *st;

    out[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(out, sizeof out, "(open failed)");
        sqlite3_close(db);
        return out;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(out, sizeof out, "(bad sql: %s)", sqlite3_errmsg(db));
    } else {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

static const results_run_info info = {"id123",  "x.ini",  "[sim]\n",     "abc",
                                      "native", 7,        "offsim run x.ini", "host-a",
                                      "offsim 0.1.0 (git 0123456789ab)"};

static void schema_version_and_status_transitions(void)
{
    const char *db = path_in_tmp("a.db");
    results *r;
    sim_diag d;
    int64_t run;
    double half = 0.5;

    diag_init(&d);
    CHECK_EQ_I64(results_open(db, &r, &d), 0);
    CHECK_EQ_STR(query(db, "PRAGMA user_version"), "2");
    CHECK_EQ_I64(results_run_begin(r, &info, &run, &d), 0);
    /* Committed before any simulation: another reader sees it running. */
    CHECK_EQ_STR(query(db, "SELECT status FROM run"), "running");
    CHECK_EQ_I64(results_param(r, run, "nic.capacity", "10", &(double){10}, 0), 0);
    CHECK_EQ_I64(results_param(r, run, "sim.log", "conn", NULL, 1), 0);
    CHECK_EQ_I64(results_scalar(r, run, RESULTS_NIC_PEAK, half), 0);
    /* A percentile not reached: NULL, and its mark. */
    CHECK_EQ_I64(results_scalar(r, run, RESULTS_CLOSE_P99_S, NAN), 0);
    CHECK_EQ_I64(results_scalar(r, run, RESULTS_CLOSE_P99_NOT_REACHED, 1), 0);
    CHECK_EQ_I64(results_class_scalar(r, run, "web", RESULTS_CLOSE_P50_S, 0.25), 0);
    CHECK_EQ_I64(results_occupancy(r, run, SIM_S, 3, 2, 1, 0), 0);
    CHECK_EQ_I64(results_event(r, run, 5, 1, "fw2_start", NULL, &(int64_t){120000}), 0);
    {
        results_conn_row c = {1, "web", 0, 10, 11, 12, SIM_NEVER, SIM_NEVER, SIM_NEVER,
                              "open", "nic", 1, "open", SIM_NEVER, 3};
        results_conn_row e = {2, "web", 0, 10, 11, 12, 30, SIM_NEVER, 40,
                              "peer_fin", "host", 0, "clean", 45, SIM_NEVER};
        CHECK_EQ_I64(results_conn(r, run, &c), 0);
        CHECK_EQ_I64(results_conn(r, run, &e), 0);
    }
    CHECK_EQ_I64(results_run_end(r, run, RESULTS_COMPLETE, 1.25, 100, 42, "00ff", &d), 0);
    results_close(r);

    CHECK_EQ_STR(query(db, "SELECT status || ' ' || wall_s || ' ' || sim_end_ns || ' ' || "
                           "events || ' ' || fingerprint || ' ' || seed FROM run"),
                 "complete 1.25 100 42 00ff 7");
    CHECK_EQ_STR(query(db, "SELECT num FROM run_param WHERE key='nic.capacity'"), "10.0");
    CHECK_EQ_STR(query(db, "SELECT num IS NULL AND varied=1 FROM run_param WHERE key='sim.log'"),
                 "1");
    CHECK_EQ_STR(query(db, "SELECT value FROM event WHERE kind='fw2_start'"), "120000");
    CHECK_EQ_STR(query(db, "SELECT t_time_wait IS NULL FROM conn WHERE conn_id=1"), "1");
    /* close_s = COALESCE(t_time_wait, t_closed, sim_end) - t_close; censored marked. */
    CHECK_EQ_STR(query(db, "SELECT (close_s*1e9) || ',' || censored FROM close_latency "
                           "WHERE conn_id=1"),
                 "90.0,1");
    CHECK_EQ_STR(query(db, "SELECT (close_s*1e9) || ',' || censored || ',' || (release_s*1e9) "
                           "FROM close_latency WHERE conn_id=2"),
                 "20.0,0,30.0");
    CHECK_EQ_STR(query(db, "SELECT censored_share FROM run_summary"), "0.5");
    CHECK_EQ_STR(query(db, "SELECT group_concat(in_summary || close_reason) FROM close_latency"),
                 "1open,1peer_fin");
    CHECK_EQ_STR(query(db, "SELECT t_established FROM conn WHERE conn_id=1"), "3");
    CHECK_EQ_STR(query(db, "SELECT value IS NULL FROM scalar WHERE name='close_p99_s'"), "1");
    CHECK_EQ_STR(query(db, "SELECT p99_close_s IS NULL AND p99_not_reached = 1 FROM run_summary"),
                 "1");
    CHECK_EQ_STR(query(db, "SELECT value FROM scalar WHERE name='peer.web.close_p50_s'"), "0.25");
    CHECK_EQ_STR(query(db, "SELECT command_line || '|' || host || '|' || build FROM run"),
                 "offsim run x.ini|host-a|offsim 0.1.0 (git 0123456789ab)");

    /* A second run shares the database. */
    diag_init(&d);
    CHECK_EQ_I64(results_open(db, &r, &d), 0);
    CHECK_EQ_I64(results_run_begin(r, &info, &run, &d), 0);
    CHECK_EQ_I64(run, 2);
    CHECK_EQ_I64(results_run_end(r, run, RESULTS_INTERRUPTED, 0, 5, 1, NULL, &d), 0);
    results_close(r);
    CHECK_EQ_STR(query(db, "SELECT group_concat(status) FROM run"), "complete,interrupted");
}

static void many_rows_commit_in_batches(void)
{
    const char *db = path_in_tmp("b.db");
    results *r;
    sim_diag d;
    int64_t run;

    diag_init(&d);
    CHECK_EQ_I64(results_open(db, &r, &d), 0);
    CHECK_EQ_I64(results_run_begin(r, &info, &run, &d), 0);
    for (int i = 0; i < RESULTS_BATCH + 10; i++)
        results_event(r, run, i, (uint32_t)i, "state", "ESTABLISHED", NULL);
    /* The first batch is already committed and visible. */
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) >= 100000 FROM event"), "1");
    CHECK_EQ_I64(results_run_end(r, run, RESULTS_FAILED, 0, 0, 0, NULL, &d), 0);
    results_close(r);
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) FROM event"), "100010");
    CHECK_EQ_STR(query(db, "SELECT status FROM run"), "failed");
}

static void unusable_databases_are_refused_up_front(void)
{
    results *r;
    sim_diag d;
    FILE *f;

    diag_init(&d);
    CHECK_EQ_I64(results_open("/nonexistent-dir/x.db", &r, &d), SIM_EDB);
    CHECK(r == NULL);
    CHECK_CONTAINS(d.msg[0], "/nonexistent-dir/x.db: cannot use as a results database");

    diag_init(&d);
    f = fopen(path_in_tmp("text.db"), "w");
    fputs("this is not a database, just some text that is long enough\n", f);
    fclose(f);
    CHECK_EQ_I64(results_open(path_in_tmp("text.db"), &r, &d), SIM_EDB);
    CHECK_CONTAINS(d.msg[0], "not a database");

    /* A database of another schema version. */
    {
        sqlite3 *db;
        sqlite3_open(path_in_tmp("v9.db"), &db);
        sqlite3_exec(db, "PRAGMA user_version=9", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    diag_init(&d);
    CHECK_EQ_I64(results_open(path_in_tmp("v9.db"), &r, &d), SIM_EDB);
    CHECK_CONTAINS(d.msg[0], "written by a newer offsim (results schema 9)");

    /* Schema 1 (lower-bound percentiles): refused by writers and readers,
     * saying what changed; nothing is converted. */
    {
        sqlite3 *db;
        sqlite3_open(path_in_tmp("v1.db"), &db);
        sqlite3_exec(db, "CREATE TABLE scalar(run_id, name, value); PRAGMA user_version=1", NULL,
                     NULL, NULL);
        sqlite3_close(db);
    }
    diag_init(&d);
    CHECK_EQ_I64(results_open(path_in_tmp("v1.db"), &r, &d), SIM_EDB);
    CHECK_CONTAINS(d.msg[0], "written by an older offsim (results schema 1); this offsim writes "
                             "schema 2 only");
    CHECK_CONTAINS(d.msg[0], "close_pNN_not_reached instead of close_pNN_lower_bound");
    {
        sqlite3 *db;

        diag_init(&d);
        CHECK_EQ_I64(results_open_reader(path_in_tmp("v1.db"), &db, &d), SIM_EDB);
        CHECK(db == NULL);
        CHECK_CONTAINS(d.msg[0], "this offsim reads schema 2 only");
    }
    CHECK_EQ_STR(query(path_in_tmp("v1.db"), "PRAGMA user_version"), "1");
}

static void cleanup(void)
{
    static const char *const names[] = {"a.db", "a.db-wal", "a.db-shm", "b.db", "b.db-wal",
                                        "b.db-shm", "text.db", "v9.db", "v1.db"};
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
    CHECK_TEST(schema_version_and_status_transitions),
    CHECK_TEST(many_rows_commit_in_batches),
    CHECK_TEST(unusable_databases_are_refused_up_front),
    CHECK_TEST(cleanup),
};
CHECK_MAIN(tests)
