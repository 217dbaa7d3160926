#!/bin/sh
# One URL to a PNG at the default and a custom viewport; the image is the
# page (colours where the page puts them), and nothing is left behind.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

sp -o "$T/shot.png" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/shot.png" "png 1440 900"
expect_pixel "$T/shot.png" 360 225 "255 0 0" 0
expect_pixel "$T/shot.png" 1080 225 "0 255 0" 0
expect_pixel "$T/shot.png" 360 675 "0 0 255" 0
expect_pixel "$T/shot.png" 1080 675 "255 255 0" 0
expect_no_browser_left

sp -W 800 -H 600 -o "$T/small.png" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/small.png" "png 800 600"
expect_pixel "$T/small.png" 200 150 "255 0 0" 0
expect_pixel "$T/small.png" 799 599 "255 255 0" 0

# The API spelling of a flag works too.
sp --width 640 --height=480 -o "$T/api.png" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/api.png" "png 640 480"

# A bare host means https://host/; 127.0.0.1 serves no TLS, so it fails as a
# rendering error that names the URL (and it was tried over https).
sp -o "$T/bare.png" "127.0.0.1:$PORT"
expect_rc 1
expect_err "127.0.0.1:$PORT: 490"
check "no output file for a failed capture" test ! -e "$T/bare.png"
expect_no_browser_left
finish
