/*
 * nic.c - the offload target's hooks on a connection it holds (see nic.h).
 *
 * The target meets TCP only through tcp_ops: a state entered, a segment
 * that arrived (and whether it was acceptable, A3), the FIN_WAIT_2 timer in
 * the retransmit slot (R14), retransmissions exhausted.  What it tells the
 * host goes through host_indicate().
 */
#include "nic.h"

#include "engine/err.h"
#include "host/host.h"
#include "offload/fw2.h"
#include "workload/conn.h"

static void nic_output(tcp_tcb *t, const seg *s)
{
    conn *c = t->ctx;

    world__output_local(c->w, c, s);
}

/* R3: every target timer runs on the tick clock. */
static sim_time nic_deadline(tcp_tcb *t, sim_time delay)
{
    conn *c = t->ctx;

    return tick_after(&c->w->fw2.clock, sim_now(t->s), delay);
}

static void nic_state_entered(tcp_tcb *t, tcp_state old, tcp_event why)
{
    conn *c = t->ctx;
    world *w = c->w;

    world__local_state(w, c, old, why);
    switch (t->state) {
    case TCP_S_FIN_WAIT_2:
        /* R46: our FIN is acknowledged, the graceful disconnect completes. */
        host_indicate(w, c, "DisconnectComplete", 0);
        /* R13: entering FIN_WAIT_2 starts the timer, R15's value. */
        fw2_start(&w->fw2, t);
        world__trace_timer(w, c, "fw2_start", "nic", TT_REXMT);
        break;
    case TCP_S_CLOSE_WAIT:
    case TCP_S_CLOSING:
        /* R39: the FIN arrived (the model's application reads at once). */
        host_indicate(w, c, "Disconnect", 0);
        break;
    case TCP_S_TIME_WAIT:
        /* From FIN_WAIT_2 the FIN arrived (R39); from CLOSING our FIN was
         * acknowledged (R46).  Then R50/A8: TIME_WAIT belongs to the host. */
        host_indicate(w, c, old == TCP_S_CLOSING ? "DisconnectComplete" : "Disconnect", 0);
        host_indicate(w, c, "Retrieve:UploadRequested", 1);
        break;
    case TCP_S_CLOSED:
        if (why == TCP_E_RCV_RST)
            host_indicate(w, c, "Abort", 1); /* R40 */
        else if (why == TCP_E_RCV_ACK_OF_FIN)
            host_indicate(w, c, "DisconnectComplete", 1); /* R46, R49 */
        /* TIMEOUT_FW2 indicates in nic_fw2_timeout (A1: after CLOSED). */
        break;
    default:
        break;
    }
}

static void nic_segment(tcp_tcb *t, const seg *s, int acceptable)
{
    conn *c = t->ctx;
    world *w = c->w;

    (void)s;
    /* R16, A4: an acceptable segment restarts the FIN_WAIT_2 timer. */
    if (fw2_on_segment(&w->fw2, t, acceptable)) {
        w->st.fw2_restarts++;
        world__trace_timer(w, c, "fw2_restart", "nic", TT_REXMT);
    }
}

/*
 * R17 with A1: the state goes CLOSED first, then the target indicates
 * Retrieve(TimeoutExpiration), so R23 (no target-started upload of a
 * half-closed connection) does not apply.  R21: nothing goes on the wire.
 */
static void nic_fw2_timeout(tcp_tcb *t)
{
    conn *c = t->ctx;
    world *w = c->w;

    world__trace(w, c, "fw2_expire", "nic", NULL);
    w->st.nic_fw2_expiries++;
    c->nic_expired = 1;
    tcp_set_state(t, TCP_S_CLOSED, TCP_E_TIMEOUT_FW2);
    host_indicate(w, c, "Retrieve:TimeoutExpiration", 1);
}

/* R26, A12: the target asks for an upload and stops retransmitting. */
static int nic_give_up(tcp_tcb *t)
{
    conn *c = t->ctx;

    host_indicate(c->w, c, "Retrieve:TimeoutExpiration", 1);
    return 0;
}

const tcp_ops nic_tcp_ops = {
    .output = nic_output,
    .deadline = nic_deadline,
    .state_entered = nic_state_entered,
    .segment = nic_segment,
    .deliver = world__deliver_local,
    .fw2_timeout = nic_fw2_timeout,
    .give_up = nic_give_up,
};
