/*
 * diag.h - diagnostics for the user: bad scenario lines, bad options.
 *
 * Each message is complete on its own, location first
 * ("scenarios/x.ini:14: [link] delay: expected ..., got '-3'").  A
 * collection keeps the first DIAG_MAX messages and counts the rest, so one
 * run of `offsim check` reports every mistake in a file, not just the first.
 */
#ifndef SIM_IO_DIAG_H
#define SIM_IO_DIAG_H

#include <stddef.h>
#include <stdio.h>

#define DIAG_MAX 20
#define DIAG_LEN 512

typedef struct sim_diag {
    char msg[DIAG_MAX][DIAG_LEN];
    size_t n;       /* messages kept */
    size_t dropped; /* messages beyond DIAG_MAX */
} sim_diag;

void diag_init(sim_diag *d);
void diag_add(sim_diag *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static inline size_t diag_count(const sim_diag *d) { return d->n + d->dropped; }
/* Print every message, each prefixed "offsim: " (and the count dropped). */
void diag_print(const sim_diag *d, FILE *f);
/* The same, each message prefixed "offsim: WHO: " (the command that failed). */
void diag_print_for(const sim_diag *d, FILE *f, const char *who);

#endif /* SIM_IO_DIAG_H */
