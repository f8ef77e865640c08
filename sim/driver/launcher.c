/*
 * launcher.c - was this process started by an MPI launcher? (launcher.h)
 */
#include "launcher.h"

#include <stdlib.h>

/* An environment variable as a count >= 0, or -1 when absent or not one. */
static int env_count(const char *name)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (v == NULL || *v == '\0')
        return -1;
    n = strtol(v, &end, 10);
    return *end == '\0' && n >= 0 && n < 1 << 30 ? (int)n : -1;
}

int launcher_ranks(int *rank, int *size)
{
    static const char *const ranks[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
    static const char *const sizes[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"};

    *rank = 0;
    *size = 1;
    for (size_t i = 0; i < sizeof ranks / sizeof *ranks; i++) {
        int r = env_count(ranks[i]);

        if (r < 0)
            continue;
        *rank = r;
        *size = 0;
        for (size_t j = 0; j < sizeof sizes / sizeof *sizes && *size == 0; j++)
            if (env_count(sizes[j]) > 0)
                *size = env_count(sizes[j]);
        return 1;
    }
    return 0;
}
