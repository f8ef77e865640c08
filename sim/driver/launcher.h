/*
 * launcher.h - was this process started by an MPI launcher?
 *
 * mpirun/mpiexec (Open MPI, MPICH's Hydra) and Slurm's srun put a process's
 * rank and the job's size in its environment before it starts; offsim reads
 * them to decide whether to call MPI_Init at all (driver/mpi.h), so a
 * command not started by a launcher never initialises MPI.
 *
 *     Open MPI          OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE
 *     PMI (Hydra, srun) PMI_RANK, PMI_SIZE
 *     PMIx (srun, prrte) PMIX_RANK, and the size in PMI_SIZE or
 *                       OMPI_COMM_WORLD_SIZE when given (else unknown: 0)
 */
#ifndef SIM_DRIVER_LAUNCHER_H
#define SIM_DRIVER_LAUNCHER_H

/* 1 when started by a launcher (*rank and *size from the environment; size
 * 0 when it does not say), else 0 (*rank 0, *size 1). */
int launcher_ranks(int *rank, int *size);

#endif /* SIM_DRIVER_LAUNCHER_H */
