/* consent: DuckDuckGo's autoconsent (npm @duckduckgo/autoconsent, MPL-2.0),
 * the maintained rule library for consent banners, as the first line of
 * --nocookie. It is not part of savepage: tools/bootstrap installs it and
 * savepage finds it. Once a page has loaded, a cheap probe asks whether it
 * shows any sign of a consent notice; only then is the content script run
 * in its top document, where it answers the banner as a privacy-minded
 * reader would (refuse, "opt out"; hide where no refusal exists; never
 * accept) and records how it went where the page's shot can read it
 * (capture.c waits for that, then runs savepage's own rules and heuristic
 * pass). */
#ifndef SAVEPAGE_CONSENT_H
#define SAVEPAGE_CONSENT_H

#include "util.h"

struct consent;

/* Where it is looked for, in order: $SAVEPAGE_AUTOCONSENT_DIR ("none":
 * nowhere, savepage's own rules only), then
 * $XDG_DATA_HOME/savepage/autoconsent (~/.local/share/...), the installed
 * $(datadir)/savepage/autoconsent, /usr/local/share/savepage/autoconsent and
 * /usr/share/savepage/autoconsent. Each is the package's own directory
 * (package.json, dist/, rules/). */

/* Reads the install. NULL when there is none (not an error: *why says where
 * it was looked for, caller frees); NULL with *err when the directory named
 * by SAVEPAGE_AUTOCONSENT_DIR, or one found, cannot be used. */
struct consent *consent_load(char **why, char **err);
void consent_free(struct consent *c);

/* The package's version ("16.23.0"), for messages and the cache key. */
const char *consent_version(const struct consent *c);
/* Where it was found. */
const char *consent_dir(const struct consent *c);
/* The script autoconsent runs in: a shim that answers the content
 * script's requests inside the page (its settings and rules, its
 * evaluations), then the content script; as a JSON string literal (400 KB
 * escaped once per run, not once per page), to be sent as the expression
 * of a Runtime.evaluate. */
const char *consent_script_json(const struct consent *c);

/* An expression whose value is true when the loaded page shows a sign of a
 * consent notice: one of words (the rules' words, regular expressions
 * matched without case) in its text or in the address of something it
 * loaded, or a consent platform's API. Caller frees. */
char *consent_probe_expression(const struct strlist *words);

/* An expression for the page before its shot: waits (within ms
 * milliseconds) until autoconsent has looked for a banner and is done with
 * the one it found, and that banner has finished going (no fade still
 * running); its value is {found, cmp, state, cosmetic, ms} (cmp "" when
 * nothing was found, state "none" without autoconsent in the page). Caller
 * frees. */
char *consent_settle_expression(int ms);

#endif
