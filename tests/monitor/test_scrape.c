/* The JMX exporter sampler's extraction from a real /metrics page of the test cluster and from
 * hand-made pages, bad labels, and HTTP failures named by URL (refused port, unsupported URL). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/scrape.h"
#include "tests/harness.h"

static int extract_named(const char *text, const struct mon_metric_names *names,
                         struct mon_broker_scrape *s, struct error *err)
{
    struct mon_expo *e = NULL;
    int rc = mon_expo_parse(text, strlen(text), "page", NULL, &e, err);
    if (rc < 0)
        return rc;
    memset(s, 0, sizeof(*s));
    rc = mon_scrape_extract(e, names, "page", s, err);
    mon_expo_destroy(e);
    return rc;
}

static int extract(const char *text, struct mon_broker_scrape *s, struct error *err)
{
    return extract_named(text, NULL, s, err);
}

TEST(real_page_from_the_test_cluster)
{
    const char *path = test_data("monitor/expo/real-kafka-4.1.1-jmx-exporter-1.0.1.prom");
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    struct mon_broker_scrape s;
    struct error err = {0};
    CHECK_INT_EQ(extract(buf, &s, &err), 0);
    CHECK_NEAR(s.bytes_in, 675963, 0);
    CHECK_NEAR(s.repl_bytes_in, 674952, 0);
    CHECK_NEAR(s.repl_bytes_out, 675963, 0);
    CHECK(s.cpu_seconds > 0);
    CHECK_INT_EQ(s.ntopics, 1);
    CHECK_STR_EQ(s.topics[0].topic, "alpha");
    CHECK_NEAR(s.topics[0].bytes_in, 675963, 0);
    CHECK(isnan(s.topics[0].bytes_out)); /* no consumer yet: no series */
    CHECK_INT_EQ(s.nparts, 3); /* __cluster_metadata-0, alpha-0, alpha-2, sorted */
    CHECK_STR_EQ(s.parts[1].topic, "alpha");
    CHECK_INT_EQ(s.parts[2].partition, 2);
    char names[256];
    CHECK_INT_EQ(mon_scrape_missing(&s, NULL, true, names, sizeof(names)), 0);
    CHECK_STR_EQ(names, "");
    mon_broker_scrape_finish(&s);
    free(buf);
}

TEST(names_the_page_lacks_are_listed)
{
    struct mon_broker_scrape s;
    struct error err = {0};
    /* rules that name the replication series otherwise and keep no CPU or log size */
    CHECK_INT_EQ(extract("kafka_server_brokertopicmetrics_bytesin_total 10\n"
                         "kafka_server_brokertopicmetrics_bytesout_total 3\n"
                         "kafka_server_brokertopicmetrics_replicationbytesin 4\n"
                         "kafka_server_brokertopicmetrics_replicationbytesout_total 5\n",
                         &s, &err), 0);
    char names[256];
    CHECK_INT_EQ(mon_scrape_missing(&s, NULL, true, names, sizeof(names)), 3);
    CHECK_STR_EQ(names, "kafka_server_brokertopicmetrics_replicationbytesin_total, "
                        "kafka_log_log_size, process_cpu_seconds_total");
    /* a broker without replicas has no log size to show */
    CHECK_INT_EQ(mon_scrape_missing(&s, NULL, false, names, sizeof(names)), 2);
    CHECK_STR_EQ(names, "kafka_server_brokertopicmetrics_replicationbytesin_total, "
                        "process_cpu_seconds_total");
    /* the configured names are the ones named */
    struct mon_metric_names nm = mon_default_metric_names;
    nm.repl_bytes_in = "kafka_server_brokertopicmetrics_replicationbytesin";
    mon_broker_scrape_finish(&s);
    CHECK_INT_EQ(extract_named("kafka_server_brokertopicmetrics_replicationbytesin 4\n", &nm, &s,
                               &err), 0);
    CHECK_INT_EQ(mon_scrape_missing(&s, &nm, false, names, 40), 4); /* cut short, counted */
    CHECK_STR_EQ(names, "kafka_server_brokertopicmetrics_bytesin");
    mon_broker_scrape_finish(&s);
}

TEST(series_merge_and_sum)
{
    struct mon_broker_scrape s;
    struct error err = {0};
    CHECK_INT_EQ(extract("kafka_server_brokertopicmetrics_bytesout_total{topic=\"b\"} 5\n"
                         "kafka_server_brokertopicmetrics_bytesin_total{topic=\"b\"} 7\n"
                         "kafka_server_brokertopicmetrics_bytesin_total{topic=\"a\",x=\"1\"} 1\n"
                         "kafka_server_brokertopicmetrics_bytesin_total{topic=\"a\",x=\"2\"} 2\n"
                         "kafka_server_brokertopicmetrics_bytesin_total 10\n",
                         &s, &err), 0);
    CHECK_INT_EQ(s.ntopics, 2);
    CHECK_STR_EQ(s.topics[0].topic, "a");
    CHECK_NEAR(s.topics[0].bytes_in, 3, 0);
    CHECK_NEAR(s.topics[1].bytes_in, 7, 0);
    CHECK_NEAR(s.topics[1].bytes_out, 5, 0);
    CHECK_NEAR(s.bytes_in, 10, 0);
    CHECK(isnan(s.bytes_out) && isnan(s.cpu_seconds));
    mon_broker_scrape_finish(&s);
}

TEST(bad_log_size_labels_are_located)
{
    struct mon_broker_scrape s;
    struct error err = {0};
    CHECK_INT_EQ(extract("ok 1\nkafka_log_log_size{topic=\"a\",partition=\"x\"} 1\n", &s, &err),
                 -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "page:2: 'kafka_log_log_size' needs labels topic and partition");
    CHECK_INT_EQ(extract("kafka_log_log_size{partition=\"1\"} 1\n", &s, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "page:1:");
}

TEST(http_failures_name_the_url)
{
    char *body = NULL;
    size_t len = 0;
    struct error err = {0};
    struct mon_http_opts o = {2000, 0};
    /* port 1 on loopback: nothing listens there */
    int rc = mon_http_get("http://127.0.0.1:1/metrics", &o, &body, &len, &err);
    CHECK(rc == -ECONNREFUSED || rc == -EIO);
    CHECK_STR_CONTAINS(err.msg, "http://127.0.0.1:1/metrics: ");
    CHECK(body == NULL);
    rc = mon_http_get("gopher://127.0.0.1/x", &o, &body, &len, &err);
    CHECK_INT_EQ(rc, -EIO);
    CHECK_STR_CONTAINS(err.msg, "gopher://127.0.0.1/x: ");
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
