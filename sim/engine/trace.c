/*
 * trace.c - the event log (see trace.h).
 */
#include "trace.h"

#include <stdlib.h>
#include <string.h>

#include "engine/err.h"

void trace_init(trace_buf *tb, int keep, FILE *text)
{
    tb->v = NULL;
    tb->n = tb->cap = 0;
    tb->keep = keep;
    tb->text = text;
    tb->err = SIM_OK;
}

void trace_fini(trace_buf *tb)
{
    free(tb->v);
    tb->v = NULL;
    tb->n = tb->cap = 0;
}

void trace_add(trace_buf *tb, sim_time t, uint32_t conn_id, const char *kind,
               const char *detail, const int64_t *value)
{
    if (tb->text != NULL) {
        fprintf(tb->text, "t=%lld.%09lld conn=%u %s", (long long)(t / SIM_S),
                (long long)(t % SIM_S), conn_id, kind);
        if (detail != NULL)
            fprintf(tb->text, " %s", detail);
        if (value != NULL)
            fprintf(tb->text, " %lld", (long long)*value);
        fputc('\n', tb->text);
    }
    if (!tb->keep)
        return;
    if (tb->n == tb->cap) {
        size_t cap = tb->cap ? tb->cap * 2 : 4096;
        trace_rec *v = realloc(tb->v, cap * sizeof *v);

        if (v == NULL) {
            tb->err = SIM_ENOMEM;
            return;
        }
        tb->v = v;
        tb->cap = cap;
    }
    {
        trace_rec *r = &tb->v[tb->n++];

        r->t = t;
        r->conn_id = conn_id;
        r->kind = kind;
        r->detail = detail;
        r->has_value = value != NULL;
        r->value = value ? *value : 0;
    }
}
