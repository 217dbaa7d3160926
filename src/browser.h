/* browser: find, launch and reap a headless Chrome; discover its DevTools
 * endpoint. A launched browser never outlives savepage: it runs in its own
 * process group that browser_free() kills, its launcher dies with us
 * (PR_SET_PDEATHSIG), and Chrome itself exits when the DevTools pipe we hold
 * closes, which the kernel does for us even after SIGKILL. */
#ifndef SAVEPAGE_BROWSER_H
#define SAVEPAGE_BROWSER_H

#include <sys/types.h>

#include "util.h"

struct browser {
	pid_t pid;         /* process group leader (the launcher) */
	char *path;        /* the binary launched */
	char *profile_dir; /* temporary --user-data-dir, removed by browser_free */
	char *ws_url;      /* ws://127.0.0.1:PORT/devtools/browser/ID */
	int pipe_in;       /* our end of Chrome's fd 3 (we never write) */
	int pipe_out;      /* our end of Chrome's fd 4 */
	int output;        /* Chrome's standard error (non-blocking); -1 at its end */
	struct buf tail;   /* what it printed before it was ready, for messages */
};

/* Resolves the browser binary: override (a path or a name on PATH), else the
 * first of chromium-headless-shell, chromium, google-chrome, ... on PATH.
 * Returns a new string or NULL. */
char *browser_find(const char *override);

/* Starts path headless with a fresh profile and returns at once: its
 * DevTools endpoint is known when browser_read_output() says so. NULL on
 * failure with *err set (caller frees). */
struct browser *browser_spawn(const char *path, const struct strlist *extra_args, char **err);
/* Reads what the browser printed; call it when b->output is readable.
 * 1: the endpoint is known (b->ws_url), and what it prints later is drained;
 * 0: not yet; -1: it exited before that, *err says how. Never blocks. */
int browser_read_output(struct browser *b, char **err);

/* Stops the browser (gently, then SIGKILL to its process group), reaps it
 * and removes its profile. browser_free(NULL) is a no-op. */
void browser_free(struct browser *b);

/* For --browser-url: a ws:// URL as it is; for http://HOST:PORT, the
 * browser's webSocketDebuggerUrl from /json/version. NULL with *err. */
char *browser_resolve_endpoint(const char *url, int timeout_ms, char **err);

/* From a signal handler: kill every launched browser's process group now. */
void browser_kill_all_now(void);

/* The launch flags (without binary, profile and extra args), for docs/tests. */
extern const char *const browser_default_flags[];

#endif
