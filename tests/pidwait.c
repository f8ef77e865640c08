/*
 * pidwait.c - wait until processes that are not our children have exited,
 * for the shell tests (crash_test.sh): a sweep's workers must die with
 * their parent, and a test may not poll the clock to see it.
 *
 *     pidwait MS PID...
 *
 * Waits on a pidfd of each PID (pidfd_open(2), Linux 5.3), which becomes
 * readable when the process exits (a zombie has exited).  Exits 0 when all
 * have exited within MS milliseconds in all, 1 naming those still running,
 * 2 on bad arguments or when the kernel has no pidfd_open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int main(int argc, char **argv)
{
    struct timespec t0;
    char *end;
    long limit;
    int left = 0;

    if (argc < 2 || (limit = strtol(argv[1], &end, 10), *end != '\0' || limit < 0)) {
        fprintf(stderr, "usage: pidwait MS PID...\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 2; i < argc; i++) {
        long pid = strtol(argv[i], &end, 10);
        struct pollfd p = {.events = POLLIN};
        int r;

        if (*end != '\0' || pid <= 0) {
            fprintf(stderr, "pidwait: '%s' is not a process id\n", argv[i]);
            return 2;
        }
        p.fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
        if (p.fd < 0) {
            if (errno == ESRCH)
                continue; /* exited and reaped already */
            fprintf(stderr, "pidwait: pidfd_open(%ld): %s\n", pid, strerror(errno));
            return 2;
        }
        do {
            long wait = limit - ms_since(&t0);
            r = poll(&p, 1, wait > 0 ? (int)wait : 0);
        } while (r < 0 && errno == EINTR);
        close(p.fd);
        if (r == 0) {
            fprintf(stderr, "pidwait: process %ld still running after %ld ms\n", pid, limit);
            left++;
        }
    }
    return left ? 1 : 0;
}
