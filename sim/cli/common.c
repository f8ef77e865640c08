/*
 * common.c - what the subcommands share: loading a scenario with its
 * overrides, usage errors, human-readable times, wall time, medians.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "engine/err.h"

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    const char *u = cli_usage(command);
    const char *nl;

    fputs("offsim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    /* The usage line(s): the help text up to its first blank line. */
    if (u != NULL && (nl = strstr(u, "\n\n")) != NULL)
        fprintf(stderr, "%.*s\n", (int)(nl - u), u);
    fprintf(stderr, "Try 'offsim help%s%s'.\n", command ? " " : "", command ? command : "");
    return EXIT_USAGE;
}

scenario *cli_load_scenario(const char *path, char **sets, size_t nsets, const char *seed,
                            const char *log)
{
    sim_diag d;
    scenario *sc;
    char buf[128];
    int bad = 0;

    diag_init(&d);
    if (scenario_load(path, &sc, &d) != SIM_OK) {
        diag_print(&d, stderr);
        return NULL;
    }
    for (size_t i = 0; i < nsets; i++)
        bad |= scenario_set(sc, sets[i], &d) != SIM_OK;
    if (seed != NULL) {
        snprintf(buf, sizeof buf, "sim.seed=%s", seed);
        bad |= scenario_set(sc, buf, &d) != SIM_OK;
    }
    if (log != NULL) {
        snprintf(buf, sizeof buf, "sim.log=%s", log);
        bad |= scenario_set(sc, buf, &d) != SIM_OK;
    }
    if (!bad)
        bad = scenario_resolve(sc, &d) != SIM_OK;
    if (bad) {
        diag_print(&d, stderr);
        scenario_free(sc);
        return NULL;
    }
    return sc;
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

    if (a < 1e3)
        snprintf(buf, 32, "%.0f ns", ns);
    else if (a < 1e6)
        snprintf(buf, 32, "%.3g us", ns / 1e3);
    else if (a < 1e9)
        snprintf(buf, 32, "%.3g ms", ns / 1e6);
    else if (a < 600e9)
        snprintf(buf, 32, "%.4g s", ns / 1e9);
    else
        snprintf(buf, 32, "%.4g min", ns / 60e9);
    return buf;
}

double cli_wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

double cli_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, by_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
