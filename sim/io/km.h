/*
 * km.h - the Kaplan-Meier estimate of a survival function from
 * right-censored observations (close latency: a connection still open when
 * the run ends is censored at that time).
 *
 *     km_create(&k)                     an empty estimate
 *     km_add(k, t, censored)            one observation
 *     km_add_counts(k, t, d, c)         d events and c censorings at t
 *     km_merge(k, other)                pool: every observation of other
 *     km_quantile(k, p, &t)             a percentile, or "not reached"
 *     km_steps(k, &steps)               the curve: one step per distinct time
 *     km_free(k)
 *
 * The estimate: at each distinct time t_j with d_j events (closes) and c_j
 * censorings among n_j observations still at risk (time >= t_j),
 *
 *     S(t) = prod over t_j <= t of (1 - d_j / n_j).
 *
 * Ties: observations censored at t_j count as at risk at t_j (events come
 * first), the usual convention.  Pooling runs (seeds of a sweep point) is
 * adding all their observations to one estimate: each run censors at its
 * own end, which the estimator handles as it handles any censoring.
 *
 * The p-quantile (0 < p <= 1) is the smallest time t_j with S(t_j) <= 1 - p
 * (compared within KM_TOLERANCE, so that the rounding of p and of the
 * product never moves it by one observation).  With nothing censored S is
 * 1 - F_n, the empirical CDF, and this is the empirical quantile
 * x_(k), k = ceil(n p) (nearest rank, Hyndman and Fan's type 1); p = 1 is
 * the largest observation.  Where S never falls that low (censoring leaves
 * it above 1 - p), the quantile is not reached: the estimate says only that
 * it exceeds the largest time observed, which km_quantile returns.
 *
 * Memory: 32 bytes per distinct time.  km_scan computes the same quantiles
 * from groups fed in time order (SQL's ORDER BY) without keeping them.
 * Functions that read the estimate sort and fold the observations first
 * when some were added since (O(n log n) once).
 */
#ifndef SIM_IO_KM_H
#define SIM_IO_KM_H

#include <stddef.h>
#include <stdint.h>

/* S(t) <= 1 - p + KM_TOLERANCE counts as reaching the p-quantile. */
#define KM_TOLERANCE 1e-9

typedef struct km km;

/* One distinct time of the estimate. */
typedef struct km_step {
    double t;
    double s;         /* S(t): the estimate just after t (events at t included) */
    uint64_t at_risk; /* observations with time >= t */
    uint32_t events;  /* closed at t */
    uint32_t censored; /* censored at t: a plot's marks, at height s */
} km_step;

/* What a quantile is. */
typedef enum km_result {
    KM_EMPTY,       /* no observation */
    KM_REACHED,     /* the estimate reaches it: *t is the value */
    KM_NOT_REACHED  /* it does not: the value exceeds *t, the largest time observed */
} km_result;

int km_create(km **out);
void km_free(km *k);

/* Add an observation (t >= 0, not NaN); SIM_OK or SIM_ENOMEM. */
int km_add(km *k, double t, int censored);
/* Add `events` closes and `censored` censorings at time t. */
int km_add_counts(km *k, double t, uint64_t events, uint64_t censored);
/* Add every observation of src (another estimate) to k. */
int km_merge(km *k, const km *src);

/* Observations, of which closed (events) and censored. */
uint64_t km_n(const km *k);
uint64_t km_events(const km *k);
uint64_t km_censored(const km *k);
/* The largest time observed, event or censored (0 when empty). */
double km_max_time(km *k);

/* The p-quantile, 0 < p <= 1 (see above); *t is 0 when KM_EMPTY. */
km_result km_quantile(km *k, double p, double *t);

/* S(t): 1 before the first event. */
double km_survival(km *k, double t);

/* The curve: its distinct times in increasing order (valid until the next
 * km_add, km_add_counts or km_merge); returns how many. */
size_t km_steps(km *k, const km_step **steps);

/*
 * The quantiles of groups fed in increasing time order, with the total
 * number of observations known beforehand: for estimates too big to keep
 * (a sweep point pooled from the database).
 *
 *     km_scan sc;
 *     km_scan_init(&sc, n, np, p);    n observations; p[0..np) to find
 *     km_scan_add(&sc, t, d, c);      for each distinct t, increasing
 *     km_scan_quantile(&sc, i, &t)    the result for p[i]
 *
 * Feeding fewer or more than n observations, or times out of order, is a
 * bug (SIM_ASSERT).
 */
#define KM_SCAN_MAX 8

typedef struct km_scan {
    uint64_t n, at_risk;
    double s, s_base;  /* S = s_base * at_risk_after / n_base (see km.c) */
    uint64_t n_base;
    double t_last, t_max;
    size_t np;
    double p[KM_SCAN_MAX];
    double q[KM_SCAN_MAX];
    int reached[KM_SCAN_MAX];
} km_scan;

void km_scan_init(km_scan *sc, uint64_t n, size_t np, const double *p);
/* Returns S just after t. */
double km_scan_add(km_scan *sc, double t, uint64_t events, uint64_t censored);
km_result km_scan_quantile(const km_scan *sc, size_t i, double *t);

#endif /* SIM_IO_KM_H */
