#!/usr/bin/env bash
# Starts a throw-away SOGo 5.8 for tests: a private PostgreSQL cluster and a memcached on loopback, an SQL
# user source (one table, plain password) with the one user <user>, and sogod with every setting on its
# command line (GNUstep's argument domain wins over /etc/sogo/sogo.conf, so nothing in /etc is touched).
# SOGO_WORKERS sets sogod's worker count (default 3, the issue's setting). Needs root (sogod runs as the
# `sogo` user, PostgreSQL as `postgres`) and the Debian packages sogo, postgresql and memcached.
#
#   usage: start-sogo.sh <http-port> <postgres-port> <memcached-port> <user> <password>
#
# Prints "SOGO_READY http://127.0.0.1:<port>/SOGo/dav/" once sogod is started. It stops everything and
# deletes the temp dir when its stdin closes (the test process that started it ended or let go) or on
# TERM/INT, so a crashed test run leaves nothing behind.
set -euo pipefail

usage="usage: start-sogo.sh <http-port> <postgres-port> <memcached-port> <user> <password>"
http_port="${1:?$usage}"
pg_port="${2:?$usage}"
memcached_port="${3:?$usage}"
user="${4:?$usage}"
password="${5:?$usage}"
workers="${SOGO_WORKERS:-3}"
pgbin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

for need in /usr/sbin/sogod /usr/bin/memcached "$pgbin/initdb" "$pgbin/pg_ctl" "$pgbin/psql"; do
  [ -x "$need" ] || { echo "start-sogo: $need is missing; install: apt-get install sogo postgresql memcached" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "start-sogo: must start as root (sogod runs as the sogo user, PostgreSQL as postgres)" >&2; exit 1; }

dir="$(mktemp -d /tmp/onoffice-sync-sogo.XXXXXX)"
chmod 0755 "$dir"
memcached_pid=""
sogo_pid=""

cleanup() {
  set +e
  for pid in "$sogo_pid" "$memcached_pid"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  done
  # sogod's workers are its children in its own process group (setsid below).
  [ -n "$sogo_pid" ] && { kill -TERM -- "-$sogo_pid" 2>/dev/null; wait "$sogo_pid" 2>/dev/null; }
  [ -n "$memcached_pid" ] && wait "$memcached_pid" 2>/dev/null
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP

fail() {
  echo "start-sogo: $1" >&2
  for log in "$dir"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

mkdir "$dir/pg" "$dir/home"
chown postgres "$dir/pg"
chown sogo "$dir/home"
runuser -u postgres -- "$pgbin/initdb" -D "$dir/pg/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 || fail "initdb failed"
runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/postgres.log" -w \
  -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start \
  >"$dir/pg_ctl.log" 2>&1 || fail "PostgreSQL did not start"

db_password="$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
sql() { "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/pg" -p "$pg_port" -U postgres "$@"; }
sql -d postgres -v pw="$db_password" >"$dir/psql.log" 2>&1 <<'EOF' || fail "creating the sogo database failed"
CREATE ROLE sogo LOGIN PASSWORD :'pw';
CREATE DATABASE sogo OWNER sogo;
EOF
sql -d sogo -v user="$user" -v pw="$password" >>"$dir/psql.log" 2>&1 <<'EOF' || fail "creating the user table failed"
CREATE TABLE sogo_users (c_uid varchar(64) PRIMARY KEY, c_name varchar(64) NOT NULL, c_password varchar(128) NOT NULL,
  c_cn varchar(128), mail varchar(128));
INSERT INTO sogo_users VALUES (:'user', :'user', :'pw', :'user', :'user' || '@example.org');
ALTER TABLE sogo_users OWNER TO sogo;
EOF

memcached -l 127.0.0.1 -p "$memcached_port" -U 0 -u memcache -m 64 >"$dir/memcached.log" 2>&1 </dev/null &
memcached_pid=$!

db="postgresql://sogo:$db_password@127.0.0.1:$pg_port/sogo"
# SOGo creates its profile, folder-info, session and alarm tables itself on first use.
HOME="$dir/home" setsid runuser -u sogo -- /usr/sbin/sogod \
  -WOPort "127.0.0.1:$http_port" -WONoDetach YES -WOWorkersCount "$workers" -WOLogFile - -WOPidFile "$dir/home/sogo.pid" \
  -SOGoProfileURL "$db/sogo_user_profile" -OCSFolderInfoURL "$db/sogo_folder_info" \
  -OCSSessionsFolderURL "$db/sogo_sessions_folder" -OCSEMailAlarmsFolderURL "$db/sogo_alarms_folder" \
  -SOGoUserSources "({ type = sql; id = users; viewURL = \"$db/sogo_users\"; canAuthenticate = YES; isAddressBook = NO; userPasswordAlgorithm = plain; })" \
  -SOGoMemcachedHost "127.0.0.1:$memcached_port" -SOGoTimeZone UTC -SOGoMailDomain example.org \
  -SOGoAppointmentSendEMailNotifications NO -SOGoLanguage English \
  >"$dir/sogo.log" 2>&1 </dev/null &
sogo_pid=$!

echo "SOGO_READY http://127.0.0.1:$http_port/SOGo/dav/"
# Held open by the parent; EOF means it is gone or done with us.
cat >/dev/null || true
