/*
 * test_opt.c - the command line's option parser (sim/cli/opt.c) on a
 * command of its own: both spellings of a value, operands anywhere, short
 * clusters, ranges over three arguments, "--", repeated and last-wins
 * options, choices, required options, and every way to get it wrong (exit
 * 2).  It parses many command lines in one process, as a fuzzer would:
 * nothing carries over from one parse to the next.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli/cli.h"

enum { T_DB, T_SET, T_VARY, T_JOBS, T_QUIET, T_KIND, T_MODE };

static const char *const kinds[] = {"cdf", "vs", NULL};
static const char *const modes[] = {"a", "b", "c", NULL};

static const cli_opt t_opts[] = {
    [T_DB] = {"db", 0, "PATH", 0, NULL, "a database"},
    [T_SET] = {"set", 0, "K=V", CLI_REPEAT, NULL, "an override"},
    [T_VARY] = {"vary", 0, "K=SPEC", CLI_REPEAT | CLI_RANGE, NULL, "an axis"},
    [T_JOBS] = {"jobs", 'j', "J", 0, NULL, "workers"},
    [T_QUIET] = {"quiet", 'q', NULL, 0, NULL, "no bar"},
    [T_KIND] = {"kind", 0, "KIND", CLI_REQUIRED, kinds, "what to draw"},
    [T_MODE] = {"mode", 0, "MODE", 0, modes, "how"},
};

static int never_run(const cli_args *a)
{
    (void)a;
    return 0;
}

static const cli_command t_cmd = {
    .name = "test",
    .args = "FILE",
    .summary = "a command for the tests",
    .synopsis = "test FILE --kind KIND [options]",
    .about = "A command for the tests.\n",
    .opts = t_opts,
    .nopts = sizeof t_opts / sizeof *t_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "file",
    .missing = "which file?",
    .run = never_run,
};

/* Parse a command line given as a NULL-terminated list of words. */
static int parse(cli_args *a, const char *first, ...)
{
    static char *argv[64];
    va_list ap;
    int argc = 0;

    argv[argc++] = (char *)"test";
    va_start(ap, first);
    for (const char *w = first; w != NULL; w = va_arg(ap, const char *))
        argv[argc++] = (char *)w;
    va_end(ap);
    argv[argc] = NULL;
    return cli_parse(&t_cmd, argc, argv, a);
}

static void both_spellings_and_operands_anywhere(void)
{
    cli_args a;

    CHECK_EQ_I64(parse(&a, "--db=x.db", "f.ini", "--kind", "vs", "--jobs=3", NULL), 0);
    CHECK_EQ_STR(cli_value(&a, T_DB), "x.db");
    CHECK_EQ_STR(cli_value(&a, T_JOBS), "3");
    CHECK_EQ_I64(cli_choice(&a, T_KIND, -1), 1);
    CHECK_EQ_I64(cli_choice(&a, T_MODE, -1), -1); /* not given */
    CHECK_EQ_I64(a.noperands, 1);
    CHECK_EQ_STR(a.operands[0], "f.ini");
    CHECK(!cli_given(&a, T_QUIET));
    cli_args_free(&a);
}

static void repeated_options_keep_every_value_others_the_last(void)
{
    cli_args a;
    const char *const *v;
    size_t n;

    CHECK_EQ_I64(parse(&a, "f", "--kind=cdf", "--set", "a.b=1", "--db", "one", "--set=c.d=2",
                       "--db", "two", NULL),
                 0);
    v = cli_all(&a, T_SET, &n);
    CHECK_EQ_I64(n, 2);
    CHECK_EQ_STR(v[0], "a.b=1");
    CHECK_EQ_STR(v[1], "c.d=2");
    CHECK_EQ_STR(cli_value(&a, T_DB), "two");
    cli_args_free(&a);
}

static void short_clusters_and_dash_dash(void)
{
    cli_args a;

    CHECK_EQ_I64(parse(&a, "-qj4", "--kind", "cdf", "--", "-f", NULL), 0);
    CHECK(cli_given(&a, T_QUIET));
    CHECK_EQ_STR(cli_value(&a, T_JOBS), "4");
    CHECK_EQ_STR(a.operands[0], "-f");
    cli_args_free(&a);
    CHECK_EQ_I64(parse(&a, "-q", "-j", "5", "-", "--kind", "cdf", NULL), 0);
    CHECK_EQ_STR(cli_value(&a, T_JOBS), "5");
    CHECK_EQ_STR(a.operands[0], "-"); /* "-" alone is an operand (stdin, by convention) */
    cli_args_free(&a);
}

static void a_range_goes_on_over_step(void)
{
    cli_args a;
    const char *const *v;
    size_t n;

    CHECK_EQ_I64(parse(&a, "f", "--kind=cdf", "--vary", "k=30s..240s", "step", "30s",
                       "--vary=j=1,2", "--vary", "m=1..3", NULL),
                 0);
    v = cli_all(&a, T_VARY, &n);
    CHECK_EQ_I64(n, 3);
    CHECK_EQ_STR(v[0], "k=30s..240s step 30s");
    CHECK_EQ_STR(v[1], "j=1,2");
    CHECK_EQ_STR(v[2], "m=1..3");
    cli_args_free(&a);
}

static void values_are_never_cut(void)
{
    cli_args a;
    char *big = malloc(100001);

    memset(big, '7', 100000);
    big[100000] = '\0';
    CHECK_EQ_I64(parse(&a, "f", "--kind", "cdf", "--db", big, NULL), 0);
    CHECK(cli_value(&a, T_DB) == big);
    CHECK_EQ_I64(strlen(cli_value(&a, T_DB)), 100000);
    cli_args_free(&a);
    free(big);
}

static void mistakes_are_exit_2(void)
{
    cli_args a;

    CHECK_EQ_I64(parse(&a, "f", "--kind", "cdf", "--frob", NULL), EXIT_USAGE);
    CHECK_EQ_I64(parse(&a, "f", "--kind", "cdf", "--qui", NULL), EXIT_USAGE);   /* abbreviated */
    CHECK_EQ_I64(parse(&a, "f", "--kind", "cdf", "--quiet=1", NULL), EXIT_USAGE); /* flag value */
    CHECK_EQ_I64(parse(&a, "f", "--kind", "cdf", "--db", NULL), EXIT_USAGE);    /* no value */
    CHECK_EQ_I64(parse(&a, "f", "--kind", "cdf", "-qz", NULL), EXIT_USAGE);     /* unknown -z */
    CHECK_EQ_I64(parse(&a, "f", "--kind", "pie", NULL), EXIT_USAGE);            /* not a choice */
    CHECK_EQ_I64(parse(&a, "f", "--mode=d", "--kind=cdf", NULL), EXIT_USAGE);
    CHECK_EQ_I64(parse(&a, "f", NULL), EXIT_USAGE);                             /* required */
    CHECK_EQ_I64(parse(&a, "--kind", "cdf", NULL), EXIT_USAGE);                 /* no operand */
    CHECK_EQ_I64(parse(&a, "f", "g", "--kind", "cdf", NULL), EXIT_USAGE);       /* two */
    /* After all that, a good line parses as if it were the first. */
    CHECK_EQ_I64(parse(&a, "-qj7", "f", "--kind", "vs", NULL), 0);
    CHECK_EQ_STR(cli_value(&a, T_JOBS), "7");
    cli_args_free(&a);
}

static void help_ends_the_parse(void)
{
    cli_args a;

    CHECK_EQ_I64(parse(&a, "--help", "--frob", NULL), CLI_HELP);
    CHECK_EQ_I64(parse(&a, "f", "-h", NULL), CLI_HELP);
    CHECK_EQ_I64(parse(&a, "--he", NULL), EXIT_USAGE); /* written out, like every option */
}

static const check_test tests[] = {
    CHECK_TEST(both_spellings_and_operands_anywhere),
    CHECK_TEST(repeated_options_keep_every_value_others_the_last),
    CHECK_TEST(short_clusters_and_dash_dash),
    CHECK_TEST(a_range_goes_on_over_step),
    CHECK_TEST(values_are_never_cut),
    CHECK_TEST(mistakes_are_exit_2),
    CHECK_TEST(help_ends_the_parse),
};
CHECK_MAIN(tests)
