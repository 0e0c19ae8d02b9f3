/* A sampler run from connection to the atomically written shape. */
#include "sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "catalog.h"
#include "classify.h"
#include "db.h"
#include "key.h"
#include "log.h"
#include "pgstats.h"
#include "rest.h"
#include "rules.h"
#include "selfcheck.h"
#include "signals.h"
#include "stats.h"

void sampler_opts_init(struct sampler_opts *o)
{
    memset(o, 0, sizeof *o);
    o->source = SAMPLER_SOURCE_POSTGRESQL;
    o->sample_rows = SAMPLER_DEF_SAMPLE_ROWS;
    o->exact_threshold = SAMPLER_DEF_EXACT_THRESHOLD;
    o->fk_parents = SAMPLER_DEF_FK_PARENTS;
    o->heavy_threshold = SAMPLER_DEF_HEAVY;
    o->k = SAMPLER_DEF_K;
    o->token_length = SAMPLER_DEF_TOKEN_LENGTH;
    o->max_category_bytes = SAMPLER_DEF_MAX_CAT_BYTES;
    o->max_categories = SAMPLER_DEF_MAX_CATEGORIES;
    o->statement_timeout_ms = SAMPLER_DEF_STATEMENT_TIMEOUT;
    o->lock_timeout_ms = SAMPLER_DEF_LOCK_TIMEOUT;
    o->idle_timeout_ms = SAMPLER_DEF_IDLE_TIMEOUT;
    o->connect_timeout_s = SAMPLER_DEF_CONNECT_TIMEOUT;
}

/* "sv_SE.UTF-8" -> "sv_SE" when the generator knows it. */
static const char *locale_from(struct sil_arena *a, const char *lc)
{
    if (!lc || strlen(lc) < 5)
        return NULL;
    char l[6];
    memcpy(l, lc, 5);
    l[5] = '\0';
    return sil_locale_known(l) ? sil_arena_strdup(a, l) : NULL;
}

/* Server facts: version, database, system identifier, lc_ctype. */
static int source_info(struct sampler_db *db, struct sil_shape *s, const struct sampler_key *key,
                       const struct sampler_opts *o, struct sil_err *err)
{
    PGresult *r =
        sampler_db_query(db, "SELECT current_database(), current_setting('lc_ctype')", NULL, err);
    if (!r)
        return -1;
    const char *dbname = sampler_db_value(r, 0, 0);
    char *dbn = sil_xstrdup(dbname ? dbname : "");
    s->source.server_version = sampler_db_server_version(db) / 10000;
    s->source.locale = o->locale ? o->locale : locale_from(s->arena, sampler_db_value(r, 0, 1));
    PQclear(r);
    if (!key) {
        free(dbn);
        return 0;
    }
    /* The system identifier may be off limits to the role: a savepoint keeps
     * the snapshot if it is. */
    if (sampler_db_savepoint(db, err) < 0) {
        free(dbn);
        return -1;
    }
    enum sampler_fail fail;
    struct sil_err e;
    sil_err_clear(&e);
    r = sampler_db_query(db, "SELECT system_identifier::text FROM pg_control_system()", &fail, &e);
    char *ident = NULL;
    if (r) {
        const char *v = sampler_db_value(r, 0, 0);
        ident = sil_xasprintf("postgresql:%s:%s", v ? v : "", dbn);
        PQclear(r);
        if (sampler_db_release(db, err) < 0)
            goto fail;
    } else {
        if (fail == SAMPLER_F_FATAL) {
            *err = e;
            goto fail;
        }
        if (sampler_db_rollback_to(db, err) < 0)
            goto fail;
        /* Without it the database name alone still tells sources apart. */
        ident = sil_xasprintf("postgresql::%s", dbn);
    }
    char tok[SAMPLER_TOKEN_MAX + 1];
    sampler_key_token(key, ident, strlen(ident), s->tokenization.token_length, tok);
    s->source.fingerprint = sil_arena_strdup(s->arena, tok);
    free(ident);
    free(dbn);
    return 0;
fail:
    free(ident);
    free(dbn);
    return -1;
}

static int sample_tables(struct sampler_db *db, struct sampler_model *m,
                         const struct sampler_statopts *so, const struct sampler_opts *o,
                         struct sil_err *err)
{
    struct sil_shape *s = m->shape;
    struct sil_progress prog;
    sil_progress_start(&prog, "tables", s->ntables);
    for (size_t i = 0; i < s->ntables; i++) {
        if (o->metadata_only)
            sampler_rows_from_catalog(m, i);
        else if (sampler_pg_table_stats(db, m, i, so, err) < 0)
            return -1;
        sil_progress_update(&prog, i + 1);
    }
    sil_progress_end(&prog, s->ntables);
    if (o->metadata_only)
        return 0;
    for (size_t i = 0; i < s->ntables; i++)
        for (size_t f = 0; f < s->tables[i].nfks; f++)
            if (sampler_pg_fk_stats(db, m, i, f, so, err) < 0)
                return -1;
    return 0;
}

/* A category value matches a PII rule (strict: production rows are real even
 * when they look fictional). */
static int pii_match(void *ctx, const char *value, size_t len)
{
    return sil_rscan_text(ctx, value, len, SIL_SCAN_STRICT, NULL, NULL) > 0;
}

static char *default_audit_path(const char *out)
{
    return sil_xasprintf("%s.audit.jsonl", out);
}

/* The REST part of a run: every entity read, then the tables built from memory. */
static int rest_part(const struct sampler_apidesc *d, struct sampler_audit *audit,
                     struct sil_shape *shape, const struct sampler_key *key,
                     const struct sampler_policy *pol, const struct sampler_statopts *so,
                     const struct sampler_opts *o, struct sil_err *err)
{
    char host[256];
    if (sampler_url_host(d->base_url, host, sizeof host) < 0)
        SIL_BUG("base URL checked by the reader");
    shape->source.locale = o->locale;
    if (key) {
        char *ident = sil_xasprintf("rest:%s", host);
        char tok[SAMPLER_TOKEN_MAX + 1];
        sampler_key_token(key, ident, strlen(ident), shape->tokenization.token_length, tok);
        shape->source.fingerprint = sil_arena_strdup(shape->arena, tok);
        free(ident);
    }
    int64_t bound = 0;
    for (size_t i = 0; i < d->nentities; i++)
        bound = d->entities[i].max_records > bound ? d->entities[i].max_records : bound;
    shape->privacy.sample_rows = bound;
    shape->privacy.exact_count_threshold = 0;

    /* A selection of entities, as tables are selected (--include, --exclude). */
    struct sampler_apidesc sel = *d;
    sel.entities = sil_xcalloc(d->nentities, sizeof *sel.entities);
    sel.nentities = 0;
    struct sampler_filter filter = {NULL, 0, o->includes, o->nincludes, o->excludes, o->nexcludes};
    for (size_t i = 0; i < d->nentities; i++)
        if (sampler_filter_match(&filter, d->schema, d->entities[i].name))
            sel.entities[sel.nentities++] = d->entities[i];
    if (sel.nentities == 0)
        sil_log_warn("no entities matched (check --include and --exclude)");
    struct sampler_rest_read *rd = sil_xcalloc(sel.nentities + 1, sizeof *rd);
    struct sampler_http *h = NULL;
    int rc = -1;
    h = sampler_http_new(&sel, audit, err);
    if (!h)
        goto out;
    for (size_t i = 0; i < sel.nentities; i++)
        if (sampler_rest_fetch(h, &sel, i, &rd[i], err) < 0)
            goto out;
    sampler_http_free(h);
    h = NULL;
    struct sampler_model model = {shape, NULL};
    if (sampler_rest_build(&model, &sel, rd, pol, so, o->metadata_only, err) < 0)
        goto out;
    rc = 0;
out:
    sampler_http_free(h);
    for (size_t i = 0; i < sel.nentities; i++)
        sampler_rtable_free(rd[i].records);
    free(rd);
    free(sel.entities);
    return rc;
}

/* The PostgreSQL part of a run: one snapshot from connection to COMMIT. */
static int pg_part(struct sampler_audit *audit, struct sil_shape *shape,
                   const struct sampler_key *key, const struct sampler_policy *pol,
                   const struct sampler_statopts *so, const struct sampler_opts *o,
                   struct sil_err *err)
{
    struct sampler_db_opts dbo = {o->dsn,
                                  o->statement_timeout_ms,
                                  o->lock_timeout_ms,
                                  o->idle_timeout_ms,
                                  o->connect_timeout_s,
                                  o->allow_superuser};
    struct sampler_db *db = sampler_db_connect(&dbo, audit, err);
    int rc = -1;
    if (!db || sampler_db_begin(db, &dbo, err) < 0)
        goto out;
    shape->privacy.exact_count_threshold = o->metadata_only ? 0 : o->exact_threshold;
    if (source_info(db, shape, key, o, err) < 0)
        goto out;
    struct sampler_model model = {shape, NULL};
    struct sampler_filter filter = {o->schemas,   o->nschemas, o->includes,
                                    o->nincludes, o->excludes, o->nexcludes};
    if (sampler_catalog_read(db, &filter, &model, err) < 0)
        goto out;
    if (shape->ntables == 0)
        sil_log_warn("no tables matched (check --schema, --include and --exclude)");
    sampler_classify(&model, pol);
    if (sample_tables(db, &model, so, o, err) < 0)
        goto out;
    if (sampler_db_finish(db, err) < 0)
        goto out;
    rc = 0;
out:
    sampler_db_close(db);
    return rc;
}

int sampler_run(const struct sampler_opts *o, struct sil_err *err)
{
    int rc = -1;
    struct sampler_policy *pol = NULL;
    struct sil_rules *rules = NULL;
    struct sil_rscan *scan = NULL;
    struct sampler_key *key = NULL;
    struct sampler_audit *audit = NULL;
    struct sampler_apidesc *api = NULL;
    struct sil_shape *shape = NULL;
    char *audit_path = o->audit_path ? sil_xstrdup(o->audit_path) : default_audit_path(o->out);

    if (o->source == SAMPLER_SOURCE_REST) {
        api = sampler_apidesc_load(o->api, err);
        if (!api)
            goto out;
    }
    pol = sampler_policy_load(o->policy_default, o->policy, err);
    if (!pol)
        goto out;
    rules = sil_rules_load(NULL, o->rules, err);
    if (!rules)
        goto out;
    scan = sil_rscan_new(rules);
    if (sampler_key_load(o->key_file, &key, err) < 0)
        goto out;
    if (!key)
        sil_log_warn("no HMAC key (--key-file or $" SAMPLER_KEY_ENV "): values that would be "
                     "tokens are left out and the shape has no source fingerprint");

    audit = sampler_audit_open(audit_path, err);
    if (!audit)
        goto out;
    shape = sil_shape_new();
    shape->source.kind = api ? "rest" : "postgresql";
    shape->tokenization.method = key ? "hmac-sha256" : "none";
    shape->tokenization.token_length = o->token_length;
    if (key) {
        char id[SAMPLER_KEY_ID_LEN + 1];
        sampler_key_id(key, id);
        shape->tokenization.key_id = sil_arena_strdup(shape->arena, id);
    }
    shape->privacy.k = o->k;
    shape->privacy.sample_rows = o->sample_rows;
    shape->privacy.max_category_bytes = o->max_category_bytes;
    shape->privacy.noise = "none";
    shape->privacy.metadata_only = o->metadata_only;

    struct sampler_protect protect = {
        o->k, o->max_category_bytes, o->max_categories, o->token_length, key, pii_match, scan};
    struct sampler_statopts so = {o->k,          o->sample_rows,     o->exact_threshold,
                                  o->fk_parents, o->heavy_threshold, o->max_categories,
                                  1024,          &protect,           scan};
    if ((api ? rest_part(api, audit, shape, key, pol, &so, o, err)
             : pg_part(audit, shape, key, pol, &so, o, err)) < 0)
        goto out;

    char sum[SIL_CHECKSUM_SIZE];
    int64_t statements = sampler_audit_count(audit);
    int arc = sampler_audit_close(audit, sum, err);
    audit = NULL;
    if (arc < 0)
        goto out;
    shape->has_audit = 1;
    shape->audit.log_checksum = sil_arena_strdup(shape->arena, sum);
    shape->audit.statements = statements;

    char now[21];
    sil_utc_now(now);
    shape->created_at = sil_arena_strdup(shape->arena, now);
    /* --ttl-days, else the policy's ttl_days; a policy without one never expires. */
    int64_t ttl = o->expires_in_days > 0 ? o->expires_in_days : sampler_policy_ttl_days(pol);
    if (ttl > 0) {
        int64_t t = 0;
        char exp[21];
        if (sil_utc_parse(now, &t) < 0)
            SIL_BUG("cannot parse our own time %s", now);
        sil_utc_format(t + ttl * 86400, exp);
        shape->expires_at = sil_arena_strdup(shape->arena, exp);
    }
    if (sil_interrupted()) {
        sil_err_set(err, SIL_EINTR, "interrupted; no shape was written");
        goto out;
    }
    if (sampler_selfcheck(shape, scan, err) < 0) {
        sil_err_prefix(err, "refusing to write the shape");
        goto out;
    }
    if (sil_shape_write_file(shape, o->out, err) < 0)
        goto out;
    sil_log_verbose("wrote %s (%zu tables) and %s (%lld statements)", o->out, shape->ntables,
                    audit_path, (long long)statements);
    rc = 0;
out:
    sampler_audit_abandon(audit);
    sampler_apidesc_free(api);
    sil_shape_free(shape);
    sampler_key_free(key);
    sampler_policy_free(pol);
    sil_rscan_free(scan);
    sil_rules_free(rules);
    free(audit_path);
    return rc;
}
