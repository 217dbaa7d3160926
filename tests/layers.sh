#!/bin/sh
# The shape of src/: dependencies point one way. Only the command line
# (main, options, run, and the commands cachecmd and serve) knows struct
# settings; no file includes itself again through others (no include
# cycle); libwebsockets is seen by the loop, the DevTools client and the
# HTTP server only.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
cd "$top_srcdir/src" || exit 99
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }

cli="main.c options.c options.h run.c run.h cachecmd.c serve.c"
bad=$(grep -l '#include "options.h"' *.c *.h | while read -r f; do
	case " $cli " in *" $f "*) ;; *) echo "$f" ;; esac
done)
if [ -z "$bad" ]; then ok "no engine file includes options.h"; else fail "options.h included by: $(echo $bad)"; fi

bad=$(grep -l '#include "run.h"' *.c *.h | while read -r f; do
	case " $cli " in *" $f "*) ;; *) echo "$f" ;; esac
done)
if [ -z "$bad" ]; then ok "no engine file includes run.h"; else fail "run.h included by: $(echo $bad)"; fi

bad=$(grep -l '<libwebsockets.h>' *.c *.h | grep -v -x -e loop.c -e cdp.c -e httpd.c)
if [ -z "$bad" ]; then ok "libwebsockets only in loop.c, cdp.c and httpd.c"; else fail "libwebsockets.h in: $(echo $bad)"; fi

# Include cycles among the headers (a .c file includes its own header first).
cycles=$(python3 - <<'PY'
import os, re, sys
inc = {}
for f in os.listdir('.'):
    if f.endswith('.h'):
        inc[f] = re.findall(r'#include "([^"]+\.h)"', open(f).read())
seen, stack, out = set(), [], []
def visit(h):
    if h in stack:
        out.append(' -> '.join(stack[stack.index(h):] + [h])); return
    if h in seen or h not in inc: return
    seen.add(h); stack.append(h)
    for d in inc[h]: visit(d)
    stack.pop()
for h in sorted(inc): visit(h)
# .c files: a module's .c may include any header, but no header may reach
# back to the .c's own header other than through itself.
print('\n'.join(out))
PY
)
if [ -z "$cycles" ]; then ok "no include cycle among the headers"; else fail "include cycles: $cycles"; fi

# Module cycles: a.c includes b.h and b.c includes a.h.
pairs=$(for c in *.c; do
	m=${c%.c}
	for h in $(sed -n 's/^#include "\([a-z]*\)\.h"/\1/p' "$c"); do
		[ "$h" = "$m" ] || [ "$h" = config ] && continue
		[ -f "$h.c" ] && grep -q "^#include \"$m.h\"" "$h.c" && echo "$m<->$h"
	done
done | sort -u)
if [ -z "$pairs" ]; then ok "no two modules include each other"; else fail "modules include each other: $(echo $pairs)"; fi

[ "$FAILS" -eq 0 ]
