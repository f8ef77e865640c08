/*
 * segment.h - a TCP segment as the model carries it, and sequence-space
 * arithmetic (RFC 9293 3.4: comparisons are modulo 2^32).
 *
 * Only the fields the teardown model needs are carried: no options, no
 * urgent pointer, no payload bytes (a length stands for them).
 */
#ifndef SIM_NET_SEGMENT_H
#define SIM_NET_SEGMENT_H

#include <stdint.h>

#define SEG_FIN 0x01u
#define SEG_SYN 0x02u
#define SEG_RST 0x04u
#define SEG_ACK 0x10u

typedef struct seg {
    uint32_t seq;
    uint32_t ack;
    uint32_t len;   /* payload bytes (SYN and FIN not included) */
    uint32_t wnd;
    uint8_t flags;
} seg;

/* Header bytes on the wire: IPv4 (20) + TCP (20), no options. */
#define SEG_HEADER_BYTES 40u

/* SEG.LEN of RFC 9293: payload plus one for each of SYN and FIN. */
static inline uint32_t seg_seqlen(const seg *s)
{
    return s->len + ((s->flags & SEG_SYN) != 0) + ((s->flags & SEG_FIN) != 0);
}

static inline int seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline int seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline int seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#endif /* SIM_NET_SEGMENT_H */
