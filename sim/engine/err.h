/*
 * err.h - error codes and the invariant check shared by every layer.
 *
 * Fallible functions return int: 0 (SIM_OK) on success, a negative SIM_E*
 * code otherwise.  One X-macro list generates the enum and the strings, so
 * a new code is added in exactly one place.
 *
 * A broken invariant is not an error code: SIM_ASSERT prints file:line, the
 * expression and the values, then aborts.  A timer that fires in a state
 * where it cannot be armed is such a bug.
 */
#ifndef SIM_ERR_H
#define SIM_ERR_H

#include <stdio.h>
#include <stdlib.h>

#define SIM_ERRNO_MAP(XX)                                              \
    XX(EINVAL, "invalid argument")                                     \
    XX(ENOMEM, "out of memory")                                        \
    XX(EIO, "input/output error")                                      \
    XX(ESCENARIO, "bad scenario")                                      \
    XX(EUSAGE, "bad command-line usage")                               \
    XX(EDB, "results database error")                                  \
    XX(EUNSUPPORTED, "not supported by this build")                    \
    XX(EINTR, "interrupted")

enum {
    SIM_OK = 0,
#define XX(name, msg) SIM__BASE_##name,
    SIM__BASE_FIRST = 0,
    SIM_ERRNO_MAP(XX)
#undef XX
    SIM__BASE_LAST
};

enum {
#define XX(name, msg) SIM_##name = -SIM__BASE_##name,
    SIM_ERRNO_MAP(XX)
#undef XX
    SIM__ELAST
};

/* The message for a SIM_* code; "unknown error" for anything else. */
const char *sim_strerror(int err);

/* The name ("SIM_EINVAL") for a SIM_* code. */
const char *sim_err_name(int err);

void sim__assert_fail(const char *file, int line, const char *expr,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((noreturn, format(printf, 4, 5)))
#endif
    ;

/*
 * SIM_ASSERT(cond, fmt, ...): check an invariant in every build type.  The
 * message should carry the values that explain the failure, e.g.
 *   SIM_ASSERT(at >= now, "schedule in the past: at=%lld now=%lld", ...);
 */
#define SIM_ASSERT(cond, ...)                                          \
    do {                                                               \
        if (!(cond))                                                   \
            sim__assert_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);  \
    } while (0)

#endif /* SIM_ERR_H */
