/*
 * report.h - a stored run's or sweep's figures, read back from a results
 * database: what `offsim run`, `sweep` and `summary` print and `offsim
 * export` writes, from one source (the database), so that a summary
 * printed later is the one printed when the run ended.
 *
 *     report_open(path, &db)            a reader of a results database
 *     report_run_read(db, id, &r)       one run: its row, scalars, classes
 *     report_points_read(db, sel, &p)   runs grouped into sweep points:
 *                                       Kaplan-Meier percentiles of the seeds
 *                                       pooled, mean and 95 % confidence
 *                                       interval of each per-seed value
 *
 * The database is only read (results_open_reader).  Errors carry a
 * message in the sim_diag: SIM_EDB (unreadable), SIM_EINVAL (no such run,
 * nothing to report), SIM_ENOMEM.
 */
#ifndef SIM_IO_REPORT_H
#define SIM_IO_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "io/diag.h"
#include "io/km.h"
#include "io/results.h"

struct sqlite3;

/* A reader of the results database at path (results_open_reader: only read,
 * and of this offsim's schema); close it with report_close. */
int report_open(const char *path, struct sqlite3 **db, sim_diag *d);
void report_close(struct sqlite3 *db);

/* A peer class's scalars ("peer.NAME.x"), by the run scalar of the same name. */
typedef struct report_class {
    char *peer;
    double scalar[RESULTS_SCALAR_N]; /* NAN: absent, or NULL (not reached) */
} report_class;

typedef struct report_run {
    int64_t id;
    char *scenario, *engine, *status, *started;
    char *command_line, *host, *build; /* NULL when not recorded */
    char *point;          /* run_point.point: "k=v ..." ("" for a single run) */
    char *window;         /* sim.window's value */
    char *log;            /* sim.log's value */
    int restart_any;      /* the host's idle timer restarts on any segment (fw2_idle_on) */
    uint64_t seed;
    double warmup_s;
    double wall_s, sim_end_s; /* NAN when not recorded */
    uint64_t events;
    double scalar[RESULTS_SCALAR_N]; /* NAN: absent, or NULL */
    report_class *cls;    /* in the order of the scenario's [peer NAME] sections */
    size_t ncls;
} report_run;

int report_run_read(struct sqlite3 *db, int64_t id, report_run *out, sim_diag *d);
void report_run_free(report_run *r);

/* A percentile's state: km_result, and the value (or the longest time seen). */
typedef struct report_quantile {
    km_result r;
    double s;
} report_quantile;

/* The run's (or class's) percentile k from its scalars. */
report_quantile report_quantile_of(const double *scalar, int k);

/*
 * Per-seed values of one scalar at a point: how many seeds have it, their
 * mean, and the half-width of its 95 % confidence interval, Student's t
 * with n - 1 degrees of freedom (GSL's gsl_cdf_tdist_Pinv): NAN when n < 2.
 */
typedef struct report_stat {
    size_t n;
    double mean, half;
} report_stat;

report_stat report_stat_of(const double *v, size_t n);

/* One sweep point: the runs (seeds) with the same values of the varied keys. */
typedef struct report_point {
    char **value;         /* per key: run_param.value */
    double *num;          /* per key: run_param.num, NAN when none */
    int64_t *run;         /* its complete runs, by seed */
    uint64_t *seed;
    size_t nruns;
    /* Close latency with the seeds pooled (from the conn rows): n, censored,
     * the percentiles.  pooled = 0 when a run has no conn rows (sim.log =
     * summary): nothing can be pooled. */
    int pooled;
    uint64_t pooled_n, pooled_censored;
    report_quantile q[RESULTS_NQ];
    /* Each run scalar over the seeds: for a percentile, over the seeds that
     * reach it, and not_reached[k] seeds do not. */
    report_stat stat[RESULTS_SCALAR_N];
    size_t not_reached[RESULTS_NQ];
    /* A setting (other than the seed) in which the point's runs differ,
     * though no sweep varied it: "workload.connections" (or "engine"), or
     * NULL.  Such runs are not seeds of one point; the summary says so. */
    char *mixed;
} report_point;

typedef struct report_points {
    char *scenario;
    char **key;           /* the keys the runs varied, sorted by name */
    size_t nkeys;
    report_point *pt;     /* ordered by the keys' values, numerically where they have numbers */
    size_t npt;
    size_t nruns;
} report_points;

/*
 * The runs to group: explicit ids (run, n), or every complete run of
 * `scenario`, or (both NULL/0) of the scenario with the most recent
 * complete run.
 */
typedef struct report_select {
    const int64_t *run;
    size_t n;
    const char *scenario;
} report_select;

int report_points_read(struct sqlite3 *db, const report_select *sel, report_points *out,
                       sim_diag *d);
void report_points_free(report_points *p);

/* How many complete runs of this identity the database holds (0 or more),
 * or a negative SIM_E* code. */
int report_complete_count(struct sqlite3 *db, const char *identity);

/* The complete runs report_points_read would take (their ids, ascending). */
int report_select_runs(struct sqlite3 *db, const report_select *sel, int64_t **run, size_t *n,
                       char **scenario, sim_diag *d);

#endif /* SIM_IO_REPORT_H */
