/* What the fuzz targets share: the checked log sink and the text check. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "util.h"

/* A message is one line of text a person can read: UTF-8 without control
 * characters, and never a whole input's worth of bytes (log.c cuts at
 * 1000, then says how long it was). */
#define MESSAGE_MAX 1064

void fuzz_check_text(const char *text, size_t max)
{
	size_t n = strlen(text);
	if (n > max)
		fprintf(stderr, "text of %zu bytes: %.200s...\n", n, text);
	FUZZ_CHECK(n <= max);
	if (!utf8_valid(text, n))
		fprintf(stderr, "text not UTF-8: %.200s\n", text);
	FUZZ_CHECK(utf8_valid(text, n));
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((unsigned char)text[i] >= 0x20 && text[i] != 0x7f);
	/* C1 controls too (U+0080 to U+009F). */
	for (size_t i = 0; i + 1 < n; i++)
		FUZZ_CHECK(!((unsigned char)text[i] == 0xc2 && (unsigned char)text[i + 1] < 0xa0));
}

static void checked_sink(const char *line)
{
	fuzz_check_text(line, MESSAGE_MAX);
}

void fuzz_quiet_checked_log(void)
{
	log_set_level(LOG_DEBUG); /* every message is checked, debug ones too */
	log_set_sink(checked_sink);
}
