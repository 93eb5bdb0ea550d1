"""Rules of the architecture that tools enforce, not memory."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "fangkong"
EDGE_FILES = (
    "views.py",
    "api.py",
    "forms.py",
    "schemas.py",
    "urls.py",
    "tasks.py",
    "middleware.py",
    "context_processors.py",
)
ORM_ACCESS = re.compile(r"\b[A-Z]\w*\.(objects|_default_manager)\b")


def test_edges_never_touch_the_orm_directly() -> None:
    """Views, API routes, forms and tasks call selectors and services, never Model.objects."""
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name in EDGE_FILES or "templatetags" in path.parts:
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if ORM_ACCESS.search(line):
                    offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_registry_imports_no_timeline_provider() -> None:
    """Later modules plug into the person file; the registry must not know them. (The
    daily report is the other way round: it knows no module, and the registry registers
    its population section there, in registry/report.py: ADR 0021.)"""
    for path in (SRC / "registry").rglob("*.py"):
        text = path.read_text()
        for app in ("screening", "arrivals", "control", "testing", "tracing"):
            assert f"fangkong.{app}" not in text, f"{path} imports {app}"


@pytest.mark.django_db
def test_openapi_snapshot_is_current(client: Any) -> None:
    """The committed OpenAPI document must match the API; regenerate it on purpose with
    `fangkong export_openapi > docs/openapi.json`."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    current = response.json()
    committed = json.loads((SRC.parent.parent / "docs" / "openapi.json").read_text())
    assert current == committed
