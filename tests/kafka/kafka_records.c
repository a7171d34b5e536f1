/* Produces records whose content can be checked, and checks them, through librdkafka:
 *
 *   kafka_records produce BOOTSTRAP TOPIC PARTITIONS COUNT SIZE
 *   kafka_records verify  BOOTSTRAP TOPIC PARTITIONS COUNT
 *
 * Record i goes to partition i mod PARTITIONS with key "i" and a value of SIZE bytes derived
 * from i (a seeded stream), so verify can regenerate every value and tell a lost, duplicated
 * or corrupted record from an intact one. verify reads every partition from the start until
 * it has seen COUNT distinct keys (60 s at most) and prints "N intact of COUNT". Exit 0 only
 * when all are intact. */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fill(uint8_t *buf, size_t n, uint64_t i)
{
    uint64_t s = i * 0x9E3779B97F4A7C15ull + 7;
    for (size_t k = 0; k < n; k++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        buf[k] = (uint8_t)s;
    }
}

static rd_kafka_t *client(rd_kafka_type_t type, const char *bootstrap)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
    if (type == RD_KAFKA_PRODUCER) {
        rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err));
        rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof(err));
    } else {
        char group[64];
        snprintf(group, sizeof(group), "ballast-verify-%ld", (long)time(NULL));
        rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err));
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof(err));
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "kafka_records: %s\n", err);
        exit(2);
    }
    return rk;
}

static int produce(const char *bootstrap, const char *topic, int parts, long count, long size)
{
    rd_kafka_t *rk = client(RD_KAFKA_PRODUCER, bootstrap);
    uint8_t *buf = malloc((size_t)size);
    for (long i = 0; i < count; i++) {
        char key[32];
        int klen = snprintf(key, sizeof(key), "%ld", i);
        fill(buf, (size_t)size, (uint64_t)i);
        rd_kafka_resp_err_t e;
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
                                      RD_KAFKA_V_PARTITION((int32_t)(i % parts)),
                                      RD_KAFKA_V_KEY(key, (size_t)klen),
                                      RD_KAFKA_V_VALUE(buf, (size_t)size),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 100);
        if (e) {
            fprintf(stderr, "kafka_records: produce: %s\n", rd_kafka_err2str(e));
            return 1;
        }
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(rk, 60000);
    free(buf);
    rd_kafka_destroy(rk);
    if (e) {
        fprintf(stderr, "kafka_records: flush: %s\n", rd_kafka_err2str(e));
        return 1;
    }
    printf("produced %ld records of %ld bytes\n", count, size);
    return 0;
}

static int verify(const char *bootstrap, const char *topic, int parts, long count)
{
    rd_kafka_t *rk = client(RD_KAFKA_CONSUMER, bootstrap);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++)
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    char *seen = calloc((size_t)count, 1);
    long intact = 0, bad = 0, dup = 0;
    uint8_t *expect = NULL;
    size_t expect_len = 0;
    time_t deadline = time(NULL) + 60;
    while (intact + bad < count && time(NULL) < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                fprintf(stderr, "kafka_records: consume: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        char key[32] = {0};
        memcpy(key, m->key, m->key_len < 31 ? m->key_len : 31);
        long i = strtol(key, NULL, 10);
        if (i < 0 || i >= count || m->partition != (int32_t)(i % parts)) {
            bad++;
        } else if (seen[i]) {
            dup++;
        } else {
            if (expect_len < m->len) {
                free(expect);
                expect = malloc(m->len);
                expect_len = m->len;
            }
            fill(expect, m->len, (uint64_t)i);
            seen[i] = 1;
            if (memcmp(expect, m->payload, m->len) == 0)
                intact++;
            else
                bad++;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    printf("%ld intact of %ld (%ld corrupt, %ld duplicates)\n", intact, count, bad, dup);
    free(seen);
    free(expect);
    return intact == count && bad == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "produce") == 0)
        return produce(argv[2], argv[3], atoi(argv[4]), atol(argv[5]), atol(argv[6]));
    if (argc == 6 && strcmp(argv[1], "verify") == 0)
        return verify(argv[2], argv[3], atoi(argv[4]), atol(argv[5]));
    fprintf(stderr, "usage: kafka_records produce BOOTSTRAP TOPIC PARTITIONS COUNT SIZE\n"
                    "       kafka_records verify BOOTSTRAP TOPIC PARTITIONS COUNT\n");
    return 2;
}
