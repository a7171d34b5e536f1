/* Writes Cruise Control metrics reporter records (monitor/ccmetrics.h's format, encoded by
 * mon_cc_encode) to a topic, standing in for CruiseControlMetricsReporter in the sampler's
 * cluster test, since the reporter is not on Maven Central:
 *
 *   cc_producer BOOTSTRAP TOPIC < spec
 *
 * Each spec line is "CLASS TYPE AGE_MS BROKER TOPIC PARTITION VALUE" (TOPIC '-' and PARTITION
 * -1 where the class has none; time = now - AGE_MS), or "RAW HEX" for a record value given as
 * bytes. Keys are as the reporter writes them (the topic for topic records, else the broker
 * id), the record time as the message timestamp, gzip, as the reporter's producer does. Exits 0 when every record was delivered. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/ccmetrics.h"
#include "monitor/scrape.h"

static long failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    if (m->err)
        failed++;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: cc_producer BOOTSTRAP TOPIC < spec\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "compression.codec", "gzip", err, sizeof(err))) {
        fprintf(stderr, "cc_producer: %s\n", err);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "cc_producer: %s\n", err);
        return 2;
    }
    int64_t now = clock_wall_ms();
    char line[1024];
    long n = 0;
    while (fgets(line, sizeof(line), stdin)) {
        uint8_t buf[512];
        size_t len = 0;
        char key[300] = "";
        char topic[256];
        unsigned cls, type;
        long long age;
        int broker, part;
        double value;
        char hex[1000];
        age = 0;
        if (sscanf(line, "RAW %999s", hex) == 1) {
            for (size_t i = 0; hex[2 * i] && hex[2 * i + 1] && len < sizeof(buf); i++) {
                unsigned b;
                sscanf(hex + 2 * i, "%2x", &b);
                buf[len++] = (uint8_t)b;
            }
            snprintf(key, sizeof(key), "raw");
        } else if (sscanf(line, "%u %u %lld %d %255s %d %lf", &cls, &type, &age, &broker, topic,
                          &part, &value) == 7) {
            struct mon_cc_record r = {(enum mon_cc_class)cls, (uint8_t)type, now - age, broker,
                                      cls ? topic : NULL, cls ? (int32_t)strlen(topic) : 0,
                                      part, value};
            len = mon_cc_encode(&r, buf, sizeof(buf));
            snprintf(key, sizeof(key), "%s", cls == MON_CC_TOPIC ? topic : "");
            if (cls != MON_CC_TOPIC)
                snprintf(key, sizeof(key), "%d", broker);
        } else {
            if (line[0] != '\n' && line[0] != '#') {
                fprintf(stderr, "cc_producer: bad spec line: %s", line);
                return 2;
            }
            continue;
        }
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(argv[2]), RD_KAFKA_V_KEY(key, strlen(key)),
            RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_TIMESTAMP(now - age),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e) {
            fprintf(stderr, "cc_producer: %s\n", rd_kafka_err2str(e));
            return 1;
        }
        n++;
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 30000);
    rd_kafka_destroy(rk);
    printf("produced %ld records, %ld failed\n", n, failed);
    return failed ? 1 : 0;
}
