#include "config.h"

#include "capture.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clean.h"
#include "consent.h"
#include "shape.h"
#include "log.h"
#include "urls.h"

/* Chrome repeats content past 16384 device pixels in one capture: taller
 * pages are shot in tiles of this height and stitched. */
#define TILE_HEIGHT 8192
/* The longest wait for autoconsent and a banner's going (within --timeout). */
#define CONSENT_WAIT_MS 3000
/* After --timeout, how long the shot itself may still take: a quarter of
 * the timeout, at least 1 s and at most 10 s. */
static int shoot_grace_ms(const struct capture_env *env)
{
	int g = render_timeout_ms(env->r) / 4;
	return g < 1000 ? 1000 : g > 10000 ? 10000 : g;
}

enum cap_state {
	ST_CONTEXT,  /* creating the browser context */
	ST_TARGET,   /* creating the tab */
	ST_ATTACH,   /* attaching a flat session */
	ST_NAVIGATE, /* set-up and Page.navigate sent; waiting for its reply */
	ST_LOAD,     /* waiting for the `load` lifecycle event */
	ST_SHAPE,    /* --hide, --click, --style, --javascript: changing the page */
	ST_SETTLE,   /* after a --click: until no request is in flight */
	ST_DELAY,    /* --delay */
	ST_CONSENT,  /* --nocookie: autoconsent answering the page's banner */
	ST_SCROLL,   /* full page: scrolling through it so lazy content loads */
	ST_METRICS,  /* full page: measuring the document */
	ST_SHOOT,    /* waiting for screenshot data */
	ST_STITCH,   /* tiles being put together on a worker thread */
	ST_DONE,
};

struct capture {
	struct cdp_conn *conn;
	const struct capture_env *env;
	const struct render *r;  /* env->r */
	int timeout_ms;
	char *url;

	enum cap_state state;
	int64_t started;
	char *context_id;
	char *target_id;
	char *session_id;
	char *loader_id;
	/* The main frame's lifecycle: for `load`, `DOMContentLoaded` and
	 * `networkIdle`, the document (loader) it was last seen for; they may
	 * arrive before Page.navigate's reply. */
	char *seen[3];
	int setup_pending;      /* replies still due before navigate counts */
	bool reused;            /* a shared session's tab, set up already */
	bool tab_fetch;         /* Fetch is enabled in the tab */
	bool deadline_passed;
	int navigations;        /* documents the page went on to by itself */

	/* full-page tiling */
	/* What is shot when it is not the viewport (a full page taller than
	 * it, --selector's box, --clip): a region of the document, CSS px. */
	bool region;
	int rx, ry, rw;
	int page_height;        /* the region's height */
	int tile_css;           /* a tile's height: CSS pixels ... */
	int tile_px;            /* ... and device pixels, a whole number */
	int tiles_total, tiles_done;
	struct buf *tiles; /* PNG data of each tile */

	/* --noads: the URLs refused, so that the elements showing them can be
	 * collapsed before the shot (a blocked frame would show an error). */
	struct buf blocked_json; /* a JSON array being built, without its ']' */
	int blocked_listed;
	void (*after_clean)(struct capture *); /* where cap_clean_then() goes on */

	/* changing the page (shape.h) */
	int shape_step;          /* enum shape_step: what runs next */
	const char *shape_running; /* the option of the step running, for messages */
	size_t clicks_done;
	bool script_ran;         /* --javascript: once, even if the page moves on */
	struct strlist inflight; /* with --click and networkidle: the page's
				  * requests not yet done */
	int64_t net_activity;    /* when a request last started or ended */
	int64_t loaded_at;       /* when this document's `load` was seen; 0 */
	int64_t settle_started;

	/* What the page did, for reports (env->page_facts) */
	int requests, failed_requests, console_errors;
	struct strlist console;  /* the first few console errors, cut short */
	char *final_url, *title, *content_type;

	/* The network */
	char *host;              /* the URL's own host, for --header and --user */
	bool proxy_login;        /* a proxy has a login, answered when it asks */
	char *proxy_user, *proxy_password; /* the one that asked last */
	struct strlist auth_tried; /* requests given a login once already */

	/* --mhtml */
	bool snapshot_done;
	int stitch_pending;      /* what cap_after_shots goes on with */

	struct loop_timer *deadline;
	struct loop_timer *delay;
	struct loop_timer *settle;
	struct render_result res;
};

enum shape_step {
	SHAPE_WAIT_SELECTOR,
	SHAPE_WAIT_JS,
	SHAPE_HIDE,
	SHAPE_CLICK,
	SHAPE_STYLE,
	SHAPE_SCRIPT,
	SHAPE_DONE
};

enum { LC_LOAD, LC_DCL, LC_IDLE };

/* After a click, the page is settled when no request has been in flight
 * for QUIET_MS; past SETTLE_MAX_MS (a page that never stops loading) the
 * next step goes on anyway, with a warning. */
#define SETTLE_POLL_MS 25
#define SETTLE_QUIET_MS 100
#define SETTLE_MAX_MS 5000
/* --wait-until networkidle: `load`, then no request in flight for this
 * long. Counted by savepage (Network events): Chrome's own networkIdle
 * lifecycle event is not sent at all for a page that is idle by then, when
 * a request it made after `load` ends and the page does nothing more. */
#define IDLE_QUIET_MS 500

/* Hides the elements whose resource --noads refused: a frame, image or
 * embed left empty would still take its place in the page. */
static const char collapse_js[] =
	"(urls => {"
	"  const set = new Set(urls);"
	"  const strip = u => u.split('#')[0];"
	"  for (const el of document.querySelectorAll('iframe,frame,img,embed,object,video,input[type=image]')) {"
	"    const u = el.currentSrc || el.src || el.data;"
	"    if (u && set.has(strip(u))) el.style.setProperty('display', 'none', 'important');"
	"  }"
	"  return true;"
	"})";
#define BLOCKED_LISTED_MAX 256

static void cap_shoot(struct capture *cap);
static void cap_print(struct capture *cap);
static void cap_measure(struct capture *cap);
static void cap_region(struct capture *cap, int x, int y, int w, int height, bool region);
static void cap_clean_then(struct capture *cap, void (*next)(struct capture *));
static void cap_navigate(struct capture *cap);

const char *capture_explain_net_error(const char *e)
{
	static const struct {
		const char *code, *text;
	} table[] = {
		{ "ERR_NAME_NOT_RESOLVED", "host name not found" },
		{ "ERR_NAME_RESOLUTION_FAILED", "host name lookup failed" },
		{ "ERR_CONNECTION_REFUSED", "connection refused" },
		{ "ERR_CONNECTION_RESET", "connection reset" },
		{ "ERR_CONNECTION_CLOSED", "connection closed by the server" },
		{ "ERR_CONNECTION_TIMED_OUT", "connection timed out" },
		{ "ERR_TIMED_OUT", "timed out" },
		{ "ERR_ADDRESS_UNREACHABLE", "address unreachable" },
		{ "ERR_INTERNET_DISCONNECTED", "no network" },
		{ "ERR_EMPTY_RESPONSE", "empty response from the server" },
		{ "ERR_BLOCKED_BY_CLIENT", "blocked: the host is on --noads's or --nocookie's list" },
		{ "ERR_INVALID_RESPONSE", "invalid response from the server" },
		{ "ERR_TOO_MANY_REDIRECTS", "too many redirects" },
		{ "ERR_ABORTED", "navigation aborted (a download, or no content)" },
		{ "ERR_FILE_NOT_FOUND", "file not found" },
		{ "ERR_ACCESS_DENIED", "access denied" },
		{ "ERR_UNSAFE_PORT", "port not allowed by the browser" },
		{ "ERR_BLOCKED_BY_CLIENT", "blocked by the browser" },
		{ "ERR_CERT_", "TLS certificate error" },
		{ "ERR_SSL_", "TLS error" },
		{ "ERR_BAD_SSL_CLIENT_AUTH_CERT", "TLS client certificate refused" },
		{ "ERR_PROXY_CONNECTION_FAILED", "cannot reach the proxy" },
		{ "ERR_TUNNEL_CONNECTION_FAILED", "the proxy would not connect to the host" },
		{ "ERR_PROXY_AUTH", "the proxy refused the login" },
		{ "ERR_SOCKS_CONNECTION_FAILED", "the SOCKS proxy could not reach the host" },
	};
	for (size_t i = 0; i < ARRAY_LEN(table); i++)
		if (strstr(e, table[i].code))
			return table[i].text;
	return "cannot load the page";
}

/* ---- finishing ---- */

static void free_tiles(struct capture *cap)
{
	if (!cap->tiles)
		return;
	for (int i = 0; i < cap->tiles_total; i++)
		buf_free(&cap->tiles[i]);
	free(cap->tiles);
	cap->tiles = NULL;
}

/* Chrome's net errors that a later try may not meet. */
static bool net_error_transient(const char *e)
{
	static const char *const list[] = {
		"ERR_CONNECTION_RESET", "ERR_CONNECTION_CLOSED", "ERR_CONNECTION_TIMED_OUT",
		"ERR_TIMED_OUT",        "ERR_EMPTY_RESPONSE",    "ERR_NETWORK_CHANGED",
		"ERR_NETWORK_IO_SUSPENDED", "ERR_HTTP2_PROTOCOL_ERROR", "ERR_CONNECTION_ABORTED",
	};
	for (size_t i = 0; i < ARRAY_LEN(list); i++)
		if (strstr(e, list[i]))
			return true;
	return false;
}

/* What the page did, as report lines show it (sink.c's page fields). */
static char *page_facts_json(const struct capture *cap)
{
	cJSON *o = cJSON_CreateObject();
	if (cap->final_url)
		cJSON_AddStringToObject(o, "final_url", cap->final_url);
	if (cap->title)
		cJSON_AddStringToObject(o, "title", cap->title);
	if (cap->content_type)
		cJSON_AddStringToObject(o, "content_type", cap->content_type);
	cJSON_AddNumberToObject(o, "requests", cap->requests);
	cJSON_AddNumberToObject(o, "failed_requests", cap->failed_requests);
	cJSON_AddNumberToObject(o, "console_errors", cap->console_errors);
	cJSON *m = cJSON_AddArrayToObject(o, "console_messages");
	for (size_t i = 0; i < cap->console.n; i++)
		cJSON_AddItemToArray(m, cJSON_CreateString(cap->console.v[i]));
	char *t = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	char *copy = xstrdup(t);
	cJSON_free(t);
	return copy;
}

static void cap_finish(struct capture *cap)
{
	if (cap->state == ST_DONE)
		return;
	cap->state = ST_DONE;
	if (cap->env->page_facts && cap->session_id)
		cap->res.page_json = page_facts_json(cap);
	loop_timer_stop(cap->deadline);
	loop_timer_stop(cap->delay);
	loop_timer_stop(cap->settle);
	cdp_cancel_owner(cap->conn, cap);
	free_tiles(cap);
	cap->res.seconds = (double)(now_ms() - cap->started) / 1000.0;
}

static void cap_fail(struct capture *cap, int code, bool transient, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cap_fail(struct capture *cap, int code, bool transient, const char *fmt, ...)
{
	if (cap->state == ST_DONE)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	cap->res.code = code;
	cap->res.transient = transient;
	/* It may carry the browser's words (an error text, a URL): one
	 * readable line, cut short, for messages and reports. */
	cap->res.message = str_quote(msg ? msg : "error", RESULT_MESSAGE_MAX);
	free(msg);
	buf_free(&cap->res.image);
	buf_free(&cap->res.mhtml);
	cap_finish(cap);
}

/* A CDP failure (not Chrome's answer) is worth retrying. */
static bool cdp_error_transient(const char *error)
{
	return strstr(error, "closed") || strstr(error, "timeout");
}

static const char *json_str(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- the steps ---- */

/* The last step of a capture that needs our own image work: stitching the
 * tiles of a tall page, making a thumbnail, or both. */
struct stitch {
	struct capture *cap;
	struct buf *tiles; /* one, or the tiles of a tall page */
	int ntiles, width, height; /* device pixels */
	int tile_px;       /* a tile's height */
	bool alpha;        /* --omit-background: transparency kept */
	int thumb_width;   /* 0: none */
	enum image_format format;
	int quality;
	struct buf out;
	int out_w, out_h;
	char *err;
};

/* On a worker thread: decode, put together, shrink, encode once. */
static void stitch_work(void *arg)
{
	struct stitch *st = arg;
	struct image *img = NULL;
	char *err = NULL;
	if (st->ntiles == 1) {
		/* A thumbnail of one shot: let the JPEG decoder shrink what it can in
		 * the DCT, leaving at least two source pixels per output pixel. */
		img = st->alpha ? image_decode_alpha(st->tiles[0].data, st->tiles[0].len, &err)
				: image_decode_min_width(st->tiles[0].data, st->tiles[0].len,
							 st->thumb_width * 2, &err);
		if (!img) {
			st->err = err;
			return;
		}
	} else {
		img = image_new_channels(st->width, st->height, st->alpha ? 4 : 3);
		for (int i = 0; i < st->ntiles; i++) {
			struct image *tile = st->alpha
				? image_decode_alpha(st->tiles[i].data, st->tiles[i].len, &err)
				: image_decode(st->tiles[i].data, st->tiles[i].len, &err);
			if (!tile) {
				st->err = xasprintf("tile %d: %s", i + 1, err);
				free(err);
				image_free(img);
				return;
			}
			image_paste(img, tile, i * st->tile_px);
			image_free(tile);
		}
	}
	if (st->thumb_width && st->thumb_width < img->width) {
		struct image *small = image_resize(img, st->thumb_width);
		image_free(img);
		img = small;
	}
	st->out_w = img->width;
	st->out_h = img->height;
	if (image_encode(img, st->format, st->quality, &st->out, &st->err) < 0)
		buf_free(&st->out);
	image_free(img);
}

static void stitch_done(void *arg);

static void cap_finish_image(struct capture *cap, int ntiles)
{
	struct stitch *st = xcalloc(1, sizeof *st);
	st->cap = cap;
	st->tiles = cap->tiles;
	st->ntiles = ntiles;
	st->width = render_px(cap->r, cap->region ? cap->rw : cap->r->width);
	st->height = render_px(cap->r, cap->page_height);
	st->tile_px = cap->tile_px;
	st->alpha = cap->r->omit_background;
	st->thumb_width = cap->r->thumb_width ? render_image_width(cap->r) : 0;
	st->format = cap->r->format;
	st->quality = cap->r->quality;
	cap->state = ST_STITCH;
	if (cap->env->cpu) {
		workq_submit(cap->env->cpu, stitch_work, stitch_done, st);
	} else {
		stitch_work(st);
		stitch_done(st);
	}
}

static void stitch_done(void *arg)
{
	struct stitch *st = arg;
	struct capture *cap = st->cap;
	if (st->err) {
		cap_fail(cap, RENDER_E_RENDER, false, "stitching the full page: %s", st->err);
	} else {
		buf_free(&cap->res.image);
		cap->res.image = st->out;
		st->out = (struct buf){ 0 };
		cap->res.width = st->out_w;
		cap->res.height = st->out_h;
		cap_finish(cap);
	}
	buf_free(&st->out);
	free(st->err);
	free(st);
}

static void cap_after_shots(struct capture *cap, int stitch_tiles);

static void on_snapshot(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const char *data = error ? NULL : json_str(result, "data");
	if (!data || !*data) {
		cap_fail(cap, RENDER_E_RENDER, error && cdp_error_transient(error),
			 "--mhtml: saving the page failed: %s", error ? error : "no data");
		return;
	}
	buf_free(&cap->res.mhtml);
	buf_append(&cap->res.mhtml, data, strlen(data));
	cap->snapshot_done = true;
	cap_after_shots(cap, cap->stitch_pending);
}

/* The shots are in. With --mhtml the page's record is taken first, of the
 * page as it was shot; then the image work (stitch_tiles: that many shots
 * to put together or shrink), or the end. */
static void cap_after_shots(struct capture *cap, int stitch_tiles)
{
	if (cap->r->mhtml && !cap->snapshot_done) {
		cap->stitch_pending = stitch_tiles;
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "format", "mhtml");
		cdp_send(cap->conn, cap->session_id, "Page.captureSnapshot", p,
			 cap->timeout_ms + shoot_grace_ms(cap->env), on_snapshot, cap);
		return;
	}
	if (stitch_tiles)
		cap_finish_image(cap, stitch_tiles);
	else
		cap_finish(cap);
}

static void on_screenshot(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	if (error) {
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error), "screenshot failed: %s",
			 error);
		return;
	}
	const char *data = json_str(result, "data");
	struct buf img = { 0 };
	if (!data || base64_decode(data, strlen(data), &img) < 0 || img.len == 0) {
		buf_free(&img);
		cap_fail(cap, RENDER_E_RENDER, false, "the browser sent no image data");
		return;
	}
	if (!cap->res.rendered_at)
		cap->res.rendered_at = time(NULL);
	if (cap->tiles || cap->r->thumb_width) {
		/* Decoded here: never larger than what was asked for (a header that
		 * claims more would make us allocate for it). */
		int w = 0, h = 0, max_h = cap->region ? cap->page_height : cap->r->height;
		if (cap->tiles)
			max_h = cap->page_height - cap->tiles_done * cap->tile_css < cap->tile_css
					? cap->page_height - cap->tiles_done * cap->tile_css
					: cap->tile_css;
		/* Device pixels; Chrome may round a fractional scale up by one. */
		int max_w = render_px(cap->r, cap->region ? cap->rw : cap->r->width) +
			    (cap->r->scale != 1);
		max_h = render_px(cap->r, max_h) + (cap->r->scale != 1);
		if (image_dimensions(img.data, img.len, &w, &h) < 0 || w < 1 || h < 1 || w > max_w ||
		    h > max_h) {
			buf_free(&img);
			cap_fail(cap, RENDER_E_RENDER, false,
				 "the browser sent an image of %dx%d px, not the %dx%d asked for", w, h,
				 max_w, max_h);
			return;
		}
	}
	if (!cap->tiles && cap->r->thumb_width) {
		/* One shot to shrink: our own work, off the loop. */
		cap->tiles = xcalloc(1, sizeof *cap->tiles);
		cap->tiles_total = 1;
		cap->tiles[0] = img;
		cap_after_shots(cap, 1);
		return;
	}
	if (!cap->tiles) {
		/* One shot: Chrome's encoding is the result. */
		int w = 0, h = 0;
		enum image_format f;
		if (image_sniff(img.data, img.len, &f) < 0 || f != cap->r->format ||
		    image_dimensions(img.data, img.len, &w, &h) < 0) {
			buf_free(&img);
			cap_fail(cap, RENDER_E_RENDER, false, "the browser sent an unreadable image");
			return;
		}
		buf_free(&cap->res.image);
		cap->res.image = img;
		cap->res.width = w;
		cap->res.height = h;
		cap_after_shots(cap, 0);
		return;
	}
	cap->tiles[cap->tiles_done] = img;
	if (++cap->tiles_done < cap->tiles_total) {
		cap_shoot(cap);
		return;
	}
	/* Every tile is in: put them together off the loop. */
	cap_after_shots(cap, cap->tiles_total);
}

static void add_clip(cJSON *p, int x, int y, int w, int h)
{
	cJSON *clip = cJSON_AddObjectToObject(p, "clip");
	cJSON_AddNumberToObject(clip, "x", x);
	cJSON_AddNumberToObject(clip, "y", y);
	cJSON_AddNumberToObject(clip, "width", w);
	cJSON_AddNumberToObject(clip, "height", h);
	cJSON_AddNumberToObject(clip, "scale", 1);
}

static void set_fact(char **dst, const cJSON *v, size_t max)
{
	if (!cJSON_IsString(v) || !utf8_valid(v->valuestring, strlen(v->valuestring)))
		return;
	free(*dst);
	/* At most max bytes, cut on a character, not inside one. */
	size_t n = strnlen(v->valuestring, max);
	while (n > 0 && !utf8_valid(v->valuestring, n))
		n--;
	*dst = xstrndup(v->valuestring, n);
}

static void on_status(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *v = error ? NULL
			       : cJSON_GetObjectItemCaseSensitive(
					 cJSON_GetObjectItemCaseSensitive(result, "result"), "value");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(v, "s");
	if (cJSON_IsNumber(st) && st->valueint > 0)
		cap->res.http_status = st->valueint;
	set_fact(&cap->final_url, cJSON_GetObjectItemCaseSensitive(v, "u"), 2000);
	set_fact(&cap->title, cJSON_GetObjectItemCaseSensitive(v, "t"), 300);
	set_fact(&cap->content_type, cJSON_GetObjectItemCaseSensitive(v, "c"), 200);
}

/* Runs expr in the page (its value returned by value, a promise awaited
 * when await_promise); cb (may be NULL) gets the reply within timeout_ms
 * (0: the capture's own limit). A session answers in order, so what is sent
 * after this runs after it. */
static void cap_evaluate(struct capture *cap, const char *expr, bool await_promise,
			 int timeout_ms, cdp_reply_fn cb)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "expression", expr);
	if (await_promise)
		cJSON_AddBoolToObject(p, "awaitPromise", 1);
	cJSON_AddBoolToObject(p, "returnByValue", 1);
	cdp_send(cap->conn, cap->session_id, "Runtime.evaluate", p,
		 timeout_ms ? timeout_ms : cap->timeout_ms + shoot_grace_ms(cap->env), cb, cap);
}

/* The main document's HTTP status, asked in the same burst as the shot (a
 * session answers in order, so it costs no round trip). */
static void cap_ask_status(struct capture *cap)
{
	cap_evaluate(cap,
		     "(() => { let s = 0; try { const e = performance.getEntriesByType('navigation')[0];"
		     " s = e ? e.responseStatus : 0; } catch (x) {}"
		     " return { s, u: location.href, t: document.title, c: document.contentType }; })()",
		     false, 0, on_status);
}

static void cap_shoot(struct capture *cap)
{
	if (cap->state != ST_SHOOT && cap->state != ST_METRICS && !cap->res.http_status)
		cap_ask_status(cap);
	cap->state = ST_SHOOT;
	cJSON *p = cJSON_CreateObject();
	if (cap->tiles) {
		/* A tile: lossless and cheap to encode; the result is encoded once. */
		int y = cap->tiles_done * cap->tile_css;
		int h = cap->page_height - y < cap->tile_css ? cap->page_height - y : cap->tile_css;
		cJSON_AddStringToObject(p, "format", "png");
		cJSON_AddBoolToObject(p, "optimizeForSpeed", 1);
		cJSON_AddBoolToObject(p, "captureBeyondViewport", 1);
		add_clip(p, cap->rx, cap->ry + y, cap->rw, h);
	} else if (cap->r->thumb_width) {
		/* Only a thumbnail is kept: the least data that loses nothing the
		 * thumbnail can show, and a JPEG we can shrink while decoding
		 * (a PNG when transparency is to be kept). */
		if (cap->r->omit_background) {
			cJSON_AddStringToObject(p, "format", "png");
			cJSON_AddBoolToObject(p, "optimizeForSpeed", 1);
		} else {
			cJSON_AddStringToObject(p, "format", "jpeg");
			cJSON_AddNumberToObject(p, "quality", 95);
		}
		if (cap->region) {
			cJSON_AddBoolToObject(p, "captureBeyondViewport", 1);
			add_clip(p, cap->rx, cap->ry, cap->rw, cap->page_height);
		}
	} else {
		cJSON_AddStringToObject(p, "format", image_format_name(cap->r->format));
		if (cap->r->format != IMAGE_PNG)
			cJSON_AddNumberToObject(p, "quality", cap->r->quality);
		else /* Chrome's fast zlib setting: files ~25% larger, shots ~4% cheaper */
			cJSON_AddBoolToObject(p, "optimizeForSpeed", 1);
		if (cap->region) {
			cJSON_AddBoolToObject(p, "captureBeyondViewport", 1);
			add_clip(p, cap->rx, cap->ry, cap->rw, cap->page_height);
		}
	}
	cdp_send(cap->conn, cap->session_id, "Page.captureScreenshot", p,
		 cap->timeout_ms + shoot_grace_ms(cap->env), on_screenshot, cap);
}

static void on_printed(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	if (error) {
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error), "printing the page failed: %s",
			 error);
		return;
	}
	const char *data = json_str(result, "data");
	struct buf pdf = { 0 };
	int w = 0, h = 0;
	enum image_format f;
	if (!data || base64_decode(data, strlen(data), &pdf) < 0 ||
	    image_sniff(pdf.data, pdf.len, &f) < 0 || f != IMAGE_PDF ||
	    !image_complete(pdf.data, pdf.len, IMAGE_PDF) ||
	    image_dimensions(pdf.data, pdf.len, &w, &h) < 0) {
		buf_free(&pdf);
		cap_fail(cap, RENDER_E_RENDER, false, "the browser sent no readable PDF");
		return;
	}
	cap->res.rendered_at = time(NULL);
	buf_free(&cap->res.image);
	cap->res.image = pdf;
	cap->res.width = w;
	cap->res.height = h;
	cap_after_shots(cap, 0);
}

/* -f pdf: the page printed, its backgrounds with it, on the paper asked
 * for (inches: A4 is 210 x 297 mm). */
static void cap_print(struct capture *cap)
{
	const char *paper = cap->r->pdf_paper;
	double pw = 8.27, ph = 11.69;
	if (paper && !strcmp(paper, "Letter"))
		pw = 8.5, ph = 11;
	else if (paper && !strcmp(paper, "Legal"))
		pw = 8.5, ph = 14;
	cap_ask_status(cap);
	cap->state = ST_SHOOT;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddBoolToObject(p, "printBackground", 1);
	cJSON_AddBoolToObject(p, "landscape", cap->r->pdf_landscape);
	cJSON_AddNumberToObject(p, "paperWidth", pw);
	cJSON_AddNumberToObject(p, "paperHeight", ph);
	cdp_send(cap->conn, cap->session_id, "Page.printToPDF", p,
		 cap->timeout_ms + shoot_grace_ms(cap->env), on_printed, cap);
}

static void on_metrics(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	if (error) {
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error), "measuring the page failed: %s", error);
		return;
	}
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(result, "cssContentSize");
	if (!size)
		size = cJSON_GetObjectItemCaseSensitive(result, "contentSize");
	const cJSON *hj = cJSON_GetObjectItemCaseSensitive(size, "height");
	double h = cJSON_IsNumber(hj) ? hj->valuedouble : 0;
	int height = (int)ceil(h);
	if (height < cap->r->height)
		height = cap->r->height;
	cap_region(cap, 0, 0, cap->r->width, height, height > cap->r->height);
}

/* Shoots x, y, w, h of the document (CSS px), in tiles when it is taller
 * than one; region false: the viewport as it is. */
static void cap_region(struct capture *cap, int x, int y, int w, int height, bool region)
{
	/* CSS pixels that fit in the format (WebP's limit is 16383 px); for a
	 * thumbnail, what fits once shrunk. */
	double fit = image_format_max_dim(cap->r->format);
	if (cap->r->thumb_width && cap->r->thumb_width < w)
		fit = fmin(IMAGE_MAX_DIM, fit * w / cap->r->thumb_width);
	int most = (int)(fit / cap->r->scale);
	if (height > most) {
		log_warn("%s: the %s is %d px tall; cut at %d px", cap->url,
			 cap->r->fullpage ? "page" : "element", height, most);
		cap->res.cut = true;
		height = most;
	}
	cap->region = region;
	cap->rx = x;
	cap->ry = y;
	cap->rw = w;
	cap->page_height = height;
	if (height > cap->tile_css) {
		cap->tiles_total = (height + cap->tile_css - 1) / cap->tile_css;
		cap->tiles_done = 0;
		cap->tiles = xcalloc((size_t)cap->tiles_total, sizeof *cap->tiles);
	}
	cap_shoot(cap);
}

/* Before a full-page shot the page is scrolled through, a viewport and a
 * half at a time, so that lazy images and infinite-scroll sentinels load; it
 * stops at the bottom (once two frames and 50 ms have passed there without
 * the page growing, or 250 ms more for a page that has grown since the
 * scroll began: an endless feed grows when its sentinel shows), at
 * IMAGE_MAX_DIM px, or after FULLPAGE_SCROLL_MS, then waits (within that
 * time) for the images it started, and goes back to the top so that sticky
 * and fixed elements are drawn once. */
#define FULLPAGE_SCROLL_MS 8000

static const char scroll_script[] =
	"(async (maxHeight, maxMs) => {"
	"  const t0 = performance.now();"
	"  const left = () => maxMs - (performance.now() - t0);"
	"  const pause = (ms) => new Promise(r => setTimeout(r, ms));"
	"  const frame = () => new Promise(r => requestAnimationFrame(() => r()));"
	"  const step = Math.max(Math.floor(innerHeight * 1.5), 200);"
	"  const height = () => Math.max(document.documentElement.scrollHeight,"
	"                                document.body ? document.body.scrollHeight : 0);"
	"  let y = 0;"
	"  const h0 = height();"
	"  for (;;) {"
	"    let h = height();"
	"    if (y + innerHeight >= h && y > 0 && left() > 0) {"
	"      await Promise.race([frame().then(frame).then(() => pause(50)), pause(1000)]);"
	"      h = height();"
	/* A page that has grown is given longer to grow again: a busy machine
	 * runs its observers late. One that never grew stops at once. */
	"      if (y + innerHeight >= h && h > h0 && left() > 0) {"
	"        await Promise.race([frame().then(frame).then(() => pause(250)), pause(1500)]);"
	"        h = height();"
	"      }"
	"    }"
	"    if (y + innerHeight >= h || y >= maxHeight || left() <= 0) break;"
	"    y += step;"
	"    window.scrollTo(0, y);"
	/* A frame drawn at each step: an IntersectionObserver sees the page
	 * only then, and a feed whose sentinel went out of view and back
	 * between two of its looks is never told to grow. */
	"    await Promise.race([frame(), pause(1000)]);"
	"    await pause(40);"
	"  }"
	"  const pending = Array.from(document.images).filter(i => !i.complete);"
	"  if (pending.length)"
	"    await Promise.race([Promise.all(pending.map(i => new Promise(r => {"
	"      i.addEventListener('load', r); i.addEventListener('error', r); }))),"
	"      pause(Math.max(left(), 0))]);"
	"  window.scrollTo(0, 0);"
	"  await Promise.race([frame().then(frame), pause(200)]);"
	"  return y;"
	"})";

static void on_scrolled(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	(void)result;
	if (error)
		log_debug("%s: scrolling through the page: %s", cap->url, error);
	/* Cleaned after the scroll: what it loaded is cleaned too, and the
	 * page is measured without what was hidden. */
	cap_clean_then(cap, cap->r->format == IMAGE_PDF ? cap_print : cap_measure);
}

/* The class and id names on the page, for --noads's hiding rules. */
static const char names_js[] =
	"(() => {"
	"  const s = new Set();"
	"  for (const el of document.querySelectorAll('[id],[class]')) {"
	"    if (el.id) s.add('#' + el.id);"
	"    for (const c of el.classList) s.add('.' + c);"
	"  }"
	"  return [...s].slice(0, 50000);"
	"})()";

static void on_page_names(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(result, "result"), "value");
	size_t n = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
	const char **names = xcalloc(n + 1, sizeof *names);
	size_t k = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsString(it) && k < n)
			names[k++] = it->valuestring;
	}
	if (error)
		log_debug("%s: reading the page's class names: %s", cap->url, error);
	char *css = blocklist_css_for(cap->env->blocklist, names, k);
	free(names);
	if (*css) {
		/* Answered before what follows: a session works in order. */
		char *script = clean_style_script(css);
		cap_evaluate(cap, script, false, 0, NULL);
		free(script);
	}
	free(css);
	if (cap->blocked_listed) {
		struct buf e = { 0 };
		buf_puts(&e, collapse_js);
		buf_puts(&e, "(");
		buf_append(&e, cap->blocked_json.data, cap->blocked_json.len);
		buf_puts(&e, "])");
		cap_evaluate(cap, (char *)e.data, false, 0, NULL);
		buf_free(&e);
	}
	void (*next)(struct capture *) = cap->after_clean;
	cap->after_clean = NULL;
	next(cap);
}

/* --noads: hides the ad containers and the elements whose requests were
 * refused, then goes on with after_clean; without it, goes on at once. */
static void cap_clean_noads(struct capture *cap)
{
	if (!cap->env->blocklist) {
		void (*next)(struct capture *) = cap->after_clean;
		cap->after_clean = NULL;
		next(cap);
		return;
	}
	cap_evaluate(cap, names_js, false, 0, on_page_names);
}

static void on_frozen(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	(void)result;
	if (error)
		log_debug("%s: --disable-animations: %s", cap->url, error);
	cap_clean_noads(cap);
}

/* Just before the shot: --disable-animations (awaited: a video's seek to
 * its first frame takes a moment), then --noads's hiding; then next. */
static void cap_clean_then(struct capture *cap, void (*next)(struct capture *))
{
	cap->after_clean = next;
	if (cap->r->disable_animations)
		cap_evaluate(cap, shape_freeze_expression, true, 0, on_frozen);
	else
		cap_clean_noads(cap);
}

static void cap_measure(struct capture *cap)
{
	cap->state = ST_METRICS;
	cdp_send(cap->conn, cap->session_id, "Page.getLayoutMetrics", NULL,
		 cap->timeout_ms + shoot_grace_ms(cap->env), on_metrics, cap);
}

static void cap_after_consent(struct capture *cap);

static void on_consent_settled(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(result, "result"), "value");
	const char *cmp = json_str(v, "cmp"), *state = json_str(v, "state");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(v, "ms");
	int waited = cJSON_IsNumber(ms) ? ms->valueint : 0;
	if (error)
		log_debug("%s: autoconsent: %s", cap->url, error);
	else if (cmp && *cmp)
		log_info("%s: consent banner: autoconsent rule set '%s', %s%s (%d ms)", cap->url, cmp,
			 state ? state : "?",
			 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "cosmetic")) ? ", hidden"
											   : "",
			 waited);
	else
		log_debug("%s: autoconsent found no banner (%s, %d ms)", cap->url,
			  state ? state : "?", waited);
	cap_after_consent(cap);
}

static void cap_consent_settle(struct capture *cap)
{
	/* What autoconsent does with a banner takes its own time: wait for it
	 * (within --timeout), then for the banner to be gone. */
	int64_t left = cap->timeout_ms - (now_ms() - cap->started) - 500;
	int ms = left < CONSENT_WAIT_MS ? (int)left : CONSENT_WAIT_MS;
	if (ms <= 0 || cap->deadline_passed) {
		cap_after_consent(cap);
		return;
	}
	char *expr = consent_settle_expression(ms);
	cap_evaluate(cap, expr, true, ms + 2000, on_consent_settled);
	free(expr);
}

static void on_consent_injected(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(result, "exceptionDetails");
	if (error || ex)
		log_debug("%s: autoconsent did not start: %s", cap->url,
			  error ? error : json_str(ex, "text") ? json_str(ex, "text") : "an exception");
}

/* The content script in the top document, then the wait for it: one
 * session answers in order, so they go together. */
static void cap_consent_run(struct capture *cap)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddRawToObject(p, "expression", cap->env->consent_script);
	cdp_send(cap->conn, cap->session_id, "Runtime.evaluate", p,
		 cap->timeout_ms + shoot_grace_ms(cap->env), on_consent_injected, cap);
	cap_consent_settle(cap);
}

static void on_consent_probe(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(result, "result"), "value");
	if (error || !cJSON_IsTrue(v)) {
		log_debug("%s: no sign of a consent notice%s%s; autoconsent not run", cap->url,
			  error ? ": " : "", error ? error : "");
		cap_after_consent(cap);
		return;
	}
	cap_consent_run(cap);
}

static void cap_after_wait(struct capture *cap)
{
	if (cap->env->consent_script && !cap->deadline_passed) {
		/* autoconsent only where the page gives a sign of a notice. */
		cap->state = ST_CONSENT;
		if (cap->env->consent_probe)
			cap_evaluate(cap, cap->env->consent_probe, false, 0, on_consent_probe);
		else
			cap_consent_run(cap);
		return;
	}
	cap_after_consent(cap);
}

static void on_box(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(result, "result"), "value");
	const char *msg = json_str(v, "error");
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "x"),
		    *y = cJSON_GetObjectItemCaseSensitive(v, "y"),
		    *w = cJSON_GetObjectItemCaseSensitive(v, "w"),
		    *h = cJSON_GetObjectItemCaseSensitive(v, "h");
	if (error) {
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error), "--selector: %s", error);
	} else if (msg) {
		cap_fail(cap, RENDER_E_RENDER, false, "%s", msg);
	} else if (!cJSON_IsNumber(x) || !cJSON_IsNumber(y) || !cJSON_IsNumber(w) ||
		   !cJSON_IsNumber(h) || x->valuedouble < 0 || y->valuedouble < 0 ||
		   w->valuedouble < 1 || h->valuedouble < 1 || x->valuedouble > 1e6 ||
		   y->valuedouble > 1e7 || w->valuedouble > 16384 || h->valuedouble > 1e7) {
		cap_fail(cap, RENDER_E_RENDER, false, "--selector: the page gave no box to shoot");
	} else if (lround(w->valueint * cap->r->scale) > 16384) {
		cap_fail(cap, RENDER_E_RENDER, false,
			 "--selector: the box is %d px wide, %ld device pixels at this scale; at most "
			 "16384",
			 w->valueint, lround(w->valueint * cap->r->scale));
	} else {
		cap_region(cap, x->valueint, y->valueint, w->valueint, h->valueint, true);
	}
}

/* --selector: the box around every match, scrolled into view. */
static void cap_select(struct capture *cap)
{
	cap_ask_status(cap);
	cap->state = ST_METRICS;
	char *e = shape_box_expression(cap->r);
	cap_evaluate(cap, e, false, 0, on_box);
	free(e);
}

/* --clip: a region the user gave. */
static void cap_clip(struct capture *cap)
{
	cap_ask_status(cap);
	cap->state = ST_METRICS;
	const struct render *r = cap->r;
	cap_region(cap, r->clip_x, r->clip_y, r->clip_w, r->clip_h, true);
}

static void cap_after_consent(struct capture *cap)
{
	if (cap->env->page_script)
		cap_evaluate(cap, cap->env->page_script, false, 0, NULL);
	if (cap->r->fullpage) {
		cap_ask_status(cap);
		/* The scroll shares --timeout with the rest of the capture. */
		int64_t left = cap->timeout_ms - (now_ms() - cap->started) - 500;
		int ms = left < FULLPAGE_SCROLL_MS ? (int)left : FULLPAGE_SCROLL_MS;
		if (ms <= 0 || cap->deadline_passed) {
			on_scrolled(cap, NULL, "no time left");
			return;
		}
		cap->state = ST_SCROLL;
		char expr[sizeof scroll_script + 64];
		snprintf(expr, sizeof expr, "%s(%d, %d)", scroll_script,
			 image_format_max_dim(cap->r->format), ms);
		cap_evaluate(cap, expr, true, ms + 2000, on_scrolled);
	} else if (cap->r->format == IMAGE_PDF) {
		cap_clean_then(cap, cap_print);
	} else if (cap->r->selector.n) {
		cap_clean_then(cap, cap_select);
	} else if (cap->r->clip_w) {
		cap_clean_then(cap, cap_clip);
	} else {
		cap_clean_then(cap, cap_shoot);
	}
}

static void on_delay_done(void *ud)
{
	cap_after_wait(ud);
}

static void cap_shape_next(struct capture *cap);
static void cap_delay(struct capture *cap);
static void cap_check_ready(struct capture *cap);
static void cap_loaded(struct capture *cap);

/* A step's value: true, or {error} naming the option. */
static void on_shape_step(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(result, "result"), "value");
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(result, "exceptionDetails");
	const char *msg = json_str(v, "error");
	if (error)
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error), "changing the page: %s",
			 error);
	else if (msg)
		cap_fail(cap, RENDER_E_RENDER, false, "%s", msg);
	else if (ex) {
		/* A script that does not parse (--wait-for's expression): its
		 * error's first line. */
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(ex, "exception");
		const char *d = json_str(e, "description") ? json_str(e, "description")
							   : json_str(ex, "text");
		size_t n = d ? strcspn(d, "\n") : 0;
		cap_fail(cap, RENDER_E_RENDER, false, "%s: %.*s",
			 cap->shape_running ? cap->shape_running : "changing the page", (int)n,
			 d ? d : "an exception");
	}
	else
		cap_shape_next(cap);
}

static void on_clicked(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(result, "result"), "value");
	if (error || !cJSON_IsTrue(v)) {
		on_shape_step(ud, result, error); /* {error} or an exception, named there */
		return;
	}
	/* Whatever the click set going: wait for it to end. Counted now: if
	 * it takes the page elsewhere, the next document goes on after it. */
	cap->clicks_done++;
	cap->state = ST_SETTLE;
	cap->settle_started = now_ms();
	if (cap->net_activity < cap->settle_started)
		cap->net_activity = cap->settle_started;
	loop_timer_start(cap->settle, SETTLE_POLL_MS);
}

static void on_settled_frames(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	(void)result;
	(void)error; /* no frame in time is no reason to fail */
	cap->state = ST_SHAPE;
	cap_shape_next(cap);
}

static void on_settle_poll(void *ud)
{
	struct capture *cap = ud;
	if (cap->state == ST_LOAD) { /* networkidle: quiet long enough yet? */
		cap_check_ready(cap);
		return;
	}
	if (cap->state != ST_SETTLE)
		return;
	int64_t now = now_ms();
	bool quiet = cap->inflight.n == 0 && now - cap->net_activity >= SETTLE_QUIET_MS;
	if (!quiet && now - cap->settle_started < SETTLE_MAX_MS) {
		loop_timer_start(cap->settle, SETTLE_POLL_MS);
		return;
	}
	if (!quiet)
		log_warn("%s: --click '%s': the page still had %zu request(s) in flight after %d s; "
			 "going on",
			 cap->url, cap->r->click.v[cap->clicks_done - 1], cap->inflight.n,
			 SETTLE_MAX_MS / 1000);
	/* Still ST_SETTLE until the frames are drawn. */
	cap_evaluate(cap, shape_frames_expression, true, 0, on_settled_frames);
}

static void on_script_done(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(result, "exceptionDetails");
	const cJSON *ro = cJSON_GetObjectItemCaseSensitive(result, "result");
	const char *subtype = json_str(ro, "subtype"), *oid = json_str(ro, "objectId");
	if (!error && !ex && subtype && !strcmp(subtype, "promise") && oid) {
		/* The script's value is a promise: its outcome is the script's. */
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "promiseObjectId", oid);
		cdp_send(cap->conn, cap->session_id, "Runtime.awaitPromise", p,
			 cap->timeout_ms + shoot_grace_ms(cap->env), on_script_done, cap);
		return;
	}
	if (error) {
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error), "--javascript: %s", error);
		return;
	}
	if (ex) {
		/* "Error: message" and its stack: the first line says it. */
		const char *d = json_str(cJSON_GetObjectItemCaseSensitive(ex, "exception"),
					 "description");
		if (!d)
			d = json_str(cJSON_GetObjectItemCaseSensitive(ex, "exception"), "value");
		if (!d)
			d = json_str(ex, "text");
		size_t n = d ? strcspn(d, "\n") : 0;
		cap_fail(cap, RENDER_E_RENDER, false, "--javascript: %.*s", (int)n,
			 d ? d : "an exception");
		return;
	}
	cap_shape_next(cap);
}

/* The next step of changing the page, then --delay. */
static void cap_shape_next(struct capture *cap)
{
	const struct render *r = cap->r;
	cap->state = ST_SHAPE;
	while (cap->shape_step < SHAPE_DONE) {
		switch ((enum shape_step)cap->shape_step) {
		case SHAPE_WAIT_SELECTOR:
		case SHAPE_WAIT_JS: {
			bool sel = cap->shape_step == SHAPE_WAIT_SELECTOR;
			const char *what = sel ? r->wait_for_selector : r->wait_for;
			cap->shape_step++;
			if (!what)
				break;
			cap->shape_running = sel ? "--wait-for-selector" : "--wait-for";
			/* The page says when time is up, a little before the deadline,
			 * so that its message (naming the condition) is the one seen. */
			int64_t left = cap->timeout_ms - (now_ms() - cap->started) - 300;
			int secs = (cap->timeout_ms + 999) / 1000;
			char *e = sel ? shape_wait_selector_expression(what, left > 0 ? (int)left : 0, secs)
				      : shape_wait_expression(what, left > 0 ? (int)left : 0, secs);
			cap_evaluate(cap, e, true, 0, on_shape_step);
			free(e);
			return;
		}
		case SHAPE_HIDE: {
			cap->shape_step++;
			char *e = shape_hide_expression(r);
			cap->shape_running = "--hide, --remove";
			if (e) {
				cap_evaluate(cap, e, false, 0, on_shape_step);
				free(e);
				return;
			}
			break;
		}
		case SHAPE_CLICK:
			if (cap->clicks_done < r->click.n) {
				char *e = shape_click_expression(r->click.v[cap->clicks_done],
								 cap->clicks_done == 0);
				cap->shape_running = "--click";
				cJSON *p = cJSON_CreateObject();
				cJSON_AddStringToObject(p, "expression", e);
				cJSON_AddBoolToObject(p, "returnByValue", 1);
				cJSON_AddBoolToObject(p, "userGesture", 1);
				cdp_send(cap->conn, cap->session_id, "Runtime.evaluate", p,
					 cap->timeout_ms + shoot_grace_ms(cap->env), on_clicked, cap);
				free(e);
				return;
			}
			if (r->click.n)
				cap_evaluate(cap, shape_opened_expression, false, 0, NULL);
			cap->shape_step++;
			break;
		case SHAPE_STYLE:
			cap->shape_step++;
			cap->shape_running = "--style";
			if (r->style) {
				char *e = clean_style_script(r->style);
				cap_evaluate(cap, e, false, 0, on_shape_step);
				free(e);
				return;
			}
			break;
		case SHAPE_SCRIPT:
			cap->shape_step++;
			cap->shape_running = "--javascript";
			if (r->javascript && !cap->script_ran) {
				cap->script_ran = true;
				/* Not by value: a script may end on any object. */
				cJSON *p = cJSON_CreateObject();
				cJSON_AddStringToObject(p, "expression", r->javascript);
				cJSON_AddBoolToObject(p, "awaitPromise", 1);
				/* As in the DevTools console: await at the top level. */
				cJSON_AddBoolToObject(p, "replMode", 1);
				cdp_send(cap->conn, cap->session_id, "Runtime.evaluate", p,
					 cap->timeout_ms + shoot_grace_ms(cap->env), on_script_done,
					 cap);
				return;
			}
			break;
		case SHAPE_DONE:
			break;
		}
	}
	cap_delay(cap);
}

static bool waits_network_idle(const struct render *r)
{
	return r->wait_until && !strcmp(r->wait_until, "networkidle");
}

/* Whether the document has reached --wait-until's event (default `load`;
 * `networkidle`: `load`, then no request in flight for IDLE_QUIET_MS, by
 * savepage's count or by Chrome's networkIdle). */
static void cap_check_ready(struct capture *cap)
{
	const char *w = cap->r->wait_until ? cap->r->wait_until : "load";
	const char *l = cap->loader_id;
	bool load = l && cap->seen[LC_LOAD] && !strcmp(cap->seen[LC_LOAD], l);
	bool dcl = l && cap->seen[LC_DCL] && !strcmp(cap->seen[LC_DCL], l);
	bool idle = l && cap->seen[LC_IDLE] && !strcmp(cap->seen[LC_IDLE], l);
	if (cap->state != ST_LOAD)
		return;
	if (waits_network_idle(cap->r) && load && !idle) {
		int64_t now = now_ms();
		if (!cap->loaded_at)
			cap->loaded_at = now;
		int64_t since = cap->net_activity > cap->loaded_at ? cap->net_activity
								   : cap->loaded_at;
		idle = cap->inflight.n == 0 && now - since >= IDLE_QUIET_MS;
		if (!idle) {
			loop_timer_start(cap->settle, SETTLE_POLL_MS);
			return;
		}
	}
	if (!strcmp(w, "domcontentloaded") ? dcl || load
	    : !strcmp(w, "networkidle")     ? load && idle
					    : load)
		cap_loaded(cap);
}

static void cap_loaded(struct capture *cap)
{
	/* Also when `load` never came (the shot's grace is running): an image
	 * cached under these options must have had them applied. */
	cap_shape_next(cap);
}

static void cap_delay(struct capture *cap)
{
	if (render_delay_ms(cap->r) > 0 && !cap->deadline_passed) {
		cap->state = ST_DELAY;
		loop_timer_start(cap->delay, render_delay_ms(cap->r));
	} else {
		cap_after_wait(cap);
	}
}

static void on_deadline(void *ud)
{
	struct capture *cap = ud;
	int secs = (cap->timeout_ms + 999) / 1000;
	if (cap->state == ST_STITCH)
		return; /* local work that finishes by itself */
	if (!cap->deadline_passed) {
		cap->deadline_passed = true;
		switch (cap->state) {
		case ST_LOAD:
			if (cap->r->wait_until) {
				cap_fail(cap, RENDER_E_RENDER, true,
					 "--wait-until %s: not reached within --timeout %d s",
					 cap->r->wait_until, secs);
				return;
			}
			/* Shoot what there is, and give the shot its own grace. */
			cap->res.load_timed_out = true;
			log_warn("%s: the page did not finish loading within %d s; capturing it "
				 "as it stands",
				 cap->url, secs);
			loop_timer_start(cap->deadline, shoot_grace_ms(cap->env));
			cap_loaded(cap);
			return;
		case ST_DELAY:
			log_warn("%s: --delay cut short by --timeout %d s", cap->url, secs);
			loop_timer_stop(cap->delay);
			loop_timer_start(cap->deadline, shoot_grace_ms(cap->env));
			cap_after_wait(cap);
			return;
		case ST_SHAPE:
		case ST_SETTLE:
			cap_fail(cap, RENDER_E_RENDER, true, "timed out after %d s changing the page (%s)",
				 secs,
				 cap->state == ST_SETTLE ? "waiting for it to settle after --click"
				 : cap->shape_running ? cap->shape_running : "--hide");
			return;
		case ST_CONSENT:
		case ST_SCROLL:
		case ST_METRICS:
		case ST_SHOOT:
			loop_timer_start(cap->deadline, shoot_grace_ms(cap->env));
			return;
		default:
			cap_fail(cap, RENDER_E_RENDER, true, "timed out after %d s: no response", secs);
			return;
		}
	}
	cap_fail(cap, RENDER_E_RENDER, true, "timed out after %d s while capturing", secs);
}

static void on_navigate(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	if (error) {
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error), "navigation failed: %s", error);
		return;
	}
	const char *err = json_str(result, "errorText");
	/* A 4xx/5xx with an empty body is an "error" to Chrome, but it has a
	 * status, and the API captures such pages: go on and shoot it. */
	if (err && *err && !strstr(err, "ERR_HTTP_RESPONSE_CODE_FAILURE")) {
		cap_fail(cap, RENDER_E_RENDER, net_error_transient(err), "%s (%s)",
			 capture_explain_net_error(err), err);
		return;
	}
	const char *loader = json_str(result, "loaderId");
	if (!loader && cap->reused && !(err && *err)) {
		/* A kept tab already on this document (the page moved there after
		 * it was kept): it jumped to the #fragment and loaded nothing. */
		cap_fail(cap, RENDER_E_RENDER, true,
			 "the kept tab was on this page already and did not load it");
		return;
	}
	free(cap->loader_id);
	cap->loader_id = loader ? xstrdup(loader) : NULL;
	cap->state = ST_LOAD;
	if (!loader || (err && *err))
		cap_loaded(cap);
	else
		cap_check_ready(cap);
}

static void on_setup_reply(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	(void)result;
	cap->setup_pending--;
	if (error)
		cap_fail(cap, RENDER_E_RENDER, cdp_error_transient(error),
			 "setting up the tab failed: %s", error);
	else if (cap->setup_pending == 0 && cap->state == ST_NAVIGATE)
		cap_navigate(cap);
}

/* One command of the tab's set-up: navigation waits for every reply. */
static void setup_send(struct capture *cap, const char *method, cJSON *params)
{
	cap->setup_pending++;
	cdp_send(cap->conn, cap->session_id, method, params,
		 cap->timeout_ms + shoot_grace_ms(cap->env), on_setup_reply, cap);
}

/* --noads: every request pauses for a set lookup here (a browser-side
 * pattern list of the whole of EasyList costs seconds per tab, see
 * bench/README.md). A few hosts alone (--nocookie's) are patterns the
 * browser matches itself: only their requests stop. */
static void add_pattern(cJSON *pats, const char *glob)
{
	cJSON *pat = cJSON_CreateObject();
	cJSON_AddStringToObject(pat, "urlPattern", glob);
	cJSON_AddStringToObject(pat, "requestStage", "Request");
	cJSON_AddItemToArray(pats, pat);
}

/* Which requests pause for us (Fetch.enable), or NULL when none need to:
 * every one for --noads's list or a proxy's login; the blocked hosts'
 * (--nocookie's) to refuse them; the URL's own host's for --header and
 * --user. */
static cJSON *fetch_params(const struct capture *cap)
{
	const struct capture_env *o = cap->env;
	bool hosts = !o->blocklist && o->blocked_hosts && o->blocked_hosts->n;
	bool own = (cap->r->headers.n || cap->r->auth_user) && cap->host && *cap->host;
	bool all = o->blocklist || cap->proxy_login;
	if (!all && !hosts && !own)
		return NULL;
	cJSON *p = cJSON_CreateObject();
	cJSON *pats = cJSON_AddArrayToObject(p, "patterns");
	if (all) {
		add_pattern(pats, "*");
	} else {
		for (size_t i = 0; hosts && i < o->blocked_hosts->n; i++) {
			char *g = xasprintf("*://%s/*", o->blocked_hosts->v[i]);
			add_pattern(pats, g);
			free(g);
			g = xasprintf("*://*.%s/*", o->blocked_hosts->v[i]);
			add_pattern(pats, g);
			free(g);
		}
		if (own) {
			char *g = xasprintf("*://%s/*", cap->host);
			add_pattern(pats, g);
			free(g);
			g = xasprintf("*://%s:*", cap->host);
			add_pattern(pats, g);
			free(g);
		}
	}
	if (cap->r->auth_user || cap->proxy_login)
		cJSON_AddBoolToObject(p, "handleAuthRequests", 1);
	return p;
}

/* Whether url's host is host, or (sub) one of its subdomains. */
static bool host_is(const char *url, const char *host, bool sub)
{
	char *h = url_host(url);
	bool yes = *host && (sub ? url_host_within(h, host, strlen(host)) : !strcasecmp(h, host));
	free(h);
	return yes;
}

/* The window, and a desktop as a person's Chrome has it. */
static void add_media_feature(cJSON *features, const char *name, const char *value)
{
	cJSON *x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "name", name);
	cJSON_AddStringToObject(x, "value", value);
	cJSON_AddItemToArray(features, x);
}

/* --dark-mode, --reduced-motion, --timezone, --bypass-csp; a touch screen
 * for --device's phones and tablets. */
static void setup_reader(struct capture *cap)
{
	const struct render *r = cap->r;
	if (r->dark_mode || r->reduced_motion || r->touch) {
		/* One call: each replaces the features the last one set. */
		static const char *const touch_media[][2] = {
			{ "hover", "none" }, { "any-hover", "none" },
			{ "pointer", "coarse" }, { "any-pointer", "coarse" },
		};
		cJSON *p = cJSON_CreateObject();
		cJSON *f = cJSON_AddArrayToObject(p, "features");
		if (r->dark_mode)
			add_media_feature(f, "prefers-color-scheme", "dark");
		if (r->reduced_motion)
			add_media_feature(f, "prefers-reduced-motion", "reduce");
		for (size_t i = 0; r->touch && i < ARRAY_LEN(touch_media); i++)
			add_media_feature(f, touch_media[i][0], touch_media[i][1]);
		setup_send(cap, "Emulation.setEmulatedMedia", p);
	}
	if (r->touch) {
		/* A phone or tablet: touch events, navigator.maxTouchPoints. */
		cJSON *p = cJSON_CreateObject();
		cJSON_AddBoolToObject(p, "enabled", 1);
		cJSON_AddNumberToObject(p, "maxTouchPoints", 5);
		setup_send(cap, "Emulation.setTouchEmulationEnabled", p);
	}
	if (r->timezone) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "timezoneId", r->timezone);
		setup_send(cap, "Emulation.setTimezoneOverride", p);
	}
	if (r->omit_background) {
		/* Where the page paints nothing: transparent, not white. */
		cJSON *p = cJSON_CreateObject();
		cJSON *c = cJSON_AddObjectToObject(p, "color");
		cJSON_AddNumberToObject(c, "r", 0);
		cJSON_AddNumberToObject(c, "g", 0);
		cJSON_AddNumberToObject(c, "b", 0);
		cJSON_AddNumberToObject(c, "a", 0);
		setup_send(cap, "Emulation.setDefaultBackgroundColorOverride", p);
	}
	if (r->bypass_csp) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddBoolToObject(p, "enabled", 1);
		setup_send(cap, "Page.setBypassCSP", p);
	}
}

#define SW_REFUSED_JS                                                                  \
	"if (self.ServiceWorkerContainer) ServiceWorkerContainer.prototype.register = "   \
	"function register() { return Promise.reject(new DOMException("                 \
	"'Service workers are not allowed here', 'SecurityError')); };"

static void setup_desktop(struct capture *cap)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "width", cap->r->width);
	cJSON_AddNumberToObject(p, "height", cap->r->height);
	cJSON_AddNumberToObject(p, "deviceScaleFactor", cap->r->scale);
	cJSON_AddBoolToObject(p, "mobile", cap->r->mobile);
	/* screen.width and height as the window's, not the shell's 800x600. */
	cJSON_AddNumberToObject(p, "screenWidth", cap->r->width);
	cJSON_AddNumberToObject(p, "screenHeight", cap->r->height);
	setup_send(cap, "Emulation.setDeviceMetricsOverride", p);

	/* The generic font families of desktop Chrome on Linux (its default
	 * preferences, which the headless shell lacks), resolved by fontconfig
	 * as for Chrome: the shell's own "monospace" has other line heights. */
	p = cJSON_CreateObject();
	cJSON *fam = cJSON_AddObjectToObject(p, "fontFamilies");
	cJSON_AddStringToObject(fam, "standard", "Times New Roman");
	cJSON_AddStringToObject(fam, "fixed", "Monospace");
	cJSON_AddStringToObject(fam, "serif", "Times New Roman");
	cJSON_AddStringToObject(fam, "sansSerif", "Arial");
	cJSON_AddStringToObject(fam, "cursive", "Comic Sans MS");
	cJSON_AddStringToObject(fam, "fantasy", "Impact");
	setup_send(cap, "Page.setFontFamilies", p);
	/* Before any of the page's scripts, in every frame. A service worker
	 * is refused its registration (as where a browser does not allow
	 * them: the promise fails, the page goes on): it cannot draw the shot
	 * (it controls only the next visit), yet it starts a worker that
	 * fetches and stores its precache while the page is shot (bench/README:
	 * a fifth less Chrome CPU per page on a page that has one). */
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(
		p, "source",
		cap->env->hide_webdriver
			/* A browser savepage did not launch lacks the flag (browser.c). */
			? SW_REFUSED_JS "Object.defineProperty(Navigator.prototype, 'webdriver', "
					"{ get: () => false, configurable: true });"
			: SW_REFUSED_JS);
	setup_send(cap, "Page.addScriptToEvaluateOnNewDocument", p);
}

/* "de-CH, de;q=0.9" as Chrome wants it: bare tags, it adds the q-values. */
static char *bare_language_tags(const char *accept_language)
{
	struct buf al = { 0 };
	buf_puts(&al, "");
	for (const char *q = accept_language; *q;) {
		size_t n = strcspn(q, ",");
		size_t tag = strcspn(q, ",;");
		while (tag && q[tag - 1] == ' ')
			tag--;
		const char *tg = q;
		while (*tg == ' ' && tag)
			tg++, tag--;
		if (tag) {
			if (al.len)
				buf_append(&al, ",", 1);
			buf_append(&al, tg, tag);
		}
		q += n;
		if (*q == ',')
			q++;
	}
	return (char *)al.data;
}

/* The user agent, the languages and the locale. */
static void setup_identity(struct capture *cap)
{
	const char *al = cap->r->accept_language;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "userAgent", cap->env->user_agent);
	if (al) {
		char *tags = bare_language_tags(al);
		cJSON_AddStringToObject(p, "acceptLanguage", tags);
		free(tags);
	}
	setup_send(cap, "Network.setUserAgentOverride", p);
	if (al) {
		/* navigator.language follows acceptLanguage; Intl follows the locale. */
		char loc[64];
		snprintf(loc, sizeof loc, "%.*s", (int)strcspn(al, ",;"), al);
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "locale", loc);
		/* An unknown locale is not worth failing the capture for. */
		cdp_send(cap->conn, cap->session_id, "Emulation.setLocaleOverride", p,
			 cap->timeout_ms + shoot_grace_ms(cap->env), NULL, cap);
	}
}

static bool cookie_set_for(const struct capture_shared *sh, const char *origin)
{
	for (size_t i = 0; i < sh->cookie_origins.n; i++)
		if (!strcmp(sh->cookie_origins.v[i], origin))
			return true;
	return false;
}

static void on_cookies_set(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	struct capture_shared *sh = cap->env->shared;
	char *origin = sh && !error ? url_origin(cap->url) : NULL;
	if (origin && !cookie_set_for(sh, origin))
		strlist_add(&sh->cookie_origins, origin);
	free(origin);
	on_setup_reply(ud, result, error);
}

/* --cookie: host-only cookies for the page's own origin. */
static void setup_cookies(struct capture *cap)
{
	char *origin = url_origin(cap->url);
	struct capture_shared *sh = cap->env->shared;
	if (cap->r->cookie && origin && sh && cookie_set_for(sh, origin)) {
		/* Set once per origin: after that the cookie is the session's, and
		 * the pages may change it as they would in a person's browser. */
		free(origin);
		return;
	}
	if (cap->r->cookie && origin) {
		cJSON *arr = cJSON_CreateArray();
		struct strlist names = { 0 }, values = { 0 };
		const char *why;
		int n = cookie_split(cap->r->cookie, &names, &values, &why);
		for (int i = 0; i < n; i++) {
			cJSON *ck = cJSON_CreateObject();
			cJSON_AddStringToObject(ck, "name", names.v[i]);
			cJSON_AddStringToObject(ck, "value", values.v[i]);
			/* url scopes it to this host only (a host-only cookie). */
			cJSON_AddStringToObject(ck, "url", origin);
			cJSON_AddStringToObject(ck, "path", "/");
			cJSON_AddItemToArray(arr, ck);
		}
		strlist_free(&names);
		strlist_free(&values);
		cJSON *p = cJSON_CreateObject();
		cJSON_AddItemToObject(p, "cookies", arr);
		/* In a shared session the origin counts as done once the cookie is
		 * set: a capture starting before that sends it too. */
		cap->setup_pending++;
		cdp_send(cap->conn, cap->session_id, "Network.setCookies", p,
			 cap->timeout_ms + shoot_grace_ms(cap->env), on_cookies_set, cap);
	}
	free(origin);
}

/* Fetch for this URL's requests (its patterns name the URL's host), or off
 * in a kept tab that had it for the last one. */
static void setup_fetch(struct capture *cap)
{
	cJSON *fetch = fetch_params(cap);
	if (fetch)
		setup_send(cap, "Fetch.enable", fetch);
	else if (cap->tab_fetch)
		setup_send(cap, "Fetch.disable", NULL);
	cap->tab_fetch = fetch != NULL;
}

/* A kept tab (--shared-session) has the run's set-up already: only what
 * depends on the URL is sent before it goes on to it. */
static void cap_reuse_and_navigate(struct capture *cap)
{
	cap->setup_pending = 0;
	setup_fetch(cap);
	setup_cookies(cap);
	cap->state = ST_NAVIGATE;
	if (!cap->setup_pending)
		cap_navigate(cap);
}

/* Sends the tab's set-up and the navigation in one burst: a session handles
 * its commands in order, so no round trip is spent waiting between them. */
static void cap_setup_and_navigate(struct capture *cap)
{
	const struct capture_env *o = cap->env;
	cap->setup_pending = 0;
	setup_send(cap, "Page.enable", NULL);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddBoolToObject(p, "enabled", 1);
	setup_send(cap, "Page.setLifecycleEventsEnabled", p);
	/* No Network domain (but with --click, below): its events for every
	 * request cost Chrome and us more than the one fact we need from it,
	 * the page's HTTP status, which the Navigation Timing entry gives at
	 * shot time (see cap_shoot). */
	setup_send(cap, "Inspector.enable", NULL);
	setup_fetch(cap);
	if (cap->r->click.n || o->page_facts || waits_network_idle(cap->r)) {
		/* Only here: whether a click's effects are done is whether its
		 * requests are (and networkidle's, the page's); what a report
		 * says of them. */
		cJSON *np = cJSON_CreateObject();
		setup_send(cap, "Network.enable", np);
	}
	if (o->page_facts) /* console messages and exceptions, for reports */
		setup_send(cap, "Runtime.enable", NULL);
	setup_desktop(cap);
	setup_reader(cap);
	setup_identity(cap);
	setup_cookies(cap);
	cap->state = ST_NAVIGATE;
}

static void cap_navigate(struct capture *cap)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", cap->url);
	cdp_send(cap->conn, cap->session_id, "Page.navigate", p, cap->timeout_ms + shoot_grace_ms(cap->env),
		 on_navigate, cap);
}

static void on_attached(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const char *sid = error ? NULL : json_str(result, "sessionId");
	if (!sid) {
		cap_fail(cap, RENDER_E_RENDER, true, "cannot attach to the tab: %s",
			 error ? error : "no session");
		return;
	}
	cap->session_id = xstrdup(sid);
	cap_setup_and_navigate(cap);
}

/* Takes the tab (target_id, the capture's now) and sets it up from scratch. */
static void cap_attach(struct capture *cap, char *target_id)
{
	cap->target_id = target_id;
	cap->state = ST_ATTACH;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "targetId", target_id);
	cJSON_AddBoolToObject(p, "flatten", 1);
	cdp_send(cap->conn, NULL, "Target.attachToTarget", p, cap->timeout_ms, on_attached, cap);
}

static void on_target(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const char *tid = error ? NULL : json_str(result, "targetId");
	if (!tid) {
		cap_fail(cap, RENDER_E_RENDER, true, "cannot open a tab: %s",
			 error ? error : "no target");
		return;
	}
	cap_attach(cap, xstrdup(tid));
}

static void on_context(void *ud, const cJSON *result, const char *error)
{
	struct capture *cap = ud;
	const char *id = error ? NULL : json_str(result, "browserContextId");
	if (!id) {
		cap_fail(cap, RENDER_E_RENDER, true, "cannot create a browser context: %s",
			 error ? error : "no id");
		return;
	}
	cap->context_id = xstrdup(id);
	cap->state = ST_TARGET;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", "about:blank");
	cJSON_AddStringToObject(p, "browserContextId", id);
	cdp_send(cap->conn, NULL, "Target.createTarget", p, cap->timeout_ms, on_target, cap);
}

void capture_abort(struct capture *cap, const char *why)
{
	if (cap->state != ST_STITCH)
		cap_fail(cap, RENDER_E_RENDER, true, "%s", why);
}

bool capture_is_done(const struct capture *cap)
{
	return cap->state == ST_DONE;
}

/* A page that goes on to another document by itself after its load (a
 * redirect by script, a reload) is followed: what was under way for the old
 * document is dropped, and the new one is waited for, all within the same
 * --timeout. A page that never stops moving is given up after a few. */
#define MAX_NAVIGATIONS 5

static void cap_navigated(struct capture *cap, const cJSON *params)
{
	const cJSON *frame = cJSON_GetObjectItemCaseSensitive(params, "frame");
	const char *id = json_str(frame, "id"), *loader = json_str(frame, "loaderId");
	if (!id || !loader || json_str(frame, "parentId") || !cap->target_id ||
	    strcmp(id, cap->target_id) || cap->state < ST_LOAD || !cap->loader_id ||
	    !strcmp(loader, cap->loader_id))
		return;
	if (++cap->navigations > MAX_NAVIGATIONS) {
		cap_fail(cap, RENDER_E_RENDER, false,
			 "the page went on to other pages %d times by itself; not captured",
			 MAX_NAVIGATIONS);
		return;
	}
	log_info("%s: the page went on to %s; waiting for that to load", cap->url,
		 json_str(frame, "url") ? json_str(frame, "url") : "another page");
	cdp_cancel_owner(cap->conn, cap); /* the old document's shot or script */
	loop_timer_stop(cap->delay);
	loop_timer_stop(cap->settle);
	free_tiles(cap);
	cap->tiles_total = cap->tiles_done = 0;
	cap->page_height = 0;
	cap->region = false;
	/* The new document is waited for and changed again; clicks made stay
	 * made, and the script runs once. */
	cap->shape_step = SHAPE_WAIT_SELECTOR;
	cap->after_clean = NULL;
	cap->res.http_status = 0;
	cap->res.rendered_at = 0;
	cap->snapshot_done = false;
	buf_free(&cap->res.mhtml);
	free(cap->loader_id);
	cap->loader_id = xstrdup(loader);
	cap->loaded_at = 0;
	cap->state = ST_LOAD;
}

static void add_header(cJSON *arr, const char *name, size_t n, const char *value)
{
	cJSON *e = cJSON_CreateObject();
	char *nm = xstrndup(name, n);
	cJSON_AddStringToObject(e, "name", nm);
	cJSON_AddStringToObject(e, "value", value);
	cJSON_AddItemToArray(arr, e);
	free(nm);
}

/* --noads: each request of the tab waits here for one set lookup. */
static void cap_request_paused(struct capture *cap, const cJSON *params)
{
	const char *id = json_str(params, "requestId");
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(params, "request");
	const char *url = json_str(req, "url");
	if (!id)
		return;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "requestId", id);
	bool blocked = false;
	if (url && cap->env->blocklist) {
		blocked = blocklist_blocks_url(cap->env->blocklist, url);
	} else if (url && cap->env->blocked_hosts) {
		for (size_t i = 0; !blocked && i < cap->env->blocked_hosts->n; i++)
			blocked = host_is(url, cap->env->blocked_hosts->v[i], true);
	}
	if (blocked) {
		log_debug("%s: blocked %s", cap->url, url);
		/* Kept for the collapse before the shot, which --noads runs. */
		if (cap->env->blocklist && cap->blocked_listed < BLOCKED_LISTED_MAX) {
			buf_puts(&cap->blocked_json, cap->blocked_listed ? "," : "[");
			buf_append_json_str(&cap->blocked_json, url);
			cap->blocked_listed++;
		}
		cJSON_AddStringToObject(p, "errorReason", "BlockedByClient");
		cdp_send(cap->conn, cap->session_id, "Fetch.failRequest", p, cap->timeout_ms,
			 NULL, cap);
	} else if (url && cap->r->headers.n && host_is(url, cap->host, false)) {
		/* --header: the request's own headers, ours in place of any of
		 * the same name. */
		cJSON *hs = cJSON_AddArrayToObject(p, "headers");
		const cJSON *h;
		cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(req, "headers")) {
			if (!h->string || !cJSON_IsString(h))
				continue; /* not a header: a browser's answer is not trusted */
			bool ours = false;
			for (size_t i = 0; !ours && i < cap->r->headers.n; i++) {
				const char *mine = cap->r->headers.v[i];
				size_t n = strcspn(mine, ":");
				ours = strlen(h->string) == n && !strncasecmp(h->string, mine, n);
			}
			if (!ours)
				add_header(hs, h->string, strlen(h->string), h->valuestring);
		}
		for (size_t i = 0; i < cap->r->headers.n; i++) {
			const char *mine = cap->r->headers.v[i];
			size_t n = strcspn(mine, ":");
			add_header(hs, mine, n, mine + n + 1 + strspn(mine + n + 1, " "));
		}
		cdp_send(cap->conn, cap->session_id, "Fetch.continueRequest", p, cap->timeout_ms,
			 NULL, cap);
	} else {
		cdp_send(cap->conn, cap->session_id, "Fetch.continueRequest", p, cap->timeout_ms,
			 NULL, cap);
	}
}

/* For reports: console.error() and console.assert() failures, and
 * uncaught exceptions; the first few kept, cut short. */
#define CONSOLE_KEPT 3
#define CONSOLE_MESSAGE_MAX 200
static void cap_console(struct capture *cap, const char *method, const cJSON *params)
{
	struct buf b = { 0 };
	if (!strcmp(method, "Runtime.consoleAPICalled")) {
		const char *type = json_str(params, "type");
		if (!type || (strcmp(type, "error") && strcmp(type, "assert")))
			return;
		const cJSON *a;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(params, "args")) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(a, "value");
			const char *d = cJSON_IsString(v) ? v->valuestring : json_str(a, "description");
			char num[64];
			if (!d && cJSON_IsNumber(v)) {
				snprintf(num, sizeof num, "%g", v->valuedouble);
				d = num;
			}
			if (d && b.len < 4 * CONSOLE_MESSAGE_MAX)
				buf_appendf(&b, "%s%.*s", b.len ? " " : "", 4 * CONSOLE_MESSAGE_MAX, d);
		}
	} else {
		const cJSON *ex = cJSON_GetObjectItemCaseSensitive(params, "exceptionDetails");
		const char *d = json_str(cJSON_GetObjectItemCaseSensitive(ex, "exception"), "description");
		if (!d)
			d = json_str(ex, "text");
		if (d)
			buf_appendf(&b, "%.*s", (int)strcspn(d, "\n"), d);
	}
	cap->console_errors++;
	if (cap->console.n < CONSOLE_KEPT) {
		char *q = str_quote(b.data ? (char *)b.data : "", CONSOLE_MESSAGE_MAX);
		strlist_add(&cap->console, q);
		free(q);
	}
	buf_free(&b);
}

/* --user, and a proxy's login: answered once per request, for the URL's
 * own host (any port) or the proxy; anything else, or a login refused,
 * is cancelled, and the page gets its 401 or 407. */
static void cap_auth_required(struct capture *cap, const cJSON *params)
{
	const char *id = json_str(params, "requestId");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(params, "authChallenge");
	const char *source = json_str(ch, "source"), *origin = json_str(ch, "origin");
	if (!id)
		return;
	const char *user = NULL, *password = NULL;
	bool proxy = source && !strcmp(source, "Proxy");
	if (proxy && cap->proxy_login && origin) {
		/* That proxy's own login, never another's. */
		free(cap->proxy_user);
		free(cap->proxy_password);
		cap->proxy_user = cap->proxy_password = NULL;
		if (proxy_credentials(&cap->r->proxy, origin, &cap->proxy_user, &cap->proxy_password)) {
			user = cap->proxy_user;
			password = cap->proxy_password;
		}
	} else if (!proxy && cap->r->auth_user && origin && host_is(origin, cap->host, false)) {
		user = cap->r->auth_user;
		password = cap->r->auth_password;
	}
	/* A request may meet the proxy's challenge and then the server's. */
	char *tried = xasprintf("%c%s", proxy ? 'P' : 'S', id);
	bool again = false;
	for (size_t i = 0; i < cap->auth_tried.n && !again; i++)
		again = !strcmp(cap->auth_tried.v[i], tried);
	if (user && again)
		log_debug("%s: the %s refused the login", cap->url, proxy ? "proxy" : "server");
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "requestId", id);
	cJSON *r = cJSON_AddObjectToObject(p, "authChallengeResponse");
	if (user && !again) {
		if (cap->auth_tried.n < 10000)
			strlist_add(&cap->auth_tried, tried);
		cJSON_AddStringToObject(r, "response", "ProvideCredentials");
		cJSON_AddStringToObject(r, "username", user);
		cJSON_AddStringToObject(r, "password", password ? password : "");
	} else {
		cJSON_AddStringToObject(r, "response", "CancelAuth");
	}
	free(tried);
	cdp_send(cap->conn, cap->session_id, "Fetch.continueWithAuth", p, cap->timeout_ms, NULL,
		 cap);
}

/* The page's requests in flight, by id (a redirect keeps its id), for
 * --click and networkidle. A request is in flight until its response comes;
 * after that only the data arriving for it counts as activity: a body the
 * page never reads (a fetch() whose response is not used) has no
 * loadingFinished until the page is gone. */
static void cap_network_event(struct capture *cap, const char *what, const cJSON *params)
{
	const char *id = json_str(params, "requestId");
	if (!id)
		return;
	/* For reports: every request (a redirect's each hop), and those that
	 * failed or were answered with an error status. */
	if (!strcmp(what, "requestWillBeSent")) {
		cap->requests++;
	} else if (!strcmp(what, "loadingFailed")) {
		/* Not what savepage itself refused (--noads, --nocookie's hosts). */
		const char *e = json_str(params, "errorText");
		const char *why = json_str(params, "blockedReason");
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, "canceled")) &&
		    !(why && !strcmp(why, "inspector")) && !(e && strstr(e, "ERR_BLOCKED_BY_CLIENT")))
			cap->failed_requests++;
	} else if (!strcmp(what, "responseReceived")) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(params, "response"), "status");
		if (cJSON_IsNumber(st) && st->valueint >= 400)
			cap->failed_requests++;
	} else if (!strcmp(what, "dataReceived")) {
		cap->net_activity = now_ms();
		return;
	}
	size_t i = 0;
	while (i < cap->inflight.n && strcmp(cap->inflight.v[i], id))
		i++;
	if (!strcmp(what, "requestWillBeSent")) {
		if (i == cap->inflight.n && cap->inflight.n < 10000)
			strlist_add(&cap->inflight, id);
	} else if (!strcmp(what, "responseReceived") || !strcmp(what, "loadingFinished") ||
		   !strcmp(what, "loadingFailed")) {
		if (i < cap->inflight.n)
			strlist_remove_at(&cap->inflight, i);
	} else {
		return;
	}
	cap->net_activity = now_ms();
}

void capture_on_event(struct capture *cap, const char *method, const cJSON *params)
{
	if (cap->state == ST_DONE || cap->state == ST_STITCH)
		return;
	if (!strcmp(method, "Page.lifecycleEvent")) {
		const char *name = json_str(params, "name");
		const char *frame = json_str(params, "frameId");
		const char *loader = json_str(params, "loaderId");
		int k = !name ? -1 : !strcmp(name, "load") ? LC_LOAD
				  : !strcmp(name, "DOMContentLoaded") ? LC_DCL
				  : !strcmp(name, "networkIdle") ? LC_IDLE : -1;
		if (k < 0 || !frame || !cap->target_id || strcmp(frame, cap->target_id) || !loader)
			return;
		free(cap->seen[k]);
		cap->seen[k] = xstrdup(loader);
		if (cap->state == ST_LOAD && cap->loader_id && !strcmp(loader, cap->loader_id))
			cap_check_ready(cap);
	} else if (!strcmp(method, "Page.frameNavigated")) {
		cap_navigated(cap, params);
	} else if (!strcmp(method, "Page.javascriptDialogOpening")) {
		/* alert, confirm, prompt: answered as a person who says no, at once;
		 * an open dialog would stop the page (and its load) for good. */
		const char *type = json_str(params, "type");
		cJSON *p = cJSON_CreateObject();
		/* beforeunload is let through: the page may go where it goes. */
		cJSON_AddBoolToObject(p, "accept", type && !strcmp(type, "beforeunload"));
		cdp_send(cap->conn, cap->session_id, "Page.handleJavaScriptDialog", p, cap->timeout_ms,
			 NULL, cap);
	} else if (!strncmp(method, "Network.", 8)) {
		cap_network_event(cap, method + 8, params);
	} else if (!strcmp(method, "Runtime.consoleAPICalled") ||
		   !strcmp(method, "Runtime.exceptionThrown")) {
		cap_console(cap, method, params);
	} else if (!strcmp(method, "Fetch.requestPaused")) {
		cap_request_paused(cap, params);
	} else if (!strcmp(method, "Fetch.authRequired")) {
		cap_auth_required(cap, params);
	} else if (!strcmp(method, "Inspector.targetCrashed")) {
		cap_fail(cap, RENDER_E_RENDER, true, "the page's renderer crashed");
	} else if (!strcmp(method, "Inspector.detached") ||
		   !strcmp(method, "Target.detachedFromTarget")) {
		cap_fail(cap, RENDER_E_RENDER, true, "the tab was closed");
	}
}

struct capture *capture_start(struct loop *loop, struct cdp_conn *conn, const char *url,
			      const struct capture_env *env)
{
	struct capture *cap = xcalloc(1, sizeof *cap);
	cap->conn = conn;
	cap->env = env;
	cap->r = env->r;
	cap->timeout_ms = render_timeout_ms(env->r);
	cap->url = xstrdup(url);
	cap->host = url_host(url);
	cap->started = now_ms();
	cap->state = ST_CONTEXT;
	/* Tiles of at most TILE_HEIGHT device pixels, each a whole number of
	 * them at this scale, so that they meet without a seam. */
	double sc = env->r->scale;
	cap->tile_css = (int)(TILE_HEIGHT / sc);
	for (int n = cap->tile_css; n > cap->tile_css / 2; n--) {
		if (fabs(n * sc - round(n * sc)) < 1e-6) {
			cap->tile_css = n;
			break;
		}
	}
	cap->tile_px = (int)lround(cap->tile_css * sc);
	cap->deadline = loop_timer_new(loop, on_deadline, cap);
	cap->delay = loop_timer_new(loop, on_delay_done, cap);
	cap->settle = loop_timer_new(loop, on_settle_poll, cap);
	loop_timer_start(cap->deadline, cap->timeout_ms);
	char *rules = proxy_chrome_rules(&env->r->proxy);
	if (strcmp(rules, "direct://"))
		cap->proxy_login = proxy_credentials(&env->r->proxy, NULL, &cap->proxy_user,
						     &cap->proxy_password);
	free(rules);
	struct capture_shared *sh = env->shared;
	if (!sh && env->spare_tab && *env->spare_tab) {
		/* The first tab of a fresh profile's default context: as isolated
		 * as a new context, and its renderer started with the browser. */
		log_debug("%s: in the browser's first tab", url);
		cap_attach(cap, *env->spare_tab);
		*env->spare_tab = NULL;
		return cap;
	}
	if (!sh) {
		cdp_send(conn, NULL, "Target.createBrowserContext",
			 capture_context_params(env->r), cap->timeout_ms, on_context, cap);
		return cap;
	}
	/* A kept tab, unless it is on this very document (a jump to another
	 * #fragment would not load anything): the newest first. */
	char *doc = url_without_fragment(url);
	for (size_t i = sh->nidle; i-- > 0;) {
		struct capture_tab t = sh->idle[i];
		if (t.url && !strcmp(t.url, doc))
			continue;
		sh->idle[i] = sh->idle[--sh->nidle];
		free(t.url);
		free(doc);
		if (!t.session_id) { /* the browser's first tab, not set up yet */
			cap_attach(cap, t.target_id);
			return cap;
		}
		cap->target_id = t.target_id;
		cap->session_id = t.session_id;
		cap->tab_fetch = t.fetch;
		cap->reused = true;
		log_debug("%s: in the tab of an earlier page (shared session)", url);
		cap_reuse_and_navigate(cap);
		return cap;
	}
	free(doc);
	cap->state = ST_TARGET;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "url", "about:blank");
	if (sh->context_id) /* else the default one */
		cJSON_AddStringToObject(p, "browserContextId", sh->context_id);
	cdp_send(conn, NULL, "Target.createTarget", p, cap->timeout_ms, on_target, cap);
	return cap;
}

cJSON *capture_context_params(const struct render *r)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddBoolToObject(p, "disposeOnDetach", 1);
	/* The proxy is the context's, always said (direct:// for none): for
	 * its requests only. */
	char *rules = proxy_chrome_rules(&r->proxy);
	cJSON_AddStringToObject(p, "proxyServer", rules);
	if (strcmp(rules, "direct://")) {
		char *bypass = proxy_chrome_bypass(&r->proxy);
		cJSON_AddStringToObject(p, "proxyBypassList", bypass);
		free(bypass);
	}
	free(rules);
	return p;
}

struct capture_shared *capture_shared_new(const char *context_id, size_t max_idle)
{
	struct capture_shared *sh = xcalloc(1, sizeof *sh);
	sh->context_id = context_id ? xstrdup(context_id) : NULL;
	sh->max_idle = max_idle ? max_idle : 1;
	sh->idle = xcalloc(sh->max_idle, sizeof *sh->idle);
	return sh;
}

static void close_target(struct cdp_conn *conn, const char *target_id)
{
	if (!target_id || cdp_conn_is_closed(conn))
		return;
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "targetId", target_id);
	cdp_send(conn, NULL, "Target.closeTarget", p, 5000, NULL, NULL);
}

static void tab_free(struct capture_tab *t)
{
	free(t->target_id);
	free(t->session_id);
	free(t->url);
}

/* A kept tab's session went away or its page crashed: the tab is closed
 * (when conn is open) and forgotten. */
static void capture_shared_forget(struct capture_shared *sh, struct cdp_conn *conn,
				  const char *session_id)
{
	for (size_t i = 0; sh && session_id && i < sh->nidle; i++) {
		if (sh->idle[i].session_id && !strcmp(sh->idle[i].session_id, session_id)) {
			if (conn)
				close_target(conn, sh->idle[i].target_id);
			tab_free(&sh->idle[i]);
			sh->idle[i] = sh->idle[--sh->nidle];
			return;
		}
	}
}

void capture_shared_idle_event(struct capture_shared *sh, struct cdp_conn *conn,
				const char *session_id, const char *method, const cJSON *params)
{
	if (!strcmp(method, "Target.detachedFromTarget") ||
	    !strcmp(method, "Inspector.targetCrashed")) {
		capture_shared_forget(sh, conn, session_id);
	} else if (!strcmp(method, "Page.javascriptDialogOpening")) {
		/* Answered as a person who says no, or the tab's next page
		 * would wait behind it. */
		cJSON *p = cJSON_CreateObject();
		cJSON_AddBoolToObject(p, "accept", 0);
		cdp_send(conn, session_id, "Page.handleJavaScriptDialog", p, 5000, NULL, NULL);
	} else if (!strcmp(method, "Fetch.requestPaused") ||
		   !strcmp(method, "Fetch.authRequired")) {
		/* A request of the page left behind: nothing waits for it. */
		const char *id = json_str(params, "requestId");
		if (!id)
			return;
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "requestId", id);
		if (method[6] == 'r') {
			cJSON_AddStringToObject(p, "errorReason", "Aborted");
			cdp_send(conn, session_id, "Fetch.failRequest", p, 5000, NULL, NULL);
		} else {
			cJSON *r = cJSON_AddObjectToObject(p, "authChallengeResponse");
			cJSON_AddStringToObject(r, "response", "CancelAuth");
			cdp_send(conn, session_id, "Fetch.continueWithAuth", p, 5000, NULL, NULL);
		}
	}
}

void capture_shared_free(struct capture_shared *sh, struct cdp_conn *conn)
{
	if (!sh)
		return;
	for (size_t i = 0; i < sh->nidle; i++) {
		if (conn)
			close_target(conn, sh->idle[i].target_id);
		tab_free(&sh->idle[i]);
	}
	free(sh->idle);
	free(sh->context_id);
	strlist_free(&sh->cookie_origins);
	free(sh);
}

/* A shared session keeps the tab of a capture that went well (one that
 * failed may be stuck: a dialog, a crashed renderer, a hung script). */
static bool cap_keep_tab(struct capture *cap)
{
	struct capture_shared *sh = cap->env->shared;
	if (!sh || cap->state != ST_DONE || cap->res.code != RENDER_OK || !cap->target_id ||
	    !cap->session_id || cdp_conn_is_closed(cap->conn) || sh->nidle >= sh->max_idle)
		return false;
	struct capture_tab *t = &sh->idle[sh->nidle++];
	t->target_id = cap->target_id;
	t->session_id = cap->session_id;
	/* Where it is now (a redirect, a script), not where it was sent. */
	t->url = url_without_fragment(cap->final_url ? cap->final_url : cap->url);
	t->fetch = cap->tab_fetch;
	cap->target_id = cap->session_id = NULL;
	return true;
}

const char *capture_session(const struct capture *cap)
{
	return cap->session_id;
}

struct render_result *capture_result(struct capture *cap)
{
	return &cap->res;
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	loop_timer_free(cap->deadline);
	loop_timer_free(cap->delay);
	loop_timer_free(cap->settle);
	cdp_cancel_owner(cap->conn, cap);
	if (!cap_keep_tab(cap) && !cdp_conn_is_closed(cap->conn)) {
		/* Fire and forget: the browser tidies up while we go on. */
		close_target(cap->conn, cap->target_id);
		if (cap->context_id) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "browserContextId", cap->context_id);
			cdp_send(cap->conn, NULL, "Target.disposeBrowserContext", p, 5000, NULL, NULL);
		}
	}
	free_tiles(cap);
	free(cap->res.message);
	buf_free(&cap->res.image);
	free(cap->url);
	free(cap->host);
	free(cap->proxy_user);
	free(cap->proxy_password);
	strlist_free(&cap->auth_tried);
	strlist_free(&cap->console);
	free(cap->final_url);
	free(cap->title);
	free(cap->content_type);
	free(cap->res.page_json);
	buf_free(&cap->res.mhtml);
	free(cap->context_id);
	free(cap->target_id);
	free(cap->session_id);
	free(cap->loader_id);
	for (size_t i = 0; i < ARRAY_LEN(cap->seen); i++)
		free(cap->seen[i]);
	buf_free(&cap->blocked_json);
	strlist_free(&cap->inflight);
	free(cap);
}
