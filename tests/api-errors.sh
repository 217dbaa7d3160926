# The hosted API's errors as a client meets them, whatever form the stand-in
# answers in ($API_FORM: see tests/api_server.py --error-form). Sourced by
# e2e-api.sh (the documented form) and e2e-api-forms.sh (the others), after
# start_api with the test's accounts and the helpers apilog and reset_log.
# Errors that stop the batch: one clear message, the rest not sent.
printf 'https://example.org/%s\n' 1 2 3 4 5 >"$T/five.txt"
reset_log
SAVEPAGE_KEY=wrong sp --api --no-cache -j 1 -o "$T/bad" --report "$T/bad.jsonl" -i "$T/five.txt"
expect_rc 3
expect_err "461 Cannot verify the API Key"
check "one line on stderr" test "$(grep -c 461 "$T/err")" = 1
check "no more requests sent after the 461" test "$(apilog 'len(L)')" = 1
check "every URL reported" test "$(grep -c '"error_code":461' "$T/bad.jsonl")" = 5
check "the unsent are reported as such" test "$(grep -c 'not sent' "$T/bad.jsonl")" = 4
reset_log
SAVEPAGE_SECRET=nope sp --api --no-cache -j 1 -o "$T/bad2" -i "$T/five.txt"
expect_rc 3
expect_err "471 Invalid security hash"
check "471 stops the batch" test "$(apilog 'len(L)')" = 1
for kc in ip-restricted:472 origin-restricted:473 plan-requests:482 plan-shots:483; do
	reset_log
	SAVEPAGE_KEY=${kc%:*} sp --api --no-cache -j 1 -o "$T/bad3" -i "$T/five.txt"
	expect_err "${kc#*:} "
	check "${kc#*:} stops the batch" test "$(apilog 'len(L)')" = 1
done

# Errors for one URL: the rest of the batch goes on. A 422 whose message the
# contract does not list fails its URL in the server's words.
reset_log
sp --api --no-cache -o "$T/mixed-${API_FORM:-message}" --report "$T/mixed.jsonl" https://example.org/ok \
	https://example.org/render-error file:///etc/hostname https://example.org/odd-error
expect_rc 1
expect_err "render-error: 490 Rendering error"
expect_err "hostname: 462 Invalid or blank URL"
expect_err "odd-error: 422 The moon is in the wrong phase"
check "490 tried twice (--retries 1)" \
	test "$(apilog 'sum(1 for e in L if "render-error" in e["params"]["q"])')" = 2
check "the good URL was saved" test "$(grep -c '"status":"ok"' "$T/mixed.jsonl")" = 1

# 491: asked again with refresh=-1.
reset_log
sp --api --no-cache -o "$T/c.jpg" https://example.org/cache-error
expect_rc 0
check "491 then refresh=-1" test "$(apilog '[(e["status"], e["params"].get("refresh")) for e in L]')" = "[(491, None), (200, '-1')]"

# 481 (all workers busy) and 474 (too many requests): backed off, then served.
reset_log
printf 'https://example.org/slow/%s\n' 1 2 3 4 5 6 >"$T/six.txt"
SAVEPAGE_KEY=slow1 sp --api --no-cache -j 3 -o "$T/busy-${API_FORM:-message}" -i "$T/six.txt"
expect_rc 0
check "481s were answered" test "$(apilog 'sum(e["status"] == 481 for e in L)')" -ge 1
check "all six saved" test "$(ls "$T/busy-${API_FORM:-message}" | wc -l)" = 6
check "never more renders than the account's one worker" test "$(apilog 'max(e.get("busy", 0) for e in L)')" = 1
reset_log
SAVEPAGE_KEY=too-many-ip sp --api --no-cache -o "$T/ip.jpg" https://example.org/
expect_rc 0
check "474 twice, then served" test "$(apilog '[e["status"] for e in L]')" = "[474, 474, 200]"
reset_log
SAVEPAGE_KEY=busy0 sp --api --no-cache --timeout 2 -o "$T/never.jpg" https://example.org/
expect_rc 1
expect_err "481 All workers are busy"
check "backed off: a few tries, not a flood" test "$(apilog 'len(L)')" -le 8
check "no file for a failed URL" test ! -e "$T/never.jpg"

