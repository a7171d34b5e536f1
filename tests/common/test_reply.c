/* common/reply: the bounded reply buffer, by hand and as libcurl's write callback on a real
 * transfer (a file:// URL, so no server): bytes kept whole and NUL-terminated, a reply of
 * exactly the limit accepted, one byte more refused with the transfer aborted, the error naming
 * the limit, and the buffer reusable after take/finish. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/reply.h"
#include "tests/harness.h"

TEST(appends_up_to_the_limit)
{
    struct reply_buf b;
    reply_buf_init(&b, 10);
    CHECK(b.data == NULL);
    CHECK(reply_buf_append(&b, "hello", 5));
    CHECK(reply_buf_append(&b, "", 0));
    CHECK(reply_buf_append(&b, "world", 5)); /* exactly 10 */
    CHECK_STR_EQ(b.data, "helloworld");
    CHECK_INT_EQ(b.len, 10);
    CHECK(!b.over);
    CHECK(!reply_buf_append(&b, "!", 1)); /* 11 */
    CHECK(b.over);
    CHECK_STR_EQ(b.data, "helloworld"); /* the refused bytes are not kept */
    CHECK(!reply_buf_append(&b, "", 0));  /* once over, always over */
    struct error err = {0};
    CHECK_INT_EQ(reply_buf_error(&b, "GET http://x/y", &err), -EFBIG);
    CHECK_INT_EQ(err.code, -EFBIG);
    CHECK_STR_EQ(err.msg, "GET http://x/y: reply larger than 10 bytes");
    reply_buf_finish(&b);
    CHECK(b.data == NULL && b.len == 0 && !b.over && b.max == 10);
}

TEST(clear_keeps_memory_and_take_hands_over)
{
    struct reply_buf b;
    reply_buf_init(&b, 100);
    size_t len = 99;
    char *empty = reply_buf_take(&b, &len);
    CHECK_STR_EQ(empty, "");
    CHECK_INT_EQ(len, 0);
    free(empty);
    CHECK(reply_buf_append(&b, "line one", 8));
    reply_buf_clear(&b);
    CHECK_STR_EQ(b.data, "");
    CHECK_INT_EQ(b.len, 0);
    CHECK(reply_buf_append(&b, "two", 3));
    char *p = reply_buf_take(&b, &len);
    CHECK_STR_EQ(p, "two");
    CHECK_INT_EQ(len, 3);
    CHECK(b.data == NULL && b.len == 0 && b.max == 100);
    free(p);
    /* a limit near SIZE_MAX does not wrap */
    reply_buf_init(&b, (size_t)-1);
    CHECK(reply_buf_append(&b, "x", 1));
    reply_buf_finish(&b);
}

/* Fetches a file of n bytes through libcurl into a buffer of limit max. */
static CURLcode fetch(size_t n, size_t max, struct reply_buf *b)
{
    char path[] = "/tmp/ballast-reply-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    char *data = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + i % 26);
    CHECK_INT_EQ(write(fd, data, n), (long)n);
    close(fd);
    char url[64];
    snprintf(url, sizeof(url), "file://%s", path);
    reply_buf_init(b, max);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_buf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    unlink(path);
    if (cc == CURLE_OK) {
        CHECK_INT_EQ(b->len, n);
        CHECK(memcmp(b->data, data, n) == 0);
        CHECK(b->data[n] == '\0');
    }
    free(data);
    return cc;
}

TEST(as_libcurls_write_callback)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct reply_buf b;
    CHECK_INT_EQ(fetch(200000, 200000, &b), CURLE_OK); /* exactly the limit, many chunks */
    CHECK(!b.over);
    reply_buf_finish(&b);
    CHECK_INT_EQ(fetch(200001, 200000, &b), CURLE_WRITE_ERROR);
    CHECK(b.over);
    CHECK(b.len <= 200000);
    struct error err = {0};
    reply_buf_error(&b, "GET file:///x", &err);
    CHECK_STR_EQ(err.msg, "GET file:///x: reply larger than 200000 bytes");
    reply_buf_finish(&b);
    curl_global_cleanup();
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
