/*
 * help.c - `offsim help [COMMAND]`, `offsim help scenario` (the key list,
 * printed from the parameter table) and `offsim --version`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "driver/runner.h"
#ifdef OFFSIM_HAVE_MPI
#include "driver/mpi.h"
#endif
#include "engine/invariant.h"
#include "io/params.h"
#include "io/results.h"

static const char overview_intro[] =
    "usage: offsim COMMAND [ARGS]\n"
    "\n"
    "offsim simulates how TCP connections close when a TCP-offload NIC holds\n"
    "them: the offload target's FIN_WAIT_2 timer, the handoffs between host and\n"
    "NIC, and the host's own FIN_WAIT_2 policy.\n"
    "\n"
    "commands:\n";

static const char overview_end[] =
    "  --version         version and library versions\n"
    "\n"
    "'offsim COMMAND --help' is 'offsim help COMMAND'.\n"
    "Exit codes: 0 success, 1 a run failed (or the database failed under it), 2 bad\n"
    "usage, a bad scenario, or a database file offsim does not use.\n";

void cli_overview(FILE *f)
{
    fputs(overview_intro, f);
    for (size_t i = 0; cli_commands[i]; i++) {
        const cli_command *c = cli_commands[i];
        int n = fprintf(f, "  %s %s", c->name, c->args);

        fprintf(f, "%*s%s\n", n < 20 ? 20 - n : 1, "", c->summary);
    }
    fputs(overview_end, f);
}

static const char scenario_intro[] =
    "Scenario files are INI: [section] headers, 'key = value' lines, comments\n"
    "after ';' or '#'.  Durations need a unit (ns us ms s min h; 0 alone is\n"
    "allowed); sizes take B KB MB GB (1000-based) or a bare integer of bytes;\n"
    "rates bps Kbps Mbps Gbps; per-second rates a number and /s.  A duration,\n"
    "size or rate must be a whole number of ns, bytes or bits/s.  Distributions:\n"
    "const(x) exp(mean) uniform(a,b) lognormal(median,sigma) pareto(scale,shape),\n"
    "or a bare duration for const(x).  Peer classes are [peer NAME] sections\n"
    "(letters, digits, _ and -); a file without one has a single class 'default'.\n"
    "Keys marked 'preset' take their default from [host] fw2_policy; peer path\n"
    "keys take theirs from [link].\n";

static const char *default_text(const param *p)
{
    if (p->flags & PF_PRESET)
        return "preset";
    if (p->flags & PF_PATH)
        return "[link]";
    return p->def;
}

/* Markdown tables need '|' inside a cell written as '\\|'. */
static void escape_bars(const char *in, char *out, size_t len)
{
    size_t j = 0;

    for (size_t i = 0; in[i] && j + 3 < len; i++) {
        if (in[i] == '|')
            out[j++] = '\\';
        out[j++] = in[i];
    }
    out[j] = '\0';
}

static void scenario_keys(int markdown)
{
    char type[128], cell[256], range[128];
    const char *allowed;

    if (markdown) {
        puts("| key | type | default | meaning |");
        puts("|---|---|---|---|");
    } else {
        fputs(scenario_intro, stdout);
    }
    for (size_t s = 0; params_sections[s]; s++) {
        const char *sect = params_sections[s];
        int peer = strcmp(sect, "peer") == 0;

        if (!markdown)
            printf("\n[%s%s]\n", sect, peer ? " NAME" : "");
        for (size_t i = 0; i < params_count; i++) {
            const param *p = &params_table[i];

            if (strcmp(p->section, sect) != 0)
                continue;
            param_type_text(p, type, sizeof type);
            allowed = param_allowed(p, range, sizeof range);
            if (markdown) {
                escape_bars(type, cell, sizeof cell);
                printf("| `%s%s.%s` | %s | `%s` | %s%s%s |\n", sect, peer ? ".NAME" : "", p->key,
                       cell, default_text(p), p->help, allowed ? "; allowed: " : "",
                       allowed ? allowed : "");
            } else {
                printf("  %s = %s   (%s%s%s)\n      ", p->key, default_text(p), type,
                       allowed ? "; allowed: " : "", allowed ? allowed : "");
                cli_wrap(stdout, p->help, 6, 6);
            }
        }
    }
}

enum { HELP_MARKDOWN };

static const cli_opt help_opts[] = {
    [HELP_MARKDOWN] = {"markdown", 0, NULL, 0, NULL,
                       "with 'help scenario': the key list as the Markdown table in README.md"},
};

static int run_help(const cli_args *a)
{
    const char *topic = a->noperands ? a->operands[0] : NULL;
    const cli_command *c;

    if (cli_given(a, HELP_MARKDOWN) && (topic == NULL || strcmp(topic, "scenario") != 0))
        return cli_usage_error(&cli_help, "--markdown applies to 'help scenario'");
    if (topic == NULL) {
        cli_overview(stdout);
        return 0;
    }
    if (strcmp(topic, "scenario") == 0) {
        scenario_keys(cli_given(a, HELP_MARKDOWN));
        return 0;
    }
    if ((c = cli_find(topic)) == NULL)
        return cli_usage_error(&cli_help, "no help for '%s'", topic);
    cli_print_help(c, stdout);
    return 0;
}

const cli_command cli_help = {
    .name = "help",
    .args = "[COMMAND]",
    .summary = "this text, or a command's; 'help scenario' lists every key",
    .synopsis = "help [COMMAND]\n"
                "       offsim help scenario [--markdown]",
    .about = "Without COMMAND, what offsim does and its commands; with one, that\n"
             "command's options ('offsim COMMAND --help' prints the same).  'offsim help\n"
             "scenario' lists every scenario key with its type, default and meaning.\n",
    .opts = help_opts,
    .nopts = sizeof help_opts / sizeof *help_opts,
    .max_operands = 1,
    .operand = "topic",
    .run = run_help,
};

int cli_version(void)
{
    printf("offsim %s\n", OFFSIM_VERSION);
    printf("results schema %d, SQLite %s, libinih %s, Random123 Philox4x32-10, nettle SHA-256\n",
           RESULTS_SCHEMA_VERSION, results_sqlite_version(), OFFSIM_INIH_VERSION);
    if (runner_engine_version(RUNNER_NS3) != NULL)
        printf("ns-3 backend: ns-3 %s (run --engine ns3, libns3-c)\n",
               runner_engine_version(RUNNER_NS3));
    else
        printf("ns-3 backend: absent (built without ns-3: scripts/setup.sh installs it, then "
               "rebuild)\n");
#ifdef OFFSIM_HAVE_MPI
    printf("MPI sweeps: %s (mpirun -n R offsim sweep ...)\n", mpi_library());
#else
    printf("MPI sweeps: absent (built without MPI: scripts/setup.sh installs libopenmpi-dev, "
           "then rebuild)\n");
#endif
    printf("invariant checker: %s\n",
           inv_on() ? "on in every run (a build for testing)" : "off unless run or sweep --check");
    return 0;
}
