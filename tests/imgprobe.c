/* imgprobe: what the tests see of an image.
 *   imgprobe FILE        prints "FORMAT WIDTH HEIGHT"
 *   imgprobe FILE X Y    prints "R G B" of that pixel
 *   imgprobe FILE stats [B]  prints "MIN MAX MEAN" of every channel of every
 *                        pixel (B: leaving out a border B pixels wide)
 *   imgprobe make W H RRGGBB jpeg|png  writes a solid image to standard output
 *                        (the stand-in API server's renders)
 *   imgprobe alpha FILE X Y  prints "R G B A" of that pixel, transparency
 *                        kept (A 255 where the image has none)
 *   imgprobe diff A B    compares two images of one size: prints "MAE PIXELS
 *                        MAX", the mean absolute error of all channels in
 *                        percent of 255, the number of pixels that differ at
 *                        all, and the largest difference of one channel */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "util.h"

static int make_image(char **argv)
{
	int w = atoi(argv[2]), h = atoi(argv[3]);
	unsigned long rgb = strtoul(argv[4], NULL, 16);
	enum image_format f;
	if (w < 1 || h < 1 || image_format_parse(argv[5], &f) < 0) {
		fprintf(stderr, "usage: imgprobe make W H RRGGBB jpeg|png\n");
		return 2;
	}
	struct image *img = image_new(w, h);
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
		img->px[3 * i] = (unsigned char)(rgb >> 16);
		img->px[3 * i + 1] = (unsigned char)(rgb >> 8);
		img->px[3 * i + 2] = (unsigned char)rgb;
	}
	struct buf out = { 0 };
	char *err = NULL;
	int rc = image_encode(img, f, 90, &out, &err);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		fprintf(stderr, "imgprobe make: %s\n", err), free(err);
	buf_free(&out);
	image_free(img);
	return rc ? 1 : 0;
}

static struct image *load(const char *path)
{
	struct buf b = { 0 };
	char *err = NULL;
	struct image *img = NULL;
	if (read_file(path, &b) < 0)
		perror(path);
	else if (!(img = image_decode(b.data, b.len, &err)))
		fprintf(stderr, "%s: %s\n", path, err);
	free(err);
	buf_free(&b);
	return img;
}

static int diff_images(const char *pa, const char *pb)
{
	struct image *a = load(pa), *b = load(pb);
	int rc = 1;
	if (a && b && (a->width != b->width || a->height != b->height)) {
		fprintf(stderr, "%s is %dx%d, %s %dx%d\n", pa, a->width, a->height, pb, b->width,
			b->height);
	} else if (a && b) {
		size_t n = (size_t)a->width * (size_t)a->height, differ = 0;
		double sum = 0;
		int max = 0;
		for (size_t i = 0; i < n; i++) {
			bool d = false;
			for (int c = 0; c < 3; c++) {
				int v = abs(a->px[3 * i + c] - b->px[3 * i + c]);
				sum += v;
				max = v > max ? v : max;
				d |= v != 0;
			}
			differ += d;
		}
		printf("%.4f %zu %d\n", n ? 100.0 * sum / (3.0 * 255.0 * (double)n) : 0.0, differ, max);
		rc = 0;
	}
	image_free(a);
	image_free(b);
	return rc;
}

static int alpha_pixel(const char *path, int x, int y)
{
	struct buf b = { 0 };
	char *err = NULL;
	if (read_file(path, &b) < 0) {
		perror(path);
		return 1;
	}
	struct image *img = image_decode_alpha(b.data, b.len, &err);
	buf_free(&b);
	if (!img) {
		fprintf(stderr, "%s: %s\n", path, err);
		free(err);
		return 1;
	}
	int rc = 1;
	if (x < 0 || y < 0 || x >= img->width || y >= img->height) {
		fprintf(stderr, "%s: %d,%d is outside %dx%d\n", path, x, y, img->width, img->height);
	} else {
		size_t c = (size_t)img->channels;
		const unsigned char *p = img->px + ((size_t)y * (size_t)img->width + (size_t)x) * c;
		printf("%d %d %d %d\n", p[0], p[1], p[2], c == 4 ? p[3] : 255);
		rc = 0;
	}
	image_free(img);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "make"))
		return make_image(argv);
	if (argc == 4 && !strcmp(argv[1], "diff"))
		return diff_images(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "alpha"))
		return alpha_pixel(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: imgprobe FILE [X Y | stats] | imgprobe make W H RRGGBB FORMAT\n");
		return 2;
	}
	struct buf b = { 0 };
	if (read_file(argv[1], &b) < 0) {
		perror(argv[1]);
		return 1;
	}
	enum image_format f;
	char *err = NULL;
	int rc = 1;
	struct image *img = NULL;
	if (image_sniff(b.data, b.len, &f) < 0) {
		fprintf(stderr, "%s: not a PNG, JPEG, WebP or PDF\n", argv[1]);
		goto out;
	}
	if (f == IMAGE_PDF && argc == 2) {
		/* Not decoded: its first page's size in points, and its pages. */
		int w = 0, h = 0;
		if (!image_complete(b.data, b.len, f) || image_dimensions(b.data, b.len, &w, &h) < 0) {
			fprintf(stderr, "%s: not a whole PDF\n", argv[1]);
			goto out;
		}
		printf("pdf %d %d %d\n", w, h, image_pdf_pages(b.data, b.len));
		rc = 0;
		goto out;
	}
	img = image_decode(b.data, b.len, &err);
	if (!img) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		free(err);
		goto out;
	}
	if (argc == 2) {
		printf("%s %d %d\n", image_format_name(f), img->width, img->height);
	} else if ((argc == 3 || argc == 4) && !strcmp(argv[2], "stats")) {
		int bd = argc == 4 ? atoi(argv[3]) : 0;
		int lo = 255, hi = 0;
		double sum = 0, n = 0;
		for (int y = bd; y < img->height - bd; y++) {
			const unsigned char *p = img->px + ((size_t)y * (size_t)img->width + (size_t)bd) * 3;
			for (int i = 0; i < (img->width - 2 * bd) * 3; i++, n++) {
				lo = p[i] < lo ? p[i] : lo;
				hi = p[i] > hi ? p[i] : hi;
				sum += p[i];
			}
		}
		printf("%d %d %.0f\n", lo, hi, n ? sum / n : 0);
	} else if (argc == 3) {
		fprintf(stderr, "usage: imgprobe FILE [X Y | stats [BORDER]]\n");
		goto out;
	} else {
		int x = atoi(argv[2]), y = atoi(argv[3]);
		if (x < 0 || y < 0 || x >= img->width || y >= img->height) {
			fprintf(stderr, "%s: %d,%d is outside %dx%d\n", argv[1], x, y, img->width,
				img->height);
			goto out;
		}
		const unsigned char *p = img->px + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
		printf("%d %d %d\n", p[0], p[1], p[2]);
	}
	rc = 0;
out:
	image_free(img);
	buf_free(&b);
	return rc;
}
