/*
 * export.c - tidy tables out of a results database (see export.h).
 *
 * Each table is a list of column names and a stream of rows of typed cells
 * (NULL, integer, real, text), written as they come: a CSV record, or a
 * JSON object that SQLite builds from the row's cells (json_group_object
 * over a temporary table of (column, name, value): names and values are
 * always bound, never part of the SQL).  Column names come from the
 * database (varied keys, scalar names) the same way.
 */
#include "export.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "io/crashpoint.h"
#include "io/report.h"
#include "io/results.h"

const char *const export_format_name[] = {"csv", "json", NULL};
const char *const export_what_name[] = {"runs", "points", "conn", NULL};

/* ---- cells and tables ------------------------------------------------------ */

typedef enum cell_type { CELL_NULL, CELL_INT, CELL_REAL, CELL_TEXT } cell_type;

typedef struct cell {
    cell_type type;
    int64_t i;
    double d;
    const char *t;
} cell;

static cell c_null(void) { return (cell){CELL_NULL, 0, 0, NULL}; }
static cell c_int(int64_t i) { return (cell){CELL_INT, i, 0, NULL}; }
static cell c_text(const char *t) { return t ? (cell){CELL_TEXT, 0, 0, t} : c_null(); }

/* A real; NAN (absent) is NULL, and a whole number stays a number. */
static cell c_real(double d)
{
    return isnan(d) ? c_null() : (cell){CELL_REAL, 0, d, NULL};
}

/* A column of a query's row as a cell (valid until the next step). */
static cell c_column(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return c_int(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return c_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
        return c_text((const char *)sqlite3_column_text(st, i));
    default:
        return c_null();
    }
}

typedef struct table {
    export_format fmt;
    FILE *out;
    sqlite3 *db;
    char **col;
    size_t ncols, cap;
    sqlite3_stmt *clear, *insert, *object;
    size_t nrows;
    int oom;
} table;

static void table_init(table *t, sqlite3 *db, export_format fmt, FILE *out)
{
    memset(t, 0, sizeof *t);
    t->db = db;
    t->fmt = fmt;
    t->out = out;
}

static void table_fini(table *t)
{
    for (size_t i = 0; i < t->ncols; i++)
        free(t->col[i]);
    free(t->col);
    sqlite3_finalize(t->clear);
    sqlite3_finalize(t->insert);
    sqlite3_finalize(t->object);
}

/* Add a column named by the printf-style format. */
static void col(table *t, const char *fmt, const char *a, const char *b)
{
    char *name = sqlite3_mprintf(fmt, a, b);
    size_t n = name ? strlen(name) + 1 : 0;
    char *copy = name ? malloc(n) : NULL;

    if (copy != NULL && t->ncols == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        char **v = realloc(t->col, cap * sizeof *v);

        if (v == NULL) {
            free(copy);
            copy = NULL;
        } else {
            t->col = v;
            t->cap = cap;
        }
    }
    if (copy == NULL) {
        t->oom = 1;
        sqlite3_free(name);
        return;
    }
    memcpy(copy, name, n);
    sqlite3_free(name);
    t->col[t->ncols++] = copy;
}

/* A CSV field, quoted when it must be (RFC 4180 2.6, 2.7). */
static void csv_text(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* The shortest text that reads back as d. */
static void csv_real(FILE *f, double d)
{
    char buf[40];

    snprintf(buf, sizeof buf, "%.15g", d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, sizeof buf, "%.17g", d);
    fputs(buf, f);
}

static int table_begin(table *t, sim_diag *d)
{
    if (t->oom) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    if (t->fmt == EXPORT_CSV) {
        for (size_t i = 0; i < t->ncols; i++) {
            if (i > 0)
                fputc(',', t->out);
            csv_text(t->out, t->col[i]);
        }
        fputs("\r\n", t->out);
        return SIM_OK;
    }
    if (sqlite3_exec(t->db,
                     "PRAGMA temp_store = MEMORY;"
                     "CREATE TEMP TABLE IF NOT EXISTS exp_cell(col INTEGER PRIMARY KEY, "
                     "name TEXT NOT NULL, value)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(t->db, "DELETE FROM temp.exp_cell", -1, &t->clear, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(t->db, "INSERT INTO temp.exp_cell(col, name, value) VALUES(?1,?2,?3)",
                           -1, &t->insert, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(t->db,
                           "SELECT json_group_object(name, value) FROM "
                           "(SELECT name, value FROM temp.exp_cell ORDER BY col)",
                           -1, &t->object, NULL) != SQLITE_OK) {
        diag_add(d, "preparing the JSON: %s", sqlite3_errmsg(t->db));
        return SIM_EDB;
    }
    fputc('[', t->out);
    return SIM_OK;
}

static int table_row(table *t, const cell *c, sim_diag *d)
{
    crash_point_pass(CRASH_EXPORT);
    if (t->fmt == EXPORT_CSV) {
        for (size_t i = 0; i < t->ncols; i++) {
            if (i > 0)
                fputc(',', t->out);
            switch (c[i].type) {
            case CELL_INT:
                fprintf(t->out, "%lld", (long long)c[i].i);
                break;
            case CELL_REAL:
                csv_real(t->out, c[i].d);
                break;
            case CELL_TEXT:
                csv_text(t->out, c[i].t);
                break;
            case CELL_NULL:
                break;
            }
        }
        fputs("\r\n", t->out);
        t->nrows++;
        return SIM_OK;
    }
    sqlite3_step(t->clear);
    sqlite3_reset(t->clear);
    for (size_t i = 0; i < t->ncols; i++) {
        sqlite3_bind_int64(t->insert, 1, (sqlite3_int64)i);
        sqlite3_bind_text(t->insert, 2, t->col[i], -1, SQLITE_STATIC);
        switch (c[i].type) {
        case CELL_INT:
            sqlite3_bind_int64(t->insert, 3, c[i].i);
            break;
        case CELL_REAL:
            sqlite3_bind_double(t->insert, 3, c[i].d);
            break;
        case CELL_TEXT:
            sqlite3_bind_text(t->insert, 3, c[i].t, -1, SQLITE_STATIC);
            break;
        case CELL_NULL:
            sqlite3_bind_null(t->insert, 3);
            break;
        }
        if (sqlite3_step(t->insert) != SQLITE_DONE) {
            diag_add(d, "building the JSON: %s", sqlite3_errmsg(t->db));
            sqlite3_reset(t->insert);
            return SIM_EDB;
        }
        sqlite3_reset(t->insert);
    }
    if (sqlite3_step(t->object) != SQLITE_ROW) {
        diag_add(d, "building the JSON: %s", sqlite3_errmsg(t->db));
        sqlite3_reset(t->object);
        return SIM_EDB;
    }
    fprintf(t->out, "%s\n  %s", t->nrows ? "," : "", sqlite3_column_text(t->object, 0));
    sqlite3_reset(t->object);
    t->nrows++;
    return SIM_OK;
}

static int table_end(table *t, sim_diag *d)
{
    if (t->fmt == EXPORT_JSON)
        fputs(t->nrows ? "\n]\n" : "]\n", t->out);
    if (fflush(t->out) != 0 || ferror(t->out)) {
        diag_add(d, "writing the table failed");
        return SIM_EIO;
    }
    return SIM_OK;
}

/* ---- what the tables share --------------------------------------------------- */

static int db_error(sqlite3 *db, sim_diag *d)
{
    diag_add(d, "reading the results: %s", sqlite3_errmsg(db));
    return SIM_EDB;
}

/*
 * The next row of st: 1, or 0 when there is none or reading failed (*rc
 * then says why).  A damaged file shows here: a page SQLite finds malformed
 * ends the statement with an error, which must end the export, not read as
 * the end of its rows.
 */
static int next_row(sqlite3 *db, sqlite3_stmt *st, int *rc, sim_diag *d)
{
    int r = sqlite3_step(st);

    if (r == SQLITE_ROW)
        return 1;
    if (r != SQLITE_DONE && *rc == SIM_OK)
        *rc = db_error(db, d);
    return 0;
}

/*
 * The runs in id order, each once: a statement that meets a damaged page
 * may start again from a row it gave (SQLite re-runs a statement whose
 * schema it had to read again), which would repeat rows without end.
 */
static int next_run(sqlite3 *db, sqlite3_stmt *run, int64_t *last, int *rc, sim_diag *d)
{
    int64_t id;

    if (*rc != SIM_OK || !next_row(db, run, rc, d))
        return 0;
    id = sqlite3_column_int64(run, 0);
    if (id <= *last) {
        diag_add(d, "reading the results: run %lld comes again after run %lld: the file is damaged",
                 (long long)id, (long long)*last);
        *rc = SIM_EDB; /* as SQLite's own "malformed" (merge, summary) */
        return 0;
    }
    *last = id;
    return 1;
}

/* Text column 0 of every row of sql (?1 bound to `text` when given). */
static int strings(sqlite3 *db, const char *sql, const char *text, char ***out, size_t *n,
                   sim_diag *d)
{
    sqlite3_stmt *st;
    char **v = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return db_error(db, d);
    if (text != NULL)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        char **w = realloc(v, (*n + 1) * sizeof *w);
        size_t len = s ? strlen(s) + 1 : 1;

        if (w == NULL || (w[*n] = malloc(len)) == NULL) {
            v = w ? w : v;
            rc = SQLITE_NOMEM;
            break;
        }
        v = w;
        memcpy(v[*n], s ? s : "", len);
        (*n)++;
    }
    sqlite3_finalize(st);
    *out = v;
    if (rc == SQLITE_NOMEM) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    return rc == SQLITE_DONE ? SIM_OK : db_error(db, d);
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static const char complete_runs[] = "SELECT id FROM run WHERE status = 'complete'";

/* The keys any complete run varied, sorted. */
static int varied_keys(sqlite3 *db, char ***key, size_t *n, sim_diag *d)
{
    return strings(db,
                   "SELECT DISTINCT key FROM run_param WHERE varied = 1 AND run_id IN "
                   "(SELECT id FROM run WHERE status = 'complete') ORDER BY key",
                   NULL, key, n, d);
}

/* A run's value of a key: its number in SI units, or its text. */
static cell key_cell(sqlite3_stmt *param, int64_t run, const char *key)
{
    cell c = c_null();

    sqlite3_bind_int64(param, 1, run);
    sqlite3_bind_text(param, 2, key, -1, SQLITE_STATIC);
    if (sqlite3_step(param) == SQLITE_ROW)
        c = sqlite3_column_type(param, 1) != SQLITE_NULL ? c_real(sqlite3_column_double(param, 1))
                                                          : c_column(param, 0);
    return c; /* a text cell is valid until the caller resets param */
}

static const char param_sql[] = "SELECT value, num FROM run_param WHERE run_id = ?1 AND key = ?2";

/* ---- runs --------------------------------------------------------------- */

static const char run_sql[] =
    "SELECT id, scenario, seed, engine, status, started, command_line, host, build, wall_s,"
    " sim_end_ns / " RESULTS_SQL_S ", events, (SELECT point FROM run_point WHERE run_id = id)"
    " FROM run WHERE status = 'complete' ORDER BY id";
#define RUN_COLS 13
static const char *const run_cols[RUN_COLS] = {
    "run_id", "scenario", "seed", "engine", "status", "started", "command_line",
    "host", "build", "wall_s", "sim_end_s", "events", "point"};

/* The class scalars' order: by class name, then as the run scalars. */
static int scalar_index(const char *name)
{
    for (int i = 0; i < RESULTS_SCALAR_N; i++)
        if (strcmp(results_scalar_name[i], name) == 0)
            return i;
    return RESULTS_SCALAR_N;
}

static int by_class_scalar(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    const char *dx = strchr(x + 5, '.'), *dy = strchr(y + 5, '.');
    size_t lx = dx ? (size_t)(dx - x) : strlen(x), ly = dy ? (size_t)(dy - y) : strlen(y);
    int c = strncmp(x, y, lx < ly ? lx : ly);

    if (c != 0 || lx != ly)
        return c != 0 ? c : (lx < ly ? -1 : 1);
    return scalar_index(dx ? dx + 1 : "") - scalar_index(dy ? dy + 1 : "");
}

static int export_runs(sqlite3 *db, table *t, sim_diag *d)
{
    char **key = NULL, **name = NULL, **cls = NULL;
    size_t nkeys = 0, nname = 0, ncls = 0;
    sqlite3_stmt *run = NULL, *scalar = NULL, **kst = NULL;
    cell *row = NULL;
    int64_t last = INT64_MIN;
    int rc = varied_keys(db, &key, &nkeys, d);

    /* Run scalars in their order, those that some run has; class ones after. */
    if (rc == SIM_OK)
        rc = strings(db,
                     "SELECT DISTINCT name FROM scalar WHERE name NOT LIKE 'peer.%' AND run_id "
                     "IN (SELECT id FROM run WHERE status = 'complete')",
                     NULL, &name, &nname, d);
    if (rc == SIM_OK)
        rc = strings(db,
                     "SELECT DISTINCT name FROM scalar WHERE name LIKE 'peer.%' AND run_id "
                     "IN (SELECT id FROM run WHERE status = 'complete')",
                     NULL, &cls, &ncls, d);
    if (rc == SIM_OK) {
        if (ncls > 1) /* no class scalar: cls is NULL, which qsort may not take */
            qsort(cls, ncls, sizeof *cls, by_class_scalar);
        for (int i = 0; i < RUN_COLS; i++)
            col(t, "%s", run_cols[i], NULL);
        for (size_t k = 0; k < nkeys; k++)
            col(t, "%s", key[k], NULL);
        for (int i = 0; i < RESULTS_SCALAR_N; i++)
            for (size_t j = 0; j < nname; j++)
                if (strcmp(name[j], results_scalar_name[i]) == 0)
                    col(t, "%s", name[j], NULL);
        for (size_t j = 0; j < ncls; j++)
            col(t, "%s", cls[j], NULL);
        rc = table_begin(t, d);
    }
    if (rc == SIM_OK && ((row = calloc(t->ncols, sizeof *row)) == NULL ||
                         (kst = calloc(nkeys ? nkeys : 1, sizeof *kst)) == NULL))
        rc = SIM_ENOMEM;
    if (rc == SIM_OK &&
        (sqlite3_prepare_v2(db, run_sql, -1, &run, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db, "SELECT name, value FROM scalar WHERE run_id = ?1", -1, &scalar,
                            NULL) != SQLITE_OK))
        rc = db_error(db, d);
    /* Text cells point into the statements' rows: one statement per key. */
    for (size_t k = 0; k < nkeys && rc == SIM_OK; k++)
        if (sqlite3_prepare_v2(db, param_sql, -1, &kst[k], NULL) != SQLITE_OK)
            rc = db_error(db, d);
    while (next_run(db, run, &last, &rc, d)) {
        int64_t id = last;

        for (size_t i = 0; i < t->ncols; i++)
            row[i] = c_null();
        for (int i = 0; i < RUN_COLS; i++)
            row[i] = c_column(run, i);
        for (size_t k = 0; k < nkeys; k++) {
            sqlite3_reset(kst[k]);
            row[RUN_COLS + k] = key_cell(kst[k], id, key[k]);
        }
        sqlite3_bind_int64(scalar, 1, id);
        while (rc == SIM_OK && next_row(db, scalar, &rc, d)) {
            const char *n = (const char *)sqlite3_column_text(scalar, 0);

            /* n: NOT NULL in offsim's schema; a damaged file may say otherwise */
            for (size_t i = RUN_COLS + nkeys; i < t->ncols && n != NULL; i++)
                if (strcmp(t->col[i], n) == 0) {
                    row[i] = c_real(sqlite3_column_type(scalar, 1) == SQLITE_NULL
                                        ? NAN
                                        : sqlite3_column_double(scalar, 1));
                    break;
                }
        }
        if (rc == SIM_OK)
            rc = table_row(t, row, d);
        sqlite3_reset(scalar);
    }
    for (size_t k = 0; kst != NULL && k < nkeys; k++)
        sqlite3_finalize(kst[k]);
    free(kst);
    sqlite3_finalize(run);
    sqlite3_finalize(scalar);
    free(row);
    free_strings(key, nkeys);
    free_strings(name, nname);
    free_strings(cls, ncls);
    return rc;
}

/* ---- points ---------------------------------------------------------------- */

/* The scalars that get a mean and an interval: every run scalar but the
 * marks (their count of seeds is given instead) and the path figures. */
static int point_scalar(int id)
{
    for (int k = 0; k < RESULTS_NQ; k++)
        if (id == (int)results_quantile_mark(k))
            return 0;
    return id < RESULTS_PATH_TO_PEER_SEGMENTS;
}

static int export_points(sqlite3 *db, table *t, sim_diag *d)
{
    char **scenario = NULL, **key = NULL;
    size_t nsc = 0, nkeys = 0;
    report_points *p = NULL;
    cell *row = NULL;
    int rc = strings(db,
                     "SELECT scenario FROM run WHERE status = 'complete' GROUP BY scenario "
                     "ORDER BY MIN(id)",
                     NULL, &scenario, &nsc, d);

    if (rc == SIM_OK)
        rc = varied_keys(db, &key, &nkeys, d);
    if (rc == SIM_OK && (p = calloc(nsc ? nsc : 1, sizeof *p)) == NULL)
        rc = SIM_ENOMEM;
    for (size_t s = 0; s < nsc && rc == SIM_OK; s++) {
        report_select sel = {NULL, 0, scenario[s]};

        rc = report_points_read(db, &sel, &p[s], d);
    }
    if (rc == SIM_OK) {
        col(t, "scenario", NULL, NULL);
        for (size_t k = 0; k < nkeys; k++)
            col(t, "%s", key[k], NULL);
        col(t, "seeds", NULL, NULL);
        col(t, "close_n", NULL, NULL);
        col(t, "close_censored", NULL, NULL);
        for (int k = 0; k < RESULTS_NQ; k++) {
            col(t, "%s", results_scalar_name[results_quantile_scalar(k)], NULL);
            col(t, "%s", results_scalar_name[results_quantile_mark(k)], NULL);
        }
        col(t, "close_longest_s", NULL, NULL);
        for (int id = 0; id < RESULTS_SCALAR_N; id++) {
            if (!point_scalar(id))
                continue;
            col(t, "%s_mean", results_scalar_name[id], NULL);
            col(t, "%s_ci_low", results_scalar_name[id], NULL);
            col(t, "%s_ci_high", results_scalar_name[id], NULL);
            col(t, "%s_n", results_scalar_name[id], NULL);
        }
        for (int k = 0; k < RESULTS_NQ; k++)
            col(t, "%s_seeds", results_scalar_name[results_quantile_mark(k)], NULL);
        rc = table_begin(t, d);
    }
    if (rc == SIM_OK && (row = calloc(t->ncols, sizeof *row)) == NULL)
        rc = SIM_ENOMEM;
    for (size_t s = 0; s < nsc && rc == SIM_OK; s++)
        for (size_t i = 0; i < p[s].npt && rc == SIM_OK; i++) {
            const report_point *pt = &p[s].pt[i];
            size_t c = 0;

            row[c++] = c_text(p[s].scenario);
            for (size_t k = 0; k < nkeys; k++) {
                row[c] = c_null();
                for (size_t j = 0; j < p[s].nkeys; j++)
                    if (strcmp(p[s].key[j], key[k]) == 0)
                        row[c] = !isnan(pt->num[j]) ? c_real(pt->num[j]) : c_text(pt->value[j]);
                c++;
            }
            row[c++] = c_int((int64_t)pt->nruns);
            row[c++] = pt->pooled ? c_int((int64_t)pt->pooled_n) : c_null();
            row[c++] = pt->pooled ? c_int((int64_t)pt->pooled_censored) : c_null();
            for (int k = 0; k < RESULTS_NQ; k++) {
                int known = pt->pooled && pt->q[k].r != KM_EMPTY;

                row[c++] = known && pt->q[k].r == KM_REACHED ? c_real(pt->q[k].s) : c_null();
                row[c++] = known ? c_int(pt->q[k].r == KM_NOT_REACHED) : c_null();
            }
            row[c++] = pt->pooled && pt->q[RESULTS_PMAX].r != KM_EMPTY
                           ? c_real(pt->q[RESULTS_PMAX].s)
                           : c_null();
            for (int id = 0; id < RESULTS_SCALAR_N; id++) {
                const report_stat *st = &pt->stat[id];

                if (!point_scalar(id))
                    continue;
                row[c++] = st->n ? c_real(st->mean) : c_null();
                row[c++] = st->n > 1 ? c_real(st->mean - st->half) : c_null();
                row[c++] = st->n > 1 ? c_real(st->mean + st->half) : c_null();
                row[c++] = c_int((int64_t)st->n);
            }
            for (int k = 0; k < RESULTS_NQ; k++)
                row[c++] = c_int((int64_t)pt->not_reached[k]);
            rc = table_row(t, row, d);
        }
    for (size_t s = 0; p != NULL && s < nsc; s++)
        report_points_free(&p[s]);
    free(p);
    free(row);
    free_strings(scenario, nsc);
    free_strings(key, nkeys);
    return rc;
}

/* ---- conn ------------------------------------------------------------------ */

static const char conn_sql[] =
    "SELECT c.conn_id, c.peer, c.t_open, c.t_close, c.t_fin_wait_1, c.t_fin_wait_2,"
    " c.t_time_wait, c.t_closed, c.t_released, c.t_established, c.t_peer_closed,"
    " c.close_reason, c.owner_at_close, c.handoffs, c.peer_outcome,"
    " l.close_s, l.release_s, l.censored, l.in_summary"
    " FROM conn c LEFT JOIN close_latency l ON l.run_id = c.run_id AND l.conn_id = c.conn_id"
    " WHERE c.run_id = ?1 ORDER BY c.conn_id";
#define CONN_COLS 19
static const char *const conn_cols[CONN_COLS] = {
    "conn_id",     "peer",         "t_open",         "t_close",    "t_fin_wait_1",
    "t_fin_wait_2", "t_time_wait", "t_closed",       "t_released", "t_established",
    "t_peer_closed", "close_reason", "owner_at_close", "handoffs",  "peer_outcome",
    "close_s",     "release_s",    "censored",       "in_summary"};

static int export_conn(sqlite3 *db, table *t, sim_diag *d)
{
    char **key = NULL;
    size_t nkeys = 0;
    sqlite3_stmt *run = NULL, *conn = NULL, **kst = NULL;
    cell *row = NULL;
    int64_t last = INT64_MIN;
    int rc = varied_keys(db, &key, &nkeys, d);

    if (rc == SIM_OK) {
        col(t, "run_id", NULL, NULL);
        col(t, "seed", NULL, NULL);
        for (size_t k = 0; k < nkeys; k++)
            col(t, "%s", key[k], NULL);
        for (int i = 0; i < CONN_COLS; i++)
            col(t, "%s", conn_cols[i], NULL);
        rc = table_begin(t, d);
    }
    if (rc == SIM_OK && ((row = calloc(t->ncols, sizeof *row)) == NULL ||
                         (kst = calloc(nkeys ? nkeys : 1, sizeof *kst)) == NULL))
        rc = SIM_ENOMEM;
    if (rc == SIM_OK &&
        (sqlite3_prepare_v2(db, "SELECT id, seed FROM run WHERE status = 'complete' ORDER BY id",
                            -1, &run, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(db, conn_sql, -1, &conn, NULL) != SQLITE_OK))
        rc = db_error(db, d);
    for (size_t k = 0; k < nkeys && rc == SIM_OK; k++)
        if (sqlite3_prepare_v2(db, param_sql, -1, &kst[k], NULL) != SQLITE_OK)
            rc = db_error(db, d);
    while (next_run(db, run, &last, &rc, d)) {
        int64_t id = last;

        row[0] = c_int(id);
        row[1] = c_int(sqlite3_column_int64(run, 1));
        for (size_t k = 0; k < nkeys; k++) {
            sqlite3_reset(kst[k]);
            row[2 + k] = key_cell(kst[k], id, key[k]);
        }
        sqlite3_bind_int64(conn, 1, id);
        while (rc == SIM_OK && next_row(db, conn, &rc, d)) {
            for (int i = 0; i < CONN_COLS; i++)
                row[2 + nkeys + (size_t)i] = c_column(conn, i);
            rc = table_row(t, row, d);
        }
        sqlite3_reset(conn);
    }
    for (size_t k = 0; kst != NULL && k < nkeys; k++)
        sqlite3_finalize(kst[k]);
    free(kst);
    sqlite3_finalize(run);
    sqlite3_finalize(conn);
    free(row);
    free_strings(key, nkeys);
    return rc;
}

/* ---- the table --------------------------------------------------------------- */

int export_write(sqlite3 *db, export_what what, export_format fmt, FILE *out, sim_diag *d)
{
    sqlite3_stmt *st;
    table t;
    int rc, any = 0;

    if (sqlite3_prepare_v2(db, complete_runs, -1, &st, NULL) != SQLITE_OK)
        return db_error(db, d);
    any = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    if (!any) {
        diag_add(d, "no complete run in the database: nothing to export");
        return SIM_EINVAL;
    }
    table_init(&t, db, fmt, out);
    switch (what) {
    case EXPORT_RUNS:
        rc = export_runs(db, &t, d);
        break;
    case EXPORT_POINTS:
        rc = export_points(db, &t, d);
        break;
    default:
        rc = export_conn(db, &t, d);
        break;
    }
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc == SIM_OK)
        rc = table_end(&t, d);
    table_fini(&t);
    return rc;
}
