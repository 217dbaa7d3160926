#include "config.h"

#include <stdlib.h>

#include "options.h"
#include "proxy.h"
#include "unit.h"
#include "urls.h"

static void norm(const char *in, const char *want)
{
	const char *why = NULL;
	char *got = url_normalise(in, &why);
	CHECK_STR(got, want);
	if (!want && !why)
		printf("FAIL: no reason given for refusing '%s'\n", in), unit_failures++;
	free(got);
}

struct lines {
	int n, refused, refused_line;
	char *last;
};

static void on_line(void *ud, const char *line, size_t len, int lineno)
{
	struct lines *l = ud;
	const char *why = NULL;
	char *url = url_normalise_n(line, len, &why);
	l->n++;
	if (!url) {
		l->refused++;
		l->refused_line = lineno;
		return;
	}
	free(l->last);
	l->last = url;
}

static void split(const char *in, int want_n, const char *want_first_name,
		  const char *want_first_value)
{
	struct strlist n = { 0 }, v = { 0 };
	const char *why = NULL;
	int got = cookie_split(in, &n, &v, &why);
	CHECK(got == want_n);
	if (got > 0) {
		CHECK_STR(n.v[0], want_first_name);
		CHECK_STR(v.v[0], want_first_value);
	}
	if (got < 0)
		CHECK(why != NULL);
	strlist_free(&n);
	strlist_free(&v);
}

int main(void)
{
	norm("example.com", "https://example.com/");
	norm("  Example.COM/Path?q=A#F  ", "https://example.com/Path?q=A#F");
	norm("HTTP://Example.com", "http://example.com/");
	norm("https://example.com:8443", "https://example.com:8443/");
	norm("localhost:8080/x", "https://localhost:8080/x");
	norm("http://user:pw@host.example/", "http://user:pw@host.example/");
	norm("http://[::1]:8080/a", "http://[::1]:8080/a");
	norm("http://127.0.0.1/", "http://127.0.0.1/");
	/* Unicode hosts in their IDNA form; text only; no C0 or C1 controls. */
	norm("https://bücher.example/", "https://xn--bcher-kva.example/");
	norm("BÜCHER.example/ö", "https://xn--bcher-kva.example/ö");
	norm("http://\xe2\x98\x83.net:81/", "http://xn--n3h.net:81/");
	norm("http://a\xa5" "b.org/", NULL);
	norm("http://ex.org/\xc2\x85", NULL);
	norm("http://ex.org/\xc3", NULL);
	norm("http://example.com?x=1", "http://example.com/?x=1");
	norm("file:///tmp/a.html", "file:///tmp/a.html");
	norm("", NULL);
	norm("   ", NULL);
	norm("ftp://example.com/", NULL);
	{
		/* url_split: spans of the URL, nothing copied. */
		struct url_parts u;
		CHECK(url_split("https://u:p@[::1]:8080/a?b#c", &u) == 0);
		CHECK(u.scheme_len == 5 && u.userinfo_len == 3 && u.host_len == 5);
		CHECK(u.has_port && u.port_len == 4 && !strcmp(u.rest, "/a?b#c"));
		CHECK(url_split("ws://h", &u) == 0 && u.host_len == 1 && !u.has_port && !*u.rest);
		CHECK(url_split("no-scheme", &u) < 0 && url_split("http://[::1", &u) < 0);
		CHECK(url_split("http://[::1]x/", &u) < 0);
	}
	norm("javascript:alert(1)", NULL);
	norm("http://", NULL);
	norm("http://exa mple.com/", NULL);
	norm("http://host:0/", NULL);
	norm("http://host:99999/", NULL);
	norm("http://host:12a/", NULL);
	norm("http://-bad.org/", NULL);
	norm("http://a..b/", NULL);
	norm("http://[zz]/", NULL);
	/* Found by fuzz/fuzz-urls: a Unicode name that IDNA turns into a
	 * bracket, and brackets that are no IPv6 address. */
	norm("\xe2\x80\x8d[e.e..", NULL);
	norm("http://[e.e.]/", NULL);
	norm("http://[::1/", NULL);
	norm("http://[1.2]/", NULL);
	norm("file://relative", NULL);
	norm("http://tab\there/", NULL);

	char *o = url_origin("https://a.example:81/x/y?z");
	CHECK_STR(o, "https://a.example:81/");
	free(o);
	CHECK(url_origin("file:///x") == NULL);
	char *h = url_host("http://u@a.example:81/x");
	CHECK_STR(h, "a.example");
	free(h);
	h = url_host("http://[::1]:81/x");
	CHECK_STR(h, "[::1]");
	free(h);
	h = url_host("file:///tmp/x");
	CHECK_STR(h, "");
	free(h);

	/* A list line holding a NUL byte is refused whole, not cut at the NUL. */
	{
		static const char list[] = "https://a.example/\0tail\n  # c\n\n b.example  \n";
		FILE *f = fmemopen((void *)list, sizeof list - 1, "r");
		struct lines got = { 0 };
		char *err = NULL;
		CHECK(f && url_read_stream(f, "list", on_line, &got, &err) == 0);
		if (f)
			fclose(f);
		CHECK(got.n == 2);
		CHECK(got.refused == 1 && got.refused_line == 1);
		CHECK_STR(got.last, "https://b.example/");
		free(got.last);
	}

	split("SID=abc; lang=de", 2, "SID", "abc");
	split("  a = 1 ;b=2 ", 2, "a", "1");
	split("a=", 1, "a", "");
	split("a=b=c", 1, "a", "b=c");
	split(";;", 0, NULL, NULL);
	split("novalue", -1, NULL, NULL);
	split("=x", -1, NULL, NULL);
	split("a b=1", -1, NULL, NULL);
	split("a=1,2", -1, NULL, NULL);

	/* Proxies, as curl reads them. */
	struct proxy px;
	const char *why;
	CHECK(proxy_parse("proxy.example:3128", &px, &why) == 0);
	CHECK_STR(px.scheme, "http");
	CHECK_STR(px.hostport, "proxy.example:3128");
	CHECK(px.user == NULL);
	proxy_free(&px);
	CHECK(proxy_parse("socks5://10.0.0.1", &px, &why) == 0);
	CHECK_STR(px.hostport, "10.0.0.1:1080");
	proxy_free(&px);
	CHECK(proxy_parse("HTTPS://u%40x:p%3Aw@[::1]:8443/", &px, &why) == 0);
	CHECK_STR(px.scheme, "https");
	CHECK_STR(px.hostport, "[::1]:8443");
	CHECK_STR(px.user, "u@x");
	CHECK_STR(px.password, "p:w");
	proxy_free(&px);
	CHECK(proxy_parse("ftp://h", &px, &why) < 0);
	CHECK(proxy_parse("http://h:0", &px, &why) < 0);
	CHECK(proxy_parse("http://h:8080/path", &px, &why) < 0);
	CHECK(proxy_parse("http://", &px, &why) < 0);
	CHECK(proxy_parse("http://h h", &px, &why) < 0);
	char *red = proxy_redact("http://ann:secret@h:1");
	CHECK_STR(red, "http://ann:***@h:1");
	free(red);
	red = proxy_redact("http://ann:pa/ss?x#y@h:1"); /* never the password */
	CHECK_STR(red, "http://ann:***@h:1");
	free(red);
	red = proxy_redact("ann:p@ss@h");
	CHECK_STR(red, "ann:***@h");
	free(red);
	red = proxy_redact("http://h:1");
	CHECK_STR(red, "http://h:1");
	free(red);
	CHECK(url_host_within("www.example.com", "example.com", 11));
	CHECK(url_host_within("Example.COM", "example.com", 11));
	CHECK(!url_host_within("badexample.com", "example.com", 11));
	CHECK(url_host_within("other.org", ".other.org", 10));
	CHECK(!url_host_within("org", "other.org", 9));
	CHECK(!url_host_within("a.example", "", 0));
	struct proxy_conf pc = { "http://u:p@h:1", "socks5://s:2", "a.example, 10.0.0.0/8" };
	char *rules = proxy_chrome_rules(&pc), *bypass = proxy_chrome_bypass(&pc);
	CHECK_STR(rules, "http=http://h:1;https=socks5://s:2");
	CHECK_STR(bypass, "<-loopback>;a.example;*.a.example;10.0.0.0/8");
	free(rules);
	free(bypass);
	char *u = NULL, *pw = NULL;
	CHECK(proxy_credentials(&pc, NULL, &u, &pw));
	CHECK_STR(u, "u");
	CHECK_STR(pw, "p");
	free(u);
	free(pw);
	/* Only the proxy that asks gets its login. */
	CHECK(proxy_credentials(&pc, "http://h:1", &u, &pw));
	free(u);
	free(pw);
	CHECK(!proxy_credentials(&pc, "http://s:2", &u, &pw));
	CHECK(!proxy_credentials(&pc, "http://h:10", &u, &pw));
	pc.no_proxy = "*";
	rules = proxy_chrome_rules(&pc);
	CHECK_STR(rules, "direct://"); /* said outright: not Chrome's own setting */
	free(rules);
	struct proxy_conf none = { 0 };
	rules = proxy_chrome_rules(&none);
	CHECK_STR(rules, "direct://");
	free(rules);
	return unit_done();
}
