"""`fangkong export NAME --jurisdiction CODE --out FILE`: any registered export, to a file.

For operators and scheduled jobs on the server: the same .xlsx the web page gives (who,
when and the filters in the file), masked unless `--reveal --reason "…"`, and the same
audit entry. Filters are the export's own parameters as `--param key=value`, e.g.
`fangkong export persons --jurisdiction 410106001001 --param group=elderly --out a.xlsx`.
`fangkong export --list` names the exports there are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from fangkong.core import audit, exports
from fangkong.core.errors import ApplicationError
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope


class Command(BaseCommand):
    help = "Write a registered export (e.g. persons) of one jurisdiction to an .xlsx file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the export, e.g. persons")
        parser.add_argument("--list", action="store_true", help="list the exports and stop")
        parser.add_argument("--jurisdiction", help="division code of the jurisdiction")
        parser.add_argument("--out", help="the .xlsx file to write")
        parser.add_argument(
            "--param", action="append", default=[], metavar="KEY=VALUE", help="a filter"
        )
        parser.add_argument("--reveal", action="store_true", help="full identity numbers")
        parser.add_argument("--reason", default="", help="why (required with --reveal)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for name in exports.names():
                self.stdout.write(name)
            return
        name, code, out = options["name"], options["jurisdiction"], options["out"]
        if not (name and code and out):
            raise CommandError("Give the export's name, --jurisdiction CODE and --out FILE.")
        if not Jurisdiction.objects.filter(code=code).exists():
            raise CommandError(f"No jurisdiction with the code {code!r}.")
        params: dict[str, Any] = {}
        for item in options["param"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"--param {item!r}: write it as key=value.")
            params[key] = value
        reason = options["reason"].strip()
        scope = Scope.system(reason=reason or f"export {name} (command line)", code=code)
        try:
            spec = exports.get_spec(name)
            exports.check(scope, spec, options["reveal"], reason)
            target = Path(out)
            rows = exports.write(scope, spec, params, options["reveal"], str(target))
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        with transaction.atomic():
            audit.record(
                scope,
                "export.written",
                object_type="export",
                object_id=name,
                jurisdiction_code=code,
                reason=reason,
                data={"params": params, "rows": rows, "revealed": options["reveal"], "file": out},
            )
        self.stdout.write(f"{rows} rows written to {target}")
