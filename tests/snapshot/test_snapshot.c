/* Snapshots: the documented sample parses to the expected model and is the one in the docs,
 * dump/parse round-trips to the same bytes, every bad file in tests/data/snapshot/bad gets the
 * message its EXPECTED line names, capacities and defaults follow the documented precedence,
 * integers stay exact, and no truncation or mutation of a valid file crashes. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/generate.h"
#include "model/snapshot.h"
#include "tests/snapshot/snapfile.h"
#include "tests/harness.h"

static char *slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    *ret_len = len;
    return buf;
}

/* The sample's text (NULL after a failed check). */
static char *sample_text(size_t *ret_len)
{
    char *buf = slurp(test_data("snapshot/sample.json"), ret_len);
    CHECK(buf != NULL);
    return buf;
}

/* Parses exactly len bytes from a heap block of that size, so that reading past the end is
 * caught by the sanitizer build. */
static int parse_exact(const char *text, size_t len, bool apply, struct model_cluster **c,
                       struct error *err)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, text, len);
    int rc = apply ? model_snapshot_parse(copy, len, "t.json", c, err)
                   : model_snapshot_parse_ex(copy, len, "t.json", NULL, c, err);
    free(copy);
    return rc;
}

static struct model_cluster *load_ok(const char *path)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (snapfile_load(path, &c, &err) < 0) {
        test_fail(__FILE__, __LINE__, "%s", err.msg);
        return NULL;
    }
    return c;
}

static struct model_cluster *parse_ok(const char *text)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (parse_exact(text, strlen(text), true, &c, &err) < 0) {
        test_fail(__FILE__, __LINE__, "%s", err.msg);
        return NULL;
    }
    return c;
}

static const char *parse_err(const char *text)
{
    static struct error err;
    struct model_cluster *c = NULL;
    memset(&err, 0, sizeof(err));
    if (parse_exact(text, strlen(text), true, &c, &err) == 0) {
        model_cluster_destroy(c);
        return "(parsed)";
    }
    return err.msg;
}

TEST(sample_parses_to_the_documented_model)
{
    struct model_cluster *c = load_ok(test_data("snapshot/sample.json"));
    if (!c)
        return;
    CHECK_STR_EQ(c->name, "demo");
    CHECK_INT_EQ(c->nbrokers, 5);
    CHECK_INT_EQ(c->nzones, 3);
    CHECK_INT_EQ(c->nracks, 3);
    CHECK_INT_EQ(c->ntopics, 2);
    CHECK_INT_EQ(c->npartitions, 4);
    CHECK_INT_EQ(c->nreplicas, 10);
    int32_t b1 = model_broker_find(c, 1), b2 = model_broker_find(c, 2), b3 = model_broker_find(c, 3),
            b4 = model_broker_find(c, 4), b5 = model_broker_find(c, 5);
    CHECK_STR_EQ(c->zones[model_broker_zone(c, b2)].name, "eu-west-1b");
    CHECK_STR_EQ(c->brokers[b1].host, "kafka-1:9092");
    /* capacities: own value, sum of log dirs, default; numCores own and default */
    CHECK_NEAR(c->brokers[b3].capacity[RES_DISK], 2e12, 0);
    CHECK_NEAR(c->brokers[b2].capacity[RES_DISK], 2e12, 0);
    CHECK_NEAR(c->brokers[b1].capacity[RES_DISK], 1e12, 0);
    CHECK_NEAR(c->brokers[b1].capacity[RES_NW_IN], 125e6, 0);
    CHECK_NEAR(c->brokers[b3].num_cores, 16, 0);
    CHECK_NEAR(c->brokers[b4].num_cores, 8, 0);
    /* states and flags */
    CHECK_INT_EQ(c->brokers[b1].flags, 0);
    CHECK_INT_EQ(c->brokers[b2].flags, BROKER_BAD_DISKS);
    CHECK_INT_EQ(c->brokers[b3].flags, BROKER_EXCL_LEADER);
    CHECK_INT_EQ(c->brokers[b4].flags, BROKER_NEW);
    CHECK_INT_EQ(c->brokers[b5].flags, BROKER_DEAD | BROKER_REMOVE);
    CHECK_INT_EQ(c->brokers[b1].ndisks, 2);
    CHECK(c->disks[c->brokers[b2].first_disk + 1].offline);
    CHECK_NEAR(c->disks[c->brokers[b2].first_disk].capacity, 1e12, 0);
    /* orders-0: explicit everything */
    const struct model_partition *p0 = &c->partitions[0];
    CHECK_INT_EQ(model_partition_leader(c, 0), b1);
    CHECK_INT_EQ(p0->isr, 7u);
    CHECK_INT_EQ(model_replicas_of(c, 0)[1].size, 52428800);
    CHECK_INT_EQ(model_replicas_of(c, 0)[1].dir, 0);
    CHECK_NEAR(p0->nw_in, 1048576, 0);
    CHECK_NEAR(p0->nw_out, 2097152, 0);
    CHECK_NEAR(p0->cpu_leader, 1.5, 0);
    CHECK_NEAR(p0->cpu_follower, 0.25, 0);
    /* orders-1: no leader given -> first in-sync replica (broker 3 in slot 1) */
    CHECK_INT_EQ(c->partitions[1].leader, 1);
    CHECK_INT_EQ(c->partitions[1].isr, 6u);
    CHECK_INT_EQ(model_replicas_of(c, 1)[1].size, 39990000);
    CHECK_INT_EQ(model_replicas_of(c, 1)[0].dir, -1);
    /* audit-0: no leader, empty ISR */
    CHECK_INT_EQ(c->partitions[3].leader, -1);
    CHECK_INT_EQ(c->partitions[3].isr, 0u);
    CHECK_STR_EQ(c->topics[c->partitions[3].topic].name, "audit");
    model_cluster_destroy(c);
}

/* docs/snapshot.md shows the sample: its first ```json block must be the file, byte for byte. */
TEST(docs_example_is_the_sample)
{
    const char *root = getenv("BALLAST_SOURCE_ROOT");
    char path[4096];
    snprintf(path, sizeof(path), "%s/docs/snapshot.md", root ? root : ".");
    size_t dlen = 0, slen = 0;
    char *doc = slurp(path, &dlen), *sample = sample_text(&slen);
    CHECK(doc != NULL);
    if (doc && sample) {
        char *start = strstr(doc, "```json\n");
        char *end = start ? strstr(start + 8, "```") : NULL;
        CHECK(start && end);
        if (start && end) {
            start += 8;
            *end = '\0';
            CHECK_STR_EQ(start, sample);
        }
    }
    free(doc);
    free(sample);
}

static void check_round_trip(const struct model_cluster *c)
{
    char *a = model_snapshot_dump(c);
    struct model_cluster *d = NULL;
    struct error err = {0};
    int rc = parse_exact(a, strlen(a), false, &d, &err);
    if (rc < 0) {
        test_fail(__FILE__, __LINE__, "reparse: %s", err.msg);
        free(a);
        return;
    }
    char *b = model_snapshot_dump(d);
    CHECK_STR_EQ(a, b);
    /* the model itself, not only its text */
    CHECK_INT_EQ(d->nreplicas, c->nreplicas);
    CHECK_INT_EQ(d->npartitions, c->npartitions);
    for (int64_t r = 0; r < c->nreplicas && r < d->nreplicas; r++)
        if (d->replicas[r].broker != c->replicas[r].broker ||
            d->replicas[r].size != c->replicas[r].size || d->replicas[r].dir != c->replicas[r].dir) {
            test_fail(__FILE__, __LINE__, "replica %lld differs", (long long)r);
            break;
        }
    for (int32_t p = 0; p < c->npartitions && p < d->npartitions; p++) {
        const struct model_partition *x = &c->partitions[p], *y = &d->partitions[p];
        if (x->id != y->id || x->leader != y->leader || x->isr != y->isr ||
            x->nw_in != y->nw_in || x->nw_out != y->nw_out || x->cpu_leader != y->cpu_leader ||
            x->cpu_follower != y->cpu_follower) {
            test_fail(__FILE__, __LINE__, "partition %d differs", p);
            break;
        }
    }
    for (int32_t i = 0; i < c->nbrokers && i < d->nbrokers; i++)
        for (int r = 0; r < RES_COUNT; r++)
            if (c->brokers[i].capacity[r] != d->brokers[i].capacity[r])
                test_fail(__FILE__, __LINE__, "broker %d capacity %d differs", i, r);
    free(b);
    model_cluster_destroy(d);
    free(a);
}

TEST(generated_cluster_round_trips_byte_identical)
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
    if (!c)
        return;
    c->disks[0].offline = true;
    c->brokers[2].flags |= BROKER_REMOVE | BROKER_EXCL_LEADER | BROKER_EXCL_REPLICA;
    c->brokers[3].broker_set = model_broker_set_add(c, "set-a");
    model_replicas_of(c, 0)[1].size += 7;
    model_replicas_of(c, 1)[2].dir = -1;
    c->partitions[2].leader = -1;
    c->partitions[2].isr = 0;
    c->partitions[3].nw_in = 0.1 + 0.2; /* needs 17 digits */
    c->partitions[4].nw_out = 5e-324;   /* smallest subnormal */
    c->partitions[5].cpu_leader = 1.7976931348623157e308;
    c->partitions[6].cpu_follower = 1e-7;
    model_replicas_of(c, 7)[0].size = 9007199254740991ll; /* 2^53 - 1 */
    check_round_trip(c);
    model_cluster_destroy(c);
}

TEST(sample_round_trips_and_dump_is_deterministic)
{
    struct model_cluster *c = load_ok(test_data("snapshot/sample.json"));
    if (!c)
        return;
    check_round_trip(c);
    struct model_cluster *d = model_cluster_clone(c);
    char *a = model_snapshot_dump(c), *b = model_snapshot_dump(d);
    CHECK_STR_EQ(a, b);
    free(a);
    free(b);
    model_cluster_destroy(d);
    model_cluster_destroy(c);
}

TEST(defaults_round_trip_through_the_ex_forms)
{
    struct model_capacity_table t = {0}, back = {0};
    struct model_cluster *c = NULL;
    struct error err = {0};
    CHECK_INT_EQ(snapfile_load_ex(test_data("snapshot/sample.json"), &t, &c, &err), 0);
    if (!c)
        return;
    CHECK(t.dflt.set[RES_CPU] && t.dflt.set[RES_DISK]);
    CHECK_NEAR(t.dflt.num_cores, 8, 0);
    /* nothing applied: broker 1 has only what the snapshot gave it */
    CHECK_INT_EQ(c->brokers[model_broker_find(c, 1)].capacity_set, 0);
    CHECK_INT_EQ(c->brokers[model_broker_find(c, 2)].capacity_set, 1u << RES_DISK);
    char *a = model_snapshot_dump_ex(c, &t);
    CHECK(strstr(a, "\"defaultCapacity\": {\"cpu\": 100") != NULL);
    struct model_cluster *d = NULL;
    CHECK_INT_EQ(model_snapshot_parse_ex(a, strlen(a), "dump", &back, &d, &err), 0);
    if (d) {
        char *b = model_snapshot_dump_ex(d, &back);
        CHECK_STR_EQ(a, b);
        free(b);
        model_cluster_destroy(d);
    }
    free(a);
    model_cluster_destroy(c);
}

/* Precedence: config entry for the broker > broker's own > config default > snapshot default. */
TEST(capacity_precedence_with_a_config_table)
{
    const char *j = "{\"version\": 1, \"defaultCapacity\": {\"cpu\": 10, \"nwInBytesPerSec\": 10,"
                    " \"nwOutBytesPerSec\": 10, \"diskBytes\": 10, \"numCores\": 2},"
                    " \"brokers\": [{\"id\": 1, \"capacity\": {\"cpu\": 50}}, {\"id\": 2},"
                    " {\"id\": 3, \"capacity\": {\"cpu\": 70}}], \"topics\": []}";
    struct model_capacity_table snap = {0};
    struct model_cluster *c = NULL;
    struct error err = {0};
    CHECK_INT_EQ(model_snapshot_parse_ex(j, strlen(j), "t.json", &snap, &c, &err), 0);
    if (!c)
        return;
    struct model_capacity_table cfg = {0};
    cfg.dflt.v[RES_DISK] = 1000;
    cfg.dflt.set[RES_DISK] = true;
    int32_t id3 = 3;
    struct model_capacity over = {0};
    over.v[RES_CPU] = 90;
    over.set[RES_CPU] = true;
    cfg.n = 1;
    cfg.broker_ids = &id3;
    cfg.per_broker = &over;
    model_snapshot_merge_defaults(&cfg, &snap);
    CHECK_NEAR(cfg.dflt.v[RES_DISK], 1000, 0); /* the config's default stays */
    CHECK_NEAR(cfg.dflt.v[RES_NW_IN], 10, 0);  /* the snapshot fills the gaps */
    CHECK_NEAR(cfg.dflt.num_cores, 2, 0);
    CHECK_INT_EQ(model_capacities_apply(c, &cfg, &err), 0);
    CHECK_NEAR(c->brokers[model_broker_find(c, 1)].capacity[RES_CPU], 50, 0);
    CHECK_NEAR(c->brokers[model_broker_find(c, 2)].capacity[RES_CPU], 10, 0);
    CHECK_NEAR(c->brokers[model_broker_find(c, 3)].capacity[RES_CPU], 90, 0);
    CHECK_NEAR(c->brokers[model_broker_find(c, 2)].capacity[RES_DISK], 1000, 0);
    model_cluster_destroy(c);
}

TEST(without_capacities_plain_parse_fails_and_ex_defers)
{
    const char *j = "{\"version\": 1, \"brokers\": [{\"id\": 7}], \"topics\": []}";
    CHECK_STR_CONTAINS(parse_err(j), "t.json: broker 7 has no cpu capacity and there is no default");
    struct model_capacity_table snap = {0};
    struct model_cluster *c = NULL;
    struct error err = {0};
    CHECK_INT_EQ(model_snapshot_parse_ex(j, strlen(j), "t.json", &snap, &c, &err), 0);
    for (int r = 0; r < RES_COUNT; r++)
        CHECK(!snap.dflt.set[r]);
    if (c) {
        /* a broker without broker.rack is a rack and zone of its own */
        CHECK_STR_EQ(c->racks[c->brokers[0].rack].name, "no-rack-7");
        CHECK_STR_EQ(c->zones[model_broker_zone(c, 0)].name, "no-rack-7");
        CHECK(model_capacities_apply(c, NULL, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "broker 7 has no cpu capacity");
    }
    model_cluster_destroy(c);
}

#define CAPS "\"defaultCapacity\": {\"cpu\": 1, \"nwInBytesPerSec\": 1, \"nwOutBytesPerSec\": 1, " \
             "\"diskBytes\": 1}, "

TEST(integers_are_exact_or_rejected)
{
    const char *ok = "{\"version\": 1, " CAPS "\"brokers\": [{\"id\": 2147483647}], \"topics\": "
                     "[{\"name\": \"t\", \"partitions\": [{\"partition\": 1e2, \"replicas\": "
                     "[2147483647], \"sizeBytes\": 9007199254740991}]}]}";
    struct model_cluster *c = parse_ok(ok);
    if (c) {
        CHECK_INT_EQ(c->brokers[0].id, 2147483647);
        CHECK_INT_EQ(c->partitions[0].id, 100);
        CHECK(model_replicas_of(c, 0)[0].size == 9007199254740991ll);
        model_cluster_destroy(c);
    }
    const char *big = "{\"version\": 1, " CAPS "\"brokers\": [{\"id\": 1}], \"topics\": "
                      "[{\"name\": \"t\", \"partitions\": [{\"partition\": 0, \"replicas\": [1], "
                      "\"sizeBytes\": 9007199254740992}]}]}";
    CHECK_STR_CONTAINS(parse_err(big), "sizeBytes: too large to be held exactly");
    const char *id = "{\"version\": 1, " CAPS "\"brokers\": [{\"id\": 2147483648}], \"topics\": []}";
    CHECK_STR_CONTAINS(parse_err(id), "brokers[0].id: 2147483648 is out of range 0..2147483647");
    const char *frac = "{\"version\": 1.5, \"brokers\": [], \"topics\": []}";
    CHECK_STR_CONTAINS(parse_err(frac), "version: expected an integer, not 1.5");
}

TEST(field_order_and_escapes_do_not_matter)
{
    /* topics before brokers before version; an escaped key; a rack listed after use */
    const char *j = "{\"topics\": [{\"partitions\": [{\"replicas\": [2, 1], \"partition\": 0}],"
                    " \"name\": \"t\"}], \"brokers\": [{\"rack\": \"r\", \"id\": 1}, {\"id\": 2,"
                    " \"rack\": \"s\"}], \"racks\": [{\"zone\": \"z\", \"name\": \"r\"}],"
                    " \"\\u0076ersion\": 1, " CAPS "\"cluster\": \"c\\\"q\"}";
    struct model_cluster *c = parse_ok(j);
    if (!c)
        return;
    CHECK_STR_EQ(c->name, "c\"q");
    CHECK_INT_EQ(model_partition_leader(c, 0), model_broker_find(c, 2));
    CHECK_STR_EQ(c->zones[model_broker_zone(c, model_broker_find(c, 1))].name, "z");
    CHECK_STR_EQ(c->zones[model_broker_zone(c, model_broker_find(c, 2))].name, "s");
    char *a = model_snapshot_dump(c);
    CHECK(strstr(a, "\"cluster\": \"c\\\"q\"") != NULL);
    free(a);
    check_round_trip(c);
    model_cluster_destroy(c);
}

TEST(rf_may_exceed_usable_brokers)
{
    /* A snapshot describes what is: a partition may sit on a dead broker even when too few
     * brokers are left to move it; the planner, not the loader, reports that. */
    const char *j = "{\"version\": 1, " CAPS "\"brokers\": [{\"id\": 1}, {\"id\": 2, \"state\":"
                    " \"dead\"}], \"topics\": [{\"name\": \"t\", \"partitions\": [{\"partition\":"
                    " 0, \"replicas\": [1, 2]}]}]}";
    struct model_cluster *c = parse_ok(j);
    if (c)
        CHECK_INT_EQ(c->usable_racks, 1);
    model_cluster_destroy(c);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

TEST(bad_files_give_their_expected_messages)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", test_data("snapshot/bad"));
    char exp_path[4200];
    snprintf(exp_path, sizeof(exp_path), "%s/EXPECTED", dir);
    size_t len;
    char *expected = slurp(exp_path, &len);
    CHECK(expected != NULL);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!expected || !d) {
        free(expected);
        if (d)
            closedir(d);
        return;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512)
        if (strlen(e->d_name) > 5 && strcmp(e->d_name + strlen(e->d_name) - 5, ".json") == 0)
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
    CHECK(n >= 60);
    int lines = 0;
    for (char *l = expected; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
        lines += *l != '#' && *l != '\n';
    CHECK_INT_EQ(lines, n); /* no stale lines */
    for (int i = 0; i < n; i++) {
        /* find "<name>: " at the start of a line */
        char key[300];
        snprintf(key, sizeof(key), "\n%s: ", names[i]);
        char *hit = strstr(expected, key);
        if (!hit) {
            test_fail(__FILE__, __LINE__, "%s has no line in EXPECTED", names[i]);
            continue;
        }
        char want[1024];
        const char *w = hit + strlen(key);
        size_t wl = strcspn(w, "\n");
        snprintf(want, sizeof(want), "%.*s", (int)wl, w);
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        struct model_cluster *c = NULL;
        struct error err = {0};
        int rc = snapfile_load(path, &c, &err);
        if (rc == 0) {
            test_fail(__FILE__, __LINE__, "%s parsed; expected \"%s\"", names[i], want);
            model_cluster_destroy(c);
        } else {
            if (rc != -EINVAL)
                test_fail(__FILE__, __LINE__, "%s: rc %d", names[i], rc);
            if (!strstr(err.msg, want))
                test_fail(__FILE__, __LINE__, "%s:\n    got      %s\n    expected %s", names[i],
                          err.msg, want);
            if (strncmp(err.msg, path, strlen(path)) != 0)
                test_fail(__FILE__, __LINE__, "%s: message does not start with the path: %s",
                          names[i], err.msg);
        }
        free(names[i]);
    }
    free(expected);
}

TEST(truncation_at_every_byte_never_crashes)
{
    size_t len = 0;
    char *buf = sample_text(&len);
    if (!buf)
        return;
    int ok = 0;
    for (size_t n = 0; n <= len; n++) {
        struct model_cluster *c = NULL;
        struct error err = {0};
        if (parse_exact(buf, n, true, &c, &err) == 0) {
            ok++;
            model_cluster_destroy(c);
        } else if (strncmp(err.msg, "t.json", 6) != 0) {
            test_fail(__FILE__, __LINE__, "cut at %zu: message without the name: %s", n, err.msg);
        }
    }
    CHECK_INT_EQ(ok, 2); /* the whole file, and the file less its final newline */
    free(buf);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Byte flips, inserted structural characters and deleted ranges: never a crash, always a
 * message or a cluster, and whatever parses dumps and re-parses to the same bytes. */
TEST(mutations_never_crash_and_what_parses_round_trips)
{
    size_t len = 0;
    char *buf = sample_text(&len);
    if (!buf)
        return;
    static const char specials[] = "{}[]\",:\\0-1e.9 nt";
    char *m = malloc(len + 64);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    int parsed = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(m, buf, len);
        size_t n = len;
        int edits = 1 + (int)(rng_next(&s) % 3);
        for (int k = 0; k < edits && n > 0; k++) {
            size_t at = rng_next(&s) % n;
            switch (rng_next(&s) % 3) {
            case 0:
                m[at] = specials[rng_next(&s) % (sizeof(specials) - 1)];
                break;
            case 1:
                memmove(m + at + 1, m + at, n - at);
                m[at] = specials[rng_next(&s) % (sizeof(specials) - 1)];
                n++;
                break;
            default: {
                size_t del = 1 + rng_next(&s) % 8;
                if (del > n - at)
                    del = n - at;
                memmove(m + at, m + at + del, n - at - del);
                n -= del;
            }
            }
        }
        struct model_cluster *c = NULL;
        struct error err = {0};
        if (parse_exact(m, n, false, &c, &err) == 0) {
            parsed++;
            char *a = model_snapshot_dump(c);
            struct model_cluster *d = NULL;
            if (parse_exact(a, strlen(a), false, &d, &err) < 0) {
                test_fail(__FILE__, __LINE__, "mutation %d: its dump does not parse: %s", iter,
                          err.msg);
            } else {
                char *b = model_snapshot_dump(d);
                if (strcmp(a, b) != 0)
                    test_fail(__FILE__, __LINE__, "mutation %d: dumps differ", iter);
                free(b);
                model_cluster_destroy(d);
            }
            free(a);
            model_cluster_destroy(c);
        } else if (err.msg[0] == '\0') {
            test_fail(__FILE__, __LINE__, "mutation %d: error without a message", iter);
        }
    }
    CHECK(parsed > 0);
    free(m);
    free(buf);
}

TEST(save_is_atomic_and_load_reports_file_errors)
{
    char dir[] = "/tmp/ballast-snapshot-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], bogus[160];
    snprintf(path, sizeof(path), "%s/s.json", dir);
    snprintf(bogus, sizeof(bogus), "%s/no/such/dir/s.json", dir);
    struct model_cluster *c = load_ok(test_data("snapshot/sample.json"));
    if (!c)
        return;
    struct error err = {0};
    CHECK_INT_EQ(snapfile_save(c, path, &err), 0);
    CHECK_INT_EQ(snapfile_save(c, path, &err), 0); /* replaces */
    struct model_cluster *d = load_ok(path);
    if (d) {
        char *a = model_snapshot_dump(c), *b = model_snapshot_dump(d);
        CHECK_STR_EQ(a, b);
        free(a);
        free(b);
        model_cluster_destroy(d);
    }
    CHECK(snapfile_save(c, bogus, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "/no/such/dir/s.json");
    /* no temporary file is left behind */
    DIR *dd = opendir(dir);
    int files = 0;
    for (struct dirent *e; dd && (e = readdir(dd));)
        files += e->d_name[0] != '.';
    if (dd)
        closedir(dd);
    CHECK_INT_EQ(files, 1);
    CHECK_INT_EQ(snapfile_load(bogus, &d, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "no/such/dir/s.json: No such file or directory");
    CHECK(snapfile_load(dir, &d, &err) < 0); /* a directory */
    CHECK_STR_CONTAINS(err.msg, dir);
    unlink(path);
    rmdir(dir);
    model_cluster_destroy(c);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
