#include "config.h"

#include "image.h"

#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <turbojpeg.h>
#include <webp/decode.h>
#include <webp/encode.h>

static const struct {
	const char *name, *ext, *mime;
} formats[] = {
	[IMAGE_JPEG] = { "jpeg", "jpg", "image/jpeg" },
	[IMAGE_PNG] = { "png", "png", "image/png" },
	[IMAGE_WEBP] = { "webp", "webp", "image/webp" },
	[IMAGE_PDF] = { "pdf", "pdf", "application/pdf" },
};

const char *image_format_name(enum image_format f)
{
	return formats[f].name;
}

const char *image_format_ext(enum image_format f)
{
	return formats[f].ext;
}

const char *image_format_mime(enum image_format f)
{
	return formats[f].mime;
}

int image_format_max_dim(enum image_format f)
{
	return f == IMAGE_WEBP ? WEBP_MAX_DIMENSION : IMAGE_MAX_DIM;
}

int image_format_parse(const char *s, enum image_format *out)
{
	if (!strcasecmp(s, "jpg")) {
		*out = IMAGE_JPEG;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(formats); i++) {
		if (!strcasecmp(s, formats[i].name)) {
			*out = (enum image_format)i;
			return 0;
		}
	}
	return -1;
}

int image_format_from_path(const char *path, enum image_format *out)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	if (!dot || !dot[1])
		return -1;
	return image_format_parse(dot + 1, out);
}

int image_sniff(const void *data, size_t len, enum image_format *out)
{
	const unsigned char *p = data;
	if (len >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8)) {
		*out = IMAGE_PNG;
		return 0;
	}
	if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
		*out = IMAGE_JPEG;
		return 0;
	}
	if (len >= 16 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBPVP8", 7)) {
		*out = IMAGE_WEBP;
		return 0;
	}
	if (len >= 8 && !memcmp(p, "%PDF-", 5)) {
		*out = IMAGE_PDF;
		return 0;
	}
	return -1;
}

/* A PDF's end: "%%EOF" and at most a line end or two after it. */
static bool pdf_ends(const unsigned char *d, size_t len)
{
	size_t end = len;
	while (end > 0 && (d[end - 1] == '\n' || d[end - 1] == '\r' || d[end - 1] == ' '))
		end--;
	return end >= 5 && !memcmp(d + end - 5, "%%EOF", 5);
}

/* Finds needle in the first n bytes of hay (memmem without _GNU_SOURCE). */
static const unsigned char *find(const unsigned char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (hay[i] == (unsigned char)needle[0] && !memcmp(hay + i, needle, k))
			return hay + i;
	return NULL;
}

int image_pdf_pages(const void *data, size_t len)
{
	/* Chrome writes each page as its own object, "/Type /Page" (not
	 * "/Pages", the tree), none of them compressed. */
	const unsigned char *p = data, *end = p + len;
	int n = 0;
	const unsigned char *hit;
	while (p < end && (hit = find(p, (size_t)(end - p), "/Type /Page"))) {
		p = hit + 11;
		if (p < end && *p != 's')
			n++;
	}
	return n;
}

bool image_complete(const void *data, size_t len, enum image_format f)
{
	const unsigned char *d = data;
	enum image_format got;
	if (image_sniff(data, len, &got) < 0 || got != f)
		return false;
	switch (f) {
	case IMAGE_JPEG:
		return len >= 4 && d[len - 2] == 0xFF && d[len - 1] == 0xD9;
	case IMAGE_PNG:
		return len >= 12 && !memcmp(d + len - 8, "IEND", 4);
	case IMAGE_WEBP: {
		/* RIFF's size field counts what follows it: the whole file less 8. */
		uint32_t n = (uint32_t)d[4] | (uint32_t)d[5] << 8 | (uint32_t)d[6] << 16 |
			     (uint32_t)d[7] << 24;
		return (size_t)n + 8 == len;
	}
	case IMAGE_PDF:
		return pdf_ends(d, len);
	}
	return false;
}

int image_dimensions(const void *data, size_t len, int *w, int *h)
{
	enum image_format f;
	if (image_sniff(data, len, &f) < 0)
		return -1;
	const unsigned char *p = data;
	if (f == IMAGE_WEBP) {
		int ww = 0, wh = 0;
		if (!WebPGetInfo(p, len, &ww, &wh) || ww < 1 || wh < 1)
			return -1;
		*w = ww;
		*h = wh;
		return 0;
	}
	if (f == IMAGE_PDF) {
		/* The first page's MediaBox, in points (1/72 inch). */
		const unsigned char *mb = find(p, len, "/MediaBox [");
		double box[4];
		if (!mb || len - (size_t)(mb - p) < 12)
			return -1;
		char tmp[128];
		size_t k = len - (size_t)(mb - p) - 11;
		k = k < sizeof tmp - 1 ? k : sizeof tmp - 1;
		memcpy(tmp, mb + 11, k);
		tmp[k] = '\0';
		if (sscanf(tmp, "%lf %lf %lf %lf", &box[0], &box[1], &box[2], &box[3]) != 4 ||
		    !(box[2] - box[0] >= 1 && box[2] - box[0] < 1e5) ||
		    !(box[3] - box[1] >= 1 && box[3] - box[1] < 1e5))
			return -1;
		*w = (int)lround(box[2] - box[0]);
		*h = (int)lround(box[3] - box[1]);
		return 0;
	}
	if (f == IMAGE_PNG) {
		if (len < 24 || memcmp(p + 12, "IHDR", 4))
			return -1;
		uint32_t pw = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
		uint32_t ph = (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
		/* PNG's limit is 2^31 - 1 each way; zero is no image. */
		if (pw == 0 || ph == 0 || pw > INT32_MAX || ph > INT32_MAX)
			return -1;
		*w = (int)pw;
		*h = (int)ph;
		return 0;
	}
	tjhandle tj = tjInitDecompress();
	if (!tj)
		return -1;
	int sub, cs, rc, jw = 0, jh = 0;
	rc = tjDecompressHeader3(tj, p, (unsigned long)len, &jw, &jh, &sub, &cs);
	tjDestroy(tj);
	/* A stream of tables only "succeeds" with no size at all. */
	if (rc != 0 || jw < 1 || jh < 1)
		return -1;
	*w = jw;
	*h = jh;
	return 0;
}

struct image *image_new(int width, int height)
{
	return image_new_channels(width, height, 3);
}

struct image *image_new_channels(int width, int height, int channels)
{
	struct image *img = xcalloc(1, sizeof *img);
	img->width = width;
	img->height = height;
	img->channels = channels == 4 ? 4 : 3;
	img->px = xcalloc((size_t)width * (size_t)height, (size_t)img->channels);
	return img;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	free(img->px);
	free(img);
}

static struct image *decode_png(const void *data, size_t len, bool alpha, char **err)
{
	png_image pi;
	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, data, len)) {
		*err = xasprintf("PNG: %s", pi.message);
		return NULL;
	}
	pi.format = alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
	if (pi.width > IMAGE_MAX_DIM * 4u || pi.height > IMAGE_MAX_DIM * 4u) {
		png_image_free(&pi);
		*err = xasprintf("PNG: %ux%u is too large", pi.width, pi.height);
		return NULL;
	}
	struct image *img = image_new_channels((int)pi.width, (int)pi.height, alpha ? 4 : 3);
	/* A white background for any transparency, as a browser would show it. */
	png_color bg = { 255, 255, 255 };
	if (!png_image_finish_read(&pi, &bg, img->px, 0, NULL)) {
		*err = xasprintf("PNG: %s", pi.message);
		png_image_free(&pi);
		image_free(img);
		return NULL;
	}
	return img;
}

static struct image *decode_jpeg(const void *data, size_t len, int min_width, char **err)
{
	tjhandle tj = tjInitDecompress();
	if (!tj) {
		*err = xasprintf("JPEG: %s", tjGetErrorStr2(NULL));
		return NULL;
	}
	int w = 0, h = 0, sub, cs;
	struct image *img = NULL;
	if (tjDecompressHeader3(tj, data, (unsigned long)len, &w, &h, &sub, &cs) < 0) {
		*err = xasprintf("JPEG: %s", tjGetErrorStr2(tj));
		goto out;
	}
	if (w < 1 || h < 1 || w > IMAGE_MAX_DIM * 4 || h > IMAGE_MAX_DIM * 4) {
		*err = xasprintf("JPEG: %dx%d is no image size savepage takes", w, h);
		goto out;
	}
	/* DCT scaling: decode straight to a smaller size when that is enough. */
	if (min_width > 0) {
		int n = 0;
		tjscalingfactor *sf = tjGetScalingFactors(&n);
		int best_w = w, best_h = h;
		for (int i = 0; sf && i < n; i++) {
			if (sf[i].num != 1 || (sf[i].denom != 2 && sf[i].denom != 4 && sf[i].denom != 8))
				continue;
			int sw = TJSCALED(w, sf[i]), sh = TJSCALED(h, sf[i]);
			if (sw >= min_width && sw < best_w) {
				best_w = sw;
				best_h = sh;
			}
		}
		w = best_w;
		h = best_h;
	}
	img = image_new(w, h);
	if (tjDecompress2(tj, data, (unsigned long)len, img->px, w, 0, h, TJPF_RGB,
			  TJFLAG_ACCURATEDCT) < 0 &&
	    tjGetErrorCode(tj) == TJERR_FATAL) {
		*err = xasprintf("JPEG: %s", tjGetErrorStr2(tj));
		image_free(img);
		img = NULL;
	}
out:
	tjDestroy(tj);
	return img;
}

static struct image *decode_webp(const void *data, size_t len, bool alpha, char **err)
{
	WebPDecoderConfig cfg;
	if (!WebPInitDecoderConfig(&cfg) || WebPGetFeatures(data, len, &cfg.input) != VP8_STATUS_OK) {
		*err = xstrdup("WebP: not a WebP image");
		return NULL;
	}
	int w = cfg.input.width, h = cfg.input.height;
	if (w < 1 || h < 1) {
		*err = xstrdup("WebP: no image size");
		return NULL;
	}
	/* RGBA when asked, else composed over white as a browser shows it. */
	struct image *img = image_new_channels(w, h, 4);
	cfg.output.colorspace = MODE_RGBA;
	cfg.output.is_external_memory = 1;
	cfg.output.u.RGBA.rgba = img->px;
	cfg.output.u.RGBA.stride = w * 4;
	cfg.output.u.RGBA.size = (size_t)w * (size_t)h * 4;
	VP8StatusCode rc = WebPDecode(data, len, &cfg);
	WebPFreeDecBuffer(&cfg.output);
	if (rc != VP8_STATUS_OK) {
		*err = xasprintf("WebP: cannot decode (status %d)", (int)rc);
		image_free(img);
		return NULL;
	}
	if (alpha)
		return img;
	struct image *rgb = image_new(w, h);
	size_t n = (size_t)w * (size_t)h;
	for (size_t i = 0; i < n; i++) {
		unsigned a = img->px[i * 4 + 3];
		for (int c = 0; c < 3; c++)
			rgb->px[i * 3 + c] =
				(unsigned char)((img->px[i * 4 + c] * a + 255 * (255 - a) + 127) / 255);
	}
	image_free(img);
	return rgb;
}

static struct image *decode_any(const void *data, size_t len, bool alpha, int min_width,
				char **err)
{
	enum image_format f;
	if (image_sniff(data, len, &f) < 0 || f == IMAGE_PDF) {
		*err = xstrdup("not a PNG, JPEG or WebP image");
		return NULL;
	}
	switch (f) {
	case IMAGE_PNG: return decode_png(data, len, alpha, err);
	case IMAGE_WEBP: return decode_webp(data, len, alpha, err);
	default: return decode_jpeg(data, len, min_width, err);
	}
}

struct image *image_decode(const void *data, size_t len, char **err)
{
	return decode_any(data, len, false, 0, err);
}

struct image *image_decode_alpha(const void *data, size_t len, char **err)
{
	return decode_any(data, len, true, 0, err);
}

struct image *image_decode_min_width(const void *data, size_t len, int min_width, char **err)
{
	return decode_any(data, len, false, min_width, err);
}

/* sRGB <-> linear light. */
static float srgb_to_linear_lut[256];
static unsigned char linear_to_srgb_lut[4097];

static void init_luts(void)
{
	static int done;
	if (done)
		return;
	for (int i = 0; i < 256; i++) {
		double v = i / 255.0;
		srgb_to_linear_lut[i] =
			(float)(v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
	}
	for (int i = 0; i <= 4096; i++) {
		double v = i / 4096.0;
		double s = v <= 0.0031308 ? v * 12.92 : 1.055 * pow(v, 1 / 2.4) - 0.055;
		long q = lround(s * 255.0);
		linear_to_srgb_lut[i] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
	}
	done = 1;
}

static unsigned char to_srgb(float v)
{
	int i = (int)(v * 4096.0f + 0.5f);
	return linear_to_srgb_lut[i < 0 ? 0 : i > 4096 ? 4096 : i];
}

int image_scaled_height(int w, int h, int tw)
{
	long th = lround((double)h * tw / (double)w);
	return th < 1 ? 1 : (int)th;
}

/* For each output column (or row), the source columns it draws on and
 * their weights. */
struct span {
	int first, count;
	float *w;
};

/* The Lanczos window with three lobes: a windowed sinc, as libvips'
 * thumbnail and ImageMagick's -resize use for shrinking. */
#define LANCZOS_A 3.0

static double lanczos(double x)
{
	x = fabs(x);
	if (x < 1e-9)
		return 1.0;
	if (x >= LANCZOS_A)
		return 0.0;
	double px = M_PI * x;
	return LANCZOS_A * sin(px) * sin(px / LANCZOS_A) / (px * px);
}

/* Shrinking src samples to dst: the filter is stretched by the ratio, so
 * that it passes nothing finer than the output can hold (no moire); the
 * weights of each output sample sum to one, and the edges are clamped. */
static struct span *make_spans(int src, int dst)
{
	struct span *s = xcalloc((size_t)dst, sizeof *s);
	double scale = (double)src / dst;
	double stretch = scale > 1 ? scale : 1;
	double support = LANCZOS_A * stretch;
	for (int o = 0; o < dst; o++) {
		double centre = (o + 0.5) * scale;
		int first = (int)floor(centre - support), last = (int)ceil(centre + support);
		if (first < 0)
			first = 0;
		if (last > src - 1)
			last = src - 1;
		s[o].first = first;
		s[o].count = last - first + 1;
		s[o].w = xcalloc((size_t)s[o].count, sizeof *s[o].w);
		double sum = 0;
		for (int k = 0; k < s[o].count; k++)
			sum += s[o].w[k] = (float)lanczos((first + k + 0.5 - centre) / stretch);
		for (int k = 0; k < s[o].count; k++)
			s[o].w[k] = (float)(s[o].w[k] / sum);
	}
	return s;
}

static void free_spans(struct span *s, int n)
{
	for (int i = 0; i < n; i++)
		free(s[i].w);
	free(s);
}

/* One source row resampled across, in linear light; with alpha (c 4),
 * the colours premultiplied by it. */
static void resample_row(const unsigned char *row, int c, const struct span *hs, int width,
			 float *out)
{
	for (int ox = 0; ox < width; ox++) {
		float r = 0, g = 0, b = 0, a = 0;
		const struct span *sp = &hs[ox];
		const unsigned char *p = row + (size_t)sp->first * (size_t)c;
		for (int j = 0; j < sp->count; j++, p += c) {
			float wx = sp->w[j];
			float pa = c == 4 ? p[3] / 255.0f : 1.0f;
			r += wx * pa * srgb_to_linear_lut[p[0]];
			g += wx * pa * srgb_to_linear_lut[p[1]];
			b += wx * pa * srgb_to_linear_lut[p[2]];
			a += wx * pa;
		}
		float *o = out + (size_t)ox * (size_t)c;
		o[0] = r;
		o[1] = g;
		o[2] = b;
		if (c == 4)
			o[3] = a;
	}
}

struct image *image_resize(const struct image *src, int width)
{
	init_luts();
	int height = image_scaled_height(src->width, src->height, width);
	int c = src->channels == 4 ? 4 : 3;
	struct image *dst = image_new_channels(width, height, c);
	struct span *hs = make_spans(src->width, width);
	struct span *vs = make_spans(src->height, height);
	size_t rowlen = (size_t)width * (size_t)c;
	/* Source rows resampled across, each once, in a ring as tall as the
	 * tallest vertical span: output rows need them in order. */
	int ring = 1;
	for (int oy = 0; oy < height; oy++)
		ring = vs[oy].count > ring ? vs[oy].count : ring;
	float *rows = xcalloc((size_t)ring * rowlen, sizeof *rows);
	float *acc = xcalloc(rowlen, sizeof *acc);
	int next = 0; /* the next source row to resample */
	for (int oy = 0; oy < height; oy++) {
		int end = vs[oy].first + vs[oy].count;
		for (; next < end; next++)
			resample_row(src->px + (size_t)next * (size_t)src->width * (size_t)c, c, hs,
				     width, rows + (size_t)(next % ring) * rowlen);
		memset(acc, 0, rowlen * sizeof *acc);
		for (int k = 0; k < vs[oy].count; k++) {
			const float *hrow = rows + (size_t)((vs[oy].first + k) % ring) * rowlen;
			float wy = vs[oy].w[k];
			for (size_t i = 0; i < rowlen; i++)
				acc[i] += wy * hrow[i];
		}
		unsigned char *out = dst->px + (size_t)oy * rowlen;
		if (c == 3) {
			for (size_t i = 0; i < rowlen; i++)
				out[i] = to_srgb(acc[i]);
		} else {
			for (size_t i = 0; i < rowlen; i += 4) {
				float a = acc[i + 3];
				float k = a > 1e-6f ? 1.0f / a : 0.0f;
				out[i] = to_srgb(acc[i] * k);
				out[i + 1] = to_srgb(acc[i + 1] * k);
				out[i + 2] = to_srgb(acc[i + 2] * k);
				long q = lroundf(a * 255.0f);
				out[i + 3] = (unsigned char)(q < 0 ? 0 : q > 255 ? 255 : q);
			}
		}
	}
	free(rows);
	free(acc);
	free_spans(hs, width);
	free_spans(vs, height);
	return dst;
}

static int encode_png(const struct image *img, struct buf *out, char **err)
{
	png_image pi;
	memset(&pi, 0, sizeof pi);
	pi.version = PNG_IMAGE_VERSION;
	pi.width = (png_uint_32)img->width;
	pi.height = (png_uint_32)img->height;
	pi.format = img->channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
	/* libpng's fast settings: on a 1440x30319 page 0.32 s and 5.3 MiB,
	 * against 1.2 s and 6.2 MiB with its defaults (bench/README.md). */
	pi.flags = PNG_IMAGE_FLAG_FAST;
	/* One pass into room for a quarter of the pixels' bytes (screens
	 * compress far better); only an image that does not fit is encoded
	 * again, once its size is known. */
	size_t raw = (size_t)img->width * (size_t)img->height * (size_t)img->channels;
	png_alloc_size_t room = raw / 4 + 65536, size = room;
	buf_reserve(out, size);
	if (!png_image_write_to_memory(&pi, out->data + out->len, &size, 0, img->px, 0, NULL)) {
		if (size <= room) { /* unchanged: an error, not a lack of room */
			*err = xasprintf("PNG: %s", pi.message);
			return -1;
		}
		buf_reserve(out, size); /* what it needs */
		pi.warning_or_error = 0;
		if (!png_image_write_to_memory(&pi, out->data + out->len, &size, 0, img->px, 0,
					       NULL)) {
			*err = xasprintf("PNG: %s", pi.message);
			return -1;
		}
	}
	out->len += size;
	out->data[out->len] = '\0';
	return 0;
}

static int encode_jpeg(const struct image *img, int quality, struct buf *out, char **err)
{
	tjhandle tj = tjInitCompress();
	if (!tj) {
		*err = xasprintf("JPEG: %s", tjGetErrorStr2(NULL));
		return -1;
	}
	unsigned char *jpg = NULL;
	unsigned long size = 0;
	/* JPEG has no alpha: an RGBA image's colours as they are. */
	int rc = tjCompress2(tj, img->px, img->width, 0, img->height,
			     img->channels == 4 ? TJPF_RGBX : TJPF_RGB, &jpg, &size,
			     TJSAMP_420, quality, TJFLAG_ACCURATEDCT);
	if (rc < 0)
		*err = xasprintf("JPEG: %s", tjGetErrorStr2(tj));
	else
		buf_append(out, jpg, size);
	tjFree(jpg);
	tjDestroy(tj);
	return rc < 0 ? -1 : 0;
}

static int encode_webp(const struct image *img, int quality, struct buf *out, char **err)
{
	if (img->width > WEBP_MAX_DIMENSION || img->height > WEBP_MAX_DIMENSION) {
		*err = xasprintf("WebP: %dx%d is larger than WebP's %d px", img->width, img->height,
				 WEBP_MAX_DIMENSION);
		return -1;
	}
	uint8_t *data = NULL;
	size_t n = img->channels == 4
		? WebPEncodeRGBA(img->px, img->width, img->height, img->width * 4, (float)quality, &data)
		: WebPEncodeRGB(img->px, img->width, img->height, img->width * 3, (float)quality, &data);
	if (n == 0) {
		WebPFree(data);
		*err = xstrdup("WebP: encoding failed");
		return -1;
	}
	buf_append(out, data, n);
	WebPFree(data);
	return 0;
}

int image_encode(const struct image *img, enum image_format f, int quality, struct buf *out,
		 char **err)
{
	if (img->width <= 0 || img->height <= 0) {
		*err = xstrdup("empty image");
		return -1;
	}
	switch (f) {
	case IMAGE_PNG: return encode_png(img, out, err);
	case IMAGE_JPEG: return encode_jpeg(img, quality, out, err);
	case IMAGE_WEBP: return encode_webp(img, quality, out, err);
	case IMAGE_PDF: break;
	}
	*err = xstrdup("a PDF is printed by the browser, not encoded");
	return -1;
}

void image_paste(struct image *dst, const struct image *src, int y)
{
	int w = src->width < dst->width ? src->width : dst->width;
	size_t dc = (size_t)dst->channels, sc = (size_t)src->channels;
	for (int r = 0; r < src->height; r++) {
		int dy = y + r;
		if (dy < 0 || dy >= dst->height)
			continue;
		unsigned char *d = dst->px + (size_t)dy * (size_t)dst->width * dc;
		const unsigned char *s = src->px + (size_t)r * (size_t)src->width * sc;
		if (dc == sc) {
			memcpy(d, s, (size_t)w * dc);
			continue;
		}
		for (int x = 0; x < w; x++, d += dc, s += sc) {
			d[0] = s[0], d[1] = s[1], d[2] = s[2];
			if (dc == 4)
				d[3] = sc == 4 ? s[3] : 255;
		}
	}
}
