/* The DevTools messages a browser sends (replies and events, as JSON from
 * the websocket), through the connection's dispatch into a capture's state
 * machine: whatever arrives, in whatever order, a capture ends in a result
 * (an image that is one, or a failure with a message), sends only valid
 * JSON back, and frees what it holds.
 *
 * The input: a byte of settings, then messages, one a line. A message that
 * starts with '{' and has neither "id" nor "method" is a reply to the oldest
 * command still unanswered (the harness adds the id, as the fuzzer cannot know it); one
 * that starts with '!' is sent as it is (after the '!'). Events are routed
 * as the run routes them: by their sessionId. fuzz/cdp-seeds.py writes the
 * seeds. */
#include "config.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "blocklist.h"
#include "capture.h"
#include "cdp.h"
#include "fuzz.h"
#include "log.h"
#include "loop.h"
#include "util.h"

static struct loop *cdp_loop;
static struct blocklist *cdp_blocklist;

struct harness {
	struct capture *cap;
	int ids[256]; /* commands sent and not yet answered, oldest first */
	size_t nids;
};

static void on_event(void *ud, const char *method, const cJSON *params, const char *sid)
{
	struct harness *h = ud;
	FUZZ_CHECK(method);
	if (!sid && !strcmp(method, "Target.detachedFromTarget"))
		sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "sessionId"));
	const char *own = h->cap ? capture_session(h->cap) : NULL;
	if (sid && own && !strcmp(sid, own))
		capture_on_event(h->cap, method, params);
}

static void on_closed(void *ud, const char *why)
{
	(void)ud;
	(void)why;
}

/* What savepage sent: always JSON text with an id and a method. */
static void take_sent(struct cdp_conn *conn, struct harness *h)
{
	char *text;
	while ((text = cdp_conn_take_sent(conn))) {
		size_t n = strlen(text);
		FUZZ_CHECK(utf8_valid(text, n));
		cJSON *j = cJSON_ParseWithLength(text, n);
		FUZZ_CHECK(j);
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
		FUZZ_CHECK(cJSON_IsNumber(id));
		FUZZ_CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "method")));
		if (h->nids < ARRAY_LEN(h->ids))
			h->ids[h->nids++] = id->valueint;
		cJSON_Delete(j);
		free(text);
	}
}

/* Runs the timers that are due now (replies and failures are always
 * delivered from the loop), without waiting for any that are not. */
static void run_due(void)
{
	for (int i = 0; i < 4; i++) {
		loop_wake(cdp_loop);
		loop_run_once(cdp_loop);
	}
}

static void free_shared(void)
{
	loop_free(cdp_loop);
	blocklist_free(cdp_blocklist);
}

FUZZ_ENTRY(cdp)
{
	fuzz_quiet_checked_log();
	if (!cdp_loop) {
		cdp_loop = loop_new();
		cdp_blocklist = blocklist_parse_text("||ads.example^\n##.ad\n##div[id^=\"banner\"]\n");
		atexit(free_shared); /* before the leak check at exit */
	}
	FUZZ_CHECK(cdp_loop);
	if (size < 3)
		return 0;
	uint8_t flags = data[0], shape = data[1], net = data[2];
	data += 3, size -= 3;

	struct render r;
	render_init(&r);
	r.width = 64; /* small: every image the fuzzer sends is decoded */
	r.height = 48;
	r.fullpage = flags & 1;
	r.thumb_width = flags & 2 ? 16 : 0;
	r.format = flags & 4 ? IMAGE_PNG : IMAGE_JPEG;
	if (flags & 8) {
		r.cookie = xstrdup("a=1; b=2");
		r.accept_language = xstrdup("de-CH, de;q=0.9 ,fr");
	}
	/* The second byte: issue 12's waits, page changes and regions. */
	if (shape & 1)
		strlist_add(&r.click, "#more");
	if (shape & 2) {
		strlist_add(&r.hide, ".ad");
		strlist_add(&r.remove, "#gone");
	}
	if ((shape & 4) && !r.fullpage)
		strlist_add(&r.selector, "#box");
	if ((shape & 8) && !r.fullpage && !r.selector.n) {
		r.clip = xstrdup("4,8,40,30");
		r.clip_x = 4, r.clip_y = 8, r.clip_w = 40, r.clip_h = 30;
	}
	if (shape & 16)
		r.scale = 1.5;
	if (shape & 32) {
		r.omit_background = true;
		r.format = IMAGE_PNG;
	}
	if (shape & 64) {
		r.wait_until = xstrdup("networkidle");
		r.wait_for_selector = xstrdup("#late");
		r.wait_for = xstrdup("window.ready");
	}
	if (shape & 128) {
		r.style = xstrdup("body { color: red }");
		r.javascript = xstrdup("await 1");
	}
	/* The third byte: issue 13's formats, record, reports and network. */
	if (net & 1)
		r.format = IMAGE_WEBP;
	if (net & 2) { /* a PDF: never a thumbnail, a box or transparency */
		r.format = IMAGE_PDF;
		r.thumb_width = 0;
		r.omit_background = false;
		strlist_free(&r.selector);
		free(r.clip);
		r.clip = NULL;
		r.clip_w = 0;
		r.pdf_landscape = net & 128;
	}
	r.mhtml = net & 4;
	if (net & 16)
		strlist_add(&r.headers, "X-A: 1");
	if (net & 32) {
		r.auth_user = xstrdup("ann");
		r.auth_password = xstrdup("pw");
	}
	if (net & 64) {
		r.proxy.http = xstrdup("http://pu:pp@proxy.example:3128");
		r.proxy.https = xstrdup("socks5://proxy.example");
		r.proxy.no_proxy = xstrdup("intranet.example");
	}
	struct strlist hosts = { 0 };
	strlist_add(&hosts, "consent.example");
	struct capture_env env = {
		.r = &r,
		.user_agent = "Mozilla/5.0 fuzz",
		.page_script = flags & 16 ? "void 0" : NULL,
		/* --nocookie's autoconsent: the probe, the script, the wait. */
		.consent_script = flags & 16 ? "\"window.__savepageConsent = {}\"" : NULL,
		.consent_probe = flags & 16 ? "true" : NULL,
		.blocklist = flags & 32 ? cdp_blocklist : NULL,
		.blocked_hosts = flags & 64 ? &hosts : NULL,
		.cpu = NULL, /* stitched and shrunk at once, on this thread */
		.hide_webdriver = flags & 128,
		.page_facts = net & 8,
	};

	struct harness h = { 0 };
	struct cdp_conn *conn = cdp_conn_offline(cdp_loop, on_event, on_closed, &h);
	h.cap = capture_start(cdp_loop, conn, "https://example.com/", &env);
	run_due();
	take_sent(conn, &h);

	size_t len;
	const uint8_t *m;
	while ((m = fuzz_part(&data, &size, '\n', &len))) {
		if (len && m[0] == '{' && h.nids && !memmem(m, len, "\"id\"", 4) &&
		    !memmem(m, len, "\"method\"", 8)) {
			/* A reply to the oldest command waiting for one. */
			char head[32];
			int hn = snprintf(head, sizeof head, "{\"id\":%d,", h.ids[0]);
			struct buf b = { 0 };
			buf_append(&b, head, (size_t)hn);
			buf_append(&b, m + 1, len - 1);
			cdp_conn_receive(conn, b.data, b.len);
			buf_free(&b);
			memmove(h.ids, h.ids + 1, --h.nids * sizeof *h.ids);
		} else if (len && m[0] == '!') {
			cdp_conn_receive(conn, m + 1, len - 1);
		} else {
			cdp_conn_receive(conn, m, len);
		}
		run_due();
		take_sent(conn, &h);
	}

	if (!capture_is_done(h.cap))
		capture_abort(h.cap, "the input ended");
	FUZZ_CHECK(capture_is_done(h.cap));
	struct render_result *res = capture_result(h.cap);
	if (getenv("FUZZ_SHOW")) /* for whoever writes seeds: where it ended */
		fprintf(stderr, "cdp: code %d %dx%d %s\n", res->code, res->width, res->height,
			res->message ? res->message : "");
	if (res->code == RENDER_OK) {
		/* An image, and the one it says it is. */
		enum image_format f;
		int w = 0, hh = 0;
		FUZZ_CHECK(res->image.len > 0);
		FUZZ_CHECK(image_sniff(res->image.data, res->image.len, &f) == 0 && f == r.format);
		FUZZ_CHECK(image_dimensions(res->image.data, res->image.len, &w, &hh) == 0);
		FUZZ_CHECK(w == res->width && hh == res->height);
		FUZZ_CHECK(image_complete(res->image.data, res->image.len, r.format));
		if (r.thumb_width)
			FUZZ_CHECK(w <= render_image_width(&r));
		/* Never wider than the window or the region asked for (a PDF's
		 * size is its paper's). */
		if (r.format != IMAGE_PDF)
			FUZZ_CHECK(w <= render_px(&r, r.clip_w ? r.clip_w : r.width) + 1);
		/* --mhtml: the record came with it. */
		FUZZ_CHECK(!r.mhtml || res->mhtml.len > 0);
		FUZZ_CHECK(r.mhtml || res->mhtml.len == 0);
	} else {
		FUZZ_CHECK(res->message && *res->message);
		fuzz_check_text(res->message, RESULT_MESSAGE_MAX + 64);
		FUZZ_CHECK(res->image.len == 0);
		FUZZ_CHECK(res->mhtml.len == 0);
	}
	/* For a report: what the page did, a JSON object whatever the page sent. */
	if (res->page_json) {
		FUZZ_CHECK(utf8_valid(res->page_json, strlen(res->page_json)));
		cJSON *pj = cJSON_Parse(res->page_json);
		FUZZ_CHECK(cJSON_IsObject(pj));
		const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(pj, "console_messages");
		FUZZ_CHECK(cJSON_IsArray(msgs) && cJSON_GetArraySize(msgs) <= 3);
		const cJSON *msg;
		cJSON_ArrayForEach(msg, msgs)
			fuzz_check_text(msg->valuestring, 400);
		cJSON_Delete(pj);
	}
	capture_free(h.cap);
	h.cap = NULL;
	run_due();
	take_sent(conn, &h);
	cdp_conn_free(conn);
	run_due();
	strlist_free(&hosts);
	render_free(&r);
	return 0;
}
