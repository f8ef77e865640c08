/*
 * crashpoint.h - places where the crash tests kill offsim (tests/crash_test.sh).
 *
 * With OFFSIM_TEST_CRASH=POINT:N in the environment, the N-th time a
 * process passes crash point POINT it sends itself SIGKILL, exactly as if
 * it had been killed from outside at that moment (no handler, no cleanup,
 * nothing flushed).  The points:
 *
 *     write    a row of a run has just been handed to SQLite (inside a write
 *              transaction: a run, a worker, or a sweep with --jobs 1)
 *     handout  a sweep's parent has just given a run to a worker
 *     merge    offsim merge has just copied a row
 *     stream   a row of a run has just been put in a stream (a process
 *              computing a run that another writes: mpirun, results.h)
 *     relay    an MPI rank has just sent rank 0 a buffer of rows
 *     export   offsim export has just written a row of its table
 *
 * With OFFSIM_TEST_CRASH_ONCE=FILE as well, only the first process to reach
 * its N-th pass dies (it creates FILE; the others then go on), so one
 * worker of a sweep dies and the others live.
 *
 * OFFSIM_TEST_CRASH_SIGNAL=INT sends SIGINT instead of SIGKILL (a Ctrl-C at
 * that very moment), =TERM SIGTERM and =HUP SIGHUP (a batch scheduler's
 * scancel or time limit, a terminal that closes), and OFFSIM_TEST_CRASH_TARGET=parent sends the signal
 * to the process's parent instead (a sweep's parent signalled from outside
 * while its worker is in the middle of a run); the process itself then goes
 * on.  The tests thus reach a moment inside a run by counting rows, never
 * by watching the clock.  Without OFFSIM_TEST_CRASH a crash point costs one
 * predictable branch.
 */
#ifndef SIM_IO_CRASHPOINT_H
#define SIM_IO_CRASHPOINT_H

typedef enum crash_point {
    CRASH_WRITE,
    CRASH_HANDOUT,
    CRASH_MERGE,
    CRASH_STREAM,
    CRASH_RELAY,
    CRASH_EXPORT,
    CRASH_POINT_N
} crash_point;

extern int crash_armed; /* OFFSIM_TEST_CRASH names a point: test crash_point_pass */

void crash_point_pass_slow(crash_point p);

static inline void crash_point_pass(crash_point p)
{
    if (crash_armed)
        crash_point_pass_slow(p);
}

/* Read OFFSIM_TEST_CRASH (offsim's main calls it once, before any work). */
void crash_point_init(void);

#endif /* SIM_IO_CRASHPOINT_H */
