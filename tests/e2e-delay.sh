#!/bin/sh
# --delay waits after load: delay.html is red until 1 s after load, then green.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

sp -o "$T/now.png" "$BASE/delay.html"
expect_rc 0
expect_pixel "$T/now.png" 100 100 "255 0 0" 0

sp -d 0.3 -o "$T/short.png" "$BASE/delay.html"
expect_pixel "$T/short.png" 100 100 "255 0 0" 0

sp -d 1.5 -o "$T/later.png" "$BASE/delay.html"
expect_rc 0
expect_pixel "$T/later.png" 100 100 "0 255 0" 0

# --timeout bounds load + delay: the delay is cut short, with a warning.
start=$(date +%s)
sp -d 20 --timeout 3 -o "$T/cut.png" "$BASE/delay.html"
elapsed=$(($(date +%s) - start))
expect_rc 0
expect_err "cut short"
check "a 20 s delay under --timeout 3 took ${elapsed}s" test "$elapsed" -lt 8
expect_pixel "$T/cut.png" 100 100 "0 255 0" 0
finish
