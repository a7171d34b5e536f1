/* The wire codec on good and hostile bytes: round trips, and every malformed reply (truncated,
 * lying lengths, endless varints, NUL in strings) is an error naming the field and offset,
 * never a read past the buffer. */
#include <stdlib.h>

#include "kafka/wire.h"
#include "tests/harness.h"

TEST(round_trip)
{
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i8(&w, -3);
    kafka_wr_i16(&w, -2);
    kafka_wr_i32(&w, 123456789);
    kafka_wr_i64(&w, -9876543210123ll);
    kafka_wr_uvarint(&w, 300);
    kafka_wr_compact_str(&w, "rack-a");
    kafka_wr_compact_str(&w, NULL);
    kafka_wr_uvarint(&w, 3); /* an array of 2 */
    kafka_wr_i32(&w, 7);
    kafka_wr_i32(&w, 8);
    kafka_wr_uvarint(&w, 1); /* one tagged field: tag 5, 2 bytes */
    kafka_wr_uvarint(&w, 5);
    kafka_wr_uvarint(&w, 2);
    kafka_wr_i16(&w, 0);
    struct kafka_rd r;
    kafka_rd_init(&r, w.p, w.len);
    CHECK_INT_EQ(kafka_rd_i8(&r, "a"), -3);
    CHECK_INT_EQ(kafka_rd_i16(&r, "b"), -2);
    CHECK_INT_EQ(kafka_rd_i32(&r, "c"), 123456789);
    CHECK(kafka_rd_i64(&r, "d") == -9876543210123ll);
    CHECK_INT_EQ(kafka_rd_uvarint(&r, "e"), 300);
    char buf[16];
    CHECK(kafka_rd_compact_str(&r, "f", buf, sizeof(buf)));
    CHECK_STR_EQ(buf, "rack-a");
    CHECK(!kafka_rd_compact_str(&r, "g", buf, sizeof(buf)));
    CHECK_INT_EQ(kafka_rd_array(&r, "h", 4), 2);
    CHECK_INT_EQ(kafka_rd_i32(&r, "h0"), 7);
    CHECK_INT_EQ(kafka_rd_i32(&r, "h1"), 8);
    kafka_rd_tags(&r, "tags");
    CHECK(kafka_rd_ok(&r));
    CHECK_INT_EQ(r.off, w.len);
    kafka_wr_finish(&w);
}

TEST(hostile_replies)
{
    struct kafka_rd r;
    uint8_t trunc[] = {0x00, 0x01};
    kafka_rd_init(&r, trunc, sizeof(trunc));
    kafka_rd_i32(&r, "Brokers.NodeId");
    CHECK(!kafka_rd_ok(&r));
    CHECK_STR_CONTAINS(r.err, "Brokers.NodeId at byte 0: the reply ends early");
    CHECK_INT_EQ(kafka_rd_i32(&r, "next"), 0); /* sticky: later reads are zero */

    uint8_t lying_array[] = {0xff, 0xff, 0xff, 0x7f, 0x00};
    kafka_rd_init(&r, lying_array, sizeof(lying_array));
    kafka_rd_array(&r, "Topics", 4);
    CHECK(!kafka_rd_ok(&r));
    CHECK_STR_CONTAINS(r.err, "array longer than the reply");

    uint8_t endless[12];
    memset(endless, 0xff, sizeof(endless));
    kafka_rd_init(&r, endless, sizeof(endless));
    kafka_rd_uvarint(&r, "len");
    CHECK(!kafka_rd_ok(&r));
    CHECK_STR_CONTAINS(r.err, "varint longer than 10 bytes");

    uint8_t long_str[] = {0x10, 'a', 'b'};
    char buf[64];
    kafka_rd_init(&r, long_str, sizeof(long_str));
    kafka_rd_compact_str(&r, "Host", buf, sizeof(buf));
    CHECK(!kafka_rd_ok(&r));
    CHECK_STR_CONTAINS(r.err, "Host");

    uint8_t nul_str[] = {0x03, 'a', 0x00};
    kafka_rd_init(&r, nul_str, sizeof(nul_str));
    kafka_rd_compact_str(&r, "Rack", buf, sizeof(buf));
    CHECK_STR_CONTAINS(r.err, "NUL");

    uint8_t big_tag[] = {0x01, 0x00, 0x7f};
    kafka_rd_init(&r, big_tag, sizeof(big_tag));
    kafka_rd_tags(&r, "tags");
    CHECK_STR_CONTAINS(r.err, "tagged field longer than the reply");
}

/* Random bytes through every reader: no crash, no read past the end (the sanitizer build
 * would see it), and a stream never both fails and advances past its length. */
TEST(random_bytes_never_overrun)
{
    uint64_t s = 42;
    for (int round = 0; round < 20000; round++) {
        uint8_t buf[64];
        size_t n = (size_t)(round % 64);
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            buf[i] = (uint8_t)(s >> 56);
        }
        uint8_t *exact = malloc(n ? n : 1);
        memcpy(exact, buf, n);
        struct kafka_rd r;
        kafka_rd_init(&r, exact, n);
        char str[32];
        for (int k = 0; k < 8; k++) {
            switch ((round + k) % 6) {
            case 0: kafka_rd_i32(&r, "i32"); break;
            case 1: kafka_rd_compact_str(&r, "str", str, sizeof(str)); break;
            case 2: kafka_rd_array(&r, "arr", 4); break;
            case 3: kafka_rd_tags(&r, "tags"); break;
            case 4: kafka_rd_i64(&r, "i64"); break;
            default: kafka_rd_uvarint(&r, "uv"); break;
            }
        }
        CHECK_INT_LE(r.off, n);
        free(exact);
    }
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
