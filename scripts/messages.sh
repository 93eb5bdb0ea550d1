#!/usr/bin/env bash
# Compile the translations (.po -> .mo) when a catalogue changed; quiet when none exist.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/src/fangkong"

mapfile -t catalogues < <(find . -path '*/locale/*' -name '*.po' -not -path '*/node_modules/*')
if ((${#catalogues[@]} == 0)); then
    echo "messages.sh: no .po files yet; nothing to compile"
    exit 0
fi
stale=0
for po in "${catalogues[@]}"; do
    mo="${po%.po}.mo"
    if [[ ! -f "$mo" || "$po" -nt "$mo" ]]; then
        stale=1
        break
    fi
done
if ((stale)); then
    # Run from the package directory: compilemessages walks the tree below the current
    # directory for locale/ folders, and the virtualenv must stay out of that walk.
    "$ROOT/.venv/bin/fangkong" compilemessages --verbosity 1
fi
