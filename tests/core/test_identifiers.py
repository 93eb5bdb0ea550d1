from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from fangkong.core.identifiers import (
    IdentifierError,
    normalize_phone,
    parse_date,
    parse_resident_id,
)


@pytest.mark.parametrize(
    ("raw", "number", "birth", "sex"),
    [
        ("410106199001011213", "410106199001011213", dt.date(1990, 1, 1), "M"),
        (" 4101 0619 9001 0112 13 ", "410106199001011213", dt.date(1990, 1, 1), "M"),
        ("４１０１０６１９９００１０１１２１３", "410106199001011213", dt.date(1990, 1, 1), "M"),
        # The example of GB 11643 itself, with a lower-case x.
        ("11010519491231002x", "11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("410106198502030020", "410106198502030020", dt.date(1985, 2, 3), "F"),
        # Born before the region code existed (410102 is from 1955 onwards, stdnum rejects
        # such numbers): a valid person all the same.
        ("410102196001010019", "410102196001010019", dt.date(1960, 1, 1), "M"),
        # A retired county code and a code from another province are both fine.
        ("410111195512120019", "410111195512120019", dt.date(1955, 12, 12), "M"),
        ("110105194912310046", "110105194912310046", dt.date(1949, 12, 31), "F"),
    ],
)
def test_resident_ids_are_normalised(raw: str, number: str, birth: dt.date, sex: str) -> None:
    rid = parse_resident_id(raw)
    assert (rid.number, rid.birth_date, rid.sex) == (number, birth, sex)
    assert rid.last4 == number[-4:]


def test_fifteen_digit_numbers_are_upgraded() -> None:
    rid = parse_resident_id("410106700506451")
    assert rid.number == "410106197005064516"
    assert rid.upgraded_from_15 is True
    assert rid.birth_date == dt.date(1970, 5, 6)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("410106199001011234", "身份证号的校验位不正确。"),
        ("410106199002301233", "身份证号中的出生日期不是有效日期。"),
        ("41010619900101123", "身份证号应为 18 位：17 位数字加 1 位数字或 X。"),
        (4.10106199001011e17, "Excel 把这个身份证号存成了数字，末尾几位已经丢失"),
        ("4.10106E+17", "Excel 把这个身份证号存成了数字，末尾几位已经丢失"),
        ("", "身份证号为空。"),
    ],
)
def test_bad_resident_ids_say_why(raw: object, message: str) -> None:
    with pytest.raises(IdentifierError) as exc:
        parse_resident_id(raw)
    assert str(exc.value).startswith(message)


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        (13812345678, "13812345678"),
        ("0371-68123456", "0371-68123456"),
    ],
)
def test_phones_are_normalised(raw: object, phone: str) -> None:
    assert normalize_phone(raw) == phone


@pytest.mark.parametrize("raw", ["12345", "abc", "1381234567"])
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(IdentifierError):
        normalize_phone(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "1990-01-02",
        "1990/1/2",
        "1990.1.2",
        "1990年1月2日",
        "19900102",
        32875,
        dt.datetime(1990, 1, 2, 0, 0),
        "1990-01-02 00:00:00",
    ],
)
def test_dates_in_every_ledger_form(raw: object) -> None:
    assert parse_date(raw) == dt.date(1990, 1, 2)


def test_impossible_dates_are_refused() -> None:
    with pytest.raises(IdentifierError):
        parse_date("1990-02-30")
    with pytest.raises(IdentifierError):
        parse_date("明天")


@pytest.mark.parametrize("raw", ["1990.01", "1990-1", "1990年1月", "1990", 1990.01, 1990, 2020.12])
def test_a_year_and_month_alone_is_refused_not_read_as_a_day_in_1905(raw: object) -> None:
    with pytest.raises(IdentifierError, match="Only a year"), translation.override("en"):
        parse_date(raw)
