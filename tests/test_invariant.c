/*
 * test_invariant.c - the invariant checker (engine/invariant.h): each
 * invariant is broken on purpose, in a child process, by corrupting the
 * state of a running model the way a bug would, and the child must abort
 * with the invariant's name, the connection, the simulated time and the
 * values.  Each corruption has a control: the same run untouched goes to
 * its end with the checker on.
 *
 * The corruptions reach into the world's private state (world_int.h) and
 * cast away the const of the counters: that is the point of the test.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "engine/err.h"
#include "engine/invariant.h"
#include "host/host.h"
#include "io/scenario.h"
#include "world_int.h"

/* A world on its engine, from a scenario text. */
typedef struct model {
    scenario *sc;
    sim *s;
    world *w;
    trace_buf tr;
} model;

static void model_open(model *m, const char *text)
{
    sim_diag d;

    diag_init(&d);
    inv_enable(1); /* whatever the build type */
    if (scenario_load_text("t.ini", text, strlen(text), &m->sc, &d) != SIM_OK ||
        scenario_resolve(m->sc, &d) != SIM_OK) {
        diag_print(&d, stderr);
        abort();
    }
    trace_init(&m->tr, 0, NULL);
    sim_create(&m->s);
    if (world_create(&m->sc->cfg, m->s, &m->tr, &m->w) != SIM_OK)
        abort();
}

/* Run to the end of the scenario, then world_end (its recount). */
static void model_finish(model *m)
{
    sim_run(m->s, m->sc->cfg.sim.duration);
    world_end(m->w);
    world_destroy(m->w);
    sim_destroy(m->s);
    trace_fini(&m->tr);
    scenario_free(m->sc);
}

/* The only live connection. */
static conn *only(model *m)
{
    size_t k = 0;
    conn *c = world__live_from(m->w, &k);

    if (c == NULL || world__live_from(m->w, &k) != NULL)
        abort();
    return c;
}

/* One connection whose peer never closes: on the NIC, in FIN_WAIT_2 from
 * about 40 ms until the NIC's timer expires at 120 s. */
static const char never[] = "[sim]\nduration = 10min\n[workload]\nconnections = 1\n"
                            "interarrival = 1ms\n[peer p]\nbehaviour = never\n";

/* ---- ownership -------------------------------------------------------------- */

/* The host takes the connection back in its books while the NIC holds it:
 * the next occupancy sample's recount finds two holders. */
static void two_holders(void *corrupt)
{
    model m;
    conn *c;

    model_open(&m, never);
    sim_run(m.s, 30 * SIM_S + SIM_MS);
    c = only(&m);
    if (host_conn_owner(&c->local) != OWNER_NIC)
        abort();
    if (corrupt)
        c->local.owner = OWNER_HOST;
    model_finish(&m);
}

static void ownership_one_holder_or_a_handoff(void)
{
    CHECK_SURVIVES(two_holders, NULL);
    CHECK_ABORTS(two_holders, "corrupt", "offsim: invariant violated (ownership): connection 1 at "
                 "31.000000000 s (31000000000 ns)",
                 "owner host (0), NIC holds it: 1", "the NIC holds it too");
}

/* A timer of the endpoint armed during an offload: it would fire into the
 * host's hooks while the NIC is about to hold the connection. */
static void timer_in_handoff(void *corrupt)
{
    model m;
    conn *c;

    model_open(&m, "[sim]\nduration = 10min\n[workload]\nconnections = 1\ninterarrival = 1ms\n"
                   "[peer p]\nbehaviour = never\n[offload]\nwhen = fin_wait_2\n[nic]\n"
                   "offload_latency = 50ms\n");
    while (sim_now(m.s) < SIM_S) {
        sim_run(m.s, sim_now(m.s) + SIM_MS);
        c = world__live(m.w);
        if (c != NULL && host_conn_owner(&c->local) == OWNER_OFFLOADING)
            break;
    }
    c = only(&m);
    if (host_conn_owner(&c->local) != OWNER_OFFLOADING)
        abort();
    if (corrupt)
        sim_restart(m.s, &c->local.tcb.timer[TT_DELACK], sim_now(m.s) + SIM_S);
    model_finish(&m);
}

static void ownership_timers_frozen_in_a_handoff(void)
{
    CHECK_SURVIVES(timer_in_handoff, NULL);
    CHECK_ABORTS(timer_in_handoff, "corrupt", "invariant violated (ownership): connection 1 at ",
                 "owner handoff (2): the offload completes while a timer of its endpoint runs",
                 "timers are frozen during a handoff");
}

/* ---- the retransmit/FIN_WAIT_2 slot (R14) --------------------------------- */

/* A trickling peer's segment restarts the NIC's FIN_WAIT_2 timer in the
 * retransmit slot while (corrupted) data is outstanding. */
static void slot_with_outstanding(void *corrupt)
{
    model m;
    conn *c;

    model_open(&m, "[sim]\nduration = 10min\n[workload]\nconnections = 1\ninterarrival = 1ms\n"
                   "[peer p]\nbehaviour = trickle\ninterval = 10s\ncount = 3\n"
                   "close_delay = 1min\n");
    sim_run(m.s, 5 * SIM_S);
    c = only(&m);
    if (c->local.tcb.state != TCP_S_FIN_WAIT_2 || host_conn_owner(&c->local) != OWNER_NIC)
        abort();
    if (corrupt)
        c->local.tcb.snd_una--;
    model_finish(&m);
}

static void slot_holds_one_timer_not_a_retransmission_too(void)
{
    CHECK_SURVIVES(slot_with_outstanding, NULL);
    CHECK_ABORTS(slot_with_outstanding, "corrupt",
                 "invariant violated (timer slot): connection 1 at 10.0", "in the retransmit "
                 "slot while 1 sequence numbers are outstanding", "two timers (R14)");
}

/* The host, holding a connection in FIN_WAIT_2 with its own timer in the
 * 2MSL slot, gets a second FIN_WAIT_2 timer in the retransmit slot. */
static void two_fw2_timers(void *corrupt)
{
    model m;
    conn *c;

    model_open(&m, "[sim]\nduration = 10min\n[workload]\nconnections = 1\ninterarrival = 1ms\n"
                   "[peer p]\nbehaviour = never\n[offload]\nwhen = never\n");
    sim_run(m.s, 5 * SIM_S);
    c = only(&m);
    if (c->local.tcb.state != TCP_S_FIN_WAIT_2 ||
        !sim_event_pending(&c->local.tcb.timer[TT_2MSL]))
        abort();
    if (corrupt)
        tcp_timer_arm(&c->local.tcb, TT_REXMT, sim_now(m.s) + SIM_S);
    model_finish(&m);
}

static void slot_one_fin_wait_2_timer(void)
{
    CHECK_SURVIVES(two_fw2_timers, NULL);
    CHECK_ABORTS(two_fw2_timers, "corrupt",
                 "invariant violated (timer slot): connection 1 at 5.000000000 s",
                 "a FIN_WAIT_2 timer armed in the retransmit slot (due at 6000000000 ns) while "
                 "the 2MSL slot holds one", "two FIN_WAIT_2 timers (R14)");
}

/* ---- no event for a freed connection --------------------------------------- */

/* Short connections arriving at random: when several finish between two
 * arrivals, the next arrival frees them all (bury) and reuses one, so the
 * others wait on the free list. */
static const char churn[] = "[sim]\nduration = 10min\n[workload]\nconnections = 40\n"
                            "interarrival = exp(1s)\n[peer p]\nbehaviour = close\n"
                            "close_delay = 10ms\n[host]\ntime_wait = 1s\n";

/* Run until a freed connection waits on the free list for reuse. */
static conn *freed_one(model *m)
{
    while (sim_now(m->s) < 60 * SIM_S) {
        sim_run(m->s, sim_now(m->s) + 100 * SIM_MS);
        for (conn *c = m->w->free; c != NULL; c = c->next)
            if (c->freed)
                return c;
    }
    abort();
}

static void event_of_freed(void *which)
{
    model m;
    conn *c;

    model_open(&m, churn);
    c = freed_one(&m);
    if (which != NULL && strcmp(which, "peer") == 0)
        sim_schedule(m.s, &c->app_ev, sim_now(m.s) + SIM_MS);
    if (which != NULL && strcmp(which, "host") == 0)
        sim_schedule(m.s, &c->local.upload_ev, sim_now(m.s) + SIM_MS);
    if (which != NULL && strcmp(which, "reuse") == 0)
        sim_schedule(m.s, &c->local.tcb.timer[TT_REXMT], sim_now(m.s) + 600 * SIM_S);
    model_finish(&m);
}

static void freed_connection_gets_no_event(void)
{
    CHECK_SURVIVES(event_of_freed, NULL);
    CHECK_ABORTS(event_of_freed, "peer", "invariant violated (freed connection): connection ",
                 "its peer application event fired after the connection was freed");
    CHECK_ABORTS(event_of_freed, "host", "invariant violated (freed connection): connection ",
                 "its local endpoint's upload event fired after the connection was freed");
    /* An event armed for a freed connection that is reused before it fires. */
    CHECK_ABORTS(event_of_freed, "reuse", "invariant violated (freed connection): connection ",
                 "an event was armed for the connection after it was freed");
}

/* ---- NIC occupancy ---------------------------------------------------------- */

/* Ten never-closing peers on a NIC of capacity 4. */
static const char full[] = "[sim]\nduration = 10min\n[workload]\nconnections = 10\n"
                           "interarrival = 1s\n[peer p]\nbehaviour = never\n[nic]\ncapacity = 4\n";

static void occupancy(void *what)
{
    model m;
    nic_stats *n;
    host_stats *h;

    model_open(&m, full);
    sim_run(m.s, 20 * SIM_S + SIM_MS);
    n = (nic_stats *)nic_stats_of(m.w->nic);
    h = (host_stats *)host_stats_of(m.w->host);
    if (n->total != 4 || n->fin_wait_2 != 4 || h->fin_wait_2 != 6)
        abort();
    if (what != NULL && strcmp(what, "capacity") == 0)
        n->total = n->peak = 5;
    if (what != NULL && strcmp(what, "nic") == 0)
        n->fin_wait_2--;
    if (what != NULL && strcmp(what, "host") == 0)
        h->fin_wait_2++;
    model_finish(&m);
}

static void nic_occupancy_within_capacity_and_recounted(void)
{
    CHECK_SURVIVES(occupancy, NULL);
    CHECK_ABORTS(occupancy, "capacity",
                 "invariant violated (NIC occupancy): no single connection at 21.000000000 s",
                 "5 slots in use (peak 5) of a capacity of 4, 4 of them held in FIN_WAIT_2");
    CHECK_ABORTS(occupancy, "nic",
                 "invariant violated (NIC occupancy): no single connection at 21.000000000 s",
                 "the NIC counts 4 slots in use and 3 connections in FIN_WAIT_2; a recount of "
                 "the connections finds 4 and 4");
    CHECK_ABORTS(occupancy, "host",
                 "invariant violated (NIC occupancy): no single connection at 21.000000000 s",
                 "the host counts 7 endpoints it holds in FIN_WAIT_2 and 0 in TIME_WAIT; a "
                 "recount of the connections finds 6 and 0");
}

/* ---- FIN_WAIT_2 exit ---------------------------------------------------------- */

/* A connection in FIN_WAIT_2 leaves it as if retransmissions had run out
 * (nothing is outstanding there): neither a FIN, an RST nor a timer. */
static void fw2_exit(void *holder)
{
    model m;
    conn *c;

    model_open(&m, strcmp(holder, "nic") == 0
                       ? never
                       : "[sim]\nduration = 10min\n[workload]\nconnections = 1\n"
                         "interarrival = 1ms\n[peer p]\nbehaviour = never\n[offload]\n"
                         "when = never\n");
    sim_run(m.s, 5 * SIM_S);
    c = only(&m);
    if (c->local.tcb.state != TCP_S_FIN_WAIT_2)
        abort();
    tcp_set_state(&c->local.tcb, TCP_S_CLOSED, TCP_E_RETRIES);
    model_finish(&m);
}

/* The control: the same connection left alone expires by the NIC's timer,
 * and the host's when it holds the connection. */
static void fw2_left_alone(void *holder)
{
    model m;

    model_open(&m, strcmp(holder, "nic") == 0
                       ? never
                       : "[sim]\nduration = 10min\n[workload]\nconnections = 1\n"
                         "interarrival = 1ms\n[peer p]\nbehaviour = never\n[offload]\n"
                         "when = never\n");
    model_finish(&m);
}

static void fin_wait_2_left_by_fin_rst_or_timer(void)
{
    CHECK_SURVIVES(fw2_left_alone, "nic");
    CHECK_SURVIVES(fw2_left_alone, "host");
    CHECK_ABORTS(fw2_exit, "nic",
                 "invariant violated (FIN_WAIT_2 exit): connection 1 at 5.000000000 s",
                 "left FIN_WAIT_2 for CLOSED on RETRIES, held by nic");
    CHECK_ABORTS(fw2_exit, "host",
                 "invariant violated (FIN_WAIT_2 exit): connection 1 at 5.000000000 s",
                 "left FIN_WAIT_2 for CLOSED on RETRIES, held by host");
}

/* ---- TimeoutDelta ----------------------------------------------------------- */

/* Offloaded in FIN_WAIT_2 (R19): the host's remaining time travels to the
 * NIC; the delegated state in transit is corrupted by one tick. */
static void delta_in_transit(void *corrupt)
{
    model m;
    conn *c = NULL;

    model_open(&m, "[sim]\nduration = 10min\n[workload]\nconnections = 1\ninterarrival = 1ms\n"
                   "[peer p]\nbehaviour = never\n[offload]\nwhen = fin_wait_2\n[nic]\n"
                   "offload_latency = 50ms\n");
    while (sim_now(m.s) < SIM_S) {
        sim_run(m.s, sim_now(m.s) + SIM_MS);
        c = world__live(m.w);
        if (c != NULL && host_conn_owner(&c->local) == OWNER_OFFLOADING)
            break;
    }
    if (c == NULL || host_conn_owner(&c->local) != OWNER_OFFLOADING)
        abort();
    if (corrupt)
        c->local.transit->d.timeout_delta++;
    model_finish(&m);
}

/* In count mode the NIC hands over the tick boundaries left to count; a
 * deadline moved off the tick clock (a corrupted timer) has a different
 * count than its time rounded up. */
static void delta_counted(void *corrupt)
{
    model m;
    conn *c;
    tcp_tcb *t;

    model_open(&m, "[sim]\nduration = 10min\n[workload]\nconnections = 1\ninterarrival = 1ms\n"
                   "[peer p]\nbehaviour = never\n[nic]\ntick_mode = count\n");
    sim_run(m.s, 60 * SIM_S + 500 * SIM_US);
    c = only(&m);
    t = &c->local.tcb;
    if (t->state != TCP_S_FIN_WAIT_2 || host_conn_owner(&c->local) != OWNER_NIC)
        abort();
    if (corrupt)
        tcp_timer_arm(t, TT_REXMT, tcp_timer_deadline(t, TT_REXMT) - 300 * SIM_US);
    host_upload(world__host(m.w), &c->local);
    model_finish(&m);
}

static void timeout_delta_is_the_remaining_time_in_ticks(void)
{
    CHECK_SURVIVES(delta_in_transit, NULL);
    CHECK_ABORTS(delta_in_transit, "corrupt", "invariant violated (TimeoutDelta): connection 1 at ",
                 "the offload completes with a TimeoutDelta of 120001 ticks; 120000 were handed "
                 "over");
    CHECK_SURVIVES(delta_counted, NULL);
    CHECK_ABORTS(delta_counted, "corrupt",
                 "invariant violated (TimeoutDelta): connection 1 at 60.000500000 s",
                 "the NIC hands over 60006 ticks in FIN_WAIT_2, expected 60005",
                 "its FIN_WAIT_2 timer is due at 120005700000 ns",
                 "the tick boundaries left to count (tick_mode count)",
                 "tick 1000000 ns");
}

/*
 * The whole suite runs with the checker on (README "Testing"): a test build
 * (Debug or OFFSIM_SANITIZE; tests/CMakeLists.txt says which this is) starts
 * with it on, before anything turns it on.  First in the table, so that it
 * runs before model_open's inv_enable.
 */
static void on_from_the_start_in_a_test_build(void)
{
    CHECK_EQ_I64(inv_on(), OFFSIM_TEST_BUILD);
}

static const check_test tests[] = {
    CHECK_TEST(on_from_the_start_in_a_test_build),
    CHECK_TEST(ownership_one_holder_or_a_handoff),
    CHECK_TEST(ownership_timers_frozen_in_a_handoff),
    CHECK_TEST(slot_holds_one_timer_not_a_retransmission_too),
    CHECK_TEST(slot_one_fin_wait_2_timer),
    CHECK_TEST(freed_connection_gets_no_event),
    CHECK_TEST(nic_occupancy_within_capacity_and_recounted),
    CHECK_TEST(fin_wait_2_left_by_fin_rst_or_timer),
    CHECK_TEST(timeout_delta_is_the_remaining_time_in_ticks),
};

CHECK_MAIN(tests)
