"""Masked forms of personal data, shown by default everywhere.

The full value is shown only after an audited reveal with a reason.
"""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """4101********1234: the region's first four and the last four characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; landlines keep area code and last four."""
    if not value:
        return ""
    digits = value
    if len(digits) <= 8:  # too short to keep a prefix and four digits: at most half shows
        shown = len(digits) // 2 if len(digits) > 4 else 0
        return "*" * (len(digits) - shown) + digits[len(digits) - shown :]
    if len(digits) == 11 and digits.isdigit():
        return digits[:3] + "****" + digits[-4:]
    keep = 4 if "-" not in digits else digits.index("-") + 1
    return digits[:keep] + "*" * max(len(digits) - keep - 4, 1) + digits[-4:]


def mask_name(value: str | None) -> str:
    """张*三 style: used where a name must be shown to the public (notice boards)."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]
