/* The --name template: whatever the template and the URL, the name is a
 * safe relative path inside the output directory or archive. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "sink.h"
#include "urls.h"
#include "util.h"

FUZZ_ENTRY(name)
{
	fuzz_quiet_checked_log();
	/* The template, then the URL (normalised as a run would, or else as
	 * given: an invalid input has no URL), then numbers. */
	size_t tl = 0, ul = 0;
	const uint8_t *t = fuzz_part(&data, &size, '\n', &tl);
	const uint8_t *u = fuzz_part(&data, &size, '\n', &ul);
	if (!t)
		return 0;
	char *tmpl = fuzz_str(t, tl);
	char *raw = u ? fuzz_str(u, ul) : NULL;
	const char *why = NULL;
	char *url = raw ? url_normalise(raw, &why) : NULL;
	struct sink_item it = { 0 };
	it.url = url ? url : raw;
	it.line = size > 0 ? data[0] * 1000 : 1;
	it.width = size > 1 ? data[1] * 50 : 1440;
	it.height = size > 2 ? data[2] * 300 : 900;
	it.format = size > 3 && (data[3] & 1) ? IMAGE_PNG : IMAGE_JPEG;
	it.options_key = size > 4 ? "width=800" : NULL;

	char *name = sink_expand_name(tmpl, &it);
	size_t n = strlen(name);
	FUZZ_CHECK(n > 0 && name[0] != '/' && name[n - 1] != '/');
	FUZZ_CHECK(!strstr(name, "//"));
	/* Only these bytes: no control character, no byte a shell or another
	 * system would read otherwise, nothing that is not UTF-8. */
	FUZZ_CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") ==
		   n);
	/* No component is empty, hidden, "." or "..", or too long for a file name. */
	char *copy = xstrdup(name), *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		FUZZ_CHECK(c[0] != '.');
		FUZZ_CHECK(strlen(c) <= 200);
	}
	free(copy);
	free(name);
	free(url);
	free(raw);
	free(tmpl);
	return 0;
}
