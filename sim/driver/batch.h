/*
 * batch.h - the runs of a sweep: checked before anything runs, claimed one
 * by one in the database, and run in parallel worker processes.
 *
 *     batch_plan(base, sweep)   size limits, and every point resolved and
 *                               checked (nothing is written before)
 *     batch_run(b, db_name)     every run, J at a time
 *     batch_status / _run_id    how each run ended
 *     batch_counts              what the database held already
 *
 * Runs are numbered as sweep_run() orders them: point by point, seeds
 * innermost, and made when they are due (run k's scenario is the base with
 * its point's values and seed): planning holds the axes, not the runs.
 * What is kept per run is how it ended (its id and status, 9 bytes).
 *
 * Each run is known by its identity (scenario text, resolved parameters,
 * engine), and the process that runs it first claims it in the database
 * (results_run_claim): a run complete there is not run again, one that a
 * live process writes (another sweep of the same runs) is waited for, and
 * one left unfinished by a process that died, 'interrupted' or 'failed' is
 * deleted and done again.  So rerunning a sweep resumes it, and two
 * identical sweeps at once share the work.
 */
#ifndef SIM_DRIVER_BATCH_H
#define SIM_DRIVER_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "driver/runner.h"
#include "io/diag.h"
#include "io/results.h"
#include "io/scenario.h"
#include "io/sweep.h"

typedef struct batch batch;

/*
 * The sweep on `base` (resolved, with its --set overrides): its size within
 * SWEEP_MAX_RUNS, and every point's scenario valid.  A point that is not a
 * valid scenario is SIM_ESCENARIO, with a message naming it.  base and sw
 * must outlive the batch.
 */
int batch_plan(const scenario *base, const sweep *sw, runner_engine engine, batch **out,
               sim_diag *d);
void batch_free(batch *b);

/* Runs in the batch. */
size_t batch_size(const batch *b);

/* The command that runs the batch, recorded with each run (run.command_line);
 * the text must outlive the batch. */
void batch_set_command_line(batch *b, const char *command_line);

/* A run of the batch has ended (done of total). */
typedef void batch_progress_fn(void *arg, size_t done, size_t total);

/*
 * Do every run: in this process when jobs <= 1, else in `jobs` forked
 * workers, each with its own connection to the database at db_name
 * (results do not depend on jobs: a run's rows depend only on its scenario
 * and seed).  Workers die with this process (and a worker that dies is
 * reported, its run left unfinished, and replaced).  A run another live
 * process holds is asked for again every BATCH_RETRY_S until it is
 * complete or its writer is gone.  After runner_interrupted is set (Ctrl-C,
 * which the workers receive too), the runs in progress end 'interrupted'
 * and no new one starts.  Returns SIM_OK, or SIM_EIO when a worker could
 * not start or died (the runs' own failures are their status).
 */
#define BATCH_RETRY_S 1.0
int batch_run(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn, void *arg,
              sim_diag *d);

/* How run k ended: complete, interrupted or failed; RESULTS_RUNNING when it
 * was never run (or did not end). */
results_status batch_status(const batch *b, size_t k);
/* Its id in the database, 0 when it has none. */
int64_t batch_run_id(const batch *b, size_t k);

typedef struct batch_count {
    size_t ran;     /* runs this sweep ran to their end */
    size_t kept;    /* complete in the database already */
    size_t waited;  /* completed meanwhile by another process */
    size_t redone;  /* unfinished runs of dead writers deleted and run again */
} batch_count;

void batch_counts(const batch *b, batch_count *c);

/* Run k's identity (scenario_identity of its scenario), made again: SIM_OK,
 * or an error after a message. */
int batch_identity(const batch *b, size_t k, char identity[65], sim_diag *d);

#endif /* SIM_DRIVER_BATCH_H */
