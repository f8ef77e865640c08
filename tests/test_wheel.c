/*
 * test_wheel.c - Linux's timer wheel lateness (host/wheel.h): never early,
 * late by less than the level's bucket plus a jiffy, the level chosen by
 * the distance, the measured figures of A11 reproduced, far timers capped.
 */
#include "check.h"
#include "host/wheel.h"

static const uint64_t all_hz[3] = {100, 250, 1000};

/* A spread of arming times: on a jiffy, just after one, anywhere. */
static sim_time probe_time(int k)
{
    return (sim_time)k * 7919 * SIM_US + (k % 3) * 1;
}

/* hz = 0: the host's timers fire exactly (the default). */
static void a11_zero_hz_is_exact(void)
{
    CHECK_EQ_I64(wheel_deadline(0, 123, 5 * SIM_S), 123 + 5 * SIM_S);
    CHECK_EQ_I64(wheel_deadline(0, 0, 1), 1);
}

/*
 * Never early; late by less than (bucket + 1) jiffies, the bucket 8^level
 * jiffies for the level whose range holds the timeout (63 x 8^level
 * jiffies and up); fired on a bucket boundary of that level.
 */
static void a11_wheel_never_early_and_late_by_less_than_a_bucket(void)
{
    static const sim_time delays[] = {1,          3 * SIM_MS,  100 * SIM_MS, 300 * SIM_MS,
                                      SIM_S,      3 * SIM_S,   5 * SIM_S,    20 * SIM_S,
                                      60 * SIM_S, 300 * SIM_S, 3600 * SIM_S};

    for (int i = 0; i < 3; i++) {
        sim_time jiffy = SIM_S / (sim_time)all_hz[i];

        for (int k = 0; k < 200; k++) {
            sim_time now = probe_time(k);

            for (size_t j = 0; j < sizeof delays / sizeof *delays; j++) {
                sim_time d = wheel_deadline(all_hz[i], now, delays[j]);
                int64_t t = (delays[j] + jiffy - 1) / jiffy, gran = 1;

                for (int64_t start = 63; t >= start; start *= 8)
                    gran *= 8;
                CHECK(d > now + delays[j]); /* calc_index rounds strictly up */
                CHECK(d - (now + delays[j]) < (gran + 1) * jiffy);
                CHECK_EQ_I64(d % (gran * jiffy), 0);
            }
        }
    }
}

/*
 * The figures of README and DESIGN.md at HZ = 250 (4 ms jiffies): 2-16 s
 * timers up to 256 ms late (plus the jiffy), 16-129 s up to 2.048 s; the
 * measurements on a 6.x kernel, tcp_fin_timeout 5 s -> 5.18 s and 60 s ->
 * 60.5 s, are what the wheel gives when armed 196 ms and 940 ms after a
 * bucket boundary.
 */
static void a11_wheel_reproduces_the_measured_figures(void)
{
    /* From t = 0: 5 s = 1250 jiffies, level 2 (64 jiffies): 1280 -> 5.12 s;
     * 60 s = 15000 jiffies, level 3 (512): 15360 -> 61.44 s. */
    CHECK_EQ_I64(wheel_deadline(250, 0, 5 * SIM_S), 5120 * SIM_MS);
    CHECK_EQ_I64(wheel_deadline(250, 0, 60 * SIM_S), 61440 * SIM_MS);
    CHECK_EQ_I64(wheel_deadline(250, 196 * SIM_MS, 5 * SIM_S) - 196 * SIM_MS, 5180 * SIM_MS);
    CHECK_EQ_I64(wheel_deadline(250, 940 * SIM_MS, 60 * SIM_S) - 940 * SIM_MS, 60500 * SIM_MS);
    /* The worst cases: armed just after a boundary. */
    CHECK(wheel_deadline(250, 1, 5 * SIM_S) - 1 - 5 * SIM_S <= 260 * SIM_MS);
    CHECK(wheel_deadline(250, 1, 60 * SIM_S) - 1 - 60 * SIM_S <= 2052 * SIM_MS);
    /* Level 0 (below 252 ms): the next jiffy after the expiry. */
    CHECK_EQ_I64(wheel_deadline(250, 0, 100 * SIM_MS), 104 * SIM_MS);
}

/* Beyond the last level the kernel caps a timer at WHEEL_TIMEOUT_MAX. */
static void a11_wheel_caps_far_timers(void)
{
    /* HZ 250: 9 levels; cutoff 63 << 24 jiffies, max cutoff - 8^8. */
    sim_time max = (sim_time)((63ull << 24) - (1ull << 24)) * 4 * SIM_MS;

    CHECK_EQ_I64(wheel_deadline(250, 0, 10000000 * SIM_S), max + (1ll << 24) * 4 * SIM_MS);
    CHECK(wheel_deadline(250, 0, 10000000 * SIM_S) < 10000000 * SIM_S);
}

static void a11_valid_hz(void)
{
    CHECK(wheel_hz_valid(100) && wheel_hz_valid(250) && wheel_hz_valid(1000));
    CHECK(!wheel_hz_valid(0) && !wheel_hz_valid(300) && !wheel_hz_valid(60));
}

static const check_test tests[] = {
    CHECK_TEST(a11_zero_hz_is_exact),
    CHECK_TEST(a11_wheel_never_early_and_late_by_less_than_a_bucket),
    CHECK_TEST(a11_wheel_reproduces_the_measured_figures),
    CHECK_TEST(a11_wheel_caps_far_timers),
    CHECK_TEST(a11_valid_hz),
};
CHECK_MAIN(tests)
