/*
 * test_offload.c - the offload target's tick clock (R3, A10), the
 * TimeoutDelta encoding and the FIN_WAIT_2 timer (R10-R20, R62, A2, A4-A6),
 * and the delegated state that crosses a handoff (R4, R5, R8, R25, R27).
 *
 * One test per rule id where possible, named for it; each cites the rule it
 * checks (EVIDENCE-OF), so `grep -rn R16 sim tests` shows both sides.
 * Connections are put straight into a state (STYLE 24) and simulated time
 * is advanced with sim_run(); nothing here sleeps or draws random numbers.
 */
#include <stdint.h>

#include "check.h"
#include "engine/sim.h"
#include "offload/delegated.h"
#include "offload/fw2.h"
#include "offload/ticks.h"
#include "tcp/tcp.h"

/* ---- a fixture: one engine, one endpoint with inert hooks ------------- */

/*
 * The hooks do nothing except note FIN_WAIT_2 expiries, so that a test
 * sees exactly what the module under test armed and when it fired.
 */
static int g_fw2_fired;
static sim_time g_fw2_fired_at;

static void op_output(tcp_tcb *t, const seg *sg)
{
    (void)t;
    (void)sg;
}

static sim_time op_deadline(tcp_tcb *t, sim_time delay)
{
    return sim_now(tcp_sim(t)) + delay;
}

static void op_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    (void)t;
    (void)old;
    (void)why;
}

static void op_segment(tcp_tcb *t, const seg *sg, int acceptable)
{
    (void)t;
    (void)sg;
    (void)acceptable;
}

static void op_deliver(tcp_tcb *t, uint32_t bytes, int fin)
{
    (void)t;
    (void)bytes;
    (void)fin;
}

static void op_fw2_timeout(tcp_tcb *t)
{
    g_fw2_fired++;
    g_fw2_fired_at = sim_now(tcp_sim(t));
}

static int op_give_up(tcp_tcb *t)
{
    (void)t;
    return 1;
}

static int op_reset_after_close(tcp_tcb *t)
{
    (void)t;
    return 0;
}

static const tcp_ops test_ops = {
    .output = op_output,
    .deadline = op_deadline,
    .state_entered = op_state_entered,
    .segment = op_segment,
    .deliver = op_deliver,
    .fw2_timeout = op_fw2_timeout,
    .give_up = op_give_up,
    .reset_after_close = op_reset_after_close,
};

/* RTO bounds chosen so that each one is visible in the delegated tests. */
static tcp_cfg test_cfg = { /* .s: each test's engine */
    .ops = &test_ops,
    .mss = 1460,
    .window = 65535,
    .rto_initial = SIM_S,
    .rto_min = 200 * SIM_MS,
    .rto_max = 60 * SIM_S,
    .granularity = SIM_MS,
    .max_retries = 5,
    .time_wait = 240 * SIM_S,
    .ack_delay = NULL,
    .acceptable_exact = 0,
    .initial_window = 10,
};

/*
 * A far-off event keeps something pending, so that sim_run(s, until) always
 * moves the clock to `until` (with nothing pending it would stay put).
 */
#define HORIZON (1000000 * SIM_S)

static void horizon_fired(sim *s, sim_event *ev)
{
    (void)s;
    (void)ev;
}

typedef struct fixture {
    sim *s;
    sim_event horizon;
    tcp_tcb t;
    fw2_cfg f;
} fixture;

static void fix_init(fixture *x, uint64_t tps, tick_mode mode)
{
    CHECK_EQ_I64(sim_create(&x->s), 0);
    sim_event_init(&x->horizon, horizon_fired);
    sim_schedule(x->s, &x->horizon, HORIZON);
    test_cfg.s = x->s;
    tcp_init(&x->t, &test_cfg, 1000);
    tick_clock_init(&x->f.clock, tps, mode);
    x->f.timeout = 120 * SIM_S;
    x->f.on_unset = UNSET_DELTA_NONE;
    x->f.expired_delta = TIMEOUT_DELTA_NOT_RUNNING;
    g_fw2_fired = 0;
    g_fw2_fired_at = SIM_NEVER;
}

static void fix_fini(fixture *x)
{
    sim_destroy(x->s);
}

static const uint64_t all_tps[3] = {10, 100, 1000};
static const tick_mode all_modes[2] = {TICK_MODE_CEIL, TICK_MODE_COUNT};

/* ---- R3, A10: the tick clock ------------------------------------------ */

/* R3: TicksPerSecond is 10, 100 or 1000, so a tick is 100, 10 or 1 ms. */
static void r3_tick_length_per_ticks_per_second(void)
{
    static const sim_time want[3] = {100 * SIM_MS, 10 * SIM_MS, SIM_MS};

    for (int i = 0; i < 3; i++) {
        tick_clock c;

        tick_clock_init(&c, all_tps[i], TICK_MODE_COUNT);
        CHECK_EQ_I64(c.tps, all_tps[i]);
        CHECK_EQ_I64(c.tick, want[i]);
        CHECK_EQ_I64(c.mode, TICK_MODE_COUNT);
        CHECK_EQ_I64(ticks_ns(&c, 7), 7 * want[i]);
    }
}

/* A10: a duration converts to whole ticks rounding up, never down. */
static void a10_ticks_ceil_rounds_up(void)
{
    for (int i = 0; i < 3; i++) {
        tick_clock c;

        tick_clock_init(&c, all_tps[i], TICK_MODE_CEIL);
        CHECK_EQ_I64(ticks_ceil(&c, 0), 0);
        CHECK_EQ_I64(ticks_ceil(&c, 1), 1);
        CHECK_EQ_I64(ticks_ceil(&c, c.tick - 1), 1);
        CHECK_EQ_I64(ticks_ceil(&c, c.tick), 1);
        CHECK_EQ_I64(ticks_ceil(&c, c.tick + 1), 2);
        CHECK_EQ_I64(ticks_ceil(&c, 5 * c.tick), 5);
        CHECK_EQ_I64(ticks_ceil(&c, 5 * c.tick + 1), 6);
    }
}

/* Deterministic instants spread over several ticks, on and off boundaries. */
static sim_time probe_time(int k)
{
    return (sim_time)k * 7919 * SIM_US + k % 13;
}

/*
 * A10, tick_mode = ceil: a timer of n ticks fires at the first boundary at
 * or after now + n ticks.  It is never early, and late by less than a tick;
 * started on a boundary it fires exactly n ticks later.
 */
static void a10_ceil_deadline_never_early(void)
{
    static const int64_t ns[5] = {1, 2, 3, 7, 1200};

    for (int i = 0; i < 3; i++) {
        tick_clock c;

        tick_clock_init(&c, all_tps[i], TICK_MODE_CEIL);
        for (int k = 0; k < 300; k++) {
            sim_time now = probe_time(k);

            for (int j = 0; j < 5; j++) {
                sim_time d = tick_deadline(&c, now, ns[j]);
                sim_time exact = now + ticks_ns(&c, ns[j]);

                CHECK_EQ_I64(d % c.tick, 0);
                CHECK(d >= exact);
                CHECK(d < exact + c.tick);
                if (now % c.tick == 0)
                    CHECK_EQ_I64(d, exact);
            }
        }
        /* Worked examples at this clock: on a boundary, and just after one. */
        CHECK_EQ_I64(tick_deadline(&c, 3 * c.tick, 5), 8 * c.tick);
        CHECK_EQ_I64(tick_deadline(&c, 3 * c.tick + 1, 5), 9 * c.tick);
        CHECK_EQ_I64(tick_deadline(&c, 4 * c.tick - 1, 5), 9 * c.tick);
    }
}

/*
 * A10, tick_mode = count: a timer of n ticks fires at the n-th boundary
 * after now, as a NIC that decrements a counter on each tick does: up to
 * one tick early, never more, and never late.
 */
static void a10_count_deadline_is_nth_boundary(void)
{
    static const int64_t ns[5] = {1, 2, 3, 7, 1200};

    for (int i = 0; i < 3; i++) {
        tick_clock c;

        tick_clock_init(&c, all_tps[i], TICK_MODE_COUNT);
        for (int k = 0; k < 300; k++) {
            sim_time now = probe_time(k);

            for (int j = 0; j < 5; j++) {
                sim_time d = tick_deadline(&c, now, ns[j]);
                sim_time exact = now + ticks_ns(&c, ns[j]);

                CHECK_EQ_I64(d % c.tick, 0);
                /* Exactly n boundaries lie in (now, d]. */
                CHECK_EQ_I64(d / c.tick - now / c.tick, ns[j]);
                CHECK(d <= exact);
                CHECK(d > exact - c.tick);
                if (now % c.tick == 0)
                    CHECK_EQ_I64(d, exact);
            }
        }
        CHECK_EQ_I64(tick_deadline(&c, 3 * c.tick, 5), 8 * c.tick);
        CHECK_EQ_I64(tick_deadline(&c, 3 * c.tick + 1, 5), 8 * c.tick);
        CHECK_EQ_I64(tick_deadline(&c, 4 * c.tick - 1, 5), 8 * c.tick);
    }
}

/*
 * A10: a timer armed for a delay in nanoseconds is rounded once.  ceil: the
 * first boundary at or after now + delay, so never early and less than one
 * tick late for any delay, a whole number of ticks or not (README: "less
 * than one tick late").  count: the delay in whole ticks rounded up, then
 * the n-th boundary (tick_deadline): less than one tick early or late.
 */
static void a10_tick_after_rounds_once(void)
{
    static const sim_time delays[8] = {1,
                                       SIM_MS / 2,
                                       SIM_MS,
                                       2 * SIM_MS + 500 * SIM_US,
                                       7 * SIM_S + 1,
                                       120 * SIM_S + 50 * SIM_MS,
                                       120 * SIM_S + 999 * SIM_US,
                                       3 * SIM_S + 7};

    for (int m = 0; m < 2; m++) {
        for (int i = 0; i < 3; i++) {
            tick_clock c;

            tick_clock_init(&c, all_tps[i], all_modes[m]);
            for (int k = 0; k < 300; k++) {
                sim_time now = probe_time(k);

                for (int j = 0; j < 8; j++) {
                    sim_time d = tick_after(&c, now, delays[j]);
                    sim_time exact = now + delays[j];

                    CHECK_EQ_I64(d % c.tick, 0);
                    CHECK(d > now); /* never in the call that arms it */
                    if (all_modes[m] == TICK_MODE_CEIL) {
                        CHECK(d >= exact);
                        CHECK(d < exact + c.tick);
                    } else {
                        CHECK_EQ_I64(d, tick_deadline(&c, now, ticks_ceil(&c, delays[j])));
                        CHECK(d > exact - c.tick && d < exact + c.tick);
                    }
                }
            }
        }
    }
    {
        tick_clock c;

        /* Worked example at 1000 TPS: from 10.4 ms, 2.5 ms is due at 12.9 ms;
         * ceil fires at 13 ms (rounding 2.5 ms to 3 ticks first gave 14 ms,
         * 1.1 ms late); count counts 3 boundaries, 11, 12, 13 ms. */
        tick_clock_init(&c, 1000, TICK_MODE_CEIL);
        CHECK_EQ_I64(tick_after(&c, 10 * SIM_MS + 400 * SIM_US, 2500 * SIM_US), 13 * SIM_MS);
        tick_clock_init(&c, 1000, TICK_MODE_COUNT);
        CHECK_EQ_I64(tick_after(&c, 10 * SIM_MS + 400 * SIM_US, 2500 * SIM_US), 13 * SIM_MS);
        /* The case: 120.05 s at 10 TPS armed at 10 ms is due at
         * 120.06 s and fires at 120.1 s, 40 ms late (it was 120.2 s). */
        tick_clock_init(&c, 10, TICK_MODE_CEIL);
        CHECK_EQ_I64(tick_after(&c, 10 * SIM_MS, 120 * SIM_S + 50 * SIM_MS),
                     120 * SIM_S + 100 * SIM_MS);
        /* A delay of 0 waits one tick. */
        CHECK_EQ_I64(tick_after(&c, 10 * SIM_MS, 0), 200 * SIM_MS);
    }
}

/*
 * R15 (chimney-rules section 2, last paragraph): the 120 s FIN_WAIT_2 value
 * is 1,200 / 12,000 / 120,000 ticks at 10 / 100 / 1000 ticks per second.
 */
static void r15_fin_wait_2_timeout_in_ticks(void)
{
    static const int64_t want[3] = {1200, 12000, 120000};

    for (int i = 0; i < 3; i++) {
        tick_clock c;

        tick_clock_init(&c, all_tps[i], TICK_MODE_CEIL);
        CHECK_EQ_I64(ticks_ceil(&c, 120 * SIM_S), want[i]);
        CHECK_EQ_I64(ticks_ns(&c, want[i]), 120 * SIM_S);
        /* Started on a boundary, the timer runs exactly 120 s. */
        CHECK_EQ_I64(tick_after(&c, 0, 120 * SIM_S), 120 * SIM_S);
    }
}

/* ---- R10, R11, R19, R20: the TimeoutDelta a holder reports ------------- */

/* R10, R11, R19, R20: a timer that is not running travels as -1. */
static void r10_delta_of_idle_timer_is_minus_one(void)
{
    tick_clock c;

    tick_clock_init(&c, 1000, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, SIM_NEVER), TIMEOUT_DELTA_NOT_RUNNING);
    CHECK_EQ_I64(TIMEOUT_DELTA_NOT_RUNNING, -1);
}

/* R11, R20: a timer running and due now travels as 0. */
static void r11_delta_of_timer_due_now_is_zero(void)
{
    tick_clock c;

    tick_clock_init(&c, 1000, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, 10 * SIM_S), 0);
}

/* R10, R19: a running timer travels as its remaining time in ticks (R4). */
static void r19_delta_of_counts_remaining_ticks(void)
{
    tick_clock c;

    tick_clock_init(&c, 1000, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, 60 * SIM_S), 50000);
    tick_clock_init(&c, 10, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, 60 * SIM_S), 500);
}

/*
 * A10: a remainder that is not whole ticks rounds up, so a delta never
 * shrinks the time left and a timer that is running never reports 0 early.
 */
static void a10_delta_of_rounds_remainder_up(void)
{
    tick_clock c;

    tick_clock_init(&c, 1000, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, 60 * SIM_S + 1), 50001);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, 10 * SIM_S + 1), 1);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, 10 * SIM_S + SIM_MS - 1), 1);
    tick_clock_init(&c, 10, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_delta_of(&c, 10 * SIM_S, 60 * SIM_S + 50 * SIM_MS), 501);
}

/* ---- R11, R20, R62: the host's timer from the target's delta ---------- */

/* R11, R20: -1 means the target ran no timer, so the host runs none. */
static void r11_minus_one_delta_leaves_host_timer_idle(void)
{
    tick_clock c;

    tick_clock_init(&c, 100, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_host_deadline(&c, 3 * SIM_S + 7, -1), SIM_NEVER);
}

/*
 * R11, R20: 0 means the target's timer ran and reached zero; the host's
 * timer expires immediately.  Armed for that deadline, it fires at the
 * handoff's own instant.
 */
static void r11_zero_delta_expires_host_timer_at_once(void)
{
    fixture x;
    sim_time now = 3 * SIM_S + 7, at;

    fix_init(&x, 100, TICK_MODE_CEIL);
    sim_run(x.s, now);
    at = fw2_host_deadline(&x.f.clock, now, 0);
    CHECK_EQ_I64(at, now);
    /* The host's own FIN_WAIT_2 timer is the TT_2MSL slot. */
    x.t.state = TCP_S_FIN_WAIT_2;
    tcp_timer_arm(&x.t, TT_2MSL, at);
    sim_run(x.s, now);
    CHECK_EQ_I64(g_fw2_fired, 1);
    CHECK_EQ_I64(g_fw2_fired_at, now);
    fix_fini(&x);
}

/* R62, R11: n > 0 is the host's starting value, n ticks on its exact clock. */
static void r62_host_resumes_from_remaining_ticks(void)
{
    tick_clock c;
    sim_time now = 3 * SIM_S + 7;

    tick_clock_init(&c, 100, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_host_deadline(&c, now, 25), now + 250 * SIM_MS);
    tick_clock_init(&c, 1000, TICK_MODE_COUNT);
    CHECK_EQ_I64(fw2_host_deadline(&c, now, 120000), now + 120 * SIM_S);
}

/* ---- R19, A2, A6: the target's timer from the host's delta ------------ */

/* R19, A2 (nic.on_unset_delta = none): -1 from the host starts no timer. */
static void a2_minus_one_delta_none_runs_no_timer(void)
{
    fw2_cfg f;

    tick_clock_init(&f.clock, 1000, TICK_MODE_CEIL);
    f.timeout = 120 * SIM_S;
    f.on_unset = UNSET_DELTA_NONE;
    f.expired_delta = -1;
    CHECK_EQ_I64(fw2_target_deadline(&f, 2 * SIM_S + 400 * SIM_US, -1), SIM_NEVER);
}

/*
 * R19, A2 (nic.on_unset_delta = start): -1 from the host starts a full
 * timeout on the tick clock.
 */
static void a2_minus_one_delta_start_runs_full_timer(void)
{
    fw2_cfg f;
    sim_time now = 2 * SIM_S + 400 * SIM_US;

    tick_clock_init(&f.clock, 1000, TICK_MODE_CEIL);
    f.timeout = 120 * SIM_S;
    f.on_unset = UNSET_DELTA_START;
    f.expired_delta = -1;
    CHECK_EQ_I64(fw2_target_deadline(&f, now, -1), tick_after(&f.clock, now, f.timeout));
    CHECK_EQ_I64(fw2_target_deadline(&f, now, -1), 122 * SIM_S + SIM_MS);
}

/* A6: 0 from the host means "due now" too: the target's timer expires at once. */
static void a6_zero_delta_expires_target_timer_at_once(void)
{
    fw2_cfg f;
    sim_time now = 2 * SIM_S + 400 * SIM_US;

    f.timeout = 120 * SIM_S;
    f.expired_delta = -1;
    for (int m = 0; m < 2; m++) {
        tick_clock_init(&f.clock, 1000, all_modes[m]);
        f.on_unset = UNSET_DELTA_NONE;
        CHECK_EQ_I64(fw2_target_deadline(&f, now, 0), now);
        f.on_unset = UNSET_DELTA_START;
        CHECK_EQ_I64(fw2_target_deadline(&f, now, 0), now);
    }
}

/* R19: n > 0 from the host is the target's starting value, on its tick clock. */
static void r19_target_resumes_from_host_delta(void)
{
    fw2_cfg f;
    sim_time now = 2 * SIM_S + 400 * SIM_US;

    f.timeout = 120 * SIM_S;
    f.on_unset = UNSET_DELTA_NONE;
    f.expired_delta = -1;
    for (int m = 0; m < 2; m++) {
        tick_clock_init(&f.clock, 1000, all_modes[m]);
        CHECK_EQ_I64(fw2_target_deadline(&f, now, 5000), tick_deadline(&f.clock, now, 5000));
        CHECK_EQ_I64(fw2_target_deadline(&f, now, 1), tick_deadline(&f.clock, now, 1));
    }
    /* ceil: never early; count: the 5000th boundary after now. */
    tick_clock_init(&f.clock, 1000, TICK_MODE_CEIL);
    CHECK_EQ_I64(fw2_target_deadline(&f, now, 5000), 7 * SIM_S + SIM_MS);
    tick_clock_init(&f.clock, 1000, TICK_MODE_COUNT);
    CHECK_EQ_I64(fw2_target_deadline(&f, now, 5000), 7 * SIM_S);
}

/* ---- R13-R17: the target's FIN_WAIT_2 timer on a connection ----------- */

/*
 * R13, R14, R15: entering FIN_WAIT_2 starts a 120 s timer in the TT_REXMT
 * slot (the retransmit timer is the FIN_WAIT_2 timer); the host's slot,
 * TT_2MSL, stays idle.
 */
static void r13_r14_fw2_start_arms_rexmt_slot(void)
{
    fixture x;
    sim_time now = 1500 * SIM_US;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    sim_run(x.s, now);
    CHECK_EQ_I64(sim_now(x.s), now);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_start(&x.f, &x.t);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), tick_after(&x.f.clock, now, 120 * SIM_S));
    /* R15 on the tick clock: 120,000 ticks from 1.5 ms, never early. */
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 120 * SIM_S + 2 * SIM_MS);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_2MSL), SIM_NEVER);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_DELACK), SIM_NEVER);
    fix_fini(&x);
}

/* R17: the timer started by R13 fires the FIN_WAIT_2 hook at its deadline. */
static void r17_fw2_timer_fires_at_deadline(void)
{
    fixture x;

    fix_init(&x, 10, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_start(&x.f, &x.t);
    sim_run(x.s, 120 * SIM_S - 1);
    CHECK_EQ_I64(g_fw2_fired, 0);
    sim_run(x.s, 120 * SIM_S);
    CHECK_EQ_I64(g_fw2_fired, 1);
    CHECK_EQ_I64(g_fw2_fired_at, 120 * SIM_S);
    fix_fini(&x);
}

/*
 * R16, A4: an acceptable segment restarts a running timer with the full
 * configured value from its arrival, and the old deadline passes quietly.
 */
static void r16_acceptable_segment_restarts_full_timer(void)
{
    fixture x;
    sim_time seg_at = 50 * SIM_S + 300 * SIM_US;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_start(&x.f, &x.t);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 120 * SIM_S);
    sim_run(x.s, seg_at);
    CHECK_EQ_I64(fw2_on_segment(&x.f, &x.t, 1), 1);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), tick_after(&x.f.clock, seg_at, 120 * SIM_S));
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 170 * SIM_S + SIM_MS);
    sim_run(x.s, 120 * SIM_S);
    CHECK_EQ_I64(g_fw2_fired, 0);
    sim_run(x.s, 170 * SIM_S + SIM_MS);
    CHECK_EQ_I64(g_fw2_fired, 1);
    CHECK_EQ_I64(g_fw2_fired_at, 170 * SIM_S + SIM_MS);
    fix_fini(&x);
}

/*
 * A4: the restart reloads the full configured value, not the (shorter)
 * starting value the host handed over at offload (R19).
 */
static void a4_restart_reloads_configured_value_not_host_delta(void)
{
    fixture x;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_install(&x.f, &x.t, 5000);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 5 * SIM_S);
    sim_run(x.s, SIM_S);
    CHECK_EQ_I64(fw2_on_segment(&x.f, &x.t, 1), 1);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 121 * SIM_S);
    fix_fini(&x);
}

/* R16: an unacceptable segment does not restart the timer. */
static void r16_unacceptable_segment_changes_nothing(void)
{
    fixture x;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_start(&x.f, &x.t);
    sim_run(x.s, 50 * SIM_S);
    CHECK_EQ_I64(fw2_on_segment(&x.f, &x.t, 0), 0);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 120 * SIM_S);
    CHECK_EQ_I64(x.t.state, TCP_S_FIN_WAIT_2);
    fix_fini(&x);
}

/*
 * R16, A2: a segment restarts only a running timer; a connection offloaded
 * in FIN_WAIT_2 with -1 (nic.on_unset_delta = none) stays without one.
 */
static void a2_segment_does_not_start_idle_timer(void)
{
    fixture x;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_install(&x.f, &x.t, -1);
    sim_run(x.s, 50 * SIM_S);
    CHECK_EQ_I64(fw2_on_segment(&x.f, &x.t, 1), 0);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), SIM_NEVER);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_2MSL), SIM_NEVER);
    fix_fini(&x);
}

/*
 * R14, R16: outside FIN_WAIT_2 the TT_REXMT slot is the retransmit timer,
 * and a segment leaves it to TCP.
 */
static void r16_segment_outside_fin_wait_2_does_nothing(void)
{
    fixture x;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_ESTABLISHED;
    tcp_timer_arm(&x.t, TT_REXMT, 3 * SIM_S);
    sim_run(x.s, SIM_S);
    CHECK_EQ_I64(fw2_on_segment(&x.f, &x.t, 1), 0);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 3 * SIM_S);
    x.t.state = TCP_S_FIN_WAIT_1;
    CHECK_EQ_I64(fw2_on_segment(&x.f, &x.t, 1), 0);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 3 * SIM_S);
    fix_fini(&x);
}

/* ---- R20, A5: the delta the target reports on upload ------------------ */

/* R20: a running timer reports its remaining ticks, rounded up (A10). */
static void r20_upload_delta_running_reports_remaining_ticks(void)
{
    fixture x;
    sim_time now = 70 * SIM_S + 500 * SIM_US;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_start(&x.f, &x.t);
    sim_run(x.s, now);
    CHECK_EQ_I64(fw2_upload_delta(&x.f, &x.t, now, 0), 50000);
    fix_fini(&x);
}

/* R20: a timer that is not running reports -1. */
static void r20_upload_delta_idle_is_minus_one(void)
{
    fixture x;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_install(&x.f, &x.t, -1);
    CHECK_EQ_I64(fw2_upload_delta(&x.f, &x.t, sim_now(x.s), 0), -1);
    fix_fini(&x);
}

/* A5: after expiry (state CLOSED) the delta is nic.expired_delta, -1 or 0. */
static void a5_upload_delta_after_expiry_is_expired_delta(void)
{
    fixture x;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_start(&x.f, &x.t);
    sim_run(x.s, 120 * SIM_S);
    CHECK_EQ_I64(g_fw2_fired, 1);
    x.t.state = TCP_S_CLOSED; /* R17b, as the target's hook does */
    x.f.expired_delta = -1;
    CHECK_EQ_I64(fw2_upload_delta(&x.f, &x.t, sim_now(x.s), 1), -1);
    x.f.expired_delta = 0;
    CHECK_EQ_I64(fw2_upload_delta(&x.f, &x.t, sim_now(x.s), 1), 0);
    fix_fini(&x);
}

/*
 * R20, R62: the host resumes from the uploaded delta.  Whole ticks rounded
 * up make its deadline no earlier than the target's, and less than a tick
 * later (A10).
 */
static void r62_upload_round_trip_is_never_early(void)
{
    for (int i = 0; i < 3; i++) {
        fixture x;
        sim_time now = 33 * SIM_S + 123456789, target_at, host_at;

        fix_init(&x, all_tps[i], TICK_MODE_CEIL);
        x.t.state = TCP_S_FIN_WAIT_2;
        fw2_start(&x.f, &x.t);
        target_at = tcp_timer_deadline(&x.t, TT_REXMT);
        sim_run(x.s, now);
        host_at = fw2_host_deadline(&x.f.clock, now, fw2_upload_delta(&x.f, &x.t, now, 0));
        CHECK(host_at >= target_at);
        CHECK(host_at < target_at + x.f.clock.tick);
        fix_fini(&x);
    }
}

/* ---- R19, A2, A6: installing the timer of a connection in FIN_WAIT_2 -- */

/* R19, A2, A6: -1 clears or starts TT_REXMT per on_unset; 0 and n arm it. */
static void r19_install_sets_or_clears_rexmt(void)
{
    fixture x;
    sim_time now = 2 * SIM_S + 400 * SIM_US;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    sim_run(x.s, now);
    x.t.state = TCP_S_FIN_WAIT_2;

    /* A2 none: a timer armed before is cleared, none runs. */
    tcp_timer_arm(&x.t, TT_REXMT, 9 * SIM_S);
    fw2_install(&x.f, &x.t, -1);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), SIM_NEVER);

    /* A2 start: a full timeout on the tick clock. */
    x.f.on_unset = UNSET_DELTA_START;
    fw2_install(&x.f, &x.t, -1);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), tick_after(&x.f.clock, now, 120 * SIM_S));

    /* R19: n ticks on the tick clock. */
    fw2_install(&x.f, &x.t, 3000);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), tick_deadline(&x.f.clock, now, 3000));
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 5 * SIM_S + SIM_MS);

    /* A6: 0 is due now. */
    fw2_install(&x.f, &x.t, 0);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), now);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_2MSL), SIM_NEVER);
    fix_fini(&x);
}

/* A6: installed with 0, the target's FIN_WAIT_2 timer fires at once. */
static void a6_installed_zero_delta_fires_at_once(void)
{
    fixture x;
    sim_time now = 2 * SIM_S + 400 * SIM_US;

    fix_init(&x, 1000, TICK_MODE_COUNT);
    sim_run(x.s, now);
    x.t.state = TCP_S_FIN_WAIT_2;
    fw2_install(&x.f, &x.t, 0);
    sim_run(x.s, now);
    CHECK_EQ_I64(g_fw2_fired, 1);
    CHECK_EQ_I64(g_fw2_fired_at, now);
    fix_fini(&x);
}

/* ---- R4, R5, R8, R25, R27: delegated state ---------------------------- */

/* Put a fixture's endpoint in a state with an RTT estimate. */
static void with_rtt(tcp_tcb *t, sim_time srtt, sim_time rttvar)
{
    t->have_rtt = 1;
    t->srtt = srtt;
    t->rttvar = rttvar;
}

/* R4, R5: SRtt travels as ticks x 8 and RttVar as ticks x 4. */
static void r5_srtt_and_rttvar_travel_scaled_ticks(void)
{
    fixture x;
    tcp_delegated d;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_ESTABLISHED;
    with_rtt(&x.t, 2 * SIM_MS, SIM_MS);
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.srtt, 16);
    CHECK_EQ_I64(d.rttvar, 4);
    /* At 100 TPS the units are 10 ms ticks: 20 ms is 2 ticks, 10 ms is 1. */
    tick_clock_init(&x.f.clock, 100, TICK_MODE_CEIL);
    with_rtt(&x.t, 20 * SIM_MS, 10 * SIM_MS);
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.srtt, 16);
    CHECK_EQ_I64(d.rttvar, 4);
    fix_fini(&x);
}

/*
 * R5: the scaled fields keep 1/8 and 1/4 tick; below that the estimate is
 * quantised (rounded to the nearest step), and a round trip through the
 * wire is off by at most half a step; a sample never travels as SRtt 0,
 * which means "no sample" (R8).
 */
static void r5_rtt_is_quantised_to_scaled_ticks(void)
{
    fixture x;
    tcp_tcb r;
    tcp_delegated d;

    fix_init(&x, 100, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    x.t.state = r.state = TCP_S_ESTABLISHED;
    /* 2 ms at 100 TPS: x8 = 1.6 rounds to 2, x4 = 0.8 rounds to 1. */
    with_rtt(&x.t, 2 * SIM_MS, 2 * SIM_MS);
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.srtt, 2);
    CHECK_EQ_I64(d.rttvar, 1);
    delegated_install(&r, &x.f.clock, 0, &d);
    CHECK_EQ_I64(r.srtt, 2500 * SIM_US);
    CHECK_EQ_I64(r.rttvar, 2500 * SIM_US);
    /* 2 ms at 10 TPS is 0.16 of an eighth tick: SRtt rounds up to 1, the
     * least that still says a sample was taken (0 means none), RttVar to 0. */
    tick_clock_init(&x.f.clock, 10, TICK_MODE_CEIL);
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.srtt, 1);
    CHECK_EQ_I64(d.rttvar, 0);
    delegated_install(&r, &x.f.clock, 0, &d);
    CHECK_EQ_I64(r.have_rtt, 1);
    CHECK_EQ_I64(r.srtt, 100 * SIM_MS / 8);
    /* The bound, over a sweep of estimates at every clock. */
    for (int i = 0; i < 3; i++) {
        tick_clock_init(&x.f.clock, all_tps[i], TICK_MODE_CEIL);
        for (int k = 1; k <= 200; k++) {
            sim_time v = (sim_time)k * 3 * SIM_MS + k;

            with_rtt(&x.t, v, v);
            delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
            delegated_install(&r, &x.f.clock, 0, &d);
            /* (A sample below half a step travels as one step, not 0.) */
            if (v < x.f.clock.tick / 16)
                CHECK_EQ_I64(r.srtt, x.f.clock.tick / 8);
            else
                CHECK(r.srtt - v <= x.f.clock.tick / 16 && v - r.srtt <= x.f.clock.tick / 16);
            CHECK(r.rttvar - v <= x.f.clock.tick / 8 && v - r.rttvar <= x.f.clock.tick / 8);
        }
    }
    fix_fini(&x);
}

/* R5: SRtt and RttVar are USHORTs; larger values saturate at 65535. */
static void r5_rtt_saturates_at_16_bits(void)
{
    fixture x;
    tcp_tcb r;
    tcp_delegated d;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    x.t.state = r.state = TCP_S_ESTABLISHED;
    with_rtt(&x.t, 10 * SIM_S, 20 * SIM_S);
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.srtt, 65535);
    CHECK_EQ_I64(d.rttvar, 65535);
    delegated_install(&r, &x.f.clock, 0, &d);
    CHECK_EQ_I64(r.srtt, 65535 * SIM_MS / 8);
    CHECK_EQ_I64(r.rttvar, 65535 * SIM_MS / 4);
    /* Just below the limit, nothing is lost: 8191.875 ms x 8 = 65535. */
    with_rtt(&x.t, 8191875 * SIM_US, 0);
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.srtt, 65535);
    fix_fini(&x);
}

/*
 * R4, R5: installing converts back, srtt = SRtt x tick / 8 and rttvar =
 * RttVar x tick / 4, and seeds the RTO from them (RFC 6298, bounded by
 * rto_min).
 */
static void r5_install_converts_rtt_back(void)
{
    fixture x;
    tcp_delegated d = {0};

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = d.state = TCP_S_ESTABLISHED;
    d.srtt = 800;   /* 100 ticks: 100 ms */
    d.rttvar = 200; /* 50 ticks: 50 ms */
    delegated_install(&x.t, &x.f.clock, 0, &d);
    CHECK_EQ_I64(x.t.have_rtt, 1);
    CHECK_EQ_I64(x.t.srtt, 100 * SIM_MS);
    CHECK_EQ_I64(x.t.rttvar, 50 * SIM_MS);
    CHECK_EQ_I64(x.t.rto, 300 * SIM_MS);
    /* A small estimate is raised to rto_min. */
    d.srtt = 16;
    d.rttvar = 4;
    delegated_install(&x.t, &x.f.clock, 0, &d);
    CHECK_EQ_I64(x.t.srtt, 2 * SIM_MS);
    CHECK_EQ_I64(x.t.rttvar, SIM_MS);
    CHECK_EQ_I64(x.t.rto, test_cfg.rto_min);
    /* At 10 TPS the units are 100 ms ticks. */
    tick_clock_init(&x.f.clock, 10, TICK_MODE_CEIL);
    d.srtt = 12;   /* 1.5 ticks: 150 ms */
    d.rttvar = 6;  /* 1.5 ticks: 150 ms */
    delegated_install(&x.t, &x.f.clock, 0, &d);
    CHECK_EQ_I64(x.t.srtt, 150 * SIM_MS);
    CHECK_EQ_I64(x.t.rttvar, 150 * SIM_MS);
    CHECK_EQ_I64(x.t.rto, 750 * SIM_MS);
    fix_fini(&x);
}

/*
 * R8, R5: without an RTT sample SRtt is 0 and RttVar carries the RTO in
 * ticks (4 x RTTVAR with SRTT = 0: RFC 6298's formula gives it back): at
 * first rto_initial (RFC 6298 2.1).  The receiver takes no sample from it.
 */
static void r8_no_rtt_estimate_travels_as_zero_srtt(void)
{
    fixture x;
    tcp_tcb r;
    tcp_delegated d;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    x.t.state = r.state = TCP_S_ESTABLISHED;
    x.t.srtt = 5 * SIM_MS; /* stale, with have_rtt = 0 */
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.srtt, 0);
    CHECK_EQ_I64(d.rttvar, 1000);
    r.rto = 7 * SIM_S;
    with_rtt(&r, 9 * SIM_MS, 9 * SIM_MS);
    delegated_install(&r, &x.f.clock, 0, &d);
    CHECK_EQ_I64(r.have_rtt, 0);
    CHECK_EQ_I64(r.srtt, 0);
    CHECK_EQ_I64(r.rto, test_cfg.rto_initial);
    /* A zeroed structure (no RTO at all) means rto_initial too. */
    d.rttvar = 0;
    r.rto = 7 * SIM_S;
    delegated_install(&r, &x.f.clock, 0, &d);
    CHECK_EQ_I64(r.rto, test_cfg.rto_initial);
    fix_fini(&x);
}

/*
 * R8, R5: the 3 s of RFC 6298 (5.7), after a SYN or SYN-ACK timed out and
 * no sample was taken, crosses a handoff both ways; so does a backoff the
 * sender kept after new data was acknowledged without a sample (Karn), at
 * every clock.  Today's code dropped both for rto_initial.
 */
static void r8_rto_without_sample_crosses_both_ways(void)
{
    static const sim_time rtos[3] = {3 * SIM_S, 4 * SIM_S, 2500 * SIM_MS};
    fixture x;
    tcp_tcb r;
    tcp_delegated d;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    for (int k = 0; k < 3; k++) {
        tick_clock_init(&x.f.clock, all_tps[k], TICK_MODE_CEIL);
        for (int i = 0; i < 3; i++) {
            x.t.state = r.state = TCP_S_FIN_WAIT_1;
            x.t.rto = rtos[i];
            delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
            CHECK_EQ_I64(d.srtt, 0);
            CHECK_EQ_I64(d.rttvar, rtos[i] / x.f.clock.tick);
            delegated_install(&r, &x.f.clock, 0, &d);
            CHECK_EQ_I64(r.have_rtt, 0);
            CHECK_EQ_I64(r.rto, rtos[i]);
            /* ... and back again, unchanged. */
            delegated_sample(&r, &x.f.clock, 0, -1, &d);
            delegated_install(&x.t, &x.f.clock, 0, &d);
            CHECK_EQ_I64(x.t.rto, rtos[i]);
        }
    }
    /* An RTO that is not a whole number of ticks is rounded up (R4). */
    tick_clock_init(&x.f.clock, 10, TICK_MODE_CEIL);
    x.t.rto = 3050 * SIM_MS;
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.rttvar, 31);
    fix_fini(&x);
}

/* R8: the state and the sequence and window variables cross unchanged. */
static void r8_sequence_state_crosses(void)
{
    fixture x;
    tcp_tcb r;
    tcp_delegated d;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    x.t.state = r.state = TCP_S_FIN_WAIT_2;
    x.t.rcv_nxt = 111;
    x.t.rcv_wnd = 222;
    x.t.snd_una = 333;
    x.t.snd_nxt = 444;
    x.t.snd_max = 555;
    x.t.snd_wnd = 666;
    delegated_sample(&x.t, &x.f.clock, 0, -1, &d);
    CHECK_EQ_I64(d.state, TCP_S_FIN_WAIT_2);
    delegated_install(&r, &x.f.clock, 0, &d);
    CHECK_EQ_I64(r.state, TCP_S_FIN_WAIT_2);
    CHECK_EQ_I64(r.rcv_nxt, 111);
    CHECK_EQ_I64(r.rcv_wnd, 222);
    CHECK_EQ_I64(r.snd_una, 333);
    CHECK_EQ_I64(r.snd_nxt, 444);
    CHECK_EQ_I64(r.snd_max, 555);
    CHECK_EQ_I64(r.snd_wnd, 666);
    fix_fini(&x);
}

/* R10, R14: the sender's TimeoutDelta, worked out by the caller, is stored. */
static void r10_sample_stores_timeout_delta(void)
{
    fixture x;
    tcp_delegated d;
    static const int64_t deltas[4] = {-1, 0, 1, 120000};

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = TCP_S_FIN_WAIT_2;
    for (int i = 0; i < 4; i++) {
        delegated_sample(&x.t, &x.f.clock, 0, deltas[i], &d);
        CHECK_EQ_I64(d.timeout_delta, deltas[i]);
    }
    fix_fini(&x);
}

/* R27: Retransmit.Count crosses, saturating at the UCHAR's 255. */
static void r27_retransmit_count_crosses(void)
{
    fixture x;
    tcp_tcb r;
    tcp_delegated d;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    x.t.state = r.state = TCP_S_ESTABLISHED;
    x.t.rexmt_count = 3;
    x.t.rexmt_or_tw = 0;
    delegated_sample(&x.t, &x.f.clock, 10 * SIM_S, -1, &d);
    CHECK_EQ_I64(d.retransmit_count, 3);
    delegated_install(&r, &x.f.clock, 10 * SIM_S, &d);
    CHECK_EQ_I64(r.rexmt_count, 3);
    x.t.rexmt_count = 300;
    delegated_sample(&x.t, &x.f.clock, 10 * SIM_S, -1, &d);
    CHECK_EQ_I64(d.retransmit_count, 255);
    fix_fini(&x);
}

/*
 * R27: the backoff is implied by the count: after installing Count = k the
 * RTO is the base RTO doubled k times, bounded by rto_max, as the sender's
 * own backoff would have left it.
 */
static void r27_install_backs_off_rto_by_count(void)
{
    fixture x;
    tcp_delegated d = {0};
    static const struct {
        uint8_t count;
        sim_time rto;
    } want[6] = {
        {0, 300 * SIM_MS},  {1, 600 * SIM_MS}, {3, 2400 * SIM_MS},
        {7, 38400 * SIM_MS}, {8, 60 * SIM_S},   {255, 60 * SIM_S},
    };

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = d.state = TCP_S_ESTABLISHED;
    d.srtt = 800;   /* 100 ms */
    d.rttvar = 200; /* 50 ms: base RTO 100 + 4 x 50 = 300 ms */
    for (int i = 0; i < 6; i++) {
        d.retransmit_count = want[i].count;
        d.total_rt = want[i].count ? 1 : 0;
        delegated_install(&x.t, &x.f.clock, 10 * SIM_S, &d);
        CHECK_EQ_I64(x.t.rto, want[i].rto);
    }
    /* Without a sample the base is RttVar's RTO (rto_initial when 0). */
    d.srtt = d.rttvar = 0;
    d.retransmit_count = 2;
    delegated_install(&x.t, &x.f.clock, 10 * SIM_S, &d);
    CHECK_EQ_I64(x.t.rto, 4 * test_cfg.rto_initial);
    d.rttvar = 3000; /* 3 s (RFC 6298 5.7), backed off twice: 12 s */
    delegated_install(&x.t, &x.f.clock, 10 * SIM_S, &d);
    CHECK_EQ_I64(x.t.rto, 12 * SIM_S);
    fix_fini(&x);
}

/*
 * R27, R5: a sender without a sample, backed off Count times, hands over
 * the RTO before its backoff, so the receiver's next timeout is the
 * sender's: 3 s (5.7) backed off twice is 12 s, not rto_initial x 4; one
 * capped at rto_max stays there.
 */
static void r27_backed_off_rto_without_sample_crosses(void)
{
    fixture x;
    tcp_tcb r;
    tcp_delegated d;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    x.t.state = r.state = TCP_S_FIN_WAIT_1;
    x.t.rto = 12 * SIM_S;
    x.t.rexmt_count = 2;
    x.t.rexmt_or_tw = 0;
    delegated_sample(&x.t, &x.f.clock, 20 * SIM_S, -1, &d);
    CHECK_EQ_I64(d.srtt, 0);
    CHECK_EQ_I64(d.rttvar, 3000);
    CHECK_EQ_I64(d.retransmit_count, 2);
    delegated_install(&r, &x.f.clock, 20 * SIM_S, &d);
    CHECK_EQ_I64(r.rto, 12 * SIM_S);
    CHECK_EQ_I64(r.rexmt_count, 2);
    /* Capped: 1 s backed off 7 times is 128 s, held at 60 s; it stays
     * there on the other side. */
    x.t.rto = 60 * SIM_S;
    x.t.rexmt_count = 7;
    delegated_sample(&x.t, &x.f.clock, 20 * SIM_S, -1, &d);
    delegated_install(&r, &x.f.clock, 20 * SIM_S, &d);
    CHECK_EQ_I64(r.rto, 60 * SIM_S);
    fix_fini(&x);
}

/*
 * R25, R4: TotalRT, the time spent retransmitting the oldest segment,
 * travels in ticks (rounded up) and places the receiver's start of
 * retransmission that many ticks back.
 */
static void r25_total_rt_travels_in_ticks(void)
{
    fixture x;
    tcp_tcb r;
    tcp_delegated d;
    sim_time now = 100 * SIM_S;

    fix_init(&x, 1000, TICK_MODE_CEIL);
    test_cfg.s = x.s;
    tcp_init(&r, &test_cfg, 1000);
    x.t.state = r.state = TCP_S_ESTABLISHED;
    x.t.rexmt_count = 2;
    x.t.rexmt_or_tw = now - 2500 * SIM_MS;
    delegated_sample(&x.t, &x.f.clock, now, -1, &d);
    CHECK_EQ_I64(d.total_rt, 2500);
    delegated_install(&r, &x.f.clock, 2 * now, &d);
    CHECK_EQ_I64(tcp_rexmt_since(&r), 2 * now - 2500 * SIM_MS);
    /* At 10 TPS, 2.55 s is 25.5 ticks: 26. */
    tick_clock_init(&x.f.clock, 10, TICK_MODE_CEIL);
    x.t.rexmt_or_tw = now - 2550 * SIM_MS;
    delegated_sample(&x.t, &x.f.clock, now, -1, &d);
    CHECK_EQ_I64(d.total_rt, 26);
    delegated_install(&r, &x.f.clock, now, &d);
    CHECK_EQ_I64(tcp_rexmt_since(&r), now - 2600 * SIM_MS);
    /* Nothing being retransmitted: TotalRT 0, and no start on install. */
    x.t.rexmt_count = 0;
    x.t.rexmt_or_tw = SIM_NEVER;
    delegated_sample(&x.t, &x.f.clock, now, -1, &d);
    CHECK_EQ_I64(d.total_rt, 0);
    delegated_install(&r, &x.f.clock, now, &d);
    CHECK_EQ_I64(tcp_rexmt_since(&r), SIM_NEVER);
    fix_fini(&x);
}

/*
 * Karn's algorithm: an RTT measurement under way does not survive a
 * handoff.  Install leaves the timers to the caller.
 */
static void karn_install_resets_rtt_measurement(void)
{
    fixture x;
    tcp_delegated d = {0};

    fix_init(&x, 1000, TICK_MODE_CEIL);
    x.t.state = d.state = TCP_S_ESTABLISHED;
    x.t.rtt_start = 0; /* timing a segment sent at 0 */
    tcp_timer_arm(&x.t, TT_REXMT, 5 * SIM_S);
    d.srtt = 16;
    d.rttvar = 4;
    delegated_install(&x.t, &x.f.clock, 0, &d);
    CHECK_EQ_I64(x.t.rtt_start, SIM_NEVER);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_REXMT), 5 * SIM_S);
    CHECK_EQ_I64(tcp_timer_deadline(&x.t, TT_2MSL), SIM_NEVER);
    fix_fini(&x);
}

static const check_test tests[] = {
    CHECK_TEST(r3_tick_length_per_ticks_per_second),
    CHECK_TEST(a10_ticks_ceil_rounds_up),
    CHECK_TEST(a10_ceil_deadline_never_early),
    CHECK_TEST(a10_count_deadline_is_nth_boundary),
    CHECK_TEST(a10_tick_after_rounds_once),
    CHECK_TEST(r15_fin_wait_2_timeout_in_ticks),
    CHECK_TEST(r10_delta_of_idle_timer_is_minus_one),
    CHECK_TEST(r11_delta_of_timer_due_now_is_zero),
    CHECK_TEST(r19_delta_of_counts_remaining_ticks),
    CHECK_TEST(a10_delta_of_rounds_remainder_up),
    CHECK_TEST(r11_minus_one_delta_leaves_host_timer_idle),
    CHECK_TEST(r11_zero_delta_expires_host_timer_at_once),
    CHECK_TEST(r62_host_resumes_from_remaining_ticks),
    CHECK_TEST(a2_minus_one_delta_none_runs_no_timer),
    CHECK_TEST(a2_minus_one_delta_start_runs_full_timer),
    CHECK_TEST(a6_zero_delta_expires_target_timer_at_once),
    CHECK_TEST(r19_target_resumes_from_host_delta),
    CHECK_TEST(r13_r14_fw2_start_arms_rexmt_slot),
    CHECK_TEST(r17_fw2_timer_fires_at_deadline),
    CHECK_TEST(r16_acceptable_segment_restarts_full_timer),
    CHECK_TEST(a4_restart_reloads_configured_value_not_host_delta),
    CHECK_TEST(r16_unacceptable_segment_changes_nothing),
    CHECK_TEST(a2_segment_does_not_start_idle_timer),
    CHECK_TEST(r16_segment_outside_fin_wait_2_does_nothing),
    CHECK_TEST(r20_upload_delta_running_reports_remaining_ticks),
    CHECK_TEST(r20_upload_delta_idle_is_minus_one),
    CHECK_TEST(a5_upload_delta_after_expiry_is_expired_delta),
    CHECK_TEST(r62_upload_round_trip_is_never_early),
    CHECK_TEST(r19_install_sets_or_clears_rexmt),
    CHECK_TEST(a6_installed_zero_delta_fires_at_once),
    CHECK_TEST(r5_srtt_and_rttvar_travel_scaled_ticks),
    CHECK_TEST(r5_rtt_is_quantised_to_scaled_ticks),
    CHECK_TEST(r5_rtt_saturates_at_16_bits),
    CHECK_TEST(r5_install_converts_rtt_back),
    CHECK_TEST(r8_no_rtt_estimate_travels_as_zero_srtt),
    CHECK_TEST(r8_rto_without_sample_crosses_both_ways),
    CHECK_TEST(r8_sequence_state_crosses),
    CHECK_TEST(r10_sample_stores_timeout_delta),
    CHECK_TEST(r27_retransmit_count_crosses),
    CHECK_TEST(r27_install_backs_off_rto_by_count),
    CHECK_TEST(r27_backed_off_rto_without_sample_crosses),
    CHECK_TEST(r25_total_rt_travels_in_ticks),
    CHECK_TEST(karn_install_resets_rtt_measurement),
};

CHECK_MAIN(tests)
