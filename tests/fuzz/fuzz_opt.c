/*
 * fuzz_opt.c - libFuzzer harness: offsim's command line, parsed by the
 * real command tables (sim/cli/commands.c) through cli_parse (opt.c),
 * many parses in one process as test_opt does.
 *
 * Input: arguments one per line; the first names the command (`run`,
 * `sweep`, ...), an input naming none is dropped.  Besides the sanitizers,
 * it checks the parser's promises (opt.h): it returns 0, CLI_HELP, 1 or 2;
 * after a parse the operands are within the command's counts, every
 * operand and value points into the arguments (or is a range the parser
 * joined from them), flags carry no value, required options are there,
 * cli_value is the last of cli_all, and a choice is one of the option's.
 *
 * The values that run, sweep and check read before doing anything are
 * then read as those commands read them, on a small scenario of the
 * harness's own (never a file the input names): --set, --seed and --log
 * through cli_load_scenario, and sweep's --vary and --seeds through
 * sweep_vary and sweep_seeds.  A --seed that loads is recorded as the
 * value it reads as, whatever its length (issue 9: long values were cut).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli/cli.h"
#include "cli/opt.h"
#include "engine/err.h"
#include "io/params.h"
#include "io/scenario.h"
#include "io/sweep.h"
#include "io/units.h"

#define MAX_ARGS 64

static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_opt: %s: '%s'\n", what, detail ? detail : "(null)");
    abort();
}

/* Is s one of the arguments (by address), or a value the parser joined? */
static int from_args(const char *s, char **argv, int argc, const cli_args *a)
{
    for (int i = 0; i < argc; i++)
        if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
            return 1;
    for (size_t i = 0; i < a->nowned; i++)
        if (s == a->owned[i])
            return 1;
    return 0;
}

static void check_parse(const cli_command *cmd, char **argv, int argc, const cli_args *a)
{
    if (a->cmd != cmd)
        broken("the parse names another command", cmd->name);
    if (a->noperands < cmd->min_operands ||
        (cmd->max_operands > 0 && a->noperands > cmd->max_operands))
        broken("operands out of the command's range", cmd->name);
    for (size_t i = 0; i < a->noperands; i++)
        if (!from_args(a->operands[i], argv, argc, a))
            broken("an operand not from the arguments", a->operands[i]);
    for (size_t i = 0; i < cmd->nopts; i++) {
        const cli_opt *o = &cmd->opts[i];
        size_t n;
        const char *const *v = cli_all(a, i, &n);

        if ((o->flags & CLI_REQUIRED) && n == 0)
            broken("a required option is missing", o->name);
        if (n > 0 && cli_value(a, i) != v[n - 1])
            broken("cli_value is not the last value", o->name);
        if (cli_given(a, i) != (n > 0))
            broken("cli_given disagrees with the values", o->name);
        for (size_t k = 0; k < n; k++) {
            if (o->arg == NULL && v[k] != NULL && v[k][0] != '\0')
                broken("a flag with a value", o->name);
            if (o->arg != NULL && !from_args(v[k], argv, argc, a))
                broken("a value not from the arguments", v[k]);
        }
        if (o->choices != NULL && n > 0) {
            int c = cli_choice(a, i, -1);
            size_t nc = 0;

            while (o->choices[nc] != NULL)
                nc++;
            if (c < 0 || (size_t)c >= nc || strcmp(o->choices[c], v[n - 1]) != 0)
                broken("a choice that is not one of the option's", v[n - 1]);
        }
    }
}

/* The scenario the values are read on (LLVMFuzzerInitialize writes it, in
 * a directory of its own under $TMPDIR, else /tmp). */
static char base_dir[4096];
static char base[sizeof base_dir + 16];

static void cleanup(void)
{
    unlink(base);
    rmdir(base_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char text[] = "[workload]\nconnections = 4\n[peer web]\nshare = 2\n";
    const char *tmp = getenv("TMPDIR");
    FILE *f;

    (void)argc;
    (void)argv;
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if (snprintf(base_dir, sizeof base_dir, "%s/offsim-fuzz-opt-XXXXXX", tmp) >=
            (int)sizeof base_dir ||
        mkdtemp(base_dir) == NULL) {
        perror("fuzz_opt: a temporary directory");
        exit(1);
    }
    snprintf(base, sizeof base, "%s/base.ini", base_dir);
    atexit(cleanup);
    if ((f = fopen(base, "w")) == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
        perror("fuzz_opt: the base scenario");
        exit(1);
    }
    return 0;
}

/* The index of cmd's option `name`, or -1. */
static int opt_index(const cli_command *cmd, const char *name)
{
    for (size_t i = 0; i < cmd->nopts; i++)
        if (strcmp(cmd->opts[i].name, name) == 0)
            return (int)i;
    return -1;
}

static const char *value_of(const cli_args *a, int i)
{
    return i < 0 ? NULL : cli_value(a, (size_t)i);
}

/* The resolved text of one key. */
typedef struct lookup {
    const char *key;
    char *value;
} lookup;

static void find(void *arg, const char *key, const char *value, const double *num)
{
    lookup *l = arg;

    (void)num;
    if (l->value == NULL && strcmp(key, l->key) == 0)
        l->value = strdup(value);
}

/* A --seed that loaded is the seed: its value as sim.seed's parser reads it. */
static void seed_kept(const scenario *sc, const char *seed)
{
    const param *p = params_find("sim", "seed");
    char err[UNITS_ERR_MAX], canon[UNITS_FMT_MAX];
    param_value v;
    lookup l = {"sim.seed", NULL};

    memset(&v, 0, sizeof v);
    if (p == NULL || param_parse(p, seed, &v, err) != 0)
        broken("a --seed that loaded does not parse as sim.seed", seed);
    param_format(p, &v, canon);
    scenario_each_param(sc, find, &l);
    if (l.value == NULL || strcmp(l.value, canon) != 0)
        broken("--seed is recorded as another seed", seed);
    free(l.value);
}

/* What run, sweep and check read from their options before they start. */
static void values(const cli_command *cmd, const cli_args *a)
{
    int iset = opt_index(cmd, "set"), iseed = opt_index(cmd, "seed"), ilog = opt_index(cmd, "log");
    int ivary = opt_index(cmd, "vary"), iseeds = opt_index(cmd, "seeds");
    const char *const *sets = NULL, *seed = value_of(a, iseed);
    size_t nsets = 0;
    scenario *sc = NULL;

    if (strcmp(cmd->name, "run") != 0 && strcmp(cmd->name, "sweep") != 0 &&
        strcmp(cmd->name, "check") != 0)
        return;
    if (iset >= 0)
        sets = cli_all(a, (size_t)iset, &nsets);
    if (cli_load_scenario(base, sets, nsets, seed, value_of(a, ilog), &sc) != SIM_OK)
        return;
    if (seed != NULL)
        seed_kept(sc, seed);
    if (ivary >= 0 || iseeds >= 0) {
        const char *const *vary = NULL, *seeds = value_of(a, iseeds);
        size_t nvary = 0;
        sim_diag d;
        sweep sw;

        diag_init(&d);
        sweep_init(&sw);
        if (ivary >= 0)
            vary = cli_all(a, (size_t)ivary, &nvary);
        for (size_t i = 0; i < nvary; i++) {
            const char *eq = strchr(vary[i], '=');
            char *key;

            if (eq == NULL || (key = strndup(vary[i], (size_t)(eq - vary[i]))) == NULL)
                continue;
            sweep_vary(&sw, sc, key, eq + 1, "--vary", &d);
            free(key);
        }
        if (seeds != NULL)
            sweep_seeds(&sw, seeds, "--seeds", &d);
        sweep_check_size(&sw, &d);
        sweep_free(&sw);
    }
    scenario_free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *argv[MAX_ARGS + 1], *copy[MAX_ARGS + 1];
    const cli_command *cmd;
    int argc = 0, rc;
    cli_args a;

    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (char *p = buf, *nl; argc < MAX_ARGS && p != NULL; p = nl) {
        nl = strchr(p, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        argv[argc++] = p;
    }
    argv[argc] = NULL;
    if (argc == 0 || (cmd = cli_find(argv[0])) == NULL) {
        free(buf);
        return 0;
    }
    /* getopt_long permutes argv: check against the arguments as given. */
    memcpy(copy, argv, sizeof argv);
    rc = cli_parse(cmd, argc, argv, &a);
    if (rc == 0) {
        check_parse(cmd, copy, argc, &a);
        values(cmd, &a);
        cli_args_free(&a);
    } else if (rc != CLI_HELP && rc != 1 && rc != 2) {
        broken("cli_parse returned something else than 0, CLI_HELP, 1 or 2", cmd->name);
    }
    free(buf);
    return 0;
}
