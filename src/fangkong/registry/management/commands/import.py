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
            raise CommandError(f"No such file: {options['file']}") from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(_readable(summary, dry_run=options["dry_run"]))


def _readable(summary: ImportSummary, *, dry_run: bool) -> str:
    places = summary.places
    lines = [
        ("试运行（未保存）/ dry run, nothing saved" if dry_run else "导入完成 / imported"),
        f"人员行 rows: {summary.rows}  新增 created: {summary.created}  "
        f"更新 updated: {summary.updated}  未变 unchanged: {summary.unchanged}  "
        f"拒绝 rejected: {len(summary.rejected)}  提示 warnings: {len(summary.warnings)}",
        f"新建 places created: 小区 {places['compounds']}  楼栋 {places['buildings']}  "
        f"单元 {places['units']}  户 {places['households']}",
    ]
    for title, entries in (
        ("拒绝的行 rejected rows", summary.rejected),
        ("提示 warnings", summary.warnings),
    ):
        if entries:
            lines.append(f"{title}:")
            lines += [
                f"  第{e['row']}行 [{e['column']}] {e['value']}: {e['reason']}" for e in entries
            ]
    return "\n".join(lines)
