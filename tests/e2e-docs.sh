#!/bin/sh
# The option table is the one source: --help is generated from it, and the
# man page, the three completions and the README must list exactly its
# options (long and short). This fails when one of them drifts.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

"$SAVEPAGE" --dump-options >"$T/table" || fail "--dump-options"
awk '{print "--" $1}' "$T/table" | sort -u >"$T/long"
awk '$2 != "-" {print "-" $2}' "$T/table" | sort -u >"$T/short"
check "the table has options" test "$(wc -l <"$T/long")" -gt 10

# compare NAME FILE-OF-FOUND FILE-OF-EXPECTED
compare() {
	if diff "$3" "$2" >"$T/diff"; then
		ok "$1 lists exactly the table's options"
	else
		fail "$1 differs from the option table (< missing, > unknown): $(tr '\n' ' ' <"$T/diff")"
	fi
}

# man page: the option entries (.TP followed by a .B/.BR line), up to the
# section on savepage serve, checked below against its --help.
sed '/^\.SH SERVING THE API/,/^\.SH /{/^\.SH SERVING/!{/^\.SH /!d}}' "$top_srcdir/man/savepage.1" |
	awk '/^\.TP/ {getline; if ($0 ~ /^\.BR? /) print}' |
	sed 's/\\-/-/g' | grep -oE '(^|[ "])--?[a-zA-Z][a-z-]*' | tr -d ' "' >"$T/man.all"
grep -- '^--' "$T/man.all" | sort -u >"$T/man.long"
grep -v -- '^--' "$T/man.all" | sort -u >"$T/man.short"
compare "man page (long)" "$T/man.long" "$T/long"
compare "man page (short)" "$T/man.short" "$T/short"
check "man page renders without warnings" sh -c "! man --warnings -E UTF-8 -l '$top_srcdir/man/savepage.1' 2>&1 >/dev/null | grep ."

# bash: the words offered for "-".
sed -n "/local opts=/,/'$/p" "$top_srcdir/completions/savepage.bash" | tr ' \t' '\n\n' |
	tr -d "'" | sed 's/^opts=//' | grep -E '^-' >"$T/bash.all"
grep -- '^--' "$T/bash.all" | sort -u >"$T/bash.long"
grep -v -- '^--' "$T/bash.all" | sort -u >"$T/bash.short"
compare "bash completion (long)" "$T/bash.long" "$T/long"
compare "bash completion (short)" "$T/bash.short" "$T/short"
check "bash completion parses" bash -n "$top_srcdir/completions/savepage.bash"

# zsh: the option specs of _arguments.
grep -oE "(^|[{,'*)])--?[a-zA-Z][a-z-]*[=+]?" "$top_srcdir/completions/_savepage" |
	sed "s/^[{,'*)]//; s/[=+]$//" | sort -u >"$T/zsh.all"
grep -- '^--' "$T/zsh.all" | sort -u >"$T/zsh.long"
grep -v -- '^--' "$T/zsh.all" | sort -u >"$T/zsh.short"
# savepage serve's own options are checked below, against its --help.
SERVE_ONLY='^--(listen|workers|keys|allow-private|allow-host|per-ip|real-ip-from|usage)$'
grep -vE "$SERVE_ONLY" "$T/zsh.long" >"$T/zsh.long2" && mv "$T/zsh.long2" "$T/zsh.long"
compare "zsh completion (long)" "$T/zsh.long" "$T/long"
compare "zsh completion (short)" "$T/zsh.short" "$T/short"

# fish: -l NAME and -s X.
grep -oE -- '-l [a-z-]+' "$top_srcdir/completions/savepage.fish" | sed 's/^-l /--/' | sort -u >"$T/fish.long"
grep -oE -- ' -s [a-zA-Z]' "$top_srcdir/completions/savepage.fish" | sed 's/^ -s /-/' | sort -u >"$T/fish.short"
grep -vE "$SERVE_ONLY" "$T/fish.long" >"$T/fish.long2" && mv "$T/fish.long2" "$T/fish.long"
compare "fish completion (long)" "$T/fish.long" "$T/long"

# savepage serve: each option its usage names is in the man page's section
# and completed in each shell.
sed -n '/^\.SH SERVING THE API/,/^\.SH FILES/p' "$top_srcdir/man/savepage.1" | sed 's/\\-/-/g' \
	>"$T/man.serve"
"$SAVEPAGE" serve --help | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$T/serve.long"
check "savepage serve --help names its options" test -s "$T/serve.long"
missing=$(while read -r o; do grep -q -- "$o" "$T/man.serve" || echo "$o"; done <"$T/serve.long")
check "the man page describes savepage serve's options (missing: $missing)" test -z "$missing"
for f in savepage.bash _savepage savepage.fish; do
	missing=$(while read -r o; do
		grep -qE -- "(--|-l )${o#--}([^a-z-]|$)" "$top_srcdir/completions/$f" || echo "$o"
	done <"$T/serve.long")
	check "$f completes savepage serve's options (missing: $missing)" test -z "$missing"
done
compare "fish completion (short)" "$T/fish.short" "$T/short"

# --help: every option, with its short form where it has one.
"$SAVEPAGE" --help >"$T/help"
while read -r name short _; do
	if [ "$short" = - ]; then pat="--$name"; else pat="-$short, --$name"; fi
	grep -q -- "$pat\\b" "$T/help" || fail "--help lacks $pat"
done <"$T/table"
ok "--help covers the table"

# README: each long option in its option reference.
while read -r name _; do
	grep -q -- "--$name\\b" "$top_srcdir/README.md" || fail "README.md lacks --$name"
done <"$T/table"
ok "README.md covers the table"

# The version agrees with the package.
v=$("$SAVEPAGE" --version)
case $v in "savepage "[0-9]*) ok "--version: $v" ;; *) fail "--version: $v" ;; esac
finish
