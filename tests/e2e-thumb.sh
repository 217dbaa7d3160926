#!/bin/sh
# --thumb-width: exact width, aspect kept, shrunk with a windowed sinc in
# linear light (one-pixel stripes become an even grey, not moire), full pages
# too, PNG and JPEG.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

# One-pixel stripes shrunk 3.6:1 become an even grey: 188 is half of white
# in linear light (128 if averaged in sRGB; an aliasing resize keeps black and
# white; a box average beats against the stripes, 178 to 197). The filter's
# window is cut short at the image's edges: the inside must be even within a
# few levels, the edges near.
for page in stripes hstripes; do
	sp --no-cache -T 400 -f png -o "$T/$page.png" "$BASE/$page.html"
	expect_rc 0
	expect_probe "$T/$page.png" "png 400 250"
	set -- $("$PROBE" "$T/$page.png" stats 4)
	if [ "$1" -ge 185 ] && [ "$2" -le 191 ] && [ "$3" -ge 186 ] && [ "$3" -le 190 ]; then
		ok "$page thumbnail is an even grey inside (min $1 max $2 mean $3)"
	else
		fail "$page thumbnail inside: min $1 max $2 mean $3 (expected 188 within a few levels)"
	fi
	set -- $("$PROBE" "$T/$page.png" stats)
	if [ "$1" -ge 165 ] && [ "$2" -le 210 ]; then
		ok "$page thumbnail edges near the grey (min $1 max $2)"
	else
		fail "$page thumbnail edges: min $1 max $2"
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
