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

	/* Names from templates. */
	struct sink_item it = { 0 };
	it.url = (char *)"https://example.org/a/b.html?x=1";
	it.options_key = "k";
	it.format = IMAGE_JPEG;
	it.line = 7;
	it.width = 800;
	it.height = 600;
	char *n = sink_expand_name(SINK_DEFAULT_NAME, &it);
	CHECK(strncmp(n, "example.org_a_b.html-", 21) == 0);
	CHECK(strlen(n) == 21 + 8 + 4);
	CHECK(strcmp(n + strlen(n) - 4, ".jpg") == 0);
	it.options_key = "other";
	char *n2 = sink_expand_name(SINK_DEFAULT_NAME, &it);
	CHECK(strcmp(n, n2) != 0); /* options change the hash */
	free(n2);
	free(n);
	n = sink_expand_name("{n}-{w}x{h}.{ext}", &it);
	CHECK_STR(n, "7-800x600.jpg");
	free(n);
	n = sink_expand_name("shots/{host}/{n}.{ext}", &it);
	CHECK_STR(n, "shots/example.org/7.jpg");
	free(n);
	n = sink_expand_name("/abs/../../{host}/./x{unknown}.{ext}", &it);
	CHECK_STR(n, "abs/example.org/x_unknown_.jpg");
	free(n);
	it.url = (char *)"https://example.org/";
	it.format = IMAGE_PNG;
	n = sink_expand_name(SINK_DEFAULT_NAME, &it);
	CHECK(strncmp(n, "example.org-", 12) == 0 && strstr(n, ".png"));
	free(n);
	it.url = (char *)"http://[::1]:8080/../../etc/passwd";
	n = sink_expand_name(SINK_DEFAULT_NAME, &it);
	CHECK(strchr(n, '/') == NULL && n[0] != '.' && !strstr(n, ".."));
	free(n);
	it.url = (char *)"http://h/\x01\x1b[31m";
	n = sink_expand_name("{path}", &it);
	CHECK_STR(n, "_31m"); /* the control characters are gone, the rest is kept */
	free(n);
	n = sink_expand_name("..", &it);
	CHECK(strncmp(n, "page-", 5) == 0);
	free(n);

	/* UTF-8: what is text and what is not; messages quote the rest. */
	CHECK(utf8_valid("b\xc3\xbc" "cher \xe2\x98\x83 \xf0\x9f\x98\x80", 16));
	CHECK(!utf8_valid("\xa5", 1) && !utf8_valid("\xc3", 1) && !utf8_valid("\xc0\xaf", 2));
	CHECK(!utf8_valid("\xed\xa0\x80", 3) && !utf8_valid("\xf4\x90\x80\x80", 4));
	char *qt = str_quote("a\x1b[31m\xa5 \xc3\xbc\xc2\x85", 200);
	CHECK_STR(qt, "a\\x1B[31m\\xA5 \xc3\xbc\\xC2\\x85");
	free(qt);
	qt = str_quote("abcdefghij", 4);
	CHECK_STR(qt, "abcd... (10 bytes)");
	free(qt);
	struct buf js = { 0 };
	buf_append_json_str(&js, "\xff\xc3\xbc\x7f");
	CHECK_STR((char *)js.data, "\"\xef\xbf\xbd\xc3\xbc\\u007f\"");
	buf_free(&js);

	/* Sets. */
	struct strset set = { 0 };
	char key[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		CHECK(strset_add(&set, key));
	}
	CHECK(!strset_add(&set, "k999") && strset_has(&set, "k0") && !strset_has(&set, "k1000"));
	CHECK(set.count == 1000);
	strset_free(&set);

	/* Digests and JSON strings. */
	char hex[65];
	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	char m5[33];
	md5_hex("", 0, m5);
	CHECK_STR(m5, "d41d8cd98f00b204e9800998ecf8427e");
	struct buf j = { 0 };
	buf_append_json_str(&j, "a\"b\\c\n\x01");
	CHECK_STR((char *)j.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
	buf_free(&j);
	return unit_done();
}
