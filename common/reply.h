/* A reply body collected in memory up to a limit: the one libcurl write callback for a body
 * Ballast reads whole (the CLI's client, the Kubernetes client, the metric samplers), and the
 * one error text for a reply over the limit ("GET http://x/y: reply larger than 1024 bytes").
 * The callback has libcurl's CURLOPT_WRITEFUNCTION signature, so common/ needs no libcurl.
 * Reentrant: all state is in the struct, one struct per transfer. */
#ifndef COMMON_REPLY_H
#define COMMON_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct reply_buf {
    char *data;  /* NUL-terminated after the last byte; NULL while nothing was added */
    size_t len;  /* bytes held, not counting the NUL */
    size_t cap;
    size_t max;  /* bytes held at most */
    bool over;   /* an append would have passed max: it was refused, and so is every later one */
};

void reply_buf_init(struct reply_buf *b, size_t max);
/* Frees the bytes; the buffer is empty (same max) and may be used again. */
void reply_buf_finish(struct reply_buf *b);
/* Empties the buffer but keeps its memory (and over). */
void reply_buf_clear(struct reply_buf *b);
/* Appends n bytes. False, keeping nothing of them and setting over, when len would pass max
 * (or once over is set). */
bool reply_buf_append(struct reply_buf *b, const void *p, size_t n);
/* libcurl's write callback; CURLOPT_WRITEDATA is the struct reply_buf. Returns
 * size * nmemb, or 0 when the bytes would pass max, which makes libcurl abort the transfer
 * (CURLE_WRITE_ERROR); b->over then tells why. */
size_t reply_buf_write(char *ptr, size_t size, size_t nmemb, void *arg);
/* Hands the bytes over (caller frees; "" when there were none, never NULL), len in *ret_len
 * (may be NULL); the buffer is empty afterwards. */
char *reply_buf_take(struct reply_buf *b, size_t *ret_len);
/* The error for a reply over the limit: -EFBIG, "<what>: reply larger than <max> bytes". */
int reply_buf_error(const struct reply_buf *b, const char *what, struct error *err);

#endif
