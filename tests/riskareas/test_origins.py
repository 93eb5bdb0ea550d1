"""Regions as people write them, resolved to division codes, or refused with a reason."""

from __future__ import annotations

import pytest

from fangkong.riskareas.origins import RegionError, resolve, search


@pytest.mark.parametrize(
    ("text", "code", "expected"),
    [
        ("420102", "", "420102"),
        ("420100", "", "4201"),  # a city written with trailing zeros
        ("420000000000", "", "42"),
        ("湖北省武汉市江岸区", "", "420102"),
        ("武汉市江岸区", "", "420102"),
        ("江岸区", "", "420102"),
        (" 湖北省 武汉市 ", "", "4201"),
        ("湖北省武汉市全域", "", "4201"),
        ("湖北省（全境）", "", "42"),
        ("北京市东城区", "", "110101"),
        ("河南省郑州市上街区济源路街道", "", "410106001"),  # a Henan town
        ("郑州市上街区济源路街道", "", "410106001"),
        ("whatever the box says", "420102", "420102"),  # a picker's code wins
        ("", "410106001", "410106001"),
    ],
)
def test_resolves(text: str, code: str, expected: str) -> None:
    assert resolve(text, code).code == expected


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        (
            "朝阳区",
            "",
            "“朝阳区” fits several regions (北京市朝阳区、吉林省长春市朝阳区); "
            "write the full name or the code.",
        ),
        ("", "", "Give the region."),
        (
            "火星市",
            "",
            "No region is called “火星市”; write its full name, e.g. 湖北省武汉市江岸区.",
        ),
        ("999999", "", "No region has the code 999999."),
        ("12345", "", "A region code has 2, 4, 6 or 9 digits (or 6 or 12 with trailing zeros)."),
        (
            "湖北省武汉市江岸区花桥街道",
            "",
            "“花桥街道” lies below 湖北省武汉市江岸区, finer than the origins of arrivals are "
            "recorded (down to county); list 湖北省武汉市江岸区 itself, or its code 420102.",
        ),
    ],
)
def test_refuses_with_a_reason(text: str, code: str, message: str) -> None:
    with pytest.raises(RegionError) as caught:
        resolve(text, code)
    assert str(caught.value) == message


def test_search_offers_regions_and_henan_towns() -> None:
    assert [r.code for r in search("wuhan")][:1] == ["4201"]
    assert [r.code for r in search("410106001")] == ["410106001"]
    assert search("") == []
    assert len(search("区", limit=12)) == 12
