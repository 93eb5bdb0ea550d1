"""Roles and the permissions they grant: the one map, in code.

`fangkong sync_roles` writes it to the Role table idempotently; the database copy lets
an operator see it and lets queries join on it, but this file is the source of truth.
Read-only twins exist for the offices that supervise without writing; the data-entry
role types ledgers in but cannot export or reveal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.core.codes import Level
from fangkong.core.permissions import Perm

P = Perm


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: Promise
    levels: frozenset[Level]
    perms: frozenset[Perm]
    can_export: bool = True


_READ = frozenset(
    {
        P.PLACE_VIEW,
        P.PERSON_VIEW,
        P.SCREENING_VIEW,
        P.RISK_AREA_VIEW,
        P.VERIFICATION_VIEW,
        P.ARRIVAL_VIEW,
        P.CONTROL_VIEW,
        P.TESTING_VIEW,
        P.SUPPORT_VIEW,
        P.REPORT_VIEW,
    }
)
_WORK = _READ | {P.PLACE_MANAGE, P.PERSON_EDIT, P.PERSON_REVEAL, P.PERSON_IMPORT, P.EXPORT}
# Field work: door to door, checks on the ground, arrivals, proposing control orders,
# daily follow-ups, alerts and help requests; signing what one did.
_FIELD = frozenset(
    {
        P.SCREENING_RECORD,
        P.SCREENING_SIGN,
        P.VERIFICATION_RECORD,
        P.ARRIVAL_VERIFY,
        P.CONTROL_PROPOSE,
        P.FOLLOWUP_RECORD,
        P.ALERT_HANDLE,
        P.SUPPORT_HANDLE,
        P.TESTING_SAMPLE,
    }
)
# An office's own work: its daily report and its texts to residents.
_OFFICE = frozenset({P.REPORT_FILL, P.MESSAGE_SEND})
# What only an officer above the community decides (a second person's approval).
_OFFICER = frozenset(
    {
        P.CONTROL_APPROVE,
        P.SITE_MANAGE,
        P.ZONE_MANAGE,
        P.CARE_TEAM_MANAGE,
        P.TESTING_MANAGE,
        P.TESTING_RESULT,
        P.REPORT_SIGN,
        P.NOTICE_SEND,
    }
)

ROLES: dict[str, RoleSpec] = {
    spec.code: spec
    for spec in [
        RoleSpec(
            "district_admin",
            _("District administrator"),
            frozenset({Level.DISTRICT}),
            frozenset(Perm),
        ),
        RoleSpec(
            "district_viewer",
            _("District viewer"),
            frozenset({Level.DISTRICT}),
            _READ | {P.EXPORT, P.USER_VIEW, P.AUDIT_VIEW},
        ),
        RoleSpec(
            "subdistrict_officer",
            _("Subdistrict officer"),
            frozenset({Level.SUBDISTRICT}),
            _WORK
            | _FIELD
            | _OFFICER
            | _OFFICE
            | {P.PERSON_TRANSFER, P.USER_VIEW, P.USER_MANAGE, P.VERIFICATION_ROUTE},
        ),
        RoleSpec(
            "subdistrict_viewer",
            _("Subdistrict viewer"),
            frozenset({Level.SUBDISTRICT}),
            _READ | {P.EXPORT, P.USER_VIEW},
        ),
        RoleSpec(
            "community_worker",
            _("Community worker"),
            frozenset({Level.COMMUNITY}),
            _WORK | _FIELD | _OFFICE | {P.USER_VIEW, P.CARE_TEAM_MANAGE},
        ),
        # The community's head (书记/主任): a community worker who also signs the
        # community's daily report (never one they filled in themselves).
        RoleSpec(
            "community_head",
            _("Community head"),
            frozenset({Level.COMMUNITY}),
            _WORK | _FIELD | _OFFICE | {P.USER_VIEW, P.CARE_TEAM_MANAGE, P.REPORT_SIGN},
        ),
        RoleSpec(
            "community_viewer",
            _("Community viewer"),
            frozenset({Level.COMMUNITY}),
            _READ | {P.EXPORT},
        ),
        RoleSpec(
            "grid_worker",
            _("Grid worker"),
            frozenset({Level.GRID, Level.COMMUNITY}),
            _READ | _FIELD | {P.PERSON_EDIT, P.PERSON_REVEAL, P.EXPORT},
        ),
        # 五包一 members without other duties here (the police officer, the village
        # doctor of a care team): the day's follow-ups and alerts of their team, nothing
        # to reveal or export.
        RoleSpec(
            "care_member",
            _("Care team member"),
            frozenset({Level.GRID, Level.COMMUNITY}),
            frozenset(
                {
                    P.PLACE_VIEW,
                    P.PERSON_VIEW,
                    P.CONTROL_VIEW,
                    P.FOLLOWUP_RECORD,
                    P.ALERT_HANDLE,
                    P.SUPPORT_VIEW,
                }
            ),
            can_export=False,
        ),
        # A testing laboratory's staff (检测机构): its boxes and results, nobody's file.
        RoleSpec(
            "lab_worker",
            _("Laboratory worker"),
            frozenset({Level.DISTRICT, Level.SUBDISTRICT}),
            frozenset({P.TESTING_RESULT}),
            can_export=False,
        ),
        RoleSpec(
            "data_entry",
            _("Data entry"),
            frozenset({Level.COMMUNITY, Level.SUBDISTRICT, Level.DISTRICT}),
            _READ | {P.PERSON_EDIT, P.PERSON_IMPORT},
            can_export=False,
        ),
    ]
}

# Guard: a role that cannot export must not hold the permission either.
for _spec in ROLES.values():
    if not _spec.can_export and P.EXPORT in _spec.perms:  # pragma: no cover
        raise AssertionError(f"{_spec.code} cannot export but holds {P.EXPORT}")
