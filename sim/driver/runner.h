/*
 * runner.h - one simulation run, from a resolved scenario to a complete run
 * in the results store: the engine it runs on, the rows drained to the
 * store as the model produces them, the run's scalars and status.
 *
 * The driver layer sits between the command line (which parses, prints and
 * draws) and everything below it: the model, ns-3 through libns3-c, and the
 * store.  It prints nothing itself; what a command shows comes back in a
 * runner_result, and progress through a callback.
 */
#ifndef SIM_DRIVER_RUNNER_H
#define SIM_DRIVER_RUNNER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/sim.h"
#include "io/diag.h"
#include "io/pcap.h"
#include "io/results.h"
#include "io/scenario.h"

/* The engines a run can use, and their names (NULL-terminated). */
typedef enum runner_engine {
    RUNNER_NATIVE, /* offsim's engine and TCP */
    RUNNER_NS3,    /* ns-3's scheduler, nodes, links and TCP (libns3-c) */
    RUNNER_ENGINE_N
} runner_engine;

extern const char *const runner_engine_name[RUNNER_ENGINE_N + 1];

/* The version of the engine's simulator when this offsim has it ("3.37"
 * for ns-3, offsim's own for native), or NULL when it was built without. */
const char *runner_engine_version(runner_engine e);

/* Can the engine run this scenario?  Every key it cannot honour is a
 * message (file, key, reason); SIM_ESCENARIO then. */
int runner_check(const scenario *sc, runner_engine e, sim_diag *d);

/* Set to the signal's number by the handler of SIGINT (Ctrl-C), SIGTERM and
 * SIGHUP (what batch schedulers send before SIGKILL, and a terminal that
 * closes): the run in progress stops and is 'interrupted'.  0: none. */
extern volatile sig_atomic_t runner_interrupted;

/*
 * Install (1; runner_interrupted is cleared) or remove (0) the handler of
 * the interruptions that sets runner_interrupted.  A process forked in
 * between (a sweep's worker, an MPI rank's child) has it too.  SIGTERM or
 * SIGHUP that offsim was started ignoring (nohup) stays ignored.
 */
void runner_catch_interrupts(int on);

/* "SIGINT", "SIGTERM" or "SIGHUP": what interrupted; NULL when nothing has. */
const char *runner_interrupt_name(void);

/* Seconds on the monotonic clock (wall time for progress and speed). */
double runner_wall_now(void);

/* Where a run is, for a progress display. */
typedef struct runner_progress {
    sim_time now, duration;   /* simulated */
    uint64_t opened, closed;  /* connections */
    uint64_t events;
    double wall_s;            /* since the run started */
} runner_progress;

/* Called at most every RUNNER_PROGRESS_S of wall time while the run goes,
 * and once more at its end with final = 1. */
typedef void runner_progress_fn(void *arg, const runner_progress *p, int final);
#define RUNNER_PROGRESS_S 0.1

typedef struct runner_opts {
    runner_engine engine;
    runner_progress_fn *progress; /* or NULL; never called with sim.log = trace */
    void *progress_arg;
    const char *const *varied; /* keys a sweep varied (run_param.varied = 1) */
    size_t nvaried;
    pcap_trace *pcap;          /* write the chosen connections' segments here, or NULL */
    const char *command_line;  /* the command as typed (run.command_line), or NULL */
    int claim;                 /* a sweep's run: claim its identity (results_run_claim) and
                                  run it only if it is neither complete nor held */
    int64_t run_id;            /* nonzero: the run row exists already, claimed by the process
                                  that writes it (db is then a stream to it, results.h):
                                  no claim, no new row */
} runner_opts;

/*
 * How a run went.  Its figures are the run's scalars (results.h), stored
 * with it and also given here: scalar[id], NAN where none was written (a
 * percentile not reached, or no connection to summarise).
 */
typedef struct runner_result {
    int64_t run_id;
    results_status status;     /* complete, interrupted or failed (RUNNING: held) */
    results_claim claim;       /* with opts.claim: CLAIMED (and run), DONE or HELD */
    sim_time end;              /* simulated time when the run ended */
    uint64_t events;
    double wall_s;
    double scalar[RESULTS_SCALAR_N];
    uint64_t pcap_packets;     /* written to opts.pcap */
} runner_result;

/*
 * The run row of the resolved scenario on engine e: identity (room for 65),
 * the machine's name (room for 256), provenance; for a process that claims
 * runs which others compute.  The strings point into sc and the buffers.
 */
void runner_run_info(const scenario *sc, runner_engine e, const char *command_line,
                     results_run_info *info, char *identity, char *host);

/*
 * Claim a sweep's run (results_run_claim); one it finds complete already
 * (run alone, by another sweep, or merged in) takes the sweep's varied keys
 * (run_param.varied), so that it counts as a run of the sweep's points.
 * SIM_OK, or SIM_EDB after a message.
 */
int runner_claim(results *db, const results_run_info *info, const char *const *varied,
                 size_t nvaried, results_claim *c, sim_diag *d);

/*
 * Simulate the resolved scenario and record it: run row (with its
 * provenance: opts' command line, this machine's name, results_build()),
 * parameters, rows as the model produces them, scalars, status.  Returns SIM_OK when the
 * run is complete; SIM_EINTR when interrupted, SIM_ENOMEM or SIM_EDB when
 * it failed (res->status says which; diagnostics in d).  A write that
 * fails stops the simulation: the run cannot end complete.  With
 * opts.claim, a run complete already returns SIM_OK at once (claim DONE,
 * status complete), and one a live process writes returns SIM_OK with
 * claim HELD and status RUNNING.
 */
int runner_run(const scenario *sc, results *db, const runner_opts *o, runner_result *res,
               sim_diag *d);

#endif /* SIM_DRIVER_RUNNER_H */
