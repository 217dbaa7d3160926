/* Every input kept under fuzz/cases/TARGET/ (the seeds the fuzzers start
 * from, and each input that once broke a property, named after what it
 * found) run through its fuzz target, built here without libFuzzer: the
 * fuzzers' findings stay fixed, under ASan and UBSan in CI too. */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "log.h"
#include "unit.h"
#include "util.h"

static const struct {
	const char *name;
	int (*fn)(const uint8_t *data, size_t size);
} targets[] = {
	{ "urls", fuzz_urls },         { "name", fuzz_name }, { "config", fuzz_config },
	{ "blocklist", fuzz_blocklist }, { "cdp", fuzz_cdp },   { "api", fuzz_api },
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	for (size_t t = 0; t < ARRAY_LEN(targets); t++) {
		char *dir = xasprintf("%s/fuzz/cases/%s", top ? top : ".", targets[t].name);
		DIR *d = opendir(dir);
		CHECK(d != NULL);
		struct strlist files = { 0 };
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				strlist_add(&files, e->d_name);
		if (d)
			closedir(d);
		qsort(files.v, files.n, sizeof *files.v, by_name);
		/* A target with nothing to run proves nothing. */
		CHECK(files.n > 0);
		for (size_t i = 0; i < files.n; i++) {
			char *path = xasprintf("%s/%s", dir, files.v[i]);
			struct buf b = { 0 };
			CHECK(read_file(path, &b) == 0);
			/* A property that breaks aborts, naming the input. */
			fprintf(stderr, "%s: %s (%zu bytes)\n", targets[t].name, files.v[i], b.len);
			CHECK(targets[t].fn(b.data ? b.data : (const uint8_t *)"", b.len) == 0);
			buf_free(&b);
			free(path);
		}
		printf("%s: %zu inputs\n", targets[t].name, files.n);
		strlist_free(&files);
		free(dir);
	}
	log_set_sink(NULL);
	return unit_done();
}
