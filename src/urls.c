#include "config.h"

#include "urls.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "util.h"

static bool host_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

char *url_normalise(const char *in, const char **why)
{
	while (isspace((unsigned char)*in))
		in++;
	size_t len = strlen(in);
	while (len > 0 && isspace((unsigned char)in[len - 1]))
		len--;
	if (len == 0) {
		*why = "blank URL";
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x20 || c == 0x7f || c == ' ') {
			*why = "URL contains a space or control character";
			return NULL;
		}
	}

	struct buf out = { 0 };
	const char *p = in, *end = in + len;
	const char *sep = strstr(in, "://");
	if (sep && sep < end) {
		size_t slen = (size_t)(sep - in);
		char scheme[16];
		if (slen == 0 || slen >= sizeof scheme) {
			*why = "unsupported URL scheme (use http, https or file)";
			return NULL;
		}
		for (size_t i = 0; i < slen; i++)
			scheme[i] = (char)tolower((unsigned char)in[i]);
		scheme[slen] = '\0';
		if (strcmp(scheme, "http") && strcmp(scheme, "https") && strcmp(scheme, "file")) {
			*why = "unsupported URL scheme (use http, https or file)";
			return NULL;
		}
		buf_appendf(&out, "%s://", scheme);
		p = sep + 3;
		if (!strcmp(scheme, "file")) {
			if (p >= end || *p != '/') {
				buf_free(&out);
				*why = "a file URL needs an absolute path (file:///path)";
				return NULL;
			}
			buf_append(&out, p, (size_t)(end - p));
			return (char *)out.data;
		}
	} else {
		buf_append(&out, "https://", 8);
	}

	/* authority: [userinfo@]host[:port] */
	const char *auth_end = p;
	while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
		auth_end++;
	const char *host = p;
	for (const char *q = p; q < auth_end; q++)
		if (*q == '@')
			host = q + 1;
	if (host > p)
		buf_append(&out, p, (size_t)(host - p));
	const char *host_end = auth_end, *port = NULL;
	if (host < auth_end && *host == '[') {
		const char *rb = memchr(host, ']', (size_t)(auth_end - host));
		if (!rb || rb == host + 1)
			goto bad_host;
		for (const char *q = host + 1; q < rb; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
				goto bad_host;
		host_end = rb + 1;
		if (host_end < auth_end) {
			if (*host_end != ':')
				goto bad_host;
			port = host_end + 1;
		}
	} else {
		const char *colon = memchr(host, ':', (size_t)(auth_end - host));
		if (colon) {
			host_end = colon;
			port = colon + 1;
		}
		if (host_end == host)
			goto bad_host;
		for (const char *q = host; q < host_end; q++)
			if (!host_char_ok((unsigned char)*q))
				goto bad_host;
		if (*host == '.' || *host == '-')
			goto bad_host;
		for (const char *q = host; q + 1 < host_end; q++)
			if (q[0] == '.' && q[1] == '.')
				goto bad_host;
	}
	for (const char *q = host; q < host_end; q++) {
		char c = (char)tolower((unsigned char)*q);
		buf_append(&out, &c, 1);
	}
	if (port) {
		if (port == auth_end || auth_end - port > 5)
			goto bad_port;
		long v = 0;
		for (const char *q = port; q < auth_end; q++) {
			if (!isdigit((unsigned char)*q))
				goto bad_port;
			v = v * 10 + (*q - '0');
		}
		if (v < 1 || v > 65535)
			goto bad_port;
		buf_append(&out, port - 1, (size_t)(auth_end - port + 1));
	}
	if (auth_end == end || *auth_end != '/')
		buf_append(&out, "/", 1);
	buf_append(&out, auth_end, (size_t)(end - auth_end));
	return (char *)out.data;

bad_host:
	buf_free(&out);
	*why = "URL has no valid host name";
	return NULL;
bad_port:
	buf_free(&out);
	*why = "URL has an invalid port";
	return NULL;
}

static const char *after_scheme(const char *url)
{
	const char *s = strstr(url, "://");
	return s ? s + 3 : NULL;
}

char *url_origin(const char *url)
{
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return NULL;
	const char *p = after_scheme(url);
	size_t n = strcspn(p, "/?#");
	return xasprintf("%.*s%.*s/", (int)(p - url), url, (int)n, p);
}

char *url_host(const char *url)
{
	const char *p = after_scheme(url);
	if (!p || !strncmp(url, "file://", 7))
		return xstrdup("");
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', n);
		return xstrndup(p, rb ? (size_t)(rb - p + 1) : n);
	}
	const char *colon = memchr(p, ':', n);
	return xstrndup(p, colon ? (size_t)(colon - p) : n);
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

int url_read_lines(const char *path, void (*cb)(void *ud, const char *line, int lineno),
		   void *ud, char **err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		char *s = str_trim(line);
		if (!*s || *s == '#')
			continue;
		cb(ud, s, lineno);
	}
	int rc = 0;
	if (ferror(f)) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}
