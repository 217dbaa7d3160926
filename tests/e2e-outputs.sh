#!/bin/sh
# -f webp and -f pdf: what Chrome encodes or prints, and what savepage
# encodes itself (thumbnails, stitched tall pages), through files, archives,
# the cache and reports; the options that go only with a PDF.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

# WebP from the extension; Chrome encodes the viewport.
sp -W 800 -H 600 -o "$T/s.webp" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/s.webp" "webp 800 600"
expect_pixel "$T/s.webp" 200 150 "255 0 0"
expect_pixel "$T/s.webp" 600 150 "0 255 0"
expect_pixel "$T/s.webp" 200 450 "0 0 255"
expect_pixel "$T/s.webp" 600 450 "255 255 0"

# -q reaches WebP's encoder, Chrome's and savepage's own (a thumbnail).
sp -f webp -q 10 -o "$T/q10.webp" "file://$top_srcdir/examples/demo.html"
sp -f webp -q 95 -o "$T/q95.webp" "file://$top_srcdir/examples/demo.html"
s10=$(wc -c <"$T/q10.webp")
s95=$(wc -c <"$T/q95.webp")
check "WebP quality 10 ($s10 bytes) is smaller than quality 95 ($s95 bytes)" test "$s10" -lt "$s95"

# A thumbnail, encoded by libwebp.
sp -W 800 -H 600 -T 200 -f webp -o "$T/t.webp" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/t.webp" "webp 200 150"
expect_pixel "$T/t.webp" 50 37 "255 0 0"
expect_pixel "$T/t.webp" 150 112 "255 255 0"

# A tall page shot in two tiles and stitched into one WebP: every band in
# its place (band i is rgb(8i, 255-8i, 97i mod 256)).
sp -W 600 -H 500 -F -o "$T/tall.webp" "$BASE/tall.html?n=12"
expect_rc 0
expect_probe "$T/tall.webp" "webp 600 12000"
for i in 0 5 8 9 11; do
	expect_pixel "$T/tall.webp" 300 $((i * 1000 + 500)) "$((i * 8)) $((255 - i * 8)) $((i * 97 % 256))"
done
# Taller than WebP's 16383 px: cut there, and said.
sp -W 600 -H 500 -F -f webp -o "$T/cut.webp" "$BASE/tall.html?n=20"
expect_rc 0
expect_probe "$T/cut.webp" "webp 600 16383"
expect_err "cut at 16383 px"
# A thumbnail of that page is small enough for WebP: nothing cut.
sp -W 600 -H 500 -F -T 200 -f webp -o "$T/cut-thumb.webp" "$BASE/tall.html?n=20"
expect_rc 0
expect_probe "$T/cut-thumb.webp" "webp 200 6667"
check "a thumbnail of a page taller than WebP's limit is not cut" sh -c "! grep -q cut '$T/err'"

# Into an archive with a report; then again, from the cache.
printf '%s\n' "$BASE/quad.html" "$BASE/stripes.html" >"$T/urls"
sp -W 400 -H 300 -f webp -i "$T/urls" -a "$T/shots.tar" --report "$T/r1.jsonl"
expect_rc 0
check "the archive holds two .webp entries" \
	test "$(tar -tf "$T/shots.tar" | grep -c '\.webp$')" = 2
check "the report says webp" grep -q '"format":"webp","width":400,"height":300' "$T/r1.jsonl"
sp -W 400 -H 300 -f webp -i "$T/urls" -o "$T/dir" --report "$T/r2.jsonl"
check "a second run is served from the cache" test "$(grep -c '"source":"cached"' "$T/r2.jsonl")" = 2
for f in "$T"/dir/*.webp; do expect_probe "$f" "webp 400 300"; done

# PDF: the page printed with its backgrounds, A4 by default.
sp -o "$T/p.pdf" "$BASE/tall.html?n=3" --report "$T/p.jsonl"
expect_rc 0
expect_probe "$T/p.pdf" "pdf 596 842 3"
check "pdfinfo reads it" sh -c "pdfinfo '$T/p.pdf' | grep -q '^Pages: *3'"
pdftoppm -r 36 -f 1 -l 1 -png "$T/p.pdf" "$T/page"
expect_pixel "$T/page-1.png" 150 200 "0 255 0" 8      # band 0, printed background
check "the report says pdf" grep -q '"format":"pdf","width":596,"height":842' "$T/p.jsonl"
# Paper and orientation, also from the config file.
sp -f pdf --pdf-paper letter -o "$T/letter.pdf" "$BASE/quad.html"
expect_probe "$T/letter.pdf" "pdf 612 792 1"
sp --pdf-paper Legal --pdf_landscape -o "$T/legal.pdf" "$BASE/quad.html"
expect_probe "$T/legal.pdf" "pdf 1008 612 1"
mkdir -p "$T/config/savepage"
printf 'format = pdf\npdf_paper = Letter\npdf-landscape = yes\n' >"$T/config/savepage/config"
sp_config -o "$T/conf.out" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/conf.out" "pdf 792 612 1"
printf 'format = webp\nquality = 50\n' >"$T/config/savepage/config"
sp_config -W 400 -H 300 -o "$T/conf2.out" "$BASE/quad.html"
expect_probe "$T/conf2.out" "webp 400 300"
rm "$T/config/savepage/config"

# --mhtml: the page as Chrome saved it after the shot, beside the image:
# its HTML (as the script left it) and its image as parts.
sp --mhtml -o "$T/rec.png" --report "$T/rec.jsonl" "$BASE/record.html"
expect_rc 0
expect_probe "$T/rec.png" "png 1440 900"
check "the record holds the page's text" grep -q 'The words of this page, kept in its record' "$T/rec.mhtml"
check "the record holds the page as the script left it" grep -q 'data-ran=3D"yes"' "$T/rec.mhtml"
check "the record holds the image as a part" \
	sh -c "grep -q '^Content-Type: image/png' '$T/rec.mhtml' && grep -q '^Content-Location: $BASE/color.png?c=3D0000ff\|^Content-Location: $BASE/color.png?c=0000ff' '$T/rec.mhtml'"
got=$(python3 -c '
import hashlib, json, sys
e = json.loads(open(sys.argv[1]).readline())
d = open(sys.argv[2], "rb").read()
print(e["mhtml_file"] == sys.argv[2], e["mhtml_bytes"] == len(d), e["mhtml_sha256"] == hashlib.sha256(d).hexdigest())
' "$T/rec.jsonl" "$T/rec.mhtml")
check "the report names the record, its size and digest ($got)" test "$got" = "True True True"
# In an archive, each record its own entry; then again from the cache.
sp --mhtml -f jpeg -i "$T/urls" -a "$T/rec.tar"
expect_rc 0
check "the archive holds each image and its record" \
	test "$(tar -tf "$T/rec.tar" | grep -c '\.mhtml$')" = 2 -a "$(tar -tf "$T/rec.tar" | grep -c '\.jpg$')" = 2
sp --mhtml -f jpeg -i "$T/urls" -o "$T/recdir" --report "$T/rec2.jsonl"
check "from the cache, with the records" test "$(grep -c '"source":"cached".*"mhtml_file"' "$T/rec2.jsonl")" = 2
check "two records in the directory" test "$(ls "$T/recdir"/*.mhtml | wc -l)" = 2
sp --mhtml -o - "$BASE/quad.html"
expect_rc 2
expect_err "--mhtml: the image goes to standard output"
sp --mhtml -o "$T/page.mhtml" "$BASE/quad.html"
expect_rc 2
expect_err "--mhtml: -o names the image"
check "nothing written under a name meant for both" test ! -e "$T/page.mhtml"
printf 'mhtml = yes\n' >"$T/config/savepage/config"
sp_config -o "$T/confrec.jpg" "$BASE/record.html"
check "mhtml in the config file" test -s "$T/confrec.mhtml"
rm "$T/config/savepage/config"

# What makes no sense for a PDF, or is not offered: usage errors naming it.
usage() { # usage MESSAGE ARGS...
	msg=$1
	shift
	sp "$@" -o "$T/bad.pdf" "$BASE/quad.html"
	if [ "$RC" = 2 ] && [ ! -e "$T/bad.pdf" ] && grep -q -- "$msg" "$T/err"; then
		ok "$* is a usage error: $(head -1 "$T/err")"
	else
		fail "$*: exit $RC, stderr: $(cat "$T/err")"
	fi
}
usage "-T/--thumb-width cannot go with -f pdf" -T 100
usage "--selector cannot go with -f pdf" --selector div
usage "--clip cannot go with -f pdf" --clip 0,0,10,10
usage "--pdf-paper: 'A5' is not A4, Letter or Legal" --pdf-paper A5
usage "--pdf-paper goes with -f pdf" --pdf-paper Letter -f png
usage "--pdf-landscape goes with -f pdf" --pdf-landscape -f webp
usage "the hosted API makes JPEG and PNG only, not PDF" --api --api-url http://127.0.0.1:9/ --key k
usage "not WebP" -f webp --api --api-url http://127.0.0.1:9/ --key k
usage "--omit-background needs PNG" -f webp --omit-background
usage "-f webp: an image at most 16383 pixels wide" -f webp -W 16384
usage "the hosted API does not offer mhtml" --mhtml -f png --api --api-url http://127.0.0.1:9/ --key k
finish
