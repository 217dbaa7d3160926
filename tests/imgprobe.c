/* imgprobe: what the tests see of an image.
 *   imgprobe FILE        prints "FORMAT WIDTH HEIGHT"
 *   imgprobe FILE X Y    prints "R G B" of that pixel
 *   imgprobe FILE stats [B]  prints "MIN MAX MEAN" of every channel of every
 *                        pixel (B: leaving out a border B pixels wide)
 *   imgprobe make W H RRGGBB jpeg|png  writes a solid image to standard output
 *                        (the stand-in API server's renders) */
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

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "make"))
		return make_image(argv);
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
		fprintf(stderr, "%s: not a PNG or JPEG\n", argv[1]);
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
