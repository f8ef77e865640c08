/*
 * batch.h - the runs of a sweep: checked before anything runs, claimed one
 * by one in the database, and run in parallel worker processes.
 *
 *     batch_plan(base, sweep)   size limits, and every point resolved and
 *                               checked for the engine (nothing is written
 *                               before), with its expected cost
 *     batch_shard(b, K, N)      keep shard K of N (--shard)
 *     batch_run(b, db_name)     every run, J at a time
 *     batch_status / _run_id    how each run ended
 *     batch_counts              what the database held already
 *
 * Runs are numbered as sweep_run() orders them: point by point, seeds
 * innermost, and made when they are due (run k's scenario is the base with
 * its point's values and seed): planning holds the axes, not the runs.
 * They are handed out longest expected first (batch_cost), point by point,
 * each point's seeds in turn.  What is kept per run is how it ended (its id
 * and status, 9 bytes); per point, its expected cost and its place in the
 * order (12 bytes); a shard keeps the numbers of its own runs (4 bytes
 * each).
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
#include <sys/types.h>

#include "driver/runner.h"
#include "io/diag.h"
#include "io/results.h"
#include "io/scenario.h"
#include "io/sweep.h"

typedef struct batch batch;

/*
 * The sweep on `base` (resolved, with its --set overrides): its size within
 * SWEEP_MAX_RUNS, and every point's scenario valid and one the engine can
 * run.  A point that is not a valid scenario is SIM_ESCENARIO, one the
 * engine cannot run SIM_EUNSUPPORTED (or the engine's code), with a message
 * naming it.  base and sw must outlive the batch.
 */
int batch_plan(const scenario *base, const sweep *sw, runner_engine engine, batch **out,
               sim_diag *d);
void batch_free(batch *b);

/* Runs in the sweep (run numbers k are below it). */
size_t batch_size(const batch *b);

/* Runs this process is to do (all, or a shard's), and the i-th of them in
 * the order they are handed out. */
size_t batch_todo(const batch *b);
size_t batch_todo_run(const batch *b, size_t i);

/* Run k for people: "nic.fin_wait_2_timeout=30s, seed 2". */
void batch_describe(const batch *b, size_t k, char *buf, size_t len);

/*
 * The expected cost of run k, of a scenario: the segments its connections
 * are expected to send (those that open within sim.duration, each with its
 * handshake, close, request and response in MSS-sized segments and their
 * ACKs, and what trickling or probing peers send).  Only the order of runs
 * and the balance of shards depend on it.
 */
uint64_t batch_cost(const batch *b, size_t k);
uint64_t batch_cost_of(const model_config *cfg);

/*
 * Keep shard `shard` of `nshards` (1 <= shard <= nshards): the runs sorted
 * by expected cost, longest first (ties by identity, then run number), each
 * given to the shard with the least expected cost so far (the
 * lowest-numbered among equals).  So the assignment is a function of the
 * runs' identities and costs alone, the same on every machine with the
 * same sweep and offsim, and every run is in exactly one shard.  It makes
 * every run's scenario once (to know its identity).
 */
int batch_shard(batch *b, unsigned shard, unsigned nshards, sim_diag *d);

/* A fingerprint of the plan: the sweep's size, the runs to do here, the
 * shard, and the identities of the first and the last run to do (MPI ranks
 * compare theirs before any run is handed out). */
uint64_t batch_plan_hash(const batch *b);

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
 * SIGTERM, SIGHUP; the parent passes it on to the workers as SIGINT), the
 * runs in progress end 'interrupted' and no new one starts.  Returns SIM_OK, or SIM_EIO when a worker could
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
    /* Unfinished runs whose writers are gone, deleted and run again, by how
     * the database held them: [RESULTS_RUNNING] left 'running' by a process
     * that died, [RESULTS_INTERRUPTED], [RESULTS_FAILED]. */
    size_t redone[RESULTS_STATUS_N];
} batch_count;

void batch_counts(const batch *b, batch_count *c);

/* Run k's identity (scenario_identity of its scenario), made again: SIM_OK,
 * or an error after a message. */
int batch_identity(const batch *b, size_t k, char identity[65], sim_diag *d);

/*
 * Runs computed by processes that do not write them (driver/mpi.c: MPI
 * ranks, and children of the writing rank).  The writer claims each run
 * before it hands it out and writes the rows the computing process streams
 * back (results.h, "Streams"); it is the runs' writer.
 *
 *     batch_serve_begin(b, fn, arg)   progress goes to fn
 *     batch_next(b, db, ...)          the next run to hand out, claimed
 *     batch_spawn_run(b, k, ...)      compute it in a child that streams
 *                                     its rows into a pipe, as frames
 *     batch_frames_read / _next       read the frames
 *     batch_ended(b, k, id, status)   it ended so
 */
void batch_serve_begin(batch *b, batch_progress_fn *fn, void *arg);

enum { BATCH_GIVE = 1, BATCH_WAIT = 2, BATCH_NONE = 3 };

/*
 * The next run to hand out: the next in the order, else a run another
 * process held that is due to be asked for again.  It is claimed in db
 * (runs found complete are counted as such and skipped, held ones kept to
 * ask for again).  BATCH_GIVE: run *k, claimed as *run_id, identity (room
 * for 65) the run's; BATCH_WAIT: nothing now, but held runs remain (call
 * again in a while); BATCH_NONE: nothing left (or interrupted).  A negative
 * SIM_* code after a message: the database failed.
 */
int batch_next(batch *b, results *db, size_t *k, int64_t *run_id, char *identity, sim_diag *d);

/* Run k (claimed as run_id) ended with this status. */
void batch_ended(batch *b, size_t k, int64_t run_id, results_status status);

/*
 * Compute run k, claimed as run_id, in a forked child that dies with this
 * process: its rows go as a stream (results_open_stream) into a pipe whose
 * read end is *fd, each buffer a frame (a 4-byte little-endian length, then
 * the bytes).  The child checks that its run k has this identity (a node
 * with another scenario file computes nothing) and exits 0 when the run
 * is complete, BATCH_CHILD_OTHER_RUN for another identity, else
 * BATCH_CHILD_FAILED.
 */
#define BATCH_CHILD_FAILED 1
#define BATCH_CHILD_OTHER_RUN 3
int batch_spawn_run(const batch *b, size_t k, int64_t run_id, const char *identity, pid_t *pid,
                    int *fd, sim_diag *d);

/* Frames read from a pipe. */
typedef struct batch_frames {
    unsigned char *v;
    size_t n, cap, used;
} batch_frames;

/* Read what is there (one read()): 1, 0 at end of file, -1 on an error. */
int batch_frames_read(batch_frames *f, int fd);
/* The next whole frame (valid until the next call): 1, 0 when none is
 * whole yet, -1 when out of memory. */
int batch_frames_next(batch_frames *f, const void **buf, size_t *len);
void batch_frames_free(batch_frames *f);

#endif /* SIM_DRIVER_BATCH_H */
