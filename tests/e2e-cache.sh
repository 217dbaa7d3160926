#!/bin/sh
# The cache: a second run needs no browser; freshness by mtime (--refresh);
# -r -1; --no-cache; keys split by pixel options only; secrets never in the
# clear; damaged entries never served; an unusable cache is a warning;
# overlapping runs render each entry once; housekeeping commands.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
C="$T/cache/savepage"
count() { grep -c "\"$1\"" "$T/requests.jsonl"; }

sp -o "$T/a.jpg" "$BASE/page/one"
expect_rc 0
check "first run rendered (1 request)" test "$(count /page/one)" = 1
check "an entry is stored" test "$(ls "$C"/*/*.jpg | wc -l)" = 1
# The second run is served from the cache: no request, and no browser at all
# (a browser that cannot start would fail the run).
sp --browser /bin/false -v -o "$T/b.jpg" "$BASE/page/one"
expect_rc 0
expect_err "from the cache"
check "no request for a cached page" test "$(count /page/one)" = 1
check "the cached image is the same" cmp -s "$T/a.jpg" "$T/b.jpg"

# Freshness by the image file's mtime.
img=$(ls "$C"/*/*.jpg)
touch -d '2 hours ago' "$img"
sp --browser /bin/false -r 10800 -o "$T/c.jpg" "$BASE/page/one"
expect_rc 0
check "younger than --refresh: served" test "$(count /page/one)" = 1
sp -r 3600 -o "$T/c.jpg" "$BASE/page/one"
expect_rc 0
check "older than --refresh: rendered again" test "$(count /page/one)" = 2
check "the entry's mtime is the new render time" test "$(($(date +%s) - $(stat -c %Y "$img")))" -lt 60
sp -r -1 -o "$T/c.jpg" "$BASE/page/one"
check "-r -1 always renders" test "$(count /page/one)" = 3
sp -r 0 -o "$T/c.jpg" "$BASE/page/one"
check "-r 0 always renders" test "$(count /page/one)" = 4

# --no-cache neither reads nor writes.
sp --no-cache -o "$T/d.jpg" "$BASE/page/one"
check "--no-cache renders although cached" test "$(count /page/one)" = 5
sp --no-cache -o "$T/d.jpg" "$BASE/page/nocache"
check "--no-cache stores nothing" test "$(ls "$C"/*/*.jpg | wc -l)" = 1

# Keys: pixel options split the cache; others don't.
sp -W 800 -o "$T/e.jpg" "$BASE/page/one"
check "another width is another entry" test "$(count /page/one)" = 6
sp -j 5 --timeout 20 --retries 3 -W 800 -o "$T/e2.jpg" "$BASE/page/one"
check "-j, --timeout, --retries don't split it" test "$(count /page/one)" = 6
sp -f png -W 800 -o "$T/e.png" "$BASE/page/one"
sp -f png -q 20 -W 800 -o "$T/e2.png" "$BASE/page/one"
check "JPEG quality doesn't split PNG entries" test "$(count /page/one)" = 7

# Cookies never in the clear, in files or listings.
sp -b 'SID=topsecret42' -o "$T/f.jpg" "$BASE/page/one"
expect_rc 0
check "the cookie is in no cache file" sh -c "! grep -r -q topsecret42 '$C'"
"$SAVEPAGE" cache list >"$T/list" 2>&1
check "nor in the listing" sh -c "! grep -q topsecret42 '$T/list'"
check "the listing shows the URL and options" grep -q "page/one  width=1440 height=900" "$T/list"

# A damaged entry (a crash, a full disk) is never served.
sp -o "$T/g.jpg" "$BASE/page/damaged"
img=$(grep -l '/page/damaged' "$C"/*/*.json | sed 's/\.json$/.jpg/')
head -c 500 "$img" >"$T/half" && cat "$T/half" >"$img"
sp -o "$T/g2.jpg" "$BASE/page/damaged"
expect_rc 0
check "a truncated entry is rendered again" test "$(count /page/damaged)" = 2
expect_probe "$T/g2.jpg" "jpeg 1440 900"
check "and repaired" test "$(stat -c %s "$img")" -gt 500

# An unusable cache is a warning, not a failure.
: >"$T/notadir"
sp --cache-dir "$T/notadir/sub" -o "$T/h.jpg" "$BASE/page/one"
expect_rc 0
expect_err "cache cannot be used"
expect_probe "$T/h.jpg" "jpeg 1440 900"

# Two overlapping runs (cron jobs) on the same slow pages: every entry is
# rendered once, and both runs have every image.
for i in 1 2 3 4 5 6; do echo "$BASE/slow?ms=700&o=$i"; done >"$T/slow.txt"
"$SAVEPAGE" -j 3 -o "$T/run1" -i "$T/slow.txt" 2>"$T/err1" &
p1=$!
sleep 0.3
"$SAVEPAGE" -j 3 -o "$T/run2" -i "$T/slow.txt" 2>"$T/err2" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "both runs succeed ($r1, $r2)" test "$r1" = 0 -a "$r2" = 0
check "each page rendered once ($(grep -c '"/slow?ms=700&o=' "$T/requests.jsonl") requests)" \
	test "$(grep -c '"/slow?ms=700&o=' "$T/requests.jsonl")" = 6
check "both runs have six images" test "$(ls "$T/run1" | wc -l)" = 6 -a "$(ls "$T/run2" | wc -l)" = 6
check "no temporary file left in the cache" test -z "$(find "$C" -name '.*')"

# A batch that is all cached starts no browser and is quick.
for i in $(seq 1 40); do echo "$BASE/page/batch$i"; done >"$T/batch.txt"
sp -j 6 -o "$T/batch1" -i "$T/batch.txt"
expect_rc 0
sp --browser /bin/false --report "$T/batch.jsonl" -a "$T/batch.tar" -i "$T/batch.txt"
expect_rc 0
check "40 images in the archive, no browser" test "$(tar -tf "$T/batch.tar" | grep -c '\.jpg$')" = 40
check "the report says they came from the cache" test "$(grep -c '"source":"cached"' "$T/batch.jsonl")" = 40

# Housekeeping.
n=$("$SAVEPAGE" cache list | tail -1 | cut -d' ' -f1)
check "cache list counts the entries ($n)" test "$n" -ge 45
check "cache path" test "$("$SAVEPAGE" cache path)" = "$C"
old=$(grep -l '/page/batch1"' "$C"/*/*.json | sed 's/\.json$/.jpg/')
touch -d '3 days ago' "$old"
"$SAVEPAGE" cache prune --older-than 86400 >"$T/out"
check "prune --older-than removed one ($(cat "$T/out"))" grep -q "^removed 1 of" "$T/out"
"$SAVEPAGE" cache prune --max-size 100K >"$T/out"
check "prune --max-size 100K ($(cat "$T/out"))" test "$(find "$C" -name '*.jpg' -printf '%s\n' | awk '{s+=$1} END {print s+0}')" -le 102400
"$SAVEPAGE" cache prune >"$T/out" 2>&1
check "prune needs a limit" test $? = 2
"$SAVEPAGE" cache clear >"$T/out"
check "cache clear empties it" test -z "$(find "$C" -name '*.jpg' -o -name '*.json')"
"$SAVEPAGE" cache frobnicate >"$T/out" 2>&1
check "an unknown cache command is a usage error" test $? = 2
finish
