#!/bin/sh
# --scale-factor (--retina) and --device: image sizes in device pixels,
# thumbnails and tiles at the scale, and what a page sees of a phone
# (tests/pages/device.html, rows of 100 CSS px: hover, pointer, touch, an
# iPhone's user agent, the screen; a black line 1 CSS px wide at x 50).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
U="$BASE/device.html"

# Twice the pixels each way; a CSS pixel is 2x2 device pixels.
sp --no-cache -W 400 -H 700 -f png --scale-factor 2 -o "$T/s2.png" "$U"
expect_rc 0
expect_probe "$T/s2.png" "png 800 1400"
expect_pixel "$T/s2.png" 300 100 "0 255 0" 0
expect_pixel "$T/s2.png" 99 1100 "255 255 255" 0
expect_pixel "$T/s2.png" 100 1100 "0 0 0" 0
expect_pixel "$T/s2.png" 101 1100 "0 0 0" 0
expect_pixel "$T/s2.png" 102 1100 "255 255 255" 0
sp --no-cache -W 400 -H 700 -f png --retina -o "$T/retina.png" "$U"
expect_probe "$T/retina.png" "png 800 1400"
check "--retina is --scale-factor 2, pixel for pixel" \
	test "$("$PROBE" diff "$T/retina.png" "$T/s2.png" | cut -d' ' -f2)" = 0
# A fraction, and JPEG.
sp --no-cache -W 400 -H 300 --scale-factor 1.5 -o "$T/s15.jpg" "$U"
expect_rc 0
expect_probe "$T/s15.jpg" "jpeg 600 450"

# A thumbnail follows the scale: -T 200 at 2x is 400 px wide.
sp --no-cache -W 800 -H 600 -T 200 --retina -o "$T/thumb.jpg" "$U"
expect_rc 0
expect_probe "$T/thumb.jpg" "jpeg 400 300"

# A full page at a fractional scale: 30000 CSS px are 45000 device pixels,
# shot in tiles of a whole number of device pixels and stitched without a
# seam (bands of tall.html change every 1000 CSS px, 1500 device px).
band() { echo "$(($1 * 8)) $((255 - $1 * 8)) $((($1 * 97) % 256))"; }
sp --no-cache -F -W 200 -f png --scale-factor 1.5 -o "$T/tall.png" "$BASE/tall.html"
expect_rc 0
expect_probe "$T/tall.png" "png 300 45000"
for y in 1499 1500 8189 8190 8191 16379 16380 16381 24570 44999; do
	expect_pixel "$T/tall.png" 10 "$y" "$(band $((y * 2 / 3000)))" 0
done
# Past JPEG's 65500 px limit in device pixels: cut there, with a warning.
sp --no-cache -F -W 100 -T 50 --scale-factor 3 -o "$T/cut.jpg" "$BASE/tall.html"
expect_rc 0
expect_err "cut at 21833 px"
expect_probe "$T/cut.jpg" "jpeg 150 32750"

# A phone: its viewport and scale, no hover, a coarse pointer, touch, its
# user agent, a screen as wide as the window.
sp --no-cache -f png --device iphone-15 -o "$T/phone.png" "$U"
expect_rc 0
expect_probe "$T/phone.png" "png 1179 2556"
expect_pixel "$T/phone.png" 600 150 "255 0 0" 0
expect_pixel "$T/phone.png" 600 450 "0 0 255" 0
expect_pixel "$T/phone.png" 600 750 "0 0 255" 0
expect_pixel "$T/phone.png" 600 1050 "0 0 255" 0
expect_pixel "$T/phone.png" 600 1350 "0 0 255" 0
# Without a device: a mouse, no touch, Chrome's agent.
sp --no-cache -f png -W 400 -H 600 -o "$T/desk.png" "$U"
expect_pixel "$T/desk.png" 200 50 "0 255 0" 0
expect_pixel "$T/desk.png" 200 150 "136 136 136" 0
expect_pixel "$T/desk.png" 200 250 "136 136 136" 0
expect_pixel "$T/desk.png" 200 350 "136 136 136" 0
# A laptop preset: a mouse; names without case, '_' for '-'.
sp --no-cache -f png --device LAPTOP_HIDPI -o "$T/laptop.png" "$U"
expect_rc 0
expect_probe "$T/laptop.png" "png 2880 1800"
expect_pixel "$T/laptop.png" 600 100 "0 255 0" 0
# Explicit values win over the preset's, whatever their order.
sp --no-cache -f png -W 500 --device iphone-15 -A 'Mozilla/5.0 (X11; Linux x86_64) Test/1' \
	--scale-factor 1 -o "$T/over.png" "$U"
expect_rc 0
expect_probe "$T/over.png" "png 500 852"
expect_pixel "$T/over.png" 250 350 "136 136 136" 0
expect_pixel "$T/over.png" 250 250 "0 0 255" 0

# --list-devices prints the table; a name it lacks is a usage error.
"$SAVEPAGE" --list-devices >"$T/list" 2>"$T/err"
RC=$?
expect_rc 0
check "--list-devices lists iphone-15 at 1179x2556" grep -q '^iphone-15 .*393x852 .*3 .*phone .*1179x2556$' "$T/list"
check "--list-devices lists a laptop" grep -q '^laptop ' "$T/list"
spy_browser
# Chrome draws at most 16384 device pixels a side in one shot.
sp --browser "$SPY" -W 5000 --scale-factor 4 -o "$T/x.png" "$U"
expect_rc 2
expect_err "--width 5000 at --scale-factor 4 is 20000 device pixels wide; at most 16384"
sp --browser "$SPY" -H 5000 --scale-factor 4 -o "$T/x.png" "$U"
expect_rc 2
expect_err "--height 5000 at --scale-factor 4 is 20000 device pixels tall"
sp --browser "$SPY" --clip 0,0,300,300 -T 400 -o "$T/x.png" "$U"
expect_rc 2
expect_err "narrower than --clip's width 300"
sp --browser "$SPY" --device nokia-3310 -o "$T/x.png" "$U"
expect_rc 2
expect_err "--device: 'nokia-3310' is not a device savepage knows (savepage --list-devices)"
for v in 0.5 5 two; do
	sp --browser "$SPY" --scale-factor "$v" -o "$T/x.png" "$U"
	expect_rc 2
	expect_err "--scale-factor: '$v' is not a number from 1 to 4"
done
# A broken devices file is named.
mkdir -p "$T/data"
cp "$top_srcdir/data/"*.rules "$top_srcdir/data/noads.txt" "$T/data/"
printf 'phone-x 390 844 three phone UA\n' >"$T/data/devices.txt"
SAVEPAGE_DATADIR="$T/data" sp --browser "$SPY" --device phone-x -o "$T/x.png" "$U"
expect_rc 2
expect_err "devices.txt: line 1: a scale that is not 1 to 4"
check "no browser for usage errors ($(launches))" test "$(launches)" = 0

# API spellings and the config file; the cache tells scales apart.
sp --no-cache -f png --scale_factor 2 -W 400 -H 300 -o "$T/api.png" "$U"
expect_probe "$T/api.png" "png 800 600"
mkdir -p "$T/config/savepage"
printf 'device = pixel-8\n' >"$T/config/savepage/config"
sp_config --no-cache -f png -o "$T/conf.png" "$U"
expect_rc 0
expect_probe "$T/conf.png" "png 1082 2402"
expect_pixel "$T/conf.png" 500 400 "0 0 255" 0
# The command line's --device over the config file's width and scale; the
# command line's -W over the device.
printf 'width = 1440\nscale_factor = 1\n' >"$T/config/savepage/config"
sp_config --no-cache -f png --device iphone-15 -o "$T/conf3.png" "$U"
expect_probe "$T/conf3.png" "png 1179 2556"
sp_config --no-cache -f png --device iphone-15 -W 400 -o "$T/conf4.png" "$U"
expect_probe "$T/conf4.png" "png 1200 2556"
printf 'retina = true\n' >"$T/config/savepage/config"
sp_config --no-cache -f png -W 300 -H 200 -o "$T/conf2.png" "$U"
expect_probe "$T/conf2.png" "png 600 400"
rm "$T/config/savepage/config"
sp -W 400 -H 300 -f png --report "$T/k1.jsonl" -o "$T/k1.png" "$U"
sp -W 400 -H 300 -f png --retina --report "$T/k2.jsonl" -o "$T/k2.png" "$U"
check "a 2x shot is not the 1x one from the cache" grep -q '"source":"rendered"' "$T/k2.jsonl"
expect_probe "$T/k2.png" "png 800 600"

# The hosted API has no device emulation.
SAVEPAGE_KEY=k SAVEPAGE_API_URL=http://127.0.0.1:9/ sp --api --retina -o "$T/a.png" "$U"
expect_rc 2
expect_err "--api: the hosted API does not offer scale_factor"
expect_no_browser_left
finish
