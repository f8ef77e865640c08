/*
 * plot.c - `offsim plot DB --kind cdf|vs|occupancy|handoffs`: figures of a
 * database's runs, drawn by gnuplot.
 *
 * The data come from io/figure.h: the runs of one scenario (narrowed by
 * --where), one series per combination of the keys that vary among them,
 * seeds pooled (cdf) or summarised (vs, occupancy, handoffs).  With two
 * varied keys the first (--x, or the one with most values) takes the
 * colour and the other the line style; nothing but seeds is ever pooled.
 *
 * This file decides how the figure looks and writes it as a gnuplot script,
 * plot.gp, with one data file per series next to it: in a temporary
 * directory, or in --emit DIR, where a user can edit and rerun them with
 * plain gnuplot.  The script is the common style (scripts/plot-style.gp),
 * the kind's settings (scripts/plot-KIND.gp; both built into the binary by
 * scripts/embed.cmake), then what this figure needs: axes, the legend, the
 * panels and one plot clause per series.  The legend is drawn as labels and
 * line samples, a row per key: the key named once, then its values as the
 * user wrote them.
 *
 * One style for every format: the figure is laid out in points (default
 * 3.5 in wide, a paper column, with 8 pt text); a PDF is drawn at that size,
 * an SVG in units of a point, a PNG at 200 pixels per inch.  Text widths
 * are estimated with Helvetica's metrics (the default face, Liberation
 * Sans, has the same).
 *
 * Nothing read from the database or the command line reaches gnuplot as
 * code: every string in the script is a single-quoted literal (gp_quote),
 * and data files hold only numbers and comments.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "engine/err.h"
#include "io/figure.h"

/* The gnuplot template of a kind, or "style" (generated from scripts/plot-*.gp). */
const char *plot_template(const char *kind);

typedef enum plot_kind { PLOT_CDF, PLOT_VS, PLOT_OCCUPANCY, PLOT_HANDOFFS } plot_kind;

static const char *const plot_kinds[] = {
    [PLOT_CDF] = "cdf", [PLOT_VS] = "vs", [PLOT_OCCUPANCY] = "occupancy",
    [PLOT_HANDOFFS] = "handoffs", NULL};

typedef enum plot_format { FMT_PNG, FMT_SVG, FMT_PDF } plot_format;
static const char *const format_ext[] = {".png", ".svg", ".pdf"};

/* ---- strings into gnuplot ------------------------------------------------------ */

/*
 * Nothing read from a database or the command line reaches gnuplot as code.
 * Every string in the script is a single-quoted literal: gnuplot expands
 * neither backquotes (which run a shell command inside a double-quoted
 * string) nor backslashes in it, and a quote in it is written twice.  A line
 * break would end the command, so control characters become '?'.
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

/* A comment line in a script or data file: control characters become '?'. */
static void gp_comment(FILE *f, const char *prefix, const char *s)
{
    fputs(prefix, f);
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
    fputc('\n', f);
}

/* ---- text widths ----------------------------------------------------------------- */

/* Helvetica's advance widths (1/1000 em) for ' '..'~'; Liberation Sans and
 * Arial have the same. */
static const short helvetica[95] = {
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, /*  ../ */
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, /* 0..? */
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, /* @..O */
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, /* P.._ */
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, /* `..o */
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584};     /* p..~ */

/* The width of text in points at size pt (a UTF-8 sequence counts as one
 * wide character). */
static double text_width(const char *s, double pt)
{
    double w = 0;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c >= 0x20 && c < 0x7f)
            w += helvetica[c - 0x20];
        else if ((c & 0xc0) != 0x80)
            w += 600;
    }
    return w * pt / 1000;
}

/* ---- the figure's settings ---------------------------------------------------------- */

typedef struct plot {
    plot_kind kind;
    plot_format fmt;
    int release, ccdf, bars_range;
    int logx, logy;           /* 1 log, 0 linear, -1 the kind decides */
    const char *title;        /* --title, or NULL */
    const char *db, *out, *emit;
    int size_given;
    double w_in, h_in;        /* the layout size in inches */
    int w_px, h_px;           /* PNG: pixels */
    char face[64];
    double font;              /* text size, pt */
    const cli_args *args;     /* the command line, for the script's header */

    /* while writing */
    figure *fig;
    char *dir;                /* where plot.gp and the data go, with a trailing '/' */
    FILE *gp;
    int nfiles;
    double W, H;              /* the figure in pt */
    int nlabel, narrow;       /* gnuplot label and arrow numbers used */
    double legend_bottom;     /* pt from the top: where the panels may start */
    double bottom_extra;      /* pt more under the x axis (slanted tick labels) */
    double lmargin, rmargin;  /* pt: the panels' left and right margins */
    int nseries;
} plot;

#define DEFAULT_FACE "Liberation Sans"
#define DEFAULT_FONT 8.0
#define DEFAULT_WIDTH 3.5
#define PNG_DPI 200.0
/* Line widths in points: data, and the axes. */
#define LW_DATA 1.0
#define LW_AXES 0.5
/* A marker's size in points. */
#define MARKER_PT 4.5

/* Okabe and Ito's colour-blind-safe palette (without its yellow, too light
 * on white), in an order that keeps neighbours far apart. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000"};
#define NCOLOURS (sizeof palette / sizeof *palette)
/* Point types (cairo terminals): filled circle, square, triangle, diamond,
 * triangle down, pentagon, then open ones and crosses.  1 (+) marks
 * censoring and 8 (open triangle) lower bounds, so neither is here. */
static const int point_types[] = {7, 5, 9, 13, 11, 15, 6, 4, 12, 10, 14, 2, 3};
#define NPOINTS (sizeof point_types / sizeof *point_types)
#define PT_CENSORED 1
#define PT_LOWER_BOUND 8
/* vs: a point type per percentile (median, p90, p99). */
static const int vs_points[3] = {7, 4, 13};

/* How one series is drawn. */
typedef struct look {
    const char *lc;
    int dt, pt;
} look;

/* The look of a series (colour c, style s of the figure's dims). */
static look series_look(const plot *p, size_t c, size_t s)
{
    const figure_dim *style = figure_style(p->fig);
    look l = {palette[c % NCOLOURS], 1, point_types[c % NPOINTS]};

    if (p->kind == PLOT_VS) {
        /* Percentiles are the style; without another key, the colour too. */
        if (figure_colour(p->fig)->key == NULL)
            l.lc = palette[s % NCOLOURS];
        l.dt = 1 + (int)s;
        l.pt = vs_points[s % 3];
    } else if (style->key != NULL) {
        l.dt = 1 + (int)(s % 5);
    } else {
        l.dt = 1 + (int)((c / NCOLOURS) % 5); /* colours repeat: dashes tell them apart */
    }
    return l;
}

/* ---- axes ------------------------------------------------------------------------- */

typedef struct axis {
    int log;
    double lo, hi;  /* the range */
} axis;

/* The range of data lo..hi with a margin of `pad` of its span on each side,
 * in the axis' own space; a linear axis of data >= 0 never goes below 0. */
static axis axis_of(double lo, double hi, int log, double pad)
{
    axis a = {log, lo, hi};

    if (log) {
        double l = log10(lo), h = log10(hi), span = h - l > 0 ? h - l : 0.3;

        a.lo = pow(10, l - pad * span);
        a.hi = pow(10, h + pad * span);
    } else {
        double span = hi - lo > 0 ? hi - lo : (fabs(hi) > 0 ? fabs(hi) * 0.4 : 1);

        a.lo = lo - pad * span;
        a.hi = hi + pad * span;
        if (lo >= 0 && a.lo < 0)
            a.lo = 0;
    }
    return a;
}

/* Position of x along the axis, 0..1. */
static double axis_pos(const axis *a, double x)
{
    return a->log ? (log10(x) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                  : (x - a->lo) / (a->hi - a->lo);
}

static double axis_at(const axis *a, double u)
{
    return a->log ? pow(10, log10(a->lo) + u * (log10(a->hi) - log10(a->lo)))
                  : a->lo + u * (a->hi - a->lo);
}

static void gp_axis(FILE *gp, const char *name, const axis *a)
{
    if (a->log)
        fprintf(gp, "set logscale %s 10\n", name);
    else
        fprintf(gp, "unset logscale %s\n", name);
    fprintf(gp, "set %srange [%.9g:%.9g]\n", name, a->lo, a->hi);
}

/* An empty block of a data file: gnuplot counts a block only if it has a
 * row, so that the blocks after it keep their index. */
#define NONE_ROW "NaN NaN NaN  # none\n"

/* ---- data files --------------------------------------------------------------------- */

/* Open the next data file, series-NN.dat, with a comment header; NULL after
 * a message. */
static FILE *data_file(plot *p, char *name, size_t len, const char *what)
{
    char path[4096];
    FILE *f;

    snprintf(name, len, "series-%02d.dat", ++p->nfiles);
    snprintf(path, sizeof path, "%s%s", p->dir, name);
    if ((f = fopen(path, "w")) == NULL) {
        fprintf(stderr, "offsim: plot: cannot write %s: %s\n", path, strerror(errno));
        return NULL;
    }
    gp_comment(f, "# ", what);
    return f;
}

static int data_close(FILE *f, const char *name)
{
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "offsim: plot: cannot write %s\n", name);
        return -1;
    }
    return 0;
}

/* What a series is, for comments: "nic.fin_wait_2_timeout=10s, ...". */
static void series_name(const plot *p, const figure_series *s, char *buf, size_t len)
{
    const figure_dim *c = figure_colour(p->fig), *st = figure_style(p->fig);
    size_t n = 0;

    buf[0] = '\0';
    if (c->key != NULL)
        n += (size_t)snprintf(buf, len, "%s = %s", c->key, c->label[s->colour]);
    if (n < len && p->kind == PLOT_VS)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "; " : "",
                              figure_vs_name[s->style % 3]);
    else if (n < len && st->key != NULL)
        n += (size_t)snprintf(buf + n, len - n, "%s%s = %s", n ? "; " : "", st->key,
                              st->label[s->style]);
    if (n == 0)
        snprintf(buf, len, "all runs");
}

/* ---- the legend ------------------------------------------------------------------------ */

typedef enum { LG_HEADING, LG_ENTRY, LG_TEXT } lg_type;

typedef struct lg_item {
    lg_type type;
    char text[160];
    int new_row;     /* start a row (a group's first item) */
    int line, pt;    /* the sample: a line, a point type (0: none) */
    look l;
    double ps;       /* point size */
} lg_item;

typedef struct legend {
    lg_item item[64];
    size_t n;
} legend;

static lg_item *lg_add(legend *g, lg_type type, int new_row, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static lg_item *lg_add(legend *g, lg_type type, int new_row, const char *fmt, ...)
{
    lg_item *it;
    va_list ap;

    if (g->n == sizeof g->item / sizeof *g->item)
        return &g->item[g->n - 1]; /* cannot happen: figure.h caps the series */
    it = &g->item[g->n++];
    memset(it, 0, sizeof *it);
    it->type = type;
    it->new_row = new_row;
    va_start(ap, fmt);
    vsnprintf(it->text, sizeof it->text, fmt, ap);
    va_end(ap);
    return it;
}

/* Geometry, in units of the font size. */
#define LG_SAMPLE 2.2  /* a line sample's length */
#define LG_GAP 0.35    /* between sample and text */
#define LG_SKIP 1.1    /* between entries */
#define LG_ROW 1.4     /* row height */
#define TITLE_ROW 1.3

/* An item's width on a row, in pt. */
static double lg_width(const plot *p, const lg_item *it)
{
    double tw = text_width(it->text, p->font);

    return it->type == LG_ENTRY ? (LG_SAMPLE + LG_GAP) * p->font + tw : tw;
}

/* Draw an item with its left edge at x, its middle at y (pt from the top). */
static void lg_draw(plot *p, const lg_item *it, double x, double y, unsigned *last_rgb)
{
    double F = p->font, sy = 1 - y / p->H, sx = x / p->W;
    FILE *gp = p->gp;

    if (it->type == LG_ENTRY && it->line) {
        /* The SVG terminal joins arrows of one colour into one path with the
         * first one's dashes: no two in a row have the same colour. */
        unsigned rgb = (unsigned)strtoul(it->l.lc + 1, NULL, 16);

        if (rgb == *last_rgb)
            rgb ^= 1;
        *last_rgb = rgb;
        fprintf(gp, "set arrow %d from screen %.5f, screen %.5f to screen %.5f, screen %.5f "
                    "nohead front lw %.3g lc rgb '#%06X' dt %d\n",
                ++p->narrow, sx, sy, (x + LG_SAMPLE * F) / p->W, sy, LW_DATA / LW_AXES, rgb,
                it->l.dt);
    }
    if (it->type == LG_ENTRY && it->pt)
        fprintf(gp, "set label %d '' at screen %.5f, screen %.5f point pt %d ps %.3g*pscale "
                    "lc rgb '%s' front\n",
                ++p->nlabel, (x + LG_SAMPLE * F / 2) / p->W, sy, it->pt,
                it->ps > 0 ? it->ps : 1.0, it->l.lc);
    fprintf(gp, "set label %d ", ++p->nlabel);
    gp_quote(gp, it->text);
    fprintf(gp, " at screen %.5f, screen %.5f left front  # legend\n",
            (x + (it->type == LG_ENTRY ? (LG_SAMPLE + LG_GAP) * F : 0)) / p->W, sy);
}

/*
 * Lay out one group, items [i, end) (a key's name and its values), from row
 * `row` of the legend under `top`; values go after the name and wrap under
 * the first value (under_name 0), or start on the next row, indented
 * (under_name 1).  Returns the rows used; draws when p->gp is set.
 */
static int lg_group(plot *p, const legend *g, size_t i, size_t end, int under_name,
                    double top, int row, unsigned *last_rgb)
{
    double F = p->font, x0 = 0.6 * F, xmax = p->W - 0.6 * F;
    double x = x0, row_start = x0, indent = x0 + 1.2 * F;
    int rows = 1;

    for (size_t k = i; k < end; k++) {
        const lg_item *it = &g->item[k];
        double w = lg_width(p, it);
        int heading_before = k == i + 1 && g->item[i].type == LG_HEADING;

        if ((heading_before && under_name) || (x + w > xmax && x > row_start)) {
            rows++;
            x = row_start = indent;
        }
        if (last_rgb != NULL)
            lg_draw(p, it, x, top + (row + rows - 0.5) * LG_ROW * F, last_rgb);
        x += w + (it->type == LG_HEADING ? 0.5 : LG_SKIP) * F;
        if (k == i && it->type == LG_HEADING && !under_name)
            indent = row_start = x;
    }
    return rows;
}

/* Lay the legend out in rows under the title, from `top` pt down, a group
 * per key, each the way that takes fewer rows, and write it as labels and
 * arrows (screen coordinates) when draw; returns the pt below it. */
static double lg_write(plot *p, const legend *g, double top, int draw)
{
    unsigned last_rgb = 0x1000000;
    int row = 0;

    for (size_t i = 0; i < g->n;) {
        size_t end = i + 1;
        int beside, under;

        while (end < g->n && !g->item[end].new_row)
            end++;
        beside = lg_group(p, g, i, end, 0, top, row, NULL);
        under = lg_group(p, g, i, end, 1, top, row, NULL);
        row += lg_group(p, g, i, end, under < beside, top, row,
                        draw && p->gp != NULL ? &last_rgb : NULL);
        i = end;
    }
    return top + row * LG_ROW * p->font;
}

/* The title, wrapped at spaces to the figure's width, as labels. */
static double title_write(plot *p, const char *title, double top)
{
    double F = p->font, wmax = p->W - 1.2 * F;
    const char *s = title;
    int lines = 0;

    while (*s) {
        size_t len = strlen(s), cut = 0;
        char line[512];

        /* The longest run of words that fits, ending at ", " or ": " if one
         * does (at least one word). */
        size_t comma = 0;

        for (size_t i = 1; i <= len; i++)
            if (i == len || s[i] == ' ') {
                snprintf(line, sizeof line, "%.*s", (int)i, s);
                if (cut > 0 && text_width(line, F) > wmax)
                    break;
                cut = i;
                if (i == len || s[i - 1] == ',' || s[i - 1] == ':')
                    comma = i;
            }
        if (comma > 0 && text_width(s, F) > wmax && 10 * comma >= 6 * cut)
            cut = comma; /* at a comma if the line stays 60 % full */
        snprintf(line, sizeof line, "%.*s", (int)cut, s);
        lines++;
        if (p->gp != NULL) {
            fprintf(p->gp, "set label %d ", ++p->nlabel);
            gp_quote(p->gp, line);
            fprintf(p->gp, " at screen 0.5, screen %.5f center front  # title\n",
                    1 - (top + (lines - 0.5) * TITLE_ROW * F) / p->H);
        }
        s += cut;
        while (*s == ' ')
            s++;
    }
    return top + lines * TITLE_ROW * F;
}

/* What a series pools, for the title: "3 seeds per curve", "mean of 2-3
 * seeds", "one run per curve". */
static void pooled_text(const plot *p, char *buf, size_t len)
{
    const char *per = p->kind == PLOT_VS ? "point" : "curve";
    int least, most;
    char n[32];

    figure_seeds(p->fig, &least, &most);
    if (least == most)
        snprintf(n, sizeof n, "%d", most);
    else
        snprintf(n, sizeof n, "%d-%d", least, most);
    if (most <= 1)
        snprintf(buf, len, "one run per %s", per);
    else if (p->kind == PLOT_CDF)
        snprintf(buf, len, "%s seeds per curve", n);
    else if (p->kind == PLOT_VS)
        snprintf(buf, len, "mean of %s seeds per point", n);
    else
        snprintf(buf, len, "mean of %s seeds", n);
}

/* The colour key's group: the key, then its values (with what else the
 * caller appends to each, e.g. a censored share). */
static void lg_colours(plot *p, legend *g, const char *const *extra, int one_key_looks)
{
    const figure_dim *c = figure_colour(p->fig);

    if (c->key == NULL)
        return;
    lg_add(g, LG_HEADING, 1, "%s:", c->key);
    for (size_t i = 0; i < c->n; i++) {
        lg_item *it = lg_add(g, LG_ENTRY, 0, "%s%s", c->label[i],
                             extra && extra[i] ? extra[i] : "");

        it->line = 1;
        it->l = series_look(p, i, 0);
        if (!one_key_looks)
            it->l.dt = 1;
        it->pt = it->l.pt;
    }
}

/* The style key's group: line styles in black. */
static void lg_styles(plot *p, legend *g)
{
    const figure_dim *s = figure_style(p->fig);

    if (s->key == NULL)
        return;
    lg_add(g, LG_HEADING, 1, "%s:", s->key);
    for (size_t i = 0; i < s->n; i++) {
        lg_item *it = lg_add(g, LG_ENTRY, 0, "%s", s->label[i]);

        it->line = 1;
        it->l = series_look(p, 0, i);
        it->l.lc = "#000000";
    }
}

/* ---- layout --------------------------------------------------------------------------- */

/* The panels' boxes: screen fractions from under the legend down to room
 * for the x axis' tick labels and title. */
static void panel_box(const plot *p, int i, int n, double *top, double *bottom)
{
    double F = p->font, gap = 0.9 * F;
    double t = p->legend_bottom + 0.6 * F, b = p->H - 3.9 * F - p->bottom_extra;
    double h = (b - t - (n - 1) * gap) / n;

    *top = 1 - (t + i * (h + gap)) / p->H;
    *bottom = 1 - (t + i * (h + gap) + h) / p->H;
}

/* A "nice" step (1, 2, 2.5 or 5 times a power of ten) of at least x. */
static double nice_step(double x)
{
    double e = pow(10, floor(log10(x))), m = x / e;

    return e * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10);
}

/* The y tick step of a linear axis in panel i of n: ticks 1.9 lines apart
 * or more. */
static double y_step(const plot *p, const axis *ay, int i, int n)
{
    double top, bottom, ticks;

    panel_box(p, i, n, &top, &bottom);
    ticks = fmax(2, floor((top - bottom) * p->H / (1.9 * p->font)));
    return nice_step((ay->hi - ay->lo) / ticks);
}

/* The format of a linear axis' tick labels at this step: '%g' unless two
 * labels would read the same (120.0050 and 120.0052), then as many decimals
 * as the step has. */
static void tick_format(const axis *a, double step, char *fmt, size_t len)
{
    char prev[32] = "", cur[32];
    int d = 0;

    snprintf(fmt, len, "%%g");
    for (double k = ceil(a->lo / step - 1e-9); k * step <= a->hi + 1e-9 * step; k++) {
        snprintf(cur, sizeof cur, "%g", fabs(k) < 0.5 ? 0 : k * step);
        if (strcmp(cur, prev) == 0)
            break;
        memcpy(prev, cur, sizeof cur);
        if (k * step + step > a->hi + 1e-9 * step)
            return; /* every label differs */
    }
    while (d < 12 && fabs(step * pow(10, d) - round(step * pow(10, d))) > 1e-6 * step * pow(10, d))
        d++;
    snprintf(fmt, len, "%%.%df", d);
}

/* The widest y tick label gnuplot will write (fmt at each step, or '%g' at
 * each decade of a log axis), in pt. */
static double ytick_width(const plot *p, const axis *ay, double step)
{
    char buf[64], fmt[16];
    double w = 0;

    if (ay->log) {
        for (double e = ceil(log10(ay->lo) - 1e-9); e <= floor(log10(ay->hi) + 1e-9); e++) {
            snprintf(buf, sizeof buf, "%g", pow(10, e));
            w = fmax(w, text_width(buf, p->font));
        }
        return w;
    }
    tick_format(ay, step, fmt, sizeof fmt);
    for (double k = ceil(ay->lo / step - 1e-9); k * step <= ay->hi + 1e-9 * step; k++) {
        snprintf(buf, sizeof buf, fmt, fabs(k) < 0.5 ? 0 : k * step);
        w = fmax(w, text_width(buf, p->font));
    }
    return w;
}

/* The left margin for the panels' y axes ay[0..n) (the same for all, so that
 * they line up): room for the axis title and the widest tick label. */
static void plan_margins(plot *p, const axis *ay, int n)
{
    double F = p->font, w = 0;

    for (int i = 0; i < n; i++)
        w = fmax(w, ytick_width(p, &ay[i], ay[i].log ? 0 : y_step(p, &ay[i], i, n)));
    p->lmargin = 0.4 * F + 1.1 * F + 0.5 * F + w + 1.0 * F;
    p->rmargin = 1.8 * F;
}

/*
 * Panel i of n: its box, on a linear axis y ticks few enough for its height,
 * its y axis title (the gnuplot expression ylabel) and, on the last, the x
 * axis' tick labels and title.  Titles are labels at screen positions, the
 * same in every format.  A panel after the first clears the labels and
 * arrows of the one before (the title and legend are drawn once).
 */
static void gp_panel(plot *p, int i, int n, const char *ylabel, int last, const axis *ay,
                     int empty)
{
    double F = p->font, top, bottom, left = p->lmargin / p->W, right = 1 - p->rmargin / p->W;

    panel_box(p, i, n, &top, &bottom);
    if (i > 0)
        fputs("unset label\nunset arrow\n", p->gp);
    fprintf(p->gp, "set lmargin at screen %.5f\nset rmargin at screen %.5f\n"
                   "set tmargin at screen %.5f\nset bmargin at screen %.5f\n",
            left, right, top, bottom);
    if (!ay->log) {
        double step = y_step(p, ay, i, n);
        char fmt[16];

        tick_format(ay, step, fmt, sizeof fmt);
        fprintf(p->gp, "set ytics %.9g\nset format y '%s'\n", step, fmt);
    } else {
        fputs("set ytics autofreq\nset format y '%g'\n", p->gp);
    }
    fprintf(p->gp, "set label %d %s at screen %.5f, screen %.5f center rotate by 90 front"
                   "  # y axis\n",
            ++p->nlabel, ylabel, (0.4 + 0.55) * F / p->W, (top + bottom) / 2);
    if (empty)
        fprintf(p->gp, "set label %d 'none: 0 all along' at graph 0.5, graph 0.5 center front\n",
                ++p->nlabel);
    if (!last) {
        fputs("set format x ''\n", p->gp);
        return;
    }
    fputs("set format x '%g'\n", p->gp);
    fprintf(p->gp, "set label %d x_label at screen %.5f, screen %.5f center front  # x axis\n",
            ++p->nlabel, (left + right) / 2, 0.9 * F / p->H);
}

/* Title and legend: write them, and where the panels start. */
static void gp_terminal(FILE *gp, const plot *p);

/* A panel's height by default, in pt: one panel 1.75 in, two 1.2 in, three 1 in. */
static double panel_height(int panels)
{
    return 72 * (panels == 1 ? 1.75 : panels == 2 ? 1.2 : 1.0);
}

/*
 * The terminal, the common style, the title and the legend of a figure of
 * `panels` panels.  Unless --size says otherwise the figure is as high as
 * its title and legend need above panels of panel_height(), so a legend of
 * many series never squeezes the data.
 */
static void gp_head(plot *p, const char *title, const legend *g, int panels)
{
    double F = p->font, y = 0.4 * F, head;
    FILE *gp = p->gp;

    p->gp = NULL; /* measure first */
    if (title != NULL && *title)
        y = title_write(p, title, y) + 0.2 * F;
    head = lg_write(p, g, y, 0);
    p->gp = gp;
    if (!p->size_given) {
        p->H = head + 0.6 * F + panels * panel_height(panels) + (panels - 1) * 0.9 * F +
               3.9 * F + p->bottom_extra;
        p->h_in = p->H / 72;
        if (p->fmt == FMT_PNG)
            p->h_px = (int)lround(p->h_in * p->w_px / p->w_in);
    }
    fputs("\n# The terminal: the figure's size and text (the same layout in every format).\n",
          gp);
    gp_terminal(gp, p);
    fputs("set output out\nset encoding utf8\n\n# Common style (scripts/plot-style.gp).\n", gp);
    fputs(plot_template("style"), gp);
    fputs("\n# Title and legend (labels and line samples in screen coordinates).\n", gp);
    y = 0.4 * F;
    if (title != NULL && *title)
        y = title_write(p, title, y) + 0.2 * F;
    p->legend_bottom = lg_write(p, g, y, 1);
}

/* The default title: "scenario (fixed keys): what, pooled". */
static char *default_title(const plot *p, const char *what)
{
    const char *scen = figure_scenario(p->fig), *slash = strrchr(scen, '/');
    const char *fixed = figure_fixed(p->fig);
    char pooled[64];
    size_t n;
    char *t;

    pooled_text(p, pooled, sizeof pooled);
    n = strlen(scen) + strlen(fixed) + strlen(what) + strlen(pooled) + 16;
    if ((t = malloc(n)) != NULL)
        snprintf(t, n, "%s%s%s%s: %s, %s", slash ? slash + 1 : scen, *fixed ? " (" : "", fixed,
                 *fixed ? ")" : "", what, pooled);
    return t;
}

/* ---- markers along a curve ----------------------------------------------------------- */

#define MARKERS 4

/*
 * MARKERS points along a curve, spread by its length on the figure and
 * staggered per series (series i of ns), so that curves can be told apart
 * where colours repeat or print in grey; a stretch lying on the bottom of
 * the axes gets none.  steps: the curve is a step function.  Writes the
 * points' axis values into mx, my; returns how many.
 */
static size_t markers(const double *xs, const double *ys, size_t n, int steps, const axis *ax,
                      const axis *ay, size_t i, size_t ns, double *mx, double *my)
{
    double total = 0, walked = 0;
    size_t m = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k + 1 < n && m < MARKERS; k++) {
            double pts[3][2] = {{xs[k], ys[k]}, {xs[k + 1], ys[steps ? k : k + 1]},
                                {xs[k + 1], ys[k + 1]}};

            for (int seg = 0; seg < (steps ? 2 : 1) && m < MARKERS; seg++) {
                double u[2][2], len;

                for (int e = 0; e < 2; e++) {
                    const double *pt = pts[seg + e * (steps ? 1 : 2)];
                    double ux = axis_pos(ax, pt[0]), uy = axis_pos(ay, pt[1]);

                    u[e][0] = isfinite(ux) ? fmin(fmax(ux, 0), 1) : 0;
                    u[e][1] = isfinite(uy) ? fmin(fmax(uy, 0), 1) : 0;
                }
                len = hypot(u[1][0] - u[0][0], u[1][1] - u[0][1]);
                if (u[0][1] <= 0.01 && u[1][1] <= 0.01)
                    len = 0;
                if (pass == 0) {
                    total += len;
                    continue;
                }
                /* The markers that fall on this segment. */
                while (m < MARKERS) {
                    double at = total * (m + (i + 1.0) / (ns + 1.0)) / MARKERS, f;

                    if (len <= 0 || at > walked + len)
                        break;
                    f = (at - walked) / len;
                    mx[m] = axis_at(ax, u[0][0] + f * (u[1][0] - u[0][0]));
                    my[m] = axis_at(ay, u[0][1] + f * (u[1][1] - u[0][1]));
                    m++;
                }
                walked += len;
            }
        }
        if (total <= 0)
            break;
    }
    return m;
}

/* The markers of series i (of ns) for value column v (a CDF: its F or 1 - F
 * as drawn), as a data block "x value"; how many, or -1. */
static int write_markers(FILE *f, const figure_series *s, int v, int steps, const axis *ax,
                         const axis *ay, size_t i, size_t ns)
{
    double *xs = malloc((s->n_pt + 1) * sizeof *xs), *ys = malloc((s->n_pt + 1) * sizeof *ys);
    double mx[MARKERS], my[MARKERS];
    size_t m;

    if (xs == NULL || ys == NULL) {
        free(xs);
        free(ys);
        return -1;
    }
    for (size_t k = 0; k < s->n_pt; k++) {
        xs[k] = s->pt[k].x;
        ys[k] = v < 0 ? 1 - s->pt[k].y[0] : s->pt[k].y[v];
    }
    m = markers(xs, ys, s->n_pt, steps, ax, ay, i, ns, mx, my);
    for (size_t k = 0; k < m; k++)
        fprintf(f, "%.9g %.9g\n", mx[k], my[k]);
    if (m == 0)
        fputs(NONE_ROW, f);
    free(xs);
    free(ys);
    return (int)m;
}

/* ---- plot clauses -------------------------------------------------------------------------- */

/* The clauses of one plot command, joined with ", \" line by line. */
typedef struct clauses {
    FILE *f;
    char *buf;
    size_t len;
    int n;
} clauses;

static int cl_begin(clauses *c)
{
    memset(c, 0, sizeof *c);
    c->f = open_memstream(&c->buf, &c->len);
    return c->f ? 0 : -1;
}

static void cl_add(clauses *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cl_add(clauses *c, const char *fmt, ...)
{
    va_list ap;

    fputs(c->n++ ? ", \\\n  " : "  ", c->f);
    va_start(ap, fmt);
    vfprintf(c->f, fmt, ap);
    va_end(ap);
}

/* Write `plot` and the clauses; 0, or -1 when there were none or out of memory. */
static int cl_end(clauses *c, FILE *gp)
{
    int ok = fclose(c->f) == 0 && c->n > 0;

    if (ok)
        fprintf(gp, "plot \\\n%s\n", c->buf);
    free(c->buf);
    return ok ? 0 : -1;
}

/* The using-spec of a value column: clamped to the axis floor on a log
 * axis (where 0 has no place). */
static const char *ycol(char *buf, size_t len, int col, const axis *ay)
{
    if (ay->log)
        snprintf(buf, len, "($%d > y_floor ? $%d : y_floor)", col, col);
    else
        snprintf(buf, len, "%d", col);
    return buf;
}

/* ---- cdf ------------------------------------------------------------------------------ */

/* " (2.1% censored)" for a share above 0 (" (<0.1% censored)" when tiny), a
 * range " (1.2-2.3% censored)" when the series of a colour differ. */
static void censored_text(char *buf, size_t len, double lo, double hi)
{
    char a[16], b[16];

    buf[0] = '\0';
    if (hi <= 0)
        return;
    snprintf(a, sizeof a, lo < 0.05 ? (lo > 0 ? "<0.1" : "0") : "%.1f", lo);
    snprintf(b, sizeof b, hi < 0.05 ? "<0.1" : "%.1f", hi);
    if (strcmp(a, b) == 0)
        snprintf(buf, len, " (%s%% censored)", b);
    else
        snprintf(buf, len, " (%s-%s%% censored)", a, b);
}

/* The censored share of each colour's series, as legend text (NULL: none). */
static char **censored_by_colour(const plot *p, const figure_data *fd)
{
    const figure_dim *colour = figure_colour(p->fig);
    char **extra = calloc(colour->n, sizeof *extra);

    for (size_t c = 0; extra != NULL && c < colour->n; c++) {
        double lo = INFINITY, hi = 0;

        for (size_t i = 0; i < fd->n; i++)
            if (fd->s[i].colour == c && fd->s[i].n > 0) {
                double share = 100 * fd->s[i].censored / fd->s[i].n;

                lo = fmin(lo, share);
                hi = fmax(hi, share);
            }
        if ((extra[c] = malloc(48)) != NULL)
            censored_text(extra[c], 48, isfinite(lo) ? lo : 0, hi);
    }
    return extra;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

/* The CDF's axes: x over the series' times, y over F (or 1 - F with
 * --ccdf); whether any connection was censored. */
static void cdf_axes(const plot *p, const figure_data *fd, axis *ax, axis *ay, int *any_censored)
{
    double xmin = INFINITY, xmax = 0, smin = 1, nmax = 1;

    *any_censored = 0;
    for (size_t i = 0; i < fd->n; i++) {
        const figure_series *s = &fd->s[i];

        for (size_t k = 0; k < s->n_pt; k++) {
            xmin = fmin(xmin, s->pt[k].x);
            xmax = fmax(xmax, s->pt[k].x);
            if (s->pt[k].y[0] > 0)
                smin = fmin(smin, s->pt[k].y[0]);
        }
        nmax = fmax(nmax, s->n);
        *any_censored |= s->censored > 0;
    }
    *ax = p->logx == 0 ? axis_of(0, xmax, 0, 0.02) : axis_of(xmin, xmax, 1, 0.02);
    if (p->ccdf ? p->logy != 0 : p->logy == 1) {
        /* On a log axis: down to the decade below the smallest value there is
         * (F's smallest step is one connection in the biggest series). */
        double lo = p->ccdf ? smin : 1 / nmax;

        *ay = (axis){1, pow(10, floor(log10(lo) - 1e-9)), 1.1};
    } else {
        *ay = (axis){0, 0, 1.02};
    }
}

/* The CDF's legend: the colour key's values with their censored share, the
 * style key's, and what a '+' is. */
static void cdf_legend(plot *p, const figure_data *fd, legend *g, int any_censored)
{
    const figure_dim *colour = figure_colour(p->fig), *style = figure_style(p->fig);
    char **extra = censored_by_colour(p, fd);

    lg_colours(p, g, (const char *const *)extra, style->key == NULL);
    free_strings(extra, colour->n);
    lg_styles(p, g);
    if (colour->key == NULL && style->key == NULL && fd->n == 1 && fd->s[0].censored > 0) {
        char share[48];
        double pct = 100 * fd->s[0].censored / fd->s[0].n;

        censored_text(share, sizeof share, pct, pct);
        lg_add(g, LG_TEXT, 1, "all runs%s", share);
    }
    if (any_censored) {
        lg_item *it = lg_add(g, LG_ENTRY, g->n == 0, "censored (open at the end)");

        it->pt = PT_CENSORED;
        it->l.lc = "#000000";
        it->ps = 0.8;
    }
}

/* Series i of n of a CDF: its data file (the estimate as steps, markers
 * along it, censored marks) and its plot clauses; 0 or -1. */
static int cdf_series(plot *p, const figure_series *s, size_t i, size_t n, const axis *ax,
                      const axis *ay, clauses *cl)
{
    look l = series_look(p, s->colour, s->style);
    int ycolumn = p->ccdf ? 3 : 2, nmarks;
    char name[32], what[512], y[64];
    FILE *f;

    series_name(p, s, what, sizeof what);
    if ((f = data_file(p, name, sizeof name, what)) == NULL)
        return -1;
    fprintf(f, "# %d run%s pooled: %.0f connections, %.0f censored\n"
               "# seconds  F  1-F (the Kaplan-Meier estimate just after that time)\n",
            s->runs, s->runs == 1 ? "" : "s", s->n, s->censored);
    for (size_t k = 0; k < s->n_pt; k++)
        fprintf(f, "%.9g %.9g %.9g\n", s->pt[k].x, 1 - s->pt[k].y[0], s->pt[k].y[0]);
    fprintf(f, "\n\n# markers along the curve: seconds  %s\n", p->ccdf ? "1-F" : "F");
    nmarks = write_markers(f, s, p->ccdf ? 0 : -1, 1, ax, ay, i, n);
    fputs("\n\n# censored connections (one mark per 1/20 decade): seconds  F  1-F\n", f);
    for (size_t k = 0; k < s->n_mark; k++)
        fprintf(f, "%.9g %.9g %.9g\n", s->mark[k].x, 1 - s->mark[k].y[0], s->mark[k].y[0]);
    if (s->n_mark == 0)
        fputs(NONE_ROW, f);
    if ((data_close(f, name) != 0) | (nmarks < 0))
        return -1;
    ycol(y, sizeof y, ycolumn, ay);
    cl_add(cl, "dir.'%s' index 0 using 1:%s with steps lw %.3g lc rgb '%s' dt %d notitle", name,
           y, LW_DATA / LW_AXES, l.lc, l.dt);
    if (nmarks > 0)
        cl_add(cl, "dir.'%s' index 1 using 1:2 with points pt %d ps pscale lc rgb '%s' notitle",
               name, l.pt, l.lc);
    if (s->n_mark > 0)
        cl_add(cl, "dir.'%s' index 2 using 1:%s with points pt %d ps 0.8*pscale lc rgb '%s' "
                   "notitle",
               name, y, PT_CENSORED, l.lc);
    return 0;
}

static int write_cdf(plot *p, figure_data *fd)
{
    const char *metric = p->release ? "release" : "close";
    legend g = {0};
    axis ax, ay;
    clauses cl;
    int any_censored, rc = 0;
    char *title = NULL;

    cdf_axes(p, fd, &ax, &ay, &any_censored);
    cdf_legend(p, fd, &g, any_censored);
    if (p->title == NULL) {
        char what[96];

        snprintf(what, sizeof what, "%s latency, Kaplan-Meier %s", metric,
                 p->ccdf ? "1 - F" : "CDF");
        if ((title = default_title(p, what)) == NULL)
            return -1;
    }
    fprintf(p->gp, "metric = '%s'\nccdf = %d\n", metric, p->ccdf);
    fputs(plot_template(plot_kinds[PLOT_CDF]), p->gp);
    gp_head(p, p->title ? p->title : title, &g, 1);
    free(title);
    fputs("\n# Axes.\n", p->gp);
    gp_axis(p->gp, "x", &ax);
    gp_axis(p->gp, "y", &ay);
    if (ay.log)
        fprintf(p->gp, "y_floor = %.9g  # a value below (0) is drawn at the axis' bottom\n",
                ay.lo);
    plan_margins(p, &ay, 1);
    gp_panel(p, 0, 1, "y_label", 1, &ay, 0);

    fprintf(p->gp, "\n# One curve per series: the Kaplan-Meier estimate as steps (data: "
                   "seconds, F, 1 - F; this draws column %d), markers along it, '+' where "
                   "connections were censored.\n",
            p->ccdf ? 3 : 2);
    if (cl_begin(&cl) != 0)
        return -1;
    for (size_t i = 0; i < fd->n && rc == 0; i++)
        rc = cdf_series(p, &fd->s[i], i, fd->n, &ax, &ay, &cl);
    if (cl_end(&cl, p->gp) != 0)
        rc = -1;
    p->nseries = (int)fd->n;
    return rc;
}

/* The ends of a vs point's bar: its confidence interval (the mean with one
 * run), or with --bars range the least and largest over seeds. */
static double bar_lo(const plot *p, const figure_point *pt)
{
    return p->bars_range ? pt->y[1] : isfinite(pt->y[3]) ? pt->y[3] : pt->y[0];
}

static double bar_hi(const plot *p, const figure_point *pt)
{
    return p->bars_range ? pt->y[2] : isfinite(pt->y[4]) ? pt->y[4] : pt->y[0];
}

/* ---- vs ----------------------------------------------------------------------------------- */

/* Two labels at positions u0 < u1 (0..1 along an axis w pt wide) clear of
 * each other? */
static int labels_clear(const plot *p, const char *l0, double u0, const char *l1, double u1,
                        double w)
{
    return (u1 - u0) * w >= (text_width(l0, p->font) + text_width(l1, p->font)) / 2 +
                                0.8 * p->font;
}

/* The x axis of vs: positions, the dodge between series, the range. */
typedef struct vs_axis {
    axis a;
    double delta;   /* the offset between neighbouring series, in the axis' space */
    int categorical;
} vs_axis;

static vs_axis vs_x(const plot *p, size_t nseries)
{
    const figure_dim *xd = figure_x(p->fig);
    vs_axis v = {{0, 0, 1}, 0, !xd->numeric};
    double lo = INFINITY, hi = -INFINITY, gap = INFINITY;

    for (size_t i = 0; i < xd->n; i++) {
        double x = v.categorical ? (double)i + 1 : xd->num[i];

        lo = fmin(lo, x);
        hi = fmax(hi, x);
    }
    v.a.log = !v.categorical && (p->logx == 1 || (p->logx == -1 && lo > 0 && hi / lo >= 10));
    /* The smallest gap between values, in the axis' space (values are sorted). */
    for (size_t i = 0; i + 1 < xd->n; i++) {
        double a = v.categorical ? (double)i + 1 : xd->num[i];
        double b = v.categorical ? (double)i + 2 : xd->num[i + 1];

        if (v.a.log)
            a = log10(a), b = log10(b);
        gap = fmin(gap, b - a);
    }
    if (!isfinite(gap) || gap <= 0)
        gap = v.a.log ? 0.5 : v.categorical ? 1 : (fabs(hi) > 0 ? fabs(hi) * 0.5 : 1);
    if (v.categorical) {
        v.a.lo = 0.5;
        v.a.hi = (double)xd->n + 0.5;
        v.delta = nseries > 1 ? 0.3 / (double)(nseries - 1) : 0;
        return v;
    }
    {
        double ulo = v.a.log ? log10(lo) : lo, uhi = v.a.log ? log10(hi) : hi;
        double span = uhi > ulo ? uhi - ulo : 2 * gap, spread, l, h;

        /* Series side by side over 30 % of the smallest gap (at most 15 % of
         * the axis), so that none hides another where they coincide. */
        spread = fmin(0.3 * gap, 0.15 * span);
        v.delta = nseries > 1 ? spread / (double)(nseries - 1) : 0;
        /* The data's range, the spread and a margin; one value: a gap around it. */
        l = uhi > ulo ? ulo - spread / 2 - 0.05 * span : ulo - gap;
        h = uhi > ulo ? uhi + spread / 2 + 0.05 * span : uhi + gap;
        if (!v.a.log && lo >= 0 && l < 0)
            l = fmin(0, lo - spread / 2); /* not below 0 unless a point is */
        v.a.lo = v.a.log ? pow(10, l) : l;
        v.a.hi = v.a.log ? pow(10, h) : h;
    }
    return v;
}

/*
 * Which of the values as written are the x ticks (keep[i]): all of them if
 * they fit; else, for numbers, from the left each one clear of the last one
 * kept (and the last value, if it is clear).  Returns 1 when the ticks are
 * values, 0 when they are not (fewer than two fit: gnuplot's own ticks, or
 * for names, all of them slanted), -1 out of memory.
 */
static int vs_ticks_keep(const plot *p, const vs_axis *v, unsigned char *keep)
{
    const figure_dim *xd = figure_x(p->fig);
    double *u = malloc((xd->n ? xd->n : 1) * sizeof *u), w = p->W - 10 * p->font;
    size_t last = 0, kept = 1;
    int all = 1;

    if (u == NULL)
        return -1;
    for (size_t i = 0; i < xd->n; i++) {
        u[i] = axis_pos(&v->a, v->categorical ? (double)i + 1 : xd->num[i]);
        keep[i] = 1;
    }
    for (size_t i = 1; i < xd->n; i++)
        all &= labels_clear(p, xd->label[i - 1], u[i - 1], xd->label[i], u[i], w);
    if (!all && !v->categorical) {
        memset(keep, 0, xd->n);
        keep[0] = 1;
        for (size_t i = 1; i < xd->n; i++)
            if (labels_clear(p, xd->label[last], u[last], xd->label[i], u[i], w)) {
                /* The last value replaces a kept one that crowds it. */
                if (i + 1 == xd->n || labels_clear(p, xd->label[i], u[i], xd->label[xd->n - 1],
                                                   u[xd->n - 1], w)) {
                    keep[i] = 1;
                    last = i;
                    kept++;
                }
            }
        if (!keep[xd->n - 1] && xd->n > 1 &&
            labels_clear(p, xd->label[last], u[last], xd->label[xd->n - 1], u[xd->n - 1], w)) {
            keep[xd->n - 1] = 1;
            kept++;
        }
    }
    free(u);
    return all || (!v->categorical && kept >= 2);
}

/* The x ticks of vs: the values as written that keep[] says (fit = 1);
 * else gnuplot's, or for names all of them, slanted. */
static void vs_ticks(plot *p, const vs_axis *v, int fit, const unsigned char *keep)
{
    const figure_dim *xd = figure_x(p->fig);
    int first = 1;

    if (!fit && !v->categorical) {
        fputs("set xtics autofreq\n", p->gp);
        return;
    }
    fputs("set xtics (", p->gp);
    for (size_t i = 0; i < xd->n; i++) {
        if (fit && !keep[i])
            continue;
        fputs(first ? "" : ", ", p->gp);
        first = 0;
        gp_quote(p->gp, xd->label[i]);
        fprintf(p->gp, " %.9g", v->categorical ? (double)i + 1 : xd->num[i]);
    }
    fputs(")\n", p->gp);
    if (!fit)
        fputs("set xtics rotate by 30 right\n", p->gp);
}

/* The vs plot's y axis over the means and their bars; whether a point is
 * a lower bound somewhere and whether every point is one run. */
static axis vs_y(const plot *p, const figure_data *fd, int *any_lb, int *one_run)
{
    double ylo = INFINITY, yhi = -INFINITY;
    axis ay;

    *any_lb = 0;
    *one_run = 1;
    for (size_t i = 0; i < fd->n; i++)
        for (size_t k = 0; k < fd->s[i].n_pt; k++) {
            const figure_point *pt = &fd->s[i].pt[k];

            ylo = fmin(ylo, fmin(pt->y[0], bar_lo(p, pt)));
            yhi = fmax(yhi, fmax(pt->y[0], bar_hi(p, pt)));
            *any_lb |= pt->lower_bound;
            *one_run &= pt->n <= 1;
        }
    ay = axis_of(ylo, yhi,
                 p->logy == 1 || (p->logy == -1 && ylo > 0 && yhi / ylo >= 10), 0.06);
    if (ay.log) {
        /* Out to a decade close by, so that the ends have a tick label. */
        double lo = floor(log10(ylo)), hi = ceil(log10(yhi));

        if (log10(ylo) - lo < 0.35)
            ay.lo = fmin(ay.lo, pow(10, lo));
        if (hi - log10(yhi) < 0.35)
            ay.hi = fmax(ay.hi, pow(10, hi));
    }
    return ay;
}

/* The vs legend: the other keys' values (colours), the percentiles (point
 * and line types), the bars, the lower bounds. */
static void vs_legend(plot *p, legend *g, int any_lb, int one_run)
{
    const figure_dim *colour = figure_colour(p->fig);

    if (colour->key != NULL) {
        lg_add(g, LG_HEADING, 1, "%s:", colour->key);
        for (size_t c = 0; c < colour->n; c++) {
            lg_item *it = lg_add(g, LG_ENTRY, 0, "%s", colour->label[c]);

            it->line = 1;
            it->l = (look){palette[c % NCOLOURS], 1, 0};
        }
    }
    lg_add(g, LG_HEADING, 1, "percentile:");
    for (int k = 0; k < 3; k++) {
        lg_item *it = lg_add(g, LG_ENTRY, 0, "%s", figure_vs_name[k]);

        it->line = 1;
        it->l = series_look(p, 0, (size_t)k);
        if (colour->key != NULL)
            it->l.lc = "#000000";
        it->pt = it->l.pt;
    }
    lg_add(g, LG_TEXT, 1, "%s",
           one_run ? "one run per point: no bars"
           : p->bars_range ? "bars: range over seeds (least to largest)"
                           : "bars: 95% confidence interval of the mean over seeds");
    if (any_lb) {
        lg_item *it = lg_add(g, LG_ENTRY, 0, "not reached: a lower bound");

        it->pt = PT_LOWER_BOUND;
        it->l.lc = "#000000";
        it->ps = 1.3;
    }
}

/* The vs plot's x axis label, with the unit unless the ticks are the values
 * as written ("10s"), and which tick labels fit (*fit, keep[]); 0 or -1. */
static int vs_x_label(plot *p, vs_axis *vx, unsigned char *keep, int *fit)
{
    const figure_dim *xd = figure_x(p->fig);

    if ((*fit = vs_ticks_keep(p, vx, keep)) < 0)
        return -1;
    if (xd->unit != NULL && !vx->categorical && !*fit)
        return gp_assign(p->gp, "x_key", "%s (%s)", xd->key, xd->unit);
    return gp_assign(p->gp, "x_key", "%s", xd->key ? xd->key : "");
}

/* Series i of n of a vs plot, drawn `off` beside each x: its data file (the
 * mean, its bars, the lower-bound flag) and its plot clauses; 0 or -1. */
static int vs_series(plot *p, const figure_series *s, const vs_axis *vx, double off,
                     clauses *cl)
{
    look l = series_look(p, s->colour, s->style);
    char name[32], what[512];
    int lb = 0;
    FILE *f;

    series_name(p, s, what, sizeof what);
    if ((f = data_file(p, name, sizeof name, what)) == NULL)
        return -1;
    fputs("# drawn-x  x  mean  ci-low  ci-high  least  largest  runs  lower-bound\n"
          "# (the 95 % confidence interval of the mean, Student's t; with one run, the "
          "mean)\n",
          f);
    for (size_t k = 0; k < s->n_pt; k++) {
        const figure_point *pt = &s->pt[k];
        double x = vx->a.log ? pt->x * pow(10, off) : pt->x + off;
        int ci = isfinite(pt->y[3]) && isfinite(pt->y[4]);

        fprintf(f, "%.9g %.9g %.9g %.9g %.9g %.9g %.9g %d %d\n", x, pt->x, pt->y[0],
                ci ? pt->y[3] : pt->y[0], ci ? pt->y[4] : pt->y[0], pt->y[1], pt->y[2], pt->n,
                pt->lower_bound);
        lb |= pt->lower_bound;
    }
    if (data_close(f, name) != 0)
        return -1;
    cl_add(cl, "dir.'%s' using 1:3 with lines lw %.3g lc rgb '%s' dt %d notitle", name,
           LW_DATA / LW_AXES, l.lc, l.dt);
    cl_add(cl, "dir.'%s' using 1:3:%d:%d with yerrorbars pt %d ps pscale lc rgb '%s' dt 1 "
               "notitle",
           name, p->bars_range ? 6 : 4, p->bars_range ? 7 : 5, l.pt, l.lc);
    if (lb)
        cl_add(cl, "dir.'%s' using 1:($9 > 0 ? $3 : NaN) with points pt %d ps 1.6*pscale "
                   "lc rgb '%s' notitle",
               name, PT_LOWER_BOUND, l.lc);
    return 0;
}

static int write_vs(plot *p, figure_data *fd)
{
    const figure_dim *xd = figure_x(p->fig);
    legend g = {0};
    vs_axis vx = vs_x(p, fd->n);
    axis ay;
    clauses cl;
    int any_lb, one_run, rc = 0, fit;
    unsigned char *keep;
    char *title = NULL;

    ay = vs_y(p, fd, &any_lb, &one_run);
    vs_legend(p, &g, any_lb, one_run);
    if (p->title == NULL && (title = default_title(p, "close-latency percentiles")) == NULL)
        return -1;
    if ((keep = malloc(xd->n ? xd->n : 1)) == NULL || vs_x_label(p, &vx, keep, &fit) != 0) {
        free(keep);
        free(title);
        return -1;
    }
    fputs(plot_template(plot_kinds[PLOT_VS]), p->gp);
    if (!fit && vx.categorical) /* slanted tick labels: room under them */
        for (size_t i = 0; i < xd->n; i++)
            p->bottom_extra = fmax(p->bottom_extra, 0.5 * text_width(xd->label[i], p->font));
    gp_head(p, p->title ? p->title : title, &g, 1);
    free(title);
    fputs("\n# Axes: series side by side around each x, so that none hides another.\n",
          p->gp);
    gp_axis(p->gp, "x", &vx.a);
    gp_axis(p->gp, "y", &ay);
    vs_ticks(p, &vx, fit, keep);
    free(keep);
    plan_margins(p, &ay, 1);
    gp_panel(p, 0, 1, "y_label", 1, &ay, 0);

    fprintf(p->gp, "\n# Per series: the mean over seeds joined by lines, bars from column %d to %d "
                   "(data: drawn x, x, mean, 95%% confidence interval low and high, least, "
                   "largest, runs, lower bound).\n",
            p->bars_range ? 6 : 4, p->bars_range ? 7 : 5);
    if (cl_begin(&cl) != 0)
        return -1;
    for (size_t i = 0; i < fd->n && rc == 0; i++)
        rc = vs_series(p, &fd->s[i], &vx, ((double)i - (double)(fd->n - 1) / 2) * vx.delta,
                       &cl);
    if (cl_end(&cl, p->gp) != 0)
        rc = -1;
    p->nseries = (int)fd->n;
    return rc;
}

/* ---- time series ------------------------------------------------------------------------ */

/* The unit of a time axis reaching t_max seconds: s, min or h. */
static double time_unit(double t_max, const char **name)
{
    if (t_max <= 300) {
        *name = "s";
        return 1;
    }
    if (t_max <= 300 * 60) {
        *name = "min";
        return 60;
    }
    *name = "h";
    return 3600;
}

/* The time axis, in the unit (data stay in seconds; the script divides). */
static axis time_axis(const plot *p, const figure_data *fd, double unit)
{
    double lo = INFINITY, hi = 0;

    for (size_t i = 0; i < fd->n; i++)
        if (fd->s[i].n_pt > 0) {
            lo = fmin(lo, fd->s[i].pt[0].x / unit);
            hi = fmax(hi, fd->s[i].pt[fd->s[i].n_pt - 1].x / unit);
        }
    if (p->logx == 1)
        return axis_of(lo, hi, 1, 0.01);
    return (axis){0, 0, hi > 0 ? hi * 1.01 : 1};
}

/* The largest value of column v over the series. */
static double value_max(const figure_data *fd, size_t v)
{
    double hi = 0;

    for (size_t i = 0; i < fd->n; i++)
        for (size_t k = 0; k < fd->s[i].n_pt; k++)
            hi = fmax(hi, fd->s[i].pt[k].y[v]);
    return hi;
}

/* A value axis from 0 (or, log, from the decade below the smallest
 * positive value) to the largest value of column v over the series. */
static axis value_axis(const plot *p, const figure_data *fd, size_t v)
{
    double lo = INFINITY, hi = 0;

    for (size_t i = 0; i < fd->n; i++)
        for (size_t k = 0; k < fd->s[i].n_pt; k++) {
            double y = fd->s[i].pt[k].y[v];

            hi = fmax(hi, y);
            if (y > 0)
                lo = fmin(lo, y);
        }
    if (p->logy == 1 && isfinite(lo))
        return (axis){1, pow(10, floor(log10(lo) - 1e-9)), hi * 1.5};
    return (axis){0, 0, hi > 0 ? hi * 1.08 : 1};
}

/* The data file of a time series: "seconds v..." (block 0), and the
 * markers of each value column (block 1 + v: "seconds value"). */
static int time_file(plot *p, const figure_series *s, size_t ny, const char *columns,
                     const axis *ax_s, const axis *ays, size_t i, size_t n, char *name,
                     size_t len, int *nmarks)
{
    char what[512];
    FILE *f;
    int rc = 0;

    series_name(p, s, what, sizeof what);
    if ((f = data_file(p, name, len, what)) == NULL)
        return -1;
    fprintf(f, "# mean over %d run%s\n# seconds  %s\n", s->runs, s->runs == 1 ? "" : "s",
            columns);
    for (size_t k = 0; k < s->n_pt; k++) {
        fprintf(f, "%.9g", s->pt[k].x);
        for (size_t v = 0; v < ny; v++)
            fprintf(f, " %.9g", s->pt[k].y[v]);
        fputc('\n', f);
    }
    for (size_t v = 0; v < ny && rc == 0; v++) {
        fprintf(f, "\n\n# markers along the curve of value column %zu: seconds  value\n", v + 2);
        nmarks[v] = write_markers(f, s, (int)v, 0, ax_s, &ays[v], i, n);
        rc = nmarks[v] < 0 ? -1 : 0;
    }
    return data_close(f, name) != 0 ? -1 : rc;
}

/* One panel of time series: value column v of every series; host_dashed:
 * also column 1 (the host) dashed, in the same panel. */
static int panel_clauses(plot *p, const figure_data *fd, char (*names)[32], int (*nmarks)[3],
                         int v, const axis *ay, int host_dashed)
{
    clauses cl;
    char y[96];

    if (cl_begin(&cl) != 0)
        return -1;
    for (size_t i = 0; i < fd->n; i++) {
        look l = series_look(p, fd->s[i].colour, fd->s[i].style);

        for (int c = v; c <= (host_dashed ? 1 : v); c++) {
            ycol(y, sizeof y, 2 + c, ay);
            cl_add(&cl, "dir.'%s' index 0 using ($1 / t_unit):%s with lines lw %.3g "
                        "lc rgb '%s' dt %d notitle",
                   names[i], y, LW_DATA / LW_AXES, l.lc, host_dashed && c == 1 ? 2 : l.dt);
            if (nmarks[i][c] > 0)
                cl_add(&cl, "dir.'%s' index %d using ($1 / t_unit):2 with points pt %d "
                            "lc rgb '%s' notitle",
                       names[i], 1 + c, l.pt, l.lc);
        }
    }
    return cl_end(&cl, p->gp);
}

/* Occupancy in two panels (NIC above, host below)?  When another key needs
 * the line styles, when colours repeat, or when one count is ten times the
 * other (it would lie flat on the axis). */
static int occupancy_panels(const plot *p, const figure_data *fd)
{
    double nic = 0, host = 0;

    if (figure_style(p->fig)->key != NULL || figure_colour(p->fig)->n > NCOLOURS)
        return 1;
    for (size_t i = 0; i < fd->n; i++)
        for (size_t k = 0; k < fd->s[i].n_pt; k++) {
            nic = fmax(nic, fd->s[i].pt[k].y[0]);
            host = fmax(host, fd->s[i].pt[k].y[1]);
        }
    if (nic == 0 && host == 0)
        return 0;
    return fmax(nic, host) >= 10 * fmin(nic, host);
}

/* A time plot's layout: panels, the time unit and the axes. */
typedef struct time_layout {
    int occupancy, panels;
    size_t ny;                /* values per row of a series' data */
    double unit;              /* seconds per unit of the x axis */
    const char *unit_name;
    axis ax, ax_s, ay[3];     /* ax_s: the x axis in seconds */
    double ymax[3];
} time_layout;

static void time_layout_of(const plot *p, const figure_data *fd, time_layout *t)
{
    double t_max = 0;

    t->occupancy = p->kind == PLOT_OCCUPANCY;
    t->panels = t->occupancy ? (occupancy_panels(p, fd) ? 2 : 1) : 3;
    t->ny = t->occupancy ? 2 : 3;
    for (size_t i = 0; i < fd->n; i++)
        if (fd->s[i].n_pt > 0)
            t_max = fmax(t_max, fd->s[i].pt[fd->s[i].n_pt - 1].x);
    t->unit = time_unit(t_max, &t->unit_name);
    t->ax = time_axis(p, fd, t->unit);
    t->ax_s = t->ax;
    t->ax_s.lo *= t->unit;
    t->ax_s.hi *= t->unit;
    t->ymax[2] = 0;
    for (size_t v = 0; v < t->ny; v++) {
        t->ay[v] = value_axis(p, fd, v);
        t->ymax[v] = value_max(fd, v);
    }
    if (t->occupancy && t->panels == 1) { /* one axis for both */
        t->ay[0].hi = fmax(t->ay[0].hi, t->ay[1].hi);
        t->ay[0].lo = t->ay[0].log ? fmin(t->ay[0].lo, t->ay[1].lo) : 0;
        t->ay[1] = t->ay[0];
        t->ymax[0] = fmax(t->ymax[0], t->ymax[1]);
    }
}

/* The legend: colours, styles, and NIC against host when they share a panel. */
static void time_legend(plot *p, const time_layout *t, legend *g)
{
    lg_colours(p, g, NULL, figure_style(p->fig)->key == NULL);
    lg_styles(p, g);
    if (t->occupancy && t->panels == 1) {
        lg_item *it;

        lg_add(g, LG_HEADING, 1, "in FIN_WAIT_2:");
        it = lg_add(g, LG_ENTRY, 0, "on the NIC");
        it->line = 1;
        it->l = (look){"#000000", 1, 0};
        it = lg_add(g, LG_ENTRY, 0, "on the host");
        it->line = 1;
        it->l = (look){"#000000", 2, 0};
    }
}

/* The data files, then the axes and each panel's clauses; 0 or -1. */
static int time_body(plot *p, figure_data *fd, time_layout *t, char (*names)[32],
                     int (*nmarks)[3])
{
    int rc = 0;

    for (size_t i = 0; i < fd->n && rc == 0; i++)
        rc = time_file(p, &fd->s[i], t->ny,
                       t->occupancy ? "NIC  host" : "offloads/s  uploads/s  expiries/s",
                       &t->ax_s, t->ay, i, fd->n, names[i], sizeof names[i], nmarks[i]);
    fputs("\n# Axes.\n", p->gp);
    gp_axis(p->gp, "x", &t->ax);
    if (t->panels > 1)
        fputs("set multiplot\n", p->gp);
    for (int k = 0; k < t->panels && rc == 0; k++) {
        char ylabel[32];

        snprintf(ylabel, sizeof ylabel, "y_label_%d", k + 1);
        fprintf(p->gp, "\n# Panel %d.\n", k + 1);
        gp_axis(p->gp, "y", &t->ay[k]);
        if (t->ay[k].log)
            fprintf(p->gp, "y_floor = %.9g\n", t->ay[k].lo);
        gp_panel(p, k, t->panels, ylabel, k == t->panels - 1, &t->ay[k], t->ymax[k] == 0);
        rc = panel_clauses(p, fd, names, nmarks, k, &t->ay[k], t->occupancy && t->panels == 1);
    }
    if (t->panels > 1)
        fputs("unset multiplot\n", p->gp);
    return rc;
}

static int write_time(plot *p, figure_data *fd)
{
    char (*names)[32] = calloc(fd->n ? fd->n : 1, sizeof *names);
    int (*nmarks)[3] = calloc(fd->n ? fd->n : 1, sizeof *nmarks);
    char *title = NULL;
    legend g = {0};
    time_layout t;
    int rc = -1;

    if (names == NULL || nmarks == NULL)
        goto done;
    time_layout_of(p, fd, &t);
    time_legend(p, &t, &g);
    if (p->title == NULL &&
        (title = default_title(p, t.occupancy ? "connections in FIN_WAIT_2"
                                              : "handoffs and NIC FIN_WAIT_2 expiries per "
                                                "second")) == NULL)
        goto done;
    fprintf(p->gp, "t_unit = %.9g  # seconds per unit of the x axis\nt_unit_name = '%s'\n"
                   "panels = %d\n",
            t.unit, t.unit_name, t.panels);
    fputs(plot_template(plot_kinds[p->kind]), p->gp);
    gp_head(p, p->title ? p->title : title, &g, t.panels);
    plan_margins(p, t.ay, t.panels);
    rc = time_body(p, fd, &t, names, nmarks);
    p->nseries = (int)fd->n;
done:
    free(title);
    free(names);
    free(nmarks);
    return rc;
}

/* ---- the script ---------------------------------------------------------------------------- */

/* The terminal: the same layout in every format (see the top of this file).
 * The cairo terminals take a font size in pixels at 96 an inch, and draw
 * dashes and points at sizes of their own: the factors below make text,
 * lines, dashes and markers the same size in points in every format. */
static void gp_terminal(FILE *gp, const plot *p)
{
    double dpi = p->fmt == FMT_PNG ? (double)p->w_px / p->w_in : 72, pscale = 0;
    char font[96];

    fputs("set terminal ", gp);
    switch (p->fmt) {
    case FMT_PDF:
        fprintf(gp, "pdfcairo size %.4gin,%.4gin fontscale 0.75 linewidth 1", p->w_in, p->h_in);
        pscale = MARKER_PT / 6.5;
        break;
    case FMT_SVG:
        /* One SVG unit is a point. */
        fprintf(gp, "svg size %.4g,%.4g fontscale 1 linewidth %.3g", p->w_in * 72, p->h_in * 72,
                LW_AXES);
        pscale = MARKER_PT / 9;
        break;
    case FMT_PNG:
        fprintf(gp, "pngcairo size %d,%d fontscale %.4g linewidth %.4g dashlength 0.5", p->w_px,
                p->h_px, dpi / 96, LW_AXES * dpi / 72);
        pscale = MARKER_PT * dpi / 72 / 6.5;
        break;
    }
    snprintf(font, sizeof font, "%s,%g", p->face, p->font);
    fputs(" noenhanced font ", gp);
    gp_quote(gp, font);
    fprintf(gp, "\npscale = %.4g  # the point size that draws a %g pt marker in this format\n"
                "set pointsize pscale\n",
            pscale, MARKER_PT);
    /* The SVG terminal puts tick labels a little further from the axes. */
    if (p->fmt == FMT_SVG)
        fputs("set xtics offset 0, 0.375\nset ytics offset 0.52, 0\n", gp);
}

/* A word of the command line in a comment, quoted for a shell where needed. */
static void gp_word(FILE *gp, const char *w)
{
    int plain = *w != '\0';

    for (const char *c = w; *c; c++)
        if (!(strchr("-_./=,:+@%", *c) || (*c >= '0' && *c <= '9') ||
              (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
            plain = 0;
    fputc(' ', gp);
    if (!plain)
        fputc('\'', gp);
    for (const char *c = w; *c; c++) {
        if (*c == '\'' && !plain)
            fputs("'\\''", gp);
        else
            fputc((unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c, gp);
    }
    if (!plain)
        fputc('\'', gp);
}

/* "offsim plot DB --kind cdf ...", from the parsed options. */
static void gp_command(FILE *gp, const cli_args *a)
{
    fputs(" offsim plot", gp);
    for (size_t i = 0; i < a->noperands; i++)
        gp_word(gp, a->operands[i]);
    for (size_t o = 0; o < a->cmd->nopts; o++) {
        size_t n;
        const char *const *v = cli_all(a, o, &n);
        char name[64];

        snprintf(name, sizeof name, "--%s", a->cmd->opts[o].name);
        if (a->cmd->opts[o].arg == NULL) {
            if (cli_given(a, o))
                gp_word(gp, name);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            gp_word(gp, name);
            gp_word(gp, v[i]);
        }
    }
}

/* The head of plot.gp: how it was made, how to rerun it, the terminal. */
static void gp_header(FILE *gp, const plot *p)
{
    fputs("# plot.gp - an offsim figure, for plain gnuplot (5.4 or later):\n"
          "#     gnuplot plot.gp          (from any directory: gnuplot DIR/plot.gp)\n"
          "# draws plot", gp);
    fputs(format_ext[p->fmt], gp);
    fputs(" next to this file; gnuplot -e \"out='fig", gp);
    fputs(format_ext[p->fmt], gp);
    fputs("'\" plot.gp writes elsewhere.\n"
          "# Its data are the files series-NN.dat next to it (a header in each says what\n"
          "# it holds).  Made by offsim " OFFSIM_VERSION " from:\n#    ", gp);
    gp_command(gp, p->args);
    fputs("\n\n# The directory of this script, from the path gnuplot was given.\n"
          "dir = ''\n"
          "if (exists(\"ARG0\") && strstrt(ARG0, '/') > 0) {\n"
          "    i = strlen(ARG0)\n"
          "    while (ARG0[i:i] ne '/') { i = i - 1 }\n"
          "    dir = ARG0[1:i]\n"
          "}\n", gp);
    fprintf(gp, "if (!exists(\"out\")) out = dir.'plot%s'\n", format_ext[p->fmt]);
    fprintf(gp, "\n# The %s figure (scripts/plot-%s.gp and what offsim computed).\n",
            plot_kinds[p->kind], plot_kinds[p->kind]);
}

/* ---- gnuplot ----------------------------------------------------------------------------- */

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

/* gnuplot -e "out='OUT'" SCRIPT (no shell: the name is an argument). */
static int run_gnuplot(const char *script, const char *out)
{
    char *set;
    size_t len;
    FILE *m = open_memstream(&set, &len);
    pid_t pid;
    int st;

    if (m == NULL)
        return -1;
    fputs("out = ", m);
    gp_quote(m, out);
    if (fclose(m) != 0)
        return -1;
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        free(set);
        return -1;
    }
    if (pid == 0) {
        execlp("gnuplot", "gnuplot", "-e", set, script, (char *)NULL);
        _exit(127);
    }
    free(set);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ---- options --------------------------------------------------------------------------------- */

enum {
    PLOT_KIND, PLOT_X, PLOT_OUT, PLOT_METRIC, PLOT_SCENARIO, PLOT_WHERE, PLOT_CCDF, PLOT_LOGX,
    PLOT_LINX, PLOT_LOGY, PLOT_LINY, PLOT_BARS, PLOT_TITLE, PLOT_SIZE, PLOT_FONT, PLOT_EMIT
};

static const char *const plot_bars[] = {"ci", "range", NULL};

static const char *const plot_metrics[] = {"close", "release", NULL};

static const cli_opt plot_opts[] = {
    [PLOT_KIND] = {"kind", 0, "KIND", CLI_REQUIRED, plot_kinds,
                   "cdf: the close latency's distribution per series, the Kaplan-Meier "
                   "estimate with the seeds pooled, on a log time axis: a connection still "
                   "open when its run ended is censored there ('+' marks) and never counts as "
                   "closed, so such a curve ends below 1 (the legend gives the censored share "
                   "where it is not 0).  vs: median, p90 and p99 close latency against the x "
                   "key, the mean over seeds with bars for its 95 % confidence interval (--bars); "
                   "open triangles mark percentiles some seed does not reach (counted at its "
                   "longest time seen: a lower bound).  occupancy: connections in "
                   "FIN_WAIT_2 on the NIC and on the host over simulated time, mean over seeds "
                   "(two panels when one is ten times the other).  handoffs: offloads, uploads "
                   "and the NIC's FIN_WAIT_2 expiries per second over time, one panel each "
                   "(runs made with --log events)"},
    [PLOT_X] = {"x", 0, "KEY", 0, NULL,
                "vs: the key on the x axis (needed when several vary); the others: the key "
                "whose values are the colours (default: the varied key with most values). "
                "Every other varied key is a line style (cdf, occupancy, handoffs) or a colour "
                "(vs): runs are pooled over seeds only"},
    [PLOT_OUT] = {"out", 'o', "FILE", 0, NULL,
                  "the figure: .png, .svg or .pdf (default results/KIND.png, or DIR/plot.png "
                  "with --emit DIR)"},
    [PLOT_METRIC] = {"metric", 0, "METRIC", 0, plot_metrics,
                     "with --kind cdf: close (the default) or release, the time until the "
                     "connection's resources were freed"},
    [PLOT_SCENARIO] = {"scenario", 0, "PATH", 0, NULL,
                       "the runs of this scenario (as it was run; default: the scenario run "
                       "most recently)"},
    [PLOT_WHERE] = {"where", 0, "KEY=VALUE", CLI_REPEAT, NULL,
                    "only the runs whose KEY has VALUE (as written, or the same number: 1min "
                    "is 60s); several values of one key: any of them; several keys: all"},
    [PLOT_CCDF] = {"ccdf", 0, NULL, 0, NULL,
                   "with --kind cdf: draw 1 - F, the share not closed yet, on a log y axis, "
                   "so that the tail reads at 1 s, 10 s, 100 s"},
    [PLOT_LOGX] = {"logx", 0, NULL, 0, NULL, "a log x axis (the default of cdf, and of vs when "
                                            "the values span a decade or more)"},
    [PLOT_LINX] = {"linx", 0, NULL, 0, NULL, "a linear x axis"},
    [PLOT_LOGY] = {"logy", 0, NULL, 0, NULL, "a log y axis (vs: the default when the values "
                                            "span a decade or more; --ccdf: the default)"},
    [PLOT_LINY] = {"liny", 0, NULL, 0, NULL, "a linear y axis"},
    [PLOT_BARS] = {"bars", 0, "BARS", 0, plot_bars,
                   "with --kind vs: ci (the default), the 95 % confidence interval of the mean "
                   "over seeds (Student's t, as the sweep's tables), or range, from the least "
                   "to the largest value over seeds"},
    [PLOT_TITLE] = {"title", 0, "TEXT", 0, NULL,
                    "the title (default: the scenario, what is drawn and how many seeds each "
                    "series pools); '' for none"},
    [PLOT_SIZE] = {"size", 0, "W,H", 0, NULL,
                   "the size: inches for PDF and SVG, pixels for PNG.  By default 3.5 in wide, "
                   "a paper column, and as high as the title and legend need above a plot of "
                   "1.75 in (panels: 1.2 in or 1 in each); a PNG at 200 pixels an inch.  Text "
                   "keeps its size in points; in a PNG it scales with the width"},
    [PLOT_FONT] = {"font", 0, "FACE[,PT]", 0, NULL,
                   "the font face and size in points (default \"" DEFAULT_FACE ",8\"; ',9' "
                   "changes only the size)"},
    [PLOT_EMIT] = {"emit", 0, "DIR", 0, NULL,
                   "also keep the gnuplot script, DIR/plot.gp, and its data files "
                   "(DIR/series-NN.dat): `gnuplot DIR/plot.gp` redraws the figure as "
                   "DIR/plot.png (or .svg, .pdf) after any edit"},
};

/* A number in [lo, hi] (whole if `whole`) from text ending at `end`; -1 if not. */
static double number_in(const char *s, const char *end, double lo, double hi, int whole)
{
    char buf[64], *e;
    double v;

    if (end - s <= 0 || end - s >= (long)sizeof buf)
        return -1;
    memcpy(buf, s, (size_t)(end - s));
    buf[end - s] = '\0';
    errno = 0;
    v = strtod(buf, &e);
    if (*e != '\0' || errno != 0 || !(v >= lo && v <= hi) || (whole && v != floor(v)))
        return -1;
    return v;
}

/* --size W,H for the format. */
static int parse_size(plot *p, const char *s)
{
    const char *comma = strchr(s, ',');
    int png = p->fmt == FMT_PNG;
    double w, h;

    if (comma == NULL ||
        (w = number_in(s, comma, png ? 100 : 1, png ? 10000 : 50, png)) < 0 ||
        (h = number_in(comma + 1, comma + 1 + strlen(comma + 1), png ? 100 : 1,
                       png ? 10000 : 50, png)) < 0)
        return cli_usage_error(&cli_plot,
                               "--size: expected W,H in %s (%s), got '%s'",
                               png ? "pixels for a PNG" : "inches for a PDF or SVG",
                               png ? "whole numbers from 100 to 10000, e.g. 1400,1040"
                                   : "from 1 to 50, e.g. 3.5,2.6",
                               s);
    p->size_given = 1;
    if (png) {
        p->w_px = (int)w;
        p->h_px = (int)h;
    } else {
        p->w_in = w;
        p->h_in = h;
    }
    return 0;
}

/* --font FACE[,PT]: a face of letters, digits, spaces and -_. only. */
static int parse_font(plot *p, const char *s)
{
    const char *comma = strrchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    double pt = DEFAULT_FONT;

    for (size_t i = 0; i < len; i++)
        if (!(s[i] == ' ' || s[i] == '-' || s[i] == '_' || s[i] == '.' ||
              (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= 'A' && s[i] <= 'Z')))
            len = sizeof p->face; /* refused below */
    if (len >= sizeof p->face || (comma && (pt = number_in(comma + 1, comma + 1 +
                                                           strlen(comma + 1), 4, 30, 0)) < 0))
        return cli_usage_error(&cli_plot,
                               "--font: expected FACE[,PT], a font name of letters, digits, "
                               "spaces and -_. and a size from 4 to 30 points (e.g. "
                               "'" DEFAULT_FACE ",8' or ',9'), got '%s'",
                               s);
    if (len > 0) {
        memcpy(p->face, s, len);
        p->face[len] = '\0';
    }
    p->font = pt;
    return 0;
}

/* The output file and its format; -1 after a message (*rc the exit code). */
static int parse_output(plot *p, const cli_args *a, int *rc)
{
    static char def[64];
    const char *dot;

    p->out = cli_value(a, PLOT_OUT);
    if (p->out == NULL && p->emit == NULL) {
        if (cli_default_db() == NULL) { /* creates results/ */
            *rc = EXIT_RUN_FAILED;
            return -1;
        }
        snprintf(def, sizeof def, "results/%s.png", plot_kinds[p->kind]); /* kinds are short */
        p->out = def;
    }
    if (p->out == NULL) {
        p->fmt = FMT_PNG; /* --emit DIR alone: DIR/plot.png */
        return 0;
    }
    for (const char *c = p->out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *rc = cli_usage_error(&cli_plot, "--out: the file name holds a control character "
                                             "(byte 0x%02x); gnuplot cannot write to it",
                                  (unsigned char)*c);
            return -1;
        }
    if ((*rc = cli_check_out_dir("plot", "--out", p->out)) != 0)
        return -1;
    dot = strrchr(p->out, '.');
    for (int f = FMT_PNG; f <= FMT_PDF; f++)
        if (dot != NULL && strcmp(dot, format_ext[f]) == 0) {
            p->fmt = (plot_format)f;
            return 0;
        }
    *rc = cli_usage_error(&cli_plot, "--out: expected a file ending in .png, .svg or .pdf, "
                                     "got '%s'",
                          p->out);
    return -1;
}

/* The --where list; NULL with *n = 0 when none, or after a message (*rc). */
static figure_where *parse_where(const cli_args *a, size_t *n, int *rc)
{
    const char *const *v = cli_all(a, PLOT_WHERE, n);
    figure_where *w;

    if (*n == 0)
        return NULL;
    if ((w = calloc(*n, sizeof *w)) == NULL) {
        fprintf(stderr, "offsim: plot: out of memory\n");
        *rc = EXIT_RUN_FAILED;
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        const char *eq = strchr(v[i], '=');
        char *key;

        if (eq == NULL || eq == v[i] || eq[1] == '\0') {
            *rc = cli_usage_error(&cli_plot, "--where: expected KEY=VALUE (e.g. "
                                             "nic.ticks_per_second=1000), got '%s'",
                                  v[i]);
            for (size_t j = 0; j < i; j++)
                free((char *)w[j].key);
            free(w);
            *n = 0;
            return NULL;
        }
        key = malloc((size_t)(eq - v[i]) + 1);
        if (key != NULL) {
            memcpy(key, v[i], (size_t)(eq - v[i]));
            key[eq - v[i]] = '\0';
        }
        w[i].key = key ? key : "";
        w[i].value = eq + 1;
    }
    return w;
}

static void free_where(figure_where *w, size_t n)
{
    for (size_t i = 0; w != NULL && i < n; i++)
        if (*w[i].key)
            free((char *)w[i].key);
    free(w);
}

/* Everything the command line says, checked before anything is read or
 * written; 0, or the exit code after a message. */
static int parse(plot *p, const cli_args *a)
{
    int rc = 0;
    const char *v;

    p->kind = (plot_kind)cli_choice(a, PLOT_KIND, PLOT_CDF);
    p->release = cli_choice(a, PLOT_METRIC, 0) == 1;
    p->ccdf = cli_given(a, PLOT_CCDF);
    p->bars_range = cli_choice(a, PLOT_BARS, 0) == 1;
    p->logx = cli_given(a, PLOT_LOGX) ? 1 : cli_given(a, PLOT_LINX) ? 0 : -1;
    p->logy = cli_given(a, PLOT_LOGY) ? 1 : cli_given(a, PLOT_LINY) ? 0 : -1;
    p->title = cli_value(a, PLOT_TITLE);
    p->emit = cli_value(a, PLOT_EMIT);
    p->db = a->operands[0];
    snprintf(p->face, sizeof p->face, "%s", DEFAULT_FACE);
    p->font = DEFAULT_FONT;
    if (cli_given(a, PLOT_METRIC) && p->kind != PLOT_CDF)
        return cli_usage_error(&cli_plot, "--metric applies to --kind cdf");
    if (p->ccdf && p->kind != PLOT_CDF)
        return cli_usage_error(&cli_plot, "--ccdf applies to --kind cdf");
    if (cli_given(a, PLOT_BARS) && p->kind != PLOT_VS)
        return cli_usage_error(&cli_plot, "--bars applies to --kind vs");
    if (cli_given(a, PLOT_LOGX) && cli_given(a, PLOT_LINX))
        return cli_usage_error(&cli_plot, "--logx and --linx: give one of them");
    if (cli_given(a, PLOT_LOGY) && cli_given(a, PLOT_LINY))
        return cli_usage_error(&cli_plot, "--logy and --liny: give one of them");
    if (p->emit != NULL) {
        struct stat sb;

        if (*p->emit == '\0')
            return cli_usage_error(&cli_plot, "--emit: expected a directory, got ''");
        if (stat(p->emit, &sb) == 0 && !S_ISDIR(sb.st_mode))
            return cli_usage_error(&cli_plot, "--emit %s: exists and is not a directory",
                                   p->emit);
    }
    if (parse_output(p, a, &rc) != 0)
        return rc;
    if ((v = cli_value(a, PLOT_SIZE)) != NULL && (rc = parse_size(p, v)) != 0)
        return rc;
    if ((v = cli_value(a, PLOT_FONT)) != NULL && (rc = parse_font(p, v)) != 0)
        return rc;
    return 0;
}

/* The figure's data, of its kind. */
static int fetch(plot *p, figure_data *fd, sim_diag *d)
{
    switch (p->kind) {
    case PLOT_CDF:
        return figure_cdf(p->fig, p->release ? FIGURE_RELEASE : FIGURE_CLOSE, fd, d);
    case PLOT_VS:
        return figure_vs(p->fig, fd, d);
    case PLOT_OCCUPANCY:
        return figure_occupancy(p->fig, fd, d);
    default:
        return figure_handoffs(p->fig, fd, d);
    }
}

/* What the data rule out among the options asked for; 0 or an exit code. */
static int check_axes(const plot *p, const figure_data *fd)
{
    const figure_dim *x = figure_x(p->fig);

    if (p->kind == PLOT_VS && p->logx == 1) {
        if (!x->numeric)
            return cli_usage_error(&cli_plot, "--logx: %s has names, not numbers: its axis "
                                              "lists them",
                                   x->key ? x->key : "the x key");
        for (size_t i = 0; i < x->n; i++)
            if (!(x->num[i] > 0))
                return cli_usage_error(&cli_plot, "--logx: %s takes the value %s, which a log "
                                                  "axis cannot show",
                                       x->key, x->label[i]);
    }
    (void)fd;
    return 0;
}

/* The layout's width, and its height when --size gives it (else gp_head
 * makes it as high as the legend needs).  A PNG is laid out as a figure
 * DEFAULT_WIDTH inches wide at the pixels per inch its width gives. */
static void layout_size(plot *p)
{
    if (p->fmt == FMT_PNG) {
        if (!p->size_given)
            p->w_px = (int)lround(DEFAULT_WIDTH * PNG_DPI);
        p->w_in = DEFAULT_WIDTH;
        p->h_in = p->h_px * DEFAULT_WIDTH / p->w_px;
    } else if (!p->size_given) {
        p->w_in = DEFAULT_WIDTH;
    }
    p->W = p->w_in * 72;
    p->H = p->h_in * 72;
}

/* A directory for the script: DIR (created if missing), or a temporary one. */
static char *make_dir(const plot *p)
{
    char *dir;

    if (p->emit != NULL) {
        size_t n = strlen(p->emit);

        if (mkdir(p->emit, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "offsim: plot: --emit: cannot create %s: %s\n", p->emit,
                    strerror(errno));
            return NULL;
        }
        if ((dir = malloc(n + 2)) != NULL)
            snprintf(dir, n + 2, "%s%s", p->emit, p->emit[n - 1] == '/' ? "" : "/");
        return dir;
    }
    {
        const char *tmp = getenv("TMPDIR");
        size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 32;

        if ((dir = malloc(n)) == NULL)
            return NULL;
        snprintf(dir, n, "%s/offsim-plot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            fprintf(stderr, "offsim: plot: cannot create a temporary directory: %s\n",
                    strerror(errno));
            free(dir);
            return NULL;
        }
        strcat(dir, "/");
        return dir;
    }
}

/* Remove a temporary directory and what offsim wrote there. */
static void remove_dir(plot *p)
{
    char path[4096];

    for (int i = 1; i <= p->nfiles; i++) {
        snprintf(path, sizeof path, "%sseries-%02d.dat", p->dir, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%splot.gp", p->dir);
    unlink(path);
    rmdir(p->dir);
}

/* Write plot.gp and the data, and run gnuplot; an exit code. */
static int draw(plot *p, figure_data *fd)
{
    char script[4096], out[4096];
    int rc;

    layout_size(p);
    if ((p->dir = make_dir(p)) == NULL)
        return EXIT_RUN_FAILED;
    snprintf(script, sizeof script, "%splot.gp", p->dir);
    if ((p->gp = fopen(script, "w")) == NULL) {
        fprintf(stderr, "offsim: plot: cannot write %s: %s\n", script, strerror(errno));
        return EXIT_RUN_FAILED;
    }
    gp_header(p->gp, p);
    switch (p->kind) {
    case PLOT_CDF:
        rc = write_cdf(p, fd);
        break;
    case PLOT_VS:
        rc = write_vs(p, fd);
        break;
    default:
        rc = write_time(p, fd);
        break;
    }
    if ((ferror(p->gp) | (fclose(p->gp) != 0)) && rc == 0) {
        fprintf(stderr, "offsim: plot: cannot write %s\n", script);
        rc = -1;
    }
    p->gp = NULL;
    if (rc != 0)
        return EXIT_RUN_FAILED;
    if (p->out != NULL)
        snprintf(out, sizeof out, "%s", p->out);
    else
        snprintf(out, sizeof out, "%splot%s", p->dir, format_ext[p->fmt]);
    if (run_gnuplot(script, out) != 0) {
        fprintf(stderr, "offsim: plot: gnuplot failed on %s (kept for inspection)\n", script);
        return EXIT_RUN_FAILED;
    }
    printf("%s: %s, %d series, from %s", out, plot_kinds[p->kind], p->nseries, p->db);
    if (p->emit != NULL)
        printf("; script and data in %s", p->dir);
    putchar('\n');
    if (p->emit == NULL)
        remove_dir(p);
    return 0;
}

static int run_plot(const cli_args *a)
{
    plot p;
    figure_where *where = NULL;
    size_t nwhere = 0;
    figure_data fd;
    sim_diag d;
    int rc = 0;

    memset(&p, 0, sizeof p);
    p.args = a;
    if ((rc = parse(&p, a)) != 0)
        return rc;
    where = parse_where(a, &nwhere, &rc);
    if (rc != 0)
        return rc;
    if (!have_gnuplot()) {
        fprintf(stderr, "offsim: plot: gnuplot is not installed: apt-get install gnuplot-nox "
                        "(scripts/setup.sh does)\n");
        free_where(where, nwhere);
        return EXIT_RUN_FAILED;
    }
    {
        figure_query q = {cli_value(a, PLOT_SCENARIO), cli_value(a, PLOT_X),
                          p.kind == PLOT_VS, where, nwhere};

        diag_init(&d);
        rc = figure_open(p.db, &q, &p.fig, &d);
    }
    if (rc == SIM_OK && (rc = fetch(&p, &fd, &d)) != SIM_OK) {
        figure_close(p.fig);
        p.fig = NULL;
    }
    free_where(where, nwhere);
    if (rc != SIM_OK) {
        diag_print_for(&d, stderr, "plot");
        return cli_exit(rc);
    }
    if ((rc = check_axes(&p, &fd)) == 0)
        rc = draw(&p, &fd);
    figure_data_free(&fd);
    figure_close(p.fig);
    free(p.dir);
    return rc;
}

const cli_command cli_plot = {
    .name = "plot",
    .args = "DB",
    .summary = "figures of a database's runs, drawn by gnuplot",
    .synopsis = "plot DB --kind cdf|vs|occupancy|handoffs [--x KEY] [--out FILE]\n"
                "                  [--where KEY=VALUE]... [--ccdf] [--logx|--linx] [--logy|--liny]\n"
                "                  [--bars ci|range] [--metric close|release] [--scenario PATH]\n"
                "                  [--title T] [--size W,H] [--font FACE,PT] [--emit DIR]",
    .about = "Draw the complete runs of one scenario in DB (by default the scenario run\n"
             "most recently) with gnuplot, one series per combination of the keys that\n"
             "vary among them, seeds pooled.  The output's extension picks the format:\n"
             ".png, .svg or .pdf (default results/KIND.png); every format has the same\n"
             "layout, by default a 3.5 in paper column with 8 pt text.\n",
    .opts = plot_opts,
    .nopts = sizeof plot_opts / sizeof *plot_opts,
    .min_operands = 1,
    .max_operands = 1,
    .operand = "database",
    .missing = "which database?",
    .run = run_plot,
};
