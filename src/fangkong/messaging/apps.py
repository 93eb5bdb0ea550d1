"""Text messages to residents (短信通知): templates, audiences the modules register,
sending in the background at a rate limit, and the log of every message."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "fangkong.messaging"
    label = "messaging"
    verbose_name = _("Messages to residents")
