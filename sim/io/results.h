/*
 * results.h - the SQLite results store (schema: DESIGN.md, "Results
 * database").
 *
 * A run's life in the store:
 *
 *     results_open(path)             schema created or checked; a database
 *                                    that cannot be written fails here
 *     results_run_begin(...)         run row 'running', committed at once
 *     results_param / _conn / _event / _occupancy / _scalar
 *                                    rows through prepared statements, in a
 *                                    write transaction the first row opens
 *     results_commit(r)              commit them (the driver calls it
 *                                    between batches of simulated events;
 *                                    it also happens every RESULTS_BATCH rows)
 *     results_run_end(status, ...)   the last rows and the run's status,
 *                                    complete, interrupted or failed, in one
 *                                    transaction
 *
 * Transactions are short, so several processes (a parallel sweep) can share
 * one database: WAL mode lets them read while one writes, and a busy
 * timeout lets writers take turns.  A run that is killed leaves its row
 * 'running' with whatever rows were committed; resuming deletes and redoes
 * it.  Errors return SIM_EDB with a message in the sim_diag.
 */
#ifndef SIM_IO_RESULTS_H
#define SIM_IO_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sim.h"
#include "io/diag.h"

/* The schema this offsim writes; PRAGMA user_version holds it. */
#define RESULTS_SCHEMA_VERSION 2
/* Rows per transaction. */
#define RESULTS_BATCH 100000
/* SIM_S as an SQL literal: the views and queries turn ns into seconds with it
 * (test_results checks that it equals SIM_S). */
#define RESULTS_SQL_S "1e9"

/*
 * A run's status (run.status), declared once: the enum, and the names the
 * database holds.  A run is 'running' from results_run_begin() until
 * results_run_end() sets one of the others.
 */
#define RESULTS_STATUS_MAP(X)                                                    \
    X(RUNNING, "running")                                                        \
    X(COMPLETE, "complete")                                                      \
    X(INTERRUPTED, "interrupted")                                                \
    X(FAILED, "failed")

typedef enum results_status {
#define X(id, name) RESULTS_##id,
    RESULTS_STATUS_MAP(X)
#undef X
    RESULTS_STATUS_N
} results_status;

extern const char *const results_status_name[RESULTS_STATUS_N];

/*
 * The scalars of a run (table scalar), declared once, in the order a run
 * writes them: the enum, and the names the database holds (README, "Results
 * database").
 *
 * Connections: every one opened is counted once among after_close_* (the
 * local application called close(); how it ended, 'open' when the run ended
 * first) and no_close_* (it never did: the handshake did not complete, or
 * it was established but close() never came -- a request that never fully
 * arrived, or with closer = peer a peer that never closed -- and how the
 * connection ended); they add up to connections_opened.
 *
 * Close latency, over the connections opened after sim.warmup that reached
 * close(): close_n of them, close_censored still open at the end.  Its
 * percentiles are Kaplan-Meier estimates (io/km.h): close_pNN_s, or NULL
 * with close_pNN_not_reached = 1 when the estimate does not reach it (the
 * value is then above close_longest_s, the longest time observed); max
 * likewise.
 *
 * Means (nic_mean, *_mean) and rates (*_per_s) are over the measurement
 * window [window_start_s, window_end_s] (sim.window; window_whole_run = 1
 * when it was empty and the whole run was used).
 *
 * Per peer class the same names, prefixed "peer.NAME." (results_class_scalar):
 * the close-latency ones, and the path_* figures of the class's path in each
 * direction (native engine): segments sent, those that waited in the link's
 * queue longer than NET_LINK_WAIT (100) serialization times of its largest
 * segment (net/link.h), the longest wait, and the time the link was busy.
 */

#define RESULTS_SCALAR_MAP(X)                                                    \
    X(CONNECTIONS_OPENED, "connections_opened")                                  \
    X(CONNECTIONS_CLOSED, "connections_closed")                                  \
    X(AFTER_CLOSE_PEER_FIN, "after_close_peer_fin")                              \
    X(AFTER_CLOSE_NIC_FW2, "after_close_nic_fw2_timeout")                        \
    X(AFTER_CLOSE_HOST_FW2, "after_close_host_fw2_timeout")                      \
    X(AFTER_CLOSE_RST, "after_close_rst")                                        \
    X(AFTER_CLOSE_RETRIES, "after_close_retries")                                \
    X(AFTER_CLOSE_OPEN, "after_close_open")                                      \
    X(NO_CLOSE_HANDSHAKE_RETRIES, "no_close_handshake_retries")                  \
    X(NO_CLOSE_HANDSHAKE_RST, "no_close_handshake_rst")                          \
    X(NO_CLOSE_HANDSHAKE_OPEN, "no_close_handshake_open")                        \
    X(NO_CLOSE_ESTABLISHED_RETRIES, "no_close_established_retries")                \
    X(NO_CLOSE_ESTABLISHED_RST, "no_close_established_rst")                      \
    X(NO_CLOSE_ESTABLISHED_OPEN, "no_close_established_open")                    \
    X(NO_CLOSE_OTHER, "no_close_other")                                          \
    X(OFFLOADS, "offloads")                                                      \
    X(UPLOADS, "uploads")                                                        \
    X(OFFLOADS_REFUSED, "offloads_refused")                                      \
    X(NIC_FW2_EXPIRIES, "nic_fw2_expiries")                                      \
    X(HOST_FW2_EXPIRIES, "host_fw2_expiries")                                    \
    X(FW2_RESTARTS, "fw2_restarts")                                              \
    X(INDICATIONS, "indications")                                                \
    X(PEERS_RESET, "peers_reset")                                                \
    X(SEGMENTS, "segments")                                                      \
    X(SEGMENTS_LOST, "segments_lost")                                            \
    X(NIC_PEAK, "nic_peak")                                                      \
    X(NIC_MEAN, "nic_mean")                                                      \
    X(NIC_FIN_WAIT_2_MEAN, "nic_fin_wait_2_mean")                                \
    X(HOST_FIN_WAIT_2_MEAN, "host_fin_wait_2_mean")                              \
    X(TIME_WAIT_MEAN, "time_wait_mean")                                          \
    X(OPEN_RATE, "open_rate_per_s")                                              \
    X(NIC_FW2_EXPIRY_RATE, "nic_fw2_expiry_rate_per_s")                          \
    X(WINDOW_START_S, "window_start_s")                                          \
    X(WINDOW_END_S, "window_end_s")                                              \
    X(WINDOW_WHOLE_RUN, "window_whole_run")                                      \
    X(CLOSE_N, "close_n")                                                        \
    X(CLOSE_CENSORED, "close_censored")                                          \
    X(CENSORED_SHARE, "censored_share")                                          \
    X(CLOSE_P50_S, "close_p50_s")                                                \
    X(CLOSE_P50_NOT_REACHED, "close_p50_not_reached")                            \
    X(CLOSE_P90_S, "close_p90_s")                                                \
    X(CLOSE_P90_NOT_REACHED, "close_p90_not_reached")                            \
    X(CLOSE_P99_S, "close_p99_s")                                                \
    X(CLOSE_P99_NOT_REACHED, "close_p99_not_reached")                            \
    X(CLOSE_MAX_S, "close_max_s")                                                \
    X(CLOSE_MAX_NOT_REACHED, "close_max_not_reached")                            \
    X(CLOSE_LONGEST_S, "close_longest_s")                                        \
    X(PATH_TO_PEER_SEGMENTS, "path_to_peer_segments")                            \
    X(PATH_TO_PEER_WAITED, "path_to_peer_waited")                                \
    X(PATH_TO_PEER_MAX_WAIT_S, "path_to_peer_max_wait_s")                        \
    X(PATH_TO_PEER_BUSY_S, "path_to_peer_busy_s")                                \
    X(PATH_TO_HOST_SEGMENTS, "path_to_host_segments")                            \
    X(PATH_TO_HOST_WAITED, "path_to_host_waited")                                \
    X(PATH_TO_HOST_MAX_WAIT_S, "path_to_host_max_wait_s")                        \
    X(PATH_TO_HOST_BUSY_S, "path_to_host_busy_s")

/* The close-latency percentiles, in this order: their quantile and scalars. */
enum { RESULTS_P50, RESULTS_P90, RESULTS_P99, RESULTS_PMAX, RESULTS_NQ };
extern const double results_quantile_p[RESULTS_NQ];
extern const char *const results_quantile_label[RESULTS_NQ]; /* "p50" ... "max" */

typedef enum results_scalar_id {
#define X(id, name) RESULTS_##id,
    RESULTS_SCALAR_MAP(X)
#undef X
    RESULTS_SCALAR_N
} results_scalar_id;

extern const char *const results_scalar_name[RESULTS_SCALAR_N];

/* The scalars of percentile k: its value (NULL when not reached), its mark. */
results_scalar_id results_quantile_scalar(int k);
results_scalar_id results_quantile_mark(int k);

typedef struct results results;

int results_open(const char *path, results **out, sim_diag *d);
void results_close(results *r);

/*
 * A database opened only to read it (plot, sweep summaries), by its plain
 * file name, never as an SQLite URI, and never created.  It is opened
 * read-write where the file allows it, so that closing the last connection
 * of a WAL database removes its -wal and -shm files as a writer's close does
 * (a read-only connection leaves them behind); an authorizer lets SQL read it
 * and write the connection's temporary tables, nothing else.  Close with
 * sqlite3_close().
 */
struct sqlite3;
int results_open_reader(const char *path, struct sqlite3 **db, sim_diag *d);

/* A store opened the same way, to read its runs; its write calls fail.
 * Close with results_close(). */
int results_open_read(const char *path, results **out, sim_diag *d);

typedef struct results_run_info {
    const char *identity;        /* scenario_identity() */
    const char *scenario;        /* the path as given */
    const char *scenario_text;
    const char *scenario_sha256;
    const char *engine;          /* "native" or "ns3" */
    uint64_t seed;
    /* Provenance (NULL: not known): the command as typed, the machine's
     * name, the build ("offsim 0.1.0 (git 1a2b3c4d)", results_build()). */
    const char *command_line;
    const char *host;
    const char *build;
} results_run_info;

/* This offsim's build: its version, and the source revision when it was
 * built from a git checkout ("-dirty" with uncommitted changes). */
const char *results_build(void);

int results_run_begin(results *r, const results_run_info *info, int64_t *run_id,
                      sim_diag *d);

int results_param(results *r, int64_t run, const char *key, const char *value,
                  const double *num, int varied);

/* One conn row; times are SIM_NEVER when not reached (stored as NULL). */
typedef struct results_conn_row {
    uint32_t conn_id;
    const char *peer;
    sim_time t_open, t_close, t_fin_wait_1, t_fin_wait_2, t_time_wait, t_closed,
        t_released;
    const char *close_reason;
    const char *owner_at_close;
    uint32_t handoffs;
    const char *peer_outcome;
    sim_time t_peer_closed;      /* the peer's endpoint reached CLOSED */
    sim_time t_established;      /* the local endpoint reached ESTABLISHED */
} results_conn_row;

int results_conn(results *r, int64_t run, const results_conn_row *row);

/* value: NULL for none. */
int results_event(results *r, int64_t run, sim_time t, uint32_t conn_id,
                  const char *kind, const char *detail, const int64_t *value);

int results_occupancy(results *r, int64_t run, sim_time t, int64_t nic_total,
                      int64_t nic_fin_wait_2, int64_t host_fin_wait_2,
                      int64_t time_wait);

/* A scalar; NAN is stored as NULL (a percentile not reached). */
int results_scalar(results *r, int64_t run, results_scalar_id id, double value);
/* A scalar of one peer class: "peer.NAME.<name>". */
int results_class_scalar(results *r, int64_t run, const char *peer, results_scalar_id id,
                         double value);

/*
 * Commit the rows, then set the run's status (complete, interrupted or
 * failed) and its figures.  fingerprint may be NULL.  A run whose rows could
 * not all be written ends failed, whatever was asked.
 */
int results_run_end(results *r, int64_t run, results_status status, double wall_s,
                    sim_time sim_end, uint64_t events, const char *fingerprint,
                    sim_diag *d);

/* Commit the rows written since the last commit (no-op when none). */
int results_commit(results *r);

/* The id of a complete run with this identity, or 0. */
int64_t results_find_complete(results *r, const char *identity);

/*
 * Delete every run with this identity that is not complete (a run that was
 * running when its process died, interrupted or failed) and its rows.
 * Returns the number of runs deleted, or a negative SIM_E* code.
 */
int results_forget_incomplete(results *r, const char *identity);

/*
 * Copy the complete runs of the database at `path` into r, with new run
 * ids, skipping runs whose identity is already complete in r (so merging
 * twice, or merging overlapping parts of a sweep, copies each run once).
 * One transaction per input: a failed merge leaves r as it was.
 */
typedef struct results_merge_stats {
    uint64_t copied;     /* runs copied */
    uint64_t present;    /* complete runs skipped: r has them already */
    uint64_t incomplete; /* runs not copied: not complete in the input */
} results_merge_stats;

int results_merge(results *r, const char *path, results_merge_stats *st, sim_diag *d);

/* The version of the SQLite library in use (for offsim --version). */
const char *results_sqlite_version(void);

/* The message of the last SQLite error on this store. */
const char *results_errmsg(const results *r);

#endif /* SIM_IO_RESULTS_H */
