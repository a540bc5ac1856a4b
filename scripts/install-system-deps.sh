#!/usr/bin/env bash
# Debian packages the test suite needs: real CalDAV servers to test against (Radicale, Xandikos, DAViCal
# on PostgreSQL + PHP, Cyrus IMAP's CalDAV module with SASL, SOGo on PostgreSQL + memcached, Sabre/DAV on
# PHP + SQLite), systemd-analyze for the unit checks, promtool (prometheus) for the alert rules and
# Chromium for the status page. Idempotent; needs root or sudo.
set -euo pipefail
packages=(radicale xandikos apache2-utils davical php-cli php-pgsql postgresql systemd prometheus chromium
  cyrus-imapd cyrus-caldav cyrus-admin cyrus-clients sasl2-bin sogo memcached php-sabre-dav php-sqlite3)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
