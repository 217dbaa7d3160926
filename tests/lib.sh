# Shared set-up for the end-to-end tests: a private temporary directory, the
# test web server on 127.0.0.1, helpers that run the real savepage binary and
# check what a user would see. Each test sources this file.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SAVEPAGE="$top_builddir/src/savepage"
PROBE="$top_builddir/tests/imgprobe"
PAGES="$top_srcdir/tests/pages"

# autoconsent installed for this user (tools/bootstrap without root) stays
# found once HOME is the test's own.
if [ -z "${SAVEPAGE_AUTOCONSENT_DIR:-}" ] &&
	[ -f "${XDG_DATA_HOME:-${HOME:-/nonexistent}/.local/share}/savepage/autoconsent/package.json" ]; then
	SAVEPAGE_AUTOCONSENT_DIR="${XDG_DATA_HOME:-$HOME/.local/share}/savepage/autoconsent"
	export SAVEPAGE_AUTOCONSENT_DIR
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/savepage-test.XXXXXX")
# Chrome's temporary profiles go under $T/tmp, so tests can see they are removed.
mkdir -p "$T/tmp" "$T/home" "$T/config"
# A cache of the test's own: runs within a test may be served from it.
export TMPDIR="$T/tmp" HOME="$T/home" XDG_CONFIG_HOME="$T/config" XDG_CACHE_HOME="$T/cache"
SERVER_PID=
FAILS=0

cleanup() {
	for pid in $SERVER_PID ${API_PID:-} ${PROXY_PIDS:-} ${SERVE_PID:-}; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# wait_file FILE: waits up to 5 s for FILE to hold something (a server's port).
wait_file() {
	for _ in $(seq 1 100); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

start_server() {
	# shellcheck disable=SC2086
	python3 "$top_srcdir/tests/server.py" --root "$PAGES" --port-file "$T/port" \
		--log "$T/requests.jsonl" ${SERVER_ARGS:-} &
	SERVER_PID=$!
	wait_file "$T/port" || { echo "FAIL: test server did not start"; exit 99; }
	PORT=$(cat "$T/port")
	BASE="http://127.0.0.1:$PORT"
}

# start_api ACCOUNT...: the stand-in for the hosted API (tests/api_server.py)
# with accounts KEY[:SECRET[:WORKERS]]; its address in API, its log in
# $T/api.jsonl.
start_api() {
	args=${API_ARGS:-}
	for a in "$@"; do args="$args --account $a"; done
	# shellcheck disable=SC2086
	python3 "$top_srcdir/tests/api_server.py" $args --imgprobe "$PROBE" \
		--port-file "$T/api-port" --log "$T/api.jsonl" &
	API_PID=$!
	wait_file "$T/api-port" || { echo "FAIL: API stand-in did not start"; exit 99; }
	API="${API_SCHEME:-http}://127.0.0.1:$(cat "$T/api-port")/v1/"
}

# start_serve ARGS...: savepage serve on a free loopback port; $SERVE is its
# address, $SERVE_PID its pid, $T/serve.err its log.
start_serve() {
	"$SAVEPAGE" serve --listen 127.0.0.1:0 "$@" 2>"$T/serve.err" &
	SERVE_PID=$!
	# Up to 60 s: a loaded machine can be slow to start a process.
	for _ in $(seq 1 600); do
		grep -q 'listening on' "$T/serve.err" && break
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.1
	done
	SERVE=$(sed -n 's/.*listening on \(http[^ ]*\) .*/\1/p' "$T/serve.err")
	if [ -z "$SERVE" ]; then
		if kill -0 "$SERVE_PID" 2>/dev/null; then
			how="still running after 60 s"
		else
			wait "$SERVE_PID"
			how="exit status $?"
		fi
		echo "FAIL: savepage serve $* did not start ($how): $(cat "$T/serve.err")"
		exit 99
	fi
}
# call ARGS...: curl against the server; the body in $T/body, the status in
# $CODE, the headers in $T/headers.
call() {
	rm -f "$T/body" # curl writes no file for an empty body
	CODE=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@")
	touch "$T/body"
}
header() { sed -n "s/^$1: //Ip" "$T/headers" | tr -d '\r'; }
# expect_api_error CODE MESSAGE: the contract's form of an error.
expect_api_error() {
	want=$(python3 -c 'import json,sys; print(json.dumps({"error": sys.argv[1]}, separators=(",", ":")))' "$2")
	if [ "$CODE" = 422 ] && [ "$(cat "$T/body")" = "$want" ]; then
		ok "$1: 422 $want"
	else
		fail "$1: expected 422 $want, got $CODE $(cat "$T/body")"
	fi
}
# start_proxy NAME [--auth USER:PASSWORD]: tests/proxy.py (HTTP and SOCKS5 on
# one port), its port in $T/NAME.port, its log in $T/NAME.jsonl; sets PROXY
# to 127.0.0.1:PORT.
start_proxy() {
	name=$1
	shift
	python3 "$top_srcdir/tests/proxy.py" --port-file "$T/$name.port" --log "$T/$name.jsonl" "$@" &
	PROXY_PIDS="${PROXY_PIDS:-} $!"
	wait_file "$T/$name.port" || { echo "FAIL: proxy did not start"; exit 99; }
	PROXY="127.0.0.1:$(cat "$T/$name.port")"
}

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}

ok() {
	echo "ok: $*"
}

# check DESCRIPTION COMMAND...: passes if COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# sp ARGS...: runs savepage; sets RC, and keeps stderr in $T/err.
sp() {
	"$SAVEPAGE" "$@" 2>"$T/err"
	RC=$?
	return 0
}

# sp_config ARGS...: sp, reading the config file ($T/config/savepage/config)
# that the suite otherwise turns off.
sp_config() {
	env -u SAVEPAGE_NO_CONFIG "$SAVEPAGE" "$@" 2>"$T/err"
	RC=$?
	return 0
}

# probe FILE: prints "FORMAT WIDTH HEIGHT".
probe() {
	"$PROBE" "$1"
}

# pixel FILE X Y: prints "R G B".
pixel() {
	"$PROBE" "$1" "$2" "$3"
}

# near "R G B" "R G B" [TOL]: colours equal within TOL per channel (JPEG).
near() {
	tol=${3:-24}
	set -- $1 $2
	for i in 1 2 3; do
		a=$(eval echo \${$i})
		b=$(eval echo \${$((i + 3))})
		d=$((a - b))
		[ $d -lt 0 ] && d=$((-d))
		[ $d -le "$tol" ] || return 1
	done
	return 0
}

# expect_pixel FILE X Y "R G B" [TOL]
expect_pixel() {
	got=$(pixel "$1" "$2" "$3")
	if near "$got" "$4" "${5:-24}"; then
		ok "$1 at $2,$3 is $4"
	else
		fail "$1 at $2,$3: expected $4, got '$got'"
	fi
}

# expect_probe FILE "FORMAT W H"
expect_probe() {
	got=$(probe "$1" 2>&1)
	if [ "$got" = "$2" ]; then ok "$1 is $2"; else fail "$1: expected '$2', got '$got'"; fi
}

expect_rc() {
	if [ "$RC" = "$1" ]; then
		ok "exit status $1"
	else
		fail "exit status: expected $1, got $RC; stderr: $(cat "$T/err")"
	fi
}

expect_err() {
	if grep -q -- "$1" "$T/err"; then
		ok "stderr mentions '$1'"
	else
		fail "stderr lacks '$1': $(cat "$T/err")"
	fi
}

# start_bg ARGS...: runs savepage in the background (pid in BG, stderr in
# $T/err) and returns once its browser is up and a second has passed.
start_bg() {
	"$SAVEPAGE" "$@" 2>"$T/err" &
	BG=$!
	for _ in $(seq 1 100); do
		pgrep -f -- "--user-data-dir=$T/tmp" >/dev/null && break
		sleep 0.05
	done
	sleep 1
}

# spy_browser: $SPY is a browser that records each launch (a line in
# $T/launched) and then runs the real one; "was a browser launched?" is
# then answered by the record, not by what a clean exit leaves behind.
spy_browser() {
	real=$(command -v chromium-headless-shell || command -v chromium)
	SPY="$T/spy-browser"
	printf '#!/bin/sh\necho launched >>"%s"\nexec "%s" "$@"\n' "$T/launched" "$real" >"$SPY"
	chmod +x "$SPY"
	rm -f "$T/launched"
}

# launches: how many browsers $SPY has started so far.
launches() {
	if [ -f "$T/launched" ]; then wc -l <"$T/launched" | tr -d ' '; else echo 0; fi
}

# No Chrome of ours left running and no profile left behind.
expect_no_browser_left() {
	sleep 0.2
	if pgrep -f -- "--user-data-dir=$T/tmp" >/dev/null; then
		fail "a browser process outlived savepage: $(pgrep -af -- "--user-data-dir=$T/tmp" | head -3)"
		pkill -9 -f -- "--user-data-dir=$T/tmp"
	else
		ok "no browser process left"
	fi
	if [ -n "$(ls -A "$T/tmp")" ]; then
		fail "temporary files left: $(ls -A "$T/tmp")"
	else
		ok "no temporary profile left"
	fi
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	exit 0
}
