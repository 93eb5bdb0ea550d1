#!/usr/bin/env python3
"""Print the table of the daily report's figures (key, label, definition, whether it
adds up) for docs/user-guide/reports.md, from the sections the modules register.

    .venv/bin/python scripts/figures_table.py

(tests/reports/test_docs.py fails when the page and the code disagree.)
"""

from __future__ import annotations

import os
import sys


def table() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.utils import translation

    from fangkong.reports.sections import sections

    lines = ["| 栏目 | 指标 | 键 | 口径 | 可加总 |", "| --- | --- | --- | --- | :-: |"]
    with translation.override("zh-hans"):
        for section in sections():
            for f in section.figures:
                definition = str(f.definition).replace("|", "｜")
                lines.append(
                    f"| {section.title} | {f.label} | `{f.key}` | {definition} | "
                    f"{'✓' if f.additive else ''} |"
                )
            if section.dynamic_prefix:
                lines.append(
                    f"| {section.title} | （按来源省份） | `{section.dynamic_prefix}<省代码>` | "
                    f"当日报备按来源省份分列 | ✓ |"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
