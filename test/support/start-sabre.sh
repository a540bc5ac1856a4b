#!/usr/bin/env bash
# Starts a throw-away Sabre/DAV 1.8 CalDAV server for tests: test/support/sabre-server.php on an SQLite file
# in a temp dir under PHP's built-in server with 4 workers (SABRE_PHP_WORKERS), one user <user> with
# <password>, and <auth> `basic` or `digest` (the stock PDO backend, Digest only). Needs the Debian
# packages php-sabre-dav, php-sqlite3 and php-cli.
#
#   usage: start-sabre.sh <http-port> <basic|digest> <user> <password>
#
# Prints "SABRE_READY http://127.0.0.1:<port>/" once php listens. It stops everything and deletes the
# temp dir when its stdin closes (the test process that started it ended or let go) or on TERM/INT, so a
# crashed test run leaves nothing behind.
set -euo pipefail

usage="usage: start-sabre.sh <http-port> <basic|digest> <user> <password>"
port="${1:?$usage}"
auth="${2:?$usage}"
user="${3:?$usage}"
password="${4:?$usage}"
server="$(cd "$(dirname "$0")" && pwd)/sabre-server.php"

case "$auth" in basic | digest) ;; *) echo "start-sabre: auth must be basic or digest, not '$auth'" >&2; exit 2 ;; esac
command -v php >/dev/null || { echo "start-sabre: php is missing; install: apt-get install php-cli php-sqlite3 php-sabre-dav" >&2; exit 1; }
[ -f /usr/share/php/Sabre/autoload.php ] || { echo "start-sabre: Sabre/DAV is missing; install: apt-get install php-sabre-dav" >&2; exit 1; }
php -r 'exit(extension_loaded("pdo_sqlite") ? 0 : 1);' || { echo "start-sabre: PHP's SQLite driver is missing; install: apt-get install php-sqlite3" >&2; exit 1; }

dir="$(mktemp -d /tmp/onoffice-sync-sabre.XXXXXX)"
php_pid=""

cleanup() {
  set +e
  if [ -n "$php_pid" ]; then
    # php runs in its own process group (setsid below) together with its forked workers.
    kill -TERM -- "-$php_pid" 2>/dev/null
    wait "$php_pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP

export SABRE_DB="$dir/sabre.sqlite" SABRE_AUTH="$auth"
php "$server" init "$user" "$password" >"$dir/init.log" 2>&1 || { echo "start-sabre: creating the database failed:" >&2; cat "$dir/init.log" >&2; exit 1; }

PHP_CLI_SERVER_WORKERS="${SABRE_PHP_WORKERS:-4}" setsid php -S "127.0.0.1:$port" "$server" >"$dir/php.log" 2>&1 </dev/null &
php_pid=$!

echo "SABRE_READY http://127.0.0.1:$port/"
# Held open by the parent; EOF means it is gone or done with us.
cat >/dev/null || true
