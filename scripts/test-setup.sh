#!/usr/bin/env bash
# test-setup.sh: what `npm test` needs beyond npm packages, installed when missing (Debian, as root):
# QEMU 7.2 (Debian's qemu-system-x86), QEMU 5.2 and 10.0 beside it (scripts/qemu-versions.sh),
# Chromium and a font for the HTML report screenshots. Quiet and quick when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "test-setup: missing ${missing[*]}; run as root or: apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
  fi
  echo "test-setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if ! bash scripts/qemu-versions.sh --check 2>/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-setup: QEMU 5.2/10.0 missing; run scripts/qemu-versions.sh as root" >&2
    exit 2
  fi
  bash scripts/qemu-versions.sh
fi
