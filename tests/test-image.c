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

	/* Garbage is an error, not a crash. */
	CHECK(image_decode("hello", 5, &err) == NULL && err);
	free(err);
	err = NULL;
	CHECK(image_decode(png.data, png.len / 2, &err) == NULL && err);
	free(err);
	err = NULL;
	CHECK(image_decode(hi.data, 200, &err) == NULL || err == NULL);
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

	buf_free(&png);
	buf_free(&lo);
	buf_free(&hi);
	image_free(img);
	return unit_done();
}
