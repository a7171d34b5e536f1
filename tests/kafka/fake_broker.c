/* The scripted broker of fake_broker.h. Requests are read whole (4-byte size, then header:
 * api key, version, correlation id, client id, tagged fields for flexible headers); replies
 * are built with kafka/wire.h's writer. */
#include "tests/kafka/fake_broker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kafka/protocol.h"
#include "kafka/wire.h"

static int read_all(int fd, void *buf, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static void write_all(int fd, const void *buf, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t r = write(fd, (const char *)buf + done, n - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        done += (size_t)r;
    }
}

/* Starts a reply: a size placeholder, the correlation id, and for response header v1 (every
 * flexible reply but ApiVersions') its tagged fields. */
static void reply_start(struct kafka_wr *w, int32_t corr, bool header_v1)
{
    kafka_wr_init(w);
    kafka_wr_i32(w, 0);
    kafka_wr_i32(w, corr);
    if (header_v1)
        kafka_wr_tags(w);
}

/* Sends the reply with its size patched in, and frees it. */
static void reply_send(int fd, struct kafka_wr *w)
{
    uint32_t size = htonl((uint32_t)(w->len - 4));
    memcpy(w->p, &size, 4);
    write_all(fd, w->p, w->len);
    kafka_wr_finish(w);
}

/* The highest version of api in the broker's list, -1 when absent. */
static int api_max(const struct fake_broker *f, int16_t api)
{
    for (int i = 0; i < f->napis; i++)
        if (f->apis[i][0] == api)
            return f->apis[i][2];
    return -1;
}

/* ApiVersions as Kafka answers it: in v3 (flexible) when asked for v3 and the broker has it;
 * otherwise in v0, with UNSUPPORTED_VERSION (35) when asked for a version above its own. */
static void reply_api_versions(int fd, int32_t corr, int16_t version, const struct fake_broker *f)
{
    bool flexible = version >= 3 && api_max(f, KAFKA_API_API_VERSIONS) >= 3;
    struct kafka_wr w;
    reply_start(&w, corr, false);
    kafka_wr_i16(&w, version > api_max(f, KAFKA_API_API_VERSIONS) ? 35 : 0);
    if (flexible)
        kafka_wr_uvarint(&w, (uint64_t)f->napis + 1);
    else
        kafka_wr_i32(&w, f->napis);
    for (int i = 0; i < f->napis; i++) {
        kafka_wr_i16(&w, f->apis[i][0]);
        kafka_wr_i16(&w, f->apis[i][1]);
        kafka_wr_i16(&w, f->apis[i][2]);
        if (flexible)
            kafka_wr_tags(&w);
    }
    if (flexible) {
        kafka_wr_i32(&w, 0);
        kafka_wr_tags(&w);
    }
    reply_send(fd, &w);
}

static void reply_describe_cluster(int fd, int32_t corr, int16_t version, int port)
{
    struct kafka_wr w;
    reply_start(&w, corr, true);
    kafka_wr_i32(&w, 0);  /* ThrottleTimeMs */
    kafka_wr_i16(&w, 0);  /* ErrorCode */
    kafka_wr_compact_str(&w, NULL);
    if (version >= 1)
        kafka_wr_i8(&w, 1);
    kafka_wr_compact_str(&w, "fake");
    kafka_wr_i32(&w, 1); /* ControllerId */
    kafka_wr_uvarint(&w, 2);
    kafka_wr_i32(&w, 1);
    kafka_wr_compact_str(&w, "127.0.0.1");
    kafka_wr_i32(&w, port);
    kafka_wr_compact_str(&w, NULL);
    kafka_wr_tags(&w);
    kafka_wr_i32(&w, 0);
    kafka_wr_tags(&w);
    reply_send(fd, &w);
}

static void reply_list(int fd, int32_t corr, int16_t ec, int conn_no, int nlisted)
{
    struct kafka_wr w;
    reply_start(&w, corr, true);
    kafka_wr_i32(&w, 0);
    kafka_wr_i16(&w, ec);
    kafka_wr_compact_str(&w, ec ? "scripted" : NULL);
    if (ec) {
        kafka_wr_uvarint(&w, 1);
    } else {
        char topic[32];
        snprintf(topic, sizeof(topic), "conn-%d", conn_no);
        kafka_wr_uvarint(&w, 2);
        kafka_wr_compact_str(&w, topic);
        kafka_wr_uvarint(&w, 2);
        kafka_wr_i32(&w, 0);
        kafka_wr_uvarint(&w, (uint64_t)nlisted + 1); /* Replicas */
        for (int k = 0; k < nlisted; k++)
            kafka_wr_i32(&w, k + 1);
        for (int k = 0; k < 2; k++) /* AddingReplicas, RemovingReplicas */
            kafka_wr_uvarint(&w, 1);
        kafka_wr_tags(&w);
        kafka_wr_tags(&w);
    }
    kafka_wr_tags(&w);
    reply_send(fd, &w);
}

/* Topic t's name: "t", then "t1", "t2"... */
static const char *topic_name(int t, char *buf)
{
    if (t == 0)
        return "t";
    snprintf(buf, 32, "t%d", t);
    return buf;
}

static void reply_metadata(int fd, int32_t corr, const struct fake_broker *f)
{
    struct kafka_wr w;
    reply_start(&w, corr, true);
    kafka_wr_i32(&w, 0);
    kafka_wr_uvarint(&w, 2); /* one broker */
    kafka_wr_i32(&w, 1);
    kafka_wr_compact_str(&w, "127.0.0.1");
    kafka_wr_i32(&w, f->port);
    kafka_wr_compact_str(&w, "r1");
    kafka_wr_tags(&w);
    kafka_wr_compact_str(&w, "fake");
    kafka_wr_i32(&w, 1);
    int ntopics = f->ntopics > 0 ? f->ntopics : 1;
    kafka_wr_uvarint(&w, (uint64_t)ntopics + 1);
    for (int t = 0; t < ntopics; t++) {
        kafka_wr_i16(&w, 0);
        kafka_wr_compact_str(&w, topic_name(t, (char[32]){0}));
        for (int i = 0; i < 4; i++)
            kafka_wr_i32(&w, 0x11111111); /* TopicId */
        kafka_wr_i8(&w, 0);
        kafka_wr_uvarint(&w, 2); /* one partition */
        kafka_wr_i16(&w, 0);
        kafka_wr_i32(&w, 0);
        kafka_wr_i32(&w, 1);
        kafka_wr_i32(&w, 0);
        for (int list = 0; list < 2; list++) { /* replicas, ISR */
            kafka_wr_uvarint(&w, (uint64_t)f->rf + 1);
            for (int k = 0; k < f->rf; k++)
                kafka_wr_i32(&w, 1);
        }
        kafka_wr_uvarint(&w, 1); /* no offline replicas */
        kafka_wr_tags(&w);
        kafka_wr_i32(&w, 0);
        kafka_wr_tags(&w);
    }
    kafka_wr_tags(&w);
    reply_send(fd, &w);
}

static void reply_log_dirs(int fd, int32_t corr, int16_t version, const struct fake_broker *f)
{
    struct kafka_wr w;
    reply_start(&w, corr, true);
    kafka_wr_i32(&w, 0);
    if (version >= 3)
        kafka_wr_i16(&w, 0); /* ErrorCode, from v3 */
    kafka_wr_uvarint(&w, (uint64_t)f->ndirs + 1);
    for (int d = 0; d < f->ndirs; d++) {
        char dir[32];
        snprintf(dir, sizeof(dir), "/data/%d", d);
        kafka_wr_i16(&w, 0);
        kafka_wr_compact_str(&w, dir);
        if (d == 0) { /* every topic's partition 0 in the first dir, the last topic first */
            int ntopics = f->ntopics > 0 ? f->ntopics : 1;
            kafka_wr_uvarint(&w, (uint64_t)ntopics + 1);
            for (int t = ntopics - 1; t >= 0; t--) {
                kafka_wr_compact_str(&w, topic_name(t, (char[32]){0}));
                kafka_wr_uvarint(&w, 2);
                kafka_wr_i32(&w, 0);
                kafka_wr_i64(&w, 1000);
                kafka_wr_i64(&w, 0);
                kafka_wr_i8(&w, 0);
                kafka_wr_tags(&w);
                kafka_wr_tags(&w);
            }
        } else {
            kafka_wr_uvarint(&w, 1);
        }
        if (version >= 4) { /* TotalBytes, UsableBytes */
            kafka_wr_i64(&w, 1000000000);
            kafka_wr_i64(&w, 500000000);
        }
        kafka_wr_tags(&w);
    }
    kafka_wr_tags(&w);
    reply_send(fd, &w);
}

/* Serves one connection until the peer closes or the script says so. */
static void serve(int fd, enum fake_kind kind, const int16_t *script, int nscript, int *nlist,
                  int conn_no, const struct fake_broker *f)
{
    int port = f->port;
    for (;;) {
        uint8_t hdr[4];
        if (read_all(fd, hdr, 4) < 0)
            return;
        uint32_t n = ntohl(*(uint32_t *)hdr);
        if (n < 8 || n > (1u << 20))
            return;
        uint8_t *buf = malloc(n);
        if (!buf || read_all(fd, buf, n) < 0) {
            free(buf);
            return;
        }
        int16_t api = (int16_t)((buf[0] << 8) | buf[1]);
        int16_t version = (int16_t)((buf[2] << 8) | buf[3]);
        int32_t corr = (int32_t)ntohl(*(uint32_t *)(buf + 4));
        free(buf);
        if (kind == FAKE_SILENT)
            continue;
        if (kind == FAKE_HTTP) {
            static const char page[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
            write_all(fd, page, sizeof(page) - 1);
            return;
        }
        if (api != KAFKA_API_API_VERSIONS && version > api_max(f, api)) {
            return; /* a real broker closes the connection on a version it lacks */
        } else if (api == KAFKA_API_API_VERSIONS) {
            reply_api_versions(fd, corr, version, f);
        } else if (api == KAFKA_API_DESCRIBE_CLUSTER) {
            reply_describe_cluster(fd, corr, version, port);
        } else if (api == KAFKA_API_METADATA) {
            reply_metadata(fd, corr, f);
        } else if (api == KAFKA_API_DESCRIBE_LOG_DIRS) {
            reply_log_dirs(fd, corr, version, f);
        } else if (api == KAFKA_API_LIST_PARTITION_REASSIGNMENTS) {
            int k = __atomic_fetch_add(nlist, 1, __ATOMIC_SEQ_CST);
            int16_t ec = k < nscript ? script[k] : 0;
            if (ec == FAKE_CLOSE)
                return;
            reply_list(fd, corr, ec, conn_no, f->nlisted);
        } else {
            return;
        }
    }
}

int fake_broker_start(struct fake_broker *f, enum fake_kind kind, const int16_t *script,
                      int nscript)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 16) < 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &al) < 0) {
        if (lfd >= 0)
            close(lfd);
        return -errno;
    }
    f->port = ntohs(a.sin_port);
    static const int16_t kafka_4_1[][3] = {{3, 0, 13}, {18, 0, 4}, {35, 1, 4}, {43, 0, 2},
                                           {46, 0, 0}, {60, 0, 2}};
    if (!f->apis) {
        f->apis = kafka_4_1;
        f->napis = (int)(sizeof(kafka_4_1) / sizeof(kafka_4_1[0]));
    }
    f->pid = fork();
    if (f->pid < 0) {
        close(lfd);
        return -errno;
    }
    if (f->pid > 0) {
        setpgid(f->pid, f->pid); /* also here: no race with fake_broker_stop */
        close(lfd);
        return 0;
    }
    /* one process per connection (a client keeps several open), in one process group that
     * fake_broker_stop kills; the count of ListPartitionReassignments is shared */
    setpgid(0, 0);
    signal(SIGCHLD, SIG_IGN); /* connection processes reap themselves */
    int *nlist = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                      -1, 0);
    if (nlist == MAP_FAILED)
        _exit(1);
    *nlist = 0;
    for (int conn_no = 1;; conn_no++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if (fork() == 0) {
            close(lfd);
            serve(fd, kind, script, nscript, nlist, conn_no, f);
            close(fd);
            _exit(0);
        }
        close(fd);
    }
}

void fake_broker_stop(struct fake_broker *f)
{
    if (f->pid > 0) {
        kill(-f->pid, SIGKILL); /* the server's process group: it and its connections */
        kill(f->pid, SIGKILL);
        waitpid(f->pid, NULL, 0);
        f->pid = 0;
    }
}
