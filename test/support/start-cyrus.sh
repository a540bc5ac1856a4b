#!/usr/bin/env bash
# Starts a throw-away Cyrus IMAP 3.6 with its CalDAV module for tests: configuration, spool and SASL
# database in a temp dir, imapd and httpd on loopback, one CalDAV user <user> with <password>. Needs root
# (cyrmaster binds as root and runs its services as the `cyrus` user) and the Debian packages cyrus-imapd,
# cyrus-caldav and sasl2-bin.
#
#   usage: start-cyrus.sh <http-port> <imap-port> <user> <password>
#
# Prints "CYRUS_READY http://127.0.0.1:<port>/dav/" once the user's mailbox exists. It stops everything
# and deletes the temp dir when its stdin closes (the test process that started it ended or let go) or
# on TERM/INT, so a crashed test run leaves nothing behind.
set -euo pipefail

http_port="${1:?usage: start-cyrus.sh <http-port> <imap-port> <user> <password>}"
imap_port="${2:?usage: start-cyrus.sh <http-port> <imap-port> <user> <password>}"
user="${3:?usage: start-cyrus.sh <http-port> <imap-port> <user> <password>}"
password="${4:?usage: start-cyrus.sh <http-port> <imap-port> <user> <password>}"
master=/usr/sbin/cyrmaster
bin=/usr/lib/cyrus/bin

for need in "$master" "$bin/imapd" "$bin/httpd" /usr/sbin/saslpasswd2; do
  [ -x "$need" ] || { echo "start-cyrus: $need is missing; install: apt-get install cyrus-imapd cyrus-caldav sasl2-bin" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "start-cyrus: cyrmaster must start as root (it runs its services as the cyrus user)" >&2; exit 1; }

dir="$(mktemp -d /tmp/onoffice-sync-cyrus.XXXXXX)"
master_pid=""

cleanup() {
  set +e
  if [ -n "$master_pid" ]; then
    kill -TERM "$master_pid" 2>/dev/null
    wait "$master_pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' TERM INT HUP

fail() {
  echo "start-cyrus: $1" >&2
  for log in "$dir"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }; done
  exit 1
}

mkdir -p "$dir/conf/db" "$dir/conf/proc" "$dir/conf/socket" "$dir/conf/lock" "$dir/spool"
conf="$dir/imapd.conf"
# The admin logs in over IMAP only to create the user's mailbox, which CalDAV needs as the calendar home.
admin_password="$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
cat >"$conf" <<EOF
configdirectory: $dir/conf
partition-default: $dir/spool
servername: localhost
admins: cyrus
unixhierarchysep: yes
altnamespace: yes
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $dir/sasldb2
sasl_mech_list: PLAIN LOGIN
httpmodules: caldav
httpallowcompress: no
idlesocket: $dir/conf/socket/idle
lmtpsocket: $dir/conf/socket/lmtp
notifysocket: $dir/conf/socket/notify
syslog_prefix: onoffice-sync-test-cyrus
EOF
# Without -C on every command the services would read /etc/imapd.conf.
cat >"$dir/cyrus.conf" <<EOF
START {
  recover cmd="ctl_cyrusdb -C $conf -r"
}
SERVICES {
  imap cmd="imapd -C $conf" listen="127.0.0.1:$imap_port" prefork=0
  http cmd="httpd -C $conf" listen="127.0.0.1:$http_port" prefork=1
}
EVENTS {
  checkpoint cmd="ctl_cyrusdb -C $conf -c" period=30
}
EOF
# Cyrus checks passwords in the realm "localhost": with the default realm (the hostname) logins fail.
printf '%s' "$password" | saslpasswd2 -f "$dir/sasldb2" -u localhost -p -c "$user" || fail "saslpasswd2 failed for $user"
printf '%s' "$admin_password" | saslpasswd2 -f "$dir/sasldb2" -u localhost -p -c cyrus || fail "saslpasswd2 failed for the admin"
chown -R cyrus:mail "$dir"
chmod 0750 "$dir"

"$master" -C "$conf" -M "$dir/cyrus.conf" -p "$dir/master.pid" -D >"$dir/master.log" 2>&1 </dev/null &
master_pid=$!

imap_ready=""
for _ in $(seq 1 300); do
  kill -0 "$master_pid" 2>/dev/null || fail "cyrmaster exited"
  if { exec 3<>"/dev/tcp/127.0.0.1/$imap_port"; } 2>/dev/null; then imap_ready=yes; break; fi
  sleep 0.1
done
[ -n "$imap_ready" ] || fail "imapd did not listen on 127.0.0.1:$imap_port"
# The port was free when the test chose it; a server of a parallel test may have taken it before
# cyrmaster bound it. Then what answers is not Cyrus: exit 75 (EX_TEMPFAIL), and the test starts it again
# on new ports (startCyrus in caldav-servers.mjs).
greeting=""
IFS= read -r -t 10 greeting <&3 || true
case "$greeting" in
  '* OK'*) ;;
  *) echo "start-cyrus: 127.0.0.1:$imap_port is answered by another server, not imapd (taken after it was chosen): ${greeting:0:80}" >&2; exit 75 ;;
esac
printf 'a LOGIN cyrus "%s"\r\nb CREATE user/%s\r\nc LOGOUT\r\n' "$admin_password" "$user" >&3
answer="$(cat <&3)"
exec 3>&-
grep -q '^b OK' <<<"$answer" || fail "the IMAP CREATE of user/$user failed: $(tr -d '\r' <<<"$answer" | grep -v '^\* ')"

echo "CYRUS_READY http://127.0.0.1:$http_port/dav/"
# Held open by the parent; EOF means it is gone or done with us.
cat >/dev/null || true
