#!/bin/sh
# --format, --quality and the format taken from the output file's extension;
# bad values are usage errors (exit 2) that name the flag.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

sp -W 800 -H 600 -f jpeg -q 70 -o "$T/s.jpg" "$BASE/quad.html"
expect_rc 0
expect_probe "$T/s.jpg" "jpeg 800 600"
expect_pixel "$T/s.jpg" 200 150 "255 0 0"
expect_pixel "$T/s.jpg" 600 450 "255 255 0"

# The extension decides when --format is not given.
sp -W 400 -H 300 -o "$T/e.png" "$BASE/quad.html"
expect_probe "$T/e.png" "png 400 300"
sp -W 400 -H 300 -o "$T/e.jpeg" "$BASE/quad.html"
expect_probe "$T/e.jpeg" "jpeg 400 300"
sp -W 400 -H 300 -o "$T/e.JPG" "$BASE/quad.html"
expect_probe "$T/e.JPG" "jpeg 400 300"
# No known extension: the API's default, jpeg.
sp -W 400 -H 300 -o "$T/noext" "$BASE/quad.html"
expect_probe "$T/noext" "jpeg 400 300"
# An explicit --format wins over the extension.
sp -W 400 -H 300 -f png -o "$T/forced.img" "$BASE/quad.html"
expect_probe "$T/forced.img" "png 400 300"

# Quality reaches the encoder: a detailed page is smaller at q=10 than q=95.
sp -f jpeg -q 10 -o "$T/q10.jpg" "file://$top_srcdir/examples/demo.html"
sp -f jpeg -q 95 -o "$T/q95.jpg" "file://$top_srcdir/examples/demo.html"
s10=$(wc -c <"$T/q10.jpg")
s95=$(wc -c <"$T/q95.jpg")
check "quality 10 ($s10 bytes) is smaller than quality 95 ($s95 bytes)" test "$s10" -lt "$s95"

# Usage errors: exit 2, the flag named, nothing written.
for bad in "-q 0" "-q 101" "-f gif" "-W abc" "-W 0" "-H 99999" "-d -1" "--timeout 0" "--nosuchflag"; do
	# shellcheck disable=SC2086
	sp $bad -o "$T/bad.png" "$BASE/quad.html"
	if [ "$RC" = 2 ] && [ ! -e "$T/bad.png" ] && [ -s "$T/err" ]; then
		ok "'$bad' is a usage error: $(head -1 "$T/err")"
	else
		fail "'$bad': exit $RC, stderr: $(cat "$T/err")"
	fi
done
sp -q 0 "$BASE/quad.html"
expect_err "quality"
sp -W
expect_rc 2
expect_err "needs a value"
sp
expect_rc 2
expect_err "no URL given"
finish
