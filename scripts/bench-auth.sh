#!/usr/bin/env bash
# Login benchmark: throughput and latency of POST /auth/login (argon2id at the OWASP
# parameters) at 16 connections, and GET /products latency alone and while logins run.
# Usage: scripts/bench-auth.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
connections=${2:-16}
port=${BENCH_PORT:-18182}

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

cargo build --release -p beeget-api
bin="${CARGO_TARGET_DIR:-target}/release/beeget"

work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export BEEGET_DATABASE__URL="sqlite://$work/bench.db?mode=rwc"
export BEEGET_MEDIA__DIR="$work/media"
export BEEGET_SEED__DEMO_ACCOUNTS_FILE="$work/demo-accounts.txt"
export BEEGET_SERVER__ADDR="127.0.0.1:$port"
export BEEGET_LOG__FORMAT=json
export BEEGET_LOG__LEVEL=warn
# One client address sends everything here; limits would only measure the 429 path.
export BEEGET_RATE_LIMIT__ENABLED=false
# Catalogue reads uncached, so the comparison shows contention for the cores, not the cache.
export BEEGET_CACHE__CATALOGUE_TTL_SECS=0

"$bin" seed >/dev/null
echo "bench-password-0123456789" | "$bin" user create --email bench@example.com --name Bench --password-stdin >/dev/null
"$bin" serve >"$work/server.out" 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

run() { wrk -t2 -c"$1" -d"${4:-$seconds}s" -s "$2" "http://127.0.0.1:$port$3" | grep '^RESULT'; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); date: $(date -u +%F)"
echo "logins alone:          $(run "$connections" scripts/wrk-login.lua /auth/login)"
echo "catalogue alone:       $(run 16 scripts/wrk-report.lua /products)"
# Logins start first and end last, so the catalogue run sees them the whole time.
run "$connections" scripts/wrk-login.lua /auth/login $((seconds + 2)) >"$work/logins.txt" &
logins=$!
sleep 1
echo "catalogue with logins: $(run 16 scripts/wrk-report.lua /products)"
wait "$logins"
echo "logins (concurrent):   $(cat "$work/logins.txt")"
