/*
 * cli.h - offsim's subcommands.  Each returns the process exit code:
 * 0 success, 1 a run failed, 2 bad usage or a bad scenario (DESIGN.md).
 */
#ifndef SIM_CLI_CLI_H
#define SIM_CLI_CLI_H

#include <stddef.h>

#include "io/diag.h"
#include "io/scenario.h"

#define EXIT_RUN_FAILED 1
#define EXIT_USAGE 2

int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(void);

/* The help text of a command ("run", "check", ...), or NULL. */
const char *cli_usage(const char *command);

/* Print "offsim: MSG" and the command's usage line to stderr; returns 2. */
int cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * Load SCENARIO, apply the --set assignments in order, then --seed and
 * --log if given (NULL otherwise), and resolve.  On failure the messages
 * are printed and NULL returned.
 */
scenario *cli_load_scenario(const char *path, char **sets, size_t nsets, const char *seed,
                            const char *log);

/*
 * The default database, results/offsim.db, with results/ created if
 * missing; NULL (after a message) if it cannot be.
 */
const char *cli_default_db(void);

/* A duration for people: "12.3 ms", "4.56 s", "2.5 min" -- buf of 32. */
char *cli_fmt_time(double ns, char *buf);

/* Seconds on the monotonic clock (wall time for progress and speed). */
double cli_wall_now(void);

#endif /* SIM_CLI_CLI_H */
