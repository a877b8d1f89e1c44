#!/usr/bin/env bash
# Captures what `vmstate check` prints (stdout, stderr, exit code) for every pair of the real QEMU
# dumps in test/vectors (5.2 / 7.2 / 10.0, ungzipped), text and --json, and for every corpus case
# (each machine-type run, text and --json, with and without --hide-info). Run it with two CLIs and
# compare the directories: a change to the checker must leave every file byte-identical.
#
#   bench/check/capture-outputs.sh /work/baseline/dist/src/cli/bin.js /tmp/check-before
#   bench/check/capture-outputs.sh dist/src/cli/bin.js /tmp/check-after
#   diff -r /tmp/check-before /tmp/check-after && echo identical
set -euo pipefail
cli=$(realpath "$1")
out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
dumps=$(mktemp -d)
trap 'rm -rf "$dumps"' EXIT

# The dumps under names that say their QEMU version (their base names are the findings' labels).
for f in "$root"/test/vectors/qemu-*/dump-*.json*; do
  version=$(basename "$(dirname "$f")")
  name=$(basename "$f")
  case $name in
    *.gz) gunzip -c "$f" >"$dumps/$version-${name%.gz}" ;;
    # The plain 7.2 dump is the same content as its .gz: kept under its own name all the same.
    *) cp "$f" "$dumps/$version-plain-$name" ;;
  esac
done

run() { # label, then the check arguments
  local label=$1
  shift
  local code=0
  (cd "$dumps" && node "$cli" check "$@" >"$out/$label.out" 2>"$out/$label.err") || code=$?
  echo "$code" >"$out/$label.code"
}

count=0
for a in "$dumps"/*.json; do
  for b in "$dumps"/*.json; do
    pair="$(basename "$a" .json)__$(basename "$b" .json)"
    run "$pair.text" "$(basename "$a")" "$(basename "$b")"
    run "$pair.json" "$(basename "$a")" "$(basename "$b")" --json
    count=$((count + 2))
  done
done

for dir in "$root"/test/check/corpus/*/; do
  name=$(basename "$dir")
  kind=json
  [ -e "$dir/source.ts" ] && kind=ts
  machines=$(node -e 'const e=require(process.argv[1]); console.log(e.runs.map((r)=>r.machine??"").join("\n"))' \
    "$dir/expected.json")
  while IFS= read -r machine; do
    args=("$dir/source.$kind" "$dir/destination.$kind")
    [ -n "$machine" ] && args+=(--machine "$machine")
    label="corpus-$name-${machine:-default}"
    run "$label.text" "${args[@]}"
    run "$label.hide" "${args[@]}" --hide-info
    run "$label.json" "${args[@]}" --json
    run "$label.fwd" "${args[@]}" --direction forward --json
    count=$((count + 4))
  done <<<"$machines"
done
# Inputs the checker refuses: missing, not JSON, too deeply nested, empty, a stream-less pair via stdin.
printf 'not json' >"$dumps/bad.json"
printf '{}' >"$dumps/empty.json"
node -e 'process.stdout.write("[".repeat(5000)+"]".repeat(5000))' >"$dumps/deep.json"
node -e 'process.stdout.write("{\"a\":".repeat(3999)+"1"+"}".repeat(3999))' >"$dumps/deep-ok.json"
real=qemu-7.2-dump-pc-i440fx-7.2.json
for bad in missing.json bad.json empty.json deep.json deep-ok.json; do
  for json in '' --json; do
    run "refused-$bad$json-src" "$bad" "$real" $json
    run "refused-$bad$json-dst" "$real" "$bad" $json
    count=$((count + 2))
  done
done
code=0
(cd "$dumps" && node "$cli" check - "$real" <"$real" >"$out/stdin.out" 2>"$out/stdin.err") || code=$?
echo "$code" >"$out/stdin.code"
count=$((count + 1))

# The corpus paths appear in messages: make them relative to the repository.
find "$out" -type f -exec sed -i "s#$root/##g" {} +
echo "captured $count runs of $cli into $out"
