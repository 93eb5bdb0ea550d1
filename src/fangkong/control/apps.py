import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The areas of the module, each a package with its own services, selectors, views and
# urls over the shared models; each has a `setup.ready()` that registers its menu
# entries and plug-ins.
AREAS = ("orders", "sites", "care", "zones")


class ControlConfig(AppConfig):
    name = "fangkong.control"
    label = "control"
    verbose_name = _("Control")

    def ready(self) -> None:
        for area in AREAS:
            importlib.import_module(f"{self.name}.{area}.setup").ready()
