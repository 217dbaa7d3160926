/* sink: where finished images go: a file (written atomically, so a failed
 * or interrupted run never leaves a partial one), or standard output. */
#ifndef SAVEPAGE_SINK_H
#define SAVEPAGE_SINK_H

#include <stddef.h>

#include "image.h"

/* Writes data to path through a temporary file in the same directory and a
 * rename. Returns 0, or -1 with *err set (caller frees). */
int sink_write_file(const char *path, const void *data, size_t len, char **err);
/* Writes data to standard output and flushes. Returns 0 or -1 with *err. */
int sink_write_stdout(const void *data, size_t len, char **err);
/* A file-system-safe default name for url: {host}{path}-{hash}.{ext}, where
 * hash is a short digest of the URL and options_key. Caller frees. */
char *sink_default_name(const char *url, const char *options_key, enum image_format f);
/* Removes temporary files still being written (from a signal handler). */
void sink_abort_temp(void);

#endif
