#!/usr/bin/env bash
# Run the benchmarks against a private PostgreSQL cluster with durable settings
# (fsync on), in a database `fangkong_bench` created afresh for each run.
#
#   bench/run.sh            every benchmark in BENCHES below
#   bench/run.sh import     only those whose command line contains "import"
#
# Each benchmark prints one JSON line; the lines are also appended to
# build/bench/results.jsonl. Environment: BENCH_PERSONS (1000000, the import's ledger),
# BENCH_DISTRICT_PERSONS (2000000: the demo district the screening benchmark loads),
# BENCH_PUSH_ENTRIES (100000: the pushed list it matches against that district),
# BENCH_CONTROL_ORDERS (100000: active control orders in that district). The sampling
# benchmark serves the application with gunicorn on a free loopback port, drives it
# with locust, kills it, and restarts this cluster once (--pg-restart). The report
# benchmark comes last: it measures the daily report with the others' data in place.
#
# To add a benchmark, add its `fangkong` command line to BENCHES.
set -uo pipefail

PERSONS="${BENCH_PERSONS:-1000000}"
DISTRICT_PERSONS="${BENCH_DISTRICT_PERSONS:-2000000}"
PUSH_ENTRIES="${BENCH_PUSH_ENTRIES:-100000}"
CONTROL_ORDERS="${BENCH_CONTROL_ORDERS:-100000}"
BENCHES=(
    "bench import --persons $PERSONS"
    "bench screening --persons $DISTRICT_PERSONS --entries $PUSH_ENTRIES"
    "bench control --orders $CONTROL_ORDERS --persons $DISTRICT_PERSONS"
    "bench sampling --persons $DISTRICT_PERSONS --pg-restart"
    "bench report --persons $DISTRICT_PERSONS --orders $CONTROL_ORDERS"
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FANGKONG="$ROOT/.venv/bin/fangkong"
RESULTS="$ROOT/build/bench/results.jsonl"
DBNAME="fangkong_bench"
filter="${1:-}"

export FANGKONG_VAR_DIR="$ROOT/build/bench-var"
unset REDIS_URL
mkdir -p "$FANGKONG_VAR_DIR" "$(dirname "$RESULTS")"

trap 'scripts/pg.sh stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
scripts/pg.sh start --bench || exit 1
PGOPTIONS="-c client_min_messages=warning" scripts/pg.sh psql -d postgres -c "DROP DATABASE IF EXISTS $DBNAME" -c "CREATE DATABASE $DBNAME" || exit 1
DATABASE_URL="$(scripts/pg.sh url "$DBNAME")"
export DATABASE_URL
"$FANGKONG" migrate --noinput --verbosity 0 || exit 1

status=0
for bench in "${BENCHES[@]}"; do
    if [[ -n "$filter" && "$bench" != *"$filter"* ]]; then
        continue
    fi
    echo "==> fangkong $bench" >&2
    # shellcheck disable=SC2086  # the command line is split on purpose
    if ! output="$("$FANGKONG" $bench)"; then
        echo "FAILED: fangkong $bench" >&2
        status=1
    fi
    printf '%s\n' "$output"
    printf '%s\n' "$output" | grep '^{' >>"$RESULTS" || true
done
exit "$status"
