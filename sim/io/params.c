/*
 * params.c - the table of scenario keys (see params.h) and the typed
 * parsing, formatting and numbers behind it.
 *
 * Where a default comes from is said in its help line or below: the spec
 * (spec/fin-wait-2-timer.md, spec/chimney-rules.md), an RFC, or DESIGN.md.
 */
#include "params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "host/wheel.h"

#define CFG(field) offsetof(model_config, field)
#define PEER(field) offsetof(peer_params, field)
#define NONE_RANGE 1, 0, 0 /* min > max: unchecked */
#define POSITIVE 0, 1e300, 1
#define NONNEG 0, 1e300, 0

static const char *const log_names[] = {"summary", "conn", "events", "trace", NULL};
static const char *const policy_names[] = {"chimney", "linux", "freebsd",
                                           "freebsd_fast", "none", NULL};
static const char *const mode_names[] = {"idle", "absolute", "linux", NULL};
static const char *const idle_on_names[] = {"acceptable", "any", NULL};
static const char *const linger2_names[] = {"timer", "rst", NULL};
static const char *const scope_names[] = {"closed", "all", NULL};
static const char *const dac_names[] = {"accept", "rst", NULL};
static const char *const expiry_names[] = {"silent", "rst", NULL};
static const char *const tick_names[] = {"ceil", "count", NULL};
static const char *const unset_names[] = {"none", "start", NULL};
static const char *const acceptable_names[] = {"window", "exact", NULL};
static const char *const recovery_names[] = {"newreno", "go_back_n", NULL};
static const char *const when_names[] = {"never", "established", "fin_wait_2", NULL};
static const char *const closer_names[] = {"local", "peer", "both", NULL};
static const char *const close_mode_names[] = {"close", "shutdown", NULL};
static const char *const behaviour_names[] = {"close", "never", "trickle",
                                              "keepalive", "rst", NULL};

/*
 * The extra checks: each returns NULL, or what is allowed, the text that
 * param_allowed() also gives (`offsim help scenario`, README's key list).
 */
static const char tps_allowed[] = "10, 100 or 1000 (R3)";
static const char expired_allowed[] = "-1 or 0 (A5)";
static const char loss_allowed[] = "a probability below 1";
static const char mss_allowed[] = "a size from 88B to 65495B";
static const char window_allowed[] = "a size from 1B to 65535B (no window scaling)";
static const char wheel_allowed[] = "0 (exact timers), 100, 250 or 1000";
static const char interarrival_allowed[] = "a distribution with a positive mean";

/* R3: TicksPerSecond is 10, 100 or 1000. */
static const char *check_tps(const void *field)
{
    uint64_t v = *(const uint64_t *)field;

    return v == 10 || v == 100 || v == 1000 ? NULL : tps_allowed;
}

/* A5: the delta after expiry is -1 (not running) or 0 (expired). */
static const char *check_expired_delta(const void *field)
{
    int64_t v = *(const int64_t *)field;

    return v == -1 || v == 0 ? NULL : expired_allowed;
}

static const char *check_loss(const void *field)
{
    double v = *(const double *)field;

    return v < 1 ? NULL : loss_allowed;
}

static const char *check_mss(const void *field)
{
    uint64_t v = *(const uint64_t *)field;

    return v >= 88 && v <= 65495 ? NULL : mss_allowed;
}

static const char *check_window(const void *field)
{
    uint64_t v = *(const uint64_t *)field;

    /* No window scaling is modelled: the field is 16 bits (RFC 9293). */
    return v >= 1 && v <= 65535 ? NULL : window_allowed;
}

/* The HZ of Linux's timer wheel (host/wheel.h), or 0 for exact timers. */
static const char *check_wheel_hz(const void *field)
{
    uint64_t v = *(const uint64_t *)field;

    return v == 0 || wheel_hz_valid(v) ? NULL : wheel_allowed;
}

/* A distribution with a mean of zero would make arrivals simultaneous forever. */
static const char *check_interarrival(const void *field)
{
    const dist *d = field;

    return dist_mean(d) > 0 ? NULL : interarrival_allowed;
}

static const struct {
    const char *(*check)(const void *field);
    const char *allowed;
} check_allowed[] = {
    {check_tps, tps_allowed},         {check_expired_delta, expired_allowed},
    {check_loss, loss_allowed},       {check_mss, mss_allowed},
    {check_window, window_allowed},   {check_wheel_hz, wheel_allowed},
    {check_interarrival, interarrival_allowed},
};

const char *const params_sections[] = {"sim",     "link",     "host",
                                       "nic",     "tcp",      "offload",
                                       "workload", "peer",    NULL};

const param params_table[] = {
    /* [sim] */
    {"sim", "duration", PT_DURATION, CFG(sim.duration), "1h", POSITIVE, NULL, NULL, 0,
     "simulated time a run lasts at most (it ends earlier when nothing is pending)"},
    {"sim", "seed", PT_COUNT, CFG(sim.seed), "1", 0, 9e18, 0, NULL, NULL, 0,
     "run seed: names every random stream with the connection and the purpose"},
    {"sim", "log", PT_ENUM, CFG(sim.log), "conn", NONE_RANGE, log_names, NULL, 0,
     "what a run records, cumulative: summary (run, parameters, scalars, occupancy), "
     "conn (+ a row per connection), events (+ event rows), trace (+ a line per event on stderr)"},
    {"sim", "warmup", PT_DURATION, CFG(sim.warmup), "0", NONNEG, NULL, NULL, 0,
     "connections opened before this are left out of summaries"},
    {"sim", "sample_interval", PT_DURATION, CFG(sim.sample_interval), "1s", POSITIVE, NULL,
     NULL, 0, "period of the occupancy samples"},
    {"sim", "window", PT_WINDOW, CFG(sim.window), "arrivals", NONE_RANGE, NULL, NULL, 0,
     "measurement window of time averages (nic_mean and the other occupancy means, rates): "
     "arrivals (from sim.warmup, or the first opening if later, to the opening of the last "
     "connection; the whole run when that is empty, e.g. a single connection), run (the "
     "whole run), or A..B (durations, cut at the run's end)"},

    /* [link] */
    {"link", "delay", PT_DIST, CFG(link.delay), "1ms", NONNEG, NULL, NULL, 0,
     "one-way propagation delay, drawn once per connection"},
    {"link", "bandwidth", PT_RATE, CFG(link.bandwidth_bps), "1Gbps", POSITIVE, NULL, NULL, 0,
     "rate of each connection's own path: a segment is serialized through that "
     "connection's FIFO queue, in each direction"},
    {"link", "loss", PT_NUMBER, CFG(link.loss), "0", NONNEG, NULL, check_loss, 0,
     "probability that a segment is lost, independently in each direction"},
    {"link", "jitter", PT_DIST, CFG(link.jitter), "0", NONNEG, NULL, NULL, 0,
     "extra delay drawn per segment; a segment never overtakes the one before it"},
    {"link", "server_bandwidth", PT_RATE, CFG(link.server_bandwidth_bps), "0", NONNEG, NULL,
     NULL, 0,
     "rate of a link every connection shares at the server, one FIFO queue each way (a "
     "common bottleneck); 0: none"},

    /* [host] (A11: fw2_policy is a preset of real stacks' FIN_WAIT_2 handling) */
    {"host", "fw2_policy", PT_ENUM, CFG(host.fw2_policy), "chimney", NONE_RANGE,
     policy_names, NULL, 0,
     "host FIN_WAIT_2 preset: chimney (idle 120s, all, accept, TIME_WAIT 240s), "
     "linux (tcp_fin_time: absolute 60s, above time_wait 2 x (t - time_wait); closed, "
     "floor 3.5 RTO, rst, 60s), freebsd (idle 600s on any segment, checked every 75s, "
     "closed, rst, 60s), freebsd_fast (absolute 60s, closed, rst, 60s), "
     "none (no timer, as ns-3 and INET; accept, 240s)"},
    {"host", "fw2_mode", PT_ENUM, CFG(host.fw2_mode), NULL, NONE_RANGE, mode_names, NULL,
     PF_PRESET,
     "idle: the host FIN_WAIT_2 timer restarts on segments (fw2_idle_on); "
     "absolute: it counts from entering FIN_WAIT_2; linux: absolute, and a timeout above "
     "time_wait lives 2 x (timeout - time_wait) (the keep-alive-timer path)"},
    {"host", "fw2_idle_on", PT_ENUM, CFG(host.fw2_idle_on), NULL, NONE_RANGE, idle_on_names,
     NULL, PF_PRESET,
     "which segments restart an idle host timer: acceptable ones (A3), or any that "
     "reaches the connection, keep-alive probes too (FreeBSD's t_rcvtime)"},
    {"host", "fw2_scope", PT_ENUM, CFG(host.fw2_scope), NULL, NONE_RANGE, scope_names, NULL,
     PF_PRESET,
     "closed: the host timer runs only after a full close; all: also after a "
     "shutdown for sending"},
    {"host", "fin_wait_2_timeout", PT_DURATION, CFG(host.fin_wait_2_timeout), NULL, NONNEG,
     NULL, NULL, PF_PRESET, "the host's own FIN_WAIT_2 timeout; 0: no timer"},
    {"host", "fw2_check_interval", PT_DURATION, CFG(host.fw2_check_interval), NULL, NONNEG,
     NULL, NULL, PF_PRESET,
     "0: the host timer fires exactly; otherwise, once the timeout has run, the host "
     "checks the idle time every interval (FreeBSD's 2MSL timer)"},
    {"host", "fw2_rto_floor", PT_NUMBER, CFG(host.fw2_rto_floor), NULL, NONNEG, NULL, NULL,
     PF_PRESET, "the host timeout is at least this many RTOs (Linux: 3.5); 0: no floor"},
    {"host", "data_after_close", PT_ENUM, CFG(host.data_after_close), NULL, NONE_RANGE,
     dac_names, NULL, PF_PRESET,
     "data arriving after a full close: accept (and ACK) or rst (reset the connection)"},
    {"host", "time_wait", PT_DURATION, CFG(host.time_wait), NULL, NONNEG, NULL, NULL,
     PF_PRESET,
     "TIME_WAIT length, from entering it, whoever holds the connection; a retransmitted "
     "peer FIN restarts it"},
    {"host", "fw2_expiry", PT_ENUM, CFG(host.fw2_expiry), "silent", NONE_RANGE,
     expiry_names, NULL, 0,
     "what the host does when its FIN_WAIT_2 timer expires: silent (forget the "
     "connection) or rst (send an RST)"},
    {"host", "fw2_linger2", PT_ENUM, CFG(host.fw2_linger2), "timer", NONE_RANGE,
     linger2_names, NULL, 0,
     "timer: FIN_WAIT_2 as the keys above say; rst: Linux's TCP_LINGER2 < 0, a fully "
     "closed connection is reset when our FIN is acknowledged, whoever holds it"},
    {"host", "timer_wheel_hz", PT_COUNT, CFG(host.timer_wheel_hz), "0", NONE_RANGE, NULL,
     check_wheel_hz, 0,
     "0: the host's timers fire exactly; 100, 250 or 1000: as from Linux's timer wheel at "
     "that HZ, never early, late by up to a bucket (at 250: 256ms for 2-16s timers, 2.05s "
     "for 16-129s)"},
    {"host", "rto_initial", PT_DURATION, CFG(host.rto_initial), "1s", POSITIVE, NULL, NULL, 0,
     "retransmission timeout before any RTT sample (RFC 6298 (2.1))"},
    {"host", "rto_min", PT_DURATION, CFG(host.rto_min), "1s", POSITIVE, NULL, NULL, 0,
     "lower bound of the retransmission timeout (RFC 6298 (2.4); ns-3's MinRto)"},
    {"host", "rto_max", PT_DURATION, CFG(host.rto_max), "60s", POSITIVE, NULL, NULL, 0,
     "upper bound of the retransmission timeout (RFC 6298 (2.5))"},
    {"host", "max_retries", PT_COUNT, CFG(host.max_retries), "5", 1, 255, 0, NULL, NULL, 0,
     "retransmissions of one segment before giving up (Windows' "
     "TcpMaxDataRetransmissions; R24's TcpMaximumRetransmissions)"},
    {"host", "upload_delay", PT_DURATION, CFG(host.upload_delay), "100us", NONNEG, NULL,
     NULL, 0, "how long the host takes to react to an indication of the NIC (A13)"},
    {"host", "mss", PT_SIZE, CFG(host.mss), "1460", NONNEG, NULL, check_mss, 0,
     "maximum segment size, both ends"},
    {"host", "window", PT_SIZE, CFG(host.window), "65535", NONNEG, NULL, check_window, 0,
     "receive window advertised by both ends (fixed)"},
    {"host", "delack", PT_DURATION, CFG(host.delack), "0", NONNEG, NULL, NULL, 0,
     "delayed-ACK timeout of the local host and its NIC; 0: every segment is ACKed at once"},

    /* [nic] */
    {"nic", "capacity", PT_COUNT, CFG(nic.capacity), "65536", NONNEG, NULL, NULL, 0,
     "connections the offload target can hold; a full NIC refuses offloads"},
    {"nic", "ticks_per_second", PT_COUNT, CFG(nic.ticks_per_second), "1000", NONE_RANGE,
     NULL, check_tps, 0,
     "the target's timer clock (R3): TimeoutDelta and every target timer count ticks"},
    {"nic", "tick_mode", PT_ENUM, CFG(nic.tick_mode), "ceil", NONE_RANGE, tick_names, NULL,
     0,
     "ceil: a timer fires at the first tick boundary at or after its deadline; count: "
     "at the n-th boundary, up to one tick early (A10)"},
    {"nic", "fin_wait_2_timeout", PT_DURATION, CFG(nic.fin_wait_2_timeout), "120s",
     POSITIVE, NULL, NULL, 0,
     "the target's FIN_WAIT_2 timer, started on entering FIN_WAIT_2 and restarted by "
     "acceptable segments (R13, R15, R16)"},
    {"nic", "offload_latency", PT_DURATION, CFG(nic.offload_latency), "20us", NONNEG, NULL,
     NULL, 0, "time an offload (host to NIC) takes; the timer is frozen meanwhile"},
    {"nic", "upload_latency", PT_DURATION, CFG(nic.upload_latency), "20us", NONNEG, NULL,
     NULL, 0, "time an upload (NIC to host) takes; the timer is frozen meanwhile"},
    {"nic", "on_unset_delta", PT_ENUM, CFG(nic.on_unset_delta), "none", NONE_RANGE,
     unset_names, NULL, 0,
     "a connection offloaded in FIN_WAIT_2 with TimeoutDelta -1: none (run no timer, as "
     "the host) or start (a full timer) (A2)"},
    {"nic", "expired_delta", PT_INT, CFG(nic.expired_delta), "-1", NONE_RANGE, NULL,
     check_expired_delta, 0,
     "TimeoutDelta the target returns after its FIN_WAIT_2 timer expired (A5)"},

    /* [tcp] */
    {"tcp", "acceptable", PT_ENUM, CFG(tcp.acceptable), "window", NONE_RANGE,
     acceptable_names, NULL, 0,
     "acceptable-segment test (A3): window (RFC 9293 3.10.7.4) or exact (seq = RCV.NXT)"},
    {"tcp", "recovery", PT_ENUM, CFG(tcp.recovery), "newreno", NONE_RANGE, recovery_names,
     NULL, 0,
     "loss recovery of every endpoint (host, NIC, peers): newreno (RFC 5681 slow start and "
     "congestion avoidance, fast retransmit on the third duplicate ACK, RFC 6582 NewReno "
     "fast recovery, RFC 3042 limited transmit, slow start after a timeout) or go_back_n "
     "(the receiver's whole window from the start; a timeout resends everything "
     "unacknowledged at once)"},
    {"tcp", "initial_window", PT_COUNT, CFG(tcp.initial_window), "10", 1, 1000, 0, NULL, NULL,
     0,
     "initial congestion window in segments (RFC 6928, Linux and ns-3: 10); one segment "
     "after a retransmitted SYN or SYN-ACK (RFC 5681 3.1); unused with recovery = go_back_n"},

    /* [offload] */
    {"offload", "when", PT_ENUM, CFG(offload.when), "established", NONE_RANGE, when_names,
     NULL, 0,
     "when the host offloads a connection: never, on reaching ESTABLISHED, or on "
     "reaching FIN_WAIT_2"},
    {"offload", "probability", PT_NUMBER, CFG(offload.probability), "1", 0, 1, 0, NULL,
     NULL, 0, "probability that a connection is offloaded at that point"},
    {"offload", "upload_rate", PT_PER_SECOND, CFG(offload.upload_rate), "0/s", NONNEG,
     NULL, NULL, 0,
     "rate of random uploads of an offloaded connection (per connection, per second)"},

    /* [workload] */
    {"workload", "connections", PT_COUNT, CFG(workload.connections), "1000", NONNEG, NULL,
     NULL, 0, "connections the peers open over the run"},
    {"workload", "interarrival", PT_DIST, CFG(workload.interarrival), "exp(10ms)", NONNEG,
     NULL, check_interarrival, 0, "time between connection openings"},
    /* At most 1 GB: the byte stream must fit TCP's 2^31 sequence window. */
    {"workload", "request", PT_SIZE, CFG(workload.request), "0B", 0, 1e9, 0, NULL, NULL, 0,
     "bytes the peer sends after the handshake"},
    {"workload", "response", PT_SIZE, CFG(workload.response), "10KB", 0, 1e9, 0, NULL, NULL,
     0, "bytes the local application sends once the request has arrived"},
    {"workload", "closer", PT_ENUM, CFG(workload.closer), "local", NONE_RANGE,
     closer_names, NULL, 0,
     "local: the local application closes right after queueing the response, the peer's "
     "behaviour starts when our FIN arrives; peer: the peer's behaviour starts once the "
     "response has arrived, and the local side closes when the peer's FIN arrives; both: "
     "the local application closes after its response and the peer's behaviour starts at "
     "that instant (close_delay 0: the FINs cross, a simultaneous close)"},
    {"workload", "close_mode", PT_ENUM, CFG(workload.close_mode), "close", NONE_RANGE,
     close_mode_names, NULL, 0,
     "close: a full close; shutdown: the local side half-closes (send side only)"},

    /* [peer NAME] */
    {"peer", "share", PT_NUMBER, PEER(share), "1", NONNEG, NULL, NULL, 0,
     "weight of this class in the mix (normalised over the classes)"},
    {"peer", "behaviour", PT_ENUM, PEER(behaviour), "close", NONE_RANGE, behaviour_names,
     NULL, 0,
     "after our FIN arrives: close (FIN after close_delay), never (no FIN), trickle "
     "(data every interval, FIN at close_delay), keepalive (probes every interval, FIN "
     "at close_delay), rst (RST at close_delay)"},
    {"peer", "close_delay", PT_DIST, PEER(close_delay), "0", NONNEG, NULL, NULL, 0,
     "from our FIN's arrival to the peer's FIN (or RST)"},
    {"peer", "interval", PT_DURATION, PEER(interval), "10s", POSITIVE, NULL, NULL, 0,
     "period of trickle segments and keepalive probes"},
    {"peer", "count", PT_COUNT, PEER(count), "0", NONNEG, NULL, NULL, 0,
     "how many trickle segments or keepalive probes; 0: until the peer's FIN"},
    {"peer", "ack_delay", PT_DIST, PEER(ack_delay), "0", NONNEG, NULL, NULL, 0,
     "delay of the peer's ACKs (0 as in ns-3); its ACK of our FIN starts FIN_WAIT_2"},
    {"peer", "delay", PT_DIST, PEER(delay), NULL, NONNEG, NULL, NULL, PF_PATH,
     "one-way delay of this class's path (default: [link] delay)"},
    {"peer", "loss", PT_NUMBER, PEER(loss), NULL, NONNEG, NULL, check_loss, PF_PATH,
     "loss probability on this class's path (default: [link] loss)"},
    {"peer", "bandwidth", PT_RATE, PEER(bandwidth_bps), NULL, POSITIVE, NULL, NULL, PF_PATH,
     "rate of each path of this class, every connection its own queue (default: [link] "
     "bandwidth)"},
    {"peer", "jitter", PT_DIST, PEER(jitter), NULL, NONNEG, NULL, NULL, PF_PATH,
     "jitter on this class's path (default: [link] jitter)"},
};

const size_t params_count = sizeof params_table / sizeof *params_table;

/*
 * A11 presets, in fw2_policy order.  Sources: chimney is the Windows host
 * the spec describes (120 s, spec/fin-wait-2-timer.md; TIME_WAIT 240 s =
 * 2 MSL of RFC 9293); linux is tcp_fin_timeout 60 s with tcp_fin_time()'s
 * 3.5 RTO floor, TCP_TIMEWAIT_LEN 60 s and a reset on data after close;
 * freebsd is TP_MAXIDLE (8 x 75 s) re-checked every tcp_keepintvl (75 s),
 * its idle time refreshed by every segment (tcp_do_segment's t_rcvtime);
 * freebsd_fast is net.inet.tcp.fast_finwait2_recycle with
 * tcp_finwait2_timeout 60 s; none is ns-3 3.37 and INET (no timer).
 */
static const struct preset {
    const char *key;
    const char *value[5];
} presets[] = {
    /*                        chimney   linux       freebsd   freebsd_fast none */
    {"fw2_mode",           {"idle",   "linux",    "idle",   "absolute", "idle"}},
    {"fw2_idle_on",        {"acceptable", "acceptable", "any", "any",   "acceptable"}},
    {"fw2_scope",          {"all",    "closed",   "closed", "closed",   "all"}},
    {"fin_wait_2_timeout", {"120s",   "60s",      "600s",   "60s",      "0"}},
    {"fw2_check_interval", {"0",      "0",        "75s",    "0",        "0"}},
    {"fw2_rto_floor",      {"0",      "3.5",      "0",      "0",        "0"}},
    {"data_after_close",   {"accept", "rst",      "rst",    "rst",      "accept"}},
    {"time_wait",          {"240s",   "60s",      "60s",    "60s",      "240s"}},
};

const char *params_preset_value(int policy, const char *key)
{
    if (policy < 0 || policy > FW2_POLICY_NONE)
        return NULL;
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
        if (strcmp(presets[i].key, key) == 0)
            return presets[i].value[policy];
    return NULL;
}

const param *params_find(const char *section, const char *key)
{
    for (size_t i = 0; i < params_count; i++)
        if (strcmp(params_table[i].section, section) == 0 &&
            strcmp(params_table[i].key, key) == 0)
            return &params_table[i];
    return NULL;
}

size_t params_index(const param *p)
{
    return (size_t)(p - params_table);
}

void *param_field(const param *p, model_config *cfg, peer_params *peer)
{
    if (strcmp(p->section, "peer") == 0)
        return (char *)peer + p->offset;
    return (char *)cfg + p->offset;
}

static void enum_list(const param *p, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; p->names[i]; i++) {
        if (i > 0)
            strncat(buf, p->names[i + 1] ? ", " : " or ", len - strlen(buf) - 1);
        strncat(buf, p->names[i], len - strlen(buf) - 1);
    }
}

/* The range check, on the value in base units. */
static int check_range(const param *p, double v, const char *text, char *err)
{
    char lo[UNITS_FMT_MAX], hi[UNITS_FMT_MAX];

    if (p->min > p->max)
        return 0;
    if (v < p->min || (p->min_open && v == p->min)) {
        if (p->min_open && p->min == 0)
            snprintf(err, UNITS_ERR_MAX, "expected a value above 0, got '%.80s'", text);
        else
            snprintf(err, UNITS_ERR_MAX, "expected a value of at least %s, got '%.80s'",
                     units_fmt_number(p->min, lo), text);
        return -1;
    }
    if (v > p->max) {
        snprintf(err, UNITS_ERR_MAX, "expected a value from %s to %s, got '%.80s'",
                 units_fmt_number(p->min, lo), units_fmt_number(p->max, hi), text);
        return -1;
    }
    return 0;
}

size_t param_size(const param *p)
{
    switch (p->type) {
    case PT_DURATION:
        return sizeof(sim_time);
    case PT_DIST:
        return sizeof(dist);
    case PT_SIZE:
    case PT_RATE:
    case PT_COUNT:
        return sizeof(uint64_t);
    case PT_INT:
        return sizeof(int64_t);
    case PT_PER_SECOND:
    case PT_NUMBER:
        return sizeof(double);
    case PT_WINDOW:
        return sizeof(sim_window);
    case PT_ENUM:
        break;
    }
    return sizeof(int);
}

/* arrivals, run, or A..B with durations A < B. */
static int parse_window(const char *text, sim_window *w, char *err)
{
    const char *dots = strstr(text, "..");
    char a[UNITS_ERR_MAX];
    char sub[UNITS_ERR_MAX];

    memset(w, 0, sizeof *w);
    if (strcmp(text, "arrivals") == 0) {
        w->kind = WINDOW_ARRIVALS;
        return 0;
    }
    if (strcmp(text, "run") == 0) {
        w->kind = WINDOW_RUN;
        return 0;
    }
    if (dots == NULL || (size_t)(dots - text) >= sizeof a) {
        snprintf(err, UNITS_ERR_MAX,
                 "expected arrivals, run or A..B (durations, e.g. 100s..500s), got '%.80s'", text);
        return -1;
    }
    memcpy(a, text, (size_t)(dots - text));
    a[dots - text] = '\0';
    w->kind = WINDOW_FIXED;
    if (units_parse_duration(a, &w->from, sub) != 0 ||
        units_parse_duration(dots + 2, &w->to, sub) != 0) {
        snprintf(err, UNITS_ERR_MAX, "expected A..B with durations A and B, got '%.80s': %.60s",
                 text, sub);
        return -1;
    }
    if (w->to <= w->from) {
        snprintf(err, UNITS_ERR_MAX, "expected A..B with A before B, got '%.80s'", text);
        return -1;
    }
    return 0;
}

int param_parse_value(const param *p, const char *text, param_value *x, double *base,
                      char *err)
{
    *base = 0;
    switch (p->type) {
    case PT_DURATION:
        if (units_parse_duration(text, &x->t, err) != 0)
            return -1;
        *base = (double)x->t;
        break;
    case PT_DIST:
        if (units_parse_dist(text, &x->dd, err) != 0)
            return -1;
        *base = x->dd.a; /* every parameter of a duration distribution is >= 0 */
        break;
    case PT_SIZE:
        if (units_parse_size(text, &x->u, err) != 0)
            return -1;
        *base = (double)x->u;
        break;
    case PT_RATE:
        if (units_parse_rate(text, &x->u, err) != 0)
            return -1;
        *base = (double)x->u;
        break;
    case PT_PER_SECOND:
        if (units_parse_per_second(text, &x->d, err) != 0)
            return -1;
        *base = x->d;
        break;
    case PT_NUMBER:
        if (units_parse_number(text, &x->d, err) != 0)
            return -1;
        *base = x->d;
        break;
    case PT_COUNT:
        if (units_parse_count(text, &x->u, err) != 0)
            return -1;
        *base = (double)x->u;
        break;
    case PT_INT:
        if (units_parse_int(text, &x->i, err) != 0)
            return -1;
        *base = (double)x->i;
        break;
    case PT_WINDOW:
        return parse_window(text, &x->w, err);
    case PT_ENUM: {
        char list[UNITS_ERR_MAX];
        int i;

        for (i = 0; p->names[i]; i++)
            if (strcmp(p->names[i], text) == 0)
                break;
        if (p->names[i] == NULL) {
            enum_list(p, list, sizeof list);
            snprintf(err, UNITS_ERR_MAX, "expected %.150s, got '%.80s'", list, text);
            return -1;
        }
        x->e = i;
        break;
    }
    }
    return 0;
}

int param_parse(const param *p, const char *text, void *field, char *err)
{
    param_value x;
    double v;
    const char *bad;

    if (param_parse_value(p, text, &x, &v, err) != 0)
        return -1;
    if (p->type != PT_ENUM && p->type != PT_WINDOW && check_range(p, v, text, err) != 0)
        return -1;
    if (p->check != NULL && (bad = p->check(&x)) != NULL) {
        snprintf(err, UNITS_ERR_MAX, "expected %s, got '%.80s'", bad, text);
        return -1;
    }
    memcpy(field, &x, param_size(p)); /* the type's member, at offset 0 */
    return 0;
}

char *param_format(const param *p, const void *field, char *buf)
{
    char tmp[UNITS_FMT_MAX];

    switch (p->type) {
    case PT_DURATION:
        return units_fmt_duration(*(const sim_time *)field, buf);
    case PT_DIST:
        return units_fmt_dist(field, buf);
    case PT_SIZE:
        return units_fmt_size(*(const uint64_t *)field, buf);
    case PT_RATE:
        return units_fmt_rate(*(const uint64_t *)field, buf);
    case PT_PER_SECOND:
        snprintf(buf, UNITS_FMT_MAX, "%s/s", units_fmt_number(*(const double *)field, tmp));
        return buf;
    case PT_NUMBER:
        return units_fmt_number(*(const double *)field, buf);
    case PT_COUNT:
        snprintf(buf, UNITS_FMT_MAX, "%llu", (unsigned long long)*(const uint64_t *)field);
        return buf;
    case PT_INT:
        snprintf(buf, UNITS_FMT_MAX, "%lld", (long long)*(const int64_t *)field);
        return buf;
    case PT_ENUM:
        snprintf(buf, UNITS_FMT_MAX, "%s", p->names[*(const int *)field]);
        return buf;
    case PT_WINDOW: {
        const sim_window *w = field;
        char b[UNITS_FMT_MAX];

        if (w->kind != WINDOW_FIXED)
            snprintf(buf, UNITS_FMT_MAX, "%s", w->kind == WINDOW_RUN ? "run" : "arrivals");
        else
            snprintf(buf, UNITS_FMT_MAX, "%s..%s", units_fmt_duration(w->from, tmp),
                     units_fmt_duration(w->to, b));
        return buf;
    }
    }
    buf[0] = '\0';
    return buf;
}

int param_number(const param *p, const void *field, double *num)
{
    switch (p->type) {
    case PT_DURATION:
        *num = (double)*(const sim_time *)field / (double)SIM_S;
        return 1;
    case PT_DIST:
        *num = dist_mean(field) / (double)SIM_S;
        return isfinite(*num);
    case PT_SIZE:
    case PT_RATE:
    case PT_COUNT:
        *num = (double)*(const uint64_t *)field;
        return 1;
    case PT_INT:
        *num = (double)*(const int64_t *)field;
        return 1;
    case PT_PER_SECOND:
    case PT_NUMBER:
        *num = *(const double *)field;
        return 1;
    case PT_ENUM:
    case PT_WINDOW:
        return 0;
    }
    return 0;
}

/* A value of the key's type in base units, as a file would write it. */
static char *fmt_bound(const param *p, double v, char *buf)
{
    switch (p->type) {
    case PT_DURATION:
    case PT_DIST:
        return units_fmt_duration((sim_time)v, buf);
    case PT_SIZE:
        return units_fmt_size((uint64_t)v, buf);
    case PT_RATE:
        return units_fmt_rate((uint64_t)v, buf);
    default:
        return units_fmt_number(v, buf);
    }
}

const char *param_allowed(const param *p, char *buf, size_t len)
{
    char lo[UNITS_FMT_MAX], hi[UNITS_FMT_MAX];

    for (size_t i = 0; i < sizeof check_allowed / sizeof *check_allowed; i++)
        if (p->check == check_allowed[i].check) {
            snprintf(buf, len, "%s", check_allowed[i].allowed);
            return buf;
        }
    if (p->min > p->max || p->type == PT_ENUM || p->type == PT_WINDOW)
        return NULL;
    if (p->max >= 1e300) {
        if (p->min == 0 && !p->min_open)
            return NULL; /* not negative: every value of the type */
        snprintf(buf, len, p->min_open ? "above %s" : "at least %s", fmt_bound(p, p->min, lo));
        return buf;
    }
    snprintf(buf, len, "from %s to %s", fmt_bound(p, p->min, lo), fmt_bound(p, p->max, hi));
    return buf;
}

const char *param_si_unit(const param *p)
{
    switch (p->type) {
    case PT_DURATION:
    case PT_DIST:
        return "s";
    case PT_SIZE:
        return "B";
    case PT_RATE:
        return "bit/s";
    case PT_PER_SECOND:
        return "1/s";
    default:
        return NULL;
    }
}

const char *param_type_text(const param *p, char *buf, size_t len)
{
    static const char *const text[] = {
        [PT_DURATION] = "duration", [PT_DIST] = "distribution", [PT_SIZE] = "size",
        [PT_RATE] = "rate",         [PT_PER_SECOND] = "per second", [PT_NUMBER] = "number",
        [PT_COUNT] = "count",       [PT_INT] = "integer",
        [PT_WINDOW] = "arrivals|run|A..B",
    };

    if (p->type == PT_ENUM) {
        buf[0] = '\0';
        for (size_t i = 0; p->names[i]; i++) {
            if (i > 0)
                strncat(buf, "|", len - strlen(buf) - 1);
            strncat(buf, p->names[i], len - strlen(buf) - 1);
        }
        return buf;
    }
    snprintf(buf, len, "%s", text[p->type]);
    return buf;
}
