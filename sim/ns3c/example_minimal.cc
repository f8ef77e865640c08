/*
 * example_minimal.cc - the README's ns-3 program ("offsim on ns-3"): a
 * server socket whose client never closes, closed by libns3-c's FIN_WAIT_2
 * timer.  README.md shows this file verbatim (tests/ns3_example_test.sh).
 */
#include <ns3/core-module.h>

#include <cstdio>

#include "ns3c/ns3c.h"

struct Conn
{
    ns3c_fw2* fw2;
};

/* The target's TimeoutExpiration indication (R17): the socket is CLOSED
 * already, its endpoint released; the host takes the connection back. */
static void
Expired(void* ctx, ns3c_sock* s)
{
    Conn* c = static_cast<Conn*>(ctx);

    std::printf("%.3f s: FIN_WAIT_2 timer expired, socket %s\n", (double)ns3c_now() / SIM_S,
                tcp_state_name[ns3c_sock_state(s)]);
    ns3c_fw2_upload(c->fw2); /* the TimeoutDelta: -1 after expiry (A5) */
    delete c;
}

/* The listener's accept: the host offloads each new connection. */
static void
Accept(void*, ns3c_sock*, ns3c_sock* s, uint32_t, uint16_t)
{
    Conn* c = new Conn;
    ns3c_fw2_cfg cfg = {120 * SIM_S, 1000, Expired, c}; /* 120 s on a 1 ms tick */

    c->fw2 = ns3c_fw2_offload(s, &cfg, -1); /* -1: no timer handed over */
    ns3c_sock_send(s, 10000);
    ns3c_sock_close(s); /* FIN_WAIT_2 once the client ACKs our FIN */
}

int
main()
{
    static const ns3c_sock_ops server_ops = {nullptr, nullptr, nullptr, Accept, nullptr};
    static const ns3c_sock_ops client_ops = {nullptr, nullptr, nullptr, nullptr, nullptr};
    sim* engine;
    uint32_t server_addr, client_addr;
    uint16_t port;

    ns3c_sim_create(&engine); /* offsim's timers on ns-3's scheduler */
    ns3c_node* server = ns3c_node_create();
    ns3c_node* client = ns3c_node_create();
    ns3c_link_cfg link = {10000000, 10 * SIM_MS, 0.0, (10u << 24) | (1u << 16)};
    ns3c_link(server, client, &link, &server_addr, &client_addr);
    ns3c_routes();
    ns3c_sock_listen(ns3c_sock_create(server, &server_ops, nullptr), 80);
    ns3c_sock_connect(ns3c_sock_create(client, &client_ops, nullptr), server_addr, 80, &port);

    ns3::Simulator::Stop(ns3::Seconds(300)); /* the client never closes */
    ns3::Simulator::Run();
    ns3c_destroy();
    sim_destroy(engine);
}
