/*
 * rng.c - Philox streams and inverse-transform sampling.
 *
 * Layout of one draw.  Philox4x32-10 maps a 128-bit counter and a 64-bit key
 * to 128 random bits.  Counter = (k low, k high, id, purpose), key = the run
 * seed; draw k of a stream is the first 64 bits of that block (the other 64
 * are not used, which keeps draw k a function of k alone).
 *
 * Inverse transforms (u uniform on (0,1), never 0 or 1, so every formula is
 * finite; u and 1-u have the same law, so 1-u is written u):
 *   const(x)                x
 *   exp(mean)               -mean ln u
 *   uniform(a,b)            a + (b-a) u
 *   lognormal(median,sigma) median exp(sigma Phi^-1(u))   (median = e^mu)
 *   pareto(scale,shape)     scale u^(-1/shape)            (P[X > x] = (scale/x)^shape)
 * Phi^-1 is Acklam's rational approximation (relative error 1.15e-9) with one
 * Halley step against erfc() from libm, which brings it to about 1e-15.
 */
#include "rng.h"

#include <math.h>

#include <Random123/philox.h>

void rng_init(rng_stream *r, uint64_t seed, uint32_t id, uint32_t purpose)
{
    r->seed = seed;
    r->id = id;
    r->purpose = purpose;
    r->n = 0;
}

uint64_t rng_u64(rng_stream *r)
{
    philox4x32_ctr_t c = {{(uint32_t)r->n, (uint32_t)(r->n >> 32), r->id,
                           r->purpose}};
    philox4x32_key_t k = {{(uint32_t)r->seed, (uint32_t)(r->seed >> 32)}};
    philox4x32_ctr_t x = philox4x32(c, k);

    r->n++;
    return (uint64_t)x.v[0] | (uint64_t)x.v[1] << 32;
}

double rng_uniform(rng_stream *r)
{
    return ((double)(rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

double rng_normal_quantile(double p)
{
    /* Acklam's coefficients: central region, then the tails. */
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
    const double plow = 0.02425;
    double q, r, x, e, u;

    if (p < plow) {
        q = sqrt(-2 * log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - plow) {
        q = p - 0.5;
        r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        q = sqrt(-2 * log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    /* One Halley step on Phi(x) - p, Phi(x) = erfc(-x/sqrt 2)/2. */
    e = 0.5 * erfc(-x / sqrt(2.0)) - p;
    u = e * 2.50662827463100050242 * exp(x * x / 2); /* e sqrt(2 pi) e^(x^2/2) */
    return x - u / (1 + x * u / 2);
}

double dist_sample(const dist *d, rng_stream *r)
{
    double u;

    /* A constant takes its draw without computing it (the same position
     * in the stream after it, at none of the cost). */
    if (d->kind == DIST_CONST) {
        r->n++;
        return d->a;
    }
    u = rng_uniform(r);

    switch (d->kind) {
    case DIST_CONST:
        return d->a;
    case DIST_EXP:
        return -d->a * log(u);
    case DIST_UNIFORM:
        return d->a + (d->b - d->a) * u;
    case DIST_LOGNORMAL:
        return d->a * exp(d->b * rng_normal_quantile(u));
    case DIST_PARETO:
        return d->a * pow(u, -1.0 / d->b);
    }
    return d->a;
}

sim_time dist_sample_time(const dist *d, rng_stream *r)
{
    double x = dist_sample(d, r);

    if (!(x > 0))
        return 0;
    if (x >= (double)DIST_TIME_CAP)
        return DIST_TIME_CAP;
    return (sim_time)llround(x);
}

double dist_mean(const dist *d)
{
    switch (d->kind) {
    case DIST_CONST:
    case DIST_EXP:
        return d->a;
    case DIST_UNIFORM:
        return (d->a + d->b) / 2;
    case DIST_LOGNORMAL:
        return d->a * exp(d->b * d->b / 2);
    case DIST_PARETO:
        return d->b > 1 ? d->a * d->b / (d->b - 1) : INFINITY;
    }
    return d->a;
}

const char *dist_name(dist_kind k)
{
    static const char *const names[] = {
        [DIST_CONST] = "const",         [DIST_EXP] = "exp",
        [DIST_UNIFORM] = "uniform",     [DIST_LOGNORMAL] = "lognormal",
        [DIST_PARETO] = "pareto",
    };

    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}
