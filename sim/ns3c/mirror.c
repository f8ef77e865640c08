/*
 * mirror.c - a tcb's steps towards an ns-3 socket's state (mirror.h).
 */
#include "mirror.h"

static tcp_event event_towards(tcp_state cur, tcp_state to, tcp_event closed_by)
{
    if (to == TCP_S_CLOSED) {
        if (closed_by == TCP_E_RCV_RST)
            return TCP_E_RCV_RST;
        if (cur == TCP_S_LAST_ACK)
            return TCP_E_RCV_ACK_OF_FIN;
        if (cur == TCP_S_TIME_WAIT)
            return TCP_E_TIMEOUT_2MSL;
        return closed_by;
    }
    switch (cur) {
    case TCP_S_CLOSED:
        return TCP_E_OPEN_ACTIVE;
    case TCP_S_SYN_SENT:
        return TCP_E_RCV_SYN_ACK;
    case TCP_S_LISTEN:
        return TCP_E_RCV_SYN;
    case TCP_S_SYN_RECEIVED:
        return TCP_E_RCV_ACK_OF_SYN;
    case TCP_S_ESTABLISHED:
        /* The passive close goes by CLOSE_WAIT, the active one by FIN_WAIT_1. */
        return to == TCP_S_CLOSE_WAIT || to == TCP_S_LAST_ACK ? TCP_E_RCV_FIN : TCP_E_CLOSE;
    case TCP_S_CLOSE_WAIT:
        return TCP_E_CLOSE;
    case TCP_S_FIN_WAIT_1:
        return to == TCP_S_CLOSING ? TCP_E_RCV_FIN : TCP_E_RCV_ACK_OF_FIN;
    case TCP_S_FIN_WAIT_2:
        return TCP_E_RCV_FIN;
    case TCP_S_CLOSING:
        return TCP_E_RCV_ACK_OF_FIN;
    default:
        return TCP_E_N;
    }
}

tcp_event ns3c_mirror_step(tcp_state cur, tcp_state to, tcp_event closed_by, tcp_state *next)
{
    tcp_event e = event_towards(cur, to, closed_by);

    *next = e == TCP_E_N ? cur : tcp_fsm_next(cur, e);
    return *next == cur ? TCP_E_N : e;
}
