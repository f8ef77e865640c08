/*
 * crashpoint.c - the crash tests' kill points (see crashpoint.h).
 */
#include "crashpoint.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const point_name[CRASH_POINT_N] = {
    [CRASH_WRITE] = "write", [CRASH_HANDOUT] = "handout", [CRASH_MERGE] = "merge",
    [CRASH_STREAM] = "stream", [CRASH_RELAY] = "relay",
    [CRASH_EXPORT] = "export"};

int crash_armed;
static crash_point armed_point;
static unsigned long long armed_at, passes;
static int armed_signal = SIGKILL;
static int armed_parent; /* signal the parent, not this process */

void crash_point_init(void)
{
    const char *spec = getenv("OFFSIM_TEST_CRASH");
    const char *colon = spec ? strchr(spec, ':') : NULL;

    crash_armed = 0;
    if (colon == NULL)
        return;
    for (int p = 0; p < CRASH_POINT_N; p++)
        if (strlen(point_name[p]) == (size_t)(colon - spec) &&
            strncmp(spec, point_name[p], (size_t)(colon - spec)) == 0) {
            armed_point = (crash_point)p;
            armed_at = strtoull(colon + 1, NULL, 10);
            crash_armed = armed_at > 0;
        }
    if (!crash_armed) {
        fprintf(stderr, "offsim: OFFSIM_TEST_CRASH='%s' ignored: expected write:N, handout:N, "
                        "merge:N, stream:N, relay:N or export:N\n", spec);
        return;
    }
    if ((spec = getenv("OFFSIM_TEST_CRASH_SIGNAL")) != NULL) {
        if (strcmp(spec, "INT") == 0)
            armed_signal = SIGINT;
        else if (strcmp(spec, "TERM") == 0)
            armed_signal = SIGTERM;
        else if (strcmp(spec, "HUP") == 0)
            armed_signal = SIGHUP;
        else if (strcmp(spec, "KILL") != 0)
            fprintf(stderr, "offsim: OFFSIM_TEST_CRASH_SIGNAL='%s' ignored: expected KILL, INT, "
                            "TERM or HUP\n", spec);
    }
    if ((spec = getenv("OFFSIM_TEST_CRASH_TARGET")) != NULL) {
        if (strcmp(spec, "parent") == 0)
            armed_parent = 1;
        else if (strcmp(spec, "self") != 0)
            fprintf(stderr, "offsim: OFFSIM_TEST_CRASH_TARGET='%s' ignored: expected self or parent\n",
                    spec);
    }
}

void crash_point_pass_slow(crash_point p)
{
    const char *once;
    int fd;

    if (p != armed_point || ++passes != armed_at)
        return;
    once = getenv("OFFSIM_TEST_CRASH_ONCE");
    if (once != NULL) {
        if ((fd = open(once, O_CREAT | O_EXCL | O_WRONLY, 0644)) < 0)
            return; /* another process died already */
        close(fd);
    }
    kill(armed_parent ? getppid() : getpid(), armed_signal);
}
