/*
 * sweep.c - sweep axes and seeds, checked and expanded (see sweep.h).
 */
#include "sweep.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/err.h"


void sweep_init(sweep *sw)
{
    memset(sw, 0, sizeof *sw);
}

static void axis_free(sweep_axis *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->values[i]);
    free(a->values);
    free(a->key);
    memset(a, 0, sizeof *a);
}

void sweep_free(sweep *sw)
{
    for (size_t i = 0; i < sw->naxes; i++)
        axis_free(&sw->axes[i]);
    free(sw->axes);
    memset(sw, 0, sizeof *sw);
}

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int push_value(sweep_axis *a, const char *text)
{
    char **v;
    size_t len = strlen(text) + 1;

    if (a->n == SWEEP_AXIS_MAX)
        return -1;
    v = realloc(a->values, (a->n + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    a->values = v;
    if ((v[a->n] = malloc(len)) == NULL)
        return -1;
    memcpy(v[a->n], text, len);
    a->n++;
    return 0;
}

/* Check one value against the key's type; append its canonical text. */
static int add_value(sweep_axis *a, const param *p, const char *text, const char *where,
                     sim_diag *d)
{
    char err[UNITS_ERR_MAX], canon[UNITS_FMT_MAX];
    param_value f;

    if (param_parse(p, text, &f, err) != 0) {
        diag_add(d, "%s: %s: %s", where, a->key, err);
        return SIM_ESCENARIO;
    }
    param_format(p, &f, canon);
    if (push_value(a, canon) != 0) {
        diag_add(d, "%s: %s: more than %d values", where, a->key, SWEEP_AXIS_MAX);
        return SIM_ESCENARIO;
    }
    return SIM_OK;
}

static int by_text(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/*
 * No value twice on an axis (by canonical text), found by sorting a copy
 * of the values: n log n, where comparing each new value with all before
 * it cost n^2/2 comparisons (5e7 for an axis of SWEEP_AXIS_MAX values,
 * which fuzz_scenario met as a slow input).
 */
static int once_each(const sweep_axis *a, const char *where, sim_diag *d)
{
    char **v;
    int rc = SIM_OK;

    if (a->n < 2)
        return SIM_OK;
    if ((v = malloc(a->n * sizeof *v)) == NULL) {
        diag_add(d, "%s: out of memory", where);
        return SIM_ENOMEM;
    }
    memcpy(v, a->values, a->n * sizeof *v);
    qsort(v, a->n, sizeof *v, by_text);
    for (size_t i = 1; i < a->n && rc == SIM_OK; i++)
        if (strcmp(v[i - 1], v[i]) == 0) {
            diag_add(d, "%s: %s: value '%s' appears twice", where, a->key, v[i]);
            rc = SIM_ESCENARIO;
        }
    free(v);
    return rc;
}

/* A number of the key's kind, in its base unit, for ranges. */
static int range_number(const param *p, const char *s, double *out, char *err)
{
    param_value x;
    sim_time t;

    switch (p->type) {
    case PT_ENUM:
    case PT_WINDOW:
        snprintf(err, UNITS_ERR_MAX, "a range needs a key with a number; list the values instead");
        return -1;
    case PT_DIST: /* a range of constant distributions: its ends are durations */
        if (units_parse_duration(s, &t, err) != 0)
            return -1;
        *out = (double)t;
        return 0;
    default:
        return param_parse_value(p, s, &x, out, err);
    }
}

/* The text of value v (base unit) for the key's type, as a file would say it. */
static void range_text(const param *p, double v, char *buf)
{
    param_value f;

    switch (p->type) {
    case PT_DURATION:
        f.t = (sim_time)llround(v);
        break;
    case PT_DIST:
        f.dd = (dist){DIST_CONST, (double)llround(v), 0};
        break;
    case PT_SIZE:
    case PT_RATE:
    case PT_COUNT:
        f.u = (uint64_t)llround(v);
        break;
    case PT_INT:
        f.i = (int64_t)llround(v);
        break;
    default:
        f.d = v;
        break;
    }
    param_format(p, &f, buf);
}

/* "A..B step S" (the step may be left out for whole-number keys: 1). */
static int add_range(sweep_axis *a, const param *p, char *spec, const char *where,
                     sim_diag *d)
{
    char err[UNITS_ERR_MAX], text[UNITS_FMT_MAX];
    char *dots = strstr(spec, ".."), *lo = spec, *hi, *step = NULL, *kw;
    double x0, x1, dx = 1, n;

    *dots = '\0';
    hi = dots + 2;
    kw = strstr(hi, "step");
    if (kw != NULL) {
        *kw = '\0';
        step = trim(kw + 4);
    }
    lo = trim(lo);
    hi = trim(hi);
    if (range_number(p, lo, &x0, err) != 0 || range_number(p, hi, &x1, err) != 0 ||
        (step != NULL && range_number(p, step, &dx, err) != 0)) {
        diag_add(d, "%s: %s: in the range: %s", where, a->key, err);
        return SIM_ESCENARIO;
    }
    if (step == NULL && p->type != PT_COUNT && p->type != PT_INT) {
        diag_add(d, "%s: %s: expected a range 'A..B step S', got no step", where, a->key);
        return SIM_ESCENARIO;
    }
    if (!(dx > 0) || x1 < x0) {
        diag_add(d, "%s: %s: expected a range 'A..B step S' with A <= B and S > 0", where,
                 a->key);
        return SIM_ESCENARIO;
    }
    n = floor((x1 - x0) / dx + 1e-9) + 1;
    if (n > SWEEP_AXIS_MAX) {
        diag_add(d, "%s: %s: the range has %.0f values, more than %d", where, a->key, n,
                 SWEEP_AXIS_MAX);
        return SIM_ESCENARIO;
    }
    for (long k = 0; k < (long)n; k++) {
        range_text(p, x0 + (double)k * dx, text);
        if (add_value(a, p, text, where, d) != SIM_OK)
            return SIM_ESCENARIO;
    }
    return SIM_OK;
}

int sweep_vary(sweep *sw, const scenario *sc, const char *key, const char *spec,
               const char *where, sim_diag *d)
{
    char err[UNITS_ERR_MAX];
    const param *p;
    sweep_axis a;
    char *buf;
    int peer, rc = SIM_OK;
    size_t slot;

    p = scenario_key(sc, key, &peer, err);
    if (p == NULL) {
        diag_add(d, "%s: %s", where, err);
        return SIM_ESCENARIO;
    }
    memset(&a, 0, sizeof a);
    a.key = malloc(strlen(key) + 1);
    buf = malloc(strlen(spec) + 1);
    if (a.key == NULL || buf == NULL) {
        free(a.key);
        free(buf);
        diag_add(d, "%s: out of memory", where);
        return SIM_ENOMEM;
    }
    strcpy(a.key, key);
    strcpy(buf, spec);
    if (strstr(buf, "..") != NULL) {
        rc = add_range(&a, p, buf, where, d);
    } else {
        /* A list: split at commas outside parentheses. */
        char *item = buf;
        int depth = 0;

        for (char *c = buf;; c++) {
            if (*c == '(')
                depth++;
            else if (*c == ')')
                depth--;
            if ((*c == ',' && depth == 0) || *c == '\0') {
                int end = *c == '\0';

                *c = '\0';
                if (*trim(item) == '\0') {
                    diag_add(d, "%s: %s: expected a list of values v1,v2,... or a range "
                                "A..B step S, got '%s'", where, key, spec);
                    rc = SIM_ESCENARIO;
                    break;
                }
                if ((rc = add_value(&a, p, trim(item), where, d)) != SIM_OK)
                    break;
                if (end)
                    break;
                item = c + 1;
            }
        }
    }
    free(buf);
    if (rc == SIM_OK)
        rc = once_each(&a, where, d);
    if (rc != SIM_OK) {
        axis_free(&a);
        return rc;
    }
    /* A later --vary of the same key replaces the earlier axis (file, then command line). */
    for (slot = 0; slot < sw->naxes; slot++)
        if (strcmp(sw->axes[slot].key, key) == 0)
            break;
    if (slot == sw->naxes) {
        sweep_axis *v = realloc(sw->axes, (sw->naxes + 1) * sizeof *v);

        if (v == NULL) {
            axis_free(&a);
            diag_add(d, "%s: out of memory", where);
            return SIM_ENOMEM;
        }
        sw->axes = v;
        sw->naxes++;
    } else {
        axis_free(&sw->axes[slot]);
    }
    sw->axes[slot] = a;
    return SIM_OK;
}

int sweep_seeds(sweep *sw, const char *spec, const char *where, sim_diag *d)
{
    char err[UNITS_ERR_MAX], buf[64];
    const char *dash = strchr(spec, '-');
    uint64_t a, b;

    if (dash == NULL) {
        if (units_parse_count(spec, &b, err) != 0 || b == 0) {
            diag_add(d, "%s: expected seeds as N (1..N) or A-B, got '%s'", where, spec);
            return SIM_ESCENARIO;
        }
        a = 1;
    } else {
        snprintf(buf, sizeof buf, "%.*s", (int)(dash - spec), spec);
        if (units_parse_count(buf, &a, err) != 0 || units_parse_count(dash + 1, &b, err) != 0 ||
            b < a) {
            diag_add(d, "%s: expected seeds as N (1..N) or A-B with A <= B, got '%s'", where,
                     spec);
            return SIM_ESCENARIO;
        }
    }
    if (b - a >= SWEEP_SEEDS_MAX) {
        diag_add(d, "%s: %llu seeds is more than %d", where, (unsigned long long)(b - a + 1),
                 SWEEP_SEEDS_MAX);
        return SIM_ESCENARIO;
    }
    sw->seed_first = a;
    sw->seed_last = b;
    sw->seeds_given = 1;
    return SIM_OK;
}

int sweep_from_scenario(sweep *sw, const scenario *sc, uint64_t *jobs, sim_diag *d)
{
    char where[512], err[UNITS_ERR_MAX];
    int rc = SIM_OK;

    for (size_t i = 0; i < sc->nsweep; i++) {
        const scenario_sweep_entry *e = &sc->sweep[i];

        snprintf(where, sizeof where, "%s:%d: [sweep]", sc->path, e->line);
        if (strcmp(e->key, "seeds") == 0) {
            rc |= sweep_seeds(sw, e->value, where, d);
        } else if (strcmp(e->key, "jobs") == 0) {
            if (units_parse_count(e->value, jobs, err) != 0 || *jobs == 0) {
                diag_add(d, "%s jobs: expected a number of worker processes, got '%s'", where,
                         e->value);
                rc = SIM_ESCENARIO;
            }
        } else if (strchr(e->key, '.') == NULL) {
            diag_add(d, "%s unknown key '%s': expected seeds, jobs, or a scenario key such "
                        "as nic.fin_wait_2_timeout", where, e->key);
            rc = SIM_ESCENARIO;
        } else {
            rc |= sweep_vary(sw, sc, e->key, e->value, where, d);
        }
    }
    return rc ? SIM_ESCENARIO : SIM_OK;
}

int sweep_check_size(const sweep *sw, sim_diag *d)
{
    char sizes[DIAG_LEN];
    double runs = (double)(sw->seed_last - sw->seed_first) + 1;
    size_t len = 0;

    sizes[0] = '\0';
    for (size_t i = 0; i < sw->naxes; i++) {
        runs *= (double)sw->axes[i].n;
        if (len < sizeof sizes)
            len += (size_t)snprintf(sizes + len, sizeof sizes - len, "%zu values of %s x ",
                                    sw->axes[i].n, sw->axes[i].key);
    }
    if (runs <= SWEEP_MAX_RUNS)
        return SIM_OK;
    diag_add(d, "the sweep has %s%llu seed%s = %.4g runs, more than the %d a sweep may have: "
                "vary fewer values, or split it (--seeds A-B, or several --vary sweeps into "
                "one database)",
             sizes, (unsigned long long)(sw->seed_last - sw->seed_first + 1),
             sw->seed_last == sw->seed_first ? "" : "s", runs, SWEEP_MAX_RUNS);
    return SIM_ESCENARIO;
}

size_t sweep_points(const sweep *sw)
{
    size_t n = 1;

    for (size_t i = 0; i < sw->naxes; i++)
        n *= sw->axes[i].n;
    return n;
}

size_t sweep_seed_count(const sweep *sw)
{
    return (size_t)(sw->seed_last - sw->seed_first + 1);
}

size_t sweep_runs(const sweep *sw)
{
    return sweep_points(sw) * sweep_seed_count(sw);
}

void sweep_run(const sweep *sw, size_t k, size_t *value_index, uint64_t *seed)
{
    size_t nseeds = sweep_seed_count(sw);
    size_t point = k / nseeds;

    *seed = sw->seed_first + k % nseeds;
    /* The last axis varies fastest. */
    for (size_t i = sw->naxes; i-- > 0;) {
        value_index[i] = point % sw->axes[i].n;
        point /= sw->axes[i].n;
    }
}
