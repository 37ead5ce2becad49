#!/usr/bin/env bash
# Catalogue benchmark: release build, a fresh database (SQLite, or PostgreSQL with
# BENCH_POSTGRES_URL) with the demo catalogue plus `count` synthetic products, then wrk at
# `connections` connections for `seconds` each: /healthz (the ceiling), a crowd of 20,000
# distinct catalogue URLs (tests/src/bin/crowd-urls.rs: list pages at random depths and sorts,
# category pages, searches, product pages, filtered collection pages), then each kind alone.
# Also prints the seeding time, the index build time and the server's RSS.
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
# A real crowd comes from thousands of addresses, wrk from one: the per-address limit stays in
# the request path (its counting is part of every request's cost) but is never reached.
export BEEGET_RATE_LIMIT__PER_IP_PER_MINUTE=1000000000
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  db="beeget_bench_$$"
  psql "$BENCH_POSTGRES_URL" -qAtc "CREATE DATABASE $db" >/dev/null
  export BEEGET_DATABASE__URL="${BENCH_POSTGRES_URL%/*}/$db"
  backend=postgresql
else
  backend=sqlite
fi
cargo build --release -p beeget-tests --bin crowd-urls
crowd_bin="${CARGO_TARGET_DIR:-target}/release/crowd-urls"

seed_started=$(date +%s%N)
"$bin" seed --synthetic "$count"
seed_secs=$(( ($(date +%s%N) - seed_started) / 1000000000 ))
start_server
# Ready once the catalogue index is built: up to 10 minutes (a million products).
for _ in $(seq 1 6000); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
built=$(grep -o '"message":"catalogue index built"[^}]*' "$work/server.log" | head -n 1 || true)
[ -n "$built" ] || built=$(grep 'catalogue index built' "$work/server.log" | head -n 1)

"$crowd_bin" "http://127.0.0.1:$port" 20000 "$work/crowd.txt"
# Each kind alone, from the same crowd.
grep -E '^/products\?sort=' "$work/crowd.txt" >"$work/lists.txt"
grep -F 'category=' "$work/crowd.txt" >"$work/categories.txt"
grep -F 'search=' "$work/crowd.txt" >"$work/searches.txt"
grep -E '^/products/' "$work/crowd.txt" >"$work/pages.txt"
grep -F 'collection=' "$work/crowd.txt" >"$work/collections.txt"

machine_line
echo "backend: $backend; catalogue: $(curl -fsS "http://127.0.0.1:$port/products?limit=1" | sed -E 's/.*"total":([0-9]+).*/\1/') products; seeded in ${seed_secs}s"
echo "index: $built"
echo "wrk ${seconds}s, ${connections} connections, 2 threads"
printf '%-34s %10s %8s %8s %8s %8s\n' traffic req/s p50ms p95ms p99ms errors
run() {
  local name=$1; shift
  line=$(wrk -t2 -c"$connections" -d"${seconds}s" "$@" | grep '^RESULT')
  printf '%-34s %10s %8s %8s %8s %8s\n' "$name" \
    "$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")" "$(sed -E 's/.*p50=([0-9.]+).*/\1/' <<<"$line")" \
    "$(sed -E 's/.*p95=([0-9.]+).*/\1/' <<<"$line")" "$(sed -E 's/.*p99=([0-9.]+).*/\1/' <<<"$line")" \
    "$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")"
}
base="http://127.0.0.1:$port"
run "/healthz (ceiling)" -s scripts/wrk-report.lua "$base/healthz"
run "mixed crowd (20,000 URLs)" -s scripts/wrk-crowd.lua "$base" -- "$work/crowd.txt"
run "list pages, random depth and sort" -s scripts/wrk-crowd.lua "$base" -- "$work/lists.txt"
run "category pages" -s scripts/wrk-crowd.lua "$base" -- "$work/categories.txt"
run "searches" -s scripts/wrk-crowd.lua "$base" -- "$work/searches.txt"
run "product pages" -s scripts/wrk-crowd.lua "$base" -- "$work/pages.txt"
run "filtered collection pages" -s scripts/wrk-crowd.lua "$base" -- "$work/collections.txt"
echo "server RSS after the runs: $(awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$server/status")"

# A second instance on the same database: how long until it shows a product another process
# wrote (the change feed followed every catalogue.follow_interval_ms). Each round adds one
# synthetic product from a separate process and times, from that process's exit (its commit),
# until the second instance's total counts it. Several instances need a database server, so
# this runs on PostgreSQL only; and as `seed --synthetic` regenerates the whole synthetic range
# to find what is missing, up to 20,000 products only.
if [ -n "${BENCH_POSTGRES_URL:-}" ] && [ "$count" -le 20000 ]; then
peer_port=$((port + 1))
BEEGET_SERVER__ADDR="127.0.0.1:$peer_port" "$bin" serve >"$work/peer.out" 2>"$work/peer.log" &
peer=$!
trap 'kill "$peer" "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 3000); do
  kill -0 "$peer" 2>/dev/null || { cat "$work/peer.log" >&2; exit 1; }
  curl -fsS "http://127.0.0.1:$peer_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
follow_delays=$(python3 - "$bin" "$peer_port" "$count" <<'PY'
import json, subprocess, sys, time, urllib.request
bin, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
url = f"http://127.0.0.1:{port}/products?limit=1"
total = lambda: json.load(urllib.request.urlopen(url))["total"]
delays = []
for i in range(1, 21):
    before = total()
    seeded = subprocess.run([bin, "seed", "--synthetic", str(count + i)], capture_output=True)
    if seeded.returncode != 0:
        sys.exit("seed failed: " + seeded.stderr.decode(errors="replace")[-800:])
    written = time.monotonic()
    while total() == before:
        if time.monotonic() - written > 10:
            sys.exit("the second instance did not show the write within 10 s")
        time.sleep(0.001)
    delays.append((time.monotonic() - written) * 1000)
delays.sort()
print(f"median {delays[len(delays) // 2]:.0f} ms, max {delays[-1]:.0f} ms over {len(delays)} writes")
PY
)
kill "$peer" 2>/dev/null || true
echo "second instance shows another process's write after: $follow_delays"
fi
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  psql "$BENCH_POSTGRES_URL" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
fi
