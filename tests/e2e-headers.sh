#!/bin/sh
# --user-agent, --accept-language and --cookie reach the page (headers and
# navigator.*), and the cookie goes only to the page's own host.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
start_server

# field PATH-PREFIX HOST-PREFIX EXPR: a value from the request log, as Python
# evaluates EXPR on the headers h and the query q of the first matching request.
field() {
	python3 - "$T/requests.jsonl" "$1" "$2" "$3" <<'PY'
import json, sys, urllib.parse
log, prefix, host, expr = sys.argv[1:]
for line in open(log):
    e = json.loads(line)
    if e["path"].startswith(prefix) and e["host"].startswith(host):
        h = e["headers"]
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(e["path"]).query, keep_blank_values=True))
        print(eval(expr))
        break
else:
    print("<no request>")
PY
}

expect_field() {
	got=$(field "$1" "$2" "$3")
	if [ "$got" = "$4" ]; then ok "$1 on $2: $3 = '$4'"; else fail "$1 on $2: $3 = '$got', expected '$4'"; fi
}

: >"$T/requests.jsonl"
sp -d 0.2 -A 'MyBot/1.0' -L de-DE -b 'SID=abc; lang=de' -o "$T/s.jpg" "$BASE/headers.html"
expect_rc 0
expect_probe "$T/s.jpg" "jpeg 1440 900"
expect_field /headers.html 127.0.0.1 "h.get('user-agent')" "MyBot/1.0"
expect_field /headers.html 127.0.0.1 "h.get('accept-language')" "de-DE"
expect_field /headers.html 127.0.0.1 "h.get('cookie')" "SID=abc; lang=de"
expect_field /beacon 127.0.0.1 "q['ua']" "MyBot/1.0"
expect_field /beacon 127.0.0.1 "q['lang']" "de-DE"
expect_field /beacon 127.0.0.1 "q['cookie']" "SID=abc; lang=de"
expect_field /beacon 127.0.0.1 "h.get('accept-language')" "de-DE"
# The third-party host got the user agent, but not the cookie.
expect_field /pixel.png localhost "h.get('user-agent')" "MyBot/1.0"
expect_field /pixel.png localhost "h.get('cookie')" "None"

# The API spellings, and a cookie with spaces around its parts.
: >"$T/requests.jsonl"
sp -d 0.2 --user_agent 'Other/2.0' --accept_language 'fr-FR,fr;q=0.9' --cookie ' a = 1 ;b=2 ' -o "$T/t.jpg" "$BASE/headers.html"
expect_rc 0
expect_field /headers.html 127.0.0.1 "h.get('user-agent')" "Other/2.0"
expect_field /headers.html 127.0.0.1 "h.get('accept-language')" "fr-FR,fr;q=0.9"
expect_field /headers.html 127.0.0.1 "h.get('cookie')" "a=1; b=2"
expect_field /beacon 127.0.0.1 "q['lang']" "fr-FR"

# By default: Chrome's own user agent without the "Headless" that marks bots,
# and no cookie at all.
: >"$T/requests.jsonl"
sp -d 0.2 -o "$T/d.jpg" "$BASE/headers.html"
expect_rc 0
expect_field /headers.html 127.0.0.1 "'Chrome/' in h['user-agent'] and 'Headless' not in h['user-agent']" "True"
expect_field /beacon 127.0.0.1 "'Headless' in q['ua']" "False"
expect_field /headers.html 127.0.0.1 "h.get('cookie')" "None"
finish
