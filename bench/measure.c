/*
 * measure.c - what a command cost: wall time, CPU time (user + system) and
 * peak resident memory of the process and the children it waited for.
 * bench/run.sh measures every command through it (GNU time is not on a
 * fresh machine).
 *
 *     bench_measure COMMAND [ARG...]
 *
 * The command's stdout and stderr pass through; after it exits, one line on
 * file descriptor 3 if it is open, else on stderr:
 *
 *     measure WALL_S CPU_S MAXRSS_KB EXIT
 *
 * EXIT is the command's exit status (128 + N when killed by signal N);
 * bench_measure exits with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
    struct rusage ru;
    double t0;
    pid_t pid;
    int status, code;
    FILE *out;

    if (argc < 2) {
        fprintf(stderr, "usage: bench_measure COMMAND [ARG...]\n");
        return 2;
    }
    t0 = now_s();
    pid = fork();
    if (pid < 0) {
        perror("bench_measure: fork");
        return 2;
    }
    if (pid == 0) {
        if (fcntl(3, F_GETFD) != -1)
            close(3); /* the report's, not the command's */
        execvp(argv[1], argv + 1);
        fprintf(stderr, "bench_measure: %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("bench_measure: waitpid");
            return 2;
        }
    getrusage(RUSAGE_CHILDREN, &ru); /* the one child, and what it waited for */
    code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    out = fcntl(3, F_GETFD) != -1 ? fdopen(3, "w") : stderr;
    fprintf(out ? out : stderr, "measure %.6f %.6f %ld %d\n", now_s() - t0,
            tv_s(ru.ru_utime) + tv_s(ru.ru_stime), ru.ru_maxrss, code);
    return code;
}
