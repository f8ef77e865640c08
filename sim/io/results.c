/*
 * results.c - the SQLite results store (see results.h).
 *
 * Writing.  Rows go through prepared statements inside transactions of many
 * rows (the driver commits between batches of events, and at least every
 * RESULTS_BATCH rows): a transaction per row would cost a journal sync each
 * (SQLite FAQ 19), a thousand times slower, and one transaction per run
 * would keep parallel workers waiting for the whole run.  The run row is
 * committed on its own before any data, and becomes 'complete' in the same
 * transaction as its last rows, so a run that crashes or is killed is seen
 * as 'running' (and a sweep redoes it), never as half a complete run.
 *
 * Schema changes bump RESULTS_SCHEMA_VERSION; a database written with
 * another version is refused rather than mixed.
 */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "io/stats.h"

const char *const results_status_name[RESULTS_STATUS_N] = {
#define X(id, name) [RESULTS_##id] = name,
    RESULTS_STATUS_MAP(X)
#undef X
};

const char *const results_scalar_name[RESULTS_SCALAR_N] = {
#define X(id, name) [RESULTS_##id] = name,
    RESULTS_SCALAR_MAP(X)
#undef X
};

const double results_quantile_p[RESULTS_NQ] = {
    [RESULTS_P50] = 0.5, [RESULTS_P90] = 0.9, [RESULTS_P99] = 0.99, [RESULTS_PMAX] = 1.0};
const char *const results_quantile_label[RESULTS_NQ] = {
    [RESULTS_P50] = "p50", [RESULTS_P90] = "p90", [RESULTS_P99] = "p99", [RESULTS_PMAX] = "max"};

static const results_scalar_id quantile_scalars[RESULTS_NQ][2] = {
    [RESULTS_P50] = {RESULTS_CLOSE_P50_S, RESULTS_CLOSE_P50_NOT_REACHED},
    [RESULTS_P90] = {RESULTS_CLOSE_P90_S, RESULTS_CLOSE_P90_NOT_REACHED},
    [RESULTS_P99] = {RESULTS_CLOSE_P99_S, RESULTS_CLOSE_P99_NOT_REACHED},
    [RESULTS_PMAX] = {RESULTS_CLOSE_MAX_S, RESULTS_CLOSE_MAX_NOT_REACHED},
};

results_scalar_id results_quantile_scalar(int k)
{
    SIM_ASSERT(k >= 0 && k < RESULTS_NQ, "percentile %d", k);
    return quantile_scalars[k][0];
}

results_scalar_id results_quantile_mark(int k)
{
    SIM_ASSERT(k >= 0 && k < RESULTS_NQ, "percentile %d", k);
    return quantile_scalars[k][1];
}

/*
 * The schema, a format for schema_text(): the first %s is the list of run
 * statuses, the others the scalars run_summary shows, in the order of
 * summary_scalars[].
 */
static const results_scalar_id summary_scalars[] = {
    RESULTS_CLOSE_P50_S,      RESULTS_CLOSE_P50_NOT_REACHED, RESULTS_CLOSE_P99_S,
    RESULTS_CLOSE_P99_NOT_REACHED, RESULTS_NIC_FW2_EXPIRIES, RESULTS_NIC_MEAN};
static const char schema_format[] =
    "CREATE TABLE IF NOT EXISTS run(\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  identity TEXT NOT NULL,\n"
    "  scenario TEXT NOT NULL,\n"
    "  scenario_sha256 TEXT NOT NULL,\n"
    "  engine TEXT NOT NULL,\n"
    "  seed INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL CHECK(status IN (%s)),\n"
    "  started TEXT NOT NULL,\n"
    "  wall_s REAL,\n"
    "  sim_end_ns INTEGER,\n"
    "  events INTEGER,\n"
    "  fingerprint TEXT,\n"
    "  scenario_text TEXT,\n"
    "  offsim_version TEXT,\n"
    "  command_line TEXT,\n"
    "  host TEXT,\n"
    "  build TEXT);\n"
    "CREATE INDEX IF NOT EXISTS run_identity ON run(identity);\n"
    "CREATE TABLE IF NOT EXISTS run_param(\n"
    "  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,\n"
    "  key TEXT NOT NULL,\n"
    "  value TEXT NOT NULL,\n"
    "  num REAL,\n"
    "  varied INTEGER NOT NULL DEFAULT 0,\n"
    "  PRIMARY KEY(run_id, key));\n"
    "CREATE TABLE IF NOT EXISTS conn(\n"
    "  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,\n"
    "  conn_id INTEGER NOT NULL,\n"
    "  peer TEXT NOT NULL,\n"
    "  t_open INTEGER, t_close INTEGER, t_fin_wait_1 INTEGER, t_fin_wait_2 INTEGER,\n"
    "  t_time_wait INTEGER, t_closed INTEGER, t_released INTEGER,\n"
    "  close_reason TEXT NOT NULL,\n"
    "  owner_at_close TEXT NOT NULL,\n"
    "  handoffs INTEGER NOT NULL,\n"
    "  peer_outcome TEXT NOT NULL,\n"
    "  t_peer_closed INTEGER,\n"
    "  t_established INTEGER,\n"
    "  PRIMARY KEY(run_id, conn_id));\n"
    "CREATE TABLE IF NOT EXISTS event(\n"
    "  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,\n"
    "  t INTEGER NOT NULL,\n"
    "  conn_id INTEGER,\n"
    "  kind TEXT NOT NULL,\n"
    "  detail TEXT,\n"
    "  value INTEGER);\n"
    "CREATE INDEX IF NOT EXISTS event_run_kind ON event(run_id, kind);\n"
    "CREATE TABLE IF NOT EXISTS occupancy(\n"
    "  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,\n"
    "  t INTEGER NOT NULL,\n"
    "  nic_total INTEGER NOT NULL,\n"
    "  nic_fin_wait_2 INTEGER NOT NULL,\n"
    "  host_fin_wait_2 INTEGER NOT NULL,\n"
    "  time_wait INTEGER NOT NULL,\n"
    "  PRIMARY KEY(run_id, t));\n"
    "CREATE TABLE IF NOT EXISTS scalar(\n"
    "  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,\n"
    "  name TEXT NOT NULL,\n"
    "  value REAL,\n"
    "  PRIMARY KEY(run_id, name));\n"
    /* close_s: from the local close to TIME_WAIT or CLOSED; censored rows
     * (still open at the end) count until the end of the run: right-censored
     * survival data (close_s, censored), the Kaplan-Meier estimate's input.
     * in_summary: opened at or after sim.warmup, as the run's estimate. */
    "CREATE VIEW IF NOT EXISTS close_latency AS\n"
    "  SELECT c.run_id, c.conn_id, c.peer,\n"
    "    (COALESCE(c.t_time_wait, c.t_closed, r.sim_end_ns) - c.t_close) / " RESULTS_SQL_S " AS close_s,\n"
    "    (COALESCE(c.t_released, r.sim_end_ns) - c.t_close) / " RESULTS_SQL_S " AS release_s,\n"
    "    (c.t_time_wait IS NULL AND c.t_closed IS NULL) AS censored,\n"
    "    (c.t_released IS NULL) AS release_censored,\n"
    "    c.close_reason,\n"
    "    (c.t_open >= COALESCE((SELECT num * " RESULTS_SQL_S " FROM run_param p\n"
    "       WHERE p.run_id = c.run_id AND p.key = 'sim.warmup'), 0)) AS in_summary\n"
    "  FROM conn c JOIN run r ON r.id = c.run_id\n"
    "  WHERE c.t_close IS NOT NULL;\n"
    /* The point of a sweep a run belongs to: its varied keys, 'k=v' joined. */
    "CREATE VIEW IF NOT EXISTS run_point AS\n"
    "  SELECT r.id AS run_id, r.seed,\n"
    "    COALESCE((SELECT group_concat(key || '=' || value, ' ') FROM\n"
    "      (SELECT key, value FROM run_param p WHERE p.run_id = r.id AND p.varied = 1\n"
    "       ORDER BY key)), '') AS point\n"
    "  FROM run r;\n"
    /* Per run, over the connections opened after sim.warmup, as the summary.
     * No mean of close_s: with censored connections it is only a bound. */
    "CREATE VIEW IF NOT EXISTS run_summary AS\n"
    "  WITH l AS (SELECT * FROM close_latency WHERE in_summary)\n"
    "  SELECT r.id AS run_id, r.scenario, r.seed, rp.point, r.status,\n"
    "    (SELECT COUNT(*) FROM conn c WHERE c.run_id = r.id) AS connections,\n"
    "    (SELECT COUNT(*) FROM l WHERE l.run_id = r.id) AS summarised,\n"
    "    (SELECT AVG(l.censored) FROM l WHERE l.run_id = r.id) AS censored_share,\n"
    "    (SELECT MAX(l.close_s) FROM l WHERE l.run_id = r.id) AS max_close_s,\n"
    "    (SELECT value FROM scalar s WHERE s.run_id = r.id AND s.name = '%s')\n"
    "      AS p50_close_s,\n"
    "    (SELECT value FROM scalar s WHERE s.run_id = r.id AND s.name = '%s')\n"
    "      AS p50_not_reached,\n"
    "    (SELECT value FROM scalar s WHERE s.run_id = r.id AND s.name = '%s')\n"
    "      AS p99_close_s,\n"
    "    (SELECT value FROM scalar s WHERE s.run_id = r.id AND s.name = '%s')\n"
    "      AS p99_not_reached,\n"
    "    (SELECT value FROM scalar s WHERE s.run_id = r.id AND s.name = '%s')\n"
    "      AS nic_fw2_expiries,\n"
    "    (SELECT value FROM scalar s WHERE s.run_id = r.id AND s.name = '%s')\n"
    "      AS nic_mean,\n"
    "    r.sim_end_ns / " RESULTS_SQL_S " AS sim_end_s, r.events, r.wall_s\n"
    "  FROM run r JOIN run_point rp ON rp.run_id = r.id;\n"
    /* NIC occupancy over time, in seconds. */
    "CREATE VIEW IF NOT EXISTS nic_occupancy AS\n"
    "  SELECT run_id, t / " RESULTS_SQL_S " AS t_s, nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait\n"
    "  FROM occupancy;\n";

/* The schema's text, from schema_format and the name tables; NULL when out
 * of memory.  Free it with sqlite3_free(). */
static char *schema_text(void)
{
    sqlite3_str *statuses = sqlite3_str_new(NULL);
    char *list, *sql;

    for (int i = 0; i < RESULTS_STATUS_N; i++)
        sqlite3_str_appendf(statuses, "%s'%s'", i ? "," : "", results_status_name[i]);
    list = sqlite3_str_finish(statuses);
    if (list == NULL)
        return NULL;
    sql = sqlite3_mprintf(schema_format, list, results_scalar_name[summary_scalars[0]],
                          results_scalar_name[summary_scalars[1]],
                          results_scalar_name[summary_scalars[2]],
                          results_scalar_name[summary_scalars[3]],
                          results_scalar_name[summary_scalars[4]],
                          results_scalar_name[summary_scalars[5]]);
    sqlite3_free(list);
    return sql;
}

enum { ST_PARAM, ST_CONN, ST_EVENT, ST_OCC, ST_SCALAR, ST_N };

static const char *const insert_sql[ST_N] = {
    [ST_PARAM] = "INSERT OR REPLACE INTO run_param(run_id,key,value,num,varied) VALUES(?,?,?,?,?)",
    [ST_CONN] = ("INSERT OR REPLACE INTO conn(run_id,conn_id,peer,t_open,t_close,t_fin_wait_1,"
                 "t_fin_wait_2,t_time_wait,t_closed,t_released,close_reason,owner_at_close,"
                 "handoffs,peer_outcome,t_peer_closed,t_established) "
                 "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
    [ST_EVENT] = "INSERT INTO event(run_id,t,conn_id,kind,detail,value) VALUES(?,?,?,?,?,?)",
    [ST_OCC] = ("INSERT OR REPLACE INTO occupancy(run_id,t,nic_total,nic_fin_wait_2,"
                "host_fin_wait_2,time_wait) VALUES(?,?,?,?,?,?)"),
    [ST_SCALAR] = "INSERT OR REPLACE INTO scalar(run_id,name,value) VALUES(?,?,?)",
};

struct results {
    sqlite3 *db;
    sqlite3_stmt *st[ST_N];
    int in_txn;
    uint64_t pending; /* rows since the last commit */
    int failed;       /* a row failed: the run cannot end complete */
};

const char *results_sqlite_version(void)
{
    return sqlite3_libversion();
}

const char *results_errmsg(const results *r)
{
    return r && r->db ? sqlite3_errmsg(r->db) : "out of memory";
}

static int exec(results *r, const char *sql)
{
    return sqlite3_exec(r->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SIM_OK : SIM_EDB;
}

/*
 * The name to give SQLite for a file path: SQLite reads a name that starts
 * with "file:" as a URI (Debian builds it with SQLITE_USE_URI), so such a
 * relative path becomes "./file:...", which it reads as a plain file name.
 * Free with sqlite3_free().
 */
static char *plain_name(const char *path)
{
    return sqlite3_mprintf(sqlite3_strnicmp(path, "file:", 5) == 0 ? "./%s" : "%s", path);
}

/*
 * The authorizer of a reader: SELECTs, and writes to the connection's own
 * temporary tables (plots stage their series there), nothing else: no
 * change to the database, no ATTACH, no PRAGMA that sets anything but
 * temp_store.
 */
static int reader_auth(void *arg, int action, const char *a1, const char *a2, const char *db,
                       const char *trigger)
{
    (void)arg;
    (void)a1;
    (void)trigger;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_FUNCTION:
    case SQLITE_RECURSIVE:
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_DROP_TEMP_TABLE:
    case SQLITE_DROP_TEMP_INDEX:
        return SQLITE_OK;
    case SQLITE_INSERT:
    case SQLITE_UPDATE:
    case SQLITE_DELETE:
        return db != NULL && strcmp(db, "temp") == 0 ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_ALTER_TABLE: /* its first argument is the database */
        return strcmp(a1, "temp") == 0 ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_PRAGMA:
        return a2 == NULL || sqlite3_stricmp(a1, "temp_store") == 0 ? SQLITE_OK : SQLITE_DENY;
    default:
        return SQLITE_DENY;
    }
}

/* The refusal of a database of another schema: what changed, what to do. */
static void refuse_version(sim_diag *d, const char *path, int version, const char *what)
{
    if (version == 0)
        diag_add(d, "%s: not an offsim results database (it has no offsim schema)", path);
    else if (version < RESULTS_SCHEMA_VERSION)
        diag_add(d,
                 "%s: written by an older offsim (results schema %d); this offsim %s schema %d "
                 "only (schema 2: Kaplan-Meier percentiles, close_pNN_not_reached instead of "
                 "close_pNN_lower_bound, the measurement window, provenance); rerun the runs "
                 "into a new database, or use the offsim that wrote it",
                 path, version, what, RESULTS_SCHEMA_VERSION);
    else
        diag_add(d,
                 "%s: written by a newer offsim (results schema %d); this offsim %s schema %d "
                 "only",
                 path, version, what, RESULTS_SCHEMA_VERSION);
}

/* PRAGMA user_version, or -1. */
static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int version = -1;

    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return version;
}

int results_open_reader(const char *path, sqlite3 **db, sim_diag *d)
{
    int version;

    char *name = plain_name(path);
    int rc;

    *db = NULL;
    if (name == NULL) {
        diag_add(d, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    if (access(path, R_OK) != 0) {
        diag_add(d, "cannot read %s: %s", path, strerror(errno));
        sqlite3_free(name);
        return SIM_EDB;
    }
    rc = sqlite3_open_v2(name, db, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_free(name);
    if (rc == SQLITE_OK)
        rc = sqlite3_set_authorizer(*db, reader_auth, NULL);
    if (rc != SQLITE_OK) {
        diag_add(d, "cannot open %s: %s", path, *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return SIM_EDB;
    }
    sqlite3_busy_timeout(*db, 60000);
    if ((version = user_version(*db)) != RESULTS_SCHEMA_VERSION) {
        if (version < 0)
            diag_add(d, "cannot read %s: %s", path, sqlite3_errmsg(*db));
        else
            refuse_version(d, path, version, "reads");
        sqlite3_close(*db);
        *db = NULL;
        return SIM_EDB;
    }
    return SIM_OK;
}

int results_open_read(const char *path, results **out, sim_diag *d)
{
    results *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (r == NULL) {
        diag_add(d, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    if ((rc = results_open_reader(path, &r->db, d)) != SIM_OK) {
        free(r);
        return rc;
    }
    *out = r;
    return SIM_OK;
}

void results_close(results *r)
{
    if (r == NULL)
        return;
    if (r->in_txn)
        exec(r, "COMMIT");
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(r->st[i]);
    sqlite3_close(r->db);
    free(r);
}

static int create_schema(results *r)
{
    char *sql = schema_text();
    int rc;

    if (sql == NULL)
        return SIM_ENOMEM;
    rc = exec(r, sql);
    sqlite3_free(sql);
    return rc;
}

int results_open(const char *path, results **out, sim_diag *d)
{
    results *r = calloc(1, sizeof *r);
    int version = -1, rc;

    *out = NULL;
    if (r == NULL) {
        diag_add(d, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    {
        char *name = plain_name(path);
        int rc = name ? sqlite3_open_v2(name, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                        NULL)
                      : SQLITE_NOMEM;

        sqlite3_free(name);
        if (rc != SQLITE_OK)
            goto fail;
    }
    sqlite3_busy_timeout(r->db, 60000);
    if ((version = user_version(r->db)) < 0)
        goto fail;
    if (version != 0 && version != RESULTS_SCHEMA_VERSION) {
        refuse_version(d, path, version, "writes");
        results_close(r);
        return SIM_EDB;
    }
    /* WAL lets readers and other writers (parallel sweeps) share the file. */
    if (exec(r, "PRAGMA journal_mode=WAL") != SIM_OK ||
        exec(r, "PRAGMA synchronous=NORMAL") != SIM_OK ||
        exec(r, "PRAGMA foreign_keys=ON") != SIM_OK || exec(r, "BEGIN IMMEDIATE") != SIM_OK)
        goto fail;
    if ((rc = create_schema(r)) != SIM_OK) {
        exec(r, "ROLLBACK");
        if (rc == SIM_ENOMEM) {
            diag_add(d, "%s: out of memory", path);
            results_close(r);
            return SIM_ENOMEM;
        }
        goto fail;
    }
    {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d", RESULTS_SCHEMA_VERSION);
        if (exec(r, sql) != SIM_OK || exec(r, "COMMIT") != SIM_OK) {
            exec(r, "ROLLBACK");
            goto fail;
        }
    }
    for (int i = 0; i < ST_N; i++)
        if (sqlite3_prepare_v2(r->db, insert_sql[i], -1, &r->st[i], NULL) != SQLITE_OK)
            goto fail;
    *out = r;
    return SIM_OK;

fail:
    diag_add(d, "%s: cannot use as a results database: %s", path, results_errmsg(r));
    results_close(r);
    return SIM_EDB;
}

int results_run_begin(results *r, const results_run_info *info, int64_t *run_id,
                      sim_diag *d)
{
    sqlite3_stmt *st = NULL;
    char started[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = sqlite3_prepare_v2(r->db,
                            "INSERT INTO run(identity,scenario,scenario_sha256,engine,seed,"
                            "status,started,scenario_text,offsim_version,command_line,host,"
                            "build) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, info->identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, info->scenario, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, info->scenario_sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, info->engine, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)info->seed);
        sqlite3_bind_text(st, 6, results_status_name[RESULTS_RUNNING], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, started, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 8, info->scenario_text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, OFFSIM_VERSION, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, info->command_line, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, info->host, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, info->build, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        diag_add(d, "cannot record the run: %s", results_errmsg(r));
        return SIM_EDB;
    }
    *run_id = sqlite3_last_insert_rowid(r->db);
    r->pending = 0;
    r->failed = 0;
    return SIM_OK;
}

/* Open the write transaction rows go into, if none is open. */
static int begin(results *r)
{
    if (r->in_txn)
        return SIM_OK;
    if (exec(r, "BEGIN IMMEDIATE") != SIM_OK) {
        r->failed = 1;
        return SIM_EDB;
    }
    r->in_txn = 1;
    r->pending = 0;
    return SIM_OK;
}

int results_commit(results *r)
{
    if (!r->in_txn)
        return SIM_OK;
    r->in_txn = 0;
    if (exec(r, "COMMIT") != SIM_OK) {
        exec(r, "ROLLBACK");
        r->failed = 1;
        return SIM_EDB;
    }
    return SIM_OK;
}

/* Step a bound insert inside the write transaction; commit every batch. */
static int step(results *r, sqlite3_stmt *st)
{
    int rc = begin(r);

    if (rc == SIM_OK)
        rc = sqlite3_step(st) == SQLITE_DONE ? SIM_OK : SIM_EDB;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SIM_OK) {
        r->failed = 1;
        return SIM_EDB;
    }
    if (++r->pending >= RESULTS_BATCH)
        return results_commit(r);
    return SIM_OK;
}

static void bind_time(sqlite3_stmt *st, int i, sim_time t)
{
    if (t == SIM_NEVER)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, t);
}

int results_param(results *r, int64_t run, const char *key, const char *value,
                  const double *num, int varied)
{
    sqlite3_stmt *st = r->st[ST_PARAM];

    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
    if (num)
        sqlite3_bind_double(st, 4, *num);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int(st, 5, varied != 0);
    return step(r, st);
}

int results_conn(results *r, int64_t run, const results_conn_row *c)
{
    sqlite3_stmt *st = r->st[ST_CONN];

    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, c->conn_id);
    sqlite3_bind_text(st, 3, c->peer, -1, SQLITE_STATIC);
    bind_time(st, 4, c->t_open);
    bind_time(st, 5, c->t_close);
    bind_time(st, 6, c->t_fin_wait_1);
    bind_time(st, 7, c->t_fin_wait_2);
    bind_time(st, 8, c->t_time_wait);
    bind_time(st, 9, c->t_closed);
    bind_time(st, 10, c->t_released);
    sqlite3_bind_text(st, 11, c->close_reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, c->owner_at_close, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 13, c->handoffs);
    sqlite3_bind_text(st, 14, c->peer_outcome, -1, SQLITE_STATIC);
    bind_time(st, 15, c->t_peer_closed);
    bind_time(st, 16, c->t_established);
    return step(r, st);
}

int results_event(results *r, int64_t run, sim_time t, uint32_t conn_id, const char *kind,
                  const char *detail, const int64_t *value)
{
    sqlite3_stmt *st = r->st[ST_EVENT];

    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, t);
    sqlite3_bind_int64(st, 3, conn_id);
    sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
    if (detail)
        sqlite3_bind_text(st, 5, detail, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 5);
    if (value)
        sqlite3_bind_int64(st, 6, *value);
    else
        sqlite3_bind_null(st, 6);
    return step(r, st);
}

int results_occupancy(results *r, int64_t run, sim_time t, int64_t nic_total,
                      int64_t nic_fin_wait_2, int64_t host_fin_wait_2, int64_t time_wait)
{
    sqlite3_stmt *st = r->st[ST_OCC];

    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, t);
    sqlite3_bind_int64(st, 3, nic_total);
    sqlite3_bind_int64(st, 4, nic_fin_wait_2);
    sqlite3_bind_int64(st, 5, host_fin_wait_2);
    sqlite3_bind_int64(st, 6, time_wait);
    return step(r, st);
}

static int scalar(results *r, int64_t run, const char *name, double value)
{
    sqlite3_stmt *st = r->st[ST_SCALAR];

    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    if (isnan(value))
        sqlite3_bind_null(st, 3);
    else
        sqlite3_bind_double(st, 3, value);
    return step(r, st);
}

int results_scalar(results *r, int64_t run, results_scalar_id id, double value)
{
    SIM_ASSERT(id >= 0 && id < RESULTS_SCALAR_N, "scalar id %d", (int)id);
    return scalar(r, run, results_scalar_name[id], value);
}

int results_class_scalar(results *r, int64_t run, const char *peer, results_scalar_id id,
                         double value)
{
    char *name;
    int rc;

    SIM_ASSERT(id >= 0 && id < RESULTS_SCALAR_N, "scalar id %d", (int)id);
    if ((name = sqlite3_mprintf("peer.%s.%s", peer, results_scalar_name[id])) == NULL) {
        r->failed = 1;
        return SIM_ENOMEM;
    }
    rc = scalar(r, run, name, value);
    sqlite3_free(name);
    return rc;
}

int results_run_end(results *r, int64_t run, results_status status, double wall_s,
                    sim_time sim_end, uint64_t events, const char *fingerprint, sim_diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc;

    SIM_ASSERT(status != RESULTS_RUNNING && status >= 0 && status < RESULTS_STATUS_N,
               "a run cannot end with status %d", (int)status);
    if (r->failed && status == RESULTS_COMPLETE)
        status = RESULTS_FAILED;
    begin(r);
    rc = sqlite3_prepare_v2(r->db,
                            "UPDATE run SET status=?, wall_s=?, sim_end_ns=?, events=?, "
                            "fingerprint=? WHERE id=?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, results_status_name[status], -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 2, wall_s);
        bind_time(st, 3, sim_end);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)events);
        if (fingerprint)
            sqlite3_bind_text(st, 5, fingerprint, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_int64(st, 6, run);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE || results_commit(r) != SIM_OK) {
        diag_add(d, "cannot record the run's end: %s", results_errmsg(r));
        r->in_txn = 0;
        exec(r, "ROLLBACK");
        return SIM_EDB;
    }
    return r->failed ? SIM_EDB : SIM_OK;
}

/* Columns copied by results_merge, for each table with a run_id. */
static const char *const merge_tables[][2] = {
    {"run_param", "key, value, num, varied"},
    {"conn", "conn_id, peer, t_open, t_close, t_fin_wait_1, t_fin_wait_2, t_time_wait, "
             "t_closed, t_released, close_reason, owner_at_close, handoffs, peer_outcome, "
             "t_peer_closed, t_established"},
    {"event", "t, conn_id, kind, detail, value"},
    {"occupancy", "t, nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait"},
    {"scalar", "name, value"},
};

static const char run_columns[] = "identity, scenario, scenario_sha256, engine, seed, status, "
                                  "started, wall_s, sim_end_ns, events, fingerprint, "
                                  "scenario_text, offsim_version, command_line, host, build";

int results_merge(results *r, const char *path, results_merge_stats *st, sim_diag *d)
{
    sqlite3_stmt *runs = NULL, *ver = NULL, *copy = NULL, *map = NULL;
    char sql[1024];
    int version = -1, rc = SQLITE_OK;

    memset(st, 0, sizeof *st);
    if (results_commit(r) != SIM_OK)
        goto fail;
    {
        /* Only read, and never created: an input that does not exist is an
         * error.  Attached by its plain name (not as a read-only URI, whose
         * connection could not remove a WAL database's -wal and -shm files
         * when it detaches). */
        char *name = plain_name(path);
        sqlite3_stmt *att = NULL;

        if (name == NULL) {
            diag_add(d, "%s: out of memory", path);
            return SIM_ENOMEM;
        }
        if (access(path, R_OK) != 0) {
            diag_add(d, "%s: cannot read: %s", path, strerror(errno));
            sqlite3_free(name);
            return SIM_EDB;
        }
        rc = sqlite3_prepare_v2(r->db, "ATTACH ?1 AS src", -1, &att, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(att, 1, name, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(att) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        }
        sqlite3_finalize(att);
        sqlite3_free(name);
        if (rc != SQLITE_OK) {
            diag_add(d, "%s: cannot open: %s", path, sqlite3_errmsg(r->db));
            return SIM_EDB;
        }
    }
    if (sqlite3_prepare_v2(r->db, "PRAGMA src.user_version", -1, &ver, NULL) == SQLITE_OK &&
        sqlite3_step(ver) == SQLITE_ROW)
        version = sqlite3_column_int(ver, 0);
    sqlite3_finalize(ver);
    if (version != RESULTS_SCHEMA_VERSION) {
        refuse_version(d, path, version, "merges");
        exec(r, "DETACH src");
        return SIM_EDB;
    }
    if (exec(r, "CREATE TEMP TABLE IF NOT EXISTS merge_map(old INTEGER PRIMARY KEY, new INTEGER);"
                "DELETE FROM temp.merge_map;") != SIM_OK ||
        exec(r, "BEGIN IMMEDIATE") != SIM_OK)
        goto fail;
    snprintf(sql, sizeof sql, "INSERT INTO main.run(%s) SELECT %s FROM src.run WHERE id = ?1",
             run_columns, run_columns);
    if (sqlite3_prepare_v2(r->db,
                           "SELECT id, status = ?1, EXISTS (SELECT 1 FROM main.run m "
                           "WHERE m.identity = s.identity AND m.status = ?1) "
                           "FROM src.run s ORDER BY id",
                           -1, &runs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, sql, -1, &copy, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "INSERT INTO temp.merge_map VALUES(?1, ?2)", -1, &map,
                           NULL) != SQLITE_OK)
        goto rollback;
    sqlite3_bind_text(runs, 1, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(runs)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(runs, 0);

        if (!sqlite3_column_int(runs, 1)) {
            st->incomplete++;
            continue;
        }
        if (sqlite3_column_int(runs, 2)) {
            st->present++;
            continue;
        }
        sqlite3_bind_int64(copy, 1, id);
        if (sqlite3_step(copy) != SQLITE_DONE)
            goto rollback;
        sqlite3_reset(copy);
        sqlite3_bind_int64(map, 1, id);
        sqlite3_bind_int64(map, 2, sqlite3_last_insert_rowid(r->db));
        if (sqlite3_step(map) != SQLITE_DONE)
            goto rollback;
        sqlite3_reset(map);
        st->copied++;
    }
    if (rc != SQLITE_DONE)
        goto rollback;
    for (size_t i = 0; i < sizeof merge_tables / sizeof *merge_tables; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO main.%s(run_id, %s) SELECT m.new, %s FROM src.%s t "
                 "JOIN temp.merge_map m ON m.old = t.run_id",
                 merge_tables[i][0], merge_tables[i][1], merge_tables[i][1], merge_tables[i][0]);
        if (exec(r, sql) != SIM_OK)
            goto rollback;
    }
    sqlite3_finalize(runs);
    sqlite3_finalize(copy);
    sqlite3_finalize(map);
    if (exec(r, "COMMIT") != SIM_OK)
        goto rollback_final;
    exec(r, "DETACH src");
    return SIM_OK;

rollback:
    sqlite3_finalize(runs);
    sqlite3_finalize(copy);
    sqlite3_finalize(map);
rollback_final:
    diag_add(d, "%s: merging failed: %s", path, sqlite3_errmsg(r->db));
    exec(r, "ROLLBACK");
    exec(r, "DETACH src");
    memset(st, 0, sizeof *st);
    return SIM_EDB;
fail:
    diag_add(d, "%s: %s", path, sqlite3_errmsg(r->db));
    return SIM_EDB;
}

int64_t results_find_complete(results *r, const char *identity)
{
    sqlite3_stmt *st = NULL;
    int64_t id = 0;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT id FROM run WHERE identity=? AND status=? "
                           "ORDER BY id LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return id;
}

int results_forget_incomplete(results *r, const char *identity)
{
    sqlite3_stmt *st = NULL;
    int rc, n;

    if (results_commit(r) != SIM_OK)
        return SIM_EDB;
    rc = sqlite3_prepare_v2(r->db, "DELETE FROM run WHERE identity=? AND status<>?", -1, &st,
                            NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return SIM_EDB;
    n = sqlite3_changes(r->db);
    return n;
}
