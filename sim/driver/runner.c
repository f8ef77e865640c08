/*
 * runner.c - one run, from a resolved scenario to a complete run row.
 *
 * Order of work, so that nothing is half-written:
 *   1. the run row is committed as 'running' with every resolved parameter;
 *   2. the engine runs; every POLL_EVENTS events the driver drains the rows
 *      the model buffered into one write transaction, reports progress and
 *      watches for Ctrl-C (handlers never touch the database);
 *   3. the remaining rows, the scalars and the status ('complete',
 *      'interrupted' after Ctrl-C, 'failed' if a write failed) go in one
 *      last transaction.
 *
 * The world is read through world.h's functions and stats() below, the one
 * place that knows where the world keeps its counters.
 */
#include "runner.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/err.h"
#include "engine/trace.h"
#include "io/pcap.h"
#include "workload/world.h"
#ifdef OFFSIM_HAVE_NS3
#include "ns3c/ns3c.h"
#include "ns3c/world_ns3.h"
#endif

/* Events between polls: cheap enough to be invisible, often enough for a bar. */
#define POLL_EVENTS 65536

const char *const runner_engine_name[RUNNER_ENGINE_N + 1] = {
    [RUNNER_NATIVE] = "native",
    [RUNNER_NS3] = "ns3",
};

const double runner_quantile_q[RUNNER_NQ] = {
    [RUNNER_P50] = 0.5, [RUNNER_P90] = 0.9, [RUNNER_P99] = 0.99, [RUNNER_PMAX] = 1.0};

/* The scalars of each percentile: its value, and whether it is a lower bound. */
static const results_scalar_id quantile_scalar[RUNNER_NQ][2] = {
    [RUNNER_P50] = {RESULTS_CLOSE_P50_S, RESULTS_CLOSE_P50_LOWER_BOUND},
    [RUNNER_P90] = {RESULTS_CLOSE_P90_S, RESULTS_CLOSE_P90_LOWER_BOUND},
    [RUNNER_P99] = {RESULTS_CLOSE_P99_S, RESULTS_CLOSE_P99_LOWER_BOUND},
    [RUNNER_PMAX] = {RESULTS_CLOSE_MAX_S, RESULTS_CLOSE_MAX_LOWER_BOUND},
};

const char *runner_engine_version(runner_engine e)
{
    if (e == RUNNER_NATIVE)
        return OFFSIM_VERSION;
#ifdef OFFSIM_HAVE_NS3
    if (e == RUNNER_NS3)
        return OFFSIM_NS3_VERSION;
#endif
    return NULL;
}

int runner_check(const scenario *sc, runner_engine e, sim_diag *d)
{
#ifdef OFFSIM_HAVE_NS3
    if (e == RUNNER_NS3)
        return world_ns3_check(&sc->cfg, sc->path, d);
#else
    (void)sc;
    (void)d;
#endif
    return runner_engine_version(e) != NULL ? SIM_OK : SIM_EUNSUPPORTED;
}

volatile sig_atomic_t runner_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    runner_interrupted = 1;
}

void runner_catch_sigint(int on)
{
    static struct sigaction old;
    struct sigaction sa;

    if (on) {
        runner_interrupted = 0;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old);
    } else {
        sigaction(SIGINT, &old, NULL);
    }
}

double runner_wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / (double)SIM_S; /* ns, as sim_time */
}

/* The world's counters. */
static const world_stats *stats(world *w)
{
    return world_stats_of(w);
}

/* Times of events counted by rate over the window, once it is known. */
typedef struct times {
    sim_time *v;
    size_t n, cap;
} times;

typedef struct run_ctx {
    const scenario *sc;
    const runner_opts *o;
    world *w;
    trace_buf trace;
    results *db;
    int64_t run_id;
    int write_failed;
    int progress;        /* report progress */
    double wall_start;
    double last_report;
    times opens, expiries; /* connections' openings, NIC FIN_WAIT_2 expiries */
} run_ctx;

static void times_add(run_ctx *r, times *t, sim_time v)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        sim_time *p = realloc(t->v, cap * sizeof *p);

        if (p == NULL) {
            r->write_failed = 1; /* the rates would be wrong: the run fails */
            return;
        }
        t->v = p;
        t->cap = cap;
    }
    t->v[t->n++] = v;
}

/* Per second over the window (start, end]. */
static double rate(const times *t, const world_window *win)
{
    size_t k = 0;

    for (size_t i = 0; i < t->n; i++)
        k += t->v[i] > win->start && t->v[i] <= win->end;
    return win->end > win->start ? (double)k * (double)SIM_S / (double)(win->end - win->start)
                                 : 0;
}

/* Write what the model buffered; called between events only. */
static void drain(run_ctx *r)
{
    world *w = r->w;
    size_t n;
    const conn_record *rec = world_records(w, &n);
    const occupancy_sample *smp;
    int rc = 0;

    for (size_t i = 0; i < r->trace.n; i++) {
        const trace_rec *t = &r->trace.v[i];
        rc |= results_event(r->db, r->run_id, t->t, t->conn_id, t->kind,
                            t->detail[0] ? t->detail : NULL, t->has_value ? &t->value : NULL);
    }
    trace_clear(&r->trace);
    for (size_t i = 0; i < n; i++) {
        times_add(r, &r->opens, rec[i].t_open);
        if (rec[i].close_reason == CR_NIC_FW2)
            times_add(r, &r->expiries, rec[i].t_closed);
    }
    if (r->sc->cfg.sim.log >= LOG_CONN)
        for (size_t i = 0; i < n; i++) {
            results_conn_row row = {
                rec[i].conn_id,       world_peer_name(w, rec[i].klass),
                rec[i].t_open,        rec[i].t_close,
                rec[i].t_fin_wait_1,  rec[i].t_fin_wait_2,
                rec[i].t_time_wait,   rec[i].t_closed,
                rec[i].t_released,    close_reason_name[rec[i].close_reason],
                owner_name[rec[i].owner_at_close], rec[i].handoffs,
                peer_outcome_name[rec[i].peer_outcome], rec[i].t_peer_closed,
            };
            rc |= results_conn(r->db, r->run_id, &row);
        }
    world_records_clear(w);
    smp = world_samples(w, &n);
    for (size_t i = 0; i < n; i++)
        rc |= results_occupancy(r->db, r->run_id, smp[i].t, smp[i].nic_total,
                                smp[i].nic_fin_wait_2, smp[i].host_fin_wait_2,
                                smp[i].time_wait);
    world_samples_clear(w);
    rc |= results_commit(r->db);
    if (rc != 0)
        r->write_failed = 1;
}

static void report(run_ctx *r, sim *s, int final)
{
    runner_progress p = {sim_now(s), r->sc->cfg.sim.duration, stats(r->w)->opened,
                         stats(r->w)->closed, sim_events(s), runner_wall_now() - r->wall_start};

    r->o->progress(r->o->progress_arg, &p, final);
}

static void poll(sim *s, void *arg)
{
    run_ctx *r = arg;

    drain(r);
    if (runner_interrupted)
        sim_stop(s);
    if (r->progress) {
        double now = runner_wall_now();

        if (now - r->last_report >= RUNNER_PROGRESS_S) {
            r->last_report = now;
            report(r, s, 0);
        }
    }
}

/* The world's tap: the chosen connections' segments go to the packet trace. */
static void pcap_tap(void *arg, uint32_t conn_id, const seg *s, int to_local, sim_time now)
{
    pcap_trace_segment(arg, conn_id, s, to_local, now);
}

static void store_param(void *arg, const char *key, const char *value, const double *num)
{
    run_ctx *r = arg;
    int varied = 0;

    for (size_t i = 0; i < r->o->nvaried; i++)
        varied |= strcmp(r->o->varied[i], key) == 0;
    if (results_param(r->db, r->run_id, key, value, num, varied) != 0)
        r->write_failed = 1;
}

/* The run's figures, from the world at its end. */
static void collect(run_ctx *r, runner_result *res)
{
    const world_stats *st = stats(r->w);

    res->opened = st->opened;
    res->closed = st->closed;
    res->offloads = st->offloads;
    res->uploads = st->uploads;
    res->refused = st->refused;
    res->nic_fw2_expiries = st->nic_fw2_expiries;
    res->host_fw2_expiries = st->host_fw2_expiries;
    res->fw2_restarts = st->fw2_restarts;
    res->indications = st->indications;
    res->peers_reset = st->peers_reset;
    res->segments = st->segments;
    res->lost = st->lost;
    res->nic_peak = st->nic_peak;
    world_window_of(r->w, &res->window);
    res->open_rate = rate(&r->opens, &res->window);
    res->nic_fw2_expiry_rate = rate(&r->expiries, &res->window);
    world_latency_counts(r->w, &res->latency_n, &res->latency_censored);
    for (int i = 0; i < RUNNER_NQ; i++) {
        runner_quantile *q = &res->close[i];

        q->reached = world_quantile(r->w, runner_quantile_q[i], &q->value, &q->lower_bound);
    }
    res->pcap_packets = r->o->pcap ? pcap_trace_packets(r->o->pcap) : 0;
}

static void store_scalars(run_ctx *r, const runner_result *res)
{
    const struct {
        results_scalar_id id;
        double value;
    } rows[] = {
        {RESULTS_CONNECTIONS_OPENED, (double)res->opened},
        {RESULTS_CONNECTIONS_CLOSED, (double)res->closed},
        {RESULTS_OFFLOADS, (double)res->offloads},
        {RESULTS_UPLOADS, (double)res->uploads},
        {RESULTS_OFFLOADS_REFUSED, (double)res->refused},
        {RESULTS_NIC_FW2_EXPIRIES, (double)res->nic_fw2_expiries},
        {RESULTS_HOST_FW2_EXPIRIES, (double)res->host_fw2_expiries},
        {RESULTS_FW2_RESTARTS, (double)res->fw2_restarts},
        {RESULTS_INDICATIONS, (double)res->indications},
        {RESULTS_PEERS_RESET, (double)res->peers_reset},
        {RESULTS_SEGMENTS, (double)res->segments},
        {RESULTS_SEGMENTS_LOST, (double)res->lost},
        {RESULTS_NIC_PEAK, (double)res->nic_peak},
        {RESULTS_NIC_MEAN, res->window.nic_total},
        {RESULTS_NIC_FIN_WAIT_2_MEAN, res->window.nic_fin_wait_2},
        {RESULTS_HOST_FIN_WAIT_2_MEAN, res->window.host_fin_wait_2},
        {RESULTS_TIME_WAIT_MEAN, res->window.time_wait},
        {RESULTS_OPEN_RATE, res->open_rate},
        {RESULTS_NIC_FW2_EXPIRY_RATE, res->nic_fw2_expiry_rate},
        {RESULTS_WINDOW_START_S, (double)res->window.start / (double)SIM_S},
        {RESULTS_WINDOW_END_S, (double)res->window.end / (double)SIM_S},
        {RESULTS_WINDOW_WHOLE_RUN, res->window.whole_run},
    };
    int rc = 0;

    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        rc |= results_scalar(r->db, r->run_id, rows[i].id, rows[i].value);
    if (res->latency_n > 0)
        rc |= results_scalar(r->db, r->run_id, RESULTS_CENSORED_SHARE,
                             (double)res->latency_censored / (double)res->latency_n);
    for (int i = 0; i < RUNNER_NQ; i++) {
        const runner_quantile *q = &res->close[i];

        if (!q->reached)
            continue;
        /* A percentile that reaches a censored connection is a lower bound. */
        rc |= results_scalar(r->db, r->run_id, quantile_scalar[i][0],
                             (double)q->value / (double)SIM_S);
        rc |= results_scalar(r->db, r->run_id, quantile_scalar[i][1], q->lower_bound);
    }
    if (rc != 0)
        r->write_failed = 1;
}

/* The engine and the world on it. */
static int build(run_ctx *r, sim **s)
{
    const model_config *cfg = &r->sc->cfg;

    *s = NULL;
#ifdef OFFSIM_HAVE_NS3
    if (r->o->engine == RUNNER_NS3)
        return ns3c_sim_create(s) != SIM_OK ? SIM_ENOMEM
                                            : world_ns3_create(cfg, *s, &r->trace, &r->w);
#endif
    SIM_ASSERT(r->o->engine == RUNNER_NATIVE, "engine %d is not in this build", r->o->engine);
    return sim_create(s) != SIM_OK ? SIM_ENOMEM : world_create(cfg, *s, &r->trace, &r->w);
}

static void teardown(run_ctx *r, sim *s)
{
    free(r->opens.v);
    free(r->expiries.v);
    world_destroy(r->w);
    trace_fini(&r->trace);
    sim_destroy(s);
#ifdef OFFSIM_HAVE_NS3
    if (r->o->engine == RUNNER_NS3)
        world_ns3_fini();
#endif
}

/* Run the engine to the scenario's end and record how it ended. */
static results_status simulate(run_ctx *r, sim *s, runner_result *res, sim_diag *d)
{
    char fp[17];
    results_status status;
    int rc;

    sim_set_poll(s, POLL_EVENTS, poll, r);
    sim_run(s, r->sc->cfg.sim.duration);
    res->wall_s = runner_wall_now() - r->wall_start;
    res->events = sim_events(s);
#ifdef OFFSIM_HAVE_NS3
    if (r->o->engine == RUNNER_NS3)
        res->events = ns3c_event_count(); /* ns-3's TCP's events and the model's */
#endif
    res->end = sim_now(s);
    if ((rc = world_end(r->w)) != SIM_OK) {
        diag_add(d, "the model failed: %s", sim_strerror(rc));
        r->write_failed = 1;
    }
    drain(r);
    collect(r, res);
    store_scalars(r, res);
    if (r->progress)
        report(r, s, 1);
    snprintf(fp, sizeof fp, "%016llx", (unsigned long long)sim_fingerprint(s));
    status = runner_interrupted ? RESULTS_INTERRUPTED
             : r->write_failed  ? RESULTS_FAILED
                                : RESULTS_COMPLETE;
    if (results_run_end(r->db, r->run_id, status, res->wall_s, res->end, res->events, fp, d) !=
        SIM_OK)
        status = RESULTS_FAILED;
    return status;
}

int runner_run(const scenario *sc, results *db, const runner_opts *o, runner_result *res,
               sim_diag *d)
{
    run_ctx r = {.sc = sc, .o = o, .db = db};
    const char *engine = runner_engine_name[o->engine];
    char identity[65];
    results_run_info info;
    sim *s;

    memset(res, 0, sizeof *res);
    res->status = RESULTS_FAILED;
    if (o->identity != NULL)
        snprintf(identity, sizeof identity, "%s", o->identity);
    else
        scenario_identity(sc, engine, identity);
    info = (results_run_info){identity, sc->path, sc->text, sc->sha256, engine, sc->cfg.sim.seed};
    if (results_run_begin(db, &info, &r.run_id, d) != SIM_OK)
        return SIM_EDB;
    res->run_id = r.run_id;
    scenario_each_param(sc, store_param, &r);

    trace_init(&r.trace, sc->cfg.sim.log >= LOG_EVENTS,
               sc->cfg.sim.log >= LOG_TRACE ? stderr : NULL);
    if (build(&r, &s) != SIM_OK) {
        diag_add(d, "out of memory building the world");
        results_run_end(db, r.run_id, RESULTS_FAILED, 0, 0, 0, NULL, d);
        sim_destroy(s);
        trace_fini(&r.trace);
        return SIM_ENOMEM;
    }
    if (o->pcap != NULL)
        world_set_tap(r.w, pcap_tap, o->pcap);
    r.progress = o->progress != NULL && sc->cfg.sim.log < LOG_TRACE;
    r.wall_start = runner_wall_now();
    res->status = simulate(&r, s, res, d);
    teardown(&r, s);
    if (res->status == RESULTS_COMPLETE)
        return SIM_OK;
    return res->status == RESULTS_INTERRUPTED ? SIM_EINTR : SIM_EDB;
}
