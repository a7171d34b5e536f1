/* Exact subproblems on GLPK; see lp.h. */
#include "search/lp.h"

#include <errno.h>
#include <limits.h>
#include <glpk.h>
#include <stdlib.h>

#include "common/alloc.h"

int64_t search_lp_leaders(struct search_ctx *ctx, const double *lo, const double *hi, int64_t max_cols)
{
    struct model_cluster *c = ctx->c;
    /* Only partitions touching a broker outside its band are free; the others keep their
     * leader, which enters the broker rows as a constant. Chains through in-band brokers of
     * one hop each way stay possible. */
    bool *out = xcalloc((size_t)(c->nbrokers ? c->nbrokers : 1), sizeof(bool));
    bool *free_p = xcalloc((size_t)(c->npartitions ? c->npartitions : 1), sizeof(bool));
    double *fixed = xcalloc((size_t)(c->nbrokers ? c->nbrokers : 1), sizeof(double));
    for (int32_t b = 0; b < c->nbrokers; b++)
        out[b] = ctx->bl[b].leaders < lo[b] || ctx->bl[b].leaders > hi[b] ||
                 (!ctx->lead_ok[b] && ctx->bl[b].leaders > 0);
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        for (int s = 0; s < part->rf && !free_p[p]; s++)
            free_p[p] = out[c->replicas[part->first_replica + s].broker];
        int32_t lb = model_partition_leader(c, p);
        if (!free_p[p] && lb >= 0)
            fixed[lb] += 1;
    }
    /* Columns: eligible replicas of free partitions that have at least one. */
    int64_t ncols = 0;
    int32_t nparts = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        if (!free_p[p])
            continue;
        int k = 0;
        for (int s = 0; s < part->rf; s++) {
            int64_t r = part->first_replica + s;
            k += ctx->lead_ok[c->replicas[r].broker] && !search_rep_must_move(ctx, r);
        }
        ncols += k;
        nparts += k > 0;
    }
    if (ncols == 0 || ncols > max_cols) {
        free(out);
        free(free_p);
        free(fixed);
        return ncols == 0 ? 0 : -E2BIG;
    }

    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    /* rows 1..nparts: partitions (= 1); rows nparts+1..: brokers (lo <= sum <= hi) */
    glp_add_rows(lp, nparts + c->nbrokers);
    for (int32_t i = 1; i <= nparts; i++)
        glp_set_row_bnds(lp, i, GLP_FX, 1.0, 1.0);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        int row = nparts + b + 1;
        double l = (lo[b] > 0 ? lo[b] : 0) - fixed[b], h = hi[b] - fixed[b];
        if (l < 0)
            l = 0;
        if (!ctx->lead_ok[b])
            glp_set_row_bnds(lp, row, GLP_FX, 0.0, 0.0);
        else if (h < l)
            glp_set_row_bnds(lp, row, GLP_FX, l, l); /* infeasible on purpose: reported */
        else if (l >= h)
            glp_set_row_bnds(lp, row, GLP_FX, h, h);
        else
            glp_set_row_bnds(lp, row, GLP_DB, l, h);
    }
    glp_add_cols(lp, (int)ncols);
    int *ia = xmalloc((size_t)(2 * ncols + 1) * sizeof(int));
    int *ja = xmalloc((size_t)(2 * ncols + 1) * sizeof(int));
    double *ar = xmalloc((size_t)(2 * ncols + 1) * sizeof(double));
    int32_t *col_part = xmalloc((size_t)(ncols + 1) * sizeof(int32_t));
    int8_t *col_slot = xmalloc((size_t)(ncols + 1));
    int64_t col = 0, nz = 0;
    int32_t row = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        if (!free_p[p])
            continue;
        bool any = false;
        for (int s = 0; s < part->rf; s++) {
            int64_t r = part->first_replica + s;
            int32_t b = c->replicas[r].broker;
            if (!ctx->lead_ok[b] || search_rep_must_move(ctx, r))
                continue;
            if (!any) {
                row++;
                any = true;
            }
            col++;
            glp_set_col_bnds(lp, (int)col, GLP_DB, 0.0, 1.0);
            glp_set_obj_coef(lp, (int)col, s == part->leader ? 0.0 : 1.0);
            col_part[col] = p;
            col_slot[col] = (int8_t)s;
            nz++;
            ia[nz] = row;
            ja[nz] = (int)col;
            ar[nz] = 1.0;
            nz++;
            ia[nz] = nparts + b + 1;
            ja[nz] = (int)col;
            ar[nz] = 1.0;
        }
    }
    glp_load_matrix(lp, (int)nz, ia, ja, ar);
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    /* The dual simplex: on the leader LP of a 12-broker, 1k-partition cluster it takes a fifth
     * of the primal's instructions (callgrind), so the time limit is rarely near. */
    parm.meth = GLP_DUALP;
    /* The iteration limit keeps the outcome the same on every machine; the time limit is only
     * a backstop far above what the iteration limit allows on this one. */
    int64_t it = SEARCH_LP_ITERATIONS_PER_ROW * (int64_t)(nparts + c->nbrokers) + 1000;
    parm.it_lim = it > INT_MAX ? INT_MAX : (int)it;
    parm.tm_lim = SEARCH_LP_TIME_LIMIT_MS;
    int rc = glp_simplex(lp, &parm);
    int64_t result;
    if (rc == GLP_ENOPFS || (rc == 0 && glp_get_status(lp) == GLP_NOFEAS)) {
        result = -EDOM;
    } else if (rc != 0 || glp_get_status(lp) != GLP_OPT) {
        result = -EIO;
    } else {
        result = 0;
        for (int64_t k = 1; k <= ncols; k++) {
            if (glp_get_col_prim(lp, (int)k) < 0.5)
                continue;
            int32_t p = col_part[k];
            int s = col_slot[k];
            if (s == c->partitions[p].leader || !search_leader_ok(ctx, p, s))
                continue;
            search_leader_apply(ctx, p, s);
            result++;
        }
    }
    glp_delete_prob(lp);
    free(out);
    free(free_p);
    free(fixed);
    free(ia);
    free(ja);
    free(ar);
    free(col_part);
    free(col_slot);
    return result;
}
