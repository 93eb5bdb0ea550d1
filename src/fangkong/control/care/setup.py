"""Menu entries and plug-ins of the care area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm
    from fangkong.registry import timeline as registry_timeline
    from fangkong.residents.sections import Section
    from fangkong.residents.sections import register as register_section

    from . import tasks  # noqa: F401  (huey finds the periodic tasks by import)
    from .resident import section_context
    from .timeline import care_events

    registry_timeline.register("control_care", care_events, label=_("Follow-ups and alerts"))

    register(
        NavItem(
            "control:care_followups",
            _("Today's follow-ups"),
            "thermometer-half",
            Perm.CONTROL_VIEW,
            54,
            group="control",
        )
    )
    register(
        NavItem("control:care_alerts", _("Alerts"), "bell", Perm.CONTROL_VIEW, 55, group="control")
    )
    register(
        NavItem(
            "control:care_home",
            _("Home quarantine"),
            "house-lock",
            Perm.CONTROL_VIEW,
            56,
            group="control",
        )
    )
    register(
        NavItem(
            "control:care_teams", _("Care teams"), "people", Perm.CONTROL_VIEW, 57, group="control"
        )
    )
    register(
        NavItem(
            "control:care_board",
            _("Control board"),
            "bar-chart",
            Perm.CONTROL_VIEW,
            50,
            group="control",
        )
    )
    register_section(
        Section(
            key="control_care_report",
            title=_("Today's health report"),
            template="control/care/resident_section.html",
            context=section_context,
            order=15,
        )
    )
