/*
 * check.c - runs a test table (see check.h).
 */
#include "check.h"

int check_run(const check_test *t, size_t n, int argc, char **argv)
{
    int ran = 0;

    for (size_t i = 0; i < n; i++) {
        int before = check_failures, wanted = argc < 2;

        for (int a = 1; a < argc; a++)
            wanted |= strcmp(argv[a], t[i].name) == 0;
        if (!wanted)
            continue;
        check_current = t[i].name;
        t[i].fn();
        ran++;
        printf("%-4s %s\n", check_failures == before ? "ok" : "FAIL", t[i].name);
    }
    if (ran == 0) {
        fprintf(stderr, "no test matched\n");
        return 2;
    }
    printf("%d test(s), %d failed check(s)\n", ran, check_failures);
    return check_failures != 0;
}
