# plot-cdf.gp - close (or release) latency as survival data: the Kaplan-Meier
# estimate of each series, its seeds pooled, drawn as steps.  A connection
# still open when its run ended is censored at that time ('+' marks): it never
# counts as closed, so a curve stays above 0 (or below 1) by the share never
# seen to close.  With ccdf = 1 the curves are 1 - F on a log y axis, where
# the tail reads.  offsim defines metric ('close' or 'release') and ccdf
# before this, and writes the axes (log x unless --linx), the legend and one
# step curve per series after it.
done = metric eq 'close' ? 'closed' : 'released'
x_label = metric.' latency (s)'
y_label = ccdf ? 'not '.done.' yet, 1 - F' : done.', F'
