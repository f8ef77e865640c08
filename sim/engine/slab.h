/*
 * slab.h - the slabs behind the models' free lists (connections, segments
 * in flight): objects are carved from slabs that live until the run ends,
 * so events embedded in them outlive their queue entries (sim.h).
 */
#ifndef SIM_ENGINE_SLAB_H
#define SIM_ENGINE_SLAB_H

#include <stddef.h>

/* Allocate a slab of `bytes` and record it in *slabs (growing it; *cap
 * entries).  NULL when out of memory (nothing is recorded then): the model
 * reports SIM_ENOMEM to its driver. */
void *slab_add(void ***slabs, size_t *nslabs, size_t *cap, size_t bytes);

/* Free every slab and the record. */
void slabs_free(void **slabs, size_t nslabs);

#endif /* SIM_ENGINE_SLAB_H */
