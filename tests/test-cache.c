#include "config.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "image.h"
#include "unit.h"

int main(void)
{
	char dir[] = "/tmp/savepage-cache-test-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *err = NULL;
	char *path = NULL;

	/* Keys: stable, and every part counts. */
	char k1[CACHE_KEY_LEN + 1], k2[CACHE_KEY_LEN + 1], k3[CACHE_KEY_LEN + 1];
	cache_key("https://a/", "w=1", k1);
	cache_key("https://a/", "w=1", k2);
	cache_key("https://a/", "w=2", k3);
	CHECK(strlen(k1) == CACHE_KEY_LEN && !strcmp(k1, k2) && strcmp(k1, k3));
	cache_key("https://b/", "w=1", k2);
	CHECK(strcmp(k1, k2));

	/* Defaults from the environment. */
	setenv("XDG_CACHE_HOME", "/x/y", 1);
	path = cache_default_dir(NULL);
	CHECK_STR(path, "/x/y/savepage");
	free(path);
	path = cache_default_dir("/given");
	CHECK_STR(path, "/given");
	free(path);

	char *sub = xasprintf("%s/c", dir);
	struct cache *c = cache_open(sub, &err);
	CHECK(c != NULL);
	CHECK(cache_age(c, k1, IMAGE_JPEG) < 0);

	/* Store and read back; the mtime is the render time. */
	struct image *img = image_new(40, 30);
	struct buf jpg = { 0 };
	CHECK(image_encode(img, IMAGE_JPEG, 80, &jpg, &err) == 0);
	time_t when = time(NULL) - 100;
	struct cache_meta in = { when, 40, 30, 404, "{\"title\":\"T\",\"requests\":3}" };
	CHECK(cache_store(c, k1, IMAGE_JPEG, "https://a/", "w=1", jpg.data, jpg.len, &in, &err) == 0);
	double age = cache_age(c, k1, IMAGE_JPEG);
	CHECK(age >= 99 && age < 110);
	CHECK(cache_age(c, k1, IMAGE_PNG) < 0); /* another format is another file */
	struct buf back = { 0 };
	struct cache_meta out;
	CHECK(cache_read(c, k1, IMAGE_JPEG, &back, &out) == 0);
	CHECK(back.len == jpg.len && !memcmp(back.data, jpg.data, jpg.len));
	CHECK(out.rendered_at == when && out.width == 40 && out.height == 30 && out.http_status == 404);
	CHECK(out.page_json && !strcmp(out.page_json, "{\"title\":\"T\",\"requests\":3}"));
	free(out.page_json);
	buf_free(&back);

	/* Listing, then a damaged image is a miss. */
	size_t n = 0;
	struct cache_entry *e = cache_list(c, &n);
	CHECK(n == 1 && !strcmp(e[0].url, "https://a/") && e[0].bytes == jpg.len);
	char *img_path = xstrdup(e[0].path);
	cache_entries_free(e, n);
	CHECK(truncate(img_path, (off_t)jpg.len - 10) == 0);
	CHECK(cache_read(c, k1, IMAGE_JPEG, &back, &out) < 0);
	buf_free(&back);

	/* Locks: a second holder is told to wait. */
	int fd = cache_try_lock(c, k3);
	CHECK(fd >= 0);
	CHECK(cache_try_lock(c, k3) == -2);
	cache_unlock(fd);
	fd = cache_try_lock(c, k3);
	CHECK(fd >= 0);
	cache_unlock(fd);

	/* Removal. */
	e = cache_list(c, &n);
	CHECK(n == 1 && cache_remove(c, &e[0]) == 0);
	cache_entries_free(e, n);
	e = cache_list(c, &n);
	CHECK(n == 0);
	cache_entries_free(e, n);

	/* A path that is a file is not a cache. */
	char *file = xasprintf("%s/file", dir);
	FILE *f = fopen(file, "w");
	fclose(f);
	CHECK(cache_open(file, &err) == NULL && err);
	free(err);

	cache_close(c);
	char *cmd = xasprintf("rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(file);
	free(img_path);
	free(sub);
	buf_free(&jpg);
	image_free(img);
	return unit_done();
}
