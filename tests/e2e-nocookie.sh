#!/bin/sh
# --nocookie: the banner of every common consent platform, built the way the
# platform builds it, is gone, with its backdrop and its scroll lock; without
# the option the same page shows them (so the test can fail).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

for p in onetrust cookiebot didomi quantcast usercentrics trustarc sourcepoint osano \
	cookieyes complianz klaro iubenda generic; do
	url="$BASE/cmp.html?p=$p"
	sp --no-cache -f png -o "$T/$p-on.png" "$url"
	sp --no-cache --nocookie -f png -o "$T/$p-off.png" "$url"
	expect_rc 0
	bar_on=$(pixel "$T/$p-on.png" 700 850)
	bar_off=$(pixel "$T/$p-off.png" 700 850)
	if [ "$bar_on" = "255 0 0" ] && [ "$bar_off" = "238 238 238" ]; then
		ok "$p: the banner shows, and --nocookie removes it"
	else
		fail "$p: banner region without --nocookie '$bar_on', with '$bar_off'"
	fi
	mid_off=$(pixel "$T/$p-off.png" 700 450)
	check "$p: no backdrop left ($mid_off)" test "$mid_off" = "238 238 238"
	lock=$(pixel "$T/$p-off.png" 150 50)
	check "$p: the scroll lock is undone ($lock)" test "$lock" = "238 238 238"
done
# The lock shows without the option (the boxes can turn red; OneTrust's
# backdrop darkens them).
expect_pixel "$T/onetrust-on.png" 50 50 "102 0 0" 0
expect_pixel "$T/onetrust-on.png" 150 50 "102 0 0" 0
expect_pixel "$T/iubenda-on.png" 150 50 "255 0 0" 0
expect_pixel "$T/onetrust-off.png" 50 50 "238 238 238" 0
expect_pixel "$T/didomi-off.png" 50 50 "238 238 238" 0
expect_pixel "$T/sourcepoint-off.png" 50 50 "238 238 238" 0

# A full page with --nocookie: the banner is not drawn anywhere.
sp --no-cache --nocookie -F -f png -o "$T/full.png" "$BASE/cmp.html?p=cookiebot"
expect_probe "$T/full.png" "png 1440 3000"
expect_pixel "$T/full.png" 700 850 "238 238 238" 0
expect_pixel "$T/full.png" 700 2850 "0 170 0" 0

# The rules are a data file: a broken one is a clear error.
mkdir -p "$T/data"
printf 'hide #x\nbogus line\n' >"$T/data/nocookie.rules"
SAVEPAGE_DATADIR="$T/data" "$SAVEPAGE" --nocookie -o "$T/x.png" "$BASE/quad.html" 2>"$T/err"
RC=$?
expect_rc 2
expect_err "line 2: not a rule"
# A heuristic word is letters only (it becomes part of a regular expression).
printf 'word cookie\nword c.*\n' >"$T/data/nocookie.rules"
SAVEPAGE_DATADIR="$T/data" "$SAVEPAGE" --nocookie -o "$T/x.png" "$BASE/quad.html" 2>"$T/err"
RC=$?
expect_rc 2
expect_err "line 2: a word is letters only"
# --nocookie has its own cache entries.
sp -f png -o "$T/c1.png" "$BASE/cmp.html?p=osano"
sp --nocookie -f png -o "$T/c2.png" "$BASE/cmp.html?p=osano"
expect_pixel "$T/c2.png" 700 850 "238 238 238" 0

# A platform's script from its own host is refused in the browser, so its
# banner (whose id no hide rule knows) is never built; a page of the same
# host name is unaffected without the option.
MAP="--host-resolver-rules=MAP consent.cookiebot.com 127.0.0.1:$PORT"
cmp_asked() {
	grep -c '"host": *"consent.cookiebot.com"' "$T/requests.jsonl"
}
: >"$T/requests.jsonl"
sp --no-cache --browser-arg "$MAP" -f png -o "$T/s-on.png" "$BASE/cmp-script.html"
expect_rc 0
check "without --nocookie the platform's script is fetched" test "$(cmp_asked)" = 1
expect_pixel "$T/s-on.png" 700 850 "255 0 0" 0
: >"$T/requests.jsonl"
sp --no-cache --nocookie --browser-arg "$MAP" -f png -o "$T/s-off.png" "$BASE/cmp-script.html"
expect_rc 0
check "with --nocookie the platform's script is not fetched" test "$(cmp_asked)" = 0
expect_pixel "$T/s-off.png" 700 850 "238 238 238" 0
# With --noads too, the platform hosts join the blocklist.
: >"$T/requests.jsonl"
sp --no-cache --nocookie --noads --browser-arg "$MAP" -f png -o "$T/s-both.png" \
	"$BASE/cmp-script.html"
expect_rc 0
check "with --nocookie --noads the platform's script is not fetched" test "$(cmp_asked)" = 0
expect_pixel "$T/s-both.png" 700 850 "238 238 238" 0
finish
