"""Where people come from: national division codes down to county."""

from __future__ import annotations

import pytest

from fangkong.core import regions


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("42", "湖北省"),
        ("4201", "湖北省武汉市"),
        ("420102", "湖北省武汉市江岸区"),
        ("110101", "北京市东城区"),  # no 市辖区 in between
        ("429004", "湖北省仙桃市"),  # no 省直辖县级行政区划 in between
        ("410106001", "河南省郑州市上街区济源路街道"),  # Henan towns from the divisions
    ],
)
def test_regions_are_named_by_their_path(code: str, path: str) -> None:
    assert regions.name(code) == path


def test_unknown_codes_name_themselves() -> None:
    assert regions.get("999999") is None
    assert regions.name("999999") == "999999"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("420100", "4201"), ("420000", "42"), ("420102", "420102"), ("410106001000", "410106001")],
)
def test_codes_as_people_write_them(raw: str, code: str) -> None:
    assert regions.normalize(raw) == code


def test_an_area_covers_what_its_code_prefixes() -> None:
    assert regions.covers("4201", "420102")
    assert regions.covers("42", "420102")
    assert not regions.covers("4202", "420102")
    assert not regions.covers("", "420102")


def test_search_by_name_pinyin_and_initials() -> None:
    assert [r.code for r in regions.search("武汉")][:1] == ["4201"]
    assert "4201" in [r.code for r in regions.search("wuhan")]
    assert "420102" in [r.code for r in regions.search("江岸")]
    assert regions.search("") == []
