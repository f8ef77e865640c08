/*
 * test_scenario.c - units, the parameter table, scenario files and --set:
 * every value class, every error a user can make, presets and defaults.
 */
#include <stdlib.h>

#include "check.h"
#include "engine/err.h"
#include "io/params.h"
#include "io/scenario.h"
#include "io/units.h"

/* Parse text; returns the scenario (resolved) or NULL with diagnostics in *d. */
static scenario *load(const char *text, sim_diag *d)
{
    scenario *sc;

    diag_init(d);
    if (scenario_load_text("t.ini", text, strlen(text), &sc, d) != SIM_OK)
        return NULL;
    if (scenario_resolve(sc, d) != SIM_OK) {
        scenario_free(sc);
        return NULL;
    }
    return sc;
}

/* The first diagnostic of a text that must fail. */
static const char *first_error(const char *text)
{
    static sim_diag d;
    scenario *sc = load(text, &d);

    if (sc != NULL) {
        scenario_free(sc);
        return "(no error)";
    }
    return d.n ? d.msg[0] : "(no message)";
}

static void durations_need_units(void)
{
    char err[UNITS_ERR_MAX];
    sim_time t;

    CHECK_EQ_I64(units_parse_duration("120s", &t, err), 0);
    CHECK_EQ_I64(t, 120 * SIM_S);
    CHECK_EQ_I64(units_parse_duration("1.5ms", &t, err), 0);
    CHECK_EQ_I64(t, 1500 * SIM_US);
    CHECK_EQ_I64(units_parse_duration("2min", &t, err), 0);
    CHECK_EQ_I64(t, 120 * SIM_S);
    CHECK_EQ_I64(units_parse_duration("1h", &t, err), 0);
    CHECK_EQ_I64(t, 3600 * SIM_S);
    CHECK_EQ_I64(units_parse_duration("250 us", &t, err), 0);
    CHECK_EQ_I64(t, 250 * SIM_US);
    CHECK_EQ_I64(units_parse_duration("0", &t, err), 0);
    CHECK_EQ_I64(t, 0);
    CHECK_EQ_I64(units_parse_duration("5", &t, err), -1);
    CHECK_CONTAINS(err, "no unit");
    CHECK_EQ_I64(units_parse_duration("5sec", &t, err), -1);
    CHECK_CONTAINS(err, "unknown unit 'sec'");
    CHECK_EQ_I64(units_parse_duration("-3ms", &t, err), -1);
    CHECK_CONTAINS(err, "negative");
    CHECK_EQ_I64(units_parse_duration("ms", &t, err), -1);
    CHECK_EQ_I64(units_parse_duration("nan s", &t, err), -1);
    CHECK_EQ_I64(units_parse_duration("1e30h", &t, err), -1);
    CHECK_CONTAINS(err, "too large");
    /* Time is whole nanoseconds: a value between two is refused, never
     * rounded to one of them (0.4ns was 0 and 1.5ns was 2ns). */
    CHECK_EQ_I64(units_parse_duration("1.5ns", &t, err), -1);
    CHECK_CONTAINS(err, "not a whole number of nanoseconds");
    CHECK_EQ_I64(units_parse_duration("0.0000000004s", &t, err), -1);
    CHECK_EQ_I64(units_parse_duration("0.1s", &t, err), 0);
    CHECK_EQ_I64(t, 100 * SIM_MS);
    CHECK_EQ_I64(units_parse_duration("1.000000001s", &t, err), 0);
    CHECK_EQ_I64(t, SIM_S + 1);
}

static void sizes_rates_and_numbers(void)
{
    char err[UNITS_ERR_MAX];
    uint64_t u;
    double x;

    CHECK_EQ_I64(units_parse_size("1460", &u, err), 0);
    CHECK_EQ_I64(u, 1460);
    CHECK_EQ_I64(units_parse_size("10KB", &u, err), 0);
    CHECK_EQ_I64(u, 10000);
    CHECK_EQ_I64(units_parse_size("1.5MB", &u, err), 0);
    CHECK_EQ_I64(u, 1500000);
    CHECK_EQ_I64(units_parse_size("10KiB", &u, err), -1);
    /* DESIGN: "a bare integer of bytes"; a fraction of a byte is refused,
     * never rounded (0.4 was 0 B, 1460.4 was 1460 B). */
    CHECK_EQ_I64(units_parse_size("1.5", &u, err), -1);
    CHECK_CONTAINS(err, "not a whole number of bytes");
    CHECK_EQ_I64(units_parse_size("0.4B", &u, err), -1);
    CHECK_EQ_I64(units_parse_size("1.0005KB", &u, err), -1);
    CHECK_EQ_I64(units_parse_size("0.001KB", &u, err), 0);
    CHECK_EQ_I64(u, 1);
    CHECK_EQ_I64(units_parse_rate("1.5bps", &u, err), -1);
    CHECK_CONTAINS(err, "not a whole number of bits/s");
    CHECK_EQ_I64(units_parse_rate("1.544Mbps", &u, err), 0);
    CHECK_EQ_I64(u, 1544000);
    CHECK_EQ_I64(units_parse_rate("1Gbps", &u, err), 0);
    CHECK_EQ_I64(u, 1000000000);
    CHECK_EQ_I64(units_parse_rate("100", &u, err), -1);
    CHECK_CONTAINS(err, "no unit");
    CHECK_EQ_I64(units_parse_per_second("0.5/s", &x, err), 0);
    CHECK_NEAR(x, 0.5, 0);
    CHECK_EQ_I64(units_parse_per_second("0.5", &x, err), -1);
    CHECK_EQ_I64(units_parse_number("0.01", &x, err), 0);
    CHECK_EQ_I64(units_parse_number("1%", &x, err), -1);
    CHECK_EQ_I64(units_parse_count("12", &u, err), 0);
    CHECK_EQ_I64(units_parse_count("1.5", &u, err), -1);
}

static void distributions_parse_and_format(void)
{
    char err[UNITS_ERR_MAX], buf[UNITS_FMT_MAX];
    dist d;

    CHECK_EQ_I64(units_parse_dist("exp(10ms)", &d, err), 0);
    CHECK(d.kind == DIST_EXP && d.a == 1e7);
    CHECK_EQ_STR(units_fmt_dist(&d, buf), "exp(10ms)");
    CHECK_EQ_I64(units_parse_dist("uniform(1ms, 3ms)", &d, err), 0);
    CHECK_EQ_STR(units_fmt_dist(&d, buf), "uniform(1ms,3ms)");
    CHECK_EQ_I64(units_parse_dist("lognormal(5ms,0.5)", &d, err), 0);
    CHECK_EQ_STR(units_fmt_dist(&d, buf), "lognormal(5ms,0.5)");
    CHECK_EQ_I64(units_parse_dist("pareto(1s,1.5)", &d, err), 0);
    CHECK_EQ_I64(units_parse_dist("20ms", &d, err), 0);
    CHECK(d.kind == DIST_CONST && d.a == 2e7);
    CHECK_EQ_STR(units_fmt_dist(&d, buf), "20ms");
    CHECK_EQ_I64(units_parse_dist("exp(10ms", &d, err), -1);
    CHECK_CONTAINS(err, "malformed");
    CHECK_EQ_I64(units_parse_dist("gauss(1s)", &d, err), -1);
    CHECK_CONTAINS(err, "unknown distribution");
    CHECK_EQ_I64(units_parse_dist("uniform(1s)", &d, err), -1);
    CHECK_CONTAINS(err, "2 arguments");
    CHECK_EQ_I64(units_parse_dist("uniform(3s,1s)", &d, err), -1);
    CHECK_EQ_I64(units_parse_dist("exp(10)", &d, err), -1);
    CHECK_CONTAINS(err, "no unit");
    /* A bare value says why it is not a duration, as inside a form does. */
    CHECK_EQ_I64(units_parse_dist("10", &d, err), -1);
    CHECK_CONTAINS(err, "no unit");
    CHECK_EQ_I64(units_parse_dist("uniform(1.5ns,3ns)", &d, err), -1);
    CHECK_CONTAINS(err, "not a whole number of nanoseconds");
    CHECK_EQ_I64(units_parse_dist("lognormal(0,1)", &d, err), -1);
}

static void canonical_text(void)
{
    char buf[UNITS_FMT_MAX];

    CHECK_EQ_STR(units_fmt_duration(120 * SIM_S, buf), "120s");
    CHECK_EQ_STR(units_fmt_duration(1500 * SIM_US, buf), "1500us");
    CHECK_EQ_STR(units_fmt_duration(0, buf), "0");
    CHECK_EQ_STR(units_fmt_duration(7, buf), "7ns");
    CHECK_EQ_STR(units_fmt_size(10000, buf), "10KB");
    CHECK_EQ_STR(units_fmt_size(1460, buf), "1460B");
    CHECK_EQ_STR(units_fmt_rate(1000000000, buf), "1Gbps");
    CHECK_EQ_STR(units_fmt_number(0.1, buf), "0.1");
    CHECK_EQ_STR(units_fmt_number(3.5, buf), "3.5");
    {
        const param *p = params_find("sim", "window");
        sim_window w;
        char err[UNITS_ERR_MAX];

        CHECK_EQ_I64(param_parse(p, "100s..0.5h", &w, err), 0);
        CHECK_EQ_I64(w.kind, WINDOW_FIXED);
        CHECK_EQ_I64(w.from, 100 * SIM_S);
        CHECK_EQ_I64(w.to, 1800 * SIM_S);
        CHECK_EQ_STR(param_format(p, &w, buf), "100s..1800s");
        CHECK_EQ_I64(param_parse(p, "run", &w, err), 0);
        CHECK_EQ_STR(param_format(p, &w, buf), "run");
    }
}

/* Every default in the table parses, and reads back as itself. */
static void every_default_parses_and_round_trips(void)
{
    model_config cfg;
    peer_params peer;
    char err[UNITS_ERR_MAX], buf[UNITS_FMT_MAX], again[UNITS_FMT_MAX];

    for (size_t i = 0; i < params_count; i++) {
        const param *p = &params_table[i];
        void *f = param_field(p, &cfg, &peer);

        CHECK(p->help != NULL && strlen(p->help) > 10);
        if (p->def == NULL) {
            CHECK(p->flags & (PF_PRESET | PF_PATH));
            continue;
        }
        if (param_parse(p, p->def, f, err) != 0) {
            CHECK_FAIL_("default of %s.%s: %s", p->section, p->key, err);
            continue;
        }
        param_format(p, f, buf);
        CHECK_EQ_I64(param_parse(p, buf, f, err), 0);
        CHECK_EQ_STR(param_format(p, f, again), buf);
    }
    /* Every preset value parses. */
    for (int pol = 0; pol <= FW2_POLICY_NONE; pol++)
        for (size_t i = 0; i < params_count; i++) {
            const param *p = &params_table[i];
            const char *v;

            if (!(p->flags & PF_PRESET))
                continue;
            v = params_preset_value(pol, p->key);
            CHECK(v != NULL);
            if (v != NULL)
                CHECK_EQ_I64(param_parse(p, v, param_field(p, &cfg, NULL), err), 0);
        }
}

static void defaults_match_the_contract(void)
{
    sim_diag d;
    scenario *sc = load("", &d);
    model_config *c;

    CHECK(sc != NULL);
    if (sc == NULL)
        return;
    c = &sc->cfg;
    CHECK_EQ_I64(c->sim.duration, 3600 * SIM_S);
    CHECK_EQ_I64(c->sim.seed, 1);
    CHECK_EQ_I64(c->sim.log, LOG_CONN);
    CHECK_EQ_I64(c->sim.warmup, 0);
    CHECK_EQ_I64(c->sim.sample_interval, SIM_S);
    CHECK_EQ_I64(c->sim.window.kind, WINDOW_ARRIVALS);
    CHECK(c->link.delay.kind == DIST_CONST && c->link.delay.a == 1e6);
    CHECK_EQ_I64(c->link.bandwidth_bps, 1000000000);
    CHECK_NEAR(c->link.loss, 0, 0);
    CHECK_EQ_I64(c->host.fw2_policy, FW2_POLICY_CHIMNEY);
    /* A11 chimney: idle 120 s, all, accept, 240 s. */
    CHECK_EQ_I64(c->host.fw2_mode, FW2_MODE_IDLE);
    CHECK_EQ_I64(c->host.fw2_scope, FW2_SCOPE_ALL);
    CHECK_EQ_I64(c->host.fin_wait_2_timeout, 120 * SIM_S);
    CHECK_EQ_I64(c->host.data_after_close, DATA_AFTER_CLOSE_ACCEPT);
    CHECK_EQ_I64(c->host.time_wait, 240 * SIM_S);
    CHECK_EQ_I64(c->host.fw2_expiry, FW2_EXPIRY_SILENT);
    CHECK_EQ_I64(c->host.mss, 1460);
    CHECK_EQ_I64(c->host.delack, 0);
    CHECK_EQ_I64(c->nic.capacity, 65536);
    CHECK_EQ_I64(c->nic.ticks_per_second, 1000);
    CHECK_EQ_I64(c->nic.tick_mode, TICK_MODE_CEIL);
    CHECK_EQ_I64(c->nic.fin_wait_2_timeout, 120 * SIM_S); /* R15 */
    CHECK_EQ_I64(c->nic.on_unset_delta, UNSET_DELTA_NONE);
    CHECK_EQ_I64(c->nic.expired_delta, -1);
    CHECK_EQ_I64(c->tcp.acceptable, ACCEPTABLE_WINDOW);
    CHECK_EQ_I64(c->offload.when, OFFLOAD_ESTABLISHED);
    CHECK_NEAR(c->offload.probability, 1, 0);
    CHECK_NEAR(c->offload.upload_rate, 0, 0);
    CHECK_EQ_I64(c->workload.request, 0);
    CHECK_EQ_I64(c->workload.closer, CLOSER_LOCAL);
    CHECK_EQ_I64(c->workload.close_mode, CLOSE_MODE_CLOSE);
    CHECK_EQ_I64(c->npeers, 1);
    CHECK_EQ_STR(c->peers[0].name, "default");
    CHECK_NEAR(c->peers[0].share, 1, 0);
    CHECK_EQ_I64(c->peers[0].ack_delay.a, 0);
    CHECK(c->peers[0].delay.a == 1e6); /* from [link] */
    scenario_free(sc);
}

static void presets_fill_what_was_not_given(void)
{
    sim_diag d;
    /* The explicit key wins whether it comes before or after the policy. */
    scenario *sc = load("[host]\nfin_wait_2_timeout = 30s\nfw2_policy = linux\n", &d);

    CHECK(sc != NULL);
    if (sc == NULL)
        return;
    CHECK_EQ_I64(sc->cfg.host.fin_wait_2_timeout, 30 * SIM_S);
    CHECK_EQ_I64(sc->cfg.host.fw2_mode, FW2_MODE_LINUX);
    CHECK_EQ_I64(sc->cfg.host.fw2_idle_on, FW2_IDLE_ON_ACCEPTABLE);
    CHECK_EQ_I64(sc->cfg.host.fw2_scope, FW2_SCOPE_CLOSED);
    CHECK_EQ_I64(sc->cfg.host.fw2_linger2, FW2_LINGER2_TIMER); /* no preset sets it */
    CHECK_EQ_I64(sc->cfg.host.timer_wheel_hz, 0);              /* presets keep exact timers */
    CHECK_NEAR(sc->cfg.host.fw2_rto_floor, 3.5, 0);
    CHECK_EQ_I64(sc->cfg.host.data_after_close, DATA_AFTER_CLOSE_RST);
    CHECK_EQ_I64(sc->cfg.host.time_wait, 60 * SIM_S);
    scenario_free(sc);

    sc = load("[host]\nfw2_policy = freebsd\n", &d);
    CHECK(sc != NULL);
    if (sc != NULL) {
        CHECK_EQ_I64(sc->cfg.host.fin_wait_2_timeout, 600 * SIM_S);
        CHECK_EQ_I64(sc->cfg.host.fw2_check_interval, 75 * SIM_S);
        CHECK_EQ_I64(sc->cfg.host.fw2_idle_on, FW2_IDLE_ON_ANY);
        scenario_free(sc);
    }
    sc = load("[host]\nfw2_policy = none\n", &d);
    CHECK(sc != NULL);
    if (sc != NULL) {
        CHECK_EQ_I64(sc->cfg.host.fin_wait_2_timeout, 0);
        scenario_free(sc);
    }
}

static void peers_form_a_mix_with_path_overrides(void)
{
    sim_diag d;
    scenario *sc = load("[link]\ndelay = 2ms\nloss = 0.01\n"
                        "[peer web]\nshare = 3\nclose_delay = exp(1s)\n"
                        "[peer idle]\n" /* empty: still a class */
                        "[peer far]\ndelay = 80ms ; a satellite path\n",
                        &d);

    CHECK(sc != NULL);
    if (sc == NULL)
        return;
    CHECK_EQ_I64(sc->cfg.npeers, 3);
    CHECK_EQ_STR(sc->cfg.peers[0].name, "web");
    CHECK_EQ_STR(sc->cfg.peers[1].name, "idle");
    CHECK_NEAR(sc->cfg.peers[0].share, 3, 0);
    CHECK(sc->cfg.peers[0].close_delay.kind == DIST_EXP);
    CHECK(sc->cfg.peers[0].delay.a == 2e6);
    CHECK_NEAR(sc->cfg.peers[1].loss, 0.01, 0);
    CHECK(sc->cfg.peers[2].delay.a == 80e6);
    CHECK_EQ_I64(sc->cfg.peers[2].behaviour, PEER_CLOSE);
    scenario_free(sc);
}

static void set_overrides_file_and_names_its_argument(void)
{
    sim_diag d;
    scenario *sc;

    diag_init(&d);
    static const char text[] = "[nic]\ncapacity = 10\n[peer web]\n";

    CHECK_EQ_I64(scenario_load_text("t.ini", text, strlen(text), &sc, &d), 0);
    if (sc == NULL)
        return;
    CHECK_EQ_I64(scenario_set(sc, "nic.capacity=20", &d), 0);
    CHECK_EQ_I64(scenario_set(sc, "peer.web.close_delay=5s", &d), 0);
    CHECK_EQ_I64(scenario_set(sc, "host.fw2_policy=linux", &d), 0);
    CHECK_EQ_I64(scenario_resolve(sc, &d), 0);
    CHECK_EQ_I64(sc->cfg.nic.capacity, 20);
    CHECK(sc->cfg.peers[0].close_delay.a == 5e9);
    CHECK_EQ_I64(sc->cfg.host.fin_wait_2_timeout, 60 * SIM_S);

    CHECK_EQ_I64(scenario_set(sc, "nic.capcity=1", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "--set nic.capcity=1: unknown key [nic] capcity; did you mean 'capacity'?");
    CHECK_EQ_I64(scenario_set(sc, "nic.capacity", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "expected section.key=value");
    CHECK_EQ_I64(scenario_set(sc, "peer.nope.share=1", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "no [peer nope] section; its classes: web");
    CHECK_EQ_I64(scenario_set(sc, "peer.wbe.share=1", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "no [peer wbe] section; did you mean [peer web]?");
    CHECK_EQ_I64(scenario_set(sc, "link.delay=5", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "--set link.delay=5: [link] delay: expected");
    CHECK_EQ_I64(scenario_set(sc, "nci.capacity=1", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "did you mean [nic]");
    /* [sweep] is a section of files, whose keys --set does not take. */
    CHECK_EQ_I64(scenario_set(sc, "sweep.seeds=3", &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "--set sweep.seeds=3: [sweep] keys are not scenario keys: a "
                                   "sweep takes them as --vary KEY=SPEC, --seeds N|A-B and "
                                   "--jobs J");
    /* Checks across keys: --set is later than any line of the file. */
    CHECK_EQ_I64(scenario_set(sc, "host.rto_max=1ms", &d), 0);
    CHECK_EQ_I64(scenario_resolve(sc, &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[d.n - 1], "--set host.rto_max: [host] rto_min (");
    CHECK_CONTAINS(d.msg[d.n - 1], ", the default) is above rto_max (1ms)");
    scenario_free(sc);
}

/* Each error names file:line, the key, what was expected and what was found. */
static void every_bad_input_is_located(void)
{
    CHECK_CONTAINS(first_error("[sim]\n[hots]\nmss = 1\n"),
                   "t.ini:2: unknown section [hots]; did you mean [host]?");
    CHECK_CONTAINS(first_error("[nic]\nfin_wait2_timeout = 1s\n"),
                   "t.ini:2: [nic] unknown key 'fin_wait2_timeout'; did you mean 'fin_wait_2_timeout'?");
    CHECK_CONTAINS(first_error("[nic]\nmss = 1460\n"), "did you mean [host] mss?");
    CHECK_CONTAINS(first_error("\n\n[link]\ndelay = 5\n"),
                   "t.ini:4: [link] delay: expected a duration or a distribution");
    CHECK_CONTAINS(first_error("[sim]\nduration = 5\n"),
                   "t.ini:2: [sim] duration: expected a duration with a unit");
    CHECK_CONTAINS(first_error("[sim]\nduration = 5 days\n"), "unknown unit 'days'");
    CHECK_CONTAINS(first_error("[sim]\nduration = -5s\n"), "got '-5s' (negative)");
    CHECK_CONTAINS(first_error("[sim]\nduration = 0\n"),
                   "[sim] duration: expected a value above 0, got '0'");
    CHECK_CONTAINS(first_error("[link]\nloss = 1.5\n"),
                   "[link] loss: expected a probability below 1, got '1.5'");
    CHECK_CONTAINS(first_error("[nic]\nticks_per_second = 60\n"),
                   "expected 10, 100 or 1000 (R3), got '60'");
    CHECK_CONTAINS(first_error("[host]\ntimer_wheel_hz = 300\n"),
                   "t.ini:2: [host] timer_wheel_hz: expected 0 (exact timers), 100, 250 or 1000, "
                   "got '300'");
    CHECK_CONTAINS(first_error("[offload]\nprobability = 2\n"),
                   "[offload] probability: expected a value from 0 to 1, got '2'");
    CHECK_CONTAINS(first_error("[offload]\nwhen = sometimes\n"),
                   "expected never, established or fin_wait_2, got 'sometimes'");
    CHECK_CONTAINS(first_error("[workload]\ninterarrival = exp(10ms\n"),
                   "t.ini:2: [workload] interarrival: expected a duration or a distribution");
    CHECK_CONTAINS(first_error("[peer a]\nshare = 0\n[peer b]\nshare = 0\n"),
                   "every [peer] share is 0");
    CHECK_CONTAINS(first_error("[peer a]\nclose_dely = 1s\n"),
                   "[peer a] unknown key 'close_dely'; did you mean 'close_delay'?");
    CHECK_CONTAINS(first_error("[peer]\nshare = 1\n"), "expected [peer NAME]");
    CHECK_CONTAINS(first_error("[peer a b]\n"), "expected [peer NAME]");
    CHECK_CONTAINS(first_error("[nic]\ncapacity = 1\ncapacity = 2\n"),
                   "t.ini:3: [nic] capacity is set twice (first on line 2)");
    CHECK_CONTAINS(first_error("duration = 1s\n"),
                   "t.ini:1: key 'duration' comes before any [section]; put it under [sim]");
    CHECK_CONTAINS(first_error("[sim]\nthis is not a setting\n"),
                   "t.ini:2: expected 'key = value' or a [section] header");
    CHECK_CONTAINS(first_error("[sim\n"), "t.ini:1: expected a section header");
    /* Checks across keys: at the later key, both values, where the other came from. */
    CHECK_CONTAINS(first_error("[host]\nrto_min = 10s\nrto_max = 1s\n"),
                   "t.ini:3: [host] rto_min (10s, line 2) is above rto_max (1s)");
    CHECK_CONTAINS(first_error("[host]\nrto_max = 5s\nmss = 1000\nrto_min = 10s\n"),
                   "t.ini:4: [host] rto_min (10s) is above rto_max (5s, line 2)");
    CHECK_CONTAINS(first_error("[sim]\nwarmup = 2h\n"),
                   "t.ini:2: [sim] warmup (7200s) must be shorter than duration (3600s, the "
                   "default)");
    /* A UTF-8 byte order mark before the first line is not part of it. */
    {
        static const char bom[] = "\xef\xbb\xbf[sim]\nseed = 2\n";
        scenario *sc;
        sim_diag d;

        diag_init(&d);
        CHECK_EQ_I64(scenario_load_text("t.ini", bom, sizeof bom - 1, &sc, &d), 0);
        CHECK_EQ_I64(d.n, 0);
        if (sc != NULL) {
            CHECK_EQ_I64(scenario_resolve(sc, &d), 0);
            CHECK_EQ_I64((int64_t)sc->cfg.sim.seed, 2);
            scenario_free(sc);
        }
    }
    CHECK_CONTAINS(first_error("[sim]\nwindow = 5s..2s\n"),
                   "t.ini:2: [sim] window: expected A..B with A before B, got '5s..2s'");
    CHECK_CONTAINS(first_error("[sim]\nwindow = all\n"),
                   "[sim] window: expected arrivals, run or A..B (durations, e.g. 100s..500s), got 'all'");
    CHECK_CONTAINS(first_error("[sim]\nwindow = 5..10s\n"),
                   "[sim] window: expected A..B with durations A and B, got '5..10s'");

    /* A line longer than inih's buffer is an error, not a silent cut. */
    {
        char text[600];
        int n = snprintf(text, sizeof text, "[sim]\nlog = ");
        memset(text + n, 'x', 300);
        strcpy(text + n + 300, "\n");
        CHECK_CONTAINS(first_error(text), "t.ini:2: line too long: 306 characters");
    }
    /* A long comment is fine. */
    {
        char text[600];
        int n = snprintf(text, sizeof text, "[sim]\n# ");
        memset(text + n, 'x', 400);
        strcpy(text + n + 400, "\nlog = events\n");
        CHECK_EQ_STR(first_error(text), "(no error)");
    }
}

static void all_errors_are_reported_at_once(void)
{
    sim_diag d;
    scenario *sc = load("[sim]\nduration = 5\n[link]\ndelay = x\nloss = 2\n", &d);

    CHECK(sc == NULL);
    CHECK_EQ_I64(diag_count(&d), 3);
}

static void unreadable_file_is_an_error(void)
{
    sim_diag d;
    scenario *sc;

    diag_init(&d);
    CHECK_EQ_I64(scenario_load("/nonexistent/x.ini", &sc, &d), SIM_ESCENARIO);
    CHECK(sc == NULL);
    CHECK_CONTAINS(d.msg[0], "/nonexistent/x.ini: cannot read the scenario: No such file");
    diag_init(&d);
    CHECK_EQ_I64(scenario_load("/", &sc, &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[0], "/: cannot read the scenario");
    diag_init(&d);
    CHECK_EQ_I64(scenario_load_text("b.ini", "a\0b", 3, &sc, &d), SIM_ESCENARIO);
    CHECK_CONTAINS(d.msg[0], "NUL byte");
}

typedef struct collected {
    int n;
    int found_capacity, found_peer_delay, found_policy;
} collected;

static void collect(void *arg, const char *key, const char *value, const double *num)
{
    collected *c = arg;

    c->n++;
    if (strcmp(key, "nic.capacity") == 0 && strcmp(value, "65536") == 0 && num && *num == 65536)
        c->found_capacity = 1;
    if (strcmp(key, "peer.web.delay") == 0 && strcmp(value, "2ms") == 0 && num &&
        fabs(*num - 0.002) < 1e-15)
        c->found_peer_delay = 1;
    if (strcmp(key, "host.fw2_policy") == 0 && strcmp(value, "chimney") == 0 && num == NULL)
        c->found_policy = 1;
}

static void every_resolved_key_is_listed_in_si_units(void)
{
    sim_diag d;
    scenario *sc = load("[link]\ndelay = 2ms\n[peer web]\n", &d);
    collected c = {0, 0, 0, 0};
    size_t peer_keys = 0;

    CHECK(sc != NULL);
    if (sc == NULL)
        return;
    for (size_t i = 0; i < params_count; i++)
        peer_keys += strcmp(params_table[i].section, "peer") == 0;
    scenario_each_param(sc, collect, &c);
    CHECK_EQ_I64(c.n, params_count); /* one peer class: every key once */
    CHECK(c.found_capacity);
    CHECK(c.found_peer_delay);
    CHECK(c.found_policy);
    CHECK(peer_keys >= 10);
    scenario_free(sc);
}

static void identity_follows_every_resolved_value(void)
{
    sim_diag d;
    scenario *a = load("[nic]\ncapacity = 10\n", &d), *b;
    char ia[65], ib[65];

    CHECK(a != NULL);
    if (a == NULL)
        return;
    scenario_identity(a, "native", ia);
    CHECK_EQ_I64(strlen(ia), 64);
    CHECK_EQ_I64(scenario_dup(a, &b), 0);
    scenario_identity(b, "native", ib);
    CHECK_EQ_STR(ia, ib);
    scenario_identity(b, "ns3", ib);
    CHECK(strcmp(ia, ib) != 0);
    CHECK_EQ_I64(scenario_set(b, "sim.seed=2", &d), 0);
    CHECK_EQ_I64(scenario_resolve(b, &d), 0);
    scenario_identity(b, "native", ib);
    CHECK(strcmp(ia, ib) != 0);
    CHECK_EQ_I64(strlen(a->sha256), 64);
    scenario_free(a);
    scenario_free(b);
}

static const check_test tests[] = {
    CHECK_TEST(durations_need_units),
    CHECK_TEST(sizes_rates_and_numbers),
    CHECK_TEST(distributions_parse_and_format),
    CHECK_TEST(canonical_text),
    CHECK_TEST(every_default_parses_and_round_trips),
    CHECK_TEST(defaults_match_the_contract),
    CHECK_TEST(presets_fill_what_was_not_given),
    CHECK_TEST(peers_form_a_mix_with_path_overrides),
    CHECK_TEST(set_overrides_file_and_names_its_argument),
    CHECK_TEST(every_bad_input_is_located),
    CHECK_TEST(all_errors_are_reported_at_once),
    CHECK_TEST(unreadable_file_is_an_error),
    CHECK_TEST(every_resolved_key_is_listed_in_si_units),
    CHECK_TEST(identity_follows_every_resolved_value),
};
CHECK_MAIN(tests)
