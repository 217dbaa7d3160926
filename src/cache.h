/* cache: rendered images kept in a directory ($XDG_CACHE_HOME/savepage),
 * one entry per URL and render options. An entry is two files under a
 * two-letter fan-out directory: KEY.jpg or KEY.png, whose mtime is its
 * render time, and KEY.json (URL, options with secrets hashed, size), whose
 * mtime is its last use. Writes are atomic (temporary file and rename), so
 * no reader ever sees half an image; KEY.lock, held with flock() while an
 * entry is rendered, keeps two processes from rendering it at once. */
#ifndef SAVEPAGE_CACHE_H
#define SAVEPAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "image.h"
#include "util.h"

#define CACHE_KEY_LEN 64

struct cache;

/* The directory: dir if given, else $XDG_CACHE_HOME/savepage, else
 * ~/.cache/savepage. Caller frees; NULL if no home is known. */
char *cache_default_dir(const char *dir);

/* Opens (creating) the cache directory. NULL with *err when it cannot be
 * used: the caller warns and goes on without a cache. */
struct cache *cache_open(const char *dir, char **err);
void cache_close(struct cache *c);
const char *cache_dir(const struct cache *c);

/* The key of a URL rendered with the given options text (every option
 * that changes the pixels). out gets CACHE_KEY_LEN hex digits. */
void cache_key(const char *url, const char *options, char out[CACHE_KEY_LEN + 1]);

/* The entry's render time (its image's mtime); 0 if there is none. */
time_t cache_mtime(struct cache *c, const char *key, enum image_format f);
/* Marks the entry's image as rendered now (a revalidated copy). */
int cache_touch(struct cache *c, const char *key, enum image_format f);
/* How old the entry is, in seconds; -1 if there is none. */
double cache_age(struct cache *c, const char *key, enum image_format f);

/* What an entry says of its image besides the bytes. */
struct cache_meta {
	time_t rendered_at;
	int width, height; /* a PDF's first page in points */
	int http_status;   /* 0: unknown */
	char *page_json;   /* what the page did (a JSON object), or NULL */
	/* --mhtml: the page's record, stored beside the image; read when
	 * want_mhtml (an entry without it is then a miss). */
	struct buf mhtml;
	bool want_mhtml;
};

/* Reads a valid entry into image (appended) and meta (its page_json and
 * mhtml for the caller to free; meta->want_mhtml is read first). Returns 0, or -1 if there is none or it is damaged
 * (then it is a miss). Marks the entry as used. */
int cache_read(struct cache *c, const char *key, enum image_format f, struct buf *image,
	       struct cache_meta *meta);

/* Stores an entry atomically. options_shown is the options text with
 * secrets hashed. Returns 0 or -1 with *err. */
int cache_store(struct cache *c, const char *key, enum image_format f, const char *url,
		const char *options_shown, const void *data, size_t len,
		const struct cache_meta *meta, char **err);

/* Takes the entry's lock without waiting: a descriptor to pass to
 * cache_unlock(), -2 when another process holds it, -1 on error. */
int cache_try_lock(struct cache *c, const char *key);
void cache_unlock(int fd);

/* Housekeeping, for `savepage cache ...`. */
struct cache_entry {
	char *key, *url, *options, *path;
	enum image_format format;
	int width, height;
	size_t bytes;
	time_t rendered_at, used_at;
};
/* All entries, least recently used first. Caller frees with cache_entries_free. */
struct cache_entry *cache_list(struct cache *c, size_t *n);
void cache_entries_free(struct cache_entry *e, size_t n);
/* Removes one entry (image, metadata and lock). */
int cache_remove(struct cache *c, const struct cache_entry *e);

#endif
