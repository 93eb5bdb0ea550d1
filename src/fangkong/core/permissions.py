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
    # Control (管控): orders, policies, sites, care teams, follow-ups, alerts, zones
    CONTROL_VIEW = "control.view"
    CONTROL_PROPOSE = "control.propose"
    CONTROL_APPROVE = "control.approve"  # approve, reject, release, extend, end, hand over
    POLICY_MANAGE = "control.policy"
    SITE_MANAGE = "control.site"  # sites, rooms, check-in, transfer, check-out
    CARE_TEAM_MANAGE = "control.careteam"  # care teams, assignments, door sensors
    FOLLOWUP_RECORD = "control.followup"  # daily follow-ups, door seals, tests at the door
    ALERT_HANDLE = "control.alert"
    ZONE_MANAGE = "control.zone"
    # Mass testing (全员核酸检测): see coverage; run rounds, sites, devices and labs;
    # sampling work (cards, door-to-door); lab results (upload, match, positive pools)
    TESTING_VIEW = "testing.view"
    TESTING_MANAGE = "testing.manage"
    TESTING_SAMPLE = "testing.sample"
    TESTING_RESULT = "testing.result"
    # Residents' requests for help (代购、送药、就医)
    SUPPORT_VIEW = "support.view"
    SUPPORT_HANDLE = "support.handle"
    # The daily report upward (日报): read reports and the command dashboard; prepare,
    # fill in and submit a report (填报); sign it (签发, another person than the filler)
    REPORT_VIEW = "report.view"
    REPORT_FILL = "report.fill"
    REPORT_SIGN = "report.sign"
    # Notices to staff (通知) with attachments and read receipts
    NOTICE_SEND = "notice.send"
    # Text messages to residents (短信通知) from templates, in the background
    MESSAGE_SEND = "message.send"
    # Data leaving the system
    EXPORT = "data.export"
    # Accounts and oversight
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    AUDIT_VIEW = "audit.view"
