/*
 * km.c - the Kaplan-Meier estimate (see km.h).
 *
 * The product S = prod (1 - d_j / n_j) is not accumulated factor by factor:
 * between two censorings the factors telescope, (n_j - d_j) / n_j times
 * (n_{j+1} - d_{j+1}) / n_{j+1} with n_{j+1} = n_j - d_j, so S is kept as
 * s_base * at_risk / n_base, where s_base and n_base are S and the number at
 * risk just after the last censoring.  With nothing censored S is then
 * (n - k) / n, one rounding away from exact, and the estimate is the
 * empirical distribution to the last bit that matters; with censoring the
 * error grows with the number of censored times, not of events.
 */
#include "km.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"

struct km {
    km_step *v;   /* observations; after settle(): one per distinct time, sorted */
    size_t n, cap;
    uint64_t obs, events, censored;
    int settled;  /* v is sorted, folded and its s and at_risk are filled in */
};

/* ---- the scan: S over groups in time order -------------------------------- */

void km_scan_init(km_scan *sc, uint64_t n, size_t np, const double *p)
{
    SIM_ASSERT(np <= KM_SCAN_MAX, "km_scan: %zu quantiles, at most %d", np, KM_SCAN_MAX);
    memset(sc, 0, sizeof *sc);
    sc->n = sc->at_risk = sc->n_base = n;
    sc->s = sc->s_base = 1;
    sc->t_last = -INFINITY;
    sc->np = np;
    for (size_t i = 0; i < np; i++) {
        SIM_ASSERT(p[i] > 0 && p[i] <= 1, "km_scan: quantile %g outside (0, 1]", p[i]);
        sc->p[i] = p[i];
    }
}

double km_scan_add(km_scan *sc, double t, uint64_t events, uint64_t censored)
{
    SIM_ASSERT(t > sc->t_last, "km_scan: time %.17g after %.17g: not increasing", t,
               sc->t_last);
    SIM_ASSERT(events + censored <= sc->at_risk,
               "km_scan: %llu observations at %.17g, %llu left at risk",
               (unsigned long long)(events + censored), t, (unsigned long long)sc->at_risk);
    sc->t_last = sc->t_max = t;
    if (events > 0) {
        sc->at_risk -= events;
        sc->s = sc->s_base * (double)sc->at_risk / (double)sc->n_base;
        for (size_t i = 0; i < sc->np; i++) {
            if (sc->reached[i])
                continue;
            /* The maximum is reached only when nothing is left at risk. */
            if (sc->p[i] >= 1 ? sc->at_risk == 0 : sc->s <= 1 - sc->p[i] + KM_TOLERANCE) {
                sc->reached[i] = 1;
                sc->q[i] = t;
            }
        }
    }
    if (censored > 0) {
        sc->at_risk -= censored;
        sc->s_base = sc->s;
        sc->n_base = sc->at_risk;
    }
    return sc->s;
}

km_result km_scan_quantile(const km_scan *sc, size_t i, double *t)
{
    SIM_ASSERT(i < sc->np, "km_scan: quantile %zu of %zu", i, sc->np);
    SIM_ASSERT(sc->at_risk == 0, "km_scan: %llu of %llu observations not fed",
               (unsigned long long)sc->at_risk, (unsigned long long)sc->n);
    if (sc->n == 0) {
        *t = 0;
        return KM_EMPTY;
    }
    *t = sc->reached[i] ? sc->q[i] : sc->t_max;
    return sc->reached[i] ? KM_REACHED : KM_NOT_REACHED;
}

/* ---- the estimate ----------------------------------------------------------- */

int km_create(km **out)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return SIM_ENOMEM;
    (*out)->settled = 1;
    return SIM_OK;
}

void km_free(km *k)
{
    if (k == NULL)
        return;
    free(k->v);
    free(k);
}

int km_add_counts(km *k, double t, uint64_t events, uint64_t censored)
{
    km_step *s;

    SIM_ASSERT(t >= 0 && !isnan(t) && !isinf(t), "km_add: time %g", t);
    SIM_ASSERT(events <= UINT32_MAX && censored <= UINT32_MAX,
               "km_add: %llu events, %llu censored at one time",
               (unsigned long long)events, (unsigned long long)censored);
    if (events + censored == 0)
        return SIM_OK;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 256;
        km_step *v = realloc(k->v, cap * sizeof *v);

        if (v == NULL)
            return SIM_ENOMEM;
        k->v = v;
        k->cap = cap;
    }
    s = &k->v[k->n++];
    *s = (km_step){.t = t, .events = (uint32_t)events, .censored = (uint32_t)censored};
    k->obs += events + censored;
    k->events += events;
    k->censored += censored;
    k->settled = 0;
    return SIM_OK;
}

int km_add(km *k, double t, int censored)
{
    return censored ? km_add_counts(k, t, 0, 1) : km_add_counts(k, t, 1, 0);
}

int km_merge(km *k, const km *src)
{
    SIM_ASSERT(k != src, "km_merge: an estimate into itself");
    for (size_t i = 0; i < src->n; i++) {
        int rc = km_add_counts(k, src->v[i].t, src->v[i].events, src->v[i].censored);

        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

uint64_t km_n(const km *k)
{
    return k->obs;
}

uint64_t km_events(const km *k)
{
    return k->events;
}

uint64_t km_censored(const km *k)
{
    return k->censored;
}

static int by_time(const void *a, const void *b)
{
    double x = ((const km_step *)a)->t, y = ((const km_step *)b)->t;

    return (x > y) - (x < y);
}

/* Sort, fold equal times into one step, and fill in at_risk and s. */
static void settle(km *k)
{
    km_scan sc;
    size_t m = 0;

    if (k->settled)
        return;
    if (k->n > 1) /* none: v is NULL, which qsort may not take */
        qsort(k->v, k->n, sizeof *k->v, by_time);
    for (size_t i = 0; i < k->n; i++) {
        if (m > 0 && k->v[m - 1].t == k->v[i].t) {
            SIM_ASSERT((uint64_t)k->v[m - 1].events + k->v[i].events <= UINT32_MAX &&
                           (uint64_t)k->v[m - 1].censored + k->v[i].censored <= UINT32_MAX,
                       "km: more than %u observations at time %g", UINT32_MAX, k->v[i].t);
            k->v[m - 1].events += k->v[i].events;
            k->v[m - 1].censored += k->v[i].censored;
        } else {
            k->v[m++] = k->v[i];
        }
    }
    k->n = m;
    km_scan_init(&sc, k->obs, 0, NULL);
    for (size_t i = 0; i < k->n; i++) {
        k->v[i].at_risk = sc.at_risk;
        k->v[i].s = km_scan_add(&sc, k->v[i].t, k->v[i].events, k->v[i].censored);
    }
    k->settled = 1;
}

double km_max_time(km *k)
{
    settle(k);
    return k->n ? k->v[k->n - 1].t : 0;
}

km_result km_quantile(km *k, double p, double *t)
{
    size_t lo = 0, hi;
    double target;

    SIM_ASSERT(p > 0 && p <= 1, "km_quantile: %g outside (0, 1]", p);
    settle(k);
    *t = 0;
    if (k->n == 0)
        return KM_EMPTY;
    /* The first step with s <= target; s never increases, and it first falls
     * there at a step with events. */
    target = p >= 1 ? 0 : 1 - p + KM_TOLERANCE;
    hi = k->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (k->v[mid].s <= target)
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == k->n) {
        *t = k->v[k->n - 1].t;
        return KM_NOT_REACHED;
    }
    *t = k->v[lo].t;
    return KM_REACHED;
}

double km_survival(km *k, double t)
{
    size_t lo = 0, hi;

    settle(k);
    hi = k->n;
    /* The last step at or before t. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (k->v[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? 1 : k->v[lo - 1].s;
}

size_t km_steps(km *k, const km_step **steps)
{
    settle(k);
    *steps = k->v;
    return k->n;
}
