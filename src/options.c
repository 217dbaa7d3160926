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

#include "log.h"
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
	OPT_OUTPUT,
	OPT_NAME,
	OPT_ARCHIVE,
	OPT_REPORT,
	OPT_INPUT,
	OPT_JOBS,
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
	  "wait this long after the page has loaded (default 0)", false, false },
	{ OPT_FORMAT, "format", 'f', ARG_FORMAT, "jpeg|png", 0, 0, NULL,
	  "image format (default: from the output file's extension, else jpeg)", false, false },
	{ OPT_QUALITY, "quality", 'q', ARG_INT, "N", 1, 100, NULL,
	  "JPEG quality 1-100 (default 80)", false, false },
	{ OPT_USER_AGENT, "user-agent", 'A', ARG_STRING, "STRING", 0, 0, NULL,
	  "User-Agent header and navigator.userAgent (default Chrome's)", false, false },
	{ OPT_ACCEPT_LANGUAGE, "accept-language", 'L', ARG_STRING, "STRING", 0, 0, NULL,
	  "Accept-Language header and navigator.language (default Chrome's)", false, false },
	{ OPT_COOKIE, "cookie", 'b', ARG_STRING, "STRING", 0, 0, NULL,
	  "cookies 'name=value; name2=value2', sent only to the URL's host", false, false },
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
	  "parallel workers: tabs per browser (default: 3 per core, 2 to 16)", false, false },
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

void strlist_add(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 2) * sizeof *l->v);
	l->v[l->n++] = xstrdup(s);
	l->v[l->n] = NULL;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void settings_init(struct settings *s)
{
	memset(s, 0, sizeof *s);
	s->width = 1440;
	s->height = 900;
	s->format = IMAGE_JPEG;
	s->quality = 80;
	s->timeout = 30;
	s->retries = 1;
	s->progress = -1;
	s->refresh = 86400;
	s->maxage = -1;
}

void settings_free(struct settings *s)
{
	free(s->user_agent);
	free(s->accept_language);
	free(s->cookie);
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
	strlist_free(&s->blocklists);
	strlist_free(&s->urls);
	strlist_free(&s->inputs);
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
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
 * where names the source for messages ("" for the command line). */
static int opt_apply(struct settings *s, const struct opt_def *d, const char *v, const char *where)
{
	long n = 0;
	double secs = 0;
	bool on = true;
	enum image_format fmt = IMAGE_JPEG;

	switch (d->arg) {
	case ARG_NONE:
		if (v && parse_bool(v, &on) < 0) {
			log_err("%s--%s: '%s' is not true or false", where, d->name, v);
			return -1;
		}
		break;
	case ARG_INT: {
		char *end;
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < (long)d->min || n > (long)d->max) {
			log_err("%s--%s: '%s' is not a whole number from %.0f to %.0f", where, d->name,
				v, d->min, d->max);
			return -1;
		}
		break;
	}
	case ARG_SECONDS: {
		char *end;
		errno = 0;
		secs = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(secs) || secs < d->min || secs > d->max) {
			log_err("%s--%s: '%s' is not a number of seconds from %g to %g", where, d->name,
				v, d->min, d->max);
			return -1;
		}
		break;
	}
	case ARG_FORMAT:
		if (image_format_parse(v, &fmt) < 0) {
			log_err("%s--%s: '%s' is not jpeg or png", where, d->name, v);
			return -1;
		}
		break;
	case ARG_STRING:
		break;
	}

	switch (d->id) {
	case OPT_WIDTH: s->width = (int)n; break;
	case OPT_HEIGHT: s->height = (int)n; break;
	case OPT_FULLPAGE: s->fullpage = on; break;
	case OPT_THUMB_WIDTH: s->thumb_width = (int)n; break;
	case OPT_NOCOOKIE: s->nocookie = on; break;
	case OPT_NOADS: s->noads = on; break;
	case OPT_BLOCKLIST:
		if (access(v, R_OK) < 0) {
			log_err("%s--blocklist: %s: %s", where, v, strerror(errno));
			return -1;
		}
		strlist_add(&s->blocklists, v);
		s->noads = true;
		break;
	case OPT_REFRESH: s->refresh = n; s->refresh_set = true; break;
	case OPT_CACHE_DIR: set_str(&s->cache_dir, v); break;
	case OPT_NO_CACHE: s->no_cache = on; break;
	case OPT_DELAY: s->delay = secs; break;
	case OPT_FORMAT: s->format = fmt; s->format_set = true; break;
	case OPT_QUALITY: s->quality = (int)n; break;
	case OPT_USER_AGENT: set_str(&s->user_agent, v); break;
	case OPT_ACCEPT_LANGUAGE: set_str(&s->accept_language, v); break;
	case OPT_COOKIE: {
		struct strlist names = { 0 }, values = { 0 };
		const char *why = NULL;
		int rc = cookie_split(v, &names, &values, &why);
		strlist_free(&names);
		strlist_free(&values);
		if (rc < 0) {
			log_err("%s--cookie: '%s': %s", where, v, why);
			return -1;
		}
		set_str(&s->cookie, v);
		break;
	}
	case OPT_OUTPUT: set_str(&s->output, v); break;
	case OPT_NAME:
		if (!*v) {
			log_err("%s--name: the template is empty", where);
			return -1;
		}
		set_str(&s->name, v);
		break;
	case OPT_ARCHIVE: set_str(&s->archive, v); break;
	case OPT_REPORT: set_str(&s->report, v); break;
	case OPT_INPUT: strlist_add(&s->inputs, v); break;
	case OPT_JOBS: s->jobs = (int)n; break;
	case OPT_RETRIES: s->retries = (int)n; break;
	case OPT_BROWSER_URL:
		if (strncmp(v, "ws://", 5) && strncmp(v, "http://", 7)) {
			log_err("%s--browser-url: '%s' is not a ws:// or http:// address", where, v);
			return -1;
		}
		strlist_add(&s->browser_urls, v);
		break;
	case OPT_PROGRESS: s->progress = on ? 1 : 0; break;
	case OPT_NO_PROGRESS: s->progress = on ? 0 : 1; break;
	case OPT_TIMEOUT: s->timeout = secs; break;
	case OPT_FAIL_ON_HTTP_ERROR: s->fail_on_http_error = on; break;
	case OPT_BROWSER: set_str(&s->browser, v); break;
	case OPT_BROWSER_ARG: strlist_add(&s->browser_args, v); break;
	case OPT_API: s->api = on; break;
	case OPT_API_URL:
		if (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)) {
			log_err("%s--api-url: '%s' is not an http:// or https:// address", where, v);
			return -1;
		}
		set_str(&s->api_url, v);
		break;
	case OPT_KEY:
	case OPT_SECRET:
		set_str(d->id == OPT_KEY ? &s->key : &s->secret, v);
		/* where names the config file (flags and the environment: not) */
		if (*where && strncmp(where, "SAVEPAGE_", 9))
			s->secrets_in_config = true;
		break;
	case OPT_HASH:
		if (strlen(v) != 32 || strspn(v, "0123456789abcdefABCDEF") != 32) {
			log_err("%s--hash: not 32 hexadecimal digits (an md5)", where);
			return -1;
		}
		set_str(&s->hash, v);
		for (char *h = s->hash; *h; h++)
			*h = (char)tolower((unsigned char)*h);
		break;
	case OPT_API_GET: s->api_get = on; break;
	case OPT_API_INSECURE: s->api_insecure = on; break;
	case OPT_MAXAGE: s->maxage = n; break;
	case OPT_VERBOSE:
		if (v)
			s->verbose = on ? 1 : 0;
		else
			s->verbose++;
		if (s->verbose)
			s->quiet = false;
		break;
	case OPT_QUIET:
		s->quiet = on;
		if (on)
			s->verbose = 0;
		break;
	case OPT_VERSION:
	case OPT_HELP:
	case OPT_DUMP_OPTIONS:
		break;
	}
	return 0;
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

char *options_config_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "savepage/config");
}

/* name = value lines with long option names; '#' starts a comment line. */
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
	int rc = 0, lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r((char *)b.data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *t = str_trim(line);
		if (!*t || *t == '#')
			continue;
		char *eq = strchr(t, '=');
		char *name = t, *value = NULL;
		if (eq) {
			*eq = '\0';
			value = str_trim(eq + 1);
			name = str_trim(t);
		}
		char where[512];
		snprintf(where, sizeof where, "%s: line %d: ", path, lineno);
		const struct opt_def *d = opt_find(name, strlen(name));
		if (!d || d->cli_only) {
			log_err("%s'%s' is not an option the config file can set", where, name);
			rc = -1;
			break;
		}
		if (d->arg != ARG_NONE && !value) {
			log_err("%s%s needs '= value'", where, name);
			rc = -1;
			break;
		}
		if (opt_apply(s, d, value, where) < 0) {
			rc = -1;
			break;
		}
	}
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
	char *path = options_config_path();
	int rc = path ? config_load(s, path) : 0;
	free(path);
	return rc;
}

enum opt_status options_parse(struct settings *s, int argc, char **argv)
{
	/* The config file first, then the environment, so that flags override
	 * both. */
	if (!getenv("SAVEPAGE_NO_CONFIG")) {
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
		if (rc < 0)
			return OPT_USAGE;
	}
	static const struct {
		const char *env;
		enum opt_id id;
	} from_env[] = { { "SAVEPAGE_API_URL", OPT_API_URL },
			 { "SAVEPAGE_KEY", OPT_KEY },
			 { "SAVEPAGE_SECRET", OPT_SECRET } };
	for (size_t i = 0; i < ARRAY_LEN(from_env); i++) {
		const char *v = getenv(from_env[i].env);
		char where[64];
		snprintf(where, sizeof where, "%s: ", from_env[i].env);
		for (size_t k = 0; v && *v && k < ARRAY_LEN(opt_table); k++)
			if (opt_table[k].id == from_env[i].id && opt_apply(s, &opt_table[k], v, where) < 0)
				return OPT_USAGE;
	}

	/* getopt tables built from opt_table, with the underscore spellings. */
	size_t n = ARRAY_LEN(opt_table);
	struct option *lo = xcalloc(2 * n + 1, sizeof *lo);
	char **aliases = xcalloc(n, sizeof *aliases);
	char shortopts[2 * ARRAY_LEN(opt_table) + 2];
	size_t nl = 0, ns = 0;
	shortopts[ns++] = ':'; /* report a missing value apart from an unknown flag */
	for (size_t i = 0; i < n; i++) {
		const struct opt_def *d = &opt_table[i];
		int has = d->arg == ARG_NONE ? no_argument : required_argument;
		lo[nl++] = (struct option){ d->name, has, NULL, (int)(256 + i) };
		if (strchr(d->name, '-')) {
			aliases[i] = xstrdup(d->name);
			for (char *p = aliases[i]; *p; p++)
				if (*p == '-')
					*p = '_';
			lo[nl++] = (struct option){ aliases[i], has, NULL, (int)(256 + i) };
		}
		if (d->shortopt) {
			shortopts[ns++] = d->shortopt;
			if (d->arg != ARG_NONE)
				shortopts[ns++] = ':';
		}
	}
	shortopts[ns] = '\0';

	enum opt_status st = OPT_RUN;
	bool help = false, version = false, dump = false;
	opterr = 0;
	optind = 1;
	int c, longindex;
	while ((c = getopt_long(argc, argv, shortopts, lo, &longindex)) != -1) {
		const struct opt_def *d = NULL;
		if (c >= 256) {
			d = &opt_table[c - 256];
		} else if (c != '?' && c != ':') {
			for (size_t i = 0; i < n; i++)
				if (opt_table[i].shortopt == c)
					d = &opt_table[i];
		}
		if (!d) {
			if (c == ':' && optopt >= 256)
				log_err("option --%s needs a value", opt_table[optopt - 256].name);
			else if (c == ':')
				log_err("option -%c needs a value", optopt);
			else if (optopt > 0 && optopt < 256)
				log_err("unknown option -%c", optopt);
			else
				log_err("unknown option '%s'", argv[optind - 1]);
			log_err("try 'savepage --help'");
			st = OPT_USAGE;
			goto out;
		}
		if (d->id == OPT_HELP)
			help = true;
		else if (d->id == OPT_VERSION)
			version = true;
		else if (d->id == OPT_DUMP_OPTIONS)
			dump = true;
		else if (opt_apply(s, d, d->arg == ARG_NONE ? NULL : optarg, "") < 0) {
			st = OPT_USAGE;
			goto out;
		}
	}
	if (help || version || dump) {
		if (help)
			options_help(stdout);
		else if (version)
			printf("savepage %s\n", PACKAGE_VERSION);
		else
			options_dump(stdout);
		st = OPT_EXIT_OK;
		goto out;
	}
	for (int i = optind; i < argc; i++)
		strlist_add(&s->urls, argv[i]);
	if (s->urls.n == 0 && s->inputs.n == 0) {
		log_err("no URL given");
		log_err("usage: savepage [OPTION]... URL...  or  savepage [OPTION]... -i FILE");
		st = OPT_USAGE;
		goto out;
	}
	if (s->api) {
		const char *why = NULL;
		if (!s->api_url)
			why = "--api needs the endpoint: --api-url, SAVEPAGE_API_URL or api_url in "
			      "the config file";
		else if (!s->key)
			why = "--api needs the API key: SAVEPAGE_KEY, key in the config file, or --key";
		else if (s->api_get && s->cookie)
			why = "--cookie cannot go with --api-get: the API takes cookies only in a "
			      "POST body";
		else if (s->browser_urls.n)
			why = "--api and --browser-url cannot be used together";
		if (why) {
			log_err("%s", why);
			st = OPT_USAGE;
			goto out;
		}
		if (s->api_insecure)
			log_warn("--api-insecure: the API's TLS certificate is NOT checked; anyone "
				 "on the way can read the key and the images");
	}
	if (s->thumb_width && s->thumb_width >= s->width) {
		log_err("--thumb-width %d: a thumbnail must be narrower than --width %d",
			s->thumb_width, s->width);
		st = OPT_USAGE;
		goto out;
	}
	if (s->archive) {
		char *err = NULL;
		if (sink_archive_check(s->archive, &err) < 0) {
			log_err("--archive %s", err);
			free(err);
			st = OPT_USAGE;
			goto out;
		}
		if (s->output) {
			log_err("--archive and --output cannot be used together");
			st = OPT_USAGE;
			goto out;
		}
	}
	if (s->report && s->archive && !strcmp(s->report, "-") && !strcmp(s->archive, "-")) {
		log_err("--report - and --archive - cannot both use standard output");
		st = OPT_USAGE;
		goto out;
	}
	if (!s->format_set && s->output && strcmp(s->output, "-") != 0) {
		enum image_format f;
		if (image_format_from_path(s->output, &f) == 0)
			s->format = f;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(aliases[i]);
	free(aliases);
	free(lo);
	return st;
}
