"""`fangkong export`: the web page's export, from the command line, audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, SIBLING
from tests.world import ID_ZHANG, build_world


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> Any:
    return build_world(system_scope)


def _cells(path: Path) -> list[str]:
    sheet = openpyxl.load_workbook(path, read_only=True).active
    return [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]


def test_the_export_command_writes_one_jurisdiction_masked(world: Any, tmp_path: Path) -> None:
    mine, other = world
    out = tmp_path / "people.xlsx"
    call_command("export", "persons", jurisdiction=COMMUNITY, out=str(out))
    cells = _cells(out)
    assert mine.person.name in cells
    assert other.person.name not in cells  # the sibling community stays out
    assert ID_ZHANG not in cells and ID_ZHANG[:4] + "**********" + ID_ZHANG[-4:] in cells
    entry = AuditEntry.objects.get(action="export.written")
    assert (entry.object_id, entry.jurisdiction_code, entry.data["revealed"]) == (
        "persons",
        COMMUNITY,
        False,
    )


def test_revealing_needs_a_reason(world: Any, tmp_path: Path) -> None:
    out = tmp_path / "full.xlsx"
    with pytest.raises(CommandError):
        call_command("export", "persons", jurisdiction=COMMUNITY, out=str(out), reveal=True)
    assert not out.exists()
    call_command(
        "export", "persons", jurisdiction=COMMUNITY, out=str(out), reveal=True, reason="上报卫健委"
    )
    assert ID_ZHANG in _cells(out)
    assert AuditEntry.objects.get(action="export.written").reason == "上报卫健委"


@pytest.mark.parametrize(
    "options",
    [
        {"jurisdiction": "999999", "out": "x.xlsx"},
        {"jurisdiction": SIBLING, "out": "x.xlsx", "param": ["nonsense"]},
        {"jurisdiction": SIBLING},
    ],
)
def test_bad_arguments_are_refused(world: Any, options: dict[str, Any]) -> None:
    with pytest.raises(CommandError):
        call_command("export", "persons", **options)
