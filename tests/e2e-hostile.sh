#!/bin/sh
# Pages that fight back never hang a capture: JavaScript dialogs (alert,
# confirm, prompt, print) during the parse, at load, during --delay and
# during the full-page scroll are answered as a person who says no; a page
# that goes on to another page by itself is followed to it; one that
# reloads itself for ever fails at once with a clear message, untried again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

D="$BASE/dialog.html"
cat >"$T/dialogs.txt" <<URLS
$D?kind=alert&when=parse
$D?kind=confirm&when=parse
$D?kind=prompt&when=parse
$D?kind=print&when=parse
$D?kind=alert&when=load
$D?kind=confirm&when=load
$D?kind=prompt&when=late
$D?kind=print&when=late
$BASE/restless.html?do=leave
$BASE/restless.html?do=write
URLS
start=$(date +%s)
sp --no-cache -d 1 --timeout 10 -n '{n}.{ext}' -f png -o "$T/d" -i "$T/dialogs.txt"
elapsed=$(($(date +%s) - start))
expect_rc 0
check "ten hostile pages in ${elapsed}s, none waiting for its --timeout" test "$elapsed" -lt 25
for n in 1 2 3 4 5 6 7 8; do
	# green: the dialog returned as a "no" (confirm false, prompt null)
	expect_pixel "$T/d/$n.png" 700 450 "0 255 0" 0
done
# The page that left for quad.html during --delay is shot there.
expect_pixel "$T/d/9.png" 100 100 "255 0 0" 0
expect_pixel "$T/d/9.png" 1300 800 "255 255 0" 0
# document.write after load: the written document is what is shot.
expect_pixel "$T/d/10.png" 700 450 "0 255 0" 0

# A dialog during the full-page scroll.
sp --no-cache -F -o "$T/scroll.png" "$D?kind=confirm&when=scroll&tall=1"
expect_rc 0
expect_probe "$T/scroll.png" "png 1440 3000"
expect_pixel "$T/scroll.png" 700 2500 "0 255 0" 0

# Reloading for ever (during --delay, so that no shot can slip in between):
# a clear failure, soon, and not tried again.
: >"$T/requests.jsonl"
start=$(date +%s)
sp --no-cache -d 1 --timeout 20 -o "$T/loop.png" "$BASE/restless.html?do=reload"
elapsed=$(($(date +%s) - start))
expect_rc 1
expect_err "490 the page went on to other pages 5 times by itself"
check "given up in ${elapsed}s, well before --timeout" test "$elapsed" -lt 10
check "not tried again ($(grep -c restless "$T/requests.jsonl") loads)" \
	test "$(grep -c restless "$T/requests.jsonl")" -le 7
check "no file for it" test ! -e "$T/loop.png"
expect_no_browser_left
finish
