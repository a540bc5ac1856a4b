#!/usr/bin/env bash
# Starts a throw-away DAViCal for tests: a private PostgreSQL cluster (unix socket only, in a temp dir) and
# PHP's built-in web server serving DAViCal's htdocs on 127.0.0.1:<port>, with an `admin` user whose
# password is <admin-password>. Needs the Debian packages davical, php-cli, php-pgsql and postgresql.
#
#   usage: start-davical.sh <http-port> <admin-password>
#
# Prints "DAVICAL_READY http://127.0.0.1:<port>/caldav.php/" once both are up. It stops everything and
# deletes the temp dir when its stdin closes (the test process that started it ended or let go) or on
# TERM/INT, so a crashed test run leaves nothing behind.
set -euo pipefail

port="${1:?usage: start-davical.sh <http-port> <admin-password>}"
password="${2:?usage: start-davical.sh <http-port> <admin-password>}"
here="$(cd "$(dirname "$0")" && pwd)"
htdocs=/usr/share/davical/htdocs
create_db=/usr/share/davical/dba/create-database.sh
pgbin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

for need in "$htdocs/caldav.php" "$create_db" "$pgbin/initdb" "$pgbin/pg_ctl"; do
  [ -e "$need" ] || { echo "start-davical: $need is missing; install: apt-get install davical php-cli php-pgsql postgresql" >&2; exit 1; }
done
command -v php >/dev/null || { echo "start-davical: php is missing; install: apt-get install php-cli php-pgsql" >&2; exit 1; }

dir="$(mktemp -d /tmp/onoffice-sync-davical.XXXXXX)"
php_pid=""

# initdb/postgres refuse to run as root: run them as the postgres user then.
as_db_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
  set +e
  if [ -n "$php_pid" ]; then
    # php runs in its own process group (setsid below) together with its forked workers.
    kill -TERM -- "-$php_pid" 2>/dev/null
    wait "$php_pid" 2>/dev/null
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_db_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP

fail() {
  echo "start-davical: $1" >&2
  for log in "$dir"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
as_db_owner "$pgbin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 || fail "initdb failed"
as_db_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
  -o "-p 5432 -k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start \
  >"$dir/pg_ctl.log" 2>&1 || fail "PostgreSQL did not start"

# DAViCal's stock /etc/davical/config.php connects with "dbname=davical user=davical_app" and no host:
# libpq takes PGHOST/PGPORT from the environment, which points it at this private cluster.
export PGHOST="$dir" PGPORT=5432
PGUSER=postgres "$create_db" davical "$password" >"$dir/create-database.log" 2>&1 || fail "DAViCal's create-database.sh failed"
grep -q "has been set to" "$dir/create-database.log" || fail "DAViCal's create-database.sh did not set the admin password"

PHP_CLI_SERVER_WORKERS="${DAVICAL_PHP_WORKERS:-4}" setsid php -S "127.0.0.1:$port" -t "$htdocs" "$here/davical-router.php" \
  >"$dir/php.log" 2>&1 </dev/null &
php_pid=$!

echo "DAVICAL_READY http://127.0.0.1:$port/caldav.php/"
# Held open by the parent; EOF means it is gone or done with us.
cat >/dev/null || true
