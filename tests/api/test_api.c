/* The API's input checks and credentials: every parameter error names the parameter, bodies
 * and queries merge without silent overrides, crypt(3) hashes verify, roles parse. */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "common/alloc.h"
#include "tests/harness.h"

static int parse(const char *query_json, const char *body, struct svc_request *r,
                 struct error *err)
{
    cJSON *q = cJSON_Parse(query_json ? query_json : "{}");
    cJSON *all = NULL;
    int rc = api_params_merge(q, body, body ? strlen(body) : 0, &all, err);
    cJSON_Delete(q);
    if (rc < 0)
        return rc;
    struct api_limits lim = {16};
    rc = api_rebalance_parse(all, &lim, r, err);
    cJSON_Delete(all);
    return rc;
}

#define BAD(q, body, needle)                                                                       \
    do {                                                                                           \
        struct svc_request r_;                                                                     \
        struct error e_ = {0};                                                                     \
        CHECK_INT_EQ(parse(q, body, &r_, &e_), -EINVAL);                                           \
        CHECK_STR_CONTAINS(e_.msg, needle);                                                        \
    } while (0)

TEST(rebalance_defaults)
{
    struct svc_request r;
    struct error err = {0};
    CHECK_INT_EQ(parse(NULL, NULL, &r, &err), 0);
    CHECK(r.dryrun);
    CHECK_INT_EQ(r.mode, SVC_MODE_FULL);
    CHECK(r.throttle < 0);
    svc_request_finish(&r);
}

TEST(rebalance_query_and_body)
{
    struct svc_request r;
    struct error err = {0};
    CHECK_INT_EQ(parse("{\"mode\":\"remove-brokers\",\"brokers\":\"3,4\",\"dryrun\":\"False\"}",
                       "{\"throttle\":\"50MB\",\"goals\":[\"RackAwareGoal\"],"
                       "\"strategies\":\"PrioritizeLargeReplicaMovementStrategy\","
                       "\"concurrency\":3,\"reason\":\"drain\"}",
                       &r, &err),
                 0);
    CHECK_INT_EQ(r.mode, SVC_MODE_REMOVE_BROKERS);
    CHECK_INT_EQ(r.nbrokers, 2);
    CHECK_INT_EQ(r.brokers[1], 4);
    CHECK(!r.dryrun);
    CHECK_NEAR(r.throttle, 50e6, 0.5);
    CHECK_INT_EQ(r.ngoals, 1);
    CHECK_INT_EQ(r.concurrency, 3);
    CHECK_STR_EQ(r.reason, "drain");
    svc_request_finish(&r);
    CHECK_INT_EQ(parse(NULL, "{\"brokers\":[1,2],\"mode\":\"demote\"}", &r, &err), 0);
    CHECK_INT_EQ(r.nbrokers, 2);
    svc_request_finish(&r);
}

TEST(rebalance_errors_name_the_parameter)
{
    BAD("{\"dryrn\":\"true\"}", NULL, "unknown parameter 'dryrn'");
    BAD("{\"mode\":\"sideways\"}", NULL, "unknown mode 'sideways'");
    BAD("{\"goals\":\"RackAwareGoal,NoSuchGoal\"}", NULL, "unknown goal 'NoSuchGoal'");
    BAD("{\"goals\":\"RackAwareGoal,\"}", NULL, "empty");
    BAD("{\"brokers\":\"1,x\"}", NULL, "'x' is not a broker id");
    BAD("{\"brokers\":\"1,1\"}", NULL, "listed twice");
    BAD("{\"dryrun\":\"yes please\"}", NULL, "parameter 'dryrun': expected true or false");
    BAD("{\"excludedTopics\":\"(\"}", NULL, "bad regular expression");
    BAD("{\"throttle\":\"fast\"}", NULL, "'fast' is not a rate");
    BAD("{\"throttle\":\"0.5\"}", NULL, "not a rate Kafka can keep");
    BAD("{\"concurrency\":\"0\"}", NULL, "parameter 'concurrency': expected a whole number");
    BAD("{\"concurrency\":\"abc\"}", NULL, "'abc' is not a number");
    BAD("{\"strategies\":\"FastestFirst\"}", NULL, "parameter 'strategies'");
    BAD("{\"proposalId\":\"xyz\"}", NULL, "not a proposal id");
    BAD("{\"proposalId\":\"00000000-0000-4000-8000-000000000000\"}", NULL, "dryrun=false");
    BAD("{\"mode\":\"full\"}", "{\"mode\":\"full\"}", "given twice");
    BAD(NULL, "{\"mode\":", "malformed JSON");
    BAD(NULL, "[1,2]", "expected a JSON object");
    BAD(NULL, "{} {}", "text after the JSON value");
    BAD(NULL, "{\"brokers\":[1.5]}", "items must be strings or whole numbers");
    BAD(NULL, "{\"reason\":42}", "parameter 'reason': expected a string");
    /* more parameters than the limit (16 in parse()) */
    char body[2048] = "{";
    for (int i = 0; i < 20; i++)
        snprintf(body + strlen(body), sizeof(body) - strlen(body), "%s\"p%d\":1",
                 i ? "," : "", i);
    strcat(body, "}");
    BAD(NULL, body, "more than 16 parameters");
}

static char *hash_of(const char *password)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    CHECK(crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) != NULL);
    struct crypt_data *cd = xcalloc(1, sizeof(*cd));
    const char *h = crypt_rn(password, salt, cd, sizeof(*cd));
    char *out = xstrdup(h ? h : "");
    free(cd);
    return out;
}

static char *basic(const char *userpass)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(userpass);
    char *out = xcalloc(n * 2 + 16, 1);
    strcpy(out, "Basic ");
    char *o = out + 6;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)userpass[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)userpass[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)userpass[i + 2];
        *o++ = tbl[(v >> 18) & 63];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        *o++ = i + 2 < n ? tbl[v & 63] : '=';
    }
    return out;
}

TEST(credentials)
{
    char *h1 = hash_of("s3cret"), *h2 = hash_of("view");
    char *text = xasprintf("# users\nadmin:%s:ADMIN\n\nviewer:%s:VIEWER\n", h1, h2);
    struct api_auth *a = NULL;
    struct error err = {0};
    CHECK_INT_EQ(api_auth_parse(text, "creds", &a, &err), 0);
    const char *user = NULL;
    char *ok = basic("admin:s3cret"), *bad = basic("admin:wrong"), *v = basic("viewer:view");
    char *nouser = basic("mallory:s3cret");
    CHECK_INT_EQ(api_auth_check(a, ok, &user), API_ROLE_ADMIN);
    CHECK_STR_EQ(user, "admin");
    CHECK_INT_EQ(api_auth_check(a, ok, &user), API_ROLE_ADMIN); /* cached */
    CHECK_INT_EQ(api_auth_check(a, bad, &user), API_ROLE_NONE);
    CHECK_INT_EQ(api_auth_check(a, v, &user), API_ROLE_VIEWER);
    CHECK_INT_EQ(api_auth_check(a, nouser, &user), API_ROLE_NONE);
    CHECK_INT_EQ(api_auth_check(a, NULL, &user), API_ROLE_NONE);
    CHECK_INT_EQ(api_auth_check(a, "Bearer xyz", &user), API_ROLE_NONE);
    CHECK_INT_EQ(api_auth_check(a, "Basic !!!!", &user), API_ROLE_NONE);
    CHECK_INT_EQ(api_auth_check(a, "Basic bm9jb2xvbg==", &user), API_ROLE_NONE); /* "nocolon" */
    api_auth_destroy(a);
    free(ok);
    free(bad);
    free(v);
    free(nouser);
    free(text);

    a = NULL;
    CHECK_INT_EQ(api_auth_parse("bob:plaintext:ADMIN\n", "creds", &a, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "creds:1: user 'bob': the password must be a crypt(3) hash");
    text = xasprintf("bob:%s:ROOT\n", h1);
    CHECK_INT_EQ(api_auth_parse(text, "creds", &a, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "creds:1: role 'ROOT'");
    free(text);
    text = xasprintf("bob:%s:USER\nbob:%s:USER\n", h1, h1);
    CHECK_INT_EQ(api_auth_parse(text, "creds", &a, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "creds:2: user 'bob' is listed twice");
    free(text);
    CHECK_INT_EQ(api_auth_parse("bob\n", "creds", &a, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "creds:1: expected user:hash:ROLE");
    CHECK_INT_EQ(api_auth_parse("# nobody\n", "creds", &a, &err), -EINVAL);
    free(h1);
    free(h2);
}

TEST(openapi_is_json)
{
    cJSON *j = cJSON_Parse(api_openapi_json);
    CHECK(j != NULL);
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "paths"), "/api/v1/rebalance") != NULL);
    cJSON_Delete(j);
}

TEST(metrics_samples_per_broker)
{
    struct svc_sample_count v[] = {{1, 5, 0}, {3, 2, 4}};
    char *t = api_metrics_samples(v, 2);
    CHECK_STR_CONTAINS(t, "# TYPE ballast_sampler_broker_samples_total counter\n");
    CHECK_STR_CONTAINS(t, "ballast_sampler_broker_samples_total{broker=\"1\",result=\"ok\"} 5\n");
    CHECK_STR_CONTAINS(t, "ballast_sampler_broker_samples_total{broker=\"1\",result=\"failed\"} 0\n");
    CHECK_STR_CONTAINS(t, "ballast_sampler_broker_samples_total{broker=\"3\",result=\"ok\"} 2\n");
    CHECK_STR_CONTAINS(t, "ballast_sampler_broker_samples_total{broker=\"3\",result=\"failed\"} 4\n");
    free(t);
    t = api_metrics_samples(NULL, 0);
    CHECK(strstr(t, "{broker=") == NULL);
    CHECK_STR_CONTAINS(t, "# HELP ballast_sampler_broker_samples_total");
    free(t);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
