/*
 * commands.c - offsim's subcommands, in the order of `offsim help`, and
 * finding one by name.  Apart from main() (main.c) so that the fuzz
 * harness of the command line (tests/fuzz/fuzz_opt.c) parses with the
 * real tables.
 */
#include <string.h>

#include "cli.h"

const cli_command *const cli_commands[] = {&cli_run,   &cli_sweep, &cli_summary, &cli_export,
                                           &cli_plot,  &cli_merge, &cli_check,   &cli_help,
                                           NULL};

const cli_command *cli_find(const char *name)
{
    for (size_t i = 0; cli_commands[i]; i++)
        if (strcmp(cli_commands[i]->name, name) == 0)
            return cli_commands[i];
    return NULL;
}
