#!/bin/sh
# --api: savepage against a local stand-in for the hosted SavePage API
# (tests/api_server.py, which implements the contract: key and hash checks,
# the worker limit, every error code, its own cache with Last-Modified and
# 304). The stand-in's log shows what savepage sent.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
KEY=k3y-123456
SECRET=s3cr3t-w0rd
start_api "$KEY:$SECRET:2" "wide:$SECRET:10" "slow1:$SECRET:1" "busy0:$SECRET:0" nosecret ip-restricted \
	origin-restricted too-many-ip plan-requests plan-shots
export SAVEPAGE_KEY="$KEY" SAVEPAGE_SECRET="$SECRET" SAVEPAGE_API_URL="$API"

# apilog EXPR: a Python expression over L, the logged requests.
apilog() {
	python3 -c 'import json,sys
L=[json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$T/api.jsonl" "$1"
}
md5() { printf '%s' "$1" | md5sum | cut -c1-32; }
reset_log() { : >"$T/api.jsonl"; }

# One URL, as a user would: a POST with the key, the URL and its hash.
reset_log
sp --api --no-cache -o "$T/s.jpg" https://example.org/
expect_rc 0
expect_probe "$T/s.jpg" "jpeg 1440 900"
check "a POST" test "$(apilog 'L[-1]["method"]')" = POST
check "the key is sent" test "$(apilog 'L[-1]["params"]["key"]')" = "$KEY"
check "q is the URL" test "$(apilog 'L[-1]["params"]["q"]')" = https://example.org/
check "hash = md5(URL + secret)" \
	test "$(apilog 'L[-1]["params"]["hash"]')" = "$(md5 "https://example.org/$SECRET")"

# Every option under its API name; the image is checked and kept.
reset_log
sp --api --no-cache -W 800 -H 600 -F -T 400 -d 1.5 --nocookie --noads -A 'Bot/1.0 (x; y=1)' \
	-L de-DE -b 'SID=a b; q=5' --maxage 60 -r 100 -f png -o "$T/o.png" \
	'https://example.org/a?b=c&d=e'
expect_rc 0
expect_probe "$T/o.png" "png 400 600"
want='{"key": "'$KEY'", "q": "https://example.org/a?b=c&d=e", "width": "800", "height": "600", "fullpage": "true", "thumb_width": "400", "delay": "1.5", "nocookie": "true", "noads": "true", "format": "png", "refresh": "100", "user_agent": "Bot/1.0 (x; y=1)", "accept_language": "de-DE", "maxage": "60", "cookie": "SID=a b; q=5", "hash": "'$(md5 "https://example.org/a?b=c&d=e$SECRET")'"}'
got=$(apilog 'json.dumps(L[-1]["params"])')
check "every option sent with its API name ($got)" \
	python3 -c 'import json,sys; sys.exit(json.loads(sys.argv[1]) != json.loads(sys.argv[2]))' \
	"$got" "$want"

# --api-get: a GET whose query is percent-encoded; no cookie allowed in it.
reset_log
sp --api --api-get --no-cache -A 'a&b=c' -o "$T/g.jpg" 'https://example.org/p?x=1&y=2#frag'
expect_rc 0
check "a GET" test "$(apilog 'L[-1]["method"]')" = GET
check "q arrives whole" test "$(apilog 'L[-1]["params"]["q"]')" = 'https://example.org/p?x=1&y=2#frag'
path=$(apilog 'L[-1]["path"]')
case "$path" in
*'q=https%3A%2F%2Fexample.org%2Fp%3Fx%3D1%26y%3D2%23frag&'*) ok "reserved characters are percent-encoded" ;;
*) fail "query not percent-encoded: $path" ;;
esac
check "user_agent arrives whole" test "$(apilog 'L[-1]["params"]["user_agent"]')" = 'a&b=c'
sp --api --api-get -b 'a=b' -o "$T/x.jpg" https://example.org/
expect_rc 2
expect_err "POST body"

# --hash: a precomputed hash is sent as given.
reset_log
SAVEPAGE_SECRET= sp --api --no-cache --hash "$(md5 "https://example.org/h$SECRET")" \
	-o "$T/h.jpg" https://example.org/h
expect_rc 0
check "--hash is sent" test "$(apilog 'L[-1]["params"]["hash"]')" = "$(md5 "https://example.org/h$SECRET")"

# Every error of the contract, in its documented form (422 and the message).
. "$top_srcdir/tests/api-errors.sh"

# What comes back is checked.
sp --api --no-cache -o "$T/html.jpg" https://example.org/html-instead
expect_rc 1
expect_err "text/html"
check "an HTML page is not saved as a .jpg" test ! -e "$T/html.jpg"
sp --api --no-cache -o "$T/narrow.jpg" https://example.org/wrong-width
expect_rc 1
expect_err "720 px wide, not the 1440"
sp --api --no-cache -o "$T/cut.jpg" https://example.org/truncated
expect_rc 1
expect_err "not a whole jpeg image"
check "a truncated image is not saved" test ! -e "$T/cut.jpg"

# The cache: an image the API rendered three days ago is stale here at
# once (-r defaults to a day), so the next run revalidates it with
# If-Modified-Since; the API still has that image and answers 304; the copy
# is kept and counts as fresh again; -r -1 makes the API render anew.
reset_log
sp --api --report "$T/r1.jsonl" -o "$T/k1.jpg" https://example.org/old-render
expect_rc 0
check "first run: rendered" grep -q '"source":"rendered"' "$T/r1.jsonl"
check "no refresh sent unless -r is given" test "$(apilog '"refresh" in L[-1]["params"]')" = False
entry=$(find "$T/cache" -name '*.jpg')
check "the entry is dated by the API's Last-Modified" test -n "$(find "$entry" -mtime +2)"
sp --api --report "$T/r2.jsonl" -o "$T/k2.jpg" https://example.org/old-render
expect_rc 0
check "stale: revalidated" grep -q '"source":"revalidated"' "$T/r2.jsonl"
check "If-Modified-Since was sent and 304 came back" \
	test "$(apilog 'L[-1]["ims"] is not None and L[-1]["status"]')" = 304
check "the entry's mtime is renewed" test -n "$(find "$entry" -mmin -1)"
expect_probe "$T/k2.jpg" "jpeg 1440 900"
sp --api --report "$T/r3.jsonl" -o "$T/k3.jpg" https://example.org/old-render
check "third run: cached, no request" \
	test "$(apilog 'len(L)'):$(grep -c '"source":"cached"' "$T/r3.jsonl")" = "2:1"
sp --api -r -1 --report "$T/r4.jsonl" -o "$T/k4.jpg" https://example.org/old-render
check "-r -1: refresh=-1, rendered again" \
	test "$(apilog 'L[-1]["params"]["refresh"], L[-1]["status"]'):$(grep -c '"source":"rendered"' "$T/r4.jsonl")" = "('-1', 200):1"
sp --api -r 100 --report "$T/r5.jsonl" -o "$T/k5.jpg" https://example.org/old-render
check "-r 100 on a fresh copy: cached" grep -q '"source":"cached"' "$T/r5.jsonl"
# A stale copy that is damaged: the API's 304 cannot keep it, so it is asked
# for again without If-Modified-Since, once (not 304 after 304 for ever).
sp --api --cache-dir "$T/dmg" -o "$T/dm1.jpg" https://example.org/old-render/damaged
dmg=$(find "$T/dmg" -name '*.jpg')
cp -p "$dmg" "$T/dmg-orig.jpg"
head -c 300 "$T/dmg-orig.jpg" >"$dmg"
touch -r "$T/dmg-orig.jpg" "$dmg"
reset_log
sp --api --cache-dir "$T/dmg" -o "$T/dm2.jpg" https://example.org/old-render/damaged
expect_rc 0
expect_probe "$T/dm2.jpg" "jpeg 1440 900"
check "a damaged copy: 304, then asked again without If-Modified-Since ($(apilog '[(e["status"], e["ims"] is not None) for e in L]'))" \
	test "$(apilog '[(e["status"], e["ims"] is not None) for e in L]')" = "[(304, True), (200, False)]"

# A stale copy whose image the API has rendered anew since: 200 replaces it.
sp --api -r 0 --report "$T/r6.jsonl" -o "$T/k6.jpg" https://example.org/newer
meta=$(grep -l '"https://example.org/newer"' $(find "$T/cache" -name '*.json'))
touch -d '2 days ago' "${meta%.json}.jpg"
sp --api --cache-dir "$T/elsewhere" -r -1 -o "$T/k7.jpg" https://example.org/newer
reset_log
sp --api --report "$T/r8.jsonl" -o "$T/k8.jpg" https://example.org/newer
check "the API's newer image replaces the stale copy" \
	test "$(apilog 'L[-1]["ims"] is not None and L[-1]["status"]'):$(grep -c '"source":"rendered"' "$T/r8.jsonl")" = "200:1"
check "the entry is dated anew" test -z "$(find "$T/cache" -name '*.jpg' -mtime +1)"

# Two runs at once share the cache: the second waits for the first's image.
reset_log
"$SAVEPAGE" --api -o "$T/two1.jpg" https://example.org/slow/shared 2>"$T/err1" &
first=$!
sleep 0.3
sp --api -o "$T/two2.jpg" https://example.org/slow/shared
expect_rc 0
wait $first
RC=$?
expect_rc 0
check "both runs have the image" test -s "$T/two1.jpg" -a -s "$T/two2.jpg"
check "the API was asked once" test "$(apilog 'len(L)')" = 1

# Ctrl-C: no new request, what finished is in a valid archive, exit 130.
printf 'https://example.org/slow/int%s\n' $(seq 1 20) >"$T/twenty.txt"
SAVEPAGE_KEY=wide "$SAVEPAGE" --api --no-cache -j 2 -a "$T/int.tar" --report "$T/int.jsonl" \
	-i "$T/twenty.txt" 2>"$T/err" &
pid=$!
sleep 2.5
kill -INT $pid
wait $pid
RC=$?
expect_rc 130
done_n=$(grep -c '"status":"ok"' "$T/int.jsonl")
check "the archive is whole and holds the $done_n finished" \
	test "$(tar -tf "$T/int.tar" | grep -c '\.jpg$')" = "$done_n"
check "interrupted before the end" test "$done_n" -ge 1 -a "$done_n" -lt 20

# The key and secret never show: not with -v -v, not in reports or manifests.
sp --api --no-cache -v -v -a "$T/all.tar" --report "$T/all.jsonl" https://example.org/x \
	https://example.org/render-error
expect_rc 1
check "the manifest is in the archive" sh -c "tar -xOf '$T/all.tar' manifest.jsonl >'$T/manifest.jsonl'"
check "the report and the manifest list both URLs" \
	test "$(grep -c '"url"' "$T/all.jsonl"):$(grep -c '"url"' "$T/manifest.jsonl")" = "2:2"
check "the -v -v output has the requests in it" grep -q "asking the API" "$T/err"
for f in err all.jsonl manifest.jsonl; do
	if grep -q -e "$KEY" -e "$SECRET" "$T/$f"; then
		fail "$f shows the key or secret"
	else
		ok "$f shows neither key nor secret"
	fi
done

# A config file holding them that others can read draws a warning.
mkdir -p "$T/config/savepage"
printf 'api_url = %s\nkey = %s\nsecret = %s\n' "$API" "$KEY" "$SECRET" >"$T/config/savepage/config"
chmod 644 "$T/config/savepage/config"
env -u SAVEPAGE_NO_CONFIG -u SAVEPAGE_KEY -u SAVEPAGE_SECRET -u SAVEPAGE_API_URL \
	"$SAVEPAGE" --api --no-cache -o "$T/cf.jpg" https://example.org/cf 2>"$T/err"
expect_err "chmod 600"
check "the config file's key works" test -s "$T/cf.jpg"
chmod 600 "$T/config/savepage/config"
env -u SAVEPAGE_NO_CONFIG -u SAVEPAGE_KEY -u SAVEPAGE_SECRET -u SAVEPAGE_API_URL \
	"$SAVEPAGE" --api --no-cache -o "$T/cf2.jpg" https://example.org/cf 2>"$T/err"
check "no warning once private" test ! -s "$T/err"

# TLS: an endpoint with a certificate nobody vouches for is refused, unless
# --api-insecure, which says loudly what it gives up.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls.key" -out "$T/tls.crt" 2>/dev/null
python3 "$top_srcdir/tests/api_server.py" --account "$KEY:$SECRET:2" --imgprobe "$PROBE" \
	--tls "$T/tls.crt" "$T/tls.key" --port-file "$T/tls-port" --log "$T/tls.jsonl" &
API_PID="$API_PID $!"
wait_file "$T/tls-port" || fail "the HTTPS stand-in did not start"
TLSAPI="https://127.0.0.1:$(cat "$T/tls-port")/v1/"
SAVEPAGE_API_URL=$TLSAPI sp --api --no-cache -o "$T/tls.jpg" https://example.org/
expect_rc 3
expect_err "cannot reach the API: SSL certificate problem"
check "nothing was sent over the unchecked connection" test ! -s "$T/tls.jsonl"
SAVEPAGE_API_URL=$TLSAPI sp --api --api-insecure --no-cache -o "$T/tls.jpg" https://example.org/
expect_rc 0
expect_err "NOT checked"
expect_probe "$T/tls.jpg" "jpeg 1440 900"

# Proxies: libcurl's usual environment variables are honoured.
reset_log
http_proxy="http://127.0.0.1:$(cat "$T/api-port")" SAVEPAGE_API_URL=http://api.invalid/v1/ \
	sp --api --no-cache -o "$T/px.jpg" https://example.org/
expect_rc 0
check "the request went through the proxy" test "$(apilog 'L[-1]["path"][:25]')" = "http://api.invalid/v1/"

# A render that never ends is cut off (--timeout plus a few seconds' grace).
sp --api --no-cache --timeout 1 --retries 0 -o "$T/stall.jpg" https://example.org/stall
expect_rc 1
expect_err "timed out"

# At most -j requests at once (an account with ten workers).
reset_log
printf 'https://example.org/slow/par%s\n' 1 2 3 4 5 6 >"$T/par.txt"
SAVEPAGE_KEY=wide sp --api --no-cache -j 3 -o "$T/par" -i "$T/par.txt"
expect_rc 0
check "three renders at once, never more" test "$(apilog 'max(e.get("busy", 0) for e in L)')" = 3
reset_log
SAVEPAGE_KEY=wide sp --api --no-cache -o "$T/seq" https://example.org/slow/seq1 \
	https://example.org/slow/seq2 https://example.org/slow/seq3
expect_rc 0
check "without -j, one request at a time" test "$(apilog 'max(e.get("busy", 0) for e in L)')" = 1

# No API to reach, no endpoint, no key.
SAVEPAGE_API_URL=http://127.0.0.1:1/ sp --api --no-cache -o "$T/u.jpg" https://example.org/
expect_rc 3
expect_err "cannot reach the API"
SAVEPAGE_API_URL= sp --api -o "$T/u.jpg" https://example.org/
expect_rc 2
expect_err "needs the endpoint"
SAVEPAGE_KEY= sp --api -o "$T/u.jpg" https://example.org/
expect_rc 2
expect_err "needs the API key"

finish
