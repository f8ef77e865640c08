/*
 * world.h - the simulated world as the driver (offsim run, tests) sees it:
 * the configuration of a whole run, then build the world on an engine, run
 * the engine, end the world, and drain what it recorded.
 *
 *     world_create(cfg, sim, trace)   connections arrive from t = 0
 *     sim_run(...)                     the driver runs the engine
 *     world_records / world_samples    rows to store (drain between runs)
 *     world_end(w)                     rows for connections still open
 *     world_stats_of, world_window_of  the run's counters and time averages
 *
 * The world composes the model: it owns the NIC (offload/nic.h) and the
 * host stack (host/host.h), and it is the only module that knows both.
 * Its internals and its connections' are private to sim/workload/;
 * another TCP under the same applications (ns-3) uses world_ext.h.
 */
#ifndef SIM_WORKLOAD_WORLD_H
#define SIM_WORKLOAD_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"
#include "engine/trace.h"
#include "host/host.h"
#include "net/link.h"
#include "net/segment.h"
#include "offload/nic.h"
#include "tcp/tcp.h"

/* ---- the configuration of a run ------------------------------------------ */

/*
 * Every parameter of a run, typed and in base units: the world's own
 * sections ([sim], [workload], [peer NAME]) and those of the modules it
 * composes, each defined by its module ([link] net/link.h, [host] and
 * [offload] host/host.h, [nic] offload/nic.h, [tcp] tcp/tcp.h).
 * sim/io/params.c declares each field once (key, type, unit, default,
 * range, help) and the scenario parser fills it; the model reads it and
 * never parses text.  Field names follow the keys: [nic]
 * fin_wait_2_timeout is cfg->nic.fin_wait_2_timeout.  Durations are
 * sim_time (ns), sizes bytes, rates bits per second.
 */

/* [sim] log: cumulative levels of what a run records. */
typedef enum log_level {
    LOG_SUMMARY, /* run, run_param, scalar, occupancy rows */
    LOG_CONN,    /* + one conn row per connection */
    LOG_EVENTS,  /* + event rows (offload, upload, indicate, fw2_*, state, refused) */
    LOG_TRACE    /* + a text line per event on stderr */
} log_level;

/* [sim] window: the measurement window of time averages (occupancy means, rates). */
typedef enum window_kind {
    WINDOW_ARRIVALS, /* from sim.warmup to the opening of the last connection */
    WINDOW_RUN,      /* from 0 to the end of the run */
    WINDOW_FIXED     /* [from, to), cut at the end of the run */
} window_kind;

typedef struct sim_window {
    window_kind kind;
    sim_time from, to; /* WINDOW_FIXED */
} sim_window;

/* [sim] */
typedef struct sim_params {
    sim_time duration;
    uint64_t seed;
    log_level log;
    sim_time warmup;          /* connections opened before it are left out of summaries */
    sim_time sample_interval; /* of the occupancy rows */
    sim_window window;        /* of time averages */
} sim_params;

/* [workload] closer: who closes first (local.c, peer.c). */
typedef enum closer {
    CLOSER_LOCAL, /* the local application, after its response; the peer's behaviour
                   * starts when our FIN arrives */
    CLOSER_PEER,  /* the peer, by its behaviour, once the response has arrived; the
                   * local application closes when the peer's FIN arrives */
    CLOSER_BOTH   /* the local application after its response, and the peer's
                   * behaviour starts at that same instant: FINs cross */
} closer;
typedef enum close_mode { CLOSE_MODE_CLOSE, CLOSE_MODE_SHUTDOWN } close_mode;

/* [workload] */
typedef struct workload_params {
    uint64_t connections;
    dist interarrival;
    uint64_t request;
    uint64_t response;
    closer closer;
    close_mode close_mode;
} workload_params;

typedef enum peer_behaviour {
    PEER_CLOSE,     /* FIN close_delay after our FIN arrives */
    PEER_NEVER,     /* no FIN, ever */
    PEER_TRICKLE,   /* a data segment every interval (count of them), FIN at close_delay */
    PEER_KEEPALIVE, /* a keepalive probe every interval, FIN at close_delay */
    PEER_RST        /* an RST at close_delay */
} peer_behaviour;

#define PEER_NAME_MAX 64

/* [peer NAME]: a class of peers. */
typedef struct peer_params {
    char name[PEER_NAME_MAX];
    double share;
    peer_behaviour behaviour;
    dist close_delay;
    sim_time interval;
    uint64_t count;
    dist ack_delay;
    /* The path to this class of peers; the defaults come from [link]. */
    dist delay;
    double loss;
    uint64_t bandwidth_bps;
    dist jitter;
} peer_params;

typedef struct model_config {
    sim_params sim;
    link_params link;
    host_params host;
    nic_params nic;
    tcp_params tcp;
    offload_params offload;
    workload_params workload;
    peer_params *peers; /* at least one; "default" when the file names none */
    size_t npeers;
} model_config;

/* ---- the world ------------------------------------------------------------- */

typedef struct world world;
typedef struct conn conn;

typedef enum close_reason {
    CR_OPEN,     /* not closed when the run ended */
    CR_PEER_FIN, /* the peer's FIN: TIME_WAIT, or LAST_ACK acknowledged */
    CR_NIC_FW2,  /* the target's FIN_WAIT_2 timer (R17) */
    CR_HOST_FW2, /* the host's FIN_WAIT_2 timer (A11) */
    CR_RST,      /* an RST, received or sent */
    CR_RETRIES   /* retransmissions exhausted */
} close_reason;

typedef enum peer_outcome { PO_OPEN, PO_CLEAN, PO_RESET } peer_outcome;

/* As recorded: conn.close_reason and conn.peer_outcome (owner_name: host.h). */
extern const char *const close_reason_name[];
extern const char *const peer_outcome_name[];

/* A conn row, and what the summary needs of it (t_open, t_close, t_end,
 * established, close_reason).  The row's other times are kept only when
 * rows are written (sim.log >= conn), SIM_NEVER otherwise: nothing else
 * needs them. */
typedef struct conn_record {
    uint32_t conn_id;
    uint16_t klass;          /* its [peer NAME]: world_peer_name */
    sim_time t_open, t_close, t_fin_wait_1, t_fin_wait_2, t_time_wait, t_closed, t_released;
    sim_time t_peer_closed;
    sim_time t_established;  /* the local endpoint reached ESTABLISHED */
    sim_time t_end;          /* the close's end: t_time_wait if set, else t_closed */
    uint8_t established;     /* t_established is (or would be) set */
    uint8_t close_reason, owner_at_close, peer_outcome;
    uint16_t handoffs;
} conn_record;

/* An occupancy row. */
typedef struct occupancy_sample {
    sim_time t;
    int64_t nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait;
} occupancy_sample;

/* Counters a run reports (summary and the scalar table). */
typedef struct world_stats {
    uint64_t opened, closed, finished;
    uint64_t offloads, uploads, refused;
    uint64_t nic_fw2_expiries, host_fw2_expiries;
    uint64_t fw2_restarts;
    uint64_t indications;
    uint64_t peers_reset;
    uint64_t segments, lost;
    int64_t nic_peak;
    double nic_area;         /* integral of NIC occupancy over time, connection-ns */
} world_stats;

int world_create(const model_config *cfg, sim *s, trace_buf *trace, world **out);
void world_destroy(world *w);

/*
 * The run is over (its end time is now): record every connection still
 * live, with close_reason 'open' where it never closed, and a last
 * occupancy sample.  Returns SIM_OK, or the error that made the model
 * stop or drop rows during the run (SIM_ENOMEM): the run has failed.
 */
int world_end(world *w);

/*
 * Drain rows at the end of a run: world_end calls fn(arg) whenever the conn
 * rows it buffers for the connections still open reach a chunk
 * (WORLD_END_CHUNK; WORLD_END_CHUNK_SUMMARY when no conn row is written and
 * the records only feed the summary, so that their buffer stays small
 * beside every connection still open), so that fn writes and clears them;
 * without it they are all buffered.
 */
#define WORLD_END_CHUNK 65536
#define WORLD_END_CHUNK_SUMMARY 8192
void world_set_drain(world *w, void (*fn)(void *arg), void *arg);

/* Rows buffered since the last clear. */
const conn_record *world_records(const world *w, size_t *n);
void world_records_clear(world *w);
const occupancy_sample *world_samples(const world *w, size_t *n);
void world_samples_clear(world *w);

/*
 * Watch every segment at the local host's interface: segments the local
 * side sends, when it sends them (lost or not), and segments for it, when
 * they arrive.  to_local is 1 for the latter; now is the time.
 */
typedef void world_tap_fn(void *arg, uint32_t conn_id, const seg *s, int to_local, sim_time now);
void world_set_tap(world *w, world_tap_fn *fn, void *arg);

/* The [peer NAME] of a class index. */
const char *world_peer_name(const world *w, unsigned klass);

/*
 * The counters of the world, its host and its NIC, as of now (nic_area up
 * to the last change of occupancy, or to the end after world_end).  The
 * pointer is the world's, valid until the next call.
 */
const world_stats *world_stats_of(world *w);

/*
 * What the paths of a peer class carried, in each direction (towards the
 * peer and towards the host): the figures of its connections' own queues
 * together (net_link_stats; busy is their sum).
 */
void world_path_stats(const world *w, unsigned klass, net_link_stats *to_peer,
                      net_link_stats *to_host);

/*
 * What the shared server link carried in each direction; returns 0 (and
 * zeroes both) when there is none ([link] server_bandwidth 0).
 */
int world_server_link_stats(const world *w, net_link_stats *to_peer, net_link_stats *to_host);

/*
 * The time averages of occupancy over the run's measurement window
 * (sim.window), after world_end: arrivals, from sim.warmup to the opening
 * of the last connection; run, the whole run; A..B, cut at the run's end.
 * A window that is empty (a single connection, opened at the warmup or
 * before; A..B after the run's end) gives way to the whole run, and
 * whole_run says so.
 */
typedef struct world_window {
    sim_time start, end;    /* the window the averages are over */
    int whole_run;          /* the stated window was empty: [0, end of run] instead */
    double nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait;
} world_window;

void world_window_of(world *w, world_window *out);

#endif /* SIM_WORKLOAD_WORLD_H */
