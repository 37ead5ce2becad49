#!/usr/bin/env bash
# Login benchmark: throughput and latency of POST /auth/login (argon2id at the OWASP
# parameters) at 16 connections, and GET /products latency alone and while logins run.
# Usage: scripts/bench-auth.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
connections=${2:-16}
port=${BENCH_PORT:-18182}

# shellcheck source=scripts/bench-common.sh
source scripts/bench-common.sh
export BEEGET_LOG__LEVEL=warn
# One client address sends everything here; limits would only measure the 429 path.
export BEEGET_RATE_LIMIT__ENABLED=false
# Catalogue reads uncached, so the comparison shows contention for the cores, not the cache.
export BEEGET_CACHE__CATALOGUE_TTL_SECS=0

"$bin" seed >/dev/null
echo "bench-password-0123456789" | "$bin" user create --email bench@example.com --name Bench --password-stdin >/dev/null
start_server

run() { wrk -t2 -c"$1" -d"${4:-$seconds}s" -s "$2" "http://127.0.0.1:$port$3" | grep '^RESULT'; }
machine_line
echo "logins alone:          $(run "$connections" scripts/wrk-login.lua /auth/login)"
echo "catalogue alone:       $(run 16 scripts/wrk-report.lua /products)"
# Logins start first and end last, so the catalogue run sees them the whole time.
run "$connections" scripts/wrk-login.lua /auth/login $((seconds + 2)) >"$work/logins.txt" &
logins=$!
sleep 1
echo "catalogue with logins: $(run 16 scripts/wrk-report.lua /products)"
wait "$logins"
echo "logins (concurrent):   $(cat "$work/logins.txt")"
