/* URL list lines and what is made of them: the list reader, normalisation
 * (IDNA included), the parts, the origin and host, the cookie string, and
 * the quoting of an input for a message. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "urls.h"
#include "util.h"

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* What a normalised URL always is, and that normalising it again keeps it. */
static void check_normalised(const char *url)
{
	size_t n = strlen(url);
	FUZZ_CHECK(starts(url, "http://") || starts(url, "https://") || starts(url, "file:///"));
	FUZZ_CHECK(utf8_valid(url, n));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)url[i] > 0x20 && url[i] != 0x7f);
	const char *why = NULL;
	char *again = url_normalise(url, &why);
	FUZZ_CHECK(again && !strcmp(again, url));
	free(again);
	struct url_parts u;
	FUZZ_CHECK(url_split(url, &u) == 0);
	/* Only ASCII goes to the browser as a host. */
	for (size_t i = 0; i < u.host_len; i++)
		FUZZ_CHECK((unsigned char)u.host[i] < 0x80);
	char *origin = url_origin(url);
	if (origin) {
		FUZZ_CHECK(starts(url, origin));
		free(origin);
	}
	free(url_host(url));
}

struct lines {
	int calls, last_lineno;
};

static void on_line(void *ud, const char *line, size_t len, int lineno)
{
	struct lines *l = ud;
	FUZZ_CHECK(len > 0 && line[0] != '#' && lineno > l->last_lineno);
	l->calls++;
	l->last_lineno = lineno;
	const char *why = NULL;
	char *url = url_normalise_n(line, len, &why);
	FUZZ_CHECK((url == NULL) != (why == NULL));
	if (url) {
		FUZZ_CHECK(!memchr(line, '\0', len)); /* a NUL byte is never dropped quietly */
		check_normalised(url);
		free(url);
	}
}

FUZZ_ENTRY(urls)
{
	fuzz_quiet_checked_log();
	/* The whole input as a list file. */
	FILE *f = fmemopen((void *)data, size ? size : 1, "r");
	if (size && f) {
		struct lines l = { 0 };
		char *err = NULL;
		FUZZ_CHECK(url_read_stream(f, "list", on_line, &l, &err) == 0);
		free(err);
	}
	if (f)
		fclose(f);

	/* The input as one string: a URL argument, a cookie, a quoted input. */
	char *s = fuzz_str(data, size);
	const char *why = NULL;
	char *url = url_normalise(s, &why);
	if (url) {
		check_normalised(url);
		free(url);
	}
	struct url_parts u;
	if (url_split(s, &u) == 0) {
		FUZZ_CHECK(u.host >= s && u.host + u.host_len <= s + strlen(s));
		FUZZ_CHECK(!u.has_port || u.port + u.port_len <= s + strlen(s));
	}
	free(url_host(s));
	free(url_origin(s));

	struct strlist names = { 0 }, values = { 0 };
	int n = cookie_split(s, &names, &values, &why);
	FUZZ_CHECK(n < 0 || ((size_t)n == names.n && names.n == values.n));
	for (size_t i = 0; n > 0 && i < names.n; i++)
		FUZZ_CHECK(*names.v[i] && !strpbrk(names.v[i], ",; \t") &&
			   !strpbrk(values.v[i], ",;"));
	strlist_free(&names);
	strlist_free(&values);

	char *q = str_quote(s, QUOTE_MAX);
	fuzz_check_text(q, QUOTE_MAX + 64);
	free(q);
	free(s);
	return 0;
}
