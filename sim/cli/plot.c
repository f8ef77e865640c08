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

#include "cli.h"
#include "engine/err.h"
#include "io/figure.h"

/* The gnuplot template of a kind (generated from scripts/plot-KIND.gp). */
const char *plot_template(const char *kind);

/* Text inside a gnuplot string literal: '"' and '\\' escaped. */
static void gp_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* A gnuplot string literal. */
static void gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    gp_text(f, s);
    fputc('"', f);
}

/* The data block $data: one block per series, its title first. */
static void gp_data(FILE *gp, const figure_data *fd, int cdf)
{
    fputs("$data << EOD\n", gp);
    for (size_t i = 0; i < fd->n; i++) {
        const figure_series *s = &fd->s[i];

        if (i > 0)
            fputs("\n\n", gp);
        fputc('"', gp);
        gp_text(gp, s->label);
        if (cdf)
            fprintf(gp, " (%.1f%% censored)", s->censored_pct);
        fputs("\"\n", gp);
        for (size_t k = 0; k < s->n; k++) {
            const figure_point *pt = &s->pt[k];

            if (cdf) {
                fprintf(gp, "%.9g %.6f\n", pt->x, pt->y[0]);
            } else if (pt->text != NULL) { /* vs */
                fprintf(gp, "%.9g %.9g %.9g %.9g %d ", pt->x, pt->y[0], pt->y[1], pt->y[2],
                        pt->lower_bound);
                gp_string(gp, pt->text);
                fputc('\n', gp);
            } else {
                fprintf(gp, "%.9g", pt->x);
                for (size_t v = 0; v < fd->ny; v++)
                    fprintf(gp, " %.9g", pt->y[v]);
                fputc('\n', gp);
            }
        }
    }
    fputs("EOD\n", gp);
}

/* The data and the settings of a kind's template. */
static int gp_kind(FILE *gp, figure *f, const char *kind, int release, int *nseries,
                   sim_diag *d)
{
    figure_data fd;
    int rc, cdf = strcmp(kind, "cdf") == 0;

    if (cdf)
        rc = figure_cdf(f, release ? FIGURE_RELEASE : FIGURE_CLOSE, &fd, d);
    else if (strcmp(kind, "vs") == 0)
        rc = figure_vs(f, &fd, d);
    else if (strcmp(kind, "occupancy") == 0)
        rc = figure_occupancy(f, &fd, d);
    else
        rc = figure_handoffs(f, &fd, d);
    if (rc != SIM_OK)
        return rc;
    gp_data(gp, &fd, cdf);
    *nseries = (int)fd.n;
    figure_data_free(&fd);
    if (cdf) {
        fprintf(gp, "x_label = \"%s latency (s, log scale)\"\n", release ? "release" : "close");
        fputs("note = ", gp);
        gp_string(gp, figure_xkey(f) ? figure_xkey(f) : "runs");
        fputs("\nsubtitle = \"a curve ends at 1 - its censored share (still open at the end)\"\n",
              gp);
    } else if (strcmp(kind, "vs") == 0) {
        fputs("x_label = ", gp);
        gp_string(gp, figure_xlabel(f));
        fputc('\n', gp);
        fprintf(gp, "categorical = %d\n", !figure_numeric(f));
    } else {
        fputs("note = ", gp);
        gp_string(gp, figure_xkey(f) ? figure_xkey(f) : "runs");
        fputc('\n', gp);
    }
    return SIM_OK;
}

/* The whole script: terminal, output, data, settings, title, template. */
static int gp_script(FILE *gp, figure *f, const char *kind, int release, const char *term,
                     const char *out, int *nseries, sim_diag *d)
{
    static const char *const kinds[] = {"cdf", "vs", "occupancy", "handoffs"};
    static const char *const what[] = {"close-latency CDF", "close latency",
                                       "FIN_WAIT_2 occupancy", "handoffs"};
    const char *x = figure_xkey(f);
    size_t k = 0;

    fprintf(gp, "set terminal %s\nset output ", term);
    gp_string(gp, out);
    fputc('\n', gp);
    if (gp_kind(gp, f, kind, release, nseries, d) != SIM_OK)
        return -1;
    while (strcmp(kinds[k], kind) != 0)
        k++;
    fprintf(gp, "nseries = %d\nplot_title = \"", *nseries);
    gp_text(gp, figure_scenario(f));
    fprintf(gp, ": %s%s", what[k], x ? " by " : "");
    gp_text(gp, x ? x : "");
    fputs("\"\n", gp);
    fputs(plot_template(kind), gp);
    return 0;
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
    figure_query q;
    figure *fig;
    FILE *gp;
    sim_diag d;
    int fd, ok = 0, known = 0, nseries = 0;

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
    diag_init(&d);
    q.scenario = scenario;
    q.xkey = xkey;
    q.need_x = strcmp(kind, "vs") == 0;
    if (figure_open(db_name, &q, &fig, &d) != SIM_OK) {
        diag_print_for(&d, stderr, "plot");
        return EXIT_RUN_FAILED;
    }
    if ((fd = mkstemp(script)) < 0 || (gp = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "offsim: plot: cannot write a gnuplot script: %s\n", strerror(errno));
        figure_close(fig);
        return EXIT_RUN_FAILED;
    }
    ok = gp_script(gp, fig, kind, strcmp(metric, "release") == 0, term, out, &nseries, &d) == 0;
    fclose(gp);
    figure_close(fig);
    if (!ok)
        diag_print_for(&d, stderr, "plot");
    if (ok && run_gnuplot(script) != 0) {
        fprintf(stderr, "offsim: plot: gnuplot failed on %s (kept for inspection)\n", script);
        return EXIT_RUN_FAILED;
    }
    unlink(script);
    if (!ok)
        return EXIT_RUN_FAILED;
    printf("%s: %s, %d series, from %s\n", out, kind, nseries, db_name);
    return 0;
}
