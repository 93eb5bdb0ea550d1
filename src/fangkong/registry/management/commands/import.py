"""`fangkong import persons FILE --community CODE [--dry-run] [--json]`.

Imports a resident ledger with a system scope (the command line is the operator's). The
exit status is 0 whenever the file was read, even with rejected rows (they are in the
summary); a file that cannot be read or an unknown community is an error on stderr and
a non-zero status.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from fangkong.core.errors import ApplicationError
from fangkong.core.scope import Scope
from fangkong.registry.importer import ImportSummary, import_persons


class Command(BaseCommand):
    help = "Import a ledger: `import persons FILE --community CODE [--dry-run] [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        persons = kinds.add_parser(
            "persons", help="a community's resident ledger (.xlsx, .xls, .csv)"
        )
        persons.add_argument("file", help="the ledger file")
        persons.add_argument(
            "--community",
            required=True,
            help="12-digit code of the community the ledger belongs to",
        )
        persons.add_argument(
            "--dry-run", action="store_true", help="check and count everything, change nothing"
        )
        persons.add_argument(
            "--json", action="store_true", help="print the summary as one JSON object"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scope = Scope.system(reason="command line import")
        try:
            summary = import_persons(
                scope=scope,
                community_code=options["community"],
                path=options["file"],
                dry_run=options["dry_run"],
            )
        except FileNotFoundError:
            raise CommandError(_("No such file: %(file)s") % {"file": options["file"]}) from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(_readable(summary, dry_run=options["dry_run"]))


def _readable(summary: ImportSummary, *, dry_run: bool) -> str:
    places = summary.places
    lines = [
        _("Dry run: nothing was saved.") if dry_run else _("Imported."),
        _(
            "Rows: %(rows)d  created: %(created)d  updated: %(updated)d  "
            "unchanged: %(unchanged)d  rejected: %(rejected)d  warnings: %(warnings)d"
        )
        % {
            "rows": summary.rows,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": len(summary.rejected),
            "warnings": len(summary.warnings),
        },
        _(
            "New places: compounds %(compounds)d  buildings %(buildings)d  units %(units)d  "
            "households %(households)d"
        )
        % places,
    ]
    for title, entries in (
        (_("Rejected rows:"), summary.rejected),
        (_("Warnings:"), summary.warnings),
    ):
        if entries:
            lines.append(title)
            lines += [
                "  "
                + _("Row %(row)s [%(column)s] %(value)s: %(reason)s")
                % {k: e[k] for k in ("row", "column", "value", "reason")}
                for e in entries
            ]
    return "\n".join(lines)
