#include "config.h"

#include "blocklist.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clean.h"
#include "log.h"
#include "urls.h"

struct blocklist {
	struct strset hosts;
	struct strset host_exceptions;
	struct strset selectors;      /* for de-duplication */
	struct strset sel_exceptions;
	/* The hiding rules, indexed by a class or id each needs ("" if none). */
	struct keyed_rule *rules;
	size_t nrules, nkeyless;
};

struct keyed_rule {
	char *key;      /* ".class" or "#id"; NULL for rules that need none */
	const char *selector;
};

/* Request rule options that still mean "block this host everywhere": the
 * resource types (savepage blocks them all) and third-party (a page on an
 * ad host is not what anyone screenshots). Anything else narrows the rule
 * to some pages or changes what it does, so the rule is left out. */
static const char *const host_wide_options[] = {
	"third-party", "3p", "important", "all", "script", "image", "stylesheet", "css",
	"xmlhttprequest", "xhr", "subdocument", "frame", "media", "object", "ping", "beacon",
	"font", "other", "websocket", "document", "doc", "match-case", "popup-not",
};

/* Procedural and uBlock-only cosmetic syntax that is not CSS. */
static const char *const not_css[] = {
	":has-text(", ":-abp-", ":xpath(", ":style(", ":matches-css", ":upward(", ":remove(",
	":watch-attr(", ":min-text-length(", ":others(", ":matches-path(", ":matches-attr(",
	":matches-prop(", ":if(", ":if-not(", ":nth-ancestor(", ":spath(", ":contains(",
	":matches-media(", ":remove-attr(", ":remove-class(", ":shadow", "{", "}",
};

static bool host_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_';
}

/* A lower-cased host name with at least one dot, or NULL (caller frees). */
static char *clean_host(const char *s, size_t n)
{
	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return NULL;
	char *h = xstrndup(s, n);
	bool dot = false;
	for (size_t i = 0; i < n; i++) {
		h[i] = (char)tolower((unsigned char)h[i]);
		if (!host_char((unsigned char)h[i])) {
			free(h);
			return NULL;
		}
		dot |= h[i] == '.';
	}
	if (!dot) {
		free(h);
		return NULL;
	}
	return h;
}

static bool options_host_wide(const char *opts)
{
	if (!opts)
		return true;
	while (*opts) {
		size_t n = strcspn(opts, ",");
		bool ok = false;
		for (size_t i = 0; i < ARRAY_LEN(host_wide_options) && !ok; i++)
			ok = strlen(host_wide_options[i]) == n && !strncmp(opts, host_wide_options[i], n);
		if (!ok)
			return false;
		opts += n;
		if (*opts == ',')
			opts++;
	}
	return true;
}

static void add_selector(struct blocklist *bl, const char *sel, bool exception)
{
	if (!*sel || strlen(sel) > 1000)
		return;
	for (size_t i = 0; i < ARRAY_LEN(not_css); i++)
		if (strstr(sel, not_css[i]))
			return;
	if (sel[0] == '+' || sel[0] == '^')
		return; /* scriptlets and HTML filters */
	strset_add(exception ? &bl->sel_exceptions : &bl->selectors, sel);
}

/* "||host^" with optional "$options"; NULL if the rule is not host-wide. */
static char *host_rule(const char *rule)
{
	if (strncmp(rule, "||", 2))
		return NULL;
	rule += 2;
	size_t n = 0;
	while (rule[n] && host_char(tolower((unsigned char)rule[n])))
		n++;
	const char *rest = rule + n;
	if (*rest != '^')
		return NULL;
	rest++;
	if (*rest == '|')
		rest++;
	if (*rest && *rest != '$')
		return NULL;
	if (*rest == '$' && !options_host_wide(rest + 1))
		return NULL;
	return clean_host(rule, n);
}

/* A line that is just a domain name, not an Adblock substring rule such as
 * "-tracker.js" or ".beacon.min.js": labels that start and end with a letter
 * or digit, and a last label of letters that is not a file extension. */
static bool plain_domain(const char *s)
{
	static const char *const ext[] = { "js", "css", "gif", "png", "jpg", "svg", "html",
					   "htm", "php", "json", "swf", "mp4", "xml", "txt" };
	const char *label = s, *last = NULL;
	for (const char *p = s;; p++) {
		if (*p == '.' || !*p) {
			size_t n = (size_t)(p - label);
			if (!n || !isalnum((unsigned char)label[0]) || !isalnum((unsigned char)p[-1]))
				return false;
			last = label;
			if (!*p)
				break;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-') {
			return false;
		}
	}
	if (last == s || strlen(last) < 2)
		return false;
	for (const char *p = last; *p; p++)
		if (!isalpha((unsigned char)*p))
			return false;
	for (size_t i = 0; i < ARRAY_LEN(ext); i++)
		if (!strcasecmp(last, ext[i]))
			return false;
	return true;
}

static void parse_line(struct blocklist *bl, char *line)
{
	line = str_trim(line);
	if (!*line || *line == '!' || *line == '[')
		return;
	if (*line == '#' && strncmp(line, "##", 2) && strncmp(line, "#@#", 3))
		return; /* a hosts-file comment */
	char *hide = strstr(line, "##");
	char *unhide = strstr(line, "#@#");
	if (hide || unhide) {
		/* Only generic rules: those for named sites are left out. */
		if (hide == line)
			add_selector(bl, line + 2, false);
		else if (unhide == line)
			add_selector(bl, line + 3, true);
		return;
	}
	if (strstr(line, "#?#") || strstr(line, "#$#") || strstr(line, "#%#"))
		return;
	bool exception = !strncmp(line, "@@", 2);
	if (exception) {
		/* Only an exception with no conditions frees a host everywhere. */
		char *h = strncmp(line + 2, "||", 2) || strchr(line, '$') ? NULL : host_rule(line + 2);
		if (h)
			strset_add(&bl->host_exceptions, h);
		free(h);
		return;
	}
	char *h = NULL;
	if (line[0] == '|' && line[1] == '|') {
		h = host_rule(line);
	} else {
		/* A hosts file ("0.0.0.0 host") or a plain list of domains. */
		char *sp = line + strcspn(line, " \t");
		const char *name = line;
		if (*sp) {
			*sp = '\0';
			if (strcmp(line, "0.0.0.0") && strcmp(line, "127.0.0.1") && strcmp(line, "::"))
				return;
			name = str_trim(sp + 1);
			size_t k = strcspn(name, " \t#");
			h = clean_host(name, k);
		} else if (plain_domain(name)) {
			h = clean_host(name, strlen(name));
		}
		if (h && (!strcmp(h, "localhost") || !strcmp(h, "localhost.localdomain")))
			free(h), h = NULL;
	}
	if (h)
		strset_add(&bl->hosts, h);
	free(h);
}

static void parse_text(struct blocklist *bl, char *text)
{
	char *save = NULL;
	for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
		parse_line(bl, line);
}

static bool ident_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c >= 0x80;
}

/* A class or id every match of sel must carry (".name" or "#name"), or
 * NULL. Parts in brackets, parentheses (:not() among them) and quotes are
 * skipped; an escaped name counts as none. */
static char *selector_key(const char *sel)
{
	int depth = 0;
	char quote = 0;
	for (const char *p = sel; *p; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '"' || *p == '\'')
			quote = *p;
		else if (*p == '[' || *p == '(')
			depth++;
		else if ((*p == ']' || *p == ')') && depth)
			depth--;
		else if (!depth && (*p == '.' || *p == '#') && ident_char((unsigned char)p[1])) {
			size_t n = 1;
			while (ident_char((unsigned char)p[n]))
				n++;
			if (p[n] == '\\')
				return NULL;
			return xstrndup(p, n);
		}
	}
	return NULL;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct keyed_rule *x = a, *y = b;
	if (!x->key || !y->key)
		return (x->key != NULL) - (y->key != NULL);
	return strcmp(x->key, y->key);
}

/* After all lists: exceptions applied, the hiding rules indexed. */
static void finish(struct blocklist *bl)
{
	for (size_t i = 0; i < bl->host_exceptions.cap; i++) {
		const char *h = bl->host_exceptions.slots[i];
		if (h && strset_has(&bl->hosts, h))
			strset_remove(&bl->hosts, h);
	}
	bl->rules = xcalloc(bl->selectors.count + 1, sizeof *bl->rules);
	bl->nrules = bl->nkeyless = 0;
	for (size_t i = 0; i < bl->selectors.cap; i++) {
		const char *sel = bl->selectors.slots[i];
		if (!sel || strset_has(&bl->sel_exceptions, sel))
			continue;
		struct keyed_rule *r = &bl->rules[bl->nrules++];
		r->selector = sel;
		r->key = selector_key(sel);
		bl->nkeyless += !r->key;
	}
	/* Key-less rules first, then by key for binary search. */
	qsort(bl->rules, bl->nrules, sizeof *bl->rules, rule_cmp);
}

static void append_rule(struct buf *css, const char *sel)
{
	/* One rule per selector: one Chrome cannot parse drops only itself. */
	buf_appendf(css, "%s{display:none!important}\n", sel);
}

char *blocklist_css_for(const struct blocklist *bl, const char *const *names, size_t n)
{
	struct buf css = { 0 };
	buf_puts(&css, "");
	for (size_t i = 0; i < bl->nkeyless; i++)
		append_rule(&css, bl->rules[i].selector);
	const struct keyed_rule *keyed = bl->rules + bl->nkeyless;
	size_t nk = bl->nrules - bl->nkeyless;
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = nk;
		while (lo < hi) { /* the first rule whose key is >= names[i] */
			size_t mid = (lo + hi) / 2;
			if (strcmp(keyed[mid].key, names[i]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < nk && !strcmp(keyed[lo].key, names[i]); lo++)
			append_rule(&css, keyed[lo].selector);
	}
	return (char *)css.data;
}

struct blocklist *blocklist_parse_text(const char *text)
{
	struct blocklist *bl = xcalloc(1, sizeof *bl);
	char *copy = xstrdup(text);
	parse_text(bl, copy);
	free(copy);
	finish(bl);
	return bl;
}

void blocklist_default_paths(const struct strlist *extra, struct strlist *out)
{
	char *own = clean_data_path("noads.txt");
	strlist_add(out, own);
	free(own);
	const char *dir = getenv("SAVEPAGE_EASYLIST_DIR");
	if (!dir || !*dir)
		dir = BLOCKLIST_EASYLIST_DIR;
	static const char *const lists[] = { "easylist.txt", "easyprivacy.txt" };
	for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
		char *p = xasprintf("%s/%s", dir, lists[i]);
		if (access(p, R_OK) == 0)
			strlist_add(out, p);
		else
			log_debug("--noads: %s not found; going on without it", p);
		free(p);
	}
	for (size_t i = 0; extra && i < extra->n; i++)
		strlist_add(out, extra->v[i]);
}

/* ---- the compiled copy ---- */

#define COMPILED_MAGIC "savepage-blocklist 1"

/* What identifies the lists without reading them: names, sizes, mtimes. */
int blocklist_sources_id(const struct strlist *paths, char id[65], char **err)
{
	struct buf b = { 0 };
	buf_puts(&b, COMPILED_MAGIC "\n");
	for (size_t i = 0; i < paths->n; i++) {
		struct stat st;
		if (stat(paths->v[i], &st) < 0) {
			*err = xasprintf("%s: %s", paths->v[i], strerror(errno));
			buf_free(&b);
			return -1;
		}
		buf_appendf(&b, "%s %lld %lld.%09ld\n", paths->v[i], (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	}
	sha256_hex(b.data, b.len, id);
	buf_free(&b);
	return 0;
}

static char *compiled_path(const char *cache_dir, const char *id)
{
	return xasprintf("%s/blocklist-%.32s", cache_dir, id);
}

struct blocklist *blocklist_parse_compiled(const char *text, size_t len)
{
	size_t m = strlen(COMPILED_MAGIC);
	if (len < m + 5 || memchr(text, '\0', len) || strncmp(text, COMPILED_MAGIC, m) ||
	    text[m] != '\n' || memcmp(text + len - 4, "end\n", 4))
		return NULL;
	struct blocklist *bl = xcalloc(1, sizeof *bl);
	char *copy = xstrndup(text + m + 1, len - m - 1), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* Checked as a list's rules are: a damaged copy adds nothing a
		 * list could not (a host that is no host, CSS that is not a
		 * selector). */
		if (line[0] == 'h' && line[1] == ' ') {
			char *h = clean_host(line + 2, strlen(line + 2));
			if (h)
				strset_add(&bl->hosts, h);
			free(h);
		} else if (line[0] == 's' && line[1] == ' ') {
			add_selector(bl, line + 2, false);
		}
	}
	free(copy);
	finish(bl);
	return bl;
}

/* Lines "h HOST" and "s SELECTOR" after the magic line, then "end". */
static struct blocklist *read_compiled(const char *path)
{
	struct buf b = { 0 };
	if (read_file(path, &b) < 0)
		return NULL;
	struct blocklist *bl = blocklist_parse_compiled((const char *)b.data, b.len);
	buf_free(&b);
	return bl;
}

static void write_compiled(const struct blocklist *bl, const char *path)
{
	struct buf b = { 0 };
	buf_puts(&b, COMPILED_MAGIC "\n");
	for (size_t i = 0; i < bl->hosts.cap; i++)
		if (bl->hosts.slots[i])
			buf_appendf(&b, "h %s\n", bl->hosts.slots[i]);
	for (size_t i = 0; i < bl->selectors.cap; i++) {
		const char *sel = bl->selectors.slots[i];
		if (sel && !strset_has(&bl->sel_exceptions, sel))
			buf_appendf(&b, "s %s\n", sel);
	}
	buf_puts(&b, "end\n");
	char *err = NULL;
	if (atomic_write(path, b.data, b.len, &err) == 0)
		log_debug("--noads: compiled lists kept in %s", path);
	else
		log_debug("--noads: cannot keep the compiled lists: %s", err);
	free(err);
	/* Copies compiled from older versions of the lists are of no more use;
	 * a day's grace keeps those of runs with other --blocklist files. */
	const char *base = strrchr(path, '/');
	char *dir = base ? xstrndup(path, (size_t)(base - path)) : xstrdup(".");
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "blocklist-", 10) || !strcmp(e->d_name, base ? base + 1 : path))
			continue;
		char *old = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(old, &st) == 0 && st.st_mtime < time(NULL) - 86400)
			unlink(old);
		free(old);
	}
	if (d)
		closedir(d);
	free(dir);
	buf_free(&b);
}

struct blocklist *blocklist_load(const struct strlist *paths, const char *cache_dir, char **err)
{
	char id[65];
	if (blocklist_sources_id(paths, id, err) < 0)
		return NULL;
	char *compiled = cache_dir ? compiled_path(cache_dir, id) : NULL;
	struct blocklist *bl = compiled ? read_compiled(compiled) : NULL;
	if (bl) {
		free(compiled);
		return bl;
	}
	bl = xcalloc(1, sizeof *bl);
	for (size_t i = 0; i < paths->n; i++) {
		struct buf b = { 0 };
		if (read_file(paths->v[i], &b) < 0) {
			*err = xasprintf("%s: %s", paths->v[i], strerror(errno));
			buf_free(&b);
			blocklist_free(bl);
			free(compiled);
			return NULL;
		}
		if (b.data)
			parse_text(bl, (char *)b.data);
		buf_free(&b);
	}
	finish(bl);
	if (compiled)
		write_compiled(bl, compiled);
	free(compiled);
	return bl;
}

void blocklist_free(struct blocklist *bl)
{
	if (!bl)
		return;
	strset_free(&bl->hosts);
	strset_free(&bl->host_exceptions);
	strset_free(&bl->selectors);
	strset_free(&bl->sel_exceptions);
	for (size_t i = 0; i < bl->nrules; i++)
		free(bl->rules[i].key);
	free(bl->rules);
	free(bl);
}

void blocklist_add_host(struct blocklist *bl, const char *host)
{
	char *h = clean_host(host, strlen(host));
	if (h)
		strset_add(&bl->hosts, h);
	free(h);
}

bool blocklist_blocks_host(const struct blocklist *bl, const char *host)
{
	char h[256];
	size_t n = strlen(host);
	if (n == 0 || n >= sizeof h)
		return false;
	for (size_t i = 0; i < n; i++)
		h[i] = (char)tolower((unsigned char)host[i]);
	h[n] = '\0';
	if (h[n - 1] == '.')
		h[--n] = '\0';
	for (const char *p = h; p && *p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL)
		if (strset_has(&bl->hosts, p))
			return true;
	return false;
}

bool blocklist_blocks_url(const struct blocklist *bl, const char *url)
{
	static const char *const schemes[] = { "http", "https", "ws", "wss" };
	struct url_parts u;
	if (url_split(url, &u) < 0)
		return false;
	bool web = false;
	for (size_t i = 0; i < ARRAY_LEN(schemes); i++)
		web = web || (u.scheme_len == strlen(schemes[i]) &&
			      !strncasecmp(u.scheme, schemes[i], u.scheme_len));
	char host[256];
	/* An IPv6 literal is on no list. */
	if (!web || u.host_len == 0 || u.host_len >= sizeof host || *u.host == '[')
		return false;
	memcpy(host, u.host, u.host_len);
	host[u.host_len] = '\0';
	return blocklist_blocks_host(bl, host);
}

size_t blocklist_host_count(const struct blocklist *bl)
{
	return bl->hosts.count;
}

size_t blocklist_selector_count(const struct blocklist *bl)
{
	return bl->nrules;
}
