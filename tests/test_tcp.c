/*
 * test_tcp.c - the TCP endpoint (tcp.c) and its pure state machine
 * (tcp_fsm.c): every (state, event) pair against an expected table, then
 * two endpoints wired to each other through a tiny harness for the
 * handshake, data, the three kinds of close, retransmission and give-up,
 * RST and SYN handling (RFC 5961, R63, R64, A16), the acceptable-segment
 * test (A3), TIME_WAIT, data after close, the RST replies, delayed ACKs and
 * the RTT estimator (RFC 6298).
 *
 * The harness plays the holder: each endpoint's ops.output hands a copy of
 * the segment to the other endpoint after a fixed one-way delay, unless the
 * test asked for it to be dropped; the other hooks record what they saw.
 * Tests inject hand-made segments straight into tcp_input() where a precise
 * case is wanted, and advance simulated time with sim_run().
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/rng.h"
#include "engine/sim.h"
#include "net/segment.h"
#include "tcp/tcp.h"
#include "tcp/tcp_fsm.h"

/* ---- the expected state table ----------------------------------------- */

/*
 * RFC 9293 figure 5 and the diagram at the top of tcp_fsm.c.  Pairs that
 * the diagram does not list keep the state.  ABORT, RCV_RST and RETRIES
 * lead to CLOSED from every state, except that CLOSED stays CLOSED and
 * LISTEN stays LISTEN on RCV_RST and RETRIES (it has no connection to lose)
 * but goes to CLOSED on ABORT.  Figure 5 also has CLOSE from LISTEN and
 * from SYN_SENT delete the TCB.
 */
#define CL TCP_S_CLOSED
#define LI TCP_S_LISTEN
#define SS TCP_S_SYN_SENT
#define SR TCP_S_SYN_RECEIVED
#define ES TCP_S_ESTABLISHED
#define F1 TCP_S_FIN_WAIT_1
#define F2 TCP_S_FIN_WAIT_2
#define CW TCP_S_CLOSE_WAIT
#define CG TCP_S_CLOSING
#define LA TCP_S_LAST_ACK
#define TW TCP_S_TIME_WAIT

static const tcp_state fsm_expected[TCP_S_N][TCP_E_N] = {
    /*           OPEN_A OPEN_P CLOSE ABORT SYN SYNACK ACKSYN ACKFIN FIN RST 2MSL FW2 RETRIES */
    [CL] = {SS, LI, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL, CL},
    [LI] = {LI, LI, CL, CL, SR, LI, LI, LI, LI, LI, LI, LI, LI},
    [SS] = {SS, SS, CL, CL, SR, ES, SS, SS, SS, CL, SS, SS, CL},
    [SR] = {SR, SR, F1, CL, SR, SR, ES, SR, SR, CL, SR, SR, CL},
    [ES] = {ES, ES, F1, CL, ES, ES, ES, ES, CW, CL, ES, ES, CL},
    [F1] = {F1, F1, F1, CL, F1, F1, F1, F2, CG, CL, F1, F1, CL},
    [F2] = {F2, F2, F2, CL, F2, F2, F2, F2, TW, CL, F2, CL, CL},
    [CW] = {CW, CW, LA, CL, CW, CW, CW, CW, CW, CL, CW, CW, CL},
    [CG] = {CG, CG, CG, CL, CG, CG, CG, TW, CG, CL, CG, CG, CL},
    [LA] = {LA, LA, LA, CL, LA, LA, LA, CL, LA, CL, LA, LA, CL},
    [TW] = {TW, TW, TW, CL, TW, TW, TW, TW, TW, CL, CL, TW, CL},
};

#undef CL
#undef LI
#undef SS
#undef SR
#undef ES
#undef F1
#undef F2
#undef CW
#undef CG
#undef LA
#undef TW

static void fsm_every_state_event_pair(void)
{
    /* The columns above must follow the event enum, or the table lies. */
    CHECK_EQ_I64(TCP_E_OPEN_ACTIVE, 0);
    CHECK_EQ_I64(TCP_E_OPEN_PASSIVE, 1);
    CHECK_EQ_I64(TCP_E_CLOSE, 2);
    CHECK_EQ_I64(TCP_E_ABORT, 3);
    CHECK_EQ_I64(TCP_E_RCV_SYN, 4);
    CHECK_EQ_I64(TCP_E_RCV_SYN_ACK, 5);
    CHECK_EQ_I64(TCP_E_RCV_ACK_OF_SYN, 6);
    CHECK_EQ_I64(TCP_E_RCV_ACK_OF_FIN, 7);
    CHECK_EQ_I64(TCP_E_RCV_FIN, 8);
    CHECK_EQ_I64(TCP_E_RCV_RST, 9);
    CHECK_EQ_I64(TCP_E_TIMEOUT_2MSL, 10);
    CHECK_EQ_I64(TCP_E_TIMEOUT_FW2, 11);
    CHECK_EQ_I64(TCP_E_RETRIES, 12);
    CHECK_EQ_I64(TCP_E_N, 13);

    for (int s = 0; s < TCP_S_N; s++) {
        for (int e = 0; e < TCP_E_N; e++) {
            tcp_state got = tcp_fsm_next((tcp_state)s, (tcp_event)e);

            if (got != fsm_expected[s][e])
                CHECK_FAIL_("tcp_fsm_next(%s, %s) = %s, expected %s", tcp_state_name[s],
                            tcp_event_name[e], got < TCP_S_N ? tcp_state_name[got] : "?",
                            tcp_state_name[fsm_expected[s][e]]);
        }
    }
}

static void fsm_names_are_defined(void)
{
    for (int s = 0; s < TCP_S_N; s++) {
        CHECK(tcp_state_name[s] != NULL);
        if (tcp_state_name[s] != NULL)
            CHECK(tcp_state_name[s][0] != '\0');
    }
    for (int e = 0; e < TCP_E_N; e++) {
        CHECK(tcp_event_name[e] != NULL);
        if (tcp_event_name[e] != NULL)
            CHECK(tcp_event_name[e][0] != '\0');
    }
    CHECK_EQ_STR(tcp_state_name[TCP_S_FIN_WAIT_2], "FIN_WAIT_2");
    CHECK_EQ_STR(tcp_event_name[TCP_E_RCV_RST], "RCV_RST");
}

/* The states cross handoffs as ndischimney.h's TCP_OFFLOAD_STATE_DELEGATED.State. */
static void fsm_state_values_match_ndischimney(void)
{
    CHECK_EQ_I64(TCP_S_CLOSED, 0);
    CHECK_EQ_I64(TCP_S_LISTEN, 1);
    CHECK_EQ_I64(TCP_S_SYN_SENT, 2);
    CHECK_EQ_I64(TCP_S_SYN_RECEIVED, 3);
    CHECK_EQ_I64(TCP_S_ESTABLISHED, 4);
    CHECK_EQ_I64(TCP_S_FIN_WAIT_1, 5);
    CHECK_EQ_I64(TCP_S_FIN_WAIT_2, 6);
    CHECK_EQ_I64(TCP_S_CLOSE_WAIT, 7);
    CHECK_EQ_I64(TCP_S_CLOSING, 8);
    CHECK_EQ_I64(TCP_S_LAST_ACK, 9);
    CHECK_EQ_I64(TCP_S_TIME_WAIT, 10);
    CHECK_EQ_I64(TCP_S_N, 11);
}

/* ---- the harness: two endpoints and a wire ----------------------------- */

#define ONE_WAY (1 * SIM_MS) /* the wire's one-way delay */
#define MAX_LOG 512
#define MAX_FLIGHT 2048

/*
 * The initial sequence numbers.  B's is close to 2^32, so that B's data
 * and A's receive side wrap around zero during the transfers below and
 * the modulo-2^32 comparisons of RFC 9293 3.4 are exercised.
 */
#define ISS_A 100000u
#define ISS_B 0xfffff000u

typedef struct tr_rec {
    tcp_state old, next;
    tcp_event why;
    sim_time at;
} tr_rec;

typedef struct out_rec {
    seg s;
    sim_time at;
    int dropped;
} out_rec;

typedef struct in_rec {
    seg s;
    sim_time at;
    int acceptable;
} in_rec;

typedef struct peer {
    tcp_tcb t;
    struct peer *other;

    tr_rec tr[MAX_LOG];   /* state_entered */
    int ntr;
    out_rec out[MAX_LOG]; /* output, dropped or not */
    int nout;
    in_rec in[MAX_LOG];   /* the segment hook */
    int nin;
    int ndone;            /* the segment_done hook (ops_fw2 only) */

    uint64_t bytes;       /* delivered payload */
    int fins;             /* delivered FINs */
    int misordered;       /* deliveries that did not end at RCV.NXT */
    int fw2_calls;
    int give_ups;
    sim_time give_up_at;
    int reset_after_close; /* what the hook answers */

    int drop_all;         /* drop every segment from now on */
    int drop_nth;         /* drop output number n (0-based), -1: none */
    int drop_fins;        /* drop this many segments carrying a FIN */
    uint64_t drop_data;   /* bit i: drop the i-th segment carrying data (i < 64) */
    int ndata;            /* segments carrying data sent so far */
} peer;

/* A segment on the wire.  Slots are never reused within a test. */
typedef struct flight {
    sim_event ev;
    peer *to;
    seg s;
} flight;

static struct harness {
    sim *s;
    tcp_cfg cfg;
    dist ack_delay;
    peer a, b;
    flight fl[MAX_FLIGHT];
    int nfl;
} g;

static void h_arrive(sim *s, sim_event *ev)
{
    flight *f = SIM_CONTAINER(ev, flight, ev);

    (void)s;
    tcp_input(&f->to->t, &f->s);
}

static void h_output(tcp_tcb *t, const seg *s)
{
    peer *p = tcp_ctx(t);
    int n = p->nout++;
    int drop = p->drop_all || n == p->drop_nth;

    if (s->len > 0) {
        if (p->ndata < 64 && (p->drop_data >> p->ndata & 1))
            drop = 1;
        p->ndata++;
    }

    if (!drop && (s->flags & SEG_FIN) && p->drop_fins > 0) {
        p->drop_fins--;
        drop = 1;
    }
    CHECK(n < MAX_LOG);
    if (n < MAX_LOG) {
        p->out[n].s = *s;
        p->out[n].at = sim_now(g.s);
        p->out[n].dropped = drop;
    }
    if (drop)
        return;
    CHECK(g.nfl < MAX_FLIGHT);
    if (g.nfl >= MAX_FLIGHT)
        return;
    flight *f = &g.fl[g.nfl++];
    f->to = p->other;
    f->s = *s;
    sim_event_init(&f->ev, h_arrive);
    sim_schedule(g.s, &f->ev, sim_now(g.s) + ONE_WAY);
}

static sim_time h_deadline(tcp_tcb *t, sim_time delay)
{
    return sim_now(tcp_sim(t)) + delay;
}

static void h_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    peer *p = tcp_ctx(t);
    int n = p->ntr++;

    CHECK(n < MAX_LOG);
    if (n < MAX_LOG)
        p->tr[n] = (tr_rec){old, t->state, why, sim_now(tcp_sim(t))};
    /* Ending TIME_WAIT is the holder's job, as in sim/host/host.c. */
    if (t->state == TCP_S_TIME_WAIT)
        tcp_timer_arm(t, TT_2MSL, tcp_tw_deadline(t));
}

static void h_segment(tcp_tcb *t, const seg *s, int acceptable)
{
    peer *p = tcp_ctx(t);
    int n = p->nin++;

    CHECK(n < MAX_LOG);
    if (n < MAX_LOG)
        p->in[n] = (in_rec){*s, sim_now(tcp_sim(t)), acceptable};
}

static void h_deliver(tcp_tcb *t, uint32_t bytes, int fin)
{
    peer *p = tcp_ctx(t);

    p->bytes += bytes;
    p->fins += fin != 0;
    /* In order: the bytes delivered so far end exactly at RCV.NXT. */
    if (bytes > 0 && (uint32_t)(p->other->t.iss + 1 + p->bytes) != t->rcv_nxt)
        p->misordered++;
}

static void h_fw2_timeout(tcp_tcb *t)
{
    peer *p = tcp_ctx(t);

    p->fw2_calls++;
}

static int h_give_up(tcp_tcb *t)
{
    peer *p = tcp_ctx(t);

    p->give_ups++;
    p->give_up_at = sim_now(tcp_sim(t));
    return 1;
}

static int h_reset_after_close(tcp_tcb *t)
{
    peer *p = tcp_ctx(t);

    return p->reset_after_close;
}

static const tcp_ops ops = {
    .output = h_output,
    .deadline = h_deadline,
    .state_entered = h_state_entered,
    .segment = h_segment,
    .deliver = h_deliver,
    .fw2_timeout = h_fw2_timeout,
    .give_up = h_give_up,
    .reset_after_close = h_reset_after_close,
};

static void h_segment_done(tcp_tcb *t)
{
    peer *p = tcp_ctx(t);

    p->ndone++;
}

/* The same hooks, seeing only the segments that arrive in FIN_WAIT_2, as
 * the host's and the target's do. */
static const tcp_ops ops_fw2 = {
    .output = h_output,
    .deadline = h_deadline,
    .state_entered = h_state_entered,
    .segment = h_segment,
    .segment_done = h_segment_done,
    .deliver = h_deliver,
    .fw2_timeout = h_fw2_timeout,
    .give_up = h_give_up,
    .reset_after_close = h_reset_after_close,
    .fin_wait_2_only = 1,
};

static void init_peer(peer *p, peer *other, uint32_t id, uint32_t iss)
{
    p->other = other;
    p->drop_nth = -1;
    tcp_init(&p->t, &g.cfg, iss);
    p->t.id = id; /* its ACK delays: stream (1, id, 0) */
}

/*
 * A fresh engine and two endpoints in CLOSED: A (the server, ISS_A) and B
 * (the client, ISS_B).  `exact` is cfg.acceptable_exact (A3), `ack_delay`
 * the constant delay of an owed ACK.
 */
static void setup(int exact, sim_time ack_delay)
{
    memset(&g, 0, sizeof g);
    CHECK_EQ_I64(sim_create(&g.s), 0);
    g.ack_delay = (dist){DIST_CONST, (double)ack_delay, 0};
    g.cfg = (tcp_cfg){
        .ops = &ops,
        .ctx_off = -(ptrdiff_t)offsetof(peer, t),
        .s = g.s,
        .seed = 1,
        .mss = 1460,
        .window = 65535,
        .rto_initial = 1 * SIM_S,
        .rto_min = 200 * SIM_MS,
        .rto_max = 60 * SIM_S,
        .granularity = 1 * SIM_MS,
        .max_retries = 5,
        .time_wait = 240 * SIM_S,
        .ack_delay = &g.ack_delay,
        .acceptable_exact = exact,
        .initial_window = 10,
    };
    init_peer(&g.a, &g.b, 1, ISS_A);
    init_peer(&g.b, &g.a, 2, ISS_B);
}

/* The events live in g, which outlives the engine. */
static void teardown(void)
{
    tcp_release(&g.a.t);
    tcp_release(&g.b.t);
    sim_destroy(g.s);
    g.s = NULL;
}

static void nothing(sim *s, sim_event *ev)
{
    (void)s;
    (void)ev;
}

/*
 * Advance the clock by d.  sim_run() leaves the clock at the last event when
 * nothing is pending, so an idle stretch is marked by an event at its end.
 */
static void run_for(sim_time d)
{
    static sim_event mark;

    sim_event_init(&mark, nothing);
    sim_schedule(g.s, &mark, sim_now(g.s) + d);
    sim_run(g.s, sim_now(g.s) + d);
}

/* A listens, B connects, and the handshake completes. */
static void establish(void)
{
    tcp_listen(&g.a.t);
    tcp_connect(&g.b.t);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.b.t.state, TCP_S_ESTABLISHED);
}

/* Both sides close: A first (active), then B (passive); A ends in TIME_WAIT. */
static void close_to_time_wait(void)
{
    tcp_close(&g.a.t, 1);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSE_WAIT);
    tcp_close(&g.b.t, 1);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSED);
}

static seg mkseg(uint32_t seq, uint32_t ack, uint32_t len, uint8_t flags)
{
    seg s = {seq, ack, len, 65535, flags};

    return s;
}

static void inject(peer *p, seg s)
{
    tcp_input(&p->t, &s);
}

static const tr_rec *last_tr(const peer *p)
{
    static const tr_rec none = {TCP_S_N, TCP_S_N, TCP_E_N, SIM_NEVER};

    return p->ntr > 0 && p->ntr <= MAX_LOG ? &p->tr[p->ntr - 1] : &none;
}

static const out_rec *last_out(const peer *p)
{
    static const out_rec none = {{0, 0, 0, 0, 0}, SIM_NEVER, 0};

    return p->nout > 0 && p->nout <= MAX_LOG ? &p->out[p->nout - 1] : &none;
}

/* Transition number i of peer p was old -> next on why, at time `when`. */
#define CHECK_TR(p, i, o, n, w, when)                                        \
    do {                                                                     \
        CHECK((i) < (p)->ntr);                                               \
        if ((i) < (p)->ntr) {                                                \
            CHECK_EQ_I64((p)->tr[i].old, (o));                               \
            CHECK_EQ_I64((p)->tr[i].next, (n));                              \
            CHECK_EQ_I64((p)->tr[i].why, (w));                               \
            CHECK_EQ_I64((p)->tr[i].at, (when));                             \
        }                                                                    \
    } while (0)

/* A pure ACK from p at its current SND.NXT / RCV.NXT. */
#define CHECK_PURE_ACK(o, p)                                                 \
    do {                                                                     \
        CHECK_EQ_I64((o)->s.flags, SEG_ACK);                                 \
        CHECK_EQ_I64((o)->s.len, 0);                                         \
        CHECK_EQ_I64((o)->s.seq, (p)->t.snd_nxt);                            \
        CHECK_EQ_I64((o)->s.ack, (p)->t.rcv_nxt);                            \
    } while (0)

/* ---- handshake and data ------------------------------------------------ */

static void three_way_handshake(void)
{
    setup(0, 0);
    tcp_listen(&g.a.t);
    tcp_connect(&g.b.t);
    CHECK_EQ_I64(g.a.t.state, TCP_S_LISTEN);
    CHECK_EQ_I64(g.b.t.state, TCP_S_SYN_SENT);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.b.t.state, TCP_S_ESTABLISHED);

    /* <SEQ=ISS_B><CTL=SYN>, no ACK in SYN_SENT. */
    CHECK_EQ_I64(g.b.nout, 2);
    CHECK_EQ_I64(g.b.out[0].s.flags, SEG_SYN);
    CHECK_EQ_I64(g.b.out[0].s.seq, ISS_B);
    CHECK_EQ_I64(g.b.out[0].at, 0);
    /* <SEQ=ISS_A><ACK=ISS_B+1><CTL=SYN,ACK>. */
    CHECK_EQ_I64(g.a.nout, 1);
    CHECK_EQ_I64(g.a.out[0].s.flags, SEG_SYN | SEG_ACK);
    CHECK_EQ_I64(g.a.out[0].s.seq, ISS_A);
    CHECK_EQ_I64(g.a.out[0].s.ack, (uint32_t)(ISS_B + 1));
    CHECK_EQ_I64(g.a.out[0].at, 1 * SIM_MS);
    /* <SEQ=ISS_B+1><ACK=ISS_A+1><CTL=ACK>. */
    CHECK_EQ_I64(g.b.out[1].s.flags, SEG_ACK);
    CHECK_EQ_I64(g.b.out[1].s.seq, (uint32_t)(ISS_B + 1));
    CHECK_EQ_I64(g.b.out[1].s.ack, ISS_A + 1);
    CHECK_EQ_I64(g.b.out[1].at, 2 * SIM_MS);

    CHECK_EQ_I64(g.a.ntr, 3);
    CHECK_TR(&g.a, 0, TCP_S_CLOSED, TCP_S_LISTEN, TCP_E_OPEN_PASSIVE, 0);
    CHECK_TR(&g.a, 1, TCP_S_LISTEN, TCP_S_SYN_RECEIVED, TCP_E_RCV_SYN, 1 * SIM_MS);
    CHECK_TR(&g.a, 2, TCP_S_SYN_RECEIVED, TCP_S_ESTABLISHED, TCP_E_RCV_ACK_OF_SYN, 3 * SIM_MS);
    CHECK_EQ_I64(g.b.ntr, 2);
    CHECK_TR(&g.b, 0, TCP_S_CLOSED, TCP_S_SYN_SENT, TCP_E_OPEN_ACTIVE, 0);
    CHECK_TR(&g.b, 1, TCP_S_SYN_SENT, TCP_S_ESTABLISHED, TCP_E_RCV_SYN_ACK, 2 * SIM_MS);

    /* Nothing is outstanding, so no retransmit timer runs. */
    CHECK_EQ_I64(tcp_timer_deadline(&g.a.t, TT_REXMT), SIM_NEVER);
    CHECK_EQ_I64(tcp_timer_deadline(&g.b.t, TT_REXMT), SIM_NEVER);
    CHECK_EQ_I64(g.a.t.rcv_nxt, ISS_B + 1); /* each learnt the other's ISS */
    CHECK_EQ_I64(g.b.t.rcv_nxt, ISS_A + 1);
    teardown();
}

/* A SYN lost on the wire is sent again after the initial RTO (1 s). */
static void lost_syn_retransmitted_after_initial_rto(void)
{
    setup(0, 0);
    g.b.drop_nth = 0;
    tcp_listen(&g.a.t);
    tcp_connect(&g.b.t);
    sim_run(g.s, 999 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_LISTEN);
    CHECK_EQ_I64(g.b.t.state, TCP_S_SYN_SENT);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.b.out[1].s.flags, SEG_SYN);
    CHECK_EQ_I64(g.b.out[1].s.seq, ISS_B);
    CHECK_EQ_I64(g.b.out[1].at, 1 * SIM_S);
    CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.b.t.state, TCP_S_ESTABLISHED);
    CHECK_TR(&g.b, 1, TCP_S_SYN_SENT, TCP_S_ESTABLISHED, TCP_E_RCV_SYN_ACK,
             1 * SIM_S + 2 * ONE_WAY);
    /* Karn: the SYN was retransmitted, so its ACK gives no RTT sample. */
    CHECK_EQ_I64(g.b.t.have_rtt, 0);
    /* RFC 6298 5.7: the SYN timed out with an RTO below 3 s, so data
     * transmission starts with an RTO of 3 s. */
    CHECK_EQ_I64(g.b.t.rto, 3 * SIM_S);
    teardown();
}

static void data_transfer_in_mss_segments(void)
{
    setup(0, 0);
    establish();
    int first = g.b.nout;
    uint32_t expect = ISS_B + 1;
    uint64_t sent = 0;
    int nseg = 0;

    tcp_send(&g.b.t, 10000);
    run_for(1 * SIM_S);
    CHECK_EQ_I64(g.a.bytes, 10000);
    CHECK_EQ_I64(g.a.misordered, 0);
    CHECK_EQ_I64(g.a.fins, 0);
    CHECK_EQ_I64(g.a.t.rcv_nxt, (uint32_t)(ISS_B + 1 + 10000));
    for (int i = first; i < g.b.nout; i++) {
        const seg *s = &g.b.out[i].s;

        CHECK(s->len <= g.cfg.mss);
        CHECK_EQ_I64(s->flags, SEG_ACK);
        CHECK_EQ_I64(g.b.out[i].dropped, 0);
        if (s->len == 0)
            continue;
        CHECK_EQ_I64(s->seq, expect);
        expect += s->len;
        sent += s->len;
        nseg++;
    }
    /* Six full segments and 1240 bytes, each sent once. */
    CHECK_EQ_I64(nseg, 7);
    CHECK_EQ_I64(sent, 10000);
    CHECK_EQ_I64(g.b.nout - first, 7);
    CHECK_EQ_I64(g.b.t.snd_una, g.b.t.snd_end);
    CHECK_EQ_I64(g.b.t.snd_una, (uint32_t)(ISS_B + 1 + 10000));
    CHECK_EQ_I64(tcp_timer_deadline(&g.b.t, TT_REXMT), SIM_NEVER);
    teardown();
}

/* ---- close ------------------------------------------------------------- */

static void active_and_passive_close(void)
{
    setup(0, 0);
    establish();
    tcp_send(&g.b.t, 10000);
    run_for(1 * SIM_S);
    CHECK_EQ_I64(g.a.bytes, 10000);

    /* The server closes first: FIN_WAIT_1, then FIN_WAIT_2 on the ACK of its FIN. */
    sim_time tc = sim_now(g.s);
    int na = g.a.ntr, nb = g.b.ntr;

    tcp_close(&g.a.t, 1);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_1);
    CHECK(last_out(&g.a)->s.flags & SEG_FIN);
    CHECK_EQ_I64(last_out(&g.a)->s.seq, ISS_A + 1);
    run_for(10 * SIM_MS);
    CHECK_TR(&g.a, na, TCP_S_ESTABLISHED, TCP_S_FIN_WAIT_1, TCP_E_CLOSE, tc);
    CHECK_TR(&g.a, na + 1, TCP_S_FIN_WAIT_1, TCP_S_FIN_WAIT_2, TCP_E_RCV_ACK_OF_FIN,
             tc + 2 * ONE_WAY);
    CHECK_TR(&g.b, nb, TCP_S_ESTABLISHED, TCP_S_CLOSE_WAIT, TCP_E_RCV_FIN, tc + ONE_WAY);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSE_WAIT);
    CHECK_EQ_I64(g.b.fins, 1);
    CHECK(tcp_fin_acked(&g.a.t));

    /* The client closes: LAST_ACK, then CLOSED on the ACK of its FIN. */
    sim_time tb = sim_now(g.s);

    tcp_close(&g.b.t, 1);
    CHECK_EQ_I64(g.b.t.state, TCP_S_LAST_ACK);
    run_for(10 * SIM_MS);
    CHECK_TR(&g.b, nb + 1, TCP_S_CLOSE_WAIT, TCP_S_LAST_ACK, TCP_E_CLOSE, tb);
    CHECK_TR(&g.b, nb + 2, TCP_S_LAST_ACK, TCP_S_CLOSED, TCP_E_RCV_ACK_OF_FIN, tb + 2 * ONE_WAY);
    CHECK_TR(&g.a, na + 2, TCP_S_FIN_WAIT_2, TCP_S_TIME_WAIT, TCP_E_RCV_FIN, tb + ONE_WAY);
    CHECK_EQ_I64(g.a.fins, 1);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);

    /* TIME_WAIT lasts exactly time_wait from its start, then CLOSED. */
    sim_time tw_end = tb + ONE_WAY + g.cfg.time_wait;

    CHECK_EQ_I64(tcp_tw_deadline(&g.a.t), tw_end);
    CHECK_EQ_I64(tcp_timer_deadline(&g.a.t, TT_2MSL), tw_end);
    sim_run(g.s, tw_end - 1);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    sim_run(g.s, tw_end);
    CHECK_EQ_I64(g.a.t.state, TCP_S_CLOSED);
    CHECK_TR(&g.a, na + 3, TCP_S_TIME_WAIT, TCP_S_CLOSED, TCP_E_TIMEOUT_2MSL, tw_end);
    CHECK_EQ_I64(g.a.ntr, na + 4);
    CHECK_EQ_I64(g.b.ntr, nb + 3);
    CHECK_EQ_I64(g.a.fw2_calls, 0);
    CHECK_EQ_I64(sim_pending(g.s), 0);
    teardown();
}

static void simultaneous_close(void)
{
    setup(0, 0);
    establish();
    sim_time tc = sim_now(g.s);
    int na = g.a.ntr, nb = g.b.ntr;

    tcp_close(&g.a.t, 1);
    tcp_close(&g.b.t, 1);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_1);
    CHECK_EQ_I64(g.b.t.state, TCP_S_FIN_WAIT_1);
    run_for(10 * SIM_MS);
    for (int i = 0; i < 2; i++) {
        peer *p = i == 0 ? &g.a : &g.b;
        int n = i == 0 ? na : nb;

        CHECK_EQ_I64(p->t.state, TCP_S_TIME_WAIT);
        CHECK_EQ_I64(p->ntr, n + 3);
        CHECK_TR(p, n, TCP_S_ESTABLISHED, TCP_S_FIN_WAIT_1, TCP_E_CLOSE, tc);
        CHECK_TR(p, n + 1, TCP_S_FIN_WAIT_1, TCP_S_CLOSING, TCP_E_RCV_FIN, tc + ONE_WAY);
        CHECK_TR(p, n + 2, TCP_S_CLOSING, TCP_S_TIME_WAIT, TCP_E_RCV_ACK_OF_FIN,
                 tc + 2 * ONE_WAY);
        CHECK_EQ_I64(p->fins, 1);
        CHECK_EQ_I64(tcp_tw_deadline(&p->t), tc + 2 * ONE_WAY + g.cfg.time_wait);
    }
    sim_run(g.s, tc + 2 * ONE_WAY + g.cfg.time_wait);
    CHECK_EQ_I64(g.a.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(last_tr(&g.a)->why, TCP_E_TIMEOUT_2MSL);
    CHECK_EQ_I64(last_tr(&g.b)->why, TCP_E_TIMEOUT_2MSL);
    teardown();
}

/* A segment carrying both the ACK of our FIN and the peer's FIN: ACK first. */
static void fin_ack_and_fin_in_one_segment(void)
{
    /* B's ACK of A's FIN is delayed, so it rides on B's own FIN. */
    setup(0, 200 * SIM_MS);
    /* An RTO above the ACK delay keeps the delayed ACKs from causing retransmissions. */
    g.cfg.rto_min = 1 * SIM_S;
    establish();
    sim_time tc = sim_now(g.s);
    int na = g.a.ntr;

    tcp_close(&g.a.t, 1);
    sim_run(g.s, tc + ONE_WAY);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSE_WAIT);
    CHECK(sim_event_pending(&g.b.t.timer[TT_DELACK]));
    tcp_close(&g.b.t, 1);
    CHECK_EQ_I64(last_out(&g.b)->s.flags, SEG_FIN | SEG_ACK);
    CHECK_EQ_I64(last_out(&g.b)->s.ack, ISS_A + 2);
    CHECK(!sim_event_pending(&g.b.t.timer[TT_DELACK]));
    sim_run(g.s, tc + 2 * ONE_WAY);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    CHECK_TR(&g.a, na + 1, TCP_S_FIN_WAIT_1, TCP_S_FIN_WAIT_2, TCP_E_RCV_ACK_OF_FIN,
             tc + 2 * ONE_WAY);
    CHECK_TR(&g.a, na + 2, TCP_S_FIN_WAIT_2, TCP_S_TIME_WAIT, TCP_E_RCV_FIN, tc + 2 * ONE_WAY);
    run_for(1 * SIM_S);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSED);
    teardown();
}

static void lost_fin_retransmitted_after_rto(void)
{
    setup(0, 0);
    establish();
    sim_time rto = g.a.t.rto, srtt = g.a.t.srtt;
    sim_time tc = sim_now(g.s);
    int first = g.a.nout;

    CHECK_EQ_I64(rto, 200 * SIM_MS);
    g.a.drop_fins = 1;
    tcp_close(&g.a.t, 1);
    sim_run(g.s, tc + rto - 1);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_1);
    CHECK_EQ_I64(g.b.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.a.nout, first + 1);
    CHECK_EQ_I64(g.a.out[first].dropped, 1);

    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.nout, first + 2);
    CHECK_EQ_I64(g.a.out[first + 1].s.flags, SEG_FIN | SEG_ACK);
    CHECK_EQ_I64(g.a.out[first + 1].s.seq, ISS_A + 1);
    CHECK_EQ_I64(g.a.out[first + 1].at, tc + rto);
    CHECK_EQ_I64(g.a.out[first + 1].dropped, 0);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSE_WAIT);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(last_tr(&g.a)->at, tc + rto + 2 * ONE_WAY);
    /* Karn: the ACK of a retransmitted FIN gives no RTT sample. */
    CHECK_EQ_I64(g.a.t.srtt, srtt);

    tcp_close(&g.b.t, 1);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    teardown();
}

/*
 * RFC 6298 5.5-5.6: the RTO doubles on each expiry; after max_retries
 * retransmissions the next expiry asks the holder to give up (RETRIES).
 */
static void rexmt_backoff_then_give_up(void)
{
    setup(0, 0);
    establish();
    sim_time rto = g.a.t.rto;
    int first = g.a.nout;

    CHECK_EQ_I64(rto, 200 * SIM_MS);
    g.a.drop_all = 1;
    sim_time t0 = sim_now(g.s);

    tcp_send(&g.a.t, 1000);
    run_for(60 * SIM_S);
    /* The original and max_retries (5) retransmissions, at RTO, 2 RTO, 4 RTO, ... apart. */
    CHECK_EQ_I64(g.a.nout - first, 1 + 5);
    for (int i = 0; i < 6 && first + i < g.a.nout; i++) {
        const out_rec *o = &g.a.out[first + i];

        CHECK_EQ_I64(o->s.seq, ISS_A + 1);
        CHECK_EQ_I64(o->s.len, 1000);
        CHECK_EQ_I64(o->at, t0 + rto * ((1 << i) - 1));
    }
    /* The timer after the fifth retransmission (64 RTO - 1 in all) gives up. */
    CHECK_EQ_I64(g.a.give_ups, 1);
    CHECK_EQ_I64(g.a.give_up_at, t0 + rto * 63);
    CHECK_EQ_I64(g.a.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(last_tr(&g.a)->old, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(last_tr(&g.a)->why, TCP_E_RETRIES);
    CHECK_EQ_I64(last_tr(&g.a)->at, t0 + rto * 63);
    CHECK_EQ_I64(g.b.bytes, 0);
    CHECK_EQ_I64(g.b.t.state, TCP_S_ESTABLISHED);
    teardown();
}

/* ---- congestion control and loss recovery (RFC 5681, 6582, 3042) ------- */

#define MSS 1460u
/* The first byte of A's k-th full segment after the handshake. */
#define SEQ_A(k) ((uint32_t)(ISS_A + 1 + (uint32_t)(k) * MSS))

/* An ACK from B to A, as B would send it (its SND.NXT, the window). */
static void ack_a(uint32_t ack)
{
    inject(&g.a, mkseg(g.b.t.snd_nxt, ack, 0, SEG_ACK));
}

/* The data segments A sent from output number `from` on: their starts. */
static int data_out(int from, uint32_t *seqs, int max)
{
    int n = 0;

    for (int i = from; i < g.a.nout && i < MAX_LOG; i++)
        if (g.a.out[i].s.len > 0 && n < max)
            seqs[n++] = g.a.out[i].s.seq;
    return n;
}

/*
 * RFC 5681 3.1, RFC 6928: a new connection sends its initial window (10
 * segments by default; tcp.initial_window) and no more before an ACK.
 */
static void initial_window_of_ten_segments(void)
{
    static const uint32_t iws[2] = {10, 4};
    uint32_t seqs[32];

    for (int k = 0; k < 2; k++) {
        uint32_t iw = iws[k];

        setup(0, 0);
        g.cfg.initial_window = iw;
        init_peer(&g.a, &g.b, 1, ISS_A);
        establish();
        int first = g.a.nout;

        g.a.drop_all = 1;
        tcp_send(&g.a.t, 20 * MSS);
        CHECK_EQ_I64(data_out(first, seqs, 32), iw);
        CHECK_EQ_I64(g.a.t.cwnd, iw * MSS);
        CHECK_EQ_I64(g.a.t.snd_nxt, SEQ_A(iw));
        teardown();
    }
}

/*
 * RFC 5681 3.1: slow start grows cwnd by one SMSS per ACK of new data
 * below ssthresh, congestion avoidance by SMSS x SMSS / cwnd above it.
 * A timeout sets ssthresh = FlightSize / 2 and cwnd = 1 SMSS, and the
 * sender goes back to SND.UNA: one segment, then two, ... (scripted: every
 * segment A sends is lost, the ACKs are injected by hand).
 */
static void rto_then_slow_start_then_congestion_avoidance(void)
{
    uint32_t seqs[64], cwnd;
    int first, n;

    setup(0, 0);
    establish();
    g.a.drop_all = 1;
    tcp_send(&g.a.t, 40 * MSS);
    first = g.a.nout;
    CHECK_EQ_I64(g.a.t.rto, 200 * SIM_MS);
    CHECK_EQ_I64(g.a.t.snd_max, SEQ_A(10));

    /* The timeout: FlightSize 10 segments -> ssthresh 5, cwnd 1: only
     * the first segment goes out again. */
    run_for(200 * SIM_MS);
    n = data_out(first, seqs, 64);
    CHECK_EQ_I64(n, 1);
    CHECK_EQ_I64(seqs[0], SEQ_A(0));
    CHECK_EQ_I64(g.a.t.ssthresh, 5 * MSS);
    CHECK_EQ_I64(g.a.t.cwnd, MSS);
    CHECK_EQ_I64(g.a.t.cstate, CS_LOSS);
    CHECK_EQ_I64(g.a.t.recover, SEQ_A(10));

    /* ACK segment by segment; each ACK's cwnd from the formulas. */
    cwnd = MSS;
    for (uint32_t k = 1; k <= 20; k++) {
        first = g.a.nout;
        ack_a(SEQ_A(k));
        if (cwnd < 5 * MSS)
            cwnd += MSS;
        else
            cwnd += MSS * MSS / cwnd;
        CHECK_EQ_I64(g.a.t.cwnd, cwnd);
        /* What goes out fills the window from SND.UNA, whole segments only
         * (SWS avoidance): SND.NXT ends at the last whole segment in it. */
        CHECK_EQ_I64(g.a.t.snd_nxt, SEQ_A(k + cwnd / MSS));
        CHECK_EQ_I64(g.a.t.cstate, k < 10 ? CS_LOSS : CS_OPEN);
        for (int i = first; i < g.a.nout && i < MAX_LOG; i++)
            CHECK(g.a.out[i].s.len == 0 || g.a.out[i].s.len == MSS);
    }
    /* Slow start to 5 segments (4 ACKs), then 1460^2/cwnd per ACK. */
    CHECK(g.a.t.cwnd > 6 * MSS && g.a.t.cwnd < 8 * MSS);
    teardown();
}

/*
 * RFC 5681 3.2, RFC 3042, RFC 6582: the first and second duplicate ACKs
 * each let one new segment out (limited transmit, cwnd unchanged); the
 * third retransmits the lost segment at once (fast retransmit), sets
 * ssthresh to half the flight without the limited-transmit segments and
 * cwnd = ssthresh + 3 SMSS; further duplicates add an SMSS each; the ACK
 * of everything sent before recovery began sets cwnd = ssthresh.  No
 * timeout is involved.
 */
static void fast_retransmit_at_the_third_duplicate_ack(void)
{
    uint32_t seqs[64];
    int first, n;
    sim_time t0, rexmt_at;

    setup(0, 0);
    establish();
    g.a.drop_all = 1;
    tcp_send(&g.a.t, 30 * MSS);
    t0 = sim_now(g.s);
    rexmt_at = tcp_timer_deadline(&g.a.t, TT_REXMT);
    CHECK_EQ_I64(rexmt_at, t0 + 200 * SIM_MS);

    /* Segment 0 arrives, 1 is lost: the ACK of 0 opens cwnd to 11. */
    first = g.a.nout;
    ack_a(SEQ_A(1));
    CHECK_EQ_I64(g.a.t.cwnd, 11 * MSS);
    n = data_out(first, seqs, 64);
    CHECK_EQ_I64(n, 2);
    CHECK_EQ_I64(seqs[0], SEQ_A(10));
    CHECK_EQ_I64(seqs[1], SEQ_A(11));

    /* Duplicates 1 and 2: one new segment each, cwnd unchanged. */
    for (int d = 1; d <= 2; d++) {
        first = g.a.nout;
        ack_a(SEQ_A(1));
        n = data_out(first, seqs, 64);
        CHECK_EQ_I64(n, 1);
        CHECK_EQ_I64(seqs[0], SEQ_A(11 + d));
        CHECK_EQ_I64(g.a.t.cwnd, 11 * MSS);
        CHECK_EQ_I64(g.a.t.dupacks, d);
        CHECK_EQ_I64(g.a.t.cstate, CS_OPEN);
    }
    /* Duplicate 3: segment 1 again, now; FlightSize 13 segments, of which
     * 2 were limited transmit: ssthresh = 11 x 1460 / 2 = 8030. */
    first = g.a.nout;
    ack_a(SEQ_A(1));
    n = data_out(first, seqs, 64);
    CHECK_EQ_I64(n, 1);
    CHECK_EQ_I64(seqs[0], SEQ_A(1));
    CHECK_EQ_I64(g.a.out[first].s.len, MSS);
    CHECK_EQ_I64(g.a.out[first].at, t0);
    CHECK_EQ_I64(g.a.t.cstate, CS_RECOVERY);
    CHECK_EQ_I64(g.a.t.ssthresh, 8030);
    CHECK_EQ_I64(g.a.t.cwnd, 8030 + 3 * MSS);
    CHECK_EQ_I64(g.a.t.recover, SEQ_A(14));
    CHECK_EQ_I64(g.a.t.snd_nxt, SEQ_A(14)); /* SND.NXT stays */
    /* The retransmit timer is left as it was (RFC 6298 5.3 restarts it on
     * new data acknowledged only). */
    CHECK_EQ_I64(tcp_timer_deadline(&g.a.t, TT_REXMT), rexmt_at);

    /* Further duplicates inflate cwnd by an SMSS: new data once SND.UNA +
     * cwnd passes SND.NXT by a whole segment. */
    for (int d = 4; d <= 7; d++) {
        first = g.a.nout;
        ack_a(SEQ_A(1));
        CHECK_EQ_I64(g.a.t.cwnd, 8030 + (uint32_t)d * MSS);
        n = data_out(first, seqs, 64);
        /* 8030 + 7 x 1460 = 18250 >= 13 segments + 730: none yet at 7. */
        CHECK_EQ_I64(n, 0);
    }
    first = g.a.nout;
    ack_a(SEQ_A(1)); /* 8: 19710 from SEQ_A(1) reaches SEQ_A(14) + 730 */
    CHECK_EQ_I64(data_out(first, seqs, 64), 0);
    ack_a(SEQ_A(1)); /* 9: 21170, one whole segment more */
    n = data_out(first, seqs, 64);
    CHECK_EQ_I64(n, 1);
    CHECK_EQ_I64(seqs[0], SEQ_A(14));

    /* The ACK of everything before recover (a full ACK) ends recovery. */
    ack_a(SEQ_A(14));
    CHECK_EQ_I64(g.a.t.cstate, CS_OPEN);
    CHECK_EQ_I64(g.a.t.cwnd, 8030);
    CHECK_EQ_I64(g.a.t.dupacks, 0);
    CHECK_EQ_I64(g.a.give_ups, 0);
    teardown();
}

/*
 * RFC 6582 3.2 step 4: in fast recovery a partial ACK retransmits the next
 * hole at once, deflates cwnd by what it acknowledged (plus an SMSS back),
 * and restarts the retransmit timer on the first partial ACK only (the
 * Impatient variant, as ns-3).  RFC 6582 3.2 step 1: after a timeout, no
 * fast retransmit until recover is acknowledged.
 */
static void newreno_partial_ack_retransmits_the_next_hole(void)
{
    uint32_t seqs[64];
    int first, n;
    sim_time timer;

    setup(0, 0);
    establish();
    g.a.drop_all = 1;
    tcp_send(&g.a.t, 10 * MSS);
    /* Segments 0, 4 and 7 lost: 6 duplicate ACKs of SEQ_A(0) (1-3, 5, 6,
     * 8 and 9 arrived; no new data to send on the first two). */
    for (int d = 1; d <= 3; d++)
        ack_a(SEQ_A(0));
    CHECK_EQ_I64(g.a.t.cstate, CS_RECOVERY);
    CHECK_EQ_I64(g.a.t.ssthresh, 5 * MSS);
    for (int d = 4; d <= 7; d++)
        ack_a(SEQ_A(0));
    CHECK_EQ_I64(g.a.t.cwnd, 5 * MSS + 7 * MSS);

    /* The retransmitted 0 fills the first hole: ACK of 4, partial. */
    run_for(5 * SIM_MS);
    first = g.a.nout;
    ack_a(SEQ_A(4));
    n = data_out(first, seqs, 64);
    CHECK_EQ_I64(n, 1);
    CHECK_EQ_I64(seqs[0], SEQ_A(4));
    CHECK_EQ_I64(g.a.t.cwnd, 12 * MSS - 4 * MSS + MSS);
    CHECK_EQ_I64(g.a.t.cstate, CS_RECOVERY);
    timer = tcp_timer_deadline(&g.a.t, TT_REXMT);
    CHECK_EQ_I64(timer, sim_now(g.s) + 200 * SIM_MS); /* restarted: the first */

    /* The next partial ACK (of 7): 7 goes out, the timer stays. */
    run_for(5 * SIM_MS);
    first = g.a.nout;
    ack_a(SEQ_A(7));
    n = data_out(first, seqs, 64);
    CHECK_EQ_I64(n, 1);
    CHECK_EQ_I64(seqs[0], SEQ_A(7));
    CHECK_EQ_I64(g.a.t.cwnd, 9 * MSS - 3 * MSS + MSS);
    CHECK_EQ_I64(tcp_timer_deadline(&g.a.t, TT_REXMT), timer);

    /* It is lost too: the timeout ends recovery (LOSS, recover = SND.MAX),
     * and three duplicate ACKs then start no fast retransmit. */
    run_for(300 * SIM_MS);
    CHECK_EQ_I64(g.a.t.cstate, CS_LOSS);
    CHECK_EQ_I64(g.a.t.cwnd, MSS);
    CHECK_EQ_I64(g.a.t.ssthresh, 2 * MSS); /* max(3 segments / 2, 2 SMSS) */
    first = g.a.nout;
    for (int d = 1; d <= 4; d++)
        ack_a(SEQ_A(7));
    CHECK_EQ_I64(data_out(first, seqs, 64), 0);
    CHECK_EQ_I64(g.a.t.dupacks, 0);
    CHECK_EQ_I64(g.a.t.cwnd, MSS);
    teardown();
}

/* A full window through the harness with one loss: fast retransmit, no
 * timeout, every byte delivered in order once. */
static void one_loss_recovers_without_a_timeout(void)
{
    setup(0, 0);
    establish();
    g.a.drop_data = 1u << 3; /* the fourth data segment */
    tcp_send(&g.a.t, 40 * MSS);
    run_for(100 * SIM_MS); /* far less than the 200 ms RTO */
    CHECK_EQ_I64(g.b.bytes, 40 * MSS);
    CHECK_EQ_I64(g.b.misordered, 0);
    CHECK_EQ_I64(g.a.t.snd_una, SEQ_A(40));
    CHECK_EQ_I64(g.a.t.rexmt_count, 0);
    CHECK_EQ_I64(g.a.ndata, 41);
    CHECK_EQ_I64(g.a.t.cstate, CS_OPEN);
    teardown();
}

/*
 * RFC 5681 3.1: after a retransmitted SYN-ACK the initial window is one
 * segment.
 */
static void initial_window_is_one_segment_after_a_lost_syn_ack(void)
{
    uint32_t seqs[8];

    setup(0, 0);
    g.a.drop_nth = 0; /* A's SYN-ACK */
    tcp_listen(&g.a.t);
    tcp_connect(&g.b.t);
    run_for(1100 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.a.t.cwnd, MSS);
    int first = g.a.nout;

    g.a.drop_all = 1;
    tcp_send(&g.a.t, 5 * MSS);
    CHECK_EQ_I64(data_out(first, seqs, 8), 1);
    teardown();
}

/*
 * The receiver keeps segments that arrive out of order, answers each with
 * an immediate duplicate ACK, and delivers everything in order when the
 * gap fills (RFC 5681 4.2: that ACK goes at once); a FIN that came early
 * is taken in turn, and the same ACK covers it.
 */
static void out_of_order_segments_are_reassembled(void)
{
    uint32_t b0 = ISS_B + 1;

    setup(0, 10 * SIM_MS); /* delayed ACKs: the immediate ones stand out */
    establish();
    int first = g.a.nout;

    inject(&g.a, mkseg(b0 + 1000, ISS_A + 1, 1000, SEG_ACK));
    inject(&g.a, mkseg(b0 + 3000, ISS_A + 1, 500, SEG_ACK | SEG_FIN));
    CHECK_EQ_I64(g.a.nout, first + 2);
    CHECK_PURE_ACK(&g.a.out[first], &g.a);
    CHECK_EQ_I64(g.a.out[first + 1].s.ack, b0);
    CHECK_EQ_I64(g.a.bytes, 0);
    CHECK(g.a.t.ooo != NULL);
    CHECK_EQ_I64(g.a.t.ooo->n, 2);
    /* Overlapping and adjacent pieces merge. */
    inject(&g.a, mkseg(b0 + 1500, ISS_A + 1, 1500, SEG_ACK));
    CHECK_EQ_I64(g.a.t.ooo->n, 1);
    CHECK_EQ_I64(g.a.t.ooo->r[0].start, b0 + 1000);
    CHECK_EQ_I64(g.a.t.ooo->r[0].end, b0 + 3500);
    /* The gap fills: 3500 bytes delivered in order, then the FIN. */
    first = g.a.nout;
    inject(&g.a, mkseg(b0, ISS_A + 1, 1000, SEG_ACK));
    CHECK_EQ_I64(g.a.bytes, 3500);
    CHECK_EQ_I64(g.a.misordered, 0);
    CHECK_EQ_I64(g.a.fins, 1);
    CHECK_EQ_I64(g.a.t.rcv_nxt, b0 + 3501);
    CHECK_EQ_I64(g.a.t.state, TCP_S_CLOSE_WAIT);
    CHECK(g.a.t.ooo == NULL); /* nothing out of order: the block went back */
    /* One ACK, at once, for the data and the FIN. */
    CHECK_EQ_I64(g.a.nout, first + 1);
    CHECK_EQ_I64(g.a.out[first].s.ack, b0 + 3501);
    CHECK_EQ_I64(g.a.out[first].at, sim_now(g.s));
    teardown();
}

/*
 * A segment carrying data and the FIN in order draws one ACK that covers
 * both (RFC 9293 3.10.7.4), not an ACK of the data and then one of the FIN:
 * an ACK of the data alone would look like a partial ACK to a sender in
 * fast recovery and make it resend its FIN.
 */
static void data_and_fin_draw_one_ack(void)
{
    uint32_t b0 = ISS_B + 1;

    setup(0, 0);
    establish();
    int first = g.a.nout;

    inject(&g.a, mkseg(b0, ISS_A + 1, 1000, SEG_ACK | SEG_FIN));
    CHECK_EQ_I64(g.a.bytes, 1000);
    CHECK_EQ_I64(g.a.fins, 1);
    CHECK_EQ_I64(g.a.nout, first + 1);
    CHECK_EQ_I64(g.a.out[first].s.ack, b0 + 1001);
    teardown();
}

/*
 * tcp.recovery = go_back_n, the old sender: the receiver's whole window
 * from the start, no fast retransmit, and a timeout resends everything
 * outstanding at once.
 */
static void go_back_n_sends_the_window_and_resends_it_whole(void)
{
    uint32_t seqs[128];
    int first;

    setup(0, 0);
    g.cfg.go_back_n = 1;
    establish();
    g.a.drop_all = 1;
    first = g.a.nout;
    tcp_send(&g.a.t, 30 * MSS);
    CHECK_EQ_I64(data_out(first, seqs, 128), 30);
    for (int d = 0; d < 5; d++)
        ack_a(SEQ_A(1));
    CHECK_EQ_I64(data_out(first, seqs, 128), 30);
    first = g.a.nout;
    run_for(250 * SIM_MS);
    CHECK_EQ_I64(data_out(first, seqs, 128), 29);
    CHECK_EQ_I64(seqs[0], SEQ_A(1));
    CHECK_EQ_I64(seqs[28], SEQ_A(29));
    teardown();
}

/* ---- RST and SYN in a synchronized state (RFC 5961) -------------------- */

/* A16/R63: an RST with seq == RCV.NXT is the acceptable RST and aborts. */
static void a16_r63_rst_at_rcv_nxt_aborts(void)
{
    setup(0, 0);
    establish();
    int n = g.a.nout;

    inject(&g.a, mkseg(g.a.t.rcv_nxt, 0, 0, SEG_RST));
    CHECK_EQ_I64(g.a.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(last_tr(&g.a)->old, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(last_tr(&g.a)->why, TCP_E_RCV_RST);
    CHECK_EQ_I64(g.a.nout, n);
    teardown();
}

/*
 * A16/R63: an in-window RST with seq != RCV.NXT does not abort; it draws one
 * challenge ACK, and no more until an acceptable non-RST segment arrives.
 */
static void a16_r63_in_window_rst_draws_one_challenge_ack(void)
{
    setup(0, 0);
    establish();
    uint32_t rn = g.a.t.rcv_nxt;
    int n = g.a.nout, ntr = g.a.ntr, nin = g.a.nin;

    inject(&g.a, mkseg(rn + 100, 0, 0, SEG_RST));
    CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.a.nout, n + 1);
    CHECK_PURE_ACK(last_out(&g.a), &g.a);
    /* R63: in the window but not at RCV.NXT, so not acceptable: it restarts
     * no FIN_WAIT_2 timer. */
    CHECK_EQ_I64(g.a.in[nin].acceptable, 0);

    /* A second one, at the window's last sequence number: no further ACK. */
    inject(&g.a, mkseg(rn + g.cfg.window - 1, 0, 0, SEG_RST));
    CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.a.nout, n + 1);

    /* An acceptable pure ACK draws no reply but re-enables the challenge. */
    inject(&g.a, mkseg(rn, g.a.t.snd_nxt, 0, SEG_ACK));
    CHECK_EQ_I64(g.a.nout, n + 1);
    inject(&g.a, mkseg(rn + 1, 0, 0, SEG_RST | SEG_ACK));
    CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
    CHECK_EQ_I64(g.a.nout, n + 2);
    CHECK_PURE_ACK(last_out(&g.a), &g.a);
    CHECK_EQ_I64(g.a.ntr, ntr);
    teardown();
}

/* R63: an RST outside the receive window is dropped silently. */
static void r63_rst_outside_window_dropped_silently(void)
{
    setup(0, 0);
    establish();
    uint32_t rn = g.a.t.rcv_nxt;
    int n = g.a.nout, ntr = g.a.ntr, nin = g.a.nin;
    static const int64_t off[] = {-1, 65535, 1000000, -100000};

    for (size_t i = 0; i < sizeof off / sizeof *off; i++) {
        inject(&g.a, mkseg(rn + (uint32_t)off[i], 0, 0, SEG_RST));
        CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
        CHECK_EQ_I64(g.a.nout, n);
        CHECK_EQ_I64(g.a.nin, nin + (int)i + 1);
        CHECK_EQ_I64(g.a.in[nin + i].acceptable, 0);
    }
    CHECK_EQ_I64(g.a.ntr, ntr);
    teardown();
}

/*
 * R64 (and RFC 5961 4): a SYN in a synchronized state, in or out of the
 * window, draws an ACK and leaves the state alone.  Uploading on seq ==
 * RCV.NXT is the holder's business; tcp.c only answers.
 */
static void r64_syn_in_synchronized_state_draws_challenge_ack(void)
{
    setup(0, 0);
    establish();
    static const int64_t off[] = {0, 10, -1, 70000};

    for (int phase = 0; phase < 3; phase++) {
        /* ESTABLISHED, then A in FIN_WAIT_2 and B in CLOSE_WAIT. */
        peer *p = phase == 2 ? &g.b : &g.a;
        tcp_state st = p->t.state;

        if (phase == 1) {
            tcp_close(&g.a.t, 1);
            run_for(10 * SIM_MS);
            st = g.a.t.state;
            CHECK_EQ_I64(st, TCP_S_FIN_WAIT_2);
        }
        if (phase == 2)
            CHECK_EQ_I64(st, TCP_S_CLOSE_WAIT);
        for (size_t i = 0; i < sizeof off / sizeof *off; i++) {
            int n = p->nout, ntr = p->ntr;

            /* R64: at most one challenge ACK per 3 s, so space the SYNs out. */
            run_for(3 * SIM_S);
            n = p->nout;
            inject(p, mkseg(p->t.rcv_nxt + (uint32_t)off[i], 0, 0, SEG_SYN));
            CHECK_EQ_I64(p->t.state, st);
            CHECK_EQ_I64(p->ntr, ntr);
            CHECK_EQ_I64(p->nout, n + 1);
            CHECK_PURE_ACK(last_out(p), p);
            /* A second in-window SYN within 3 s draws nothing; a SYN outside
             * the window is an unacceptable segment and is always ACKed. */
            inject(p, mkseg(p->t.rcv_nxt + (uint32_t)off[i], 0, 0, SEG_SYN));
            CHECK_EQ_I64(p->nout, n + 1 + (off[i] < 0 || off[i] >= 65535));
            CHECK_EQ_I64(p->t.state, st);
        }
    }
    teardown();
}

/*
 * R64's 3 s are kept in the block of what arrived out of order, which an
 * endpoint then keeps after its gaps are filled: a reassembly between two
 * SYNs forgets nothing.
 */
static void r64_challenge_time_survives_reassembly(void)
{
    setup(0, 0);
    establish();
    uint32_t r = g.a.t.rcv_nxt;
    int n;

    CHECK(g.a.t.ooo == NULL);
    g.a.drop_all = 1; /* B never hears of data it did not send */
    n = g.a.nout;
    inject(&g.a, mkseg(r, 0, 0, SEG_SYN));
    CHECK_EQ_I64(g.a.nout, n + 1); /* the challenge ACK */
    CHECK(g.a.t.ooo != NULL && g.a.t.ooo->n == 0);
    run_for(SIM_S);
    inject(&g.a, mkseg(r + 100, g.a.t.snd_nxt, 100, SEG_ACK)); /* a gap */
    CHECK(g.a.t.ooo != NULL && g.a.t.ooo->n == 1);
    inject(&g.a, mkseg(r, g.a.t.snd_nxt, 100, SEG_ACK)); /* filled */
    CHECK_EQ_I64(g.a.t.rcv_nxt, r + 200);
    CHECK(g.a.t.ooo != NULL && g.a.t.ooo->n == 0 && !g.a.t.ooo->fin);
    CHECK_EQ_I64(g.a.bytes, 200);
    n = g.a.nout;
    inject(&g.a, mkseg(g.a.t.rcv_nxt, 0, 0, SEG_SYN));
    CHECK_EQ_I64(g.a.nout, n); /* 1 s after the first: nothing */
    run_for(2 * SIM_S);
    n = g.a.nout;
    inject(&g.a, mkseg(g.a.t.rcv_nxt, 0, 0, SEG_SYN));
    CHECK_EQ_I64(g.a.nout, n + 1); /* 3 s after: another */
    teardown();
}

/* ---- A3: the acceptable-segment test ----------------------------------- */

/* A3: a keep-alive probe (seq = RCV.NXT - 1, no data) is not acceptable, and draws an ACK. */
static void a3_keepalive_probe_not_acceptable(void)
{
    for (int exact = 0; exact <= 1; exact++) {
        setup(exact, 0);
        establish();
        int nin = g.a.nin, nout = g.a.nout;

        tcp_keepalive(&g.b.t);
        const out_rec *probe = last_out(&g.b);

        CHECK_EQ_I64(probe->s.seq, g.b.t.snd_nxt - 1);
        CHECK_EQ_I64(probe->s.len, 0);
        CHECK_EQ_I64(probe->s.flags, SEG_ACK);
        sim_time tp = probe->at;

        run_for(10 * SIM_MS);
        CHECK_EQ_I64(g.a.nin, nin + 1);
        CHECK_EQ_I64(g.a.in[nin].s.seq, g.a.t.rcv_nxt - 1);
        CHECK_EQ_I64(g.a.in[nin].acceptable, 0);
        CHECK_EQ_I64(g.a.nout, nout + 1);
        CHECK_PURE_ACK(last_out(&g.a), &g.a);
        CHECK_EQ_I64(last_out(&g.a)->at, tp + ONE_WAY);
        CHECK_EQ_I64(g.a.t.state, TCP_S_ESTABLISHED);
        teardown();
    }
}

/* A3: a pure ACK at seq == RCV.NXT is acceptable under either meaning. */
static void a3_pure_ack_at_rcv_nxt_acceptable(void)
{
    for (int exact = 0; exact <= 1; exact++) {
        setup(exact, 0);
        establish();
        int nin = g.a.nin, nout = g.a.nout;

        inject(&g.a, mkseg(g.a.t.rcv_nxt, g.a.t.snd_nxt, 0, SEG_ACK));
        CHECK_EQ_I64(g.a.nin, nin + 1);
        CHECK_EQ_I64(g.a.in[nin].acceptable, 1);
        CHECK_EQ_I64(g.a.nout, nout);
        teardown();
    }
}

/* A3: data in the window but beyond RCV.NXT passes the window test, not the exact one. */
static void a3_in_window_data_beyond_rcv_nxt(void)
{
    for (int exact = 0; exact <= 1; exact++) {
        setup(exact, 0);
        establish();
        uint32_t rn = g.a.t.rcv_nxt;
        int nin = g.a.nin, nout = g.a.nout;

        inject(&g.a, mkseg(rn + 1460, g.a.t.snd_nxt, 100, SEG_ACK));
        CHECK_EQ_I64(g.a.nin, nin + 1);
        CHECK_EQ_I64(g.a.in[nin].acceptable, !exact);
        /* Out of order: not delivered, and a duplicate ACK goes back. */
        CHECK_EQ_I64(g.a.bytes, 0);
        CHECK_EQ_I64(g.a.t.rcv_nxt, rn);
        CHECK_EQ_I64(g.a.nout, nout + 1);
        CHECK_PURE_ACK(last_out(&g.a), &g.a);
        teardown();
    }
}

/* ---- TIME_WAIT and data after close ------------------------------------ */

/* RFC 9293 3.10.7.4: a retransmitted FIN in TIME_WAIT is ACKed and restarts 2 MSL. */
static void time_wait_retransmitted_fin_restarts_timer(void)
{
    setup(0, 0);
    establish();
    close_to_time_wait();
    sim_time old = tcp_tw_deadline(&g.a.t);

    run_for(10 * SIM_S);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    sim_time now = sim_now(g.s);
    int n = g.a.nout;

    inject(&g.a, mkseg(g.a.t.rcv_nxt - 1, g.a.t.snd_nxt, 0, SEG_FIN | SEG_ACK));
    CHECK_EQ_I64(g.a.nout, n + 1);
    CHECK_PURE_ACK(last_out(&g.a), &g.a);
    CHECK_EQ_I64(tcp_tw_deadline(&g.a.t), now + g.cfg.time_wait);
    CHECK_EQ_I64(tcp_timer_deadline(&g.a.t, TT_2MSL), now + g.cfg.time_wait);
    sim_run(g.s, old);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    sim_run(g.s, now + g.cfg.time_wait - 1);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    sim_run(g.s, now + g.cfg.time_wait);
    CHECK_EQ_I64(g.a.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(last_tr(&g.a)->why, TCP_E_TIMEOUT_2MSL);
    CHECK_EQ_I64(last_tr(&g.a)->at, now + g.cfg.time_wait);
    teardown();
}

/* A closes fully (or only shuts down) and waits in FIN_WAIT_2; B then sends 500 bytes. */
static void data_into_fin_wait_2(int full, int reset)
{
    setup(0, 0);
    establish();
    g.a.reset_after_close = reset;
    tcp_close(&g.a.t, full);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSE_WAIT);
    tcp_send(&g.b.t, 500);
}

/* RFC 1122 4.2.2.13: new data after close() is answered with an RST. */
static void data_after_full_close_draws_rst(void)
{
    data_into_fin_wait_2(1, 1);
    int n = g.a.nout;

    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.bytes, 0);
    CHECK_EQ_I64(g.a.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(last_tr(&g.a)->old, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(last_tr(&g.a)->why, TCP_E_ABORT);
    CHECK_EQ_I64(g.a.nout, n + 1);
    CHECK(g.a.out[n].s.flags & SEG_RST);
    CHECK_EQ_I64(g.a.out[n].s.seq, ISS_A + 2); /* SND.NXT, after SYN and FIN */
    /* The RST is at B's RCV.NXT, so it aborts B too. */
    CHECK_EQ_I64(g.b.t.state, TCP_S_CLOSED);
    CHECK_EQ_I64(last_tr(&g.b)->why, TCP_E_RCV_RST);
    teardown();
}

static void data_after_full_close_delivered_when_no_reset(void)
{
    data_into_fin_wait_2(1, 0);
    int n = g.a.nout;

    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.bytes, 500);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g.a.nout, n + 1);
    CHECK_PURE_ACK(last_out(&g.a), &g.a);
    CHECK_EQ_I64(last_out(&g.a)->s.ack, (uint32_t)(ISS_B + 1 + 500));
    CHECK_EQ_I64(g.b.t.snd_una, (uint32_t)(ISS_B + 1 + 500));
    teardown();
}

static void data_after_shutdown_delivered(void)
{
    data_into_fin_wait_2(0, 1);
    int n = g.a.nout;

    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.bytes, 500);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g.a.nout, n + 1);
    CHECK_PURE_ACK(last_out(&g.a), &g.a);
    CHECK_EQ_I64(last_out(&g.a)->s.ack, (uint32_t)(ISS_B + 1 + 500));
    teardown();
}

/*
 * tcp_ops.fin_wait_2_only: the segment hooks see the segments that arrive
 * in FIN_WAIT_2 and no other, the predicted ones (data, pure ACKs) and the
 * others (SYN, FIN) alike; the ACK that moves FIN_WAIT_1 to FIN_WAIT_2
 * arrived before it.
 */
static void fin_wait_2_only_hooks_see_fin_wait_2_segments(void)
{
    setup(0, 0);
    g.cfg.ops = &ops_fw2;
    establish();
    tcp_send(&g.b.t, 3000);
    run_for(10 * SIM_MS);
    tcp_send(&g.a.t, 3000);
    tcp_close(&g.a.t, 0);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.bytes, 3000);
    CHECK_EQ_I64(g.b.bytes, 3000);
    CHECK_EQ_I64(g.a.t.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g.a.nin + g.a.ndone + g.b.nin + g.b.ndone, 0);
    tcp_send(&g.b.t, 2000); /* two segments, each ACKed at once */
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.bytes, 5000);
    CHECK_EQ_I64(g.a.nin, 2);
    CHECK_EQ_I64(g.a.ndone, 2);
    CHECK_EQ_I64(g.a.in[0].acceptable, 1);
    CHECK_EQ_I64(g.a.in[1].s.len, 2000 - g.cfg.mss);
    tcp_close(&g.b.t, 1); /* its FIN ends FIN_WAIT_2: seen, and done */
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.a.t.state, TCP_S_TIME_WAIT);
    CHECK_EQ_I64(g.a.nin, 3);
    CHECK_EQ_I64(g.a.ndone, 3);
    CHECK(g.a.in[2].s.flags & SEG_FIN);
    CHECK_EQ_I64(g.b.nin + g.b.ndone, 0); /* B never was in FIN_WAIT_2 */
    teardown();
}

/* ---- RST replies (RFC 9293 3.10.7.1-3) -------------------------------- */

static void reset_reply_forms(void)
{
    seg out;
    seg in;

    /* With ACK: <SEQ=SEG.ACK><CTL=RST>. */
    in = mkseg(100, 5000, 10, SEG_ACK);
    memset(&out, 0xa5, sizeof out);
    CHECK_EQ_I64(tcp_reset_reply(&in, &out), 1);
    CHECK_EQ_I64(out.seq, 5000);
    CHECK_EQ_I64(out.flags, SEG_RST);
    CHECK_EQ_I64(out.len, 0);

    /* Without ACK: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>; SEG.LEN counts SYN and FIN. */
    in = mkseg(100, 0, 0, SEG_SYN);
    memset(&out, 0xa5, sizeof out);
    CHECK_EQ_I64(tcp_reset_reply(&in, &out), 1);
    CHECK_EQ_I64(out.seq, 0);
    CHECK_EQ_I64(out.ack, 101);
    CHECK_EQ_I64(out.flags, SEG_RST | SEG_ACK);
    CHECK_EQ_I64(out.len, 0);

    in = mkseg(0xfffffff0u, 0, 20, SEG_FIN);
    CHECK_EQ_I64(tcp_reset_reply(&in, &out), 1);
    CHECK_EQ_I64(out.seq, 0);
    CHECK_EQ_I64(out.ack, 5); /* 0xfffffff0 + 21, modulo 2^32 */
    CHECK_EQ_I64(out.flags, SEG_RST | SEG_ACK);

    /* An RST is never answered. */
    in = mkseg(100, 0, 0, SEG_RST);
    CHECK_EQ_I64(tcp_reset_reply(&in, &out), 0);
    in = mkseg(100, 5000, 0, SEG_RST | SEG_ACK);
    CHECK_EQ_I64(tcp_reset_reply(&in, &out), 0);
}

/* RFC 9293 3.10.7.2: in LISTEN an ACK draws <SEQ=SEG.ACK><CTL=RST>; an RST is ignored. */
static void listen_answers_ack_with_rst(void)
{
    setup(0, 0);
    tcp_listen(&g.a.t);
    inject(&g.a, mkseg(7, 1234, 0, SEG_ACK));
    CHECK_EQ_I64(g.a.nout, 1);
    CHECK_EQ_I64(g.a.out[0].s.flags, SEG_RST);
    CHECK_EQ_I64(g.a.out[0].s.seq, 1234);
    CHECK_EQ_I64(g.a.t.state, TCP_S_LISTEN);
    inject(&g.a, mkseg(7, 1234, 0, SEG_RST | SEG_ACK));
    CHECK_EQ_I64(g.a.nout, 1);
    CHECK_EQ_I64(g.a.t.state, TCP_S_LISTEN);
    teardown();
}

/* RFC 9293 3.10.7.3: in SYN_SENT an unacceptable ACK draws <SEQ=SEG.ACK><CTL=RST>. */
static void syn_sent_bad_ack_draws_rst(void)
{
    setup(0, 0);
    tcp_connect(&g.b.t);
    int n = g.b.nout;

    inject(&g.b, mkseg(777, ISS_B + 5, 0, SEG_SYN | SEG_ACK));
    CHECK_EQ_I64(g.b.nout, n + 1);
    CHECK_EQ_I64(last_out(&g.b)->s.flags, SEG_RST);
    CHECK_EQ_I64(last_out(&g.b)->s.seq, (uint32_t)(ISS_B + 5));
    CHECK_EQ_I64(g.b.t.state, TCP_S_SYN_SENT);
    teardown();
}

/* ---- delayed ACKs (RFC 1122 4.2.3.2) ----------------------------------- */

static void delayed_ack_for_a_small_segment(void)
{
    setup(0, 200 * SIM_MS);
    /* An RTO above the ACK delay keeps B from retransmitting meanwhile. */
    g.cfg.rto_min = 1 * SIM_S;
    establish();
    int n = g.a.nout;
    sim_time t0 = sim_now(g.s);

    tcp_send(&g.b.t, 100);
    sim_run(g.s, t0 + ONE_WAY + 200 * SIM_MS - 1);
    CHECK_EQ_I64(g.a.bytes, 100);
    CHECK_EQ_I64(g.a.nout, n);
    CHECK_EQ_I64(tcp_timer_deadline(&g.a.t, TT_DELACK), t0 + ONE_WAY + 200 * SIM_MS);
    run_for(1 * SIM_S);
    CHECK_EQ_I64(g.a.nout, n + 1);
    CHECK_EQ_I64(g.a.out[n].at, t0 + ONE_WAY + 200 * SIM_MS);
    CHECK_PURE_ACK(&g.a.out[n], &g.a);
    CHECK_EQ_I64(g.a.out[n].s.ack, (uint32_t)(ISS_B + 1 + 100));
    CHECK_EQ_I64(g.b.nout, 2 + 1); /* SYN, ACK, data: no retransmission */
    teardown();
}

static void delayed_ack_every_second_full_segment(void)
{
    setup(0, 200 * SIM_MS);
    g.cfg.rto_min = 1 * SIM_S;
    establish();
    int n = g.a.nout;
    sim_time t0 = sim_now(g.s);

    tcp_send(&g.b.t, 2 * 1460);
    sim_run(g.s, t0 + ONE_WAY);
    CHECK_EQ_I64(g.a.bytes, 2 * 1460);
    CHECK_EQ_I64(g.a.nout, n + 1);
    CHECK_EQ_I64(g.a.out[n].at, t0 + ONE_WAY);
    CHECK_PURE_ACK(&g.a.out[n], &g.a);
    CHECK_EQ_I64(g.a.out[n].s.ack, (uint32_t)(ISS_B + 1 + 2 * 1460));
    CHECK(!sim_event_pending(&g.a.t.timer[TT_DELACK]));
    run_for(1 * SIM_S);
    CHECK_EQ_I64(g.a.nout, n + 1);
    teardown();
}

/* ---- RTT estimation (RFC 6298) ----------------------------------------- */

/* RFC 6298 2.2: the first sample R gives SRTT = R, RTTVAR = R/2; the RTO is at least rto_min. */
static void rtt_after_handshake(void)
{
    setup(0, 0);
    establish();
    for (int i = 0; i < 2; i++) {
        const tcp_tcb *t = i == 0 ? &g.a.t : &g.b.t;

        CHECK_EQ_I64(t->have_rtt, 1);
        CHECK_NEAR(t->srtt, 2 * ONE_WAY, 1 * SIM_US);
        CHECK_NEAR(t->rttvar, ONE_WAY, 1 * SIM_US);
        CHECK_EQ_I64(t->rto, g.cfg.rto_min);
    }
    teardown();
}

/* RFC 6298 2.2-2.3: RTO = SRTT + max(G, 4 RTTVAR), with the smoothing of 2.3. */
static void rtt_rto_formula(void)
{
    setup(0, 0);
    g.cfg.rto_min = 1 * SIM_MS;
    establish();
    /* R = 2 ms: SRTT 2 ms, RTTVAR 1 ms, RTO = 2 + 4 = 6 ms. */
    CHECK_EQ_I64(g.b.t.srtt, 2 * SIM_MS);
    CHECK_EQ_I64(g.b.t.rttvar, 1 * SIM_MS);
    CHECK_EQ_I64(g.b.t.rto, 6 * SIM_MS);
    /* A second sample of 2 ms: RTTVAR = 3/4 ms, SRTT 2 ms, RTO = 5 ms. */
    tcp_send(&g.b.t, 100);
    run_for(10 * SIM_MS);
    CHECK_EQ_I64(g.b.t.srtt, 2 * SIM_MS);
    CHECK_EQ_I64(g.b.t.rttvar, 750 * SIM_US);
    CHECK_EQ_I64(g.b.t.rto, 5 * SIM_MS);
    teardown();
}

/* The event log's state rows name both states: every pair is in the table,
 * written as the names with " -> " between them. */
static void transition_names(void)
{
    char want[64];

    for (int a = 0; a < TCP_S_N; a++)
        for (int b = 0; b < TCP_S_N; b++) {
            snprintf(want, sizeof want, "%s -> %s", tcp_state_name[a], tcp_state_name[b]);
            CHECK_EQ_STR(tcp_transition_name[a][b], want);
        }
}

static const check_test tests[] = {
    CHECK_TEST(transition_names),
    CHECK_TEST(fsm_every_state_event_pair),
    CHECK_TEST(fsm_names_are_defined),
    CHECK_TEST(fsm_state_values_match_ndischimney),
    CHECK_TEST(three_way_handshake),
    CHECK_TEST(lost_syn_retransmitted_after_initial_rto),
    CHECK_TEST(data_transfer_in_mss_segments),
    CHECK_TEST(active_and_passive_close),
    CHECK_TEST(simultaneous_close),
    CHECK_TEST(fin_ack_and_fin_in_one_segment),
    CHECK_TEST(lost_fin_retransmitted_after_rto),
    CHECK_TEST(rexmt_backoff_then_give_up),
    CHECK_TEST(initial_window_of_ten_segments),
    CHECK_TEST(rto_then_slow_start_then_congestion_avoidance),
    CHECK_TEST(fast_retransmit_at_the_third_duplicate_ack),
    CHECK_TEST(newreno_partial_ack_retransmits_the_next_hole),
    CHECK_TEST(one_loss_recovers_without_a_timeout),
    CHECK_TEST(initial_window_is_one_segment_after_a_lost_syn_ack),
    CHECK_TEST(out_of_order_segments_are_reassembled),
    CHECK_TEST(data_and_fin_draw_one_ack),
    CHECK_TEST(go_back_n_sends_the_window_and_resends_it_whole),
    CHECK_TEST(a16_r63_rst_at_rcv_nxt_aborts),
    CHECK_TEST(a16_r63_in_window_rst_draws_one_challenge_ack),
    CHECK_TEST(r63_rst_outside_window_dropped_silently),
    CHECK_TEST(r64_syn_in_synchronized_state_draws_challenge_ack),
    CHECK_TEST(r64_challenge_time_survives_reassembly),
    CHECK_TEST(a3_keepalive_probe_not_acceptable),
    CHECK_TEST(a3_pure_ack_at_rcv_nxt_acceptable),
    CHECK_TEST(a3_in_window_data_beyond_rcv_nxt),
    CHECK_TEST(time_wait_retransmitted_fin_restarts_timer),
    CHECK_TEST(data_after_full_close_draws_rst),
    CHECK_TEST(data_after_full_close_delivered_when_no_reset),
    CHECK_TEST(data_after_shutdown_delivered),
    CHECK_TEST(fin_wait_2_only_hooks_see_fin_wait_2_segments),
    CHECK_TEST(reset_reply_forms),
    CHECK_TEST(listen_answers_ack_with_rst),
    CHECK_TEST(syn_sent_bad_ack_draws_rst),
    CHECK_TEST(delayed_ack_for_a_small_segment),
    CHECK_TEST(delayed_ack_every_second_full_segment),
    CHECK_TEST(rtt_after_handshake),
    CHECK_TEST(rtt_rto_formula),
};

CHECK_MAIN(tests)
