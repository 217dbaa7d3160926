/* savepage serve's quotas: address ranges (allow=, --real-ip-from), rates
 * as token buckets (per_minute, --per-ip) with their forgetting of quiet
 * addresses, and the month's counts in their file (monthly=). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quota.h"
#include "unit.h"
#include "util.h"

static bool in(const char *range, const char *address)
{
	struct cidr c;
	struct addr a;
	CHECK(cidr_parse(range, &c));
	CHECK(addr_parse(address, &a));
	return cidr_has(&c, &a);
}

int main(void)
{
	/* Ranges. */
	CHECK(in("10.0.0.0/8", "10.255.1.2"));
	CHECK(!in("10.0.0.0/8", "11.0.0.1"));
	CHECK(in("192.0.2.7", "192.0.2.7"));
	CHECK(!in("192.0.2.7", "192.0.2.8"));
	CHECK(in("192.0.2.7/24", "192.0.2.200")); /* host bits past the prefix ignored */
	CHECK(in("0.0.0.0/0", "203.0.113.1"));
	CHECK(!in("0.0.0.0/0", "2001:db8::1")); /* IPv4's everything is not IPv6's */
	CHECK(in("127.0.0.0/8", "::ffff:127.0.0.1")); /* the same address, written as IPv6 */
	CHECK(in("2001:db8::/32", "2001:db8:ffff::1"));
	CHECK(!in("2001:db8::/32", "2001:db9::1"));
	CHECK(in("::/0", "::1"));
	CHECK(in("2001:db8::/33", "2001:db8:7fff::1"));
	CHECK(!in("2001:db8::/33", "2001:db8:8000::1"));
	struct cidr c;
	static const char *const bad[] = { "", "/8", "10.0.0.0/33", "::/129", "10.0.0.0/",
					   "10.0.0.0/x", "10.0.0", "example.org", "10.0.0.0/-1",
					   "1.2.3.4/8/8", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/0008" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(!cidr_parse(bad[i], &c));
	struct cidr *v = NULL;
	size_t n = 0;
	const char *where = NULL;
	CHECK(cidr_list_parse("10.0.0.0/8,::1", &v, &n, &where) && n == 2);
	free(v);
	v = NULL;
	n = 0;
	CHECK(!cidr_list_parse("10.0.0.0/8,nope", &v, &n, &where));
	CHECK_STR(where, "nope");
	free(v);
	v = NULL;
	n = 0;
	CHECK(!cidr_list_parse("10.0.0.0/8,", &v, &n, &where)); /* an empty part */
	free(v);
	v = NULL;
	n = 0;
	CHECK(!cidr_list_parse("", &v, &n, &where));
	free(v);

	/* Rates. */
	struct rate r;
	CHECK(rate_parse("60", &r) && r.n == 60 && r.per_s == 60);
	CHECK(rate_parse("2/s", &r) && r.n == 2 && r.per_s == 1);
	CHECK(rate_parse("10/h", &r) && r.n == 10 && r.per_s == 3600);
	CHECK(!rate_parse("0", &r));
	CHECK(!rate_parse("-1", &r));
	CHECK(!rate_parse("5/day", &r));
	CHECK(!rate_parse("x", &r));
	/* A bucket: the rate's n at once, then one as each share of the
	 * period passes. */
	rate_parse("3/s", &r);
	struct bucket b = { 0 };
	int64_t t = 1000000;
	CHECK(bucket_take(&b, &r, t) && bucket_take(&b, &r, t) && bucket_take(&b, &r, t));
	CHECK(!bucket_take(&b, &r, t));
	CHECK(!bucket_take(&b, &r, t + 300)); /* a third of a second is 0.9 of one */
	CHECK(bucket_take(&b, &r, t + 340));
	CHECK(!bucket_take(&b, &r, t + 340));
	CHECK(bucket_take(&b, &r, t + 100000) && bucket_take(&b, &r, t + 100000) &&
	      bucket_take(&b, &r, t + 100000) && !bucket_take(&b, &r, t + 100000));

	/* A bucket per address; quiet ones forgotten. */
	rate_parse("2/s", &r);
	struct peers *p = peers_new(&r);
	struct addr a1, a2;
	addr_parse("192.0.2.1", &a1);
	addr_parse("2001:db8::1", &a2);
	CHECK(peers_take(p, &a1, t) && peers_take(p, &a1, t) && !peers_take(p, &a1, t));
	CHECK(peers_take(p, &a2, t)); /* another address has its own */
	CHECK(peers_count(p) == 2);
	struct addr a3;
	addr_parse("2001:db8::ffff:1", &a3); /* the same /64 as a2: its bucket */
	CHECK(peers_take(p, &a3, t) && !peers_take(p, &a2, t));
	CHECK(peers_count(p) == 2);
	for (int i = 0; i < 3000; i++) { /* many addresses, each once */
		struct addr a = { 0 };
		a.b[0] = (unsigned char)(i >> 8);
		a.b[1] = (unsigned char)i;
		CHECK(peers_take(p, &a, t + 1));
	}
	CHECK(peers_count(p) == 3002);
	CHECK(peers_take(p, &a1, t + 60000)); /* a minute on: all forgotten but a1 */
	CHECK(peers_count(p) == 1);
	peers_free(p);

	/* The month's counts, in a file that holds no key. */
	char dir[] = "/tmp/test-quota.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/state/usage", dir);
	char *err = NULL;
	struct usage *u = usage_open(path, &err);
	CHECK(u != NULL);
	time_t nov = 1795000000; /* 2026-11 */
	time_t dec = nov + 40 * 86400;
	CHECK(usage_get(u, "k1", nov) == 0);
	usage_add(u, "k1", nov);
	usage_add(u, "k1", nov);
	usage_add(u, "k2", nov);
	CHECK(usage_save(u, &err) == 0);
	usage_free(u);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600); /* private */
	struct buf text = { 0 };
	CHECK(read_file(path, &text) == 0);
	char *s = xstrndup((const char *)text.data, text.len);
	CHECK(strstr(s, "k1") == NULL);
	CHECK(strstr(s, "2026-11 ") != NULL);
	free(s);
	buf_free(&text);
	u = usage_open(path, &err);
	CHECK(u != NULL);
	CHECK(usage_get(u, "k1", nov) == 2);
	CHECK(usage_get(u, "k2", nov) == 1);
	CHECK(usage_get(u, "k1", dec) == 0); /* a new month */
	usage_free(u);
	/* One server at a time counts into a file. */
	u = usage_open(path, &err);
	CHECK(u != NULL);
	CHECK(usage_open(path, &err) == NULL);
	CHECK(err && strstr(err, "another savepage serve"));
	free(err);
	err = NULL;
	usage_free(u);
	/* Written by hand: CRLF and spaces are fine, a line that is not
	 * MONTH ID COUNT is not. */
	const char *crlf = "# x\r\n2026-11  00000000000000aa  7 \r\n\r\n";
	CHECK(atomic_write(path, crlf, strlen(crlf), &err) == 0);
	u = usage_open(path, &err);
	CHECK(u != NULL);
	usage_free(u);
	static const char *const broken[] = { "2026-11 zz\n", "2026-11 00000000000000aa -1\n",
					      "2026/11 00000000000000aa 1\n",
					      "2026-11 00000000000000aa 99999999999999999999999\n",
					      "2026-11 00000000000000aa 1 2\n" };
	for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
		CHECK(atomic_write(path, broken[i], strlen(broken[i]), &err) == 0);
		CHECK(usage_open(path, &err) == NULL);
		CHECK(err && strstr(err, "line 1"));
		free(err);
		err = NULL;
	}
	free(path);
	rm_rf(dir);
	return unit_done();
}
