/*
 * runner.h - one simulation run into an open results database: the part of
 * `offsim run` that `offsim sweep`'s workers share.
 */
#ifndef SIM_CLI_RUNNER_H
#define SIM_CLI_RUNNER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "io/diag.h"
#include "io/pcap.h"
#include "io/results.h"
#include "io/scenario.h"

/* Set by a SIGINT handler: the run in progress stops and is 'interrupted'. */
extern volatile sig_atomic_t runner_interrupted;

/* Install (1; runner_interrupted is cleared) or remove (0) the SIGINT handler
 * that sets runner_interrupted. */
void runner_catch_sigint(int on);

typedef struct runner_opts {
    const char *engine;        /* "native" or "ns3" */
    const char *identity;      /* the run identity if known (scenario_identity), or NULL */
    int progress;              /* draw a progress bar on stderr */
    FILE *summary;             /* print the run's summary here, or NULL */
    const char *db_name;       /* the database's name, for the summary */
    const char *const *varied; /* keys a sweep varied (run_param.varied = 1) */
    size_t nvaried;
    pcap_trace *pcap;          /* write the chosen connections' segments here, or NULL */
    const char *pcap_name;     /* its file name and connection list, for the summary */
    const char *pcap_conns;
} runner_opts;

typedef struct runner_result {
    int64_t run_id;
    results_status status;     /* complete, interrupted or failed */
    uint64_t events;
    double wall_s;
} runner_result;

/*
 * Simulate the resolved scenario and record it: run row, parameters, rows
 * as the model produces them, scalars, status.  Returns SIM_OK when the
 * run is complete; otherwise res->status says why (diagnostics in d).
 */
int runner_run(const scenario *sc, results *db, const runner_opts *o, runner_result *res,
               sim_diag *d);

#endif /* SIM_CLI_RUNNER_H */
