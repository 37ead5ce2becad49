# Beeget operations. `just --list` shows the recipes. Everything here also works with plain
# cargo; the recipes only save typing.

set shell := ["bash", "-euo", "pipefail", "-c"]

pg_url := env_var_or_default("BEEGET_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")

default:
    @just --list

# Run the API on the embedded defaults (SQLite, demo catalogue on first start).
serve:
    cargo run -p beeget-api -- serve

# The sales report as CSV on standard output: `just report-sales 2026-01-01 2026-01-31`.
report-sales start end group="day":
    cargo run -q -p beeget-api -- reports sales --start {{start}} --end {{end}} --group-by {{group}}

# Sum the sales rollups again from the orders (after editing orders by hand in SQL).
reports-rebuild:
    cargo run -q -p beeget-api -- reports rebuild

# Apply database migrations to the configured database.
    cargo run -p beeget-api -- migrate

# Add N deterministic orders spread over the last two years (history: no stock taken, no
# email sent), for reports and demos; the same N adds nothing a second time the same day.
seed-orders n:
    cargo run -p beeget-api -- seed --synthetic-orders {{n}}

# Load the demo catalogue (idempotent). `just seed 10000` also adds synthetic products.
seed synthetic="0":
    if [ "{{synthetic}}" = "0" ]; then cargo run -p beeget-api -- seed; else cargo run -p beeget-api -- seed --synthetic {{synthetic}}; fi

# Regenerate the committed OpenAPI document from the code, and the TypeScript types from it.
openapi:
    cargo run -q -p beeget-api -- openapi --output openapi/openapi.json
    cd openapi/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run generate

# The TypeScript client (@beeget/client) against a fresh server: spec and types agree,
# tsc --noEmit, the storefront flow test (needs Node.js 20+ and npm).
ts-test:
    [ -x "${CARGO_TARGET_DIR:-target}/debug/beeget" ] || cargo build -p beeget-api --bin beeget
    scripts/ts-client.sh "${CARGO_TARGET_DIR:-target}/debug/beeget"

# The test suites (SQLite; PostgreSQL too when BEEGET_TEST_POSTGRES_URL is set).
test:
    cargo test --workspace

# The test suites with the PostgreSQL contract suite against a local server.
test-pg:
    BEEGET_TEST_POSTGRES_URL={{pg_url}} cargo test --workspace

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Job workers and scheduler alone (pair with BEEGET_JOBS__RUN_IN_SERVER=false on the API).
worker:
    cargo run -p beeget-api -- worker

# Jobs, newest first: `just jobs failed`.
jobs status="":
    if [ -z "{{status}}" ]; then cargo run -q -p beeget-api -- jobs list; else cargo run -q -p beeget-api -- jobs list --status {{status}}; fi

# Queue a failed job again.
retry-job id:
    cargo run -q -p beeget-api -- jobs retry {{id}}

# Run a scheduled job now: `just run-job cleanupAbandonedCarts`.
run-job name:
    cargo run -q -p beeget-api -- jobs run {{name}}

# Catalogue benchmark: release build, `count` synthetic products on SQLite (PostgreSQL when
# BENCH_POSTGRES_URL is set), wrk at 64 connections: /healthz, a crowd of 20,000 distinct
# catalogue URLs, then each kind of page alone; seeding and index build times, RSS.
bench count="10000" seconds="10" connections="64":
    scripts/bench.sh {{count}} {{seconds}} {{connections}}

# Sales report benchmark: `orders` synthetic orders over two years (SQLite; PostgreSQL when
# BENCH_POSTGRES_URL is set), then one-year reports by day and by month over distinct windows.
bench-reports orders="1000000" windows="20":
    scripts/bench-reports.sh {{orders}} {{windows}}

# Soak: 10 minutes of a varied catalogue crowd plus sign-ups, carts and orders; RSS every 10 s.
soak seconds="600" connections="64":
    scripts/soak.sh {{seconds}} {{connections}}

# Login benchmark: POST /auth/login at 16 connections, and catalogue latency while logins run.
bench-auth seconds="10" connections="16":
    scripts/bench-auth.sh {{seconds}} {{connections}}

# Job queue benchmark on every backend: no-op jobs, throughput and enqueue-to-start latency.
bench-jobs jobs="2000" concurrency="8":
    cargo build --release -p beeget-tests --bin jobs-bench
    for backend in sqlite postgres redis; do BEEGET_TEST_POSTGRES_URL={{pg_url}} BEEGET_TEST_REDIS_URL=${BEEGET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} "${CARGO_TARGET_DIR:-target}/release/jobs-bench" $backend {{jobs}} {{concurrency}}; done

# Checkout benchmark on SQLite and PostgreSQL: POST /cart and POST /orders throughput and
# latency, and the 50-orders-for-10-units race timed.
bench-orders seconds="10" connections="16":
    cargo build --release -p beeget-tests --bin orders-bench
    for backend in sqlite postgres; do BEEGET_TEST_POSTGRES_URL={{pg_url}} "${CARGO_TARGET_DIR:-target}/release/orders-bench" $backend {{seconds}} {{connections}}; done

# Rate-limited catalogue reads while Redis is up, cut, hung and back (the limiter's 50 ms budget
# and in-memory fallback), through a proxy in front of the local Redis.
bench-redis-outage seconds="10" connections="16":
    cargo build --release -p beeget-tests --bin redis-outage-bench
    BEEGET_TEST_REDIS_URL=${BEEGET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} "${CARGO_TARGET_DIR:-target}/release/redis-outage-bench" {{seconds}} {{connections}}

# Everything CI runs.
ci:
    bash .ci/run
