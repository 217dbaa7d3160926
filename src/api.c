#include "config.h"

#include "api.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "util.h"

/* Back-off for 481 and 474: 250 ms doubling up to 8 s, times 0.5-1.5. */
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 8000

enum req_state { RQ_WAITING, RQ_RUNNING, RQ_DONE };

struct api {
	struct loop *loop;
	struct api_config cfg;
	const struct render *r;
	CURLM *multi;
	struct loop_timer *timer; /* libcurl's */
	struct api_req **reqs;    /* every live request */
	size_t nreqs, cap;
	struct loop_fd **watches; /* libcurl's sockets on the loop */
	size_t nwatches;
	unsigned int seed;
};

struct api_req {
	struct api *a;
	char *url;
	time_t ims;
	enum req_state state;
	CURL *easy;
	char *form;
	struct buf body;
	char errbuf[CURL_ERROR_SIZE];
	int64_t started;
	struct loop_timer *retry; /* the next attempt, after a back-off */
	int backoffs;
	bool force_refresh; /* after a 491 */
	struct render_result res;
};

/* The API's error codes that stop a batch: no point sending the rest. */
static bool api_code_is_fatal(int code)
{
	return code == 461 || code == 471 || code == 472 || code == 473 || code == 482 ||
	       code == 483;
}

static void add_param(struct buf *b, const char *name, const char *value)
{
	char *v = curl_easy_escape(NULL, value, 0);
	if (b->len)
		buf_puts(b, "&");
	buf_appendf(b, "%s=%s", name, v ? v : "");
	curl_free(v);
}

static void form_add(void *ud, const char *name, const char *value)
{
	add_param(ud, name, value);
}

/* The request body or query for url: the key, the URL, every render
 * option the API takes under its name, and the hash; percent-encoded.
 * Caller frees. */
static char *api_form(const struct api *a, const char *url, bool force_refresh)
{
	struct buf b = { 0 };
	add_param(&b, "key", a->cfg.key ? a->cfg.key : "");
	add_param(&b, "q", url);
	struct render r = *a->r; /* read only: the strings stay the run's */
	if (force_refresh) {
		r.refresh = -1;
		r.refresh_given = true;
	}
	render_api_params(&r, !a->cfg.get, form_add, &b);
	if (a->cfg.hash) {
		add_param(&b, "hash", a->cfg.hash);
	} else if (a->cfg.secret) {
		char h[33];
		api_hash(url, a->cfg.secret, h);
		add_param(&b, "hash", h);
	}
	return (char *)b.data;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct api_req *r = ud;
	buf_append(&r->body, data, size * n);
	return size * n;
}

static void req_fail(struct api_req *r, int code, bool transient, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void req_fail(struct api_req *r, int code, bool transient, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	free(r->res.message);
	r->res.message = xstrdup(tmp);
	r->res.code = code;
	r->res.transient = transient;
	r->res.fatal = api_code_is_fatal(code);
	r->state = RQ_DONE;
}

/* The errors the API documents, by their messages (savepage-api.md): its
 * documented answer to a failure is HTTP 422 with the message alone. */
static const struct {
	int code;
	const char *message;
} api_errors[] = {
	{ 461, "Cannot verify the API Key" },
	{ 462, "Invalid or blank URL sent" },
	{ 471, "Invalid security hash, access denied" },
	{ 472, "IP restricted, access denied" },
	{ 473, "Origin restricted, access denied" },
	{ 474, "Too many requests from the same IP address" },
	{ 481, "All workers are busy, please try again later" },
	{ 482, "Too many requests, limit exceeded for this plan" },
	{ 483, "Too many screenshots, limit exceeded for this plan" },
	{ 490, "Rendering error, cannot generate screenshot" },
	{ 491, "Cache error, cannot fetch the cached image" },
};

const char *api_error_message(int code)
{
	for (size_t i = 0; i < ARRAY_LEN(api_errors); i++)
		if (api_errors[i].code == code)
			return api_errors[i].message;
	return NULL;
}

/* hash = md5 of the URL as sent in q, then the secret. */
void api_hash(const char *url, const char *secret, char out[33])
{
	char *in = xasprintf("%s%s", url, secret);
	md5_hex(in, strlen(in), out);
	memset(in, 0, strlen(in));
	free(in);
}

/* The code a message stands for, compared without case, blanks around it
 * or a final period; 0 for a message the API does not document. */
static int code_of_message(const char *m)
{
	while (*m == ' ' || *m == '\t' || *m == '\n' || *m == '\r')
		m++;
	size_t n = strlen(m);
	while (n && (m[n - 1] == ' ' || m[n - 1] == '\t' || m[n - 1] == '\n' || m[n - 1] == '\r'))
		n--;
	if (n && m[n - 1] == '.')
		n--;
	for (size_t i = 0; i < ARRAY_LEN(api_errors); i++)
		if (strlen(api_errors[i].message) == n && !strncasecmp(m, api_errors[i].message, n))
			return api_errors[i].code;
	return 0;
}

/* A short printable excerpt of a body that is not the API's JSON. */
static char *excerpt(const void *body, size_t len)
{
	const unsigned char *d = body;
	struct buf m = { 0 };
	buf_puts(&m, "");
	for (size_t i = 0; i < len && m.len < 80; i++)
		buf_append(&m, d[i] >= 32 && d[i] < 127 ? (const char *)&d[i] : " ", 1);
	return (char *)m.data;
}

int api_error_code(long status, const void *body, size_t len, char **message)
{
	cJSON *j = len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "code");
	const char *msg = cJSON_IsString(e) && e->valuestring[0] ? e->valuestring : NULL;
	const cJSON *list = cJSON_IsArray(e) ? e : NULL, *it;
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || !it->valuestring[0])
			continue;
		if (!msg)
			msg = it->valuestring; /* the first, unless a documented one follows */
		if (code_of_message(it->valuestring)) {
			msg = it->valuestring;
			break;
		}
	}
	int code;
	if (cJSON_IsNumber(c) && c->valuedouble >= 400 && c->valuedouble < 600)
		code = c->valueint;
	else if (status >= 460 && status < 500)
		code = (int)status;
	else if (msg && code_of_message(msg))
		code = code_of_message(msg);
	else
		code = status >= 400 && status < 600 ? (int)status : RENDER_E_RENDER;
	/* The server's words, escaped and cut short: a message of ours. */
	*message = msg ? str_quote(msg, QUOTE_MAX) : excerpt(body, len);
	cJSON_Delete(j);
	return code;
}

static void req_send(struct api_req *r);

static void req_retry(void *ud)
{
	req_send(ud);
}

/* Another attempt in ms milliseconds, from the loop. */
static void schedule(struct api_req *r, int64_t ms)
{
	r->state = RQ_WAITING;
	buf_reset(&r->body);
	loop_timer_start(r->retry, ms);
}

static int64_t req_deadline(const struct api_req *r)
{
	return r->started + render_timeout_ms(r->a->r);
}

/* A finished transfer: what did the API say? */
static void req_finished(struct api_req *r, CURLcode cc)
{
	const struct render *rd = r->a->r;
	curl_multi_remove_handle(r->a->multi, r->easy);
	r->res.seconds = (double)(now_ms() - r->started) / 1000.0;
	if (cc != CURLE_OK) {
		/* Never the URL of the request: with --api-get it holds the key. */
		bool reach = cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
			     cc == CURLE_COULDNT_RESOLVE_PROXY || cc == CURLE_SSL_CONNECT_ERROR ||
			     cc == CURLE_PEER_FAILED_VERIFICATION;
		r->res.unreachable = reach;
		req_fail(r, RENDER_E_RENDER, true, "cannot reach the API: %s",
			 r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc));
		return;
	}
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status == 304 && r->ims) {
		r->res.not_modified = true;
		r->state = RQ_DONE;
		return;
	}
	if (status != 200) {
		char *msg = NULL;
		int code = api_error_code(status, r->body.data, r->body.len, &msg);
		if (code == 481 || code == 474) {
			/* Busy: back off and try again while the URL's time lasts. */
			int64_t d = BACKOFF_FIRST_MS << (r->backoffs < 5 ? r->backoffs : 5);
			if (d > BACKOFF_MAX_MS)
				d = BACKOFF_MAX_MS;
			d = d / 2 + (int64_t)(rand_r(&r->a->seed) % (unsigned int)d);
			if (now_ms() + d < req_deadline(r)) {
				r->backoffs++;
				log_debug("%s: API answered %d; trying again in %lld ms", r->url, code,
					  (long long)d);
				free(msg);
				schedule(r, d);
				return;
			}
			req_fail(r, code, false, "%s (still after %d tries in %g s)", msg,
				 r->backoffs + 1, rd->timeout);
		} else if (code == 491 && !r->force_refresh) {
			log_debug("%s: API answered 491; asking again with refresh=-1", r->url);
			r->force_refresh = true;
			free(r->form);
			r->form = NULL;
			free(msg);
			schedule(r, 0);
			return;
		} else if (status >= 400 && status < 600) {
			/* An undocumented 422 fails this URL in the server's words. */
			req_fail(r, code, code == 490 || status >= 500, "%s", msg);
		} else {
			req_fail(r, RENDER_E_RENDER, false, "the API answered HTTP %ld: %s", status,
				 msg);
		}
		free(msg);
		return;
	}

	/* 200: it must be the image asked for, not some page that says 200. */
	const char *ctype = NULL;
	curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ctype);
	const char *want = image_format_mime(rd->format);
	size_t tl = ctype ? strcspn(ctype, "; ") : 0;
	if (!ctype || tl != strlen(want) || strncasecmp(ctype, want, tl)) {
		req_fail(r, RENDER_E_RENDER, false,
			 "the API answered 200 with %s (%zu bytes), not %s; nothing saved",
			 ctype ? ctype : "no Content-Type", r->body.len, want);
		return;
	}
	enum image_format got;
	int w = 0, h = 0;
	if (image_sniff(r->body.data, r->body.len, &got) < 0 || got != rd->format ||
	    !image_complete(r->body.data, r->body.len, rd->format) ||
	    image_dimensions(r->body.data, r->body.len, &w, &h) < 0) {
		req_fail(r, RENDER_E_RENDER, false,
			 "the API's %s (%zu bytes) is not a whole %s image; nothing saved", ctype,
			 r->body.len, image_format_name(rd->format));
		return;
	}
	int want_w = render_image_width(rd);
	if (w != want_w) {
		req_fail(r, RENDER_E_RENDER, false,
			 "the API's image is %d px wide, not the %d asked for; nothing saved", w,
			 want_w);
		return;
	}
	long filetime = -1;
	curl_easy_getinfo(r->easy, CURLINFO_FILETIME, &filetime);
	r->res.rendered_at = filetime > 0 ? (time_t)filetime : time(NULL);
	r->res.image = r->body;
	r->body = (struct buf){ 0 };
	r->res.width = w;
	r->res.height = h;
	r->state = RQ_DONE;
}

static void req_send(struct api_req *r)
{
	const struct api_config *c = &r->a->cfg;
	if (!r->form)
		r->form = api_form(r->a, r->url, r->force_refresh);
	if (!r->easy)
		r->easy = curl_easy_init();
	CURL *e = r->easy;
	curl_easy_reset(e);
	r->errbuf[0] = '\0';
	char *get_url = NULL;
	if (c->get) {
		get_url = xasprintf("%s%c%s", c->url, strchr(c->url, '?') ? '&' : '?', r->form);
		curl_easy_setopt(e, CURLOPT_URL, get_url);
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_URL, c->url);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->form);
	}
	free(get_url); /* libcurl keeps its own copy of the URL */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	/* The proxy savepage chose by curl's own rules (--proxy, --no-proxy,
	 * else the environment); "" when none, so that nothing else decides. */
	const struct proxy_conf *px = &r->a->r->proxy;
	const char *proxy = strncmp(c->url, "https:", 6) ? px->http : px->https;
	curl_easy_setopt(e, CURLOPT_PROXY, proxy ? proxy : "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, px->no_proxy ? px->no_proxy : "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "savepage/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	int64_t left = req_deadline(r) - now_ms();
	long timeout = (long)(left > 1000 ? left : 1000) + 5000; /* the API's own grace */
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	if (c->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->ims) {
		curl_easy_setopt(e, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
		curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)r->ims);
	}
	r->state = RQ_RUNNING;
	curl_multi_add_handle(r->a->multi, e);
}

/* ---- libcurl on the loop ---- */

static void api_check_done(struct api *a)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(a->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct api_req *r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			req_finished(r, m->data.result);
	}
}

static void on_ready(void *ud, int fd, bool readable, bool writable)
{
	struct api *a = ud;
	int running = 0;
	curl_multi_socket_action(a->multi, fd,
				 (readable ? CURL_CSELECT_IN : 0) | (writable ? CURL_CSELECT_OUT : 0),
				 &running);
	api_check_done(a);
}

static void on_timer(void *ud)
{
	struct api *a = ud;
	int running = 0;
	curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	api_check_done(a);
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *ud)
{
	struct api *a = ud;
	(void)multi;
	if (timeout_ms < 0)
		loop_timer_stop(a->timer);
	else
		loop_timer_start(a->timer, timeout_ms); /* never act inside libcurl */
	return 0;
}

static void watch_forget(struct api *a, struct loop_fd *w)
{
	for (size_t i = 0; i < a->nwatches; i++) {
		if (a->watches[i] == w) {
			a->watches[i] = a->watches[--a->nwatches];
			break;
		}
	}
	loop_fd_free(w);
}

static int curl_socket_cb(CURL *easy, curl_socket_t s, int what, void *ud, void *socketp)
{
	struct api *a = ud;
	struct loop_fd *w = socketp;
	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (w)
			watch_forget(a, w);
		return 0;
	}
	bool rd = what == CURL_POLL_IN || what == CURL_POLL_INOUT;
	bool wr = what == CURL_POLL_OUT || what == CURL_POLL_INOUT;
	if (w) {
		loop_fd_want(w, rd, wr);
		return 0;
	}
	w = loop_fd_watch(a->loop, s, rd, wr, on_ready, a);
	if (!w)
		return -1;
	a->watches = xrealloc(a->watches, (a->nwatches + 1) * sizeof *a->watches);
	a->watches[a->nwatches++] = w;
	curl_multi_assign(a->multi, s, w);
	return 0;
}

struct api *api_new(struct loop *loop, const struct api_config *cfg, const struct render *r,
		    char **err)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*err = xstrdup("libcurl cannot be initialised");
		return NULL;
	}
	struct api *a = xcalloc(1, sizeof *a);
	a->loop = loop;
	a->cfg = *cfg;
	a->r = r;
	a->multi = curl_multi_init();
	a->seed = (unsigned int)now_ms() ^ (unsigned int)getpid();
	if (!a->multi) {
		*err = xstrdup("libcurl cannot be initialised");
		free(a);
		curl_global_cleanup();
		return NULL;
	}
	a->timer = loop_timer_new(loop, on_timer, a);
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
	return a;
}

void api_free(struct api *a)
{
	if (!a)
		return;
	while (a->nreqs)
		api_req_free(a->reqs[0]);
	free(a->reqs);
	curl_multi_cleanup(a->multi);
	while (a->nwatches)
		watch_forget(a, a->watches[0]);
	free(a->watches);
	loop_timer_free(a->timer);
	free(a);
	curl_global_cleanup();
}

struct api_req *api_start(struct api *a, const char *url, time_t if_modified_since)
{
	struct api_req *r = xcalloc(1, sizeof *r);
	r->a = a;
	r->url = xstrdup(url);
	r->ims = if_modified_since;
	r->started = now_ms();
	r->retry = loop_timer_new(a->loop, req_retry, r);
	if (a->nreqs == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->reqs = xrealloc(a->reqs, a->cap * sizeof *a->reqs);
	}
	a->reqs[a->nreqs++] = r;
	req_send(r);
	return r;
}

bool api_req_done(const struct api_req *r)
{
	return r->state == RQ_DONE;
}

struct render_result *api_req_result(struct api_req *r)
{
	return &r->res;
}

void api_req_free(struct api_req *r)
{
	if (!r)
		return;
	struct api *a = r->a;
	for (size_t i = 0; i < a->nreqs; i++) {
		if (a->reqs[i] == r) {
			a->reqs[i] = a->reqs[--a->nreqs];
			break;
		}
	}
	loop_timer_free(r->retry);
	if (r->easy) {
		if (r->state == RQ_RUNNING)
			curl_multi_remove_handle(a->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	if (r->form) {
		memset(r->form, 0, strlen(r->form)); /* it holds the key */
		free(r->form);
	}
	buf_free(&r->body);
	free(r->res.message);
	buf_free(&r->res.image);
	free(r->url);
	free(r);
}
