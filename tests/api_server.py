#!/usr/bin/env python3
"""A stand-in for the hosted SavePage API (../shared/spec/savepage-api.md),
for the tests: the real service cannot be reached from here. It implements
the contract as the spec states it: GET or POST (form body), key check
(461), hash = md5(q + secret) when the account has a secret (471), invalid
URLs (462), a worker limit answering 481 while all workers are busy, its own
image cache with refresh and Last-Modified, 304 for If-Modified-Since, the
success headers, and JSON error bodies. Images are solid colour (from the
URL) at the requested size, made by tests/imgprobe.

Errors are answered in the documented form by default: HTTP 422 and
{"error": "<message>"}, no number. --error-form chooses another form a
client must also understand: status (the code as the HTTP status), code
(422 with a numeric "code" beside the message), list (422 with "error" a
list of messages).

Accounts (--account KEY[:SECRET[:WORKERS]], repeatable). Keys that stand for
an account in trouble answer every request with their error:
  ip-restricted 472, origin-restricted 473, too-many-ip 474 (the first
  --ip-limit requests of a run, then served), plan-requests 482,
  plan-shots 483.
Target URLs whose path holds:
  render-error  490            cache-error  491 unless refresh=-1
  html-instead  200 text/html  wrong-width  200 image half as wide
  odd-error     422 with a message the contract does not list
  slow          the render takes a second
  stall         the render takes a minute
  old-render    the first render is dated three days back

Every request is logged as a JSON line: method, params (key included: this
is the test's own server), If-Modified-Since, the answer's status, and how
many renders were in progress at once.
"""
import argparse
import email.utils
import hashlib
import json
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERRORS = {
    461: "Cannot verify the API Key",
    462: "Invalid or blank URL sent",
    471: "Invalid security hash, access denied",
    472: "IP restricted, access denied",
    473: "Origin restricted, access denied",
    474: "Too many requests from the same IP address",
    481: "All workers are busy, please try again later",
    482: "Too many requests, limit exceeded for this plan",
    483: "Too many screenshots, limit exceeded for this plan",
    490: "Rendering error, cannot generate screenshot",
    491: "Cache error, cannot fetch the cached image",
}
TROUBLE = {"ip-restricted": 472, "origin-restricted": 473, "plan-requests": 482,
           "plan-shots": 483}


class State:
    def __init__(self, args):
        self.accounts = {}
        for a in args.account:
            parts = a.split(":")
            key = parts[0]
            secret = parts[1] if len(parts) > 1 and parts[1] else None
            workers = int(parts[2]) if len(parts) > 2 else 4
            self.accounts[key] = (secret, workers)
        self.busy = {}
        self.cache = {}
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)
        self.probe = args.imgprobe
        self.ip_left = args.ip_limit
        self.max_busy = 0
        self.error_form = args.error_form


def colour_of(url):
    h = hashlib.md5(url.encode()).hexdigest()
    return h[:6]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        q = urllib.parse.urlsplit(self.path).query
        self.handle_api("GET", urllib.parse.parse_qs(q, keep_blank_values=True))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode()
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            return self.error(422, "Unsupported body: " + ctype)
        self.handle_api("POST", urllib.parse.parse_qs(body, keep_blank_values=True))

    def error(self, code, msg=None):
        form = self.server.state.error_form
        msg = msg or ERRORS[code]
        http = 422
        if form == "status":
            http, doc = code, {"error": msg}
        elif form == "code":
            doc = {"error": msg, "code": code}
        elif form == "list":
            doc = {"error": [msg]}
        else:
            doc = {"error": msg}
        body = json.dumps(doc).encode()
        self.send_response(http)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return code

    def handle_api(self, method, multi):
        st = self.server.state
        p = {k: v[-1] for k, v in multi.items()}
        entry = {"method": method, "params": p, "path": self.path,
                 "ims": self.headers.get("If-Modified-Since"),
                 "user_agent": self.headers.get("User-Agent")}
        status = self.answer(st, method, p, entry)
        entry["status"] = status
        with st.lock:
            st.log.write(json.dumps(entry) + "\n")

    def answer(self, st, method, p, entry):
        key = p.get("key", "")
        if key not in st.accounts:
            return self.error(461)
        if key in TROUBLE:
            return self.error(TROUBLE[key])
        if key == "too-many-ip":
            with st.lock:
                if st.ip_left > 0:
                    st.ip_left -= 1
                    return self.error(474)
        if method == "GET" and "cookie" in p:
            return self.error(422, "cookie may only be sent in a POST body")
        url = p.get("q", "")
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.netloc:
            return self.error(462)
        secret, workers = st.accounts[key]
        if secret is not None:
            want = hashlib.md5((url + secret).encode()).hexdigest()
            if p.get("hash") != want:
                return self.error(471)
        with st.lock:
            if st.busy.get(key, 0) >= workers:
                return self.error(481)
            st.busy[key] = st.busy.get(key, 0) + 1
            st.max_busy = max(st.max_busy, st.busy[key])
            entry["busy"] = st.busy[key]
        try:
            return self.render(st, url, u, p)
        finally:
            with st.lock:
                st.busy[key] -= 1

    def render(self, st, url, u, p):
        fmt = p.get("format", "jpeg")
        if fmt not in ("jpeg", "png"):
            return self.error(422, "format must be jpeg or png")
        width = int(p.get("width", 1440))
        height = int(p.get("height", 900))
        tw = int(p.get("thumb_width", 0) or 0)
        # Without refresh the API's own policy: cached images live a month.
        refresh = int(p.get("refresh", 2629746))
        time.sleep(60 if "stall" in u.path else 1.0 if "slow" in u.path else 0.05)
        if "render-error" in u.path:
            return self.error(490)
        if "odd-error" in u.path:
            return self.error(422, "The moon is in the wrong phase")
        if "cache-error" in u.path and refresh != -1:
            return self.error(491)
        opts = tuple(sorted((k, v) for k, v in p.items() if k not in ("key", "hash", "refresh", "maxage")))
        now = time.time()
        with st.lock:
            ent = st.cache.get(opts)
        if ent is None or refresh == -1 or now - ent["at"] > refresh:
            out_w, out_h = (tw, round(height * tw / width)) if tw else (width, height)
            if p.get("fullpage") == "true":
                out_h = out_h * 2
            if "wrong-width" in u.path:
                out_w //= 2
            data = subprocess.run([st.probe, "make", str(out_w), str(out_h), colour_of(url), fmt],
                                  capture_output=True, check=True).stdout
            at = int(now) - (3 * 86400 if "old-render" in u.path and ent is None else 0)
            ent = {"at": at, "data": data, "fmt": fmt}
            with st.lock:
                st.cache[opts] = ent
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                t = email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                t = None
            if t is not None and ent["at"] <= t:
                self.send_response(304)
                self.send_header("Last-Modified", email.utils.formatdate(ent["at"], usegmt=True))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 304
        if "truncated" in u.path:
            body = ent["data"][: len(ent["data"]) // 2]
            ctype = "image/" + ent["fmt"]
        elif "html-instead" in u.path:
            body = b"<html><body>Oops, a proxy error page</body></html>"
            ctype = "text/html; charset=utf-8"
        else:
            body = ent["data"]
            ctype = "image/" + ent["fmt"]
        self.send_response(200)
        self.send_header("Cache-Control", "public, max-age=%s" % p.get("maxage", "2629746"))
        self.send_header("Last-Modified", email.utils.formatdate(ent["at"], usegmt=True))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return 200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--account", action="append", default=[])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--imgprobe", required=True)
    ap.add_argument("--ip-limit", type=int, default=2)
    ap.add_argument("--error-form", choices=("message", "status", "code", "list"),
                    default="message")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                    help="serve HTTPS with this certificate and key")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    if args.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
