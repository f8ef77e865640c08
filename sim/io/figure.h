/*
 * figure.h - the data of offsim's figures, read from a results database:
 * the runs of one scenario grouped into series, and for each kind of figure
 * its points, already aggregated (by SQL, or streamed through the
 * Kaplan-Meier estimator), as C arrays.
 *
 *     figure_open(path, query)     pick the runs and their series
 *     figure_cdf / _vs / _occupancy / _handoffs
 *                                  the series of one kind
 *     figure_data_free, figure_close
 *
 * The runs: every complete run of one scenario (the one run most recently,
 * unless the query names it), narrowed by the query's KEY=VALUE selections.
 * The series: one per combination of the keys whose value varies among
 * those runs (run_param.varied = 1), so that runs are pooled over seeds
 * only; runs that differ in a key no sweep varied are refused.  The keys
 * take roles, each a figure_dim with its values in numeric order:
 *
 *     vs:     x       the key on the x axis (the query's, or the one varied)
 *             colour  every other varied key (their combinations)
 *     others: colour  the query's key, or the varied key with most values
 *             style   every other varied key (line and point type)
 *
 * The database is only read, through results_open_reader(); nothing is
 * created.  Errors carry a message for the user in the sim_diag: SIM_EDB
 * when the database cannot be read, SIM_EINVAL when the runs cannot make
 * the figure asked for (no complete run, no such key, a selection that
 * matches nothing, nothing to draw), SIM_ENOMEM.
 */
#ifndef SIM_IO_FIGURE_H
#define SIM_IO_FIGURE_H

#include <stddef.h>

#include "io/diag.h"

/* A CDF curve keeps a step when the estimate has moved by this much since
 * the last step kept (absolutely, or relatively for the tail of 1 - F):
 * at most a few hundred points a curve, never visibly off. */
#define FIGURE_CDF_STEP (1.0 / 400)
#define FIGURE_CDF_TAIL_STEP 0.02
/* Censoring marks: at most one per this fraction of a decade of time. */
#define FIGURE_MARK_DECADE (1.0 / 20)
/* Time bins per time series. */
#define FIGURE_TIME_BINS 150
/* The series a figure may have: colours (times styles with one key), and
 * styles (dash types). */
#define FIGURE_MAX_SERIES 35
#define FIGURE_MAX_COLOURS 13
#define FIGURE_MAX_STYLES 5

typedef struct figure figure;

/* --where KEY=VALUE: runs whose KEY has VALUE (as written, or the same
 * number in SI units: 1min matches 60s).  Several values of one key: any of
 * them; several keys: all. */
typedef struct figure_where {
    const char *key;
    const char *value;
} figure_where;

typedef struct figure_query {
    const char *scenario;      /* the runs of this scenario (the path as run), or NULL */
    const char *xkey;          /* the x key (vs) or the colour key, or NULL: see above */
    int need_x;                /* vs: the series are drawn against the x key */
    const figure_where *where; /* run selections, or NULL */
    size_t nwhere;
} figure_query;

int figure_open(const char *path, const figure_query *q, figure **out, sim_diag *d);
void figure_close(figure *f);

/* One role of the varied keys: a key or a combination of keys, its values. */
typedef struct figure_dim {
    char *key;      /* "nic.ticks_per_second", "k1, k2" for a combination; NULL: no key */
    char *unit;     /* the unit of num ("s"), or NULL */
    int numeric;    /* every value has a number (a single key only) */
    size_t n;       /* values, at least 1 ("" when there is no key) */
    char **label;   /* as written ("10s"; "v1, v2" for a combination), in order */
    double *num;    /* their numbers, SI units (numeric only) */
} figure_dim;

/* The scenario the runs are of. */
const char *figure_scenario(const figure *f);
const figure_dim *figure_x(const figure *f);      /* vs only; else n = 1 */
const figure_dim *figure_colour(const figure *f);
const figure_dim *figure_style(const figure *f);
/* The runs drawn, and the fewest and most runs (seeds) pooled in a series. */
size_t figure_runs(const figure *f);
void figure_seeds(const figure *f, int *least, int *most);
/* "k=v, k=v": the keys the selections left at one value, or "" (never NULL). */
const char *figure_fixed(const figure *f);

typedef struct figure_point {
    double x;
    double y[5];     /* see each kind */
    int n;           /* vs: the runs at this point */
    int lower_bound; /* vs: the percentile was not reached (Kaplan-Meier) in some
                      * run: its y is that run's longest time seen, a lower bound */
} figure_point;

typedef struct figure_series {
    size_t colour, style; /* indices into the dims' values (vs: style = percentile) */
    int runs;             /* runs pooled or summarised */
    double n, censored;   /* cdf: observations, and of them censored */
    figure_point *pt;
    size_t n_pt;
    figure_point *mark;   /* cdf: censoring marks */
    size_t n_mark;
} figure_series;

typedef struct figure_data {
    figure_series *s; /* in (colour, style) order; combinations without a run left out */
    size_t n;
    size_t ny;        /* values per point in y[] */
} figure_data;

void figure_data_free(figure_data *fd);

typedef enum figure_metric {
    FIGURE_CLOSE,   /* close_latency.close_s: to TIME_WAIT or CLOSED */
    FIGURE_RELEASE  /* close_latency.release_s: until the resources were freed */
} figure_metric;

/*
 * The Kaplan-Meier estimate of the latency's survival function, seeds
 * pooled: x seconds (at least 1 us, for log scales), y[0] S(x) just after x,
 * the share not closed yet; a connection still open when its run ended is
 * censored at that time.  The first point is (first time, 1), the last the
 * largest time observed.  Marks: (time, S) of censorings, one per
 * FIGURE_MARK_DECADE at most.
 */
int figure_cdf(figure *f, figure_metric m, figure_data *out, sim_diag *d);

/* Close-latency percentiles against the x key: for each colour, three
 * series (style 0, 1, 2: median, p90, p99) of the runs' percentiles at each
 * x: y[0] the mean over seeds, y[1] the least, y[2] the largest, y[3] and
 * y[4] the 95 % confidence interval of the mean (Student's t,
 * report_stat_of; NAN with one run); x the number (numeric x) or the
 * value's position, 1, 2, ...  A run whose Kaplan-Meier estimate does not
 * reach the percentile counts with its longest time seen (lower_bound). */
int figure_vs(figure *f, figure_data *out, sim_diag *d);
/* The percentiles of figure_vs, by style: "median", "p90", "p99". */
extern const char *const figure_vs_name[3];

/* Connections in FIN_WAIT_2 over time, mean over seeds: x the middle of a
 * bin in seconds, y[0] on the NIC, y[1] on the host. */
int figure_occupancy(figure *f, figure_data *out, sim_diag *d);

/* Handoffs per second over time, mean over seeds: y[0] offloads, y[1]
 * uploads, y[2] the NIC's FIN_WAIT_2 expiries (Retrieve indications with
 * reason TimeoutExpiration; runs with sim.log >= events). */
int figure_handoffs(figure *f, figure_data *out, sim_diag *d);

#endif /* SIM_IO_FIGURE_H */
