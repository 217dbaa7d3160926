/* util: allocation that never fails, growable buffers, time, files. */
#ifndef SAVEPAGE_UTIL_H
#define SAVEPAGE_UTIL_H

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
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);

/* Decode standard base64 (whitespace not allowed). Returns 0 on success. */
int base64_decode(const char *in, size_t inlen, struct buf *out);

/* Remove a directory tree. Returns 0 on success. */
int rm_rf(const char *path);

/* Read a whole file into b. Returns 0 on success, -1 with errno. */
int read_file(const char *path, struct buf *b);

/* Lower-case hex SHA-less short digest (FNV-1a 64) of a string. */
uint64_t hash64(const void *p, size_t n, uint64_t seed);

#endif
