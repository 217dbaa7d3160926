/* proxy: which proxy a request goes through, as curl decides it: --proxy
 * for every scheme, else http_proxy for http://, https_proxy (HTTPS_PROXY)
 * for https://, all_proxy (ALL_PROXY) for what has none of its own; hosts
 * in --no-proxy (else no_proxy, NO_PROXY) go direct. Also what Chrome is
 * told: its proxy rules and bypass list, with the credentials kept apart
 * (Chrome asks for them; they never go in its arguments). */
#ifndef SAVEPAGE_PROXY_H
#define SAVEPAGE_PROXY_H

#include <stdbool.h>

/* A proxy address, taken apart. */
struct proxy {
	char *scheme;   /* "http", "https" or "socks5" */
	char *hostport; /* host:port (port defaulted: 1080 socks5, 443 https, else 1080 http as curl) */
	char *user, *password; /* NULL when the address has none (decoded) */
};

/* Parses "[scheme://][user:password@]host[:port][/]" (no scheme: http).
 * 0, or -1 with *why (static text). */
int proxy_parse(const char *url, struct proxy *out, const char **why);
void proxy_free(struct proxy *p);

/* The address with the password replaced by "***" (caller frees), for
 * messages: everything up to the last '@' is taken for the login, so a
 * password with '/', '?', '#' or '@' in it is hidden too. */
char *proxy_redact(const char *url);

/* The proxies in force, after the flags and the environment. */
struct proxy_conf {
	char *http;     /* for http:// URLs; NULL: direct */
	char *https;    /* for https:// URLs */
	char *no_proxy; /* curl's list: "host,.domain,10.0.0.0/8" or "*" */
};

/* Chrome's proxy rules for a browser context ("http=http://HOST:PORT;https=
 * socks5://HOST:PORT"), or "direct://" when nothing goes through a proxy
 * (caller frees). */
char *proxy_chrome_rules(const struct proxy_conf *c);
/* Chrome's bypass list for no_proxy: each host and its subdomains, and
 * loopback addresses proxied too, as curl does (caller frees). */
char *proxy_chrome_bypass(const struct proxy_conf *c);
/* The credentials of the proxy at origin ("scheme://host:port", as Chrome
 * names the proxy that asks), or of any proxy when origin is NULL; false
 * when it has none. The caller frees both strings. */
bool proxy_credentials(const struct proxy_conf *c, const char *origin, char **user,
		       char **password);

#endif
