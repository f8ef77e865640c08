/*
 * main.c - offsim's command line: dispatch to a subcommand (commands.c
 * lists them).
 *
 * `offsim COMMAND ARGS...` parses ARGS by the command's table (opt.h) and
 * runs it; `offsim COMMAND --help` and `offsim help COMMAND` print its help.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io/crashpoint.h"

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : NULL;
    const cli_command *cmd;
    cli_args a;
    int rc;

    crash_point_init(); /* the crash tests' kill points (io/crashpoint.h); inert without them */
    if (name == NULL) {
        cli_overview(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        name = "help";
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0)
        return cli_version();
    if ((cmd = cli_find(name)) == NULL)
        return cli_usage_error(NULL, "unknown command '%s'", name);
    cli_set_command_line(argc, argv);
    rc = cli_parse(cmd, argc - 1, argv + 1, &a);
    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    rc = cmd->run(&a);
    cli_args_free(&a);
    return rc;
}
