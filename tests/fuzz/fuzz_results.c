/*
 * fuzz_results.c - libFuzzer harness: a results database file as the
 * commands that read one open it.  The input is written to a file, then
 *
 *   plot     figure_open and every kind of figure (io/figure.h), with and
 *            without an x key;
 *   summary  report_open, the runs it would select, each run's summary and
 *            the sweep's points (io/report.h), as `offsim summary` and the
 *            end of `offsim sweep` read them;
 *   export   every table in both formats (io/export.h), into /dev/null;
 *   merge    results_merge of the file into a fresh results database.
 *
 * Every outcome is either data or an error with a message; the sanitizers
 * and SQLite's own checks do the rest.  A merge keeps its promises
 * (results.h): one that fails leaves the output without a run; one that
 * succeeds leaves it whole (integrity_check ok, no dangling foreign key)
 * with exactly the runs it counted as copied, and the same merge again
 * copies none.  The seed corpus starts from small
 * valid databases that scripts/fuzz.sh makes with offsim (results
 * databases are not committed).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/err.h"
#include "io/export.h"
#include "io/figure.h"
#include "io/report.h"
#include "io/results.h"

/* A directory of its own under $TMPDIR (fuzz.sh gives each session one in
 * /dev/shm, memory: SQLite syncs), else /tmp. */
static char dir[4096];
static char in[sizeof dir + 16], out[sizeof dir + 16], empty[sizeof dir + 16];
/* A fresh results database, made once, copied to `out` for each merge. */
static char *empty_db;
static size_t empty_len;

/* A database file and what SQLite may keep beside it. */
static void remove_db(const char *path)
{
    static const char *const side[] = {"", "-wal", "-shm", "-journal"};
    char p[sizeof in + 16];

    for (size_t i = 0; i < sizeof side / sizeof *side; i++) {
        snprintf(p, sizeof p, "%s%s", path, side[i]);
        unlink(p);
    }
}

static void cleanup(void)
{
    remove_db(in);
    remove_db(out);
    remove_db(empty);
    rmdir(dir);
    free(empty_db);
}

static int write_file(const char *path, const void *data, size_t size)
{
    int fd;
    size_t done = 0;

    remove_db(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    while (done < size) {
        ssize_t k = write(fd, (const char *)data + done, size - done);
        if (k <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)k;
    }
    return close(fd);
}

/* A new results database, closed: its bytes. */
static void make_empty(void)
{
    results *r = NULL;
    sim_diag d;
    FILE *f;
    long n;

    diag_init(&d);
    if (results_open(empty, &r, &d) != SIM_OK) {
        diag_print(&d, stderr);
        exit(1);
    }
    results_close(r);
    f = fopen(empty, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (empty_db = malloc((size_t)n)) == NULL ||
        fread(empty_db, 1, (size_t)n, f) != (size_t)n) {
        perror("fuzz_results: the empty database");
        exit(1);
    }
    empty_len = (size_t)n;
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    if (tmp == NULL || tmp[0] == '\0')
        tmp = "/tmp";
    if (snprintf(dir, sizeof dir, "%s/offsim-fuzz-results-XXXXXX", tmp) >= (int)sizeof dir ||
        mkdtemp(dir) == NULL) {
        perror("fuzz_results: a temporary directory");
        exit(1);
    }
    snprintf(in, sizeof in, "%s/in.db", dir);
    snprintf(out, sizeof out, "%s/out.db", dir);
    snprintf(empty, sizeof empty, "%s/empty.db", dir);
    atexit(cleanup);
    make_empty();
    return 0;
}

static int write_input(const uint8_t *data, size_t size)
{
    return write_file(in, data, size);
}

/* An error must say something. */
static void said(int rc, const sim_diag *d, const char *who)
{
    if (rc != SIM_OK && diag_count(d) == 0) {
        fprintf(stderr, "fuzz_results: %s failed (%s) without a message\n", who,
                sim_strerror(rc));
        abort();
    }
}

static void plot(const char *xkey, int need_x)
{
    figure_query q = {NULL, xkey, need_x, NULL, 0};
    int least, most;
    figure *f = NULL;
    figure_data fd;
    sim_diag d;
    int rc;

    diag_init(&d);
    rc = figure_open(in, &q, &f, &d);
    said(rc, &d, "figure_open");
    if (rc != SIM_OK)
        return;
    figure_scenario(f);
    figure_x(f);
    figure_colour(f);
    figure_style(f);
    figure_runs(f);
    figure_seeds(f, &least, &most);
    figure_fixed(f);
    for (int kind = 0; kind < 5; kind++) {
        diag_init(&d);
        memset(&fd, 0, sizeof fd);
        switch (kind) {
        case 0:
            rc = figure_cdf(f, FIGURE_CLOSE, &fd, &d);
            break;
        case 1:
            rc = figure_cdf(f, FIGURE_RELEASE, &fd, &d);
            break;
        case 2:
            if (!need_x)
                continue; /* vs needs an x key (plot --kind vs) */
            rc = figure_vs(f, &fd, &d);
            break;
        case 3:
            rc = figure_occupancy(f, &fd, &d);
            break;
        default:
            rc = figure_handoffs(f, &fd, &d);
            break;
        }
        said(rc, &d, "a figure");
        if (rc == SIM_OK)
            figure_data_free(&fd);
    }
    figure_close(f);
}

/* offsim summary: the runs it selects, each one's summary (a few), their points. */
static void summary(void)
{
    report_select all = {NULL, 0, NULL};
    struct sqlite3 *db = NULL;
    int64_t *runs = NULL;
    char *scenario = NULL;
    size_t n = 0;
    sim_diag d;
    int rc;

    diag_init(&d);
    rc = report_open(in, &db, &d);
    said(rc, &d, "report_open");
    if (rc != SIM_OK)
        return;
    diag_init(&d);
    rc = report_select_runs(db, &all, &runs, &n, &scenario, &d);
    said(rc, &d, "report_select_runs");
    if (rc == SIM_OK) {
        report_select these = {runs, n, NULL};
        report_points p;

        for (size_t i = 0; i < n && i < 4; i++) {
            report_run r;

            diag_init(&d);
            rc = report_run_read(db, runs[i], &r, &d);
            said(rc, &d, "report_run_read");
            if (rc == SIM_OK) {
                for (int k = 0; k < RESULTS_NQ; k++)
                    report_quantile_of(r.scalar, k);
                report_run_free(&r);
            }
        }
        diag_init(&d);
        rc = report_points_read(db, &these, &p, &d);
        said(rc, &d, "report_points_read");
        if (rc == SIM_OK)
            report_points_free(&p);
    }
    free(runs);
    free(scenario);
    report_close(db);
}

/* offsim export: every table in both formats. */
static void export(void)
{
    struct sqlite3 *db = NULL;
    FILE *null = fopen("/dev/null", "w");
    sim_diag d;
    int rc;

    diag_init(&d);
    rc = report_open(in, &db, &d);
    said(rc, &d, "report_open");
    for (int what = EXPORT_RUNS; rc == SIM_OK && null != NULL && what <= EXPORT_CONN; what++)
        for (int fmt = EXPORT_CSV; fmt <= EXPORT_JSON; fmt++) {
            int e;

            diag_init(&d);
            e = export_write(db, (export_what)what, (export_format)fmt, null, &d);
            said(e, &d, "export_write");
        }
    if (rc == SIM_OK)
        report_close(db);
    if (null != NULL)
        fclose(null);
}

static void broken(const char *what)
{
    fprintf(stderr, "fuzz_results: %s\n", what);
    abort();
}

/* The first column of the first row of sql on the merge's output, as text
 * ("" when there is no row). */
static char *out_query(const char *sql, char *buf, size_t len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc;

    buf[0] = '\0';
    if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        broken(sqlite3_errmsg(db));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        broken(sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

static void merge(void)
{
    const char *paths[] = {in};
    results *r = NULL;
    results_merge_stats st, again;
    char buf[256], want[32];
    sim_diag d;
    int rc;

    diag_init(&d);
    if (write_file(out, empty_db, empty_len) != 0 || results_open(out, &r, &d) != SIM_OK) {
        diag_print(&d, stderr);
        abort(); /* a fresh file in a temporary directory must open */
    }
    memset(&st, 0, sizeof st);
    rc = results_merge(r, paths, 1, &st, &d);
    said(rc, &d, "results_merge");
    if (rc == SIM_OK) {
        /* Again: every run it copied is there now. */
        diag_init(&d);
        memset(&again, 0, sizeof again);
        rc = results_merge(r, paths, 1, &again, &d);
        said(rc, &d, "results_merge (again)");
        if (rc == SIM_OK && (again.copied != 0 || again.present != st.copied))
            broken("merging the same file again copied runs again");
        rc = SIM_OK;
    }
    results_close(r);
    if (rc != SIM_OK) {
        if (strcmp(out_query("SELECT COUNT(*) FROM run", buf, sizeof buf), "0") != 0)
            broken("a merge that failed left runs in its output");
        return;
    }
    if (strcmp(out_query("PRAGMA integrity_check", buf, sizeof buf), "ok") != 0)
        broken("a merge left its output damaged");
    if (out_query("PRAGMA foreign_key_check", buf, sizeof buf)[0] != '\0')
        broken("a merge left a dangling foreign key in its output");
    snprintf(want, sizeof want, "%llu", (unsigned long long)st.copied);
    if (strcmp(out_query("SELECT COUNT(*) FROM run", buf, sizeof buf), want) != 0)
        broken("a merge holds another number of runs than it copied");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (write_input(data, size) != 0)
        return 0;
    plot(NULL, 0);
    plot("nic.fin_wait_2_timeout", 1);
    if (write_input(data, size) != 0) /* plot may have checkpointed it */
        return 0;
    summary();
    export();
    if (write_input(data, size) != 0)
        return 0;
    merge();
    return 0;
}
