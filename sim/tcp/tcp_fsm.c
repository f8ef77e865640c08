/*
 * tcp_fsm.c - the connection state diagram of RFC 9293 (figure 5), as a
 * pure function.  Actions live in tcp.c; this file only says where each
 * event leads:
 *
 *   CLOSED       -> SYN_SENT      OPEN_ACTIVE      [tcp_connect]
 *   CLOSED       -> LISTEN        OPEN_PASSIVE     [tcp_listen]
 *   LISTEN       -> SYN_RECEIVED  RCV_SYN          [tcp_input]
 *   LISTEN       -> CLOSED        CLOSE
 *   SYN_SENT     -> CLOSED        CLOSE
 *   SYN_SENT     -> ESTABLISHED   RCV_SYN_ACK      [tcp_input]
 *   SYN_SENT     -> SYN_RECEIVED  RCV_SYN (simultaneous open)
 *   SYN_RECEIVED -> ESTABLISHED   RCV_ACK_OF_SYN   [tcp_input]
 *   SYN_RECEIVED -> FIN_WAIT_1    CLOSE            [tcp_close]
 *   ESTABLISHED  -> FIN_WAIT_1    CLOSE            [tcp_close]
 *   ESTABLISHED  -> CLOSE_WAIT    RCV_FIN          [tcp_input]
 *   FIN_WAIT_1   -> FIN_WAIT_2    RCV_ACK_OF_FIN   [tcp_input]
 *   FIN_WAIT_1   -> CLOSING       RCV_FIN (simultaneous close)
 *
 * A segment carrying both the ACK of our FIN and the peer's FIN is taken in
 * RFC 9293's order: the ACK first (FIN_WAIT_1 -> FIN_WAIT_2), then the FIN
 * (FIN_WAIT_2 -> TIME_WAIT).
 *   FIN_WAIT_2   -> TIME_WAIT     RCV_FIN          [tcp_input]
 *   FIN_WAIT_2   -> CLOSED        TIMEOUT_FW2      [tcp_fw2_expire]
 *   CLOSE_WAIT   -> LAST_ACK      CLOSE            [tcp_close]
 *   CLOSING      -> TIME_WAIT     RCV_ACK_OF_FIN   [tcp_input]
 *   LAST_ACK     -> CLOSED        RCV_ACK_OF_FIN   [tcp_input]
 *   TIME_WAIT    -> CLOSED        TIMEOUT_2MSL     [2MSL timer]
 *   any          -> CLOSED        ABORT, RCV_RST, RETRIES
 *
 * RFC 9293 returns a passive SYN_RECEIVED to LISTEN on an RST; here every
 * connection has its own listener, so it goes to CLOSED.
 */
#include "tcp_fsm.h"

/* ATTENTION: indexed by the enum values, which follow ndischimney.h. */
const char *const tcp_state_name[TCP_S_N] = {
    [TCP_S_CLOSED] = "CLOSED",           [TCP_S_LISTEN] = "LISTEN",
    [TCP_S_SYN_SENT] = "SYN_SENT",       [TCP_S_SYN_RECEIVED] = "SYN_RECEIVED",
    [TCP_S_ESTABLISHED] = "ESTABLISHED", [TCP_S_FIN_WAIT_1] = "FIN_WAIT_1",
    [TCP_S_FIN_WAIT_2] = "FIN_WAIT_2",   [TCP_S_CLOSE_WAIT] = "CLOSE_WAIT",
    [TCP_S_CLOSING] = "CLOSING",         [TCP_S_LAST_ACK] = "LAST_ACK",
    [TCP_S_TIME_WAIT] = "TIME_WAIT",
};

/* Every pair of states, written out by the preprocessor: two copies of the
 * list, as a macro cannot expand inside its own expansion. */
#define STATES_FROM(X)                                                            \
    X(CLOSED) X(LISTEN) X(SYN_SENT) X(SYN_RECEIVED) X(ESTABLISHED) X(FIN_WAIT_1) \
    X(FIN_WAIT_2) X(CLOSE_WAIT) X(CLOSING) X(LAST_ACK) X(TIME_WAIT)
#define STATES_TO(X, a)                                                          \
    X(a, CLOSED) X(a, LISTEN) X(a, SYN_SENT) X(a, SYN_RECEIVED) X(a, ESTABLISHED) \
    X(a, FIN_WAIT_1) X(a, FIN_WAIT_2) X(a, CLOSE_WAIT) X(a, CLOSING) X(a, LAST_ACK) \
    X(a, TIME_WAIT)
#define PAIR(a, b) [TCP_S_##b] = #a " -> " #b,
#define ROW(a) [TCP_S_##a] = {STATES_TO(PAIR, a)},

const char *const tcp_transition_name[TCP_S_N][TCP_S_N] = {STATES_FROM(ROW)};

#undef ROW
#undef PAIR
#undef STATES_TO
#undef STATES_FROM

const char *const tcp_event_name[TCP_E_N] = {
    [TCP_E_OPEN_ACTIVE] = "OPEN_ACTIVE",       [TCP_E_OPEN_PASSIVE] = "OPEN_PASSIVE",
    [TCP_E_CLOSE] = "CLOSE",                   [TCP_E_ABORT] = "ABORT",
    [TCP_E_RCV_SYN] = "RCV_SYN",               [TCP_E_RCV_SYN_ACK] = "RCV_SYN_ACK",
    [TCP_E_RCV_ACK_OF_SYN] = "RCV_ACK_OF_SYN", [TCP_E_RCV_ACK_OF_FIN] = "RCV_ACK_OF_FIN",
    [TCP_E_RCV_FIN] = "RCV_FIN",
    [TCP_E_RCV_RST] = "RCV_RST",               [TCP_E_TIMEOUT_2MSL] = "TIMEOUT_2MSL",
    [TCP_E_TIMEOUT_FW2] = "TIMEOUT_FW2",       [TCP_E_RETRIES] = "RETRIES",
};

tcp_state tcp_fsm_next(tcp_state s, tcp_event e)
{
    /* Aborts end every state but CLOSED and LISTEN's idle wait alike. */
    if (e == TCP_E_ABORT || e == TCP_E_RCV_RST || e == TCP_E_RETRIES)
        return s == TCP_S_LISTEN && e != TCP_E_ABORT ? s : TCP_S_CLOSED;

    switch (s) {
    case TCP_S_CLOSED:
        switch (e) {
        case TCP_E_OPEN_ACTIVE:
            return TCP_S_SYN_SENT;
        case TCP_E_OPEN_PASSIVE:
            return TCP_S_LISTEN;
        default:
            return s;
        }
    case TCP_S_LISTEN:
        switch (e) {
        case TCP_E_RCV_SYN:
            return TCP_S_SYN_RECEIVED;
        case TCP_E_CLOSE:
            return TCP_S_CLOSED;
        default:
            return s;
        }
    case TCP_S_SYN_SENT:
        switch (e) {
        case TCP_E_RCV_SYN_ACK:
            return TCP_S_ESTABLISHED;
        case TCP_E_RCV_SYN:
            return TCP_S_SYN_RECEIVED;
        case TCP_E_CLOSE:
            return TCP_S_CLOSED;
        default:
            return s;
        }
    case TCP_S_SYN_RECEIVED:
        switch (e) {
        case TCP_E_RCV_ACK_OF_SYN:
            return TCP_S_ESTABLISHED;
        case TCP_E_CLOSE:
            return TCP_S_FIN_WAIT_1;
        default:
            return s;
        }
    case TCP_S_ESTABLISHED:
        switch (e) {
        case TCP_E_CLOSE:
            return TCP_S_FIN_WAIT_1;
        case TCP_E_RCV_FIN:
            return TCP_S_CLOSE_WAIT;
        default:
            return s;
        }
    case TCP_S_FIN_WAIT_1:
        switch (e) {
        case TCP_E_RCV_ACK_OF_FIN:
            return TCP_S_FIN_WAIT_2;
        case TCP_E_RCV_FIN:
            return TCP_S_CLOSING;
        default:
            return s;
        }
    case TCP_S_FIN_WAIT_2:
        switch (e) {
        case TCP_E_RCV_FIN:
            return TCP_S_TIME_WAIT;
        case TCP_E_TIMEOUT_FW2:
            return TCP_S_CLOSED;
        default:
            return s;
        }
    case TCP_S_CLOSE_WAIT:
        switch (e) {
        case TCP_E_CLOSE:
            return TCP_S_LAST_ACK;
        default:
            return s;
        }
    case TCP_S_CLOSING:
        switch (e) {
        case TCP_E_RCV_ACK_OF_FIN:
            return TCP_S_TIME_WAIT;
        default:
            return s;
        }
    case TCP_S_LAST_ACK:
        switch (e) {
        case TCP_E_RCV_ACK_OF_FIN:
            return TCP_S_CLOSED;
        default:
            return s;
        }
    case TCP_S_TIME_WAIT:
        switch (e) {
        case TCP_E_TIMEOUT_2MSL:
            return TCP_S_CLOSED;
        default:
            return s;
        }
    case TCP_S_N:
        break;
    }
    return s;
}
