#!/usr/bin/env bash
# Local PostgreSQL and Redis for development and the test suites, without systemd.
# Usage: scripts/services.sh up|down|status
#
# up      starts whichever of the two is not answering on 127.0.0.1: PostgreSQL as a private
#         cluster in .services/postgres (initdb + pg_ctl; superuser postgres, trusted on the
#         loopback only; a database `beeget` beside `postgres`), Redis in memory (nothing saved).
#         A server that already answers is left alone.
# down    stops only what `up` started (the pidfiles in .services/); the data stays.
# status  says what answers and what this script started.
#
# Environment: BEEGET_SERVICES_DIR (default .services at the repository root),
# BEEGET_SERVICES_PG_PORT (5432), BEEGET_SERVICES_REDIS_PORT (6379), BEEGET_SERVICES_PG_BIN
# (the directory holding initdb and pg_ctl; default: PATH, then the newest
# /usr/lib/postgresql/*/bin), BEEGET_SERVICES_PG_OS_USER (the account PostgreSQL runs as when
# this runs as root, as initdb refuses root; default postgres).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir="${BEEGET_SERVICES_DIR:-$root/.services}"
host=127.0.0.1
pg_port="${BEEGET_SERVICES_PG_PORT:-5432}"
redis_port="${BEEGET_SERVICES_REDIS_PORT:-6379}"
pg_os_user="${BEEGET_SERVICES_PG_OS_USER:-postgres}"

for port in "$pg_port" "$redis_port"; do
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    echo "services: $port is not a TCP port" >&2
    exit 2
  fi
done
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
pg_data="$dir/postgres"
pg_pidfile="$dir/postgres.pid"
pg_log="$dir/postgres.log"
redis_pidfile="$dir/redis.pid"
redis_log="$dir/redis.log"

say() { printf '%s\n' "$*"; }
fail() {
  printf 'services: %s\n' "$*" >&2
  exit 1
}

# Something accepts TCP connections on the port (whatever it is).
port_open() {
  if command -v timeout >/dev/null 2>&1; then
    timeout 2 bash -c "exec 3<>/dev/tcp/$host/$1" 2>/dev/null
  else
    bash -c "exec 3<>/dev/tcp/$host/$1" 2>/dev/null
  fi
}

# The process in a pidfile, when it is alive.
live_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(head -n 1 "$1" 2>/dev/null | tr -dc '0-9')
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

pg_bin=""
find_pg_bin() {
  local candidate
  if [ -n "${BEEGET_SERVICES_PG_BIN:-}" ]; then
    pg_bin="$BEEGET_SERVICES_PG_BIN"
  elif candidate=$(command -v initdb 2>/dev/null); then
    pg_bin=$(dirname "$candidate")
  else
    candidate=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
    [ -n "$candidate" ] && pg_bin=$(dirname "$candidate")
  fi
  [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pg_ctl" ]
}

pg_answers() {
  local isready
  isready=$(command -v pg_isready 2>/dev/null || true)
  if [ -z "$isready" ] && find_pg_bin && [ -x "$pg_bin/pg_isready" ]; then isready="$pg_bin/pg_isready"; fi
  if [ -n "$isready" ]; then
    "$isready" -q -h "$host" -p "$pg_port" -t 2
  else
    port_open "$pg_port"
  fi
}

redis_answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h "$host" -p "$redis_port" ping 2>/dev/null)" = "PONG" ]
  else
    port_open "$redis_port"
  fi
}

# initdb and postgres refuse to run as root: as root, run them as an ordinary account.
as_pg() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u "$pg_os_user" -- "$@"
  else
    su -s /bin/sh "$pg_os_user" -c "$(printf '%q ' "$@")"
  fi
}

pg_up() {
  if pg_answers; then
    say "PostgreSQL: already answering on $host:$pg_port; left alone."
    return
  fi
  if port_open "$pg_port"; then
    fail "something listens on $host:$pg_port but does not answer as PostgreSQL; pick another port with BEEGET_SERVICES_PG_PORT"
  fi
  find_pg_bin || fail "no PostgreSQL binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin: install PostgreSQL (e.g. apt-get install postgresql) or set BEEGET_SERVICES_PG_BIN"
  if [ "$(id -u)" -eq 0 ] && ! id "$pg_os_user" >/dev/null 2>&1; then
    fail "running as root, and there is no account $pg_os_user to run PostgreSQL as (initdb refuses root): create one or set BEEGET_SERVICES_PG_OS_USER"
  fi
  mkdir -p "$dir"
  touch "$pg_log"
  if [ ! -f "$pg_data/PG_VERSION" ]; then
    say "PostgreSQL: creating a private cluster in $pg_data ($("$pg_bin/postgres" --version))"
    mkdir -p "$pg_data"
    chmod 700 "$pg_data"
    if [ "$(id -u)" -eq 0 ]; then chown "$pg_os_user" "$pg_data" "$pg_log"; fi
    if ! as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
      tail -n 20 "$dir/initdb.log" >&2
      fail "initdb failed (the whole output is in $dir/initdb.log)"
    fi
    # Development only: TCP on the loopback alone (trusted, no password); the socket stays in
    # the data directory, away from the system's /var/run/postgresql.
    as_pg tee -a "$pg_data/postgresql.conf" >/dev/null <<EOF

# scripts/services.sh
listen_addresses = '$host'
unix_socket_directories = '$pg_data'
EOF
  elif [ "$(id -u)" -eq 0 ]; then
    chown "$pg_os_user" "$pg_log"
  fi
  say "PostgreSQL: starting on $host:$pg_port (log: $pg_log)"
  if ! as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_log" -o "-p $pg_port" -w -t 60 start >/dev/null; then
    tail -n 20 "$pg_log" >&2
    fail "PostgreSQL did not start (log: $pg_log)"
  fi
  head -n 1 "$pg_data/postmaster.pid" >"$pg_pidfile"
  local psql="$pg_bin/psql"
  [ -x "$psql" ] || psql=$(command -v psql)
  if [ "$("$psql" -h "$host" -p "$pg_port" -U postgres -d postgres -Atc "select 1 from pg_database where datname = 'beeget'")" != "1" ]; then
    "$psql" -h "$host" -p "$pg_port" -U postgres -d postgres -qc "create database beeget" >/dev/null
  fi
  say "PostgreSQL: started (pid $(cat "$pg_pidfile"))."
}

pg_down() {
  local pid
  if ! pid=$(live_pid "$pg_pidfile"); then
    if [ -f "$pg_pidfile" ]; then
      rm -f "$pg_pidfile"
      say "PostgreSQL: its pidfile was stale (the server had stopped); removed."
    else
      say "PostgreSQL: not started by this script; nothing to stop."
    fi
    return
  fi
  if [ "$(head -n 1 "$pg_data/postmaster.pid" 2>/dev/null)" != "$pid" ]; then
    rm -f "$pg_pidfile"
    say "PostgreSQL: pid $pid in $pg_pidfile is not the server of $pg_data any more; pidfile removed, nothing stopped."
    return
  fi
  find_pg_bin || fail "no pg_ctl to stop PostgreSQL (pid $pid) with; set BEEGET_SERVICES_PG_BIN"
  say "PostgreSQL: stopping pid $pid"
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w -t 60 stop >/dev/null
  rm -f "$pg_pidfile"
  say "PostgreSQL: stopped (data kept in $pg_data; delete it to start afresh)."
}

redis_up() {
  if redis_answers; then
    say "Redis: already answering on $host:$redis_port; left alone."
    return
  fi
  if port_open "$redis_port"; then
    fail "something listens on $host:$redis_port but does not answer as Redis; pick another port with BEEGET_SERVICES_REDIS_PORT"
  fi
  command -v redis-server >/dev/null 2>&1 || fail "no redis-server on PATH: install Redis (e.g. apt-get install redis-server)"
  mkdir -p "$dir"
  say "Redis: starting on $host:$redis_port, in memory (log: $redis_log)"
  # Development only: nothing written to disk.
  redis-server --port "$redis_port" --bind "$host" --daemonize yes --save '' --appendonly no \
    --pidfile "$redis_pidfile" --logfile "$redis_log" --dir "$dir"
  for _ in $(seq 1 50); do
    redis_answers && [ -s "$redis_pidfile" ] && break
    sleep 0.1
  done
  if ! redis_answers; then
    tail -n 20 "$redis_log" >&2 || true
    fail "Redis did not start (log: $redis_log)"
  fi
  say "Redis: started (pid $(cat "$redis_pidfile"))."
}

redis_down() {
  local pid
  if ! pid=$(live_pid "$redis_pidfile"); then
    if [ -f "$redis_pidfile" ]; then
      rm -f "$redis_pidfile"
      say "Redis: its pidfile was stale (the server had stopped); removed."
    else
      say "Redis: not started by this script; nothing to stop."
    fi
    return
  fi
  if [ "$(ps -o comm= -p "$pid" 2>/dev/null)" != "redis-server" ]; then
    rm -f "$redis_pidfile"
    say "Redis: pid $pid in $redis_pidfile is not redis-server any more; pidfile removed, nothing stopped."
    return
  fi
  say "Redis: stopping pid $pid"
  kill -TERM "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then fail "Redis (pid $pid) is still running after 5 s"; fi
  rm -f "$redis_pidfile"
  say "Redis: stopped."
}

status() {
  local pid
  if pg_answers; then
    if pid=$(live_pid "$pg_pidfile"); then
      say "PostgreSQL: answering on $host:$pg_port (started by this script, pid $pid)"
    else
      say "PostgreSQL: answering on $host:$pg_port (not started by this script)"
    fi
  else
    say "PostgreSQL: not answering on $host:$pg_port"
  fi
  if redis_answers; then
    if pid=$(live_pid "$redis_pidfile"); then
      say "Redis: answering on $host:$redis_port (started by this script, pid $pid)"
    else
      say "Redis: answering on $host:$redis_port (not started by this script)"
    fi
  else
    say "Redis: not answering on $host:$redis_port"
  fi
}

case "${1:-}" in
  up)
    pg_up
    redis_up
    say ""
    say "Tests:  BEEGET_TEST_POSTGRES_URL=postgres://postgres@$host:$pg_port/postgres BEEGET_TEST_REDIS_URL=redis://$host:$redis_port/0"
    say "Server: BEEGET_DATABASE__URL=postgres://postgres@$host:$pg_port/beeget BEEGET_REDIS__URL=redis://$host:$redis_port/0"
    say "(A server that was already running may want other credentials, and may lack the beeget database.)"
    ;;
  down)
    redis_down
    pg_down
    ;;
  status) status ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
