/*
 * check.c - `offsim check SCENARIO [--set K=V]...`: validate and show the
 * resolved parameters with where each came from.
 */
#include <stdio.h>

#include "cli.h"
#include "engine/err.h"

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

enum { CHECK_SET };

static const cli_opt check_opts[] = {
    [CHECK_SET] = {"set", 0, "SECTION.KEY=VALUE", CLI_REPEAT, NULL,
                   "override a scenario key (peer classes: peer.NAME.KEY=VALUE); repeatable, "
                   "applied in order after the file"},
};

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
    scenario_free(sc);
    return 0;
}

const cli_command cli_check = {
    .name = "check",
    .args = "SCENARIO",
    .summary = "validate a scenario and print its resolved parameters",
    .synopsis = "check SCENARIO [--set SECTION.KEY=VALUE]...",
    .about = "Parse and validate SCENARIO with its overrides and print every resolved key:\n"
             "its value, its number in SI units, and where it came from (the file's line,\n"
             "--set, the fw2_policy preset, [link] for a peer path, or the default).  Every\n"
             "mistake is reported with file:line; nothing is written anywhere.\n",
    .opts = check_opts,
    .nopts = sizeof check_opts / sizeof *check_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "scenario",
    .missing = "which scenario?",
    .run = run_check,
};
