/*
 * run.c - `offsim run SCENARIO [...]`: one run (driver/runner.h) and its
 * summary.
 *
 * The scenario and every override are parsed and resolved before any file
 * is touched (exit 2 on any mistake); the database is opened and checked
 * before simulating (exit 1 if it cannot be used), and so is the packet
 * trace of --pcap (io/pcap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "driver/runner.h"
#include "engine/err.h"
#include "engine/invariant.h"
#include "io/pcap.h"
#include "io/results.h"

enum { RUN_DB, RUN_SET, RUN_SEED, RUN_LOG, RUN_ENGINE, RUN_PCAP, RUN_PCAP_CONNS, RUN_CHECK,
       RUN_QUIET };

static const cli_opt run_opts[] = {
    [RUN_DB] = {"db", 0, "PATH", 0, NULL, "the results database"},
    [RUN_SET] = {"set", 0, "SECTION.KEY=VALUE", CLI_REPEAT, NULL,
                 "override a scenario key (peer classes: peer.NAME.KEY=VALUE); repeatable, "
                 "applied in order after the file"},
    [RUN_SEED] = {"seed", 0, "N", 0, NULL, "the run seed (same as --set sim.seed=N)"},
    [RUN_LOG] = {"log", 0, "LEVEL", 0, NULL,
                 "what to record: summary, conn, events or trace (same as --set sim.log=LEVEL)"},
    [RUN_ENGINE] = {"engine", 0, "NAME", 0, runner_engine_name,
                    "native (offsim's engine and TCP; the default) or ns3: ns-3's scheduler, "
                    "nodes, links and TCP carry the traffic and offsim's offload model follows "
                    "the server's sockets; keys ns-3 cannot honour are refused by name (README, "
                    "\"offsim on ns-3\").  Available when offsim was built with ns-3 (offsim "
                    "--version)"},
    [RUN_PCAP] = {"pcap", 0, "FILE", 0, NULL,
                  "also write a packet trace of the chosen connections: their segments at the "
                  "local host's interface, as a pcap file for tcpdump or Wireshark (raw IPv4; "
                  "times are the simulated time in ns; payloads are zero bytes, cut at 96 bytes "
                  "a packet).  The host is 10.0.0.1 port 80; connection N's peer is 10.1.B.C "
                  "port 1024 with N = 256*B + C (from N = 65536 on, the port is 1024 + "
                  "N/65536)"},
    [RUN_PCAP_CONNS] = {"pcap-conns", 0, "LIST", 0, NULL,
                        "the connections to trace: ids and ranges such as 1,3-4 (default "
                        "1-10)"},
    [RUN_CHECK] = {"check", 0, NULL, 0, NULL,
                   "check the model's invariants as it runs: each connection held by exactly "
                   "one of host and NIC or in a handoff, one timer per retransmit/FIN_WAIT_2 "
                   "slot, no event for a freed connection, NIC occupancy within capacity and "
                   "equal to a recount, FIN_WAIT_2 left only by a FIN, an RST or a timer, every "
                   "TimeoutDelta equal to the remaining time in ticks.  The first violation "
                   "aborts with the connection, the simulated time and the values.  Always on "
                   "in Debug and sanitizer builds"},
    [RUN_QUIET] = {"quiet", 'q', NULL, 0, NULL,
                   "no progress bar (it is shown only when stderr is a terminal)"},
};

/* The progress bar: simulated time, connections closed, speed. */
static void draw(void *arg, const runner_progress *p, int final)
{
    double frac = (double)p->now / (double)p->duration;

    (void)arg;
    if (frac > 1)
        frac = 1;
    cli_bar((int)(frac * CLI_BAR_WIDTH + 0.5), final,
            "%5.1f%%  sim %.0f s  closed %llu/%llu  %.2f M ev/s ", 100 * frac,
            (double)p->now / (double)SIM_S, (unsigned long long)p->closed,
            (unsigned long long)p->opened,
            p->wall_s > 0 ? (double)p->events / p->wall_s / 1e6 : 0.0);
}

/* The summary, from what the database holds (the same as `offsim summary`). */
static void summary(const scenario *sc, const cli_args *a, const char *db,
                    const runner_result *r)
{
    const char *engine = runner_engine_name[cli_choice(a, RUN_ENGINE, RUNNER_NATIVE)];

    printf("offsim run: %s, seed %llu, engine %s -> %s (run %lld, %s)\n", sc->path,
           (unsigned long long)sc->cfg.sim.seed, engine, db, (long long)r->run_id,
           results_status_name[r->status]);
    fflush(stdout);
    cli_summarise_run(db, r->run_id, stdout);
    if (cli_given(a, RUN_PCAP))
        printf("packet trace   %llu packets of connections %s -> %s\n",
               (unsigned long long)r->pcap_packets,
               cli_value(a, RUN_PCAP_CONNS) ? cli_value(a, RUN_PCAP_CONNS)
                                            : PCAP_TRACE_DEFAULT_CONNS,
               cli_value(a, RUN_PCAP));
}

/* The options that go together, before anything is read; 0 or 2. */
static int check_options(const cli_args *a, runner_engine e, pcap_trace_conns *conns)
{
    const char *list = cli_value(a, RUN_PCAP_CONNS);
    const char *parsed = list ? list : PCAP_TRACE_DEFAULT_CONNS;
    char err[PCAP_TRACE_ERR_MAX];
    int rc;

    if (runner_engine_version(e) == NULL) {
        fprintf(stderr, "offsim: --engine %s: this offsim was built without ns-3; run "
                        "scripts/setup.sh (as root: it installs ns-3 and every package it "
                        "needs), then rebuild offsim (scripts/demo.sh, or cmake --build on "
                        "your build directory)\n",
                runner_engine_name[e]);
        return EXIT_USAGE;
    }
    if (cli_given(a, RUN_PCAP) && e == RUNNER_NS3)
        return cli_usage_error(&cli_run, "--pcap with --engine ns3: the segments are ns-3's, "
                                         "not offsim's; trace them with ns-3 (PointToPointHelper"
                                         "::EnablePcapAll) or run the native engine");
    if (list != NULL && !cli_given(a, RUN_PCAP))
        return cli_usage_error(&cli_run, "--pcap-conns %s: needs --pcap FILE", list);
    if (cli_value(a, RUN_DB) != NULL &&
        (rc = cli_check_out_dir("run", "--db", cli_value(a, RUN_DB))) != 0)
        return rc;
    if (!cli_given(a, RUN_PCAP))
        return 0;
    /* Checked before the database is created: nothing is left behind. */
    if (strcmp(cli_value(a, RUN_PCAP), "-") != 0 &&
        (rc = cli_check_out_dir("run", "--pcap", cli_value(a, RUN_PCAP))) != 0)
        return rc;
    rc = pcap_trace_conns_parse(parsed, conns, err);
    if (rc == SIM_EUSAGE)
        return cli_usage_error(&cli_run, "--pcap-conns %s: %s", parsed, err);
    if (rc != SIM_OK) {
        fprintf(stderr, "offsim: --pcap-conns: %s\n", sim_strerror(rc));
        return EXIT_RUN_FAILED;
    }
    return 0;
}

/* The scenario with its overrides, checked for the engine; SIM_OK, or an
 * error after its messages. */
static int load(const cli_args *a, runner_engine e, scenario **sc)
{
    size_t nsets;
    const char *const *sets = cli_all(a, RUN_SET, &nsets);
    int rc = cli_load_scenario(a->operands[0], sets, nsets, cli_value(a, RUN_SEED),
                               cli_value(a, RUN_LOG), sc);
    sim_diag d;

    diag_init(&d);
    if (rc == SIM_OK && (rc = runner_check(*sc, e, &d)) != SIM_OK) {
        diag_print(&d, stderr);
        scenario_free(*sc);
        *sc = NULL;
    }
    return rc;
}

/*
 * Can the packet trace be written?  Checked before the database is opened,
 * so that neither is left behind when the other cannot be: 0 (*created when
 * this made the file, empty), or -1 after a message.
 */
static int probe_trace(const char *path, int *created)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    struct stat st;

    *created = fd >= 0;
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == EEXIST) {
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            errno = EISDIR;
        else if (access(path, W_OK) == 0)
            return 0; /* the user's file, replaced when the run starts */
    }
    fprintf(stderr, "offsim: --pcap %s: cannot create the packet trace: %s\n", path,
            strerror(errno));
    return -1;
}

/* Open the database and the packet trace, run, report; the exit code. */
static int run_into(const cli_args *a, scenario *sc, runner_opts *o, pcap_trace_conns *conns)
{
    const char *db_name = cli_value(a, RUN_DB), *pcap_path = cli_value(a, RUN_PCAP);
    results *db;
    runner_result res;
    sim_diag d;
    int rc, created = 0;

    diag_init(&d);
    if (pcap_path != NULL && strcmp(pcap_path, "-") == 0)
        pcap_path = "./-"; /* a file named '-' (pcap.c does the same) */
    if (pcap_path != NULL && probe_trace(pcap_path, &created) != 0)
        return EXIT_RUN_FAILED;
    if (db_name == NULL && (db_name = cli_default_db()) == NULL)
        rc = SIM_EIO;
    else if ((rc = results_open(db_name, &db, &d)) != SIM_OK)
        diag_print(&d, stderr);
    /* The trace file is created before simulating, like the database. */
    if (rc == SIM_OK && pcap_path != NULL &&
        pcap_trace_open(pcap_path, conns, &o->pcap, &d) != SIM_OK) {
        diag_print(&d, stderr);
        results_close(db);
        rc = SIM_EIO;
    }
    if (rc != SIM_OK) {
        if (created)
            unlink(pcap_path);
        return cli_exit(rc); /* 2 for a database offsim does not use */
    }
    runner_catch_interrupts(1);
    rc = runner_run(sc, db, o, &res, &d);
    runner_catch_interrupts(0);
    if (rc != SIM_ENOMEM && res.run_id != 0)
        summary(sc, a, db_name, &res);
    diag_print(&d, stderr);
    if (rc == SIM_EINTR)
        fprintf(stderr, "offsim: interrupted (%s); the run is marked 'interrupted'\n",
                runner_interrupt_name() ? runner_interrupt_name() : "SIGINT");
    else if (rc != SIM_OK)
        fprintf(stderr, "offsim: the run failed: %s\n", results_errmsg(db));
    diag_init(&d);
    if (pcap_trace_close(o->pcap, &d) != SIM_OK) {
        diag_print(&d, stderr);
        rc = rc == SIM_OK ? SIM_EIO : rc;
    }
    results_close(db);
    return rc == SIM_OK ? 0 : EXIT_RUN_FAILED;
}

static int run_run(const cli_args *a)
{
    runner_opts o = {.engine = (runner_engine)cli_choice(a, RUN_ENGINE, RUNNER_NATIVE),
                     .command_line = cli_command_line()};
    pcap_trace_conns conns = {0};
    scenario *sc;
    int rc = check_options(a, o.engine, &conns);

    if (rc != 0)
        return rc;
    if (cli_given(a, RUN_CHECK))
        inv_enable(1);
    if ((rc = load(a, o.engine, &sc)) != SIM_OK) {
        pcap_trace_conns_fini(&conns);
        return cli_exit(rc);
    }
    if (!cli_given(a, RUN_QUIET) && isatty(STDERR_FILENO))
        o.progress = draw;
    rc = run_into(a, sc, &o, &conns);
    pcap_trace_conns_fini(&conns);
    scenario_free(sc);
    return rc;
}

const cli_command cli_run = {
    .name = "run",
    .args = "SCENARIO",
    .summary = "simulate a scenario file into a SQLite database",
    .synopsis = "run SCENARIO [--db PATH] [--set SECTION.KEY=VALUE]... [--seed N]\n"
                "                  [--log summary|conn|events|trace] [--engine native|ns3]\n"
                "                  [--pcap FILE [--pcap-conns LIST]] [--check] [--quiet]",
    .about = "Simulate SCENARIO and record the run in a SQLite database (default\n"
             "results/offsim.db; many runs can share one).  The run row is written\n"
             "'running' first and becomes 'complete' (or 'interrupted' on Ctrl-C,\n"
             "SIGTERM or SIGHUP, exit 1; or 'failed'), with the command line, the host\n"
             "and the build.  A summary goes to stdout (offsim summary prints it\n"
             "again): every connection by how it ended, close-latency percentiles\n"
             "(Kaplan-Meier: '> T' where censoring leaves one unreached), per peer\n"
             "class, FIN_WAIT_2 expiries, handoffs, NIC occupancy and rates over the\n"
             "measurement window (sim.window), overloaded paths, simulated time, events\n"
             "and speed.\n",
    .opts = run_opts,
    .nopts = sizeof run_opts / sizeof *run_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "scenario",
    .missing = "which scenario?",
    .run = run_run,
};
