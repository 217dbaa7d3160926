#include "config.h"

#include "cache.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>


struct cache {
	char *dir;
};

char *cache_default_dir(const char *dir)
{
	if (dir && *dir)
		return xstrdup(dir);
	return xdg_path("XDG_CACHE_HOME", ".cache", "savepage");
}

struct cache *cache_open(const char *dir, char **err)
{
	if (!dir) {
		*err = xstrdup("no cache directory (set HOME or XDG_CACHE_HOME, or give --cache-dir)");
		return NULL;
	}
	struct stat st;
	if (mkdir_p(dir, 0700) < 0 || stat(dir, &st) < 0) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		*err = xasprintf("%s: not a directory", dir);
		return NULL;
	}
	if (access(dir, R_OK | W_OK | X_OK) < 0) {
		*err = xasprintf("%s: %s", dir, strerror(errno));
		return NULL;
	}
	struct cache *c = xcalloc(1, sizeof *c);
	c->dir = xstrdup(dir);
	return c;
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c);
}

const char *cache_dir(const struct cache *c)
{
	return c->dir;
}

void cache_key(const char *url, const char *options, char out[CACHE_KEY_LEN + 1])
{
	struct buf b = { 0 };
	buf_puts(&b, "savepage-cache-1\n");
	buf_puts(&b, url);
	buf_puts(&b, "\n");
	buf_puts(&b, options);
	sha256_hex(b.data, b.len, out);
	buf_free(&b);
}

static char *entry_path(const struct cache *c, const char *key, const char *ext)
{
	return xasprintf("%s/%.2s/%s.%s", c->dir, key, key, ext);
}

/* The entry's two-letter directory. 0, or -1 with *err. */
static int make_fanout(const struct cache *c, const char *key, char **err)
{
	char *sub = xasprintf("%s/%.2s", c->dir, key);
	int rc = mkdir(sub, 0700) < 0 && errno != EEXIST ? -1 : 0;
	if (rc < 0)
		*err = xasprintf("%s: %s", sub, strerror(errno));
	free(sub);
	return rc;
}

time_t cache_mtime(struct cache *c, const char *key, enum image_format f)
{
	char *p = entry_path(c, key, image_format_ext(f));
	struct stat st;
	int rc = stat(p, &st);
	free(p);
	return rc < 0 || !S_ISREG(st.st_mode) ? 0 : st.st_mtime;
}

int cache_touch(struct cache *c, const char *key, enum image_format f)
{
	char *p = entry_path(c, key, image_format_ext(f));
	int rc = utimensat(AT_FDCWD, p, NULL, 0);
	free(p);
	return rc;
}

double cache_age(struct cache *c, const char *key, enum image_format f)
{
	char *p = entry_path(c, key, image_format_ext(f));
	struct stat st;
	int rc = stat(p, &st);
	free(p);
	if (rc < 0 || !S_ISREG(st.st_mode))
		return -1;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double age = (double)(now.tv_sec - st.st_mtim.tv_sec) +
		     (double)(now.tv_nsec - st.st_mtim.tv_nsec) / 1e9;
	return age < 0 ? 0 : age;
}

int cache_read(struct cache *c, const char *key, enum image_format f, struct buf *image,
	       struct cache_meta *m)
{
	char *p = entry_path(c, key, image_format_ext(f));
	struct stat st;
	struct buf b = { 0 };
	int rc = -1;
	bool want_mhtml = m->want_mhtml;
	memset(m, 0, sizeof *m);
	if (stat(p, &st) < 0 || read_file(p, &b) < 0 || !image_complete(b.data, b.len, f) ||
	    image_dimensions(b.data, b.len, &m->width, &m->height) < 0)
		goto out;
	m->rendered_at = st.st_mtim.tv_sec;
	char *meta = entry_path(c, key, "json");
	struct buf mb = { 0 };
	if (read_file(meta, &mb) == 0) {
		cJSON *j = cJSON_ParseWithLength((char *)mb.data, mb.len);
		const cJSON *hs = cJSON_GetObjectItemCaseSensitive(j, "http_status");
		const cJSON *page = cJSON_GetObjectItemCaseSensitive(j, "page");
		if (cJSON_IsNumber(hs))
			m->http_status = hs->valueint;
		if (cJSON_IsObject(page)) {
			char *t = cJSON_PrintUnformatted(page);
			m->page_json = t ? xstrdup(t) : NULL;
			cJSON_free(t);
		}
		cJSON_Delete(j);
	}
	buf_free(&mb);
	if (want_mhtml) {
		char *mp = entry_path(c, key, "mhtml");
		int r = read_file(mp, &m->mhtml);
		free(mp);
		if (r < 0 || m->mhtml.len == 0) {
			buf_free(&m->mhtml);
			free(m->page_json);
			m->page_json = NULL;
			free(meta);
			goto out;
		}
	}
	buf_append(image, b.data, b.len);
	rc = 0;
	/* Mark it used: the metadata's mtime orders `cache prune`. */
	utimensat(AT_FDCWD, meta, NULL, 0);
	free(meta);
out:
	buf_free(&b);
	free(p);
	return rc;
}

int cache_store(struct cache *c, const char *key, enum image_format f, const char *url,
		const char *options_shown, const void *data, size_t len,
		const struct cache_meta *meta_in, char **err)
{
	time_t rendered_at = meta_in->rendered_at;
	if (make_fanout(c, key, err) < 0)
		return -1;
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "url", url);
	cJSON_AddStringToObject(m, "options", options_shown);
	cJSON_AddStringToObject(m, "format", image_format_name(f));
	cJSON_AddNumberToObject(m, "width", meta_in->width);
	cJSON_AddNumberToObject(m, "height", meta_in->height);
	cJSON_AddNumberToObject(m, "bytes", (double)len);
	cJSON_AddNumberToObject(m, "http_status", meta_in->http_status);
	cJSON_AddNumberToObject(m, "rendered_at", (double)rendered_at);
	cJSON *page = meta_in->page_json ? cJSON_Parse(meta_in->page_json) : NULL;
	if (page)
		cJSON_AddItemToObject(m, "page", page);
	char *text = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	char *meta = entry_path(c, key, "json");
	char *img = entry_path(c, key, image_format_ext(f));
	/* Metadata first: an image is never there without its description. */
	int rc = atomic_write(meta, text, strlen(text), err);
	if (rc == 0 && meta_in->mhtml.len) {
		char *mp = entry_path(c, key, "mhtml");
		rc = atomic_write(mp, meta_in->mhtml.data, meta_in->mhtml.len, err);
		free(mp);
	}
	if (rc == 0)
		rc = atomic_write(img, data, len, err);
	if (rc == 0) {
		/* The image's mtime is its render time: freshness is read from it. */
		struct timespec ts[2] = { { rendered_at, 0 }, { rendered_at, 0 } };
		utimensat(AT_FDCWD, img, ts, 0);
	}
	cJSON_free(text);
	free(meta);
	free(img);
	return rc;
}

int cache_try_lock(struct cache *c, const char *key)
{
	char *err = NULL;
	if (make_fanout(c, key, &err) < 0) {
		free(err);
		return -1;
	}
	char *p = entry_path(c, key, "lock");
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(p);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		return e == EWOULDBLOCK ? -2 : -1;
	}
	return fd;
}

void cache_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing drops the flock */
}

static int entry_cmp(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;
	return x->used_at < y->used_at ? -1 : x->used_at > y->used_at;
}

struct cache_entry *cache_list(struct cache *c, size_t *n)
{
	struct cache_entry *v = NULL;
	size_t cnt = 0, cap = 0;
	DIR *top = opendir(c->dir);
	struct dirent *e;
	while (top && (e = readdir(top))) {
		if (strlen(e->d_name) != 2 || e->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", c->dir, e->d_name);
		DIR *d = opendir(sub);
		struct dirent *f;
		while (d && (f = readdir(d))) {
			const char *dot = strrchr(f->d_name, '.');
			if (!dot || strcmp(dot, ".json") || dot - f->d_name != CACHE_KEY_LEN)
				continue;
			char *meta = xasprintf("%s/%s", sub, f->d_name);
			struct buf b = { 0 };
			struct stat st;
			cJSON *j = NULL;
			if (stat(meta, &st) == 0 && read_file(meta, &b) == 0)
				j = cJSON_ParseWithLength((char *)b.data, b.len);
			const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItem(j, "format"));
			enum image_format imf;
			if (j && fmt && image_format_parse(fmt, &imf) == 0) {
				char key[CACHE_KEY_LEN + 1];
				snprintf(key, sizeof key, "%.*s", CACHE_KEY_LEN, f->d_name);
				char *img = entry_path(c, key, image_format_ext(imf));
				struct stat ist;
				if (stat(img, &ist) == 0) {
					if (cnt == cap) {
						cap = cap ? cap * 2 : 64;
						v = xrealloc(v, cap * sizeof *v);
					}
					struct cache_entry *ce = &v[cnt++];
					memset(ce, 0, sizeof *ce);
					ce->key = xstrdup(key);
					const char *u = cJSON_GetStringValue(cJSON_GetObjectItem(j, "url"));
					const char *o = cJSON_GetStringValue(cJSON_GetObjectItem(j, "options"));
					ce->url = xstrdup(u ? u : "");
					ce->options = xstrdup(o ? o : "");
					ce->path = img;
					img = NULL;
					ce->format = imf;
					ce->width = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "width"));
					ce->height = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "height"));
					ce->bytes = (size_t)ist.st_size;
					/* --mhtml's record is part of the entry. */
					char *rec = entry_path(c, key, "mhtml");
					struct stat rst;
					if (stat(rec, &rst) == 0)
						ce->bytes += (size_t)rst.st_size;
					free(rec);
					ce->rendered_at = ist.st_mtim.tv_sec;
					ce->used_at = st.st_mtim.tv_sec;
				}
				free(img);
			}
			cJSON_Delete(j);
			buf_free(&b);
			free(meta);
		}
		if (d)
			closedir(d);
		free(sub);
	}
	if (top)
		closedir(top);
	if (cnt)
		qsort(v, cnt, sizeof *v, entry_cmp);
	*n = cnt;
	return v;
}

void cache_entries_free(struct cache_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].url);
		free(e[i].options);
		free(e[i].path);
	}
	free(e);
}

int cache_remove(struct cache *c, const struct cache_entry *e)
{
	int rc = 0;
	const char *exts[] = { image_format_ext(e->format), "mhtml", "json", "lock" };
	for (size_t i = 0; i < ARRAY_LEN(exts); i++) {
		char *p = entry_path(c, e->key, exts[i]);
		if (unlink(p) < 0 && errno != ENOENT)
			rc = -1;
		free(p);
	}
	return rc;
}
