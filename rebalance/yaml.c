/* YAML <-> JSON for KafkaRebalance resources: `ballast rebalance apply -f kr.yaml` reads YAML
 * as kubectl does, and the standalone store keeps each resource as a YAML file. Only what
 * Kubernetes manifests use: mappings, sequences, scalars (plain scalars typed by YAML 1.2's
 * core schema: null, true/false, integers, floats; quoted ones are strings), several
 * documents separated by ---. Anchors and aliases are refused. libyaml does the syntax. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/alloc.h"
#include "rebalance/rebalance.h"

#define MAX_DEPTH 64

/* Types a plain scalar. */
static cJSON *plain_scalar(const char *s)
{
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return cJSON_CreateNull();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return cJSON_CreateTrue();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return cJSON_CreateFalse();
    const char *p = s + (*s == '-' || *s == '+');
    if (*p >= '0' && *p <= '9') {
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        if (!*end && !errno && isfinite(d) && !strpbrk(s, "xXpP"))
            return cJSON_CreateNumber(d);
    }
    return cJSON_CreateString(s);
}

static int fail(struct error *err, const char *name, const yaml_mark_t *m, const char *what)
{
    return error_set(err, -EINVAL, "%s: line %zu column %zu: %s", name, m->line + 1,
                     m->column + 1, what);
}

/* Parses the node that starts with event ev (already taken). */
static int parse_node(yaml_parser_t *p, yaml_event_t *ev, const char *name, int depth,
                      cJSON **ret, struct error *err)
{
    if (depth > MAX_DEPTH)
        return fail(err, name, &ev->start_mark, "nested too deep");
    switch (ev->type) {
    case YAML_ALIAS_EVENT: return fail(err, name, &ev->start_mark, "aliases are not supported");
    case YAML_SCALAR_EVENT: {
        const char *v = (const char *)ev->data.scalar.value;
        *ret = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag
                   ? plain_scalar(v)
                   : cJSON_CreateString(v);
        return 0;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool map = ev->type == YAML_MAPPING_START_EVENT;
        yaml_event_type_t end = map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
        cJSON *c = map ? cJSON_CreateObject() : cJSON_CreateArray();
        for (;;) {
            yaml_event_t e;
            if (!yaml_parser_parse(p, &e)) {
                cJSON_Delete(c);
                return fail(err, name, &p->problem_mark, p->problem ? p->problem : "bad YAML");
            }
            if (e.type == end) {
                yaml_event_delete(&e);
                break;
            }
            char *key = NULL;
            if (map) {
                if (e.type != YAML_SCALAR_EVENT) {
                    int rc = fail(err, name, &e.start_mark, "a mapping key must be a scalar");
                    yaml_event_delete(&e);
                    cJSON_Delete(c);
                    return rc;
                }
                key = xstrdup((const char *)e.data.scalar.value);
                yaml_event_delete(&e);
                if (cJSON_GetObjectItemCaseSensitive(c, key)) {
                    int rc = fail(err, name, &p->mark, "a key is given twice");
                    free(key);
                    cJSON_Delete(c);
                    return rc;
                }
                if (!yaml_parser_parse(p, &e)) {
                    free(key);
                    cJSON_Delete(c);
                    return fail(err, name, &p->problem_mark, p->problem ? p->problem : "bad YAML");
                }
            }
            cJSON *v = NULL;
            int rc = parse_node(p, &e, name, depth + 1, &v, err);
            yaml_event_delete(&e);
            if (rc < 0) {
                free(key);
                cJSON_Delete(c);
                return rc;
            }
            if (map)
                cJSON_AddItemToObject(c, key, v);
            else
                cJSON_AddItemToArray(c, v);
            free(key);
        }
        *ret = c;
        return 0;
    }
    default: return fail(err, name, &ev->start_mark, "unexpected YAML event");
    }
}

int rb_yaml_parse(const char *text, size_t len, const char *name, cJSON **ret,
                  struct error *err)
{
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    cJSON *docs = cJSON_CreateArray();
    int rc = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = fail(err, name, &p.problem_mark, p.problem ? p.problem : "bad YAML");
            break;
        }
        yaml_event_type_t t = e.type;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&e);
            break;
        }
        if (t == YAML_DOCUMENT_START_EVENT || t == YAML_DOCUMENT_END_EVENT ||
            t == YAML_STREAM_START_EVENT) {
            yaml_event_delete(&e);
            continue;
        }
        cJSON *v = NULL;
        rc = parse_node(&p, &e, name, 0, &v, err);
        yaml_event_delete(&e);
        if (rc < 0)
            break;
        if (cJSON_IsNull(v))
            cJSON_Delete(v); /* an empty document */
        else
            cJSON_AddItemToArray(docs, v);
    }
    yaml_parser_delete(&p);
    if (rc < 0) {
        cJSON_Delete(docs);
        return rc;
    }
    *ret = docs;
    return 0;
}

/* ---- emitting ---- */

struct out {
    char *p;
    size_t n, cap;
};

static int write_cb(void *data, unsigned char *buf, size_t size)
{
    struct out *o = data;
    xgrow((void **)&o->p, &o->cap, o->n + size + 1, 1);
    memcpy(o->p + o->n, buf, size);
    o->n += size;
    o->p[o->n] = '\0';
    return 1;
}

static void scalar(yaml_emitter_t *em, const char *s, bool plain_ok)
{
    yaml_event_t e;
    yaml_scalar_event_initialize(&e, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), plain_ok,
                                 1, plain_ok ? YAML_ANY_SCALAR_STYLE
                                             : YAML_SINGLE_QUOTED_SCALAR_STYLE);
    yaml_emitter_emit(em, &e);
}

static void emit(yaml_emitter_t *em, const cJSON *v)
{
    yaml_event_t e;
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool map = cJSON_IsObject(v);
        if (map)
            yaml_mapping_start_event_initialize(&e, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
        else
            yaml_sequence_start_event_initialize(&e, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
        yaml_emitter_emit(em, &e);
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (map) {
                cJSON *k = cJSON_CreateString(it->string);
                emit(em, k);
                cJSON_Delete(k);
            }
            emit(em, it);
        }
        if (map)
            yaml_mapping_end_event_initialize(&e);
        else
            yaml_sequence_end_event_initialize(&e);
        yaml_emitter_emit(em, &e);
    } else if (cJSON_IsString(v)) {
        /* a string that would read back as another type is quoted */
        cJSON *back = plain_scalar(v->valuestring);
        scalar(em, v->valuestring, cJSON_IsString(back));
        cJSON_Delete(back);
    } else if (cJSON_IsNumber(v)) {
        char buf[64];
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 9e15)
            snprintf(buf, sizeof(buf), "%.0f", d);
        else
            for (int prec = 15; prec <= 17; prec++) { /* the shortest that reads back */
                snprintf(buf, sizeof(buf), "%.*g", prec, d);
                if (strtod(buf, NULL) == d)
                    break;
            }
        scalar(em, buf, true);
    } else if (cJSON_IsBool(v)) {
        scalar(em, cJSON_IsTrue(v) ? "true" : "false", true);
    } else {
        scalar(em, "null", true);
    }
}

char *rb_yaml_emit(const cJSON *v)
{
    yaml_emitter_t em;
    struct out o = {0};
    yaml_emitter_initialize(&em);
    yaml_emitter_set_output(&em, write_cb, &o);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, 100);
    yaml_event_t e;
    yaml_stream_start_event_initialize(&e, YAML_UTF8_ENCODING);
    yaml_emitter_emit(&em, &e);
    yaml_document_start_event_initialize(&e, NULL, NULL, NULL, 1);
    yaml_emitter_emit(&em, &e);
    emit(&em, v);
    yaml_document_end_event_initialize(&e, 1);
    yaml_emitter_emit(&em, &e);
    yaml_stream_end_event_initialize(&e);
    yaml_emitter_emit(&em, &e);
    yaml_emitter_delete(&em);
    return o.p ? o.p : xstrdup("");
}
