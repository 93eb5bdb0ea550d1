"""`fangkong load_divisions 410106`: a district's towns and villages from the packaged tables."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.divisions import load_district
from fangkong.core.scope import Scope


class Command(BaseCommand):
    help = "Load a Henan district and every town and village under it into the jurisdiction tree."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("district", help="6-digit district code, e.g. 410106")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["district"].strip()
        try:
            counts = load_district(code, audit_scope=Scope.system(reason="load divisions"))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{code}: {counts['district']} district, {counts['subdistrict']} subdistricts, "
            f"{counts['town']} towns, {counts['community']} communities, "
            f"{counts['village']} villages; created {counts['created']}, "
            f"updated {counts['updated']}, unchanged {counts['unchanged']}"
        )
