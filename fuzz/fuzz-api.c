/* The hosted API's answers: an error's status and body (any of the
 * documented forms, or anything else a proxy or a broken server sends),
 * and a 200's body, which must be the whole image asked for. */
#include "config.h"

#include <string.h>

#include "api.h"
#include "fuzz.h"
#include "image.h"
#include "util.h"

FUZZ_ENTRY(api)
{
	fuzz_quiet_checked_log();
	if (size < 2)
		return 0;
	long status = 100 + (long)((data[0] << 8 | data[1]) % 500);
	data += 2, size -= 2;

	char *msg = NULL;
	int code = api_error_code(status, data, size, &msg);
	/* A code savepage can act on, and words a terminal can show. */
	FUZZ_CHECK(code >= 400 && code < 600);
	FUZZ_CHECK(msg);
	fuzz_check_text(msg, QUOTE_MAX + 64);
	free(msg);

	/* A 200's body: only a whole image of the asked format passes. */
	enum image_format f;
	if (image_sniff(data, size, &f) == 0) {
		int w = -1, h = -1;
		bool whole = image_complete(data, size, f);
		if (image_dimensions(data, size, &w, &h) == 0)
			FUZZ_CHECK(w >= 0 && h >= 0);
		FUZZ_CHECK(!whole || size >= 4);
	}
	return 0;
}
