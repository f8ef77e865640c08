/*
 * tcp_fsm.h - the RFC 9293 connection states, the events that move them,
 * and the pure transition function.
 *
 * tcp.c classifies each input (a segment, an application call, a timer)
 * into one of these events, performs its actions, and asks tcp_fsm_next()
 * for the next state (the three steps of INET's TcpConnection).
 */
#ifndef SIM_TCP_TCP_FSM_H
#define SIM_TCP_TCP_FSM_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Values follow ndischimney.h's TCP_OFFLOAD_STATE_DELEGATED.State, which
 * crosses handoffs (Closed=0 ... FinWait2=6 ... TimeWait=10), so a state
 * is its own wire value there.
 */
typedef enum tcp_state {
    TCP_S_CLOSED = 0,
    TCP_S_LISTEN = 1,
    TCP_S_SYN_SENT = 2,
    TCP_S_SYN_RECEIVED = 3,
    TCP_S_ESTABLISHED = 4,
    TCP_S_FIN_WAIT_1 = 5,
    TCP_S_FIN_WAIT_2 = 6,
    TCP_S_CLOSE_WAIT = 7,
    TCP_S_CLOSING = 8,
    TCP_S_LAST_ACK = 9,
    TCP_S_TIME_WAIT = 10,
    TCP_S_N
} tcp_state;

typedef enum tcp_event {
    TCP_E_OPEN_ACTIVE,    /* application connect() */
    TCP_E_OPEN_PASSIVE,   /* application listen() */
    TCP_E_CLOSE,          /* application close() or shutdown(): send a FIN */
    TCP_E_ABORT,          /* application abort: send an RST */
    TCP_E_RCV_SYN,
    TCP_E_RCV_SYN_ACK,
    TCP_E_RCV_ACK_OF_SYN,
    TCP_E_RCV_ACK_OF_FIN,
    TCP_E_RCV_FIN,
    TCP_E_RCV_RST,        /* an acceptable RST (seq = RCV.NXT, R63/A16) */
    TCP_E_TIMEOUT_2MSL,   /* TIME_WAIT is over */
    TCP_E_TIMEOUT_FW2,    /* a FIN_WAIT_2 timer expired (host R-A11, target R17) */
    TCP_E_RETRIES,        /* retransmissions exhausted */
    TCP_E_N
} tcp_event;

extern const char *const tcp_state_name[TCP_S_N];
/* "FROM -> TO" for every pair of states (the event log's state rows): static
 * strings, so that logging a transition formats nothing. */
extern const char *const tcp_transition_name[TCP_S_N][TCP_S_N];
extern const char *const tcp_event_name[TCP_E_N];

/* The next state; a pair the table does not list keeps the state. */
tcp_state tcp_fsm_next(tcp_state s, tcp_event e);

/* States in which the connection has been synchronized (RFC 9293 3.10.7.4). */
static inline int tcp_synchronized(tcp_state s)
{
    return s >= TCP_S_ESTABLISHED;
}

#ifdef __cplusplus
}
#endif

#endif /* SIM_TCP_TCP_FSM_H */
