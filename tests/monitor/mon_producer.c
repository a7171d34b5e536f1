/* Produces to one topic at a steady rate through librdkafka, for the load monitor's test:
 *
 *   mon_producer BOOTSTRAP TOPIC PARTITIONS BYTES_PER_SEC SECONDS VALUE_SIZE
 *
 * Records of VALUE_SIZE bytes go round-robin to partitions 0..PARTITIONS-1, paced every 10 ms
 * so that the value bytes per second match BYTES_PER_SEC. Prints "produced N bytes in S s"
 * and exits 0 when every record was delivered.
 *
 * With MON_PRODUCER_LOG=FILE it also appends "EPOCH_SECONDS ACKED_BYTES" every 0.25 s: the
 * value bytes the brokers have acknowledged so far, so a test can compare estimates with the
 * rate actually produced over any interval (a loaded machine does not keep the pace). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long failed;
static double acked;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    if (m->err)
        failed++;
    else
        acked += (double)m->len;
}

static void log_acked(FILE *log)
{
    if (!log)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(log, "%.3f %.0f\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, acked);
    fflush(log);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: mon_producer BOOTSTRAP TOPIC PARTITIONS BYTES_PER_SEC SECONDS "
                        "VALUE_SIZE\n");
        return 2;
    }
    const char *topic = argv[2];
    int parts = atoi(argv[3]);
    double rate = atof(argv[4]), secs = atof(argv[5]);
    size_t size = (size_t)atol(argv[6]);
    if (parts < 1 || rate <= 0 || secs <= 0 || size < 1 || size > 1000000) {
        fprintf(stderr, "mon_producer: bad arguments\n");
        return 2;
    }
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "acks", "1", err, sizeof(err)) ||
        rd_kafka_conf_set(conf, "compression.codec", "none", err, sizeof(err))) {
        fprintf(stderr, "mon_producer: %s\n", err);
        return 2;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (!rk) {
        fprintf(stderr, "mon_producer: %s\n", err);
        return 2;
    }
    char *value = malloc(size);
    for (size_t i = 0; i < size; i++)
        value[i] = (char)('a' + i % 26);
    const char *log_path = getenv("MON_PRODUCER_LOG");
    FILE *log = log_path && *log_path ? fopen(log_path, "w") : NULL;
    if (log_path && *log_path && !log) {
        fprintf(stderr, "mon_producer: cannot write %s\n", log_path);
        return 2;
    }
    double start = now_s(), sent = 0, last_log = 0;
    long n = 0;
    log_acked(log);
    while (now_s() - start < secs) {
        if (now_s() - last_log >= 0.25) {
            log_acked(log);
            last_log = now_s();
        }
        double due = rate * (now_s() - start);
        while (sent + (double)size <= due) {
            rd_kafka_resp_err_t e = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION((int32_t)(n % parts)),
                RD_KAFKA_V_VALUE(value, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_END);
            if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                rd_kafka_poll(rk, 10);
                continue;
            }
            if (e) {
                fprintf(stderr, "mon_producer: %s\n", rd_kafka_err2str(e));
                return 1;
            }
            sent += (double)size;
            n++;
        }
        rd_kafka_poll(rk, 10);
    }
    double took = now_s() - start;
    rd_kafka_flush(rk, 30000);
    log_acked(log);
    if (log)
        fclose(log);
    rd_kafka_destroy(rk);
    free(value);
    printf("produced %.0f bytes in %.1f s (%ld records, %ld failed)\n", sent, took, n, failed);
    return failed ? 1 : 0;
}
