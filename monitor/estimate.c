/* Per-partition load estimation; see estimate.h. */
#include "monitor/estimate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

const struct mon_cpu_weights mon_cc_cpu_weights = {0.7, 0.15, 0.15};

static double growth_of(const struct mon_broker_rates *r, const char *topic, int32_t part)
{
    int32_t lo = 0, hi = r->nparts - 1;
    while (lo <= hi) {
        int32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->parts[mid].topic, topic);
        if (!c)
            c = (r->parts[mid].partition > part) - (r->parts[mid].partition < part);
        if (!c)
            return r->parts[mid].growth;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NAN;
}

/* Splits in/out among the partitions in list[0..n) (all led by the broker of r): by positive
 * size growth where every partition's is known and some is positive, else evenly. */
static void split(struct model_cluster *c, const struct mon_broker_rates *r, const int32_t *list,
                  int32_t n, double in, double out)
{
    if (n == 0)
        return;
    double total = 0;
    bool known = true;
    for (int32_t i = 0; i < n; i++) {
        const struct model_partition *p = &c->partitions[list[i]];
        double g = growth_of(r, c->topics[p->topic].name, p->id);
        if (isnan(g))
            known = false;
        else if (g > 0)
            total += g;
    }
    for (int32_t i = 0; i < n; i++) {
        struct model_partition *p = &c->partitions[list[i]];
        double share = 1.0 / n;
        if (known && total > 0) {
            double g = growth_of(r, c->topics[p->topic].name, p->id);
            share = g > 0 ? g / total : 0;
        }
        if (!isnan(in))
            p->nw_in += in * share;
        if (!isnan(out))
            p->nw_out += out * share;
    }
}

int mon_part_growth_cmp(const void *a, const void *b)
{
    const struct mon_part_growth *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

int mon_estimate(struct model_cluster *c, const struct mon_broker_rates *rates, int32_t n,
                 const struct mon_cpu_weights *weights, const double *nw_in_capacity,
                 struct mon_estimate_stats *ret, struct error *err)
{
    const struct mon_cpu_weights *w = weights ? weights : &mon_cc_cpu_weights;
    struct mon_estimate_stats st = {.partitions = c->npartitions};
    const struct mon_broker_rates **of = xcalloc((size_t)c->nbrokers, sizeof(*of));
    for (int32_t i = 0; i < n; i++) {
        int32_t b = model_broker_find(c, rates[i].broker_id);
        if (b < 0) {
            st.unknown_brokers++;
            continue;
        }
        if (of[b]) {
            free(of);
            return error_set(err, -EINVAL, "rates for broker %d given twice", rates[i].broker_id);
        }
        of[b] = &rates[i];
        st.brokers_with_rates++;
    }
    for (int32_t p = 0; p < c->npartitions; p++) {
        struct model_partition *pp = &c->partitions[p];
        pp->nw_in = pp->nw_out = pp->cpu_leader = pp->cpu_follower = 0;
    }
    int32_t *list = xmalloc(((size_t)c->npartitions + 1) * sizeof(int32_t));
    for (int32_t b = 0; b < c->nbrokers; b++) {
        const struct mon_broker_rates *r = of[b];
        if (!r)
            continue;
        bool any_topic = false;
        for (int32_t i = 0; i < r->ntopics; i++) {
            int32_t t = model_topic_find(c, r->topics[i].topic);
            if (t < 0) {
                st.unknown_topics++;
                continue;
            }
            any_topic = true;
            int32_t k = 0;
            const struct model_topic *tp = &c->topics[t];
            for (int32_t p = tp->first_partition; p < tp->first_partition + tp->npartitions; p++)
                if (model_partition_leader(c, p) == b)
                    list[k++] = p;
            split(c, r, list, k, r->topics[i].in, r->topics[i].out);
        }
        if (!any_topic && (!isnan(r->bytes_in) || !isnan(r->bytes_out))) {
            int32_t k = 0;
            for (int32_t p = 0; p < c->npartitions; p++)
                if (model_partition_leader(c, p) == b)
                    list[k++] = p;
            split(c, r, list, k, r->bytes_in, r->bytes_out);
        }
    }
    free(list);
    /* CPU: weighted bytes per broker (leaders' in and out, followers' in) */
    double *dw = xcalloc((size_t)c->nbrokers, sizeof(double));
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *pp = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        for (int s = 0; s < pp->rf; s++)
            dw[rep[s].broker] += s == pp->leader ? w->leader_in * pp->nw_in + w->leader_out * pp->nw_out
                                                 : w->follower_in * pp->nw_in;
    }
    for (int32_t p = 0; p < c->npartitions; p++) {
        struct model_partition *pp = &c->partitions[p];
        int32_t lb = model_partition_leader(c, p);
        if (lb < 0 || !of[lb])
            continue;
        st.monitored++;
        const struct model_replica *rep = model_replicas_of(c, p);
        double lead = w->leader_in * pp->nw_in + w->leader_out * pp->nw_out;
        double fol = w->follower_in * pp->nw_in;
        double fsum = 0;
        int32_t fn = 0;
        for (int s = 0; s < pp->rf; s++) {
            int32_t b = rep[s].broker;
            double scale; /* CPU percent per weighted byte/s on broker b */
            if (of[b] && !isnan(of[b]->cpu_pct))
                scale = dw[b] > 0 ? of[b]->cpu_pct / dw[b] : 0;
            else {
                double cap = nw_in_capacity ? nw_in_capacity[b] : c->brokers[b].capacity[RES_NW_IN];
                scale = cap > 0 ? 100.0 / cap : 0;
            }
            if (s == pp->leader) {
                pp->cpu_leader = lead * scale;
            } else {
                fsum += fol * scale;
                fn++;
            }
        }
        pp->cpu_follower = fn ? fsum / fn : 0;
    }
    free(dw);
    free(of);
    if (ret)
        *ret = st;
    return 0;
}
