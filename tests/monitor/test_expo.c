/* The Prometheus text exposition parser: what it accepts, and every kind of bad input with
 * the line and column it names; limits; cuts and random mutations never crash. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/expo.h"
#include "tests/harness.h"

static struct mon_expo *parse_ok(const char *text)
{
    struct mon_expo *e = NULL;
    struct error err = {0};
    int rc = mon_expo_parse(text, strlen(text), "t", NULL, &e, &err);
    if (rc < 0)
        test_fail(__FILE__, __LINE__, "parse failed: %s", err.msg);
    return e;
}

static const struct mon_expo_sample *find(const struct mon_expo *e, const char *name,
                                          const char *lname, const char *lvalue)
{
    for (int32_t i = 0; i < e->nsamples; i++) {
        const struct mon_expo_sample *s = &e->samples[i];
        if (strcmp(s->name, name) != 0)
            continue;
        const char *v = lname ? mon_expo_label(e, s, lname) : NULL;
        if (!lname || (v && strcmp(v, lvalue) == 0))
            return s;
    }
    return NULL;
}

TEST(families_and_samples)
{
    struct mon_expo *e = parse_ok(
        "# HELP bytes_in_total Bytes in, with a \\\\ and a\\nnewline.\n"
        "# TYPE bytes_in_total counter\n"
        "bytes_in_total 100\n"
        "bytes_in_total{topic=\"a\"} 60 1700000000000\n"
        "bytes_in_total{topic=\"b\"} 40\n"
        "# TYPE req summary\n"
        "req{quantile=\"0.99\"} NaN\n"
        "req_count 7\n"
        "req_sum +Inf\n"
        "loose_metric -Inf\n");
    if (!e)
        return;
    CHECK_INT_EQ(e->nsamples, 7);
    CHECK_INT_EQ(e->nfamilies, 3);
    int32_t f = mon_expo_family_find(e, "bytes_in_total");
    CHECK(f >= 0);
    CHECK_INT_EQ(e->families[f].type, MON_EXPO_COUNTER);
    CHECK_STR_EQ(e->families[f].help, "Bytes in, with a \\ and a\nnewline.");
    const struct mon_expo_sample *s = find(e, "bytes_in_total", "topic", "a");
    CHECK(s && s->value == 60 && s->has_timestamp && s->timestamp_ms == 1700000000000LL);
    s = find(e, "bytes_in_total", NULL, NULL);
    CHECK(s && s->nlabels == 0 && s->value == 100 && !s->has_timestamp);
    int32_t r = mon_expo_family_find(e, "req");
    CHECK_INT_EQ(e->families[r].type, MON_EXPO_SUMMARY);
    s = find(e, "req_count", NULL, NULL);
    CHECK(s && s->family == r && s->value == 7);
    s = find(e, "req", "quantile", "0.99");
    CHECK(s && isnan(s->value));
    s = find(e, "req_sum", NULL, NULL);
    CHECK(s && isinf(s->value) && s->value > 0);
    s = find(e, "loose_metric", NULL, NULL);
    CHECK(s && isinf(s->value) && s->value < 0);
    CHECK(s && !e->families[s->family].declared && e->families[s->family].type == MON_EXPO_UNTYPED);
    CHECK_INT_EQ(mon_expo_family_find(e, "nothing"), -1);
    mon_expo_destroy(e);
}

TEST(labels_escapes_whitespace)
{
    struct mon_expo *e = parse_ok(
        "m{path=\"C:\\\\x\",q=\"say \\\"hi\\\"\",nl=\"a\\nb\",} 1\n"
        "  \t m2 { b = \"2\" , a = \"1\" }   2.5e3   -12  \n"
        "m3{} 0x10\n"
        "m4 inf\n"
        "# plain comment\n"
        "#no space is a comment too\n"
        "# HELPER is a comment\n"
        "\n"
        "crlf{a=\"\"} 1\r\n"
        "last 3");
    if (!e)
        return;
    const struct mon_expo_sample *s = find(e, "m", NULL, NULL);
    CHECK(s && s->nlabels == 3);
    CHECK_STR_EQ(mon_expo_label(e, s, "path"), "C:\\x");
    CHECK_STR_EQ(mon_expo_label(e, s, "q"), "say \"hi\"");
    CHECK_STR_EQ(mon_expo_label(e, s, "nl"), "a\nb");
    s = find(e, "m2", NULL, NULL);
    CHECK(s && s->value == 2500 && s->timestamp_ms == -12);
    CHECK_STR_EQ(e->labels[s->first_label].name, "a"); /* sorted by name */
    CHECK_STR_EQ(mon_expo_label(e, s, "b"), "2");
    s = find(e, "m3", NULL, NULL);
    CHECK(s && s->value == 16 && s->nlabels == 0);
    s = find(e, "m4", NULL, NULL);
    CHECK(s && isinf(s->value));
    s = find(e, "crlf", "a", "");
    CHECK(s && s->value == 1);
    s = find(e, "last", NULL, NULL);
    CHECK(s && s->value == 3 && s->line == 10);
    CHECK_INT_EQ(e->nsamples, 6);
    mon_expo_destroy(e);
}

TEST(empty_and_comments_only)
{
    struct mon_expo *e = parse_ok("");
    CHECK(e && e->nsamples == 0);
    mon_expo_destroy(e);
    e = parse_ok("# just a comment\n\n   \n# EOF\n");
    CHECK(e && e->nsamples == 0 && e->nfamilies == 0);
    mon_expo_destroy(e);
}

static const struct {
    const char *text;
    const char *msg;
} bad[] = {
    {"ok 1\n9bad 1\n", "t:2:1: expected a metric name, not '9bad 1'"},
    {"m{a=\"x} 1\n", "t:1:5: label 'a': value has no closing quote"},
    {"m{a=\"x\\t\"} 1\n", "t:1:7: label 'a': unknown escape '\\t'"},
    {"m{a=\"1\",a=\"2\"} 1\n", "t:1:1: 'm': label 'a' given twice"},
    {"m{a=\"1\" b=\"2\"} 1\n", "t:1:9: 'm': expected ',' or '}' after label 'a'"},
    {"m{a=\"1\"\n", "t:1:8: 'm': labels have no closing '}'"},
    {"m{1a=\"1\"} 1\n", "t:1:3: 'm': expected a label name or '}', not '1a=\"1\"} 1'"},
    {"m{a:b=\"1\"} 1\n", "t:1:4: 'm': expected '=' after label 'a'"},
    {"m{a=1} 1\n", "t:1:5: 'm': label 'a': expected '\"'"},
    {"m\n", "t:1:2: 'm': expected a value"},
    {"m   \n", "t:1:5: 'm': expected a value"},
    {"m{a=\"1\"}1\n", "t:1:9: 'm': expected a space before the value"},
    {"m one\n", "t:1:3: 'm': bad value 'one'"},
    {"m 1e999\n", "t:1:3: 'm': out-of-range value '1e999'"},
    {"m 1,5\n", "t:1:3: 'm': bad value '1,5'"},
    {"m 1 12x\n", "t:1:5: 'm': bad timestamp '12x'"},
    {"m 1 1.5\n", "t:1:5: 'm': bad timestamp '1.5'"},
    {"m 1 99999999999999999999\n", "t:1:5: 'm': out-of-range timestamp"},
    {"m 1 2 3\n", "t:1:7: 'm': unexpected text after the timestamp"},
    {"m{a=\"1\"} 1\nm{a=\"1\"} 2\n", "t:2:1: 'm': the same series (name and labels) is also on line 1"},
    {"m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 2\n", "t:2:1: 'm': the same series"},
    {"# TYPE m counter\n# TYPE m gauge\n", "t:2:8: second TYPE line for 'm' (the first is on line 1)"},
    {"# HELP m a\n# HELP m b\n", "t:2:8: second HELP line for 'm' (the first is on line 1)"},
    {"m 1\n# TYPE m counter\n", "t:2:8: TYPE line for 'm' after its samples (line 1)"},
    {"m_total 1\n# TYPE m counter\n", "t:2:8: TYPE line for 'm' after its samples (line 1)"},
    {"# TYPE m countr\n", "t:1:10: unknown metric type 'countr' for 'm'"},
    {"# TYPE m\n", "t:1:9: expected a type after '# TYPE m'"},
    {"# TYPE m gauge extra\n", "t:1:16: unexpected text after the type of 'm'"},
    {"# TYPE\n", "t:1:7: expected a metric name after '# TYPE'"},
    {"# HELP 1m x\n", "t:1:8: '# HELP': bad metric name '1m x'"},
    {"# HELP m-x doc\n", "t:1:8: '# HELP': bad metric name 'm-x doc'"},
    {"m 1\nx\001y 2\n", "t:2:2: 'x': expected a space before the value"},
    {"m 1\nab\0 2\n", "t:2:3: NUL byte"},
    {"m 1\rx\n", "t:1:4: carriage return inside a line"},
};

TEST(bad_inputs_name_line_and_column)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mon_expo *e = NULL;
        struct error err = {0};
        size_t len = strlen(bad[i].text);
        if (strstr(bad[i].msg, "NUL byte"))
            len = 9;
        int rc = mon_expo_parse(bad[i].text, len, "t", NULL, &e, &err);
        CHECK_INT_EQ(rc, -EINVAL);
        CHECK(e == NULL);
        CHECK_STR_CONTAINS(err.msg, bad[i].msg);
    }
}

TEST(limits)
{
    struct mon_expo_limits lim = mon_expo_default_limits;
    struct mon_expo *e = NULL;
    struct error err = {0};
    lim.max_samples = 2;
    const char *three = "a 1\nb 2\nc 3\n";
    CHECK_INT_EQ(mon_expo_parse(three, strlen(three), "t", &lim, &e, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "t:3:1: more than 2 samples");
    lim = mon_expo_default_limits;
    lim.max_families = 2;
    CHECK_INT_EQ(mon_expo_parse(three, strlen(three), "t", &lim, &e, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "t:3:1: more than 2 metric families");
    lim = mon_expo_default_limits;
    lim.max_labels = 2;
    const char *labels = "m{a=\"1\",b=\"2\",c=\"3\"} 1\n";
    CHECK_INT_EQ(mon_expo_parse(labels, strlen(labels), "t", &lim, &e, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "t:1:15: 'm': more than 2 labels");
    lim = mon_expo_default_limits;
    lim.max_line = 8;
    const char *lines = "short 1\nmuch_longer 1\n";
    CHECK_INT_EQ(mon_expo_parse(lines, strlen(lines), "t", &lim, &e, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "t:2:1: line longer than 8 bytes");
    lim = mon_expo_default_limits;
    lim.max_bytes = 10;
    CHECK_INT_EQ(mon_expo_parse(lines, strlen(lines), "t", &lim, &e, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "t: larger than 10 bytes");
    CHECK(e == NULL);
}

TEST(many_samples_and_families)
{
    /* enough to grow both hash tables several times; a repeat at the end is found */
    size_t cap = 2 << 20, n = 0;
    char *buf = malloc(cap);
    for (int i = 0; i < 20000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "# TYPE f%d gauge\nf%d{p=\"%d\"} %d\n", i % 3000,
                              i % 3000, i, i);
    /* families repeat their TYPE: cut to the first 3000 TYPE lines by rebuilding */
    n = 0;
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "# TYPE f%d gauge\n", i);
    for (int i = 0; i < 20000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "f%d{p=\"%d\"} %d\n", i % 3000, i, i);
    struct mon_expo *e = NULL;
    struct error err = {0};
    CHECK_INT_EQ(mon_expo_parse(buf, n, "t", NULL, &e, &err), 0);
    if (e) {
        CHECK_INT_EQ(e->nsamples, 20000);
        CHECK_INT_EQ(e->nfamilies, 3000);
        CHECK_INT_EQ(e->samples[12345].family, mon_expo_family_find(e, "f345"));
        mon_expo_destroy(e);
    }
    n += (size_t)snprintf(buf + n, cap - n, "f7{p=\"7\"} 1\n");
    e = NULL;
    CHECK_INT_EQ(mon_expo_parse(buf, n, "t", NULL, &e, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "t:23001:1: 'f7': the same series (name and labels) is also on "
                                "line 3008");
    free(buf);
}

TEST(cuts_and_mutations_never_crash)
{
    const char *good = "# HELP a_total A.\n# TYPE a_total counter\n"
                       "a_total{topic=\"x\\\"y\",p=\"1\"} 1.5e3 1700000000000\n"
                       "a_total{topic=\"z\"} NaN\n# TYPE s summary\ns{quantile=\"0.5\"} 1\n"
                       "s_sum 2\ns_count 3\n";
    size_t len = strlen(good);
    for (size_t k = 0; k <= len; k++) {
        char *cut = malloc(k ? k : 1);
        memcpy(cut, good, k);
        struct mon_expo *e = NULL;
        struct error err = {0};
        if (mon_expo_parse(cut, k, "cut", NULL, &e, &err) < 0)
            CHECK_STR_CONTAINS(err.msg, "cut:");
        mon_expo_destroy(e);
        free(cut);
    }
    uint64_t s = 42;
    char *m = malloc(len);
    for (int round = 0; round < 5000; round++) {
        memcpy(m, good, len);
        for (int j = 0; j < 1 + round % 4; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(s >> 33) % len;
            static const char chars[] = "{}\",=\\# \n\t\001aZ_:0.+-e";
            m[at] = chars[(s >> 20) % (sizeof(chars) - 1)];
        }
        struct mon_expo *e = NULL;
        struct error err = {0};
        if (mon_expo_parse(m, len, "mut", NULL, &e, &err) < 0)
            CHECK_STR_CONTAINS(err.msg, "mut:");
        mon_expo_destroy(e);
    }
    free(m);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
