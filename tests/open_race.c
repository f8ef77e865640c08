/*
 * open_race.c - several processes open the same new results database at the
 * same instant and each claims, writes and ends one tiny run of the same
 * identity, as two identical sweeps started at once do (README: "Results
 * database", claims).  Every process must succeed: exactly one claims the
 * run, the others find it held or done.
 *
 *   open_race DIR ROUNDS PROCS
 *
 * PROCS worker processes are forked once (a fork and an exit per process
 * and round would cost more than the rounds under ASan).  Each round
 * removes DIR/race.db (and its -wal and -shm), then writes a byte down each
 * worker's pipe, on which it is blocked: the workers wake together (no
 * clock involved) and race through results_open(), results_run_claim()
 * and, for the one that claims the run, its rows and its end.  A worker
 * that fails prints its diagnostic (SQLite's message and the statement that
 * failed).  Each answers its round with a byte; the driver stops at the
 * first failing round and exits 1.  Exit 0: every process succeeded in
 * every round and each round's database held exactly one run, complete.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "io/diag.h"
#include "io/results.h"

static const results_run_info info = {"race-identity", "race.ini", "[sim]\n", "0123",
                                      "native", 1, "open_race", "host", "open_race"};

/* One worker's round: open, claim, write a row, end.  0 or 1. */
static int round_of(const char *path, int who)
{
    results *r = NULL;
    results_claim c;
    sim_diag d;
    int rc;

    diag_init(&d);
    rc = results_open(path, &r, &d);
    if (rc == SIM_OK)
        rc = results_run_claim(r, &info, &c, &d);
    if (rc == SIM_OK && c.outcome == RESULTS_CLAIMED) {
        rc = results_param(r, c.run_id, "sim.seed", "1", &(double){1}, 0);
        if (rc == SIM_OK)
            rc = results_run_end(r, c.run_id, RESULTS_COMPLETE, 0.0, 0, 1, "f", &d);
        else
            diag_add(&d, "cannot write a parameter: %s", results_errmsg(r));
    }
    results_close(r);
    if (rc != SIM_OK) {
        char name[32];

        snprintf(name, sizeof name, "open_race worker %d", who);
        diag_print_for(&d, stderr, name);
    }
    return rc == SIM_OK ? 0 : 1;
}

/* A worker: a round for each byte on go, its result (a byte) on done,
 * until go ends. */
static void worker(int go, int done, const char *path, int who)
{
    char byte;
    ssize_t n;

    for (;;) {
        while ((n = read(go, &byte, 1)) < 0 && errno == EINTR)
            ;
        if (n <= 0)
            return;
        byte = (char)round_of(path, who);
        if (write(done, &byte, 1) != 1)
            return;
    }
}

/* The number of complete runs in path, or -1. */
static int complete_runs(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM run WHERE status='complete'", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* Remove path and its -wal and -shm. */
static void remove_db(const char *path)
{
    static const char *const side[] = {"", "-wal", "-shm"};
    char name[4200];

    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "%s%s", path, side[i]);
        unlink(name);
    }
}

int main(int argc, char **argv)
{
    char path[4096];
    long rounds, procs, round = 0;
    int go[64], done[2], failed = 0;
    pid_t pid[64];

    if (argc != 4 || (rounds = strtol(argv[2], NULL, 10)) < 1 ||
        (procs = strtol(argv[3], NULL, 10)) < 2 || procs > 64) {
        fprintf(stderr, "usage: open_race DIR ROUNDS PROCS (ROUNDS >= 1, 2 <= PROCS <= 64)\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/race.db", argv[1]);
    signal(SIGPIPE, SIG_IGN);
    if (pipe(done) != 0) {
        perror("open_race: pipe");
        return 1;
    }
    fflush(NULL);
    for (long i = 0; i < procs; i++) {
        int p[2];

        if (pipe(p) != 0 || (pid[i] = fork()) < 0) {
            perror("open_race: pipe or fork");
            return 1;
        }
        if (pid[i] == 0) {
            close(p[1]);
            for (long j = 0; j < i; j++)
                close(go[j]);
            close(done[0]);
            worker(p[0], done[1], path, (int)i);
            _exit(0);
        }
        close(p[0]);
        go[i] = p[1];
    }
    close(done[1]);
    for (; round < rounds && !failed; round++) {
        int bad = 0, n;

        remove_db(path);
        for (long i = 0; i < procs; i++) /* the round starts */
            if (write(go[i], "", 1) != 1) {
                perror("open_race: a worker is gone");
                return 1;
            }
        for (long i = 0; i < procs; i++) {
            char byte;

            if (read(done[0], &byte, 1) != 1) {
                fprintf(stderr, "open_race: round %ld: a worker died\n", round + 1);
                return 1;
            }
            bad += byte != 0;
        }
        if (bad > 0) {
            fprintf(stderr, "open_race: round %ld: %d of %ld processes failed\n", round + 1,
                    bad, procs);
            failed = 1;
        } else if ((n = complete_runs(path)) != 1) {
            fprintf(stderr, "open_race: round %ld: %d complete runs, expected 1\n", round + 1,
                    n);
            failed = 1;
        }
    }
    for (long i = 0; i < procs; i++)
        close(go[i]);
    for (long i = 0; i < procs; i++) {
        int status;

        while (waitpid(pid[i], &status, 0) < 0 && errno == EINTR)
            ;
    }
    remove_db(path);
    if (failed) {
        fprintf(stderr, "open_race: failed in round %ld of %ld (%ld processes)\n", round,
                rounds, procs);
        return 1;
    }
    printf("open_race: %ld rounds of %ld processes, all succeeded\n", rounds, procs);
    return 0;
}
