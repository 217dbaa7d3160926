#include "config.h"

#include "cachecmd.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "log.h"
#include "options.h"
#include "run.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: savepage cache list [--cache-dir DIR]\n"
		   "       savepage cache prune [--max-size SIZE] [--older-than SECONDS] [--cache-dir DIR]\n"
		   "       savepage cache clear [--cache-dir DIR]\n"
		   "       savepage cache path [--cache-dir DIR]\n"
		   "SIZE takes K, M or G (powers of 1024). prune removes the least recently\n"
		   "used entries first.\n");
}

/* "500M" -> bytes; -1 if malformed. */
static long long parse_size(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	double mul = 1;
	switch (toupper((unsigned char)*end)) {
	case '\0': break;
	case 'K': mul = 1024.0; end++; break;
	case 'M': mul = 1024.0 * 1024; end++; break;
	case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -1;
	return (long long)(v * mul);
}

static void human_size(char *out, size_t n, double bytes)
{
	const char *u[] = { "B", "K", "M", "G", "T" };
	int i = 0;
	while (bytes >= 1024 && i < 4) {
		bytes /= 1024;
		i++;
	}
	snprintf(out, n, i ? "%.1f%s" : "%.0f%s", bytes, u[i]);
}

static void human_age(char *out, size_t n, long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, n, "%lds", secs);
	else if (secs < 7200)
		snprintf(out, n, "%ldm", secs / 60);
	else if (secs < 172800)
		snprintf(out, n, "%ldh", secs / 3600);
	else
		snprintf(out, n, "%ldd", secs / 86400);
}

/* `cache list`: a line per entry, least recently used first. */
static void list_entries(struct cache *c, const struct cache_entry *e, size_t n, time_t now)
{
	size_t total = 0;
	printf("%-6s %-6s %-7s %-11s %-4s %s\n", "AGE", "USED", "SIZE", "PIXELS", "TYPE",
	       "URL  OPTIONS");
	for (size_t i = 0; i < n; i++) {
		char age[32], used[32], size[32], px[32];
		human_age(age, sizeof age, (long)(now - e[i].rendered_at));
		human_age(used, sizeof used, (long)(now - e[i].used_at));
		human_size(size, sizeof size, (double)e[i].bytes);
		snprintf(px, sizeof px, "%dx%d", e[i].width, e[i].height);
		printf("%-6s %-6s %-7s %-11s %-4s %s  %s\n", age, used, size, px,
		       image_format_ext(e[i].format), e[i].url, e[i].options);
		total += e[i].bytes;
	}
	char t[16];
	human_size(t, sizeof t, (double)total);
	printf("%zu entries, %s in %s\n", n, t, cache_dir(c));
}

/* `cache clear` (all), or `cache prune`: by age first, then the least
 * recently used until the rest fits in max_size (-1: no limit of that
 * kind). Returns the exit status. */
static int remove_entries(struct cache *c, const struct cache_entry *e, size_t n, time_t now,
			  bool all, long long older, long long max_size)
{
	int status = EXIT_ALL_OK;
	size_t total = 0, removed = 0, freed = 0;
	for (size_t i = 0; i < n; i++)
		total += e[i].bytes;
	for (size_t i = 0; i < n; i++) {
		bool drop = all || (older >= 0 && now - e[i].rendered_at > older) ||
			    (max_size >= 0 && (long long)total > max_size);
		if (!drop)
			continue;
		if (cache_remove(c, &e[i]) < 0) {
			log_err("%s: %s", e[i].path, strerror(errno));
			status = EXIT_SOME_FAILED;
			continue;
		}
		total -= e[i].bytes;
		freed += e[i].bytes;
		removed++;
	}
	char f[16], t[16];
	human_size(f, sizeof f, (double)freed);
	human_size(t, sizeof t, (double)total);
	printf("removed %zu of %zu entries (%s); %s left in %s\n", removed, n, f, t, cache_dir(c));
	return status;
}

int cachecmd_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cache-dir", required_argument, NULL, 'c' },
		{ "cache_dir", required_argument, NULL, 'c' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "max_size", required_argument, NULL, 'm' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "older_than", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct settings s;
	settings_init(&s);
	int status = EXIT_USAGE;
	long long max_size = -1, older = -1;
	char *dir = NULL;
	struct cache *c = NULL;
	if (options_read_config(&s) < 0)
		goto out;
	const char *verb = argc > 1 ? argv[1] : NULL;
	optind = 2;
	opterr = 0;
	int ch;
	while (argc > 1 && (ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			free(s.cache_dir);
			s.cache_dir = xstrdup(optarg);
			break;
		case 'm':
			if ((max_size = parse_size(optarg)) < 0) {
				log_err("cache prune --max-size: '%s' is not a size like 500M", optarg);
				goto out;
			}
			break;
		case 'o': {
			char *end;
			older = strtoll(optarg, &end, 10);
			if (*end || end == optarg || older < 0) {
				log_err("cache prune --older-than: '%s' is not a number of seconds", optarg);
				goto out;
			}
			break;
		}
		case 'h':
			usage(stdout);
			status = EXIT_ALL_OK;
			goto out;
		default:
			log_err("cache: unknown or incomplete option '%s'", argv[optind - 1]);
			usage(stderr);
			goto out;
		}
	}
	if (!verb || optind < argc ||
	    (strcmp(verb, "list") && strcmp(verb, "prune") && strcmp(verb, "clear") &&
	     strcmp(verb, "path"))) {
		if (verb && optind < argc)
			log_err("cache %s: unexpected '%s'", verb, argv[optind]);
		else
			log_err("cache: say list, prune, clear or path");
		usage(stderr);
		goto out;
	}
	if (!strcmp(verb, "prune") && max_size < 0 && older < 0) {
		log_err("cache prune: give --max-size SIZE and/or --older-than SECONDS");
		goto out;
	}
	if (strcmp(verb, "prune") && (max_size >= 0 || older >= 0)) {
		log_err("cache %s: --max-size and --older-than go with prune", verb);
		goto out;
	}
	dir = cache_default_dir(s.cache_dir);
	if (!strcmp(verb, "path")) {
		if (!dir) {
			log_err("no cache directory (set HOME or XDG_CACHE_HOME)");
			status = EXIT_SOME_FAILED;
			goto out;
		}
		printf("%s\n", dir);
		status = EXIT_ALL_OK;
		goto out;
	}
	char *err = NULL;
	c = cache_open(dir, &err);
	if (!c) {
		log_err("%s", err);
		free(err);
		status = EXIT_SOME_FAILED;
		goto out;
	}
	size_t n = 0;
	struct cache_entry *e = cache_list(c, &n);
	time_t now = time(NULL);
	status = EXIT_ALL_OK;
	if (!strcmp(verb, "list"))
		list_entries(c, e, n, now);
	else
		status = remove_entries(c, e, n, now, !strcmp(verb, "clear"), older, max_size);
	cache_entries_free(e, n);
out:
	cache_close(c);
	free(dir);
	settings_free(&s);
	return status;
}
