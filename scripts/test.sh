#!/usr/bin/env bash
# The one command that sets up and runs the whole test suite on a fresh machine:
# installs what the suite needs, makes sure the services it talks to are up, exports
# their addresses, then runs `cargo test --workspace`. It fails loudly rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- toolchain ------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo is missing: install Rust (https://rustup.rs), 1.94 or newer"

# --- system packages the suite uses ---------------------------------------------------
# SQLite is bundled by sqlx (built from source), so a C compiler is all it needs.
missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing ${missing[*]}"
        apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        die "missing system packages: ${missing[*]} (on Debian/Ubuntu: sudo apt-get install ${missing[*]})"
    fi
fi

# --- Postgres -------------------------------------------------------------------------
# The Postgres tests talk to a real server and create (and drop) one database per test.
# With DATABASE_URL set we use that server as it is; otherwise the local cluster, started
# (and on Debian installed) when needed.
if [[ -z "${DATABASE_URL:-}" ]]; then
    export DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
    if ! command -v pg_isready >/dev/null || ! command -v pg_ctlcluster >/dev/null; then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            say "installing postgresql"
            apt-get update -qq && apt-get install -y -qq postgresql postgresql-client >/dev/null
        else
            die "PostgreSQL is missing: install it (Debian: sudo apt-get install postgresql) or set DATABASE_URL"
        fi
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        say "starting the local PostgreSQL cluster"
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start \
            || die "could not start PostgreSQL $version (pg_ctlcluster $version main start)"
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL does not answer on 127.0.0.1:5432"
    # The suite connects over TCP as user postgres without a password (trust auth on this
    # machine); say so clearly when the server wants more.
    psql "$DATABASE_URL" -qAtc 'SELECT 1' >/dev/null \
        || die "cannot sign in to $DATABASE_URL: allow trust auth for 127.0.0.1 or set DATABASE_URL"
fi
say "Postgres tests use DATABASE_URL=$DATABASE_URL"
# Databases left by an interrupted earlier run (a finished test drops its own).
if command -v psql >/dev/null; then
    for db in $(psql "$DATABASE_URL" -qAtc "SELECT datname FROM pg_database WHERE datname LIKE 'lms\_test\_%'" 2>/dev/null); do
        psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
    done
fi

# --- run ------------------------------------------------------------------------------
say "cargo test --workspace"
cargo test --workspace "$@"
