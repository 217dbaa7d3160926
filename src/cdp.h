/* cdp: the Chrome DevTools Protocol over the run's event loop (loop.h).
 *
 * A cdp_conn is one websocket to a browser endpoint carrying many flat
 * sessions (one per tab). Commands are asynchronous: cdp_send() queues a
 * JSON-RPC request and calls back with the result or an error (Chrome's,
 * "timeout", or "connection closed"). Events go to the connection's event
 * handler with their sessionId. Every callback runs from the loop, never
 * from inside the call that caused it. */
#ifndef SAVEPAGE_CDP_H
#define SAVEPAGE_CDP_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "loop.h"

struct cdp_conn;

/* result is NULL when error is set; neither outlives the callback. */
typedef void (*cdp_reply_fn)(void *ud, const cJSON *result, const char *error);
typedef void (*cdp_event_fn)(void *ud, const char *method, const cJSON *params,
			     const char *session_id);
typedef void (*cdp_closed_fn)(void *ud, const char *why);

/* Starts connecting to ws://HOST:PORT/PATH; commands sent before the
 * connection opens are queued (and fail if it never does). NULL with *err
 * set for a malformed URL. */
struct cdp_conn *cdp_connect(struct loop *loop, const char *ws_url, cdp_event_fn on_event,
			     cdp_closed_fn on_closed, void *ud, char **err);
/* Closes the websocket (if open) and frees; pending callbacks are dropped. */
void cdp_conn_free(struct cdp_conn *c);
bool cdp_conn_is_closed(const struct cdp_conn *c);
/* Why it closed ("cannot connect: ...", "closed by the browser"); NULL while open. */
const char *cdp_conn_close_reason(const struct cdp_conn *c);

/* Sends method with params (owned by the call; may be NULL) on session_id
 * (NULL for the browser). cb (may be NULL) gets the reply or an error within
 * timeout_ms. owner tags the request for cdp_cancel_owner(). */
void cdp_send(struct cdp_conn *c, const char *session_id, const char *method, cJSON *params,
	      int timeout_ms, cdp_reply_fn cb, void *owner);
/* Forgets the callbacks of every pending request tagged with owner. */
void cdp_cancel_owner(struct cdp_conn *c, void *owner);

/* For the unit tests and the fuzz targets: a connection with no socket,
 * open at once. What is sent stays queued for cdp_conn_take_sent(), and
 * cdp_conn_receive() hands it a message as if the browser had sent it
 * (the bytes as they came off the wire: any length, any content). */
struct cdp_conn *cdp_conn_offline(struct loop *loop, cdp_event_fn on_event,
				  cdp_closed_fn on_closed, void *ud);
void cdp_conn_receive(struct cdp_conn *c, const void *msg, size_t len);
/* The oldest message sent and not yet taken (caller frees), or NULL. */
char *cdp_conn_take_sent(struct cdp_conn *c);

#endif
