/*
 * test_rng.c - counter-based streams and inverse-transform distributions.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "engine/rng.h"

static void draws_are_a_function_of_seed_id_purpose_and_index(void)
{
    rng_stream a, b;
    uint64_t x[10];

    rng_init(&a, 42, 7, 3);
    for (int i = 0; i < 10; i++)
        x[i] = rng_u64(&a);
    /* Another stream, interleaved, changes nothing. */
    rng_init(&a, 42, 7, 3);
    rng_init(&b, 42, 7, 4);
    for (int i = 0; i < 10; i++) {
        CHECK(rng_u64(&a) == x[i]);
        (void)rng_u64(&b);
    }
    /* Each coordinate of the name changes the draws. */
    rng_init(&b, 43, 7, 3);
    CHECK(rng_u64(&b) != x[0]);
    rng_init(&b, 42, 8, 3);
    CHECK(rng_u64(&b) != x[0]);
    rng_init(&b, 42, 7, 5);
    CHECK(rng_u64(&b) != x[0]);
    /* Seeds differing only in their high half are different streams. */
    rng_init(&a, 1, 0, 0);
    rng_init(&b, 1 + (1ULL << 32), 0, 0);
    CHECK(rng_u64(&a) != rng_u64(&b));
}

static void uniform_is_open_and_centred(void)
{
    rng_stream r;
    double sum = 0, lo = 1, hi = 0;
    const int n = 200000;

    rng_init(&r, 1, 0, 0);
    for (int i = 0; i < n; i++) {
        double u = rng_uniform(&r);
        sum += u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    CHECK(lo > 0 && hi < 1);
    /* Standard error of the mean: sqrt(1/12/n) = 0.00065. */
    CHECK_NEAR(sum / n, 0.5, 0.003);
}

static void normal_quantile_inverts_phi(void)
{
    CHECK_NEAR(rng_normal_quantile(0.5), 0.0, 1e-15);
    CHECK_NEAR(rng_normal_quantile(0.975), 1.959963984540054, 1e-12);
    CHECK_NEAR(rng_normal_quantile(0.025), -1.959963984540054, 1e-12);
    /* Lower tail and centre, where p = Phi(x) is exact enough to invert. */
    for (double x = -8; x <= 3; x += 0.25) {
        double p = 0.5 * erfc(-x / sqrt(2.0));
        CHECK_NEAR(rng_normal_quantile(p), x, 1e-9 * (1 + fabs(x)));
    }
    /* Upper tail by symmetry. */
    for (int k = 1; k < 1000; k++)
        CHECK_NEAR(rng_normal_quantile(k / 1000.0),
                   -rng_normal_quantile(1 - k / 1000.0), 1e-9);
}

/* Sample mean and median of n draws of d. */
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void moments(const dist *d, double *mean, double *median)
{
    enum { N = 100001 };
    static double v[N];
    rng_stream r;
    double sum = 0;

    rng_init(&r, 9, 1, 1);
    for (int i = 0; i < N; i++) {
        v[i] = dist_sample(d, &r);
        sum += v[i];
    }
    qsort(v, N, sizeof *v, cmp_d);
    *mean = sum / N;
    *median = v[N / 2];
}

static void distributions_have_their_documented_moments(void)
{
    double mean, med;
    dist c = {DIST_CONST, 3.0, 0}, e = {DIST_EXP, 2.0, 0};
    dist u = {DIST_UNIFORM, 1.0, 3.0}, ln = {DIST_LOGNORMAL, 5.0, 0.5};
    dist p = {DIST_PARETO, 1.0, 3.0};

    moments(&c, &mean, &med);
    CHECK_EQ_I64(mean == 3.0 && med == 3.0, 1);
    moments(&e, &mean, &med);
    CHECK_NEAR(mean, 2.0, 0.03);        /* sd/sqrt(n) = 0.0063 */
    CHECK_NEAR(med, 2.0 * log(2), 0.02);
    moments(&u, &mean, &med);
    CHECK_NEAR(mean, 2.0, 0.01);
    CHECK_NEAR(med, 2.0, 0.02);
    moments(&ln, &mean, &med);
    CHECK_NEAR(med, 5.0, 0.05);
    CHECK_NEAR(mean, dist_mean(&ln), 0.05);
    moments(&p, &mean, &med);
    CHECK_NEAR(med, pow(2.0, 1.0 / 3.0), 0.01); /* scale * 2^(1/shape) */
    CHECK_NEAR(mean, dist_mean(&p), 0.03);      /* 1.5 */
    CHECK(isinf(dist_mean(&(dist){DIST_PARETO, 1.0, 1.0})));
}

static void each_sample_takes_one_draw(void)
{
    dist kinds[] = {{DIST_CONST, 1, 0},
                    {DIST_EXP, 1, 0},
                    {DIST_UNIFORM, 0, 1},
                    {DIST_LOGNORMAL, 1, 1},
                    {DIST_PARETO, 1, 2}};

    for (unsigned k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        rng_stream r;

        rng_init(&r, 1, 1, 1);
        dist_sample(&kinds[k], &r);
        dist_sample(&kinds[k], &r);
        CHECK_EQ_I64(r.n, 2);
    }
}

static void durations_round_and_clamp(void)
{
    rng_stream r;
    dist c = {DIST_CONST, 1.6, 0}, huge = {DIST_PARETO, 1e18, 0.01};

    rng_init(&r, 1, 1, 1);
    CHECK_EQ_I64(dist_sample_time(&c, &r), 2);
    CHECK_EQ_I64(dist_sample_time(&huge, &r), DIST_TIME_CAP);
    CHECK_EQ_STR(dist_name(DIST_LOGNORMAL), "lognormal");
}

static const check_test tests[] = {
    CHECK_TEST(draws_are_a_function_of_seed_id_purpose_and_index),
    CHECK_TEST(uniform_is_open_and_centred),
    CHECK_TEST(normal_quantile_inverts_phi),
    CHECK_TEST(distributions_have_their_documented_moments),
    CHECK_TEST(each_sample_takes_one_draw),
    CHECK_TEST(durations_round_and_clamp),
};
CHECK_MAIN(tests)
