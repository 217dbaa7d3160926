/* loop: the one event loop of a run. libwebsockets' service loop carries
 * everything that waits: the DevTools websockets (cdp.c), libcurl's sockets
 * (api.c), a browser's start-up output (slots.c), timers, and wake-ups from
 * worker threads and signal handlers. Callbacks run on the thread that calls
 * loop_run_once(), never from inside a call that registers them, and none of
 * them runs the loop again. */
#ifndef SAVEPAGE_LOOP_H
#define SAVEPAGE_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

/* NULL when libwebsockets cannot create its context. */
struct loop *loop_new(void);
/* Closes every connection and watch still open. NULL is a no-op. */
void loop_free(struct loop *loop);
/* Waits for the next events or timers and runs their callbacks. */
void loop_run_once(struct loop *loop);
/* Makes a loop_run_once() in progress return soon; safe from any thread
 * and from a signal handler. NULL is a no-op. */
void loop_wake(struct loop *loop);

/* A one-shot timer. */
struct loop_timer;
struct loop_timer *loop_timer_new(struct loop *loop, void (*fn)(void *ud), void *ud);
/* Arms (or re-arms) the timer to fire in ms milliseconds (0: soon). */
void loop_timer_start(struct loop_timer *t, int64_t ms);
void loop_timer_stop(struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);
/* Stops and frees. NULL is a no-op. */
void loop_timer_free(struct loop_timer *t);

/* A file descriptor watched for reading and writing (libcurl's sockets, a
 * pipe). fn gets what is ready; it may change or free the watch. The
 * descriptor stays the caller's: the loop never reads, writes or closes it.
 * When the other end hangs up, fn is told readable. */
struct loop_fd;
typedef void (*loop_fd_fn)(void *ud, int fd, bool readable, bool writable);
/* NULL when the loop cannot take it. */
struct loop_fd *loop_fd_watch(struct loop *loop, int fd, bool read, bool write, loop_fd_fn fn,
			      void *ud);
void loop_fd_want(struct loop_fd *w, bool read, bool write);
/* Stops watching. NULL is a no-op. */
void loop_fd_free(struct loop_fd *w);

/* An HTTP server on the loop (savepage serve): a vhost listening on
 * host:port (0: any free port). fn gets its connections' libwebsockets
 * callbacks (reason as enum lws_callback_reasons) with their session data,
 * pss_size zeroed bytes each. NULL, with *err, when it cannot listen. */
struct lws;
struct loop_listener;
typedef int (*loop_http_fn)(void *ud, struct lws *wsi, int reason, void *pss, void *in,
			    size_t len);
struct loop_listener *loop_listen(struct loop *loop, const char *host, int port, size_t pss_size,
				  loop_http_fn fn, void *ud, char **err);
/* The port it listens on. */
int loop_listener_port(const struct loop_listener *l);
/* Its connections still open. */
int loop_listener_open(const struct loop_listener *l);
/* Stops taking connections; those taken go on. NULL is a no-op. */
void loop_listener_stop(struct loop_listener *l);
/* Stops listening and closes its connections. NULL is a no-op. */
void loop_listener_free(struct loop_listener *l);

/* For cdp.c: websocket connections of libwebsockets on this loop. A
 * connection's user data starts with a struct loop_handler, whose fn gets
 * that connection's callbacks. */
struct lws;
struct lws_context;
struct loop_handler {
	int (*fn)(struct lws *wsi, int reason, void *user, void *in, size_t len);
};
struct lws_context *loop_lws_context(struct loop *loop);
/* The protocol name to connect with. */
extern const char loop_protocol_name[];

#endif
