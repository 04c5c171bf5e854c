#!/usr/bin/env bash
# W1 (a learner's course progress) and W5 (progress writes) over HTTP, with wrk against the
# release example server, on embedded SQLite and on Postgres (row-level security on, as the
# example server runs it): BENCHMARKS.md, "Over HTTP". wrk and the server share this
# machine's cores, as they did when the targets were set.
#
#   scripts/bench-http.sh            # both stores, 15 s per workload
#   LMS_WRK_STORES=sqlite LMS_WRK_DURATION=30s scripts/bench-http.sh
#
# Postgres comes from DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# where a database of its own is made and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null \
        || die "wrk is missing (on Debian/Ubuntu: sudo apt-get install wrk)"
    say "installing wrk"
    apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi

duration=${LMS_WRK_DURATION:-15s}
learners=${LMS_WRK_LEARNERS:-200}
threads=2
stores=${LMS_WRK_STORES:-sqlite,postgres}
server_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
port=${LMS_WRK_PORT:-3099}

say "building the release example server and the data loader"
cargo build --release -q -p lms-examples --example example-server --example load_data
bin=${CARGO_TARGET_DIR:-target}/release/examples

work=$(mktemp -d)
server_pid=
database=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [[ -n $database ]] && psql "$server_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# $1: store name, $2: database URL
run_store() {
    local store=$1 url=$2
    say "$store: loading $learners learners"
    "$bin/load_data" "$url" "$work/data.lua" "$learners"
    LMS_DATABASE_URL=$url LMS_ADDR=127.0.0.1:$port LMS_SEED_DEMO=0 LMS_MEDIA_DIR=$work/media \
        LMS_MAIL_DIR=$work/mail RUST_LOG=warn "$bin/example-server" >"$work/$store-server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
        sleep 0.1
    done
    curl -fs "http://127.0.0.1:$port/api/v1/health" >/dev/null \
        || die "the server did not start: see $work/$store-server.log"
    for workload in read write; do
        say "$store: W$([[ $workload == read ]] && echo 1 || echo 5) over HTTP ($workload), $threads threads, 16 connections, $duration"
        LMS_WRK_DATA=$work/data.lua LMS_WRK_THREADS=$threads \
            wrk -t"$threads" -c16 -d"$duration" --latency -s "scripts/wrk/progress-$workload.lua" \
            "http://127.0.0.1:$port" | tee "$work/$store-$workload.txt"
    done
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    server_pid=
}

for store in ${stores//,/ }; do
    case $store in
        sqlite) run_store sqlite "sqlite://$work/bench.db" ;;
        postgres)
            database="lms_http_bench_$$"
            psql "$server_url" -qc "CREATE DATABASE $database" >/dev/null
            run_store postgres "$(sed -E "s#/[^/?]*(\?|$)#/$database\1#" <<<"${server_url%/}")"
            psql "$server_url" -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
            database=
            ;;
        *) die "LMS_WRK_STORES: sqlite or postgres, not $store" ;;
    esac
done
