# plot-vs.gp - close-latency percentiles against the varied key: the median
# over seeds, with the range over seeds as error bars.
# offsim plot defines: $data (one block per series: a title line, then
# "x median min max lower_bound" rows; for a key without a number, x is the
# position and xtic the value), nseries, plot_title, x_label, categorical.
# Points where a percentile reaches censored connections are lower bounds,
# drawn again as open triangles.
set title plot_title noenhanced
set xlabel x_label noenhanced
set ylabel "close latency (s)" noenhanced
set logscale y
set format y "%g"
set grid
set key outside right top noenhanced
set offsets graph 0.05, graph 0.05, 0, 0
if (categorical) {
  plot for [i=1:nseries] $data index (i-1) using 1:2:3:4:xtic(6) with yerrorlines lw 2 title columnheader(1), \
       for [i=1:nseries] $data index (i-1) using 1:($5 > 0 ? $2 : NaN) with points pt 8 ps 2 lc i notitle
} else {
  plot for [i=1:nseries] $data index (i-1) using 1:2:3:4 with yerrorlines lw 2 title columnheader(1), \
       for [i=1:nseries] $data index (i-1) using 1:($5 > 0 ? $2 : NaN) with points pt 8 ps 2 lc i notitle
}
