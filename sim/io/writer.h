/*
 * writer.h - who writes a run, and whether that process is still alive.
 *
 * A run row 'running' belongs to the process that writes it (its writer):
 * nobody else may delete it, take it over or add rows to it while that
 * process lives.  The run row names its writer (run.host,
 * run.writer_pid, run.writer_token) and the writer renews run.writer_beat,
 * a wall-clock time, every WRITER_BEAT_S while it writes.
 *
 * Whether a writer is alive:
 *   - on the same machine and in the same PID namespace (the token's boot id
 *     and namespace equal ours): exactly, from /proc: its pid exists, is not
 *     a zombie, and started at the time the token recorded (so a pid reused
 *     by another process does not count);
 *   - elsewhere (a database copied from another machine, a writer in another
 *     container): by its lease, alive while writer_beat is less than
 *     WRITER_LEASE_S old;
 *   - a run with no token (written by an older offsim): not alive.
 * SQLite's WAL mode, which offsim uses, needs every process that opens a
 * database to be on one machine, so the lease only matters for copies and
 * containers.
 */
#ifndef SIM_IO_WRITER_H
#define SIM_IO_WRITER_H

#include <stdint.h>
#include <sys/types.h>

/* How often a writer renews its lease, and how long a lease lasts. */
#define WRITER_BEAT_S 30
#define WRITER_LEASE_S 300

typedef struct writer_id {
    char host[256];  /* host name, for people */
    int64_t pid;
    char token[160]; /* "BOOT_ID/PIDNS/START": boot id, PID namespace, start time */
} writer_id;

/* This process as a writer ("" token when /proc cannot say). */
void writer_self(writer_id *w);

/*
 * Is the writer of a run alive?  token may be NULL (an older offsim's run);
 * beat is run.writer_beat (unix seconds, or 0), now the current unix time.
 */
int writer_alive(const char *token, int64_t pid, int64_t beat, int64_t now);

#endif /* SIM_IO_WRITER_H */
