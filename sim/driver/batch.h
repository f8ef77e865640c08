/*
 * batch.h - the runs of a sweep: planned and checked before anything runs,
 * resumed from what a database already holds, and run in parallel worker
 * processes.
 *
 *     batch_plan(base, sweep)   every run's scenario, resolved, and identity
 *     batch_resume(b, db)       complete runs kept, unfinished ones redone
 *     batch_run(b, db_name)     the runs still due, J at a time
 *     batch_status / _run_id    how each run ended
 *
 * Runs are numbered as sweep_run() orders them: point by point, seeds
 * innermost.  Each run is known by its identity (scenario text, resolved
 * parameters, engine), so a run complete in the database is never run
 * twice, and one left 'running' by a killed process, 'interrupted' or
 * 'failed' is deleted and done again.
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
 * Every run of the sweep on `base` (resolved, with its --set overrides):
 * its point's values and seed applied, resolved and checked.  A point that
 * is not a valid scenario is SIM_ESCENARIO, with a message naming it.
 */
int batch_plan(const scenario *base, const sweep *sw, runner_engine engine, batch **out,
               sim_diag *d);
void batch_free(batch *b);

/* Runs in the batch, and runs still due. */
size_t batch_size(const batch *b);
size_t batch_due(const batch *b);

/*
 * Take what db holds: runs complete there are done (*kept counts them);
 * unfinished ones are deleted (*redone counts those) and stay due.
 */
int batch_resume(batch *b, results *db, size_t *kept, size_t *redone, sim_diag *d);

/* The command that runs the batch, recorded with each run (run.command_line);
 * the text must outlive the batch. */
void batch_set_command_line(batch *b, const char *command_line);

/* A run of the batch has ended (done of total due). */
typedef void batch_progress_fn(void *arg, size_t done, size_t total);

/*
 * Run the runs still due: in this process when jobs <= 1, else in `jobs`
 * forked workers, each with its own connection to the database at db_name
 * (results do not depend on jobs: a run's rows depend only on its scenario
 * and seed).  After runner_interrupted is set (Ctrl-C, which the workers
 * receive too), the runs in progress end 'interrupted' and no new one
 * starts.  Returns SIM_OK, or SIM_EIO when a worker could not start or
 * stopped unexpectedly (the runs' own failures are their status).
 */
int batch_run(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn, void *arg,
              sim_diag *d);

/* How run k ended: complete, interrupted or failed; RESULTS_RUNNING when it
 * was never run (or did not end). */
results_status batch_status(const batch *b, size_t k);
/* Its id in the database, 0 when it has none. */
int64_t batch_run_id(const batch *b, size_t k);

#endif /* SIM_DRIVER_BATCH_H */
