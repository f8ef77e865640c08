/*
 * invariant.h - the invariant checker: the model's own accounting checked
 * while it runs (issue 9).
 *
 * It is on in test builds (CMAKE_BUILD_TYPE=Debug or OFFSIM_SANITIZE: the
 * whole ctest suite runs with it) and off in a release build unless
 * `offsim run --check` or `offsim sweep --check` turns it on.  What it
 * checks, and where:
 *
 *   ownership       a connection's endpoint is held by exactly one of the
 *                   host and the NIC, or is in a handoff (host.c)
 *   timer slot      the retransmit/FIN_WAIT_2 slot holds at most one timer
 *                   (R14; tcp.c)
 *   freed           no event fires for a freed connection (world.c, host.c)
 *   NIC occupancy   the NIC never holds more than its capacity, and its
 *                   counters (and the host's) equal a recount of the
 *                   connections (nic.c, record.c)
 *   FIN_WAIT_2 exit a connection leaves FIN_WAIT_2 by a FIN, an RST or a
 *                   timer, or stays until the run ends (host.c, tcp.c)
 *   TimeoutDelta    a delta handed over is the sender's remaining time in
 *                   ticks, rounded up (tick_mode ceil), or the ticks it
 *                   still had to count (count), and arrives unchanged
 *                   (nic.c, host.c; R10, R11, R19, R20, A10)
 *
 * A check site costs one test of a flag when the checker is off:
 *
 *     if (inv_on())
 *         check_something(...);
 *
 * with the check itself out of line.  A violation is a bug of the model,
 * not an error of the input: inv_fail() prints the invariant, the
 * connection, the simulated time and the values, then aborts.
 */
#ifndef SIM_ENGINE_INVARIANT_H
#define SIM_ENGINE_INVARIANT_H

#include <stdint.h>

#include "engine/sim.h"

/* The flag: process-wide (a process runs one simulation at a time; a
 * sweep's workers inherit it across fork). */
extern int inv__on;

#if defined(__GNUC__)
#define INV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define INV_UNLIKELY(x) (x)
#endif

static inline int inv_on(void)
{
    return INV_UNLIKELY(inv__on);
}

/* Turn the checker on or off (test builds start with it on). */
void inv_enable(int on);

/* No connection: the invariant is about the NIC or the host as a whole. */
#define INV_NO_CONN UINT32_MAX

/*
 * Report a violated invariant and abort:
 *
 *   offsim: invariant violated (NAME): connection ID at T s (N ns): VALUES
 *
 * `what` names the invariant (the first column above); the format gives
 * the values that show the violation.
 */
void inv_fail(sim_time now, uint32_t conn, const char *what, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((noreturn, format(printf, 4, 5)))
#endif
    ;

#endif /* SIM_ENGINE_INVARIANT_H */
