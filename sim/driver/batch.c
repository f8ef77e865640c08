/*
 * batch.c - the runs of a sweep (see batch.h).
 *
 * Every run is planned and checked before anything runs, so a value that
 * makes one run's scenario invalid stops the sweep before anything is
 * written.
 *
 * Workers are forked processes with their own database connection (none
 * crosses the fork); the parent hands out run numbers over a pipe, one at a
 * time, and reads back "k run_id status" for each, status as a
 * results_status number.  Ctrl-C reaches the workers too: their runs end
 * 'interrupted', no new run starts.  A run's diagnostics (a write that
 * failed) go to stderr from the process that ran it, as they happen.
 */
#include "batch.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/err.h"

struct batch {
    runner_engine engine;
    scenario **run;         /* one resolved scenario per run */
    char (*identity)[65];
    int64_t *run_id;        /* 0 until known */
    results_status *status; /* RESULTS_RUNNING: not run, or not finished */
    size_t n;
    const char **varied;    /* the axes' keys, for run_param.varied */
    size_t nvaried;
    size_t *due;            /* the runs to do, in order */
    size_t ndue;
    const char *command_line; /* each run's provenance (run.command_line) */
};

void batch_free(batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        scenario_free(b->run[i]);
    free(b->run);
    free(b->identity);
    free(b->run_id);
    free(b->status);
    free(b->varied);
    free(b->due);
    free(b);
}

/* "k=v, k=v" of a point, for a message (cut at the message's length). */
static void point_text(const sweep *sw, const size_t *idx, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t a = 0, l = 0; a < sw->naxes && l < len; a++, l += strlen(buf + l))
        snprintf(buf + l, len - l, "%s%s=%s", a ? ", " : "", sw->axes[a].key,
                 sw->axes[a].values[idx[a]]);
}

/* Run k's scenario: the base with its point's values and seed. */
static int plan_run(batch *b, const scenario *base, const sweep *sw, size_t k, size_t *idx,
                    sim_diag *d)
{
    char seed_text[24], point[DIAG_LEN];
    uint64_t seed;
    int bad = 0;

    sweep_run(sw, k, idx, &seed);
    if (scenario_dup(base, &b->run[k]) != SIM_OK) {
        diag_add(d, "out of memory planning %zu runs", b->n);
        return SIM_ENOMEM;
    }
    for (size_t a = 0; a < sw->naxes && !bad; a++)
        bad = scenario_set_key(b->run[k], sw->axes[a].key, sw->axes[a].values[idx[a]], d) !=
              SIM_OK;
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    if (bad || scenario_set_key(b->run[k], "sim.seed", seed_text, d) != SIM_OK ||
        scenario_resolve(b->run[k], d) != SIM_OK) {
        point_text(sw, idx, point, sizeof point);
        diag_add(d, "the sweep point %s, seed %llu, is not a valid scenario",
                 point[0] ? point : "(none)", (unsigned long long)seed);
        return SIM_ESCENARIO;
    }
    scenario_identity(b->run[k], runner_engine_name[b->engine], b->identity[k]);
    return SIM_OK;
}

int batch_plan(const scenario *base, const sweep *sw, runner_engine engine, batch **out,
               sim_diag *d)
{
    size_t n = sweep_runs(sw);
    batch *b = calloc(1, sizeof *b);
    size_t *idx = calloc(sw->naxes + 1, sizeof *idx);
    int rc = SIM_OK;

    *out = NULL;
    if (b != NULL) {
        b->run = calloc(n, sizeof *b->run);
        b->identity = calloc(n, sizeof *b->identity);
        b->run_id = calloc(n, sizeof *b->run_id);
        b->status = calloc(n, sizeof *b->status);
        b->varied = calloc(sw->naxes + 1, sizeof *b->varied);
        b->due = calloc(n + 1, sizeof *b->due);
    }
    if (!b || !idx || !b->run || !b->identity || !b->run_id || !b->status || !b->varied ||
        !b->due) {
        diag_add(d, "out of memory planning %zu runs", n);
        rc = SIM_ENOMEM;
    } else {
        b->engine = engine;
        b->n = n;
        for (size_t a = 0; a < sw->naxes; a++)
            b->varied[a] = sw->axes[a].key;
        b->nvaried = sw->naxes;
        for (size_t k = 0; k < n && rc == SIM_OK; k++)
            rc = plan_run(b, base, sw, k, idx, d);
        for (size_t k = 0; k < n; k++)
            b->due[k] = k;
        b->ndue = n;
    }
    free(idx);
    if (rc != SIM_OK) {
        batch_free(b);
        return rc;
    }
    *out = b;
    return SIM_OK;
}

size_t batch_size(const batch *b) { return b->n; }
size_t batch_due(const batch *b) { return b->ndue; }
results_status batch_status(const batch *b, size_t k) { return b->status[k]; }
int64_t batch_run_id(const batch *b, size_t k) { return b->run_id[k]; }

int batch_resume(batch *b, results *db, size_t *kept, size_t *redone, sim_diag *d)
{
    *kept = *redone = 0;
    b->ndue = 0;
    for (size_t k = 0; k < b->n; k++) {
        int64_t id = results_find_complete(db, b->identity[k]);
        int gone;

        if (id != 0) {
            b->run_id[k] = id;
            b->status[k] = RESULTS_COMPLETE;
            ++*kept;
            continue;
        }
        gone = results_forget_incomplete(db, b->identity[k]);
        if (gone < 0) {
            diag_add(d, "%s", results_errmsg(db));
            return SIM_EDB;
        }
        *redone += gone > 0;
        b->due[b->ndue++] = k;
    }
    return SIM_OK;
}

/* ---- running ----------------------------------------------------------- */

void batch_set_command_line(batch *b, const char *command_line)
{
    b->command_line = command_line;
}

static void run_one(batch *b, size_t k, results *db)
{
    runner_opts o = {.engine = b->engine, .identity = b->identity[k], .varied = b->varied,
                     .nvaried = b->nvaried, .command_line = b->command_line};
    runner_result res;
    sim_diag d;

    diag_init(&d);
    runner_run(b->run[k], db, &o, &res, &d);
    diag_print(&d, stderr);
    b->run_id[k] = res.run_id;
    b->status[k] = res.status;
}

static int run_here(batch *b, const char *db_name, batch_progress_fn *fn, void *arg,
                    sim_diag *d)
{
    results *db;
    int rc = results_open(db_name, &db, d);

    for (size_t i = 0; rc == SIM_OK && i < b->ndue && !runner_interrupted; i++) {
        run_one(b, b->due[i], db);
        if (fn)
            fn(arg, i + 1, b->ndue);
    }
    results_close(db);
    return rc;
}

typedef struct worker {
    pid_t pid;
    FILE *cmd;   /* parent -> worker: run numbers */
    FILE *reply; /* worker -> parent: "k run_id status" */
    int busy;
} worker;

/* A worker: run what the parent sends until the pipe closes. */
static void worker_main(batch *b, FILE *cmd, FILE *reply, const char *db_name)
{
    results *db;
    sim_diag d;
    size_t k;

    diag_init(&d);
    if (cmd == NULL || reply == NULL || results_open(db_name, &db, &d) != SIM_OK) {
        diag_print(&d, stderr);
        _exit(1);
    }
    while (fscanf(cmd, "%zu", &k) == 1 && k < b->n) {
        if (!runner_interrupted)
            run_one(b, k, db);
        fprintf(reply, "%zu %lld %d\n", k, (long long)b->run_id[k], (int)b->status[k]);
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
static int spawn(worker *wks, unsigned j, batch *b, const char *db_name)
{
    worker *wk = &wks[j];
    int down[2], up[2];

    if (pipe(down) != 0)
        return -1;
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return -1;
    }
    fflush(NULL);
    wk->pid = fork();
    if (wk->pid < 0) {
        close(down[0]);
        close(down[1]);
        close(up[0]);
        close(up[1]);
        return -1;
    }
    if (wk->pid == 0) {
        for (unsigned i = 0; i < j; i++) {
            close(fileno(wks[i].cmd));
            close(fileno(wks[i].reply));
        }
        close(down[1]);
        close(up[0]);
        worker_main(b, fdopen(down[0], "r"), fdopen(up[1], "w"), db_name);
    }
    close(down[0]);
    close(up[1]);
    wk->busy = 0;
    wk->cmd = fdopen(down[1], "w");
    wk->reply = fdopen(up[0], "r");
    if (wk->cmd && wk->reply)
        return 0;
    /* Out of memory: the worker sees its pipe close and ends. */
    if (wk->cmd != NULL)
        fclose(wk->cmd);
    else
        close(down[1]);
    if (wk->reply != NULL)
        fclose(wk->reply);
    else
        close(up[0]);
    while (waitpid(wk->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

/* The state of a parallel batch: its workers and the next run to hand out. */
typedef struct pool {
    batch *b;
    worker *wk;
    struct pollfd *fds;
    unsigned jobs;    /* workers started */
    size_t next;      /* index into b->due */
    size_t busy, done;
    int failed;
} pool;

/* Give worker j the next due run, if there is one and no Ctrl-C came. */
static void give(pool *p, unsigned j)
{
    if (p->next >= p->b->ndue || runner_interrupted)
        return;
    fprintf(p->wk[j].cmd, "%zu\n", p->b->due[p->next++]);
    fflush(p->wk[j].cmd);
    p->wk[j].busy = 1;
    p->busy++;
}

/* Read worker j's report of its run; 0 when it stopped without one. */
static int take_reply(pool *p, unsigned j, sim_diag *d)
{
    size_t k;
    long long id;
    int status;

    p->wk[j].busy = 0;
    p->busy--;
    if (fscanf(p->wk[j].reply, "%zu %lld %d", &k, &id, &status) != 3 || k >= p->b->n ||
        status < 0 || status >= RESULTS_STATUS_N) {
        diag_add(d, "worker %u stopped unexpectedly", j);
        p->failed = 1;
        return 0;
    }
    p->b->run_id[k] = id;
    p->b->status[k] = (results_status)status;
    p->done++;
    return 1;
}

/* Wait for the workers' reports, handing out runs until none is left. */
static void serve(pool *p, batch_progress_fn *fn, void *arg, sim_diag *d)
{
    while (p->busy > 0) {
        int n;

        if (runner_interrupted) /* make sure the workers heard it too */
            for (unsigned j = 0; j < p->jobs; j++)
                if (p->wk[j].busy)
                    kill(p->wk[j].pid, SIGINT);
        for (unsigned j = 0; j < p->jobs; j++) {
            p->fds[j].fd = fileno(p->wk[j].reply);
            p->fds[j].events = p->wk[j].busy ? POLLIN : 0;
        }
        n = poll(p->fds, p->jobs, 200);
        for (unsigned j = 0; j < p->jobs && n > 0; j++) {
            if (!(p->fds[j].revents & (POLLIN | POLLHUP)) || !p->wk[j].busy)
                continue;
            if (!take_reply(p, j, d))
                continue;
            if (fn)
                fn(arg, p->done, p->b->ndue);
            give(p, j);
        }
    }
}

static int run_parallel(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn,
                        void *arg, sim_diag *d)
{
    pool p = {.b = b, .wk = calloc(jobs, sizeof *p.wk), .fds = calloc(jobs, sizeof *p.fds)};

    if (p.wk == NULL || p.fds == NULL) {
        free(p.wk);
        free(p.fds);
        diag_add(d, "out of memory starting %u workers", jobs);
        return SIM_ENOMEM;
    }
    for (; p.jobs < jobs; p.jobs++) {
        if (spawn(p.wk, p.jobs, b, db_name) != 0) {
            diag_add(d, "cannot start worker %u: %s", p.jobs, strerror(errno));
            p.failed = 1;
            break;
        }
        give(&p, p.jobs);
    }
    serve(&p, fn, arg, d);
    for (unsigned j = 0; j < p.jobs; j++) {
        int st;

        fclose(p.wk[j].cmd);
        fclose(p.wk[j].reply);
        while (waitpid(p.wk[j].pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            p.failed = 1;
    }
    free(p.wk);
    free(p.fds);
    return p.failed ? SIM_EIO : SIM_OK;
}

int batch_run(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn, void *arg,
              sim_diag *d)
{
    if (jobs <= 1)
        return run_here(b, db_name, fn, arg, d);
    return run_parallel(b, db_name, jobs, fn, arg, d);
}
