/*
 * figure.c - the data of offsim's figures (see figure.h).
 *
 * figure_open() leaves three temporary tables on a read-only connection
 * (temp_store = MEMORY: the database file is never written):
 *
 *     sel(run_id)                            the complete runs of the scenario
 *     lab(run_id, xtext, xnum, label, series) each run's x value and series
 *     ser(label, xnum, xtext, series, runs)   the series, numbered in x order
 *
 * and each kind is one query over them, returning at most a few hundred
 * rows per series.  The x key comes from run_param (the value as written,
 * and num in SI base units); without one, the run_point view names a run's
 * series.
 */
#include "figure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "engine/sim.h"
#include "io/params.h"
#include "io/results.h"
#include "io/stats.h"

struct figure {
    sqlite3 *db;
    char *scenario;
    char *xkey;   /* NULL: each sweep point is a series */
    char *xlabel;
    int numeric;
    int need_x;
};

/* A copy of s; NULL when out of memory (or s is, as SQLite's text is then). */
static char *dup_text(const char *s)
{
    size_t n = s ? strlen(s) + 1 : 0;
    char *c = s ? malloc(n) : NULL;

    return c ? memcpy(c, s, n) : NULL;
}

static int sql_error(figure *f, sim_diag *d)
{
    diag_add(d, "%s", sqlite3_errmsg(f->db));
    return SIM_EDB;
}

static int exec(figure *f, const char *sql, sim_diag *d)
{
    char *err = NULL;

    if (sqlite3_exec(f->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        diag_add(d, "%s", err ? err : "SQL error");
        sqlite3_free(err);
        return SIM_EDB;
    }
    return SIM_OK;
}

static int prepare(figure *f, const char *sql, sqlite3_stmt **st, sim_diag *d)
{
    *st = NULL;
    if (sqlite3_prepare_v2(f->db, sql, -1, st, NULL) != SQLITE_OK) {
        sqlite3_finalize(*st);
        *st = NULL;
        return sql_error(f, d);
    }
    return SIM_OK;
}

/* Run a statement that returns no row, with ?1 bound to text. */
static int exec_with(figure *f, const char *sql, const char *text, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(f, sql, &st, d);

    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? SIM_OK : sql_error(f, d);
    sqlite3_finalize(st);
    return rc;
}

/* The scenario whose runs are drawn: the one given, or the latest run's. */
static int pick_scenario(figure *f, const char *scenario, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(f, "SELECT scenario FROM run WHERE status = ?2 AND "
                        "(?1 IS NULL OR scenario = ?1) ORDER BY id DESC LIMIT 1", &st, d);

    if (rc != SIM_OK)
        return rc;
    if (scenario)
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        diag_add(d, "no complete run%s%s in the database", scenario ? " of " : "",
                 scenario ? scenario : "");
        rc = SIM_EINVAL;
    } else if ((f->scenario = dup_text((const char *)sqlite3_column_text(st, 0))) == NULL) {
        rc = SIM_ENOMEM;
    }
    sqlite3_finalize(st);
    if (rc != SIM_OK)
        return rc;
    rc = prepare(f, "CREATE TEMP TABLE sel AS SELECT id AS run_id FROM run "
                    "WHERE status = ?2 AND scenario = ?1", &st, d);
    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_text(st, 1, f->scenario, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, results_status_name[RESULTS_COMPLETE], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        diag_add(d, "selecting runs: %s", sqlite3_errmsg(f->db));
        rc = SIM_EDB;
    }
    sqlite3_finalize(st);
    return rc;
}

/*
 * The x key when none was given: the key the runs varied, if only one.
 * Without one, a figure with an x axis cannot be drawn.
 */
static int default_xkey(figure *f, sim_diag *d)
{
    sqlite3_stmt *st;
    sqlite3_str *keys = sqlite3_str_new(f->db);
    int nkeys = 0, rc = prepare(f, "SELECT DISTINCT key FROM run_param WHERE varied = 1 AND "
                                   "run_id IN (SELECT run_id FROM sel) ORDER BY key", &st, d);
    char *list;

    while (rc == SIM_OK && sqlite3_step(st) == SQLITE_ROW)
        sqlite3_str_appendf(keys, "%s%s", nkeys++ ? ", " : "", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    list = sqlite3_str_finish(keys);
    if (rc == SIM_OK && list == NULL && nkeys > 0)
        rc = SIM_ENOMEM;
    if (rc == SIM_OK && nkeys == 1 && (f->xkey = dup_text(list)) == NULL)
        rc = SIM_ENOMEM;
    if (rc == SIM_OK && f->xkey == NULL && f->need_x) {
        if (nkeys > 1)
            diag_add(d, "several keys were varied (%s): say which one is the x axis with --x",
                     list);
        else
            diag_add(d, "--kind vs needs a key on the x axis, and no key was varied in these "
                        "runs: give --x KEY");
        rc = SIM_EINVAL;
    }
    sqlite3_free(list);
    return rc;
}

/*
 * Runs of one scenario path may have been made with different --set values
 * (or on different engines): pooled into one series they would make a curve
 * that no run had.  Only the x key, the keys a sweep varied and the seed may
 * differ; anything else is refused, naming the keys and their values.
 */
static int check_pooling(figure *f, sim_diag *d)
{
    sqlite3_stmt *st;
    sqlite3_str *keys = sqlite3_str_new(f->db);
    int n = 0, rc = prepare(
        f,
        "WITH p AS (SELECT key, value FROM run_param WHERE run_id IN (SELECT run_id FROM sel) "
        "  AND key <> 'sim.seed' AND key IS NOT ?1 AND key NOT IN (SELECT key FROM run_param "
        "  WHERE varied = 1 AND run_id IN (SELECT run_id FROM sel))) "
        "SELECT key, COUNT(DISTINCT value), MIN(value), MAX(value), "
        "  COUNT(*) < (SELECT COUNT(*) FROM sel) FROM p GROUP BY key "
        "  HAVING COUNT(DISTINCT value) > 1 OR COUNT(*) < (SELECT COUNT(*) FROM sel) "
        "UNION ALL SELECT 'the engine', COUNT(DISTINCT engine), MIN(engine), MAX(engine), 0 "
        "  FROM run WHERE id IN (SELECT run_id FROM sel) HAVING COUNT(DISTINCT engine) > 1 "
        "ORDER BY 1",
        &st, d);
    char *list;

    if (rc != SIM_OK) {
        sqlite3_free(sqlite3_str_finish(keys));
        return rc;
    }
    if (f->xkey != NULL)
        sqlite3_bind_text(st, 1, f->xkey, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int values = sqlite3_column_int(st, 1);

        if (n++ > 0)
            sqlite3_str_appendall(keys, "; ");
        sqlite3_str_appendf(keys, "%s ", sqlite3_column_text(st, 0));
        if (values > 1)
            sqlite3_str_appendf(keys, "%s '%s' %s '%s'", values == 2 ? "is" : "goes from",
                                sqlite3_column_text(st, 2), values == 2 ? "or" : "to",
                                sqlite3_column_text(st, 3));
        if (sqlite3_column_int(st, 4))
            sqlite3_str_appendf(keys, "%sis missing in some runs", values > 1 ? ", " : "");
    }
    rc = sqlite3_finalize(st) == SQLITE_OK ? SIM_OK : sql_error(f, d);
    list = sqlite3_str_finish(keys);
    if (rc == SIM_OK && n > 0) {
        if (list == NULL) {
            rc = SIM_ENOMEM;
        } else {
            diag_add(d,
                     "the complete runs of %s differ in %s no sweep varied (%s): one curve "
                     "would pool them; vary %s in one sweep (offsim sweep --vary), or keep "
                     "such runs in separate databases",
                     f->scenario, n == 1 ? "a setting" : "settings", list,
                     n == 1 ? "it" : "them");
            rc = SIM_EINVAL;
        }
    }
    sqlite3_free(list);
    return rc;
}

/* "nic.fin_wait_2_timeout (s)": the x key and the unit of run_param.num. */
static int make_xlabel(figure *f)
{
    const char *dot = strchr(f->xkey, '.'), *last = strrchr(f->xkey, '.');
    const char *unit = NULL;
    size_t n = strlen(f->xkey) + 16;

    if (dot != NULL) {
        char *section = dup_text(f->xkey);
        const param *p;

        if (section == NULL)
            return SIM_ENOMEM;
        section[dot - f->xkey] = '\0';
        p = params_find(section, last + 1);
        unit = p ? param_si_unit(p) : NULL;
        free(section);
    }
    if ((f->xlabel = malloc(n)) == NULL)
        return SIM_ENOMEM;
    snprintf(f->xlabel, n, "%s%s%s%s", f->xkey, unit ? " (" : "", unit ? unit : "",
             unit ? ")" : "");
    return SIM_OK;
}

/* lab: each run's value of the x key. */
static int label_by_key(figure *f, sim_diag *d)
{
    sqlite3_stmt *st;
    int n = 0, rc = make_xlabel(f);

    if (rc == SIM_OK)
        rc = prepare(f, "SELECT COUNT(*), SUM(num IS NOT NULL) FROM run_param WHERE key = ?1 "
                        "AND run_id IN (SELECT run_id FROM sel)", &st, d);
    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_text(st, 1, f->xkey, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int(st, 0);
        f->numeric = n > 0 && sqlite3_column_int(st, 1) == n;
    }
    sqlite3_finalize(st);
    if (n == 0) {
        diag_add(d, "no key '%s' in these runs' parameters (keys are written as on the "
                    "command line, e.g. nic.fin_wait_2_timeout)", f->xkey);
        return SIM_EINVAL;
    }
    return exec_with(f, "CREATE TEMP TABLE lab AS SELECT s.run_id, p.value AS xtext, "
                        "p.num AS xnum, p.value AS label FROM sel s "
                        "JOIN run_param p ON p.run_id = s.run_id AND p.key = ?1", f->xkey, d);
}

/* lab and ser: the runs' series, numbered in x order. */
static int make_series(figure *f, sim_diag *d)
{
    int rc;

    if (f->xkey != NULL)
        rc = label_by_key(f, d);
    else
        rc = exec(f, "CREATE TEMP TABLE lab AS SELECT s.run_id, rp.point AS xtext, "
                     "NULL AS xnum, CASE rp.point WHEN '' THEN 'all runs' ELSE rp.point END "
                     "AS label FROM sel s JOIN run_point rp ON rp.run_id = s.run_id", d);
    if (rc != SIM_OK)
        return rc;
    return exec(f, "CREATE TEMP TABLE ser AS SELECT label, MIN(xnum) AS xnum, "
                   "MIN(xtext) AS xtext, "
                   "ROW_NUMBER() OVER (ORDER BY MIN(xnum), MIN(xtext)) AS series, "
                   "COUNT(*) AS runs FROM lab GROUP BY label;"
                   "ALTER TABLE lab ADD COLUMN series INTEGER;"
                   "UPDATE lab SET series = (SELECT series FROM ser WHERE ser.label = lab.label);",
                d);
}

int figure_open(const char *path, const figure_query *q, figure **out, sim_diag *d)
{
    figure *f;
    int rc;

    *out = NULL;
    if ((f = calloc(1, sizeof *f)) == NULL) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    f->need_x = q->need_x;
    if ((rc = results_open_reader(path, &f->db, d)) != SIM_OK) {
        figure_close(f);
        return rc;
    }
    /* Temp tables live in memory; the database itself is only read. */
    exec(f, "PRAGMA temp_store = MEMORY", d);
    rc = pick_scenario(f, q->scenario, d);
    if (rc == SIM_OK && q->xkey != NULL && (f->xkey = dup_text(q->xkey)) == NULL)
        rc = SIM_ENOMEM;
    if (rc == SIM_OK && f->xkey == NULL)
        rc = default_xkey(f, d);
    if (rc == SIM_OK)
        rc = check_pooling(f, d);
    if (rc == SIM_OK)
        rc = make_series(f, d);
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc != SIM_OK) {
        figure_close(f);
        return rc;
    }
    *out = f;
    return SIM_OK;
}

void figure_close(figure *f)
{
    if (f == NULL)
        return;
    sqlite3_close(f->db);
    free(f->scenario);
    free(f->xkey);
    free(f->xlabel);
    free(f);
}

const char *figure_scenario(const figure *f) { return f->scenario; }
const char *figure_xkey(const figure *f) { return f->xkey; }
const char *figure_xlabel(const figure *f) { return f->xlabel; }
int figure_numeric(const figure *f) { return f->numeric; }

void figure_data_free(figure_data *fd)
{
    for (size_t i = 0; i < fd->n; i++) {
        for (size_t k = 0; k < fd->s[i].n; k++)
            free(fd->s[i].pt[k].text);
        free(fd->s[i].pt);
        free(fd->s[i].label);
    }
    free(fd->s);
    memset(fd, 0, sizeof *fd);
}

/* Start a new series labelled `label`. */
static figure_series *add_series(figure_data *fd, const char *label)
{
    figure_series *v = realloc(fd->s, (fd->n + 1) * sizeof *v);

    if (v == NULL)
        return NULL;
    fd->s = v;
    v = &fd->s[fd->n];
    memset(v, 0, sizeof *v);
    if ((v->label = dup_text(label)) == NULL)
        return NULL;
    fd->n++;
    return v;
}

/* Append a point to a series (capacity doubles: amortised O(1)). */
static figure_point *add_point(figure_series *s)
{
    if ((s->n & (s->n - 1)) == 0) { /* n is 0 or a power of two: full */
        figure_point *v = realloc(s->pt, (s->n ? 2 * s->n : 1) * sizeof *v);

        if (v == NULL)
            return NULL;
        s->pt = v;
    }
    memset(&s->pt[s->n], 0, sizeof *s->pt);
    return &s->pt[s->n++];
}

/*
 * Read rows "series, label, x, y0, y1..." (ny values, then, for a CDF, the
 * censored share) into series, one per distinct series number.
 */
static int read_series(figure *f, sqlite3_stmt *st, size_t ny, int with_censored,
                       figure_data *out, sim_diag *d)
{
    figure_series *cur = NULL;
    int last = 0, rc;

    memset(out, 0, sizeof *out);
    out->ny = ny;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);
        figure_point *pt;

        if (s != last || cur == NULL) {
            if ((cur = add_series(out, (const char *)sqlite3_column_text(st, 1))) == NULL)
                break;
            if (with_censored)
                cur->censored_pct = sqlite3_column_double(st, 3 + (int)ny);
            last = s;
        }
        if ((pt = add_point(cur)) == NULL)
            break;
        pt->x = sqlite3_column_double(st, 2);
        for (size_t v = 0; v < ny; v++)
            pt->y[v] = sqlite3_column_double(st, 3 + (int)v);
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        if (rc == SQLITE_DONE)
            return SIM_OK;
        diag_add(d, "out of memory");
        rc = SIM_ENOMEM;
    } else {
        rc = sql_error(f, d);
    }
    figure_data_free(out);
    return rc;
}

int figure_cdf(figure *f, figure_metric m, figure_data *out, sim_diag *d)
{
    int release = m == FIGURE_RELEASE;
    char *sql = sqlite3_mprintf(
        "WITH l AS (SELECT lab.series, lab.label, MAX(c.%s, 1e-6) AS v, c.%s AS cens "
        "  FROM close_latency c JOIN lab USING (run_id)),"
        " r AS (SELECT series, label, v, cens,"
        "  ROW_NUMBER() OVER (PARTITION BY series ORDER BY cens, v) AS k,"
        "  COUNT(*) OVER (PARTITION BY series) AS n,"
        "  SUM(cens) OVER (PARTITION BY series) AS nc FROM l)"
        " SELECT series, label, v, k * 1.0 / n, nc * 100.0 / n FROM r"
        " WHERE cens = 0 AND (k = 1 OR k = n - nc OR k * %d / n <> (k - 1) * %d / n)"
        " ORDER BY series, k",
        release ? "release_s" : "close_s", release ? "release_censored" : "censored",
        FIGURE_CDF_POINTS, FIGURE_CDF_POINTS);
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof *out);
    if (sql == NULL) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    rc = prepare(f, sql, &st, d);
    sqlite3_free(sql);
    if (rc == SIM_OK)
        rc = read_series(f, st, 1, 1, out, d);
    sqlite3_finalize(st);
    if (rc == SIM_OK && out->n == 0) {
        diag_add(d, "these runs have no closed connection to draw (were they run with "
                    "sim.log = summary?)");
        rc = SIM_EINVAL;
    }
    return rc;
}

/* ---- vs: percentiles of each run against x --------------------------------- */

typedef struct vs_run {
    int group;        /* one per combination of the other varied keys, in their order */
    char *glabel;     /* that combination, "k=v k=v" ("" with one varied key) */
    double x;         /* numeric x, or the series number */
    char *xtext;
    double q[3];      /* p50, p90, p99 of the run, s (not reached: the longest time seen) */
    int lb[3];        /* not reached: q is a lower bound */
} vs_run;

/* The run's Kaplan-Meier percentiles and their not_reached marks. */
static const results_scalar_id vs_scalar[3][2] = {
    {RESULTS_CLOSE_P50_S, RESULTS_CLOSE_P50_NOT_REACHED},
    {RESULTS_CLOSE_P90_S, RESULTS_CLOSE_P90_NOT_REACHED},
    {RESULTS_CLOSE_P99_S, RESULTS_CLOSE_P99_NOT_REACHED},
};
static const char *const vs_name[3] = {"median", "p90", "p99"};

static int by_group_x(const void *a, const void *b)
{
    const vs_run *x = a, *y = b;

    if (x->group != y->group)
        return x->group - y->group;
    return (x->x > y->x) - (x->x < y->x);
}

static void free_runs(vs_run *runs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(runs[i].glabel);
        free(runs[i].xtext);
    }
    free(runs);
}

/* A run from a row of read_vs_runs' query (prev: the row before, or NULL). */
static int vs_row(const figure *f, sqlite3_stmt *st, vs_run *r, const vs_run *prev,
                  int *ngroups)
{
    const char *g = (const char *)sqlite3_column_text(st, 0);

    memset(r, 0, sizeof *r);
    r->glabel = dup_text(g);
    r->xtext = dup_text((const char *)sqlite3_column_text(st, 2));
    if (r->glabel == NULL || r->xtext == NULL)
        return SIM_ENOMEM;
    /* Rows come ordered by group: a new label starts the next group. */
    r->group = prev && strcmp(prev->glabel, g) == 0 ? prev->group : ++*ngroups;
    r->x = f->numeric ? sqlite3_column_double(st, 1) : sqlite3_column_double(st, 3);
    for (int k = 0; k < 3; k++) {
        r->q[k] = sqlite3_column_double(st, 4 + k);
        r->lb[k] = sqlite3_column_int(st, 7 + k);
    }
    return SIM_OK;
}

/* One row per run with percentiles: its group, x and three percentiles. */
static int read_vs_runs(figure *f, vs_run **out, size_t *nout, sim_diag *d)
{
    sqlite3_stmt *st;
    vs_run *runs = NULL;
    size_t n = 0, cap = 0;
    int ngroups = 0, rc;
    static const char sql[] =
        "SELECT COALESCE((SELECT group_concat(key || '=' || value, ' ') FROM "
        "   (SELECT key, value FROM run_param q WHERE q.run_id = lab.run_id AND "
        "    q.varied = 1 AND q.key <> ?1 ORDER BY key)), ''),"
        " lab.xnum, lab.xtext, ser.series,"
        " COALESCE((SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?2),"
        "  (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?8)),"
        " COALESCE((SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?3),"
        "  (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?8)),"
        " COALESCE((SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?4),"
        "  (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?8)),"
        " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?5),"
        " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?6),"
        " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?7)"
        " FROM lab JOIN ser USING (label) ORDER BY 1";

    *out = NULL;
    *nout = 0;
    rc = prepare(f, sql, &st, d);
    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_text(st, 1, f->xkey, -1, SQLITE_STATIC);
    for (int k = 0; k < 3; k++) {
        sqlite3_bind_text(st, 2 + k, results_scalar_name[vs_scalar[k][0]], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5 + k, results_scalar_name[vs_scalar[k][1]], -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 8, results_scalar_name[RESULTS_CLOSE_LONGEST_S], -1, SQLITE_STATIC);
    while (rc == SIM_OK && sqlite3_step(st) == SQLITE_ROW) {
        vs_run *r;

        if (sqlite3_column_type(st, 4) == SQLITE_NULL)
            continue; /* no closed connection in this run */
        if (n == cap) {
            vs_run *v = realloc(runs, (cap = cap ? 2 * cap : 64) * sizeof *v);

            if (v == NULL) {
                rc = SIM_ENOMEM;
                break;
            }
            runs = v;
        }
        r = &runs[n++];
        rc = vs_row(f, st, r, n > 1 ? &runs[n - 2] : NULL, &ngroups);
    }
    sqlite3_finalize(st);
    if (rc != SIM_OK) {
        free_runs(runs, n);
        return rc;
    }
    *out = runs;
    *nout = n;
    return SIM_OK;
}

/*
 * The series of one group and percentile k: at each x, the median, least
 * and largest over the runs there (runs[i..end) are the group's, by x).
 * v is scratch for as many values as there are runs.
 */
static int vs_series(const vs_run *runs, size_t i, size_t end, int k, double *v,
                     figure_data *out)
{
    figure_series *s;
    char *title = sqlite3_mprintf("%s%s%s", vs_name[k], runs[i].glabel[0] ? ", " : "",
                                  runs[i].glabel);

    s = title ? add_series(out, title) : NULL;
    sqlite3_free(title);
    if (s == NULL)
        return SIM_ENOMEM;
    while (i < end) {
        figure_point *pt = add_point(s);
        size_t m = 0, j = i;

        if (pt == NULL || (pt->text = dup_text(runs[i].xtext)) == NULL)
            return SIM_ENOMEM;
        for (; j < end && runs[j].x == runs[i].x; j++) {
            v[m++] = runs[j].q[k];
            pt->lower_bound |= runs[j].lb[k];
        }
        pt->x = runs[i].x;
        pt->y[0] = stats_median(v, m); /* sorts v */
        pt->y[1] = v[0];
        pt->y[2] = v[m - 1];
        i = j;
    }
    return SIM_OK;
}

int figure_vs(figure *f, figure_data *out, sim_diag *d)
{
    vs_run *runs;
    size_t n, i = 0;
    double *v = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    out->ny = 3;
    SIM_ASSERT(f->xkey != NULL, "figure_vs on a figure opened without need_x");
    rc = read_vs_runs(f, &runs, &n, d);
    if (rc == SIM_OK && n == 0) {
        diag_add(d, "these runs have no close-latency percentiles");
        return SIM_EINVAL;
    }
    if (rc == SIM_OK && (v = malloc(n * sizeof *v)) == NULL)
        rc = SIM_ENOMEM;
    if (rc == SIM_OK) {
        qsort(runs, n, sizeof *runs, by_group_x);
        while (rc == SIM_OK && i < n) {
            size_t end = i;

            while (end < n && runs[end].group == runs[i].group)
                end++;
            for (int k = 0; k < 3 && rc == SIM_OK; k++)
                rc = vs_series(runs, i, end, k, v, out);
            i = end;
        }
        free(v);
    }
    free_runs(runs, n);
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc != SIM_OK)
        figure_data_free(out);
    return rc;
}

/* ---- time series ------------------------------------------------------------ */

/* The width of a time bin: the runs' span over FIGURE_TIME_BINS, at least 1 ns. */
static double bin_ns(figure *f)
{
    sqlite3_stmt *st = NULL;
    double end = 1;

    if (sqlite3_prepare_v2(f->db, "SELECT MAX(sim_end_ns) FROM run WHERE id IN "
                                  "(SELECT run_id FROM sel)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        end = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return ceil(end / FIGURE_TIME_BINS) > 1 ? ceil(end / FIGURE_TIME_BINS) : 1;
}

/* Rows "series, label, t, v..." of sql, ?1 the bin width in ns, ?2 SIM_S. */
static int time_series(figure *f, const char *sql, size_t ny, const char *empty,
                       figure_data *out, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(f, sql, &st, d);

    memset(out, 0, sizeof *out);
    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_double(st, 1, bin_ns(f));
    sqlite3_bind_double(st, 2, (double)SIM_S);
    rc = read_series(f, st, ny, 0, out, d);
    sqlite3_finalize(st);
    if (rc == SIM_OK && out->n == 0) {
        diag_add(d, "%s", empty);
        rc = SIM_EINVAL;
    }
    return rc;
}

int figure_occupancy(figure *f, figure_data *out, sim_diag *d)
{
    return time_series(f,
                       "SELECT ser.series, ser.label, (CAST(o.t / ?1 AS INTEGER) + 0.5) * ?1 / ?2,"
                       " AVG(o.nic_fin_wait_2), AVG(o.host_fin_wait_2)"
                       " FROM occupancy o JOIN lab USING (run_id) JOIN ser USING (label)"
                       " GROUP BY ser.series, CAST(o.t / ?1 AS INTEGER) ORDER BY 1, 3",
                       2, "these runs have no occupancy samples", out, d);
}

int figure_handoffs(figure *f, figure_data *out, sim_diag *d)
{
    return time_series(
        f,
        "SELECT ser.series, ser.label, (CAST(e.t / ?1 AS INTEGER) + 0.5) * ?1 / ?2,"
        " SUM(e.kind = 'offload') * ?2 / ?1 / ser.runs,"
        " SUM(e.kind = 'upload') * ?2 / ?1 / ser.runs,"
        " SUM(e.kind = 'indicate' AND e.detail LIKE 'Retrieve:%') * ?2 / ?1 / ser.runs"
        " FROM event e JOIN lab USING (run_id) JOIN ser USING (label)"
        " WHERE e.kind IN ('offload', 'upload', 'indicate')"
        " GROUP BY ser.series, CAST(e.t / ?1 AS INTEGER) ORDER BY 1, 3",
        3,
        "these runs have no event rows: run them with --log events (sim.log = events) to plot "
        "handoffs",
        out, d);
}
