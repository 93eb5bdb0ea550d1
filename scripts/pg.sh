#!/usr/bin/env bash
# A private PostgreSQL cluster for tests and benchmarks, under build/pg/.
#
#   scripts/pg.sh start [--bench]   start (initialise on first use); idempotent
#   scripts/pg.sh stop              stop; idempotent
#   scripts/pg.sh url [DBNAME]      print the DATABASE_URL of `fangkong` (or DBNAME)
#   scripts/pg.sh status            say whether it runs (exit 0 if it does, 3 if not)
#   scripts/pg.sh psql [args...]    psql on the `fangkong` database (-d NAME for another)
#   scripts/pg.sh destroy           stop and delete the cluster's data
#
# The cluster listens on a Unix socket only (listen_addresses = ''); the port number
# only names the socket file. Tests run it with fsync off (fast, unsafe on a crash);
# `start --bench` (or FANGKONG_PG_MODE=bench) runs it with durable settings. Starting in
# one mode while it runs in the other restarts it.
#
# Environment: FANGKONG_PG_DIR (build/pg), FANGKONG_PG_PORT (5439), FANGKONG_PG_MODE (test|bench), PG_BIN (the
# PostgreSQL bin directory; default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
PG_DIR="$(realpath -m "${FANGKONG_PG_DIR:-$ROOT/build/pg}")"
DATA="$PG_DIR/data"
SOCK="$PG_DIR/sock"
LOG="$PG_DIR/postgres.log"
MODE_FILE="$DATA/fangkong_mode.conf"
PORT="${FANGKONG_PG_PORT:-5439}"
DBNAME="fangkong"
SUPERUSER="postgres"

say() { echo "pg.sh: $*" >&2; }
die() { say "$*"; exit 1; }

find_pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        echo "$PG_BIN"
        return
    fi
    local newest
    newest="$(ls -1d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [[ -n "$newest" && -x "$newest/pg_ctl" ]] \
        || die "no PostgreSQL server found under /usr/lib/postgresql (run: make install)"
    echo "$newest"
}

BIN="$(find_pg_bin)"

# initdb and the server refuse to run as root: run them as the `postgres` system user.
if [[ "$(id -u)" == 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "the 'postgres' system user is missing (apt-get install postgresql)"
    as_owner() { runuser -u postgres -- "$@"; }
else
    as_owner() { "$@"; }
fi

pg_ctl_() { as_owner "$BIN/pg_ctl" -D "$DATA" "$@"; }

is_running() { [[ -f "$DATA/PG_VERSION" ]] && pg_ctl_ status >/dev/null 2>&1; }

client() {
    # psql as the superuser over the socket; root can always reach the socket.
    PGHOST="$SOCK" PGPORT="$PORT" PGUSER="$SUPERUSER" "$BIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"
}

# The server user must be able to walk down to build/pg: grant search (x) on the parent
# directories that lack it for "others" (never read or write).
ensure_traversable() {
    [[ "$(id -u)" == 0 ]] || return 0
    local dir="$PG_DIR"
    while [[ "$dir" != "/" ]]; do
        dir="$(dirname "$dir")"
        if ! runuser -u postgres -- test -x "$dir"; then
            say "granting o+x on $dir so the postgres user can reach build/pg"
            chmod o+x "$dir"
        fi
    done
}

mode_settings() {
    case "$1" in
    test)
        cat <<'EOF'
# Written by scripts/pg.sh: test mode (fast, not crash-safe).
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_wal_size = 2GB
EOF
        ;;
    bench)
        cat <<'EOF'
# Written by scripts/pg.sh: bench mode (durable, like production).
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 1GB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 15min
EOF
        ;;
    *) die "unknown mode '$1' (test|bench)" ;;
    esac
}

init_cluster() {
    mkdir -p "$PG_DIR"
    ensure_traversable
    if [[ -f "$DATA/PG_VERSION" ]]; then
        return
    fi
    say "initialising a PostgreSQL cluster in $DATA ($("$BIN/postgres" --version))"
    rm -rf "$DATA"
    mkdir -p "$DATA" "$SOCK"
    if [[ "$(id -u)" == 0 ]]; then
        chown -R postgres:postgres "$PG_DIR"
    fi
    chmod 700 "$DATA"
    as_owner "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# --- scripts/pg.sh ---------------------------------------------------------------
listen_addresses = ''
port = $PORT
unix_socket_directories = '$SOCK'
max_connections = 100
timezone = 'Asia/Shanghai'
log_timezone = 'Asia/Shanghai'
log_min_duration_statement = -1
include_if_exists = 'fangkong_mode.conf'
EOF
}

write_mode() {
    mode_settings "$1" | as_owner tee "$MODE_FILE" >/dev/null
}

current_mode() {
    sed -n 's/^# Written by scripts\/pg.sh: \([a-z]*\) mode.*/\1/p' "$MODE_FILE" 2>/dev/null || true
}

cmd_start() {
    local mode="${FANGKONG_PG_MODE:-test}"
    [[ "${1:-}" == "--bench" ]] && mode="bench"
    [[ "${1:-}" == "--test" ]] && mode="test"
    init_cluster
    if is_running; then
        if [[ "$(current_mode)" == "$mode" ]]; then
            say "already running ($mode mode)"
            ensure_database
            return
        fi
        say "running in $(current_mode) mode; restarting in $mode mode"
        pg_ctl_ stop -m fast -w >/dev/null
    fi
    write_mode "$mode"
    mkdir -p "$SOCK"
    [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$SOCK" "$PG_DIR"
    [[ "$(id -u)" == 0 ]] && { touch "$LOG"; chown postgres:postgres "$LOG"; }
    if ! pg_ctl_ start -w -t 60 -l "$LOG" >/dev/null; then
        tail -n 30 "$LOG" >&2 || true
        die "the server did not start (log: $LOG)"
    fi
    say "started ($mode mode), socket $SOCK/.s.PGSQL.$PORT"
    ensure_database
}

ensure_database() {
    if [[ "$(client -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" != 1 ]]; then
        client -d postgres -c "CREATE DATABASE $DBNAME"
        say "created database $DBNAME"
    fi
    # pg_trgm ships with the server package (contrib); migrations create it per database.
    if [[ "$(client -d postgres -tAc "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")" != 1 ]]; then
        die "extension pg_trgm is not available (install postgresql-contrib)"
    fi
}

cmd_stop() {
    if is_running; then
        pg_ctl_ stop -m fast -w -t 60 >/dev/null
        say "stopped"
    else
        say "not running"
    fi
}

cmd_url() {
    local dbname="${1:-$DBNAME}"
    # The socket directory goes percent-encoded in the host part: libpq, psycopg and
    # dj-database-url all read it as a Unix socket (HOST=/path, PORT=5439).
    local host
    host="$(printf '%s' "$SOCK" | sed -e 's/%/%25/g' -e 's#/#%2F#g' -e 's/ /%20/g' -e 's/:/%3A/g' -e 's/@/%40/g')"
    echo "postgresql://$SUPERUSER@$host:$PORT/$dbname"
}

cmd_status() {
    if is_running; then
        echo "running ($(current_mode) mode), socket $SOCK/.s.PGSQL.$PORT"
        echo "DATABASE_URL=$(cmd_url)"
    else
        echo "stopped"
        return 3
    fi
}

cmd_destroy() {
    cmd_stop
    rm -rf "$PG_DIR"
    say "deleted $PG_DIR"
}

case "${1:-}" in
start) shift; cmd_start "$@" ;;
stop) cmd_stop ;;
url) shift; cmd_url "$@" ;;
status) cmd_status ;;
psql) shift; client -d "$DBNAME" "$@" ;;
destroy) cmd_destroy ;;
*)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
