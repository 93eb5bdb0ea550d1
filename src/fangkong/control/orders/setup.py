"""Menu entries and plug-ins of this area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm
    from fangkong.registry import timeline as registry_timeline
    from fangkong.registry.actions import PersonAction
    from fangkong.registry.actions import register as register_action
    from fangkong.residents.sections import Section
    from fangkong.residents.sections import register as register_section

    from . import exports
    from .resident import section_context
    from .timeline import order_events

    register(
        NavItem(
            "control:orders_list",
            _("Control orders"),
            "shield-lock",
            Perm.CONTROL_VIEW,
            51,
            group="control",
        )
    )
    register(
        NavItem(
            "control:orders_tests",
            _("Tests at the door"),
            "eyedropper",
            Perm.FOLLOWUP_RECORD,
            53,
            group="control",
        )
    )
    register(
        NavItem(
            "control:orders_due",
            _("Due for release"),
            "door-open",
            Perm.CONTROL_APPROVE,
            52,
            group="control",
        )
    )
    register(
        NavItem(
            "control:orders_policies",
            _("Policies"),
            "journal-text",
            Perm.CONTROL_VIEW,
            60,
            group="control",
        )
    )
    register(
        NavItem(
            "control:orders_oversight",
            _("Orders oversight"),
            "binoculars",
            Perm.AUDIT_VIEW,
            61,
            group="control",
        )
    )
    registry_timeline.register("control_orders", order_events, label=_("Control orders"))
    register_action(
        PersonAction(
            "control_propose",
            _("Propose a control order"),
            "control:orders_propose",
            Perm.CONTROL_PROPOSE,
            icon="shield-exclamation",
            order=10,
        )
    )
    register_section(
        Section(
            key="control_orders",
            title=_("Control measures"),
            template="control/orders/resident_section.html",
            context=section_context,
            order=10,
        )
    )
    exports.register()
