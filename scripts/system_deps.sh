#!/usr/bin/env bash
# Install the Debian packages Fangkong needs, only when one is missing.
#
#   postgresql, postgresql-contrib  the private test/bench cluster (scripts/pg.sh)
#   chromium                        browser tests (Playwright drives /usr/bin/chromium)
#   gettext                         msgfmt, for compilemessages
#   fonts-noto-cjk                  Chinese glyphs in browser screenshots
#   python3-venv                    only when `python3 -m venv` cannot work without it
#
# FANGKONG_SKIP_SYSTEM_DEPS=1 skips this step (non-Debian machines: install the
# equivalents yourself).
set -euo pipefail

if [[ "${FANGKONG_SKIP_SYSTEM_DEPS:-0}" == 1 ]]; then
    echo "system_deps.sh: skipped (FANGKONG_SKIP_SYSTEM_DEPS=1)"
    exit 0
fi
if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "system_deps.sh: not a Debian system; install PostgreSQL, Chromium, gettext and" \
        "Noto CJK fonts yourself (or set FANGKONG_SKIP_SYSTEM_DEPS=1)" >&2
    exit 0
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

missing=()
for pkg in postgresql postgresql-contrib chromium gettext fonts-noto-cjk; do
    installed "$pkg" || missing+=("$pkg")
done
# The commands themselves, in case a package is installed under another name.
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || missing+=(postgresql)
if ! "${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

if ((${#missing[@]} == 0)); then
    exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "system_deps.sh: installing ${missing[*]}"

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "system_deps.sh: need root or sudo" >&2; exit 1; }
    SUDO=(sudo)
fi
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}" </dev/null
