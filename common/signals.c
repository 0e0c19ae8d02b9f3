/* Signal flag, async-signal-safe temp-file cleanup and a cancel hook. */
#include "signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#define MAX_TEMPS 64

static volatile sig_atomic_t interrupted;
static char temps[MAX_TEMPS][4096];
static volatile sig_atomic_t temp_used[MAX_TEMPS];
static void (*volatile hook)(void);

static void handler(int sig)
{
    if (interrupted) {
        for (int i = 0; i < MAX_TEMPS; i++)
            if (temp_used[i])
                unlink(temps[i]);
        _exit(128 + sig);
    }
    interrupted = sig;
    if (hook)
        hook();
}

void sil_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int sil_interrupted(void)
{
    return interrupted != 0;
}

void sil_interrupted_reset(void)
{
    interrupted = 0;
}

void sil_signals_set_hook(void (*fn)(void))
{
    hook = fn;
}

void sil_cleanup_add(const char *path)
{
    size_t len = strlen(path);
    if (len >= sizeof temps[0])
        SIL_BUG("temp path too long: %s", path);
    for (int i = 0; i < MAX_TEMPS; i++) {
        if (!temp_used[i]) {
            memcpy(temps[i], path, len + 1);
            temp_used[i] = 1;
            return;
        }
    }
    SIL_BUG("more than %d temp files at once", MAX_TEMPS);
}

void sil_cleanup_remove(const char *path)
{
    for (int i = 0; i < MAX_TEMPS; i++) {
        if (temp_used[i] && strcmp(temps[i], path) == 0) {
            temp_used[i] = 0;
            return;
        }
    }
}
