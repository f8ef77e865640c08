/*
 * export.h - tidy tables out of a results database, as CSV (RFC 4180) or
 * JSON (built by SQLite's JSON functions), for pandas, R or a spreadsheet:
 *
 *   runs    one row per complete run: its row (id, scenario, seed, engine,
 *           provenance, times), a column per key any run varied (its number
 *           in SI base units, or its text when it has none), and every
 *           scalar: the run's (results.h, in their order: percentiles with
 *           their _not_reached marks, expiries, occupancy, ...), then each
 *           peer class's ("peer.NAME.x")
 *   points  one row per sweep point (per scenario): the varied keys, n seeds,
 *           the close-latency percentiles with the seeds pooled (Kaplan-
 *           Meier; NULL and _not_reached = 1 where not reached), and for every
 *           run scalar X the mean over seeds X_mean, the 95 % confidence
 *           interval X_ci_low .. X_ci_high (Student's t; NULL for one seed)
 *           and X_n, the seeds that have it
 *   conn    one row per connection of a complete run: run_id, seed, the
 *           varied keys, the conn table's columns (times in ns), and
 *           close_latency's close_s, release_s, censored, in_summary
 *
 * A NULL is an empty CSV field and a JSON null.  CSV records end with CRLF
 * (RFC 4180 2.1); a field with a comma, a double quote, CR or LF is quoted,
 * its quotes doubled.  JSON is an array of objects, keys in column order.
 */
#ifndef SIM_IO_EXPORT_H
#define SIM_IO_EXPORT_H

#include <stdio.h>

#include "io/diag.h"

struct sqlite3;

typedef enum export_format { EXPORT_CSV, EXPORT_JSON } export_format;
typedef enum export_what { EXPORT_RUNS, EXPORT_POINTS, EXPORT_CONN } export_what;

extern const char *const export_format_name[]; /* "csv", "json", NULL */
extern const char *const export_what_name[];   /* "runs", "points", "conn", NULL */

/* Write the table to out; SIM_OK, SIM_EINVAL (nothing to export: no
 * complete run), SIM_EDB, SIM_EIO (writing out failed) or SIM_ENOMEM. */
int export_write(struct sqlite3 *db, export_what what, export_format fmt, FILE *out,
                 sim_diag *d);

#endif /* SIM_IO_EXPORT_H */
