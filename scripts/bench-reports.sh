#!/usr/bin/env bash
# Sales report benchmark: release build, a fresh database (SQLite, or PostgreSQL with
# BENCH_POSTGRES_URL) with the demo catalogue, 2,000 synthetic products and `orders` synthetic
# orders over the last two years, then GET /admin/reports/sales over one year grouped by day
# and by month, for `windows` distinct year-long windows each (a week apart, so no two
# requests are alike), one request at a time. Prints the seeding time and, per grouping, the
# median, 95th percentile and slowest response.
# Usage: scripts/bench-reports.sh [orders] [windows]
set -euo pipefail
cd "$(dirname "$0")/.."

orders=${1:-1000000}
windows=${2:-20}
port=${BENCH_PORT:-18182}

# shellcheck source=scripts/bench-common.sh
source scripts/bench-common.sh
export BEEGET_RATE_LIMIT__ENABLED=false
if [ -n "${BENCH_POSTGRES_URL:-}" ]; then
  db="beeget_bench_reports_$$"
  psql "$BENCH_POSTGRES_URL" -qAtc "CREATE DATABASE $db" >/dev/null
  export BEEGET_DATABASE__URL="${BENCH_POSTGRES_URL%/*}/$db"
  backend=postgresql
  trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"; sleep 1; psql "$BENCH_POSTGRES_URL" -qAtc "DROP DATABASE IF EXISTS $db" >/dev/null || true' EXIT
else
  backend=sqlite
fi

seed_started=$(date +%s%N)
"$bin" seed --synthetic 2000 --synthetic-orders "$orders"
seed_secs=$(( ($(date +%s%N) - seed_started) / 1000000000 ))
password="bench-reports-$$-password"
printf '%s\n' "$password" | "$bin" user create --email bench-analyst@example.com --name Analyst \
  --role admin --password-stdin >/dev/null
start_server
for _ in $(seq 1 6000); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
token=$(curl -fsS -H 'content-type: application/json' \
  -d "{\"email\":\"bench-analyst@example.com\",\"password\":\"$password\"}" \
  "http://127.0.0.1:$port/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')

machine_line
echo "backend: $backend; $orders synthetic orders seeded in ${seed_secs}s"
printf '%-30s %8s %8s %8s %8s\n' request runs p50ms p95ms maxms
for group in day month; do
  : >"$work/times.txt"
  for k in $(seq 0 $((windows - 1))); do
    end=$(date -u -d "-$((1 + 7 * k)) days" +%F)
    start=$(date -u -d "$end -364 days" +%F)
    curl -fsS -o /dev/null -w '%{time_total}\n' -H "authorization: Bearer $token" \
      "http://127.0.0.1:$port/admin/reports/sales?start=$start&end=$end&groupBy=$group" >>"$work/times.txt"
  done
  sort -n "$work/times.txt" | awk -v name="one year by $group" '
    { t[NR] = $1 * 1000 }
    END {
      p50 = t[int((NR + 1) / 2)]; p95 = t[int(NR * 0.95 + 0.999)]
      printf "%-30s %8d %8.0f %8.0f %8.0f\n", name, NR, p50, p95, t[NR]
    }'
done
