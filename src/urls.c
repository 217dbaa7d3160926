#include "config.h"

#include "urls.h"

#include <ctype.h>
#include <idn2.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

int url_split(const char *url, struct url_parts *p)
{
	memset(p, 0, sizeof *p);
	const char *sep = strstr(url, "://");
	if (!sep)
		return -1;
	p->scheme = url;
	p->scheme_len = (size_t)(sep - url);
	const char *auth = sep + 3;
	size_t auth_len = strcspn(auth, "/?#");
	p->rest = auth + auth_len;
	const char *host = auth;
	for (const char *q = auth; q < auth + auth_len; q++)
		if (*q == '@')
			host = q + 1;
	if (host > auth) {
		p->userinfo = auth;
		p->userinfo_len = (size_t)(host - auth - 1);
	}
	const char *end = auth + auth_len, *host_end = end;
	if (host < end && *host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));
		if (!rb)
			return -1;
		host_end = rb + 1;
		if (host_end < end && *host_end != ':')
			return -1;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		if (colon)
			host_end = colon;
	}
	p->host = host;
	p->host_len = (size_t)(host_end - host);
	if (host_end < end) {
		p->has_port = true;
		p->port = host_end + 1;
		p->port_len = (size_t)(end - p->port);
	}
	return 0;
}

static bool span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(s, word, n);
}

static bool host_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

/* A host in Unicode (bücher.example) in its IDNA form (xn--bcher-kva.example),
 * as curl does it: UTS #46 non-transitional, else transitional. A new
 * string, or NULL when it is no valid name. */
static char *host_to_ascii(const char *host, size_t n)
{
	char *in = xstrndup(host, n), *out = NULL;
	int rc = idn2_to_ascii_8z(in, &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		rc = idn2_to_ascii_8z(in, &out, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	free(in);
	if (rc != IDN2_OK)
		return NULL;
	char *copy = xstrdup(out);
	idn2_free(out);
	return copy;
}

static bool host_ok(const char *h, size_t n)
{
	if (n && *h == '[') {
		/* An IPv6 literal: [hex digits, colons, dots], with a colon. */
		if (n < 4 || h[n - 1] != ']' || !memchr(h, ':', n))
			return false;
		for (size_t i = 1; i + 1 < n; i++)
			if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
				return false;
		return true;
	}
	if (n == 0 || *h == '.' || *h == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!host_char_ok((unsigned char)h[i]) || (i + 1 < n && h[i] == '.' && h[i + 1] == '.'))
			return false;
	return true;
}

static bool port_ok(const struct url_parts *u)
{
	if (!u->has_port)
		return true;
	if (u->port_len == 0 || u->port_len > 5)
		return false;
	long v = 0;
	for (size_t i = 0; i < u->port_len; i++) {
		if (!isdigit((unsigned char)u->port[i]))
			return false;
		v = v * 10 + (u->port[i] - '0');
	}
	return v >= 1 && v <= 65535;
}

/* scheme://[userinfo@]host[:port]/rest with scheme and host lower-cased and
 * a Unicode host in its IDNA form; NULL with *why. */
static char *normalise_web(const struct url_parts *up, const char **why)
{
	struct url_parts u = *up;
	char *ascii = NULL;
	for (size_t i = 0; i < u.host_len && !ascii; i++) {
		if ((unsigned char)u.host[i] < 0x80)
			continue;
		ascii = host_to_ascii(u.host, u.host_len);
		/* A name in Unicode is a name: never an IPv6 literal once converted. */
		if (ascii && *ascii == '[') {
			free(ascii);
			ascii = NULL;
		}
		if (!ascii) {
			*why = "URL has a host name that is not a valid international name";
			return NULL;
		}
		u.host = ascii;
		u.host_len = strlen(ascii);
	}
	char *out = NULL;
	if (!host_ok(u.host, u.host_len)) {
		*why = "URL has no valid host name";
	} else {
		struct buf b = { 0 };
		for (size_t i = 0; i < u.scheme_len; i++)
			buf_appendf(&b, "%c", tolower((unsigned char)u.scheme[i]));
		buf_puts(&b, "://");
		if (u.userinfo)
			buf_appendf(&b, "%.*s@", (int)u.userinfo_len, u.userinfo);
		for (size_t i = 0; i < u.host_len; i++)
			buf_appendf(&b, "%c", tolower((unsigned char)u.host[i]));
		if (u.has_port)
			buf_appendf(&b, ":%.*s", (int)u.port_len, u.port);
		if (*u.rest != '/')
			buf_puts(&b, "/");
		buf_puts(&b, u.rest);
		out = (char *)b.data;
	}
	free(ascii);
	return out;
}

char *url_normalise(const char *in, const char **why)
{
	return url_normalise_n(in, strlen(in), why);
}

char *url_normalise_n(const char *in, size_t len, const char **why)
{
	while (len > 0 && isspace((unsigned char)*in))
		in++, len--;
	while (len > 0 && isspace((unsigned char)in[len - 1]))
		len--;
	if (len == 0) {
		*why = "blank URL";
		return NULL;
	}
	/* Text only: a binary line never reaches the browser. */
	const unsigned char *u8 = (const unsigned char *)in;
	for (size_t i = 0, k; i < len; i += k) {
		k = utf8_char(u8 + i, len - i);
		if (!k) {
			*why = "URL is not valid UTF-8";
			return NULL;
		}
		if (u8[i] < 0x20 || u8[i] == 0x7f || u8[i] == ' ' || (k == 2 && u8[i] == 0xc2 && u8[i + 1] < 0xa0)) {
			*why = "URL contains a space or control character";
			return NULL;
		}
	}
	/* Text from here on: no NUL byte, no control character. */
	const char *sep = memmem(in, len, "://", 3);
	/* A bare host (example.com/path) is an https URL. */
	char *s = sep ? xstrndup(in, len) : xasprintf("https://%.*s", (int)len, in);
	struct url_parts u;
	char *out = NULL;
	*why = NULL;
	if (url_split(s, &u) < 0) {
		*why = "URL has no valid host name";
	} else if (span_is(u.scheme, u.scheme_len, "file")) {
		if (u.host_len || u.has_port || u.userinfo || *u.rest != '/')
			*why = "a file URL needs an absolute path (file:///path)";
		else
			out = xasprintf("file://%s", u.rest);
	} else if (!span_is(u.scheme, u.scheme_len, "http") &&
		   !span_is(u.scheme, u.scheme_len, "https")) {
		*why = "unsupported URL scheme (use http, https or file)";
	} else if (!port_ok(&u)) {
		*why = "URL has an invalid port";
	} else {
		out = normalise_web(&u, why);
	}
	free(s);
	return out;
}

char *url_origin(const char *url)
{
	struct url_parts u;
	if (url_split(url, &u) < 0 ||
	    (!span_is(u.scheme, u.scheme_len, "http") && !span_is(u.scheme, u.scheme_len, "https")))
		return NULL;
	return xasprintf("%.*s/", (int)(u.rest - url), url);
}

char *url_without_fragment(const char *url)
{
	return xstrndup(url, strcspn(url, "#"));
}

char *url_host(const char *url)
{
	struct url_parts u;
	if (url_split(url, &u) < 0 || span_is(u.scheme, u.scheme_len, "file"))
		return xstrdup("");
	return xstrndup(u.host, u.host_len);
}

bool url_host_within(const char *host, const char *domain, size_t n)
{
	if (n && *domain == '.') {
		domain++;
		n--;
	}
	size_t hl = strlen(host);
	return n && n <= hl && !strncasecmp(host + hl - n, domain, n) &&
	       (n == hl || host[hl - n - 1] == '.');
}

static void trim_span(const char **b, const char **e)
{
	while (*b < *e && (**b == ' ' || **b == '\t'))
		(*b)++;
	while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

int cookie_split(const char *s, struct strlist *names, struct strlist *values, const char **why)
{
	int n = 0;
	const char *p = s;
	while (*p) {
		const char *end = p + strcspn(p, ";");
		const char *b = p, *e = end;
		trim_span(&b, &e);
		if (b < e) {
			const char *eq = memchr(b, '=', (size_t)(e - b));
			if (!eq) {
				*why = "each part must be name=value";
				return -1;
			}
			const char *nb = b, *ne = eq, *vb = eq + 1, *ve = e;
			trim_span(&nb, &ne);
			trim_span(&vb, &ve);
			if (nb == ne) {
				*why = "a cookie has no name";
				return -1;
			}
			for (const char *q = nb; q < ve; q++) {
				unsigned char c = (unsigned char)*q;
				if (c < 0x20 || c == 0x7f || (q < ne && (c == ' ' || c == '\t' || c == ',')) ||
				    (q >= vb && c == ','))
					goto bad;
			}
			char *name = xstrndup(nb, (size_t)(ne - nb));
			char *value = xstrndup(vb, (size_t)(ve - vb));
			strlist_add(names, name);
			strlist_add(values, value);
			free(name);
			free(value);
			n++;
		}
		p = *end ? end + 1 : end;
	}
	return n;
bad:
	*why = "a cookie holds a character cookies cannot (control, comma, or a blank in a name)";
	return -1;
}

int url_read_stream(FILE *f, const char *name,
		    void (*cb)(void *ud, const char *line, size_t len, int lineno), void *ud,
		    char **err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		/* By length: a NUL byte in a line is the line's, to be refused with it. */
		const char *s = line, *e = line + n;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e || *s == '#')
			continue;
		cb(ud, s, (size_t)(e - s), lineno);
	}
	int rc = 0;
	if (ferror(f)) {
		*err = xasprintf("%s: %s", name, strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
}

int url_read_lines(const char *path,
		   void (*cb)(void *ud, const char *line, size_t len, int lineno), void *ud,
		   char **err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = url_read_stream(f, path, cb, ud, err);
	if (f != stdin)
		fclose(f);
	return rc;
}
