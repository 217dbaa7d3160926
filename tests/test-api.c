/* Reading the hosted API's error answers in every form the contract
 * allows: 422 and the message alone (the documented form), a list of
 * messages, a numeric code member, the code as the HTTP status, and
 * answers that are none of these. */
#include "config.h"

#include <stdlib.h>

#include "api.h"
#include "unit.h"

static int code(long status, const char *body, const char *want_message)
{
	char *m = NULL;
	int c = api_error_code(status, body, strlen(body), &m);
	CHECK_STR(m, want_message);
	free(m);
	return c;
}

int main(void)
{
	CHECK(code(422, "{\"error\":\"Cannot verify the API Key\"}", "Cannot verify the API Key") == 461);
	CHECK(code(422, "{\"error\":\"  all workers are busy, please try again later. \"}",
		   "  all workers are busy, please try again later. ") == 481);
	CHECK(code(422, "{\"error\":[\"Something first\",\"Cache error, cannot fetch the cached image\"]}",
		   "Cache error, cannot fetch the cached image") == 491);
	CHECK(code(422, "{\"error\":[\"Only this\"]}", "Only this") == 422);
	CHECK(code(422, "{\"error\":\"Rendering error\",\"code\":490}", "Rendering error") == 490);
	CHECK(code(483, "{\"error\":\"whatever\"}", "whatever") == 483);
	CHECK(code(422, "{\"error\":\"The moon is in the wrong phase\"}",
		   "The moon is in the wrong phase") == 422);
	CHECK(code(500, "<html>oops</html>", "<html>oops</html>") == 500);
	CHECK(code(422, "{\"error\":\"Invalid security hash, access denied.\"}",
		   "Invalid security hash, access denied.") == 471);
	CHECK(code(422, "{\"error\":\"Invalid security hash, access denied..\"}",
		   "Invalid security hash, access denied..") == 422); /* one period only */
	CHECK(code(422, "{\"code\":\"474\",\"error\":\"IP restricted, access denied\"}",
		   "IP restricted, access denied") == 472); /* a string code is no code */
	CHECK(code(502, "", "") == 502);
	CHECK(code(422, "{\"error\":[1,2,{}]}", "{\"error\":[1,2,{}]}") == 422);
	/* The contract's own words and hash, as savepage serve answers them. */
	CHECK_STR(api_error_message(481), "All workers are busy, please try again later");
	CHECK(api_error_message(480) == NULL);
	char h[33];
	api_hash("https://example.org/a?b=1", "s3cret", h);
	CHECK_STR(h, "b04fe0e8f43cd298d3ba52e74322f67a");
	return unit_done();
}
