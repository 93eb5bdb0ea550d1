#!/usr/bin/env bash
# The whole check: lint, then the test suite on SQLite, then on PostgreSQL (a private
# cluster started here and stopped on exit, whatever happens).
#
#   scripts/test.sh            lint + sqlite + postgres
#   scripts/test.sh lint       the lint steps only
#   scripts/test.sh sqlite     pytest on SQLite only
#   scripts/test.sh postgres   pytest on PostgreSQL only
#
# Every step runs even when an earlier one failed; the exit code is that of the first
# failed step (pytest's 5, "no tests collected", counts as a failure).
#
# Environment: PYTEST_WORKERS (2; 1 = no xdist), PYTEST_ARGS (extra pytest arguments,
# e.g. "-k screening -x"), FANGKONG_PG_KEEP=1 (leave the cluster running afterwards).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
REPORTS="$ROOT/build/test-reports"
WORKERS="${PYTEST_WORKERS:-2}"
read -r -a EXTRA <<<"${PYTEST_ARGS:-}"

# A throwaway data directory: the suite never touches var/ (the demo's data).
export FANGKONG_VAR_DIR="$ROOT/build/test-var"
unset DATABASE_URL REDIS_URL TEST_DATABASE_NAME
export PYTHONDONTWRITEBYTECODE=1

child=0
on_signal() {
    # on_signal SIGNAL CODE: pass the signal to the running step, wait for it, leave
    # (the EXIT trap then stops the PostgreSQL cluster).
    trap - INT TERM
    if ((child != 0)); then
        kill -s "$1" "$child" 2>/dev/null
        wait "$child" 2>/dev/null
    fi
    exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

names=()
results=()
durations=()
first_failure=0

step() {
    # step NAME COMMAND...: run, time and record one step.
    local name="$1"
    shift
    printf '\n\033[1m==> %s\033[0m\n' "$name"
    local start=$SECONDS
    # In the background, so that a signal to this script is handled at once (see
    # on_signal) instead of after the step; stdin stays attached for --pdb.
    "$@" <&0 &
    child=$!
    wait "$child"
    local rc=$?
    child=0
    names+=("$name")
    results+=("$rc")
    durations+=("$((SECONDS - start))")
    if ((rc != 0 && first_failure == 0)); then
        first_failure=$rc
    fi
    return 0
}

fresh_var_dir() {
    rm -rf "$FANGKONG_VAR_DIR"
    mkdir -p "$FANGKONG_VAR_DIR/static" "$REPORTS"
}

run_lint() {
    local targets=()
    for dir in src tests bench; do
        [[ -d "$dir" ]] && targets+=("$dir")
    done
    step "ruff check ${targets[*]}" "$BIN/ruff" check "${targets[@]}"
    step "mypy src" "$BIN/mypy" src
    # --no-cache: a cache left by an earlier run once hid a broken contract that CI
    # (a fresh clone, no cache) found.
    step "lint-imports" "$BIN/lint-imports" --no-cache
    step "makemigrations --check" "$BIN/fangkong" makemigrations --check --dry-run
}

pytest_args() {
    # pytest_args DATABASE: the common arguments, with a JUnit report per database.
    # -p no:locust: locust's pytest plugin (fixtures `session`, `fastsession`) is for
    # load tests in bench/, not for the suite.
    local args=(-p no:locust --junitxml="$REPORTS/$1.xml" -o junit_suite_name="$1")
    if ((WORKERS > 1)); then
        args+=(-n "$WORKERS")
    fi
    printf '%s\n' "${args[@]}" "${EXTRA[@]}"
}

run_sqlite() {
    fresh_var_dir
    local args
    mapfile -t args < <(pytest_args sqlite)
    step "pytest (SQLite)" "$BIN/pytest" "${args[@]}"
}

pg_stop() {
    if [[ "${FANGKONG_PG_KEEP:-0}" != 1 ]]; then
        scripts/pg.sh stop || true
    fi
}

run_postgres() {
    fresh_var_dir
    trap pg_stop EXIT
    if ! scripts/pg.sh start; then
        names+=("pytest (PostgreSQL)")
        results+=(1)
        durations+=(0)
        ((first_failure == 0)) && first_failure=1
        return 0
    fi
    local args url
    url="$(scripts/pg.sh url)"
    mapfile -t args < <(pytest_args postgres)
    step "pytest (PostgreSQL)" env DATABASE_URL="$url" "$BIN/pytest" "${args[@]}"
    pg_stop
    trap - EXIT
}

summary() {
    printf '\n\033[1m==> summary\033[0m\n'
    local i status
    for i in "${!names[@]}"; do
        if [[ "${results[$i]}" == 0 ]]; then
            status="ok"
        else
            status="FAILED (exit ${results[$i]})"
        fi
        printf '  %-40s %-18s %5ss\n' "${names[$i]}" "$status" "${durations[$i]}"
    done
    # One closing line over both databases, from the JUnit reports.
    "$BIN/python" - "$REPORTS" <<'EOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
for name in ("sqlite", "postgres"):
    path = Path(sys.argv[1]) / f"{name}.xml"
    if not path.exists():
        continue
    for suite in ET.parse(path).getroot().iter("testsuite"):
        tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        passed += tests - skips - bad
        failed += bad
        skipped += skips
print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
EOF
}

what="${1:-all}"
rm -rf "$REPORTS"
case "$what" in
all) run_lint; run_sqlite; run_postgres ;;
lint) run_lint ;;
sqlite) run_sqlite ;;
postgres) run_postgres ;;
*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

if [[ "$what" != lint ]]; then
    summary
else
    printf '\n'
    for i in "${!names[@]}"; do
        printf '  %-40s %s\n' "${names[$i]}" "$([[ ${results[$i]} == 0 ]] && echo ok || echo "FAILED (exit ${results[$i]})")"
    done
fi
if ((first_failure != 0)); then
    echo "FAILED: the first failing step exited with $first_failure" >&2
fi
exit "$first_failure"
