# plot-handoffs.gp - handoffs per second over simulated time, the mean over
# seeds, one panel each: offloads (to the NIC), uploads (back to the host),
# and the NIC's FIN_WAIT_2 expiries (Retrieve indications, reason
# TimeoutExpiration), the uploads its timer causes.  offsim defines t_unit
# (seconds per unit of the x axis), t_unit_name and panels before this, and
# writes the panels after it.
x_label = 'simulated time ('.t_unit_name.')'
y_label_1 = 'offloads/s'
y_label_2 = 'uploads/s'
y_label_3 = 'expiries/s'
