#include "config.h"

#include "httpd.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

#define CHUNK (64 * 1024) /* written per writable callback */

struct httpd_req {
	struct httpd *d;
	struct httpd_req *next;   /* d->reqs */
	struct lws *wsi;          /* NULL once the client is gone */
	char method[8], path[256], peer[64];
	char *ctype, *clen, *ims, *xff; /* headers */
	struct strlist query;
	struct buf body;
	bool too_large, unsized;
	bool delivered;           /* hooks.request has it */
	/* the answer */
	bool answered, headers_sent, done;
	int status;
	char *out_ctype;
	struct strlist out_headers;
	unsigned char *out;       /* LWS_PRE bytes, then the body */
	size_t out_len, out_sent;
};

struct pss {
	struct httpd_req *q;
};

struct httpd {
	struct loop_listener *listener;
	size_t max_body;
	bool stopping;            /* answers close their connection */
	struct httpd_hooks hooks;
	struct httpd_req *reqs;
};

static void req_free(struct httpd_req *q)
{
	for (struct httpd_req **pp = &q->d->reqs; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			break;
		}
	free(q->ctype);
	free(q->clen);
	free(q->ims);
	free(q->xff);
	strlist_free(&q->query);
	buf_free(&q->body);
	free(q->out_ctype);
	strlist_free(&q->out_headers);
	free(q->out);
	free(q);
}

static char *header_copy(struct lws *wsi, enum lws_token_indexes t)
{
	int n = lws_hdr_total_length(wsi, t);
	if (n <= 0)
		return NULL;
	char *v = xmalloc((size_t)n + 1);
	if (lws_hdr_copy(wsi, v, n + 1, t) < 0) {
		free(v);
		return NULL;
	}
	return v;
}

static void deliver(struct httpd_req *q)
{
	if (q->delivered)
		return;
	q->delivered = true;
	/* lws gives a request a few seconds to be answered; a render takes
	 * its own time, bounded by its --timeout. */
	if (q->wsi)
		lws_set_timeout(q->wsi, NO_PENDING_TIMEOUT, 0);
	q->d->hooks.request(q->d->hooks.ud, q);
}

static struct httpd_req *req_new(struct httpd *d, struct lws *wsi, const char *path)
{
	struct httpd_req *q = xcalloc(1, sizeof *q);
	q->d = d;
	q->wsi = wsi;
	const char *m = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0	 ? "GET"
			: lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0 ? "POST"
			: lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0 ? "HEAD"
									    : "-";
	snprintf(q->method, sizeof q->method, "%s", m);
	snprintf(q->path, sizeof q->path, "%s", path);
	lws_get_peer_simple(wsi, q->peer, sizeof q->peer);
	q->ctype = header_copy(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE);
	q->clen = header_copy(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
	q->ims = header_copy(wsi, WSI_TOKEN_HTTP_IF_MODIFIED_SINCE);
	q->xff = header_copy(wsi, WSI_TOKEN_X_FORWARDED_FOR);
	/* lws splits the query at each '&' before it decodes each part (a
	 * "%26" stays inside its part), and hands them back one by one. */
	int n = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS);
	if (n > 0) {
		char *frag = xmalloc((size_t)n + 1);
		for (int k = 0; k < 1000 &&
				lws_hdr_copy_fragment(wsi, frag, n + 1, WSI_TOKEN_HTTP_URI_ARGS, k) >= 0;
		     k++)
			if (*frag)
				strlist_add(&q->query, frag);
		free(frag);
	}
	q->next = d->reqs;
	d->reqs = q;
	return q;
}

/* Writes what is ready of the answer: the headers, then the body a chunk
 * at a time. -1 when the connection is to close. */
static int req_write(struct httpd_req *q)
{
	struct lws *wsi = q->wsi;
	if (!q->headers_sent) {
		unsigned char hb[LWS_PRE + 2048], *p = hb + LWS_PRE, *end = hb + sizeof hb - 1;
		bool nobody = q->status == 304 || !strcmp(q->method, "HEAD");
		/* A 304's length 0 keeps the connection alive (none would
		 * make lws close it). */
		if (lws_add_http_common_headers(wsi, (unsigned)q->status, q->out_ctype,
						q->out_len, &p, end))
			return -1;
		for (size_t i = 0; i < q->out_headers.n; i++) {
			const char *h = q->out_headers.v[i];
			size_t n = strcspn(h, ":");
			char name[64];
			if (!h[n] || n + 2 > sizeof name)
				continue;
			snprintf(name, sizeof name, "%.*s:", (int)n, h);
			for (char *c = name; *c; c++)
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
			const char *v = h + n + 1 + strspn(h + n + 1, " ");
			if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
							(const unsigned char *)v, (int)strlen(v), &p, end))
				return -1;
		}
		if (lws_finalize_write_http_header(wsi, hb + LWS_PRE, &p, end))
			return -1;
		q->headers_sent = true;
		if (nobody || !q->out_len) {
			q->done = true;
			return q->d->stopping || lws_http_transaction_completed(wsi) ? -1 : 0;
		}
		lws_callback_on_writable(wsi);
		return 0;
	}
	size_t n = q->out_len - q->out_sent;
	if (n > CHUNK)
		n = CHUNK;
	bool last = q->out_sent + n == q->out_len;
	/* lws_write wants LWS_PRE writable bytes before what it sends. */
	unsigned char *at = q->out + LWS_PRE + q->out_sent;
	unsigned char keep[LWS_PRE];
	memcpy(keep, at - LWS_PRE, LWS_PRE);
	int w = lws_write(wsi, at, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
	memcpy(at - LWS_PRE, keep, LWS_PRE);
	if (w < (int)n)
		return -1;
	q->out_sent += n;
	if (!last) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	q->done = true;
	/* Stopping: the connection closes once lws has sent what it holds. */
	return q->d->stopping || lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* The client is gone, or the connection goes on to its next request. */
static void req_end(struct httpd *d, struct httpd_req *q)
{
	q->wsi = NULL;
	if (q->delivered && !q->answered) {
		d->hooks.gone(d->hooks.ud, q);
	}
	req_free(q);
}

static int on_http(void *ud, struct lws *wsi, int reason, void *user, void *in, size_t len)
{
	struct httpd *d = ud;
	struct pss *pss = user;
	struct httpd_req *q = pss ? pss->q : NULL;
	switch (reason) {
	case LWS_CALLBACK_HTTP: {
		/* Each request has fresh session data (DROP_PROTOCOL below). */
		q = pss->q = req_new(d, wsi, in ? (const char *)in : "/");
		long clen = q->clen ? strtol(q->clen, NULL, 10) : 0;
		q->unsized = !q->clen && !strcmp(q->method, "POST");
		if (strcmp(q->method, "POST") || clen <= 0) {
			deliver(q);
		} else if ((size_t)clen > d->max_body) {
			q->too_large = true;
			deliver(q);
		}
		return 0; /* else the body comes */
	}
	case LWS_CALLBACK_HTTP_BODY:
		if (!q || q->delivered)
			return 0;
		if (q->body.len + len > d->max_body) {
			q->too_large = true;
			deliver(q);
			return 0;
		}
		buf_append(&q->body, in, len);
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (q)
			deliver(q);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!q || !q->answered || q->done)
			return 0;
		return req_write(q);
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		/* lws frees the session data after each answer on a kept-alive
		 * connection (and on close, before CLOSED_HTTP). */
		if (q && q->done) {
			pss->q = NULL;
			req_free(q);
		}
		return 0;
	case LWS_CALLBACK_CLOSED_HTTP:
		if (q) {
			pss->q = NULL;
			req_end(d, q);
		}
		return 0;
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return -1; /* no WebSocket, no h2c: HTTP/1.1 only */
	default:
		return lws_callback_http_dummy(wsi, (enum lws_callback_reasons)reason, user, in, len);
	}
}

struct httpd *httpd_new(struct loop *loop, const char *host, int port, size_t max_body,
			const struct httpd_hooks *hooks, char **err)
{
	struct httpd *d = xcalloc(1, sizeof *d);
	d->max_body = max_body;
	d->hooks = *hooks;
	d->listener = loop_listen(loop, host, port, sizeof(struct pss), on_http, d, err);
	if (!d->listener) {
		free(d);
		return NULL;
	}
	return d;
}

int httpd_port(const struct httpd *d)
{
	return loop_listener_port(d->listener);
}

void httpd_stop(struct httpd *d)
{
	d->stopping = true;
	loop_listener_stop(d->listener);
}

int httpd_open(const struct httpd *d)
{
	return loop_listener_open(d->listener);
}

void httpd_free(struct httpd *d)
{
	if (!d)
		return;
	while (d->reqs)
		req_free(d->reqs);
	loop_listener_free(d->listener); /* its last callbacks are lws's own */
	free(d);
}

const char *httpd_method(const struct httpd_req *q)
{
	return q->method;
}

const char *httpd_path(const struct httpd_req *q)
{
	return q->path;
}

const char *httpd_peer(const struct httpd_req *q)
{
	return q->peer;
}

const char *httpd_header(const struct httpd_req *q, const char *name)
{
	return !strcasecmp(name, "content-type")	? q->ctype
	       : !strcasecmp(name, "content-length")	? q->clen
	       : !strcasecmp(name, "if-modified-since") ? q->ims
	       : !strcasecmp(name, "x-forwarded-for")	? q->xff
							: NULL;
}

const struct strlist *httpd_query(const struct httpd_req *q)
{
	return &q->query;
}

const struct buf *httpd_body(const struct httpd_req *q)
{
	return &q->body;
}

bool httpd_body_too_large(const struct httpd_req *q)
{
	return q->too_large;
}

bool httpd_body_unsized(const struct httpd_req *q)
{
	return q->unsized;
}

void httpd_answer(struct httpd_req *q, int status, const char *ctype,
		  const struct strlist *headers, const void *body, size_t len)
{
	q->answered = true;
	q->status = status;
	q->out_ctype = ctype ? xstrdup(ctype) : NULL;
	for (size_t i = 0; headers && i < headers->n; i++)
		strlist_add(&q->out_headers, headers->v[i]);
	q->out = xmalloc(LWS_PRE + len + 1);
	if (len)
		memcpy(q->out + LWS_PRE, body, len);
	q->out_len = status == 304 ? 0 : len;
	if (q->wsi)
		lws_callback_on_writable(q->wsi);
}
