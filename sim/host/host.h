/*
 * host.h - the local host's TCP stack: the holder's hooks for a local
 * endpoint the host holds, its own FIN_WAIT_2 timer (A11 presets), and the
 * host's side of chimney offload: when to offload, reacting to the target's
 * indications after host.upload_delay (A13), and both handoffs with their
 * delegated state (R9-R12, R19, R20, R52, R62).
 */
#ifndef SIM_HOST_HOST_H
#define SIM_HOST_HOST_H

#include "tcp/tcp.h"
#include "workload/conn.h"

extern const tcp_ops host_tcp_ops;

/* R9: the states in which the host may offload a connection. */
int host_may_offload(tcp_state s);

/* Offload the connection if R9 allows it and the target has room. */
void host_offload(world *w, conn *c);

/* Start uploading a connection the target holds. */
void host_upload(world *w, conn *c);

/*
 * The target indicates an event ("Disconnect", "Abort",
 * "Retrieve:TimeoutExpiration", ...); with want_upload the host uploads the
 * connection host.upload_delay later (R18, R41: mandatory reasons).
 */
void host_indicate(world *w, conn *c, const char *what, int want_upload);

/* Bind the connection's handoff and host events (once per connection). */
void host_conn_init(world *w, conn *c);

#endif /* SIM_HOST_HOST_H */
