/* The config file: any bytes in it are applied or refused with a readable
 * message naming the line, never a crash or a setting out of its range. */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "options.h"

FUZZ_ENTRY(config)
{
	fuzz_quiet_checked_log();
	struct settings s;
	settings_init(&s);
	int rc = options_config_text(&s, "config", (const char *)data, size);
	FUZZ_CHECK(rc == 0 || rc == -1);
	const struct render *r = &s.render;
	/* What the file can set stays within what the options allow. */
	FUZZ_CHECK(r->width >= 1 && r->height >= 1);
	FUZZ_CHECK(r->thumb_width >= 0 && r->quality >= 1 && r->quality <= 100);
	FUZZ_CHECK(r->delay >= 0 && r->timeout > 0);
	FUZZ_CHECK(!s.hash || strlen(s.hash) == 32);
	FUZZ_CHECK(!s.name || *s.name);
	settings_free(&s);
	return 0;
}
