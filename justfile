# Beeget operations. `just --list` shows the recipes (the comment line right above each recipe
# is what it says). Everything here also works with plain cargo; the recipes only save typing.
# just itself: `cargo install just --locked`; `just setup` then installs what the tests need.

set shell := ["bash", "-euo", "pipefail", "-c"]

pg_url := env_var_or_default("BEEGET_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
venv := env_var_or_default("BEEGET_CI_VENV", "/var/cache/beeget/venv")

# List the recipes (what `just` alone does).
default:
    @{{quote(just_executable())}} --justfile {{quote(justfile())}} --list

# --- Setting up -------------------------------------------------------------------------------

# The Python tools and pins are those of .ci/run (a step there checks the two lists agree).
# Install the test tools: a Python venv (BEEGET_CI_VENV) and the TypeScript client's npm packages.
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    command -v python3 >/dev/null || { echo "setup: python3 is missing (e.g. apt-get install python3 python3-venv)" >&2; exit 1; }
    command -v npm >/dev/null || { echo "setup: npm is missing (Node.js 20+, e.g. apt-get install nodejs npm)" >&2; exit 1; }
    venv={{quote(venv)}}
    if [ ! -x "$venv/bin/python" ]; then
      echo "setup: creating the Python venv $venv"
      mkdir -p "$(dirname "$venv")"
      python3 -m venv "$venv"
    fi
    echo "setup: openapi-spec-validator, aiosmtpd, localstripe, moto, schemathesis into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==0.7.*" "aiosmtpd==1.4.*" "localstripe==1.15.*" "moto[server]==5.2.*" "schemathesis==4.32.5"
    echo "setup: npm ci in openapi/typescript"
    cd openapi/typescript && npm ci --no-audit --no-fund --loglevel=error
    echo "setup: done; just test-all (.ci/run) uses the tools in $venv."

# Start local PostgreSQL (5432) and Redis (6379) unless they answer already; no systemd.
services-up:
    scripts/services.sh up

# Stop the PostgreSQL and Redis that services-up started (never a server it found running).
services-down:
    scripts/services.sh down

# Say whether PostgreSQL and Redis answer, and whether services-up started them.
services-status:
    scripts/services.sh status

# --- Running ----------------------------------------------------------------------------------

# Run the API on the embedded defaults (SQLite, demo catalogue on first start).
serve:
    cargo run -p beeget-api -- serve

# Job workers and scheduler alone (pair with BEEGET_JOBS__RUN_IN_SERVER=false on the API).
worker:
    cargo run -p beeget-api -- worker

# The staff console (crate beeget-admin) against the local server.
admin api="http://127.0.0.1:8080":
    cargo run -p beeget-admin -- --api {{api}}

# --- Data -------------------------------------------------------------------------------------

# Apply database migrations to the configured database.
migrate:
    cargo run -p beeget-api -- migrate

# Load the demo catalogue (idempotent: upsert by slug).
seed:
    cargo run -p beeget-api -- seed

# The demo catalogue plus N deterministic synthetic products (for benchmarks).
seed-synthetic n:
    cargo run -p beeget-api -- seed --synthetic {{n}}

# History: no stock taken, no email sent; the same N adds nothing a second time the same day.
# The demo catalogue plus N deterministic orders over the last two years (reports, demos).
seed-orders n:
    cargo run -p beeget-api -- seed --synthetic-orders {{n}}

# Create an account: `just user-create ops@example.com "Ops Team" admin`; asks for the password.
user-create email name="" role="user":
    #!/usr/bin/env bash
    set -euo pipefail
    email={{quote(email)}}
    name={{quote(name)}}
    [ -n "$name" ] || name=${email%%@*}
    if [ -t 0 ]; then
      read -rsp "Password for $email: " password; echo >&2
      read -rsp "Again: " again; echo >&2
      [ "$password" = "$again" ] || { echo "user-create: the passwords differ" >&2; exit 1; }
    else
      IFS= read -r password || true
    fi
    printf '%s\n' "$password" | cargo run -q -p beeget-api -- user create --email "$email" --name "$name" --role {{quote(role)}} --password-stdin

# GDPR: everything stored about an account, as JSON on stdout (or into `output`, mode 0600).
gdpr-export email output="":
    cargo run -q -p beeget-api -- gdpr export {{quote(email)}} {{ if output == "" { "" } else { "--output " + quote(output) } }}

# GDPR: erase an account's personal data (asks to type the email back; `--yes` does not ask).
gdpr-delete email *flags:
    cargo run -q -p beeget-api -- gdpr erase {{quote(email)}} {{flags}}

# --- API and clients --------------------------------------------------------------------------

# The Rust client (openapi/rust) is generated from the spec by its build.rs: building it is
# what regenerates it.
# Regenerate openapi/openapi.json from the code, then the TypeScript types and the Rust client.
openapi:
    cargo run -q -p beeget-api -- openapi --output openapi/openapi.json
    cd openapi/typescript && npm ci --no-audit --no-fund --loglevel=error && npm run generate
    cargo build -p beeget-client

# Spec, served spec and types agree, tsc --noEmit, the storefront flow test (Node.js 20+, npm).
# The TypeScript client (@beeget/client) tested against a fresh server.
ts-test:
    [ -x "${CARGO_TARGET_DIR:-target}/debug/beeget" ] || cargo build -p beeget-api --bin beeget
    scripts/ts-client.sh "${CARGO_TARGET_DIR:-target}/debug/beeget"

# --- Jobs -------------------------------------------------------------------------------------

# Jobs, newest first: `just jobs failed` (queued, running, failed, done).
jobs status="":
    if [ -z "{{status}}" ]; then cargo run -q -p beeget-api -- jobs list; else cargo run -q -p beeget-api -- jobs list --status {{status}}; fi

# Queue a failed job again, with a fresh set of attempts.
job-retry id:
    cargo run -q -p beeget-api -- jobs retry {{id}}

# Run a scheduled job now: `just job-run cleanupAbandonedCarts` (`--inline`, `--date` pass on).
job-run name *flags:
    cargo run -q -p beeget-api -- jobs run {{name}} {{flags}}

# --- Reports ----------------------------------------------------------------------------------

# The sales report as CSV on stdout: `just report-sales 2026-01-01 2026-01-31 [day|week|month]`.
report-sales start end group="day":
    cargo run -q -p beeget-api -- reports sales --start {{start}} --end {{end}} --group-by {{group}}

# Sum the sales rollups again from the orders (after editing orders by hand in SQL).
reports-rebuild:
    cargo run -q -p beeget-api -- reports rebuild

# --- Checks -----------------------------------------------------------------------------------

# The test suites (SQLite; PostgreSQL and Redis too when BEEGET_TEST_POSTGRES_URL and
# BEEGET_TEST_REDIS_URL are set).
# The README's test command: cargo test --workspace.
test:
    cargo test --workspace

# The test suites with the PostgreSQL contract suite against a local server.
test-pg:
    BEEGET_TEST_POSTGRES_URL={{pg_url}} cargo test --workspace

# Formats, lints, every suite with PostgreSQL and Redis, spec validation, schemathesis, TS client.
# Everything CI runs (bash .ci/run).
test-all:
    bash .ci/run

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# --- Benchmarks (BENCHMARKS.md) ---------------------------------------------------------------

# Release build, `count` synthetic products on SQLite (PostgreSQL when BENCH_POSTGRES_URL is
# set), wrk: /healthz, a crowd of 20,000 distinct catalogue URLs, then each kind of page alone;
# seeding and index build times, RSS.
# Catalogue benchmark (wrk; BENCH_POSTGRES_URL for PostgreSQL).
bench count="10000" seconds="10" connections="64":
    scripts/bench.sh {{count}} {{seconds}} {{connections}}

# `orders` synthetic orders over two years (SQLite; PostgreSQL when BENCH_POSTGRES_URL is set),
# then one-year reports by day and by month over distinct windows.
# Sales report benchmark (BENCH_POSTGRES_URL for PostgreSQL).
bench-reports orders="1000000" windows="20":
    scripts/bench-reports.sh {{orders}} {{windows}}

# Soak: a varied catalogue crowd plus sign-ups, carts and orders; RSS every 10 s.
soak seconds="600" connections="64":
    scripts/soak.sh {{seconds}} {{connections}}

# Login benchmark: POST /auth/login, and catalogue latency while logins run.
bench-auth seconds="10" connections="16":
    scripts/bench-auth.sh {{seconds}} {{connections}}

# Job queue benchmark on every backend: no-op jobs, throughput and enqueue-to-start latency.
bench-jobs jobs="2000" concurrency="8":
    cargo build --release -p beeget-tests --bin jobs-bench
    for backend in sqlite postgres redis; do BEEGET_TEST_POSTGRES_URL={{pg_url}} BEEGET_TEST_REDIS_URL=${BEEGET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} "${CARGO_TARGET_DIR:-target}/release/jobs-bench" $backend {{jobs}} {{concurrency}}; done

# POST /cart and POST /orders throughput and latency, and the 50-orders-for-10-units race timed.
# Checkout benchmark on SQLite and PostgreSQL.
bench-orders seconds="10" connections="16":
    cargo build --release -p beeget-tests --bin orders-bench
    for backend in sqlite postgres; do BEEGET_TEST_POSTGRES_URL={{pg_url}} "${CARGO_TARGET_DIR:-target}/release/orders-bench" $backend {{seconds}} {{connections}}; done

# Through a proxy in front of the local Redis: the limiter's 50 ms budget and in-memory fallback.
# Rate-limited catalogue reads while Redis is up, cut, hung and back.
bench-redis-outage seconds="10" connections="16":
    cargo build --release -p beeget-tests --bin redis-outage-bench
    BEEGET_TEST_REDIS_URL=${BEEGET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0} "${CARGO_TARGET_DIR:-target}/release/redis-outage-bench" {{seconds}} {{connections}}
