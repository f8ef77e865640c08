/*
 * mpi.c - a sweep spread over MPI ranks (see mpi.h).
 *
 * Messages, all MPI_BYTE with tag TAG, each led by a kind byte:
 *
 *     0 -> r   'A' slot, k, run_id, identity   compute run k in slot `slot`
 *     0 -> r   'Q'                             the sweep is over
 *     r -> 0   'R' slot, bytes                 a buffer of that slot's stream
 *     r -> 0   'D' slot, wait status, text     that slot's child has ended
 *     r -> 0   'I' signal                      rank r was interrupted (SIGINT,
 *                                              SIGTERM, SIGHUP): so is the sweep
 *     0 -> r   'I' signal                      the sweep is: end the runs in
 *                                              progress 'interrupted'
 *
 * Messages between two ranks arrive in the order they were sent (MPI's
 * non-overtaking rule), so a slot's 'D' comes after its last 'R'.  A slot
 * is busy from its 'A' to its 'D': rank 0 hands it nothing new meanwhile.
 * Integers are little-endian, whatever the hosts.
 */
#include "mpi.h"

#include <errno.h>
#include <mpi.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "driver/runner.h"
#include "engine/err.h"
#include "io/crashpoint.h"
#include "io/results.h"

#define TAG 7
/* How long a rank sleeps between looks at its pipes and messages, ms. */
#define POLL_MS 2
/* How long rank 0 waits before asking again for runs another process held. */
#define HELD_WAIT_S (BATCH_RETRY_S / 4)

const char *mpi_library(void)
{
    static char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    char *nl;

    MPI_Get_library_version(v, &len);
    if ((nl = strpbrk(v, ",\n")) != NULL) /* "Open MPI v4.1.4, package: ..." */
        *nl = '\0';
    return v;
}

int mpi_start(int *rank, int *size, sim_diag *d)
{
    int provided;

    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) {
        diag_add(d, "MPI_Init failed");
        return SIM_EIO;
    }
    /* A failure is reported by its caller, not by MPI's handler aborting. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return SIM_OK;
}

void mpi_stop(void)
{
    MPI_Finalize();
}

int mpi_agree(int ok, uint64_t plan, int *root_ok)
{
    unsigned long long root[2] = {ok ? 1ull : 0ull, plan};
    int mine, all = 0;

    /* Rank 0's, then whether every rank's is the same. */
    if (MPI_Bcast(root, 2, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD) != MPI_SUCCESS) {
        *root_ok = 0;
        return 0;
    }
    *root_ok = root[0] == 1;
    mine = ok && root[0] == 1 && root[1] == plan;
    if (MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 0;
    return all == 1;
}

/* ---- messages ------------------------------------------------------------- */

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;

    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* This thread's CPU time, s. */
static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sleep a little: between looks at messages and pipes. */
static void nap(long us)
{
    struct timespec ts = {0, us * 1000L};

    nanosleep(&ts, NULL);
}

/* Send, then wait for the send to finish, napping meanwhile; 0 or -1. */
static int send_msg(const void *buf, size_t len, int dest)
{
    MPI_Request req;
    int done = 0;

    if (len > (size_t)INT32_MAX ||
        MPI_Isend(buf, (int)len, MPI_BYTE, dest, TAG, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
        return -1;
    while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS) {
        if (done)
            return 0;
        nap(100);
    }
    return -1;
}

/* A message waiting from `source` (MPI_ANY_SOURCE: anyone): 1 with it in
 * *buf (grown as needed, *len its size, *from its sender), 0 when none,
 * -1 on an error. */
static int recv_msg(int source, unsigned char **buf, size_t *cap, size_t *len, int *from)
{
    MPI_Status st;
    int flag = 0, n;

    if (MPI_Iprobe(source, TAG, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS)
        return -1;
    if (!flag)
        return 0;
    if (MPI_Get_count(&st, MPI_BYTE, &n) != MPI_SUCCESS || n < 0)
        return -1;
    if ((size_t)n > *cap || *buf == NULL) {
        unsigned char *v = realloc(*buf, (size_t)n + 1);

        if (v == NULL)
            return -1;
        *buf = v;
        *cap = (size_t)n + 1;
    }
    if (MPI_Recv(*buf, n, MPI_BYTE, st.MPI_SOURCE, TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS)
        return -1;
    *len = (size_t)n;
    *from = st.MPI_SOURCE;
    return 1;
}

/* How a child ended, for a message. */
static void describe(int st, char *buf, size_t len)
{
    if (WIFSIGNALED(st))
        snprintf(buf, len, "was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else if (WIFEXITED(st) && WEXITSTATUS(st) == BATCH_CHILD_OTHER_RUN)
        snprintf(buf, len, "found another run under that number (the scenario file or the "
                           "offsim build differs between ranks)");
    else if (WIFEXITED(st))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
    else
        snprintf(buf, len, "stopped");
}

/* Reap a child; its wait status. */
static int reap(pid_t pid)
{
    int st = 0;

    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

/* ---- the computing ranks ------------------------------------------------------ */

/* A child computing a run, and what it has streamed so far. */
typedef struct child {
    int busy;
    pid_t pid;
    int fd;
    batch_frames fr;
} child;

/* Forward a slot's frames to rank 0; 0, or -1 when sending failed. */
static int forward(child *c, unsigned j, unsigned char **buf, size_t *cap)
{
    const void *frame;
    size_t len;
    int got;

    while ((got = batch_frames_next(&c->fr, &frame, &len)) == 1) {
        if (len + 5 > *cap) {
            unsigned char *v = realloc(*buf, len + 5);

            if (v == NULL)
                return -1;
            *buf = v;
            *cap = len + 5;
        }
        (*buf)[0] = 'R';
        put_le(*buf + 1, j, 4);
        memcpy(*buf + 5, frame, len);
        if (send_msg(*buf, len + 5, 0) != 0)
            return -1;
        crash_point_pass(CRASH_RELAY);
    }
    return got;
}

/* A rank other than 0: compute what rank 0 hands out until it says 'Q'. */
static int compute_rank(batch *b, unsigned jobs, sim_diag *d)
{
    child *c = calloc(jobs, sizeof *c);
    struct pollfd *fds = calloc(jobs, sizeof *fds);
    unsigned char *in = NULL, *out = NULL;
    size_t in_cap = 0, out_cap = 0, len;
    int from, over = 0, failed = 0, told = 0, from_root = 0, got;
    unsigned busy = 0;

    if (c == NULL || fds == NULL) {
        diag_add(d, "out of memory");
        free(c);
        free(fds);
        return SIM_ENOMEM;
    }
    while (!failed && !(over && busy == 0)) {
        if (runner_interrupted && !told) { /* interrupted: the children end their runs so */
            unsigned char msg[2] = {'I', (unsigned char)runner_interrupted};

            for (unsigned j = 0; j < jobs; j++)
                if (c[j].busy)
                    kill(c[j].pid, SIGINT);
            /* and rank 0 hands out no more runs (a signal may reach this
             * rank alone: a node's own time limit, a kill by hand) */
            failed = !over && !from_root && send_msg(msg, sizeof msg, 0) != 0;
            told = 1;
        }
        for (unsigned j = 0; j < jobs; j++) {
            fds[j].fd = c[j].busy ? c[j].fd : -1;
            fds[j].events = POLLIN;
            fds[j].revents = 0;
        }
        if (poll(fds, jobs, POLL_MS) > 0)
            for (unsigned j = 0; j < jobs && !failed; j++) {
                unsigned char msg[5 + 4 + 160];
                char how[150];
                int st;

                if (fds[j].fd < 0 || !(fds[j].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                got = batch_frames_read(&c[j].fr, c[j].fd);
                if (got > 0) {
                    failed = forward(&c[j], j, &out, &out_cap) != 0;
                    continue;
                }
                /* The child is done (or its pipe failed): say how it ended. */
                close(c[j].fd);
                st = reap(c[j].pid);
                batch_frames_free(&c[j].fr);
                c[j].busy = 0;
                busy--;
                describe(st, how, sizeof how);
                msg[0] = 'D';
                put_le(msg + 1, j, 4);
                put_le(msg + 5, (uint32_t)st, 4);
                snprintf((char *)msg + 9, sizeof msg - 9, "%s", how);
                failed = send_msg(msg, 9 + strlen((char *)msg + 9) + 1, 0) != 0;
            }
        while (!failed && (got = recv_msg(0, &in, &in_cap, &len, &from)) != 0) {
            if (got < 0) {
                failed = 1;
            } else if (len == 1 && in[0] == 'Q') {
                over = 1;
            } else if (len == 2 && in[0] == 'I') { /* rank 0 was interrupted */
                if (!runner_interrupted) {
                    runner_interrupted = in[1] ? in[1] : SIGINT;
                    from_root = 1;
                }
            } else if (len == 1 + 4 + 8 + 8 + 64 && in[0] == 'A' && get_le(in + 1, 4) < jobs &&
                       !c[get_le(in + 1, 4)].busy && get_le(in + 5, 8) < batch_size(b)) {
                unsigned j = (unsigned)get_le(in + 1, 4);
                char identity[65];

                memcpy(identity, in + 21, 64);
                identity[64] = '\0';
                if (batch_spawn_run(b, (size_t)get_le(in + 5, 8), (int64_t)get_le(in + 13, 8),
                                    identity, &c[j].pid, &c[j].fd, d) != SIM_OK) {
                    failed = 1;
                } else {
                    c[j].busy = 1;
                    busy++;
                }
            } else {
                diag_add(d, "a message from rank 0 that is not offsim's (kind %d, %zu bytes)",
                         len ? in[0] : -1, len);
                failed = 1;
            }
        }
    }
    free(in);
    free(out);
    free(fds);
    for (unsigned j = 0; j < jobs; j++) {
        if (c[j].busy) { /* only after a failure: the job is aborted */
            kill(c[j].pid, SIGKILL);
            close(c[j].fd);
            reap(c[j].pid);
        }
        batch_frames_free(&c[j].fr);
    }
    free(c);
    if (failed && d->n == 0)
        diag_add(d, "talking to rank 0 failed");
    return failed ? SIM_EIO : SIM_OK;
}

/* ---- rank 0: the writer ------------------------------------------------------------ */

/* A slot: one of a rank's jobs. */
typedef struct slot {
    int rank;
    unsigned j;
    int busy;
    int broken;         /* no process could be started for it: no more runs */
    int bad;            /* its stream was refused: the rest is ignored */
    size_t k;
    int64_t run_id;
    results_applied ap;
    child c;            /* rank 0's own */
} slot;

typedef struct writer {
    batch *b;
    results *db;
    slot *s;
    size_t nslots;
    unsigned jobs;
    unsigned busy;
    size_t usable;      /* slots not broken */
    int failed;         /* a computing process failed or died */
    int fatal;          /* the database failed */
    mpi_stats *st;
    sim_diag *d;
} writer;

/* A buffer of slot s's stream: into the database. */
static void apply(writer *w, slot *s, const void *buf, size_t len)
{
    double t0 = runner_wall_now(), c0 = cpu_now();
    uint64_t rows = s->ap.rows;
    int rc;

    w->st->bytes += len;
    if (!s->busy || s->bad)
        return;
    rc = results_apply(w->db, s->run_id, buf, len, &s->ap, w->d);
    w->st->rows += s->ap.rows - rows;
    if (rc == SIM_EINVAL) {
        s->bad = 1; /* ended failed when its child is done */
    } else if (rc != SIM_OK && !s->ap.ended) {
        w->fatal = 1; /* the database refused a row */
    }
    w->st->write_s += runner_wall_now() - t0;
    w->st->write_cpu_s += cpu_now() - c0;
}

/* Slot s's child has ended (st its wait status, how a description). */
static void slot_done(writer *w, slot *s, int st, const char *how)
{
    results_status status = s->ap.ended ? s->ap.status : RESULTS_FAILED;

    if (!s->busy)
        return;
    if (!s->ap.ended || s->bad) {
        char name[DIAG_LEN];
        sim_diag d;

        diag_init(&d);
        batch_describe(w->b, s->k, name, sizeof name);
        fprintf(stderr, "offsim: rank %d, job %u: the process running %s %s before the run's "
                        "end: that run is failed\n",
                s->rank, s->j, name, how);
        if (!s->ap.ended &&
            results_run_end(w->db, s->run_id, RESULTS_FAILED, 0, 0, 0, NULL, &d) != SIM_OK) {
            diag_print(&d, stderr);
        }
        status = RESULTS_FAILED;
        w->failed = 1;
    } else if (status != RESULTS_COMPLETE && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        w->failed = 1;
    }
    batch_ended(w->b, s->k, s->run_id, status);
    s->busy = 0;
    s->bad = 0;
    w->busy--;
}

/* Hand the next run to slot s; the batch_next outcome. */
static int give(writer *w, slot *s)
{
    unsigned char msg[1 + 4 + 8 + 8 + 64];
    char identity[65];
    int rc = batch_next(w->b, w->db, &s->k, &s->run_id, identity, w->d);

    if (rc != BATCH_GIVE) {
        if (rc < 0)
            w->fatal = 1;
        return rc;
    }
    memset(&s->ap, 0, sizeof s->ap);
    if (s->rank == 0) {
        if (batch_spawn_run(w->b, s->k, s->run_id, identity, &s->c.pid, &s->c.fd, w->d) !=
            SIM_OK) {
            /* No process for it (out of processes or memory): the run is
             * failed, and this slot gets no more runs. */
            sim_diag d;

            diag_print(w->d, stderr);
            diag_init(w->d);
            diag_init(&d);
            if (results_run_end(w->db, s->run_id, RESULTS_FAILED, 0, 0, 0, NULL, &d) != SIM_OK)
                diag_print(&d, stderr);
            batch_ended(w->b, s->k, s->run_id, RESULTS_FAILED);
            s->broken = 1;
            w->usable--;
            w->failed = 1;
            return BATCH_GIVE;
        }
    } else {
        msg[0] = 'A';
        put_le(msg + 1, s->j, 4);
        put_le(msg + 5, s->k, 8);
        put_le(msg + 13, (uint64_t)s->run_id, 8);
        memcpy(msg + 21, identity, 64);
        if (send_msg(msg, sizeof msg, s->rank) != 0) {
            diag_add(w->d, "cannot send a run to rank %d", s->rank);
            w->fatal = 1;
            return SIM_EIO;
        }
    }
    s->busy = 1;
    w->busy++;
    crash_point_pass(CRASH_HANDOUT);
    return BATCH_GIVE;
}

/* Read rank 0's own children's streams. */
static void read_children(writer *w, struct pollfd *fds)
{
    for (unsigned j = 0; j < w->jobs; j++) {
        slot *s = &w->s[j];
        fds[j].fd = s->busy ? s->c.fd : -1;
        fds[j].events = POLLIN;
        fds[j].revents = 0;
    }
    if (poll(fds, w->jobs, w->busy > 0 ? POLL_MS : 50) <= 0)
        return;
    for (unsigned j = 0; j < w->jobs && !w->fatal; j++) {
        slot *s = &w->s[j];
        const void *frame;
        size_t len;
        int got;

        if (fds[j].fd < 0 || !(fds[j].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if ((got = batch_frames_read(&s->c.fr, s->c.fd)) > 0) {
            while (!w->fatal && (got = batch_frames_next(&s->c.fr, &frame, &len)) == 1)
                apply(w, s, frame, len);
            if (got < 0)
                s->bad = 1;
            continue;
        }
        {
            char how[150];
            int st;

            close(s->c.fd);
            st = reap(s->c.pid);
            batch_frames_free(&s->c.fr);
            describe(st, how, sizeof how);
            slot_done(w, s, st, how);
        }
    }
}

/* Read the other ranks' messages. */
static void read_ranks(writer *w, unsigned char **buf, size_t *cap)
{
    size_t len;
    int from = -1, got;

    while (!w->fatal && (got = recv_msg(MPI_ANY_SOURCE, buf, cap, &len, &from)) != 0) {
        unsigned j = len >= 5 ? (unsigned)get_le(*buf + 1, 4) : w->jobs;
        slot *s;

        if (got > 0 && from > 0 && len == 2 && (*buf)[0] == 'I') {
            /* A rank was interrupted: the sweep is, as if here. */
            if (!runner_interrupted)
                runner_interrupted = (*buf)[1] ? (*buf)[1] : SIGINT;
            continue;
        }
        if (got < 0 || from <= 0 || j >= w->jobs) {
            diag_add(w->d, "a message from rank %d that is not offsim's", from);
            w->fatal = 1;
            return;
        }
        s = &w->s[(size_t)from * w->jobs + j];
        if ((*buf)[0] == 'R') {
            apply(w, s, *buf + 5, len - 5);
        } else if ((*buf)[0] == 'D' && len > 9) {
            (*buf)[len - 1] = '\0';
            slot_done(w, s, (int)get_le(*buf + 5, 4), (char *)*buf + 9);
        } else {
            diag_add(w->d, "a message from rank %d that is not offsim's (kind %d)", from,
                     (*buf)[0]);
            w->fatal = 1;
        }
    }
}

/* Tell every other rank that the sweep is over. */
static void quit_all(int size)
{
    unsigned char quit = 'Q';

    for (int r = 1; r < size; r++)
        send_msg(&quit, 1, r);
}

static int write_rank(batch *b, const char *db_name, unsigned jobs, int size,
                      batch_progress_fn *fn, void *arg, mpi_stats *st, sim_diag *d)
{
    writer w = {.b = b, .jobs = jobs, .st = st, .d = d};
    struct pollfd *fds = calloc(jobs, sizeof *fds);
    unsigned char *buf = NULL;
    size_t cap = 0;
    double wait_until = 0;
    int none = 0, told = 0;

    int rc = SIM_OK;

    w.nslots = w.usable = (size_t)size * jobs;
    w.s = calloc(w.nslots, sizeof *w.s);
    if (w.s == NULL || fds == NULL) {
        diag_add(d, "out of memory");
        rc = SIM_ENOMEM;
    } else if (results_open(db_name, &w.db, d) != SIM_OK) {
        rc = SIM_EDB;
    }
    if (rc != SIM_OK) {
        free(w.s);
        free(fds);
        quit_all(size); /* nothing was handed out */
        return rc;
    }
    for (size_t i = 0; i < w.nslots; i++) {
        w.s[i].rank = (int)(i / jobs);
        w.s[i].j = (unsigned)(i % jobs);
    }
    batch_serve_begin(b, fn, arg);
    for (;;) {
        /* Hand out runs to free slots: rank 0's own first, then the others'. */
        for (size_t i = 0; i < w.nslots && !none && !w.fatal && !runner_interrupted; i++) {
            int given;

            if (w.s[i].busy || w.s[i].broken)
                continue;
            if (runner_wall_now() < wait_until)
                break;
            given = give(&w, &w.s[i]);
            if (given == BATCH_WAIT)
                wait_until = runner_wall_now() + HELD_WAIT_S;
            none = given == BATCH_NONE;
            if (given != BATCH_GIVE)
                break;
        }
        if (w.busy == 0 && (none || w.fatal || runner_interrupted || w.usable == 0))
            break;
        if (runner_interrupted && !told) {
            /* Its children and every other rank's end their runs so too: the
             * sweep stops as soon as it can (a batch scheduler's SIGKILL
             * follows its SIGTERM within seconds). */
            unsigned char msg[2] = {'I', (unsigned char)runner_interrupted};

            for (unsigned j = 0; j < jobs; j++)
                if (w.s[j].busy)
                    kill(w.s[j].c.pid, SIGINT);
            for (int r = 1; r < size; r++)
                send_msg(msg, sizeof msg, r);
            told = 1;
        }
        read_children(&w, fds);
        read_ranks(&w, &buf, &cap);
        if (!w.fatal) {
            double t = runner_wall_now(), c = cpu_now();

            if (results_commit(w.db) != SIM_OK || results_renew(w.db) != SIM_OK) {
                diag_add(d, "cannot write the runs' rows: %s", results_errmsg(w.db));
                w.fatal = 1;
            }
            st->write_s += runner_wall_now() - t;
            st->write_cpu_s += cpu_now() - c;
        }
        if (w.fatal)
            break;
    }
    free(buf);
    free(fds);
    if (w.fatal) {
        /* The database failed: no run in progress can end complete.  The whole
         * job ends; the runs left 'running' are redone by the next sweep. */
        diag_print(d, stderr);
        fflush(NULL);
        results_close(w.db);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    quit_all(size);
    for (unsigned j = 0; j < jobs; j++)
        batch_frames_free(&w.s[j].c.fr);
    results_close(w.db);
    free(w.s);
    return w.failed ? SIM_EIO : SIM_OK;
}

int mpi_sweep(batch *b, const char *db_name, unsigned jobs, batch_progress_fn *fn, void *arg,
              mpi_stats *st, sim_diag *d)
{
    int rank, size, rc;

    memset(st, 0, sizeof *st);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    st->ranks = (unsigned)size;
    st->jobs = jobs;
    if (rank != 0) {
        rc = compute_rank(b, jobs, d);
        if (rc != SIM_OK) {
            diag_print(d, stderr);
            fflush(NULL);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        return rc;
    }
    return write_rank(b, db_name, jobs, size, fn, arg, st, d);
}
