/*
 * slab.c - the slabs behind the models' free lists (slab.h).
 */
#include "slab.h"

#include <stdlib.h>

void *slab_add(void ***slabs, size_t *nslabs, size_t *cap, size_t bytes)
{
    void *slab = malloc(bytes);

    if (*nslabs == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        void **s = realloc(*slabs, c * sizeof *s);

        if (s == NULL) {
            free(slab);
            slab = NULL;
        } else {
            *slabs = s;
            *cap = c;
        }
    }
    if (slab == NULL)
        return NULL;
    (*slabs)[(*nslabs)++] = slab;
    return slab;
}

void slabs_free(void **slabs, size_t nslabs)
{
    for (size_t i = 0; i < nslabs; i++)
        free(slabs[i]);
    free(slabs);
}
