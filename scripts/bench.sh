#!/usr/bin/env bash
# Catalogue benchmark: release build, a fresh SQLite database with the demo catalogue plus
# 10,000 synthetic products, then wrk at 64 connections for 10 s per endpoint.
# Usage: scripts/bench.sh [synthetic-count] [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."

count=${1:-10000}
seconds=${2:-10}
connections=${3:-64}
port=${BENCH_PORT:-18181}

# shellcheck source=scripts/bench-common.sh
source scripts/bench-common.sh
export BEEGET_LOG__LEVEL="${BENCH_LOG_LEVEL:-info}"

"$bin" seed --synthetic "$count"
start_server

product=$(curl -fsS "http://127.0.0.1:$port/products?limit=1&sort=price_desc" | sed -E 's/.*"slug":"([^"]+)".*/\1/')
machine_line
echo "catalogue: $(curl -fsS "http://127.0.0.1:$port/products?limit=1" | sed -E 's/.*"total":([0-9]+).*/\1/') products; wrk ${seconds}s, ${connections} connections, 2 threads"
printf '%-40s %10s %8s %8s %8s\n' endpoint req/s p50ms p95ms p99ms
for path in "/healthz" "/products" "/products?category=women" "/products?search=linen%20dress" "/products/$product"; do
  line=$(wrk -t2 -c"$connections" -d"${seconds}s" -s scripts/wrk-report.lua "http://127.0.0.1:$port$path" | grep '^RESULT')
  rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  p50=$(sed -E 's/.*p50=([0-9.]+).*/\1/' <<<"$line")
  p95=$(sed -E 's/.*p95=([0-9.]+).*/\1/' <<<"$line")
  p99=$(sed -E 's/.*p99=([0-9.]+).*/\1/' <<<"$line")
  errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
  [ "$errors" = "0" ] || echo "warning: $errors errors on $path" >&2
  printf '%-40s %10s %8s %8s %8s\n' "${path:0:40}" "$rps" "$p50" "$p95" "$p99"
done
