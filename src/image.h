/* image: the output formats, and decoding, composing and encoding
 * screenshots (libpng, libjpeg-turbo, libwebp). A PDF is an output format
 * too (printed by the browser): it is recognised and measured, never
 * decoded or encoded here. */
#ifndef SAVEPAGE_IMAGE_H
#define SAVEPAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum image_format { IMAGE_JPEG = 0, IMAGE_PNG = 1, IMAGE_WEBP = 2, IMAGE_PDF = 3 };

/* The largest height savepage composes (JPEG's format limit). */
#define IMAGE_MAX_DIM 65500

/* 8-bit RGB (or RGBA, alpha not premultiplied) pixels, rows top to
 * bottom, no padding. */
struct image {
	int width, height;
	int channels; /* 3, or 4 with alpha */
	unsigned char *px;
};

const char *image_format_name(enum image_format f); /* "jpeg", "png", "webp", "pdf" */
const char *image_format_ext(enum image_format f);  /* "jpg", "png", "webp", "pdf" */
const char *image_format_mime(enum image_format f); /* "image/jpeg" ... */
/* The tallest (and widest) image the format holds, in pixels. */
int image_format_max_dim(enum image_format f);
/* Parses "jpeg", "jpg", "png", "webp" or "pdf" (any case). 0 on success. */
int image_format_parse(const char *s, enum image_format *out);
/* Format from a file name's extension; returns 0 if it has a known one. */
int image_format_from_path(const char *path, enum image_format *out);

/* Sniffs the format from magic bytes; returns 0 on success. */
int image_sniff(const void *data, size_t len, enum image_format *out);
/* Whether data is a whole image of format f: the right magic bytes and its
 * trailer (JPEG's EOI marker, PNG's IEND chunk), so a truncated one is not. */
bool image_complete(const void *data, size_t len, enum image_format f);
/* Reads width and height from the header without decoding (a PDF: its
 * first page's size in points). */
int image_dimensions(const void *data, size_t len, int *w, int *h);
/* The number of pages of a PDF that Chrome printed. */
int image_pdf_pages(const void *data, size_t len);

/* New image (pixels zeroed); the caller frees with image_free(). */
struct image *image_new(int width, int height);
/* The same with channels 3 (RGB) or 4 (RGBA, transparent). */
struct image *image_new_channels(int width, int height, int channels);
void image_free(struct image *img);

/* Decodes PNG, JPEG or WebP to RGB. NULL on failure with *err set (caller frees). */
struct image *image_decode(const void *data, size_t len, char **err);
/* The same, but a PNG keeps its transparency (RGBA). */
struct image *image_decode_alpha(const void *data, size_t len, char **err);
/* Encodes to out (appended). quality applies to JPEG and WebP. 0 on
 * success (never for a PDF). */
int image_encode(const struct image *img, enum image_format f, int quality, struct buf *out,
		 char **err);
/* Decodes like image_decode, but a JPEG is scaled down in the DCT by the
 * largest factor (1/2, 1/4, 1/8) that keeps it at least min_width wide. */
struct image *image_decode_min_width(const void *data, size_t len, int min_width, char **err);
/* Resizes to width (smaller than src's), height in proportion, with a
 * three-lobe Lanczos filter stretched to the ratio, in linear light (sRGB
 * decoded): patterns finer than the result can hold become their true mean,
 * never moire. Alpha is kept, colours weighted by it (premultiplied), so a
 * transparent pixel's colour never bleeds. Caller frees. */
struct image *image_resize(const struct image *src, int width);
/* The height an image of w x h gets at width tw (at least 1). */
int image_scaled_height(int w, int h, int tw);
/* Copies src's rows into dst starting at row y (clipped to dst); an RGB
 * src pasted into an RGBA dst is opaque. */
void image_paste(struct image *dst, const struct image *src, int y);

#endif
