/*
 * fuzz_scenario.c - libFuzzer harness: a scenario file as `offsim run`,
 * `check` and `sweep` read it: loading, resolution, the run identity, the
 * [sweep] section and its expansion into every run's scenario
 * (batch_plan), as the command line does before anything runs.
 *
 * Besides the sanitizers, it checks that a resolved scenario reads back:
 * every resolved key, written as a scenario file in the canonical text
 * offsim records (run_param.value), loads and resolves to the same values;
 * and, for a sweep, that every run's index decomposes into a value of each
 * axis and a seed of the range (seeds innermost), and that a run's scenario
 * records each varied key with the axis's own text (what plot groups by)
 * and reads back too.
 *
 * batch_plan resolves every point of a sweep (up to SWEEP_MAX_RUNS): here
 * only sweeps of at most PLAN_MAX points are planned whole, so that one
 * input stays well under libFuzzer's timeout; of a larger one, the size
 * check runs, and the first, last and a few other points are made as
 * batch_plan makes them (the base, each axis's value, the seed, resolved).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/batch.h"
#include "engine/err.h"
#include "io/scenario.h"
#include "io/sweep.h"

/* Sweeps of more points are not planned whole (above). */
#define PLAN_MAX 100

/* A growing text. */
typedef struct text {
    char *s;
    size_t n, cap;
    int oom;
} text;

static void put(text *t, const char *a, const char *b, const char *c)
{
    size_t need = strlen(a) + strlen(b) + strlen(c) + 1;

    if (t->oom)
        return;
    if (t->n + need >= t->cap) {
        size_t cap = (t->n + need) * 2;
        char *s = realloc(t->s, cap);
        if (s == NULL) {
            t->oom = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    t->n += (size_t)sprintf(t->s + t->n, "%s%s%s", a, b, c);
}

/*
 * Every resolved key as a scenario file line, under its section's header
 * when it changes: "sim.duration" goes to [sim], "peer.NAME.share" to
 * [peer NAME] (keys have no dot; a peer's name may).
 */
typedef struct writer {
    text t;
    char section[256];
} writer;

static void each(void *arg, const char *key, const char *value, const double *num)
{
    writer *w = arg;
    const char *dot = strrchr(key, '.');
    char section[256];
    size_t n;

    (void)num;
    if (dot == NULL || (n = (size_t)(dot - key)) >= sizeof section)
        return;
    memcpy(section, key, n);
    section[n] = '\0';
    if (strncmp(section, "peer.", 5) == 0)
        section[4] = ' ';
    if (strcmp(section, w->section) != 0) {
        put(&w->t, "[", section, "]\n");
        strcpy(w->section, section);
    }
    put(&w->t, dot + 1, " = ", value);
    put(&w->t, "\n", "", "");
}

/* The resolved values of sc as a scenario file. */
static text values(const scenario *sc)
{
    writer w = {{0}, ""};

    scenario_each_param(sc, each, &w);
    return w.t;
}

static void broken(const char *what, const char *a, const char *b)
{
    fprintf(stderr, "fuzz_scenario: %s\n--- first:\n%s\n--- then:\n%s\n", what, a, b);
    abort();
}

/* The resolved values, written as a scenario file, load and resolve to
 * themselves. */
static void reads_back(const scenario *sc)
{
    text v = values(sc), again = {0};
    scenario *copy = NULL;
    sim_diag d;

    diag_init(&d);
    if (v.oom)
        goto out;
    if (scenario_load_text("resolved.ini", v.s, v.n, &copy, &d) != SIM_OK ||
        scenario_resolve(copy, &d) != SIM_OK)
        broken("the resolved values are refused", v.s, d.n ? d.msg[0] : "");
    again = values(copy);
    if (!again.oom && strcmp(v.s, again.s) != 0)
        broken("the resolved values read back differently", v.s, again.s);
out:
    scenario_free(copy);
    free(v.s);
    free(again.s);
}

/* The resolved text of one key ("nic.capacity", "peer.web.share"). */
typedef struct lookup {
    const char *key;
    char *value;
} lookup;

static void find(void *arg, const char *key, const char *value, const double *num)
{
    lookup *l = arg;

    (void)num;
    if (l->value == NULL && strcmp(key, l->key) == 0)
        l->value = strdup(value);
}

/*
 * Run k of the sweep as batch_plan makes it (driver/batch.c, make_run):
 * its indices and seed in range and in order, and its scenario, when it is
 * valid, records each varied key as the axis's text and reads back.
 */
static void one_run(const scenario *base, const sweep *sw, size_t k, size_t *idx)
{
    size_t nseeds = sweep_seed_count(sw), point = 0;
    char seed_text[24];
    scenario *sc = NULL;
    uint64_t seed;
    sim_diag d;
    int bad = 0;

    diag_init(&d);
    sweep_run(sw, k, idx, &seed);
    if (seed < sw->seed_first || seed > sw->seed_last)
        broken("a run's seed is out of the range", sw->axes ? sw->axes[0].key : "", "");
    for (size_t a = 0; a < sw->naxes; a++) {
        if (idx[a] >= sw->axes[a].n)
            broken("a run's value index is out of its axis", sw->axes[a].key, "");
        point = point * sw->axes[a].n + idx[a];
    }
    if (point * nseeds + (size_t)(seed - sw->seed_first) != k)
        broken("a run's indices do not give its number back", "", "");
    if (scenario_dup(base, &sc) != SIM_OK)
        return;
    for (size_t a = 0; a < sw->naxes && !bad; a++)
        bad = scenario_set_key(sc, sw->axes[a].key, sw->axes[a].values[idx[a]], &d) != SIM_OK;
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    if (!bad && scenario_set_key(sc, "sim.seed", seed_text, &d) == SIM_OK &&
        scenario_resolve(sc, &d) == SIM_OK) {
        for (size_t a = 0; a < sw->naxes; a++) {
            lookup l = {sw->axes[a].key, NULL};

            scenario_each_param(sc, find, &l);
            if (l.value == NULL)
                broken("a varied key is not among the run's parameters", l.key, "");
            if (strcmp(l.value, sw->axes[a].values[idx[a]]) != 0)
                broken("a run records a varied key with another text", sw->axes[a].values[idx[a]],
                       l.value);
            free(l.value);
        }
        reads_back(sc);
    }
    scenario_free(sc);
}

static void expand(const scenario *sc, const sweep *sw)
{
    size_t *idx, n, points;
    sim_diag d;

    diag_init(&d);
    if (sweep_check_size(sw, &d) != SIM_OK)
        return;
    n = sweep_runs(sw);
    points = sweep_points(sw);
    if (n == 0 || (idx = calloc(sw->naxes + 1, sizeof *idx)) == NULL)
        return;
    if (points <= PLAN_MAX) {
        batch *b = NULL;

        if (batch_plan(sc, sw, RUNNER_NATIVE, &b, &d) == SIM_OK && batch_size(b) != n)
            broken("batch_plan planned another number of runs", "", "");
        batch_free(b);
    }
    /* The first and last runs, and a few between (every point when few). */
    for (size_t i = 0, step = n / 8 ? n / 8 : 1; i < n; i += step)
        one_run(sc, sw, i, idx);
    one_run(sc, sw, n - 1, idx);
    free(idx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    scenario *sc = NULL;
    sim_diag d;
    sweep sw;
    uint64_t jobs = 0;
    char id[65];

    diag_init(&d);
    sweep_init(&sw);
    if (scenario_load_text("fuzz.ini", (const char *)data, size, &sc, &d) != SIM_OK ||
        scenario_resolve(sc, &d) != SIM_OK)
        goto out;
    scenario_identity(sc, "native", id);
    reads_back(sc);
    if (sweep_from_scenario(&sw, sc, &jobs, &d) == SIM_OK)
        expand(sc, &sw);
out:
    sweep_free(&sw);
    scenario_free(sc);
    return 0;
}
