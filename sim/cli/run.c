/*
 * run.c - `offsim run SCENARIO [...]`: arguments, then one run (runner.c).
 *
 * The scenario and every override are parsed and resolved before any file
 * is touched (exit 2 on any mistake); the database is opened and checked
 * before simulating (exit 1 if it cannot be used).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine/err.h"
#include "io/results.h"
#include "runner.h"

int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *db = NULL, *seed = NULL, *log = NULL, *engine = "native";
    char **sets = calloc((size_t)argc, sizeof *sets);
    size_t nsets = 0;
    int quiet = 0, rc;
    scenario *sc = NULL;
    results *store;
    runner_opts o = {0};
    runner_result res;
    sim_diag d;

    if (sets == NULL)
        return EXIT_RUN_FAILED;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;

        if (strcmp(a, "--db") == 0)
            slot = &db;
        else if (strcmp(a, "--seed") == 0)
            slot = &seed;
        else if (strcmp(a, "--log") == 0)
            slot = &log;
        else if (strcmp(a, "--engine") == 0)
            slot = &engine;
        else if (strcmp(a, "--set") == 0) {
            if (i + 1 >= argc) {
                free(sets);
                return cli_usage_error("run", "--set needs SECTION.KEY=VALUE");
            }
            sets[nsets++] = argv[++i];
            continue;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
            continue;
        } else if (a[0] == '-' && a[1] != '\0') {
            free(sets);
            return cli_usage_error("run", "unknown option '%s'", a);
        } else if (path == NULL) {
            path = a;
            continue;
        } else {
            free(sets);
            return cli_usage_error("run", "one scenario at a time ('%s' and '%s')", path, a);
        }
        if (i + 1 >= argc) {
            free(sets);
            return cli_usage_error("run", "%s needs a value", a);
        }
        *slot = argv[++i];
    }
    if (path == NULL) {
        free(sets);
        return cli_usage_error("run", "which scenario?");
    }
    if (strcmp(engine, "native") != 0) {
        free(sets);
        if (strcmp(engine, "ns3") == 0)
            return cli_usage_error("run", "--engine ns3: this build has no ns-3 backend");
        return cli_usage_error("run", "--engine: expected native, got '%s'", engine);
    }
    sc = cli_load_scenario(path, sets, nsets, seed, log);
    free(sets);
    if (sc == NULL)
        return EXIT_USAGE;

    diag_init(&d);
    if (db == NULL && (db = cli_default_db()) == NULL) {
        scenario_free(sc);
        return EXIT_RUN_FAILED;
    }
    if (results_open(db, &store, &d) != SIM_OK) {
        diag_print(&d, stderr);
        scenario_free(sc);
        return EXIT_RUN_FAILED;
    }
    o.engine = "native";
    o.progress = !quiet && isatty(STDERR_FILENO);
    o.summary = stdout;
    o.db_name = db;
    runner_interrupted = 0;
    runner_catch_sigint(1);
    rc = runner_run(sc, store, &o, &res, &d);
    runner_catch_sigint(0);
    diag_print(&d, stderr);
    if (rc == SIM_EINTR)
        fprintf(stderr, "offsim: interrupted; the run is marked 'interrupted'\n");
    else if (rc != SIM_OK)
        fprintf(stderr, "offsim: the run failed: %s\n", results_errmsg(store));
    results_close(store);
    scenario_free(sc);
    return rc == SIM_OK ? 0 : EXIT_RUN_FAILED;
}
