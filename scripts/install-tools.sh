#!/usr/bin/env bash
# Installs the Debian tools the tests drive, when missing: 7-Zip, OpenSSL, certbot, lego, Pebble, Chromium.
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

declare -A need=(
  [7zz]=7zip
  [openssl]=openssl
  [certbot]=certbot
  [lego]=lego
  [pebble]=pebble
  [chromium]=chromium
)
missing=()
for bin in "${!need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || missing+=("${need[$bin]}")
done
((${#missing[@]})) || exit 0

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "install-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
