#!/bin/sh
# --nocookie on real consent libraries from npm (installed here, by the test,
# from tests/consent-libs.json): each banner shows without the option, and
# with it the shot matches the same page without the library (mean absolute
# error under 0.5%). autoconsent (tools/bootstrap installs it) answers what
# its rules know and says so under -v; savepage's own rules and heuristic
# pass take the rest. What is not a banner (a sticky header, a chat button,
# a newsletter box) is left exactly as it is. A new rule set re-renders.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# The libraries, once per build tree.
LIBS="$top_builddir/tests/consent-libs"
if [ ! -f "$LIBS/installed" ] || ! cmp -s "$top_srcdir/tests/consent-libs.json" "$LIBS/package.json"; then
	command -v npm >/dev/null || { echo "FAIL: npm is needed (tools/bootstrap installs it)"; exit 1; }
	rm -rf "$LIBS"
	mkdir -p "$LIBS"
	cp "$top_srcdir/tests/consent-libs.json" "$LIBS/package.json"
	(cd "$LIBS" && HOME="$T/home" npm install --no-audit --no-fund --ignore-scripts --silent) ||
		{ echo "FAIL: npm install of the consent libraries"; exit 1; }
	touch "$LIBS/installed"
fi
SERVER_ARGS="--mount /npm=$LIBS/node_modules"
start_server

# autoconsent is there, and says which rule set handled a page.
sp -v --no-cache --nocookie -d 1 -W 1000 -H 700 -f png -o "$T/klaro-v.png" "$BASE/consent.html?lib=klaro"
expect_rc 0
expect_err "autoconsent 16\.23\.0 from"
expect_err "consent banner: autoconsent rule set 'Klaro'"

# autoconsent runs only where a page shows a sign of a consent notice (its
# text, what it loaded, a consent platform's API): elsewhere it costs nothing.
sp -vv --no-cache --nocookie -d 1 -W 1000 -H 700 -f png -o "$T/reference-nc.png" "$BASE/consent.html"
expect_rc 0
expect_err "consent.html: no sign of a consent notice; autoconsent not run"
for sign in loaded-only tcf-api; do
	sp -vv --no-cache --nocookie -W 1000 -H 700 -f png -o "$T/$sign.png" "$BASE/consent.html?lib=$sign"
	expect_rc 0
	expect_err "lib=$sign: autoconsent found no banner"
done

sp --no-cache -d 1 -W 1000 -H 700 -f png -o "$T/reference.png" "$BASE/consent.html"
expect_rc 0
d=$("$PROBE" diff "$T/reference-nc.png" "$T/reference.png")
check "a page with no banner: the same pixels with --nocookie ($d)" test "$(echo "$d" | cut -d' ' -f2)" = 0
# Each library's page in one run without --nocookie and one with (a tab
# each, files named by input line).
LIBLIST="vanilla-cookieconsent cookieconsent klaro tarteaucitron cookies-eu-banner cookie-notice
cookie-consent-box"
for lib in $LIBLIST; do echo "$BASE/consent.html?lib=$lib"; done >"$T/libs.txt"
sp --no-cache -j 4 -d 1 -W 1000 -H 700 -f png -n '{n}.png' -o "$T/libs" -i "$T/libs.txt"
expect_rc 0
sp --no-cache --nocookie -j 4 -d 1 -W 1000 -H 700 -f png -n '{n}.png' -o "$T/libs-nc" -i "$T/libs.txt"
expect_rc 0
n=0
for lib in $LIBLIST; do
	n=$((n + 1))
	shown=$("$PROBE" diff "$T/libs/$n.png" "$T/reference.png" | cut -d' ' -f1)
	check "$lib: its banner shows without --nocookie (MAE $shown%)" \
		awk "BEGIN { exit !($shown >= 1) }"
	left=$("$PROBE" diff "$T/libs-nc/$n.png" "$T/reference.png" | cut -d' ' -f1)
	check "$lib: gone with --nocookie (MAE $left% against the page without it)" \
		awk "BEGIN { exit !($left < 0.5) }"
done

# The heuristic pass's words, in each language of the rules file: a bar no
# rule names and autoconsent does not know, without the word "cookie".
sp --no-cache -W 1000 -H 700 -f png -o "$T/words.png" "$BASE/banner-words.html"
LANGS="de fr es it nl pt pl en"
for lang in $LANGS; do echo "$BASE/banner-words.html?lang=$lang"; done >"$T/langs.txt"
sp --no-cache --nocookie -j 4 -W 1000 -H 700 -f png -n '{n}.png' -o "$T/words" -i "$T/langs.txt"
expect_rc 0
n=0
for lang in $LANGS; do
	n=$((n + 1))
	d=$("$PROBE" diff "$T/words/$n.png" "$T/words.png")
	check "$lang: the bar is found by its words and hidden ($d)" test "$(echo "$d" | cut -d' ' -f2)" = 0
done
sp --no-cache -W 1000 -H 700 -f png -o "$T/words-de-plain.png" "$BASE/banner-words.html?lang=de"
d=$("$PROBE" diff "$T/words-de-plain.png" "$T/words.png")
check "the bar shows without --nocookie ($d)" test "$(echo "$d" | cut -d' ' -f2)" != 0

# Not banners: the same pixels with and without --nocookie.
for what in header chat newsletter; do echo "$BASE/not-banner.html?what=$what"; done >"$T/not.txt"
sp --no-cache -j 3 -W 1000 -H 700 -f png -n '{n}.png' -o "$T/not" -i "$T/not.txt"
sp --no-cache --nocookie -j 3 -W 1000 -H 700 -f png -n '{n}.png' -o "$T/not-nc" -i "$T/not.txt"
expect_rc 0
n=0
for what in header chat newsletter; do
	n=$((n + 1))
	d=$("$PROBE" diff "$T/not/$n.png" "$T/not-nc/$n.png")
	check "$what: left alone by --nocookie ($d)" test "$(echo "$d" | cut -d' ' -f2)" = 0
done

# Without autoconsent (none installed, or turned off): savepage's own rules
# and heuristic only, said once under -v; a rule set of its own in the cache.
sp -v --nocookie -d 1 -W 1000 -H 700 -f png -o "$T/k1.png" --report "$T/k1.jsonl" \
	"$BASE/consent.html?lib=cookie-notice"
expect_rc 0
check "first shot rendered" grep -q '"source":"rendered"' "$T/k1.jsonl"
sp --nocookie -d 1 -W 1000 -H 700 -f png -o "$T/k2.png" --report "$T/k2.jsonl" \
	"$BASE/consent.html?lib=cookie-notice"
check "the same again: from the cache" grep -q '"source":"cached"' "$T/k2.jsonl"
SAVEPAGE_AUTOCONSENT_DIR=none sp -v --nocookie -d 1 -W 1000 -H 700 -f png -o "$T/k3.png" \
	--report "$T/k3.jsonl" "$BASE/consent.html?lib=cookie-notice"
expect_rc 0
expect_err "SAVEPAGE_AUTOCONSENT_DIR=none; using savepage's own rules only"
check "another rule set: rendered again, not taken from the cache" \
	grep -q '"source":"rendered"' "$T/k3.jsonl"
left=$("$PROBE" diff "$T/k3.png" "$T/reference.png" | cut -d' ' -f1)
check "own rules alone clear cookie-notice (MAE $left%)" awk "BEGIN { exit !($left < 0.5) }"
# A directory named that is not autoconsent: a usage error naming it.
mkdir -p "$T/empty"
SAVEPAGE_AUTOCONSENT_DIR="$T/empty" sp --nocookie -o "$T/x.png" "$BASE/consent.html"
expect_rc 2
expect_err "SAVEPAGE_AUTOCONSENT_DIR: $T/empty/package.json: No such file or directory"
check "no file for a usage error" test ! -e "$T/x.png"
# An install whose rules are not autoconsent's compact rules: named, too.
mkdir -p "$T/broken/dist" "$T/broken/rules"
echo '{"name":"@duckduckgo/autoconsent","version":"16.23.0"}' >"$T/broken/package.json"
: >"$T/broken/dist/autoconsent.playwright.js"
echo '{"v":1,"r":{}}' >"$T/broken/rules/compact-rules.json"
SAVEPAGE_AUTOCONSENT_DIR="$T/broken" sp --nocookie -o "$T/x.png" "$BASE/consent.html"
expect_rc 2
expect_err "SAVEPAGE_AUTOCONSENT_DIR: $T/broken/rules/compact-rules.json: not JSON rules"
check "no file for a broken install" test ! -e "$T/x.png"
expect_no_browser_left
finish
