/*
 * merge.c - `offsim merge OUT.db IN.db...`: gather runs made elsewhere (other
 * machines, other sweep slices) into one database.
 *
 * Complete runs are copied with new run ids; a run whose identity is
 * already complete in OUT is skipped, so merging is idempotent and
 * overlapping slices are copied once, but takes the keys varied in the
 * input's copy (run_param.varied: varied in either is varied).  Runs that are not complete in an
 * input are left behind (rerun the sweep there to finish them).  One
 * transaction for all inputs: OUT is never left half-written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "engine/err.h"
#include "io/results.h"

enum { MERGE_ANY_SCENARIO, MERGE_ANY_SCHEMA };

static const cli_opt merge_opts[] = {
    [MERGE_ANY_SCENARIO] = {"any-scenario", 0, NULL, 0, NULL,
                            "merge complete runs of different scenarios (scenario_sha256) "
                            "into one database; without it such a merge is refused"},
    [MERGE_ANY_SCHEMA] = {"any-schema", 0, NULL, 0, NULL,
                          "merge inputs of an older results schema this offsim reads (runs of "
                          "an older offsim, whose model may differ); without it they are "
                          "refused"},
};

/* The same file under two names (a link, ./x.db and x.db)? */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Merge into the database at path; SIM_OK or an error with its message. */
static int merge_at(const char *path, const char *const *in, size_t n, results_merge_stats *st,
                    sim_diag *d)
{
    results *db;
    int rc = results_open(path, &db, d);

    if (rc != SIM_OK)
        return rc;
    rc = results_merge(db, in, n, st, d);
    results_close(db);
    return rc;
}

/*
 * An existing OUT takes the runs in one transaction (results_merge).  A new
 * OUT is made beside it under a name of its own and linked into place only
 * when whole, so that a merge killed midway leaves no OUT (only that file,
 * OUT.merging-PID, and not even that when it was interrupted by a signal
 * offsim may catch: cli_tmp_guard), and a file another process made at OUT
 * meanwhile is never replaced.
 */
static int merge_into(const char *out, const char *const *in, size_t n,
                      results_merge_stats *st, sim_diag *d)
{
    size_t len = strlen(out) + 32;
    char *tmp;
    int rc;

    if (access(out, F_OK) == 0 || errno != ENOENT)
        return merge_at(out, in, n, st, d);
    if ((tmp = malloc(len)) == NULL) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    snprintf(tmp, len, "%s.merging-%ld", out, (long)getpid());
    cli_tmp_guard(tmp);
    rc = merge_at(tmp, in, n, st, d);
    if (rc == SIM_OK && link(tmp, out) != 0) {
        diag_add(d, "cannot create %s: %s%s", out, strerror(errno),
                 errno == EEXIST ? " (made by another process meanwhile: merge into it again)"
                                 : "");
        rc = SIM_EIO;
    }
    unlink(tmp);
    cli_tmp_done();
    free(tmp);
    return rc;
}

static int run_merge(const cli_args *a)
{
    const char *out = a->operands[0];
    const char *const *in = (const char *const *)a->operands + 1;
    size_t n = a->noperands - 1;
    results_merge_opts o = {cli_given(a, MERGE_ANY_SCENARIO), cli_given(a, MERGE_ANY_SCHEMA)};
    results_merge_stats *st;
    sim_diag d;
    int rc;
    uint64_t copied = 0;

    if ((rc = cli_check_out_dir("merge", "OUT", out)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (strcmp(in[i], out) == 0 || same_file(in[i], out))
            return cli_usage_error(&cli_merge, "'%s' is both the output and an input", in[i]);
    for (size_t i = 0; i < n; i++)
        if (access(in[i], R_OK) != 0) {
            int missing = errno == ENOENT || errno == ENOTDIR;

            fprintf(stderr, "offsim: merge: cannot read %s: %s\n", in[i], strerror(errno));
            return missing ? EXIT_USAGE : EXIT_RUN_FAILED;
        }
    /* The inputs (and OUT as it is) are checked before OUT is created or
     * opened: whole, of this schema, of one scenario. */
    diag_init(&d);
    if ((rc = results_merge_check(out, in, n, &o, &d)) != SIM_OK) {
        diag_print_for(&d, stderr, "merge");
        return cli_exit(rc); /* 2 for a file offsim does not use, or may not mix */
    }
    if ((st = calloc(n, sizeof *st)) == NULL) {
        fprintf(stderr, "offsim: merge: out of memory\n");
        return EXIT_RUN_FAILED;
    }
    rc = merge_into(out, in, n, st, &d);
    if (rc != SIM_OK) {
        diag_print_for(&d, stderr, "merge");
        free(st);
        return cli_exit(rc);
    }
    for (size_t i = 0; i < n; i++) {
        printf("%s: %llu run%s copied, %llu already in %s", in[i],
               (unsigned long long)st[i].copied, st[i].copied == 1 ? "" : "s",
               (unsigned long long)st[i].present, out);
        if (st[i].marked > 0)
            printf(" (%llu of them now varied in more keys)", (unsigned long long)st[i].marked);
        printf(", %llu not complete (left out)\n", (unsigned long long)st[i].incomplete);
        copied += st[i].copied;
    }
    printf("%s: %llu run%s merged\n", out, (unsigned long long)copied, copied == 1 ? "" : "s");
    free(st);
    return 0;
}

const cli_command cli_merge = {
    .name = "merge",
    .args = "OUT IN...",
    .summary = "copy the complete runs of other databases into OUT",
    .synopsis = "merge OUT.db IN.db... [--any-scenario] [--any-schema]",
    .about = "Copy the complete runs of each IN database (other machines, the shards of a\n"
             "sweep run with --shard K/N, other slices of it) into OUT, created if needed,\n"
             "with new run ids.  A run whose identity is already complete in OUT is\n"
             "skipped, so merging twice copies nothing new, but the keys varied in the\n"
             "input's copy (run_param.varied) become varied in OUT's; runs not complete in\n"
             "an input are left out, and `offsim sweep` on OUT runs only what is missing.\n"
             "All inputs are checked first (whole: PRAGMA quick_check; of this offsim's\n"
             "results schema; their complete runs and OUT's of one scenario) and copied in\n"
             "one transaction: a merge that fails or is killed leaves OUT as it was.\n"
             "A missing input, a file that is not offsim's, another schema or scenario\n"
             "(unless an option below allows it) is exit 2; a truncated or damaged file is\n"
             "exit 1.\n",
    .opts = merge_opts,
    .nopts = sizeof merge_opts / sizeof *merge_opts,
    .min_operands = 2,
    .operand = "database",
    .missing = "expected OUT.db and at least one IN.db",
    .run = run_merge,
};
