#!/bin/sh
# The image goes to standard output when it is not a terminal (or with -o -),
# and to a file named after the URL when it is a terminal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

"$SAVEPAGE" -W 640 -H 480 "$BASE/quad.html" >"$T/out.jpg" 2>"$T/err"
RC=$?
expect_rc 0
expect_probe "$T/out.jpg" "jpeg 640 480"
expect_pixel "$T/out.jpg" 100 100 "255 0 0"

"$SAVEPAGE" -W 640 -H 480 -f png -o - "$BASE/quad.html" 2>"$T/err" | cat >"$T/out.png"
expect_probe "$T/out.png" "png 640 480"

# Nothing on stdout but the image: warnings go to stderr.
"$SAVEPAGE" -W 320 -H 200 "$BASE/status/404" >"$T/w.jpg" 2>"$T/err"
RC=$?
expect_rc 0
expect_probe "$T/w.jpg" "jpeg 320 200"
expect_err "HTTP 404"

# A terminal on stdout: the image goes to a file in the current directory.
mkdir "$T/cwd"
if command -v script >/dev/null; then
	(cd "$T/cwd" && script -qec "'$SAVEPAGE' -W 320 -H 200 '$BASE/quad.html'" /dev/null >"$T/tty.out" 2>&1)
	f=$(ls "$T/cwd")
	case "$f" in
	127.0.0.1_quad.html-*.jpg) ok "terminal: saved as $f" ;;
	*) fail "terminal: expected a file named after the URL, got '$f' ($(cat "$T/tty.out"))" ;;
	esac
	[ -n "$f" ] && expect_probe "$T/cwd/$f" "jpeg 320 200"
	check "terminal: the file name is printed" grep -q "$f" "$T/tty.out"
else
	fail "script(1) is needed for the terminal test"
fi

# Several URLs cannot share standard output.
sp -o - "$BASE/quad.html" "$BASE/vh.html"
expect_rc 2
expect_err "standard output"
finish
