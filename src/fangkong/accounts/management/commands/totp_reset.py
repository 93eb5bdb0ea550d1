"""`fangkong totp_reset USERNAME --reason "…"`: clear a lost two-factor authenticator.

For an operator when the user's phone is lost and no administrator above can do it on
the web (the user list's reset does the same). The user enrols again at the next login;
their API tokens end; the audit log keeps who, when and why.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.accounts import services
from fangkong.accounts.models import User
from fangkong.core.errors import ApplicationError
from fangkong.core.scope import Scope


class Command(BaseCommand):
    help = "Clear an account's two-factor secret (it enrols again at next login), with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why, for the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope.system(reason="totp reset (command line)")
        user = User.objects.within(scope).filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account named {options['username']!r}.")
        try:
            services.totp_reset(scope=scope, user=user, reason=options["reason"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{user.username}: two-factor cleared; enrol again at next login.")
