/*
 * results.h - the SQLite results store (schema: DESIGN.md, "Results
 * database").
 *
 * A run's life in the store:
 *
 *     results_open(path)             the file checked, then created or
 *                                    migrated if empty or older (nothing is
 *                                    changed in a file that is refused)
 *     results_run_begin(...)         run row 'running', committed at once
 *       or results_run_claim(...)    the same for a run known by its identity
 *                                    (sweeps): unless it is complete already
 *                                    or a live process writes it
 *     results_param / _conn / _event / _occupancy / _scalar
 *                                    rows through prepared statements, in a
 *                                    write transaction the first row opens
 *     results_commit(r)              commit them (the driver writes the
 *                                    model's rows in bursts, a transaction
 *                                    each, at least RESULTS_COMMIT_S apart
 *                                    unless many rows gathered; a commit also
 *                                    happens every RESULTS_BATCH rows)
 *     results_heartbeat(r, run)      renew the writer's lease (cheap: it
 *                                    writes once every WRITER_BEAT_S)
 *     results_run_end(status, ...)   the last rows and the run's status,
 *                                    complete, interrupted or failed, in one
 *                                    transaction
 *
 * Transactions are short, so several processes (a parallel sweep, two
 * sweeps, runs) can share one database: WAL mode lets them read while one
 * writes, and a busy timeout lets writers take turns.
 *
 * Who may touch a run.  The guarantee: no run is ever seen 'complete' with
 * missing or foreign rows, whatever process is killed when and however many
 * share the database.  It rests on four rules:
 *   1. A run becomes 'complete' only in the transaction that writes its
 *      last rows, and only if every earlier transaction of its rows
 *      committed (a failed write makes it 'failed').
 *   2. A run 'running' belongs to its writer, the process named in its row
 *      (writer.h: run.host, pid and start time; a lease renewed by
 *      results_heartbeat where the pid cannot be checked).  Only a claim
 *      deletes an unfinished run, and only when its writer is dead.
 *   3. Run ids are AUTOINCREMENT, never given twice, and rows refer to their
 *      run by a foreign key: a writer whose run was removed (judged dead)
 *      can write no row, and its end changes nothing (SIM_EDB, "no longer
 *      in the database").
 *   4. A claimed run that would end 'complete' while another run of its
 *      identity became complete (merged in meanwhile) is dropped, so an
 *      identity is complete once.
 * A process that writes runs computed elsewhere (an MPI rank collecting
 * other ranks' rows) claims each run itself before its rows arrive and is
 * its writer; when the rank computing a run is lost, the writer ends that
 * run 'failed' (a later claim redoes it), never 'complete'.  Sharding a
 * sweep over machines: each shard writes a database of its own (WAL needs
 * one machine per database), and results_merge() gathers them.
 *
 * Errors return SIM_EDB with a message in the sim_diag that ends with
 * SQLite's own reason ("database or disk is full", "database disk image is
 * malformed", "attempt to write a readonly database"), except that a file
 * offsim does not use (missing where it is read, not a database, another
 * program's, or another schema) is refused before anything is touched with
 * SIM_EINVAL: a bad input, exit 2 like a bad scenario, where SIM_EDB is a
 * failure, exit 1.
 */
#ifndef SIM_IO_RESULTS_H
#define SIM_IO_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sim.h"
#include "io/diag.h"

/*
 * The schema this offsim writes; PRAGMA user_version holds it.  Schema 3
 * added the run's writer (writer_pid, writer_token, writer_beat; the host is
 * run.host) and made run.id AUTOINCREMENT: a schema 2 database is migrated
 * when opened for writing and read as it is.  Schema 2 (Kaplan-Meier
 * percentiles, provenance) cannot be made from schema 1, which is refused.
 */
#define RESULTS_SCHEMA_VERSION 3
/* The oldest schema this offsim reads (and migrates when it writes). */
#define RESULTS_SCHEMA_OLDEST 2
/* PRAGMA application_id of offsim's databases ("OfSm"). */
#define RESULTS_APPLICATION_ID 0x4f66536d
/* Rows per transaction at most, and the seconds (wall clock) between the
 * driver's bursts of rows (runner.c): few enough commits that SQLite writes
 * each page about once (a commit writes out every page it changed, the
 * last leaf of each table and index again and again); a writer holds the
 * write lock only while it writes a burst, so other writers take turns. */
#define RESULTS_BATCH 262144
#define RESULTS_COMMIT_S 1.0
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
 * the close-latency ones, and the path_* figures of the class's paths in
 * each direction (native engine; every connection has its own queue, and
 * these add them up): segments sent, those that waited in their queue
 * longer than NET_LINK_WAIT (100) serialization times of the largest
 * segment and NET_LINK_WAIT_MIN (1 ms) (net/link.h), the longest wait, and the queues' busy time summed.
 * The server_link_* figures are the same for the link every connection
 * shares ([link] server_bandwidth), stored only when there is one.
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
    X(PATH_TO_HOST_BUSY_S, "path_to_host_busy_s")                                \
    X(SERVER_LINK_TO_PEER_SEGMENTS, "server_link_to_peer_segments")              \
    X(SERVER_LINK_TO_PEER_WAITED, "server_link_to_peer_waited")                  \
    X(SERVER_LINK_TO_PEER_MAX_WAIT_S, "server_link_to_peer_max_wait_s")          \
    X(SERVER_LINK_TO_PEER_BUSY_S, "server_link_to_peer_busy_s")                  \
    X(SERVER_LINK_TO_HOST_SEGMENTS, "server_link_to_host_segments")              \
    X(SERVER_LINK_TO_HOST_WAITED, "server_link_to_host_waited")                  \
    X(SERVER_LINK_TO_HOST_MAX_WAIT_S, "server_link_to_host_max_wait_s")          \
    X(SERVER_LINK_TO_HOST_BUSY_S, "server_link_to_host_busy_s")

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

/*
 * Open a database to write runs into, creating it if needed.  The file is
 * looked at first, in a read transaction: an empty database becomes an
 * offsim one, a schema 2 database is migrated, and anything else (another
 * program's database, an older or newer offsim's, a file that is not a
 * database, a read-only file) is refused with nothing changed in it.
 */
int results_open(const char *path, results **out, sim_diag *d);
void results_close(results *r);

/*
 * A database opened only to read it (plot, summaries, exports, merge
 * inputs), by its plain file name, never as an SQLite URI, and never
 * created; a file that is not an offsim database of schema
 * RESULTS_SCHEMA_OLDEST to RESULTS_SCHEMA_VERSION is refused (with what it
 * holds in the message).  It is opened
 * read-write where the file allows it, so that closing the last connection
 * of a WAL database removes its -wal and -shm files as a writer's close does
 * (a read-only connection leaves them behind); an authorizer lets SQL read it
 * and write the connection's temporary tables, nothing else.  Close with
 * sqlite3_close().
 */
struct sqlite3;
int results_open_reader(const char *path, struct sqlite3 **db, sim_diag *d);

/* Can it be read so?  SIM_OK, or the reason in d (nothing is changed). */
int results_check_readable(const char *path, sim_diag *d);

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

/* What a writer sets on its connection, and the statements its conn and
 * event rows go in by (bench/rows.c inserts the same rows the same way). */
extern const char results_pragmas[];
extern const char results_insert_conn_sql[];
extern const char results_insert_event_sql[];

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
 * Mark keys (a sweep's varied keys) varied in run's run_param: a sweep that
 * finds one of its runs complete already (run alone, by another sweep, or
 * merged in) makes it a run of its points, as if it had run it.  Writes
 * only when a flag is missing; SIM_OK or SIM_EDB (results_errmsg).
 */
int results_mark_varied(results *r, int64_t run, const char *const *key, size_t n);

/* Who holds a run: the live writer a claim found. */
typedef struct results_holder {
    int64_t run_id;
    int64_t pid;
    char host[256];
} results_holder;

typedef enum results_claim_outcome {
    RESULTS_CLAIMED, /* the run row is ours, 'running' (run_id) */
    RESULTS_DONE,    /* a run of this identity is complete already (run_id) */
    RESULTS_HELD     /* a live process writes one (holder): try again later */
} results_claim_outcome;

typedef struct results_claim {
    results_claim_outcome outcome;
    int64_t run_id;
    /* Unfinished runs of this identity whose writers are gone, deleted, by
     * how the database held them: [RESULTS_RUNNING] left 'running' by a
     * process that died, [RESULTS_INTERRUPTED], [RESULTS_FAILED]. */
    int replaced[RESULTS_STATUS_N];
    results_holder holder; /* RESULTS_HELD */
} results_claim;

/*
 * Begin the run of info->identity unless it is done or held, in one write
 * transaction: complete already -> DONE; 'running' with a live writer ->
 * HELD; otherwise its unfinished runs (interrupted, failed, or 'running'
 * with a dead writer) are deleted with their rows and a new run row is
 * inserted -> CLAIMED.  Two processes claiming one identity never both win.
 */
int results_run_claim(results *r, const results_run_info *info, results_claim *c,
                      sim_diag *d);

/* Renew this writer's lease on its run (at most once every WRITER_BEAT_S;
 * it opens the write transaction if none is).  SIM_EDB when the run is gone. */
int results_heartbeat(results *r, int64_t run);

/* The same for every run this process writes (a writer of runs computed
 * elsewhere has many at once). */
int results_renew(results *r);

/*
 * Streams: a run's rows computed in one process and written by another (a
 * sweep's writer and its computing processes: MPI ranks, or children that
 * run ns-3).  The writer claims the run (results_run_claim) and names its
 * id to the process that computes it; that process writes the rows into a
 * stream with the calls above (results_param ... results_run_end, with the
 * writer's run id), and the stream hands them to `sink` as bytes: at
 * results_commit() once RESULTS_STREAM_CHUNK bytes are waiting, and at
 * results_run_end() the last rows and the run's end together.  The writer
 * gives each buffer to results_apply(), which makes exactly the calls the
 * computing process made on its own connection, so the rows are the same
 * as if it had written them.  The writer has many runs in progress on one
 * connection: at a run's end, every row written so far (its own and the
 * other runs') is committed first, then the end in a transaction of its
 * own, so a run is complete only once all its rows are (rule 1), and an
 * end that fails rolls back no other run's rows.  Any other failure to
 * write is the writer's to treat as fatal (an MPI sweep aborts the job:
 * the runs left 'running' are redone).  A stream claims nothing, finds
 * nothing and merges nothing; a sink that fails (returns nonzero with
 * errno set) fails the run.
 */
#define RESULTS_STREAM_CHUNK (256u * 1024u)

typedef int results_stream_fn(void *arg, const void *buf, size_t len);

/* A stream into sink (close with results_close()); SIM_ENOMEM. */
int results_open_stream(results_stream_fn *sink, void *arg, results **out);

/* What results_apply() has done with one run's stream so far (zero it
 * before the run's first buffer). */
typedef struct results_applied {
    uint64_t rows;          /* rows written */
    int ended;              /* the run's end was applied */
    results_status status;  /* and how it ended (failed if it could not be recorded) */
} results_applied;

/*
 * Write the rows of one buffer of a stream into r, for run `run` (whatever
 * run the computing process named: the writer's id counts).  At the run's
 * end record, results_run_end() (which commits).  SIM_OK; SIM_EINVAL for a
 * buffer that is not a well-formed stream (the records before it are
 * written, the run must then be ended failed); SIM_EDB when writing failed
 * or the run could not end as asked (a->status says how it ended).
 */
int results_apply(results *r, int64_t run, const void *buf, size_t len, results_applied *a,
                  sim_diag *d);

/*
 * Copy the complete runs of the databases at paths[0..n) into r, with new
 * run ids, skipping runs whose identity is already complete in r (so
 * merging twice, or merging overlapping parts of a sweep, copies each run
 * once).  Every input is opened and checked first; then all of them are
 * copied in one transaction, each from one snapshot: a merge that fails or
 * is killed leaves r as it was.  A run r has already keeps its rows, but
 * takes the input's run_param.varied flags too (a key varied in either copy
 * is varied: a run made alone in r is a sweep's point when the sweep's copy
 * of it is merged in).  st[i] counts what input i gave.
 */
typedef struct results_merge_stats {
    uint64_t copied;     /* runs copied */
    uint64_t present;    /* complete runs skipped: r has them already */
    uint64_t marked;     /* of those, runs whose keys varied here were not all varied in r */
    uint64_t incomplete; /* runs not copied: not complete in the input */
} results_merge_stats;

int results_merge(results *r, const char *const *paths, size_t n, results_merge_stats *st,
                  sim_diag *d);

/* What a merge accepts beyond the runs of one scenario and one schema. */
typedef struct results_merge_opts {
    int any_scenario; /* complete runs of several scenarios (scenario_sha256) */
    int any_schema;   /* inputs of another schema this offsim reads (migrated when copied) */
} results_merge_opts;

/*
 * Before a merge, with nothing changed anywhere: every input is an offsim
 * database this offsim reads, whole (PRAGMA quick_check: a truncated or
 * damaged file is refused); the inputs and OUT as it is (if it is an offsim
 * database already) are of this offsim's schema unless any_schema, and
 * their complete runs of one scenario (their scenario_sha256) unless
 * any_scenario.  SIM_OK; SIM_EINVAL for a file offsim does not use (missing,
 * not a database, another program's: as results_open_reader says), another
 * schema or scenario; SIM_EDB for a truncated or damaged file; a message
 * says which file and why.
 */
int results_merge_check(const char *out, const char *const *paths, size_t n,
                        const results_merge_opts *o, sim_diag *d);

/* The version of the SQLite library in use (for offsim --version). */
const char *results_sqlite_version(void);

/* SQLite's message for the first failure of the current run (or merge, or
 * open), else for the last call. */
const char *results_errmsg(const results *r);

#endif /* SIM_IO_RESULTS_H */
