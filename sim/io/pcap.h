/*
 * pcap.h - packet traces: the segments of chosen connections, as seen at
 * the local host's interface, written as a pcap file through libpcap so
 * that tcpdump and Wireshark read them like a capture.
 *
 *     pcap_trace_conns_parse("1,3-4")   which connections (--pcap-conns)
 *     pcap_trace_open(path, conns)      the file is created here; a path
 *                                       that cannot be written fails here
 *     pcap_trace_segment(...)           one segment (cheap when the
 *                                       connection is not chosen)
 *     pcap_trace_close(t)               flush; a failed write is reported
 *
 * What a packet looks like (the prefix is pcap_trace_, since libpcap owns
 * pcap_):
 *   - link type LINKTYPE_RAW (DLT_RAW): each record starts with the IPv4
 *     header, no Ethernet header;
 *   - timestamps with nanosecond precision: the simulated time since t = 0
 *     (the epoch, so tools show 1970-01-01 if asked for dates);
 *   - IPv4, 20 bytes: version 4, IHL 5, total length 40 + payload, TTL 64,
 *     protocol 6 (TCP), DF clear, the header checksum computed.  The IP id
 *     counts the trace's packets in each direction (one counter for the
 *     local host's packets, one for the packets it receives), starting at 1;
 *   - TCP, 20 bytes, no options: ports, SEG.SEQ, SEG.ACK, data offset 5, the
 *     flags FIN SYN RST ACK as the model sets them (no PSH or URG: the
 *     model carries neither), the window min(SEG.WND, 65535) (no window
 *     scaling is modelled), and the checksum over the pseudo-header, the
 *     header and the payload taken as zero bytes;
 *   - the payload: the model carries none, only a length, so it is zero
 *     bytes.  Records are cut at PCAP_TRACE_SNAPLEN bytes (the record's
 *     original length is the full IP length), which keeps files small;
 *     tools then mark data segments as cut short and cannot verify their
 *     TCP checksum, but the sequence space stays exact.
 *
 * Addresses.  The local host (the server) is 10.0.0.1, port 80.  The peer
 * of connection N is 10.1.B.C port P with B = (N >> 8) & 255, C = N & 255
 * and P = 1024 + (N >> 16) % 64512, so connection 3 is 10.1.0.3.1024 and
 * connection 300 is 10.1.1.44.1024: every connection id below 2^16 * 64512
 * (about 4.2e9) has its own (address, port) pair, and a reader can
 * recover N from it.
 *
 * Segments the local side sends appear when they are sent, lost or not;
 * segments for it appear when they arrive (world.h, world_set_tap), so a
 * lost segment of the peer never appears.  Nothing else is invented: no
 * ARP, no options, no retransmission the model did not make.
 */
#ifndef SIM_IO_PCAP_H
#define SIM_IO_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/sim.h"
#include "io/diag.h"
#include "net/segment.h"

/* Bytes of each record kept: both headers (40) and 56 bytes of payload. */
#define PCAP_TRACE_SNAPLEN 96
/* The connections traced when --pcap-conns is not given. */
#define PCAP_TRACE_DEFAULT_CONNS "1-10"
/* Room for a message of pcap_trace_conns_parse. */
#define PCAP_TRACE_ERR_MAX 256

/* Connection ids lo..hi, both included. */
typedef struct pcap_trace_range {
    uint32_t lo, hi;
} pcap_trace_range;

/* A set of connection ids: sorted, disjoint, non-adjacent ranges. */
typedef struct pcap_trace_conns {
    pcap_trace_range *v;
    size_t n;
} pcap_trace_conns;

/*
 * Parse a list of connection ids and ranges, "1,2,5-9" (ids from 1,
 * ranges increasing, no spaces; overlaps are merged).  Returns 0, or
 * SIM_EUSAGE with a message "expected ..., got '...'" in err (of
 * PCAP_TRACE_ERR_MAX bytes) and *out empty, or SIM_ENOMEM.
 */
int pcap_trace_conns_parse(const char *list, pcap_trace_conns *out, char *err);
void pcap_trace_conns_fini(pcap_trace_conns *c);
/* Is connection id in the set?  A binary search over the ranges. */
int pcap_trace_conns_has(const pcap_trace_conns *c, uint32_t id);

typedef struct pcap_trace pcap_trace;

/*
 * Create the pcap file at path (always a file: "-" is not stdout) and
 * write its header; the set is copied.  Returns 0, or SIM_EIO with a
 * message naming the path in d, or SIM_ENOMEM.
 */
int pcap_trace_open(const char *path, const pcap_trace_conns *conns, pcap_trace **out,
                    sim_diag *d);

/*
 * One segment of connection conn_id at time now: sent by the local side
 * (to_local = 0) or arriving for it (to_local = 1).  Does nothing unless
 * the connection is in the set.  Write errors are kept for
 * pcap_trace_close.
 */
void pcap_trace_segment(pcap_trace *t, uint32_t conn_id, const seg *s, int to_local,
                        sim_time now);

/* Packets written so far. */
uint64_t pcap_trace_packets(const pcap_trace *t);

/*
 * Flush and close the file and free t (NULL does nothing).  Returns 0, or
 * SIM_EIO with a message in d (may be NULL) if a write failed.
 */
int pcap_trace_close(pcap_trace *t, sim_diag *d);

#endif /* SIM_IO_PCAP_H */
