#!/bin/sh
# --fullpage: the whole document, 100vh layouts not stretched, and a page
# taller than Chrome's 16384-px limit shot in tiles and stitched in order.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

band() { # the colour of band i of tall.html
	echo "$(($1 * 8)) $((255 - $1 * 8)) $((($1 * 97) % 256))"
}

sp -F -o "$T/tall.png" "$BASE/tall.html"
expect_rc 0
expect_probe "$T/tall.png" "png 1440 30000"
for i in 0 1 7 8 15 16 17 23 24 29; do
	expect_pixel "$T/tall.png" 700 $((i * 1000 + 500)) "$(band $i)" 0
done
# Edges of bands and of tiles: no row repeated, none lost.
for y in 999 1000 8191 8192 16383 16384 16385 24575 24576 29999; do
	expect_pixel "$T/tall.png" 10 "$y" "$(band $((y / 1000)))" 0
done

# JPEG full page, a different width.
sp -F -W 1000 -o "$T/tall.jpg" "$BASE/tall.html"
expect_rc 0
expect_probe "$T/tall.jpg" "jpeg 1000 30000"
expect_pixel "$T/tall.jpg" 500 20500 "$(band 20)"

# A 100vh hero keeps its viewport height; the rest of the page follows.
sp -F -o "$T/vh.png" "$BASE/vh.html"
expect_rc 0
expect_probe "$T/vh.png" "png 1440 2900"
expect_pixel "$T/vh.png" 700 10 "255 0 0" 0
expect_pixel "$T/vh.png" 700 899 "255 0 0" 0
expect_pixel "$T/vh.png" 700 900 "0 0 255" 0
expect_pixel "$T/vh.png" 700 2899 "0 0 255" 0

# Without -F only the viewport.
sp -o "$T/vp.png" "$BASE/vh.html"
expect_probe "$T/vp.png" "png 1440 900"
expect_pixel "$T/vp.png" 700 899 "255 0 0" 0

# Lazy images: the page is scrolled through first, so all 20 are there,
# down to the last, 11 000 px below the viewport.
sp --no-cache -F -f png -o "$T/lazy.png" "$BASE/lazy.html"
expect_rc 0
expect_probe "$T/lazy.png" "png 1440 12000"
expect_pixel "$T/lazy.png" 700 300 "0 170 0" 0
expect_pixel "$T/lazy.png" 700 6300 "204 0 204" 0
expect_pixel "$T/lazy.png" 700 900 "0 0 204" 0
expect_pixel "$T/lazy.png" 700 11700 "204 170 0" 0

# Sticky and fixed elements are drawn once, at the top, not repeated.
sp --no-cache -F -f png -o "$T/sticky.png" "$BASE/sticky.html"
expect_probe "$T/sticky.png" "png 1440 4100"
expect_pixel "$T/sticky.png" 700 50 "255 0 0" 0
expect_pixel "$T/sticky.png" 700 2000 "0 0 255" 0
expect_pixel "$T/sticky.png" 1400 850 "0 255 0" 0
expect_pixel "$T/sticky.png" 1400 4050 "0 0 255" 0

# A page that grows forever is cut at 65500 px, with a warning.
sp --no-cache -F -o "$T/endless.jpg" "$BASE/infinite.html"
expect_rc 0
expect_probe "$T/endless.jpg" "jpeg 1440 65500"
expect_err "cut at 65500 px"

# A page shorter than the viewport is the viewport.
sp -F -o "$T/short.png" "$BASE/quad.html"
expect_probe "$T/short.png" "png 1440 900"
expect_no_browser_left
finish
