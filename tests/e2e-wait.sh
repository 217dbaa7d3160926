#!/bin/sh
# Waiting for the page: --wait-until, --wait-for-selector, --wait-for, all
# within --timeout; a condition not met fails the URL (490, no file) with a
# message naming it. tests/pages/wait.html, rows of 100 CSS px: a green
# element added after 1.5 s; blue and window.ready after 1.2 s; magenta
# once a request made after `load` is done (or answered); orange on `load`.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
U="$BASE/wait.html"
shot() { # shot FILE ARGS... : a 600x400 PNG
	f=$1
	shift
	sp --no-cache -W 600 -H 400 -f png -o "$T/$f" "$@"
}

# Shot at `load`: none of the later changes.
shot plain.png "$U"
expect_rc 0
expect_pixel "$T/plain.png" 300 50 "255 255 255" 0
expect_pixel "$T/plain.png" 300 150 "136 136 136" 0
expect_pixel "$T/plain.png" 300 250 "136 136 136" 0
expect_pixel "$T/plain.png" 300 350 "255 136 0" 0

shot sel.png --wait-for-selector '#late' "$U"
expect_rc 0
expect_pixel "$T/sel.png" 300 50 "0 255 0" 0
shot js.png --wait-for 'window.ready === true' "$U"
expect_rc 0
expect_pixel "$T/js.png" 300 150 "0 0 255" 0
# A statement's final ';' is allowed; the expression sees the page's own
# names (none of the poller's, such as "text").
shot semi.png --wait-for 'window.ready === true; ' "$U"
expect_rc 0
expect_pixel "$T/semi.png" 300 150 "0 0 255" 0
shot scope.png --timeout 5 --wait-for 'typeof text === "undefined" && typeof ms === "undefined"' "$U"
expect_rc 0
# A promise is awaited; -d comes after the waits.
shot promise.png --wait-for 'new Promise(r => setTimeout(() => r(window.ready), 1300))' -d 0.4 "$U"
expect_rc 0
expect_pixel "$T/promise.png" 300 150 "0 0 255" 0
expect_pixel "$T/promise.png" 300 50 "0 255 0" 0
# networkidle: the request made after `load` is done.
shot idle.png --wait-until networkidle "$U"
expect_rc 0
expect_pixel "$T/idle.png" 300 250 "255 0 255" 0
# A response whose body the page never reads, and a beacon: the network is
# idle once the answer came (Chrome's own networkIdle never comes for it).
shot unread.png --timeout 6 --retries 0 --wait-until networkidle "$U?unread=1"
expect_rc 0
expect_pixel "$T/unread.png" 300 250 "255 0 255" 0
# domcontentloaded: shot before a slow image lets `load` come.
shot dcl.png --wait-until domcontentloaded "$U?slowimg=1"
expect_rc 0
expect_pixel "$T/dcl.png" 300 350 "136 136 136" 0
shot dcl-load.png --wait-until load "$U?slowimg=1"
expect_pixel "$T/dcl-load.png" 300 350 "255 136 0" 0

# Conditions not met: 490, no file, the condition named.
shot never.png --timeout 3 --wait-for-selector '#never' "$U"
expect_rc 1
expect_err "wait.html: 490 --wait-for-selector '#never': no visible element within --timeout 3 s"
check "no file when the selector never shows" test ! -e "$T/never.png"
shot never.png --timeout 2 --wait-for 'window.nothing === 1' "$U"
expect_rc 1
expect_err "490 --wait-for 'window.nothing === 1': not true within --timeout 2 s"
shot never.png --wait-for 'nosuch.thing' "$U"
expect_rc 1
expect_err "490 --wait-for 'nosuch.thing': ReferenceError: nosuch is not defined"
shot never.png --wait-for '(((' "$U"
expect_rc 1
expect_err "490 --wait-for: SyntaxError"
shot never.png --wait-for-selector 'div[' "$U"
expect_rc 1
expect_err "490 --wait-for-selector 'div\[': not a valid CSS selector"
shot never.png --timeout 3 --wait-until networkidle "$U?hang=1"
expect_rc 1
expect_err "490 --wait-until networkidle: not reached within --timeout 3 s"
check "no file when the network never rests" test ! -e "$T/never.png"
# The default waits for `load` and shoots a page that never gets there as it
# stands; --wait-until load asked for it and fails.
shot stands.png --timeout 2 --hide '#ready' "$U?slowimg=1"
expect_rc 0
expect_err "did not finish loading within 2 s"
# The page is still changed as asked before it is shot (and cached) so.
expect_pixel "$T/stands.png" 300 150 "255 255 255" 0
shot never.png --timeout 2 --wait-until load "$U?slowimg=1"
expect_rc 1
expect_err "490 --wait-until load: not reached within --timeout 2 s"

# Usage errors.
spy_browser
sp --browser "$SPY" --wait-until idle -o "$T/x.png" "$U"
expect_rc 2
expect_err "--wait-until: 'idle' is not load, domcontentloaded or networkidle"
sp --browser "$SPY" --wait-for ' ' -o "$T/x.png" "$U"
expect_rc 2
expect_err "--wait-for: the expression is empty"
check "no browser for usage errors ($(launches))" test "$(launches)" = 0

# API spellings and the config file.
shot api.png --wait_for_selector '#late' --wait_until networkidle "$U"
expect_pixel "$T/api.png" 300 50 "0 255 0" 0
expect_pixel "$T/api.png" 300 250 "255 0 255" 0
mkdir -p "$T/config/savepage"
printf 'wait_for = window.ready\nwait-for-selector = #late\nwait_until = networkidle\n' \
	>"$T/config/savepage/config"
sp_config --no-cache -W 600 -H 400 -f png -o "$T/conf.png" "$U"
expect_rc 0
expect_pixel "$T/conf.png" 300 50 "0 255 0" 0
expect_pixel "$T/conf.png" 300 150 "0 0 255" 0
expect_pixel "$T/conf.png" 300 250 "255 0 255" 0
rm "$T/config/savepage/config"
SAVEPAGE_KEY=k SAVEPAGE_API_URL=http://127.0.0.1:9/ sp --api --wait-for 1 -o "$T/a.png" "$U"
expect_rc 2
expect_err "--api: the hosted API does not offer wait_for"
expect_no_browser_left
finish
