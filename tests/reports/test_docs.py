"""The user guide lists every figure of the daily report with its definition."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_figures_table_of_the_user_guide_is_the_code_s() -> None:
    table = runpy.run_path(str(ROOT / "scripts" / "figures_table.py"))["table"]()
    page = (ROOT / "docs" / "user-guide" / "reports.md").read_text(encoding="utf-8")
    assert table in page, "run scripts/figures_table.py and paste its table into the page"
    assert table.count("\n") > 30
