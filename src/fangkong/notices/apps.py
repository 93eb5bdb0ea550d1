"""Notices to staff (通知): the district and subdistricts write to the staff of chosen
jurisdictions and roles, with attachments; the sender sees who has read them."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "fangkong.notices"
    label = "notices"
    verbose_name = _("Notices to staff")

    def ready(self) -> None:
        # No menu entry: every staff account has an inbox, but no permission is held by
        # every role (care members and lab workers hold few), so the inbox and its badge
        # are in the user menu of base.html; senders reach their sent notices from it.
        from . import export  # noqa: F401  (registers the read receipts' export)
