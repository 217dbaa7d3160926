#include "config.h"

#include <stdlib.h>

#include "image.h"
#include "unit.h"

static struct image *pattern(int w, int h)
{
	struct image *img = image_new(w, h);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned char *p = img->px + ((size_t)y * (size_t)w + (size_t)x) * 3;
			p[0] = (unsigned char)(x < w / 2 ? 255 : 0);
			p[1] = (unsigned char)(y < h / 2 ? 255 : 0);
			p[2] = 64;
		}
	return img;
}

static const unsigned char *px(const struct image *img, int x, int y)
{
	return img->px + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
}

int main(void)
{
	enum image_format f;
	CHECK(image_format_parse("PNG", &f) == 0 && f == IMAGE_PNG);
	CHECK(image_format_parse("jpg", &f) == 0 && f == IMAGE_JPEG);
	CHECK(image_format_parse("jpeg", &f) == 0 && f == IMAGE_JPEG);
	CHECK(image_format_parse("gif", &f) < 0);
	CHECK(image_format_from_path("a/b.PNG", &f) == 0 && f == IMAGE_PNG);
	CHECK(image_format_from_path("x.jpeg", &f) == 0 && f == IMAGE_JPEG);
	CHECK(image_format_from_path("dir.png/file", &f) < 0);
	CHECK(image_format_from_path("noext", &f) < 0);
	CHECK(image_format_parse("WebP", &f) == 0 && f == IMAGE_WEBP);
	CHECK(image_format_from_path("a/b.pdf", &f) == 0 && f == IMAGE_PDF);
	CHECK(!strcmp(image_format_ext(IMAGE_WEBP), "webp") && !strcmp(image_format_mime(IMAGE_PDF), "application/pdf"));
	CHECK(image_format_max_dim(IMAGE_WEBP) == 16383 && image_format_max_dim(IMAGE_JPEG) == IMAGE_MAX_DIM);

	struct image *img = pattern(64, 48);
	char *err = NULL;

	/* PNG is lossless. */
	struct buf png = { 0 };
	CHECK(image_encode(img, IMAGE_PNG, 80, &png, &err) == 0);
	CHECK(image_sniff(png.data, png.len, &f) == 0 && f == IMAGE_PNG);
	int w = 0, h = 0;
	CHECK(image_dimensions(png.data, png.len, &w, &h) == 0 && w == 64 && h == 48);
	struct image *back = image_decode(png.data, png.len, &err);
	CHECK(back && back->width == 64 && back->height == 48);
	CHECK(back && memcmp(back->px, img->px, 64 * 48 * 3) == 0);
	image_free(back);

	/* An image that does not compress (noise) is still written whole, after
	 * what is already in the buffer: the encoder's first guess at its
	 * size is too small for it. */
	struct image *noise = image_new(300, 200);
	unsigned seed = 12345;
	for (size_t i = 0; i < 300 * 200 * 3; i++) {
		seed = seed * 1103515245u + 12345u;
		noise->px[i] = (unsigned char)(seed >> 16);
	}
	struct buf np = { 0 };
	buf_append(&np, "xyz", 3);
	CHECK(image_encode(noise, IMAGE_PNG, 0, &np, &err) == 0 && np.len > 300 * 200 * 3 / 2);
	back = image_decode(np.data + 3, np.len - 3, &err);
	CHECK(back && back->width == 300 && memcmp(back->px, noise->px, 300 * 200 * 3) == 0);
	CHECK(!memcmp(np.data, "xyz", 3));
	image_free(back);
	image_free(noise);
	buf_free(&np);

	/* JPEG is close, and quality changes the size. */
	struct buf lo = { 0 }, hi = { 0 };
	CHECK(image_encode(img, IMAGE_JPEG, 10, &lo, &err) == 0);
	CHECK(image_encode(img, IMAGE_JPEG, 95, &hi, &err) == 0);
	CHECK(lo.len < hi.len);
	CHECK(image_sniff(hi.data, hi.len, &f) == 0 && f == IMAGE_JPEG);
	CHECK(image_dimensions(hi.data, hi.len, &w, &h) == 0 && w == 64 && h == 48);
	back = image_decode(hi.data, hi.len, &err);
	CHECK(back && abs(px(back, 8, 8)[0] - 255) < 8 && abs(px(back, 56, 40)[1] - 0) < 8);
	image_free(back);

	/* WebP: lossy at the quality asked, whole only with every byte. */
	struct buf wlo = { 0 }, whi = { 0 };
	CHECK(image_encode(img, IMAGE_WEBP, 10, &wlo, &err) == 0);
	CHECK(image_encode(img, IMAGE_WEBP, 95, &whi, &err) == 0);
	CHECK(wlo.len < whi.len);
	CHECK(image_sniff(whi.data, whi.len, &f) == 0 && f == IMAGE_WEBP);
	CHECK(image_complete(whi.data, whi.len, IMAGE_WEBP));
	CHECK(!image_complete(whi.data, whi.len - 1, IMAGE_WEBP));
	CHECK(image_dimensions(whi.data, whi.len, &w, &h) == 0 && w == 64 && h == 48);
	back = image_decode(whi.data, whi.len, &err);
	CHECK(back && back->channels == 3 && abs(px(back, 8, 8)[0] - 255) < 12 &&
	      abs(px(back, 56, 40)[1] - 0) < 12);
	image_free(back);
	CHECK(image_decode(whi.data, whi.len / 2, &err) == NULL && err);
	free(err);
	err = NULL;
	buf_free(&wlo);
	buf_free(&whi);
	/* A PDF is measured, never decoded or encoded. */
	static const char pdf[] = "%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n"
				  "2 0 obj << /Type /Page /MediaBox [0 0 612 792] >>\n"
				  "3 0 obj << /Type /Page /MediaBox [0 0 612 792] >>\n%%EOF\n";
	CHECK(image_sniff(pdf, sizeof pdf - 1, &f) == 0 && f == IMAGE_PDF);
	CHECK(image_complete(pdf, sizeof pdf - 1, IMAGE_PDF));
	CHECK(!image_complete(pdf, sizeof pdf - 8, IMAGE_PDF));
	CHECK(image_dimensions(pdf, sizeof pdf - 1, &w, &h) == 0 && w == 612 && h == 792);
	CHECK(image_pdf_pages(pdf, sizeof pdf - 1) == 2);
	CHECK(image_decode(pdf, sizeof pdf - 1, &err) == NULL && err);
	free(err);
	err = NULL;
	struct buf none = { 0 };
	CHECK(image_encode(img, IMAGE_PDF, 80, &none, &err) < 0 && err && none.len == 0);
	free(err);
	err = NULL;

	/* Garbage is an error, not a crash. */
	CHECK(image_decode("hello", 5, &err) == NULL && err);
	free(err);
	err = NULL;
	CHECK(image_decode(png.data, png.len / 2, &err) == NULL && err);
	free(err);
	err = NULL;
	/* A truncated JPEG: either an error, or (libjpeg-turbo's warning) a
	 * picture of the full size, grey where the data ran out. */
	struct image *cut = image_decode(hi.data, 200, &err);
	CHECK(cut ? cut->width == 64 && cut->height == 48 && err == NULL : err != NULL);
	image_free(cut);
	free(err);
	err = NULL;

	/* Paste places rows and clips. */
	struct image *canvas = image_new(64, 100);
	image_paste(canvas, img, 0);
	image_paste(canvas, img, 80);
	CHECK(px(canvas, 0, 0)[0] == 255 && px(canvas, 0, 0)[1] == 255);
	CHECK(px(canvas, 0, 47)[1] == 0);
	CHECK(px(canvas, 0, 60)[2] == 0); /* untouched */
	CHECK(px(canvas, 0, 80)[1] == 255 && px(canvas, 63, 99)[1] == 255);
	image_free(canvas);

	/* Resize: exact size, aspect kept, area means in linear light. */
	CHECK(image_scaled_height(1440, 900, 400) == 250);
	CHECK(image_scaled_height(1000, 1, 10) == 1);
	struct image *stripes = image_new(360, 90);
	for (int y = 0; y < 90; y++)
		for (int x = 0; x < 360; x++)
			memset(stripes->px + ((size_t)y * 360 + (size_t)x) * 3, x % 2 ? 255 : 0, 3);
	struct image *small = image_resize(stripes, 100);
	CHECK(small->width == 100 && small->height == 25);
	int lo_v = 255, hi_v = 0;
	for (int y = 0; y < 25; y++)
		for (int x = 3; x < 97; x++) { /* the edges: a window cut short */
			lo_v = px(small, x, y)[0] < lo_v ? px(small, x, y)[0] : lo_v;
			hi_v = px(small, x, y)[0] > hi_v ? px(small, x, y)[0] : hi_v;
		}
	/* 188 is half of white in linear light. A windowed sinc passes nothing
	 * finer than the thumbnail holds: an even grey. A box average beats
	 * against the stripes at 3.6:1 (178..197); an aliasing resize gives 0
	 * and 255, a gamma-space one 128. */
	printf("stripes at 3.6:1: %d..%d\n", lo_v, hi_v);
	CHECK(lo_v >= 186 && hi_v <= 190);
	CHECK(px(small, 0, 0)[0] >= 170 && px(small, 0, 0)[0] <= 205);
	image_free(small);
	small = image_resize(stripes, 180); /* an exact 2:1: every inner pixel 188 */
	CHECK(px(small, 90, 10)[0] == 188 && px(small, 120, 44)[2] == 188);
	image_free(small);
	image_free(stripes);
	struct image *solid = image_new(50, 50);
	memset(solid->px, 77, 50 * 50 * 3);
	small = image_resize(solid, 7);
	CHECK(small->width == 7 && small->height == 7 && px(small, 3, 3)[1] == 77);
	image_free(small);
	image_free(solid);

	/* JPEG decoding shrinks in the DCT when asked for at least a width. */
	struct image *big = pattern(800, 400);
	struct buf bj = { 0 };
	CHECK(image_encode(big, IMAGE_JPEG, 90, &bj, &err) == 0);
	struct image *d = image_decode_min_width(bj.data, bj.len, 150, &err);
	CHECK(d && d->width == 200 && d->height == 100); /* 1/4, the smallest >= 150 */
	image_free(d);
	d = image_decode_min_width(bj.data, bj.len, 801, &err);
	CHECK(d && d->width == 800);
	image_free(d);
	buf_free(&bj);
	image_free(big);

	/* Alpha: left half transparent (its colour black), right half opaque
	 * red. Shrunk, the edge is half transparent and still red, not dark:
	 * colours are weighted by their alpha. A PNG keeps it both ways. */
	struct image *ta = image_new_channels(40, 40, 4);
	for (int y = 0; y < 40; y++)
		for (int x = 20; x < 40; x++) {
			unsigned char *q = ta->px + ((size_t)y * 40 + (size_t)x) * 4;
			q[0] = 255, q[3] = 255;
		}
	struct image *ts = image_resize(ta, 4);
	CHECK(ts->channels == 4 && ts->width == 4 && ts->height == 4);
	const unsigned char *e = ts->px + (1 * 4 + 2) * 4; /* row 1, the first right pixel */
	CHECK(e[0] >= 250 && e[1] == 0 && e[2] == 0 && e[3] >= 200);
	const unsigned char *l = ts->px + (1 * 4 + 0) * 4;
	CHECK(l[3] == 0);
	struct buf ap = { 0 };
	CHECK(image_encode(ta, IMAGE_PNG, 0, &ap, &err) == 0);
	struct image *ab = image_decode_alpha(ap.data, ap.len, &err);
	CHECK(ab && ab->channels == 4 && ab->px[3] == 0 && ab->px[(size_t)39 * 4 + 3] == 255);
	image_free(ab);
	ab = image_decode(ap.data, ap.len, &err); /* without: over white */
	CHECK(ab && ab->channels == 3 && ab->px[0] == 255 && ab->px[1] == 255);
	/* Pasting RGB into RGBA: opaque. */
	struct image *rgb = image_new(40, 2);
	image_paste(ta, rgb, 0);
	CHECK(ta->px[3] == 255 && ta->px[0] == 0);
	image_free(rgb);
	image_free(ab);
	buf_free(&ap);
	image_free(ts);
	image_free(ta);

	buf_free(&png);
	buf_free(&lo);
	buf_free(&hi);
	image_free(img);
	return unit_done();
}
