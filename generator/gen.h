/*
 * The generate command: read the shape and/or template, plan, write the
 * output directory atomically (a sibling temp directory renamed into place
 * only when every file, schema.sql and manifest.json are written).
 */
#ifndef GEN_GEN_H
#define GEN_GEN_H

#include "output.h"
#include "plan.h"

struct gen_opts {
    const char *shape_path;    /* NULL when only a template is given */
    const char *template_path; /* NULL when none */
    const char *out_dir;
    uint64_t seed;
    int force;
    int shard_k, shard_n; /* 1-based; 1/1 unsharded */
    struct gen_sizing sizing;
    struct gen_out_opts out;
};

/* Returns 0, or -1 with err set (exit code from sil_err_exit_code) and
 * *what naming the step that failed ("cannot read shape"), or NULL. */
int generator_run(const struct gen_opts *o, const char **what, struct sil_err *err) SIL_WUR;

#endif
