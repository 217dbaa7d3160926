#!/bin/sh
# A crashed renderer, a tab that stops answering, a browser that dies mid-run,
# Ctrl-C during a batch into an archive, and remote browsers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

# A renderer that runs out of memory crashes; the URL is tried again in a
# fresh tab (the page is fine the second time) and the others are unharmed.
sp -j 2 -v --browser-arg=--js-flags=--max-old-space-size=32 -o "$T/crash" \
	"$BASE/crash-once?key=k1" "$BASE/page/c1" "$BASE/page/c2"
expect_rc 0
expect_err "renderer crashed; trying again"
check "three images after a renderer crash" test "$(ls "$T/crash" | wc -l)" = 3
# Crashing every time: one failure, the rest saved.
sp -j 2 --retries 0 --browser-arg=--js-flags=--max-old-space-size=32 -o "$T/crash2" \
	"$BASE/crash-once?key=k2" "$BASE/page/c3"
expect_rc 1
expect_err "crash-once?key=k2: 490 the page's renderer crashed"
check "the other page saved" test "$(ls "$T/crash2" | wc -l)" = 1

# A tab whose page never returns control: it times out and is closed.
start=$(date +%s)
sp -j 2 --retries 0 --timeout 3 -o "$T/busy" "$BASE/busy.html" "$BASE/page/b1" "$BASE/page/b2"
elapsed=$(($(date +%s) - start))
expect_rc 1
expect_err "busy.html: 490 timed out after 3 s"
check "the others saved" test "$(ls "$T/busy" | wc -l)" = 2
check "a hung tab costs about its timeout (${elapsed}s)" test "$elapsed" -lt 10

# The browser is killed mid-run: it is started again and the batch completes.
for i in $(seq 1 12); do echo "$BASE/slow?ms=700&k=$i"; done >"$T/slow.txt"
"$SAVEPAGE" -j 2 -o "$T/kill" -i "$T/slow.txt" 2>"$T/err" &
pid=$!
for _ in $(seq 1 100); do
	[ "$(ls "$T/kill" 2>/dev/null | wc -l)" -ge 2 ] && break
	sleep 0.05
done
main=$(pgrep -f -- "--user-data-dir=$T/tmp" | while read -r p; do
	grep -qa -- '--type=' "/proc/$p/cmdline" 2>/dev/null || echo "$p"; done | tail -1)
[ -n "$main" ] && kill -KILL "$main"
wait $pid
RC=$?
expect_rc 0
expect_err "starting it again"
check "all 12 pages after the browser died ($(ls "$T/kill" | wc -l))" test "$(ls "$T/kill" | wc -l)" = 12
expect_no_browser_left

# Ctrl-C during a batch into an archive: exit 130, a valid archive holding
# what was finished and its manifest, no browser left.
for i in $(seq 1 30); do echo "$BASE/slow?ms=400&s=$i"; done >"$T/many.txt"
"$SAVEPAGE" -j 2 -a "$T/int.tar" --report "$T/int.jsonl" -i "$T/many.txt" 2>"$T/err" &
pid=$!
for _ in $(seq 1 200); do
	[ -f "$T/int.jsonl" ] && [ "$(wc -l <"$T/int.jsonl")" -ge 4 ] && break
	sleep 0.05
done
kill -INT $pid
wait $pid
RC=$?
expect_rc 130
expect_err "interrupted"
python3 - "$T/int.tar" "$T/int.jsonl" <<'PY' && ok "interrupted archive is valid and complete" || fail "interrupted archive"
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
names = t.getnames()
imgs = [n for n in names if n.endswith(".jpg")]
man = [json.loads(l) for l in t.extractfile("manifest.jsonl").read().decode().splitlines()]
rep = [json.loads(l) for l in open(sys.argv[2])]
assert 4 <= len(imgs) < 30, names
assert len(man) == len(imgs) == len(rep), (len(man), len(imgs), len(rep))
assert sorted(m["file"] for m in man) == sorted(imgs)
for n in imgs:
    assert t.extractfile(n).read()[:3] == b"\xff\xd8\xff"
PY
expect_no_browser_left

# Remote browsers: two Chromium instances on loopback, each with its own user
# agent so the server log shows that both did work.
start_remote() {
	mkdir -p "$T/remote$1"
	chromium-headless-shell --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --remote-debugging-port=0 \
		--user-data-dir="$T/remote$1" --user-agent="Remote$1/1.0" about:blank \
		>/dev/null 2>&1 &
	for _ in $(seq 1 100); do
		[ -s "$T/remote$1/DevToolsActivePort" ] && break
		sleep 0.05
	done
}
start_remote 1
start_remote 2
ws1="ws://127.0.0.1:$(sed -n 1p "$T/remote1/DevToolsActivePort")$(sed -n 2p "$T/remote1/DevToolsActivePort")"
http2="http://127.0.0.1:$(sed -n 1p "$T/remote2/DevToolsActivePort")"
for i in $(seq 1 10); do echo "$BASE/slow?ms=300&r=$i"; done >"$T/remote.txt"
: >"$T/requests.jsonl"
spy_browser
sp -j 2 --browser "$SPY" --browser-url "$ws1" --browser-url "$http2" -a "$T/remote.tar" -i "$T/remote.txt"
expect_rc 0
check "10 images from two remote browsers" test "$(tar -tf "$T/remote.tar" | grep -c '\.jpg$')" = 10
u1=$(grep -c '"user-agent": "Remote1/1.0"' "$T/requests.jsonl")
u2=$(grep -c '"user-agent": "Remote2/1.0"' "$T/requests.jsonl")
check "both browsers did work ($u1 and $u2 requests)" test "$u1" -ge 2 -a "$u2" -ge 2
check "no browser launched for --browser-url ($(launches) launched)" test "$(launches)" = 0
check "the remote browsers still run" sh -c "pgrep -f -- '--user-data-dir=$T/remote1' >/dev/null"
# A remote browser that is not there: exit 3.
sp --browser-url "ws://127.0.0.1:9/devtools/browser/x" -o "$T/none.png" "$BASE/page/z"
expect_rc 3
pkill -f -- "--user-data-dir=$T/remote" 2>/dev/null
sleep 0.3
pkill -9 -f -- "--user-data-dir=$T/remote" 2>/dev/null
finish
