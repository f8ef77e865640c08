/*
 * figure.c - the data of offsim's figures (see figure.h).
 *
 * figure_open() leaves two temporary tables on a read-only connection
 * (temp_store = MEMORY: the database file is never written):
 *
 *     sel(run_id)                                 the runs drawn
 *     lab(run_id, series, colour, style, xi)      each run's series, and the
 *                                                 indices of its values
 *
 * and each kind is one query over them, returning at most a few hundred
 * rows per series (the CDF streams its rows through the Kaplan-Meier
 * estimator instead).  The roles of the keys and the order of their values
 * are decided in C, from the values each run has (run_param: the value as
 * written, and num in SI base units): numbers in numeric order (10s before
 * 120s), names in the order they were first run (a sweep's --vary list).
 */
#include "figure.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "engine/sim.h"
#include "io/km.h"
#include "io/params.h"
#include "io/report.h"
#include "io/results.h"

/* One varied key: its distinct values, sorted, and each run's value. */
typedef struct key_values {
    char *key;
    int numeric;
    size_t n;
    char **label;
    double *num;
    size_t *of_run; /* per run (in f->run order): the index of its value */
} key_values;

struct figure {
    sqlite3 *db;
    char *scenario;
    int need_x;
    int64_t *run;       /* the runs drawn, ascending */
    size_t nrun;
    figure_dim x, colour, style;
    int seeds_least, seeds_most;
    char *fixed;
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

/* Finish a statement stepped to its end: SIM_OK, or the error. */
static int finish(figure *f, sqlite3_stmt *st, int rc, sim_diag *d)
{
    if (sqlite3_finalize(st) != SQLITE_OK && rc == SIM_OK)
        rc = sql_error(f, d);
    return rc;
}

/* ---- the runs --------------------------------------------------------------- */

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

/* The parameter entry of a key as written on the command line
 * ("nic.capacity", "peer.NAME.close_delay"), or NULL. */
static const param *param_of_key(const char *key)
{
    const char *dot = strchr(key, '.'), *last = strrchr(key, '.');
    char section[32];

    if (dot == NULL || (size_t)(dot - key) >= sizeof section)
        return NULL;
    memcpy(section, key, (size_t)(dot - key));
    section[dot - key] = '\0';
    if (strcmp(section, "peer") == 0 && dot == last)
        return NULL; /* peer.KEY without a class */
    return params_find(section, last + 1);
}

/* "a, b, c": the distinct values of key among the runs in sel (sqlite3_free). */
static char *values_of(figure *f, const char *key)
{
    sqlite3_stmt *st = NULL;
    sqlite3_str *s = sqlite3_str_new(f->db);
    int n = 0;

    if (sqlite3_prepare_v2(f->db, "SELECT DISTINCT value FROM run_param WHERE key = ?1 AND "
                                  "run_id IN (SELECT run_id FROM sel) ORDER BY num, value",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW && n < 20)
            sqlite3_str_appendf(s, "%s%s", n++ ? ", " : "", sqlite3_column_text(st, 0));
        if (n == 20)
            sqlite3_str_appendall(s, ", ...");
    }
    sqlite3_finalize(st);
    return sqlite3_str_finish(s);
}

/* How many runs are selected, or -1. */
static int count_sel(figure *f)
{
    sqlite3_stmt *st = NULL;
    int n = -1;

    if (sqlite3_prepare_v2(f->db, "SELECT COUNT(*) FROM sel", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Does some selected run have this key?  1, 0, or a SIM_E* code. */
static int has_key(figure *f, const char *key, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(f, "SELECT EXISTS (SELECT 1 FROM run_param WHERE key = ?1 AND "
                        "run_id IN (SELECT run_id FROM sel))", &st, d);

    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : sql_error(f, d);
    sqlite3_finalize(st);
    return rc;
}

static int no_key(figure *f, const char *what, const char *key, sim_diag *d)
{
    diag_add(d, "%s: no key '%s' in the parameters of the runs of %s (keys are written as on "
                "the command line, e.g. nic.fin_wait_2_timeout)", what, key, f->scenario);
    return SIM_EINVAL;
}

/* Keep the runs whose w[i].key matches one of the values given for it. */
static int where_key(figure *f, const figure_where *w, size_t n, size_t i, sim_diag *d)
{
    const param *p = param_of_key(w[i].key);
    sqlite3_stmt *st;
    char *before;
    int rc = has_key(f, w[i].key, d);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return no_key(f, "--where", w[i].key, d);
    if ((before = values_of(f, w[i].key)) == NULL)
        return SIM_ENOMEM;
    rc = exec(f, "DELETE FROM keep", d);
    if (rc == SIM_OK)
        rc = prepare(f,
                     "INSERT OR IGNORE INTO keep SELECT run_id FROM run_param WHERE key = ?1 AND "
                     "run_id IN (SELECT run_id FROM sel) AND (value = ?2 OR (?3 IS NOT NULL AND "
                     "num IS NOT NULL AND abs(num - ?3) <= 1e-9 * abs(?3)))",
                     &st, d);
    for (size_t j = i; rc == SIM_OK && j < n; j++) {
        char err[UNITS_ERR_MAX];
        param_value v;
        double num;

        if (strcmp(w[j].key, w[i].key) != 0)
            continue;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, w[j].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, w[j].value, -1, SQLITE_STATIC);
        sqlite3_bind_null(st, 3);
        /* A number with a unit compares as run_param.num does (param_number:
         * SI units), so 1min is 60s; a distribution only as written. */
        if (p != NULL && p->type != PT_ENUM && p->type != PT_DIST) {
            if (param_parse_value(p, w[j].value, &v, &num, err) != 0) {
                diag_add(d, "--where %s=%s: %s", w[j].key, w[j].value, err);
                rc = SIM_EINVAL;
                break;
            }
            if (param_number(p, &v, &num))
                sqlite3_bind_double(st, 3, num);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_error(f, d);
    }
    if (rc == SIM_OK || st != NULL)
        rc = finish(f, st, rc, d);
    if (rc == SIM_OK)
        rc = exec(f, "DELETE FROM sel WHERE run_id NOT IN (SELECT run_id FROM keep)", d);
    if (rc == SIM_OK && count_sel(f) == 0) {
        diag_add(d, "--where: no complete run of %s has %s = the value%s given; its values: %s",
                 f->scenario, w[i].key, n > 1 ? "s" : "", before);
        rc = SIM_EINVAL;
    }
    sqlite3_free(before);
    return rc;
}

/* The --where selections, key by key; then "k=v, ..." for those left at one value. */
static int apply_where(figure *f, const figure_where *w, size_t n, sim_diag *d)
{
    sqlite3_str *fixed = sqlite3_str_new(f->db);
    int rc = n ? exec(f, "CREATE TEMP TABLE keep(run_id INTEGER PRIMARY KEY)", d) : SIM_OK;
    int nfixed = 0;

    for (size_t i = 0; rc == SIM_OK && i < n; i++) {
        size_t j = 0;

        while (j < i && strcmp(w[j].key, w[i].key) != 0)
            j++;
        if (j < i)
            continue; /* done with its first occurrence */
        rc = where_key(f, w, n, i, d);
    }
    for (size_t i = 0; rc == SIM_OK && i < n; i++) {
        char *v = values_of(f, w[i].key);
        size_t j = 0;

        while (j < i && strcmp(w[j].key, w[i].key) != 0)
            j++;
        if (v == NULL)
            rc = SIM_ENOMEM;
        else if (j == i && strchr(v, ',') == NULL) /* one value (values hold no comma) */
            sqlite3_str_appendf(fixed, "%s%s=%s", nfixed++ ? ", " : "", w[i].key, v);
        sqlite3_free(v);
    }
    f->fixed = sqlite3_str_finish(fixed);
    if (rc == SIM_OK && f->fixed == NULL && nfixed > 0)
        rc = SIM_ENOMEM;
    return rc;
}

/*
 * Runs of one scenario path may have been made with different --set values
 * (or on different engines): pooled into one series they would make a curve
 * that no run had.  Runs at one point of the sweep (the same values of the
 * varied keys and of the x key) may differ only in their seed; anything
 * else is refused, naming the keys and their values.  Keys that differ
 * between points are fine: a varied key decides them (host.fw2_policy sets
 * host.fin_wait_2_timeout).
 */
static int check_pooling(figure *f, const char *xkey, sim_diag *d)
{
    sqlite3_stmt *st;
    sqlite3_str *keys = sqlite3_str_new(f->db);
    int n = 0, rc = prepare(
        f,
        "WITH pt AS (SELECT s.run_id, rp.point || ' ' || COALESCE((SELECT value FROM run_param x"
        "  WHERE x.run_id = s.run_id AND x.key = ?1), '') AS point"
        "  FROM sel s JOIN run_point rp ON rp.run_id = s.run_id),"
        " n AS (SELECT point, COUNT(*) AS runs FROM pt GROUP BY point),"
        " p AS (SELECT pt.point, q.key, q.value FROM run_param q JOIN pt USING (run_id)"
        "  WHERE q.key <> 'sim.seed' AND q.key IS NOT ?1 AND q.key NOT IN (SELECT key FROM"
        "  run_param WHERE varied = 1 AND run_id IN (SELECT run_id FROM sel))"
        "  UNION ALL SELECT pt.point, 'the engine', r.engine FROM run r JOIN pt ON pt.run_id = r.id),"
        " k AS (SELECT key, point, COUNT(DISTINCT value) AS values_, MIN(value) AS lo,"
        "  MAX(value) AS hi, COUNT(*) < (SELECT runs FROM n WHERE n.point = p.point) AS missing"
        "  FROM p GROUP BY key, point)"
        " SELECT key, MAX(values_), lo, hi, missing FROM k WHERE values_ > 1 OR missing"
        " GROUP BY key ORDER BY 1", /* lo, hi: of the point with most values */
        &st, d);
    char *list;

    if (rc != SIM_OK) {
        sqlite3_free(sqlite3_str_finish(keys));
        return rc;
    }
    if (xkey != NULL)
        sqlite3_bind_text(st, 1, xkey, -1, SQLITE_STATIC);
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
                     "runs of %s at one point differ in %s no sweep varied (%s): one curve "
                     "would pool them; vary %s in one sweep (offsim sweep --vary), select "
                     "runs with --where, or keep such runs in separate databases",
                     f->scenario, n == 1 ? "a setting" : "settings", list,
                     n == 1 ? "it" : "them");
            rc = SIM_EINVAL;
        }
    }
    sqlite3_free(list);
    return rc;
}

/* The selected runs, ascending, into f->run. */
static int read_runs(figure *f, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(f, "SELECT run_id FROM sel ORDER BY run_id", &st, d), s;
    size_t cap = 0;

    while (rc == SIM_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (f->nrun == cap) {
            int64_t *v = realloc(f->run, (cap = cap ? 2 * cap : 64) * sizeof *v);

            if (v == NULL) {
                rc = SIM_ENOMEM;
                break;
            }
            f->run = v;
        }
        f->run[f->nrun++] = sqlite3_column_int64(st, 0);
    }
    return finish(f, st, rc, d);
}

static size_t run_index(const figure *f, int64_t id)
{
    size_t lo = 0, hi = f->nrun;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (f->run[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- the keys' values, in order ------------------------------------------------ */

typedef struct value_row {
    char *text;
    double num;
    int has_num;
    int64_t first; /* the first run with this value */
} value_row;

/* Numbers in numeric order. */
static int by_number(const void *pa, const void *pb)
{
    const value_row *a = pa, *b = pb;

    if (a->num != b->num)
        return a->num < b->num ? -1 : 1;
    return strcmp(a->text, b->text);
}

/* Names in the order they were first run (a sweep's --vary list). */
static int by_first_run(const void *pa, const void *pb)
{
    const value_row *a = pa, *b = pb;

    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return strcmp(a->text, b->text);
}

static void key_values_free(key_values *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->label[i]);
    free(k->label);
    free(k->num);
    free(k->of_run);
    free(k->key);
    memset(k, 0, sizeof *k);
}

/* Find a run's value among k's (sorted) values. */
static size_t value_index(const key_values *k, const char *text, double num, int has_num)
{
    /* text: NOT NULL in offsim's schema; a damaged file may say otherwise */
    for (size_t i = 0; i < k->n; i++)
        if (k->numeric ? has_num && k->num[i] == num : text && strcmp(k->label[i], text) == 0)
            return i;
    return SIZE_MAX;
}

/* k's distinct values among the selected runs, in order, and each run's. */
static int read_key(figure *f, const char *key, key_values *k, sim_diag *d)
{
    sqlite3_stmt *st;
    value_row *rows = NULL;
    const char *text;
    size_t n = 0, cap = 0;
    int rc = prepare(f, "SELECT value, num, MIN(run_id) FROM run_param WHERE key = ?1 AND "
                        "run_id IN (SELECT run_id FROM sel) GROUP BY value, num", &st, d), s;

    memset(k, 0, sizeof *k);
    if (rc != SIM_OK)
        return rc;
    if ((k->key = dup_text(key)) == NULL)
        rc = SIM_ENOMEM;
    k->numeric = 1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    while (rc == SIM_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            value_row *v = realloc(rows, (cap = cap ? 2 * cap : 16) * sizeof *v);

            if (v == NULL) {
                rc = SIM_ENOMEM;
                break;
            }
            rows = v;
        }
        rows[n].has_num = sqlite3_column_type(st, 1) != SQLITE_NULL;
        rows[n].num = sqlite3_column_double(st, 1);
        rows[n].first = sqlite3_column_int64(st, 2);
        k->numeric &= rows[n].has_num;
        /* value: NOT NULL in offsim's schema; a damaged file may say otherwise */
        text = (const char *)sqlite3_column_text(st, 0);
        if ((rows[n++].text = dup_text(text ? text : "")) == NULL)
            rc = SIM_ENOMEM;
    }
    rc = finish(f, st, rc, d);
    if (rc == SIM_OK) {
        if (n > 1) /* no row (a damaged file): rows is NULL, which qsort may not take */
            qsort(rows, n, sizeof *rows, k->numeric ? by_number : by_first_run);
        k->label = calloc(n ? n : 1, sizeof *k->label);
        k->num = calloc(n ? n : 1, sizeof *k->num);
        k->of_run = malloc((f->nrun ? f->nrun : 1) * sizeof *k->of_run);
        if (k->label == NULL || k->num == NULL || k->of_run == NULL)
            rc = SIM_ENOMEM;
    }
    /* Equal numbers are one value (60s and 1min): the first spelling names it. */
    for (size_t i = 0; rc == SIM_OK && i < n; i++) {
        if (k->n > 0 && (k->numeric ? k->num[k->n - 1] == rows[i].num
                                    : strcmp(k->label[k->n - 1], rows[i].text) == 0))
            continue;
        k->num[k->n] = rows[i].num;
        k->label[k->n++] = rows[i].text;
        rows[i].text = NULL;
    }
    for (size_t i = 0; i < n; i++)
        free(rows[i].text);
    free(rows);
    if (rc != SIM_OK)
        return rc;

    for (size_t r = 0; r < f->nrun; r++)
        k->of_run[r] = SIZE_MAX;
    rc = prepare(f, "SELECT run_id, value, num FROM run_param WHERE key = ?1 AND "
                    "run_id IN (SELECT run_id FROM sel)", &st, d);
    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        size_t r = run_index(f, sqlite3_column_int64(st, 0));

        if (r < f->nrun)
            k->of_run[r] = value_index(k, (const char *)sqlite3_column_text(st, 1),
                                       sqlite3_column_double(st, 2),
                                       sqlite3_column_type(st, 2) != SQLITE_NULL);
    }
    rc = finish(f, st, s == SQLITE_DONE ? SIM_OK : sql_error(f, d), d);
    for (size_t r = 0; rc == SIM_OK && r < f->nrun; r++)
        if (k->of_run[r] == SIZE_MAX) {
            diag_add(d, "run %lld of %s has no key '%s', which other runs vary",
                     (long long)f->run[r], f->scenario, key);
            rc = SIM_EINVAL;
        }
    return rc;
}

/* The keys a sweep varied that have more than one value among the runs. */
static int varied_keys(figure *f, char ***out, size_t *nout, sim_diag *d)
{
    sqlite3_stmt *st;
    char **keys = NULL;
    size_t n = 0;
    int rc = prepare(f, "SELECT key FROM run_param WHERE run_id IN (SELECT run_id FROM sel) "
                        "AND key IN (SELECT key FROM run_param WHERE varied = 1 AND run_id IN "
                        "(SELECT run_id FROM sel)) GROUP BY key HAVING COUNT(DISTINCT value) > 1 "
                        "ORDER BY key", &st, d), s;

    while (rc == SIM_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char **v = realloc(keys, (n + 1) * sizeof *v);

        if (v == NULL || (v[n] = dup_text((const char *)sqlite3_column_text(st, 0))) == NULL) {
            keys = v ? v : keys;
            rc = SIM_ENOMEM;
            break;
        }
        keys = v;
        n++;
    }
    if (rc == SIM_OK)
        rc = finish(f, st, s == SQLITE_DONE ? SIM_OK : sql_error(f, d), d);
    else
        sqlite3_finalize(st);
    *out = keys;
    *nout = n;
    return rc;
}

static void dim_free(figure_dim *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->label[i]);
    free(m->label);
    free(m->num);
    free(m->key);
    free(m->unit);
    memset(m, 0, sizeof *m);
}

/* A dim of one key (moved out of k), with the unit of its numbers. */
static int dim_of_key(figure_dim *m, key_values *k)
{
    const param *p = param_of_key(k->key);
    const char *unit = p && k->numeric ? param_si_unit(p) : NULL;

    m->key = k->key;
    m->numeric = k->numeric;
    m->n = k->n;
    m->label = k->label;
    m->num = k->num;
    k->key = NULL;
    k->label = NULL;
    k->num = NULL;
    k->n = 0;
    if (unit != NULL && (m->unit = dup_text(unit)) == NULL)
        return SIM_ENOMEM;
    return SIM_OK;
}

/* A dim with one value and no key (no key plays this role). */
static int dim_none(figure_dim *m)
{
    m->n = 1;
    m->label = calloc(1, sizeof *m->label);
    m->num = calloc(1, sizeof *m->num);
    if (m->label == NULL || m->num == NULL || (m->label[0] = dup_text("")) == NULL)
        return SIM_ENOMEM;
    return SIM_OK;
}

/*
 * The combinations of keys k[0..nk) that occur among the runs, in the order
 * of their values (the first key first), as one dim; idx[r] the run's.
 */
static int dim_of_keys(const figure *f, key_values *const *k, size_t nk, figure_dim *m,
                       size_t *idx)
{
    sqlite3_str *s;
    size_t *order = NULL;

    if (nk == 0) {
        for (size_t r = 0; r < f->nrun; r++)
            idx[r] = 0;
        return dim_none(m);
    }
    if (nk == 1) {
        for (size_t r = 0; r < f->nrun; r++)
            idx[r] = k[0]->of_run[r];
        return dim_of_key(m, k[0]);
    }
    /* Several keys: a combination's rank is its mixed-radix number. */
    size_t radix = 1;
    for (size_t j = 0; j < nk; j++) {
        if (k[j]->n > 0 && radix > SIZE_MAX / k[j]->n)
            return SIM_EINVAL; /* cannot happen: fewer values than runs */
        radix *= k[j]->n;
    }
    if ((order = malloc((f->nrun ? f->nrun : 1) * sizeof *order)) == NULL)
        return SIM_ENOMEM;
    for (size_t r = 0; r < f->nrun; r++) {
        size_t code = 0;

        for (size_t j = 0; j < nk; j++)
            code = code * k[j]->n + k[j]->of_run[r];
        order[r] = code;
    }
    /* The distinct codes in order: idx[r] is the rank of run r's code. */
    m->label = calloc(f->nrun ? f->nrun : 1, sizeof *m->label);
    if (m->label == NULL) {
        free(order);
        return SIM_ENOMEM;
    }
    for (size_t r = 0; r < f->nrun; r++)
        idx[r] = SIZE_MAX;
    for (;;) {
        size_t best = SIZE_MAX, code = 0;

        for (size_t r = 0; r < f->nrun; r++)
            if (idx[r] == SIZE_MAX && (best == SIZE_MAX || order[r] < code)) {
                best = r;
                code = order[r];
            }
        if (best == SIZE_MAX)
            break;
        s = sqlite3_str_new(NULL);
        for (size_t j = 0; j < nk; j++)
            sqlite3_str_appendf(s, "%s%s", j ? ", " : "", k[j]->label[k[j]->of_run[best]]);
        if ((m->label[m->n] = sqlite3_str_finish(s)) == NULL) {
            free(order);
            return SIM_ENOMEM;
        }
        for (size_t r = 0; r < f->nrun; r++)
            if (idx[r] == SIZE_MAX && order[r] == code)
                idx[r] = m->n;
        m->n++;
    }
    free(order);
    /* Labels from sqlite3_str are freed with sqlite3_free: copy them. */
    for (size_t i = 0; i < m->n; i++) {
        char *c = dup_text(m->label[i]);

        sqlite3_free(m->label[i]);
        m->label[i] = c;
        if (c == NULL)
            return SIM_ENOMEM;
    }
    s = sqlite3_str_new(NULL);
    for (size_t j = 0; j < nk; j++)
        sqlite3_str_appendf(s, "%s%s", j ? ", " : "", k[j]->key);
    {
        char *keys = sqlite3_str_finish(s);

        m->key = dup_text(keys);
        sqlite3_free(keys);
    }
    m->num = calloc(m->n ? m->n : 1, sizeof *m->num);
    return m->key && m->num ? SIM_OK : SIM_ENOMEM;
}

/* lab: each run's series and value indices. */
static int write_lab(figure *f, const size_t *xi, const size_t *ci, const size_t *si,
                     sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = exec(f, "CREATE TEMP TABLE lab(run_id INTEGER PRIMARY KEY, series INTEGER, "
                     "colour INTEGER, style INTEGER, xi INTEGER)", d);

    if (rc == SIM_OK)
        rc = prepare(f, "INSERT INTO lab VALUES (?1, ?2, ?3, ?4, ?5)", &st, d);
    for (size_t r = 0; rc == SIM_OK && r < f->nrun; r++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, f->run[r]);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)(ci[r] * f->style.n + si[r] + 1));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)ci[r]);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)si[r]);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)xi[r]);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sql_error(f, d);
    }
    if (rc == SIM_OK || st != NULL)
        rc = finish(f, st, rc, d);
    return rc;
}

/* The fewest and most runs pooled: per series, or (vs) per point. */
static int count_seeds(figure *f, sim_diag *d)
{
    sqlite3_stmt *st;
    int rc = prepare(f, f->need_x ? "SELECT MIN(n), MAX(n) FROM (SELECT COUNT(*) AS n FROM lab "
                                    "GROUP BY colour, xi)"
                                  : "SELECT MIN(n), MAX(n) FROM (SELECT COUNT(*) AS n FROM lab "
                                    "GROUP BY series)",
                     &st, d);

    if (rc != SIM_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        f->seeds_least = sqlite3_column_int(st, 0);
        f->seeds_most = sqlite3_column_int(st, 1);
    }
    return finish(f, st, SIM_OK, d);
}

/* Too many series to tell apart: say how many and how to select. */
static int check_sizes(figure *f, sim_diag *d)
{
    size_t nc = f->colour.n, ns = f->style.n;
    const char *why = NULL;

    if (f->need_x && nc > FIGURE_MAX_COLOURS)
        why = "colours";
    else if (!f->need_x && ns > FIGURE_MAX_STYLES)
        why = "line styles";
    else if (!f->need_x && ns > 1 && nc > FIGURE_MAX_COLOURS)
        why = "colours";
    else if (!f->need_x && nc * ns > FIGURE_MAX_SERIES)
        why = "curves";
    if (why == NULL)
        return SIM_OK;
    diag_add(d, "%zu curves (%zu value%s of %s%s%s%s) are more %s than a figure can keep "
                "apart (at most %d colours, %d line styles, %d curves): select runs with "
                "--where KEY=VALUE",
             nc * ns, nc, nc == 1 ? "" : "s", f->colour.key ? f->colour.key : "the runs",
             ns > 1 ? " times " : "", ns > 1 ? f->style.key : "", ns > 1 ? " combinations" : "",
             why, FIGURE_MAX_COLOURS, FIGURE_MAX_STYLES, FIGURE_MAX_SERIES);
    return SIM_EINVAL;
}

/*
 * The roles of the varied keys (figure.h), and lab.  xkey: the query's key
 * or NULL.
 */
static int make_series(figure *f, const char *xkey, sim_diag *d)
{
    char **names = NULL;
    size_t nnames = 0, nk = 0, first = SIZE_MAX;
    key_values *k = NULL, **rest = NULL;
    size_t *xi = NULL, *ci = NULL, *si = NULL;
    int rc = varied_keys(f, &names, &nnames, d);

    if (rc == SIM_OK && xkey != NULL) {
        rc = has_key(f, xkey, d);
        if (rc == 0)
            rc = no_key(f, f->need_x ? "--x" : "--x (the colour key)", xkey, d);
        else if (rc > 0)
            rc = SIM_OK;
    }
    if (rc == SIM_OK && f->need_x && xkey == NULL && nnames != 1) {
        if (nnames > 1) {
            sqlite3_str *s = sqlite3_str_new(NULL);
            char *list;

            for (size_t i = 0; i < nnames; i++)
                sqlite3_str_appendf(s, "%s%s", i ? ", " : "", names[i]);
            list = sqlite3_str_finish(s);
            diag_add(d, "--kind vs: several keys vary in these runs (%s): say which one is the "
                        "x axis with --x KEY (the others become colours)",
                     list ? list : "");
            sqlite3_free(list);
        } else {
            diag_add(d, "--kind vs needs a key on the x axis, and no key was varied in these "
                        "runs: give --x KEY");
        }
        rc = SIM_EINVAL;
    }
    /* The keys: the varied ones, and xkey if it is not one of them. */
    if (rc == SIM_OK)
        k = calloc(nnames + 1, sizeof *k);
    if (rc == SIM_OK && k == NULL)
        rc = SIM_ENOMEM;
    for (size_t i = 0; rc == SIM_OK && i < nnames; i++) {
        rc = read_key(f, names[i], &k[nk++], d);
        if (xkey != NULL && strcmp(names[i], xkey) == 0)
            first = i;
    }
    if (rc == SIM_OK && xkey != NULL && first == SIZE_MAX) {
        first = nk;
        rc = read_key(f, xkey, &k[nk++], d);
    }
    /* Without --x: vs has one key; the others colour by the key with most values. */
    if (rc == SIM_OK && first == SIZE_MAX && nk > 0) {
        first = 0;
        for (size_t i = 1; i < nk; i++)
            if (k[i].n > k[first].n)
                first = i;
    }
    if (rc == SIM_OK) {
        rest = calloc(nk + 1, sizeof *rest);
        xi = calloc(f->nrun + 1, sizeof *xi);
        ci = calloc(f->nrun + 1, sizeof *ci);
        si = calloc(f->nrun + 1, sizeof *si);
        if (rest == NULL || xi == NULL || ci == NULL || si == NULL)
            rc = SIM_ENOMEM;
    }
    if (rc == SIM_OK) {
        size_t nrest = 0;

        for (size_t i = 0; i < nk; i++)
            if (i != first)
                rest[nrest++] = &k[i];
        if (f->need_x) {
            rc = dim_of_keys(f, first < nk ? (key_values *const[]){&k[first]} : NULL,
                             first < nk, &f->x, xi);
            if (rc == SIM_OK)
                rc = dim_of_keys(f, rest, nrest, &f->colour, ci);
            if (rc == SIM_OK)
                rc = dim_none(&f->style);
            for (size_t r = 0; r < f->nrun; r++)
                si[r] = 0;
        } else {
            rc = dim_of_keys(f, first < nk ? (key_values *const[]){&k[first]} : NULL,
                             first < nk, &f->colour, ci);
            if (rc == SIM_OK)
                rc = dim_of_keys(f, rest, nrest, &f->style, si);
            if (rc == SIM_OK)
                rc = dim_none(&f->x);
            for (size_t r = 0; r < f->nrun; r++)
                xi[r] = 0;
        }
    }
    if (rc == SIM_OK)
        rc = check_sizes(f, d);
    if (rc == SIM_OK)
        rc = write_lab(f, xi, ci, si, d);
    if (rc == SIM_OK)
        rc = count_seeds(f, d);
    for (size_t i = 0; k != NULL && i < nk; i++)
        key_values_free(&k[i]);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    free(k);
    free(rest);
    free(xi);
    free(ci);
    free(si);
    return rc;
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
    if (rc == SIM_OK)
        rc = apply_where(f, q->where, q->where ? q->nwhere : 0, d);
    if (rc == SIM_OK)
        rc = check_pooling(f, q->xkey, d);
    if (rc == SIM_OK)
        rc = read_runs(f, d);
    if (rc == SIM_OK)
        rc = make_series(f, q->xkey, d);
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
    free(f->run);
    dim_free(&f->x);
    dim_free(&f->colour);
    dim_free(&f->style);
    sqlite3_free(f->fixed);
    free(f);
}

const char *figure_scenario(const figure *f) { return f->scenario; }
const figure_dim *figure_x(const figure *f) { return &f->x; }
const figure_dim *figure_colour(const figure *f) { return &f->colour; }
const figure_dim *figure_style(const figure *f) { return &f->style; }
size_t figure_runs(const figure *f) { return f->nrun; }
const char *figure_fixed(const figure *f) { return f->fixed ? f->fixed : ""; }

void figure_seeds(const figure *f, int *least, int *most)
{
    *least = f->seeds_least;
    *most = f->seeds_most;
}

/* ---- series and points ------------------------------------------------------- */

void figure_data_free(figure_data *fd)
{
    for (size_t i = 0; i < fd->n; i++) {
        free(fd->s[i].pt);
        free(fd->s[i].mark);
    }
    free(fd->s);
    memset(fd, 0, sizeof *fd);
}

/* Start a new series of lab's series number `series` (1-based). */
static figure_series *add_series(const figure *f, figure_data *fd, int series, int runs)
{
    figure_series *v = realloc(fd->s, (fd->n + 1) * sizeof *v);

    if (v == NULL)
        return NULL;
    fd->s = v;
    v = &fd->s[fd->n++];
    memset(v, 0, sizeof *v);
    v->colour = (size_t)(series - 1) / f->style.n;
    v->style = (size_t)(series - 1) % f->style.n;
    v->runs = runs;
    return v;
}

/* Append a point (capacity doubles: amortised O(1)). */
static figure_point *add_point(figure_point **pt, size_t *n)
{
    if ((*n & (*n - 1)) == 0) { /* n is 0 or a power of two: full */
        figure_point *v = realloc(*pt, (*n ? 2 * *n : 1) * sizeof *v);

        if (v == NULL)
            return NULL;
        *pt = v;
    }
    memset(&(*pt)[*n], 0, sizeof **pt);
    return &(*pt)[(*n)++];
}

static int add_xy(figure_point **pt, size_t *n, double x, double y)
{
    figure_point *p = add_point(pt, n);

    if (p == NULL)
        return SIM_ENOMEM;
    p->x = x;
    p->y[0] = y;
    return SIM_OK;
}

/* ---- cdf: the Kaplan-Meier estimate of each series ------------------------------ */

/* What a CDF series is while its rows stream in. */
typedef struct cdf_state {
    km_scan km;
    double s_kept;             /* S at the last point kept */
    double t_last, s_last;     /* the last row's */
    int pending;               /* the last row moved S and was not kept */
    double mark_bin;           /* the bin of the last censoring mark */
} cdf_state;

/* The end of a series: its last time, so the curve runs to it. */
static int cdf_end(figure_series *s, cdf_state *c)
{
    if (s == NULL)
        return SIM_OK;
    if (c->pending || s->pt[s->n_pt - 1].x < c->t_last)
        return add_xy(&s->pt, &s->n_pt, c->t_last, c->s_last);
    return SIM_OK;
}

/* One row: d closes and c censorings at time t. */
static int cdf_row(figure_series *s, cdf_state *c, double t, uint64_t dn, uint64_t cn)
{
    double sv = km_scan_add(&c->km, t, dn, cn);
    int rc = SIM_OK;

    c->t_last = t;
    c->s_last = sv;
    if (dn > 0) {
        /* Keep a step when S moved by FIGURE_CDF_STEP, or by FIGURE_CDF_TAIL_STEP
         * of itself (the tail, on a log axis of 1 - F). */
        if (c->s_kept - sv >= FIGURE_CDF_STEP || sv < c->s_kept * (1 - FIGURE_CDF_TAIL_STEP) ||
            sv == 0) {
            rc = add_xy(&s->pt, &s->n_pt, t, sv);
            c->s_kept = sv;
            c->pending = 0;
        } else {
            c->pending = 1;
        }
    }
    if (rc == SIM_OK && cn > 0) {
        double bin = floor(log10(t) / FIGURE_MARK_DECADE);

        if (s->n_mark == 0 || bin != c->mark_bin) {
            rc = add_xy(&s->mark, &s->n_mark, t, sv);
            c->mark_bin = bin;
        }
        s->censored += (double)cn;
    }
    return rc;
}

int figure_cdf(figure *f, figure_metric m, figure_data *out, sim_diag *d)
{
    int release = m == FIGURE_RELEASE;
    char *sql = sqlite3_mprintf(
        "WITH l AS (SELECT lab.series AS series, MAX(c.%s, 1e-6) AS v, c.%s <> 0 AS cens"
        "  FROM close_latency c JOIN lab USING (run_id))"
        " SELECT series, v, SUM(NOT cens), SUM(cens), SUM(COUNT(*)) OVER (PARTITION BY series),"
        "  (SELECT COUNT(*) FROM lab WHERE lab.series = l.series)"
        " FROM l GROUP BY series, v ORDER BY series, v",
        release ? "release_s" : "close_s", release ? "release_censored" : "censored");
    sqlite3_stmt *st = NULL;
    figure_series *s = NULL;
    cdf_state c;
    int rc, row, last = 0;

    memset(out, 0, sizeof *out);
    out->ny = 1;
    if (sql == NULL) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    rc = prepare(f, sql, &st, d);
    sqlite3_free(sql);
    while (rc == SIM_OK && (row = sqlite3_step(st)) == SQLITE_ROW) {
        int series = sqlite3_column_int(st, 0);
        double t = sqlite3_column_double(st, 1);

        if (series != last) {
            if ((rc = cdf_end(s, &c)) != SIM_OK)
                break;
            if ((s = add_series(f, out, series, sqlite3_column_int(st, 5))) == NULL) {
                rc = SIM_ENOMEM;
                break;
            }
            last = series;
            memset(&c, 0, sizeof c);
            s->n = sqlite3_column_double(st, 4);
            km_scan_init(&c.km, (uint64_t)sqlite3_column_int64(st, 4), 0, NULL);
            c.s_kept = 1;
            if ((rc = add_xy(&s->pt, &s->n_pt, t, 1)) != SIM_OK)
                break;
        }
        rc = cdf_row(s, &c, t, (uint64_t)sqlite3_column_int64(st, 2),
                     (uint64_t)sqlite3_column_int64(st, 3));
    }
    if (rc == SIM_OK && row != SQLITE_DONE)
        rc = sql_error(f, d);
    if (rc == SIM_OK)
        rc = cdf_end(s, &c);
    sqlite3_finalize(st);
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc == SIM_OK && out->n == 0) {
        diag_add(d, "these runs have no connection that closed or was open at the end (were "
                    "they run with sim.log = summary?)");
        rc = SIM_EINVAL;
    }
    if (rc != SIM_OK)
        figure_data_free(out);
    return rc;
}

/* ---- vs: percentiles of each run against x ------------------------------------- */

const char *const figure_vs_name[3] = {"median", "p90", "p99"};

/* The run's Kaplan-Meier percentiles and their not_reached marks. */
static const results_scalar_id vs_scalar[3][2] = {
    {RESULTS_CLOSE_P50_S, RESULTS_CLOSE_P50_NOT_REACHED},
    {RESULTS_CLOSE_P90_S, RESULTS_CLOSE_P90_NOT_REACHED},
    {RESULTS_CLOSE_P99_S, RESULTS_CLOSE_P99_NOT_REACHED},
};

/* One run's percentiles. */
typedef struct vs_run {
    size_t colour, xi;
    double q[3]; /* p50, p90, p99 of the run, s (not reached: the longest time seen) */
    int lb[3];   /* not reached: q is a lower bound */
} vs_run;

/* The point of percentile k over runs[i..end) (one colour, one x); v is
 * scratch for as many values. */
static int vs_point(const figure *f, const vs_run *runs, size_t i, size_t end, int k,
                    double *v, figure_series *s)
{
    figure_point *pt = add_point(&s->pt, &s->n_pt);
    double lo = INFINITY, hi = -INFINITY;
    size_t m = end - i;
    report_stat st;

    if (pt == NULL)
        return SIM_ENOMEM;
    for (size_t j = i; j < end; j++) {
        v[j - i] = runs[j].q[k];
        lo = fmin(lo, runs[j].q[k]);
        hi = fmax(hi, runs[j].q[k]);
        pt->lower_bound |= runs[j].lb[k];
    }
    st = report_stat_of(v, m); /* Student's t, as the sweep's tables */
    pt->x = f->x.numeric ? f->x.num[runs[i].xi] : (double)runs[i].xi + 1;
    pt->n = (int)m;
    pt->y[0] = st.mean;
    pt->y[1] = lo;
    pt->y[2] = hi;
    pt->y[3] = st.mean - st.half;
    pt->y[4] = st.mean + st.half;
    return SIM_OK;
}

static int by_colour_x(const void *pa, const void *pb)
{
    const vs_run *a = pa, *b = pb;

    if (a->colour != b->colour)
        return a->colour < b->colour ? -1 : 1;
    return (a->xi > b->xi) - (a->xi < b->xi);
}

/* Every run with percentiles: its colour, x and three percentiles. */
static int read_vs_runs(figure *f, vs_run **out, size_t *nout, sim_diag *d)
{
    sqlite3_stmt *st;
    vs_run *runs = NULL;
    size_t n = 0, cap = 0;
    int rc, row;
    static const char sql[] =
        "SELECT colour, xi,"
        " COALESCE((SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?1),"
        "  (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?7)),"
        " COALESCE((SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?2),"
        "  (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?7)),"
        " COALESCE((SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?3),"
        "  (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?7)),"
        " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?4),"
        " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?5),"
        " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name = ?6)"
        " FROM lab";

    *out = NULL;
    *nout = 0;
    if ((rc = prepare(f, sql, &st, d)) != SIM_OK)
        return rc;
    for (int k = 0; k < 3; k++) {
        sqlite3_bind_text(st, 1 + k, results_scalar_name[vs_scalar[k][0]], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4 + k, results_scalar_name[vs_scalar[k][1]], -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 7, results_scalar_name[RESULTS_CLOSE_LONGEST_S], -1, SQLITE_STATIC);
    while ((row = sqlite3_step(st)) == SQLITE_ROW) {
        vs_run *r;

        if (sqlite3_column_type(st, 2) == SQLITE_NULL)
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
        r->colour = (size_t)sqlite3_column_int64(st, 0);
        r->xi = (size_t)sqlite3_column_int64(st, 1);
        for (int k = 0; k < 3; k++) {
            r->q[k] = sqlite3_column_double(st, 2 + k);
            r->lb[k] = sqlite3_column_int(st, 5 + k);
        }
    }
    if (rc == SIM_OK && row != SQLITE_DONE)
        rc = sql_error(f, d);
    sqlite3_finalize(st);
    if (rc != SIM_OK) {
        free(runs);
        return rc;
    }
    *out = runs;
    *nout = n;
    return SIM_OK;
}

int figure_vs(figure *f, figure_data *out, sim_diag *d)
{
    vs_run *runs;
    size_t n, i = 0;
    double *v = NULL;
    int rc;

    memset(out, 0, sizeof *out);
    out->ny = 5;
    rc = read_vs_runs(f, &runs, &n, d);
    if (rc == SIM_OK && n == 0) {
        diag_add(d, "these runs have no close-latency percentiles (no connection closed)");
        rc = SIM_EINVAL;
    }
    if (rc == SIM_OK && (v = malloc(n * sizeof *v)) == NULL)
        rc = SIM_ENOMEM;
    if (rc == SIM_OK)
        qsort(runs, n, sizeof *runs, by_colour_x);
    /* One colour at a time: its three percentiles, each over every x. */
    while (rc == SIM_OK && i < n) {
        size_t end = i;
        int count = 0;

        while (end < n && runs[end].colour == runs[i].colour)
            end++;
        for (size_t j = i; j < end; j++)
            count++;
        for (int k = 0; k < 3 && rc == SIM_OK; k++) {
            figure_series *s = add_series(f, out, (int)(runs[i].colour * f->style.n + 1), count);

            if (s == NULL) {
                rc = SIM_ENOMEM;
                break;
            }
            s->style = (size_t)k;
            for (size_t j = i; j < end && rc == SIM_OK;) {
                size_t e = j;

                while (e < end && runs[e].xi == runs[j].xi)
                    e++;
                rc = vs_point(f, runs, j, e, k, v, s);
                j = e;
            }
        }
        i = end;
    }
    free(v);
    free(runs);
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc != SIM_OK)
        figure_data_free(out);
    return rc;
}

/* ---- time series ------------------------------------------------------------------ */

/* The width of a time bin (the runs' span over FIGURE_TIME_BINS, at least 1 ns)
 * and the number of bins. */
static double bin_ns(figure *f, int *nbins)
{
    sqlite3_stmt *st = NULL;
    double end = 1, w, n;

    if (sqlite3_prepare_v2(f->db, "SELECT MAX(sim_end_ns) FROM run WHERE id IN "
                                  "(SELECT run_id FROM sel)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        end = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    w = ceil(end / FIGURE_TIME_BINS) > 1 ? ceil(end / FIGURE_TIME_BINS) : 1;
    /* At most FIGURE_TIME_BINS for a span that is a number and positive;
     * a database's negative or infinite sim_end_ns gets one bin (compared
     * before the conversion, which would overflow). */
    n = ceil(end / w);
    *nbins = n >= 1 && n <= FIGURE_TIME_BINS ? (int)n : 1;
    return w;
}

/* Rows "series, runs, t, v..." of sql (?1 the bin width in ns, ?2 SIM_S, ?3
 * the number of bins), ny values. */
static int time_series(figure *f, const char *sql, size_t ny, figure_data *out, sim_diag *d)
{
    sqlite3_stmt *st;
    figure_series *s = NULL;
    int rc = prepare(f, sql, &st, d), row, last = 0, nbins;

    memset(out, 0, sizeof *out);
    out->ny = ny;
    if (rc != SIM_OK)
        return rc;
    sqlite3_bind_double(st, 1, bin_ns(f, &nbins));
    sqlite3_bind_double(st, 2, (double)SIM_S);
    sqlite3_bind_int(st, 3, nbins);
    while ((row = sqlite3_step(st)) == SQLITE_ROW) {
        int series = sqlite3_column_int(st, 0);
        figure_point *pt;

        if (series != last &&
            (s = add_series(f, out, last = series, sqlite3_column_int(st, 1))) == NULL) {
            rc = SIM_ENOMEM;
            break;
        }
        if ((pt = add_point(&s->pt, &s->n_pt)) == NULL) {
            rc = SIM_ENOMEM;
            break;
        }
        pt->x = sqlite3_column_double(st, 2);
        for (size_t v = 0; v < ny; v++)
            pt->y[v] = sqlite3_column_double(st, 3 + (int)v);
    }
    if (rc == SIM_OK && row != SQLITE_DONE)
        rc = sql_error(f, d);
    sqlite3_finalize(st);
    if (rc == SIM_ENOMEM)
        diag_add(d, "out of memory");
    if (rc != SIM_OK)
        figure_data_free(out);
    return rc;
}

/* Is there a row of `table` for a selected run?  1, 0 or a SIM_E* code. */
static int has_rows(figure *f, const char *table, sim_diag *d)
{
    char *sql = sqlite3_mprintf("SELECT EXISTS (SELECT 1 FROM %s WHERE run_id IN "
                                "(SELECT run_id FROM sel))", table);
    sqlite3_stmt *st;
    int rc = sql ? prepare(f, sql, &st, d) : SIM_ENOMEM;

    sqlite3_free(sql);
    if (rc != SIM_OK)
        return rc;
    rc = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : sql_error(f, d);
    sqlite3_finalize(st);
    return rc;
}

/* The samples of each bin (a bin without one is left out: no data there). */
int figure_occupancy(figure *f, figure_data *out, sim_diag *d)
{
    int rc = has_rows(f, "occupancy", d);

    if (rc == 0) {
        diag_add(d, "these runs have no occupancy samples");
        rc = SIM_EINVAL;
    }
    if (rc < 0) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    return time_series(f,
                       "WITH r AS (SELECT series, COUNT(*) AS runs FROM lab GROUP BY series)"
                       " SELECT lab.series, r.runs, (CAST(o.t / ?1 AS INTEGER) + 0.5) * ?1 / ?2,"
                       " AVG(o.nic_fin_wait_2), AVG(o.host_fin_wait_2)"
                       " FROM occupancy o JOIN lab USING (run_id) JOIN r USING (series)"
                       " WHERE ?3 > 0"
                       " GROUP BY lab.series, CAST(o.t / ?1 AS INTEGER) ORDER BY 1, 3",
                       2, out, d);
}

/* Counts per bin, every bin (one without an event is a rate of 0). */
int figure_handoffs(figure *f, figure_data *out, sim_diag *d)
{
    int rc = has_rows(f, "event", d);

    if (rc == 0) {
        diag_add(d, "these runs have no event rows: run them with --log events (sim.log = "
                    "events) to plot handoffs");
        rc = SIM_EINVAL;
    }
    if (rc < 0) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    return time_series(
        f,
        "WITH RECURSIVE b(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM b WHERE i + 1 < ?3),"
        " r AS (SELECT series, COUNT(*) AS runs FROM lab GROUP BY series),"
        " c AS (SELECT lab.series AS series, CAST(e.t / ?1 AS INTEGER) AS i,"
        "  SUM(e.kind = 'offload') AS offloads, SUM(e.kind = 'upload') AS uploads,"
        "  SUM(e.kind = 'indicate' AND e.detail = 'Retrieve:TimeoutExpiration') AS expiries"
        "  FROM event e JOIN lab USING (run_id)"
        "  WHERE e.kind IN ('offload', 'upload', 'indicate') GROUP BY 1, 2)"
        " SELECT r.series, r.runs, (b.i + 0.5) * ?1 / ?2,"
        " COALESCE(c.offloads, 0) * ?2 / ?1 / r.runs, COALESCE(c.uploads, 0) * ?2 / ?1 / r.runs,"
        " COALESCE(c.expiries, 0) * ?2 / ?1 / r.runs"
        " FROM r CROSS JOIN b LEFT JOIN c ON c.series = r.series AND c.i = b.i ORDER BY 1, 3",
        3, out, d);
}
