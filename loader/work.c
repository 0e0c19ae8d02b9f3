/* Parallel workers: COPY jobs and constraint tasks, with retries after transient failures. */
#include "run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "meta.h"
#include "pg.h"
#include "signals.h"
#include "source.h"

void loader_run_note(struct loader_run *r, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sil_log_warn("%s", msg);
    pthread_mutex_lock(&r->mu);
    r->notes = sil_xrealloc(r->notes, (r->nnotes + 1) * sizeof *r->notes);
    r->notes[r->nnotes++] = sil_xstrdup(msg);
    pthread_mutex_unlock(&r->mu);
}

void loader_run_fail(struct loader_run *r, const struct sil_err *e)
{
    pthread_mutex_lock(&r->mu);
    if (!r->failed) {
        r->failed = 1;
        r->ferr = *e;
    }
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

int loader_run_failed(struct loader_run *r)
{
    pthread_mutex_lock(&r->mu);
    int f = r->failed;
    pthread_mutex_unlock(&r->mu);
    return f;
}

PGconn *loader_worker_connect(struct loader_run *r, const char *what, struct sil_err *err)
{
    double start = sil_now();
    for (;;) {
        double left = r->o->retry_seconds - (sil_now() - start);
        PGconn *c =
            loader_pg_connect_retry(r->o->dsn, r->appname, left > 0.5 ? left : 0.5, what, err);
        if (!c)
            return NULL;
        if (loader_pg_exec(c,
                           "SET search_path = pg_catalog; SET synchronous_commit = off; "
                           "SET maintenance_work_mem = '256MB'; SET statement_timeout = 0",
                           err) == 0 &&
            loader_meta_still_running(c, r->run_id, err) == 0)
            return c;
        PQfinish(c);
        if (err->code != SIL_ENET || sil_interrupted() || sil_now() - start > r->o->retry_seconds)
            return NULL;
        loader_run_note(r, "%s: %s; retrying", what, err->msg);
        struct timespec ts = {0, 500000000L};
        nanosleep(&ts, NULL);
    }
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !sil_interrupted())
        ;
}

/* ---- COPY ---- */

static int copy_piece(struct loader_run *r, PGconn *c, const struct loader_ptable *pt,
                      struct loader_piece *p, int freeze, int64_t *rows, int64_t *sent,
                      struct sil_err *err)
{
    const struct loader_mtable *mt = pt->mt;
    const struct loader_file *f = &mt->files[p->file];
    char *path = loader_file_path(r->m, f);
    int fd = loader_open_verified(path, &r->ids[p->gfile], err);
    free(path);
    if (fd < 0)
        return -1;
    struct loader_source *src = loader_source_open(fd, f->path, p->start, p->end, r->m->compression,
                                                   r->m->data_format, mt->ncols, mt->cols, err);
    if (!src)
        return -1;
    PGresult *res = PQexec(c, loader_plan_copy_sql(pt, freeze, f->header && p->start == 0));
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        char what[200];
        snprintf(what, sizeof what, "cannot start COPY into %s", pt->label);
        loader_pg_fail(err, c, res, what);
        PQclear(res);
        loader_source_close(src);
        return -1;
    }
    PQclear(res);
    int rc = 0;
    for (;;) {
        const char *data;
        int64_t raw;
        ssize_t n = loader_source_read(src, &data, &raw, err);
        if (n < 0) {
            rc = -1;
            PQputCopyEnd(c, "loader: the data file could not be read");
            break;
        }
        if (n == 0)
            break;
        if (PQputCopyData(c, data, (int)n) != 1) {
            loader_pg_fail(err, c, NULL, "connection lost during COPY");
            err->code = SIL_ENET;
            loader_source_close(src);
            return -1;
        }
        atomic_fetch_add(&r->bytes_done, raw);
        *sent += raw;
        if (sil_interrupted() || loader_run_failed(r)) {
            PQputCopyEnd(c, "loader: the run was stopped");
            rc = -1;
            sil_err_set(err, sil_interrupted() ? SIL_EINTR : SIL_EDB, "COPY stopped: %s",
                        sil_interrupted() ? "interrupted" : "another part of the load failed");
            break;
        }
    }
    loader_source_close(src);
    if (rc == 0 && PQputCopyEnd(c, NULL) != 1) {
        loader_pg_fail(err, c, NULL, "connection lost ending COPY");
        err->code = SIL_ENET;
        return -1;
    }
    int got = 0;
    while ((res = PQgetResult(c))) {
        if (!got) {
            got = 1;
            if (PQresultStatus(res) == PGRES_COMMAND_OK) {
                int64_t v = 0;
                if (sil_parse_i64(PQcmdTuples(res), 0, INT64_MAX, &v) == 0)
                    *rows = v;
            } else if (rc == 0) {
                char what[200];
                snprintf(what, sizeof what, "COPY into %s from '%s' failed", pt->label, f->path);
                loader_pg_fail(err, c, res, what);
                rc = -1;
            }
        }
        PQclear(res);
    }
    if (!got && rc == 0) {
        loader_pg_fail(err, c, NULL, "connection lost after COPY");
        err->code = SIL_ENET;
        rc = -1;
    }
    return rc;
}

/* Was this job committed by an attempt whose answer was lost? Fills piece rows if so. */
static int job_committed(struct loader_run *r, PGconn *c, struct loader_job *j, int *yes,
                         struct sil_err *err)
{
    *yes = 0;
    for (size_t i = 0; i < j->npieces; i++) {
        const char *params[] = {r->run_id, j->pieces[i].id};
        PGresult *res = loader_pg_query(
            c, "SELECT rows FROM silhouette_meta.load_pieces WHERE run_id = $1 AND piece = $2", 2,
            params, err);
        if (!res)
            return -1;
        int found = PQntuples(res) == 1;
        if (found) {
            int64_t v = 0;
            if (sil_parse_i64(PQgetvalue(res, 0, 0), 0, INT64_MAX, &v) == 0)
                j->pieces[i].rows = v;
        }
        PQclear(res);
        if (!found)
            return 0;
    }
    *yes = 1;
    return 0;
}

static int run_job_once(struct loader_run *r, PGconn *c, struct loader_job *j, int64_t *sent,
                        struct sil_err *err)
{
    const struct loader_ptable *pt = &r->plan->tables[j->table];
    if (loader_pg_exec(c, "BEGIN", err) < 0)
        return -1;
    if (j->solo && loader_pg_exec(c, pt->create_sql, err) < 0) {
        sil_err_prefix(err, "cannot create table %s", pt->label);
        goto rollback;
    }
    for (size_t i = 0; i < j->npieces; i++) {
        struct loader_piece *p = &j->pieces[i];
        int64_t rows = -1;
        if (copy_piece(r, c, pt, p, j->solo, &rows, sent, err) < 0)
            goto rollback;
        const struct loader_file *f = &pt->mt->files[p->file];
        if (p->end < 0 && rows != f->rows) {
            sil_err_set(err, SIL_ECHECK, "COPY loaded %lld rows from '%s', the manifest says %lld",
                        (long long)rows, f->path, (long long)f->rows);
            goto rollback;
        }
        p->rows = rows;
        char rowtext[24];
        snprintf(rowtext, sizeof rowtext, "%lld", (long long)rows);
        const char *params[] = {r->run_id, p->id, pt->label, rowtext};
        if (loader_pg_execp(c,
                            "INSERT INTO silhouette_meta.load_pieces (run_id, piece, table_name, "
                            "rows) VALUES ($1, $2, $3, $4)",
                            4, params, NULL, err) < 0)
            goto rollback;
    }
    if (loader_pg_exec(c, "COMMIT", err) < 0)
        return -1;
    return 0;
rollback:
    if (PQstatus(c) == CONNECTION_OK) {
        struct sil_err ignore;
        if (loader_pg_exec(c, "ROLLBACK", &ignore) < 0) {
            /* the original error is what matters */
        }
    }
    return -1;
}

struct worker {
    struct loader_run *r;
    int index;
};

static void *copy_worker(void *arg)
{
    struct worker *w = arg;
    struct loader_run *r = w->r;
    char what[64];
    snprintf(what, sizeof what, "connection %d", w->index + 1);
    struct sil_err err;
    sil_err_clear(&err);
    PGconn *c = loader_worker_connect(r, what, &err);
    int slot = c ? loader_pg_cancel_register(c) : -1;
    if (!c)
        loader_run_fail(r, &err);
    while (c) {
        pthread_mutex_lock(&r->mu);
        if (r->failed || r->next_job >= r->njobs) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        struct loader_job *j = &r->jobv[r->next_job++];
        pthread_mutex_unlock(&r->mu);
        const struct loader_ptable *pt = &r->plan->tables[j->table];
        double start = sil_now(), delay = 0.25;
        for (int attempt = 1;; attempt++) {
            int64_t sent = 0;
            sil_err_clear(&err);
            int committed = 0;
            if (attempt > 1 && job_committed(r, c, j, &committed, &err) == 0 && committed)
                break;
            if (err.code == SIL_OK && run_job_once(r, c, j, &sent, &err) == 0)
                break;
            atomic_fetch_sub(&r->bytes_done, sent);
            if (sil_interrupted()) {
                sil_err_set(&err, SIL_EINTR, "interrupted");
                loader_run_fail(r, &err);
                goto out;
            }
            if (err.code != SIL_ENET || loader_run_failed(r) ||
                sil_now() - start + delay > r->o->retry_seconds) {
                if (err.code == SIL_ENET)
                    sil_err_prefix(&err, "giving up on %s after %d attempts", pt->label, attempt);
                loader_run_fail(r, &err);
                goto out;
            }
            loader_run_note(r, "%s: %s; retrying %s in %.2gs (attempt %d)", what, err.msg,
                            pt->label, delay, attempt + 1);
            sleep_s(delay);
            delay = delay * 2 > 8 ? 8 : delay * 2;
            if (PQstatus(c) != CONNECTION_OK) {
                loader_pg_cancel_unregister(slot);
                PQfinish(c);
                c = loader_worker_connect(r, what, &err);
                if (!c) {
                    sil_err_prefix(&err, "cannot reconnect for %s", pt->label);
                    loader_run_fail(r, &err);
                    goto out;
                }
                slot = loader_pg_cancel_register(c);
            }
        }
        /* committed: account for it */
        pthread_mutex_lock(&r->mu);
        struct loader_tstate *ts = &r->ts[j->table];
        for (size_t i = 0; i < j->npieces; i++)
            ts->rows += j->pieces[i].rows;
        if (j->solo)
            ts->freeze = 1;
        pthread_mutex_unlock(&r->mu);
    }
out:
    loader_pg_cancel_unregister(slot);
    if (c)
        PQfinish(c);
    pthread_mutex_lock(&r->mu);
    r->active--;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void wait_workers(struct loader_run *r, pthread_t *th, int n, struct sil_progress *pg)
{
    double last_tick = sil_now();
    pthread_mutex_lock(&r->mu);
    while (r->active > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        if (r->tick && sil_now() - last_tick >= 1.0) {
            last_tick = sil_now();
            pthread_mutex_unlock(&r->mu);
            struct sil_err e;
            sil_err_clear(&e);
            if (r->tick(r, &e) < 0) {
                loader_run_fail(r, &e);
                loader_pg_cancel_all();
            }
            pthread_mutex_lock(&r->mu);
        }
        if (sil_interrupted() && !r->failed) {
            r->failed = 1;
            sil_err_set(&r->ferr, SIL_EINTR, "interrupted");
            pthread_mutex_unlock(&r->mu);
            loader_pg_cancel_all();
            pthread_mutex_lock(&r->mu);
        }
        if (pg && r->bytes_total > 0) {
            int64_t b = atomic_load(&r->bytes_done);
            double frac = (double)b / (double)r->bytes_total;
            pthread_mutex_unlock(&r->mu);
            sil_progress_update(pg, (uint64_t)(frac * (double)r->rows_total));
            pthread_mutex_lock(&r->mu);
        }
    }
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
}

int loader_copy_all(struct loader_run *r, struct sil_err *err)
{
    int n = r->jobs;
    if ((size_t)n > r->njobs)
        n = (int)r->njobs;
    if (n < 1)
        return 0;
    pthread_t *th = sil_xcalloc((size_t)n, sizeof *th);
    struct worker *ws = sil_xcalloc((size_t)n, sizeof *ws);
    struct sil_progress pg;
    sil_progress_start(&pg, "loading", (uint64_t)r->rows_total);
    pthread_mutex_lock(&r->mu);
    r->active = n;
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < n; i++) {
        ws[i].r = r;
        ws[i].index = i;
        if (pthread_create(&th[i], NULL, copy_worker, &ws[i]) != 0)
            SIL_BUG("cannot start a load thread");
    }
    wait_workers(r, th, n, &pg);
    int64_t rows = 0;
    for (size_t t = 0; t < r->plan->ntables; t++)
        rows += r->ts[t].rows;
    sil_progress_end(&pg, (uint64_t)rows);
    free(th);
    free(ws);
    if (r->failed) {
        *err = r->ferr;
        return -1;
    }
    return 0;
}

/* ---- tasks ---- */

struct tpool {
    struct loader_run *r;
    struct loader_task *t;
    size_t n, next;
    const char *phase;
};

static int already_done(const char *state)
{
    /* duplicate_table (an index of that name), duplicate_object, invalid_table_definition
     * (multiple primary keys): what re-running our own DDL gives when it committed before */
    return strcmp(state, "42P07") == 0 || strcmp(state, "42710") == 0 ||
           strcmp(state, "42P16") == 0;
}

static void orphan_report(struct loader_run *r, PGconn *c, const struct loader_task *t,
                          struct sil_err *err)
{
    const struct loader_ptable *pt = &r->plan->tables[t->table];
    const struct loader_pfk *fk = &pt->fks[t->fk];
    struct sil_err e2;
    PGresult *a = loader_pg_query(c, fk->orphans_sql, 0, NULL, &e2);
    PGresult *b = a ? loader_pg_query(c, fk->sample_sql, 0, NULL, &e2) : NULL;
    if (!a || !b) {
        PQclear(a);
        return;
    }
    char sample[300] = "";
    size_t len = 0;
    for (int i = 0; i < PQntuples(b) && len < sizeof sample - 1; i++) {
        int k = snprintf(sample + len, sizeof sample - len, "%s%.60s", i ? ", " : "",
                         PQgetvalue(b, i, 0));
        if (k > 0)
            len = SIL_MIN(len + (size_t)k, sizeof sample - 1);
    }
    sil_err_set(err, SIL_ECHECK,
                "foreign key \"%s\" of %s does not hold: %s rows reference missing rows of %s "
                "(for example %s)",
                fk->name, pt->label, PQgetvalue(a, 0, 0), r->plan->tables[fk->parent].label,
                sample);
    PQclear(a);
    PQclear(b);
}

static int run_task_once(struct loader_run *r, PGconn *c, struct loader_task *t, int retry,
                         struct sil_err *err)
{
    for (size_t i = 0; i < t->nsql; i++) {
        if (t->kind == TASK_COUNT) {
            PGresult *res = loader_pg_query(c, t->sql[i], 0, NULL, err);
            if (!res)
                return -1;
            int64_t v = -1;
            if (sil_parse_i64(PQgetvalue(res, 0, 0), 0, INT64_MAX, &v) < 0)
                v = -1;
            t->result = v;
            PQclear(res);
            continue;
        }
        if (t->kind == TASK_SEQ) {
            const struct loader_ptable *pt = &r->plan->tables[t->table];
            const char *params[] = {pt->qname, t->param[i]};
            PGresult *res = loader_pg_query(c, t->sql[i], 2, params, err);
            if (!res)
                return -1;
            PQclear(res);
            continue;
        }
        if (loader_pg_exec(c, t->sql[i], err) < 0) {
            if (retry && already_done(loader_pg_last_sqlstate()))
                continue;
            if (t->kind == TASK_VALIDATE_FK && strcmp(loader_pg_last_sqlstate(), "23503") == 0)
                orphan_report(r, c, t, err);
            return -1;
        }
    }
    return 0;
}

static void *task_worker(void *arg)
{
    struct tpool *p = arg;
    struct loader_run *r = p->r;
    struct sil_err err;
    sil_err_clear(&err);
    char what[64];
    snprintf(what, sizeof what, "%s connection", p->phase);
    PGconn *c = loader_worker_connect(r, what, &err);
    int slot = c ? loader_pg_cancel_register(c) : -1;
    if (!c)
        loader_run_fail(r, &err);
    while (c) {
        pthread_mutex_lock(&r->mu);
        if (r->failed || p->next >= p->n) {
            pthread_mutex_unlock(&r->mu);
            break;
        }
        struct loader_task *t = &p->t[p->next++];
        pthread_mutex_unlock(&r->mu);
        double start = sil_now(), delay = 0.25;
        for (int attempt = 1;; attempt++) {
            sil_err_clear(&err);
            if (run_task_once(r, c, t, attempt > 1, &err) == 0)
                break;
            if (sil_interrupted()) {
                sil_err_set(&err, SIL_EINTR, "interrupted");
                loader_run_fail(r, &err);
                goto out;
            }
            if (err.code != SIL_ENET || loader_run_failed(r) ||
                sil_now() - start + delay > r->o->retry_seconds) {
                if (err.code != SIL_ECHECK)
                    sil_err_prefix(&err, "%s", t->label);
                loader_run_fail(r, &err);
                goto out;
            }
            loader_run_note(r, "%s: %s; retrying in %.2gs (attempt %d)", what, err.msg, delay,
                            attempt + 1);
            sleep_s(delay);
            delay = delay * 2 > 8 ? 8 : delay * 2;
            if (PQstatus(c) != CONNECTION_OK) {
                loader_pg_cancel_unregister(slot);
                PQfinish(c);
                c = loader_worker_connect(r, what, &err);
                if (!c) {
                    loader_run_fail(r, &err);
                    goto out;
                }
                slot = loader_pg_cancel_register(c);
            }
        }
    }
out:
    loader_pg_cancel_unregister(slot);
    if (c)
        PQfinish(c);
    pthread_mutex_lock(&r->mu);
    r->active--;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

int loader_run_tasks(struct loader_run *r, struct loader_task *t, size_t n, const char *phase,
                     struct sil_err *err)
{
    if (n == 0)
        return 0;
    int nw = r->jobs;
    if ((size_t)nw > n)
        nw = (int)n;
    struct tpool p = {r, t, n, 0, phase};
    pthread_t *th = sil_xcalloc((size_t)nw, sizeof *th);
    pthread_mutex_lock(&r->mu);
    r->active = nw;
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < nw; i++)
        if (pthread_create(&th[i], NULL, task_worker, &p) != 0)
            SIL_BUG("cannot start a worker thread");
    wait_workers(r, th, nw, NULL);
    free(th);
    if (r->failed) {
        *err = r->ferr;
        return -1;
    }
    return 0;
}
