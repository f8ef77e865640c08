/*
 * merge.c - `offsim merge OUT.db IN.db...`: gather runs made elsewhere (other
 * machines, other sweep slices) into one database.
 *
 * Complete runs are copied with new run ids; a run whose identity is
 * already complete in OUT is skipped, so merging is idempotent and
 * overlapping slices are copied once.  Runs that are not complete in an
 * input are left behind (rerun the sweep there to finish them).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine/err.h"
#include "io/results.h"

int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    results *db;
    sim_diag d;
    int rc = 0, nin = 0;
    uint64_t copied = 0;

    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error("merge", "unknown option '%s'", argv[i]);
        if (out == NULL)
            out = argv[i];
        else
            nin++;
    }
    if (out == NULL || nin == 0)
        return cli_usage_error("merge", "expected OUT.db and at least one IN.db");
    for (int i = 1; i < argc; i++)
        if (argv[i] != out && strcmp(argv[i], out) == 0)
            return cli_usage_error("merge", "'%s' is both the output and an input", out);
    for (int i = 1; i < argc; i++)
        if (argv[i] != out && access(argv[i], R_OK) != 0) {
            fprintf(stderr, "offsim: merge: cannot read %s\n", argv[i]);
            return EXIT_RUN_FAILED;
        }
    diag_init(&d);
    if (results_open(out, &db, &d) != SIM_OK) {
        diag_print(&d, stderr);
        return EXIT_RUN_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        results_merge_stats st;

        if (argv[i] == out)
            continue;
        if (results_merge(db, argv[i], &st, &d) != SIM_OK) {
            diag_print(&d, stderr);
            diag_init(&d);
            rc = EXIT_RUN_FAILED;
            continue;
        }
        copied += st.copied;
        printf("%s: %llu run%s copied, %llu already in %s, %llu not complete (left out)\n",
               argv[i], (unsigned long long)st.copied, st.copied == 1 ? "" : "s",
               (unsigned long long)st.present, out, (unsigned long long)st.incomplete);
    }
    results_close(db);
    printf("%s: %llu run%s merged\n", out, (unsigned long long)copied, copied == 1 ? "" : "s");
    return rc;
}
