/*
 * rowstream.c - a run's rows as bytes (see rowstream.h).
 */
#include "rowstream.h"

#include <stdlib.h>
#include <string.h>

/* Room for `need` more bytes; 0, or -1 (and failed) when out of memory. */
static int room(rs_out *o, size_t need)
{
    size_t cap;
    unsigned char *v;

    if (o->failed)
        return -1;
    if (o->cap - o->n >= need)
        return 0;
    cap = o->cap ? o->cap : 4096;
    while (cap - o->n < need)
        cap *= 2;
    if ((v = realloc(o->v, cap)) == NULL) {
        o->failed = 1;
        return -1;
    }
    o->v = v;
    o->cap = cap;
    return 0;
}

static void put_le(rs_out *o, uint64_t v, int bytes)
{
    if (room(o, (size_t)bytes) != 0)
        return;
    for (int i = 0; i < bytes; i++)
        o->v[o->n++] = (unsigned char)(v >> (8 * i));
}

void rs_u8(rs_out *o, unsigned v) { put_le(o, v, 1); }
void rs_u32(rs_out *o, uint32_t v) { put_le(o, v, 4); }
void rs_i64(rs_out *o, int64_t v) { put_le(o, (uint64_t)v, 8); }

void rs_f64(rs_out *o, double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof bits);
    put_le(o, bits, 8);
}

void rs_str(rs_out *o, const char *s)
{
    size_t len = s ? strlen(s) : 0;

    if (len > UINT32_MAX - 1) {
        o->failed = 1;
        return;
    }
    rs_u32(o, (uint32_t)len);
    if (room(o, len + 1) != 0)
        return;
    if (len > 0)
        memcpy(o->v + o->n, s, len);
    o->v[o->n + len] = '\0';
    o->n += len + 1;
}

void rs_opt_str(rs_out *o, const char *s)
{
    rs_u8(o, s != NULL);
    if (s != NULL)
        rs_str(o, s);
}

void rs_free(rs_out *o)
{
    free(o->v);
    memset(o, 0, sizeof *o);
}

static uint64_t get_le(rs_in *in, int bytes)
{
    uint64_t v = 0;

    if (in->bad || in->end - in->p < bytes) {
        in->bad = 1;
        return 0;
    }
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)in->p[i] << (8 * i);
    in->p += bytes;
    return v;
}

unsigned rs_get_u8(rs_in *in) { return (unsigned)get_le(in, 1); }
uint32_t rs_get_u32(rs_in *in) { return (uint32_t)get_le(in, 4); }
int64_t rs_get_i64(rs_in *in) { return (int64_t)get_le(in, 8); }

double rs_get_f64(rs_in *in)
{
    uint64_t bits = get_le(in, 8);
    double v;

    memcpy(&v, &bits, sizeof v);
    return v;
}

const char *rs_get_str(rs_in *in)
{
    uint32_t len = rs_get_u32(in);
    const char *s;

    if (in->bad || (size_t)(in->end - in->p) < (size_t)len + 1 || in->p[len] != '\0' ||
        memchr(in->p, '\0', len) != NULL) {
        in->bad = 1;
        return "";
    }
    s = (const char *)in->p;
    in->p += (size_t)len + 1;
    return s;
}

const char *rs_get_opt_str(rs_in *in)
{
    unsigned has = rs_get_u8(in);

    if (has > 1)
        in->bad = 1;
    return has == 1 ? rs_get_str(in) : NULL;
}
