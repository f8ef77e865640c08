/*
 * opt.h - a subcommand's options, declared once in a table that the parser
 * (libc's getopt_long), the help text and the error messages all read.
 *
 * A subcommand is a cli_command: its name, synopsis, help paragraphs, its
 * table of options, how many operands it takes, and the function that runs
 * it on the parsed arguments.  Adding an option is one table entry; the
 * command function reads it by its index in the table:
 *
 *     enum { RUN_DB, RUN_SET, ... };
 *     static const cli_opt run_opts[] = {
 *         [RUN_DB] = {"db", 0, "PATH", 0, NULL, "the results database"},
 *         ...
 *     };
 *     ... cli_value(a, RUN_DB) ...
 *
 * Every option takes `--opt v` and `--opt=v`; flags take no value.  Long
 * names must be written out in full (getopt_long's abbreviations would let
 * a new option change what an old command line means).  Values point into
 * argv, never copied into a fixed buffer.  Every command also takes
 * `-h`/`--help`.  A mistake is a message naming the option and what was
 * expected, the usage lines, and exit code 2.
 */
#ifndef SIM_CLI_OPT_H
#define SIM_CLI_OPT_H

#include <stddef.h>
#include <stdio.h>

/* The option may be given more than once; every value is kept, in order
 * (otherwise the last one counts). */
#define CLI_REPEAT 0x1u
/* The option must be given. */
#define CLI_REQUIRED 0x2u
/* An unquoted range may go on over the next two arguments: `--vary
 * k=30s..240s step 30s` is the value "k=30s..240s step 30s". */
#define CLI_RANGE 0x4u

typedef struct cli_opt {
    const char *name;           /* the long name, without "--" */
    char short_name;            /* 'q' for -q, or 0 */
    const char *arg;            /* the value's name ("PATH"); NULL for a flag */
    unsigned flags;             /* CLI_REPEAT, CLI_REQUIRED, CLI_RANGE */
    const char *const *choices; /* the values allowed (NULL-terminated), or NULL */
    const char *help;           /* one paragraph, wrapped when printed */
} cli_opt;

typedef struct cli_args cli_args;
typedef struct cli_command cli_command;

struct cli_command {
    const char *name;         /* "run" */
    const char *args;         /* its operands in the list of commands: "SCENARIO" */
    const char *summary;      /* one line in the list of commands */
    const char *synopsis;     /* the usage lines after "usage: offsim " */
    const char *about;        /* paragraphs before the options */
    const char *more;         /* paragraphs after them, or NULL */
    const cli_opt *opts;
    size_t nopts;
    size_t min_operands, max_operands; /* max_operands 0: no limit */
    const char *operand;      /* what one operand is, for messages: "scenario" */
    const char *missing;      /* the message when operands are missing */
    int (*run)(const cli_args *a); /* returns the exit code */
};

/* The values of one option, in the order given. */
typedef struct cli_values {
    const char **v;
    size_t n;
} cli_values;

struct cli_args {
    const cli_command *cmd;
    const char **operands;
    size_t noperands;
    cli_values *values; /* one per option of cmd, in table order */
    char **owned;       /* values joined from several arguments (CLI_RANGE) */
    size_t nowned;
};

/* cli_parse() found --help and printed it: the command is done (exit 0). */
#define CLI_HELP (-1)

/*
 * Parse argv[1..argc) by cmd's table (argv[0] is the command's name).
 * Returns 0 with *a filled (free it with cli_args_free), CLI_HELP after
 * printing the help, or an exit code after a message: 2 for a mistake, 1
 * when out of memory.
 */
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a);
void cli_args_free(cli_args *a);

/* The last value of option i, or NULL when it was not given. */
const char *cli_value(const cli_args *a, size_t i);
/* Was option i given (a flag: was it set)? */
int cli_given(const cli_args *a, size_t i);
/* Every value of option i, in order. */
const char *const *cli_all(const cli_args *a, size_t i, size_t *n);
/* The index in option i's choices of its value, or def when not given. */
int cli_choice(const cli_args *a, size_t i, int def);

/* The whole help of a command: usage, paragraphs, options. */
void cli_print_help(const cli_command *cmd, FILE *f);

/* Print text wrapped at 78 columns: the first line goes on after `col`
 * columns already printed, the others are indented by `indent`. */
void cli_wrap(FILE *f, const char *text, int col, int indent);

/* Print "offsim: MSG", the command's usage lines and where to find more to
 * stderr; returns 2, the exit code of a mistake.  cmd NULL: offsim's own. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif /* SIM_CLI_OPT_H */
