/*
 * test_km.c - the Kaplan-Meier estimator (io/km.h) against small examples
 * computed by hand (ties, censoring before, between and after the events,
 * everything censored), against the empirical quantile when nothing is
 * censored, and its pooled and streaming forms against one another.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "engine/err.h"
#include "io/km.h"

/* An estimate of the observations t[i], censored where c[i]. */
static km *build(const double *t, const int *c, size_t n)
{
    km *k;

    if (km_create(&k) != SIM_OK)
        abort();
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_I64(km_add(k, t[i], c[i]), SIM_OK);
    return k;
}

static void check_q(km *k, double p, km_result want, double want_t, int line)
{
    double t = -1;
    km_result r = km_quantile(k, p, &t);

    if (r != want || t != want_t)
        CHECK_FAIL_("line %d: quantile %g: got %d %.17g, want %d %.17g", line, p, r, t, want,
                    want_t);
}
#define Q(k, p, want, t) check_q(k, p, want, t, __LINE__)

/*
 * 3, 5+, 6, 6, 8+, 10 (+ censored).  By hand:
 *   t   at risk  closed  censored  S
 *   3   6        1       0         5/6
 *   5   5        0       1         5/6
 *   6   4        2       0         5/6 * 2/4 = 5/12
 *   8   2        0       1         5/12
 *   10  1        1       0         0
 */
static void censoring_between_events(void)
{
    static const double t[] = {6, 3, 10, 8, 6, 5};
    static const int c[] = {0, 0, 0, 1, 0, 1};
    static const km_step want[] = {
        {3, 5.0 / 6, 6, 1, 0}, {5, 5.0 / 6, 5, 0, 1}, {6, 5.0 / 12, 4, 2, 0},
        {8, 5.0 / 12, 2, 0, 1}, {10, 0, 1, 1, 0},
    };
    km *k = build(t, c, 6);
    const km_step *s;
    size_t n = km_steps(k, &s);

    CHECK_EQ_I64(n, 5);
    for (size_t i = 0; i < n && i < 5; i++) {
        CHECK_NEAR(s[i].t, want[i].t, 0);
        CHECK_NEAR(s[i].s, want[i].s, 1e-15);
        CHECK_EQ_I64(s[i].at_risk, want[i].at_risk);
        CHECK_EQ_I64(s[i].events, want[i].events);
        CHECK_EQ_I64(s[i].censored, want[i].censored);
    }
    CHECK_EQ_I64(km_n(k), 6);
    CHECK_EQ_I64(km_events(k), 4);
    CHECK_EQ_I64(km_censored(k), 2);
    Q(k, 0.1, KM_REACHED, 3);
    Q(k, 1.0 / 6, KM_REACHED, 3); /* S(3) = 5/6 = 1 - p exactly */
    Q(k, 0.2, KM_REACHED, 6);
    Q(k, 0.5, KM_REACHED, 6);
    Q(k, 7.0 / 12, KM_REACHED, 6); /* S(6) = 5/12 = 1 - p exactly */
    Q(k, 0.6, KM_REACHED, 10);
    Q(k, 0.99, KM_REACHED, 10);
    Q(k, 1, KM_REACHED, 10); /* the largest observation closed: S reaches 0 */
    CHECK_NEAR(km_survival(k, 0), 1, 0);
    CHECK_NEAR(km_survival(k, 2.999), 1, 0);
    CHECK_NEAR(km_survival(k, 3), 5.0 / 6, 1e-15);
    CHECK_NEAR(km_survival(k, 7), 5.0 / 12, 1e-15);
    CHECK_NEAR(km_survival(k, 10), 0, 0);
    CHECK_NEAR(km_survival(k, 1e9), 0, 0);
    CHECK_NEAR(km_max_time(k), 10, 0);
    km_free(k);
}

/*
 * Ties of closes and censorings at one time: 2, 2+, 4, 4+.  The censored
 * at a time count as at risk there (closes first):
 *   2: 4 at risk, 1 closed: S = 3/4; 4: 2 at risk, 1 closed: S = 3/8.
 */
static void ties_of_events_and_censorings(void)
{
    static const double t[] = {4, 2, 4, 2};
    static const int c[] = {1, 1, 0, 0};
    km *k = build(t, c, 4);
    const km_step *s;

    CHECK_EQ_I64(km_steps(k, &s), 2);
    CHECK_NEAR(s[0].s, 0.75, 1e-15);
    CHECK_EQ_I64(s[1].at_risk, 2);
    CHECK_NEAR(s[1].s, 0.375, 1e-15);
    Q(k, 0.25, KM_REACHED, 2);
    Q(k, 0.5, KM_REACHED, 4);
    Q(k, 0.6, KM_REACHED, 4);
    Q(k, 0.625, KM_REACHED, 4);  /* S = 3/8 = 1 - p exactly */
    Q(k, 0.7, KM_NOT_REACHED, 4); /* S stays at 3/8: not reached, beyond 4 */
    Q(k, 1, KM_NOT_REACHED, 4);   /* the last time has a censoring: no maximum */
    km_free(k);

    /* Ties among closes alone: 1, 1, 1, 2: S(1) = 1/4. */
    {
        static const double t2[] = {1, 2, 1, 1};
        static const int c2[] = {0, 0, 0, 0};
        km *k2 = build(t2, c2, 4);

        Q(k2, 0.5, KM_REACHED, 1);
        Q(k2, 0.75, KM_REACHED, 1);
        Q(k2, 0.76, KM_REACHED, 2);
        Q(k2, 1, KM_REACHED, 2);
        km_free(k2);
    }
}

/*
 * Censoring before every close: 1+, 1+, 2, 3.  The two censored leave two
 * at risk: S(2) = 1/2, S(3) = 0.  Counting the censored as values would
 * make the median 1.
 */
static void censoring_before_events(void)
{
    static const double t[] = {1, 1, 2, 3};
    static const int c[] = {1, 1, 0, 0};
    km *k = build(t, c, 4);

    Q(k, 0.5, KM_REACHED, 2);
    Q(k, 0.51, KM_REACHED, 3);
    Q(k, 1, KM_REACHED, 3);
    CHECK_NEAR(km_survival(k, 1.5), 1, 0);
    km_free(k);
}

/*
 * Censoring after every close (a run that ends with a few connections
 * open): 1, 2, 3, 10+, 10+.  S(3) = 2/5: the median is 3, plainly; p90 and
 * the maximum are not reached, beyond 10.
 */
static void censoring_after_events(void)
{
    static const double t[] = {10, 1, 10, 2, 3};
    static const int c[] = {1, 0, 1, 0, 0};
    km *k = build(t, c, 5);

    Q(k, 0.5, KM_REACHED, 3);
    Q(k, 0.6, KM_REACHED, 3);
    Q(k, 0.61, KM_NOT_REACHED, 10);
    Q(k, 0.9, KM_NOT_REACHED, 10);
    Q(k, 1, KM_NOT_REACHED, 10);
    km_free(k);
}

/* Everything censored: S = 1, nothing is reached; and nothing at all. */
static void everything_censored_and_empty(void)
{
    static const double t[] = {5, 7};
    static const int c[] = {1, 1};
    km *k = build(t, c, 2);
    double v;

    Q(k, 0.01, KM_NOT_REACHED, 7);
    Q(k, 0.5, KM_NOT_REACHED, 7);
    Q(k, 1, KM_NOT_REACHED, 7);
    CHECK_NEAR(km_survival(k, 100), 1, 0);
    km_free(k);

    k = build(NULL, NULL, 0);
    CHECK_EQ_I64(km_quantile(k, 0.5, &v), KM_EMPTY);
    CHECK_NEAR(v, 0, 0);
    CHECK_NEAR(km_survival(k, 1), 1, 0);
    CHECK_NEAR(km_max_time(k), 0, 0);
    km_free(k);
}

/* A deterministic generator for the randomised checks. */
static uint64_t g_state = 88172645463325252ull;
static uint64_t next(void)
{
    g_state ^= g_state << 13;
    g_state ^= g_state >> 7;
    g_state ^= g_state << 17;
    return g_state;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/*
 * Nothing censored: the estimate's quantile is the empirical one, x_(k)
 * with k = ceil(n p) (nearest rank), for samples with and without ties.
 * p has three decimals, so n p is an integer or at least 0.001 from one.
 */
static void uncensored_equals_the_empirical_quantile(void)
{
    static const double ps[] = {0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1};

    for (int trial = 0; trial < 400; trial++) {
        size_t n = 1 + next() % 3000;
        double *x = malloc(n * sizeof *x);
        int ties = trial % 2;
        km *k;

        if (km_create(&k) != SIM_OK || x == NULL)
            abort();
        for (size_t i = 0; i < n; i++) {
            x[i] = ties ? (double)(next() % 50) : (double)(next() % 1000000000) * 1e-6;
            CHECK_EQ_I64(km_add(k, x[i], 0), SIM_OK);
        }
        qsort(x, n, sizeof *x, by_double);
        for (size_t j = 0; j < sizeof ps / sizeof *ps + 3; j++) {
            double p = j < sizeof ps / sizeof *ps ? ps[j] : (double)(1 + next() % 1000) / 1000;
            size_t rank = (size_t)ceil((double)n * p - 1e-6);
            double v;

            if (rank < 1)
                rank = 1;
            if (km_quantile(k, p, &v) != KM_REACHED || v != x[rank - 1]) {
                CHECK_FAIL_("n %zu p %g: got %.17g, the empirical quantile x_(%zu) is %.17g", n,
                            p, v, rank, x[rank - 1]);
                trial = 1000;
                break;
            }
        }
        free(x);
        km_free(k);
    }
}

/* Random censored samples, with ties. */
static km *random_sample(size_t n, double t_end)
{
    km *k;

    if (km_create(&k) != SIM_OK)
        abort();
    for (size_t i = 0; i < n; i++) {
        double t = (double)(next() % 200) * t_end / 200;
        CHECK_EQ_I64(km_add(k, t, next() % 4 == 0), SIM_OK);
    }
    return k;
}

/*
 * Pooling: runs merged give the estimate of all their observations added
 * to one; km_scan over the folded steps gives km_quantile's answers.
 */
static void pooled_and_streamed_agree(void)
{
    static const double ps[] = {0.5, 0.9, 0.99, 1};

    for (int trial = 0; trial < 50; trial++) {
        km *a = random_sample(1 + next() % 500, 10), *b = random_sample(1 + next() % 500, 7);
        km *pool, *all;
        const km_step *s;
        size_t n;
        km_scan sc;

        if (km_create(&pool) != SIM_OK || km_create(&all) != SIM_OK)
            abort();
        CHECK_EQ_I64(km_merge(pool, a), SIM_OK);
        CHECK_EQ_I64(km_merge(pool, b), SIM_OK);
        CHECK_EQ_I64(km_n(pool), km_n(a) + km_n(b));
        CHECK_EQ_I64(km_censored(pool), km_censored(a) + km_censored(b));
        n = km_steps(a, &s);
        for (size_t i = 0; i < n; i++)
            km_add_counts(all, s[i].t, s[i].events, s[i].censored);
        n = km_steps(b, &s);
        for (size_t i = 0; i < n; i++)
            km_add_counts(all, s[i].t, s[i].events, s[i].censored);
        n = km_steps(pool, &s);
        km_scan_init(&sc, km_n(pool), 4, ps);
        for (size_t i = 0; i < n; i++)
            CHECK_NEAR(km_scan_add(&sc, s[i].t, s[i].events, s[i].censored), s[i].s, 0);
        for (size_t j = 0; j < 4; j++) {
            double v1, v2, v3;
            km_result r1 = km_quantile(pool, ps[j], &v1), r2 = km_quantile(all, ps[j], &v2);
            km_result r3 = km_scan_quantile(&sc, j, &v3);

            CHECK_EQ_I64(r1, r2);
            CHECK_EQ_I64(r1, r3);
            CHECK_NEAR(v1, v2, 0);
            CHECK_NEAR(v1, v3, 0);
        }
        km_free(a);
        km_free(b);
        km_free(pool);
        km_free(all);
    }
}

/*
 * The estimate where rounding matters: 20 000 observations, 20 censored
 * early; S must still fall to exactly 0 and a quantile at a boundary must
 * not move by one observation.
 */
static void many_observations_stay_exact(void)
{
    km *k;
    double v;

    if (km_create(&k) != SIM_OK)
        abort();
    for (int i = 0; i < 20; i++)
        km_add(k, 0.5 + i, 1);
    for (int i = 1; i <= 19980; i++)
        km_add(k, 100 + i, 0);
    /* 19 980 closes among 19 980 at risk: S = (19980 - j) / 19980 after the j-th. */
    CHECK_EQ_I64(km_quantile(k, 0.5, &v), KM_REACHED);
    CHECK_NEAR(v, 100 + 9990, 0);
    CHECK_EQ_I64(km_quantile(k, 0.9, &v), KM_REACHED);
    CHECK_NEAR(v, 100 + 17982, 0);
    CHECK_EQ_I64(km_quantile(k, 1, &v), KM_REACHED);
    CHECK_NEAR(v, 100 + 19980, 0);
    CHECK_NEAR(km_survival(k, 1e9), 0, 0);
    km_free(k);
}

static const check_test tests[] = {
    CHECK_TEST(censoring_between_events),
    CHECK_TEST(ties_of_events_and_censorings),
    CHECK_TEST(censoring_before_events),
    CHECK_TEST(censoring_after_events),
    CHECK_TEST(everything_censored_and_empty),
    CHECK_TEST(uncensored_equals_the_empirical_quantile),
    CHECK_TEST(pooled_and_streamed_agree),
    CHECK_TEST(many_observations_stay_exact),
};

CHECK_MAIN(tests)
