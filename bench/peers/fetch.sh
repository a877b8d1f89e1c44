#!/usr/bin/env bash
# fetch.sh: QEMU's own analyze-migration.py and vmstate-static-checker.py, the peers of `vmstate
# analyze` and `vmstate check` in the speed bench, taken from Debian's source package of qemu at
# bench time. They are QEMU's (GPL-2.0): they go to a cache directory outside the repository and are
# never committed.
#
#   bench/peers/fetch.sh            prints the cache directory holding the two scripts
# Env: VMSTATE_BENCH_CACHE (default ~/.cache/vmstate-bench)
#
# Needs root the first time: it adds a deb-src entry derived from the machine's own Debian source
# (same URI and key, suite bookworm) and runs apt-get update. Idempotent: a cache that already holds
# both scripts is used as it is.
set -euo pipefail

CACHE=${VMSTATE_BENCH_CACHE:-$HOME/.cache/vmstate-bench}
OUT=$CACHE/qemu-scripts
log() { echo "[bench peers] $*" >&2; }

if [ -f "$OUT/analyze-migration.py" ] && [ -f "$OUT/vmstate-static-checker.py" ]; then
  echo "$OUT"; exit 0
fi
mkdir -p "$CACHE/src" "$OUT"

list=/etc/apt/sources.list.d/vmstate-bench-src.sources
if [ ! -f "$list" ]; then
  [ "$(id -u)" = 0 ] || { log "needs root once to add a deb-src entry ($list)"; exit 2; }
  uri=http://deb.debian.org/debian; key=/usr/share/keyrings/debian-archive-keyring.gpg; suite=bookworm
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # The first stanza that is not the security suite: its URIs and its first suite.
    found=$(awk 'BEGIN{RS=""} !/security/ { u=""; s=""; if (match($0, /URIs: *[^ \n]+/)) { u=substr($0, RSTART, RLENGTH); sub(/URIs: */, "", u) } if (match($0, /Suites: *[^ \n]+/)) { s=substr($0, RSTART, RLENGTH); sub(/Suites: */, "", s) } if (u != "") { print u, s; exit } }' /etc/apt/sources.list.d/debian.sources)
    if [ -n "$found" ]; then uri=${found%% *}; suite=${found##* }; fi
  fi
  printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' "$uri" "$suite" "$key" >"$list"
  log "added $list ($uri $suite)"
  apt-get update -q >&2
fi

cd "$CACHE/src"
if ! ls qemu_*.orig.tar.* >/dev/null 2>&1; then
  log "downloading Debian's qemu source package (about 24 MB) into $CACHE/src"
  apt-get source --download-only qemu >&2
fi
orig=$(ls qemu_*.orig.tar.* | head -1)
tar --no-same-owner -xf "$orig" -C "$OUT" --strip-components=2 --wildcards '*/scripts/analyze-migration.py' '*/scripts/vmstate-static-checker.py'
[ -f "$OUT/analyze-migration.py" ] && [ -f "$OUT/vmstate-static-checker.py" ] || { log "the scripts are not in $orig"; exit 1; }
log "extracted the two scripts from $orig into $OUT"
echo "$OUT"
