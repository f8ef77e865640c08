/*
 * export.c - `offsim export DB [--format csv|json] [--what runs|points|conn]
 * [--out FILE]`: tidy tables of a results database for pandas, R or a
 * spreadsheet (io/export.h says what each table holds).
 *
 * The output file is written next to its final name and renamed into
 * place only when the whole table is written, so a failed export leaves no
 * half file behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine/err.h"
#include "io/export.h"

enum { EXPORT_OPT_FORMAT, EXPORT_OPT_WHAT, EXPORT_OPT_OUT };

static const cli_opt export_opts[] = {
    [EXPORT_OPT_FORMAT] = {"format", 0, "FORMAT", 0, export_format_name,
                           "csv (RFC 4180: a header line, CRLF line ends, fields quoted where "
                           "needed; the default) or json (an array of objects)"},
    [EXPORT_OPT_WHAT] = {"what", 0, "TABLE", 0, export_what_name,
                         "runs (one row per complete run: a column per varied key and every "
                         "scalar, percentiles with their _not_reached marks; the default), "
                         "points (one row per sweep point: n seeds, the percentiles with the "
                         "seeds pooled, and each scalar's mean, 95% confidence interval and n) "
                         "or conn (one row per connection, with close_s, censored and "
                         "in_summary)"},
    [EXPORT_OPT_OUT] = {"out", 'o', "FILE", 0, NULL,
                        "write to FILE instead of stdout (replaced only once the whole table "
                        "is written)"},
};

static int run_export(const cli_args *a)
{
    const char *path = a->operands[0], *out = cli_value(a, EXPORT_OPT_OUT);
    export_format fmt = (export_format)cli_choice(a, EXPORT_OPT_FORMAT, EXPORT_CSV);
    export_what what = (export_what)cli_choice(a, EXPORT_OPT_WHAT, EXPORT_RUNS);
    struct sqlite3 *db;
    char *tmp = NULL;
    FILE *f = stdout;
    sim_diag d;
    int rc;

    if (out != NULL && (rc = cli_check_out_dir("export", "--out", out)) != 0)
        return rc;
    diag_init(&d);
    if ((rc = report_open(path, &db, &d)) != SIM_OK) {
        diag_print(&d, stderr);
        return cli_exit(rc);
    }
    if (out != NULL) {
        size_t n = strlen(out) + 16;

        if ((tmp = malloc(n)) == NULL) {
            report_close(db);
            fprintf(stderr, "offsim: out of memory\n");
            return EXIT_RUN_FAILED;
        }
        snprintf(tmp, n, "%s.tmp%ld", out, (long)getpid());
        cli_tmp_guard(tmp);
        if ((f = fopen(tmp, "w")) == NULL) {
            fprintf(stderr, "offsim: cannot write %s: %s\n", out, strerror(errno));
            cli_tmp_done();
            report_close(db);
            free(tmp);
            return EXIT_RUN_FAILED;
        }
    }
    rc = export_write(db, what, fmt, f, &d);
    report_close(db);
    if (f != stdout) {
        if (fclose(f) != 0 && rc == SIM_OK) {
            diag_add(&d, "cannot write %s: %s", out, strerror(errno));
            rc = SIM_EIO;
        }
        if (rc == SIM_OK && rename(tmp, out) != 0) {
            diag_add(&d, "cannot write %s: %s", out, strerror(errno));
            rc = SIM_EIO;
        }
        if (rc != SIM_OK)
            unlink(tmp);
        cli_tmp_done();
        free(tmp);
    }
    diag_print(&d, stderr);
    return cli_exit(rc);
}

const cli_command cli_export = {
    .name = "export",
    .args = "DB",
    .summary = "tidy CSV or JSON tables: runs, sweep points or connections",
    .synopsis = "export DB [--format csv|json] [--what runs|points|conn] [--out FILE]",
    .about = "Write a tidy table of the complete runs in DB, for pandas, R or a\n"
             "spreadsheet: --what runs (default), one row per run, a column per key any\n"
             "run varied (its number in SI base units, or its text) and one per scalar\n"
             "(the run's, then each peer class's 'peer.NAME.x'); --what points, one row\n"
             "per sweep point of each scenario, with the Kaplan-Meier percentiles of its\n"
             "seeds pooled (NULL and close_pNN_not_reached = 1 where not reached, above\n"
             "close_longest_s) and for every scalar X: X_mean, X_ci_low, X_ci_high (95%,\n"
             "Student's t) and X_n; --what conn, one row per connection.  NULL is an\n"
             "empty CSV field, a JSON null.  The database is only read.\n",
    .opts = export_opts,
    .nopts = sizeof export_opts / sizeof *export_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "database",
    .missing = "which database?",
    .run = run_export,
};
