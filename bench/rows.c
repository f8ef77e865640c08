/*
 * rows.c - SQLite's own speed on offsim's rows: the yardstick of what
 * logging may cost (issue 14: what sim.log = conn and events add to a run
 * is at most 1.3x this).
 *
 *     bench_rows SOURCE.db RUN OUT_DIR
 *
 * Reads the conn rows and the event rows of run RUN of SOURCE.db (a run
 * made with --log events) into memory, then inserts them with a bare loop
 * into fresh databases in OUT_DIR that offsim's results_open() made (the
 * same schema, the same pragmas, a run row for the rows to refer to): one
 * prepared statement (offsim's), one transaction, the connection closed
 * (its last checkpoint) inside the time.  Conn rows and event rows go into
 * a database each.  Prints, for each, the rows and the seconds they took,
 * wall and CPU:
 *
 *     conn  ROWS WALL_S CPU_S
 *     event ROWS WALL_S CPU_S
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "io/diag.h"
#include "io/results.h"

/* Texts of a column, kept once: rows point at them (as a program binds
 * the names it has, SQLITE_STATIC). */
typedef struct texts {
    char **v;
    size_t n, cap;
} texts;

static const char *intern(texts *t, const unsigned char *s)
{
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i], (const char *)s) == 0)
            return t->v[i];
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        if ((t->v = realloc(t->v, t->cap * sizeof *t->v)) == NULL)
            exit(1);
    }
    if ((t->v[t->n] = strdup((const char *)s)) == NULL)
        exit(1);
    return t->v[t->n++];
}

typedef struct conn_row {
    int64_t v[11]; /* conn_id, t_open .. t_released, handoffs, t_peer_closed, t_established */
    unsigned null; /* bit i: v[i] is NULL */
    const char *peer, *close_reason, *owner_at_close, *peer_outcome;
} conn_row;

typedef struct event_row {
    int64_t t, conn_id, value;
    int has_value;
    const char *kind, *detail;
} event_row;

static double now_s(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, sqlite3 *db)
{
    fprintf(stderr, "bench_rows: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
    exit(1);
}

/* A fresh database as offsim makes one, with a run row; its id. */
static int64_t fresh(const char *path)
{
    results *r;
    sim_diag d = {0};
    results_run_info info = {"bench", "bench.ini", "", "", "native", 1, NULL, NULL, NULL};
    int64_t run;

    remove(path);
    if (results_open(path, &r, &d) != SIM_OK || results_run_begin(r, &info, &run, &d) != SIM_OK) {
        fprintf(stderr, "bench_rows: %s: cannot create\n", path);
        exit(1);
    }
    results_close(r);
    return run;
}

/* Open it for the bare loop: the pragmas offsim's writer sets. */
static sqlite3 *open_bare(const char *path)
{
    sqlite3 *db;

    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, results_pragmas, NULL, NULL, NULL) != SQLITE_OK)
        die(path, db);
    return db;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v, int null)
{
    if (null)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

static void time_conn(const char *path, const conn_row *rows, size_t n)
{
    int64_t run = fresh(path);
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    sqlite3 *db = open_bare(path);
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(db, results_insert_conn_sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        die(path, db);
    for (size_t i = 0; i < n; i++) {
        const conn_row *c = &rows[i];

        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_int64(st, 2, c->v[0]);
        sqlite3_bind_text(st, 3, c->peer, -1, SQLITE_STATIC);
        for (int k = 1; k <= 7; k++) /* t_open .. t_released: ?4 .. ?10 */
            bind_opt(st, k + 3, c->v[k], c->null >> k & 1);
        sqlite3_bind_text(st, 11, c->close_reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 12, c->owner_at_close, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 13, c->v[8]);
        sqlite3_bind_text(st, 14, c->peer_outcome, -1, SQLITE_STATIC);
        bind_opt(st, 15, c->v[9], c->null >> 9 & 1);
        bind_opt(st, 16, c->v[10], c->null >> 10 & 1);
        if (sqlite3_step(st) != SQLITE_DONE)
            die("conn insert", db);
        sqlite3_reset(st);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die("commit", db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("conn  %zu %.3f %.3f\n", n, now_s(CLOCK_MONOTONIC) - w0,
           now_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
}

static void time_event(const char *path, const event_row *rows, size_t n)
{
    int64_t run = fresh(path);
    double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
    sqlite3 *db = open_bare(path);
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(db, results_insert_event_sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        die(path, db);
    for (size_t i = 0; i < n; i++) {
        const event_row *e = &rows[i];

        sqlite3_bind_int64(st, 1, run);
        sqlite3_bind_int64(st, 2, e->t);
        sqlite3_bind_int64(st, 3, e->conn_id);
        sqlite3_bind_text(st, 4, e->kind, -1, SQLITE_STATIC);
        if (e->detail != NULL)
            sqlite3_bind_text(st, 5, e->detail, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        bind_opt(st, 6, e->value, !e->has_value);
        if (sqlite3_step(st) != SQLITE_DONE)
            die("event insert", db);
        sqlite3_reset(st);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        die("commit", db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("event %zu %.3f %.3f\n", n, now_s(CLOCK_MONOTONIC) - w0,
           now_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
}

int main(int argc, char **argv)
{
    sqlite3 *src;
    sqlite3_stmt *st;
    texts peers = {0}, reasons = {0}, kinds = {0}, details = {0};
    conn_row *conns = NULL;
    event_row *events = NULL;
    size_t nc = 0, ne = 0, cap;
    char path[4096];

    if (argc != 4) {
        fprintf(stderr, "usage: bench_rows SOURCE.db RUN OUT_DIR\n");
        return 2;
    }
    if (sqlite3_open_v2(argv[1], &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die(argv[1], src);
    if (sqlite3_prepare_v2(src,
                           "SELECT conn_id, t_open, t_close, t_fin_wait_1, t_fin_wait_2, "
                           "t_time_wait, t_closed, t_released, handoffs, t_peer_closed, "
                           "t_established, peer, close_reason, owner_at_close, peer_outcome "
                           "FROM conn WHERE run_id = ? ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        die(argv[1], src);
    sqlite3_bind_int64(st, 1, strtoll(argv[2], NULL, 10));
    cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        conn_row *c;

        if (nc == cap) {
            cap = cap ? 2 * cap : 65536;
            if ((conns = realloc(conns, cap * sizeof *conns)) == NULL)
                die("conn rows", NULL);
        }
        c = &conns[nc++];
        c->null = 0;
        for (int k = 0; k < 11; k++) {
            c->v[k] = sqlite3_column_int64(st, k);
            c->null |= (unsigned)(sqlite3_column_type(st, k) == SQLITE_NULL) << k;
        }
        c->peer = intern(&peers, sqlite3_column_text(st, 11));
        c->close_reason = intern(&reasons, sqlite3_column_text(st, 12));
        c->owner_at_close = intern(&reasons, sqlite3_column_text(st, 13));
        c->peer_outcome = intern(&reasons, sqlite3_column_text(st, 14));
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(src,
                           "SELECT t, conn_id, value, kind, detail FROM event WHERE run_id = ? "
                           "ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        die(argv[1], src);
    sqlite3_bind_int64(st, 1, strtoll(argv[2], NULL, 10));
    cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        event_row *e;

        if (ne == cap) {
            cap = cap ? 2 * cap : 65536;
            if ((events = realloc(events, cap * sizeof *events)) == NULL)
                die("event rows", NULL);
        }
        e = &events[ne++];
        e->t = sqlite3_column_int64(st, 0);
        e->conn_id = sqlite3_column_int64(st, 1);
        e->has_value = sqlite3_column_type(st, 2) != SQLITE_NULL;
        e->value = sqlite3_column_int64(st, 2);
        e->kind = intern(&kinds, sqlite3_column_text(st, 3));
        e->detail = intern(&details, sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    sqlite3_close(src);
    snprintf(path, sizeof path, "%s/bench-conn.db", argv[3]);
    time_conn(path, conns, nc);
    snprintf(path, sizeof path, "%s/bench-event.db", argv[3]);
    time_event(path, events, ne);
    free(conns);
    free(events);
    return 0;
}
