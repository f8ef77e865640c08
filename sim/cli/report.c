/*
 * report.c - how a run's and a sweep's figures are printed (io/report.h
 * reads them), shared by `offsim run`, `sweep` and `summary`, so that a
 * summary printed again from the database is the one printed at the end of
 * the run.
 *
 * A percentile is a Kaplan-Meier estimate; one the estimate does not reach
 * is printed "> T" with T the longest time observed, never as a number.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "engine/err.h"
#include "io/results.h"
#include "net/link.h"

/* Overload: a path is reported when at least this share of its segments
 * waited longer than NET_LINK_WAIT serialization times (and NET_LINK_WAIT_MIN)
 * in its queue. */
#define OVERLOAD_SHARE 0.01

static const char *const qname[RESULTS_NQ] = {"median", "p90", "p99", "max"};

char *cli_fmt_quantile(report_quantile q, char *buf)
{
    char t[32];

    switch (q.r) {
    case KM_REACHED:
        return cli_fmt_time(q.s * (double)SIM_S, buf);
    case KM_NOT_REACHED:
        snprintf(buf, 40, "> %s", cli_fmt_time(q.s * (double)SIM_S, t));
        return buf;
    case KM_EMPTY:
        break;
    }
    snprintf(buf, 40, "n/a");
    return buf;
}

/* An integer scalar (0 when absent). */
static unsigned long long count(const double *v, results_scalar_id id)
{
    return isnan(v[id]) ? 0 : (unsigned long long)v[id];
}

static void print_quantiles(FILE *f, const double *v)
{
    char buf[40];

    for (int k = 0; k < RESULTS_NQ; k++)
        fprintf(f, "%s%s %s", k ? ", " : "", qname[k],
                cli_fmt_quantile(report_quantile_of(v, k), buf));
}

/*
 * Every connection, once: after close() by how it ended, or never reaching
 * close() (the handshake, or an established connection whose close() never
 * came), by how it ended.  The counts add up to the connections opened.
 */
static void print_connections(FILE *f, const report_run *r)
{
    static const struct {
        results_scalar_id id;
        const char *name;
    } after[] = {
        {RESULTS_AFTER_CLOSE_PEER_FIN, "peer FIN"},
        {RESULTS_AFTER_CLOSE_NIC_FW2, "NIC FIN_WAIT_2 timeout"},
        {RESULTS_AFTER_CLOSE_HOST_FW2, "host FIN_WAIT_2 timeout"},
        {RESULTS_AFTER_CLOSE_RST, "reset"},
        {RESULTS_AFTER_CLOSE_RETRIES, "retries exhausted"},
        {RESULTS_AFTER_CLOSE_OPEN, "still open at the end"},
    },
      handshake[] = {
          {RESULTS_NO_CLOSE_HANDSHAKE_RETRIES, "retries exhausted"},
          {RESULTS_NO_CLOSE_HANDSHAKE_RST, "reset"},
          {RESULTS_NO_CLOSE_HANDSHAKE_OPEN, "still open at the end"},
      },
      established[] = {
          {RESULTS_NO_CLOSE_ESTABLISHED_RETRIES, "retries exhausted"},
          {RESULTS_NO_CLOSE_ESTABLISHED_RST, "reset"},
          {RESULTS_NO_CLOSE_ESTABLISHED_OPEN, "still open at the end"},
      };
    const double *v = r->scalar;
    unsigned long long closed = 0, hs = 0, est = 0, other = count(v, RESULTS_NO_CLOSE_OTHER);

    for (size_t i = 0; i < sizeof after / sizeof *after; i++)
        closed += count(v, after[i].id);
    for (size_t i = 0; i < 3; i++) {
        hs += count(v, handshake[i].id);
        est += count(v, established[i].id);
    }
    fprintf(f, "connections    opened %llu = %llu that reached our close() + %llu that never did\n",
            count(v, RESULTS_CONNECTIONS_OPENED), closed, hs + est + other);
    fprintf(f, "  after close  ");
    for (size_t i = 0; i < sizeof after / sizeof *after; i++)
        fprintf(f, "%s%s %llu", i ? ", " : "", after[i].name, count(v, after[i].id));
    fputc('\n', f);
    if (hs > 0) {
        fprintf(f, "  no close()   %llu: handshake not completed:", hs);
        for (size_t i = 0, n = 0; i < 3; i++)
            if (count(v, handshake[i].id) > 0)
                fprintf(f, "%s %s %llu", n++ ? "," : "", handshake[i].name,
                        count(v, handshake[i].id));
        fputc('\n', f);
    }
    if (est > 0) {
        fprintf(f, "  no close()   %llu: established, close() never came (the request not "
                   "complete, or with closer = peer the peer's FIN not come):",
                est);
        for (size_t i = 0, n = 0; i < 3; i++)
            if (count(v, established[i].id) > 0)
                fprintf(f, "%s %s %llu", n++ ? "," : "", established[i].name,
                        count(v, established[i].id));
        fputc('\n', f);
    }
    if (other > 0)
        fprintf(f, "  no close()   %llu: ended otherwise\n", other);
}

static void print_latency(FILE *f, const report_run *r)
{
    const double *v = r->scalar;
    double n = v[RESULTS_CLOSE_N];

    if (!(n > 0)) {
        fprintf(f, "close latency  no connection%s reached our close()\n",
                r->warmup_s > 0 ? " opened after the warmup" : "");
        return;
    }
    fprintf(f, "close latency  ");
    print_quantiles(f, v);
    fprintf(f, "\n               Kaplan-Meier over %llu connections%s; %llu (%.1f%%) censored "
               "(still open at the end); '> T': not reached, T the longest time observed\n",
            count(v, RESULTS_CLOSE_N), r->warmup_s > 0 ? " opened after the warmup" : "",
            count(v, RESULTS_CLOSE_CENSORED), 100.0 * v[RESULTS_CLOSE_CENSORED] / n);
    if (r->ncls < 2)
        return;
    for (size_t k = 0; k < r->ncls; k++) {
        const double *c = r->cls[k].scalar;

        fprintf(f, "  %-12s %-10s ", k == 0 ? "per class" : "", r->cls[k].peer);
        if (!(c[RESULTS_CLOSE_N] > 0)) {
            fprintf(f, "no connection\n");
            continue;
        }
        print_quantiles(f, c);
        fprintf(f, "; %llu connections, %.1f%% censored\n", count(c, RESULTS_CLOSE_N),
                100.0 * c[RESULTS_CLOSE_CENSORED] / c[RESULTS_CLOSE_N]);
    }
}

/* The window of the means and rates, in words. */
static void print_window(FILE *f, const report_run *r)
{
    const double *v = r->scalar;
    char a[32], b[32];
    const char *what = "";

    if (r->window == NULL || isnan(v[RESULTS_WINDOW_START_S]))
        return;
    if (v[RESULTS_WINDOW_WHOLE_RUN] == 1)
        what = ": that window is empty, so the whole run";
    else if (strcmp(r->window, "arrivals") == 0)
        what = r->warmup_s > 0 && v[RESULTS_WINDOW_START_S] == r->warmup_s
                   ? ": the warmup's end to the last opening"
                   : ": the first opening to the last";
    else if (strcmp(r->window, "run") == 0)
        what = ": the whole run";
    fprintf(f, "window         %s .. %s (sim.window = %s%s); opened %.4g/s, NIC expiries "
               "%.4g/s\n",
            cli_fmt_time(v[RESULTS_WINDOW_START_S] * (double)SIM_S, a),
            cli_fmt_time(v[RESULTS_WINDOW_END_S] * (double)SIM_S, b), r->window, what,
            v[RESULTS_OPEN_RATE], v[RESULTS_NIC_FW2_EXPIRY_RATE]);
}

/* The scalars of one direction of a queue's figures. */
typedef struct overload_dir {
    results_scalar_id seg, waited, max_wait, busy;
    const char *dir;
} overload_dir;

/*
 * One direction of queues whose backlog grew: the paths of a class (each
 * connection's own queue, their figures added up: a window larger than
 * what the path carries meanwhile) or the server link every connection
 * shares (the load offered exceeded its rate).
 */
static void overload_line(FILE *f, const report_run *r, const double *c, const overload_dir *d,
                          const char *what, int shared)
{
    double seg = c[d->seg], waited = c[d->waited];
    double busy = r->sim_end_s > 0 ? c[d->busy] / r->sim_end_s : 0;
    char t[32], least[32], why[96];

    if (!(seg > 0) || !(waited >= OVERLOAD_SHARE * seg))
        return;
    if (!shared)
        snprintf(why, sizeof why, "a connection's window exceeded what its path carries");
    else if (busy >= 1)
        snprintf(why, sizeof why, "the link was busy the whole run");
    else
        snprintf(why, sizeof why, "the link was busy %.1f%% of the run", 100 * busy);
    fprintf(f,
            "warning        %s %s %s overloaded: %.0f of %.0f segments (%.1f%%) queued longer "
            "than %d full-size segments take to send (and %s), the longest %s; %s, and "
            "latencies there include the queue\n",
            what, d->dir, shared ? "was" : "were", waited, seg, 100 * waited / seg, NET_LINK_WAIT,
            cli_fmt_time((double)NET_LINK_WAIT_MIN, least),
            cli_fmt_time(c[d->max_wait] * (double)SIM_S, t), why);
}

/* Queues that kept growing: their figures. */
static void print_overload(FILE *f, const report_run *r)
{
    static const overload_dir paths[] = {
        {RESULTS_PATH_TO_PEER_SEGMENTS, RESULTS_PATH_TO_PEER_WAITED,
         RESULTS_PATH_TO_PEER_MAX_WAIT_S, RESULTS_PATH_TO_PEER_BUSY_S, "towards the peers"},
        {RESULTS_PATH_TO_HOST_SEGMENTS, RESULTS_PATH_TO_HOST_WAITED,
         RESULTS_PATH_TO_HOST_MAX_WAIT_S, RESULTS_PATH_TO_HOST_BUSY_S, "towards the host"},
    };
    static const overload_dir server[] = {
        {RESULTS_SERVER_LINK_TO_PEER_SEGMENTS, RESULTS_SERVER_LINK_TO_PEER_WAITED,
         RESULTS_SERVER_LINK_TO_PEER_MAX_WAIT_S, RESULTS_SERVER_LINK_TO_PEER_BUSY_S,
         "towards the peers"},
        {RESULTS_SERVER_LINK_TO_HOST_SEGMENTS, RESULTS_SERVER_LINK_TO_HOST_WAITED,
         RESULTS_SERVER_LINK_TO_HOST_MAX_WAIT_S, RESULTS_SERVER_LINK_TO_HOST_BUSY_S,
         "towards the host"},
    };
    char what[PEER_NAME_MAX + 32];

    for (size_t k = 0; k < r->ncls; k++)
        for (size_t i = 0; i < 2; i++) {
            snprintf(what, sizeof what, "the paths of class %s", r->cls[k].peer);
            overload_line(f, r, r->cls[k].scalar, &paths[i], what, 0);
        }
    for (size_t i = 0; i < 2; i++)
        overload_line(f, r, r->scalar, &server[i], "the server link", 1);
}

void cli_print_run(FILE *f, const report_run *r)
{
    const double *v = r->scalar;
    char buf[32];

    print_connections(f, r);
    print_latency(f, r);
    /* fw2_restarts (A4): on the NIC only acceptable segments restart its
     * timer (R15); the host's idle timer with fw2_idle_on = any restarts on
     * every segment that reaches the connection, keep-alive probes too. */
    fprintf(f, "FIN_WAIT_2     expiries: nic %llu, host %llu; %s %llu%s\n",
            count(v, RESULTS_NIC_FW2_EXPIRIES), count(v, RESULTS_HOST_FW2_EXPIRIES),
            r->restart_any ? "timer restarts" : "acceptable-segment restarts",
            count(v, RESULTS_FW2_RESTARTS),
            r->restart_any ? " (the host's by any segment, probes too: fw2_idle_on = any)" : "");
    fprintf(f, "handoffs       offloads %llu (refused %llu), uploads %llu; indications %llu\n",
            count(v, RESULTS_OFFLOADS), count(v, RESULTS_OFFLOADS_REFUSED),
            count(v, RESULTS_UPLOADS), count(v, RESULTS_INDICATIONS));
    fprintf(f, "NIC occupancy  peak %llu, mean %.1f connections (%.1f in FIN_WAIT_2); host: "
               "FIN_WAIT_2 %.1f, TIME_WAIT %.1f\n",
            count(v, RESULTS_NIC_PEAK), v[RESULTS_NIC_MEAN], v[RESULTS_NIC_FIN_WAIT_2_MEAN],
            v[RESULTS_HOST_FIN_WAIT_2_MEAN], v[RESULTS_TIME_WAIT_MEAN]);
    print_window(f, r);
    if (r->engine != NULL && strcmp(r->engine, "native") == 0)
        fprintf(f, "peers          reset %llu; segments %llu, lost %llu\n",
                count(v, RESULTS_PEERS_RESET), count(v, RESULTS_SEGMENTS),
                count(v, RESULTS_SEGMENTS_LOST));
    else
        fprintf(f, "peers          reset %llu (segments are ns-3's)\n",
                count(v, RESULTS_PEERS_RESET));
    print_overload(f, r);
    fprintf(f, "simulated      %s, %llu events\n", cli_fmt_time(r->sim_end_s * (double)SIM_S, buf),
            (unsigned long long)r->events);
    if (!isnan(r->wall_s))
        fprintf(f, "wall           %.3f s, %.2f M events/s\n", r->wall_s,
                r->wall_s > 0 ? (double)r->events / r->wall_s / 1e6 : 0.0);
}

void cli_print_provenance(FILE *f, const report_run *r)
{
    fprintf(f, "recorded       %s on %s, %s\n", r->started ? r->started : "?",
            r->host ? r->host : "an unrecorded host", r->build ? r->build : "an unrecorded build");
    if (r->command_line != NULL)
        fprintf(f, "command        %s\n", r->command_line);
}

/* ---- sweep points ----------------------------------------------------------- */

/* The point's values in the key columns. */
static void print_values(FILE *f, const report_points *p, const report_point *pt, int width)
{
    for (size_t k = 0; k < p->nkeys; k++)
        fprintf(f, "%-*s ", width, pt->value[k] ? pt->value[k] : "?");
    if (p->nkeys == 0)
        fprintf(f, "%-*s ", width, "(one point)");
}

static void print_keys(FILE *f, const report_points *p, int width)
{
    for (size_t k = 0; k < p->nkeys; k++)
        fprintf(f, "%-*s ", width, p->key[k]);
    if (p->nkeys == 0)
        fprintf(f, "%-*s ", width, "");
}

/* s right-aligned in `width` columns: UTF-8 continuation bytes take none. */
static void right(FILE *f, int width, const char *s)
{
    int cols = 0;

    for (const char *p = s; *p; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    fprintf(f, "%*s%s", width > cols ? width - cols : 0, "", s);
}

/* "171 ms ± 2.1 ms" for a time over seeds. */
static char *fmt_time_stat(report_stat st, char *buf)
{
    char a[32], b[32];

    if (st.n == 0)
        snprintf(buf, 80, "n/a");
    else if (st.n < 2)
        snprintf(buf, 80, "%s (1 seed)", cli_fmt_time(st.mean * (double)SIM_S, a));
    else
        snprintf(buf, 80, "%s ± %s", cli_fmt_time(st.mean * (double)SIM_S, a),
                 cli_fmt_time(st.half * (double)SIM_S, b));
    return buf;
}

static char *fmt_num_stat(report_stat st, char *buf)
{
    if (st.n == 0)
        snprintf(buf, 80, "n/a");
    else if (st.n < 2)
        snprintf(buf, 80, "%.4g (1 seed)", st.mean);
    else
        snprintf(buf, 80, "%.4g ± %.2g", st.mean, st.half);
    return buf;
}

void cli_print_points(FILE *f, const report_points *p)
{
    int width = 24;
    char buf[80];

    for (size_t i = 0; i < p->npt; i++)
        if (p->pt[i].mixed != NULL) {
            fprintf(f, "warning        runs of %s with the same values of the varied keys differ "
                       "in %s, which no sweep varied: they are not seeds of one point, and are "
                       "pooled below only as the database groups them (summary --run N shows "
                       "one run)\n",
                    p->scenario, p->pt[i].mixed);
            break;
        }

    for (size_t k = 0; k < p->nkeys; k++)
        if ((int)strlen(p->key[k]) > width)
            width = (int)strlen(p->key[k]);
    fprintf(f, "\nclose latency per point (our close to TIME_WAIT/CLOSED): Kaplan-Meier "
               "estimate over the point's seeds pooled;\n'> T': not reached, T the longest "
               "time observed\n");
    print_keys(f, p, width);
    fprintf(f, "%5s %12s %12s %12s %12s %9s\n", "seeds", "p50", "p90", "p99", "max",
            "censored");
    for (size_t i = 0; i < p->npt; i++) {
        const report_point *pt = &p->pt[i];

        print_values(f, p, pt, width);
        fprintf(f, "%5zu ", pt->nruns);
        if (!pt->pooled) {
            fprintf(f, "(no conn rows to pool: sim.log = summary)\n");
            continue;
        }
        for (int k = 0; k < RESULTS_NQ; k++)
            fprintf(f, "%12s ", cli_fmt_quantile(pt->q[k], buf));
        fprintf(f, "%8.1f%%\n",
                pt->pooled_n ? 100.0 * (double)pt->pooled_censored / (double)pt->pooled_n : 0.0);
    }

    fprintf(f, "\nper-seed values: mean ± half-width of the 95%% confidence interval (Student's "
               "t, n - 1 degrees of freedom);\n'k/n not reached': k of the n seeds' estimates "
               "do not reach that percentile\n");
    print_keys(f, p, width);
    fprintf(f, "%20s %20s %20s %18s %18s\n", "p50", "p90", "p99", "nic expiries", "nic mean");
    for (size_t i = 0; i < p->npt; i++) {
        const report_point *pt = &p->pt[i];

        print_values(f, p, pt, width);
        for (int k = 0; k < 3; k++) {
            if (pt->not_reached[k] > 0)
                snprintf(buf, sizeof buf, "%zu/%zu not reached", pt->not_reached[k], pt->nruns);
            else
                fmt_time_stat(pt->stat[results_quantile_scalar(k)], buf);
            right(f, 20, buf);
            fputc(' ', f);
        }
        right(f, 18, fmt_num_stat(pt->stat[RESULTS_NIC_FW2_EXPIRIES], buf));
        fputc(' ', f);
        right(f, 18, fmt_num_stat(pt->stat[RESULTS_NIC_MEAN], buf));
        fputc('\n', f);
    }
}

int cli_summarise_run(const char *path, int64_t run_id, FILE *f)
{
    struct sqlite3 *db;
    report_run r;
    sim_diag d;
    int rc;

    diag_init(&d);
    if ((rc = report_open(path, &db, &d)) == SIM_OK) {
        if ((rc = report_run_read(db, run_id, &r, &d)) == SIM_OK) {
            cli_print_run(f, &r);
            report_run_free(&r);
        }
        report_close(db);
    }
    diag_print(&d, stderr);
    return rc;
}

int cli_summarise_points(const char *path, const report_select *sel, FILE *f)
{
    struct sqlite3 *db;
    report_points p;
    sim_diag d;
    int rc;

    diag_init(&d);
    if ((rc = report_open(path, &db, &d)) == SIM_OK) {
        if ((rc = report_points_read(db, sel, &p, &d)) == SIM_OK) {
            cli_print_points(f, &p);
            report_points_free(&p);
        }
        report_close(db);
    }
    diag_print(&d, stderr);
    return rc;
}
