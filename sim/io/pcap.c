/*
 * pcap.c - packet traces through libpcap (see pcap.h for the packet
 * format and the addressing scheme).
 *
 * Models: the IPv4 and TCP headers a capture at the local host's interface
 * would show for the model's segments, with real checksums.  Leaves out:
 * the payload's content (zero bytes, cut at PCAP_TRACE_SNAPLEN), link-layer
 * headers, TCP options and IP fragmentation.
 *
 * Invariants: t->pkt holds PCAP_TRACE_SNAPLEN bytes whose payload part is
 * always zero (only the 40 header bytes are rewritten per packet), and the
 * total IP length fits 16 bits because [host] mss is at most 65495 bytes.
 * The per-segment path allocates nothing and writes into libpcap's
 * buffered FILE.
 */

/* libpcap's headers use the BSD types u_char, u_short and u_int, which
 * glibc declares only with _DEFAULT_SOURCE; the build asks for plain
 * POSIX, so this file asks for them itself. */
#define _DEFAULT_SOURCE 1

#include "pcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "engine/err.h"

/* The local host and its port; the peers' networks (pcap.h). */
#define LOCAL_ADDR 0x0a000001u /* 10.0.0.1 */
#define LOCAL_PORT 80u
#define PEER_NET 0x0a010000u   /* 10.1.0.0 */
#define PEER_PORT_BASE 1024u
#define PEER_PORT_SPAN 64512u  /* ports 1024..65535 */

#define IP_HDR 20u
#define TCP_HDR 20u
#define IP_MAXLEN 65535u

/* TCP header flag bits (RFC 9293 3.1). */
#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_ACK 0x10u

struct pcap_trace {
    pcap_t *dead;             /* the handle libpcap wants for dumping */
    pcap_dumper_t *dump;
    char *path;
    pcap_trace_conns conns;
    uint64_t packets;
    uint16_t ip_id[2];        /* [to_local]: the last IP id in each direction */
    unsigned char pkt[PCAP_TRACE_SNAPLEN];
};

/* ---- the connection list ---------------------------------------------- */

static void bad_item(char *err, const char *what, const char *got, size_t gotlen)
{
    snprintf(err, PCAP_TRACE_ERR_MAX, "expected %s, got '%.*s'", what, (int)gotlen, got);
}

/* A connection id: decimal digits, 1 to UINT32_MAX.  *end after it. */
static int parse_id(const char *s, const char **end, uint32_t *out)
{
    uint64_t v = 0;
    const char *p = s;

    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return -1;
        p++;
    }
    *end = p;
    *out = (uint32_t)v;
    return p == s || v == 0 ? -1 : 0;
}

static int range_cmp(const void *a, const void *b)
{
    const pcap_trace_range *x = a, *y = b;

    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

int pcap_trace_conns_parse(const char *list, pcap_trace_conns *out, char *err)
{
    static const char what[] =
        "connection ids and ranges separated by commas, such as 1,3-4 (ids from 1)";
    size_t cap = 1, n = 0;
    const char *p = list;

    out->v = NULL;
    out->n = 0;
    err[0] = '\0';
    for (const char *q = list; *q; q++)
        cap += *q == ',';
    out->v = malloc(cap * sizeof *out->v);
    if (out->v == NULL)
        return SIM_ENOMEM;
    for (;;) {
        const char *item = p, *end = p;
        size_t itemlen = strcspn(item, ",");
        pcap_trace_range r = {0, 0};
        int ok = parse_id(p, &end, &r.lo) == 0;

        r.hi = r.lo;
        if (ok && *end == '-')
            ok = parse_id(end + 1, &end, &r.hi) == 0;
        if (!ok || (*end != ',' && *end != '\0')) {
            bad_item(err, what, item, itemlen);
            goto fail;
        }
        if (r.hi < r.lo) {
            bad_item(err, "a range from low to high", item, itemlen);
            goto fail;
        }
        out->v[n++] = r;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    /* Sorted and merged, so that membership is one binary search. */
    qsort(out->v, n, sizeof *out->v, range_cmp);
    out->n = 1;
    for (size_t i = 1; i < n; i++) {
        pcap_trace_range *last = &out->v[out->n - 1];

        if (last->hi == UINT32_MAX || out->v[i].lo <= last->hi + 1) {
            if (out->v[i].hi > last->hi)
                last->hi = out->v[i].hi;
        } else {
            out->v[out->n++] = out->v[i];
        }
    }
    return SIM_OK;
fail:
    pcap_trace_conns_fini(out);
    return SIM_EUSAGE;
}

void pcap_trace_conns_fini(pcap_trace_conns *c)
{
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

int pcap_trace_conns_has(const pcap_trace_conns *c, uint32_t id)
{
    size_t lo = 0, hi = c->n;

    if (c->n == 0 || id < c->v[0].lo || id > c->v[c->n - 1].hi)
        return 0;
    /* The last range that starts at or before id. */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (c->v[mid].lo <= id)
            lo = mid;
        else
            hi = mid;
    }
    return id <= c->v[lo].hi;
}

/* ---- the file ----------------------------------------------------------- */

int pcap_trace_open(const char *path, const pcap_trace_conns *conns, pcap_trace **out,
                    sim_diag *d)
{
    pcap_trace *t;

    *out = NULL;
    t = calloc(1, sizeof *t);
    if (t == NULL)
        goto nomem;
    t->path = malloc(strlen(path) + 1);
    t->conns.v = malloc((conns->n ? conns->n : 1) * sizeof *t->conns.v);
    if (t->path == NULL || t->conns.v == NULL)
        goto nomem;
    strcpy(t->path, path);
    if (conns->n > 0)
        memcpy(t->conns.v, conns->v, conns->n * sizeof *t->conns.v);
    t->conns.n = conns->n;
    t->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, PCAP_TRACE_SNAPLEN,
                                                   PCAP_TSTAMP_PRECISION_NANO);
    if (t->dead == NULL)
        goto nomem;
    /* libpcap would take "-" for stdout, where the summary goes: here it
     * is a file like any other path, as with --db. */
    t->dump = pcap_dump_open(t->dead, strcmp(path, "-") == 0 ? "./-" : path);
    if (t->dump == NULL) {
        diag_add(d, "--pcap %s: cannot create the packet trace: %s", path,
                 pcap_geterr(t->dead));
        pcap_trace_close(t, NULL);
        return SIM_EIO;
    }
    *out = t;
    return SIM_OK;
nomem:
    diag_add(d, "--pcap %s: out of memory", path);
    pcap_trace_close(t, NULL);
    return SIM_ENOMEM;
}

int pcap_trace_close(pcap_trace *t, sim_diag *d)
{
    int rc = SIM_OK;

    if (t == NULL)
        return SIM_OK;
    if (t->dump != NULL) {
        if (pcap_dump_flush(t->dump) != 0 || ferror(pcap_dump_file(t->dump))) {
            if (d != NULL)
                diag_add(d, "--pcap %s: writing the packet trace failed", t->path);
            rc = SIM_EIO;
        }
        pcap_dump_close(t->dump);
    }
    if (t->dead != NULL)
        pcap_close(t->dead);
    pcap_trace_conns_fini(&t->conns);
    free(t->path);
    free(t);
    return rc;
}

uint64_t pcap_trace_packets(const pcap_trace *t) { return t->packets; }

/* ---- packets ------------------------------------------------------------ */

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* The ones' complement sum of big-endian 16-bit words (RFC 1071), unfolded. */
static uint32_t sum16(const unsigned char *p, size_t n, uint32_t acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffffu) + (acc >> 16);
    return (uint16_t)~acc;
}

void pcap_trace_segment(pcap_trace *t, uint32_t conn_id, const seg *s, int to_local,
                        sim_time now)
{
    unsigned char *ip = t->pkt, *tcp = t->pkt + IP_HDR;
    uint32_t peer_addr, peer_port, src, dst, tot, acc;
    unsigned flags = 0;
    struct pcap_pkthdr h;

    /* Most segments are not traced: this test is all they cost. */
    if (!pcap_trace_conns_has(&t->conns, conn_id))
        return;
    peer_addr = PEER_NET | (conn_id & 0xffffu);
    peer_port = PEER_PORT_BASE + (conn_id >> 16) % PEER_PORT_SPAN;
    src = to_local ? peer_addr : LOCAL_ADDR;
    dst = to_local ? LOCAL_ADDR : peer_addr;
    tot = IP_HDR + TCP_HDR + s->len;
    SIM_ASSERT(tot <= IP_MAXLEN, "segment of %u bytes does not fit an IPv4 packet", s->len);
    flags |= (s->flags & SEG_FIN) ? TH_FIN : 0;
    flags |= (s->flags & SEG_SYN) ? TH_SYN : 0;
    flags |= (s->flags & SEG_RST) ? TH_RST : 0;
    flags |= (s->flags & SEG_ACK) ? TH_ACK : 0;

    /* IPv4 (RFC 791): no options, DF clear, no fragments. */
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, tot);
    put16(ip + 4, ++t->ip_id[to_local != 0]);
    put16(ip + 6, 0);
    ip[8] = 64;
    ip[9] = 6;
    put16(ip + 10, 0);
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, fold(sum16(ip, IP_HDR, 0)));

    /* TCP (RFC 9293 3.1): no options, no urgent pointer. */
    put16(tcp + 0, to_local ? peer_port : LOCAL_PORT);
    put16(tcp + 2, to_local ? LOCAL_PORT : peer_port);
    put32(tcp + 4, s->seq);
    put32(tcp + 8, s->ack);
    tcp[12] = (TCP_HDR / 4) << 4;
    tcp[13] = (unsigned char)flags;
    put16(tcp + 14, s->wnd < 65535u ? s->wnd : 65535u);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    /* The pseudo-header (source, destination, protocol, TCP length) and
     * the header; the payload is zero bytes and adds nothing to the sum. */
    acc = sum16(ip + 12, 8, 0) + 6 + (tot - IP_HDR);
    put16(tcp + 16, fold(sum16(tcp, TCP_HDR, acc)));

    h.ts.tv_sec = (time_t)(now / SIM_S);
    h.ts.tv_usec = (suseconds_t)(now % SIM_S); /* nanoseconds: see open */
    h.len = tot;
    h.caplen = tot < PCAP_TRACE_SNAPLEN ? tot : PCAP_TRACE_SNAPLEN;
    pcap_dump((unsigned char *)t->dump, &h, t->pkt);
    t->packets++;
}
