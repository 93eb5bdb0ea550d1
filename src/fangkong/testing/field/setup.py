"""Menu entries and plug-ins of the field area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    """The menu entries (cards, door-to-door), the person file's samples and cards, and
    the resident's own code and results on the status page."""
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm
    from fangkong.registry import timeline as registry_timeline
    from fangkong.residents.sections import Section
    from fangkong.residents.sections import register as register_section

    from .resident import section_context
    from .timeline import field_events

    registry_timeline.register("testing_field", field_events, label=_("Mass testing"))
    register(
        NavItem(
            "testing:field_home",
            _("Door-to-door sampling"),
            "door-open",
            Perm.TESTING_VIEW,
            78,
            group="testing",
        )
    )
    register(
        NavItem(
            "testing:field_cards",
            _("QR cards"),
            "qr-code",
            Perm.TESTING_SAMPLE,
            79,
            group="testing",
        )
    )
    register_section(
        Section(
            key="testing_field",
            title=_("Nucleic acid tests"),
            template="testing/field/resident_section.html",
            context=section_context,
            order=20,
        )
    )
