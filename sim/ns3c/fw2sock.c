/*
 * fw2sock.c - the offload target's FIN_WAIT_2 timer on any libns3-c socket
 * (ns3c.h, ns3c_fw2).
 *
 * The target's view of the socket is a tcp_tcb that follows the ns-3
 * socket's states (mirror.h) and whose retransmit slot is the FIN_WAIT_2
 * timer (R14), run by offload/fw2.c, the code the native engine's target
 * runs.  The hooks here are a minimal holder: the socket's segments are
 * ns-3's to process, so the tcb never sends and never retransmits; it
 * only starts, restarts and expires the timer, and hands its value over.
 */
#include <stdlib.h>

#include "engine/err.h"
#include "mirror.h"
#include "ns3c/ns3c.h"
#include "offload/fw2.h"

struct ns3c_fw2 {
    tcp_tcb t;               /* the target's view; TT_REXMT is the timer (R14) */
    tcp_cfg tcfg;
    fw2_cfg f;
    ns3c_sock *s;
    void (*expired)(void *ctx, ns3c_sock *s);
    void *ctx;
    uint8_t installing;      /* walking the mirror up to the socket's state */
    uint8_t did_expire;      /* the timer expired (A5 on upload) */
    uint8_t rst;             /* an acceptable RST arrived: CLOSED by RST */
};

static void fs_output(tcp_tcb *t, const seg *s)
{
    (void)t;
    (void)s;
    SIM_ASSERT(0, "the FIN_WAIT_2 plugin's tcb never sends: ns-3's socket does");
}

/* R3: the target's timers run on its tick clock. */
static sim_time fs_deadline(tcp_tcb *t, sim_time delay)
{
    ns3c_fw2 *h = tcp_ctx(t);

    return tick_after(&h->f.clock, sim_now(tcp_sim(t)), delay);
}

static void fs_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    ns3c_fw2 *h = tcp_ctx(t);

    (void)old;
    (void)why;
    /* R13, R15: an offloaded connection entering FIN_WAIT_2 starts the
     * timer.  One offloaded already in FIN_WAIT_2 takes the host's value
     * instead (R19, in ns3c_fw2_offload). */
    if (t->state == TCP_S_FIN_WAIT_2 && !h->installing)
        fw2_start(&h->f, t);
}

static void fs_segment(tcp_tcb *t, const seg *s, int acceptable)
{
    ns3c_fw2 *h = tcp_ctx(t);

    (void)s;
    fw2_on_segment(&h->f, t, acceptable); /* R16, A4 */
}

static void fs_deliver(tcp_tcb *t, uint32_t bytes, int fin)
{
    (void)t;
    (void)bytes;
    (void)fin;
}

/*
 * R17 with A1: CLOSED first, then the TimeoutExpiration indication.  R21:
 * nothing on the wire; the ns-3 socket releases its endpoint, so a late
 * peer FIN meets an RST from the listener or the node.
 */
static void fs_fw2_timeout(tcp_tcb *t)
{
    ns3c_fw2 *h = tcp_ctx(t);

    h->did_expire = 1;
    tcp_set_state(t, TCP_S_CLOSED, TCP_E_TIMEOUT_FW2);
    if (ns3c_sock_state(h->s) != TCP_S_CLOSED)
        ns3c_sock_force_closed(h->s);
    if (h->expired != NULL)
        h->expired(h->ctx, h->s);
}

static const tcp_ops fw2sock_ops = {
    .output = fs_output,
    .deadline = fs_deadline,
    .state_entered = fs_state_entered,
    .segment = fs_segment,
    .deliver = fs_deliver,
    .fw2_timeout = fs_fw2_timeout,
};

/* Walk the tcb to the socket's state through offsim's table. */
static void follow(ns3c_fw2 *h, tcp_state to)
{
    tcp_tcb *t = &h->t;

    while (t->state != to) {
        tcp_state next;
        tcp_event e = ns3c_mirror_step(t->state, to, h->rst ? TCP_E_RCV_RST : TCP_E_RETRIES,
                                       &next);

        if (e == TCP_E_N)
            return; /* the tcb went its own way (the timer closed it) */
        tcp_set_state(t, next, e);
    }
}

static void tap_state(void *ctx, ns3c_sock *s, int old, int now)
{
    ns3c_fw2 *h = ctx;

    (void)s;
    (void)old;
    follow(h, (tcp_state)now);
}

static void tap_segment(void *ctx, ns3c_sock *s, uint32_t seq, uint32_t len, uint8_t flags,
                        uint32_t rcv_nxt, uint32_t rcv_wnd)
{
    ns3c_fw2 *h = ctx;
    seg sg = {seq, 0, len, 0, flags};
    int acceptable = tcp_acceptable(&sg, rcv_nxt, rcv_wnd, 0, NULL);

    (void)s;
    if ((flags & SEG_RST) && seq == rcv_nxt)
        h->rst = 1;
    if (tcp_synchronized(h->t.state))
        h->t.cfg->ops->segment(&h->t, &sg, acceptable);
}

static const ns3c_sock_ops fw2sock_tap = {tap_state, tap_segment, NULL, NULL, NULL};

ns3c_fw2 *ns3c_fw2_offload(ns3c_sock *s, const ns3c_fw2_cfg *cfg, int64_t timeout_delta)
{
    sim *engine = ns3c_sim();
    ns3c_fw2 *h;

    if (s == NULL || cfg == NULL || engine == NULL || cfg->timeout <= 0 ||
        (cfg->tps != 10 && cfg->tps != 100 && cfg->tps != 1000))
        return NULL;
    h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->s = s;
    h->expired = cfg->expired;
    h->ctx = cfg->ctx;
    tick_clock_init(&h->f.clock, cfg->tps, TICK_MODE_CEIL);
    h->f.timeout = cfg->timeout;
    h->f.on_unset = UNSET_DELTA_NONE;   /* A2, DESIGN.md's default */
    h->f.expired_delta = TIMEOUT_DELTA_NOT_RUNNING; /* A5, likewise */
    h->tcfg.time_wait = SIM_NEVER;      /* TIME_WAIT is ns-3's */
    h->tcfg.s = engine;
    h->tcfg.ops = &fw2sock_ops;
    h->tcfg.ctx_off = -(ptrdiff_t)offsetof(ns3c_fw2, t);
    tcp_init(&h->t, &h->tcfg, 0);

    h->installing = 1;
    follow(h, (tcp_state)ns3c_sock_state(s));
    h->installing = 0;
    if (h->t.state == TCP_S_FIN_WAIT_2)
        fw2_install(&h->f, &h->t, timeout_delta); /* R19, A2, A6 */
    ns3c_sock_tap(s, &fw2sock_tap, h);
    return h;
}

int64_t ns3c_fw2_delta(const ns3c_fw2 *h)
{
    return fw2_upload_delta(&h->f, &h->t, sim_now(tcp_sim(&h->t)), h->did_expire);
}

int64_t ns3c_fw2_upload(ns3c_fw2 *h)
{
    int64_t delta = ns3c_fw2_delta(h);

    tcp_stop_timers(&h->t);
    ns3c_sock_tap(h->s, NULL, NULL);
    free(h);
    return delta;
}
