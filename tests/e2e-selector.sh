#!/bin/sh
# What is shot: --selector (the box around every match, --padding around
# it), --clip X,Y,W,H. tests/pages/boxes.html: #a red 200x100 at (100,150),
# #b blue 100x50 at (400,300), #tall 300x20000 at (50,3000) in bands of
# 1000 px (green, magenta, ...), #hidden not shown.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
U="$BASE/boxes.html"
shot() { # shot FILE ARGS... : PNG of an 800x600 window
	f=$1
	shift
	sp --no-cache -W 800 -H 600 -f png -o "$T/$f" "$@"
}

shot a.png --selector '#a' "$U"
expect_rc 0
expect_probe "$T/a.png" "png 200 100"
expect_pixel "$T/a.png" 0 0 "255 0 0" 0
expect_pixel "$T/a.png" 199 99 "255 0 0" 0
# Padding: the page around the box.
shot pad.png --selector '#a' --padding 10 "$U"
expect_probe "$T/pad.png" "png 220 120"
expect_pixel "$T/pad.png" 5 5 "255 255 255" 0
expect_pixel "$T/pad.png" 10 10 "255 0 0" 0
expect_pixel "$T/pad.png" 214 114 "255 255 255" 0
# Two selectors: one box around both (100,150)-(500,350).
shot ab.png --selector '#a' --selector '#b' "$U"
expect_probe "$T/ab.png" "png 400 200"
expect_pixel "$T/ab.png" 50 50 "255 0 0" 0
expect_pixel "$T/ab.png" 350 175 "0 0 255" 0
expect_pixel "$T/ab.png" 350 50 "255 255 255" 0
# A selector list matching both is the same box.
shot list.png --selector '#a, #b' "$U"
check "a selector list gives the same box" \
	test "$("$PROBE" diff "$T/list.png" "$T/ab.png" | cut -d' ' -f2)" = 0
# Far below the first screen and taller than a tile (8192 px): scrolled
# to, shot in tiles, the bands in place.
shot tall.png --selector '#tall' "$U"
expect_rc 0
expect_probe "$T/tall.png" "png 300 20000"
for y in 0 999 1000 8191 8192 8193 16383 16384 19999; do
	if [ $((y / 1000 % 2)) = 0 ]; then c="0 255 0"; else c="255 0 255"; fi
	expect_pixel "$T/tall.png" 150 "$y" "$c" 0
done
# The scale follows: 2x the box.
shot a2.png --selector '#a' --scale-factor 2 --padding 5 "$U"
expect_probe "$T/a2.png" "png 420 220"
expect_pixel "$T/a2.png" 9 9 "255 255 255" 0
expect_pixel "$T/a2.png" 10 10 "255 0 0" 0
# JPEG and a thumbnail of the box.
sp --no-cache -W 800 -H 600 --selector '#a' -o "$T/a.jpg" "$U"
expect_probe "$T/a.jpg" "jpeg 200 100"
sp --no-cache -W 800 -H 600 --selector '#tall' -T 60 -o "$T/thumb.jpg" "$U"
expect_probe "$T/thumb.jpg" "jpeg 60 4000"

# --clip: a rectangle of the page, beyond the first screen too.
shot clip.png --clip 100,150,200,100 "$U"
expect_rc 0
expect_probe "$T/clip.png" "png 200 100"
expect_pixel "$T/clip.png" 100 50 "255 0 0" 0
shot clip2.png --clip 0,3950,400,100 "$U"
expect_probe "$T/clip2.png" "png 400 100"
expect_pixel "$T/clip2.png" 100 25 "0 255 0" 0
expect_pixel "$T/clip2.png" 100 75 "255 0 255" 0
expect_pixel "$T/clip2.png" 20 75 "255 255 255" 0

# No match, or only hidden ones: 490, no file; the other URLs kept.
shot none.png --selector '#hidden' "$U"
expect_rc 1
expect_err "boxes.html: 490 --selector '#hidden': no element matches"
check "no file without a match" test ! -e "$T/none.png"
shot none.png --selector '#nothing' --selector '#none' "$U"
expect_err "490 --selector '#nothing', '#none': no element matches"
shot none.png --selector 'div[' "$U"
expect_err "490 --selector 'div\[': not a valid CSS selector"
sp --no-cache -W 800 -H 600 -f png --selector '#a' -o "$T/two" "$U" "$BASE/quad.html"
expect_rc 1
check "the page with a match is saved" test "$(ls "$T/two" | grep -c boxes)" = 1

# Usage errors.
spy_browser
for args in "--clip 1,2,3" "--clip 0,0,0,10" "--clip -1,0,10,10" "--clip a,b,c,d" \
	"--selector #a --clip 0,0,10,10" "-F --selector #a" "--padding 5" "--padding -1 --selector #a"; do
	# shellcheck disable=SC2086
	sp --browser "$SPY" $args -o "$T/x.png" "$U"
	expect_rc 2
done
sp --browser "$SPY" --clip 1,2,3 -o "$T/x.png" "$U"
expect_err "--clip: '1,2,3' is not X,Y,W,H in CSS pixels"
sp --browser "$SPY" -F --selector '#a' -o "$T/x.png" "$U"
expect_err "--fullpage and --selector cannot be used together"
sp --browser "$SPY" --padding 5 -o "$T/x.png" "$U"
expect_err "--padding goes with --selector"
check "no browser for usage errors ($(launches))" test "$(launches)" = 0

# The config file; the cache tells boxes apart.
mkdir -p "$T/config/savepage"
printf 'selector = #a\npadding = 10\n' >"$T/config/savepage/config"
sp_config --no-cache -W 800 -H 600 -f png -o "$T/conf.png" "$U"
expect_rc 0
expect_probe "$T/conf.png" "png 220 120"
printf 'clip = 100,150,200,100\n' >"$T/config/savepage/config"
sp_config --no-cache -W 800 -H 600 -f png -o "$T/conf2.png" "$U"
expect_probe "$T/conf2.png" "png 200 100"
rm "$T/config/savepage/config"
sp -W 800 -H 600 -f png --selector '#a' --report "$T/k1.jsonl" -o "$T/k1.png" "$U"
sp -W 800 -H 600 -f png --selector '#b' --report "$T/k2.jsonl" -o "$T/k2.png" "$U"
check "another selector is rendered, not taken from the cache" grep -q '"source":"rendered"' "$T/k2.jsonl"
expect_probe "$T/k2.png" "png 100 50"
# The report and the archive's manifest say how each image was made, by API
# names; a cookie and a long script only as their digest.
printf 'document.title = "x";\n// and a second line\n' >"$T/long.js"
sp --no-cache -W 800 -H 600 -f png --selector '#a' --padding 4 --retina --cookie 'sid=s3cret' \
	--js-file "$T/long.js" --report "$T/r.jsonl" -a "$T/out.tar" "$U"
expect_rc 0
check "the report has the options" grep -q '"options":{"width":800,"height":600,"format":"png","cookie":"sha256:[0-9a-f]*",.*"selector":\["#a"\],"padding":4,.*"scale_factor":2,.*"javascript":"sha256:' "$T/r.jsonl"
check "no secret and no script in the report" sh -c "! grep -q -e s3cret -e 'second line' '$T/r.jsonl'"
tar -xOf "$T/out.tar" manifest.jsonl >"$T/manifest.jsonl"
check "the manifest has the same options" grep -q '"selector":\["#a"\],"padding":4' "$T/manifest.jsonl"
SAVEPAGE_KEY=k SAVEPAGE_API_URL=http://127.0.0.1:9/ sp --api --selector '#a' -o "$T/a.png" "$U"
expect_rc 2
expect_err "--api: the hosted API does not offer selector"
expect_no_browser_left
finish
