/* Kafka's wire encoding; see wire.h. */
#include "kafka/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void kafka_wr_init(struct kafka_wr *w)
{
    w->p = NULL;
    w->len = w->cap = 0;
}

void kafka_wr_finish(struct kafka_wr *w)
{
    free(w->p);
    kafka_wr_init(w);
}

static void put(struct kafka_wr *w, const void *src, size_t n)
{
    xgrow((void **)&w->p, &w->cap, w->len + n, 1);
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

void kafka_wr_i8(struct kafka_wr *w, int8_t v)
{
    put(w, &v, 1);
}

void kafka_wr_i16(struct kafka_wr *w, int16_t v)
{
    uint8_t b[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    put(w, b, 2);
}

void kafka_wr_i32(struct kafka_wr *w, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t b[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    put(w, b, 4);
}

void kafka_wr_i64(struct kafka_wr *w, int64_t v)
{
    kafka_wr_i32(w, (int32_t)((uint64_t)v >> 32));
    kafka_wr_i32(w, (int32_t)(uint32_t)v);
}

void kafka_wr_uvarint(struct kafka_wr *w, uint64_t v)
{
    while (v >= 0x80) {
        uint8_t b = (uint8_t)(v | 0x80);
        put(w, &b, 1);
        v >>= 7;
    }
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}

void kafka_wr_compact_str(struct kafka_wr *w, const char *s)
{
    if (!s) {
        kafka_wr_uvarint(w, 0);
        return;
    }
    size_t n = strlen(s);
    kafka_wr_uvarint(w, n + 1);
    put(w, s, n);
}

void kafka_wr_classic_str(struct kafka_wr *w, const char *s)
{
    if (!s) {
        kafka_wr_i16(w, -1);
        return;
    }
    size_t n = strlen(s);
    kafka_wr_i16(w, (int16_t)n);
    put(w, s, n);
}

void kafka_wr_null_array(struct kafka_wr *w)
{
    kafka_wr_uvarint(w, 0);
}

void kafka_wr_tags(struct kafka_wr *w)
{
    kafka_wr_uvarint(w, 0);
}

void kafka_rd_init(struct kafka_rd *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->failed = false;
    r->err[0] = '\0';
}

bool kafka_rd_ok(const struct kafka_rd *r)
{
    return !r->failed;
}

static void fail(struct kafka_rd *r, const char *field, const char *what)
{
    if (r->failed)
        return;
    r->failed = true;
    snprintf(r->err, sizeof(r->err), "%s at byte %zu: %s", field, r->off, what);
}

static bool need(struct kafka_rd *r, size_t n, const char *field)
{
    if (r->failed)
        return false;
    if (r->len - r->off < n) {
        fail(r, field, "the reply ends early");
        return false;
    }
    return true;
}

int8_t kafka_rd_i8(struct kafka_rd *r, const char *field)
{
    if (!need(r, 1, field))
        return 0;
    return (int8_t)r->p[r->off++];
}

int16_t kafka_rd_i16(struct kafka_rd *r, const char *field)
{
    if (!need(r, 2, field))
        return 0;
    uint16_t v = (uint16_t)((r->p[r->off] << 8) | r->p[r->off + 1]);
    r->off += 2;
    return (int16_t)v;
}

int32_t kafka_rd_i32(struct kafka_rd *r, const char *field)
{
    if (!need(r, 4, field))
        return 0;
    const uint8_t *b = r->p + r->off;
    uint32_t v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    r->off += 4;
    return (int32_t)v;
}

int64_t kafka_rd_i64(struct kafka_rd *r, const char *field)
{
    uint64_t hi = (uint32_t)kafka_rd_i32(r, field), lo = (uint32_t)kafka_rd_i32(r, field);
    return (int64_t)((hi << 32) | lo);
}

uint64_t kafka_rd_uvarint(struct kafka_rd *r, const char *field)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (!need(r, 1, field))
            return 0;
        uint8_t b = r->p[r->off++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    fail(r, field, "varint longer than 10 bytes");
    return 0;
}

int32_t kafka_rd_array(struct kafka_rd *r, const char *field, size_t min_elem)
{
    uint64_t n = kafka_rd_uvarint(r, field);
    if (r->failed)
        return 0;
    if (n == 0)
        return -1;
    n -= 1;
    if (min_elem && n > (r->len - r->off) / min_elem) {
        fail(r, field, "array longer than the reply");
        return 0;
    }
    if (n > 100000000u) {
        fail(r, field, "array too long");
        return 0;
    }
    return (int32_t)n;
}

bool kafka_rd_compact_str(struct kafka_rd *r, const char *field, char *buf, size_t buflen)
{
    buf[0] = '\0';
    uint64_t n = kafka_rd_uvarint(r, field);
    if (r->failed || n == 0)
        return false;
    n -= 1;
    if (!need(r, n, field))
        return false;
    if (n >= buflen) {
        fail(r, field, "string too long");
        return false;
    }
    memcpy(buf, r->p + r->off, n);
    buf[n] = '\0';
    if (memchr(buf, '\0', n)) {
        fail(r, field, "string holds a NUL byte");
        return false;
    }
    r->off += n;
    return true;
}

char *kafka_rd_compact_strdup(struct kafka_rd *r, const char *field, size_t max)
{
    uint64_t n = kafka_rd_uvarint(r, field);
    if (r->failed || n == 0)
        return NULL;
    n -= 1;
    if (!need(r, n, field))
        return NULL;
    if (n > max) {
        fail(r, field, "string too long");
        return NULL;
    }
    if (memchr(r->p + r->off, '\0', n)) {
        fail(r, field, "string holds a NUL byte");
        return NULL;
    }
    char *s = xmalloc(n + 1);
    memcpy(s, r->p + r->off, n);
    s[n] = '\0';
    r->off += n;
    return s;
}

void kafka_rd_skip(struct kafka_rd *r, size_t n, const char *field)
{
    if (need(r, n, field))
        r->off += n;
}

void kafka_rd_tags(struct kafka_rd *r, const char *field)
{
    uint64_t count = kafka_rd_uvarint(r, field);
    if (count > r->len - r->off) {
        fail(r, field, "more tagged fields than bytes");
        return;
    }
    for (uint64_t i = 0; i < count && !r->failed; i++) {
        (void)kafka_rd_uvarint(r, field); /* tag */
        uint64_t size = kafka_rd_uvarint(r, field);
        if (r->failed)
            return;
        if (size > r->len - r->off) {
            fail(r, field, "tagged field longer than the reply");
            return;
        }
        r->off += size;
    }
}
