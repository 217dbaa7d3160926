#!/bin/sh
# --omit-background: where the page paints nothing, the PNG is transparent
# (alpha 0); what it paints keeps its alpha; thumbnails and a tall page's
# stitched tiles keep it too. JPEG has no transparency: a usage error.
# tests/pages/transparent.html: no page background, a red box 200x100 at
# (100,100), a band of half-transparent blue at y 300-399.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
U="$BASE/transparent.html"
alpha() { "$PROBE" alpha "$@"; }
expect_alpha() { # FILE X Y "R G B A"
	got=$(alpha "$1" "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1 at $2,$3 is $4"; else fail "$1 at $2,$3: expected $4, got '$got'"; fi
}

sp --no-cache -W 600 -H 500 --omit-background -o "$T/t.png" "$U"
expect_rc 0
expect_probe "$T/t.png" "png 600 500"
expect_alpha "$T/t.png" 10 10 "0 0 0 0"
expect_alpha "$T/t.png" 150 150 "255 0 0 255"
expect_alpha "$T/t.png" 10 350 "0 0 255 128"
# Without it: the white a browser shows.
sp --no-cache -W 600 -H 500 -o "$T/white.png" "$U"
expect_alpha "$T/white.png" 10 10 "255 255 255 255"

# A thumbnail: shrunk with its alpha (a transparent pixel's colour does not
# bleed into the box).
sp --no-cache -W 600 -H 500 -T 300 --omit-background -o "$T/thumb.png" "$U"
expect_rc 0
expect_probe "$T/thumb.png" "png 300 250"
expect_alpha "$T/thumb.png" 5 5 "0 0 0 0"
expect_alpha "$T/thumb.png" 75 75 "255 0 0 255"
expect_alpha "$T/thumb.png" 5 175 "0 0 255 128"
# A page taller than a tile: the tiles keep their alpha when stitched.
sp --no-cache -W 600 -H 500 -F --omit-background -o "$T/tall.png" "$U?tall"
expect_rc 0
expect_probe "$T/tall.png" "png 600 20000"
expect_alpha "$T/tall.png" 150 150 "255 0 0 255"
expect_alpha "$T/tall.png" 300 8191 "0 0 0 0"
expect_alpha "$T/tall.png" 300 8192 "0 0 0 0"
expect_alpha "$T/tall.png" 300 19999 "0 0 0 0"
# The config file, and the API spelling.
mkdir -p "$T/config/savepage"
printf 'omit_background = true\n' >"$T/config/savepage/config"
sp_config --no-cache -W 600 -H 500 -o "$T/conf.png" "$U"
expect_alpha "$T/conf.png" 10 10 "0 0 0 0"
rm "$T/config/savepage/config"
sp --no-cache -W 600 -H 500 --omit_background -f png -o - "$U" >"$T/stdout.png"
expect_alpha "$T/stdout.png" 10 10 "0 0 0 0"

# JPEG cannot: a usage error, before any browser.
spy_browser
sp --browser "$SPY" --omit-background -o "$T/x.jpg" "$U"
expect_rc 2
expect_err "--omit-background needs PNG"
sp --browser "$SPY" --omit-background -f jpeg -o "$T/x.png" "$U"
expect_rc 2
check "no browser for usage errors ($(launches))" test "$(launches)" = 0
SAVEPAGE_KEY=k SAVEPAGE_API_URL=http://127.0.0.1:9/ sp --api --omit-background -o "$T/a.png" "$U"
expect_rc 2
expect_err "--api: the hosted API does not offer omit_background"
expect_no_browser_left
finish
