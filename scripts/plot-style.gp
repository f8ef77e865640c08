# plot-style.gp - the style every offsim figure shares, in PNG, SVG and PDF alike.
# offsim writes the terminal (size, font, line width, pscale: the point size
# of a marker) before this, and the figure's axes, title, legend and plot
# commands after it (README, "Plots").  Margins, axis titles and the legend
# are placed in screen coordinates, the same in every format; the legend is a
# row per key: the key named once, then its values.  gnuplot's key is off.
set border lw 1 lc rgb '#333333'
set tics nomirror out scale 0.6 textcolor rgb '#000000'
set mxtics default
set mytics default
set grid xtics ytics back lt 1 lw 1 lc rgb '#dddddd'
unset key
unset xlabel
unset ylabel
set errorbars 1.2
set format x '%g'
set format y '%g'
