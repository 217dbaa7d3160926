#!/usr/bin/env python3
"""A small forward proxy on 127.0.0.1 for the tests: HTTP (absolute-URI
requests and CONNECT) and SOCKS5 (no login) on the same port, told apart by
the first byte. With --auth USER:PASSWORD, HTTP requests without that
Proxy-Authorization (Basic) get 407. With --tls CERT KEY it is an https://
proxy: TLS first, then HTTP. Each request is logged as a JSON line:
{"kind": "http"|"connect"|"socks5", "target": URL or host:port,
 "proxy_auth": the Proxy-Authorization header or null, "headers": {...}}."""
import argparse
import base64
import json
import os
import select
import socket
import socketserver
import ssl
import struct
import sys
import threading


class Handler(socketserver.BaseRequestHandler):
    def log(self, **entry):
        with self.server.lock:
            with open(self.server.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def handle(self):
        s = self.request
        s.settimeout(30)
        try:
            if self.server.tls:
                self.http(self.server.tls.wrap_socket(s, server_side=True))
                return
            first = s.recv(1, socket.MSG_PEEK)
            if not first:
                return
            if first == b"\x05":
                self.socks5(s)
            else:
                self.http(s)
        except (OSError, ValueError):
            pass

    def pipe(self, a, b):
        socks = [a, b]
        while True:
            r, _, _ = select.select(socks, [], [], 30)
            if not r:
                return
            for x in r:
                data = x.recv(65536)
                if not data:
                    return
                (b if x is a else a).sendall(data)

    def socks5(self, s):
        n = s.recv(2)[1]
        s.recv(n)
        s.sendall(b"\x05\x00")  # no login
        ver, cmd, _, atyp = s.recv(4)
        if atyp == 1:
            host = socket.inet_ntoa(s.recv(4))
        elif atyp == 3:
            host = s.recv(s.recv(1)[0]).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, s.recv(16))
        port = struct.unpack(">H", s.recv(2))[0]
        self.log(kind="socks5", target="%s:%d" % (host, port), proxy_auth=None, headers={})
        up = socket.create_connection((host, port), timeout=30)
        s.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("0.0.0.0") + struct.pack(">H", 0))
        self.pipe(s, up)
        up.close()

    def read_head(self, s):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return None, b""
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        return head.decode("latin-1"), rest

    def http(self, s):
        while True:
            head, rest = self.read_head(s)
            if head is None:
                return
            lines = head.split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            auth = headers.get("proxy-authorization")
            self.log(kind="connect" if method == "CONNECT" else "http", target=target,
                     proxy_auth=auth, headers=headers)
            if self.server.auth and auth != self.server.auth:
                # The request's body is read and dropped: the next one follows.
                length = int(headers.get("content-length", "0")) - len(rest)
                while length > 0:
                    chunk = s.recv(min(length, 65536))
                    if not chunk:
                        return
                    length -= len(chunk)
                body = b"proxy login needed"
                s.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                          b"Proxy-Authenticate: Basic realm=\"test proxy\"\r\n"
                          b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                continue
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                up = socket.create_connection((host, int(port)), timeout=30)
                s.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.pipe(s, up)
                up.close()
                return
            # An absolute URI: forward the request as it came, one per connection.
            url = target.split("://", 1)[1]
            hostport, _, path = url.partition("/")
            host, _, port = hostport.partition(":")
            up = socket.create_connection((host, int(port or 80)), timeout=30)
            out = ["%s /%s HTTP/1.1" % (method, path)]
            for line in lines[1:]:
                k = line.split(":", 1)[0].strip().lower()
                if k not in ("proxy-authorization", "proxy-connection", "connection"):
                    out.append(line)
            out.append("Connection: close")
            up.sendall(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + rest)
            length = int(headers.get("content-length", "0")) - len(rest)
            while length > 0:
                chunk = s.recv(min(length, 65536))
                if not chunk:
                    break
                up.sendall(chunk)
                length -= len(chunk)
            while True:
                data = up.recv(65536)
                if not data:
                    break
                s.sendall(data)
            up.close()
            return  # the answer ends when the upstream closes


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--auth", help="USER:PASSWORD the proxy asks for")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="be an https:// proxy")
    args = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.lock = threading.Lock()
    srv.log_path = args.log
    srv.tls = None
    if args.tls:
        srv.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        srv.tls.load_cert_chain(args.tls[0], args.tls[1])
    srv.auth = ("Basic " + base64.b64encode(args.auth.encode()).decode()) if args.auth else None
    open(args.log, "w").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
