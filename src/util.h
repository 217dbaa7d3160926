/* util: allocation that never fails, growable buffers, time, files. */
#ifndef SAVEPAGE_UTIL_H
#define SAVEPAGE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* A list of strings; v[n] is NULL, so v can serve as an argv. */
struct strlist {
	char **v;
	size_t n;
};
void strlist_add(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);
/* Removes the i-th string, keeping the order of the rest. */
void strlist_remove_at(struct strlist *l, size_t i);

/* Trims blanks at both ends in place; returns the first non-blank. */
char *str_trim(char *s);

/* Monotonic clock in milliseconds. */
int64_t now_ms(void);

/* Decode standard base64 (whitespace not allowed). Returns 0 on success. */
int base64_decode(const char *in, size_t inlen, struct buf *out);

/* An XDG base directory joined with leaf: $ENV/leaf when ENV holds an
 * absolute path, else $HOME/home_rel/leaf. Caller frees; NULL without HOME. */
char *xdg_path(const char *env, const char *home_rel, const char *leaf);

/* mkdir -p: path and each missing parent, made with mode. 0, or -1 with errno. */
int mkdir_p(const char *path, mode_t mode);
/* mkdir -p of the directory that will hold the file at path. */
int mkdir_parents(const char *path, mode_t mode);

/* Writes all of data to fd, going on after EINTR. 0, or -1 with errno. */
int write_all(int fd, const void *data, size_t len);

/* Atomic files: written under a temporary name beside path and renamed, so
 * that nothing half-written is ever seen under the final name. The
 * temporary names are remembered so that atomic_abort_all() can remove
 * them from a signal handler. New files are as readable as the umask lets. */
/* Writes data to path that way. 0, or -1 with *err naming path. */
int atomic_write(const char *path, const void *data, size_t len, char **err);
/* The same with the file's mode (-1: as any new file, umask applied). */
int atomic_write_mode(const char *path, const void *data, size_t len, int mode, char **err);
/* For a file written in steps: a descriptor open on *tmp (caller frees),
 * then atomic_commit() or atomic_cancel(). -1 with *err. */
int atomic_begin(const char *path, char **tmp, char **err);
/* Renames tmp to path. 0, or -1 with *err (tmp is removed then). */
int atomic_commit(const char *tmp, const char *path, char **err);
/* Removes tmp. */
void atomic_cancel(const char *tmp);
/* fn handles SIGINT, SIGTERM and SIGHUP; SIGPIPE is ignored (a write to a
 * closed pipe or socket fails with EPIPE instead). */
void signals_install(void (*fn)(int sig));

/* Removes every temporary file still being written; safe in a signal handler. */
void atomic_abort_all(void);

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

/* The length of the UTF-8 character at p (1 to 4), or 0 when the bytes
 * there are not one (a stray, overlong or cut sequence, a surrogate). */
size_t utf8_char(const unsigned char *p, size_t n);
bool utf8_valid(const char *s, size_t n);
/* s for a message: control characters and bytes that are not UTF-8 as
 * \xHH, cut once max bytes are written, with its length. Caller frees. */
char *str_quote(const char *s, size_t max);
/* How much of an input a message quotes. */
#define QUOTE_MAX 200

/* Appends s to b as a JSON string literal, quotes included; bytes that are
 * not UTF-8 become U+FFFD, so the result is always valid JSON. */
void buf_append_json_str(struct buf *b, const char *s);

#endif
