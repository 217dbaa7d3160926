#!/bin/sh
# Finding and launching the browser, --browser-arg, and a browser that never
# outlives savepage: not on success, error, Ctrl-C, SIGTERM or SIGKILL.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

sp --browser /nonexistent/chrome -o "$T/x.png" "$BASE/quad.html"
expect_rc 3
expect_err "/nonexistent/chrome: browser not found"
sp --browser /bin/false -o "$T/x.png" "$BASE/quad.html"
expect_rc 3
expect_err "exited at start-up"
(PATH=/nonexistent; export PATH; "$SAVEPAGE" -o "$T/x.png" "$BASE/quad.html" 2>"$T/err"; echo $? >"$T/rc")
RC=$(cat "$T/rc")
expect_rc 3
expect_err "no Chrome or Chromium found"
check "no file when no browser" test ! -e "$T/x.png"
expect_no_browser_left

# A proxy in the environment (common on company networks) never carries the
# DevTools connection to our own browser: with http_proxy and https_proxy at
# a closed port, captures work as before when no_proxy sends the page direct
# (as curl, savepage proxies loopback pages too; tests/e2e-network.sh).
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(http_proxy="http://127.0.0.1:$closed" https_proxy="http://127.0.0.1:$closed" \
	HTTP_PROXY="http://127.0.0.1:$closed" ALL_PROXY="http://127.0.0.1:$closed" \
	no_proxy=127.0.0.1 \
	"$SAVEPAGE" --no-cache -o "$T/proxied.png" "$BASE/quad.html" 2>"$T/err"; echo $? >"$T/rc")
RC=$(cat "$T/rc")
expect_rc 0
expect_probe "$T/proxied.png" "png 1440 900"
# Without no_proxy the page goes to that proxy, as curl would send it, and
# the URL fails naming it.
(http_proxy="http://127.0.0.1:$closed" \
	"$SAVEPAGE" --no-cache -o "$T/proxied2.png" "$BASE/quad.html" 2>"$T/err"; echo $? >"$T/rc")
RC=$(cat "$T/rc")
expect_rc 1
expect_err "ERR_PROXY_CONNECTION_FAILED"

# --browser-arg reaches Chrome: a made-up host name resolves only through it.
sp --browser-arg "--host-resolver-rules=MAP savepage.test 127.0.0.1" -o "$T/m.png" "http://savepage.test:$PORT/quad.html"
expect_rc 0
expect_pixel "$T/m.png" 360 225 "255 0 0" 0
sp --no-cache -o "$T/m2.png" "http://savepage.test:$PORT/quad.html"
expect_rc 1

# --browser with a name on PATH.
sp --browser chromium-headless-shell -W 200 -H 100 -o "$T/p.png" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/p.png" "png 200 100"

# Signals while a capture is in flight: exit 130, no browser, no file.
for sig in INT TERM; do
	start_bg --timeout 60 -o "$T/sig.png" "$BASE/hang"
	kill -$sig $BG
	wait $BG
	RC=$?
	expect_rc 130
	expect_err "interrupted"
	check "no file after SIG$sig" test ! -e "$T/sig.png"
	expect_no_browser_left
done

# SIGKILL: savepage cannot clean up, yet Chrome must not survive it.
start_bg --timeout 60 -o "$T/sig.png" "$BASE/hang"
kill -KILL $BG
wait $BG 2>/dev/null
gone=no
for _ in $(seq 1 50); do
	if ! pgrep -f -- "--user-data-dir=$T/tmp" >/dev/null; then gone=yes; break; fi
	sleep 0.1
done
check "Chrome gone after savepage was killed with SIGKILL" test $gone = yes
pkill -9 -f -- "--user-data-dir=$T/tmp" 2>/dev/null
# The next run removes the profile the killed one left behind.
sp --no-cache -W 200 -H 100 -o "$T/after.png" "$BASE/quad.html"
expect_rc 0
expect_no_browser_left
finish
