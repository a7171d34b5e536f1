/* Cluster snapshot JSON: strict parsing with located errors, deterministic dumping; see
 * snapshot.h and docs/snapshot.md.
 *
 * Parsing works in two layers. A small scanner of our own walks the outer structure (the
 * top-level object, the topics array, each topic object and its partitions array) and hands
 * every other value, as a byte range of the text, to cJSON: the brokers list whole, each
 * partition on its own. So cJSON never builds a tree of the whole document (for 1M replicas
 * that tree alone took 650 MB), and every byte is checked by one layer or the other: the
 * scanner matches brackets only to find where a value ends, the layer that reads the value
 * checks it in full. */
#include "model/snapshot.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/jsonw.h"
#include "common/map.h"

#define EXACT_LIMIT 0x1p53 /* doubles hold every integer below this exactly */

static const char *const res_keys[RES_COUNT] = {"cpu", "nwInBytesPerSec", "nwOutBytesPerSec",
                                                "diskBytes"};

/* ---- parser state and messages ---- */

struct span {
    size_t start, end; /* a value's bytes in the text; start == end: absent */
};

struct parser {
    const char *file;
    const char *buf;
    size_t len;
    struct error *err;
    struct model_cluster *c;
    /* Where we are, for messages: base names the current object outside topics; inside a
     * topic, topic_i / topic_name / part_i do (formatted only when a message needs them). */
    char base[128];
    int32_t topic_i;
    const char *topic_name;
    int32_t part_i;
    /* Rack names -> index (open addressing over c->racks). */
    struct map rack_index; /* rack name -> index */
    /* First log dir of each broker in c->disks: a broker's dirs are added together. */
    int32_t *dir_first;
    int64_t replicas;
};

static void append(char *out, size_t size, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *out, size_t size, size_t *at, const char *fmt, ...)
{
    if (*at >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *at, size - *at, fmt, ap);
    va_end(ap);
    if (n > 0)
        *at += (size_t)n;
}

static int fail(struct parser *ps, const char *field, int index, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "file: <object>.<field>[index]: message" (field NULL, index -1: the object itself). */
static int fail(struct parser *ps, const char *field, int index, const char *fmt, ...)
{
    char path[512], msg[512];
    size_t at = 0;
    path[0] = '\0';
    if (ps->topic_i >= 0) {
        append(path, sizeof(path), &at, "topics[%d]", ps->topic_i);
        if (ps->topic_name)
            append(path, sizeof(path), &at, " \"%s\"", ps->topic_name);
        if (ps->part_i >= 0)
            append(path, sizeof(path), &at, " partitions[%d]", ps->part_i);
    } else {
        append(path, sizeof(path), &at, "%s", ps->base);
    }
    if (field)
        append(path, sizeof(path), &at, "%s%s", path[0] ? "." : "", field);
    if (index >= 0)
        append(path, sizeof(path), &at, "[%d]", index);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return error_set(ps->err, -EINVAL, "%s: %s%s%s", ps->file, path, path[0] ? ": " : "", msg);
}

/* "file:line:column: what, near 'text'" for errors in the JSON syntax itself. */
static int syntax(struct parser *ps, size_t off, const char *what)
{
    int line = 1, col = 1;
    if (off > ps->len)
        off = ps->len;
    for (size_t i = 0; i < off; i++, col++)
        if (ps->buf[i] == '\n') {
            line++;
            col = 0;
        }
    char near[24];
    size_t n = 0;
    for (size_t i = off; i < ps->len && n < 16 && ps->buf[i] != '\n'; i++)
        near[n++] = ps->buf[i] >= 0x20 && ps->buf[i] < 0x7f ? ps->buf[i] : '?';
    near[n] = '\0';
    if (n == 0)
        return error_set(ps->err, -EINVAL, "%s:%d:%d: %s, at the end of %s", ps->file, line,
                         col, what, off >= ps->len ? "the text" : "the line");
    return error_set(ps->err, -EINVAL, "%s:%d:%d: %s, near '%s'", ps->file, line, col, what,
                     near);
}

/* ---- the outer scanner ---- */

static size_t skip_ws(const struct parser *ps, size_t pos)
{
    while (pos < ps->len && (ps->buf[pos] == ' ' || ps->buf[pos] == '\t' ||
                             ps->buf[pos] == '\n' || ps->buf[pos] == '\r'))
        pos++;
    return pos;
}

#define NO_END ((size_t)-1)

/* pos is at a '"'; returns the offset past the closing quote, or NO_END. */
static size_t string_end(const struct parser *ps, size_t pos)
{
    for (pos++; pos < ps->len; pos++) {
        if (ps->buf[pos] == '\\')
            pos++;
        else if (ps->buf[pos] == '"')
            return pos + 1;
    }
    return NO_END;
}

static bool scalar_char(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '-' || ch == '+' || ch == '.';
}

/* Finds where the value starting at pos ends: past its closing quote or bracket, or its last
 * scalar character. Brackets are only counted; whoever reads the value checks its inside. An
 * object or array that never closes runs to the end of the text, so that its reader reports
 * the exact place where the text goes wrong (or ends). */
static int value_span(struct parser *ps, size_t pos, struct span *ret)
{
    if (pos >= ps->len)
        return syntax(ps, pos, "a value is missing");
    size_t start = pos;
    char ch = ps->buf[pos];
    if (ch == '"') {
        pos = string_end(ps, pos);
        if (pos == NO_END)
            return syntax(ps, start, "unterminated string");
    } else if (ch == '{' || ch == '[') {
        size_t depth = 0;
        for (; pos < ps->len; pos++) {
            ch = ps->buf[pos];
            if (ch == '"') {
                pos = string_end(ps, pos);
                if (pos == NO_END)
                    break;
                pos--;
            } else if (ch == '{' || ch == '[') {
                depth++;
            } else if (ch == '}' || ch == ']') {
                if (--depth == 0)
                    break;
            }
        }
        pos = pos >= ps->len || pos == NO_END ? ps->len : pos + 1;
    } else {
        while (pos < ps->len && scalar_char(ps->buf[pos]))
            pos++;
        if (pos == start)
            return syntax(ps, start, "expected a value");
    }
    ret->start = start;
    ret->end = pos;
    return 0;
}

static const char *kind_at(const struct parser *ps, size_t pos)
{
    char ch = ps->buf[pos];
    if ((ch >= '0' && ch <= '9') || ch == '-')
        return "a number";
    switch (ch) {
    case '{':
        return "an object";
    case '[':
        return "an array";
    case '"':
        return "a string";
    case 't':
    case 'f':
        return "a boolean";
    case 'n':
        return "null";
    default:
        return "something that is not JSON";
    }
}

/* Hands the value starting at `start` to cJSON, which reads at most up to `bound` and tells
 * where the value ended (*ret_end). */
static cJSON *leaf_at(struct parser *ps, size_t start, size_t bound, size_t *ret_end, int *rc)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(ps->buf + start, bound - start, &end, false);
    if (!j) {
        *rc = syntax(ps, end ? (size_t)(end - ps->buf) : start, "not valid JSON");
        return NULL;
    }
    *ret_end = (size_t)(end - ps->buf);
    return j;
}

/* The same for a value whose span is known: cJSON must take exactly its bytes. */
static cJSON *leaf(struct parser *ps, struct span v, int *rc)
{
    size_t end;
    cJSON *j = leaf_at(ps, v.start, v.end, &end, rc);
    if (j && end != v.end) {
        cJSON_Delete(j);
        *rc = syntax(ps, end, "not valid JSON");
        return NULL;
    }
    return j;
}

/* "unknown field 'x' (a, b, c)": the message lists what the object accepts. */
static int unknown_field(struct parser *ps, const char *key, const char *const *keys, int n)
{
    char names[512];
    size_t at = 0;
    names[0] = '\0';
    for (int i = 0; i < n && at < sizeof(names); i++)
        at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", i ? ", " : "", keys[i]);
    return fail(ps, NULL, -1, "unknown field '%s' (%s)", key, names);
}

/* Walks the object starting at `start` (a '{'): its syntax, every key one of keys[n] (unknown
 * and repeated keys are errors), each member's value span stored in vals[] (start == end when
 * absent). *ret_end: past its '}'. */
static int walk_object(struct parser *ps, size_t start, const char *const *keys, int n,
                       struct span *vals, size_t *ret_end)
{
    int rc;
    for (int i = 0; i < n; i++)
        vals[i].start = vals[i].end = 0;
    size_t pos = skip_ws(ps, start + 1);
    if (pos < ps->len && ps->buf[pos] == '}') {
        *ret_end = pos + 1;
        return 0;
    }
    for (;;) {
        if (pos >= ps->len || ps->buf[pos] != '"')
            return syntax(ps, pos, "expected a field name in quotes");
        struct span k;
        if ((rc = value_span(ps, pos, &k)) < 0)
            return rc;
        /* Keys are plain ASCII; let cJSON decode one with escapes. */
        char key[64];
        size_t klen = k.end - k.start - 2;
        if (memchr(ps->buf + k.start, '\\', k.end - k.start)) {
            cJSON *kj = leaf(ps, k, &rc);
            if (!kj)
                return rc;
            snprintf(key, sizeof(key), "%s", kj->valuestring);
            cJSON_Delete(kj);
        } else {
            if (klen >= sizeof(key))
                klen = sizeof(key) - 1;
            memcpy(key, ps->buf + k.start + 1, klen);
            key[klen] = '\0';
        }
        pos = skip_ws(ps, k.end);
        if (pos >= ps->len || ps->buf[pos] != ':')
            return syntax(ps, pos, "expected ':'");
        pos = skip_ws(ps, pos + 1);
        struct span val;
        if ((rc = value_span(ps, pos, &val)) < 0)
            return rc;
        int i = 0;
        while (i < n && strcmp(keys[i], key) != 0)
            i++;
        if (i == n)
            return unknown_field(ps, key, keys, n);
        if (vals[i].end > 0)
            return fail(ps, NULL, -1, "field '%s' appears twice", key);
        vals[i] = val;
        pos = skip_ws(ps, val.end);
        if (pos < ps->len && ps->buf[pos] == ',') {
            pos = skip_ws(ps, pos + 1);
            continue;
        }
        if (pos < ps->len && ps->buf[pos] == '}') {
            *ret_end = pos + 1;
            return 0;
        }
        return syntax(ps, pos, "expected ',' or '}'");
    }
}

/* Iterates an array without scanning it first. Start with *pos at its '[' and *first true;
 * each call that returns 1 leaves *pos at the next element, which the caller reads and then
 * sets *pos past. Returns 0 with *pos past the ']' after the last one. */
static int array_elem(struct parser *ps, size_t *pos, bool *first)
{
    size_t p;
    if (*first) {
        p = skip_ws(ps, *pos + 1);
        *first = false;
        if (p < ps->len && ps->buf[p] == ']') {
            *pos = p + 1;
            return 0;
        }
    } else {
        p = skip_ws(ps, *pos);
        if (p < ps->len && ps->buf[p] == ']') {
            *pos = p + 1;
            return 0;
        }
        if (p >= ps->len || ps->buf[p] != ',')
            return syntax(ps, p, "expected ',' or ']'");
        p = skip_ws(ps, p + 1);
    }
    if (p >= ps->len)
        return syntax(ps, p, "a value is missing");
    *pos = p;
    return 1;
}

/* After walking a value whose span was found by counting brackets, both must agree. */
static int walked_to(struct parser *ps, size_t pos, struct span v)
{
    return pos == v.end ? 0 : syntax(ps, pos, "unexpected text");
}

/* ---- typed values (cJSON side) ---- */

static const char *kind(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    return "an object";
}

static int as_int(struct parser *ps, const cJSON *v, const char *field, int index, int64_t min,
                  int64_t max, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return fail(ps, field, index, "expected an integer, not %s", kind(v));
    double d = v->valuedouble;
    if (!(fabs(d) < EXACT_LIMIT))
        return fail(ps, field, index,
                    "too large to be held exactly (integers must be below 2^53 = "
                    "9007199254740992)");
    if (d != floor(d))
        return fail(ps, field, index, "expected an integer, not %.17g", d);
    if (d < 0 && min == 0)
        return fail(ps, field, index, "must not be negative, got %.0f", d);
    if (d < (double)min || d > (double)max)
        return fail(ps, field, index, "%.0f is out of range %lld..%lld", d, (long long)min,
                    (long long)max);
    *out = (int64_t)d;
    return 0;
}

/* A finite number >= 0 (rates, capacities). */
static int as_num(struct parser *ps, const cJSON *v, const char *field, int index, double *out)
{
    if (!cJSON_IsNumber(v))
        return fail(ps, field, index, "expected a number, not %s", kind(v));
    if (!isfinite(v->valuedouble))
        return fail(ps, field, index, "number out of range");
    if (v->valuedouble < 0)
        return fail(ps, field, index, "must not be negative, got %.17g", v->valuedouble);
    *out = v->valuedouble;
    return 0;
}

static int as_str(struct parser *ps, const cJSON *v, const char *field, int index,
                  const char **out)
{
    if (!cJSON_IsString(v))
        return fail(ps, field, index, "expected a string, not %s", kind(v));
    size_t n = strlen(v->valuestring);
    if (n == 0 || n > MODEL_SNAPSHOT_MAX_NAME)
        return fail(ps, field, index, "must have 1..%d bytes", MODEL_SNAPSHOT_MAX_NAME);
    *out = v->valuestring;
    return 0;
}

static int as_array(struct parser *ps, const cJSON *v, const char *field)
{
    return cJSON_IsArray(v) ? 0 : fail(ps, field, -1, "expected an array, not %s", kind(v));
}

/* obj must be an object whose keys are all in keys[n], each at most once; stores each member
 * in slots[] (NULL when absent). Messages name the current object (ps->base or the
 * partition). */
static int fields(struct parser *ps, const cJSON *obj, const char *const *keys, int n,
                  const cJSON **slots)
{
    if (!cJSON_IsObject(obj))
        return fail(ps, NULL, -1, "expected an object, not %s", kind(obj));
    for (int i = 0; i < n; i++)
        slots[i] = NULL;
    for (const cJSON *it = obj->child; it; it = it->next) {
        int i = 0;
        while (i < n && strcmp(keys[i], it->string) != 0)
            i++;
        if (i == n)
            return unknown_field(ps, it->string, keys, n);
        if (slots[i])
            return fail(ps, NULL, -1, "field '%s' appears twice", it->string);
        slots[i] = it;
    }
    return 0;
}

/* ---- rack names ---- */

static int32_t rack_lookup(const struct parser *ps, const char *name)
{
    struct map_iter it;
    for (int32_t r = map_first(&ps->rack_index, map_hash_str(name), &it); r >= 0;
         r = map_next(&ps->rack_index, &it))
        if (strcmp(ps->c->racks[r].name, name) == 0)
            return r;
    return -1;
}

static int rack_new(struct parser *ps, const char *name, const char *zone, int32_t *ret)
{
    if (ps->c->nracks >= MODEL_SNAPSHOT_MAX_RACKS)
        return fail(ps, "rack", -1, "more than %d racks", MODEL_SNAPSHOT_MAX_RACKS);
    *ret = model_rack_add(ps->c, name, model_zone_add(ps->c, zone));
    map_put(&ps->rack_index, map_hash_str(name), *ret);
    return 0;
}

/* ---- top-level sections ---- */

enum { CAP_CPU, CAP_NW_IN, CAP_NW_OUT, CAP_DISK, CAP_CORES, CAP_N };
static const char *const cap_keys[CAP_N] = {"cpu", "nwInBytesPerSec", "nwOutBytesPerSec",
                                            "diskBytes", "numCores"};

/* ps->base names the capacity object. */
static int parse_capacity(struct parser *ps, const cJSON *v, struct model_capacity *cap)
{
    const cJSON *s[CAP_N];
    int rc = fields(ps, v, cap_keys, CAP_N, s);
    if (rc < 0)
        return rc;
    memset(cap, 0, sizeof(*cap));
    for (int k = 0; k < CAP_N; k++) {
        if (!s[k])
            continue;
        double x = 0;
        if ((rc = as_num(ps, s[k], cap_keys[k], -1, &x)) < 0)
            return rc;
        if (x <= 0)
            return fail(ps, cap_keys[k], -1, "must be positive");
        if (k == CAP_CORES) {
            cap->num_cores = x;
        } else {
            cap->v[k] = x;
            cap->set[k] = true;
        }
    }
    return 0;
}

static int parse_racks(struct parser *ps, const cJSON *racks)
{
    static const char *const keys[] = {"name", "zone"};
    int rc = as_array(ps, racks, "racks");
    int i = 0;
    for (const cJSON *rj = racks->child; rc == 0 && rj; rj = rj->next, i++) {
        snprintf(ps->base, sizeof(ps->base), "racks[%d]", i);
        const cJSON *s[2];
        const char *name, *zone;
        if ((rc = fields(ps, rj, keys, 2, s)) < 0)
            break;
        if (!s[0] || !s[1]) {
            rc = fail(ps, NULL, -1, "missing field '%s'", s[0] ? "zone" : "name");
            break;
        }
        if ((rc = as_str(ps, s[0], "name", -1, &name)) < 0 ||
            (rc = as_str(ps, s[1], "zone", -1, &zone)) < 0)
            break;
        if (rack_lookup(ps, name) >= 0) {
            rc = fail(ps, "name", -1, "rack '%s' appears twice", name);
            break;
        }
        int32_t r;
        rc = rack_new(ps, name, zone, &r);
    }
    return rc;
}

static int parse_log_dirs(struct parser *ps, const cJSON *dirs, int32_t b, const char *bbase)
{
    static const char *const keys[] = {"path", "capacityBytes", "offline"};
    snprintf(ps->base, sizeof(ps->base), "%s", bbase);
    int rc = as_array(ps, dirs, "logDirs");
    if (rc < 0)
        return rc;
    struct model_broker *br = &ps->c->brokers[b];
    bool all_sized = true;
    double total = 0;
    int d = 0;
    for (const cJSON *dj = dirs->child; dj; dj = dj->next, d++) {
        snprintf(ps->base, sizeof(ps->base), "%s.logDirs[%d]", bbase, d);
        if (d >= MODEL_SNAPSHOT_MAX_LOG_DIRS)
            return fail(ps, NULL, -1, "more than %d log dirs", MODEL_SNAPSHOT_MAX_LOG_DIRS);
        const cJSON *s[3];
        const char *path = NULL;
        double cap = 0;
        if ((rc = fields(ps, dj, keys, 3, s)) < 0)
            return rc;
        if (!s[0])
            return fail(ps, NULL, -1, "missing field 'path'");
        if ((rc = as_str(ps, s[0], "path", -1, &path)) < 0 ||
            (s[1] && (rc = as_num(ps, s[1], "capacityBytes", -1, &cap)) < 0))
            return rc;
        if (s[2] && !cJSON_IsBool(s[2]))
            return fail(ps, "offline", -1, "expected a boolean, not %s", kind(s[2]));
        for (int32_t q = ps->dir_first[b]; q >= 0 && q < ps->c->ndisks; q++)
            if (strcmp(ps->c->disks[q].path, path) == 0)
                return fail(ps, "path", -1, "broker %d has log dir '%s' twice", br->id, path);
        if (d == 0)
            ps->dir_first[b] = ps->c->ndisks;
        model_disk_add(ps->c, b, path, cap);
        ps->c->disks[ps->c->ndisks - 1].offline = s[2] && cJSON_IsTrue(s[2]);
        all_sized &= cap > 0;
        total += cap;
    }
    if (d > 0 && all_sized && !(br->capacity_set & (1u << RES_DISK))) {
        br->capacity[RES_DISK] = total;
        br->capacity_set |= 1u << RES_DISK;
    }
    return 0;
}

enum { B_ID, B_RACK, B_HOST, B_STATE, B_FLAGS, B_SET, B_CAP, B_DIRS, B_N };
static const char *const broker_keys[B_N] = {"id", "rack", "host", "state", "flags",
                                             "brokerSet", "capacity", "logDirs"};

static int parse_broker(struct parser *ps, const cJSON *bj, int i)
{
    char bbase[64];
    snprintf(bbase, sizeof(bbase), "brokers[%d]", i);
    snprintf(ps->base, sizeof(ps->base), "%s", bbase);
    const cJSON *s[B_N];
    int rc = fields(ps, bj, broker_keys, B_N, s);
    if (rc < 0)
        return rc;
    int64_t id;
    const char *rack = NULL, *host = NULL, *state = "alive", *set = NULL;
    if (!s[B_ID])
        return fail(ps, NULL, -1, "missing field 'id'");
    if ((rc = as_int(ps, s[B_ID], "id", -1, 0, INT32_MAX, &id)) < 0 ||
        (s[B_RACK] && (rc = as_str(ps, s[B_RACK], "rack", -1, &rack)) < 0) ||
        (s[B_HOST] && (rc = as_str(ps, s[B_HOST], "host", -1, &host)) < 0) ||
        (s[B_STATE] && (rc = as_str(ps, s[B_STATE], "state", -1, &state)) < 0) ||
        (s[B_SET] && (rc = as_str(ps, s[B_SET], "brokerSet", -1, &set)) < 0))
        return rc;
    uint32_t flags = 0;
    if (strcmp(state, "dead") == 0)
        flags = BROKER_DEAD;
    else if (strcmp(state, "new") == 0)
        flags = BROKER_NEW;
    else if (strcmp(state, "alive") != 0)
        return fail(ps, "state", -1, "unknown state '%s' (alive, dead or new)", state);
    if (s[B_FLAGS]) {
        if ((rc = as_array(ps, s[B_FLAGS], "flags")) < 0)
            return rc;
        int k = 0;
        for (const cJSON *f = s[B_FLAGS]->child; f; f = f->next, k++) {
            const char *name;
            if ((rc = as_str(ps, f, "flags", k, &name)) < 0)
                return rc;
            if (strcmp(name, "remove") == 0)
                flags |= BROKER_REMOVE;
            else if (strcmp(name, "excludeLeadership") == 0)
                flags |= BROKER_EXCL_LEADER;
            else if (strcmp(name, "excludeReplicas") == 0)
                flags |= BROKER_EXCL_REPLICA;
            else
                return fail(ps, "flags", k,
                            "unknown flag '%s' (remove, excludeLeadership, excludeReplicas)",
                            name);
        }
    }
    /* Kafka's default is no broker.rack: such a broker is a rack (and zone) of its own. */
    char own[32];
    if (!rack) {
        snprintf(own, sizeof(own), "no-rack-%lld", (long long)id);
        rack = own;
    }
    int32_t r = rack_lookup(ps, rack), b;
    if (r < 0 && (rc = rack_new(ps, rack, rack, &r)) < 0)
        return rc;
    if (model_broker_add(ps->c, (int32_t)id, r, host, &b) == -EEXIST)
        return fail(ps, "id", -1, "broker id %lld appears twice (also brokers[%d])",
                    (long long)id, model_broker_find(ps->c, (int32_t)id));
    struct model_broker *br = &ps->c->brokers[b];
    br->flags = flags;
    if (set)
        br->broker_set = model_broker_set_add(ps->c, set);
    ps->dir_first[b] = -1;
    if (s[B_CAP]) {
        struct model_capacity mc;
        snprintf(ps->base, sizeof(ps->base), "%s.capacity", bbase);
        if ((rc = parse_capacity(ps, s[B_CAP], &mc)) < 0)
            return rc;
        for (int k = 0; k < RES_COUNT; k++)
            if (mc.set[k]) {
                br->capacity[k] = mc.v[k];
                br->capacity_set |= (uint8_t)(1u << k);
            }
        br->num_cores = mc.num_cores;
    }
    if (s[B_DIRS] && (rc = parse_log_dirs(ps, s[B_DIRS], b, bbase)) < 0)
        return rc;
    return 0;
}

static int parse_brokers(struct parser *ps, const cJSON *brokers)
{
    int rc = as_array(ps, brokers, "brokers");
    if (rc < 0)
        return rc;
    int n = cJSON_GetArraySize(brokers);
    if (n == 0)
        return fail(ps, "brokers", -1, "the cluster has no brokers");
    if (n > MODEL_SNAPSHOT_MAX_BROKERS)
        return fail(ps, "brokers", -1, "%d brokers, at most %d", n, MODEL_SNAPSHOT_MAX_BROKERS);
    ps->dir_first = xmalloc((size_t)n * sizeof(int32_t));
    int i = 0;
    for (const cJSON *bj = brokers->child; bj; bj = bj->next, i++)
        if ((rc = parse_broker(ps, bj, i)) < 0)
            return rc;
    return 0;
}

/* ---- partitions ---- */

/* A list of broker ids -> broker indices; unknown and repeated brokers are errors. */
static int broker_list(struct parser *ps, const cJSON *arr, const char *field, int32_t *out,
                       int *ret_n)
{
    int rc = as_array(ps, arr, field);
    if (rc < 0)
        return rc;
    int n = 0;
    for (const cJSON *v = arr->child; v; v = v->next, n++) {
        int64_t id;
        if (n >= MODEL_MAX_RF)
            return fail(ps, field, -1, "more than %d entries", MODEL_MAX_RF);
        if ((rc = as_int(ps, v, field, n, 0, INT32_MAX, &id)) < 0)
            return rc;
        int32_t b = model_broker_find(ps->c, (int32_t)id);
        if (b < 0)
            return fail(ps, field, n, "unknown broker %lld", (long long)id);
        for (int j = 0; j < n; j++)
            if (out[j] == b)
                return fail(ps, field, n, "broker %lld appears twice", (long long)id);
        out[n] = b;
    }
    *ret_n = n;
    return 0;
}

/* An array with one entry per replica. */
static int per_replica(struct parser *ps, const cJSON *v, const char *field, int rf)
{
    int rc = as_array(ps, v, field);
    if (rc == 0 && cJSON_GetArraySize(v) != rf)
        rc = fail(ps, field, -1, "%d entries for %d replicas", cJSON_GetArraySize(v), rf);
    return rc;
}

static int slot_of(const int32_t *brokers, int rf, int32_t b)
{
    for (int i = 0; i < rf; i++)
        if (brokers[i] == b)
            return i;
    return -1;
}

enum {
    P_ID, P_REPLICAS, P_LEADER, P_ISR, P_DIRS, P_SIZE, P_SIZES, P_NW_IN, P_NW_OUT, P_CPU_L,
    P_CPU_F, P_N
};
static const char *const part_keys[P_N] = {
    "partition", "replicas", "leader", "isr", "logDirs", "sizeBytes", "replicaSizeBytes",
    "nwInBytesPerSec", "nwOutBytesPerSec", "cpuLeader", "cpuFollower"};

static int parse_partition(struct parser *ps, const cJSON *pj, int32_t t)
{
    struct model_cluster *c = ps->c;
    const cJSON *s[P_N];
    int rc = fields(ps, pj, part_keys, P_N, s);
    if (rc < 0)
        return rc;
    if (!s[P_ID] || !s[P_REPLICAS])
        return fail(ps, NULL, -1, "missing field '%s'", s[P_ID] ? "replicas" : "partition");
    int64_t id;
    if ((rc = as_int(ps, s[P_ID], "partition", -1, 0, INT32_MAX, &id)) < 0 ||
        (rc = as_array(ps, s[P_REPLICAS], "replicas")) < 0)
        return rc;
    int rf = cJSON_GetArraySize(s[P_REPLICAS]);
    if (rf == 0)
        return fail(ps, "replicas", -1, "empty: a partition has at least one replica");
    if (rf > MODEL_MAX_RF)
        return fail(ps, "replicas", -1, "%d replicas, at most %d", rf, MODEL_MAX_RF);
    if (rf > c->nbrokers)
        return fail(ps, "replicas", -1, "%d replicas but the cluster has %d broker%s", rf,
                    c->nbrokers, c->nbrokers == 1 ? "" : "s");
    int32_t brokers[MODEL_MAX_RF];
    if ((rc = broker_list(ps, s[P_REPLICAS], "replicas", brokers, &rf)) < 0)
        return rc;

    uint32_t isr = rf == 32 ? 0xffffffffu : (1u << rf) - 1;
    if (s[P_ISR]) {
        int32_t members[MODEL_MAX_RF];
        int n;
        if ((rc = broker_list(ps, s[P_ISR], "isr", members, &n)) < 0)
            return rc;
        isr = 0;
        for (int k = 0; k < n; k++) {
            int slot = slot_of(brokers, rf, members[k]);
            if (slot < 0)
                return fail(ps, "isr", k, "broker %d is not one of the replicas",
                            c->brokers[members[k]].id);
            isr |= 1u << slot;
        }
    }
    /* No "leader": the first in-sync replica, as Kafka's preferred leader election would. */
    int leader = -1;
    if (!s[P_LEADER]) {
        for (int i = rf - 1; i >= 0; i--)
            if (isr & (1u << i))
                leader = i;
    } else if (!cJSON_IsNull(s[P_LEADER])) {
        int64_t lid;
        if ((rc = as_int(ps, s[P_LEADER], "leader", -1, -1, INT32_MAX, &lid)) < 0)
            return rc;
        if (lid >= 0) {
            leader = slot_of(brokers, rf, model_broker_find(c, (int32_t)lid));
            if (leader < 0)
                return fail(ps, "leader", -1, "broker %lld is not one of the replicas",
                            (long long)lid);
        }
    }

    int16_t dirs[MODEL_MAX_RF];
    for (int i = 0; i < rf; i++)
        dirs[i] = -1;
    if (s[P_DIRS]) {
        if ((rc = per_replica(ps, s[P_DIRS], "logDirs", rf)) < 0)
            return rc;
        int i = 0;
        for (const cJSON *v = s[P_DIRS]->child; v; v = v->next, i++) {
            if (cJSON_IsNull(v))
                continue;
            const char *path;
            if ((rc = as_str(ps, v, "logDirs", i, &path)) < 0)
                return rc;
            const struct model_broker *br = &c->brokers[brokers[i]];
            int32_t first = ps->dir_first[brokers[i]];
            for (int16_t k = 0; k < br->ndisks && dirs[i] < 0; k++)
                if (strcmp(c->disks[first + k].path, path) == 0)
                    dirs[i] = k;
            if (dirs[i] < 0)
                return fail(ps, "logDirs", i, "broker %d has no log dir '%s'", br->id, path);
        }
    }

    int64_t sizes[MODEL_MAX_RF], size = 0;
    if (s[P_SIZE] && s[P_SIZES])
        return fail(ps, NULL, -1, "give sizeBytes or replicaSizeBytes, not both");
    if (s[P_SIZE] && (rc = as_int(ps, s[P_SIZE], "sizeBytes", -1, 0, INT64_MAX, &size)) < 0)
        return rc;
    for (int i = 0; i < rf; i++)
        sizes[i] = size;
    if (s[P_SIZES]) {
        if ((rc = per_replica(ps, s[P_SIZES], "replicaSizeBytes", rf)) < 0)
            return rc;
        int i = 0;
        for (const cJSON *v = s[P_SIZES]->child; v; v = v->next, i++)
            if ((rc = as_int(ps, v, "replicaSizeBytes", i, 0, INT64_MAX, &sizes[i])) < 0)
                return rc;
    }

    double rates[4] = {0, 0, 0, 0};
    for (int k = 0; k < 4; k++)
        if (s[P_NW_IN + k] && (rc = as_num(ps, s[P_NW_IN + k], part_keys[P_NW_IN + k], -1,
                                           &rates[k])) < 0)
            return rc;

    ps->replicas += rf;
    if (ps->replicas > MODEL_SNAPSHOT_MAX_REPLICAS)
        return fail(ps, NULL, -1, "more than %lld replicas in all", MODEL_SNAPSHOT_MAX_REPLICAS);
    struct error perr = {0};
    int32_t p;
    if (model_partition_add(c, t, (int32_t)id, rf, brokers, dirs, sizes, leader, &perr, &p) < 0)
        return fail(ps, "partition", -1, "%s", perr.msg);
    struct model_partition *part = &c->partitions[p];
    part->isr = isr;
    part->nw_in = rates[0];
    part->nw_out = rates[1];
    part->cpu_leader = rates[2];
    part->cpu_follower = rates[3];
    return 0;
}

/* Kafka's rule: 1..249 of [a-zA-Z0-9._-], not "." or "..". */
static bool topic_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 249 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

/* The topic object starting at `start`; *ret_end: past it. */
static int parse_topic(struct parser *ps, size_t start, size_t *ret_end)
{
    static const char *const keys[] = {"name", "partitions"};
    struct span s[2];
    int rc;
    if (ps->buf[start] != '{')
        return fail(ps, NULL, -1, "expected an object, not %s", kind_at(ps, start));
    if ((rc = walk_object(ps, start, keys, 2, s, ret_end)) < 0)
        return rc;
    if (!s[0].end || !s[1].end)
        return fail(ps, NULL, -1, "missing field '%s'", s[0].end ? "partitions" : "name");
    cJSON *nj = leaf(ps, s[0], &rc);
    if (!nj)
        return rc;
    const char *name;
    int32_t t = -1;
    if ((rc = as_str(ps, nj, "name", -1, &name)) == 0) {
        if (!topic_name_ok(name))
            rc = fail(ps, "name", -1,
                      "'%.300s' is not a Kafka topic name (1..249 of a-z A-Z 0-9 . _ -)", name);
        else if (model_topic_add(ps->c, name, &t) == -EEXIST)
            rc = fail(ps, "name", -1, "topic '%s' appears twice (also topics[%d])", name,
                      model_topic_find(ps->c, name));
    }
    cJSON_Delete(nj);
    if (rc < 0)
        return rc;
    ps->topic_name = ps->c->topics[t].name;
    if (ps->buf[s[1].start] != '[')
        return fail(ps, "partitions", -1, "expected an array, not %s",
                    kind_at(ps, s[1].start));
    size_t pos = s[1].start;
    bool first = true;
    int k = 0;
    while ((rc = array_elem(ps, &pos, &first)) > 0) {
        ps->part_i = k;
        if (k++ >= MODEL_SNAPSHOT_MAX_PARTITIONS)
            return fail(ps, NULL, -1, "more than %d partitions", MODEL_SNAPSHOT_MAX_PARTITIONS);
        cJSON *pj = leaf_at(ps, pos, s[1].end, &pos, &rc);
        if (!pj)
            return rc;
        rc = parse_partition(ps, pj, t);
        cJSON_Delete(pj);
        if (rc < 0)
            return rc;
    }
    ps->part_i = -1;
    return rc < 0 ? rc : walked_to(ps, pos, s[1]);
}

static int parse_topics(struct parser *ps, struct span v)
{
    if (ps->buf[v.start] != '[')
        return fail(ps, "topics", -1, "expected an array, not %s", kind_at(ps, v.start));
    size_t pos = v.start;
    bool first = true;
    int rc, i = 0;
    while ((rc = array_elem(ps, &pos, &first)) > 0) {
        if (i >= MODEL_SNAPSHOT_MAX_TOPICS)
            return fail(ps, "topics", -1, "more than %d topics", MODEL_SNAPSHOT_MAX_TOPICS);
        ps->topic_i = i++;
        ps->topic_name = NULL;
        ps->part_i = -1;
        if ((rc = parse_topic(ps, pos, &pos)) < 0)
            return rc;
    }
    ps->topic_i = -1;
    return rc < 0 ? rc : walked_to(ps, pos, v);
}

enum { T_VERSION, T_CLUSTER, T_RACKS, T_DEFAULT, T_BROKERS, T_TOPICS, T_LOAD, T_N };
static const char *const top_keys[T_N] = {"version", "cluster", "racks", "defaultCapacity",
                                          "brokers", "topics", "load"};

/* "load": {"recentWindows": n, "monitoredPartitionsPercentage": x} from a load monitor. */
static int parse_load(struct parser *ps, const cJSON *v)
{
    static const char *const keys[] = {"recentWindows", "monitoredPartitionsPercentage"};
    const cJSON *s[2];
    int rc = fields(ps, v, keys, 2, s);
    if (rc < 0)
        return rc;
    int64_t windows = 0;
    double pct = 100;
    if ((s[0] && (rc = as_int(ps, s[0], keys[0], -1, 0, 1000000, &windows)) < 0) ||
        (s[1] && (rc = as_num(ps, s[1], keys[1], -1, &pct)) < 0))
        return rc;
    if (pct > 100)
        return fail(ps, keys[1], -1, "must be at most 100, got %.17g", pct);
    ps->c->load_measured = true;
    ps->c->load_windows = (int32_t)windows;
    ps->c->load_monitored_pct = pct;
    return 0;
}

/* Parses the sections in a fixed order (racks before brokers before topics), whatever their
 * order in the text. */
static int parse_document(struct parser *ps, struct model_capacity_table *defaults)
{
    struct span s[T_N];
    size_t pos = skip_ws(ps, 0), end;
    int rc;
    if (pos >= ps->len)
        return syntax(ps, pos, "the snapshot is empty");
    if (ps->buf[pos] != '{') {
        char what[80];
        snprintf(what, sizeof(what), "the top level must be an object, not %s", kind_at(ps, pos));
        return syntax(ps, pos, what); /* located: binary garbage names line and column */
    }
    if ((rc = walk_object(ps, pos, top_keys, T_N, s, &end)) < 0)
        return rc;
    if ((pos = skip_ws(ps, end)) < ps->len)
        return syntax(ps, pos, "unexpected text after the snapshot");
    for (int k = 0; k < T_N; k++) {
        if (s[k].end == 0) {
            if (k == T_VERSION || k == T_BROKERS || k == T_TOPICS)
                return fail(ps, NULL, -1, "missing field '%s'", top_keys[k]);
            continue;
        }
        if (k == T_TOPICS) {
            rc = parse_topics(ps, s[k]);
        } else {
            cJSON *v = leaf(ps, s[k], &rc);
            if (!v)
                return rc;
            int64_t version;
            const char *name;
            ps->base[0] = '\0';
            switch (k) {
            case T_VERSION:
                if ((rc = as_int(ps, v, "version", -1, 0, INT32_MAX, &version)) == 0 &&
                    version != MODEL_SNAPSHOT_VERSION)
                    rc = fail(ps, "version", -1, "version %lld is not supported (only %d)",
                              (long long)version, MODEL_SNAPSHOT_VERSION);
                break;
            case T_CLUSTER:
                if ((rc = as_str(ps, v, "cluster", -1, &name)) == 0) {
                    free(ps->c->name);
                    ps->c->name = xstrdup(name);
                }
                break;
            case T_RACKS:
                rc = parse_racks(ps, v);
                break;
            case T_DEFAULT:
                snprintf(ps->base, sizeof(ps->base), "defaultCapacity");
                rc = parse_capacity(ps, v, &defaults->dflt);
                break;
            case T_BROKERS:
                rc = parse_brokers(ps, v);
                break;
            case T_LOAD:
                snprintf(ps->base, sizeof(ps->base), "load");
                rc = parse_load(ps, v);
                break;
            }
            cJSON_Delete(v);
        }
        if (rc < 0)
            return rc;
    }
    ps->base[0] = '\0';
    struct error ferr = {0};
    if ((rc = model_cluster_finalize(ps->c, &ferr)) < 0)
        return fail(ps, NULL, -1, "%s", ferr.msg);
    return 0;
}

static int parse(const char *buf, size_t len, const char *name,
                 struct model_capacity_table *ret_defaults, bool apply,
                 struct model_cluster **ret_cluster, struct error *err)
{
    struct parser ps = {
        .file = name ? name : "snapshot",
        .buf = buf,
        .len = len,
        .err = err,
        .c = model_cluster_create("cluster"),
        .topic_i = -1,
        .part_i = -1,
    };
    struct model_capacity_table defaults;
    memset(&defaults, 0, sizeof(defaults));
    int rc = parse_document(&ps, &defaults);
    if (rc == 0 && apply) {
        struct error aerr = {0};
        if ((rc = model_capacities_apply(ps.c, &defaults, &aerr)) < 0)
            rc = error_set(err, rc, "%s: %s", ps.file, aerr.msg);
    }
    map_finish(&ps.rack_index);
    free(ps.dir_first);
    if (rc < 0) {
        model_cluster_destroy(ps.c);
        return rc;
    }
    if (ret_defaults)
        *ret_defaults = defaults;
    *ret_cluster = ps.c;
    return 0;
}

int model_snapshot_parse(const char *buf, size_t len, const char *name,
                         struct model_cluster **ret_cluster, struct error *err)
{
    return parse(buf, len, name, NULL, true, ret_cluster, err);
}

int model_snapshot_parse_ex(const char *buf, size_t len, const char *name,
                            struct model_capacity_table *ret_defaults,
                            struct model_cluster **ret_cluster, struct error *err)
{
    return parse(buf, len, name, ret_defaults, false, ret_cluster, err);
}

void model_snapshot_merge_defaults(struct model_capacity_table *into,
                                   const struct model_capacity_table *from)
{
    for (int r = 0; r < RES_COUNT; r++)
        if (!into->dflt.set[r] && from->dflt.set[r]) {
            into->dflt.v[r] = from->dflt.v[r];
            into->dflt.set[r] = true;
        }
    if (!(into->dflt.num_cores > 0))
        into->dflt.num_cores = from->dflt.num_cores;
}

/* ---- dumping ---- */

static void sb_capacity(struct jsonw *b, const double *v, unsigned set, double cores)
{
    const char *sep = "";
    jsonw_lit(b, "{");
    for (int r = 0; r < RES_COUNT; r++) {
        if (!(set & (1u << r)))
            continue;
        jsonw_lit(b, sep);
        jsonw_str(b, res_keys[r]);
        jsonw_lit(b, ": ");
        jsonw_num(b, v[r]);
        sep = ", ";
    }
    if (cores > 0) {
        jsonw_lit(b, sep);
        jsonw_lit(b, "\"numCores\": ");
        jsonw_num(b, cores);
    }
    jsonw_lit(b, "}");
}

static void dump_broker(struct jsonw *b, const struct model_cluster *c, int32_t i)
{
    const struct model_broker *br = &c->brokers[i];
    jsonw_lit(b, "    {\"id\": ");
    jsonw_int(b, br->id);
    jsonw_lit(b, ", \"rack\": ");
    jsonw_str(b, c->racks[br->rack].name);
    if (br->host) {
        jsonw_lit(b, ", \"host\": ");
        jsonw_str(b, br->host);
    }
    jsonw_lit(b, ", \"state\": ");
    jsonw_lit(b, br->flags & BROKER_DEAD ? "\"dead\"" : br->flags & BROKER_NEW ? "\"new\"" : "\"alive\"");
    static const struct {
        uint32_t flag;
        const char *name;
    } flag_names[] = {{BROKER_REMOVE, "\"remove\""},
                      {BROKER_EXCL_LEADER, "\"excludeLeadership\""},
                      {BROKER_EXCL_REPLICA, "\"excludeReplicas\""}};
    int nflags = 0;
    for (size_t k = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++)
        if (br->flags & flag_names[k].flag) {
            jsonw_lit(b, nflags++ ? ", " : ", \"flags\": [");
            jsonw_lit(b, flag_names[k].name);
        }
    if (nflags)
        jsonw_lit(b, "]");
    if (br->broker_set >= 0) {
        jsonw_lit(b, ", \"brokerSet\": ");
        jsonw_str(b, c->broker_sets[br->broker_set]);
    }
    if (br->capacity_set || br->num_cores > 0) {
        jsonw_lit(b, ", \"capacity\": ");
        sb_capacity(b, br->capacity, br->capacity_set, br->num_cores);
    }
    if (br->ndisks > 0) {
        jsonw_lit(b, ", \"logDirs\": [");
        for (int32_t d = 0; d < br->ndisks; d++) {
            const struct model_disk *disk = &c->disks[br->first_disk + d];
            jsonw_lit(b, d ? ", {\"path\": " : "{\"path\": ");
            jsonw_str(b, disk->path);
            if (disk->capacity > 0) {
                jsonw_lit(b, ", \"capacityBytes\": ");
                jsonw_num(b, disk->capacity);
            }
            if (disk->offline)
                jsonw_lit(b, ", \"offline\": true");
            jsonw_lit(b, "}");
        }
        jsonw_lit(b, "]");
    }
    jsonw_lit(b, "}");
}

static void dump_partition(struct jsonw *b, const struct model_cluster *c, int32_t p)
{
    const struct model_partition *part = &c->partitions[p];
    const struct model_replica *rep = model_replicas_of(c, p);
    jsonw_lit(b, "      {\"partition\": ");
    jsonw_int(b, part->id);
    jsonw_lit(b, ", \"replicas\": [");
    for (int i = 0; i < part->rf; i++) {
        if (i)
            jsonw_lit(b, ", ");
        jsonw_int(b, c->brokers[rep[i].broker].id);
    }
    jsonw_lit(b, "], \"leader\": ");
    if (part->leader >= 0)
        jsonw_int(b, c->brokers[rep[part->leader].broker].id);
    else
        jsonw_lit(b, "null");
    jsonw_lit(b, ", \"isr\": [");
    const char *sep = "";
    for (int i = 0; i < part->rf; i++)
        if (part->isr & (1u << i)) {
            jsonw_lit(b, sep);
            jsonw_int(b, c->brokers[rep[i].broker].id);
            sep = ", ";
        }
    jsonw_lit(b, "]");
    bool any_dir = false, same_size = true;
    for (int i = 0; i < part->rf; i++) {
        any_dir |= rep[i].dir >= 0;
        same_size &= rep[i].size == rep[0].size;
    }
    if (any_dir) {
        jsonw_lit(b, ", \"logDirs\": [");
        for (int i = 0; i < part->rf; i++) {
            if (i)
                jsonw_lit(b, ", ");
            if (rep[i].dir < 0)
                jsonw_lit(b, "null");
            else
                jsonw_str(b, c->disks[c->brokers[rep[i].broker].first_disk + rep[i].dir].path);
        }
        jsonw_lit(b, "]");
    }
    if (same_size) {
        jsonw_lit(b, ", \"sizeBytes\": ");
        jsonw_int(b, rep[0].size);
    } else {
        jsonw_lit(b, ", \"replicaSizeBytes\": [");
        for (int i = 0; i < part->rf; i++) {
            if (i)
                jsonw_lit(b, ", ");
            jsonw_int(b, rep[i].size);
        }
        jsonw_lit(b, "]");
    }
    const double rates[4] = {part->nw_in, part->nw_out, part->cpu_leader, part->cpu_follower};
    for (int k = 0; k < 4; k++) {
        if (rates[k] == 0)
            continue;
        jsonw_lit(b, ", ");
        jsonw_str(b, part_keys[P_NW_IN + k]);
        jsonw_lit(b, ": ");
        jsonw_num(b, rates[k]);
    }
    jsonw_lit(b, "}");
}

char *model_snapshot_dump_ex(const struct model_cluster *c,
                             const struct model_capacity_table *defaults)
{
    struct jsonw b = {NULL, 0, 0};
    xgrow((void **)&b.p, &b.cap, 4096 + (size_t)c->nreplicas * 48, 1);
    jsonw_lit(&b, "{\n  \"version\": ");
    jsonw_int(&b, MODEL_SNAPSHOT_VERSION);
    jsonw_lit(&b, ",\n  \"cluster\": ");
    jsonw_str(&b, c->name);
    jsonw_lit(&b, ",\n  \"racks\": [");
    for (int32_t r = 0; r < c->nracks; r++) {
        jsonw_lit(&b, r ? ",\n    {\"name\": " : "\n    {\"name\": ");
        jsonw_str(&b, c->racks[r].name);
        jsonw_lit(&b, ", \"zone\": ");
        jsonw_str(&b, c->zones[c->racks[r].zone].name);
        jsonw_lit(&b, "}");
    }
    jsonw_lit(&b, "\n  ],\n");
    if (defaults) {
        unsigned set = 0;
        for (int r = 0; r < RES_COUNT; r++)
            set |= defaults->dflt.set[r] ? 1u << r : 0;
        if (set || defaults->dflt.num_cores > 0) {
            jsonw_lit(&b, "  \"defaultCapacity\": ");
            sb_capacity(&b, defaults->dflt.v, set, defaults->dflt.num_cores);
            jsonw_lit(&b, ",\n");
        }
    }
    if (c->load_measured) {
        jsonw_lit(&b, "  \"load\": {\"recentWindows\": ");
        jsonw_int(&b, c->load_windows);
        jsonw_lit(&b, ", \"monitoredPartitionsPercentage\": ");
        jsonw_num(&b, c->load_monitored_pct);
        jsonw_lit(&b, "},\n");
    }
    jsonw_lit(&b, "  \"brokers\": [");
    for (int32_t i = 0; i < c->nbrokers; i++) {
        jsonw_lit(&b, i ? ",\n" : "\n");
        dump_broker(&b, c, i);
    }
    jsonw_lit(&b, "\n  ],\n  \"topics\": [");
    for (int32_t t = 0; t < c->ntopics; t++) {
        const struct model_topic *top = &c->topics[t];
        jsonw_lit(&b, t ? ",\n    {\"name\": " : "\n    {\"name\": ");
        jsonw_str(&b, top->name);
        jsonw_lit(&b, ", \"partitions\": [");
        for (int32_t p = top->first_partition; p < top->first_partition + top->npartitions; p++) {
            jsonw_lit(&b, p > top->first_partition ? ",\n" : "\n");
            dump_partition(&b, c, p);
        }
        jsonw_lit(&b, top->npartitions ? "\n    ]}" : "]}");
    }
    jsonw_lit(&b, "\n  ]\n}\n");
    return b.p;
}

char *model_snapshot_dump(const struct model_cluster *c)
{
    return model_snapshot_dump_ex(c, NULL);
}
