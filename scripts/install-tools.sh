#!/usr/bin/env bash
# Installs the Debian tools the tests drive, when missing: 7-Zip, OpenSSL, certbot, lego, Pebble, Chromium,
# Unbound (the validating resolver of the DNSSEC tests), ldns (ldns-keygen and ldns-signzone sign their test
# zones), kdig (knot-dnsutils, to look at the AD bit by hand), PostgreSQL (test/support/postgres.ts runs its
# own throwaway cluster with initdb and pg_ctl) and aiosmtpd (python3-aiosmtpd, the SMTP sink the mail tests
# read messages back from).
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail

declare -A need=(
  [7zz]=7zip
  [openssl]=openssl
  [certbot]=certbot
  [lego]=lego
  [pebble]=pebble
  [chromium]=chromium
  [unbound]=unbound
  [ldns-signzone]=ldnsutils
  [kdig]=knot-dnsutils
)
missing=()
for bin in "${!need[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [[ -x /usr/sbin/$bin ]] || missing+=("${need[$bin]}")
done
# Debian keeps initdb and pg_ctl under /usr/lib/postgresql/<major>/bin, off the PATH.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
((${#missing[@]})) || exit 0

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "install-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# Packages such as unbound start a system service on install; the tests start their own instances, so keep
# the service down (the usual policy-rc.d of containers) when no policy is in place.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod 755 /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
