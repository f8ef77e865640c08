/*
 * config.h - every parameter of a run, typed and in base units.
 *
 * This is the model's view of a scenario.  sim/io/params.c declares each
 * field once (key, type, unit, default, range, help) and the scenario
 * parser fills it; the model reads it and never parses text.  Field names
 * follow the scenario keys: [nic] fin_wait_2_timeout is
 * cfg->nic.fin_wait_2_timeout.  Durations are sim_time (ns), sizes bytes,
 * rates bits per second.
 */
#ifndef SIM_WORKLOAD_CONFIG_H
#define SIM_WORKLOAD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"

/* [sim] log: cumulative levels of what a run records. */
typedef enum log_level {
    LOG_SUMMARY, /* run, run_param, scalar, occupancy rows */
    LOG_CONN,    /* + one conn row per connection */
    LOG_EVENTS,  /* + event rows (offload, upload, indicate, fw2_*, state, refused) */
    LOG_TRACE    /* + a text line per event on stderr */
} log_level;

typedef enum fw2_policy {
    FW2_POLICY_CHIMNEY,
    FW2_POLICY_LINUX,
    FW2_POLICY_FREEBSD,
    FW2_POLICY_FREEBSD_FAST,
    FW2_POLICY_NONE
} fw2_policy;

typedef enum fw2_mode {
    FW2_MODE_IDLE,    /* restarted by every acceptable segment */
    FW2_MODE_ABSOLUTE /* counted from entering FIN_WAIT_2 only */
} fw2_mode;

typedef enum fw2_scope {
    FW2_SCOPE_CLOSED, /* only after a full close */
    FW2_SCOPE_ALL     /* also after shutdown for sending */
} fw2_scope;

typedef enum data_after_close { DATA_AFTER_CLOSE_ACCEPT, DATA_AFTER_CLOSE_RST } data_after_close;
typedef enum fw2_expiry { FW2_EXPIRY_SILENT, FW2_EXPIRY_RST } fw2_expiry;
typedef enum tick_mode { TICK_MODE_CEIL, TICK_MODE_COUNT } tick_mode;
typedef enum unset_delta { UNSET_DELTA_NONE, UNSET_DELTA_START } unset_delta;
typedef enum acceptable_test { ACCEPTABLE_WINDOW, ACCEPTABLE_EXACT } acceptable_test;
typedef enum offload_when { OFFLOAD_NEVER, OFFLOAD_ESTABLISHED, OFFLOAD_FIN_WAIT_2 } offload_when;
typedef enum closer { CLOSER_LOCAL, CLOSER_PEER } closer;
typedef enum close_mode { CLOSE_MODE_CLOSE, CLOSE_MODE_SHUTDOWN } close_mode;

typedef enum peer_behaviour {
    PEER_CLOSE,     /* FIN close_delay after our FIN arrives */
    PEER_NEVER,     /* no FIN, ever */
    PEER_TRICKLE,   /* a data segment every interval (count of them), FIN at close_delay */
    PEER_KEEPALIVE, /* a keepalive probe every interval, FIN at close_delay */
    PEER_RST        /* an RST at close_delay */
} peer_behaviour;

typedef struct sim_params {
    sim_time duration;
    uint64_t seed;
    log_level log;
    sim_time warmup;
    sim_time sample_interval;
} sim_params;

typedef struct link_params {
    dist delay;            /* one-way propagation delay, drawn per connection */
    uint64_t bandwidth_bps;
    double loss;           /* per-segment loss probability, each direction */
    dist jitter;           /* extra per-segment delay; never reorders */
} link_params;

typedef struct host_params {
    fw2_policy fw2_policy;
    fw2_mode fw2_mode;
    fw2_scope fw2_scope;
    sim_time fin_wait_2_timeout; /* 0: no FIN_WAIT_2 timer */
    sim_time fw2_check_interval; /* 0: exact */
    double fw2_rto_floor;        /* minimum as a multiple of the RTO; 0: none */
    data_after_close data_after_close;
    sim_time time_wait;
    fw2_expiry fw2_expiry;
    sim_time rto_initial;
    sim_time rto_min;
    sim_time rto_max;
    uint64_t max_retries;
    sim_time upload_delay;
    uint64_t mss;
    uint64_t window;
    sim_time delack;             /* delayed-ACK timeout; 0: ACK at once */
} host_params;

typedef struct nic_params {
    uint64_t capacity;
    uint64_t ticks_per_second;
    tick_mode tick_mode;
    sim_time fin_wait_2_timeout;
    sim_time offload_latency;
    sim_time upload_latency;
    unset_delta on_unset_delta;
    int64_t expired_delta;       /* -1 or 0 */
} nic_params;

typedef struct tcp_params {
    acceptable_test acceptable;
} tcp_params;

typedef struct offload_params {
    offload_when when;
    double probability;
    double upload_rate;          /* random uploads per connection per second */
} offload_params;

typedef struct workload_params {
    uint64_t connections;
    dist interarrival;
    uint64_t request;
    uint64_t response;
    closer closer;
    close_mode close_mode;
} workload_params;

#define PEER_NAME_MAX 64

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

#endif /* SIM_WORKLOAD_CONFIG_H */
