/*
 * common.c - what the subcommands share: loading a scenario with its
 * overrides, the default database, human-readable times, progress bars.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "engine/err.h"
#include "engine/sim.h"

#define MINUTE (60 * SIM_S)

/* The worse of two results: out of memory over a bad input over success. */
static int worse(int a, int b)
{
    if (a == SIM_ENOMEM || b == SIM_ENOMEM)
        return SIM_ENOMEM;
    return a != SIM_OK ? a : b;
}

int cli_load_scenario(const char *path, const char *const *sets, size_t nsets,
                      const char *seed, const char *log, scenario **out)
{
    sim_diag d;
    scenario *sc;
    int rc;

    *out = NULL;
    diag_init(&d);
    if ((rc = scenario_load(path, &sc, &d)) != SIM_OK) {
        diag_print(&d, stderr);
        return rc;
    }
    for (size_t i = 0; i < nsets; i++)
        rc = worse(rc, scenario_set(sc, sets[i], &d));
    if (seed != NULL)
        rc = worse(rc, scenario_set_key(sc, "sim.seed", seed, &d));
    if (log != NULL)
        rc = worse(rc, scenario_set_key(sc, "sim.log", log, &d));
    if (rc == SIM_OK)
        rc = scenario_resolve(sc, &d);
    if (rc != SIM_OK) {
        diag_print(&d, stderr);
        scenario_free(sc);
        return rc;
    }
    *out = sc;
    return SIM_OK;
}

int cli_exit(int rc)
{
    switch (rc) {
    case SIM_OK:
        return 0;
    case SIM_ENOMEM:
    case SIM_EIO:
    case SIM_EDB:
    case SIM_EINTR:
        return EXIT_RUN_FAILED;
    default:
        return EXIT_USAGE;
    }
}

const char *cli_default_db(void)
{
    if (mkdir("results", 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "offsim: cannot create results/: %s\n", strerror(errno));
        return NULL;
    }
    return "results/offsim.db";
}

char *cli_fmt_time(double ns, char *buf)
{
    double a = fabs(ns);

    if (a < (double)SIM_US)
        snprintf(buf, 32, "%.0f ns", ns);
    else if (a < (double)SIM_MS)
        snprintf(buf, 32, "%.3g us", ns / (double)SIM_US);
    else if (a < (double)SIM_S)
        snprintf(buf, 32, "%.3g ms", ns / (double)SIM_MS);
    else if (a < (double)(10 * MINUTE))
        snprintf(buf, 32, "%.4g s", ns / (double)SIM_S);
    else
        snprintf(buf, 32, "%.4g min", ns / (double)MINUTE);
    return buf;
}

void cli_bar(int filled, int final, const char *fmt, ...)
{
    static const char full[CLI_BAR_WIDTH + 1] = "##############################";
    va_list ap;

    if (filled > CLI_BAR_WIDTH)
        filled = CLI_BAR_WIDTH;
    if (filled < 0)
        filled = 0;
    fprintf(stderr, "\r[%.*s%*s] ", filled, full, CLI_BAR_WIDTH - filled, "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (final)
        fputs("\r\033[K", stderr);
}
