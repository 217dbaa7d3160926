/* devices: the presets of --device, read from a data file shipped with
 * savepage (devices.txt): common phones, tablets and laptops with their
 * viewport, device pixel ratio, kind and user agent. */
#ifndef SAVEPAGE_DEVICES_H
#define SAVEPAGE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct device {
	char *name;
	int width, height;  /* the viewport, CSS pixels */
	double scale;       /* device pixels per CSS pixel */
	char *kind;         /* "phone", "tablet" or "desktop" */
	bool mobile, touch; /* phones and tablets */
	char *user_agent;   /* NULL: Chrome's own */
};

struct devices {
	struct device *v;
	size_t n;
};

/* Reads the file at path. 0, or -1 with *err (caller frees) naming the
 * file and line. */
int devices_load(const char *path, struct devices *out, char **err);
void devices_free(struct devices *d);
/* The device named name (without case; '_' and ' ' count as '-'), or NULL. */
const struct device *devices_find(const struct devices *d, const char *name);
/* The table for --list-devices. */
void devices_print(const struct devices *d, FILE *f);

#endif
