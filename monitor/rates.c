/* Rate sample lists; see rates.h. */
#include "monitor/rates.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void mon_rates_add(struct mon_rates *r, enum mon_rate_kind kind, int32_t broker_id,
                   const char *topic, int32_t partition, int64_t t_ms, double value)
{
    xgrow((void **)&r->v, &r->cap, (size_t)r->n + 1, sizeof(*r->v));
    r->v[r->n++] = (struct mon_rate){kind, broker_id, topic ? xstrdup(topic) : NULL, partition,
                                     t_ms, value};
}

static int cmp_key(const struct mon_rate *x, const struct mon_rate *y)
{
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->broker_id != y->broker_id)
        return x->broker_id < y->broker_id ? -1 : 1;
    int c = strcmp(x->topic ? x->topic : "", y->topic ? y->topic : "");
    if (c)
        return c;
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return (x->t_ms > y->t_ms) - (x->t_ms < y->t_ms);
}

static int cmp_rate(const void *a, const void *b)
{
    return cmp_key(a, b);
}

void mon_rates_merge(struct mon_rates *r)
{
    if (r->n < 2)
        return;
    qsort(r->v, (size_t)r->n, sizeof(*r->v), cmp_rate);
    int32_t k = 1;
    for (int32_t i = 1; i < r->n; i++) {
        if (cmp_key(&r->v[k - 1], &r->v[i]) == 0) {
            r->v[k - 1].value += r->v[i].value;
            free(r->v[i].topic);
        } else {
            r->v[k++] = r->v[i];
        }
    }
    r->n = k;
}

void mon_rates_finish(struct mon_rates *r)
{
    if (!r)
        return;
    for (int32_t i = 0; i < r->n; i++)
        free(r->v[i].topic);
    free(r->v);
    r->v = NULL;
    r->n = 0;
    r->cap = 0;
}
