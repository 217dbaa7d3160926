#include "config.h"

#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

struct loop_listener;
static void listeners_free(struct loop_listener *l);

struct loop {
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct loop_listener *listeners; /* freed with the context: lws keeps
					    pointers to their protocols */
	bool kicked; /* a wake-up is pending for this service */
};

struct loop_timer {
	lws_sorted_usec_list_t sul;
	struct loop *loop;
	void (*fn)(void *ud);
	void *ud;
	bool armed;
};

/* A watched descriptor. libwebsockets closes what it watches, so it is
 * given a duplicate of the caller's descriptor to poll and close. */
struct loop_fd {
	struct loop_handler h; /* first: the wsi's user data */
	struct lws *wsi;       /* NULL once libwebsockets closed it */
	int fd;                /* the caller's */
	bool read, write;
	loop_fd_fn fn;
	void *ud;
	int in_callback;       /* fn is running: a free waits for it to return */
	bool freed;
	struct loop_timer *rearm; /* asks for writability again after a callback */
};

const char loop_protocol_name[] = "savepage";

/* lws 4.1 runs due timers at the start of lws_service() and then still
 * blocks in poll() until the next event: after any callback of ours ran,
 * wake the poll once so that loop_run_once() returns and the caller sees
 * what the callback changed. */
static void loop_kick(struct loop *loop)
{
	if (!loop->kicked) {
		loop->kicked = true;
		lws_cancel_service(loop->ctx);
	}
}

/* Reasons that only manage lws's own poll set: nothing of ours happened. */
static bool reason_is_bookkeeping(enum lws_callback_reasons r)
{
	return r == LWS_CALLBACK_LOCK_POLL || r == LWS_CALLBACK_UNLOCK_POLL ||
	       r == LWS_CALLBACK_ADD_POLL_FD || r == LWS_CALLBACK_DEL_POLL_FD ||
	       r == LWS_CALLBACK_CHANGE_MODE_POLL_FD || r == LWS_CALLBACK_GET_THREAD_ID ||
	       r == LWS_CALLBACK_EVENT_WAIT_CANCELLED;
}

static int loop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
			 size_t len)
{
	struct loop_handler *h = user;
	if (!h || !h->fn)
		return 0;
	if (!reason_is_bookkeeping(reason))
		loop_kick(lws_context_user(lws_get_context(wsi)));
	return h->fn(wsi, (int)reason, user, in, len);
}

static const struct lws_protocols loop_protocols[] = {
	{ loop_protocol_name, loop_callback, 0, 1 << 20, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void lws_log_to_ours(int level, const char *line)
{
	(void)level;
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		n--;
	log_debug("lws: %.*s", (int)n, line);
}

struct loop *loop_new(void)
{
	lws_set_log_level(log_get_level() >= LOG_DEBUG ? LLL_ERR | LLL_WARN : 0, lws_log_to_ours);
	struct loop *loop = xcalloc(1, sizeof *loop);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = loop_protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	info.fd_limit_per_thread = 1024;
	/* No TLS: DevTools endpoints are ws:// (the API's https is libcurl's);
	 * initialising it read the system's CA bundle, ~50 ms per start. */
	info.options = 0;
	/* A request line and headers of savepage serve up to 16 KiB (a GET
	 * whose q is as long as a parameter may be); past that lws closes the
	 * connection. */
	info.max_http_header_data = 16384;
	info.user = loop;
	/* DevTools endpoints are reached directly: lws would otherwise send
	 * every connection, even to our own browser on 127.0.0.1, through the
	 * http_proxy of the environment. An empty address sets no proxy. */
	info.http_proxy_address = "";
	loop->ctx = lws_create_context(&info);
	if (!loop->ctx) {
		free(loop);
		return NULL;
	}
	loop->vhost = lws_get_vhost_by_name(loop->ctx, "default");
	return loop;
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	lws_context_destroy(loop->ctx);
	listeners_free(loop->listeners);
	free(loop);
}

void loop_run_once(struct loop *loop)
{
	loop->kicked = false;
	lws_service(loop->ctx, 0);
}

void loop_wake(struct loop *loop)
{
	if (loop)
		lws_cancel_service(loop->ctx);
}

struct lws_context *loop_lws_context(struct loop *loop)
{
	return loop->ctx;
}

/* ---- timers ---- */

static void timer_fire(lws_sorted_usec_list_t *sul)
{
	struct loop_timer *t = lws_container_of(sul, struct loop_timer, sul);
	t->armed = false;
	loop_kick(t->loop);
	t->fn(t->ud);
}

struct loop_timer *loop_timer_new(struct loop *loop, void (*fn)(void *ud), void *ud)
{
	struct loop_timer *t = xcalloc(1, sizeof *t);
	t->loop = loop;
	t->fn = fn;
	t->ud = ud;
	return t;
}

void loop_timer_start(struct loop_timer *t, int64_t ms)
{
	if (t->armed)
		lws_sul_cancel(&t->sul);
	t->armed = true;
	/* lws takes 0 as "not scheduled": the soonest is a microsecond. */
	lws_sul_schedule(t->loop->ctx, 0, &t->sul, timer_fire,
			 ms > 0 ? (lws_usec_t)ms * 1000 : 1);
}

void loop_timer_stop(struct loop_timer *t)
{
	if (t->armed)
		lws_sul_cancel(&t->sul);
	t->armed = false;
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t->armed;
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	loop_timer_stop(t);
	free(t);
}

/* ---- watched descriptors ---- */

static void fd_release(struct loop_fd *w)
{
	if (w->wsi) {
		/* Detached now, closed (with its duplicate) on the next service. */
		lws_set_wsi_user(w->wsi, NULL);
		lws_set_timeout(w->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
	}
	loop_timer_free(w->rearm);
	free(w);
}

static void fd_call(struct loop_fd *w, bool readable, bool writable)
{
	w->in_callback++;
	w->fn(w->ud, w->fd, readable, writable);
	w->in_callback--;
}

/* lws drops POLLOUT after each writable callback: ask again from the loop. */
static void fd_rearm(void *ud)
{
	struct loop_fd *w = ud;
	if (w->wsi && w->write)
		lws_callback_on_writable(w->wsi);
}

static int fd_callback(struct lws *wsi, int reason, void *user, void *in, size_t len)
{
	struct loop_fd *w = user;
	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		fd_call(w, true, false);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		fd_call(w, false, true);
		if (!w->freed && w->write)
			loop_timer_start(w->rearm, 0);
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		/* Closed by lws itself (a hang-up): whoever reads learns of it. */
		lws_set_wsi_user(wsi, NULL); /* nothing of ours in its last callbacks */
		w->wsi = NULL;
		if (!w->freed)
			fd_call(w, true, w->write);
		break;
	default:
		break;
	}
	if (w->freed && !w->in_callback)
		fd_release(w);
	return 0;
}

struct loop_fd *loop_fd_watch(struct loop *loop, int fd, bool read, bool write, loop_fd_fn fn,
			      void *ud)
{
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return NULL;
	lws_sock_file_fd_type desc;
	desc.filefd = dup_fd;
	struct lws *wsi = lws_adopt_descriptor_vhost(loop->vhost, LWS_ADOPT_RAW_FILE_DESC, desc,
						     loop_protocol_name, NULL);
	if (!wsi) {
		close(dup_fd);
		return NULL;
	}
	struct loop_fd *w = xcalloc(1, sizeof *w);
	w->h.fn = fd_callback;
	w->wsi = wsi;
	w->fd = fd;
	w->fn = fn;
	w->ud = ud;
	w->read = true; /* lws polls a new descriptor for reading */
	w->rearm = loop_timer_new(loop, fd_rearm, w);
	lws_set_wsi_user(wsi, w);
	loop_fd_want(w, read, write);
	return w;
}

void loop_fd_want(struct loop_fd *w, bool read, bool write)
{
	if (w->wsi && read != w->read)
		lws_rx_flow_control(w->wsi, read ? 1 : 0);
	w->read = read;
	w->write = write;
	if (w->wsi && write)
		lws_callback_on_writable(w->wsi);
	else
		loop_timer_stop(w->rearm);
}

void loop_fd_free(struct loop_fd *w)
{
	if (!w)
		return;
	if (w->in_callback) {
		w->freed = true; /* released when its callback returns */
		return;
	}
	fd_release(w);
}

/* ---- an HTTP server ---- */

/* The listening socket is savepage's own, and lws adopts each connection
 * it accepts: so that a graceful stop can close it (no new connections)
 * while the connections already taken are answered. */
struct loop_listener {
	struct loop *loop;
	struct lws_vhost *vhost;
	struct lws_protocols protocols[2]; /* lws keeps pointers to these */
	char name[32];
	int fd;                  /* the listening socket; -1 once stopped */
	int port;
	struct loop_fd *watch;
	loop_http_fn fn;            /* NULL once freed: lws copied the protocols,
				       and calls them until the context goes */
	void *ud;
	int open;                   /* connections not yet destroyed */
	struct loop_timer *resume;  /* accepting again after EMFILE */
	struct loop_listener *next; /* loop->listeners */
};

static int listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			     void *in, size_t len)
{
	const struct lws_protocols *pr = lws_get_protocol(wsi);
	struct loop_listener *l = pr ? pr->user : NULL;
	if (l && reason == LWS_CALLBACK_WSI_CREATE)
		l->open++;
	else if (l && reason == LWS_CALLBACK_WSI_DESTROY)
		l->open--;
	if (!l || !l->fn)
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	if (!reason_is_bookkeeping(reason))
		loop_kick(l->loop);
	return l->fn(l->ud, wsi, (int)reason, user, in, len);
}

static void on_resume(void *ud)
{
	struct loop_listener *l = ud;
	if (l->watch)
		loop_fd_want(l->watch, true, false);
}

static void on_accept(void *ud, int fd, bool readable, bool writable)
{
	struct loop_listener *l = ud;
	(void)writable;
	if (!readable)
		return;
	for (int i = 0; i < 64; i++) {
		int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Out of descriptors: the connection waits in the
				 * backlog; accepting stops for a while (else the
				 * readable socket would spin the loop). */
				log_warn("accepting a connection: %s; pausing for a second",
					 strerror(errno));
				loop_fd_want(l->watch, false, false);
				loop_timer_start(l->resume, 1000);
			}
			return;
		}
		/* On failure lws has closed it already. */
		lws_adopt_socket_vhost(l->vhost, c);
	}
}

struct loop_listener *loop_listen(struct loop *loop, const char *host, int port, size_t pss_size,
				  loop_http_fn fn, void *ud, char **err)
{
	static int serial;
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%d", port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai = NULL;
	int rc = getaddrinfo(host, portstr, &hints, &ai);
	if (rc) {
		*err = xasprintf("%s: %s", host, gai_strerror(rc));
		return NULL;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, SOMAXCONN) < 0) {
		*err = xasprintf("%s:%d: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return NULL;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	struct loop_listener *l = xcalloc(1, sizeof *l);
	l->loop = loop;
	l->fd = fd;
	l->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	l->fn = fn;
	l->ud = ud;
	snprintf(l->name, sizeof l->name, "listen%d", ++serial);
	l->protocols[0] = (struct lws_protocols){ "http", listener_callback, pss_size, 0, 0, l, 0 };
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.vhost_name = l->name;
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.protocols = l->protocols;
	/* Slow clients: a request's headers (and a stalled body) get this
	 * long, then the connection is closed. */
	info.timeout_secs = 10;
	info.keepalive_timeout = 5;
	l->resume = loop_timer_new(loop, on_resume, l);
	l->vhost = lws_create_vhost(loop->ctx, &info);
	l->watch = l->vhost ? loop_fd_watch(loop, fd, true, false, on_accept, l) : NULL;
	if (!l->watch) {
		*err = xstrdup("libwebsockets cannot serve it");
		if (l->vhost)
			lws_vhost_destroy(l->vhost);
		close(fd);
		loop_timer_free(l->resume);
		free(l);
		return NULL;
	}
	l->next = loop->listeners;
	loop->listeners = l;
	return l;
}

static void listeners_free(struct loop_listener *l)
{
	while (l) {
		struct loop_listener *next = l->next;
		loop_timer_free(l->resume);
		free(l);
		l = next;
	}
}

int loop_listener_port(const struct loop_listener *l)
{
	return l->port;
}

int loop_listener_open(const struct loop_listener *l)
{
	return l->open;
}

void loop_listener_stop(struct loop_listener *l)
{
	if (!l || l->fd < 0)
		return;
	loop_fd_free(l->watch);
	l->watch = NULL;
	loop_timer_stop(l->resume);
	close(l->fd);
	l->fd = -1;
}

void loop_listener_free(struct loop_listener *l)
{
	if (!l)
		return;
	loop_listener_stop(l);
	l->fn = NULL;                /* its last callbacks are lws's own */
	lws_vhost_destroy(l->vhost); /* l itself goes with the loop */
}
