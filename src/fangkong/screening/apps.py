from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "fangkong.screening"
    label = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from fangkong.core.navigation import NavItem, register
        from fangkong.core.permissions import Perm
        from fangkong.registry import timeline as registry_timeline

        from . import ledger  # noqa: F401  (registers the exports)
        from .timeline import screening_events

        registry_timeline.register("screening", screening_events, label=_("Screening"))
        register(
            NavItem(
                "screening:my_tasks",
                _("Door to door"),
                "door-open",
                Perm.SCREENING_RECORD,
                40,
                group="field",
            )
        )
        register(
            NavItem(
                "screening:rounds",
                _("Screening rounds"),
                "clipboard-check",
                Perm.SCREENING_VIEW,
                41,
                group="field",
            )
        )
