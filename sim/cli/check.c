/*
 * check.c - `offsim check SCENARIO [--set K=V]...`: validate and show the
 * resolved parameters with where each came from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Where a resolved key's value came from. */
static void origin(const scenario *sc, const char *key, char *buf, size_t len)
{
    char err[UNITS_ERR_MAX];
    int peer, line;
    const param *p = scenario_key(sc, key, &peer, err);

    if (p == NULL) {
        snprintf(buf, len, "?");
        return;
    }
    line = scenario_given(sc, p, peer);
    if (line > 0)
        snprintf(buf, len, "%s:%d", sc->path, line);
    else if (line == SCENARIO_FROM_SET)
        snprintf(buf, len, "--set");
    else if (p->flags & PF_PRESET)
        snprintf(buf, len, "fw2_policy preset");
    else if (p->flags & PF_PATH)
        snprintf(buf, len, "[link]");
    else
        snprintf(buf, len, "default");
}

static void show(void *arg, const char *key, const char *value, const double *num)
{
    char from[256], n[64] = "";

    origin(arg, key, from, sizeof from);
    if (num != NULL)
        snprintf(n, sizeof n, "%.9g", *num);
    printf("%-34s %-22s %-14s %s\n", key, value, n, from);
}

int cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    char **sets = calloc((size_t)argc, sizeof *sets);
    size_t nsets = 0;
    scenario *sc;

    if (sets == NULL)
        return EXIT_RUN_FAILED;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--set") == 0) {
            if (i + 1 >= argc) {
                free(sets);
                return cli_usage_error("check", "--set needs SECTION.KEY=VALUE");
            }
            sets[nsets++] = argv[++i];
        } else if (strncmp(argv[i], "--set=", 6) == 0) {
            sets[nsets++] = argv[i] + 6;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            free(sets);
            return cli_usage_error("check", "unknown option '%s'", argv[i]);
        } else if (path == NULL) {
            path = argv[i];
        } else {
            free(sets);
            return cli_usage_error("check", "one scenario at a time ('%s' and '%s')", path,
                                   argv[i]);
        }
    }
    if (path == NULL) {
        free(sets);
        return cli_usage_error("check", "which scenario?");
    }
    sc = cli_load_scenario(path, sets, nsets, NULL, NULL);
    free(sets);
    if (sc == NULL)
        return EXIT_USAGE;
    printf("%s: ok, %zu peer class%s, sha256 %.16s\n", path, sc->cfg.npeers,
           sc->cfg.npeers == 1 ? "" : "es", sc->sha256);
    printf("%-34s %-22s %-14s %s\n", "key", "value", "SI number", "from");
    scenario_each_param(sc, show, sc);
    scenario_free(sc);
    return 0;
}
