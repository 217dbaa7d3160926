/* The --noads list parser: which rules block a host everywhere, which are
 * left out, exceptions, hosts files, and the generic hiding selectors. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "blocklist.h"
#include "unit.h"

static const char list[] =
	"[Adblock Plus 2.0]\n"
	"! a comment\n"
	"||ads.example^\n"
	"||Tracker.Example^$third-party\n"
	"||pixel.example^$image,script\n"
	"||only-on-news.example^$domain=news.example\n"
	"||first-party.example^$~third-party\n"
	"||path.example/ads/*\n"
	"||freed.example^\n"
	"@@||freed.example^\n"
	"@@||ads.example^$domain=shop.example\n"
	"0.0.0.0 hosts-file.example # a hosts file line\n"
	"127.0.0.1 localhost\n"
	"plain-domain.example\n"
	"-didomi.js\n"
	".beacon.min.js\n"
	"skimlinks.js\n"
	"ad_banner_.gif\n"
	"##.ad-banner\n"
	"###div-gpt-ad\n"
	"##div.sidebar > .sponsored-box\n"
	"##[id^=\"google_ads_iframe\"]\n"
	"##:not(.content) > .never-keyed-by-not\n"
	"##AD-SLOT\n"
	"news.example##.sidebar-ad\n"
	"##.unhidden\n"
	"#@#.unhidden\n"
	"##.promo:has-text(Sponsored)\n"
	"##+js(set-constant, x, 1)\n"
	"##a}body{display:none\n"
	"example.com#?#.x:-abp-has(.y)\n";

int main(void)
{
	struct blocklist *bl = blocklist_parse_text(list);
	CHECK(blocklist_blocks_host(bl, "ads.example"));
	CHECK(blocklist_blocks_host(bl, "sub.ads.example"));
	CHECK(blocklist_blocks_host(bl, "a.b.ads.example."));
	CHECK(!blocklist_blocks_host(bl, "notads.example"));
	CHECK(!blocklist_blocks_host(bl, "example"));
	CHECK(blocklist_blocks_host(bl, "tracker.example"));
	CHECK(blocklist_blocks_host(bl, "TRACKER.example"));
	CHECK(blocklist_blocks_host(bl, "pixel.example"));
	CHECK(!blocklist_blocks_host(bl, "only-on-news.example"));
	CHECK(!blocklist_blocks_host(bl, "first-party.example"));
	CHECK(!blocklist_blocks_host(bl, "path.example"));
	CHECK(!blocklist_blocks_host(bl, "freed.example"));
	CHECK(blocklist_blocks_host(bl, "hosts-file.example"));
	CHECK(!blocklist_blocks_host(bl, "localhost"));
	CHECK(blocklist_blocks_host(bl, "plain-domain.example"));
	/* Adblock substring rules are not domains. */
	CHECK(!blocklist_blocks_host(bl, "-didomi.js"));
	CHECK(!blocklist_blocks_host(bl, "skimlinks.js"));
	CHECK(!blocklist_blocks_host(bl, "ad_banner_.gif"));
	CHECK(blocklist_host_count(bl) == 4 + 1);

	CHECK(blocklist_blocks_url(bl, "https://cdn.ads.example/x.js?y#z"));
	CHECK(blocklist_blocks_url(bl, "http://user:pw@ads.example:8080/"));
	CHECK(blocklist_blocks_url(bl, "wss://ads.example/socket"));
	CHECK(!blocklist_blocks_url(bl, "https://good.example/?u=https://ads.example/"));
	CHECK(!blocklist_blocks_url(bl, "data:text/html,ads.example"));
	CHECK(!blocklist_blocks_url(bl, "https://[::1]:8080/"));

	/* A page with none of the rules' classes or ids gets only the rules
	 * that need none. */
	const char *none[] = { ".content", "#main" };
	char *css = blocklist_css_for(bl, none, 2);
	CHECK(strstr(css, "[id^=\"google_ads_iframe\"]{display:none!important}") != NULL);
	CHECK(strstr(css, "AD-SLOT{display:none!important}") != NULL);
	CHECK(strstr(css, "ad-banner") == NULL);
	CHECK(strstr(css, "never-keyed-by-not") == NULL); /* keyed by .never-keyed-by-not */
	free(css);
	/* A page with the classes gets their rules, and nothing else. */
	const char *some[] = { ".ad-banner", "#div-gpt-ad", ".sidebar", ".unhidden", ".promo" };
	css = blocklist_css_for(bl, some, 5);
	CHECK(strstr(css, ".ad-banner{display:none!important}") != NULL);
	CHECK(strstr(css, "#div-gpt-ad{display:none!important}") != NULL);
	CHECK(strstr(css, "div.sidebar > .sponsored-box{display:none!important}") != NULL);
	CHECK(strstr(css, "sidebar-ad") == NULL);
	CHECK(strstr(css, "unhidden") == NULL);
	CHECK(strstr(css, "has-text") == NULL);
	CHECK(strstr(css, "set-constant") == NULL);
	CHECK(strstr(css, "body{display") == NULL);
	free(css);
	CHECK(blocklist_selector_count(bl) == 6);
	blocklist_free(bl);

	/* An empty list blocks nothing and hides nothing. */
	bl = blocklist_parse_text("");
	CHECK(!blocklist_blocks_host(bl, "ads.example"));
	css = blocklist_css_for(bl, some, 5);
	CHECK_STR(css, "");
	free(css);
	blocklist_free(bl);
	/* The compiled copy in a cache directory is what a later run reads (a
	 * host planted in it is blocked), and a damaged or missing copy is
	 * parsed again rather than trusted. */
	char dir[] = "/tmp/test-blocklist.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/list.txt", dir);
	FILE *f = fopen(path, "w");
	fputs(list, f);
	fclose(f);
	struct strlist paths = { 0 };
	strlist_add(&paths, path);
	char *err = NULL;
	for (int round = 0; round < 4; round++) {
		bl = blocklist_load(&paths, dir, &err);
		CHECK(bl != NULL);
		CHECK(blocklist_host_count(bl) == (round == 1 ? 6u : 5u));
		CHECK(blocklist_selector_count(bl) == 6);
		CHECK(blocklist_blocks_host(bl, "sub.ads.example"));
		CHECK(!blocklist_blocks_host(bl, "freed.example"));
		CHECK(blocklist_blocks_host(bl, "planted.example") == (round == 1));
		blocklist_free(bl);
		/* Find the compiled copy: plant a host in it, then damage it, then
		 * remove it. */
		DIR *d = opendir(dir);
		struct dirent *e;
		char *copy = NULL;
		while (d && (e = readdir(d)))
			if (!strncmp(e->d_name, "blocklist-", 10))
				copy = xasprintf("%s/%s", dir, e->d_name);
		if (d)
			closedir(d);
		CHECK(copy != NULL);
		if (copy && round == 0) {
			struct buf b = { 0 };
			CHECK(read_file(copy, &b) == 0 && b.len > 4);
			b.len -= 4; /* "end\n" */
			buf_puts(&b, "h planted.example\nend\n");
			f = fopen(copy, "w");
			fwrite(b.data, 1, b.len, f);
			fclose(f);
			buf_free(&b);
		}
		if (copy && round == 1)
			CHECK(truncate(copy, 100) == 0);
		if (copy && round >= 2)
			unlink(copy);
		free(copy);
	}
	unlink(path);
	CHECK(rmdir(dir) == 0);
	free(path);
	strlist_free(&paths);
	return unit_done();
}
