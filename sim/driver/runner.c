/*
 * runner.c - one run, from a resolved scenario to a complete run row.
 *
 * Order of work, so that nothing is half-written:
 *   1. the run row is committed as 'running' with every resolved parameter;
 *   2. the engine runs; every POLL_EVENTS events the driver drains the rows
 *      the model buffered into one write transaction, reports progress and
 *      watches for an interruption (Ctrl-C, SIGTERM, SIGHUP: handlers never
 *      touch the database);
 *   3. the remaining rows, the scalars and the status ('complete',
 *      'interrupted' after an interruption, 'failed' if a write failed) go
 *      in one last transaction.
 *
 * The world is read through world.h's functions and stats() below, the one
 * place that knows where the world keeps its counters.
 */
#include "runner.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/err.h"
#include "engine/trace.h"
#include "io/km.h"
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

/* How a connection that reached close() ended (after_close_*), by close_reason. */
static const results_scalar_id after_close[] = {
    [CR_OPEN] = RESULTS_AFTER_CLOSE_OPEN,
    [CR_PEER_FIN] = RESULTS_AFTER_CLOSE_PEER_FIN,
    [CR_NIC_FW2] = RESULTS_AFTER_CLOSE_NIC_FW2,
    [CR_HOST_FW2] = RESULTS_AFTER_CLOSE_HOST_FW2,
    [CR_RST] = RESULTS_AFTER_CLOSE_RST,
    [CR_RETRIES] = RESULTS_AFTER_CLOSE_RETRIES,
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

/* The interruptions: Ctrl-C, and what batch schedulers (SLURM's scancel and
 * time limits, PBS, Kubernetes) and a closing terminal send before SIGKILL. */
static const int interrupt_signal[] = {SIGINT, SIGTERM, SIGHUP};
#define NINTERRUPT (sizeof interrupt_signal / sizeof *interrupt_signal)

static void on_interrupt(int sig)
{
    runner_interrupted = sig;
}

void runner_catch_interrupts(int on)
{
    static struct sigaction old[NINTERRUPT];
    static int set[NINTERRUPT];
    struct sigaction sa;

    if (!on) {
        for (size_t k = 0; k < NINTERRUPT; k++)
            if (set[k])
                sigaction(interrupt_signal[k], &old[k], NULL);
        return;
    }
    runner_interrupted = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < NINTERRUPT; k++)
        sigaddset(&sa.sa_mask, interrupt_signal[k]);
    for (size_t k = 0; k < NINTERRUPT; k++) {
        /* SIGTERM or SIGHUP ignored (nohup) stays ignored; SIGINT is always
         * caught, as Ctrl-C always was. */
        set[k] = sigaction(interrupt_signal[k], NULL, &old[k]) == 0 &&
                 (interrupt_signal[k] == SIGINT || old[k].sa_handler != SIG_IGN) &&
                 sigaction(interrupt_signal[k], &sa, NULL) == 0;
    }
}

const char *runner_interrupt_name(void)
{
    switch (runner_interrupted) {
    case 0:
        return NULL;
    case SIGTERM:
        return "SIGTERM";
    case SIGHUP:
        return "SIGHUP";
    default:
        return "SIGINT";
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

/*
 * The connections' opening times, as rate() needs them without keeping
 * them (8 bytes a connection at the end of a run, beside all of them): how
 * many are after each time a window can start or end at.  A window (record.c,
 * world_window_of) starts at 0, sim.warmup, the window's from or the first
 * opening, and ends at the window's to, the last opening or the end of the
 * run, after every opening.
 */
typedef struct opens {
    uint64_t n;
    uint64_t after_0, after_warmup, after_from, after_to;
    sim_time first, last;    /* the earliest and latest, SIM_NEVER: none */
    uint64_t at_first;       /* how many at the earliest */
} opens;

/*
 * The close latencies of a peer class, as the summary needs them: 8 bytes
 * a connection, the latency in ns doubled, plus 1 when censored (still
 * open at the run's end).  Sorted at the end, they feed a Kaplan-Meier
 * scan in time order (km.h): the estimate of km_add()s of the same
 * latencies, without keeping its steps.
 */
typedef struct latencies {
    uint64_t *v;
    size_t n, cap;
} latencies;

typedef struct run_ctx {
    const scenario *sc;
    const runner_opts *o;
    world *w;
    trace_buf trace;
    results *db;
    int64_t run_id;
    int write_failed;    /* the run cannot end complete */
    int rows_failed;     /* because the store refused a row */
    int progress;        /* report progress */
    double wall_start;
    double last_report;
    double last_drain;   /* when the buffered rows were last written */
    opens opens;         /* connections' openings */
    times expiries;      /* NIC FIN_WAIT_2 expiries */
    latencies *latency;  /* close latency per peer class */
    sim_time end;        /* the run's end, once it has ended (SIM_NEVER before) */
    uint64_t fate[RESULTS_SCALAR_N]; /* after_close_* and no_close_* counts */
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

static void opens_add(run_ctx *r, sim_time v)
{
    const sim_params *p = &r->sc->cfg.sim;
    opens *o = &r->opens;

    o->n++;
    o->after_0 += v > 0;
    o->after_warmup += v > p->warmup;
    o->after_from += v > p->window.from;
    o->after_to += v > p->window.to;
    if (o->n == 1 || v < o->first) {
        o->first = v;
        o->at_first = 1;
    } else if (v == o->first) {
        o->at_first++;
    }
    if (o->n == 1 || v > o->last)
        o->last = v;
}

/* How many openings are after x, one of the times opens counts after; -1
 * for another time (none that world_window_of gives). */
static int64_t opens_after(const run_ctx *r, sim_time x)
{
    const sim_params *p = &r->sc->cfg.sim;
    const opens *o = &r->opens;

    if (o->n == 0 || x >= o->last)
        return 0;
    if (x < o->first)
        return (int64_t)o->n;
    if (x == o->first)
        return (int64_t)(o->n - o->at_first);
    if (x == 0)
        return (int64_t)o->after_0;
    if (x == p->warmup)
        return (int64_t)o->after_warmup;
    if (x == p->window.from)
        return (int64_t)o->after_from;
    if (x == p->window.to)
        return (int64_t)o->after_to;
    return -1;
}

/* Openings per second over the window (start, end]; NaN if the window is
 * not one opens counts for. */
static double open_rate(const run_ctx *r, const world_window *win)
{
    int64_t a = opens_after(r, win->start), b = opens_after(r, win->end);

    if (a < 0 || b < 0)
        return NAN;
    return win->end > win->start
               ? (double)(a - b) * (double)SIM_S / (double)(win->end - win->start)
               : 0;
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

/* Which of after_close_* / no_close_* a finished (or ended) connection is. */
static results_scalar_id fate(const conn_record *c)
{
    int handshake = !c->established;

    if (c->t_close != SIM_NEVER)
        return after_close[c->close_reason];
    switch (c->close_reason) {
    case CR_RETRIES:
        return handshake ? RESULTS_NO_CLOSE_HANDSHAKE_RETRIES
                         : RESULTS_NO_CLOSE_ESTABLISHED_RETRIES;
    case CR_RST:
        return handshake ? RESULTS_NO_CLOSE_HANDSHAKE_RST : RESULTS_NO_CLOSE_ESTABLISHED_RST;
    case CR_OPEN:
        return handshake ? RESULTS_NO_CLOSE_HANDSHAKE_OPEN : RESULTS_NO_CLOSE_ESTABLISHED_OPEN;
    default:
        return RESULTS_NO_CLOSE_OTHER;
    }
}

/*
 * A connection's close latency (close_latency.close_s: the same arithmetic
 * as the view's) into its class's, if it is in the summary: it reached
 * close() and opened at or after sim.warmup.  One still open is censored
 * at the run's end: it is recorded only once the run has ended.
 */
static void add_latency(run_ctx *r, const conn_record *c)
{
    sim_time end = c->t_end; /* t_time_wait if set, else t_closed */
    latencies *l = &r->latency[c->klass];
    int censored = end == SIM_NEVER;

    if (c->t_close == SIM_NEVER || c->t_open < r->sc->cfg.sim.warmup)
        return;
    if (censored) {
        SIM_ASSERT(r->end != SIM_NEVER, "connection %u censored before the run ended",
                   c->conn_id);
        end = r->end;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        uint64_t *v = realloc(l->v, cap * sizeof *v);

        if (v == NULL) {
            r->write_failed = 1; /* the summary would be wrong: the run fails */
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (uint64_t)(end - c->t_close) << 1 | (uint64_t)censored;
}

/*
 * Sort keys in place: most significant byte first, each byte's buckets
 * formed by cycling keys to their places (American flag sort), short runs
 * by insertion.  No second array: at the end of a run of 10^6 open
 * connections this runs beside all of them.  Keys that are equal are
 * indistinguishable, so the order is that of any sort.
 */
static void sort_keys(uint64_t *v, size_t n, unsigned shift)
{
    for (;;) {
        size_t count[256] = {0}, next[256], end[256], at = 0;
        unsigned b;

        if (n < 32) {
            for (size_t i = 1; i < n; i++) {
                uint64_t x = v[i];
                size_t j = i;

                for (; j > 0 && v[j - 1] > x; j--)
                    v[j] = v[j - 1];
                v[j] = x;
            }
            return;
        }
        for (size_t i = 0; i < n; i++)
            count[(v[i] >> shift) & 255]++;
        if (count[(v[0] >> shift) & 255] == n) { /* every key has the same byte here */
            if (shift == 0)
                return;
            shift -= 8;
            continue;
        }
        for (b = 0; b < 256; b++) {
            next[b] = at;
            at += count[b];
            end[b] = at;
        }
        for (b = 0; b < 256; b++)
            while (next[b] < end[b]) {
                uint64_t x = v[next[b]];
                unsigned d = (unsigned)(x >> shift) & 255;

                while (d != b) { /* put x in its bucket, take what was there */
                    uint64_t y = v[next[d]];

                    v[next[d]++] = x;
                    x = y;
                    d = (unsigned)(x >> shift) & 255;
                }
                v[next[b]++] = x;
            }
        if (shift == 0)
            return;
        for (b = 0; b < 256; b++)
            if (count[b] > 1)
                sort_keys(v + end[b] - count[b], count[b], shift - 8);
        return;
    }
}

/* A Kaplan-Meier scan of sorted latencies, in time order: what put_latency
 * stores. */
typedef struct lat_summary {
    uint64_t n, censored;
    km_result res[RESULTS_NQ];
    double q[RESULTS_NQ];
    double longest;
} lat_summary;

/* The smallest of the next keys of classes l[0 .. k) (at[j]: class j's
 * next), taken; UINT64_MAX when none is left. */
static uint64_t merge_next(const latencies *l, size_t k, size_t *at)
{
    size_t best = k;

    for (size_t j = 0; j < k; j++)
        if (at[j] < l[j].n && (best == k || l[j].v[at[j]] < l[best].v[at[best]]))
            best = j;
    return best == k ? UINT64_MAX : l[best].v[at[best]++];
}

/*
 * The latencies of classes l[0 .. k) (each sorted), merged in time order:
 * the scan of their union, without making it.
 */
static int summarise(const latencies *l, size_t k, lat_summary *out)
{
    size_t *at = calloc(k ? k : 1, sizeof *at);
    size_t n = 0, done = 0;
    km_scan sc;
    uint64_t x;

    memset(out, 0, sizeof *out);
    if (at == NULL)
        return SIM_ENOMEM;
    for (size_t j = 0; j < k; j++)
        n += l[j].n;
    out->n = n;
    km_scan_init(&sc, n, RESULTS_NQ, results_quantile_p);
    x = merge_next(l, k, at);
    while (done < n) {
        /* Every observation at the next time (latencies that are one
         * double are one time, as for km_add). */
        double t = (double)(sim_time)(x >> 1) / (double)SIM_S;
        uint64_t events = 0, censored = 0;

        for (; done < n && (double)(sim_time)(x >> 1) / (double)SIM_S == t; done++) {
            censored += x & 1;
            events += !(x & 1);
            x = merge_next(l, k, at);
        }
        km_scan_add(&sc, t, events, censored);
        out->censored += censored;
    }
    free(at);
    if (n == 0)
        return SIM_OK;
    for (int q = 0; q < RESULTS_NQ; q++)
        out->res[q] = km_scan_quantile(&sc, (size_t)q, &out->q[q]);
    out->longest = sc.t_max;
    return SIM_OK;
}

static void drain(run_ctx *r);

/* world_end's rows reached a chunk. */
static void drain_rows(void *arg)
{
    drain(arg);
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
                            t->detail, t->has_value ? &t->value : NULL);
    }
    trace_clear(&r->trace);
    for (size_t i = 0; i < n; i++) {
        opens_add(r, rec[i].t_open);
        if (rec[i].close_reason == CR_NIC_FW2)
            times_add(r, &r->expiries, rec[i].t_end); /* t_closed: no TIME_WAIT */
        r->fate[fate(&rec[i])]++;
        add_latency(r, &rec[i]);
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
                rec[i].t_established,
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
    rc |= results_heartbeat(r->db, r->run_id);
    rc |= results_commit(r->db);
    if (rc != 0)
        r->write_failed = r->rows_failed = 1;
}

static void report(run_ctx *r, sim *s, int final)
{
    runner_progress p = {sim_now(s), r->sc->cfg.sim.duration, stats(r->w)->opened,
                         stats(r->w)->closed, sim_events(s), runner_wall_now() - r->wall_start};

    r->o->progress(r->o->progress_arg, &p, final);
}

/*
 * The model's rows are written in bursts, each one transaction: when
 * DRAIN_ROWS have gathered, or RESULTS_COMMIT_S after the last burst.  A
 * writer holds the database's write lock only for a burst, never while it
 * simulates (the writers of a parallel sweep take turns), and commits
 * seldom enough that SQLite writes each page about once (a commit writes
 * out every page it changed, the last leaf of each table and index again
 * and again).
 */
#define DRAIN_ROWS 65536

static void poll(sim *s, void *arg)
{
    run_ctx *r = arg;
    double now = runner_wall_now();
    size_t nrec, nsmp;

    world_records(r->w, &nrec);
    world_samples(r->w, &nsmp);
    if (r->trace.n + nrec + nsmp >= DRAIN_ROWS || now - r->last_drain >= RESULTS_COMMIT_S) {
        r->last_drain = now;
        drain(r);
    }
    if (runner_interrupted || r->write_failed) /* a failed write: it cannot end complete */
        sim_stop(s);
    if (r->progress) {
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
        r->write_failed = r->rows_failed = 1;
}

typedef struct scalar_row {
    results_scalar_id id;
    double v;
} scalar_row;

/* A scalar of the run: into the result, and the store. */
static void put(run_ctx *r, runner_result *res, results_scalar_id id, double v)
{
    res->scalar[id] = v;
    if (results_scalar(r->db, r->run_id, id, v) != SIM_OK)
        r->write_failed = 1;
}

/*
 * The close-latency scalars of an estimate: its size, the censored, the
 * percentiles (NAN and a mark where not reached), the longest time seen.
 * peer NULL: the run's (also into res); else the class's.
 */
static void put_latency(run_ctx *r, runner_result *res, const char *peer,
                        const lat_summary *k)
{
    scalar_row row[4 + 2 * RESULTS_NQ];
    size_t n = 0;
    int rc = 0;

    row[n++] = (scalar_row){RESULTS_CLOSE_N, (double)k->n};
    row[n++] = (scalar_row){RESULTS_CLOSE_CENSORED, (double)k->censored};
    if (k->n > 0) {
        row[n++] = (scalar_row){RESULTS_CENSORED_SHARE, (double)k->censored / (double)k->n};
        for (int q = 0; q < RESULTS_NQ; q++) {
            row[n++] = (scalar_row){results_quantile_scalar(q),
                                    k->res[q] == KM_REACHED ? k->q[q] : NAN};
            row[n++] = (scalar_row){results_quantile_mark(q), k->res[q] == KM_NOT_REACHED};
        }
        row[n++] = (scalar_row){RESULTS_CLOSE_LONGEST_S, k->longest};
    }
    for (size_t i = 0; i < n; i++) {
        if (peer == NULL) {
            put(r, res, row[i].id, row[i].v);
        } else {
            rc |= results_class_scalar(r->db, r->run_id, peer, row[i].id, row[i].v);
        }
    }
    if (rc != 0)
        r->write_failed = r->rows_failed = 1;
}

/* A peer class's path, both directions. */
static void put_path(run_ctx *r, const char *peer, const net_link_stats *to_peer,
                     const net_link_stats *to_host)
{
    const scalar_row row[] = {
        {RESULTS_PATH_TO_PEER_SEGMENTS, (double)to_peer->segments},
        {RESULTS_PATH_TO_PEER_WAITED, (double)to_peer->waited},
        {RESULTS_PATH_TO_PEER_MAX_WAIT_S, (double)to_peer->max_wait / (double)SIM_S},
        {RESULTS_PATH_TO_PEER_BUSY_S, (double)to_peer->busy / (double)SIM_S},
        {RESULTS_PATH_TO_HOST_SEGMENTS, (double)to_host->segments},
        {RESULTS_PATH_TO_HOST_WAITED, (double)to_host->waited},
        {RESULTS_PATH_TO_HOST_MAX_WAIT_S, (double)to_host->max_wait / (double)SIM_S},
        {RESULTS_PATH_TO_HOST_BUSY_S, (double)to_host->busy / (double)SIM_S},
    };
    int rc = 0;

    for (size_t i = 0; i < sizeof row / sizeof *row; i++)
        rc |= results_class_scalar(r->db, r->run_id, peer, row[i].id, row[i].v);
    if (rc != 0)
        r->write_failed = 1;
}

/* The run's figures, from the world at its end, into res and the store. */
static void store_scalars(run_ctx *r, runner_result *res)
{
    const world_stats *st = stats(r->w);
    const model_config *cfg = &r->sc->cfg;
    world_window win;
    lat_summary sum;

    world_window_of(r->w, &win);
    for (int i = 0; i < RESULTS_SCALAR_N; i++)
        res->scalar[i] = NAN;
    put(r, res, RESULTS_CONNECTIONS_OPENED, (double)st->opened);
    put(r, res, RESULTS_CONNECTIONS_CLOSED, (double)st->closed);
    for (int id = RESULTS_AFTER_CLOSE_PEER_FIN; id <= RESULTS_NO_CLOSE_OTHER; id++)
        put(r, res, id, (double)r->fate[id]);
    put(r, res, RESULTS_OFFLOADS, (double)st->offloads);
    put(r, res, RESULTS_UPLOADS, (double)st->uploads);
    put(r, res, RESULTS_OFFLOADS_REFUSED, (double)st->refused);
    put(r, res, RESULTS_NIC_FW2_EXPIRIES, (double)st->nic_fw2_expiries);
    put(r, res, RESULTS_HOST_FW2_EXPIRIES, (double)st->host_fw2_expiries);
    put(r, res, RESULTS_FW2_RESTARTS, (double)st->fw2_restarts);
    put(r, res, RESULTS_INDICATIONS, (double)st->indications);
    put(r, res, RESULTS_PEERS_RESET, (double)st->peers_reset);
    /* On ns-3 the segments are its TCP's and its links' (world_ns3 counts
     * none): NULL, no figure, rather than a 0 that reads as "none lost". */
    put(r, res, RESULTS_SEGMENTS, r->o->engine == RUNNER_NATIVE ? (double)st->segments : NAN);
    put(r, res, RESULTS_SEGMENTS_LOST, r->o->engine == RUNNER_NATIVE ? (double)st->lost : NAN);
    put(r, res, RESULTS_NIC_PEAK, (double)st->nic_peak);
    put(r, res, RESULTS_NIC_MEAN, win.nic_total);
    put(r, res, RESULTS_NIC_FIN_WAIT_2_MEAN, win.nic_fin_wait_2);
    put(r, res, RESULTS_HOST_FIN_WAIT_2_MEAN, win.host_fin_wait_2);
    put(r, res, RESULTS_TIME_WAIT_MEAN, win.time_wait);
    put(r, res, RESULTS_OPEN_RATE, open_rate(r, &win));
    put(r, res, RESULTS_NIC_FW2_EXPIRY_RATE, rate(&r->expiries, &win));
    put(r, res, RESULTS_WINDOW_START_S, (double)win.start / (double)SIM_S);
    put(r, res, RESULTS_WINDOW_END_S, (double)win.end / (double)SIM_S);
    put(r, res, RESULTS_WINDOW_WHOLE_RUN, win.whole_run);

    /* The times rate() counted are done with: their memory goes before
     * the latencies are sorted and scanned. */
    free(r->expiries.v);
    r->expiries = (times){0};

    /* Close latency: each class sorted, the classes pooled (merged), then each. */
    for (size_t k = 0; k < cfg->npeers; k++)
        sort_keys(r->latency[k].v, r->latency[k].n, 56);
    if (summarise(r->latency, cfg->npeers, &sum) != SIM_OK) {
        r->write_failed = 1;
        return;
    }
    put_latency(r, res, NULL, &sum);
    for (size_t k = 0; k < cfg->npeers; k++) {
        const char *peer = world_peer_name(r->w, (unsigned)k);

        if (summarise(&r->latency[k], 1, &sum) != SIM_OK) {
            r->write_failed = 1;
            return;
        }
        put_latency(r, res, peer, &sum);
        if (r->o->engine == RUNNER_NATIVE) {
            net_link_stats to_peer, to_host;

            world_path_stats(r->w, (unsigned)k, &to_peer, &to_host);
            put_path(r, peer, &to_peer, &to_host);
        }
    }
    if (r->o->engine == RUNNER_NATIVE) {
        net_link_stats to_peer, to_host;

        if (world_server_link_stats(r->w, &to_peer, &to_host)) {
            put(r, res, RESULTS_SERVER_LINK_TO_PEER_SEGMENTS, (double)to_peer.segments);
            put(r, res, RESULTS_SERVER_LINK_TO_PEER_WAITED, (double)to_peer.waited);
            put(r, res, RESULTS_SERVER_LINK_TO_PEER_MAX_WAIT_S,
                (double)to_peer.max_wait / (double)SIM_S);
            put(r, res, RESULTS_SERVER_LINK_TO_PEER_BUSY_S, (double)to_peer.busy / (double)SIM_S);
            put(r, res, RESULTS_SERVER_LINK_TO_HOST_SEGMENTS, (double)to_host.segments);
            put(r, res, RESULTS_SERVER_LINK_TO_HOST_WAITED, (double)to_host.waited);
            put(r, res, RESULTS_SERVER_LINK_TO_HOST_MAX_WAIT_S,
                (double)to_host.max_wait / (double)SIM_S);
            put(r, res, RESULTS_SERVER_LINK_TO_HOST_BUSY_S, (double)to_host.busy / (double)SIM_S);
        }
    }
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
    free(r->expiries.v);
    for (size_t k = 0; r->latency != NULL && k < r->sc->cfg.npeers; k++)
        free(r->latency[k].v);
    free(r->latency);
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
    res->end = r->end = sim_now(s);
    /* The connections still open are recorded (world_end) and drained a
     * chunk at a time: what the rows of a run take stays bounded. */
    world_set_drain(r->w, drain_rows, r);
    if ((rc = sim_error(s)) != SIM_OK) {
        diag_add(d, "the engine failed at %.9f s: %s", (double)res->end / SIM_S,
                 sim_strerror(rc));
        r->write_failed = 1;
    } else if ((rc = world_end(r->w)) != SIM_OK) {
        diag_add(d, "the model failed: %s", sim_strerror(rc));
        r->write_failed = 1;
    }
    drain(r);
    store_scalars(r, res);
    res->pcap_packets = r->o->pcap ? pcap_trace_packets(r->o->pcap) : 0;
    if (r->progress)
        report(r, s, 1);
    snprintf(fp, sizeof fp, "%016llx", (unsigned long long)sim_fingerprint(s));
    status = runner_interrupted ? RESULTS_INTERRUPTED
             : r->write_failed  ? RESULTS_FAILED
                                : RESULTS_COMPLETE;
    if (r->rows_failed)
        diag_add(d, "writing the run's rows failed: %s", results_errmsg(r->db));
    if (results_run_end(r->db, r->run_id, status, res->wall_s, res->end, res->events, fp, d) !=
        SIM_OK)
        status = RESULTS_FAILED;
    return status;
}

void runner_run_info(const scenario *sc, runner_engine e, const char *command_line,
                     results_run_info *info, char *identity, char *host)
{
    const char *engine = runner_engine_name[e];

    scenario_identity(sc, engine, identity);
    if (gethostname(host, 256) != 0)
        host[0] = '\0';
    host[255] = '\0';
    *info = (results_run_info){identity,  sc->path,     sc->text,
                               sc->sha256, engine,       sc->cfg.sim.seed,
                               command_line, host[0] ? host : NULL, results_build()};
}

int runner_claim(results *db, const results_run_info *info, const char *const *varied,
                 size_t nvaried, results_claim *c, sim_diag *d)
{
    if (results_run_claim(db, info, c, d) != SIM_OK)
        return SIM_EDB;
    if (c->outcome == RESULTS_DONE && results_mark_varied(db, c->run_id, varied, nvaried) != SIM_OK) {
        diag_add(d, "cannot mark run %lld's varied keys: %s", (long long)c->run_id,
                 results_errmsg(db));
        return SIM_EDB;
    }
    return SIM_OK;
}

int runner_run(const scenario *sc, results *db, const runner_opts *o, runner_result *res,
               sim_diag *d)
{
    run_ctx r = {.sc = sc, .o = o, .db = db};
    char identity[65], host[256];
    results_run_info info;
    sim *s;

    memset(res, 0, sizeof *res);
    res->status = RESULTS_FAILED;
    if (o->run_id == 0)
        runner_run_info(sc, o->engine, o->command_line, &info, identity, host);
    if (o->run_id != 0) {
        r.run_id = o->run_id; /* claimed by the process that writes it */
    } else if (o->claim) {
        if (runner_claim(db, &info, o->varied, o->nvaried, &res->claim, d) != SIM_OK)
            return SIM_EDB;
        if (res->claim.outcome != RESULTS_CLAIMED) {
            res->run_id = res->claim.run_id;
            res->status = res->claim.outcome == RESULTS_DONE ? RESULTS_COMPLETE : RESULTS_RUNNING;
            return SIM_OK;
        }
        r.run_id = res->claim.run_id;
    } else if (results_run_begin(db, &info, &r.run_id, d) != SIM_OK) {
        return SIM_EDB;
    }
    res->run_id = r.run_id;
    if ((r.latency = calloc(sc->cfg.npeers, sizeof *r.latency)) == NULL) {
        diag_add(d, "out of memory");
        results_run_end(db, r.run_id, RESULTS_FAILED, 0, 0, 0, NULL, d);
        return SIM_ENOMEM;
    }
    r.end = SIM_NEVER;
    scenario_each_param(sc, store_param, &r);
    if (results_commit(db) != SIM_OK) /* no write lock held while simulating */
        r.write_failed = r.rows_failed = 1;

    trace_init(&r.trace, sc->cfg.sim.log >= LOG_EVENTS,
               sc->cfg.sim.log >= LOG_TRACE ? stderr : NULL);
    if (build(&r, &s) != SIM_OK) {
        diag_add(d, "out of memory building the world");
        results_run_end(db, r.run_id, RESULTS_FAILED, 0, 0, 0, NULL, d);
        sim_destroy(s);
        trace_fini(&r.trace);
        free(r.latency);
        return SIM_ENOMEM;
    }
    if (o->pcap != NULL)
        world_set_tap(r.w, pcap_tap, o->pcap);
    r.progress = o->progress != NULL && sc->cfg.sim.log < LOG_TRACE;
    r.wall_start = r.last_drain = runner_wall_now();
    res->status = simulate(&r, s, res, d);
    teardown(&r, s);
    if (res->status == RESULTS_COMPLETE)
        return SIM_OK;
    return res->status == RESULTS_INTERRUPTED ? SIM_EINTR : SIM_EDB;
}
