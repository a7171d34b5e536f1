/* Exact subproblems on GLPK; see lp.h. */
#include "optimizer/lp.h"

#include <errno.h>
#include <glpk.h>
#include <stdlib.h>

#include "common/alloc.h"

int64_t opt_lp_leaders(struct opt_ctx *ctx, const double *lo, const double *hi, int64_t max_cols)
{
    struct model_cluster *c = ctx->c;
    /* Columns: eligible replicas of partitions that have at least one. */
    int64_t ncols = 0;
    int32_t nparts = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        int k = 0;
        for (int s = 0; s < part->rf; s++) {
            int64_t r = part->first_replica + s;
            k += ctx->lead_ok[c->replicas[r].broker] && !opt_rep_must_move(ctx, r);
        }
        ncols += k;
        nparts += k > 0;
    }
    if (ncols == 0)
        return 0;
    if (ncols > max_cols)
        return -E2BIG;

    glp_prob *lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    /* rows 1..nparts: partitions (= 1); rows nparts+1..: brokers (lo <= sum <= hi) */
    glp_add_rows(lp, nparts + c->nbrokers);
    for (int32_t i = 1; i <= nparts; i++)
        glp_set_row_bnds(lp, i, GLP_FX, 1.0, 1.0);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        int row = nparts + b + 1;
        if (!ctx->lead_ok[b])
            glp_set_row_bnds(lp, row, GLP_FX, 0.0, 0.0);
        else if (lo[b] >= hi[b])
            glp_set_row_bnds(lp, row, GLP_FX, hi[b], hi[b]);
        else
            glp_set_row_bnds(lp, row, GLP_DB, lo[b] > 0 ? lo[b] : 0, hi[b]);
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
        bool any = false;
        for (int s = 0; s < part->rf; s++) {
            int64_t r = part->first_replica + s;
            int32_t b = c->replicas[r].broker;
            if (!ctx->lead_ok[b] || opt_rep_must_move(ctx, r))
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
    parm.tm_lim = OPT_LP_TIME_LIMIT_MS;
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
            if (s == c->partitions[p].leader || !opt_leader_ok(ctx, p, s))
                continue;
            opt_leader_apply(ctx, p, s);
            result++;
        }
    }
    glp_delete_prob(lp);
    free(ia);
    free(ja);
    free(ar);
    free(col_part);
    free(col_slot);
    return result;
}
