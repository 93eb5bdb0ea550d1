#!/usr/bin/env python3
"""Keep the zh_Hans catalogue complete (see docs/operations.md, Translations).

    scripts/po.py update        makemessages (from src/fangkong, the right ignores)
    scripts/po.py todo          list entries without a translation or marked fuzzy
    scripts/po.py fill FILE     fill entries from a JSON file: {"msgid": "译文", ...};
                                "context\\u0004msgid" for an entry with a msgctxt; a
                                plural entry takes the same string for its one form.
                                Fuzzy flags (and msgmerge's #| guesses) of filled
                                entries are removed.

Then run scripts/messages.sh (compile) and the translation tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "src/fangkong/locale/zh_Hans/LC_MESSAGES/django.po"


def _unquote(lines: list[str]) -> str:
    return "".join(json.loads(line[line.index('"') :]) for line in lines)


def _field(block: list[str], key: str) -> str | None:
    for i, line in enumerate(block):
        if line.startswith(key + " "):
            parts = [line]
            for nxt in block[i + 1 :]:
                if nxt.startswith('"'):
                    parts.append(nxt)
                else:
                    break
            return _unquote(parts)
    return None


def _key(block: list[str]) -> str | None:
    msgid = _field(block, "msgid")
    if msgid is None or msgid == "":
        return None
    ctx = _field(block, "msgctxt")
    return f"{ctx}\u0004{msgid}" if ctx else msgid


def _blocks() -> list[list[str]]:
    return [b.split("\n") for b in PO.read_text(encoding="utf-8").split("\n\n")]


def todo() -> int:
    missing = 0
    for block in _blocks():
        key = _key(block)
        if key is None:
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block)
        strs = [_field(block, k) for k in ("msgstr", "msgstr[0]")]
        if fuzzy or not any(strs):
            missing += 1
            print(json.dumps(key, ensure_ascii=False) + (" (fuzzy)" if fuzzy else ""))
    return 1 if missing else 0


def fill(path: str) -> int:
    wanted: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    done = set()
    for block in _blocks():
        key = _key(block)
        if key in wanted:
            text = json.dumps(wanted[key], ensure_ascii=False)
            block = [
                line
                for line in block
                if not line.startswith("#|")
            ]
            block = [re.sub(r", fuzzy|fuzzy, ", "", ln) if ln.startswith("#,") else ln for ln in block]
            block = [ln for ln in block if ln.strip() not in ("#, fuzzy", "#,")]
            rebuilt: list[str] = []
            skip = False
            for line in block:
                if line.startswith("msgstr"):
                    name = line.split(" ", 1)[0]
                    rebuilt.append(f"{name} {text}")
                    skip = True
                    continue
                if skip and line.startswith('"'):
                    continue
                skip = False
                rebuilt.append(line)
            block = rebuilt
            done.add(key)
        out.append("\n".join(block))
    PO.write_text("\n\n".join(out), encoding="utf-8")
    unknown = sorted(set(wanted) - done)
    for key in unknown:
        print(f"not in the catalogue: {key!r}", file=sys.stderr)
    return 1 if unknown else 0


def update() -> int:
    command = [
        str(ROOT / ".venv/bin/fangkong"),
        "makemessages",
        "-l",
        "zh_Hans",
        "--no-location",
        "--ignore",
        "static/*",
    ]
    return subprocess.call(command, cwd=ROOT / "src/fangkong")


if __name__ == "__main__":
    match sys.argv[1:]:
        case ["update"]:
            sys.exit(update())
        case ["todo"]:
            sys.exit(todo())
        case ["fill", path]:
            sys.exit(fill(path))
        case _:
            print(__doc__, file=sys.stderr)
            sys.exit(2)
