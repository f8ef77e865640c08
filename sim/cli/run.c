/*
 * run.c - `offsim run SCENARIO [...]`: arguments, then one run (runner.c).
 *
 * The scenario and every override are parsed and resolved before any file
 * is touched (exit 2 on any mistake); the database is opened and checked
 * before simulating (exit 1 if it cannot be used), and so is the packet
 * trace of --pcap (io/pcap.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine/err.h"
#include "io/pcap.h"
#include "io/results.h"
#include "runner.h"
#ifdef OFFSIM_HAVE_NS3
#include "ns3c/world_ns3.h"
#endif

int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *db = NULL, *seed = NULL, *log = NULL, *engine = "native";
    const char *pcap_path = NULL, *pcap_list = NULL;
    pcap_trace_conns pcap_conns = {0};
    pcap_trace *pcap = NULL;
    char pcap_err[PCAP_TRACE_ERR_MAX];
    char **sets = calloc((size_t)argc, sizeof *sets);
    size_t nsets = 0;
    int quiet = 0, rc;
    scenario *sc = NULL;
    results *store;
    runner_opts o = {0};
    runner_result res;
    sim_diag d;

    if (sets == NULL)
        return EXIT_RUN_FAILED;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;

        if (strcmp(a, "--db") == 0)
            slot = &db;
        else if (strcmp(a, "--seed") == 0)
            slot = &seed;
        else if (strcmp(a, "--log") == 0)
            slot = &log;
        else if (strcmp(a, "--engine") == 0)
            slot = &engine;
        else if (strcmp(a, "--pcap") == 0)
            slot = &pcap_path;
        else if (strcmp(a, "--pcap-conns") == 0)
            slot = &pcap_list;
        else if (strcmp(a, "--set") == 0) {
            if (i + 1 >= argc) {
                free(sets);
                return cli_usage_error("run", "--set needs SECTION.KEY=VALUE");
            }
            sets[nsets++] = argv[++i];
            continue;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
            continue;
        } else if (a[0] == '-' && a[1] != '\0') {
            free(sets);
            return cli_usage_error("run", "unknown option '%s'", a);
        } else if (path == NULL) {
            path = a;
            continue;
        } else {
            free(sets);
            return cli_usage_error("run", "one scenario at a time ('%s' and '%s')", path, a);
        }
        if (i + 1 >= argc) {
            free(sets);
            return cli_usage_error("run", "%s needs a value", a);
        }
        *slot = argv[++i];
    }
    if (path == NULL) {
        free(sets);
        return cli_usage_error("run", "which scenario?");
    }
    if (strcmp(engine, "native") != 0 && strcmp(engine, "ns3") != 0) {
        free(sets);
        return cli_usage_error("run", "--engine: expected native or ns3, got '%s'", engine);
    }
#ifndef OFFSIM_HAVE_NS3
    if (strcmp(engine, "ns3") == 0) {
        free(sets);
        fprintf(stderr, "offsim: --engine ns3: this offsim was built without ns-3 (install "
                        "libns3-dev, ns3 and libgsl-dev, then rebuild: scripts/setup.sh does)\n");
        return EXIT_USAGE;
    }
#endif
    if (pcap_path != NULL && strcmp(engine, "ns3") == 0) {
        free(sets);
        return cli_usage_error("run", "--pcap with --engine ns3: the segments are ns-3's, not "
                                      "offsim's; trace them with ns-3 (PointToPointHelper::"
                                      "EnablePcapAll) or run the native engine");
    }
    if (pcap_list != NULL && pcap_path == NULL) {
        free(sets);
        return cli_usage_error("run", "--pcap-conns %s: needs --pcap FILE", pcap_list);
    }
    if (pcap_path != NULL) {
        if (pcap_list == NULL)
            pcap_list = PCAP_TRACE_DEFAULT_CONNS;
        rc = pcap_trace_conns_parse(pcap_list, &pcap_conns, pcap_err);
        if (rc != SIM_OK) {
            free(sets);
            if (rc == SIM_EUSAGE)
                return cli_usage_error("run", "--pcap-conns %s: %s", pcap_list, pcap_err);
            fprintf(stderr, "offsim: --pcap-conns: %s\n", sim_strerror(rc));
            return EXIT_RUN_FAILED;
        }
    }
    sc = cli_load_scenario(path, sets, nsets, seed, log);
    free(sets);
#ifdef OFFSIM_HAVE_NS3
    if (sc != NULL && strcmp(engine, "ns3") == 0) {
        diag_init(&d);
        if (world_ns3_check(&sc->cfg, sc->path, &d) != SIM_OK) {
            diag_print(&d, stderr);
            scenario_free(sc);
            sc = NULL;
        }
    }
#endif
    if (sc == NULL) {
        pcap_trace_conns_fini(&pcap_conns);
        return EXIT_USAGE;
    }

    diag_init(&d);
    if (db == NULL && (db = cli_default_db()) == NULL) {
        pcap_trace_conns_fini(&pcap_conns);
        scenario_free(sc);
        return EXIT_RUN_FAILED;
    }
    if (results_open(db, &store, &d) != SIM_OK) {
        diag_print(&d, stderr);
        pcap_trace_conns_fini(&pcap_conns);
        scenario_free(sc);
        return EXIT_RUN_FAILED;
    }
    /* The trace file is created before simulating, like the database. */
    rc = pcap_path != NULL ? pcap_trace_open(pcap_path, &pcap_conns, &pcap, &d) : SIM_OK;
    pcap_trace_conns_fini(&pcap_conns);
    if (rc != SIM_OK) {
        diag_print(&d, stderr);
        results_close(store);
        scenario_free(sc);
        return EXIT_RUN_FAILED;
    }
    o.engine = engine;
    o.progress = !quiet && isatty(STDERR_FILENO);
    o.summary = stdout;
    o.db_name = db;
    o.pcap = pcap;
    o.pcap_name = pcap_path;
    o.pcap_conns = pcap_list;
    runner_catch_sigint(1);
    rc = runner_run(sc, store, &o, &res, &d);
    runner_catch_sigint(0);
    diag_print(&d, stderr);
    if (rc == SIM_EINTR)
        fprintf(stderr, "offsim: interrupted; the run is marked 'interrupted'\n");
    else if (rc != SIM_OK)
        fprintf(stderr, "offsim: the run failed: %s\n", results_errmsg(store));
    diag_init(&d);
    if (pcap_trace_close(pcap, &d) != SIM_OK) {
        diag_print(&d, stderr);
        if (rc == SIM_OK)
            rc = SIM_EIO;
    }
    results_close(store);
    scenario_free(sc);
    return rc == SIM_OK ? 0 : EXIT_RUN_FAILED;
}
