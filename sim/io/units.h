/*
 * units.h - values as written in scenario files and on the command line:
 * parsing with a message that says what was expected, and canonical
 * formatting (what run_param.value stores and legends show).
 *
 *   duration      a number and a unit: ns us ms s min h ("0" alone allowed)
 *   size          a number and B KB MB GB (1000-based), or bare bytes
 *   rate          a number and bps Kbps Mbps Gbps
 *   per second    a number and "/s"
 *   number        a plain decimal number (loss, probability, share)
 *   count         a plain non-negative integer
 *   distribution  const(x) exp(mean) uniform(a,b) lognormal(median,sigma)
 *                 pareto(scale,shape), or a bare duration meaning const(x)
 *
 * Numbers are decimal ("1.5ms", "2e3us"); signs, hex, inf and nan are
 * refused.  Every parser returns 0 or -1 and, on -1, writes into err a
 * message of the form "expected ..., got '...'" without location; callers
 * add file:line and the key.
 */
#ifndef SIM_IO_UNITS_H
#define SIM_IO_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"

#define UNITS_ERR_MAX 256

int units_parse_duration(const char *s, sim_time *out, char *err);
int units_parse_size(const char *s, uint64_t *out, char *err);
int units_parse_rate(const char *s, uint64_t *bps, char *err);
int units_parse_per_second(const char *s, double *out, char *err);
int units_parse_number(const char *s, double *out, char *err);
int units_parse_count(const char *s, uint64_t *out, char *err);
int units_parse_int(const char *s, int64_t *out, char *err); /* may be negative */
/* A distribution of durations; parameters in ns (sigma, shape: numbers). */
int units_parse_dist(const char *s, dist *out, char *err);

/*
 * Canonical text: the largest unit in which the value is a whole number
 * (120s, 1500ms, 10KB, 1Gbps); numbers in the shortest form that reads
 * back exactly.  buf must hold UNITS_FMT_MAX bytes; returns buf.
 */
#define UNITS_FMT_MAX 96
char *units_fmt_duration(sim_time ns, char *buf);
char *units_fmt_size(uint64_t bytes, char *buf);
char *units_fmt_rate(uint64_t bps, char *buf);
char *units_fmt_number(double x, char *buf);
char *units_fmt_dist(const dist *d, char *buf);

#endif /* SIM_IO_UNITS_H */
