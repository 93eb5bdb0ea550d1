"""`fangkong totp_code USERNAME`: the current two-factor code of an account.

For the demo and for operators with shell access to the server (who can read the
secrets anyway): the demo's district accounts have fixed TOTP secrets so that a
newcomer can log in without a phone. Accounts without a secret are refused.
"""

from __future__ import annotations

from typing import Any

import pyotp
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.accounts.models import User
from fangkong.core.scope import Scope


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of an account that has a two-factor secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope.system(reason="totp code")
        user = User.objects.within(scope).filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account named {options['username']!r}.")
        if not user.totp_secret:
            raise CommandError(f"{user.username} has no two-factor secret.")
        self.stdout.write(pyotp.TOTP(user.totp_secret).now())
