#!/bin/sh
# --header, --user and --proxy: what the page's own host, a third-party host
# and a proxy see; refusals; no secret in any output of a run; and what no
# page is let to start (a service worker).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

# seen PATH-PREFIX HOST-PREFIX HEADER: the header of the last matching request.
seen() {
	python3 - "$T/requests.jsonl" "$1" "$2" "$3" <<'PY'
import json, sys
log, prefix, host, name = sys.argv[1:]
got = "<no request>"
for line in open(log):
    e = json.loads(line)
    if e["path"].startswith(prefix) and e["host"].startswith(host):
        got = str(e["headers"].get(name))
print(got)
PY
}
expect_seen() {
	got=$(seen "$1" "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1 on $2: $3 = '$4'"; else fail "$1 on $2: $3 = '$got', expected '$4'"; fi
}

# --header: with the page's own requests, with --cookie's cookie; never to
# another host (localhost's pixel).
: >"$T/requests.jsonl"
sp -d 0.2 --header 'X-Test:  one two' --header 'Authorization: Bearer tok-SECRET' -b 'a=1' \
	-o "$T/h.jpg" "$BASE/headers.html"
expect_rc 0
expect_seen /headers.html 127.0.0.1 x-test "one two"
expect_seen /headers.html 127.0.0.1 authorization "Bearer tok-SECRET"
expect_seen /headers.html 127.0.0.1 cookie "a=1"
expect_seen /beacon 127.0.0.1 x-test "one two"
expect_seen /pixel.png localhost x-test "None"
expect_seen /pixel.png localhost authorization "None"
# From the config file.
mkdir -p "$T/config/savepage"
printf 'header = X-Conf: from the file\n' >"$T/config/savepage/config"
: >"$T/requests.jsonl"
sp_config -d 0.2 -o "$T/hc.jpg" "$BASE/headers.html"
expect_seen /headers.html 127.0.0.1 x-conf "from the file"
rm "$T/config/savepage/config"

usage() { # usage MESSAGE ARGS...: exit 2, MESSAGE said, no file, no secret shown
	msg=$1
	shift
	sp "$@" -o "$T/bad.png" "$BASE/quad.html"
	if [ "$RC" = 2 ] && [ ! -e "$T/bad.png" ] && grep -q -- "$msg" "$T/err" &&
		! grep -q 'SECRET' "$T/err"; then
		ok "$* is a usage error: $(head -1 "$T/err")"
	else
		fail "$*: exit $RC, stderr: $(cat "$T/err")"
	fi
}
usage "--header Cookie: refused; it is set with --cookie" --header 'Cookie: x=SECRET'
usage "--header host: refused; it is the URL's own" --header 'host: SECRET.example'
usage "--header User-Agent: refused; it is set with --user-agent" --header 'User-Agent: SECRET'
usage "--header Accept-Language: refused; it is set with --accept-language" --header 'Accept-Language: SECRET'
usage "--header: not 'Name: value'" --header 'no colon SECRET'
usage "--header: not 'Name: value'" --header 'Bad Name: SECRET'
usage "--user: not USER:PASSWORD" --user 'SECRET'
usage "--header Authorization cannot go with --user" --user a:SECRET --header 'Authorization: Basic SECRET'
usage "--auth-password needs --auth-username" --auth-password SECRET
usage "--auth-username needs --auth-password" --auth-username ann
usage "--proxy: 'ftp://u:\*\*\*@h' is not an http://, https:// or socks5:// proxy" --proxy 'ftp://u:SECRET@h'
usage "--proxy: 'http://h:99999' has a port" --proxy 'http://h:99999'
usage "cannot log in to a SOCKS5 proxy" --proxy 'socks5://u:SECRET@127.0.0.1:1'
usage "the hosted API does not offer headers" --api --api-url http://127.0.0.1:9/ --key k --header 'X-A: SECRET'
usage "the hosted API does not offer auth_username, auth_password" --api --api-url http://127.0.0.1:9/ --key k --user 'a:SECRET'
http_proxy='gopher://u:SECRET@h' sp -o "$T/bad.png" "$BASE/quad.html"
if [ "$RC" = 2 ] && grep -q "http_proxy: 'gopher://u:\*\*\*@h'" "$T/err" && ! grep -q SECRET "$T/err"; then
	ok "a bad http_proxy is a usage error naming it: $(cat "$T/err")"
else
	fail "a bad http_proxy: exit $RC, $(cat "$T/err")"
fi

# --user: basic and digest logins to the page's host; never offered to
# another host that asks (localhost's pixel asks too).
: >"$T/requests.jsonl"
sp --user 'ann:s3cret p' -o "$T/basic.png" "$BASE/auth/basic/page"
expect_rc 0
expect_pixel "$T/basic.png" 10 10 "0 255 0" 0
expect_seen /auth/basic/page 127.0.0.1 authorization "Basic YW5uOnMzY3JldCBw"
expect_seen /auth/basic/pixel.png localhost authorization "None"
sp --auth-username ann --auth_password 's3cret p' -o "$T/digest.png" "$BASE/auth/digest/page"
expect_rc 0
expect_pixel "$T/digest.png" 10 10 "0 255 0" 0
check "digest, not basic, was answered" sh -c "grep -q 'Digest username=..ann' '$T/requests.jsonl'"
printf 'auth_username = ann\nauth-password = s3cret p\n' >"$T/config/savepage/config"
sp_config -o "$T/conf.png" "$BASE/auth/basic/page"
expect_pixel "$T/conf.png" 10 10 "0 255 0" 0
printf 'user = ann:s3cret p\n' >"$T/config/savepage/config"
sp_config -o "$T/conf-user.png" "$BASE/auth/digest/page"
expect_pixel "$T/conf-user.png" 10 10 "0 255 0" 0
rm "$T/config/savepage/config"
# A wrong password fails the URL with the 401 named; nothing written.
sp --user 'ann:wrong' -o "$T/wrong.png" "$BASE/auth/basic/page"
expect_rc 1
expect_err "401 the page answered HTTP 401: the login (--user) was refused"
check "no image for a refused login" test ! -e "$T/wrong.png"

# --proxy: every request of the page goes through it, loopback included.
# (Where requests go is not part of the cache key: these runs skip it.)
sp() {
	"$SAVEPAGE" --no-cache "$@" 2>"$T/err"
	RC=$?
}
sp_config() {
	env -u SAVEPAGE_NO_CONFIG "$SAVEPAGE" --no-cache "$@" 2>"$T/err"
	RC=$?
}
start_proxy plain
sp --proxy "http://$PROXY" -o "$T/px.png" "$BASE/quad.html"
expect_rc 0
expect_pixel "$T/px.png" 10 10 "255 0 0" 0
check "the proxy forwarded the page" grep -q "\"target\": \"$BASE/quad.html\"" "$T/plain.jsonl"
: >"$T/plain.jsonl"
sp --proxy "socks5://$PROXY" -o "$T/socks.png" "$BASE/quad.html"
expect_rc 0
check "the SOCKS5 proxy carried it" grep -q "\"kind\": \"socks5\", \"target\": \"127.0.0.1:$PORT\"" "$T/plain.jsonl"
# The environment as curl reads it; no_proxy and --no-proxy; --proxy '' off.
: >"$T/plain.jsonl"
http_proxy="http://$PROXY" sp -o "$T/env.png" "$BASE/quad.html"
check "http_proxy is honoured" grep -q "$BASE/quad.html" "$T/plain.jsonl"
: >"$T/plain.jsonl"
all_proxy="http://$PROXY" no_proxy=example.org,127.0.0.1 sp -o "$T/np.png" "$BASE/quad.html"
expect_rc 0
check "no_proxy sends 127.0.0.1 direct" test ! -s "$T/plain.jsonl"
no_proxy='*' http_proxy="http://$PROXY" sp --no-proxy example.org -o "$T/np2.png" "$BASE/quad.html"
check "--no-proxy wins over no_proxy" grep -q "$BASE/quad.html" "$T/plain.jsonl"
: >"$T/plain.jsonl"
http_proxy="http://$PROXY" sp --proxy '' -o "$T/off.png" "$BASE/quad.html"
expect_rc 0
check "--proxy '' turns the environment's proxy off" test ! -s "$T/plain.jsonl"
printf 'proxy = http://%s\n' "$PROXY" >"$T/config/savepage/config"
sp_config -o "$T/confpx.png" "$BASE/quad.html"
check "proxy in the config file" grep -q "$BASE/quad.html" "$T/plain.jsonl"
rm "$T/config/savepage/config"
: >"$T/plain.jsonl"
printf 'proxy = http://%s\nno_proxy = 127.0.0.1\n' "$PROXY" >"$T/config/savepage/config"
sp_config -o "$T/confnp.png" "$BASE/quad.html"
expect_rc 0
check "no_proxy in the config file" test ! -s "$T/plain.jsonl"
rm "$T/config/savepage/config"
sp --proxy "http://$PROXY" --no_proxy localhost,127.0.0.1 -o "$T/np3.png" "$BASE/quad.html"
check "--no_proxy, the API spelling" test ! -s "$T/plain.jsonl"

# An https:// proxy (TLS to the proxy itself; its certificate is the test's
# own, so the browser is told to take it).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/proxy.key" -out "$T/proxy.crt" -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
start_proxy tls --tls "$T/proxy.crt" "$T/proxy.key"
sp --browser-arg=--ignore-certificate-errors --proxy "https://$PROXY" -o "$T/tls.png" "$BASE/quad.html"
expect_rc 0
expect_pixel "$T/tls.png" 10 10 "255 0 0" 0
check "the https:// proxy carried it" grep -q "\"target\": \"$BASE/quad.html\"" "$T/tls.jsonl"

# A proxy that asks for a login: given from the address, or refused (407).
start_proxy login --auth 'pu:pp SECRET'
sp --proxy "http://pu:pp%20SECRET@$PROXY" -o "$T/pl.png" "$BASE/quad.html"
expect_rc 0
expect_pixel "$T/pl.png" 10 10 "255 0 0" 0
check "the proxy got its login" grep -q '"proxy_auth": "Basic cHU6cHAgU0VDUkVU"' "$T/login.jsonl"
sp --proxy "http://pu:nope@$PROXY" -o "$T/pl2.png" "$BASE/quad.html"
expect_rc 1
expect_err "407"
check "no image through a proxy that refused" test ! -e "$T/pl2.png"

# --api: the same proxy settings go to libcurl.
start_api k1
: >"$T/plain.jsonl"
sp --api --api-url "$API" --key k1 --proxy "http://$(cat "$T/plain.port" | sed 's/^/127.0.0.1:/')" \
	-o "$T/api.png" "$BASE/quad.html"
expect_rc 0
check "the API request went through the proxy" grep -q '"target": "http://127.0.0.1:[0-9]*/v1/' "$T/plain.jsonl"

# What the page did, in the report and the archive's manifest (and again,
# from the cache): the final URL after a redirect, the title, the content
# type, requests made and failed, console errors and the first messages.
"$SAVEPAGE" --report "$T/facts.jsonl" -a "$T/facts.tar" "$BASE/redirect?to=/report.html" \
	"$BASE/quad.html" 2>"$T/err"
RC=$?
expect_rc 0
"$SAVEPAGE" --report "$T/facts2.jsonl" -o "$T/factsdir" "$BASE/redirect?to=/report.html" 2>"$T/err"
tar -xOf "$T/facts.tar" manifest.jsonl >"$T/manifest.jsonl"
for f in facts.jsonl manifest.jsonl facts2.jsonl; do
	got=$(python3 - "$T/$f" "$BASE" <<'PY'
import json, sys
base = sys.argv[2]
for line in open(sys.argv[1]):
    e = json.loads(line)
    if "redirect" in e["url"]:
        m = e["console_messages"]
        print(e["final_url"] == base + "/report.html", e["title"], e["content_type"],
              e["requests"], e["failed_requests"], e["console_errors"], len(m),
              m[0], m[1].startswith("second error xxx") and len(m[1]) < 260, m[2], e["source"])
    else:
        print(e["title"], e["requests"], e["failed_requests"], e["console_errors"], e["console_messages"])
PY
)
	want="True A page for reports text/html 4 2 3 3 first error 42 True Error: uncaught here"
	case $f in
	facts2.jsonl) want="$want cached" ;;
	*) want="$want rendered
quadrants 1 0 0 []" ;;
	esac
	if [ "$(echo "$got" | sort)" = "$(echo "$want" | sort)" ]; then
		ok "$f: the page's facts: $got"
	else
		fail "$f: got '$got', expected '$want'"
	fi
done

# No secret anywhere: a run with all of them, -v, a report, an archive (and
# its manifest) and the cache.
"$SAVEPAGE" -v -r -1 --header 'X-Token: tok-SECRET' --user 'ann:s3cret p' \
	--proxy "http://pu:pp%20SECRET@$PROXY" --report "$T/run.jsonl" -a "$T/run.tar" \
	"$BASE/auth/basic/page" "$BASE/auth/basic/other" "$BASE/status/404" 2>"$T/err"
RC=$?
expect_rc 0
check "the secrets were in play" grep -q 'tok-SECRET' "$T/requests.jsonl"
check "the cache was written" test -n "$(find "$T/cache" -name '*.json')"
cp "$T/err" "$T/run.err"
mkdir "$T/unpacked" && tar -xf "$T/run.tar" -C "$T/unpacked"
leaks=$(grep -rl -e 'SECRET' -e 's3cret' -e 'tok-' -e 'cHU6cHAgU0VDUkVU' "$T/run.err" "$T/run.jsonl" "$T/unpacked" "$T/cache" 2>/dev/null)
check "no secret in stderr, the report, the archive or the cache ($leaks)" test -z "$leaks"
check "the report names the digests" grep -q '"headers":"sha256:' "$T/run.jsonl"

# A service worker's registration is refused (green; red when it goes
# through), its script never fetched; in a shared session's kept tab too.
: >"$T/requests.jsonl"
sp --no-cache -W 400 -H 300 -f png --wait-for window.done -o "$T/sw.png" "$BASE/serviceworker.html"
expect_rc 0
expect_pixel "$T/sw.png" 100 100 "0 255 0" 0
sp --no-cache --shared-session -W 400 -H 300 -f png --wait-for window.done -o "$T/sw" \
	-n '{n}.{ext}' "$BASE/serviceworker.html?a" "$BASE/serviceworker.html?b"
expect_rc 0
expect_pixel "$T/sw/1.png" 100 100 "0 255 0" 0
expect_pixel "$T/sw/2.png" 100 100 "0 255 0" 0
check "no service worker script was fetched" test "$(grep -c '/serviceworker.js' "$T/requests.jsonl")" = 0
# The page does register one where nothing refuses it: Chrome left alone
# with it fetches the worker's script.
chromium-headless-shell --headless --no-sandbox --disable-gpu --no-first-run \
	--user-data-dir="$T/plain-chrome" "$BASE/serviceworker.html" >/dev/null 2>&1 &
plain=$!
for _ in $(seq 1 200); do
	grep -q '/serviceworker.js' "$T/requests.jsonl" && break
	sleep 0.05
done
# (Debian's chromium-headless-shell is a script whose child is Chrome:
# each process of that profile is stopped, not the script alone.)
pkill -KILL -f -- "--user-data-dir=$T/plain-chrome" 2>/dev/null
kill "$plain" 2>/dev/null
wait "$plain" 2>/dev/null
check "Chrome left alone fetched the worker's script" grep -q '/serviceworker.js' "$T/requests.jsonl"
for _ in $(seq 1 100); do
	pgrep -f -- "--user-data-dir=$T/plain-chrome" >/dev/null || break
	sleep 0.05
done
left=$(pgrep -f -- "--user-data-dir=$T/plain-chrome" | wc -l)
check "and it is gone ($left process(es) left)" test "$left" = 0
finish
