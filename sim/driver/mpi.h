/*
 * mpi.h - a sweep spread over MPI ranks (`mpirun -n R offsim sweep ...`).
 *
 * Rank 0 is the sweep's one writer: it opens the database, claims each run
 * before it hands it out (results_run_claim: it is the run's writer), and
 * writes the rows that the computing processes stream back (results.h,
 * "Streams").  Every rank, rank 0 included, computes `jobs` runs at a time,
 * each in a child process of its own (batch_spawn_run): a run that aborts
 * (an invariant violated, ns-3 failing) fails alone, and ns-3's singleton
 * simulator gets a fresh process per run.  The other ranks pass their
 * children's rows to rank 0 as MPI messages of up to RESULTS_STREAM_CHUNK
 * bytes.
 *
 * Load balancing is dynamic: a slot (a rank's j-th job) that is free gets
 * the next run in the batch's order, longest expected first; nothing is
 * split in advance.  A run becomes complete only in the writer's
 * transaction of its last rows, so a rank that dies (mpirun then ends the
 * whole job) leaves its runs 'running' with a dead writer, redone by the
 * next sweep on the database, never half-written.  A child that dies while
 * its rank lives is reported by its rank, and rank 0 ends its run 'failed'.
 *
 * Only a process started by an MPI launcher (launcher.h) calls mpi_start();
 * nothing else in offsim touches MPI.  Every rank must plan the same sweep
 * (the same command and scenario file): mpi_agree() checks that before any
 * run is handed out, and each child checks its run's identity.
 *
 * The ranks wait on each other by polling (MPI_Iprobe and MPI_Test between
 * short sleeps), never in a blocking MPI call, which in Open MPI spins a
 * core that the runs need.
 */
#ifndef SIM_DRIVER_MPI_H
#define SIM_DRIVER_MPI_H

#include <stddef.h>
#include <stdint.h>

#include "driver/batch.h"
#include "io/diag.h"

/* The MPI library's version line (callable before mpi_start()). */
const char *mpi_library(void);

/* MPI_Init; this process's rank and the number of ranks.  SIM_OK, or
 * SIM_EIO after a message. */
int mpi_start(int *rank, int *size, sim_diag *d);

/* MPI_Finalize (after mpi_start()). */
void mpi_stop(void);

/* Every rank's plan: ok, and the same as rank 0's (plan: a fingerprint of
 * it, batch_plan_hash).  1 when every rank passed ok with rank 0's plan;
 * *root_ok: rank 0 passed ok.  Collective (every rank calls it). */
int mpi_agree(int ok, uint64_t plan, int *root_ok);

/* What the writer did. */
typedef struct mpi_stats {
    uint64_t rows;     /* rows written for runs computed anywhere */
    uint64_t bytes;    /* of streams received */
    double write_s;    /* wall time spent writing them (and committing) */
    double write_cpu_s; /* of it, CPU time of the writer (a bound on its rate
                           that does not depend on what else the machine runs) */
    unsigned ranks, jobs;
} mpi_stats;

/*
 * The sweep over every rank (collective).  Rank 0 writes db_name (checked
 * by the caller) and reports progress to fn; returns SIM_OK, or SIM_EIO
 * when a computing process failed or died (its run is 'failed'), or
 * SIM_EDB when the database failed (the job is then aborted).  The other
 * ranks return SIM_OK once rank 0 says the sweep is over.
 */
int mpi_sweep(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn, void *arg,
              mpi_stats *st, sim_diag *d);

#endif /* SIM_DRIVER_MPI_H */
