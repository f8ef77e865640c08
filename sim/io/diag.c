/*
 * diag.c - a bounded list of user-facing messages (see diag.h).
 */
#include "diag.h"

#include <stdarg.h>

void diag_init(sim_diag *d)
{
    d->n = 0;
    d->dropped = 0;
}

void diag_add(sim_diag *d, const char *fmt, ...)
{
    va_list ap;

    if (d->n == DIAG_MAX) {
        d->dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(d->msg[d->n++], DIAG_LEN, fmt, ap);
    va_end(ap);
}

void diag_print(const sim_diag *d, FILE *f)
{
    diag_print_for(d, f, NULL);
}

void diag_print_for(const sim_diag *d, FILE *f, const char *who)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "offsim: %s%s%s\n", who ? who : "", who ? ": " : "", d->msg[i]);
    if (d->dropped)
        fprintf(f, "offsim: ... and %zu more error%s\n", d->dropped,
                d->dropped == 1 ? "" : "s");
}
