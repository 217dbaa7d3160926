#!/bin/sh
# savepage serve: the SavePage API answered on this machine, checked with
# curl as a client would call it and with savepage --api: the contract's
# parameters by GET and POST, the keys file (key, md5 hash, workers), the
# documented errors (HTTP 422 and the message), 481 when the workers are
# busy, the cache shared with the command line (Last-Modified, 304,
# refresh), nocookie and noads, SIGHUP and SIGTERM; and where pages may
# connect: not the server's own network (loopback, private and link-local
# addresses, by name, literal, redirect, subresource or WebSocket) unless
# --allow-private, which the test's own pages on 127.0.0.1 need.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
md5() { printf '%s' "$1" | md5sum | cut -c1-32; }

fetched() { grep -c "\"path\": \"$1\"" "$T/requests.jsonl"; }

cat >"$T/keys" <<KEYS
# key   secret     options
k1      s3cret     workers=1
open    -
KEYS
start_serve --workers 2 --keys "$T/keys" --allow-private
check "the log says where it listens" grep -q "listening on $SERVE with 2 worker(s)" "$T/serve.err"

# GET, as the contract's example: the image and the documented headers.
U="$BASE/quad.html"
call "$SERVE?key=open&q=$U&width=400&height=300"
check "GET: 200 ($CODE)" test "$CODE" = 200
check "Content-Type image/jpeg" test "$(header content-type)" = image/jpeg
check "Content-Length is the body's" test "$(header content-length)" = "$(wc -c <"$T/body")"
check "Cache-Control: the default max-age" test "$(header cache-control)" = "public, max-age=2629746"
check "a Last-Modified date" test -n "$(header last-modified)"
cp "$T/body" "$T/quad.jpg"
expect_probe "$T/quad.jpg" "jpeg 400 300"
expect_pixel "$T/quad.jpg" 100 75 "255 0 0"
expect_pixel "$T/quad.jpg" 300 225 "255 255 0"
check "the access log has the request, and no key" \
	sh -c "grep -q '\"GET /\" 200 ' '$T/serve.err' && ! grep -q 'key=open' '$T/serve.err'"

# POST with the form: reserved characters in q, a cookie, png, maxage.
: >"$T/requests.jsonl"
call --data-urlencode "q=$BASE/page/post?x=1&y=2#top" -d key=k1 \
	-d hash="$(md5 "$BASE/page/post?x=1&y=2#top""s3cret")" -d width=300 -d height=200 \
	-d format=png -d maxage=60 --data-urlencode 'cookie=SID=a b; q=5' "$SERVE"
check "POST: 200 ($CODE)" test "$CODE" = 200
check "Content-Type image/png" test "$(header content-type)" = image/png
check "Cache-Control from maxage" test "$(header cache-control)" = "public, max-age=60"
cp "$T/body" "$T/post.png"
expect_probe "$T/post.png" "png 300 200"
check "q arrived whole" grep -q '"path": "/page/post?x=1&y=2"' "$T/requests.jsonl"
check "the cookie was sent to the page" grep -q '"cookie": "SID=a b; q=5"' "$T/requests.jsonl"
# A percent-encoded q by GET.
call "$SERVE?key=open&q=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$BASE/page/get?a=1&b=2")&width=300&height=200"
check "GET with an encoded q: 200 ($CODE)" test "$CODE" = 200
check "its & stayed in q" grep -q '"path": "/page/get?a=1&b=2"' "$T/requests.jsonl"
# An unencoded ';' in a GET's query separates parameters as '&' does
# (libwebsockets' parser): said, not guessed at.
call "$SERVE?key=open&q=$BASE/page/semi;b=c"
expect_api_error "an unencoded ';' in a GET" "'b' is not a parameter of the API"

# The contract's errors, each in its documented form.
call "$SERVE?key=nobody&q=$U"
expect_api_error "an unknown key" "Cannot verify the API Key"
call "$SERVE?q=$U"
expect_api_error "no key" "Cannot verify the API Key"
call "$SERVE?key=open&q=ftp://example.org/"
expect_api_error "an ftp URL" "Invalid or blank URL sent"
call "$SERVE?key=open&q="
expect_api_error "a blank URL" "Invalid or blank URL sent"
call "$SERVE?key=k1&q=$U&hash=0123456789abcdef0123456789abcdef"
expect_api_error "a wrong hash" "Invalid security hash, access denied"
call "$SERVE?key=k1&q=$U"
expect_api_error "no hash for a key with a secret" "Invalid security hash, access denied"
call "$SERVE?key=open&q=$U&cookie=a=b"
expect_api_error "a cookie in a GET" "cookie may only be sent in a POST body"
call "$SERVE?key=open&q=$U&width=abc"
expect_api_error "a width that is no number" "width: 'abc' is not a whole number from 1 to 16384"
call "$SERVE?key=open&q=$U&format=gif"
expect_api_error "a format the API has not" "format: 'gif' is not jpeg or png"
call "$SERVE?key=open&q=$U&colour=red"
expect_api_error "a parameter the API has not" "'colour' is not a parameter of the API"
call "$SERVE?key=open&q=http://127.0.0.1:1/"
expect_api_error "a page that cannot be loaded" "Rendering error, cannot generate screenshot"
call "$SERVE/elsewhere"
check "another path: 404 ($CODE)" test "$CODE" = 404
call -X PUT "$SERVE"
check "PUT: 405 ($CODE)" test "$CODE" = 405
call -H 'Content-Type: text/plain' -d "key=open&q=$U" "$SERVE"
check "a body that is not a form: 415 ($CODE)" test "$CODE" = 415
head -c 70000 /dev/zero | tr '\0' a >"$T/big"
call --data-binary "@$T/big" "$SERVE"
check "a body over 64 KiB: 413 ($CODE)" test "$CODE" = 413
# Malformed and oversized requests, by hand: a 4xx, or the connection
# closed for what is past the limits (16 KiB of request line and headers)
# or too slow (10 s for the headers); the server goes on.
cat >"$T/raw.py" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(float(sys.argv[2]))
try:
    s.sendall(sys.stdin.buffer.read())
except (ConnectionResetError, BrokenPipeError):
    print("closed")
    sys.exit()
out = b""
try:
    while b"\r\n" not in out:
        b = s.recv(4096)
        if not b:
            break
        out += b
except socket.timeout:
    print("no answer")
    sys.exit()
except (ConnectionResetError, BrokenPipeError):
    pass
print(out.split(b"\r\n")[0].decode() if out else "closed")
PY
# raw WAIT: standard input sent to the server as it is; prints the status
# line, "closed" or "no answer" (in WAIT seconds).
raw() { python3 "$T/raw.py" "$(echo "$SERVE" | sed 's/.*:\([0-9]*\)\/$/\1/')" "$1"; }
got=$(printf 'HELLO\r\n\r\n' | raw 5)
case "$got" in
"HTTP/1."[01]" 4"[0-9][0-9]*) ok "a request line that is not HTTP: a 4xx ($got)" ;;
*) fail "a request line that is not HTTP: $got" ;;
esac
got=$({ printf 'GET /?q='; head -c 20000 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\n\r\n'; } | raw 5)
check "a request line over 16 KiB: $got" test "$got" = closed
got=$({ printf 'GET / HTTP/1.1\r\n'; for i in $(seq 1 200); do printf 'X-H%d: %0100d\r\n' "$i" 0; done; printf '\r\n'; } | raw 5)
check "headers over 16 KiB: $got" test "$got" = closed
got=$(printf 'GET / HTTP/1.1\r\nHost: x\r\n' | raw 15)
check "headers that never end: $got within 15 s" test "$got" = closed
got=$(printf 'POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nkey=x' | raw 15)
check "a body shorter than its Content-Length: $got within 15 s" test "$got" = closed
long="$BASE/page/$(head -c 7000 /dev/zero | tr '\0' a)"
call "$SERVE?key=open&q=$long&width=300&height=200"
check "a GET whose q is 7000 characters long: 200 ($CODE)" test "$CODE" = 200
call "$SERVE?key=open&q=$BASE/page/x$(head -c 8200 /dev/zero | tr '\0' a)"
expect_api_error "a parameter over 8192 bytes" "q: longer than 8192 bytes"
call "$SERVE?key=open&q=$U&width=400&height=300"
check "the server goes on after all that ($CODE)" test "$CODE" = 200

# Workers: k1 has one; a second render while it is busy is answered 481 at
# once, and /health counts the busy workers.
# (a GET whose render outlasts libwebsockets' own 5 s for a request)
slow="$BASE/slow?ms=6000"
curl -s -G -o "$T/slow1" -w '%{http_code}' -d key=k1 --data-urlencode "q=$slow" \
	-d hash="$(md5 "$slow""s3cret")" "$SERVE" >"$T/slow1.code" &
SLOW=$!
for _ in $(seq 1 100); do
	[ "$(grep -c '"path": "/slow' "$T/requests.jsonl")" -ge 1 ] && break
	sleep 0.05
done
call -d key=k1 --data-urlencode "q=$slow&2" -d hash="$(md5 "$slow&2""s3cret")" "$SERVE"
expect_api_error "k1's second render at once" "All workers are busy, please try again later"
call "$SERVE/health"
check "/health: one of two busy ($(cat "$T/body"))" test "$(cat "$T/body")" = '{"workers":2,"busy":1}'
call "$SERVE?key=open&q=$BASE/page/other&width=300&height=200"
check "another key still has a worker ($CODE)" test "$CODE" = 200
wait $SLOW
check "the busy render finished: 200" test "$(cat "$T/slow1.code")" = 200

# The cache: the same request is answered from it (the page is not fetched
# again), with the same Last-Modified; If-Modified-Since gets 304;
# refresh=-1 renders again.
: >"$T/requests.jsonl"
call "$SERVE?key=open&q=$U&width=400&height=300"
lm=$(header last-modified)
check "cached: 200 ($CODE)" test "$CODE" = 200
check "cached: the page was not fetched again" test "$(fetched /quad.html)" = 0
call -H "If-Modified-Since: $lm" "$SERVE?key=open&q=$U&width=400&height=300"
check "If-Modified-Since the render: 304 ($CODE)" test "$CODE" = 304
check "a 304 has no body" test ! -s "$T/body"
call -H "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT" "$SERVE?key=open&q=$U&width=400&height=300"
check "If-Modified-Since an older date: 200 ($CODE)" test "$CODE" = 200
sleep 1
call "$SERVE?key=open&q=$U&width=400&height=300&refresh=-1"
check "refresh=-1: rendered again" test "$(fetched /quad.html)" = 1
check "refresh=-1: a newer Last-Modified" test "$(header last-modified)" != "$lm"
call "$SERVE?key=open&q=$U&width=400&height=300&refresh=3600"
check "refresh=3600 on a fresh copy: cached" test "$(fetched /quad.html)" = 1
# The command line's cache is the server's: what savepage rendered with the
# same options is answered from it.
sp -W 333 -H 222 -o "$T/cli.jpg" "$BASE/page/shared"
expect_rc 0
call "$SERVE?key=open&q=$BASE/page/shared&width=333&height=222"
check "the command line's render answered: 200, not fetched again" \
	test "$CODE:$(fetched /page/shared)" = "200:1"
check "the same image" cmp -s "$T/body" "$T/cli.jpg"

# savepage --api as the server's client: a list into an archive.
printf '%s\n' "$BASE/page/a1" "$BASE/page/a2" "$BASE/page/a3" >"$T/urls.txt"
sp --api --api-url "$SERVE" --key k1 --secret s3cret -W 300 -H 200 -i "$T/urls.txt" \
	-a "$T/out.tar"
expect_rc 0
check "three images in the archive" test "$(tar -tf "$T/out.tar" | grep -c '\.jpg$')" = 3
sp --api --api-url "$SERVE" --key k1 --secret wrong -o "$T/no.jpg" "$BASE/page/a1"
expect_rc 3
expect_err "Invalid security hash"

# nocookie and noads, as the command line does them.
call "$SERVE?key=open&q=$BASE/cmp.html%3Fp%3Donetrust&format=png"
cp "$T/body" "$T/banner.png"
call "$SERVE?key=open&q=$BASE/cmp.html%3Fp%3Donetrust&format=png&nocookie=true"
cp "$T/body" "$T/nobanner.png"
expect_pixel "$T/banner.png" 700 850 "255 0 0" 0
expect_pixel "$T/nobanner.png" 700 850 "238 238 238" 0
# (ads.html's ad slot is red; noads's hiding rules take it away)
call "$SERVE?key=open&q=$BASE/ads.html&format=png"
cp "$T/body" "$T/ads.png"
call "$SERVE?key=open&q=$BASE/ads.html&format=png&noads=true"
cp "$T/body" "$T/noads.png"
expect_pixel "$T/ads.png" 10 330 "255 0 0" 0
expect_pixel "$T/noads.png" 10 330 "255 255 255" 0

# SIGHUP: the keys are read again.
printf 'k2 - workers=1\n' >"$T/keys"
kill -HUP "$SERVE_PID"
sleep 0.5
call "$SERVE?key=k2&q=$BASE/page/k2&width=300&height=200"
check "a key added, after SIGHUP: 200 ($CODE)" test "$CODE" = 200
call "$SERVE?key=k1&q=$U"
expect_api_error "a key taken away, after SIGHUP" "Cannot verify the API Key"

# SIGTERM during a render: it is answered, then the server exits 0 with no
# browser left.
# (a PNG of many glyphs: larger than what a socket takes at once)
curl -s -o "$T/last" -w '%{http_code}' \
	"$SERVE?key=k2&q=$BASE/scripts.html%3Flast&width=900&height=660&format=png&delay=2" \
	>"$T/last.code" &
LAST=$!
for _ in $(seq 1 100); do
	grep -q '"path": "/scripts.html?last"' "$T/requests.jsonl" && break
	sleep 0.05
done
kill -TERM "$SERVE_PID"
sleep 0.3
call "$SERVE/health"
check "no new connection after SIGTERM ($CODE)" test "$CODE" = 000
wait $LAST
check "the render in flight was answered: 200" test "$(cat "$T/last.code")" = 200
expect_probe "$T/last" "png 900 660"
check "and whole ($(wc -c <"$T/last") bytes)" test "$(wc -c <"$T/last")" -gt 30000
wait "$SERVE_PID"
RC=$?
SERVE_PID=
expect_rc 0
expect_no_browser_left

# Usage errors.
sp serve --listen 0.0.0.0:8080
expect_rc 2
expect_err "without --keys, serving is open to anyone"
printf 'k1 s workers=0\n' >"$T/badkeys"
sp serve --keys "$T/badkeys"
expect_rc 2
expect_err "line 1: workers= is not a whole number"
sp serve --keys "$T/nosuch"
expect_rc 2
expect_err "nosuch"
# No browser can be started: the request waiting for one is answered 490,
# and the server stops with status 3. (The "browser" fails once the
# request is waiting for it.)
printf '#!/bin/sh\nwhile [ ! -e "%s" ]; do sleep 0.1; done\nexit 1\n' "$T/fail-now" >"$T/nobrowser"
chmod +x "$T/nobrowser"
start_serve --workers 2 --allow-private --browser "$T/nobrowser"
(call "$SERVE?key=x&q=$BASE/page/nobrowser" && echo "$CODE $(cat "$T/body")" >"$T/nobrowser.answer") &
for _ in $(seq 1 200); do
	[ "$(curl -s "$SERVE/health")" = '{"workers":2,"busy":1}' ] && break
	sleep 0.05
done
touch "$T/fail-now"
wait $!
check "a request while no browser can start: 490 ($(cat "$T/nobrowser.answer"))" \
	test "$(cat "$T/nobrowser.answer")" = '422 {"error":"Rendering error, cannot generate screenshot"}'
wait "$SERVE_PID"
RC=$?
SERVE_PID=
expect_rc 3
check "the log says why it stopped" grep -q "no browser left to render with" "$T/serve.err"

# The guard: without --allow-private no page reaches this machine's network;
# the test server on 127.0.0.1 is the private target. Names are resolved by
# the guard (the system's resolver: a name /etc/hosts gives a loopback
# address, such as Debian's ip6-localhost), never by Chrome: a name the
# browser's own resolver rules map to 127.0.0.1 ("mapped.test") goes to the
# guard as a name, which does not resolve there, so it fails too (490),
# without reaching anything.
: >"$T/requests.jsonl"
printf 'g - workers=4\n' >"$T/keys"
alias=$(awk '$1 ~ /^(127\.|::1$)/ { for (i = 2; i <= NF; i++) if ($i != "localhost") { print $i; exit } }' /etc/hosts)
start_serve --workers 4 --keys "$T/keys" \
	--browser-arg "--host-resolver-rules=MAP mapped.test 127.0.0.1:$PORT"
for target in "$BASE/page/literal" "http://localhost:$PORT/page/byname" \
	"http://${alias:-localhost.}:$PORT/page/alias" "http://[::1]:$PORT/page/v6" \
	"http://0x7f.1:$PORT/page/hex" "http://[::ffff:127.0.0.1]:$PORT/page/mapped6"; do
	call -d key=g --data-urlencode "q=$target" "$SERVE"
	expect_api_error "a private target: $target" "Invalid or blank URL sent"
done
call -d key=g --data-urlencode "q=http://mapped.test/page/mapped" "$SERVE"
expect_api_error "a name only the browser maps to 127.0.0.1" \
	"Rendering error, cannot generate screenshot"
check "none of them reached the test server" test ! -s "$T/requests.jsonl"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=

# A second server stands for the private network; the first is let through
# with --allow-host, as a trusted site would be. Its pages may not take the
# browser to the second: not by a redirect, nor by an image, a frame, a
# fetch, a beacon or a WebSocket.
python3 "$top_srcdir/tests/server.py" --root "$PAGES" --port-file "$T/port2" \
	--log "$T/private.jsonl" &
PROXY_PIDS="${PROXY_PIDS:-} $!"
wait_file "$T/port2" || { echo "FAIL: second test server did not start"; exit 99; }
PRIV="http://127.0.0.1:$(cat "$T/port2")"
start_serve --workers 4 --keys "$T/keys" --allow-host "127.0.0.1:$PORT" -v
call -d key=g --data-urlencode "q=$BASE/quad.html" -d width=400 -d height=300 "$SERVE"
check "an allowed host renders through the guard ($CODE)" test "$CODE" = 200
cp "$T/body" "$T/allowed.jpg"
expect_pixel "$T/allowed.jpg" 300 225 "255 255 0"
# What the command line rendered of a private page is in the cache, and is
# not the guarded server's answer.
sp -W 300 -H 200 -o "$T/secret.jpg" "$PRIV/page/secret"
expect_rc 0
call -d key=g --data-urlencode "q=$PRIV/page/secret" -d width=300 -d height=200 "$SERVE"
expect_api_error "a private page the command line cached" "Invalid or blank URL sent"
call -d key=g --data-urlencode "q=$BASE/redirect?to=$PRIV/page/redirected" "$SERVE"
expect_api_error "a redirect to a private address" "Invalid or blank URL sent"
: >"$T/private.jsonl"
call -d key=g --data-urlencode "q=$BASE/reach.html?to=$PRIV" -d width=400 -d height=300 \
	-d delay=1 -d format=png "$SERVE"
check "a page that reaches for a private server is shot ($CODE)" test "$CODE" = 200
cp "$T/body" "$T/reach.png"
check "its image was not loaded (no red)" \
	test "$(pixel "$T/reach.png" 50 50)" != "255 0 0"
check "the private server saw nothing ($(cat "$T/private.jsonl"))" test ! -s "$T/private.jsonl"
check "the guard says what it refused" grep -q "guard: refused 127.0.0.1:$(cat "$T/port2")" "$T/serve.err"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=
# The same page on a server with --allow-private reaches it all: the check
# above can fail.
start_serve --workers 2 --allow-private
call "$SERVE?key=x&q=$BASE/reach.html%3Fto%3D$(echo "$PRIV" | sed 's/:/%3A/g; s,/,%2F,g')&width=400&height=300&delay=1&format=png"
cp "$T/body" "$T/reached.png"
expect_pixel "$T/reached.png" 50 50 "255 0 0" 0
for what in img from-frame from-fetch beacon from-websocket; do
	check "with --allow-private, the $what request arrives" grep -q "$what" "$T/private.jsonl"
done
# A server outlives its browser being killed, more often than the five
# relaunches in a row a run allows: each capture that succeeds forgives them.
lost=0
for i in 1 2 3 4 5 6 7; do
	pkill -KILL -f -- "--user-data-dir=$T/tmp" 2>/dev/null
	sleep 0.3
	call "$SERVE?key=x&q=$BASE/page/after-kill-$i&width=300&height=200"
	[ "$CODE" = 200 ] || lost=$((lost + 1))
done
check "seven browser losses, every request answered ($lost lost)" test "$lost" = 0
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=

# SIGTERM under load: three renders in flight, seven more asked at once.
# Each gets its answer (200 for the three, 481 for the rest), none is cut
# off, and the server exits 0 with no browser left.
start_serve --workers 3 --allow-private
: >"$T/requests.jsonl"
for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s -o "$T/load$i" -w '%{http_code}' \
		"$SERVE?key=x&q=$BASE/slow%3Fms%3D2500%26c%3Dload$i&width=300&height=200" \
		>"$T/load$i.code" &
	eval "LOAD$i=\$!"
done
for _ in $(seq 1 400); do
	[ "$(grep -c '"path": "/slow' "$T/requests.jsonl")" -ge 3 ] &&
		[ "$(grep -c '"GET /" 481 ' "$T/serve.err")" -ge 7 ] && break
	sleep 0.05
done
kill -TERM "$SERVE_PID"
for i in 1 2 3 4 5 6 7 8 9 10; do
	eval "wait \$LOAD$i"
done
codes=$(cat "$T"/load*.code | fold -w3 | sort | uniq -c | tr -s ' ' | tr '\n' ';')
check "three rendered, seven told 481 ($codes)" test "$codes" = " 3 200; 7 422;"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(cat "$T/load$i.code")" = 200 ] && expect_probe "$T/load$i" "jpeg 300 200"
done
wait "$SERVE_PID"
RC=$?
SERVE_PID=
expect_rc 0
expect_no_browser_left
finish
