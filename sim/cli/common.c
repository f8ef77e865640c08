/*
 * common.c - what the subcommands share: loading a scenario with its
 * overrides, the default database, human-readable times, progress bars.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cli_check_out_dir(const char *cmd, const char *what, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
    char *dir;
    struct stat st;
    int rc = 0;

    if (n == 0)
        return 0; /* the working directory */
    if ((dir = malloc(n + 1)) == NULL) {
        fprintf(stderr, "offsim: %s: out of memory\n", cmd);
        return EXIT_RUN_FAILED;
    }
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (stat(dir, &st) != 0) {
        fprintf(stderr, "offsim: %s: %s: directory %s %s\n", cmd, what, dir,
                errno == ENOENT ? "does not exist" : strerror(errno));
        rc = EXIT_USAGE;
    } else if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "offsim: %s: %s: %s is not a directory\n", cmd, what, dir);
        rc = EXIT_USAGE;
    }
    free(dir);
    return rc;
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

static char *command_line;

/* Does arg need quoting for a POSIX shell? */
static int needs_quotes(const char *arg)
{
    if (*arg == '\0')
        return 1;
    for (const char *p = arg; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("_@%+=:,./-", *p) == NULL)
            return 1;
    return 0;
}

void cli_set_command_line(int argc, char **argv)
{
    size_t len = 1;
    char *out, *o;

    free(command_line);
    command_line = NULL;
    for (int i = 0; i < argc; i++)
        len += 4 * strlen(argv[i]) + 3; /* each ' becomes '\'' */
    if ((out = o = malloc(len)) == NULL)
        return; /* then not recorded */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];

        if (i > 0)
            *o++ = ' ';
        if (!needs_quotes(a)) {
            o += sprintf(o, "%s", a);
            continue;
        }
        *o++ = '\'';
        for (const char *p = a; *p; p++) {
            if (*p == '\'') {
                memcpy(o, "'\\''", 4);
                o += 4;
            } else {
                *o++ = *p;
            }
        }
        *o++ = '\'';
    }
    *o = '\0';
    command_line = out;
}

const char *cli_command_line(void)
{
    return command_line;
}

/* ---- work files removed on a fatal signal (cli_tmp_guard) */

static const int tmp_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NTMP_SIGNALS (sizeof tmp_signals / sizeof *tmp_signals)
static char *tmp_files[4]; /* the file, then -journal, -wal, -shm */
static struct sigaction tmp_old[NTMP_SIGNALS];
static int tmp_set[NTMP_SIGNALS];

static void tmp_on_signal(int sig)
{
    /* unlink and raise are async-signal-safe; the names were built before. */
    for (size_t i = 0; i < sizeof tmp_files / sizeof *tmp_files; i++)
        if (tmp_files[i] != NULL)
            unlink(tmp_files[i]);
    raise(sig); /* SA_RESETHAND: the default action, as if never caught */
}

void cli_tmp_guard(const char *path)
{
    static const char *const side[] = {"", "-journal", "-wal", "-shm"};
    struct sigaction sa;

    for (size_t i = 0; i < sizeof side / sizeof *side; i++) {
        size_t n = strlen(path) + strlen(side[i]) + 1;

        if ((tmp_files[i] = malloc(n)) != NULL)
            snprintf(tmp_files[i], n, "%s%s", path, side[i]);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tmp_on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < NTMP_SIGNALS; k++)
        sigaddset(&sa.sa_mask, tmp_signals[k]);
    for (size_t k = 0; k < NTMP_SIGNALS; k++) {
        tmp_set[k] = sigaction(tmp_signals[k], NULL, &tmp_old[k]) == 0 &&
                     tmp_old[k].sa_handler != SIG_IGN &&
                     sigaction(tmp_signals[k], &sa, NULL) == 0;
    }
}

void cli_tmp_done(void)
{
    for (size_t k = 0; k < NTMP_SIGNALS; k++)
        if (tmp_set[k])
            sigaction(tmp_signals[k], &tmp_old[k], NULL);
    for (size_t i = 0; i < sizeof tmp_files / sizeof *tmp_files; i++) {
        free(tmp_files[i]);
        tmp_files[i] = NULL;
    }
}
