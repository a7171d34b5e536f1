/* A reply body collected up to a limit; see reply.h. */
#include "common/reply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void reply_buf_init(struct reply_buf *b, size_t max)
{
    *b = (struct reply_buf){.max = max};
}

void reply_buf_finish(struct reply_buf *b)
{
    free(b->data);
    reply_buf_init(b, b->max);
}

void reply_buf_clear(struct reply_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

bool reply_buf_append(struct reply_buf *b, const void *p, size_t n)
{
    if (b->over || n > b->max - b->len) {
        b->over = true;
        return false;
    }
    xgrow((void **)&b->data, &b->cap, b->len + n + 1, 1);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

size_t reply_buf_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    size_t n = size * nmemb; /* libcurl documents size as always 1 */
    return reply_buf_append(arg, ptr, n) ? n : 0;
}

char *reply_buf_take(struct reply_buf *b, size_t *ret_len)
{
    char *p = b->data ? b->data : xstrdup("");
    if (ret_len)
        *ret_len = b->len;
    reply_buf_init(b, b->max);
    return p;
}

int reply_buf_error(const struct reply_buf *b, const char *what, struct error *err)
{
    return error_set(err, -EFBIG, "%s: reply larger than %zu bytes", what, b->max);
}
