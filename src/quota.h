/* quota: who may call savepage serve, and how often. Client address
 * ranges (a key's allow=, --real-ip-from), rates as token buckets (a key's
 * per_minute, --per-ip, one bucket per client address) and counts for a
 * calendar month kept in a file (a key's monthly). Nothing here knows of
 * HTTP or of the API; serve.c asks. */
#ifndef SAVEPAGE_QUOTA_H
#define SAVEPAGE_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* An IPv4 or IPv6 address; IPv4 is held as ::ffff:a.b.c.d. */
struct addr {
	unsigned char b[16];
};
bool addr_parse(const char *text, struct addr *out);

/* An address range: "10.0.0.0/8", "2001:db8::/32", or one address. An
 * IPv4 range also holds the same addresses written as IPv6 (::ffff:...). */
struct cidr {
	struct addr a;
	int bits; /* of the 128 */
};
bool cidr_parse(const char *text, struct cidr *out);
bool cidr_has(const struct cidr *c, const struct addr *a);
/* "CIDR,CIDR,..." appended to *v: false with *bad pointing at the part that
 * is not one (an empty part included). */
bool cidr_list_parse(const char *text, struct cidr **v, size_t *n, const char **bad);

/* n requests in per_s seconds: n at once, then one every per_s / n s. */
struct rate {
	double n, per_s;
};
/* "N" (a minute), "N/s", "N/min", "N/h"; N a whole number from 1. */
bool rate_parse(const char *text, struct rate *out);

struct bucket {
	double tokens;
	int64_t at; /* ms; 0: never used (full) */
};
/* Whether a request's token is there; bucket_take takes it (false, none
 * taken, when the rate is spent). */
bool bucket_has(struct bucket *b, const struct rate *r, int64_t now_ms);
bool bucket_take(struct bucket *b, const struct rate *r, int64_t now_ms);

/* A bucket per client address (an IPv6 client's per /64); addresses whose
 * bucket is full again are forgotten, so the table holds only the recent
 * ones, and at most 100,000: past that a new address is refused. */
struct peers;
struct peers *peers_new(const struct rate *r);
bool peers_take(struct peers *p, const struct addr *a, int64_t now_ms);
size_t peers_count(const struct peers *p);
void peers_free(struct peers *p); /* NULL is a no-op */

/* Counts by name for the current calendar month (UTC), kept in a file
 * (names stored as a digest: the file holds no key). A new month starts
 * every count at 0. */
struct usage;
/* Reads path; a file that is not there yet is an empty one. It is locked
 * (path.lock) while open: two servers never count into one file. NULL
 * with *err when it cannot be read, is not such a file or is locked. */
struct usage *usage_open(const char *path, char **err);
long usage_get(struct usage *u, const char *name, time_t now);
void usage_add(struct usage *u, const char *name, time_t now);
/* Writes the counts when they changed since the last save (atomically). */
int usage_save(struct usage *u, char **err);
void usage_free(struct usage *u); /* NULL is a no-op */

#endif
