/* slots: the browsers of a run and the captures running in each. A slot is
 * one browser, launched by savepage or reached at a --browser-url, with up
 * to per_slot captures (tabs) at once. Its life is a state that the event
 * loop advances and slots_tick() acts on; nothing here waits:
 *
 *   launching -> connecting -> ready -> lost -> launching (again) ... dead
 *
 * launching: the browser runs; it has not yet said where its DevTools
 * endpoint is. connecting: the websocket and Browser.getVersion are on
 * their way. lost: the connection closed; its captures fail (and are tried
 * again elsewhere or later), then a launched browser is started again, at
 * most MAX_RELAUNCHES times in a row (a capture that succeeds starts the
 * count again). A launched browser is also replaced, when idle,
 * after RECYCLE_AFTER captures, so that its memory stays bounded (not with
 * a shared session, whose cookies and storage would go with it). With a
 * shared session, connecting includes creating the run's browser context. */
#ifndef SAVEPAGE_SLOTS_H
#define SAVEPAGE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "capture.h"
#include "jobs.h"
#include "loop.h"
#include "render.h"

/* What the slots ask of whoever owns the jobs. */
struct slots_hooks {
	struct job *(*next)(void *ud); /* a job to start now, or NULL */
	/* j's capture ended with r (the image may be taken) */
	void (*finished)(void *ud, struct job *j, struct render_result *r);
	void *ud;
};

struct slots_config {
	struct loop *loop;
	const char *browser;                /* --browser; NULL: looked for on PATH */
	const struct strlist *browser_args; /* for launched browsers */
	const struct strlist *browser_urls; /* --browser-url: these, not launched ones */
	size_t per_slot;                    /* captures at once in one browser */
	bool shared_session;                /* one browser context per browser for
					       the run, its tabs kept (capture.h) */
	bool first_tab;                     /* one URL to render: it may use a
					       launched browser's first tab */
	struct capture_env env;             /* user_agent NULL: each browser's own */
	struct slots_hooks hooks;
};

struct slots;

/* Starts launching (or reaching) the browsers. NULL, after saying why, when
 * there is no browser to launch. */
struct slots *slots_new(const struct slots_config *c);
/* Collects finished captures (hooks.finished), acts on what the loop
 * changed (a browser ready, lost or failed), and starts captures where
 * there is room (hooks.next). */
void slots_tick(struct slots *s);
/* Captures in flight. */
size_t slots_active(const struct slots *s);
/* Whether every browser is gone for good. */
bool slots_dead(const struct slots *s);
/* Fails every capture in flight with why (collected like any other). */
void slots_abort(struct slots *s, const char *why);
/* Waits for the image work of the captures (stitching, thumbnails), then
 * collects what has finished. */
void slots_settle(struct slots *s);
/* Stops every browser and frees. NULL is a no-op. */
void slots_free(struct slots *s);

#endif
