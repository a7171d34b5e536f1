/* common/jsonw: the text it writes is the JSON cJSON reads back to the same values: integers
 * at the ends of their range, doubles (shortest and 17-digit forms) exactly, strings with
 * quotes, backslashes, control characters and UTF-8. */
#include <math.h>
#include <stdlib.h>

#include <cJSON.h>

#include "common/jsonw.h"
#include "tests/harness.h"

TEST(integers_and_numbers)
{
    struct jsonw w = {0};
    jsonw_lit(&w, "[");
    jsonw_int(&w, -9223372036854775807LL - 1);
    jsonw_lit(&w, ",");
    jsonw_int(&w, 0);
    jsonw_lit(&w, "]");
    CHECK_STR_EQ(w.p, "[-9223372036854775808,0]");
    free(w.p);

    static const double v[] = {0.1, 1765012345.123456789, -2.5e-300, 1e22, 9007199254740991.0,
                               1.0 / 3};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        for (int form = 0; form < 2; form++) {
            struct jsonw n = {0};
            (form ? jsonw_num17 : jsonw_num)(&n, v[i]);
            cJSON *j = cJSON_Parse(n.p);
            CHECK(j && cJSON_IsNumber(j) && j->valuedouble == v[i]);
            cJSON_Delete(j);
            free(n.p);
        }
    }
    struct jsonw s = {0};
    jsonw_num(&s, 0.1);
    jsonw_lit(&s, " ");
    jsonw_num(&s, NAN);
    CHECK_STR_EQ(s.p, "0.1 null"); /* the shortest form */
    free(s.p);
}

TEST(strings)
{
    const char *in = "a\"b\\c\nd\te\x01" "f caf\xc3\xa9 /";
    struct jsonw w = {0};
    jsonw_str(&w, in);
    CHECK_STR_EQ(w.p, "\"a\\\"b\\\\c\\u000ad\\u0009e\\u0001f caf\xc3\xa9 /\"");
    cJSON *j = cJSON_Parse(w.p);
    CHECK(j && cJSON_IsString(j));
    if (j && cJSON_IsString(j))
        CHECK_STR_EQ(j->valuestring, in);
    cJSON_Delete(j);
    free(w.p);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
