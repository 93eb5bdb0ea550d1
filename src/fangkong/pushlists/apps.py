from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PushlistsConfig(AppConfig):
    name = "fangkong.pushlists"
    label = "pushlists"
    verbose_name = _("Push lists")
