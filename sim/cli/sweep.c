/*
 * sweep.c - `offsim sweep`: many runs of one scenario, the Cartesian product
 * of the varied keys times the seeds (driver/batch.h), and the table of
 * their medians per point.
 *
 * What is varied comes from the scenario's [sweep] section first, then the
 * command line, which replaces it key by key.  Every run is planned and
 * checked before anything runs (a value that makes a run's scenario invalid
 * is exit 2, nothing written); rerunning the same command resumes a sweep.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "driver/batch.h"
#include "driver/launcher.h"
#ifdef OFFSIM_HAVE_MPI
#include "driver/mpi.h"
#endif
#include "engine/err.h"
#include "engine/invariant.h"
#include "io/results.h"
#include "io/sweep.h"

#define STR_(x) #x
#define STR(x) STR_(x)
/* Worker processes, at most. */
#define SWEEP_MAX_JOBS 1024

enum { SWEEP_VARY, SWEEP_SET, SWEEP_SEEDS, SWEEP_JOBS, SWEEP_DB, SWEEP_ENGINE, SWEEP_SHARD,
       SWEEP_CHECK, SWEEP_QUIET };

static const cli_opt sweep_opts[] = {
    [SWEEP_VARY] = {"vary", 0, "KEY=SPEC", CLI_REPEAT | CLI_RANGE, NULL,
                    "SPEC is a list (30s,60s,120s; peer.web.share=1,2) or a range (30s..240s "
                    "step 30s); repeatable: the runs are the product"},
    [SWEEP_SET] = {"set", 0, "KEY=VALUE", CLI_REPEAT, NULL, "override a key at every point"},
    [SWEEP_SEEDS] = {"seeds", 0, "N|A-B", 0, NULL,
                     "seeds 1..N or A..B (default: the scenario's sim.seed)"},
    [SWEEP_JOBS] = {"jobs", 'j', "J", 0, NULL,
                    "worker processes (default: one per core; under mpirun, per rank: 1)"},
    [SWEEP_DB] = {"db", 0, "PATH", 0, NULL, "the results database"},
    [SWEEP_ENGINE] = {"engine", 0, "NAME", 0, runner_engine_name,
                      "native (the default) or ns3: every run on ns-3's TCP, each in a process "
                      "of its own (as `offsim run --engine ns3`); keys ns-3 cannot honour at any "
                      "point stop the sweep before anything runs.  The engine is part of each "
                      "run's identity, so both engines' sweeps can share a database"},
    [SWEEP_SHARD] = {"shard", 0, "K/N", 0, NULL,
                     "run only shard K of N (1 <= K <= N): the runs sorted by expected cost, "
                     "each dealt to the shard with the least so far: a function of the runs' "
                     "identities and costs alone; for job arrays, each shard into a database "
                     "of its own, then `offsim merge`"},
    [SWEEP_CHECK] = {"check", 0, NULL, 0, NULL,
                     "check the model's invariants in every run, as `offsim run --check` "
                     "does (a violation aborts that run's worker: the run is failed)"},
    [SWEEP_QUIET] = {"quiet", 'q', NULL, 0, NULL,
                     "no progress bar (it is shown only when stderr is a terminal)"},
};

/* ---- what is varied ------------------------------------------------------ */

/* One --vary KEY=SPEC onto the sweep; 0, or 1 after a message. */
static int vary(sweep *sw, const scenario *base, const char *arg, sim_diag *d)
{
    const char *eq = strchr(arg, '=');
    char where[DIAG_LEN], *key;
    int bad;

    snprintf(where, sizeof where, "--vary %s", arg); /* a message's prefix */
    if (eq == NULL || eq == arg) {
        diag_add(d, "%s: expected KEY=v1,v2,... or KEY=A..B step S", where);
        return 1;
    }
    if ((key = malloc((size_t)(eq - arg) + 1)) == NULL) {
        diag_add(d, "%s: out of memory", where);
        return 1;
    }
    memcpy(key, arg, (size_t)(eq - arg));
    key[eq - arg] = '\0';
    bad = sweep_vary(sw, base, key, eq + 1, where, d) != SIM_OK;
    free(key);
    return bad;
}

/* The sweep and the workers: [sweep] section, then the options; 0 or 1. */
static int read_sweep(const cli_args *a, const scenario *base, sweep *sw, uint64_t *jobs,
                      sim_diag *d)
{
    size_t n;
    const char *const *v = cli_all(a, SWEEP_VARY, &n);
    const char *seeds = cli_value(a, SWEEP_SEEDS), *j = cli_value(a, SWEEP_JOBS);
    int bad = sweep_from_scenario(sw, base, jobs, d) != SIM_OK;
    char err[UNITS_ERR_MAX];

    for (size_t i = 0; i < n; i++) {
        size_t klen = strcspn(v[i], "=");
        int twice = 0;

        /* A key varied twice would silently keep only the last list. */
        for (size_t j = 0; j < i && !twice; j++)
            twice = strncmp(v[j], v[i], klen) == 0 && strcspn(v[j], "=") == klen;
        if (twice && klen > 0 && v[i][klen] == '=') {
            diag_add(d, "--vary %.*s is given twice: give all its values in one list "
                        "(--vary %.*s=v1,v2,...)",
                     (int)klen, v[i], (int)klen, v[i]);
            bad = 1;
            continue;
        }
        bad |= vary(sw, base, v[i], d);
    }
    if (seeds != NULL)
        bad |= sweep_seeds(sw, seeds, "--seeds", d) != SIM_OK;
    if (j != NULL && (units_parse_count(j, jobs, err) != 0 || *jobs == 0 ||
                      *jobs > SWEEP_MAX_JOBS)) {
        diag_add(d, "--jobs: expected a number of worker processes (1 to %d), got '%s'",
                 SWEEP_MAX_JOBS, j);
        bad = 1;
    }
    if (!sw->seeds_given)
        sw->seed_first = sw->seed_last = base->cfg.sim.seed;
    if (!bad)
        bad = sweep_check_size(sw, d) != SIM_OK;
    return bad;
}

/* ---- progress ---------------------------------------------------------- */

typedef struct progress {
    size_t done, total;
    double start;
} progress;

static void draw(const progress *pr, int final)
{
    double el = runner_wall_now() - pr->start;
    double eta = pr->done ? el * (double)(pr->total - pr->done) / (double)pr->done : 0;

    cli_bar(pr->total ? (int)(CLI_BAR_WIDTH * pr->done / pr->total) : CLI_BAR_WIDTH, final,
            "%zu/%zu runs  %.1f s  ETA %.1f s ", pr->done, pr->total, el, eta);
}

static void on_run_done(void *arg, size_t done, size_t total)
{
    progress *pr = arg;

    pr->done = done;
    pr->total = total;
    draw(pr, 0);
}

/* ---- the summary -------------------------------------------------------- */

/* The tables of the points, over the runs of this sweep (or shard) that
 * are complete; then the points that have none (all interrupted or not
 * run) by name. */
static void summary_table(const char *db_name, const sweep *sw, const batch *b)
{
    size_t ntodo = batch_todo(b), nseeds = sweep_seed_count(sw), missing = 0;
    int64_t *runs = calloc(ntodo ? ntodo : 1, sizeof *runs);
    size_t *idx = calloc(sw->naxes + 1, sizeof *idx);
    /* per point: 1 has runs here, 2 has a complete one */
    unsigned char *point = calloc(sweep_points(sw), 1);
    report_select sel = {runs, 0, NULL};
    uint64_t seed;

    if (runs == NULL || idx == NULL || point == NULL) {
        fprintf(stderr, "offsim: out of memory for the summary\n");
        free(runs);
        free(idx);
        free(point);
        return;
    }
    for (size_t i = 0; i < ntodo; i++) {
        size_t k = batch_todo_run(b, i);

        point[k / nseeds] |= 1;
        if (batch_status(b, k) == RESULTS_COMPLETE) {
            runs[sel.n++] = batch_run_id(b, k);
            point[k / nseeds] |= 2;
        }
    }
    fflush(stdout);
    if (sel.n > 0)
        cli_summarise_points(db_name, &sel, stdout);
    for (size_t p = 0; p < sweep_points(sw); p++) {
        if (point[p] != 1)
            continue;
        if (missing++ == 0)
            printf("\nno complete run:");
        sweep_run(sw, p * nseeds, idx, &seed);
        putchar(' ');
        for (size_t a = 0; a < sw->naxes; a++)
            printf("%s%s=%s", a ? "," : "", sw->axes[a].key, sw->axes[a].values[idx[a]]);
        if (sw->naxes == 0)
            printf("(the one point)");
    }
    if (missing > 0)
        putchar('\n');
    free(runs);
    free(idx);
    free(point);
}

/* ---- the command --------------------------------------------------------- */

/* Where the sweep runs: here, or over MPI ranks (this process's rank). */
typedef struct spread {
    int mpi;         /* started by an MPI launcher, MPI initialised */
    int rank, size;
} spread;

/* Is the database usable (checked, and created, once here before any
 * worker opens it)?  0, or the exit code after a message. */
static int check_db(const char *db_name)
{
    results *db;
    sim_diag d;
    int rc;

    diag_init(&d);
    if ((rc = results_open(db_name, &db, &d)) != SIM_OK) {
        diag_print(&d, stderr);
        return cli_exit(rc); /* 2 for a file offsim does not use */
    }
    results_close(db);
    return 0;
}

/* Run every run (those complete in the database are kept) and report; the
 * exit code.  Under MPI, rank 0 reports; the other ranks compute. */
static int execute(const cli_args *a, const char *db_name, const sweep *sw, batch *b,
                   uint64_t jobs, const spread *sp)
{
    progress pr = {0, batch_todo(b), runner_wall_now()};
    int bar = !cli_given(a, SWEEP_QUIET) && isatty(STDERR_FILENO) && sp->rank == 0, rc = 0, ran;
    size_t n[RESULTS_STATUS_N] = {0}, redone;
    batch_count c;
    sim_diag d;
#ifdef OFFSIM_HAVE_MPI
    mpi_stats ms;
#endif

    diag_init(&d);
    if (jobs > batch_todo(b) && !sp->mpi)
        jobs = batch_todo(b) > 0 ? batch_todo(b) : 1;
    runner_catch_interrupts(1);
    if (sp->rank != 0) {
#ifdef OFFSIM_HAVE_MPI
        rc = mpi_sweep(b, db_name, (unsigned)jobs, NULL, NULL, &ms, &d) != SIM_OK;
#endif
        runner_catch_interrupts(0);
        return rc ? EXIT_RUN_FAILED : 0;
    }
    printf("offsim sweep: %s, %zu point%s x %llu seed%s = %zu runs -> %s\n", a->operands[0],
           sweep_points(sw), sweep_points(sw) == 1 ? "" : "s",
           (unsigned long long)sweep_seed_count(sw), sw->seed_last == sw->seed_first ? "" : "s",
           batch_size(b), db_name);
    if (cli_given(a, SWEEP_SHARD)) {
        uint64_t mine = 0, all = 0;

        for (size_t i = 0; i < batch_todo(b); i++)
            mine += batch_cost(b, batch_todo_run(b, i));
        for (size_t k = 0; k < batch_size(b); k++)
            all += batch_cost(b, k);
        printf("shard %s: %zu of the %zu runs, %.1f%% of the expected cost\n",
               cli_value(a, SWEEP_SHARD), batch_todo(b), batch_size(b),
               all ? 100.0 * (double)mine / (double)all : 0.0);
    }
    fflush(stdout);
#ifdef OFFSIM_HAVE_MPI
    if (sp->mpi)
        ran = mpi_sweep(b, db_name, (unsigned)jobs, bar ? on_run_done : NULL, &pr, &ms, &d);
    else
#endif
        ran = batch_run(b, db_name, (unsigned)jobs, bar ? on_run_done : NULL, &pr, &d);
    if (ran != SIM_OK) {
        diag_print(&d, stderr);
        rc = EXIT_RUN_FAILED;
    }
    runner_catch_interrupts(0);
    if (bar)
        draw(&pr, 1);
    for (size_t i = 0; i < batch_todo(b); i++)
        n[batch_status(b, batch_todo_run(b, i))]++;
    batch_counts(b, &c);
    redone = c.redone[RESULTS_INTERRUPTED] + c.redone[RESULTS_RUNNING] +
             c.redone[RESULTS_FAILED];
    if (c.kept || c.waited || redone) {
        /* The unfinished runs redone, by the status the database held them in. */
        static const struct {
            results_status status;
            const char *one, *many;
        } kind[] = {
            {RESULTS_INTERRUPTED, "interrupted run", "interrupted runs"},
            {RESULTS_RUNNING, "run left 'running' by a process that died",
             "runs left 'running' by processes that died"},
            {RESULTS_FAILED, "failed run", "failed runs"},
        };
        size_t said = 0;

        printf("resumed: %zu complete already", c.kept);
        if (c.waited)
            printf(", %zu completed meanwhile by another process", c.waited);
        printf(", %zu run now", c.ran);
        for (size_t i = 0; i < sizeof kind / sizeof *kind; i++) {
            size_t k = c.redone[kind[i].status];

            if (k > 0)
                printf("%s%zu %s", said++ ? ", " : " (redone: ", k,
                       k == 1 ? kind[i].one : kind[i].many);
        }
        printf("%s\n", said ? ")" : "");
    }
    printf("%zu complete, %zu interrupted or not run, %zu failed; %.2f s with ",
           n[RESULTS_COMPLETE], n[RESULTS_RUNNING] + n[RESULTS_INTERRUPTED], n[RESULTS_FAILED],
           runner_wall_now() - pr.start);
    if (sp->mpi)
        printf("%d rank%s x %llu job%s\n", sp->size, sp->size == 1 ? "" : "s",
               (unsigned long long)jobs, jobs == 1 ? "" : "s");
    else
        printf("%llu job%s\n", (unsigned long long)jobs, jobs == 1 ? "" : "s");
#ifdef OFFSIM_HAVE_MPI
    if (sp->mpi && ms.rows > 0)
        printf("writer (rank 0): %llu rows (%.1f MB of streams) written in %.2f s (%.2f s of "
               "CPU): %.0f rows/s of its CPU\n",
               (unsigned long long)ms.rows, (double)ms.bytes / 1e6, ms.write_s, ms.write_cpu_s,
               ms.write_cpu_s > 0 ? (double)ms.rows / ms.write_cpu_s : 0.0);
#endif
    if (n[RESULTS_COMPLETE] > 0)
        summary_table(db_name, sw, b);
    if (n[RESULTS_COMPLETE] < batch_todo(b)) {
        if (runner_interrupt_name() != NULL)
            fprintf(stderr, "offsim: interrupted (%s); the runs in progress are marked "
                            "'interrupted'\n", runner_interrupt_name());
        fprintf(stderr, "offsim: the sweep is not finished; run the same command again to "
                        "resume it\n");
        rc = EXIT_RUN_FAILED;
    }
    return rc;
}

/* --shard K/N; 0, or 1 after a message. */
static int read_shard(const char *v, unsigned *k, unsigned *n, sim_diag *d)
{
    char *slash, *end;
    unsigned long long kk, nn;

    if (v == NULL)
        return 0;
    slash = strchr(v, '/');
    if (slash != NULL && slash > v && v[0] >= '0' && v[0] <= '9' && slash[1] >= '0' &&
        slash[1] <= '9') {
        kk = strtoull(v, &end, 10);
        if (end == slash) {
            nn = strtoull(slash + 1, &end, 10);
            if (*end == '\0' && kk >= 1 && kk <= nn && nn <= SWEEP_MAX_RUNS) {
                *k = (unsigned)kk;
                *n = (unsigned)nn;
                return 0;
            }
        }
    }
    diag_add(d, "--shard: expected K/N with 1 <= K <= N <= %d (shard K of N), got '%s'",
             SWEEP_MAX_RUNS, v);
    return 1;
}

/* Was this process started by an MPI launcher?  Then MPI (or a refusal:
 * without MPI the ranks would each run the whole sweep).  0, or an exit
 * code after a message. */
static int start_spread(spread *sp)
{
    int rank, size;
    sim_diag d;

    memset(sp, 0, sizeof *sp);
    sp->size = 1;
    if (!launcher_ranks(&rank, &size))
        return 0;
#ifdef OFFSIM_HAVE_MPI
    diag_init(&d);
    if (mpi_start(&sp->rank, &sp->size, &d) != SIM_OK) {
        diag_print(&d, stderr);
        return EXIT_RUN_FAILED;
    }
    sp->mpi = 1;
    return 0;
#else
    (void)d;
    if (size == 1)
        return 0; /* one process: as if started on its own */
    if (rank == 0) {
        char n[32] = "several";

        if (size > 1)
            snprintf(n, sizeof n, "%d", size);
        fprintf(stderr, "offsim: sweep: started by an MPI launcher as one of %s processes, but "
                        "this offsim was built without MPI, so each would run the whole sweep; "
                        "install libopenmpi-dev (scripts/setup.sh does) and rebuild, or run "
                        "one offsim sweep without the launcher (offsim --version says whether "
                        "MPI is in)\n",
                n);
    }
    return EXIT_USAGE;
#endif
}

/*
 * A rank other than 0 plans the sweep with its stderr in a file: its
 * messages are rank 0's too (the same command on the same files), unless
 * its planning failed where rank 0's did not (a scenario file missing on
 * its node), when they are shown with its rank.  The saved stderr, or -1.
 */
static int hold_stderr(FILE **held)
{
    int old;

    fflush(stderr);
    *held = tmpfile();
    if (*held == NULL || (old = dup(STDERR_FILENO)) < 0) {
        if (*held != NULL)
            fclose(*held);
        *held = NULL;
        return -1;
    }
    dup2(fileno(*held), STDERR_FILENO);
    return old;
}

static void release_stderr(int old, FILE *held, int show, int rank)
{
    char line[DIAG_LEN + 64];

    fflush(stderr);
    if (old < 0)
        return;
    dup2(old, STDERR_FILENO);
    close(old);
    rewind(held);
    while (show && fgets(line, sizeof line, held) != NULL)
        fprintf(stderr, "rank %d: %s", rank, line);
    fclose(held);
}

static int run_sweep(const cli_args *a)
{
    size_t nsets;
    const char *const *sets = cli_all(a, SWEEP_SET, &nsets);
    const char *db_name = cli_value(a, SWEEP_DB);
    runner_engine engine = (runner_engine)cli_choice(a, SWEEP_ENGINE, RUNNER_NATIVE);
    unsigned shard = 1, nshards = 1;
    scenario *base = NULL;
    uint64_t jobs = 0;
    batch *b = NULL;
    spread sp;
    sweep sw;
    sim_diag d;
    FILE *held = NULL;
    int rc = start_spread(&sp), saved = -1, root_ok = 1;

    if (rc != 0)
        return rc;
    sweep_init(&sw);
    diag_init(&d);
    /* Every rank plans the sweep; rank 0 says what is wrong. */
    if (sp.rank != 0)
        saved = hold_stderr(&held);
    if (runner_engine_version(engine) == NULL) {
        fprintf(stderr, "offsim: --engine %s: this offsim was built without ns-3; run "
                        "scripts/setup.sh (as root: it installs ns-3 and every package it "
                        "needs), then rebuild offsim (scripts/demo.sh, or cmake --build on "
                        "your build directory)\n",
                runner_engine_name[engine]);
        rc = EXIT_USAGE;
    }
    if (rc == 0)
        rc = cli_exit(cli_load_scenario(a->operands[0], sets, nsets, NULL, NULL, &base));
    if (cli_given(a, SWEEP_CHECK))
        inv_enable(1); /* the workers inherit it */
    if (rc == 0 && (read_sweep(a, base, &sw, &jobs, &d) |
                    read_shard(cli_value(a, SWEEP_SHARD), &shard, &nshards, &d)))
        rc = EXIT_USAGE;
    if (rc == 0)
        rc = cli_exit(batch_plan(base, &sw, engine, &b, &d));
    if (rc == 0 && nshards > 1)
        rc = cli_exit(batch_shard(b, shard, nshards, &d));
    if (rc == 0)
        batch_set_command_line(b, cli_command_line());
    if (rc != 0)
        diag_print(&d, stderr);
    if (rc == 0 && jobs == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        /* Under MPI a rank is a core's worth (start one per core) unless --jobs says. */
        jobs = sp.mpi ? 1 : cores > 0 ? (uint64_t)cores : 1;
    }
    if (rc == 0 && sp.rank == 0 && db_name == NULL && (db_name = cli_default_db()) == NULL)
        rc = EXIT_RUN_FAILED;
    if (rc == 0 && sp.rank == 0)
        rc = cli_check_out_dir("sweep", "--db", db_name);
    if (rc == 0 && sp.rank == 0)
        rc = check_db(db_name);
#ifdef OFFSIM_HAVE_MPI
    /* Every rank planned rank 0's sweep, and rank 0 has its database: or none
     * goes on. */
    if (sp.mpi && !mpi_agree(rc == 0, rc == 0 ? batch_plan_hash(b) : 0, &root_ok)) {
        if (sp.rank != 0 && rc == 0 && root_ok)
            fprintf(stderr, "offsim: sweep: this rank planned another sweep than rank 0 (%zu "
                            "runs, %zu to do): is the scenario file, or offsim, the same on "
                            "every node?\n",
                    batch_size(b), batch_todo(b));
        else if (sp.rank == 0 && rc == 0)
            fprintf(stderr, "offsim: sweep: not every rank could plan this sweep as rank 0 "
                            "did (their messages say why); nothing was run\n");
        if (rc == 0)
            rc = EXIT_USAGE;
    }
#endif
    if (sp.rank != 0)
        release_stderr(saved, held, rc != 0 && root_ok, sp.rank);
    if (rc == 0)
        rc = execute(a, db_name, &sw, b, jobs, &sp);
    batch_free(b);
    sweep_free(&sw);
    scenario_free(base);
#ifdef OFFSIM_HAVE_MPI
    if (sp.mpi)
        mpi_stop();
#endif
    return rc;
}

const cli_command cli_sweep = {
    .name = "sweep",
    .args = "SCENARIO",
    .summary = "many runs: varied keys x seeds, in parallel, resumable",
    .synopsis = "sweep SCENARIO --vary KEY=SPEC [--vary ...] [--set KEY=VALUE]...\n"
                "                    [--seeds N|A-B] [--jobs J] [--db PATH] [--engine native|ns3]\n"
                "                    [--shard K/N] [--check] [--quiet]\n"
                "       mpirun -n R offsim sweep ... (when built with MPI)",
    .about = "Run SCENARIO once for every combination of the varied keys' values and every\n"
             "seed, J runs at a time (default: one per core), into one database (default\n"
             "results/offsim.db).  Every point runs the same seeds, so points differ only\n"
             "by the varied keys (common random numbers); results do not depend on --jobs.\n"
             "Each run's varied keys have run_param.varied = 1.  At the end, per point:\n"
             "the close-latency percentiles with the seeds pooled (Kaplan-Meier; '> T'\n"
             "where not reached), and the mean and 95% confidence interval over the\n"
             "seeds of each run's values (offsim summary prints them again).\n",
    .more = "A [sweep] section in the scenario may say the same: 'KEY = SPEC' lines,\n"
            "'seeds = N|A-B', 'jobs = J'; the command line replaces them key by key.\n"
            "\n"
            "Rerunning the same sweep resumes it: complete runs are kept, unfinished ones\n"
            "(interrupted, failed, or left 'running' by a process that died) are done\n"
            "again.  A run that another live process is writing (a second sweep of the\n"
            "same runs) is waited for, never taken over.  Workers die with the sweep.\n"
            "Ctrl-C stops cleanly: runs in progress are marked 'interrupted' (exit 1);\n"
            "so do SIGTERM and SIGHUP, what batch schedulers send before SIGKILL.  On a\n"
            "terminal a progress bar shows runs done and the time left.  Runs are handed\n"
            "out longest expected first (by their connections and segments).\n"
            "\n"
            "Beyond one machine.  --shard K/N runs one shard of a job array, each into a\n"
            "database of its own; `offsim merge OUT.db SHARD.db...` gathers them, and the\n"
            "sweep given OUT.db runs only what is missing.  Started by mpirun (or srun),\n"
            "an offsim built with MPI spreads the runs over the ranks: rank 0 writes the\n"
            "database and hands out runs as slots free up; every rank computes --jobs\n"
            "runs at a time (default 1: start one rank per core).  The rows are those of\n"
            "a local sweep.  A rank that dies ends the job; its runs are redone by the\n"
            "next sweep on the database.  offsim --version says whether MPI is in.\n"
            "\n"
            "Limits: at most " STR(SWEEP_AXIS_MAX) " values per --vary, " STR(SWEEP_SEEDS_MAX)
            " seeds and\n" STR(SWEEP_MAX_RUNS) " runs per sweep, checked before anything is "
            "written.\n",
    .opts = sweep_opts,
    .nopts = sizeof sweep_opts / sizeof *sweep_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "scenario",
    .missing = "which scenario?",
    .run = run_sweep,
};
