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

/* Copy one input; 0 or an exit code. */
static int merge_one(results *db, const char *out, const char *in, uint64_t *copied)
{
    results_merge_stats st;
    sim_diag d;

    diag_init(&d);
    if (results_merge(db, in, &st, &d) != SIM_OK) {
        diag_print(&d, stderr);
        return EXIT_RUN_FAILED;
    }
    *copied += st.copied;
    printf("%s: %llu run%s copied, %llu already in %s, %llu not complete (left out)\n", in,
           (unsigned long long)st.copied, st.copied == 1 ? "" : "s",
           (unsigned long long)st.present, out, (unsigned long long)st.incomplete);
    return 0;
}

static int run_merge(const cli_args *a)
{
    const char *out = a->operands[0];
    results *db;
    sim_diag d;
    int rc = 0;
    uint64_t copied = 0;

    for (size_t i = 1; i < a->noperands; i++)
        if (strcmp(a->operands[i], out) == 0)
            return cli_usage_error(&cli_merge, "'%s' is both the output and an input", out);
    for (size_t i = 1; i < a->noperands; i++)
        if (access(a->operands[i], R_OK) != 0) {
            fprintf(stderr, "offsim: merge: cannot read %s\n", a->operands[i]);
            return EXIT_RUN_FAILED;
        }
    diag_init(&d);
    if (results_open(out, &db, &d) != SIM_OK) {
        diag_print(&d, stderr);
        return EXIT_RUN_FAILED;
    }
    for (size_t i = 1; i < a->noperands; i++)
        rc |= merge_one(db, out, a->operands[i], &copied);
    results_close(db);
    printf("%s: %llu run%s merged\n", out, (unsigned long long)copied, copied == 1 ? "" : "s");
    return rc;
}

const cli_command cli_merge = {
    .name = "merge",
    .args = "OUT IN...",
    .summary = "copy the complete runs of other databases into OUT",
    .synopsis = "merge OUT.db IN.db...",
    .about = "Copy the complete runs of each IN database (other machines, other slices of a\n"
             "sweep) into OUT, created if needed, with new run ids.  A run whose identity\n"
             "is already complete in OUT is skipped, so merging twice copies nothing new;\n"
             "runs that are not complete in an input are left out.  Each input is copied in\n"
             "one transaction.\n",
    .min_operands = 2,
    .operand = "database",
    .missing = "expected OUT.db and at least one IN.db",
    .run = run_merge,
};
