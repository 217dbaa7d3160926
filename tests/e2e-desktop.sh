#!/bin/sh
# Pages as a person's desktop Chrome shows them: a mouse ((hover: hover),
# (pointer: fine)), a screen the size of the window, navigator.webdriver
# false (also on a browser savepage did not launch), desktop Chrome's
# generic fonts (the monospace line height), glyphs for the world's scripts
# and colour emoji; and the headless shell draws the same pixels as the full
# chromium in its headless mode.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
FULL=$(command -v chromium)
[ -n "$FULL" ] || { echo "FAIL: the full chromium is not installed (tools/bootstrap installs it)"; exit 1; }

# desktop.html: five cells, each green when the page sees a desktop.
sp --no-cache -W 800 -H 600 -f png -o "$T/desk.png" "$BASE/desktop.html"
expect_rc 0
for x in 50 150 250 350 450; do
	expect_pixel "$T/desk.png" "$x" 50 "0 255 0" 0
done

# A browser savepage did not launch (no flags of ours): webdriver false too.
mkdir -p "$T/remote"
chromium-headless-shell --headless --no-sandbox --disable-gpu --no-first-run \
	--remote-debugging-port=0 --user-data-dir="$T/remote" about:blank >/dev/null 2>&1 &
for _ in $(seq 1 100); do
	[ -s "$T/remote/DevToolsActivePort" ] && break
	sleep 0.05
done
ws="ws://127.0.0.1:$(sed -n 1p "$T/remote/DevToolsActivePort")$(sed -n 2p "$T/remote/DevToolsActivePort")"
sp --no-cache --browser-url "$ws" -W 800 -H 600 -f png -o "$T/remote.png" "$BASE/desktop.html"
expect_rc 0
expect_pixel "$T/remote.png" 350 50 "0 255 0" 0   # webdriver
expect_pixel "$T/remote.png" 250 50 "0 255 0" 0   # screen
expect_pixel "$T/remote.png" 450 50 "0 255 0" 0   # fonts
pkill -f -- "--user-data-dir=$T/remote" 2>/dev/null

# scripts.html: a row a script, green when no character is the missing-glyph
# box; the last row (private-use characters) must stay red.
sp --no-cache -W 900 -H 660 -f png -o "$T/scripts.png" "$BASE/scripts.html"
expect_rc 0
y=20
for s in latin greek cyrillic arabic hebrew chinese japanese korean hindi bengali tamil thai \
	georgian armenian emoji; do
	got=$(pixel "$T/scripts.png" 20 "$y")
	if near "$got" "0 255 0" 0; then ok "$s drawn with glyphs"; else fail "$s: missing glyphs (cell $got)"; fi
	y=$((y + 40))
done
expect_pixel "$T/scripts.png" 20 "$y" "255 0 0" 0
# The check can fail: with only the fonts of a bare system, the scripts
# that need the Noto fonts come out as boxes.
mkdir -p "$T/fc"
cat >"$T/fc/fonts.conf" <<CONF
<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><dir>/usr/share/fonts/truetype/liberation</dir>
<cachedir>$T/fc/cache</cachedir></fontconfig>
CONF
FONTCONFIG_FILE="$T/fc/fonts.conf" sp --no-cache -W 900 -H 660 -f png -o "$T/bare.png" \
	"$BASE/scripts.html"
expect_rc 0
expect_pixel "$T/bare.png" 20 300 "255 0 0" 0   # korean
expect_pixel "$T/bare.png" 20 580 "255 0 0" 0   # emoji

# The same pixels from the headless shell and the full chromium.
for page in desktop.html scripts.html quad.html stripes.html headers.html; do
	sp --no-cache -W 900 -H 660 -f png -o "$T/shell-$page.png" "$BASE/$page"
	sp --no-cache --browser "$FULL" -W 900 -H 660 -f png -o "$T/full-$page.png" "$BASE/$page"
	expect_rc 0
	d=$("$PROBE" diff "$T/shell-$page.png" "$T/full-$page.png")
	check "$page: headless shell and chromium draw the same pixels (mae% pixels max: $d)" \
		test "$(echo "$d" | cut -d' ' -f2)" = 0
done
expect_no_browser_left
finish
