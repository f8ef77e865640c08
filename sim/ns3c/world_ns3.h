/*
 * world_ns3.h - the workload and the offload model on ns-3's TCP
 * (offsim run --engine ns3).
 */
#ifndef SIM_NS3C_WORLD_NS3_H
#define SIM_NS3C_WORLD_NS3_H

#include "io/diag.h"
#include "workload/world.h"

/*
 * Check that ns-3 can run the scenario: every key it cannot honour is a
 * message naming the key and the reason.  Returns 0 or SIM_ESCENARIO.
 */
int world_ns3_check(const model_config *cfg, const char *path, sim_diag *d);

/*
 * Build the scenario in ns-3 on an engine from ns3c_sim_create(): one node
 * for the server, one per peer class, a point-to-point link between them;
 * connections arrive as in the native world, from the same random streams.
 */
int world_ns3_create(const model_config *cfg, sim *s, trace_buf *trace, world **out);

/* After world_destroy: free the ns-3 world's tables and ns-3 itself. */
void world_ns3_fini(void);

#endif /* SIM_NS3C_WORLD_NS3_H */
