# plot-occupancy.gp - connections held in FIN_WAIT_2 over simulated time, on
# the NIC (solid) and on the host (dashed), one colour per value of the
# varied key, the mean over seeds.
# offsim plot defines: $data (one block per value: a title line, then
# "seconds nic host" rows), nseries, plot_title, note (the key's title).
set title plot_title noenhanced
set xlabel "simulated time (s)" noenhanced
set ylabel "connections in FIN_WAIT_2" noenhanced
set grid
set key outside right top noenhanced title note
plot for [i=1:nseries] $data index (i-1) using 1:2 with lines lw 2 lc i title columnheader(1), \
     for [i=1:nseries] $data index (i-1) using 1:3 with lines lw 2 dt 2 lc i notitle, \
     NaN with lines lw 2 dt 2 lc "black" title "dashed: on the host"
