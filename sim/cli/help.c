/*
 * help.c - `offsim help [COMMAND]`, `offsim help scenario` (the key list,
 * printed from the parameter table) and `offsim --version`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io/params.h"
#include "io/results.h"

static const char usage_main[] =
    "usage: offsim COMMAND [ARGS]\n"
    "\n"
    "offsim simulates how TCP connections close when a TCP-offload NIC holds\n"
    "them: the offload target's FIN_WAIT_2 timer, the handoffs between host and\n"
    "NIC, and the host's own FIN_WAIT_2 policy.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO      simulate a scenario file into a SQLite database\n"
    "  sweep SCENARIO    many runs: varied keys x seeds, in parallel, resumable\n"
    "  plot DB           figures of a database's runs, drawn by gnuplot\n"
    "  merge OUT IN...   copy the complete runs of other databases into OUT\n"
    "  check SCENARIO    validate a scenario and print its resolved parameters\n"
    "  help [COMMAND]    this text, or a command's; 'help scenario' lists every key\n"
    "  --version         version and library versions\n"
    "\n"
    "Exit codes: 0 success, 1 a run failed, 2 bad usage or a bad scenario.\n";

static const char usage_run[] =
    "usage: offsim run SCENARIO [--db PATH] [--set SECTION.KEY=VALUE]... [--seed N]\n"
    "                  [--log summary|conn|events|trace] [--engine native|ns3]\n"
    "                  [--pcap FILE [--pcap-conns LIST]] [--quiet]\n"
    "\n"
    "Simulate SCENARIO and record the run in a SQLite database (default\n"
    "results/offsim.db; many runs can share one).  The run row is written\n"
    "'running' first and becomes 'complete' (or 'interrupted' on Ctrl-C, or\n"
    "'failed').  A summary goes to stdout: connections, close latency\n"
    "percentiles with the share of censored connections, FIN_WAIT_2 expiries,\n"
    "handoffs, NIC occupancy, simulated time, events and speed.\n"
    "\n"
    "  --db PATH       the results database\n"
    "  --set K=V       override a scenario key (peer classes: peer.NAME.KEY=V);\n"
    "                  repeatable, applied in order after the file\n"
    "  --seed N        the run seed (same as --set sim.seed=N)\n"
    "  --log LEVEL     what to record (same as --set sim.log=LEVEL)\n"
    "  --engine NAME   native (offsim's engine and TCP; the default) or ns3: ns-3's\n"
    "                  scheduler, nodes, links and TCP carry the traffic and offsim's\n"
    "                  offload model follows the server's sockets; keys ns-3 cannot\n"
    "                  honour are refused by name (README, \"offsim on ns-3\").\n"
    "                  Available when offsim was built with ns-3 (offsim --version)\n"
    "  --pcap FILE     also write a packet trace of the chosen connections: their\n"
    "                  segments at the local host's interface, as a pcap file for\n"
    "                  tcpdump or Wireshark (raw IPv4; times are the simulated time\n"
    "                  in ns; payloads are zero bytes, cut at 96 bytes a packet).\n"
    "                  The host is 10.0.0.1 port 80; connection N's peer is\n"
    "                  10.1.B.C port 1024 with N = 256*B + C (from N = 65536 on,\n"
    "                  the port is 1024 + N/65536)\n"
    "  --pcap-conns LIST  the connections to trace: ids and ranges such as 1,3-4\n"
    "                  (default 1-10)\n"
    "  --quiet         no progress bar (it is shown only when stderr is a terminal)\n";

static const char usage_sweep[] =
    "usage: offsim sweep SCENARIO --vary KEY=SPEC [--vary ...] [--set KEY=VALUE]...\n"
    "                    [--seeds N|A-B] [--jobs J] [--db PATH] [--quiet]\n"
    "\n"
    "Run SCENARIO once for every combination of the varied keys' values and every\n"
    "seed, J runs at a time (default: one per core), into one database (default\n"
    "results/offsim.db).  Every point runs the same seeds, so points differ only\n"
    "by the varied keys (common random numbers); results do not depend on --jobs.\n"
    "Each run's varied keys have run_param.varied = 1.\n"
    "\n"
    "  --vary KEY=SPEC  SPEC is a list (30s,60s,120s; peer.web.share=1,2) or a range\n"
    "                   (30s..240s step 30s); repeatable: the runs are the product\n"
    "  --seeds N|A-B    seeds 1..N or A..B (default: the scenario's sim.seed)\n"
    "  --jobs J         worker processes\n"
    "  --set KEY=VALUE  override a key at every point\n"
    "\n"
    "A [sweep] section in the scenario may say the same: 'KEY = SPEC' lines,\n"
    "'seeds = N|A-B', 'jobs = J'; the command line replaces them key by key.\n"
    "\n"
    "Rerunning the same sweep resumes it: complete runs are kept, unfinished ones\n"
    "(interrupted, failed, or left 'running' by a killed process) are done again.\n"
    "Ctrl-C stops cleanly: runs in progress are marked 'interrupted'.  On a\n"
    "terminal a progress bar shows runs done and the time left.\n";

static const char usage_plot[] =
    "usage: offsim plot DB --kind cdf|vs|occupancy|handoffs [--x KEY] [--out FILE]\n"
    "                  [--metric close|release] [--scenario PATH]\n"
    "\n"
    "Draw the complete runs of one scenario in DB (by default the scenario run\n"
    "most recently) with gnuplot.  The output's extension picks the format: .png,\n"
    ".svg or .pdf (default results/KIND.png).\n"
    "\n"
    "  cdf        close-latency CDF, one curve per value of the x key (seeds pooled);\n"
    "             connections still open at the end never count as closed, so a\n"
    "             curve ends at 1 minus its censored share (given in the legend);\n"
    "             --metric release plots the time until resources were freed\n"
    "  vs         median, p90 and p99 close latency against the x key: the median\n"
    "             over seeds, bars for the range; open triangles mark lower bounds\n"
    "  occupancy  connections in FIN_WAIT_2 on the NIC (solid) and on the host\n"
    "             (dashed) over simulated time, mean over seeds\n"
    "  handoffs   offloads, uploads and Retrieve indications per second over time\n"
    "             (needs runs made with --log events)\n"
    "\n"
    "  --x KEY    the key on the x axis / naming the series (default: the key the\n"
    "             sweep varied; with several, each point is a series)\n";

static const char usage_merge[] =
    "usage: offsim merge OUT.db IN.db...\n"
    "\n"
    "Copy the complete runs of each IN database (other machines, other slices of a\n"
    "sweep) into OUT, created if needed, with new run ids.  A run whose identity\n"
    "is already complete in OUT is skipped, so merging twice copies nothing new;\n"
    "runs that are not complete in an input are left out.  Each input is copied in\n"
    "one transaction.\n";

static const char usage_check[] =
    "usage: offsim check SCENARIO [--set SECTION.KEY=VALUE]...\n"
    "\n"
    "Parse and validate SCENARIO with its overrides and print every resolved key:\n"
    "its value, its number in SI units, and where it came from (the file's line,\n"
    "--set, the fw2_policy preset, [link] for a peer path, or the default).  Every\n"
    "mistake is reported with file:line; nothing is written anywhere.\n";

static const char usage_help[] =
    "usage: offsim help [run|sweep|plot|merge|check|scenario|help]\n"
    "       offsim help scenario [--markdown]\n"
    "\n"
    "'offsim help scenario' lists every scenario key with its type, default and\n"
    "meaning (--markdown: as the table in README.md).\n";

const char *cli_usage(const char *command)
{
    if (command == NULL)
        return usage_main;
    if (strcmp(command, "run") == 0)
        return usage_run;
    if (strcmp(command, "check") == 0)
        return usage_check;
    if (strcmp(command, "sweep") == 0)
        return usage_sweep;
    if (strcmp(command, "plot") == 0)
        return usage_plot;
    if (strcmp(command, "merge") == 0)
        return usage_merge;
    if (strcmp(command, "help") == 0)
        return usage_help;
    return NULL;
}

static const char scenario_intro[] =
    "Scenario files are INI: [section] headers, 'key = value' lines, comments\n"
    "after ';' or '#'.  Durations need a unit (ns us ms s min h; 0 alone is\n"
    "allowed); sizes take B KB MB GB (1000-based) or a bare number of bytes;\n"
    "rates bps Kbps Mbps Gbps; per-second rates a number and /s.  Distributions:\n"
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

/* Print text wrapped at 78 columns, each line indented by `indent`. */
static void wrap(const char *text, int indent)
{
    const char *p = text;

    while (*p) {
        int width = 78 - indent, n = (int)strlen(p);

        if (n > width) {
            n = width;
            while (n > 0 && p[n] != ' ')
                n--;
            if (n == 0)
                n = width;
        }
        printf("%*s%.*s\n", indent, "", n, p);
        p += n;
        while (*p == ' ')
            p++;
    }
}

static void scenario_keys(int markdown)
{
    char type[128], cell[256];

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
            if (markdown) {
                escape_bars(type, cell, sizeof cell);
                printf("| `%s%s.%s` | %s | `%s` | %s |\n", sect, peer ? ".NAME" : "", p->key,
                       cell, default_text(p), p->help);
            } else {
                printf("  %s = %s   (%s)\n", p->key, default_text(p), type);
                wrap(p->help, 6);
            }
        }
    }
}

int cmd_help(int argc, char **argv)
{
    const char *u;

    if (argc < 2) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(argv[1], "scenario") == 0) {
        int markdown = argc > 2 && strcmp(argv[2], "--markdown") == 0;

        if (argc > 2 && !markdown)
            return cli_usage_error("help", "unknown option '%s'", argv[2]);
        scenario_keys(markdown);
        return 0;
    }
    u = cli_usage(argv[1]);
    if (u == NULL)
        return cli_usage_error("help", "no help for '%s'", argv[1]);
    fputs(u, stdout);
    return 0;
}

int cmd_version(void)
{
    printf("offsim %s\n", OFFSIM_VERSION);
    printf("results schema %d, SQLite %s, libinih %s, Random123 Philox4x32-10, nettle SHA-256\n",
           RESULTS_SCHEMA_VERSION, results_sqlite_version(), OFFSIM_INIH_VERSION);
#ifdef OFFSIM_HAVE_NS3
    printf("ns-3 backend: ns-3 %s (run --engine ns3, libns3-c)\n", OFFSIM_NS3_VERSION);
#else
    printf("ns-3 backend: absent (built without ns-3: scripts/setup.sh installs it, then rebuild)\n");
#endif
    return 0;
}
