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
#include <stdarg.h>
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

/* The kinds of figure: --kind's values, and what each shows (its title). */
typedef enum plot_kind { PLOT_CDF, PLOT_VS, PLOT_OCCUPANCY, PLOT_HANDOFFS } plot_kind;

static const char *const plot_kinds[] = {
    [PLOT_CDF] = "cdf", [PLOT_VS] = "vs", [PLOT_OCCUPANCY] = "occupancy",
    [PLOT_HANDOFFS] = "handoffs", NULL};
static const char *const plot_what[] = {
    [PLOT_CDF] = "close-latency CDF", [PLOT_VS] = "close latency",
    [PLOT_OCCUPANCY] = "FIN_WAIT_2 occupancy", [PLOT_HANDOFFS] = "handoffs"};

/*
 * Nothing read from a database reaches gnuplot as code.  Every string in the
 * script is a single-quoted literal: gnuplot expands neither backquotes
 * (which run a shell command inside a double-quoted string) nor backslashes
 * in it, and a quote in it is written twice.  A line break would end the
 * command, so control characters become '?'.  In the data block, where a
 * line break would end the block, the same holds, and a double quote (the
 * data reader's field quote) becomes a single one.
 */
static void gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c == 0x7f)
            fputc('?', f);
        else if (c == '\'')
            fputs("''", f);
        else
            fputc(c, f);
    }
    fputc('\'', f);
}

/* `name = 'text'` where text is printf's output; 0, or -1 out of memory. */
static int gp_assign(FILE *f, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int gp_assign(FILE *f, const char *name, const char *fmt, ...)
{
    va_list ap;
    char *text;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (text = malloc((size_t)n + 1)) == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    fprintf(f, "%s = ", name);
    gp_quote(f, text);
    fputc('\n', f);
    free(text);
    return 0;
}

/* A field of the data block: "text", with no line break or double quote. */
static void gp_field(FILE *f, const char *s, const char *suffix)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        fputc(c < 0x20 || c == 0x7f ? '?' : c == '"' ? '\'' : c, f);
    }
    fputs(suffix, f);
    fputc('"', f);
}

/* The data block $data: one block per series, its title first. */
static void gp_data(FILE *gp, const figure_data *fd, int cdf)
{
    char censored[48];

    fputs("$data << EOD\n", gp);
    for (size_t i = 0; i < fd->n; i++) {
        const figure_series *s = &fd->s[i];

        if (i > 0)
            fputs("\n\n", gp);
        censored[0] = '\0';
        if (cdf)
            snprintf(censored, sizeof censored, " (%.1f%% censored)", s->censored_pct);
        gp_field(gp, s->label, censored);
        fputc('\n', gp);
        for (size_t k = 0; k < s->n; k++) {
            const figure_point *pt = &s->pt[k];

            if (cdf) {
                fprintf(gp, "%.9g %.6f\n", pt->x, pt->y[0]);
            } else if (pt->text != NULL) { /* vs */
                fprintf(gp, "%.9g %.9g %.9g %.9g %d ", pt->x, pt->y[0], pt->y[1], pt->y[2],
                        pt->lower_bound);
                gp_field(gp, pt->text, "");
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
static int gp_kind(FILE *gp, figure *f, plot_kind kind, int release, int *nseries,
                   sim_diag *d)
{
    figure_data fd;
    const char *note;
    int rc, cdf = kind == PLOT_CDF;

    switch (kind) {
    case PLOT_CDF:
        rc = figure_cdf(f, release ? FIGURE_RELEASE : FIGURE_CLOSE, &fd, d);
        break;
    case PLOT_VS:
        rc = figure_vs(f, &fd, d);
        break;
    case PLOT_OCCUPANCY:
        rc = figure_occupancy(f, &fd, d);
        break;
    default:
        rc = figure_handoffs(f, &fd, d);
        break;
    }
    if (rc != SIM_OK)
        return rc;
    gp_data(gp, &fd, cdf);
    *nseries = (int)fd.n;
    figure_data_free(&fd);
    note = figure_xkey(f) ? figure_xkey(f) : "runs";
    if (cdf)
        rc = gp_assign(gp, "x_label", "%s latency (s, log scale)", release ? "release" : "close") |
             gp_assign(gp, "note", "%s", note) |
             gp_assign(gp, "subtitle", "%s",
                       "a curve ends at 1 - its censored share (still open at the end)");
    else if (kind == PLOT_VS)
        rc = gp_assign(gp, "x_label", "%s", figure_xlabel(f)) |
             (fprintf(gp, "categorical = %d\n", !figure_numeric(f)) < 0);
    else
        rc = gp_assign(gp, "note", "%s", note);
    if (rc != 0) {
        diag_add(d, "out of memory writing the gnuplot script");
        return SIM_ENOMEM;
    }
    return SIM_OK;
}

/* The whole script: terminal, output, data, settings, title, template. */
static int gp_script(FILE *gp, figure *f, plot_kind kind, int release, const char *term,
                     const char *out, int *nseries, sim_diag *d)
{
    const char *x = figure_xkey(f);

    fprintf(gp, "set terminal %s\nset output ", term);
    gp_quote(gp, out);
    fputc('\n', gp);
    if (gp_kind(gp, f, kind, release, nseries, d) != SIM_OK)
        return -1;
    fprintf(gp, "nseries = %d\n", *nseries);
    if (gp_assign(gp, "plot_title", "%s: %s%s%s", figure_scenario(f), plot_what[kind],
                  x ? " by " : "", x ? x : "") != 0) {
        diag_add(d, "out of memory writing the gnuplot script");
        return -1;
    }
    fputs(plot_template(plot_kinds[kind]), gp);
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

enum { PLOT_KIND, PLOT_X, PLOT_OUT, PLOT_METRIC, PLOT_SCENARIO };

static const char *const plot_metrics[] = {"close", "release", NULL};

static const cli_opt plot_opts[] = {
    [PLOT_KIND] = {"kind", 0, "KIND", CLI_REQUIRED, plot_kinds,
                   "cdf: close-latency CDF, one curve per value of the x key (seeds pooled); "
                   "connections still open at the end never count as closed, so a curve ends "
                   "at 1 minus its censored share (given in the legend).  vs: median, p90 and "
                   "p99 close latency against the x key: the median over seeds, bars for the "
                   "range; open triangles mark lower bounds.  occupancy: connections in "
                   "FIN_WAIT_2 on the NIC (solid) and on the host (dashed) over simulated "
                   "time, mean over seeds.  handoffs: offloads, uploads and Retrieve "
                   "indications per second over time (needs runs made with --log events)"},
    [PLOT_X] = {"x", 0, "KEY", 0, NULL,
                "the key on the x axis / naming the series (default: the key the sweep "
                "varied; with several, each point is a series)"},
    [PLOT_OUT] = {"out", 'o', "FILE", 0, NULL,
                  "the figure: .png, .svg or .pdf (default results/KIND.png)"},
    [PLOT_METRIC] = {"metric", 0, "METRIC", 0, plot_metrics,
                     "with --kind cdf: close (the default) or release, the time until the "
                     "connection's resources were freed"},
    [PLOT_SCENARIO] = {"scenario", 0, "PATH", 0, NULL,
                       "the runs of this scenario (as it was run; default: the scenario run "
                       "most recently)"},
};

/* The output file and its terminal; NULL after a message (*rc the exit code). */
static const char *output(const cli_args *a, plot_kind kind, const char **term, int *rc)
{
    static char def[64];
    const char *out = cli_value(a, PLOT_OUT);

    if (out == NULL) {
        if (cli_default_db() == NULL) {
            *rc = EXIT_RUN_FAILED;
            return NULL;
        }
        snprintf(def, sizeof def, "results/%s.png", plot_kinds[kind]); /* kinds are short */
        out = def;
    }
    for (const char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *rc = cli_usage_error(&cli_plot, "--out: the file name holds a control character "
                                             "(byte 0x%02x); gnuplot cannot write to it",
                                  (unsigned char)*c);
            return NULL;
        }
    if ((*term = terminal_for(out)) == NULL) {
        *rc = cli_usage_error(&cli_plot, "--out: expected a file ending in .png, .svg or .pdf, "
                                         "got '%s'", out);
        return NULL;
    }
    return out;
}

/* Write the gnuplot script and run gnuplot on it; 0 or 1. */
static int draw(const char *db_name, plot_kind kind, int release, const char *term,
                const char *out, const figure_query *q)
{
    char script[] = "/tmp/offsim-plot-XXXXXX";
    figure *fig;
    FILE *gp;
    sim_diag d;
    int fd, ok, nseries = 0;

    diag_init(&d);
    if (figure_open(db_name, q, &fig, &d) != SIM_OK) {
        diag_print_for(&d, stderr, "plot");
        return EXIT_RUN_FAILED;
    }
    if ((fd = mkstemp(script)) < 0 || (gp = fdopen(fd, "w")) == NULL) {
        fprintf(stderr, "offsim: plot: cannot write a gnuplot script: %s\n", strerror(errno));
        figure_close(fig);
        return EXIT_RUN_FAILED;
    }
    ok = gp_script(gp, fig, kind, release, term, out, &nseries, &d) == 0;
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
    printf("%s: %s, %d series, from %s\n", out, plot_kinds[kind], nseries, db_name);
    return 0;
}

static int run_plot(const cli_args *a)
{
    plot_kind kind = (plot_kind)cli_choice(a, PLOT_KIND, PLOT_CDF);
    int release = cli_choice(a, PLOT_METRIC, 0) == 1, rc = 0;
    const char *term, *out;
    figure_query q = {cli_value(a, PLOT_SCENARIO), cli_value(a, PLOT_X), kind == PLOT_VS};

    if (release && kind != PLOT_CDF)
        return cli_usage_error(&cli_plot, "--metric applies to --kind cdf");
    if ((out = output(a, kind, &term, &rc)) == NULL)
        return rc;
    if (!have_gnuplot()) {
        fprintf(stderr, "offsim: plot: gnuplot is not installed: apt-get install gnuplot-nox "
                        "(scripts/setup.sh does)\n");
        return EXIT_RUN_FAILED;
    }
    return draw(a->operands[0], kind, release, term, out, &q);
}

const cli_command cli_plot = {
    .name = "plot",
    .args = "DB",
    .summary = "figures of a database's runs, drawn by gnuplot",
    .synopsis = "plot DB --kind cdf|vs|occupancy|handoffs [--x KEY] [--out FILE]\n"
                "                  [--metric close|release] [--scenario PATH]",
    .about = "Draw the complete runs of one scenario in DB (by default the scenario run\n"
             "most recently) with gnuplot.  The output's extension picks the format: .png,\n"
             ".svg or .pdf (default results/KIND.png).\n",
    .opts = plot_opts,
    .nopts = sizeof plot_opts / sizeof *plot_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "database",
    .missing = "which database?",
    .run = run_plot,
};
