#!/bin/sh
# savepage --api against savepage serve: the CLI's --api behaviours
# (e2e-api.sh and api-errors.sh run them against the stand-in of the
# hosted API) with a real server at the other end. What the client saves is
# what the command line renders itself with the same options; every error
# of the contract the server produces reaches the user as the stand-in's
# does (the batch stops, or that URL fails, or the client backs off); and
# the server's keys file limits (allow=, per_minute=, monthly=, --per-ip)
# are the ones the client meets.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
SECRET=s3cr3t-w0rd
md5() { printf '%s' "$1" | md5sum | cut -c1-32; }
cat >"$T/keys" <<KEYS
k3y    $SECRET  workers=2
slow1  $SECRET  workers=1
lim    $SECRET  per_minute=2
mon    $SECRET  monthly=1
ipr    $SECRET  allow=192.0.2.0/24,2001:db8::/32
here   $SECRET  allow=127.0.0.0/8,::1
pm1    $SECRET  workers=1 per_minute=4
KEYS
start_serve --workers 3 --keys "$T/keys" --allow-private --usage "$T/usage"
export SAVEPAGE_KEY=k3y SAVEPAGE_SECRET="$SECRET" SAVEPAGE_API_URL="$SERVE"
# served CODE: how many requests the server's access log shows answered so.
served() { grep -c "\"[A-Z]* /\" $1 " "$T/serve.err"; }
# same A B: two images of one size and the same pixels.
same() {
	[ "$(probe "$1")" = "$(probe "$2")" ] && [ "$("$PROBE" diff "$1" "$2" | cut -d' ' -f2)" = 0 ]
}

# One URL: what the API answers is what the command line renders.
sp --api -W 400 -H 300 -f png -o "$T/api.png" "$BASE/quad.html"
expect_rc 0
sp --no-cache -W 400 -H 300 -f png -o "$T/local.png" "$BASE/quad.html"
check "--api through serve: the same image as rendered here" same "$T/api.png" "$T/local.png"
expect_pixel "$T/api.png" 300 225 "255 255 0" 0

# Every option under its API name, sent by POST: the page is asked for
# with them, and the image is the one the same flags give here.
: >"$T/requests.jsonl"
opts="-W 800 -H 600 -F -T 400 -d 0.5 --nocookie --noads -A Bot/1.0(x;y=1) -L de-DE --maxage 60 -r 100 -f png"
# shellcheck disable=SC2086
sp --api $opts -b 'SID=a b; q=5' -o "$T/o.png" "$BASE/vh.html?a=b&c=d"
expect_rc 0
check "the user agent reached the page" grep -q '"user-agent": "Bot/1.0(x;y=1)"' "$T/requests.jsonl"
check "the language reached the page" grep -q '"accept-language": "de-DE' "$T/requests.jsonl"
check "the cookie reached the page" grep -q '"cookie": "SID=a b; q=5"' "$T/requests.jsonl"
check "q arrived whole" grep -q '"path": "/vh.html?a=b&c=d"' "$T/requests.jsonl"
# shellcheck disable=SC2086
sp --no-cache $opts -b 'SID=a b; q=5' -o "$T/o-local.png" "$BASE/vh.html?a=b&c=d"
check "every option: the same image as here ($(probe "$T/o.png"))" same "$T/o.png" "$T/o-local.png"
check "thumb_width made it 400 wide" test "$(probe "$T/o.png" | cut -d' ' -f2)" = 400

# --api-get: a GET; q with reserved characters arrives whole.
: >"$T/requests.jsonl"
sp --api --api-get --no-cache -W 300 -H 200 -o "$T/g.jpg" "$BASE/page/get?x=1&y=2#frag"
expect_rc 0
expect_probe "$T/g.jpg" "jpeg 300 200"
check "a GET was answered" grep -q '"GET /" 200 ' "$T/serve.err"
check "q arrives whole by GET" grep -q '"path": "/page/get?x=1&y=2"' "$T/requests.jsonl"

# --hash: a precomputed hash is checked as the secret's would be.
SAVEPAGE_SECRET= sp --api --no-cache --hash "$(md5 "$BASE/page/h$SECRET")" -W 300 -H 200 \
	-o "$T/h.jpg" "$BASE/page/h"
expect_rc 0
expect_probe "$T/h.jpg" "jpeg 300 200"

# Errors that stop the batch: one message, the rest not sent.
printf "$BASE/page/b%s\n" 1 2 3 4 5 >"$T/five.txt"
SAVEPAGE_KEY=wrong sp --api --no-cache -j 1 -o "$T/bad" --report "$T/bad.jsonl" -i "$T/five.txt"
expect_rc 3
expect_err "461 Cannot verify the API Key"
check "no more requests after the 461" test "$(served 461)" = 1
check "every URL reported" test "$(grep -c '"error_code":461' "$T/bad.jsonl")" = 5
SAVEPAGE_SECRET=nope sp --api --no-cache -j 1 -o "$T/bad" -i "$T/five.txt"
expect_rc 3
expect_err "471 Invalid security hash"
check "no more requests after the 471" test "$(served 471)" = 1
SAVEPAGE_KEY=ipr sp --api --no-cache -j 1 -o "$T/bad" -i "$T/five.txt"
expect_rc 3
expect_err "472 IP restricted"
check "no more requests after the 472" test "$(served 472)" = 1
call -H "X-Forwarded-For: 192.0.2.9" "$SERVE?key=ipr&q=$BASE/page/b1&hash=$(md5 "$BASE/page/b1$SECRET")"
expect_api_error "X-Forwarded-For from a client not of --real-ip-from" "IP restricted, access denied"
SAVEPAGE_KEY=here sp --api --no-cache -W 300 -H 200 -o "$T/here.jpg" "$BASE/page/here"
expect_rc 0
check "a key allowed from 127.0.0.0/8 is served" test -s "$T/here.jpg"
SAVEPAGE_KEY=lim sp --api --no-cache -j 1 -W 300 -H 200 -o "$T/lim" --report "$T/lim.jsonl" \
	-i "$T/five.txt"
expect_rc 1
expect_err "482 Too many requests, limit exceeded"
check "per_minute=2: two saved, then the batch stops" \
	test "$(ls "$T/lim" | wc -l):$(served 482)" = "2:1"
SAVEPAGE_KEY=mon sp --api --no-cache -j 1 -W 300 -H 200 -o "$T/mon" -i "$T/five.txt"
expect_rc 1
expect_err "483 Too many screenshots"
check "monthly=1: one saved, then the batch stops" test "$(ls "$T/mon" | wc -l):$(served 483)" = "1:1"

# The month's count outlives the server (and the file names no key).
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=
check "the usage file is written, and names no key" \
	sh -c "test -s '$T/usage' && ! grep -qw -e k3y -e mon -e $SECRET '$T/usage'"
start_serve --workers 3 --keys "$T/keys" --allow-private --usage "$T/usage" --per-ip 3/s \
	--real-ip-from 127.0.0.1
export SAVEPAGE_API_URL="$SERVE"
# Behind a proxy of --real-ip-from, the client is the address its
# X-Forwarded-For ends with: allow= and the access log see that one.
q="$BASE/page/xff"
h=$(md5 "$q$SECRET")
call -H "X-Forwarded-For: 203.0.113.5, 192.0.2.9" "$SERVE?key=ipr&q=$q&hash=$h&width=300&height=200"
check "a client of 192.0.2.0/24 through the proxy: 200 ($CODE)" test "$CODE" = 200
check "the access log names the client" grep -q '^192.0.2.9 "GET /" 200' "$T/serve.err"
call -H "X-Forwarded-For: 192.0.2.9, 203.0.113.5" "$SERVE?key=ipr&q=$q&hash=$h&width=300&height=200"
expect_api_error "an address the client wrote first is not believed" "IP restricted, access denied"
call -H "X-Forwarded-For: 203.0.113.5, 192.0.2.9:5678" "$SERVE?key=ipr&q=$q&hash=$h&width=300&height=200"
check "an address with a port: 200 ($CODE)" test "$CODE" = 200
call "$SERVE?key=here&q=$q&hash=$h&width=300&height=200"
expect_api_error "a proxy that names no client is not taken for one" "IP restricted, access denied"
check "the access log says so" grep -q '^unknown(via 127.0.0.1) "GET /" 472' "$T/serve.err"
SAVEPAGE_KEY=mon sp --api --no-cache -W 300 -H 200 -o "$T/mon2.jpg" "$BASE/page/mon2"
expect_rc 3
expect_err "483 Too many screenshots"

# Errors for one URL: the rest of the batch goes on.
sp --api --no-cache -W 300 -H 200 -o "$T/mixed" --report "$T/mixed.jsonl" "$BASE/page/fine" \
	http://127.0.0.1:1/ ftp://example.org/x
expect_rc 1
expect_err "127.0.0.1:1/: 490 Rendering error"
check "490 tried twice (--retries 1)" test "$(served 490)" = 2
check "the good URL was saved" test "$(grep -c '"status":"ok"' "$T/mixed.jsonl")" = 1

# 491: a cached image the server cannot read; the client asks again with
# refresh=-1 and the server renders it anew.
sp --api --no-cache -W 300 -H 200 -o "$T/c1.jpg" "$BASE/page/cached"
entry=$(grep -l "\"$BASE/page/cached\"" $(find "$T/cache" -name '*.json') | head -1)
img="${entry%.json}.jpg"
head -c 100 "$img" >"$T/cut" && cp "$T/cut" "$img"
sp --api --no-cache -W 300 -H 200 -o "$T/c2.jpg" "$BASE/page/cached"
expect_rc 0
expect_probe "$T/c2.jpg" "jpeg 300 200"
check "491, then rendered again (refresh=-1)" test "$(served 491)" = 1
check "the server's cache holds a whole image again" test "$(wc -c <"$img")" -gt 100

# 481 (the key's one worker busy) and 474 (--per-ip 3/s): backed off, then
# served.
printf "$BASE/slow?ms=600&c=%s\n" red green blue navy >"$T/four.txt"
SAVEPAGE_KEY=slow1 sp --api --no-cache -j 3 -W 300 -H 200 -o "$T/busy" -i "$T/four.txt"
expect_rc 0
check "481s were answered ($(served 481))" test "$(served 481)" -ge 1
check "all four saved" test "$(ls "$T/busy" | wc -l)" = 4
check "never more than one render at once" \
	test "$(python3 -c 'import json,sys; print(max(json.loads(l).get("inflight", 1) for l in open(sys.argv[1]) if "/slow" in l))' "$T/requests.jsonl")" = 1
# per_minute=4 with one worker and -j 3: the 481s the client backs off
# from cost no token, so the four are saved.
printf "$BASE/slow?ms=400&c=%s\n" olive teal maroon purple >"$T/pm.txt"
SAVEPAGE_KEY=pm1 sp --api --no-cache -j 3 -W 300 -H 200 -o "$T/pm" -i "$T/pm.txt"
expect_rc 0
check "per_minute=4: four saved despite the 481s ($(served 481))" test "$(ls "$T/pm" | wc -l)" = 4
sleep 1.5 # --per-ip's bucket fills again
printf "$BASE/page/b%s\n" 1 2 3 4 5 6 7 8 >"$T/eight.txt"
before=$(served 474)
sp --api -j 4 -W 300 -H 200 -o "$T/ip" -i "$T/eight.txt"
expect_rc 0
check "474s were answered ($(served 474) after $before)" test "$(served 474)" -gt "$before"
check "all eight saved" test "$(ls "$T/ip" | wc -l)" = 8

# The client's cache revalidates with the server: a copy older than the
# client's -r (a day by default), which the server's own (kept a month)
# is no newer than, is asked for with If-Modified-Since and kept on a 304.
sp --api -W 300 -H 200 --report "$T/r1.jsonl" -o "$T/k1.jpg" "$BASE/page/reval"
for meta in $(grep -l "\"$BASE/page/reval\"" $(find "$T/cache" -name '*.json')); do
	touch -d '2 days ago' "${meta%.json}.jpg" # the client's copy and the server's
done
sp --api -W 300 -H 200 --report "$T/r2.jsonl" -o "$T/k2.jpg" "$BASE/page/reval"
expect_rc 0
check "stale here: revalidated with a 304" \
	sh -c "grep -q '\"source\":\"revalidated\"' '$T/r2.jsonl' && test $(served 304) = 1"
check "the same image" cmp -s "$T/k1.jpg" "$T/k2.jpg"

# The key and secret never show in the server's log.
check "the server's log shows no key or secret" \
	sh -c "! grep -q -e 'k3y' -e '$SECRET' '$T/serve.err'"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
RC=$?
SERVE_PID=
expect_rc 0

# Usage errors of the keys file and the options.
printf 'k1 s per_minute=0\n' >"$T/badkeys"
sp serve --keys "$T/badkeys"
expect_rc 2
expect_err "line 1: per_minute= is not a whole number"
printf 'k1 s allow=10.0.0.0/33\n' >"$T/badkeys"
sp serve --keys "$T/badkeys"
expect_rc 2
expect_err "line 1: allow= is not a list of addresses"
printf 'k1 s colour=red\n' >"$T/badkeys"
sp serve --keys "$T/badkeys"
expect_rc 2
expect_err "only workers=, per_minute=, monthly= and allow="
sp serve --per-ip 5/day
expect_rc 2
expect_err "--per-ip: '5/day'"
sp serve --real-ip-from 10.0.0.0/8,nope
expect_rc 2
expect_err "--real-ip-from: 'nope'"
printf 'garbage\n' >"$T/badusage"
printf 'k1 s\n' >"$T/goodkeys"
sp serve --keys "$T/goodkeys" --usage "$T/badusage"
expect_rc 2
expect_err "badusage: line 1"
expect_no_browser_left
finish
