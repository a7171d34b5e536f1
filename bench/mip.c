/* The exact MIP baseline; see mip.h. */
#include "bench/mip.h"

#include <errno.h>
#include <stdio.h>
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/clock.h"

#define GB 1e9

struct incumbent {
    double *x; /* 1-based column values of Ballast's own assignment */
    bool given;
};

/* Hands Ballast's plan to the branch and bound once, as its first integer solution. */
static void heuristic_cb(glp_tree *tree, void *info)
{
    struct incumbent *inc = info;
    if (glp_ios_reason(tree) == GLP_IHEUR && !inc->given) {
        inc->given = true;
        int hr = glp_ios_heur_sol(tree, inc->x);
        if (getenv("BALLAST_MIP_DEBUG"))
            fprintf(stderr, "heur_sol -> %d\n", hr);
    }
}

int bench_mip_min_bytes(const struct model_cluster *before, const struct model_cluster *after,
                        int time_limit_ms, struct bench_mip_result *ret)
{
    memset(ret, 0, sizeof(*ret));
    const struct model_cluster *c = before;
    for (int32_t p = 0; p < c->npartitions; p++)
        if (c->partitions[p].rf != c->usable_racks || c->usable_racks != c->nracks)
            return -EINVAL;
    double t0 = clock_mono_ms();
    struct model_broker_load *bl = xmalloc((size_t)c->nbrokers * sizeof(*bl));
    model_compute_loads(after, bl, NULL);
    ret->solved = ret->proven = true;
    for (int32_t rack = 0; rack < c->nracks; rack++) {
        /* brokers of this rack that keep replicas, and their ceiling: the plan's max util */
        int32_t *bro = xmalloc((size_t)c->nbrokers * sizeof(int32_t));
        int32_t nb = 0;
        double umax = 0, umin = INFINITY;
        for (int32_t b = 0; b < c->nbrokers; b++)
            if (c->brokers[b].rack == rack && model_broker_usable(c, b)) {
                bro[nb++] = b;
                double u = bl[b].load[RES_DISK] / c->brokers[b].capacity[RES_DISK];
                umax = fmax(umax, u);
                umin = fmin(umin, u);
            }
        glp_prob *lp = glp_create_prob();
        glp_set_obj_dir(lp, GLP_MIN);
        glp_add_rows(lp, c->npartitions + nb);
        for (int32_t p = 0; p < c->npartitions; p++)
            glp_set_row_bnds(lp, p + 1, GLP_FX, 1, 1);
        for (int32_t k = 0; k < nb; k++)
            glp_set_row_bnds(lp, c->npartitions + k + 1, GLP_DB,
                             (umin * c->brokers[bro[k]].capacity[RES_DISK] - 0.5) / GB,
                             (umax * c->brokers[bro[k]].capacity[RES_DISK] + 0.5) / GB);
        int ncols = c->npartitions * nb;
        glp_add_cols(lp, ncols);
        int *ia = xmalloc((size_t)(2 * ncols + 1) * sizeof(int));
        int *ja = xmalloc((size_t)(2 * ncols + 1) * sizeof(int));
        double *ar = xmalloc((size_t)(2 * ncols + 1) * sizeof(double));
        int nz = 0, col = 0;
        struct incumbent inc = {xcalloc((size_t)ncols + 1, sizeof(double)), false};
        for (int32_t p = 0; p < c->npartitions; p++) {
            const struct model_replica *rep = model_replicas_of(c, p);
            const struct model_replica *now = model_replicas_of(after, p);
            int32_t planned = -1;
            for (int i = 0; i < after->partitions[p].rf; i++)
                if (after->brokers[now[i].broker].rack == rack)
                    planned = now[i].broker;
            int32_t home = -1;
            double size = 0;
            for (int i = 0; i < c->partitions[p].rf; i++)
                if (c->brokers[rep[i].broker].rack == rack) {
                    home = rep[i].broker;
                    size = (double)rep[i].size / GB; /* GB keeps GLPK's numbers sane */
                }
            for (int32_t k = 0; k < nb; k++) {
                col++;
                glp_set_col_kind(lp, col, GLP_BV);
                glp_set_obj_coef(lp, col, bro[k] == home ? 0 : size);
                inc.x[col] = bro[k] == planned ? 1.0 : 0.0;
                ia[++nz] = p + 1, ja[nz] = col, ar[nz] = 1;
                ia[++nz] = c->npartitions + k + 1, ja[nz] = col, ar[nz] = size;
            }
        }
        glp_load_matrix(lp, nz, ia, ja, ar);
        /* The relaxation first: its value bounds the rack's optimum from below, and its basis
         * starts the branch and bound. */
        glp_smcp sp;
        glp_init_smcp(&sp);
        sp.msg_lev = GLP_MSG_OFF;
        sp.presolve = GLP_ON;
        if (glp_simplex(lp, &sp) == 0 && glp_get_status(lp) == GLP_OPT)
            ret->bound += glp_get_obj_val(lp) * GB;
        glp_iocp parm;
        glp_init_iocp(&parm);
        parm.msg_lev = GLP_MSG_OFF;
        parm.presolve = glp_get_status(lp) == GLP_OPT ? GLP_OFF : GLP_ON;
        parm.tm_lim = time_limit_ms;
        parm.cb_func = heuristic_cb;
        parm.cb_info = &inc;
        int rc = glp_intopt(lp, &parm);
        if (getenv("BALLAST_MIP_DEBUG"))
            fprintf(stderr, "rack %d: intopt rc %d status %d given %d\n", rack, rc, glp_mip_status(lp), inc.given);
        int st = glp_mip_status(lp);
        if (rc != 0 && rc != GLP_ETMLIM)
            ret->solved = ret->proven = false;
        if (st == GLP_OPT || st == GLP_FEAS) {
            ret->bytes += glp_mip_obj_val(lp) * GB;
            if (st != GLP_OPT)
                ret->proven = false;
        } else {
            ret->solved = ret->proven = false;
        }
        glp_delete_prob(lp);
        free(inc.x);
        free(ia);
        free(ja);
        free(ar);
        free(bro);
    }
    free(bl);
    ret->time_ms = clock_mono_ms() - t0;
    return 0;
}
