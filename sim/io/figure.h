/*
 * figure.h - the data of offsim's figures, read from a results database:
 * the runs of one scenario grouped into series, and for each kind of figure
 * its points, already aggregated by SQL (never row by row).
 *
 *     figure_open(path, query)     pick the runs and their series
 *     figure_cdf / _vs / _occupancy / _handoffs
 *                                  the series of one kind, as C arrays
 *     figure_data_free, figure_close
 *
 * The runs: every complete run of one scenario (the one run most recently,
 * unless the query names it).  The series: one per value of the x key (by
 * default the key the sweep varied, run_param.varied = 1), or, with no x
 * key, one per sweep point.  The database is only read, through
 * results_open_reader(); nothing is created.
 * Errors carry a message for the user in the sim_diag: SIM_EDB when the
 * database cannot be read, SIM_EINVAL when the runs cannot make the figure
 * (no complete run, no such key, nothing to draw), SIM_ENOMEM.
 */
#ifndef SIM_IO_FIGURE_H
#define SIM_IO_FIGURE_H

#include <stddef.h>

#include "io/diag.h"

/* Points per CDF curve, at most (about), and time bins per time series. */
#define FIGURE_CDF_POINTS 400
#define FIGURE_TIME_BINS 400

typedef struct figure figure;

typedef struct figure_query {
    const char *scenario; /* the runs of this scenario (the path as run), or NULL */
    const char *xkey;     /* the key naming the series, or NULL: the varied one */
    int need_x;           /* the figure has an x axis (vs): an x key is required */
} figure_query;

int figure_open(const char *path, const figure_query *q, figure **out, sim_diag *d);
void figure_close(figure *f);

/* The scenario the runs are of. */
const char *figure_scenario(const figure *f);
/* The x key, or NULL when each sweep point is a series. */
const char *figure_xkey(const figure *f);
/* The x key with the unit of run_param.num: "nic.fin_wait_2_timeout (s)". */
const char *figure_xlabel(const figure *f);
/* Whether the x key has numbers (else it is categorical). */
int figure_numeric(const figure *f);

typedef struct figure_point {
    double x;
    double y[3];     /* see each kind */
    int lower_bound; /* vs: the percentile was not reached (Kaplan-Meier) in some
                      * run: its y is that run's longest time seen, a lower bound */
    char *text;      /* vs: the x value as written; else NULL */
} figure_point;

typedef struct figure_series {
    char *label;         /* the x key's value, the sweep point, or the percentile */
    double censored_pct; /* cdf: connections still open at the end, percent */
    figure_point *pt;
    size_t n;
} figure_series;

typedef struct figure_data {
    figure_series *s; /* in x order; series without a point are left out */
    size_t n;
    size_t ny;        /* values per point in y[] */
} figure_data;

void figure_data_free(figure_data *fd);

typedef enum figure_metric {
    FIGURE_CLOSE,   /* close_latency.close_s: to TIME_WAIT or CLOSED */
    FIGURE_RELEASE  /* close_latency.release_s: until the resources were freed */
} figure_metric;

/* Latency CDF, seeds pooled: x seconds (at least 1 us, for log scales), y[0]
 * the share closed by then.  A censored connection never counts as closed,
 * so a curve ends at 1 minus its censored share. */
int figure_cdf(figure *f, figure_metric m, figure_data *out, sim_diag *d);

/* Close latency against the x key: for each other point of the varied keys
 * (a group), three series (median, p90, p99) of the runs' percentiles:
 * y[0] the median over seeds, y[1] the smallest, y[2] the largest. */
int figure_vs(figure *f, figure_data *out, sim_diag *d);

/* Connections in FIN_WAIT_2 over time, mean over seeds: x the middle of a
 * bin in seconds, y[0] on the NIC, y[1] on the host. */
int figure_occupancy(figure *f, figure_data *out, sim_diag *d);

/* Handoffs per second over time, mean over seeds: y[0] offloads, y[1]
 * uploads, y[2] Retrieve indications (runs with sim.log >= events). */
int figure_handoffs(figure *f, figure_data *out, sim_diag *d);

#endif /* SIM_IO_FIGURE_H */
