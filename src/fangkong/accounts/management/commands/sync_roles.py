"""`fangkong sync_roles`: write the roles and permissions of the code to the database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangkong.accounts.services import roles_sync


class Command(BaseCommand):
    help = "Write roles and their permissions (fangkong.accounts.roles) to the database."

    def handle(self, *args: Any, **options: Any) -> None:
        n = roles_sync()
        self.stdout.write(self.style.SUCCESS(f"{n} roles in sync"))
