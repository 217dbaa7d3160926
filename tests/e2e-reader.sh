#!/bin/sh
# Emulating the reader: --dark-mode, --reduced-motion, --disable-animations
# (a video too),
# --timezone, --bypass-csp; --full-page as -F's other name. Pixels of
# tests/pages/reader.html (1000x700, rows of 100 px: colour scheme, motion,
# a 60 s animation, a 60 s transition, the page's own time zone) and of
# csp.html (a policy that refuses the page's own inline style).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
U="$BASE/reader.html"
shot() { # shot FILE ARGS... : a 1000x700 PNG
	f=$1
	shift
	sp --no-cache -W 1000 -H 700 -f png -o "$T/$f" "$@"
}

shot plain.png "$U"
expect_rc 0
expect_pixel "$T/plain.png" 500 50 "204 204 204" 0
expect_pixel "$T/plain.png" 500 150 "255 0 0" 0
expect_pixel "$T/plain.png" 500 250 "255 0 0" 8
expect_pixel "$T/plain.png" 500 350 "255 0 0" 8

shot dark.png --dark-mode "$U"
expect_rc 0
expect_pixel "$T/dark.png" 500 50 "0 0 0" 0
expect_pixel "$T/dark.png" 500 150 "255 0 0" 0
shot motion.png --reduced-motion "$U"
expect_pixel "$T/motion.png" 500 150 "0 0 255" 0
expect_pixel "$T/motion.png" 500 50 "204 204 204" 0

# Animations and transitions at their end, at once.
shot still.png --disable-animations "$U"
expect_rc 0
expect_pixel "$T/still.png" 500 250 "0 255 0" 0
expect_pixel "$T/still.png" 500 350 "0 255 0" 0

# A video: playing, it is past its red first part (green); with
# --disable-animations it is paused at its first frame (red). The page
# records the clip itself (tests/pages/video.html), so no file is needed.
sp --no-cache -W 400 -H 300 -f png --timeout 15 --wait-for 'window.late' -o "$T/video.png" "$BASE/video.html"
expect_rc 0
expect_pixel "$T/video.png" 100 100 "0 255 0" 40
sp --no-cache -W 400 -H 300 -f png --timeout 15 --wait-for 'window.late' --disable-animations \
	-o "$T/video-still.png" "$BASE/video.html"
expect_rc 0
expect_pixel "$T/video-still.png" 100 100 "255 0 0" 40

# The page's own clock: Tokyo (UTC+9, green), UTC (blue).
shot tokyo.png --timezone Asia/Tokyo "$U"
expect_rc 0
expect_pixel "$T/tokyo.png" 500 450 "0 255 0" 0
shot utc.png --timezone UTC "$U"
expect_pixel "$T/utc.png" 500 450 "0 0 255" 0
spy_browser
sp --browser "$SPY" --timezone Mars/Olympus_Mons -o "$T/x.png" "$U"
expect_rc 2
expect_err "--timezone: 'Mars/Olympus_Mons' is not a time zone"
sp --browser "$SPY" --timezone ../../etc/passwd -o "$T/x.png" "$U"
expect_rc 2
check "no browser for a bad time zone ($(launches))" test "$(launches)" = 0

# A strict policy refuses the page's own style; --bypass-csp lets it in.
# savepage's own styles (--style, --hide, --nocookie) are never refused.
shot csp.png "$BASE/csp.html"
expect_pixel "$T/csp.png" 500 400 "255 255 255" 0
shot csp-bypass.png --bypass-csp "$BASE/csp.html"
expect_rc 0
expect_pixel "$T/csp-bypass.png" 500 400 "0 255 0" 0
shot csp-style.png --style 'body { background: #00f !important }' "$BASE/csp.html"
expect_pixel "$T/csp-style.png" 500 400 "0 0 255" 0

# All at once, under their API spellings and from the config file.
shot api.png --dark_mode --reduced_motion --disable_animations --timezone Asia/Tokyo "$U"
expect_pixel "$T/api.png" 500 50 "0 0 0" 0
expect_pixel "$T/api.png" 500 150 "0 0 255" 0
expect_pixel "$T/api.png" 500 250 "0 255 0" 0
expect_pixel "$T/api.png" 500 450 "0 255 0" 0
mkdir -p "$T/config/savepage"
printf 'dark_mode = true\nreduced-motion = yes\ndisable_animations = 1\ntimezone = Asia/Tokyo\nbypass_csp = on\nfull_page = true\n' \
	>"$T/config/savepage/config"
sp_config --no-cache -W 1000 -H 700 -f png -o "$T/conf.png" "$U"
expect_rc 0
expect_pixel "$T/conf.png" 500 50 "0 0 0" 0
expect_pixel "$T/conf.png" 500 150 "0 0 255" 0
expect_pixel "$T/conf.png" 500 250 "0 255 0" 0
expect_pixel "$T/conf.png" 500 450 "0 255 0" 0
sp_config --no-cache -W 1000 -H 700 -f png -o "$T/conf-csp.png" "$BASE/csp.html"
expect_pixel "$T/conf-csp.png" 500 400 "0 255 0" 0
printf 'timezone = Nowhere/Else\n' >"$T/config/savepage/config"
sp_config -o "$T/x.png" "$U"
expect_rc 2
expect_err "line 1: --timezone: 'Nowhere/Else' is not a time zone"
rm "$T/config/savepage/config"

# Each changes the cache key: a dark shot is not the light one.
sp -W 1000 -H 700 -f png --report "$T/k1.jsonl" -o "$T/k1.png" "$U"
sp -W 1000 -H 700 -f png --dark-mode --report "$T/k2.jsonl" -o "$T/k2.png" "$U"
check "--dark-mode is rendered, not taken from the light one's cache" \
	grep -q '"source":"rendered"' "$T/k2.jsonl"

# --full-page is -F.
sp --full-page -W 1000 -o "$T/tall.jpg" "$BASE/tall.html"
expect_rc 0
expect_probe "$T/tall.jpg" "jpeg 1000 30000"

# The hosted API offers none of the emulation options.
SAVEPAGE_KEY=k SAVEPAGE_API_URL=http://127.0.0.1:9/ sp --api --dark-mode --timezone UTC -o "$T/a.png" "$U"
expect_rc 2
expect_err "--api: the hosted API does not offer dark_mode, timezone"
expect_no_browser_left
finish
