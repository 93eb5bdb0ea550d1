#!/usr/bin/env bash
# Refresh the vendored front-end libraries (make vendor).
#
# Installs exactly what package-lock.json pins, in build/vendor/, and copies only the
# files the templates use into src/fangkong/static/vendor/, with VERSIONS.txt. The
# result is committed: running the site never needs npm. To upgrade a library, change
# its version in package.json, run `npm install --package-lock-only --ignore-scripts`,
# then this script.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/build/vendor"
DEST="$ROOT/src/fangkong/static/vendor"

command -v npm >/dev/null 2>&1 || { echo "vendor_static.sh: npm is needed (apt-get install npm)" >&2; exit 1; }

rm -rf "$WORK"
mkdir -p "$WORK"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$WORK/"
(cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
NM="$WORK/node_modules"

# source (under node_modules)                            -> destination (under vendor/)
FILES=(
    "bootstrap/dist/css/bootstrap.min.css                 bootstrap/css/bootstrap.min.css"
    "bootstrap/dist/js/bootstrap.bundle.min.js            bootstrap/js/bootstrap.bundle.min.js"
    "bootstrap-icons/font/bootstrap-icons.min.css         bootstrap-icons/font/bootstrap-icons.min.css"
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2     bootstrap-icons/font/fonts/bootstrap-icons.woff2"
    "bootstrap-icons/font/fonts/bootstrap-icons.woff      bootstrap-icons/font/fonts/bootstrap-icons.woff"
    "htmx.org/dist/htmx.min.js                            htmx/htmx.min.js"
    "echarts/dist/echarts.min.js                          echarts/echarts.min.js"
)

STAGE="$WORK/out"
mkdir -p "$STAGE"
for pair in "${FILES[@]}"; do
    read -r src dst <<<"$pair"
    [[ -f "$NM/$src" ]] || { echo "vendor_static.sh: missing $src" >&2; exit 1; }
    mkdir -p "$STAGE/$(dirname "$dst")"
    cp "$NM/$src" "$STAGE/$dst"
done

# No source maps are vendored, so drop the comments pointing at them: Django's
# ManifestStaticFilesStorage (collectstatic) fails on a reference to a missing file.
find "$STAGE" \( -name '*.css' -o -name '*.js' \) -print0 \
    | xargs -0 sed -i -E -e 's@/\*# sourceMappingURL=[^*]*\*/@@' -e 's@^//# sourceMappingURL=.*$@@'

version() { "$(command -v node)" -p "require('$NM/$1/package.json').version"; }
{
    echo "# Vendored by scripts/vendor_static.sh from package-lock.json; do not edit by hand."
    for pkg in bootstrap bootstrap-icons htmx.org echarts; do
        echo "$pkg $(version "$pkg") ($(node -p "require('$NM/$pkg/package.json').license"))"
    done
    echo
    echo "# Files (source in the npm package -> path under static/vendor/):"
    for pair in "${FILES[@]}"; do
        read -r src dst <<<"$pair"
        echo "$src -> $dst"
    done
} >"$STAGE/VERSIONS.txt"

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -r "$STAGE" "$DEST"

# The national division tables down to county (GB/T 2260 codes, as the National Bureau
# of Statistics publishes them), for "where from" everywhere: gzipped, with their version.
REGIONS="$ROOT/src/fangkong/core/data/regions"
mkdir -p "$REGIONS"
for table in provinces cities areas; do
    gzip -9 -n -c "$NM/china-division/dist/$table.csv" >"$REGIONS/china_$table.csv.gz"
done
echo "china-division $(version china-division) ($(node -p "require('$NM/china-division/package.json').license"))" >"$REGIONS/VERSION.txt"
echo "vendor_static.sh: refreshed $REGIONS"
echo "vendor_static.sh: refreshed $DEST ($(du -sh "$DEST" | cut -f1))"
cat "$DEST/VERSIONS.txt"
