#!/bin/sh
# --noads: a page with an ad network's tag, trackers and analytics from
# EasyList, EasyPrivacy and savepage's own list, ad containers, and a third
# party on no list. The ad hosts are mapped to the test server, so its log
# shows which hosts the browser asked for with and without the option; the
# image shows that nothing red (ads) is left and that their room collapsed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

rules=""
for h in securepubads.g.doubleclick.net sb.scorecardresearch.com imagesrv.adition.com \
	cdn.heapanalytics.com ads.savepage-test.example tracker.savepage-test.example \
	cdn.savepage-test.example; do
	rules="${rules:+$rules, }MAP $h 127.0.0.1:$PORT"
done
MAP="--host-resolver-rules=$rules"

# hosts: the Host headers the server saw since the log was emptied.
hosts() {
	python3 -c 'import json,sys
print(" ".join(sorted({json.loads(l)["host"] for l in open(sys.argv[1])})))' "$T/requests.jsonl"
}
asked() { hosts | tr ' ' '\n' | grep -qx "$1"; }

printf '! a user list\n||ads.savepage-test.example^\n0.0.0.0 tracker.savepage-test.example\n' \
	>"$T/mine.txt"

# Without the option every host is asked for and the ads show.
: >"$T/requests.jsonl"
sp --no-cache --browser-arg "$MAP" -f png -o "$T/plain.png" "$BASE/ads.html"
expect_rc 0
for h in securepubads.g.doubleclick.net sb.scorecardresearch.com imagesrv.adition.com \
	cdn.heapanalytics.com ads.savepage-test.example cdn.savepage-test.example; do
	check "without --noads $h is asked for" asked "$h"
done
expect_pixel "$T/plain.png" 10 70 "255 0 0" 0
expect_pixel "$T/plain.png" 10 415 "0 255 0" 0

# With --noads and a user list: no ad, tracker or analytics host is asked
# for (not even by the page's scripts), the first and unlisted third parties
# are, and the ads' room is gone: the green marker follows the blue bar.
: >"$T/requests.jsonl"
sp --no-cache --noads --blocklist "$T/mine.txt" -v --browser-arg "$MAP" -f png \
	-o "$T/noads.png" "$BASE/ads.html"
expect_rc 0
for h in securepubads.g.doubleclick.net sb.scorecardresearch.com imagesrv.adition.com \
	cdn.heapanalytics.com ads.savepage-test.example tracker.savepage-test.example; do
	if asked "$h"; then fail "--noads: $h was asked for"; else ok "--noads: $h not asked for"; fi
done
check "--noads: the unlisted third party is asked for" asked cdn.savepage-test.example
check "--noads: the page itself is asked for" asked "127.0.0.1:$PORT"
expect_pixel "$T/noads.png" 10 25 "0 0 255" 0
expect_pixel "$T/noads.png" 10 75 "0 255 0" 0
expect_pixel "$T/noads.png" 10 150 "255 255 255" 0
expect_err "--noads: [0-9]* hosts"
# No pure red anywhere: count red pixels through a row scan.
red=$(python3 - "$T/noads.png" "$PROBE" <<'PY'
import subprocess, sys
f, probe = sys.argv[1], sys.argv[2]
n = 0
for y in range(0, 500, 10):
    for x in (5, 150, 295):
        if subprocess.run([probe, f, str(x), str(y)], capture_output=True, text=True).stdout.split() == ["255", "0", "0"]:
            n += 1
print(n)
PY
)
check "--noads: no red ad pixel sampled ($red)" test "$red" = 0

# A full page is cleaned after its scroll-through and measured without the ads.
sp --no-cache --noads --blocklist "$T/mine.txt" -F -H 300 --browser-arg "$MAP" -f png \
	-o "$T/full.png" "$BASE/ads.html"
expect_rc 0
expect_probe "$T/full.png" "png 1440 300"
expect_pixel "$T/full.png" 10 75 "0 255 0" 0

# Without the user list, its two hosts are asked for: the list is what blocks them.
: >"$T/requests.jsonl"
sp --no-cache --noads --browser-arg "$MAP" -f png -o "$T/noads2.png" "$BASE/ads.html"
expect_rc 0
check "--noads without --blocklist: the user list's host is asked for" \
	asked ads.savepage-test.example
if asked imagesrv.adition.com; then fail "EasyList host asked for"; else ok "EasyList host blocked"; fi
expect_pixel "$T/noads2.png" 10 155 "0 255 0" 0

# Without EasyList and EasyPrivacy (the package absent), savepage's own
# list still blocks the big networks; the lists' own hosts then load.
mkdir "$T/nolists"
: >"$T/requests.jsonl"
SAVEPAGE_EASYLIST_DIR="$T/nolists" sp --no-cache --noads --browser-arg "$MAP" -f png \
	-o "$T/builtin.png" "$BASE/ads.html"
expect_rc 0
for h in securepubads.g.doubleclick.net sb.scorecardresearch.com; do
	if asked "$h"; then fail "built-in list: $h asked for"; else ok "built-in list blocks $h"; fi
done
check "built-in list alone: the EasyList-only host is asked for" asked imagesrv.adition.com
# adition, heap, the two user-list hosts and .banner-ad (EasyList's) stay.
expect_pixel "$T/builtin.png" 10 275 "0 255 0" 0

# A page on a blocked host is an error that says why, and others go on.
sp --no-cache --noads --browser-arg "$MAP" -o "$T/out" \
	"http://securepubads.g.doubleclick.net:$PORT/page/x" "$BASE/page/fine"
expect_rc 1
expect_err "blocked: the host is on"
check "the other URL was captured" test -s "$(ls "$T"/out/127.0.0.1_page_fine*.jpg)"

# The cache keeps --noads shots apart from plain ones.
sp --browser-arg "$MAP" -f png -o "$T/c1.png" "$BASE/ads.html"
sp --noads -v --browser-arg "$MAP" -f png -o "$T/c2.png" "$BASE/ads.html"
if grep -q "from the cache" "$T/err"; then fail "--noads served the plain cached shot"; else ok "--noads not served from the plain shot's cache entry"; fi
expect_pixel "$T/c2.png" 10 155 "0 255 0" 0
sp --noads -v --browser-arg "$MAP" -f png -o "$T/c3.png" "$BASE/ads.html"
expect_err "from the cache"

# Bad lists are usage errors that name the file.
sp --noads --blocklist "$T/missing.txt" "$BASE/ads.html"
expect_rc 2
expect_err "missing.txt"

finish
