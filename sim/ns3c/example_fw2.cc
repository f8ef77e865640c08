/*
 * example_fw2.cc - an ns-3 program that gives its server sockets the
 * offload target's FIN_WAIT_2 timer through libns3-c (README, "offsim
 * inside ns-3").
 *
 * A server sends each of three clients 10 kB and closes; the clients'
 * applications hang and never close, until they do at 200 s.  The server's
 * sockets go to FIN_WAIT_2 at once and then:
 *   conn 0  plain ns-3 3.37: stays in FIN_WAIT_2 (ns-3 has no timeout);
 *           the FIN at 200 s finds it there and it goes to TIME_WAIT
 *   conn 1  offloaded with ns3c_fw2_offload: CLOSED 120 s after entering
 *           FIN_WAIT_2 (R13, R15, R17); the FIN at 200 s meets an RST
 *   conn 2  the same, but uploaded at 60 s and offloaded again with the
 *           TimeoutDelta the upload returned (R19, R20): same deadline
 *
 * Build: with ns-3 installed, CMake builds it as ns3c_example.  Run it
 * with no arguments; each line it prints is one connection's story.
 */
#include <ns3/core-module.h>

#include <cinttypes>
#include <cstdio>

#include "ns3c/ns3c.h"

using namespace ns3;

namespace
{

const int kConns = 3;

struct Conn
{
    ns3c_sock* client = nullptr;
    ns3c_sock* server = nullptr;
    uint16_t client_port = 0;
    ns3c_fw2* fw2 = nullptr; /* while the target holds the server socket */
    double fw2_at = -1;      /* server entered FIN_WAIT_2 */
    double closed_at = -1;   /* server CLOSED */
    double expired_at = -1;  /* TimeoutExpiration indication */
    int64_t upload_delta = -2;
    int state_at_199 = -1;
    bool client_got_rst = false;
};

Conn g_conn[kConns];

double
Secs()
{
    return Simulator::Now().GetSeconds();
}

Conn*
ConnOfServer(ns3c_sock* s)
{
    for (Conn& c : g_conn)
        if (c.server == s)
            return &c;
    return nullptr;
}

/* The TimeoutExpiration indication: the host takes the connection back. */
void
Expired(void* ctx, ns3c_sock*)
{
    Conn* c = static_cast<Conn*>(ctx);

    c->expired_at = Secs();
    c->upload_delta = ns3c_fw2_upload(c->fw2); /* -1 after expiry (A5) */
    c->fw2 = nullptr;
}

void
ServerState(void*, ns3c_sock* s, int, int now)
{
    Conn* c = ConnOfServer(s);

    if (c == nullptr)
        return;
    if (now == TCP_S_FIN_WAIT_2 && c->fw2_at < 0)
        c->fw2_at = Secs();
    if (now == TCP_S_CLOSED && c->closed_at < 0)
        c->closed_at = Secs();
}

void
ServerAccept(void*, ns3c_sock*, ns3c_sock* s, uint32_t, uint16_t peer_port)
{
    for (int i = 0; i < kConns; i++) {
        Conn& c = g_conn[i];

        if (c.client_port != peer_port)
            continue;
        c.server = s;
        if (i > 0) {
            /* The host offloads the established connection to the target. */
            ns3c_fw2_cfg cfg = {120 * SIM_S, 1000, Expired, &c};
            c.fw2 = ns3c_fw2_offload(s, &cfg, -1);
        }
        ns3c_sock_send(s, 10000);
        ns3c_sock_close(s);
    }
}

void
ClientSegment(void* ctx, ns3c_sock*, uint32_t, uint32_t, uint8_t flags, uint32_t, uint32_t)
{
    if (flags & 0x04) /* RST */
        static_cast<Conn*>(ctx)->client_got_rst = true;
}

const ns3c_sock_ops kServerOps = {ServerState, nullptr, nullptr, ServerAccept, nullptr};
const ns3c_sock_ops kClientOps = {nullptr, ClientSegment, nullptr, nullptr, nullptr};

const char*
StateName(int s)
{
    return s >= 0 && s < TCP_S_N ? tcp_state_name[s] : "-";
}

} // namespace

int
main()
{
    sim* engine;
    uint32_t server_addr, client_addr;

    if (ns3c_sim_create(&engine) != 0)
        return 1;
    ns3c_node* server = ns3c_node_create();
    ns3c_node* client = ns3c_node_create();
    ns3c_link_cfg link = {10000000, 10 * SIM_MS, 0.0, (10u << 24) | (1u << 16)};
    if (ns3c_link(server, client, &link, &server_addr, &client_addr) != 0)
        return 1;
    ns3c_routes();

    ns3c_sock* listener = ns3c_sock_create(server, &kServerOps, nullptr);
    if (ns3c_sock_listen(listener, 80) != 0)
        return 1;
    for (Conn& c : g_conn) {
        c.client = ns3c_sock_create(client, &kClientOps, &c);
        if (ns3c_sock_connect(c.client, server_addr, 80, &c.client_port) != 0)
            return 1;
    }

    /* conn 2: a round trip through the host at 60 s (R20, then R19). */
    Simulator::Schedule(Seconds(60), [] {
        Conn& c = g_conn[2];
        int64_t delta = ns3c_fw2_upload(c.fw2);
        ns3c_fw2_cfg cfg = {120 * SIM_S, 1000, Expired, &c};

        std::printf("conn 2: uploaded at %.3f s with TimeoutDelta %" PRId64
                    " ticks, offloaded again with it\n",
                    Secs(), delta);
        c.fw2 = ns3c_fw2_offload(c.server, &cfg, delta);
    });
    Simulator::Schedule(Seconds(199), [] {
        for (Conn& c : g_conn)
            c.state_at_199 = ns3c_sock_state(c.server);
    });
    /* The clients' applications wake up and close. */
    Simulator::Schedule(Seconds(200), [] {
        for (Conn& c : g_conn)
            ns3c_sock_close(c.client);
    });
    Simulator::Stop(Seconds(300));
    Simulator::Run();

    for (int i = 0; i < kConns; i++) {
        const Conn& c = g_conn[i];

        std::printf("conn %d: %-22s FIN_WAIT_2 at %.3f s; at 199 s %s; ", i,
                    i == 0 ? "plain ns-3," : "offsim FIN_WAIT_2 timer,", c.fw2_at,
                    StateName(c.state_at_199));
        if (c.expired_at >= 0)
            std::printf("expired at %.3f s (%.3f s in FIN_WAIT_2); ", c.expired_at,
                        c.expired_at - c.fw2_at);
        std::printf("the client's FIN at 200 s met %s\n",
                    c.client_got_rst ? "an RST" : "a live socket");
    }
    if (g_conn[1].fw2 != nullptr)
        ns3c_fw2_upload(g_conn[1].fw2);
    if (g_conn[2].fw2 != nullptr)
        ns3c_fw2_upload(g_conn[2].fw2);
    ns3c_destroy();
    sim_destroy(engine);
    return 0;
}
