#!/bin/sh
# Peer (a): one chromium-headless-shell process per URL, as a shell loop or
# xargs -P would run it. Usage: cli-shot.sh BROWSER OUT-FILE URL
browser=$1 out=$2 url=$3
profile=$(mktemp -d)
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --window-size=1440,900 --screenshot="$out" "$url" \
	>/dev/null 2>&1
rc=$?
rm -rf "$profile"
exit $rc
