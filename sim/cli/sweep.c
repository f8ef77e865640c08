/*
 * sweep.c - `offsim sweep`: many runs of one scenario, the Cartesian product
 * of the varied keys times the seeds, in parallel worker processes.
 *
 * Every run is planned and checked before anything runs (a value that makes
 * a run's scenario invalid is exit 2, nothing written).  Each run is known
 * by its identity (scenario text, resolved parameters, engine): a run
 * already complete in the database is skipped, one left 'running' (its
 * process was killed), 'interrupted' or 'failed' is deleted and done again,
 * so rerunning the same command resumes a sweep.
 *
 * Workers are forked processes with their own database connection; the
 * parent hands out run numbers over a pipe, one at a time, and reads back
 * each run's id and status.  Results do not depend on --jobs: a run's rows
 * depend only on its scenario and seed.  Ctrl-C reaches the workers too:
 * their runs end 'interrupted', no new run starts, and the parent reports
 * what is left.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "engine/err.h"
#include "io/results.h"
#include "io/sweep.h"
#include "runner.h"

/* A sweep's runs are on offsim's own engine (its identity is part of each run's). */
#define SWEEP_ENGINE "native"

typedef struct plan {
    scenario **run;        /* one resolved scenario per run */
    char (*identity)[65];
    int64_t *run_id;       /* 0 until known */
    results_status *status; /* RESULTS_RUNNING: not run, or not finished */
    size_t n;
    const char **varied;   /* axis keys, for run_param.varied */
    size_t nvaried;
} plan;

static void plan_free(plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        scenario_free(p->run[i]);
    free(p->run);
    free(p->identity);
    free(p->run_id);
    free(p->status);
    free(p->varied);
}

/* Every run's scenario, resolved and checked, and its identity. */
static int make_plan(const scenario *base, const sweep *sw, plan *p, sim_diag *d)
{
    size_t n = sweep_runs(sw), idx[64];
    char set[24]; /* a seed, at most 20 digits */

    memset(p, 0, sizeof *p);
    if (sw->naxes > 64) {
        diag_add(d, "more than 64 varied keys");
        return SIM_ESCENARIO;
    }
    p->run = calloc(n, sizeof *p->run);
    p->identity = calloc(n, sizeof *p->identity);
    p->run_id = calloc(n, sizeof *p->run_id);
    p->status = calloc(n, sizeof *p->status);
    p->varied = calloc(sw->naxes + 1, sizeof *p->varied);
    if (!p->run || !p->identity || !p->run_id || !p->status || !p->varied) {
        diag_add(d, "out of memory planning %zu runs", n);
        return SIM_ENOMEM;
    }
    p->n = n;
    for (size_t a = 0; a < sw->naxes; a++)
        p->varied[a] = sw->axes[a].key;
    p->nvaried = sw->naxes;
    for (size_t k = 0; k < n; k++) {
        uint64_t seed;
        int bad = 0;

        sweep_run(sw, k, idx, &seed);
        if (scenario_dup(base, &p->run[k]) != SIM_OK) {
            diag_add(d, "out of memory planning %zu runs", n);
            return SIM_ENOMEM;
        }
        for (size_t a = 0; a < sw->naxes && !bad; a++)
            bad = scenario_set_key(p->run[k], sw->axes[a].key, sw->axes[a].values[idx[a]], d) !=
                  SIM_OK;
        snprintf(set, sizeof set, "%llu", (unsigned long long)seed);
        if (bad || scenario_set_key(p->run[k], "sim.seed", set, d) != SIM_OK ||
            scenario_resolve(p->run[k], d) != SIM_OK) {
            char point[512] = "";

            for (size_t a = 0; a < sw->naxes; a++) {
                size_t l = strlen(point);
                snprintf(point + l, sizeof point - l, "%s%s=%s", a ? ", " : "",
                         sw->axes[a].key, sw->axes[a].values[idx[a]]);
            }
            diag_add(d, "the sweep point %s, seed %llu, is not a valid scenario",
                     point[0] ? point : "(none)", (unsigned long long)seed);
            return SIM_ESCENARIO;
        }
        scenario_identity(p->run[k], SWEEP_ENGINE, p->identity[k]);
    }
    return SIM_OK;
}

/* ---- progress ---------------------------------------------------------- */

typedef struct progress {
    int on;
    size_t total, done;
    double start;
} progress;

static void progress_draw(const progress *pr, int final)
{
    double el = cli_wall_now() - pr->start;
    double eta = pr->done ? el * (double)(pr->total - pr->done) / (double)pr->done : 0;
    int width = 30, filled = pr->total ? (int)(width * pr->done / pr->total) : width;

    if (!pr->on)
        return;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu runs  %.1f s  ETA %.1f s ", filled,
            "##############################", width - filled, "", pr->done, pr->total, el,
            eta);
    if (final)
        fputs("\r\033[K", stderr);
}

/* ---- running ----------------------------------------------------------- */

static int run_one(plan *p, size_t k, results *db, const char *db_name)
{
    runner_opts o = {0};
    runner_result res;
    sim_diag d;
    int rc;

    o.engine = SWEEP_ENGINE;
    o.identity = p->identity[k];
    o.db_name = db_name;
    o.varied = p->varied;
    o.nvaried = p->nvaried;
    diag_init(&d);
    rc = runner_run(p->run[k], db, &o, &res, &d);
    diag_print(&d, stderr);
    p->run_id[k] = res.run_id;
    p->status[k] = res.status;
    return rc;
}

static void run_here(plan *p, const size_t *due, size_t ndue, results *db,
                     const char *db_name, progress *pr)
{
    for (size_t i = 0; i < ndue && !runner_interrupted; i++) {
        run_one(p, due[i], db, db_name);
        pr->done++;
        progress_draw(pr, 0);
    }
}

typedef struct worker {
    pid_t pid;
    FILE *cmd;   /* parent -> worker: run numbers */
    FILE *reply; /* worker -> parent: "k run_id status" */
    int busy;
} worker;

/* A worker: run what the parent sends until the pipe closes. */
static void worker_main(plan *p, FILE *cmd, FILE *reply, const char *db_name)
{
    results *db;
    sim_diag d;
    size_t k;

    diag_init(&d);
    if (results_open(db_name, &db, &d) != SIM_OK) {
        diag_print(&d, stderr);
        _exit(1);
    }
    while (fscanf(cmd, "%zu", &k) == 1 && k < p->n) {
        if (!runner_interrupted)
            run_one(p, k, db, db_name);
        fprintf(reply, "%zu %lld %d\n", k, (long long)p->run_id[k], (int)p->status[k]);
        fflush(reply);
    }
    results_close(db);
    _exit(0);
}

/*
 * Start worker j.  The child closes the parent's ends of the earlier
 * workers' pipes: a copy left open would keep their command pipes from ever
 * reaching end-of-file.
 */
static int spawn(worker *wks, unsigned j, plan *p, const char *db_name)
{
    worker *wk = &wks[j];
    int down[2], up[2];

    if (pipe(down) != 0 || pipe(up) != 0)
        return -1;
    fflush(NULL);
    wk->pid = fork();
    if (wk->pid < 0)
        return -1;
    if (wk->pid == 0) {
        for (unsigned i = 0; i < j; i++) {
            close(fileno(wks[i].cmd));
            close(fileno(wks[i].reply));
        }
        close(down[1]);
        close(up[0]);
        worker_main(p, fdopen(down[0], "r"), fdopen(up[1], "w"), db_name);
    }
    close(down[0]);
    close(up[1]);
    wk->cmd = fdopen(down[1], "w");
    wk->reply = fdopen(up[0], "r");
    wk->busy = 0;
    return wk->cmd && wk->reply ? 0 : -1;
}

static void give(worker *wk, size_t k)
{
    fprintf(wk->cmd, "%zu\n", k);
    fflush(wk->cmd);
    wk->busy = 1;
}

static int run_parallel(plan *p, const size_t *due, size_t ndue, unsigned jobs,
                        const char *db_name, progress *pr)
{
    worker *wk = calloc(jobs, sizeof *wk);
    struct pollfd *fds = calloc(jobs, sizeof *fds);
    size_t next = 0, busy = 0;
    int failed = 0;

    if (wk == NULL || fds == NULL) {
        free(wk);
        free(fds);
        return -1;
    }
    for (unsigned j = 0; j < jobs; j++) {
        if (spawn(wk, j, p, db_name) != 0) {
            fprintf(stderr, "offsim: cannot start worker %u: %s\n", j, strerror(errno));
            jobs = j;
            failed = 1;
            break;
        }
        if (next < ndue) {
            give(&wk[j], due[next++]);
            busy++;
        }
    }
    while (busy > 0) {
        int n;

        if (runner_interrupted) {
            /* Stop handing out runs; make sure the workers heard it too. */
            next = ndue;
            for (unsigned j = 0; j < jobs; j++)
                if (wk[j].busy)
                    kill(wk[j].pid, SIGINT);
        }
        for (unsigned j = 0; j < jobs; j++) {
            fds[j].fd = fileno(wk[j].reply);
            fds[j].events = wk[j].busy ? POLLIN : 0;
        }
        n = poll(fds, jobs, 200);
        if (n < 0 && errno == EINTR)
            continue;
        for (unsigned j = 0; j < jobs && n > 0; j++) {
            size_t k;
            long long id;
            int status;

            if (!(fds[j].revents & (POLLIN | POLLHUP)) || !wk[j].busy)
                continue;
            if (fscanf(wk[j].reply, "%zu %lld %d", &k, &id, &status) != 3 || k >= p->n ||
                status < 0 || status >= RESULTS_STATUS_N) {
                fprintf(stderr, "offsim: worker %u stopped unexpectedly\n", j);
                wk[j].busy = 0;
                busy--;
                failed = 1;
                continue;
            }
            p->run_id[k] = id;
            p->status[k] = (results_status)status;
            pr->done++;
            progress_draw(pr, 0);
            wk[j].busy = 0;
            busy--;
            if (next < ndue && !runner_interrupted) {
                give(&wk[j], due[next++]);
                busy++;
            }
        }
    }
    for (unsigned j = 0; j < jobs; j++) {
        int st;

        fclose(wk[j].cmd);
        fclose(wk[j].reply);
        while (waitpid(wk[j].pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failed = 1;
    }
    free(wk);
    free(fds);
    return failed ? -1 : 0;
}

/* ---- the summary -------------------------------------------------------- */

/* The median over a point's complete runs of one scalar; NAN when none has
 * it (or it cannot be read). */
static double point_median(results *db, const plan *p, size_t first, size_t nseeds,
                           results_scalar_id id, int64_t *runs)
{
    size_t n = 0;
    double m;

    for (size_t k = first; k < first + nseeds; k++)
        if (p->run_id[k] != 0 && p->status[k] == RESULTS_COMPLETE)
            runs[n++] = p->run_id[k];
    if (results_scalar_median(db, runs, n, id, &m) != SIM_OK)
        return NAN;
    return m;
}

static void summary_table(const char *db_name, const sweep *sw, const plan *p)
{
    results *db;
    sim_diag d;
    size_t nseeds = sweep_seed_count(sw);
    size_t *idx = calloc(sw->naxes ? sw->naxes : 1, sizeof *idx);
    int64_t *runs = calloc(nseeds, sizeof *runs);
    char buf[32];

    diag_init(&d);
    if (idx == NULL || runs == NULL || results_open_read(db_name, &db, &d) != SIM_OK) {
        diag_print(&d, stderr);
        free(idx);
        free(runs);
        return;
    }
    printf("\nmedians over seeds per point (close latency: our close to TIME_WAIT/CLOSED)\n");
    for (size_t a = 0; a < sw->naxes; a++)
        printf("%-24s ", sw->axes[a].key);
    printf("%10s %10s %10s %9s %12s %9s\n", "close p50", "close p99", "close max", "censored",
           "nic expiries", "nic mean");
    for (size_t pt = 0; pt < sweep_points(sw); pt++) {
        uint64_t seed;
        size_t first = pt * nseeds;
        static const results_scalar_id times[] = {RESULTS_CLOSE_P50_S, RESULTS_CLOSE_P99_S,
                                                  RESULTS_CLOSE_MAX_S};

        sweep_run(sw, first, idx, &seed);
        for (size_t a = 0; a < sw->naxes; a++)
            printf("%-24s ", sw->axes[a].values[idx[a]]);
        for (size_t t = 0; t < 3; t++)
            printf("%10s ", cli_fmt_time(point_median(db, p, first, nseeds, times[t], runs) *
                                             (double)SIM_S, buf));
        printf("%8.1f%% ", 100 * point_median(db, p, first, nseeds, RESULTS_CENSORED_SHARE, runs));
        printf("%12.0f ", point_median(db, p, first, nseeds, RESULTS_NIC_FW2_EXPIRIES, runs));
        printf("%9.1f\n", point_median(db, p, first, nseeds, RESULTS_NIC_MEAN, runs));
    }
    results_close(db);
    free(idx);
    free(runs);
}

/* ---- the command --------------------------------------------------------- */

int cmd_sweep(int argc, char **argv)
{
    const char *path = NULL, *db_name = NULL, *seeds = NULL, *jobs_arg = NULL;
    char **sets = calloc((size_t)argc, sizeof *sets), **varies = calloc((size_t)argc, sizeof *varies);
    char **joined_args = calloc((size_t)argc, sizeof *joined_args);
    size_t njoined = 0;
    size_t nsets = 0, nvaries = 0, ndue = 0, skipped = 0, redone = 0;
    size_t *due = NULL;
    uint64_t jobs = 0;
    int quiet = 0, rc = 0, bad = 0;
    scenario *base = NULL;
    results *db = NULL;
    sweep sw;
    plan p;
    sim_diag d;
    progress pr;
    double t0;
    size_t complete = 0, interrupted = 0, failed = 0;

    memset(&p, 0, sizeof p);
    sweep_init(&sw);
    diag_init(&d);
    if (sets == NULL || varies == NULL || joined_args == NULL) {
        free(sets);
        free(varies);
        free(joined_args);
        return EXIT_RUN_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;

        if (strcmp(a, "--set") == 0 || strcmp(a, "--vary") == 0) {
            if (i + 1 >= argc) {
                rc = cli_usage_error("sweep", "%s needs KEY=VALUE", a);
                goto out;
            }
            if (a[2] == 's') {
                sets[nsets++] = argv[++i];
                continue;
            }
            varies[nvaries++] = argv[++i];
            /* An unquoted range: --vary k=30s..240s step 30s. */
            if (strstr(argv[i], "..") != NULL && i + 2 < argc && strcmp(argv[i + 1], "step") == 0) {
                size_t len = strlen(argv[i]) + strlen(argv[i + 2]) + 8;
                char *joined = malloc(len);

                if (joined == NULL) {
                    rc = EXIT_RUN_FAILED;
                    goto out;
                }
                snprintf(joined, len, "%s step %s", argv[i], argv[i + 2]);
                varies[nvaries - 1] = joined;
                joined_args[njoined++] = joined;
                i += 2;
            }
            continue;
        } else if (strcmp(a, "--seeds") == 0) {
            slot = &seeds;
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            slot = &jobs_arg;
        } else if (strcmp(a, "--db") == 0) {
            slot = &db_name;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
            continue;
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = cli_usage_error("sweep", "unknown option '%s'", a);
            goto out;
        } else if (path == NULL) {
            path = a;
            continue;
        } else {
            rc = cli_usage_error("sweep", "one scenario at a time ('%s' and '%s')", path, a);
            goto out;
        }
        if (i + 1 >= argc) {
            rc = cli_usage_error("sweep", "%s needs a value", a);
            goto out;
        }
        *slot = argv[++i];
    }
    if (path == NULL) {
        rc = cli_usage_error("sweep", "which scenario?");
        goto out;
    }
    base = cli_load_scenario(path, sets, nsets, NULL, NULL);
    if (base == NULL) {
        rc = EXIT_USAGE;
        goto out;
    }
    /* The file's [sweep] first, then the command line (which replaces it). */
    bad |= sweep_from_scenario(&sw, base, &jobs, &d) != SIM_OK;
    for (size_t i = 0; i < nvaries; i++) {
        char where[600], *eq = strchr(varies[i], '='), key[256];

        snprintf(where, sizeof where, "--vary %s", varies[i]);
        if (eq == NULL || eq == varies[i] || (size_t)(eq - varies[i]) >= sizeof key) {
            diag_add(&d, "%s: expected KEY=v1,v2,... or KEY=A..B step S", where);
            bad = 1;
            continue;
        }
        snprintf(key, sizeof key, "%.*s", (int)(eq - varies[i]), varies[i]);
        bad |= sweep_vary(&sw, base, key, eq + 1, where, &d) != SIM_OK;
    }
    if (seeds != NULL)
        bad |= sweep_seeds(&sw, seeds, "--seeds", &d) != SIM_OK;
    if (jobs_arg != NULL) {
        char err[UNITS_ERR_MAX];
        if (units_parse_count(jobs_arg, &jobs, err) != 0 || jobs == 0 || jobs > 1024) {
            diag_add(&d, "--jobs: expected a number of worker processes (1 to 1024), got '%s'",
                     jobs_arg);
            bad = 1;
        }
    }
    if (!sw.seeds_given)
        sw.seed_first = sw.seed_last = base->cfg.sim.seed;
    if (!bad && make_plan(base, &sw, &p, &d) != SIM_OK)
        bad = 1;
    if (bad) {
        diag_print(&d, stderr);
        rc = EXIT_USAGE;
        goto out;
    }
    if (jobs == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = cores > 0 ? (uint64_t)cores : 1;
    }

    if (db_name == NULL) {
        db_name = cli_default_db();
        if (db_name == NULL) {
            rc = EXIT_RUN_FAILED;
            goto out;
        }
    }
    if (results_open(db_name, &db, &d) != SIM_OK) {
        diag_print(&d, stderr);
        rc = EXIT_RUN_FAILED;
        goto out;
    }
    /* Resume: complete runs stay, unfinished ones are done again. */
    due = calloc(p.n ? p.n : 1, sizeof *due);
    if (due == NULL) {
        rc = EXIT_RUN_FAILED;
        goto out;
    }
    for (size_t k = 0; k < p.n; k++) {
        int64_t id = results_find_complete(db, p.identity[k]);
        int gone;

        if (id != 0) {
            p.run_id[k] = id;
            p.status[k] = RESULTS_COMPLETE;
            skipped++;
            continue;
        }
        gone = results_forget_incomplete(db, p.identity[k]);
        if (gone < 0) {
            fprintf(stderr, "offsim: %s: %s\n", db_name, results_errmsg(db));
            rc = EXIT_RUN_FAILED;
            goto out;
        }
        redone += gone > 0;
        due[ndue++] = k;
    }
    if (jobs > ndue)
        jobs = ndue ? ndue : 1;

    printf("offsim sweep: %s, %zu point%s x %llu seed%s = %zu runs -> %s\n", path,
           sweep_points(&sw), sweep_points(&sw) == 1 ? "" : "s",
           (unsigned long long)sweep_seed_count(&sw),
           sw.seed_last == sw.seed_first ? "" : "s", p.n, db_name);
    if (skipped || redone)
        printf("resuming: %zu complete already, %zu to run (%zu unfinished redone)\n", skipped,
               ndue, redone);
    fflush(stdout);

    pr.on = !quiet && isatty(STDERR_FILENO);
    pr.total = ndue;
    pr.done = 0;
    pr.start = t0 = cli_wall_now();
    runner_catch_sigint(1);
    if (jobs <= 1) {
        run_here(&p, due, ndue, db, db_name, &pr);
    } else {
        /* Workers open their own connection; none crosses the fork. */
        results_close(db);
        db = NULL;
        if (run_parallel(&p, due, ndue, (unsigned)jobs, db_name, &pr) != 0)
            rc = EXIT_RUN_FAILED;
    }
    runner_catch_sigint(0);
    progress_draw(&pr, 1);
    for (size_t k = 0; k < p.n; k++) {
        if (p.status[k] == RESULTS_RUNNING || p.status[k] == RESULTS_INTERRUPTED)
            interrupted++;
        else if (p.status[k] == RESULTS_COMPLETE)
            complete++;
        else
            failed++;
    }
    printf("%zu complete, %zu interrupted or not run, %zu failed; %.2f s with %llu job%s\n",
           complete, interrupted, failed, cli_wall_now() - t0, (unsigned long long)jobs,
           jobs == 1 ? "" : "s");
    if (complete > 0)
        summary_table(db_name, &sw, &p);
    if (interrupted || failed) {
        fprintf(stderr, "offsim: the sweep is not finished; run the same command again to "
                        "resume it\n");
        rc = EXIT_RUN_FAILED;
    }

out:
    results_close(db);
    free(due);
    plan_free(&p);
    sweep_free(&sw);
    scenario_free(base);
    free(sets);
    free(varies);
    for (size_t i = 0; i < njoined; i++)
        free(joined_args[i]);
    free(joined_args);
    return rc;
}
