/* Kafka's wire encoding (KIP-482 flexible versions): a growable writer and a bounds-checked
 * reader. Every broker reply is untrusted input: the reader never reads past its buffer, caps
 * array lengths by the bytes left, and on the first problem records a message naming the field
 * and the offset; later reads then return zeroes, so a decoder checks kafka_rd_ok() once at the
 * end. Big-endian integers, unsigned varints, compact strings and arrays (length + 1, 0 = null),
 * tagged-field blocks (unknown tags skipped). */
#ifndef KAFKA_WIRE_H
#define KAFKA_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kafka_wr {
    uint8_t *p;
    size_t len, cap;
};

void kafka_wr_init(struct kafka_wr *w);
void kafka_wr_finish(struct kafka_wr *w);
void kafka_wr_i8(struct kafka_wr *w, int8_t v);
void kafka_wr_i16(struct kafka_wr *w, int16_t v);
void kafka_wr_i32(struct kafka_wr *w, int32_t v);
void kafka_wr_i64(struct kafka_wr *w, int64_t v);
void kafka_wr_uvarint(struct kafka_wr *w, uint64_t v);
void kafka_wr_compact_str(struct kafka_wr *w, const char *s); /* NULL = null */
void kafka_wr_classic_str(struct kafka_wr *w, const char *s); /* int16 length; NULL = -1 */
void kafka_wr_null_array(struct kafka_wr *w);                 /* compact null array */
void kafka_wr_tags(struct kafka_wr *w);                       /* an empty tagged-field block */

struct kafka_rd {
    const uint8_t *p;
    size_t len, off;
    bool failed;
    char err[200];
};

void kafka_rd_init(struct kafka_rd *r, const uint8_t *p, size_t len);
bool kafka_rd_ok(const struct kafka_rd *r);
int8_t kafka_rd_i8(struct kafka_rd *r, const char *field);
int16_t kafka_rd_i16(struct kafka_rd *r, const char *field);
int32_t kafka_rd_i32(struct kafka_rd *r, const char *field);
int64_t kafka_rd_i64(struct kafka_rd *r, const char *field);
uint64_t kafka_rd_uvarint(struct kafka_rd *r, const char *field);
/* Compact array length: -1 for null; capped so that `min_elem` bytes per element fit. */
int32_t kafka_rd_array(struct kafka_rd *r, const char *field, size_t min_elem);
/* Compact (nullable) string into buf (NUL-terminated, truncation is an error); false for null. */
bool kafka_rd_compact_str(struct kafka_rd *r, const char *field, char *buf, size_t buflen);
/* Compact (nullable) string of at most max bytes on the heap (caller frees); NULL for null
 * and on failure. */
char *kafka_rd_compact_strdup(struct kafka_rd *r, const char *field, size_t max);
void kafka_rd_skip(struct kafka_rd *r, size_t n, const char *field);
/* Skips a tagged-field block (every tag unknown to us). */
void kafka_rd_tags(struct kafka_rd *r, const char *field);

#endif
