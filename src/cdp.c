#include "config.h"

#include "cdp.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

struct cdp_loop {
	struct lws_context *ctx;
	volatile sig_atomic_t *stop; /* set by a signal handler: give up waiting */
	bool kicked;                 /* a wake-up is pending for this service */
};

/* lws 4.1 runs due timers at the start of lws_service() and then still
 * blocks in poll() until the next event: after any callback of ours ran,
 * wake the poll once so that cdp_loop_run_once() returns and the caller
 * sees what the callback changed. */
static void loop_kick(struct cdp_loop *loop)
{
	if (!loop->kicked) {
		loop->kicked = true;
		lws_cancel_service(loop->ctx);
	}
}

struct cdp_pending {
	struct cdp_pending *next;
	struct cdp_conn *conn;
	int id;
	cdp_reply_fn cb;
	void *owner;
	const char *fail_why;       /* set: fail with this, not "timeout" */
	lws_sorted_usec_list_t sul; /* its timeout */
};

struct cdp_out {
	struct cdp_out *next;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes of headroom, then the payload */
};

enum conn_state { CONN_CONNECTING, CONN_OPEN, CONN_CLOSED };

struct cdp_conn {
	struct cdp_loop *loop;
	struct lws *wsi;
	enum conn_state state;
	char *close_reason;
	int next_id;
	struct cdp_pending *pending;
	struct cdp_out *out_head, *out_tail;
	struct buf rx;
	cdp_event_fn on_event;
	cdp_closed_fn on_closed;
	void *ud;
	bool closing; /* we asked lws to close it */
};

static void cdp_fail_all(struct cdp_conn *c, const char *why);

/* ---- loop and timers ---- */

static void lws_log_to_ours(int level, const char *line)
{
	(void)level;
	size_t n = strlen(line);
	while (n && line[n - 1] == '\n')
		n--;
	log_debug("lws: %.*s", (int)n, line);
}

static int cdp_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			    void *in, size_t len);

static const struct lws_protocols cdp_protocols[] = {
	{ "savepage-cdp", cdp_lws_callback, 0, 1 << 20, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

struct cdp_loop *cdp_loop_new(void)
{
	lws_set_log_level(log_get_level() >= LOG_DEBUG ? LLL_ERR | LLL_WARN : 0, lws_log_to_ours);
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = cdp_protocols;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	info.fd_limit_per_thread = 1024;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	struct lws_context *ctx = lws_create_context(&info);
	if (!ctx)
		return NULL;
	struct cdp_loop *loop = xcalloc(1, sizeof *loop);
	loop->ctx = ctx;
	return loop;
}

void cdp_loop_free(struct cdp_loop *loop)
{
	if (!loop)
		return;
	lws_context_destroy(loop->ctx);
	free(loop);
}

void cdp_loop_run_once(struct cdp_loop *loop)
{
	loop->kicked = false;
	lws_service(loop->ctx, 0);
}

void cdp_loop_set_stop_flag(struct cdp_loop *loop, volatile sig_atomic_t *flag)
{
	loop->stop = flag;
}

bool cdp_loop_stopped(const struct cdp_loop *loop)
{
	return loop->stop && *loop->stop;
}

void cdp_loop_wake(struct cdp_loop *loop)
{
	if (loop)
		lws_cancel_service(loop->ctx);
}

static void timer_fire(lws_sorted_usec_list_t *sul)
{
	struct cdp_timer *t = lws_container_of(sul, struct cdp_timer, sul);
	t->armed = false;
	loop_kick(t->loop);
	t->fn(t->ud);
}

void cdp_timer_start(struct cdp_loop *loop, struct cdp_timer *t, int64_t ms, void (*fn)(void *),
		     void *ud)
{
	if (t->armed)
		lws_sul_cancel(&t->sul);
	t->fn = fn;
	t->ud = ud;
	t->loop = loop;
	t->armed = true;
	lws_sul_schedule(loop->ctx, 0, &t->sul, timer_fire, (lws_usec_t)(ms < 0 ? 0 : ms) * 1000);
}

void cdp_timer_stop(struct cdp_timer *t)
{
	if (t->armed)
		lws_sul_cancel(&t->sul);
	t->armed = false;
}

/* ---- connection ---- */

static void conn_closed(struct cdp_conn *c, const char *why)
{
	if (c->state == CONN_CLOSED)
		return;
	c->state = CONN_CLOSED;
	c->wsi = NULL;
	loop_kick(c->loop);
	if (!c->close_reason)
		c->close_reason = xstrdup(why);
	log_debug("cdp: connection closed: %s", why);
	cdp_fail_all(c, "connection to the browser closed");
	if (c->on_closed && !c->closing)
		c->on_closed(c->ud, c->close_reason);
}

static void conn_dispatch(struct cdp_conn *c, const char *msg, size_t len)
{
	loop_kick(c->loop);
	cJSON *j = cJSON_ParseWithLength(msg, len);
	if (!j) {
		log_debug("cdp: unparsable message of %zu bytes", len);
		return;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (cJSON_IsNumber(id)) {
		struct cdp_pending **pp = &c->pending, *p;
		while ((p = *pp) && p->id != id->valueint)
			pp = &p->next;
		if (p) {
			*pp = p->next;
			lws_sul_cancel(&p->sul);
			if (p->cb) {
				const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
				if (err) {
					const cJSON *m = cJSON_GetObjectItemCaseSensitive(err, "message");
					p->cb(p->owner, NULL,
					      cJSON_IsString(m) ? m->valuestring : "protocol error");
				} else {
					const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "result");
					p->cb(p->owner, r, NULL);
				}
			}
			free(p);
		}
	} else {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "method");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "sessionId");
		if (cJSON_IsString(m) && c->on_event)
			c->on_event(c->ud, m->valuestring,
				    cJSON_GetObjectItemCaseSensitive(j, "params"),
				    cJSON_IsString(s) ? s->valuestring : NULL);
	}
	cJSON_Delete(j);
}

static int cdp_lws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			    void *in, size_t len)
{
	struct cdp_conn *c = user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c)
			return -1;
		c->state = CONN_OPEN;
		loop_kick(c->loop);
		if (c->out_head)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c) {
			char why[256];
			snprintf(why, sizeof why, "cannot connect: %s",
				 in ? (const char *)in : "connection refused");
			conn_closed(c, why);
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!c)
			return 0;
		buf_append(&c->rx, in, len);
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
			conn_dispatch(c, (const char *)c->rx.data, c->rx.len);
			/* Keep a modest buffer; drop a huge one (a full-page shot). */
			if (c->rx.cap > (4u << 20))
				buf_free(&c->rx);
			else
				buf_reset(&c->rx);
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		if (!c || c->closing)
			return -1;
		struct cdp_out *o = c->out_head;
		if (!o)
			break;
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = NULL;
		int n = lws_write(wsi, o->data + LWS_PRE, o->len, LWS_WRITE_TEXT);
		free(o);
		if (n < 0)
			return -1;
		if (c->out_head)
			lws_callback_on_writable(wsi);
		break;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (c)
			conn_closed(c, "closed by the browser");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c) {
			conn_closed(c, "connection lost");
			c->wsi = NULL;
		}
		break;
	default:
		break;
	}
	return 0;
}

struct cdp_conn *cdp_connect(struct cdp_loop *loop, const char *ws_url, cdp_event_fn on_event,
			     cdp_closed_fn on_closed, void *ud, char **err)
{
	if (strncmp(ws_url, "ws://", 5) != 0) {
		*err = xasprintf("%s: not a ws:// DevTools URL", ws_url);
		return NULL;
	}
	const char *hp = ws_url + 5;
	size_t hl = strcspn(hp, "/");
	char *hostport = xstrndup(hp, hl);
	const char *path = hp[hl] ? hp + hl : "/";
	int port = 80;
	char *host = hostport;
	char *colon = strrchr(hostport, ':');
	if (hostport[0] == '[') {
		char *rb = strchr(hostport, ']');
		if (rb && rb[1] == ':')
			port = atoi(rb + 2);
		if (rb)
			*rb = '\0';
		host = hostport + 1;
	} else if (colon) {
		*colon = '\0';
		port = atoi(colon + 1);
	}
	if (!*host || port <= 0 || port > 65535) {
		*err = xasprintf("%s: not a valid ws://HOST:PORT/PATH URL", ws_url);
		free(hostport);
		return NULL;
	}

	struct cdp_conn *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->on_event = on_event;
	c->on_closed = on_closed;
	c->ud = ud;
	c->next_id = 1;

	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = loop->ctx;
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	ci.origin = NULL; /* Chrome refuses unexpected origins */
	ci.protocol = NULL;
	ci.local_protocol_name = cdp_protocols[0].name;
	ci.userdata = c;
	ci.pwsi = &c->wsi;
	if (!lws_client_connect_via_info(&ci) && c->state != CONN_CLOSED)
		conn_closed(c, "cannot connect");
	free(hostport);
	return c;
}

bool cdp_conn_is_closed(const struct cdp_conn *c)
{
	return c->state == CONN_CLOSED;
}

static void pending_timeout(lws_sorted_usec_list_t *sul)
{
	struct cdp_pending *p = lws_container_of(sul, struct cdp_pending, sul);
	struct cdp_conn *c = p->conn;
	loop_kick(c->loop);
	struct cdp_pending **pp = &c->pending;
	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
	if (p->cb)
		p->cb(p->owner, NULL, p->fail_why ? p->fail_why : "timeout");
	free(p);
}

static void cdp_fail_all(struct cdp_conn *c, const char *why)
{
	/* Callbacks may send more (which fail at once); take the list first. */
	while (c->pending) {
		struct cdp_pending *p = c->pending;
		c->pending = p->next;
		lws_sul_cancel(&p->sul);
		if (p->cb)
			p->cb(p->owner, NULL, why);
		free(p);
	}
	while (c->out_head) {
		struct cdp_out *o = c->out_head;
		c->out_head = o->next;
		free(o);
	}
	c->out_tail = NULL;
}

void cdp_send(struct cdp_conn *c, const char *session_id, const char *method, cJSON *params,
	      int timeout_ms, cdp_reply_fn cb, void *owner)
{
	int id = c->next_id++;
	struct cdp_pending *p = xcalloc(1, sizeof *p);
	p->conn = c;
	p->id = id;
	p->cb = cb;
	p->owner = owner;
	p->next = c->pending;
	c->pending = p;
	if (c->state == CONN_CLOSED) {
		/* Fail from the loop, never re-entrantly from inside the caller. */
		cJSON_Delete(params);
		p->fail_why = "connection to the browser closed";
		lws_sul_schedule(c->loop->ctx, 0, &p->sul, pending_timeout, 1);
		return;
	}
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddNumberToObject(msg, "id", id);
	cJSON_AddStringToObject(msg, "method", method);
	if (params)
		cJSON_AddItemToObject(msg, "params", params);
	if (session_id)
		cJSON_AddStringToObject(msg, "sessionId", session_id);
	char *text = cJSON_PrintUnformatted(msg);
	cJSON_Delete(msg);
	size_t len = strlen(text);
	struct cdp_out *o = xmalloc(sizeof *o + LWS_PRE + len);
	o->next = NULL;
	o->len = len;
	memcpy(o->data + LWS_PRE, text, len);
	cJSON_free(text);
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;

	lws_sul_schedule(c->loop->ctx, 0, &p->sul, pending_timeout,
			 (lws_usec_t)(timeout_ms > 0 ? timeout_ms : 30000) * 1000);
	log_debug("cdp: -> %d %s%s%s", id, method, session_id ? " on " : "",
		  session_id ? session_id : "");
	if (c->state == CONN_OPEN && c->wsi)
		lws_callback_on_writable(c->wsi);
}

void cdp_cancel_owner(struct cdp_conn *c, void *owner)
{
	for (struct cdp_pending *p = c->pending; p; p = p->next)
		if (p->owner == owner)
			p->cb = NULL;
}

void cdp_conn_free(struct cdp_conn *c)
{
	if (!c)
		return;
	c->closing = true;
	for (struct cdp_pending *p = c->pending; p; p = p->next)
		p->cb = NULL;
	cdp_fail_all(c, "closing");
	if (c->wsi) {
		/* Detach and let lws close it on its next service. */
		lws_set_wsi_user(c->wsi, NULL);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
	}
	free(c->close_reason);
	buf_free(&c->rx);
	free(c);
}

/* ---- synchronous helpers ---- */

struct call_state {
	bool done;
	cJSON *result;
	char *err;
};

static void call_done(void *ud, const cJSON *result, const char *error)
{
	struct call_state *st = ud;
	st->done = true;
	if (error)
		st->err = xstrdup(error);
	else
		st->result = cJSON_Duplicate(result, 1);
}

int cdp_call(struct cdp_conn *c, const char *session_id, const char *method, cJSON *params,
	     int timeout_ms, cJSON **result, char **err)
{
	struct call_state st = { false, NULL, NULL };
	cdp_send(c, session_id, method, params, timeout_ms, call_done, &st);
	while (!st.done && !cdp_loop_stopped(c->loop))
		cdp_loop_run_once(c->loop);
	if (!st.done) {
		cdp_cancel_owner(c, &st);
		*err = xasprintf("%s: interrupted", method);
		return -1;
	}
	if (st.err) {
		*err = xasprintf("%s: %s", method, st.err);
		free(st.err);
		cJSON_Delete(st.result);
		return -1;
	}
	if (result)
		*result = st.result;
	else
		cJSON_Delete(st.result);
	return 0;
}

static void wait_open_tick(void *ud)
{
	*(bool *)ud = true;
}

int cdp_wait_open(struct cdp_conn *c, int timeout_ms, char **err)
{
	bool expired = false;
	struct cdp_timer t = { 0 };
	cdp_timer_start(c->loop, &t, timeout_ms, wait_open_tick, &expired);
	while (c->state == CONN_CONNECTING && !expired && !cdp_loop_stopped(c->loop))
		cdp_loop_run_once(c->loop);
	cdp_timer_stop(&t);
	if (c->state == CONN_OPEN)
		return 0;
	*err = xstrdup(c->state == CONN_CLOSED && c->close_reason ? c->close_reason
								 : "timed out connecting");
	return -1;
}
