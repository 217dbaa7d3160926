#!/usr/bin/env python3
"""The test suite's web server: serves tests/pages on 127.0.0.1 and logs
every request (path, Host, headers) as a JSON line, so tests can prove what
the browser sent. A few paths behave badly on purpose:

  /status/NNN        answers status NNN with an orange HTML page
  /status-empty/NNN  answers status NNN with an empty body
  /hang              never answers (until the server stops)
  /beacon?...        204, for pages that report what they saw
  /pixel.png         a 1x1 PNG (third-party resource)
  /slow?ms=N&c=COLOR answers after N ms with a page of that colour; the log
                     records how many /slow requests were in flight at once
  /crash-once?key=K  the first time for K: a page that exhausts its memory
                     (with a small --js-flags heap its renderer crashes);
                     after that a green page
  /page/ANYTHING     a small page whose colour comes from the path
  /auth/basic/NAME   HTTP basic login (ann, "s3cret p"), then a green page
                     that shows /auth/basic/pixel.png from localhost
  /auth/digest/NAME  the same with digest (RFC 7616, MD5, qop=auth)
  /redirect?to=URL   302 to URL
  /color.png?c=HEX   a 1x1 PNG of that colour
  --mount /PREFIX=DIR serves DIR under /PREFIX/ as well
"""
import argparse
import base64
import hashlib
import json
import os
import socketserver
import sys
import threading
import struct
import time
import zlib
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082")

TYPES = {".html": "text/html; charset=utf-8", ".png": "image/png",
         ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
         ".svg": "image/svg+xml", ".ico": "image/x-icon", ".webp": "image/webp",
         ".css": "text/css", ".js": "text/javascript", ".json": "application/json",
         ".txt": "text/plain; charset=utf-8", ".woff": "font/woff", ".woff2": "font/woff2"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "savepage-test"

    def log_message(self, fmt, *args):
        pass

    def record(self, **extra):
        entry = {"path": self.path, "host": self.headers.get("Host", ""),
                 "headers": {k.lower(): v for k, v in self.headers.items()}}
        entry.update(extra)
        with self.server.log_lock:
            with open(self.server.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def send(self, status, body, ctype="text/html; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        # Beacons and keepalive fetches: the body is read and dropped.
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(min(n, 1 << 20))
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        if path == "/slow":
            with self.server.count_lock:
                self.server.inflight += 1
                now = self.server.inflight
            self.record(inflight=now)
            try:
                time.sleep(int(query.get("ms", "500")) / 1000.0)
                color = query.get("c", "#3366cc")
                body = ("<html><body style='margin:0;background:%s'><p>slow %s</p>"
                        "</body></html>" % (color, query.get("ms"))).encode()
                return self.send(200, body)
            finally:
                with self.server.count_lock:
                    self.server.inflight -= 1
        self.record()
        if path == "/crash-once":
            key = query.get("key", "")
            with self.server.count_lock:
                first = key not in self.server.crashed
                self.server.crashed.add(key)
            if first:
                body = (b"<html><body><script>var a = [];"
                        b"for (;;) a.push(new Array(1e6).fill(Math.random()));"
                        b"</script></body></html>")
            else:
                body = b"<html><body style='margin:0;background:#00ff00'>ok</body></html>"
            return self.send(200, body)
        if path.startswith("/auth/"):
            return self.auth(path)
        if path == "/redirect":
            self.send_response(302)
            self.send_header("Location", query.get("to", "/"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path.startswith("/page/"):
            n = sum(path.encode()) % 200
            body = ("<html><head><title>%s</title></head><body style='margin:0;"
                    "background:rgb(%d,%d,%d)'><h1>%s</h1></body></html>"
                    % (path, n, 255 - n, 128, path)).encode()
            return self.send(200, body)
        if path.startswith("/status/"):
            code = int(path.split("/")[2])
            body = ("<html><body style='margin:0;background:#ff8000'>"
                    "<h1>status %d</h1></body></html>" % code).encode()
            return self.send(code, body)
        if path.startswith("/status-empty/"):
            return self.send(int(path.split("/")[2]), b"")
        if path == "/hang":
            end = time.time() + 300
            while time.time() < end and not self.server.stopping:
                time.sleep(0.1)
            return
        if path == "/beacon":
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/bytes":
            # n bytes that do not compress, sent over ms milliseconds: a
            # prefetch, a precache or a media body.
            n, ms = int(query.get("n", "100000")), int(query.get("ms", "0"))
            self.send_response(200)
            self.send_header("Content-Type", query.get("type", "application/octet-stream"))
            self.send_header("Content-Length", str(n))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command == "HEAD":
                return
            block, sent, steps = os.urandom(65536), 0, max(1, n // 65536)
            try:
                while sent < n:
                    k = min(65536, n - sent)
                    self.wfile.write(block[:k])
                    sent += k
                    if ms:
                        time.sleep(ms / 1000.0 / steps)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path == "/pixel.png":
            return self.send(200, PNG_1x1, "image/png")
        if path == "/color.png":
            c = bytes.fromhex(query.get("c", "ff0000"))
            raw = zlib.compress(b"\x00" + c)
            def chunk(t, d):
                return (struct.pack(">I", len(d)) + t + d +
                        struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
            png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                   + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
            return self.send(200, png, "image/png")
        root = self.server.root
        for prefix, directory in self.server.mounts:
            if path.startswith(prefix + "/"):
                root, path = directory, path[len(prefix):]
                break
        rel = os.path.normpath(urllib.parse.unquote(path).lstrip("/")) or "index.html"
        if rel.startswith(".."):
            return self.send(403, b"forbidden")
        full = os.path.join(root, rel)
        if os.path.isdir(full):
            full = os.path.join(full, "index.html")
        if not os.path.isfile(full):
            return self.send(404, b"<html><body>not found</body></html>")
        with open(full, "rb") as f:
            body = f.read()
        return self.send(200, body, TYPES.get(os.path.splitext(full)[1], "application/octet-stream"))


    USER, PASSWORD, REALM = "ann", "s3cret p", "savepage tests"

    def auth(self, path):
        kind = path.split("/")[2]
        given = self.headers.get("Authorization", "")
        if kind == "basic":
            want = "Basic " + base64.b64encode(
                ("%s:%s" % (self.USER, self.PASSWORD)).encode()).decode()
            good = given == want
            challenge = 'Basic realm="%s"' % self.REALM
        else:
            good = self.digest_ok(given)
            challenge = ('Digest realm="%s", qop="auth", algorithm=MD5, nonce="%s"'
                         % (self.REALM, os.urandom(8).hex()))
        if not good:
            body = b"<html><body style='margin:0;background:#ff0000'>401</body></html>"
            self.send_response(401)
            self.send_header("WWW-Authenticate", challenge)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path.endswith("pixel.png"):
            return self.send(200, PNG_1x1, "image/png")
        body = ("<html><body style='margin:0;background:#00ff00'><h1>in</h1>"
                "<img src='http://localhost:%d/auth/%s/pixel.png'></body></html>"
                % (self.server.server_address[1], kind)).encode()
        return self.send(200, body)

    def digest_ok(self, given):
        if not given.startswith("Digest "):
            return False
        f = {}
        for part in urllib.request.parse_http_list(given[7:]):
            if "=" in part:
                k, v = part.split("=", 1)
                f[k.strip()] = v.strip().strip('"')
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
        ha1 = md5("%s:%s:%s" % (self.USER, self.REALM, self.PASSWORD))
        ha2 = md5("%s:%s" % (self.command, f.get("uri", "")))
        want = md5("%s:%s:%s:%s:%s:%s" % (ha1, f.get("nonce"), f.get("nc"), f.get("cnonce"),
                                          f.get("qop"), ha2))
        return f.get("username") == self.USER and f.get("response") == want


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A browser killed mid-request (the tests do that) is not a server error.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--mount", action="append", default=[], metavar="/PREFIX=DIR",
                    help="serve DIR under /PREFIX/ (the consent libraries from npm)")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.root = os.path.abspath(args.root)
    srv.mounts = [(m.split("=", 1)[0].rstrip("/"), os.path.abspath(m.split("=", 1)[1]))
                  for m in args.mount]
    srv.log_path = args.log
    srv.log_lock = threading.Lock()
    srv.stopping = False
    srv.count_lock = threading.Lock()
    srv.inflight = 0
    srv.crashed = set()
    open(args.log, "w").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stopping = True


if __name__ == "__main__":
    sys.exit(main())
