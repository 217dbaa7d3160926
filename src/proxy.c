#include "config.h"

#include "proxy.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* %XX decoding, for a user name or password given in an address. */
static char *pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

int proxy_parse(const char *url, struct proxy *out, const char **why)
{
	memset(out, 0, sizeof *out);
	const char *p = url, *sep = strstr(url, "://");
	const char *scheme = "http";
	if (sep) {
		size_t n = (size_t)(sep - url);
		if (n == 4 && !strncasecmp(url, "http", 4))
			scheme = "http";
		else if (n == 5 && !strncasecmp(url, "https", 5))
			scheme = "https";
		else if ((n == 6 && !strncasecmp(url, "socks5", 6)) ||
			 (n == 7 && !strncasecmp(url, "socks5h", 7)))
			scheme = "socks5";
		else {
			*why = "is not an http://, https:// or socks5:// proxy";
			return -1;
		}
		p = sep + 3;
	}
	size_t len = strcspn(p, "/?#");
	if (p[len] && strcmp(p + len, "/")) {
		*why = "has a path; a proxy is scheme://[user:password@]host[:port]";
		return -1;
	}
	const char *at = NULL;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '@')
			at = p + i;
	const char *host = at ? at + 1 : p;
	size_t hlen = len - (size_t)(host - p);
	if (hlen == 0 || hlen > 255) {
		*why = "has no host";
		return -1;
	}
	for (size_t i = 0; i < hlen; i++) {
		unsigned char c = (unsigned char)host[i];
		if (!isalnum(c) && !strchr(".-_:[]", c)) {
			*why = "has a host name that is not one";
			return -1;
		}
	}
	/* The port: after the last ':' outside an IPv6 address's brackets. */
	const char *close = memchr(host, ']', hlen);
	const char *colon = NULL;
	for (const char *c = close ? close : host; c < host + hlen; c++)
		if (*c == ':')
			colon = c;
	if (colon) {
		size_t pn = (size_t)(host + hlen - colon - 1);
		if (pn == 0 || pn > 5 || strspn(colon + 1, "0123456789") < pn ||
		    atoi(colon + 1) < 1 || atoi(colon + 1) > 65535) {
			*why = "has a port that is not 1 to 65535";
			return -1;
		}
		out->hostport = xstrndup(host, hlen);
	} else {
		out->hostport = xasprintf("%.*s:%s", (int)hlen, host,
					  !strcmp(scheme, "https") ? "443" : "1080");
	}
	out->scheme = xstrdup(scheme);
	if (at) {
		const char *cred = p;
		size_t cn = (size_t)(at - p);
		const char *c = memchr(cred, ':', cn);
		out->user = pct_decode(cred, c ? (size_t)(c - cred) : cn);
		out->password = c ? pct_decode(c + 1, cn - (size_t)(c - cred) - 1) : xstrdup("");
	}
	return 0;
}

void proxy_free(struct proxy *p)
{
	free(p->scheme);
	free(p->hostport);
	free(p->user);
	free(p->password);
	memset(p, 0, sizeof *p);
}

char *proxy_redact(const char *url)
{
	const char *sep = strstr(url, "://");
	const char *p = sep ? sep + 3 : url;
	const char *at = strrchr(p, '@');
	if (!at)
		return xstrdup(url);
	const char *c = memchr(p, ':', (size_t)(at - p));
	size_t keep = c ? (size_t)(c - url) : (size_t)(at - url);
	return xasprintf("%.*s%s%s", (int)keep, url, c ? ":***" : "", at);
}

/* One rule: "SCHEME=scheme://host:port". */
static void add_rule(struct buf *b, const char *for_scheme, const char *url)
{
	struct proxy p;
	const char *why;
	if (!url || !*url || proxy_parse(url, &p, &why) < 0)
		return;
	buf_appendf(b, "%s%s=%s://%s", b->len ? ";" : "", for_scheme, p.scheme, p.hostport);
	proxy_free(&p);
}

char *proxy_chrome_rules(const struct proxy_conf *c)
{
	struct buf b = { 0 };
	if (!c->no_proxy || strcmp(c->no_proxy, "*")) {
		add_rule(&b, "http", c->http);
		add_rule(&b, "https", c->https);
	}
	/* None: said outright, or Chrome would fall back on its own setting
	 * (the environment's proxies, read its own way). */
	if (!b.len)
		buf_puts(&b, "direct://");
	return (char *)b.data;
}

char *proxy_chrome_bypass(const struct proxy_conf *c)
{
	struct buf b = { 0 };
	/* Chrome never proxies loopback by itself; curl does. */
	buf_puts(&b, "<-loopback>");
	const char *s = c->no_proxy ? c->no_proxy : "";
	while (*s) {
		size_t n = strcspn(s, ", \t");
		if (n) {
			const char *e = s;
			size_t en = n;
			if (*e == '.') { /* ".example.com": the same as "example.com" */
				e++;
				en--;
			}
			if (en && memchr(e, '/', en))
				buf_appendf(&b, ";%.*s", (int)en, e); /* a CIDR block */
			else if (en)
				buf_appendf(&b, ";%.*s;*.%.*s", (int)en, e, (int)en, e);
		}
		s += n;
		s += strspn(s, ", \t");
	}
	return (char *)b.data;
}

bool proxy_credentials(const struct proxy_conf *c, const char *origin, char **user,
		       char **password)
{
	const char *urls[] = { c->http, c->https };
	const char *at = origin && strstr(origin, "://") ? strstr(origin, "://") + 3 : origin;
	size_t n = at ? strcspn(at, "/") : 0;
	for (size_t i = 0; i < 2; i++) {
		struct proxy p;
		const char *why;
		if (!urls[i] || !*urls[i] || proxy_parse(urls[i], &p, &why) < 0)
			continue;
		/* Only the proxy that asks gets its own login. */
		bool that_one = !at || (strlen(p.hostport) == n && !strncasecmp(p.hostport, at, n));
		if (p.user && that_one) {
			*user = p.user;
			*password = p.password;
			p.user = p.password = NULL;
			proxy_free(&p);
			return true;
		}
		proxy_free(&p);
	}
	return false;
}
