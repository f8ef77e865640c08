/*
 * test_results.c - the SQLite store: schema version, run status
 * transitions, parameters, rows, the close_latency view, claims of runs by
 * their writers, migration from schema 2, merges, and databases that cannot
 * be used (left byte for byte as they were).
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "engine/err.h"
#include "io/results.h"
#include "io/writer.h"

static char g_dir[] = "/tmp/offsim-test-results-XXXXXX";

/* A path in the test's directory; the last 8 stay valid. */
static const char *path_in_tmp(const char *name)
{
    static char buf[8][256];
    static unsigned next;
    char *b = buf[next++ % 8];

    snprintf(b, sizeof buf[0], "%s/%s", g_dir, name);
    return b;
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
    CHECK_EQ_STR(query(db, "PRAGMA user_version"), "3");
    CHECK_EQ_STR(query(db, "PRAGMA application_id"), "1332106093");
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

#define CHECK_STR__(x) #x
#define CHECK_STR_(x) CHECK_STR__(x)

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
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) >= " CHECK_STR_(RESULTS_BATCH) " FROM event"), "1");
    CHECK_EQ_I64(results_run_end(r, run, RESULTS_FAILED, 0, 0, 0, NULL, &d), 0);
    results_close(r);
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) - " CHECK_STR_(RESULTS_BATCH) " FROM event"), "10");
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
    CHECK_EQ_I64(results_open(path_in_tmp("text.db"), &r, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "not a database");

    /* A database of another schema version. */
    {
        sqlite3 *db;
        sqlite3_open(path_in_tmp("v9.db"), &db);
        sqlite3_exec(db, "PRAGMA user_version=9", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    diag_init(&d);
    CHECK_EQ_I64(results_open(path_in_tmp("v9.db"), &r, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "not an offsim results database (user_version 9");

    /* Schema 1 (lower-bound percentiles): refused by writers and readers,
     * saying what changed; nothing is converted. */
    {
        sqlite3 *db;
        sqlite3_open(path_in_tmp("v1.db"), &db);
        sqlite3_exec(db,
                     "CREATE TABLE run(id); CREATE TABLE run_param(run_id); CREATE TABLE "
                     "conn(run_id); CREATE TABLE event(run_id); CREATE TABLE occupancy(run_id);"
                     "CREATE TABLE scalar(run_id, name, value); PRAGMA user_version=1",
                     NULL, NULL, NULL);
        sqlite3_close(db);
    }
    diag_init(&d);
    CHECK_EQ_I64(results_open(path_in_tmp("v1.db"), &r, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "written by an older offsim (results schema 1); this offsim reads "
                             "schemas 2 to 3");
    CHECK_CONTAINS(d.msg[0], "close_pNN_not_reached instead of close_pNN_lower_bound");
    {
        sqlite3 *db;

        diag_init(&d);
        CHECK_EQ_I64(results_open_reader(path_in_tmp("v1.db"), &db, &d), SIM_EINVAL);
        CHECK(db == NULL);
        CHECK_CONTAINS(d.msg[0], "this offsim reads schemas 2 to 3");
    }
    CHECK_EQ_STR(query(path_in_tmp("v1.db"), "PRAGMA user_version"), "1");
}

/* Execute SQL on a database with the plain SQLite API; 0 or the error. */
static int sql(const char *path, const char *text)
{
    sqlite3 *db;
    int rc = sqlite3_open(path, &db);

    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, text, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

/* The whole file, to compare byte for byte; free() it. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL)
        *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/* The file exists? */
static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static const results_run_info twin = {"same-identity", "x.ini", "[sim]\n", "abc", "native",
                                      3, "offsim sweep x.ini", "host-a", "offsim 0.1.0"};

static void a_writer_is_alive_until_it_dies(void)
{
    writer_id me, child;
    int64_t now = (int64_t)time(NULL);
    int fds[2], st;
    pid_t pid;
    char tok[200];

    writer_self(&me);
    CHECK(me.token[0] != '\0');
    CHECK_EQ_I64(me.pid, (int64_t)getpid());
    CHECK_EQ_I64(writer_alive(me.token, me.pid, 0, now), 1);
    /* The same pid with another start time: a pid reused by another process. */
    snprintf(tok, sizeof tok, "%.*s/%llu", (int)(strrchr(me.token, '/') - me.token), me.token,
             strtoull(strrchr(me.token, '/') + 1, NULL, 10) + 1);
    CHECK_EQ_I64(writer_alive(tok, me.pid, now, now), 0);
    /* No token: a run of an older offsim, whose writer cannot be known. */
    CHECK_EQ_I64(writer_alive(NULL, me.pid, now, now), 0);
    /* Another machine: by its lease. */
    CHECK_EQ_I64(writer_alive("other-boot/1/2", 1, now - 10, now), 1);
    CHECK_EQ_I64(writer_alive("other-boot/1/2", 1, now - WRITER_LEASE_S - 1, now), 0);
    CHECK_EQ_I64(writer_alive("other-boot/1/2", 1, 0, now), 0);

    /* A child: alive, then a zombie (dead, not yet reaped), then gone. */
    CHECK_EQ_I64(pipe(fds), 0);
    pid = fork();
    if (pid == 0) {
        writer_self(&child);
        if (write(fds[1], &child, sizeof child) != (ssize_t)sizeof child)
            _exit(2);
        pause();
        _exit(0);
    }
    CHECK_EQ_I64(read(fds[0], &child, sizeof child), (int64_t)sizeof child);
    CHECK_EQ_I64(writer_alive(child.token, child.pid, 0, now), 1);
    kill(pid, SIGKILL);
    {
        siginfo_t si;
        /* Dead but not reaped: a zombie still has a pid and a /proc entry. */
        CHECK_EQ_I64(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    }
    CHECK_EQ_I64(writer_alive(child.token, child.pid, 0, now), 0);
    waitpid(pid, &st, 0);
    CHECK_EQ_I64(writer_alive(child.token, child.pid, 0, now), 0);
    close(fds[0]);
    close(fds[1]);
}

static void claims_never_take_a_live_run_and_never_reuse_an_id(void)
{
    const char *db = path_in_tmp("claim.db");
    results *r, *r2;
    results_claim c;
    sim_diag d;

    diag_init(&d);
    CHECK_EQ_I64(results_open(db, &r, &d), 0);
    CHECK_EQ_I64(results_open(db, &r2, &d), 0);
    CHECK_EQ_I64(results_run_claim(r, &twin, &c, &d), 0);
    CHECK_EQ_I64(c.outcome, RESULTS_CLAIMED);
    CHECK_EQ_I64(c.run_id, 1);
    /* This process is alive: the identity is held. */
    CHECK_EQ_I64(results_run_claim(r2, &twin, &c, &d), 0);
    CHECK_EQ_I64(c.outcome, RESULTS_HELD);
    CHECK_EQ_I64(c.holder.run_id, 1);
    CHECK_EQ_I64(c.holder.pid, (int64_t)getpid());
    CHECK_EQ_I64(results_run_end(r, 1, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), 0);
    CHECK_EQ_I64(results_run_claim(r2, &twin, &c, &d), 0);
    CHECK_EQ_I64(c.outcome, RESULTS_DONE);
    CHECK_EQ_I64(c.run_id, 1);

    /* A run 'running' whose writer is dead (a pid that no longer exists) and
     * an interrupted one are replaced; the new run's id is above every id
     * ever given, even the one deleted. */
    CHECK_EQ_I64(sql(db, "INSERT INTO run(id, identity, scenario, scenario_sha256, engine, seed,"
                         " status, started, writer_pid, writer_token) VALUES"
                         " (7, 'other', 'x', 'y', 'native', 1, 'running', 'now', 999999999,"
                         " (SELECT writer_token FROM run WHERE id = 1)),"
                         " (8, 'other', 'x', 'y', 'native', 1, 'interrupted', 'now', NULL, NULL);"
                         "INSERT INTO conn(run_id, conn_id, peer, close_reason, owner_at_close,"
                         " handoffs, peer_outcome) VALUES (7, 1, 'p', 'open', 'host', 0, 'open');"),
                 SQLITE_OK);
    {
        results_run_info other = twin;
        other.identity = "other";
        CHECK_EQ_I64(results_run_claim(r, &other, &c, &d), 0);
        CHECK_EQ_I64(c.outcome, RESULTS_CLAIMED);
        CHECK_EQ_I64(c.replaced[RESULTS_RUNNING], 1);
        CHECK_EQ_I64(c.replaced[RESULTS_INTERRUPTED], 1);
        CHECK_EQ_I64(c.replaced[RESULTS_FAILED], 0);
        CHECK_EQ_I64(c.replaced[RESULTS_COMPLETE], 0);
        CHECK_EQ_I64(c.run_id, 9);
    }
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) FROM conn WHERE run_id = 7"), "0");
    /* The writer of run 9, judged dead by someone else, loses it: its rows
     * and its end go nowhere. */
    CHECK_EQ_I64(sql(db, "PRAGMA foreign_keys=ON; DELETE FROM run WHERE id = 9"), SQLITE_OK);
    {
        results_conn_row row = {1, "web", 0, 10, 11, 12, SIM_NEVER, SIM_NEVER, SIM_NEVER,
                                "open", "nic", 1, "open", SIM_NEVER, 5};
        CHECK_EQ_I64(results_conn(r, 9, &row), SIM_EDB);
        CHECK_CONTAINS(results_errmsg(r), "FOREIGN KEY constraint failed");
    }
    CHECK_EQ_I64(results_run_end(r, 9, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), SIM_EDB);
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) FROM run WHERE id >= 9"), "0");
    {
        int64_t id;
        CHECK_EQ_I64(results_run_begin(r, &info, &id, &d), 0);
        CHECK_EQ_I64(id, 10);
        CHECK_EQ_I64(results_run_end(r, id, RESULTS_FAILED, 0, 0, 0, NULL, &d), 0);
    }
    results_close(r);
    results_close(r2);
}

static void a_claimed_run_with_a_complete_twin_is_dropped(void)
{
    const char *db = path_in_tmp("twin.db");
    results *r;
    results_claim c;
    sim_diag d;

    diag_init(&d);
    CHECK_EQ_I64(results_open(db, &r, &d), 0);
    CHECK_EQ_I64(results_run_claim(r, &twin, &c, &d), 0);
    CHECK_EQ_I64(c.outcome, RESULTS_CLAIMED);
    /* Meanwhile a complete run of the same identity arrives (offsim merge). */
    CHECK_EQ_I64(sql(db, "INSERT INTO run(identity, scenario, scenario_sha256, engine, seed, "
                         "status, started) VALUES ('same-identity', 'x', 'y', 'native', 3, "
                         "'complete', 'then')"),
                 SQLITE_OK);
    CHECK_EQ_I64(results_run_end(r, c.run_id, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), SIM_EDB);
    CHECK_CONTAINS(d.msg[d.n - 1], "another run of its identity became complete");
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) || ' ' || COUNT(DISTINCT identity) FROM run"), "1 1");
    results_close(r);
}

/* The tables of schema 2 as offsim wrote them before schema 3 (run without
 * the writer columns, its id a plain INTEGER PRIMARY KEY, no application_id). */
static const char v2_schema[] =
    "CREATE TABLE run(id INTEGER PRIMARY KEY, identity TEXT NOT NULL, scenario TEXT NOT NULL,"
    " scenario_sha256 TEXT NOT NULL, engine TEXT NOT NULL, seed INTEGER NOT NULL,"
    " status TEXT NOT NULL CHECK(status IN ('running','complete','interrupted','failed')),"
    " started TEXT NOT NULL, wall_s REAL, sim_end_ns INTEGER, events INTEGER, fingerprint TEXT,"
    " scenario_text TEXT, offsim_version TEXT, command_line TEXT, host TEXT, build TEXT);"
    "CREATE INDEX run_identity ON run(identity);"
    "CREATE TABLE run_param(run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
    " key TEXT NOT NULL, value TEXT NOT NULL, num REAL, varied INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(run_id, key));"
    "CREATE TABLE conn(run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
    " conn_id INTEGER NOT NULL, peer TEXT NOT NULL, t_open INTEGER, t_close INTEGER,"
    " t_fin_wait_1 INTEGER, t_fin_wait_2 INTEGER, t_time_wait INTEGER, t_closed INTEGER,"
    " t_released INTEGER, close_reason TEXT NOT NULL, owner_at_close TEXT NOT NULL,"
    " handoffs INTEGER NOT NULL, peer_outcome TEXT NOT NULL, t_peer_closed INTEGER,"
    " t_established INTEGER, PRIMARY KEY(run_id, conn_id));"
    "CREATE TABLE event(run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
    " t INTEGER NOT NULL, conn_id INTEGER, kind TEXT NOT NULL, detail TEXT, value INTEGER);"
    "CREATE TABLE occupancy(run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
    " t INTEGER NOT NULL, nic_total INTEGER NOT NULL, nic_fin_wait_2 INTEGER NOT NULL,"
    " host_fin_wait_2 INTEGER NOT NULL, time_wait INTEGER NOT NULL, PRIMARY KEY(run_id, t));"
    "CREATE TABLE scalar(run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, value REAL, PRIMARY KEY(run_id, name));"
    "CREATE VIEW run_point AS SELECT r.id AS run_id, r.seed, '' AS point FROM run r;"
    "PRAGMA user_version=2;"
    "INSERT INTO run VALUES (3, 'v2-run', 'x.ini', 'abc', 'native', 1, 'complete', 'then',"
    " 1.5, 100, 42, '00ff', '[sim]', '0.1', 'offsim run x.ini', 'host-b', 'offsim 0.1');"
    "INSERT INTO conn(run_id, conn_id, peer, t_open, t_close, close_reason, owner_at_close,"
    " handoffs, peer_outcome) VALUES (3, 1, 'web', 0, 10, 'peer_fin', 'host', 2, 'clean');"
    "INSERT INTO scalar VALUES (3, 'nic_peak', 4);";

static void a_schema_2_database_is_migrated_and_read(void)
{
    const char *db = path_in_tmp("v2.db"), *db2 = path_in_tmp("v2r.db");
    results *r;
    sqlite3 *rd;
    sim_diag d;
    int64_t id;

    CHECK_EQ_I64(sql(db, v2_schema), SQLITE_OK);
    CHECK_EQ_I64(sql(db2, v2_schema), SQLITE_OK);
    /* A reader takes schema 2 as it is, and changes nothing. */
    diag_init(&d);
    CHECK_EQ_I64(results_open_reader(db2, &rd, &d), 0);
    sqlite3_close(rd);
    CHECK_EQ_STR(query(db2, "PRAGMA user_version"), "2");
    /* A writer migrates it: rows and ids kept, the writer columns added,
     * run.id AUTOINCREMENT from the largest id on. */
    CHECK_EQ_I64(results_open(db, &r, &d), 0);
    CHECK_EQ_STR(query(db, "PRAGMA user_version"), "3");
    CHECK_EQ_STR(query(db, "PRAGMA application_id"), "1332106093");
    CHECK_EQ_STR(query(db, "SELECT id || ' ' || status || ' ' || fingerprint || ' ' || host || "
                           "' ' || COALESCE(writer_pid, 'none') FROM run"),
                 "3 complete 00ff host-b none");
    CHECK_EQ_STR(query(db, "SELECT peer || handoffs FROM conn WHERE run_id = 3"), "web2");
    CHECK_EQ_STR(query(db, "SELECT value FROM scalar WHERE run_id = 3"), "4.0");
    CHECK_EQ_STR(query(db, "SELECT sql LIKE '%AUTOINCREMENT%' FROM sqlite_master "
                           "WHERE name = 'run'"),
                 "1");
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) FROM close_latency"), "1");
    CHECK_EQ_STR(query(db, "PRAGMA foreign_key_check"), "");
    CHECK_EQ_I64(results_run_begin(r, &info, &id, &d), 0);
    CHECK_EQ_I64(id, 4);
    CHECK_EQ_I64(results_run_end(r, id, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), 0);
    results_close(r);
    /* Deleting a run does not free its id. */
    CHECK_EQ_I64(sql(db, "PRAGMA foreign_keys=ON; DELETE FROM run WHERE id = 4"), SQLITE_OK);
    CHECK_EQ_STR(query(db, "SELECT COUNT(*) FROM conn"), "1");
    CHECK_EQ_I64(results_open(db, &r, &d), 0);
    CHECK_EQ_I64(results_run_begin(r, &info, &id, &d), 0);
    CHECK_EQ_I64(id, 5);
    results_close(r);
}

/* What refusing a file must leave: every byte, and no -wal or -journal. */
static void refused_unchanged(const char *path, int reader, const char *why)
{
    size_t n0, n1;
    char *before = slurp(path, &n0), *after, side[300];
    results *r = NULL;
    sqlite3 *rd = NULL;
    sim_diag d;

    diag_init(&d);
    if (reader) {
        CHECK_EQ_I64(results_open_reader(path, &rd, &d), SIM_EINVAL);
        CHECK(rd == NULL);
    } else {
        CHECK_EQ_I64(results_open(path, &r, &d), SIM_EINVAL);
        CHECK(r == NULL);
    }
    CHECK(d.n > 0);
    if (d.n > 0)
        CHECK_CONTAINS(d.msg[0], why);
    after = slurp(path, &n1);
    CHECK_EQ_I64((int64_t)n1, (int64_t)n0);
    CHECK(before != NULL && after != NULL && n0 == n1 && memcmp(before, after, n0) == 0);
    snprintf(side, sizeof side, "%s-wal", path);
    CHECK(!exists(side));
    snprintf(side, sizeof side, "%s-journal", path);
    CHECK(!exists(side));
    free(before);
    free(after);
}

static void another_programs_database_is_never_changed(void)
{
    const char *foreign = path_in_tmp("foreign.db"), *newer = path_in_tmp("newer.db");
    const char *text = path_in_tmp("text.db");
    results *r;
    sim_diag d;

    /* Another program's tables, rollback journal, user_version 0. */
    CHECK_EQ_I64(sql(foreign, "CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT);"
                              "INSERT INTO accounts VALUES (1, 'x');"),
                 SQLITE_OK);
    refused_unchanged(foreign, 0, "not an offsim results database (user_version 0, "
                                  "application_id 0x00000000, holding accounts)");
    refused_unchanged(foreign, 1, "not an offsim results database");
    CHECK_EQ_STR(query(foreign, "PRAGMA journal_mode"), "delete");
    /* Even one that looks like offsim's without saying so. */
    CHECK_EQ_I64(sql(foreign, "CREATE TABLE run(id INTEGER PRIMARY KEY)"), SQLITE_OK);
    refused_unchanged(foreign, 0, "holding accounts, run");

    /* A newer offsim's database: refused by writers and readers alike. */
    diag_init(&d);
    CHECK_EQ_I64(results_open(newer, &r, &d), 0);
    results_close(r);
    CHECK_EQ_I64(sql(newer, "PRAGMA user_version=99"), SQLITE_OK);
    refused_unchanged(newer, 0, "written by a newer offsim (results schema 99); this offsim "
                                "reads schemas 2 to 3");
    refused_unchanged(newer, 1, "written by a newer offsim (results schema 99)");

    /* Not a database at all: SQLite's own reason. */
    refused_unchanged(text, 0, "file is not a database");
    refused_unchanged(text, 1, "file is not a database");
}

static void a_merge_copies_all_or_nothing(void)
{
    const char *a = path_in_tmp("ma.db"), *b = path_in_tmp("mb.db"), *out = path_in_tmp("mo.db");
    const char *bad = path_in_tmp("mbad.db");
    const char *ins[3];
    results_merge_stats st[3];
    results *r;
    sim_diag d;
    int64_t id;
    char *page;
    FILE *f;

    diag_init(&d);
    for (int i = 0; i < 2; i++) {
        results_run_info ri = info;
        ri.identity = i ? "run-b" : "run-a";
        CHECK_EQ_I64(results_open(i ? b : a, &r, &d), 0);
        CHECK_EQ_I64(results_run_begin(r, &ri, &id, &d), 0);
        CHECK_EQ_I64(results_scalar(r, id, RESULTS_NIC_PEAK, 3 + i), 0);
        CHECK_EQ_I64(results_run_end(r, id, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), 0);
        CHECK_EQ_I64(results_run_begin(r, &ri, &id, &d), 0); /* left running: not copied */
        results_close(r);
    }
    /* A corrupt input: its pages after the first (the header and the schema)
     * overwritten. */
    CHECK_EQ_I64(sql(bad, "CREATE TABLE x(a); PRAGMA user_version=1;"), SQLITE_OK);
    {
        results *rb;
        CHECK_EQ_I64(results_open(bad, &rb, &d), SIM_EINVAL); /* foreign: refused */
    }
    CHECK_EQ_I64(sql(bad, "DROP TABLE x; PRAGMA user_version=0"), SQLITE_OK);
    CHECK_EQ_I64(results_open(bad, &r, &d), 0);
    for (int i = 0; i < 50; i++) {
        CHECK_EQ_I64(results_run_begin(r, &info, &id, &d), 0);
        for (int k = 0; k < 40; k++)
            results_event(r, id, k, (uint32_t)k, "state", "A LONG DETAIL TO FILL PAGES", NULL);
        CHECK_EQ_I64(results_run_end(r, id, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), 0);
    }
    results_close(r);
    page = malloc(4096);
    memset(page, 0x5a, 4096);
    f = fopen(bad, "r+b");
    for (int p = 1; p < 20; p++) {
        fseek(f, 4096L * p, SEEK_SET);
        fwrite(page, 1, 4096, f);
    }
    fclose(f);
    free(page);

    ins[0] = a;
    ins[1] = bad;
    ins[2] = b;
    diag_init(&d);
    CHECK_EQ_I64(results_open(out, &r, &d), 0);
    CHECK_EQ_I64(results_merge(r, ins, 3, st, &d), SIM_EDB);
    CHECK(d.n > 0);
    if (d.n > 0) {
        CHECK_CONTAINS(d.msg[0], "mbad.db: database disk image is malformed");
    }
    CHECK_EQ_STR(query(out, "SELECT COUNT(*) FROM run"), "0");
    /* Without it: both, once; again: nothing new. */
    ins[1] = b;
    diag_init(&d);
    CHECK_EQ_I64(results_merge(r, ins, 2, st, &d), 0);
    CHECK_EQ_I64((int64_t)st[0].copied, 1);
    CHECK_EQ_I64((int64_t)st[0].incomplete, 1);
    CHECK_EQ_I64((int64_t)st[1].copied, 1);
    CHECK_EQ_I64(results_merge(r, ins, 2, st, &d), 0);
    CHECK_EQ_I64((int64_t)(st[0].copied + st[1].copied), 0);
    CHECK_EQ_I64((int64_t)st[1].present, 1);
    results_close(r);
    CHECK_EQ_STR(query(out, "SELECT group_concat(r.identity || '=' || s.value) FROM run r "
                            "JOIN scalar s ON s.run_id = r.id"),
                 "run-a=3.0,run-b=4.0");
    CHECK_EQ_STR(query(out, "SELECT COUNT(DISTINCT writer_token) FROM run"), "1");
}

/* A database with one complete run of info's identity, scenario sha256 and
 * n events. */
static void one_run(const char *path, const char *identity, const char *sha, int n)
{
    results_run_info ri = info;
    results *r;
    sim_diag d;
    int64_t id;

    ri.identity = identity;
    ri.scenario_sha256 = sha;
    diag_init(&d);
    CHECK_EQ_I64(results_open(path, &r, &d), 0);
    CHECK_EQ_I64(results_run_begin(r, &ri, &id, &d), 0);
    for (int k = 0; k < n; k++)
        results_event(r, id, k, (uint32_t)k, "state", "A LONG DETAIL TO FILL PAGES", NULL);
    CHECK_EQ_I64(results_run_end(r, id, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), 0);
    results_close(r);
}

/*
 * Before a merge: an input of another schema, runs of another scenario (in
 * an input or in OUT) and a truncated input are refused, each by name, and
 * the first two are taken when asked for.
 */
static void a_merge_checks_schemas_scenarios_and_whole_files(void)
{
    const char *a = path_in_tmp("ca.db"), *b = path_in_tmp("cb.db"), *v2 = path_in_tmp("cv2.db");
    const char *other = path_in_tmp("cother.db"), *cut = path_in_tmp("ccut.db");
    const char *out = path_in_tmp("cout.db");
    results_merge_opts none = {0, 0}, any_schema = {0, 1}, any_scenario = {1, 0};
    const char *ins[2];
    results_merge_stats st[2];
    results *r;
    sim_diag d;
    FILE *f;
    long size;

    one_run(a, "run-a", "abc", 0);
    one_run(b, "run-b", "abc", 0);
    one_run(other, "run-o", "def", 0);
    one_run(cut, "run-c", "abc", 2000);
    CHECK_EQ_I64(sql(v2, v2_schema), SQLITE_OK); /* scenario_sha256 'abc' too */

    ins[0] = a;
    ins[1] = b;
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, ins, 2, &none, &d), 0);
    CHECK_EQ_I64(access(out, F_OK), -1); /* nothing created */

    ins[1] = v2;
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, ins, 2, &none, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "cv2.db: results schema 2, written by another offsim than this one "
                             "(schema 3)");
    CHECK_CONTAINS(d.msg[0], "--any-schema merges them anyway; nothing was merged");
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, ins, 2, &any_schema, &d), 0);
    /* ... and merged, migrated as it is copied. */
    CHECK_EQ_I64(results_open(out, &r, &d), 0);
    CHECK_EQ_I64(results_merge(r, ins, 2, st, &d), 0);
    results_close(r);
    CHECK_EQ_STR(query(out, "SELECT group_concat(identity || ' ' || host, ',') FROM "
                            "(SELECT * FROM run ORDER BY identity)"),
                 "run-a host-a,v2-run host-b");
    CHECK_EQ_STR(query(v2, "PRAGMA user_version"), "2");

    ins[1] = other;
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, ins, 2, &none, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "the databases hold runs of 2 different scenarios: ");
    CHECK_CONTAINS(d.msg[0], "cother.db holds runs of x.ini (scenario_sha256 def...)");
    CHECK_CONTAINS(d.msg[0], "--any-scenario merges them anyway; nothing was merged");
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, ins, 2, &any_scenario, &d), 0);
    /* OUT's own runs count: of scenario 'abc' here. */
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, &other, 1, &none, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "cout.db holds runs of x.ini (scenario_sha256 abc...)");

    /* Truncated (its last page, then half of it): refused, with what SQLite
     * found. */
    f = fopen(cut, "r+b");
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fclose(f);
    CHECK(size > 8 * 4096);
    ins[1] = cut;
    CHECK_EQ_I64(truncate(cut, size - 4096), 0);
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, ins, 2, &any_scenario, &d), SIM_EDB);
    CHECK_CONTAINS(d.msg[0], "ccut.db: database disk image is malformed");
    CHECK_EQ_I64(truncate(cut, size / 2), 0);
    diag_init(&d);
    CHECK_EQ_I64(results_merge_check(out, ins, 2, &any_scenario, &d), SIM_EDB);
    CHECK_CONTAINS(d.msg[0], "ccut.db: database disk image is malformed");
}

/* ---- streams ------------------------------------------------------------ */

/* A stream's sink for the tests: every buffer kept, in order. */
typedef struct kept {
    unsigned char *v[64];
    size_t len[64];
    size_t n;
    int fail; /* fail from now on */
} kept;

static int keep(void *arg, const void *buf, size_t len)
{
    kept *k = arg;

    if (k->fail || k->n == 64) {
        errno = EPIPE;
        return -1;
    }
    k->v[k->n] = malloc(len);
    memcpy(k->v[k->n], buf, len);
    k->len[k->n++] = len;
    return 0;
}

static void kept_free(kept *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i]);
    k->n = 0;
}

/* The rows of one run, whatever the results it goes to: every kind of row,
 * NULLs and NaNs included, enough of them for several buffers. */
static int write_rows(results *r, int64_t run)
{
    int rc = 0;
    int64_t v = -7;

    rc |= results_param(r, run, "nic.capacity", "10", &(double){10}, 0);
    rc |= results_param(r, run, "sim.log", "events", NULL, 1);
    for (uint32_t i = 1; i <= 4000; i++) {
        results_conn_row c = {i,     "web",  (sim_time)i * 1000, (sim_time)i * 1000 + 5,
                              SIM_NEVER, 17, SIM_NEVER, (sim_time)i << 33, 3,
                              "peer_fin", "host", i % 7, "clean", SIM_NEVER, 12};

        rc |= results_conn(r, run, &c);
        rc |= results_event(r, run, (sim_time)i, i, "state", i % 2 ? "A -> B" : NULL,
                            i % 3 ? &v : NULL);
        if (i % 1000 == 0)
            rc |= results_commit(r);
    }
    rc |= results_occupancy(r, run, 0, 1, 2, 3, 4);
    rc |= results_scalar(r, run, RESULTS_NIC_PEAK, 3.25);
    rc |= results_scalar(r, run, RESULTS_CLOSE_P99_S, NAN);
    rc |= results_class_scalar(r, run, "web", RESULTS_CLOSE_N, 1e300);
    return rc;
}

/* Rows in one database not in the other (both ways), every table, run ids aside. */
static int differences(const char *a, const char *b)
{
    static const char *const tables[][2] = {
        {"run_param", "key, value, num, varied"},
        {"conn", "conn_id, peer, t_open, t_close, t_fin_wait_1, t_fin_wait_2, t_time_wait, "
                 "t_closed, t_released, close_reason, owner_at_close, handoffs, peer_outcome, "
                 "t_peer_closed, t_established"},
        {"event", "t, conn_id, kind, detail, value"},
        {"occupancy", "t, nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait"},
        {"scalar", "name, quote(value)"},
        {"run", "status, wall_s, sim_end_ns, events, fingerprint"},
    };
    sqlite3 *db;
    int n = 0;

    if (sqlite3_open_v2(a, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    char *att = sqlite3_mprintf("ATTACH %Q AS o", b);
    if (sqlite3_exec(db, att, NULL, NULL, NULL) != SQLITE_OK)
        n = -1;
    sqlite3_free(att);
    for (size_t t = 0; t < sizeof tables / sizeof *tables && n >= 0; t++) {
        char *q = sqlite3_mprintf(
            "SELECT (SELECT COUNT(*) FROM (SELECT %s FROM main.%s EXCEPT SELECT %s FROM o.%s))"
            " + (SELECT COUNT(*) FROM (SELECT %s FROM o.%s EXCEPT SELECT %s FROM main.%s))"
            " + abs((SELECT COUNT(*) FROM main.%s) - (SELECT COUNT(*) FROM o.%s))",
            tables[t][1], tables[t][0], tables[t][1], tables[t][0], tables[t][1], tables[t][0],
            tables[t][1], tables[t][0], tables[t][0], tables[t][0]);
        sqlite3_stmt *st;

        if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            n += sqlite3_column_int(st, 0);
        else
            n = -1;
        sqlite3_finalize(st);
        sqlite3_free(q);
    }
    sqlite3_close(db);
    return n;
}

/*
 * The same calls on a database, and on a stream whose buffers another
 * process writes with results_apply(), give the same rows; the run is
 * complete only in the transaction of its last buffer (rule 1).
 */
static void a_stream_writes_what_its_writer_would(void)
{
    const char *direct = path_in_tmp("sd.db"), *via = path_in_tmp("sv.db");
    results *r, *s;
    results_applied ap = {0};
    results_claim c;
    kept k = {0};
    sim_diag d;
    int64_t run;

    diag_init(&d);
    CHECK_EQ_I64(results_open(direct, &r, &d), 0);
    CHECK_EQ_I64(results_run_begin(r, &info, &run, &d), 0);
    CHECK_EQ_I64(write_rows(r, run), 0);
    CHECK_EQ_I64(results_run_end(r, run, RESULTS_COMPLETE, 1.5, 99, 12345, "00ff00ff00ff00ff", &d),
                 0);
    results_close(r);

    CHECK_EQ_I64(results_open_stream(keep, &k, &s), 0);
    CHECK_EQ_I64(write_rows(s, 0), 0);
    CHECK_EQ_I64(results_heartbeat(s, 0), 0);
    CHECK_EQ_I64(results_run_end(s, 0, RESULTS_COMPLETE, 1.5, 99, 12345, "00ff00ff00ff00ff", &d),
                 0);
    results_close(s);
    CHECK(k.n >= 3); /* several buffers of RESULTS_STREAM_CHUNK */

    CHECK_EQ_I64(results_open(via, &r, &d), 0);
    CHECK_EQ_I64(results_run_claim(r, &info, &c, &d), 0);
    for (size_t i = 0; i < k.n; i++) {
        CHECK_EQ_I64(results_apply(r, c.run_id, k.v[i], k.len[i], &ap, &d), 0);
        CHECK_EQ_I64(ap.ended, i + 1 == k.n);
        if (i + 1 < k.n) {
            CHECK_EQ_I64(results_commit(r), 0);
            CHECK_EQ_STR(query(via, "SELECT status FROM run"), "running");
        }
    }
    CHECK_EQ_I64(ap.status, RESULTS_COMPLETE);
    CHECK_EQ_I64((int64_t)ap.rows, 2 + 8000 + 1 + 3);
    CHECK_EQ_STR(query(via, "SELECT status FROM run"), "complete");
    CHECK_EQ_I64(differences(direct, via), 0);
    CHECK_EQ_STR(query(via, "SELECT quote(value) FROM scalar WHERE name = 'close_p99_s'"), "NULL");

    /* Damaged buffers are refused, and nothing follows an end. */
    CHECK_EQ_I64(results_run_claim(r, &twin, &c, &d), 0);
    memset(&ap, 0, sizeof ap);
    diag_init(&d);
    CHECK_EQ_I64(results_apply(r, c.run_id, k.v[0], k.len[0] - 3, &ap, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "a malformed row stream");
    diag_init(&d);
    CHECK_EQ_I64(results_apply(r, c.run_id, "X", 1, &ap, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "an unknown record");
    diag_init(&d);
    memset(&ap, 0, sizeof ap);
    CHECK_EQ_I64(results_apply(r, c.run_id, k.v[k.n - 1], k.len[k.n - 1], &ap, &d), 0);
    CHECK_EQ_I64(results_apply(r, c.run_id, k.v[0], k.len[0], &ap, &d), SIM_EINVAL);
    CHECK_CONTAINS(d.msg[0], "a record after the run's end");
    results_close(r);
    kept_free(&k);

    /* A sink that fails fails the run: it cannot end complete. */
    CHECK_EQ_I64(results_open_stream(keep, &k, &s), 0);
    k.fail = 1;
    diag_init(&d);
    CHECK_EQ_I64(write_rows(s, 0) != 0, 1);
    CHECK_EQ_I64(results_run_end(s, 0, RESULTS_COMPLETE, 0, 0, 0, NULL, &d), SIM_EDB);
    CHECK_CONTAINS(results_errmsg(s), "sending the rows to the process that writes them");
    results_close(s);
    kept_free(&k);
}

static void cleanup(void)
{
    static const char *const names[] = {"a", "b", "text", "v9", "claim", "twin", "v1", "v2", "v2r",
                                        "foreign", "newer", "ma", "mb", "mo", "mbad", "sd", "sv",
                                        "ca", "cb", "cv2", "cother", "ccut", "cout"};
    static const char *const sides[] = {".db", ".db-wal", ".db-shm", ".db-journal"};
    char name[64];

    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (size_t k = 0; k < sizeof sides / sizeof *sides; k++) {
            snprintf(name, sizeof name, "%s%s", names[i], sides[k]);
            unlink(path_in_tmp(name));
        }
    CHECK_EQ_I64(rmdir(g_dir), 0);
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
    CHECK_TEST(a_writer_is_alive_until_it_dies),
    CHECK_TEST(claims_never_take_a_live_run_and_never_reuse_an_id),
    CHECK_TEST(a_claimed_run_with_a_complete_twin_is_dropped),
    CHECK_TEST(a_schema_2_database_is_migrated_and_read),
    CHECK_TEST(another_programs_database_is_never_changed),
    CHECK_TEST(a_merge_copies_all_or_nothing),
    CHECK_TEST(a_merge_checks_schemas_scenarios_and_whole_files),
    CHECK_TEST(a_stream_writes_what_its_writer_would),
    CHECK_TEST(cleanup),
};
CHECK_MAIN(tests)
