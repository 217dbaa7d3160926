/* util: allocation that never fails, growable buffers, time, files. */
#ifndef SAVEPAGE_UTIL_H
#define SAVEPAGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocators: abort with a message instead of returning NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Returns a newly allocated formatted string; the caller frees it. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer; always NUL-terminated after its data. */
struct buf {
	unsigned char *data;
	size_t len;
	size_t cap;
};
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_puts(struct buf *b, const char *s);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Trims blanks at both ends in place; returns the first non-blank. */
char *str_trim(char *s);

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);

/* Decode standard base64 (whitespace not allowed). Returns 0 on success. */
int base64_decode(const char *in, size_t inlen, struct buf *out);

/* An XDG base directory joined with leaf: $ENV/leaf when ENV holds an
 * absolute path, else $HOME/home_rel/leaf. Caller frees; NULL without HOME. */
char *xdg_path(const char *env, const char *home_rel, const char *leaf);

/* Remove a directory tree. Returns 0 on success. */
int rm_rf(const char *path);

/* Read a whole file into b. Returns 0 on success, -1 with errno. */
int read_file(const char *path, struct buf *b);

/* Lower-case hex SHA-less short digest (FNV-1a 64) of a string. */
uint64_t hash64(const void *p, size_t n, uint64_t seed);

/* A set of strings (open addressing); for de-duplication and names. */
struct strset {
	char **slots;
	size_t cap, count;
};
/* Adds s; returns true if it was new. */
bool strset_add(struct strset *s, const char *str);
bool strset_has(const struct strset *s, const char *str);
/* Removes str if present. */
void strset_remove(struct strset *s, const char *str);
void strset_free(struct strset *s);

/* SHA-256 of data as 64 lower-case hex digits plus NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);
/* MD5 of data as 32 lower-case hex digits plus NUL. */
void md5_hex(const void *data, size_t len, char out[33]);

/* Appends s to b as a JSON string literal, quotes included. */
void buf_append_json_str(struct buf *b, const char *s);

#endif
