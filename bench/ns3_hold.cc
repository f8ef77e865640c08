/*
 * ns3_hold.cc - the hold model on ns-3's simulator, for comparison with
 * bench_hold (same model, same increments): N events pending; each event
 * run schedules one more at now + Exp(1 ms).  The increments come from the
 * same table of 2^20 Philox draws as bench_hold, so both measure their
 * event engine, not a random number generator.
 *
 *     bench_ns3_hold [--scheduler map|heap|priority|calendar] [--reps R] [--events E]
 *                    [--cpu] [N...]
 *
 * Prints, for each N, the median over R repetitions of million events per
 * second (of the process's CPU time with --cpu, as bench_hold).  ns-3's default scheduler is map (a std::map); priority is its
 * fastest at large N (DESIGN.md, performance notes).
 */
#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <ns3/core-module.h>

extern "C" {
#include "engine/rng.h"
}

using namespace ns3;

static std::vector<int64_t> g_incr;
static uint32_t g_next;
static uint64_t g_done, g_warm, g_target;
static double g_t0;
static bool g_cpu; /* --cpu: the process's CPU time, not the wall clock */

/* Seconds on the clock the figures are measured with. */
static double Clock()
{
    struct timespec ts;

    clock_gettime(g_cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void Hold()
{
    if (++g_done == g_warm)
        g_t0 = Clock(); /* warm-up over: one event per pending */
    if (g_done == g_target) {
        Simulator::Stop();
        return;
    }
    Simulator::Schedule(NanoSeconds(g_incr[g_next++ & (g_incr.size() - 1)]), &Hold);
}

static double Once(const std::string &sched, size_t n, uint64_t events)
{
    ObjectFactory f;

    f.SetTypeId(sched == "heap"       ? "ns3::HeapScheduler"
                : sched == "priority" ? "ns3::PriorityQueueScheduler"
                : sched == "calendar" ? "ns3::CalendarScheduler"
                                      : "ns3::MapScheduler");
    Simulator::SetScheduler(f);
    g_next = 0;
    /* Warm-up: one event per pending event before timing, as bench_hold. */
    g_done = 0;
    g_warm = n;
    g_target = n + events;
    for (size_t i = 0; i < n; i++)
        Simulator::Schedule(NanoSeconds(g_incr[g_next++ & (g_incr.size() - 1)]), &Hold);
    Simulator::Run();
    double secs = Clock() - g_t0;
    double rate = (double)events / secs / 1e6;
    Simulator::Destroy();
    return rate;
}

int main(int argc, char **argv)
{
    std::string sched = "map";
    int reps = 5;
    uint64_t events = 20000000;
    std::vector<size_t> ns;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--scheduler") && i + 1 < argc)
            sched = argv[++i];
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cpu"))
            g_cpu = true;
        else if (!strcmp(argv[i], "--events") && i + 1 < argc)
            events = strtoull(argv[++i], nullptr, 10);
        else
            ns.push_back((size_t)strtod(argv[i], nullptr));
    }
    if (ns.empty())
        ns = {1000, 100000, 1000000};
    rng_stream r;
    dist e = {DIST_EXP, 1e6, 0};
    rng_init(&r, 1, 0, 0);
    g_incr.resize(1u << 20);
    for (auto &x : g_incr)
        x = dist_sample_time(&e, &r);
    printf("%-10s %12s  (ns-3 %s scheduler, hold model, median of %d, %s time)\n", "pending",
           "Mevents/s", sched.c_str(), reps, g_cpu ? "CPU" : "wall");
    for (size_t n : ns) {
        std::vector<double> v;
        for (int i = 0; i < reps; i++)
            v.push_back(Once(sched, n, events));
        std::sort(v.begin(), v.end());
        printf("%-10zu %12.2f\n", n, v[v.size() / 2]);
    }
    return 0;
}
