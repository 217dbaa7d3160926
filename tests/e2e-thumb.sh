#!/bin/sh
# --thumb-width: exact width, aspect kept, averaged in linear light (one-pixel
# stripes become an even grey, not moire), full pages too, PNG and JPEG.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

# stats FILE: "MIN MAX MEAN" over every channel.
for page in stripes hstripes; do
	sp --no-cache -T 400 -f png -o "$T/$page.png" "$BASE/$page.html"
	expect_rc 0
	expect_probe "$T/$page.png" "png 400 250"
	set -- $("$PROBE" "$T/$page.png" stats)
	# Black and white average to 188 in linear light (128 if averaged in
	# sRGB); an aliased resize shows black and white pixels.
	if [ "$1" -ge 165 ] && [ "$2" -le 210 ] && [ "$3" -ge 183 ] && [ "$3" -le 193 ]; then
		ok "$page thumbnail is an even grey (min $1 max $2 mean $3)"
	else
		fail "$page thumbnail: min $1 max $2 mean $3 (expected an even grey near 188)"
	fi
done

# Aspect kept, exact width, colours where they belong.
sp --no-cache -W 1000 -H 600 -T 300 -o "$T/q.jpg" "$BASE/quad.html"
expect_probe "$T/q.jpg" "jpeg 300 180"
expect_pixel "$T/q.jpg" 75 45 "255 0 0"
expect_pixel "$T/q.jpg" 225 135 "255 255 0"
sp --no-cache -T 333 -f png -o "$T/odd.png" "$BASE/quad.html"
expect_probe "$T/odd.png" "png 333 208"

# A full page: tiles stitched, then shrunk.
band() { echo "$(($1 * 8)) $((255 - $1 * 8)) $((($1 * 97) % 256))"; }
sp --no-cache -F -T 144 -f png -o "$T/tall.png" "$BASE/tall.html"
expect_rc 0
expect_probe "$T/tall.png" "png 144 3000"
for i in 0 9 17 29; do
	expect_pixel "$T/tall.png" 72 $((i * 100 + 50)) "$(band $i)" 2
done

# A thumbnail no narrower than the page is a usage error.
sp -T 1440 -o "$T/x.jpg" "$BASE/quad.html"
expect_rc 2
expect_err "narrower than --width"
finish
