#include "config.h"

#include "shape.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *json_list(const struct strlist *l)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i]));
	char *t = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	char *copy = xstrdup(t);
	cJSON_free(t);
	return copy;
}

static char *json_string(const char *v)
{
	cJSON *s = cJSON_CreateString(v);
	char *t = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	char *copy = xstrdup(t);
	cJSON_free(t);
	return copy;
}

/* A frame, or 100 ms when none is drawn. */
#define NEXT_FRAME_JS                                                                          \
	"const frame = () => new Promise(r => { requestAnimationFrame(() => r());"              \
	"  setTimeout(r, 100); });"

static const char wait_selector_js[] =
	"(async (sel, ms, secs) => {" NEXT_FRAME_JS
	"  const t0 = performance.now();"
	"  try { document.querySelector(sel); } catch (e) {"
	"    return { error: \"--wait-for-selector '\" + sel + \"': not a valid CSS selector\" }; }"
	"  const shown = el => {"
	"    const r = el.getBoundingClientRect(), cs = getComputedStyle(el);"
	"    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' &&"
	"      +cs.opacity > 0;"
	"  };"
	"  while (![...document.querySelectorAll(sel)].some(shown)) {"
	"    if (performance.now() - t0 >= ms)"
	"      return { error: \"--wait-for-selector '\" + sel +"
	"        \"': no visible element within --timeout \" + secs + ' s' };"
	"    await frame();"
	"  }"
	"  return true;"
	"})";

char *shape_wait_selector_expression(const char *selector, int ms, int secs)
{
	char *q = json_string(selector);
	char *e = xasprintf("%s(%s, %d, %d)", wait_selector_js, q, ms, secs);
	free(q);
	return e;
}

/* The expression is part of the source (not eval'd: a page's CSP may
 * forbid eval), in a function of its own outside the poller, so that none
 * of the poller's names hides one of the page's. */
static const char wait_head_js[] = "((cond) => (async (text, ms, secs) => {" NEXT_FRAME_JS
				   "  const t0 = performance.now();"
				   "  for (;;) {";
static const char wait_tail_js[] =
	"    let v;"
	"    try { v = await cond(); } catch (e) {"
	"      return { error: \"--wait-for '\" + text + \"': \" +"
	"        (e && e.name ? e.name + ': ' + e.message : String(e)) }; }"
	"    if (v) return true;"
	"    if (performance.now() - t0 >= ms)"
	"      return { error: \"--wait-for '\" + text + \"': not true within --timeout \" + secs + ' s' };"
	"    await frame();"
	"  }"
	"}))";

char *shape_wait_expression(const char *js, int ms, int secs)
{
	/* The expression as its message shows it: cut short. */
	char *shown = str_quote(js, 80);
	char *q = json_string(shown);
	/* A statement's final ';' (and blanks) would not parse in (...). */
	size_t n = strlen(js);
	while (n && strchr(" \t\r\n;", js[n - 1]))
		n--;
	char *e = xasprintf("%s%s(() => (%.*s\n))(%s, %d, %d)", wait_head_js, wait_tail_js, (int)n,
			    js, q, ms, secs);
	free(q);
	free(shown);
	return e;
}

/* Selectors are checked by the page's own CSS parser: a style rule with a
 * bad selector would be dropped without a word. */
static const char hide_js[] =
	"((hide, remove) => {"
	"  const bad = (list, opt) => {"
	"    for (const s of list) {"
	"      try { document.querySelector(s); } catch (e) {"
	"        return { error: '--' + opt + \" '\" + s + \"': not a valid CSS selector\" }; }"
	"    }"
	"    return null;"
	"  };"
	"  const e = bad(hide, 'hide') || bad(remove, 'remove');"
	"  if (e) return e;"
	/* A constructed sheet (a page's CSP does not refuse it), one rule a
	 * selector: a selector that parses alone but not as a rule (an open
	 * comment) is named, and cannot swallow the rules after it. */
	"  const sheet = new CSSStyleSheet();"
	"  const add = (list, opt, decl) => {"
	"    for (const s of list) {"
	"      try { sheet.insertRule(s + '{' + decl + '}', sheet.cssRules.length); } catch (x) {"
	"        return { error: '--' + opt + \" '\" + s + \"': not a valid CSS selector\" }; }"
	"    }"
	"    return null;"
	"  };"
	"  const f = add(hide, 'hide', 'visibility:hidden!important') ||"
	"    add(remove, 'remove', 'display:none!important');"
	"  if (f) return f;"
	"  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];"
	"  return true;"
	"})";

char *shape_hide_expression(const struct render *r)
{
	if (!r->hide.n && !r->remove.n)
		return NULL;
	char *h = json_list(&r->hide), *m = json_list(&r->remove);
	char *e = xasprintf("%s(%s, %s)", hide_js, h, m);
	free(h);
	free(m);
	return e;
}

/* The visible fixed or sticky elements: what a banner or a modal is. */
#define PINNED_JS                                                                              \
	"const pinned = () => {"                                                                \
	"  const out = [];"                                                                     \
	"  for (const el of document.querySelectorAll('body *')) {"                             \
	"    const cs = getComputedStyle(el);"                                                  \
	"    if (cs.position !== 'fixed' && cs.position !== 'sticky') continue;"                \
	"    if (cs.display === 'none' || cs.visibility === 'hidden') continue;"                \
	"    const r = el.getBoundingClientRect();"                                             \
	"    if (r.width >= 2 && r.height >= 2) out.push(el);"                                  \
	"  }"                                                                                   \
	"  return out;"                                                                         \
	"};"                                                                                    \
	"const key = Symbol.for('savepage.opened');"

static const char click_js[] =
	"((sel, first) => {" PINNED_JS
	"  if (first && !window[key])"
	"    Object.defineProperty(window, key, { value: { before: new Set(pinned()), opened: [] } });"
	"  let el;"
	"  try { el = document.querySelector(sel); } catch (e) {"
	"    return { error: \"--click '\" + sel + \"': not a valid CSS selector\" }; }"
	"  if (!el) return { error: \"--click '\" + sel + \"': no element matches\" };"
	"  el.scrollIntoView({ block: 'center', inline: 'center' });"
	"  const r = el.getBoundingClientRect();"
	"  const at = { bubbles: true, cancelable: true, composed: true, view: window, button: 0,"
	"               clientX: r.left + r.width / 2, clientY: r.top + r.height / 2 };"
	"  const ptr = { ...at, pointerId: 1, pointerType: 'mouse', isPrimary: true };"
	"  el.dispatchEvent(new PointerEvent('pointerdown', { ...ptr, buttons: 1 }));"
	"  el.dispatchEvent(new MouseEvent('mousedown', { ...at, buttons: 1 }));"
	"  if (typeof el.focus === 'function') el.focus({ preventScroll: true });"
	"  el.dispatchEvent(new PointerEvent('pointerup', ptr));"
	"  el.dispatchEvent(new MouseEvent('mouseup', at));"
	"  el.dispatchEvent(new MouseEvent('click', at));"
	"  return true;"
	"})";

char *shape_click_expression(const char *selector, bool first)
{
	cJSON *s = cJSON_CreateString(selector);
	char *t = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	char *e = xasprintf("%s(%s, %s)", click_js, t, first ? "true" : "false");
	cJSON_free(t);
	return e;
}

const char shape_opened_expression[] =
	"(() => {" PINNED_JS
	"  const st = window[key];"
	"  if (!st) return 0;"
	"  for (const el of pinned()) if (!st.before.has(el)) st.opened.push(el);"
	"  return st.opened.length;"
	"})()";

const char shape_freeze_expression[] =
	"(async () => {"
	"  try {"
	"    const sheet = new CSSStyleSheet();"
	"    sheet.replaceSync('*, *::before, *::after { transition: none !important;"
	"      animation-duration: 0s !important; animation-delay: 0s !important;"
	"      animation-iteration-count: 1 !important; caret-color: transparent !important }');"
	"    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];"
	"  } catch (e) {}"
	"  for (const a of document.getAnimations()) {" /* the page's own, by script */
	"    try { a.finish(); } catch (e) {" /* an endless one: at its start */
	"      try { a.pause(); a.currentTime = 0; } catch (e2) {} }"
	"  }"
	"  const seeks = [];"
	"  for (const v of document.querySelectorAll('video')) {"
	"    try {"
	"      v.pause();"
	"      if (v.currentTime !== 0) {" /* seeked, then that frame on its way to the screen */
	"        seeks.push(new Promise(r => {"
	"          const shown = () => v.requestVideoFrameCallback ?"
	"            v.requestVideoFrameCallback(() => r()) : r();"
	"          v.addEventListener('seeked', shown, { once: true });"
	"          setTimeout(r, 2000); }));"
	"        v.currentTime = 0;"
	"      }"
	"    } catch (e) {}"
	"  }"
	"  await Promise.all(seeks);"
	"  await new Promise(r => { requestAnimationFrame(() => requestAnimationFrame(r));"
	"    setTimeout(r, 100); });"
	"  return true;"
	"})()";

static const char box_js[] =
	"((sels, pad) => {"
	"  const els = [];"
	"  for (const s of sels) {"
	"    try { els.push(...document.querySelectorAll(s)); } catch (e) {"
	"      return { error: \"--selector '\" + s + \"': not a valid CSS selector\" }; }"
	"  }"
	"  const shown = els.filter(e => { const r = e.getBoundingClientRect();"
	"    return r.width > 0 && r.height > 0; });"
	"  if (!shown.length)"
	"    return { error: \"--selector '\" + sels.join(\"', '\") + \"': no element matches\" };"
	"  shown[0].scrollIntoView({ block: 'start', inline: 'start' });"
	"  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;"
	"  for (const e of shown) {"
	"    const r = e.getBoundingClientRect();"
	"    x0 = Math.min(x0, r.left + scrollX); y0 = Math.min(y0, r.top + scrollY);"
	"    x1 = Math.max(x1, r.right + scrollX); y1 = Math.max(y1, r.bottom + scrollY);"
	"  }"
	"  const de = document.documentElement;"
	"  const W = Math.max(de.scrollWidth, innerWidth), H = Math.max(de.scrollHeight, innerHeight);"
	"  x0 = Math.max(0, Math.floor(x0 - pad)); y0 = Math.max(0, Math.floor(y0 - pad));"
	"  x1 = Math.min(W, Math.ceil(x1 + pad)); y1 = Math.min(H, Math.ceil(y1 + pad));"
	"  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };"
	"})";

char *shape_box_expression(const struct render *r)
{
	char *l = json_list(&r->selector);
	char *e = xasprintf("%s(%s, %d)", box_js, l, r->padding);
	free(l);
	return e;
}

const char shape_frames_expression[] =
	"Promise.race([new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))),"
	"  new Promise(r => setTimeout(() => r(true), 100))])";
