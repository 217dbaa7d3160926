#include "config.h"

#include "cdp.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "urls.h"
#include "util.h"

struct cdp_pending {
	struct cdp_pending *next;
	struct cdp_conn *conn;
	int id;
	cdp_reply_fn cb;
	void *owner;
	const char *fail_why;     /* set: fail with this, not "timeout" */
	struct loop_timer *timer; /* its timeout */
};

struct cdp_out {
	struct cdp_out *next;
	size_t len;
	unsigned char data[]; /* LWS_PRE bytes of headroom, then the payload */
};

enum conn_state { CONN_CONNECTING, CONN_OPEN, CONN_CLOSED };

struct cdp_conn {
	struct loop_handler h; /* first: the wsi's user data */
	struct loop *loop;
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
	bool closing;      /* we asked lws to close it */
	bool in_connect;   /* inside lws_client_connect_via_info() */
	struct loop_timer *closed_later; /* tells of a close seen inside cdp_connect() */
};

static void cdp_fail_all(struct cdp_conn *c, const char *why);
static void pending_free(struct cdp_pending *p);

/* ---- connection ---- */

static void conn_tell_closed(void *ud)
{
	struct cdp_conn *c = ud;
	cdp_fail_all(c, "connection to the browser closed");
	if (c->on_closed && !c->closing)
		c->on_closed(c->ud, c->close_reason);
}

static void conn_closed(struct cdp_conn *c, const char *why)
{
	if (c->state == CONN_CLOSED)
		return;
	c->state = CONN_CLOSED;
	c->wsi = NULL;
	if (!c->close_reason)
		c->close_reason = xstrdup(why);
	log_debug("cdp: connection closed: %s", why);
	if (c->in_connect)
		loop_timer_start(c->closed_later, 0); /* never inside the caller */
	else
		conn_tell_closed(c);
}

static void conn_dispatch(struct cdp_conn *c, const char *msg, size_t len)
{
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
			pending_free(p);
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

static int conn_callback(struct lws *wsi, int reason, void *user, void *in, size_t len)
{
	struct cdp_conn *c = user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c)
			return -1;
		c->state = CONN_OPEN;
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

static struct cdp_conn *conn_new(struct loop *loop, cdp_event_fn on_event, cdp_closed_fn on_closed,
				 void *ud)
{
	struct cdp_conn *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->closed_later = loop_timer_new(loop, conn_tell_closed, c);
	c->on_event = on_event;
	c->on_closed = on_closed;
	c->ud = ud;
	c->next_id = 1;
	return c;
}

struct cdp_conn *cdp_connect(struct loop *loop, const char *ws_url, cdp_event_fn on_event,
			     cdp_closed_fn on_closed, void *ud, char **err)
{
	struct url_parts u;
	if (strncmp(ws_url, "ws://", 5) != 0 || url_split(ws_url, &u) < 0) {
		*err = xasprintf("%s: not a ws:// DevTools URL", ws_url);
		return NULL;
	}
	/* lws wants an IPv6 address without its brackets. */
	bool v6 = u.host_len > 2 && *u.host == '[';
	char *host = v6 ? xstrndup(u.host + 1, u.host_len - 2) : xstrndup(u.host, u.host_len);
	int port = u.has_port ? atoi(u.port) : 80;
	const char *path = *u.rest ? u.rest : "/";
	if (!*host || port <= 0 || port > 65535 || (u.has_port && strspn(u.port, "0123456789") != u.port_len)) {
		*err = xasprintf("%s: not a valid ws://HOST:PORT/PATH URL", ws_url);
		free(host);
		return NULL;
	}

	struct cdp_conn *c = conn_new(loop, on_event, on_closed, ud);
	c->h.fn = conn_callback;

	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof ci);
	ci.context = loop_lws_context(loop);
	ci.address = host;
	ci.port = port;
	ci.path = path;
	ci.host = host;
	ci.origin = NULL; /* Chrome refuses unexpected origins */
	ci.protocol = NULL;
	ci.local_protocol_name = loop_protocol_name;
	ci.userdata = c;
	ci.pwsi = &c->wsi;
	c->in_connect = true;
	if (!lws_client_connect_via_info(&ci) && c->state != CONN_CLOSED)
		conn_closed(c, "cannot connect");
	c->in_connect = false;
	free(host);
	return c;
}

bool cdp_conn_is_closed(const struct cdp_conn *c)
{
	return c->state == CONN_CLOSED;
}

const char *cdp_conn_close_reason(const struct cdp_conn *c)
{
	return c->close_reason;
}

static void pending_free(struct cdp_pending *p)
{
	loop_timer_free(p->timer);
	free(p);
}

static void pending_timeout(void *ud)
{
	struct cdp_pending *p = ud;
	struct cdp_conn *c = p->conn;
	struct cdp_pending **pp = &c->pending;
	while (*pp && *pp != p)
		pp = &(*pp)->next;
	if (*pp)
		*pp = p->next;
	if (p->cb)
		p->cb(p->owner, NULL, p->fail_why ? p->fail_why : "timeout");
	pending_free(p);
}

static void cdp_fail_all(struct cdp_conn *c, const char *why)
{
	/* Callbacks may send more (which fail at once); take the list first. */
	while (c->pending) {
		struct cdp_pending *p = c->pending;
		c->pending = p->next;
		if (p->cb)
			p->cb(p->owner, NULL, why);
		pending_free(p);
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
	p->timer = loop_timer_new(c->loop, pending_timeout, p);
	p->next = c->pending;
	c->pending = p;
	if (c->state == CONN_CLOSED) {
		/* Fail from the loop, never re-entrantly from inside the caller. */
		cJSON_Delete(params);
		p->fail_why = "connection to the browser closed";
		loop_timer_start(p->timer, 0);
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
	if (!utf8_valid(text, len)) {
		/* Chrome never answers a message that is not UTF-8: whatever the
		 * input (a URL, a header, a file), it is refused here, from the loop. */
		cJSON_free(text);
		p->fail_why = "the command holds bytes that are not UTF-8 text";
		loop_timer_start(p->timer, 0);
		return;
	}
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

	loop_timer_start(p->timer, timeout_ms > 0 ? timeout_ms : 30000);
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

struct cdp_conn *cdp_conn_offline(struct loop *loop, cdp_event_fn on_event,
				  cdp_closed_fn on_closed, void *ud)
{
	struct cdp_conn *c = conn_new(loop, on_event, on_closed, ud);
	c->state = CONN_OPEN; /* and no wsi: what is sent stays queued */
	return c;
}

void cdp_conn_receive(struct cdp_conn *c, const void *msg, size_t len)
{
	/* As the websocket hands it over: into the receive buffer first. */
	buf_append(&c->rx, msg, len);
	conn_dispatch(c, (const char *)c->rx.data, c->rx.len);
	buf_reset(&c->rx);
}

char *cdp_conn_take_sent(struct cdp_conn *c)
{
	struct cdp_out *o = c->out_head;
	if (!o)
		return NULL;
	c->out_head = o->next;
	if (!c->out_head)
		c->out_tail = NULL;
	char *text = xstrndup((const char *)o->data + LWS_PRE, o->len);
	free(o);
	return text;
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
	loop_timer_free(c->closed_later);
	free(c->close_reason);
	buf_free(&c->rx);
	free(c);
}
