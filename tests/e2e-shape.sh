#!/bin/sh
# Changing the page before the shot: --hide, --remove, --click, --style,
# --style-file, --javascript, --js-file. Pixels of tests/pages/shape.html
# (1000x700: rows of 100 px, red #ad, blue #gone, green #after, grey #box; a
# yellow panel opened by a button once a slow request is done; a second
# button turns the open panel blue). Errors name the option and its value.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server
U="$BASE/shape.html"
shot() { # shot FILE ARGS... : a 1000x700 PNG of shape.html
	f=$1
	shift
	sp --no-cache -W 1000 -H 700 -f png -o "$T/$f" "$@"
}

shot plain.png "$U"
expect_rc 0
expect_pixel "$T/plain.png" 500 50 "255 0 0" 0
expect_pixel "$T/plain.png" 500 150 "0 0 255" 0
expect_pixel "$T/plain.png" 500 250 "0 255 0" 0
expect_pixel "$T/plain.png" 500 500 "255 255 255" 0

# --hide keeps the space (the white page shows), --remove gives it up.
shot hide.png --hide '#ad' --remove '#gone' "$U"
expect_rc 0
expect_pixel "$T/hide.png" 500 50 "255 255 255" 0
expect_pixel "$T/hide.png" 500 150 "0 255 0" 0
expect_pixel "$T/hide.png" 500 250 "136 136 136" 0
# Repeatable, and a selector list: both rows hidden.
shot hide2.png --hide '#ad' --hide '#gone, #after' "$U"
expect_pixel "$T/hide2.png" 500 150 "255 255 255" 0
expect_pixel "$T/hide2.png" 500 250 "255 255 255" 0

# --click: the panel opens only after a 600 ms request; the shot waits for it.
shot click.png --click '#open' "$U"
expect_rc 0
expect_pixel "$T/click.png" 500 600 "255 255 0" 0
# Clicks in order: the second turns the open panel blue (the second button
# lies under the panel: the click reaches it all the same).
shot click2.png --click '#open' --click '#second' "$U"
expect_pixel "$T/click2.png" 500 600 "0 0 255" 0
# Without --click, no panel.
expect_pixel "$T/plain.png" 500 600 "255 255 255" 0
# A click that takes the page to another document: the new one is changed
# too (--hide holds there), the click is not made again.
shot next.png --click '#next' --hide '#ad' "$U"
expect_rc 0
expect_pixel "$T/next.png" 500 50 "255 255 255" 0
expect_pixel "$T/next.png" 500 150 "0 0 255" 0

# --style, and --style-file after it (later rules win); --javascript.
printf '#after { background: #ff00ff !important }\n' >"$T/style.css"
shot style.png --style '#box { background: #800080 !important }' --style-file "$T/style.css" "$U"
expect_rc 0
expect_pixel "$T/style.png" 500 350 "128 0 128" 0
expect_pixel "$T/style.png" 500 250 "255 0 255" 0
shot js.png --javascript 'document.getElementById("box").style.background = "rgb(0, 128, 0)"' "$U"
expect_rc 0
expect_pixel "$T/js.png" 500 350 "0 128 0" 0
# Given twice: both run, in turn.
shot js2.png --javascript 'document.getElementById("box").style.background = "rgb(0, 128, 0)"' \
	--javascript 'document.getElementById("ad").style.background = "rgb(0, 0, 0)"' "$U"
expect_pixel "$T/js2.png" 500 350 "0 128 0" 0
expect_pixel "$T/js2.png" 500 50 "0 0 0" 0
# A promise is awaited: the colour set 800 ms later is in the shot.
shot late.png --javascript 'new Promise(r => setTimeout(() => { document.body.style.background = "rgb(0, 255, 255)"; r(); }, 800))' \
	--hide '#ad' "$U"
expect_rc 0
expect_pixel "$T/late.png" 500 50 "0 255 255" 0
printf 'await new Promise(r => setTimeout(r, 300));\ndocument.getElementById("ad").style.background = "#000";\n' >"$T/script.js"
shot jsfile.png --js-file "$T/script.js" "$U"
expect_rc 0
expect_pixel "$T/jsfile.png" 500 50 "0 0 0" 0

# The order: hide, click, style, script; the script sees the clicked panel.
shot order.png --click '#open' --javascript 'document.getElementById("panel").classList.contains("open") || (() => { throw new Error("panel not open yet") })()' "$U"
expect_rc 0

# Errors: 490, no file, the option and its value named; the other URLs kept.
shot err.png --javascript 'throw new Error("boom")' "$U"
expect_rc 1
expect_err "shape.html: 490 --javascript: Error: boom"
check "no file when the script throws" test ! -e "$T/err.png"
shot err.png --javascript 'Promise.reject(new TypeError("late boom"))' "$U"
expect_rc 1
expect_err "490 --javascript: TypeError: late boom"
shot err.png --click '#nothing' "$U"
expect_rc 1
expect_err "490 --click '#nothing': no element matches"
check "no file when the click has no element" test ! -e "$T/err.png"
shot err.png --hide 'div[' "$U"
expect_rc 1
expect_err "490 --hide 'div\[': not a valid CSS selector"
# A selector that parses alone but not as a rule (an open comment) is
# named, and cannot swallow the rules after it.
shot err.png --hide '#ad /*' --remove '#gone' "$U"
expect_rc 1
expect_err "490 --hide '#ad /\*': not a valid CSS selector"
sp --no-cache -W 1000 -H 700 -f png --click '#open' -o "$T/two" "$U" "$BASE/quad.html"
expect_rc 1
expect_err "quad.html: 490 --click '#open': no element matches"
check "the page with the element is saved" test "$(ls "$T/two" | grep -c shape)" = 1

# Usage errors: exit 2 before any browser starts.
spy_browser
for args in "--hide= " "--js-file $T/missing.js" "--style-file $T/missing.css" \
	"--javascript 1 --js-file $T/script.js"; do
	# shellcheck disable=SC2086
	sp --browser "$SPY" $args -o "$T/u.png" "$U"
	expect_rc 2
done
printf '\377\376' >"$T/binary.js"
sp --browser "$SPY" --js-file "$T/binary.js" -o "$T/u.png" "$U"
expect_rc 2
expect_err "--js-file: $T/binary.js: not UTF-8 text"
sp --browser "$SPY" --style-file "$T/missing.css" -o "$T/u.png" "$U"
expect_err "--style-file: $T/missing.css: No such file or directory"
check "no browser started for usage errors ($(launches))" test "$(launches)" = 0

# The API spellings and the config file.
shot api.png --style_file "$T/style.css" --js_file "$T/script.js" "$U"
expect_rc 0
expect_pixel "$T/api.png" 500 250 "255 0 255" 0
expect_pixel "$T/api.png" 500 50 "0 0 0" 0
mkdir -p "$T/config/savepage"
printf 'hide = #ad\nremove = #gone\nclick = #open\nstyle = #box { background: #800080 !important }\njavascript = document.body.dataset.x = 1\n' \
	>"$T/config/savepage/config"
sp_config --no-cache -W 1000 -H 700 -f png -o "$T/conf.png" "$U"
expect_rc 0
expect_pixel "$T/conf.png" 500 50 "255 255 255" 0
expect_pixel "$T/conf.png" 500 150 "0 255 0" 0
expect_pixel "$T/conf.png" 500 250 "128 0 128" 0
expect_pixel "$T/conf.png" 500 600 "255 255 0" 0
printf 'style_file = %s\njs_file = %s\n' "$T/style.css" "$T/script.js" >"$T/config/savepage/config"
sp_config --no-cache -W 1000 -H 700 -f png -o "$T/conf2.png" "$U"
expect_rc 0
expect_pixel "$T/conf2.png" 500 250 "255 0 255" 0
rm "$T/config/savepage/config"

# The cache key holds a file's content, not its name.
sp -W 1000 -H 700 -f png --style-file "$T/style.css" --report "$T/c1.jsonl" -o "$T/c1.png" "$U"
sp -W 1000 -H 700 -f png --style-file "$T/style.css" --report "$T/c2.jsonl" -o "$T/c2.png" "$U"
check "the same style file: from the cache" grep -q '"source":"cached"' "$T/c2.jsonl"
printf '#after { background: #00ffff !important }\n' >"$T/style.css"
sp -W 1000 -H 700 -f png --style-file "$T/style.css" --report "$T/c3.jsonl" -o "$T/c3.png" "$U"
check "the file changed: rendered again" grep -q '"source":"rendered"' "$T/c3.jsonl"
expect_pixel "$T/c3.png" 500 250 "0 255 255" 0

# --nocookie leaves alone what a --click opened (the panel speaks of
# cookies), but hides the same panel when the page opens it by itself.
shot nc-open.png --nocookie "$U?open=1"
expect_rc 0
expect_pixel "$T/nc-open.png" 500 600 "255 255 255" 0
shot nc-click.png --nocookie --click '#open' "$U"
expect_rc 0
expect_pixel "$T/nc-click.png" 500 600 "255 255 0" 0

# --api: the hosted API offers none of these; refused before any request.
SAVEPAGE_KEY=k SAVEPAGE_API_URL=http://127.0.0.1:9/ sp --api --hide '#ad' --click '#open' -o "$T/a.png" "$U"
expect_rc 2
expect_err "--api: the hosted API does not offer hide, click"
expect_no_browser_left
finish
