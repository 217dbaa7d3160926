#!/bin/sh
# --api against a stand-in that answers errors in the other forms a client
# must understand besides the documented one (422 and the message alone,
# e2e-api.sh): the code as the HTTP status, a numeric "code" member beside
# the message, and "error" as a list. Each must lead to the same behaviour.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
KEY=k3y-123456
SECRET=s3cr3t-w0rd
export SAVEPAGE_KEY="$KEY" SAVEPAGE_SECRET="$SECRET"
apilog() {
	python3 -c 'import json,sys
L=[json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2]))' "$T/api.jsonl" "$1"
}
reset_log() { : >"$T/api.jsonl"; }
for API_FORM in status code list; do
	echo "== errors answered in the '$API_FORM' form"
	if [ -n "${API_PID:-}" ]; then
		kill "$API_PID"
		wait "$API_PID" 2>/dev/null
		rm -f "$T/api-port"
	fi
	API_ARGS="--error-form $API_FORM" start_api "$KEY:$SECRET:2" "slow1:$SECRET:1" \
		"busy0:$SECRET:0" ip-restricted origin-restricted too-many-ip plan-requests plan-shots
	export SAVEPAGE_API_URL="$API"
	. "$top_srcdir/tests/api-errors.sh"
done
finish
