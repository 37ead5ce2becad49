#!/usr/bin/env bash
# The TypeScript client (openapi/typescript, @beeget/client) against a server started here on
# the embedded defaults: the committed spec, the served spec and the generated types must
# agree, `tsc --noEmit` must pass, and the storefront flow test must pass.
# Usage: scripts/ts-client.sh BEEGET_BINARY
# Ends with `typescript client: N tests passed`; exits non-zero on any failure.
set -euo pipefail
beeget=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/openapi/typescript"
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "--- npm ci"
(cd "$pkg" && npm ci --no-audit --no-fund --loglevel=error)

echo "--- the committed types match the committed spec"
(cd "$pkg" && npx --no-install openapi-typescript ../openapi.json --output "$work/schema.ts" >/dev/null)
if ! diff -u "$pkg/src/schema.ts" "$work/schema.ts" >"$work/types.diff"; then
  head -n 40 "$work/types.diff" >&2
  echo "openapi/typescript/src/schema.ts is stale: run \`cd openapi/typescript && npm run generate\`" >&2
  exit 1
fi

echo "--- start the server"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$root/config.toml" "$work/" && cp -r "$root/seeds" "$work/"
outbox="$work/outbox"
(cd "$work" && BEEGET_SERVER__ADDR="127.0.0.1:$port" BEEGET_RATE_LIMIT__ENABLED=false BEEGET_LOG__LEVEL=warn \
  BEEGET_EMAIL__TRANSPORT=outbox BEEGET_EMAIL__OUTBOX_DIR="$outbox" \
  exec "$beeget" serve >"$work/server.log" 2>&1) &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }

echo "--- the served spec matches the committed one"
curl -fsS "$base/openapi.json" -o "$work/served.json"
python3 - "$root/openapi/openapi.json" "$work/served.json" <<'PY'
import json, sys
committed, served = (json.load(open(path)) for path in sys.argv[1:3])
if committed != served:
    sys.exit("the served /openapi.json differs from openapi/openapi.json: run `just openapi`")
PY

echo "--- tsc --noEmit"
(cd "$pkg" && npx --no-install tsc --noEmit)

echo "--- the storefront flow through the client"
(cd "$pkg" && rm -rf dist && npx --no-install tsc)
set +e
(cd "$pkg" && BEEGET_BASE_URL="$base" BEEGET_OUTBOX_DIR="$outbox" node --test --test-reporter=spec dist/test/) \
  | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e
if grep -q "panicked" "$work/server.log"; then
  echo "the server panicked:" >&2
  grep -A5 panicked "$work/server.log" >&2
  status=1
fi
passed=$(sed -nE 's/^. pass ([0-9]+)$/\1/p' "$work/test.log" | tail -n 1)
failed=$(sed -nE 's/^. fail ([0-9]+)$/\1/p' "$work/test.log" | tail -n 1)
if [ "$status" -ne 0 ] || [ -z "$passed" ] || [ "${failed:-1}" -ne 0 ]; then
  echo "typescript client: tests failed (passed ${passed:-0}, failed ${failed:-?})" >&2
  exit 1
fi
echo "typescript client: $passed tests passed"
