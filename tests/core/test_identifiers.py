from __future__ import annotations

import datetime as dt

import pytest

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
        ("410106199001011234", "The check digit of the identity number is wrong."),
        ("410106199002301233", "The birth date inside the identity number is not a date."),
        ("41010619900101123", "An identity number has 18 characters: 17 digits and a digit or X."),
        (4.10106199001011e17, "Excel stored this identity number as a number"),
        ("4.10106E+17", "Excel stored this identity number as a number"),
        ("", "The identity number is empty."),
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
