#include "config.h"

#include <stdlib.h>

#include "sink.h"
#include "unit.h"
#include "util.h"

static void b64(const char *in, const char *want)
{
	struct buf b = { 0 };
	int rc = base64_decode(in, strlen(in), &b);
	if (want) {
		CHECK(rc == 0);
		CHECK(b.len == strlen(want));
		CHECK(rc == 0 && b.data && memcmp(b.data, want, b.len) == 0);
	} else {
		CHECK(rc < 0);
	}
	buf_free(&b);
}

int main(void)
{
	b64("", "");
	b64("Zg==", "f");
	b64("Zm8=", "fo");
	b64("Zm9v", "foo");
	b64("Zm9vYg==", "foob");
	b64("Zm9vYmE=", "fooba");
	b64("Zm9vYmFy", "foobar");
	b64("Zm9vYmFy\n", NULL);
	b64("Z", NULL);
	b64("Zm9*", NULL);

	struct buf b = { 0 };
	for (int i = 0; i < 1000; i++)
		buf_appendf(&b, "%d,", i);
	CHECK(b.len == 3890);
	CHECK(strncmp((char *)b.data + b.len - 4, "999,", 4) == 0);
	CHECK(b.data[b.len] == '\0');
	buf_reset(&b);
	CHECK(b.len == 0);
	buf_free(&b);

	CHECK(hash64("a", 1, 0) != hash64("b", 1, 0));
	CHECK(hash64("a", 1, 0) == hash64("a", 1, 0));
	CHECK(hash64("a", 1, 0) != hash64("a", 1, 1));

	char *n = sink_default_name("https://example.org/a/b.html?x=1", "k", IMAGE_JPEG);
	CHECK(strncmp(n, "example.org_a_b.html-", 21) == 0);
	CHECK(strlen(n) == 21 + 8 + 4);
	CHECK(strcmp(n + strlen(n) - 4, ".jpg") == 0);
	char *n2 = sink_default_name("https://example.org/a/b.html?x=1", "other", IMAGE_JPEG);
	CHECK(strcmp(n, n2) != 0); /* options change the hash */
	free(n2);
	free(n);
	n = sink_default_name("https://example.org/", NULL, IMAGE_PNG);
	CHECK(strncmp(n, "example.org-", 12) == 0 && strstr(n, ".png"));
	free(n);
	n = sink_default_name("http://[::1]:8080/../../etc/passwd", NULL, IMAGE_PNG);
	CHECK(strchr(n, '/') == NULL && n[0] != '.' && !strstr(n, ".."));
	free(n);
	n = sink_default_name("file:///", NULL, IMAGE_PNG);
	CHECK(strncmp(n, "page-", 5) == 0);
	free(n);
	return unit_done();
}
