# plot-vs.gp - close-latency percentiles (median, p90, p99) against a key:
# the mean over seeds, with bars.  Series sit side by side around each x so
# that none hides another; an open triangle marks a mean over runs where the
# percentile was not reached (a lower bound).  offsim defines x_key (the key,
# with the unit of its numbers unless the ticks are the values as written)
# before this, and writes the axes (log x when the values span a decade or
# more), the legend and the series after it.
x_label = x_key
y_label = 'close latency (s)'
