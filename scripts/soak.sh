#!/usr/bin/env bash
# Soak: the release server on SQLite with 10,000 synthetic products under a shopper crowd
# (wrk, varied catalogue URLs) plus a trickle of sign-ups, logins, carts and orders, for
# SECONDS (default 600), nobody scraping /metrics. Prints the server's RSS every 10 s and the
# crowd's figures at the end.
# Usage: scripts/soak.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
connections=${2:-64}
port=${BENCH_PORT:-18191}

# shellcheck source=scripts/bench-common.sh
source scripts/bench-common.sh
export BEEGET_LOG__LEVEL="${BENCH_LOG_LEVEL:-warn}"
export BEEGET_RATE_LIMIT__ENABLED=false

"$bin" seed --synthetic 10000 >/dev/null
start_server
base="http://127.0.0.1:$port"
curl -fsS "$base/products?limit=100&page=1" "$base/products?limit=100&page=7" "$base/products?limit=100&page=33" |
  grep -o '"slug":"[^"]*"' | cut -d'"' -f4 | sort -u >"$work/slugs.txt"
export SOAK_SLUGS="$work/slugs.txt"
curl -fsS "$base/categories" | grep -o '"slug":"[^"]*"' | cut -d'"' -f4 | sort -u >"$work/categories.txt"
export SOAK_CATEGORIES="$work/categories.txt"

# The trickle: one shopper a second signs up, signs in, fills a cart and orders.
trickle() {
  local n=0
  while true; do
    n=$((n + 1))
    local email="soak-$n-$$@example.com" password="soak-password-$n-0123456789"
    curl -fsS -o /dev/null -X POST "$base/auth/register" -H 'content-type: application/json' \
      -d "{\"name\":\"Soak $n\",\"email\":\"$email\",\"password\":\"$password\"}" || true
    local token
    token=$(curl -fsS -X POST "$base/auth/login" -H 'content-type: application/json' \
      -d "{\"email\":\"$email\",\"password\":\"$password\"}" | sed -E 's/.*"accessToken":"([^"]+)".*/\1/') || true
    local product
    product=$(curl -fsS "$base/products/$(shuf -n 1 "$SOAK_SLUGS")" | grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4) || true
    curl -fsS -o /dev/null -X POST "$base/cart" -H "authorization: Bearer $token" -H 'content-type: application/json' \
      -d "{\"productId\":\"$product\",\"qty\":1}" || true
    curl -fsS -o /dev/null -X POST "$base/orders" -H "authorization: Bearer $token" -H 'content-type: application/json' \
      -H "idempotency-key: soak-$n-$$" \
      -d '{"paymentMethod":"pm_card_visa","shippingAddress":{"line1":"1 Main St","city":"Oslo","zip":"0150","country":"NO"}}' || true
    sleep 1
  done
}
trickle >"$work/trickle.log" 2>&1 &
trickler=$!

machine_line
echo "soak: ${seconds}s, ${connections} connections, $(wc -l <"$SOAK_SLUGS") product slugs; RSS of the server every 10 s (MiB):"
wrk -t2 -c"$connections" -d"${seconds}s" -s scripts/wrk-crowd.lua "$base" >"$work/wrk.out" &
crowd=$!
samples=()
while kill -0 "$crowd" 2>/dev/null; do
  samples+=("$(awk '{printf "%.0f", $1/1024}' <(ps -o rss= -p "$server"))")
  sleep 10
done
kill "$trickler" 2>/dev/null || true
echo "${samples[*]}"
grep '^RESULT' "$work/wrk.out"
echo "the trickle's answers, by operation and status:"
curl -fsS "$base/metrics" | grep -E '^http_requests_total\{route="(register|login|addToCart|placeOrder)"' || true
