/*
 * rowstream.h - a run's rows as bytes (private to sim/io: results.c uses it
 * for results_open_stream() and results_apply()).
 *
 * A record is a tag byte and its fields, little-endian whatever the host:
 * integers as 8 bytes (u32 fields as 4), doubles as the 8 bytes of their
 * IEEE 754 bits (a NaN stays the same NaN: a scalar stored as NULL arrives
 * as NULL), strings as a u32 length, the bytes and a NUL (so the reader can
 * hand SQLite a pointer into the buffer).  Optional fields have a presence
 * byte first.  Nothing in a record is ever read as code: the reader checks
 * every length against what is left, and a tag it does not know ends the
 * reading with an error.
 */
#ifndef SIM_IO_ROWSTREAM_H
#define SIM_IO_ROWSTREAM_H

#include <stddef.h>
#include <stdint.h>

/* Record tags. */
enum {
    RS_PARAM = 'P',     /* key, value?, num?, varied */
    RS_CONN = 'C',      /* a results_conn_row (its strings optional: NULL stays NULL) */
    RS_EVENT = 'E',     /* t, conn_id, kind, detail?, value? */
    RS_OCCUPANCY = 'O', /* t, nic_total, nic_fin_wait_2, host_fin_wait_2, time_wait */
    RS_SCALAR = 'S',    /* name (a class's: "peer.NAME.x"), value */
    RS_END = 'Z'        /* status, wall_s, sim_end, events, fingerprint? */
};

/* A growable buffer being written; failed once an allocation failed. */
typedef struct rs_out {
    unsigned char *v;
    size_t n, cap;
    int failed;
} rs_out;

void rs_u8(rs_out *o, unsigned v);
void rs_u32(rs_out *o, uint32_t v);
void rs_i64(rs_out *o, int64_t v);
void rs_f64(rs_out *o, double v);
/* A string, or NULL (written as absent: only where the field is optional). */
void rs_str(rs_out *o, const char *s);
void rs_opt_str(rs_out *o, const char *s);
void rs_free(rs_out *o);

/* A buffer being read; bad once it ran short or held something wrong. */
typedef struct rs_in {
    const unsigned char *p, *end;
    int bad;
} rs_in;

unsigned rs_get_u8(rs_in *in);
uint32_t rs_get_u32(rs_in *in);
int64_t rs_get_i64(rs_in *in);
double rs_get_f64(rs_in *in);
/* A string inside the buffer (NUL-terminated there); "" when bad. */
const char *rs_get_str(rs_in *in);
/* An optional string: NULL when absent. */
const char *rs_get_opt_str(rs_in *in);

#endif /* SIM_IO_ROWSTREAM_H */
