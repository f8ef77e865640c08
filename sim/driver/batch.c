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
 * reads back "k run_id status outcome running interrupted failed" for each
 * (status a results_status, outcome a results_claim_outcome, then the
 * unfinished runs the claim replaced, by status).  A worker whose pipe
 * closes without a reply died: the parent says which run it held, reaps
 * it, and starts another in its place.  An interruption (Ctrl-C, SIGTERM,
 * SIGHUP: runner_interrupted) reaches the workers too, from the terminal or
 * from the parent: their runs end 'interrupted', no new run starts.  A run's diagnostics (a
 * write that failed) go to stderr from the process that ran it, as they
 * happen.
 *
 * Order.  Runs are handed out longest expected first (batch_cost), so that
 * the last runs to finish are short ones and no worker is left with a long
 * run while the others idle; runs of equal cost go in the order of their
 * index.  --shard keeps a shard of them (batch_shard).
 *
 * ns-3.  Its simulator is a singleton, so each ns-3 run has a process of
 * its own: a worker does one run and exits, and the next run gets a new
 * worker, even with one job.
 *
 * Runs written by another process (an MPI sweep, driver/mpi.c).  The
 * writer claims a run (batch_next) and forks a child for it
 * (batch_spawn_run) that computes the run into a stream (results.h) whose
 * buffers go up a pipe as frames: a 4-byte little-endian length, then the
 * bytes.  The writer, or the rank that forked the child, reads the frames
 * (batch_frames_*) and gives them to results_apply().
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
    uint64_t *point_cost;   /* each point's expected cost (batch_cost) */
    uint32_t *order;        /* the points in the order they are handed out */
    uint32_t *todo;         /* a shard's runs in that order, or NULL: every run, each
                               point's seeds in turn (batch_todo_run) */
    size_t ntodo;
    unsigned shard, nshards; /* shard `shard` of `nshards` (1 of 1: the whole sweep) */
    int one_per_process;    /* each run in a process of its own (ns-3) */
    /* For a writer of runs computed elsewhere (batch_next). */
    batch_progress_fn *fn;
    void *fn_arg;
    size_t next, done;
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
    free(b->point_cost);
    free(b->order);
    free(b->todo);
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

/*
 * A run's expected cost, in segments on the wire, the work a run does
 * (~47 events per connection in the default scenario): the connections it
 * opens (workload.connections, or fewer when sim.duration ends the
 * arrivals first: duration / the mean interarrival time, plus the first)
 * times each one's segments: the handshake and the close (7: SYN, SYN-ACK,
 * ACK, two FINs and their ACKs), the request and the response in
 * host.mss-sized segments with an ACK each, and what a trickling or
 * probing peer class sends after our close (count, or close_delay /
 * interval when count is 0), weighted by its share.  Only the order of
 * runs and the balance of shards depend on it, never a result.
 */
uint64_t batch_cost_of(const model_config *cfg)
{
    const workload_params *w = &cfg->workload;
    double conns = (double)w->connections, mean = dist_mean(&w->interarrival);
    double mss = cfg->host.mss > 0 ? (double)cfg->host.mss : 1;
    double segs = 7 + 2 * (ceil((double)w->request / mss) + ceil((double)w->response / mss));
    double shares = 0, after = 0, cost;

    if (mean > 0 && isfinite(mean) && (double)cfg->sim.duration / mean + 1 < conns)
        conns = floor((double)cfg->sim.duration / mean) + 1;
    for (size_t i = 0; i < cfg->npeers; i++) {
        const peer_params *p = &cfg->peers[i];
        double n = (double)p->count;

        shares += p->share;
        if (p->behaviour != PEER_TRICKLE && p->behaviour != PEER_KEEPALIVE)
            continue;
        if (n == 0 && p->interval > 0)
            n = fmin(dist_mean(&p->close_delay) / (double)p->interval, 1e6);
        after += p->share * 2 * n;
    }
    if (shares > 0)
        segs += after / shares;
    cost = conns * segs;
    return cost >= 1 && cost < 1e18 ? (uint64_t)cost : cost >= 1e18 ? (uint64_t)1e18 : 1;
}

/* A point in the order points are handed out: the more expected cost
 * first, then the lower index. */
typedef struct point_key {
    uint64_t cost;
    uint32_t p;
} point_key;

static int by_cost(const void *x, const void *y)
{
    const point_key *a = x, *b = y;

    if (a->cost != b->cost)
        return a->cost < b->cost ? 1 : -1;
    return (a->p > b->p) - (a->p < b->p);
}

int batch_plan(const scenario *base, const sweep *sw, runner_engine engine, batch **out,
               sim_diag *d)
{
    size_t n, nseeds = sweep_seed_count(sw), npoints;
    batch *b = NULL;
    size_t *idx = NULL;
    point_key *keys = NULL;
    int rc;

    *out = NULL;
    if ((rc = sweep_check_size(sw, d)) != SIM_OK)
        return rc;
    n = sweep_runs(sw);
    npoints = sweep_points(sw);
    if ((b = calloc(1, sizeof *b)) == NULL || (idx = calloc(sw->naxes + 1, sizeof *idx)) == NULL ||
        (b->run_id = calloc(n, sizeof *b->run_id)) == NULL ||
        (b->status = malloc(n)) == NULL ||
        (b->varied = calloc(sw->naxes + 1, sizeof *b->varied)) == NULL ||
        (b->point_cost = calloc(npoints, sizeof *b->point_cost)) == NULL ||
        (b->order = malloc(npoints * sizeof *b->order)) == NULL ||
        (keys = malloc(npoints * sizeof *keys)) == NULL) {
        diag_add(d, "out of memory planning %zu runs", n);
        free(idx);
        free(keys);
        batch_free(b);
        return SIM_ENOMEM;
    }
    memset(b->status, RESULTS_RUNNING, n);
    b->engine = engine;
    b->base = base;
    b->sw = sw;
    b->n = n;
    b->shard = b->nshards = 1;
    b->one_per_process = engine == RUNNER_NS3;
    for (size_t a = 0; a < sw->naxes; a++)
        b->varied[a] = sw->axes[a].key;
    b->nvaried = sw->naxes;
    /* Each point once, with its first seed (the seed cannot make a scenario
     * invalid): valid, and one the engine can run; and its cost. */
    for (size_t k = 0; k < n && rc == SIM_OK; k += nseeds) {
        scenario *sc;

        if ((rc = make_run(b, k, idx, &sc, d)) != SIM_OK)
            break;
        if ((rc = runner_check(sc, engine, d)) != SIM_OK) {
            char point[DIAG_LEN];

            point_text(sw, idx, point, sizeof point);
            diag_add(d, "the sweep point %s cannot run on the %s engine: nothing was run",
                     point[0] ? point : "(the one point)", runner_engine_name[engine]);
        }
        b->point_cost[k / nseeds] = batch_cost_of(&sc->cfg);
        scenario_free(sc);
    }
    free(idx);
    if (rc != SIM_OK) {
        free(keys);
        batch_free(b);
        return rc;
    }
    for (size_t p = 0; p < npoints; p++)
        keys[p] = (point_key){b->point_cost[p], (uint32_t)p};
    qsort(keys, npoints, sizeof *keys, by_cost);
    for (size_t p = 0; p < npoints; p++)
        b->order[p] = keys[p].p;
    free(keys);
    b->ntodo = n;
    *out = b;
    return SIM_OK;
}

/* A run of the shard sort: its cost, a prefix of its identity, its index. */
typedef struct shard_key {
    uint64_t cost, id;
    uint32_t k;
} shard_key;

static int by_cost_identity(const void *x, const void *y)
{
    const shard_key *a = x, *b = y;

    if (a->cost != b->cost)
        return a->cost < b->cost ? 1 : -1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->k > b->k) - (a->k < b->k);
}

/* The first 16 hex digits of an identity, as a number. */
static uint64_t identity_prefix(const char *identity)
{
    uint64_t v = 0;

    for (int i = 0; i < 16 && identity[i]; i++)
        v = v << 4 | (uint64_t)(identity[i] <= '9' ? identity[i] - '0' : identity[i] - 'a' + 10);
    return v;
}

/* Shards' loads in a binary min-heap of (load, shard). */
typedef struct load {
    uint64_t load;
    uint32_t shard;
} load;

static int lighter(const load *a, const load *b)
{
    return a->load != b->load ? a->load < b->load : a->shard < b->shard;
}

static void sift_down(load *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;

        if (l < n && lighter(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && lighter(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        load t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

int batch_shard(batch *b, unsigned shard, unsigned nshards, sim_diag *d)
{
    size_t nseeds = sweep_seed_count(b->sw), kept = 0;
    size_t *idx = calloc(b->sw->naxes + 1, sizeof *idx);
    shard_key *keys = malloc(b->n * sizeof *keys);
    load *heap = malloc((size_t)nshards * sizeof *heap);
    uint32_t *todo = malloc(b->n * sizeof *todo);
    int rc = SIM_OK;

    SIM_ASSERT(shard >= 1 && shard <= nshards, "shard %u of %u", shard, nshards);
    if (idx == NULL || keys == NULL || heap == NULL || todo == NULL) {
        diag_add(d, "out of memory sharding %zu runs", b->n);
        rc = SIM_ENOMEM;
        goto out;
    }
    for (size_t k = 0; k < b->n && rc == SIM_OK; k++) {
        char identity[65];
        scenario *sc;

        if ((rc = make_run(b, k, idx, &sc, d)) != SIM_OK)
            break;
        scenario_identity(sc, runner_engine_name[b->engine], identity);
        scenario_free(sc);
        keys[k] = (shard_key){b->point_cost[k / nseeds], identity_prefix(identity), (uint32_t)k};
    }
    if (rc != SIM_OK)
        goto out;
    /* Longest expected first, each to the shard with the least expected
     * cost so far (the lowest-numbered among equals). */
    qsort(keys, b->n, sizeof *keys, by_cost_identity);
    for (uint32_t i = 0; i < nshards; i++)
        heap[i] = (load){0, i};
    for (size_t i = 0; i < b->n; i++) {
        if (heap[0].shard == shard - 1)
            todo[kept++] = keys[i].k;
        heap[0].load += keys[i].cost;
        sift_down(heap, nshards, 0);
    }
    free(b->todo);
    b->todo = todo;
    todo = NULL;
    b->ntodo = kept;
    b->shard = shard;
    b->nshards = nshards;
out:
    free(todo);
    free(idx);
    free(keys);
    free(heap);
    return rc;
}

size_t batch_size(const batch *b) { return b->n; }
size_t batch_todo(const batch *b) { return b->ntodo; }

size_t batch_todo_run(const batch *b, size_t i)
{
    size_t nseeds = sweep_seed_count(b->sw);

    return b->todo != NULL ? b->todo[i] : (size_t)b->order[i / nseeds] * nseeds + i % nseeds;
}

void batch_describe(const batch *b, size_t k, char *buf, size_t len)
{
    size_t *idx = calloc(b->sw->naxes + 1, sizeof *idx);
    char point[DIAG_LEN];
    uint64_t seed;

    buf[0] = '\0';
    if (idx == NULL)
        return;
    sweep_run(b->sw, k, idx, &seed);
    point_text(b->sw, idx, point, sizeof point);
    snprintf(buf, len, "%s%sseed %llu", point, point[0] ? ", " : "", (unsigned long long)seed);
    free(idx);
}

/* FNV-1a, 64 bits, over len bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
    const unsigned char *c = p;

    for (size_t i = 0; i < len; i++)
        h = (h ^ c[i]) * 1099511628211ull;
    return h;
}

uint64_t batch_plan_hash(const batch *b)
{
    uint64_t h = 14695981039346656037ull, v[4] = {b->n, b->ntodo, b->shard, b->nshards};

    h = fnv(h, v, sizeof v);
    for (size_t i = 0; i < 2 && b->ntodo > 0; i++) {
        char identity[65];
        sim_diag d;

        diag_init(&d);
        if (batch_identity(b, batch_todo_run(b, i ? b->ntodo - 1 : 0), identity, &d) != SIM_OK)
            break; /* out of memory: a hash the other ranks do not share */
        h = fnv(h, identity, 64);
    }
    return h;
}

uint64_t batch_cost(const batch *b, size_t k)
{
    return b->point_cost[k / sweep_seed_count(b->sw)];
}
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
    int replaced[RESULTS_STATUS_N]; /* unfinished runs the claim deleted, by status */
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
        memcpy(rep->replaced, res.claim.replaced, sizeof rep->replaced);
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
    for (int s = 0; s < RESULTS_STATUS_N; s++)
        b->count.redone[s] += (size_t)rep->replaced[s];
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

    nanosleep(&ts, NULL); /* an interruption cuts it short */
}

static int run_here(batch *b, const char *db_name, batch_progress_fn *fn, void *arg,
                    sim_diag *d)
{
    results *db;
    size_t done = 0;
    report rep;
    int rc = results_open(db_name, &db, d);

    for (size_t i = 0; rc == SIM_OK && i < b->ntodo && !runner_interrupted; i++) {
        run_one(b, batch_todo_run(b, i), db, &rep);
        if (take(b, &rep, runner_wall_now()) && fn)
            fn(arg, ++done, b->ntodo);
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
            fn(arg, ++done, b->ntodo);
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
    int broken;  /* could not be started: no more runs for this slot */
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
        fprintf(reply, "%zu %lld %d %d %d %d %d\n", rep.k, rep.run_id, rep.status, rep.outcome,
                rep.replaced[RESULTS_RUNNING], rep.replaced[RESULTS_INTERRUPTED],
                rep.replaced[RESULTS_FAILED]);
        fflush(reply);
        if (b->one_per_process)
            break;
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
    size_t next;          /* the next place in the order never handed out */
    size_t busy, done;
    int failed;
} pool;

/* Give worker j a run: the next new one, else a held run due again.  With
 * a process per run, the worker is started for it. */
static void give(pool *p, unsigned j)
{
    worker *wk = &p->wk[j];
    size_t k;
    long h = -1;

    if (runner_interrupted || (wk->cmd == NULL && !p->b->one_per_process) || wk->broken)
        return;
    if (p->next < p->b->ntodo)
        k = batch_todo_run(p->b, p->next);
    else if ((h = next_held(p->b, runner_wall_now())) >= 0)
        k = p->b->held[h];
    else
        return;
    if (wk->cmd == NULL && spawn(p->wk, j, p->jobs, p->b, p->db_name) != 0) {
        fprintf(stderr, "offsim: cannot start a worker for a run: %s\n", strerror(errno));
        wk->broken = 1;
        p->failed = 1;
        return;
    }
    if (h >= 0)
        p->b->held_at[h] = HUGE_VAL; /* being asked */
    else
        p->next++;
    wk->k = k;
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
    if (runner_interrupted || p->respawns >= p->jobs || p->b->one_per_process)
        return; /* (with a process per run, the next run starts one) */
    p->respawns++;
    if (spawn(p->wk, j, p->jobs, p->b, p->db_name) != 0)
        fprintf(stderr, "offsim: cannot start a worker in its place: %s\n", strerror(errno));
}

/* Worker j, done with its run, has exited: close its pipes and reap it. */
static void reap(pool *p, unsigned j)
{
    worker *wk = &p->wk[j];
    int st = 0;

    fclose(wk->cmd);
    fclose(wk->reply);
    wk->cmd = wk->reply = NULL;
    while (waitpid(wk->pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char how[96];

        describe_exit(st, how, sizeof how);
        fprintf(stderr, "offsim: worker %u (pid %lld) %s after its run\n", j,
                (long long)wk->pid, how);
        p->failed = 1;
    }
}

/* Read worker j's report of its run (or learn that it died). */
static void take_reply(pool *p, unsigned j, batch_progress_fn *fn, void *arg)
{
    worker *wk = &p->wk[j];
    report rep;

    memset(&rep, 0, sizeof rep);
    if (!wk->busy ||
        fscanf(wk->reply, "%zu %lld %d %d %d %d %d", &rep.k, &rep.run_id, &rep.status,
               &rep.outcome, &rep.replaced[RESULTS_RUNNING],
               &rep.replaced[RESULTS_INTERRUPTED], &rep.replaced[RESULTS_FAILED]) != 7 ||
        rep.k != wk->k || rep.status < 0 || rep.status >= RESULTS_STATUS_N || rep.outcome < 0 ||
        rep.outcome > RESULTS_HELD) {
        lost_worker(p, j);
        return;
    }
    wk->busy = 0;
    p->busy--;
    if (p->b->one_per_process) /* its one run is done: it exits */
        reap(p, j);
    if (take(p->b, &rep, runner_wall_now())) {
        p->done++;
        if (fn)
            fn(arg, p->done, p->b->ntodo);
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
            live += p->wk[j].cmd != NULL || (p->b->one_per_process && !p->wk[j].broken);
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
    /* With a process per run, each run starts its own (give). */
    for (; started < jobs && !b->one_per_process; started++)
        if (spawn(p.wk, started, jobs, b, db_name) != 0) {
            diag_add(d, "cannot start worker %u: %s", started, strerror(errno));
            p.failed = 1;
            break;
        }
    if (started > 0 || b->one_per_process)
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
    if (jobs <= 1 && !b->one_per_process)
        return run_here(b, db_name, fn, arg, d);
    return run_parallel(b, db_name, jobs, fn, arg, d);
}

/* ---- runs computed by processes that do not write them ----------------------- */

void batch_serve_begin(batch *b, batch_progress_fn *fn, void *arg)
{
    b->fn = fn;
    b->fn_arg = arg;
    b->next = 0;
    b->done = 0;
}

/* A run is finished with: progress. */
static void taken(batch *b, const report *rep)
{
    if (take(b, rep, runner_wall_now()) && b->fn)
        b->fn(b->fn_arg, ++b->done, b->ntodo);
}

int batch_next(batch *b, results *db, size_t *k, int64_t *run_id, char *identity, sim_diag *d)
{
    size_t *idx = calloc(b->sw->naxes + 1, sizeof *idx);
    int rc = BATCH_NONE;

    if (idx == NULL) {
        diag_add(d, "out of memory");
        return SIM_ENOMEM;
    }
    while (!runner_interrupted) {
        char host[256];
        results_run_info info;
        results_claim c;
        scenario *sc;
        report rep;
        long h = -1;

        if (b->next < b->ntodo) {
            *k = batch_todo_run(b, b->next++);
        } else if ((h = next_held(b, runner_wall_now())) >= 0) {
            *k = b->held[h];
            b->held_at[h] = HUGE_VAL; /* being asked (take() dates the answer) */
        } else {
            rc = b->nheld > 0 ? BATCH_WAIT : BATCH_NONE;
            break;
        }
        if ((rc = make_run(b, *k, idx, &sc, d)) != SIM_OK)
            break; /* planned already: only out of memory */
        runner_run_info(sc, b->engine, b->command_line, &info, identity, host);
        rc = results_commit(db) != SIM_OK
                 ? SIM_EDB
                 : runner_claim(db, &info, b->varied, b->nvaried, &c, d);
        scenario_free(sc);
        if (rc != SIM_OK) {
            rc = SIM_EDB;
            break;
        }
        for (int s = 0; s < RESULTS_STATUS_N; s++)
            b->count.redone[s] += (size_t)c.replaced[s];
        if (c.outcome == RESULTS_CLAIMED) {
            *run_id = c.run_id;
            rc = BATCH_GIVE;
            break;
        }
        rep = (report){.k = *k, .run_id = c.run_id,
                       .status = c.outcome == RESULTS_DONE ? RESULTS_COMPLETE : RESULTS_RUNNING,
                       .outcome = (int)c.outcome};
        taken(b, &rep);
    }
    free(idx);
    return rc;
}

void batch_ended(batch *b, size_t k, int64_t run_id, results_status status)
{
    report rep = {.k = k, .run_id = run_id, .status = (int)status,
                  .outcome = RESULTS_CLAIMED};

    taken(b, &rep);
}

/* A child's stream sink: each buffer as a frame on its pipe. */
static int write_all(int fd, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int frame_sink(void *arg, const void *buf, size_t len)
{
    int fd = *(int *)arg;
    unsigned char head[4];

    if (len > UINT32_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    for (int i = 0; i < 4; i++)
        head[i] = (unsigned char)(len >> (8 * i));
    return write_all(fd, head, sizeof head) != 0 || write_all(fd, buf, len) != 0 ? -1 : 0;
}

/* The child: run k into a stream on fd; its exit status says how it went. */
static void child_main(const batch *b, size_t k, int64_t run_id, const char *identity, int fd)
{
    runner_opts o = {.engine = b->engine, .varied = b->varied, .nvaried = b->nvaried,
                     .command_line = b->command_line, .run_id = run_id};
    size_t *idx = calloc(b->sw->naxes + 1, sizeof *idx);
    char mine[65];
    runner_result res;
    results *out;
    scenario *sc;
    sim_diag d;

    diag_init(&d);
    if (idx == NULL || make_run(b, k, idx, &sc, &d) != SIM_OK) {
        diag_print(&d, stderr);
        _exit(BATCH_CHILD_FAILED);
    }
    scenario_identity(sc, runner_engine_name[b->engine], mine);
    if (strcmp(mine, identity) != 0) {
        fprintf(stderr, "offsim: run %zu here is not the run the writer claimed (identity "
                        "%.16s..., expected %.16s...): is the scenario file the same "
                        "everywhere?\n",
                k, mine, identity);
        _exit(BATCH_CHILD_OTHER_RUN);
    }
    if (results_open_stream(frame_sink, &fd, &out) != SIM_OK) {
        fprintf(stderr, "offsim: out of memory\n");
        _exit(BATCH_CHILD_FAILED);
    }
    runner_run(sc, out, &o, &res, &d);
    diag_print(&d, stderr);
    results_close(out);
    _exit(res.status == RESULTS_COMPLETE ? 0 : BATCH_CHILD_FAILED);
}

int batch_spawn_run(const batch *b, size_t k, int64_t run_id, const char *identity, pid_t *pid,
                    int *fd, sim_diag *d)
{
    pid_t parent = getpid();
    int p[2];

    if (pipe(p) != 0) {
        diag_add(d, "cannot start a process for a run: %s", strerror(errno));
        return SIM_EIO;
    }
    fflush(NULL);
    if ((*pid = fork()) < 0) {
        diag_add(d, "cannot start a process for a run: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return SIM_EIO;
    }
    if (*pid == 0) {
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with its parent */
#endif
        if (getppid() != parent)
            _exit(BATCH_CHILD_FAILED);
        close(p[0]);
        child_main(b, k, run_id, identity, p[1]);
    }
    close(p[1]);
    *fd = p[0];
    return SIM_OK;
}

int batch_frames_read(batch_frames *f, int fd)
{
    ssize_t r;

    if (f->cap - f->n < 65536) {
        size_t cap = f->cap ? 2 * f->cap : 4 * 65536;
        unsigned char *v = realloc(f->v, cap);

        if (v == NULL)
            return -1;
        f->v = v;
        f->cap = cap;
    }
    do
        r = read(fd, f->v + f->n, f->cap - f->n);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -1;
    f->n += (size_t)r;
    return r > 0;
}

int batch_frames_next(batch_frames *f, const void **buf, size_t *len)
{
    size_t n;

    if (f->used > 0 && f->used == f->n) { /* all handed out: start again at 0 */
        f->n = f->used = 0;
    } else if (f->used > 0 && f->used > f->cap / 2) {
        memmove(f->v, f->v + f->used, f->n - f->used);
        f->n -= f->used;
        f->used = 0;
    }
    if (f->n - f->used < 4)
        return 0;
    n = (size_t)f->v[f->used] | (size_t)f->v[f->used + 1] << 8 |
        (size_t)f->v[f->used + 2] << 16 | (size_t)f->v[f->used + 3] << 24;
    if (f->n - f->used - 4 < n) { /* not all here yet: make room for it */
        if (f->cap - f->used < n + 4) {
            size_t cap = f->cap;
            unsigned char *v;

            while (cap - f->used < n + 4)
                cap *= 2;
            if ((v = realloc(f->v, cap)) == NULL)
                return -1;
            f->v = v;
            f->cap = cap;
        }
        return 0;
    }
    *buf = f->v + f->used + 4;
    *len = n;
    f->used += 4 + n;
    return 1;
}

void batch_frames_free(batch_frames *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}
