import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The areas of the module, each a package with its own services, selectors, views and
# urls over the shared models; each has a `setup.ready()` that registers its menu
# entries and plug-ins.
#   campaigns: rounds, target population, exemptions, pooling rules, coverage, monitors
#   sampling:  sites, devices, the scans API and the offline sampling page
#   labs:      labs, boxes received, results (upload and API), positive pools
#   field:     QR cards, door-to-door tasks, results for residents and the person file
AREAS = ("campaigns", "sampling", "labs", "field")


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    label = "testing"
    verbose_name = _("Mass testing")

    def ready(self) -> None:
        for area in AREAS:
            importlib.import_module(f"{self.name}.{area}.setup").ready()
