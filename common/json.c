/* Strict JSON reading and canonical writing. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

int sil_json_parse(const char *data, size_t len, const char *name, cJSON **out, struct sil_err *err)
{
    const char *end = NULL;
    if (len == 0) {
        sil_err_set(err, SIL_EINPUT, "empty file: expected a JSON document");
        sil_err_file(err, name);
        return -1;
    }
    if (memchr(data, '\0', len)) {
        sil_err_set(err, SIL_EINPUT, "NUL byte in JSON text");
        sil_err_file(err, name);
        return -1;
    }
    /* data[len] is the terminating NUL, which cJSON wants inside the length. */
    cJSON *root = cJSON_ParseWithLengthOpts(data, len + 1, &end, 1);
    if (!root) {
        const char *at = end ? end : cJSON_GetErrorPtr();
        size_t off = (at && at >= data && at <= data + len) ? (size_t)(at - data) : len;
        int line = 1, col = 1;
        for (size_t i = 0; i < off; i++) {
            if (data[i] == '\n')
                line++, col = 1;
            else
                col++;
        }
        size_t last = len;
        while (last > 0 && (data[last - 1] == ' ' || data[last - 1] == '\n' ||
                            data[last - 1] == '\r' || data[last - 1] == '\t'))
            last--;
        int incomplete = last == 0 || (data[last - 1] != '}' && data[last - 1] != ']');
        if (off >= len)
            sil_err_set_line(err, SIL_EINPUT, line, col,
                             "invalid JSON: unexpected end of input (truncated file?)");
        else if (incomplete)
            sil_err_set_line(err, SIL_EINPUT, line, col,
                             "invalid JSON near '%.16s': the document is incomplete (truncated "
                             "file?)",
                             data + off);
        else
            sil_err_set_line(err, SIL_EINPUT, line, col, "invalid JSON near '%.16s'", data + off);
        sil_err_file(err, name);
        return -1;
    }
    *out = root;
    return 0;
}

int sil_json_parse_file(const char *path, size_t max_bytes, cJSON **out, struct sil_err *err)
{
    char *data;
    size_t len;
    if (sil_read_file(path, max_bytes ? max_bytes : (size_t)256 << 20, &data, &len, err) < 0)
        return -1;
    int r = sil_json_parse(data, len, path, out, err);
    free(data);
    return r;
}

void sil_jctx_init(struct sil_jctx *c, struct sil_err *err)
{
    c->err = err;
    c->path[0] = '\0';
    c->len = 0;
}

size_t sil_jctx_key(struct sil_jctx *c, const char *key)
{
    size_t mark = c->len;
    int n = snprintf(c->path + c->len, sizeof c->path - c->len, "%s%s", c->len ? "." : "", key);
    if (n > 0)
        c->len = SIL_MIN(c->len + (size_t)n, sizeof c->path - 1);
    return mark;
}

size_t sil_jctx_index(struct sil_jctx *c, size_t i)
{
    size_t mark = c->len;
    int n = snprintf(c->path + c->len, sizeof c->path - c->len, "[%zu]", i);
    if (n > 0)
        c->len = SIL_MIN(c->len + (size_t)n, sizeof c->path - 1);
    return mark;
}

void sil_jctx_restore(struct sil_jctx *c, size_t mark)
{
    c->len = mark;
    c->path[mark] = '\0';
}

int sil_jctx_fail(struct sil_jctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
    va_end(ap);
    c->err->code = SIL_EINPUT;
    c->err->line = c->err->column = 0;
    c->err->hint[0] = '\0';
    snprintf(c->err->path, sizeof c->err->path, "%s", c->len ? c->path : "(top level)");
    return -1;
}

int sil_jctx_fail_at(struct sil_jctx *c, const char *key, const char *fmt, ...)
{
    size_t mark = sil_jctx_key(c, key);
    va_list ap;
    char msg[sizeof c->err->msg];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sil_jctx_fail(c, "%s", msg);
    sil_jctx_restore(c, mark);
    return -1;
}

static const char *type_name(const cJSON *n)
{
    if (!n)
        return "nothing";
    if (cJSON_IsObject(n))
        return "an object";
    if (cJSON_IsArray(n))
        return "an array";
    if (cJSON_IsString(n))
        return "a string";
    if (cJSON_IsNumber(n))
        return "a number";
    if (cJSON_IsBool(n))
        return "a boolean";
    if (cJSON_IsNull(n))
        return "null";
    return "an invalid value";
}

int sil_json_check_object(struct sil_jctx *c, const cJSON *node, const char *const *allowed)
{
    if (!cJSON_IsObject(node))
        return sil_jctx_fail(c, "expected an object, found %s", type_name(node));
    for (const cJSON *m = node->child; m; m = m->next) {
        int known = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, m->string) == 0)
                known = 1;
        if (!known) {
            char shown[48];
            size_t n = strlen(m->string);
            snprintf(shown, sizeof shown, "%.40s%s", m->string, n > 40 ? "..." : "");
            return sil_jctx_fail(c, "unknown key \"%s\" (not part of the format)", shown);
        }
        for (const cJSON *p = node->child; p != m; p = p->next)
            if (strcmp(p->string, m->string) == 0)
                return sil_jctx_fail(c, "duplicate key \"%s\"", m->string);
    }
    return 0;
}

const cJSON *sil_json_get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

int sil_json_is_int(const cJSON *n, int64_t min, int64_t max)
{
    if (!cJSON_IsNumber(n))
        return 0;
    double v = n->valuedouble;
    return isfinite(v) && v == floor(v) && v >= (double)min && v <= (double)max &&
           fabs(v) <= 9007199254740992.0;
}

static const cJSON *member(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                           int *rc)
{
    const cJSON *m = sil_json_get(obj, key);
    *rc = 0;
    if (!m && required)
        *rc = sil_jctx_fail_at(c, key, "required key is missing");
    return m;
}

int sil_json_str(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                 size_t max_len, const char **out)
{
    int rc;
    const cJSON *m = member(c, obj, key, required, &rc);
    if (!m)
        return rc;
    if (!cJSON_IsString(m))
        return sil_jctx_fail_at(c, key, "expected a string, found %s", type_name(m));
    if (max_len && strlen(m->valuestring) > max_len)
        return sil_jctx_fail_at(c, key, "string is %zu bytes, longer than the limit of %zu",
                                strlen(m->valuestring), max_len);
    *out = m->valuestring;
    return 0;
}

int sil_json_int(struct sil_jctx *c, const cJSON *obj, const char *key, int required, int64_t min,
                 int64_t max, int64_t *out)
{
    int rc;
    const cJSON *m = member(c, obj, key, required, &rc);
    if (!m)
        return rc;
    if (!cJSON_IsNumber(m))
        return sil_jctx_fail_at(c, key, "expected an integer, found %s", type_name(m));
    if (!sil_json_is_int(m, min, max))
        return sil_jctx_fail_at(c, key, "expected an integer from %lld to %lld, found %.17g",
                                (long long)min, (long long)max, m->valuedouble);
    *out = (int64_t)m->valuedouble;
    return 0;
}

int sil_json_num(struct sil_jctx *c, const cJSON *obj, const char *key, int required, double min,
                 double max, double *out)
{
    int rc;
    const cJSON *m = member(c, obj, key, required, &rc);
    if (!m)
        return rc;
    if (!cJSON_IsNumber(m))
        return sil_jctx_fail_at(c, key, "expected a number, found %s", type_name(m));
    if (!isfinite(m->valuedouble) || m->valuedouble < min || m->valuedouble > max)
        return sil_jctx_fail_at(c, key, "expected a number from %g to %g, found %.17g", min, max,
                                m->valuedouble);
    *out = m->valuedouble;
    return 0;
}

int sil_json_bool(struct sil_jctx *c, const cJSON *obj, const char *key, int required, int *out)
{
    int rc;
    const cJSON *m = member(c, obj, key, required, &rc);
    if (!m)
        return rc;
    if (!cJSON_IsBool(m))
        return sil_jctx_fail_at(c, key, "expected true or false, found %s", type_name(m));
    *out = cJSON_IsTrue(m);
    return 0;
}

int sil_json_array(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                   const cJSON **out)
{
    int rc;
    const cJSON *m = member(c, obj, key, required, &rc);
    if (!m)
        return rc;
    if (!cJSON_IsArray(m))
        return sil_jctx_fail_at(c, key, "expected an array, found %s", type_name(m));
    *out = m;
    return 0;
}

int sil_json_object(struct sil_jctx *c, const cJSON *obj, const char *key, int required,
                    const cJSON **out)
{
    int rc;
    const cJSON *m = member(c, obj, key, required, &rc);
    if (!m)
        return rc;
    if (!cJSON_IsObject(m))
        return sil_jctx_fail_at(c, key, "expected an object, found %s", type_name(m));
    *out = m;
    return 0;
}

/* ---- canonical writing ---- */

void sil_json_write_number(struct sil_buf *out, double v)
{
    char tmp[40];
    if (!isfinite(v))
        SIL_BUG("non-finite number in JSON output");
    if (v == 0) {
        sil_buf_addc(out, '0');
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) {
        snprintf(tmp, sizeof tmp, "%.0f", v);
        sil_buf_adds(out, tmp);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    sil_buf_adds(out, tmp);
}

void sil_json_write_string(struct sil_buf *out, const char *s)
{
    sil_buf_addc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sil_buf_adds(out, "\\\"");
            break;
        case '\\':
            sil_buf_adds(out, "\\\\");
            break;
        case '\n':
            sil_buf_adds(out, "\\n");
            break;
        case '\t':
            sil_buf_adds(out, "\\t");
            break;
        case '\r':
            sil_buf_adds(out, "\\r");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sil_buf_addf(out, "\\u%04x", *p);
            else
                sil_buf_addc(out, (char)*p);
        }
    }
    sil_buf_addc(out, '"');
}

static int all_scalars(const cJSON *arr)
{
    for (const cJSON *e = arr->child; e; e = e->next)
        if (cJSON_IsObject(e) || (cJSON_IsArray(e) && e->child))
            return 0;
    return 1;
}

static void indent(struct sil_buf *out, int depth)
{
    for (int i = 0; i < depth; i++)
        sil_buf_adds(out, "  ");
}

static void write_node(const cJSON *n, struct sil_buf *out, int depth, int pretty)
{
    if (cJSON_IsNull(n)) {
        sil_buf_adds(out, "null");
    } else if (cJSON_IsFalse(n)) {
        sil_buf_adds(out, "false");
    } else if (cJSON_IsTrue(n)) {
        sil_buf_adds(out, "true");
    } else if (cJSON_IsNumber(n)) {
        sil_json_write_number(out, n->valuedouble);
    } else if (cJSON_IsString(n)) {
        sil_json_write_string(out, n->valuestring);
    } else if (cJSON_IsArray(n)) {
        if (!n->child) {
            sil_buf_adds(out, "[]");
            return;
        }
        int inl = !pretty || all_scalars(n);
        sil_buf_addc(out, '[');
        for (const cJSON *e = n->child; e; e = e->next) {
            if (!inl) {
                sil_buf_addc(out, '\n');
                indent(out, depth + 1);
            }
            write_node(e, out, depth + 1, pretty && !inl);
            if (e->next)
                sil_buf_adds(out, inl && pretty ? ", " : ",");
        }
        if (!inl) {
            sil_buf_addc(out, '\n');
            indent(out, depth);
        }
        sil_buf_addc(out, ']');
    } else if (cJSON_IsObject(n)) {
        if (!n->child) {
            sil_buf_adds(out, "{}");
            return;
        }
        sil_buf_addc(out, '{');
        for (const cJSON *m = n->child; m; m = m->next) {
            if (pretty) {
                sil_buf_addc(out, '\n');
                indent(out, depth + 1);
            }
            sil_json_write_string(out, m->string);
            sil_buf_adds(out, pretty ? ": " : ":");
            write_node(m, out, depth + 1, pretty);
            if (m->next)
                sil_buf_addc(out, ',');
        }
        if (pretty) {
            sil_buf_addc(out, '\n');
            indent(out, depth);
        }
        sil_buf_addc(out, '}');
    } else {
        SIL_BUG("unknown cJSON node type %d", n->type);
    }
}

void sil_json_write(const cJSON *node, struct sil_buf *out)
{
    write_node(node, out, 0, 1);
    sil_buf_addc(out, '\n');
}

void sil_json_write_compact(const cJSON *node, struct sil_buf *out)
{
    write_node(node, out, 0, 0);
}

/* ---- builders ---- */

static void *chk(void *p)
{
    if (!p) {
        fprintf(stderr, "fatal: out of memory building JSON\n");
        abort();
    }
    return p;
}

cJSON *sil_jnew_object(void)
{
    return chk(cJSON_CreateObject());
}

cJSON *sil_jnew_array(void)
{
    return chk(cJSON_CreateArray());
}

void sil_jadd(cJSON *obj, const char *key, cJSON *item)
{
    chk(item);
    if (!cJSON_AddItemToObject(obj, key, item))
        chk(NULL);
}

void sil_jpush(cJSON *arr, cJSON *item)
{
    chk(item);
    if (!cJSON_AddItemToArray(arr, item))
        chk(NULL);
}

cJSON *sil_jadd_object(cJSON *parent, const char *key)
{
    cJSON *o = sil_jnew_object();
    if (key)
        sil_jadd(parent, key, o);
    else
        sil_jpush(parent, o);
    return o;
}

cJSON *sil_jadd_array(cJSON *parent, const char *key)
{
    cJSON *a = sil_jnew_array();
    if (key)
        sil_jadd(parent, key, a);
    else
        sil_jpush(parent, a);
    return a;
}

void sil_jadd_str(cJSON *obj, const char *key, const char *s)
{
    sil_jadd(obj, key, cJSON_CreateString(s));
}

void sil_jadd_num(cJSON *obj, const char *key, double v)
{
    if (!isfinite(v))
        SIL_BUG("non-finite value for JSON key '%s'", key);
    sil_jadd(obj, key, cJSON_CreateNumber(v));
}

void sil_jadd_bool(cJSON *obj, const char *key, int v)
{
    sil_jadd(obj, key, cJSON_CreateBool(v));
}

void sil_jadd_null(cJSON *obj, const char *key)
{
    sil_jadd(obj, key, cJSON_CreateNull());
}

void sil_jpush_str(cJSON *arr, const char *s)
{
    sil_jpush(arr, cJSON_CreateString(s));
}

void sil_jpush_num(cJSON *arr, double v)
{
    if (!isfinite(v))
        SIL_BUG("non-finite value in JSON array");
    sil_jpush(arr, cJSON_CreateNumber(v));
}
