/*
 * summary.c - `offsim summary DB [--run N | --scenario PATH]`: a stored
 * run's or sweep's summary again, from the database alone (io/report.h),
 * as `offsim run` and `offsim sweep` printed it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "engine/err.h"
#include "io/units.h"

enum { SUMMARY_RUN, SUMMARY_SCENARIO };

static const cli_opt summary_opts[] = {
    [SUMMARY_RUN] = {"run", 0, "N", 0, NULL, "the run with id N (run.id): its summary"},
    [SUMMARY_SCENARIO] = {"scenario", 0, "PATH", 0, NULL,
                          "the complete runs of this scenario, by the path they were run "
                          "with (run.scenario): one run's summary, or the tables of a "
                          "sweep's points"},
};

/* One run: where and how it was made, then its summary. */
static int one_run(const char *path, int64_t id)
{
    struct sqlite3 *db;
    report_run r;
    sim_diag d;
    int rc;

    diag_init(&d);
    if ((rc = report_open(path, &db, &d)) == SIM_OK) {
        if ((rc = report_run_read(db, id, &r, &d)) == SIM_OK) {
            printf("offsim summary: %s, run %lld: %s, seed %llu, engine %s (%s)%s%s\n", path,
                   (long long)id, r.scenario, (unsigned long long)r.seed, r.engine, r.status,
                   r.point[0] ? ", point " : "", r.point);
            cli_print_provenance(stdout, &r);
            cli_print_run(stdout, &r);
            report_run_free(&r);
        }
        report_close(db);
    }
    diag_print(&d, stderr);
    return cli_exit(rc);
}

static int run_summary(const cli_args *a)
{
    const char *path = a->operands[0], *run = cli_value(a, SUMMARY_RUN);
    report_select sel = {NULL, 0, cli_value(a, SUMMARY_SCENARIO)};
    struct sqlite3 *db;
    int64_t *runs;
    char *scenario;
    size_t n;
    sim_diag d;
    int rc;

    if (run != NULL && sel.scenario != NULL)
        return cli_usage_error(&cli_summary, "--run and --scenario: give one or the other");
    if (run != NULL) {
        uint64_t id;
        char err[UNITS_ERR_MAX];

        if (units_parse_count(run, &id, err) != 0 || id == 0 || id > INT64_MAX)
            return cli_usage_error(&cli_summary, "--run: expected a run id (1, 2, ...), got '%s'",
                                   run);
        return one_run(path, (int64_t)id);
    }
    diag_init(&d);
    if ((rc = report_open(path, &db, &d)) != SIM_OK) {
        diag_print(&d, stderr);
        return cli_exit(rc);
    }
    rc = report_select_runs(db, &sel, &runs, &n, &scenario, &d);
    report_close(db);
    diag_print(&d, stderr);
    if (rc != SIM_OK)
        return cli_exit(rc);
    if (n == 1) {
        rc = one_run(path, runs[0]);
    } else {
        report_select all = {runs, n, NULL};

        printf("offsim summary: %s, %s: %zu complete runs\n", path, scenario, n);
        fflush(stdout);
        rc = cli_exit(cli_summarise_points(path, &all, stdout));
    }
    free(runs);
    free(scenario);
    return rc;
}

const cli_command cli_summary = {
    .name = "summary",
    .args = "DB",
    .summary = "print a stored run's or sweep's summary again",
    .synopsis = "summary DB [--run N | --scenario PATH]",
    .about = "Print the summary of runs stored in DB again, from the database alone: with\n"
             "--run N, that run's (as `offsim run` printed it, with the command line,\n"
             "host and build that made it); otherwise the complete runs of one scenario\n"
             "(--scenario PATH, or the scenario run most recently): a single run's\n"
             "summary, or for several the tables `offsim sweep` prints, per point (the\n"
             "values of the varied keys): close-latency percentiles with the seeds\n"
             "pooled (Kaplan-Meier; '> T' where not reached), and the mean and 95%\n"
             "confidence interval over the seeds.  The database is only read.\n",
    .opts = summary_opts,
    .nopts = sizeof summary_opts / sizeof *summary_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "database",
    .missing = "which database?",
    .run = run_summary,
};
