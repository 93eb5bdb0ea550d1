"""The messaging tests: the mass-testing world (tests/testing/conftest.py: a round open
over the district, a site of the community) — 张三 and 李梅 of 金华小区 not sampled yet."""

from __future__ import annotations

from typing import Any

import pytest

from tests.testing.conftest import TWorld, tw  # noqa: F401


@pytest.fixture
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield
