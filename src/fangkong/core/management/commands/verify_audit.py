"""`fangkong verify_audit`: recompute the audit log's hash chain."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exit 1 at the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print a JSON summary")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "checked": report.checked,
                        "ok": report.ok,
                        "first_broken_id": report.first_broken_id,
                        "problem": report.problem,
                    }
                )
            )
        if not report.ok:
            raise CommandError(
                f"audit chain broken at entry {report.first_broken_id}: {report.problem} "
                f"({report.checked} entries verified before it)"
            )
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} entries"))
