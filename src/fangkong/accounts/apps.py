from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: object, **kwargs: object) -> None:
    from .services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        # Roles live in code; every migrate brings the database copy in line.
        post_migrate.connect(_sync_roles, sender=self)
