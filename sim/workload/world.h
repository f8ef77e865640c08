/*
 * world.h - the simulated world as the driver (offsim run, tests) sees it:
 * build it from a resolved model_config on an engine, run the engine, end
 * it, and drain what it recorded.
 *
 *     world_create(cfg, sim, trace)   connections arrive from t = 0
 *     sim_run(...)                     the driver runs the engine
 *     world_records / world_samples    rows to store (drain between runs)
 *     world_end(w)                     rows for connections still open
 *     world_quantile(...)              close-latency summary
 */
#ifndef SIM_WORKLOAD_WORLD_H
#define SIM_WORKLOAD_WORLD_H

#include "engine/sim.h"
#include "engine/trace.h"
#include "workload/config.h"
#include "workload/conn.h"

int world_create(const model_config *cfg, sim *s, trace_buf *trace, world **out);
void world_destroy(world *w);

/*
 * The run is over (its end time is now): record every connection still
 * live, with close_reason 'open' where it never closed, and a last
 * occupancy sample.
 */
void world_end(world *w);

/* Rows buffered since the last clear. */
static inline const conn_record *world_records(const world *w, size_t *n)
{
    *n = w->nrecords;
    return w->records;
}
static inline void world_records_clear(world *w) { w->nrecords = 0; }
static inline const occupancy_sample *world_samples(const world *w, size_t *n)
{
    *n = w->nsamples;
    return w->samples;
}
static inline void world_samples_clear(world *w) { w->nsamples = 0; }

/*
 * Watch every segment at the local host's interface: segments the local
 * side sends, when it sends them (lost or not), and segments for it, when
 * they arrive.  to_local is 1 for the latter.  sim_now() is the time.
 */
typedef void world_tap_fn(void *arg, const conn *c, const seg *s, int to_local);
static inline void world_set_tap(world *w, world_tap_fn *fn, void *arg)
{
    w->tap = fn;
    w->tap_arg = arg;
}

/* The [peer NAME] of a class index. */
const char *world_peer_name(const world *w, unsigned klass);

/*
 * The q-quantile (0 < q <= 1) of close latency over the recorded
 * connections opened after the warmup, in ns.  *lower_bound is set when
 * censored connections (still open at the end, counted up to the end) lie
 * at or below it, so that the true value can only be larger.  Returns 0
 * when there is no connection to summarise.
 */
int world_quantile(world *w, double q, sim_time *value, int *lower_bound);

/* Connections in the summary, and how many of them are censored. */
void world_latency_counts(const world *w, size_t *n, size_t *censored);

#endif /* SIM_WORKLOAD_WORLD_H */
