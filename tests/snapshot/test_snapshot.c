/* Snapshots: the documented sample parses to the expected model, save/load round-trips to the
 * same bytes, every kind of bad input gets a message naming the field and the place, and no
 * truncation of a valid file crashes. */
#include <stdlib.h>

#include "model/generate.h"
#include "model/snapshot.h"
#include "tests/harness.h"

static char *slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = 0;
    fclose(f);
    *ret_len = got;
    return buf;
}

TEST(sample_parses)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    int rc = model_snapshot_load(test_data("snapshot/sample.json"), &c, &err);
    CHECK_INT_EQ(rc, 0);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(c->nbrokers, 4);
    CHECK_INT_EQ(c->nzones, 3);
    CHECK_INT_EQ(c->ntopics, 2);
    CHECK_INT_EQ(c->npartitions, 3);
    CHECK_INT_EQ(c->nreplicas, 8);
    int32_t b3 = model_broker_find(c, 3);
    CHECK_NEAR(c->brokers[b3].capacity[RES_DISK], 2e12, 0);
    CHECK_NEAR(c->brokers[model_broker_find(c, 1)].capacity[RES_DISK], 1e12, 0);
    CHECK(c->brokers[model_broker_find(c, 4)].flags & BROKER_NEW);
    CHECK_INT_EQ(model_partition_leader(c, 1), b3);
    CHECK_INT_EQ(c->partitions[1].isr, 3u); /* slots 0 and 1: brokers 2 and 3 */
    CHECK_INT_EQ(model_replicas_of(c, 1)[1].size, 39990000);
    CHECK_INT_EQ(model_replicas_of(c, 0)[1].dir, 1);
    CHECK_INT_EQ(c->partitions[2].leader, -1);
    CHECK_NEAR(c->partitions[0].nw_out, 2097152, 0);
    model_cluster_destroy(c);
}

TEST(round_trip_is_byte_identical)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.partitions = 500;
    o.new_brokers = 1;
    o.dead_brokers = 1;
    o.rack_violations = 5;
    struct model_cluster *c = NULL;
    struct error err = {0};
    CHECK_INT_EQ(model_generate(&o, &c, &err), 0);
    c->disks[0].offline = true;
    c->brokers[2].flags |= BROKER_REMOVE | BROKER_EXCL_LEADER;
    c->brokers[3].broker_set = model_broker_set_add(c, "set-a");
    model_replicas_of(c, 0)[1].size += 7;
    c->partitions[3].nw_in = 0.1 + 0.2; /* not exactly representable: must round-trip */
    char *a = model_snapshot_dump(c);
    struct model_cluster *d = NULL;
    int rc = model_snapshot_parse(a, strlen(a), "dump", &d, &err);
    CHECK_INT_EQ(rc, 0);
    if (rc == 0) {
        char *b = model_snapshot_dump(d);
        CHECK(strcmp(a, b) == 0);
        CHECK(d->partitions[3].nw_in == 0.1 + 0.2);
        CHECK(d->disks[0].offline);
        CHECK(d->brokers[2].flags & BROKER_REMOVE);
        free(b);
        model_cluster_destroy(d);
    } else {
        fprintf(stderr, "%s\n", err.msg);
    }
    free(a);
    model_cluster_destroy(c);
}

struct bad {
    const char *json;
    const char *expect;
};

#define BROKERS "\"brokers\":[{\"id\":1,\"rack\":\"a\",\"logDirs\":[{\"path\":\"/d\"}],\"capacity\":{\"cpu\":1,\"nwInBytesPerSec\":1,\"nwOutBytesPerSec\":1,\"diskBytes\":1}},{\"id\":2,\"rack\":\"b\",\"capacity\":{\"cpu\":1,\"nwInBytesPerSec\":1,\"nwOutBytesPerSec\":1,\"diskBytes\":1}}]"
#define T(parts) "{\"version\":1," BROKERS ",\"topics\":[{\"name\":\"orders\",\"partitions\":[" parts "]}]}"

static const struct bad bads[] = {
    {"{\"version\":1,", "t.json:1:"},
    {"{\n\"version\": 1,\n  x", "t.json:3:3: not valid JSON"},
    {"[]", "the top level must be an object"},
    {"{\"version\":2," BROKERS ",\"topics\":[]}", "'version' = 2 is out of range"},
    {"{\"version\":1,\"brokerz\":[]}", "unknown field 'brokerz'"},
    {"{\"version\":1,\"topics\":[]}", "missing field 'brokers'"},
    {T("{\"partition\":0,\"replicas\":[1,17]}"),
     "topics[0] \"orders\" partitions[0]: replicas[1]: unknown broker 17"},
    {T("{\"partition\":0,\"replicas\":[1,1]}"), "replicas[1]: broker 1 appears twice"},
    {T("{\"partition\":0,\"replicas\":[1,2],\"sizeBytes\":-5}"), "'sizeBytes' = -5 is out of range"},
    {T("{\"partition\":0,\"replicas\":[1,2],\"sizeBytes\":\"big\"}"),
     "'sizeBytes' must be an integer, not a string"},
    {T("{\"partition\":0,\"replicas\":[1,2],\"sizeBytes\":1.5}"), "'sizeBytes' must be an integer"},
    {T("{\"partition\":0,\"replicas\":[1,2],\"leader\":3}"), "leader 3 is not one of the replicas"},
    {T("{\"partition\":0,\"replicas\":[1,2],\"leader\":2,\"isr\":[1,2,2]}"), "isr[2]: broker 2 appears twice"},
    {T("{\"partition\":0,\"replicas\":[1],\"isr\":[2]}"), "isr member 2 is not one of the replicas"},
    {T("{\"partition\":0,\"replicas\":[1],\"leader\":2}"), "leader 2 is not one of the replicas"},
    {T("{\"partition\":0,\"replicas\":[1,2],\"logDirs\":[\"/d\",\"/x\"]}"),
     "logDirs[1]: broker 2 has no log dir '/x'"},
    {T("{\"partition\":0,\"replicas\":[1]},{\"partition\":0,\"replicas\":[2]}"),
     "partitions[1]: topic 'orders' has partition 0 twice"},
    {T("{\"partition\":0,\"replicas\":[]}"), "replicas is empty"},
    {T("{\"partition\":0,\"replicas\":[1],\"colour\":1}"), "unknown field 'colour'"},
    {"{\"version\":1,\"brokers\":[{\"id\":1,\"rack\":\"a\"}],\"topics\":[]}",
     "broker 1 has no cpu capacity and there is no default"},
    {"{\"version\":1,\"brokers\":[{\"id\":1,\"state\":\"sleepy\"}],\"topics\":[]}",
     "brokers[0] (id 1): unknown state 'sleepy'"},
    {"{\"version\":1,\"brokers\":[{\"id\":1},{\"id\":1}],\"topics\":[]}", "broker id 1 appears twice"},
    {"{\"version\":1,\"brokers\":[{\"id\":1,\"rack\":7}],\"topics\":[]}", "'rack' must be a string, not a number"},
    {"{\"version\":1,\"brokers\":[],\"topics\":[]}", "the cluster has no brokers"},
    {"{\"version\":1,\"version\":1," BROKERS ",\"topics\":[]}", "field 'version' appears twice"},
    {"{\"version\":1," BROKERS ",\"topics\":[{\"name\":\"a\",\"partitions\":[]},{\"name\":\"a\",\"partitions\":[]}]}",
     "topic 'a' appears twice"},
    {T("{\"partition\":0,\"replicas\":[1,2,1]}"), "broker 1 appears twice"},
};

TEST(bad_inputs_are_named)
{
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        struct model_cluster *c = NULL;
        struct error err = {0};
        int rc = model_snapshot_parse(bads[i].json, strlen(bads[i].json), "t.json", &c, &err);
        if (rc == 0) {
            test_fail(__FILE__, __LINE__, "case %zu parsed, expected '%s'", i, bads[i].expect);
            model_cluster_destroy(c);
            continue;
        }
        if (!strstr(err.msg, bads[i].expect))
            test_fail(__FILE__, __LINE__, "case %zu: got '%s', expected '%s'", i, err.msg,
                      bads[i].expect);
        CHECK(strncmp(err.msg, "t.json", 6) == 0);
    }
}

TEST(rf_above_usable_brokers)
{
    const char *j = "{\"version\":1,\"defaultCapacity\":{\"cpu\":1,\"nwInBytesPerSec\":1,"
                    "\"nwOutBytesPerSec\":1,\"diskBytes\":1},\"brokers\":[{\"id\":1},{\"id\":2,"
                    "\"state\":\"dead\"}],\"topics\":[{\"name\":\"t\",\"partitions\":[{"
                    "\"partition\":0,\"replicas\":[1,2]}]}]}";
    struct model_cluster *c = NULL;
    struct error err = {0};
    CHECK(model_snapshot_parse(j, strlen(j), "t.json", &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "RF 2 is larger than the 1 brokers that can hold replicas");
}

TEST(truncation_never_crashes)
{
    size_t len = 0;
    char *buf = slurp(test_data("snapshot/sample.json"), &len);
    CHECK(buf != NULL);
    if (!buf)
        return;
    int ok = 0;
    for (size_t n = 0; n < len; n++) {
        struct model_cluster *c = NULL;
        struct error err = {0};
        if (model_snapshot_parse(buf, n, "t", &c, &err) == 0) {
            ok++;
            model_cluster_destroy(c);
        } else {
            CHECK(err.msg[0] != 0);
        }
    }
    CHECK(ok <= 2); /* only the whole document (and it less its final newline) parse */
    free(buf);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
