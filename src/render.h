/* render: one description of how a URL is rendered, built once from the
 * settings, and the table of its fields. Everything that turns a render
 * into something else derives from the table: the cache key (the fields
 * that change the pixels), the hosted API's form (the fields it takes,
 * under its names), and what a report says an image was made with. The
 * browser engine reads the struct itself. Adding a render option means:
 * its row in the option table (options.c), its field here with its row in
 * render_fields (render.c), and the code that applies it in the browser. */
#ifndef SAVEPAGE_RENDER_H
#define SAVEPAGE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "image.h"
#include "proxy.h"
#include "util.h"

struct render {
	int width, height;       /* the viewport, CSS pixels */
	bool fullpage;
	int thumb_width;         /* 0: full size */
	double delay;            /* seconds after load */
	bool nocookie;
	bool noads;
	struct strlist blocklists; /* --blocklist files, read with --noads */
	enum image_format format;
	int quality;             /* JPEG and WebP */
	char *pdf_paper;         /* -f pdf: "Letter" or "Legal"; NULL: A4 */
	bool pdf_landscape;
	bool mhtml;              /* --mhtml: the page's record beside the image */
	char *user_agent;        /* NULL: the browser's own */
	char *accept_language;   /* NULL: the browser's own */
	char *cookie;            /* NULL: none */
	double timeout;          /* seconds for load + delay + capture */
	bool fail_on_http_error; /* a page answering 4xx/5xx is a failure */
	bool shared_session;     /* cookies, storage and caches carry from page to
				    page (one browser context per browser) */
	long refresh;            /* re-render when the copy is older (s); -1 now */
	bool refresh_given;      /* --refresh given: the API is told */
	long maxage;             /* the API's Cache-Control max-age; -1 not sent */
	/* What is shot, instead of the viewport */
	struct strlist selector; /* the box around every match */
	int padding;             /* around it, CSS px */
	char *clip;              /* "X,Y,W,H" as given ... */
	int clip_x, clip_y, clip_w, clip_h; /* ... and read (clip_w 0: none) */
	/* Waiting, after the page's event and before changing it */
	char *wait_until;        /* "load", "domcontentloaded", "networkidle";
				    NULL: load, and a page that never gets
				    there is shot as it stands */
	char *wait_for_selector; /* until a visible element matches */
	char *wait_for;          /* until the expression is true */
	/* Emulating the reader */
	double scale;            /* device pixels per CSS pixel (1 to 4) */
	char *device;            /* --device: the preset's name (its values are set) */
	bool mobile;             /* a phone or tablet's viewport */
	bool touch;              /* a touch screen: no hover, a coarse pointer */
	bool dark_mode;          /* prefers-color-scheme: dark */
	bool reduced_motion;     /* prefers-reduced-motion: reduce */
	bool disable_animations; /* animations finished, videos at frame 0, no caret */
	char *timezone;          /* IANA name; NULL: the system's */
	bool bypass_csp;
	bool omit_background;    /* transparent where the page sets no background (PNG) */
	/* Changing the page before the shot, in this order (after load, before
	 * the delay): */
	struct strlist hide;     /* --hide: selectors made visibility: hidden */
	struct strlist remove;   /* --remove: selectors made display: none */
	struct strlist click;    /* --click: selectors clicked in turn */
	char *style;             /* --style, --style-file: CSS added to the page */
	char *javascript;        /* --javascript, --js-file: run in the page */
	/* The network */
	struct strlist headers;  /* --header "Name: value", for the page's own host */
	char *auth_user;         /* --user's login for the page's own host ... */
	char *auth_password;     /* ... (NULL: none) */
	struct proxy_conf proxy; /* --proxy, --no-proxy or the environment's */
	struct strlist style_files; /* read into style by options_check */
	struct strlist js_files;    /* read into javascript by options_check */
	/* Set by the run, not by options: what renders it. */
	char *lists;             /* --noads: the identity of the lists read */
	char *rules;             /* --nocookie: the rules' identity (autoconsent's
				    version, savepage's own rules) */
	char *via;               /* the hosted API ("api:" and its address's digest);
				    "guarded": savepage serve's guard (serve.c) */
};

enum render_type { RT_BOOL, RT_INT, RT_LONG, RT_SECONDS, RT_STRING, RT_FORMAT, RT_LIST };

enum {
	RF_PIXELS = 1,    /* changes the image: part of the cache key */
	RF_API = 2,       /* sent to the hosted API under its name */
	RF_SECRET = 4,    /* shown only as a digest (cache metadata, reports) */
	RF_POST_ONLY = 8, /* the API takes it in a POST body only */
	RF_ALWAYS = 16,   /* written even when it has its default value */
	RF_LOCAL = 32,    /* savepage's own: refused with --api, which lacks it */
	RF_PASSWORD = 64, /* never shown, not even as a digest (one could be
			     guessed from it): "***" */
};

struct render_field {
	const char *name; /* the API's name; savepage's own for what the API lacks */
	enum render_type type;
	size_t offset;
	unsigned flags;
	/* Whether it is set (NULL: by type: true, non-zero, non-NULL). */
	bool (*is_set)(const struct render *r);
};

extern const struct render_field render_fields[];
extern const size_t render_nfields;

void render_init(struct render *r);
void render_free(struct render *r);

/* The field's value as text (into tmp, or the string itself; a list as a
 * JSON array in *alloc, which the caller frees). */
const char *render_value(const struct render *r, const struct render_field *f, char tmp[64],
			 char **alloc);
/* The field the hosted API names name (RF_API), or NULL. */
const struct render_field *render_api_field(const char *name);
/* Whether the field is to be written (set, or RF_ALWAYS). */
bool render_field_set(const struct render *r, const struct render_field *f);

/* The cache-key text: every pixel-changing field that is set, as
 * "name=value" separated by blanks. shown is the same with secrets as
 * digests. Both for the caller to free. */
void render_key_text(const struct render *r, char **key, char **shown);

/* The names of the set fields the hosted API does not offer ("hide,
 * click"), or NULL when there are none. Caller frees. */
char *render_local_only(const struct render *r);

/* What a report says an image was made with: a JSON object of every
 * pixel-changing field that is set, by its API name, with its JSON type (a
 * list as an array); secrets, and long or multi-line text (a script), as
 * "sha256:" and their digest. Caller frees. */
char *render_options_json(const struct render *r);

/* Calls add(ud, name, value) for every field the hosted API takes that is
 * set; post says the request is a POST (else POST-only fields are left
 * out). */
void render_api_params(const struct render *r, bool post,
		       void (*add)(void *ud, const char *name, const char *value), void *ud);

/* SavePage error codes used by savepage itself. */
enum { RENDER_OK = 0, RENDER_E_URL = 462, RENDER_E_RENDER = 490 };

/* How long a result's message may be (longer ones are cut). */
#define RESULT_MESSAGE_MAX 500

/* What came of rendering one URL, by the browser or the hosted API. */
struct render_result {
	int code;          /* RENDER_OK or a SavePage error code */
	char *message;     /* set when code != 0: one line of text */
	bool transient;    /* a failure worth retrying (timeout, crash, lost browser) */
	int http_status;   /* of the main document; 0 if unknown (file: URLs) */
	bool load_timed_out; /* `load` never fired: shot as the page stood */
	bool cut;          /* a full page taller than IMAGE_MAX_DIM was cut */
	/* the hosted API (api.c) */
	bool not_modified; /* 304: the cached copy is still the API's image */
	bool fatal;        /* the API refuses the whole batch (bad key, plan limit) */
	bool unreachable;  /* the API could not be reached */
	struct buf image;  /* the encoded image */
	int width, height; /* pixels; a PDF: its first page in points */
	char *page_json;   /* what the page did, for reports (capture.h); NULL */
	struct buf mhtml;  /* --mhtml: the page as Chrome serialised it after the shot */
	double seconds;
	time_t rendered_at; /* wall-clock time of the shot */
};

/* Helpers for the engine. */
int render_timeout_ms(const struct render *r);
int render_delay_ms(const struct render *r);
/* The width of the image the render makes, in device pixels. */
int render_image_width(const struct render *r);
/* CSS pixels as device pixels at the render's scale. */
int render_px(const struct render *r, int css);

#endif
