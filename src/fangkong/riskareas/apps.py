from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskareasConfig(AppConfig):
    name = "fangkong.riskareas"
    label = "riskareas"
    verbose_name = _("Risk areas")
