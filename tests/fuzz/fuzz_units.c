/*
 * fuzz_units.c - libFuzzer harness: the unit and distribution parsers
 * (io/units.h) and every parameter's parser (io/params.h).
 *
 * Input: one byte that picks the parser, then the text (up to the first
 * NUL): below 128, a unit parser (duration, size, rate, per second,
 * number, count, integer, distribution: the byte modulo 8); from 128 on,
 * "section.key=value" for that parameter's own parser and range.  Besides
 * the sanitizers, it checks what units.h promises: a value that parses
 * formats canonically (counts and integers: in decimal), and the canonical
 * text reads back to the same value (and formats the same again); a
 * refusal writes a message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/params.h"
#include "io/units.h"

/* The promise broken: print what and abort (a finding). */
static void broken(const char *what, const char *text, const char *canon)
{
    fprintf(stderr, "fuzz_units: %s: '%s' formats as '%s'\n", what, text, canon ? canon : "");
    abort();
}

static void refused(const char *text, const char *err)
{
    if (err[0] == '\0' || strlen(err) >= UNITS_ERR_MAX)
        broken("refused without a message", text, NULL);
}

enum { U_DURATION, U_SIZE, U_RATE, U_PER_SECOND, U_NUMBER, U_COUNT, U_INT, U_DIST, U_N };

/* parse(text) -> v; format(v) -> canon; parse(canon) -> v2 == v; format(v2) == canon. */
#define ROUND_TRIP(type, parse, fmt, eq)                                        \
    do {                                                                        \
        type v, v2;                                                             \
        char canon[UNITS_FMT_MAX], again[UNITS_FMT_MAX];                        \
        if (parse(text, &v, err) != 0) {                                        \
            refused(text, err);                                                 \
            break;                                                              \
        }                                                                       \
        fmt(v, canon);                                                          \
        if (parse(canon, &v2, err) != 0)                                        \
            broken("canonical text does not parse", text, canon);              \
        if (!(eq))                                                              \
            broken("canonical text reads back another value", text, canon);    \
        fmt(v2, again);                                                         \
        if (strcmp(canon, again) != 0)                                          \
            broken("canonical text is not stable", text, canon);               \
    } while (0)

static int dist_eq(const dist *a, const dist *b)
{
    return a->kind == b->kind && a->a == b->a && a->b == b->b;
}

static char *fmt_dist(dist v, char *buf)
{
    return units_fmt_dist(&v, buf);
}

/* Counts and integers have no formatter of their own: offsim prints them
 * in decimal. */
static char *fmt_count(uint64_t v, char *buf)
{
    snprintf(buf, UNITS_FMT_MAX, "%llu", (unsigned long long)v);
    return buf;
}

static char *fmt_int(int64_t v, char *buf)
{
    snprintf(buf, UNITS_FMT_MAX, "%lld", (long long)v);
    return buf;
}

static void units(int which, const char *text)
{
    char err[UNITS_ERR_MAX] = "";

    switch (which) {
    case U_DURATION:
        ROUND_TRIP(sim_time, units_parse_duration, units_fmt_duration, v == v2);
        break;
    case U_SIZE:
        ROUND_TRIP(uint64_t, units_parse_size, units_fmt_size, v == v2);
        break;
    case U_RATE:
        ROUND_TRIP(uint64_t, units_parse_rate, units_fmt_rate, v == v2);
        break;
    case U_PER_SECOND: {
        double v;
        if (units_parse_per_second(text, &v, err) != 0)
            refused(text, err);
        break;
    }
    case U_NUMBER:
        ROUND_TRIP(double, units_parse_number, units_fmt_number, v == v2);
        break;
    case U_COUNT:
        ROUND_TRIP(uint64_t, units_parse_count, fmt_count, v == v2);
        break;
    case U_INT:
        ROUND_TRIP(int64_t, units_parse_int, fmt_int, v == v2);
        break;
    default:
        ROUND_TRIP(dist, units_parse_dist, fmt_dist, dist_eq(&v, &v2));
        break;
    }
}

/* A parameter's own parser, with its range, and its canonical text. */
static void one_param(const param *p, const char *text)
{
    param_value v, v2;
    char err[UNITS_ERR_MAX] = "", canon[UNITS_FMT_MAX], again[UNITS_FMT_MAX];
    double num;

    memset(&v, 0, sizeof v);
    memset(&v2, 0, sizeof v2);
    if (param_parse(p, text, &v, err) != 0) {
        refused(text, err);
        return;
    }
    param_format(p, &v, canon);
    if (param_parse(p, canon, &v2, err) != 0)
        broken("a parameter's canonical text does not parse", text, canon);
    if (p->type == PT_DIST ? !dist_eq(&v.dd, &v2.dd) : memcmp(&v, &v2, param_size(p)) != 0)
        broken("a parameter's canonical text reads back another value", text, canon);
    param_format(p, &v2, again);
    if (strcmp(canon, again) != 0)
        broken("a parameter's canonical text is not stable", text, canon);
    param_number(p, &v, &num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text;
    unsigned which;

    if (size < 1)
        return 0;
    which = data[0];
    text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (which < 128) {
        units((int)(which % U_N), text);
    } else {
        /* "section.key=value" (peer keys: "peer.key=value") */
        char *dot = strchr(text, '.'), *eq = dot ? strchr(dot, '=') : NULL;
        const param *p;

        if (eq != NULL) {
            *dot = *eq = '\0';
            if ((p = params_find(text, dot + 1)) != NULL)
                one_param(p, eq + 1);
        }
    }
    free(text);
    return 0;
}
