# plot-occupancy.gp - connections held in FIN_WAIT_2 over simulated time, on
# the NIC and on the host, the mean over seeds.  One panel (NIC solid, host
# dashed) when both counts are of a size; two panels (NIC above, host below)
# when one is ten times the other, or when another key needs the line styles.
# offsim defines t_unit (seconds per unit of the x axis), t_unit_name and
# panels before this, and writes the panels after it.
x_label = 'simulated time ('.t_unit_name.')'
y_label_1 = panels > 1 ? 'on the NIC' : 'connections in FIN_WAIT_2'
y_label_2 = 'on the host'
