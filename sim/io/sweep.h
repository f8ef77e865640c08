/*
 * sweep.h - what a sweep varies: axes of values for scenario keys and a
 * range of seeds, expanded into runs.
 *
 * An axis is a key and its values, from `--vary KEY=SPEC` or a [sweep] line
 * `KEY = SPEC`, where SPEC is a list (`30s,60s,120s`; commas inside
 * parentheses belong to a distribution: `exp(1s),uniform(1s,3s)`) or a range
 * (`30s..240s step 30s`, any key with a number: durations, sizes, rates,
 * counts, plain numbers).  Every value is checked against the key's type
 * when the axis is added.  The runs are the Cartesian product of the axes,
 * times the seeds (`--seeds N` is 1..N, `A-B` is A..B); every point runs the
 * same seeds, so two points differ only by the varied keys (common random
 * numbers).
 */
#ifndef SIM_IO_SWEEP_H
#define SIM_IO_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "io/diag.h"
#include "io/scenario.h"

typedef struct sweep_axis {
    char *key;      /* as on the command line: nic.capacity, peer.web.share */
    char **values;  /* canonical text of each value */
    size_t n;
} sweep_axis;

typedef struct sweep {
    sweep_axis *axes;
    size_t naxes;
    uint64_t seed_first, seed_last;
    int seeds_given;
} sweep;

void sweep_init(sweep *sw);
void sweep_free(sweep *sw);

/*
 * Add (or replace) the axis for "KEY=SPEC" (or key and spec apart);
 * `where` prefixes messages ("--vary ..." or "file:line").
 */
int sweep_vary(sweep *sw, const scenario *sc, const char *key, const char *spec,
               const char *where, sim_diag *d);

/* Seeds: "N" (1..N) or "A-B". */
int sweep_seeds(sweep *sw, const char *spec, const char *where, sim_diag *d);

/* Take the [sweep] section of a scenario (vary lines, seeds; jobs returned). */
int sweep_from_scenario(sweep *sw, const scenario *sc, uint64_t *jobs, sim_diag *d);

/*
 * Limits, checked before anything runs or is written: values on one axis,
 * seeds, and runs in a sweep.  Planning takes memory for the axes only, and
 * a sweep keeps 9 bytes per run for how it ended (its id and status).
 */
#define SWEEP_AXIS_MAX 10000
#define SWEEP_SEEDS_MAX 1000000
#define SWEEP_MAX_RUNS 1000000

/* SIM_OK when the sweep has at most SWEEP_MAX_RUNS runs; else SIM_ESCENARIO
 * with a message giving its size (computed without overflow). */
int sweep_check_size(const sweep *sw, sim_diag *d);

/* Points (product of the axes' sizes; 1 with no axis), seeds per point,
 * and runs (points x seeds); only for a sweep that sweep_check_size()
 * accepted. */
size_t sweep_points(const sweep *sw);
size_t sweep_seed_count(const sweep *sw);
size_t sweep_runs(const sweep *sw);

/*
 * Run k (0 <= k < sweep_runs): its point's value index on each axis
 * (value_index[a], naxes entries) and its seed.  Runs are ordered point by
 * point, seeds innermost.
 */
void sweep_run(const sweep *sw, size_t k, size_t *value_index, uint64_t *seed);

#endif /* SIM_IO_SWEEP_H */
