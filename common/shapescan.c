/* Structure-aware privacy check of shape files. */
#include "shapescan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "pii_decode.h"
#include "shape.h"
#include "sil.h"

/* Every key and enumerated word of shape format v1 (see common/shape.c). */
static const char *const vocab[] = {"format",
                                    "version",
                                    "created_at",
                                    "expires_at",
                                    "source",
                                    "tokenization",
                                    "privacy",
                                    "audit",
                                    "enums",
                                    "domains",
                                    "tables",
                                    "checksum",
                                    "kind",
                                    "fingerprint",
                                    "server_version",
                                    "locale",
                                    "method",
                                    "key_id",
                                    "token_length",
                                    "k",
                                    "sample_rows",
                                    "max_category_bytes",
                                    "noise",
                                    "metadata_only",
                                    "exact_count_threshold",
                                    "log_checksum",
                                    "statements",
                                    "schema",
                                    "name",
                                    "labels",
                                    "type",
                                    "not_null",
                                    "checks",
                                    "rows",
                                    "skipped",
                                    "partitioning",
                                    "primary_key",
                                    "unique",
                                    "columns",
                                    "foreign_keys",
                                    "count",
                                    "sampled",
                                    "strategy",
                                    "key",
                                    "partitions",
                                    "bound",
                                    "expression",
                                    "nullable",
                                    "default",
                                    "identity",
                                    "generated",
                                    "classification",
                                    "stats",
                                    "length",
                                    "precision",
                                    "scale",
                                    "array",
                                    "ref",
                                    "sql_name",
                                    "null_fraction",
                                    "distinct_fraction",
                                    "quantiles",
                                    "length_quantiles",
                                    "categories",
                                    "hour_of_week",
                                    "encoding",
                                    "values",
                                    "other_fraction",
                                    "suppressed",
                                    "value",
                                    "fraction",
                                    "references",
                                    "table",
                                    "on_delete",
                                    "on_update",
                                    "deferrable",
                                    "coverage",
                                    "parents_with_children",
                                    "mean_children",
                                    "children_per_parent",
                                    "heavy",
                                    "arrival",
                                    "sampled_parents",
                                    "threshold",
                                    "parent_fraction",
                                    "child_fraction",
                                    "column",
                                    "burstiness",
                                    "gap_quantiles",
                                    "silhouette.shape",
                                    "postgresql",
                                    "rest",
                                    "template",
                                    "hmac-sha256",
                                    "none",
                                    "clear",
                                    "token",
                                    "exact",
                                    "estimate",
                                    "declared",
                                    "always",
                                    "by_default",
                                    "constant",
                                    "sequence",
                                    "now",
                                    "range",
                                    "list",
                                    "hash",
                                    "view",
                                    "matview",
                                    "foreign",
                                    "partitioned",
                                    "no_action",
                                    "restrict",
                                    "cascade",
                                    "set_null",
                                    "set_default",
                                    "permission_denied",
                                    "dropped_during_run",
                                    "timeout",
                                    "public",
                                    "identifier",
                                    "sensitive",
                                    "en_US",
                                    "en_GB",
                                    "de_DE",
                                    "fr_FR",
                                    "sv_SE",
                                    NULL};

static int in_vocab(const char *s, size_t n)
{
    for (int i = 0; vocab[i]; i++)
        if (strlen(vocab[i]) == n && memcmp(vocab[i], s, n) == 0)
            return 1;
    /* Type and classification names are format words too. */
    char tmp[64];
    if (n < sizeof tmp) {
        enum sil_class c;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        if (sil_class_parse(tmp, &c) == 0)
            return 1;
        for (int b = 0; b < SIL_T__COUNT; b++)
            if (strcmp(sil_type_base_name((enum sil_type_base)b), tmp) == 0)
                return 1;
    }
    return 0;
}

void sil_shapescan_sanitize(const char *msg, char *out, size_t outsz)
{
    size_t k = 0;
    if (outsz == 0)
        return;
    for (const char *p = msg; *p && k + 1 < outsz;) {
        if (*p != '"') {
            out[k++] = *p++;
            continue;
        }
        const char *q = strchr(p + 1, '"');
        if (!q) {
            out[k++] = *p++;
            continue;
        }
        size_t n = (size_t)(q - p - 1);
        char masked[160];
        const char *shown = p + 1;
        size_t sn = n;
        if (!in_vocab(p + 1, n)) {
            sil_pii_mask(SIL_MASK_GENERIC, p + 1, n, masked, sizeof masked);
            shown = masked;
            sn = strlen(masked);
        }
        if (k + sn + 2 < outsz) {
            out[k++] = '"';
            memcpy(out + k, shown, sn);
            k += sn;
            out[k++] = '"';
        }
        p = q + 1;
    }
    out[k] = '\0';
}

enum role {
    ROLE_OTHER,
    ROLE_KEY,
    ROLE_IDENT,
    ROLE_EXPR,
    ROLE_CATEGORY,
    ROLE_TOKEN,
    ROLE_CHECKSUM,
    ROLE_NUMBER
};

static const char *const ident_paths[] = {"tables[].schema",
                                          "tables[].name",
                                          "tables[].primary_key[]",
                                          "tables[].unique[].name",
                                          "tables[].unique[].columns[]",
                                          "tables[].checks[].name",
                                          "tables[].columns[].name",
                                          "tables[].columns[].type.schema",
                                          "tables[].columns[].type.ref",
                                          "tables[].columns[].type.sql_name",
                                          "tables[].foreign_keys[].name",
                                          "tables[].foreign_keys[].columns[]",
                                          "tables[].foreign_keys[].references.schema",
                                          "tables[].foreign_keys[].references.table",
                                          "tables[].foreign_keys[].references.columns[]",
                                          "tables[].foreign_keys[].stats.arrival.column",
                                          "tables[].partitioning.key[]",
                                          "tables[].partitioning.partitions[].name",
                                          "enums[].schema",
                                          "enums[].name",
                                          "enums[].labels[]",
                                          "domains[].schema",
                                          "domains[].name",
                                          "domains[].type.schema",
                                          "domains[].type.ref",
                                          "domains[].type.sql_name",
                                          "domains[].checks[].name",
                                          NULL};
static const char *const expr_paths[] = {
    "tables[].checks[].expression", "tables[].columns[].generated.expression",
    "tables[].partitioning.partitions[].bound", "domains[].checks[].expression", NULL};

static enum role role_of(const char *gpath)
{
    for (int i = 0; ident_paths[i]; i++)
        if (strcmp(gpath, ident_paths[i]) == 0)
            return ROLE_IDENT;
    for (int i = 0; expr_paths[i]; i++)
        if (strcmp(gpath, expr_paths[i]) == 0)
            return ROLE_EXPR;
    if (strcmp(gpath, "tables[].columns[].stats.categories.values[].value") == 0)
        return ROLE_CATEGORY;
    if (strcmp(gpath, "source.fingerprint") == 0 || strcmp(gpath, "tokenization.key_id") == 0)
        return ROLE_TOKEN;
    if (strcmp(gpath, "checksum") == 0 || strcmp(gpath, "audit.log_checksum") == 0)
        return ROLE_CHECKSUM;
    return ROLE_OTHER;
}

struct walk {
    struct sil_rscan *sc;
    const struct sil_rules *rules;
    unsigned flags;
    sil_finding_fn fn;
    void *ctx;
    long found;
    int stopped;
    int token_length;
    int max_cat;
    char path[1024];
    size_t plen;
    char gpath[512];
    size_t glen;
    int cat_token; /* inside categories whose encoding is "token" */
    /* The string being scanned with '_' read as a blank (see check_string). */
    const char *orig;
    size_t spans[32][2]; /* what the plain scan of it reported */
    int nspans;
};

static int emit(struct walk *w, const char *rule, enum sil_class kind, enum sil_rule_severity sev,
                const char *masked, const char *message, const char *value, size_t vlen,
                enum sil_decoding dec, int fictional)
{
    struct sil_finding f;
    memset(&f, 0, sizeof f);
    f.rule = rule;
    f.kind = kind;
    f.severity = sev;
    f.path = w->path;
    f.masked = masked ? masked : "";
    f.message = message;
    f.decoded = dec;
    f.fictional = fictional;
    if (value)
        sil_checksum(value, vlen, f.value_hash);
    w->found++;
    if (w->fn && w->fn(w->ctx, &f)) {
        w->stopped = 1;
        return 1;
    }
    return 0;
}

static int match_cb(void *ctx, const struct sil_match *m)
{
    struct walk *w = ctx;
    const struct sil_rule_info *ri = sil_rules_get(w->rules, m->rule);
    char masked[256];
    const char *value = m->value;
    if (w->orig) {
        /* The underscore reading: only what the plain scan did not report, shown as written. */
        for (int i = 0; i < w->nspans; i++)
            if (m->start < w->spans[i][1] && w->spans[i][0] < m->end)
                return 0;
        value = w->orig + m->start;
    } else if (w->nspans < (int)(sizeof w->spans / sizeof w->spans[0])) {
        w->spans[w->nspans][0] = m->start;
        w->spans[w->nspans][1] = m->end;
        w->nspans++;
    }
    sil_rules_mask(w->rules, m->rule, value, m->value_len, masked, sizeof masked);
    return emit(w, ri->id, ri->kind, ri->severity, masked, ri->description, value, m->value_len,
                m->decoded, m->fictional);
}

/*
 * Identifiers join words with '_', which rules that want a word boundary before and after a
 * value do not see through (emma_jones, ssn_536_22_8726 are words to \b). Scan such a string
 * once more with every '_' read as a blank, and report what that adds.
 */
static int scan_underscored(struct walk *w, const char *s, size_t n)
{
    if (!memchr(s, '_', n))
        return 0;
    char stack[256];
    char *t = n < sizeof stack ? stack : sil_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        t[i] = s[i] == '_' ? ' ' : s[i];
    t[n] = '\0';
    w->orig = s;
    sil_rscan_text(w->sc, t, n, (w->flags & SIL_SCAN_STRICT) | SIL_SCAN_NO_DECODE, match_cb, w);
    w->orig = NULL;
    if (t != stack)
        free(t);
    return w->stopped;
}

/* Character class transitions per byte: random text switches class often, words rarely. */
static double transitions(const char *s, size_t n)
{
    int prev = -1;
    size_t t = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int k = c >= '0' && c <= '9' ? 0 : c >= 'a' && c <= 'z' ? 1 : c >= 'A' && c <= 'Z' ? 2 : 3;
        t += prev >= 0 && k != prev;
        prev = k;
    }
    return n ? (double)t / (double)n : 0;
}

static int is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '_' || c == '-' || c == '=';
}

static int is_hexc(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Long opaque runs: base64-looking or hex. Returns 1 when the scan must stop. */
static int check_opaque(struct walk *w, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (!is_b64((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t a = i;
        int hex = 1, d = 0, u = 0, l = 0;
        while (i < n && is_b64((unsigned char)s[i])) {
            unsigned char c = (unsigned char)s[i];
            hex &= is_hexc(c);
            d |= c >= '0' && c <= '9';
            u |= c >= 'A' && c <= 'Z';
            l |= c >= 'a' && c <= 'z';
            i++;
        }
        size_t len = i - a;
        const char *why = NULL;
        if (hex && len >= 32 && d)
            why = "a long hex string: encoded data cannot be checked for PII";
        else if (len >= 24 && d && u && l && sil_pii_entropy(s + a, len) >= 4.0 &&
                 transitions(s + a, len) >= 0.3)
            why = "a long base64-like string: encoded data cannot be checked for PII";
        if (why) {
            char masked[64];
            sil_pii_mask(SIL_MASK_BLOB, s + a, len, masked, sizeof masked);
            if (emit(w, SIL_CHECK_ENCODED, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_MEDIUM, masked, why,
                     s + a, len, SIL_DECODED_NONE, 0))
                return 1;
        }
    }
    /* Escaped text: a shape has no reason to percent- or unicode-escape anything. */
    size_t esc = 0;
    for (size_t i = 0; i + 2 < n; i++)
        esc +=
            (s[i] == '%' && is_hexc((unsigned char)s[i + 1]) && is_hexc((unsigned char)s[i + 2])) ||
            (s[i] == '\\' && (s[i + 1] == 'u' || s[i + 1] == 'x'));
    if (esc >= 2) {
        char masked[64];
        sil_pii_mask(SIL_MASK_BLOB, s, n, masked, sizeof masked);
        if (emit(w, SIL_CHECK_ENCODED, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_MEDIUM, masked,
                 "percent-encoded or escaped text: encoded data does not belong in a shape", s, n,
                 SIL_DECODED_NONE, 0))
            return 1;
    }
    return 0;
}

static int check_string(struct walk *w, const char *s, enum role role)
{
    size_t n = strlen(s);
    char masked[256];
    if (role == ROLE_CHECKSUM && sil_checksum_valid(s))
        return 0; /* a digest of the shape itself */
    if (role == ROLE_TOKEN || (role == ROLE_CATEGORY && w->cat_token)) {
        size_t want = role == ROLE_TOKEN && strcmp(w->gpath, "tokenization.key_id") == 0
                          ? 16
                          : (size_t)w->token_length;
        if (!sil_is_hex(s, want)) {
            sil_pii_mask(SIL_MASK_BLOB, s, n, masked, sizeof masked);
            char msg[160];
            snprintf(msg, sizeof msg, "not a token: expected %zu lower-case hex characters", want);
            if (emit(w, SIL_CHECK_TOKEN, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_HIGH, masked, msg, s, n,
                     SIL_DECODED_NONE, 0))
                return 1;
        } else if (strspn(s, "0123456789") == n) {
            /*
             * Hex, but decimal digits only: the sampler never writes such a token (it derives
             * another), so this is a number in a token's place -- perhaps a card number, which
             * a digits-only token can pass for, Luhn digit and all. It is reported as what it
             * is, not matched against the number rules.
             */
            sil_pii_mask(SIL_MASK_BLOB, s, n, masked, sizeof masked);
            emit(w, SIL_CHECK_ALLDIGITS, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_HIGH, masked,
                 "a token of decimal digits only: tokens written by the sampler always hold a "
                 "letter, so this is a number where a token belongs",
                 s, n, SIL_DECODED_NONE, 0);
            return w->stopped;
        }
    } else if (role == ROLE_IDENT && n > SIL_IDENT_MAX) {
        sil_pii_mask(SIL_MASK_BLOB, s, n, masked, sizeof masked);
        if (emit(w, SIL_CHECK_LENGTH, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_HIGH, masked,
                 "identifier longer than 63 bytes", s, n, SIL_DECODED_NONE, 0))
            return 1;
    } else if (role == ROLE_CATEGORY && n > (size_t)w->max_cat) {
        sil_pii_mask(SIL_MASK_BLOB, s, n, masked, sizeof masked);
        if (emit(w, SIL_CHECK_LENGTH, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_HIGH, masked,
                 "clear-text category value longer than privacy.max_category_bytes", s, n,
                 SIL_DECODED_NONE, 0))
            return 1;
    }
    if (role != ROLE_TOKEN && role != ROLE_CHECKSUM && !(role == ROLE_CATEGORY && w->cat_token) &&
        check_opaque(w, s, n))
        return 1;
    w->nspans = 0;
    sil_rscan_text(w->sc, s, n, w->flags & SIL_SCAN_STRICT, match_cb, w);
    if (w->stopped || role == ROLE_TOKEN || role == ROLE_CHECKSUM)
        return w->stopped;
    return scan_underscored(w, s, n);
}

/* Append a path step ("." key when `dot`, or "[i]" when key is NULL); returns the mark. */
static size_t push(char *buf, size_t *len, size_t cap, int dot, const char *key, size_t i)
{
    size_t mark = *len;
    int k = key ? snprintf(buf + *len, cap - *len, "%s%s", dot ? "." : "", key)
                : snprintf(buf + *len, cap - *len, "[%zu]", i);
    if (k > 0)
        *len = SIL_MIN(*len + (size_t)k, cap - 1);
    return mark;
}

static void pop(char *buf, size_t *len, size_t mark)
{
    *len = mark;
    buf[mark] = '\0';
}

static int walk_node(struct walk *w, const cJSON *node);

static int walk_member(struct walk *w, const cJSON *m)
{
    const char *key = m->string ? m->string : "";
    size_t kn = strlen(key);
    int known = in_vocab(key, kn);
    char shown[160];
    if (known) {
        snprintf(shown, sizeof shown, "%s", key);
    } else {
        char masked[128];
        sil_pii_mask(SIL_MASK_GENERIC, key, kn, masked, sizeof masked);
        snprintf(shown, sizeof shown, "[\"%s\"]", masked);
    }
    size_t pm = push(w->path, &w->plen, sizeof w->path, known && w->plen, shown, 0);
    size_t gm = push(w->gpath, &w->glen, sizeof w->gpath, w->glen > 0, known ? key : "?", 0);
    /* The key itself is text too. */
    int stop = !known && check_string(w, key, ROLE_KEY);
    if (!stop)
        stop = walk_node(w, m);
    pop(w->path, &w->plen, pm);
    pop(w->gpath, &w->glen, gm);
    return stop;
}

static int walk_node(struct walk *w, const cJSON *node)
{
    if (cJSON_IsObject(node)) {
        int saved = w->cat_token;
        const cJSON *enc = cJSON_GetObjectItemCaseSensitive(node, "encoding");
        if (enc && cJSON_IsString(enc) && w->glen >= 10 &&
            strcmp(w->gpath + w->glen - 10, "categories") == 0)
            w->cat_token = strcmp(enc->valuestring, "token") == 0;
        for (const cJSON *m = node->child; m; m = m->next)
            if (walk_member(w, m)) {
                w->cat_token = saved;
                return 1;
            }
        w->cat_token = saved;
        return 0;
    }
    if (cJSON_IsArray(node)) {
        size_t i = 0;
        for (const cJSON *e = node->child; e; e = e->next, i++) {
            size_t pm = push(w->path, &w->plen, sizeof w->path, 0, NULL, i);
            size_t gm = push(w->gpath, &w->glen, sizeof w->gpath, 0, "[]", 0);
            int stop = walk_node(w, e);
            pop(w->path, &w->plen, pm);
            pop(w->gpath, &w->glen, gm);
            if (stop)
                return 1;
        }
        return 0;
    }
    if (cJSON_IsString(node))
        return check_string(w, node->valuestring, role_of(w->gpath));
    if (cJSON_IsNumber(node)) {
        double v = node->valuedouble;
        /* A number can carry a card or personal number as well as a string can. */
        if (isfinite(v) && v == floor(v) && fabs(v) >= 1e8 && fabs(v) < 1e19) {
            char digits[32];
            snprintf(digits, sizeof digits, "%.0f", fabs(v));
            sil_rscan_text(w->sc, digits, strlen(digits),
                           (w->flags & SIL_SCAN_STRICT) | SIL_SCAN_NO_DECODE, match_cb, w);
            return w->stopped;
        }
    }
    return 0;
}

long sil_shapescan_tree(struct sil_rscan *sc, const cJSON *root, unsigned flags, sil_finding_fn fn,
                        void *ctx)
{
    struct walk *w = sil_xcalloc(1, sizeof *w);
    w->sc = sc;
    w->rules = sil_rscan_rules(sc);
    w->flags = flags;
    w->fn = fn;
    w->ctx = ctx;
    w->token_length = 16;
    w->max_cat = 64;
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(root, "tokenization");
    const cJSON *priv = cJSON_GetObjectItemCaseSensitive(root, "privacy");
    const cJSON *tl = tok ? cJSON_GetObjectItemCaseSensitive(tok, "token_length") : NULL;
    const cJSON *mc = priv ? cJSON_GetObjectItemCaseSensitive(priv, "max_category_bytes") : NULL;
    if (sil_json_is_int(tl, 8, 64))
        w->token_length = (int)tl->valuedouble;
    if (sil_json_is_int(mc, 1, 256))
        w->max_cat = (int)mc->valuedouble;

    /* The strict reader first: anything it refuses is a structural finding. */
    struct sil_err err;
    sil_err_clear(&err);
    unsigned rflags = (flags & SIL_SHAPESCAN_UNSEALED) ? SIL_SHAPE_ALLOW_UNSEALED : 0;
    struct sil_shape *shape = sil_shape_from_json(root, rflags, &err);
    if (!shape) {
        char msg[1200], clean[1200];
        sil_shapescan_sanitize(err.msg, clean, sizeof clean);
        snprintf(msg, sizeof msg, "%s", clean);
        snprintf(w->path, sizeof w->path, "%s", err.path);
        w->plen = strlen(w->path);
        emit(w, SIL_CHECK_STRUCTURE, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_HIGH, "", msg, NULL, 0,
             SIL_DECODED_NONE, 0);
        w->path[0] = '\0';
        w->plen = 0;
    } else if (sil_expiry_check(shape->expires_at, "the shape", &err) < 0) {
        /* An expired shape may not leave production either. */
        snprintf(w->path, sizeof w->path, "expires_at");
        w->plen = strlen(w->path);
        emit(w, SIL_CHECK_EXPIRED, SIL_CLASS_PERSONAL_OTHER, SIL_SEV_HIGH, "", err.msg, NULL, 0,
             SIL_DECODED_NONE, 0);
        w->path[0] = '\0';
        w->plen = 0;
    }
    sil_shape_free(shape);
    if (!w->stopped)
        walk_node(w, root);
    long r = w->stopped ? -1 : w->found;
    free(w);
    return r;
}

long sil_shapescan_buffer(struct sil_rscan *sc, const char *data, size_t len, const char *name,
                          unsigned flags, sil_finding_fn fn, void *ctx, struct sil_err *err)
{
    cJSON *root;
    if (sil_json_parse(data, len, name, &root, err) < 0)
        return -2;
    long r = sil_shapescan_tree(sc, root, flags, fn, ctx);
    cJSON_Delete(root);
    return r;
}

int sil_shapescan_is_shape(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    if (i >= len || data[i] != '{')
        return 0;
    size_t lim = SIL_MIN(len, i + 4096);
    static const char needle[] = "\"silhouette.shape\"";
    for (size_t j = i; j + sizeof needle - 1 <= lim; j++)
        if (memcmp(data + j, needle, sizeof needle - 1) == 0)
            return 1;
    return 0;
}
