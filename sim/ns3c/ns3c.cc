/*
 * ns3c.cc - libns3-c (see ns3c.h): ns-3 3.37 behind a C interface.
 *
 * Nothing of C++ leaves this file: handles are pointers to small structs
 * that hold ns-3 Ptr<>s, callbacks go out as C function pointers, and no
 * exception crosses (ns-3 reports its errors with NS_FATAL_ERROR, which
 * aborts).
 *
 * The socket class.  OffsimTcpSocket derives from TcpSocketBase only to
 * reach what 3.37 keeps protected: CloseAndNotify (CLOSED, endpoint
 * released, nothing sent), SendRST, the state as a traced value, and
 * DoForwardUp (every segment for the socket, before processing).  Sockets
 * are created with CreateObject and the public setters (node, TCP, RTT
 * estimator, congestion control, recovery), then registered with
 * TcpL4Protocol::AddSocket, as TcpL4Protocol::CreateSocket does; Fork is
 * overridden so that the sockets a listener accepts are OffsimTcpSockets
 * reporting to the same C callbacks.
 */
#include "ns3c.h"

#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <ns3/traffic-control-module.h>

#include <unordered_map>
#include <vector>

using namespace ns3;

namespace
{

/* ns-3's TcpStates_t order to tcp_fsm.h's (ndischimney.h) values. */
int
MapState(TcpSocket::TcpStates_t s)
{
    static const int map[] = {
        /* CLOSED */ 0, /* LISTEN */ 1,      /* SYN_SENT */ 2,   /* SYN_RCVD */ 3,
        /* ESTABLISHED */ 4, /* CLOSE_WAIT */ 7, /* LAST_ACK */ 9, /* FIN_WAIT_1 */ 5,
        /* FIN_WAIT_2 */ 6,  /* CLOSING */ 8,    /* TIME_WAIT */ 10,
    };
    return s < TcpSocket::LAST_STATE ? map[s] : 0;
}

class OffsimTcpSocket;

} // namespace

struct ns3c_node
{
    Ptr<Node> node;
};

struct ns3c_sock
{
    Ptr<OffsimTcpSocket> sock;
    const ns3c_sock_ops* ops;
    void* ctx;
    const ns3c_sock_ops* tap; /* told first (ns3c_sock_tap) */
    void* tap_ctx;
    ns3c_node* node;
};

namespace
{

class OffsimTcpSocket : public TcpSocketBase
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid = TypeId("ns3::OffsimTcpSocket")
                                .SetParent<TcpSocketBase>()
                                .SetGroupName("Internet")
                                .AddConstructor<OffsimTcpSocket>();
        return tid;
    }

    OffsimTcpSocket()
    {
        m_state.ConnectWithoutContext(MakeCallback(&OffsimTcpSocket::StateChanged, this));
    }

    /* A fork (a listener's new connection): the copy must report as itself. */
    OffsimTcpSocket(const OffsimTcpSocket& o)
        : TcpSocketBase(o),
          m_handle(nullptr),
          m_parent(o.m_handle)
    {
        m_state.DisconnectWithoutContext(
            MakeCallback(&OffsimTcpSocket::StateChanged, const_cast<OffsimTcpSocket*>(&o)));
        m_state.ConnectWithoutContext(MakeCallback(&OffsimTcpSocket::StateChanged, this));
    }


    void ForceClosed()
    {
        CancelAllTimers();
        CloseAndNotify();
    }

    void Reset()
    {
        SendRST();
        CloseAndNotify();
    }

    int StateNow() const
    {
        return MapState(m_state.Get());
    }

    ns3c_sock* m_handle; /* owned: the C handle, deleted with the socket */
    ns3c_sock* m_parent; /* for a fork: the listener's handle */

  protected:
    Ptr<TcpSocketBase> Fork() override
    {
        return CopyObject<OffsimTcpSocket>(this);
    }

    void DoForwardUp(Ptr<Packet> packet, const Address& from, const Address& to) override
    {
        TcpHeader hdr;
        packet->PeekHeader(hdr);
        uint8_t flags =
            hdr.GetFlags() & (TcpHeader::FIN | TcpHeader::SYN | TcpHeader::RST | TcpHeader::ACK);

        /* A listener takes the segments of its port's connections that no
         * longer exist (an endpoint released by ns3c_sock_force_closed).
         * ns-3 drops anything but a SYN there; RFC 9293 3.10.7.2 answers an
         * ACK with <SEQ=SEG.ACK><CTL=RST>, and so do real stacks. */
        if (m_state == LISTEN) {
            if (!(flags & (TcpHeader::SYN | TcpHeader::RST)))
                ResetUnknown(packet, hdr, from, to);
            else
                TcpSocketBase::DoForwardUp(packet, from, to);
            return;
        }
        ns3c_sock* reported = nullptr;

        if (m_handle != nullptr && m_state != CLOSED) {
            int sync = m_state != SYN_SENT;

            reported = m_handle;
            Segment(m_handle, hdr.GetSequenceNumber().GetValue(),
                    packet->GetSize() - hdr.GetSerializedSize(), flags,
                    sync ? m_tcb->m_rxBuffer->NextRxSequence().GetValue() : 0,
                    sync ? m_tcb->m_rxBuffer->MaxBufferSize() : 0);
        }
        /* RFC 9293 3.10.7.4: in TIME_WAIT a retransmitted FIN is acknowledged
         * and TIME_WAIT restarts.  ns-3 3.37 ignores it, which leaves a peer
         * whose ACK was lost retransmitting its FIN until the endpoint is
         * gone and an RST answers. */
        if (m_state == TIME_WAIT && (flags & TcpHeader::FIN)) {
            SendEmptyPacket(TcpHeader::ACK);
            TimeWait();
        } else {
            TcpSocketBase::DoForwardUp(packet, from, to);
        }
        if (reported != nullptr && m_handle == reported)
            SegmentDone(reported);
    }

  private:
    /* Tell the tap, then the owner, of a segment about to be processed. */
    static void Segment(ns3c_sock* h, uint32_t seq, uint32_t len, uint8_t flags, uint32_t nxt,
                        uint32_t wnd)
    {
        if (h == nullptr)
            return;
        if (h->tap != nullptr && h->tap->segment != nullptr)
            h->tap->segment(h->tap_ctx, h, seq, len, flags, nxt, wnd);
        if (h->ops->segment != nullptr)
            h->ops->segment(h->ctx, h, seq, len, flags, nxt, wnd);
    }

    /* Tell the tap, then the owner, that the segment has been processed. */
    static void SegmentDone(ns3c_sock* h)
    {
        if (h->tap != nullptr && h->tap->segment_done != nullptr)
            h->tap->segment_done(h->tap_ctx, h);
        if (h->ops->segment_done != nullptr)
            h->ops->segment_done(h->ctx, h);
    }

    /* The RST that answers a segment for no connection (RFC 9293 3.10.7.1). */
    void ResetUnknown(Ptr<Packet> packet, const TcpHeader& in, const Address& from,
                      const Address& to)
    {
        InetSocketAddress src = InetSocketAddress::ConvertFrom(from);
        InetSocketAddress dst = InetSocketAddress::ConvertFrom(to);
        TcpHeader out;

        out.SetSourcePort(dst.GetPort());
        out.SetDestinationPort(src.GetPort());
        if (in.GetFlags() & TcpHeader::ACK) {
            out.SetSequenceNumber(in.GetAckNumber());
            out.SetFlags(TcpHeader::RST);
        } else {
            uint32_t len = packet->GetSize() - in.GetSerializedSize() +
                           ((in.GetFlags() & TcpHeader::FIN) != 0);
            out.SetSequenceNumber(SequenceNumber32(0));
            out.SetAckNumber(in.GetSequenceNumber() + SequenceNumber32(len));
            out.SetFlags(TcpHeader::RST | TcpHeader::ACK);
        }
        out.SetWindowSize(0);
        m_tcp->SendPacket(Create<Packet>(), out, dst.GetIpv4(), src.GetIpv4());
    }

    void StateChanged(TcpStates_t old, TcpStates_t now)
    {
        ns3c_sock* h = m_handle;

        /* RFC 5681 3.1 (and RFC 6928): after a retransmitted SYN or SYN-ACK
         * the initial window is one segment, as offsim's TCP and Linux have
         * it; ns-3 3.37 keeps InitialCwnd. */
        if (now == ESTABLISHED && (old == SYN_SENT || old == SYN_RCVD) &&
            m_synRetries - m_synCount > 1) {
            m_tcb->m_cWnd = m_tcb->m_segmentSize;
            m_tcb->m_cWndInfl = m_tcb->m_segmentSize;
        }
        if (h == nullptr)
            return;
        if (h->tap != nullptr && h->tap->state != nullptr)
            h->tap->state(h->tap_ctx, h, MapState(old), MapState(now));
        if (h->ops->state != nullptr)
            h->ops->state(h->ctx, h, MapState(old), MapState(now));
    }
};

NS_OBJECT_ENSURE_REGISTERED(OffsimTcpSocket);

/* ---- the offsim engine on ns-3's scheduler ---- */

sim* g_sim;
std::vector<ns3c_node*> g_nodes;
std::vector<ns3c_sock*> g_socks;
std::unordered_map<uint64_t, EventId> g_entries; /* the engine's entries in ns-3's list, by seq */

void
Due(sim_time at, uint64_t seq, sim_rec* r)
{
    g_entries.erase(seq);
    sim_ext_due(g_sim, at, seq, r);
}

void
ExtPush(void* q, sim_time at, uint64_t seq, sim_rec* r)
{
    (void)q;
    g_entries[seq] = Simulator::Schedule(NanoSeconds(at) - Simulator::Now(), &Due, at, seq, r);
}

void
ExtCancel(void* q, uint64_t seq)
{
    auto it = g_entries.find(seq);

    (void)q;
    if (it != g_entries.end()) {
        Simulator::Cancel(it->second);
        g_entries.erase(it);
    }
}

sim_time
ExtNow(void* q)
{
    (void)q;
    return Simulator::Now().GetNanoSeconds();
}

void
ExtRun(void* q, sim_time until)
{
    (void)q;
    Simulator::Stop(NanoSeconds(until) - Simulator::Now());
    Simulator::Run();
}

void
ExtStop(void* q)
{
    (void)q;
    Simulator::Stop();
}

Ptr<TcpL4Protocol>
TcpOf(ns3c_node* n)
{
    return n->node->GetObject<TcpL4Protocol>();
}

void
OnRecv(Ptr<Socket> s)
{
    Ptr<OffsimTcpSocket> o = DynamicCast<OffsimTcpSocket>(s);
    ns3c_sock* h = o->m_handle;
    Ptr<Packet> p;
    uint32_t total = 0;

    while ((p = s->Recv()) != nullptr)
        total += p->GetSize();
    if (total > 0 && h != nullptr && h->ops->recv != nullptr)
        h->ops->recv(h->ctx, h, total);
}

ns3c_sock*
Wrap(Ptr<OffsimTcpSocket> s, ns3c_node* n, const ns3c_sock_ops* ops, void* ctx)
{
    ns3c_sock* h = new ns3c_sock;

    h->sock = s;
    h->ops = ops;
    h->ctx = ctx;
    h->tap = nullptr;
    h->tap_ctx = nullptr;
    h->node = n;
    s->m_handle = h;
    g_socks.push_back(h);
    s->SetRecvCallback(MakeCallback(&OnRecv));
    return h;
}

bool
AcceptAll(Ptr<Socket>, const Address&)
{
    return true;
}

void
OnAccept(Ptr<Socket> s, const Address& from)
{
    Ptr<OffsimTcpSocket> o = DynamicCast<OffsimTcpSocket>(s);
    ns3c_sock* parent = o->m_parent;
    InetSocketAddress a = InetSocketAddress::ConvertFrom(from);
    ns3c_sock* h = Wrap(o, parent->node, parent->ops, nullptr);

    if (parent->ops->accept != nullptr)
        parent->ops->accept(parent->ctx, parent, h, a.GetIpv4().Get(), a.GetPort());
}

} // namespace

/* ---- C interface ---- */

extern "C" {

int
ns3c_sim_create(sim** out)
{
    static const sim_ext ext = {ExtPush, ExtCancel, ExtNow, ExtRun, ExtStop, nullptr};
    int rc = sim_create_ext(out, &ext);

    g_sim = rc == 0 ? *out : nullptr;
    return rc;
}

void
ns3c_destroy(void)
{
    /* Handles hold their sockets: drop them, then the nodes, then ns-3. */
    for (ns3c_sock* h : g_socks) {
        h->sock->m_handle = nullptr;
        delete h;
    }
    g_socks.clear();
    for (ns3c_node* n : g_nodes)
        delete n;
    g_nodes.clear();
    Simulator::Destroy();
    g_entries.clear();
    g_sim = nullptr;
}

sim_time
ns3c_now(void)
{
    return Simulator::Now().GetNanoSeconds();
}

void
ns3c_run(sim_time until)
{
    ExtRun(nullptr, until);
}

void
ns3c_stop(void)
{
    Simulator::Stop();
}

sim*
ns3c_sim(void)
{
    return g_sim;
}

uint64_t
ns3c_event_count(void)
{
    return Simulator::GetEventCount();
}

ns3c_node*
ns3c_node_create(void)
{
    ns3c_node* n = new ns3c_node;
    InternetStackHelper stack;

    n->node = CreateObject<Node>();
    stack.Install(n->node);
    g_nodes.push_back(n);
    return n;
}

int
ns3c_link(ns3c_node* a, ns3c_node* b, const ns3c_link_cfg* cfg, uint32_t* addr_a,
          uint32_t* addr_b)
{
    PointToPointHelper p2p;
    NetDeviceContainer dev;
    Ipv4AddressHelper ip;
    Ipv4InterfaceContainer ifs;
    TrafficControlHelper tc;

    p2p.SetDeviceAttribute("DataRate", DataRateValue(DataRate(cfg->rate_bps)));
    p2p.SetChannelAttribute("Delay", TimeValue(NanoSeconds(cfg->delay)));
    /* offsim's link queue has no limit; make drops by overflow unlikely. */
    p2p.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("100000p"));
    dev = p2p.Install(a->node, b->node);
    if (cfg->loss > 0) {
        for (uint32_t i = 0; i < 2; i++) {
            Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
            em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
            em->SetAttribute("ErrorRate", DoubleValue(cfg->loss));
            dev.Get(i)->SetAttribute("ReceiveErrorModel", PointerValue(em));
        }
    }
    ip.SetBase(Ipv4Address(cfg->net), Ipv4Mask("255.255.255.0"));
    ifs = ip.Assign(dev);
    /* Assign installs a default queue disc (FqCoDel); offsim models none. */
    tc.Uninstall(dev);
    *addr_a = ifs.GetAddress(0).Get();
    *addr_b = ifs.GetAddress(1).Get();
    return 0;
}

void
ns3c_routes(void)
{
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
}

void
ns3c_tcp_defaults(const ns3c_tcp_cfg* c)
{
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(c->mss));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(c->window));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(1u << 30));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(c->initial_cwnd));
    Config::SetDefault("ns3::TcpSocket::ConnTimeout", TimeValue(NanoSeconds(c->rto_initial)));
    Config::SetDefault("ns3::TcpSocket::DataRetries", UintegerValue(c->retries));
    Config::SetDefault("ns3::TcpSocket::ConnCount", UintegerValue(c->retries));
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(c->delack > 0 ? 2 : 1));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout",
                       TimeValue(NanoSeconds(c->delack > 0 ? c->delack : 1)));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(NanoSeconds(c->rto_min)));
    Config::SetDefault("ns3::TcpSocketBase::MaxSegLifetime",
                       DoubleValue((double)c->time_wait / 2e9));
    /* offsim's TCP has no options. */
    Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(false));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(false));
    Config::SetDefault("ns3::TcpSocketBase::WindowScaling", BooleanValue(false));
    Config::SetDefault("ns3::RttEstimator::InitialEstimation",
                       TimeValue(NanoSeconds(c->rto_initial)));
    /* offsim's NewReno (tcp.recovery = newreno): fast retransmit on the
     * third duplicate ACK and limited transmit, as ns-3's own defaults. */
    Config::SetDefault("ns3::TcpSocketBase::ReTxThreshold", UintegerValue(3));
    Config::SetDefault("ns3::TcpSocketBase::LimitedTransmit", BooleanValue(true));
}

ns3c_sock*
ns3c_sock_create(ns3c_node* n, const ns3c_sock_ops* ops, void* ctx)
{
    Ptr<OffsimTcpSocket> s = CreateObject<OffsimTcpSocket>();
    Ptr<TcpL4Protocol> tcp = TcpOf(n);

    s->SetNode(n->node);
    s->SetTcp(tcp);
    s->SetRtt(CreateObject<RttMeanDeviation>());
    s->SetCongestionControlAlgorithm(CreateObject<TcpNewReno>());
    s->SetRecoveryAlgorithm(CreateObject<TcpClassicRecovery>());
    tcp->AddSocket(s);
    return Wrap(s, n, ops, ctx);
}

void
ns3c_sock_set_ctx(ns3c_sock* s, void* ctx)
{
    s->ctx = ctx;
}

void
ns3c_sock_tap(ns3c_sock* s, const ns3c_sock_ops* ops, void* ctx)
{
    s->tap = ops;
    s->tap_ctx = ctx;
}

int
ns3c_sock_listen(ns3c_sock* s, uint16_t port)
{
    if (s->sock->Bind(InetSocketAddress(Ipv4Address::GetAny(), port)) != 0)
        return -1;
    s->sock->SetAcceptCallback(MakeCallback(&AcceptAll), MakeCallback(&OnAccept));
    return s->sock->Listen();
}

int
ns3c_sock_connect(ns3c_sock* s, uint32_t addr, uint16_t port, uint16_t* local_port)
{
    Address me;

    if (s->sock->Bind() != 0 || s->sock->GetSockName(me) != 0)
        return -1;
    *local_port = InetSocketAddress::ConvertFrom(me).GetPort();
    return s->sock->Connect(InetSocketAddress(Ipv4Address(addr), port));
}

int
ns3c_sock_send(ns3c_sock* s, uint32_t bytes)
{
    return s->sock->Send(Create<Packet>(bytes), 0) < 0 ? -1 : 0;
}

int
ns3c_sock_close(ns3c_sock* s)
{
    return s->sock->Close();
}

int
ns3c_sock_shutdown(ns3c_sock* s)
{
    return s->sock->ShutdownSend();
}

void
ns3c_sock_force_closed(ns3c_sock* s)
{
    s->sock->ForceClosed();
}

void
ns3c_sock_reset(ns3c_sock* s)
{
    s->sock->Reset();
}

int
ns3c_sock_state(const ns3c_sock* s)
{
    return s->sock->StateNow();
}

} /* extern "C" */
