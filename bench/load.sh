#!/usr/bin/env bash
# Load test of person search and the person list at district scale, on loopback.
#
#   bench/load.sh
#
# Starts a private PostgreSQL cluster with durable settings in build/pg-load/ (port
# 5441: never the test cluster of build/pg/), in a database `fangkong_load` that is kept
# between runs; loads the demo district with LOAD_PERSONS people only when it holds
# fewer (2,000,000 take about 6 minutes); starts `fangkong serve` on 127.0.0.1:8077 and
# runs locust headless (bench/locustfile.py) against it; then prints one JSON line with
# the figures from locust's statistics (also appended to build/bench/results.jsonl) and
# stops the server and the cluster. Locust's CSV files and log and the server log are
# in build/load/.
#
# Environment: LOAD_PERSONS (2000000), LOAD_USERS (20), LOAD_RATE (users started per
# second, 10), LOAD_SECONDS (60), LOAD_WORKERS (gunicorn workers, 3), LOAD_PORT (8077),
# LOAD_WARMUP (seconds after the last login before the statistics start, 5),
# LOAD_WAIT_MIN / LOAD_WAIT_MAX (a user's pause between requests, 0.5 / 2.0 s),
# LOAD_EXCLUDE_TAGS (task tags to leave out, comma-separated: list, search, api, tree;
# e.g. LOAD_EXCLUDE_TAGS=tree measures search and lists without the tree page),
# LOAD_SLOW_MS (requests slower than this are logged with their URL in
# build/load/locust.log, 1000). docs/operations.md ("Load test") explains the output.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PERSONS="${LOAD_PERSONS:-2000000}"
USERS="${LOAD_USERS:-20}"
RATE="${LOAD_RATE:-10}"
DURATION="${LOAD_SECONDS:-60}"
EXCLUDE_TAGS="${LOAD_EXCLUDE_TAGS:-}"
WORKERS="${LOAD_WORKERS:-3}"
PORT="${LOAD_PORT:-8077}"
HOST="http://127.0.0.1:$PORT"
DBNAME="fangkong_load"
OUT="$ROOT/build/load"
RESULTS="$ROOT/build/bench/results.jsonl"
FANGKONG="$ROOT/.venv/bin/fangkong"
PYTHON="$ROOT/.venv/bin/python"

# The cluster of this script, apart from the test suite's (build/pg, port 5439).
export FANGKONG_PG_DIR="$ROOT/build/pg-load" FANGKONG_PG_PORT=5441
export FANGKONG_VAR_DIR="$ROOT/build/load-var"
export LOAD_SAMPLES="$OUT/samples.json"
unset REDIS_URL
mkdir -p "$FANGKONG_VAR_DIR" "$OUT" "$(dirname "$RESULTS")"

say() { echo "load: $*" >&2; }
die() { say "$*"; exit 1; }
sql() { scripts/pg.sh psql -d "$DBNAME" -tA "$@"; }

server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    scripts/pg.sh stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if curl -s -o /dev/null --max-time 2 "$HOST/healthz"; then
    die "something already answers on $HOST; stop it or set LOAD_PORT"
fi

scripts/pg.sh start --bench || exit 1
if [[ "$(scripts/pg.sh psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")" != 1 ]]; then
    scripts/pg.sh psql -d postgres -c "CREATE DATABASE $DBNAME" || exit 1
fi
DATABASE_URL="$(scripts/pg.sh url "$DBNAME")"
export DATABASE_URL
"$FANGKONG" migrate --noinput --verbosity 0 || exit 1

have="$(sql -c "SELECT count(*) FROM registry_person")" || exit 1
if ((have < PERSONS)); then
    if ((have > 0)); then
        # `fangkong demo` leaves a district with people alone: start from an empty one.
        say "$DBNAME holds $have people, fewer than $PERSONS: recreating it"
        scripts/pg.sh psql -d postgres -c "DROP DATABASE $DBNAME" -c "CREATE DATABASE $DBNAME" || exit 1
        "$FANGKONG" migrate --noinput --verbosity 0 || exit 1
    fi
    say "loading the demo district with $PERSONS people (2,000,000 take about 6 minutes)"
    "$FANGKONG" demo --persons "$PERSONS" || exit 1
    # What autovacuum would do a while later: fresh statistics and a visibility map.
    sql -c "VACUUM (ANALYZE)" || exit 1
    have="$(sql -c "SELECT count(*) FROM registry_person")" || exit 1
else
    say "$DBNAME already holds $have people; not loading"
fi
"$FANGKONG" demo_accounts >"$OUT/accounts.txt" || exit 1
"$FANGKONG" collectstatic --noinput --verbosity 0 || exit 1

# Search values the users type: real people of each demo account's scope, the same
# ones every run (a repeatable sample, in a fixed order).
sql >"$LOAD_SAMPLES" <<'EOF' || exit 1
SELECT json_object_agg(scope, people)
FROM (
    SELECT s.scope, (
        SELECT coalesce(json_agg(row_to_json(p)), '[]')
        FROM (
            -- An address fragment as typed: a compound (锦绣家园, 营坡顶村) or a
            -- building in it (锦绣家园4号楼, 营坡顶村二十九组), half and half.
            SELECT id, name, name_pinyin, name_initials, id_last4, phone,
                   CASE WHEN id % 2 = 0
                        THEN substring(address FROM '^(.+?)[0-9一二三四五六七八九十]+(?:号楼|组)')
                        ELSE substring(address FROM '^(.+?(?:号楼|组))')
                   END AS fragment
            FROM registry_person TABLESAMPLE SYSTEM (2) REPEATABLE (42)
            WHERE jurisdiction_code LIKE s.scope || '%' AND status = 'active'
            ORDER BY md5(id::text)
            LIMIT 200
        ) p
    ) AS people
    FROM (VALUES ('410106001001'), ('410106001'), ('410106')) AS s (scope)
) per_scope
EOF

say "serving on $HOST with $WORKERS workers (log: $OUT/serve.log)"
"$FANGKONG" serve --bind "127.0.0.1:$PORT" --workers "$WORKERS" >"$OUT/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    curl -sf -o /dev/null --max-time 2 "$HOST/healthz" && break
    kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$OUT/serve.log" >&2; die "the server exited"; }
    sleep 0.5
done
curl -sf -o /dev/null --max-time 2 "$HOST/healthz" || die "no answer from $HOST/healthz"

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
say "locust: $USERS users, $DURATION s (load average before: $load_before)"
rm -f "$OUT"/locust_*.csv
# The locustfile measures LOAD_SECONDS from the end of the warm-up (the logins take a
# while) and then stops; --run-time is only a backstop.
LOAD_MEASURE_SECONDS="$DURATION" "$ROOT/.venv/bin/locust" -f bench/locustfile.py \
    --headless --only-summary -u "$USERS" -r "$RATE" -t "$((DURATION + 600))s" \
    --stop-timeout 10 --host "$HOST" --csv "$OUT/locust" \
    ${EXCLUDE_TAGS:+--exclude-tags ${EXCLUDE_TAGS//,/ }} >"$OUT/locust.log" 2>&1
locust_status=$?
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
[[ -f "$OUT/locust_stats.csv" ]] || { tail -n 30 "$OUT/locust.log" >&2; die "locust wrote no statistics"; }

line="$(
    "$PYTHON" - "$OUT/locust_stats.csv" "$have" "$USERS" "$DURATION" "$WORKERS" \
        "$load_before" "$load_after" "$EXCLUDE_TAGS" <<'EOF'
import csv
import json
import sys

path, persons, users, seconds, workers, load_before, load_after, excluded = sys.argv[1:]
LIMIT_MS = 300  # the requirement: search and list pages under 300 ms at the 95th percentile


def ms(value):
    return None if value in ("", "N/A") else round(float(value), 1)


def figures(row):
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(float(row["Requests/s"]), 2),
        "p50_ms": ms(row["50%"]),
        "p95_ms": ms(row["95%"]),
        "p99_ms": ms(row["99%"]),
        "max_ms": ms(row["Max Response Time"]),
    }


with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
total = next(r for r in rows if r["Name"] == "Aggregated")
by_name = {r["Name"]: figures(r) for r in rows if r["Name"] != "Aggregated"}
# The pages of the requirement: the list and every search, on the web. The p95 of all of
# them together is at most the largest p95 among them.
pages = [v["p95_ms"] for k, v in by_name.items() if k.split(":")[0] in ("list", "search")]
pages = [p for p in pages if p is not None]
worst = max(pages) if pages else None
print(
    json.dumps(
        {
            "bench": "load",
            "persons": int(persons),
            "users": int(users),
            "seconds": int(seconds),
            "workers": int(workers),
            "excluded": [t for t in excluded.split(",") if t],
            **figures(total),
            "pages_p95_max_ms": worst,
            "pages_p95_ok": worst is not None and worst < LIMIT_MS,
            "load_average": {"before": load_before, "after": load_after},
            "by_name": by_name,
        },
        ensure_ascii=False,
    )
)
EOF
)" || die "could not read $OUT/locust_stats.csv"
printf '%s\n' "$line"
printf '%s\n' "$line" >>"$RESULTS"
if ((locust_status != 0)); then
    say "locust exited with $locust_status (failures; see $OUT/locust.log and $OUT/locust_failures.csv)"
fi
exit "$locust_status"
