/* Cruise Control metrics records: encode/decode of each class, every malformed case with the
 * byte it names, newer versions and types told apart, and records turned into rates (broker
 * and topic rates as they are, CPU load as percent, partition sizes as growth). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/ccmetrics.h"
#include "tests/harness.h"

static size_t enc(struct mon_cc_record r, uint8_t *buf)
{
    return mon_cc_encode(&r, buf, 512);
}

TEST(records_round_trip)
{
    uint8_t buf[512];
    struct mon_cc_record r;
    struct error err = {0};
    size_t n = enc((struct mon_cc_record){MON_CC_BROKER, MON_CC_ALL_TOPIC_BYTES_IN,
                                          1700000000123LL, 7, NULL, 0, -1, 1262094.5}, buf);
    CHECK_INT_EQ(n, 23);
    CHECK_INT_EQ(buf[0], 0);
    CHECK_INT_EQ(buf[3 + 7], 0x7b); /* big-endian time: low byte last */
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), 0);
    CHECK_INT_EQ(r.time_ms, 1700000000123LL);
    CHECK_INT_EQ(r.broker_id, 7);
    CHECK_NEAR(r.value, 1262094.5, 0);
    CHECK(r.topic == NULL);
    n = enc((struct mon_cc_record){MON_CC_PARTITION, MON_CC_PARTITION_SIZE, 5, 2, "alpha", 5, 3,
                                   1e9}, buf);
    CHECK_INT_EQ(n, 23 + 4 + 5 + 4);
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), 0);
    CHECK_INT_EQ(r.topic_len, 5);
    CHECK(memcmp(r.topic, "alpha", 5) == 0);
    CHECK_INT_EQ(r.partition, 3);
    CHECK_INT_EQ(mon_cc_encode(&r, buf, 10), 36); /* too small: the length it needs */
}

TEST(bad_records_name_the_byte)
{
    uint8_t buf[512];
    struct mon_cc_record r;
    struct error err = {0};
    size_t n = enc((struct mon_cc_record){MON_CC_TOPIC, MON_CC_TOPIC_BYTES_IN, 5, 2, "alpha", 5,
                                          -1, 1}, buf);
    for (size_t k = 0; k < n; k++) {
        CHECK_INT_EQ(mon_cc_decode(buf, k, &r, &err), -EINVAL);
        CHECK_STR_CONTAINS(err.msg, "byte ");
    }
    CHECK_INT_EQ(mon_cc_decode(buf, 10, &r, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "byte 10: record ends inside its time and broker id");
    buf[15] = 0x10; /* topic length 0x10000005 */
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "byte 15: topic length 268435461 (1..249)");
    buf[15] = 0;
    buf[19 + 2] = '/';
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "byte 21: topic has byte 0x2f (topics are [a-zA-Z0-9._-])");
    buf[19 + 2] = 'p';
    buf[2] = MON_CC_PARTITION_SIZE;
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "byte 2: raw metric type 4 is a partition metric in a topic record");
    buf[2] = 42;
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "byte 2: raw metric type 42 is a broker metric in a topic record");
    buf[2] = 43;
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), -ENOTSUP);
    CHECK_STR_EQ(err.msg, "byte 2: unknown raw metric type 43");
    buf[2] = MON_CC_TOPIC_BYTES_IN;
    buf[1] = 1;
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), -ENOTSUP);
    CHECK_STR_EQ(err.msg, "byte 1: topic metric version 1 (this decoder reads 0)");
    buf[1] = 0;
    buf[0] = 9;
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "byte 0: unknown metric class id 9 (0 broker, 1 topic, 2 partition)");
    buf[0] = 1;
    CHECK_INT_EQ(mon_cc_decode(buf, n + 1, &r, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "byte 32: 1 bytes after the value");
    CHECK_INT_EQ(mon_cc_decode(buf, n, &r, &err), 0);
}

TEST(records_become_rates)
{
    struct mon_cc_record recs[] = {
        {MON_CC_BROKER, MON_CC_ALL_TOPIC_BYTES_IN, 1000, 1, NULL, 0, -1, 100},
        {MON_CC_BROKER, MON_CC_ALL_TOPIC_REPLICATION_BYTES_IN, 1000, 1, NULL, 0, -1, 50},
        {MON_CC_BROKER, MON_CC_BROKER_CPU_UTIL, 1000, 1, NULL, 0, -1, 0.25},
        {MON_CC_BROKER, 19, 1000, 1, NULL, 0, -1, 0.9}, /* handler idle: not used */
        {MON_CC_TOPIC, MON_CC_TOPIC_BYTES_OUT, 1000, 2, "alpha", 5, -1, 30},
        {MON_CC_PARTITION, MON_CC_PARTITION_SIZE, 61000, 2, "alpha", 5, 0, 7000},
        {MON_CC_PARTITION, MON_CC_PARTITION_SIZE, 1000, 2, "alpha", 5, 0, 1000},
        {MON_CC_PARTITION, MON_CC_PARTITION_SIZE, 1000, 2, "alpha", 5, 1, 1000},
        {MON_CC_PARTITION, MON_CC_PARTITION_SIZE, 31000, 2, "alpha", 5, 1, 400},
        {MON_CC_PARTITION, MON_CC_PARTITION_SIZE, 1000, 3, "alpha", 5, 0, 5},
    };
    struct mon_rates out = {0};
    mon_cc_to_rates(recs, (int32_t)(sizeof(recs) / sizeof(recs[0])), &out);
    CHECK_INT_EQ(out.n, 6);
    CHECK_INT_EQ(out.v[0].kind, MON_RATE_BYTES_IN);
    CHECK_NEAR(out.v[0].value, 100, 0);
    CHECK_INT_EQ(out.v[1].kind, MON_RATE_REPL_IN);
    CHECK_INT_EQ(out.v[2].kind, MON_RATE_CPU_PCT);
    CHECK_NEAR(out.v[2].value, 25, 1e-9);
    CHECK_INT_EQ(out.v[3].kind, MON_RATE_TOPIC_OUT);
    CHECK_STR_EQ(out.v[3].topic, "alpha");
    CHECK_INT_EQ(out.v[4].kind, MON_RATE_GROWTH);
    CHECK_INT_EQ(out.v[4].partition, 0);
    CHECK_NEAR(out.v[4].value, 100, 1e-9); /* 6000 bytes in 60 s */
    CHECK_INT_EQ(out.v[4].t_ms, 61000);
    CHECK_INT_EQ(out.v[5].partition, 1);
    CHECK_NEAR(out.v[5].value, 0, 0); /* shrank */
    mon_rates_finish(&out);
    CHECK_STR_EQ(mon_cc_type_name(MON_CC_TOPIC_BYTES_IN), "TOPIC_BYTES_IN");
    CHECK(mon_cc_type_name(7) == NULL);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
