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
    # Screening rounds (排查): open and close rounds, record door to door, sign off
    SCREENING_VIEW = "screening.view"
    SCREENING_MANAGE = "screening.manage"
    SCREENING_RECORD = "screening.record"
    SCREENING_SIGN = "screening.sign"
    # Medium- and high-risk areas (中高风险地区)
    RISK_AREA_VIEW = "riskarea.view"
    RISK_AREA_MANAGE = "riskarea.manage"
    # Pushed lists (协查) and their checks on the ground (落地查人)
    PUSHLIST_MANAGE = "pushlist.manage"
    VERIFICATION_VIEW = "verification.view"
    VERIFICATION_RECORD = "verification.record"
    VERIFICATION_ROUTE = "verification.route"
    # Arrival self-reports (报备)
    ARRIVAL_VIEW = "arrival.view"
    ARRIVAL_VERIFY = "arrival.verify"
    # Data leaving the system
    EXPORT = "data.export"
    # Accounts and oversight
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
