/*
 * Check expressions as PostgreSQL prints them (pg_get_constraintdef,
 * pg_get_expr), parsed against a small allowed grammar into an opaque tree.
 * One tree, three uses:
 *
 *   - render it back to SQL with every identifier quoted and every literal
 *     re-escaped, so nothing from an untrusted file is pasted into SQL
 *     (sil_expr_render);
 *   - list the simple constraints it implies, for a generator that must
 *     produce rows passing it (sil_expr_constraints);
 *   - evaluate it on a row of text values with SQL three-valued logic, for a
 *     quality report (sil_expr_bind, sil_expr_eval).
 *
 * The grammar (anything else is refused with the position):
 *   literals        123  1.5  1e3  'text' (with '')  E'esc\n'  TRUE FALSE NULL
 *   names           col  "Quoted Col"  VALUE (domain checks, when allowed)
 *   logic           AND OR NOT, IS [NOT] NULL|TRUE|FALSE|UNKNOWN,
 *                   IS [NOT] DISTINCT FROM, ISNULL, NOTNULL
 *   comparison      = <> != < <= > >=, x op ANY|SOME|ALL (ARRAY[...] or array)
 *   membership      [NOT] BETWEEN a AND b, [NOT] IN (list)
 *   matching        [NOT] LIKE / ILIKE, ~~ !~~ ~~* !~~*, ~ !~ ~* !~* (regex)
 *   arithmetic      + - * / %, unary + -, || (text concatenation)
 *   casts           x::type, CAST(x AS type) to built-in types (smallint ...
 *                   jsonb, with modifiers and [] arrays) or to the user types
 *                   named in sil_expr_options (enums, domains)
 *   functions       length char_length character_length octet_length lower
 *                   upper btrim ltrim rtrim abs round floor ceil ceiling trunc
 *                   coalesce nullif greatest least now, and CURRENT_DATE,
 *                   CURRENT_TIMESTAMP, LOCALTIMESTAMP
 *   arrays          ARRAY[a, b, ...], '{a,b}'::text[]
 * Refused explicitly: ';', comments, dollar quoting and parameters, U&/B/X
 * strings, subqueries and statement keywords, unknown functions (pg_sleep),
 * qualified column names, subscripts, nesting deeper than SIL_EXPR_MAX_DEPTH.
 */
#ifndef SIL_EXPR_H
#define SIL_EXPR_H

#include "buf.h"
#include "err.h"
#include "shape.h"

/* Longest expression text accepted, and deepest nesting. */
#define SIL_EXPR_MAX_TEXT  65536
#define SIL_EXPR_MAX_DEPTH 64

struct sil_expr;

struct sil_expr_options {
    /* User-defined type names casts may name, besides the built-in types
     * (enum and domain names from the shape; matched exactly, unqualified). */
    size_t ntypes;
    const char *const *types;
    /* Accept VALUE, the value being checked in a domain's CHECK. */
    int allow_value;
};

/*
 * Parse `text`. `opts` may be NULL (no user types, no VALUE). On refusal
 * returns NULL with SIL_EINPUT and a message that names the expression (cut
 * to 80 characters, control characters shown as '?') and the 1-based
 * character position, e.g.
 *   expression "(a > 0); drop table t" refused at position 8: ';' is not allowed
 * The caller frees the result with sil_expr_free.
 */
struct sil_expr *sil_expr_parse(const char *text, const struct sil_expr_options *opts,
                                struct sil_err *err) SIL_WUR;
void sil_expr_free(struct sil_expr *e);

/* The text as given to sil_expr_parse. */
const char *sil_expr_text(const struct sil_expr *e);

/* Column names the expression references (folded as PostgreSQL folds
 * unquoted names), each once, in order of first use. Owned by `e`. */
size_t sil_expr_ncolumns(const struct sil_expr *e);
const char *sil_expr_column(const struct sil_expr *e, size_t i);
/* True when the expression mentions VALUE. */
int sil_expr_uses_value(const struct sil_expr *e);

/*
 * Append the expression as SQL: fully parenthesised, every column and user
 * type name quoted (user types qualified with `type_schema` when it is not
 * NULL), every string literal re-escaped ('' and, when it has backslashes,
 * E'' with \\), numbers as validated digits, operators and function names
 * from the grammar's own tables. Parsing the rendered text gives a tree that
 * renders to the same bytes.
 */
void sil_expr_render(const struct sil_expr *e, const char *type_schema, struct sil_buf *out);

/* ---- Simple constraints, for generators ---- */

enum sil_expr_op { SIL_EXPR_EQ, SIL_EXPR_NE, SIL_EXPR_LT, SIL_EXPR_LE, SIL_EXPR_GT, SIL_EXPR_GE };

/* "=", "<>", "<", "<=", ">", ">=". */
const char *sil_expr_op_name(enum sil_expr_op op);

enum sil_expr_vkind {
    SIL_EXPR_V_NUMBER,    /* `number` holds the value, `text` the digits */
    SIL_EXPR_V_TEXT,      /* `text`; also enum labels and untyped strings */
    SIL_EXPR_V_BOOL,      /* `number` 0 or 1 */
    SIL_EXPR_V_DATE,      /* `number`: seconds since 1970-01-01 UTC; `text` as written */
    SIL_EXPR_V_TIMESTAMP, /* `number`: seconds since the epoch (UTC) */
    SIL_EXPR_V_NOW,       /* now(), CURRENT_TIMESTAMP, CURRENT_DATE: relative to load time */
    SIL_EXPR_V_NULL       /* only inside IN lists */
};

struct sil_expr_value {
    enum sil_expr_vkind kind;
    const char *text; /* the literal's text, never NULL ("" for NULL and NOW) */
    double number;
    const char *type; /* the cast's type as SQL ("numeric", "text"), or NULL */
};

enum sil_expr_ckind {
    SIL_EXPR_C_COMPARE,  /* column op value */
    SIL_EXPR_C_COLUMNS,  /* column op column2 */
    SIL_EXPR_C_IN,       /* column IN (values); negated: NOT IN */
    SIL_EXPR_C_NOT_NULL, /* column IS NOT NULL */
    SIL_EXPR_C_LENGTH,   /* length(column) op value (length, char_length...) */
    SIL_EXPR_C_LIKE      /* column LIKE value; negated: NOT LIKE; icase: ILIKE */
};

struct sil_expr_constraint {
    enum sil_expr_ckind kind;
    const char *column;
    enum sil_expr_op op;         /* COMPARE, COLUMNS, LENGTH */
    const char *column2;         /* COLUMNS */
    struct sil_expr_value value; /* COMPARE, LENGTH, LIKE (the pattern) */
    size_t nvalues;              /* IN */
    const struct sil_expr_value *values;
    int negated; /* IN, LIKE */
    int icase;   /* LIKE */
};

/*
 * The simple constraints the expression implies as a CHECK (a row passes
 * when the result is true or null): the top-level AND is split, BETWEEN
 * becomes two comparisons, `x = ANY (ARRAY[...])` and IN become IN, NOT and
 * `<> ALL` are pushed in, constants on the left are flipped, casts on a
 * column are looked through, and `col IS NULL OR p(col)` is p(col). Each
 * constraint must hold for every accepted row in which its columns are not
 * null; in a domain check the column is named VALUE. Returns 1 when the expression is exactly the
 * conjunction of the listed constraints, 0 when some part is not expressible (the listed ones still
 * hold). The array is owned by `e`; *n may be 0.
 */
int sil_expr_constraints(const struct sil_expr *e, size_t *n,
                         const struct sil_expr_constraint **out);

/* ---- Evaluation, for quality reports ---- */

enum sil_tri { SIL_TRI_FALSE = 0, SIL_TRI_TRUE = 1, SIL_TRI_NULL = 2 };

/*
 * Resolve column references to positions in rows of `ncols` columns named
 * `names`; `types` (may be NULL: inferred from the other operand, as
 * PostgreSQL types an unknown literal) gives each column's type base, with
 * enums and domains resolved by the caller (SIL_T_ENUM is compared as text).
 * Fails naming a column the row does not have. Must be called before
 * sil_expr_eval; may be called again to rebind.
 */
int sil_expr_bind(struct sil_expr *e, size_t ncols, const char *const *names,
                  const enum sil_type_base *types, struct sil_err *err) SIL_WUR;

struct sil_expr_env {
    int64_t now;       /* epoch seconds for now(), CURRENT_DATE and friends */
    const char *value; /* VALUE in a domain check; NULL = SQL NULL */
};

/*
 * Evaluate on one row: row[i] is the text of column i (COPY text after
 * unescaping, "t"/"f" for booleans), NULL for SQL NULL. Text compares
 * bytewise (the C collation); lower/upper fold ASCII only; regular
 * expressions run as POSIX extended ones with \d \w \s and their negations
 * translated (back references are refused). Intervals are not evaluated.
 * Fails (-1, *out untouched) where PostgreSQL would raise an error (a value
 * that does not convert, division by zero) or where evaluation is not
 * supported; the message says which. Thread-safe for concurrent calls on one
 * bound expression.
 */
int sil_expr_eval(const struct sil_expr *e, const char *const *row, const struct sil_expr_env *env,
                  enum sil_tri *out, struct sil_err *err) SIL_WUR;

/* A CHECK passes when the result is true or null. */
static inline int sil_expr_check_passes(enum sil_tri t)
{
    return t != SIL_TRI_FALSE;
}

#endif
