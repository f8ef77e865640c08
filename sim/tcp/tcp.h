/*
 * tcp.h - one TCP endpoint (RFC 9293): the transmission control block, the
 * application calls, segment input, and the timer slots.
 *
 * The same code runs every endpoint of the model: the peers, the local
 * host's stack, and the offload target (NIC) while it holds a connection.
 * What differs between them is the holder, a table of tcp_ops: where
 * segments go, how a timer delay becomes a deadline (the NIC's tick clock,
 * R3), what happens on entering a state, on an acceptable segment, when a
 * FIN_WAIT_2 timer fires, and when retransmissions run out.  The offload
 * target and its FIN_WAIT_2 module see TCP only through these hooks and the
 * timer calls below (DESIGN.md, the second seam).
 *
 * Modelled: three-way handshake, data in MSS segments with cumulative ACKs
 * and out-of-order segments kept for reassembly (TCP_OOO_MAX ranges), RTO
 * per RFC 6298 with exponential backoff, Karn's rule and a retry limit,
 * congestion control per RFC 5681 with NewReno fast recovery (RFC 6582)
 * and limited transmit (RFC 3042), or, with tcp.recovery = go_back_n,
 * the whole receive window from the start and go-back-N on a timeout;
 * sender-side silly window avoidance (RFC 9293 3.8.6.2.1), delayed ACKs
 * (at least every second full segment, RFC 1122 4.2.3.2; at once for a
 * segment out of order or one that fills a gap, RFC 5681 4.2), active,
 * passive and simultaneous close, TIME_WAIT restarted by a retransmitted
 * FIN, the acceptable-segment test of 3.10.7.4, and RST handling per RFC
 * 5961/R63 (only seq = RCV.NXT aborts; another in-window RST draws one
 * challenge ACK).  Not modelled: SACK, options (timestamps, window
 * scaling), urgent data, the persist timer (windows never close), the
 * restart of an idle connection's window (RFC 5681 4.1).
 */
#ifndef SIM_TCP_TCP_H
#define SIM_TCP_TCP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/rng.h"
#include "engine/sim.h"
#include "net/segment.h"
#include "tcp/tcp_fsm.h"

/*
 * Timer slots, FreeBSD style: a fixed array dispatched by index.  Two slots
 * take a second meaning in FIN_WAIT_2, where nothing is outstanding:
 *   TT_REXMT  the retransmit timer; on the offload target it *is* the
 *             FIN_WAIT_2 timer in FIN_WAIT_2 (R14)
 *   TT_2MSL   TIME_WAIT; the host's own FIN_WAIT_2 timer in FIN_WAIT_2
 *             (FreeBSD's tcp_timer_2msl serves both)
 */
typedef enum tcp_timer_slot { TT_REXMT, TT_DELACK, TT_2MSL, TT_N } tcp_timer_slot;

/* [tcp] acceptable (A3): which segments the holders' hooks see as acceptable. */
typedef enum acceptable_test {
    ACCEPTABLE_WINDOW, /* RFC 9293 3.10.7.4's window test */
    ACCEPTABLE_EXACT   /* SEG.SEQ = RCV.NXT only */
} acceptable_test;

/* [tcp] recovery: how a sender recovers from loss. */
typedef enum tcp_recovery {
    RECOVERY_NEWRENO,  /* RFC 5681 + RFC 6582 + RFC 3042 */
    RECOVERY_GO_BACK_N /* the receive window from the start; go-back-N on a timeout */
} tcp_recovery;

/* [tcp]: the settings of every endpoint (peers, host, NIC). */
typedef struct tcp_params {
    acceptable_test acceptable;
    tcp_recovery recovery;
    uint64_t initial_window; /* segments (RFC 6928: 10) */
} tcp_params;

/* Duplicate ACKs that start a fast retransmit (RFC 5681 3.2, ns-3's ReTxThreshold). */
#define TCP_DUPTHRESH 3
/* Out-of-order ranges a receiver keeps; a segment beyond them is dropped. */
#define TCP_OOO_MAX 8

/* Where a NewReno sender is (tcp.recovery = newreno). */
typedef enum tcp_cstate {
    CS_OPEN,     /* slow start or congestion avoidance */
    CS_RECOVERY, /* fast recovery, until `recover` is acknowledged (RFC 6582) */
    CS_LOSS      /* after a timeout, until `recover` is acknowledged: duplicate
                    ACKs start no fast retransmit (RFC 6582 3.2 step 1) and
                    further timeouts keep ssthresh (RFC 5681 3.1) */
} tcp_cstate;

typedef struct tcp_ooo tcp_ooo;
typedef struct tcp_pool tcp_pool;
typedef struct tcp_ops tcp_ops;

/*
 * A holder's binding of its endpoints, shared by all of them (a peer
 * class's, the host's, the NIC's): its hooks, where its object is, what
 * the protocol needs, and what every endpoint would otherwise carry itself
 * (the engine, the stream of its ACK delays, where its reassembly blocks
 * come from).  An endpoint points to its holder's (tcp_tcb.cfg), and a
 * handoff points it to another's.
 */
typedef struct tcp_cfg {
    const tcp_ops *ops;      /* the holder's hooks */
    ptrdiff_t ctx_off;       /* the holder's object of an endpoint t is at
                              * (char *)t + ctx_off (tcp_ctx): the holder
                              * embeds its endpoints at one place in it */
    void *owner;             /* what else its hooks need, shared: the world
                              * (a peer class's), the host (the host's, and
                              * the NIC's copy of it) */
    sim *s;                  /* the engine its endpoints run on */
    uint64_t seed;           /* the stream of ACK delays: (seed, endpoint id, */
    uint32_t ack_purpose;    /*   ack_purpose) (rng.h) */
    tcp_pool *pool;          /* reassembly blocks; NULL: malloc and free */
    uint32_t mss;
    uint32_t window;         /* advertised receive window, fixed */
    sim_time rto_initial;
    sim_time rto_min;
    sim_time rto_max;
    sim_time granularity;    /* clock granularity G of RFC 6298 */
    uint32_t max_retries;
    sim_time time_wait;
    const dist *ack_delay;   /* delay of an ACK owed; 0: at once */
    int acceptable_exact;    /* A3: hooks see seq == RCV.NXT as acceptable */
    int go_back_n;           /* tcp.recovery = go_back_n */
    uint32_t initial_window; /* segments */
} tcp_cfg;

typedef struct tcp_tcb tcp_tcb;

struct tcp_ops {
    /* Put a segment on the wire. */
    void (*output)(tcp_tcb *t, const seg *s);
    /* The deadline of a timer `delay` from now (the NIC rounds to ticks). */
    sim_time (*deadline)(tcp_tcb *t, sim_time delay);
    /* The state changed from `old` to t->state because of `why`. */
    void (*state_entered)(tcp_tcb *t, tcp_state old, tcp_event why);
    /* A segment arrived in a synchronized state; `acceptable` per A3.
     * This, segment_done and the last two may be NULL: no interest, abort,
     * accept. */
    void (*segment)(tcp_tcb *t, const seg *s, int acceptable);
    /* The segment `segment` announced has been processed: t->state is what
     * it left (A4: a FIN or RST that ended FIN_WAIT_2 restarted nothing).
     * Called on whoever holds the endpoint then. */
    void (*segment_done)(tcp_tcb *t);
    /* In-order payload reached the application (bytes, and/or the FIN). */
    void (*deliver)(tcp_tcb *t, uint32_t bytes, int fin);
    /* The FIN_WAIT_2 timer fired (TT_REXMT or TT_2MSL in FIN_WAIT_2). */
    void (*fw2_timeout)(tcp_tcb *t);
    /* Retransmissions are exhausted: 1 to abort here, 0 if the holder acts. */
    int (*give_up)(tcp_tcb *t);
    /* New data arrived after a full close: 1 to answer it with an RST. */
    int (*reset_after_close)(tcp_tcb *t);
    /* 1: segment and segment_done are called only for the segments that
     * arrive in FIN_WAIT_2, all a holder that wants them for its FIN_WAIT_2
     * timer needs (R16, A4; the host's idle timer, A11); 0: for every
     * segment in a synchronized state.  Spares the target a call in and a
     * call out for each segment of a transfer. */
    int fin_wait_2_only;
};

/*
 * What an endpoint keeps only while it needs it (tcp_tcb.ooo): what
 * arrived out of order (above RCV.NXT), in order: ranges [start, end) and
 * a FIN; and the time of its last SYN challenge ACK (R64), which few
 * endpoints ever send.  An endpoint has a block while something is out of
 * order, and from its first SYN challenge on; blocks come from the
 * holder's pool (tcp_cfg.pool).
 */
struct tcp_ooo {
    uint8_t n;               /* ranges */
    uint8_t fin;             /* a FIN arrived out of order, at fin_seq */
    uint32_t fin_seq;
    struct { uint32_t start, end; } r[TCP_OOO_MAX];
    sim_time syn_challenge;  /* R64: when the last SYN challenge ACK went out, SIM_NEVER */
    tcp_ooo *next;           /* in the pool: the next free block */
};

/* Reassembly blocks for many endpoints, reused.  failed: one could not be
 * had (the segment was dropped as by a receiver out of buffers): the owner
 * reports the run as failed. */
struct tcp_pool {
    tcp_ooo *free;
    void **slabs;
    size_t nslabs, cap;
    int failed;
};

void tcp_pool_init(tcp_pool *p);
void tcp_pool_fini(tcp_pool *p);

/*
 * An endpoint, 136 bytes: what its holder's binding (cfg) cannot say.
 * Sequence numbers and windows in 32 bits, times in 64; the reassembly
 * block only while something is out of order; the timers are events
 * (four bytes each, sim.h).  Field by field:
 *   cfg                   its holder's binding, shared by all it holds:
 *                         hooks, where its object is, settings (tcp_cfg)
 *   srtt .. rtt_start     the RTT estimate (RFC 6298) and when the timed
 *                         segment left, SIM_NEVER when none is (Karn)
 *   rexmt_or_tw           when retransmissions of the oldest segment began
 *                         (TotalRT) while there are any; the end of
 *                         TIME_WAIT in TIME_WAIT; in FIN_WAIT_2 (nothing
 *                         outstanding) the holder's: the host's idle
 *                         FIN_WAIT_2 clock (one time: never two at once)
 *   ooo                   reassembly and the last SYN challenge ACK (R64),
 *                         or NULL while there are neither
 *   id                    its connection's number (messages, streams)
 *   iss .. rcv_wnd        the sequence space of both directions
 *   rtt_seq               the timed segment
 *   cwnd .. lt_bytes      congestion control (RFC 5681, 6582, 3042)
 *   ack_n                 draws taken from its ACK-delay stream
 *   unacked, dupacks      segments received not yet ACKed; duplicate ACKs
 *   rexmt_count           retransmissions of the oldest (host.max_retries
 *                         is at most 255)
 *   state, flags, cstate  the RFC 9293 state; one byte of bits: what the
 *                         application and the peer did, the NewReno
 *                         sender's state
 *   timer                 the retransmit, delayed-ACK and 2MSL slots
 * (seven 8-byte fields, then 80 bytes of smaller ones: no padding)
 */
struct tcp_tcb {
    const tcp_cfg *cfg;      /* its holder's binding: hooks, object, settings */

    sim_time srtt, rttvar, rto;
    sim_time rtt_start;      /* when the timed segment left; SIM_NEVER: none is */
    sim_time rexmt_or_tw;    /* rexmt_count > 0: when retransmissions of the oldest
                              * segment started (TotalRT); in TIME_WAIT, where
                              * nothing is outstanding: its end (the accessors
                              * tcp_rexmt_since, tcp_tw_deadline); in FIN_WAIT_2,
                              * the holder's (tcp_fw2_time) */
    tcp_ooo *ooo;            /* what arrived out of order, the last SYN
                              * challenge, or NULL: neither */

    uint32_t id;             /* its connection's number */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd;
    uint32_t snd_end;        /* one past the last byte the application wrote */
    uint32_t rcv_nxt, rcv_wnd;
    uint32_t rtt_seq;        /* the measurement ends when this is ACKed */
    /* Congestion control (RFC 5681, 6582, 3042), in bytes. */
    uint32_t cwnd, ssthresh;
    uint32_t recover;        /* one past the highest sequence sent when recovery began */
    uint32_t lt_bytes;       /* sent by limited transmit since the last new ACK */
    uint32_t ack_n;          /* draws of cfg->ack_delay taken (its stream's position) */
    uint16_t unacked;        /* segments received and not yet ACKed */
    uint16_t dupacks;        /* duplicate ACKs of snd_una */
    uint16_t rexmt_count;    /* retransmissions of the oldest segment (<= max_retries) */

    uint8_t state;           /* tcp_state */
    unsigned fin_queued : 1; /* the application closed its sending side */
    unsigned full_close : 1; /* ... with close(), not shutdown() */
    unsigned rcv_fin : 1;    /* the peer's FIN has arrived */
    unsigned challenged : 1; /* R63: a challenge ACK went out; no more for now */
    unsigned have_rtt : 1;
    unsigned partial_acked : 1; /* a partial ACK arrived in this fast recovery */
    unsigned cstate : 2;     /* tcp_cstate */

    sim_event timer[TT_N];
};

/* The engine an endpoint runs on. */
static inline sim *tcp_sim(const tcp_tcb *t)
{
    return t->cfg->s;
}

/* When retransmissions of the oldest segment began (TotalRT), SIM_NEVER
 * when none is being retransmitted. */
static inline sim_time tcp_rexmt_since(const tcp_tcb *t)
{
    return t->rexmt_count > 0 ? t->rexmt_or_tw : SIM_NEVER;
}

/* The end of TIME_WAIT, SIM_NEVER in another state. */
static inline sim_time tcp_tw_deadline(const tcp_tcb *t)
{
    return t->state == TCP_S_TIME_WAIT ? t->rexmt_or_tw : SIM_NEVER;
}

/* In FIN_WAIT_2, where nothing is retransmitted and TIME_WAIT has not
 * begun, a time the holder keeps (the host's idle FIN_WAIT_2 clock); TCP
 * neither reads nor writes it there.  Its value in another state means
 * nothing: the holder sets it in FIN_WAIT_2 before it reads it. */
static inline sim_time *tcp_fw2_time(tcp_tcb *t)
{
    return &t->rexmt_or_tw;
}

/* The holder's object around an endpoint (tcp_cfg.ctx_off). */
static inline void *tcp_ctx(const tcp_tcb *t)
{
    return (char *)(uintptr_t)t + t->cfg->ctx_off;
}

/* An endpoint in CLOSED, bound to its holder (cfg: hooks and settings). */
void tcp_init(tcp_tcb *t, const tcp_cfg *cfg, uint32_t iss);

/* The endpoint will not be used again (its connection is freed): what it
 * holds goes back to its holder's pool. */
void tcp_release(tcp_tcb *t);

/* ---- application calls */
void tcp_connect(tcp_tcb *t);               /* active open: SYN */
void tcp_listen(tcp_tcb *t);                /* passive open */
void tcp_send(tcp_tcb *t, uint32_t bytes);  /* queue bytes and send what fits */
void tcp_close(tcp_tcb *t, int full);       /* FIN after the data; full: close() */
void tcp_abort(tcp_tcb *t);                 /* RST, then CLOSED */
/* A keep-alive probe: SEG.SEQ = SND.NXT - 1, no data (RFC 9293 3.8.4). */
void tcp_keepalive(tcp_tcb *t);

/* ---- the wire */
void tcp_input(tcp_tcb *t, const seg *s);
/*
 * The acceptable-segment test the hooks see (A3): RFC 9293 3.10.7.4's window
 * test, or seq == RCV.NXT with `exact`; an RST only at RCV.NXT (R63), a SYN
 * never (R64).  *in_window gets the plain window test.
 */
int tcp_acceptable(const seg *s, uint32_t rcv_nxt, uint32_t rcv_wnd, int exact, int *in_window);
/* The RST that answers a segment for no connection (RFC 9293 3.10.7.1);
 * returns 0 when none is due (the segment was itself an RST). */
int tcp_reset_reply(const seg *in, seg *out);

/* ---- for holders */
/* The only writer of t->state: one transition, then ops->state_entered. */
void tcp_set_state(tcp_tcb *t, tcp_state next, tcp_event why);
void tcp_timer_arm(tcp_tcb *t, tcp_timer_slot slot, sim_time deadline);
void tcp_timer_cancel(tcp_tcb *t, tcp_timer_slot slot);
/* The slot's deadline, or SIM_NEVER when it is idle. */
sim_time tcp_timer_deadline(const tcp_tcb *t, tcp_timer_slot slot);
void tcp_stop_timers(tcp_tcb *t);
/* Send an ACK owed by a delayed-ACK timer now (R36, R59). */
void tcp_flush_ack(tcp_tcb *t);
/* Send what the window allows; (re)arm the retransmit timer. */
void tcp_output(tcp_tcb *t);
/* Re-arm the retransmit timer for what is outstanding, if any. */
void tcp_rexmt_resume(tcp_tcb *t, sim_time delay);
/* RTO = SRTT + max(G, 4 RTTVAR), within [rto_min, rto_max] (RFC 6298 2.3). */
void tcp_rto_from_estimate(tcp_tcb *t);
/* Has our FIN been acknowledged? */
int tcp_fin_acked(const tcp_tcb *t);
/* A retransmitted FIN in TIME_WAIT: TIME_WAIT starts again (RFC 9293 3.10.7.4). */
void tcp_time_wait_restart(tcp_tcb *t);
/* Data or FIN outstanding (sent, not yet acknowledged)? */
static inline int tcp_outstanding(const tcp_tcb *t)
{
    return t->snd_max != t->snd_una;
}

#endif /* SIM_TCP_TCP_H */
