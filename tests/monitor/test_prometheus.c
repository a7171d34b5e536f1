/* The Prometheus sampler: query_range replies parsed strictly (every bad field named with the
 * query), the server's error replies, the request URL (percent-encoding), series mapped to
 * brokers by table or by number, merged and skipped series, and whole rounds against a small
 * HTTP server on loopback (canned replies, an error status, a server that never answers, a
 * reply over the size limit, a request to a silent server cancelled by another thread). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "monitor/prometheus.h"
#include "monitor/scrape.h"
#include "tests/harness.h"

static const char *const good =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
    "{\"metric\":{\"instance\":\"127.0.0.1:9404\",\"topic\":\"alpha\"},"
    "\"values\":[[1700000000,\"100\"],[1700000002.5,\"NaN\"],[1700000005,\"300.5\"]]},"
    "{\"metric\":{\"instance\":\"2\",\"topic\":\"alpha\"},\"values\":[[1700000000,\"1e3\"]]},"
    "{\"metric\":{\"instance\":\"other:1\",\"topic\":\"beta\"},\"values\":[[1700000000,\"5\"]]}"
    "]}}";

static int parse(const char *body, long status, struct mon_prom_matrix *m, struct error *err)
{
    memset(m, 0, sizeof(*m));
    return mon_prom_parse(body, strlen(body), status, "query q", m, err);
}

TEST(matrix_parses)
{
    struct mon_prom_matrix m;
    struct error err = {0};
    CHECK_INT_EQ(parse(good, 200, &m, &err), 0);
    CHECK_INT_EQ(m.nseries, 3);
    CHECK_STR_EQ(mon_prom_label(&m.series[0], "topic"), "alpha");
    CHECK(mon_prom_label(&m.series[0], "partition") == NULL);
    CHECK_INT_EQ(m.series[0].npoints, 3);
    CHECK_INT_EQ(m.series[0].t_ms[1], 1700000002500LL);
    CHECK(isnan(m.series[0].values[1]));
    CHECK_NEAR(m.series[0].values[2], 300.5, 0);
    CHECK_NEAR(m.series[1].values[0], 1000, 0);
    mon_prom_matrix_finish(&m);
    CHECK_INT_EQ(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
                       200, &m, &err), 0);
    CHECK_INT_EQ(m.nseries, 0);
    mon_prom_matrix_finish(&m);
}

TEST(bad_replies_name_the_query_and_field)
{
    static const struct {
        const char *body;
        long status;
        int rc;
        const char *msg;
    } cases[] = {
        {"<html>", 200, -EINVAL, "query q: the reply is not JSON"},
        {"<html>", 502, -EREMOTEIO, "query q: HTTP status 502"},
        {"[1]", 200, -EINVAL, "query q: the reply is not a JSON object"},
        {"{}", 200, -EINVAL, "query q: status: missing"},
        {"{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error\"}", 400,
         -EREMOTEIO, "query q: Prometheus error (bad_data, HTTP 400): 1:5: parse error"},
        {"{\"status\":\"error\"}", 503, -EREMOTEIO,
         "Prometheus error (no errorType, HTTP 503): no error message"},
        {"{\"status\":\"maybe\"}", 200, -EINVAL, "status: 'maybe' (expected success or error)"},
        {"{\"status\":\"success\"}", 200, -EINVAL, "query q: data: missing"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", 200,
         -EINVAL, "data.resultType: 'vector' (expected matrix)"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":{}}}", 200,
         -EINVAL, "data.result: expected an array"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{}]}}", 200,
         -EINVAL, "data.result[0].metric: missing"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{\"a\":1},\"values\":[]}]}}", 200, -EINVAL,
         "data.result[0].metric.a: expected a string"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{\"a\":\"x\",\"a\":\"y\"},\"values\":[]}]}}", 200, -EINVAL,
         "data.result[0].metric.a: label given twice"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[1,\"1\"]]},{\"metric\":{}}]}}", 200, -EINVAL,
         "data.result[1].values: missing"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[1,\"1\"],[2]]}]}}", 200, -EINVAL,
         "data.result[0].values[1]: expected [timestamp, \"value\"]"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[\"1\",\"1\"]]}]}}", 200, -EINVAL,
         "data.result[0].values[0][0]: expected a timestamp in seconds"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[2,\"1\"],[2,\"1\"]]}]}}", 200, -EINVAL,
         "data.result[0].values[1][0]: timestamp 2.000 is not after the previous point's"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[1,2]]}]}}", 200, -EINVAL,
         "data.result[0].values[0][1]: expected the value as a string"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[1,\"12abc\"]]}]}}", 200, -EINVAL,
         "data.result[0].values[0][1]: '12abc' is not a number"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[1,\" 1\"]]}]}}", 200, -EINVAL, "' 1' is not a number"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
         "{\"metric\":{},\"values\":[[1,\"1e999\"]]}]}}", 200, -EINVAL, "'1e999' is not a number"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", 500,
         -EREMOTEIO, "HTTP status 500 with status success"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mon_prom_matrix m;
        struct error err = {0};
        int rc = parse(cases[i].body, cases[i].status, &m, &err);
        CHECK_INT_EQ(rc, cases[i].rc);
        CHECK_STR_CONTAINS(err.msg, cases[i].msg);
        CHECK(m.series == NULL);
    }
}

TEST(every_cut_of_a_reply_fails_cleanly)
{
    size_t n = strlen(good);
    for (size_t k = 0; k < n; k++) {
        char *cut = malloc(k + 1);
        memcpy(cut, good, k);
        cut[k] = '\0';
        struct mon_prom_matrix m = {0};
        struct error err = {0};
        CHECK(mon_prom_parse(cut, k, 200, "query q", &m, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "query q: ");
        free(cut);
    }
}

TEST(range_url_is_percent_encoded)
{
    char *u = mon_prom_range_url("http://p:9090/", "sum by (instance) (rate(x{topic=\"\"}[1m]))",
                                 1700000000123LL, 1700000010000LL, 2500);
    CHECK_STR_EQ(u, "http://p:9090/api/v1/query_range?query=sum%20by%20%28instance%29%20%28rate"
                    "%28x%7Btopic%3D%22%22%7D%5B1m%5D%29%29&start=1700000000.123"
                    "&end=1700000010.000&step=2.500");
    free(u);
    u = mon_prom_range_url("http://p", "a+b&c=d/é", 0, 1000, 60000);
    CHECK_STR_EQ(u, "http://p/api/v1/query_range?query=a%2Bb%26c%3Dd%2F%C3%A9&start=0.000"
                    "&end=1.000&step=60.000");
    free(u);
}

TEST(series_become_rates_per_broker)
{
    struct mon_prom_matrix m;
    struct error err = {0};
    CHECK_INT_EQ(parse(good, 200, &m, &err), 0);
    const char *values[] = {"127.0.0.1:9404"};
    int32_t ids[] = {1};
    struct mon_prom_broker_map map = {"instance", values, ids, 1};
    struct mon_rates r = {0};
    struct mon_prom_stats st = {0};
    CHECK_INT_EQ(mon_prom_to_rates(&m, MON_PROM_TOPIC_IN, "query q", &map, &r, &st, &err), 0);
    CHECK_INT_EQ(st.series, 3);
    CHECK_INT_EQ(st.unmapped, 1);
    CHECK_STR_EQ(st.unmapped_example, "instance=\"other:1\"");
    CHECK_INT_EQ(r.n, 3); /* NaN skipped */
    CHECK_INT_EQ(r.v[0].kind, MON_RATE_TOPIC_IN);
    CHECK_INT_EQ(r.v[0].broker_id, 1);
    CHECK_STR_EQ(r.v[0].topic, "alpha");
    CHECK_INT_EQ(r.v[1].t_ms, 1700000005000LL);
    CHECK_INT_EQ(r.v[2].broker_id, 2); /* label value that is a number */
    /* another series of the same broker, topic and time is summed */
    CHECK_INT_EQ(mon_prom_to_rates(&m, MON_PROM_TOPIC_IN, "query q", &map, &r, &st, &err), 0);
    mon_rates_merge(&r);
    CHECK_INT_EQ(r.n, 3);
    CHECK_NEAR(r.v[0].value, 200, 0);
    CHECK_NEAR(r.v[2].value, 2000, 0);
    /* a broker query ignores the topic label */
    CHECK_INT_EQ(mon_prom_to_rates(&m, MON_PROM_CPU, "query q", &map, &r, &st, &err), 0);
    mon_rates_merge(&r);
    CHECK_INT_EQ(r.v[0].kind, MON_RATE_CPU_CORES);
    CHECK(r.v[0].topic == NULL);
    /* the map's label missing */
    struct mon_prom_broker_map by_id = {"broker_id", NULL, NULL, 0};
    struct mon_prom_stats st2 = {0};
    CHECK_INT_EQ(mon_prom_to_rates(&m, MON_PROM_BROKER_IN, "query q", &by_id, &r, &st2, &err),
                 0);
    CHECK_INT_EQ(st2.unmapped, 3);
    CHECK_STR_EQ(st2.unmapped_example, "no label 'broker_id'");
    mon_rates_finish(&r);
    mon_prom_matrix_finish(&m);
}

TEST(topic_and_partition_queries_need_their_labels)
{
    struct mon_prom_matrix m;
    struct error err = {0};
    struct mon_prom_broker_map map = {"instance", NULL, NULL, 0};
    struct mon_rates r = {0};
    struct mon_prom_stats st = {0};
    CHECK_INT_EQ(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                       "{\"metric\":{\"instance\":\"1\",\"topic\":\"a\",\"partition\":\"3\"},"
                       "\"values\":[[1,\"-4\"],[2,\"+Inf\"],[3,\"8\"]]},"
                       "{\"metric\":{\"instance\":\"1\"},\"values\":[[1,\"1\"]]}]}}",
                       200, &m, &err), 0);
    CHECK_INT_EQ(mon_prom_to_rates(&m, MON_PROM_TOPIC_OUT, "query q", &map, &r, &st, &err),
                 -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "query q: data.result[1]: the series has no 'topic' label");
    CHECK_INT_EQ(r.n, 0); /* nothing appended on failure */
    mon_prom_matrix_finish(&m);
    CHECK_INT_EQ(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                       "{\"metric\":{\"instance\":\"1\",\"topic\":\"a\",\"partition\":\"3\"},"
                       "\"values\":[[1,\"-4\"],[2,\"+Inf\"],[3,\"8\"]]},"
                       "{\"metric\":{\"instance\":\"1\",\"topic\":\"a\",\"partition\":\"x1\"},"
                       "\"values\":[]}]}}", 200, &m, &err), 0);
    CHECK_INT_EQ(mon_prom_to_rates(&m, MON_PROM_GROWTH, "query q", &map, &r, &st, &err),
                 -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "data.result[1]: label 'partition' must be a partition number, "
                                "not 'x1'");
    m.nseries = 1; /* the good series alone (the finish below frees both) */
    CHECK_INT_EQ(mon_prom_to_rates(&m, MON_PROM_GROWTH, "query q", &map, &r, &st, &err), 0);
    m.nseries = 2;
    CHECK_INT_EQ(r.n, 2);
    CHECK_INT_EQ(r.v[0].partition, 3);
    CHECK_NEAR(r.v[0].value, 0, 0); /* shrinking logs count as no growth */
    CHECK_NEAR(r.v[1].value, 8, 0);
    mon_rates_finish(&r);
    mon_prom_matrix_finish(&m);
}

/* ---- a small HTTP server on loopback ---- */

struct server {
    int fd, port;
    const char *reply;   /* whole HTTP response; NULL = read the request and never answer */
    int conns;           /* connections to serve */
    char first_line[4096];
    int served;
    pthread_t thread;
};

static void *serve(void *arg)
{
    struct server *s = arg;
    for (int i = 0; i < s->conns; i++) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        char buf[8192];
        size_t n = 0;
        while (n < sizeof(buf) - 1) {
            ssize_t k = read(c, buf + n, sizeof(buf) - 1 - n);
            if (k <= 0)
                break;
            n += (size_t)k;
            buf[n] = '\0';
            if (strstr(buf, "\r\n\r\n"))
                break;
        }
        buf[n] = '\0';
        if (i == 0)
            snprintf(s->first_line, sizeof(s->first_line), "%.*s", (int)strcspn(buf, "\r"), buf);
        if (s->reply) {
            size_t len = strlen(s->reply), off = 0;
            while (off < len) {
                ssize_t k = write(c, s->reply + off, len - off);
                if (k <= 0)
                    break;
                off += (size_t)k;
            }
        } else {
            (void)!read(c, buf, sizeof(buf)); /* until the client gives up */
        }
        s->served++;
        close(c);
    }
    return NULL;
}

static void server_start(struct server *s, const char *reply, int conns)
{
    memset(s, 0, sizeof(*s));
    s->reply = reply;
    s->conns = conns;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s->fd, 8) < 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &al) < 0)
        abort();
    s->port = ntohs(a.sin_port);
    pthread_create(&s->thread, NULL, serve, s);
}

static void server_stop(struct server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->thread, NULL);
    close(s->fd);
}

static char *http_reply(int status, const char *body)
{
    return xasprintf("HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s", status, strlen(body), body);
}

TEST(a_whole_round_against_a_server)
{
    char *reply = http_reply(200, good);
    struct server s;
    server_start(&s, reply, MON_PROM_NQUERIES);
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
    const char *values[] = {"127.0.0.1:9404"};
    int32_t ids[] = {1};
    struct mon_prom_broker_map map = {"instance", values, ids, 1};
    const char *queries[MON_PROM_NQUERIES] = {0};
    queries[MON_PROM_GROWTH] = ""; /* not asked: its series would need partition labels */
    struct mon_rates r = {0};
    struct mon_prom_stats st = {0};
    struct error err = {0};
    struct mon_http_opts o = {3000, 0};
    CHECK_INT_EQ(mon_prom_sample(base, queries, &map, 1700000000000LL, 1700000010000LL, 5000,
                                 &o, &r, &st, &err), 0);
    server_stop(&s);
    CHECK_INT_EQ(s.served, MON_PROM_NQUERIES - 1);
    CHECK_STR_CONTAINS(s.first_line, "GET /api/v1/query_range?query=sum%20by%20%28instance%29");
    CHECK_STR_CONTAINS(s.first_line, "&start=1700000000.000&end=1700000010.000&step=5.000 HTTP/1.1");
    CHECK_INT_EQ(st.series, 3 * (MON_PROM_NQUERIES - 1));
    /* 6 queries x (2 points of broker 1 + 1 of broker 2), the topic ones keep topics */
    CHECK_INT_EQ(r.n, 6 * 3);
    CHECK_INT_EQ(r.v[0].kind, MON_RATE_BYTES_IN);
    CHECK_NEAR(r.v[0].value, 100, 0);
    mon_rates_finish(&r);
    free(reply);

    reply = http_reply(400, "{\"status\":\"error\",\"errorType\":\"bad_data\","
                            "\"error\":\"invalid parameter \\\"query\\\": 1:1: parse error\"}");
    server_start(&s, reply, 1);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/", s.port);
    CHECK_INT_EQ(mon_prom_sample(base, queries, &map, 0, 1000, 1000, &o, &r, &st, &err),
                 -EREMOTEIO);
    server_stop(&s);
    CHECK_STR_CONTAINS(err.msg, "query brokerBytesIn 'sum by (instance) (rate(kafka_server_"
                                "brokertopicmetrics_bytesin_total{topic=\"\"}[1m]))': Prometheus "
                                "error (bad_data, HTTP 400): invalid parameter \"query\": 1:1: "
                                "parse error");
    CHECK_INT_EQ(r.n, 0);
    free(reply);
}

TEST(timeouts_and_size_limits)
{
    struct server s;
    server_start(&s, NULL, 1);
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
    struct mon_prom_broker_map map = {"instance", NULL, NULL, 0};
    struct mon_rates r = {0};
    struct mon_prom_stats st = {0};
    struct error err = {0};
    struct mon_http_opts o = {300, 0};
    CHECK_INT_EQ(mon_prom_sample(base, NULL, &map, 0, 1000, 1000, &o, &r, &st, &err),
                 -ETIMEDOUT);
    CHECK_STR_CONTAINS(err.msg, "query brokerBytesIn '");
    CHECK_STR_CONTAINS(err.msg, "no complete reply within 300 ms");
    server_stop(&s);

    char *reply = http_reply(200, good);
    server_start(&s, reply, 1);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
    struct mon_http_opts small = {3000, 100};
    CHECK_INT_EQ(mon_prom_sample(base, NULL, &map, 0, 1000, 1000, &small, &r, &st, &err),
                 -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "reply larger than 100 bytes");
    server_stop(&s);
    free(reply);
    CHECK_INT_EQ(r.n, 0);
}

struct canceller {
    atomic_bool *flag;
    int after_ms;
};

static void *cancel_later(void *arg)
{
    struct canceller *c = arg;
    usleep((useconds_t)c->after_ms * 1000);
    atomic_store(c->flag, true);
    return NULL;
}

/* The service's shutdown sets the flag: a request to an endpoint that never answers ends
 * soon after, not at monitor.timeoutMs; a set flag starts no request. */
TEST(a_cancel_flag_ends_a_request)
{
    struct server s;
    server_start(&s, NULL, 1);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", s.port);
    atomic_bool flag;
    atomic_init(&flag, false);
    struct mon_http_opts o = {30000, 0, &flag};
    struct canceller c = {&flag, 200};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &c);
    char *body = NULL;
    size_t len = 0;
    struct error err = {0};
    double t0 = clock_mono_ms();
    CHECK_INT_EQ(mon_http_get(url, &o, &body, &len, &err), -ECANCELED);
    double took = clock_mono_ms() - t0;
    pthread_join(t, NULL);
    CHECK_STR_CONTAINS(err.msg, "/metrics: cancelled");
    CHECK(took >= 150 && took < 1500);
    printf("# cancelled after %.0f ms (flag set at 200 ms, timeout 30 s)\n", took);
    server_stop(&s);
    CHECK_INT_EQ(s.served, 1);
    /* already set: refused before any connection */
    CHECK_INT_EQ(mon_http_get(url, &o, &body, &len, &err), -ECANCELED);
    CHECK(body == NULL);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
