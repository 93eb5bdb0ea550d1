"""Identity numbers, phones and dates as they arrive from ledgers and forms.

GB 11643 check digits via python-stdnum, but never a rejection for the region code
alone: stdnum.cn.ric rejects numbers of people born before their region code existed
(e.g. 410102196001010019), and retired codes are common among elderly residents.
See docs/adr/0003-identity-numbers.md.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext as _
from stdnum.cn.ric import calc_check_digit

_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "X"})
_ID_SEPARATORS = re.compile(r"[\s\-_'‘’\"]+")
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


class IdentifierError(ValueError):
    """A value that cannot be accepted; the message is for the user."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    upgraded_from_15: bool = False

    @property
    def last4(self) -> str:
        return self.number[-4:]


def clean_text(value: object) -> str:
    """NFKC, trimmed, inner runs of space collapsed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def looks_like_excel_number(raw: object) -> bool:
    """An identity number Excel stored as a number: digits lost for good."""
    if isinstance(raw, float):
        return True
    if isinstance(raw, int):
        return len(str(raw)) > 15
    text = str(raw).strip()
    return bool(_SCIENTIFIC.match(text))


def parse_resident_id(raw: object) -> ResidentId:
    """Normalise and check a Resident Identity Card number (GB 11643).

    Accepts spaces, full-width digits, a lower-case x and the old 15-digit numbers
    (upgraded to 18 digits). Raises IdentifierError with a message for the user.
    """
    if raw is None or raw == "":
        raise IdentifierError(_("The identity number is empty."))
    if looks_like_excel_number(raw):
        raise IdentifierError(
            _(
                "Excel stored this identity number as a number and lost its last digits; "
                "format the column as text and enter the numbers again."
            )
        )
    text = _ID_SEPARATORS.sub("", str(raw).translate(_FULLWIDTH)).upper()
    upgraded = False
    if _ID15.match(text):
        body = text[:6] + "19" + text[6:]
        # stdnum's calc_check_digit takes the whole number and ignores its last character.
        text = body + calc_check_digit(body + "0")
        upgraded = True
    if not _ID18.match(text):
        raise IdentifierError(
            _("An identity number has 18 characters: 17 digits and a digit or X.")
        )
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdentifierError(
            _("The birth date inside the identity number is not a date.")
        ) from None
    if birth.year < 1880 or birth > dt.date.today():
        raise IdentifierError(_("The birth date inside the identity number is impossible."))
    if calc_check_digit(text) != text[17]:
        raise IdentifierError(_("The check digit of the identity number is wrong."))
    sex = "M" if int(text[16]) % 2 else "F"
    return ResidentId(text, birth, sex, upgraded)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()（）.]+")


def normalize_phone(raw: object) -> str:
    """A mainland mobile as 11 digits; a landline as 0371-12345678. Raises IdentifierError."""
    text = clean_text(raw)
    if not text:
        raise IdentifierError(_("The phone number is empty."))
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    compact = _PHONE_NOISE.sub("", text)
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
    if compact.startswith("86") and len(compact) == 13:
        compact = compact[2:]
    if _MOBILE.match(compact):
        return compact
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise IdentifierError(_("This is not a phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise IdentifierError(_("This is not a valid phone number."))
    if number.country_code != 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    significant = phonenumbers.national_significant_number(number)
    if _MOBILE.match(significant):
        return significant
    area = phonenumbers.length_of_geographical_area_code(number)
    if area:
        return f"0{significant[:area]}-{significant[area:]}"
    return significant


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_YEAR_MONTH = re.compile(r"^\d{4}(?:[-/.年]\d{1,2}月?)?$")


def _year_month_only() -> IdentifierError:
    return IdentifierError(
        _("Only a year (and month) is written here; write the whole date, e.g. 1990-01-02.")
    )


def parse_date(raw: object) -> dt.date:
    """1990-01-02, 1990/1/2, 1990.1.2, 1990年1月2日, 19900102 or an Excel serial number."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1900 <= raw < 2101:
            # 1990.01 typed into Excel is this number, not serial day 1990 (a day in 1905).
            raise _year_month_only()
        if 1 <= raw < 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise IdentifierError(_("This number is not a date."))
    text = clean_text(raw)
    text = text.split(" ")[0] if " " in text and ":" in text else text
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(text):
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    if _YEAR_MONTH.match(text):
        raise _year_month_only()
    if text.replace(".", "", 1).isdigit():
        return parse_date(float(text))
    raise IdentifierError(_("This is not a date (write it as 1990-01-02)."))
