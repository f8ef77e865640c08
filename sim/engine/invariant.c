/*
 * invariant.c - the checker's switch and its failure report (invariant.h).
 */
#include "invariant.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Test builds define OFFSIM_CHECK_DEFAULT=1 (CMakeLists.txt). */
#ifndef OFFSIM_CHECK_DEFAULT
#define OFFSIM_CHECK_DEFAULT 0
#endif

int inv__on = OFFSIM_CHECK_DEFAULT;

void inv_enable(int on)
{
    inv__on = on != 0;
}

void inv_fail(sim_time now, uint32_t conn, const char *what, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "offsim: invariant violated (%s): ", what);
    if (conn == INV_NO_CONN)
        fprintf(stderr, "no single connection");
    else
        fprintf(stderr, "connection %u", conn);
    fprintf(stderr, " at %lld.%09lld s (%lld ns): ", (long long)(now / SIM_S),
            (long long)(now % SIM_S), (long long)now);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}
