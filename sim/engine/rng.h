/*
 * rng.h - counter-based random streams and the distributions drawn from them.
 *
 * Every random quantity in a run comes from its own stream, named by
 * (run seed, id, purpose): id is a connection number (0 for run-wide
 * streams), purpose says what the draws are for.  The k-th draw of a stream
 * is Philox4x32-10 (Random123, Salmon et al., SC'11) applied to the counter
 * (k, id, purpose) under the key (seed), so it depends on nothing else: a
 * parameter that changes how many draws one stream takes shifts no other
 * stream (common random numbers across sweep points), and a run gives the
 * same numbers whichever process or machine runs it.
 *
 * Each sample of a distribution consumes exactly one draw, whatever the
 * distribution, by inverse transform (see dist_sample), so swapping one
 * distribution for another keeps the stream aligned.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

#include "err.h"
#include "sim.h"

typedef struct rng_stream {
    uint64_t seed;
    uint32_t id;
    uint32_t purpose;
    uint64_t n; /* draws taken */
} rng_stream;

void rng_init(rng_stream *r, uint64_t seed, uint32_t id, uint32_t purpose);

/*
 * A stream kept by its position alone.  Objects that hold many streams
 * named by what they already know (a connection knows its id, its holder
 * the run's seed and the purposes) keep each as a 32-bit count of the
 * draws taken, and make the stream for a draw:
 *
 *     rng_stream r = rng_at(seed, id, purpose, c->loss_n);
 *     ... draw from r ...
 *     c->loss_n = rng_count(&r);
 *
 * A stream kept so that reaches 2^32 draws stops the program (SIM_ASSERT)
 * rather than repeat its draws: 4 x 10^9 segments of one connection.
 */
static inline rng_stream rng_at(uint64_t seed, uint32_t id, uint32_t purpose, uint32_t n)
{
    rng_stream r = {seed, id, purpose, n};

    return r;
}

static inline void rng__check(uint64_t n, uint32_t id, uint32_t purpose)
{
    SIM_ASSERT(n <= UINT32_MAX, "stream (id %u, purpose %u) drew 2^32 times", id, purpose);
}

static inline uint32_t rng_count(const rng_stream *r)
{
    rng__check(r->n, r->id, r->purpose);
    return (uint32_t)r->n;
}

/* A kept position n moved one draw on without the stream: a draw whose
 * value is known, as a constant's (dist_sample), where nothing else needs
 * the stream. */
static inline uint32_t rng_skip(uint32_t n, uint32_t id, uint32_t purpose)
{
    rng__check((uint64_t)n + 1, id, purpose);
    return n + 1;
}

/* 64 random bits: draw number r->n of the stream. */
uint64_t rng_u64(rng_stream *r);

/* Uniform on the open interval (0, 1): (k + 1/2) / 2^53, k uniform. */
double rng_uniform(rng_stream *r);

/* Standard normal quantile: x with Phi(x) = p, 0 < p < 1. */
double rng_normal_quantile(double p);

typedef enum dist_kind {
    DIST_CONST,     /* const(x):               x                          */
    DIST_EXP,       /* exp(mean):              -mean * ln(u)              */
    DIST_UNIFORM,   /* uniform(a,b):           a + (b - a) * u            */
    DIST_LOGNORMAL, /* lognormal(median,sigma): median * exp(sigma*z(u))  */
    DIST_PARETO     /* pareto(scale,shape):    scale * u^(-1/shape)       */
} dist_kind;

/*
 * A distribution of a non-negative quantity.  a and b are in the
 * quantity's base unit (nanoseconds for durations), except lognormal's
 * sigma and pareto's shape, which are pure numbers.
 */
typedef struct dist {
    dist_kind kind;
    double a;
    double b;
} dist;

/* One sample; consumes one draw of r. */
double dist_sample(const dist *d, rng_stream *r);

/*
 * One sample of a duration, rounded to the nanosecond and clamped to
 * [0, DIST_TIME_CAP] so that a heavy tail cannot overflow the clock.
 */
#define DIST_TIME_CAP ((sim_time)1000000 * 3600 * SIM_S) /* a million hours */
sim_time dist_sample_time(const dist *d, rng_stream *r);

/* The mean (infinite for pareto with shape <= 1). */
double dist_mean(const dist *d);

/* The name as written in scenario files: "exp", "lognormal", ... */
const char *dist_name(dist_kind k);

#endif /* SIM_RNG_H */
