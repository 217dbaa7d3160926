/* Which addresses savepage serve's guard lets a page reach: the public
 * ones, and none of loopback, private, shared, link-local, documentation,
 * benchmarking, multicast, reserved or unspecified, in IPv4 and in each
 * IPv6 form that carries an IPv4 address. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "guard.h"
#include "unit.h"

static bool public(const char *a)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
	if (inet_pton(AF_INET, a, &s4.sin_addr) == 1)
		return guard_addr_public((struct sockaddr *)&s4);
	if (inet_pton(AF_INET6, a, &s6.sin6_addr) == 1)
		return guard_addr_public((struct sockaddr *)&s6);
	CHECK(!"an address");
	return false;
}

int main(void)
{
	static const char *const open[] = {
		"8.8.8.8", "1.1.1.1", "93.184.216.34", "11.0.0.1", "100.63.255.255",
		"100.128.0.1", "172.15.255.255", "172.32.0.1", "192.169.0.1", "223.255.255.255",
		"2606:4700::1111", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808",
		"2002:808:808::1",
	};
	static const char *const shut[] = {
		"0.0.0.0", "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.255", "127.0.0.1",
		"127.255.255.254", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8",
		"192.0.2.1", "192.168.1.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1",
		"239.255.255.250", "240.0.0.1", "255.255.255.255",
		"::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:0:10.0.0.1",
		"64:ff9b::a00:1", "64:ff9b:1::1", "2002:a00:1::1", "2001:0:4136:e378::1",
		"fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1", "2001:db8::1", "100::1",
	};
	for (size_t i = 0; i < sizeof open / sizeof *open; i++) {
		bool ok = public(open[i]);
		if (!ok)
			printf("%s should be let through\n", open[i]);
		CHECK(ok);
	}
	for (size_t i = 0; i < sizeof shut / sizeof *shut; i++) {
		bool ok = !public(shut[i]);
		if (!ok)
			printf("%s should be refused\n", shut[i]);
		CHECK(ok);
	}
	return unit_done();
}
