/*
 * LD_PRELOAD shim for tests: every STALL_EVERY-th return from
 * pthread_cond_wait (default 5) gives the mutex back and sleeps STALL_US
 * microseconds (default 3000) before taking it again, as if the woken thread
 * had not been scheduled for a while. Callers re-check their condition in a
 * loop (a spurious wake-up is allowed), so correct code only slows down;
 * code that relies on a woken thread running first deadlocks, and tests see
 * it at once instead of once in many runs on a busy machine.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

typedef int (*wait_fn)(pthread_cond_t *, pthread_mutex_t *);

static long env_long(const char *name, long dflt)
{
    const char *s = getenv(name);
    char *end;
    long v = s ? strtol(s, &end, 10) : dflt;
    return s && (*end || v <= 0) ? dflt : v;
}

int pthread_cond_wait(pthread_cond_t *cond, pthread_mutex_t *mutex)
{
    static _Atomic(wait_fn) real;
    static atomic_uint calls;
    wait_fn w = atomic_load(&real);
    if (!w) {
        w = (wait_fn)dlsym(RTLD_NEXT, "pthread_cond_wait");
        if (!w)
            abort();
        atomic_store(&real, w);
    }
    int rc = w(cond, mutex);
    if (atomic_fetch_add(&calls, 1) % (unsigned)env_long("STALL_EVERY", 5) == 0) {
        long us = env_long("STALL_US", 3000);
        struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
        pthread_mutex_unlock(mutex);
        nanosleep(&ts, NULL);
        pthread_mutex_lock(mutex);
    }
    return rc;
}
