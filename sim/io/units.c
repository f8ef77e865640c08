/*
 * units.c - parsing and formatting of scenario values (see units.h).
 */
#include "units.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"

typedef struct unit {
    const char *name;
    double scale; /* in the base unit: ns, bytes, bps */
} unit;

static const unit duration_units[] = {
    {"ns", (double)SIM_NS}, {"us", (double)SIM_US}, {"ms", (double)SIM_MS},
    {"s", (double)SIM_S},   {"min", 60.0 * SIM_S},  {"h", 3600.0 * SIM_S},
};
static const unit size_units[] = {
    {"B", 1}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
};
static const unit rate_units[] = {
    {"bps", 1}, {"Kbps", 1e3}, {"Mbps", 1e6}, {"Gbps", 1e9},
};
#define NUNITS(a) (sizeof(a) / sizeof *(a))

static int fail(char *err, const char *fmt, const char *what, const char *got)
{
    snprintf(err, UNITS_ERR_MAX, fmt, what, got);
    return -1;
}

/*
 * A non-negative decimal number at the start of s: digits, an optional
 * fraction, an optional exponent.  Returns the length read (0: none).
 */
static size_t scan_number(const char *s, double *out)
{
    const char *p = s;
    char buf[64];
    size_t n;
    int digits = 0;

    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if ((*p == 'e' || *p == 'E') &&
        (isdigit((unsigned char)p[1]) ||
         ((p[1] == '+' || p[1] == '-') && isdigit((unsigned char)p[2])))) {
        p += 2;
        while (isdigit((unsigned char)*p))
            p++;
    }
    n = (size_t)(p - s);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    *out = strtod(buf, NULL);
    return isfinite(*out) ? n : 0;
}

static void unit_list(const unit *u, size_t n, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(buf, u[i].name, len - strlen(buf) - 1);
        if (i + 1 < n)
            strncat(buf, " ", len - strlen(buf) - 1);
    }
}

/*
 * number + unit from the table.  bare_ok: a bare number is in the base
 * unit; otherwise only "0" may stand alone.  Returns the value in the base
 * unit (u[0], spelled out as base), which must be whole: "1.5ns" or a size of 0.4
 * bytes is refused rather than rounded to a value nobody wrote.  The
 * tolerance absorbs only the binary rounding of x * scale ("0.1s").
 */
static int parse_with_unit(const char *s, const unit *u, size_t nu, int bare_ok,
                           const char *what, const char *base, double max,
                           uint64_t *out, char *err)
{
    char units[64];
    double x, v;
    size_t n;

    unit_list(u, nu, units, sizeof units);
    if (*s == '-')
        return fail(err, "expected %s, got '%.80s' (negative)", what, s);
    n = scan_number(s, &x);
    if (n == 0) {
        snprintf(err, UNITS_ERR_MAX, "expected %s (units: %s), got '%.80s'", what,
                 units, s);
        return -1;
    }
    while (s[n] == ' ' || s[n] == '\t')
        n++;
    if (s[n] == '\0') {
        if (!bare_ok && x != 0) {
            snprintf(err, UNITS_ERR_MAX,
                     "expected %s with a unit (%s), got '%.80s' (no unit)", what,
                     units, s);
            return -1;
        }
        v = x;
    } else {
        size_t i;

        for (i = 0; i < nu; i++)
            if (strcmp(s + n, u[i].name) == 0)
                break;
        if (i == nu) {
            snprintf(err, UNITS_ERR_MAX,
                     "expected %s with a unit (%s), got '%.80s' (unknown unit '%.20s')",
                     what, units, s, s + n);
            return -1;
        }
        v = x * u[i].scale;
    }
    if (v > max) {
        snprintf(err, UNITS_ERR_MAX, "expected %s, got '%.80s' (too large)", what, s);
        return -1;
    }
    if (fabs(v - nearbyint(v)) > fmax(1e-6, v * 1e-12)) {
        snprintf(err, UNITS_ERR_MAX,
                 "expected %s, got '%.80s' (not a whole number of %s)", what, s,
                 base);
        return -1;
    }
    *out = (uint64_t)llround(v);
    return 0;
}

int units_parse_duration(const char *s, sim_time *out, char *err)
{
    uint64_t v;

    /* A bound well below INT64_MAX, so that sums of durations cannot overflow. */
    if (parse_with_unit(s, duration_units, NUNITS(duration_units), 0,
                        "a duration", "nanoseconds", 1e17, &v, err) != 0)
        return -1;
    *out = (sim_time)v;
    return 0;
}

int units_parse_size(const char *s, uint64_t *out, char *err)
{
    return parse_with_unit(s, size_units, NUNITS(size_units), 1, "a size",
                           "bytes", 1e15, out, err);
}

int units_parse_rate(const char *s, uint64_t *bps, char *err)
{
    return parse_with_unit(s, rate_units, NUNITS(rate_units), 0, "a rate",
                           "bits/s", 1e15, bps, err);
}

int units_parse_per_second(const char *s, double *out, char *err)
{
    size_t n;
    double x;

    if (*s == '-')
        return fail(err, "expected %s, got '%.80s' (negative)",
                    "a rate per second such as 0.5/s", s);
    n = scan_number(s, &x);
    if (n == 0 || strcmp(s + n, "/s") != 0)
        return fail(err, "expected %s, got '%.80s'",
                    "a rate per second such as 0.5/s", s);
    *out = x;
    return 0;
}

int units_parse_number(const char *s, double *out, char *err)
{
    size_t n;
    double x;

    if (*s == '-')
        return fail(err, "expected %s, got '%.80s' (negative)", "a plain number", s);
    n = scan_number(s, &x);
    if (n == 0 || s[n] != '\0')
        return fail(err, "expected %s, got '%.80s'", "a plain number such as 0.01", s);
    *out = x;
    return 0;
}

int units_parse_count(const char *s, uint64_t *out, char *err)
{
    uint64_t v = 0;
    const char *p = s;

    if (*s == '-')
        return fail(err, "expected %s, got '%.80s' (negative)", "a whole number", s);
    if (!isdigit((unsigned char)*p))
        return fail(err, "expected %s, got '%.80s'", "a whole number", s);
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return fail(err, "expected %s, got '%.80s' (too large)", "a whole number", s);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (*p != '\0')
        return fail(err, "expected %s, got '%.80s'", "a whole number", s);
    *out = v;
    return 0;
}

int units_parse_int(const char *s, int64_t *out, char *err)
{
    uint64_t v;
    int neg = *s == '-';

    if (units_parse_count(s + neg, &v, err) != 0 || v > INT64_MAX)
        return fail(err, "expected %s, got '%.80s'", "a whole number", s);
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

/* Split "name(a,b)" into name and up to two arguments, in place. */
static int split_call(char *s, char **name, char **args, int *nargs)
{
    char *open = strchr(s, '('), *close, *p;

    *nargs = 0;
    if (open == NULL)
        return -1;
    close = strrchr(s, ')');
    if (close == NULL || close < open || close[1] != '\0')
        return -1;
    *open = '\0';
    *close = '\0';
    *name = s;
    p = open + 1;
    for (;;) {
        char *comma = strchr(p, ',');
        char *a = p, *end;

        if (*nargs == 2)
            return -1;
        if (comma)
            *comma = '\0';
        while (isspace((unsigned char)*a))
            a++;
        end = a + strlen(a);
        while (end > a && isspace((unsigned char)end[-1]))
            *--end = '\0';
        args[(*nargs)++] = a;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

int units_parse_dist(const char *s, dist *out, char *err)
{
    static const struct {
        const char *name;
        dist_kind kind;
        int nargs;
        int second_is_number; /* sigma, shape */
        const char *form;
    } forms[] = {
        {"const", DIST_CONST, 1, 0, "const(x)"},
        {"exp", DIST_EXP, 1, 0, "exp(mean)"},
        {"uniform", DIST_UNIFORM, 2, 0, "uniform(a,b)"},
        {"lognormal", DIST_LOGNORMAL, 2, 1, "lognormal(median,sigma)"},
        {"pareto", DIST_PARETO, 2, 1, "pareto(scale,shape)"},
    };
    const char *expect = "a duration or a distribution: const(x), exp(mean), "
                         "uniform(a,b), lognormal(median,sigma), pareto(scale,shape)";
    char buf[UNITS_ERR_MAX], sub[UNITS_ERR_MAX], *name, *args[2];
    int nargs;
    size_t i;
    sim_time t;
    double x;

    if (strchr(s, '(') == NULL) {
        if (units_parse_duration(s, &t, sub) != 0) {
            /* Keep the duration parser's reason: "(no unit)", ... */
            const char *why = strrchr(sub, '(');

            if (why == NULL || sub[strlen(sub) - 1] != ')')
                why = "";
            snprintf(err, UNITS_ERR_MAX, "expected %s, got '%.60s'%s%.40s", expect, s,
                     *why ? " " : "", why);
            return -1;
        }
        *out = (dist){DIST_CONST, (double)t, 0};
        return 0;
    }
    if (strlen(s) >= sizeof buf)
        return fail(err, "expected %s, got '%.80s'", expect, s);
    strcpy(buf, s);
    if (split_call(buf, &name, args, &nargs) != 0)
        return fail(err, "expected %s, got '%.80s' (malformed)", expect, s);
    for (i = 0; i < NUNITS(forms); i++)
        if (strcmp(name, forms[i].name) == 0)
            break;
    if (i == NUNITS(forms))
        return fail(err, "expected %s, got '%.80s' (unknown distribution)", expect, s);
    if (nargs != forms[i].nargs) {
        snprintf(err, UNITS_ERR_MAX, "expected %s with %d argument%s, got '%.80s'",
                 forms[i].form, forms[i].nargs, forms[i].nargs > 1 ? "s" : "", s);
        return -1;
    }
    out->kind = forms[i].kind;
    out->b = 0;
    if (units_parse_duration(args[0], &t, sub) != 0) {
        snprintf(err, UNITS_ERR_MAX, "in %s: %.200s", forms[i].form, sub);
        return -1;
    }
    out->a = (double)t;
    if (nargs == 2) {
        if (forms[i].second_is_number) {
            if (units_parse_number(args[1], &x, sub) != 0) {
                snprintf(err, UNITS_ERR_MAX, "in %s: %.200s", forms[i].form, sub);
                return -1;
            }
            out->b = x;
        } else {
            if (units_parse_duration(args[1], &t, sub) != 0) {
                snprintf(err, UNITS_ERR_MAX, "in %s: %.200s", forms[i].form, sub);
                return -1;
            }
            out->b = (double)t;
        }
    }
    switch (out->kind) {
    case DIST_UNIFORM:
        if (out->b < out->a)
            return fail(err, "expected %s with a <= b, got '%.80s'", "uniform(a,b)", s);
        break;
    case DIST_LOGNORMAL:
        if (!(out->a > 0))
            return fail(err, "expected %s with median > 0, got '%.80s'",
                        "lognormal(median,sigma)", s);
        break;
    case DIST_PARETO:
        if (!(out->a > 0) || !(out->b > 0))
            return fail(err, "expected %s with scale > 0 and shape > 0, got '%.80s'",
                        "pareto(scale,shape)", s);
        break;
    default:
        break;
    }
    return 0;
}

/* Largest unit in which v is whole; v itself in the base unit otherwise. */
static char *fmt_whole(uint64_t v, const unit *u, size_t nu, char *buf)
{
    if (v == 0) {
        snprintf(buf, UNITS_FMT_MAX, "0");
        return buf;
    }
    for (size_t i = nu; i-- > 0;) {
        uint64_t scale = (uint64_t)u[i].scale;

        if (v % scale == 0) {
            snprintf(buf, UNITS_FMT_MAX, "%llu%s", (unsigned long long)(v / scale),
                     u[i].name);
            return buf;
        }
    }
    snprintf(buf, UNITS_FMT_MAX, "%llu%s", (unsigned long long)v, u[0].name);
    return buf;
}

char *units_fmt_duration(sim_time ns, char *buf)
{
    /* min and h are accepted on input; output stays in s and below. */
    return fmt_whole((uint64_t)ns, duration_units, 4, buf);
}

char *units_fmt_size(uint64_t bytes, char *buf)
{
    return fmt_whole(bytes, size_units, NUNITS(size_units), buf);
}

char *units_fmt_rate(uint64_t bps, char *buf)
{
    return fmt_whole(bps, rate_units, NUNITS(rate_units), buf);
}

char *units_fmt_number(double x, char *buf)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, UNITS_FMT_MAX, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

char *units_fmt_dist(const dist *d, char *buf)
{
    char a[UNITS_FMT_MAX], b[UNITS_FMT_MAX];

    units_fmt_duration((sim_time)llround(d->a), a);
    switch (d->kind) {
    case DIST_CONST:
        snprintf(buf, UNITS_FMT_MAX, "%s", a);
        break;
    case DIST_EXP:
        snprintf(buf, UNITS_FMT_MAX, "exp(%.80s)", a);
        break;
    case DIST_UNIFORM:
        snprintf(buf, UNITS_FMT_MAX, "uniform(%.40s,%.40s)", a,
                 units_fmt_duration((sim_time)llround(d->b), b));
        break;
    case DIST_LOGNORMAL:
    case DIST_PARETO:
        snprintf(buf, UNITS_FMT_MAX, "%s(%.40s,%.40s)", dist_name(d->kind), a,
                 units_fmt_number(d->b, b));
        break;
    }
    return buf;
}
