/* progress: one line on standard error, redrawn in place: done/total,
 * failures, rate and time left. Log lines clear it first and it is drawn
 * again after them. */
#ifndef SAVEPAGE_PROGRESS_H
#define SAVEPAGE_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

void progress_start(size_t total);
/* Redraws at most a few times a second unless force. */
void progress_update(size_t done, size_t failed, bool force);
/* Clears the line for good. */
void progress_end(void);

#endif
