/* Snapshot files for the tests: read with common/file and parse (capacities applied), dump and
 * write atomically — what the model did itself before file I/O left model/. */
#ifndef TESTS_SNAPSHOT_SNAPFILE_H
#define TESTS_SNAPSHOT_SNAPFILE_H

#include <stdlib.h>
#include <string.h>

#include "common/file.h"
#include "model/snapshot.h"

static inline int snapfile_load_ex(const char *path, struct model_capacity_table *ret_defaults,
                                   struct model_cluster **ret, struct error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = file_read(path, MODEL_SNAPSHOT_MAX_BYTES, &buf, &len, err);
    if (rc < 0)
        return rc;
    rc = ret_defaults ? model_snapshot_parse_ex(buf, len, path, ret_defaults, ret, err)
                      : model_snapshot_parse(buf, len, path, ret, err);
    free(buf);
    return rc;
}

static inline int snapfile_load(const char *path, struct model_cluster **ret, struct error *err)
{
    return snapfile_load_ex(path, NULL, ret, err);
}

static inline int snapfile_save(const struct model_cluster *c, const char *path,
                                struct error *err)
{
    char *text = model_snapshot_dump(c);
    int rc = file_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

#endif
