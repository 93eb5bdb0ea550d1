"""Notices to staff (通知): the district and subdistricts write to the staff of chosen
jurisdictions and roles, with attachments; the sender sees who has read them."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "fangkong.notices"
    label = "notices"
    verbose_name = _("Notices to staff")
