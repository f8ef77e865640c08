/*
 * trace.h - the event log of a run: rows for the results database's
 * `event` table, and optionally a text line per event (sim.log = trace).
 *
 * Models call trace_add() when something worth a row happens; it costs a
 * test when the run keeps no events, and otherwise the copy of 40 bytes:
 * kind and detail are static strings (a state transition's detail comes
 * from tcp_transition_name), so a row is built without formatting or
 * copying text.  The driver drains the buffer into the database between
 * events (never from a handler), so handlers do no I/O.
 */
#ifndef SIM_ENGINE_TRACE_H
#define SIM_ENGINE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/sim.h"

typedef struct trace_rec {
    sim_time t;
    const char *kind;             /* a static string: "offload", "state", ... */
    const char *detail;           /* a static string, or NULL */
    int64_t value;
    uint32_t conn_id;
    int has_value;
} trace_rec;

typedef struct trace_buf {
    trace_rec *v;
    size_t n;
    size_t cap;
    int keep;    /* buffer rows for the database */
    FILE *text;  /* also write a line per event here, or NULL */
    int err;     /* SIM_ENOMEM once a row could not be kept (it was dropped) */
} trace_buf;

void trace_init(trace_buf *tb, int keep, FILE *text);
void trace_fini(trace_buf *tb);

static inline int trace_on(const trace_buf *tb)
{
    return tb->keep || tb->text != NULL;
}

/* value: NULL for none.  kind and detail are static strings (they are kept,
 * not copied); detail may be NULL.  Out of memory, the row is dropped and
 * tb->err says so (trace_error): the driver reports it. */
void trace_add(trace_buf *tb, sim_time t, uint32_t conn_id, const char *kind,
               const char *detail, const int64_t *value);

/* SIM_OK, or the error that made the log drop rows. */
static inline int trace_error(const trace_buf *tb)
{
    return tb->err;
}

/* Forget the buffered rows (after the driver wrote them). */
static inline void trace_clear(trace_buf *tb)
{
    tb->n = 0;
}

#endif /* SIM_ENGINE_TRACE_H */
