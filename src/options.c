#include "config.h"

#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clean.h"
#include "devices.h"
#include "log.h"
#include "proxy.h"
#include "sink.h"
#include "urls.h"
#include "util.h"

enum opt_id {
	OPT_WIDTH = 1,
	OPT_HEIGHT,
	OPT_FULLPAGE,
	OPT_THUMB_WIDTH,
	OPT_NOCOOKIE,
	OPT_NOADS,
	OPT_BLOCKLIST,
	OPT_DELAY,
	OPT_FORMAT,
	OPT_QUALITY,
	OPT_USER_AGENT,
	OPT_ACCEPT_LANGUAGE,
	OPT_COOKIE,
	OPT_SELECTOR,
	OPT_PADDING,
	OPT_CLIP,
	OPT_WAIT_UNTIL,
	OPT_WAIT_FOR_SELECTOR,
	OPT_WAIT_FOR,
	OPT_SCALE_FACTOR,
	OPT_RETINA,
	OPT_DEVICE,
	OPT_LIST_DEVICES,
	OPT_DARK_MODE,
	OPT_REDUCED_MOTION,
	OPT_DISABLE_ANIMATIONS,
	OPT_TIMEZONE,
	OPT_BYPASS_CSP,
	OPT_OMIT_BACKGROUND,
	OPT_OUTPUT,
	OPT_NAME,
	OPT_ARCHIVE,
	OPT_REPORT,
	OPT_INPUT,
	OPT_HIDE,
	OPT_REMOVE,
	OPT_CLICK,
	OPT_STYLE,
	OPT_STYLE_FILE,
	OPT_PDF_PAPER,
	OPT_PDF_LANDSCAPE,
	OPT_MHTML,
	OPT_JAVASCRIPT,
	OPT_JS_FILE,
	OPT_HEADER,
	OPT_USER,
	OPT_AUTH_USERNAME,
	OPT_AUTH_PASSWORD,
	OPT_PROXY,
	OPT_NO_PROXY,
	OPT_JOBS,
	OPT_SHARED_SESSION,
	OPT_RETRIES,
	OPT_BROWSER_URL,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_REFRESH,
	OPT_CACHE_DIR,
	OPT_NO_CACHE,
	OPT_TIMEOUT,
	OPT_FAIL_ON_HTTP_ERROR,
	OPT_BROWSER,
	OPT_BROWSER_ARG,
	OPT_API,
	OPT_API_URL,
	OPT_KEY,
	OPT_SECRET,
	OPT_HASH,
	OPT_API_GET,
	OPT_API_INSECURE,
	OPT_MAXAGE,
	OPT_VERBOSE,
	OPT_QUIET,
	OPT_VERSION,
	OPT_HELP,
	OPT_DUMP_OPTIONS,
};

enum opt_arg {
	ARG_NONE,    /* a switch */
	ARG_INT,     /* whole number within [min, max] */
	ARG_SECONDS, /* non-negative seconds, fractions allowed, up to max */
	ARG_NUMBER,  /* a number within [min, max], fractions allowed */
	ARG_STRING,
	ARG_FORMAT,
};

struct opt_def {
	enum opt_id id;
	const char *name; /* long name; an underscore spelling is accepted too */
	char shortopt;    /* 0 if none */
	enum opt_arg arg;
	const char *metavar;
	double min, max;
	const char *group; /* --help heading, set on the first option of a group */
	const char *help;
	bool hidden;      /* not in --help or the docs */
	bool cli_only;    /* not accepted in the config file */
};

static const struct opt_def opt_table[] = {
	{ OPT_WIDTH, "width", 'W', ARG_INT, "N", 1, 16384, "Render options",
	  "viewport width in CSS pixels (default 1440)", false, false },
	{ OPT_HEIGHT, "height", 'H', ARG_INT, "N", 1, 16384, NULL,
	  "viewport height in CSS pixels (default 900)", false, false },
	{ OPT_FULLPAGE, "fullpage", 'F', ARG_NONE, NULL, 0, 0, NULL,
	  "capture the whole page, not just the viewport", false, false },
	{ OPT_FULLPAGE, "full-page", 0, ARG_NONE, NULL, 0, 0, NULL, "the same as --fullpage", false,
	  false },
	{ OPT_THUMB_WIDTH, "thumb-width", 'T', ARG_INT, "N", 1, 16384, NULL,
	  "resize the screenshot to this width, aspect kept (default: full size)", false,
	  false },
	{ OPT_NOCOOKIE, "nocookie", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "hide cookie and consent banners and undo their scroll locks", false, false },
	{ OPT_NOADS, "noads", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "block ad, tracking and analytics requests and hide empty ad boxes", false, false },
	{ OPT_BLOCKLIST, "blocklist", 0, ARG_STRING, "FILE", 0, 0, NULL,
	  "with --noads, also block what FILE lists (Adblock Plus syntax or hosts file; "
	  "repeatable; implies --noads)",
	  false, false },
	{ OPT_DELAY, "delay", 'd', ARG_SECONDS, "SECONDS", 0, 600, NULL,
	  "wait this long after the page has loaded, and after the waits below (default 0)",
	  false, false },
	{ OPT_SELECTOR, "selector", 0, ARG_STRING, "CSS", 0, 0, NULL,
	  "shoot the box around every element matching CSS, not the viewport (repeatable)",
	  false, false },
	{ OPT_PADDING, "padding", 0, ARG_INT, "PX", 0, 10000, NULL,
	  "CSS pixels around --selector's box (default 0)", false, false },
	{ OPT_CLIP, "clip", 0, ARG_STRING, "X,Y,W,H", 0, 0, NULL,
	  "shoot this rectangle of the page, in CSS pixels, not the viewport", false, false },
	{ OPT_WAIT_UNTIL, "wait-until", 0, ARG_STRING, "EVENT", 0, 0, NULL,
	  "load, domcontentloaded or networkidle (load, then no request for 500 ms): where "
	  "the shot starts from (default load)",
	  false, false },
	{ OPT_WAIT_FOR_SELECTOR, "wait-for-selector", 0, ARG_STRING, "CSS", 0, 0, NULL,
	  "then wait until an element matching CSS is visible", false, false },
	{ OPT_WAIT_FOR, "wait-for", 0, ARG_STRING, "JS", 0, 0, NULL,
	  "then wait until the JavaScript expression is true (a promise is awaited)", false,
	  false },
	{ OPT_FORMAT, "format", 'f', ARG_FORMAT, "jpeg|png|webp|pdf", 0, 0, NULL,
	  "image format, or pdf: the page printed (default: from the output file's "
	  "extension, else jpeg)",
	  false, false },
	{ OPT_QUALITY, "quality", 'q', ARG_INT, "N", 1, 100, NULL,
	  "JPEG and WebP quality 1-100 (default 80)", false, false },
	{ OPT_PDF_PAPER, "pdf-paper", 0, ARG_STRING, "SIZE", 0, 0, NULL,
	  "with -f pdf: A4, Letter or Legal (default A4)", false, false },
	{ OPT_PDF_LANDSCAPE, "pdf-landscape", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "with -f pdf: print the page in landscape", false, false },
	{ OPT_MHTML, "mhtml", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "also keep the page itself, as Chrome saves it after the shot: NAME.mhtml beside "
	  "each image",
	  false, false },
	{ OPT_USER_AGENT, "user-agent", 'A', ARG_STRING, "STRING", 0, 0, NULL,
	  "User-Agent header and navigator.userAgent (default Chrome's)", false, false },
	{ OPT_ACCEPT_LANGUAGE, "accept-language", 'L', ARG_STRING, "STRING", 0, 0, NULL,
	  "Accept-Language header and navigator.language (default Chrome's)", false, false },
	{ OPT_COOKIE, "cookie", 'b', ARG_STRING, "STRING", 0, 0, NULL,
	  "cookies 'name=value; name2=value2', sent only to the URL's host", false, false },
	{ OPT_SCALE_FACTOR, "scale-factor", 0, ARG_NUMBER, "N", 1, 4, "Emulating the reader",
	  "device pixels per CSS pixel, 1 to 4: the image is N times wider and taller "
	  "(default 1)",
	  false, false },
	{ OPT_RETINA, "retina", 0, ARG_NONE, NULL, 0, 0, NULL, "the same as --scale-factor 2",
	  false, false },
	{ OPT_DEVICE, "device", 0, ARG_STRING, "NAME", 0, 0, NULL,
	  "a phone, tablet or laptop: its viewport, scale, user agent, touch screen "
	  "(--list-devices; -W -H -A --scale-factor win)",
	  false, false },
	{ OPT_LIST_DEVICES, "list-devices", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "print the devices --device knows and exit", false, true },
	{ OPT_DARK_MODE, "dark-mode", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "the page sees prefers-color-scheme: dark", false, false },
	{ OPT_REDUCED_MOTION, "reduced-motion", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "the page sees prefers-reduced-motion: reduce", false, false },
	{ OPT_DISABLE_ANIMATIONS, "disable-animations", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "finish CSS animations and transitions, pause videos at their first frame, hide the "
	  "caret",
	  false, false },
	{ OPT_TIMEZONE, "timezone", 0, ARG_STRING, "ZONE", 0, 0, NULL,
	  "the page's time zone, an IANA name such as Europe/Berlin (default: the system's)",
	  false, false },
	{ OPT_BYPASS_CSP, "bypass-csp", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "ignore the page's Content-Security-Policy", false, false },
	{ OPT_OMIT_BACKGROUND, "omit-background", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "transparent where the page sets no background (PNG only)", false, false },
	{ OPT_HIDE, "hide", 0, ARG_STRING, "CSS", 0, 0, "Changing the page (after load, in this order)",
	  "make what the selector matches invisible, its space kept (repeatable)", false, false },
	{ OPT_REMOVE, "remove", 0, ARG_STRING, "CSS", 0, 0, NULL,
	  "take what the selector matches out of the page (display: none; repeatable)", false,
	  false },
	{ OPT_CLICK, "click", 0, ARG_STRING, "CSS", 0, 0, NULL,
	  "click the first element the selector matches, then wait for the page to settle "
	  "(repeatable, in order)",
	  false, false },
	{ OPT_STYLE, "style", 0, ARG_STRING, "CSS", 0, 0, NULL,
	  "add this style sheet to the page (repeatable)", false, false },
	{ OPT_STYLE_FILE, "style-file", 0, ARG_STRING, "FILE", 0, 0, NULL,
	  "add the style sheet in FILE (repeatable)", false, false },
	{ OPT_JAVASCRIPT, "javascript", 0, ARG_STRING, "JS", 0, 0, NULL,
	  "run this script in the page; a promise it returns is awaited, an error fails the URL",
	  false, false },
	{ OPT_JS_FILE, "js-file", 0, ARG_STRING, "FILE", 0, 0, NULL,
	  "run the script in FILE, as --javascript", false, false },
	{ OPT_HEADER, "header", 0, ARG_STRING, "'NAME: VALUE'", 0, 0, "The network",
	  "send this header with the requests to the URL's own host (repeatable)", false,
	  false },
	{ OPT_USER, "user", 0, ARG_STRING, "USER:PASSWORD", 0, 0, NULL,
	  "log in to the URL's own host when it asks (HTTP basic or digest)", false, false },
	{ OPT_AUTH_USERNAME, "auth-username", 0, ARG_STRING, "USER", 0, 0, NULL,
	  "the user name of --user", false, false },
	{ OPT_AUTH_PASSWORD, "auth-password", 0, ARG_STRING, "PASSWORD", 0, 0, NULL,
	  "the password of --user", false, false },
	{ OPT_PROXY, "proxy", 0, ARG_STRING, "URL", 0, 0, NULL,
	  "send the requests through this proxy: http://, https:// or socks5://, "
	  "[user:password@]host[:port] ('' none; default: http_proxy, https_proxy, "
	  "all_proxy)",
	  false, false },
	{ OPT_NO_PROXY, "no-proxy", 0, ARG_STRING, "LIST", 0, 0, NULL,
	  "hosts (and their subdomains) reached directly, comma-separated; '*' all "
	  "(default: no_proxy)",
	  false, false },
	{ OPT_INPUT, "input", 'i', ARG_STRING, "FILE", 0, 0, "Input",
	  "read URLs from FILE, one per line ('-' standard input; repeatable)", false, true },
	{ OPT_OUTPUT, "output", 'o', ARG_STRING, "PATH", 0, 0, "Output",
	  "one URL: the image file ('-' standard output); several: a directory "
	  "(default: standard output when it is not a terminal, else the current directory)",
	  false, true },
	{ OPT_NAME, "name", 'n', ARG_STRING, "TEMPLATE", 0, 0, NULL,
	  "file names in the directory or archive; fields {host} {path} {hash} {n} {w} {h} "
	  "{ext} (default {host}{path}-{hash}.{ext})",
	  false, false },
	{ OPT_ARCHIVE, "archive", 'a', ARG_STRING, "FILE", 0, 0, NULL,
	  "write every image into one archive: .tar, .tar.gz, .tgz, .tar.zst or .zip by "
	  "extension; '-' a tar on standard output",
	  false, true },
	{ OPT_REPORT, "report", 0, ARG_STRING, "FILE", 0, 0, NULL,
	  "JSON lines, one per URL as it finishes ('-' standard output)", false, true },
	{ OPT_JOBS, "jobs", 'j', ARG_INT, "N", 1, 64, "Work",
	  "parallel workers: tabs per browser (default: 3 per core, 1.5 with "
	  "--shared-session, 2 to 16)", false, false },
	{ OPT_SHARED_SESSION, "shared-session", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "one browser session for the whole run: cookies, storage and cache carry from page "
	  "to page (for one site or a login; default: each URL isolated)",
	  false, false },
	{ OPT_TIMEOUT, "timeout", 0, ARG_SECONDS, "SECONDS", 0.1, 86400, NULL,
	  "limit for load + delay + capture of a URL (default 30)", false, false },
	{ OPT_RETRIES, "retries", 0, ARG_INT, "N", 0, 10, NULL,
	  "retries of a URL after a transient failure (default 1)", false, false },
	{ OPT_FAIL_ON_HTTP_ERROR, "fail-on-http-error", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "treat a page answering HTTP 4xx/5xx as a failure (default: capture it, warn)",
	  false, false },
	{ OPT_BROWSER, "browser", 0, ARG_STRING, "PATH", 0, 0, NULL,
	  "the Chrome/Chromium binary (default: chromium-headless-shell, chromium, "
	  "google-chrome, ... on PATH)",
	  false, false },
	{ OPT_BROWSER_ARG, "browser-arg", 0, ARG_STRING, "ARG", 0, 0, NULL,
	  "extra command-line flag for the launched browser (repeatable)", false, false },
	{ OPT_BROWSER_URL, "browser-url", 0, ARG_STRING, "URL", 0, 0, NULL,
	  "use a running browser (ws://HOST:PORT/devtools/browser/ID or http://HOST:PORT) "
	  "instead of launching one; repeatable: URLs are spread over all",
	  false, false },
	{ OPT_REFRESH, "refresh", 'r', ARG_INT, "SECONDS", -1, 2000000000, "Cache",
	  "re-render a cached image older than this; -1 re-renders now (default 86400)", false,
	  false },
	{ OPT_CACHE_DIR, "cache-dir", 0, ARG_STRING, "DIR", 0, 0, NULL,
	  "the cache (default $XDG_CACHE_HOME/savepage, else ~/.cache/savepage)", false, false },
	{ OPT_NO_CACHE, "no-cache", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "neither read nor write the cache", false, false },
	{ OPT_API, "api", 0, ARG_NONE, NULL, 0, 0, "Hosted API",
	  "render through the hosted SavePage API instead of a local browser", false, false },
	{ OPT_API_URL, "api-url", 0, ARG_STRING, "URL", 0, 0, NULL,
	  "the API endpoint (also SAVEPAGE_API_URL)", false, false },
	{ OPT_KEY, "key", 0, ARG_STRING, "KEY", 0, 0, NULL,
	  "API key (prefer SAVEPAGE_KEY or the config file)", false, false },
	{ OPT_SECRET, "secret", 0, ARG_STRING, "SECRET", 0, 0, NULL,
	  "API secret: hash = md5(URL + secret) per URL (prefer SAVEPAGE_SECRET)", false,
	  false },
	{ OPT_HASH, "hash", 0, ARG_STRING, "HEX", 0, 0, NULL,
	  "a precomputed hash to send instead (32 hex digits)", false, false },
	{ OPT_API_GET, "api-get", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "send GET requests instead of POST (no --cookie then)", false, false },
	{ OPT_API_INSECURE, "api-insecure", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "do not check the API's TLS certificate (dangerous)", false, false },
	{ OPT_MAXAGE, "maxage", 0, ARG_INT, "SECONDS", 0, 315360000, NULL,
	  "Cache-Control max-age the API gives the image (default 2629746)", false, false },
	{ OPT_VERBOSE, "verbose", 'v', ARG_NONE, NULL, 0, 0, "General",
	  "say more (repeatable)", false, false },
	{ OPT_QUIET, "quiet", 's', ARG_NONE, NULL, 0, 0, NULL, "print nothing but errors", false,
	  false },
	{ OPT_PROGRESS, "progress", 0, ARG_NONE, NULL, 0, 0, NULL,
	  "show a progress line on standard error (default: when it is a terminal)", false,
	  false },
	{ OPT_NO_PROGRESS, "no-progress", 0, ARG_NONE, NULL, 0, 0, NULL, "never show progress",
	  false, false },
	{ OPT_VERSION, "version", 'V', ARG_NONE, NULL, 0, 0, NULL, "print the version and exit",
	  false, true },
	{ OPT_HELP, "help", 'h', ARG_NONE, NULL, 0, 0, NULL, "print this help and exit", false,
	  true },
	{ OPT_DUMP_OPTIONS, "dump-options", 0, ARG_NONE, NULL, 0, 0, NULL, NULL, true, true },
};

void settings_init(struct settings *s)
{
	memset(s, 0, sizeof *s);
	render_init(&s->render);
	s->retries = 1;
	s->progress = -1;
}

void settings_free(struct settings *s)
{
	render_free(&s->render);
	free(s->output);
	free(s->name);
	free(s->archive);
	free(s->report);
	free(s->browser);
	free(s->cache_dir);
	free(s->api_url);
	free(s->key);
	free(s->secret);
	free(s->hash);
	strlist_free(&s->browser_args);
	strlist_free(&s->browser_urls);
	strlist_free(&s->urls);
	strlist_free(&s->inputs);
}

/* v NULL: unset. */
static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

/* Only blanks (an empty selector or expression). */
static bool blank(const char *v)
{
	return v[strspn(v, " \t\r\n")] == '\0';
}

/* v after what *dst holds, sep between them (repeated --style, files). */
static void append_str(char **dst, const char *sep, const char *v)
{
	char *all = *dst ? xasprintf("%s%s%s", *dst, sep, v) : xstrdup(v);
	free(*dst);
	*dst = all;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
		 !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

/* Applies one option with its value (NULL for a switch given as a flag).
 * Touches nothing but s: no files, no messages. NULL, or what is wrong
 * (caller frees). */
/* A flag's value, read by its type. */
struct opt_value {
	long n;
	double secs;
	bool on;
	enum image_format fmt;
};

/* "--NAME: 'VALUE' WHAT" with the value escaped and cut short: a message
 * never carries raw bytes or a whole file's worth of them. */
static char *refuse(const struct opt_def *d, const char *v, const char *what)
{
	char *q = str_quote(v, QUOTE_MAX);
	char *m = xasprintf("--%s: '%s' %s", d->name, q, what);
	free(q);
	return m;
}

/* Reads v as d's type into out. NULL, or what is wrong (caller frees). */
static char *opt_value(const struct opt_def *d, const char *v, struct opt_value *out)
{
	char *end, what[96];
	*out = (struct opt_value){ 0, 0, true, IMAGE_JPEG };
	switch (d->arg) {
	case ARG_NONE:
		if (v && parse_bool(v, &out->on) < 0)
			return refuse(d, v, "is not true or false");
		break;
	case ARG_INT:
		errno = 0;
		out->n = strtol(v, &end, 10);
		if (errno || end == v || *end || out->n < (long)d->min || out->n > (long)d->max) {
			snprintf(what, sizeof what, "is not a whole number from %.0f to %.0f", d->min,
				 d->max);
			return refuse(d, v, what);
		}
		break;
	case ARG_SECONDS:
		errno = 0;
		out->secs = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(out->secs) || out->secs < d->min ||
		    out->secs > d->max) {
			snprintf(what, sizeof what, "is not a number of seconds from %g to %g", d->min,
				 d->max);
			return refuse(d, v, what);
		}
		break;
	case ARG_NUMBER:
		errno = 0;
		out->secs = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(out->secs) || out->secs < d->min ||
		    out->secs > d->max) {
			snprintf(what, sizeof what, "is not a number from %g to %g", d->min, d->max);
			return refuse(d, v, what);
		}
		break;
	case ARG_FORMAT:
		if (image_format_parse(v, &out->fmt) < 0)
			return refuse(d, v, "is not jpeg, png, webp or pdf");
		break;
	case ARG_STRING:
		break;
	}
	return NULL;
}

/* An IANA time zone name: its file in the system's zoneinfo when there is
 * one (tzdata), else its spelling (Chrome checks the name itself then). */
static bool timezone_valid(const char *v)
{
	size_t n = strlen(v);
	if (!n || n > 64 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789_+-/") != n ||
	    v[0] == '/' || v[0] == '-' || strstr(v, "..") || strstr(v, "//"))
		return false;
	const char *dir = getenv("TZDIR");
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	struct stat st;
	if (stat(dir, &st) < 0)
		return true;
	char *path = xasprintf("%s/%s", dir, v);
	bool ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
	free(path);
	/* The zoneinfo files that are not zones. */
	return ok && strcmp(v, "zone.tab") && strcmp(v, "zone1970.tab") && strcmp(v, "iso3166.tab") &&
	       strcmp(v, "leapseconds") && strcmp(v, "tzdata.zi") && strncmp(v, "posix", 5) &&
	       strncmp(v, "right", 5) && strcmp(v, "leap-seconds.list") && strcmp(v, "SECURITY");
}

/* What is wrong with a --cookie string, or NULL. Caller frees. */
static char *cookie_invalid(const char *v)
{
	struct strlist names = { 0 }, values = { 0 };
	const char *bad = NULL;
	int rc = cookie_split(v, &names, &values, &bad);
	strlist_free(&names);
	strlist_free(&values);
	if (rc >= 0)
		return NULL;
	char *q = str_quote(v, QUOTE_MAX);
	char *m = xasprintf("--cookie: '%s': %s", q, bad);
	free(q);
	return m;
}

static void str_lower(char *p)
{
	for (; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* Issue 12's options: what is shot, the waits, the emulated reader and
 * the changes to the page (the rest of opt_apply's switch). */
static char *apply_page_option(struct settings *s, const struct opt_def *d, const char *v,
			       const struct opt_value *val, int level)
{
	struct render *r = &s->render;
	long n = val->n;
	double secs = val->secs;
	bool on = val->on;
	switch (d->id) {
	case OPT_SELECTOR:
		if (blank(v))
			return xstrdup("--selector: the selector is empty");
		strlist_add(&r->selector, v);
		break;
	case OPT_PADDING: r->padding = (int)n; break;
	case OPT_CLIP: {
		long c[4];
		char *end;
		int k = 0;
		const char *q = v;
		for (; k < 4; k++) {
			errno = 0;
			c[k] = strtol(q, &end, 10);
			if (errno || end == q || (k < 3 && *end != ',') || (k == 3 && *end))
				break;
			q = end + 1;
		}
		if (k < 4 || c[0] < 0 || c[1] < 0 || c[0] > 1000000 || c[1] > 10000000 || c[2] < 1 ||
		    c[2] > 16384 || c[3] < 1 || c[3] > IMAGE_MAX_DIM)
			return refuse(d, v, "is not X,Y,W,H in CSS pixels (X and Y from 0, W 1 to 16384, "
					    "H 1 to 65500)");
		set_str(&r->clip, v);
		r->clip_x = (int)c[0], r->clip_y = (int)c[1], r->clip_w = (int)c[2], r->clip_h = (int)c[3];
		break;
	}
	case OPT_WAIT_UNTIL:
		if (strcmp(v, "load") && strcmp(v, "domcontentloaded") && strcmp(v, "networkidle"))
			return refuse(d, v, "is not load, domcontentloaded or networkidle");
		set_str(&r->wait_until, v);
		break;
	case OPT_WAIT_FOR_SELECTOR:
	case OPT_WAIT_FOR:
		if (blank(v))
			return xasprintf("--%s: the %s is empty", d->name,
					 d->id == OPT_WAIT_FOR ? "expression" : "selector");
		set_str(d->id == OPT_WAIT_FOR ? &r->wait_for : &r->wait_for_selector, v);
		break;
	case OPT_SCALE_FACTOR:
		/* To a thousandth: tiles of a tall page need whole pixels. */
		r->scale = round(secs * 1000) / 1000;
		s->scale_set = level;
		break;
	case OPT_RETINA:
		if (on) {
			r->scale = 2;
			s->scale_set = level;
		}
		break;
	case OPT_DEVICE:
		if (blank(v))
			return xstrdup("--device: the name is empty");
		set_str(&r->device, v);
		s->device_set = level;
		break;
	case OPT_LIST_DEVICES: break;
	case OPT_DARK_MODE: r->dark_mode = on; break;
	case OPT_REDUCED_MOTION: r->reduced_motion = on; break;
	case OPT_DISABLE_ANIMATIONS: r->disable_animations = on; break;
	case OPT_TIMEZONE:
		if (!timezone_valid(v))
			return refuse(d, v, "is not a time zone (an IANA name such as Europe/Berlin)");
		set_str(&r->timezone, v);
		break;
	case OPT_BYPASS_CSP: r->bypass_csp = on; break;
	case OPT_OMIT_BACKGROUND: r->omit_background = on; break;
	case OPT_PDF_PAPER: {
		static const char *const papers[] = { "A4", "Letter", "Legal" };
		size_t i = 0;
		while (i < ARRAY_LEN(papers) && strcasecmp(v, papers[i]))
			i++;
		if (i == ARRAY_LEN(papers))
			return refuse(d, v, "is not A4, Letter or Legal");
		/* A4 is the default: not set, so that it keys the cache alike. */
		set_str(&r->pdf_paper, i ? papers[i] : NULL);
		s->pdf_paper_set = true;
		break;
	}
	case OPT_PDF_LANDSCAPE: r->pdf_landscape = on; break;
	case OPT_MHTML: r->mhtml = on; break;
	case OPT_HIDE:
	case OPT_REMOVE:
	case OPT_CLICK:
		if (blank(v))
			return xasprintf("--%s: the selector is empty", d->name);
		strlist_add(d->id == OPT_HIDE ? &r->hide : d->id == OPT_REMOVE ? &r->remove : &r->click, v);
		break;
	case OPT_STYLE: append_str(&r->style, "\n", v); break;
	case OPT_STYLE_FILE: strlist_add(&r->style_files, v); break;
	case OPT_JAVASCRIPT: append_str(&r->javascript, ";\n", v); break; /* in turn */
	case OPT_JS_FILE: strlist_add(&r->js_files, v); break;
	default:
		break;
	}
	return NULL;
}

/* What is wrong with a --header, or NULL (caller frees); never its value,
 * which may be a token. */
static char *header_invalid(const char *v)
{
	static const struct {
		const char *name, *why;
	} owned[] = {
		{ "host", "the URL's own" },
		{ "cookie", "set with --cookie (-b)" },
		{ "user-agent", "set with --user-agent (-A)" },
		{ "accept-language", "set with --accept-language (-L)" },
		{ "proxy-authorization", "set with --proxy user:password@host" },
		{ "content-length", "the browser's own" },
		{ "connection", "the browser's own" },
		{ "transfer-encoding", "the browser's own" },
	};
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : 0;
	/* A name is an HTTP token. */
	if (!n || n > 100 ||
	    strspn(v, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n)
		return xstrdup("--header: not 'Name: value' (a name of letters, digits and "
			       "-, then a colon)");
	for (const char *c = colon + 1; *c; c++)
		if ((unsigned char)*c < ' ' && *c != '\t')
			return xasprintf("--header %.*s: the value holds a control character", (int)n,
					 v);
	for (size_t i = 0; i < ARRAY_LEN(owned); i++)
		if (strlen(owned[i].name) == n && !strncasecmp(v, owned[i].name, n))
			return xasprintf("--header %.*s: refused; it is %s", (int)n, v, owned[i].why);
	return NULL;
}

/* Issue 13's network options: headers, the login and the proxy. */
static char *apply_network_option(struct settings *s, const struct opt_def *d, const char *v)
{
	struct render *r = &s->render;
	switch (d->id) {
	case OPT_HEADER: {
		char *why = header_invalid(v);
		if (why)
			return why;
		/* "Name:value" and "Name:  value" alike: "Name: value". */
		const char *colon = strchr(v, ':'), *val = colon + 1;
		val += strspn(val, " \t");
		char *h = xasprintf("%.*s: %s", (int)(colon - v), v, val);
		str_trim(h);
		strlist_add(&r->headers, h);
		free(h);
		break;
	}
	case OPT_USER: {
		const char *colon = strchr(v, ':');
		if (!colon || colon == v)
			return xstrdup("--user: not USER:PASSWORD");
		free(r->auth_user);
		r->auth_user = xstrndup(v, (size_t)(colon - v));
		set_str(&r->auth_password, colon + 1);
		break;
	}
	case OPT_AUTH_USERNAME:
		if (!*v || strchr(v, ':'))
			return xstrdup("--auth-username: empty, or holds a colon");
		set_str(&r->auth_user, v);
		break;
	case OPT_AUTH_PASSWORD: set_str(&r->auth_password, v); break;
	case OPT_PROXY: {
		struct proxy p;
		const char *why;
		if (*v && proxy_parse(v, &p, &why) < 0) {
			char *shown = proxy_redact(v), *q = str_quote(shown, QUOTE_MAX);
			char *m = xasprintf("--proxy: '%s' %s", q, why);
			free(shown);
			free(q);
			return m;
		}
		if (*v)
			proxy_free(&p);
		set_str(&r->proxy.http, *v ? v : NULL);
		set_str(&r->proxy.https, *v ? v : NULL);
		s->proxy_set = true;
		break;
	}
	case OPT_NO_PROXY:
		set_str(&r->proxy.no_proxy, *v ? v : NULL);
		s->no_proxy_set = true;
		break;
	default:
		break;
	}
	return NULL;
}

/* The proxy settings from the environment, as curl reads them, unless the
 * flags gave them. NULL, or what is wrong (caller frees). */
static char *proxy_from_environment(struct settings *s)
{
	struct proxy_conf *c = &s->render.proxy;
	if (!s->no_proxy_set) {
		const char *np = getenv("no_proxy");
		if (!np || !*np)
			np = getenv("NO_PROXY");
		set_str(&c->no_proxy, np && *np ? np : NULL);
	}
	if (s->proxy_set)
		return NULL;
	/* As curl: lower case http_proxy only (HTTP_PROXY may come from a
	 * CGI request's Proxy: header); either case for the others. */
	static const char *const names[][2] = { { "http_proxy", NULL },
						{ "https_proxy", "HTTPS_PROXY" },
						{ "all_proxy", "ALL_PROXY" } };
	const char *val[3] = { 0 }, *from[3] = { 0 };
	for (int i = 0; i < 3; i++) {
		for (int k = 0; k < 2 && names[i][k] && !val[i]; k++) {
			const char *e = getenv(names[i][k]);
			if (e && *e) {
				val[i] = e;
				from[i] = names[i][k];
			}
		}
		struct proxy p;
		const char *why;
		if (val[i] && proxy_parse(val[i], &p, &why) < 0) {
			char *shown = proxy_redact(val[i]), *q = str_quote(shown, QUOTE_MAX);
			char *m = xasprintf("%s: '%s' %s", from[i], q, why);
			free(shown);
			free(q);
			return m;
		}
		if (val[i])
			proxy_free(&p);
	}
	set_str(&c->http, val[0] ? val[0] : val[2]);
	set_str(&c->https, val[1] ? val[1] : val[2]);
	return NULL;
}

/* Whether apply_page_option() sets it. */
static bool page_option(enum opt_id id)
{
	switch (id) {
	case OPT_SELECTOR: case OPT_PADDING: case OPT_CLIP: case OPT_WAIT_UNTIL:
	case OPT_WAIT_FOR_SELECTOR: case OPT_WAIT_FOR: case OPT_SCALE_FACTOR: case OPT_RETINA:
	case OPT_DEVICE: case OPT_LIST_DEVICES: case OPT_DARK_MODE: case OPT_REDUCED_MOTION:
	case OPT_DISABLE_ANIMATIONS: case OPT_TIMEZONE: case OPT_BYPASS_CSP:
	case OPT_OMIT_BACKGROUND: case OPT_PDF_PAPER: case OPT_PDF_LANDSCAPE: case OPT_MHTML:
	case OPT_HIDE: case OPT_REMOVE: case OPT_CLICK: case OPT_STYLE: case OPT_STYLE_FILE:
	case OPT_JAVASCRIPT: case OPT_JS_FILE:
		return true;
	default:
		return false;
	}
}

static char *opt_apply(struct settings *s, const struct opt_def *d, const char *v, bool from_config)
{
	struct opt_value val;
	char *why = opt_value(d, v, &val);
	if (why)
		return why;
	long n = val.n;
	double secs = val.secs;
	bool on = val.on;
	enum image_format fmt = val.fmt;
	struct render *r = &s->render;
	int level = from_config ? 1 : 2;

	switch (d->id) {
	case OPT_WIDTH: r->width = (int)n; s->width_set = level; break;
	case OPT_HEIGHT: r->height = (int)n; s->height_set = level; break;
	case OPT_FULLPAGE: r->fullpage = on; break;
	case OPT_THUMB_WIDTH: r->thumb_width = (int)n; break;
	case OPT_NOCOOKIE: r->nocookie = on; break;
	case OPT_NOADS: r->noads = on; break;
	case OPT_BLOCKLIST: /* read (and checked) before the run: options_check() */
		strlist_add(&r->blocklists, v);
		r->noads = true;
		break;
	case OPT_REFRESH: r->refresh = n; r->refresh_given = true; break;
	case OPT_CACHE_DIR: set_str(&s->cache_dir, v); break;
	case OPT_NO_CACHE: s->no_cache = on; break;
	case OPT_DELAY: r->delay = secs; break;
	case OPT_FORMAT: r->format = fmt; s->format_set = true; break;
	case OPT_QUALITY: r->quality = (int)n; break;
	case OPT_USER_AGENT: set_str(&r->user_agent, v); s->user_agent_set = level; break;
	case OPT_ACCEPT_LANGUAGE: set_str(&r->accept_language, v); break;
	case OPT_COOKIE:
		if ((why = cookie_invalid(v)))
			return why;
		set_str(&r->cookie, v);
		break;
	case OPT_HEADER:
	case OPT_USER:
	case OPT_AUTH_USERNAME:
	case OPT_AUTH_PASSWORD:
	case OPT_PROXY:
	case OPT_NO_PROXY:
		return apply_network_option(s, d, v);
	default:
		/* The page's options (issue 12's and the outputs): their own
		 * function; anything else is a flag this switch forgot. */
		if (page_option(d->id))
			return apply_page_option(s, d, v, &val, level);
		return xasprintf("--%s: not handled (a bug in savepage)", d->name);
	case OPT_OUTPUT: set_str(&s->output, v); break;
	case OPT_NAME:
		if (!*v)
			return xstrdup("--name: the template is empty");
		set_str(&s->name, v);
		break;
	case OPT_ARCHIVE: set_str(&s->archive, v); break;
	case OPT_REPORT: set_str(&s->report, v); break;
	case OPT_INPUT: strlist_add(&s->inputs, v); break;
	case OPT_JOBS: s->jobs = (int)n; break;
	case OPT_SHARED_SESSION: s->render.shared_session = on; break;
	case OPT_RETRIES: s->retries = (int)n; break;
	case OPT_BROWSER_URL:
		if (strncmp(v, "ws://", 5) && strncmp(v, "http://", 7))
			return refuse(d, v, "is not a ws:// or http:// address");
		strlist_add(&s->browser_urls, v);
		break;
	case OPT_PROGRESS: s->progress = on ? 1 : 0; break;
	case OPT_NO_PROGRESS: s->progress = on ? 0 : 1; break;
	case OPT_TIMEOUT: r->timeout = secs; break;
	case OPT_FAIL_ON_HTTP_ERROR: r->fail_on_http_error = on; break;
	case OPT_BROWSER: set_str(&s->browser, v); break;
	case OPT_BROWSER_ARG: strlist_add(&s->browser_args, v); break;
	case OPT_API: s->api = on; break;
	case OPT_API_URL:
		if (strncmp(v, "https://", 8) && strncmp(v, "http://", 7))
			return refuse(d, v, "is not an http:// or https:// address");
		set_str(&s->api_url, v);
		break;
	case OPT_KEY:
	case OPT_SECRET:
		set_str(d->id == OPT_KEY ? &s->key : &s->secret, v);
		if (from_config)
			s->secrets_in_config = true;
		break;
	case OPT_HASH:
		if (strlen(v) != 32 || strspn(v, "0123456789abcdefABCDEF") != 32)
			return xstrdup("--hash: not 32 hexadecimal digits (an md5)");
		set_str(&s->hash, v);
		str_lower(s->hash);
		break;
	case OPT_API_GET: s->api_get = on; break;
	case OPT_API_INSECURE: s->api_insecure = on; break;
	case OPT_MAXAGE: r->maxage = n; break;
	case OPT_VERBOSE: /* -v counts; "verbose = yes" in the config sets one */
		s->verbose = v ? on : s->verbose + 1;
		s->quiet = s->quiet && !s->verbose;
		break;
	case OPT_QUIET:
		s->quiet = on;
		s->verbose = on ? 0 : s->verbose;
		break;
	case OPT_VERSION:
	case OPT_HELP:
	case OPT_DUMP_OPTIONS:
		break;
	}
	return NULL;
}

/* Finds an option by long name, accepting '_' for '-'. */
static const struct opt_def *opt_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(opt_table); i++) {
		const char *n = opt_table[i].name;
		if (strlen(n) != len)
			continue;
		size_t k = 0;
		for (; k < len; k++) {
			char c = name[k] == '_' ? '-' : name[k];
			if (c != n[k])
				break;
		}
		if (k == len)
			return &opt_table[i];
	}
	return NULL;
}

char *options_api_param(struct settings *s, const char *name, const char *value)
{
	/* The API's parameters are the render's RF_API fields (render.c),
	 * each set by the flag of the same name. */
	const struct opt_def *d = render_api_field(name) ? opt_find(name, strlen(name)) : NULL;
	if (!d) {
		char *q = str_quote(name, QUOTE_MAX);
		char *m = xasprintf("'%s' is not a parameter of the API", q);
		free(q);
		return m;
	}
	char *why = NULL;
	if (d->id == OPT_FORMAT && strcmp(value, "jpeg") && strcmp(value, "png")) {
		char *q = str_quote(value, QUOTE_MAX);
		why = xasprintf("--format: '%s' is not jpeg or png", q);
		free(q);
	} else {
		why = opt_apply(s, d, value, false);
	}
	if (why && !strncmp(why, "--", 2)) {
		/* The parameter's own spelling, not the flag's. */
		size_t n = strcspn(why + 2, ":");
		char *m = xasprintf("%s%s", name, why + 2 + n);
		free(why);
		why = m;
	}
	return why;
}

char *options_config_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "savepage/config");
}

/* name = value lines with long option names; '#' starts a comment line. */
int options_config_text(struct settings *s, const char *source, const char *text, size_t len)
{
	int rc = 0, lineno = 0;
	for (size_t at = 0; rc == 0 && at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
		char *line = xstrndup(text + at, n);
		at += n + (nl ? 1 : 0);
		lineno++;
		char *why = NULL;
		char *t = str_trim(line);
		if (strlen(line) != n) {
			/* Not text: nothing after the NUL byte may be quietly dropped. */
			why = xstrdup("holds a NUL byte: not a text file");
		} else if (*t && *t != '#') {
			char *eq = strchr(t, '=');
			char *name = t, *value = NULL;
			if (eq) {
				*eq = '\0';
				value = str_trim(eq + 1);
				name = str_trim(t);
			}
			const struct opt_def *d = opt_find(name, strlen(name));
			if (!d || d->cli_only) {
				char *q = str_quote(name, QUOTE_MAX);
				why = xasprintf("'%s' is not an option the config file can set", q);
				free(q);
			} else if (d->arg != ARG_NONE && !value) {
				why = xasprintf("%s needs '= value'", d->name);
			} else {
				why = opt_apply(s, d, value, true);
			}
		}
		free(line);
		if (why) {
			char *q = str_quote(source, QUOTE_MAX);
			log_err("%s: line %d: %s", q, lineno, why);
			free(q);
			free(why);
			rc = -1;
		}
	}
	return rc;
}

static int config_load(struct settings *s, const char *path)
{
	struct buf b = { 0 };
	if (read_file(path, &b) < 0) {
		buf_free(&b);
		if (errno == ENOENT)
			return 0;
		log_err("%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = options_config_text(s, path, (const char *)b.data, b.len);
	buf_free(&b);
	return rc;
}

void options_help(FILE *f)
{
	fprintf(f, "Usage: savepage [OPTION]... URL...\n"
		   "       savepage [OPTION]... -i FILE\n"
		   "Take screenshots of web pages with headless Chrome.\n"
		   "A bare host (example.com) means https://example.com/.\n");
	for (size_t i = 0; i < ARRAY_LEN(opt_table); i++) {
		const struct opt_def *d = &opt_table[i];
		if (d->hidden)
			continue;
		if (d->group)
			fprintf(f, "\n%s:\n", d->group);
		char lhs[64];
		snprintf(lhs, sizeof lhs, "%c%c%c --%s%s%s", d->shortopt ? '-' : ' ',
			 d->shortopt ? d->shortopt : ' ', d->shortopt ? ',' : ' ', d->name,
			 d->metavar ? " " : "", d->metavar ? d->metavar : "");
		if (strlen(lhs) > 28)
			fprintf(f, "  %s\n  %-28s  %s\n", lhs, "", d->help);
		else
			fprintf(f, "  %-28s  %s\n", lhs, d->help);
	}
	fprintf(f, "\nOptions with a dash also take their API spelling (--user_agent).\n"
		   "Settings can also live in $XDG_CONFIG_HOME/savepage/config as\n"
		   "'name = value' lines.\n"
		   "\nExit status: 0 all captured, 1 some URL failed, 2 usage error,\n"
		   "3 no browser could be used, 130 interrupted.\n");
}

void options_dump(FILE *f)
{
	for (size_t i = 0; i < ARRAY_LEN(opt_table); i++) {
		const struct opt_def *d = &opt_table[i];
		if (d->hidden)
			continue;
		fprintf(f, "%s %c %s\n", d->name, d->shortopt ? d->shortopt : '-',
			d->metavar ? d->metavar : "-");
	}
}

int options_read_config(struct settings *s)
{
	if (getenv("SAVEPAGE_NO_CONFIG"))
		return 0;
	char *path = options_config_path();
	int rc = path ? config_load(s, path) : 0;
	struct stat st;
	/* The API key and secret are passwords: say so when others can read them. */
	if (rc == 0 && s->secrets_in_config && stat(path, &st) == 0 &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)))
		log_warn("%s holds the API key or secret and other users can read it; "
			 "run: chmod 600 %s",
			 path, path);
	free(path);
	return rc;
}

/* The devices file, or NULL with *err. */
static int load_devices(struct devices *d, char **err)
{
	char *path = clean_data_path("devices.txt");
	int rc = devices_load(path, d, err);
	free(path);
	return rc;
}

/* --device: the preset's values where no option gave one. */
static char *apply_device(struct settings *s)
{
	struct render *r = &s->render;
	struct devices all;
	char *err = NULL;
	if (load_devices(&all, &err) < 0) {
		char *m = xasprintf("--device: %s", err);
		free(err);
		return m;
	}
	const struct device *dv = devices_find(&all, r->device);
	if (!dv) {
		char *q = str_quote(r->device, QUOTE_MAX);
		char *m = xasprintf("--device: '%s' is not a device savepage knows "
				    "(savepage --list-devices)",
				    q);
		free(q);
		devices_free(&all);
		return m;
	}
	set_str(&r->device, dv->name);
	if (s->width_set < s->device_set)
		r->width = dv->width;
	if (s->height_set < s->device_set)
		r->height = dv->height;
	if (s->scale_set < s->device_set)
		r->scale = dv->scale;
	if (s->user_agent_set < s->device_set && dv->user_agent)
		set_str(&r->user_agent, dv->user_agent);
	r->mobile = dv->mobile;
	r->touch = dv->touch;
	devices_free(&all);
	return NULL;
}

/* The largest --style-file or --js-file read. */
#define PAGE_FILE_MAX (1024 * 1024)

/* Appends the text of the file at path to *dst (after a newline when *dst
 * holds something). NULL, or what is wrong (caller frees). */
static char *read_page_file(const char *opt, const char *path, char **dst)
{
	struct buf b = { 0 };
	char *q = str_quote(path, QUOTE_MAX), *why = NULL;
	if (read_file(path, &b) < 0)
		why = xasprintf("--%s: %s: %s", opt, q, strerror(errno));
	else if (b.len > PAGE_FILE_MAX)
		why = xasprintf("--%s: %s: larger than 1 MB", opt, q);
	else if (memchr(b.data ? (const void *)b.data : "", '\0', b.len) ||
		 !utf8_valid(b.data ? (const char *)b.data : "", b.len))
		why = xasprintf("--%s: %s: not UTF-8 text", opt, q);
	if (!why)
		append_str(dst, "\n", b.data ? (char *)b.data : "");
	free(q);
	buf_free(&b);
	return why;
}

/* options_check's part for issue 13's options: the formats, the record and
 * the network. NULL, or what is wrong (caller frees). */
static char *check_outputs_network(struct settings *s)
{
	struct render *r = &s->render;
	if (r->format == IMAGE_PDF) {
		const char *bad = r->thumb_width ? "-T/--thumb-width"
				  : r->selector.n ? "--selector" : r->clip ? "--clip" : NULL;
		if (bad)
			return xasprintf("%s cannot go with -f pdf: a PDF is the whole page printed, "
					 "not an image",
					 bad);
	} else if (s->pdf_paper_set || r->pdf_landscape) {
		return xasprintf("%s goes with -f pdf (or an -o name ending in .pdf)",
				 s->pdf_paper_set ? "--pdf-paper" : "--pdf-landscape");
	}
	for (size_t i = 0; r->auth_user && i < r->headers.n; i++)
		if (!strncasecmp(r->headers.v[i], "authorization:", 14))
			return xstrdup("--header Authorization cannot go with --user: both are the "
				       "login; give one");
	if (r->auth_password && !r->auth_user)
		return xstrdup("--auth-password needs --auth-username (or --user USER:PASSWORD)");
	if (r->auth_user && !r->auth_password)
		return xstrdup("--auth-username needs --auth-password (or --user USER:PASSWORD)");
	char *pwhy = proxy_from_environment(s);
	if (pwhy)
		return pwhy;
	if (!s->api) {
		/* Chrome speaks SOCKS5 without a login only. */
		const char *urls[] = { r->proxy.http, r->proxy.https };
		for (int i = 0; i < 2; i++) {
			struct proxy p;
			const char *why;
			if (!urls[i] || proxy_parse(urls[i], &p, &why) < 0)
				continue;
			bool bad = p.user && !strcmp(p.scheme, "socks5");
			proxy_free(&p);
			if (bad)
				return xasprintf("%s: the browser cannot log in to a SOCKS5 proxy; use "
						 "one without user:password@, or an http:// proxy",
						 s->proxy_set ? "--proxy" : "the environment's proxy");
		}
	}
	if (r->mhtml && s->output) {
		size_t n = strlen(s->output);
		if (n >= 6 && !strcasecmp(s->output + n - 6, ".mhtml"))
			return xstrdup("--mhtml: -o names the image, and its record gets the name "
				       "with .mhtml; give the image's name (shot.png)");
	}
	if (r->format == IMAGE_WEBP && (lround(r->width * r->scale) > 16383 ||
					(r->clip && lround(r->clip_w * r->scale) > 16383)))
		return xstrdup("-f webp: an image at most 16383 pixels wide (WebP's limit); "
			       "narrow --width or --clip");
	if (s->api && (r->format == IMAGE_WEBP || r->format == IMAGE_PDF))
		return xasprintf("--api: the hosted API makes JPEG and PNG only, not %s; render "
				 "locally without --api",
				 r->format == IMAGE_PDF ? "PDF" : "WebP");
	return NULL;
}

/* What can only be checked once every option is known, and what touches
 * the file system. NULL, or what is wrong (caller frees). */
static char *options_check(struct settings *s)
{
	struct render *r = &s->render;
	if (s->urls.n == 0 && s->inputs.n == 0)
		return xstrdup("no URL given\nusage: savepage [OPTION]... URL...  or  savepage "
			       "[OPTION]... -i FILE");
	if (s->api) {
		if (!s->api_url)
			return xstrdup("--api needs the endpoint: --api-url, SAVEPAGE_API_URL or "
				       "api_url in the config file");
		if (!s->key)
			return xstrdup("--api needs the API key: SAVEPAGE_KEY, key in the config "
				       "file, or --key");
		if (s->api_get && r->cookie)
			return xstrdup("--cookie cannot go with --api-get: the API takes cookies "
				       "only in a POST body");
		if (s->browser_urls.n)
			return xstrdup("--api and --browser-url cannot be used together");
	}
	if (r->javascript && r->js_files.n)
		return xstrdup("--javascript and --js-file cannot be used together");
	if (r->js_files.n > 1)
		return xstrdup("--js-file: one script only");
	for (size_t i = 0; i < r->style_files.n; i++) {
		char *why = read_page_file("style-file", r->style_files.v[i], &r->style);
		if (why)
			return why;
	}
	if (r->js_files.n) {
		char *why = read_page_file("js-file", r->js_files.v[0], &r->javascript);
		if (why)
			return why;
	}
	if (s->api) {
		char *local = render_local_only(r);
		if (local) {
			char *m = xasprintf("--api: the hosted API does not offer %s; "
					    "render locally without --api",
					    local);
			free(local);
			return m;
		}
	}
	if (r->selector.n && r->clip)
		return xstrdup("--selector and --clip cannot be used together");
	if (r->fullpage && (r->selector.n || r->clip))
		return xasprintf("--fullpage and --%s cannot be used together: %s",
				 r->clip ? "clip" : "selector",
				 r->clip ? "the rectangle is already in the whole page"
					 : "the box is found in the whole page");
	if (r->padding && !r->selector.n)
		return xstrdup("--padding goes with --selector");
	if (r->device) {
		char *why = apply_device(s);
		if (why)
			return why;
	}
	/* Chrome draws at most 16384 device pixels a side in one shot (taller
	 * pages and boxes are shot in tiles). */
	if (lround(r->width * r->scale) > 16384 ||
	    (r->clip && lround(r->clip_w * r->scale) > 16384))
		return xasprintf("%s %d at --scale-factor %g is %ld device pixels wide; at most 16384",
				 r->clip ? "--clip's width" : "--width", r->clip ? r->clip_w : r->width,
				 r->scale, lround((r->clip ? r->clip_w : r->width) * r->scale));
	if (lround(r->height * r->scale) > 16384)
		return xasprintf("--height %d at --scale-factor %g is %ld device pixels tall; at most "
				 "16384 (-F shoots taller pages in tiles)",
				 r->height, r->scale, lround(r->height * r->scale));
	if (r->thumb_width && r->clip && r->thumb_width >= r->clip_w)
		return xasprintf("--thumb-width %d: a thumbnail must be narrower than --clip's width %d",
				 r->thumb_width, r->clip_w);
	if (r->thumb_width && r->thumb_width >= r->width)
		return xasprintf("--thumb-width %d: a thumbnail must be narrower than --width %d",
				 r->thumb_width, r->width);
	if (s->archive) {
		char *err = NULL;
		if (sink_archive_check(s->archive, &err) < 0) {
			char *m = xasprintf("--archive %s", err);
			free(err);
			return m;
		}
		if (s->output)
			return xstrdup("--archive and --output cannot be used together");
	}
	if (s->report && s->archive && !strcmp(s->report, "-") && !strcmp(s->archive, "-"))
		return xstrdup("--report - and --archive - cannot both use standard output");
	for (size_t i = 0; i < r->blocklists.n; i++)
		if (access(r->blocklists.v[i], R_OK) < 0)
			return xasprintf("--blocklist: %s: %s", r->blocklists.v[i], strerror(errno));
	if (!s->format_set && s->output && strcmp(s->output, "-") != 0) {
		enum image_format f;
		if (image_format_from_path(s->output, &f) == 0)
			r->format = f;
	}
	if (r->omit_background && r->format != IMAGE_PNG)
		return xasprintf("--omit-background needs PNG (-f png, or an -o name ending in .png): "
				 "%s has no transparency here",
				 r->format == IMAGE_PDF ? "a PDF" : r->format == IMAGE_WEBP ? "WebP" : "JPEG");
	return check_outputs_network(s);
}

/* SAVEPAGE_API_URL, SAVEPAGE_KEY and SAVEPAGE_SECRET. 0, or -1 reported. */
static int read_environment(struct settings *s)
{
	static const struct {
		const char *env;
		enum opt_id id;
	} from_env[] = { { "SAVEPAGE_API_URL", OPT_API_URL },
			 { "SAVEPAGE_KEY", OPT_KEY },
			 { "SAVEPAGE_SECRET", OPT_SECRET } };
	for (size_t i = 0; i < ARRAY_LEN(from_env); i++) {
		const char *v = getenv(from_env[i].env);
		for (size_t k = 0; v && *v && k < ARRAY_LEN(opt_table); k++) {
			if (opt_table[k].id != from_env[i].id)
				continue;
			char *why = opt_apply(s, &opt_table[k], v, false);
			if (why) {
				log_err("%s: %s", from_env[i].env, why);
				free(why);
				return -1;
			}
		}
	}
	return 0;
}

/* getopt's tables, built from opt_table, with the underscore spellings. */
struct getopt_tables {
	struct option lo[2 * ARRAY_LEN(opt_table) + 1];
	char *aliases[ARRAY_LEN(opt_table)];
	char shortopts[2 * ARRAY_LEN(opt_table) + 2];
};

static void getopt_tables_build(struct getopt_tables *t)
{
	size_t nl = 0, ns = 0;
	memset(t, 0, sizeof *t);
	t->shortopts[ns++] = ':'; /* report a missing value apart from an unknown flag */
	for (size_t i = 0; i < ARRAY_LEN(opt_table); i++) {
		const struct opt_def *d = &opt_table[i];
		int has = d->arg == ARG_NONE ? no_argument : required_argument;
		t->lo[nl++] = (struct option){ d->name, has, NULL, (int)(256 + i) };
		if (strchr(d->name, '-')) {
			t->aliases[i] = xstrdup(d->name);
			for (char *p = t->aliases[i]; *p; p++)
				if (*p == '-')
					*p = '_';
			t->lo[nl++] = (struct option){ t->aliases[i], has, NULL, (int)(256 + i) };
		}
		if (d->shortopt) {
			t->shortopts[ns++] = d->shortopt;
			if (d->arg != ARG_NONE)
				t->shortopts[ns++] = ':';
		}
	}
}

static void getopt_tables_free(struct getopt_tables *t)
{
	for (size_t i = 0; i < ARRAY_LEN(opt_table); i++)
		free(t->aliases[i]);
}

/* Says which options start with what an unknown or shortened long option
 * (text, "--name" or "--name=value") spelled, after the usual message. */
static void unknown_long(const char *text)
{
	size_t n = strcspn(text + 2, "=");
	log_err("unknown option '%.*s'", (int)n + 2, text);
	struct buf b = { 0 };
	for (size_t i = 0; n && i < ARRAY_LEN(opt_table); i++) {
		const char *name = opt_table[i].name;
		size_t k = 0;
		while (k < n && name[k] && (text[2 + k] == '_' ? '-' : text[2 + k]) == name[k])
			k++;
		if (k == n && !opt_table[i].hidden)
			buf_appendf(&b, "%s--%s", b.len ? ", " : "", name);
	}
	if (b.len)
		log_err("options that start so: %s", (char *)b.data);
	buf_free(&b);
}

/* What getopt_long() returned, as an option of the table; NULL after
 * saying what was wrong. Long options must be spelled out: getopt takes
 * "--user" for --user-agent, which is refused here. */
static const struct opt_def *flag_def(int c, char **argv)
{
	const struct opt_def *d = NULL;
	if (c >= 256) {
		d = &opt_table[c - 256];
		/* The flag's own text: before its value when that came apart. */
		const char *text = d->arg != ARG_NONE && optarg == argv[optind - 1] ? argv[optind - 2]
										    : argv[optind - 1];
		if (opt_find(text + 2, strcspn(text + 2, "=")) == d)
			return d;
		unknown_long(text);
	} else {
		for (size_t i = 0; c != '?' && c != ':' && i < ARRAY_LEN(opt_table); i++)
			if (opt_table[i].shortopt == c)
				return &opt_table[i];
		if (c == ':' && optopt >= 256)
			log_err("option --%s needs a value", opt_table[optopt - 256].name);
		else if (c == ':')
			log_err("option -%c needs a value", optopt);
		else if (optopt > 0 && optopt < 256)
			log_err("unknown option -%c", optopt);
		else if (!strncmp(argv[optind - 1], "--", 2))
			unknown_long(argv[optind - 1]);
		else
			log_err("unknown option '%s'", argv[optind - 1]);
	}
	log_err("try 'savepage --help'");
	return NULL;
}

/* The flags and URLs of argv into s; --help, --version and --dump-options
 * print and say OPT_EXIT_OK. */
static enum opt_status parse_flags(struct settings *s, int argc, char **argv)
{
	struct getopt_tables t;
	getopt_tables_build(&t);
	enum opt_status st = OPT_RUN;
	const struct opt_def *print = NULL;
	opterr = 0;
	optind = 1;
	int c, longindex;
	while (st == OPT_RUN && (c = getopt_long(argc, argv, t.shortopts, t.lo, &longindex)) != -1) {
		const struct opt_def *d = flag_def(c, argv);
		char *why = NULL;
		if (!d) {
			st = OPT_USAGE;
		} else if (d->id == OPT_HELP || d->id == OPT_VERSION || d->id == OPT_DUMP_OPTIONS ||
			   d->id == OPT_LIST_DEVICES) {
			if (!print || d->id == OPT_HELP)
				print = d;
		} else if ((why = opt_apply(s, d, d->arg == ARG_NONE ? NULL : optarg, false))) {
			log_err("%s", why);
			free(why);
			st = OPT_USAGE;
		}
	}
	getopt_tables_free(&t);
	if (st != OPT_RUN || !print) {
		for (int i = optind; st == OPT_RUN && i < argc; i++)
			strlist_add(&s->urls, argv[i]);
		return st;
	}
	if (print->id == OPT_LIST_DEVICES) {
		struct devices all;
		char *err = NULL;
		if (load_devices(&all, &err) < 0) {
			log_err("--list-devices: %s", err);
			free(err);
			return OPT_USAGE;
		}
		devices_print(&all, stdout);
		devices_free(&all);
	} else if (print->id == OPT_HELP)
		options_help(stdout);
	else if (print->id == OPT_VERSION)
		printf("savepage %s\n", PACKAGE_VERSION);
	else
		options_dump(stdout);
	return OPT_EXIT_OK;
}

enum opt_status options_parse(struct settings *s, int argc, char **argv)
{
	/* The config file first, then the environment, so that flags override
	 * both. */
	if (options_read_config(s) < 0 || read_environment(s) < 0)
		return OPT_USAGE;
	enum opt_status st = parse_flags(s, argc, argv);
	if (st != OPT_RUN)
		return st;
	char *why = options_check(s);
	if (why) {
		/* Each line of the reason is a message of its own. */
		for (char *line = why, *end; line; line = end) {
			end = strchr(line, '\n');
			if (end)
				*end++ = '\0';
			log_err("%s", line);
		}
		free(why);
		return OPT_USAGE;
	}
	if (s->api && s->api_insecure)
		log_warn("--api-insecure: the API's TLS certificate is NOT checked; anyone on the "
			 "way can read the key and the images");
	return OPT_RUN;
}
