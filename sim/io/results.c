/*
 * results.c - the SQLite results store (see results.h).
 *
 * Writing.  Rows go through prepared statements inside transactions of many
 * rows: the driver writes the model's rows in bursts, a transaction each, at
 * least RESULTS_COMMIT_S apart unless many rows gathered, and a commit
 * happens at least every RESULTS_BATCH rows.  A transaction per row would cost a sync each (SQLite FAQ 19), a
 * thousand times slower; a commit writes out every page it changed, so
 * frequent ones write the last leaf of each table and index over and over;
 * and one transaction per run would keep parallel workers waiting for the
 * whole run.  The run row is committed on its own before any data, and
 * becomes 'complete' in the same transaction as its last rows, so a run
 * that crashes or is killed is seen as 'running' (and a sweep redoes it),
 * never as half a complete run.
 *
 * The file's settings (results_pragmas).  journal_mode = WAL: readers (a
 * plot, offsim summary) and writers (a sweep's workers) share the file, and
 * a commit appends to the log instead of writing pages twice.  synchronous
 * = NORMAL: no sync at a commit, the log and the database are synced at each
 * checkpoint; a killed process loses nothing committed (SQLite's writes are
 * in the operating system's hands), a power cut may lose the last commits
 * but never the file: the runs already in it survive, and a run caught
 * mid-way is 'running' and redone.  FULL would sync at every commit for a
 * durability a results file does not need (the run is redone), OFF could
 * leave a file a power cut corrupts, a week of runs with it.
 * wal_autocheckpoint stays at SQLite's 1000 pages: the log stays small for
 * readers, and a checkpoint's two syncs every 4 MB cost little beside the
 * writing itself.
 *
 * Owning.  A run 'running' belongs to its writer (writer.h), named in its
 * row.  A sweep claims a run (results_run_claim) in one write transaction
 * that looks for a complete run of the identity, then for a live writer of
 * one, and only then deletes the dead unfinished ones and inserts its own.
 * Run ids are AUTOINCREMENT and every row refers to its run by a foreign
 * key, so a writer whose run was removed (it was judged dead) can add no
 * row anywhere, and its end finds no run to complete.
 *
 * Opening.  A file is inspected in a read transaction before anything is
 * changed: only an empty database or one of offsim's (PRAGMA
 * application_id, or schema 2, which had none) is ever written, and a
 * refused file is left byte for byte as it was (no journal mode switched,
 * no table added).  Processes opening one new file at once (two sweeps
 * started together) each find it empty; convert() makes it in a write
 * transaction, so only the first creates the schema, and set_wal() waits
 * for the others' locks where SQLite's busy handler does not.
 *
 * Errors.  SQLite's own message is kept at the first failure (a rollback
 * afterwards would replace it with "not an error"); results_errmsg()
 * returns it.
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
#include "io/crashpoint.h"
#include "io/writer.h"
#include "rowstream.h"

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
 * The schema, formats for schema_text().  run_format: the table's name, then
 * the list of run statuses; schema_format: the other tables and the views,
 * its %s the scalars run_summary shows, in the order of summary_scalars[].
 * run.id is AUTOINCREMENT: an id is never given twice, even after its run
 * was deleted, so a writer that outlived its claim can never add rows to
 * another run.
 */
static const results_scalar_id summary_scalars[] = {
    RESULTS_CLOSE_P50_S,      RESULTS_CLOSE_P50_NOT_REACHED, RESULTS_CLOSE_P99_S,
    RESULTS_CLOSE_P99_NOT_REACHED, RESULTS_NIC_FW2_EXPIRIES, RESULTS_NIC_MEAN};
static const char run_format[] =
    "CREATE TABLE IF NOT EXISTS %s(\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
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
    "  build TEXT,\n"
    "  writer_pid INTEGER,\n"
    "  writer_token TEXT,\n"
    "  writer_beat INTEGER);\n";
static const char schema_format[] =
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

/* The run table under `table`, or the rest of the schema (table NULL); NULL
 * when out of memory.  Free it with sqlite3_free(). */
static char *schema_text(const char *table)
{
    sqlite3_str *statuses;
    char *list, *sql;

    if (table == NULL)
        return sqlite3_mprintf(schema_format, results_scalar_name[summary_scalars[0]],
                               results_scalar_name[summary_scalars[1]],
                               results_scalar_name[summary_scalars[2]],
                               results_scalar_name[summary_scalars[3]],
                               results_scalar_name[summary_scalars[4]],
                               results_scalar_name[summary_scalars[5]]);
    statuses = sqlite3_str_new(NULL);
    for (int i = 0; i < RESULTS_STATUS_N; i++)
        sqlite3_str_appendf(statuses, "%s'%s'", i ? "," : "", results_status_name[i]);
    list = sqlite3_str_finish(statuses);
    if (list == NULL)
        return NULL;
    sql = sqlite3_mprintf(run_format, table, list);
    sqlite3_free(list);
    return sql;
}

/* The tables of schemas 1 and 2, offsim's before it marked its files with
 * an application_id: a file with user_version 1 or 2 and all of them is
 * offsim's. */
static const char *const legacy_tables[] = {"conn", "event", "occupancy", "run", "run_param",
                                            "scalar"};

enum { ST_PARAM, ST_CONN, ST_EVENT, ST_OCC, ST_SCALAR, ST_N };

const char results_insert_conn_sql[] =
    "INSERT OR REPLACE INTO conn(run_id,conn_id,peer,t_open,t_close,t_fin_wait_1,"
    "t_fin_wait_2,t_time_wait,t_closed,t_released,close_reason,owner_at_close,"
    "handoffs,peer_outcome,t_peer_closed,t_established) "
    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
const char results_insert_event_sql[] =
    "INSERT INTO event(run_id,t,conn_id,kind,detail,value) VALUES(?,?,?,?,?,?)";

/*
 * A writer's settings (journal_mode=WAL is the file's; these are the
 * connection's).  WAL lets readers and other writers (parallel sweeps)
 * share the file; NORMAL syncs at checkpoints, not at every commit: a power
 * cut may lose the last transactions, never the database.
 */
const char results_pragmas[] = "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON";

static const char *const insert_sql[ST_N] = {
    [ST_PARAM] = "INSERT OR REPLACE INTO run_param(run_id,key,value,num,varied) VALUES(?,?,?,?,?)",
    [ST_CONN] = results_insert_conn_sql,
    [ST_EVENT] = results_insert_event_sql,
    [ST_OCC] = ("INSERT OR REPLACE INTO occupancy(run_id,t,nic_total,nic_fin_wait_2,"
                "host_fin_wait_2,time_wait) VALUES(?,?,?,?,?,?)"),
    [ST_SCALAR] = "INSERT OR REPLACE INTO scalar(run_id,name,value) VALUES(?,?,?)",
};

struct results {
    sqlite3 *db;          /* NULL for a stream */
    sqlite3_stmt *st[ST_N];
    uint64_t pending;     /* rows since the last commit */
    int failed;           /* a row failed: the run cannot end complete */
    char err[256];        /* SQLite's message at the first failure, or "" */
    writer_id self;       /* this process, as the writer of its runs */
    int claimed;          /* runs were claimed by identity (no twin may complete) */
    int64_t last_beat;    /* unix time of the last renewal of the lease */
    results_stream_fn *sink; /* a stream: where its rows go (results_open_stream) */
    void *sink_arg;
    rs_out out;           /* a stream's rows not yet handed to sink */
};

const char *results_sqlite_version(void)
{
    return sqlite3_libversion();
}

const char *results_errmsg(const results *r)
{
    if (r != NULL && r->sink != NULL)
        return r->err[0] ? r->err : "no error";
    if (r == NULL || r->db == NULL)
        return "out of memory";
    return r->err[0] ? r->err : sqlite3_errmsg(r->db);
}

/* How long a connection waits for another process's lock (SQLite's busy
 * handler, and set_wal()): a sweep's workers share the file, and a
 * checkpoint or a burst of rows holds it for moments, never for this long. */
#define BUSY_MS 60000

/* Keep SQLite's message for the failure that just happened (the first one
 * only); SIM_EDB. */
static int db_error(results *r)
{
    if (r->err[0] == '\0')
        snprintf(r->err, sizeof r->err, "%s", sqlite3_errmsg(r->db));
    return SIM_EDB;
}

/* The failure of sql that just happened: SQLite's message with its extended
 * error code and the statement (its first line), which tells a lock
 * conflict in opening the file from one in writing rows; SIM_EDB. */
static int exec_error(results *r, const char *sql)
{
    if (r->err[0] == '\0')
        snprintf(r->err, sizeof r->err, "%s (SQLite error %d, in: %.*s)", sqlite3_errmsg(r->db),
                 sqlite3_extended_errcode(r->db), (int)strcspn(sql, "\n"), sql);
    return SIM_EDB;
}

static int exec(results *r, const char *sql)
{
    return sqlite3_exec(r->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SIM_OK : exec_error(r, sql);
}

/* Roll back the transaction if one is open (SQLite may have rolled it back
 * itself after an error such as a full disk); never replaces r->err. */
static void rollback(results *r)
{
    if (!sqlite3_get_autocommit(r->db))
        sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
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

/* ---- what a file holds ----------------------------------------------------- */

typedef enum db_kind { DB_EMPTY, DB_OFFSIM, DB_FOREIGN } db_kind;

typedef struct db_state {
    db_kind kind;
    int version;           /* PRAGMA user_version */
    unsigned app_id;       /* PRAGMA application_id */
    char objects[160];     /* its tables and views, for a message */
} db_state;

/* An integer PRAGMA; SQLITE_OK or SQLite's error. */
static int pragma_int(sqlite3 *db, const char *sql, long long *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* What the database holds; call inside a transaction.  SQLITE_OK or the error. */
static int inspect(sqlite3 *db, db_state *s)
{
    sqlite3_stmt *st = NULL;
    long long version = 0, app = 0;
    size_t nobj = 0, nlegacy = 0, len = 0;
    int rc;

    memset(s, 0, sizeof *s);
    if ((rc = pragma_int(db, "PRAGMA user_version", &version)) != SQLITE_OK ||
        (rc = pragma_int(db, "PRAGMA application_id", &app)) != SQLITE_OK ||
        (rc = sqlite3_prepare_v2(db,
                                 "SELECT name, type = 'table' FROM sqlite_master "
                                 "WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
                                 -1, &st, NULL)) != SQLITE_OK) {
        sqlite3_finalize(st);
        return rc;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);

        if (name == NULL)
            continue;
        for (size_t i = 0; i < sizeof legacy_tables / sizeof *legacy_tables; i++)
            nlegacy += sqlite3_column_int(st, 1) && strcmp(name, legacy_tables[i]) == 0;
        if (len + strlen(name) + 8 < sizeof s->objects)
            len += (size_t)snprintf(s->objects + len, sizeof s->objects - len, "%s%s",
                                    nobj ? ", " : "", name);
        else if (len + 6 < sizeof s->objects && s->objects[len - 1] != '.')
            len += (size_t)snprintf(s->objects + len, sizeof s->objects - len, ", ...");
        nobj++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return rc;
    s->version = (int)version;
    s->app_id = (unsigned)app;
    if (nobj == 0 && version == 0 && app == 0)
        s->kind = DB_EMPTY;
    else if (s->app_id == RESULTS_APPLICATION_ID && version >= 1)
        s->kind = DB_OFFSIM;
    else if (app == 0 && (version == 1 || version == 2) &&
             nlegacy == sizeof legacy_tables / sizeof *legacy_tables)
        s->kind = DB_OFFSIM;
    else
        s->kind = DB_FOREIGN;
    return SQLITE_OK;
}

/* Inspect in a read transaction of its own; on an error, SQLite's message
 * goes to err. */
static int inspect_read(sqlite3 *db, db_state *s, char *err, size_t len)
{
    int rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);

    if (rc == SQLITE_OK)
        rc = inspect(db, s);
    if (rc != SQLITE_OK)
        snprintf(err, len, "%s", sqlite3_errmsg(db));
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

/* Refuse what offsim does not read: SIM_EINVAL (a bad input, as a bad
 * scenario is: exit 2); SIM_OK when it does. */
static int check_state(const char *path, const db_state *s, sim_diag *d)
{
    if (s->kind == DB_FOREIGN) {
        diag_add(d,
                 "%s: not an offsim results database (user_version %d, application_id "
                 "0x%08x, %s%s): left as it is",
                 path, s->version, s->app_id, s->objects[0] ? "holding " : "no tables",
                 s->objects);
        return SIM_EINVAL;
    }
    if (s->kind == DB_OFFSIM && s->version > RESULTS_SCHEMA_VERSION) {
        diag_add(d,
                 "%s: written by a newer offsim (results schema %d); this offsim reads "
                 "schemas %d to %d: left as it is",
                 path, s->version, RESULTS_SCHEMA_OLDEST, RESULTS_SCHEMA_VERSION);
        return SIM_EINVAL;
    }
    if (s->kind == DB_OFFSIM && s->version < RESULTS_SCHEMA_OLDEST) {
        diag_add(d,
                 "%s: written by an older offsim (results schema %d); this offsim reads "
                 "schemas %d to %d (schema 2: Kaplan-Meier percentiles, close_pNN_not_reached "
                 "instead of close_pNN_lower_bound, the measurement window, provenance), "
                 "which cannot be made from it: rerun the runs into a new database, or use "
                 "the offsim that wrote it; left as it is",
                 path, s->version, RESULTS_SCHEMA_OLDEST, RESULTS_SCHEMA_VERSION);
        return SIM_EINVAL;
    }
    return SIM_OK;
}

/* ---- readers ----------------------------------------------------------- */

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

/* Open a reader and tell what the file is; *version its schema. */
static int open_reader(const char *path, sqlite3 **db, int *version, sim_diag *d)
{
    char *name = plain_name(path), err[256];
    db_state s;
    int rc;

    *db = NULL;
    if (name == NULL) {
        diag_add(d, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    if (access(path, R_OK) != 0) {
        int missing = errno == ENOENT || errno == ENOTDIR;

        diag_add(d, "cannot read %s: %s", path, strerror(errno));
        sqlite3_free(name);
        return missing ? SIM_EINVAL : SIM_EDB;
    }
    rc = sqlite3_open_v2(name, db, SQLITE_OPEN_READWRITE, NULL);
    sqlite3_free(name);
    if (rc == SQLITE_OK)
        rc = sqlite3_set_authorizer(*db, reader_auth, NULL);
    err[0] = '\0';
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(*db, BUSY_MS);
        rc = inspect_read(*db, &s, err, sizeof err);
    }
    if (rc != SQLITE_OK) {
        diag_add(d, "cannot read %s: %s", path,
                 err[0] ? err : *db ? sqlite3_errmsg(*db) : "out of memory");
        sqlite3_close(*db);
        *db = NULL;
        return (rc & 0xff) == SQLITE_NOTADB ? SIM_EINVAL : SIM_EDB;
    }
    if (s.kind == DB_EMPTY) {
        diag_add(d, "%s: an empty database, not an offsim results database", path);
        rc = SIM_EINVAL;
    } else {
        rc = check_state(path, &s, d);
    }
    if (rc != SIM_OK) {
        sqlite3_close(*db);
        *db = NULL;
        return rc;
    }
    *version = s.version;
    return SIM_OK;
}

int results_open_reader(const char *path, sqlite3 **db, sim_diag *d)
{
    int version;

    return open_reader(path, db, &version, d);
}

int results_check_readable(const char *path, sim_diag *d)
{
    sqlite3 *db;
    int version, rc = open_reader(path, &db, &version, d);

    sqlite3_close(db);
    return rc;
}

int results_open_read(const char *path, results **out, sim_diag *d)
{
    results *r = calloc(1, sizeof *r);
    int rc, version;

    *out = NULL;
    if (r == NULL) {
        diag_add(d, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    if ((rc = open_reader(path, &r->db, &version, d)) != SIM_OK) {
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
    if (r->sink != NULL) {
        rs_free(&r->out);
        free(r);
        return;
    }
    if (!sqlite3_get_autocommit(r->db) && sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL))
        rollback(r);
    for (int i = 0; i < ST_N; i++)
        sqlite3_finalize(r->st[i]);
    sqlite3_close(r->db);
    free(r);
}

/* ---- the writer's connection ---------------------------------------------- */

/* Run the schema text of `table` (NULL: the rest); SIM_OK, SIM_ENOMEM or SIM_EDB. */
static int exec_schema(results *r, const char *table)
{
    char *sql = schema_text(table);
    int rc;

    if (sql == NULL)
        return SIM_ENOMEM;
    rc = exec(r, sql);
    sqlite3_free(sql);
    return rc;
}

/* Mark the file as offsim's, of this schema. */
static int stamp(results *r)
{
    char sql[96];

    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d",
             (int)RESULTS_APPLICATION_ID, RESULTS_SCHEMA_VERSION);
    return exec(r, sql);
}

/*
 * Schema 2 to 3: run.id becomes AUTOINCREMENT and the writer columns come.
 * SQLite cannot change a primary key in place, so the table is rebuilt as
 * its documentation says (with foreign keys off, which the caller has
 * ensured, so that dropping the old table deletes no row of the others);
 * the views, which name run, are dropped first and made again.
 */
static int migrate_v2(results *r)
{
    static const char copy[] =
        "INSERT INTO run_v3(id, identity, scenario, scenario_sha256, engine, seed, status, "
        "started, wall_s, sim_end_ns, events, fingerprint, scenario_text, offsim_version, "
        "command_line, host, build) "
        "SELECT id, identity, scenario, scenario_sha256, engine, seed, status, started, "
        "wall_s, sim_end_ns, events, fingerprint, scenario_text, offsim_version, "
        "command_line, host, build FROM run;";
    int rc = exec(r, "DROP VIEW IF EXISTS run_summary; DROP VIEW IF EXISTS run_point;"
                     "DROP VIEW IF EXISTS close_latency; DROP VIEW IF EXISTS nic_occupancy;");

    if (rc == SIM_OK)
        rc = exec_schema(r, "run_v3");
    if (rc == SIM_OK)
        rc = exec(r, copy);
    if (rc == SIM_OK)
        rc = exec(r, "DROP TABLE run; ALTER TABLE run_v3 RENAME TO run;");
    return rc;
}

/*
 * Make the file an offsim database of this schema, inside a write
 * transaction: looked at again there (another process may have been first),
 * then created when empty or migrated when older.
 */
static int convert(results *r, const char *path, sim_diag *d)
{
    db_state s;
    int rc;

    if (exec(r, "PRAGMA foreign_keys=OFF") != SIM_OK || exec(r, "BEGIN IMMEDIATE") != SIM_OK)
        return SIM_EDB;
    if (inspect(r->db, &s) != SQLITE_OK) {
        rc = db_error(r);
    } else if ((rc = check_state(path, &s, d)) != SIM_OK) {
        rollback(r);
        return rc;
    } else if (s.kind == DB_EMPTY) {
        rc = exec_schema(r, "run");
        if (rc == SIM_OK)
            rc = exec_schema(r, NULL);
    } else if (s.version < RESULTS_SCHEMA_VERSION) {
        rc = migrate_v2(r);
        if (rc == SIM_OK)
            rc = exec_schema(r, NULL);
    } else {
        rc = SIM_OK; /* another process made it already */
    }
    if (rc == SIM_OK && s.version < RESULTS_SCHEMA_VERSION) /* empty (0) or older */
        rc = stamp(r);
    if (rc == SIM_OK)
        rc = exec(r, "COMMIT");
    if (rc != SIM_OK)
        rollback(r);
    return rc;
}

/*
 * Put the file in WAL mode (a no-op once it is: the mode is the file's,
 * kept in its header).  Switching a new file out of rollback mode takes its
 * exclusive lock by upgrading a read transaction, and SQLite does not call
 * the busy handler for the step from the shared to the reserved lock (a
 * reader waiting there for a writer that waits for the reader would
 * deadlock): when another process holds the reserved lock at that moment,
 * being in convert() for the same new file or switching it too, the pragma
 * fails at once with SQLITE_BUSY whatever the busy timeout ("database is
 * locked", seen when two sweeps start at once on a new --db;
 * tests/open_race.c).  The holder is done in moments, and after it the
 * file is often in WAL mode already, so the switch is tried again, backing
 * off as SQLite's own busy handler does, for at most BUSY_MS.  A failure
 * leaves the file whole: the schema, if this connection made it, was
 * committed, and no run is written yet.
 */
static int set_wal(results *r)
{
    static const int delay_ms[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    const int last = (int)(sizeof delay_ms / sizeof *delay_ms) - 1;
    int waited = 0;

    for (int i = 0;; i++) {
        const char *sql = "PRAGMA journal_mode=WAL";
        int rc = sqlite3_exec(r->db, sql, NULL, NULL, NULL);

        if (rc == SQLITE_OK)
            return SIM_OK;
        if (sqlite3_extended_errcode(r->db) != SQLITE_BUSY || waited >= BUSY_MS)
            return exec_error(r, sql);
        waited += sqlite3_sleep(delay_ms[i < last ? i : last]);
    }
}

int results_open(const char *path, results **out, sim_diag *d)
{
    results *r = calloc(1, sizeof *r);
    db_state s;
    char *name;
    int rc;

    *out = NULL;
    if (r == NULL || (name = plain_name(path)) == NULL) {
        free(r);
        diag_add(d, "%s: out of memory", path);
        return SIM_ENOMEM;
    }
    rc = sqlite3_open_v2(name, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sqlite3_free(name);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(r->db, BUSY_MS);
    /* Look before touching anything. */
    if ((rc = inspect_read(r->db, &s, r->err, sizeof r->err)) != SQLITE_OK) {
        if ((rc & 0xff) == SQLITE_NOTADB) {
            diag_add(d, "%s: cannot use as a results database: %s", path, r->err);
            results_close(r);
            return SIM_EINVAL; /* a bad input, not a failure */
        }
        goto fail;
    }
    if ((rc = check_state(path, &s, d)) != SIM_OK) {
        results_close(r);
        return rc;
    }
    if (sqlite3_db_readonly(r->db, "main") == 1) {
        snprintf(r->err, sizeof r->err, "%s", sqlite3_errstr(SQLITE_READONLY));
        goto fail;
    }
    if ((s.kind != DB_OFFSIM || s.version < RESULTS_SCHEMA_VERSION) &&
        (rc = convert(r, path, d)) != SIM_OK) {
        if (rc == SIM_ENOMEM) {
            diag_add(d, "%s: out of memory", path);
            results_close(r);
            return rc;
        }
        if (rc != SIM_EDB || r->err[0] == '\0') { /* refused inside the transaction */
            results_close(r);
            return rc;
        }
        goto fail;
    }
    if (set_wal(r) != SIM_OK || exec(r, results_pragmas) != SIM_OK)
        goto fail;
    for (int i = 0; i < ST_N; i++)
        if (sqlite3_prepare_v2(r->db, insert_sql[i], -1, &r->st[i], NULL) != SQLITE_OK) {
            db_error(r);
            goto fail;
        }
    writer_self(&r->self);
    *out = r;
    return SIM_OK;

fail:
    diag_add(d, "%s: cannot use as a results database: %s", path, results_errmsg(r));
    results_close(r);
    return SIM_EDB;
}

/* ---- streams --------------------------------------------------------------- */

static int scalar(results *r, int64_t run, const char *name, double value);

int results_open_stream(results_stream_fn *sink, void *arg, results **out)
{
    results *r = calloc(1, sizeof *r);

    *out = r;
    if (r == NULL)
        return SIM_ENOMEM;
    r->sink = sink;
    r->sink_arg = arg;
    r->last_beat = (int64_t)time(NULL);
    return SIM_OK;
}

/* Hand the buffered rows to the sink; SIM_OK, or SIM_EDB (and failed). */
static int stream_flush(results *r)
{
    if (r->out.failed && !r->failed) {
        snprintf(r->err, sizeof r->err, "out of memory for the rows to send");
        r->failed = 1;
    }
    if (r->failed)
        return SIM_EDB;
    if (r->out.n == 0)
        return SIM_OK;
    if (r->sink(r->sink_arg, r->out.v, r->out.n) != 0) {
        snprintf(r->err, sizeof r->err, "sending the rows to the process that writes them: %s",
                 strerror(errno));
        r->failed = 1;
        return SIM_EDB;
    }
    r->out.n = 0;
    return SIM_OK;
}

/* A row was encoded: as step() does for a database, a crash point, and no
 * more rows once the run failed. */
static int stream_row(results *r)
{
    crash_point_pass(CRASH_STREAM);
    if (r->out.failed)
        return stream_flush(r);
    return r->failed ? SIM_EDB : SIM_OK;
}

/* A stream's run ends: its last rows and the end record, handed over together. */
static int stream_end(results *r, results_status status, double wall_s, sim_time sim_end,
                      uint64_t events, const char *fingerprint, sim_diag *d)
{
    if (r->failed && status == RESULTS_COMPLETE)
        status = RESULTS_FAILED;
    rs_u8(&r->out, RS_END);
    rs_u8(&r->out, (unsigned)status);
    rs_f64(&r->out, wall_s);
    rs_i64(&r->out, sim_end);
    rs_i64(&r->out, (int64_t)events);
    rs_opt_str(&r->out, fingerprint);
    if (stream_flush(r) != SIM_OK) {
        diag_add(d, "cannot record the run's end: %s", results_errmsg(r));
        return SIM_EDB;
    }
    return status == RESULTS_COMPLETE ? SIM_OK : SIM_EDB;
}

/* What a record's reader found wrong, for a message. */
static int malformed(sim_diag *d, size_t record, size_t offset, const char *what)
{
    diag_add(d, "a malformed row stream: record %zu (byte %zu): %s", record, offset, what);
    return SIM_EINVAL;
}

int results_apply(results *r, int64_t run, const void *buf, size_t len, results_applied *a,
                  sim_diag *d)
{
    rs_in in = {buf, (const unsigned char *)buf + len, 0};
    size_t record = 0;
    int rc = SIM_OK;

    SIM_ASSERT(r->sink == NULL, "rows applied to a stream");
    while (in.p < in.end && rc == SIM_OK) {
        size_t offset = (size_t)(in.p - (const unsigned char *)buf);
        unsigned tag = rs_get_u8(&in);

        record++;
        if (a->ended)
            return malformed(d, record, offset, "a record after the run's end");
        switch (tag) {
        case RS_PARAM: {
            const char *key = rs_get_str(&in), *value = rs_get_opt_str(&in);
            unsigned has = rs_get_u8(&in);
            double num = rs_get_f64(&in);
            unsigned varied = rs_get_u8(&in);

            if (in.bad || has > 1 || varied > 1)
                return malformed(d, record, offset, "a bad parameter");
            rc = results_param(r, run, key, value, has ? &num : NULL, (int)varied);
            break;
        }
        case RS_CONN: {
            results_conn_row c;

            c.conn_id = rs_get_u32(&in);
            c.peer = rs_get_opt_str(&in);
            c.t_open = rs_get_i64(&in);
            c.t_close = rs_get_i64(&in);
            c.t_fin_wait_1 = rs_get_i64(&in);
            c.t_fin_wait_2 = rs_get_i64(&in);
            c.t_time_wait = rs_get_i64(&in);
            c.t_closed = rs_get_i64(&in);
            c.t_released = rs_get_i64(&in);
            c.close_reason = rs_get_opt_str(&in);
            c.owner_at_close = rs_get_opt_str(&in);
            c.handoffs = rs_get_u32(&in);
            c.peer_outcome = rs_get_opt_str(&in);
            c.t_peer_closed = rs_get_i64(&in);
            c.t_established = rs_get_i64(&in);
            if (in.bad)
                return malformed(d, record, offset, "a bad conn row");
            rc = results_conn(r, run, &c);
            break;
        }
        case RS_EVENT: {
            sim_time t = rs_get_i64(&in);
            uint32_t conn_id = rs_get_u32(&in);
            const char *kind = rs_get_str(&in), *detail = rs_get_opt_str(&in);
            unsigned has = rs_get_u8(&in);
            int64_t value = rs_get_i64(&in);

            if (in.bad || has > 1)
                return malformed(d, record, offset, "a bad event row");
            rc = results_event(r, run, t, conn_id, kind, detail, has ? &value : NULL);
            break;
        }
        case RS_OCCUPANCY: {
            int64_t v[5];

            for (int i = 0; i < 5; i++)
                v[i] = rs_get_i64(&in);
            if (in.bad)
                return malformed(d, record, offset, "a bad occupancy row");
            rc = results_occupancy(r, run, v[0], v[1], v[2], v[3], v[4]);
            break;
        }
        case RS_SCALAR: {
            const char *name = rs_get_str(&in);
            double value = rs_get_f64(&in);

            if (in.bad)
                return malformed(d, record, offset, "a bad scalar");
            rc = scalar(r, run, name, value);
            break;
        }
        case RS_END: {
            unsigned status = rs_get_u8(&in);
            double wall_s = rs_get_f64(&in);
            sim_time sim_end = rs_get_i64(&in);
            uint64_t events = (uint64_t)rs_get_i64(&in);
            const char *fp = rs_get_opt_str(&in);

            if (in.bad || status == RESULTS_RUNNING || status >= RESULTS_STATUS_N)
                return malformed(d, record, offset, "a bad end of run");
            /* The rows so far (this run's and those of the writer's other
             * runs) are committed first: the end's transaction holds only
             * the end, so a failed end rolls back nothing of another run. */
            if ((rc = results_commit(r)) != SIM_OK)
                break;
            a->ended = 1;
            a->status = (results_status)status;
            rc = results_run_end(r, run, a->status, wall_s, sim_end, events, fp, d);
            if (rc != SIM_OK)
                a->status = RESULTS_FAILED;
            break;
        }
        default:
            return malformed(d, record, offset, "an unknown record");
        }
        a->rows += tag != RS_END;
    }
    if (rc == SIM_EDB && !a->ended)
        diag_add(d, "cannot write the run's rows: %s", results_errmsg(r));
    return rc;
}

/* ---- runs ------------------------------------------------------------------ */

/* Open the write transaction rows go into, if none is open. */
static int begin(results *r)
{
    if (!sqlite3_get_autocommit(r->db))
        return SIM_OK;
    if (exec(r, "BEGIN IMMEDIATE") != SIM_OK) {
        r->failed = 1;
        return SIM_EDB;
    }
    r->pending = 0;
    return SIM_OK;
}

int results_commit(results *r)
{
    if (r->sink != NULL)
        return r->out.n >= RESULTS_STREAM_CHUNK || r->out.failed ? stream_flush(r)
               : r->failed                                       ? SIM_EDB
                                                                 : SIM_OK;
    if (sqlite3_get_autocommit(r->db))
        return SIM_OK;
    if (exec(r, "COMMIT") != SIM_OK) {
        rollback(r);
        r->failed = 1;
        return SIM_EDB;
    }
    return SIM_OK;
}

/* Insert the run row 'running', this process its writer. */
static int insert_run(results *r, const results_run_info *info, int64_t *run_id)
{
    static const char sql[] =
        "INSERT INTO run(identity,scenario,scenario_sha256,engine,seed,status,started,"
        "scenario_text,offsim_version,command_line,host,build,writer_pid,writer_token,"
        "writer_beat) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
    sqlite3_stmt *st = NULL;
    char started[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    gmtime_r(&now, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
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
        sqlite3_bind_int64(st, 13, r->self.pid);
        sqlite3_bind_text(st, 14, r->self.token, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 15, (sqlite3_int64)now);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) {
        db_error(r);
        sqlite3_finalize(st);
        return SIM_EDB;
    }
    sqlite3_finalize(st);
    *run_id = sqlite3_last_insert_rowid(r->db);
    r->last_beat = (int64_t)now;
    return SIM_OK;
}

int results_run_begin(results *r, const results_run_info *info, int64_t *run_id,
                      sim_diag *d)
{
    SIM_ASSERT(r->sink == NULL, "a run begun on a stream");
    r->err[0] = '\0';
    r->pending = 0;
    r->failed = 0;
    r->claimed = 0;
    if (insert_run(r, info, run_id) != SIM_OK) {
        diag_add(d, "cannot record the run: %s", results_errmsg(r));
        return SIM_EDB;
    }
    return SIM_OK;
}

/* The id of a complete run of this identity, or 0; -1 on an error. */
static int64_t find_complete(results *r, const char *identity)
{
    sqlite3_stmt *st = NULL;
    int64_t id = -1;
    int rc;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT id FROM run WHERE identity=? AND status=? "
                           "ORDER BY id LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    }
    if (id < 0)
        db_error(r);
    sqlite3_finalize(st);
    return id;
}

int64_t results_find_complete(results *r, const char *identity)
{
    int64_t id;

    SIM_ASSERT(r->sink == NULL, "a stream has no runs to find");
    id = find_complete(r, identity);
    return id > 0 ? id : 0;
}

int results_mark_varied(results *r, int64_t run, const char *const *key, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc, missing = 0;

    SIM_ASSERT(r->sink == NULL, "a stream has no runs to mark");
    if (n == 0)
        return SIM_OK;
    /* Most often every flag is there (the sweep ran it): no write lock. */
    rc = sqlite3_prepare_v2(r->db, "SELECT 1 FROM run_param WHERE run_id=? AND key=? AND varied=0",
                            -1, &st, NULL);
    for (size_t i = 0; i < n && rc == SQLITE_OK && !missing; i++) {
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_text(st, 2, key[i], -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW)
            missing = 1;
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            rc = SQLITE_OK;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_OK)
        return db_error(r);
    if (!missing)
        return SIM_OK;
    if (begin(r) != SIM_OK)
        return SIM_EDB;
    rc = sqlite3_prepare_v2(r->db, "UPDATE run_param SET varied=1 WHERE run_id=? AND key=?", -1,
                            &st, NULL);
    for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_text(st, 2, key[i], -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(st)) == SQLITE_DONE)
            rc = SQLITE_OK;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        db_error(r);
        rollback(r);
        return SIM_EDB;
    }
    return results_commit(r);
}

/*
 * A live writer of an unfinished run of this identity: 1 (*holder filled),
 * 0 none, -1 on an error.
 */
static int find_live_writer(results *r, const char *identity, results_holder *holder)
{
    sqlite3_stmt *st = NULL;
    int64_t now = (int64_t)time(NULL);
    int rc, live = 0;

    if (sqlite3_prepare_v2(r->db,
                           "SELECT id, host, writer_pid, writer_token, writer_beat "
                           "FROM run WHERE identity=? AND status=?",
                           -1, &st, NULL) != SQLITE_OK) {
        db_error(r);
        return -1;
    }
    sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, results_status_name[RESULTS_RUNNING], -1, SQLITE_STATIC);
    while (!live && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *token = (const char *)sqlite3_column_text(st, 3);
        const char *host = (const char *)sqlite3_column_text(st, 1);

        if (!writer_alive(token, sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 4), now))
            continue;
        live = 1;
        holder->run_id = sqlite3_column_int64(st, 0);
        holder->pid = sqlite3_column_int64(st, 2);
        snprintf(holder->host, sizeof holder->host, "%s", host ? host : "?");
    }
    if (!live && rc != SQLITE_DONE) {
        db_error(r);
        live = -1;
    }
    sqlite3_finalize(st);
    return live;
}

int results_run_claim(results *r, const results_run_info *info, results_claim *c,
                      sim_diag *d)
{
    sqlite3_stmt *st = NULL;
    int64_t id;
    int rc, live;

    SIM_ASSERT(r->sink == NULL, "a run claimed on a stream");
    memset(c, 0, sizeof *c);
    r->err[0] = '\0';
    r->pending = 0;
    r->failed = 0;
    /* Most often the answer needs no write lock: complete already. */
    if ((id = find_complete(r, info->identity)) != 0)
        goto done_or_error;
    if (exec(r, "BEGIN IMMEDIATE") != SIM_OK)
        goto error;
    if ((id = find_complete(r, info->identity)) != 0) {
        rollback(r);
        goto done_or_error;
    }
    if ((live = find_live_writer(r, info->identity, &c->holder)) != 0) {
        rollback(r);
        if (live < 0)
            goto error;
        c->outcome = RESULTS_HELD;
        return SIM_OK;
    }
    /* Unfinished runs whose writer is gone: interrupted, failed, or killed
     * ('running'); deleted, and counted by status for the sweep's report. */
    rc = sqlite3_prepare_v2(r->db, "DELETE FROM run WHERE identity=? AND status<>? RETURNING status",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, info->identity, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *status = (const char *)sqlite3_column_text(st, 0);

            for (int s = 0; s < RESULTS_STATUS_N; s++)
                if (status != NULL && strcmp(status, results_status_name[s]) == 0)
                    c->replaced[s]++;
        }
    }
    if (rc != SQLITE_DONE) {
        db_error(r);
        sqlite3_finalize(st);
        rollback(r);
        goto error;
    }
    sqlite3_finalize(st);
    if (insert_run(r, info, &c->run_id) != SIM_OK || exec(r, "COMMIT") != SIM_OK) {
        rollback(r);
        goto error;
    }
    c->outcome = RESULTS_CLAIMED;
    r->claimed = 1;
    return SIM_OK;

done_or_error:
    if (id > 0) {
        c->outcome = RESULTS_DONE;
        c->run_id = id;
        return SIM_OK;
    }
error:
    diag_add(d, "cannot claim the run: %s", results_errmsg(r));
    return SIM_EDB;
}

int results_heartbeat(results *r, int64_t run)
{
    int64_t now = (int64_t)time(NULL);
    sqlite3_stmt *st = NULL;
    int rc;

    if (r->sink != NULL || now - r->last_beat < WRITER_BEAT_S || r->failed)
        return SIM_OK;
    r->last_beat = now;
    if (begin(r) != SIM_OK)
        return SIM_EDB;
    rc = sqlite3_prepare_v2(r->db, "UPDATE run SET writer_beat=? WHERE id=?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, run);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) {
        db_error(r);
    } else if (sqlite3_changes(r->db) != 1) {
        snprintf(r->err, sizeof r->err,
                 "run %lld is no longer in the database (another process judged its writer "
                 "dead and removed it)", (long long)run);
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        r->failed = 1;
        return SIM_EDB;
    }
    return SIM_OK;
}

int results_renew(results *r)
{
    int64_t now = (int64_t)time(NULL);
    sqlite3_stmt *st = NULL;
    int rc;

    if (r->sink != NULL || now - r->last_beat < WRITER_BEAT_S || r->failed)
        return SIM_OK;
    r->last_beat = now;
    if (begin(r) != SIM_OK)
        return SIM_EDB;
    rc = sqlite3_prepare_v2(r->db,
                            "UPDATE run SET writer_beat=?1 WHERE status=?2 AND writer_pid=?3 "
                            "AND writer_token=?4",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_text(st, 2, results_status_name[RESULTS_RUNNING], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, r->self.pid);
        sqlite3_bind_text(st, 4, r->self.token, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        db_error(r);
        r->failed = 1;
        return SIM_EDB;
    }
    return SIM_OK;
}

/* Step a bound insert inside the write transaction; commit every batch.  A
 * run that failed writes nothing more (it cannot end complete anyway). */
static int step(results *r, sqlite3_stmt *st)
{
    int rc = r->failed ? SIM_EDB : begin(r);

    if (rc == SIM_OK)
        rc = sqlite3_step(st) == SQLITE_DONE ? SIM_OK : db_error(r);
    sqlite3_reset(st); /* every insert binds all its parameters: nothing to clear */
    crash_point_pass(CRASH_WRITE);
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
    sqlite3_stmt *st;

    if (r->sink != NULL) {
        rs_u8(&r->out, RS_PARAM);
        rs_str(&r->out, key);
        rs_opt_str(&r->out, value);
        rs_u8(&r->out, num != NULL);
        rs_f64(&r->out, num ? *num : 0);
        rs_u8(&r->out, varied != 0);
        return stream_row(r);
    }
    st = r->st[ST_PARAM];
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
    sqlite3_stmt *st;

    if (r->sink != NULL) {
        rs_u8(&r->out, RS_CONN);
        rs_u32(&r->out, c->conn_id);
        rs_opt_str(&r->out, c->peer);
        rs_i64(&r->out, c->t_open);
        rs_i64(&r->out, c->t_close);
        rs_i64(&r->out, c->t_fin_wait_1);
        rs_i64(&r->out, c->t_fin_wait_2);
        rs_i64(&r->out, c->t_time_wait);
        rs_i64(&r->out, c->t_closed);
        rs_i64(&r->out, c->t_released);
        rs_opt_str(&r->out, c->close_reason);
        rs_opt_str(&r->out, c->owner_at_close);
        rs_u32(&r->out, c->handoffs);
        rs_opt_str(&r->out, c->peer_outcome);
        rs_i64(&r->out, c->t_peer_closed);
        rs_i64(&r->out, c->t_established);
        return stream_row(r);
    }
    st = r->st[ST_CONN];
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
    sqlite3_stmt *st;

    if (r->sink != NULL) {
        rs_u8(&r->out, RS_EVENT);
        rs_i64(&r->out, t);
        rs_u32(&r->out, conn_id);
        rs_str(&r->out, kind);
        rs_opt_str(&r->out, detail);
        rs_u8(&r->out, value != NULL);
        rs_i64(&r->out, value ? *value : 0);
        return stream_row(r);
    }
    st = r->st[ST_EVENT];
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_int64(st, 2, t);
    sqlite3_bind_int64(st, 3, conn_id);
    sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
    if (detail) /* static, or alive until step() resets the statement */
        sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
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
    sqlite3_stmt *st;

    if (r->sink != NULL) {
        rs_u8(&r->out, RS_OCCUPANCY);
        rs_i64(&r->out, t);
        rs_i64(&r->out, nic_total);
        rs_i64(&r->out, nic_fin_wait_2);
        rs_i64(&r->out, host_fin_wait_2);
        rs_i64(&r->out, time_wait);
        return stream_row(r);
    }
    st = r->st[ST_OCC];
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
    sqlite3_stmt *st;

    if (r->sink != NULL) {
        rs_u8(&r->out, RS_SCALAR);
        rs_str(&r->out, name);
        rs_f64(&r->out, value);
        return stream_row(r);
    }
    st = r->st[ST_SCALAR];
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

/* Step a statement with ?1 = run and ?2 = text (or NULL); SQLite's code. */
static int step_run(results *r, const char *sql, int64_t run, const char *text)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, run);
        if (text != NULL)
            sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        db_error(r);
    sqlite3_finalize(st);
    return rc;
}

/*
 * A claimed run that would end complete while another run of its identity
 * is complete already (offsim merge copied one in meanwhile): it goes, so
 * that an identity is complete once.  1 when it went, 0, or -1 on an error.
 */
static int drop_twin(results *r, int64_t run)
{
    int rc = step_run(r,
                      "SELECT 1 FROM run a JOIN run b ON b.identity = a.identity "
                      "WHERE a.id = ?1 AND b.id <> ?1 AND b.status = 'complete'",
                      run, NULL);

    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return -1;
    return step_run(r, "DELETE FROM run WHERE id = ?1", run, NULL) == SQLITE_DONE ? 1 : -1;
}

int results_run_end(results *r, int64_t run, results_status status, double wall_s,
                    sim_time sim_end, uint64_t events, const char *fingerprint, sim_diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_OK, twin = 0;

    SIM_ASSERT(status != RESULTS_RUNNING && status >= 0 && status < RESULTS_STATUS_N,
               "a run cannot end with status %d", (int)status);
    if (r->sink != NULL)
        return stream_end(r, status, wall_s, sim_end, events, fingerprint, d);
    if (r->failed && status == RESULTS_COMPLETE)
        status = RESULTS_FAILED;
    if (begin(r) != SIM_OK)
        rc = SQLITE_ERROR;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(r->db,
                                "UPDATE run SET status=?, wall_s=?, sim_end_ns=?, events=?, "
                                "fingerprint=? WHERE id=? AND status=?",
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
        sqlite3_bind_text(st, 7, results_status_name[RESULTS_RUNNING], -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
            db_error(r);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE && sqlite3_changes(r->db) != 1) {
        /* Removed by a process that judged this writer dead: nothing to end. */
        snprintf(r->err, sizeof r->err,
                 "run %lld is no longer in the database (another process judged its writer "
                 "dead and removed it)", (long long)run);
        rc = SQLITE_ERROR;
    }
    if (rc == SQLITE_DONE && status == RESULTS_COMPLETE && r->claimed &&
        (twin = drop_twin(r, run)) < 0)
        rc = SQLITE_ERROR;
    if (rc != SQLITE_DONE || results_commit(r) != SIM_OK) {
        diag_add(d, "cannot record the run's end: %s", results_errmsg(r));
        rollback(r);
        return SIM_EDB;
    }
    if (twin) {
        diag_add(d, "run %lld was dropped: another run of its identity became complete "
                    "meanwhile", (long long)run);
        return SIM_EDB;
    }
    return r->failed ? SIM_EDB : SIM_OK;
}

/* ---- merge ----------------------------------------------------------------- */

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
#define MERGE_TABLES (sizeof merge_tables / sizeof *merge_tables)

/* The run columns of schema 2, and those schema 3 added. */
static const char run_columns_v2[] = "identity, scenario, scenario_sha256, engine, seed, status, "
                                     "started, wall_s, sim_end_ns, events, fingerprint, "
                                     "scenario_text, offsim_version, command_line, host, build";
static const char run_columns_v3[] = ", writer_pid, writer_token, writer_beat";

/* One input of a merge: its connection and statements. */
typedef struct merge_in {
    const char *path;
    sqlite3 *db;
    int version;
    sqlite3_stmt *runs;                /* id, status = complete, identity, columns */
    sqlite3_stmt *rows[MERGE_TABLES];  /* a table's rows of one run */
    sqlite3_stmt *varied;              /* the keys varied in one run */
} merge_in;

/* Copy one row of `from` (its columns from `first` on) into the parameters
 * of `to` from `param` on; SQLite's code of the insert. */
static int copy_row(sqlite3_stmt *from, int first, sqlite3_stmt *to, int param)
{
    int n = sqlite3_column_count(from), rc;

    for (int i = first; i < n; i++)
        sqlite3_bind_value(to, i - first + param, sqlite3_column_value(from, i));
    rc = sqlite3_step(to);
    sqlite3_reset(to);
    return rc;
}

/* An INSERT into the output's table of these columns, from parameter `param` on. */
static int prepare_insert(sqlite3 *db, const char *table, const char *head, const char *columns,
                          int param, sqlite3_stmt **st)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    char *sql;
    int n = 1, rc;

    for (const char *c = columns; *c; c++)
        n += *c == ',';
    sqlite3_str_appendf(s, "INSERT INTO main.%s(%s%s) VALUES(%s", table, head, columns,
                        *head ? "?1, " : "");
    for (int i = 0; i < n; i++)
        sqlite3_str_appendf(s, "%s?%d", i ? ", " : "", i + param);
    sqlite3_str_appendall(s, ")");
    if ((sql = sqlite3_str_finish(s)) == NULL)
        return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    sqlite3_free(sql);
    return rc;
}

/*
 * The statements of one input, and the output's run insert for its schema
 * (the row inserts are the same for every input, made once).  0, or -1 with
 * *who the side that failed: the input's path, or NULL for the output.
 */
static int merge_prepare(results *r, merge_in *in, sqlite3_stmt **ins_run,
                         sqlite3_stmt *ins[MERGE_TABLES], const char **who)
{
    const char *extra = in->version >= 3 ? run_columns_v3 : "";
    char *sql, *cols;
    int rc;

    *who = in->path;
    sql = sqlite3_mprintf("SELECT id, status = 'complete', %s%s FROM run ORDER BY id",
                          run_columns_v2, extra);
    rc = sql ? sqlite3_prepare_v2(in->db, sql, -1, &in->runs, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    for (size_t t = 0; t < MERGE_TABLES && rc == SQLITE_OK; t++) {
        sql = sqlite3_mprintf("SELECT %s FROM %s WHERE run_id = ?1", merge_tables[t][1],
                              merge_tables[t][0]);
        rc = sql ? sqlite3_prepare_v2(in->db, sql, -1, &in->rows[t], NULL) : SQLITE_NOMEM;
        sqlite3_free(sql);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(in->db, "SELECT key FROM run_param WHERE run_id = ?1 AND varied",
                                -1, &in->varied, NULL);
    if (rc != SQLITE_OK)
        return -1;
    *who = NULL;
    sqlite3_finalize(*ins_run);
    *ins_run = NULL;
    cols = sqlite3_mprintf("%s%s", run_columns_v2, extra);
    rc = cols ? prepare_insert(r->db, "run", "", cols, 1, ins_run) : SQLITE_NOMEM;
    sqlite3_free(cols);
    for (size_t t = 0; t < MERGE_TABLES && rc == SQLITE_OK; t++)
        if (ins[t] == NULL)
            rc = prepare_insert(r->db, merge_tables[t][0], "run_id, ", merge_tables[t][1], 2,
                                &ins[t]);
    return rc == SQLITE_OK ? 0 : -1;
}

/*
 * Run `old` of the input is complete in the output already, as run `id`: the
 * keys varied in the input's copy become varied in the output's (`mark`; its
 * other rows stay).  1 when a flag was set, 0 when none was missing, -1 with
 * *who the side that failed.
 */
static int merge_varied(results *r, merge_in *in, sqlite3_stmt *mark, int64_t old, int64_t id,
                        const char **who)
{
    int rc = SQLITE_OK, marked = 0;

    sqlite3_bind_int64(in->varied, 1, old);
    sqlite3_bind_int64(mark, 1, id);
    while (rc == SQLITE_OK) {
        if ((rc = sqlite3_step(in->varied)) != SQLITE_ROW) {
            *who = in->path;
            break;
        }
        sqlite3_bind_value(mark, 2, sqlite3_column_value(in->varied, 0));
        rc = sqlite3_step(mark) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        marked |= rc == SQLITE_OK && sqlite3_changes(r->db) > 0;
        sqlite3_reset(mark);
        *who = NULL;
    }
    sqlite3_reset(in->varied);
    return rc == SQLITE_DONE ? marked : -1;
}

/* Copy the complete runs of one input that the output lacks, and combine
 * the varied flags of those it has; 0, or -1 with *who the side that failed
 * (the input's path, or NULL for the output). */
static int merge_copy(results *r, merge_in *in, sqlite3_stmt *present, sqlite3_stmt *mark,
                      sqlite3_stmt *ins_run, sqlite3_stmt *ins[MERGE_TABLES],
                      results_merge_stats *st, const char **who)
{
    int rc;

    while ((rc = sqlite3_step(in->runs)) == SQLITE_ROW) {
        int64_t old = sqlite3_column_int64(in->runs, 0), id;

        if (!sqlite3_column_int(in->runs, 1)) {
            st->incomplete++;
            continue;
        }
        sqlite3_bind_value(present, 1, sqlite3_column_value(in->runs, 2));
        rc = sqlite3_step(present);
        if (rc == SQLITE_ROW) {
            int marked = merge_varied(r, in, mark, old, sqlite3_column_int64(present, 0), who);

            sqlite3_reset(present);
            if (marked < 0)
                return -1;
            st->present++;
            st->marked += (uint64_t)marked;
            continue;
        }
        sqlite3_reset(present);
        *who = NULL;
        if (rc != SQLITE_DONE || copy_row(in->runs, 2, ins_run, 1) != SQLITE_DONE)
            return -1;
        id = sqlite3_last_insert_rowid(r->db);
        for (size_t t = 0; t < MERGE_TABLES; t++) {
            sqlite3_bind_int64(in->rows[t], 1, old);
            while ((rc = sqlite3_step(in->rows[t])) == SQLITE_ROW) {
                sqlite3_bind_int64(ins[t], 1, id);
                if (copy_row(in->rows[t], 0, ins[t], 2) != SQLITE_DONE) {
                    *who = NULL;
                    return -1;
                }
                crash_point_pass(CRASH_MERGE);
            }
            sqlite3_reset(in->rows[t]);
            if (rc != SQLITE_DONE) {
                *who = in->path;
                return -1;
            }
        }
        st->copied++;
    }
    *who = in->path;
    return rc == SQLITE_DONE ? 0 : -1;
}

static void merge_in_close(merge_in *in)
{
    sqlite3_finalize(in->runs);
    for (size_t t = 0; t < MERGE_TABLES; t++)
        sqlite3_finalize(in->rows[t]);
    sqlite3_finalize(in->varied);
    if (in->db != NULL && !sqlite3_get_autocommit(in->db))
        sqlite3_exec(in->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(in->db);
    memset(in, 0, sizeof *in);
}

/* The scenarios (scenario_sha256, a path) of one database's complete runs,
 * added to the list; 0, or -1 (SQLite's message in err). */
typedef struct scen {
    char sha[65];
    char path[160];
    const char *db;
} scen;

static int scenarios_of(sqlite3 *db, const char *name, scen **v, size_t *n, size_t *cap,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT scenario_sha256, MIN(scenario) FROM run "
                                "WHERE status = 'complete' GROUP BY scenario_sha256",
                                -1, &st, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sha = (const char *)sqlite3_column_text(st, 0);
        const char *path = (const char *)sqlite3_column_text(st, 1);
        size_t i;

        rc = SQLITE_OK;
        for (i = 0; i < *n && strcmp((*v)[i].sha, sha ? sha : "") != 0; i++)
            ;
        if (i < *n)
            continue;
        if (*n == *cap) {
            size_t c = *cap ? 2 * *cap : 8;
            scen *w = realloc(*v, c * sizeof *w);

            if (w == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            *v = w;
            *cap = c;
        }
        snprintf((*v)[*n].sha, sizeof (*v)[*n].sha, "%s", sha ? sha : "");
        snprintf((*v)[*n].path, sizeof (*v)[*n].path, "%s", path ? path : "?");
        (*v)[*n].db = name;
        (*n)++;
    }
    if (rc != SQLITE_DONE)
        snprintf(err, errlen, "%s", rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* PRAGMA quick_check: 0 when "ok", else -1 with what it found in err. */
static int quick_check(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    const char *v;

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        v = (const char *)sqlite3_column_text(st, 0);
        rc = v != NULL && strcmp(v, "ok") == 0 ? SQLITE_OK : SQLITE_CORRUPT;
        if (rc != SQLITE_OK)
            snprintf(err, errlen, "database disk image is malformed (%s)", v ? v : "?");
    } else {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
        rc = SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}

int results_merge_check(const char *out, const char *const *paths, size_t n,
                        const results_merge_opts *o, sim_diag *d)
{
    scen *v = NULL;
    size_t nv = 0, cap = 0;
    char err[512];
    int rc = SIM_OK;

    for (size_t i = 0; i <= n && rc == SIM_OK; i++) {
        const char *path = i < n ? paths[i] : out;
        sim_diag ignored;
        sqlite3 *db;
        int version;

        if (i == n) {
            /* OUT as it is, if it is an offsim database (anything else is
             * for results_open to accept or refuse): its schema and its
             * runs' scenarios. */
            diag_init(&ignored);
            if (access(out, F_OK) != 0 || open_reader(out, &db, &version, &ignored) != SIM_OK)
                break;
        } else if ((rc = open_reader(path, &db, &version, d)) != SIM_OK) {
            break;
        }
        err[0] = '\0';
        if (i < n && quick_check(db, err, sizeof err) != 0) {
            diag_add(d, "%s: %s: nothing was merged", path, err);
            rc = SIM_EDB;
        } else if (version != RESULTS_SCHEMA_VERSION && !o->any_schema) {
            diag_add(d,
                     "%s%s: results schema %d, written by another offsim than this one (schema "
                     "%d): its runs may come from another model; --any-schema merges %s "
                     "anyway; nothing was merged",
                     path, i < n ? "" : " (the output)", version, RESULTS_SCHEMA_VERSION,
                     i < n ? "them" : "into it (it is then migrated to this schema)");
            rc = SIM_EINVAL;
        } else if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
                   scenarios_of(db, path, &v, &nv, &cap, err, sizeof err) != 0) {
            diag_add(d, "%s: %s; nothing was merged", path, err[0] ? err : sqlite3_errmsg(db));
            rc = SIM_EDB;
        }
        sqlite3_close(db);
    }
    if (rc == SIM_OK && nv > 1 && !o->any_scenario) {
        sqlite3_str *s = sqlite3_str_new(NULL);
        char *list;

        for (size_t i = 0; i < nv && i < 4; i++)
            sqlite3_str_appendf(s, "%s%s holds runs of %s (scenario_sha256 %.12s...)",
                                i ? ", " : "", v[i].db, v[i].path, v[i].sha);
        if (nv > 4)
            sqlite3_str_appendf(s, " and %zu more", nv - 4);
        list = sqlite3_str_finish(s);
        diag_add(d,
                 "the databases hold runs of %zu different scenarios: %s; --any-scenario "
                 "merges them anyway; nothing was merged",
                 nv, list ? list : "(out of memory)");
        sqlite3_free(list);
        rc = SIM_EINVAL;
    }
    free(v);
    return rc;
}

int results_merge(results *r, const char *const *paths, size_t n, results_merge_stats *st,
                  sim_diag *d)
{
    merge_in *in;
    sqlite3_stmt *present = NULL, *mark = NULL, *ins_run = NULL, *ins[MERGE_TABLES] = {NULL};
    const char *who = NULL;
    int rc = SIM_OK;

    SIM_ASSERT(r->sink == NULL, "a merge into a stream");
    in = calloc(n ? n : 1, sizeof *in);
    if (in == NULL) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    memset(st, 0, n * sizeof *st);
    r->err[0] = '\0';
    /* Every input is opened and checked before anything is written. */
    for (size_t i = 0; i < n && rc == SIM_OK; i++) {
        in[i].path = paths[i];
        rc = open_reader(paths[i], &in[i].db, &in[i].version, d);
    }
    if (rc != SIM_OK)
        goto out;
    if (results_commit(r) != SIM_OK || exec(r, "BEGIN IMMEDIATE") != SIM_OK)
        goto failed;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT id FROM main.run WHERE identity = ?1 AND status = 'complete'",
                           -1, &present, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "UPDATE main.run_param SET varied = 1 "
                           "WHERE run_id = ?1 AND key = ?2 AND varied = 0",
                           -1, &mark, NULL) != SQLITE_OK)
        goto failed;
    for (size_t i = 0; i < n; i++) {
        /* One snapshot of each input, however it changes meanwhile. */
        who = paths[i];
        if (sqlite3_exec(in[i].db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
            merge_prepare(r, &in[i], &ins_run, ins, &who) != 0 ||
            merge_copy(r, &in[i], present, mark, ins_run, ins, &st[i], &who) != 0)
            goto failed;
        merge_in_close(&in[i]);
    }
    who = NULL;
    if (exec(r, "COMMIT") == SIM_OK)
        goto out;

failed:
    if (who != NULL)
        for (size_t i = 0; i < n; i++)
            if (in[i].path == who && in[i].db != NULL)
                diag_add(d, "%s: %s; nothing was merged", who, sqlite3_errmsg(in[i].db));
    if (who == NULL) {
        db_error(r);
        diag_add(d, "merging failed: %s; nothing was merged", results_errmsg(r));
    }
    rollback(r);
    memset(st, 0, n * sizeof *st);
    rc = SIM_EDB;
out:
    sqlite3_finalize(present);
    sqlite3_finalize(mark);
    sqlite3_finalize(ins_run);
    for (size_t t = 0; t < MERGE_TABLES; t++)
        sqlite3_finalize(ins[t]);
    for (size_t i = 0; i < n; i++)
        merge_in_close(&in[i]);
    free(in);
    return rc;
}
