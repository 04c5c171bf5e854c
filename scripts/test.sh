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
# Certificate tests read the text back out of rendered PDFs with poppler's pdftotext.
command -v pdftotext >/dev/null || missing+=(poppler-utils)
# The TLS-only Postgres cluster below gets its certificates from a CA made with openssl.
command -v openssl >/dev/null || missing+=(openssl)
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
# Each test database is named lms_test_<run>_<uuid> (lms-postgres/src/testing.rs). This run
# drops its own leftovers when it ends, and earlier runs' only when they are hours old: a
# database of a run that is still going (another checkout, another terminal) is left alone.
export LMS_TEST_RUN="${LMS_TEST_RUN:-r$(date +%s)_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')}"
# The rule lms-postgres/src/testing.rs applies too; it also keeps the value out of SQL, and
# safe to use inside the regular expression below.
[[ $LMS_TEST_RUN =~ ^[a-z0-9_]{1,20}$ ]] \
    || die "LMS_TEST_RUN must be 1 to 20 of a-z, 0-9 and _ (it is '$LMS_TEST_RUN')"
drop_test_databases() { # $1: "run" (this run's) or "stale" (generated runs started 6 h ago)
    command -v psql >/dev/null || return 0
    local url db cutoff=$(( $(date +%s) - 6 * 3600 ))
    for url in "$DATABASE_URL" ${LMS_TLS_DATABASE_URL:+"$LMS_TLS_DATABASE_URL"} ${LMS_REPLICA_PRIMARY_URL:+"$LMS_REPLICA_PRIMARY_URL"}; do
    for db in $(psql "$url" -qAtc "SELECT datname FROM pg_database WHERE datname LIKE 'lms\_test\_%'" 2>/dev/null); do
        case $1 in
            # Exactly <run>_<uuid>: another run whose name starts with this one's is not ours.
            run) [[ $db =~ ^lms_test_${LMS_TEST_RUN}_[0-9a-f]{32}$ ]] || continue ;;
            # Only names this script or testing.rs generate: r<unix start>_<random or pid>.
            stale) [[ $db =~ ^lms_test_r([0-9]{10})_([0-9a-f]{8}|[0-9]+)_[0-9a-f]{32}$ ]] || continue
                   (( BASH_REMATCH[1] < cutoff )) || continue ;;
        esac
        psql "$url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true
    done
    done
}
trap 'drop_test_databases run' EXIT

# --- PgBouncer ------------------------------------------------------------------------
# A real transaction-mode pooler in front of that server, on a spare loopback port, for the
# tests that prove the store works behind one (LMS_PGBOUNCER_URL).
if [[ -z "${LMS_PGBOUNCER_URL:-}" ]]; then
    if ! command -v pgbouncer >/dev/null && [[ ! -x /usr/sbin/pgbouncer ]]; then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            say "installing pgbouncer"
            apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null
        else
            die "PgBouncer is missing: install it (Debian: sudo apt-get install pgbouncer) or set LMS_PGBOUNCER_URL"
        fi
    fi
    pgbouncer_bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
    server=${DATABASE_URL#*://}; server=${server#*@}; server=${server%%/*}
    server_host=${server%%:*}; server_port=${server##*:}; [[ "$server_port" == "$server" ]] && server_port=5432
    server_user=${DATABASE_URL#*://}; server_user=${server_user%%@*}; server_user=${server_user%%:*}
    dir="${TMPDIR:-/tmp}/lms-pgbouncer"
    port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    running=""
    if [[ -f "$dir/pgbouncer.pid" ]] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then
        running=$(cat "$dir/port" 2>/dev/null || true)
    fi
    if [[ -n "$running" ]] && port_open "$running"; then
        port=$running
    else
        port=6433
        while port_open "$port"; do port=$((port + 1)); done
        mkdir -p "$dir"
        printf '"%s" ""\n"lms_test_app" ""\n' "$server_user" > "$dir/userlist.txt"
        cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=$server_host port=$server_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
        echo "$port" > "$dir/port"
        say "starting PgBouncer (transaction mode) on 127.0.0.1:$port"
        if [[ $(id -u) -eq 0 ]]; then
            chown -R postgres "$dir" 2>/dev/null || true
            "$pgbouncer_bin" -d -u postgres "$dir/pgbouncer.ini" || die "PgBouncer did not start: see $dir/pgbouncer.log"
        else
            "$pgbouncer_bin" -d "$dir/pgbouncer.ini" || die "PgBouncer did not start: see $dir/pgbouncer.log"
        fi
        for _ in $(seq 1 20); do port_open "$port" && break; sleep 0.5; done
        port_open "$port" || die "PgBouncer does not answer on 127.0.0.1:$port: see $dir/pgbouncer.log"
    fi
    export LMS_PGBOUNCER_URL="postgres://$server_user@127.0.0.1:$port/postgres"
fi
say "pooler tests use LMS_PGBOUNCER_URL=$LMS_PGBOUNCER_URL"

# --- Postgres that accepts only TLS ----------------------------------------------------
# A second local cluster that refuses every connection without TLS, serving a certificate for
# localhost signed by a CA made here, for the tests that connect with sslmode=verify-full
# (LMS_TLS_DATABASE_URL) and the one that shows a certificate from another CA is refused
# (LMS_TLS_WRONG_CA). Made once, then reused; with LMS_TLS_DATABASE_URL set, that is used.
if [[ -z "${LMS_TLS_DATABASE_URL:-}" ]]; then
    [[ $(id -u) -eq 0 ]] && command -v pg_createcluster >/dev/null \
        || die "the TLS tests need a Postgres that accepts only TLS: run this as root on Debian (it makes one), or set LMS_TLS_DATABASE_URL (sslmode=verify-full, sslrootcert=…) and LMS_TLS_WRONG_CA (a CA certificate that did not sign the server's)"
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    certs=/var/lib/postgresql/lms-tls-certs
    if [[ ! -f $certs/server.crt ]]; then
        say "making a test CA and a certificate for localhost"
        mkdir -p "$certs"
        ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
            -subj "/CN=$1" -keyout "$certs/$2.key" -out "$certs/$2.crt" 2>/dev/null; }
        ca "lms-rs test CA" ca
        ca "some other CA" other-ca
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
            -keyout "$certs/server.key" -out "$certs/server.csr" 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$certs/server.ext"
        openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.crt" -CAkey "$certs/ca.key" -CAcreateserial \
            -days 3650 -extfile "$certs/server.ext" -out "$certs/server.crt" 2>/dev/null
        chown -R postgres "$certs" && chmod 600 "$certs"/*.key
    fi
    if ! pg_lsclusters -h | awk '{print $2}' | grep -qx lmstls; then
        tls_port=5440
        while (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null || grep -qs "port = $tls_port" /etc/postgresql/*/*/postgresql.conf; do
            tls_port=$((tls_port + 1))
        done
        say "making the TLS-only Postgres cluster lmstls on port $tls_port"
        pg_createcluster "$version" lmstls -p "$tls_port" >/dev/null
        conf=/etc/postgresql/$version/lmstls
        cat >> "$conf/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
ssl = on
ssl_cert_file = '$certs/server.crt'
ssl_key_file = '$certs/server.key'
CONF
        cat > "$conf/pg_hba.conf" <<HBA
local     all all            peer
hostssl   all all 127.0.0.1/32 trust
hostnossl all all 127.0.0.1/32 reject
HBA
    fi
    tls_port=$(pg_lsclusters -h | awk '$2 == "lmstls" {print $3}')
    if ! pg_lsclusters -h | awk '$2 == "lmstls" {print $4}' | grep -qx online; then
        say "starting the TLS-only Postgres cluster on port $tls_port"
        pg_ctlcluster --skip-systemctl-redirect "$version" lmstls start \
            || die "could not start the TLS-only cluster (pg_ctlcluster $version lmstls start)"
    fi
    export LMS_TLS_DATABASE_URL="postgres://postgres@localhost:$tls_port/postgres?sslmode=verify-full&sslrootcert=$certs/ca.crt"
    export LMS_TLS_WRONG_CA="$certs/other-ca.crt"
fi
say "TLS tests use LMS_TLS_DATABASE_URL=$LMS_TLS_DATABASE_URL"

# --- A Postgres cluster the restart test restarts ----------------------------------------
# lms-axum/tests/http/restart.rs restarts Postgres under 8 writers and expects 503s, never a
# 500, and nothing acknowledged lost. It restarts a small cluster of its own, not the one
# every other test uses: LMS_RESTART_DATABASE_URL and LMS_RESTART_COMMAND (a command that
# restarts that server). Made once, then reused; with both set, those are used.
if [[ -z "${LMS_RESTART_DATABASE_URL:-}" || -z "${LMS_RESTART_COMMAND:-}" ]]; then
    [[ $(id -u) -eq 0 ]] && command -v pg_createcluster >/dev/null \
        || die "the restart test needs a Postgres it may restart: run this as root on Debian (it makes one), or set LMS_RESTART_DATABASE_URL and LMS_RESTART_COMMAND"
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h | awk '{print $2}' | grep -qx lmsrestart; then
        restart_port=5450
        while (exec 3<>"/dev/tcp/127.0.0.1/$restart_port") 2>/dev/null || grep -qs "port = $restart_port" /etc/postgresql/*/*/postgresql.conf; do
            restart_port=$((restart_port + 1))
        done
        say "making the Postgres cluster lmsrestart on port $restart_port (the restart test restarts it)"
        pg_createcluster "$version" lmsrestart -p "$restart_port" >/dev/null
        conf=/etc/postgresql/$version/lmsrestart
        printf "listen_addresses = '127.0.0.1'\nshared_buffers = 16MB\n" >> "$conf/postgresql.conf"
        printf 'local all all peer\nhost all all 127.0.0.1/32 trust\n' > "$conf/pg_hba.conf"
    fi
    restart_port=$(pg_lsclusters -h | awk '$2 == "lmsrestart" {print $3}')
    if ! pg_lsclusters -h | awk '$2 == "lmsrestart" {print $4}' | grep -qx online; then
        pg_ctlcluster --skip-systemctl-redirect "$version" lmsrestart start \
            || die "could not start the restart test's cluster (pg_ctlcluster $version lmsrestart start)"
    fi
    export LMS_RESTART_DATABASE_URL="postgres://postgres@127.0.0.1:$restart_port/postgres"
    export LMS_RESTART_COMMAND="pg_ctlcluster --skip-systemctl-redirect $version lmsrestart restart -m fast"
fi
say "the restart test restarts LMS_RESTART_DATABASE_URL=$LMS_RESTART_DATABASE_URL"

# --- A primary with a streaming replica ----------------------------------------------------
# lms-postgres/tests/replica.rs reads reports, exports and the catalog on a real hot standby
# and pauses its replay to show which reads go where. A pair of its own (LMS_REPLICA_PRIMARY_URL
# and LMS_REPLICA_URL), not a replica of the cluster every other test uses: pausing replay
# there, or replaying every other test's databases, would slow the whole suite. The standby is
# made with pg_basebackup -R, as a production one would be. Made once, then reused; with both
# set, those are used.
if [[ -z "${LMS_REPLICA_PRIMARY_URL:-}" || -z "${LMS_REPLICA_URL:-}" ]]; then
    [[ $(id -u) -eq 0 ]] && command -v pg_createcluster >/dev/null \
        || die "the replica tests need a Postgres primary and a streaming replica: run this as root on Debian (it makes them), or set LMS_REPLICA_PRIMARY_URL and LMS_REPLICA_URL (a hot standby of it that the tests may pause with pg_wal_replay_pause)"
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    free_port() { # the first port from $1 on that nothing listens on and no cluster claims
        local port=$1
        while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || grep -qs "port = $port" /etc/postgresql/*/*/postgresql.conf; do
            port=$((port + 1))
        done
        echo "$port"
    }
    cluster_port() { pg_lsclusters -h | awk -v c="$1" '$2 == c {print $3}'; }
    start_cluster() { # $1: name (a standby shows as "online,recovery")
        pg_lsclusters -h | awk -v c="$1" '$2 == c {print $4}' | grep -q '^online' \
            || pg_ctlcluster --skip-systemctl-redirect "$version" "$1" start \
            || die "could not start the cluster $1 (pg_ctlcluster $version $1 start)"
    }
    if ! pg_lsclusters -h | awk '{print $2}' | grep -qx lmsprimary; then
        primary_port=$(free_port 5460)
        say "making the Postgres cluster lmsprimary on port $primary_port (the replica's primary)"
        pg_createcluster "$version" lmsprimary -p "$primary_port" >/dev/null
        conf=/etc/postgresql/$version/lmsprimary
        printf "listen_addresses = '127.0.0.1'\nshared_buffers = 32MB\nwal_level = replica\n" >> "$conf/postgresql.conf"
        printf 'local all all peer\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n' > "$conf/pg_hba.conf"
    fi
    start_cluster lmsprimary
    primary_port=$(cluster_port lmsprimary)
    if ! pg_lsclusters -h | awk '{print $2}' | grep -qx lmsreplica; then
        replica_port=$(free_port $((primary_port + 1)))
        say "making lmsreplica on port $replica_port: pg_basebackup -R of lmsprimary"
        pg_createcluster "$version" lmsreplica -p "$replica_port" >/dev/null
        conf=/etc/postgresql/$version/lmsreplica
        printf "listen_addresses = '127.0.0.1'\nshared_buffers = 32MB\nhot_standby = on\n" >> "$conf/postgresql.conf"
        printf 'local all all peer\nhost all all 127.0.0.1/32 trust\n' > "$conf/pg_hba.conf"
        data=$(pg_lsclusters -h | awk '$2 == "lmsreplica" {print $6}')
        find "$data" -mindepth 1 -delete # pg_basebackup fills the empty directory
        # -C -S: a replication slot keeps the WAL the standby has not replayed yet, so a
        # standby that was down while the primary worked catches up instead of failing.
        if ! runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres \
            -D "$data" -R -X stream -c fast -C -S lmsreplica; then
            pg_dropcluster "$version" lmsreplica || true
            psql "postgres://postgres@127.0.0.1:$primary_port/postgres" -qAtc \
                "SELECT pg_drop_replication_slot('lmsreplica') FROM pg_replication_slots WHERE slot_name = 'lmsreplica'" >/dev/null || true
            die "pg_basebackup from lmsprimary (port $primary_port) failed"
        fi
    fi
    start_cluster lmsreplica
    replica_port=$(cluster_port lmsreplica)
    in_recovery=$(psql "postgres://postgres@127.0.0.1:$replica_port/postgres" -qAtc "SELECT pg_is_in_recovery()") \
        || die "the replica on port $replica_port does not answer"
    [[ $in_recovery == t ]] \
        || die "lmsreplica (port $replica_port) is not a standby: drop it (pg_dropcluster --stop $version lmsreplica) and run this again"
    # A replica left paused by an interrupted run would never catch up.
    psql "postgres://postgres@127.0.0.1:$replica_port/postgres" -qAtc "SELECT pg_wal_replay_resume()" >/dev/null
    export LMS_REPLICA_PRIMARY_URL="postgres://postgres@127.0.0.1:$primary_port/postgres"
    export LMS_REPLICA_URL="postgres://postgres@127.0.0.1:$replica_port/postgres"
fi
say "replica tests use LMS_REPLICA_PRIMARY_URL=$LMS_REPLICA_PRIMARY_URL and LMS_REPLICA_URL=$LMS_REPLICA_URL"
drop_test_databases stale

# --- OpenAPI tools -----------------------------------------------------------------------
# The served OpenAPI document is checked by openapi-spec-validator (LMS_OPENAPI_VALIDATOR),
# and a client generated from it by openapi-python-client (LMS_OPENAPI_CLIENT_GENERATOR)
# runs a learner's journey in Python (LMS_PYTHON, with the generated code's httpx, attrs
# and python-dateutil). All kept in a virtual environment of its own, so that nothing is
# installed system-wide; pinned, so that a new release cannot turn the suite red.
venv="${TMPDIR:-/tmp}/lms-test-python"
python_tools=('openapi-spec-validator==0.9.*' 'openapi-python-client==0.29.*' 'python-dateutil==2.*' 'aiosmtpd==1.4.*')
if [[ -z "${LMS_OPENAPI_VALIDATOR:-}" || -z "${LMS_OPENAPI_CLIENT_GENERATOR:-}" || -z "${LMS_PYTHON:-}" ]]; then
    command -v python3 >/dev/null || die "python3 is missing: the OpenAPI checks need it (Debian: apt-get install python3 python3-venv)"
    if [[ ! -x "$venv/bin/openapi-python-client" || ! -x "$venv/bin/openapi-spec-validator" ]] \
        || ! "$venv/bin/python" -c 'import dateutil, aiosmtpd' 2>/dev/null; then
        say "installing the OpenAPI tools into $venv"
        [[ -x "$venv/bin/pip" ]] || python3 -m venv "$venv" 2>/dev/null || {
            [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null && apt-get install -y -qq python3-venv >/dev/null
            python3 -m venv "$venv"
        } || die "cannot make a Python virtual environment at $venv"
        "$venv/bin/pip" install --quiet "${python_tools[@]}" \
            || die "cannot install ${python_tools[*]} (needs PyPI): set LMS_OPENAPI_VALIDATOR, LMS_OPENAPI_CLIENT_GENERATOR and LMS_PYTHON to your own"
    fi
    export LMS_OPENAPI_VALIDATOR="${LMS_OPENAPI_VALIDATOR:-$venv/bin/openapi-spec-validator}"
    export LMS_OPENAPI_CLIENT_GENERATOR="${LMS_OPENAPI_CLIENT_GENERATOR:-$venv/bin/openapi-python-client}"
    export LMS_PYTHON="${LMS_PYTHON:-$venv/bin/python}"
fi
say "the OpenAPI document is checked by $LMS_OPENAPI_VALIDATOR and $LMS_OPENAPI_CLIENT_GENERATOR"

# --- SMTP ----------------------------------------------------------------------------
# A real SMTP server (aiosmtpd, from the same virtual environment) on a free loopback port,
# delivering into a Maildir that the mail tests read back (LMS_TEST_SMTP_URL,
# LMS_TEST_SMTP_MAILDIR). Started once, then reused while it runs.
if [[ -z "${LMS_TEST_SMTP_URL:-}" ]]; then
    [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null \
        || die "the SMTP tests need aiosmtpd in $venv (see above), or set LMS_TEST_SMTP_URL and LMS_TEST_SMTP_MAILDIR"
    dir="${TMPDIR:-/tmp}/lms-smtp"
    port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    port=""
    if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        port=$(cat "$dir/port" 2>/dev/null || true)
        [[ -n "$port" ]] && port_open "$port" || port=""
    fi
    if [[ -z "$port" ]]; then
        port=2525
        while port_open "$port"; do port=$((port + 1)); done
        mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur"
        say "starting an SMTP server (aiosmtpd) on 127.0.0.1:$port"
        nohup "$venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$port" \
            -c aiosmtpd.handlers.Mailbox "$dir/maildir" > "$dir/log" 2>&1 &
        echo $! > "$dir/pid"
        echo "$port" > "$dir/port"
        for _ in $(seq 1 40); do port_open "$port" && break; sleep 0.25; done
        port_open "$port" || die "the SMTP server does not answer on 127.0.0.1:$port: see $dir/log"
    fi
    export LMS_TEST_SMTP_URL="smtp://127.0.0.1:$port?tls=none"
    export LMS_TEST_SMTP_MAILDIR="$dir/maildir"
fi
say "mail tests deliver through LMS_TEST_SMTP_URL=$LMS_TEST_SMTP_URL"

# --- a browser for the app's journeys (examples/full/tests/browser) --------------------
# Debian's Chromium and its WebDriver, of the same version. LMS_CHROMEDRIVER points at
# another chromedriver (and LMS_CHROMIUM at its browser) instead.
if [[ -z ${LMS_CHROMEDRIVER:-} ]]; then
    if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
        if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
            say "installing chromium and chromium-driver (the browser tests)"
            apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
        else
            die "Chromium is missing: the browser tests need it (Debian: sudo apt-get install chromium chromium-driver), or set LMS_CHROMEDRIVER"
        fi
    fi
    export LMS_CHROMEDRIVER=$(command -v chromedriver)
fi
say "browser tests drive $LMS_CHROMEDRIVER"

# --- run ------------------------------------------------------------------------------
say "cargo test --workspace"
cargo test --workspace "$@"

# The workspace run has every feature on. The default facade (SQLite and the router) must
# build without the heavy or C-toolchain crates, and mount no route of a feature that is off.
say "the default facade: what it depends on, and which routes it mounts"
heavy='^(printpdf|allsorts|argon2|reqwest|lettre|aws-lc-sys|aws-lc-rs|cmake|openssl-sys|lms-pdf|lms-media|lms-stripe|lms-mail) '
if found=$(cargo tree -p lms-rs -e normal --prefix none | grep -E "$heavy" | sort -u) && [[ -n "$found" ]]; then
    die "the default features of lms-rs pull in: $found (gate them behind a feature)"
fi
cargo test -p lms-rs --no-default-features --features sqlite,axum --test features "$@"

# Publishable: crates.io accepts every manifest, and each .crate is under its 10 MiB limit
# (lms-pdf carries its fonts). The packages' code is built and tested above.
say "cargo package --workspace (manifests and sizes)"
packaged=$(mktemp -d)
CARGO_TARGET_DIR=$packaged cargo package --workspace --no-verify --allow-dirty -q
for crate in "$packaged"/package/*.crate; do
    size=$(stat -c %s "$crate")
    (( size < 10 * 1024 * 1024 )) \
        || die "$(basename "$crate") is $size bytes: crates.io takes at most 10 MiB a crate"
done
rm -rf "$packaged"
