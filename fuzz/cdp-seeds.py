#!/usr/bin/env python3
"""Writes the seeds of fuzz/fuzz-cdp.c: one whole capture transcript for each
path (one shot, thumbnail, full page, tiles, --noads, a page that moves on,
errors), as the browser would answer savepage's commands in order.

    fuzz/cdp-seeds.py tests/imgprobe fuzz/cases/cdp

Run it again when the commands a capture sends change (a reply is owed for
each, the ones without a callback included): the harness answers the oldest
unanswered command with each reply line, so a seed that owes too few replies
stops short of the shot. Images come from imgprobe make (solid colours)."""
import base64, json, subprocess, sys

imgprobe, out = sys.argv[1], sys.argv[2]


def image(w, h, colour, fmt):
    png = subprocess.run([imgprobe, "make", str(w), str(h), colour, fmt],
                         check=True, capture_output=True).stdout
    return base64.b64encode(png).decode()


def R(obj):
    return json.dumps({"result": obj}, separators=(",", ":"))


def E(method, params, sid="S1"):
    d = {"method": method, "params": params}
    if sid:
        d["sessionId"] = sid
    return json.dumps(d, separators=(",", ":"))


# Flags of the harness's first byte ...
FULLPAGE, THUMB, PNG, COOKIE, SCRIPT, NOADS, HOSTS, WEBDRIVER = 1, 2, 4, 8, 16, 32, 64, 128
# ... of its second (issue 12's options) ...
CLICK, HIDE, SELECTOR, CLIP, SCALE, ALPHA, WAITS, JS = 1, 2, 4, 8, 16, 32, 64, 128
# ... and of its third (issue 13's).
WEBP, PDF, MHTML, FACTS, HEADER, AUTH, PROXYAUTH, LANDSCAPE = 1, 2, 4, 8, 16, 32, 64, 128


def setup(flags, shape=0, net=0):
    """The set-up burst: Page.enable, lifecycle, Inspector.enable, [Fetch.enable],
    [Network.enable], [Runtime.enable], metrics, fonts, [webdriver script],
    [background], user agent, [locale], [cookies]."""
    n = 6
    n += 1 if flags & (NOADS | HOSTS) or net & (HEADER | AUTH | PROXYAUTH) else 0
    n += 2 if flags & COOKIE else 0
    n += 1 if flags & WEBDRIVER else 0
    n += 1 if shape & CLICK or net & FACTS else 0
    n += 1 if net & FACTS else 0
    n += 1 if shape & ALPHA else 0
    return [R({})] * n


head = [R({"browserContextId": "C1"}), R({"targetId": "T1"}), R({"sessionId": "S1"})]
nav = [R({"frameId": "T1", "loaderId": "L1"})]
load = [E("Page.lifecycleEvent", {"frameId": "T1", "loaderId": "L1", "name": "load", "timestamp": 1})]
status = [R({"result": {"type": "object", "value": {"s": 200, "u": "https://example.com/next",
                                                   "t": "A title", "c": "text/html"}}})]
scrolled = [R({"result": {"type": "number", "value": 1}})]
done = [R({"result": {"type": "undefined"}})]


def shot(data):
    return [R({"data": data})]


def metrics(h):
    return [R({"cssContentSize": {"x": 0, "y": 0, "width": 64, "height": h}})]


def seed(name, flags, lines, shape=0, net=0):
    with open(f"{out}/{name}", "wb") as f:
        f.write(bytes([flags, shape, net]) + "\n".join(lines).encode())


jpeg, png = image(64, 48, "3366cc", "jpeg"), image(64, 48, "3366cc", "png")
full = image(64, 100, "22aa44", "jpeg")
seed("seed-jpeg", 0, head + setup(0) + nav + load + status + shot(jpeg))
seed("seed-png", PNG, head + setup(PNG) + nav + load + status + shot(png))
seed("seed-thumb", THUMB, head + setup(THUMB) + nav + load + status + shot(jpeg))
seed("seed-load-first", 0, head + setup(0) + load + nav + status + shot(jpeg))
seed("seed-fullpage", FULLPAGE,
     head + setup(FULLPAGE) + nav + load + status + scrolled + metrics(100) + shot(full))
seed("seed-fullpage-thumb", FULLPAGE | THUMB,
     head + setup(FULLPAGE | THUMB) + nav + load + status + scrolled + metrics(100) + shot(full))
seed("seed-tiles", FULLPAGE | PNG,
     head + setup(FULLPAGE | PNG) + nav + load + status + scrolled + metrics(9000) +
     shot(image(64, 8192, "ffff00", "png")) + shot(image(64, 808, "ff8800", "png")))
paused = [E("Fetch.requestPaused", {"requestId": "r1", "request": {"url": "https://ads.example/x.js"}}),
          E("Fetch.requestPaused", {"requestId": "r2", "request": {"url": "https://example.com/a.css"}}),
          R({}), R({})]
names = [R({"result": {"type": "object", "value": [".ad", "#banner1", ".x"]}})]
seed("seed-noads", NOADS,
     head + setup(NOADS) + nav + paused + load + names + done + done + status + shot(jpeg))
f = COOKIE | HOSTS | SCRIPT | WEBDRIVER
# SCRIPT is --nocookie: autoconsent's probe (a sign: yes), its script, the
# wait for it, then savepage's own pass.
probe = [R({"result": {"type": "boolean", "value": True}})]
settled = [R({"result": {"type": "object", "value": {"found": True, "cmp": "x", "state": "done",
                                                     "cosmetic": False, "ms": 5}}})]
seed("seed-cookie-lang", f, head + setup(f) + nav + load + probe + done + settled + done + status +
     shot(jpeg))
seed("seed-navigated", 0, head + setup(0) + nav +
     [E("Page.frameNavigated", {"frame": {"id": "T1", "loaderId": "L2", "url": "https://example.com/next"}}),
      E("Page.javascriptDialogOpening", {"type": "alert", "message": "hi"}), R({}),
      E("Page.lifecycleEvent", {"frameId": "T1", "loaderId": "L2", "name": "load"})] +
     status + shot(jpeg))
seed("seed-navigate-error", 0, head + setup(0) +
     [R({"frameId": "T1", "loaderId": "L1", "errorText": "net::ERR_NAME_NOT_RESOLVED"})])
seed("seed-protocol-error", 0, head[:1] + ['{"error":{"code":-32000,"message":"Failed to open a new tab"}}'])
seed("seed-crash", 0, head + setup(0) + nav + [E("Inspector.targetCrashed", {})])
seed("seed-detached", 0, head + setup(0) + nav + [E("Target.detachedFromTarget", {"sessionId": "S1"}, None)])
seed("seed-garbage", 0, head + ['!{"id":', '!\xff\xfe', '![1,2,3]', '!{"id":99999,"result":{}}', '!null'])

# Issue 12: page changes (--hide, --style, --javascript), a --selector box
# at 1.5x, a --clip with alpha, the waits (networkidle, a selector, an
# expression).
true = [R({"result": {"type": "boolean", "value": True}})]
seed("seed-shape", 0, head + setup(0, HIDE | JS) + nav + load + true + true + done + status +
     shot(jpeg), HIDE | JS)
box = [R({"result": {"type": "object", "value": {"x": 2, "y": 4, "w": 32, "h": 20}}})]
seed("seed-selector", 0, head + setup(0, SELECTOR | SCALE) + nav + load + status + box +
     shot(image(48, 30, "aa2233", "jpeg")), SELECTOR | SCALE)
seed("seed-clip-alpha", 0, head + setup(0, CLIP | ALPHA) + nav + load + status +
     shot(image(40, 30, "3366cc", "png")), CLIP | ALPHA)
idle = [E("Page.lifecycleEvent", {"frameId": "T1", "loaderId": "L1", "name": "networkIdle",
                                  "timestamp": 2})]
seed("seed-waits", 0, head + setup(0, WAITS) + nav + load + idle + true + true + status +
     shot(jpeg), WAITS)
seed("seed-click", 0, head + setup(0, CLICK) + nav + load + true, CLICK)

# Issue 13: WebP from Chrome and stitched by libwebp, a PDF printed, an
# MHTML record, what the page did (for reports), a header, logins.
seed("seed-webp", 0, head + setup(0, 0, WEBP) + nav + load + status +
     shot(image(64, 48, "3366cc", "webp")), 0, WEBP)
seed("seed-webp-tiles", FULLPAGE, head + setup(FULLPAGE, 0, WEBP) + nav + load + status + scrolled +
     metrics(9000) + shot(image(64, 8192, "ffff00", "png")) + shot(image(64, 808, "ff8800", "png")),
     0, WEBP)
pdf = (b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 1 >>\n"
       b"2 0 obj << /Type /Page /MediaBox [0 0 595.92 841.92] >>\n%%EOF\n")
seed("seed-pdf", 0, head + setup(0, 0, PDF | LANDSCAPE) + nav + load + status +
     [R({"data": base64.b64encode(pdf).decode()})], 0, PDF | LANDSCAPE)
mhtml = [R({"data": "From: <Saved by Blink>\r\nSubject: x\r\n\r\n<html></html>"})]
seed("seed-mhtml", 0, head + setup(0, 0, MHTML) + nav + load + status + shot(jpeg) + mhtml, 0, MHTML)
seed("seed-mhtml-thumb", THUMB, head + setup(THUMB, 0, MHTML) + nav + load + status + shot(jpeg) +
     mhtml, 0, MHTML)
facts = [E("Network.requestWillBeSent", {"requestId": "n1", "request": {"url": "https://example.com/"}}),
         E("Network.responseReceived", {"requestId": "n1", "response": {"status": 404}}),
         E("Network.loadingFailed", {"requestId": "n2", "errorText": "net::ERR_FAILED"}),
         E("Runtime.consoleAPICalled", {"type": "error", "args": [{"type": "string", "value": "boom"},
                                                                  {"type": "number", "value": 42}]}),
         E("Runtime.exceptionThrown", {"exceptionDetails": {"text": "Uncaught",
                                                            "exception": {"description": "Error: x\n at y"}}})]
seed("seed-facts", 0, head + setup(0, 0, FACTS) + nav + facts + load + status + shot(jpeg), 0, FACTS)
auth = [E("Fetch.requestPaused", {"requestId": "r1", "request": {"url": "https://example.com/",
                                                                 "headers": {"Accept": "*/*", "x-a": "0"}}}),
        R({}),
        E("Fetch.authRequired", {"requestId": "r1", "authChallenge": {"source": "Proxy",
                                                                      "origin": "http://proxy.example:3128"}}),
        R({}),
        E("Fetch.authRequired", {"requestId": "r1", "authChallenge": {"source": "Server",
                                                                      "origin": "https://example.com"}}),
        R({}),
        E("Fetch.authRequired", {"requestId": "r1", "authChallenge": {"source": "Server",
                                                                      "origin": "https://example.com"}}),
        R({}),
        E("Fetch.authRequired", {"requestId": "r9", "authChallenge": {"source": "Server",
                                                                      "origin": "https://other.example"}}),
        R({})]
seed("seed-auth", 0, head + setup(0, 0, HEADER | AUTH | PROXYAUTH) + nav + auth + load + status +
     shot(jpeg), 0, HEADER | AUTH | PROXYAUTH)
