/*
 * err.c - strings for the SIM_* codes, and the failure path of SIM_ASSERT.
 */
#include "err.h"

#include <stdarg.h>

const char *sim_strerror(int err)
{
    switch (err) {
    case SIM_OK:
        return "success";
#define XX(name, msg) \
    case SIM_##name:  \
        return msg;
        SIM_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown error";
    }
}

const char *sim_err_name(int err)
{
    switch (err) {
    case SIM_OK:
        return "SIM_OK";
#define XX(name, msg) \
    case SIM_##name:  \
        return "SIM_" #name;
        SIM_ERRNO_MAP(XX)
#undef XX
    default:
        return "SIM_E?";
    }
}

void sim__assert_fail(const char *file, int line, const char *expr,
                      const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "%s:%d: internal error: assertion '%s' failed: ", file,
            line, expr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
