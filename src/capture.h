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
#include "image.h"
#include "options.h"
#include "util.h"
#include "workq.h"

/* SavePage error codes used by the local renderer. */
enum { CAPTURE_OK = 0, CAPTURE_E_URL = 462, CAPTURE_E_RENDER = 490 };

/* How every capture of a run renders (built once from the settings). */
struct capture_opts {
	int width, height;
	bool fullpage;
	int delay_ms;
	enum image_format format;
	int quality;
	const char *user_agent; /* never NULL: --user-agent or the browser's own */
	const char *accept_language; /* NULL: Chrome's */
	const char *cookie;          /* NULL: none */
	int timeout_ms;
	int thumb_width;             /* 0: full size */
	const char *page_script;     /* run in the page before the shot (--nocookie, --noads) */
	const struct blocklist *blocklist; /* --noads: every request checked; NULL off */
	const struct strlist *blocked_hosts; /* without a blocklist: hosts (and their
					       subdomains) refused by the browser itself */
	struct workq *cpu;           /* where tiles are stitched, off the loop */
};

struct capture_result {
	int code;          /* CAPTURE_OK or a SavePage error code */
	char *message;     /* set when code != 0 */
	bool transient;    /* a failure worth retrying (timeout, crash, lost browser) */
	int http_status;   /* of the main document; 0 if unknown (file: URLs) */
	bool load_timed_out; /* `load` never fired: shot as the page stood */
	bool cut;          /* a full page taller than IMAGE_MAX_DIM was cut */
	/* the hosted API (api.c) */
	bool not_modified; /* 304: the cached copy is still the API's image */
	bool fatal;        /* the API refuses the whole batch (bad key, plan limit) */
	bool unreachable;  /* the API could not be reached */
	struct buf image;  /* the encoded image */
	int width, height;
	double seconds;
	time_t rendered_at; /* wall-clock time of the shot */
};

struct capture;

/* Starts capturing url (already normalised); capture_is_done() says when
 * the result is final. */
struct capture *capture_start(struct cdp_loop *loop, struct cdp_conn *conn, const char *url,
			      const struct capture_opts *opts);
/* An event for this capture's session (or browser-level, session NULL). */
void capture_on_event(struct capture *cap, const char *method, const cJSON *params);
/* Fails the capture now as a transient failure (its browser went away),
 * unless it is already done or being stitched. */
void capture_abort(struct capture *cap, const char *why);
bool capture_is_done(const struct capture *cap);
/* The flat session id once attached, else NULL. */
const char *capture_session(const struct capture *cap);
struct capture_result *capture_result(struct capture *cap);
/* Closes the tab and context if still open and frees. NULL is a no-op. */
void capture_free(struct capture *cap);

/* A short human explanation of a Chrome net::ERR_ code (static string). */
const char *capture_explain_net_error(const char *error_text);

#endif
