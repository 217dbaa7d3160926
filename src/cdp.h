/* cdp: the Chrome DevTools Protocol over one libwebsockets event loop.
 *
 * A cdp_loop owns the lws context and timers; a cdp_conn is one websocket to
 * a browser endpoint carrying many flat sessions (one per tab). Commands are
 * asynchronous: cdp_send() queues a JSON-RPC request and calls back with the
 * result or an error (Chrome's, "timeout", or "connection closed"). Events
 * go to the connection's event handler with their sessionId. Everything runs
 * on the thread that calls cdp_loop_run_once(). */
#ifndef SAVEPAGE_CDP_H
#define SAVEPAGE_CDP_H

#include <cjson/cJSON.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct cdp_loop;
struct cdp_conn;

/* result is NULL when error is set; neither outlives the callback. */
typedef void (*cdp_reply_fn)(void *ud, const cJSON *result, const char *error);
typedef void (*cdp_event_fn)(void *ud, const char *method, const cJSON *params,
			     const char *session_id);
typedef void (*cdp_closed_fn)(void *ud, const char *why);

struct cdp_loop *cdp_loop_new(void);
void cdp_loop_free(struct cdp_loop *loop);
/* Waits for and handles the next events or timers. */
void cdp_loop_run_once(struct cdp_loop *loop);
/* A flag a signal handler sets: the synchronous helpers stop waiting. */
void cdp_loop_set_stop_flag(struct cdp_loop *loop, volatile sig_atomic_t *flag);
bool cdp_loop_stopped(const struct cdp_loop *loop);
/* Makes a cdp_loop_run_once() in progress return; safe in a signal handler. */
void cdp_loop_wake(struct cdp_loop *loop);

/* A one-shot timer on the loop; embed it and keep it alive while armed. */
struct cdp_timer {
	lws_sorted_usec_list_t sul;
	void (*fn)(void *ud);
	void *ud;
	struct cdp_loop *loop;
	bool armed;
};
void cdp_timer_start(struct cdp_loop *loop, struct cdp_timer *t, int64_t ms, void (*fn)(void *),
		     void *ud);
void cdp_timer_stop(struct cdp_timer *t);

/* Starts connecting to ws://HOST:PORT/PATH; commands sent before the
 * connection opens are queued. NULL with *err set for a malformed URL. */
struct cdp_conn *cdp_connect(struct cdp_loop *loop, const char *ws_url, cdp_event_fn on_event,
			     cdp_closed_fn on_closed, void *ud, char **err);
/* Closes the websocket (if open) and frees; pending callbacks are dropped. */
void cdp_conn_free(struct cdp_conn *c);
bool cdp_conn_is_closed(const struct cdp_conn *c);

/* Sends method with params (owned by the call; may be NULL) on session_id
 * (NULL for the browser). cb (may be NULL) gets the reply or an error within
 * timeout_ms. owner tags the request for cdp_cancel_owner(). */
void cdp_send(struct cdp_conn *c, const char *session_id, const char *method, cJSON *params,
	      int timeout_ms, cdp_reply_fn cb, void *owner);
/* Forgets the callbacks of every pending request tagged with owner. */
void cdp_cancel_owner(struct cdp_conn *c, void *owner);

/* Runs the loop until the reply arrives: for set-up, not per-URL work.
 * On success *result is a detached copy (caller deletes). */
int cdp_call(struct cdp_conn *c, const char *session_id, const char *method, cJSON *params,
	     int timeout_ms, cJSON **result, char **err);
/* Runs the loop until the connection opens or fails. */
int cdp_wait_open(struct cdp_conn *c, int timeout_ms, char **err);

#endif
