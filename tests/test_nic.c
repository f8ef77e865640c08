/*
 * test_nic.c - the NIC object on its own, under a stub owner: no host, no
 * world, only offload/nic.h and the engine.  The stub records what the NIC
 * tells its owner through nic_ops (state changes, indications, segments),
 * in order, so that each test checks the NIC's half of a rule and the
 * interface it speaks (R9's capacity, R13-R20, R39, R45, R46, R50, A1, A5, A8).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "engine/sim.h"
#include "offload/nic.h"

/* ---- a stub owner ---------------------------------------------------------- */

typedef struct call {
    char kind;               /* 'o' output, 's' state, 'd' deliver, 'i' indicate */
    int a, b;                /* output: flags, seq; state: old, why; indicate: what,
                                want_upload */
    sim_time t;
} call;

static call g_calls[64];
static int g_ncalls;

static void record(char kind, int a, int b, sim_time t)
{
    if (g_ncalls < (int)(sizeof g_calls / sizeof *g_calls))
        g_calls[g_ncalls++] = (call){kind, a, b, t};
}

static sim *g_s;

static void own_output(nic_conn *nc, const seg *s)
{
    (void)nc;
    record('o', s->flags, (int)s->seq, sim_now(g_s));
}

static void own_state(nic_conn *nc, tcp_state old, tcp_event why)
{
    (void)nc;
    record('s', old, why, sim_now(g_s));
}

static void own_deliver(nic_conn *nc, uint32_t bytes, int fin)
{
    (void)nc;
    record('d', (int)bytes, fin, sim_now(g_s));
}

static void own_indicate(nic_conn *nc, nic_indication what, int want_upload)
{
    (void)nc;
    record('i', what, want_upload, sim_now(g_s));
}

static const nic_ops stub_ops = {own_output, own_state, own_deliver, own_indicate};

/* The holder before the offload: timers as asked, nothing sent. */
static void h_output(tcp_tcb *t, const seg *s)
{
    (void)t;
    (void)s;
}

static sim_time h_deadline(tcp_tcb *t, sim_time delay)
{
    return sim_now(tcp_sim(t)) + delay;
}

static void h_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    (void)t;
    (void)old;
    (void)why;
}

static void h_fw2_timeout(tcp_tcb *t)
{
    (void)t;
}

static const tcp_ops host_stub_ops = {
    .output = h_output,
    .deadline = h_deadline,
    .state_entered = h_state_entered,
    .fw2_timeout = h_fw2_timeout,
};

static tcp_cfg endpoint = { /* .s: the test's engine */
    .mss = 1460,
    .window = 65535,
    .rto_initial = SIM_S,
    .rto_min = SIM_S,
    .rto_max = 60 * SIM_S,
    .granularity = SIM_MS,
    .max_retries = 5,
    .time_wait = 240 * SIM_S,
    .initial_window = 10,
};

static const nic_params params_default = {
    .capacity = 65536,
    .ticks_per_second = 1000,
    .tick_mode = TICK_MODE_CEIL,
    .fin_wait_2_timeout = 120 * SIM_S,
    .offload_latency = 20 * SIM_US,
    .upload_latency = 20 * SIM_US,
    .on_unset_delta = UNSET_DELTA_NONE,
    .expired_delta = -1,
};

/* A far-off event keeps something pending, so that sim_run(s, until)
 * always moves the clock to `until`. */
static void horizon_fired(sim *s, sim_event *ev)
{
    (void)s;
    (void)ev;
}

typedef struct fixture {
    sim_event horizon;
    trace_buf tb;
    nic *n;
    nic_conn nc;
    tcp_tcb t;
    tcp_delegated d;
} fixture;

/* A NIC under the stub, and a connection the "host" holds in `state`. */
static void fix_init(fixture *x, const nic_params *p, tcp_state state)
{
    memset(x, 0, sizeof *x);
    g_ncalls = 0;
    CHECK_EQ_I64(sim_create(&g_s), 0);
    sim_event_init(&x->horizon, horizon_fired);
    sim_schedule(g_s, &x->horizon, 1000000 * SIM_S);
    trace_init(&x->tb, 1, NULL);
    CHECK_EQ_I64(nic_create(p, g_s, &x->tb, &x->n), 0);
    endpoint.s = g_s;
    endpoint.ops = &host_stub_ops;
    nic_set_owner(x->n, &stub_ops, &endpoint,
                  (ptrdiff_t)offsetof(fixture, nc) - (ptrdiff_t)offsetof(fixture, t));
    nic_conn_init(&x->nc);
    tcp_init(&x->t, &endpoint, 1000);
    x->t.id = 7; /* its connection, in the event log */
    x->t.state = state; /* straight into the state (lwIP's tcp_set_state) */
}

/* The offload of the fixture's connection with `delta`, at the current time. */
static void offload(fixture *x, int64_t delta)
{
    CHECK(nic_reserve(x->n));
    delegated_sample(&x->t, nic_clock(x->n), sim_now(g_s), delta, &x->d);
    nic_take(x->n, &x->nc, &x->t, &x->d);
}

static void fix_fini(fixture *x)
{
    nic_destroy(x->n);
    trace_fini(&x->tb);
    sim_destroy(g_s);
}

/* ---- tests ------------------------------------------------------------------ */

/* nic.capacity: a full target refuses an offload, counts it, and frees a slot on release. */
static void capacity_refuses_an_offload_when_full(void)
{
    nic_params p = params_default;
    fixture x;

    p.capacity = 2;
    fix_init(&x, &p, TCP_S_ESTABLISHED);
    CHECK(nic_reserve(x.n));
    CHECK(nic_reserve(x.n));
    CHECK(!nic_reserve(x.n));
    CHECK_EQ_I64(nic_stats_of(x.n)->refused, 1);
    CHECK_EQ_I64(nic_stats_of(x.n)->total, 2);
    CHECK_EQ_I64(nic_stats_of(x.n)->peak, 2);
    nic_release(x.n, &x.nc);
    CHECK_EQ_I64(nic_stats_of(x.n)->total, 1);
    CHECK(nic_reserve(x.n));
    fix_fini(&x);
}

/* R19: a connection offloaded in FIN_WAIT_2 runs the host's remaining ticks. */
static void r19_take_in_fin_wait_2_runs_the_delta(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_2);
    sim_run(g_s, 3 * SIM_S);
    offload(&x, 5000);
    /* the NIC's hooks hold the endpoint now */
    CHECK(x.t.cfg != &endpoint && x.t.cfg->ops != &host_stub_ops && tcp_ctx(&x.t) == &x.nc);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 3 * SIM_S + 5 * SIM_S);
    CHECK_EQ_I64(nic_stats_of(x.n)->fin_wait_2, 1);
    CHECK_EQ_I64(g_ncalls, 0); /* taking a connection tells the owner nothing */
    fix_fini(&x);
}

/* R17 with A1: expiry sets CLOSED first, then indicates TimeoutExpiration (an upload wanted). */
static void r17_a1_expiry_closes_then_indicates(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_2);
    offload(&x, 10);
    sim_run(g_s, SIM_S);
    CHECK_EQ_I64(g_ncalls, 2);
    CHECK_EQ_I64(g_calls[0].kind, 's');
    CHECK_EQ_I64(g_calls[0].a, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g_calls[0].b, TCP_E_TIMEOUT_FW2);
    CHECK_EQ_I64(g_calls[0].t, 10 * SIM_MS);
    CHECK_EQ_I64(g_calls[1].kind, 'i');
    CHECK_EQ_I64(g_calls[1].a, NIC_IND_TIMEOUT_EXPIRATION);
    CHECK_EQ_I64(g_calls[1].b, 1);
    CHECK_EQ_I64(x.t.state, TCP_S_CLOSED);
    CHECK(nic_conn_expired(&x.nc));
    CHECK_EQ_I64(nic_stats_of(x.n)->fw2_expiries, 1);
    CHECK_EQ_I64(nic_stats_of(x.n)->fin_wait_2, 0);
    /* The event log of connection 7: the timer's start with its deadline
     * (R19), its expiry, then the indication. */
    CHECK_EQ_I64(x.tb.n, 3);
    CHECK_EQ_STR(x.tb.v[0].kind, "fw2_start");
    CHECK_EQ_I64(x.tb.v[0].value, 10 * SIM_MS);
    CHECK_EQ_STR(x.tb.v[1].kind, "fw2_expire");
    CHECK_EQ_STR(x.tb.v[1].detail, "nic");
    CHECK_EQ_STR(x.tb.v[2].kind, "indicate");
    CHECK_EQ_STR(x.tb.v[2].detail, "Retrieve:TimeoutExpiration");
    CHECK_EQ_I64(x.tb.v[2].conn_id, 7);
    /* R21: nothing went on the wire. */
    for (int i = 0; i < g_ncalls; i++)
        CHECK(g_calls[i].kind != 'o');
    fix_fini(&x);
}

/* A5: after expiry the upload carries nic.expired_delta, -1 or 0. */
static void a5_give_after_expiry_reports_expired_delta(void)
{
    for (int64_t expired = -1; expired <= 0; expired++) {
        nic_params p = params_default;
        fixture x;

        p.expired_delta = expired;
        fix_init(&x, &p, TCP_S_FIN_WAIT_2);
        offload(&x, 10);
        sim_run(g_s, SIM_S);
        CHECK_EQ_I64(nic_give(x.n, &x.nc, &x.t, &x.d), expired);
        CHECK_EQ_I64(x.d.state, TCP_S_CLOSED);
        nic_release(x.n, &x.nc);
        CHECK_EQ_I64(nic_stats_of(x.n)->total, 0);
        fix_fini(&x);
    }
}

/* R20, A14: an upload carries the remaining ticks and stops the NIC's timer. */
static void r20_give_carries_the_remaining_ticks(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_2);
    offload(&x, 5000);
    sim_run(g_s, 2 * SIM_S);
    CHECK_EQ_I64(nic_give(x.n, &x.nc, &x.t, &x.d), 3000);
    CHECK(!sim_event_pending(&x.t.timer[TT_REXMT]));
    CHECK_EQ_I64(nic_stats_of(x.n)->fin_wait_2, 0);
    sim_run(g_s, 10 * SIM_S);
    CHECK_EQ_I64(g_ncalls, 0); /* A14: the timer due in transit does not indicate */
    fix_fini(&x);
}

/* R16, A4: an acceptable segment restarts the timer with the full value, through the hook. */
static void r16_acceptable_segment_restarts_the_timer(void)
{
    fixture x;
    seg s = {0, 0, 1, 0, SEG_ACK};

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_2);
    offload(&x, 5000);
    sim_run(g_s, 4 * SIM_S);
    x.t.cfg->ops->segment(&x.t, &s, 1);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 4 * SIM_S + 120 * SIM_S);
    x.t.cfg->ops->segment_done(&x.t);
    x.t.cfg->ops->segment(&x.t, &s, 0); /* A3: not acceptable, no restart */
    x.t.cfg->ops->segment_done(&x.t);
    CHECK_EQ_I64(nic_stats_of(x.n)->fw2_restarts, 1);
    fix_fini(&x);
}

/*
 * A4: a segment that ends FIN_WAIT_2 (the peer's FIN: TIME_WAIT; an RST:
 * CLOSED) stops the timer; it is not counted as a restart, whatever the
 * hook did on its arrival.  One that leaves the connection in FIN_WAIT_2 is.
 */
static void a4_a_segment_that_ends_fin_wait_2_is_no_restart(void)
{
    fixture x;
    seg ack = {0, 0, 0, 0, SEG_ACK}, fin = {0, 0, 0, 0, SEG_ACK | SEG_FIN};

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_2);
    offload(&x, 5000);
    sim_run(g_s, 4 * SIM_S);
    x.t.cfg->ops->segment(&x.t, &ack, 1);
    x.t.cfg->ops->segment_done(&x.t); /* still in FIN_WAIT_2: a restart */
    CHECK_EQ_I64(nic_stats_of(x.n)->fw2_restarts, 1);
    sim_run(g_s, 5 * SIM_S);
    x.t.cfg->ops->segment(&x.t, &fin, 1);
    tcp_set_state(&x.t, TCP_S_TIME_WAIT, TCP_E_RCV_FIN); /* what the FIN did */
    x.t.cfg->ops->segment_done(&x.t);
    CHECK_EQ_I64(nic_stats_of(x.n)->fw2_restarts, 1);
    CHECK(x.t.state == TCP_S_TIME_WAIT);
    fix_fini(&x);
}

/* R13, R46: entering FIN_WAIT_2 on the NIC indicates DisconnectComplete and starts the timer. */
static void r13_r46_fin_wait_2_on_the_nic(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_1);
    offload(&x, -1);
    tcp_set_state(&x.t, TCP_S_FIN_WAIT_2, TCP_E_RCV_ACK_OF_FIN);
    CHECK_EQ_I64(g_ncalls, 2);
    CHECK_EQ_I64(g_calls[0].kind, 's');
    CHECK_EQ_I64(g_calls[1].kind, 'i');
    CHECK_EQ_I64(g_calls[1].a, NIC_IND_DISCONNECT_COMPLETE);
    CHECK_EQ_I64(g_calls[1].b, 0);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 120 * SIM_S);
    CHECK_EQ_I64(nic_stats_of(x.n)->fin_wait_2, 1);
    fix_fini(&x);
}

/* R39, R50, A8: the peer's FIN in FIN_WAIT_2: Disconnect, then Retrieve(UploadRequested). */
static void r50_a8_time_wait_asks_for_an_upload(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_2);
    offload(&x, 5000);
    tcp_set_state(&x.t, TCP_S_TIME_WAIT, TCP_E_RCV_FIN);
    CHECK_EQ_I64(g_ncalls, 3);
    CHECK_EQ_I64(g_calls[0].kind, 's');
    CHECK_EQ_I64(g_calls[1].a, NIC_IND_DISCONNECT);
    CHECK_EQ_I64(g_calls[1].b, 0);
    CHECK_EQ_I64(g_calls[2].a, NIC_IND_UPLOAD_REQUESTED);
    CHECK_EQ_I64(g_calls[2].b, 1);
    CHECK_EQ_I64(nic_stats_of(x.n)->indications, 2);
    CHECK_EQ_STR(nic_indication_name[NIC_IND_UPLOAD_REQUESTED], "Retrieve:UploadRequested");
    fix_fini(&x);
}

/* Occupancy: the integral of slots in use over time. */
static void occupancy_integral_counts_slot_time(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_ESTABLISHED);
    sim_run(g_s, SIM_S);
    CHECK(nic_reserve(x.n));      /* one slot from 1 s */
    sim_run(g_s, 3 * SIM_S);
    CHECK(nic_reserve(x.n));      /* two from 3 s */
    sim_run(g_s, 4 * SIM_S);
    nic_integrate(x.n);
    CHECK_EQ_I64((int64_t)nic_stats_of(x.n)->area, 2 * SIM_S + 2 * SIM_S);
    fix_fini(&x);
}

/*
 * R45, R21, A17: the host's abortive disconnect of a connection the NIC
 * holds: the target puts its one RST on the wire, <SEQ=SND.NXT>, the
 * connection is CLOSED, nothing is indicated, and an upload carries -1.
 */
static void r45_abortive_disconnect_sends_the_rst(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_FIN_WAIT_2);
    x.t.snd_nxt = x.t.snd_una = x.t.snd_max = 1234;
    offload(&x, 5000);
    sim_run(g_s, 2 * SIM_S);
    nic_abort(x.n, &x.nc, &x.t);
    CHECK_EQ_I64(g_ncalls, 2);
    CHECK_EQ_I64(g_calls[0].kind, 'o');
    CHECK_EQ_I64(g_calls[0].a, SEG_RST);
    CHECK_EQ_I64(g_calls[1].kind, 's');
    CHECK_EQ_I64(g_calls[1].a, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(g_calls[1].b, TCP_E_ABORT);
    CHECK_EQ_I64(x.t.state, TCP_S_CLOSED);
    CHECK(!sim_event_pending(&x.t.timer[TT_REXMT])); /* the FIN_WAIT_2 timer stopped */
    CHECK_EQ_I64(nic_stats_of(x.n)->fin_wait_2, 0);
    CHECK_EQ_I64(nic_stats_of(x.n)->indications, 0);
    CHECK_EQ_I64(nic_give(x.n, &x.nc, &x.t, &x.d), -1);
    fix_fini(&x);
}

/*
 * A connection offloaded in ESTABLISHED with data outstanding: SND.UNA =
 * 1001, ten segments of 1460 sent, cwnd and ssthresh handed over (R8).
 */
static void offload_with_flight(fixture *x, const nic_params *p)
{
    fix_init(x, p, TCP_S_ESTABLISHED);
    x->t.snd_una = 1001;
    x->t.snd_end = 1001 + 20 * 1460;
    x->t.snd_nxt = x->t.snd_max = 1001 + 10 * 1460;
    x->t.snd_wnd = 65535;
    x->t.cwnd = 10 * 1460;
    x->t.ssthresh = 100000;
    offload(x, 1000); /* R10: the host's RTO had a second to run */
}

static void dup_ack(fixture *x)
{
    seg a = {x->t.rcv_nxt, 1001, 0, 65535, SEG_ACK};

    tcp_input(&x->t, &a);
}

/*
 * R24-R28 with RFC 5681/6582: the target holding a connection follows the
 * same congestion control: the third duplicate ACK retransmits SND.UNA at
 * once (no timer, no tick), the first two each send one new segment
 * (RFC 3042); and when that retransmission is lost too, the timeout comes
 * on the tick clock (R3) and resends one segment (cwnd 1 SMSS).
 */
static void r28_nic_fast_retransmit_then_timeout_on_ticks(void)
{
    nic_params p = params_default;
    fixture x;
    sim_time t0 = 2 * SIM_S + 300 * SIM_US;

    p.ticks_per_second = 10;
    offload_with_flight(&x, &p);
    sim_run(g_s, t0);
    g_ncalls = 0;
    dup_ack(&x);
    dup_ack(&x);
    CHECK_EQ_I64(g_ncalls, 2);
    CHECK(g_ncalls == 2 && g_calls[0].b == 1001 + 10 * 1460 && g_calls[1].b == 1001 + 11 * 1460);
    dup_ack(&x);
    CHECK_EQ_I64(g_ncalls, 3);
    CHECK_EQ_I64(g_calls[2].kind, 'o');
    CHECK_EQ_I64(g_calls[2].b, 1001);
    CHECK_EQ_I64(g_calls[2].t, t0);
    CHECK_EQ_I64(x.t.cstate, CS_RECOVERY);
    CHECK_EQ_I64(x.t.ssthresh, 5 * 1460); /* 12 sent, 2 by limited transmit */
    /* The retransmit timer from the host's delta: 1000 ticks of 100 ms. */
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 100 * SIM_S);
    g_ncalls = 0;
    sim_run(g_s, 100 * SIM_S);
    CHECK_EQ_I64(g_ncalls, 1);
    CHECK_EQ_I64(g_calls[0].b, 1001);
    CHECK_EQ_I64(g_calls[0].t, 100 * SIM_S);
    CHECK_EQ_I64(x.t.cwnd, 1460);
    CHECK_EQ_I64(x.t.cstate, CS_LOSS);
    /* The next one, backed off (2 s), on a 100 ms tick boundary. */
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT) % (100 * SIM_MS), 0);
    fix_fini(&x);
}

/*
 * R8: cwnd, ssthresh and the duplicate-ACK count cross the handoff (CWnd,
 * SsThresh, DupAckCount); a connection handed over in fast recovery
 * continues it, with SndMax as recover (the structure has no field for it).
 */
static void r8_congestion_state_crosses_to_the_nic(void)
{
    fixture x;

    fix_init(&x, &params_default, TCP_S_ESTABLISHED);
    x.t.snd_una = 1001;
    x.t.snd_end = 1001 + 20 * 1460;
    x.t.snd_nxt = x.t.snd_max = 1001 + 10 * 1460;
    x.t.snd_wnd = 65535;
    x.t.cwnd = 9 * 1460;
    x.t.ssthresh = 6 * 1460;
    x.t.dupacks = 3;
    x.t.cstate = CS_RECOVERY;
    x.t.recover = 1001 + 8 * 1460;
    offload(&x, 500);
    CHECK_EQ_I64(x.d.cwnd, 9 * 1460);
    CHECK_EQ_I64(x.d.ssthresh, 6 * 1460);
    CHECK_EQ_I64(x.d.dup_ack_count, 3);
    CHECK_EQ_I64(x.t.cstate, CS_RECOVERY);
    CHECK_EQ_I64(x.t.recover, 1001 + 10 * 1460);
    CHECK_EQ_I64(x.t.cwnd, 9 * 1460);
    /* A further duplicate ACK inflates cwnd, as before the handoff. */
    g_ncalls = 0;
    dup_ack(&x);
    CHECK_EQ_I64(x.t.cwnd, 10 * 1460);
    fix_fini(&x);
}

static const check_test tests[] = {
    CHECK_TEST(capacity_refuses_an_offload_when_full),
    CHECK_TEST(r19_take_in_fin_wait_2_runs_the_delta),
    CHECK_TEST(r17_a1_expiry_closes_then_indicates),
    CHECK_TEST(a5_give_after_expiry_reports_expired_delta),
    CHECK_TEST(r20_give_carries_the_remaining_ticks),
    CHECK_TEST(r16_acceptable_segment_restarts_the_timer),
    CHECK_TEST(a4_a_segment_that_ends_fin_wait_2_is_no_restart),
    CHECK_TEST(r13_r46_fin_wait_2_on_the_nic),
    CHECK_TEST(r50_a8_time_wait_asks_for_an_upload),
    CHECK_TEST(occupancy_integral_counts_slot_time),
    CHECK_TEST(r45_abortive_disconnect_sends_the_rst),
    CHECK_TEST(r28_nic_fast_retransmit_then_timeout_on_ticks),
    CHECK_TEST(r8_congestion_state_crosses_to_the_nic),
};

CHECK_MAIN(tests)
