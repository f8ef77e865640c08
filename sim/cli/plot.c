/*
 * plot.c - `offsim plot DB --kind cdf|vs|occupancy|handoffs`: figures of a
 * database's runs, drawn by gnuplot.
 *
 * The runs: every complete run of the scenario most recently run into the
 * database (`--scenario PATH` picks another).  The series: one per value of
 * the key on the x axis (`--x`, by default the key the sweep varied,
 * run_param.varied = 1), seeds pooled (cdf) or summarised (vs: median and
 * range over seeds; occupancy and handoffs: mean over seeds).
 *
 * The data reaches gnuplot already aggregated by SQL (at most ~400 points
 * per series for a CDF, time bins for the time series, one row of scalars
 * per run for vs), never row by row.  The gnuplot templates are
 * scripts/plot-KIND.gp, built into the binary (scripts/embed.cmake); offsim
 * writes the data blocks and settings in front of the template and runs
 * gnuplot on it.  The terminal follows the output's extension: .png
 * (pngcairo), .svg, .pdf (pdfcairo).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "engine/err.h"
#include "io/params.h"
#include "io/results.h"

/* The gnuplot template of a kind (generated from scripts/plot-KIND.gp). */
const char *plot_template(const char *kind);

#define CDF_POINTS 400
#define TIME_BINS 400

typedef struct plot_ctx {
    sqlite3 *db;
    const char *kind;
    const char *xkey;     /* the key on the x axis / that names the series, or NULL */
    char xkey_buf[256];
    char xlabel[300];     /* the x key with its unit */
    int numeric;          /* the x key has numbers (run_param.num) */
    char scenario[512];
    FILE *gp;             /* the gnuplot script being written */
    int nseries;
} plot_ctx;

static int fail(plot_ctx *p, const char *what)
{
    fprintf(stderr, "offsim: plot: %s: %s\n", what, sqlite3_errmsg(p->db));
    return -1;
}

/* Run SQL that returns nothing. */
static int exec(plot_ctx *p, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(p->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "offsim: plot: %s\n", err ? err : "SQL error");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *prepare(plot_ctx *p, const char *sql)
{
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(p->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "offsim: plot: %s\n", sqlite3_errmsg(p->db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/*
 * The runs to plot (temp table sel) and their series (temp table lab:
 * run_id, series, label, xnum, xtext), series numbered by x value.
 */
static int select_runs(plot_ctx *p, const char *scenario)
{
    sqlite3_stmt *st;
    int n = 0, nkeys = 0;
    char keys[1024] = "";


    st = prepare(p, "SELECT scenario FROM run WHERE status='complete' AND "
                    "(?1 IS NULL OR scenario = ?1) ORDER BY id DESC LIMIT 1");
    if (st == NULL)
        return -1;
    if (scenario)
        sqlite3_bind_text(st, 1, scenario, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        fprintf(stderr, "offsim: plot: no complete run%s%s in the database\n",
                scenario ? " of " : "", scenario ? scenario : "");
        sqlite3_finalize(st);
        return -1;
    }
    snprintf(p->scenario, sizeof p->scenario, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);

    st = prepare(p, "CREATE TEMP TABLE sel AS SELECT id AS run_id FROM run "
                    "WHERE status='complete' AND scenario = ?1");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, p->scenario, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        return fail(p, "selecting runs");
    }
    sqlite3_finalize(st);

    /* The varied keys: the x axis by default when there is one. */
    st = prepare(p, "SELECT DISTINCT key FROM run_param WHERE varied = 1 AND "
                    "run_id IN (SELECT run_id FROM sel) ORDER BY key");
    if (st == NULL)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        size_t l = strlen(keys);

        snprintf(keys + l, sizeof keys - l, "%s%s", nkeys ? ", " : "",
                 (const char *)sqlite3_column_text(st, 0));
        nkeys++;
    }
    sqlite3_finalize(st);
    if (p->xkey == NULL && nkeys == 1) {
        snprintf(p->xkey_buf, sizeof p->xkey_buf, "%.255s", keys);
        p->xkey = p->xkey_buf;
    }
    /* Without an x key, each point (all its varied keys) is a series. */
    if (p->xkey == NULL && strcmp(p->kind, "vs") == 0) {
        if (nkeys > 1)
            fprintf(stderr, "offsim: plot: several keys were varied (%s): say which one is "
                            "the x axis with --x\n", keys);
        else
            fprintf(stderr, "offsim: plot: --kind vs needs a key on the x axis, and no key "
                            "was varied in these runs: give --x KEY\n");
        return -1;
    }

    if (p->xkey != NULL) {
        /* run_param.num is in SI base units: say which. */
        const char *unit = "";
        const char *dot = strchr(p->xkey, '.'), *last = strrchr(p->xkey, '.');
        char section[64];
        const param *k;

        snprintf(section, sizeof section, "%.*s", dot ? (int)(dot - p->xkey) : 0, p->xkey);
        k = last ? params_find(section, last + 1) : NULL;
        if (k != NULL)
            unit = k->type == PT_DURATION || k->type == PT_DIST ? " (s)"
                   : k->type == PT_SIZE                       ? " (B)"
                   : k->type == PT_RATE                       ? " (bit/s)"
                   : k->type == PT_PER_SECOND                 ? " (1/s)"
                                                              : "";
        snprintf(p->xlabel, sizeof p->xlabel, "%s%s", p->xkey, unit);
        st = prepare(p, "SELECT COUNT(*), SUM(num IS NOT NULL) FROM run_param WHERE key = ?1 "
                        "AND run_id IN (SELECT run_id FROM sel)");
        if (st == NULL)
            return -1;
        sqlite3_bind_text(st, 1, p->xkey, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int(st, 0);
            p->numeric = n > 0 && sqlite3_column_int(st, 1) == n;
        }
        sqlite3_finalize(st);
        if (n == 0)
            return fprintf(stderr, "offsim: plot: no key '%s' in these runs' parameters "
                                   "(keys are written as on the command line, e.g. "
                                   "nic.fin_wait_2_timeout)\n", p->xkey), -1;
        st = prepare(p, "CREATE TEMP TABLE lab AS SELECT s.run_id, p.value AS xtext, "
                        "p.num AS xnum, p.value AS label FROM sel s "
                        "JOIN run_param p ON p.run_id = s.run_id AND p.key = ?1");
        if (st == NULL)
            return -1;
        sqlite3_bind_text(st, 1, p->xkey, -1, SQLITE_STATIC);
        n = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_finalize(st);
    } else {
        n = exec(p, "CREATE TEMP TABLE lab AS SELECT s.run_id, rp.point AS xtext, NULL AS xnum, "
                    "CASE rp.point WHEN '' THEN 'all runs' ELSE rp.point END AS label "
                    "FROM sel s JOIN run_point rp ON rp.run_id = s.run_id") == 0;
    }
    if (!n)
        return fail(p, "labelling runs");
    /* Number the series in x order. */
    if (exec(p, "CREATE TEMP TABLE ser AS SELECT label, MIN(xnum) AS xnum, MIN(xtext) AS xtext, "
                "ROW_NUMBER() OVER (ORDER BY MIN(xnum), MIN(xtext)) AS series, "
                "COUNT(*) AS runs FROM lab GROUP BY label;"
                "ALTER TABLE lab ADD COLUMN series INTEGER;"
                "UPDATE lab SET series = (SELECT series FROM ser WHERE ser.label = lab.label);") != 0)
        return -1;
    return 0; /* each data_* function counts the series it writes */
}

/* A gnuplot string literal. */
static void gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---- the data of each kind -------------------------------------------- */

static int data_cdf(plot_ctx *p, int release)
{
    char sql[2048];
    sqlite3_stmt *st;
    int cur = 0, rows = 0;

    snprintf(sql, sizeof sql,
             "WITH l AS (SELECT lab.series, lab.label, MAX(c.%s, 1e-6) AS v, c.%s AS cens "
             "  FROM close_latency c JOIN lab USING (run_id)),"
             " r AS (SELECT series, label, v, cens,"
             "  ROW_NUMBER() OVER (PARTITION BY series ORDER BY cens, v) AS k,"
             "  COUNT(*) OVER (PARTITION BY series) AS n,"
             "  SUM(cens) OVER (PARTITION BY series) AS nc FROM l)"
             " SELECT series, label, v, k * 1.0 / n, nc * 100.0 / n FROM r"
             " WHERE cens = 0 AND (k = 1 OR k = n - nc OR k * %d / n <> (k - 1) * %d / n)"
             " ORDER BY series, k",
             release ? "release_s" : "close_s", release ? "release_censored" : "censored",
             CDF_POINTS, CDF_POINTS);
    if ((st = prepare(p, sql)) == NULL)
        return -1;
    fputs("$data << EOD\n", p->gp);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);

        if (s != cur) {
            char title[600];

            if (cur != 0)
                fputs("\n\n", p->gp);
            snprintf(title, sizeof title, "%s (%.1f%% censored)",
                     (const char *)sqlite3_column_text(st, 1), sqlite3_column_double(st, 4));
            gp_string(p->gp, title);
            fputc('\n', p->gp);
            cur = s;
        }
        fprintf(p->gp, "%.9g %.6f\n", sqlite3_column_double(st, 2), sqlite3_column_double(st, 3));
        rows++;
    }
    sqlite3_finalize(st);
    fputs("EOD\n", p->gp);
    if (rows == 0) {
        fprintf(stderr, "offsim: plot: these runs have no closed connection to draw (were they "
                        "run with sim.log = summary?)\n");
        return -1;
    }
    p->nseries = cur;
    fprintf(p->gp, "x_label = \"%s latency (s, log scale)\"\n", release ? "release" : "close");
    fputs("note = ", p->gp);
    gp_string(p->gp, p->xkey ? p->xkey : "runs");
    fputs("\nsubtitle = \"a curve ends at 1 - its censored share (still open at the end)\"\n",
          p->gp);
    return 0;
}

typedef struct vs_row {
    int group;            /* series group: one per combination of the other varied keys */
    char glabel[256];
    double x;             /* numeric x, or its position */
    char xtext[96];
    double q[3];          /* p50, p90, p99 of one run */
    int lb[3];
} vs_row;

static int by_group_x(const void *a, const void *b)
{
    const vs_row *x = a, *y = b;

    if (x->group != y->group)
        return x->group - y->group;
    return (x->x > y->x) - (x->x < y->x);
}

static int data_vs(plot_ctx *p)
{
    static const char *qname[3] = {"median", "p90", "p99"};
    sqlite3_stmt *st;
    vs_row *rows = NULL;
    size_t n = 0, cap = 0;
    int ngroups = 0;

    /* One row per run: the other varied keys (the group), x, three percentiles. */
    st = prepare(p,
                 "SELECT COALESCE((SELECT group_concat(key || '=' || value, ' ') FROM "
                 "   (SELECT key, value FROM run_param q WHERE q.run_id = lab.run_id AND "
                 "    q.varied = 1 AND q.key <> ?1 ORDER BY key)), ''),"
                 " lab.xnum, lab.xtext, ser.series,"
                 " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name='close_p50_s'),"
                 " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name='close_p90_s'),"
                 " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name='close_p99_s'),"
                 " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name='close_p50_lower_bound'),"
                 " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name='close_p90_lower_bound'),"
                 " (SELECT value FROM scalar s WHERE s.run_id = lab.run_id AND s.name='close_p99_lower_bound')"
                 " FROM lab JOIN ser USING (label) ORDER BY 1");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, p->xkey, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        vs_row *r;
        const char *g = (const char *)sqlite3_column_text(st, 0);

        if (sqlite3_column_type(st, 4) == SQLITE_NULL)
            continue; /* no closed connection in this run */
        if (n == cap) {
            vs_row *v = realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof *v);
            if (v == NULL) {
                free(rows);
                sqlite3_finalize(st);
                return -1;
            }
            rows = v;
        }
        r = &rows[n++];
        snprintf(r->glabel, sizeof r->glabel, "%s", g);
        r->group = n > 1 && strcmp(rows[n - 2].glabel, g) == 0 ? rows[n - 2].group : ++ngroups;
        r->x = p->numeric ? sqlite3_column_double(st, 1) : sqlite3_column_double(st, 3);
        snprintf(r->xtext, sizeof r->xtext, "%s", (const char *)sqlite3_column_text(st, 2));
        for (int k = 0; k < 3; k++) {
            r->q[k] = sqlite3_column_double(st, 4 + k);
            r->lb[k] = sqlite3_column_int(st, 7 + k);
        }
    }
    sqlite3_finalize(st);
    if (n == 0) {
        fprintf(stderr, "offsim: plot: these runs have no close-latency percentiles\n");
        free(rows);
        return -1;
    }
    qsort(rows, n, sizeof *rows, by_group_x);
    fputs("$data << EOD\n", p->gp);
    p->nseries = 0;
    for (int g = 1; g <= ngroups; g++)
        for (int k = 0; k < 3; k++) {
            char title[400];
            size_t i = 0;

            while (i < n && rows[i].group != g)
                i++;
            if (i == n)
                continue;
            if (p->nseries > 0)
                fputs("\n\n", p->gp);
            snprintf(title, sizeof title, "%s%s%s", qname[k], rows[i].glabel[0] ? ", " : "",
                     rows[i].glabel);
            gp_string(p->gp, title);
            fputc('\n', p->gp);
            while (i < n && rows[i].group == g) {
                double v[512];
                size_t m = 0, j = i;
                int lb = 0;

                /* The runs (seeds) at one x: median, min, max. */
                while (j < n && rows[j].group == g && rows[j].x == rows[i].x) {
                    if (m < 512)
                        v[m++] = rows[j].q[k];
                    lb |= rows[j].lb[k];
                    j++;
                }
                fprintf(p->gp, "%.9g %.9g %.9g %.9g %d ", rows[i].x, cli_median(v, m), v[0],
                        v[m - 1], lb); /* v sorted by cli_median */
                gp_string(p->gp, rows[i].xtext);
                fputc('\n', p->gp);
                i = j;
            }
            p->nseries++;
        }
    fputs("EOD\n", p->gp);
    fputs("x_label = ", p->gp);
    gp_string(p->gp, p->xlabel);
    fputc('\n', p->gp);
    fprintf(p->gp, "categorical = %d\n", !p->numeric);
    free(rows);
    return 0;
}

/* The width of a time bin: the run's span over TIME_BINS, at least 1 ns. */
static double bin_ns(plot_ctx *p)
{
    sqlite3_stmt *st = prepare(p, "SELECT MAX(sim_end_ns) FROM run WHERE id IN "
                                  "(SELECT run_id FROM sel)");
    double end = 1;

    if (st && sqlite3_step(st) == SQLITE_ROW)
        end = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return ceil(end / TIME_BINS) > 1 ? ceil(end / TIME_BINS) : 1;
}

/* Time series: one block per series of "t v1 v2 ...", from sql. */
static int data_time(plot_ctx *p, const char *sql, int nvalues, double bin, const char *empty)
{
    sqlite3_stmt *st = prepare(p, sql);
    int cur = 0, rows = 0;

    if (st == NULL)
        return -1;
    sqlite3_bind_double(st, 1, bin);
    fputs("$data << EOD\n", p->gp);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int s = sqlite3_column_int(st, 0);

        if (s != cur) {
            if (cur != 0)
                fputs("\n\n", p->gp);
            gp_string(p->gp, (const char *)sqlite3_column_text(st, 1));
            fputc('\n', p->gp);
            cur = s;
        }
        fprintf(p->gp, "%.9g", sqlite3_column_double(st, 2));
        for (int v = 0; v < nvalues; v++)
            fprintf(p->gp, " %.9g", sqlite3_column_double(st, 3 + v));
        fputc('\n', p->gp);
        rows++;
    }
    sqlite3_finalize(st);
    fputs("EOD\n", p->gp);
    if (rows == 0) {
        fprintf(stderr, "offsim: plot: %s\n", empty);
        return -1;
    }
    p->nseries = cur;
    fputs("note = ", p->gp);
    gp_string(p->gp, p->xkey ? p->xkey : "runs");
    fputc('\n', p->gp);
    return 0;
}

static int data_occupancy(plot_ctx *p)
{
    return data_time(p,
                     "SELECT ser.series, ser.label, (CAST(o.t / ?1 AS INTEGER) + 0.5) * ?1 / 1e9,"
                     " AVG(o.nic_fin_wait_2), AVG(o.host_fin_wait_2)"
                     " FROM occupancy o JOIN lab USING (run_id) JOIN ser USING (label)"
                     " GROUP BY ser.series, CAST(o.t / ?1 AS INTEGER) ORDER BY 1, 3",
                     2, bin_ns(p), "these runs have no occupancy samples");
}

static int data_handoffs(plot_ctx *p)
{
    return data_time(p,
                     "SELECT ser.series, ser.label, (CAST(e.t / ?1 AS INTEGER) + 0.5) * ?1 / 1e9,"
                     " SUM(e.kind = 'offload') * 1e9 / ?1 / ser.runs,"
                     " SUM(e.kind = 'upload') * 1e9 / ?1 / ser.runs,"
                     " SUM(e.kind = 'indicate' AND e.detail LIKE 'Retrieve:%') * 1e9 / ?1 / ser.runs"
                     " FROM event e JOIN lab USING (run_id) JOIN ser USING (label)"
                     " WHERE e.kind IN ('offload', 'upload', 'indicate')"
                     " GROUP BY ser.series, CAST(e.t / ?1 AS INTEGER) ORDER BY 1, 3",
                     3, bin_ns(p),
                     "these runs have no event rows: run them with --log events "
                     "(sim.log = events) to plot handoffs");
}

/* ---- gnuplot -------------------------------------------------------------- */

/* Is there a gnuplot on the PATH? */
static int have_gnuplot(void)
{
    const char *path = getenv("PATH");
    char buf[4096];

    for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);

        snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len, p);
        if (access(buf, X_OK) == 0)
            return 1;
        p += len + (colon != NULL);
    }
    return 0;
}

static int run_gnuplot(const char *script)
{
    pid_t pid;
    int st;

    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static const char *terminal_for(const char *out)
{
    const char *dot = strrchr(out, '.');

    if (dot == NULL)
        return NULL;
    if (strcmp(dot, ".png") == 0)
        return "pngcairo size 1100,650 noenhanced font \"sans,10\"";
    if (strcmp(dot, ".svg") == 0)
        return "svg size 1100,650 dynamic noenhanced font \"sans,10\"";
    if (strcmp(dot, ".pdf") == 0)
        return "pdfcairo size 11in,6.5in noenhanced font \"sans,10\"";
    return NULL;
}

int cmd_plot(int argc, char **argv)
{
    const char *db_name = NULL, *kind = NULL, *out = NULL, *metric = "close", *scenario = NULL,
               *xkey = NULL, *term;
    char script[] = "/tmp/offsim-plot-XXXXXX";
    static const char *const kinds[] = {"cdf", "vs", "occupancy", "handoffs"};
    plot_ctx p;
    int fd, ok = 0, known = 0;

    memset(&p, 0, sizeof p);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;

        if (strcmp(a, "--kind") == 0)
            slot = &kind;
        else if (strcmp(a, "--out") == 0 || strcmp(a, "-o") == 0)
            slot = &out;
        else if (strcmp(a, "--x") == 0)
            slot = &xkey;
        else if (strcmp(a, "--metric") == 0)
            slot = &metric;
        else if (strcmp(a, "--scenario") == 0)
            slot = &scenario;
        else if (a[0] == '-' && a[1] != '\0')
            return cli_usage_error("plot", "unknown option '%s'", a);
        else if (db_name == NULL) {
            db_name = a;
            continue;
        } else
            return cli_usage_error("plot", "one database at a time ('%s' and '%s')", db_name, a);
        if (i + 1 >= argc)
            return cli_usage_error("plot", "%s needs a value", a);
        *slot = argv[++i];
    }
    if (db_name == NULL)
        return cli_usage_error("plot", "which database?");
    if (kind == NULL)
        return cli_usage_error("plot", "--kind: expected cdf, vs, occupancy or handoffs");
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        known |= strcmp(kind, kinds[k]) == 0;
    if (!known)
        return cli_usage_error("plot", "--kind: expected cdf, vs, occupancy or handoffs, got '%s'",
                               kind);
    if (strcmp(metric, "close") != 0 && strcmp(metric, "release") != 0)
        return cli_usage_error("plot", "--metric: expected close or release, got '%s'", metric);
    if (strcmp(metric, "close") != 0 && strcmp(kind, "cdf") != 0)
        return cli_usage_error("plot", "--metric applies to --kind cdf");
    if (out == NULL) {
        static char def[64];

        if (cli_default_db() == NULL)
            return EXIT_RUN_FAILED;
        snprintf(def, sizeof def, "results/%s.png", kind);
        out = def;
    }
    if ((term = terminal_for(out)) == NULL)
        return cli_usage_error("plot", "--out: expected a file ending in .png, .svg or .pdf, "
                                       "got '%s'", out);
    if (!have_gnuplot()) {
        fprintf(stderr, "offsim: plot: gnuplot is not installed: apt-get install gnuplot-nox "
                        "(scripts/setup.sh does)\n");
        return EXIT_RUN_FAILED;
    }
    {
        sim_diag d;

        diag_init(&d);
        if (results_open_reader(db_name, &p.db, &d) != SIM_OK) {
            fprintf(stderr, "offsim: plot: %s\n", d.msg[0]);
            return EXIT_RUN_FAILED;
        }
    }
    /* Temp tables live in memory; the database itself is only read. */
    exec(&p, "PRAGMA temp_store = MEMORY");
    p.kind = kind;
    p.xkey = xkey;
    if (select_runs(&p, scenario) != 0) {
        sqlite3_close(p.db);
        return EXIT_RUN_FAILED;
    }
    if ((fd = mkstemp(script)) < 0 || (p.gp = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "offsim: plot: cannot write a gnuplot script: %s\n", strerror(errno));
        sqlite3_close(p.db);
        return EXIT_RUN_FAILED;
    }
    fprintf(p.gp, "set terminal %s\nset output ", term);
    gp_string(p.gp, out);
    fputc('\n', p.gp);
    if (strcmp(kind, "cdf") == 0)
        ok = data_cdf(&p, strcmp(metric, "release") == 0) == 0;
    else if (strcmp(kind, "vs") == 0)
        ok = data_vs(&p) == 0;
    else if (strcmp(kind, "occupancy") == 0)
        ok = data_occupancy(&p) == 0;
    else
        ok = data_handoffs(&p) == 0;
    if (ok) {
        char title[800];
        static const char *const what[] = {"close-latency CDF", "close latency", "FIN_WAIT_2 occupancy",
                                           "handoffs"};
        size_t k = 0;

        while (strcmp(kinds[k], kind) != 0)
            k++;
        snprintf(title, sizeof title, "%s: %s%s%s", p.scenario, what[k],
                 p.xkey ? " by " : "", p.xkey ? p.xkey : "");
        fprintf(p.gp, "nseries = %d\nplot_title = ", p.nseries);
        gp_string(p.gp, title);
        fputc('\n', p.gp);
        fputs(plot_template(kind), p.gp);
    }
    fclose(p.gp);
    sqlite3_close(p.db);
    if (ok && run_gnuplot(script) != 0) {
        fprintf(stderr, "offsim: plot: gnuplot failed on %s (kept for inspection)\n", script);
        return EXIT_RUN_FAILED;
    }
    unlink(script);
    if (!ok)
        return EXIT_RUN_FAILED;
    printf("%s: %s, %d series, from %s\n", out, kind, p.nseries, db_name);
    return 0;
}
