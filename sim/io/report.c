/*
 * report.c - a stored run's or sweep's figures (see report.h).
 *
 * A run's figures are its scalars: the runner wrote every number a summary
 * shows, per run and per peer class ("peer.NAME.x").  A sweep point's are
 * computed here: the close-latency estimate of its seeds pooled, from the
 * close_latency view (grouped by time in SQL and fed in order to km_scan,
 * so that no point's rows are held in memory), and the mean and confidence
 * interval of each scalar over its seeds.
 *
 * The confidence interval: the seeds' values are n independent draws (each
 * seed its own random streams), the interval mean +- t(0.975, n-1) s /
 * sqrt(n) with s the sample standard deviation; t from GSL.  It says how
 * well n seeds pin the run-level value down, not how a single run varies.
 */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <sqlite3.h>

#include "engine/err.h"

/* ---- helpers ------------------------------------------------------------- */

static char *dup_text(const char *s)
{
    size_t n;
    char *c;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    c = malloc(n);
    return c ? memcpy(c, s, n) : NULL;
}

/* Column i as a copy (NULL for SQL NULL); *oom set when out of memory. */
static char *col_text(sqlite3_stmt *st, int i, int *oom)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    char *c;

    if (t == NULL)
        return NULL;
    if ((c = dup_text(t)) == NULL)
        *oom = 1;
    return c;
}

static double col_double(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, sim_diag *d)
{
    *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        diag_add(d, "reading the results: %s", sqlite3_errmsg(db));
        sqlite3_finalize(*st);
        *st = NULL;
        return SIM_EDB;
    }
    return SIM_OK;
}

static int db_error(sqlite3 *db, sim_diag *d)
{
    diag_add(d, "reading the results: %s", sqlite3_errmsg(db));
    return SIM_EDB;
}

/* The run scalar called name, or -1. */
static int scalar_id(const char *name)
{
    if (name == NULL) /* NOT NULL in offsim's schema; a damaged file may say otherwise */
        return -1;
    for (int i = 0; i < RESULTS_SCALAR_N; i++)
        if (strcmp(results_scalar_name[i], name) == 0)
            return i;
    return -1;
}

static void all_nan(double *v)
{
    for (int i = 0; i < RESULTS_SCALAR_N; i++)
        v[i] = NAN;
}

int report_open(const char *path, sqlite3 **db, sim_diag *d)
{
    return results_open_reader(path, db, d);
}

void report_close(sqlite3 *db)
{
    sqlite3_close(db);
}

/* ---- one run ------------------------------------------------------------- */

report_quantile report_quantile_of(const double *scalar, int k)
{
    report_quantile q = {KM_EMPTY, 0};

    if (!(scalar[RESULTS_CLOSE_N] > 0))
        return q;
    if (scalar[results_quantile_mark(k)] == 1) {
        q.r = KM_NOT_REACHED;
        q.s = scalar[RESULTS_CLOSE_LONGEST_S];
    } else {
        q.r = KM_REACHED;
        q.s = scalar[results_quantile_scalar(k)];
    }
    return q;
}

/* A run parameter's text, or NULL. */
static char *param_text(sqlite3 *db, int64_t id, const char *key, double *num, int *oom)
{
    sqlite3_stmt *st;
    char *v = NULL;

    if (num)
        *num = NAN;
    if (sqlite3_prepare_v2(db, "SELECT value, num FROM run_param WHERE run_id = ?1 AND key = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = col_text(st, 0, oom);
        if (num)
            *num = col_double(st, 1);
    }
    sqlite3_finalize(st);
    return v;
}

/* The peer classes of a run, in the order of their sections. */
static int read_classes(sqlite3 *db, report_run *r, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "SELECT substr(key, 6, length(key) - 11) FROM run_param "
                         "WHERE run_id = ?1 AND key LIKE 'peer.%.share' ORDER BY rowid",
                     &st, d);
    int oom = 0, step = SQLITE_DONE;

    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, r->id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        report_class *v = realloc(r->cls, (r->ncls + 1) * sizeof *v);

        if (v == NULL) {
            oom = 1;
            break;
        }
        r->cls = v;
        v = &r->cls[r->ncls];
        all_nan(v->scalar);
        if ((v->peer = col_text(st, 0, &oom)) == NULL) {
            oom = 1;
            break;
        }
        r->ncls++;
    }
    sqlite3_finalize(st);
    if (oom)
        return SIM_ENOMEM;
    return step == SQLITE_DONE ? SIM_OK : db_error(db, d);
}

/* "peer.NAME.x" into the class NAME's scalar x; run scalars into r. */
static void place_scalar(report_run *r, const char *name, double v)
{
    if (name == NULL) /* NOT NULL in offsim's schema; a damaged file may say otherwise */
        return;
    if (strncmp(name, "peer.", 5) == 0) {
        const char *peer = name + 5, *dot = strchr(peer, '.');
        int id;

        if (dot == NULL || (id = scalar_id(dot + 1)) < 0)
            return;
        for (size_t k = 0; k < r->ncls; k++)
            if (strlen(r->cls[k].peer) == (size_t)(dot - peer) &&
                strncmp(r->cls[k].peer, peer, (size_t)(dot - peer)) == 0)
                r->cls[k].scalar[id] = v;
        return;
    }
    {
        int id = scalar_id(name);

        if (id >= 0)
            r->scalar[id] = v;
    }
}

int report_run_read(sqlite3 *db, int64_t id, report_run *r, sim_diag *d)
{
    sqlite3_stmt *st;
    int oom = 0, rc;

    memset(r, 0, sizeof *r);
    r->id = id;
    all_nan(r->scalar);
    rc = prepare(db, "SELECT r.scenario, r.engine, r.status, r.started, r.command_line, r.host,"
                     " r.build, r.seed, r.wall_s, r.sim_end_ns / " RESULTS_SQL_S ", r.events,"
                     " p.point FROM run r JOIN run_point p ON p.run_id = r.id WHERE r.id = ?1",
                 &st, d);
    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        if (rc == SQLITE_DONE) {
            diag_add(d, "no run %lld in the database", (long long)id);
            rc = SIM_EINVAL;
        } else {
            rc = db_error(db, d);
        }
        sqlite3_finalize(st);
        return rc;
    }
    rc = SIM_OK;
    r->scenario = col_text(st, 0, &oom);
    r->engine = col_text(st, 1, &oom);
    r->status = col_text(st, 2, &oom);
    r->started = col_text(st, 3, &oom);
    r->command_line = col_text(st, 4, &oom);
    r->host = col_text(st, 5, &oom);
    r->build = col_text(st, 6, &oom);
    r->seed = (uint64_t)sqlite3_column_int64(st, 7);
    r->wall_s = col_double(st, 8);
    r->sim_end_s = col_double(st, 9);
    r->events = (uint64_t)sqlite3_column_int64(st, 10);
    r->point = col_text(st, 11, &oom);
    sqlite3_finalize(st);
    r->window = param_text(db, id, "sim.window", NULL, &oom);
    r->log = param_text(db, id, "sim.log", NULL, &oom);
    free(param_text(db, id, "sim.warmup", &r->warmup_s, &oom));
    {
        char *on = param_text(db, id, "host.fw2_idle_on", NULL, &oom);
        char *mode = param_text(db, id, "host.fw2_mode", NULL, &oom);

        r->restart_any = on != NULL && mode != NULL && strcmp(on, "any") == 0 &&
                         strcmp(mode, "idle") == 0;
        free(on);
        free(mode);
    }
    if (oom)
        rc = SIM_ENOMEM;
    if (rc == SIM_OK)
        rc = read_classes(db, r, d);
    if (rc == SIM_OK)
        rc = prepare(db, "SELECT name, value FROM scalar WHERE run_id = ?1", &st, d);
    if (rc == SIM_OK) {
        sqlite3_bind_int64(st, 1, id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            place_scalar(r, (const char *)sqlite3_column_text(st, 0), col_double(st, 1));
        rc = rc == SQLITE_DONE ? SIM_OK : db_error(db, d);
        sqlite3_finalize(st);
    }
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc != SIM_OK)
        report_run_free(r);
    return rc;
}

void report_run_free(report_run *r)
{
    free(r->scenario);
    free(r->engine);
    free(r->status);
    free(r->started);
    free(r->command_line);
    free(r->host);
    free(r->build);
    free(r->point);
    free(r->window);
    free(r->log);
    for (size_t k = 0; k < r->ncls; k++)
        free(r->cls[k].peer);
    free(r->cls);
    memset(r, 0, sizeof *r);
}

/* ---- statistics over seeds ---------------------------------------------- */

report_stat report_stat_of(const double *v, size_t n)
{
    report_stat st = {n, NAN, NAN};
    double sum = 0, ss = 0;

    if (n == 0)
        return st;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    st.mean = sum / (double)n;
    if (n < 2)
        return st;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - st.mean) * (v[i] - st.mean);
    st.half = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * sqrt(ss / (double)(n - 1)) /
              sqrt((double)n);
    return st;
}

/* ---- selecting runs -------------------------------------------------------- */

int report_complete_count(sqlite3 *db, const char *identity)
{
    sqlite3_stmt *st;
    int n = SIM_EDB;

    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM run WHERE identity = ?1 AND status = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return SIM_EDB;
    sqlite3_bind_text(st, 1, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

int report_select_runs(sqlite3 *db, const report_select *sel, int64_t **run, size_t *n,
                       char **scenario, sim_diag *d)
{
    sqlite3_stmt *st;
    int64_t *v = NULL;
    size_t cap = 0;
    int oom = 0, step = SQLITE_DONE, rc;

    *run = NULL;
    *n = 0;
    *scenario = NULL;
    if (sel->run != NULL) {
        /* Explicit runs: those of them that are complete, and their scenario
         * (the first's). */
        rc = prepare(db, "SELECT scenario FROM run WHERE id = ?1 AND status = ?2", &st, d);
        if (rc != SIM_OK)
            return rc;
        sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
        for (size_t i = 0; i < sel->n && !oom && step == SQLITE_DONE; i++) {
            sqlite3_bind_int64(st, 1, sel->run[i]);
            if ((step = sqlite3_step(st)) == SQLITE_ROW) {
                step = SQLITE_DONE;
                if (*n == cap) {
                    int64_t *w = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *w);

                    if (w == NULL) {
                        oom = 1;
                        break;
                    }
                    v = w;
                }
                v[(*n)++] = sel->run[i];
                if (*scenario == NULL)
                    *scenario = col_text(st, 0, &oom);
            }
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    } else {
        rc = prepare(db, "SELECT id, scenario FROM run WHERE status = ?2 AND scenario = "
                         "COALESCE(?1, (SELECT scenario FROM run WHERE status = ?2 "
                         "ORDER BY id DESC LIMIT 1)) ORDER BY id",
                     &st, d);
        if (rc != SIM_OK)
            return rc;
        if (sel->scenario != NULL)
            sqlite3_bind_text(st, 1, sel->scenario, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
        while (!oom && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (*n == cap) {
                int64_t *w = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *w);

                if (w == NULL) {
                    oom = 1;
                    break;
                }
                v = w;
            }
            v[(*n)++] = sqlite3_column_int64(st, 0);
            if (*scenario == NULL)
                *scenario = col_text(st, 1, &oom);
        }
        sqlite3_finalize(st);
    }
    if (oom || (step != SQLITE_DONE && step != SQLITE_ROW)) {
        free(v);
        free(*scenario);
        *scenario = NULL;
        *n = 0;
        if (oom) {
            diag_add(d, "out of memory");
            return SIM_ENOMEM;
        }
        return db_error(db, d);
    }
    if (*n == 0) {
        free(v);
        if (sel->scenario != NULL)
            diag_add(d, "no complete run of %s in the database", sel->scenario);
        else
            diag_add(d, "no complete run in the database");
        return SIM_EINVAL;
    }
    *run = v;
    return SIM_OK;
}

/* ---- sweep points ----------------------------------------------------------- */

/* A run, with its values of the varied keys, for grouping. */
typedef struct prow {
    int64_t id;
    uint64_t seed;
    int conn;             /* it has conn rows */
    char **value;
    double *num;
    int64_t *first;       /* per key: the first run with this value */
    size_t nkeys;
} prow;

/* By the keys' values (numbers in numeric order where both have one, names
 * in the order they were first run: a sweep's --vary list, as offsim plot
 * orders them), then seed. */
static int by_point(const void *a, const void *b)
{
    const prow *x = a, *y = b;

    for (size_t k = 0; k < x->nkeys; k++) {
        int c;

        if (!isnan(x->num[k]) && !isnan(y->num[k])) {
            if (x->num[k] != y->num[k])
                return x->num[k] < y->num[k] ? -1 : 1;
        } else if (x->first[k] != y->first[k]) {
            return x->first[k] < y->first[k] ? -1 : 1;
        }
        c = strcmp(x->value[k] ? x->value[k] : "", y->value[k] ? y->value[k] : "");
        if (c != 0)
            return c;
    }
    return (x->seed > y->seed) - (x->seed < y->seed);
}

static int same_point(const prow *x, const prow *y)
{
    for (size_t k = 0; k < x->nkeys; k++)
        if (strcmp(x->value[k] ? x->value[k] : "", y->value[k] ? y->value[k] : "") != 0)
            return 0;
    return 1;
}

/* The varied keys of the selected runs (temp.rep_sel). */
static int read_keys(sqlite3 *db, report_points *p, sim_diag *d)
{
    sqlite3_stmt *st;
    int oom = 0, step = SQLITE_DONE;
    int rc = prepare(db, "SELECT DISTINCT key FROM run_param WHERE varied = 1 AND "
                         "run_id IN (SELECT run_id FROM temp.rep_sel) ORDER BY key",
                     &st, d);

    if (rc != SIM_OK)
        return rc;
    while (!oom && (step = sqlite3_step(st)) == SQLITE_ROW) {
        char **v = realloc(p->key, (p->nkeys + 1) * sizeof *v);

        if (v == NULL) {
            oom = 1;
            break;
        }
        p->key = v;
        if ((p->key[p->nkeys] = col_text(st, 0, &oom)) != NULL)
            p->nkeys++;
    }
    sqlite3_finalize(st);
    if (oom)
        return SIM_ENOMEM;
    return step == SQLITE_DONE ? SIM_OK : db_error(db, d);
}

static int fill_temp(sqlite3 *db, const char *table, const int64_t *run, size_t n, sim_diag *d)
{
    sqlite3_stmt *st;
    char sql[128];
    int rc;

    snprintf(sql, sizeof sql, "DELETE FROM temp.%s", table); /* table: ours, not data */
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return db_error(db, d);
    snprintf(sql, sizeof sql, "INSERT INTO temp.%s(run_id) VALUES(?1)", table);
    if ((rc = prepare(db, sql, &st, d)) != SIM_OK)
        return rc;
    for (size_t i = 0; i < n && rc == SIM_OK; i++) {
        sqlite3_bind_int64(st, 1, run[i]);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_error(db, d);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Close latency of the runs in temp.rep_pt pooled: Kaplan-Meier by km_scan. */
static int pool(sqlite3 *db, report_point *pt, sim_diag *d)
{
    sqlite3_stmt *st;
    km_scan sc;
    int rc = prepare(db, "SELECT COUNT(*), TOTAL(censored) FROM close_latency WHERE in_summary "
                         "AND run_id IN (SELECT run_id FROM temp.rep_pt)",
                     &st, d);

    if (rc != SIM_OK)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = db_error(db, d); /* an aggregate always has its row */
        sqlite3_finalize(st);
        return rc;
    }
    pt->pooled_n = (uint64_t)sqlite3_column_int64(st, 0);
    pt->pooled_censored = (uint64_t)sqlite3_column_double(st, 1);
    sqlite3_finalize(st);
    km_scan_init(&sc, pt->pooled_n, RESULTS_NQ, results_quantile_p);
    rc = prepare(db, "SELECT close_s, TOTAL(NOT censored), TOTAL(censored) FROM close_latency "
                     "WHERE in_summary AND run_id IN (SELECT run_id FROM temp.rep_pt) "
                     "GROUP BY close_s ORDER BY close_s",
                 &st, d);
    if (rc != SIM_OK)
        return rc;
    {
        uint64_t fed = 0;

        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            uint64_t ev = (uint64_t)sqlite3_column_double(st, 1);
            uint64_t ce = (uint64_t)sqlite3_column_double(st, 2);

            if (fed + ev + ce > pt->pooled_n)
                break; /* rows written meanwhile; stop rather than overrun */
            km_scan_add(&sc, sqlite3_column_double(st, 0), ev, ce);
            fed += ev + ce;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE || fed != pt->pooled_n)
            return db_error(db, d);
    }
    for (int k = 0; k < RESULTS_NQ; k++)
        pt->q[k].r = km_scan_quantile(&sc, (size_t)k, &pt->q[k].s);
    pt->pooled = 1;
    return SIM_OK;
}

/* A setting the runs in temp.rep_pt differ in, other than the seed. */
static int mixed_setting(sqlite3 *db, report_point *pt, sim_diag *d)
{
    sqlite3_stmt *st;
    int oom = 0, rc = prepare(db,
                              "SELECT key FROM run_param WHERE run_id IN (SELECT run_id FROM "
                              "temp.rep_pt) AND key <> 'sim.seed' GROUP BY key "
                              "HAVING COUNT(DISTINCT value) > 1 OR COUNT(*) < ?1 "
                              "UNION ALL SELECT 'engine' WHERE (SELECT COUNT(DISTINCT engine) FROM run "
                              "WHERE id IN (SELECT run_id FROM temp.rep_pt)) > 1 LIMIT 1",
                              &st, d);

    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)pt->nruns);
    if (sqlite3_step(st) == SQLITE_ROW)
        pt->mixed = col_text(st, 0, &oom);
    sqlite3_finalize(st);
    return oom ? SIM_ENOMEM : SIM_OK;
}

/* The per-seed statistics of a point's runs: every run scalar. */
static int seed_stats(sqlite3 *db, report_point *pt, sim_diag *d)
{
    double *v = malloc(pt->nruns * RESULTS_SCALAR_N * sizeof *v), *col;
    sqlite3_stmt *st;
    int rc;

    if (v == NULL)
        return SIM_ENOMEM;
    for (size_t i = 0; i < pt->nruns * RESULTS_SCALAR_N; i++)
        v[i] = NAN;
    rc = prepare(db, "SELECT name, value FROM scalar WHERE run_id = ?1 AND name NOT LIKE 'peer.%'",
                 &st, d);
    for (size_t i = 0; i < pt->nruns && rc == SIM_OK; i++) {
        int step;

        sqlite3_bind_int64(st, 1, pt->run[i]);
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            int id = scalar_id((const char *)sqlite3_column_text(st, 0));

            if (id >= 0)
                v[(size_t)id * pt->nruns + i] = col_double(st, 1);
        }
        if (step != SQLITE_DONE)
            rc = db_error(db, d);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (rc == SIM_OK && (col = malloc((pt->nruns ? pt->nruns : 1) * sizeof *col)) != NULL) {
        for (int id = 0; id < RESULTS_SCALAR_N; id++) {
            size_t m = 0;

            for (size_t i = 0; i < pt->nruns; i++)
                if (!isnan(v[(size_t)id * pt->nruns + i]))
                    col[m++] = v[(size_t)id * pt->nruns + i];
            pt->stat[id] = report_stat_of(col, m);
        }
        for (int k = 0; k < RESULTS_NQ; k++) {
            size_t mark = (size_t)results_quantile_mark(k) * pt->nruns;

            for (size_t i = 0; i < pt->nruns; i++)
                pt->not_reached[k] += v[mark + i] == 1;
        }
        free(col);
    } else if (rc == SIM_OK) {
        rc = SIM_ENOMEM;
    }
    free(v);
    return rc;
}

static void free_rows(prow *row, size_t n)
{
    if (row == NULL)
        return; /* read_rows was not reached, or failed and freed them */
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; row[i].value != NULL && k < row[i].nkeys; k++)
            free(row[i].value[k]);
        free(row[i].value);
        free(row[i].num);
        free(row[i].first);
    }
    free(row);
}

/* A value of a key and the first selected run that has it. */
typedef struct first_run {
    char *value;
    int64_t id;
} first_run;

static int by_value(const void *a, const void *b)
{
    return strcmp(((const first_run *)a)->value, ((const first_run *)b)->value);
}

/* row[i].first[k]: the first selected run with row i's value of key k. */
static int read_first_runs(sqlite3 *db, const report_points *p, prow *row, size_t n, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "SELECT value, MIN(run_id) FROM run_param WHERE key = ?1 AND run_id IN "
                         "(SELECT run_id FROM temp.rep_sel) GROUP BY value",
                     &st, d);

    for (size_t k = 0; k < p->nkeys && rc == SIM_OK; k++) {
        first_run *v = NULL;
        size_t nv = 0, cap = 0;
        int oom = 0, s;

        sqlite3_bind_text(st, 1, p->key[k], -1, SQLITE_STATIC);
        while (!oom && (s = sqlite3_step(st)) == SQLITE_ROW) {
            if (nv == cap) {
                first_run *w = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *w);

                if (w == NULL) {
                    oom = 1;
                    break;
                }
                v = w;
            }
            v[nv].id = sqlite3_column_int64(st, 1);
            if ((v[nv].value = col_text(st, 0, &oom)) != NULL)
                nv++;
        }
        if (!oom && s != SQLITE_DONE)
            rc = db_error(db, d);
        sqlite3_reset(st);
        if (!oom && rc == SIM_OK) {
            /* No value read (the key's text differs from what SQLite matches,
             * or a damaged file): v is NULL, which qsort and bsearch may not take. */
            if (nv > 1)
                qsort(v, nv, sizeof *v, by_value);
            for (size_t i = 0; i < n; i++) {
                first_run key = {row[i].value[k], 0}, *f;

                f = key.value && nv > 0 ? bsearch(&key, v, nv, sizeof *v, by_value) : NULL;
                row[i].first[k] = f ? f->id : INT64_MAX;
            }
        }
        for (size_t i = 0; i < nv; i++)
            free(v[i].value);
        free(v);
        if (oom)
            rc = SIM_ENOMEM;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Each selected run with its values of the keys. */
static int read_rows(sqlite3 *db, const report_points *p, const int64_t *run, size_t n,
                     prow **out, sim_diag *d)
{
    prow *row = calloc(n ? n : 1, sizeof *row);
    sqlite3_stmt *st;
    int oom = row == NULL, rc;

    *out = NULL;
    if (oom)
        return SIM_ENOMEM;
    rc = prepare(db, "SELECT seed, COALESCE((SELECT value FROM run_param WHERE run_id = r.id "
                     "AND key = 'sim.log'), '') <> 'summary' FROM run r WHERE id = ?1",
                 &st, d);
    for (size_t i = 0; i < n && rc == SIM_OK && !oom; i++) {
        row[i].id = run[i];
        row[i].nkeys = p->nkeys;
        row[i].value = calloc(p->nkeys ? p->nkeys : 1, sizeof *row[i].value);
        row[i].num = calloc(p->nkeys ? p->nkeys : 1, sizeof *row[i].num);
        row[i].first = calloc(p->nkeys ? p->nkeys : 1, sizeof *row[i].first);
        if (row[i].value == NULL || row[i].num == NULL || row[i].first == NULL) {
            oom = 1;
            break;
        }
        sqlite3_bind_int64(st, 1, run[i]);
        if (sqlite3_step(st) == SQLITE_ROW) {
            row[i].seed = (uint64_t)sqlite3_column_int64(st, 0);
            row[i].conn = sqlite3_column_int(st, 1);
        } else {
            rc = db_error(db, d); /* a selected run is there, or the file is damaged */
        }
        sqlite3_reset(st);
        for (size_t k = 0; k < p->nkeys; k++)
            row[i].value[k] = param_text(db, run[i], p->key[k], &row[i].num[k], &oom);
    }
    sqlite3_finalize(st);
    if (oom || rc != SIM_OK) {
        free_rows(row, n);
        return oom ? SIM_ENOMEM : rc;
    }
    *out = row;
    return SIM_OK;
}

/* A point of rows [a, b): its values, runs and seeds. */
static int make_point(const report_points *p, const prow *row, size_t a, size_t b,
                      report_point *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->nruns = b - a;
    pt->value = calloc(p->nkeys ? p->nkeys : 1, sizeof *pt->value);
    pt->num = calloc(p->nkeys ? p->nkeys : 1, sizeof *pt->num);
    pt->run = calloc(pt->nruns, sizeof *pt->run);
    pt->seed = calloc(pt->nruns, sizeof *pt->seed);
    if (pt->value == NULL || pt->num == NULL || pt->run == NULL || pt->seed == NULL)
        return SIM_ENOMEM;
    for (size_t k = 0; k < p->nkeys; k++) {
        pt->num[k] = row[a].num[k];
        if (row[a].value[k] != NULL && (pt->value[k] = dup_text(row[a].value[k])) == NULL)
            return SIM_ENOMEM;
    }
    for (size_t i = a; i < b; i++) {
        pt->run[i - a] = row[i].id;
        pt->seed[i - a] = row[i].seed;
    }
    return SIM_OK;
}

int report_points_read(sqlite3 *db, const report_select *sel, report_points *p, sim_diag *d)
{
    int64_t *run = NULL;
    size_t n = 0;
    prow *row = NULL;
    int rc;

    memset(p, 0, sizeof *p);
    rc = report_select_runs(db, sel, &run, &n, &p->scenario, d);
    if (rc != SIM_OK)
        return rc;
    p->nruns = n;
    if (sqlite3_exec(db,
                     "PRAGMA temp_store = MEMORY;"
                     "CREATE TEMP TABLE IF NOT EXISTS rep_sel(run_id INTEGER PRIMARY KEY);"
                     "CREATE TEMP TABLE IF NOT EXISTS rep_pt(run_id INTEGER PRIMARY KEY);",
                     NULL, NULL, NULL) != SQLITE_OK)
        rc = db_error(db, d);
    if (rc == SIM_OK)
        rc = fill_temp(db, "rep_sel", run, n, d);
    if (rc == SIM_OK)
        rc = read_keys(db, p, d);
    if (rc == SIM_OK)
        rc = read_rows(db, p, run, n, &row, d);
    if (rc == SIM_OK)
        rc = read_first_runs(db, p, row, n, d);
    if (rc == SIM_OK)
        qsort(row, n, sizeof *row, by_point);
    for (size_t a = 0, b; rc == SIM_OK && a < n; a = b) {
        report_point *v;
        int conn = 1;

        for (b = a + 1; b < n && same_point(&row[a], &row[b]); b++)
            ;
        if ((v = realloc(p->pt, (p->npt + 1) * sizeof *v)) == NULL) {
            rc = SIM_ENOMEM;
            break;
        }
        p->pt = v;
        v = &p->pt[p->npt++];
        rc = make_point(p, row, a, b, v);
        for (size_t i = a; i < b; i++)
            conn &= row[i].conn;
        if (rc == SIM_OK)
            rc = seed_stats(db, v, d);
        if (rc == SIM_OK)
            rc = fill_temp(db, "rep_pt", v->run, v->nruns, d);
        if (rc == SIM_OK)
            rc = mixed_setting(db, v, d);
        if (rc == SIM_OK && conn)
            rc = pool(db, v, d);
    }
    free_rows(row, n);
    free(run);
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc != SIM_OK)
        report_points_free(p);
    return rc;
}

void report_points_free(report_points *p)
{
    for (size_t i = 0; i < p->npt; i++) {
        for (size_t k = 0; p->pt[i].value != NULL && k < p->nkeys; k++)
            free(p->pt[i].value[k]);
        free(p->pt[i].value);
        free(p->pt[i].num);
        free(p->pt[i].run);
        free(p->pt[i].seed);
        free(p->pt[i].mixed);
    }
    free(p->pt);
    for (size_t k = 0; k < p->nkeys; k++)
        free(p->key[k]);
    free(p->key);
    free(p->scenario);
    memset(p, 0, sizeof *p);
}
