/* Adblock Plus lists, hosts files and domain lists (--noads, --blocklist),
 * and the compiled copy kept in the cache directory (which may be damaged):
 * parsed, then asked about requests and about a page's class and id names. */
#include "config.h"

#include <string.h>

#include "blocklist.h"
#include "fuzz.h"
#include "util.h"

/* One rule a line, each a selector list and the one declaration: nothing in
 * a list can add CSS of its own. */
static void check_css(const char *css)
{
	static const char decl[] = "{display:none!important}";
	for (const char *line = css; *line;) {
		const char *nl = strchr(line, '\n');
		FUZZ_CHECK(nl);
		size_t n = (size_t)(nl - line);
		FUZZ_CHECK(n > strlen(decl) && !memcmp(nl - strlen(decl), decl, strlen(decl)));
		const char *open = memchr(line, '{', n), *close = memchr(line, '}', n);
		FUZZ_CHECK(open == nl - strlen(decl) && close == nl - 1);
		line = nl + 1;
	}
}

FUZZ_ENTRY(blocklist)
{
	fuzz_quiet_checked_log();
	if (size < 1)
		return 0;
	bool compiled = data[0] & 1;
	data++, size--;
	struct blocklist *bl = NULL;
	if (compiled) {
		bl = blocklist_parse_compiled((const char *)data, size);
		if (!bl)
			return 0;
	} else {
		char *text = fuzz_str(data, size);
		bl = blocklist_parse_text(text);
		free(text);
	}
	/* The input's words as a page's names and as requests. */
	char *words = fuzz_str(data, size), *save = NULL;
	const char *names[64];
	size_t n = 0;
	for (char *w = strtok_r(words, " \t\r\n", &save); w && n < 64;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		names[n++] = w;
		bool host = blocklist_blocks_host(bl, w);
		char *url = xasprintf("https://%s/x", w);
		bool by_url = blocklist_blocks_url(bl, url);
		/* A request is blocked by its host: the two answers agree for a
		 * word that is a host and nothing else. */
		if (strspn(w, "abcdefghijklmnopqrstuvwxyz0123456789-.") == strlen(w))
			FUZZ_CHECK(host == by_url);
		free(url);
	}
	char *css = blocklist_css_for(bl, names, n);
	check_css(css);
	free(css);
	free(words);
	FUZZ_CHECK(blocklist_selector_count(bl) <= size);
	blocklist_free(bl);
	return 0;
}
