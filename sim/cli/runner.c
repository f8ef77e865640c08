/*
 * runner.c - one run, from a resolved scenario to a complete run row.
 *
 * Order of work, so that nothing is half-written:
 *   1. the run row is committed as 'running' with every resolved parameter;
 *   2. the engine runs; every POLL_EVENTS events the driver drains the rows
 *      the model buffered into one write transaction, draws the progress
 *      bar and watches for Ctrl-C (handlers never touch the database);
 *   3. the remaining rows, the scalars and the status ('complete',
 *      'interrupted' after Ctrl-C, 'failed' if a write failed) go in one
 *      last transaction; then the summary is printed.
 */
#include "runner.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
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

typedef struct run_ctx {
    const scenario *sc;
    const runner_opts *o;
    world *w;
    trace_buf trace;
    results *db;
    int64_t run_id;
    int write_failed;
    int progress;        /* draw a bar on stderr */
    uint64_t events;     /* events run, for the summary */
    double wall_start;
    double last_draw;
} run_ctx;

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

static void draw_bar(run_ctx *r, sim *s, int final)
{
    double frac = (double)sim_now(s) / (double)r->sc->cfg.sim.duration;
    int width = 30, filled = (int)(frac * width + 0.5);
    double wall = cli_wall_now() - r->wall_start;

    if (frac > 1)
        frac = 1;
    if (filled > width)
        filled = width;
    fprintf(stderr, "\r[%.*s%*s] %5.1f%%  sim %.0f s  closed %llu/%llu  %.2f M ev/s ",
            filled, "##############################", width - filled, "", 100 * frac,
            (double)sim_now(s) / 1e9, (unsigned long long)r->w->st.closed,
            (unsigned long long)r->w->st.opened,
            wall > 0 ? (double)sim_events(s) / wall / 1e6 : 0.0);
    if (final)
        fputs("\r\033[K", stderr);
}

static void poll(sim *s, void *arg)
{
    run_ctx *r = arg;

    drain(r);
    if (runner_interrupted)
        sim_stop(s);
    if (r->progress) {
        double now = cli_wall_now();
        if (now - r->last_draw >= 0.1) {
            r->last_draw = now;
            draw_bar(r, s, 0);
        }
    }
}

/* The world's tap: the chosen connections' segments go to the packet trace. */
static void pcap_tap(void *arg, const conn *c, const seg *s, int to_local)
{
    pcap_trace_segment(arg, c->id, s, to_local, sim_now(c->w->s));
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

static void store_scalars(run_ctx *r, sim_time end)
{
    const world_stats *st = &r->w->st;
    size_t n, censored;
    sim_time v;
    int lb;
    struct {
        results_scalar_id id;
        double value;
    } rows[] = {
        {RESULTS_CONNECTIONS_OPENED, (double)st->opened},
        {RESULTS_CONNECTIONS_CLOSED, (double)st->closed},
        {RESULTS_OFFLOADS, (double)st->offloads},
        {RESULTS_UPLOADS, (double)st->uploads},
        {RESULTS_OFFLOADS_REFUSED, (double)st->refused},
        {RESULTS_NIC_FW2_EXPIRIES, (double)st->nic_fw2_expiries},
        {RESULTS_HOST_FW2_EXPIRIES, (double)st->host_fw2_expiries},
        {RESULTS_FW2_RESTARTS, (double)st->fw2_restarts},
        {RESULTS_INDICATIONS, (double)st->indications},
        {RESULTS_PEERS_RESET, (double)st->peers_reset},
        {RESULTS_SEGMENTS, (double)st->segments},
        {RESULTS_SEGMENTS_LOST, (double)st->lost},
        {RESULTS_NIC_PEAK, (double)st->nic_peak},
        {RESULTS_NIC_MEAN, end > 0 ? st->nic_area / (double)end : 0},
    };
    /* A percentile that reaches a censored connection is a lower bound. */
    static const struct {
        results_scalar_id value, lower_bound;
        double q;
    } qs[] = {{RESULTS_CLOSE_P50_S, RESULTS_CLOSE_P50_LOWER_BOUND, 0.5},
              {RESULTS_CLOSE_P90_S, RESULTS_CLOSE_P90_LOWER_BOUND, 0.9},
              {RESULTS_CLOSE_P99_S, RESULTS_CLOSE_P99_LOWER_BOUND, 0.99},
              {RESULTS_CLOSE_MAX_S, RESULTS_CLOSE_MAX_LOWER_BOUND, 1.0}};

    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (results_scalar(r->db, r->run_id, rows[i].id, rows[i].value) != 0)
            r->write_failed = 1;
    world_latency_counts(r->w, &n, &censored);
    if (n > 0 && results_scalar(r->db, r->run_id, RESULTS_CENSORED_SHARE,
                                (double)censored / (double)n) != 0)
        r->write_failed = 1;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        if (!world_quantile(r->w, qs[i].q, &v, &lb))
            continue;
        if (results_scalar(r->db, r->run_id, qs[i].value, (double)v / (double)SIM_S) != 0 ||
            results_scalar(r->db, r->run_id, qs[i].lower_bound, lb) != 0)
            r->write_failed = 1;
    }
}

static void print_quantile(FILE *f, world *w, const char *label, double q)
{
    sim_time v;
    int lb;
    char buf[32];

    if (world_quantile(w, q, &v, &lb))
        fprintf(f, " %s %s%s", label, lb ? ">= " : "", cli_fmt_time((double)v, buf));
}

static void summary(run_ctx *r, const char *db, sim_time end, double wall,
                    results_status status)
{
    const world_stats *st = &r->w->st;
    size_t n, censored;
    char buf[32];

    FILE *f = r->o->summary;

    fprintf(f, "offsim run: %s, seed %llu, engine %s -> %s (run %lld, %s)\n", r->sc->path,
            (unsigned long long)r->sc->cfg.sim.seed, r->o->engine, db, (long long)r->run_id,
            results_status_name[status]);
    fprintf(f, "connections    opened %llu, closed %llu, still open %llu\n",
           (unsigned long long)st->opened, (unsigned long long)st->closed,
           (unsigned long long)(st->opened - st->closed));
    world_latency_counts(r->w, &n, &censored);
    if (n > 0) {
        fprintf(f, "close latency ");
        print_quantile(f, r->w, "median", 0.5);
        print_quantile(f, r->w, "p90", 0.9);
        print_quantile(f, r->w, "p99", 0.99);
        print_quantile(f, r->w, "max", 1.0);
        fprintf(f, "\n               over %zu connections%s; %.1f%% censored (still open at "
               "the end, counted until then: '>=' marks a lower bound)\n",
               n, r->sc->cfg.sim.warmup > 0 ? " opened after the warmup" : "",
               100.0 * (double)censored / (double)n);
    } else {
        fprintf(f, "close latency  no connection closed by the local side\n");
    }
    fprintf(f, "FIN_WAIT_2     expiries: nic %llu, host %llu; acceptable-segment restarts %llu\n",
           (unsigned long long)st->nic_fw2_expiries, (unsigned long long)st->host_fw2_expiries,
           (unsigned long long)st->fw2_restarts);
    fprintf(f, "handoffs       offloads %llu (refused %llu), uploads %llu; indications %llu\n",
           (unsigned long long)st->offloads, (unsigned long long)st->refused,
           (unsigned long long)st->uploads, (unsigned long long)st->indications);
    fprintf(f, "NIC occupancy  peak %lld, mean %.1f connections\n", (long long)st->nic_peak,
           end > 0 ? st->nic_area / (double)end : 0.0);
    if (strcmp(r->o->engine, "native") == 0)
        fprintf(f, "peers          reset %llu; segments %llu, lost %llu\n",
                (unsigned long long)st->peers_reset, (unsigned long long)st->segments,
                (unsigned long long)st->lost);
    else
        fprintf(f, "peers          reset %llu (segments are ns-3's)\n",
                (unsigned long long)st->peers_reset);
    if (r->o->pcap != NULL)
        fprintf(f, "packet trace   %llu packets of connections %s -> %s\n",
                (unsigned long long)pcap_trace_packets(r->o->pcap), r->o->pcap_conns,
                r->o->pcap_name);
    fprintf(f, "simulated      %s, %llu events\n", cli_fmt_time((double)end, buf),
           (unsigned long long)r->events);
    fprintf(f, "wall           %.3f s, %.2f M events/s\n", wall,
           wall > 0 ? (double)r->events / wall / 1e6 : 0.0);
}


int runner_run(const scenario *sc, results *db, const runner_opts *o, runner_result *res,
               sim_diag *d)
{
    run_ctx r;
    sim *s = NULL;
    char identity[65], fp[17];
    results_run_info info;
    sim_time end;
    results_status status;
    int rc;

    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    r.sc = sc;
    r.o = o;
    r.db = db;
    res->status = RESULTS_FAILED;
    if (o->identity != NULL)
        snprintf(identity, sizeof identity, "%s", o->identity);
    else
        scenario_identity(sc, o->engine, identity);
    info = (results_run_info){identity, sc->path, sc->text, sc->sha256, o->engine,
                              sc->cfg.sim.seed};
    if (results_run_begin(db, &info, &r.run_id, d) != SIM_OK)
        return SIM_EDB;
    res->run_id = r.run_id;
    scenario_each_param(sc, store_param, &r);

    trace_init(&r.trace, sc->cfg.sim.log >= LOG_EVENTS,
               sc->cfg.sim.log >= LOG_TRACE ? stderr : NULL);
#ifdef OFFSIM_HAVE_NS3
    if (strcmp(o->engine, "ns3") == 0)
        rc = ns3c_sim_create(&s) != SIM_OK ? SIM_ENOMEM
                                             : world_ns3_create(&sc->cfg, s, &r.trace, &r.w);
    else
#endif
        rc = sim_create(&s) != SIM_OK ? SIM_ENOMEM : world_create(&sc->cfg, s, &r.trace, &r.w);
    if (rc != SIM_OK) {
        diag_add(d, "out of memory building the world");
        results_run_end(db, r.run_id, RESULTS_FAILED, 0, 0, 0, NULL, d);
        sim_destroy(s);
        trace_fini(&r.trace);
        return SIM_ENOMEM;
    }
    if (o->pcap != NULL)
        world_set_tap(r.w, pcap_tap, o->pcap);
    r.progress = o->progress && sc->cfg.sim.log < LOG_TRACE;
    r.wall_start = cli_wall_now();
    sim_set_poll(s, POLL_EVENTS, poll, &r);

    sim_run(s, sc->cfg.sim.duration);

    res->wall_s = cli_wall_now() - r.wall_start;
    res->events = sim_events(s);
#ifdef OFFSIM_HAVE_NS3
    if (strcmp(o->engine, "ns3") == 0)
        res->events = ns3c_event_count(); /* ns-3's TCP's events and the model's */
#endif
    r.events = res->events;
    end = sim_now(s);
    world_end(r.w);
    drain(&r);
    store_scalars(&r, end);
    if (r.progress)
        draw_bar(&r, s, 1);
    snprintf(fp, sizeof fp, "%016llx", (unsigned long long)sim_fingerprint(s));
    status = runner_interrupted ? RESULTS_INTERRUPTED
             : r.write_failed   ? RESULTS_FAILED
                                : RESULTS_COMPLETE;
    rc = results_run_end(db, r.run_id, status, res->wall_s, end, res->events, fp, d);
    if (rc != SIM_OK)
        status = RESULTS_FAILED;
    res->status = status;
    if (o->summary != NULL)
        summary(&r, o->db_name, end, res->wall_s, status);
    world_destroy(r.w);
    trace_fini(&r.trace);
    sim_destroy(s);
#ifdef OFFSIM_HAVE_NS3
    if (strcmp(o->engine, "ns3") == 0)
        world_ns3_fini();
#endif
    if (status == RESULTS_COMPLETE)
        return SIM_OK;
    return status == RESULTS_INTERRUPTED ? SIM_EINTR : SIM_EDB;
}
