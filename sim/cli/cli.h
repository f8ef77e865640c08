/*
 * cli.h - offsim's subcommands, and what they share.
 *
 * Each subcommand is a cli_command (opt.h) defined in its own file: its
 * options table, help and the function that runs it, which returns the
 * process exit code: 0 success, 1 a run failed, 2 bad usage or a bad
 * scenario (DESIGN.md).  commands.c lists them; adding a subcommand is a file
 * and a line there.
 */
#ifndef SIM_CLI_CLI_H
#define SIM_CLI_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "cli/opt.h"
#include "io/diag.h"
#include "io/report.h"
#include "io/scenario.h"

#define EXIT_RUN_FAILED 1
#define EXIT_USAGE 2

extern const cli_command cli_run, cli_sweep, cli_plot, cli_summary, cli_export, cli_merge,
    cli_check, cli_help;

/* Every subcommand, in the order of `offsim help`; NULL-terminated. */
extern const cli_command *const cli_commands[];

/* The subcommand of that name, or NULL. */
const cli_command *cli_find(const char *name);

/* `offsim --version` */
int cli_version(void);

/* offsim's own help: what it does and the list of subcommands. */
void cli_overview(FILE *f);

/*
 * Load SCENARIO, apply the --set assignments in order, then --seed and
 * --log if given (NULL otherwise), and resolve.  Returns SIM_OK, or after
 * printing the messages SIM_ESCENARIO (or SIM_ENOMEM), *out NULL.
 */
int cli_load_scenario(const char *path, const char *const *sets, size_t nsets,
                      const char *seed, const char *log, scenario **out);

/* The exit code of a SIM_* result: 0; 1 when the machine failed us (out of
 * memory, input/output, the database); 2 for a mistake in the input. */
int cli_exit(int rc);

/*
 * The default database, results/offsim.db, with results/ created if
 * missing; NULL (after a message) if it cannot be.
 */
const char *cli_default_db(void);

/*
 * Where a file is to be written (`what`, "--out x/y.png"), its directory must
 * exist: 0, or after "offsim: CMD: WHAT: directory D does not exist" (or is
 * not a directory) the exit code 2, before anything is written.
 */
int cli_check_out_dir(const char *cmd, const char *what, const char *path);

/*
 * A work file that becomes the output only when whole (export's FILE.tmpPID,
 * merge's OUT.merging-PID): until cli_tmp_done, a SIGINT, SIGTERM or SIGHUP
 * removes it and the files SQLite keeps beside it before offsim dies of the
 * signal, so that an interrupted command leaves no half-written file
 * behind.  A signal offsim ignores (nohup) stays ignored.  One at a time.
 */
void cli_tmp_guard(const char *path);
void cli_tmp_done(void);

/* A duration for people: "12.3 ms", "4.56 s", "2.5 min" -- buf of 32. */
char *cli_fmt_time(double ns, char *buf);

/* The command line as typed (argv joined, quoted for a POSIX shell where
 * needed), set by main; recorded with every run. */
const char *cli_command_line(void);
void cli_set_command_line(int argc, char **argv);

/* A percentile: "169 ms", or "> 29.96 min" when not reached, "n/a" when
 * there is nothing to estimate -- buf of 40. */
char *cli_fmt_quantile(report_quantile q, char *buf);

/* A run's summary (from "connections" on), where it was made, and a sweep's
 * tables (report.c). */
void cli_print_run(FILE *f, const report_run *r);
void cli_print_provenance(FILE *f, const report_run *r);
void cli_print_points(FILE *f, const report_points *p);

/* Print the run's summary from the database at path; SIM_OK or an error
 * after its message. */
int cli_summarise_run(const char *path, int64_t run_id, FILE *f);
/* Print the tables of the points of these runs; likewise. */
int cli_summarise_points(const char *path, const report_select *sel, FILE *f);

/* A progress bar on stderr: "[#####     ] " with `filled` of CLI_BAR_WIDTH
 * marks, then the text; final: erase the line afterwards. */
#define CLI_BAR_WIDTH 30
void cli_bar(int filled, int final, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* SIM_CLI_CLI_H */
