/* TLS and SASL against the real cluster started with `cluster.sh start DIR --security` (run
 * under tests/kafka/with-cluster.sh ... --security): snapshots over SASL_SSL with SCRAM-SHA-256,
 * SCRAM-SHA-512 and PLAIN, over SASL_PLAINTEXT and over SSL with a client certificate equal the
 * PLAINTEXT snapshot (brokers, racks, log dirs, partitions, replicas, leaders); a wrong password,
 * an unknown user, an untrusted CA, a host name the certificate does not carry, a missing client
 * certificate and a protocol that does not match the listener each fail with a message that
 * says so; `ballast snapshot --config` with a kafka.security section writes the same JSON as
 * a PLAINTEXT snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/client.h"
#include "tests/harness.h"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        test_fail(__FILE__, __LINE__, "%s is not set (run under with-cluster.sh --security)", name);
        return "";
    }
    return v;
}

/* SASL_SSL with the cluster's CA, user and password. */
static struct kafka_opts sasl_ssl(const char *mechanism)
{
    return (struct kafka_opts){
        .security_protocol = "SASL_SSL",
        .sasl_mechanism = mechanism,
        .sasl_username = env("SCRAM_USER"),
        .sasl_password = env("SCRAM_PASSWORD"),
        .ssl_ca_file = env("CA_FILE"),
        .ssl_verify_hostname = true,
        .timeout_ms = 10000,
    };
}

static struct model_cluster *snap(const char *bootstrap, const struct kafka_opts *o,
                                  const char *what)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (kafka_snapshot(bootstrap, o, &c, &err) < 0)
        test_fail(__FILE__, __LINE__, "%s: snapshot: %s", what, err.msg);
    return c;
}

/* Fails unless a and b hold the same brokers, racks, log dirs, topics and placements. */
static void check_same(const struct model_cluster *a, const struct model_cluster *b,
                       const char *what)
{
    if (!a || !b)
        return;
    if (a->nbrokers != b->nbrokers || a->npartitions != b->npartitions ||
        a->ntopics != b->ntopics || a->ndisks != b->ndisks) {
        test_fail(__FILE__, __LINE__, "%s: %d brokers %d topics %d partitions %d dirs, "
                  "PLAINTEXT %d %d %d %d", what, b->nbrokers, b->ntopics, b->npartitions,
                  b->ndisks, a->nbrokers, a->ntopics, a->npartitions, a->ndisks);
        return;
    }
    for (int32_t i = 0; i < a->nbrokers; i++)
        if (a->brokers[i].id != b->brokers[i].id ||
            strcmp(a->racks[a->brokers[i].rack].name, b->racks[b->brokers[i].rack].name) != 0)
            test_fail(__FILE__, __LINE__, "%s: broker %d differs", what, a->brokers[i].id);
    for (int32_t t = 0; t < a->ntopics; t++)
        if (strcmp(a->topics[t].name, b->topics[t].name) != 0)
            test_fail(__FILE__, __LINE__, "%s: topic %s differs", what, a->topics[t].name);
    for (int32_t p = 0; p < a->npartitions; p++) {
        const struct model_partition *x = &a->partitions[p], *y = &b->partitions[p];
        bool same = x->id == y->id && x->rf == y->rf &&
                    model_partition_leader(a, p) == model_partition_leader(b, p);
        for (int k = 0; same && k < x->rf; k++)
            same = model_replicas_of(a, p)[k].broker == model_replicas_of(b, p)[k].broker &&
                   model_replicas_of(a, p)[k].dir == model_replicas_of(b, p)[k].dir;
        if (!same)
            test_fail(__FILE__, __LINE__, "%s: partition %d differs (leader slot %d vs %d, first "
                      "replica on broker %d dir %d vs broker %d dir %d)", what, x->id, x->leader,
                      y->leader, model_replicas_of(a, p)[0].broker, model_replicas_of(a, p)[0].dir,
                      model_replicas_of(b, p)[0].broker, model_replicas_of(b, p)[0].dir);
    }
}

static struct model_cluster *plain_snapshot(void)
{
    static bool created;
    if (!created) {
        char cmd[4096];
        snprintf(cmd, sizeof(cmd),
                 "bash %s/tests/kafka/cluster.sh tool %s org.apache.kafka.tools.TopicCommand "
                 "--bootstrap-server %s --create --if-not-exists --topic secured --partitions 6 "
                 "--replication-factor 3 >/dev/null", env("BALLAST_SOURCE_ROOT"),
                 env("CLUSTER_DIR"), env("BOOTSTRAP"));
        CHECK_INT_EQ(system(cmd), 0);
        created = true;
    }
    /* a new topic's replicas show in DescribeLogDirs a moment after it is created */
    for (int tries = 0;; tries++) {
        struct model_cluster *c = snap(env("BOOTSTRAP"), NULL, "PLAINTEXT");
        bool settled = c && c->npartitions == 6;
        for (int64_t r = 0; settled && r < c->nreplicas; r++)
            settled = c->replicas[r].dir >= 0;
        for (int32_t p = 0; settled && p < c->npartitions; p++)
            settled = c->partitions[p].leader >= 0;
        if (settled || tries == 40 || !c) {
            CHECK(settled);
            return c;
        }
        model_cluster_destroy(c);
        usleep(250000);
    }
}

TEST(sasl_ssl_snapshots_equal_plaintext)
{
    struct model_cluster *ref = plain_snapshot();
    const char *mechs[] = {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"};
    for (size_t i = 0; i < 3; i++) {
        struct kafka_opts o = sasl_ssl(mechs[i]);
        struct model_cluster *c = snap(env("SECURE_BOOTSTRAP"), &o, mechs[i]);
        check_same(ref, c, mechs[i]);
        model_cluster_destroy(c);
    }
    struct kafka_opts o = sasl_ssl("SCRAM-SHA-512");
    o.security_protocol = "SASL_PLAINTEXT";
    o.ssl_ca_file = NULL;
    struct model_cluster *c = snap(env("SASL_PLAINTEXT_BOOTSTRAP"), &o, "SASL_PLAINTEXT");
    check_same(ref, c, "SASL_PLAINTEXT");
    model_cluster_destroy(c);
    o = (struct kafka_opts){.security_protocol = "SSL", .ssl_ca_file = env("CA_FILE"),
                            .ssl_cert_file = env("CLIENT_CERT"), .ssl_key_file = env("CLIENT_KEY"),
                            .ssl_verify_hostname = true};
    c = snap(env("SSL_BOOTSTRAP"), &o, "SSL with a client certificate");
    check_same(ref, c, "SSL");
    model_cluster_destroy(c);
    model_cluster_destroy(ref);
}

static void check_refused(const char *bootstrap, const struct kafka_opts *o, const char *want)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    int rc = kafka_snapshot(bootstrap, o, &c, &err);
    if (rc == 0) {
        test_fail(__FILE__, __LINE__, "snapshot succeeded, expected \"%s\"", want);
        model_cluster_destroy(c);
        return;
    }
    CHECK_STR_CONTAINS(err.msg, want);
}

TEST(authentication_failures_are_named)
{
    struct kafka_opts o = sasl_ssl("SCRAM-SHA-256");
    o.sasl_password = "not-the-password";
    check_refused(env("SECURE_BOOTSTRAP"), &o,
                  "SASL_AUTHENTICATION_FAILED (58): Authentication failed during authentication "
                  "due to invalid credentials with SASL mechanism SCRAM-SHA-256");
    o = sasl_ssl("SCRAM-SHA-512");
    o.sasl_username = "nobody";
    check_refused(env("SECURE_BOOTSTRAP"), &o, "SASL_AUTHENTICATION_FAILED (58)");
    o = sasl_ssl("PLAIN");
    o.sasl_password = "not-the-password";
    check_refused(env("SECURE_BOOTSTRAP"), &o, "SASL_AUTHENTICATION_FAILED (58)");
}

TEST(certificate_failures_are_named)
{
    struct kafka_opts o = sasl_ssl("SCRAM-SHA-256");
    o.ssl_ca_file = env("OTHER_CA_FILE");
    check_refused(env("SECURE_BOOTSTRAP"), &o, "TLS handshake: certificate verify failed: ");

    /* the certificate names IP 127.0.0.1 only */
    char localhost[1024];
    size_t k = 0;
    for (const char *p = env("SECURE_BOOTSTRAP"); *p && k + 16 < sizeof(localhost);) {
        if (!strncmp(p, "127.0.0.1", 9)) {
            k += (size_t)snprintf(localhost + k, sizeof(localhost) - k, "localhost");
            p += 9;
        } else {
            localhost[k++] = *p++;
        }
    }
    localhost[k] = '\0';
    o = sasl_ssl("SCRAM-SHA-256");
    check_refused(localhost, &o, "certificate verify failed: hostname mismatch (the broker's "
                                 "certificate does not name localhost)");
    /* without hostname verification the chain alone is checked: bootstrap via localhost,
     * the brokers as advertised (127.0.0.1) */
    o.ssl_verify_hostname = false;
    struct model_cluster *ref = plain_snapshot(), *c = snap(localhost, &o, "localhost");
    check_same(ref, c, "localhost without hostname verification");
    model_cluster_destroy(c);
    model_cluster_destroy(ref);

    o = (struct kafka_opts){.security_protocol = "SSL", .ssl_ca_file = env("CA_FILE"),
                            .ssl_verify_hostname = true};
    check_refused(env("SSL_BOOTSTRAP"), &o, "refused our client certificate, or wants one");
}

TEST(protocol_mismatches_are_named)
{
    struct kafka_opts o = sasl_ssl("SCRAM-SHA-256");
    check_refused(env("BOOTSTRAP"), &o, "the broker closed the connection (is it a TLS listener?)");
    o.security_protocol = "SASL_PLAINTEXT";
    check_refused(env("SECURE_BOOTSTRAP"), &o, "it looks like TLS: is this an SSL or SASL_SSL "
                                               "listener?");
    check_refused(env("BOOTSTRAP"), &o, "ILLEGAL_SASL_STATE (34): the listener does not take SASL");
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = malloc(n + 1);
    if (s)
        memcpy(s, buf, n + 1);
    return s;
}

TEST(cli_snapshot_with_security_config)
{
    model_cluster_destroy(plain_snapshot()); /* the topic exists */
    const char *dir = env("CLUSTER_DIR"), *bin = env("BALLAST_BIN");
    char yaml[4096], cfg[1200], out[1200], ref[1200], cmd[5000];
    snprintf(cfg, sizeof(cfg), "%s/security.yaml", dir);
    snprintf(out, sizeof(out), "%s/snap-secure.json", dir);
    snprintf(ref, sizeof(ref), "%s/snap-plain.json", dir);
    snprintf(yaml, sizeof(yaml),
             "kafka:\n  bootstrap: \"%s\"\n  security:\n    protocol: SASL_SSL\n"
             "    sasl:\n      mechanism: SCRAM-SHA-512\n      username: %s\n"
             "      password: \"%s\"\n    ssl:\n      caFile: %s\n      verifyHostname: true\n",
             env("SECURE_BOOTSTRAP"), env("SCRAM_USER"), env("SCRAM_PASSWORD"), env("CA_FILE"));
    FILE *f = fopen(cfg, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(yaml, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "%s snapshot --config %s --out %s", bin, cfg, out);
    CHECK_INT_EQ(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "%s snapshot --bootstrap %s --out %s", bin, env("BOOTSTRAP"), ref);
    CHECK_INT_EQ(system(cmd), 0);
    char *a = slurp(out), *b = slurp(ref);
    CHECK(a && b);
    if (a && b) {
        CHECK_STR_CONTAINS(a, "\"secured\"");
        CHECK(strcmp(a, b) == 0);
    }
    free(a);
    free(b);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
