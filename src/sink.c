#include "config.h"

#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "urls.h"
#include "util.h"

/* The temporary file being written, so that a signal can remove it. */
static char sink_temp[4096];

void sink_abort_temp(void)
{
	if (sink_temp[0])
		unlink(sink_temp);
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sink_write_file(const char *path, const void *data, size_t len, char **err)
{
	const char *slash = strrchr(path, '/');
	char *tmp;
	if (slash)
		tmp = xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		tmp = xasprintf(".%s.XXXXXX", path);
	if (strlen(tmp) >= sizeof sink_temp) {
		*err = xasprintf("%s: name too long", path);
		free(tmp);
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	strcpy(sink_temp, tmp);
	/* mkostemp makes it 0600; an image is as readable as any new file. */
	mode_t um = umask(0);
	umask(um);
	fchmod(fd, 0666 & ~um);
	if (write_all(fd, data, len) < 0 || close(fd) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		sink_temp[0] = '\0';
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		unlink(tmp);
		sink_temp[0] = '\0';
		free(tmp);
		return -1;
	}
	sink_temp[0] = '\0';
	free(tmp);
	return 0;
}

int sink_write_stdout(const void *data, size_t len, char **err)
{
	if (write_all(STDOUT_FILENO, data, len) < 0) {
		*err = xasprintf("standard output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Appends s to b with anything unsafe in a file name replaced by '_', and
 * runs of them folded. */
static void append_safe(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
		if (!ok)
			c = '_';
		/* Fold runs: no "__", and never ".." in a name. */
		if ((c == '_' || c == '.') && b->len && b->data[b->len - 1] == c)
			continue;
		buf_append(b, &c, 1);
	}
}

char *sink_default_name(const char *url, const char *options_key, enum image_format f)
{
	struct buf b = { 0 };
	char *host = url_host(url);
	append_safe(&b, host, strlen(host));
	free(host);
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	p += strcspn(p, "/");
	size_t plen = strcspn(p, "?#");
	/* The root path adds nothing to the name. */
	if (plen > 1 || (plen == 1 && p[0] != '/'))
		append_safe(&b, p, plen > 100 ? 100 : plen);
	while (b.len && (b.data[b.len - 1] == '_' || b.data[b.len - 1] == '.'))
		b.len--;
	if (b.len == 0)
		buf_append(&b, "page", 4);
	/* A name never starts with a dot (no hidden files, no "..") */
	if (b.data[0] == '.')
		b.data[0] = '_';
	uint64_t h = hash64(url, strlen(url), 0);
	if (options_key)
		h = hash64(options_key, strlen(options_key), h);
	buf_appendf(&b, "-%08x.%s", (unsigned)(h ^ (h >> 32)), image_format_ext(f));
	return (char *)b.data;
}
