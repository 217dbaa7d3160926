/* shape: changing the page before its shot, as the render asks (--hide,
 * --remove, --click, --style, --javascript). This module writes what runs
 * in the page; capture.c runs it, in this order, once the page has reached
 * --wait-until's event and before --delay: the waits for --wait-for-selector
 * and --wait-for, hiding and removing (one style sheet, so that what
 * appears later is hidden too), each click followed by the page settling,
 * the style sheet, the script. Each expression's value is true, or
 * {error: "..."}, a message naming the option and its value. */
#ifndef SAVEPAGE_SHAPE_H
#define SAVEPAGE_SHAPE_H

#include <stdbool.h>

#include "render.h"

/* --wait-for-selector: until an element matching selector is visible (a
 * box, not hidden, not transparent), looked for on each frame; after ms,
 * {error} naming it and the --timeout of secs. Caller frees. */
char *shape_wait_selector_expression(const char *selector, int ms, int secs);
/* --wait-for: until the expression js is truthy (a promise it gives is
 * awaited), tried on each frame; after ms, {error} naming it. A throw is
 * {error} with the error's message. Caller frees. */
char *shape_wait_expression(const char *js, int ms, int secs);

/* --hide and --remove: NULL when the render has neither. Caller frees. */
char *shape_hide_expression(const struct render *r);

/* One --click on the first element selector matches (scrolled into view,
 * then pressed and released as a mouse would, by events sent to it, so an
 * overlay above it does not catch the click). first: the first click of
 * the render, before which the page's pinned elements are noted (see
 * shape_opened_expression). Caller frees. */
char *shape_click_expression(const char *selector, bool first);

/* After the last click has settled: notes the fixed or sticky elements the
 * clicks brought up, which --nocookie's heuristic pass then leaves alone
 * (a modal the user asked for is not a banner). */
extern const char shape_opened_expression[];

/* --disable-animations, just before the shot: CSS animations and
 * transitions finished (and none started after it), the page's scripted
 * animations finished (an endless one at its start), videos paused at
 * their first frame (its value, a promise, settles once they are there),
 * the text caret hidden. */
extern const char shape_freeze_expression[];

/* --selector: the box around every element every selector matches, with
 * --padding around it, in CSS pixels of the document, as {x, y, w, h}
 * (within the document), after the first match is scrolled into view; or
 * {error} ("no element matches"). Caller frees. */
char *shape_box_expression(const struct render *r);

/* Two frames drawn (at most ~100 ms), once no request is in flight. */
extern const char shape_frames_expression[];

#endif
