#!/bin/sh
# Many URLs: input files and stdin, -j workers, directories and --name,
# archives of every kind with a manifest, --report, isolation between URLs,
# progress and verbosity.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

# A URL list with comments, blank lines, a duplicate (after normalising) and
# an invalid line.
cat >"$T/urls.txt" <<EOF2
# pages to capture
$BASE/page/one

$BASE/page/two
  $BASE/page/three
HTTP://127.0.0.1:$PORT/page/one
ftp://not-supported/
$BASE/page/four
EOF2

sp -j 4 -o "$T/shots/" -i "$T/urls.txt"
expect_rc 1
expect_err "ftp://not-supported/: 462 Invalid or blank URL sent"
n=$(ls "$T/shots" | grep -c '\.jpg$')
check "four pages in shots/ ($n)" test "$n" = 4
check "the duplicate was fetched once" test "$(grep -c '"/page/one"' "$T/requests.jsonl")" = 1
for f in "$T"/shots/*.jpg; do
	expect_probe "$f" "jpeg 1440 900"
done
check "names come from the URL" test -e "$(ls "$T"/shots/127.0.0.1_page_two-*.jpg)"

# Standard input, an archive by extension, and workers really in parallel.
: >"$T/requests.jsonl"
for i in 1 2 3 4 5 6 7 8; do echo "$BASE/slow?ms=600&i=$i"; done >"$T/slow.txt"
grep -v '^#' "$T/slow.txt" | "$SAVEPAGE" -j 4 -a "$T/a.tar.gz" -i - 2>"$T/err"
RC=$?
expect_rc 0
python3 - "$T/requests.jsonl" <<'PY' >"$T/inflight"
import json, sys
print(max(json.loads(l).get("inflight", 0) for l in open(sys.argv[1])))
PY
check "-j 4: four requests in flight at once (saw $(cat "$T/inflight"))" test "$(cat "$T/inflight")" = 4
tar -tzf "$T/a.tar.gz" >"$T/list" || fail "tar.gz does not list"
check "tar.gz: 8 images and a manifest" test "$(grep -c '\.jpg$' "$T/list")" = 8 -a "$(grep -c '^manifest.jsonl$' "$T/list")" = 1
check "no temporary archive left" test -z "$(ls -A "$T" | grep '^\.a\.tar')"

: >"$T/requests.jsonl"
sp --no-cache -j 1 -a "$T/one.tar" -i "$T/slow.txt"
python3 - "$T/requests.jsonl" <<'PY' >"$T/inflight"
import json, sys
print(max(json.loads(l).get("inflight", 0) for l in open(sys.argv[1])))
PY
check "-j 1: one request at a time (saw $(cat "$T/inflight"))" test "$(cat "$T/inflight")" = 1

# Each archive type, checked by an independent reader, entries dated at render time.
before=$(date +%s)
for ext in tar tar.gz tgz tar.zst zip; do
	sp -j 3 -a "$T/out.$ext" "$BASE/page/a" "$BASE/page/b" "$BASE/page/c"
	expect_rc 0
	python3 - "$T/out.$ext" "$T/x" "$before" <<'PY' && ok "$ext archive: 3 images, manifest, dates" || fail "$ext archive"
import io, json, os, subprocess, sys, tarfile, zipfile, time
path, tmp, before = sys.argv[1], sys.argv[2], int(sys.argv[3])
entries = {}
if path.endswith(".zip"):
    z = zipfile.ZipFile(path)
    for i in z.infolist():
        entries[i.filename] = (z.read(i), time.mktime(i.date_time + (0, 0, -1)))
else:
    data = open(path, "rb").read()
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc"], input=data, stdout=subprocess.PIPE, check=True).stdout
    t = tarfile.open(fileobj=io.BytesIO(data))
    for m in t.getmembers():
        entries[m.name] = (t.extractfile(m).read(), m.mtime)
imgs = [n for n in entries if n.endswith(".jpg")]
assert len(imgs) == 3, entries.keys()
man = [json.loads(l) for l in entries["manifest.jsonl"][0].decode().splitlines()]
assert len(man) == 3 and all(m["status"] == "ok" for m in man), man
import hashlib
for m in man:
    body, mtime = entries[m["file"]]
    assert body[:3] == b"\xff\xd8\xff"
    assert hashlib.sha256(body).hexdigest() == m["sha256"], m
    assert len(body) == m["bytes"] and m["width"] == 1440 and m["height"] == 900
    assert abs(mtime - before) < 120, (mtime, before)
PY
done

# A tar on standard output.
"$SAVEPAGE" -a - "$BASE/page/x" "$BASE/page/y" 2>"$T/err" | tar -tf - >"$T/list"
check "-a -: a tar on stdout with 2 images" test "$(grep -c '\.jpg$' "$T/list")" = 2

# --report as URLs finish, failures included; names from a template; collisions.
sp -j 2 --report "$T/run.jsonl" -n 'same.{ext}' -o "$T/named" "$BASE/page/p" "$BASE/page/q" "$BASE/page/r" "bad url" "http://nonexistent.invalid/"
expect_rc 1
check "collisions resolved" test -e "$T/named/same.jpg" -a -e "$T/named/same-2.jpg" -a -e "$T/named/same-3.jpg"
python3 - "$T/run.jsonl" "$T/named" <<'PY' && ok "report: 5 lines, right fields, sha256 of the files" || fail "report: $(cat "$T/run.jsonl")"
import hashlib, json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 5, lines
by = {l["input"]: l for l in lines}
bad = by["bad url"]
assert bad["status"] == "failed" and bad["error_code"] == 462 and bad["file"] is None
dns = by["http://nonexistent.invalid/"]
assert dns["status"] == "failed" and dns["error_code"] == 490 and "not found" in dns["error"]
for l in lines:
    if l["status"] == "ok":
        body = open(l["file"], "rb").read()
        assert hashlib.sha256(body).hexdigest() == l["sha256"]
        assert l["http_status"] == 200 and l["bytes"] == len(body) and l["seconds"] > 0
        assert l["rendered_at"].endswith("Z") and l["attempts"] == 1
PY
sp -n '{n}-{w}x{h}.{ext}' -o "$T/byline" -i "$T/urls.txt"
check "{n} is the input line" test -e "$T/byline/2-1440x900.jpg" -a -e "$T/byline/4-1440x900.jpg" -a -e "$T/byline/5-1440x900.jpg" -a -e "$T/byline/8-1440x900.jpg"
sp -n '{host}/{n}.{ext}' -o "$T/sub" "$BASE/page/s1" "$BASE/page/s2"
check "a / in the template makes directories" test -e "$T/sub/127.0.0.1/1.jpg" -a -e "$T/sub/127.0.0.1/2.jpg"
sp -n '../../{n}.{ext}' -o "$T/esc" "$BASE/page/e1" "$BASE/page/e2"
check "names cannot climb out of the directory" test -e "$T/esc/1.jpg" -a ! -e "$T/1.jpg"

# Isolation: cookies and storage set by one URL are not seen by the next.
: >"$T/requests.jsonl"
sp -j 1 -d 0.2 -f png -n '{n}.{ext}' -o "$T/iso" "$BASE/isolation.html?set" "$BASE/isolation.html?read"
expect_rc 0
expect_pixel "$T/iso/2.png" 700 450 "255 255 255" 0   # the page found nothing
python3 - "$T/requests.jsonl" <<'PY' && ok "no cookie or storage passed between URLs" || fail "isolation: $(grep isolation "$T/requests.jsonl")"
import json, sys, urllib.parse
for l in open(sys.argv[1]):
    e = json.loads(l)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(e["path"]).query, keep_blank_values=True))
    if e["path"].startswith("/beacon") and q.get("mode") == "set":
        assert q["cookie"] == "leak=1" and q["local"] == "1", q   # the page could set them
    if e["path"].startswith("/beacon") and q.get("mode") == "read":
        assert q["cookie"] == "" and q["local"] == "", q
    if e["path"] == "/isolation.html?read":
        assert "cookie" not in e["headers"], e
PY

# --shared-session: one session for the run. What page 1 stored, page 2
# finds (and shows: green); a page of the same document with another
# #fragment is loaded afresh; a failed URL's tab is not used again; two
# workers share it too.
: >"$T/requests.jsonl"
sp -vv --shared-session -j 1 -f png -n '{n}.{ext}' -o "$T/shared" "$BASE/isolation.html?set" \
	"$BASE/isolation.html?read" "$BASE/isolation.html?read#again" http://127.0.0.1:9/refused \
	"$BASE/isolation.html?read#after"
expect_rc 1
expect_err '127.0.0.1:9/refused'
expect_pixel "$T/shared/2.png" 700 450 "0 255 0" 0
check "a tab went on to the next URL" grep -q 'in the tab of an earlier page' "$T/err"
expect_pixel "$T/shared/3.png" 700 450 "0 255 0" 0
expect_pixel "$T/shared/5.png" 700 450 "0 255 0" 0
check "the #fragment page was loaded, not scrolled to" \
	test "$(grep -c '"/beacon?mode=read&cookie=leak%3D1&local=1"' "$T/requests.jsonl")" = 3
python3 - "$T/requests.jsonl" <<'PY' && ok "page 2 sent page 1's cookie" || fail "shared session: $(grep isolation "$T/requests.jsonl")"
import json, sys
reads = [json.loads(l) for l in open(sys.argv[1]) if '"/isolation.html?read"' in l]
assert reads and all(e["headers"].get("cookie") == "leak=1" for e in reads), reads
PY
sp --shared-session -j 2 -f png -n '{n}.{ext}' -o "$T/shared2" "$BASE/isolation.html?set" \
	"$BASE/slow?ms=600" "$BASE/isolation.html?read"
expect_rc 0
expect_pixel "$T/shared2/3.png" 700 450 "0 255 0" 0
# A kept tab is where its page went (here redirected), so the same page
# with a #fragment is loaded in another, not jumped to in that one.
: >"$T/requests.jsonl"
sp -v --shared-session -j 1 -f png -o "$T/shared5" "$BASE/redirect?to=/page/rf" "$BASE/page/rf#part"
expect_rc 0
check "the redirected-to page was loaded twice" \
	test "$(grep -c '"/page/rf"' "$T/requests.jsonl")" = 2
check "... in a new tab at once, not after a failed try" sh -c "! grep -q 'trying again' '$T/err'"
# A kept tab's Fetch patterns follow each URL's own host (--header).
: >"$T/requests.jsonl"
sp --shared-session -j 1 --header 'X-Shared: 1' -o "$T/shared6" "$BASE/page/h1" \
	"http://localhost:$PORT/page/h2" "$BASE/page/h3"
expect_rc 0
python3 - "$T/requests.jsonl" <<'PY' && ok "--header on each URL's own host, tab after tab" || fail "--header in a shared session: $(grep '/page/h' "$T/requests.jsonl")"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if '"/page/h' in l]
assert len(docs) == 3 and all(e["headers"].get("x-shared") == "1" for e in docs), docs
PY
# --cookie is set once: after that the cookie is the session's, and a page
# that changes it is believed (isolation.html?set sets leak=1).
: >"$T/requests.jsonl"
sp --shared-session -j 1 --cookie 'leak=0' -f png -n '{n}.{ext}' -o "$T/shared3" \
	"$BASE/isolation.html?read" "$BASE/isolation.html?set" "$BASE/isolation.html?read#2"
expect_rc 0
python3 - "$T/requests.jsonl" <<'PY' && ok "--cookie sent first, then the page's own value" || fail "--cookie in a shared session: $(grep isolation "$T/requests.jsonl")"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if '"/isolation.html?' in l]
assert [e["headers"].get("cookie") for e in docs] == ["leak=0", "leak=0", "leak=1"], docs
PY
# In the config file too; keyed apart in the cache (a page may look
# otherwise with the cookies of the pages before it); not the API's.
mkdir -p "$T/config/savepage"
printf 'shared-session = yes\n' >"$T/config/savepage/config"
sp_config -j 1 -f png -n '{n}.{ext}' -o "$T/shared4" "$BASE/isolation.html?set" "$BASE/isolation.html?read"
expect_rc 0
expect_pixel "$T/shared4/2.png" 700 450 "0 255 0" 0
rm -f "$T/config/savepage/config"
CD="$T/sscache"
sp --cache-dir "$CD" -f png -o "$T/ss1.png" "$BASE/page/sskey"
sp --cache-dir "$CD" --shared-session -f png -o "$T/ss2.png" "$BASE/page/sskey"
sp --cache-dir "$CD" --shared-session -f png -o "$T/ss3.png" "$BASE/page/sskey"
check "--shared-session has cache entries of its own" \
	test "$(grep -c '"/page/sskey"' "$T/requests.jsonl")" = 2 -a -s "$T/ss3.png"
sp --api --api-url http://127.0.0.1:9/ --key k --shared-session -o "$T/ssapi.png" "$BASE/quad.html"
expect_rc 2
expect_err 'shared_session'
check "no image for a refused option" test ! -e "$T/ssapi.png"

# Messages: quiet when all is well and stderr is not a terminal; -v logs each
# URL; --progress forces the progress line; -s hides warnings.
sp -j 2 -o "$T/m" "$BASE/page/m1" "$BASE/page/m2"
check "nothing on stderr for a good run" test ! -s "$T/err"
sp -v -j 2 -o "$T/m" "$BASE/page/m1" "$BASE/page/m2"
check "-v logs each URL" test "$(grep -c '1440x900 jpeg' "$T/err")" = 2
sp --progress -j 2 -o "$T/m" "$BASE/page/m1" "$BASE/page/m2" "$BASE/page/m3"
check "--progress draws done/total" grep -q '3/3  0 failed' "$T/err"
sp -s -o "$T/m" "$BASE/status/404" "$BASE/page/m4"
check "-s: no warning for a 404 page" test ! -s "$T/err"
expect_no_browser_left
finish
