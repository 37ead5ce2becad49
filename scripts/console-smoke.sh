#!/usr/bin/env bash
# Terminal smoke test of the staff console: a server on the embedded defaults, `beeget-admin`
# in a real terminal (tmux, 100×30), the demo admin's login typed in, the dashboard read off
# the screen, `:orders` opened, `q` pressed; then the terminal must be back as it was (cooked
# mode, echo on, main screen). A second run is stopped with SIGTERM and must restore too.
# Usage: scripts/console-smoke.sh BEEGET_BINARY BEEGET_ADMIN_BINARY
# Ends with `console smoke: passed`; exits non-zero on any failure.
set -euo pipefail
beeget=$(realpath "$1")
admin=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
session="beeget-smoke-$$"
server=""
export TERM=${TERM:-xterm-256color}
[ "$TERM" = dumb ] && export TERM=xterm-256color
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "console smoke: $*" >&2
  echo "--- screen" >&2
  tmux capture-pane -p -t "$session" >&2 2>/dev/null || true
  echo "--- console log" >&2
  tail -n 30 "$work/console.log" >&2 2>/dev/null || true
  exit 1
}

# Waits until the screen shows the text (up to 20 s).
wait_for() {
  for _ in $(seq 1 100); do
    tmux capture-pane -p -t "$session" 2>/dev/null | grep -qF -- "$1" && return 0
    sleep 0.2
  done
  fail "the screen never showed \"$1\""
}

echo "--- start the server"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$root/config.toml" "$work/" && cp -r "$root/seeds" "$work/"
(cd "$work" && BEEGET_SERVER__ADDR="127.0.0.1:$port" BEEGET_LOG__LEVEL=warn BEEGET_EMAIL__OUTBOX_DIR="$work/outbox" \
  exec "$beeget" serve >"$work/server.log" 2>&1) &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 150); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/healthz" >/dev/null || { cat "$work/server.log" >&2; exit 1; }
# Orders to list, beside the running server: deterministic history (no stock, no email).
(cd "$work" && BEEGET_LOG__LEVEL=warn "$beeget" seed --synthetic-orders 40 >"$work/seed.log" 2>&1) || { cat "$work/seed.log" >&2; exit 1; }
email=$(awk '$1 == "admin" { print $2 }' "$work/data/demo-accounts.txt")
password=$(awk '$1 == "admin" { print $3 }' "$work/data/demo-accounts.txt")
[ -n "$email" ] && [ -n "$password" ] || { echo "no demo admin in data/demo-accounts.txt" >&2; exit 1; }

# The console runs in a shell that records the terminal's modes once it has exited.
start_console() {
  tmux kill-session -t "$session" 2>/dev/null || true
  rm -f "$work/after" "$work/status"
  tmux new-session -d -s "$session" -x 100 -y 30 \
    "stty -a > '$work/before'; '$admin' --api '$base' --log '$work/console.log'; echo \$? > '$work/status'; stty -a > '$work/after'; echo 'console exited'; sleep 30"
}

# After the console exits: the status it gave, cooked mode and echo back, the main screen shown.
check_restored() {
  for _ in $(seq 1 50); do [ -s "$work/after" ] && break; sleep 0.2; done
  [ -s "$work/after" ] || fail "the console did not exit"
  [ "$(cat "$work/status")" = "$1" ] || fail "the console exited with $(cat "$work/status"), not $1"
  grep -qw -- '-icanon' "$work/after" && fail "the terminal was left in raw mode (-icanon)"
  grep -qw -- '-echo' "$work/after" && fail "the terminal was left without echo"
  wait_for "console exited"
  tmux capture-pane -p -t "$session" | grep -qF "staff console" && fail "the console's screen is still shown"
  return 0
}

echo "--- sign in, read the dashboard, open :orders, quit"
start_console
wait_for "sign in"
tmux send-keys -t "$session" -l "$email"
tmux send-keys -t "$session" Enter
tmux send-keys -t "$session" -l "$password"
tmux send-keys -t "$session" Enter
wait_for "Orders by status"
wait_for "Net revenue"
tmux send-keys -t "$session" -l ":orders"
tmux send-keys -t "$session" Enter
wait_for "Orders — page 1/2 · 40 in all"
echo "--- the orders screen"
tmux capture-pane -p -t "$session"
tmux send-keys -t "$session" -l "q"
check_restored 0

echo "--- SIGTERM restores the terminal too"
start_console
wait_for "sign in"
pid=$(pgrep -n -f -- "$admin --api $base") || fail "no console process"
kill -TERM "$pid"
check_restored 0
grep -q "panicked" "$work/server.log" && { grep -A5 panicked "$work/server.log" >&2; exit 1; }
echo "console smoke: passed"
