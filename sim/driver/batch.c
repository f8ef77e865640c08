/*
 * batch.c - the runs of a sweep (see batch.h).
 *
 * Every point is resolved and checked before anything runs, so a value
 * that makes one run's scenario invalid stops the sweep before anything is
 * written; a run's scenario is made again when the run is due, by whoever
 * runs it.
 *
 * Workers are forked processes with their own database connection (none
 * crosses the fork).  They die with the parent (PR_SET_PDEATHSIG): a
 * parent killed with SIGKILL leaves no worker writing on behind it, and the
 * runs they held are unfinished runs of dead writers, redone by the next
 * claim.  The parent hands out run numbers over a pipe, one at a time, and
 * reads back "k run_id status outcome replaced" for each (status a
 * results_status, outcome a results_claim_outcome).  A worker whose pipe
 * closes without a reply died: the parent says which run it held, reaps
 * it, and starts another in its place.  Ctrl-C reaches the workers too:
 * their runs end 'interrupted', no new run starts.  A run's diagnostics (a
 * write that failed) go to stderr from the process that ran it, as they
 * happen.
 */
#include "batch.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "engine/err.h"
#include "io/crashpoint.h"

struct batch {
    runner_engine engine;
    const scenario *base;
    const sweep *sw;
    size_t n;
    int64_t *run_id;        /* 0 until known */
    unsigned char *status;  /* a results_status; RESULTS_RUNNING: not run, or not finished */
    const char **varied;    /* the axes' keys, for run_param.varied */
    size_t nvaried;
    batch_count count;
    size_t *held;           /* runs a live process holds, to ask for again */
    double *held_at;        /* when each was last asked for */
    size_t nheld, held_cap;
    const char *command_line; /* each run's provenance (run.command_line) */
};

void batch_free(batch *b)
{
    if (b == NULL)
        return;
    free(b->run_id);
    free(b->status);
    free(b->varied);
    free(b->held);
    free(b->held_at);
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

/*
 * Run k's scenario, resolved: the base with its point's values and seed.
 * idx: room for the axes.  SIM_ESCENARIO after a message naming the point.
 */
static int make_run(const batch *b, size_t k, size_t *idx, scenario **out, sim_diag *d)
{
    const sweep *sw = b->sw;
    char seed_text[24], point[DIAG_LEN];
    uint64_t seed;
    int bad = 0;

    sweep_run(sw, k, idx, &seed);
    if (scenario_dup(b->base, out) != SIM_OK) {
        diag_add(d, "out of memory making a run's scenario");
        return SIM_ENOMEM;
    }
    for (size_t a = 0; a < sw->naxes && !bad; a++)
        bad = scenario_set_key(*out, sw->axes[a].key, sw->axes[a].values[idx[a]], d) != SIM_OK;
    snprintf(seed_text, sizeof seed_text, "%llu", (unsigned long long)seed);
    if (bad || scenario_set_key(*out, "sim.seed", seed_text, d) != SIM_OK ||
        scenario_resolve(*out, d) != SIM_OK) {
        point_text(sw, idx, point, sizeof point);
        diag_add(d, "the sweep point %s, seed %llu, is not a valid scenario",
                 point[0] ? point : "(none)", (unsigned long long)seed);
        scenario_free(*out);
        *out = NULL;
        return SIM_ESCENARIO;
    }
    return SIM_OK;
}

int batch_plan(const scenario *base, const sweep *sw, runner_engine engine, batch **out,
               sim_diag *d)
{
    size_t n, nseeds = sweep_seed_count(sw);
    batch *b = NULL;
    size_t *idx = NULL;
    int rc;

    *out = NULL;
    if ((rc = sweep_check_size(sw, d)) != SIM_OK)
        return rc;
    n = sweep_runs(sw);
    if ((b = calloc(1, sizeof *b)) == NULL || (idx = calloc(sw->naxes + 1, sizeof *idx)) == NULL ||
        (b->run_id = calloc(n, sizeof *b->run_id)) == NULL ||
        (b->status = malloc(n)) == NULL ||
        (b->varied = calloc(sw->naxes + 1, sizeof *b->varied)) == NULL) {
        diag_add(d, "out of memory planning %zu runs", n);
        free(idx);
        batch_free(b);
        return SIM_ENOMEM;
    }
    memset(b->status, RESULTS_RUNNING, n);
    b->engine = engine;
    b->base = base;
    b->sw = sw;
    b->n = n;
    for (size_t a = 0; a < sw->naxes; a++)
        b->varied[a] = sw->axes[a].key;
    b->nvaried = sw->naxes;
    /* Each point once, with its first seed: the seed cannot make a scenario invalid. */
    for (size_t k = 0; k < n && rc == SIM_OK; k += nseeds) {
        scenario *sc;

        if ((rc = make_run(b, k, idx, &sc, d)) == SIM_OK)
            scenario_free(sc);
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
results_status batch_status(const batch *b, size_t k) { return (results_status)b->status[k]; }
int64_t batch_run_id(const batch *b, size_t k) { return b->run_id[k]; }
void batch_counts(const batch *b, batch_count *c) { *c = b->count; }

int batch_identity(const batch *b, size_t k, char identity[65], sim_diag *d)
{
    size_t *idx = calloc(b->sw->naxes + 1, sizeof *idx);
    scenario *sc;
    int rc;

    if (idx == NULL) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    rc = make_run(b, k, idx, &sc, d);
    free(idx);
    if (rc != SIM_OK)
        return rc;
    scenario_identity(sc, runner_engine_name[b->engine], identity);
    scenario_free(sc);
    return SIM_OK;
}

void batch_set_command_line(batch *b, const char *command_line)
{
    b->command_line = command_line;
}

/* ---- one run ------------------------------------------------------------- */

/* A run's report: what a worker sends its parent. */
typedef struct report {
    size_t k;
    long long run_id;
    int status;   /* results_status */
    int outcome;  /* results_claim_outcome */
    int replaced;
} report;

/* Claim run k and run it unless it is done or held. */
static void run_one(const batch *b, size_t k, results *db, report *rep)
{
    runner_opts o = {.engine = b->engine, .varied = b->varied, .nvaried = b->nvaried,
                     .command_line = b->command_line, .claim = 1};
    size_t *idx = calloc(b->sw->naxes + 1, sizeof *idx);
    runner_result res;
    scenario *sc = NULL;
    sim_diag d;

    diag_init(&d);
    memset(rep, 0, sizeof *rep);
    rep->k = k;
    rep->status = RESULTS_FAILED;
    if (idx == NULL) {
        diag_add(&d, "out of memory");
    } else if (make_run(b, k, idx, &sc, &d) == SIM_OK) {
        runner_run(sc, db, &o, &res, &d);
        rep->run_id = res.run_id;
        rep->status = (int)res.status;
        rep->outcome = (int)res.claim.outcome;
        rep->replaced = res.claim.replaced;
    }
    diag_print(&d, stderr);
    scenario_free(sc);
    free(idx);
}

/*
 * Take a run's report into the batch; 1 when the run is finished with, 0
 * when another live process holds it (it is asked for again later).
 * b->held_at[i] is when held run i was last answered, HUGE_VAL while a
 * worker is asking for it.
 */
static int take(batch *b, const report *rep, double now)
{
    size_t k = rep->k, i;
    int was_held;

    for (i = 0; i < b->nheld && b->held[i] != k; i++)
        ;
    was_held = i < b->nheld;
    if (rep->outcome == RESULTS_HELD) {
        if (!was_held) {
            if (b->nheld == b->held_cap) {
                size_t cap = b->held_cap ? 2 * b->held_cap : 16;
                size_t *h = realloc(b->held, cap * sizeof *h);
                double *t;

                if (h != NULL)
                    b->held = h;
                if (h == NULL || (t = realloc(b->held_at, cap * sizeof *t)) == NULL) {
                    fprintf(stderr, "offsim: out of memory: a run another process holds is "
                                    "left unfinished\n");
                    return 1;
                }
                b->held_at = t;
                b->held_cap = cap;
            }
            b->held[b->nheld++] = k;
        }
        b->held_at[i] = now;
        return 0;
    }
    if (was_held) {
        b->held[i] = b->held[--b->nheld];
        b->held_at[i] = b->held_at[b->nheld];
    }
    b->run_id[k] = rep->run_id;
    b->status[k] = (unsigned char)rep->status;
    b->count.redone += (size_t)rep->replaced;
    if (rep->outcome == RESULTS_DONE)
        *(was_held ? &b->count.waited : &b->count.kept) += 1;
    else if (rep->status != RESULTS_RUNNING)
        b->count.ran++;
    return 1;
}

/* A held run due to be asked for again (its place in b->held), or -1. */
static long next_held(const batch *b, double now)
{
    for (size_t i = 0; i < b->nheld; i++)
        if (now - b->held_at[i] >= BATCH_RETRY_S)
            return (long)i;
    return -1;
}

/* Held run k is no longer being asked for: due again at once. */
static void held_due(batch *b, size_t k)
{
    for (size_t i = 0; i < b->nheld; i++)
        if (b->held[i] == k)
            b->held_at[i] = -HUGE_VAL;
}

/* ---- in this process -------------------------------------------------------- */

static void pause_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

    nanosleep(&ts, NULL); /* Ctrl-C cuts it short */
}

static int run_here(batch *b, const char *db_name, batch_progress_fn *fn, void *arg,
                    sim_diag *d)
{
    results *db;
    size_t done = 0;
    report rep;
    int rc = results_open(db_name, &db, d);

    for (size_t k = 0; rc == SIM_OK && k < b->n && !runner_interrupted; k++) {
        run_one(b, k, db, &rep);
        if (take(b, &rep, runner_wall_now()) && fn)
            fn(arg, ++done, b->n);
    }
    /* Runs another process held: ask again until they are done with. */
    while (rc == SIM_OK && b->nheld > 0 && !runner_interrupted) {
        long h = next_held(b, runner_wall_now());

        if (h < 0) {
            pause_s(BATCH_RETRY_S / 4);
            continue;
        }
        run_one(b, b->held[h], db, &rep);
        if (take(b, &rep, runner_wall_now()) && fn)
            fn(arg, ++done, b->n);
    }
    results_close(db);
    return rc;
}

/* ---- workers ------------------------------------------------------------------ */

typedef struct worker {
    pid_t pid;
    FILE *cmd;   /* parent -> worker: run numbers */
    FILE *reply; /* worker -> parent: reports */
    int busy;
    size_t k;    /* the run it has */
} worker;

/* A worker: run what the parent sends until the pipe closes. */
static void worker_main(const batch *b, FILE *cmd, FILE *reply, const char *db_name,
                        pid_t parent)
{
    results *db;
    sim_diag d;
    report rep;
    size_t k;

#ifdef __linux__
    /* Die with the parent, even when it is killed with SIGKILL; and if it is
     * gone already, now. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent)
        _exit(1);
    diag_init(&d);
    if (cmd == NULL || reply == NULL || results_open(db_name, &db, &d) != SIM_OK) {
        diag_print(&d, stderr);
        _exit(1);
    }
    while (fscanf(cmd, "%zu", &k) == 1 && k < b->n) {
        if (runner_interrupted) { /* not run */
            memset(&rep, 0, sizeof rep);
            rep.k = k;
            rep.status = RESULTS_RUNNING;
            rep.outcome = RESULTS_CLAIMED;
        } else {
            run_one(b, k, db, &rep);
        }
        fprintf(reply, "%zu %lld %d %d %d\n", rep.k, rep.run_id, rep.status, rep.outcome,
                rep.replaced);
        fflush(reply);
    }
    results_close(db);
    _exit(0);
}

/*
 * Start worker j.  The child closes the parent's ends of the other
 * workers' pipes: a copy left open would keep their command pipes from ever
 * reaching end-of-file.
 */
static int spawn(worker *wks, unsigned j, unsigned nwk, const batch *b, const char *db_name)
{
    worker *wk = &wks[j];
    pid_t parent = getpid();
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
        for (unsigned i = 0; i < nwk; i++)
            if (i != j && wks[i].cmd != NULL) {
                close(fileno(wks[i].cmd));
                close(fileno(wks[i].reply));
            }
        close(down[1]);
        close(up[0]);
        worker_main(b, fdopen(down[0], "r"), fdopen(up[1], "w"), db_name, parent);
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
    wk->cmd = wk->reply = NULL;
    while (waitpid(wk->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return -1;
}

/* The state of a parallel batch: its workers and the next run to hand out. */
typedef struct pool {
    batch *b;
    const char *db_name;
    worker *wk;
    struct pollfd *fds;
    unsigned jobs;        /* worker slots */
    unsigned respawns;    /* workers started in place of dead ones */
    size_t next;          /* the next run never handed out */
    size_t busy, done;
    int failed;
} pool;

/* Give worker j a run: the next new one, else a held run due again. */
static void give(pool *p, unsigned j)
{
    worker *wk = &p->wk[j];
    long h;

    if (runner_interrupted || wk->cmd == NULL)
        return;
    if (p->next < p->b->n) {
        wk->k = p->next++;
    } else if ((h = next_held(p->b, runner_wall_now())) >= 0) {
        wk->k = p->b->held[h];
        p->b->held_at[h] = HUGE_VAL; /* being asked */
    } else {
        return;
    }
    fprintf(wk->cmd, "%zu\n", wk->k);
    fflush(wk->cmd); /* a dead worker: EPIPE (SIGPIPE is ignored), then its pipe hangs up */
    wk->busy = 1;
    p->busy++;
    crash_point_pass(CRASH_HANDOUT);
}

/* How a worker ended, for a message. */
static void describe_exit(int st, char *buf, size_t len)
{
    if (WIFSIGNALED(st))
        snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else if (WIFEXITED(st))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
    else
        snprintf(buf, len, "stopped");
}

/* Worker j died: say so at once, reap it, and start another in its place. */
static void lost_worker(pool *p, unsigned j)
{
    worker *wk = &p->wk[j];
    size_t *idx = calloc(p->b->sw->naxes + 1, sizeof *idx);
    char how[96], point[DIAG_LEN];
    uint64_t seed = 0;
    int st = 0;

    fclose(wk->cmd);
    fclose(wk->reply);
    wk->cmd = wk->reply = NULL;
    while (waitpid(wk->pid, &st, 0) < 0 && errno == EINTR)
        ;
    describe_exit(st, how, sizeof how);
    point[0] = '\0';
    if (wk->busy && idx != NULL) {
        sweep_run(p->b->sw, wk->k, idx, &seed);
        point_text(p->b->sw, idx, point, sizeof point);
        fprintf(stderr, "offsim: worker %u (pid %lld) %s during the run of %s%sseed %llu: "
                        "that run is left unfinished\n",
                j, (long long)wk->pid, how, point, point[0] ? ", " : "",
                (unsigned long long)seed);
        held_due(p->b, wk->k);
        wk->busy = 0;
        p->busy--;
    } else {
        fprintf(stderr, "offsim: worker %u (pid %lld) %s\n", j, (long long)wk->pid, how);
    }
    free(idx);
    p->failed = 1;
    if (runner_interrupted || p->respawns >= p->jobs)
        return;
    p->respawns++;
    if (spawn(p->wk, j, p->jobs, p->b, p->db_name) != 0)
        fprintf(stderr, "offsim: cannot start a worker in its place: %s\n", strerror(errno));
}

/* Read worker j's report of its run (or learn that it died). */
static void take_reply(pool *p, unsigned j, batch_progress_fn *fn, void *arg)
{
    worker *wk = &p->wk[j];
    report rep;

    if (!wk->busy ||
        fscanf(wk->reply, "%zu %lld %d %d %d", &rep.k, &rep.run_id, &rep.status, &rep.outcome,
               &rep.replaced) != 5 ||
        rep.k != wk->k || rep.status < 0 || rep.status >= RESULTS_STATUS_N || rep.outcome < 0 ||
        rep.outcome > RESULTS_HELD) {
        lost_worker(p, j);
        return;
    }
    wk->busy = 0;
    p->busy--;
    if (take(p->b, &rep, runner_wall_now())) {
        p->done++;
        if (fn)
            fn(arg, p->done, p->b->n);
    }
}

/* Hand out runs and read reports until every run is done with. */
static void serve(pool *p, batch_progress_fn *fn, void *arg)
{
    for (;;) {
        int n, live = 0;

        if (runner_interrupted) /* make sure the workers heard it too */
            for (unsigned j = 0; j < p->jobs; j++)
                if (p->wk[j].busy)
                    kill(p->wk[j].pid, SIGINT);
        for (unsigned j = 0; j < p->jobs; j++) {
            if (!p->wk[j].busy)
                give(p, j);
            live += p->wk[j].cmd != NULL;
        }
        if (p->busy == 0 && (runner_interrupted || p->b->nheld == 0 || live == 0))
            break;
        /* Every live worker is watched: one that hangs up has died. */
        for (unsigned j = 0; j < p->jobs; j++) {
            p->fds[j].fd = p->wk[j].reply ? fileno(p->wk[j].reply) : -1;
            p->fds[j].events = POLLIN;
        }
        n = poll(p->fds, p->jobs, 200);
        for (unsigned j = 0; j < p->jobs && n > 0; j++)
            if (p->fds[j].fd >= 0 && (p->fds[j].revents & (POLLIN | POLLHUP | POLLERR)))
                take_reply(p, j, fn, arg);
    }
}

static int run_parallel(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn,
                        void *arg, sim_diag *d)
{
    pool p = {.b = b, .db_name = db_name, .wk = calloc(jobs, sizeof *p.wk),
              .fds = calloc(jobs, sizeof *p.fds)};
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
    unsigned started = 0;

    if (p.wk == NULL || p.fds == NULL) {
        free(p.wk);
        free(p.fds);
        diag_add(d, "out of memory starting %u workers", jobs);
        return SIM_ENOMEM;
    }
    p.jobs = jobs;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);
    for (; started < jobs; started++)
        if (spawn(p.wk, started, jobs, b, db_name) != 0) {
            diag_add(d, "cannot start worker %u: %s", started, strerror(errno));
            p.failed = 1;
            break;
        }
    if (started > 0)
        serve(&p, fn, arg);
    for (unsigned j = 0; j < jobs; j++) {
        int st;

        if (p.wk[j].cmd == NULL)
            continue;
        fclose(p.wk[j].cmd);
        fclose(p.wk[j].reply);
        while (waitpid(p.wk[j].pid, &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            char how[96];

            describe_exit(st, how, sizeof how);
            diag_add(d, "worker %u (pid %lld) %s", j, (long long)p.wk[j].pid, how);
            p.failed = 1;
        }
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(p.wk);
    free(p.fds);
    if (p.failed && d->n == 0)
        diag_add(d, "a worker died: its run is left unfinished");
    return p.failed ? SIM_EIO : SIM_OK;
}

int batch_run(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn, void *arg,
              sim_diag *d)
{
    if (jobs <= 1)
        return run_here(b, db_name, fn, arg, d);
    return run_parallel(b, db_name, jobs, fn, arg, d);
}
