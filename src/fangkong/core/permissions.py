"""Permissions as code.

Every permission the system checks is a member of `Perm`. Roles map to sets of them in
`fangkong.accounts.roles`, and `fangkong sync_roles` writes that map to the database.
A later module adds its members here, next to its neighbours.
"""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    # Places and the jurisdiction tree
    PLACE_VIEW = "place.view"
    PLACE_MANAGE = "place.manage"
    # People
    PERSON_VIEW = "person.view"
    PERSON_EDIT = "person.edit"
    PERSON_REVEAL = "person.reveal"
    PERSON_TRANSFER = "person.transfer"
    PERSON_IMPORT = "person.import"
    # Data leaving the system
    EXPORT = "data.export"
    # Accounts and oversight
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
