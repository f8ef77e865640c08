/*
 * opt.c - options from a command's table through getopt_long (see opt.h).
 *
 * The arguments are read one at a time.  An operand (anything that does
 * not start with '-', or "-" alone, or everything after "--") is taken
 * here, so operands may come before, between or after options.  An option
 * goes to getopt_long on the slice of argv that starts with it, from a
 * fresh start (optind = 0), in "+" mode (stop at an operand) and with ":"
 * (a missing value is told from an unknown option) and its own messages
 * off; it is called again while it is inside a cluster of short options
 * ("-qj4").  Starting afresh on every argument keeps no state from one
 * parse to the next.  Each option's getopt value is LONG_VAL plus its index
 * in the table (--help is the index after the last), so a long option is
 * told from its short letter.
 */
#include "opt.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define LONG_VAL 256

static const cli_opt help_opt = {"help", 'h', NULL, 0, NULL, "this text"};

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("offsim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cmd != NULL)
        fprintf(stderr, "usage: offsim %s\n", cmd->synopsis);
    else
        fputs("usage: offsim COMMAND [ARGS]\n", stderr);
    fprintf(stderr, "Try 'offsim help%s%s'.\n", cmd ? " " : "", cmd ? cmd->name : "");
    return EXIT_USAGE;
}

/* "a, b, c or d", or NULL when out of memory; free() it. */
static char *choices_text(const char *const *c)
{
    size_t len = 1, k = 0;
    char *t;

    for (size_t i = 0; c[i]; i++)
        len += strlen(c[i]) + 4;
    if ((t = malloc(len)) == NULL)
        return NULL;
    t[0] = '\0';
    for (size_t i = 0; c[i]; i++)
        k += (size_t)snprintf(t + k, len - k, "%s%s", i == 0 ? "" : c[i + 1] ? ", " : " or ",
                              c[i]);
    return t;
}

/* "--kind: expected cdf, vs, occupancy or handoffs[, got 'pie']" */
static int bad_choice(const cli_command *cmd, const cli_opt *o, const char *v)
{
    char *list = choices_text(o->choices);
    int rc = cli_usage_error(cmd, "--%s: expected %s%s%s%s", o->name, list ? list : "one of its values",
                             v ? ", got '" : "", v ? v : "", v ? "'" : "");

    free(list);
    return rc;
}

/* The option as the user wrote its name: "--db" or "-d". */
static void opt_text(const cli_opt *o, const char *arg, char *buf, size_t len)
{
    if (o->short_name && strncmp(arg, "--", 2) != 0)
        snprintf(buf, len, "-%c", o->short_name);
    else
        snprintf(buf, len, "--%s", o->name);
}

/* The getopt tables of a command: its options and --help. */
static int build_tables(const cli_command *cmd, struct option **lo, char **so)
{
    size_t n = cmd->nopts, k = 0;

    *lo = calloc(n + 2, sizeof **lo);
    *so = malloc(3 * (n + 1) + 3);
    if (*lo == NULL || *so == NULL)
        return -1;
    (*so)[k++] = '+';
    (*so)[k++] = ':';
    for (size_t i = 0; i <= n; i++) {
        const cli_opt *o = i < n ? &cmd->opts[i] : &help_opt;

        (*lo)[i] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL,
                                   LONG_VAL + (int)i};
        if (o->short_name) {
            (*so)[k++] = o->short_name;
            if (o->arg)
                (*so)[k++] = ':';
        }
    }
    (*so)[k] = '\0';
    return 0;
}

/* The table index of what getopt returned (a long value or a short letter). */
static size_t opt_index(const cli_command *cmd, int c)
{
    if (c >= LONG_VAL)
        return (size_t)(c - LONG_VAL);
    for (size_t i = 0; i < cmd->nopts; i++)
        if (cmd->opts[i].short_name == c)
            return i;
    return cmd->nopts; /* 'h' */
}

static int add_value(cli_values *v, const char *text)
{
    const char **n = realloc(v->v, (v->n + 1) * sizeof *n);

    if (n == NULL)
        return -1;
    v->v = n;
    v->v[v->n++] = text;
    return 0;
}

/* CLI_RANGE: "k=A..B" followed by "step" "S" is one value (argv is the
 * option's slice, optind just past its value). */
static int join_range(cli_args *a, int argc, char **argv, const char **value)
{
    size_t len;
    char *j, **owned;

    if (strstr(*value, "..") == NULL || optind + 1 >= argc || strcmp(argv[optind], "step") != 0)
        return 0;
    len = strlen(*value) + strlen(argv[optind + 1]) + sizeof " step ";
    owned = realloc(a->owned, (a->nowned + 1) * sizeof *owned);
    if (owned == NULL)
        return -1;
    a->owned = owned;
    if ((j = malloc(len)) == NULL)
        return -1;
    snprintf(j, len, "%s step %s", *value, argv[optind + 1]);
    a->owned[a->nowned++] = j;
    *value = j;
    optind += 2;
    return 0;
}

/* One option getopt returned (c) from argv[1], argv the option's slice;
 * 0, CLI_HELP or an exit code. */
static int take_option(const cli_command *cmd, int c, int argc, char **argv, cli_args *a)
{
    size_t i = opt_index(cmd, c);
    const cli_opt *o = i < cmd->nopts ? &cmd->opts[i] : &help_opt;
    const char *value = optarg, *arg = argv[1];
    size_t len = strlen(o->name);

    /* A long name must be written out: no abbreviations. */
    if (c >= LONG_VAL && (strncmp(arg + 2, o->name, len) != 0 ||
                          (arg[2 + len] != '\0' && arg[2 + len] != '=')))
        return cli_usage_error(cmd, "unknown option '%s'", arg);
    if (o == &help_opt) {
        cli_print_help(cmd, stdout);
        return CLI_HELP;
    }
    if ((o->flags & CLI_RANGE) && join_range(a, argc, argv, &value) != 0)
        return EXIT_RUN_FAILED;
    if (o->choices != NULL) {
        size_t k = 0;

        while (o->choices[k] && strcmp(o->choices[k], value) != 0)
            k++;
        if (o->choices[k] == NULL)
            return bad_choice(cmd, o, value);
    }
    if (!(o->flags & CLI_REPEAT))
        a->values[i].n = 0;
    return add_value(&a->values[i], o->arg ? value : "") != 0 ? EXIT_RUN_FAILED : 0;
}

/* What getopt could not take: an unknown option, a flag with a value, a
 * missing value. */
static int refuse(const cli_command *cmd, int c, const char *arg)
{
    char name[64];
    size_t i;

    if (c == ':' && (i = opt_index(cmd, optopt)) < cmd->nopts) {
        opt_text(&cmd->opts[i], arg, name, sizeof name);
        return cli_usage_error(cmd, "%s needs a value: %s", name, cmd->opts[i].arg);
    }
    if (optopt >= LONG_VAL)
        return cli_usage_error(cmd, "%.*s takes no value, got '%s'",
                               (int)strcspn(arg, "="), arg, arg);
    if (strncmp(arg, "--", 2) == 0 || optopt == 0)
        return cli_usage_error(cmd, "unknown option '%s'", arg);
    return cli_usage_error(cmd, "unknown option '-%c'", optopt);
}

/* One argument that starts with '-': its options (several in a cluster)
 * and their values.  Returns 0, CLI_HELP or an exit code; *used is the
 * number of arguments it took. */
static int take_arg(const cli_command *cmd, int argc, char **argv, struct option *lo,
                    const char *so, cli_args *a, int *used)
{
    int rc = 0, c;

    optind = 0; /* glibc: start afresh */
    do {
        c = getopt_long(argc, argv, so, lo, NULL);
        if (c == -1)
            break;
        rc = c == '?' || c == ':' ? refuse(cmd, c, argv[1]) : take_option(cmd, c, argc, argv, a);
    } while (rc == 0 && optind == 1); /* still inside "-qj4" */
    *used = optind > 1 ? optind - 1 : 1;
    return rc;
}

/* Every value given, and the operands; 0, CLI_HELP or an exit code. */
static int scan(const cli_command *cmd, int argc, char **argv, struct option *lo,
                const char *so, cli_args *a)
{
    int rc = 0, ended = 0, i = 1, used;

    opterr = 0;
    while (rc == 0 && i < argc) {
        const char *arg = argv[i];

        if (ended || arg[0] != '-' || arg[1] == '\0') {
            a->operands[a->noperands++] = argv[i++];
        } else if (strcmp(arg, "--") == 0) {
            ended = 1;
            i++;
        } else {
            /* getopt sees the slice from this argument on, argv[i - 1] as its argv[0]. */
            rc = take_arg(cmd, argc - i + 1, argv + i - 1, lo, so, a, &used);
            i += used;
        }
    }
    return rc;
}

/* Operand counts and required options, once everything is read. */
static int check_counts(const cli_command *cmd, const cli_args *a)
{
    if (a->noperands < cmd->min_operands)
        return cli_usage_error(cmd, "%s", cmd->missing);
    if (cmd->max_operands == 1 && a->noperands > 1)
        return cli_usage_error(cmd, "one %s at a time ('%s' and '%s')", cmd->operand,
                               a->operands[0], a->operands[1]);
    if (cmd->max_operands > 1 && a->noperands > cmd->max_operands)
        return cli_usage_error(cmd, "at most %zu %ss, got %zu", cmd->max_operands,
                               cmd->operand, a->noperands);
    for (size_t i = 0; i < cmd->nopts; i++) {
        const cli_opt *o = &cmd->opts[i];

        if ((o->flags & CLI_REQUIRED) && a->values[i].n == 0) {
            if (o->choices != NULL)
                return bad_choice(cmd, o, NULL);
            return cli_usage_error(cmd, "--%s is required: %s", o->name, o->arg);
        }
    }
    return 0;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a)
{
    struct option *lo = NULL;
    char *so = NULL;
    int rc;

    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->operands = calloc((size_t)argc, sizeof *a->operands);
    a->values = calloc(cmd->nopts + 1, sizeof *a->values);
    if (a->operands == NULL || a->values == NULL || build_tables(cmd, &lo, &so) != 0)
        rc = EXIT_RUN_FAILED;
    else
        rc = scan(cmd, argc, argv, lo, so, a);
    if (rc == 0)
        rc = check_counts(cmd, a);
    if (rc == EXIT_RUN_FAILED)
        fputs("offsim: out of memory reading the command line\n", stderr);
    free(lo);
    free(so);
    if (rc != 0)
        cli_args_free(a);
    return rc;
}

void cli_args_free(cli_args *a)
{
    if (a->values != NULL)
        for (size_t i = 0; i < a->cmd->nopts; i++)
            free(a->values[i].v);
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->values);
    free(a->operands);
    memset(a, 0, sizeof *a);
}

const char *cli_value(const cli_args *a, size_t i)
{
    const cli_values *v = &a->values[i];

    return v->n ? v->v[v->n - 1] : NULL;
}

int cli_given(const cli_args *a, size_t i)
{
    return a->values[i].n > 0;
}

const char *const *cli_all(const cli_args *a, size_t i, size_t *n)
{
    *n = a->values[i].n;
    return a->values[i].v;
}

int cli_choice(const cli_args *a, size_t i, int def)
{
    const char *v = cli_value(a, i);
    const char *const *c = a->cmd->opts[i].choices;

    if (v == NULL)
        return def;
    for (int k = 0; c[k]; k++)
        if (strcmp(c[k], v) == 0)
            return k;
    return def; /* not reached: cli_parse checked it */
}

/* ---- help ----------------------------------------------------------------- */

void cli_wrap(FILE *f, const char *text, int col, int indent)
{
    const char *p = text;

    while (*p) {
        int width = 78 - col, n = (int)strlen(p), m;

        if (n > width) {
            n = width;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = width;
        }
        m = n;
        while (m > 0 && p[m - 1] == ' ') /* the gap after a sentence */
            m--;
        fprintf(f, "%.*s\n", m, p);
        p += n;
        while (*p == ' ')
            p++;
        if (*p) {
            fprintf(f, "%*s", indent, "");
            col = indent;
        }
    }
}

/* "-q, --quiet" or "--db PATH"; its length. */
static int opt_label(const cli_opt *o, char *buf, size_t len)
{
    const char *sp = o->arg ? " " : "", *arg = o->arg ? o->arg : "";

    if (o->short_name)
        return snprintf(buf, len, "-%c, --%s%s%s", o->short_name, o->name, sp, arg);
    return snprintf(buf, len, "--%s%s%s", o->name, sp, arg);
}

static void print_opt(FILE *f, const cli_opt *o, int width)
{
    char label[128];
    int n;

    opt_label(o, label, sizeof label);
    n = fprintf(f, "  %s", label);
    if (n > width + 2)
        fprintf(f, "\n%*s", width + 4, "");
    else
        fprintf(f, "%*s", width + 4 - n, "");
    cli_wrap(f, o->help, width + 4, width + 4);
}

void cli_print_help(const cli_command *cmd, FILE *f)
{
    int width = 0;
    char label[128];

    for (size_t i = 0; i <= cmd->nopts; i++) {
        const cli_opt *o = i < cmd->nopts ? &cmd->opts[i] : &help_opt;
        int n = opt_label(o, label, sizeof label);

        if (n > width && n <= 20)
            width = n;
    }
    fprintf(f, "usage: offsim %s\n\n%s", cmd->synopsis, cmd->about);
    if (cmd->about[0] != '\0')
        fputc('\n', f);
    for (size_t i = 0; i < cmd->nopts; i++)
        print_opt(f, &cmd->opts[i], width);
    print_opt(f, &help_opt, width);
    if (cmd->more != NULL)
        fprintf(f, "\n%s", cmd->more);
}
