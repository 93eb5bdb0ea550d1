"""The user guide's table of roles and permissions is the code's (accounts/roles.py)."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_user_guide_shows_the_permissions_the_roles_have() -> None:
    table = runpy.run_path(str(ROOT / "scripts" / "roles_table.py"))["table"]()
    page = (ROOT / "docs" / "user-guide" / "README.md").read_text(encoding="utf-8")
    assert table in page, "run scripts/roles_table.py and paste its table into the page"
    from fangkong.core.permissions import Perm

    assert table.count("\n") == 2 + len(Perm)  # every permission is a row


def test_every_role_can_be_given_where_the_guide_says() -> None:
    page = (ROOT / "docs" / "user-guide" / "README.md").read_text(encoding="utf-8")
    from fangkong.accounts.roles import ROLES

    for code in ROLES:
        assert f"（`{code}`）" in page, code
