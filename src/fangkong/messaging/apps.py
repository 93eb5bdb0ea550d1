"""Text messages to residents (短信通知): templates, audiences the modules register,
sending in the background at a rate limit, and the log of every message."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "fangkong.messaging"
    label = "messaging"
    verbose_name = _("Messages to residents")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from fangkong.core.navigation import NavItem, register
        from fangkong.core.permissions import Perm
        from fangkong.registry import timeline as registry_timeline

        from .timeline import message_events

        # Each module's `audiences` module registers whom it can text (audiences.py).
        autodiscover_modules("audiences")
        registry_timeline.register("messaging", message_events, label=_("Text messages"))
        register(
            NavItem("messaging:batches", _("Text messages"), "chat-dots", Perm.MESSAGE_SEND, 65)
        )
