#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "log.h"
#include "unit.h"

static enum opt_status parse(struct settings *s, const char *const *args)
{
	char *argv[64];
	int argc = 0;
	argv[argc++] = (char *)"savepage";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	settings_free(s);
	settings_init(s);
	return options_parse(s, argc, argv);
}

static char *last_message;

static void keep_message(const char *line)
{
	free(last_message);
	last_message = strdup(line);
}

int main(void)
{
	setenv("SAVEPAGE_NO_CONFIG", "1", 1);
	struct settings s;
	settings_init(&s);

	CHECK(parse(&s, (const char *[]){ "example.org", NULL }) == OPT_RUN);
	CHECK(s.render.width == 1440 && s.render.height == 900 && !s.render.fullpage && s.render.quality == 80);
	CHECK(s.render.format == IMAGE_JPEG && s.render.timeout == 30 && s.render.delay == 0);
	CHECK(s.urls.n == 1 && !strcmp(s.urls.v[0], "example.org"));

	CHECK(parse(&s, (const char *[]){ "-W", "800", "-H600", "-F", "-d", "1.5", "-q", "70", "-A",
					   "UA", "-L", "de-DE", "-b", "a=1", "u1", "u2", NULL }) == OPT_RUN);
	CHECK(s.render.width == 800 && s.render.height == 600 && s.render.fullpage && s.render.delay == 1.5 && s.render.quality == 70);
	CHECK_STR(s.render.user_agent, "UA");
	CHECK_STR(s.render.accept_language, "de-DE");
	CHECK_STR(s.render.cookie, "a=1");
	CHECK(s.urls.n == 2);

	/* API spellings, flags after URLs, --opt=value. */
	CHECK(parse(&s, (const char *[]){ "u", "--user_agent=X", "--accept_language", "fr",
					   "--width=1000", NULL }) == OPT_RUN);
	CHECK_STR(s.render.user_agent, "X");
	CHECK_STR(s.render.accept_language, "fr");
	CHECK(s.render.width == 1000);

	/* The format: from the extension unless --format says. */
	CHECK(parse(&s, (const char *[]){ "-o", "x.png", "u", NULL }) == OPT_RUN && s.render.format == IMAGE_PNG);
	CHECK(parse(&s, (const char *[]){ "-o", "x.jpeg", "u", NULL }) == OPT_RUN && s.render.format == IMAGE_JPEG);
	CHECK(parse(&s, (const char *[]){ "-f", "jpeg", "-o", "x.png", "u", NULL }) == OPT_RUN &&
	      s.render.format == IMAGE_JPEG);
	CHECK(parse(&s, (const char *[]){ "-o", "-", "u", NULL }) == OPT_RUN && s.render.format == IMAGE_JPEG);

	/* Usage errors. */
	CHECK(parse(&s, (const char *[]){ NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "-q", "0", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "-W", "12x", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "-d", "nan", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "--timeout", "0", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "-f", "gif", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "-b", "nocookie", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "--bogus", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "-Z", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "-W", NULL }) == OPT_USAGE);

	/* Long options are matched exactly: no abbreviation is taken for a
	 * longer name (--user-a would be --user-agent, a password sent as the UA). */
	CHECK(parse(&s, (const char *[]){ "--user-a", "alice:pw", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "--user=alice:pw", "u", NULL }) == OPT_RUN);
	CHECK_STR(s.render.auth_user, "alice");
	CHECK_STR(s.render.auth_password, "pw");
	CHECK(s.render.user_agent == NULL);
	CHECK(parse(&s, (const char *[]){ "--wid", "800", "u", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "u", "--full", NULL }) == OPT_USAGE);
	CHECK(parse(&s, (const char *[]){ "--user-agent", "X", "u", NULL }) == OPT_RUN);
	CHECK_STR(s.render.user_agent, "X");
	CHECK(parse(&s, (const char *[]){ "u", "--user_agent=Y", "--width=800", NULL }) == OPT_RUN);
	CHECK_STR(s.render.user_agent, "Y");
	CHECK(s.render.width == 800 && s.urls.n == 1);
	CHECK(parse(&s, (const char *[]){ "-A", "--user", "u", NULL }) == OPT_RUN); /* a value */
	CHECK_STR(s.render.user_agent, "--user");

	/* -v and -s undo each other. */
	CHECK(parse(&s, (const char *[]){ "-v", "-v", "u", NULL }) == OPT_RUN && s.verbose == 2);
	CHECK(parse(&s, (const char *[]){ "-v", "-s", "u", NULL }) == OPT_RUN && s.quiet && !s.verbose);

	/* The config file: long names, flags override it, bad lines are usage errors. */
	char dir[] = "/tmp/savepage-opt-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/savepage", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/savepage/config", dir);
	FILE *f = fopen(path, "w");
	fputs("# comment\n\nwidth = 1024\nthumb_width_typo = 3\n", f);
	fclose(f);
	setenv("XDG_CONFIG_HOME", dir, 1);
	unsetenv("SAVEPAGE_NO_CONFIG");
	CHECK(parse(&s, (const char *[]){ "u", NULL }) == OPT_USAGE);
	f = fopen(path, "w");
	fputs("# comment\n\nwidth = 1024\nuser_agent = Cfg/1\nfullpage = yes\nquality=55\n", f);
	fclose(f);
	CHECK(parse(&s, (const char *[]){ "u", NULL }) == OPT_RUN);
	CHECK(s.render.width == 1024 && s.render.fullpage && s.render.quality == 55);
	CHECK_STR(s.render.user_agent, "Cfg/1");
	CHECK(parse(&s, (const char *[]){ "-W", "500", "u", NULL }) == OPT_RUN && s.render.width == 500);
	f = fopen(path, "w");
	fputs("output = /tmp/x.png\n", f); /* per-run, not a setting */
	fclose(f);
	CHECK(parse(&s, (const char *[]){ "u", NULL }) == OPT_USAGE);
	f = fopen(path, "w");
	fputs("quality = 500\n", f);
	fclose(f);
	CHECK(parse(&s, (const char *[]){ "u", NULL }) == OPT_USAGE);
	unlink(path);
	snprintf(path, sizeof path, "%s/savepage", dir);
	rmdir(path);
	rmdir(dir);

	/* Text that is not text: a NUL byte is an error naming its line, not
	 * the quiet end of the file; a name of raw bytes is quoted escaped. */
	settings_free(&s);
	settings_init(&s);
	log_set_sink(keep_message);
	static const char nul[] = "width = 800\nheight = 600\0junk\nquality = 5\n";
	CHECK(options_config_text(&s, "cfg", nul, sizeof nul - 1) == -1);
	CHECK(s.render.width == 800 && s.render.quality != 5);
	CHECK_STR(last_message, "cfg: line 2: holds a NUL byte: not a text file");
	CHECK(options_config_text(&s, "cfg", "\xff\x01 = 1\n", 7) == -1);
	CHECK_STR(last_message, "cfg: line 1: '\\xFF\\x01' is not an option the config file can set");
	CHECK(options_config_text(&s, "cfg", "width = \x1b[31m\n", 14) == -1);
	CHECK_STR(last_message,
		  "cfg: line 1: --width: '\\x1B[31m' is not a whole number from 1 to 16384");
	log_set_sink(NULL);
	free(last_message);

	settings_free(&s);
	return unit_done();
}
