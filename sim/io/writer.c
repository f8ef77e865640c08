/*
 * writer.c - who writes a run, and whether it is alive (see writer.h).
 */
#include "writer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The first line of a small file, without its newline; 0, or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    int ok;

    if (f == NULL)
        return -1;
    ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/*
 * From /proc/PID/stat: the process's state letter and its start time (clock
 * ticks after boot, field 22).  The command name (field 2) is in parentheses
 * and may hold spaces and parentheses itself, so fields are counted from the
 * last ')'.  0, or -1 when there is no such process.
 */
static int proc_stat(int64_t pid, char *state, unsigned long long *start)
{
    char path[64], buf[1024];
    const char *p;
    FILE *f;
    size_t n;

    snprintf(path, sizeof path, "/proc/%" PRId64 "/stat", pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
        return -1;
    /* Fields 3 (state) to 22 (starttime): skip 19 spaces after the state. */
    *state = p[2];
    p += 2;
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL)
            return -1;
        p++;
    }
    return sscanf(p, "%llu", start) == 1 ? 0 : -1;
}

/* "BOOT_ID/PIDNS": this machine's boot and this PID namespace; -1 if unknown. */
static int where_am_i(char *buf, size_t len)
{
    char boot[48];
    struct stat st;

    if (read_line("/proc/sys/kernel/random/boot_id", boot, sizeof boot) != 0 ||
        stat("/proc/self/ns/pid", &st) != 0)
        return -1;
    snprintf(buf, len, "%s/%llu", boot, (unsigned long long)st.st_ino);
    return 0;
}

void writer_self(writer_id *w)
{
    char where[96], state;
    unsigned long long start;

    memset(w, 0, sizeof *w);
    if (gethostname(w->host, sizeof w->host - 1) != 0)
        snprintf(w->host, sizeof w->host, "unknown");
    w->pid = (int64_t)getpid();
    if (where_am_i(where, sizeof where) == 0 && proc_stat(w->pid, &state, &start) == 0)
        snprintf(w->token, sizeof w->token, "%s/%llu", where, start);
}

int writer_alive(const char *token, int64_t pid, int64_t beat, int64_t now)
{
    char where[128], state;
    const char *slash;
    unsigned long long start, token_start;
    size_t n;

    if (token == NULL)
        return 0;
    slash = strrchr(token, '/');
    if (slash != NULL && where_am_i(where, sizeof where) == 0 &&
        (n = strlen(where)) == (size_t)(slash - token) && strncmp(token, where, n) == 0) {
        /* Here: ask the kernel. */
        if (sscanf(slash + 1, "%llu", &token_start) != 1 || proc_stat(pid, &state, &start) != 0)
            return 0;
        return state != 'Z' && state != 'X' && start == token_start;
    }
    return beat > 0 && now - beat < WRITER_LEASE_S;
}
