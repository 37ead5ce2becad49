#!/usr/bin/env bash
# Runs schemathesis against a server started here on the embedded defaults (a fresh SQLite
# database with the demo catalogue), once as the demo shopper and once as the demo admin.
# Usage: scripts/schemathesis.sh BEEGET_BINARY SCHEMATHESIS_BINARY
# Exits non-zero on any failure schemathesis reports.
#
# Every check runs; `scripts/schemathesis.toml` lists the few operations whose rules JSON
# Schema cannot state, and the statuses they answer schema-valid input with.
set -euo pipefail
beeget=$(realpath "$1")
st=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$root/config.toml" "$work/" && cp -r "$root/seeds" "$work/"
config="$root/scripts/schemathesis.toml"
cd "$work"
BEEGET_SERVER__ADDR="127.0.0.1:$port" BEEGET_RATE_LIMIT__ENABLED=false BEEGET_LOG__LEVEL=warn \
  "$beeget" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

credential() {
  awk -v role="$1" -v column="$2" '$1 == role { print $column }' data/demo-accounts.txt
}

status=0
for role in user admin; do
  echo "--- schemathesis as the demo $role"
  BEEGET_ST_EMAIL=$(credential "$role" 2) BEEGET_ST_PASSWORD=$(credential "$role" 3) \
    "$st" --config-file "$config" run "$base/openapi.json" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful --max-examples 15 --seed 20261129 \
    --no-color || status=1
done
if grep -q "panicked" "$work/server.log"; then
  echo "the server panicked:" >&2
  grep -A5 panicked "$work/server.log" >&2
  status=1
fi
exit "$status"
