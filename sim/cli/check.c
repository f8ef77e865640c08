/*
 * check.c - `offsim check SCENARIO [--set K=V]...`: validate and show the
 * resolved parameters with where each came from.
 */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "driver/batch.h"
#include "engine/err.h"
#include "io/sweep.h"

/* Print where a resolved key's value came from. */
static void print_origin(const scenario *sc, const char *key)
{
    char err[UNITS_ERR_MAX];
    int peer, line;
    const param *p = scenario_key(sc, key, &peer, err);

    line = p ? scenario_given(sc, p, peer) : 0;
    if (p == NULL)
        fputs("?", stdout);
    else if (line > 0)
        printf("%s:%d", sc->path, line);
    else if (line == SCENARIO_FROM_SET)
        fputs("--set", stdout);
    else if (p->flags & PF_PRESET)
        fputs("fw2_policy preset", stdout);
    else if (p->flags & PF_PATH)
        fputs("[link]", stdout);
    else
        fputs("default", stdout);
}

static void show(void *arg, const char *key, const char *value, const double *num)
{
    char n[32] = "";

    if (num != NULL)
        snprintf(n, sizeof n, "%.9g", *num);
    printf("%-34s %-22s %-14s ", key, value, n);
    print_origin(arg, key);
    putchar('\n');
}

enum { CHECK_SET, CHECK_DB };

static const cli_opt check_opts[] = {
    [CHECK_SET] = {"set", 0, "SECTION.KEY=VALUE", CLI_REPEAT, NULL,
                   "override a scenario key (peer classes: peer.NAME.KEY=VALUE); repeatable, "
                   "applied in order after the file"},
    [CHECK_DB] = {"db", 0, "PATH", 0, NULL,
                  "with a [sweep] section: the database whose complete runs the plan counts "
                  "(default results/offsim.db, as sweep's); only read, never created"},
};

/* How many of the batch's runs the database at path holds complete: into
 * *done; a message and the exit code when it cannot be read (2 for a file
 * offsim does not read: another program's, another schema, not a database). */
static int count_done(const char *path, const batch *b, size_t *done)
{
    struct sqlite3 *db;
    sim_diag d;
    int rc;

    *done = 0;
    diag_init(&d);
    if ((rc = report_open(path, &db, &d)) != SIM_OK) {
        diag_print(&d, stderr);
        return cli_exit(rc);
    }
    for (size_t k = 0; k < batch_size(b) && rc == SIM_OK; k++) {
        char identity[65];
        int n;

        if ((rc = batch_identity(b, k, identity, &d)) != SIM_OK)
            break;
        if ((n = report_complete_count(db, identity)) < 0)
            rc = n;
        else
            *done += n > 0;
    }
    report_close(db);
    if (rc != SIM_OK) {
        diag_print(&d, stderr);
        fprintf(stderr, "offsim: %s: cannot read its runs\n", path);
        return cli_exit(rc);
    }
    return 0;
}

/*
 * A [sweep] section: every point planned and checked as `offsim sweep`
 * would (a value that makes a point invalid is exit 2), then the plan: its
 * axes, seeds, and how many runs the database has complete already.
 */
static int plan(const cli_args *a, const scenario *sc)
{
    const char *path = cli_value(a, CHECK_DB) ? cli_value(a, CHECK_DB) : "results/offsim.db";
    uint64_t jobs = 0;
    batch *b = NULL;
    size_t done = 0;
    sweep sw;
    sim_diag d;
    int rc;

    if (sc->nsweep == 0)
        return 0;
    sweep_init(&sw);
    diag_init(&d);
    rc = sweep_from_scenario(&sw, sc, &jobs, &d);
    if (!sw.seeds_given)
        sw.seed_first = sw.seed_last = sc->cfg.sim.seed;
    if (rc == SIM_OK)
        rc = batch_plan(sc, &sw, RUNNER_NATIVE, &b, &d);
    if (rc != SIM_OK) {
        diag_print(&d, stderr);
        sweep_free(&sw);
        return cli_exit(rc);
    }
    printf("\nsweep plan ([sweep] section): %zu point%s x %zu seed%s = %zu runs", sweep_points(&sw),
           sweep_points(&sw) == 1 ? "" : "s", sweep_seed_count(&sw),
           sweep_seed_count(&sw) == 1 ? "" : "s", batch_size(b));
    if (jobs > 0)
        printf(", %llu job%s", (unsigned long long)jobs, jobs == 1 ? "" : "s");
    putchar('\n');
    for (size_t i = 0; i < sw.naxes; i++) {
        printf("  %-32s", sw.axes[i].key);
        for (size_t v = 0; v < sw.axes[i].n; v++)
            printf("%s%s", v ? ", " : " ", sw.axes[i].values[v]);
        putchar('\n');
    }
    printf("  %-32s %llu..%llu\n", "seeds", (unsigned long long)sw.seed_first,
           (unsigned long long)sw.seed_last);
    if (access(path, F_OK) != 0) {
        printf("  %-32s %s (none yet): %zu runs to run\n", "database", path, batch_size(b));
    } else if ((rc = count_done(path, b, &done)) == 0) {
        printf("  %-32s %s: %zu of the %zu runs complete already, %zu to run\n", "database",
               path, done, batch_size(b), batch_size(b) - done);
    }
    batch_free(b);
    sweep_free(&sw);
    return rc;
}

static int run_check(const cli_args *a)
{
    size_t nsets;
    const char *const *sets = cli_all(a, CHECK_SET, &nsets);
    const char *path = a->operands[0];
    scenario *sc;
    int rc = cli_load_scenario(path, sets, nsets, NULL, NULL, &sc);

    if (rc != SIM_OK)
        return cli_exit(rc);
    printf("%s: ok, %zu peer class%s, sha256 %.16s\n", path, sc->cfg.npeers,
           sc->cfg.npeers == 1 ? "" : "es", sc->sha256);
    printf("%-34s %-22s %-14s %s\n", "key", "value", "SI number", "from");
    scenario_each_param(sc, show, sc);
    rc = plan(a, sc);
    scenario_free(sc);
    return rc;
}

const cli_command cli_check = {
    .name = "check",
    .args = "SCENARIO",
    .summary = "validate a scenario and print its resolved parameters",
    .synopsis = "check SCENARIO [--set SECTION.KEY=VALUE]... [--db PATH]",
    .about = "Parse and validate SCENARIO with its overrides and print every resolved key:\n"
             "its value, its number in SI units, and where it came from (the file's line,\n"
             "--set, the fw2_policy preset, [link] for a peer path, or the default).  A\n"
             "[sweep] section is checked too, every point as `offsim sweep` plans it, and\n"
             "the run plan printed: points x seeds, the varied values, and how many runs\n"
             "the database (--db) has complete already.  Every mistake is reported with\n"
             "file:line; nothing is written anywhere.\n",
    .opts = check_opts,
    .nopts = sizeof check_opts / sizeof *check_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "scenario",
    .missing = "which scenario?",
    .run = run_check,
};
