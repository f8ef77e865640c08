/*
 * check.c - runs a test table (see check.h).
 */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a child printed on stderr, and how it ended. */
typedef struct death {
    char err[16384];
    int status;
    int ok;          /* fork, pipe and wait worked */
} death;

static void run_child(void (*fn)(void *), void *arg, death *d)
{
    int fd[2];
    size_t n = 0;
    ssize_t k;
    pid_t pid;

    d->ok = 0;
    d->err[0] = '\0';
    fflush(stdout);
    fflush(stderr);
    if (pipe(fd) != 0)
        return;
    pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return;
    }
    if (pid == 0) {
        struct rlimit no_core = {0, 0};

        setrlimit(RLIMIT_CORE, &no_core); /* an abort is expected: no core file */
        close(fd[0]);
        dup2(fd[1], STDERR_FILENO);
        close(fd[1]);
        fn(arg);
        fflush(stdout);
        _exit(0); /* no atexit handlers (the sanitizers' leak check) */
    }
    close(fd[1]);
    while ((k = read(fd[0], d->err + n, sizeof d->err - 1 - n)) > 0)
        n += (size_t)k;
    d->err[n] = '\0';
    close(fd[0]);
    d->ok = waitpid(pid, &d->status, 0) == pid;
}

void check_aborts_(const char *file, int line, const char *what, void (*fn)(void *), void *arg,
                   const char *const *needles)
{
    death d;

    run_child(fn, arg, &d);
    if (!d.ok) {
        fprintf(stderr, "%s:%d: %s: %s: could not run a child process\n", file, line,
                check_current, what);
        check_failures++;
        return;
    }
    if (!WIFSIGNALED(d.status) || WTERMSIG(d.status) != SIGABRT) {
        fprintf(stderr, "%s:%d: %s: %s did not abort (%s %d); its stderr:\n%s\n", file, line,
                check_current, what, WIFSIGNALED(d.status) ? "signal" : "exit code",
                WIFSIGNALED(d.status) ? WTERMSIG(d.status) : WEXITSTATUS(d.status), d.err);
        check_failures++;
        return;
    }
    for (; *needles != NULL; needles++)
        if (strstr(d.err, *needles) == NULL) {
            fprintf(stderr, "%s:%d: %s: %s aborted without \"%s\" in its message:\n%s\n", file,
                    line, check_current, what, *needles, d.err);
            check_failures++;
        }
}

void check_survives_(const char *file, int line, const char *what, void (*fn)(void *),
                     void *arg)
{
    death d;

    run_child(fn, arg, &d);
    if (!d.ok || !WIFEXITED(d.status) || WEXITSTATUS(d.status) != 0) {
        fprintf(stderr, "%s:%d: %s: %s did not return normally; its stderr:\n%s\n", file, line,
                check_current, what, d.err);
        check_failures++;
    }
}

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
