/* capture: one URL's state machine on a shared CDP connection: its own
 * browser context and tab, navigate, wait for `load`, delay, shoot (in
 * tiles for tall full pages), close. Many captures can run at once on one
 * connection; the owner routes each session's events to its capture. */
#ifndef SAVEPAGE_CAPTURE_H
#define SAVEPAGE_CAPTURE_H

#include <stdbool.h>
#include <time.h>

#include "blocklist.h"
#include "cdp.h"
#include "render.h"
#include "util.h"
#include "workq.h"

/* --shared-session: one browser context for a browser's whole run, and
 * the tabs of finished captures kept open for the next URLs (they go on to
 * the next page from the one they are on: no new renderer, caches warm).
 * The owner creates the context (capture_context_params) and frees this
 * when the connection goes. */
struct capture_tab {
	char *target_id, *session_id;  /* session NULL: not attached or set up */
	char *url;      /* where its page is (up to '#'), to tell a same-document jump */
	bool fetch;     /* Fetch is enabled in it (its patterns are per URL) */
};

struct capture_shared {
	char *context_id;              /* NULL: a launched browser's default one */
	struct strlist cookie_origins; /* --cookie set for these already */
	struct capture_tab *idle;      /* finished captures' tabs, ready */
	size_t nidle, max_idle;
};

/* What a run gives every capture besides the render itself. */
struct capture_env {
	const struct render *r;
	const char *user_agent;      /* never NULL: the render's or the browser's own */
	const char *consent_script;  /* --nocookie: autoconsent, as a JSON string
				       (consent.h); NULL without */
	const char *consent_probe;   /* with it: whether a loaded page is worth it */
	const char *page_script;     /* run in the page before the shot (--nocookie) */
	const struct blocklist *blocklist; /* --noads: every request checked; NULL off */
	const struct strlist *blocked_hosts; /* without a blocklist: hosts (and their
					       subdomains) refused by the browser itself */
	struct workq *cpu;           /* where tiles are stitched, off the loop */
	bool page_facts;             /* a report or manifest is written: what the
				       page did is collected (Network, Runtime) */
	bool hide_webdriver;         /* a browser not launched with the flag that
				       keeps navigator.webdriver false */
	struct capture_shared *shared; /* --shared-session: this browser's; NULL:
					 a browser context per URL */
	char **spare_tab;            /* without: a launched browser's first tab
				       (target id) for a run's one URL, taken once */
};

struct capture;

/* Starts capturing url (already normalised); capture_is_done() says when
 * the result is final. */
struct capture *capture_start(struct loop *loop, struct cdp_conn *conn, const char *url,
			      const struct capture_env *env);
/* An event for this capture's session (or browser-level, session NULL). */
void capture_on_event(struct capture *cap, const char *method, const cJSON *params);
/* Fails the capture now as a transient failure (its browser went away),
 * unless it is already done or being stitched. */
void capture_abort(struct capture *cap, const char *why);
bool capture_is_done(const struct capture *cap);
/* The flat session id once attached, else NULL. */
const char *capture_session(const struct capture *cap);
struct render_result *capture_result(struct capture *cap);
/* Closes the tab and context if still open and frees; with a shared
 * session, the tab of a capture that succeeded is kept for the next one.
 * NULL is a no-op. */
void capture_free(struct capture *cap);

/* Target.createBrowserContext's parameters for r (its proxy), new. */
cJSON *capture_context_params(const struct render *r);
/* A shared session for the context id (max_idle tabs kept), and its end:
 * the tabs left are closed when conn is open. */
struct capture_shared *capture_shared_new(const char *context_id, size_t max_idle);
void capture_shared_free(struct capture_shared *sh, struct cdp_conn *conn);
/* An event for a kept tab's session (its page goes on running until the
 * next URL): a dialog is dismissed, a paused request refused, and a tab
 * that went away or crashed is forgotten. */
void capture_shared_idle_event(struct capture_shared *sh, struct cdp_conn *conn,
			       const char *session_id, const char *method, const cJSON *params);

/* A short human explanation of a Chrome net::ERR_ code (static string). */
const char *capture_explain_net_error(const char *error_text);

#endif
