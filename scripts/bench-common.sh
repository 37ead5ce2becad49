# Shared by the benchmark scripts: wrk present, a release build, a throwaway SQLite store and
# a server on $port. Sourced after `port` is set; defines `bin`, `work` and `start_server`.

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

start_server() {
  "$bin" serve >"$work/server.out" 2>"$work/server.log" &
  server=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
}

machine_line() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); date: $(date -u +%F)"
}
