#!/usr/bin/env bash
# Run the browser tests (tests/e2e) and copy the screenshots they take into
# docs/screenshots/, where README.md shows them.
#
#   scripts/screenshots.sh [pytest args...]
#
# The tests start their own server on a throwaway database (see tests/e2e/conftest.py);
# with DATABASE_URL set to a PostgreSQL URL they create a database on that server.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SHOTS="$ROOT/build/screenshots"
DOCS="$ROOT/docs/screenshots"

# The test process itself never touches var/ (the demo's data).
export FANGKONG_VAR_DIR="${FANGKONG_VAR_DIR:-$ROOT/build/test-var}"
mkdir -p "$FANGKONG_VAR_DIR"

rm -rf "$SHOTS"
"$ROOT/.venv/bin/pytest" tests/e2e -x -q -p no:xdist -p no:locust "$@"

shopt -s nullglob
shots=("$SHOTS"/*.png)
if ((${#shots[@]} == 0)); then
    echo "screenshots.sh: the tests took no screenshots (expected them in $SHOTS)" >&2
    exit 1
fi
mkdir -p "$DOCS"
cp "${shots[@]}" "$DOCS/"
echo "screenshots.sh: copied ${#shots[@]} screenshots to ${DOCS#"$ROOT"/}:"
for shot in "${shots[@]}"; do
    printf '  %s\n' "$(basename "$shot")"
done
